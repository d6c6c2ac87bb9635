//! The agenda: availability, appointments and the waiting room. Lists
//! that name patients are traced.

use crate::App;
use esculape_domain::agenda::{AppointmentStatus, Availability, NewAppointment};
use esculape_domain::{Day, LocalDateTime};
use esculape_store::agenda::{Appointment, AvailabilityRec, Slot};
use esculape_store::portee::Cible;
use esculape_store::{Actor, Result, StoreError};

/// Longest period one agenda read covers, in days.
pub const PERIODE_MAX_JOURS: i64 = 62;

/// Whose appointments, where (none: all).
#[derive(Debug, Clone, Default)]
pub struct Filtre<'a> {
    pub praticien: Option<&'a str>,
    pub site: Option<&'a str>,
    /// One patient's appointments (the banner's next one).
    pub patient: Option<&'a str>,
}

impl App {
    /// The appointments from `du` to `au` (at most
    /// [`PERIODE_MAX_JOURS`]), traced as `agenda.lecture`.
    pub async fn rendez_vous(
        &self,
        actor: &Actor,
        du: Day,
        au: Day,
        filtre: Filtre<'_>,
    ) -> Result<Vec<Appointment>> {
        if au < du || au.days() - du.days() > PERIODE_MAX_JOURS {
            return Err(StoreError::Rule(
                "période invalide: «to» suit «from», deux mois au plus".into(),
            ));
        }
        if let Some(p) = filtre.praticien {
            self.store
                .verifier_portee(actor, Cible::Praticien(p))
                .await?;
        }
        if let Some(site) = filtre.site {
            self.store.verifier_portee(actor, Cible::Site(site)).await?;
        }
        if let Some(p) = filtre.patient {
            self.store.verifier_portee(actor, Cible::Patient(p)).await?;
        }
        let list = self
            .store
            .appointments(
                &actor.structure_sql(),
                filtre.praticien,
                filtre.site,
                filtre.patient,
                du,
                au,
            )
            .await?;
        let detail = format!("{du} → {au}, {} rendez-vous", list.len());
        self.store
            .trace(actor, "agenda.lecture", filtre.patient, &detail)
            .await?;
        Ok(list)
    }

    /// A practitioner's free slots of a day (no patient named), for a
    /// practitioner of the actor's structure.
    pub async fn creneaux_libres(
        &self,
        actor: &Actor,
        praticien: &str,
        jour: Day,
    ) -> Result<Vec<Slot>> {
        self.store
            .verifier_portee(actor, Cible::Praticien(praticien))
            .await?;
        self.store.free_slots(praticien, jour).await
    }

    pub async fn ajouter_disponibilite(
        &self,
        actor: &Actor,
        a: Availability,
    ) -> Result<AvailabilityRec> {
        self.store.add_availability(actor, a).await
    }

    pub async fn prendre_rendez_vous(
        &self,
        actor: &Actor,
        nouveau: NewAppointment,
    ) -> Result<Appointment> {
        self.store.book(actor, nouveau).await
    }

    /// Moves an appointment read at `version` (to another practitioner
    /// when given).
    pub async fn deplacer_rendez_vous(
        &self,
        actor: &Actor,
        id: &str,
        version: i64,
        debut: LocalDateTime,
        fin: LocalDateTime,
        praticien: Option<&str>,
    ) -> Result<Appointment> {
        self.store
            .move_appointment(actor, id, version, debut, fin, praticien)
            .await
    }

    pub async fn statut_rendez_vous(
        &self,
        actor: &Actor,
        id: &str,
        statut: AppointmentStatus,
    ) -> Result<Appointment> {
        self.store.set_appointment_status(actor, id, statut).await
    }

    /// A site's waiting room on a day (today by default), traced as
    /// `agenda.salle-attente`.
    pub async fn salle_d_attente(
        &self,
        actor: &Actor,
        site: &str,
        jour: Option<Day>,
    ) -> Result<Vec<Appointment>> {
        let jour = jour.unwrap_or_else(|| self.today());
        self.store.verifier_portee(actor, Cible::Site(site)).await?;
        let list = self.store.waiting_room(site, jour).await?;
        self.store
            .trace(
                actor,
                "agenda.salle-attente",
                None,
                &format!("{site} {jour}"),
            )
            .await?;
        Ok(list)
    }
}
