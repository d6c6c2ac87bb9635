//! The INSi téléservice as the host uses it: one HTTP client (the sandbox
//! by default, `ESCULAPE_INSI_URL` otherwise) and the first step of the
//! qualification workflow: search by traits without the birth place,
//! then, on 02, again with it, without bothering the user.
//!
//! The live service also wants mutual TLS with the structure's IGC-Santé
//! certificate (`ESCULAPE_INSI_CERT`, through `esculape_transport`) and a
//! signed SAML assertion, not wired yet (see `esculape_insi::request`).

pub use esculape_api_types::insi::Methode;
use esculape_domain::Identity;
use esculape_insi::{
    CarteVitale, CodeCr, Contexte, InsiError, Matricule, Recherche, Resultat, Traits,
};
use std::time::Duration;

/// Where the INSi is and who asks.
#[derive(Debug, Clone)]
pub struct InsiConfig {
    pub url: String,
    /// The carte Vitale reader (the sandbox's virtual one by default);
    /// none: traits only.
    pub lecteur: Option<String>,
    pub timeout: Duration,
    /// Context of every request; its message id and time are renewed.
    pub contexte: Contexte,
    /// The authorities trusted for an `https` service (PEM; the IGC-Santé
    /// chain in production): `ESCULAPE_INSI_CA`. None trusted otherwise.
    pub autorites: Option<std::path::PathBuf>,
    /// The structure's certificate for mutual TLS (`ESCULAPE_INSI_CERT`:
    /// a `.p12` with `ESCULAPE_INSI_CERT_MDP`, or PEM with
    /// `ESCULAPE_INSI_CLE`).
    pub certificat: Option<esculape_transport::identite::Emplacement>,
}

impl InsiConfig {
    /// The local sandbox unless `ESCULAPE_INSI_URL` names another service.
    pub fn from_env() -> Self {
        Self {
            url: std::env::var("ESCULAPE_INSI_URL")
                .unwrap_or_else(|_| "http://127.0.0.1:8090/insi".into()),
            lecteur: Some(
                std::env::var("ESCULAPE_VITALE_URL")
                    .unwrap_or_else(|_| "http://127.0.0.1:8090/vitale".into()),
            ),
            timeout: Duration::from_secs(10),
            contexte: Contexte::exemple(),
            autorites: std::env::var_os("ESCULAPE_INSI_CA").map(Into::into),
            certificat: esculape_transport::identite::Emplacement::depuis_env("ESCULAPE_INSI"),
        }
    }
}

/// On whose behalf a query goes: the professional (RPPS) and the
/// structure (FINESS). The `ContexteLPS` emitter is the structure; the
/// SAML subject is the professional (`8` + RPPS), or the structure (`1` +
/// FINESS) for a user without RPPS (a secrétaire). What is unknown keeps
/// the configured context.
#[derive(Debug, Clone, Default)]
pub struct Appelant {
    pub rpps: Option<String>,
    pub finess: Option<String>,
    /// Signed in by Pro Santé Connect: the query goes through the proxy
    /// e-santé, which presents the professional's token exchanged and
    /// bound to the structure's certificate. The context (and, live, the
    /// AMO assertion) is carried in the message as without it.
    pub proxy: Option<PassageProxy>,
}

/// The proxy e-santé and the professional's session there.
#[derive(Clone)]
pub struct PassageProxy {
    pub url: String,
    pub cle: String,
    pub session: String,
    /// The host's client towards the proxy.
    pub http: reqwest::Client,
}

impl PassageProxy {
    /// A POST to the national service `chemin` (`insi`, `dmp/registry`…)
    /// through the proxy, in the session's professional's name; bounded
    /// by the service's own `delai`, not the proxy client's.
    pub fn poster(&self, chemin: &str, delai: std::time::Duration) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}/send/{chemin}", self.url))
            .timeout(delai)
            .bearer_auth(&self.cle)
            .header(
                "cookie",
                format!(
                    "{}={}",
                    esculape_psc::proxy_api::COOKIE_SESSION,
                    self.session
                ),
            )
    }
}

