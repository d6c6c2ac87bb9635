//! The look of the main screens, in both themes: the window rendered by
//! wgpu (Mesa's software renderer here, installed by `cargo xtask
//! setup`), compared with the pictures in `tests/snapshots/` with a pixel
//! tolerance. A change that alters the look fails here and shows its
//! picture beside the expected one (`*.new.png`, `*.diff.png`);
//! `UPDATE_SNAPSHOTS=1 cargo test -p esculape-ui --test apparence`
//! writes the new pictures, which the review then looks at.
//!
//! The client's clock is fixed and the host's data typed here, so that a
//! picture does not change with the day it is taken.

mod commun;
mod hote;

use commun::{jusqua, visible};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use esculape_api_types::domaine::agenda::NewAppointment;
use esculape_api_types::dossier::NouvelleConsultation;
use esculape_domain::calendar::{Day, LocalDateTime};
use esculape_domain::record::{Activity, EntryData, MeasureKind, NewEncounter};
use esculape_ui::EsculapeApp;
use esculape_ui::api::{Api, Pending};
use esculape_ui::theme::{Affichage, Theme};
use std::time::Duration;

/// 1 December 2026, 10:30 in Paris.
const MAINTENANT: i64 = 1_796_117_400_000;

type Fenetre = Harness<'static, EsculapeApp>;

fn fenetre(api: Api, theme: Theme) -> Fenetre {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 860.0))
        .wgpu()
        .build_ui_state(
            |ui, app: &mut EsculapeApp| {
                app.show(ui);
                // The same picture whatever the frame: no blinking caret.
                ui.ctx()
                    .all_styles_mut(|s| s.visuals.text_cursor.blink = false);
            },
            EsculapeApp::new(api).avec_affichage(Affichage { theme, taille: 1.0 }, None),
        );
    h.step();
    h
}

