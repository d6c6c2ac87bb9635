//! Backup and restore (SC.SSI/GEN.21 BIS).
//!
//! `backup` reads every table of the practice in one snapshot (SQLite read
//! transaction in WAL mode; PostgreSQL REPEATABLE READ, READ ONLY), so the
//! host keeps serving and writing meanwhile and the copy is consistent. The
//! rows go out as JSON lines, ending with the row counts and a content hash,
//! encrypted with ChaCha20-Poly1305 in the STREAM construction (64 KiB
//! chunks, each authenticated; truncation is detected) under a key derived
//! from a passphrase with argon2id, whose parameters the file's header
//! carries (envelope version 2; version 1 files, written before, restore
//! with the parameters they were written with, pinned in [`Kdf::V1`]).
//!
//! `restore` refuses a database that already holds data, inserts everything
//! in one transaction, and checks the content hash of what it wrote against
//! the one in the file. A backup restores on either backend.

use crate::db::{Backend, Store};
use crate::{Result, StoreError};
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::{ChaCha20Poly1305, KeyInit};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::collections::BTreeMap;
use std::io::{Read, Write};

/// Envelope version 1: magic, salt, nonce (argon2 parameters implied).
const MAGIC_V1: &[u8; 22] = b"ESCULAPE-SAUVEGARDE-1\n";
/// Envelope version 2: magic, key derivation parameters, salt, nonce.
const MAGIC: &[u8; 22] = b"ESCULAPE-SAUVEGARDE-2\n";
const CHUNK: usize = 64 * 1024;

/// The key derivation of a backup (argon2id, version 0x13): written in the
/// header, so that a change of the crate's defaults never makes a backup
/// unreadable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kdf {
    /// Memory, KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Kdf {
    /// What new backups use: 64 MiB and 3 passes, above the common
    /// minimum (19 MiB, 2 passes) since a backup holds a whole practice and
    /// is made rarely.
    pub const ACTUEL: Kdf = Kdf {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };
    /// What version-1 backups were written with (argon2 0.5's defaults of
    /// the time), pinned so that they keep restoring.
    pub const V1: Kdf = Kdf {
        m_kib: 19 * 1024,
        t: 2,
        p: 1,
    };
    /// Argon2id, version 0x13: the only algorithm a header may name.
    const ARGON2ID_13: u8 = 1;
    const ENCODED: usize = 13;

    fn encode(self) -> [u8; Self::ENCODED] {
        let mut b = [0u8; Self::ENCODED];
        b[0] = Self::ARGON2ID_13;
        b[1..5].copy_from_slice(&self.m_kib.to_be_bytes());
        b[5..9].copy_from_slice(&self.t.to_be_bytes());
        b[9..13].copy_from_slice(&self.p.to_be_bytes());
        b
    }

    /// The parameters of a header, within bounds: none weaker than the
    /// minimum, none costlier than a restore can afford (a crafted header
    /// must not make the host allocate gigabytes).
    fn decode(b: &[u8; Self::ENCODED]) -> Result<Kdf> {
        let word = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let kdf = Kdf {
            m_kib: word(1),
            t: word(5),
            p: word(9),
        };
        let within = b[0] == Self::ARGON2ID_13
            && (Self::V1.m_kib..=1024 * 1024).contains(&kdf.m_kib)
            && (Self::V1.t..=16).contains(&kdf.t)
            && (1..=8).contains(&kdf.p);
        if !within {
            return Err(StoreError::Backup(format!(
                "paramètres de dérivation de clé refusés dans l'en-tête de la sauvegarde ({kdf:?}): fichier altéré ou d'une autre origine"
            )));
        }
        Ok(kdf)
    }
}
/// Backup and restore report their progress every this many rows.
pub const PROGRESS_EVERY: u64 = 10_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ty {
    Text,
    Int,
    Blob,
}

struct Table {
    name: &'static str,
    key: &'static str,
    columns: &'static [(&'static str, Ty)],
}

use Ty::*;

