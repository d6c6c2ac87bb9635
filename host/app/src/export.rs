//! Export and import of patient files (PORT/va1.01) as a zip of open JSON
//! and the original documents; the format is in `docs/export-format.md`.

use crate::App;
use esculape_domain::document::DocumentFormat;
use esculape_store::portability::PatientExport;
use esculape_store::record::Chart;
use esculape_store::{Actor, StoreError};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Largest entry of an export read, uncompressed: a document (20 MiB
/// through the API) or a patient's JSON. A zip bomb stops there.
pub const ENTREE_MAX: u64 = 32 * 1024 * 1024;

/// Why an export or an import did not go through, in French.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{}: {source}", chemin.display())]
    Fichier {
        chemin: PathBuf,
        source: std::io::Error,
    },
    #[error("archive zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Refused by the store (a rule, a patient already here), for this
    /// patient.
    #[error("patient {patient}: {source}")]
    Patient { patient: String, source: StoreError },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// What the file holds is not an export this version reads.
    #[error("export refusé: {0}")]
    Refus(String),
}

fn fichier(chemin: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Fichier {
        chemin: chemin.to_path_buf(),
        source,
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<Vec<u8>, ExportError> {
    serde_json::to_vec_pretty(v).map_err(|e| ExportError::Refus(format!("JSON: {e}")))
}

/// An entry of the archive, within [`ENTREE_MAX`] whatever its header
/// says (at most that much is decompressed); `None` when absent.
fn entree<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
) -> Result<Option<Vec<u8>>, ExportError> {
    let f = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let trop = |n: u64| {
        ExportError::Refus(format!(
            "«{name}» fait plus de {n} octets une fois décompressé ({} Mio au plus)",
            ENTREE_MAX / (1024 * 1024)
        ))
    };
    // Read, not taken from the header (which a crafted file sets).
    let mut buf = Vec::new();
    f.take(ENTREE_MAX + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ExportError::Refus(format!("«{name}» illisible: {e}")))?;
    if buf.len() as u64 > ENTREE_MAX {
        return Err(trop(buf.len() as u64));
    }
    Ok(Some(buf))
}

fn requise<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
) -> Result<Vec<u8>, ExportError> {
    entree(zip, name)?.ok_or_else(|| ExportError::Refus(format!("«{name}» absent de l'export")))
}

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
    /// Writes the given patients (all when `ids` is None) to a zip at
    /// `path` (0600); each patient's export is traced.
    pub async fn exporter(
        &self,
        actor: &Actor,
        ids: Option<Vec<String>>,
        path: &Path,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<usize, ExportError> {
        let store = &self.store;
        let ids = match ids {
            Some(ids) => ids,
            None => store.patient_ids().await?,
        };
        let file = esculape_store::prive::creer(path).map_err(fichier(path))?;
        let mut ecriture = EcritureExport::nouvelle(file);
        for (i, id) in ids.iter().enumerate() {
            let e = store.export_patient(actor, id).await?;
            ecriture.patient(&e).map_err(|e| match e {
                ExportError::Fichier { source, .. } => fichier(path)(source),
                e => e,
            })?;
            progress(i + 1, ids.len());
        }
        ecriture.finir(store.now())?;
        Ok(ids.len())
    }

    /// Imports every patient of an export zip; returns how many. Each
    /// entry is read within [`ENTREE_MAX`]; each patient is checked like
    /// an API write by the store and refused, naming it, when it does
    /// not fit.
    pub async fn importer(&self, actor: &Actor, path: &Path) -> Result<usize, ExportError> {
        let file = std::fs::File::open(path).map_err(fichier(path))?;
        let mut lecture = LectureExport::ouvrir(file)?;
        let ids = lecture.patients().to_vec();
        for id in &ids {
            let export = lecture.patient(id)?;
            self.store
                .import_patient(actor, &export)
                .await
                .map_err(|source| ExportError::Patient {
                    patient: id.clone(),
                    source,
                })?;
        }
        Ok(ids.len())
    }
}

/// An export being written, one patient at a time; the manifest, listing
/// them, comes last.
pub struct EcritureExport<W: Write + std::io::Seek> {
    zip: zip::ZipWriter<W>,
    patients: Vec<String>,
}

