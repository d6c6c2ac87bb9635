//! The sandbox's INSi over HTTP, with the requests the host writes: it
//! answers the test identities as the recorded answers of the real service
//! do, covers 01 and 02 (a 02 that the birth place turns into 00), finds a
//! child through her father's card, and fails on demand.

use esculape_insi::request::envelope;
use esculape_insi::response;
use esculape_insi::*;
use esculape_sandbox::insi::{Panne, Reglages};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

async fn start() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let addr = listener.local_addr().expect("adresse");
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            esculape_sandbox::router(Arc::new(Default::default())),
        )
        .await;
    });
    format!("http://{addr}")
}

fn contexte() -> Contexte {
    Contexte::exemple()
}

fn traits(nom: &str, prenom: &str, sexe: &str, date: &str, lieu: Option<&str>) -> Recherche {
    Recherche::Traits(Traits {
        nom_naissance: nom.into(),
        prenoms: vec![prenom.into()],
        sexe: sexe.into(),
        date_naissance: date.into(),
        lieu_naissance: lieu.map(Into::into),
    })
}

async fn ask(
    client: &reqwest::Client,
    base: &str,
    r: &Recherche,
) -> (u16, esculape_insi::Result<Resultat>) {
    let reply = client
        .post(format!("{base}/insi"))
        .header(
            "content-type",
            format!(
                "application/soap+xml; charset=utf-8; action=\"{}\"",
                r.action()
            ),
        )
        .body(envelope(&contexte(), r))
        .send()
        .await
        .expect("réponse HTTP");
    let status = reply.status().as_u16();
    let text = reply.text().await.expect("corps");
    (status, response::parse(&text))
}

fn recorded(name: &str) -> Resultat {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/insi/responses")
        .join(name);
    response::parse(&std::fs::read_to_string(p).expect("réponse enregistrée")).expect("lue")
}

#[tokio::test]
async fn answers_the_test_identities_as_the_real_service_did() {
    let base = start().await;
    let c = reqwest::Client::new();
    for (query, file) in [
        (
            traits("Adrtrois", "Dominique", "F", "1997-02-26", None),
            "AdrtroisDominiqueXmlResponse.xml",
        ),
        (
            traits("ADRTROIS", "TOUSSAINT", "M", "1960-01-01", None),
            "AdrtroisToussaintXmlResponse.xml",
        ),
        (
            traits("TCHITCHI", "CATARINA", "F", "1936-06-21", None),
            "TchitchiCatarinaXmlResponse.xml",
        ),
        (
            traits("ECETINSI", "PIERRE-ALAIN", "M", "2009-07-14", None),
            "TEST_2.04_cas2.xml",
        ),
        (
            traits("PROVISOIRE", "MATRICULE", "M", "2009-07-01", None),
            "TEST_2.05.xml",
        ),
        (
            traits("CORSE", "ANTHONY", "M", "1980-03-02", None),
            "TEST_2.08_cas1.xml",
        ),
        (
            traits("HERMANN", "GATIEN", "M", "1981-03-24", None),
            "TEST_2.08_cas2.xml",
        ),
        (
            traits("INCONNU", "PERSONNE", "F", "1990-01-01", None),
            "REP_CR01.xml",
        ),
    ] {
        let (status, got) = ask(&c, &base, &query).await;
        assert_eq!(status, 200, "{file}");
        assert_eq!(got.expect(file), recorded(file), "{file}");
    }
}

#[tokio::test]
async fn a_02_becomes_00_with_the_birth_place() {
    let base = start().await;
    let c = reqwest::Client::new();
    let (_, r) = ask(
        &c,
        &base,
        &traits("DUPONT", "JEAN", "M", "1980-05-02", None),
    )
    .await;
    let r = r.expect("réponse");
    assert_eq!(r.code, CodeCr::Plusieurs);
    assert!(r.individu.is_none());
    let (_, r) = ask(
        &c,
        &base,
        &traits("DUPONT", "JEAN", "M", "1980-05-02", Some("69123")),
    )
    .await;
    let i = r.expect("réponse").individu.expect("00");
    assert_eq!(i.traits.lieu_naissance.as_deref(), Some("69123"));
    assert_eq!(i.traits.prenoms, ["JEAN"]);
    // Every key the sandbox gives is valid.
    let k = esculape_domain::identity::ins_key(&i.ins.numero).expect("clé");
    assert_eq!(i.ins.cle.as_deref(), Some(format!("{k:02}").as_str()));
}

