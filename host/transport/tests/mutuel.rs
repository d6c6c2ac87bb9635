//! Mutual TLS (issue 17, finding 4): a structure's client certificate,
//! from PEM or PKCS#12, presented to a server that requires one (the
//! stand-in of a national service), over real sockets; what goes wrong is
//! said in French, and an expired certificate is refused before any
//! connection with its dates.

use esculape_transport::client::{Confiance, autorites_pem, config_avec, expliquer};
use esculape_transport::essai::{AutoriteDeTest, Emis};
use esculape_transport::identite::{IdentiteClient, Validite, maintenant};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

const JOUR: i64 = 86_400;

/// A server requiring a client certificate of `autorite`: it answers, to
/// each connection, the subject of the certificate it was shown.
fn serveur(autorite: &AutoriteDeTest) -> (u16, std::thread::JoinHandle<()>) {
    let emis = autorite.emettre(&["localhost".into()]).unwrap();
    let config = Arc::new(autorite.config_serveur_mutuel(&emis).unwrap());
    let ecoute = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = ecoute.local_addr().unwrap().port();
    let fil = std::thread::spawn(move || {
        for flux in ecoute.incoming().take(8) {
            let Ok(flux) = flux else { continue };
            let config = config.clone();
            std::thread::spawn(move || {
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, flux);
                let mut ligne = String::new();
                if BufReader::new(&mut tls).read_line(&mut ligne).is_err() {
                    return; // refused in the handshake
                }
                let sujet = tls
                    .conn
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .and_then(|c| x509_parser::parse_x509_certificate(c.as_ref()).ok())
                    .map(|(_, x)| x.subject().to_string())
                    .unwrap_or_default();
                let _ = writeln!(tls, "{sujet}");
                let _ = tls.flush();
            });
        }
    });
    (port, fil)
}

/// One exchange with the server; the answer, or the error in French.
fn echange(
    port: u16,
    autorite: &AutoriteDeTest,
    identite: Option<&IdentiteClient>,
) -> Result<String, String> {
    let racines = autorites_pem(autorite.certificat_pem().as_bytes(), "ca").unwrap();
    let config =
        config_avec(&Confiance::Autorites(racines), identite).map_err(|e| e.to_string())?;
    let conn =
        rustls::ClientConnection::new(Arc::new(config), "localhost".try_into().unwrap()).unwrap();
    let flux = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, flux);
    let dire = |e: std::io::Error| expliquer(&e).unwrap_or_else(|| e.to_string());
    writeln!(tls, "bonjour").map_err(dire)?;
    tls.flush().map_err(dire)?;
    let mut reponse = String::new();
    BufReader::new(&mut tls)
        .read_line(&mut reponse)
        .map_err(dire)?;
    if reponse.is_empty() {
        return Err("connexion fermée sans réponse".into());
    }
    Ok(reponse.trim().to_string())
}

fn identite_pem(e: &Emis) -> IdentiteClient {
    IdentiteClient::depuis_pem(e.certificat_pem.as_bytes(), e.cle_pem.as_bytes(), "essai").unwrap()
}

/// The PKCS#12 file the ANS would deliver for `e`.
fn pkcs12(e: &Emis, mot_de_passe: &str) -> Vec<u8> {
    use rustls::pki_types::pem::PemObject;
    let cert =
        rustls::pki_types::CertificateDer::from_pem_slice(e.certificat_pem.as_bytes()).unwrap();
    let cle = rustls::pki_types::PrivatePkcs8KeyDer::from_pem_slice(e.cle_pem.as_bytes()).unwrap();
    let chaine = p12_keystore::PrivateKeyChain::new(
        cle.secret_pkcs8_der(),
        [1u8; 20],
        vec![p12_keystore::Certificate::from_der(cert.as_ref()).unwrap()],
    );
    let mut magasin = p12_keystore::KeyStore::new();
    magasin.add_entry(
        "structure",
        p12_keystore::KeyStoreEntry::PrivateKeyChain(chaine),
    );
    magasin.writer(mot_de_passe).write().unwrap()
}

