//! The agenda: availability, appointments without double booking, and the
//! waiting room.
//!
//! Double booking is refused inside the booking transaction: on SQLite the
//! single writer orders bookings; on PostgreSQL the practitioner's row is
//! locked (`FOR UPDATE`) so that two hosts booking the same practitioner
//! take turns.

use crate::audit;
use crate::db::{Backend, Store};
use crate::portee::Cible;
use crate::{Actor, Result, StoreError, new_id};
pub use esculape_api_types::agenda::{AvailabilityRec, Slot};
pub use esculape_domain::agenda::Appointment;
use esculape_domain::agenda::{AppointmentStatus, Availability, NewAppointment};
use esculape_domain::{Day, LocalDateTime, Role};
use sqlx::Row;

type Tx = sqlx::Transaction<'static, sqlx::Any>;

const COLUMNS: &str = "id, practitioner_id, site_id, patient_id, start_min, end_min, reason, status, arrived_at, version";

fn row_appointment(r: &sqlx::any::AnyRow) -> Result<Appointment> {
    let status: String = r.try_get(7)?;
    Ok(Appointment {
        id: r.try_get(0)?,
        practitioner_id: r.try_get(1)?,
        site_id: r.try_get(2)?,
        patient_id: r.try_get(3)?,
        start: LocalDateTime(r.try_get(4)?),
        end: LocalDateTime(r.try_get(5)?),
        reason: r.try_get(6)?,
        status: AppointmentStatus::from_code(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("statut de rendez-vous {status}")))?,
        arrived_at: r.try_get(8)?,
        version: r.try_get(9)?,
    })
}

async fn fetch(tx: &mut Tx, id: &str) -> Result<Appointment> {
    let r = sqlx::query(&format!("SELECT {COLUMNS} FROM appointment WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("rendez-vous {id}")))?;
    row_appointment(&r)
}

/// The practitioner must be an active médecin; their row is locked on
/// PostgreSQL for the rest of the transaction.
async fn lock_practitioner(tx: &mut Tx, backend: Backend, id: &str) -> Result<()> {
    let sql = match backend {
        Backend::Postgres => "SELECT role, active FROM app_user WHERE id = $1 FOR UPDATE",
        Backend::Sqlite => "SELECT role, active FROM app_user WHERE id = $1",
    };
    let r = sqlx::query(sql)
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("praticien {id}")))?;
    let role: String = r.try_get(0)?;
    if Role::from_code(&role) != Some(Role::Medecin) || r.try_get::<i64, _>(1)? == 0 {
        return Err(StoreError::Rule(format!(
            "le compte {id} n'est pas un praticien actif"
        )));
    }
    Ok(())
}

async fn site_exists(tx: &mut Tx, id: &str) -> Result<()> {
    sqlx::query("SELECT 1 FROM site WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound(format!("site {id}")))
}

/// Refuse an overlap with another appointment that holds the time.
async fn check_free(
    tx: &mut Tx,
    practitioner: &str,
    start: LocalDateTime,
    end: LocalDateTime,
    except: Option<&str>,
) -> Result<()> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM appointment WHERE practitioner_id = $1 AND start_min < $2 AND end_min > $3 AND status NOT IN ('annule', 'absent')"
    ))
    .bind(practitioner.to_string())
    .bind(end.0)
    .bind(start.0)
    .fetch_all(&mut **tx)
    .await?;
    for r in &rows {
        let a = row_appointment(r)?;
        if Some(a.id.as_str()) != except {
            return Err(StoreError::Busy(format!(
                "le praticien a déjà un rendez-vous de {} à {}",
                a.start,
                esculape_domain::calendar::format_time(a.end.minute_of_day())
            )));
        }
    }
    Ok(())
}

impl Store {
    pub async fn add_availability(
        &self,
        actor: &Actor,
        a: Availability,
    ) -> Result<AvailabilityRec> {
        let a = a.validate()?;
        self.verifier_portee(actor, Cible::Praticien(&a.practitioner_id))
            .await?;
        self.verifier_portee(actor, Cible::Site(&a.site_id)).await?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        lock_practitioner(&mut tx, self.backend, &a.practitioner_id).await?;
        site_exists(&mut tx, &a.site_id).await?;
        let id = new_id();
        sqlx::query("INSERT INTO availability (id, practitioner_id, site_id, weekday, start_time, end_time, slot_minutes, valid_from, valid_until, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(id.clone())
            .bind(a.practitioner_id.clone())
            .bind(a.site_id.clone())
            .bind(a.weekday as i64)
            .bind(a.start.clone())
            .bind(a.end.clone())
            .bind(a.slot_minutes as i64)
            .bind(a.valid_from.map(|d| d.to_string()))
            .bind(a.valid_until.map(|d| d.to_string()))
            .bind(self.now())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "agenda.disponibilite",
            None,
            &id,
        )
        .await?;
        tx.commit().await?;
        Ok(AvailabilityRec {
            id,
            availability: a,
        })
    }

