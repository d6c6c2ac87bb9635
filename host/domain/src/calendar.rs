//! The practice's calendar: civil dates, wall-clock times and the
//! Europe/Paris time zone, on chrono and chrono-tz (the IANA rules, so a
//! change of the summer-time rule is a crate update, not our code). Every
//! date computation of the host goes through here; the plugins use the
//! SDK's, on the same crate.

use chrono::{Datelike, NaiveDate, Offset, TimeZone, Timelike};
use chrono_tz::Europe::Paris;
use serde::{Deserialize, Serialize};
use std::fmt;

const UNIX_EPOCH_DAY: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");

/// Days since 1970-01-01 to a civil date (proleptic Gregorian).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let d = UNIX_EPOCH_DAY
        .checked_add_signed(chrono::TimeDelta::days(days))
        .unwrap_or(if days < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        });
    (d.year() as i64, d.month(), d.day())
}

/// Civil date to days since 1970-01-01 (a day past the month's end rolls
/// into the next, as the arithmetic always did: 1 of month 13 is 1 January).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let (y, m) = (
        y + (m as i64 - 1).div_euclid(12),
        (m as i64 - 1).rem_euclid(12) as u32 + 1,
    );
    let first = i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m, 1))
        .unwrap_or(NaiveDate::MAX);
    (first - UNIX_EPOCH_DAY).num_days() + d as i64 - 1
}

/// Offset of the practice's time (Europe/Paris) from UTC at an instant, in
/// minutes: +60 in winter, +120 in summer.
pub fn paris_offset_minutes(unix_millis: i64) -> i16 {
    match chrono::DateTime::from_timestamp_millis(unix_millis) {
        Some(utc) => {
            (Paris
                .offset_from_utc_datetime(&utc.naive_utc())
                .fix()
                .local_minus_utc()
                / 60) as i16
        }
        None => 60,
    }
}

/// The practice's local date and time of a Unix instant.
pub fn paris_local(unix_millis: i64) -> LocalDateTime {
    let local = unix_millis + paris_offset_minutes(unix_millis) as i64 * 60_000;
    LocalDateTime(local.div_euclid(60_000))
}

/// The Unix instant (ms) of a wall-clock time of the practice. A time the
/// spring change skips (02:30 on the last Sunday of March) is read as the
/// same time in winter offset, one that the autumn change repeats as its
/// first occurrence.
pub fn paris_instant(t: LocalDateTime) -> i64 {
    let naive =
        UNIX_EPOCH_DAY.and_hms_opt(0, 0, 0).expect("midnight") + chrono::TimeDelta::minutes(t.0);
    match Paris.from_local_datetime(&naive) {
        chrono::LocalResult::Single(d) | chrono::LocalResult::Ambiguous(d, _) => {
            d.timestamp_millis()
        }
        chrono::LocalResult::None => (naive - chrono::TimeDelta::hours(1))
            .and_utc()
            .timestamp_millis(),
    }
}

/// A Unix instant's wall-clock parts at a UTC offset in minutes: (year,
/// month, day, hour, minute, second).
pub fn local_parts(unix_millis: i64, offset_minutes: i16) -> (i32, u32, u32, u32, u32, u32) {
    let local =
        chrono::DateTime::from_timestamp_millis(unix_millis + offset_minutes as i64 * 60_000)
            .unwrap_or_default()
            .naive_utc();
    (
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        local.second(),
    )
}

/// A Unix instant's wall-clock parts in the practice: (year, month, day,
/// hour, minute, second, offset in minutes).
pub fn paris_parts(unix_millis: i64) -> (i32, u32, u32, u32, u32, u32, i16) {
    let offset = paris_offset_minutes(unix_millis);
    let (y, mo, d, h, mi, s) = local_parts(unix_millis, offset);
    (y, mo, d, h, mi, s, offset)
}

/// A Unix instant in UTC as `AAAAMMJJhhmmss` (XDS, HL7 without offset).
pub fn utc_compact(unix_millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(unix_millis)
        .unwrap_or_default()
        .format("%Y%m%d%H%M%S")
        .to_string()
}

