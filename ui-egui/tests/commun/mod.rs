//! What the client's kittest journeys share: a window on a host, waiting
//! for what the host answers, typing, looking.
#![allow(dead_code)]

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use esculape_ui::EsculapeApp;
use esculape_ui::api::Api;
use std::time::{Duration, Instant};

pub type Client = Harness<'static, EsculapeApp>;

/// The client window on the host at `url`.
pub fn client(url: &str) -> Client {
    client_de(Api::new(url).unwrap())
}

/// The window on this client of a host.
pub fn client_de(api: Api) -> Client {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 900.0))
        .build_ui_state(
            |ui, app: &mut EsculapeApp| app.show(ui),
            EsculapeApp::new(api),
        )
}

/// Frames until `pred` holds: the host answers on other threads. The
/// bound only stops a broken run; nothing is asserted on time.
pub fn jusqua(c: &mut Client, what: &str, pred: impl Fn(&Client) -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        c.step();
        if pred(c) {
            return;
        }
        std::thread::sleep(Duration::from_millis(15));
    }
    // What the window shows, to see why.
    let shown: Vec<String> = c
        .query_all_by(|_| true)
        .filter_map(|n| {
            let n = n.accesskit_node();
            n.label().or(n.value()).map(|v| v.to_string())
        })
        .collect();
    panic!("jamais affiché : {what}\nà l'écran : {shown:#?}");
}

pub fn saisir(c: &mut Client, label: &str, text: &str) {
    c.get_by_label(label).focus();
    c.step();
    jusqua(c, label, |c| c.query_by_label(label).is_some());
    c.get_by_label(label).type_text(text);
    c.step();
}

pub fn visible(c: &Client, text: &str) -> bool {
    c.query_all_by_label_contains(text).next().is_some()
}

/// Brings the widget into view (the chart and the agenda scroll), waits
/// for the scrolling to come to rest, then clicks it.
pub fn cliquer(c: &mut Client, label: &str) {
    cliquer_nieme(c, label, 0);
}

/// The same for the `n`-th widget of that label (from 0).
pub fn cliquer_nieme(c: &mut Client, label: &str, n: usize) {
    let ou = |c: &Client| c.query_all_by_label(label).nth(n).map(|w| w.rect());
    if let Some(w) = c.query_all_by_label(label).nth(n) {
        w.scroll_to_me();
    }
    // The scroll starts a frame or two later and glides: wait until the
    // widget has stayed put for a few frames.
    let (mut avant, mut immobile) = (None, 0);
    for i in 0..240 {
        c.step();
        let maintenant = ou(c);
        immobile = if maintenant.is_some() && maintenant == avant {
            immobile + 1
        } else {
            0
        };
        if i >= 6 && immobile >= 4 {
            break;
        }
        avant = maintenant;
    }
    // Clicked through the accessibility tree (as a keyboard or a screen
    // reader would): on a loaded machine a host answer can re-lay a list
    // out between reading a position and clicking there, and a pointer
    // click then lands on the neighbour.
    match c.query_all_by_label(label).nth(n) {
        Some(w) => w.click_accesskit(),
        None => panic!("pas de {n}e « {label} »"),
    }
}

/// The mouse pressed at `depart`, moved by `delta` in small steps, let go.
pub fn glisser(c: &mut Client, depart: egui::Pos2, delta: egui::Vec2) {
    c.hover_at(depart);
    c.step();
    c.drag_at(depart);
    c.step();
    for i in 1..=10 {
        c.hover_at(depart + delta * (i as f32 / 10.0));
        c.step();
    }
    c.drop_at(depart + delta);
    c.step();
}

/// A click of the mouse at `pos` (a place with no widget of its own: a
/// free slot of the agenda).
pub fn cliquer_a(c: &mut Client, pos: egui::Pos2) {
    c.hover_at(pos);
    for pressed in [true, false] {
        c.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    c.step();
}
