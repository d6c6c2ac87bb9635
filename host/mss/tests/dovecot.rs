//! MSSanté against a real operator's servers: Dovecot's IMAP and SMTP
//! submission over STARTTLS with a test IGC-Santé, authenticating by the
//! tokens of a real OpenID provider configured like Pro Santé Connect
//! (npm `oidc-provider`, signed in by CIBA), which Dovecot introspects.

#[path = "../../psc/tests/commun/mod.rs"]
mod commun;
mod pair;

use commun::{ANNE, Fournisseur, KIT};
use esculape_mss::message::{Envoi, PieceJointe, composer, nouvel_id};
use esculape_mss::{ErreurMss, Jeton, Securite, SessionImap, envoyer, lecture};
use esculape_psc::ciba::Canal;
use pair::{Operateur, adresse};
use std::path::PathBuf;

/// A PSC access token, as the professional gets it by CIBA.
async fn jeton(f: &Fournisseur, id: &str) -> Jeton {
    let psc = f.psc().await;
    let mut d = psc.ciba_demarrer(id, "42", Canal::Carte).await.unwrap();
    f.essai(&format!("ciba/{id}/accepter")).await;
    Jeton::new(psc.ciba_attendre(&mut d, |_| {}).await.unwrap().acces)
}

fn paquet_officiel() -> (Vec<u8>, String) {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/ans/xdm/BIO-CR-BIO_2024.01_Glycemie_g_par_Litre_2.zip");
    let zip = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let cda = esculape_xds::read_xdm(&zip).unwrap().document;
    let code = esculape_xds::read_header(&cda).unwrap().code.code;
    (zip, code)
}

