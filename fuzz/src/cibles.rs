//! The parsers of outside input, with their seeds and their tokens.

use crate::signature;
use std::io::Cursor;
use std::path::PathBuf;
use std::sync::OnceLock;

/// A parser under fuzzing.
pub struct Cible {
    pub nom: &'static str,
    /// What the parser reads, in the words of the report.
    pub quoi: &'static str,
    /// Real inputs to start from.
    pub graines: fn() -> Vec<Vec<u8>>,
    /// Pieces of the format worth inserting.
    pub jetons: &'static [&'static [u8]],
    /// Runs the parser; the outcome's signature (errors included).
    pub executer: fn(&[u8]) -> String,
}

/// Every target, in the order of the report.
pub fn cibles() -> Vec<Cible> {
    vec![
        Cible {
            nom: "cda",
            quoi: "document CDA R2 reçu (en-tête, PDF, sections, entrées)",
            graines: || fichiers("ans/cda-examples", "xml", 24),
            jetons: XML,
            executer: cda,
        },
        Cible {
            nom: "xdm",
            quoi: "paquet IHE_XDM.ZIP reçu",
            graines: || fichiers("ans/xdm", "zip", 12),
            jetons: ZIP,
            executer: xdm,
        },
        Cible {
            nom: "mss",
            quoi: "message MSSanté reçu (MIME, pièces jointes, archive IHE_XDM)",
            graines: mss_graines,
            jetons: MIME,
            executer: mss,
        },
        Cible {
            nom: "insi",
            quoi: "réponse du téléservice INSi",
            graines: || fichiers("insi/responses", "xml", 24),
            jetons: XML,
            executer: insi,
        },
        Cible {
            nom: "export",
            quoi: "fichier d'export de dossiers à importer",
            graines: || vec![export_graine()],
            jetons: ZIP_JSON,
            executer: export,
        },
        Cible {
            nom: "sauvegarde",
            quoi: "enveloppe chiffrée d'une sauvegarde à restaurer",
            graines: || vec![sauvegarde_graine().octets.clone()],
            jetons: SAUVEGARDE,
            executer: sauvegarde,
        },
        Cible {
            nom: "gs1",
            quoi: "chaîne GS1 lue sur une boîte de médicament",
            graines: || {
                [
                    esculape_datamatrix::exemple::GS1,
                    "]d2010340093285724117270331103A1234\u{1d}21SERIAL9",
                    "(01)03400932857241(17)270331(10)3A1234(21)SERIAL9",
                ]
                .iter()
                .map(|s| s.as_bytes().to_vec())
                .collect()
            },
            jetons: GS1,
            executer: gs1,
        },
        Cible {
            nom: "datamatrix",
            quoi: "photo du DataMatrix d'une boîte (PNG, JPEG)",
            graines: || {
                use esculape_datamatrix::exemple::{GS1, jpeg, photo, png, sans_code};
                vec![
                    png(&photo(GS1, 4, 0.0, 0)),
                    jpeg(&photo(GS1, 4, 10.0, 20)),
                    sans_code(),
                ]
            },
            jetons: IMAGE,
            executer: datamatrix,
        },
        Cible {
            nom: "paquet",
            quoi: "paquet de plugin signé (.escpkg)",
            graines: || vec![paquet_graine().1.clone()],
            jetons: ZIP_JSON,
            executer: paquet,
        },
    ]
}

fn resultat<T, E: std::fmt::Display>(r: Result<T, E>, ok: impl FnOnce(T) -> String) -> String {
    match r {
        Ok(t) => ok(t),
        Err(e) => signature(&e.to_string()),
    }
}

fn cda(b: &[u8]) -> String {
    // the whole reading of a received document: header, PDF, narrative,
    // typed entries
    resultat(esculape_xds::lecture::lire(b), |d| {
        let c = &d.contenu;
        format!(
            "ok {} pdf {} sections {} entrées {}",
            signature(&d.entete.code.code),
            d.pdf.is_some(),
            d.sections.len().min(1),
            (c.problemes.len() + c.traitements.len() + c.resultats.len()).min(1)
        )
    })
}

fn xdm(b: &[u8]) -> String {
    resultat(esculape_xds::read_xdm(b), |p| {
        format!("ok {}", p.document.len().min(1))
    })
}

