//! The DMP messages against what nobody here wrote: the published
//! integration package (`../shared/testdata/dmp/`: schemas, example
//! messages), lxml's exclusive canonicalization, and `xmlsec1` as the
//! independent verifier of our signatures.

use esculape_dmp::c14n::{Selection, canonicaliser};
use esculape_dmp::signature::{CleLogicielle, ErreurSignature, verifier_enveloppe};
use esculape_dmp::vihf::{self, Code, Logiciel, ModeAcces, ModeAuthentification, Vihf};
use esculape_dmp::{soap, td02, td31, td32, td33};
use std::path::{Path, PathBuf};
use std::process::Command;

fn racine() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn paquet() -> PathBuf {
    racine().join("../shared/testdata/dmp")
}

fn vihf_exemple() -> Vihf {
    Vihf {
        emetteur: "CN=CABINET DU PARC,OU=499900063480001,O=ESCULAPE TEST,C=FR".into(),
        professionnel: "899900063480".into(),
        nom_professionnel: None,
        structure: "499900063480001".into(),
        secteur_activite: "SA07^1.2.250.1.71.4.2.4".into(),
        roles: vec![
            Code {
                code: "10".into(),
                systeme: "1.2.250.1.71.1.2.7".into(),
                libelle: "Médecin".into(),
            },
            Code {
                code: "SM26".into(),
                systeme: "1.2.250.1.71.4.2.5".into(),
                libelle: "Qualifié en Médecine Générale (SM)".into(),
            },
        ],
        mode: ModeAuthentification::Directe,
        patient: Some(vihf::cx(
            "279035121518989",
            esculape_identifiants::oid::INS_NIR,
        )),
        acces: ModeAcces::Normal,
        logiciel: Logiciel {
            id: "esculape".into(),
            nom: "Esculape".into(),
            version: "0.1.0".into(),
            homologation: "NumAutorisation".into(),
        },
    }
}

/// A test certificate and key: RSA 2048 made by `openssl` (IGC-Santé
/// keys are RSA), or ECDSA P-256 made by rcgen.
fn cle(rsa: bool, dossier: &Path) -> CleLogicielle {
    let (cert, key) = if rsa {
        let (c, k) = (dossier.join("c.pem"), dossier.join("k.pem"));
        let s = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            ])
            .args(["-subj", "/C=FR/O=ESCULAPE TEST/CN=CABINET DU PARC"])
            .arg("-keyout")
            .arg(&k)
            .arg("-out")
            .arg(&c)
            .output()
            .expect("openssl (paquet Debian openssl)");
        assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
        (std::fs::read(c).unwrap(), std::fs::read(k).unwrap())
    } else {
        let k = rcgen::KeyPair::generate().unwrap();
        let c = rcgen::CertificateParams::new(vec!["cabinet.test".into()])
            .unwrap()
            .self_signed(&k)
            .unwrap();
        (c.pem().into_bytes(), k.serialize_pem().into_bytes())
    };
    let identite =
        esculape_transport::identite::IdentiteClient::depuis_pem(&cert, &key, "test").unwrap();
    let (c, k) = identite.certificat_et_cle();
    CleLogicielle::nouvelle(c, k).unwrap()
}

