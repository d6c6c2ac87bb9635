//! Documents: stored metadata, the types and forms the plugins offer, what
//! producing one returns.

use esculape_domain::Day;
use esculape_domain::document::{
    DocumentFormat, DocumentStatus, NewDocument, Provenance, SendingState, Visibility,
};

#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct DocumentMeta {
    pub id: String,
    pub patient_id: String,
    pub set_id: String,
    pub version_number: i64,
    pub title: String,
    pub type_code: String,
    pub type_display: Option<String>,
    pub format: DocumentFormat,
    pub act_date: Day,
    pub provenance: Provenance,
    pub author: String,
    pub created_at: i64,
    pub status: DocumentStatus,
    pub superseded_by: Option<String>,
    pub dmp_state: SendingState,
    pub mssante_state: SendingState,
    pub visibility: Visibility,
    /// Lower-case hex.
    pub sha256: String,
    pub size: i64,
}

/// A document sent by MSSanté (`POST /api/documents/{id}/mss`): to whom
/// (their MSSanté addresses) and the text written above the documents.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct EnvoiMss {
    pub destinataires: Vec<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// Also to the patient's Mon espace santé mailbox (its address made
    /// from a qualified INS).
    #[serde(default)]
    pub patient: bool,
}

/// The caller's MSSanté mailbox (`GET`/`PUT /api/moi/mss`): the address
/// they send from; its servers are found from it.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct BoiteMss {
    pub adresse: Option<String>,
}

/// What reading the caller's MSSanté mailbox brought
/// (`POST /api/moi/mss/releve`).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct ReleveMss {
    /// New messages read.
    pub messages: u32,
    /// The documents stored in their patients' records (« à voir »).
    pub documents: Vec<DocumentMeta>,
    /// The messages left in the mailbox for the doctor, and why.
    pub non_classes: Vec<MessageNonClasse>,
    /// Of these, the ones waiting for a doctor in the work list (a
    /// patient to match, a replacement or a deletion to confirm).
    #[serde(default)]
    pub a_traiter: u32,
}

/// A received message no record took.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct MessageNonClasse {
    pub de: Option<String>,
    pub objet: String,
    pub raison: String,
}

/// Who wrote a received message: a professional (or their software), or
/// a patient from Mon espace santé (SC.MSS/UX.28).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ProvenanceMessage {
    Professionnel,
    Patient,
}

/// What became of a received message. The three `…_demande(e)` and
/// `a_rapprocher` wait for a doctor.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EtatMessage {
    /// Its document is in its patient's record.
    Integre,
    /// Its document was already there (same id, or same setId and
    /// version): not stored twice.
    DejaPresent,
    /// No record's INS matches: a patient to choose, by traits.
    ARapprocher,
    /// A newer version of a document of the record, to confirm.
    RemplacementDemande,
    /// Its sender asks to delete a document of the record, to confirm.
    SuppressionDemandee,
    /// The newer version replaced the older (kept, marked replaced).
    Remplace,
    /// The document named was deleted (kept, marked deleted).
    Supprime,
    /// Set aside by a doctor, nothing changed in the record.
    Ecarte,
    /// A message without a document.
    SansDocument,
    /// Its document could not be taken (unreadable, another patient's…).
    Refuse,
}

impl EtatMessage {
    /// Whether a doctor has to act on it.
    pub fn a_traiter(self) -> bool {
        matches!(
            self,
            Self::ARapprocher | Self::RemplacementDemande | Self::SuppressionDemandee
        )
    }
}

/// `GET /api/mss/messages`: one message of the work list, the patient
/// shown by name, never by matricule.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct MessageMss {
    pub id: String,
    /// The mailbox it was read from.
    pub adresse: String,
    pub de: Option<String>,
    pub objet: String,
    /// When it was read (Unix milliseconds).
    pub recu_le: i64,
    pub provenance: ProvenanceMessage,
    pub etat: EtatMessage,
    /// What was done or what is asked, in French.
    pub raison: String,
    pub patient_id: Option<String>,
    /// The patient's names, as the record holds them.
    pub patient: Option<String>,
    /// The document stored from it.
    pub document_id: Option<String>,
    /// The record's document a replacement or deletion names, and its
    /// title.
    pub cible_id: Option<String>,
    pub cible_titre: Option<String>,
    /// Who handled it (login), when it waited for a doctor.
    pub traite_par: Option<String>,
}

