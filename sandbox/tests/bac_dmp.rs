//! The sandbox's DMP over HTTP, with the requests the host writes: TD0.2
//! answered as the published answer is shaped (its answers pass the
//! published schemas), a VIHF unsigned, changed after signing or without
//! the médecin's specialty refused as the DMP refuses it.

use esculape_dmp::signature::CleLogicielle;
use esculape_dmp::vihf::{self, Code, Logiciel, ModeAcces, ModeAuthentification, Vihf};
use esculape_dmp::{soap, td02};
use std::sync::Arc;

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

fn cle() -> CleLogicielle {
    let maintenant = esculape_transport::identite::maintenant();
    let a = esculape_transport::essai::AutoriteDeTest::nouvelle("essai").unwrap();
    let e = a
        .emettre_client("Cabinet", maintenant - 60, maintenant + 86_400)
        .unwrap();
    let i = esculape_transport::identite::IdentiteClient::depuis_pem(
        e.certificat_pem.as_bytes(),
        e.cle_pem.as_bytes(),
        "essai",
    )
    .unwrap();
    let (c, k) = i.certificat_et_cle();
    CleLogicielle::nouvelle(c, k).unwrap()
}

fn vihf(ins: &str, roles: Vec<Code>) -> Vihf {
    Vihf {
        emetteur: "CN=Cabinet".into(),
        professionnel: "810001234567".into(),
        nom_professionnel: None,
        structure: "499900063480001".into(),
        secteur_activite: "SA07^1.2.250.1.71.4.2.4".into(),
        roles,
        mode: ModeAuthentification::Indirecte,
        patient: Some(vihf::cx(ins, esculape_identifiants::oid::INS_NIR)),
        acces: ModeAcces::Normal,
        logiciel: Logiciel {
            id: "esculape".into(),
            nom: "Esculape".into(),
            version: "0".into(),
            homologation: "essai".into(),
        },
    }
}

fn medecin() -> Vec<Code> {
    vec![
        Code {
            code: "10".into(),
            systeme: "1.2.250.1.71.1.2.7".into(),
            libelle: "Médecin".into(),
        },
        Code {
            code: "SM26".into(),
            systeme: "1.2.250.1.71.4.2.5".into(),
            libelle: "Médecine générale".into(),
        },
    ]
}

fn requete(vihf_signe: &str, ins: &str) -> String {
    let emetteur = td02::Emetteur {
        oid: "1.2.250.1.999.1".into(),
        nom: "Esculape".into(),
    };
    soap::enveloppe(
        td02::ACTION,
        "http://dmp",
        vihf_signe,
        &td02::requete(
            &emetteur,
            ins,
            esculape_identifiants::oid::INS_NIR,
            "20261206100000",
        ),
    )
    .1
}

async fn envoyer(base: &str, corps: String) -> (u16, String) {
    let r = reqwest::Client::new()
        .post(format!("{base}/dmp/patients"))
        .header("content-type", "application/soap+xml; charset=utf-8")
        .body(corps)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn xsd(xml: &str) -> (bool, String) {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("reponse.xml");
    std::fs::write(&f, xml).unwrap();
    let o = std::process::Command::new("python3")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/dmp-xsd-check"))
        .arg(&f)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

#[tokio::test]
async fn td02_answers_pass_the_schemas_and_bad_vihfs_are_refused() {
    let base = start().await;
    let cle = cle();
    // an open DMP, none, a closed one (the sandbox's three first people)
    for (ins, existe, ouvert) in [
        ("297022A02077878", true, true),
        ("160012B02077713", false, false),
        ("236066322083656", true, false),
    ] {
        let v = vihf(ins, medecin())
            .signer("_v1", "2026-12-06T10:00:00.000Z", &cle)
            .unwrap();
        let (s, xml) = envoyer(&base, requete(&v, ins)).await;
        assert_eq!(s, 200, "{ins}: {xml}");
        let (ok, sortie) = xsd(&xml);
        assert!(ok, "{ins}: {sortie}\n{xml}");
        let r = td02::lire_reponse(xml.as_bytes()).unwrap();
        assert_eq!(r.acquittement, "AA", "{ins}");
        assert_eq!(r.reponse == "OK", existe, "{ins}: {r:?}");
        assert_eq!(r.dmp_ouvert(), ouvert, "{ins}: {r:?}");
    }

    let ins = "297022A02077878";
    // unsigned
    let (s, xml) = envoyer(
        &base,
        requete(
            &vihf(ins, medecin()).xml("_v2", "2026-12-06T10:00:00.000Z"),
            ins,
        ),
    )
    .await;
    assert_eq!(s, 500, "{xml}");
    assert_eq!(
        soap::faute(xml.as_bytes()).unwrap().sous_code.as_deref(),
        Some("DMPInvalidVIHF")
    );
    // changed after signing
    let v = vihf(ins, medecin())
        .signer("_v3", "2026-12-06T10:00:00.000Z", &cle)
        .unwrap();
    let change = v.replace("499900063480001", "499900063480002");
    let (s, xml) = envoyer(&base, requete(&change, ins)).await;
    assert_eq!(s, 500, "{xml}");
    assert!(
        soap::faute(xml.as_bytes())
            .unwrap()
            .raison
            .contains("modifié"),
        "{xml}"
    );
    // a médecin without specialty
    let v = vihf(ins, medecin()[..1].to_vec())
        .signer("_v4", "2026-12-06T10:00:00.000Z", &cle)
        .unwrap();
    let (_, xml) = envoyer(&base, requete(&v, ins)).await;
    assert!(
        soap::faute(xml.as_bytes())
            .unwrap()
            .raison
            .contains("Aucune spécialité"),
        "{xml}"
    );
    // the VIHF about another patient than the query
    let v = vihf("160012B02077713", medecin())
        .signer("_v5", "2026-12-06T10:00:00.000Z", &cle)
        .unwrap();
    let (_, xml) = envoyer(&base, requete(&v, ins)).await;
    let r = td02::lire_reponse(xml.as_bytes()).unwrap();
    assert_eq!(r.acquittement, "AE", "{xml}");
    assert!(
        r.details
            .iter()
            .any(|d| d.contains("XDSPatientIdDoesNotMatch")),
        "{r:?}"
    );
}
