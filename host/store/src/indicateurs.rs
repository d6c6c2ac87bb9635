//! Dashboards (DSR §3.2.1 TBB.INS.02): per month, per RPPS and FINESS, the
//! unique patients seen (an encounter dated in the month, by a
//! practitioner of that RPPS, of a structure of that FINESS) and how many
//! of them have each identity status, the qualified ones through the
//! procédure spécifique transitoire counted apart.
//!
//! The status counted is the identity's status when the table is asked
//! (the record keeps no status per date, and the trail has every change).

use crate::db::Store;
use crate::{Actor, Result, StoreError, audit};
use sqlx::Row;
use std::collections::BTreeMap;

pub use esculape_domain::indicateurs::{Compte, IndicateursIns};

fn taux(n: i64, of: i64) -> f64 {
    if of == 0 {
        0.0
    } else {
        (n as f64 * 1000.0 / of as f64).round() / 10.0
    }
}

/// `AAAA-MM` → the first day of it and of the next month (`AAAA-MM-JJ`).
fn bornes(mois: &str) -> Option<(String, String)> {
    let (y, m) = mois.split_once('-')?;
    let (y, m): (u32, u32) = (y.parse().ok()?, m.parse().ok()?);
    if mois.len() != 7 || !(1..=12).contains(&m) || !(1900..=2200).contains(&y) {
        return None;
    }
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    Some((format!("{y:04}-{m:02}-01"), format!("{ny:04}-{nm:02}-01")))
}

impl Store {
    /// The TBB.INS.02 columns of a month: one per (RPPS, FINESS) seen, and
    /// one for the whole practice (empty RPPS and FINESS), filtered by
    /// `rpps`/`finess` when given, over the patients of the actor's
    /// structure. Traced as `indicateurs.ins` (no patient is named).
    pub async fn indicateurs_ins(
        &self,
        actor: &Actor,
        mois: &str,
        rpps: Option<&str>,
        finess: Option<&str>,
    ) -> Result<Vec<IndicateursIns>> {
        let (from, to) = bornes(mois)
            .ok_or_else(|| StoreError::Rule(format!("mois invalide «{mois}» (AAAA-MM attendu)")))?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin_read().await?;
        let rows = sqlx::query("SELECT DISTINCT COALESCE(u.rpps, ''), COALESCE(s.finess, ''), p.id, p.status, COALESCE(p.justificatif, '') FROM encounter e JOIN patient p ON p.id = e.patient_id LEFT JOIN app_user u ON u.login = e.author LEFT JOIN structure s ON s.id = u.structure_id WHERE e.date >= $1 AND e.date < $2 AND ($3 = '' OR p.structure_id = $3)")
            .bind(from)
            .bind(to)
            .bind(actor.structure_sql())
            .fetch_all(&mut *tx)
            .await?;
        audit::append(&mut tx, self.backend, actor, "indicateurs.ins", None, mois).await?;
        tx.commit().await?;
        // (rpps, finess) → patient → (status, justificatif); the whole
        // practice counts each patient once.
        // `None`: the whole practice, first.
        type Patients = BTreeMap<String, (String, String)>;
        let mut groups: BTreeMap<Option<(String, String)>, Patients> = BTreeMap::new();
        groups.insert(None, BTreeMap::new());
        for r in &rows {
            let (rp, fi): (String, String) = (r.try_get(0)?, r.try_get(1)?);
            if rpps.is_some_and(|x| x != rp) || finess.is_some_and(|x| x != fi) {
                continue;
            }
            let v: (String, String) = (r.try_get(3)?, r.try_get(4)?);
            let id: String = r.try_get(2)?;
            groups
                .entry(None)
                .or_default()
                .insert(id.clone(), v.clone());
            groups.entry(Some((rp, fi))).or_default().insert(id, v);
        }
        let mut out = vec![];
        for (key, patients) in groups {
            let key_is_total = key.is_none();
            let (rp, fi) = key.unwrap_or_default();
            let total = patients.len() as i64;
            let count =
                |status: &str| patients.values().filter(|(s, _)| s == status).count() as i64;
            let qualifiees = count("qualifiee");
            let pst = patients
                .values()
                .filter(|(s, j)| s == "qualifiee" && j == "procedure_transitoire")
                .count() as i64;
            let c = |n: i64| Compte {
                nombre: n,
                taux: taux(n, total),
            };
            out.push(IndicateursIns {
                mois: mois.to_string(),
                tout_le_cabinet: key_is_total,
                rpps: rp,
                finess: fi,
                patients_vus: total,
                provisoire: c(count("provisoire")),
                recuperee: c(count("recuperee")),
                validee: c(count("validee")),
                qualifiee: c(qualifiees),
                qualifiee_procedure_transitoire: Compte {
                    nombre: pst,
                    taux: taux(pst, qualifiees),
                },
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::bornes;

    #[test]
    fn month_bounds() {
        assert_eq!(
            bornes("2026-12"),
            Some(("2026-12-01".into(), "2027-01-01".into()))
        );
        assert_eq!(bornes("2026-13"), None);
        assert_eq!(bornes("2026-1"), None);
        assert_eq!(bornes("novembre"), None);
    }
}