fn xmlsec1(fichier: &Path) -> (bool, String) {
    let o = Command::new("xmlsec1")
        .args(["--verify", "--insecure", "--id-attr:ID"])
        .arg("urn:oasis:names:tc:SAML:2.0:assertion:Assertion")
        .arg(fichier)
        .output()
        .expect("xmlsec1 (paquet Debian xmlsec1, installé par cargo xtask setup)");
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn a_vihf_we_sign_is_verified_by_xmlsec1_and_a_changed_one_is_not() {
    let d = tempfile::tempdir().unwrap();
    for rsa in [true, false] {
        let cle = cle(rsa, d.path());
        let v = vihf_exemple();
        let signe = v
            .signer("_a1b2c3", "2026-12-06T10:00:00.000Z", &cle)
            .unwrap();
        let f = d.path().join("vihf.xml");
        std::fs::write(&f, &signe).unwrap();
        let (ok, sortie) = xmlsec1(&f);
        assert!(
            ok,
            "rsa={rsa}: xmlsec1 refuse notre signature : {sortie}\n{signe}"
        );

        // ours reads it back, signature checked
        let lu = vihf::lire(signe.as_bytes()).unwrap();
        assert_eq!(lu.vihf, v);
        assert_eq!(lu.signature.reference, "_a1b2c3");

        // one attribute changed after signing: both verifiers refuse
        let change = signe.replace(
            "499900063480001</saml2:AttributeValue>",
            "499900063480002</saml2:AttributeValue>",
        );
        assert_ne!(change, signe);
        std::fs::write(&f, &change).unwrap();
        assert!(!xmlsec1(&f).0, "rsa={rsa}: xmlsec1 accepte un VIHF modifié");
        assert!(matches!(
            verifier_enveloppe(change.as_bytes()),
            Err(ErreurSignature::Empreinte)
        ));
        // the signature value changed: refused too
        let i = signe.find("<SignatureValue>").unwrap() + "<SignatureValue>".len();
        let mut faux = signe.clone().into_bytes();
        faux[i + 5] = if faux[i + 5] == b'A' { b'B' } else { b'A' };
        assert!(matches!(
            verifier_enveloppe(&faux),
            Err(ErreurSignature::Valeur)
        ));
    }
}

/// lxml's exclusive c14n of the first element `{ns}local` of each file,
/// hex-encoded, or nothing when lxml cannot read the file.
fn lxml_c14n(fichiers: &[PathBuf], ns: &str, local: &str) -> Vec<Option<Vec<u8>>> {
    let script = r#"
import sys
from lxml import etree
ns, local = sys.argv[1], sys.argv[2]
for f in sys.argv[3:]:
    try:
        root = etree.parse(f, etree.XMLParser(resolve_entities=False)).getroot()
    except Exception:
        print("-"); continue
    el = next(root.iter("{%s}%s" % (ns, local)), None)
    if el is None:
        print("-"); continue
    print(etree.tostring(el, method="c14n", exclusive=True, with_comments=False).hex())
"#;
    let o = Command::new("python3")
        .args(["-c", script, ns, local])
        .args(fichiers)
        .output()
        .expect("python3 + lxml (cargo xtask setup)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            (l != "-").then(|| {
                (0..l.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&l[i..i + 2], 16).unwrap())
                    .collect()
            })
        })
        .collect()
}

