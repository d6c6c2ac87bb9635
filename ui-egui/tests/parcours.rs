//! The client against a real host (HTTP on a local port, SQLite, the INS
//! plugin, the INSi sandbox), driven through its accessibility tree with
//! egui_kittest: widgets are found by their label, typed into, clicked.

mod hote;

mod commun;

use commun::{Client, cliquer, cliquer_a, cliquer_nieme, glisser, jusqua, saisir, visible};
use egui_kittest::kittest::{NodeT, Queryable};

fn client(h: &hote::Hote) -> Client {
    commun::client(&h.url)
}

fn connecter(c: &mut Client, (login, password): (&str, &str)) {
    // Settled first: the Pro Santé Connect card appears above once the
    // host said it signs in with PSC, and a click sent while it appears
    // goes to a button that moved (a lost click on a loaded CI machine).
    jusqua(c, "l'écran de connexion", |c| {
        visible(c, "Identifiant") && !c.state().busy()
    });
    saisir(c, "Identifiant", login);
    saisir(c, "Mot de passe", password);
    cliquer(c, "Se connecter");
    jusqua(c, "l'écran principal", |c| {
        c.query_by_label("Rechercher un patient").is_some()
    });
}

fn ouvrir_patient(c: &mut Client) {
    saisir(c, "Rechercher un patient", "mart ana 1975");
    jusqua(c, "le patient dans les résultats", |c| {
        visible(c, "MARTINEZ ANA")
    });
    c.get_by_label_contains("MARTINEZ ANA").click_accesskit();
    jusqua(c, "le dossier", |c| {
        visible(c, "Nom de naissance : MARTINEZ")
    });
}

