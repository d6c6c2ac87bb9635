//! MSSanté's rows: where reading a mailbox stopped, the patients a
//! received document's INS names, and the work list of received messages.

use crate::db::Store;
use crate::{Actor, Result, StoreError};
use esculape_api_types::documents::{EtatMessage, MessageMss, ProvenanceMessage};
use sqlx::Row;

/// Most messages the work list shows at once (newest first).
pub const MESSAGES_MAX: i64 = 500;

/// A message read from a mailbox, as the work list records it.
#[derive(Debug, Clone)]
pub struct NouveauMessage {
    pub adresse: String,
    pub uidvalidity: u32,
    pub uid: u32,
    pub de: Option<String>,
    pub objet: String,
    pub provenance: ProvenanceMessage,
    pub etat: EtatMessage,
    pub raison: String,
    pub patient_id: Option<String>,
    pub document_id: Option<String>,
    pub cible_id: Option<String>,
    /// The document kept while the message waits for a doctor.
    pub cda: Option<Vec<u8>>,
}

/// How a waiting message was handled.
#[derive(Debug, Clone)]
pub struct Traitement {
    pub etat: EtatMessage,
    pub raison: String,
    pub patient_id: Option<String>,
    pub document_id: Option<String>,
}

fn code(e: impl serde::Serialize) -> String {
    serde_json::to_value(e)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn lu<T: serde::de::DeserializeOwned>(texte: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(texte.to_string()))
        .map_err(|e| StoreError::Corrupt(format!("message_mss : « {texte} » : {e}")))
}

const COLONNES: &str = "m.id, m.adresse, m.de, m.objet, m.recu_le, m.provenance, m.etat, m.raison, \
     m.patient_id, p.birth_name, p.birth_first_names, m.document_id, m.cible_id, d.title, m.traite_par";

