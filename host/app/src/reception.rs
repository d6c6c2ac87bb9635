//! Received documents: read one (a CDA R2 or an IHE_XDM.ZIP) for showing
//! it and for what it proposes to the record. The typed content comes
//! from the document plugin of its type (its `read` export) when one is
//! installed, else from the generic reader; both read with
//! `esculape-cda-lecture`.

use crate::App;
use esculape_api_types::documents::{
    ApercuIntegration, CodeLu, DocumentLu, DocumentMeta, IdentifiantLu, IntegrationFaite,
    Proposition, SectionLue,
};
use esculape_domain::biologie::{ResultatBiologie, ResultatStocke};
use esculape_domain::document::Provenance;
use esculape_domain::record::{EntryData, deja_present};
use esculape_domain::{Day, LocalDateTime};
use esculape_runtime::Runtime;
use esculape_runtime::model as t;
use esculape_store::Actor;
use esculape_xds::lecture::{Contenu, DocumentRecu, jour_lisible};
use std::sync::Arc;

/// Why a received document was not read, in French.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LectureRefusee(pub String);

/// Who reads the typed content when no plugin knows the type.
pub const LECTEUR_GENERIQUE: &str = "lecteur générique";

impl App {
    /// Reads a received document (a CDA R2 or an IHE_XDM.ZIP) without
    /// storing it; the reading is traced (who read what), attached to no
    /// patient: the document is not matched to one yet.
    pub async fn lire_document_recu(
        &self,
        actor: &Actor,
        octets: Vec<u8>,
    ) -> Result<DocumentLu, LectureRefusee> {
        Ok(self.lire_recu(actor, octets).await?.0)
    }

    /// The reading, and the CDA read (the document of an IHE_XDM.ZIP).
    async fn lire_recu(
        &self,
        actor: &Actor,
        octets: Vec<u8>,
    ) -> Result<(DocumentLu, Vec<u8>), LectureRefusee> {
        let rt = self.runtime.clone();
        // a large document is milliseconds to seconds of parsing, a plugin
        // call is CPU work: off the async threads
        let (d, cda, lecteur, propositions, avertissements) =
            tokio::task::spawn_blocking(move || {
                let illisible =
                    |e: esculape_xds::XdsError| LectureRefusee(format!("document illisible : {e}"));
                let cda = esculape_xds::lecture::cda_du_fichier(&octets)
                    .map_err(illisible)?
                    .into_owned();
                let d = esculape_xds::lecture::lire(&cda).map_err(illisible)?;
                let (lecteur, propositions, avertissements) = contenu_type(&rt, &cda, &d);
                Ok::<_, LectureRefusee>((d, cda, lecteur, propositions, avertissements))
            })
            .await
            .map_err(|_| LectureRefusee("la lecture du document a échoué".into()))??;
        let h = &d.entete;
        let identifiant = identifiant(h);
        self.store
            .trace(
                actor,
                "document.lecture",
                None,
                &format!("document reçu lu : {} ({identifiant})", h.title),
            )
            .await
            .map_err(|e| LectureRefusee(e.to_string()))?;
        let lu = document_lu(&d, identifiant, lecteur, propositions, avertissements);
        Ok((lu, cda))
    }
}

