//! The proxy e-santé against the sandbox's PSC: the hosts' key, the code
//! flow, CIBA (ANS `/connect` and the non-blocking form), the session's
//! token refreshed, the session ended at PSC, `/disconnect`, `/traces`;
//! `/send` and the token exchange over mutual TLS, the sandbox served as
//! the national services are reached in production (its PSC names a
//! mutual-TLS token endpoint, its INSi accepts a professional's token only
//! when bound to the certificate the connection presents, RFC 8705).

use base64::Engine;
use esculape_psc::proxy_api::{
    Autorisation, CibaDemarree, EtatCiba, JetonAcces, RetourCode, SessionAns, SessionPsc, Trace,
};
use esculape_psc::{AuthentificationClient, ConfigPsc, Psc};
use esculape_sandbox::BacMutuel;
use esculape_sandbox::psc::{CLIENT, SECRET};
use esculape_transport::essai::Emis;
use esculape_transport::identite::maintenant;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

const CLE: &str = "cle-des-hotes-de-test";
const CLAIRE: &str = "810001234560";

struct Banc {
    /// The sandbox over plain HTTP (PSC's discovery, its test controls)
    /// and over mutual TLS; the proxy presents `bac.pki.structure`.
    bac: BacMutuel,
    proxy: String,
    http: reqwest::Client,
}

async fn servir(r: axum::Router) -> String {
    let ecoute = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", ecoute.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(ecoute, r).await });
    base
}

fn x5t(e: &Emis) -> String {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let der = CertificateDer::from_pem_slice(e.certificat_pem.as_bytes()).unwrap();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(der.as_ref()))
}

async fn banc() -> Banc {
    Banc::new().await
}

impl Banc {
    async fn new() -> Self {
        let bac = BacMutuel::demarrer().await.unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut b = Self {
            bac,
            proxy: String::new(),
            http,
        };
        b.reglages(json!({ "validation_auto_ms": null })).await;
        let psc = b.psc(Some(&b.bac.pki.structure)).await;
        b.proxy = servir(esculape_proxy::router(Arc::new(
            esculape_proxy::Proxy::new(psc, CLE)
                .avec_services([("insi".to_string(), format!("{}/insi", b.bac.mtls))]),
        )))
        .await;
        b
    }

    /// A PSC client of the sandbox whose HTTP client presents `certificat`.
    async fn psc(&self, certificat: Option<&Emis>) -> Psc {
        let c = ConfigPsc::nouvelle(
            &format!("{}/psc", self.bac.http),
            CLIENT,
            AuthentificationClient::Secret(SECRET.into()),
            "http://127.0.0.1:53999/psc",
        );
        let tls = self.bac.tls(certificat);
        Psc::decouvrir(
            c.clone(),
            esculape_psc::client_http(Some(tls), c.delai).unwrap(),
        )
        .await
        .unwrap()
    }

    async fn reglages(&self, r: serde_json::Value) {
        assert!(
            self.http
                .put(format!("{}/psc/reglages", self.bac.http))
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
                .post(format!("{}/psc/essai/ciba/{id}/{d}", self.bac.http))
                .send()
                .await
                .unwrap()
                .status()
                .is_success()
        );
    }

    /// Claire's CIBA sign-in started in the non-blocking form: where to
    /// ask how it stands.
    async fn ciba_de_claire(&self, message: &str) -> String {
        let d: CibaDemarree = self
            .appel(reqwest::Method::POST, "/esculape/ciba", None)
            .json(&esculape_psc::proxy_api::DemandeCiba {
                id_national: CLAIRE.into(),
                message: message.into(),
                canal: "MOBILE".into(),
            })
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        format!("/esculape/ciba/{}", d.demande)
    }

    /// The browser's part of the code flow on the sandbox page.
    async fn navigateur(&self, url: &str, id: &str) -> String {
        esculape_sandbox::psc::carte_choisie(&self.http, url, id)
            .await
            .unwrap()
    }

    /// Claire signs in by the code flow: her proxy session.
    async fn connexion(&self) -> String {
        let a: Autorisation = self
            .appel(reqwest::Method::POST, "/esculape/autorisation", None)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let requete = esculape_sandbox::psc::carte_choisie(&self.http, &a.url, CLAIRE)
            .await
            .unwrap();
        let s: SessionPsc = self
            .appel(reqwest::Method::POST, "/esculape/code", None)
            .json(&RetourCode { requete })
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        s.proxy_session_id
    }