#[test]
fn search_open_see_status_compare_with_insi_validate_write_an_encounter_set_dmp_decisions() {
    let h = hote::demarrer();
    let mut c = client(&h);
    connecter(&mut c, hote::MEDECIN);
    // The site of work, chosen after login (the practice has one).
    jusqua(&mut c, "le site de travail", |c| {
        c.query_by_label("Site de travail")
            .and_then(|n| n.accesskit_node().value().map(|v| v.to_string()))
            .as_deref()
            == Some("Site principal")
    });
    ouvrir_patient(&mut c);
    // The DICA without a click: none of the four conditions of access to
    // the DMP is met yet (the DMP itself is not asked).
    jusqua(&mut c, "le DICA", |c| {
        visible(c, "DMP : 4 conditions manquantes")
    });
    // so the DMP's documents are not offered for a click that would be
    // refused, and why is said
    assert!(visible(
        &c,
        "Consultation impossible pour l'instant : DMP accessible"
    ));
    assert!(
        c.get_by_label_contains("Consulter le DMP")
            .accesskit_node()
            .is_disabled()
    );

    // The status is in the header without a click; its advice comes after
    // a second of hovering.
    let badge = c.get_by_label("Identité provisoire");
    badge.hover();
    c.step();
    assert!(!visible(&c, "Pour qualifier l'identité"));
    c.run_steps(90);
    assert!(visible(&c, "Pour qualifier l'identité"));

    // INSi comparison: the INSi knows her birth place.
    cliquer(&mut c, "Comparer avec l'INSi");
    jusqua(&mut c, "la comparaison", |c| {
        visible(c, "Comparaison avec l'INSi")
    });
    assert!(
        c.query_by_label("99134").is_some(),
        "lieu de naissance de l'INSi"
    );
    assert!(c.query_all_by_label("différent").next().is_some());
    assert!(
        c.query_all_by_label("identique").count() >= 3,
        "nom, prénoms, sexe, date identiques"
    );
    cliquer(&mut c, "Valider l'identité INSi");
    jusqua(&mut c, "l'identité récupérée", |c| {
        c.query_by_label("Identité récupérée").is_some()
    });
    assert!(visible(&c, "INS : "), "l'INS est affiché");

    // The INSi query asked in the background when the file opened is a
    // job the file lists, with its state; the list folds away again.
    jusqua(&mut c, "les travaux du dossier", |c| {
        visible(c, "Travaux en arrière-plan")
    });
    c.get_by_label_contains("Travaux en arrière-plan")
        .click_accesskit();
    jusqua(&mut c, "le travail INSi", |c| {
        visible(
            c,
            "Recherche de l'INS auprès de l'INSi (ouverture du dossier) — ",
        )
    });
    c.get_by_label_contains("Travaux en arrière-plan")
        .click_accesskit();
    jusqua(&mut c, "la liste repliée", |c| {
        !visible(c, "Recherche de l'INS auprès de l'INSi")
    });

    // A consultation written in the file.
    saisir(&mut c, "Motif", "Contrôle tensionnel");
    saisir(
        &mut c,
        "Note de consultation",
        "TA 13/8, poursuite du traitement.",
    );
    cliquer(&mut c, "Enregistrer la consultation");
    jusqua(&mut c, "la consultation enregistrée", |c| {
        visible(c, "Contrôle tensionnel : TA 13/8")
    });
    assert!(visible(&c, "Consultations (1)"));

    // A surgical antecedent added to the record; a bad date is refused
    // here, the typed label kept.
    cliquer(&mut c, "Ajouter au dossier");
    c.step();
    cliquer(&mut c, "Antécédent");
    c.step();
    saisir(&mut c, "Libellé", "Appendicectomie");
    cliquer(&mut c, "chirurgical");
    saisir(&mut c, "Date", "hier");
    cliquer(&mut c, "Ajouter");
    jusqua(&mut c, "le refus de la date", |c| visible(c, "date «hier»"));
    assert_eq!(
        c.get_by_label("Libellé").value().as_deref(),
        Some("Appendicectomie")
    );
    c.get_by_label("Date").focus();
    c.step();
    c.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    c.step();
    c.key_press(egui::Key::Backspace);
    c.step();
    cliquer(&mut c, "Ajouter");
    jusqua(&mut c, "l'antécédent au dossier", |c| {
        visible(c, "Appendicectomie (antécédent chirurgical)")
    });
    assert!(visible(&c, "Problèmes et antécédents (1)"));

    // An allergy added, then changed: the form comes back filled with it.
    cliquer(&mut c, "Allergie");
    c.step();
    saisir(&mut c, "Libellé", "Pénicilline");
    saisir(&mut c, "Réaction", "urticaire");
    cliquer(&mut c, "Ajouter");
    jusqua(&mut c, "l'allergie au dossier", |c| {
        visible(c, "Pénicilline : urticaire")
    });
    assert!(visible(&c, "Allergies (1)"));
    let modifier = c.query_all_by_label("Modifier").count();
    assert_eq!(modifier, 2, "one per entry");
    // The allergy's line is the second (sections in order).
    cliquer_nieme(&mut c, "Modifier", 1);
    jusqua(&mut c, "le formulaire de modification", |c| {
        c.query_by_label("Enregistrer la modification").is_some()
    });
    assert_eq!(
        c.get_by_label("Réaction").value().as_deref(),
        Some("urticaire")
    );
    saisir(&mut c, "Réaction", " géante");
    saisir(
        &mut c,
        "Motif de la modification",
        "précision de la réaction",
    );
    cliquer(&mut c, "Enregistrer la modification");
    jusqua(&mut c, "l'allergie modifiée", |c| {
        visible(c, "Pénicilline : urticaire géante")
    });
    assert!(visible(&c, "Allergies (1)"), "changed, not added");
    // Its history: what it said before, the change, who made it and why
    // (issue 17, finding 5).
    cliquer_nieme(&mut c, "Historique", 1);
    jusqua(&mut c, "l'historique de l'allergie", |c| {
        visible(c, "précision de la réaction")
    });
    assert_eq!(
        c.query_all_by_label("Pénicilline : urticaire").count(),
        1,
        "the version before, in the window"
    );
    assert!(visible(&c, "création") && visible(&c, "modification"));
    assert!(visible(&c, "Dr Claire Martin"), "the author by name");
    cliquer(&mut c, "Fermer l'historique");
    c.run_steps(2);
    assert!(!visible(&c, "précision de la réaction"));
    // Removed again (the host keeps it, marked).
    cliquer_nieme(&mut c, "Retirer", 1);
    jusqua(&mut c, "l'allergie retirée", |c| {
        visible(c, "Allergies (0)")
    });
    assert!(visible(&c, "Problèmes et antécédents (1)"));

    // The patient's DMP decisions for the care team: one click each.
    cliquer(&mut c, "Ouvrir un épisode de soins");
    jusqua(&mut c, "l'épisode", |c| {
        visible(c, "DMP (Suivi au cabinet)")
    });
    let selected = |c: &Client, label: &str| {
        c.get_by_label(label).accesskit_node().toggled() == Some(egui::accesskit::Toggled::True)
    };
    assert!(selected(&c, "autorisée") && selected(&c, "non autorisée"));
    cliquer(&mut c, "opposition");
    jusqua(&mut c, "l'opposition enregistrée", |c| {
        selected(c, "opposition")
    });
    cliquer(&mut c, "consentie");
    jusqua(&mut c, "le consentement enregistré", |c| {
        selected(c, "consentie")
    });
    // … which the DICA counts at once.
    jusqua(&mut c, "le DICA après le consentement", |c| {
        visible(c, "DMP : 3 conditions manquantes")
    });

    // A document: the type chosen, the form prefilled from the record
    // and completed, the preview, the sign-off; the list shows it.
    cliquer(&mut c, "Nouveau document");
    jusqua(&mut c, "les types de documents", |c| {
        visible(c, "Document non structuré")
    });
    c.get_by_label_contains("Document non structuré")
        .click_accesskit();
    jusqua(&mut c, "le formulaire", |c| {
        c.query_by_label("Valider et signer").is_some()
    });
    // Prefilled by the plugin: a consultation report.
    assert_eq!(
        c.get_by_label("Type de document *").value().as_deref(),
        Some("11488-4")
    );
    assert_eq!(
        c.get_by_label("Titre *").value().as_deref(),
        Some("Compte rendu de consultation")
    );
    saisir(&mut c, "Texte *", "Examen clinique normal.");
    cliquer(&mut c, "Aperçu");
    jusqua(&mut c, "l'aperçu", |c| {
        visible(c, "Aperçu prêt") || visible(c, "Refusé")
    });
    let refus = c
        .query_by_label_contains("Refusé")
        .and_then(|n| n.accesskit_node().value().map(|v| v.to_string()));
    assert!(refus.is_none(), "{refus:?}");
    assert!(visible(&c, "Documents (0)"), "rien d'enregistré à l'aperçu");
    cliquer(&mut c, "Valider et signer");
    jusqua(&mut c, "le document dans la liste", |c| {
        visible(c, "Documents (1)")
    });
    assert!(visible(&c, "Document signé et enregistré"));
    assert!(c.query_by_label("Produit ici").is_some());
    // Opened from the list: its PDF first, the structured content on
    // demand.
    // (below the fold of the file: brought into view first)
    c.get_by_label("Ouvrir").scroll_to_me();
    c.run_steps(3);
    let pages = |c: &Client| c.query_all_by_label("Page 1 / 1").count();
    // The signed document's PDF is drawn under the editor already.
    jusqua(&mut c, "le PDF signé dans la fenêtre", |c| pages(c) == 1);
    cliquer(&mut c, "Ouvrir");
    jusqua(&mut c, "le PDF du document", |c| visible(c, "PDF : "));
    // Its PDF first, page by page in the large viewer, in place of the
    // file (the editor's preview is gone with it).
    jusqua(&mut c, "la page du PDF dans la visionneuse", |c| {
        pages(c) == 1 && c.query_by_label("Page suivante").is_some()
    });
    assert!(c.query_by_label("Enregistrer la consultation").is_none());
    cliquer(&mut c, "Agrandir");
    jusqua(&mut c, "la page agrandie", |c| visible(c, "125 %"));
    let titres = |c: &Client| {
        c.query_all_by_label_contains("Compte rendu de consultation")
            .count()
    };
    let avant = titres(&c);
    c.get_by_label("Contenu structuré du document (CDA)")
        .scroll_to_me();
    c.run_steps(3);
    c.get_by_label("Contenu structuré du document (CDA)")
        .click();
    // An N1 carries only its title in the CDA (its body is the PDF).
    jusqua(&mut c, "le contenu structuré", |c| titres(c) > avant);

    cliquer(&mut c, "Fermer");
    c.run_steps(2);
    assert!(
        c.query_by_label("Contenu structuré du document (CDA)")
            .is_none()
    );

    // Corrected: the editor comes back with the form as signed (not a new
    // prefill), the sign-off stores version 2 and marks the first
    // superseded; a superseded version cannot be corrected again.
    c.get_by_label("Corriger").scroll_to_me();
    c.run_steps(3);
    cliquer(&mut c, "Corriger");
    jusqua(&mut c, "le formulaire signé", |c| {
        visible(
            c,
            "Correction de « Compte rendu de consultation » (nouvelle version)",
        ) && c.query_by_label("Texte *").is_some()
    });
    assert_eq!(
        c.get_by_label("Texte *").value().as_deref(),
        Some("Examen clinique normal.")
    );
    // No choice of type: only the form's title names it.
    let noms: Vec<String> = c
        .query_all_by_label_contains("Document non structuré")
        .filter_map(|n| n.accesskit_node().label().map(|l| l.to_string()))
        .collect();
    assert!(noms.len() <= 1, "a correction keeps the type: {noms:?}");
    saisir(&mut c, "Texte *", " Revoir dans 3 mois.");
    c.get_by_label("Valider et signer").scroll_to_me();
    c.run_steps(3);
    cliquer(&mut c, "Valider et signer");
    jusqua(&mut c, "la nouvelle version dans la liste", |c| {
        visible(c, "Documents (2)")
    });
    assert!(c.query_by_label("remplacé").is_some());
    assert_eq!(c.query_all_by_label("Corriger").count(), 1);
    // Signing again from the same form corrects the version just signed
    // (version 3), it does not add a duplicate document.
    jusqua(&mut c, "l'éditeur sur la version signée", |c| {
        visible(
            c,
            "Correction de « Compte rendu de consultation » (nouvelle version)",
        )
    });
    cliquer(&mut c, "Valider et signer");
    jusqua(&mut c, "la troisième version", |c| {
        visible(c, "Documents (3)")
    });
    assert_eq!(c.query_all_by_label("remplacé").count(), 2);
    assert_eq!(c.query_all_by_label("Corriger").count(), 1);

    // Sent by MSSanté to a correspondent (LGC.MDV.01): the doctor's own
    // address asked once, the recipient typed, the order queued (it
    // leaves in the doctor's name once signed in with PSC); no second
    // sending of it while it waits.
    c.get_by_label("Envoyer par MSSanté").scroll_to_me();
    c.run_steps(3);
    cliquer(&mut c, "Envoyer par MSSanté");
    jusqua(&mut c, "le panneau d'envoi", |c| {
        visible(c, "Indiquez l'adresse de votre boîte aux lettres MSSanté")
    });
    saisir(
        &mut c,
        "Votre adresse MSSanté",
        "claire.martin@medecin.mssante.fr",
    );
    cliquer(&mut c, "Enregistrer l'adresse");
    jusqua(&mut c, "les destinataires", |c| {
        c.query_by_label("Autres destinataires").is_some()
    });
    // Her identity is not qualified yet: no Mon espace santé address.
    assert!(visible(&c, "son INS doit être qualifiée"));
    saisir(
        &mut c,
        "Autres destinataires",
        "jeanne.cardio@medecin.mssante.fr",
    );
    saisir(&mut c, "Message", "Merci de la recevoir.");
    cliquer(&mut c, "Envoyer");
    jusqua(&mut c, "l'envoi mis en file", |c| {
        visible(c, "part par la messagerie sécurisée dès que possible")
    });
    jusqua(&mut c, "la liste relue", |c| {
        c.query_by_label("Envoyer par MSSanté").is_none()
    });

    // The TBB.INS.02 dashboard of this month: she was seen (the
    // encounter) and her identity is now récupérée.
    cliquer(&mut c, "Tableau de bord");
    jusqua(&mut c, "le tableau de bord", |c| {
        visible(c, "Nombre de patients uniques vus dans le mois")
    });
    jusqua(&mut c, "les chiffres du mois", |c| {
        c.query_all_by_value("100.0 %").next().is_some()
    });
    // and the structure's certificate as the proxy e-santé holds it,
    // with how long it is valid
    jusqua(&mut c, "le certificat de la structure", |c| {
        visible(c, "Proxy e-santé : certificat de la structure")
            && visible(c, "Cabinet du Parc")
            && visible(c, "valable jusqu'au")
    });
    assert!(
        c.query_by_label("DMP").is_some(),
        "le service atteint, nommé"
    );
    cliquer(&mut c, "Dossiers");
    c.step();

    // A child's file: the growth charts on the WHO standards (an adult's
    // file has none).
    assert!(c.query_by_label("Courbes de croissance (OMS)").is_none());
    let champ = c.get_by_label("Rechercher un patient");
    champ.focus();
    c.step();
    c.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    c.step();
    c.get_by_label("Rechercher un patient")
        .type_text("petit louis");
    c.step();
    jusqua(&mut c, "l'enfant dans les résultats", |c| {
        visible(c, "PETIT LOUIS")
    });
    // Keyboard only: the arrows move in the results, Enter opens.
    c.key_press(egui::Key::ArrowDown);
    c.step();
    c.key_press(egui::Key::ArrowUp);
    c.step();
    c.key_press(egui::Key::Enter);
    jusqua(&mut c, "les courbes de croissance", |c| {
        visible(
            c,
            "Courbes de l'OMS (normes de croissance de l'enfant, 2006)",
        )
    });
    assert!(visible(&c, "Périmètre crânien (cm)"));
    assert!(c.query_by_label("Courbes de croissance (OMS)").is_some());
    // The birth place by its name, from the COG referential.
    jusqua(&mut c, "le nom du lieu de naissance", |c| {
        visible(c, "lieu de naissance Paris (75056)")
    });

    // Aide > À propos: the technical version.
    cliquer(&mut c, "Aide");
    c.step();
    cliquer(&mut c, "À propos");
    jusqua(&mut c, "la version", |c| visible(c, "version technique"));
}

