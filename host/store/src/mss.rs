//! MSSanté's rows: where reading a mailbox stopped, and the patients a
//! received document's INS names.

use crate::db::Store;
use crate::{Actor, Result};
use sqlx::Row;

impl Store {
    /// Where reading `adresse` stopped: (UIDVALIDITY, last UID read).
    pub async fn releve_mss(&self, adresse: &str) -> Result<Option<(u32, u32)>> {
        let r = sqlx::query("SELECT uidvalidity, dernier_uid FROM releve_mss WHERE adresse = $1")
            .bind(adresse.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match r {
            Some(r) => Some((
                r.try_get::<i64, _>(0)? as u32,
                r.try_get::<i64, _>(1)? as u32,
            )),
            None => None,
        })
    }

    /// Records where reading `adresse` stopped.
    pub async fn noter_releve_mss(
        &self,
        adresse: &str,
        uidvalidity: u32,
        dernier: u32,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO releve_mss (adresse, uidvalidity, dernier_uid, releve_le) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (adresse) DO UPDATE SET uidvalidity = excluded.uidvalidity, \
             dernier_uid = excluded.dernier_uid, releve_le = excluded.releve_le",
        )
        .bind(adresse.to_string())
        .bind(i64::from(uidvalidity))
        .bind(i64::from(dernier))
        .bind(self.now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The ids of the actor's patients whose INS is `matricule` (a
    /// received document's patient, found by its INS).
    pub async fn patients_par_ins(&self, actor: &Actor, matricule: &str) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT id FROM patient WHERE ins_matricule = $1 AND ($2 = '' OR structure_id = $2) ORDER BY id",
        )
        .bind(matricule.to_string())
        .bind(actor.structure_sql())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }
}