#[test]
fn our_exclusive_c14n_is_lxml_s_on_every_official_message() {
    let mut fichiers: Vec<PathBuf> = std::fs::read_dir(paquet().join("messages"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    fichiers.sort();
    let mut compares = 0;
    for (ns, local) in [
        (vihf::SAML, "Assertion"),
        (soap::SOAP, "Body"),
        ("urn:hl7-org:v3", "patient"),
        (
            "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0",
            "ExtrinsicObject",
        ),
    ] {
        let attendus = lxml_c14n(&fichiers, ns, local);
        for (f, attendu) in fichiers.iter().zip(attendus) {
            let Some(attendu) = attendu else { continue };
            let octets = std::fs::read(f).unwrap();
            let nous = canonicaliser(&octets, Selection::Element { ns, local }, false)
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            assert!(
                nous == attendu,
                "{} {{{ns}}}{local}:\nnous : {}\nlxml : {}",
                f.display(),
                String::from_utf8_lossy(&nous),
                String::from_utf8_lossy(&attendu)
            );
            compares += 1;
        }
    }
    assert!(compares >= 40, "{compares} comparaisons seulement");
}

fn xsd(fichiers: &[(&str, &str)]) -> (bool, String) {
    let d = tempfile::tempdir().unwrap();
    let mut chemins = Vec::new();
    for (nom, xml) in fichiers {
        let p = d.path().join(format!("{nom}.xml"));
        std::fs::write(&p, xml).unwrap();
        chemins.push(p);
    }
    let o = Command::new("python3")
        .arg(racine().join("tools/dmp-xsd-check"))
        .args(&chemins)
        .output()
        .unwrap();
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn our_requests_pass_the_published_schemas_and_a_broken_one_does_not() {
    let d = tempfile::tempdir().unwrap();
    let cle = cle(false, d.path());
    let v = vihf_exemple();
    let signe = v.signer("_x1", "2026-12-06T10:00:00.000Z", &cle).unwrap();
    let emetteur = td02::Emetteur {
        oid: "1.2.250.1.999.1".into(),
        nom: "Esculape".into(),
    };
    let (_, td02) = soap::enveloppe(
        td02::ACTION,
        "https://dmp.test/si-dmp-server/v2/services/patients",
        &signe,
        &td02::requete(
            &emetteur,
            "279035121518989",
            esculape_identifiants::oid::INS_NIR,
            "20261206100000",
        ),
    );
    let mut r = td31::Recherche::du_patient(&vihf::cx(
        "279035121518989",
        esculape_identifiants::oid::INS_NIR,
    ));
    r.statuts.push(td31::ARCHIVE.into());
    r.cree_depuis = Some("20260101".into());
    r.types.push("11488-4^^2.16.840.1.113883.6.1".into());
    let (_, td31) = soap::enveloppe(
        td31::ACTION,
        "https://dmp.test/si-dmp-server/v2/services/registry",
        &signe,
        &td31::requete(&r),
    );
    let (_, td32) = soap::enveloppe(
        td32::ACTION,
        "https://dmp.test/si-dmp-server/v2/services/repository",
        &signe,
        &td32::requete(
            "1.2.250.1.213.4.1.1.1.2",
            "1.2.250.1.999.1.1.7898.1.995657292",
        ),
    );
    let (ok, sortie) = xsd(&[("td02", &td02), ("td31", &td31), ("td32", &td32)]);
    assert!(ok, "{sortie}");
    // what the sandbox reads of them is what was asked
    assert_eq!(td31::lire_requete(td31.as_bytes()), Some(r.clone()));

    // the check can fail: an HL7 element out of order, a VIHF without
    // its issuer
    let casse = td02
        .replace("<processingCode code=\"P\"/>", "")
        .replace("<creationTime", "<processingCode code=\"P\"/><creationTime");
    let sans_emetteur = td31
        .replacen("<saml2:Issuer", "<saml2:Emetteur", 1)
        .replacen("</saml2:Issuer>", "</saml2:Emetteur>", 1);
    let (ok, sortie) = xsd(&[("casse", &casse)]);
    assert!(!ok, "{sortie}");
    let (ok, sortie) = xsd(&[("sans_emetteur", &sans_emetteur)]);
    assert!(!ok && sortie.contains("Emetteur"), "{sortie}");
}

#[test]
fn the_published_answers_are_read() {
    let td02 = std::fs::read(paquet().join("messages/TD0.2-Test_dexistence_reponse.xml")).unwrap();
    let r = td02::lire_reponse(&td02).unwrap();
    assert_eq!(r.acquittement, "AA");
    assert_eq!(r.reponse, "OK");
    assert_eq!(r.autorisation, Some(td02::Autorisation::Valide));
    assert_eq!(r.medecin_traitant, Some(true));
    assert_eq!(r.statut_dossier.as_deref(), Some("active"));
    assert!(r.dmp_ouvert());
    assert!(
        r.identifiants
            .contains(&("1.2.250.1.213.1.4.10".into(), "207058575627097".into()))
    );
    assert!(soap::faute(&td02).is_none());

    let td31 =
        std::fs::read(paquet().join("messages/TD3.1-Recherche_de_document_reponse.xml")).unwrap();
    let docs = td31::lire_reponse(&td31).unwrap();
    let attendus = String::from_utf8_lossy(&td31)
        .matches("ExtrinsicObject id=")
        .count();
    assert_eq!(docs.len(), attendus);
    assert!(docs.len() >= 10, "{}", docs.len());
    for d in &docs {
        assert!(!d.unique_id.is_empty() && !d.entry_uuid.is_empty(), "{d:?}");
        assert!(!d.type_code.is_empty() && !d.cree.is_empty(), "{d:?}");
        assert!(!d.repository.is_empty(), "{d:?}");
        // the title is the entry's Name, not an identifier's
        assert!(!d.titre.starts_with("XDSDocumentEntry."), "{d:?}");
    }
    let premier = &docs[0];
    assert_eq!(premier.cree, "20100319183244");
    assert_eq!(premier.taille, Some(2768));
    assert!(!premier.auteur.is_empty(), "{premier:?}");

    // TD3.1's request as the sandbox's registry reads it
    let q = td31::lire_requete(
        &std::fs::read(paquet().join("messages/TD3.1-Recherche_de_document_requete.xml")).unwrap(),
    )
    .unwrap();
    assert_eq!(q.patient, "207058575627097^^^&1.2.250.1.213.1.4.10&ISO^NH");
    assert_eq!(q.statuts, vec![td31::APPROUVE.to_string()]);

    // TD3.2: the request read, the answer's document found in its MTOM
    // part (the published answer is its root part alone; the part is
    // added here under the Content-ID its xop:Include names)
    let q = td32::lire_requete(
        &std::fs::read(paquet().join("messages/TD3.2-Consultation_dun_document_requete.xml"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        q,
        vec![td32::Demande {
            repository: "1.2.250.1.213.4.1.1.1.2".into(),
            unique_id: "1.2.250.1.999.1.1.7898.1.995657292".into()
        }]
    );
    let racine_td32 =
        std::fs::read(paquet().join("messages/TD3.2-Consultation_dun_document_reponse.xml"))
            .unwrap();
    let cda = std::fs::read(paquet().join("messages/TD2.1-DocumentME2.xml")).unwrap();
    let parties = vec![
        ("racine".to_string(), racine_td32.clone()),
        (
            "b857abb7-a2c3-4db8-bd69-d5ff76826e72-2@urn:ihe:iti:xds-b:2007".to_string(),
            cda.clone(),
        ),
    ];
    let d = td32::lire_reponse(&parties).unwrap();
    assert_eq!(d.unique_id, "1.2.250.1.999.1.1.7898.1.995657292");
    assert_eq!(d.mime_type, "text/xml");
    assert_eq!(d.octets, cda);
    assert!(td32::lire_reponse(&parties[..1]).is_err());

    // TD3.3c/d: the requests' status change read, the answers a success
    for (requete, reponse, nouveau) in [
        (
            "TD3.3c-Supprimer_un_document_requete.xml",
            "TD3.3c-Supprimer_un_document_reponse.xml",
            td33::Statut::Supprime,
        ),
        (
            "TD3.3d-Archiver_un_document_requete.xml",
            "TD3.3d-Archiver_un_document_reponse.xml",
            td33::Statut::Archive,
        ),
    ] {
        let q = esculape_xds::registre::lire(
            &std::fs::read(paquet().join("messages").join(requete)).unwrap(),
        )
        .unwrap();
        let a = q
            .associations
            .iter()
            .find(|a| a.type_ == esculape_xds::MISE_A_JOUR_STATUT)
            .unwrap();
        assert_eq!(
            a.slot("NewStatus").and_then(td33::Statut::depuis_uri),
            Some(nouveau),
            "{requete}"
        );
        assert!(a.cible.starts_with("urn:uuid:"), "{requete}");
        let r = esculape_xds::registre::lire(
            &std::fs::read(paquet().join("messages").join(reponse)).unwrap(),
        )
        .unwrap();
        assert!(r.succes(), "{reponse}: {r:?}");
    }

    // a SOAP fault as the DMP answers one
    let faute = br#"<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><soap:Fault><soap:Code><soap:Value>soap:Sender</soap:Value><soap:Subcode><soap:Value>DMPInvalidCertificate</soap:Value></soap:Subcode></soap:Code><soap:Reason><soap:Text xml:lang="fr">Certificat invalide</soap:Text></soap:Reason></soap:Fault></soap:Body></soap:Envelope>"#;
    let f = soap::faute(faute).unwrap();
    assert_eq!(f.sous_code.as_deref(), Some("DMPInvalidCertificate"));
    assert_eq!(f.raison, "Certificat invalide");
}

#[test]
fn the_submission_s_xades_signature_is_verified_by_xmlsec1_and_lists_each_document() {
    use esculape_dmp::xades::{self, Piece};
    let d = tempfile::tempdir().unwrap();
    let cda = std::fs::read(paquet().join("messages/TD2.1-DocumentME2.xml")).unwrap();
    for rsa in [true, false] {
        let cle = cle(rsa, d.path());
        let pieces = [
            Piece {
                unique_id: "1.2.250.1.999.1.1.7898.3.1",
                octets: b"",
            },
            Piece {
                unique_id: "1.2.250.1.999.1.1.7898.4.2",
                octets: &cda,
            },
        ];
        let signe = xades::signer_lot("sig-1", &pieces, "2026-12-06T10:00:00Z", &cle).unwrap();
        let f = d.path().join("xades.xml");
        std::fs::write(&f, &signe).unwrap();
        // xmlsec1 checks the manifest too: each urn:oid mapped to the
        // document's bytes
        let vide = d.path().join("lot");
        let doc = d.path().join("doc.xml");
        std::fs::write(&vide, b"").unwrap();
        std::fs::write(&doc, &cda).unwrap();
        let xmlsec = |f: &Path| {
            let o = Command::new("xmlsec1")
                .args(["--verify", "--insecure"])
                .arg("--url-map:urn:oid:1.2.250.1.999.1.1.7898.3.1")
                .arg(&vide)
                .arg("--url-map:urn:oid:1.2.250.1.999.1.1.7898.4.2")
                .arg(&doc)
                .args([
                    "--id-attr:Id",
                    "http://www.w3.org/2000/09/xmldsig#:Manifest",
                ])
                .args([
                    "--id-attr:Id",
                    "http://uri.etsi.org/01903/v1.1.1#:SignedProperties",
                ])
                .arg(f)
                .output()
                .unwrap();
            (
                o.status.success(),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        };
        let (ok, sortie) = xmlsec(&f);
        assert!(ok, "rsa={rsa}: {sortie}\n{signe}");
        let v = esculape_dmp::signature::verifier(signe.as_bytes()).unwrap();
        assert_eq!(v.references, ["IHEManifest", "sig-1-SignedProperties"]);
        let m = xades::manifeste(signe.as_bytes()).unwrap();
        assert_eq!(m.len(), 2);
        use sha2::Digest;
        assert_eq!(m[1].0, "1.2.250.1.999.1.1.7898.4.2");
        assert_eq!(m[1].1, sha2::Sha256::digest(&cda).to_vec());

        // another document's digest in the manifest: refused by both
        let autre = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            sha2::Sha256::digest(b"autre document"),
        );
        let vrai = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            sha2::Sha256::digest(&cda),
        );
        let change = signe.replacen(&vrai, &autre, 1);
        assert_ne!(change, signe);
        std::fs::write(&f, &change).unwrap();
        assert!(
            !xmlsec(&f).0,
            "rsa={rsa}: xmlsec1 accepte un manifeste modifié"
        );
        assert!(matches!(
            esculape_dmp::signature::verifier(change.as_bytes()),
            Err(ErreurSignature::Empreinte)
        ));
    }
}

#[test]
fn a_submission_passes_the_schemas_once_inlined_and_its_signature_covers_the_document() {
    use esculape_dmp::td21;
    use esculape_xds::{Code, Submission, TypeValues};
    let d = tempfile::tempdir().unwrap();
    // the package's own CDA (a BOM before it, as published)
    let brut = std::fs::read(paquet().join("messages/TD2.1-DocumentME2.xml")).unwrap();
    let cda = brut
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(&brut)
        .to_vec();
    let entree = esculape_xds::document_entry(
        &cda,
        &TypeValues {
            class_code: Code {
                code: "10".into(),
                scheme: "1.2.250.1.213.1.1.4.1".into(),
                display: "Compte rendu".into(),
            },
            format_code: Code {
                code: "urn:ihe:iti:xds-sd:pdf:2008".into(),
                scheme: "1.3.6.1.4.1.19376.1.2.3".into(),
                display: "Document à corps non structuré en Pdf/A-1".into(),
            },
        },
    )
    .unwrap();
    let lot = Submission {
        unique_id: "1.2.250.1.999.1.1.7898.3.1".into(),
        source_id: "1.2.250.1.999.1".into(),
        submission_time: "20261206100000".into(),
        set_uuid: "urn:uuid:00000000-0000-4000-8000-000000000001".into(),
        entry_uuid: "urn:uuid:00000000-0000-4000-8000-000000000002".into(),
        association_uuid: "urn:uuid:00000000-0000-4000-8000-000000000003".into(),
    };
    let cle = cle(true, d.path());
    let premiere = td21::entree_uuid("1.2.250.1.999.1.1.7898.1");
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
        // a new version: it replaces the first one in the DMP
        remplace: Some(esculape_xds::Remplacement {
            association_uuid: "urn:uuid:00000000-0000-4000-8000-000000000007",
            cible: &premiere,
        }),
    };
    let (corps, parties) = td21::requete(&s, "2026-12-06T10:00:00Z", &cle).unwrap();
    let signe = vihf_exemple()
        .signer("_t21", "2026-12-06T10:00:00.000Z", &cle)
        .unwrap();
    let (_, enveloppe) =
        soap::enveloppe(td21::ACTION, "https://dmp.test/repository", &signe, &corps);

    // MTOM: written, read back part by part, binary-safe
    let (type_contenu, message) = td21::mtom(&enveloppe, &parties, td21::ACTION);
    assert!(type_contenu.starts_with("multipart/related; type=\"application/xop+xml\""));
    let lues = td21::parties_mtom(&type_contenu, &message).unwrap();
    assert_eq!(lues.len(), 3);
    assert_eq!(lues[0].1, enveloppe.as_bytes());
    assert_eq!(lues[1].1, cda);
    assert_eq!(lues[2].1, parties[1].octets);

    // the schemas, once each xop:Include is replaced by its content
    let mut en_ligne = enveloppe.clone();
    for p in &parties {
        let include = format!(
            "<xop:Include xmlns:xop=\"http://www.w3.org/2004/08/xop/include\" href=\"cid:{}\"/>",
            p.cid
        );
        assert!(en_ligne.contains(&include), "{include}");
        en_ligne = en_ligne.replace(
            &include,
            &base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &p.octets),
        );
    }
    // and deleting it (TD3.3c, ITI-57) once it is there
    let (_, td33) = soap::enveloppe(
        td33::ACTION,
        "https://dmp.test/registry",
        &signe,
        &td33::requete(
            &entree,
            &lot,
            &premiere,
            td33::Statut::Approuve,
            td33::Statut::Supprime,
        ),
    );
    let (ok, sortie) = xsd(&[("td21", &en_ligne), ("td33", &td33)]);
    assert!(ok, "{sortie}");
    let lu = esculape_xds::registre::lire(td33.as_bytes()).unwrap();
    let maj = &lu.associations[0];
    assert_eq!(maj.type_, esculape_xds::MISE_A_JOUR_STATUT);
    assert_eq!(maj.cible, premiere);
    assert_eq!(maj.slot("NewStatus"), Some(esculape_xds::STATUT_SUPPRIME));
    // the check can fail: a Document without its id, an entry without
    // its objectType
    let casse = en_ligne.replacen("<xdsb:Document id=", "<xdsb:Document ident=", 1);
    let (ok, sortie) = xsd(&[("casse", &casse)]);
    assert!(!ok, "{sortie}");
    let casse = en_ligne.replacen("<ExtrinsicObject id=", "<ExtrinsicObject ident=", 1);
    let (ok, sortie) = xsd(&[("casse", &casse)]);
    assert!(!ok, "{sortie}");
    // the metadata: the document, the signature document and `signs`
    let meta = esculape_xds::registre::lire(corps.as_bytes()).unwrap();
    assert_eq!(meta.entrees.len(), 2);
    let sig = meta
        .entrees
        .iter()
        .find(|e| {
            e.code("classCode").map(|c| c.code.as_str())
                == Some(esculape_dmp::xades::CLASSE_SIGNATURE)
        })
        .unwrap();
    assert_eq!(sig.unique_id.as_deref(), Some("1.2.250.1.999.1.1.7898.4.2"));
    assert!(corps.contains("urn:ihe:iti:2007:AssociationType:signs"));
    let rplc = meta
        .associations
        .iter()
        .find(|a| a.type_ == esculape_xds::RPLC)
        .expect("RPLC");
    assert_eq!(rplc.source, lot.entry_uuid);
    assert_eq!(rplc.cible, td21::entree_uuid("1.2.250.1.999.1.1.7898.1"));
    // a UUID, the same for the same document, another for another
    let u = td21::entree_uuid("1.2.250.1.999.1.1.7898.1");
    assert_eq!(u.len(), "urn:uuid:".len() + 36);
    assert_ne!(u, td21::entree_uuid("1.2.250.1.999.1.1.7898.2"));

    // xmlsec1: the signature part, its manifest checked against the CDA
    let f = d.path().join("signature.xml");
    std::fs::write(&f, &parties[1].octets).unwrap();
    let doc = d.path().join("cda.xml");
    let vide = d.path().join("vide");
    std::fs::write(&doc, &cda).unwrap();
    std::fs::write(&vide, b"").unwrap();
    let o = Command::new("xmlsec1")
        .args(["--verify", "--insecure"])
        .args([
            "--id-attr:Id",
            "http://www.w3.org/2000/09/xmldsig#:Manifest",
        ])
        .args([
            "--id-attr:Id",
            "http://uri.etsi.org/01903/v1.1.1#:SignedProperties",
        ])
        .arg(format!("--url-map:urn:oid:{}", entree.unique_id))
        .arg(&doc)
        .arg("--url-map:urn:oid:1.2.250.1.999.1.1.7898.3.1")
        .arg(&vide)
        .arg(&f)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
