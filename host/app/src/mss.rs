//! MSSanté from the practice (DSR §3.2.4, LGC.MDV.01): the account's
//! mailbox, and a signed document sent to correspondents as a job of the
//! runner (`mss.` kinds). The operator takes only the professional's Pro
//! Santé Connect token, which lives minutes in the proxy's memory: an
//! order made while the doctor is not signed in with PSC waits for them
//! (never given up while they have not cancelled it); an unreachable
//! operator is tried again; a document sent is never sent again, and every
//! try reuses the order's Message-ID, so that a message re-sent after a
//! crash between the operator's acceptance and our record of it is the
//! same message for the recipient's client.

use crate::App;
use crate::travaux::{Issue, Tentative};
use esculape_api_types::documents::{Channel, DocumentMeta};
use esculape_domain::document::{DocumentFormat, DocumentStatus, Provenance, SendingState};
use esculape_mss::message::{Envoi, PieceJointe};
use esculape_mss::{Boite, ErreurMss, Jeton, Securite, Serveur};
use esculape_store::{Acteur, Actor, StoreError};
use std::net::SocketAddr;
use std::path::PathBuf;
use thiserror::Error;

/// The kind of a sending order.
pub const ENVOI: &str = "mss.envoi";
/// Recipients of one message, at most.
pub const DESTINATAIRES_MAX: usize = 20;
/// The free text written above the documents, at most (bytes).
pub const MESSAGE_MAX: usize = 16 * 1024;

/// Where the mail servers are and whom to trust.
#[derive(Debug, Clone, Default)]
pub struct MssConfig {
    /// The authorities trusted for the operator's servers (the IGC-Santé
    /// chain in production), PEM: `ESCULAPE_MSS_CA`.
    pub autorites: Option<PathBuf>,
    /// A name server to ask for the SRV records instead of the machine's
    /// (`ESCULAPE_MSS_DNS`, `ip:port`).
    pub dns: Option<SocketAddr>,
    /// Fixed servers instead of the autoconfiguration
    /// (`ESCULAPE_MSS_IMAP`, `ESCULAPE_MSS_SMTP`, `host:port`).
    pub serveurs: Option<(Serveur, Serveur)>,
    /// The product's reference for `X-MSS-NIL` (`ESCULAPE_MSS_PRODUIT`).
    pub produit: String,
    /// How long a document sent without being asked (a CS9 to the CSE
    /// platform) waits after its signature, time to correct or cancel it
    /// (`ESCULAPE_MSS_DELAI`, seconds; 15 min by default).
    pub delai_d_office: std::time::Duration,
}

fn serveur(texte: &str) -> Option<Serveur> {
    let (hote, port) = texte.trim().rsplit_once(':')?;
    Some(Serveur {
        hote: hote.trim_matches(|c| c == '[' || c == ']').to_string(),
        port: port.parse().ok()?,
    })
}

impl MssConfig {
    pub fn from_env() -> Self {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
        Self {
            autorites: var("ESCULAPE_MSS_CA").map(PathBuf::from),
            dns: var("ESCULAPE_MSS_DNS").and_then(|v| v.trim().parse().ok()),
            serveurs: var("ESCULAPE_MSS_IMAP")
                .and_then(|i| serveur(&i))
                .zip(var("ESCULAPE_MSS_SMTP").and_then(|s| serveur(&s))),
            produit: var("ESCULAPE_MSS_PRODUIT").unwrap_or_else(|| "ESCULAPE".into()),
            delai_d_office: std::time::Duration::from_secs(
                var("ESCULAPE_MSS_DELAI")
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(900),
            ),
        }
    }
}

/// The host's way to the MSSanté operators: the trust read once (what
/// could not be read is said at each sending, not at the host's start).
pub struct MssClient {
    config: MssConfig,
    securite: Result<Securite, String>,
}

impl MssClient {
    pub fn new(config: MssConfig) -> Self {
        let securite = match &config.autorites {
            None => Err(
                "aucune autorité de confiance pour la messagerie sécurisée : indiquez la chaîne IGC-Santé dans ESCULAPE_MSS_CA"
                    .to_string(),
            ),
            Some(chemin) => std::fs::read(chemin)
                .map_err(|e| format!("{} : {e}", chemin.display()))
                .and_then(|pem| {
                    esculape_transport::client::autorites_pem(&pem, &chemin.display().to_string())
                        .map_err(|e| e.to_string())
                })
                .map(|a| Securite::new(esculape_transport::client::Confiance::Autorites(a)))
                .map_err(|e| format!("magasin de confiance de la messagerie illisible : {e}")),
        };
        Self { config, securite }
    }

