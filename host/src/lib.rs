//! The Esculape host: the HTTP API and the serving loop over the
//! application layer (`esculape-app`), and the `esculape` CLI.

pub mod api;
pub mod serveur;

// The application layer's modules, under the names the CLI, the client's
// tests and the benchmarks have always used.
pub use esculape_app::{App, demo, documents, export, home, insi, qualification, wit};
