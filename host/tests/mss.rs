//! Sending a signed document by MSSanté from the chart, end to end on
//! SQLite and PostgreSQL: the host's API queues it, the job runner sends
//! it from the doctor's mailbox with their Pro Santé Connect token (asked
//! of a real proxy e-santé over a real OpenID provider configured like
//! PSC), Dovecot's submission takes it after checking that token, and the
//! correspondent reads it in her own mailbox by IMAP. The operator's
//! servers are found from the address by DNS SRV.

mod common;
#[path = "../psc/tests/commun/mod.rs"]
mod commun;
#[path = "../mss/tests/pair/mod.rs"]
mod pair;

use common::{TestApp, call};
use commun::{ANNE, Fournisseur};
use esculape_app::mss::{MssClient, MssConfig, TravauxMss};
use esculape_app::psc::{ConfigProxy, ConnexionPsc};
use esculape_app::travaux::une_passe;
use esculape_domain::document::DocumentStatus;
use esculape_domain::document::SendingState as E;
use esculape_domain::travail::EtatTravail;
use esculape_mss::{Jeton, Securite, SessionImap, lecture};
use pair::{Operateur, adresse};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const CLE: &str = "cle-du-proxy-des-tests-mss";
/// dr.martin of `esculape_store::testing` (RPPS 10001234567), known to
/// the provider.
const CLAIRE: &str = "810001234567";
/// A child whose 9th month ended in November 2026 (INS of the INSi).
const LUCAS: &str = r#"{"birth_name":"Nguyen","birth_first_names":["Lucas","Minh","Pierre"],"sex":"M","birth_date":"2026-02-14","birth_place_cog":"69383","ins":{"matricule":"126026938312373","oid":"1.2.250.1.213.1.4.8"},"from_insi":true,"justificatif":"procedure_transitoire"}"#;
const DOMINIQUE: &str = r#"{"birth_name":"Adrtrois","birth_first_names":["Dominique"],"sex":"F","birth_date":"1997-02-26","birth_place_cog":"2A020","ins":{"matricule":"297022A02077878","oid":"1.2.250.1.213.1.4.8"},"from_insi":true,"justificatif":"procedure_transitoire"}"#;

/// A proxy e-santé over the provider, served on a free port.
async fn proxy(f: &Fournisseur) -> Arc<ConnexionPsc> {
    let ecoute = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", ecoute.local_addr().unwrap());
    let routes = esculape_proxy::router(Arc::new(esculape_proxy::Proxy::new(f.psc().await, CLE)));
    tokio::spawn(async move { axum::serve(ecoute, routes).await });
    Arc::new(
        ConnexionPsc::new(ConfigProxy {
            url,
            cle: CLE.into(),
            redirection: f.redirection.clone(),
        })
        .unwrap(),
    )
}

/// A practice on `st` with `plugin` installed, signing in with PSC through
/// a real proxy, and an operator of its own (empty mailboxes) whose
/// servers its domain announces (RFC 6186); `reglage` adjusts the MSSanté
/// configuration.
async fn cabinet(
    f: &Fournisseur,
    st: esculape_store::testing::TestStore,
    plugin: &str,
    reglage: impl FnOnce(&mut MssConfig),
) -> (Operateur, TestApp, Securite, esculape_sdk_testing::Harness) {
    let op = Operateur::demarrer(&f.emetteur).await;
    let dns = pair::serveur_dns(vec![
        (format!("_imap._tcp.{}.", pair::DOMAINE), op.imap),
        (format!("_submission._tcp.{}.", pair::DOMAINE), op.smtp),
    ])
    .await;
    let psc = proxy(f).await;
    let (h, rt) = common::runtime_with(&[plugin]);
    let securite = Securite::new(op.confiance());
    let mut config = MssConfig {
        dns: Some(dns),
        ..Default::default()
    };
    reglage(&mut config);
    let t = TestApp::avec_runtime_et_app(st, rt, |a| {
        a.psc = Some(psc);
        a.mss = Arc::new(MssClient::avec_securite(config, securite.clone()));
    })
    .await;
    (op, t, securite, h)
}

/// A letter to the cardiologist signed by the médecin (a correction of
/// `remplace`): its document's id.
async fn lettre(t: &TestApp, patient: &str, corps: &str, remplace: Option<&str>) -> String {
    let mut demande = json!({
        "plugin": "fr.esculape.doc.generique",
        "valeurs": {"type": "11488-4", "titre": "Lettre à la cardiologue", "corps": corps},
    });
    if let Some(r) = remplace {
        demande["remplace"] = json!(r);
    }
    let (s, signe) = t
        .call(
            "POST",
            &format!("/api/patients/{patient}/documents/sign"),
            Some(&demande.to_string()),
            &t.medecin,
        )
        .await;
    assert_eq!(s, 201, "{}: {signe}", t.name);
    signe["document"]["id"].as_str().unwrap().to_string()
}