/// `POST /api/mss/messages/{id}/rapprocher`: the patient whose record
/// takes the message's document (SC.MSS/UX.31, by traits).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Rapprochement {
    pub patient_id: String,
}

/// A sending channel.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Dmp,
    Mssante,
}

/// The form a document was signed from: the plugin and the values the
/// doctor validated (JSON object, as the plugin's form takes them).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct FormulaireSigne {
    pub plugin: String,
    pub valeurs: serde_json::Map<String, serde_json::Value>,
}

/// A document type offered by an installed plugin.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct TypeDocument {
    pub plugin: String,
    pub titre: String,
    pub volet: String,
    /// `N1` or `N3`.
    pub niveau: String,
    pub type_code: String,
}

/// One field of a plugin's form.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Champ {
    pub cle: String,
    pub libelle: String,
    /// `texte`, `texte-long`, `date`, `nombre`, `booleen`, `code` (detail:
    /// the value set) or `liste` (detail: the keys of one line).
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub detail: serde_json::Value,
    #[serde(default)]
    pub obligatoire: bool,
    #[serde(default)]
    pub aide: Option<String>,
    /// For `liste`: the columns of one line, with their labels and kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub colonnes: Vec<ColonneListe>,
}

/// One column of the lines of a `liste` field.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ColonneListe {
    pub cle: String,
    pub libelle: String,
    /// `texte`, `texte-long`, `date`, `nombre`, `booleen` or `code`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub obligatoire: bool,
}

/// The form of a document type, prefilled from the patient's record.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Formulaire {
    pub plugin: String,
    pub titre: String,
    pub champs: Vec<Champ>,
    #[serde(default)]
    pub valeurs: serde_json::Map<String, serde_json::Value>,
}

/// What the user asks for: a plugin, the (edited) form values, and the
/// document it corrects, if any.
#[derive(
    Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct DemandeDocument {
    pub plugin: String,
    #[serde(default)]
    pub valeurs: serde_json::Map<String, serde_json::Value>,
    /// The id of the document this one corrects.
    #[serde(default)]
    pub remplace: Option<String>,
    /// Hold the document back from the DMP (no feeding order is queued
    /// at signing; it can still be sent later by hand).
    #[serde(default)]
    pub retenir_dmp: bool,
    /// Not visible to the patient in the DMP (until an announcement
    /// consultation makes it visible), chosen before signing
    /// (SC.DMP/UX.51).
    #[serde(default)]
    pub invisible_au_patient: bool,
}

/// A produced document (preview or signed), files in base64.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct DocumentProduit {
    /// The stored document (sign-off only).
    pub document: Option<DocumentMeta>,
    pub format: DocumentFormat,
    /// The XDS DocumentEntry (IHE XDS.b metadata) of the document.
    pub metadonnees: serde_json::Value,
    /// What the plugin and the checks noticed, for the user.
    pub avis: Vec<String>,
    pub pdf: String,
    pub cda: String,
    /// The IHE_XDM.ZIP package.
    pub xdm: String,
}

/// A document added from a file: its metadata and content in base64.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct NouveauDocument {
    #[serde(flatten)]
    pub meta: NewDocument,
    pub content: String,
}

/// A document and its content in base64.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct DocumentAvecContenu {
    #[serde(flatten)]
    pub meta: DocumentMeta,
    pub content: String,
}

/// `PUT /api/documents/{id}/sending`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct EtatEnvoi {
    pub channel: Channel,
    pub state: SendingState,
}

/// A photo or scan of a medicine box (PNG or JPEG in base64).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct ImageBoite {
    pub image: String,
}

/// What a GS1 DataMatrix says, as a 2D scanner would type it.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct TexteLu {
    pub texte: String,
}

/// A received document to read (a CDA R2, or an IHE_XDM.ZIP), in base64:
/// nothing is stored.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct DocumentARecevoir {
    pub contenu: String,
}

/// An identifier as a document carries it: its OID and its value.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct IdentifiantLu {
    pub oid: String,
    pub valeur: String,
}

/// One section of a received document: title, code, narrative as lines
/// (table cells separated by « | »), nesting level (0: of the body).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct SectionLue {
    pub titre: String,
    pub code: Option<String>,
    pub texte: String,
    pub niveau: u32,
}

/// A code a received document carries: the code, its system's OID, its
/// label.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct CodeLu {
    pub code: String,
    pub systeme: String,
    pub libelle: Option<String>,
}

