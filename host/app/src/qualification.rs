//! The INS qualification workflow (DSR §3.2.1): ask the INSi, compare with
//! the INS plugin, recover the INS when every trait matches, and keep the
//! identities' INS verified, in the background so that nobody waits.
//!
//! - Opening a patient (identity or chart) whose identity is neither
//!   récupérée nor qualifiée asks the INSi in the background; an INS-NIA is
//!   verified at each opening (a new event). A carte Vitale inserted in the
//!   reader does the same for the patients it carries.
//! - Work goes through the outbox ([`esculape_store::insi`]): a service
//!   that fails or is slow leaves the item to be tried again later
//!   (1 min, doubling up to 1 h); nothing is lost when the host stops.
//! - A scan every hour asks a verification of the INS the INSi has not
//!   confirmed for 4 years, and of every INS-NIA.
//! - The last answer of each patient is kept for the client
//!   (`GET /api/patients/{id}/insi`): the comparison for a one-click
//!   validation, or the advice of a 01/02, or why it failed and when it is
//!   tried again.
//!
//! Every INSi call is traced (`insi.recherche`, `insi.verification`,
//! `insi.echec`), and every status change (`patient.update`,
//! `insi.recuperation`).

use crate::App;
use crate::insi::{Appelant, InsiFailure, Methode, conseil};
use crate::travaux::{self, Executant, Issue, Tentative};
use esculape_api_types::insi::{Comparaison, ReponseInsi, SuiviInsi, TraitCompare, Verification};
use esculape_domain::{BirthDate, Identity, IdentityStatus, InsOid, NewIdentity};
use esculape_insi::{CodeCr, Individu, Resultat};
use esculape_store::insi::{Demande, RECHERCHE, VERIFICATION};
use esculape_store::{Actor, PatientRecord, StoreError};
use std::time::Duration;

/// The INS plugin the comparison is asked of.
pub const INS_PLUGIN: &str = "fr.esculape.ins";

/// Why a query gave nothing to show.
#[derive(Debug, thiserror::Error)]
pub enum Echec {
    /// The service failed or was slow: try again later.
    #[error("{0}")]
    Service(#[from] InsiFailure),
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The INSi's answer cannot become an identity (unreadable traits).
    #[error("réponse INSi inutilisable: {0}")]
    Reponse(String),
    /// Asked again to validate a comparison, the INSi no longer gives one
    /// identity (its code and advice).
    #[error("le téléservice INSi ne renvoie plus une seule identité ({0})")]
    PlusUneIdentite(String),
    /// The INSi's birth place is unknown to the local referential and the
    /// user has not accepted it.
    #[error(
        "le lieu de naissance renvoyé par l'INSi ({0}) est absent du référentiel local des communes et pays: vérifiez-le sur la pièce d'identité, puis acceptez-le"
    )]
    LieuHorsReferentiel(String),
}

impl From<esculape_domain::IdentityError> for Echec {
    fn from(e: esculape_domain::IdentityError) -> Self {
        Echec::Reponse(e.to_string())
    }
}

impl App {
    /// Asks the INSi about a patient now (the user asked), keeps the
    /// answer as the patient's last query and returns it
    /// ([`interroger`]). Nothing in the record changes on a failure.
    pub async fn interroger_insi(&self, actor: &Actor, id: &str) -> Result<ReponseInsi, Echec> {
        let rec = self.store.patient(actor, id).await?;
        let v = interroger(self, actor, &rec).await?;
        self.store
            .insi_repondu(id, "demande de l'utilisateur", rec.version, &v)
            .await?;
        Ok(v)
    }

