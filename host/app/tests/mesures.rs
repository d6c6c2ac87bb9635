//! A measure keeps the time it was taken, in the practice's wall clock,
//! and plugins read it at that day's Paris offset: 10:00 in July is 08:00
//! UTC (+02:00), 10:00 in January 09:00 UTC (+01:00); a measure without a
//! time is read at noon. On SQLite and PostgreSQL.

use esculape_app::documents::Dossier;
use esculape_domain::calendar::{Heure, LocalDateTime, paris_instant};
use esculape_domain::record::{EntryData, MeasureKind};
use esculape_domain::{Day, Sex};
use esculape_runtime::RecordSource;
use esculape_store::Acteur as _;
use esculape_store::testing;

#[tokio::test]
async fn a_measure_taken_at_ten_in_july_is_read_at_ten_paris_time() {
    for t in testing::both().await {
        let name = t.name;
        let (store, _keep) = t.split();
        let practice = testing::practice(&store).await.unwrap();
        let dr = practice.medecin.actor();
        let p = store
            .create_patient(
                &dr,
                testing::identity("MESURE", &["JULIE"], "1990-04-02", Sex::Female),
            )
            .await
            .unwrap();
        let mesure = |date: &str, heure: Option<&str>, value: f64| EntryData::Mesure {
            measure: MeasureKind::Poids,
            value,
            date: Day::parse(date).unwrap(),
            heure: heure.map(|h| Heure::parse(h).unwrap()),
        };
        for m in [
            mesure("2026-07-15", Some("10:00"), 61.0),
            mesure("2026-01-15", Some("10:00"), 60.0),
            mesure("2025-12-01", None, 59.0),
        ] {
            store.add_entry(&dr, &p.id, None, m).await.unwrap();
        }
        let chart = store.chart(&dr, &p.id).await.unwrap();
        // Stored as typed: the time comes back.
        let july = chart
            .entries
            .iter()
            .find_map(|e| match &e.data {
                EntryData::Mesure { value, heure, .. } if *value == 61.0 => Some(*heure),
                _ => None,
            })
            .expect("the July measure");
        assert_eq!(
            july.map(|h| h.to_string()).as_deref(),
            Some("10:00"),
            "{name}"
        );

        let measures = Dossier::from_chart(&chart).measures(10).unwrap();
        let at: Vec<(i64, i16)> = measures
            .iter()
            .map(|m| (m.at.unix_millis, m.at.utc_offset_minutes))
            .collect();
        let utc = |s: &str| paris_instant(LocalDateTime::parse(s).unwrap());
        assert_eq!(
            at,
            [
                (utc("2026-07-15T10:00"), 120),
                (utc("2026-01-15T10:00"), 60),
                (utc("2025-12-01T12:00"), 60),
            ],
            "{name}: newest first, each at its own offset"
        );
        // 10:00 in July is 08:00 UTC.
        assert_eq!(
            esculape_domain::calendar::utc_compact(at[0].0),
            "20260715080000",
            "{name}"
        );
    }
}
