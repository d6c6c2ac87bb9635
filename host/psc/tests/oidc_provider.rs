//! The PSC relying party against a real OpenID provider (npm
//! `oidc-provider` 9, configured like PSC): code flow with PKCE through a
//! browser and the loopback redirect, CIBA, refresh, introspection,
//! revocation, and every refusal the user must be told about.

mod commun;

use commun::*;
use esculape_psc::ciba::{Canal, EtatCiba};
use esculape_psc::code::RetourNavigateur;
use esculape_psc::{ConfigPsc, ErreurPsc, Psc};
use std::time::Duration;

#[tokio::test]
async fn a_professional_signs_in_through_the_browser_and_stays_signed_in() {
    let f = Fournisseur::demarrer();
    let psc = f.psc().await;
    let (demande, retour) = retour_du_navigateur(&psc, &f, Geste::SeConnecter(KIT)).await;
    // what the browser was sent to: PSC's scopes, eidas1, PKCE S256
    for attendu in [
        "scope=openid+scope_all",
        "acr_values=eidas1",
        "code_challenge_method=S256",
        "response_type=code",
        "nonce=",
    ] {
        assert!(
            demande.url.contains(attendu),
            "{attendu} absent de {}",
            demande.url
        );
    }
    let jetons = psc.echanger_code(demande, retour).await.expect("connexion");
    assert_eq!(jetons.acr, "eidas1");
    assert!(
        !format!("{jetons:?}").contains(&jetons.acces),
        "un jeton dans les journaux"
    );

    let qui = psc.identite(&jetons).await.expect("userinfo");
    assert_eq!(qui.id_national, KIT);
    assert_eq!(qui.rpps(), Some("99700366240"));
    assert_eq!(
        (qui.prenom.as_str(), qui.nom.as_str()),
        ("KIT", "DOC0036624")
    );
    assert_eq!(qui.exercices.len(), 1);
    assert_eq!(qui.exercices[0].profession, "10");
    let structures: Vec<&str> = qui.exercices[0]
        .activites
        .iter()
        .map(|a| a.structure.as_str())
        .collect();
    assert_eq!(structures, ["R95141", "F0B0172805"]);

    // refreshed: a new access token for the same person
    assert!(psc.introspecter(&jetons.acces).await.unwrap());
    let neufs = psc.rafraichir(&jetons).await.expect("rafraîchissement");
    assert_ne!(neufs.acces, jetons.acces);
    assert_eq!(neufs.sujet, jetons.sujet);
    assert_eq!(psc.identite(&neufs).await.unwrap().id_national, KIT);

    // signed out: the tokens are revoked, nothing works any more
    psc.revoquer(&neufs).await.expect("révocation");
    assert!(!psc.introspecter(&neufs.acces).await.unwrap());
    assert!(matches!(
        psc.rafraichir(&neufs).await,
        Err(ErreurPsc::SessionTerminee)
    ));
    assert!(matches!(
        psc.identite(&neufs).await,
        Err(ErreurPsc::SessionTerminee)
    ));
}

#[tokio::test]
async fn an_expired_access_token_is_refused_and_a_refresh_renews_it() {
    let f = Fournisseur::avec_durees(1, 30);
    let psc = f.psc().await;
    let (demande, retour) = retour_du_navigateur(&psc, &f, Geste::SeConnecter(ANNE)).await;
    let jetons = psc.echanger_code(demande, retour).await.unwrap();
    assert!(jetons.a_rafraichir(Duration::from_secs(30)));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let e = psc.identite(&jetons).await.unwrap_err();
    assert!(matches!(e, ErreurPsc::SessionTerminee), "{e}");
    assert!(e.to_string().contains("reconnectez-vous"));
    let neufs = psc.rafraichir(&jetons).await.unwrap();
    assert_eq!(psc.identite(&neufs).await.unwrap().id_national, ANNE);
}

/// An ID token that arrives expired (it lives 1 s, the provider's answer
/// comes 2.5 s after it was made) is refused, said in French.
#[tokio::test]
async fn an_id_token_that_arrives_expired_is_refused() {
    let f = Fournisseur::avec_jeton_d_identite_perime();
    let psc = f.psc().await;
    let (demande, retour) = retour_du_navigateur(&psc, &f, Geste::SeConnecter(KIT)).await;
    let e = psc.echanger_code(demande, retour).await.unwrap_err();
    assert!(
        matches!(e, ErreurPsc::JetonIdentite(ref m) if m.starts_with("expiré")),
        "{e:?}"
    );
    assert!(e.to_string().contains("connexion refusée"), "{e}");
}

