//! `cargo xtask new-plugin NAME`: a plugin crate that builds and whose test
//! passes, for either world. `check` proves it on every test run.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

pub fn new_plugin(root: &Path, name: &str, world: &str) -> anyhow::Result<PathBuf> {
    if !valid_name(name) {
        bail!("nom de module invalide «{name}»: lettres minuscules, chiffres et tirets");
    }
    let dir = root.join("plugins").join(name);
    if dir.exists() {
        bail!("{} existe déjà", dir.display());
    }
    let (cargo, lib, test) = match world {
        "document" => (DOC_CARGO, DOC_LIB, DOC_TEST),
        "identity" => (ID_CARGO, ID_LIB, ID_TEST),
        other => bail!("monde inconnu «{other}» (document ou identity)"),
    };
    let fill = |t: &str| {
        t.replace("{{name}}", name)
            .replace("{{ident}}", &name.replace('-', "_"))
    };
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::create_dir_all(dir.join("tests"))?;
    std::fs::write(dir.join("Cargo.toml"), fill(cargo))?;
    std::fs::write(dir.join("src/lib.rs"), fill(lib))?;
    std::fs::write(dir.join("tests/plugin.rs"), fill(test))?;
    Ok(dir)
}

/// Removes the scaffolded crate and restores Cargo.lock, even on failure.
struct Cleanup {
    dir: PathBuf,
    lock: PathBuf,
    lock_text: Option<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(text) = &self.lock_text {
            let _ = std::fs::write(&self.lock, text);
        }
    }
}

/// Scaffold a plugin of each world, run its tests, remove it.
pub fn check(root: &Path) -> anyhow::Result<crate::Counts> {
    let mut total = crate::Counts::default();
    for world in ["document", "identity"] {
        let name = format!("zz-gabarit-{world}");
        let lock = root.join("Cargo.lock");
        let _cleanup = Cleanup {
            dir: root.join("plugins").join(&name),
            lock_text: std::fs::read_to_string(&lock).ok(),
            lock,
        };
        new_plugin(root, &name, world)?;
        // Only the scaffold has a `plugin` test target; `--workspace` keeps
        // the main run's feature resolution (no heavy rebuild).
        let (counts, ok) = crate::cargo_test(root, &["test", "--workspace", "--test", "plugin"])
            .with_context(|| format!("tests du gabarit {world}"))?;
        if !ok || counts.failed > 0 || counts.passed == 0 {
            bail!("le module généré ({world}) ne passe pas ses tests");
        }
        total.passed += counts.passed;
    }
    Ok(total)
}

const DOC_CARGO: &str = r#"[package]
name = "esculape-plugin-{{name}}"
description = "Document type plugin {{name}}"
version = "0.1.0"
edition.workspace = true
rust-version.workspace = true
license.workspace = true
publish.workspace = true

[lib]
crate-type = ["cdylib", "rlib"]

# What the host reads to package, verify and grant this plugin.
[package.metadata.esculape]
id = "fr.esculape.{{name}}"
world = "document"
api = "^0.2"
capabilities = ["log", "clock", "record-read"]
profiles = []
description = "Nouveau type de document"

[dependencies]
esculape-sdk = { workspace = true, features = ["document"] }

[dev-dependencies]
esculape-sdk-testing.workspace = true
esculape-runtime.workspace = true
"#;

const DOC_LIB: &str = r#"//! A document type plugin.

use esculape_sdk::cda::from_host;
use esculape_sdk::document::esculape::host::types::{Coded, Error, FormValue};
use esculape_sdk::document::esculape::host::{clock, pdf, record_read};
use esculape_sdk::document::exports::esculape::plugin::document_type::{
    CdaLevel, Context, Description, Field, Guest, Produced, Received, ScalarKind,
};
use esculape_sdk::forme;
use esculape_sdk::helpers::xml_escape;

pub struct Plugin;

impl Guest for Plugin {
    fn describe() -> Description {
        let loinc = |code: &str, display: &str| Coded {
            code: code.into(),
            code_system: "2.16.840.1.113883.6.1".into(),
            code_system_name: Some("LOINC".into()),
            display: Some(display.into()),
        };
        Description {
            type_code: loinc("11488-4", "Note de consultation"),
            class_code: loinc("11488-4", "Note de consultation"),
            format_code: Coded {
                code: "urn:ihe:iti:xds-sd:pdf:2008".into(),
                code_system: "1.3.6.1.4.1.19376.1.2.3".into(),
                code_system_name: None,
                display: Some("PDF/A-1".into()),
            },
            template_ids: vec![],
            level: CdaLevel::N1,
            volet: "exemple".into(),
            title: "Note".into(),
        }
    }

    fn form_schema() -> Vec<Field> {
        vec![forme::champ("note", "Note", ScalarKind::LongText, true, None)]
    }

    fn prefill() -> Result<Vec<FormValue>, Error> {
        let patient = record_read::current_patient()?;
        Ok(vec![forme::valeur_texte(
            "note",
            format!("Patient {}", patient.traits.birth_name),
        )])
    }