/// Messages as Esculape sends them, each with an official XDM package.
fn mss_graines() -> Vec<Vec<u8>> {
    use esculape_mss::message::{Envoi, PieceJointe, composer};
    fichiers("ans/xdm", "zip", 3)
        .into_iter()
        .enumerate()
        .filter_map(|(i, zip)| {
            let e = Envoi {
                de: "kit@mss.esculape.test".into(),
                a: vec!["anne@mss.esculape.test".into()],
                objet: "Compte rendu – Zoé".into(),
                corps: "Bonjour,\nci-joint le compte rendu.".into(),
                xdm: Some(zip),
                codes_cda: vec!["11502-2".into()],
                ins_qualifie: true,
                pdfs: vec![PieceJointe {
                    nom: "cr.pdf".into(),
                    type_mime: "application/pdf".into(),
                    octets: b"%PDF-1.4".to_vec(),
                }],
                reference_produit: "ESCULAPE".into(),
                en_reponse_a: Some("<r@x>".into()),
                accuse_de_lecture: i % 2 == 0,
            };
            composer(&e, &format!("<{i}@mss.esculape.test>")).ok()
        })
        .collect()
}

fn mss(b: &[u8]) -> String {
    // the message read, then its XDM as the received-documents path would
    resultat(esculape_mss::lecture::lire(b), |m| {
        let xdm = m
            .xdm()
            .map(|p| xdm(&p.octets))
            .unwrap_or_else(|| "sans xdm".into());
        format!(
            "ok {} pièces {} {}",
            m.entetes_mss.len().min(1),
            m.pieces.len().min(2),
            xdm
        )
    })
}

fn insi(b: &[u8]) -> String {
    resultat(
        esculape_insi::response::parse(&String::from_utf8_lossy(b)),
        |r| signature(&format!("ok {:?}", r.code)),
    )
}

fn gs1(b: &[u8]) -> String {
    resultat(
        esculape_plugin_doc_vac_note::parse_gs1(&String::from_utf8_lossy(b)),
        |g| format!("ok {} {}", g.lot.is_some(), g.expiry_date().is_some()),
    )
}

fn datamatrix(b: &[u8]) -> String {
    resultat(esculape_datamatrix::lire(b), |t| {
        format!("ok {}", t.len().min(1))
    })
}

/// An export is read as the import reads it, each patient then checked
/// as the store checks it before writing (no database: the check is
/// where the file's content is judged).
fn export(b: &[u8]) -> String {
    use esculape_app::export::LectureExport;
    let lu = (|| -> Result<String, String> {
        let mut l = LectureExport::ouvrir(Cursor::new(b)).map_err(|e| e.to_string())?;
        let ids: Vec<String> = l.patients().iter().take(16).cloned().collect();
        let aujourdhui = esculape_domain::BirthDate::from(
            esculape_domain::Day::parse("2026-12-03").map_err(|e| e.to_string())?,
        );
        for id in &ids {
            let p = l.patient(id).map_err(|e| e.to_string())?;
            esculape_store::portability::verifier_import(&p.chart, aujourdhui)
                .map_err(|e| e.to_string())?;
        }
        Ok(format!("ok {}", ids.len().min(2)))
    })();
    lu.unwrap_or_else(|e| signature(&e))
}

/// A backup's envelope (header, framing, authentication) read as the
/// restore reads it; the key of the seed is derived once, any other
/// salt or parameters get a wrong key (as a wrong passphrase would).
fn sauvegarde(b: &[u8]) -> String {
    let graine = sauvegarde_graine();
    resultat(
        esculape_store::backup::dechiffrer(
            Cursor::new(b),
            |sel, kdf| {
                Ok(if *sel == graine.sel && kdf == graine.kdf {
                    graine.cle
                } else {
                    [7; 32]
                })
            },
            64 << 20,
        ),
        |clair| {
            format!(
                "ok {}",
                clair.iter().filter(|c| **c == b'\n').count().min(3)
            )
        },
    )
}

fn paquet(b: &[u8]) -> String {
    let (cles, _) = paquet_graine();
    resultat(
        esculape_registry::Package::from_bytes(b).and_then(|p| p.verify(cles)),
        |()| "ok".into(),
    )
}

