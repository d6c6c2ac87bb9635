//! Patients: identity records, prefix search, audited access.

use crate::audit;
use crate::db::Store;
use crate::{Actor, Result, StoreError, new_id, now_millis};
use esculape_domain::identity::normalize_name;
use esculape_domain::{BirthDate, Identity, IdentityAttributes, IdentityStatus, Ins, InsOid, Sex};
use sqlx::Row;
use std::collections::BTreeSet;

/// A stored patient.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PatientRecord {
    pub id: String,
    pub identity: Identity,
    /// Optimistic concurrency: an update names the version it read.
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PatientSummary {
    pub id: String,
    pub birth_name: String,
    pub used_name: Option<String>,
    pub first_names: String,
    pub birth_date: String,
    pub sex: String,
    pub status: IdentityStatus,
}

/// The search tokens of an identity: each name part, each first name, the
/// birth date (AAAAMMJJ, so that "1980" finds the year) and the INS.
pub fn tokens(id: &Identity) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut names = vec![id.birth_name.clone()];
    names.extend(id.used_name.clone());
    names.extend(id.birth_first_names.iter().cloned());
    names.extend(id.used_first_name.clone());
    for n in names {
        out.insert(n.clone());
        for part in n.split([' ', '-', '\'']).filter(|p| !p.is_empty()) {
            out.insert(part.to_string());
        }
    }
    let d = id.birth_date;
    out.insert(format!("{:04}{:02}{:02}", d.year, d.month, d.day));
    if let Some(ins) = &id.ins {
        out.insert(ins.matricule.clone());
    }
    out
}

/// Query words to token prefixes: names normalised like the stored names;
/// dates typed JJ/MM/AAAA become AAAAMMJJ.
pub fn query_prefixes(query: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in query.split_whitespace() {
        let date: Vec<&str> = word.split(['/', '.']).collect();
        if date.len() == 3 && date.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) {
            out.push(format!("{:0>4}{:0>2}{:0>2}", date[2], date[1], date[0]));
            continue;
        }
        if word.chars().all(|c| c.is_ascii_alphanumeric())
            && word.chars().any(|c| c.is_ascii_digit())
        {
            out.push(word.to_ascii_uppercase());
            continue;
        }
        let n = normalize_name(word);
        out.extend(
            n.split([' ', '-', '\''])
                .filter(|p| !p.is_empty())
                .map(String::from),
        );
    }
    out.truncate(6);
    out
}

fn b(v: bool) -> i64 {
    v as i64
}

const COLUMNS: &str = "id, birth_name, used_name, birth_first_names, used_first_name, sex, birth_date, birth_place_cog, ins_matricule, ins_oid, high_trust_document, from_insi, homonyme, douteuse, fictive, status, version, created_at, updated_at";

/// The identity columns, in the order [`bind_identity`] binds them ($1–$15).
const IDENTITY_COLUMNS: &str = "birth_name, used_name, birth_first_names, used_first_name, sex, birth_date, birth_place_cog, ins_matricule, ins_oid, high_trust_document, from_insi, homonyme, douteuse, fictive, status";

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
    };
    Ok(PatientRecord {
        id: get_s(0)?,
        identity,
        version: row.try_get(16)?,
        created_at: row.try_get(17)?,
        updated_at: row.try_get(18)?,
    })
}

fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

pub(crate) async fn fetch_record(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: &str,
) -> Result<PatientRecord> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM patient WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("patient {id}")))?;
    row_record(&row)
}

