//! Received documents: read one (a CDA R2 or an IHE_XDM.ZIP) for showing
//! it and for what it proposes to the record. The typed content comes
//! from the document plugin of its type (its `read` export) when one is
//! installed, else from the generic reader; both read with
//! `esculape-cda-lecture`.

use crate::App;
use esculape_api_types::documents::{CodeLu, DocumentLu, IdentifiantLu, Proposition, SectionLue};
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
        let rt = self.runtime.clone();
        // a large document is milliseconds to seconds of parsing, a plugin
        // call is CPU work: off the async threads
        let (d, lecteur, propositions, avertissements) = tokio::task::spawn_blocking(move || {
            let illisible =
                |e: esculape_xds::XdsError| LectureRefusee(format!("document illisible : {e}"));
            let cda = esculape_xds::lecture::cda_du_fichier(&octets).map_err(illisible)?;
            let d = esculape_xds::lecture::lire(&cda).map_err(illisible)?;
            let (lecteur, propositions, avertissements) = contenu_type(&rt, &cda, &d);
            Ok::<_, LectureRefusee>((d, lecteur, propositions, avertissements))
        })
        .await
        .map_err(|_| LectureRefusee("la lecture du document a échoué".into()))??;
        let h = &d.entete;
        let identifiant = match &h.id.1 {
            Some(x) => format!("{}^{x}", h.id.0),
            None => h.id.0.clone(),
        };
        self.store
            .trace(
                actor,
                "document.lecture",
                None,
                &format!("document reçu lu : {} ({identifiant})", h.title),
            )
            .await
            .map_err(|e| LectureRefusee(e.to_string()))?;
        Ok(document_lu(
            &d,
            identifiant,
            lecteur,
            propositions,
            avertissements,
        ))
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

/// An HL7 TS at the practice's wall clock (the day alone: noon).
fn quand_hl7(ts: &str) -> Option<LocalDateTime> {
    let jour = jour_hl7(ts)?;
    let n = |a: usize, b: usize| ts.get(a..b).and_then(|x| x.parse::<u32>().ok());
    let minutes = match (n(8, 10), n(10, 12)) {
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
