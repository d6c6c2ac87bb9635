//! Certificat de santé du 9e mois (CI-SIS CSE-CS9 2025.01, SC.CDA/DD.20):
//! the shared certificate model of `esculape-cse-certificat` with the
//! CS9 variant.

use esculape_cse_certificat::{self as cse, CS9};
use esculape_sdk::document::esculape::host::record_read;
use esculape_sdk::document::esculape::host::types::{Error, FormValue};
use esculape_sdk::document::exports::esculape::plugin::document_type::{
    Context, Description, Field, Guest, Produced, Received,
};

pub struct Certificat9;

impl Guest for Certificat9 {
    fn describe() -> Description {
        cse::describe(&CS9)
    }

    fn form_schema() -> Vec<Field> {
        cse::form_schema(&CS9)
    }

    fn prefill() -> Result<Vec<FormValue>, Error> {
        cse::prefill(&CS9)
    }

    fn produce(ctx: Context, values: Vec<FormValue>) -> Result<Produced, Error> {
        let patient = record_read::current_patient()?;
        cse::produire(&CS9, &ctx, &patient, &values)
    }

    fn read(cda: Vec<u8>) -> Result<Received, Error> {
        esculape_sdk::lecture::recu(&cda, &["CERT_DECL"])
    }
}

#[cfg(target_arch = "wasm32")]
esculape_sdk::document::export_document!(Certificat9);