    fn produce(ctx: Context, values: Vec<FormValue>) -> Result<Produced, Error> {
        let note = forme::texte(&values, "note")
            .ok_or_else(|| Error::InvalidInput("la note est obligatoire".into()))?;
        let now = clock::now()?;
        let cda = format!(
            "<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><id root=\"{}\"/><effectiveTime value=\"{}\"/><title>Note</title></ClinicalDocument>",
            xml_escape(&ctx.document_id),
            now.unix_millis
        );
        Ok(Produced {
            cda: cda.into_bytes(),
            layout: pdf::Layout {
                title: "Note".into(),
                author: ctx.author_family,
                blocks: vec![pdf::Block::Paragraph(note)],
            },
            notices: vec![],
            sharing: from_host::partage_normal(),
            record_updates: vec![],
        })
    }

    fn read(cda: Vec<u8>) -> Result<Received, Error> {
        // the shared reader: header, narrative, typed proposals
        esculape_sdk::lecture::recu(&cda, &["11488-4"])
    }
}

#[cfg(target_arch = "wasm32")]
esculape_sdk::document::export_document!(Plugin);
"#;

const DOC_TEST: &str = r#"//! The plugin, run in the real Esculape runtime.

use esculape_runtime::CallContext;
use esculape_sdk_testing::{Harness, JsonText, fixtures};
use std::sync::Arc;

#[test]
fn describes_prefills_and_produces() {
    let h = Harness::new();
    let info = h.install_crate("esculape-plugin-{{name}}").unwrap();
    let doc = h.runtime.document(&info.id).unwrap();
    assert_eq!(doc.describe().unwrap().type_code.code, "11488-4");
    let patient = CallContext::for_patient(Arc::new(fixtures::adult_corsican()));
    let values = doc.prefill(patient).unwrap();
    assert_eq!(values[0].json(), "\"Patient ADRTROIS\"");
    let schema = doc.form_schema().unwrap();
    assert_eq!(schema[0].key, "note");
}
"#;

const ID_CARGO: &str = r#"[package]
name = "esculape-plugin-{{name}}"
description = "Identity rules plugin {{name}}"
version = "0.1.0"
edition.workspace = true
rust-version.workspace = true
license.workspace = true
publish.workspace = true

[lib]
crate-type = ["cdylib", "rlib"]

[package.metadata.esculape]
id = "fr.esculape.{{name}}"
world = "identity"
api = "^0.2"
capabilities = ["log"]
profiles = []
description = "Règles d'identité"

[dependencies]
esculape-sdk = { workspace = true, features = ["identity"] }

[dev-dependencies]
esculape-sdk-testing.workspace = true
esculape-runtime.workspace = true
"#;

const ID_LIB: &str = r#"//! An identity rules plugin.

use esculape_sdk::identity::esculape::host::types::{
    Date, Error, IdentityAttributes, IdentityStatus, IdentityTraits, Ins,
};
use esculape_sdk::identity::exports::esculape::plugin::identity_rules::{
    Comparison, Guest, MatriculeCheck,
};

pub struct Plugin;

impl Guest for Plugin {
    fn normalize_traits(mut t: IdentityTraits) -> Result<IdentityTraits, Error> {
        t.birth_name = esculape_sdk::helpers::upper_without_accents(t.birth_name.trim());
        Ok(t)
    }

    fn check_matricule(m: String) -> Result<MatriculeCheck, Error> {
        Err(Error::InvalidInput(format!("non pris en charge: {m}")))
    }

    fn compute_status(_h: bool, _i: bool, _a: IdentityAttributes) -> IdentityStatus {
        IdentityStatus::Provisoire
    }

    fn compare(
        _l: IdentityTraits,
        _li: Option<Ins>,
        _r: IdentityTraits,
        _ri: Ins,
    ) -> Result<Comparison, Error> {
        Ok(Comparison { traits: vec![], automatic_recovery: false })
    }

    fn verification_due(_s: IdentityStatus, _i: Option<Ins>, _l: Option<Date>, _t: Date) -> bool {
        false
    }
}

#[cfg(target_arch = "wasm32")]
esculape_sdk::identity::export_identity!(Plugin);
"#;

const ID_TEST: &str = r#"//! The plugin, run in the real Esculape runtime.

use esculape_sdk_testing::{Harness, fixtures};

#[test]
fn normalises_birth_names() {
    let h = Harness::new();
    let info = h.install_crate("esculape-plugin-{{name}}").unwrap();
    let rules = h.runtime.identity(&info.id).unwrap();
    let mut traits = fixtures::adult_corsican().patient.traits;
    traits.birth_name = " Hélène ".into();
    assert_eq!(rules.normalize_traits(&traits).unwrap().birth_name, "HELENE");
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_templates_filled() {
        assert!(valid_name("note-libre"));
        assert!(!valid_name("Note"));
        assert!(!valid_name("../x"));
        let dir = tempfile_dir();
        std::fs::create_dir_all(dir.join("plugins")).unwrap();
        let made = new_plugin(&dir, "essai", "identity").unwrap();
        let cargo = std::fs::read_to_string(made.join("Cargo.toml")).unwrap();
        assert!(cargo.contains("name = \"esculape-plugin-essai\""));
        assert!(!cargo.contains("{{"));
        assert!(
            new_plugin(&dir, "essai", "identity").is_err(),
            "no overwrite"
        );
        assert!(new_plugin(&dir, "autre", "monde").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("xtask-scaffold-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }
}
