//! The rules of the JDV « Circuit de la biologie » (DSR §3.2.2, 2.8,
//! LGC.MDV.08/09), with no I/O so that the host and a plugin can link them:
//!
//! - [`jdv`]: the value set's rows (comparability level, restricted list,
//!   recommended and UCUM units, correspondence between the mass and the
//!   molar LOINC of one analyte, conversion factor), read from a grid of
//!   cells whose columns are found by their header names (their letters
//!   moved between versions), a bundled checked extract, search with the
//!   usual synonyms;
//! - [`unites`]: UCUM pre-conversion of units that differ by a prefix
//!   (mol/L → mmol/L), on a maintained UCUM implementation;
//! - [`tendance`]: a patient's results of one analyte on one curve, in one
//!   unit, converted where the rules allow, with the rules' warnings;
//! - `xlsx` (feature): the official `.xlsx` into the grid.

pub mod jdv;
pub mod tendance;
pub mod unites;
#[cfg(feature = "xlsx")]
pub mod xlsx;

pub use jdv::{Comparabilite, ErreurJdv, Jdv, Ligne};
pub use tendance::{Conversion, Ecarte, Point, Resultat, Tendance, tendance};
