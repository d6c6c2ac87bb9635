//! Certificat de santé du 24e mois (CI-SIS CSE-CS24 2025.01, SC.CDA/DD.20):
//! the shared certificate model of `esculape-cse-certificat` with the
//! CS24 variant.

use esculape_cse_certificat::{self as cse, CS24};
use esculape_sdk::document::esculape::host::record_read;
use esculape_sdk::document::esculape::host::types::{Error, FormValue};
use esculape_sdk::document::exports::esculape::plugin::document_type::{
    Context, Description, Field, Guest, Produced, Received,
};

pub struct Certificat24;

impl Guest for Certificat24 {
    fn describe() -> Description {
        cse::describe(&CS24)
    }

    fn form_schema() -> Vec<Field> {
        cse::form_schema(&CS24)
    }

    fn prefill() -> Result<Vec<FormValue>, Error> {
        cse::prefill(&CS24)
    }

    fn produce(ctx: Context, values: Vec<FormValue>) -> Result<Produced, Error> {
        let patient = record_read::current_patient()?;
        cse::produire(&CS24, &ctx, &patient, &values)
    }

    fn read(cda: Vec<u8>) -> Result<Received, Error> {
        esculape_sdk::lecture::recu(&cda, &["CERT_DECL"])
    }
}

#[cfg(target_arch = "wasm32")]
esculape_sdk::document::export_document!(Certificat24);