    /// Asks the INSi by traits for an identity that is not (yet) a
    /// patient of the practice, for the structure itself (the command
    /// line). Traced as `insi.recherche` or `insi.echec`.
    pub async fn interroger_insi_par_traits(
        &self,
        identity: &Identity,
    ) -> Result<(Resultat, Methode), Echec> {
        let actor = Actor::system();
        let answer = self
            .insi
            .rechercher_traits(&appelant(self, &actor).await?, identity)
            .await;
        let (r, how) = match answer {
            Ok(x) => x,
            Err(e) => {
                self.store
                    .trace(
                        &actor,
                        "insi.echec",
                        None,
                        &format!("ligne de commande: {e}"),
                    )
                    .await?;
                return Err(e.into());
            }
        };
        self.store
            .trace(
                &actor,
                "insi.recherche",
                None,
                &format!("ligne de commande: {}", detail(&r, how)),
            )
            .await?;
        Ok((r, how))
    }

    /// The patient's last background query: pending, done with its
    /// answer, or failed with the reason and the next try.
    pub async fn suivi_insi(&self, actor: &Actor, id: &str) -> Result<SuiviInsi, StoreError> {
        self.store.insi_suivi(actor, id).await
    }

    /// The user's one-click validation of a comparison: the INSi is asked
    /// again (its answer is never taken from the client) and, on one
    /// identity, the record takes its traits and INS. A birth place the
    /// local referential lacks needs `accepter_lieu_naissance`.
    pub async fn valider_insi(
        &self,
        actor: &Actor,
        id: &str,
        version: i64,
        accepter_lieu_naissance: bool,
    ) -> Result<PatientRecord, Echec> {
        let rec = self.store.patient(actor, id).await?;
        if rec.version != version {
            return Err(StoreError::Conflict {
                expected: version,
                found: rec.version,
            }
            .into());
        }
        let (r, _) = self
            .insi
            .rechercher_identite(&appelant(self, actor).await?, &rec.identity)
            .await?;
        let Some(i) = r.individu else {
            return Err(Echec::PlusUneIdentite(format!(
                "{}: {}",
                r.code.code(),
                conseil(r.code).unwrap_or_default()
            )));
        };
        if let Some(code) = lieu_hors_referentiel(self, &rec.identity, &i)
            && !accepter_lieu_naissance
        {
            return Err(Echec::LieuHorsReferentiel(code));
        }
        recover(self, actor, &rec, &i, "validée par l'utilisateur").await
    }
}

/// The professional and structure an actor acts for (the structure alone
/// for the system's own jobs).
pub async fn appelant(s: &App, actor: &Actor) -> Result<Appelant, StoreError> {
    let (rpps, finess) = s.store.appelant(&actor.user_id).await?;
    // signed in by Pro Santé Connect: the INSi in the professional's name,
    // through the proxy e-santé (SC.INS/PSC.50)
    let proxy = s.psc.as_ref().and_then(|p| p.passage(&actor.user_id));
    Ok(Appelant {
        rpps,
        finess,
        proxy,
    })
}

fn detail(r: &Resultat, how: Methode) -> String {
    match how {
        Methode::Traits => format!("code {}", r.code.code()),
        Methode::TraitsEtLieu => format!("code {}, avec le lieu de naissance", r.code.code()),
        Methode::CarteVitale => format!("code {}, par la carte Vitale", r.code.code()),
    }
}

/// Ask the INSi about a patient (carte Vitale first, then traits, then
/// with the birth place on 02), compare, recover automatically when every
/// trait matches. The answer as the client shows it.
pub async fn interroger(s: &App, actor: &Actor, rec: &PatientRecord) -> Result<ReponseInsi, Echec> {
    let answer = s
        .insi
        .rechercher_identite(&appelant(s, actor).await?, &rec.identity)
        .await;
    let (r, how) = traced(s, actor, &rec.id, answer).await?;
    s.store
        .trace(actor, "insi.recherche", Some(&rec.id), &detail(&r, how))
        .await?;
    conclure(s, actor, rec, r, how).await
}

async fn traced(
    s: &App,
    actor: &Actor,
    id: &str,
    answer: Result<(Resultat, Methode), InsiFailure>,
) -> Result<(Resultat, Methode), Echec> {
    match answer {
        Ok(x) => Ok(x),
        Err(e) => {
            s.store
                .trace(actor, "insi.echec", Some(id), &e.to_string())
                .await?;
            Err(e.into())
        }
    }
}

