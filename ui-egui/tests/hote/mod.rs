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
    /// The loopback redirect the client listens on for Pro Santé Connect.
    pub redirection: String,
    pub patient: String,
    /// The host's store, to put in it what no screen makes (a message
    /// read from a mailbox).
    pub store: Arc<esculape_store::Store>,
    /// The practice's structure.
    structure: String,
    tokio: tokio::runtime::Runtime,
    _keep: (
        esculape_sdk_testing::Harness,
        (testing::KeepAlive, esculape_sandbox::BacMutuel),
    ),
}

pub const MEDECIN: (&str, &str) = ("dr.martin", testing::MEDECIN_PASSWORD);
pub const SECRETAIRE: (&str, &str) = ("accueil", testing::SECRETAIRE_PASSWORD);

impl Hote {
    /// The INSi sandbox answers after `ms` milliseconds.
    pub fn latence_insi(&self, ms: u64) {
        self.reglages_insi(format!(r#"{{"latence_ms":{ms}}}"#));
    }

    /// The DMP sandbox answers after `ms` milliseconds.
    pub fn latence_dmp(&self, ms: u64) {
        let url = format!("{}/dmp/reglages", self.sandbox);
        self.tokio.block_on(async move {
            let res = reqwest::Client::new()
                .put(url)
                .json(&serde_json::json!({ "latence_ms": ms }))
                .send()
                .await
                .expect("sandbox");
            assert!(res.status().is_success());
        });
    }

    /// The INSi sandbox is down (HTTP 503).
    pub fn panne_insi(&self) {
        self.reglages_insi(r#"{"panne":"indisponible"}"#.into());
    }

    /// The sandbox's PSC: the professional `id` validates (or refuses)
    /// on their card or phone.
    pub fn decider_ciba(&self, id: &str, decision: &str) {
        let url = format!("{}/psc/essai/ciba/{id}/{decision}", self.sandbox);
        self.tokio.block_on(async move {
            let r = reqwest::Client::new()
                .post(url)
                .send()
                .await
                .expect("sandbox");
            assert!(r.status().is_success());
        });
    }

    /// A browser that signs `id` in on the sandbox's PSC page and comes
    /// back to the loopback redirect, as the system browser would.
    pub fn navigateur(id: &'static str) -> esculape_ui::api::Navigateur {
        std::sync::Arc::new(move |url: String| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async move {
                let http = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| e.to_string())?;
                let requete = esculape_sandbox::psc::carte_choisie(&http, &url, id).await?;
                let redirection = url::Url::parse(&url)
                    .map_err(|e| e.to_string())?
                    .query_pairs()
                    .find(|(k, _)| k == "redirect_uri")
                    .map(|(_, v)| v.into_owned())
                    .ok_or("redirect_uri absent")?;
                // the page the loopback serves comes back: the flow goes on
                // in the client
                tokio::spawn(async move {
                    let _ = reqwest::get(format!("{redirection}?{requete}")).await;
                });
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                Ok(())
            })
        })
    }

    /// Puts a CDA in the DMP of the patient `ins`, as another
    /// professional would have fed it.
    pub fn deposer_dmp(&self, ins: &str, cda: Vec<u8>) {
        let url = format!("{}/dmp/documents/{ins}", self.sandbox);
        self.tokio.block_on(async move {
            let res = reqwest::Client::new()
                .post(url)
                .body(cda)
                .send()
                .await
                .expect("sandbox");
            assert_eq!(res.status().as_u16(), 201);
        });
    }

    /// A message read from the doctor's mailbox, recorded in the work list
    /// as the host's reading records it.
    pub fn message_recu(&self, m: esculape_store::mss::NouveauMessage) {
        let store = self.store.clone();
        let medecin = esculape_store::Actor {
            user_id: MEDECIN.0.into(),
            portee: esculape_store::Portee::Structure(self.structure.clone()),
        };
        self.tokio.block_on(async move {
            store
                .noter_message_mss(&medecin, &m)
                .await
                .unwrap()
                .expect("nouveau message");
        });
    }

    /// The actions of the audit trail, oldest first.
    pub fn actions(&self) -> Vec<String> {
        let store = self.store.clone();
        self.tokio.block_on(async move {
            store
                .audit_since(0)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.action)
                .collect()
        })
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
    demarrer_avec(false)
}

/// [`demarrer`], plus a patient with a qualified INS (the INSi test
/// identity ADRTROIS DOMINIQUE, an open DMP in the sandbox) whose consent
/// to the DMP is recorded: the chart then asks the DMP.
pub fn demarrer_avec_patient_qualifie() -> Hote {
    demarrer_avec(true)
}