fn attendre<T>(p: Pending<T>) -> T {
    for _ in 0..2000 {
        if let Some(r) = p.poll() {
            return r.expect("réponse de l'hôte");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("l'hôte n'a pas répondu");
}

/// What a doctor's morning holds: the patient's record filled, three
/// appointments on the fixed day.
fn remplir(h: &hote::Hote) {
    let api = Api::new(&h.url).unwrap();
    attendre(api.login(hote::MEDECIN.0, hote::MEDECIN.1));
    let jour = Day::parse("2026-12-01").unwrap();
    let p = &h.patient;
    for e in [
        EntryData::Allergie {
            label: "Pénicilline".into(),
            code: None,
            reaction: Some("urticaire".into()),
            status: Activity::Actif,
        },
        EntryData::Traitement {
            label: "Amlodipine 5 mg".into(),
            code: None,
            posology: "1 cp le matin".into(),
            start: Day::parse("2024-03-01").unwrap(),
            end: None,
            long_term: true,
        },
        EntryData::Mesure {
            measure: MeasureKind::PressionSystolique,
            value: 142.0,
            date: Day::parse("2026-09-01").unwrap(),
            heure: None,
        },
        EntryData::Mesure {
            measure: MeasureKind::PressionSystolique,
            value: 131.0,
            date: jour,
            heure: None,
        },
    ] {
        attendre(api.add_entry(p, &e));
    }
    attendre(api.add_encounter(
        p,
        &NouvelleConsultation {
            episode_id: None,
            encounter: NewEncounter {
                date: Day::parse("2026-09-01").unwrap(),
                reason: Some("Hypertension artérielle".into()),
                note: "Introduction de l'amlodipine.".into(),
            },
        },
    ));
    let praticien = attendre(api.practitioners()).remove(0).id;
    let site = attendre(api.sites()).remove(0).id;
    for (h0, duree, patient, motif) in [
        (9 * 60, 15, None, "Renouvellement"),
        (11 * 60, 30, Some(p.clone()), "Suivi tensionnel"),
        (14 * 60 + 30, 20, None, "Certificat de sport"),
    ] {
        let start = LocalDateTime::at(jour, h0);
        attendre(api.book(&NewAppointment {
            practitioner_id: praticien.clone(),
            site_id: site.clone(),
            patient_id: patient,
            start,
            end: start.plus_minutes(duree),
            reason: Some(motif.into()),
        }));
    }
}

/// Frames until nothing is on its way (no spinner in the picture).
fn posee(c: &mut Fenetre) {
    jusqua(c, "l'écran au repos", |c| !c.state().busy());
    c.run_steps(4);
}

#[test]
fn the_main_screens_look_as_designed_in_both_themes() {
    esculape_ui::app::fixer_horloge(MAINTENANT);
    let h = hote::demarrer();
    remplir(&h);
    let mut ecarts = vec![];
    for (theme, nom) in [(Theme::Clair, "clair"), (Theme::Sombre, "sombre")] {
        // The login screen, on a host that is not there (its address in
        // the picture stays the same).
        let mut c = fenetre(Api::new("http://127.0.0.1:9").unwrap(), theme);
        jusqua(&mut c, "l'écran de connexion", |c| {
            visible(c, "Identifiant")
        });
        posee(&mut c);
        ecarts.push(c.try_snapshot(format!("connexion-{nom}")));

        let mut c = fenetre(Api::new(&h.url).unwrap(), theme);
        jusqua(&mut c, "l'écran de connexion", |c| {
            visible(c, "Identifiant")
        });
        commun::saisir(&mut c, "Identifiant", hote::MEDECIN.0);
        commun::saisir(&mut c, "Mot de passe", hote::MEDECIN.1);
        c.get_by_label("Se connecter").click();
        jusqua(&mut c, "l'écran principal", |c| {
            visible(c, "Aucun dossier ouvert")
        });
        commun::saisir(&mut c, "Rechercher un patient", "mart ana");
        jusqua(&mut c, "le patient", |c| visible(c, "MARTINEZ ANA"));
        c.get_by_label_contains("MARTINEZ ANA").click();
        // The INSi query of the file's opening is queued (this host runs
        // no job runner: it stays so, the picture stays the same).
        jusqua(&mut c, "le dossier et son prochain rendez-vous", |c| {
            visible(c, "Prochain rendez-vous : mar. 1 déc. à 11:00")
                && visible(c, "Travaux en arrière-plan : 1 en attente ou en cours")
        });
        posee(&mut c);
        ecarts.push(c.try_snapshot(format!("dossier-{nom}")));

        c.get_by_label("Agenda").click();
        jusqua(&mut c, "l'agenda", |c| {
            visible(c, "11:00–11:30 MARTINEZ ANA — Suivi tensionnel (prévu)")
        });
        posee(&mut c);
        ecarts.push(c.try_snapshot(format!("agenda-{nom}")));
    }
    sans_ecart(ecarts);
}

/// The first connection to a host over HTTPS: its certificate's
/// fingerprint to compare before trusting it.
#[test]
fn the_first_connection_screen_looks_as_designed_in_both_themes() {
    let mut ecarts = vec![];
    for (theme, nom) in [(Theme::Clair, "clair"), (Theme::Sombre, "sombre")] {
        let mut p = esculape_ui::epingles::PremiereConnexion::new("https://127.0.0.1:9".into());
        p.empreinte = Some(Ok("4F:1A:9C:02:DE:77:B3:58:0C:E1:42:9D:6B:F0:13:A8:\
             5E:C7:21:94:08:BB:3D:6F:E2:10:7A:C5:99:4B:D8:36"
            .into()));
        let mut c = Harness::builder()
            .with_size(egui::vec2(1280.0, 860.0))
            .wgpu()
            .build_ui_state(
                move |ui, (p, style): &mut (esculape_ui::epingles::PremiereConnexion, bool)| {
                    // The window's theme before its first drawing, as the
                    // client installs it.
                    if !std::mem::replace(style, true) {
                        esculape_ui::theme::installer(ui.ctx(), Affichage { theme, taille: 1.0 });
                        return;
                    }
                    let _ = p.show(ui);
                },
                (p, false),
            );
        c.run_steps(4);
        assert!(
            c.query_by_label("Les empreintes sont identiques : faire confiance")
                .is_some()
        );
        ecarts.push(c.try_snapshot(format!("premiere-connexion-{nom}")));
    }
    sans_ecart(ecarts);
}

/// The first start of a one-doctor install: the practice and the
/// doctor's account asked on one screen.
#[test]
fn the_first_start_screen_looks_as_designed_in_both_themes() {
    let home = tempfile::tempdir().unwrap();
    let hote = esculape_host::serveur::HoteEmbarque::demarrer(home.path().to_path_buf())
        .expect("hôte intégré");
    let mut ecarts = vec![];
    for (theme, nom) in [(Theme::Clair, "clair"), (Theme::Sombre, "sombre")] {
        let api = Api::new(&hote.url).unwrap();
        api.set_code_installation(hote.code_installation.clone());
        let mut c = fenetre(api, theme);
        jusqua(&mut c, "le premier démarrage", |c| {
            visible(c, "Premier démarrage")
        });
        posee(&mut c);
        ecarts.push(c.try_snapshot(format!("premier-demarrage-{nom}")));
    }
    sans_ecart(ecarts);
}

/// Every picture as expected, or all those that differ named.
fn sans_ecart<E: std::fmt::Display>(ecarts: Vec<Result<(), E>>) {
    let echecs: Vec<String> = ecarts
        .into_iter()
        .filter_map(|r| r.err().map(|e| e.to_string()))
        .collect();
    assert!(echecs.is_empty(), "{echecs:#?}");
}
