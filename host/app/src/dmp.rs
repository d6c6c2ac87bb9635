//! The DMP as the host uses it (issue 21): one client (the local sandbox
//! by default, `ESCULAPE_DMP_URL` otherwise), the VIHF signed by the
//! structure's certificate, and the use cases. So far: the state of a
//! patient's DMP for the chart (TD0.2), sent only for a qualified INS
//! and recorded consent (or bris de glace), traced with the
//! professional's RPPS.

use crate::App;
use crate::insi::PassageProxy;
use crate::service::{self, ClientService, Lecture, octets_bornes};
use esculape_api_types::dmp::{ConditionDmp, Dica, EtatCondition, EtatDmp};
use esculape_dmp::acces::{self, Authentification, Transaction};
use esculape_dmp::signature::{CleLogicielle, Signataire};
use esculape_dmp::vihf::{self, Code, Logiciel, ModeAcces, Vihf};
use esculape_dmp::{soap, td02, td31, td32, td33};
use esculape_domain::identity::IdentityStatus;
use esculape_store::Actor;
use std::sync::Arc;
use std::time::Duration;

/// Where the DMP is and how the host presents itself.
#[derive(Debug, Clone)]
pub struct DmpConfig {
    /// Base of the services: `{url}/patients`, `{url}/registry`…
    pub url: String,
    pub timeout: Duration,
    /// The IGC-Santé chain (`ESCULAPE_DMP_CA`).
    pub autorites: Option<std::path::PathBuf>,
    /// The structure's certificate (`ESCULAPE_DMP_CERT`…): mutual TLS and
    /// the VIHF's signature in indirect mode.
    pub certificat: Option<esculape_transport::identite::Emplacement>,
    pub logiciel: Logiciel,
    pub emetteur: td02::Emetteur,
    /// `Identifiant_Structure` (`ESCULAPE_DMP_STRUCTURE`).
    pub structure: String,
    /// `Secteur_Activite` (`ESCULAPE_DMP_SECTEUR`): SA07, cabinet
    /// individuel, by default.
    pub secteur_activite: String,
    /// The VIHF's specialty for a médecin (`ESCULAPE_DMP_SPECIALITE`):
    /// accounts do not hold one yet; SM26, médecine générale, by default.
    pub specialite: Code,
    /// How long a signed document waits before its feeding order runs
    /// (`ESCULAPE_DMP_DELAI`, seconds; 15 min by default): time to
    /// correct or block it (SC.DMP/ALI/PROG.02).
    pub delai_alimentation: Duration,
}

impl DmpConfig {
    pub fn from_env() -> Self {
        let var = |n: &str, d: &str| std::env::var(n).unwrap_or_else(|_| d.to_string());
        Self {
            url: var("ESCULAPE_DMP_URL", "http://127.0.0.1:8090/dmp"),
            timeout: Duration::from_secs(15),
            autorites: std::env::var_os("ESCULAPE_DMP_CA").map(Into::into),
            certificat: esculape_transport::identite::Emplacement::depuis_env("ESCULAPE_DMP"),
            logiciel: Logiciel {
                id: var("ESCULAPE_DMP_LPS_ID", "esculape"),
                nom: "Esculape".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                homologation: var("ESCULAPE_DMP_HOMOLOGATION", "NumAutorisation"),
            },
            emetteur: td02::Emetteur {
                oid: var("ESCULAPE_DMP_OID", "1.2.250.1.999.1"),
                nom: "Esculape".into(),
            },
            structure: var("ESCULAPE_DMP_STRUCTURE", "499900063480001"),
            secteur_activite: var("ESCULAPE_DMP_SECTEUR", "SA07^1.2.250.1.71.4.2.4"),
            specialite: Code {
                code: var("ESCULAPE_DMP_SPECIALITE", "SM26"),
                systeme: "1.2.250.1.71.4.2.5".into(),
                libelle: "Qualifié en Médecine Générale (SM)".into(),
            },
            delai_alimentation: Duration::from_secs(
                var("ESCULAPE_DMP_DELAI", "900").parse().unwrap_or(900),
            ),
        }
    }
}

/// Why the DMP gave no answer, in words for the user.
#[derive(Debug, thiserror::Error)]
pub enum DmpFailure {
    #[error("le DMP n'a pas répondu à temps ({0} s) : réessayez plus tard")]
    Delai(u64),
    #[error("le DMP est indisponible (HTTP {0}) : consultez la météo des services de l'ANS")]
    Indisponible(u16),
    #[error("le DMP est injoignable : {0}")]
    Reseau(String),
    /// A SOAP fault or registry errors: their codes, and whether the
    /// DMP itself failed (`Receiver`: worth trying again).
    #[error("le DMP a refusé la demande : {message}")]
    Faute {
        codes: Vec<String>,
        message: String,
        passagere: bool,
    },
    #[error("réponse du DMP illisible : {0}")]
    Reponse(String),
    #[error("signature du VIHF impossible : {0}")]
    Signature(String),
    /// The proxy e-santé refused or could not pass the request on (the
    /// PSC session ended: sign in again).
    #[error("proxy e-santé : {0}")]
    Proxy(String),
}

impl DmpFailure {
    /// Worth trying again later: the DMP unreachable, slow or failing
    /// on its side (a deferred order waits for it to come back).
    pub fn passagere(&self) -> bool {
        match self {
            Self::Delai(_) | Self::Indisponible(_) | Self::Reseau(_) => true,
            Self::Faute { passagere, .. } => *passagere,
            Self::Reponse(_) | Self::Signature(_) | Self::Proxy(_) => false,
        }
    }

    /// The DMP already holds this uniqueId: a send whose answer was lost
    /// (host stopped before recording it) is not sent twice
    /// (`acces::HYPOTHESES`: the DMP refuses a known uniqueId with
    /// XDSDocumentUniqueIdError, as XDS.b asks of a registry).
    pub fn deja_present(&self) -> bool {
        matches!(self, Self::Faute { codes, .. }
            if codes.iter().any(|c| c.ends_with("XDSDocumentUniqueIdError")))
    }
}

