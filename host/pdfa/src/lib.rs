//! Page layouts rendered to PDF/A-1b: the PDF a document plugin's layout
//! becomes (embedded in a CDA R2 N1, attached to an MSSanté message, shown
//! in preview). Fonts are embedded (DejaVu Sans, Bitstream Vera licence,
//! `fonts/LICENSE-DejaVu.txt`); krilla checks the PDF/A-1b rules as it
//! writes and refuses a file that would break them.
//!
//! [`check_pdfa1b`] re-reads a file for the points that matter to the DMP
//! (header version, XMP identification, embedded fonts, no encryption, no
//! transparency), since veraPDF is not available here.

#[cfg(feature = "runtime")]
pub mod capability;
mod check;
mod layout;

pub use check::{Pdfa1bReport, check_pdfa1b};
pub use layout::{Block, Layout, Moment, Renderer};

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("code DataMatrix impossible: {0}")]
    DataMatrix(String),
    #[error("le PDF/A-1b n'a pas pu être produit: {0}")]
    Pdf(String),
}
