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

/// Version of the token scheme below; a database holding older tokens is
/// re-indexed when the store opens.
pub const TOKENS_VERSION: &str = "3";

/// The search tokens of an identity: each name part, each first name, the
/// birth date (AAAAMMJJ, so that "1980" finds the year), the INS, and each
/// name part prefixed by the birth year (`1980|DUPONT`), so that a query
/// with a year and a short name prefix reads a narrow range, and for each
/// two distinct name parts the first two letters of one before the other
/// (`JE~DUPONT`, `DU~JEAN`), so that two name words read a narrow range.
pub fn tokens(id: &Identity) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut names = vec![id.birth_name.clone()];
    names.extend(id.used_name.clone());
    names.extend(id.birth_first_names.iter().cloned());
    names.extend(id.used_first_name.clone());
    let year = id.birth_date.year;
    for n in names {
        out.insert(n.clone());
        out.insert(format!("{year:04}|{n}"));
        for part in n.split([' ', '-', '\'']).filter(|p| !p.is_empty()) {
            out.insert(part.to_string());
            out.insert(format!("{year:04}|{part}"));
        }
    }
    let parts: BTreeSet<String> = out
        .iter()
        .filter(|t| !t.contains(['|', ' ', '-', '\'']))
        .cloned()
        .collect();
    for a in &parts {
        for b in &parts {
            if a != b {
                out.insert(format!("{}~{b}", a.chars().take(2).collect::<String>()));
            }
        }
    }
    let d = id.birth_date;
    out.insert(format!("{:04}{:02}{:02}", d.year, d.month, d.day));
    if let Some(ins) = &id.ins {
        out.insert(ins.matricule.clone());
    }
    out
}

fn is_year(w: &str) -> bool {
    w.len() == 4
        && w.chars().all(|c| c.is_ascii_digit())
        && w.parse::<u16>().is_ok_and(|y| (1850..=2200).contains(&y))
}

fn is_name(w: &str) -> bool {
    w.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// Query words to token prefixes: names normalised like the stored names;
/// dates typed JJ/MM/AAAA become AAAAMMJJ; a year typed with names narrows
/// each name to that year (`1980 dup` → `1980|DUP`); two name words add
/// their pair (`isa bert` → `IS~BERT`), unless one word could match the
/// same name part as the other.
pub fn query_prefixes(query: &str) -> Vec<String> {
    let mut words = raw_prefixes(query);
    if !words.iter().any(|w| is_year(w)) {
        let mut names: Vec<&String> = words
            .iter()
            .filter(|w| is_name(w) && w.chars().count() >= 2)
            .collect();
        names.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        if let [long, other, ..] = names[..]
            && !long.starts_with(other.as_str())
            && !other.starts_with(long.as_str())
        {
            let pair = format!("{}~{long}", other.chars().take(2).collect::<String>());
            words.push(pair);
        }
    }
    match words.iter().position(|w| is_year(w)) {
        Some(i) if words.iter().any(|w| is_name(w)) => {
            let y = words[i].clone();
            words
                .into_iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, w)| if is_name(&w) { format!("{y}|{w}") } else { w })
                .collect()
        }
        _ => words,
    }
}