/// The typed content: by the plugin of the document's type when one is
/// installed (the one declaring its templates first), else generic.
/// Returns the reader, the proposals and the warnings.
fn contenu_type(
    rt: &Arc<Runtime>,
    cda: &[u8],
    d: &DocumentRecu,
) -> (String, Vec<Proposition>, Vec<String>) {
    let h = &d.entete;
    let mut candidats: Vec<(bool, String)> = rt
        .list()
        .into_iter()
        .filter(|p| p.world == "document" && !p.profiles.iter().any(|x| x == "test"))
        .filter_map(|p| {
            let desc = rt.document(&p.id).ok()?.describe().ok()?;
            (desc.type_code.code == h.code.code).then(|| {
                let modeles = desc.template_ids.iter().any(|m| {
                    h.template_ids
                        .iter()
                        .any(|x| m.split('@').next() == Some(x))
                });
                (modeles, p.id)
            })
        })
        .collect();
    candidats.sort_by_key(|(modeles, _)| !modeles);
    let mut avertissements = d.avertissements.clone();
    for (_, id) in candidats {
        let lu = rt.document(&id).and_then(|c| c.read(cda));
        match lu {
            Ok(r) => {
                let propositions = r.proposals.iter().filter_map(du_module).collect();
                for w in r.warnings {
                    if !avertissements.contains(&w) {
                        avertissements.push(w);
                    }
                }
                return (id, propositions, avertissements);
            }
            Err(e) => avertissements.push(format!("le module {id} n'a pas lu ce document : {e}")),
        }
    }
    let acte = h.service_start.as_deref().unwrap_or(&h.effective_time);
    (
        LECTEUR_GENERIQUE.into(),
        generiques(&d.contenu, acte),
        avertissements,
    )
}

fn code_lu(c: &esculape_xds::Code) -> Option<CodeLu> {
    (!c.code.is_empty()).then(|| CodeLu {
        code: c.code.clone(),
        systeme: c.scheme.clone(),
        libelle: (!c.display.is_empty()).then(|| c.display.clone()),
    })
}

fn code_du_module(c: &t::Coded) -> CodeLu {
    CodeLu {
        code: c.code.clone(),
        systeme: c.code_system.clone(),
        libelle: c.display.clone(),
    }
}

/// A day of an HL7 TS (`AAAAMMJJ…`).
fn jour_hl7(ts: &str) -> Option<Day> {
    let iso = format!("{}-{}-{}", ts.get(0..4)?, ts.get(4..6)?, ts.get(6..8)?);
    Day::parse(&iso).ok()
}

fn jour_du_module(d: &t::Date) -> Option<Day> {
    Day::parse(&format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)).ok()
}

/// A point in time at the practice's wall clock.
fn heure_locale(at: &t::Timestamp) -> LocalDateTime {
    esculape_domain::calendar::paris_local(at.unix_millis)
}

/// An HL7 TS at the practice's wall clock, as the plugins' path gives it:
/// with an offset, the instant (`esculape_xds::utc`) brought to Paris
/// time; without, as written; the day alone: noon.
fn quand_hl7(ts: &str) -> Option<LocalDateTime> {
    let jour = jour_hl7(ts)?;
    let n = |s: &str, a: usize, b: usize| s.get(a..b).and_then(|x| x.parse::<u32>().ok());
    if ts.get(8..).is_some_and(|r| r.contains(['+', '-'])) {
        let u = esculape_xds::utc(ts);
        if let (Some(j), Some(h), Some(m)) = (jour_hl7(&u), n(&u, 8, 10), n(&u, 10, 12)) {
            let millis = (j.days() * 86_400 + i64::from(h * 3600 + m * 60)) * 1000;
            return Some(esculape_domain::calendar::paris_local(millis));
        }
    }
    let minutes = match (n(ts, 8, 10), n(ts, 10, 12)) {
        (Some(h), m) if h < 24 => h * 60 + m.filter(|m| *m < 60).unwrap_or(0),
        _ => 12 * 60,
    };
    Some(LocalDateTime::at(jour, minutes))
}