/// The doctor signs in with PSC by CIBA through the host's API: their
/// session's token.
async fn par_ciba(t: &TestApp, f: &Fournisseur) -> String {
    let corps = json!({ "id_national": CLAIRE, "canal": "CARD" }).to_string();
    let (s, c) = call(&t.app, "POST", "/api/psc/ciba", Some(&corps), None).await;
    assert_eq!(s, 200, "{}: {c}", t.name);
    assert_eq!(f.essai(&format!("ciba/{CLAIRE}/accepter")).await, 200);
    let chemin = format!("/api/psc/ciba/{}", c["demande"].as_str().unwrap());
    let mut e = Value::Null;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        e = call(&t.app, "GET", &chemin, None, None).await.1;
        if e["etat"] != "en_attente" {
            break;
        }
    }
    assert_eq!(e["etat"], "a_choisir", "{}: {e}", t.name);
    let corps =
        json!({ "ticket": e["ticket"], "compte": t.practice.medecin.id, "activite": "R20000002" })
            .to_string();
    let (s, session) = call(&t.app, "POST", "/api/psc/choix", Some(&corps), None).await;
    assert_eq!(s, 200, "{}: {session}", t.name);
    session["token"].as_str().unwrap().to_string()
}

async fn etat_mss(t: &TestApp, doc: &str) -> E {
    t.store
        .document(&esculape_store::Actor::system(), doc)
        .await
        .unwrap()
        .0
        .mssante_state
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_letter_waits_for_psc_then_leaves_once_by_mssante_and_the_correspondent_reads_it()
{
    let f = Fournisseur::demarrer();
    for st in esculape_store::testing::both().await {
        let (op, t, securite, _h) = cabinet(&f, st, "esculape-plugin-doc-generique", |c| {
            c.produit = "ESCULAPE-ESSAI".into()
        })
        .await;
        let nom = t.name;
        let app = &t.state.app;
        let passe = || une_passe(app, &TravauxMss, "essai", 4);
        let dominique = common::patient_insi(&t.store, DOMINIQUE).await;
        let doc = lettre(&t, &dominique, "Souffle systolique à explorer.", None).await;
        let envoi = format!("/api/documents/{doc}/mss");
        let a_anne = json!({ "destinataires": [adresse(ANNE)], "message": "Chère consœur,\nmerci de la recevoir." }).to_string();

        // no mailbox yet: said, nothing queued
        let (s, r) = t.call("POST", &envoi, Some(&a_anne), &t.medecin).await;
        assert_eq!(s, 409, "{nom}: {r}");
        assert!(
            r["erreur"]
                .as_str()
                .unwrap()
                .contains("adresse de messagerie sécurisée")
        );
        // a secretary does not send medical documents
        let (s, _) = t.call("POST", &envoi, Some(&a_anne), &t.secretaire).await;
        assert_eq!(s, 403, "{nom}");
        let (s, r) = t
            .call(
                "PUT",
                "/api/moi/mss",
                Some(r#"{"adresse":"pas une adresse"}"#),
                &t.medecin,
            )
            .await;
        assert_eq!(s, 409, "{nom}: {r}");
        let boite = json!({ "adresse": adresse(CLAIRE) }).to_string();
        let (s, r) = t
            .call("PUT", "/api/moi/mss", Some(&boite), &t.medecin)
            .await;
        assert_eq!(s, 200, "{nom}: {r}");
        let (_, r) = t.call("GET", "/api/moi/mss", None, &t.medecin).await;
        assert_eq!(r["adresse"], adresse(CLAIRE), "{nom}");
        for mauvais in [
            json!({ "destinataires": [] }),
            json!({ "destinataires": ["anne"] }),
        ] {
            let (s, r) = t
                .call("POST", &envoi, Some(&mauvais.to_string()), &t.medecin)
                .await;
            assert_eq!(s, 409, "{nom}: {r}");
        }

        // queued while the doctor is signed in by password only: it waits
        // for PSC, without using a try, and says so
        let (s, r) = t.call("POST", &envoi, Some(&a_anne), &t.medecin).await;
        assert_eq!(s, 202, "{nom}: {r}");
        assert_eq!(r["mssante_state"], "en-attente", "{nom}: {r}");
        let (s, r) = t.call("POST", &envoi, Some(&a_anne), &t.medecin).await;
        assert_eq!(s, 409, "{nom}: une seule fois en attente : {r}");
        assert_eq!(passe().await.unwrap(), 1, "{nom}");
        let travaux = app
            .store
            .travaux(Some(&dominique), 10)
            .await
            .unwrap()
            .into_iter()
            .filter(|t| t.kind.starts_with("mss."))
            .collect::<Vec<_>>();
        assert_eq!(travaux.len(), 1, "{nom}");
        assert_eq!(travaux[0].etat, EtatTravail::EnAttente, "{nom}");
        assert_eq!(travaux[0].essais, 0, "{nom}: {:?}", travaux[0]);
        assert!(
            travaux[0]
                .erreur
                .as_deref()
                .is_some_and(|e| e.contains("connexion Pro Santé Connect")),
            "{nom}: {:?}",
            travaux[0]
        );
        assert!(op.relayes.lock().unwrap().is_empty(), "{nom}");
        assert_eq!(etat_mss(&t, &doc).await, E::EnAttente, "{nom}");

        // signed in with PSC: woken by the sign-in, it leaves at once
        // (not 15 minutes later), once
        let _session = par_ciba(&t, &f).await;
        assert_eq!(passe().await.unwrap(), 1, "{nom}\n{}", op.journal());
        assert_eq!(
            etat_mss(&t, &doc).await,
            E::Envoye,
            "{nom}\n{}",
            op.journal()
        );
        assert_eq!(passe().await.unwrap(), 0, "{nom}: rien de plus");
        // sent again, to the patient too (her Mon espace santé address made
        // from her qualified INS), then cancelled before it leaves:
        // « annulé », nothing more relayed
        let aussi_patient =
            json!({ "destinataires": [adresse(ANNE)], "patient": true }).to_string();
        let (s, r) = t
            .call("POST", &envoi, Some(&aussi_patient), &t.medecin)
            .await;
        assert_eq!(s, 202, "{nom}: {r}");
        let attente = app
            .store
            .travaux(Some(&dominique), 10)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.kind.starts_with("mss.") && t.etat == EtatTravail::EnAttente)
            .expect("le second envoi en attente");
        assert!(
            attente.label.contains("297022A02077878@patient.mssante.fr"),
            "{nom}: {}",
            attente.label
        );
        let (s, r) = t
            .call(
                "POST",
                &format!("/api/travaux/{}/annulation", attente.id),
                None,
                &t.medecin,
            )
            .await;
        assert_eq!(s, 200, "{nom}: {r}");
        assert_eq!(etat_mss(&t, &doc).await, E::Annule, "{nom}");
        assert_eq!(passe().await.unwrap(), 0, "{nom}");
        assert_eq!(op.relayes.lock().unwrap().len(), 1, "{nom}");
        // queued again, then corrected before it leaves: at its try the
        // order sees the document replaced, says so, sends nothing
        let (s, r) = t.call("POST", &envoi, Some(&a_anne), &t.medecin).await;
        assert_eq!(s, 202, "{nom}: {r}");
        lettre(
            &t,
            &dominique,
            "Souffle systolique à explorer (corrigé).",
            Some(&doc),
        )
        .await;
        assert_eq!(passe().await.unwrap(), 1, "{nom}");
        assert_eq!(etat_mss(&t, &doc).await, E::Annule, "{nom}");
        assert_eq!(op.relayes.lock().unwrap().len(), 1, "{nom}");
        let audit = t.store.audit_since(0).await.unwrap();
        let trace = audit
            .iter()
            .find(|e| e.action == "mss.envoi")
            .unwrap_or_else(|| panic!("{nom}: mss.envoi tracé"));
        assert!(
            trace.detail.contains(&adresse(ANNE)),
            "{nom}: {}",
            trace.detail
        );
        assert_eq!(
            trace.patient_id.as_deref(),
            Some(dominique.as_str()),
            "{nom}"
        );

        // the correspondent reads it in her mailbox: the document as
        // signed in the IHE_XDM.ZIP, its PDF, the patient named, the
        // statistical headers
        let psc_anne = f.psc().await;
        let mut dem = psc_anne
            .ciba_demarrer(ANNE, "42", esculape_psc::ciba::Canal::Carte)
            .await
            .unwrap();
        f.essai(&format!("ciba/{ANNE}/accepter")).await;
        let jeton = Jeton::new(
            psc_anne
                .ciba_attendre(&mut dem, |_| {})
                .await
                .unwrap()
                .acces,
        );
        let mut s = SessionImap::ouvrir(&op.boite(ANNE), &securite, &jeton)
            .await
            .unwrap();
        let (_, recus) = s.nouveaux(0, 100).await.unwrap();
        s.fermer().await.unwrap();
        let mien: Vec<_> = recus
            .iter()
            .map(|m| lecture::lire(m.lisible().unwrap()).unwrap())
            .filter(|m| m.objet == "Lettre à la cardiologue")
            .collect();
        assert_eq!(mien.len(), 1, "{nom}");
        let lu = &mien[0];
        assert_eq!(lu.de.as_deref(), Some(adresse(CLAIRE).as_str()), "{nom}");
        assert!(
            lu.texte.contains("merci de la recevoir"),
            "{nom}: {}",
            lu.texte
        );
        assert!(lu.texte.contains("ADRTROIS"), "{nom}: {}", lu.texte);
        assert_eq!(lu.entete_mss("X-MSS-CODECDA"), Some("11488-4"), "{nom}");
        assert_eq!(lu.entete_mss("X-MSS-NIL"), Some("ESCULAPE-ESSAI"), "{nom}");
        let (_, cda) = t
            .store
            .document(&esculape_store::Actor::system(), &doc)
            .await
            .unwrap();
        let xdm = esculape_xds::read_xdm(&lu.xdm().expect("IHE_XDM.ZIP").octets).unwrap();
        assert_eq!(
            xdm.document, cda,
            "{nom}: le document signé, octet pour octet"
        );
        assert!(xdm.hash_and_size_match(), "{nom}");
        let pdf = lu
            .pieces
            .iter()
            .find(|p| p.type_mime == "application/pdf")
            .expect("PDF joint");
        assert!(pdf.octets.starts_with(b"%PDF"), "{nom}");

        // the other way: the cardiologist's answer about Dominique (a
        // document in an IHE_XDM.ZIP, as another practice would write it)
        // and a message without a document arrive in Claire's mailbox
        let reponse = json!({
            "plugin": "fr.esculape.doc.generique",
            "valeurs": {"type": "11488-4", "titre": "Réponse de la cardiologue", "corps": "Échographie normale."},
        });
        let (s, apercu) = t
            .call(
                "POST",
                &format!("/api/patients/{dominique}/documents/preview"),
                Some(&reponse.to_string()),
                &t.medecin,
            )
            .await;
        assert_eq!(s, 200, "{nom}: {apercu}");
        use base64::Engine as _;
        let xdm = base64::engine::general_purpose::STANDARD
            .decode(apercu["xdm"].as_str().unwrap())
            .unwrap();
        let envoi_anne = esculape_mss::message::Envoi {
            de: adresse(ANNE),
            a: vec![adresse(CLAIRE)],
            objet: "Réponse de la cardiologue".into(),
            corps: "Chère consœur,\nvoici mon compte rendu.".into(),
            xdm: Some(xdm),
            codes_cda: vec!["11488-4".into()],
            ins_qualifie: true,
            pdfs: vec![],
            reference_produit: "AUTRE-LOGICIEL".into(),
            en_reponse_a: lu.id.clone().map(|i| format!("<{i}>")),
            accuse_de_lecture: false,
        };
        let octets = esculape_mss::message::composer(
            &envoi_anne,
            &esculape_mss::message::nouvel_id(&adresse(ANNE), &format!("reponse-{nom}")),
        )
        .unwrap();
        esculape_mss::envoyer(
            &op.boite(ANNE),
            &securite,
            &jeton,
            &[adresse(CLAIRE)],
            &octets,
        )
        .await
        .unwrap();
        // eleven words without a document: more than a batch of the reading
        for _ in 0..11 {
            op.deposer(
                CLAIRE,
                b"Subject: Bonjour\r\nFrom: anne@mss.esculape.test\r\n\r\nUn mot sans document.\r\n",
            );
        }

        let (s, r) = t
            .call("POST", "/api/moi/mss/releve", None, &t.medecin)
            .await;
        assert_eq!(s, 200, "{nom}: {r}");
        assert_eq!(r["messages"], 12, "{nom}: {r}");
        assert_eq!(r["non_classes"].as_array().unwrap().len(), 11, "{nom}: {r}");
        assert_eq!(r["documents"].as_array().unwrap().len(), 1, "{nom}: {r}");
        let recu = &r["documents"][0];
        assert_eq!(recu["patient_id"], dominique.as_str(), "{nom}: {r}");
        assert_eq!(recu["provenance"], "mssante", "{nom}: {r}");
        assert_eq!(r["non_classes"][0]["objet"], "Bonjour", "{nom}: {r}");
        assert!(
            r["non_classes"][0]["raison"]
                .as_str()
                .unwrap()
                .contains("sans document"),
            "{nom}: {r}"
        );
        // in the « à voir » list of the patient
        let (_, a_voir) = t
            .call(
                "GET",
                &format!("/api/a-voir?patient={dominique}"),
                None,
                &t.medecin,
            )
            .await;
        assert!(
            a_voir.to_string().contains("Réponse de la cardiologue"),
            "{nom}: {a_voir}"
        );
        // read once: nothing new the second time
        let (s, r) = t
            .call("POST", "/api/moi/mss/releve", None, &t.medecin)
            .await;
        assert_eq!(s, 200, "{nom}: {r}");
        assert_eq!(r["messages"], 0, "{nom}: {r}");
        assert!(
            t.store
                .audit_since(0)
                .await
                .unwrap()
                .iter()
                .any(|e| e.action == "mss.releve" && e.detail.contains("1 document")),
            "{nom}"
        );
    }
}

/// LGC.CSE.15: a signed CS9 leaves by itself for the CSE platform — it
/// waits for the doctor's MSSanté address, then for their PSC sign-in,
/// and goes once, through the operator, to the platform's address.
#[tokio::test(flavor = "multi_thread")]
async fn a_signed_cs9_leaves_by_itself_for_the_cse_platform_once_the_doctor_can_send() {
    let f = Fournisseur::demarrer();
    for st in esculape_store::testing::both().await {
        // no delay: the order is due at once
        let (op, t, _, _h) = cabinet(&f, st, "esculape-plugin-doc-cse-cs9", |c| {
            c.delai_d_office = Duration::ZERO
        })
        .await;
        let nom = t.name;
        let app = &t.state.app;
        let passe = || une_passe(app, &TravauxMss, "essai", 4);
        // a child seen at his 9th-month exam (INS from the INSi, as the
        // certificate requires), the certificate signed
        let enfant = common::patient_insi(&t.store, LUCAS).await;
        let (s, form) = t
            .call(
                "GET",
                &format!("/api/patients/{enfant}/document-forms/fr.esculape.doc.cse-cs9"),
                None,
                &t.medecin,
            )
            .await;
        assert_eq!(s, 200, "{nom}: {form}");
        let mut valeurs = form["valeurs"].as_object().cloned().unwrap_or_default();
        for (k, v) in json!({
            "date_examen": "2026-11-20", "mere_nom": "NGUYEN", "mere_prenom": "Thi",
            "mere_naissance": "1992-05-04", "mere_activite": "PAT-043",
            "garde": true, "type_garde": "PAT-051", "immunisation_vrs": false,
            "accident_domestique": false, "neurodeveloppement": "860642002",
            "poids": 8.7, "taille": 70,
        })
        .as_object()
        .unwrap()
        {
            valeurs.insert(k.clone(), v.clone());
        }
        let cs9 = json!({"plugin": "fr.esculape.doc.cse-cs9", "valeurs": valeurs}).to_string();
        let (s, signe) = t
            .call(
                "POST",
                &format!("/api/patients/{enfant}/documents/sign"),
                Some(&cs9),
                &t.medecin,
            )
            .await;
        assert_eq!(s, 201, "{nom}: {signe}");
        let doc = signe["document"]["id"].as_str().unwrap().to_string();
        assert_eq!(etat_mss(&t, &doc).await, E::EnAttente, "{nom}");
        let ordre = |t: &TestApp| {
            let enfant = enfant.clone();
            let store = t.store.clone();
            async move {
                store
                    .travaux(Some(&enfant), 10)
                    .await
                    .unwrap()
                    .into_iter()
                    .find(|t| t.kind == "mss.envoi")
                    .expect("l'envoi à la plateforme CSE")
            }
        };

        // the doctor has no MSSanté address yet: the order waits for it,
        // no try used
        assert_eq!(passe().await.unwrap(), 1, "{nom}");
        let o = ordre(&t).await;
        assert_eq!(o.etat, EtatTravail::EnAttente, "{nom}: {o:?}");
        assert_eq!(o.essais, 0, "{nom}: {o:?}");
        assert!(
            o.erreur
                .as_deref()
                .is_some_and(|e| e.contains("adresse MSSanté")),
            "{nom}: {o:?}"
        );
        // the address given, then signed in with PSC (which wakes it): it
        // leaves once, to the platform
        let boite = json!({ "adresse": adresse(CLAIRE) }).to_string();
        let (s, r) = t
            .call("PUT", "/api/moi/mss", Some(&boite), &t.medecin)
            .await;
        assert_eq!(s, 200, "{nom}: {r}");
        let _session = par_ciba(&t, &f).await;
        assert_eq!(passe().await.unwrap(), 1, "{nom}\n{}", op.journal());
        assert_eq!(
            etat_mss(&t, &doc).await,
            E::Envoye,
            "{nom}\n{}",
            op.journal()
        );
        assert_eq!(passe().await.unwrap(), 0, "{nom}");
        let relayes = op.relayes.lock().unwrap().clone();
        assert_eq!(relayes.len(), 1, "{nom}");
        assert_eq!(
            relayes[0].0,
            [esculape_domain::document::ADRESSE_PLATEFORME_CSE],
            "{nom}"
        );
        let message = String::from_utf8_lossy(&relayes[0].1);
        assert!(message.contains("IHE_XDM.ZIP"), "{nom}");
        assert!(message.contains(&adresse(CLAIRE)), "{nom}");
    }
}

/// An official example of the ANS kit.
fn exemple(nom: &str) -> String {
    std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/testdata/ans/cda-examples")
            .join(nom),
    )
    .unwrap()
}

