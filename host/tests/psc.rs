//! Signing in with Pro Santé Connect through the HTTP API, on SQLite and
//! PostgreSQL: the host talks to a real proxy e-santé (`esculape-proxy`)
//! which talks to the sandbox's PSC. The browser's part is driven as a
//! person would, on the sandbox's page.

mod common;
#[path = "../psc/tests/commun/mod.rs"]
mod commun;

use common::{TestApp, call};
use esculape_app::psc::{ConfigProxy, ConnexionPsc};
use esculape_psc::{AuthentificationClient, ConfigPsc, Psc};
use esculape_sandbox::psc::{CLIENT, SECRET};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const CLE: &str = "cle-du-proxy-des-tests";
/// The tests' doctor (dr.martin of `esculape_store::testing`, RPPS
/// 10001234567), who practises in two places.
const CLAIRE: &str = "810001234567";
/// PSC's published example: no account here.
const KIT: &str = "899700366240";

struct Banc {
    /// The sandbox over plain HTTP (PSC, its controls); its INSi is
    /// reached by the proxy over mutual TLS.
    bac: String,
    proxy: String,
    psc: Arc<ConnexionPsc>,
    http: reqwest::Client,
}

async fn banc() -> Banc {
    // the national services as reached in production: mutual TLS with
    // the structure's certificate, which the proxy holds
    let mutuel = esculape_sandbox::BacMutuel::demarrer().await.unwrap();
    let tls = mutuel.tls(Some(&mutuel.pki.structure));
    let (bac, mtls) = (mutuel.http.clone(), mutuel.mtls.clone());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .put(format!("{bac}/psc/reglages"))
        .json(&json!({ "validation_auto_ms": null }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let c = ConfigPsc::nouvelle(
        &format!("{bac}/psc"),
        CLIENT,
        AuthentificationClient::Secret(SECRET.into()),
        "http://127.0.0.1:53998/psc",
    );
    let psc = Psc::decouvrir(
        c.clone(),
        esculape_psc::client_http(Some(tls), c.delai).unwrap(),
    )
    .await
    .unwrap();
    let ecoute = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = format!("http://{}", ecoute.local_addr().unwrap());
    let routes = esculape_proxy::router(Arc::new(
        esculape_proxy::Proxy::new(psc, CLE)
            .avec_services([
                ("insi".into(), format!("{mtls}/insi")),
                ("dmp".into(), format!("{mtls}/dmp")),
            ])
            .avec_certificat(
                esculape_transport::identite::IdentiteClient::depuis_pem(
                    mutuel.pki.structure.certificat_pem.as_bytes(),
                    mutuel.pki.structure.cle_pem.as_bytes(),
                    "structure",
                )
                .unwrap(),
            ),
    ));
    tokio::spawn(async move { axum::serve(ecoute, routes).await });
    let psc = Arc::new(
        ConnexionPsc::new(ConfigProxy {
            url: proxy.clone(),
            cle: CLE.into(),
            redirection: "http://127.0.0.1:53998/psc".into(),
        })
        .unwrap(),
    );
    Banc {
        bac,
        proxy,
        psc,
        http,
    }
}

impl Banc {
    /// The browser on the sandbox's PSC page: `id`'s card chosen; the
    /// query string it brings back to the loopback redirect.
    async fn navigateur(&self, url: &str, id: &str) -> String {
        esculape_sandbox::psc::carte_choisie(&self.http, url, id)
            .await
            .unwrap()
    }

    async fn decider(&self, id: &str, decision: &str) {
        let r = self
            .http
            .post(format!("{}/psc/essai/ciba/{id}/{decision}", self.bac))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }

    /// The access token of a proxy session (as MSSanté would ask it).
    async fn jeton(&self, proxy_session: &str) -> String {
        let r: Value = self
            .http
            .get(format!("{}/esculape/jeton", self.proxy))
            .bearer_auth(CLE)
            .header("cookie", format!("proxy_session_id={proxy_session}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["acces"].as_str().unwrap().to_string()
    }

    /// The PSC session of the host's session `token` ended at PSC
    /// (elsewhere than here).
    async fn revoquer(&self, token: &str) {
        let psc = self.psc.session_de(token).unwrap();
        let acces = self.jeton(&psc.proxy_session_id).await;
        let r = self
            .http
            .post(format!("{}/psc/revoke", self.bac))
            .basic_auth(CLIENT, Some(SECRET))
            .form(&[("token", acces.as_str())])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }

    async fn session_au_proxy(&self, proxy_session: &str) -> u16 {
        self.http
            .get(format!("{}/esculape/session", self.proxy))
            .bearer_auth(CLE)
            .header("cookie", format!("proxy_session_id={proxy_session}"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

/// A browser sign-in through the API: the state it ends in.
async fn par_navigateur(t: &TestApp, b: &Banc, id: &str) -> (u16, Value) {
    let (s, d) = call(&t.app, "POST", "/api/psc/navigateur", None, None).await;
    assert_eq!(s, 200, "{d}");
    let requete = b.navigateur(d["url"].as_str().unwrap(), id).await;
    retour_du_navigateur(t, &requete).await
}

/// What the browser brought back to the loopback redirect, given to the
/// host as the client does.
async fn retour_du_navigateur(t: &TestApp, requete: &str) -> (u16, Value) {
    let corps = json!({ "requete": requete }).to_string();
    let (s, e) = call(
        &t.app,
        "POST",
        "/api/psc/navigateur/retour",
        Some(&corps),
        None,
    )
    .await;
    (s.as_u16(), e)
}

async fn choisir(
    t: &TestApp,
    ticket: &Value,
    compte: &str,
    activite: Option<&str>,
) -> (u16, Value) {
    let corps = json!({ "ticket": ticket, "compte": compte, "activite": activite }).to_string();
    let (s, r) = call(&t.app, "POST", "/api/psc/choix", Some(&corps), None).await;
    (s.as_u16(), r)
}

async fn actions(t: &TestApp) -> Vec<(String, String)> {
    t.store
        .audit_since(0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.detail))
        .collect()
}

/// The same browser sign-in on a real OpenID provider configured like PSC
/// (npm `oidc-provider`): the browser goes through its login form, the
/// proxy redeems the code, the host links the account by RPPS; signing
/// out revokes the tokens at the provider.
#[tokio::test]
async fn a_doctor_signs_in_through_the_browser_on_a_real_openid_provider() {
    let f = commun::Fournisseur::demarrer();
    for st in esculape_store::testing::both().await {
        let nom = st.name;
        let ecoute = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", ecoute.local_addr().unwrap());
        let routes =
            esculape_proxy::router(Arc::new(esculape_proxy::Proxy::new(f.psc().await, CLE)));
        tokio::spawn(async move { axum::serve(ecoute, routes).await });
        let psc = Arc::new(
            ConnexionPsc::new(ConfigProxy {
                url,
                cle: CLE.into(),
                redirection: f.redirection.clone(),
            })
            .unwrap(),
        );
        let t = TestApp::avec_psc(st, psc.clone()).await;
        let (s, d) = call(&t.app, "POST", "/api/psc/navigateur", None, None).await;
        assert_eq!(s, 200, "{nom}: {d}");
        let adresse = d["url"].as_str().unwrap();
        assert!(adresse.starts_with(&f.emetteur), "{nom}: {adresse}");
        let retour = commun::Navigateur::new()
            .parcourir(adresse, &f.redirection, commun::Geste::SeConnecter(CLAIRE))
            .await;
        let (s, e) = retour_du_navigateur(&t, retour.split_once('?').unwrap().1).await;
        assert_eq!(s, 200, "{nom}: {e}");
        assert_eq!(e["etat"], "a_choisir", "{nom}: {e}");
        assert_eq!(e["comptes"][0]["login"], t.practice.medecin.login.as_str());
        assert_eq!(e["comptes"][0]["lie"], false, "{nom}: première connexion");
        let (s, session) = choisir(&t, &e["ticket"], &t.practice.medecin.id, None).await;
        assert_eq!(s, 200, "{nom}: {session}");
        assert_eq!(session["psc"], true, "{nom}");
        let token = session["token"].as_str().unwrap().to_string();
        let (s, _) = t.call("GET", "/api/session", None, &token).await;
        assert_eq!(s, 200, "{nom}");

        // signed out: the provider no longer holds the token as active
        let jeton = psc.jeton(&t.practice.medecin.login).await.unwrap();
        let fournisseur = f.psc().await;
        assert!(fournisseur.introspecter(&jeton.acces).await.unwrap());
        let (s, _) = t.call("DELETE", "/api/session", None, &token).await;
        assert_eq!(s, 204, "{nom}");
        assert!(
            !fournisseur.introspecter(&jeton.acces).await.unwrap(),
            "{nom}: jeton encore actif après la déconnexion"
        );
    }
}

#[tokio::test]
async fn a_doctor_signs_in_with_psc_is_linked_by_rpps_and_signed_out_with_it() {
    for st in esculape_store::testing::both().await {
        let b = banc().await;
        let t = TestApp::avec_psc(st, b.psc.clone()).await;
        let nom = t.name;
        let (s, d) = call(&t.app, "GET", "/api/psc", None, None).await;
        assert_eq!(
            (s.as_u16(), d["disponible"].as_bool()),
            (200, Some(true)),
            "{nom}"
        );

        // first sign-in: the account found by RPPS, to confirm; two
        // activities, to choose from
        let (s, e) = par_navigateur(&t, &b, CLAIRE).await;
        assert_eq!(s, 200, "{nom}: {e}");
        assert_eq!(e["etat"], "a_choisir", "{nom}: {e}");
        assert_eq!(e["professionnel"]["nom"], "MARTIN");
        let comptes = e["comptes"].as_array().unwrap();
        assert_eq!(comptes.len(), 1, "{nom}: {e}");
        assert_eq!(comptes[0]["login"], t.practice.medecin.login.as_str());
        assert_eq!(comptes[0]["lie"], false, "première connexion : à confirmer");
        assert_eq!(e["activites"].as_array().unwrap().len(), 2);
        let ticket = &e["ticket"];
        let medecin = t.practice.medecin.id.as_str();
        // a wrong account, no activity among two: said, the choice kept
        let (s, r) = choisir(&t, ticket, &t.practice.secretaire.id, None).await;
        assert_eq!(s, 422, "{nom}: {r}");
        let (s, r) = choisir(&t, ticket, medecin, None).await;
        assert_eq!(s, 422, "{nom}: {r}");
        assert!(
            r["erreur"].as_str().unwrap().contains("plusieurs lieux"),
            "{r}"
        );
        // her local password has just expired (an administrator's reset):
        // it holds up a password session, not one the card opened
        let (s, _) = t
            .call(
                "POST",
                &format!("/api/users/{medecin}/password"),
                Some(r#"{"password":"Remis-A-Zero-2026"}"#),
                &t.admin,
            )
            .await;
        assert_eq!(s, 200, "{nom}");
        let (s, session) = choisir(&t, ticket, medecin, Some("R20000001")).await;
        assert_eq!(s, 200, "{nom}: {session}");
        assert_eq!(session["psc"], true, "{nom}: ouverte par Pro Santé Connect");
        assert_eq!(session["password_expired"], false, "{nom}: {session}");
        let token = session["token"].as_str().unwrap().to_string();
        let (s, e) = t.call("GET", "/api/patients?q=x", None, &token).await;
        assert_eq!(s, 200, "{nom}: {e}");
        let (_, par_mdp) = call(
            &t.app,
            "POST",
            "/api/session",
            Some(
                &json!({ "login": t.practice.medecin.login, "password": "Remis-A-Zero-2026" })
                    .to_string(),
            ),
            None,
        )
        .await;
        assert_eq!(par_mdp["password_expired"], true, "{nom}: {par_mdp}");
        let (s, moi) = t.call("GET", "/api/session", None, &token).await;
        assert_eq!(
            (s.as_u16(), &moi["user"]["id"]),
            (200, &json!(medecin)),
            "{nom}"
        );
        let psc = b.psc.session_de(&token).expect("session PSC gardée");
        assert_eq!(psc.activite.as_deref(), Some("R20000001"));
        // the ticket served once
        let (s, _) = choisir(&t, ticket, medecin, Some("R20000001")).await;
        assert_eq!(s, 404, "{nom}");
        let trace = actions(&t).await;
        assert!(
            trace
                .iter()
                .any(|(a, d)| a == "psc.liaison" && d.contains(CLAIRE)),
            "{nom}: {trace:?}"
        );
        assert!(
            trace
                .iter()
                .any(|(a, d)| a == "connexion.succes" && d.contains("Pro Santé Connect")),
            "{nom}"
        );

        // logout ends the PSC session at the proxy too
        assert_eq!(b.session_au_proxy(&psc.proxy_session_id).await, 200);
        let (s, _) = t.call("DELETE", "/api/session", None, &token).await;
        assert_eq!(s, 204, "{nom}");
        assert_eq!(
            b.session_au_proxy(&psc.proxy_session_id).await,
            401,
            "{nom}"
        );

        // a local session that ends by itself (inactivity) ends its PSC
        // session at the next check
        let (_, e) = par_navigateur(&t, &b, CLAIRE).await;
        let (_, session) = choisir(&t, &e["ticket"], medecin, Some("R20000001")).await;
        let jeton = session["token"].as_str().unwrap().to_string();
        let psc = b.psc.session_de(&jeton).unwrap();
        let hash = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(jeton.as_bytes()))
        };
        t.store.supprimer_session(&hash).await.unwrap();
        assert_eq!(t.state.psc_surveiller().await.unwrap(), 1, "{nom}");
        assert_eq!(
            b.session_au_proxy(&psc.proxy_session_id).await,
            401,
            "{nom}"
        );
        assert!(b.psc.session_de(&jeton).is_none());

        // a CIBA sign-in given up: the proxy stops asking PSC, so a
        // validation on the card afterwards opens nothing
        let corps = json!({ "id_national": CLAIRE, "canal": "CARD" }).to_string();
        let (s, c) = call(&t.app, "POST", "/api/psc/ciba", Some(&corps), None).await;
        assert_eq!(s, 200, "{nom}: {c}");
        let chemin = format!("/api/psc/ciba/{}", c["demande"].as_str().unwrap());
        let (s, _) = call(&t.app, "DELETE", &chemin, None, None).await;
        assert_eq!(s, 204, "{nom}");
        b.decider(CLAIRE, "accepter").await;
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let (s, e) = call(&t.app, "GET", &chemin, None, None).await;
        assert_ne!(s, 200, "{nom}: la demande abandonnée a répondu {e}");
        assert!(
            actions(&t).await.iter().any(|(a, _)| a == "psc.annulation"),
            "{nom}"
        );
        let (s, _) = call(&t.app, "DELETE", "/api/psc/ciba/pas-un-ticket", None, None).await;
        assert_eq!(s, 404, "{nom}");

        // second sign-in, by CIBA: the account is linked now
        let (s, c) = call(&t.app, "POST", "/api/psc/ciba", Some(&corps), None).await;
        assert_eq!(s, 200, "{nom}: {c}");
        let message = c["message"].as_str().unwrap();
        assert!(message.len() == 2 && message.bytes().all(|b| b.is_ascii_digit()));
        let chemin = format!("/api/psc/ciba/{}", c["demande"].as_str().unwrap());
        let (_, e) = call(&t.app, "GET", &chemin, None, None).await;
        assert_eq!(e["etat"], "en_attente", "{nom}: {e}");
        b.decider(CLAIRE, "accepter").await;
        let mut e = Value::Null;
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            e = call(&t.app, "GET", &chemin, None, None).await.1;
            if e["etat"] != "en_attente" {
                break;
            }
        }
        assert_eq!(e["etat"], "a_choisir", "{nom}: {e}");
        assert_eq!(e["comptes"][0]["lie"], true, "{nom}: {e}");
        let (s, session) = choisir(&t, &e["ticket"], medecin, Some("R20000002")).await;
        assert_eq!(s, 200, "{nom}: {session}");
        let token = session["token"].as_str().unwrap().to_string();

        // PSC ends the session (signed out elsewhere): the local one ends
        b.revoquer(&token).await;
        assert_eq!(t.state.psc_surveiller().await.unwrap(), 1, "{nom}");
        let (s, _) = t.call("GET", "/api/session", None, &token).await;
        assert_eq!(s, 401, "{nom}: la session locale finit avec celle de PSC");
        assert!(
            actions(&t)
                .await
                .iter()
                .any(|(a, _)| a == "psc.fin_de_session"),
            "{nom}"
        );
    }
}

#[tokio::test]
async fn two_accounts_of_one_rpps_are_offered_and_an_unknown_rpps_is_refused_in_french() {
    for st in esculape_store::testing::both().await {
        let b = banc().await;
        let t = TestApp::avec_psc(st, b.psc.clone()).await;
        let nom = t.name;
        let autre = esculape_store::testing::structure_de_test(
            &t.store,
            "Centre du Canal",
            "750000002",
            "canal.",
        )
        .await
        .unwrap();
        let (_, e) = par_navigateur(&t, &b, CLAIRE).await;
        let comptes: Vec<&str> = e["comptes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["login"].as_str().unwrap())
            .collect();
        assert_eq!(comptes.len(), 2, "{nom}: {e}");
        assert!(
            comptes.contains(&"canal.dr.martin") && comptes.contains(&"dr.martin"),
            "{comptes:?}"
        );
        let (s, session) = choisir(&t, &e["ticket"], &autre.medecin.id, Some("R20000002")).await;
        assert_eq!(s, 200, "{nom}: {session}");
        assert_eq!(
            session["user"]["structure_id"],
            json!(autre.structure.id),
            "{nom}"
        );

        let (s, e) = par_navigateur(&t, &b, KIT).await;
        assert_eq!(s, 403, "{nom}: {e}");
        let m = e["erreur"].as_str().unwrap();
        assert!(
            m.contains("aucun compte Esculape actif n'a le RPPS 99700366240"),
            "{m}"
        );
        assert!(m.contains("administrateur"), "{m}");
        assert!(
            actions(&t)
                .await
                .iter()
                .any(|(a, d)| a == "connexion.echec" && d.contains("Pro Santé Connect")),
            "{nom}"
        );
        // a CIBA refused on the phone is said, and traced
        let corps = json!({ "id_national": CLAIRE, "canal": "MOBILE" }).to_string();
        let (_, c) = call(&t.app, "POST", "/api/psc/ciba", Some(&corps), None).await;
        b.decider(CLAIRE, "refuser").await;
        let chemin = format!("/api/psc/ciba/{}", c["demande"].as_str().unwrap());
        let mut r = (200, Value::Null);
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let (s, e) = call(&t.app, "GET", &chemin, None, None).await;
            r = (s.as_u16(), e);
            if r.1["etat"] != "en_attente" {
                break;
            }
        }
        assert_eq!(r.0, 401, "{nom}: {:?}", r.1);
        assert!(
            r.1["erreur"]
                .as_str()
                .unwrap()
                .contains("refusée sur la carte"),
            "{:?}",
            r.1
        );
        let (s, e) = call(
            &t.app,
            "POST",
            "/api/psc/ciba",
            Some(r#"{"id_national":"12","canal":"CARD"}"#),
            None,
        )
        .await;
        assert_eq!(s, 422, "{nom}: {e}");
    }
}

#[tokio::test]
async fn without_a_proxy_psc_is_said_unavailable_and_a_proxy_down_is_told() {
    let t = TestApp::new(esculape_store::testing::sqlite().await.unwrap()).await;
    let (s, d) = call(&t.app, "GET", "/api/psc", None, None).await;
    assert_eq!((s.as_u16(), d["disponible"].as_bool()), (200, Some(false)));
    let (s, e) = call(&t.app, "POST", "/api/psc/navigateur", None, None).await;
    assert_eq!(s, 503, "{e}");
    assert!(
        e["erreur"]
            .as_str()
            .unwrap()
            .contains("n'est pas configurée")
    );
    // the administrator is told there is none
    let (s, p) = t.call("GET", "/api/psc/proxy", None, &t.admin).await;
    assert_eq!((s.as_u16(), &p["configure"]), (200, &json!(false)), "{p}");

    let ferme = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let psc = Arc::new(
        ConnexionPsc::new(ConfigProxy {
            url: format!("http://{ferme}"),
            cle: CLE.into(),
            redirection: "http://127.0.0.1:53998/psc".into(),
        })
        .unwrap(),
    );
    let t = TestApp::avec_psc(esculape_store::testing::sqlite().await.unwrap(), psc).await;
    let (s, e) = call(&t.app, "POST", "/api/psc/navigateur", None, None).await;
    assert_eq!(s, 503, "{e}");
    assert!(
        e["erreur"]
            .as_str()
            .unwrap()
            .contains("proxy e-santé injoignable"),
        "{e}"
    );
    // the password still works
    assert!(!t.medecin.is_empty());
}

/// SC.INS/PSC.50: a doctor signed in by PSC queries the INSi without
/// signing in again, in their own name: through the proxy e-santé, with
/// their PSC token exchanged for one bound to the structure's
/// certificate. An account without a PSC session: the host's own way. The PSC
/// session ended elsewhere: the query is refused, said in French.
#[tokio::test]
async fn a_doctor_signed_in_with_psc_queries_the_insi_in_their_name_through_the_proxy() {
    for st in esculape_store::testing::both().await {
        let b = banc().await;
        let t = TestApp::avec_psc(st, b.psc.clone()).await;
        let nom = t.name;
        let (_, e) = par_navigateur(&t, &b, CLAIRE).await;
        let medecin = t.practice.medecin.id.clone();
        let (s, session) = choisir(&t, &e["ticket"], &medecin, Some("R20000001")).await;
        assert_eq!(s, 200, "{nom}: {session}");
        let token = session["token"].as_str().unwrap().to_string();
        let (s, p) = t
            .call(
                "POST",
                "/api/patients",
                Some(r#"{"birth_name":"ADRTROIS","birth_first_names":["DOMINIQUE"],"sex":"F","birth_date":"1997-02-26","birth_place_cog":"2A020"}"#),
                &token,
            )
            .await;
        assert_eq!(s, 201, "{nom}: {p}");
        let insi = format!("/api/patients/{}/insi", p["id"].as_str().unwrap());
        let journal = || async {
            let j: Vec<esculape_sandbox::insi::Appel> = b
                .http
                .get(format!("{}/insi/journal", b.bac))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            j
        };

        let (s, r) = t.call("POST", &insi, None, &token).await;
        assert_eq!(s, 200, "{nom}: {r}");
        assert_eq!(r["code"], "00", "{nom}: {r}");
        let j = journal().await;
        let n = j.len();
        assert!(n >= 1, "{nom}: par le proxy e-santé");
        for a in &j {
            assert_eq!(a.porteur_psc.as_deref(), Some(CLAIRE), "{nom}");
            assert_eq!(a.identifiant, CLAIRE, "{nom}: le contexte nomme le médecin");
        }

        // the administrator and the doctors (dashboard) see the
        // structure's certificate and its expiry; a secretary does not
        let (s, p) = t.call("GET", "/api/psc/proxy", None, &t.admin).await;
        assert_eq!(s, 200, "{nom}: {p}");
        let c = p["certificat"].as_str().unwrap_or_default();
        assert!(
            c.contains("Cabinet du Parc") && c.contains("valable jusqu'au"),
            "{nom}: {p}"
        );
        assert_eq!(p["certificat_a_renouveler"], false, "{nom}");
        assert_eq!(p["configure"], true, "{nom}");
        assert_eq!(p["services"], json!(["dmp", "insi"]), "{nom}");
        let (s, pm) = t.call("GET", "/api/psc/proxy", None, &t.medecin).await;
        assert_eq!((s.as_u16(), &pm), (200, &p), "{nom}");
        let (s, _) = t.call("GET", "/api/psc/proxy", None, &t.secretaire).await;
        assert_eq!(s, 403, "{nom}: ni patient ni pilotage pour le secrétariat");

        // the token the services that take PSC's own (MSSanté) are given:
        // the professional's, active at PSC; none without a PSC session
        let jeton = b.psc.jeton(&t.practice.medecin.login).await.unwrap();
        assert!(!format!("{jeton:?}").contains(&jeton.acces));
        let i: Value = b
            .http
            .post(format!("{}/psc/introspect", b.bac))
            .basic_auth(CLIENT, Some(SECRET))
            .form(&[("token", jeton.acces.as_str())])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (&i["active"], &i["preferred_username"]),
            (&json!(true), &json!(CLAIRE)),
            "{nom}"
        );
        let e = b
            .psc
            .jeton(&t.practice.secretaire.login)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("connexion par Pro Santé Connect"), "{e}");

        // the secretary (no PSC session): the host's own INSi client, not
        // the proxy (a PSC session serves its account's every session,
        // background queries included: one sign-in, SC.PSC.08)
        let (s, r) = t.call("POST", &insi, None, &t.secretaire).await;
        assert_eq!(s, 200, "{nom}: {r}");
        assert_eq!(journal().await.len(), n, "{nom}");

        // the PSC session ended elsewhere: refused, in French
        b.revoquer(&token).await;
        let (s, r) = t.call("POST", &insi, None, &token).await;
        assert_eq!(s, 502, "{nom}: {r}");
        assert!(
            r["erreur"]
                .as_str()
                .unwrap_or_default()
                .contains("reconnectez-vous"),
            "{nom}: {r}"
        );
        assert_eq!(journal().await.len(), n, "{nom}");
    }
}

/// Dominique ADRTROIS, who has an open DMP in the sandbox, as the INSi
/// returned her.
const DOMINIQUE: &str = r#"{"birth_name":"Adrtrois","birth_first_names":["Dominique"],"sex":"F","birth_date":"1997-02-26","birth_place_cog":"2A020","ins":{"matricule":"297022A02077878","oid":"1.2.250.1.213.1.4.8"},"from_insi":true,"justificatif":"procedure_transitoire"}"#;

/// The DMP client of an application towards the sandbox at `bac`.
fn dmp_du_bac(app: &mut esculape_app::App, bac: &str) {
    let mut c = esculape_app::dmp::DmpConfig::from_env();
    c.url = format!("{bac}/dmp");
    app.dmp = Arc::new(esculape_app::dmp::DmpClient::new(c));
}

/// SC.DMP/HISTO.01, PSC.40: a doctor signed in with PSC lists the
/// patient's DMP and imports a document another practice fed, in their
/// own name through the proxy e-santé (the PSC trust space: the sandbox
/// takes the search and the retrieval only with the professional's token
/// bound to the structure's certificate, and refuses the indirect mode);
/// the document arrives byte for byte, once; without PSC the chart is
/// told to sign in, and nothing is sent.
#[tokio::test]
async fn a_doctor_signed_in_with_psc_lists_the_patient_s_dmp_and_imports_a_document_once() {
    for st in esculape_store::testing::both().await {
        let b = banc().await;
        let journal = || async {
            let j: Vec<esculape_sandbox::dmp::AppelDmp> = b
                .http
                .get(format!("{}/dmp/journal", b.bac))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            j
        };
        // another practice feeds the patient's DMP (indirect mode)
        let (_h, rt) = common::runtime_with(&["esculape-plugin-doc-generique"]);
        let bac = b.bac.clone();
        let autre = TestApp::avec_runtime_et_app(
            esculape_store::testing::sqlite().await.unwrap(),
            rt,
            |app| dmp_du_bac(app, &bac),
        )
        .await;
        let chez_l_autre = common::patient_insi(&autre.store, DOMINIQUE).await;
        let demande = json!({
            "plugin": "fr.esculape.doc.generique",
            "valeurs": {"type": "11488-4", "titre": "Compte rendu du cardiologue", "corps": "Échographie normale."},
        });
        let (s, signe) = autre
            .call(
                "POST",
                &format!("/api/patients/{chez_l_autre}/documents/sign"),
                Some(&demande.to_string()),
                &autre.medecin,
            )
            .await;
        assert_eq!(s, 201, "{signe}");
        let fourni = signe["document"].clone();
        let (s, m) = autre
            .call(
                "POST",
                &format!("/api/documents/{}/dmp", fourni["id"].as_str().unwrap()),
                None,
                &autre.medecin,
            )
            .await;
        assert_eq!(s, 200, "{m}");

        let (_h2, rt) = common::runtime_with(&["esculape-plugin-doc-generique"]);
        let (psc, bac) = (b.psc.clone(), b.bac.clone());
        let t = TestApp::avec_runtime_et_app(st, rt, |app| {
            app.psc = Some(psc);
            dmp_du_bac(app, &bac);
        })
        .await;
        let nom = t.name;
        let dominique = common::patient_insi(&t.store, DOMINIQUE).await;
        let liste = format!("/api/patients/{dominique}/dmp/documents");

        // no consent yet: refused, nothing sent
        let (s, r) = t.call("GET", &liste, None, &t.medecin).await;
        assert_eq!(s, 409, "{nom}: {r}");
        assert!(
            r["erreur"]
                .as_str()
                .unwrap_or_default()
                .contains("consentement"),
            "{nom}: {r}"
        );
        common::consentir(&t, &dominique).await;
        // signed in with a password: the indirect mode may not consult
        let (s, r) = t.call("GET", &liste, None, &t.medecin).await;
        assert_eq!(s, 403, "{nom}: {r}");
        assert!(
            r["erreur"]
                .as_str()
                .unwrap_or_default()
                .contains("Pro Santé Connect"),
            "{nom}: {r}"
        );
        assert!(
            !journal().await.iter().any(|a| a.transaction == "TD3.1"),
            "{nom}: rien n'est envoyé"
        );

        // signed in with PSC
        let (_, e) = par_navigateur(&t, &b, CLAIRE).await;
        let medecin = t.practice.medecin.id.clone();
        let (s, session) = choisir(&t, &e["ticket"], &medecin, Some("R20000001")).await;
        assert_eq!(s, 200, "{nom}: {session}");
        let token = session["token"].as_str().unwrap().to_string();
        let (s, r) = t.call("GET", &liste, None, &token).await;
        assert_eq!(s, 200, "{nom}: {r}");
        let docs = r.as_array().unwrap();
        assert_eq!(docs.len(), 1, "{nom}: {r}");
        let d = &docs[0];
        assert_eq!(d["titre"], "Compte rendu du cardiologue", "{nom}");
        assert_eq!(d["type_code"], "11488-4", "{nom}");
        assert_eq!(d["statut"], "approuve", "{nom}");
        assert_eq!(d["dans_le_dossier"], Value::Null, "{nom}");
        let j = journal().await;
        let td31 = j.iter().rfind(|a| a.transaction == "TD3.1").unwrap();
        assert_eq!(
            (
                td31.mode.as_str(),
                td31.professionnel.as_str(),
                td31.resultat.as_str()
            ),
            ("INDIRECTE_RENFORCEE", CLAIRE, "1 document(s)"),
            "{nom}"
        );

        // imported: the same bytes, received from the DMP; once
        let import =
            json!({ "unique_id": d["unique_id"], "repository": d["repository"] }).to_string();
        let (s, m) = t.call("POST", &liste, Some(&import), &token).await;
        assert_eq!(s, 201, "{nom}: {m}");
        assert_eq!(m["provenance"], "dmp", "{nom}: {m}");
        assert_eq!(m["sha256"], fourni["sha256"], "{nom}: octet pour octet");
        assert_eq!(m["title"], "Compte rendu du cardiologue", "{nom}");
        let (s, r) = t.call("GET", &liste, None, &token).await;
        assert_eq!(s, 200, "{nom}: {r}");
        assert_eq!(r[0]["dans_le_dossier"], m["id"], "{nom}: {r}");
        let (s, r) = t.call("POST", &liste, Some(&import), &token).await;
        assert_eq!(s, 409, "{nom}: {r}");
        // a document the DMP does not hold: its refusal, in the user's words
        let absent =
            json!({ "unique_id": "1.2.250.1.999.9.9", "repository": d["repository"] }).to_string();
        let (s, r) = t.call("POST", &liste, Some(&absent), &token).await;
        assert_eq!(s, 502, "{nom}: {r}");
        assert!(
            r["erreur"]
                .as_str()
                .unwrap_or_default()
                .contains("XDSMissingDocument"),
            "{nom}: {r}"
        );
        let traces: Vec<String> = actions(&t)
            .await
            .into_iter()
            .filter(|(a, _)| a == "dmp.consultation")
            .map(|(_, d)| d)
            .collect();
        assert!(
            traces
                .iter()
                .any(|d| d.starts_with(&format!("TD3.1 par {CLAIRE} : 1 document"))),
            "{nom}: {traces:?}"
        );
        assert!(
            traces.iter().filter(|d| d.starts_with("TD3.2 par")).count() >= 3,
            "{nom}: {traces:?}"
        );

        // the PSC session ended elsewhere: refused, said so
        b.revoquer(&token).await;
        let (s, r) = t.call("GET", &liste, None, &token).await;
        assert_eq!(s, 502, "{nom}: {r}");
        assert!(
            r["erreur"]
                .as_str()
                .unwrap_or_default()
                .contains("reconnectez-vous"),
            "{nom}: {r}"
        );
    }
}
