//! A one-doctor install: the client starts its own host in-process on an
//! empty home (SQLite), asks for the practice and the doctor's account on
//! first start, signs the doctor in; the next start goes to the login.

mod commun;

use commun::{client, client_de, jusqua, saisir, visible};
use egui_kittest::kittest::{NodeT, Queryable};
use esculape_host::serveur::HoteEmbarque;
use esculape_ui::api::Api;

#[test]
fn first_start_creates_the_practice_then_the_next_start_asks_to_log_in() {
    let home = tempfile::tempdir().unwrap();
    let hote = HoteEmbarque::demarrer(home.path().to_path_buf()).expect("hôte intégré");
    // The window of this process, as `esculape-ui` opens it: it holds the
    // embedded host's one-time code.
    let api = Api::new(&hote.url).unwrap();
    api.set_code_installation(hote.code_installation.clone());
    let mut c = client_de(api);
    jusqua(&mut c, "le premier démarrage", |c| {
        visible(c, "Premier démarrage")
    });
    saisir(&mut c, "Nom du cabinet", "Cabinet du Parc");
    saisir(&mut c, "Adresse", "3 rue des Tilleuls, 69003 Lyon");
    saisir(&mut c, "Votre nom (Dr …)", "Dr Claire Dupont");
    saisir(&mut c, "RPPS", "10101010101");
    saisir(&mut c, "Identifiant", "dr.dupont");
    saisir(&mut c, "Mot de passe", "Tilleul-Argenté-42");
    // The confirmation not finished: said here, nothing sent, nothing
    // lost.
    saisir(&mut c, "Confirmation du mot de passe", "Tilleul-Argenté-4");
    c.get_by_label("Créer le cabinet").click();
    c.step();
    assert!(visible(&c, "les deux mots de passe diffèrent"));
    assert_eq!(
        c.get_by_label("Nom du cabinet").accesskit_node().value(),
        Some("Cabinet du Parc".into())
    );
    saisir(&mut c, "Confirmation du mot de passe", "2");
    c.get_by_label("Créer le cabinet").click();
    // Created, and the doctor is in, on the practice's site.
    jusqua(&mut c, "l'écran principal", |c| {
        c.query_by_label("Rechercher un patient").is_some()
    });
    jusqua(&mut c, "le site de travail", |c| {
        c.query_by_label("Site de travail")
            .and_then(|n| n.accesskit_node().value().map(|v| v.to_string()))
            .as_deref()
            == Some("Cabinet du Parc")
    });
    drop(c);
    drop(hote);

    // The next start on the same home: the practice is there, the window
    // asks to log in; the data survived the stop.
    let hote = HoteEmbarque::demarrer(home.path().to_path_buf()).expect("hôte intégré");
    let mut c = client(&hote.url);
    jusqua(&mut c, "l'écran de connexion", |c| {
        visible(c, "Se connecter")
    });
    c.run_steps(5);
    assert!(!visible(&c, "Premier démarrage"));
    saisir(&mut c, "Identifiant", "dr.dupont");
    saisir(&mut c, "Mot de passe", "Tilleul-Argenté-42");
    c.get_by_label("Se connecter").click();
    jusqua(&mut c, "l'écran principal", |c| {
        c.query_by_label("Rechercher un patient").is_some()
    });
    assert!(home.path().join("esculape.db").exists());
}