/// The comparison of an answer, and the automatic recovery when the
/// plugin says every trait matches and the birth place is known locally.
async fn conclure(
    s: &App,
    actor: &Actor,
    rec: &PatientRecord,
    r: Resultat,
    how: Methode,
) -> Result<ReponseInsi, Echec> {
    let comparison = r.individu.as_ref().map(|i| compare(s, &rec.identity, i));
    let hors_referentiel = r
        .individu
        .as_ref()
        .and_then(|i| lieu_hors_referentiel(s, &rec.identity, i));
    let automatic =
        hors_referentiel.is_none() && comparison.as_ref().is_some_and(Comparaison::automatique);
    let recovered = match (&r.individu, automatic) {
        (Some(i), true) => Some(recover(s, actor, rec, i, "automatique").await?),
        _ => None,
    };
    Ok(ReponseInsi {
        comparaison: comparison,
        lieu_naissance_hors_referentiel: hors_referentiel,
        recuperee: recovered.is_some(),
        identite: recovered,
        ..conclure_sans_recuperation(r, how)
    })
}

/// The INSi's birth place when the local COG referential does not know it
/// (an old or foreign code the referential lacks) and the user did not
/// type it either: the user may accept it.
pub fn lieu_hors_referentiel(s: &App, local: &Identity, i: &Individu) -> Option<String> {
    let code = i.traits.lieu_naissance.as_deref()?;
    let typed = local.birth_place_cog.as_deref() == Some(code);
    (!typed && s.cog.code(code).is_none()).then(|| code.to_string())
}

/// Verify a recovered INS: the INSi asked by the local traits must give
/// the same INS. Another INS (an NIA replaced by the NIR, a new INS in the
/// history) is a recovery with the local traits, automatic when every
/// trait matches; no single identity keeps the INS as it is and says why.
pub async fn verifier(s: &App, actor: &Actor, rec: &PatientRecord) -> Result<ReponseInsi, Echec> {
    let Some(ins) = rec.identity.ins.clone() else {
        return Ok(ReponseInsi {
            code: None,
            libelle: "Pas d'INS à vérifier".into(),
            conseil: None,
            methode: None,
            avec_lieu_naissance: false,
            individu: None,
            comparaison: None,
            lieu_naissance_hors_referentiel: None,
            recuperee: false,
            identite: None,
            verification: Some(Verification::SansObjet),
        });
    };
    let answer = s
        .insi
        .rechercher_traits(&appelant(s, actor).await?, &rec.identity)
        .await;
    let (r, how) = traced(s, actor, &rec.id, answer).await?;
    let same = r
        .individu
        .as_ref()
        .is_some_and(|i| i.ins.matricule() == ins.matricule);
    if same {
        s.store.insi_verifie(&rec.id).await?;
        s.store
            .trace(
                actor,
                "insi.verification",
                Some(&rec.id),
                &format!("{}: INS confirmée", detail(&r, how)),
            )
            .await?;
        return Ok(ReponseInsi {
            verification: Some(Verification::Confirmee),
            ..conclure_sans_recuperation(r, how)
        });
    }
    let what = if r.code == CodeCr::Trouve {
        "INS différente: nouvelle récupération avec les traits locaux"
    } else {
        "échec: INS conservée, à revoir"
    };
    s.store
        .trace(
            actor,
            "insi.verification",
            Some(&rec.id),
            &format!("{}: {what}", detail(&r, how)),
        )
        .await?;
    let trouve = r.code == CodeCr::Trouve;
    let mut v = conclure(s, actor, rec, r, how).await?;
    v.verification = Some(if trouve {
        Verification::NouvelleIns
    } else {
        Verification::Echouee
    });
    Ok(v)
}