/// What a received document proposes for the record (LGC.MDV.05); the
/// doctor takes or leaves each.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(tag = "nature", rename_all = "kebab-case")]
pub enum Proposition {
    Probleme {
        libelle: String,
        code: Option<CodeLu>,
        actif: bool,
        debut: Option<Day>,
        fin: Option<Day>,
    },
    Allergie {
        libelle: String,
        code: Option<CodeLu>,
        reaction: Option<String>,
    },
    Traitement {
        libelle: String,
        code: Option<CodeLu>,
        posologie: Option<String>,
        debut: Option<Day>,
        fin: Option<Day>,
        long_cours: bool,
    },
    Vaccination {
        libelle: String,
        code: Option<CodeLu>,
        date: Day,
        lot: Option<String>,
    },
    /// A vital sign (LOINC, UCUM), at the practice's wall clock.
    Mesure {
        code: CodeLu,
        valeur: f64,
        unite: String,
        quand: esculape_domain::LocalDateTime,
    },
    /// A lab result (LOINC, or the laboratory's own code; UCUM).
    ResultatBio {
        code: CodeLu,
        valeur: Option<f64>,
        unite: Option<String>,
        /// A coded or textual result (e.g. « négatif »).
        texte: Option<String>,
        /// The reference range as written.
        intervalle: Option<String>,
        /// HL7 interpretation: N, H, L, A…
        interpretation: Option<String>,
        quand: esculape_domain::LocalDateTime,
    },
}

/// One proposal of a received document beside the patient's record.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Comparaison {
    /// What would enter the record (its codes as the record keeps them),
    /// when the proposal can enter it.
    pub entree: Option<esculape_domain::record::EntryData>,
    /// A lab result: what would enter the patient's results (LGC.MDV.08).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resultat: Option<esculape_domain::biologie::ResultatBiologie>,
    /// The record's entry (or result) that already holds it (its id).
    pub deja_present: Option<String>,
    /// Why it cannot enter the record, in French.
    pub remarque: Option<String>,
}

/// `POST /api/patients/{id}/documents/integration/apercu`: a received
/// document read, and each of its proposals beside the record (in the
/// order of `document.propositions`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ApercuIntegration {
    pub document: DocumentLu,
    pub comparaisons: Vec<Comparaison>,
    /// What the doctor should check about the identity (the document's
    /// INS beside the patient's), in French.
    pub identite: Option<String>,
}

/// `POST /api/patients/{id}/documents/integration`: the proposals the
/// doctor picked (their positions in `propositions`).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct DemandeIntegration {
    /// The document, base64, as for reading.
    pub contenu: String,
    pub choix: Vec<u32>,
}

/// What an integration did.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct IntegrationFaite {
    /// The ids of the entries added.
    pub ajoutees: Vec<String>,
    /// Picked but already in the record: left as they are.
    pub deja_presentes: u32,
    /// Picked but not integrable, each with why.
    pub ecartees: Vec<String>,
}

/// A received document, read: its header in words (people by name), its
/// PDF (base64) when it carries one, its sections, what it proposes for
/// the record, and what was odd.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct DocumentLu {
    pub titre: String,
    /// LOINC type code and its label.
    pub type_code: String,
    pub type_libelle: String,
    /// `N1` or `N3`.
    pub niveau: String,
    /// root, or root^extension.
    pub identifiant: String,
    pub set_id: Option<String>,
    pub version: Option<u32>,
    /// HL7 TS as written.
    pub date: String,
    pub confidentialite: String,
    /// Birth name, first birth first name, birth date as written.
    pub patient: String,
    pub patient_identifiants: Vec<IdentifiantLu>,
    pub auteur: String,
    pub organisation: String,
    pub pdf: Option<String>,
    pub sections: Vec<SectionLue>,
    /// Who read the typed content: the document plugin of its type (its
    /// id), or the generic reader (`lecteur générique`).
    pub lecteur: String,
    pub propositions: Vec<Proposition>,
    pub avertissements: Vec<String>,
}

/// A received document signed off by a doctor (« vu par Dr X le … »).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Vu {
    pub document_id: String,
    /// The account (login).
    pub par: String,
    /// Its name as the practice knows it.
    pub nom: String,
    /// Unix milliseconds.
    pub le: i64,
}

/// `GET /api/a-voir`: a received report or letter no doctor has signed
/// off yet.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct AVoir {
    pub document: DocumentMeta,
    /// The patient's names, as the record holds them.
    pub patient: String,
    /// Its lab results outside the reference range.
    pub anormaux: u32,
}
