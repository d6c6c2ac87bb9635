//! A client certificate: the structure's or the organisation's (IGC-Santé
//! "personne morale"), presented to a national service that requires
//! mutual TLS. Read from PKCS#12 (`.p12`, `.pfx`: how the ANS delivers
//! them) or from PEM; its holder, issuer and validity are read from the
//! certificate so that the user sees when it must be renewed.

use crate::TransportError;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::Path;

/// Longest certificate or key file read, in bytes.
pub const TAILLE_MAX: u64 = 1 << 20;

/// Days before the end of validity from which the certificate is said to
/// expire soon.
pub const PREAVIS_JOURS: i64 = 30;

/// A certificate and its private key, with what people need to know of it.
#[derive(Debug)]
pub struct IdentiteClient {
    /// The certificate first, then its intermediates.
    chaine: Vec<CertificateDer<'static>>,
    cle: PrivateKeyDer<'static>,
    /// Subject, as written in the certificate (`CN=…, O=…`).
    pub titulaire: String,
    pub emetteur: String,
    /// Start and end of validity, Unix seconds.
    pub debut: i64,
    pub fin: i64,
}

/// Where a certificate stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validite {
    PasEncore,
    Valide { jours_restants: i64 },
    BientotExpire { jours_restants: i64 },
    Expire,
}

impl Clone for IdentiteClient {
    fn clone(&self) -> Self {
        Self {
            chaine: self.chaine.clone(),
            cle: self.cle.clone_key(),
            titulaire: self.titulaire.clone(),
            emetteur: self.emetteur.clone(),
            debut: self.debut,
            fin: self.fin,
        }
    }
}

impl IdentiteClient {
    /// From PEM: the certificate chain (leaf first) and the private key
    /// (PKCS#8, PKCS#1 or SEC1), in one file or two. `quoi` names them in
    /// errors.
    pub fn depuis_pem(certificats: &[u8], cle: &[u8], quoi: &str) -> Result<Self, TransportError> {
        let chaine = CertificateDer::pem_slice_iter(certificats)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| certificat(quoi, e.to_string()))?;
        let cle = PrivateKeyDer::from_pem_slice(cle).map_err(|e| TransportError::Cle {
            quoi: quoi.into(),
            raison: e.to_string(),
        })?;
        Self::nouvelle(chaine, cle, quoi)
    }

    /// From a PKCS#12 file and its password.
    pub fn depuis_pkcs12(
        octets: &[u8],
        mot_de_passe: &str,
        quoi: &str,
    ) -> Result<Self, TransportError> {
        let magasin = p12_keystore::KeyStore::from_pkcs12(octets, mot_de_passe).map_err(|e| {
            certificat(
                quoi,
                format!("fichier PKCS#12 illisible ou mot de passe incorrect ({e})"),
            )
        })?;
        let (_, chaine) = magasin.private_key_chain().ok_or_else(|| {
            certificat(
                quoi,
                "le fichier PKCS#12 ne contient pas de clé privée".into(),
            )
        })?;
        let cle = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(chaine.key().to_vec()));
        let certificats = chaine
            .chain()
            .iter()
            .map(|c| CertificateDer::from(c.as_der().to_vec()))
            .collect();
        Self::nouvelle(certificats, cle, quoi)
    }

    /// From files: a `.p12`/`.pfx` with its password, or PEM (the key in
    /// the same file unless `cle` names another).
    pub fn charger(
        chemin: &Path,
        cle: Option<&Path>,
        mot_de_passe: Option<&str>,
    ) -> Result<Self, TransportError> {
        let quoi = chemin.display().to_string();
        let octets = lire(chemin)?;
        let pkcs12 = chemin
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("p12") || e.eq_ignore_ascii_case("pfx"));
        if pkcs12 {
            return Self::depuis_pkcs12(&octets, mot_de_passe.unwrap_or(""), &quoi);
        }
        let cle = match cle {
            Some(c) => lire(c)?,
            None => octets.clone(),
        };
        Self::depuis_pem(&octets, &cle, &quoi)
    }

    fn nouvelle(
        chaine: Vec<CertificateDer<'static>>,
        cle: PrivateKeyDer<'static>,
        quoi: &str,
    ) -> Result<Self, TransportError> {
        let feuille = chaine
            .first()
            .ok_or_else(|| certificat(quoi, "aucun certificat".into()))?;
        let (_, x) = x509_parser::parse_x509_certificate(feuille.as_ref())
            .map_err(|e| certificat(quoi, e.to_string()))?;
        let v = x.validity();
        let identite = Self {
            titulaire: x.subject().to_string(),
            emetteur: x.issuer().to_string(),
            debut: v.not_before.timestamp(),
            fin: v.not_after.timestamp(),
            chaine: chaine.clone(),
            cle,
        };
        // The key must be the certificate's: said now, not at the first
        // handshake.
        let f = crate::fournisseur();
        let signataire = f
            .key_provider
            .load_private_key(identite.cle.clone_key())
            .map_err(|e| TransportError::Cle {
                quoi: quoi.into(),
                raison: e.to_string(),
            })?;
        rustls::sign::CertifiedKey::new(chaine, signataire)
            .keys_match()
            .map_err(|_| TransportError::Cle {
                quoi: quoi.into(),
                raison: "la clé privée n'est pas celle du certificat".into(),
            })?;
        Ok(identite)
    }

    /// Where the certificate stands at `maintenant` (Unix seconds).
    pub fn validite(&self, maintenant: i64) -> Validite {
        let jours_restants = (self.fin - maintenant).div_euclid(86_400);
        if maintenant < self.debut {
            Validite::PasEncore
        } else if maintenant > self.fin {
            Validite::Expire
        } else if jours_restants < PREAVIS_JOURS {
            Validite::BientotExpire { jours_restants }
        } else {
            Validite::Valide { jours_restants }
        }
    }

    /// One line for people: who, by whom, until when and how long is left.
    pub fn resume(&self, maintenant: i64) -> String {
        let etat = match self.validite(maintenant) {
            Validite::PasEncore => format!("pas encore valable (à partir du {})", jour(self.debut)),
            Validite::Valide { jours_restants } => {
                format!(
                    "valable jusqu'au {} (encore {jours_restants} jours)",
                    jour(self.fin)
                )
            }
            Validite::BientotExpire { jours_restants } => format!(
                "expire bientôt : le {} (dans {jours_restants} jours), à renouveler",
                jour(self.fin)
            ),
            Validite::Expire => format!("expiré depuis le {}", jour(self.fin)),
        };
        format!(
            "certificat de {} émis par {} : {etat}",
            self.titulaire, self.emetteur
        )
    }

    /// Refuses a certificate that is not valid at `maintenant`: a national
    /// service would refuse the connection with a less helpful message.
    pub fn utilisable(&self, maintenant: i64) -> Result<(), TransportError> {
        match self.validite(maintenant) {
            Validite::Expire | Validite::PasEncore => {
                Err(TransportError::Inutilisable(self.resume(maintenant)))
            }
            _ => Ok(()),
        }
    }

    /// The certificate (DER) and its private key, for the host's own XML
    /// signatures (the DMP's VIHF and XAdES are signed with the
    /// structure's key in indirect mode). Host code only: never handed
    /// to a plugin.
    pub fn certificat_et_cle(&self) -> (&[u8], &PrivateKeyDer<'static>) {
        (self.chaine[0].as_ref(), &self.cle)
    }

    pub(crate) fn pour_rustls(&self) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        (self.chaine.clone(), self.cle.clone_key())
    }
}

