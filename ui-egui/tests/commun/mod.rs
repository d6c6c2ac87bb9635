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
        .query_all_by_label_contains("")
        .filter_map(|n| {
            let n = n.accesskit_node();
            n.value().or(n.label()).map(|v| v.to_string())
        })
        .collect();
    panic!("jamais affiché : {what}\nà l'écran : {shown:#?}");
}

pub fn saisir(c: &mut Client, label: &str, text: &str) {
    c.get_by_label(label).focus();
    c.step();
    c.get_by_label(label).type_text(text);
    c.step();
}

pub fn visible(c: &Client, text: &str) -> bool {
    c.query_all_by_label_contains(text).next().is_some()
}