/// A plugin's proposal, as the API gives it (a vaccination or a measure
/// without a readable date is dropped: the plugin warned).
fn du_module(p: &t::Proposal) -> Option<Proposition> {
    Some(match p {
        t::Proposal::Problem(x) => Proposition::Probleme {
            libelle: x.text.clone(),
            code: x.code.as_ref().map(code_du_module),
            actif: x.active,
            debut: x.onset.as_ref().and_then(jour_du_module),
            fin: x.end.as_ref().and_then(jour_du_module),
        },
        t::Proposal::Allergy(x) => Proposition::Allergie {
            libelle: x.text.clone(),
            code: x.substance.as_ref().map(code_du_module),
            reaction: x.reaction.clone(),
        },
        t::Proposal::Treatment(x) => Proposition::Traitement {
            libelle: x.text.clone(),
            code: x.medication.as_ref().map(code_du_module),
            posologie: x.posology.clone(),
            debut: x.start.as_ref().and_then(jour_du_module),
            fin: x.end.as_ref().and_then(jour_du_module),
            long_cours: x.long_term,
        },
        t::Proposal::Vaccination(x) => Proposition::Vaccination {
            libelle: x.text.clone(),
            code: x.vaccine.as_ref().map(code_du_module),
            date: jour_du_module(&x.date)?,
            lot: x.lot.clone(),
        },
        t::Proposal::Measure(x) => Proposition::Mesure {
            code: code_du_module(&x.code),
            valeur: x.value,
            unite: x.unit.clone(),
            quand: heure_locale(&x.at),
        },
        t::Proposal::LabResult(x) => Proposition::ResultatBio {
            code: code_du_module(&x.code),
            valeur: x.value,
            unite: x.unit.clone(),
            texte: x.text.clone(),
            intervalle: x.reference_range.clone(),
            interpretation: x.interpretation.clone(),
            quand: heure_locale(&x.at),
        },
    })
}

/// The generic reader's content as proposals; what has no date where one
/// is needed is left out (it stays in the narrative).
fn generiques(c: &Contenu, acte: &str) -> Vec<Proposition> {
    let mut v = Vec::new();
    v.extend(c.problemes.iter().map(|p| Proposition::Probleme {
        libelle: p.texte.clone(),
        code: p.code.as_ref().and_then(code_lu),
        actif: p.actif,
        debut: p.debut.as_deref().and_then(jour_hl7),
        fin: p.fin.as_deref().and_then(jour_hl7),
    }));
    v.extend(c.allergies.iter().map(|a| Proposition::Allergie {
        libelle: a.texte.clone(),
        code: a.substance.as_ref().and_then(code_lu),
        reaction: a.reaction.clone(),
    }));
    v.extend(c.traitements.iter().map(|x| Proposition::Traitement {
        libelle: x.texte.clone(),
        code: x.medicament.as_ref().and_then(code_lu),
        posologie: x.posologie.clone(),
        debut: x.debut.as_deref().and_then(jour_hl7),
        fin: x.fin.as_deref().and_then(jour_hl7),
        long_cours: false,
    }));
    v.extend(c.vaccinations.iter().filter_map(|x| {
        Some(Proposition::Vaccination {
            libelle: x.texte.clone(),
            code: x.vaccin.as_ref().and_then(code_lu),
            date: x.date.as_deref().and_then(jour_hl7)?,
            lot: x.lot.clone(),
        })
    }));
    v.extend(c.mesures.iter().filter_map(|m| {
        Some(Proposition::Mesure {
            code: code_lu(&m.code)?,
            valeur: m.valeur,
            unite: m.unite.clone(),
            quand: quand_hl7(m.date.as_deref().unwrap_or(acte))?,
        })
    }));
    v.extend(c.resultats.iter().filter_map(|r| {
        Some(Proposition::ResultatBio {
            code: code_lu(&r.code)?,
            valeur: r.valeur,
            unite: r.unite.clone(),
            texte: r.texte.clone(),
            intervalle: r.intervalle.clone(),
            interpretation: r.interpretation.clone(),
            quand: quand_hl7(r.date.as_deref().unwrap_or(acte))?,
        })
    }));
    v
}

