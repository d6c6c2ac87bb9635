//! `cargo xtask cog-default`: rebuild the bundled COG referential
//! (`host/domain/data/cog-communes.tsv`) from the npm package
//! `@etalab/decoupage-administratif` (data under the Licence Ouverte;
//! package under MIT), fetched with `npm pack`.

use anyhow::{Context, bail};
use std::path::Path;
use std::process::Command;

pub const PACKAGE: &str = "@etalab/decoupage-administratif@6.0.0";

pub fn rebuild(root: &Path) -> anyhow::Result<()> {
    let tmp = std::env::temp_dir().join(format!("esculape-cog-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let status = Command::new("npm")
        .args(["pack", PACKAGE, "--silent"])
        .current_dir(&tmp)
        .status()
        .context("npm introuvable: il faut Node.js et npm pour reconstruire le COG")?;
    if !status.success() {
        bail!("npm pack {PACKAGE} a échoué");
    }
    let tgz = std::fs::read_dir(&tmp)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "tgz"))
        .context("archive npm absente")?;
    let status = Command::new("tar")
        .arg("xzf")
        .arg(&tgz)
        .current_dir(&tmp)
        .status()?;
    if !status.success() {
        bail!("tar xzf {} a échoué", tgz.display());
    }
    let json = std::fs::read_to_string(tmp.join("package/data/communes.json"))?;
    let communes: Vec<serde_json::Value> = serde_json::from_str(&json)?;
    let mut lines = Vec::with_capacity(communes.len());
    for c in &communes {
        let s = |k: &str| c[k].as_str().unwrap_or("").to_string();
        let kind = match s("type").as_str() {
            "commune-actuelle" => "commune",
            "commune-deleguee" => "deleguee",
            "commune-associee" => "associee",
            "arrondissement-municipal" => "arrondissement",
            other => bail!("type de commune inconnu «{other}»"),
        };
        let parent = match kind {
            "arrondissement" => s("commune"),
            "commune" => String::new(),
            _ => s("chefLieu"),
        };
        let former: Vec<&str> = c["anciensCodes"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let name = s("nom");
        if name.contains('\t') || name.contains('\n') {
            bail!("nom de commune inattendu «{name}»");
        }
        lines.push(format!(
            "{}\t{name}\t{kind}\t{parent}\t{}",
            s("code"),
            former.join(",")
        ));
    }
    lines.sort();
    let mut out = String::from(
        "# Communes (COG) bundled with Esculape: code, name, kind, the current commune it belongs to, former codes.\n\
         # Source: npm package @etalab/decoupage-administratif 6.0.0 (data: Etalab / INSEE, Licence Ouverte 2.0; package: MIT).\n\
         # Rebuilt by `cargo xtask cog-default`. No validity dates and no countries: see host/domain/src/cog.rs.\n",
    );
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    let dest = root.join("host/domain/data/cog-communes.tsv");
    std::fs::create_dir_all(dest.parent().context("dossier")?)?;
    std::fs::write(&dest, out)?;
    let _ = std::fs::remove_dir_all(&tmp);
    println!("{} écrit ({} communes)", dest.display(), communes.len());
    Ok(())
}