pub struct DmpClient {
    config: DmpConfig,
    service: ClientService,
    /// Signs the VIHF: the structure's certificate, or a test certificate
    /// made at start when none is configured (the sandbox takes it; the
    /// real DMP answers DMPInvalidCertificate).
    signataire: Result<Arc<CleLogicielle>, String>,
    /// Whether the signer is that test certificate.
    pub essai: bool,
}

impl DmpClient {
    pub fn new(config: DmpConfig) -> Self {
        let service = service::client(
            "le DMP",
            "ESCULAPE_DMP",
            &config.url,
            config.autorites.as_deref(),
            config.certificat.as_ref(),
            config.timeout,
        );
        let (signataire, essai) = match &service.identite {
            Some(i) => {
                let (c, k) = i.certificat_et_cle();
                (
                    CleLogicielle::nouvelle(c, k)
                        .map(Arc::new)
                        .map_err(|e| e.to_string()),
                    false,
                )
            }
            None => (certificat_d_essai(&config.structure), true),
        };
        Self {
            config,
            service,
            signataire,
            essai,
        }
    }

    pub fn config(&self) -> &DmpConfig {
        &self.config
    }

    /// The structure's certificate (holder, validity), if configured.
    pub fn certificat(&self) -> Option<&str> {
        self.service.certificat.as_deref()
    }

    /// The VIHF of a request in indirect mode, signed.
    fn vihf(
        &self,
        professionnel: &str,
        patient: Option<String>,
        acces: ModeAcces,
    ) -> Result<String, DmpFailure> {
        self.vihf_en(Authentification::Indirecte, professionnel, patient, acces)
    }

    /// The VIHF of a request made `mode`, signed by the structure's key
    /// (in the PSC trust space too: `acces::HYPOTHESES`).
    fn vihf_en(
        &self,
        mode: Authentification,
        professionnel: &str,
        patient: Option<String>,
        acces: ModeAcces,
    ) -> Result<String, DmpFailure> {
        let signataire = self
            .signataire
            .as_ref()
            .map_err(|e| DmpFailure::Signature(e.clone()))?;
        let emetteur = x509_sujet(signataire.certificat()).unwrap_or_default();
        let v = Vihf {
            emetteur,
            professionnel: professionnel.to_string(),
            nom_professionnel: None,
            structure: self.config.structure.clone(),
            secteur_activite: self.config.secteur_activite.clone(),
            roles: vec![
                Code {
                    code: "10".into(),
                    systeme: "1.2.250.1.71.1.2.7".into(),
                    libelle: "Médecin".into(),
                },
                self.config.specialite.clone(),
            ],
            mode: mode.mode_vihf(),
            patient,
            acces,
            logiciel: self.config.logiciel.clone(),
        };
        let id = format!("_{}", esculape_dmp::uuid());
        let instant = chrono::Utc::now()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        v.signer(&id, &instant, signataire.as_ref())
            .map_err(|e| DmpFailure::Signature(e.to_string()))
    }

    /// One request to `service` (`patients`, `repository`…), its answer
    /// as text; a SOAP fault or an HTTP failure as the user's words.
    /// `type_contenu`: SOAP 1.2, or MTOM for a submission.
    async fn envoyer(
        &self,
        service: &str,
        type_contenu: String,
        corps: Vec<u8>,
    ) -> Result<String, DmpFailure> {
        let parties = self.echanger(service, type_contenu, corps, None).await?;
        let racine = parties
            .into_iter()
            .next()
            .map(|(_, o)| o)
            .unwrap_or_default();
        Ok(String::from_utf8_lossy(&racine).into_owned())
    }

    /// One request to `service`, directly or, in a professional's name,
    /// through the proxy e-santé (`passage`: it presents their PSC token
    /// bound to the structure's certificate); the answer's parts (an MTOM
    /// answer's, or the envelope alone), a SOAP fault or an HTTP failure
    /// as the user's words.
    async fn echanger(
        &self,
        service: &str,
        type_contenu: String,
        corps: Vec<u8>,
        passage: Option<&PassageProxy>,
    ) -> Result<Vec<(String, Vec<u8>)>, DmpFailure> {
        let requete = match passage {
            None => {
                if let Some(e) = &self.service.confiance {
                    return Err(DmpFailure::Reseau(e.clone()));
                }
                self.service
                    .http
                    .post(format!("{}/{service}", self.config.url))
            }
            Some(p) => p.poster(&format!("dmp/{service}"), self.config.timeout),
        };
        let reply = requete
            .header("content-type", type_contenu)
            .body(corps)
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        let status = reply.status().as_u16();
        let type_reponse = reply
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let octets = match octets_bornes(reply, soap::TAILLE_MAX).await {
            Ok(t) => t,
            Err(Lecture::Transport(e)) => return Err(self.transport(e)),
            Err(Lecture::Trop(n)) => {
                return Err(DmpFailure::Reponse(format!("plus de {n} octets")));
            }
        };
        if passage.is_some()
            && !(200..300).contains(&status)
            && let Ok(e) = serde_json::from_slice::<esculape_psc::proxy_api::ErreurAns>(&octets)
        {
            return Err(DmpFailure::Proxy(e.message));
        }
        let parties = if type_reponse.starts_with("multipart/related") {
            esculape_dmp::td21::parties_mtom(&type_reponse, &octets)
                .map_err(|e| DmpFailure::Reponse(format!("MTOM : {e}")))?
        } else {
            vec![(String::new(), octets)]
        };
        if let Some((_, racine)) = parties.first()
            && let Some(f) = soap::faute(racine)
        {
            return Err(DmpFailure::Faute {
                codes: f.sous_code.iter().cloned().collect(),
                message: f.to_string(),
                passagere: f.code.ends_with("Receiver"),
            });
        }
        if !(200..300).contains(&status) {
            return Err(DmpFailure::Indisponible(status));
        }
        Ok(parties)
    }

