//! CIBA in poll mode (PSC's "profil CIBA"): the professional validates on
//! their CPS card reader or e-CPS application, no browser.

use crate::{ACR_EIDAS1, ErreurPsc, Jetons, PORTEES, Psc, envoyer, erreur_oauth};
use serde::Deserialize;
use std::time::{Duration, Instant};

/// The grant type of a CIBA poll.
pub const GRANT_CIBA: &str = "urn:openid:params:grant-type:ciba";
/// RFC/CIBA §7.3: a `slow_down` adds this to the interval.
pub const RALENTIR: Duration = Duration::from_secs(5);

/// Where the professional validates (PSC's `channel` extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canal {
    /// The CPS card in its reader.
    Carte,
    /// The e-CPS application on the phone.
    Mobile,
}

impl Canal {
    pub fn code(self) -> &'static str {
        match self {
            Self::Carte => "CARD",
            Self::Mobile => "MOBILE",
        }
    }
}

/// A CIBA request under way.
pub struct DemandeCiba {
    auth_req_id: String,
    /// The two digits shown to the professional, to compare with what
    /// the card or the phone shows.
    pub message: String,
    pub intervalle: Duration,
    pub expire: Instant,
}

impl std::fmt::Debug for DemandeCiba {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemandeCiba")
            .field("message", &self.message)
            .field("intervalle", &self.intervalle)
            .finish_non_exhaustive()
    }
}

/// Where a CIBA request stands after one poll.
#[derive(Debug)]
pub enum EtatCiba {
    /// Not validated yet: poll again after [`DemandeCiba::intervalle`].
    EnAttente,
    Validee(Box<Jetons>),
}

/// A two-digit binding message, 00 to 99.
pub fn message_de_liaison() -> String {
    let octet = openidconnect::CsrfToken::new_random()
        .secret()
        .bytes()
        .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(b as u32));
    format!("{:02}", octet % 100)
}

/// Whether `id` looks like a national id PSC knows: `8` + RPPS (11
/// digits), or another prefix and digits (ADELI: `0`…).
pub fn identifiant_national_valide(id: &str) -> bool {
    (9..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl Psc {
    /// Starts a backchannel request for the professional `id_national`
    /// with the two digits `message`.
    pub async fn ciba_demarrer(
        &self,
        id_national: &str,
        message: &str,
        canal: Canal,
    ) -> Result<DemandeCiba, ErreurPsc> {
        if !identifiant_national_valide(id_national) {
            return Err(ErreurPsc::IdentifiantInconnu);
        }
        let url = self
            .point("backchannel_authentication_endpoint")
            .ok_or_else(|| {
                ErreurPsc::Configuration("Pro Santé Connect n'annonce pas de point CIBA".into())
            })?;
        let champs = self.formulaire(vec![
            ("scope", PORTEES),
            ("login_hint", id_national),
            ("binding_message", message),
            ("channel", canal.code()),
            ("acr_values", ACR_EIDAS1),
        ]);
        let (statut, _, corps) =
            envoyer(self.requete_jeton(&url).form(&champs), self.config.delai).await?;
        if !statut.is_success() {
            return Err(match erreur_oauth(&corps) {
                Some((code, _)) if code == "unknown_user_id" || code == "invalid_user_id" => {
                    ErreurPsc::IdentifiantInconnu
                }
                Some((code, d)) => crate::jetons::erreur_jeton(&code, d.as_deref()),
                None => ErreurPsc::Reponse(format!("demande CIBA : statut {statut}")),
            });
        }
        #[derive(Deserialize)]
        struct Reponse {
            auth_req_id: String,
            expires_in: u64,
            interval: Option<u64>,
        }
        let r: Reponse = serde_json::from_slice(&corps)
            .map_err(|e| ErreurPsc::Reponse(format!("demande CIBA : {e}")))?;
        Ok(DemandeCiba {
            auth_req_id: r.auth_req_id,
            message: message.to_string(),
            intervalle: r
                .interval
                .map(Duration::from_secs)
                .unwrap_or(self.config.intervalle_ciba),
            expire: Instant::now() + Duration::from_secs(r.expires_in),
        })
    }

    /// One poll of the token endpoint. `slow_down` lengthens the
    /// request's interval; `authorization_pending` is [`EtatCiba::EnAttente`];
    /// `expired_token` and `access_denied` end it with their error.
    pub async fn ciba_interroger(&self, demande: &mut DemandeCiba) -> Result<EtatCiba, ErreurPsc> {
        if Instant::now() >= demande.expire {
            return Err(ErreurPsc::Expiree);
        }
        let url = self.point_de_jeton()?;
        let champs = self.formulaire(vec![
            ("grant_type", GRANT_CIBA),
            ("auth_req_id", &demande.auth_req_id),
        ]);
        match self
            .reponse_jeton(self.requete_jeton(&url).form(&champs))
            .await?
        {
            Ok(r) => Ok(EtatCiba::Validee(Box::new(self.verifier(&r, None, None)?))),
            Err((code, _)) if code == "authorization_pending" => Ok(EtatCiba::EnAttente),
            Err((code, _)) if code == "slow_down" => {
                demande.intervalle += RALENTIR;
                Ok(EtatCiba::EnAttente)
            }
            Err((code, d)) => Err(crate::jetons::erreur_jeton(&code, d.as_deref())),
        }
    }

    /// Polls until the professional validates, refuses, or the request
    /// expires, honouring the interval; `etape` is called after each
    /// pending poll (to show that it is still waiting).
    pub async fn ciba_attendre(
        &self,
        demande: &mut DemandeCiba,
        mut etape: impl FnMut(&DemandeCiba),
    ) -> Result<Jetons, ErreurPsc> {
        loop {
            tokio::time::sleep(demande.intervalle).await;
            match self.ciba_interroger(demande).await? {
                EtatCiba::Validee(j) => return Ok(*j),
                EtatCiba::EnAttente => etape(demande),
            }
        }
    }
}