/// Every table of the practice, parents before children. Sessions are not
/// kept: after a restore everyone signs in again.
const TABLES: &[Table] = &[
    Table {
        name: "structure",
        key: "id",
        columns: &[
            ("id", Text),
            ("finess", Text),
            ("name", Text),
            ("kind", Text),
            ("created_at", Int),
        ],
    },
    Table {
        name: "site",
        key: "id",
        columns: &[
            ("id", Text),
            ("structure_id", Text),
            ("name", Text),
            ("address", Text),
            ("finess", Text),
            ("created_at", Int),
        ],
    },
    Table {
        name: "app_user",
        key: "id",
        columns: &[
            ("id", Text),
            ("login", Text),
            ("display_name", Text),
            ("rpps", Text),
            ("profession", Text),
            ("role", Text),
            ("structure_id", Text),
            ("password_hash", Text),
            ("password_changed_at", Int),
            ("failed_logins", Int),
            ("locked_until", Int),
            ("active", Int),
            ("created_at", Int),
            ("version", Int),
            ("psc_id_national", Text),
            ("mss_adresse", Text),
        ],
    },
    Table {
        name: "patient",
        key: "id",
        columns: &[
            ("id", Text),
            ("birth_name", Text),
            ("used_name", Text),
            ("birth_first_names", Text),
            ("used_first_name", Text),
            ("sex", Text),
            ("birth_date", Text),
            ("birth_place_cog", Text),
            ("ins_matricule", Text),
            ("ins_oid", Text),
            ("high_trust_document", Int),
            ("from_insi", Int),
            ("homonyme", Int),
            ("douteuse", Int),
            ("fictive", Int),
            ("status", Text),
            ("version", Int),
            ("created_at", Int),
            ("updated_at", Int),
            ("changed_seq", Int),
            ("justificatif", Text),
            ("insi_verifie_le", Int),
            ("structure_id", Text),
        ],
    },
    Table {
        name: "audit_event",
        key: "seq",
        columns: &[
            ("seq", Int),
            ("at", Int),
            ("actor", Text),
            ("action", Text),
            ("patient_id", Text),
            ("detail", Text),
            ("prev_hash", Text),
            ("hash", Text),
        ],
    },
    Table {
        name: "episode",
        key: "id",
        columns: &[
            ("id", Text),
            ("patient_id", Text),
            ("label", Text),
            ("opened_at", Int),
            ("closed_at", Int),
        ],
    },
    Table {
        name: "dmp_decision",
        key: "episode_id, seq",
        columns: &[
            ("episode_id", Text),
            ("seq", Int),
            ("kind", Text),
            ("value", Text),
            ("at", Int),
            ("actor", Text),
        ],
    },
    Table {
        name: "patient_contact",
        key: "patient_id",
        columns: &[
            ("patient_id", Text),
            ("address", Text),
            ("postal_code", Text),
            ("city", Text),
            ("phone", Text),
            ("mobile", Text),
            ("email", Text),
            ("updated_at", Int),
            ("version", Int),
            ("modifie_par", Text),
        ],
    },
    Table {
        name: "care_team_member",
        key: "id",
        columns: &[
            ("id", Text),
            ("patient_id", Text),
            ("name", Text),
            ("profession", Text),
            ("rpps", Text),
            ("mssante", Text),
            ("relation", Text),
            ("created_at", Int),
            ("removed_at", Int),
        ],
    },
    Table {
        name: "encounter",
        key: "id",
        columns: &[
            ("id", Text),
            ("patient_id", Text),
            ("episode_id", Text),
            ("author", Text),
            ("date", Text),
            ("reason", Text),
            ("note", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("version", Int),
            ("modifie_par", Text),
        ],
    },
    Table {
        name: "clinical_entry",
        key: "id",
        columns: &[
            ("id", Text),
            ("patient_id", Text),
            ("encounter_id", Text),
            ("kind", Text),
            ("label", Text),
            ("date", Text),
            ("data", Text),
            ("author", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("version", Int),
            ("deleted_at", Int),
            ("modifie_par", Text),
        ],
    },
    Table {
        name: "version_historique",
        key: "id",
        columns: &[
            ("id", Text),
            ("objet", Text),
            ("objet_id", Text),
            ("patient_id", Text),
            ("version", Int),
            ("operation", Text),
            ("contenu", Text),
            ("auteur", Text),
            ("fait_le", Int),
            ("motif", Text),
        ],
    },
    Table {
        name: "document",
        key: "id",
        columns: &[
            ("id", Text),
            ("patient_id", Text),
            ("set_id", Text),
            ("version_number", Int),
            ("title", Text),
            ("type_code", Text),
            ("type_display", Text),
            ("format", Text),
            ("act_date", Text),
            ("provenance", Text),
            ("author", Text),
            ("created_at", Int),
            ("status", Text),
            ("superseded_by", Text),
            ("dmp_state", Text),
            ("mssante_state", Text),
            ("masque_aux_professionnels", Int),
            ("invisible_au_patient", Int),
            ("invisible_aux_representants", Int),
            ("sha256", Text),
            ("size", Int),
        ],
    },
    Table {
        name: "document_content",
        key: "document_id",
        columns: &[("document_id", Text), ("bytes", Blob)],
    },
    Table {
        name: "document_form",
        key: "document_id",
        columns: &[("document_id", Text), ("plugin", Text), ("valeurs", Text)],
    },
    Table {
        name: "availability",
        key: "id",
        columns: &[
            ("id", Text),
            ("practitioner_id", Text),
            ("site_id", Text),
            ("weekday", Int),
            ("start_time", Text),
            ("end_time", Text),
            ("slot_minutes", Int),
            ("valid_from", Text),
            ("valid_until", Text),
            ("created_at", Int),
        ],
    },
    Table {
        name: "appointment",
        key: "id",
        columns: &[
            ("id", Text),
            ("practitioner_id", Text),
            ("site_id", Text),
            ("patient_id", Text),
            ("start_min", Int),
            ("end_min", Int),
            ("reason", Text),
            ("status", Text),
            ("arrived_at", Int),
            ("created_at", Int),
            ("updated_at", Int),
            ("version", Int),
        ],
    },
    Table {
        name: "outbox",
        key: "id",
        columns: &[
            ("id", Text),
            ("created_at", Int),
            ("kind", Text),
            ("payload", Text),
            ("available_at", Int),
            ("attempts", Int),
            ("claimed_by", Text),
            ("claimed_until", Int),
            ("done_at", Int),
            ("last_error", Text),
            ("label", Text),
            ("patient_id", Text),
            ("cancelled_at", Int),
            ("failed_at", Int),
        ],
    },
    Table {
        name: "insi_resultat",
        key: "patient_id",
        columns: &[
            ("patient_id", Text),
            ("etat", Text),
            ("motif", Text),
            ("version_identite", Int),
            ("demande_le", Int),
            ("termine_le", Int),
            ("prochain_essai", Int),
            ("reponse", Text),
            ("erreur", Text),
        ],
    },
    Table {
        name: "document_vu",
        key: "document_id",
        columns: &[("document_id", Text), ("vu_par", Text), ("vu_le", Int)],
    },
    Table {
        name: "releve_mss",
        key: "adresse",
        columns: &[
            ("adresse", Text),
            ("uidvalidity", Int),
            ("dernier_uid", Int),
            ("releve_le", Int),
        ],
    },
    Table {
        name: "message_mss",
        key: "id",
        columns: &[
            ("id", Text),
            ("structure_id", Text),
            ("adresse", Text),
            ("uidvalidity", Int),
            ("uid", Int),
            ("de", Text),
            ("objet", Text),
            ("recu_le", Int),
            ("provenance", Text),
            ("etat", Text),
            ("raison", Text),
            ("patient_id", Text),
            ("document_id", Text),
            ("cible_id", Text),
            ("cda", Blob),
            ("traite_par", Text),
            ("traite_le", Int),
        ],
    },
    Table {
        name: "resultat_biologie",
        key: "id",
        columns: &[
            ("id", Text),
            ("patient_id", Text),
            ("systeme", Text),
            ("code", Text),
            ("preleve_le", Text),
            ("data", Text),
            ("document_id", Text),
            ("source", Text),
            ("author", Text),
            ("created_at", Int),
        ],
    },
];

/// One value of a row.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum Value {
    Null,
    Int(i64),
    Text(String),
}

fn read_row(row: &sqlx::any::AnyRow, t: &Table) -> Result<Vec<Value>> {
    use base64::Engine as _;
    let mut out = Vec::with_capacity(t.columns.len());
    for (i, (_, ty)) in t.columns.iter().enumerate() {
        out.push(match ty {
            Text => row
                .try_get::<Option<String>, _>(i)?
                .map_or(Value::Null, Value::Text),
            Int => row
                .try_get::<Option<i64>, _>(i)?
                .map_or(Value::Null, Value::Int),
            // Blobs travel as base64 text (their type comes from the table).
            Blob => row
                .try_get::<Option<Vec<u8>>, _>(i)?
                .map_or(Value::Null, |b| {
                    Value::Text(base64::engine::general_purpose::STANDARD.encode(b))
                }),
        });
    }
    Ok(out)
}

/// What a backup holds, as its last line says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    pub counts: BTreeMap<String, i64>,
    /// sha256 over every row of every table, in key order.
    pub content_hash: String,
}