    /// TD3.1 (ITI-18 FindDocuments) in the professional's name through
    /// the proxy e-santé (PSC trust space): the documents of the patient
    /// `patient` (a CX) that `recherche` asks for.
    pub async fn rechercher(
        &self,
        passage: &PassageProxy,
        professionnel: &str,
        recherche: &td31::Recherche,
    ) -> Result<Vec<td31::DocumentDmp>, DmpFailure> {
        let vihf = self.vihf_en(
            Authentification::EspaceDeConfiancePsc,
            professionnel,
            Some(recherche.patient.clone()),
            ModeAcces::Normal,
        )?;
        let url = format!("{}/registry", self.config.url);
        let (_, enveloppe) = soap::enveloppe(td31::ACTION, &url, &vihf, &td31::requete(recherche));
        let parties = self
            .echanger(
                "registry",
                soap::type_contenu(td31::ACTION),
                enveloppe.into_bytes(),
                Some(passage),
            )
            .await?;
        let racine = parties
            .first()
            .map(|(_, o)| o.as_slice())
            .unwrap_or_default();
        reponse_registre(&String::from_utf8_lossy(racine))?;
        td31::lire_reponse(racine).map_err(|e| DmpFailure::Reponse(e.to_string()))
    }

    /// TD3.2 (ITI-43) in the professional's name through the proxy
    /// e-santé: one document of the patient `patient` (a CX), binary-safe.
    pub async fn consulter(
        &self,
        passage: &PassageProxy,
        professionnel: &str,
        patient: &str,
        repository: &str,
        unique_id: &str,
    ) -> Result<td32::DocumentRetire, DmpFailure> {
        let vihf = self.vihf_en(
            Authentification::EspaceDeConfiancePsc,
            professionnel,
            Some(patient.to_string()),
            ModeAcces::Normal,
        )?;
        let url = format!("{}/repository", self.config.url);
        let (_, enveloppe) = soap::enveloppe(
            td32::ACTION,
            &url,
            &vihf,
            &td32::requete(repository, unique_id),
        );
        let parties = self
            .echanger(
                "repository",
                soap::type_contenu(td32::ACTION),
                enveloppe.into_bytes(),
                Some(passage),
            )
            .await?;
        if let Some((_, racine)) = parties.first() {
            reponse_registre(&String::from_utf8_lossy(racine))?;
        }
        td32::lire_reponse(&parties).map_err(|e| DmpFailure::Reponse(e.to_string()))
    }

    fn transport(&self, e: reqwest::Error) -> DmpFailure {
        if let Some(m) = esculape_transport::client::expliquer(&e) {
            DmpFailure::Reseau(m)
        } else if e.is_timeout() {
            DmpFailure::Delai(self.config.timeout.as_secs().max(1))
        } else {
            DmpFailure::Reseau(e.to_string())
        }
    }

    /// A new submission set of this software, about the entry `entry_uuid`.
    fn lot(&self, entry_uuid: String) -> esculape_xds::Submission {
        esculape_xds::Submission {
            unique_id: crate::documents::nouvel_oid(),
            source_id: self.config.emetteur.oid.clone(),
            submission_time: chrono::Utc::now().format("%Y%m%d%H%M%S").to_string(),
            set_uuid: nouvelle_urn(),
            entry_uuid,
            association_uuid: nouvelle_urn(),
        }
    }

    /// TD2.1: one document and its XAdES signature document, signed by
    /// the structure's key, in `professionnel`'s name (indirect mode:
    /// the credential a deferred order can use), under `entry_uuid`;
    /// `remplace`: the entryUUID of the version it replaces (RPLC).
    pub async fn alimenter(
        &self,
        professionnel: &str,
        cda: &[u8],
        entree: &esculape_xds::DocumentEntry,
        entry_uuid: String,
        remplace: Option<String>,
    ) -> Result<(), DmpFailure> {
        let signataire = self
            .signataire
            .as_ref()
            .map_err(|e| DmpFailure::Signature(e.clone()))?;
        let vihf = self.vihf(
            professionnel,
            Some(entree.patient_id.clone()),
            ModeAcces::Normal,
        )?;
        let lot = self.lot(entry_uuid);
        let (sig_uid, u1, u2, u3, u4) = (
            crate::documents::nouvel_oid(),
            nouvelle_urn(),
            nouvelle_urn(),
            nouvelle_urn(),
            nouvelle_urn(),
        );
        let soumission = esculape_dmp::td21::Soumission {
            cda,
            entree,
            lot: &lot,
            signature_unique_id: &sig_uid,
            signature_uuids: [&u1, &u2, &u3],
            remplace: remplace.as_deref().map(|cible| esculape_xds::Remplacement {
                association_uuid: &u4,
                cible,
            }),
        };
        let instant = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let (corps, parties) =
            esculape_dmp::td21::requete(&soumission, &instant, signataire.as_ref())
                .map_err(|e| DmpFailure::Signature(e.to_string()))?;
        let url = format!("{}/repository", self.config.url);
        let (_, enveloppe) = soap::enveloppe(esculape_dmp::td21::ACTION, &url, &vihf, &corps);
        let (type_contenu, message) =
            esculape_dmp::td21::mtom(&enveloppe, &parties, esculape_dmp::td21::ACTION);
        let texte = self.envoyer("repository", type_contenu, message).await?;
        reponse_registre(&texte)
    }

    /// TD3.3c/d (ITI-57): the document `entree`, submitted under
    /// `entry_uuid`, goes from `ancien` to `nouveau` (deleted, archived),
    /// in `professionnel`'s name (indirect mode may).
    pub async fn changer_statut(
        &self,
        professionnel: &str,
        entree: &esculape_xds::DocumentEntry,
        entry_uuid: &str,
        ancien: td33::Statut,
        nouveau: td33::Statut,
    ) -> Result<(), DmpFailure> {
        let vihf = self.vihf(
            professionnel,
            Some(entree.patient_id.clone()),
            ModeAcces::Normal,
        )?;
        let lot = self.lot(entry_uuid.to_string());
        let corps = td33::requete(entree, &lot, entry_uuid, ancien, nouveau);
        let url = format!("{}/registry", self.config.url);
        let (_, enveloppe) = soap::enveloppe(td33::ACTION, &url, &vihf, &corps);
        let texte = self
            .envoyer(
                "registry",
                soap::type_contenu(td33::ACTION),
                enveloppe.into_bytes(),
            )
            .await?;
        reponse_registre(&texte)
    }