    /// An INSi search by traits, as the host sends it.
    fn requete_insi(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let recherche = esculape_insi::Recherche::Traits(esculape_insi::Traits {
            nom_naissance: "ADRTROIS".into(),
            prenoms: vec!["DOMINIQUE".into()],
            sexe: "F".into(),
            date_naissance: "1997-02-26".into(),
            lieu_naissance: None,
        });
        r.header(
            "content-type",
            format!(
                "application/soap+xml; charset=utf-8; action=\"{}\"",
                recherche.action()
            ),
        )
        .body(esculape_insi::request::envelope(
            &esculape_insi::Contexte::exemple(),
            &recherche,
        ))
    }

    async fn journal_insi(&self) -> Vec<esculape_sandbox::insi::Appel> {
        self.http
            .get(format!("{}/insi/journal", self.bac.http))
            .send()
            .await
            .unwrap()
            .json()
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
        .post(format!("{}/psc/revoke", b.bac.http))
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
    let chemin = b.ciba_de_claire("55").await;
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

/// A CIBA request the professional gives up: PSC is polled no more, so a
/// validation that comes afterwards opens nothing; one already validated
/// but not yet claimed has its session ended (tokens revoked).
#[tokio::test]
async fn a_cancelled_ciba_request_stops_polling_and_leaves_no_session() {
    let b = &banc().await;
    let traces = || async {
        b.lire::<Vec<Trace>>(reqwest::Method::GET, "/traces", None)
            .await
    };
    let statut = |m: reqwest::Method, chemin: String| async move {
        b.appel(m, &chemin, None).send().await.unwrap().status()
    };

    // given up while pending: validated on the phone afterwards, nothing opens
    let chemin = b.ciba_de_claire("31").await;
    assert_eq!(statut(reqwest::Method::DELETE, chemin.clone()).await, 200);
    assert_eq!(statut(reqwest::Method::GET, chemin.clone()).await, 404);
    assert_eq!(statut(reqwest::Method::DELETE, chemin.clone()).await, 404);
    b.decider(CLAIRE, "accepter").await;
    // the sandbox's interval is 1 s: a poller still running would have
    // had the tokens by now
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let t = traces().await;
    assert!(t.iter().any(|t| t.resultat == "demande annulée"), "{t:?}");
    assert!(
        !t.iter().any(|t| t.resultat == "session ouverte"),
        "une session s'est ouverte après l'annulation : {t:?}"
    );

    // validated but not yet claimed, then given up: the session is ended
    let chemin = b.ciba_de_claire("42").await;
    b.decider(CLAIRE, "accepter").await;
    let mut ouverte = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if traces()
            .await
            .iter()
            .any(|t| t.resultat == "session ouverte")
        {
            ouverte = true;
            break;
        }
    }
    assert!(ouverte, "la validation n'a pas ouvert de session");
    assert_eq!(statut(reqwest::Method::DELETE, chemin.clone()).await, 200);
    let t = traces().await;
    let ouverture = t
        .iter()
        .find(|t| t.resultat == "session ouverte")
        .and_then(|t| t.session.clone())
        .expect("session tracée");
    assert!(
        t.iter().any(|t| t.action == "deconnexion"
            && t.session.as_deref() == Some(ouverture.as_str())
            && t.resultat == "jetons révoqués"),
        "{t:?}"
    );
    let r = b
        .appel(reqwest::Method::GET, "/esculape/session", Some(&ouverture))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

/// The INSi in the professional's name through `/send`: the proxy
/// exchanges her PSC token for one bound to its certificate and presents
/// both; the service sees who asks. Without a session, for an unknown
/// service, or once signed out: refused, said in French.
#[tokio::test]
async fn send_reaches_the_insi_in_the_professionals_name_with_a_certificate_bound_token() {
    let b = Banc::new().await;
    let sid = b.connexion().await;
    let r = b
        .requete_insi(b.appel(reqwest::Method::POST, "/send/insi", Some(&sid)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/soap+xml")
    );
    assert!(r.text().await.unwrap().contains("Envelope"));
    let journal = b.journal_insi().await;
    let dernier = journal.last().unwrap();
    assert_eq!(dernier.porteur_psc.as_deref(), Some(CLAIRE));
    // a second request uses the token already exchanged
    let r = b
        .requete_insi(b.appel(reqwest::Method::POST, "/send/insi", Some(&sid)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // refusals
    let r = b
        .requete_insi(b.appel(reqwest::Method::POST, "/send/insi", None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = b
        .requete_insi(b.appel(reqwest::Method::POST, "/send/dmp", Some(&sid)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("service « dmp » inconnu"));

    let traces: Vec<Trace> = b
        .appel(reqwest::Method::GET, "/traces", None)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let echanges = traces.iter().filter(|t| t.action == "echange").count();
    assert_eq!(echanges, 1, "un seul échange pour deux requêtes");
    assert!(
        traces
            .iter()
            .any(|t| t.action == "send" && t.resultat.contains("insi : 200"))
    );

    // signed out: the session and its exchanged tokens end
    let r = b
        .appel(reqwest::Method::DELETE, "/disconnect", Some(&sid))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = b
        .requete_insi(b.appel(reqwest::Method::POST, "/send/insi", Some(&sid)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

/// The exchange itself: only over mutual TLS; the token it gives is bound
/// to the certificate that asked (`cnf.x5t#S256`), and a service refuses
/// it on a connection presenting another certificate, or none.
#[tokio::test]
async fn an_exchanged_token_is_bound_to_the_certificate_that_asked_for_it() {
    let b = Banc::new().await;
    let sid = b.connexion().await;
    let acces: JetonAcces = b
        .appel(reqwest::Method::GET, "/esculape/jeton", Some(&sid))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let psc = b.psc(Some(&b.bac.pki.structure)).await;
    let lie = psc.echanger_jeton(&acces.acces).await.unwrap();
    assert_ne!(lie.acces, acces.acces);
    assert!(
        !format!("{lie:?}").contains(&lie.acces),
        "jeton hors du Debug"
    );

    // PSC says what it is bound to
    let i: serde_json::Value = b
        .http
        .post(format!("{}/psc/introspect", b.bac.http))
        .basic_auth(CLIENT, Some(SECRET))
        .form(&[("token", lie.acces.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(i["active"], true);
    assert_eq!(i["cnf"]["x5t#S256"], x5t(&b.bac.pki.structure));

    // the service: with the same certificate, accepted; another, refused
    let avec = |c: &Emis| {
        reqwest::Client::builder()
            .use_preconfigured_tls(b.bac.tls(Some(c)))
            .build()
            .unwrap()
    };
    let url = format!("{}/insi", b.bac.mtls);
    let r = b
        .requete_insi(
            avec(&b.bac.pki.structure)
                .post(&url)
                .bearer_auth(&lie.acces),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let autre = b
        .bac
        .pki
        .autorite
        .emettre_client(
            "Autre structure",
            maintenant() - 86_400,
            maintenant() + 86_400,
        )
        .unwrap();
    let r = b
        .requete_insi(avec(&autre).post(&url).bearer_auth(&lie.acces))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("autre certificat"));
    // the PSC token itself is not accepted by the service
    let r = b
        .requete_insi(
            avec(&b.bac.pki.structure)
                .post(&url)
                .bearer_auth(&acces.acces),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // no exchange at the plain token endpoint (no certificate there) ...
    let r = b
        .http
        .post(format!("{}/psc/token", b.bac.http))
        .basic_auth(CLIENT, Some(SECRET))
        .form(&[
            ("grant_type", esculape_psc::jetons::ECHANGE),
            ("subject_token", acces.acces.as_str()),
            ("subject_token_type", esculape_psc::jetons::TYPE_JETON_ACCES),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("TLS mutuel"));
    // ... nor by a client without a certificate at the mutual-TLS one
    let sans = b.psc(None).await;
    let e = sans.echanger_jeton(&acces.acces).await.unwrap_err();
    assert!(
        e.to_string().contains("injoignable"),
        "refusé à la poignée de main : {e}"
    );
    // an unknown PSC token is refused by PSC
    let e = psc.echanger_jeton("inconnu").await.unwrap_err();
    assert!(e.to_string().contains("reconnectez-vous"), "{e}");
}