const XML: &[&[u8]] = &[
    b"<",
    b"</",
    b"/>",
    b">",
    b"<a>",
    b"</a>",
    b"&amp;",
    b"&#0;",
    b"&#x10FFFF;",
    b"&x;",
    b"<!DOCTYPE d [<!ENTITY x \"&x;&x;\">]>",
    b"<!--",
    b"-->",
    b"<![CDATA[",
    b"]]>",
    b"<?xml version=\"1.0\"?>",
    b" xmlns=\"\"",
    b" xmlns:a=\"urn:x\"",
    b" a=\"",
    b"\"",
    b"<title>",
    b"<id root=\"1.2.250.1.213.1.4.8\" extension=\"\"/>",
    b"<nonXMLBody><text mediaType=\"application/pdf\" representation=\"B64\">",
    b"JVBERi0x",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
];

const MIME: &[&[u8]] = &[
    b"\r\n\r\n",
    b"Content-Type: multipart/mixed; boundary=\"b\"\r\n",
    b"--b\r\n",
    b"--b--\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"Content-Disposition: attachment; filename=\"IHE_XDM.ZIP\"\r\n",
    b"=?utf-8?b?",
    b"?=",
    b"=\r\n",
    b"X-MSS-CODECDA: ",
];

const ZIP: &[&[u8]] = &[
    b"PK\x03\x04",
    b"PK\x01\x02",
    b"PK\x05\x06",
    b"PK\x06\x06",
    b"PK\x06\x07",
    b"\xff\xff\xff\xff",
    b"\x00\x00\x00\x00",
    b"IHE_XDM/",
    b"SUBSET01/",
    b"METADATA.XML",
    b"../",
    b"INDEX.HTM",
    b"<",
    b"/>",
];

const ZIP_JSON: &[&[u8]] = &[
    b"PK\x03\x04",
    b"PK\x01\x02",
    b"PK\x05\x06",
    b"\xff\xff\xff\xff",
    b"\x00\x00\x00\x00",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"null",
    b"\"\\u0000\"",
    b"\"\\ud800\"",
    b"1e999",
    b"-9223372036854775809",
    b"patients/",
    b"../",
];

const SAUVEGARDE: &[&[u8]] = &[
    b"ESCULAPE-SAUVEGARDE-1\n",
    b"ESCULAPE-SAUVEGARDE-2\n",
    b"\x01",
    b"\x00",
    b"\xff\xff\xff\xff",
    b"\x00\x01\x00\x10",
    b"\x00\x00\x00\x00",
];

const GS1: &[&[u8]] = &[
    b"]d2",
    b"\x1d",
    b"(01)",
    b"(17)",
    b"(10)",
    b"(21)",
    b"01",
    b"17",
    b"10",
    b"21",
    b"(",
    b")",
    b"\xc3\xa9",
    b"999999",
];

const IMAGE: &[&[u8]] = &[
    b"\x89PNG\r\n\x1a\n",
    b"IHDR",
    b"IDAT",
    b"IEND",
    b"\xff\xd8\xff",
    b"\xff\xc0",
    b"\xff\xda",
    b"\xff\xd9",
    b"\x7f\xff\xff\xff",
    b"\x00\x00\x40\x00",
];

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata")
}

/// Up to `n` files of `dir` ending in `.ext`, smallest first (cheaper
/// to mutate, and every volet is represented before the big ones).
fn fichiers(dir: &str, ext: &str, n: usize) -> Vec<Vec<u8>> {
    let mut chemins = vec![];
    let mut pile = vec![testdata().join(dir)];
    while let Some(d) = pile.pop() {
        let Ok(lus) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in lus.flatten() {
            let p = e.path();
            if p.is_dir() {
                pile.push(p);
            } else if p.extension().is_some_and(|x| x == ext)
                && let Ok(m) = e.metadata()
            {
                chemins.push((m.len(), p));
            }
        }
    }
    chemins.sort();
    chemins
        .into_iter()
        .take(n)
        .filter_map(|(_, p)| std::fs::read(p).ok())
        .collect()
}

struct GraineSauvegarde {
    octets: Vec<u8>,
    sel: [u8; 16],
    kdf: esculape_store::backup::Kdf,
    cle: [u8; 32],
}

const PHRASE: &str = "cheval correct pile agrafe 2026";

