//! Document production end to end, on SQLite and PostgreSQL: the generic
//! N1 plugin installed in the host, three patients (a qualified adult born
//! in Corsica, a qualified child with three first names, a provisional
//! adult born abroad with used names), form prefilled from the record,
//! preview (nothing stored), sign-off (stored, PDF/A, XDS metadata,
//! IHE_XDM.ZIP), correction (new version, same setId), roles; the official
//! ANS validator on every CDA; the CLI `esculape doc produce`.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use common::TestApp;
use esculape_domain::record::{Activity, EntryData};
use esculape_domain::{BirthDate, Identity, Ins, Justificatif, NewIdentity, Sex};
use esculape_store::{Actor, testing};

const PLUGIN: &str = "fr.esculape.doc.generique";

fn identity(
    birth_name: &str,
    first: &[&str],
    used: Option<(&str, &str)>,
    sex: Sex,
    born: &str,
    cog: &str,
    ins: Option<&str>,
) -> Identity {
    let qualified = ins.is_some();
    Identity::validate(
        NewIdentity {
            birth_name: birth_name.into(),
            used_name: used.map(|u| u.0.into()),
            birth_first_names: first.iter().map(|s| s.to_string()).collect(),
            used_first_name: used.map(|u| u.1.into()),
            sex,
            birth_date: BirthDate::parse(born).unwrap(),
            birth_place_cog: Some(cog.into()),
            ins: ins.map(|m| Ins::new(m, "1.2.250.1.213.1.4.10").unwrap()),
            high_trust_document: qualified,
            justificatif: qualified.then_some(Justificatif::PieceIdentite),
            from_insi: qualified,
            attributes: Default::default(),
        },
        BirthDate::parse("2026-11-26").unwrap(),
    )
    .unwrap()
}

/// The INSi test identity ADRTROIS DOMINIQUE, born in Ajaccio, qualified.
fn adrtrois() -> Identity {
    identity(
        "ADRTROIS",
        &["DOMINIQUE"],
        None,
        Sex::Female,
        "1997-02-01",
        "2A004",
        Some("297022A02077878"),
    )
}

/// An official ANS IHE_XDM package.
fn official(zip: &str) -> esculape_xds::XdmPackage {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/ans/xdm")
        .join(zip);
    esculape_xds::read_xdm(&std::fs::read(path).unwrap()).unwrap()
}

/// Sign a document; its CDA is kept in `dir` for the validator, its
/// package's fixed values are compared with the official `zip`'s.
async fn sign(
    a: &TestApp,
    patient: &str,
    body: &str,
    dir: &std::path::Path,
    files: &mut Vec<std::path::PathBuf>,
    zip: &str,
) -> serde_json::Value {
    let name = a.name;
    let (s, doc) = a
        .call(
            "POST",
            &format!("/api/patients/{patient}/documents/sign"),
            Some(body),
            &a.medecin,
        )
        .await;
    assert_eq!(s, 201, "{name}: {doc}");
    let cda = B64.decode(doc["cda"].as_str().unwrap()).unwrap();
    let file = dir.join(format!("{name}-{}.xml", files.len()));
    std::fs::write(&file, &cda).unwrap();
    files.push(file);
    let xdm = esculape_xds::read_xdm(&B64.decode(doc["xdm"].as_str().unwrap()).unwrap()).unwrap();
    assert!(xdm.hash_and_size_match(), "{name}");
    assert_eq!(xdm.document, cda);
    same_fixed_values(
        name,
        &xdm,
        zip,
        &["classCode", "typeCode", "formatCode", "confidentialityCode"],
    );
    doc
}

/// The fixed metadata of a produced package equal the official one's.
fn same_fixed_values(name: &str, ours: &esculape_xds::XdmPackage, zip: &str, schemes: &[&str]) {
    let theirs = official(zip);
    for scheme in schemes {
        assert_eq!(
            ours.code(scheme).map(|c| (&c.code, &c.scheme)),
            theirs.code(scheme).map(|c| (&c.code, &c.scheme)),
            "{name}: {zip} {scheme}"
        );
    }
    assert_eq!(ours.mime_type, theirs.mime_type, "{name}: {zip}");
}