    /// With the trust given rather than read from a file (tests, a host
    /// embedding its own).
    pub fn avec_securite(config: MssConfig, securite: Securite) -> Self {
        Self {
            config,
            securite: Ok(securite),
        }
    }

    pub fn config(&self) -> &MssConfig {
        &self.config
    }

    fn securite(&self) -> Result<&Securite, ErreurMssApp> {
        self.securite
            .as_ref()
            .map_err(|e| ErreurMssApp::Configuration(e.clone()))
    }

    /// The mailbox of `adresse` and its servers: the configured ones, or
    /// those its domain announces (SC.MSS/CONF.04).
    pub async fn boite(&self, adresse: &str) -> Result<Boite, ErreurMss> {
        if let Some((imap, smtp)) = &self.config.serveurs {
            return Ok(Boite {
                adresse: adresse.into(),
                imap: imap.clone(),
                smtp: smtp.clone(),
            });
        }
        let resolveur = match self.config.dns {
            Some(a) => esculape_mss::autoconfiguration::Resolveur::serveur(a),
            None => esculape_mss::autoconfiguration::Resolveur::systeme()?,
        };
        esculape_mss::autoconfiguration::decouvrir(adresse, &resolveur).await
    }
}

#[derive(Debug, Error)]
pub enum ErreurMssApp {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Nothing was queued or sent: the request or the document does not
    /// allow it.
    #[error("{0}")]
    Condition(String),
    #[error("messagerie sécurisée non configurée : {0}")]
    Configuration(String),
    #[error(transparent)]
    Service(#[from] ErreurMss),
}

/// What the doctor asks: to whom, and the text above the documents.
pub type DemandeEnvoi = esculape_api_types::documents::EnvoiMss;

/// A sending order, as queued: everything a try needs, fixed once (the
/// Message-ID of every try).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Ordre {
    document: String,
    /// The account it leaves in the name of (its PSC session's token).
    compte: String,
    /// The account's address; empty for an order made without being
    /// asked before the account had one: read at each try.
    de: String,
    a: Vec<String>,
    message: String,
    message_id: String,
}

impl App {
    /// The order sending a just-signed document to `a` without being asked
    /// (LGC.CSE.15: a CS9 or CS24 to the CSE platform), deferred by the
    /// configured delay (cancellable meanwhile); queued with the document
    /// itself. The signer's address is the sender's (read again at each
    /// try when it is not set yet).
    pub async fn ordre_envoi_d_office(
        &self,
        actor: &Actor,
        document_id: &str,
        patient_id: &str,
        titre: &str,
        a: &str,
    ) -> Result<esculape_store::outbox::NouveauTravail, StoreError> {
        let de = self
            .store
            .boite_mss(&actor.user_id)
            .await?
            .unwrap_or_default();
        let ordre = Ordre {
            document: document_id.into(),
            compte: actor.user_id.clone(),
            message_id: esculape_mss::message::nouvel_id(&de, &esculape_store::new_id()),
            de,
            a: vec![a.into()],
            message: String::new(),
        };
        Ok(esculape_store::outbox::NouveauTravail {
            kind: ENVOI.into(),
            // strings only: it always serialises
            payload: serde_json::to_string(&ordre).unwrap_or_default(),
            label: format!("Envoi MSSanté d'office à {a} : {titre}"),
            patient_id: Some(patient_id.into()),
            differe_ms: self.mss.config().delai_d_office.as_millis() as i64,
        })
    }

    /// The caller's MSSanté address, if set.
    pub async fn boite_mss(&self, actor: &Actor) -> Result<Option<String>, StoreError> {
        self.store.boite_mss(&actor.user_id).await
    }

    /// Sets or clears the caller's MSSanté address (traced).
    pub async fn definir_boite_mss(
        &self,
        actor: &Actor,
        adresse: Option<&str>,
    ) -> Result<Option<String>, ErreurMssApp> {
        let adresse = adresse.map(str::trim).filter(|a| !a.is_empty());
        if let Some(a) = adresse
            && !esculape_mss::message::adresse_valide(a)
        {
            return Err(ErreurMssApp::Condition(format!(
                "« {a} » n'est pas une adresse de messagerie"
            )));
        }
        self.store.definir_boite_mss(actor, adresse).await?;
        Ok(adresse.map(str::to_string))
    }

