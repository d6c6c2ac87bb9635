//! Who may call what: the three ways the host authenticates towards the
//! DMP, the transactions, and the rights matrix of PDT-INF-526 for a
//! médecin (the DMP enforces it; we apply it first so that a request the
//! DMP would refuse is not sent, and the user is told why in French).
//!
//! Also here, in one place: the choices that the DMPi guide (SEL-MP-037,
//! not available to us) fixes and that we had to make without it.

use crate::vihf::ModeAuthentification;

/// How this host authenticates to the DMP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Authentification {
    /// The structure's certificate (« certificat ES », AUTH_CLI) for TLS
    /// and the VIHF: feeding, and looking up a document's reference.
    /// Deferred feeding orders run in this mode (a PSC token lives
    /// minutes).
    Indirecte,
    /// The Pro Santé Connect trust space: through the proxy e-santé, in
    /// the professional's name.
    EspaceDeConfiancePsc,
    /// A CPS card: TLS with its authentication key, the VIHF signed with
    /// its signature key (over PKCS#11; tested here with a software key
    /// only).
    DirecteCps,
}

impl Authentification {
    /// The VIHF's `Authentification_mode` for this way of signing in.
    pub fn mode_vihf(self) -> ModeAuthentification {
        match self {
            Authentification::Indirecte => ModeAuthentification::Indirecte,
            Authentification::EspaceDeConfiancePsc => HYPOTHESE_MODE_VIHF_PSC,
            Authentification::DirecteCps => ModeAuthentification::Directe,
        }
    }

    pub fn libelle(self) -> &'static str {
        match self {
            Authentification::Indirecte => "certificat de la structure (mode indirect)",
            Authentification::EspaceDeConfiancePsc => "Pro Santé Connect (espace de confiance)",
            Authentification::DirecteCps => "carte CPS (mode direct)",
        }
    }
}

/// The DMP transactions the host calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Transaction {
    /// TD0.2: does the patient have a DMP, and is this professional
    /// authorised on it.
    TestExistence,
    /// TD0.3: declare oneself authorised (once the patient's consent is
    /// recorded).
    MiseAJourAutorisation,
    /// TD2.1 (ITI-41).
    Alimentation,
    /// TD3.1 (ITI-18) over the metadata.
    RechercheMetadonnees,
    /// TD3.1 restricted to one document's reference (to delete it).
    RechercheReference,
    /// TD3.2 (ITI-43).
    Consultation,
    /// TD3.3c (ITI-57).
    Suppression,
    /// TD3.3d (ITI-57).
    Archivage,
    /// TD3.3b.
    RendreVisiblePatient,
}

impl Transaction {
    pub fn libelle(self) -> &'static str {
        match self {
            Transaction::TestExistence => "test d'existence du DMP (TD0.2)",
            Transaction::MiseAJourAutorisation => "mise à jour de l'autorisation (TD0.3)",
            Transaction::Alimentation => "alimentation (TD2.1)",
            Transaction::RechercheMetadonnees => "recherche de documents (TD3.1)",
            Transaction::RechercheReference => "recherche de la référence d'un document (TD3.1)",
            Transaction::Consultation => "consultation d'un document (TD3.2)",
            Transaction::Suppression => "suppression d'un document (TD3.3c)",
            Transaction::Archivage => "archivage d'un document (TD3.3d)",
            Transaction::RendreVisiblePatient => "rendre un document visible au patient (TD3.3b)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{transaction} impossible avec le {mode} : {raison}")]
pub struct Refus {
    pub transaction: &'static str,
    pub mode: &'static str,
    pub raison: &'static str,
}

/// Whether a médecin authenticated this way may call `t` (PDT-INF-526,
/// « normal » access; the DMP itself checks the finer cases: own
/// documents only, médecin traitant).
pub fn autorise(a: Authentification, t: Transaction) -> Result<(), Refus> {
    use Transaction as T;
    let raison = match (a, t) {
        (Authentification::Indirecte, T::MiseAJourAutorisation) => {
            "seul un professionnel authentifié (CPS ou Pro Santé Connect) se déclare autorisé"
        }
        (Authentification::Indirecte, T::RechercheMetadonnees | T::Consultation) => {
            "la consultation du DMP se fait au nom d'un professionnel : connectez-vous avec Pro Santé Connect ou la carte CPS"
        }
        (Authentification::Indirecte, T::Archivage | T::RendreVisiblePatient) => {
            "réservé au professionnel auteur, authentifié (CPS ou Pro Santé Connect)"
        }
        _ => return Ok(()),
    };
    Err(Refus {
        transaction: t.libelle(),
        mode: a.libelle(),
        raison,
    })
}