/// Version of the backup format written; restore also reads version 1
/// (before the search index left the database) and 2 (before the INS
/// justificatif and verification date).
/// 4: `document_form` (format 3 backups restore with it empty).
/// 5: the job's label, patient, cancellation and abandonment in `outbox`
/// (older rows restore with them empty).
/// 6: versions of clinical content and who changed it.
/// 7: the patient's structure (older patients join the first structure,
/// as the migration that added it did).
/// 8: an account's PSC link and MSSanté address (older accounts restore
/// with neither: the link is confirmed again at the next PSC sign-in), and
/// where reading each mailbox stopped (`releve_mss`).
/// 9: the MSSanté work list (`message_mss`; older backups restore with it
/// empty).
const FORMAT_VERSION: u32 = 9;

#[derive(serde::Serialize, serde::Deserialize)]
struct Header {
    format: String,
    version: u32,
    created_at: i64,
    source: String,
    tables: Vec<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum Line {
    Row { t: String, r: Vec<Value> },
    End { end: Summary },
}

/// Hashes rows the same way for backup, restore and [`Store::content_hash`].
struct Hasher {
    h: Sha256,
    counts: BTreeMap<String, i64>,
}

impl Hasher {
    fn new() -> Self {
        Self {
            h: Sha256::new(),
            counts: TABLES.iter().map(|t| (t.name.to_string(), 0)).collect(),
        }
    }
    fn row(&mut self, table: &str, json: &[u8]) {
        self.h.update((table.len() as u64).to_le_bytes());
        self.h.update(table.as_bytes());
        self.h.update((json.len() as u64).to_le_bytes());
        self.h.update(json);
        *self.counts.entry(table.to_string()).or_default() += 1;
    }
    fn finish(self) -> Summary {
        Summary {
            counts: self.counts,
            content_hash: hex::encode(self.h.finalize()),
        }
    }
}

/// The key of a backup from its passphrase, its salt and the parameters
/// its header names (argon2id).
pub fn deriver_cle(passphrase: &str, salt: &[u8], kdf: Kdf) -> Result<[u8; 32]> {
    let e = |e: argon2::Error| StoreError::Backup(format!("dérivation de clé: {e}"));
    let params = argon2::Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32)).map_err(e)?;
    let mut key = [0u8; 32];
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(e)?;
    Ok(key)
}

