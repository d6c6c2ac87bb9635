//! Episodes of care and the patient's DMP decisions.
//!
//! The decisions hold for the whole care team of the episode and can change
//! at any time; every change is kept (history).

use serde::{Deserialize, Serialize};

/// Feeding the patient's DMP with documents of this episode.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum DmpFeeding {
    /// The default: documents are sent.
    #[default]
    Autorisee,
    /// The patient was informed and did not oppose.
    InformeNonOpposition,
    /// The patient opposed: nothing is sent.
    Opposition,
}

/// Consulting the patient's DMP during this episode.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum DmpConsultation {
    /// The default: no consultation without the patient's consent.
    #[default]
    NonAutorisee,
    Consentie,
    Refusee,
}

/// One decision, as the patient expressed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum DmpDecision {
    Alimentation(DmpFeeding),
    Consultation(DmpConsultation),
}

impl DmpFeeding {
    pub fn code(self) -> &'static str {
        match self {
            DmpFeeding::Autorisee => "autorisee",
            DmpFeeding::InformeNonOpposition => "informe-non-opposition",
            DmpFeeding::Opposition => "opposition",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [
            DmpFeeding::Autorisee,
            DmpFeeding::InformeNonOpposition,
            DmpFeeding::Opposition,
        ]
        .into_iter()
        .find(|v| v.code() == s)
    }
    /// May documents of this episode be sent to the DMP?
    pub fn allows_sending(self) -> bool {
        self != DmpFeeding::Opposition
    }
}

impl DmpConsultation {
    pub fn code(self) -> &'static str {
        match self {
            DmpConsultation::NonAutorisee => "non-autorisee",
            DmpConsultation::Consentie => "consentie",
            DmpConsultation::Refusee => "refusee",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [
            DmpConsultation::NonAutorisee,
            DmpConsultation::Consentie,
            DmpConsultation::Refusee,
        ]
        .into_iter()
        .find(|v| v.code() == s)
    }
    pub fn allows_consulting(self) -> bool {
        self == DmpConsultation::Consentie
    }
}

impl DmpDecision {
    pub fn kind(self) -> &'static str {
        match self {
            DmpDecision::Alimentation(_) => "alimentation",
            DmpDecision::Consultation(_) => "consultation",
        }
    }
    pub fn value(self) -> &'static str {
        match self {
            DmpDecision::Alimentation(v) => v.code(),
            DmpDecision::Consultation(v) => v.code(),
        }
    }
    pub fn from_codes(kind: &str, value: &str) -> Option<Self> {
        match kind {
            "alimentation" => DmpFeeding::from_code(value).map(DmpDecision::Alimentation),
            "consultation" => DmpConsultation::from_code(value).map(DmpDecision::Consultation),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_codes() {
        assert!(DmpFeeding::default().allows_sending());
        assert!(!DmpConsultation::default().allows_consulting());
        for d in [
            DmpDecision::Alimentation(DmpFeeding::Opposition),
            DmpDecision::Consultation(DmpConsultation::Consentie),
        ] {
            assert_eq!(DmpDecision::from_codes(d.kind(), d.value()), Some(d));
        }
        assert_eq!(DmpDecision::from_codes("alimentation", "peut-etre"), None);
        let json =
            serde_json::to_string(&DmpDecision::Alimentation(DmpFeeding::Opposition)).unwrap();
        assert_eq!(json, r#"{"kind":"alimentation","value":"opposition"}"#);
    }
}