#[test]
fn a_photo_of_the_vaccine_box_fills_the_datamatrix_of_the_vaccination_note() {
    use esculape_datamatrix::exemple;
    let h = hote::demarrer();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("boite.jpg");
    std::fs::write(
        &photo,
        exemple::jpeg(&exemple::photo(exemple::GS1, 8, -12.0, 30)),
    )
    .unwrap();
    let sans_code = dir.path().join("mur.png");
    std::fs::write(&sans_code, exemple::sans_code()).unwrap();

    let mut c = client(&h);
    connecter(&mut c, hote::MEDECIN);
    ouvrir_patient(&mut c);
    cliquer(&mut c, "Nouveau document");
    jusqua(&mut c, "les types de documents", |c| {
        visible(c, "Note de vaccination")
    });
    c.get_by_label_contains("Note de vaccination")
        .click_accesskit();
    jusqua(&mut c, "le formulaire", |c| {
        c.query_by_label("Photo de la boîte").is_some()
    });
    let datamatrix = |c: &Client| {
        c.get_by_label("DataMatrix de la boîte (lecteur)")
            .value()
            .unwrap_or_default()
    };
    // A picture without a code: said in French, the field untouched.
    saisir(
        &mut c,
        "Photo de la boîte",
        &sans_code.display().to_string(),
    );
    cliquer(&mut c, "Lire la photo");
    jusqua(&mut c, "le refus", |c| {
        visible(c, "aucun DataMatrix lisible")
    });
    assert_eq!(datamatrix(&c), "");
    // The photo of the box dropped on the window: the field holds what a
    // 2D reader would type.
    #[derive(Debug)]
    struct Deposee(std::path::PathBuf);
    impl egui::DroppedFile for Deposee {
        fn path(&self) -> &std::path::Path {
            &self.0
        }
        fn bytes(&self) -> Result<Vec<u8>, String> {
            std::fs::read(&self.0).map_err(|e| e.to_string())
        }
    }
    c.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Deposee(photo.clone())));
    c.step();
    jusqua(&mut c, "le DataMatrix lu", |c| {
        datamatrix(c) == exemple::GS1
    });
    assert!(!visible(&c, "aucun DataMatrix lisible"));
    assert_eq!(
        c.get_by_label("Photo de la boîte").value().as_deref(),
        Some(photo.display().to_string().as_str())
    );
}

