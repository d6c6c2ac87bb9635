//! The dashboards' figures as the host computes them and the client draws
//! them.

use serde::{Deserialize, Serialize};

/// One column of the TBB.INS.02 table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IndicateursIns {
    /// `AAAA-MM`.
    pub mois: String,
    /// Empty with `finess`: the whole practice (the first column); empty
    /// alone: encounters by an account without RPPS.
    pub rpps: String,
    pub finess: String,
    /// The whole practice (each patient counted once).
    pub tout_le_cabinet: bool,
    pub patients_vus: i64,
    pub provisoire: Compte,
    pub recuperee: Compte,
    pub validee: Compte,
    pub qualifiee: Compte,
    /// Rate relative to the qualified identities.
    pub qualifiee_procedure_transitoire: Compte,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Compte {
    pub nombre: i64,
    /// Percent, one decimal.
    pub taux: f64,
}
