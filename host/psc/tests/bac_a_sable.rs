//! The PSC relying party against the sandbox's PSC stand-in (what
//! `cargo xtask run` uses offline): the code flow through its page, and
//! what `oidc-provider` does not do as PSC does: CIBA's `interval` and
//! `slow_down`.

mod commun;

use commun::{Geste, Navigateur, port_libre};
use esculape_psc::ciba::{Canal, EtatCiba, RALENTIR};
use esculape_psc::code::RetourNavigateur;
use esculape_psc::{AuthentificationClient, ConfigPsc, ErreurPsc, Psc};
use esculape_sandbox::psc::{CLIENT, SECRET};
use std::sync::Arc;
use std::time::Duration;

const CLAIRE: &str = "810001234560";

struct BacASable {
    base: String,
    redirection: String,
}

async fn bac_a_sable() -> BacASable {
    let ecoute = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", ecoute.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            ecoute,
            esculape_sandbox::router(Arc::new(Default::default())),
        )
        .await
    });
    let b = BacASable {
        base,
        redirection: format!("http://127.0.0.1:{}/psc", port_libre()),
    };
    // tests decide CIBA requests themselves
    b.reglages(serde_json::json!({ "validation_auto_ms": null }))
        .await;
    b
}

impl BacASable {
    async fn reglages(&self, r: serde_json::Value) {
        let s = reqwest::Client::new()
            .put(format!("{}/psc/reglages", self.base))
            .json(&r)
            .send()
            .await
            .unwrap()
            .status();
        assert!(s.is_success());
    }

    async fn psc(&self) -> Psc {
        let mut c = ConfigPsc::nouvelle(
            &format!("{}/psc", self.base),
            CLIENT,
            AuthentificationClient::Secret(SECRET.into()),
            &self.redirection,
        );
        c.delai = Duration::from_secs(5);
        Psc::decouvrir(c.clone(), esculape_psc::client_http(None, c.delai).unwrap())
            .await
            .expect("découverte du bac à sable")
    }

    async fn decider(&self, id: &str, decision: &str) {
        let s = reqwest::Client::new()
            .post(format!("{}/psc/essai/ciba/{id}/{decision}", self.base))
            .send()
            .await
            .unwrap()
            .status();
        assert!(s.is_success(), "{s}");
    }
}

async fn connexion(
    b: &BacASable,
    psc: &Psc,
    geste: Geste,
) -> Result<esculape_psc::Jetons, ErreurPsc> {
    let demande = psc.demande_autorisation();
    let arrivee = Navigateur::new()
        .parcourir(&demande.url, &b.redirection, geste)
        .await;
    let retour = RetourNavigateur::depuis_requete(arrivee.split_once('?').unwrap().1).unwrap();
    psc.echanger_code(demande, retour).await
}

#[tokio::test]
async fn a_demo_doctor_signs_in_on_the_sandbox_page() {
    let b = bac_a_sable().await;
    let psc = b.psc().await;
    let jetons = connexion(&b, &psc, Geste::SeConnecter(CLAIRE))
        .await
        .expect("connexion");
    let qui = psc.identite(&jetons).await.unwrap();
    assert_eq!(
        qui.rpps(),
        Some("10001234560"),
        "le RPPS du compte de démonstration"
    );
    assert_eq!(qui.nom, "MARTIN");
    assert!(qui.sujet.starts_with("f:") && qui.sujet.ends_with(CLAIRE));
    let neufs = psc.rafraichir(&jetons).await.unwrap();
    psc.revoquer(&neufs).await.unwrap();
    assert!(!psc.introspecter(&neufs.acces).await.unwrap());
    assert!(matches!(
        psc.rafraichir(&neufs).await,
        Err(ErreurPsc::SessionTerminee)
    ));

    let e = connexion(&b, &psc, Geste::Annuler).await.unwrap_err();
    assert!(matches!(e, ErreurPsc::Annulee), "{e}");

    b.reglages(serde_json::json!({ "acr": "eidas0", "validation_auto_ms": null }))
        .await;
    let e = connexion(&b, &psc, Geste::SeConnecter(CLAIRE))
        .await
        .unwrap_err();
    assert!(matches!(e, ErreurPsc::Niveau(_)), "{e}");
}

#[tokio::test]
async fn ciba_honours_the_interval_and_slows_down_when_told() {
    let b = bac_a_sable().await;
    let psc = b.psc().await;
    let mut d = psc
        .ciba_demarrer(CLAIRE, "42", Canal::Mobile)
        .await
        .unwrap();
    assert_eq!(
        d.intervalle,
        Duration::from_secs(1),
        "l'intervalle donné par PSC"
    );
    assert!(matches!(
        psc.ciba_interroger(&mut d).await.unwrap(),
        EtatCiba::EnAttente
    ));
    // polled again at once: PSC says slow_down, the interval grows by 5 s
    assert!(matches!(
        psc.ciba_interroger(&mut d).await.unwrap(),
        EtatCiba::EnAttente
    ));
    assert_eq!(d.intervalle, Duration::from_secs(1) + RALENTIR);
    b.decider(CLAIRE, "accepter").await;
    // ciba_attendre waits the (lengthened) interval: no slow_down again
    let mut vues = 0;
    let jetons = psc
        .ciba_attendre(&mut d, |_| vues += 1)
        .await
        .expect("validée");
    assert_eq!(vues, 0);
    assert_eq!(psc.identite(&jetons).await.unwrap().id_national, CLAIRE);
}

#[tokio::test]
async fn ciba_on_the_sandbox_refuses_like_psc() {
    let b = bac_a_sable().await;
    let psc = b.psc().await;
    let mut d = psc.ciba_demarrer(CLAIRE, "42", Canal::Carte).await.unwrap();
    b.decider(CLAIRE, "refuser").await;
    let e = psc.ciba_attendre(&mut d, |_| {}).await.unwrap_err();
    assert!(matches!(e, ErreurPsc::RefuseeParUtilisateur), "{e}");
    let e = psc
        .ciba_demarrer("899799999999", "42", Canal::Carte)
        .await
        .unwrap_err();
    assert!(matches!(e, ErreurPsc::IdentifiantInconnu), "{e}");

    // a PSC answering in 3 s with the client bounded at 1 s
    b.reglages(serde_json::json!({ "latence_ms": 3000, "validation_auto_ms": null }))
        .await;
    let mut c = psc.config().clone();
    c.delai = Duration::from_secs(1);
    let e = Psc::decouvrir(c.clone(), esculape_psc::client_http(None, c.delai).unwrap())
        .await
        .err()
        .unwrap();
    assert!(matches!(e, ErreurPsc::Delai(1)), "{e}");
}