/// A message from `de` with `cda` in an IHE_XDM.ZIP, as another system
/// writes it (`suppression`: asking to delete it, sent earlier).
fn courrier(de: &str, objet: &str, cda: &str, suppression: bool) -> Vec<u8> {
    let cda = cda.as_bytes();
    let valeurs = esculape_xds::TypeValues {
        class_code: esculape_xds::Code::new("REPORTS", "1.2.250.1.213.1.1.4.1", "Compte rendu"),
        format_code: esculape_xds::Code::new(
            "urn:ihe:lab:xd-lab:2008",
            "1.3.6.1.4.1.19376.1.2.3",
            "CR-BIO",
        ),
    };
    let entree = esculape_xds::document_entry(cda, &valeurs).unwrap();
    let lot = esculape_xds::Submission {
        unique_id: "2.25.4242".into(),
        source_id: "2.25.77".into(),
        submission_time: "20261207100000".into(),
        set_uuid: "urn:uuid:00000000-0000-4000-8000-000000000011".into(),
        entry_uuid: "urn:uuid:00000000-0000-4000-8000-000000000012".into(),
        association_uuid: "urn:uuid:00000000-0000-4000-8000-000000000013".into(),
    };
    let xdm = if suppression {
        esculape_xds::write_xdm_suppression(&entree, cda, &lot)
    } else {
        esculape_xds::write_xdm(&entree, cda, &lot)
    }
    .unwrap();
    let envoi = esculape_mss::message::Envoi {
        de: de.into(),
        a: vec![adresse(CLAIRE)],
        objet: objet.into(),
        corps: "Bonjour,\nci-joint.".into(),
        xdm: Some(xdm),
        codes_cda: vec![esculape_xds::read_header(cda).unwrap().code.code],
        ins_qualifie: true,
        pdfs: vec![],
        reference_produit: "SGL-DU-LABO".into(),
        en_reponse_a: None,
        accuse_de_lecture: false,
    };
    esculape_mss::message::composer(&envoi, &esculape_mss::message::nouvel_id(de, objet)).unwrap()
}

