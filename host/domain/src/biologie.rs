//! Lab results as the record keeps them (LGC.MDV.08): typed, each from the
//! report it came from. How results of one analyte compare across
//! laboratories and units is the JDV « Circuit de la biologie »'s
//! (`esculape-biologie`), not this module's.

use crate::LocalDateTime;
use crate::record::{RecordError, opt_text, text};

/// The OID of LOINC, the code system of results the JDV knows.
pub const LOINC: &str = "2.16.840.1.113883.6.1";

/// One result of a biology report.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ResultatBiologie {
    /// LOINC, or the laboratory's own code when it gave none.
    pub code: String,
    /// The code system's OID.
    pub systeme: String,
    /// The analysis as the report names it.
    pub libelle: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valeur: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unite: Option<String>,
    /// A coded or textual result (« négatif »).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub texte: Option<String>,
    /// The reference range as printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervalle: Option<String>,
    /// HL7 ObservationInterpretation (N, H, L, A…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<String>,
    /// When the specimen was taken (else the report's act), wall clock.
    pub preleve_le: LocalDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub laboratoire: Option<String>,
    /// The record's document it came from (its PDF opens from a trend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

impl ResultatBiologie {
    /// Trimmed, checked copy: a code, a name, a finite value or a text.
    pub fn validate(self) -> Result<Self, RecordError> {
        if let Some(v) = self.valeur
            && !v.is_finite()
        {
            return Err(RecordError::Missing("une valeur finie"));
        }
        let texte = opt_text("le résultat", self.texte.as_deref(), 2000)?;
        if self.valeur.is_none() && texte.is_none() {
            return Err(RecordError::Missing("la valeur ou le résultat"));
        }
        Ok(Self {
            code: text("le code de l'analyse", &self.code, 64)?,
            systeme: text("le système de codes", &self.systeme, 128)?,
            libelle: text("le libellé de l'analyse", &self.libelle, 500)?,
            valeur: self.valeur,
            unite: opt_text("l'unité", self.unite.as_deref(), 64)?,
            texte,
            intervalle: opt_text("les valeurs de référence", self.intervalle.as_deref(), 200)?,
            interpretation: opt_text("l'interprétation", self.interpretation.as_deref(), 8)?,
            preleve_le: self.preleve_le,
            laboratoire: opt_text("le laboratoire", self.laboratoire.as_deref(), 300)?,
            document: opt_text("le document", self.document.as_deref(), 200)?,
        })
    }

    /// Outside the reference range by the laboratory's own reading.
    pub fn anormal(&self) -> bool {
        matches!(
            self.interpretation.as_deref(),
            Some("H" | "HH" | "HU" | "L" | "LL" | "LU" | "A" | "AA" | ">" | "<" | "POS")
        )
    }

    /// The same result of the same analysis taken at the same time: a
    /// report received twice (or a second version) adds nothing.
    pub fn meme_que(&self, autre: &ResultatBiologie) -> bool {
        self.systeme == autre.systeme
            && self.code == autre.code
            && self.preleve_le == autre.preleve_le
            && self.valeur == autre.valeur
            && self.texte == autre.texte
    }
}

/// A result as stored, with its id.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ResultatStocke {
    pub id: String,
    #[serde(flatten)]
    pub resultat: ResultatBiologie,
}