    /// TD0.2 for a patient's INS (and its OID), in `professionnel`'s name.
    pub async fn test_existence(
        &self,
        professionnel: &str,
        ins: &str,
        oid: &str,
        acces: ModeAcces,
    ) -> Result<td02::ReponseTd02, DmpFailure> {
        let vihf = self.vihf(professionnel, Some(vihf::cx(ins, oid)), acces)?;
        let horodatage = chrono::Utc::now().format("%Y%m%d%H%M%S").to_string();
        let corps = td02::requete(&self.config.emetteur, ins, oid, &horodatage);
        let url = format!("{}/patients", self.config.url);
        let (_, enveloppe) = soap::enveloppe(td02::ACTION, &url, &vihf, &corps);
        let texte = self
            .envoyer(
                "patients",
                soap::type_contenu(td02::ACTION),
                enveloppe.into_bytes(),
            )
            .await?;
        td02::lire_reponse(texte.as_bytes()).map_err(|e| DmpFailure::Reponse(e.to_string()))
    }
}

fn nouvelle_urn() -> String {
    format!("urn:uuid:{}", esculape_dmp::uuid())
}

/// A registry's answer (ITI-41, ITI-57): success, or its errors' codes.
fn reponse_registre(texte: &str) -> Result<(), DmpFailure> {
    let r = esculape_xds::registre::lire(texte.as_bytes())
        .map_err(|e| DmpFailure::Reponse(e.to_string()))?;
    if r.succes() {
        return Ok(());
    }
    Err(DmpFailure::Faute {
        codes: r.erreurs.iter().map(|e| e.code.clone()).collect(),
        message: r
            .erreurs
            .iter()
            .map(|e| format!("{} : {}", e.code, e.contexte))
            .collect::<Vec<_>>()
            .join(" ; "),
        passagere: false,
    })
}