impl std::fmt::Debug for PassageProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PassageProxy")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Appelant {
    fn appliquer(&self, ctx: &mut Contexte) {
        if let Some(f) = &self.finess {
            ctx.emetteur = f.clone();
        }
        match (&self.rpps, &self.finess) {
            (Some(r), _) => {
                ctx.professionnel.identifiant = esculape_identifiants::idnps_rpps(r);
                ctx.professionnel.qualifiant = esculape_identifiants::oid::IDNPS.into();
            }
            (None, Some(f)) => {
                ctx.professionnel.identifiant = esculape_identifiants::idnps_finess(f);
                ctx.professionnel.qualifiant = esculape_identifiants::oid::IDNST.into();
            }
            (None, None) => {}
        }
    }
}

/// Why a query to the INSi gave no answer, in words for the user.
#[derive(Debug, thiserror::Error)]
pub enum InsiFailure {
    #[error("le téléservice INSi n'a pas répondu à temps ({0} s): réessayez plus tard")]
    Delai(u64),
    #[error(
        "le téléservice INSi est indisponible (HTTP {0}): consultez la météo des services de l'ANS"
    )]
    Indisponible(u16),
    #[error("le téléservice INSi est injoignable: {0}")]
    Reseau(String),
    /// The proxy e-santé refused (PSC session ended, service unknown or
    /// unreachable), as it said it.
    #[error("INSi par Pro Santé Connect: {0}")]
    Proxy(String),
    #[error("{0}")]
    Service(#[from] InsiError),
}

/// Largest answer read from the card reader's local service.
const LECTEUR_MAX: usize = 64 * 1024;

use crate::service::{Lecture, corps_borne};

pub struct InsiClient {
    http: reqwest::Client,
    config: InsiConfig,
    /// The trust store or the certificate could not be read: said at
    /// each query.
    confiance: Option<String>,
    /// The client certificate's holder and validity, as said at start.
    certificat: Option<String>,
}

impl InsiClient {
    pub fn new(config: InsiConfig) -> Self {
        let c = crate::service::client(
            "l'INSi",
            "ESCULAPE_INSI",
            &config.url,
            config.autorites.as_deref(),
            config.certificat.as_ref(),
            config.timeout,
        );
        Self {
            http: c.http,
            config,
            confiance: c.confiance,
            certificat: c.certificat,
        }
    }

    /// The structure's certificate presented to the INSi: its holder and
    /// how long it stays valid (to renew it in time).
    pub fn certificat(&self) -> Option<&str> {
        self.certificat.as_deref()
    }

    /// One request, one answer.
    pub async fn rechercher(
        &self,
        appelant: &Appelant,
        recherche: &Recherche,
    ) -> Result<Resultat, InsiFailure> {
        if let Some(e) = &self.confiance {
            return Err(InsiFailure::Reseau(e.clone()));
        }
        let mut ctx = self.config.contexte.clone();
        appelant.appliquer(&mut ctx);
        ctx.message_id = message_id();
        ctx.temps = xsd_now();
        let requete = match &appelant.proxy {
            None => self.http.post(&self.config.url),
            Some(p) => p.poster("insi", self.config.timeout),
        };
        let reply = requete
            .header(
                "content-type",
                format!(
                    "application/soap+xml; charset=utf-8; action=\"{}\"",
                    recherche.action()
                ),
            )
            .body(esculape_insi::request::envelope(&ctx, recherche))
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        let status = reply.status().as_u16();
        let text = match corps_borne(reply, esculape_insi::TAILLE_MAX).await {
            Ok(t) => t,
            Err(Lecture::Transport(e)) => return Err(self.transport(e)),
            Err(Lecture::Trop(n)) => {
                return Err(InsiError::Limite(format!(
                    "plus de {n} octets, {} au plus",
                    esculape_insi::TAILLE_MAX
                ))
                .into());
            }
        };
        if appelant.proxy.is_some()
            && !(200..300).contains(&status)
            && let Ok(e) = serde_json::from_str::<esculape_psc::proxy_api::ErreurAns>(&text)
        {
            return Err(InsiFailure::Proxy(e.message));
        }
        // A SOAP fault comes with 400 or 500 and reads as one.
        if !(200..300).contains(&status) && !text.contains("Envelope") {
            return Err(InsiFailure::Indisponible(status));
        }
        Ok(esculape_insi::response::parse(&text)?)
    }