    /// Queues the sending of a document signed here to correspondents by
    /// MSSanté, from the caller's mailbox: the document's MSSanté state
    /// is « en attente » until the job says how it went.
    pub async fn envoyer_par_mss(
        &self,
        actor: &Actor,
        document_id: &str,
        demande: &DemandeEnvoi,
    ) -> Result<DocumentMeta, ErreurMssApp> {
        // first: another structure's document is an unknown one
        let (meta, _) = self.store.document(actor, document_id).await?;
        let mut a: Vec<String> = demande
            .destinataires
            .iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect();
        if demande.patient {
            let p = self.store.patient(actor, &meta.patient_id).await?;
            let adresse = p.identity.adresse_mss_citoyenne().ok_or_else(|| {
                ErreurMssApp::Condition(
                    "la messagerie Mon espace santé du patient n'est adressée qu'à une INS qualifiée : qualifiez d'abord son identité".into(),
                )
            })?;
            if !a.contains(&adresse) {
                a.push(adresse);
            }
        }
        if a.is_empty() {
            return Err(ErreurMssApp::Condition("aucun destinataire".into()));
        }
        if a.len() > DESTINATAIRES_MAX {
            return Err(ErreurMssApp::Condition(format!(
                "au plus {DESTINATAIRES_MAX} destinataires par message"
            )));
        }
        if let Some(x) = a.iter().find(|x| !esculape_mss::message::adresse_valide(x)) {
            return Err(ErreurMssApp::Condition(format!(
                "« {x} » n'est pas une adresse de messagerie"
            )));
        }
        let message = demande.message.clone().unwrap_or_default();
        if message.len() > MESSAGE_MAX {
            return Err(ErreurMssApp::Condition(format!(
                "le message dépasse {} Kio",
                MESSAGE_MAX / 1024
            )));
        }
        let de = self.store.boite_mss(&actor.user_id).await?.ok_or_else(|| {
            ErreurMssApp::Condition(
                "indiquez d'abord votre adresse de messagerie sécurisée (MSSanté)".into(),
            )
        })?;
        if meta.provenance != Provenance::Produit
            || !matches!(meta.format, DocumentFormat::CdaN1 | DocumentFormat::CdaN3)
        {
            return Err(ErreurMssApp::Condition(
                "seul un document CDA produit et signé au cabinet part par la messagerie sécurisée"
                    .into(),
            ));
        }
        if meta.status != DocumentStatus::Actif {
            return Err(ErreurMssApp::Condition(
                "ce document n'est plus en vigueur (remplacé ou supprimé)".into(),
            ));
        }
        let ordre = Ordre {
            document: meta.id.clone(),
            compte: actor.user_id.clone(),
            message_id: esculape_mss::message::nouvel_id(&de, &esculape_store::new_id()),
            de,
            a,
            message,
        };
        let payload = serde_json::to_string(&ordre)
            .map_err(|e| ErreurMssApp::Condition(format!("ordre illisible : {e}")))?;
        let travail = esculape_store::outbox::NouveauTravail {
            kind: ENVOI.into(),
            payload,
            label: format!("Envoi MSSanté à {} : {}", ordre.a.join(", "), meta.title),
            patient_id: Some(meta.patient_id.clone()),
            differe_ms: 0,
        };
        let meta = match self
            .store
            .mettre_en_file_envoi(actor, document_id, Channel::Mssante, &travail)
            .await
        {
            Err(StoreError::Duplicate(m)) => return Err(ErreurMssApp::Condition(m)),
            r => r?,
        };
        self.reveil.notify_one();
        Ok(meta)
    }