fn raw_prefixes(query: &str) -> Vec<String> {
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

/// How narrow a prefix's range is likely to be: a full date or an INS
/// prefix first, then a year-qualified name, then longer prefixes.
fn selectivity(p: &str) -> usize {
    if p.chars().all(|c| c.is_ascii_digit()) {
        if p.len() >= 6 {
            1000 + p.len()
        } else {
            p.len()
        }
    } else if p.contains('~') {
        800 + p.len()
    } else if p.contains('|') {
        500 + p.len()
    } else {
        p.len()
    }
}

/// Multi-row insert of (token, patient) pairs.
async fn insert_tokens(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    pairs: &[(String, String)],
) -> Result<()> {
    for tc in pairs.chunks(5000) {
        let rows: Vec<String> = (0..tc.len())
            .map(|r| format!("(${}, ${})", r * 2 + 1, r * 2 + 2))
            .collect();
        let sql = format!(
            "INSERT INTO patient_token (token, patient_id) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (t, id) in tc {
            q = q.bind(t.clone()).bind(id.clone());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Upper bound of a prefix range: the prefix followed by the highest
/// character.
fn upper(p: &str) -> String {
    format!("{p}\u{10FFFF}")
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Re-index every patient when the stored tokens predate
    /// [`TOKENS_VERSION`] (run when the store opens).
    pub(crate) async fn reindex_if_stale(&self) -> Result<()> {
        let current: Option<String> =
            sqlx::query("SELECT value FROM store_meta WHERE key = 'search_tokens'")
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
        if current.as_deref() == Some(TOKENS_VERSION) {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM patient"))
            .fetch_all(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM patient_token")
            .execute(&mut *tx)
            .await?;
        let mut pairs = Vec::new();
        for r in &rows {
            let rec = row_record(r)?;
            for t in tokens(&rec.identity) {
                pairs.push((t, rec.id.clone()));
            }
        }
        insert_tokens(&mut tx, &pairs).await?;
        sqlx::query("DELETE FROM store_meta WHERE key = 'search_tokens'")
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO store_meta (key, value) VALUES ('search_tokens', $1)")
            .bind(TOKENS_VERSION)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if !rows.is_empty() {
            tracing::info!(
                "index de recherche reconstruit pour {} patients",
                rows.len()
            );
        }
        Ok(())
    }

    /// Patients matching every prefix, in one statement: the most
    /// selective word's range is read in index order, each entry checked
    /// against the other words by an index probe, until enough are found.
    async fn matching(&self, prefixes: &[String], limit: usize) -> Result<Vec<PatientSummary>> {
        let driver = prefixes
            .iter()
            .enumerate()
            .max_by_key(|(i, p)| (selectivity(p), usize::MAX - i))
            .map(|(i, _)| i)
            .unwrap_or(0);
        let mut sql = String::from(
            "SELECT p.id, p.birth_name, p.used_name, p.birth_first_names, p.birth_date, p.sex, p.status FROM patient_token t JOIN patient p ON p.id = t.patient_id WHERE t.token >= $1 AND t.token < $2",
        );
        let mut n = 2;
        for i in 0..prefixes.len() {
            if i == driver {
                continue;
            }
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM patient_token o WHERE o.patient_id = t.patient_id AND o.token >= ${} AND o.token < ${})",
                n + 1,
                n + 2
            ));
            n += 2;
        }
        // A little over the limit: a patient may match the driving word
        // twice (JEAN and JEANNE for "jea"); every row returned costs.
        sql.push_str(&format!(" ORDER BY t.token, t.patient_id LIMIT ${}", n + 1));
        let p = &prefixes[driver];
        let mut q = sqlx::query(&sql).bind(p.clone()).bind(upper(p));
        for (i, p) in prefixes.iter().enumerate() {
            if i != driver {
                q = q.bind(p.clone()).bind(upper(p));
            }
        }
        let rows = q.bind((limit + 4) as i64).fetch_all(&self.pool).await?;
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::with_capacity(limit);
        for row in &rows {
            let id: String = row.try_get(0)?;
            if !seen.insert(id.clone()) || out.len() == limit {
                continue;
            }
            let names: Vec<String> = serde_json::from_str(&row.try_get::<String, _>(3)?)
                .map_err(|_| corrupt("prénoms"))?;
            out.push(PatientSummary {
                id,
                birth_name: row.try_get(1)?,
                used_name: row.try_get(2)?,
                first_names: names.join(" "),
                birth_date: row.try_get(4)?,
                sex: row.try_get(5)?,
                status: IdentityStatus::from_code(&row.try_get::<String, _>(6)?)
                    .ok_or_else(|| corrupt("statut"))?,
            });
        }
        out.sort_by(|a, b| {
            (&a.birth_name, &a.first_names, &a.birth_date, &a.id).cmp(&(
                &b.birth_name,
                &b.first_names,
                &b.birth_date,
                &b.id,
            ))
        });
        Ok(out)
    }

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
        let now = now_millis();
        let mut ids = Vec::with_capacity(identities.len());
        // 19 columns × 500 rows stays under SQLite's 32 766 bound values.
        for chunk in identities.chunks(500) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|r| format!("({})", placeholders(r * 19 + 1, 19)))
                .collect();
            let sql = format!(
                "INSERT INTO patient ({IDENTITY_COLUMNS}, id, version, created_at, updated_at) VALUES {}",
                rows.join(", ")
            );
            let mut q = sqlx::query(&sql);
            let mut tokens = Vec::new();
            for identity in chunk {
                let id = new_id();
                q = bind_identity(q, identity)
                    .bind(id.clone())
                    .bind(1i64)
                    .bind(now)
                    .bind(now);
                for t in self::tokens(identity) {
                    tokens.push((t, id.clone()));
                }
                ids.push(id);
            }
            q.execute(&mut *tx).await.map_err(|e| {
                if unique_violation(&e) {
                    StoreError::Duplicate("une autre identité porte déjà cette INS".into())
                } else {
                    e.into()
                }
            })?;
            insert_tokens(&mut tx, &tokens).await?;
        }
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "patient.import",
            None,
            &format!("{} identités", ids.len()),
        )
        .await?;
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
    ///
    /// Each word is a range of the token index; the most selective one
    /// (a date, a year-qualified name, the longest) is read in index order
    /// and each entry is checked against the other words with a probe of
    /// the (patient, token) index, inside the database, until `limit`
    /// patients are found.
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
        let limit = limit.clamp(1, 200) as usize;
        let out = self.matching(&prefixes, limit).await?;
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

#[cfg(test)]
mod tests {
    use super::query_prefixes;

    #[test]
    fn query_words_become_token_ranges() {
        // A year qualifies the names typed with it.
        assert_eq!(query_prefixes("dup jea 1980"), ["1980|DUP", "1980|JEA"]);
        // Two names add their pair (the longer word whole).
        assert_eq!(query_prefixes("isa dupon"), ["ISA", "DUPON", "IS~DUPON"]);
        // Not when one word could match the same name part as the other.
        assert_eq!(query_prefixes("dup dupon"), ["DUP", "DUPON"]);
        // Dates typed JJ/MM/AAAA, accents and case.
        assert_eq!(query_prefixes("02/05/1980"), ["19800502"]);
        assert_eq!(query_prefixes("Hélène"), ["HELENE"]);
        assert!(query_prefixes("   ").is_empty());
    }
}
