//! Dates for plugins, on chrono (the crate the host's calendar uses): day
//! counts since 1970-01-01 and HL7 times. The host hands every timestamp
//! with its Europe/Paris offset already applied, so plugins need no time
//! zone rules of their own.

use chrono::{Datelike, NaiveDate, Timelike};

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");

/// The civil date of a day count since 1970-01-01 (proleptic Gregorian).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let d = EPOCH
        .checked_add_signed(chrono::TimeDelta::days(days))
        .unwrap_or(if days < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        });
    (i64::from(d.year()), d.month(), d.day())
}

/// The day count since 1970-01-01 of a civil date; None for a date that
/// does not exist (31 April, 29 February of a common year, month 0).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    let date = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?;
    Some((date - EPOCH).num_days())
}

/// The Europe/Paris offset in minutes (60 in winter, 120 in summer) of a
/// wall-clock hour `heure` on that day: the EU rule in force since 1996,
/// summer time from the last Sunday of March 01:00 UTC to the last Sunday
/// of October 01:00 UTC. An hour that does not exist (the spring gap) is
/// taken as summer time, the repeated autumn hour as its first, summer,
/// occurrence. Plugins read HL7 times written without an offset with it;
/// the host's own calendar uses chrono-tz (a test checks both agree).
pub fn decalage_paris(annee: i64, mois: u32, jour: u32, heure: u32) -> i16 {
    let dernier_dimanche = |m: u32| -> Option<u32> {
        let d31 = days_from_civil(annee, m, 31)?;
        // 1970-01-01 was a Thursday: 0 = Sunday
        let semaine = (d31 + 4).rem_euclid(7) as u32;
        Some(31 - semaine)
    };
    let (Some(mars), Some(octobre)) = (dernier_dimanche(3), dernier_dimanche(10)) else {
        return 60;
    };
    let ete = match (mois, jour) {
        (4..=9, _) => true,
        (3, j) if j > mars => true,
        (3, j) if j == mars => heure >= 2,
        (10, j) if j < octobre => true,
        (10, j) if j == octobre => heure < 3,
        _ => false,
    };
    if ete { 120 } else { 60 }
}

/// HL7 TS of a Unix time in milliseconds at a UTC offset in minutes:
/// `AAAAMMJJhhmmss+hhmm`.
pub fn hl7_time(unix_millis: i64, utc_offset_minutes: i16) -> String {
    let local = chrono::DateTime::from_timestamp_millis(
        unix_millis + i64::from(utc_offset_minutes) * 60_000,
    )
    .unwrap_or_default()
    .naive_utc();
    let sign = if utc_offset_minutes < 0 { '-' } else { '+' };
    let off = utc_offset_minutes.unsigned_abs();
    // Fields written by hand: chrono's strftime machinery would add tens
    // of KiB to every plugin.
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}{sign}{:02}{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        local.second(),
        off / 60,
        off % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_hl7_times() {
        // 2026-11-26T14:09:22Z in Paris (UTC+1).
        assert_eq!(hl7_time(1_795_702_162_000, 60), "20261126150922+0100");
        // 10:00 in July in Paris (UTC+2) is 08:00 UTC.
        assert_eq!(hl7_time(1_784_102_400_000, 120), "20260715100000+0200");
        assert_eq!(hl7_time(0, -120), "19691231220000-0200");
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(19_358), (2023, 1, 1));
        assert_eq!(days_from_civil(2023, 1, 1), Some(19_358));
        assert_eq!(days_from_civil(2023, 2, 29), None);
        assert_eq!(
            days_from_civil(2024, 2, 29).map(civil_from_days),
            Some((2024, 2, 29))
        );
    }
}