#[tokio::test]
async fn produce_preview_sign_correct_on_both_databases() {
    for t in testing::both().await {
        let (h, rt) = common::runtime_with(&[
            "esculape-plugin-doc-generique",
            "esculape-plugin-doc-cse-mde",
            "esculape-plugin-doc-vac-note",
            "esculape-plugin-doc-ips",
            "esculape-plugin-doc-ordonnance",
            "esculape-plugin-doc-cse-cs9",
        ]);
        let a = TestApp::with_runtime(t, rt).await;
        let name = a.name;
        let doctor = Actor::user(a.practice.medecin.login.clone());
        let patients = [
            adrtrois(),
            identity(
                "NGUYEN",
                &["LUCAS", "MINH", "PIERRE"],
                None,
                Sex::Male,
                "2026-02-14",
                "69383",
                Some("126026938312373"),
            ),
            identity(
                "DE LA FONTAINE",
                &["MARIE", "HELENE", "JEANNE"],
                Some(("MARTIN", "LENA")),
                Sex::Female,
                "1958-11-03",
                "99134",
                None,
            ),
        ];
        let mut ids = vec![];
        for p in patients {
            let rec = a.store.create_patient(&doctor, p).await.unwrap();
            ids.push(rec.id);
        }
        a.store
            .add_entry(
                &doctor,
                &ids[0],
                None,
                EntryData::Probleme {
                    label: "Diabète de type 2".into(),
                    code: None,
                    status: Activity::Actif,
                    onset: None,
                },
            )
            .await
            .unwrap();

        // The types on offer, the form prefilled from the record.
        let (s, types) = a.call("GET", "/api/document-types", None, &a.medecin).await;
        assert_eq!(s, 200, "{name}: {types}");
        assert!(
            types
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["plugin"] == PLUGIN),
            "{types}"
        );
        let (s, form) = a
            .call(
                "GET",
                &format!("/api/patients/{}/document-forms/{PLUGIN}", ids[0]),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(s, 200, "{name}: {form}");
        assert!(
            form["valeurs"]["corps"]
                .as_str()
                .unwrap()
                .contains("Diabète de type 2"),
            "{form}"
        );

        // Preview: everything, nothing stored.
        let demande = |titre: &str, remplace: Option<&str>| {
            serde_json::json!({
                "plugin": PLUGIN,
                "valeurs": {"type": "11488-4", "titre": titre, "corps": "Examen clinique normal.\n\nRevoir dans 3 mois."},
                "remplace": remplace,
            })
            .to_string()
        };
        let before = a
            .store
            .chart(&doctor, &ids[0])
            .await
            .unwrap()
            .documents_total;
        let (s, preview) = a
            .call(
                "POST",
                &format!("/api/patients/{}/documents/preview", ids[0]),
                Some(&demande("Consultation", None)),
                &a.medecin,
            )
            .await;
        assert_eq!(s, 200, "{name}: {preview}");
        assert!(preview["document"].is_null());
        assert_eq!(
            a.store
                .chart(&doctor, &ids[0])
                .await
                .unwrap()
                .documents_total,
            before
        );

        // Sign-off for each patient; every CDA through the ANS validator.
        let dir = tempfile::tempdir().unwrap();
        let mut files = vec![];
        let mut signed = vec![];
        for (i, id) in ids.iter().enumerate() {
            let (s, doc) = a
                .call(
                    "POST",
                    &format!("/api/patients/{id}/documents/sign"),
                    Some(&demande("Compte rendu de consultation", None)),
                    &a.medecin,
                )
                .await;
            assert_eq!(s, 201, "{name}: {doc}");
            let cda = B64.decode(doc["cda"].as_str().unwrap()).unwrap();
            let file = dir.path().join(format!("{name}-{i}.xml"));
            std::fs::write(&file, &cda).unwrap();
            files.push(file);
            // The XDM package re-reads: hash and size match, the fixed
            // values are those of the official N1 package.
            let xdm =
                esculape_xds::read_xdm(&B64.decode(doc["xdm"].as_str().unwrap()).unwrap()).unwrap();
            assert!(xdm.hash_and_size_match(), "{name}");
            assert_eq!(xdm.document, cda);
            same_fixed_values(
                name,
                &xdm,
                "DOC_NON_STRUCTURE_CDA-R2-N1.zip",
                &[
                    "classCode",
                    "formatCode",
                    "confidentialityCode",
                    "healthcareFacilityTypeCode",
                    "practiceSettingCode",
                ],
            );
            // The INS is the XDS patientId only for qualified identities.
            let pid = xdm.patient_id.clone().unwrap();
            assert_eq!(
                pid.ends_with("&1.2.250.1.213.1.4.10&ISO^NH"),
                i < 2,
                "{name}: {pid}"
            );
            signed.push(doc["document"]["id"].as_str().unwrap().to_string());
        }
        // An N3: the child's measures; the host renders its PDF.
        let mde = serde_json::json!({
            "plugin": "fr.esculape.doc.cse-mde",
            "valeurs": {"date": "2026-11-20", "poids": 8.9, "taille": "71", "perimetre_cranien": 45},
        })
        .to_string();
        let doc = sign(
            &a,
            &ids[1],
            &mde,
            dir.path(),
            &mut files,
            "CSE-MDE_2023.01.zip",
        )
        .await;
        assert_eq!(doc["format"], "cda-n3");
        let pdf = B64.decode(doc["pdf"].as_str().unwrap()).unwrap();
        assert!(esculape_pdfa::check_pdfa1b(&pdf).passed(), "{name}");
        // The 9th-month certificate: the form prefilled from the child's
        // record (the measures just signed are not in the chart: none),
        // the parents' answers added, signed like the others.
        let (s, form) = a
            .call(
                "GET",
                &format!(
                    "/api/patients/{}/document-forms/fr.esculape.doc.cse-cs9",
                    ids[1]
                ),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(s, 200, "{name}: {form}");
        let mut valeurs = form["valeurs"].as_object().cloned().unwrap_or_default();
        for (k, v) in serde_json::json!({
            "date_examen": "2026-11-20", "mere_nom": "NGUYEN", "mere_prenom": "Thi",
            "mere_naissance": "1990-03-08", "mere_activite": "PAT-043",
            "garde": true, "type_garde": "PAT-051", "immunisation_vrs": false,
            "accident_domestique": false, "neurodeveloppement": "860642002",
            "poids": 8.9, "taille": 71,
        })
        .as_object()
        .unwrap()
        {
            valeurs.insert(k.clone(), v.clone());
        }
        let cs9 = serde_json::json!({"plugin": "fr.esculape.doc.cse-cs9", "valeurs": valeurs})
            .to_string();
        let doc = sign(
            &a,
            &ids[1],
            &cs9,
            dir.path(),
            &mut files,
            "CSE-CS9_2025.01.zip",
        )
        .await;
        assert_eq!(doc["document"]["type_code"], "CERT_DECL", "{name}");
        // LGC.CSE.15: the signed CS9 leaves for the CSE platform by
        // MSSanté without being asked, after the delay, cancellable; it
        // was queued with the signature itself.
        assert_eq!(
            doc["document"]["mssante_state"], "en-attente",
            "{name}: {doc}"
        );
        let (s, travaux) = a
            .call(
                "GET",
                &format!("/api/patients/{}/travaux", ids[1]),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(s, 200, "{name}: {travaux}");
        let cse = travaux
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["kind"] == "mss.envoi")
            .unwrap_or_else(|| panic!("{name}: l'envoi à la plateforme CSE : {travaux}"));
        assert!(
            cse["label"]
                .as_str()
                .unwrap()
                .contains("certificatsdesante@plateformecse.mssante.fr"),
            "{name}: {cse}"
        );
        assert_eq!(cse["etat"], "en_attente", "{name}: {cse}");
        let dans = cse["prochain_essai"].as_i64().unwrap() - esculape_store::now_millis();
        assert!(dans > 10 * 60 * 1000, "{name}: différé de 15 min : {cse}");
        let (s, r) = a
            .call(
                "POST",
                &format!("/api/travaux/{}/annulation", cse["id"].as_str().unwrap()),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(s, 200, "{name}: {r}");
        let (_, meta) = a
            .call(
                "GET",
                &format!("/api/documents/{}", doc["document"]["id"].as_str().unwrap()),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(meta["mssante_state"], "annule", "{name}: {meta}");
        // The vaccination note from a photo of the box (no value sets in
        // this home: the plugin's built-in codes of the JDV). The host reads
        // the DataMatrix; a picture without one is refused in French.
        use esculape_datamatrix::exemple;
        let photo = exemple::jpeg(&exemple::photo(exemple::GS1, 8, 17.0, 30));
        let lire = |image: String| {
            let body = serde_json::json!({ "image": image }).to_string();
            let a = &a;
            async move {
                a.call("POST", "/api/datamatrix", Some(&body), &a.medecin)
                    .await
            }
        };
        let (s, lu) = lire(B64.encode(&photo)).await;
        assert_eq!(s, 200, "{name}: {lu}");
        assert_eq!(lu["texte"], exemple::GS1, "{name}");
        let (s, e) = lire(B64.encode(exemple::sans_code())).await;
        assert_eq!(s, 422, "{name}: {e}");
        assert!(
            e["erreur"].as_str().unwrap().contains("aucun DataMatrix"),
            "{e}"
        );
        let (s, e) = lire("pas du base64 !".into()).await;
        assert_eq!(s, 422, "{name}: {e}");
        let vac = serde_json::json!({
            "plugin": "fr.esculape.doc.vac-note",
            "valeurs": {
                "datamatrix": lu["texte"],
                "date": "2026-11-20", "vaccin": "Vaccin tétanique", "atc": "J07AM01",
                "atc_libelle": "anatoxine tétanique", "voie": "20035000", "rang": 2,
            },
        })
        .to_string();
        let doc = sign(
            &a,
            &ids[0],
            &vac,
            dir.path(),
            &mut files,
            "VAC-NOTE_2023.01.zip",
        )
        .await;
        let cda = String::from_utf8(B64.decode(doc["cda"].as_str().unwrap()).unwrap()).unwrap();
        assert!(
            cda.contains("<lotNumberText>3A1234</lotNumberText>"),
            "{name}"
        );
        // The synthèse médicale, prefilled from the record then signed.
        let (s, form) = a
            .call(
                "GET",
                &format!(
                    "/api/patients/{}/document-forms/fr.esculape.doc.ips",
                    ids[0]
                ),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(s, 200, "{name}: {form}");
        assert!(
            form["valeurs"]["problemes"]
                .to_string()
                .contains("Diabète de type 2"),
            "{form}"
        );
        let ips = serde_json::json!({"plugin": "fr.esculape.doc.ips", "valeurs": form["valeurs"]})
            .to_string();
        let doc = sign(
            &a,
            &ids[0],
            &ips,
            dir.path(),
            &mut files,
            "IPS-FR_2024.01.zip",
        )
        .await;
        assert_eq!(doc["document"]["type_code"], "60591-5", "{name}");
        assert_eq!(doc["format"], "cda-n3");
        // A prescription with a structured posology.
        let ordonnance = serde_json::json!({
            "plugin": "fr.esculape.doc.ordonnance",
            "valeurs": {"medicaments": [{"libelle": "METFORMINE 1000 mg, comprimé", "dose": 1, "par_jour": 2, "duree_jours": 90, "ald": true}]},
        })
        .to_string();
        let doc = sign(
            &a,
            &ids[0],
            &ordonnance,
            dir.path(),
            &mut files,
            "eP-MED-DM_2024.01_PosoStruct.zip",
        )
        .await;
        assert_eq!(doc["document"]["type_code"], "57833-6", "{name}");
        // An N3 opens on its PDF copy (SC.CDA/VISU.01): the one it carries.
        let copie = a
            .app
            .clone()
            .oneshot_pdf(
                &format!(
                    "/api/documents/{}/pdf",
                    doc["document"]["id"].as_str().unwrap()
                ),
                &a.medecin,
            )
            .await;
        assert!(copie.starts_with(b"%PDF-1.4"), "{name}");
        assert!(esculape_pdfa::check_pdfa1b(&copie).passed(), "{name}");
        let (ok, report) = esculape_sdk_testing::cda_validate(&files);
        assert!(ok, "{name}: {report}");

        // The stored document's PDF is a PDF/A-1b.
        let res = a
            .app
            .clone()
            .oneshot_pdf(&format!("/api/documents/{}/pdf", signed[0]), &a.medecin)
            .await;
        let report = esculape_pdfa::check_pdfa1b(&res);
        assert!(report.passed(), "{name}: {report:?}");

        // The form each was signed from comes back to correct it: the
        // plugin and the values as the doctor validated them.
        let (s, f1) = a
            .call(
                "GET",
                &format!("/api/documents/{}/form", signed[0]),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(s, 200, "{name}: {f1}");
        assert_eq!(f1["plugin"], PLUGIN);
        assert_eq!(f1["valeurs"]["titre"], "Compte rendu de consultation");
        assert_eq!(
            f1["valeurs"]["corps"],
            "Examen clinique normal.\n\nRevoir dans 3 mois."
        );
        let (s, _) = a
            .call(
                "GET",
                &format!("/api/documents/{}/form", signed[0]),
                None,
                &a.secretaire,
            )
            .await;
        assert_eq!(s, 403, "{name}");

        // Correction: new id, same setId, version 2; the first is superseded.
        let (s, v2) = a
            .call(
                "POST",
                &format!("/api/patients/{}/documents/sign", ids[0]),
                Some(&demande(
                    "Compte rendu de consultation (corrigé)",
                    Some(&signed[0]),
                )),
                &a.medecin,
            )
            .await;
        assert_eq!(s, 201, "{name}: {v2}");
        let (_, v1) = a
            .call(
                "GET",
                &format!("/api/documents/{}", signed[0]),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(v2["document"]["set_id"], v1["set_id"]);
        assert_eq!(v2["document"]["version_number"], 2);
        assert_eq!(v1["status"], "remplace");
        let (_, f2) = a
            .call(
                "GET",
                &format!(
                    "/api/documents/{}/form",
                    v2["document"]["id"].as_str().unwrap()
                ),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(
            f2["valeurs"]["titre"],
            "Compte rendu de consultation (corrigé)"
        );
        let cda2 = String::from_utf8(B64.decode(v2["cda"].as_str().unwrap()).unwrap()).unwrap();
        assert!(cda2.contains("<versionNumber value=\"2\"/>"), "{cda2}");
        assert!(cda2.contains(&format!(
            "<setId root=\"{}\"/>",
            v1["set_id"].as_str().unwrap()
        )));

        // A correction keeps the document's type.
        let other_type = serde_json::json!({
            "plugin": PLUGIN,
            "valeurs": {"type": "89601-9", "titre": "Certificat", "corps": "x"},
            "remplace": v2["document"]["id"],
        })
        .to_string();
        let (s, e) = a
            .call(
                "POST",
                &format!("/api/patients/{}/documents/sign", ids[0]),
                Some(&other_type),
                &a.medecin,
            )
            .await;
        assert_eq!(s, 422, "{name}: {e}");
        assert!(
            e["erreur"].as_str().unwrap().contains("garde le type"),
            "{e}"
        );
        // Bad input: French message, nothing stored; the secrétaire is refused.
        let total = a
            .store
            .chart(&doctor, &ids[0])
            .await
            .unwrap()
            .documents_total;
        let bad =
            serde_json::json!({"plugin": PLUGIN, "valeurs": {"type": "11488-4", "corps": "x"}})
                .to_string();
        let (s, e) = a
            .call(
                "POST",
                &format!("/api/patients/{}/documents/sign", ids[0]),
                Some(&bad),
                &a.medecin,
            )
            .await;
        assert_eq!(s, 422, "{name}: {e}");
        assert!(
            e["erreur"]
                .as_str()
                .unwrap()
                .contains("titre est obligatoire"),
            "{e}"
        );
        let unknown = serde_json::json!({"plugin": "fr.exemple.absent", "valeurs": {}}).to_string();
        let (s, _) = a
            .call(
                "POST",
                &format!("/api/patients/{}/documents/sign", ids[0]),
                Some(&unknown),
                &a.medecin,
            )
            .await;
        assert_eq!(s, 404);
        let (s, _) = a
            .call(
                "POST",
                &format!("/api/patients/{}/documents/sign", ids[0]),
                Some(&demande("x", None)),
                &a.secretaire,
            )
            .await;
        assert_eq!(s, 403);
        assert_eq!(
            a.store
                .chart(&doctor, &ids[0])
                .await
                .unwrap()
                .documents_total,
            total
        );
        drop(h);
    }
}

trait PdfCall {
    async fn oneshot_pdf(self, uri: &str, token: &str) -> Vec<u8>;
}

impl PdfCall for axum::Router {
    async fn oneshot_pdf(self, uri: &str, token: &str) -> Vec<u8> {
        use tower::ServiceExt;
        let req = axum::http::Request::builder()
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let res = self.oneshot(req).await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        axum::body::to_bytes(res.into_body(), 1 << 26)
            .await
            .unwrap()
            .to_vec()
    }
}

/// The command line on this home, off the async threads: (success,
/// stdout, stderr).
fn cli(
    home: &std::path::Path,
) -> impl Fn(Vec<String>) -> tokio::task::JoinHandle<(bool, String, String)> {
    let home = home.to_path_buf();
    move |args: Vec<String>| {
        let home = home.clone();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            common::esculape_cli(&home, &[], &args)
        })
    }
}

/// A practice with `n` demo patients and its médecins.
async fn demo(
    run: &impl Fn(Vec<String>) -> tokio::task::JoinHandle<(bool, String, String)>,
    n: u32,
) {
    let (ok, out, err) = run(vec!["demo-data".into(), "--patients".into(), n.to_string()])
        .await
        .unwrap();
    assert!(ok, "{out}{err}");
}

#[tokio::test]
async fn cli_doc_produce_writes_cda_pdf_and_xdm() {
    let (h, _rt) = common::runtime_with(&["esculape-plugin-doc-generique"]);
    let home = h.home().to_path_buf();
    let run = cli(&home);
    demo(&run, 2).await;
    let patient = {
        let store = esculape_host::home::store(&home).await.unwrap();
        let rec = store
            .create_patient(&Actor::system(), adrtrois())
            .await
            .unwrap();
        rec.id
    };
    let (ok, out, err) = run(vec!["doc".into(), "types".into()]).await.unwrap();
    assert!(ok && out.contains(PLUGIN), "{out}{err}");
    let dir = tempfile::tempdir().unwrap();
    let args = |extra: &[&str]| {
        let mut v: Vec<String> = [
            "doc",
            "produce",
            "--type",
            "generique",
            "--patient",
            &patient,
            "--out",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.push(dir.path().display().to_string());
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    // Several médecins: the CLI asks which one signs.
    let (ok, _, err) = run(args(&[])).await.unwrap();
    assert!(!ok && err.contains("--auteur"), "{err}");
    let (ok, out, err) = run(args(&[
        "--auteur",
        "dr.martin",
        "--set",
        "titre=Certificat de non contre-indication au sport",
        "--set",
        "type=89601-9",
        "--set",
        "corps=Aucune contre-indication.",
    ]))
    .await
    .unwrap();
    assert!(ok, "{out}{err}");
    let files: Vec<std::path::PathBuf> = out.lines().map(std::path::PathBuf::from).collect();
    assert_eq!(files.len(), 3, "{out}");
    let cda = std::fs::read(&files[0]).unwrap();
    assert!(String::from_utf8_lossy(&cda).contains("code=\"89601-9\""));
    assert!(esculape_pdfa::check_pdfa1b(&std::fs::read(&files[1]).unwrap()).passed());
    let xdm = esculape_xds::read_xdm(&std::fs::read(&files[2]).unwrap()).unwrap();
    assert!(xdm.hash_and_size_match());
    assert_eq!(xdm.document, cda);
    // A certificate is of class 52.
    assert_eq!(xdm.code("classCode").unwrap().code, "52");
    let (ok, report) = esculape_sdk_testing::cda_validate(&files[..1]);
    assert!(ok, "{report}");
    assert!(err.contains("enregistré"), "{err}");
    // An unknown type names the installed ones.
    let mut bad = args(&["--auteur", "dr.martin"]);
    bad[3] = "ordonnance".into();
    let (ok, _, err) = run(bad).await.unwrap();
    assert!(
        !ok && err.contains("inconnu") && err.contains(PLUGIN),
        "{err}"
    );
}

/// The CS9 is prefilled from the 9th month's exam report: its sign-off
/// records its measures in the chart (once), and the certificate takes
/// the measures and the day of the exam in its age window, not older ones.
#[tokio::test]
async fn the_cs9_takes_the_measures_and_day_of_the_ninth_month_exam_report() {
    use esculape_domain::Day;
    use esculape_domain::record::MeasureKind;
    for t in testing::both().await {
        let (_h, rt) = common::runtime_with(&[
            "esculape-plugin-doc-examen-enfant",
            "esculape-plugin-doc-cse-cs9",
        ]);
        let a = TestApp::with_runtime(t, rt).await;
        let name = a.name;
        let doctor = Actor::user(a.practice.medecin.login.clone());
        // A child of 9 months today, weighed at 4 months.
        let today = esculape_domain::calendar::paris_local(esculape_store::now_millis()).day();
        let born = Day::from_days(today.days() - 270);
        let child = Identity::validate(
            NewIdentity {
                birth_name: "PETIT".into(),
                used_name: None,
                birth_first_names: vec!["LEON".into()],
                used_first_name: None,
                sex: Sex::Male,
                birth_date: BirthDate::parse(&born.to_string()).unwrap(),
                birth_place_cog: Some("75056".into()),
                ins: None,
                high_trust_document: false,
                justificatif: None,
                from_insi: false,
                attributes: Default::default(),
            },
            BirthDate::parse(&today.to_string()).unwrap(),
        )
        .unwrap();
        let child = a.store.create_patient(&doctor, child).await.unwrap().id;
        a.store
            .add_entry(
                &doctor,
                &child,
                None,
                EntryData::Mesure {
                    measure: MeasureKind::Poids,
                    value: 6.4,
                    date: Day::from_days(born.days() + 122),
                    heure: None,
                },
            )
            .await
            .unwrap();

        // The 9th month's exam report, its measures typed in.
        let (s, form) = a
            .call(
                "GET",
                &format!("/api/patients/{child}/document-forms/fr.esculape.doc.examen-enfant"),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(s, 200, "{name}: {form}");
        assert_eq!(form["valeurs"]["examen"], "MED-1232", "{name}: {form}");
        let mut valeurs = form["valeurs"].as_object().unwrap().clone();
        valeurs.insert("poids".into(), serde_json::json!(8.9));
        valeurs.insert("taille".into(), serde_json::json!(71));
        valeurs.insert("perimetre_cranien".into(), serde_json::json!(45));
        valeurs.insert("observations".into(), serde_json::json!("Examen normal."));
        let body =
            serde_json::json!({"plugin": "fr.esculape.doc.examen-enfant", "valeurs": valeurs});
        let uri = format!("/api/patients/{child}/documents/sign");
        let (s, doc) = a
            .call("POST", &uri, Some(&body.to_string()), &a.medecin)
            .await;
        assert_eq!(s, 201, "{name}: {doc}");
        let avis = doc["avis"].to_string();
        assert!(avis.contains("reportées au dossier"), "{name}: {avis}");
        assert!(avis.contains("poids 8,9 kg"), "{name}: {avis}");
        // Signed again (a correction): nothing recorded twice.
        let body = serde_json::json!({
            "plugin": "fr.esculape.doc.examen-enfant", "valeurs": valeurs,
            "remplace": doc["document"]["id"],
        });
        let (s, again) = a
            .call("POST", &uri, Some(&body.to_string()), &a.medecin)
            .await;
        assert_eq!(s, 201, "{name}: {again}");
        assert!(!again["avis"].to_string().contains("reportées"), "{name}");
        // A correction with another weight: the record keeps its own, and
        // says so.
        valeurs.insert("poids".into(), serde_json::json!(9.1));
        let body = serde_json::json!({
            "plugin": "fr.esculape.doc.examen-enfant", "valeurs": valeurs,
            "remplace": again["document"]["id"],
        });
        let (s, third) = a
            .call("POST", &uri, Some(&body.to_string()), &a.medecin)
            .await;
        assert_eq!(s, 201, "{name}: {third}");
        let avis = third["avis"].to_string();
        assert!(
            avis.contains("Le dossier garde poids 8,9 kg") && avis.contains("saisi ici : 9,1 kg"),
            "{name}: {avis}"
        );
        let chart = a.store.chart(&doctor, &child).await.unwrap();
        let poids: Vec<f64> = chart
            .entries
            .iter()
            .filter_map(|e| match &e.data {
                EntryData::Mesure {
                    measure: MeasureKind::Poids,
                    value,
                    ..
                } => Some(*value),
                _ => None,
            })
            .collect();
        assert_eq!(poids.len(), 2, "{name}: 4 months and 9 months: {poids:?}");
        assert!(poids.contains(&8.9), "{name}");

        // The CS9: the exam's day and measures, read by the CS9 plugin from
        // the report's signed form (record-read 0.2.0): the weight of the
        // report as last signed (9,1 kg), not the record's (8,9 kg).
        let (s, cs9) = a
            .call(
                "GET",
                &format!("/api/patients/{child}/document-forms/fr.esculape.doc.cse-cs9"),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(s, 200, "{name}: {cs9}");
        let v = &cs9["valeurs"];
        assert_eq!(v["date_examen"], today.to_string(), "{name}: {v}");
        assert_eq!(v["poids"].as_f64(), Some(9.1), "{name}: {v}");
        assert_eq!(v["taille"].as_f64(), Some(71.0), "{name}: {v}");
        assert_eq!(v["perimetre_cranien"].as_f64(), Some(45.0), "{name}: {v}");

        // A value that does not fit its field is refused by the host, in
        // French, naming the field, before any plugin sees it.
        let mut bad = v.as_object().unwrap().clone();
        bad.insert("date_examen".into(), serde_json::json!("14/07"));
        let body = serde_json::json!({"plugin": "fr.esculape.doc.cse-cs9", "valeurs": bad});
        let (s, err) = a
            .call(
                "POST",
                &format!("/api/patients/{child}/documents/preview"),
                Some(&body.to_string()),
                &a.medecin,
            )
            .await;
        assert_eq!(s, 422, "{name}: {err}");
        assert!(
            err.to_string()
                .contains("Date de l'examen : «14/07» n'est pas une date (AAAA-MM-JJ)"),
            "{name}: {err}"
        );
    }
}

/// A received document read through the API, nothing stored: an official
/// CR-BIO opens on its PDF with its sections; an IPS-FR's narrative;
/// bad input refused in French; each reading traced; a secretary may not.
#[tokio::test]
async fn a_received_document_is_read_through_the_api_and_the_reading_traced() {
    let kit = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/ans/cda-examples");
    for t in testing::both().await {
        // the synthèse médicale plugin installed; none for CR-BIO
        let (_h, rt) = common::runtime_with(&["esculape-plugin-doc-ips"]);
        let a = TestApp::with_runtime(t, rt).await;
        let nom = a.name;
        let lire = |fichier: &str| {
            let contenu = B64.encode(std::fs::read(kit.join(fichier)).unwrap());
            serde_json::json!({ "contenu": contenu }).to_string()
        };
        let corps = lire("BIO-CR-BIO_2024.01_TSH_1.xml");
        let (s, d) = a
            .call("POST", "/api/documents/lecture", Some(&corps), &a.medecin)
            .await;
        assert_eq!(s, 200, "{nom}: {d}");
        assert_eq!(d["type_code"], "11502-2", "{nom}");
        assert_eq!(d["niveau"], "N3");
        assert_eq!(d["auteur"], "Marcel CAMPARINI", "{nom}: {d}");
        assert!(
            d["patient"]
                .as_str()
                .unwrap()
                .ends_with("né(e) le 28/03/1979"),
            "{nom}: {d}"
        );
        let pdf = B64.decode(d["pdf"].as_str().unwrap()).unwrap();
        assert!(pdf.starts_with(b"%PDF"), "{nom}");
        let titres: Vec<&str> = d["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["titre"].as_str().unwrap())
            .collect();
        assert!(titres.contains(&"BIOCHIMIE"), "{nom}: {titres:?}");
        // no plugin reads CR-BIO yet: the generic reader gives the results
        assert_eq!(d["lecteur"], "lecteur générique", "{nom}");
        let t4 = d["propositions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["code"]["code"] == "3024-7")
            .unwrap_or_else(|| panic!("{nom}: {d}"));
        assert_eq!(t4["nature"], "resultat-bio");
        assert_eq!(t4["valeur"], 7.67);
        assert_eq!(t4["unite"], "pg/mL");
        assert_eq!(t4["intervalle"], "9.3 - 17 pg/mL");
        assert_eq!(t4["interpretation"], "L");
        assert_eq!(t4["quand"], "2014-04-02T14:55", "{nom}: {t4}");

        let corps = lire("IPS-FR_2024.01.xml");
        let (s, d) = a
            .call("POST", "/api/documents/lecture", Some(&corps), &a.medecin)
            .await;
        assert_eq!(s, 200, "{nom}: {d}");
        assert!(
            d["sections"][0]["texte"].as_str().unwrap().contains(" | "),
            "{nom}: {d}"
        );
        // the synthèse médicale plugin reads it: typed proposals
        assert_eq!(d["lecteur"], "fr.esculape.doc.ips", "{nom}: {d}");
        let propositions = d["propositions"].as_array().unwrap();
        let de = |nature: &str| {
            propositions
                .iter()
                .filter(|p| p["nature"] == nature)
                .collect::<Vec<_>>()
        };
        let allergies = de("allergie");
        assert_eq!(allergies.len(), 1, "{nom}: {allergies:?}");
        assert_eq!(allergies[0]["libelle"], "Paracétamol");
        assert_eq!(allergies[0]["code"]["code"], "XM5DJ7");
        let thyroidite = de("probleme")
            .into_iter()
            .find(|p| p["code"]["code"] == "E06.3")
            .unwrap();
        assert_eq!(
            (thyroidite["actif"].as_bool(), thyroidite["debut"].as_str()),
            (Some(true), Some("2024-01-11"))
        );
        let vaccins = de("vaccination");
        assert_eq!(vaccins[0]["date"], "2009-09-28", "{nom}: {vaccins:?}");
        assert_eq!(vaccins[0]["lot"], "4456672");
        assert!(
            de("traitement")
                .iter()
                .any(|t| t["code"]["code"] == "62080626")
        );
        assert!(
            de("mesure")
                .iter()
                .any(|m| m["code"]["code"] == "29463-7" && m["valeur"] == 58.0)
        );

        // bad input: French, nothing stored
        let faux =
            serde_json::json!({ "contenu": B64.encode(b"<ClinicalDocument><title>") }).to_string();
        let (s, e) = a
            .call("POST", "/api/documents/lecture", Some(&faux), &a.medecin)
            .await;
        assert_eq!(s, 422, "{nom}: {e}");
        assert!(
            e["erreur"].as_str().unwrap().contains("document illisible"),
            "{nom}: {e}"
        );
        let (s, _) = a
            .call(
                "POST",
                "/api/documents/lecture",
                Some(r#"{"contenu":"pas du base64 !"}"#),
                &a.medecin,
            )
            .await;
        assert_eq!(s, 422, "{nom}");

        // traced, and for the medical roles only
        let traces: Vec<_> = a
            .store
            .audit_since(0)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "document.lecture")
            .collect();
        assert_eq!(traces.len(), 2, "{nom}");
        assert!(
            traces[0]
                .detail
                .contains("Compte rendu d'examens biologiques")
        );
        let (s, _) = a
            .call(
                "POST",
                "/api/documents/lecture",
                Some(&corps),
                &a.secretaire,
            )
            .await;
        assert_eq!(s, 403, "{nom}");
    }
}

/// LGC.MDV.05: a received synthèse médicale integrated item by item into a
/// patient's record: each proposal beside the record (already present or
/// not), the picked ones added with their source document in their
/// history, nothing the record holds overwritten, a second integration
/// adding nothing; a document about another patient (another qualified
/// INS) refused. On SQLite and PostgreSQL.
#[tokio::test]
async fn a_received_synthese_is_integrated_item_by_item_without_overwriting() {
    let ips = std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/testdata/ans/cda-examples/IPS-FR_2024.01.xml"),
    )
    .unwrap();
    let contenu = B64.encode(&ips);
    for t in testing::both().await {
        let (_h, rt) = common::runtime_with(&["esculape-plugin-doc-ips"]);
        let a = TestApp::with_runtime(t, rt).await;
        let nom = a.name;
        let (s, p) = a
            .call("POST", "/api/patients", Some(common::HELENE), &a.medecin)
            .await;
        assert_eq!(s, 201, "{nom}: {p}");
        let id = p["id"].as_str().unwrap().to_string();
        // the record already knows the allergy, without a code and with
        // its own reaction
        let allergie = serde_json::json!({
            "kind": "allergie", "label": "paracétamol", "reaction": "urticaire"
        });
        let (s, e) = a
            .call(
                "POST",
                &format!("/api/patients/{id}/entries"),
                Some(&allergie.to_string()),
                &a.medecin,
            )
            .await;
        assert_eq!(s, 201, "{nom}: {e}");
        let allergie_id = e["id"].as_str().unwrap().to_string();

        let corps = serde_json::json!({ "contenu": contenu }).to_string();
        let (s, ap) = a
            .call(
                "POST",
                &format!("/api/patients/{id}/documents/integration/apercu"),
                Some(&corps),
                &a.medecin,
            )
            .await;
        assert_eq!(s, 200, "{nom}: {ap}");
        // the document's patient is not this one's INS: the doctor checks
        assert!(
            ap["identite"]
                .as_str()
                .unwrap()
                .contains("identité à vérifier"),
            "{nom}: {}",
            ap["identite"]
        );
        let propositions = ap["document"]["propositions"].as_array().unwrap();
        let comparaisons = ap["comparaisons"].as_array().unwrap();
        assert_eq!(propositions.len(), comparaisons.len());
        let position =
            |f: &dyn Fn(&serde_json::Value) -> bool| propositions.iter().position(f).unwrap();
        let i_allergie = position(&|p| p["nature"] == "allergie");
        assert_eq!(
            comparaisons[i_allergie]["deja_present"],
            allergie_id.as_str()
        );
        let i_thyroidite = position(&|p| p["code"]["code"] == "E06.3");
        let c = &comparaisons[i_thyroidite];
        assert!(c["deja_present"].is_null(), "{nom}: {c}");
        assert_eq!(c["entree"]["kind"], "probleme");
        assert_eq!(c["entree"]["code"]["system"], "CIM-10");
        let i_taille = position(&|p| p["code"]["code"] == "8302-2");
        assert_eq!(
            comparaisons[i_taille]["entree"]["value"], 160.0,
            "1,6 m enters as 160 cm"
        );

        // a pick out of range: refused, and nothing of the others added
        let chemin = format!("/api/patients/{id}/documents/integration");
        let faux =
            serde_json::json!({ "contenu": contenu, "choix": [i_thyroidite, 999] }).to_string();
        let (s, e) = a.call("POST", &chemin, Some(&faux), &a.medecin).await;
        assert_eq!(s, 422, "{nom}: {e}");
        assert!(
            e["erreur"].as_str().unwrap().contains("rien n'est intégré"),
            "{nom}: {e}"
        );
        let (_, chart) = a
            .call(
                "GET",
                &format!("/api/patients/{id}/chart"),
                None,
                &a.medecin,
            )
            .await;
        assert_eq!(chart["entries"].as_array().unwrap().len(), 1, "{nom}");

        // integrate everything
        let tout: Vec<u32> = (0..propositions.len() as u32).collect();
        let demande = serde_json::json!({ "contenu": contenu, "choix": tout }).to_string();
        let (s, f) = a.call("POST", &chemin, Some(&demande), &a.medecin).await;
        assert_eq!(s, 200, "{nom}: {f}");
        let ajoutees = f["ajoutees"].as_array().unwrap().len();
        assert!(ajoutees >= 10, "{nom}: {f}");
        // the allergy, and the kit's second REVAXIS of the same day (same
        // vaccine, same date: the same injection)
        assert_eq!(f["deja_presentes"], 2, "{nom}: {f}");
        let ecartees = f["ecartees"].as_array().unwrap().len();
        assert_eq!(ajoutees + 2 + ecartees, propositions.len());

        let (_, chart) = a
            .call(
                "GET",
                &format!("/api/patients/{id}/chart"),
                None,
                &a.medecin,
            )
            .await;
        let entrees = chart["entries"].as_array().unwrap();
        let de = |kind: &str| {
            entrees
                .iter()
                .filter(|e| e["data"]["kind"] == kind)
                .collect::<Vec<_>>()
        };
        // the allergy as the record had it: one, its reaction kept
        let allergies = de("allergie");
        assert_eq!(allergies.len(), 1, "{nom}");
        assert_eq!(allergies[0]["data"]["reaction"], "urticaire");
        let thyroidite: Vec<_> = de("probleme")
            .into_iter()
            .filter(|e| e["data"]["code"]["code"] == "E06.3")
            .collect();
        assert_eq!(thyroidite.len(), 1, "{nom}");
        assert_eq!(thyroidite[0]["data"]["onset"], "2024-01-11");
        let levothyrox = de("traitement")
            .into_iter()
            .find(|e| {
                e["data"]["code"]["system"] == "CIS" && e["data"]["code"]["code"] == "62080626"
            })
            .unwrap_or_else(|| panic!("{nom}: {entrees:?}"));
        assert_eq!(levothyrox["data"]["start"], "2022-02-11");
        assert!(
            de("vaccination")
                .iter()
                .any(|e| e["data"]["date"] == "2009-09-28" && e["data"]["lot"] == "4456672")
        );
        assert!(de("mesure").iter().any(|e| e["data"]["measure"] == "poids"
            && e["data"]["value"] == 58.0
            && e["data"]["date"] == "2024-04-02"));
        assert!(
            !de("antecedent").is_empty(),
            "past problems are antecedents"
        );
        // the integrated entry's history names its source document
        let (_, versions) = a
            .call(
                "GET",
                &format!(
                    "/api/entries/{}/versions",
                    thyroidite[0]["id"].as_str().unwrap()
                ),
                None,
                &a.medecin,
            )
            .await;
        assert!(
            versions[0]["motif"]
                .as_str()
                .unwrap()
                .starts_with("document reçu « SYNTHESE MEDICALE » du 02/04/2024"),
            "{nom}: {versions}"
        );
        let traces = a
            .store
            .audit_since(0)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "dossier.integration")
            .count();
        assert_eq!(traces, ajoutees, "{nom}");

        // a second time: everything is already there
        let (s, f) = a.call("POST", &chemin, Some(&demande), &a.medecin).await;
        assert_eq!(s, 200, "{nom}: {f}");
        assert_eq!(f["ajoutees"].as_array().unwrap().len(), 0, "{nom}: {f}");
        assert_eq!(f["deja_presentes"], ajoutees as i64 + 2, "{nom}: {f}");
        // a pick out of range is refused
        let faux = serde_json::json!({ "contenu": contenu, "choix": [999] }).to_string();
        let (s, e) = a.call("POST", &chemin, Some(&faux), &a.medecin).await;
        assert_eq!(s, 422, "{nom}: {e}");

        // another patient's document: refused, nothing added
        let autre = common::patient_insi(&a.store, r#"{"birth_name":"Adrtrois","birth_first_names":["Dominique"],"sex":"F","birth_date":"1997-02-26","birth_place_cog":"2A020","ins":{"matricule":"297022A02077878","oid":"1.2.250.1.213.1.4.8"},"from_insi":true,"justificatif":"procedure_transitoire"}"#).await;
        let (s, e) = a
            .call(
                "POST",
                &format!("/api/patients/{autre}/documents/integration"),
                Some(&demande),
                &a.medecin,
            )
            .await;
        assert_eq!(s, 422, "{nom}: {e}");
        assert_eq!(e["code"], "autre_patient", "{nom}: {e}");
        let (_, chart) = a
            .call(
                "GET",
                &format!("/api/patients/{autre}/chart"),
                None,
                &a.medecin,
            )
            .await;
        assert!(chart["entries"].as_array().unwrap().is_empty());
        // a secretary may not
        let (s, _) = a
            .call(
                "POST",
                &format!("/api/patients/{id}/documents/integration/apercu"),
                Some(&corps),
                &a.secretaire,
            )
            .await;
        assert_eq!(s, 403, "{nom}");
    }
}

/// SC.CDA/INT.18, DD.05, VISU.02: a received document stored under its own
/// CDA identity: a second copy refused as already present; a newer version
/// replaces the current one (kept, marked replaced by it); an older one
/// arriving late is kept, replaced by the newer; the same setId and
/// version under another id is the same document. On SQLite and
/// PostgreSQL.
#[tokio::test]
async fn a_received_document_is_stored_once_and_a_newer_version_replaces_the_older() {
    let ips = std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/testdata/ans/cda-examples/IPS-FR_2024.01.xml"),
    )
    .unwrap();
    // the kit's synthèse is version 2 of its set
    let version = |id: &str, v: u32| {
        ips.replacen(
            r#"<id root="1.2.250.1.213.1.1.1.51.2024.1.1"/>"#,
            &format!(r#"<id root="1.2.250.1.213.1.1.1.51.2024.1.{id}"/>"#),
            1,
        )
        .replacen(
            r#"<versionNumber value="2"/>"#,
            &format!(r#"<versionNumber value="{v}"/>"#),
            1,
        )
    };
    let corps = |xml: &str| serde_json::json!({ "contenu": B64.encode(xml) }).to_string();
    for t in testing::both().await {
        let a = TestApp::new(t).await;
        let nom = a.name;
        let (_, p) = a
            .call("POST", "/api/patients", Some(common::HELENE), &a.medecin)
            .await;
        let id = p["id"].as_str().unwrap().to_string();
        let chemin = format!("/api/patients/{id}/documents/recus");
        let (s, v2) = a
            .call("POST", &chemin, Some(&corps(&ips)), &a.medecin)
            .await;
        assert_eq!(s, 201, "{nom}: {v2}");
        assert_eq!(v2["id"], "1.2.250.1.213.1.1.1.51.2024.1.1");
        assert_eq!(v2["set_id"], "1.2.250.1.213.1.1.1.51.2024.1");
        assert_eq!(v2["version_number"], 2);
        assert_eq!(v2["provenance"], "importe");
        assert_eq!(v2["format"], "cda-n3");
        assert_eq!(v2["status"], "actif");
        // the same document again
        let (s, e) = a
            .call("POST", &chemin, Some(&corps(&ips)), &a.medecin)
            .await;
        assert_eq!(s, 409, "{nom}: {e}");
        assert!(
            e["erreur"]
                .as_str()
                .unwrap()
                .contains("déjà présent dans le dossier"),
            "{nom}: {e}"
        );
        // the same setId and version under another id: the same document
        let (s, e) = a
            .call("POST", &chemin, Some(&corps(&version("9", 2))), &a.medecin)
            .await;
        assert_eq!(s, 409, "{nom}: {e}");
        // a newer version replaces it
        let (s, v3) = a
            .call("POST", &chemin, Some(&corps(&version("3", 3))), &a.medecin)
            .await;
        assert_eq!(s, 201, "{nom}: {v3}");
        assert_eq!(v3["status"], "actif");
        // an older one arriving late is kept, replaced by the newer
        let (s, v1) = a
            .call("POST", &chemin, Some(&corps(&version("0", 1))), &a.medecin)
            .await;
        assert_eq!(s, 201, "{nom}: {v1}");
        assert_eq!(v1["status"], "remplace");
        assert_eq!(v1["superseded_by"], v3["id"]);
        let (_, chart) = a
            .call(
                "GET",
                &format!("/api/patients/{id}/chart"),
                None,
                &a.medecin,
            )
            .await;
        let docs = chart["documents"].as_array().unwrap();
        assert_eq!(docs.len(), 3, "{nom}: {docs:?}");
        let ancienne = docs.iter().find(|d| d["id"] == v2["id"]).unwrap();
        assert_eq!(ancienne["status"], "remplace", "{nom}");
        assert_eq!(
            ancienne["superseded_by"], v3["id"],
            "the newer one in one click"
        );
        assert_eq!(
            docs.iter().filter(|d| d["status"] == "actif").count(),
            1,
            "{nom}"
        );
        let traces = a
            .store
            .audit_since(0)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "document.reception")
            .count();
        assert_eq!(traces, 3, "{nom}");
        // bad input: French, nothing stored
        let (s, e) = a
            .call(
                "POST",
                &chemin,
                Some(&corps("<ClinicalDocument>")),
                &a.medecin,
            )
            .await;
        assert_eq!(s, 422, "{nom}: {e}");
    }
}

/// `esculape doc import FILE --patient ID`: stored and integrated; the
/// same file a second time refused with a French message and a non-zero
/// exit.
#[tokio::test]
async fn cli_doc_import_stores_and_integrates_a_received_document() {
    let (h, _rt) = common::runtime_with(&["esculape-plugin-doc-ips"]);
    let home = h.home().to_path_buf();
    let run = cli(&home);
    demo(&run, 1).await;
    let patient = {
        let store = esculape_host::home::store(&home).await.unwrap();
        let new: esculape_domain::NewIdentity = serde_json::from_str(common::HELENE).unwrap();
        let today = esculape_domain::BirthDate::parse("2026-11-26").unwrap();
        let identity = esculape_domain::Identity::validate(new, today).unwrap();
        store
            .create_patient(&Actor::system(), identity)
            .await
            .unwrap()
            .id
    };
    let ips = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/ans/cda-examples/IPS-FR_2024.01.xml")
        .display()
        .to_string();
    let args = || -> Vec<String> {
        [
            "doc",
            "import",
            &ips,
            "--patient",
            &patient,
            "--auteur",
            "dr.martin",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let (ok, out, err) = run(args()).await.unwrap();
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("document enregistré : SYNTHESE MEDICALE"),
        "{out}"
    );
    assert!(out.contains("identité à vérifier"), "{out}");
    assert!(out.contains("élément(s) ajouté(s)"), "{out}");
    let (ok, out, err) = run(args()).await.unwrap();
    assert!(!ok, "{out}");
    assert!(err.contains("déjà présent dans le dossier"), "{err}");
}
