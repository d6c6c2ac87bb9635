//! Civil dates and local date-times of the practice (no time zone data:
//! agenda times are the practice's wall-clock times).

use serde::{Deserialize, Serialize};
use std::fmt;

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

/// Offset of metropolitan France: +120 minutes in summer time (last Sunday
/// of March to last Sunday of October, 01:00 UTC), +60 otherwise.
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

/// The practice's local date and time of a Unix instant.
pub fn paris_local(unix_millis: i64) -> LocalDateTime {
    let local = unix_millis + paris_offset_minutes(unix_millis) as i64 * 60_000;
    LocalDateTime(local.div_euclid(60_000))
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
        // Round trip through the day count rejects 31 April and 29 February
        // of common years.
        if Day::from_days(d.days()) != d {
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
        // 1970-01-01 was a Thursday (4).
        ((self.days() + 3).rem_euclid(7) + 1) as u8
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let born = Day::parse("1980-03-15").unwrap();
        assert_eq!(born.years_until(Day::parse("2026-03-14").unwrap()), 45);
        assert_eq!(born.years_until(Day::parse("2026-03-15").unwrap()), 46);
    }
}