/// A self-signed test certificate for the sandbox, made in memory.
fn certificat_d_essai(structure: &str) -> Result<Arc<CleLogicielle>, String> {
    let maintenant = esculape_transport::identite::maintenant();
    let autorite = esculape_transport::essai::AutoriteDeTest::nouvelle("Esculape — essai DMP")
        .map_err(|e| e.to_string())?;
    let emis = autorite
        .emettre_client(
            &format!("Structure {structure} (essai)"),
            maintenant - 3600,
            maintenant + 365 * 86_400,
        )
        .map_err(|e| e.to_string())?;
    let i = esculape_transport::identite::IdentiteClient::depuis_pem(
        emis.certificat_pem.as_bytes(),
        emis.cle_pem.as_bytes(),
        "certificat d'essai",
    )
    .map_err(|e| e.to_string())?;
    let (c, k) = i.certificat_et_cle();
    CleLogicielle::nouvelle(c, k)
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

fn x509_sujet(der: &[u8]) -> Option<String> {
    let (_, c) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(c.subject().to_string())
}

/// Why the state of a patient's DMP was not asked, or not answered.
#[derive(Debug, thiserror::Error)]
pub enum ErreurDmp {
    #[error(transparent)]
    Store(#[from] esculape_store::StoreError),
    /// A condition of the DICA is not met: nothing was sent.
    #[error("{0}")]
    Condition(String),
    #[error(transparent)]
    Acces(#[from] acces::Refus),
    #[error(transparent)]
    Service(#[from] DmpFailure),
    /// A document retrieved from the DMP that the record refuses (already
    /// there, another patient's, unreadable).
    #[error(transparent)]
    Integration(#[from] crate::reception::ErreurIntegration),
}

/// What the host knows before asking the DMP.
struct Prealables {
    /// The INS, when qualified.
    ins: Option<esculape_domain::identity::Ins>,
    /// Consent to consultation in the current episode.
    consenti: bool,
    /// The professional's national identifier (8 + RPPS).
    professionnel: Option<String>,
    /// Signed in with Pro Santé Connect.
    psc: bool,
    /// The patient opposed feeding in the current episode.
    opposition: bool,
}

/// Where a user sees whether the national services are up.
pub const METEO_SERVICES: &str = "https://esante.gouv.fr/services/meteo-des-services";

impl App {
    async fn prealables(&self, actor: &Actor, patient_id: &str) -> Result<Prealables, ErreurDmp> {
        let rec = self.store.patient(actor, patient_id).await?;
        let ins = match (&rec.identity.ins, rec.identity.status) {
            (Some(ins), IdentityStatus::Qualifiee) => Some(ins.clone()),
            _ => None,
        };
        let episodes = self.store.episodes_du_patient(actor, patient_id).await?;
        let courant = episodes.iter().find(|e| e.closed_at.is_none());
        let consenti = courant.is_some_and(|e| e.consultation.allows_consulting());
        let opposition = courant.is_some_and(|e| !e.feeding.allows_sending());
        let (rpps, _) = self.store.appelant(&actor.user_id).await?;
        Ok(Prealables {
            ins,
            consenti,
            professionnel: rpps.as_deref().map(esculape_identifiants::idnps_rpps),
            psc: self
                .psc
                .as_ref()
                .is_some_and(|p| p.passage(&actor.user_id).is_some()),
            opposition,
        })
    }

    /// TD0.2, traced `dmp.test_existence` with the professional and the
    /// access mode; its answer in the chart's words.
    async fn demander_etat(
        &self,
        actor: &Actor,
        patient_id: &str,
        ins: &esculape_domain::identity::Ins,
        professionnel: &str,
        bris_de_glace: bool,
    ) -> Result<EtatDmp, ErreurDmp> {
        acces::autorise(Authentification::Indirecte, Transaction::TestExistence)?;
        let acces = if bris_de_glace {
            ModeAcces::BrisDeGlace
        } else {
            ModeAcces::Normal
        };
        let reponse = self
            .dmp
            .test_existence(professionnel, &ins.matricule, ins.oid.oid(), acces)
            .await;
        let detail = match &reponse {
            Ok(r) => format!(
                "TD0.2 par {professionnel}{} : {} {}",
                if bris_de_glace {
                    " (BRIS DE GLACE)"
                } else {
                    ""
                },
                r.reponse,
                r.autorisation.as_ref().map(|a| a.code()).unwrap_or("")
            ),
            Err(e) => format!("TD0.2 par {professionnel} : échec : {e}"),
        };
        self.store
            .trace(actor, "dmp.test_existence", Some(patient_id), &detail)
            .await?;
        let r = reponse?;
        let existe = r.acquittement == "AA" && r.reponse == "OK";
        let ouvert = r.dmp_ouvert();
        let autorisation = r.autorisation.as_ref().map(|a| a.code().to_string());
        let message = if r.acquittement != "AA" {
            format!("le DMP a refusé la demande : {}", r.details.join(" ; "))
        } else if !existe {
            "le patient n'a pas de DMP".into()
        } else if !ouvert {
            "le DMP du patient est fermé".into()
        } else {
            match r.autorisation {
                Some(td02::Autorisation::Valide) => "DMP accessible".into(),
                Some(td02::Autorisation::Interdite) => {
                    "le patient vous a bloqué l'accès à son DMP".into()
                }
                Some(td02::Autorisation::Expiree) => "autorisation expirée : à renouveler".into(),
                _ => "DMP ouvert ; vous n'êtes pas encore autorisé".into(),
            }
        };
        Ok(EtatDmp {
            existe,
            ouvert,
            autorisation,
            medecin_traitant: r.medecin_traitant.unwrap_or(false),
            bris_de_glace,
            mode: Authentification::Indirecte.libelle().into(),
            message,
        })
    }

    /// The state of a patient's DMP (TD0.2): sent only for a qualified INS
    /// and the patient's consent in the current episode, or in bris de
    /// glace (flagged in the trace); refused with the reason otherwise,
    /// nothing sent.
    pub async fn etat_dmp(
        &self,
        actor: &Actor,
        patient_id: &str,
        bris_de_glace: bool,
    ) -> Result<EtatDmp, ErreurDmp> {
        let p = self.prealables(actor, patient_id).await?;
        let Some(ins) = p.ins else {
            return Err(ErreurDmp::Condition(
                "INS non qualifiée : qualifiez l'identité (INSi) avant d'accéder au DMP".into(),
            ));
        };
        if !p.consenti && !bris_de_glace {
            return Err(ErreurDmp::Condition(
                "consentement du patient à la consultation de son DMP non recueilli : recueillez-le dans l'épisode en cours (ou accès en bris de glace en cas d'urgence)".into(),
            ));
        }
        let professionnel = p.professionnel.ok_or_else(|| {
            ErreurDmp::Condition(
                "votre compte n'a pas de RPPS : l'accès au DMP se fait au nom d'un professionnel"
                    .into(),
            )
        })?;
        self.demander_etat(actor, patient_id, &ins, &professionnel, !p.consenti)
            .await
    }

    /// The DICA (SC.DMP/CONF.16, UX.14): the four conditions of access
    /// to the DMP, each with its state and what solves it; the DMP is
    /// asked (TD0.2) only once the INS is qualified and consent recorded.
    pub async fn dica(&self, actor: &Actor, patient_id: &str) -> Result<Dica, ErreurDmp> {
        let p = self.prealables(actor, patient_id).await?;
        let etat = match (&p.ins, p.consenti, &p.professionnel) {
            (Some(ins), true, Some(pro)) => {
                Some(self.demander_etat(actor, patient_id, ins, pro, false).await)
            }
            _ => None,
        };
        let etat = match etat {
            Some(Err(ErreurDmp::Store(e))) => return Err(e.into()),
            autre => autre,
        };
        let condition = |condition, remplie: bool, detail: String, solution: &str| EtatCondition {
            condition,
            remplie,
            detail,
            solution: (!remplie).then(|| solution.to_string()),
        };
        let (accessible, detail_dmp, solution_dmp) = match &etat {
            None => (
                false,
                "non vérifié : l'INS qualifiée et le consentement d'abord".to_string(),
                "Remplir les conditions ci-dessous".to_string(),
            ),
            Some(Ok(e)) => (
                e.ouvert && e.autorisation.as_deref() != Some("INTERDITE"),
                e.message.clone(),
                if e.existe {
                    "Voir avec le patient (Mon espace santé)".into()
                } else {
                    "Le patient peut activer Mon espace santé".into()
                },
            ),
            Some(Err(e)) => (
                false,
                e.to_string(),
                format!("Météo des services : {METEO_SERVICES}"),
            ),
        };
        let conditions = vec![
            condition(
                ConditionDmp::DmpAccessible,
                accessible,
                detail_dmp,
                &solution_dmp,
            ),
            condition(
                ConditionDmp::InsQualifiee,
                p.ins.is_some(),
                if p.ins.is_some() {
                    "INS qualifiée".into()
                } else {
                    "identité non qualifiée".into()
                },
                "Qualifier l'identité (appel INSi et pièce d'identité)",
            ),
            condition(
                ConditionDmp::Consentement,
                p.consenti,
                if p.consenti {
                    "consentement recueilli dans l'épisode en cours".into()
                } else {
                    "consentement non recueilli".into()
                },
                "Recueillir le consentement dans l'épisode (ou bris de glace en urgence)",
            ),
            condition(
                ConditionDmp::Authentification,
                p.psc,
                if p.psc {
                    "connecté avec Pro Santé Connect".into()
                } else {
                    "non connecté avec Pro Santé Connect ni carte CPS".into()
                },
                "Se connecter avec Pro Santé Connect",
            ),
        ];
        Ok(Dica {
            consultable: conditions.iter().all(|c| c.remplie),
            conditions,
            etat: etat.and_then(Result::ok),
        })
    }
}

/// The kind of the deferred feeding orders (payload: the document's id).
pub const ALIMENTATION: &str = "dmp.alimentation";

/// Why a document does not leave for the DMP (nothing is sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Obstacle {
    NonProduit,
    PasEnVigueur,
    DejaEnvoye,
    Opposition,
    InsNonQualifiee,
    SansRpps,
}

impl Obstacle {
    fn message(self) -> &'static str {
        match self {
            Self::NonProduit => {
                "seuls les documents produits et signés au cabinet alimentent le DMP"
            }
            Self::PasEnVigueur => {
                "document remplacé ou supprimé : c'est la version en vigueur qui s'envoie"
            }
            Self::DejaEnvoye => "document déjà envoyé au DMP",
            Self::Opposition => {
                "le patient s'est opposé à l'alimentation de son DMP dans l'épisode en cours"
            }
            Self::InsNonQualifiee => {
                "INS non qualifiée : l'envoi au DMP attend la qualification de l'identité"
            }
            Self::SansRpps => {
                "le compte du signataire n'a pas de RPPS : l'envoi se fait au nom d'un professionnel"
            }
        }
    }
}

/// The DMP feeding orders, as jobs of the runner (`dmp.` kinds): sent
/// in indirect mode with the structure's certificate, in the signer's
/// name — the only credential that outlives a deferred order (a PSC
/// token lives minutes, a CPS sits in one workstation).
pub struct TravauxDmp;

impl crate::travaux::Executant for TravauxDmp {
    fn prefixe(&self) -> &'static str {
        "dmp."
    }

    fn executer<'a>(
        &'a self,
        app: &'a App,
        t: crate::travaux::Tentative<'a>,
    ) -> crate::travaux::Futur<'a> {
        Box::pin(async move { app.executer_ordre(&t).await })
    }

    fn annule<'a>(
        &'a self,
        app: &'a App,
        actor: &'a Actor,
        t: &'a esculape_store::outbox::Travail,
    ) -> crate::travaux::Futur<'a, ()> {
        Box::pin(async move {
            let item = app.store.travail_payload(&t.id).await?;
            crate::travaux::envoi_annule(
                app,
                actor,
                &item,
                esculape_api_types::documents::Channel::Dmp,
            )
            .await
        })
    }
}

