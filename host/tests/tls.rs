//! The host over TLS (issue 17, finding 4): a workstation that pinned the
//! host's certificate talks to it; a host with another certificate (a
//! replaced server, an interception) is refused with a French message,
//! before anything is sent; `esculape serve` on an address beyond this
//! machine speaks TLS with the home's certificate (key 0600) and prints
//! the fingerprint to compare, and plain HTTP stays for 127.0.0.1.

use esculape_transport::client::{self, CERTIFICAT_INATTENDU, Confiance};
use esculape_transport::serveur::CertificatServeur;
use std::io::BufRead;

fn client_de(c: Confiance) -> reqwest::Client {
    reqwest::Client::builder()
        .use_preconfigured_tls(client::config(&c).unwrap())
        .build()
        .unwrap()
}

async fn sante(http: &reqwest::Client, url: &str) -> Result<u16, String> {
    match http.get(format!("{url}/api/health")).send().await {
        Ok(r) => Ok(r.status().as_u16()),
        Err(e) => Err(client::expliquer(&e).unwrap_or_else(|| {
            let mut chaine = format!("non TLS: {e:?}");
            let mut s = std::error::Error::source(&e);
            while let Some(x) = s {
                chaine.push_str(&format!(" <- {x:?}"));
                s = x.source();
            }
            chaine
        })),
    }
}