fn document_lu(
    d: &DocumentRecu,
    identifiant: String,
    lecteur: String,
    propositions: Vec<Proposition>,
    avertissements: Vec<String>,
) -> DocumentLu {
    use base64::Engine;
    let h = &d.entete;
    let nom = |famille: &str, prenom: &str| format!("{prenom} {famille}").trim().to_string();
    DocumentLu {
        titre: h.title.clone(),
        type_code: h.code.code.clone(),
        type_libelle: h.code.display.clone(),
        niveau: d.niveau.clone(),
        identifiant,
        set_id: h.set_id.clone(),
        version: h.version,
        date: h.effective_time.clone(),
        confidentialite: h.confidentiality.code.clone(),
        patient: format!(
            "{} {}, né(e) le {}",
            h.birth_name,
            h.first_birth_first_name,
            jour_lisible(&h.birth_time)
        ),
        patient_identifiants: h
            .patient_ids
            .iter()
            .map(|(oid, valeur)| IdentifiantLu {
                oid: oid.clone(),
                valeur: valeur.clone(),
            })
            .collect(),
        auteur: nom(&h.author.1, &h.author.2),
        organisation: h.organization.1.clone(),
        pdf: d
            .pdf
            .as_ref()
            .map(|p| base64::engine::general_purpose::STANDARD.encode(p)),
        sections: d
            .sections
            .iter()
            .map(|s| SectionLue {
                titre: s.titre.clone(),
                code: s.code.as_ref().map(|c| c.code.clone()),
                texte: s.texte.clone(),
                niveau: s.niveau as u32,
            })
            .collect(),
        lecteur,
        propositions,
        avertissements,
    }
}

