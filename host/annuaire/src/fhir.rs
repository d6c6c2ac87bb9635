//! The part of FHIR R4 the Annuaire Santé answers with, as its
//! implementation guide (`as-practitioner`, `as-practitionerrole`,
//! `as-organization`, `as-mailbox-mss`) profiles it. Unknown fields are
//! ignored; missing ones are empty.

use serde::Deserialize;

/// The code system of the kind of messaging (TRE_R256-TypeMessagerie):
/// `MSSANTE` marks a secure-messaging address among a resource's emails.
pub const TYPE_MESSAGERIE: &str = "fr-core-contact-point-email-type";
/// The mailbox's metadata extension (its kind, its description).
pub const METADONNEES_BAL: &str = "as-ext-mailbox-mss-metadata";

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub resource_type: String,
    pub total: Option<u64>,
    #[serde(default)]
    pub link: Vec<Lien>,
    #[serde(default)]
    pub entry: Vec<Entree>,
}

#[derive(Debug, Deserialize)]
pub struct Lien {
    pub relation: String,
}

#[derive(Debug, Deserialize)]
pub struct Entree {
    pub resource: Option<Ressource>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "resourceType")]
pub enum Ressource {
    Practitioner(Practitioner),
    PractitionerRole(PractitionerRole),
    Organization(Organization),
    #[serde(other)]
    Autre,
}

#[derive(Debug, Default, Deserialize)]
pub struct Practitioner {
    pub id: Option<String>,
    pub active: Option<bool>,
    #[serde(default)]
    pub identifier: Vec<Identifier>,
    #[serde(default)]
    pub name: Vec<HumanName>,
    #[serde(default)]
    pub telecom: Vec<ContactPoint>,
    #[serde(default)]
    pub qualification: Vec<Qualification>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PractitionerRole {
    pub id: Option<String>,
    pub active: Option<bool>,
    pub practitioner: Option<Reference>,
    pub organization: Option<Reference>,
    #[serde(default)]
    pub telecom: Vec<ContactPoint>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Organization {
    pub id: Option<String>,
    pub active: Option<bool>,
    pub name: Option<String>,
    #[serde(default)]
    pub identifier: Vec<Identifier>,
    #[serde(default)]
    pub address: Vec<Address>,
    #[serde(default)]
    pub telecom: Vec<ContactPoint>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Reference {
    pub reference: Option<String>,
}

impl Reference {
    /// The id of `Type/id`, when the reference is to a `ressource`.
    pub fn id_de(&self, ressource: &str) -> Option<&str> {
        let r = self.reference.as_deref()?;
        let (t, id) = r.rsplit_once('/')?;
        (t.rsplit('/').next() == Some(ressource) && !id.is_empty()).then_some(id)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Identifier {
    pub system: Option<String>,
    pub value: Option<String>,
    #[serde(rename = "type")]
    pub type_: Option<CodeableConcept>,
}

impl Identifier {
    pub fn de_type(&self, code: &str) -> bool {
        self.type_
            .as_ref()
            .is_some_and(|t| t.coding.iter().any(|c| c.code.as_deref() == Some(code)))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct HumanName {
    pub family: Option<String>,
    #[serde(default)]
    pub given: Vec<String>,
    #[serde(default)]
    pub prefix: Vec<String>,
    #[serde(default)]
    pub suffix: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ContactPoint {
    pub system: Option<String>,
    pub value: Option<String>,
    #[serde(default)]
    pub extension: Vec<Extension>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub url: String,
    pub value_coding: Option<Coding>,
    pub value_codeable_concept: Option<CodeableConcept>,
    pub value_string: Option<String>,
    #[serde(default)]
    pub extension: Vec<Extension>,
}

impl Extension {
    /// Whether the extension's canonical URL names `nom` (the IG's URLs
    /// moved between versions; their last segment did not).
    pub fn est(&self, nom: &str) -> bool {
        self.url.rsplit('/').next() == Some(nom) || self.url == nom
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Qualification {
    pub code: Option<CodeableConcept>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CodeableConcept {
    #[serde(default)]
    pub coding: Vec<Coding>,
    pub text: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Coding {
    pub system: Option<String>,
    pub code: Option<String>,
    pub display: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(default)]
    pub line: Vec<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub text: Option<String>,
}
