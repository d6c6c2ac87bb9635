//! The proxy e-santé against the sandbox's PSC: the hosts' key, the code
//! flow, CIBA (ANS `/connect` and the non-blocking form), the session's
//! token refreshed, the session ended at PSC, `/disconnect`, `/traces`.

use esculape_psc::proxy_api::{
    Autorisation, CibaDemarree, EtatCiba, JetonAcces, RetourCode, SessionAns, SessionPsc, Trace,
};
use esculape_psc::{AuthentificationClient, ConfigPsc, Psc};
use esculape_sandbox::psc::{CLIENT, SECRET};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const CLE: &str = "cle-des-hotes-de-test";
const CLAIRE: &str = "810001234560";

struct Banc {
    bac: String,
    proxy: String,
    http: reqwest::Client,
}

async fn servir(r: axum::Router) -> String {
    let ecoute = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", ecoute.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(ecoute, r).await });
    base
}

async fn banc() -> Banc {
    let bac = servir(esculape_sandbox::router(Arc::new(Default::default()))).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let b = Banc {
        bac,
        proxy: String::new(),
        http,
    };
    b.reglages(json!({ "validation_auto_ms": null })).await;
    let c = ConfigPsc::nouvelle(
        &format!("{}/psc", b.bac),
        CLIENT,
        AuthentificationClient::Secret(SECRET.into()),
        "http://127.0.0.1:53999/psc",
    );
    let psc = Psc::decouvrir(c.clone(), esculape_psc::client_http(None, c.delai).unwrap())
        .await
        .unwrap();
    let proxy = servir(esculape_proxy::router(Arc::new(
        esculape_proxy::Proxy::new(psc, CLE),
    )))
    .await;
    Banc { proxy, ..b }
}

impl Banc {
    async fn reglages(&self, r: serde_json::Value) {
        assert!(
            self.http
                .put(format!("{}/psc/reglages", self.bac))
                .json(&r)
                .send()
                .await
                .unwrap()
                .status()
                .is_success()
        );
    }

    fn appel(
        &self,
        m: reqwest::Method,
        chemin: &str,
        session: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let mut r = self
            .http
            .request(m, format!("{}{chemin}", self.proxy))
            .bearer_auth(CLE);
        if let Some(s) = session {
            r = r.header("Cookie", format!("proxy_session_id={s}"));
        }
        r
    }