#[tokio::test]
async fn a_cancelled_sign_in_and_a_forged_answer_are_refused() {
    let f = Fournisseur::demarrer();
    let psc = f.psc().await;

    let (demande, retour) = retour_du_navigateur(&psc, &f, Geste::Annuler).await;
    assert!(
        matches!(retour, RetourNavigateur::Erreur { ref erreur, .. } if erreur == "access_denied")
    );
    let e = psc.echanger_code(demande, retour).await.unwrap_err();
    assert!(matches!(e, ErreurPsc::Annulee), "{e}");
    assert_eq!(e.to_string(), "connexion annulée dans le navigateur");

    // an answer carrying another request's state (a forged redirect)
    let (demande, retour) = retour_du_navigateur(&psc, &f, Geste::SeConnecter(KIT)).await;
    let RetourNavigateur::Code { code, .. } = retour else {
        panic!("{retour:?}")
    };
    let forge = RetourNavigateur::Code {
        code,
        etat: "un-autre-etat".into(),
    };
    assert!(matches!(
        psc.echanger_code(demande, forge).await,
        Err(ErreurPsc::Etat)
    ));

    // a code redeemed twice
    let (demande, retour) = retour_du_navigateur(&psc, &f, Geste::SeConnecter(KIT)).await;
    let RetourNavigateur::Code { code, etat } = retour.clone() else {
        panic!()
    };
    psc.echanger_code(demande, retour).await.unwrap();
    let copie = psc.demande_autorisation();
    let rejoue = RetourNavigateur::Code {
        code,
        etat: copie.etat.clone(),
    };
    let _ = etat;
    assert!(psc.echanger_code(copie, rejoue).await.is_err());
}

#[tokio::test]
async fn a_sign_in_below_eidas1_is_refused() {
    let f = Fournisseur::demarrer();
    let psc = f.psc().await;
    let (demande, retour) = retour_du_navigateur(&psc, &f, Geste::SeConnecter(BAS_NIVEAU)).await;
    let e = psc.echanger_code(demande, retour).await.unwrap_err();
    assert!(
        matches!(e, ErreurPsc::Niveau(ref n) if n == "eidas0"),
        "{e}"
    );
    assert!(e.to_string().contains("carte CPS ou e-CPS"));
}

#[tokio::test]
async fn an_id_token_of_another_audience_a_wrong_nonce_or_signature_is_refused() {
    let f = Fournisseur::demarrer();
    let psc = f.psc().await;
    let (demande, retour) = retour_du_navigateur(&psc, &f, Geste::SeConnecter(KIT)).await;
    let jetons = psc.echanger_code(demande, retour).await.unwrap();
    let brut = jetons.identite.clone().expect("jeton d'identité");
    psc.verifier_jeton_identite(&brut, None)
        .expect("le jeton reçu est valide");

    let e = psc
        .verifier_jeton_identite(&brut, Some("autre-nonce"))
        .unwrap_err();
    assert!(matches!(e, ErreurPsc::JetonIdentite(_)), "{e}");

    // one character of the signature changed
    let mut falsifie = brut.clone().into_bytes();
    let i = falsifie.len() - 5;
    falsifie[i] = if falsifie[i] == b'A' { b'B' } else { b'A' };
    let e = psc
        .verifier_jeton_identite(&String::from_utf8(falsifie).unwrap(), None)
        .unwrap_err();
    assert!(matches!(e, ErreurPsc::JetonIdentite(_)), "{e}");

    // a token the provider issued to another client
    let mut autre = f.config();
    autre.client_id = "autre".into();
    autre.authentification = esculape_psc::AuthentificationClient::Secret("secret-autre".into());
    autre.redirection = "https://autre.example/cb".into();
    let psc_autre = Psc::decouvrir(
        autre.clone(),
        esculape_psc::client_http(None, autre.delai).unwrap(),
    )
    .await
    .unwrap();
    let demande = psc_autre.demande_autorisation();
    let arrivee = Navigateur::new()
        .parcourir(
            &demande.url,
            "https://autre.example/cb",
            Geste::SeConnecter(KIT),
        )
        .await;
    let retour = RetourNavigateur::depuis_requete(arrivee.split_once('?').unwrap().1).unwrap();
    let siens = psc_autre.echanger_code(demande, retour).await.unwrap();
    let e = psc
        .verifier_jeton_identite(siens.identite.as_deref().unwrap(), None)
        .unwrap_err();
    assert!(
        matches!(e, ErreurPsc::JetonIdentite(ref m) if m.contains("audience") || m.contains("aud")),
        "{e}"
    );
}

