//! The practice clock: UTC from the system, the offset of Europe/Paris from
//! the domain's calendar (chrono-tz; its summer-time rule is tested there).
//! Overseas practices need their own zone (a later setting).

use crate::model::{Date, Timestamp};
use crate::services::Clock;

pub struct ParisClock;

impl Clock for ParisClock {
    fn now(&self) -> Timestamp {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Timestamp {
            unix_millis: millis,
            utc_offset_minutes: paris_offset_minutes(millis),
        }
    }
}

pub use esculape_domain::calendar::{civil_from_days, days_from_civil, paris_offset_minutes};

/// The local date of a timestamp.
pub fn local_date(t: &Timestamp) -> Date {
    let (y, m, d, ..) = esculape_domain::calendar::local_parts(t.unix_millis, t.utc_offset_minutes);
    Date {
        year: y.clamp(0, u16::MAX as i32) as u16,
        month: m as u8,
        day: d as u8,
    }
}

/// The instant of a wall-clock time in Paris on a day, at that day's
/// offset; none for a day that does not exist.
pub fn local_time(d: &Date, minutes: u16) -> Option<Timestamp> {
    let day =
        esculape_domain::Day::parse(&format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)).ok()?;
    let local = esculape_domain::calendar::LocalDateTime::at(day, u32::from(minutes));
    let millis = esculape_domain::calendar::paris_instant(local);
    Some(Timestamp {
        unix_millis: millis,
        utc_offset_minutes: paris_offset_minutes(millis),
    })
}

/// Noon, Paris time, of a day: the moment of a measure whose time of day
/// is unknown.
pub fn noon(d: &Date) -> Option<Timestamp> {
    local_time(d, 12 * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_midnight() {
        // 2026-11-26 23:30 UTC is already the 27th in Paris.
        let t = Timestamp {
            unix_millis: days_from_civil(2026, 11, 26) * 86_400_000 + 23 * 3_600_000 + 1_800_000,
            utc_offset_minutes: 60,
        };
        let d = local_date(&t);
        assert_eq!((d.year, d.month, d.day), (2026, 11, 27));
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), (2000, 2, 29));
    }
}
