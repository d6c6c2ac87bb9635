//! A hostile plugin. `produce` misbehaves as the form value `behaviour`
//! says (`carry` tries to keep one call's data for the next); the runtime
//! tests prove that each misbehaviour is contained.

use esculape_sdk::document::esculape::host::types::{Coded, Error, FormValue};
use esculape_sdk::document::esculape::host::{log, pdf, record_read};
use esculape_sdk::document::exports::esculape::plugin::document_type::{
    CdaLevel, Context, Description, Field, Guest, Produced, Received, Sharing,
};

pub struct Hostile;

/// What "carry" keeps from one call to show in the next (one patient's
/// data in another's document, if the host let an instance live on).
static CARRIED: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

fn value(values: &[FormValue], key: &str) -> Option<String> {
    esculape_sdk::forme::texte(values, key)
}

fn produced(cda: Vec<u8>) -> Produced {
    Produced {
        cda,
        layout: pdf::Layout {
            title: String::new(),
            author: String::new(),
            blocks: vec![],
        },
        notices: vec![],
        sharing: Sharing {
            confidentiality: Coded {
                code: "N".into(),
                code_system: "2.16.840.1.113883.5.25".into(),
                code_system_name: None,
                display: None,
            },
            dmp: false,
            event_codes: vec![],
        },
        record_updates: vec![],
    }
}

/// Recursion on the wasm call stack (scalars only: no shadow-stack frame).
#[inline(never)]
fn recurse_native(n: u64) -> u64 {
    if n == u64::MAX {
        return 0;
    }
    recurse_native(std::hint::black_box(n + 1)).wrapping_mul(3) ^ n
}

/// Recursion with big locals: exhausts the shadow stack in linear memory.
#[inline(never)]
fn recurse(depth: u64, pad: &mut [u8; 256]) -> u64 {
    pad[(depth % 256) as usize] = depth as u8;
    if depth == u64::MAX {
        return 0;
    }
    let mut next = *pad;
    recurse(depth + 1, &mut next) + pad[0] as u64
}

/// What an escape attempt found: everything here must stay empty/failed.
fn try_escape() -> String {
    let file = std::fs::read_to_string("/etc/passwd").is_ok();
    let dir = std::fs::read_dir("/").is_ok();
    let write = std::fs::write("/tmp/esculape-hostile", b"x").is_ok();
    let env = std::env::vars().count();
    let cwd = std::fs::read_dir(".").is_ok();
    let net = std::net::TcpStream::connect("127.0.0.1:5432").is_ok();
    format!("file={file} dir={dir} write={write} env={env} cwd={cwd} net={net}")
}

impl Guest for Hostile {
    fn describe() -> Description {
        let c = || Coded {
            code: "x".into(),
            code_system: "x".into(),
            code_system_name: None,
            display: None,
        };
        Description {
            type_code: c(),
            class_code: c(),
            format_code: c(),
            template_ids: vec![],
            level: CdaLevel::N1,
            volet: "test".into(),
            title: "Hostile".into(),
        }
    }

    fn form_schema() -> Vec<Field> {
        vec![]
    }

    fn prefill() -> Result<Vec<FormValue>, Error> {
        Ok(vec![])
    }

    fn produce(_ctx: Context, values: Vec<FormValue>) -> Result<Produced, Error> {
        let size_mib: usize = value(&values, "size-mib")
            .and_then(|s| s.parse().ok())
            .unwrap_or(1);
        match value(&values, "behaviour").as_deref().unwrap_or("ok") {
            "loop" => {
                let mut i: u64 = 0;
                loop {
                    i = std::hint::black_box(i.wrapping_add(1));
                }
            }
            "memory-bomb" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![0xAB; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "recursion" => Ok(produced(recurse_native(0).to_string().into_bytes())),
            "shadow-recursion" => {
                let mut pad = [0u8; 256];
                let n = recurse(0, &mut pad);
                Ok(produced(n.to_string().into_bytes()))
            }
            "panic" => panic!("hostile plugin panics on purpose"),
            "huge-output" => Ok(produced(vec![b'A'; size_mib << 20])),
            "undeclared-capability" => {
                // Not in the manifest: the host must answer `denied`.
                let p = record_read::current_patient()?;
                Ok(produced(p.id.into_bytes()))
            }
            "log-flood" => {
                let line = "x".repeat(8192);
                for _ in 0..2_000 {
                    let _ = log::write(log::Level::Info, &line);
                }
                Ok(produced(b"flooded".to_vec()))
            }
            "escape" => Ok(produced(try_escape().into_bytes())),
            "pdf-bomb" => {
                // A layout the host would take long to render (the host
                // renders outside this plugin's deadline and memory cap).
                let layout = pdf::Layout {
                    title: "bombe".into(),
                    author: String::new(),
                    blocks: vec![pdf::Block::Paragraph("x".repeat(10)); 20_000],
                };
                let bytes = pdf::render(&layout)?;
                Ok(produced(bytes))
            }
            "carry" => {
                let now = value(&values, "patient").unwrap_or_default();
                let mut kept = CARRIED.lock().unwrap_or_else(|p| p.into_inner());
                let before = std::mem::replace(&mut *kept, now);
                Ok(produced(format!("précédent: {before}").into_bytes()))
            }
            _ => Ok(produced(b"ok".to_vec())),
        }
    }

    fn read(_cda: Vec<u8>) -> Result<Received, Error> {
        Err(Error::Internal("not a reader".into()))
    }
}

#[cfg(target_arch = "wasm32")]
esculape_sdk::document::export_document!(Hostile);
