//! Anchors of the audit trail outside the database (issue 17, finding 6).
//!
//! The trail is hash-chained, but whoever can write the database can
//! rewrite an event and recompute every hash after it, or cut the tail.
//! An anchor is the trail's head (seq, hash) at a moment, signed with a
//! key the database does not hold (`audit-ancrage.key` in the home, 0600)
//! and appended to `audit-ancres.jsonl` in the home (0600). Verifying
//! the anchors against the database finds a recomputed chain (an anchored
//! event no longer has its hash), a cut tail or an emptied trail (an
//! anchored event is gone).

use crate::App;
use esculape_registry::SigningKey;
use esculape_store::StoreError;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const FICHIER_CLE: &str = "audit-ancrage.key";
pub const FICHIER_ANCRES: &str = "audit-ancres.jsonl";

/// The trail's head at `at` (Unix ms), signed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ancre {
    pub seq: i64,
    pub hash: String,
    pub at: i64,
    /// Hex of the ed25519 signature of [`Ancre::octets`].
    pub signature: String,
}

impl Ancre {
    fn octets(seq: i64, hash: &str, at: i64) -> Vec<u8> {
        format!("esculape-ancre-audit\n{seq}\n{hash}\n{at}").into_bytes()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AncrageError {
    #[error("{}: {source}", chemin.display())]
    Fichier {
        chemin: PathBuf,
        source: std::io::Error,
    },
    #[error("clé d'ancrage du journal: {0}")]
    Cle(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the anchors say of the trail in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationAncres {
    /// Anchors read and checked.
    pub ancres: usize,
    /// The last anchored event.
    pub derniere: Option<i64>,
    /// The first anchor the database contradicts, in French.
    pub rupture: Option<String>,
}

/// Where a home keeps its key and anchors.
#[derive(Debug, Clone)]
pub struct Ancrage {
    dossier: PathBuf,
}

impl Ancrage {
    pub fn dans(home: &Path) -> Self {
        Self {
            dossier: home.to_path_buf(),
        }
    }

    fn cle(&self) -> Result<SigningKey, AncrageError> {
        SigningKey::load_or_create(&self.dossier.join(FICHIER_CLE))
            .map_err(|e| AncrageError::Cle(e.to_string()))
    }

    fn fichier(&self) -> PathBuf {
        self.dossier.join(FICHIER_ANCRES)
    }

    fn lire(&self) -> Result<Vec<Result<Ancre, String>>, AncrageError> {
        let chemin = self.fichier();
        let texte = match std::fs::read_to_string(&chemin) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(source) => return Err(AncrageError::Fichier { chemin, source }),
        };
        Ok(texte
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).map_err(|e| e.to_string()))
            .collect())
    }
}

impl App {
    /// After a restore into an empty database: the home's anchors were
    /// those of the trail that database held before; they are kept aside
    /// (`audit-ancres.jsonl.avant-<ms>`) and the restored trail anchored.
    pub async fn reancrer_apres_restauration(&self) -> Result<Option<Ancre>, AncrageError> {
        let Some(a) = &self.ancrage else {
            return Ok(None);
        };
        let chemin = a.fichier();
        if chemin.exists() {
            let cote = chemin.with_extension(format!("jsonl.avant-{}", self.store.now()));
            std::fs::rename(&chemin, &cote).map_err(|source| AncrageError::Fichier {
                chemin: chemin.clone(),
                source,
            })?;
        }
        self.ancrer_journal().await
    }

    /// Anchors the trail's head when it moved since the last anchor and
    /// the chain is intact (a broken chain is not vouched for). Returns the
    /// new anchor, if one was written.
    pub async fn ancrer_journal(&self) -> Result<Option<Ancre>, AncrageError> {
        let Some(a) = &self.ancrage else {
            return Ok(None);
        };
        let Some((seq, hash)) = self.store.tete_audit().await? else {
            return Ok(None);
        };
        let derniere = a.lire()?.into_iter().filter_map(Result::ok).last();
        if derniere.as_ref().is_some_and(|d| d.seq == seq) {
            return Ok(None);
        }
        if self.store.verify_audit().await?.broken.is_some() {
            return Ok(None);
        }
        let at = self.store.now();
        let signature = a.cle()?.sign(&Ancre::octets(seq, &hash, at)).signature;
        let ancre = Ancre {
            seq,
            hash,
            at,
            signature,
        };
        let chemin = a.fichier();
        let mut ligne = serde_json::to_string(&ancre).unwrap_or_default();
        ligne.push('\n');
        let ecrire = || -> std::io::Result<()> {
            let mut o = std::fs::OpenOptions::new();
            o.append(true).create(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
            let mut f = o.open(&chemin)?;
            f.write_all(ligne.as_bytes())?;
            f.sync_all()
        };
        ecrire().map_err(|source| AncrageError::Fichier {
            chemin: chemin.clone(),
            source,
        })?;
        Ok(Some(ancre))
    }

    /// Checks every anchor against the database: its signature, then that
    /// the anchored event is there with the anchored hash.
    pub async fn verifier_ancres(&self) -> Result<VerificationAncres, AncrageError> {
        let mut v = VerificationAncres {
            ancres: 0,
            derniere: None,
            rupture: None,
        };
        let Some(a) = &self.ancrage else {
            return Ok(v);
        };
        let lues = a.lire()?;
        if lues.is_empty() {
            return Ok(v);
        }
        let cle = a.cle()?;
        for (n, ancre) in lues.into_iter().enumerate() {
            let n = n + 1;
            let ancre = match ancre {
                Ok(x) => x,
                Err(e) => {
                    v.rupture = Some(format!("ancre {n} illisible: {e}"));
                    return Ok(v);
                }
            };
            v.ancres = n;
            let octets = Ancre::octets(ancre.seq, &ancre.hash, ancre.at);
            let probleme = if !cle.verifie(&octets, &ancre.signature) {
                Some(format!("ancre {n}: signature invalide"))
            } else {
                match self.store.empreinte_audit(ancre.seq).await? {
                    None => Some(format!(
                        "journal coupé ou vidé: l'événement {} ancré n'existe plus",
                        ancre.seq
                    )),
                    Some(h) if h != ancre.hash => Some(format!(
                        "journal recalculé: l'événement {} ne porte plus l'empreinte ancrée",
                        ancre.seq
                    )),
                    Some(_) => None,
                }
            };
            if probleme.is_some() {
                v.rupture = probleme;
                return Ok(v);
            }
            v.derniere = Some(ancre.seq);
        }
        Ok(v)
    }
}