/// The plaintext of a backup file, authenticated chunk by chunk, at most
/// `max` bytes: what `restore` reads before it parses the lines. The key
/// comes from `derive` (salt and parameters of the header), so that the
/// fuzz harness reads envelopes without paying argon2 for each.
pub fn dechiffrer<R: Read>(
    input: R,
    derive: impl FnOnce(&[u8; 16], Kdf) -> Result<[u8; 32]>,
    max: usize,
) -> Result<Vec<u8>> {
    let mut reader = DecryptReader::avec(input, derive)?;
    let mut out = Vec::new();
    while let Some(chunk) = reader.next_chunk()? {
        if out.len() + chunk.len() > max {
            return Err(StoreError::Backup(format!(
                "sauvegarde de plus de {max} octets"
            )));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Plaintext in, encrypted chunks out: `[last: u8][len: u32 BE][ciphertext]`.
struct EncryptWriter<W: Write> {
    out: W,
    enc: Option<EncryptorBE32<ChaCha20Poly1305>>,
    buf: Vec<u8>,
}

fn io_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backup(e.to_string())
}

impl<W: Write> EncryptWriter<W> {
    /// A new backup: the passphrase must be strong enough for a practice's
    /// records (the domain's rule), the key derived with [`Kdf::ACTUEL`].
    fn new(out: W, passphrase: &str) -> Result<Self> {
        esculape_domain::account::check_backup_passphrase(passphrase)?;
        Self::with(out, passphrase, Some(Kdf::ACTUEL))
    }

    /// `kdf`: the parameters written in a version-2 header; `None` writes a
    /// version-1 envelope (tests of old backups only).
    fn with(mut out: W, passphrase: &str, kdf: Option<Kdf>) -> Result<Self> {
        let salt: [u8; 16] = crate::random_bytes()?;
        let nonce: [u8; 7] = crate::random_bytes()?;
        let key = deriver_cle(passphrase, &salt, kdf.unwrap_or(Kdf::V1))?;
        match kdf {
            Some(k) => {
                out.write_all(MAGIC).map_err(io_err)?;
                out.write_all(&k.encode()).map_err(io_err)?;
            }
            None => out.write_all(MAGIC_V1).map_err(io_err)?,
        }
        out.write_all(&salt).map_err(io_err)?;
        out.write_all(&nonce).map_err(io_err)?;
        let cipher = ChaCha20Poly1305::new(&key.into());
        Ok(Self {
            out,
            enc: Some(EncryptorBE32::from_aead(cipher, (&nonce).into())),
            buf: Vec::with_capacity(CHUNK),
        })
    }
    fn write(&mut self, data: &[u8]) -> Result<()> {
        self.buf.extend_from_slice(data);
        while self.buf.len() > CHUNK {
            let rest = self.buf.split_off(CHUNK);
            let chunk = std::mem::replace(&mut self.buf, rest);
            let enc = self.enc.as_mut().ok_or_else(|| io_err("flux clos"))?;
            let ct = enc
                .encrypt_next(chunk.as_slice())
                .map_err(|_| io_err("chiffrement"))?;
            self.frame(0, &ct)?;
        }
        Ok(())
    }
    fn frame(&mut self, last: u8, ct: &[u8]) -> Result<()> {
        self.out.write_all(&[last]).map_err(io_err)?;
        self.out
            .write_all(&(ct.len() as u32).to_be_bytes())
            .map_err(io_err)?;
        self.out.write_all(ct).map_err(io_err)
    }
    fn finish(mut self) -> Result<W> {
        let enc = self.enc.take().ok_or_else(|| io_err("flux clos"))?;
        let last = std::mem::take(&mut self.buf);
        let ct = enc
            .encrypt_last(last.as_slice())
            .map_err(|_| io_err("chiffrement"))?;
        self.frame(1, &ct)?;
        self.out.flush().map_err(io_err)?;
        Ok(self.out)
    }
}

/// Decrypt a whole backup stream into lines, chunk by chunk.
struct DecryptReader<R: Read> {
    input: R,
    dec: Option<DecryptorBE32<ChaCha20Poly1305>>,
    done: bool,
}

fn bad_file() -> StoreError {
    StoreError::Backup("phrase de passe incorrecte, ou fichier altéré ou tronqué".into())
}

impl<R: Read> DecryptReader<R> {
    fn new(input: R, passphrase: &str) -> Result<Self> {
        Self::avec(input, |salt, kdf| deriver_cle(passphrase, salt, kdf))
    }

    /// Reads the envelope's header and derives the key with `derive`
    /// (from the salt and the parameters the header names).
    fn avec(mut input: R, derive: impl FnOnce(&[u8; 16], Kdf) -> Result<[u8; 32]>) -> Result<Self> {
        let mut magic = [0u8; 22];
        input.read_exact(&mut magic).map_err(|_| {
            StoreError::Backup("ce fichier n'est pas une sauvegarde Esculape".into())
        })?;
        let kdf = if &magic == MAGIC {
            let mut b = [0u8; Kdf::ENCODED];
            input.read_exact(&mut b).map_err(|_| bad_file())?;
            Kdf::decode(&b)?
        } else if &magic == MAGIC_V1 {
            Kdf::V1
        } else {
            return Err(StoreError::Backup(
                "ce fichier n'est pas une sauvegarde Esculape (enveloppe de version 1 ou 2)".into(),
            ));
        };
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 7];
        input.read_exact(&mut salt).map_err(|_| bad_file())?;
        input.read_exact(&mut nonce).map_err(|_| bad_file())?;
        let key = derive(&salt, kdf)?;
        let cipher = ChaCha20Poly1305::new(&key.into());
        Ok(Self {
            input,
            dec: Some(DecryptorBE32::from_aead(cipher, (&nonce).into())),
            done: false,
        })
    }
    /// The next plaintext chunk, or None after the authenticated last one.
    fn next_chunk(&mut self) -> Result<Option<Vec<u8>>> {
        if self.done {
            return Ok(None);
        }
        let mut head = [0u8; 5];
        self.input.read_exact(&mut head).map_err(|_| bad_file())?;
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        if len > CHUNK + 16 {
            return Err(bad_file());
        }
        let mut ct = vec![0u8; len];
        self.input.read_exact(&mut ct).map_err(|_| bad_file())?;
        if head[0] == 1 {
            self.done = true;
            let dec = self.dec.take().ok_or_else(bad_file)?;
            dec.decrypt_last(ct.as_slice())
                .map(Some)
                .map_err(|_| bad_file())
        } else {
            let dec = self.dec.as_mut().ok_or_else(bad_file)?;
            dec.decrypt_next(ct.as_slice())
                .map(Some)
                .map_err(|_| bad_file())
        }
    }
}

impl Store {
    /// Start a read-only snapshot transaction.
    async fn snapshot(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// Walk every row of the practice in one snapshot.
    async fn each_row(&self, mut f: impl FnMut(&Table, Vec<Value>) -> Result<()>) -> Result<()> {
        use futures_util::TryStreamExt as _;
        let mut tx = self.snapshot().await?;
        for t in TABLES {
            let cols: Vec<&str> = t.columns.iter().map(|c| c.0).collect();
            let sql = format!(
                "SELECT {} FROM {} ORDER BY {}",
                cols.join(", "),
                t.name,
                t.key
            );
            let mut rows = sqlx::query(&sql).fetch(&mut *tx);
            while let Some(row) = rows.try_next().await? {
                f(t, read_row(&row, t)?)?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Counts and hash of everything, as a backup of this instant would
    /// record them.
    pub async fn content_summary(&self) -> Result<Summary> {
        let mut h = Hasher::new();
        self.each_row(|t, row| {
            let json = serde_json::to_vec(&row).map_err(io_err)?;
            h.row(t.name, &json);
            Ok(())
        })
        .await?;
        Ok(h.finish())
    }

    /// Write an encrypted, consistent backup to `out`; returns its summary.
    pub async fn backup<W: Write>(&self, out: W, passphrase: &str) -> Result<(W, Summary)> {
        self.backup_with_progress(out, passphrase, |_| {}).await
    }

    /// [`Store::backup`], calling `progress` with the rows written so far
    /// every [`PROGRESS_EVERY`] rows.
    pub async fn backup_with_progress<W: Write>(
        &self,
        out: W,
        passphrase: &str,
        mut progress: impl FnMut(u64),
    ) -> Result<(W, Summary)> {
        let mut rows = 0u64;
        let mut w = EncryptWriter::new(out, passphrase)?;
        let header = Header {
            format: "esculape-sauvegarde".into(),
            version: FORMAT_VERSION,
            created_at: self.now(),
            source: format!("{:?}", self.backend).to_lowercase(),
            tables: TABLES.iter().map(|t| t.name.to_string()).collect(),
        };
        let mut line = serde_json::to_vec(&header).map_err(io_err)?;
        line.push(b'\n');
        w.write(&line)?;
        let mut h = Hasher::new();
        self.each_row(|t, row| {
            let json = serde_json::to_vec(&row).map_err(io_err)?;
            h.row(t.name, &json);
            let line = serde_json::to_vec(&Line::Row {
                t: t.name.to_string(),
                r: row,
            })
            .map_err(io_err)?;
            w.write(&line)?;
            rows += 1;
            if rows.is_multiple_of(PROGRESS_EVERY) {
                progress(rows);
            }
            w.write(b"\n")
        })
        .await?;
        let summary = h.finish();
        let mut end = serde_json::to_vec(&Line::End {
            end: summary.clone(),
        })
        .map_err(io_err)?;
        end.push(b'\n');
        w.write(&end)?;
        Ok((w.finish()?, summary))
    }

    /// Restore a backup into this (empty) database.
    pub async fn restore<R: Read>(&self, input: R, passphrase: &str) -> Result<Summary> {
        self.restore_with_progress(input, passphrase, |_| {}).await
    }

    /// [`Store::restore`], calling `progress` with the rows inserted so far
    /// every [`PROGRESS_EVERY`] rows.
    pub async fn restore_with_progress<R: Read>(
        &self,
        input: R,
        passphrase: &str,
        mut progress: impl FnMut(u64),
    ) -> Result<Summary> {
        let mut rows = 0u64;
        let mut reader = DecryptReader::new(input, passphrase)?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        for t in ["patient", "app_user", "audit_event", "structure"] {
            let n: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {t}"))
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            if n > 0 {
                return Err(StoreError::Backup(format!(
                    "la base de destination n'est pas vide ({n} lignes dans {t}): restaurez dans une base neuve"
                )));
            }
        }
        let tables: BTreeMap<&str, &Table> = TABLES.iter().map(|t| (t.name, t)).collect();
        let mut h = Hasher::new();
        let mut pending: Vec<u8> = vec![];
        let mut version = None;
        let mut summary = None;
        while let Some(chunk) = reader.next_chunk()? {
            pending.extend_from_slice(&chunk);
            while let Some(pos) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=pos).collect();
                let line = &line[..line.len() - 1];
                let Some(version) = version else {
                    let head: Header = serde_json::from_slice(line)
                        .map_err(|e| StoreError::Backup(format!("en-tête illisible: {e}")))?;
                    if head.format != "esculape-sauvegarde"
                        || !(1..=FORMAT_VERSION).contains(&head.version)
                    {
                        return Err(StoreError::Backup(format!(
                            "format {} v{} non pris en charge",
                            head.format, head.version
                        )));
                    }
                    version = Some(head.version);
                    continue;
                };
                match serde_json::from_slice::<Line>(line)
                    .map_err(|e| StoreError::Backup(format!("ligne illisible: {e}")))?
                {
                    Line::Row { t, mut r } => {
                        if version == 1 && t == "patient_token" {
                            // Format 1 carried the search index's table.
                            let json = serde_json::to_vec(&r).map_err(io_err)?;
                            h.row("patient_token", &json);
                            continue;
                        }
                        let table = tables
                            .get(t.as_str())
                            .ok_or_else(|| StoreError::Backup(format!("table inconnue {t}")))?;
                        if version < 3 && t == "patient" {
                            // Format 1 predates `changed_seq`, formats 1
                            // and 2 `justificatif` and `insi_verifie_le`:
                            // hashed as written, then completed as the
                            // migrations complete existing rows.
                            let json = serde_json::to_vec(&r).map_err(io_err)?;
                            h.row(table.name, &json);
                            let written = if version == 1 { 19 } else { 20 };
                            if r.len() != written {
                                return Err(StoreError::Backup(format!("ligne de {t} mal formée")));
                            }
                            if version == 1 {
                                r.push(Value::Int(0));
                            }
                            let document = matches!(r.get(10), Some(Value::Int(1)));
                            r.push(if document {
                                Value::Text("piece_identite".into())
                            } else {
                                Value::Null
                            });
                            r.push(Value::Null);
                            r.push(Value::Null); // structure_id, format 7
                            insert_row(&mut tx, table, r).await?;
                            rows += 1;
                            continue;
                        }
                        let json = serde_json::to_vec(&r).map_err(io_err)?;
                        if version < 5 && t == "outbox" && r.len() == 10 {
                            // Before format 5 a job had no label, patient,
                            // cancellation or abandonment: hashed as
                            // written, completed with nothing.
                            r.extend([Value::Null, Value::Null, Value::Null, Value::Null]);
                        }
                        if version < 6 {
                            // Before format 6 nothing said who changed an
                            // encounter or an entry, and contact details
                            // had no version.
                            match (t.as_str(), r.len()) {
                                ("encounter", 10) | ("clinical_entry", 12) => r.push(Value::Null),
                                ("patient_contact", 8) => r.extend([Value::Int(1), Value::Null]),
                                _ => {}
                            }
                        }
                        if version < 7 && t == "patient" && r.len() == 22 {
                            r.push(Value::Null);
                        }
                        if version < 8 && t == "app_user" && r.len() == 14 {
                            r.extend([Value::Null, Value::Null]);
                        }
                        if r.len() != table.columns.len() {
                            return Err(StoreError::Backup(format!("ligne de {t} mal formée")));
                        }
                        h.row(table.name, &json);
                        insert_row(&mut tx, table, r).await?;
                        rows += 1;
                        if rows.is_multiple_of(PROGRESS_EVERY) {
                            progress(rows);
                        }
                    }
                    Line::End { end } => summary = Some(end),
                }
            }
        }
        let expected = summary.ok_or_else(bad_file)?;
        let mut got = h.finish();
        // A table added since the backup was written (format 3 has no
        // `document_form`) is empty here and absent from its summary.
        got.counts
            .retain(|t, n| *n != 0 || expected.counts.contains_key(t));
        if got != expected {
            return Err(StoreError::Backup(
                "contenu différent de l'empreinte de la sauvegarde: rien n'a été restauré".into(),
            ));
        }
        if version.is_some_and(|v| v < 7) {
            sqlx::query(crate::portee::ADOPTION_COMPTES)
                .execute(&mut *tx)
                .await?;
            sqlx::query(crate::portee::ADOPTION)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(got)
    }
}

async fn insert_row(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    t: &Table,
    row: Vec<Value>,
) -> Result<()> {
    use base64::Engine as _;
    let cols: Vec<&str> = t.columns.iter().map(|c| c.0).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        t.name,
        cols.join(", "),
        (1..=cols.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut q = sqlx::query(&sql);
    for ((name, ty), v) in t.columns.iter().zip(row) {
        let bad = || StoreError::Backup(format!("valeur de {}.{name} mal typée", t.name));
        q = match (ty, v) {
            (Text, Value::Text(s)) => q.bind(Some(s)),
            (Text, Value::Null) => q.bind(None::<String>),
            (Int, Value::Int(i)) => q.bind(Some(i)),
            (Int, Value::Null) => q.bind(None::<i64>),
            (Blob, Value::Text(s)) => q.bind(Some(
                base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map_err(|_| bad())?,
            )),
            (Blob, Value::Null) => q.bind(None::<Vec<u8>>),
            _ => return Err(bad()),
        };
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Value::{Int, Null, Text};

    /// A backup written before the search index left the database (format
    /// 1: a `patient_token` table, patients without `changed_seq`).
    #[tokio::test]
    async fn a_format_1_backup_still_restores() {
        let pass = "phrase de passe de test";
        let id = "0123456789abcdef0123456789abcdef";
        let patient = vec![
            Text("DUPONT".into()),
            Null,
            Text("[\"JEAN\"]".into()),
            Null,
            Text("M".into()),
            Text("1980-05-02".into()),
            Text("75056".into()),
            Null,
            Null,
            Int(0),
            Int(0),
            Int(0),
            Int(0),
            Int(0),
            Text("provisoire".into()),
            Int(1),
            Int(0),
            Int(0),
        ];
        let mut patient_row = vec![Text(id.into())];
        patient_row.extend(patient);
        let rows = [
            ("patient", patient_row),
            (
                "patient_token",
                vec![Text("DUPONT".into()), Text(id.into())],
            ),
        ];
        // Written before the envelope carried its key derivation (v1).
        let mut w = EncryptWriter::with(Vec::new(), pass, None).unwrap();
        let head = Header {
            format: "esculape-sauvegarde".into(),
            version: 1,
            created_at: 0,
            source: "sqlite".into(),
            tables: vec!["patient".into(), "patient_token".into()],
        };
        let mut h = Hasher::new();
        let mut out = serde_json::to_vec(&head).unwrap();
        out.push(b'\n');
        for (t, r) in rows {
            h.row(t, &serde_json::to_vec(&r).unwrap());
            out.extend(serde_json::to_vec(&Line::Row { t: t.into(), r }).unwrap());
            out.push(b'\n');
        }
        // Written before `document_form` existed.
        let mut end = h.finish();
        end.counts.remove("document_form");
        out.extend(serde_json::to_vec(&Line::End { end }).unwrap());
        out.push(b'\n');
        w.write(&out).unwrap();
        let bytes = w.finish().unwrap();

        let t = crate::testing::sqlite().await.unwrap();
        let summary = t.store.restore(&bytes[..], pass).await.unwrap();
        assert_eq!(summary.counts["patient_token"], 1);
        let found = t
            .store
            .search_patients(&crate::Actor::user("t"), "dupont jean", 20)
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, id);
    }

    /// A backup written before the job runner (format 4: outbox rows of
    /// ten columns) restores, its job waiting, with no label or patient.
    #[tokio::test]
    async fn a_format_4_outbox_row_restores_as_a_waiting_job() {
        let pass = "phrase de passe de test";
        let job = vec![
            Text("j1".into()),
            Int(1),
            Text("dmp.alimentation".into()),
            Text("{}".into()),
            Int(1),
            Int(0),
            Null,
            Null,
            Null,
            Null,
        ];
        let mut w = EncryptWriter::new(Vec::new(), pass).unwrap();
        let head = Header {
            format: "esculape-sauvegarde".into(),
            version: 4,
            created_at: 0,
            source: "sqlite".into(),
            tables: vec!["outbox".into()],
        };
        let mut h = Hasher::new();
        let mut out = serde_json::to_vec(&head).unwrap();
        out.push(b'\n');
        h.row("outbox", &serde_json::to_vec(&job).unwrap());
        out.extend(
            serde_json::to_vec(&Line::Row {
                t: "outbox".into(),
                r: job,
            })
            .unwrap(),
        );
        out.push(b'\n');
        let end = h.finish();
        out.extend(serde_json::to_vec(&Line::End { end }).unwrap());
        out.push(b'\n');
        w.write(&out).unwrap();
        let bytes = w.finish().unwrap();

        let t = crate::testing::sqlite().await.unwrap();
        let summary = t.store.restore(&bytes[..], pass).await.unwrap();
        assert_eq!(summary.counts["outbox"], 1);
        let j = t.store.travail("j1").await.unwrap();
        assert_eq!(j.etat, crate::outbox::EtatTravail::EnAttente);
        assert_eq!(j.label, "dmp.alimentation");
        assert_eq!(j.patient_id, None);
    }
}
