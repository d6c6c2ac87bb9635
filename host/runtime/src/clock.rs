//! The practice clock: UTC from the system, offset of metropolitan France
//! (CET/CEST, EU summer time rule). Overseas practices need their own offset
//! (a later setting).

use crate::bindings::v0_1_0::types::{Date, Timestamp};
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

/// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Civil date to days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Unix millis of 01:00 UTC on the last Sunday of a month.
fn last_sunday_1h_utc(year: i64, month: u32) -> i64 {
    let last_day = days_from_civil(year, month + 1, 1) - 1;
    // 1970-01-01 was a Thursday: weekday 0 = Sunday.
    let weekday = (last_day + 4).rem_euclid(7);
    (last_day - weekday) * 86_400_000 + 3_600_000
}

/// +120 minutes in summer time (last Sunday of March to last Sunday of
/// October, 01:00 UTC), +60 otherwise.
pub fn paris_offset_minutes(unix_millis: i64) -> i16 {
    let (year, _, _) = civil_from_days(unix_millis.div_euclid(86_400_000));
    let start = last_sunday_1h_utc(year, 3);
    let end = last_sunday_1h_utc(year, 10);
    if unix_millis >= start && unix_millis < end {
        120
    } else {
        60
    }
}

/// The local date of a timestamp.
pub fn local_date(t: &Timestamp) -> Date {
    let local = t.unix_millis + t.utc_offset_minutes as i64 * 60_000;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400_000));
    Date {
        year: y.clamp(0, u16::MAX as i64) as u16,
        month: m as u8,
        day: d as u8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summer_and_winter_time() {
        // 2026-03-29 00:59 UTC: still winter time; 01:00 UTC: summer time.
        let switch = days_from_civil(2026, 3, 29) * 86_400_000 + 3_600_000;
        assert_eq!(paris_offset_minutes(switch - 60_000), 60);
        assert_eq!(paris_offset_minutes(switch), 120);
        // 2026-10-25 01:00 UTC: back to winter time.
        let back = days_from_civil(2026, 10, 25) * 86_400_000 + 3_600_000;
        assert_eq!(paris_offset_minutes(back - 1), 120);
        assert_eq!(paris_offset_minutes(back), 60);
    }

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