#[tokio::test]
async fn discovery_is_read_at_psc_path_and_a_wrong_issuer_is_refused() {
    let f = Fournisseur::demarrer();
    let psc = f.psc().await;
    assert!(
        psc.metadonnees()
            .additional_metadata()
            .backchannel_authentication_endpoint
            .is_some()
    );

    // the same provider named otherwise: its documents say another issuer
    let mut c = f.config();
    c.emetteur = f.emetteur.replace("127.0.0.1", "localhost");
    let e = Psc::decouvrir(c.clone(), esculape_psc::client_http(None, c.delai).unwrap())
        .await
        .err()
        .expect("émetteur refusé");
    assert!(matches!(e, ErreurPsc::Emetteur { .. }), "{e}");
}

#[tokio::test]
async fn a_provider_down_or_answering_in_3_s_is_told_in_french() {
    let ferme = format!("http://127.0.0.1:{}", port_libre());
    let c = ConfigPsc::nouvelle(
        &ferme,
        CLIENT,
        esculape_psc::AuthentificationClient::Secret(SECRET.into()),
        "http://127.0.0.1:1/psc",
    );
    let e = Psc::decouvrir(c.clone(), esculape_psc::client_http(None, c.delai).unwrap())
        .await
        .err()
        .expect("injoignable");
    assert!(matches!(e, ErreurPsc::Injoignable(_)), "{e}");
    assert!(e.to_string().contains("injoignable"));

    let f = Fournisseur::demarrer();
    let psc = f.psc().await;
    let (demande, retour) = retour_du_navigateur(&psc, &f, Geste::SeConnecter(KIT)).await;
    let jetons = psc.echanger_code(demande, retour).await.unwrap();
    assert_eq!(f.essai("lenteur/3000").await, 200);
    let mut c = f.config();
    c.delai = Duration::from_secs(1);
    let e = Psc::decouvrir(c.clone(), esculape_psc::client_http(None, c.delai).unwrap())
        .await
        .err()
        .expect("trop lent");
    assert!(matches!(e, ErreurPsc::Delai(1)), "{e}");
    assert!(e.to_string().contains("ne répond pas"));
    // the session already open is kept: a slow answer is not a sign-out
    let e = psc.identite(&jetons).await;
    assert!(e.is_ok(), "{e:?}");
}

#[tokio::test]
async fn ciba_waits_for_the_card_then_signs_in() {
    let f = Fournisseur::demarrer();
    let psc = f.psc().await;
    let message = esculape_psc::ciba::message_de_liaison();
    assert!(message.len() == 2 && message.bytes().all(|b| b.is_ascii_digit()));
    let mut demande = psc
        .ciba_demarrer(KIT, &message, Canal::Carte)
        .await
        .expect("CIBA");
    assert_eq!(demande.message, message);
    assert!(matches!(
        psc.ciba_interroger(&mut demande).await.unwrap(),
        EtatCiba::EnAttente
    ));
    let mut attentes = 0;
    let accord = async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(f.essai(&format!("ciba/{KIT}/accepter")).await, 200);
    };
    let (jetons, ()) = tokio::join!(psc.ciba_attendre(&mut demande, |_| attentes += 1), accord);
    let jetons = jetons.expect("validé sur la carte");
    assert!(attentes >= 1, "aucune attente montrée");
    assert_eq!(jetons.acr, "eidas1");
    assert_eq!(psc.identite(&jetons).await.unwrap().id_national, KIT);
}