impl<W: Write + std::io::Seek> EcritureExport<W> {
    pub fn nouvelle(w: W) -> Self {
        Self {
            zip: zip::ZipWriter::new(w),
            patients: vec![],
        }
    }

    fn entree(&mut self, name: String, bytes: &[u8]) -> Result<(), ExportError> {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        self.zip.start_file(name, opts)?;
        self.zip
            .write_all(bytes)
            .map_err(|source| ExportError::Fichier {
                chemin: PathBuf::new(),
                source,
            })
    }

    /// One patient's record, documents and signed forms.
    pub fn patient(&mut self, e: &PatientExport) -> Result<(), ExportError> {
        let id = e.chart.patient.id.clone();
        self.entree(format!("patients/{id}/dossier.json"), &json(&e.chart)?)?;
        for d in &e.chart.documents {
            let name = format!("patients/{id}/documents/{}.{}", d.id, extension(d.format));
            let contenu = e.contents.get(&d.id).ok_or_else(|| {
                ExportError::Refus(format!("contenu du document {} absent", d.id))
            })?;
            self.entree(name, contenu)?;
        }
        if !e.formulaires.is_empty() {
            self.entree(
                format!("patients/{id}/formulaires.json"),
                &json(&e.formulaires)?,
            )?;
        }
        self.patients.push(id);
        Ok(())
    }

    /// Writes the manifest; `created_at`: epoch seconds.
    pub fn finir(mut self, created_at: i64) -> Result<W, ExportError> {
        let manifest = Manifest {
            format: FORMAT.into(),
            version: VERSION,
            created_at,
            generator: format!("Esculape {}", env!("CARGO_PKG_VERSION")),
            patients: std::mem::take(&mut self.patients),
        };
        self.entree("esculape-export.json".into(), &json(&manifest)?)?;
        Ok(self.zip.finish()?)
    }
}

/// An export being read, one patient at a time (an export can hold a
/// whole practice): everything it says is checked against the format
/// here, and what it says of each patient by the store's import check.
pub struct LectureExport<R> {
    zip: zip::ZipArchive<R>,
    manifest: Manifest,
}

impl<R: Read + std::io::Seek> LectureExport<R> {
    /// Opens an export and reads its manifest.
    pub fn ouvrir(r: R) -> Result<Self, ExportError> {
        let mut zip = zip::ZipArchive::new(r)
            .map_err(|_| ExportError::Refus("ce fichier n'est pas une archive zip".into()))?;
        let manifest: Manifest =
            serde_json::from_slice(&requise(&mut zip, "esculape-export.json")?)
                .map_err(|e| ExportError::Refus(format!("manifeste illisible: {e}")))?;
        if manifest.format != FORMAT || manifest.version != VERSION {
            return Err(ExportError::Refus(format!(
                "format {} v{} non pris en charge (attendu {FORMAT} v{VERSION})",
                manifest.format, manifest.version
            )));
        }
        Ok(Self { zip, manifest })
    }

    /// The patients the manifest lists.
    pub fn patients(&self) -> &[String] {
        &self.manifest.patients
    }

    /// One patient's file: its record, its documents' contents, its
    /// signed forms.
    pub fn patient(&mut self, id: &str) -> Result<PatientExport, ExportError> {
        let zip = &mut self.zip;
        let chart: Chart =
            serde_json::from_slice(&requise(zip, &format!("patients/{id}/dossier.json"))?)
                .map_err(|e| ExportError::Refus(format!("dossier {id} illisible: {e}")))?;
        if chart.patient.id != id {
            return Err(ExportError::Refus(format!(
                "le dossier rangé sous {id} est celui du patient {}",
                chart.patient.id
            )));
        }
        let mut contents = BTreeMap::new();
        for d in &chart.documents {
            let name = format!("patients/{id}/documents/{}.{}", d.id, extension(d.format));
            contents.insert(d.id.clone(), requise(zip, &name)?);
        }
        // Absent from exports without signed forms (and from older ones).
        let formulaires = match entree(zip, &format!("patients/{id}/formulaires.json"))? {
            Some(buf) => serde_json::from_slice(&buf).map_err(|e| {
                ExportError::Refus(format!("formulaires du dossier {id} illisibles: {e}"))
            })?,
            None => BTreeMap::new(),
        };
        Ok(PatientExport {
            chart,
            contents,
            formulaires,
        })
    }
}
