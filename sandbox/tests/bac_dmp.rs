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

/// A request of `action` to the registry or repository: status, the
/// answer's Content-Type and bytes.
async fn poster(
    base: &str,
    service: &str,
    action: &str,
    corps: Vec<u8>,
    type_contenu: String,
) -> (u16, String, Vec<u8>) {
    let r = reqwest::Client::new()
        .post(format!("{base}/dmp/{service}"))
        .header(
            "content-type",
            if type_contenu.is_empty() {
                soap::type_contenu(action)
            } else {
                type_contenu
            },
        )
        .body(corps)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    let t = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (s, t, r.bytes().await.unwrap().to_vec())
}

/// TD3.1 and TD3.2 in the sandbox: a document fed (TD2.1) is found and
/// retrieved by a professional in their own name (a CPS: DIRECTE), never
/// by the structure alone (INDIRECTE) nor in the PSC trust space without
/// the professional's token; the answers pass the published schemas; the
/// retrieved document is the fed one, byte for byte; an unknown one is
/// XDSMissingDocument.
#[tokio::test]
async fn a_fed_document_is_found_and_retrieved_in_a_professional_s_name_only() {
    use esculape_dmp::{td21, td31, td32};
    use esculape_xds::{Code, Submission, TypeValues};
    let base = start().await;
    let cle = cle();
    let ins = "297022A02077878";
    let patient = vihf::cx(ins, esculape_identifiants::oid::INS_NIR);
    let brut = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/testdata/dmp/messages/TD2.1-DocumentME2.xml"),
    )
    .unwrap();
    let cda = brut
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(&brut)
        .to_vec();
    let mut entree = esculape_xds::document_entry(
        &cda,
        &TypeValues {
            class_code: Code::new("10", "1.2.250.1.213.1.1.4.1", "Compte rendu"),
            format_code: Code::new(
                "urn:ihe:iti:xds-sd:pdf:2008",
                "1.3.6.1.4.1.19376.1.2.3",
                "Document à corps non structuré en Pdf/A-1",
            ),
        },
    )
    .unwrap();
    entree.patient_id = patient.clone();
    let lot = Submission {
        unique_id: "1.2.250.1.999.1.1.7898.3.1".into(),
        source_id: "1.2.250.1.999.1".into(),
        submission_time: "20261206100000".into(),
        set_uuid: "urn:uuid:00000000-0000-4000-8000-000000000001".into(),
        entry_uuid: td21::entree_uuid(&entree.unique_id),
        association_uuid: "urn:uuid:00000000-0000-4000-8000-000000000003".into(),
    };
    let s = td21::Soumission {
        cda: &cda,
        entree: &entree,
        lot: &lot,
        signature_unique_id: "1.2.250.1.999.1.1.7898.4.2",
        signature_uuids: [
            "urn:uuid:00000000-0000-4000-8000-000000000004",
            "urn:uuid:00000000-0000-4000-8000-000000000005",
            "urn:uuid:00000000-0000-4000-8000-000000000006",
        ],
        remplace: None,
    };
    let (corps, parties) = td21::requete(&s, "2026-12-06T10:00:00Z", &cle).unwrap();
    let signe = |mode| {
        let mut v = vihf(ins, medecin());
        v.mode = mode;
        v.signer("_v", "2026-12-06T10:00:00.000Z", &cle).unwrap()
    };
    let (_, env) = soap::enveloppe(
        td21::ACTION,
        "http://dmp/repository",
        &signe(ModeAuthentification::Indirecte),
        &corps,
    );
    let (tc, message) = td21::mtom(&env, &parties, td21::ACTION);
    let (st, _, r) = poster(&base, "repository", td21::ACTION, message, tc).await;
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&r));

    // TD3.1
    let recherche = td31::requete(&td31::Recherche::du_patient(&patient));
    let chercher = |mode| {
        let v = signe(mode);
        let recherche = recherche.clone();
        let base = base.clone();
        async move {
            let (_, env) = soap::enveloppe(td31::ACTION, "http://dmp/registry", &v, &recherche);
            poster(
                &base,
                "registry",
                td31::ACTION,
                env.into_bytes(),
                String::new(),
            )
            .await
        }
    };
    for mode in [
        ModeAuthentification::Indirecte,
        ModeAuthentification::IndirecteRenforcee,
    ] {
        let (st, _, r) = chercher(mode).await;
        let f =
            soap::faute(&r).unwrap_or_else(|| panic!("{mode:?}: {}", String::from_utf8_lossy(&r)));
        assert_eq!(f.sous_code.as_deref(), Some("DMPAccessDenied"), "{mode:?}");
        assert_eq!(st, 500, "{mode:?}");
    }
    let (st, _, r) = chercher(ModeAuthentification::Directe).await;
    let texte = String::from_utf8_lossy(&r).into_owned();
    assert_eq!(st, 200, "{texte}");
    let (ok, sortie) = xsd(&texte);
    assert!(ok, "{sortie}\n{texte}");
    let docs = td31::lire_reponse(&r).unwrap();
    assert_eq!(docs.len(), 1, "{texte}");
    assert_eq!(docs[0].unique_id, entree.unique_id);
    assert_eq!(docs[0].repository, esculape_sandbox::dmp::REPOSITORY);
    assert_eq!(docs[0].statut, td31::APPROUVE);
    assert_eq!(docs[0].titre, entree.title);

    // TD3.2
    let retirer = |unique_id: String| {
        let v = signe(ModeAuthentification::Directe);
        let base = base.clone();
        async move {
            let (_, env) = soap::enveloppe(
                td32::ACTION,
                "http://dmp/repository",
                &v,
                &td32::requete(esculape_sandbox::dmp::REPOSITORY, &unique_id),
            );
            poster(
                &base,
                "repository",
                td32::ACTION,
                env.into_bytes(),
                String::new(),
            )
            .await
        }
    };
    let (st, tc, r) = retirer(entree.unique_id.clone()).await;
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&r));
    assert!(tc.starts_with("multipart/related"), "{tc}");
    let parties = td21::parties_mtom(&tc, &r).unwrap();
    let d = td32::lire_reponse(&parties).unwrap();
    assert_eq!(d.octets, cda, "octet pour octet");
    // the root part passes the schema once its xop:Include is inlined
    let racine = String::from_utf8_lossy(&parties[0].1).into_owned();
    let i = racine.find("<xop:Include").unwrap();
    let j = racine[i..].find("/>").unwrap() + i + 2;
    let en_ligne = format!(
        "{}{}{}",
        &racine[..i],
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &cda),
        &racine[j..]
    );
    let (ok, sortie) = xsd(&en_ligne);
    assert!(ok, "{sortie}\n{en_ligne}");
    let (st, _, r) = retirer("1.2.250.1.999.9.9".into()).await;
    assert_eq!(st, 200);
    let texte = String::from_utf8_lossy(&r).into_owned();
    let (ok, sortie) = xsd(&texte);
    assert!(ok, "{sortie}\n{texte}");
    let e = td32::lire_reponse(&[(String::new(), r)]).unwrap_err();
    assert!(e.to_string().contains("XDSMissingDocument"), "{e}");
}