#[test]
fn with_a_slow_insi_the_window_keeps_answering() {
    let h = hote::demarrer();
    // The ANS scenario LGC.DMP/UX.10.01 runs with 3 s of latency.
    h.latence_insi(3000);
    let mut c = client(&h);
    connecter(&mut c, hote::MEDECIN);
    // Without an open file, the agenda's fields keep the focus (the search
    // field does not take it back).
    cliquer(&mut c, "Agenda");
    jusqua(&mut c, "l'agenda", |c| visible(c, "Nouveau rendez-vous"));
    saisir(&mut c, "Motif du rendez-vous", "Vaccin");
    c.run_steps(5);
    assert_eq!(
        c.get_by_label("Motif du rendez-vous").value().as_deref(),
        Some("Vaccin")
    );
    cliquer(&mut c, "Dossiers");
    c.step();
    ouvrir_patient(&mut c);
    cliquer(&mut c, "Comparer avec l'INSi");
    jusqua(&mut c, "l'attente de l'INSi", |c| {
        visible(c, "Interrogation de l'INSi")
    });
    // While the INSi is out, the user searches again and gets answers.
    saisir(&mut c, "Rechercher un patient", " nobody");
    jusqua(&mut c, "la réponse de la recherche", |c| {
        visible(c, "Aucun patient trouvé")
    });
    assert!(
        visible(&c, "Interrogation de l'INSi"),
        "la recherche a répondu pendant l'attente de l'INSi"
    );
    let typed = c
        .get_by_label("Rechercher un patient")
        .value()
        .unwrap_or_default();
    assert!(typed.ends_with("nobody"), "{typed}");
    jusqua(&mut c, "la comparaison", |c| {
        visible(c, "Comparaison avec l'INSi")
    });
}

#[test]
fn with_a_slow_dmp_the_chart_opens_and_keeps_answering_then_the_dica_arrives() {
    let h = hote::demarrer_avec_patient_qualifie();
    // LGC.DMP/UX.10: the DMP answering in 3 s blocks nothing.
    h.latence_dmp(3000);
    let mut c = client(&h);
    connecter(&mut c, hote::MEDECIN);
    saisir(&mut c, "Rechercher un patient", "adrtrois dominique");
    jusqua(&mut c, "la patiente", |c| visible(c, "ADRTROIS DOMINIQUE"));
    c.get_by_label_contains("ADRTROIS DOMINIQUE")
        .click_accesskit();
    jusqua(&mut c, "le dossier", |c| {
        visible(c, "Nom de naissance : ADRTROIS")
    });
    // the DMP is being asked: the badge says so, the chart is usable
    assert!(visible(&c, "DMP…"), "le DICA attend le DMP");
    saisir(&mut c, "Motif", "Renouvellement");
    c.run_steps(5);
    assert_eq!(
        c.get_by_label("Motif").value().as_deref(),
        Some("Renouvellement")
    );
    assert!(visible(&c, "DMP…"), "saisi pendant l'attente du DMP");
    // then the answer: an open DMP, only PSC missing
    jusqua(&mut c, "le DICA", |c| {
        visible(c, "DMP : 1 condition manquante")
    });
}

#[test]
fn a_wrong_password_is_refused_the_secretary_sees_no_record_books_appointments_a_failing_insi_is_said()
 {
    let h = hote::demarrer();
    let mut c = client(&h);
    jusqua(&mut c, "l'écran de connexion", |c| {
        visible(c, "Identifiant")
    });
    saisir(&mut c, "Identifiant", "dr.martin");
    saisir(&mut c, "Mot de passe", "pas le bon");
    cliquer(&mut c, "Se connecter");
    jusqua(&mut c, "le refus", |c| visible(c, "Connexion refusée"));
    // What was typed stays.
    assert_eq!(
        c.get_by_label("Identifiant").value().as_deref(),
        Some("dr.martin")
    );

    let mut c = client(&h);
    connecter(&mut c, hote::SECRETAIRE);
    ouvrir_patient(&mut c);
    assert!(c.query_by_label("Identité provisoire").is_some());
    assert!(visible(&c, "réservés aux professionnels de santé"));
    assert!(c.query_by_label("Enregistrer la consultation").is_none());

    // She finds the patient's doctor at the health centre in the Annuaire
    // Santé: two doctors of that name, told apart; the address of the
    // centre kept in the care team.
    assert!(visible(&c, "Équipe de soins (0)"));
    cliquer(&mut c, "Chercher un correspondant");
    jusqua(&mut c, "le formulaire de l'annuaire", |c| {
        c.query_by_label("Nom").is_some()
    });
    saisir(&mut c, "Nom", "martin");
    saisir(&mut c, "Prénom", "sophie");
    // Enter in a criterion starts the search, as the button does
    c.key_press(egui::Key::Enter);
    c.step();
    jusqua(&mut c, "les deux Sophie Martin", |c| {
        visible(c, "RPPS 10003456789") && visible(c, "RPPS 10004567891")
    });
    assert!(visible(&c, "Cardiologie et Maladies vasculaires"));
    saisir(
        &mut c,
        "Relation avec le patient",
        "médecin du centre de santé",
    );
    cliquer(
        &mut c,
        "Ajouter à l'équipe de soins : s.martin@cds-gratte-ciel.mssante.fr",
    );
    jusqua(&mut c, "l'équipe de soins", |c| {
        visible(c, "Équipe de soins (1)") && visible(c, "fait partie de l'équipe de soins")
    });
    assert!(visible(&c, "s.martin@cds-gratte-ciel.mssante.fr"));

    // The secretariat books her an appointment, refuses a double booking,
    // marks her arrived, moves and cancels.
    cliquer(&mut c, "Agenda");
    let choisi = |c: &Client, combo: &str| {
        c.query_by_label(combo)
            .and_then(|n| n.accesskit_node().value().map(|v| v.to_string()))
    };
    jusqua(&mut c, "l'agenda", |c| {
        choisi(c, "Praticien").as_deref() == Some("Dr Claire Martin")
            && choisi(c, "Site").as_deref() == Some("Site principal")
    });
    assert!(visible(&c, "Patient : MARTINEZ ANA"));
    let motif = c.get_by_label("Motif du rendez-vous");
    motif.focus();
    c.step();
    c.get_by_label("Motif du rendez-vous")
        .type_text("Renouvellement");
    c.step();
    cliquer(&mut c, "Réserver");
    jusqua(&mut c, "le rendez-vous", |c| {
        visible(c, "09:00–09:15 MARTINEZ ANA — Renouvellement (prévu)")
    });
    cliquer(&mut c, "Réserver");
    jusqua(&mut c, "le refus de la double réservation", |c| {
        visible(c, "déjà un rendez-vous")
    });
    cliquer(&mut c, "+15 min");
    jusqua(&mut c, "le rendez-vous déplacé", |c| {
        visible(c, "09:15–09:30 MARTINEZ ANA")
    });
    cliquer(&mut c, "Arrivé");
    jusqua(&mut c, "la salle d'attente", |c| {
        visible(c, "09:15 — MARTINEZ ANA (arrivé)") && visible(c, "(en salle d'attente)")
    });
    // Only a planned appointment moves.
    assert!(c.query_by_label("+15 min").is_none());
    cliquer(&mut c, "Annuler");
    jusqua(&mut c, "le rendez-vous annulé", |c| visible(c, "(annulé)"));
    cliquer(&mut c, "Dossiers");
    c.step();

    // The INSi is down: said in French, with the link to the ANS météo
    // des services (SC.STAPP.01); the file stays open.
    h.panne_insi();
    cliquer(&mut c, "Comparer avec l'INSi");
    jusqua(&mut c, "la panne", |c| {
        visible(c, "Service national en difficulté")
    });
    assert!(c.query_by_label("Voir la météo des services").is_some());
    assert!(visible(&c, "Interrogation de l'INSi impossible"));
    assert!(visible(&c, "Nom de naissance : MARTINEZ"));
}

