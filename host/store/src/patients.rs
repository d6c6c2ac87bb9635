//! Patients: identity records, prefix search, audited access.

use crate::audit;
use crate::db::Store;
use crate::portee::Cible;
use crate::search::{Item, SearchIndex};
use crate::{Actor, Result, StoreError, new_id, now_millis};
use esculape_domain::{
    BirthDate, Identity, IdentityAttributes, IdentityStatus, Ins, InsOid, Justificatif, Sex,
};
use sqlx::Row;

pub use esculape_api_types::dossier::PatientRecord;
/// One search result.
pub use esculape_domain::identity::PatientSummary;

fn b(v: bool) -> i64 {
    v as i64
}

const COLUMNS: &str = "id, birth_name, used_name, birth_first_names, used_first_name, sex, birth_date, birth_place_cog, ins_matricule, ins_oid, high_trust_document, from_insi, homonyme, douteuse, fictive, status, version, created_at, updated_at, justificatif, insi_verifie_le";

/// The identity columns, in the order [`bind_identity`] binds them ($1–$16).
const IDENTITY_COLUMNS: &str = "birth_name, used_name, birth_first_names, used_first_name, sex, birth_date, birth_place_cog, ins_matricule, ins_oid, high_trust_document, from_insi, homonyme, douteuse, fictive, status, justificatif";
const N_IDENTITY: usize = 16;

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

fn bind_identity<'q>(q: AnyQuery<'q>, identity: &Identity) -> AnyQuery<'q> {
    q.bind(identity.birth_name.clone())
        .bind(identity.used_name.clone())
        .bind(serde_json::to_string(&identity.birth_first_names).unwrap_or_default())
        .bind(identity.used_first_name.clone())
        .bind(identity.sex.code())
        .bind(identity.birth_date.to_string())
        .bind(identity.birth_place_cog.clone())
        .bind(identity.ins.as_ref().map(|i| i.matricule.clone()))
        .bind(identity.ins.as_ref().map(|i| i.oid.oid().to_string()))
        .bind(b(identity.high_trust_document))
        .bind(b(identity.from_insi))
        .bind(b(identity.attributes.homonyme))
        .bind(b(identity.attributes.douteuse))
        .bind(b(identity.attributes.fictive))
        .bind(identity.status.code())
        .bind(identity.justificatif.map(|j| j.code()))
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn row_record(row: &sqlx::any::AnyRow) -> Result<PatientRecord> {
    let get_s = |i: usize| -> Result<String> { Ok(row.try_get::<String, _>(i)?) };
    let get_o = |i: usize| -> Result<Option<String>> { Ok(row.try_get::<Option<String>, _>(i)?) };
    let get_b = |i: usize| -> Result<bool> { Ok(row.try_get::<i64, _>(i)? != 0) };
    let first_names: Vec<String> =
        serde_json::from_str(&get_s(3)?).map_err(|_| corrupt("prénoms de naissance"))?;
    let ins = match (get_o(8)?, get_o(9)?) {
        (Some(m), Some(o)) => Some(Ins {
            matricule: m,
            oid: InsOid::from_oid(&o).ok_or_else(|| corrupt("OID d'INS"))?,
        }),
        _ => None,
    };
    let identity = Identity {
        birth_name: get_s(1)?,
        used_name: get_o(2)?,
        birth_first_names: first_names,
        used_first_name: get_o(4)?,
        sex: Sex::from_code(&get_s(5)?).ok_or_else(|| corrupt("sexe"))?,
        birth_date: BirthDate::parse(&get_s(6)?).map_err(|_| corrupt("date de naissance"))?,
        birth_place_cog: get_o(7)?,
        ins,
        high_trust_document: get_b(10)?,
        from_insi: get_b(11)?,
        attributes: IdentityAttributes {
            homonyme: get_b(12)?,
            douteuse: get_b(13)?,
            fictive: get_b(14)?,
        },
        status: IdentityStatus::from_code(&get_s(15)?).ok_or_else(|| corrupt("statut"))?,
        justificatif: match get_o(19)? {
            Some(j) => Some(Justificatif::from_code(&j).ok_or_else(|| corrupt("justificatif"))?),
            None => None,
        },
    };
    Ok(PatientRecord {
        id: get_s(0)?,
        identity,
        version: row.try_get(16)?,
        created_at: row.try_get(17)?,
        updated_at: row.try_get(18)?,
        insi_verifie_le: row.try_get(20)?,
    })
}

fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

pub(crate) async fn fetch_record(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<PatientRecord> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM patient WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("patient {id}")))?;
    row_record(&row)
}

/// Insert a patient row (creation, import); `changed_seq` is the audit
/// event of the transaction, appended before (see [`crate::search`]).
pub(crate) async fn insert_record(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    rec: &PatientRecord,
    changed_seq: i64,
    structure: Option<&str>,
) -> Result<()> {
    if sqlx::query("SELECT 1 FROM patient WHERE id = $1")
        .bind(rec.id.clone())
        .fetch_optional(&mut **tx)
        .await?
        .is_some()
    {
        return Err(StoreError::Duplicate(format!(
            "patient {} déjà présent",
            rec.id
        )));
    }
    let sql = format!(
        "INSERT INTO patient ({IDENTITY_COLUMNS}, id, version, created_at, updated_at, changed_seq, insi_verifie_le, structure_id) VALUES ({})",
        placeholders(1, N_IDENTITY + 7)
    );
    let r = bind_identity(sqlx::query(&sql), &rec.identity)
        .bind(rec.id.clone())
        .bind(rec.version)
        .bind(rec.created_at)
        .bind(rec.updated_at)
        .bind(changed_seq)
        .bind(rec.insi_verifie_le)
        .bind(structure.map(str::to_string))
        .execute(&mut **tx)
        .await;
    match r {
        Err(e) if unique_violation(&e) => Err(StoreError::Duplicate(
            "une autre identité porte déjà cette INS".into(),
        )),
        Err(e) => Err(e.into()),
        Ok(_) => Ok(()),
    }
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Create many patients in one transaction (migration from another
    /// software, benchmarks), traced as one `patient.import` event naming
    /// how many. Multi-row inserts: a million identities load in about a
    /// minute.
    pub async fn import_identities(
        &self,
        actor: &Actor,
        identities: Vec<Identity>,
    ) -> Result<Vec<String>> {
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let structure = crate::portee::structure_de_creation(&mut tx, actor).await?;
        let event = audit::append(
            &mut tx,
            self.backend,
            actor,
            "patient.import",
            None,
            &format!("{} identités", identities.len()),
        )
        .await?;
        let now = now_millis();
        let mut ids = Vec::with_capacity(identities.len());
        // 22 columns × 500 rows stays under SQLite's 32 766 bound values.
        const N: usize = N_IDENTITY + 6;
        for chunk in identities.chunks(500) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|r| format!("({})", placeholders(r * N + 1, N)))
                .collect();
            let sql = format!(
                "INSERT INTO patient ({IDENTITY_COLUMNS}, id, version, created_at, updated_at, changed_seq, structure_id) VALUES {}",
                rows.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for identity in chunk {
                let id = new_id();
                q = bind_identity(q, identity)
                    .bind(id.clone())
                    .bind(1i64)
                    .bind(now)
                    .bind(now)
                    .bind(event.seq)
                    .bind(structure.clone());
                ids.push(id);
            }
            q.execute(&mut *tx).await.map_err(|e| {
                if unique_violation(&e) {
                    StoreError::Duplicate("une autre identité porte déjà cette INS".into())
                } else {
                    e.into()
                }
            })?;
        }
        tx.commit().await?;
        if self.backend == crate::Backend::Sqlite {
            // A bulk load leaves a large WAL; fold it back at once.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(ids)
    }

    /// Create a patient; traced as `patient.create`.
    pub async fn create_patient(&self, actor: &Actor, identity: Identity) -> Result<PatientRecord> {
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let structure = crate::portee::structure_de_creation(&mut tx, actor).await?;
        let now = now_millis();
        let rec = PatientRecord {
            id: new_id(),
            identity,
            version: 1,
            created_at: now,
            updated_at: now,
            insi_verifie_le: None,
        };
        let detail = format!("statut={}", rec.identity.status.code());
        let event = audit::append(
            &mut tx,
            self.backend,
            actor,
            "patient.create",
            Some(&rec.id),
            &detail,
        )
        .await?;
        insert_record(&mut tx, &rec, event.seq, structure.as_deref()).await?;
        crate::historique::garder(
            &mut tx,
            crate::historique::NouvelleVersion {
                objet: crate::historique::ObjetHistorise::Identite,
                objet_id: &rec.id,
                patient_id: &rec.id,
                version: 1,
                operation: crate::historique::OperationVersion::Creation,
                contenu: &rec.identity,
                auteur: &actor.user_id,
                fait_le: now,
                motif: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(rec)
    }

    /// Read a patient; traced as `patient.read`.
    pub async fn patient(&self, actor: &Actor, id: &str) -> Result<PatientRecord> {
        self.verifier_portee(actor, Cible::Patient(id)).await?;
        let rec = fetch_record(&mut *self.pool.acquire().await?, id).await?;
        self.trace(actor, "patient.read", Some(id), "").await?;
        Ok(rec)
    }

    /// Replace the identity of a patient read at `expected_version`; traced
    /// as `patient.update` with the status change if any.
    pub async fn update_identity(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        identity: Identity,
    ) -> Result<PatientRecord> {
        self.change_identity(actor, id, expected_version, None, |_| Ok(identity))
            .await
    }

    /// A user's change of an identity ([`Identity::saisie`]), decided on
    /// the stored identity in the writing transaction.
    pub async fn saisir_identite(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        new: esculape_domain::NewIdentity,
        today: esculape_domain::BirthDate,
        motif: Option<&str>,
    ) -> Result<PatientRecord> {
        let motif = esculape_domain::record::motif(motif)?;
        self.change_identity(actor, id, expected_version, motif.as_deref(), |avant| {
            Ok(Identity::saisie(new, Some(avant), today)?)
        })
        .await
    }

    /// The identity `make` builds from the stored one replaces it (the
    /// one before stays in the history); a changed INS forgets the date
    /// of its last INSi verification.
    async fn change_identity(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        motif: Option<&str>,
        make: impl FnOnce(&Identity) -> Result<Identity>,
    ) -> Result<PatientRecord> {
        self.verifier_portee(actor, Cible::Patient(id)).await?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let before = fetch_record(&mut tx, id).await?;
        if before.version != expected_version {
            return Err(StoreError::Conflict {
                expected: expected_version,
                found: before.version,
            });
        }
        let identity = make(&before.identity)?;
        // who made the identity being replaced, from the audit trail (for
        // a state older than the history)
        let auteur_avant: Option<String> = sqlx::query(
            "SELECT actor FROM audit_event WHERE patient_id = $1 AND action IN ('patient.create', 'patient.update', 'import') ORDER BY seq DESC LIMIT 1",
        )
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
        let verifie_le = if before.identity.ins == identity.ins {
            before.insi_verifie_le
        } else {
            None
        };
        let detail = if before.identity.status != identity.status {
            format!(
                "statut {}→{}",
                before.identity.status.code(),
                identity.status.code()
            )
        } else {
            String::new()
        };
        let event = audit::append(
            &mut tx,
            self.backend,
            actor,
            "patient.update",
            Some(id),
            &detail,
        )
        .await?;
        let now = now_millis();
        let sets: Vec<String> = IDENTITY_COLUMNS
            .split(", ")
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        let sql = format!(
            "UPDATE patient SET {}, version = version + 1, updated_at = ${}, changed_seq = ${}, insi_verifie_le = ${} WHERE id = ${} AND version = ${}",
            sets.join(", "),
            N_IDENTITY + 1,
            N_IDENTITY + 2,
            N_IDENTITY + 3,
            N_IDENTITY + 4,
            N_IDENTITY + 5,
        );
        let r = bind_identity(sqlx::query(&sql), &identity)
            .bind(now)
            .bind(event.seq)
            .bind(verifie_le)
            .bind(id.to_string())
            .bind(expected_version)
            .execute(&mut *tx)
            .await;
        match r {
            Err(e) if unique_violation(&e) => {
                return Err(StoreError::Duplicate(
                    "une autre identité porte déjà cette INS".into(),
                ));
            }
            Err(e) => return Err(e.into()),
            Ok(done) if done.rows_affected() != 1 => {
                return Err(StoreError::Conflict {
                    expected: expected_version,
                    found: expected_version + 1,
                });
            }
            Ok(_) => {}
        }
        // the identity before: its author is the last change's traced one
        crate::historique::reprendre(
            &mut tx,
            crate::historique::NouvelleVersion {
                objet: crate::historique::ObjetHistorise::Identite,
                objet_id: id,
                patient_id: id,
                version: expected_version,
                operation: crate::historique::OperationVersion::Reprise,
                contenu: &before.identity,
                auteur: auteur_avant
                    .as_deref()
                    .unwrap_or(crate::historique::AUTEUR_INCONNU),
                fait_le: before.updated_at,
                motif: None,
            },
        )
        .await?;
        crate::historique::garder(
            &mut tx,
            crate::historique::NouvelleVersion {
                objet: crate::historique::ObjetHistorise::Identite,
                objet_id: id,
                patient_id: id,
                version: expected_version + 1,
                operation: crate::historique::OperationVersion::Modification,
                contenu: &identity,
                auteur: &actor.user_id,
                fait_le: now,
                motif,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(PatientRecord {
            id: id.to_string(),
            identity,
            version: expected_version + 1,
            created_at: before.created_at,
            updated_at: now,
            insi_verifie_le: verifie_le,
        })
    }

    /// Prefix search over names, first names, birth date and INS, every
    /// word of the query matching (in any order); traced as
    /// `patient.search` (the query text and the number of results).
    ///
    /// Answered from the in-memory index ([`crate::search`]) once it has
    /// read the patients changed since its last search; the trace is one
    /// statement ([`Store::trace`]).
    pub async fn search_patients(
        &self,
        actor: &Actor,
        query: &str,
        limit: i64,
    ) -> Result<Vec<PatientSummary>> {
        let words = crate::search::query_words(query);
        if words.is_empty() {
            return Ok(vec![]);
        }
        let limit = limit.clamp(1, 200) as usize;
        self.refresh_search().await?;
        let rows = self
            .search
            .read()
            .map_err(|_| poisoned())?
            .as_ref()
            .map(|ix| ix.search(&words, limit, &actor.structure_sql()))
            .unwrap_or_default();
        let mut out = rows.iter().map(|r| shown(r)).collect::<Result<Vec<_>>>()?;
        out.sort_by(|a, b| {
            (&a.birth_name, &a.first_names, &a.birth_date, &a.id).cmp(&(
                &b.birth_name,
                &b.first_names,
                &b.birth_date,
                &b.id,
            ))
        });
        let detail = format!("requête «{}», {} résultat(s)", query.trim(), out.len());
        self.trace(actor, "patient.search", None, &detail).await?;
        Ok(out)
    }

    /// Load the search index now rather than at the first search (the
    /// server calls it at start: a million patients take a few seconds).
    pub async fn warm_search(&self) -> Result<usize> {
        self.refresh_search().await?;
        Ok(self
            .search
            .read()
            .map_err(|_| poisoned())?
            .as_ref()
            .map_or(0, |ix| ix.len()))
    }

    /// Fold into the index the patients changed since its last change (all
    /// of them the first time). Changes commit in `changed_seq` order (see
    /// [`crate::search`]), so none is skipped.
    async fn refresh_search(&self) -> Result<()> {
        let _loading = self.search_refresh.lock().await;
        let last = self
            .search
            .read()
            .map_err(|_| poisoned())?
            .as_ref()
            .map(|ix| ix.last_seq);
        let Some(last) = last else {
            // Streamed: a million rows never sit in memory at once.
            // One text column per row: the driver's cost is per value.
            use futures_util::TryStreamExt;
            let sql = format!("SELECT {INDEX_ROW} FROM patient");
            let mut rows = sqlx::query(&sql).fetch(&self.pool);
            let mut items = Vec::new();
            let mut last = 0;
            while let Some(row) = rows.try_next().await? {
                let (item, seq) = index_item(row.try_get::<String, _>(0)?)?;
                last = last.max(seq);
                items.push(item);
            }
            let ix = tokio::task::spawn_blocking(move || SearchIndex::build(items, last))
                .await
                .map_err(|_| poisoned())?;
            *self.search.write().map_err(|_| poisoned())? = Some(ix);
            return Ok(());
        };
        let rows = sqlx::query(&format!(
            "SELECT {INDEX_ROW} FROM patient WHERE changed_seq > $1 ORDER BY changed_seq"
        ))
        .bind(last)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut changed = Vec::with_capacity(rows.len());
        for row in &rows {
            changed.push(index_item(row.try_get::<String, _>(0)?)?);
        }
        let mut guard = self.search.write().map_err(|_| poisoned())?;
        if let Some(ix) = guard.as_mut() {
            for (item, seq) in changed {
                ix.upsert(item);
                ix.last_seq = ix.last_seq.max(seq);
            }
        }
        Ok(())
    }
}

fn poisoned() -> StoreError {
    StoreError::Corrupt("index de recherche (une recherche a échoué en plein milieu)".into())
}

/// What the search index reads of a patient, as one text value (fields
/// separated by U+001F, which no stored name or JSON text holds).
const INDEX_ROW: &str = "id || '\u{1f}' || birth_name || '\u{1f}' || COALESCE(used_name, '') || '\u{1f}' || birth_first_names || '\u{1f}' || COALESCE(used_first_name, '') || '\u{1f}' || sex || '\u{1f}' || birth_date || '\u{1f}' || COALESCE(ins_matricule, '') || '\u{1f}' || status || '\u{1f}' || CAST(changed_seq AS TEXT) || '\u{1f}' || COALESCE(structure_id, '')";

/// The fields of an [`INDEX_ROW`] value, and its birth first names.
fn index_fields(row: &str) -> Result<([&str; 11], Vec<String>)> {
    let fields: Vec<&str> = row.split('\u{1f}').collect();
    let fields: [&str; 11] = fields
        .try_into()
        .map_err(|_| corrupt("ligne de l'index de recherche"))?;
    let first = serde_json::from_str(fields[3]).map_err(|_| corrupt("prénoms de naissance"))?;
    Ok((fields, first))
}

/// An [`INDEX_ROW`] value as the index takes it, with its `changed_seq`.
fn index_item(row: String) -> Result<(Item, i64)> {
    let (
        [
            _,
            birth_name,
            used_name,
            _,
            used_first_name,
            _,
            date,
            ins,
            _,
            seq,
            structure,
        ],
        first,
    ) = index_fields(&row)?;
    let birth_date = BirthDate::parse(date).map_err(|_| corrupt("date de naissance"))?;
    let mut names = vec![birth_name, used_name, used_first_name];
    names.extend(first.iter().map(String::as_str));
    let terms = crate::search::terms(&names, birth_date, Some(ins).filter(|i| !i.is_empty()));
    let seq = seq.parse().map_err(|_| corrupt("changed_seq"))?;
    let item = Item {
        terms,
        date: crate::search::yyyymmdd(birth_date),
        structure: structure.into(),
        row,
    };
    Ok((item, seq))
}

/// A search result from its [`INDEX_ROW`].
fn shown(row: &str) -> Result<PatientSummary> {
    let ([id, birth_name, used_name, _, _, sex, date, _, status, _, _], first) = index_fields(row)?;
    Ok(PatientSummary {
        id: id.to_string(),
        birth_name: birth_name.to_string(),
        used_name: Some(used_name.to_string()).filter(|s| !s.is_empty()),
        first_names: first.join(" "),
        birth_date: date.to_string(),
        sex: sex.to_string(),
        status: IdentityStatus::from_code(status).ok_or_else(|| corrupt("statut"))?,
    })
}