fn ligne(r: &sqlx::any::AnyRow) -> Result<MessageMss> {
    let nom: Option<String> = r.try_get(9)?;
    let prenoms: Option<String> = r.try_get(10)?;
    let patient =
        nom.map(|n| crate::a_voir::nom_du_patient(&n, prenoms.as_deref().unwrap_or("[]")));
    Ok(MessageMss {
        id: r.try_get(0)?,
        adresse: r.try_get(1)?,
        de: r.try_get(2)?,
        objet: r.try_get(3)?,
        recu_le: r.try_get(4)?,
        provenance: lu(&r.try_get::<String, _>(5)?)?,
        etat: lu(&r.try_get::<String, _>(6)?)?,
        raison: r.try_get(7)?,
        patient_id: r.try_get(8)?,
        patient,
        document_id: r.try_get(11)?,
        cible_id: r.try_get(12)?,
        cible_titre: r.try_get(13)?,
        traite_par: r.try_get(14)?,
    })
}

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

    /// Records a message read from a mailbox in the work list of the
    /// actor's structure; a message recorded already (read again after a
    /// crash) is left as it was. Its id, or `None` when it was there.
    pub async fn noter_message_mss(
        &self,
        actor: &Actor,
        m: &NouveauMessage,
    ) -> Result<Option<String>> {
        let id = crate::new_id();
        let fait = sqlx::query(
            "INSERT INTO message_mss (id, structure_id, adresse, uidvalidity, uid, de, objet, recu_le, \
             provenance, etat, raison, patient_id, document_id, cible_id, cda) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (adresse, uidvalidity, uid) DO NOTHING",
        )
        .bind(id.clone())
        .bind(actor.structure_sql())
        .bind(m.adresse.clone())
        .bind(i64::from(m.uidvalidity))
        .bind(i64::from(m.uid))
        .bind(m.de.clone())
        .bind(m.objet.clone())
        .bind(self.now())
        .bind(code(m.provenance))
        .bind(code(m.etat))
        .bind(m.raison.clone())
        .bind(m.patient_id.clone())
        .bind(m.document_id.clone())
        .bind(m.cible_id.clone())
        .bind(m.cda.clone())
        .execute(&self.pool)
        .await?;
        Ok((fait.rows_affected() == 1).then_some(id))
    }

    /// The work list of the actor's structure, newest first: every
    /// message, or those waiting for a doctor. Traced `mss.messages`.
    pub async fn messages_mss(&self, actor: &Actor, a_traiter: bool) -> Result<Vec<MessageMss>> {
        let attente = [
            EtatMessage::ARapprocher,
            EtatMessage::RemplacementDemande,
            EtatMessage::SuppressionDemandee,
        ]
        .map(code);
        let rows = sqlx::query(&format!(
            "SELECT {COLONNES} FROM message_mss m \
             LEFT JOIN patient p ON p.id = m.patient_id \
             LEFT JOIN document d ON d.id = m.cible_id \
             WHERE ($1 = '' OR m.structure_id = $1) \
             AND ($2 = 0 OR m.etat IN ($3, $4, $5)) \
             ORDER BY m.recu_le DESC, m.uid DESC LIMIT $6"
        ))
        .bind(actor.structure_sql())
        .bind(i64::from(a_traiter))
        .bind(attente[0].clone())
        .bind(attente[1].clone())
        .bind(attente[2].clone())
        .bind(MESSAGES_MAX)
        .fetch_all(&self.pool)
        .await?;
        let out = rows.iter().map(ligne).collect::<Result<Vec<_>>>()?;
        self.trace(
            actor,
            "mss.messages",
            None,
            &format!(
                "{} message(s){}",
                out.len(),
                if a_traiter { " à traiter" } else { "" }
            ),
        )
        .await?;
        Ok(out)
    }

    /// One message of the actor's structure and the document it keeps;
    /// another structure's is not found.
    pub async fn message_mss(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<(MessageMss, Option<Vec<u8>>)> {
        self.verifier_portee(actor, crate::portee::Cible::Message(id))
            .await?;
        let r = sqlx::query(&format!(
            "SELECT {COLONNES}, m.cda FROM message_mss m \
             LEFT JOIN patient p ON p.id = m.patient_id \
             LEFT JOIN document d ON d.id = m.cible_id \
             WHERE m.id = $1 AND ($2 = '' OR m.structure_id = $2)"
        ))
        .bind(id.to_string())
        .bind(actor.structure_sql())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("message {id}")))?;
        Ok((ligne(&r)?, r.try_get(15)?))
    }

    /// Closes a message that waited for a doctor: its new state, and the
    /// document it kept dropped. Refused when another hand closed it
    /// first. Traced `mss.message`, on the patient when there is one.
    pub async fn clore_message_mss(
        &self,
        actor: &Actor,
        id: &str,
        t: &Traitement,
    ) -> Result<MessageMss> {
        let (avant, _) = self.message_mss(actor, id).await?;
        if !avant.etat.a_traiter() {
            return Err(StoreError::Rule("ce message a déjà été traité".into()));
        }
        let fait = sqlx::query(
            "UPDATE message_mss SET etat = $1, raison = $2, patient_id = $3, document_id = $4, \
             cda = NULL, traite_par = $5, traite_le = $6 WHERE id = $7 AND etat = $8",
        )
        .bind(code(t.etat))
        .bind(t.raison.clone())
        .bind(t.patient_id.clone().or(avant.patient_id.clone()))
        .bind(t.document_id.clone().or(avant.document_id.clone()))
        .bind(actor.user_id.clone())
        .bind(self.now())
        .bind(id.to_string())
        .bind(code(avant.etat))
        .execute(&self.pool)
        .await?;
        if fait.rows_affected() != 1 {
            return Err(StoreError::Rule("ce message a déjà été traité".into()));
        }
        let (apres, _) = self.message_mss(actor, id).await?;
        self.trace(
            actor,
            "mss.message",
            apres.patient_id.as_deref(),
            &format!(
                "« {} »{} : {} → {} ({})",
                apres.objet,
                apres
                    .de
                    .as_deref()
                    .map(|d| format!(" de {d}"))
                    .unwrap_or_default(),
                code(avant.etat),
                code(apres.etat),
                apres.raison
            ),
        )
        .await?;
        Ok(apres)
    }

    /// The current version of a set of documents among the actor's
    /// patients (a received newer version names it by its setId): (id,
    /// patient, version).
    pub async fn version_courante(
        &self,
        actor: &Actor,
        set_id: &str,
    ) -> Result<Option<(String, String, i64)>> {
        let r = sqlx::query(
            "SELECT d.id, d.patient_id, d.version_number FROM document d JOIN patient p ON p.id = d.patient_id \
             WHERE d.set_id = $1 AND d.status = 'actif' AND ($2 = '' OR p.structure_id = $2) \
             ORDER BY d.version_number DESC LIMIT 1",
        )
        .bind(set_id.to_string())
        .bind(actor.structure_sql())
        .fetch_optional(&self.pool)
        .await?;
        Ok(match r {
            Some(r) => Some((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)),
            None => None,
        })
    }
}