#[test]
fn the_agenda_grid_books_a_clicked_slot_moves_a_dragged_block_and_the_keyboard_reaches_the_main_actions()
 {
    let h = hote::demarrer();
    let mut c = client(&h);
    connecter(&mut c, hote::MEDECIN);
    ouvrir_patient(&mut c);
    // Ctrl+N: the new consultation's reason has the keyboard.
    c.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::N);
    c.run_steps(3);
    assert!(c.get_by_label("Motif").is_focused(), "Ctrl+N");
    // Ctrl+G: the agenda; a click on 10:30 in the doctor's column fills
    // the form with that practitioner, day and time.
    c.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::G);
    jusqua(&mut c, "l'agenda", |c| visible(c, "Nouveau rendez-vous"));
    jusqua(&mut c, "la grille", |c| {
        c.query_by_label("Grille de l'agenda").is_some() && !c.state().busy()
    });
    // Tomorrow: 10:30 today may already be past (then it is no "next"
    // appointment), whatever the hour the test runs at.
    cliquer(&mut c, "Suivant");
    c.run_steps(3);
    jusqua(&mut c, "la grille du lendemain", |c| {
        c.query_by_label("Grille de l'agenda").is_some() && !c.state().busy()
    });
    c.run_steps(5);
    let heure = esculape_ui::agenda::HAUTEUR_HEURE;
    let grille = c.get_by_label("Grille de l'agenda").rect();
    // The grid opens on the morning: 10:30 is in view.
    let y = |h: f32| grille.top() + (h - esculape_ui::agenda::HEURE_DEBUT as f32) * heure;
    let x = grille.left() + 52.0 + 40.0;
    cliquer_a(&mut c, egui::pos2(x, y(10.5) + 3.0));
    c.run_steps(3);
    assert_eq!(c.get_by_label("Heure").value().as_deref(), Some("10:30"));
    saisir(&mut c, "Motif du rendez-vous", "Bilan");
    cliquer(&mut c, "Réserver");
    jusqua(&mut c, "le bloc du rendez-vous", |c| {
        visible(c, "10:30–10:45 MARTINEZ ANA — Bilan (prévu)")
    });
    // The banner knows her next appointment at once.
    jusqua(&mut c, "le prochain rendez-vous dans le bandeau", |c| {
        visible(c, "Prochain rendez-vous : ") && visible(c, "à 10:30")
    });
    // Dragged down by half an hour: moved to 11:00 by the host.
    c.run_steps(5);
    let bloc = c
        .query_all_by_label("10:30–10:45 MARTINEZ ANA — Bilan (prévu)")
        .find(|n| n.accesskit_node().role() == egui::accesskit::Role::Button)
        .expect("le bloc")
        .rect();
    glisser(&mut c, bloc.center(), egui::vec2(0.0, heure / 2.0));
    jusqua(&mut c, "le rendez-vous déplacé par glisser", |c| {
        visible(c, "11:00–11:15 MARTINEZ ANA — Bilan (prévu)")
    });
    // Its lower edge dragged down by a quarter hour: 30 minutes long.
    c.run_steps(5);
    let bloc = c
        .query_all_by_label("11:00–11:15 MARTINEZ ANA — Bilan (prévu)")
        .find(|n| n.accesskit_node().role() == egui::accesskit::Role::Button)
        .expect("le bloc déplacé")
        .rect();
    let bord = egui::pos2(bloc.center().x, bloc.bottom() - 2.0);
    glisser(&mut c, bord, egui::vec2(0.0, heure / 4.0));
    jusqua(&mut c, "le rendez-vous allongé", |c| {
        visible(c, "11:00–11:30 MARTINEZ ANA — Bilan (prévu)")
    });

    // Without the mouse: Tab reaches the block, Alt+↓ moves it a quarter
    // hour later, Alt+Maj+↑ shortens it by five minutes, Entrée chooses
    // it and hands the keyboard to its first action, which Entrée runs.
    let bloc = |c: &Client, l: &str| {
        c.query_all_by_label(l)
            .any(|n| n.accesskit_node().role() == egui::accesskit::Role::Button && n.is_focused())
    };
    let mut tabs = 0;
    while !bloc(&c, "11:00–11:30 MARTINEZ ANA — Bilan (prévu)") {
        tabs += 1;
        assert!(tabs < 80, "Tab n'atteint pas le rendez-vous");
        c.key_press(egui::Key::Tab);
        c.run_steps(1);
    }
    c.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowDown);
    jusqua(&mut c, "le rendez-vous déplacé au clavier", |c| {
        visible(c, "11:15–11:45 MARTINEZ ANA — Bilan (prévu)")
    });
    c.run_steps(3);
    assert!(
        bloc(&c, "11:15–11:45 MARTINEZ ANA — Bilan (prévu)"),
        "le bloc garde le clavier après le déplacement"
    );
    c.key_press_modifiers(
        egui::Modifiers::ALT | egui::Modifiers::SHIFT,
        egui::Key::ArrowUp,
    );
    jusqua(&mut c, "le rendez-vous raccourci au clavier", |c| {
        visible(c, "11:15–11:40 MARTINEZ ANA — Bilan (prévu)")
    });
    c.run_steps(3);
    c.key_press(egui::Key::Enter);
    c.run_steps(3);
    jusqua(&mut c, "l'action « Arrivé » au clavier", |c| {
        c.query_by_label("Arrivé").is_some_and(|n| n.is_focused())
    });
    c.key_press(egui::Key::Enter);
    jusqua(&mut c, "la patiente en salle d'attente", |c| {
        visible(c, "11:15–11:40 MARTINEZ ANA — Bilan (en salle d'attente)")
    });

    // The display: dark theme, text at 150 %; the screens keep working.
    cliquer(&mut c, "Affichage");
    c.run_steps(2);
    cliquer(&mut c, "Thème sombre");
    c.run_steps(2);
    assert!(c.ctx.global_style().visuals.dark_mode);
    if c.query_by_label("150 %").is_none() {
        cliquer(&mut c, "Affichage");
        c.run_steps(2);
    }
    cliquer(&mut c, "150 %");
    c.run_steps(3);
    assert_eq!(c.ctx.zoom_factor(), 1.5);
    c.key_press(egui::Key::Escape);
    c.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::P);
    jusqua(&mut c, "le dossier à 150 %", |c| {
        c.query_by_label("Enregistrer la consultation").is_some()
    });
    // Ctrl+F: back to the search field.
    c.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    c.run_steps(3);
    assert!(
        c.get_by_label("Rechercher un patient").is_focused(),
        "Ctrl+F"
    );
}

