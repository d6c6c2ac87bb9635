//! The Esculape plugin SDK (guest side).
//!
//! A plugin crate depends on this crate with the feature of the one world it
//! implements (`identity` or `document`), implements the generated `Guest`
//! trait and exports it:
//!
//! ```ignore
//! use esculape_sdk::identity::exports::esculape::plugin::identity_rules::Guest;
//! struct MyPlugin;
//! impl Guest for MyPlugin { /* ... */ }
//! esculape_sdk::identity::export_identity!(MyPlugin);
//! ```
//!
//! The bindings come from the frozen WIT folder of the API version this SDK
//! release targets ([`API_VERSION`]).

/// The WIT API version (`wit/since_vX.Y.Z`) these bindings were generated from.
pub const API_VERSION: &str = "0.2.0";

pub mod calendar;

/// The national OIDs and identifier forms, shared with the host.
pub use esculape_identifiants as identifiants;

/// Bindings of the `identity` world (INS rules plugins).
#[cfg(feature = "identity")]
pub mod identity {
    wit_bindgen::generate!({
        path: "../../wit/since_v0.2.0",
        world: "esculape:plugin/identity@0.2.0",
        pub_export_macro: true,
        export_macro_name: "export_identity",
        default_bindings_module: "esculape_sdk::identity",
        generate_all,
    });
}

/// Bindings of the `document` world (document type plugins).
#[cfg(feature = "document")]
pub mod document {
    wit_bindgen::generate!({
        path: "../../wit/since_v0.2.0",
        world: "esculape:plugin/document@0.2.0",
        pub_export_macro: true,
        export_macro_name: "export_document",
        default_bindings_module: "esculape_sdk::document",
        generate_all,
    });
}

#[cfg(feature = "document")]
pub mod forme;

/// A received document read for a document plugin's `read`.
#[cfg(feature = "document")]
pub mod lecture;

pub mod cda;
pub mod helpers;
