//! Signing in with Pro Santé Connect: through the system browser (code
//! flow, the desktop client listening on its loopback redirect) or by
//! CIBA (validation on the CPS card or the e-CPS application), then the
//! choice of the local account and of the activity.

use crate::comptes::Session;

macro_rules! corps {
    ($($i:item)*) => {$(
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
        $i
    )*};
}

corps! {
    /// Whether this host signs in with PSC (a proxy e-santé is configured).
    pub struct PscDisponible {
        pub disponible: bool,
        /// The loopback redirect the desktop client must listen on.
        pub redirection: Option<String>,
    }

    /// The proxy e-santé as set up, for the administrator: the structure's
    /// certificate with its expiry, the services reached through it.
    pub struct ProxyPsc {
        /// A proxy e-santé is configured on this host.
        pub configure: bool,
        pub certificat: Option<String>,
        pub certificat_a_renouveler: bool,
        pub services: Vec<String>,
    }

    /// Where to send the browser; `etat` comes back with the answer.
    pub struct DemandeNavigateurPsc {
        pub url: String,
        pub etat: String,
    }

    /// What the browser brought back to the loopback redirect: its query
    /// string as received.
    pub struct RetourNavigateurPsc {
        pub requete: String,
    }

    /// Sign in by CIBA: the national id (8 + RPPS) and where to validate.
    pub struct DemandeCibaPsc {
        pub id_national: String,
        pub canal: CanalPsc,
    }

    /// A CIBA request under way: the two digits the card or the phone
    /// shows too.
    pub struct CibaPsc {
        pub demande: String,
        pub message: String,
    }

    /// Who PSC says signed in.
    pub struct ProfessionnelPsc {
        pub id_national: String,
        pub prenom: String,
        pub nom: String,
    }

    /// One place where they practise (`SubjectRefPro…activities[]`).
    pub struct ActivitePsc {
        pub structure: String,
        pub raison_sociale: String,
        pub secteur: String,
    }

    /// A local account PSC's identity may sign in as.
    pub struct ComptePsc {
        pub id: String,
        pub login: String,
        pub display_name: String,
        pub structure: Option<String>,
        /// Already linked to this PSC identity (else: matched by RPPS, to
        /// confirm).
        pub lie: bool,
    }

    /// The account and activity chosen (`ticket` from [`EtatConnexionPsc::AChoisir`]).
    pub struct ChoixPsc {
        pub ticket: String,
        pub compte: String,
        #[serde(default)]
        pub activite: Option<String>,
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CanalPsc {
    /// `CARD`: the CPS card in its reader.
    Card,
    /// `MOBILE`: the e-CPS application.
    Mobile,
}

/// Where a PSC sign-in stands.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(tag = "etat", rename_all = "snake_case")]
pub enum EtatConnexionPsc {
    /// CIBA: not validated yet.
    EnAttente,
    /// PSC signed the professional in; the account (first sign-in:
    /// confirm the link; several accounts: choose) and the activity are
    /// to choose.
    AChoisir {
        ticket: String,
        professionnel: ProfessionnelPsc,
        comptes: Vec<ComptePsc>,
        activites: Vec<ActivitePsc>,
    },
    /// Signed in: the local session.
    Connecte { session: Session },
}