/// The VIHF mode written in the PSC trust-space mode. The DMPi guide
/// fixes it; the examples only show DIRECTE, INDIRECTE and
/// INDIRECTE_RENFORCEE. We take INDIRECTE_RENFORCEE: the structure's key
/// signs and vouches for a professional strongly authenticated (by PSC).
pub const HYPOTHESE_MODE_VIHF_PSC: ModeAuthentification = ModeAuthentification::IndirecteRenforcee;

/// Every choice made without the DMPi guide, named, with why: shown by
/// `esculape dmp hypotheses` and in docs/dmp.md, to be checked against
/// the guide and the DMP's test environment (CNDA).
pub const HYPOTHESES: &[(&str, &str)] = &[
    (
        "mode VIHF en espace de confiance PSC",
        "INDIRECTE_RENFORCEE, VIHF signé par la clé de la structure, NameID = identifiant national du professionnel lu dans le jeton PSC",
    ),
    (
        "algorithmes de signature du VIHF",
        "RSA-SHA256 avec exc-c14n et empreinte SHA-256 (PDT-INF-579 : suites acceptées) ; les exemples, anciens, sont en RSA-SHA1",
    ),
    (
        "document de signature XAdES d'une soumission",
        "XAdES 1.1.1 comme l'exemple TD2.1, mais exc-c14n et SHA-256 (l'exemple : c14n inclusive avec commentaires et SHA-1) ; le manifeste liste le lot (empreinte du vide, comme l'exemple) et chaque document",
    ),
    (
        "identifiants du logiciel (LPS_ID, LPS_ID_HOMOLOGATION_DMP)",
        "ceux de la configuration ; le numéro d'homologation est attribué par le CNDA",
    ),
    (
        "document déjà présent dans le DMP",
        "le DMP refuse un uniqueId connu par XDSDocumentUniqueIdError (comme un registre XDS.b) : un ordre d'envoi qui reçoit cette erreur est tenu pour envoyé (réponse perdue après enregistrement), pas renvoyé",
    ),
    (
        "entryUUID d'un document soumis",
        "dérivé de son identifiant (UUID version 8 d'un SHA-256) et conservé tel quel par le DMP : une nouvelle version le remplace (RPLC) sans consulter le DMP (interdit en mode indirect)",
    ),
    (
        "transport en espace de confiance PSC",
        "la requête SOAP passe par le proxy e-santé (/send/dmp/…), qui présente le jeton PSC du professionnel échangé et lié au certificat de la structure (RFC 8705, en-tête Authorization: Bearer) sur une connexion TLS mutuelle avec ce certificat ; le VIHF reste dans wsse:Security",
    ),
    (
        "identité d'un ordre d'envoi différé",
        "mode indirect, certificat de la structure, au nom du médecin signataire : un jeton PSC ne vit que quelques minutes et la CPS reste sur un poste",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indirect_mode_feeds_but_neither_searches_nor_reads() {
        let i = Authentification::Indirecte;
        assert!(autorise(i, Transaction::Alimentation).is_ok());
        assert!(autorise(i, Transaction::TestExistence).is_ok());
        assert!(autorise(i, Transaction::RechercheReference).is_ok());
        assert!(autorise(i, Transaction::Suppression).is_ok());
        let e = autorise(i, Transaction::Consultation)
            .unwrap_err()
            .to_string();
        assert!(e.contains("Pro Santé Connect"), "{e}");
        assert!(autorise(i, Transaction::RechercheMetadonnees).is_err());
        for a in [
            Authentification::EspaceDeConfiancePsc,
            Authentification::DirecteCps,
        ] {
            assert!(autorise(a, Transaction::Consultation).is_ok());
            assert!(autorise(a, Transaction::RechercheMetadonnees).is_ok());
        }
    }
}