#[test]
fn a_doctor_signs_in_with_pro_sante_connect_in_the_browser_then_by_ciba() {
    let h = hote::demarrer();
    let api = esculape_ui::api::Api::new(&h.url).unwrap();
    // the tests' doctor, dr.martin (RPPS 10001234567), on PSC's page
    api.set_navigateur(hote::Hote::navigateur("810001234567"));
    let mut c = commun::client_de(api);
    jusqua(&mut c, "Pro Santé Connect proposé en premier", |c| {
        visible(c, "Se connecter avec Pro Santé Connect")
    });
    cliquer(&mut c, "Se connecter avec Pro Santé Connect");
    // first sign-in: the account to link, two activities to choose from
    jusqua(&mut c, "le choix du compte", |c| {
        visible(c, "Bienvenue, Dr CLAIRE MARTIN")
    });
    assert!(visible(&c, "Première connexion avec Pro Santé Connect"));
    assert!(visible(&c, "CENTRE DE SANTE DU CANAL"));
    assert!(
        !visible(&c, "Mot de passe"),
        "le mot de passe n'est pas demandé"
    );
    cliquer(&mut c, "CENTRE DE SANTE DU CANAL");
    cliquer(&mut c, "Lier et se connecter");
    jusqua(&mut c, "l'écran principal", |c| {
        c.query_by_label("Rechercher un patient").is_some()
    });
    cliquer(&mut c, "Se déconnecter");
    jusqua(&mut c, "l'écran de connexion", |c| {
        visible(c, "Se connecter avec Pro Santé Connect")
    });

    // without a browser: the national id, the two digits, the phone
    cliquer(
        &mut c,
        "Sans navigateur : valider sur ma carte ou mon téléphone",
    );
    jusqua(&mut c, "l'identifiant national", |c| {
        visible(c, "Identifiant national (8 suivi du RPPS)")
    });
    saisir(
        &mut c,
        "Identifiant national (8 suivi du RPPS)",
        "810001234567",
    );
    cliquer(&mut c, "Demander la validation");
    jusqua(&mut c, "le code à comparer", |c| {
        visible(c, "Code à comparer")
    });
    h.decider_ciba("810001234567", "accepter");
    jusqua(&mut c, "le choix de l'activité", |c| {
        visible(c, "Bienvenue, Dr CLAIRE MARTIN")
    });
    assert!(!visible(&c, "Première connexion"), "le compte est lié");
    cliquer(&mut c, "Se connecter");
    jusqua(&mut c, "l'écran principal", |c| {
        c.query_by_label("Rechercher un patient").is_some()
    });
}

#[test]
fn a_refused_validation_and_an_unknown_rpps_are_told_in_french() {
    let h = hote::demarrer();
    let api = esculape_ui::api::Api::new(&h.url).unwrap();
    // PSC's published example: a doctor without account here
    api.set_navigateur(hote::Hote::navigateur("899700366240"));
    let mut c = commun::client_de(api);
    jusqua(&mut c, "Pro Santé Connect", |c| {
        visible(c, "Se connecter avec Pro Santé Connect")
    });
    cliquer(&mut c, "Se connecter avec Pro Santé Connect");
    jusqua(&mut c, "le refus", |c| {
        visible(c, "aucun compte Esculape actif")
    });
    // the password is still there
    assert!(visible(&c, "Mot de passe"));
    cliquer(
        &mut c,
        "Sans navigateur : valider sur ma carte ou mon téléphone",
    );
    jusqua(&mut c, "l'identifiant national", |c| {
        visible(c, "Identifiant national (8 suivi du RPPS)")
    });
    saisir(
        &mut c,
        "Identifiant national (8 suivi du RPPS)",
        "810001234567",
    );
    cliquer(&mut c, "Demander la validation");
    jusqua(&mut c, "le code à comparer", |c| {
        visible(c, "Code à comparer")
    });
    // given up: a validation on the phone afterwards signs nobody in
    cliquer(&mut c, "Annuler la demande");
    jusqua(&mut c, "l'abandon", |c| {
        visible(c, "demande de validation abandonnée")
    });
    // the host was told (it stops the proxy's polling), not only the window
    jusqua(&mut c, "l'abandon dit au serveur", |_| {
        h.actions().iter().any(|a| a == "psc.annulation")
    });
    h.decider_ciba("810001234567", "accepter");
    let fin = std::time::Instant::now() + std::time::Duration::from_millis(2500);
    while std::time::Instant::now() < fin {
        c.step();
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!visible(&c, "Bienvenue, Dr CLAIRE MARTIN"));
    assert!(!visible(&c, "Code à comparer"));
    cliquer(&mut c, "Demander la validation");
    jusqua(&mut c, "le code à comparer", |c| {
        visible(c, "Code à comparer")
    });
    h.decider_ciba("810001234567", "refuser");
    jusqua(&mut c, "le refus sur le téléphone", |c| {
        visible(c, "refusée sur la carte CPS ou l'application e-CPS")
    });
}

#[test]
fn a_doctor_signed_in_by_password_is_offered_psc_in_one_click() {
    let h = hote::demarrer();
    let api = esculape_ui::api::Api::new(&h.url).unwrap();
    api.set_navigateur(hote::Hote::navigateur("810001234567"));
    let mut c = commun::client_de(api);
    jusqua(&mut c, "Pro Santé Connect proposé", |c| {
        visible(c, "Se connecter avec Pro Santé Connect")
    });
    connecter(&mut c, hote::MEDECIN);
    jusqua(&mut c, "l'incitation", |c| {
        visible(
            c,
            "le DMP, la messagerie sécurisée et l'INSi au nom du médecin demandent Pro Santé Connect",
        )
    });
    cliquer(&mut c, "Passer à Pro Santé Connect");
    jusqua(&mut c, "le choix du compte", |c| {
        visible(c, "Bienvenue, Dr CLAIRE MARTIN")
    });
    let avant = h.actions().iter().filter(|a| *a == "deconnexion").count();
    cliquer(&mut c, "Lier et se connecter");
    jusqua(&mut c, "la session Pro Santé Connect", |c| {
        !visible(c, "Connecté par mot de passe")
            && c.query_by_label("Rechercher un patient").is_some()
    });
    // the password session it replaces is ended, not left to time out
    jusqua(&mut c, "la session par mot de passe fermée", |_| {
        h.actions().iter().filter(|a| *a == "deconnexion").count() > avant
    });
}