fn conclure_sans_recuperation(r: Resultat, how: Methode) -> ReponseInsi {
    ReponseInsi {
        code: Some(r.code),
        libelle: r.libelle,
        conseil: conseil(r.code).map(str::to_string),
        methode: Some(how),
        avec_lieu_naissance: how == Methode::TraitsEtLieu,
        individu: r.individu,
        comparaison: None,
        lieu_naissance_hors_referentiel: None,
        recuperee: false,
        identite: None,
        verification: None,
    }
}

/// Give the identity the INSi's traits and INS (`from_insi`), keeping the
/// used names, the high-trust check and the attributes; the status follows
/// from the domain rules (récupérée, or qualifiée after a high-trust
/// check). Traced as `insi.recuperation`.
pub async fn recover(
    s: &App,
    actor: &Actor,
    rec: &PatientRecord,
    i: &Individu,
    how: &str,
) -> Result<PatientRecord, Echec> {
    let local = &rec.identity;
    let new = NewIdentity {
        birth_name: i.traits.nom_naissance.clone(),
        used_name: local.used_name.clone(),
        birth_first_names: i.traits.prenoms.clone(),
        used_first_name: local.used_first_name.clone(),
        sex: esculape_domain::Sex::from_code(&i.traits.sexe)
            .ok_or_else(|| Echec::Reponse("sexe illisible".into()))?,
        birth_date: BirthDate::parse(&i.traits.date_naissance)?,
        birth_place_cog: i.traits.lieu_naissance.clone(),
        ins: Some(esculape_domain::Ins::new(&i.ins.matricule(), &i.ins.oid)?),
        high_trust_document: local.high_trust_document,
        justificatif: local.justificatif,
        from_insi: true,
        attributes: local.attributes,
    };
    let today = BirthDate::from(s.today());
    let identity = Identity::validate(new, today)?;
    let mut updated = s
        .store
        .update_identity(actor, &rec.id, rec.version, identity)
        .await?;
    updated.insi_verifie_le = Some(s.store.insi_verifie(&rec.id).await?);
    s.store
        .trace(
            actor,
            "insi.recuperation",
            Some(&rec.id),
            &format!("{how}, statut {}", updated.identity.status.code()),
        )
        .await?;
    Ok(updated)
}

/// The INS plugin's comparison of the local identity with the INSi's, or
/// why it could not be made.
pub fn compare(s: &App, local: &Identity, insi: &Individu) -> Comparaison {
    use esculape_runtime::model as t;
    let local_traits = crate::wit::traits(local);
    let Ok(date) = BirthDate::parse(&insi.traits.date_naissance) else {
        return Comparaison::Impossible {
            erreur: "date de naissance INSi illisible".into(),
        };
    };
    let insi_traits = t::IdentityTraits {
        birth_name: insi.traits.nom_naissance.clone(),
        used_name: None,
        birth_first_names: insi.traits.prenoms.clone(),
        used_first_name: None,
        sex: crate::wit::sex(&insi.traits.sexe),
        birth_date: t::Date {
            year: date.year,
            month: date.month,
            day: date.day,
        },
        birth_place_cog: insi.traits.lieu_naissance.clone(),
    };
    let local_ins = crate::wit::ins(local);
    let insi_ins = t::Ins {
        matricule: insi.ins.matricule(),
        oid: insi.ins.oid.clone(),
    };
    let result = s
        .runtime
        .identity(INS_PLUGIN)
        .and_then(|c| c.compare(&local_traits, local_ins.as_ref(), &insi_traits, &insi_ins));
    match result {
        Ok(c) => Comparaison::Faite {
            traits: c
                .traits
                .into_iter()
                .map(|t| TraitCompare {
                    nom: t.name,
                    local: t.local_value,
                    insi: t.insi_value,
                    identique: t.matches,
                })
                .collect(),
            recuperation_automatique: c.automatic_recovery,
        },
        Err(e) => Comparaison::Impossible {
            erreur: format!("comparaison impossible: {e}"),
        },
    }
}

fn is_nia(rec: &PatientRecord) -> bool {
    rec.identity
        .ins
        .as_ref()
        .is_some_and(|i| matches!(i.oid, InsOid::Nia | InsOid::NiaTest))
}