    fn transport(&self, e: reqwest::Error) -> InsiFailure {
        if let Some(m) = esculape_transport::client::expliquer(&e) {
            InsiFailure::Reseau(m)
        } else if e.is_timeout() {
            InsiFailure::Delai(self.config.timeout.as_secs().max(1))
        } else {
            InsiFailure::Reseau(e.to_string())
        }
    }

    /// The beneficiaries of the card in the reader, if any (a reader that
    /// does not answer is taken as empty: the traits remain).
    pub async fn carte(&self) -> Option<Vec<CarteVitale>> {
        let url = format!("{}/carte", self.config.lecteur.as_deref()?);
        let reply = self.http.get(url).send().await;
        let reply = match reply {
            Ok(r) if r.status().as_u16() == 200 => r,
            Ok(_) => return None,
            Err(e) => {
                tracing::warn!("lecteur de carte Vitale injoignable: {e}");
                return None;
            }
        };
        let card: serde_json::Value =
            serde_json::from_str(&corps_borne(reply, LECTEUR_MAX).await.ok()?).ok()?;
        let matricule = |v: &serde_json::Value| {
            let m = v.as_str()?;
            (m.len() == 15).then(|| Matricule {
                numero: m[..13].to_string(),
                cle: m[13..].to_string(),
            })
        };
        let text = |v: &serde_json::Value| v.as_str().map(String::from);
        Some(
            card["beneficiaires"]
                .as_array()?
                .iter()
                .filter_map(|b| {
                    Some(CarteVitale {
                        matricule_individu: matricule(&b["matricule_individu"]),
                        matricule_ouvrant_droit: matricule(&b["matricule_ouvrant_droit"]),
                        nom_naissance: text(&b["nom_naissance"]),
                        date_naissance: text(&b["date_naissance"])?,
                        rang_naissance: text(&b["rang_naissance"]),
                    })
                })
                .collect(),
        )
    }

    /// The reader's events after number `depuis` (waiting up to 25 s for
    /// one): (number, is an insertion). Err when there is no reader or it
    /// does not answer.
    pub async fn evenements(&self, depuis: u64) -> Result<Vec<(u64, bool)>, ()> {
        let base = self.config.lecteur.as_deref().ok_or(())?;
        let url = format!("{base}/evenements?depuis={depuis}&attente_ms=25000");
        let reply = self
            .http
            .get(url)
            .timeout(Duration::from_secs(35))
            .send()
            .await
            .map_err(|_| ())?;
        let events: serde_json::Value =
            serde_json::from_str(&corps_borne(reply, LECTEUR_MAX).await.map_err(|_| ())?)
                .map_err(|_| ())?;
        Ok(events
            .as_array()
            .ok_or(())?
            .iter()
            .filter_map(|e| Some((e["numero"].as_u64()?, e["nature"] == "insertion")))
            .collect())
    }

