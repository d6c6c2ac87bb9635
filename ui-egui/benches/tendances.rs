//! Drawing biology curves (issue 20: « a trend chart of 20 analytes × 200
//! results draws a frame in under 16 ms »): 20 analyses of 200 results
//! each, every curve with its points' table, laid out and tessellated by
//! egui in one frame, headless (the CPU part of a frame; the GPU's share
//! is what `benches/images.rs` measures in the real window). The frame
//! times' percentiles are printed with their ratio to the 16 ms budget of
//! a 60 Hz screen. Nothing is asserted: a benchmark reports, the reader
//! judges.

use esculape_api_types::biologie::{PointBiologie, TendanceBiologie};
use esculape_domain::calendar::{Day, LocalDateTime};
use std::time::{Duration, Instant};

const ANALYSES: usize = 20;
const RESULTATS: usize = 200;
const IMAGES: usize = 200;
const BUDGET_MS: f64 = 16.0;

fn tendance(a: usize) -> TendanceBiologie {
    let debut = Day::parse("2020-01-06").expect("date");
    TendanceBiologie {
        code: format!("{}-{}", 10_000 + a, a % 10),
        nom: format!("Analyse {a}"),
        unite: "mmol/L".into(),
        comparabilite: Some(if a % 3 == 0 { 2 } else { 1 }),
        points: (0..RESULTATS)
            .map(|i| PointBiologie {
                resultat: format!("r{a}-{i}"),
                quand: LocalDateTime::at(Day::from_days(debut.days() + 7 * i as i64), 8 * 60),
                valeur: 5.0 + ((i * 7 + a) % 13) as f64 / 10.0,
                laboratoire: Some(if i % 2 == 0 { "Laboratoire A" } else { "Laboratoire B" }.into()),
                document: Some(format!("d{a}-{i}")),
                intervalle: Some("3.9 - 6.1 mmol/L".into()),
                anormal: i % 11 == 0,
                conversion: (i % 5 == 0).then(|| "1,05 g/L × 5,551 (facteur du JDV, 2345-7 → 14749-6)".into()),
            })
            .collect(),
        ecartes: Vec::new(),
        avertissements: vec![
            "Ces résultats ne sont pas nécessairement comparables d'un laboratoire à l'autre : vérifiez au moins les valeurs de référence.".into(),
        ],
        jdv: "extrait embarqué".into(),
    }
}

fn main() {
    // `cargo test --all-targets` runs bench targets too, without
    // `--bench`: nothing to measure then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let tendances: Vec<TendanceBiologie> = (0..ANALYSES).map(tendance).collect();
    let ctx = egui::Context::default();
    esculape_ui::theme::installer(&ctx, Default::default());
    let entree = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1280.0, 900.0),
        )),
        ..Default::default()
    };
    let mut temps: Vec<Duration> = Vec::with_capacity(IMAGES);
    for n in 0..IMAGES + 10 {
        let t0 = Instant::now();
        let sortie = ctx.run_ui(entree(), |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                for t in &tendances {
                    esculape_ui::biologie::courbe(ui, t);
                }
            });
        });
        let mut sortie = sortie;
        let primitives = ctx.tessellate(sortie.shapes, sortie.pixels_per_point);
        std::hint::black_box(primitives);
        // no painter here: the font atlas's updates are dropped
        sortie.textures_delta.clear();
        if n >= 10 {
            temps.push(t0.elapsed());
        }
    }
    temps.sort();
    let ms = |q: f64| temps[((temps.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;
    println!(
        "courbes de biologie, {ANALYSES} analyses × {RESULTATS} résultats, {IMAGES} images (sans GPU)"
    );
    for (nom, q) in [("médiane", 0.5), ("p95", 0.95), ("max", 1.0)] {
        let v = ms(q);
        println!(
            "  {nom:>7} : {v:6.2} ms  ({:.2} × le budget de {BUDGET_MS} ms)",
            v / BUDGET_MS
        );
    }
}
