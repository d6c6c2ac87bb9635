//! `esculape-fuzz`: runs the fuzz targets for longer than the tests do
//! (`cargo xtask fuzz --minutes N`), or replays a kept input.
//!
//! esculape-fuzz [--minutes N] [--cible NOM] [--graine G]
//! esculape-fuzz --rejouer FICHIER --cible NOM

use anyhow::{Context, bail};
use esculape_fuzz::{cibles, executer, fuzzer, garder};
use std::time::Duration;

fn main() -> anyhow::Result<()> {
    let mut minutes = 1.0f64;
    let mut nom = None;
    let mut graine = None;
    let mut rejouer = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut valeur = || args.next().with_context(|| format!("{a}: valeur attendue"));
        match a.as_str() {
            "--minutes" => minutes = valeur()?.parse().context("--minutes")?,
            "--cible" => nom = Some(valeur()?),
            "--graine" => graine = Some(valeur()?.parse::<u64>().context("--graine")?),
            "--rejouer" => rejouer = Some(valeur()?),
            autre => bail!("argument inconnu: {autre}"),
        }
    }
    let toutes = cibles();
    let choisies: Vec<_> = toutes
        .iter()
        .filter(|c| nom.as_deref().is_none_or(|n| n == c.nom))
        .collect();
    if choisies.is_empty() {
        let noms: Vec<_> = toutes.iter().map(|c| c.nom).collect();
        bail!("cible inconnue; cibles: {}", noms.join(", "));
    }
    if let Some(fichier) = rejouer {
        let entree = std::fs::read(&fichier).with_context(|| fichier.clone())?;
        for c in choisies {
            let debut = std::time::Instant::now();
            match executer(c, &entree) {
                Ok(issue) => println!("{}: {issue} ({:?})", c.nom, debut.elapsed()),
                Err(panique) => bail!("{}: panique: {panique}", c.nom),
            }
        }
        return Ok(());
    }
    // the time is shared between the targets
    let duree = Duration::from_secs_f64(minutes * 60.0 / choisies.len() as f64);
    let graine = graine.unwrap_or_else(|| fastrand::u64(..));
    let mut paniques = 0;
    for c in choisies {
        let r = fuzzer(c, duree, graine);
        println!("{r}");
        if std::env::var_os("ESCULAPE_FUZZ_GARDER_LENTE").is_some() {
            let chemin = garder(&format!("{}-lente", c.nom), &r.entree_lente)?;
            println!("  entrée la plus lente: {}", chemin.display());
        }
        for p in &r.paniques {
            let chemin = garder(c.nom, &p.entree)?;
            println!(
                "  panique: {}\n  entrée gardée: {}",
                p.message,
                chemin.display()
            );
        }
        paniques += r.paniques.len();
    }
    if paniques > 0 {
        bail!("{paniques} panique(s)");
    }
    Ok(())
}