/// A received document imported from its file into the open record: a
/// second copy refused in French; a newer version replaces it; the older
/// opened in the viewer says it was replaced and opens the version in
/// force in one click (SC.CDA/INT.18, VISU.02).
#[test]
fn a_received_document_is_imported_and_a_replaced_version_leads_to_the_newer() {
    let h = hote::demarrer();
    let kit = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/ans/cda-examples/IPS-FR_2024.01.xml");
    let ips = std::fs::read_to_string(&kit).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let v3 = dir.path().join("synthese-v3.xml");
    std::fs::write(
        &v3,
        ips.replacen(
            r#"<id root="1.2.250.1.213.1.1.1.51.2024.1.1"/>"#,
            r#"<id root="1.2.250.1.213.1.1.1.51.2024.1.3"/>"#,
            1,
        )
        .replacen(
            r#"<versionNumber value="2"/>"#,
            r#"<versionNumber value="3"/>"#,
            1,
        ),
    )
    .unwrap();
    let mut c = client(&h);
    connecter(&mut c, hote::MEDECIN);
    ouvrir_patient(&mut c);
    let champ = "Document reçu (CDA ou IHE_XDM.ZIP)";
    let importer = |c: &mut Client, fichier: &std::path::Path| {
        c.get_by_label(champ).scroll_to_me();
        c.run_steps(3);
        // a refused file's path stays in the field (to be corrected)
        c.get_by_label(champ).focus();
        c.step();
        c.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        c.step();
        c.key_press(egui::Key::Backspace);
        c.step();
        saisir(c, champ, &fichier.display().to_string());
        cliquer(c, "Importer");
    };
    importer(&mut c, &kit);
    jusqua(&mut c, "le document importé", |c| {
        visible(c, "Documents (1)")
    });
    assert!(visible(&c, "Document reçu enregistré au dossier"));
    // the same file again: refused, said in French
    importer(&mut c, &kit);
    jusqua(&mut c, "le refus", |c| {
        visible(c, "déjà présent dans le dossier")
    });
    assert!(visible(&c, "Documents (1)"));
    // a newer version
    importer(&mut c, &v3);
    jusqua(&mut c, "la nouvelle version", |c| {
        visible(c, "Documents (2)")
    });
    assert!(c.query_by_label("remplacé").is_some());
    // the older one (first of the list: same act date, older first once
    // reversed) says it was replaced, and leads to the newer
    cliquer_nieme(&mut c, "Ouvrir", 0);
    jusqua(&mut c, "l'annonce de la version plus récente", |c| {
        visible(c, "remplacé par une version plus récente")
    });
    cliquer(&mut c, "Ouvrir la version en vigueur");
    jusqua(&mut c, "la version en vigueur", |c| {
        !visible(c, "remplacé par une version plus récente") && visible(c, "Fermer")
    });
}

#[test]
fn two_glycaemias_from_two_laboratories_are_integrated_and_drawn_on_one_curve() {
    let h = hote::demarrer();
    let kit = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/ans/cda-examples/BIO-CR-BIO_2024.01_Glycémie mole.xml");
    let officiel = std::fs::read_to_string(&kit).unwrap();
    // the same report from another laboratory, later, in g/L
    let dir = tempfile::tempdir().unwrap();
    let en_grammes = dir.path().join("glycemie-g-l.xml");
    std::fs::write(
        &en_grammes,
        officiel
            .replace("Laboratoire des charmes", "Laboratoire du Parc")
            .replace(
                "1.2.250.1.213.1.1.1.55.2024.7",
                "1.2.250.1.213.1.1.1.55.2024.9",
            )
            .replace(r#"code="40193-5""#, r#"code="53049-3""#)
            .replace(
                r#"value="4.89" unit="mmol/L""#,
                r#"value="1.05" unit="g/L""#,
            )
            .replace("20140402", "20140702"),
    )
    .unwrap();
    let mut c = client(&h);
    connecter(&mut c, hote::MEDECIN);
    ouvrir_patient(&mut c);
    // the results come after the chart
    jusqua(&mut c, "la carte de biologie vide", |c| {
        visible(c, "Aucun résultat : importez un compte rendu")
    });
    let champ = "Document reçu (CDA ou IHE_XDM.ZIP)";
    for (i, f) in [kit.as_path(), en_grammes.as_path()]
        .into_iter()
        .enumerate()
    {
        c.get_by_label(champ).scroll_to_me();
        c.run_steps(3);
        saisir(&mut c, champ, &f.display().to_string());
        cliquer(&mut c, "Importer");
        // the report's results proposed beside the record, each checked
        jusqua(&mut c, "les propositions", |c| {
            visible(c, "Intégrer la sélection")
        });
        assert!(visible(&c, "Biologie — Glucose à jeun"));
        let bouton = c
            .query_all_by_label_contains("Intégrer la sélection")
            .next()
            .and_then(|n| n.accesskit_node().label().map(|l| l.to_string()))
            .unwrap();
        cliquer(&mut c, &bouton);
        jusqua(&mut c, "l'intégration", |c| {
            visible(c, "ajouté(s) au dossier")
        });
        let attendu = format!("Glycémie à jeun ({})", i + 1);
        jusqua(&mut c, "la ligne de l'analyse", |c| visible(c, &attendu));
    }
    // both reports wait to be seen; one is signed off
    jusqua(&mut c, "les documents à voir", |c| {
        visible(c, "Documents (2) · 2 à voir")
    });
    cliquer_nieme(&mut c, "Marquer vu", 0);
    jusqua(&mut c, "le visa", |c| {
        visible(c, "vu par Dr Claire Martin le")
    });
    assert!(visible(&c, "Documents (2) · 1 à voir"));
    // one curve, in the unit of the latest (g/L), the mmol/L result
    // converted by the JDV's factor, the JDV's warning beside it
    cliquer(&mut c, "Courbe : Glycémie à jeun");
    jusqua(&mut c, "la courbe", |c| visible(c, "Glycémie à jeun (g/L)"));
    assert!(visible(&c, "n'a pas été évaluée"));
    assert!(visible(&c, "facteur du JDV"));
    assert!(visible(&c, "Laboratoire du Parc"));
    assert!(visible(&c, "Laboratoire des charmes"));
    // a point leads to its report
    cliquer_nieme(&mut c, "Ouvrir le compte rendu", 0);
    jusqua(&mut c, "le compte rendu", |c| visible(c, "Fermer"));
    // back home: the report not yet seen waits there, and leads to the file
    cliquer(&mut c, "Fermer");
    jusqua(&mut c, "le dossier", |c| visible(c, "Fermer le dossier"));
    cliquer(&mut c, "Fermer le dossier");
    jusqua(&mut c, "l'accueil", |c| {
        visible(c, "Documents reçus à voir (1)")
    });
    cliquer(&mut c, "Ouvrir le dossier : MARTINEZ ANA");
    jusqua(&mut c, "le dossier rouvert", |c| {
        visible(c, "Documents (2) · 1 à voir")
    });
}

/// SC.DMP/HISTO.01: signed in with Pro Santé Connect, the doctor lists
/// the patient's DMP from the chart (in their name, through the proxy
/// e-santé) and adds a document another professional fed to the record
/// in one click; it is then « Déjà au dossier » and in the documents.
#[test]
fn a_doctor_signed_in_with_psc_adds_a_document_of_the_dmp_to_the_chart() {
    let h = hote::demarrer_avec_patient_qualifie();
    // the package's own CDA, for ADRTROIS DOMINIQUE (her INS)
    let cda = std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/testdata/dmp/messages/TD2.1-DocumentME2.xml"),
    )
    .unwrap()
    .trim_start_matches('\u{feff}')
    .replacen(
        r#"<id extension="207058575627097" root="1.2.250.1.213.1.4.10" />"#,
        r#"<id extension="297022A02077878" root="1.2.250.1.213.1.4.8" />"#,
        1,
    );
    h.deposer_dmp("297022A02077878", cda.into_bytes());
    let api = esculape_ui::api::Api::new(&h.url).unwrap();
    api.set_navigateur(hote::Hote::navigateur("810001234567"));
    let mut c = commun::client_de(api);
    jusqua(&mut c, "Pro Santé Connect", |c| {
        visible(c, "Se connecter avec Pro Santé Connect")
    });
    cliquer(&mut c, "Se connecter avec Pro Santé Connect");
    jusqua(&mut c, "le choix du compte", |c| {
        visible(c, "Bienvenue, Dr CLAIRE MARTIN")
    });
    cliquer(&mut c, "CENTRE DE SANTE DU CANAL");
    cliquer(&mut c, "Lier et se connecter");
    jusqua(&mut c, "l'écran principal", |c| {
        c.query_by_label("Rechercher un patient").is_some()
    });
    saisir(&mut c, "Rechercher un patient", "adrtrois dominique");
    jusqua(&mut c, "la patiente", |c| visible(c, "ADRTROIS DOMINIQUE"));
    c.get_by_label_contains("ADRTROIS DOMINIQUE")
        .click_accesskit();
    jusqua(&mut c, "le dossier", |c| {
        visible(c, "Nom de naissance : ADRTROIS")
    });
    assert!(visible(&c, "Documents (0)"));
    cliquer(&mut c, "Consulter le DMP");
    jusqua(&mut c, "la liste du DMP", |c| {
        visible(c, "Exemple de Document CDA R2 non Structure")
    });
    cliquer(&mut c, "Importer dans le dossier");
    jusqua(&mut c, "le document ajouté", |c| {
        visible(c, "Documents (1)")
    });
    assert!(visible(&c, "Document du DMP ajouté au dossier"));
    assert!(visible(&c, "Déjà au dossier"));
    assert!(
        !visible(&c, "Importer dans le dossier"),
        "plus rien à ajouter"
    );
}