fn lettre(de: &str, a: &str, xdm: Vec<u8>, code: String) -> Envoi {
    Envoi {
        de: de.into(),
        a: vec![a.into()],
        objet: "Compte rendu de biologie – Glycémie".into(),
        corps: "Chère consœur,\nveuillez trouver ci-joint le compte rendu.\n".into(),
        xdm: Some(xdm),
        codes_cda: vec![code],
        ins_qualifie: true,
        pdfs: vec![PieceJointe {
            nom: "compte-rendu.pdf".into(),
            type_mime: "application/pdf".into(),
            octets: b"%PDF-1.4 essai".to_vec(),
        }],
        reference_produit: "ESCULAPE-ESSAI".into(),
        en_reponse_a: None,
        accuse_de_lecture: true,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_letter_sent_with_the_psc_token_arrives_in_the_correspondent_s_mailbox_as_sent() {
    let f = Fournisseur::demarrer();
    let op = Operateur::demarrer(&f.emetteur).await;
    let securite = Securite::new(op.confiance());
    let (zip, code) = paquet_officiel();
    let kit = op.boite(KIT);
    let envoi = lettre(&kit.adresse, &adresse(ANNE), zip.clone(), code.clone());
    let id = nouvel_id(&kit.adresse, "lettre-1");
    let octets = composer(&envoi, &id).unwrap();
    let jeton_kit = jeton(&f, KIT).await;
    envoyer(&kit, &securite, &jeton_kit, &envoi.a, &octets)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", op.journal()));
    assert_eq!(op.relayes.lock().unwrap().len(), 1, "relayé une fois");

    // the correspondent reads it with her own token
    let anne = op.boite(ANNE);
    let mut s = SessionImap::ouvrir(&anne, &securite, &jeton(&f, ANNE).await)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", op.journal()));
    let (validite, recus) = s.nouveaux(0, 100).await.unwrap();
    assert!(validite > 0);
    assert_eq!(recus.len(), 1);
    let lu = lecture::lire(recus[0].lisible().unwrap()).unwrap();
    assert_eq!(lu.de.as_deref(), Some(kit.adresse.as_str()));
    assert_eq!(lu.objet, "Compte rendu de biologie – Glycémie");
    assert_eq!(
        lu.id.as_deref(),
        Some(id.trim_matches(|c| c == '<' || c == '>'))
    );
    assert_eq!(lu.entete_mss("X-MSS-CODECDA"), Some(code.as_str()));
    assert_eq!(lu.entete_mss("X-MSS-INS"), Some("O"));
    assert_eq!(lu.entete_mss("X-MSS-NIL"), Some("ESCULAPE-ESSAI"));
    // the package arrives byte for byte and still reads as the official one
    let xdm = lu.xdm().expect("IHE_XDM.ZIP joint");
    assert_eq!(xdm.octets, zip);
    assert!(
        esculape_xds::read_xdm(&xdm.octets)
            .unwrap()
            .hash_and_size_match()
    );
    assert!(lu.pieces.iter().any(|p| p.nom == "compte-rendu.pdf"));
    // nothing new after what was read
    let (_, encore) = s.nouveaux(recus[0].uid, 100).await.unwrap();
    assert!(encore.is_empty());

    // a message too large to read is reported, in French, and the one
    // after it is still read: nothing blocks the mailbox
    op.deposer(ANNE, &vec![b'a'; esculape_mss::TAILLE_MAX as usize + 10]);
    op.deposer(ANNE, b"Subject: suivant\r\n\r\ncorps\r\n");
    let (_, apres) = s.nouveaux(recus[0].uid, 100).await.unwrap();
    assert_eq!(apres.len(), 2);
    let e = apres[0].lisible().unwrap_err();
    assert!(e.to_string().contains("trop volumineux"), "{e}");
    assert_eq!(
        lecture::lire(apres[1].lisible().unwrap()).unwrap().objet,
        "suivant"
    );
    s.fermer().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_the_operator_does_not_accept_is_refused_in_french_and_nothing_is_sent() {
    let f = Fournisseur::demarrer();
    let op = Operateur::demarrer(&f.emetteur).await;
    let securite = Securite::new(op.confiance());
    let kit = op.boite(KIT);
    let (zip, code) = paquet_officiel();
    let envoi = lettre(&kit.adresse, &adresse(ANNE), zip, code);
    let octets = composer(&envoi, &nouvel_id(&kit.adresse, "x")).unwrap();
    for (quoi, j) in [
        ("jeton inventé", Jeton::new("pas-un-jeton-psc")),
        // a valid token, but another professional's mailbox
        ("jeton d'ANNE", jeton(&f, ANNE).await),
    ] {
        let e = envoyer(&kit, &securite, &j, &envoi.a, &octets)
            .await
            .expect_err(quoi);
        assert!(matches!(e, ErreurMss::Refusee { .. }), "{quoi} : {e:?}");
        assert!(
            e.to_string()
                .contains("reconnectez-vous avec Pro Santé Connect")
        );
        let e = SessionImap::ouvrir(&kit, &securite, &j)
            .await
            .expect_err(quoi);
        assert!(matches!(e, ErreurMss::Refusee { .. }), "{quoi} : {e:?}");
    }
    assert!(op.relayes.lock().unwrap().is_empty());
    // the same with KIT's own token goes through
    let j = jeton(&f, KIT).await;
    SessionImap::ouvrir(&kit, &securite, &j)
        .await
        .unwrap()
        .fermer()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn only_a_server_of_the_trusted_authority_over_encryption_is_spoken_to() {
    let f = Fournisseur::demarrer();
    let op = Operateur::demarrer(&f.emetteur).await;
    let kit = op.boite(KIT);
    let j = jeton(&f, KIT).await;
    let (zip, code) = paquet_officiel();
    let envoi = lettre(&kit.adresse, &adresse(ANNE), zip, code);
    let octets = composer(&envoi, &nouvel_id(&kit.adresse, "y")).unwrap();

    // another authority: the certificate is not trusted, nothing is sent
    let autre = esculape_transport::essai::AutoriteDeTest::nouvelle("autre").unwrap();
    let mefiance = Securite::new(esculape_transport::client::Confiance::Autorites(
        esculape_transport::client::autorites_pem(autre.certificat_pem().as_bytes(), "autre")
            .unwrap(),
    ));
    let e = envoyer(&kit, &mefiance, &j, &envoi.a, &octets)
        .await
        .unwrap_err();
    assert!(matches!(e, ErreurMss::Tls { .. }), "{e:?}");
    let e = SessionImap::ouvrir(&kit, &mefiance, &j).await.unwrap_err();
    assert!(matches!(e, ErreurMss::Tls { .. }), "{e:?}");

    // a server that does not offer STARTTLS (the relay) gets nothing
    let mut clair = kit.clone();
    clair.smtp.port = op.relais;
    let e = envoyer(
        &clair,
        &Securite::new(op.confiance()),
        &j,
        &envoi.a,
        &octets,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, ErreurMss::SansChiffrement { .. }), "{e:?}");
    assert!(e.to_string().contains("exige une connexion chiffrée"));

    // nobody listening: said as such, and worth retrying
    let mut absent = kit.clone();
    absent.imap.port = pair::port_libre();
    let e = SessionImap::ouvrir(&absent, &Securite::new(op.confiance()), &j)
        .await
        .unwrap_err();
    assert!(
        matches!(e, ErreurMss::Injoignable { .. }) && e.passagere(),
        "{e:?}"
    );
    assert!(op.relayes.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mailbox_s_servers_are_found_from_its_address_alone() {
    use esculape_mss::autoconfiguration::{Resolveur, decouvrir};
    let f = Fournisseur::demarrer();
    let op = Operateur::demarrer(&f.emetteur).await;
    let dns = pair::serveur_dns(vec![
        (format!("_imap._tcp.{}.", pair::DOMAINE), op.imap),
        (format!("_submission._tcp.{}.", pair::DOMAINE), op.smtp),
    ])
    .await;
    let resolveur = Resolveur::serveur(dns);
    let boite = decouvrir(&adresse(KIT), &resolveur).await.unwrap();
    assert_eq!(boite, op.boite(KIT));
    // and they are the right ones: the doctor is in
    let j = jeton(&f, KIT).await;
    SessionImap::ouvrir(&boite, &Securite::new(op.confiance()), &j)
        .await
        .unwrap()
        .fermer()
        .await
        .unwrap();
    // a domain that announces nothing: said, with what to do
    let e = decouvrir("kit@ailleurs.test", &resolveur)
        .await
        .unwrap_err();
    assert!(matches!(e, ErreurMss::Autoconfiguration(_)), "{e:?}");
    assert!(e.to_string().contains("saisissez les serveurs"), "{e}");
    assert!(decouvrir("pas-une-adresse", &resolveur).await.is_err());
}
