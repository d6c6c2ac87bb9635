//! The client and a host over TLS (issue 17, finding 4): at the first
//! connection the window shows the fingerprint the host presents and pins
//! it at the user's word; then it talks to that host only, and a host with
//! another certificate is refused with a French message.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use esculape_transport::client::CERTIFICAT_INATTENDU;
use esculape_transport::serveur::CertificatServeur;
use esculape_ui::api::{Api, ApiError, Pending};
use esculape_ui::epingles::{Decision, PremiereConnexion};

fn attendre<T>(p: Pending<T>) -> Result<T, ApiError> {
    loop {
        if let Some(r) = p.poll() {
            return r;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// A host over TLS with a self-signed certificate: its URL and its
/// certificate's fingerprint.
fn hote_tls(rt: &tokio::runtime::Runtime, home: &std::path::Path) -> (String, String) {
    let g = CertificatServeur::auto_signe(&["localhost".into()]).unwrap();
    let cert =
        CertificatServeur::depuis_pem(g.certificat_pem.as_bytes(), g.cle_pem.as_bytes(), "t")
            .unwrap();
    let empreinte = cert.empreinte();
    let home = home.to_path_buf();
    let url = rt.block_on(async move {
        let state = esculape_host::serveur::etat(&home, false).await.unwrap();
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://localhost:{}", l.local_addr().unwrap().port());
        tokio::spawn(esculape_host::serveur::servir_tls(
            state,
            l,
            cert.config().unwrap(),
            std::future::pending(),
        ));
        url
    });
    (url, empreinte)
}

#[test]
fn the_first_connection_pins_the_host_and_another_one_is_refused() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let home = tempfile::tempdir().unwrap();
    let (url, empreinte) = hote_tls(&rt, home.path());
    let config = tempfile::tempdir().unwrap();
    // SAFETY: set before any thread of this test binary reads it.
    unsafe { std::env::set_var("ESCULAPE_EPINGLES", config.path().join("serveurs.json")) };

    // The window shows the fingerprint; the user compares and trusts it.
    let mut h = Harness::builder()
        .with_size(egui::vec2(900.0, 600.0))
        .build_ui_state(
            |ui, s: &mut (PremiereConnexion, Option<Decision>, bool)| {
                // The theme first, as the window installs it at start.
                if !std::mem::replace(&mut s.2, true) {
                    esculape_ui::theme::installer(ui.ctx(), Default::default());
                    return;
                }
                if let Some(d) = s.0.show(ui) {
                    s.1 = Some(d);
                }
            },
            (PremiereConnexion::new(url.clone()), None, false),
        );
    let debut = std::time::Instant::now();
    while !visible_h(&h, &empreinte) {
        assert!(debut.elapsed().as_secs() < 60, "empreinte jamais affichée");
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(15));
    }
    h.get_by_label("Les empreintes sont identiques : faire confiance")
        .click();
    h.run_steps(2);
    let api = match h.state_mut().1.take() {
        Some(Decision::Confiance(api)) => api,
        _ => panic!("pas de décision de confiance"),
    };
    assert_eq!(
        esculape_ui::epingles::epingle(&url).as_deref(),
        Some(empreinte.as_str()),
        "pinned for the next starts"
    );
    // That client talks to the host over TLS.
    let sante = attendre(api.health()).unwrap();
    assert!(!sante.version.is_empty());

    // Another host where the pinned one was (same address, another
    // certificate): refused before anything is sent, said in French.
    let autre_home = tempfile::tempdir().unwrap();
    let (autre_url, _) = hote_tls(&rt, autre_home.path());
    let trompe = Api::avec_empreinte(&autre_url, Some(&empreinte)).unwrap();
    let e = attendre(trompe.health()).unwrap_err();
    assert!(matches!(e, ApiError::Tls(_)), "{e:?}");
    let m = e.to_string();
    assert!(
        m.contains("connexion sécurisée refusée") && m.contains(CERTIFICAT_INATTENDU),
        "{m}"
    );
    // A host over HTTPS without a pinned fingerprint is not called at all.
    assert!(matches!(Api::new(&autre_url), Err(ApiError::Tls(_))));
}

fn visible_h<S>(h: &Harness<'_, S>, texte: &str) -> bool {
    h.query_all_by_label_contains(texte).next().is_some()
}