/// Where a client certificate is configured: a `.p12`/`.pfx` with its
/// password, or PEM (the key beside it or in its own file).
#[derive(Clone)]
pub struct Emplacement {
    pub chemin: std::path::PathBuf,
    pub cle: Option<std::path::PathBuf>,
    pub mot_de_passe: Option<String>,
}

impl std::fmt::Debug for Emplacement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // the password never reaches a log
        f.debug_struct("Emplacement")
            .field("chemin", &self.chemin)
            .field("cle", &self.cle)
            .field("mot_de_passe", &self.mot_de_passe.as_ref().map(|_| "…"))
            .finish()
    }
}

impl Emplacement {
    /// From `{prefixe}_CERT`, `{prefixe}_CLE` and `{prefixe}_CERT_MDP`
    /// (e.g. `ESCULAPE_INSI`); none when `{prefixe}_CERT` is unset.
    pub fn depuis_env(prefixe: &str) -> Option<Self> {
        let chemin = std::env::var_os(format!("{prefixe}_CERT"))?;
        Some(Self {
            chemin: chemin.into(),
            cle: std::env::var_os(format!("{prefixe}_CLE")).map(Into::into),
            mot_de_passe: std::env::var(format!("{prefixe}_CERT_MDP")).ok(),
        })
    }

    pub fn charger(&self) -> Result<IdentiteClient, TransportError> {
        IdentiteClient::charger(
            &self.chemin,
            self.cle.as_deref(),
            self.mot_de_passe.as_deref(),
        )
    }
}

/// The present, Unix seconds.
pub fn maintenant() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn certificat(quoi: &str, raison: String) -> TransportError {
    TransportError::Certificat {
        quoi: quoi.into(),
        raison,
    }
}

fn lire(chemin: &Path) -> Result<Vec<u8>, TransportError> {
    let fichier = |source| TransportError::Fichier {
        chemin: chemin.display().to_string(),
        source,
    };
    let taille = std::fs::metadata(chemin).map_err(fichier)?.len();
    if taille > TAILLE_MAX {
        return Err(certificat(
            &chemin.display().to_string(),
            format!("fichier de {taille} octets, {TAILLE_MAX} au plus"),
        ));
    }
    std::fs::read(chemin).map_err(fichier)
}

/// A day as people in France write it (UTC: a certificate's end is a
/// second, the day is what matters).
fn jour(unix: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(d) => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
        Err(_) => unix.to_string(),
    }
}