    /// One try of a sending order.
    async fn executer_envoi_mss(&self, t: &Tentative<'_>) -> Result<Issue, StoreError> {
        let mut ordre: Ordre = match serde_json::from_str(&t.item.payload) {
            Ok(o) => o,
            Err(e) => return Ok(Issue::Abandon(format!("ordre illisible : {e}"))),
        };
        let actor = Actor::user(ordre.compte.clone());
        let (meta, cda) = match self.store.document(&actor, &ordre.document).await {
            Ok(d) => d,
            Err(StoreError::NotFound(_)) => {
                return Ok(Issue::Abandon("document introuvable".into()));
            }
            Err(e) => return Err(e),
        };
        if meta.mssante_state == SendingState::Envoye {
            return Ok(Issue::Fait);
        }
        let etat = |e: SendingState| {
            let actor = actor.clone();
            let id = meta.id.clone();
            async move {
                self.store
                    .set_sending_state(&actor, &id, Channel::Mssante, e)
                    .await
                    .map(|_| ())
            }
        };
        // corrected meanwhile: the newer version is the one to send
        if meta.status != DocumentStatus::Actif {
            etat(SendingState::Annule).await?;
            return Ok(Issue::Abandon(
                "document remplacé par une version corrigée (ou supprimé) avant son départ".into(),
            ));
        }
        if ordre.de.is_empty() {
            match self.store.boite_mss(&ordre.compte).await? {
                Some(a) => ordre.de = a,
                None => {
                    return Ok(Issue::Attendre(
                        "en attente de votre adresse MSSanté (« Envoyer par MSSanté » la demande) : le message en partira".into(),
                    ));
                }
            }
        }
        let Some(psc) = &self.psc else {
            etat(SendingState::Echec).await?;
            return Ok(Issue::Abandon(
                "Pro Santé Connect n'est pas configuré sur ce serveur : la messagerie sécurisée s'authentifie par Pro Santé Connect".into(),
            ));
        };
        let jeton = match psc.jeton(&ordre.compte).await {
            Ok(j) => Jeton::new(j.acces),
            Err(crate::psc::ErreurPsc::SansSession) => {
                return Ok(Issue::Attendre(
                    "en attente de votre connexion Pro Santé Connect : le message part dès que vous êtes connecté".into(),
                ));
            }
            Err(e) => return Ok(Issue::Reessayer(format!("Pro Santé Connect : {e}"))),
        };
        let octets = match self.composer_mss(&actor, &meta, &cda, &ordre).await {
            Ok(o) => o,
            Err(ErreurMssApp::Store(e)) => return Err(e),
            Err(e) => {
                etat(SendingState::Echec).await?;
                return Ok(Issue::Abandon(e.to_string()));
            }
        };
        let envoi = match self.mss.securite() {
            Ok(securite) => match self.mss.boite(&ordre.de).await {
                Ok(boite) => esculape_mss::envoyer(&boite, securite, &jeton, &ordre.a, &octets)
                    .await
                    .map_err(ErreurMssApp::from),
                Err(e) => Err(e.into()),
            },
            Err(e) => Err(e),
        };
        if envoi.is_ok() {
            crate::crash::point("mss.apres_envoi");
        }
        let issue = match &envoi {
            Ok(_) => "envoyé".to_string(),
            Err(e) => format!("échec : {e}"),
        };
        self.store
            .trace(
                &actor,
                "mss.envoi",
                Some(&meta.patient_id),
                &format!(
                    "{} de {} à {} ({}) : {issue}",
                    meta.title,
                    ordre.de,
                    ordre.a.join(", "),
                    ordre.message_id
                ),
            )
            .await?;
        Ok(match envoi {
            Ok(_) => {
                etat(SendingState::Envoye).await?;
                Issue::Fait
            }
            Err(ErreurMssApp::Service(e)) if e.passagere() => {
                if t.dernier {
                    etat(SendingState::Echec).await?;
                }
                Issue::Reessayer(e.to_string())
            }
            // a token refused: signed out at PSC meanwhile, or about to
            // expire; the next session's token may be taken
            Err(e @ ErreurMssApp::Service(ErreurMss::Refusee { .. })) => {
                if t.dernier {
                    etat(SendingState::Echec).await?;
                }
                Issue::Reessayer(e.to_string())
            }
            Err(ErreurMssApp::Store(e)) => return Err(e),
            Err(e) => {
                etat(SendingState::Echec).await?;
                Issue::Abandon(e.to_string())
            }
        })
    }

