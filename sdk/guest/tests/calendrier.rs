//! The SDK's Europe/Paris rule (plugins carry no time zone data) agrees
//! with chrono-tz, the host's calendar, for every wall-clock hour from
//! 2000 to 2040, gaps and repeated hours included.

use chrono::{LocalResult, NaiveDate, Offset, TimeZone};
use esculape_sdk::calendar::decalage_paris;

#[test]
fn the_paris_offset_agrees_with_the_host_s_time_zone_data() {
    let paris = chrono_tz::Europe::Paris;
    let minutes = |t: chrono::DateTime<chrono_tz::Tz>| t.offset().fix().local_minus_utc() / 60;
    let mut jour = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let fin = NaiveDate::from_ymd_opt(2040, 1, 1).unwrap();
    let mut vus = 0;
    while jour < fin {
        for h in 0..24 {
            let local = jour.and_hms_opt(h, 30, 0).unwrap();
            let attendu = match paris.from_local_datetime(&local) {
                LocalResult::Single(t) => minutes(t),
                // the repeated autumn hour: its first (summer) occurrence
                LocalResult::Ambiguous(premier, _) => minutes(premier),
                // the spring gap: taken as summer time
                LocalResult::None => 120,
            };
            use chrono::Datelike;
            let recu = decalage_paris(jour.year().into(), jour.month(), jour.day(), h);
            assert_eq!(i32::from(recu), attendu, "{local}");
            vus += 1;
        }
        jour = jour.succ_opt().unwrap();
    }
    assert!(vus > 350_000);
}