/// SC.MSS/UX.31, LGC.MDV.06: a synthèse received by MSSanté whose patient
/// no INS finds waits on the doctor's home screen, from a professional;
/// the doctor finds the patient by her traits and files it, one click
/// each, and it joins the documents to see.
#[test]
fn a_received_message_without_ins_is_matched_by_traits_from_the_home_screen() {
    let h = hote::demarrer();
    let ips = std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/testdata/ans/cda-examples/IPS-FR_2024.01.xml"),
    )
    .unwrap()
    .replace(
        "1.2.250.1.213.1.1.1.51.2024.1",
        "1.2.250.1.213.1.1.1.51.2024.5",
    )
    .replace(
        r#"<id extension="279035121518989" root="1.2.250.1.213.1.4.10"/>"#,
        r#"<id extension="IPP-12" root="1.2.3.4.567.8.9.10"/>"#,
    )
    .replace("PAT-TROIS", "MARTINEZ")
    .replace("DOMINIQUE MARIE-LOUISE", "ANA")
    .replace("DOMINIQUE", "ANA")
    .replace("19790328", "19750819");
    h.message_recu(esculape_store::mss::NouveauMessage {
        adresse: "claire.martin@mss.esculape.test".into(),
        uidvalidity: 1,
        uid: 1,
        de: Some("urgences@chu.mssante.fr".into()),
        objet: "Synthèse de Mme Martinez".into(),
        provenance: esculape_api_types::documents::ProvenanceMessage::Professionnel,
        etat: esculape_api_types::documents::EtatMessage::ARapprocher,
        raison: "le document ne porte pas d'INS : patient à rapprocher par ses traits".into(),
        patient_id: None,
        document_id: None,
        cible_id: None,
        cda: Some(ips.into_bytes()),
    });
    let mut c = client(&h);
    connecter(&mut c, hote::MEDECIN);
    jusqua(&mut c, "la liste de travail MSSanté", |c| {
        visible(c, "Messagerie sécurisée : à traiter (1)") && !c.state().busy()
    });
    assert!(visible(&c, "Professionnel"));
    assert!(visible(&c, "Patient à rapprocher"));
    cliquer(
        &mut c,
        "Chercher le patient par ses traits : Synthèse de Mme Martinez",
    );
    let ranger =
        "Ranger au dossier de MARTINEZ ANA (né(e) le 19/08/1975) : Synthèse de Mme Martinez";
    jusqua(&mut c, "la patiente aux mêmes traits", |c| {
        visible(c, ranger)
    });
    cliquer(&mut c, ranger);
    jusqua(&mut c, "le document rangé", |c| {
        visible(c, "rangé au dossier choisi")
    });
    jusqua(&mut c, "la liste à jour", |c| {
        visible(c, "Messagerie sécurisée : à traiter (0)")
            && visible(c, "Documents reçus à voir (1)")
    });
}

/// Tab until the widget of that label has the keyboard (at most `n`).
fn tabuler_jusqua(c: &mut Client, label: &str, n: usize) {
    for _ in 0..n {
        if c.query_all_by_label(label).any(|w| w.is_focused()) {
            return;
        }
        c.key_press(egui::Key::Tab);
        c.run_steps(1);
    }
    panic!("Tab n'atteint pas « {label} » en {n} appuis");
}

/// Typed as the keyboard types: into the widget that has the focus.
fn taper(c: &mut Client, texte: &str) {
    c.event(egui::Event::Text(texte.into()));
    c.run_steps(1);
}

#[test]
fn a_doctor_works_without_the_mouse_from_login_to_a_saved_consultation() {
    let h = hote::demarrer();
    let mut c = client(&h);
    jusqua(&mut c, "l'écran de connexion", |c| {
        visible(c, "Identifiant") && !c.state().busy()
    });
    // The login's fields in order, then Entrée.
    tabuler_jusqua(&mut c, "Identifiant", 12);
    taper(&mut c, hote::MEDECIN.0);
    c.key_press(egui::Key::Tab);
    c.run_steps(1);
    assert!(
        c.get_by_label("Mot de passe").is_focused(),
        "après l'identifiant, le mot de passe"
    );
    taper(&mut c, hote::MEDECIN.1);
    c.key_press(egui::Key::Enter);
    jusqua(&mut c, "l'écran principal", |c| {
        c.query_by_label("Rechercher un patient").is_some()
    });
    // The search has the keyboard on arrival; ↓ and Entrée open a file.
    jusqua(&mut c, "la recherche prête à la frappe", |c| {
        c.get_by_label("Rechercher un patient").is_focused()
    });
    taper(&mut c, "mart ana 1975");
    jusqua(&mut c, "le patient dans les résultats", |c| {
        visible(c, "MARTINEZ ANA")
    });
    c.key_press(egui::Key::Enter);
    jusqua(&mut c, "le dossier", |c| {
        visible(c, "Nom de naissance : MARTINEZ")
    });
    // Ctrl+N, then the consultation's fields in their reading order.
    c.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::N);
    c.run_steps(3);
    assert!(c.get_by_label("Motif").is_focused(), "Ctrl+N");
    taper(&mut c, "Toux");
    for suivant in ["Histoire de la maladie", "Examen clinique"] {
        c.key_press(egui::Key::Tab);
        c.run_steps(1);
        assert!(
            c.get_by_label(suivant).is_focused(),
            "Tab après le champ précédent : « {suivant} »"
        );
    }
    taper(&mut c, "Auscultation normale");
    c.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    jusqua(&mut c, "la consultation enregistrée au clavier", |c| {
        visible(c, "Toux")
            && c.query_by_label("Motif")
                .is_some_and(|m| m.value().as_deref() == Some(""))
    });
    // Ctrl+D: the editor's document types, one Tab away, chosen by Entrée.
    c.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::D);
    jusqua(&mut c, "l'éditeur", |c| visible(c, "Fermer l'éditeur"));
}