    /// The message of an order: the document in an IHE_XDM.ZIP and as
    /// PDF, the patient named in the body.
    async fn composer_mss(
        &self,
        actor: &Actor,
        meta: &DocumentMeta,
        cda: &[u8],
        ordre: &Ordre,
    ) -> Result<Vec<u8>, ErreurMssApp> {
        let condition = |e: crate::documents::DocError| match e {
            crate::documents::DocError::Store(s) => ErreurMssApp::Store(s),
            e => ErreurMssApp::Condition(e.to_string()),
        };
        let entree = crate::documents::entree_xds(self, actor, &meta.id, cda)
            .await
            .map_err(condition)?;
        let xdm = esculape_xds::write_xdm(&entree, cda, &crate::documents::soumission())
            .map_err(|e| condition(e.into()))?;
        // the same document as PDF (LGC.MDV.01); an N3 without its PDF copy
        // leaves with its XDM alone
        let pdf = match self.pdf_du_document(actor, &meta.id).await {
            Ok(p) => Some(p),
            Err(StoreError::NotFound(_)) => None,
            Err(StoreError::Rule(m)) => return Err(ErreurMssApp::Condition(m)),
            Err(e) => return Err(e.into()),
        };
        let patient = self.store.patient(actor, &meta.patient_id).await?;
        let id = &patient.identity;
        let nom = format!(
            "{} {}, né(e) le {}",
            id.birth_name,
            id.birth_first_names.first().cloned().unwrap_or_default(),
            id.birth_date
        );
        let mut corps = ordre.message.trim_end().to_string();
        if !corps.is_empty() {
            corps.push_str("\n\n");
        }
        corps.push_str(&format!(
            "Patient : {nom}\nDocument : {} (joint en IHE_XDM.ZIP et en PDF)\n",
            meta.title
        ));
        let envoi = Envoi {
            de: ordre.de.clone(),
            a: ordre.a.clone(),
            objet: meta.title.clone(),
            corps,
            xdm: Some(xdm),
            codes_cda: vec![meta.type_code.clone()],
            ins_qualifie: id.status == esculape_domain::identity::IdentityStatus::Qualifiee,
            pdfs: pdf
                .map(|octets| PieceJointe {
                    nom: format!("{}.pdf", nom_de_fichier(&meta.title)),
                    type_mime: "application/pdf".into(),
                    octets,
                })
                .into_iter()
                .collect(),
            reference_produit: self.mss.config().produit.clone(),
            en_reponse_a: None,
            accuse_de_lecture: false,
        };
        Ok(esculape_mss::message::composer(&envoi, &ordre.message_id)?)
    }
}

/// Messages read in one go, at most (the rest at the next reading).
pub const RELEVE_MAX: usize = 200;
/// Messages fetched together (their bodies are in memory at once).
const LOT: usize = 10;

impl App {
    /// Reads the caller's mailbox from where it stopped (SC.MSS/UX.25,
    /// LGC.MDV.06): each message's IHE_XDM.ZIP document goes to the record
    /// of the patient its INS names (provenance MSSanté, « à voir » until
    /// a doctor signs it off; a copy already there is not stored twice);
    /// what no record takes stays in the mailbox and is listed with why.
    /// In the caller's name, with their Pro Santé Connect token; traced
    /// `mss.releve`, and each stored document as every reception is.
    pub async fn relever_mss(
        &self,
        actor: &Actor,
    ) -> Result<esculape_api_types::documents::ReleveMss, ErreurMssApp> {
        use esculape_api_types::documents::ReleveMss;
        let adresse = self.store.boite_mss(&actor.user_id).await?.ok_or_else(|| {
            ErreurMssApp::Condition(
                "indiquez d'abord votre adresse de messagerie sécurisée (MSSanté)".into(),
            )
        })?;
        let psc = self.psc.as_ref().ok_or_else(|| {
            ErreurMssApp::Condition(
                "ce serveur n'est pas relié à Pro Santé Connect : la messagerie sécurisée s'authentifie par Pro Santé Connect".into(),
            )
        })?;
        let jeton = match psc.jeton(&actor.user_id).await {
            Ok(j) => Jeton::new(j.acces),
            Err(crate::psc::ErreurPsc::SansSession) => {
                return Err(ErreurMssApp::Condition(
                    "connectez-vous avec Pro Santé Connect pour relever votre messagerie sécurisée"
                        .into(),
                ));
            }
            Err(e) => {
                return Err(ErreurMssApp::Condition(format!("Pro Santé Connect : {e}")));
            }
        };
        let boite = self.mss.boite(&adresse).await?;
        let mut session =
            esculape_mss::SessionImap::ouvrir(&boite, self.mss.securite()?, &jeton).await?;
        let deja = self.store.releve_mss(&adresse).await?;
        let mut releve = ReleveMss {
            messages: 0,
            documents: Vec::new(),
            non_classes: Vec::new(),
            a_traiter: 0,
        };
        // by batches, each recorded once handled: at most LOT messages
        // (each up to 64 MiB) in memory, and a failure loses no progress
        let lu = self
            .lire_par_lots(actor, &adresse, &mut session, deja, &mut releve)
            .await;
        let _ = session.fermer().await;
        lu?;
        self.store
            .trace(
                actor,
                "mss.releve",
                None,
                &format!(
                    "{adresse} : {} message(s), {} document(s) classé(s), {} non classé(s)",
                    releve.messages,
                    releve.documents.len(),
                    releve.non_classes.len()
                ),
            )
            .await?;
        Ok(releve)
    }