    pub async fn availabilities(&self, practitioner_id: &str) -> Result<Vec<AvailabilityRec>> {
        let rows = sqlx::query("SELECT id, practitioner_id, site_id, weekday, start_time, end_time, slot_minutes, valid_from, valid_until FROM availability WHERE practitioner_id = $1 ORDER BY weekday, start_time")
            .bind(practitioner_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let day = |i: usize| -> Result<Option<Day>> {
                    let s: Option<String> = r.try_get(i)?;
                    s.map(|s| Day::parse(&s).map_err(|_| StoreError::Corrupt(format!("date {s}"))))
                        .transpose()
                };
                Ok(AvailabilityRec {
                    id: r.try_get(0)?,
                    availability: Availability {
                        practitioner_id: r.try_get(1)?,
                        site_id: r.try_get(2)?,
                        weekday: r.try_get::<i64, _>(3)? as u8,
                        start: r.try_get(4)?,
                        end: r.try_get(5)?,
                        slot_minutes: r.try_get::<i64, _>(6)? as u32,
                        valid_from: day(7)?,
                        valid_until: day(8)?,
                    },
                })
            })
            .collect()
    }

    /// The free slots of a practitioner on a day: availability minus the
    /// appointments that hold time.
    pub async fn free_slots(&self, practitioner_id: &str, day: Day) -> Result<Vec<Slot>> {
        let taken = self
            .appointments("", Some(practitioner_id), None, None, day, day)
            .await?;
        let mut out = vec![];
        for a in self.availabilities(practitioner_id).await? {
            for (s, e) in a.availability.slots_on(day) {
                let busy = taken
                    .iter()
                    .any(|t| t.status.occupies() && t.start < e && t.end > s);
                if !busy {
                    out.push(Slot {
                        practitioner_id: practitioner_id.to_string(),
                        site_id: a.availability.site_id.clone(),
                        start: s,
                        end: e,
                    });
                }
            }
        }
        out.sort_by_key(|s| s.start);
        Ok(out)
    }

    /// Book; refused with [`StoreError::Busy`] if the practitioner's time is
    /// taken. Traced as `rdv.creation`.
    pub async fn book(&self, actor: &Actor, new: NewAppointment) -> Result<Appointment> {
        let a = new.validate()?;
        self.verifier_portee(actor, Cible::Praticien(&a.practitioner_id))
            .await?;
        self.verifier_portee(actor, Cible::Site(&a.site_id)).await?;
        if let Some(p) = &a.patient_id {
            self.verifier_portee(actor, Cible::Patient(p)).await?;
        }
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        lock_practitioner(&mut tx, self.backend, &a.practitioner_id).await?;
        site_exists(&mut tx, &a.site_id).await?;
        if let Some(p) = &a.patient_id {
            crate::record::patient_exists(&mut tx, p).await?;
        }
        check_free(&mut tx, &a.practitioner_id, a.start, a.end, None).await?;
        let id = new_id();
        let now = self.now();
        sqlx::query(&format!("INSERT INTO appointment ({COLUMNS}, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'prevu', NULL, 1, $8, $8)"))
            .bind(id.clone())
            .bind(a.practitioner_id.clone())
            .bind(a.site_id.clone())
            .bind(a.patient_id.clone())
            .bind(a.start.0)
            .bind(a.end.0)
            .bind(a.reason.clone())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "rdv.creation",
            a.patient_id.as_deref(),
            &format!("{id} {}", a.start),
        )
        .await?;
        let out = fetch(&mut tx, &id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Move to a new time (same practitioner, or another); traced as `rdv.deplacement`.
    pub async fn move_appointment(
        &self,
        actor: &Actor,
        id: &str,
        version: i64,
        start: LocalDateTime,
        end: LocalDateTime,
        practitioner_id: Option<&str>,
    ) -> Result<Appointment> {
        self.verifier_portee(actor, Cible::RendezVous(id)).await?;
        if let Some(p) = practitioner_id {
            self.verifier_portee(actor, Cible::Praticien(p)).await?;
        }
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let before = fetch(&mut tx, id).await?;
        if before.version != version {
            return Err(StoreError::Conflict {
                expected: version,
                found: before.version,
            });
        }
        if before.status != AppointmentStatus::Prevu {
            return Err(StoreError::Rule(
                "seul un rendez-vous prévu peut être déplacé".into(),
            ));
        }
        let practitioner = practitioner_id
            .unwrap_or(&before.practitioner_id)
            .to_string();
        let a = NewAppointment {
            practitioner_id: practitioner.clone(),
            site_id: before.site_id.clone(),
            patient_id: before.patient_id.clone(),
            start,
            end,
            reason: before.reason.clone(),
        }
        .validate()?;
        lock_practitioner(&mut tx, self.backend, &practitioner).await?;
        check_free(&mut tx, &practitioner, a.start, a.end, Some(id)).await?;
        sqlx::query("UPDATE appointment SET practitioner_id = $1, start_min = $2, end_min = $3, updated_at = $4, version = version + 1 WHERE id = $5")
            .bind(practitioner)
            .bind(a.start.0)
            .bind(a.end.0)
            .bind(self.now())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "rdv.deplacement",
            before.patient_id.as_deref(),
            &format!("{id} {}→{}", before.start, a.start),
        )
        .await?;
        let out = fetch(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Change status (arrived, in consultation, done, cancelled, absent);
    /// traced as `rdv.statut`.
    pub async fn set_appointment_status(
        &self,
        actor: &Actor,
        id: &str,
        to: AppointmentStatus,
    ) -> Result<Appointment> {
        self.verifier_portee(actor, Cible::RendezVous(id)).await?;

        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let before = fetch(&mut tx, id).await?;
        before.status.can_become(to)?;
        if to.occupies() && !before.status.occupies() {
            // Back from absent: the time may have been given away.
            check_free(
                &mut tx,
                &before.practitioner_id,
                before.start,
                before.end,
                Some(id),
            )
            .await?;
        }
        let now = self.now();
        let arrived = match to {
            AppointmentStatus::Arrive => Some(now),
            AppointmentStatus::Prevu => None,
            _ => before.arrived_at,
        };
        sqlx::query("UPDATE appointment SET status = $1, arrived_at = $2, updated_at = $3, version = version + 1 WHERE id = $4")
            .bind(to.code())
            .bind(arrived)
            .bind(now)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "rdv.statut",
            before.patient_id.as_deref(),
            &format!("{id} {}→{}", before.status.code(), to.code()),
        )
        .await?;
        let out = fetch(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Appointments from `from` to `to` (inclusive days), by practitioner
    /// and/or site, at the sites of `structure` ([`Actor::structure_sql`]:
    /// empty for every site).
    pub async fn appointments(
        &self,
        structure: &str,
        practitioner_id: Option<&str>,
        site_id: Option<&str>,
        patient_id: Option<&str>,
        from: Day,
        to: Day,
    ) -> Result<Vec<Appointment>> {
        let start = LocalDateTime::at(from, 0).0;
        let end = LocalDateTime::at(to, 0).0 + 1440;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM appointment WHERE start_min >= $1 AND start_min < $2 AND ($3 = '' OR practitioner_id = $3) AND ($4 = '' OR site_id = $4) AND ($5 = '' OR site_id IN (SELECT id FROM site WHERE structure_id = $5)) AND ($6 = '' OR patient_id = $6) ORDER BY start_min, id"
        ))
        .bind(start)
        .bind(end)
        .bind(practitioner_id.unwrap_or("").to_string())
        .bind(site_id.unwrap_or("").to_string())
        .bind(structure.to_string())
        .bind(patient_id.unwrap_or("").to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row_appointment).collect()
    }

    /// The waiting room of a site on a day: arrived patients, first come first.
    pub async fn waiting_room(&self, site_id: &str, day: Day) -> Result<Vec<Appointment>> {
        let mut list: Vec<Appointment> = self
            .appointments("", None, Some(site_id), None, day, day)
            .await?
            .into_iter()
            .filter(|a| a.status == AppointmentStatus::Arrive)
            .collect();
        list.sort_by_key(|a| (a.arrived_at, a.start));
        Ok(list)
    }
}
