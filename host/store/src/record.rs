//! The medical record: contact details, care team, encounters and clinical
//! entries, and the chart (everything the client needs to draw a patient's
//! file, in one audited read).

use crate::audit;
use crate::db::{JsonRow, Store, json_row};
use crate::historique::{
    AUTEUR_INCONNU, NouvelleVersion, ObjetHistorise, OperationVersion, garder, reprendre,
};
use crate::{Actor, Result, StoreError, new_id};
pub use esculape_api_types::dossier::{CareTeamEntry, Chart, Coordonnees, Encounter, Entry, Page};
use esculape_domain::record::{
    CareTeamMember, Contact, EntryData, MeasureKind, NewEncounter, bmi_series,
};
use esculape_domain::{Day, Identity};
use sqlx::Row;

type Tx = sqlx::Transaction<'static, sqlx::Any>;

pub(crate) async fn patient_exists(conn: &mut sqlx::AnyConnection, id: &str) -> Result<()> {
    sqlx::query("SELECT 1 FROM patient WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound(format!("patient {id}")))
}

/// The contact details, their version (0: none yet), who set them and
/// when.
async fn contact_of(
    tx: &mut sqlx::AnyConnection,
    patient_id: &str,
) -> Result<(Coordonnees, Option<String>, i64)> {
    let row = sqlx::query(
        "SELECT address, postal_code, city, phone, mobile, email, version, modifie_par, updated_at FROM patient_contact WHERE patient_id = $1",
    )
    .bind(patient_id.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    Ok(match row {
        None => (Coordonnees::default(), None, 0),
        Some(r) => (
            Coordonnees {
                version: r.try_get(6)?,
                contact: Contact {
                    address: r.try_get(0)?,
                    postal_code: r.try_get(1)?,
                    city: r.try_get(2)?,
                    phone: r.try_get(3)?,
                    mobile: r.try_get(4)?,
                    email: r.try_get(5)?,
                },
            },
            r.try_get(7)?,
            r.try_get(8)?,
        ),
    })
}

async fn care_team_of(
    tx: &mut sqlx::AnyConnection,
    patient_id: &str,
) -> Result<Vec<CareTeamEntry>> {
    let rows = sqlx::query(
        "SELECT id, name, profession, rpps, mssante, relation, created_at FROM care_team_member WHERE patient_id = $1 AND removed_at IS NULL ORDER BY created_at, id",
    )
    .bind(patient_id.to_string())
    .fetch_all(&mut *tx)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CareTeamEntry {
                id: r.try_get(0)?,
                member: CareTeamMember {
                    name: r.try_get(1)?,
                    profession: r.try_get(2)?,
                    rpps: r.try_get(3)?,
                    mssante: r.try_get(4)?,
                    relation: r.try_get(5)?,
                },
                created_at: r.try_get(6)?,
            })
        })
        .collect()
}

const ENCOUNTER_COLUMNS: &str = "id, patient_id, episode_id, author, date, reason, note, created_at, updated_at, version, modifie_par";

fn row_encounter(r: &sqlx::any::AnyRow) -> Result<Encounter> {
    let mut r = JsonRow::of(r)?;
    let date: String = r.get(4)?;
    Ok(Encounter {
        id: r.get(0)?,
        patient_id: r.get(1)?,
        episode_id: r.get(2)?,
        author: r.get(3)?,
        date: Day::parse(&date).map_err(|_| StoreError::Corrupt(format!("date {date}")))?,
        reason: r.get(5)?,
        note: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        version: r.get(9)?,
        modifie_par: r.get(10)?,
    })
}

const ENTRY_COLUMNS: &str =
    "id, patient_id, encounter_id, data, author, created_at, updated_at, version, modifie_par";

