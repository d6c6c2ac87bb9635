//! The agenda: recurring availability of practitioners per site,
//! appointments and the waiting room.

use crate::calendar::{CalendarError, Day, LocalDateTime, format_time, parse_time};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgendaError {
    #[error("{0}")]
    Calendar(#[from] CalendarError),
    #[error("jour de semaine invalide {0} (1 = lundi … 7 = dimanche)")]
    BadWeekday(u8),
    #[error("la fin doit suivre le début")]
    EmptyInterval,
    #[error("durée de créneau invalide {0} min (5 à 240)")]
    BadSlot(u32),
    #[error("rendez-vous trop long ({0} min; 8 h au plus)")]
    TooLong(i64),
    #[error("passage impossible de «{from}» à «{to}»")]
    Transition {
        from: &'static str,
        to: &'static str,
    },
}

/// A weekly availability: each `weekday`, from `start` to `end`, in slots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Availability {
    pub practitioner_id: String,
    pub site_id: String,
    /// 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    /// "08:30"
    pub start: String,
    /// "12:00"
    pub end: String,
    pub slot_minutes: u32,
    /// First day it applies (inclusive).
    #[serde(default)]
    pub valid_from: Option<Day>,
    /// Last day it applies (inclusive).
    #[serde(default)]
    pub valid_until: Option<Day>,
}

impl Availability {
    pub fn validate(self) -> Result<Self, AgendaError> {
        if !(1..=7).contains(&self.weekday) {
            return Err(AgendaError::BadWeekday(self.weekday));
        }
        let s = parse_time(&self.start)?;
        let e = parse_time(&self.end)?;
        if e <= s {
            return Err(AgendaError::EmptyInterval);
        }
        if !(5..=240).contains(&self.slot_minutes) {
            return Err(AgendaError::BadSlot(self.slot_minutes));
        }
        Ok(Availability {
            start: format_time(s),
            end: format_time(e),
            ..self
        })
    }

    /// The slots this availability opens on a day.
    pub fn slots_on(&self, day: Day) -> Vec<(LocalDateTime, LocalDateTime)> {
        if day.weekday() != self.weekday
            || self.valid_from.is_some_and(|f| day < f)
            || self.valid_until.is_some_and(|u| day > u)
        {
            return vec![];
        }
        let (Ok(s), Ok(e)) = (parse_time(&self.start), parse_time(&self.end)) else {
            return vec![];
        };
        let mut out = vec![];
        let mut t = s;
        while t + self.slot_minutes <= e {
            out.push((
                LocalDateTime::at(day, t),
                LocalDateTime::at(day, t + self.slot_minutes),
            ));
            t += self.slot_minutes;
        }
        out
    }
}

/// Where an appointment stands; the waiting room is the `arrive` ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AppointmentStatus {
    Prevu,
    /// In the waiting room.
    Arrive,
    EnConsultation,
    Termine,
    Annule,
    /// Did not come.
    Absent,
}

impl AppointmentStatus {
    pub fn code(self) -> &'static str {
        match self {
            AppointmentStatus::Prevu => "prevu",
            AppointmentStatus::Arrive => "arrive",
            AppointmentStatus::EnConsultation => "en-consultation",
            AppointmentStatus::Termine => "termine",
            AppointmentStatus::Annule => "annule",
            AppointmentStatus::Absent => "absent",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        use AppointmentStatus::*;
        [Prevu, Arrive, EnConsultation, Termine, Annule, Absent]
            .into_iter()
            .find(|x| x.code() == s)
    }
    /// Does it hold the practitioner's time (cancelled and missed ones free it)?
    pub fn occupies(self) -> bool {
        !matches!(self, AppointmentStatus::Annule | AppointmentStatus::Absent)
    }
    pub fn can_become(self, to: AppointmentStatus) -> Result<(), AgendaError> {
        use AppointmentStatus::*;
        let ok = matches!(
            (self, to),
            (Prevu, Arrive)
                | (Prevu, Annule)
                | (Prevu, Absent)
                | (Arrive, EnConsultation)
                | (Arrive, Prevu)
                | (Arrive, Annule)
                | (EnConsultation, Termine)
                | (Absent, Prevu)
        );
        if ok {
            Ok(())
        } else {
            Err(AgendaError::Transition {
                from: self.code(),
                to: to.code(),
            })
        }
    }
}

/// A booked appointment, as stored and as the API gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Appointment {
    pub id: String,
    pub practitioner_id: String,
    pub site_id: String,
    pub patient_id: Option<String>,
    pub start: LocalDateTime,
    pub end: LocalDateTime,
    pub reason: Option<String>,
    pub status: AppointmentStatus,
    /// When the patient was marked arrived (Unix ms).
    pub arrived_at: Option<i64>,
    pub version: i64,
}

/// An appointment request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NewAppointment {
    pub practitioner_id: String,
    pub site_id: String,
    #[serde(default)]
    pub patient_id: Option<String>,
    pub start: LocalDateTime,
    pub end: LocalDateTime,
    #[serde(default)]
    pub reason: Option<String>,
}

impl NewAppointment {
    pub fn validate(self) -> Result<Self, AgendaError> {
        let len = self.end.0 - self.start.0;
        if len <= 0 {
            return Err(AgendaError::EmptyInterval);
        }
        if len > 8 * 60 {
            return Err(AgendaError::TooLong(len));
        }
        Ok(NewAppointment {
            reason: self
                .reason
                .map(|r| r.trim().chars().take(500).collect::<String>())
                .filter(|r| !r.is_empty()),
            ..self
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekly_slots_and_transitions() {
        let a = Availability {
            practitioner_id: "p".into(),
            site_id: "s".into(),
            weekday: 4,
            start: "08:30".into(),
            end: "10:00".into(),
            slot_minutes: 20,
            valid_from: None,
            valid_until: None,
        }
        .validate()
        .unwrap();
        let slots = a.slots_on(Day::parse("2026-11-26").unwrap());
        assert_eq!(slots.len(), 4);
        assert_eq!(slots[3].0.to_string(), "2026-11-26T09:30");
        assert!(a.slots_on(Day::parse("2026-11-27").unwrap()).is_empty());
        use AppointmentStatus::*;
        assert!(Prevu.can_become(Arrive).is_ok());
        assert!(Termine.can_become(Prevu).is_err());
        assert!(!Annule.occupies());
    }
}