impl App {
    /// The order feeding a just-signed document to the DMP once the
    /// configured delay has passed; queued with the document itself.
    pub fn ordre_alimentation(
        &self,
        document_id: &str,
        patient_id: &str,
        titre: &str,
    ) -> esculape_store::outbox::NouveauTravail {
        esculape_store::outbox::NouveauTravail {
            kind: ALIMENTATION.into(),
            payload: document_id.into(),
            label: format!("Envoi au DMP : {titre}"),
            patient_id: Some(patient_id.into()),
            differe_ms: self.dmp.config().delai_alimentation.as_millis() as i64,
        }
    }

    /// The DMP feeding orders, newest first: of one patient (read as the
    /// patient is: traced), or all of the host's (traced as a list).
    pub async fn ordres_dmp(
        &self,
        actor: &Actor,
        patient_id: Option<&str>,
    ) -> Result<Vec<esculape_store::outbox::Travail>, esculape_store::StoreError> {
        let tous = match patient_id {
            Some(p) => crate::travaux::du_patient(self, actor, p).await?,
            None => {
                self.store
                    .trace(actor, "dmp.ordres", None, "liste des ordres d'envoi")
                    .await?;
                self.store.travaux(None, 500).await?
            }
        };
        Ok(tous
            .into_iter()
            .filter(|t| t.kind.starts_with("dmp."))
            .collect())
    }

    /// What stops `meta` from leaving; otherwise the professional whose
    /// name it leaves in.
    async fn obstacle(
        &self,
        actor: &Actor,
        meta: &esculape_api_types::documents::DocumentMeta,
    ) -> Result<Result<String, Obstacle>, ErreurDmp> {
        use esculape_domain::document::{DocumentStatus, Provenance, SendingState};
        if meta.provenance != Provenance::Produit {
            return Ok(Err(Obstacle::NonProduit));
        }
        if meta.status != DocumentStatus::Actif {
            return Ok(Err(Obstacle::PasEnVigueur));
        }
        if meta.dmp_state == SendingState::Envoye {
            return Ok(Err(Obstacle::DejaEnvoye));
        }
        let p = self.prealables(actor, &meta.patient_id).await?;
        if p.opposition {
            return Ok(Err(Obstacle::Opposition));
        }
        if p.ins.is_none() {
            return Ok(Err(Obstacle::InsNonQualifiee));
        }
        Ok(p.professionnel.ok_or(Obstacle::SansRpps))
    }

    /// TD2.1 of one document in `professionnel`'s name, traced
    /// `dmp.alimentation` (with `comment`: on demand, deferred order).
    async fn transmettre(
        &self,
        actor: &Actor,
        meta: &esculape_api_types::documents::DocumentMeta,
        cda: &[u8],
        professionnel: &str,
        comment: &str,
    ) -> Result<Result<(), DmpFailure>, ErreurDmp> {
        let mut entree = crate::documents::entree_xds(self, actor, &meta.id, cda)
            .await
            .map_err(|e| ErreurDmp::Condition(e.to_string()))?;
        // Sent invisible to the patient (before an announcement
        // consultation), or masked, as the document says (SC.DMP/UX.51).
        let v = meta.visibility;
        entree.confidentialite_dmp = esculape_dmp::td31::codes_visibilite(
            v.masque_aux_professionnels,
            v.invisible_au_patient,
            v.invisible_aux_representants,
        );
        // A correction of a version already in the DMP replaces it there.
        let remplace = match self.store.version_remplacee(actor, &meta.id).await? {
            Some(p) if p.dmp_state == esculape_domain::document::SendingState::Envoye => {
                Some(esculape_dmp::td21::entree_uuid(&p.id))
            }
            _ => None,
        };
        let envoi = self
            .dmp
            .alimenter(
                professionnel,
                cda,
                &entree,
                esculape_dmp::td21::entree_uuid(&meta.id),
                remplace.clone(),
            )
            .await;
        let issue = match &envoi {
            Ok(()) => "envoyé".to_string(),
            Err(e) if e.deja_present() => "déjà présent dans le DMP".to_string(),
            Err(e) => format!("échec : {e}"),
        };
        self.store
            .trace(
                actor,
                "dmp.alimentation",
                Some(&meta.patient_id),
                &format!(
                    "TD2.1 {}{} par {professionnel} ({comment}) : {issue}",
                    entree.unique_id,
                    if remplace.is_some() {
                        " (remplace la version précédente)"
                    } else {
                        ""
                    }
                ),
            )
            .await?;
        Ok(envoi)
    }

