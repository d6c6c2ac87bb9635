//! Export and import of patient files (PORT/va1.01) as a zip of open JSON
//! and the original documents; the format is in `docs/export-format.md`.

use anyhow::Context;
use esculape_domain::document::DocumentFormat;
use esculape_store::portability::PatientExport;
use esculape_store::record::Chart;
use crate::App;
use esculape_store::Actor;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

pub const FORMAT: &str = "esculape-export";
pub const VERSION: u32 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub created_at: i64,
    pub generator: String,
    pub patients: Vec<String>,
}

fn extension(f: DocumentFormat) -> &'static str {
    match f {
        DocumentFormat::CdaN1 | DocumentFormat::CdaN3 => "xml",
        DocumentFormat::Pdf => "pdf",
        DocumentFormat::Texte => "txt",
        DocumentFormat::Image => "jpg",
    }
}

impl App {
/// Write the given patients (all when `ids` is None) to a zip at `path`
/// (0600); each patient's export is traced.
pub async fn exporter(
    &self,
    actor: &Actor,
    ids: Option<Vec<String>>,
    path: &Path,
    mut progress: impl FnMut(usize, usize),
) -> anyhow::Result<usize> {
    let store = &self.store;
    let ids = match ids {
        Some(ids) => ids,
        None => store.patient_ids().await?,
    };
    let file = esculape_store::prive::creer(path)
        .with_context(|| format!("création de {}", path.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (i, id) in ids.iter().enumerate() {
        let e = store.export_patient(actor, id).await?;
        zip.start_file(format!("patients/{id}/dossier.json"), opts)?;
        zip.write_all(&serde_json::to_vec_pretty(&e.chart)?)?;
        for d in &e.chart.documents {
            let name = format!("patients/{id}/documents/{}.{}", d.id, extension(d.format));
            zip.start_file(name, opts)?;
            zip.write_all(&e.contents[&d.id])?;
        }
        if !e.formulaires.is_empty() {
            zip.start_file(format!("patients/{id}/formulaires.json"), opts)?;
            zip.write_all(&serde_json::to_vec_pretty(&e.formulaires)?)?;
        }
        progress(i + 1, ids.len());
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        created_at: store.now(),
        generator: format!("Esculape {}", env!("CARGO_PKG_VERSION")),
        patients: ids.clone(),
    };
    zip.start_file("esculape-export.json", opts)?;
    zip.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
    zip.finish()?;
    Ok(ids.len())
}

/// Import every patient of an export zip; returns how many.
pub async fn importer(&self, actor: &Actor, path: &Path) -> anyhow::Result<usize> {
    let store = &self.store;
    let file =
        std::fs::File::open(path).with_context(|| format!("ouverture de {}", path.display()))?;
    let mut zip = zip::ZipArchive::new(file).context("ce fichier n'est pas une archive zip")?;
    let read = |zip: &mut zip::ZipArchive<std::fs::File>, name: &str| -> anyhow::Result<Vec<u8>> {
        let mut f = zip
            .by_name(name)
            .with_context(|| format!("«{name}» absent de l'export"))?;
        let mut buf = vec![];
        f.read_to_end(&mut buf)?;
        Ok(buf)
    };
    let manifest: Manifest = serde_json::from_slice(&read(&mut zip, "esculape-export.json")?)
        .context("manifeste illisible")?;
    if manifest.format != FORMAT || manifest.version != VERSION {
        anyhow::bail!(
            "format {} v{} non pris en charge (attendu {FORMAT} v{VERSION})",
            manifest.format,
            manifest.version
        );
    }
    for id in &manifest.patients {
        let chart: Chart =
            serde_json::from_slice(&read(&mut zip, &format!("patients/{id}/dossier.json"))?)
                .with_context(|| format!("dossier {id} illisible"))?;
        let mut contents = BTreeMap::new();
        for d in &chart.documents {
            let name = format!("patients/{id}/documents/{}.{}", d.id, extension(d.format));
            contents.insert(d.id.clone(), read(&mut zip, &name)?);
        }
        // Absent from exports without signed forms (and from older ones).
        let formulaires = match zip.by_name(&format!("patients/{id}/formulaires.json")) {
            Ok(mut f) => {
                let mut buf = vec![];
                f.read_to_end(&mut buf)?;
                serde_json::from_slice(&buf)
                    .with_context(|| format!("formulaires du dossier {id} illisibles"))?
            }
            Err(_) => BTreeMap::new(),
        };
        store
            .import_patient(
                actor,
                &PatientExport {
                    chart,
                    contents,
                    formulaires,
                },
            )
            .await
            .with_context(|| format!("import du patient {id}"))?;
    }
    Ok(manifest.patients.len())
}
}