async fn write_tokens(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    patient_id: &str,
    identity: &Identity,
) -> Result<()> {
    sqlx::query("DELETE FROM patient_token WHERE patient_id = $1")
        .bind(patient_id.to_string())
        .execute(&mut **tx)
        .await?;
    for t in tokens(identity) {
        sqlx::query("INSERT INTO patient_token (token, patient_id) VALUES ($1, $2)")
            .bind(t)
            .bind(patient_id.to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Insert a patient row and its search tokens (creation, import).
pub(crate) async fn insert_record(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    rec: &PatientRecord,
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
        "INSERT INTO patient ({IDENTITY_COLUMNS}, id, version, created_at, updated_at) VALUES ({}, $16, $17, $18, $19)",
        (1..=15)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let r = bind_identity(sqlx::query(&sql), &rec.identity)
        .bind(rec.id.clone())
        .bind(rec.version)
        .bind(rec.created_at)
        .bind(rec.updated_at)
        .execute(&mut **tx)
        .await;
    if let Err(e) = r {
        return Err(if unique_violation(&e) {
            StoreError::Duplicate("une autre identité porte déjà cette INS".into())
        } else {
            e.into()
        });
    }
    write_tokens(tx, &rec.id, &rec.identity).await
}

impl Store {
    /// Create a patient; traced as `patient.create`.
    pub async fn create_patient(&self, actor: &Actor, identity: Identity) -> Result<PatientRecord> {
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let now = now_millis();
        let rec = PatientRecord {
            id: new_id(),
            identity,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        insert_record(&mut tx, &rec).await?;
        let detail = format!("statut={}", rec.identity.status.code());
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "patient.create",
            Some(&rec.id),
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(rec)
    }

    /// Read a patient; traced as `patient.read`.
    pub async fn patient(&self, actor: &Actor, id: &str) -> Result<PatientRecord> {
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let rec = fetch_record(&mut tx, id).await?;
        audit::append(&mut tx, self.backend, actor, "patient.read", Some(id), "").await?;
        tx.commit().await?;
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
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let before = fetch_record(&mut tx, id).await?;
        if before.version != expected_version {
            return Err(StoreError::Conflict {
                expected: expected_version,
                found: before.version,
            });
        }
        let now = now_millis();
        let sets: Vec<String> = IDENTITY_COLUMNS
            .split(", ")
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        let sql = format!(
            "UPDATE patient SET {}, version = version + 1, updated_at = $16 WHERE id = $17 AND version = $18",
            sets.join(", ")
        );
        let r = bind_identity(sqlx::query(&sql), &identity)
            .bind(now)
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
        write_tokens(&mut tx, id, &identity).await?;
        let detail = if before.identity.status != identity.status {
            format!(
                "statut {}→{}",
                before.identity.status.code(),
                identity.status.code()
            )
        } else {
            String::new()
        };
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "patient.update",
            Some(id),
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(PatientRecord {
            id: id.to_string(),
            identity,
            version: expected_version + 1,
            created_at: before.created_at,
            updated_at: now,
        })
    }

    /// Prefix search over names, first names, birth date and INS, every
    /// word of the query matching (in any order); traced as
    /// `patient.search` (the query text, not the results).
    pub async fn search_patients(
        &self,
        actor: &Actor,
        query: &str,
        limit: i64,
    ) -> Result<Vec<PatientSummary>> {
        let prefixes = query_prefixes(query);
        if prefixes.is_empty() {
            return Ok(vec![]);
        }
        // One range condition per word: token >= prefix AND token < next.
        let mut sql = String::from(
            "SELECT id, birth_name, used_name, birth_first_names, birth_date, sex, status FROM patient WHERE 1 = 1",
        );
        let mut n = 0;
        for _ in &prefixes {
            sql.push_str(&format!(
                " AND id IN (SELECT patient_id FROM patient_token WHERE token >= ${} AND token < ${})",
                n + 1,
                n + 2
            ));
            n += 2;
        }
        sql.push_str(&format!(
            " ORDER BY birth_name, birth_first_names LIMIT ${}",
            n + 1
        ));
        let mut q = sqlx::query(&sql);
        for p in &prefixes {
            // The upper bound: the prefix followed by the highest character.
            q = q.bind(p.clone()).bind(format!("{p}\u{10FFFF}"));
        }
        let rows = q.bind(limit.clamp(1, 200)).fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let names: Vec<String> = serde_json::from_str(&row.try_get::<String, _>(3)?)
                .map_err(|_| corrupt("prénoms"))?;
            out.push(PatientSummary {
                id: row.try_get(0)?,
                birth_name: row.try_get(1)?,
                used_name: row.try_get(2)?,
                first_names: names.join(" "),
                birth_date: row.try_get(4)?,
                sex: row.try_get(5)?,
                status: IdentityStatus::from_code(&row.try_get::<String, _>(6)?)
                    .ok_or_else(|| corrupt("statut"))?,
            });
        }
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let detail = format!("requête «{}», {} résultat(s)", query.trim(), out.len());
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "patient.search",
            None,
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