#[test]
fn a_structure_certificate_opens_a_service_that_requires_one() {
    let autorite = AutoriteDeTest::nouvelle("IGC-Santé de test").unwrap();
    let (port, _fil) = serveur(&autorite);
    let maintenant = maintenant();
    let emis = autorite
        .emettre_client(
            "Cabinet du Parc",
            maintenant - JOUR,
            maintenant + 400 * JOUR,
        )
        .unwrap();

    // From PEM, key in its own file or after the certificate.
    let identite = identite_pem(&emis);
    let dit = echange(port, &autorite, Some(&identite)).unwrap();
    assert!(dit.contains("Cabinet du Parc"), "{dit}");
    let ensemble = format!("{}{}", emis.certificat_pem, emis.cle_pem);
    let dossier = tempfile::tempdir().unwrap();
    let chemin = dossier.path().join("structure.pem");
    std::fs::write(&chemin, ensemble).unwrap();
    let lue = IdentiteClient::charger(&chemin, None, None).unwrap();
    assert!(echange(port, &autorite, Some(&lue)).is_ok());

    // From PKCS#12 with its password; a wrong one is said.
    let p12 = dossier.path().join("structure.p12");
    std::fs::write(&p12, pkcs12(&emis, "secret-de-structure")).unwrap();
    let lue = IdentiteClient::charger(&p12, None, Some("secret-de-structure")).unwrap();
    assert_eq!(lue.titulaire, identite.titulaire);
    let dit = echange(port, &autorite, Some(&lue)).unwrap();
    assert!(dit.contains("Cabinet du Parc"), "{dit}");
    let e = IdentiteClient::charger(&p12, None, Some("pas-le-bon")).unwrap_err();
    assert!(e.to_string().contains("mot de passe"), "{e}");

    // Its validity, as people read it.
    assert_eq!(
        identite.validite(maintenant),
        Validite::Valide {
            jours_restants: 400
        }
    );
    let resume = identite.resume(maintenant);
    assert!(resume.contains("Cabinet du Parc"), "{resume}");
    assert!(resume.contains("valable jusqu'au"), "{resume}");
    assert!(resume.contains("encore 400 jours"), "{resume}");
    assert!(
        identite
            .resume(identite.fin - 10 * JOUR)
            .contains("expire bientôt"),
        "{resume}"
    );
}

#[test]
fn without_a_valid_certificate_the_service_is_not_reached_and_the_user_is_told_why() {
    let autorite = AutoriteDeTest::nouvelle("IGC-Santé de test").unwrap();
    let (port, _fil) = serveur(&autorite);
    let maintenant = maintenant();

    // No certificate configured.
    let e = echange(port, &autorite, None).unwrap_err();
    assert!(e.contains("exige le certificat de la structure"), "{e}");

    // A certificate of another authority.
    let autre = AutoriteDeTest::nouvelle("Autre autorité").unwrap();
    let etranger = autre
        .emettre_client(
            "Cabinet du Parc",
            maintenant - JOUR,
            maintenant + 400 * JOUR,
        )
        .unwrap();
    let e = echange(port, &autorite, Some(&identite_pem(&etranger))).unwrap_err();
    assert!(e.contains("a refusé le certificat de la structure"), "{e}");

    // An expired one: refused before connecting, with its date.
    let expire = autorite
        .emettre_client(
            "Cabinet du Parc",
            maintenant - 400 * JOUR,
            maintenant - JOUR,
        )
        .unwrap();
    let identite = identite_pem(&expire);
    assert_eq!(identite.validite(maintenant), Validite::Expire);
    let e = echange(port, &autorite, Some(&identite)).unwrap_err();
    assert!(e.contains("expiré depuis le"), "{e}");

    // A key that is not the certificate's.
    let autre_cle = autorite
        .emettre_client("Autre", maintenant - JOUR, maintenant + JOUR)
        .unwrap();
    let e = IdentiteClient::depuis_pem(
        expire.certificat_pem.as_bytes(),
        autre_cle.cle_pem.as_bytes(),
        "essai",
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("n'est pas celle du certificat"),
        "{e}"
    );
}
