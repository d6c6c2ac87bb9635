//! The body of every refusal.

/// Every 4xx and 5xx answer: the message for the user, in French, and a
/// stable code for programs.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Erreur {
    pub erreur: String,
    pub code: String,
}