    /// Reads the mailbox of each account signed in with Pro Santé Connect
    /// that has one (the host runs it every few minutes: documents arrive
    /// without a click); what each reading gave, by account.
    pub async fn relever_mss_des_sessions(
        &self,
    ) -> Vec<(
        String,
        Result<esculape_api_types::documents::ReleveMss, ErreurMssApp>,
    )> {
        let Some(p) = self.psc.as_deref() else {
            return Vec::new();
        };
        let mut faits = Vec::new();
        for (compte, hash) in p.sessions_par_compte() {
            let r = async {
                let Some(row) = self.store.session_par_jeton(&hash).await? else {
                    return Ok(None);
                };
                if self.store.boite_mss(&compte).await?.is_none() {
                    return Ok(None);
                }
                self.relever_mss(&row.user.actor()).await.map(Some)
            }
            .await;
            match r {
                Ok(None) => {}
                Ok(Some(releve)) => faits.push((compte, Ok(releve))),
                Err(e) => faits.push((compte, Err(e))),
            }
        }
        faits
    }

    /// The messages above where reading stopped, batch after batch, each
    /// batch classified then recorded as read.
    async fn lire_par_lots(
        &self,
        actor: &Actor,
        adresse: &str,
        session: &mut esculape_mss::SessionImap,
        deja: Option<(u32, u32)>,
        releve: &mut esculape_api_types::documents::ReleveMss,
    ) -> Result<(), ErreurMssApp> {
        let mut apres = deja.map_or(0, |d| d.1);
        let mut validite = None;
        while (releve.messages as usize) < RELEVE_MAX {
            let (v, recus) = session.nouveaux(apres, LOT).await?;
            if validite.is_none() {
                validite = Some(v);
                if deja.is_some_and(|d| d.0 != v) && apres > 0 {
                    // the mailbox was rebuilt: its UIDs mean other
                    // messages now
                    apres = 0;
                    continue;
                }
            }
            if recus.is_empty() {
                self.store.noter_releve_mss(adresse, v, apres).await?;
                break;
            }
            for m in &recus {
                match self.classer(actor, adresse, v, m).await {
                    Ok(crate::messagerie::Classe::Integre(d)) => releve.documents.push(d),
                    Ok(crate::messagerie::Classe::NonClasse(n, a_traiter)) => {
                        releve.a_traiter += u32::from(a_traiter);
                        releve.non_classes.push(n)
                    }
                    Err(e) => {
                        // what was handled before stays read
                        self.store.noter_releve_mss(adresse, v, apres).await?;
                        return Err(e.into());
                    }
                }
                apres = apres.max(m.uid);
                releve.messages += 1;
            }
            self.store.noter_releve_mss(adresse, v, apres).await?;
        }
        Ok(())
    }
}

/// A title as a file name: letters, digits, hyphens.
fn nom_de_fichier(titre: &str) -> String {
    let n: String = titre
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    let n = n.trim_matches('-');
    if n.is_empty() {
        "document".into()
    } else {
        n.chars().take(80).collect()
    }
}

/// The sending orders, as jobs of the runner (`mss.` kinds).
pub struct TravauxMss;

impl crate::travaux::Executant for TravauxMss {
    fn prefixe(&self) -> &'static str {
        "mss."
    }

    fn executer<'a>(&'a self, app: &'a App, t: Tentative<'a>) -> crate::travaux::Futur<'a> {
        Box::pin(async move { app.executer_envoi_mss(&t).await })
    }

    fn annule<'a>(
        &'a self,
        app: &'a App,
        actor: &'a Actor,
        t: &'a esculape_store::outbox::Travail,
    ) -> crate::travaux::Futur<'a, ()> {
        Box::pin(async move {
            let payload = app.store.travail_payload(&t.id).await?;
            let Ok(ordre) = serde_json::from_str::<Ordre>(&payload) else {
                return Ok(());
            };
            crate::travaux::envoi_annule(app, actor, &ordre.document, Channel::Mssante).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_and_file_names_are_read_strictly() {
        assert_eq!(
            serveur("imap.mssante.fr:143"),
            Some(Serveur {
                hote: "imap.mssante.fr".into(),
                port: 143
            })
        );
        assert_eq!(serveur("imap.mssante.fr"), None);
        assert_eq!(
            nom_de_fichier("Lettre d'adressage – Élodie"),
            "Lettre-d-adressage---Élodie"
        );
    }
}