/// A patient was opened (identity or chart): ask the INSi in the
/// background when the identity is neither récupérée nor qualifiée (and
/// not doubtful or fictitious: those stay provisional), verify an INS-NIA.
/// Never delays the opening: the request is written by a spawned task.
pub fn a_l_ouverture(s: &App, actor: &Actor, rec: &PatientRecord) {
    let attrs = rec.identity.attributes;
    let kind = match rec.identity.status {
        _ if attrs.douteuse || attrs.fictive => return,
        IdentityStatus::Provisoire | IdentityStatus::Validee => RECHERCHE,
        _ if is_nia(rec) => VERIFICATION,
        _ => return,
    };
    let motif = if kind == VERIFICATION {
        "vérification de l'INS-NIA à l'ouverture du dossier"
    } else {
        "ouverture du dossier"
    };
    demander(s, kind, actor, rec, motif, false);
}

/// Write the request in the background and wake the worker.
fn demander(
    s: &App,
    kind: &'static str,
    actor: &Actor,
    rec: &PatientRecord,
    motif: &str,
    force: bool,
) {
    let s = s.clone();
    let demande = Demande {
        patient_id: rec.id.clone(),
        acteur: actor.user_id.clone(),
        motif: motif.to_string(),
    };
    let version = rec.version;
    tokio::spawn(async move {
        match s.store.demander_insi(kind, &demande, version, force).await {
            Ok(true) => s.reveil.notify_one(),
            Ok(false) => {}
            Err(e) => tracing::error!("demande INSi non enregistrée: {e}"),
        }
    });
}

/// The INSi queries, as jobs of the runner (`insi.` kinds).
pub struct TravauxInsi;

impl Executant for TravauxInsi {
    fn prefixe(&self) -> &'static str {
        "insi."
    }

    fn executer<'a>(&'a self, s: &'a App, t: Tentative<'a>) -> travaux::Futur<'a> {
        Box::pin(async move {
            let item = t.item;
            let Ok(d) = serde_json::from_str::<Demande>(&item.payload) else {
                return Ok(Issue::Abandon("demande INSi illisible".into()));
            };
            let actor = Actor::user(d.acteur.clone());
            let rec = match s.store.patient(&actor, &d.patient_id).await {
                Ok(r) => r,
                Err(StoreError::NotFound(_)) => {
                    return Ok(Issue::Abandon("patient introuvable".into()));
                }
                Err(e) => return Err(e),
            };
            let done = if item.kind == VERIFICATION {
                verifier(s, &actor, &rec).await
            } else {
                interroger(s, &actor, &rec).await
            };
            Ok(match done {
                Ok(v) => {
                    s.store.insi_termine(&d.patient_id, &v).await?;
                    Issue::Fait
                }
                Err(e) => {
                    // Slow or failing service, a concurrent change: later.
                    let message = if t.dernier {
                        format!("{e}. Abandonné après {} essais.", item.attempts)
                    } else {
                        format!(
                            "{e}. Nouvel essai automatique dans {} min.",
                            (t.prochain_essai - s.store.now()).max(0) / 60_000
                        )
                    };
                    let prochain = (!t.dernier).then_some(t.prochain_essai);
                    s.store
                        .insi_echec(&d.patient_id, &message, prochain)
                        .await?;
                    Issue::Reessayer(e.to_string())
                }
            })
        })
    }

    fn annule<'a>(
        &'a self,
        s: &'a App,
        _actor: &'a Actor,
        t: &'a esculape_store::outbox::Travail,
    ) -> travaux::Futur<'a, ()> {
        Box::pin(async move {
            if let Some(p) = &t.patient_id {
                s.store.insi_annule(p).await?;
            }
            Ok(())
        })
    }
}