    /// Feeds the patient's DMP with a document this practice signed, now
    /// (TD2.1, indirect mode): only for a qualified INS and no opposition
    /// in the current episode; the document's DMP state says the outcome
    /// (envoyé, échec with the reason traced, non concerné when the
    /// patient opposed). A waiting order then finds it sent.
    pub async fn alimenter_dmp(
        &self,
        actor: &Actor,
        document_id: &str,
    ) -> Result<esculape_api_types::documents::DocumentMeta, ErreurDmp> {
        use esculape_api_types::documents::Channel;
        use esculape_domain::document::SendingState;
        acces::autorise(Authentification::Indirecte, Transaction::Alimentation)?;
        let (meta, cda) = self.store.document(actor, document_id).await?;
        let professionnel = match self.obstacle(actor, &meta).await? {
            Ok(p) => p,
            Err(o) => {
                if o == Obstacle::Opposition {
                    self.store
                        .set_sending_state(
                            actor,
                            document_id,
                            Channel::Dmp,
                            SendingState::NonConcerne,
                        )
                        .await?;
                }
                return Err(ErreurDmp::Condition(o.message().into()));
            }
        };
        let envoi = self
            .transmettre(actor, &meta, &cda, &professionnel, "à la demande")
            .await?;
        let etat = match &envoi {
            Ok(()) => SendingState::Envoye,
            Err(e) if e.deja_present() => SendingState::Envoye,
            Err(_) => SendingState::Echec,
        };
        let meta = self
            .store
            .set_sending_state(actor, document_id, Channel::Dmp, etat)
            .await?;
        match envoi {
            Err(e) if !e.deja_present() => Err(e.into()),
            _ => Ok(meta),
        }
    }

    /// Deletes (error, patient's request: SC.DMP/CONF.03) or archives a
    /// document this practice fed to the DMP (TD3.3c/d, ITI-57, indirect
    /// mode, in the user's name): only a document « envoyé »; once
    /// deleted its DMP state is « retiré ». Traced `dmp.suppression` /
    /// `dmp.archivage` with the outcome.
    pub async fn retirer_du_dmp(
        &self,
        actor: &Actor,
        document_id: &str,
        archiver: bool,
    ) -> Result<esculape_api_types::documents::DocumentMeta, ErreurDmp> {
        use esculape_api_types::documents::Channel;
        use esculape_domain::document::SendingState;
        let (transaction, action, nouveau) = if archiver {
            (
                Transaction::Archivage,
                "dmp.archivage",
                td33::Statut::Archive,
            )
        } else {
            (
                Transaction::Suppression,
                "dmp.suppression",
                td33::Statut::Supprime,
            )
        };
        acces::autorise(Authentification::Indirecte, transaction)?;
        let (meta, cda) = self.store.document(actor, document_id).await?;
        if meta.dmp_state != SendingState::Envoye {
            return Err(ErreurDmp::Condition(
                "ce document n'est pas dans le DMP (jamais envoyé, ou déjà retiré)".into(),
            ));
        }
        let p = self.prealables(actor, &meta.patient_id).await?;
        let professionnel = p.professionnel.ok_or_else(|| {
            ErreurDmp::Condition(
                "votre compte n'a pas de RPPS : la suppression se fait au nom d'un professionnel"
                    .into(),
            )
        })?;
        let entree = crate::documents::entree_xds(self, actor, &meta.id, &cda)
            .await
            .map_err(|e| ErreurDmp::Condition(e.to_string()))?;
        let r = self
            .dmp
            .changer_statut(
                &professionnel,
                &entree,
                &esculape_dmp::td21::entree_uuid(&meta.id),
                td33::Statut::Approuve,
                nouveau,
            )
            .await;
        let issue = match &r {
            Ok(()) => "fait".to_string(),
            Err(e) => format!("échec : {e}"),
        };
        self.store
            .trace(
                actor,
                action,
                Some(&meta.patient_id),
                &format!("{} par {professionnel} : {issue}", entree.unique_id),
            )
            .await?;
        r?;
        if archiver {
            return Ok(meta);
        }
        Ok(self
            .store
            .set_sending_state(actor, document_id, Channel::Dmp, SendingState::Retire)
            .await?)
    }

    /// One try of a deferred order: sent, or held with the reason (INS
    /// not yet qualified, DMP unreachable: tried again, the document
    /// still « en attente »), or over (opposition, replaced, refused by
    /// the DMP: the document's state says it).
    async fn executer_ordre(
        &self,
        t: &crate::travaux::Tentative<'_>,
    ) -> Result<crate::travaux::Issue, esculape_store::StoreError> {
        use crate::travaux::Issue;
        use esculape_api_types::documents::Channel;
        use esculape_domain::document::SendingState;
        let document_id = t.item.payload.as_str();
        let (meta, cda) = match self.store.document(&Actor::system(), document_id).await {
            Ok(d) => d,
            Err(esculape_store::StoreError::NotFound(_)) => {
                return Ok(Issue::Abandon("document introuvable".into()));
            }
            Err(e) => return Err(e),
        };
        // In the signer's name, as if they had sent it.
        let actor = Actor::user(meta.author.clone());
        let etat = |e: SendingState| {
            let actor = actor.clone();
            async move {
                self.store
                    .set_sending_state(&actor, document_id, Channel::Dmp, e)
                    .await
                    .map(|_| ())
            }
        };
        let professionnel = match self.obstacle(&actor, &meta).await {
            Ok(Ok(p)) => p,
            Ok(Err(Obstacle::DejaEnvoye)) => return Ok(Issue::Fait),
            Ok(Err(Obstacle::InsNonQualifiee)) => {
                return Ok(Issue::Attendre(Obstacle::InsNonQualifiee.message().into()));
            }
            Ok(Err(o)) => {
                etat(match o {
                    Obstacle::Opposition => SendingState::NonConcerne,
                    Obstacle::PasEnVigueur => SendingState::Annule,
                    _ => SendingState::Echec,
                })
                .await?;
                return Ok(Issue::Abandon(o.message().into()));
            }
            Err(ErreurDmp::Store(e)) => return Err(e),
            Err(e) => return Ok(Issue::Reessayer(e.to_string())),
        };
        let envoi = match self
            .transmettre(&actor, &meta, &cda, &professionnel, "ordre différé")
            .await
        {
            Ok(r) => r,
            Err(ErreurDmp::Store(e)) => return Err(e),
            Err(e) => {
                etat(SendingState::Echec).await?;
                return Ok(Issue::Abandon(e.to_string()));
            }
        };
        if envoi.is_ok() {
            crate::crash::point("dmp.apres_envoi");
        }
        Ok(match envoi {
            Ok(()) => {
                etat(SendingState::Envoye).await?;
                crate::crash::point("dmp.apres_etat");
                Issue::Fait
            }
            Err(e) if e.deja_present() => {
                etat(SendingState::Envoye).await?;
                crate::crash::point("dmp.apres_etat");
                Issue::Fait
            }
            Err(e) if e.passagere() => {
                if t.dernier {
                    etat(SendingState::Echec).await?;
                }
                Issue::Reessayer(e.to_string())
            }
            Err(e) => {
                etat(SendingState::Echec).await?;
                Issue::Abandon(e.to_string())
            }
        })
    }
}