#[tokio::test]
async fn a_pinned_client_talks_to_its_host_and_refuses_any_other() {
    let home = tempfile::tempdir().unwrap();
    let g = CertificatServeur::auto_signe(&["localhost".into()]).unwrap();
    let cert =
        CertificatServeur::depuis_pem(g.certificat_pem.as_bytes(), g.cle_pem.as_bytes(), "t")
            .unwrap();
    let state = esculape_host::serveur::etat(home.path(), false)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let adresse = listener.local_addr().unwrap();
    let url = format!(
        "https://localhost:{}",
        listener.local_addr().unwrap().port()
    );
    let (stop, arret) = tokio::sync::oneshot::channel::<()>();
    let serveur = tokio::spawn(esculape_host::serveur::servir_tls(
        state,
        listener,
        cert.config().unwrap(),
        async {
            let _ = arret.await;
        },
    ));

    let bon = client_de(Confiance::Epingle(cert.empreinte()));
    assert_eq!(sante(&bon, &url).await, Ok(200));
    // typed without colons, in lower case: the same pin
    let tape = cert.empreinte().replace(':', "").to_lowercase();
    assert_eq!(
        sante(&client_de(Confiance::Epingle(tape)), &url).await,
        Ok(200)
    );

    // Another host's fingerprint: refused, said in French.
    let autre = CertificatServeur::auto_signe(&["localhost".into()]).unwrap();
    let autre = CertificatServeur::depuis_pem(
        autre.certificat_pem.as_bytes(),
        autre.cle_pem.as_bytes(),
        "autre",
    )
    .unwrap();
    let e = sante(&client_de(Confiance::Epingle(autre.empreinte())), &url)
        .await
        .unwrap_err();
    assert!(
        e.contains(CERTIFICAT_INATTENDU) && e.contains(&cert.empreinte()),
        "{e}"
    );
    // A client that trusts authorities only: a self-signed host is not one.
    let e = sante(&client_de(Confiance::Autorites(autre.chaine.clone())), &url)
        .await
        .unwrap_err();
    assert!(e.contains("autorité") || e.contains("certificat"), "{e}");
    // Plain HTTP to a TLS host gets nothing.
    let clair = sante(&reqwest::Client::new(), &url.replace("https", "http")).await;
    assert!(clair.is_err(), "{clair:?}");

    let _ = stop.send(());
    serveur.await.unwrap().unwrap();
    // Stopped, the host lets go of its port (a restart can take it).
    let mut libre = false;
    for _ in 0..50 {
        if std::net::TcpListener::bind(adresse).is_ok() {
            libre = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(libre, "port {adresse} gardé après l'arrêt");
}

/// `esculape serve` beyond 127.0.0.1: TLS with the home's certificate,
/// created once (key readable by the host's account only), fingerprint
/// printed; the same certificate at the next start.
/// The served host, stopped however the test ends.
struct Hote(std::process::Child);

impl Drop for Hote {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_beyond_this_machine_speaks_tls_with_a_pinnable_certificate() {
    let home = tempfile::tempdir().unwrap();
    let demarrer = || {
        let mut p = Hote(
            std::process::Command::new(env!("CARGO_BIN_EXE_esculape"))
                .args([
                    "--home",
                    home.path().to_str().unwrap(),
                    "serve",
                    "--addr",
                    "0.0.0.0:0",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        let mut lignes = std::io::BufReader::new(p.0.stdout.take().unwrap()).lines();
        // the address first, then (over TLS) the fingerprint
        let url = lignes.by_ref().map_while(Result::ok).find_map(|l| {
            l.strip_prefix("Esculape à l'écoute sur ")
                .map(str::to_string)
        });
        let url = url.expect("adresse affichée");
        assert!(url.starts_with("https://"), "servi en clair: {url}");
        let empreinte = lignes.next().and_then(Result::ok).and_then(|l| {
            l.strip_prefix("Empreinte SHA-256 du certificat du serveur: ")
                .map(str::to_string)
        });
        (p, url, empreinte.expect("empreinte affichée"))
    };
    let (p, url, empreinte) = demarrer();
    assert!(url.starts_with("https://0.0.0.0:"), "{url}");
    let url = url.replace("0.0.0.0", "127.0.0.1");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut statut = Err(String::new());
    for _ in 0..50 {
        statut = rt.block_on(sante(
            &client_de(Confiance::Epingle(empreinte.clone())),
            &url,
        ));
        if statut.is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(statut, Ok(200));
    drop(p);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.path().join("tls/serveur.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The next start keeps the certificate the workstations pinned.
    let (_p, _, encore) = demarrer();
    assert_eq!(encore, empreinte);
}

#[test]
fn plain_http_is_for_this_machine_only() {
    use esculape_host::serveur::exige_tls;
    assert!(!exige_tls(&"127.0.0.1:8080".parse().unwrap()));
    assert!(!exige_tls(&"[::1]:8080".parse().unwrap()));
    assert!(exige_tls(&"0.0.0.0:8080".parse().unwrap()));
    assert!(exige_tls(&"192.168.1.10:8080".parse().unwrap()));
}

/// The INSi reached over TLS (as in production, where it is HTTPS): the
/// client trusts the authorities of `ESCULAPE_INSI_CA` only; a service
/// certified by another authority is refused in French.
#[tokio::test]
async fn the_insi_is_reached_over_tls_with_its_trust_store() {
    use esculape_host::insi::{Appelant, InsiClient, InsiConfig};
    use esculape_transport::essai::AutoriteDeTest;
    let ca = AutoriteDeTest::nouvelle("IGC de test").unwrap();
    let emis = ca.emettre(&["localhost".into()]).unwrap();
    let cert = CertificatServeur::depuis_pem(
        emis.certificat_pem.as_bytes(),
        emis.cle_pem.as_bytes(),
        "insi",
    )
    .unwrap();
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(esculape_host::serveur::servir_routeur_tls(
        esculape_sandbox::router(std::sync::Arc::new(Default::default())),
        l,
        cert.config().unwrap(),
        std::future::pending(),
    ));
    let dir = tempfile::tempdir().unwrap();
    let magasin = dir.path().join("igc.pem");
    std::fs::write(&magasin, ca.certificat_pem()).unwrap();
    let client = |autorites| {
        InsiClient::new(InsiConfig {
            url: format!("https://localhost:{port}/insi"),
            lecteur: None,
            autorites,
            ..InsiConfig::from_env()
        })
    };
    let recherche = recherche_de_test();
    let r = client(Some(magasin.clone()))
        .rechercher(&Appelant::default(), &recherche)
        .await;
    assert!(r.is_ok(), "{r:?}");
    // Another authority's store: refused, said in French.
    let autre = AutoriteDeTest::nouvelle("autre").unwrap();
    let faux = dir.path().join("autre.pem");
    std::fs::write(&faux, autre.certificat_pem()).unwrap();
    let e = client(Some(faux))
        .rechercher(&Appelant::default(), &recherche)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("autorité"), "{e}");
    // No store at all: nothing trusted over HTTPS, and said what to set.
    let e = client(None)
        .rechercher(&Appelant::default(), &recherche)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("ESCULAPE_INSI_CA"), "{e}");
    // An unreadable store is said, not ignored.
    let e = client(Some(dir.path().join("absent.pem")))
        .rechercher(&Appelant::default(), &recherche)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("magasin de confiance"), "{e}");
}

/// Mutual TLS towards a service that requires the structure's certificate
/// (as the live INSi does): configured as a PKCS#12 file, it opens the
/// service; without it, or expired, the user is told why in French.
#[tokio::test]
async fn the_insi_gets_the_structure_certificate_when_it_asks_for_one() {
    use esculape_host::insi::{Appelant, InsiClient, InsiConfig};
    use esculape_transport::essai::AutoriteDeTest;
    use esculape_transport::identite::{Emplacement, maintenant};
    let ca = AutoriteDeTest::nouvelle("IGC-Santé de test").unwrap();
    let emis = ca.emettre(&["localhost".into()]).unwrap();
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(esculape_host::serveur::servir_routeur_tls(
        esculape_sandbox::router(std::sync::Arc::new(Default::default())),
        l,
        std::sync::Arc::new(ca.config_serveur_mutuel(&emis).unwrap()),
        std::future::pending(),
    ));
    let dir = tempfile::tempdir().unwrap();
    let magasin = dir.path().join("igc.pem");
    std::fs::write(&magasin, ca.certificat_pem()).unwrap();
    let ecrire = |nom: &str, debut: i64, fin: i64| {
        let e = ca.emettre_client("Cabinet du Parc", debut, fin).unwrap();
        let chemin = dir.path().join(nom);
        std::fs::write(&chemin, format!("{}{}", e.certificat_pem, e.cle_pem)).unwrap();
        chemin
    };
    let now = maintenant();
    let valide = ecrire("structure.pem", now - 86_400, now + 200 * 86_400);
    let expire = ecrire("ancien.pem", now - 400 * 86_400, now - 86_400);
    let client = |certificat: Option<std::path::PathBuf>| {
        InsiClient::new(InsiConfig {
            url: format!("https://localhost:{port}/insi"),
            lecteur: None,
            autorites: Some(magasin.clone()),
            certificat: certificat.map(|chemin| Emplacement {
                chemin,
                cle: None,
                mot_de_passe: None,
            }),
            ..InsiConfig::from_env()
        })
    };
    let recherche = recherche_de_test();
    let avec = client(Some(valide));
    let c = avec.certificat().unwrap_or_default().to_string();
    assert!(
        c.contains("Cabinet du Parc") && c.contains("valable jusqu'au"),
        "{c}"
    );
    let r = avec.rechercher(&Appelant::default(), &recherche).await;
    assert!(r.is_ok(), "{r:?}");
    let e = client(None)
        .rechercher(&Appelant::default(), &recherche)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("exige le certificat de la structure"), "{e}");
    let e = client(Some(expire))
        .rechercher(&Appelant::default(), &recherche)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("expiré depuis le"), "{e}");
}

/// A query the sandbox answers (one of the INSi contract's test persons).
fn recherche_de_test() -> esculape_insi::Recherche {
    esculape_insi::Recherche::Traits(esculape_insi::Traits {
        nom_naissance: "ADRTROIS".into(),
        prenoms: vec!["DOMINIQUE".into()],
        sexe: "F".into(),
        date_naissance: "1997-02-26".into(),
        lieu_naissance: None,
    })
}