/// Why an integration did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ErreurIntegration {
    #[error(transparent)]
    Lecture(#[from] LectureRefusee),
    #[error(transparent)]
    Store(#[from] esculape_store::StoreError),
    /// The document names another patient: nothing is integrated.
    #[error("{0}")]
    Identite(String),
    #[error("{0}")]
    Choix(String),
}

/// Longest description of the source kept with an integrated entry.
const SOURCE_MAX: usize = 300;

impl App {
    /// A received document's proposals beside the patient's record: what
    /// each would enter as, and whether the record already holds it
    /// (LGC.MDV.05). Nothing is stored; the reading and the chart are
    /// traced. A document whose INS is not this patient's qualified INS is
    /// refused.
    pub async fn apercu_integration(
        &self,
        actor: &Actor,
        patient_id: &str,
        octets: Vec<u8>,
    ) -> Result<ApercuIntegration, ErreurIntegration> {
        Ok(self.preparer(actor, patient_id, octets).await?.0)
    }

    /// Integrates the proposals the doctor picked: each one the record does
    /// not hold yet becomes an entry whose history names the document; what
    /// the record holds is left as it is (nothing overwritten).
    pub async fn integrer_document(
        &self,
        actor: &Actor,
        patient_id: &str,
        octets: Vec<u8>,
        choix: &[u32],
    ) -> Result<IntegrationFaite, ErreurIntegration> {
        let (apercu, _) = self.preparer(actor, patient_id, octets).await?;
        self.integrer_choix(actor, patient_id, &apercu, choix).await
    }

    /// The chart and the document read once: the preview, and the CDA.
    async fn preparer(
        &self,
        actor: &Actor,
        patient_id: &str,
        octets: Vec<u8>,
    ) -> Result<(ApercuIntegration, Vec<u8>), ErreurIntegration> {
        let chart = self.store.chart(actor, patient_id).await?;
        let (document, cda) = self.lire_recu(actor, octets).await?;
        let identite = identite(&document, &chart.patient.identity)?;
        let resultats = if document
            .propositions
            .iter()
            .any(|p| matches!(p, Proposition::ResultatBio { .. }))
        {
            self.store.resultats_biologie(actor, patient_id).await?
        } else {
            Vec::new()
        };
        let comparaisons = comparer(&document, &chart.entries, &resultats);
        Ok((
            ApercuIntegration {
                document,
                comparaisons,
                identite,
            },
            cda,
        ))
    }

    async fn integrer_choix(
        &self,
        actor: &Actor,
        patient_id: &str,
        apercu: &ApercuIntegration,
        choix: &[u32],
    ) -> Result<IntegrationFaite, ErreurIntegration> {
        let mut choix = choix.to_vec();
        choix.sort_unstable();
        choix.dedup();
        // every pick checked before anything is added: a bad one adds nothing
        let n = apercu.comparaisons.len();
        if let Some(i) = choix.iter().find(|&&i| i as usize >= n) {
            return Err(ErreurIntegration::Choix(format!(
                "proposition {i} : le document n'en a que {n} ; rien n'est intégré"
            )));
        }
        let d = &apercu.document;
        let mut source = format!(
            "document reçu « {} » du {} ({})",
            d.titre,
            jour_lisible(&d.date),
            d.identifiant
        );
        if source.len() > SOURCE_MAX {
            let mut n = SOURCE_MAX;
            while !source.is_char_boundary(n) {
                n -= 1;
            }
            source.truncate(n);
        }
        let mut faite = IntegrationFaite {
            ajoutees: Vec::new(),
            deja_presentes: 0,
            ecartees: Vec::new(),
        };
        // what this integration adds counts as present for the next picks
        let mut ajoutees: Vec<EntryData> = Vec::new();
        let mut resultats: Vec<ResultatBiologie> = Vec::new();
        for i in choix {
            let c = &apercu.comparaisons[i as usize];
            if let Some(r) = &c.resultat {
                if c.deja_present.is_some() {
                    faite.deja_presentes += 1;
                } else {
                    resultats.push(r.clone());
                }
                continue;
            }
            let Some(entree) = &c.entree else {
                faite.ecartees.push(c.remarque.clone().unwrap_or_default());
                continue;
            };
            if c.deja_present.is_some() || deja_present(entree, &ajoutees).is_some() {
                faite.deja_presentes += 1;
                continue;
            }
            let e = self
                .store
                .integrer_entree(actor, patient_id, entree.clone(), &source)
                .await?;
            faite.ajoutees.push(e.id);
            ajoutees.push(entree.clone());
        }
        if !resultats.is_empty() {
            // the results of one report go in together (one transaction)
            let n = resultats.len();
            let ids = self
                .store
                .integrer_resultats(actor, patient_id, resultats, &source)
                .await?;
            faite.deja_presentes += (n - ids.len()) as u32;
            faite.ajoutees.extend(ids);
        }
        Ok(faite)
    }
}

/// The document's INS beside the patient's: the same INS passes; another
/// INS where the patient's is qualified is refused; otherwise the doctor
/// is asked to check the traits (the document never changes the identity).
fn identite(
    d: &DocumentLu,
    patient: &esculape_domain::Identity,
) -> Result<Option<String>, ErreurIntegration> {
    let ins_document = d
        .patient_identifiants
        .iter()
        .find(|i| esculape_identifiants::est_oid_ins(&i.oid));
    match (&patient.ins, ins_document) {
        (Some(ins), Some(i)) if ins.matricule == i.valeur && ins.oid.oid() == i.oid => Ok(None),
        (Some(ins), Some(i)) if patient.status == esculape_domain::IdentityStatus::Qualifiee => {
            Err(ErreurIntegration::Identite(format!(
                "le document concerne un autre patient (INS {} ; ce dossier : INS {}) : rien n'est intégré",
                i.valeur, ins.matricule
            )))
        }
        _ => Ok(Some(format!(
            "identité à vérifier : le document désigne {} ; confirmez que c'est bien ce patient",
            d.patient
        ))),
    }
}

/// Each proposal beside the record's entries.
fn comparer(
    d: &DocumentLu,
    entrees: &[esculape_api_types::dossier::Entry],
    resultats: &[ResultatStocke],
) -> Vec<esculape_api_types::documents::Comparaison> {
    use esculape_api_types::documents::Comparaison;
    let donnees: Vec<EntryData> = entrees.iter().map(|e| e.data.clone()).collect();
    let jour_acte = jour_hl7(&d.date);
    d.propositions
        .iter()
        .map(|p| {
            if let Some(r) = resultat_de(p, d) {
                return match r.clone().validate() {
                    Ok(r) => Comparaison {
                        deja_present: resultats
                            .iter()
                            .find(|s| s.resultat.meme_que(&r))
                            .map(|s| s.id.clone()),
                        entree: None,
                        resultat: Some(r),
                        remarque: None,
                    },
                    Err(e) => Comparaison {
                        entree: None,
                        resultat: None,
                        deja_present: None,
                        remarque: Some(format!("{} : {e}", resume(p))),
                    },
                };
            }
            match entree_de(p, jour_acte) {
                Ok(e) => Comparaison {
                    deja_present: deja_present(&e, &donnees).map(|i| entrees[i].id.clone()),
                    entree: Some(e),
                    resultat: None,
                    remarque: None,
                },
                Err(r) => Comparaison {
                    entree: None,
                    resultat: None,
                    deja_present: None,
                    remarque: Some(r),
                },
            }
        })
        .collect()
}

/// A lab result proposal as the patient's results keep it: from the
/// report's laboratory, linked to the document as the record stores it.
fn resultat_de(p: &Proposition, d: &DocumentLu) -> Option<ResultatBiologie> {
    let Proposition::ResultatBio {
        code,
        valeur,
        unite,
        texte,
        intervalle,
        interpretation,
        quand,
    } = p
    else {
        return None;
    };
    Some(ResultatBiologie {
        code: code.code.clone(),
        systeme: code.systeme.clone(),
        libelle: code.libelle.clone().unwrap_or_else(|| code.code.clone()),
        valeur: *valeur,
        unite: unite.clone(),
        texte: texte.clone(),
        intervalle: intervalle.clone(),
        interpretation: interpretation.clone(),
        preleve_le: *quand,
        laboratoire: (!d.organisation.is_empty()).then(|| d.organisation.clone()),
        document: Some(id_du_document(&d.identifiant)),
    })
}

fn code_dossier(c: &Option<CodeLu>) -> Option<esculape_domain::record::Code> {
    c.as_ref().and_then(|c| {
        esculape_domain::record::Code::depuis_oid(&c.systeme, &c.code, c.libelle.as_deref())
    })
}

/// What a proposal enters the record as (its codes as the record keeps
/// them: a code of a system it does not keep is dropped, the words stay),
/// or why it cannot.
fn entree_de(p: &Proposition, jour_acte: Option<Day>) -> Result<EntryData, String> {
    use esculape_domain::record::{Activity, AntecedentKind, MeasureKind};
    match p {
        Proposition::Probleme {
            libelle,
            code,
            actif: true,
            debut,
            ..
        } => EntryData::Probleme {
            label: libelle.clone(),
            code: code_dossier(code),
            status: Activity::Actif,
            onset: *debut,
        },
        Proposition::Probleme {
            libelle,
            code,
            debut,
            ..
        } => EntryData::Antecedent {
            label: libelle.clone(),
            code: code_dossier(code),
            antecedent: AntecedentKind::Personnel,
            onset: *debut,
        },
        Proposition::Allergie {
            libelle,
            code,
            reaction,
        } => EntryData::Allergie {
            label: libelle.clone(),
            code: code_dossier(code),
            reaction: reaction.clone(),
            status: Activity::Actif,
        },
        Proposition::Traitement {
            libelle,
            code,
            posologie,
            debut,
            fin,
            long_cours,
        } => EntryData::Traitement {
            label: libelle.clone(),
            code: code_dossier(code),
            // the record asks for one; a received line may carry none
            posology: posologie
                .clone()
                .unwrap_or_else(|| "non précisée dans le document reçu".into()),
            start: debut
                .or(jour_acte)
                .ok_or_else(|| format!("{libelle} : date de début inconnue"))?,
            end: *fin,
            long_term: *long_cours,
        },
        Proposition::Vaccination {
            libelle,
            code,
            date,
            lot,
        } => EntryData::Vaccination {
            label: libelle.clone(),
            code: code_dossier(code),
            date: *date,
            lot: lot.clone(),
            dose: None,
        },
        Proposition::Mesure {
            code,
            valeur,
            unite,
            quand,
        } => {
            let nom = code.libelle.clone().unwrap_or_else(|| code.code.clone());
            let kind = MeasureKind::of_loinc(&code.code)
                .ok_or_else(|| format!("{nom} : mesure que le dossier ne suit pas"))?;
            let value = kind
                .depuis_ucum(*valeur, unite)
                .ok_or_else(|| format!("{nom} : unité {unite} non convertie en {}", kind.unit()))?;
            let heure = match quand.minute_of_day() {
                720 => None,
                m => esculape_domain::calendar::Heure::from_minutes(m),
            };
            EntryData::Mesure {
                measure: kind,
                value,
                date: quand.day(),
                heure,
            }
        }
        // a lab result enters the patient's results (`resultat_de`)
        Proposition::ResultatBio { .. } => {
            return Err(format!("{} : résultat de biologie", resume(p)));
        }
    }
    .validate()
    .map_err(|e| format!("{} : {e}", resume(p)))
}

/// A proposal in a few words, for a refusal.
fn resume(p: &Proposition) -> String {
    match p {
        Proposition::Probleme { libelle, .. }
        | Proposition::Allergie { libelle, .. }
        | Proposition::Traitement { libelle, .. }
        | Proposition::Vaccination { libelle, .. } => libelle.clone(),
        Proposition::Mesure { code, .. } | Proposition::ResultatBio { code, .. } => {
            code.libelle.clone().unwrap_or_else(|| code.code.clone())
        }
    }
}

/// The id a received document takes in the record: its CDA id root, and
/// its extension when it has one (`root-extension`, kept to characters a
/// URL path carries as they are).
/// A CDA header's id as `root^extension` (or its root alone).
fn identifiant(h: &esculape_xds::CdaHeader) -> String {
    match &h.id.1 {
        Some(x) => format!("{}^{x}", h.id.0),
        None => h.id.0.clone(),
    }
}

/// The id a received document is stored under, from its header.
pub(crate) fn id_de_l_entete(h: &esculape_xds::CdaHeader) -> String {
    id_du_document(&identifiant(h))
}

pub(crate) fn id_du_document(identifiant: &str) -> String {
    let propre = |s: &str| {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect::<String>()
    };
    match identifiant.split_once('^') {
        Some((racine, ext)) if !ext.is_empty() => format!("{}-{}", propre(racine), propre(ext)),
        Some((racine, _)) => propre(racine),
        None => propre(identifiant),
    }
}

/// A received document imported into a record and integrated.
#[derive(Debug)]
pub struct DocumentImporte {
    pub document: DocumentMeta,
    pub integration: IntegrationFaite,
    /// What the doctor should check about the identity, in French.
    pub identite: Option<String>,
}

impl App {
    /// Stores a received document in a patient's record (DMP, MSSanté or
    /// imported file: `provenance`), under its own CDA identity: a second
    /// copy is refused as already present, a newer version replaces the
    /// older (kept, marked replaced). The document must not name another
    /// patient (a qualified INS that is not this one's).
    pub async fn recevoir_document(
        &self,
        actor: &Actor,
        patient_id: &str,
        octets: Vec<u8>,
        provenance: Provenance,
    ) -> Result<DocumentMeta, ErreurIntegration> {
        let (apercu, cda) = self.preparer(actor, patient_id, octets).await?;
        self.stocker(actor, patient_id, &apercu.document, cda, provenance)
            .await
    }

    /// Stores a received document, then integrates every proposal the
    /// record does not hold (the command line's import).
    pub async fn importer_document(
        &self,
        actor: &Actor,
        patient_id: &str,
        octets: Vec<u8>,
        provenance: Provenance,
    ) -> Result<DocumentImporte, ErreurIntegration> {
        let (apercu, cda) = self.preparer(actor, patient_id, octets).await?;
        let document = self
            .stocker(actor, patient_id, &apercu.document, cda, provenance)
            .await?;
        let tout: Vec<u32> = (0..apercu.comparaisons.len() as u32).collect();
        let integration = self
            .integrer_choix(actor, patient_id, &apercu, &tout)
            .await?;
        Ok(DocumentImporte {
            document,
            integration,
            identite: apercu.identite,
        })
    }

    async fn stocker(
        &self,
        actor: &Actor,
        patient_id: &str,
        d: &DocumentLu,
        cda: Vec<u8>,
        provenance: Provenance,
    ) -> Result<DocumentMeta, ErreurIntegration> {
        use esculape_domain::document::{DocumentFormat, NewDocument};
        let jour = jour_hl7(&d.date).ok_or_else(|| {
            LectureRefusee(format!("date du document illisible : « {} »", d.date))
        })?;
        let titre = if d.titre.trim().is_empty() {
            d.type_libelle.clone()
        } else {
            d.titre.trim().to_string()
        };
        let nouveau = NewDocument {
            title: titre,
            type_code: d.type_code.clone(),
            type_display: (!d.type_libelle.is_empty()).then(|| d.type_libelle.clone()),
            format: if d.niveau == "N1" {
                DocumentFormat::CdaN1
            } else {
                DocumentFormat::CdaN3
            },
            act_date: jour,
            provenance,
            visibility: Default::default(),
            cda_id: Some(id_du_document(&d.identifiant)),
            cda_set_id: d.set_id.as_deref().map(id_du_document),
        };
        Ok(self
            .store
            .recevoir_document(
                actor,
                patient_id,
                nouveau,
                d.version.map(i64::from).unwrap_or(1),
                cda,
            )
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::quand_hl7;

    #[test]
    fn an_hl7_time_is_read_at_the_practices_wall_clock() {
        let q = |ts: &str| quand_hl7(ts).map(|t| t.to_string());
        // the same instant written at two offsets
        assert_eq!(
            q("20140402145521+0200").as_deref(),
            Some("2014-04-02T14:55")
        );
        assert_eq!(
            q("20140402125521+0000").as_deref(),
            Some("2014-04-02T14:55")
        );
        assert_eq!(
            q("20140102085500-0500").as_deref(),
            Some("2014-01-02T14:55")
        );
        // without an offset: as written; a day alone: noon
        assert_eq!(q("201404021455").as_deref(), Some("2014-04-02T14:55"));
        assert_eq!(q("20140402").as_deref(), Some("2014-04-02T12:00"));
        assert_eq!(q("2014"), None);
    }
}

impl App {
    /// The received reports and letters no doctor has signed off yet: of
    /// one patient, or of the actor's structure (the home screen's list).
    pub async fn a_voir(
        &self,
        actor: &Actor,
        patient_id: Option<&str>,
    ) -> Result<Vec<esculape_api_types::documents::AVoir>, esculape_store::StoreError> {
        self.store.a_voir(actor, patient_id).await
    }

    /// Signs a received document off (« vu par Dr X le … », traced).
    pub async fn marquer_vu(
        &self,
        actor: &Actor,
        document_id: &str,
    ) -> Result<esculape_api_types::documents::Vu, esculape_store::StoreError> {
        self.store.marquer_vu(actor, document_id).await
    }

    /// Who signed off each of a patient's received documents.
    pub async fn vus(
        &self,
        actor: &Actor,
        patient_id: &str,
    ) -> Result<Vec<esculape_api_types::documents::Vu>, esculape_store::StoreError> {
        self.store.vus(actor, patient_id).await
    }
}