fn demarrer_avec(qualifie: bool) -> Hote {
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
    let (url, sandbox, patient, keep, redirection, store, structure) = tokio.block_on(async move {
        // the sandbox over HTTP, and over mutual TLS where the proxy
        // e-santé reaches the national services with the structure's
        // certificate
        let mutuel = esculape_sandbox::BacMutuel::demarrer().await.unwrap();
        let saddr = mutuel.http.trim_start_matches("http://").to_string();
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
        if qualifie {
            let identite = esculape_domain::Identity::validate(
                serde_json::from_str(r#"{"birth_name":"Adrtrois","birth_first_names":["Dominique"],"sex":"F","birth_date":"1997-02-26","birth_place_cog":"2A020","ins":{"matricule":"297022A02077878","oid":"1.2.250.1.213.1.4.8"},"from_insi":true,"justificatif":"procedure_transitoire"}"#).unwrap(),
                esculape_domain::BirthDate::parse("2026-11-26").unwrap(),
            )
            .unwrap();
            let p = t.store.create_patient(&doctor, identite).await.unwrap();
            let ep = t.store.open_episode(&doctor, &p.id, "Suivi").await.unwrap();
            t.store
                .record_dmp_decision(
                    &doctor,
                    &ep.id,
                    esculape_domain::DmpDecision::Consultation(esculape_domain::DmpConsultation::Consentie),
                )
                .await
                .unwrap();
        }
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
        let store = Arc::new(store);
        let mut config = InsiConfig::from_env();
        config.url = format!("http://{saddr}/insi");
        config.lecteur = Some(format!("http://{saddr}/vitale"));
        let mut state = AppState::new(
            Arc::new(rt),
            store.clone(),
            Arc::new(InsiClient::new(config)),
        );
        // the sandbox's DMP behind the chart's DICA
        let mut dmp = esculape_app::dmp::DmpConfig::from_env();
        dmp.url = format!("http://{saddr}/dmp");
        state.app.dmp = Arc::new(esculape_app::dmp::DmpClient::new(dmp));
        // the sandbox's Annuaire Santé
        state.app.annuaire = Arc::new(esculape_app::annuaire::AnnuaireClient::new(
            esculape_app::annuaire::AnnuaireConfig {
                url: format!("http://{saddr}/fhir/v2"),
                cle: Some(esculape_sandbox::annuaire::CLE.into()),
                autorites: None,
                timeout: std::time::Duration::from_secs(10),
            },
        ));
        // Pro Santé Connect: a real proxy e-santé on the sandbox's PSC
        // (CIBA decided by the tests), the client's loopback on a free port.
        let reglage = reqwest::Client::new()
            .put(format!("http://{saddr}/psc/reglages"))
            .json(&serde_json::json!({ "validation_auto_ms": null }))
            .send()
            .await
            .unwrap();
        assert!(reglage.status().is_success());
        let boucle = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let redirection = format!("http://{boucle}/psc");
        let c = esculape_psc::ConfigPsc::nouvelle(
            &format!("http://{saddr}/psc"),
            esculape_sandbox::psc::CLIENT,
            esculape_psc::AuthentificationClient::Secret(esculape_sandbox::psc::SECRET.into()),
            &redirection,
        );
        let tls = mutuel.tls(Some(&mutuel.pki.structure));
        let psc = esculape_psc::Psc::decouvrir(
            c.clone(),
            esculape_psc::client_http(Some(tls), c.delai).unwrap(),
        )
        .await
        .unwrap();
        let pl = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let paddr = pl.local_addr().unwrap();
        let proxy = esculape_proxy::router(Arc::new(
            esculape_proxy::Proxy::new(psc, "cle-de-test")
                .avec_services([("dmp".to_string(), format!("{}/dmp", mutuel.mtls))])
                .avec_certificat(
                    esculape_transport::identite::IdentiteClient::depuis_pem(
                        mutuel.pki.structure.certificat_pem.as_bytes(),
                        mutuel.pki.structure.cle_pem.as_bytes(),
                        "structure",
                    )
                    .unwrap(),
                ),
        ));
        tokio::spawn(async move {
            let _ = axum::serve(pl, proxy).await;
        });
        state.app.psc = Some(Arc::new(esculape_app::psc::ConnexionPsc::new(
            esculape_app::psc::ConfigProxy {
                url: format!("http://{paddr}"),
                cle: "cle-de-test".into(),
                redirection: redirection.clone(),
            },
        )
        .unwrap()));
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(l, router(state)).await;
        });
        (
            format!("http://{addr}"),
            format!("http://{saddr}"),
            rec.id,
            (keep, mutuel),
            redirection,
            store,
            practice.structure.id.clone(),
        )
    });
    Hote {
        url,
        sandbox,
        redirection,
        patient,
        store,
        structure,
        tokio,
        _keep: (h, keep),
    }
}