/// A Unix instant in UTC as an `xsd:dateTime` (`AAAA-MM-JJThh:mm:ssZ`).
pub fn utc_xsd(unix_millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(unix_millis)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("date invalide «{0}» (attendu AAAA-MM-JJ)")]
    BadDate(String),
    #[error("date et heure invalides «{0}» (attendu AAAA-MM-JJTHH:MM)")]
    BadDateTime(String),
    #[error("heure invalide «{0}» (attendu HH:MM)")]
    BadTime(String),
}

/// A complete civil date, serialised `AAAA-MM-JJ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Day {
    pub fn parse(s: &str) -> Result<Self, CalendarError> {
        let bad = || CalendarError::BadDate(s.to_string());
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let year: i32 = s[0..4].parse().map_err(|_| bad())?;
        let month: u32 = s[5..7].parse().map_err(|_| bad())?;
        let day: u32 = s[8..10].parse().map_err(|_| bad())?;
        let d = Day { year, month, day };
        if !(1850..=2200).contains(&year) || !(1..=12).contains(&month) || day == 0 {
            return Err(bad());
        }
        // Rejects 31 April and 29 February of common years.
        if NaiveDate::from_ymd_opt(year, month, day).is_none() {
            return Err(bad());
        }
        Ok(d)
    }
    pub fn days(self) -> i64 {
        days_from_civil(self.year as i64, self.month, self.day)
    }
    pub fn from_days(days: i64) -> Self {
        let (y, m, d) = civil_from_days(days);
        Day {
            year: y as i32,
            month: m,
            day: d,
        }
    }
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub fn weekday(self) -> u8 {
        NaiveDate::from_ymd_opt(self.year, self.month, self.day)
            .map(|d| d.weekday().number_from_monday() as u8)
            .unwrap_or(1)
    }
    /// Whole years from `self` to `on` (age on a date).
    pub fn years_until(self, on: Day) -> i32 {
        let mut y = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            y -= 1;
        }
        y
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Day::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Minutes since midnight, `HH:MM`.
pub fn parse_time(s: &str) -> Result<u32, CalendarError> {
    let bad = || CalendarError::BadTime(s.to_string());
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if h > 24 || m > 59 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

pub fn format_time(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A wall-clock time of the practice within a day, to the minute,
/// serialised `HH:MM` (00:00 to 23:59).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Heure(u32);

impl Heure {
    pub fn parse(s: &str) -> Result<Self, CalendarError> {
        let m = parse_time(s)?;
        if m >= 24 * 60 {
            return Err(CalendarError::BadTime(s.to_string()));
        }
        Ok(Heure(m))
    }
    /// Minutes since midnight; None past 23:59.
    pub fn from_minutes(m: u32) -> Option<Self> {
        (m < 24 * 60).then_some(Heure(m))
    }
    pub fn minutes(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Heure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_time(self.0))
    }
}

impl Serialize for Heure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Heure {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Heure::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A wall-clock date and time of the practice, to the minute, serialised
/// `AAAA-MM-JJTHH:MM`; stored as minutes since 1970-01-01T00:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDateTime(pub i64);

impl LocalDateTime {
    pub fn parse(s: &str) -> Result<Self, CalendarError> {
        let bad = || CalendarError::BadDateTime(s.to_string());
        let (d, t) = s.split_once('T').ok_or_else(bad)?;
        let day = Day::parse(d).map_err(|_| bad())?;
        let t = t.get(..5).unwrap_or(t);
        let minutes = parse_time(t).map_err(|_| bad())?;
        if minutes >= 24 * 60 {
            return Err(bad());
        }
        Ok(Self::at(day, minutes))
    }
    pub fn at(day: Day, minutes: u32) -> Self {
        LocalDateTime(day.days() * 1440 + minutes as i64)
    }
    pub fn day(self) -> Day {
        Day::from_days(self.0.div_euclid(1440))
    }
    pub fn minute_of_day(self) -> u32 {
        self.0.rem_euclid(1440) as u32
    }
    pub fn plus_minutes(self, m: i64) -> Self {
        LocalDateTime(self.0 + m)
    }
}

impl fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}T{}", self.day(), format_time(self.minute_of_day()))
    }
}