impl App {
    /// The professional's way in for a consultation (TD3.1, TD3.2): a
    /// qualified INS, consent in the current episode (or bris de glace,
    /// flagged), an RPPS, and a Pro Santé Connect session, whose proxy
    /// e-santé carries the request in their name. The patient as a CX,
    /// the professional, the passage.
    async fn consultant(
        &self,
        actor: &Actor,
        patient_id: &str,
        transaction: Transaction,
    ) -> Result<(String, String, PassageProxy), ErreurDmp> {
        let p = self.prealables(actor, patient_id).await?;
        let Some(ins) = p.ins else {
            return Err(ErreurDmp::Condition(
                "INS non qualifiée : qualifiez l'identité (INSi) avant de consulter le DMP".into(),
            ));
        };
        if !p.consenti {
            return Err(ErreurDmp::Condition(
                "consentement du patient à la consultation de son DMP non recueilli : recueillez-le dans l'épisode en cours".into(),
            ));
        }
        let professionnel = p.professionnel.ok_or_else(|| {
            ErreurDmp::Condition(
                "votre compte n'a pas de RPPS : la consultation du DMP se fait au nom d'un professionnel"
                    .into(),
            )
        })?;
        let passage = self.psc.as_ref().and_then(|c| c.passage(&actor.user_id));
        let Some(passage) = passage else {
            // without PSC (or a CPS, not wired yet) only the indirect mode
            // remains, which may not consult: its refusal says why
            acces::autorise(Authentification::Indirecte, transaction)?;
            return Err(ErreurDmp::Condition(
                "connectez-vous avec Pro Santé Connect pour consulter le DMP".into(),
            ));
        };
        acces::autorise(Authentification::EspaceDeConfiancePsc, transaction)?;
        Ok((
            vihf::cx(&ins.matricule, ins.oid.oid()),
            professionnel,
            passage,
        ))
    }

    /// The documents of a patient's DMP (TD3.1, SC.DMP/HISTO.01): in the
    /// professional's name through the proxy e-santé; approved and
    /// archived ones, newest first, each marked when the record already
    /// holds it. Traced `dmp.consultation`.
    pub async fn documents_dmp(
        &self,
        actor: &Actor,
        patient_id: &str,
    ) -> Result<Vec<esculape_api_types::dmp::DocumentDuDmp>, ErreurDmp> {
        let (patient, professionnel, passage) = self
            .consultant(actor, patient_id, Transaction::RechercheMetadonnees)
            .await?;
        let mut recherche = td31::Recherche::du_patient(&patient);
        recherche.statuts.push(td31::ARCHIVE.into());
        let r = self
            .dmp
            .rechercher(&passage, &professionnel, &recherche)
            .await;
        let detail = match &r {
            Ok(d) => format!("TD3.1 par {professionnel} : {} document(s)", d.len()),
            Err(e) => format!("TD3.1 par {professionnel} : échec : {e}"),
        };
        self.store
            .trace(actor, "dmp.consultation", Some(patient_id), &detail)
            .await?;
        let ici = self
            .store
            .documents(
                actor,
                patient_id,
                &esculape_store::documents::DocumentQuery {
                    limit: 500,
                    ..Default::default()
                },
            )
            .await?;
        let mut liste: Vec<_> = r?
            .into_iter()
            .map(|d| {
                let local = crate::reception::id_du_document(&d.unique_id);
                let dans_le_dossier = ici
                    .items
                    .iter()
                    .find(|m| m.id == local)
                    .map(|m| m.id.clone());
                esculape_api_types::dmp::DocumentDuDmp {
                    statut: match d.statut.as_str() {
                        td31::APPROUVE => "approuve",
                        td31::ARCHIVE => "archive",
                        td31::OBSOLETE => "obsolete",
                        _ => "autre",
                    }
                    .into(),
                    unique_id: d.unique_id,
                    repository: d.repository,
                    titre: d.titre,
                    type_code: d.type_code,
                    type_libelle: d.type_libelle,
                    auteur: d.auteur,
                    auteur_specialite: d.auteur_specialite,
                    auteur_structure: d.auteur_structure,
                    cree: d.cree,
                    masque_ps: d.masque_ps,
                    invisible_patient: d.invisible_patient,
                    taille: d.taille,
                    dans_le_dossier,
                }
            })
            .collect();
        liste.sort_by(|a, b| b.cree.cmp(&a.cree));
        Ok(liste)
    }

    /// Retrieves a document of the patient's DMP (TD3.2, ITI-43) in the
    /// professional's name and stores it in the record as received from
    /// the DMP (the received-documents path: read, checked to be this
    /// patient's, not stored twice, a newer version replacing the older).
    /// Traced `dmp.consultation`.
    pub async fn importer_du_dmp(
        &self,
        actor: &Actor,
        patient_id: &str,
        demande: &esculape_api_types::dmp::ImportDmp,
    ) -> Result<esculape_api_types::documents::DocumentMeta, ErreurDmp> {
        let (patient, professionnel, passage) = self
            .consultant(actor, patient_id, Transaction::Consultation)
            .await?;
        let r = self
            .dmp
            .consulter(
                &passage,
                &professionnel,
                &patient,
                &demande.repository,
                &demande.unique_id,
            )
            .await;
        let detail = match &r {
            Ok(d) => format!(
                "TD3.2 par {professionnel} : {} ({} octets)",
                d.unique_id,
                d.octets.len()
            ),
            Err(e) => format!(
                "TD3.2 par {professionnel} : {} : échec : {e}",
                demande.unique_id
            ),
        };
        self.store
            .trace(actor, "dmp.consultation", Some(patient_id), &detail)
            .await?;
        let d = r?;
        Ok(self
            .recevoir_document(
                actor,
                patient_id,
                d.octets,
                esculape_domain::document::Provenance::Dmp,
            )
            .await?)
    }
}