/// A real backup of a practice with one patient, made by the store, and
/// its key (derived once).
fn sauvegarde_graine() -> &'static GraineSauvegarde {
    static G: OnceLock<GraineSauvegarde> = OnceLock::new();
    G.get_or_init(|| {
        let (store, _garde) = store_de_demo();
        let octets = bloquer(async { store.backup(Vec::new(), PHRASE).await })
            .expect("sauvegarde de la graine")
            .0;
        // magic (22), parameters (13), salt (16)
        let mut p = [0u8; 13];
        p.copy_from_slice(&octets[22..35]);
        let mot = |i: usize| u32::from_be_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]]);
        let kdf = esculape_store::backup::Kdf {
            m_kib: mot(1),
            t: mot(5),
            p: mot(9),
        };
        let mut sel = [0u8; 16];
        sel.copy_from_slice(&octets[35..51]);
        let cle = esculape_store::backup::deriver_cle(PHRASE, &sel, kdf).expect("clé");
        GraineSauvegarde {
            octets,
            sel,
            kdf,
            cle,
        }
    })
}

/// A real export of a patient with a document, as the host writes it.
fn export_graine() -> Vec<u8> {
    let (store, _garde) = store_de_demo();
    bloquer(async {
        let acteur = esculape_store::Actor::system();
        let ids = store.patient_ids().await?;
        let mut e = esculape_app::export::EcritureExport::nouvelle(Cursor::new(Vec::new()));
        for id in ids {
            let p = store.export_patient(&acteur, &id).await?;
            e.patient(&p).map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Ok::<_, anyhow::Error>(e.finir(0).map_err(|e| anyhow::anyhow!("{e}"))?.into_inner())
    })
    .expect("export de la graine")
}

/// A SQLite practice with one patient who has a document.
fn store_de_demo() -> (esculape_store::Store, esculape_store::testing::KeepAlive) {
    use esculape_domain::Sex;
    use esculape_domain::document::{DocumentFormat, NewDocument, Provenance, Visibility};
    use esculape_store::Acteur;
    use esculape_store::testing;
    bloquer(async {
        let (store, garde) = testing::sqlite().await?.split();
        let cabinet = testing::practice(&store).await?;
        let dr = cabinet.medecin.actor();
        let p = store
            .create_patient(
                &dr,
                testing::identity("ALICE", &["MARIE"], "1980-03-15", Sex::Female),
            )
            .await?;
        store
            .add_document(
                &dr,
                &p.id,
                NewDocument {
                    title: "Courrier".into(),
                    type_code: "11490-0".into(),
                    type_display: None,
                    format: DocumentFormat::Texte,
                    act_date: esculape_domain::Day::parse("2026-11-20")
                        .map_err(|e| anyhow::anyhow!("{e}"))?,
                    provenance: Provenance::Importe,
                    visibility: Visibility::default(),
                    cda_id: None,
                    cda_set_id: None,
                },
                b"Bonjour".to_vec(),
            )
            .await?;
        Ok::<_, anyhow::Error>((store, garde))
    })
    .expect("cabinet de la graine")
}

fn bloquer<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio")
        .block_on(f)
}

/// A signed package of a (dummy) component and the keys that trust it.
fn paquet_graine() -> &'static (esculape_registry::TrustedKeys, Vec<u8>) {
    use esculape_registry::{
        Capability, Limits, Manifest, Package, SigningKey, TrustedKeys, World,
    };
    static G: OnceLock<(TrustedKeys, Vec<u8>)> = OnceLock::new();
    G.get_or_init(|| {
        let cle = SigningKey::generate().expect("clé");
        let manifeste = Manifest {
            id: "fr.esculape.fuzz".into(),
            version: semver::Version::new(1, 2, 3),
            description: "graine".into(),
            world: World::Document,
            api: semver::VersionReq::parse("^0.2").expect("version"),
            capabilities: [Capability::Log, Capability::RecordRead]
                .into_iter()
                .collect(),
            profiles: vec!["MDV-LGC-Va2".into()],
            limits: Limits::default(),
            sha256: String::new(),
        };
        let octets = Package::build(manifeste, b"\0asm\x0d\0\x01\0".to_vec(), &cle)
            .and_then(|p| p.to_bytes())
            .expect("paquet");
        let mut confiance = TrustedKeys::new();
        confiance.add(cle.verifying_key());
        (confiance, octets)
    })
}