/// The identities due for verification go to the outbox: the store names
/// the candidates, the INS plugin says which are due (its rule alone:
/// `plugins/ins/cas-ins.tsv`); when it cannot answer, the candidate is
/// verified (asking the INSi once more is the safe side).
pub async fn planifier_verifications(s: &App) -> Result<usize, StoreError> {
    let candidats = s.store.a_verifier(500).await?;
    let today = crate::wit::date(s.today());
    // The plugin's answers first, then the writes (its client stays off
    // the awaits).
    let dus: Vec<_> = {
        let regles = s.runtime.identity(INS_PLUGIN).map_err(|e| e.to_string());
        candidats
            .into_iter()
            .filter(|c| {
                let ins = c.ins.as_ref().map(|i| esculape_runtime::model::Ins {
                    matricule: i.matricule.clone(),
                    oid: i.oid.oid().to_string(),
                });
                let last = c
                    .verifie_le
                    .map(|ms| crate::wit::date(esculape_domain::calendar::paris_local(ms).day()));
                let status = crate::wit::status_of(c.status);
                let due = regles.as_ref().map_err(Clone::clone).and_then(|r| {
                    r.verification_due(status, ins.as_ref(), last, today)
                        .map_err(|e| e.to_string())
                });
                due.unwrap_or_else(|e| {
                    tracing::warn!(
                        "règles INS indisponibles ({e}): vérification de {} demandée",
                        c.patient_id
                    );
                    true
                })
            })
            .collect()
    };
    let mut n = 0;
    for c in dus {
        let demande = Demande {
            patient_id: c.patient_id.clone(),
            acteur: Actor::system().user_id,
            motif: "vérification périodique de l'INS".into(),
        };
        // The version only gates repeated chart openings; any will do.
        if s.store
            .demander_insi(VERIFICATION, &demande, 0, true)
            .await?
        {
            n += 1;
        }
    }
    if n > 0 {
        s.reveil.notify_one();
    }
    Ok(n)
}

/// A card was inserted: ask about the patients it carries (found by INS
/// or by birth name and date) whose identity is not yet récupérée or
/// qualifiée.
pub async fn carte_inseree(s: &App) -> Result<usize, StoreError> {
    let Some(beneficiaires) = s.insi.carte().await else {
        return Ok(0);
    };
    let actor = Actor::system();
    let mut n = 0;
    for b in beneficiaires {
        let Ok(date) = BirthDate::parse(&b.date_naissance) else {
            continue;
        };
        let mut queries = vec![];
        if let Some(m) = &b.matricule_individu {
            queries.push(format!("{}{}", m.numero, m.cle));
        }
        if let Some(nom) = &b.nom_naissance {
            queries.push(format!(
                "{nom} {:02}/{:02}/{:04}",
                date.day, date.month, date.year
            ));
        }
        for q in queries {
            for found in s.store.search_patients(&actor, &q, 5).await? {
                if found.birth_date != date.to_string()
                    || !matches!(
                        found.status,
                        IdentityStatus::Provisoire | IdentityStatus::Validee
                    )
                {
                    continue;
                }
                let rec = s.store.patient(&actor, &found.id).await?;
                demander(s, RECHERCHE, &actor, &rec, "carte Vitale insérée", true);
                n += 1;
            }
        }
    }
    Ok(n)
}

/// Start the background work of a serving host: the worker, the hourly
/// verification scan and the carte Vitale reader's events.
pub fn demarrer(s: &App) {
    for e in travaux::executants() {
        travaux::demarrer(s, e);
    }
    let st = s.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = planifier_verifications(&st).await {
                tracing::error!("planification des vérifications INSi: {e}");
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
    let st = s.clone();
    tokio::spawn(async move {
        let mut depuis = 0;
        loop {
            match st.insi.evenements(depuis).await {
                Ok(events) => {
                    for (numero, insertion) in events {
                        depuis = depuis.max(numero);
                        if insertion && let Err(e) = carte_inseree(&st).await {
                            tracing::error!("carte Vitale insérée: {e}");
                        }
                    }
                }
                // No reader, or it does not answer: look again later.
                Err(()) => tokio::time::sleep(Duration::from_secs(10)).await,
            }
        }
    });
}
