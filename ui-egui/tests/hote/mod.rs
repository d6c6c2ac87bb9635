//! A real host for the client's tests: the HTTP API on a port of this
//! machine over a SQLite database with a small practice and one patient,
//! the INS plugin installed, the national services' sandbox for the INSi.
#![allow(dead_code)]

use esculape_host::api::{AppState, router};
use esculape_host::insi::{InsiClient, InsiConfig};
use esculape_store::testing;
use std::sync::Arc;

pub struct Hote {
    pub url: String,
    pub sandbox: String,
    pub patient: String,
    tokio: tokio::runtime::Runtime,
    _keep: (esculape_sdk_testing::Harness, testing::KeepAlive),
}

pub const MEDECIN: (&str, &str) = ("dr.martin", testing::MEDECIN_PASSWORD);
pub const SECRETAIRE: (&str, &str) = ("accueil", testing::SECRETAIRE_PASSWORD);

impl Hote {
    /// The INSi sandbox answers after `ms` milliseconds.
    pub fn latence_insi(&self, ms: u64) {
        self.reglages_insi(format!(r#"{{"latence_ms":{ms}}}"#));
    }

    /// The INSi sandbox is down (HTTP 503).
    pub fn panne_insi(&self) {
        self.reglages_insi(r#"{"panne":"indisponible"}"#.into());
    }

    fn reglages_insi(&self, body: String) {
        let url = format!("{}/insi/reglages", self.sandbox);
        self.tokio.block_on(async move {
            let res = reqwest::Client::new()
                .put(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("sandbox");
            assert!(res.status().is_success());
        });
    }
}

pub fn demarrer() -> Hote {
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let h = esculape_sdk_testing::Harness::new();
    h.install_crate("esculape-plugin-ins").unwrap();
    h.install_crate("esculape-plugin-doc-generique").unwrap();
    h.install_crate("esculape-plugin-doc-vac-note").unwrap();
    let home = h.home().to_path_buf();
    std::fs::create_dir_all(home.join("trusted-keys")).unwrap();
    std::fs::write(home.join("trusted-keys/k.pub"), h.key.public_hex()).unwrap();
    let rt = esculape_host::home::runtime(&home).unwrap();
    for (id, r) in rt.load_installed() {
        assert!(r.is_ok(), "module {id} non chargé: {r:?}");
    }
    let (url, sandbox, patient, keep) = tokio.block_on(async move {
        let sl = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let saddr = sl.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(sl, esculape_sandbox::router(Arc::new(Default::default()))).await;
        });
        let t = testing::sqlite().await.unwrap();
        let practice = testing::practice(&t.store).await.unwrap();
        let doctor = esculape_store::Actor::user(practice.medecin.login.clone());
        // An INSi test identity (MARTINEZ ANA, born in Spain) known here
        // without her birth place: the INSi's (99134) is outside the local
        // referential, so no automatic recovery: the user compares, then
        // validates.
        let mut identity = testing::identity(
            "MARTINEZ",
            &["ANA"],
            "1975-08-19",
            esculape_domain::Sex::Female,
        );
        identity.birth_place_cog = None;
        let rec = t.store.create_patient(&doctor, identity).await.unwrap();
        // A child of 18 months with measures: the growth charts.
        let enfant = t
            .store
            .create_patient(
                &doctor,
                testing::identity(
                    "PETIT",
                    &["LOUIS"],
                    "2025-05-20",
                    esculape_domain::Sex::Male,
                ),
            )
            .await
            .unwrap();
        for (measure, value, date) in [
            (
                esculape_domain::record::MeasureKind::Poids,
                9.6,
                "2026-05-20",
            ),
            (
                esculape_domain::record::MeasureKind::Taille,
                75.5,
                "2026-05-20",
            ),
            (
                esculape_domain::record::MeasureKind::Poids,
                11.1,
                "2026-11-20",
            ),
        ] {
            t.store
                .add_entry(
                    &doctor,
                    &enfant.id,
                    None,
                    esculape_domain::record::EntryData::Mesure {
                        measure,
                        value,
                        date: esculape_domain::calendar::Day::parse(date).unwrap(),
                        heure: None,
                    },
                )
                .await
                .unwrap();
        }
        let (store, keep) = t.split();
        let mut config = InsiConfig::from_env();
        config.url = format!("http://{saddr}/insi");
        config.lecteur = Some(format!("http://{saddr}/vitale"));
        let state = AppState::new(
            Arc::new(rt),
            Arc::new(store),
            Arc::new(InsiClient::new(config)),
        );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(l, router(state)).await;
        });
        (
            format!("http://{addr}"),
            format!("http://{saddr}"),
            rec.id,
            keep,
        )
    });
    Hote {
        url,
        sandbox,
        patient,
        tokio,
        _keep: (h, keep),
    }
}