#[tokio::test]
async fn ciba_refusals_are_each_told_in_french() {
    let f = Fournisseur::avec_durees(120, 2);
    let psc = f.psc().await;

    // refused on the phone
    let mut d = psc.ciba_demarrer(ANNE, "07", Canal::Mobile).await.unwrap();
    assert_eq!(f.essai(&format!("ciba/{ANNE}/refuser")).await, 200);
    let e = psc.ciba_attendre(&mut d, |_| {}).await.unwrap_err();
    assert!(matches!(e, ErreurPsc::RefuseeParUtilisateur), "{e}");
    assert!(e.to_string().contains("refusée sur la carte"));

    // nobody answers: the request expires
    let mut d = psc.ciba_demarrer(KIT, "12", Canal::Carte).await.unwrap();
    let e = psc.ciba_attendre(&mut d, |_| {}).await.unwrap_err();
    assert!(matches!(e, ErreurPsc::Expiree), "{e}");

    // an unknown national id, a malformed one
    for id in ["899799999999", "12"] {
        let e = psc.ciba_demarrer(id, "12", Canal::Carte).await.unwrap_err();
        assert!(matches!(e, ErreurPsc::IdentifiantInconnu), "{id}: {e}");
    }

    // a binding message that is not two digits is refused by PSC
    let e = psc
        .ciba_demarrer(KIT, "abc", Canal::Carte)
        .await
        .unwrap_err();
    assert!(
        matches!(e, ErreurPsc::Refusee(ref m) if m.contains("invalid_binding_message")),
        "{e}"
    );
}

/// PSC's confidential client authenticated by the structure's certificate
/// alone (`tls_client_auth`, RFC 8705) on a provider that asks for one over
/// TLS: the code flow, CIBA, refresh and introspection; the access token
/// bound to the certificate (`cnf.x5t#S256`). Another certificate of the
/// same authority, or none: refused, said in French.
#[tokio::test]
async fn the_client_authenticates_by_its_certificate_alone_and_its_tokens_are_bound_to_it() {
    use base64::Engine;
    use sha2::Digest;
    let f = Fournisseur::avec_tls_mutuel();
    let pki = f.pki.as_ref().unwrap();
    let psc = f
        .psc_par_certificat(Some(&pki.structure))
        .await
        .expect("découverte");
    let (demande, retour) = retour_du_navigateur(&psc, &f, Geste::SeConnecter(KIT)).await;
    let jetons = psc
        .echanger_code(demande, retour)
        .await
        .expect("connexion par certificat");
    assert_eq!(psc.identite(&jetons).await.unwrap().id_national, KIT);

    // the access token is bound to the structure's certificate
    let brut: Vec<u8> = {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        CertificateDer::from_pem_slice(pki.structure.certificat_pem.as_bytes())
            .unwrap()
            .to_vec()
    };
    let empreinte =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&brut));
    let i: serde_json::Value = psc
        .http()
        .post(
            psc.metadonnees()
                .additional_metadata()
                .introspection_endpoint
                .clone()
                .unwrap(),
        )
        .form(&[("token", jetons.acces.as_str()), ("client_id", CLIENT_MTLS)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(i["active"], true, "{i}");
    assert_eq!(i["cnf"]["x5t#S256"], empreinte.as_str(), "{i}");
    assert!(psc.introspecter(&jetons.acces).await.unwrap());
    let neufs = psc.rafraichir(&jetons).await.expect("rafraîchissement");
    assert_eq!(psc.identite(&neufs).await.unwrap().id_national, KIT);

    // CIBA, as the proxy e-santé runs it with the certificate
    let mut d = psc
        .ciba_demarrer(ANNE, "27", Canal::Mobile)
        .await
        .expect("CIBA par certificat");
    let accord = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(f.essai(&format!("ciba/{ANNE}/accepter")).await, 200);
    };
    let (j, ()) = tokio::join!(psc.ciba_attendre(&mut d, |_| {}), accord);
    assert_eq!(psc.identite(&j.unwrap()).await.unwrap().id_national, ANNE);

    // another structure's certificate, or none: not this client
    for (cas, certificat) in ["autre certificat", "sans certificat"]
        .into_iter()
        .zip([Some(&pki.autre), None])
    {
        let autre = f.psc_par_certificat(certificat).await.expect("découverte");
        let (demande, retour) = retour_du_navigateur(&autre, &f, Geste::SeConnecter(KIT)).await;
        let e = autre.echanger_code(demande, retour).await.unwrap_err();
        assert!(
            e.to_string().contains("certificat de la structure"),
            "{cas}: {e}"
        );
    }
}