impl Serialize for LocalDateTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LocalDateTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        LocalDateTime::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The JSON schema of a type serialised as a string of a fixed shape.
macro_rules! schema_texte {
    ($t:ty, $pattern:literal, $description:literal) => {
        impl schemars::JsonSchema for $t {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($t).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                    "description": $description,
                })
            }
        }
    };
}

schema_texte!(Day, "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "Date, AAAA-MM-JJ");
schema_texte!(Heure, "^[0-9]{2}:[0-9]{2}$", "Heure du cabinet, HH:MM");
schema_texte!(
    LocalDateTime,
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$",
    "Date et heure du cabinet (Europe/Paris), AAAA-MM-JJTHH:MM"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_time_follows_the_summer_rule() {
        // 2026-03-29 01:00 UTC: summer time begins; 2026-10-25 01:00 UTC: ends.
        let spring = days_from_civil(2026, 3, 29) * 86_400_000 + 3_600_000;
        assert_eq!(paris_offset_minutes(spring - 60_000), 60);
        assert_eq!(paris_offset_minutes(spring), 120);
        let autumn = days_from_civil(2026, 10, 25) * 86_400_000 + 3_600_000;
        assert_eq!(paris_offset_minutes(autumn - 1), 120);
        assert_eq!(paris_offset_minutes(autumn), 60);
        // 10:00 in July is 08:00 UTC, and back.
        let july = LocalDateTime::parse("2026-07-15T10:00").unwrap();
        let at = paris_instant(july);
        assert_eq!(utc_compact(at), "20260715080000");
        assert_eq!(paris_local(at), july);
        assert_eq!(paris_parts(at), (2026, 7, 15, 10, 0, 0, 120));
        // 10:00 in January is 09:00 UTC.
        let january = LocalDateTime::parse("2026-01-15T10:00").unwrap();
        assert_eq!(utc_compact(paris_instant(january)), "20260115090000");
        // The skipped hour of spring and the repeated one of autumn.
        let skipped = LocalDateTime::parse("2026-03-29T02:30").unwrap();
        assert_eq!(utc_compact(paris_instant(skipped)), "20260329013000");
        let repeated = LocalDateTime::parse("2026-10-25T02:30").unwrap();
        assert_eq!(utc_compact(paris_instant(repeated)), "20261025003000");
        assert_eq!(utc_xsd(at), "2026-07-15T08:00:00Z");
    }

    #[test]
    fn dates_round_trip_and_reject_impossible_days() {
        assert_eq!(Day::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        assert!(Day::parse("2023-02-29").is_err());
        assert!(Day::parse("2026-04-31").is_err());
        assert!(Day::parse("26-11-2026").is_err());
        assert_eq!(Day::parse("2026-11-26").unwrap().weekday(), 4);
        assert_eq!(Day::parse("2026-11-30").unwrap().weekday(), 1);
        let dt = LocalDateTime::parse("2026-11-26T09:30").unwrap();
        assert_eq!(dt.to_string(), "2026-11-26T09:30");
        assert_eq!(dt.plus_minutes(15).to_string(), "2026-11-26T09:45");
        assert!(LocalDateTime::parse("2026-11-26T24:00").is_err());
        assert!(LocalDateTime::parse("2026-11-26 09:30").is_err());
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), (2000, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(days_from_civil(2026, 13, 1), days_from_civil(2027, 1, 1));
        let born = Day::parse("1980-03-15").unwrap();
        assert_eq!(born.years_until(Day::parse("2026-03-14").unwrap()), 45);
        assert_eq!(born.years_until(Day::parse("2026-03-15").unwrap()), 46);
    }
}