fn row_entry(r: &sqlx::any::AnyRow) -> Result<Entry> {
    let data: String = r.try_get(3)?;
    Ok(Entry {
        id: r.try_get(0)?,
        patient_id: r.try_get(1)?,
        encounter_id: r.try_get(2)?,
        data: serde_json::from_str(&data)
            .map_err(|e| StoreError::Corrupt(format!("entrée du dossier: {e}")))?,
        author: r.try_get(4)?,
        created_at: r.try_get(5)?,
        updated_at: r.try_get(6)?,
        version: r.try_get(7)?,
        modifie_par: r.try_get(8)?,
    })
}

async fn fetch_entry(tx: &mut Tx, id: &str) -> Result<Entry> {
    let r = sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM clinical_entry WHERE id = $1 AND deleted_at IS NULL"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("entrée {id}")))?;
    row_entry(&r)
}

async fn fetch_encounter(tx: &mut Tx, id: &str) -> Result<Encounter> {
    let r = sqlx::query(&format!(
        "SELECT {} FROM encounter WHERE id = $1",
        json_row(tx, ENCOUNTER_COLUMNS)
    ))
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("consultation {id}")))?;
    row_encounter(&r)
}

/// The measures of entries, for BMI.
fn measures(entries: &[Entry]) -> Vec<(MeasureKind, f64, Day)> {
    entries
        .iter()
        .filter_map(|e| match e.data {
            EntryData::Mesure {
                measure,
                value,
                date,
                ..
            } => Some((measure, value, date)),
            _ => None,
        })
        .collect()
}

fn birth_day(identity: &Identity) -> Option<Day> {
    let b = identity.birth_date;
    (b.month != 0 && b.day != 0).then_some(Day {
        year: b.year as i32,
        month: b.month as u32,
        day: b.day as u32,
    })
}

impl Store {
    /// Contact details and their version; traced as `contact.read`.
    pub async fn contact(&self, actor: &Actor, patient_id: &str) -> Result<Coordonnees> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;

        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        patient_exists(&mut tx, patient_id).await?;
        let (c, _, _) = contact_of(&mut tx, patient_id).await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "contact.read",
            Some(patient_id),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Replace the contact details read at `version` (0 when there were
    /// none); the previous ones are kept in the history. Traced as
    /// `contact.update`.
    pub async fn set_contact(
        &self,
        actor: &Actor,
        patient_id: &str,
        version: i64,
        contact: Contact,
        motif: Option<&str>,
    ) -> Result<Coordonnees> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;

        let c = contact.validate()?;
        let motif = esculape_domain::record::motif(motif)?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        patient_exists(&mut tx, patient_id).await?;
        let (avant, par, le) = contact_of(&mut tx, patient_id).await?;
        if avant.version != version {
            return Err(StoreError::Conflict {
                expected: version,
                found: avant.version,
            });
        }
        let now = self.now();
        let nouvelle = version + 1;
        if version > 0 {
            reprendre(
                &mut tx,
                NouvelleVersion {
                    objet: ObjetHistorise::Contact,
                    objet_id: patient_id,
                    patient_id,
                    version,
                    operation: OperationVersion::Reprise,
                    contenu: &avant.contact,
                    auteur: par.as_deref().unwrap_or(AUTEUR_INCONNU),
                    fait_le: le,
                    motif: None,
                },
            )
            .await?;
        }
        // the write checks the version again: another host on the same
        // database cannot slip a change in between
        let ecrit = sqlx::query("INSERT INTO patient_contact (patient_id, address, postal_code, city, phone, mobile, email, updated_at, version, modifie_par) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (patient_id) DO UPDATE SET address = excluded.address, postal_code = excluded.postal_code, city = excluded.city, phone = excluded.phone, mobile = excluded.mobile, email = excluded.email, updated_at = excluded.updated_at, version = excluded.version, modifie_par = excluded.modifie_par WHERE patient_contact.version = $11")
            .bind(patient_id.to_string())
            .bind(c.address.clone())
            .bind(c.postal_code.clone())
            .bind(c.city.clone())
            .bind(c.phone.clone())
            .bind(c.mobile.clone())
            .bind(c.email.clone())
            .bind(now)
            .bind(nouvelle)
            .bind(actor.user_id.clone())
            .bind(version)
            .execute(&mut *tx)
            .await?;
        if ecrit.rows_affected() != 1 {
            // changed by another host since read (rolled back)
            return Err(StoreError::Conflict {
                expected: version,
                found: version + 1,
            });
        }
        garder(
            &mut tx,
            NouvelleVersion {
                objet: ObjetHistorise::Contact,
                objet_id: patient_id,
                patient_id,
                version: nouvelle,
                operation: if version == 0 {
                    OperationVersion::Creation
                } else {
                    OperationVersion::Modification
                },
                contenu: &c,
                auteur: &actor.user_id,
                fait_le: now,
                motif: motif.as_deref(),
            },
        )
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "contact.update",
            Some(patient_id),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(Coordonnees {
            version: nouvelle,
            contact: c,
        })
    }