    /// The preferred way first: by the carte Vitale in the reader when one
    /// of its beneficiaries is this patient (same birth date and name);
    /// then by traits without the birth place and, on 02, again with it
    /// when the identity has a known one.
    pub async fn rechercher_identite(
        &self,
        appelant: &Appelant,
        identity: &Identity,
    ) -> Result<(Resultat, Methode), InsiFailure> {
        let d = identity.birth_date;
        let date = format!("{:04}-{:02}-{:02}", d.year, d.month, d.day);
        let beneficiaire = self.carte().await.and_then(|b| {
            b.into_iter().find(|b| {
                b.date_naissance == date
                    && b.nom_naissance
                        .as_deref()
                        .is_none_or(|n| n == identity.birth_name)
            })
        });
        if let Some(b) = beneficiaire {
            let r = self
                .rechercher(appelant, &Recherche::CarteVitale(b))
                .await?;
            if r.code == CodeCr::Trouve {
                return Ok((r, Methode::CarteVitale));
            }
        }
        self.rechercher_traits(appelant, identity).await
    }

    /// By traits only: without the birth place, then with it on 02 (the
    /// verification of an INS asks this way).
    pub async fn rechercher_traits(
        &self,
        appelant: &Appelant,
        identity: &Identity,
    ) -> Result<(Resultat, Methode), InsiFailure> {
        let first = self.rechercher(appelant, &traits(identity, false)).await?;
        let cog = identity
            .birth_place_cog
            .as_deref()
            .filter(|c| *c != "99999" && !c.is_empty());
        if first.code == CodeCr::Plusieurs && cog.is_some() {
            return Ok((
                self.rechercher(appelant, &traits(identity, true)).await?,
                Methode::TraitsEtLieu,
            ));
        }
        Ok((first, Methode::Traits))
    }
}

/// What to tell the user about an answer without a single identity.
pub fn conseil(code: CodeCr) -> Option<&'static str> {
    match code {
        CodeCr::Trouve => None,
        CodeCr::Aucune => Some(
            "Aucune identité ne correspond: vérifiez les traits saisis sur la pièce d'identité (nom de naissance, premier prénom, date et lieu de naissance) ou interrogez avec la carte Vitale.",
        ),
        CodeCr::Plusieurs => Some(
            "Plusieurs identités correspondent: précisez le lieu de naissance (code officiel géographique) ou interrogez avec la carte Vitale.",
        ),
    }
}

fn traits(identity: &Identity, with_place: bool) -> Recherche {
    let d = identity.birth_date;
    Recherche::Traits(Traits {
        nom_naissance: identity.birth_name.clone(),
        prenoms: identity.birth_first_names.iter().take(1).cloned().collect(),
        sexe: identity.sex.code().to_string(),
        date_naissance: format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
        lieu_naissance: if with_place {
            identity.birth_place_cog.clone()
        } else {
            None
        },
    })
}

/// A random UUID (version 4).
fn message_id() -> String {
    let mut b = [0u8; 16];
    let _ = getrandom::fill(&mut b);
    esculape_identifiants::uuid_v4(b)
}

/// Now as an `xsd:dateTime` in UTC.
fn xsd_now() -> String {
    esculape_domain::calendar::utc_xsd(esculape_store::now_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_context_names_the_professional_or_else_the_structure() {
        let mut ctx = Contexte::exemple();
        Appelant {
            rpps: Some("10001234567".into()),
            finess: Some("750000001".into()),
            proxy: None,
        }
        .appliquer(&mut ctx);
        assert_eq!(ctx.emetteur, "750000001");
        assert_eq!(ctx.professionnel.identifiant, "810001234567");
        assert_eq!(ctx.professionnel.qualifiant, "1.2.250.1.71.4.2.1");
        let mut ctx = Contexte::exemple();
        Appelant {
            rpps: None,
            finess: Some("750000001".into()),
            proxy: None,
        }
        .appliquer(&mut ctx);
        assert_eq!(ctx.professionnel.identifiant, "1750000001");
        assert_eq!(ctx.professionnel.qualifiant, "1.2.250.1.71.4.2.2");
        // Nothing known: the configured context.
        let mut ctx = Contexte::exemple();
        Appelant::default().appliquer(&mut ctx);
        assert_eq!(ctx, Contexte::exemple());
    }
}
