//! PSC's published material (`../shared/testdata/psc/`) read as PSC
//! sends it.

use esculape_psc::{IdentitePsc, Metadonnees};
use std::path::PathBuf;

fn fichier(nom: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/psc")
        .join(nom);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn psc_discovery_document_is_read_with_its_ciba_and_introspection_endpoints() {
    let m: Metadonnees = serde_json::from_slice(&fichier("discovery-keycloak-mock.json"))
        .expect("document de découverte de PSC");
    let extra = m.additional_metadata();
    assert!(
        extra
            .backchannel_authentication_endpoint
            .as_deref()
            .is_some_and(|u| u.ends_with("/protocol/openid-connect/ext/ciba/auth"))
    );
    assert!(extra.introspection_endpoint.is_some());
    assert!(extra.revocation_endpoint.is_some());
    assert!(
        extra
            .mtls_endpoint_aliases
            .as_ref()
            .is_some_and(|a| a.contains_key("token_endpoint"))
    );
    assert!(m.userinfo_endpoint().is_some());
}

/// RFC 8705 §5: a client authenticated by its certificate calls the
/// mutual-TLS aliases PSC's discovery names; a client with a secret, the
/// endpoints.
#[test]
fn a_client_authenticated_by_its_certificate_calls_psc_s_mutual_tls_aliases() {
    use esculape_psc::{AuthentificationClient, point_d_acces};
    let mut d: serde_json::Value =
        serde_json::from_slice(&fichier("discovery-keycloak-mock.json")).unwrap();
    // the mock names the same hosts for both; PSC's live ones differ
    for (nom, alias) in d["mtls_endpoint_aliases"].as_object_mut().unwrap() {
        *alias = serde_json::Value::String(format!("https://mtls.psc.example/{nom}"));
    }
    let m: Metadonnees = serde_json::from_value(d.clone()).unwrap();
    let certificat = AuthentificationClient::CertificatMutuel;
    let secret = AuthentificationClient::Secret("s".into());
    for nom in [
        "token_endpoint",
        "userinfo_endpoint",
        "introspection_endpoint",
        "revocation_endpoint",
        "backchannel_authentication_endpoint",
    ] {
        assert_eq!(
            point_d_acces(&m, &certificat, nom).as_deref(),
            Some(format!("https://mtls.psc.example/{nom}").as_str())
        );
        assert_eq!(
            point_d_acces(&m, &secret, nom).as_deref(),
            d[nom].as_str(),
            "{nom}"
        );
    }
    // no alias named: the endpoint itself
    d.as_object_mut().unwrap().remove("mtls_endpoint_aliases");
    let m: Metadonnees = serde_json::from_value(d.clone()).unwrap();
    assert_eq!(
        point_d_acces(&m, &certificat, "token_endpoint").as_deref(),
        d["token_endpoint"].as_str()
    );
}

#[test]
fn psc_userinfo_gives_the_national_id_the_rpps_and_the_activities() {
    let qui = IdentitePsc::depuis_userinfo(&fichier("userinfo-example.json")).expect("userinfo");
    assert_eq!(qui.id_national, "899700366240");
    assert_eq!(qui.rpps(), Some("99700366240"));
    // `sub` is kept as given, never parsed for the national id
    assert_eq!(
        qui.sujet,
        "f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:899700366240"
    );
    assert_eq!(
        (qui.prenom.as_str(), qui.nom.as_str()),
        ("KIT", "DOC0036624")
    );
    assert_eq!(qui.exercices.len(), 2);
    let premier = &qui.exercices[0];
    assert_eq!(
        (premier.profession.as_str(), premier.savoir_faire.as_str()),
        ("10", "SM26")
    );
    let a = &premier.activites;
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].structure, "R95141");
    assert_eq!(a[0].raison_sociale, "CABINET M DOC0036624");
    assert_eq!((a[0].secteur.as_str(), a[0].mode.as_str()), ("SA07", "L"));
    assert_eq!(a[1].finess, "0B0172805");
}

#[test]
fn a_userinfo_without_national_id_or_not_json_is_refused_in_french() {
    for corps in [&b"{\"sub\":\"x\"}"[..], b"<html>", b""] {
        let e = IdentitePsc::depuis_userinfo(corps).unwrap_err();
        assert!(
            e.to_string().contains("informations de l'utilisateur"),
            "{e}"
        );
    }
    // an ADELI national id has no RPPS
    let qui = IdentitePsc::depuis_userinfo(br#"{"sub":"s","SubjectNameID":"0751234567"}"#).unwrap();
    assert_eq!(qui.rpps(), None);
}