/// LGC.MDV.06, LGC.MSS/UX.05, SC.MSS/UX.25/28/31: a biology report and a
/// synthèse (IPS) arrive from a laboratory and a hospital and go to their
/// patient's record once; one whose patient the INS does not find waits
/// and is matched by traits; a newer version of the report and a request
/// to delete the synthèse wait for the doctor, who applies them (the old
/// kept, marked). All read by IMAP from Dovecot, on both stores.
#[tokio::test(flavor = "multi_thread")]
async fn received_reports_are_integrated_once_matched_by_traits_replaced_and_deleted_on_the_doctors_word()
 {
    const PAT_TROIS: &str = r#"{"birth_name":"Pat-Trois","birth_first_names":["Dominique","Marie-Louise"],"sex":"F","birth_date":"1979-03-28","birth_place_cog":"75107","ins":{"matricule":"279035121518989","oid":"1.2.250.1.213.1.4.10"},"from_insi":true,"justificatif":"procedure_transitoire"}"#;
    let labo = "resultats@labo-des-charmes.mssante.fr";
    let hopital = "urgences@chu.mssante.fr";
    let cr_bio = exemple("BIO-CR-BIO_2024.01_Glycémie mole.xml");
    let ips = exemple("IPS-FR_2024.01.xml");
    // the same report corrected: version 2 of its set
    let cr_bio_v2 = cr_bio
        .replace(
            "<id root=\"1.2.250.1.213.1.1.1.55.2024.7.1\"/>",
            "<id root=\"1.2.250.1.213.1.1.1.55.2024.7.2\"/>",
        )
        .replace(
            "<versionNumber value=\"1\"/>",
            "<versionNumber value=\"2\"/>",
        )
        .replace("value=\"4.89\"", "value=\"5.10\"");
    assert_ne!(cr_bio_v2, cr_bio);
    // another patient's synthèse, without INS: Hélène Dupont, born 15/03/1980
    let ips_helene = ips
        .replace(
            "1.2.250.1.213.1.1.1.51.2024.1",
            "1.2.250.1.213.1.1.1.51.2024.9",
        )
        .replace(
            "<id extension=\"279035121518989\" root=\"1.2.250.1.213.1.4.10\"/>",
            "<id extension=\"IPP-77\" root=\"1.2.3.4.567.8.9.10\"/>",
        )
        .replace("279035121518989", "0")
        .replace("PAT-TROIS", "DUPONT")
        .replace("DOMINIQUE MARIE-LOUISE", "HÉLÈNE MARIE")
        .replace("DOMINIQUE", "HÉLÈNE")
        .replace("19790328", "19800315");
    let f = Fournisseur::demarrer();
    for st in esculape_store::testing::both().await {
        let (op, t, _, _h) = cabinet(&f, st, "esculape-plugin-doc-generique", |_| {}).await;
        let t = &t;
        let nom = t.name;
        let m = &t.medecin;
        let dominique = common::patient_insi(&t.store, PAT_TROIS).await;
        let (s, p) = t
            .call("POST", "/api/patients", Some(common::HELENE), m)
            .await;
        assert_eq!(s, 201, "{nom}: {p}");
        let helene = p["id"].as_str().unwrap().to_string();
        let boite = json!({ "adresse": adresse(CLAIRE) }).to_string();
        let (s, r) = t.call("PUT", "/api/moi/mss", Some(&boite), m).await;
        assert_eq!(s, 200, "{nom}: {r}");
        let _session = par_ciba(t, &f).await;
        let releve = || async {
            let (s, r) = t.call("POST", "/api/moi/mss/releve", None, m).await;
            assert_eq!(s, 200, "{nom}: {r}\n{}", op.journal());
            r
        };
        let liste = |a_traiter: bool| async move {
            let (s, l) = t
                .call(
                    "GET",
                    &format!("/api/mss/messages?a_traiter={a_traiter}"),
                    None,
                    m,
                )
                .await;
            assert_eq!(s, 200, "{nom}: {l}");
            l.as_array().unwrap().clone()
        };
        let statut = |doc: String| {
            let store = t.store.clone();
            async move {
                store
                    .document(&esculape_store::Actor::system(), &doc)
                    .await
                    .unwrap()
                    .0
                    .status
            }
        };

        op.deposer(CLAIRE, &courrier(labo, "CR de biologie", &cr_bio, false));
        op.deposer(CLAIRE, &courrier(hopital, "Synthèse médicale", &ips, false));
        op.deposer(
            CLAIRE,
            &courrier(labo, "CR de biologie (renvoi)", &cr_bio, false),
        );
        op.deposer(
            CLAIRE,
            &courrier(hopital, "Synthèse de Mme Dupont", &ips_helene, false),
        );
        op.deposer(
            CLAIRE,
            b"Subject: Question\r\nFrom: 279035121518989@patient.mssante.fr\r\n\r\nBonjour docteur, dois-je refaire la prise de sang ?\r\n",
        );
        let r = releve().await;
        assert_eq!(r["messages"], 5, "{nom}: {r}");
        assert_eq!(r["documents"].as_array().unwrap().len(), 2, "{nom}: {r}");
        assert_eq!(r["a_traiter"], 1, "{nom}: {r}");
        let tous = liste(false).await;
        assert_eq!(tous.len(), 5, "{nom}: {tous:?}");
        let message = |objet: &str| {
            tous.iter()
                .find(|x| x["objet"] == objet)
                .unwrap_or_else(|| panic!("{nom}: {objet} {tous:?}"))
                .clone()
        };
        let bio = message("CR de biologie");
        assert_eq!(bio["etat"], "integre", "{nom}: {bio}");
        assert_eq!(bio["provenance"], "professionnel", "{nom}: {bio}");
        assert_eq!(bio["patient_id"], dominique.as_str(), "{nom}: {bio}");
        // the patient by name, never by matricule
        assert_eq!(bio["patient"], "PAT-TROIS DOMINIQUE", "{nom}: {bio}");
        let doc_bio = bio["document_id"].as_str().unwrap().to_string();
        let synthese = message("Synthèse médicale");
        assert_eq!(synthese["etat"], "integre", "{nom}: {synthese}");
        let doc_ips = synthese["document_id"].as_str().unwrap().to_string();
        let renvoi = message("CR de biologie (renvoi)");
        assert_eq!(renvoi["etat"], "deja_present", "{nom}: {renvoi}");
        assert!(
            renvoi["raison"].as_str().unwrap().contains("déjà intégré"),
            "{nom}: {renvoi}"
        );
        let patiente = message("Question");
        assert_eq!(patiente["provenance"], "patient", "{nom}: {patiente}");
        assert_eq!(patiente["etat"], "sans_document", "{nom}: {patiente}");

        // Hélène's synthèse has no INS: matched by her traits
        let attente = liste(true).await;
        assert_eq!(attente.len(), 1, "{nom}: {attente:?}");
        assert_eq!(attente[0]["etat"], "a_rapprocher", "{nom}");
        assert!(attente[0]["patient"].is_null(), "{nom}");
        let id = attente[0]["id"].as_str().unwrap().to_string();
        let (s, c) = t
            .call("GET", &format!("/api/mss/messages/{id}/candidats"), None, m)
            .await;
        assert_eq!(s, 200, "{nom}: {c}");
        let ids: Vec<&str> = c
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [helene.as_str()], "{nom}: {c}");
        // the doctor picks her: the synthèse goes to her record, once
        let choix = json!({ "patient_id": helene }).to_string();
        let (s, fait) = t
            .call(
                "POST",
                &format!("/api/mss/messages/{id}/rapprocher"),
                Some(&choix),
                m,
            )
            .await;
        assert_eq!(s, 200, "{nom}: {fait}");
        assert_eq!(fait["etat"], "integre", "{nom}: {fait}");
        assert_eq!(fait["patient"], "DUPONT HELENE", "{nom}: {fait}");
        let (s, again) = t
            .call(
                "POST",
                &format!("/api/mss/messages/{id}/rapprocher"),
                Some(&choix),
                m,
            )
            .await;
        assert!(s.is_client_error(), "{nom}: {s} {again}");
        assert!(liste(true).await.is_empty(), "{nom}");

        // the laboratory corrects its report, the hospital withdraws its
        // synthèse: both wait for the doctor
        op.deposer(
            CLAIRE,
            &courrier(labo, "CR de biologie corrigé", &cr_bio_v2, false),
        );
        op.deposer(
            CLAIRE,
            &courrier(hopital, "Annulation de la synthèse", &ips, true),
        );
        let r = releve().await;
        assert_eq!(r["messages"], 2, "{nom}: {r}");
        assert_eq!(r["documents"].as_array().unwrap().len(), 0, "{nom}: {r}");
        assert_eq!(r["a_traiter"], 2, "{nom}: {r}");
        assert_eq!(
            statut(doc_bio.clone()).await,
            DocumentStatus::Actif,
            "{nom}"
        );
        let attente = liste(true).await;
        assert_eq!(attente.len(), 2, "{nom}: {attente:?}");
        let maj = attente
            .iter()
            .find(|x| x["etat"] == "remplacement_demande")
            .unwrap_or_else(|| panic!("{nom}: {attente:?}"));
        assert_eq!(maj["cible_id"], doc_bio.as_str(), "{nom}: {maj}");
        assert_eq!(maj["patient_id"], dominique.as_str(), "{nom}: {maj}");
        let retrait = attente
            .iter()
            .find(|x| x["etat"] == "suppression_demandee")
            .unwrap_or_else(|| panic!("{nom}: {attente:?}"));
        assert_eq!(retrait["cible_id"], doc_ips.as_str(), "{nom}: {retrait}");
        for x in [maj, retrait] {
            let (s, fait) = t
                .call(
                    "POST",
                    &format!("/api/mss/messages/{}/appliquer", x["id"].as_str().unwrap()),
                    None,
                    m,
                )
                .await;
            assert_eq!(s, 200, "{nom}: {fait}");
        }
        // the old version kept, marked replaced; the synthèse kept, marked
        // deleted; nothing waits any more
        assert_eq!(
            statut(doc_bio.clone()).await,
            DocumentStatus::Remplace,
            "{nom}"
        );
        assert_eq!(
            statut(doc_ips.clone()).await,
            DocumentStatus::Supprime,
            "{nom}"
        );
        assert!(liste(true).await.is_empty(), "{nom}");
        let tous = liste(false).await;
        let corrige = tous
            .iter()
            .find(|x| x["objet"] == "CR de biologie corrigé")
            .unwrap();
        assert_eq!(corrige["etat"], "remplace", "{nom}: {corrige}");
        let nouveau = corrige["document_id"].as_str().unwrap().to_string();
        assert_eq!(statut(nouveau).await, DocumentStatus::Actif, "{nom}");
        let audit = t.store.audit_since(0).await.unwrap();
        for action in [
            "mss.message.recu",
            "mss.message",
            "mss.messages",
            "document.suppression",
        ] {
            assert!(audit.iter().any(|e| e.action == action), "{nom}: {action}");
        }
        // read once: nothing new
        assert_eq!(releve().await["messages"], 0, "{nom}");
    }
}