#[tokio::test]
async fn the_reader_and_the_card_search() {
    let base = start().await;
    let c = reqwest::Client::new();
    let get = |path: &str| c.get(format!("{base}{path}")).send();
    // No card, then the family card inserted while a client waits.
    assert_eq!(get("/vitale/carte").await.expect("http").status(), 204);
    let waiting = {
        let c = c.clone();
        let url = format!("{base}/vitale/evenements?depuis=0&attente_ms=10000");
        tokio::spawn(async move {
            c.get(url)
                .send()
                .await
                .expect("http")
                .text()
                .await
                .expect("corps")
        })
    };
    tokio::task::yield_now().await;
    let r = c
        .post(format!("{base}/vitale/inserer/famille-dupont"))
        .send()
        .await
        .expect("http");
    assert_eq!(r.status(), 200);
    let events: serde_json::Value =
        serde_json::from_str(&waiting.await.expect("attente")).expect("json");
    assert_eq!(events[0]["nature"], "insertion");
    assert_eq!(events[0]["carte"], "famille-dupont");
    let card: serde_json::Value = get("/vitale/carte").await.expect("http").json_text().await;
    let child = &card["beneficiaires"][1];
    assert!(child["matricule_individu"].is_null());
    // The child is found through her father's NIR, birth date and rank.
    let od = child["matricule_ouvrant_droit"]
        .as_str()
        .expect("NIR du père");
    let query = Recherche::CarteVitale(CarteVitale {
        matricule_individu: None,
        matricule_ouvrant_droit: Some(Matricule {
            numero: od[..13].into(),
            cle: od[13..].into(),
        }),
        nom_naissance: Some("DUPONT".into()),
        date_naissance: "2015-03-10".into(),
        rang_naissance: Some("1".into()),
    });
    let (_, r) = ask(&c, &base, &query).await;
    let i = r.expect("réponse").individu.expect("00");
    assert_eq!(i.traits.prenoms, ["LEA"]);
    // Her own card holder by the individual NIR.
    let query = Recherche::CarteVitale(CarteVitale {
        matricule_individu: Some(Matricule {
            numero: "2360663220836".into(),
            cle: "56".into(),
        }),
        matricule_ouvrant_droit: None,
        nom_naissance: None,
        date_naissance: "1936-06-21".into(),
        rang_naissance: None,
    });
    let (_, r) = ask(&c, &base, &query).await;
    assert_eq!(
        r.expect("réponse"),
        recorded("TchitchiCatarinaXmlResponse.xml")
    );
    // Removal is an event too; an unknown card is refused.
    c.post(format!("{base}/vitale/retirer"))
        .send()
        .await
        .expect("http");
    let events: serde_json::Value = get("/vitale/evenements?depuis=1")
        .await
        .expect("http")
        .json_text()
        .await;
    assert_eq!(events[0]["nature"], "retrait");
    let r = c
        .post(format!("{base}/vitale/inserer/nimporte"))
        .send()
        .await
        .expect("http");
    assert_eq!(r.status(), 404);
}

trait JsonText {
    async fn json_text(self) -> serde_json::Value;
}

impl JsonText for reqwest::Response {
    async fn json_text(self) -> serde_json::Value {
        serde_json::from_str(&self.text().await.expect("corps")).expect("json")
    }
}

#[tokio::test]
async fn failures_on_demand_and_bad_requests() {
    let base = start().await;
    let c = reqwest::Client::new();
    let set = |r: Reglages| {
        c.put(format!("{base}/insi/reglages"))
            .header("content-type", "application/json")
            .body(serde_json::to_string(&r).expect("json"))
            .send()
    };
    let q = traits("TCHITCHI", "CATARINA", "F", "1936-06-21", None);

    set(Reglages {
        latence_ms: 0,
        panne: Some(Panne::Faute),
    })
    .await
    .expect("réglage");
    let (status, r) = ask(&c, &base, &q).await;
    assert_eq!(status, 500);
    assert!(matches!(r, Err(InsiError::Fault { .. })), "{r:?}");

    set(Reglages {
        latence_ms: 0,
        panne: Some(Panne::Indisponible),
    })
    .await
    .expect("réglage");
    let (status, _) = ask(&c, &base, &q).await;
    assert_eq!(status, 503);

    // A slow service meets the client's timeout.
    set(Reglages {
        latence_ms: 5_000,
        panne: None,
    })
    .await
    .expect("réglage");
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let err = impatient
        .post(format!("{base}/insi"))
        .body(envelope(&contexte(), &q))
        .send()
        .await
        .expect_err("délai dépassé");
    assert!(err.is_timeout());

    set(Reglages::default()).await.expect("réglage");
    // Not SOAP, or a body that does not match the action: a Sender fault.
    let r = c
        .post(format!("{base}/insi"))
        .body("<pas-du-soap/>")
        .send()
        .await
        .expect("http");
    assert_eq!(r.status(), 400);
    let text = r.text().await.expect("corps");
    assert!(matches!(
        response::parse(&text),
        Err(InsiError::Fault { .. })
    ));
    let r = c
        .post(format!("{base}/insi"))
        .header(
            "content-type",
            format!("application/soap+xml; action=\"{ACTION_VITALE}\""),
        )
        .body(envelope(&contexte(), &q))
        .send()
        .await
        .expect("http");
    assert_eq!(r.status(), 400);
    // Back to normal.
    let (status, r) = ask(&c, &base, &q).await;
    assert_eq!(status, 200);
    assert_eq!(r.expect("réponse").code, CodeCr::Trouve);
}