    /// A GET (or `m`) to the proxy, its JSON answer.
    async fn lire<T: serde::de::DeserializeOwned>(
        &self,
        m: reqwest::Method,
        chemin: &str,
        session: Option<&str>,
    ) -> T {
        self.appel(m, chemin, session)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn decider(&self, id: &str, d: &str) {
        assert!(
            self.http
                .post(format!("{}/psc/essai/ciba/{id}/{d}", self.bac))
                .send()
                .await
                .unwrap()
                .status()
                .is_success()
        );
    }

    /// The browser's part of the code flow on the sandbox page.
    async fn navigateur(&self, url: &str, id: &str) -> String {
        esculape_sandbox::psc::carte_choisie(&self.http, url, id)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn without_the_hosts_key_nothing_is_answered() {
    let b = banc().await;
    for (m, chemin) in [
        (reqwest::Method::POST, "/esculape/autorisation"),
        (reqwest::Method::GET, "/traces"),
        (reqwest::Method::GET, "/esculape/jeton"),
    ] {
        let r = b
            .http
            .request(m.clone(), format!("{}{chemin}", b.proxy))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{chemin}");
        let r = b
            .http
            .request(m, format!("{}{chemin}", b.proxy))
            .bearer_auth("autre")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{chemin}");
        assert!(r.text().await.unwrap().contains("clé du proxy"));
    }
}

#[tokio::test]
async fn a_browser_sign_in_opens_a_session_whose_token_is_refreshed_then_ended() {
    let b = banc().await;
    b.reglages(json!({ "validation_auto_ms": null, "duree_acces_s": 30 }))
        .await;
    let a: Autorisation = b
        .appel(reqwest::Method::POST, "/esculape/autorisation", None)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let requete = b.navigateur(&a.url, CLAIRE).await;
    let s: SessionPsc = b
        .appel(reqwest::Method::POST, "/esculape/code", None)
        .json(&RetourCode {
            requete: requete.clone(),
        })
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(s.identite.rpps(), Some("10001234560"));
    // the same answer again: the request was used
    let r = b
        .appel(reqwest::Method::POST, "/esculape/code", None)
        .json(&RetourCode { requete })
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // 30 s of life, within the margin: refreshed on the way
    let sid = s.proxy_session_id.as_str();
    let j1: JetonAcces = b
        .appel(reqwest::Method::GET, "/esculape/jeton", Some(sid))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let j2: JetonAcces = b
        .appel(reqwest::Method::GET, "/esculape/jeton", Some(sid))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(
        j1.acces, j2.acces,
        "rafraîchi à chaque fois qu'il allait expirer"
    );

    // a long-lived token, then the session ends at PSC (signed out elsewhere)
    b.reglages(json!({ "validation_auto_ms": null, "duree_acces_s": 600 }))
        .await;
    let j3: JetonAcces = b
        .appel(reqwest::Method::GET, "/esculape/jeton", Some(sid))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = b
        .http
        .post(format!("{}/psc/revoke", b.bac))
        .basic_auth(CLIENT, Some(SECRET))
        .form(&[("token", j3.acces.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let r = b
        .appel(reqwest::Method::GET, "/esculape/session", Some(sid))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("reconnectez-vous"));
}

#[tokio::test]
async fn ciba_through_the_ans_connect_and_the_non_blocking_form() {
    let b = banc().await;
    // ANS /connect: answered once validated, with the cookie
    let decision = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        b.decider(CLAIRE, "accepter").await;
    };
    let appel = b
        .appel(reqwest::Method::POST, "/connect", None)
        .json(&json!({ "nationalId": CLAIRE, "bindingMessage": "07", "clientId": CLIENT, "channel": "CARD" }))
        .send();
    let (r, ()) = tokio::join!(appel, decision);
    let r = r.unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    let s: SessionAns = r.json().await.unwrap();
    assert!(cookie.starts_with(&format!("proxy_session_id={}", s.proxy_session_id)));
    // already connected: 304, nothing asked of PSC
    let r = b
        .appel(reqwest::Method::POST, "/connect", Some(&s.proxy_session_id))
        .json(&json!({ "nationalId": CLAIRE, "bindingMessage": "07", "clientId": CLIENT, "channel": "CARD" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    let r = b
        .appel(
            reqwest::Method::DELETE,
            "/disconnect",
            Some(&s.proxy_session_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = b
        .appel(
            reqwest::Method::GET,
            "/esculape/session",
            Some(&s.proxy_session_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // unknown national id: 404 as the ANS API says
    let r = b
        .appel(reqwest::Method::POST, "/connect", None)
        .json(&json!({ "nationalId": "899799999999", "bindingMessage": "07", "clientId": CLIENT, "channel": "CARD" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // the non-blocking form: pending, then validated
    let d: CibaDemarree = b
        .appel(reqwest::Method::POST, "/esculape/ciba", None)
        .json(&esculape_psc::proxy_api::DemandeCiba {
            id_national: CLAIRE.into(),
            message: "55".into(),
            canal: "MOBILE".into(),
        })
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let chemin = format!("/esculape/ciba/{}", d.demande);
    let e: EtatCiba = b.lire(reqwest::Method::GET, &chemin, None).await;
    assert!(matches!(e, EtatCiba::EnAttente), "{e:?}");
    b.decider(CLAIRE, "refuser").await;
    let mut fin = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        match b
            .lire::<EtatCiba>(reqwest::Method::GET, &chemin, None)
            .await
        {
            EtatCiba::EnAttente => continue,
            autre => {
                fin = Some(autre);
                break;
            }
        }
    }
    assert!(
        matches!(fin, Some(EtatCiba::Erreur { ref message }) if message.contains("refusée sur la carte")),
        "{fin:?}"
    );

    // the trace of it all, for the conformity checks
    let traces: Vec<Trace> = b
        .appel(reqwest::Method::GET, "/traces", None)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = traces.iter().map(|t| t.action.as_str()).collect();
    for a in ["connect", "deconnexion", "ciba"] {
        assert!(actions.contains(&a), "{a} absent de {actions:?}");
    }
    assert!(traces.iter().all(|t| !t.resultat.contains(CLE)));
}