    /// The care team; traced as `equipe.read`.
    pub async fn care_team(&self, actor: &Actor, patient_id: &str) -> Result<Vec<CareTeamEntry>> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;

        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        patient_exists(&mut tx, patient_id).await?;
        let t = care_team_of(&mut tx, patient_id).await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "equipe.read",
            Some(patient_id),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(t)
    }

    pub async fn add_care_team_member(
        &self,
        actor: &Actor,
        patient_id: &str,
        member: CareTeamMember,
    ) -> Result<CareTeamEntry> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;

        let m = member.validate()?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        patient_exists(&mut tx, patient_id).await?;
        let id = new_id();
        let now = self.now();
        sqlx::query("INSERT INTO care_team_member (id, patient_id, name, profession, rpps, mssante, relation, created_at, removed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)")
            .bind(id.clone())
            .bind(patient_id.to_string())
            .bind(m.name.clone())
            .bind(m.profession.clone())
            .bind(m.rpps.clone())
            .bind(m.mssante.clone())
            .bind(m.relation.clone())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "equipe.ajout",
            Some(patient_id),
            &m.name,
        )
        .await?;
        tx.commit().await?;
        Ok(CareTeamEntry {
            id,
            member: m,
            created_at: now,
        })
    }

    pub async fn remove_care_team_member(
        &self,
        actor: &Actor,
        patient_id: &str,
        member_id: &str,
    ) -> Result<()> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;

        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE care_team_member SET removed_at = $1 WHERE id = $2 AND patient_id = $3 AND removed_at IS NULL")
            .bind(self.now())
            .bind(member_id.to_string())
            .bind(patient_id.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound(format!(
                "membre de l'équipe {member_id}"
            )));
        }
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "equipe.retrait",
            Some(patient_id),
            member_id,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A new encounter; traced as `consultation.creation`.
    pub async fn create_encounter(
        &self,
        actor: &Actor,
        patient_id: &str,
        episode_id: Option<&str>,
        enc: NewEncounter,
    ) -> Result<Encounter> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;

        let e = enc.validate()?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        patient_exists(&mut tx, patient_id).await?;
        if let Some(ep) = episode_id {
            let owner = sqlx::query("SELECT patient_id FROM episode WHERE id = $1")
                .bind(ep.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            match owner {
                Some(r) if r.try_get::<String, _>(0)? == patient_id => {}
                _ => return Err(StoreError::NotFound(format!("épisode {ep} de ce patient"))),
            }
        }
        let id = new_id();
        let now = self.now();
        sqlx::query(&format!("INSERT INTO encounter ({ENCOUNTER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1, NULL)"))
            .bind(id.clone())
            .bind(patient_id.to_string())
            .bind(episode_id.map(str::to_string))
            .bind(actor.user_id.clone())
            .bind(e.date.to_string())
            .bind(e.reason.clone())
            .bind(e.note.clone())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        garder(
            &mut tx,
            NouvelleVersion {
                objet: ObjetHistorise::Consultation,
                objet_id: &id,
                patient_id,
                version: 1,
                operation: OperationVersion::Creation,
                contenu: &e,
                auteur: &actor.user_id,
                fait_le: now,
                motif: None,
            },
        )
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "consultation.creation",
            Some(patient_id),
            &id,
        )
        .await?;
        let out = fetch_encounter(&mut tx, &id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Edit an encounter read at `version`: the text before stays in the
    /// history, the change is the actor's; traced as
    /// `consultation.modification`.
    pub async fn update_encounter(
        &self,
        actor: &Actor,
        id: &str,
        version: i64,
        enc: NewEncounter,
        motif: Option<&str>,
    ) -> Result<Encounter> {
        self.verifier_portee(actor, crate::portee::Cible::Consultation(id))
            .await?;

        let e = enc.validate()?;
        let motif = esculape_domain::record::motif(motif)?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let before = fetch_encounter(&mut tx, id).await?;
        if before.version != version {
            return Err(StoreError::Conflict {
                expected: version,
                found: before.version,
            });
        }
        let now = self.now();
        let version_de = |b: &Encounter| NewEncounter {
            date: b.date,
            reason: b.reason.clone(),
            note: b.note.clone(),
        };
        reprendre(
            &mut tx,
            NouvelleVersion {
                objet: ObjetHistorise::Consultation,
                objet_id: id,
                patient_id: &before.patient_id,
                version,
                operation: OperationVersion::Reprise,
                contenu: &version_de(&before),
                auteur: before.modifie_par.as_deref().unwrap_or(&before.author),
                fait_le: before.updated_at,
                motif: None,
            },
        )
        .await?;
        sqlx::query("UPDATE encounter SET date = $1, reason = $2, note = $3, updated_at = $4, version = version + 1, modifie_par = $5 WHERE id = $6 AND version = $7")
            .bind(e.date.to_string())
            .bind(e.reason.clone())
            .bind(e.note.clone())
            .bind(now)
            .bind(actor.user_id.clone())
            .bind(id.to_string())
            .bind(version)
            .execute(&mut *tx)
            .await?;
        garder(
            &mut tx,
            NouvelleVersion {
                objet: ObjetHistorise::Consultation,
                objet_id: id,
                patient_id: &before.patient_id,
                version: version + 1,
                operation: OperationVersion::Modification,
                contenu: &e,
                auteur: &actor.user_id,
                fait_le: now,
                motif: motif.as_deref(),
            },
        )
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "consultation.modification",
            Some(&before.patient_id),
            id,
        )
        .await?;
        let out = fetch_encounter(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Add a clinical entry, optionally tied to an encounter; traced as
    /// `dossier.ajout`.
    pub async fn add_entry(
        &self,
        actor: &Actor,
        patient_id: &str,
        encounter_id: Option<&str>,
        data: EntryData,
    ) -> Result<Entry> {
        self.ajouter_entree(actor, patient_id, encounter_id, data, "dossier.ajout", None)
            .await
    }

    /// Add an entry taken from a received document (LGC.MDV.05): its first
    /// version names the document it came from (`source`, kept in its
    /// history); traced as `dossier.integration`.
    pub async fn integrer_entree(
        &self,
        actor: &Actor,
        patient_id: &str,
        data: EntryData,
        source: &str,
    ) -> Result<Entry> {
        self.ajouter_entree(
            actor,
            patient_id,
            None,
            data,
            "dossier.integration",
            Some(source),
        )
        .await
    }

    async fn ajouter_entree(
        &self,
        actor: &Actor,
        patient_id: &str,
        encounter_id: Option<&str>,
        data: EntryData,
        action: &str,
        source: Option<&str>,
    ) -> Result<Entry> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;

        let data = data.validate()?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        patient_exists(&mut tx, patient_id).await?;
        if let Some(enc) = encounter_id {
            let e = fetch_encounter(&mut tx, enc).await?;
            if e.patient_id != patient_id {
                return Err(StoreError::NotFound(format!(
                    "consultation {enc} de ce patient"
                )));
            }
        }
        let id = new_id();
        let now = self.now();
        insert_entry(
            &mut tx,
            &id,
            patient_id,
            encounter_id,
            &data,
            (&actor.user_id, None),
            (now, now),
            1,
        )
        .await?;
        garder(
            &mut tx,
            NouvelleVersion {
                objet: ObjetHistorise::Entree,
                objet_id: &id,
                patient_id,
                version: 1,
                operation: OperationVersion::Creation,
                contenu: &data,
                auteur: &actor.user_id,
                fait_le: now,
                motif: source,
            },
        )
        .await?;
        let detail = match source {
            Some(s) => format!("{} {id} depuis {s}", data.kind()),
            None => format!("{} {id}", data.kind()),
        };
        audit::append(
            &mut tx,
            self.backend,
            actor,
            action,
            Some(patient_id),
            &detail,
        )
        .await?;
        let out = fetch_entry(&mut tx, &id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Replace an entry read at `version` (same kind): what it said stays
    /// in the history, the change is the actor's; traced as
    /// `dossier.modification`.
    pub async fn update_entry(
        &self,
        actor: &Actor,
        id: &str,
        version: i64,
        data: EntryData,
        motif: Option<&str>,
    ) -> Result<Entry> {
        self.verifier_portee(actor, crate::portee::Cible::Entree(id))
            .await?;

        let data = data.validate()?;
        let motif = esculape_domain::record::motif(motif)?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let before = fetch_entry(&mut tx, id).await?;
        if before.version != version {
            return Err(StoreError::Conflict {
                expected: version,
                found: before.version,
            });
        }
        if before.data.kind() != data.kind() {
            return Err(StoreError::Rule(format!(
                "une entrée «{}» ne peut pas devenir «{}»",
                before.data.kind(),
                data.kind()
            )));
        }
        let now = self.now();
        reprendre_entree(&mut tx, &before).await?;
        let json = serde_json::to_string(&data).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("UPDATE clinical_entry SET data = $1, label = $2, date = $3, updated_at = $4, version = version + 1, modifie_par = $5 WHERE id = $6 AND version = $7")
            .bind(json)
            .bind(data.label())
            .bind(data.date().map(|d| d.to_string()))
            .bind(now)
            .bind(actor.user_id.clone())
            .bind(id.to_string())
            .bind(version)
            .execute(&mut *tx)
            .await?;
        garder(
            &mut tx,
            NouvelleVersion {
                objet: ObjetHistorise::Entree,
                objet_id: id,
                patient_id: &before.patient_id,
                version: version + 1,
                operation: OperationVersion::Modification,
                contenu: &data,
                auteur: &actor.user_id,
                fait_le: now,
                motif: motif.as_deref(),
            },
        )
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "dossier.modification",
            Some(&before.patient_id),
            &format!("{} {id}", data.kind()),
        )
        .await?;
        let out = fetch_entry(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Mark an entry deleted: it leaves the chart, its content stays, and
    /// the deletion is a last version (who, when, why); traced as
    /// `dossier.suppression`.
    pub async fn delete_entry(&self, actor: &Actor, id: &str, motif: Option<&str>) -> Result<()> {
        self.verifier_portee(actor, crate::portee::Cible::Entree(id))
            .await?;

        let motif = esculape_domain::record::motif(motif)?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let before = fetch_entry(&mut tx, id).await?;
        let now = self.now();
        reprendre_entree(&mut tx, &before).await?;
        sqlx::query("UPDATE clinical_entry SET deleted_at = $1, updated_at = $1, version = version + 1, modifie_par = $2 WHERE id = $3 AND version = $4")
            .bind(now)
            .bind(actor.user_id.clone())
            .bind(id.to_string())
            .bind(before.version)
            .execute(&mut *tx)
            .await?;
        garder(
            &mut tx,
            NouvelleVersion {
                objet: ObjetHistorise::Entree,
                objet_id: id,
                patient_id: &before.patient_id,
                version: before.version + 1,
                operation: OperationVersion::Suppression,
                contenu: &before.data,
                auteur: &actor.user_id,
                fait_le: now,
                motif: motif.as_deref(),
            },
        )
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "dossier.suppression",
            Some(&before.patient_id),
            &format!("{} {id}", before.data.kind()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The chart, as the client draws it on opening: everything but the
    /// older encounters and documents (the newest [`CHART_ENCOUNTERS`] and
    /// [`CHART_DOCUMENTS`], with the totals; the rest pages through
    /// `encounters_page` and `documents_page`). Traced as `dossier.read`.
    pub async fn chart(&self, actor: &Actor, patient_id: &str) -> Result<Chart> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;

        self.load_chart(actor, patient_id, Some((CHART_ENCOUNTERS, CHART_DOCUMENTS)))
            .await
    }

    /// The whole chart (export).
    pub(crate) async fn full_chart(&self, actor: &Actor, patient_id: &str) -> Result<Chart> {
        self.load_chart(actor, patient_id, None).await
    }

    async fn load_chart(
        &self,
        actor: &Actor,
        patient_id: &str,
        limits: Option<(i64, i64)>,
    ) -> Result<Chart> {
        let (enc_limit, doc_limit) = limits.unwrap_or((i64::MAX, i64::MAX));
        // The identity is read, then the trace appended (one statement,
        // `Store::trace`), while the parts are read on three other pooled
        // connections: their round trips overlap instead of adding up; each
        // list brings its total in the same statement. Nothing is returned
        // unless the trace committed; an unknown patient is refused
        // untraced. The parts may straddle a concurrent write; each is whole.
        let pool = &self.pool;
        let traced = async {
            let patient = {
                let mut c = pool.acquire().await?;
                crate::patients::fetch_record(&mut c, patient_id).await?
            };
            self.trace(actor, "dossier.read", Some(patient_id), "")
                .await?;
            Ok::<_, StoreError>(patient)
        };
        let summary = async {
            let mut c = pool.acquire().await?;
            Ok::<_, StoreError>((
                contact_of(&mut c, patient_id).await?,
                care_team_of(&mut c, patient_id).await?,
                crate::episodes::of_patient(&mut c, patient_id).await?,
                entries_of(&mut c, patient_id).await?,
            ))
        };
        let encounters = async {
            let mut c = pool.acquire().await?;
            newest_encounters(&mut c, patient_id, enc_limit).await
        };
        let documents = async {
            let mut c = pool.acquire().await?;
            crate::documents::of_patient(&mut c, patient_id, doc_limit).await
        };
        let (patient, (contact, care_team, episodes, entries), encounters, documents) =
            tokio::try_join!(traced, summary, encounters, documents)?;
        let ((encounters, encounters_total), (documents, documents_total)) =
            (encounters, documents);

        let bmi = bmi_series(&measures(&entries), birth_day(&patient.identity));
        let (Coordonnees { version, contact }, _, _) = contact;
        Ok(Chart {
            patient,
            contact,
            contact_version: version,
            care_team,
            episodes,
            encounters,
            encounters_total,
            entries,
            bmi,
            documents,
            documents_total,
        })
    }

    /// Encounters, newest first, by page; traced as `consultations.liste`.
    pub async fn encounters_page(
        &self,
        actor: &Actor,
        patient_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<Encounter>> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;

        let (items, total) = {
            let mut c = self.pool.acquire().await?;
            patient_exists(&mut c, patient_id).await?;
            let items =
                encounters_of(&mut c, patient_id, offset.max(0), limit.clamp(1, 500)).await?;
            (items, count(&mut c, "encounter", patient_id).await?)
        };
        self.trace(actor, "consultations.liste", Some(patient_id), "")
            .await?;
        Ok(Page { total, items })
    }
}

/// Encounters shown when a chart opens; older ones page.
pub const CHART_ENCOUNTERS: i64 = 50;
/// Documents listed when a chart opens; older ones page.
pub const CHART_DOCUMENTS: i64 = 100;

/// The live clinical entries of a patient.
async fn entries_of(conn: &mut sqlx::AnyConnection, patient_id: &str) -> Result<Vec<Entry>> {
    sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM clinical_entry WHERE patient_id = $1 AND deleted_at IS NULL ORDER BY kind, date, created_at, id"
    ))
    .bind(patient_id.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(row_entry)
    .collect()
}

async fn encounters_of(
    tx: &mut sqlx::AnyConnection,
    patient_id: &str,
    offset: i64,
    limit: i64,
) -> Result<Vec<Encounter>> {
    sqlx::query(&format!(
        "SELECT {} FROM encounter WHERE patient_id = $1 ORDER BY date DESC, created_at DESC, id DESC LIMIT $2 OFFSET $3",
        json_row(tx, ENCOUNTER_COLUMNS)
    ))
    .bind(patient_id.to_string())
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(row_encounter)
    .collect()
}

/// The newest encounters of a patient and how many there are, in one
/// statement (the count is a scalar subquery, evaluated once).
async fn newest_encounters(
    c: &mut sqlx::AnyConnection,
    patient_id: &str,
    limit: i64,
) -> Result<(Vec<Encounter>, i64)> {
    let rows = sqlx::query(&format!(
        "SELECT {}, (SELECT COUNT(*) FROM encounter WHERE patient_id = $1) FROM encounter WHERE patient_id = $1 ORDER BY date DESC, created_at DESC, id DESC LIMIT $2",
        json_row(c, ENCOUNTER_COLUMNS)
    ))
    .bind(patient_id.to_string())
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    let total = crate::db::total_of(&rows)?;
    Ok((
        rows.iter().map(row_encounter).collect::<Result<_>>()?,
        total,
    ))
}

/// Rows of a patient in a table (the table name is ours, never input).
pub(crate) async fn count(
    tx: &mut sqlx::AnyConnection,
    table: &'static str,
    patient_id: &str,
) -> Result<i64> {
    Ok(sqlx::query(&format!(
        "SELECT COUNT(*) FROM {table} WHERE patient_id = $1"
    ))
    .bind(patient_id.to_string())
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?)
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_entry(
    tx: &mut Tx,
    id: &str,
    patient_id: &str,
    encounter_id: Option<&str>,
    data: &EntryData,
    (author, modifie_par): (&str, Option<&str>),
    (created_at, updated_at): (i64, i64),
    version: i64,
) -> Result<()> {
    let json = serde_json::to_string(data).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query("INSERT INTO clinical_entry (id, patient_id, encounter_id, kind, label, date, data, author, created_at, updated_at, version, deleted_at, modifie_par) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12)")
        .bind(id.to_string())
        .bind(patient_id.to_string())
        .bind(encounter_id.map(str::to_string))
        .bind(data.kind())
        .bind(data.label())
        .bind(data.date().map(|d| d.to_string()))
        .bind(json)
        .bind(author.to_string())
        .bind(created_at)
        .bind(updated_at)
        .bind(version)
        .bind(modifie_par.map(str::to_string))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The state of an entry about to change, kept if it is not yet.
async fn reprendre_entree(tx: &mut Tx, before: &Entry) -> Result<()> {
    reprendre(
        tx,
        NouvelleVersion {
            objet: ObjetHistorise::Entree,
            objet_id: &before.id,
            patient_id: &before.patient_id,
            version: before.version,
            operation: OperationVersion::Reprise,
            contenu: &before.data,
            auteur: before.modifie_par.as_deref().unwrap_or(&before.author),
            fait_le: before.updated_at,
            motif: None,
        },
    )
    .await
}
