//! Producing a document with a `document` plugin: the record is read once
//! (traced), the plugin fills its form and writes the CDA from one model,
//! the host renders the PDF/A-1b, computes the XDS metadata from the CDA
//! header and packs the IHE_XDM.ZIP. Preview stores nothing; sign-off
//! stores the CDA as a new document, or as the next version of the one it
//! corrects (same setId, versionNumber + 1).

use crate::App;
use crate::wit;
pub use esculape_api_types::documents::{Champ, DemandeDocument, Formulaire, TypeDocument};
use esculape_domain::document::{DocumentFormat, NewDocument, Provenance};
use esculape_domain::record::{EntryData, MeasureKind};
use esculape_runtime::model as t;
use esculape_runtime::model::{
    self as rr, CdaLevel, Coded, Context, Description, Error as WitError, Field, FormValue,
};
use esculape_runtime::{CallContext, RecordSource, formulaire};
use esculape_store::documents::{DocumentMeta, FormulaireSigne};
use esculape_store::record::Chart;
use esculape_store::{Actor, Store, new_id};
use esculape_xds::{Code, DocumentEntry, Submission, TypeValues};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("{0}")]
    Store(#[from] esculape_store::StoreError),
    #[error("module de document: {0}")]
    Plugin(#[from] esculape_runtime::CallError),
    #[error("{0}")]
    Xds(#[from] esculape_xds::XdsError),
    #[error("{0}")]
    Refuse(String),
    /// A form value that does not fit its field (422).
    #[error("formulaire : {0}")]
    Formulaire(#[from] formulaire::ErreurChamp),
}

/// The record of one patient, read once, as `record-read` serves it.
#[derive(Clone)]
pub struct Dossier {
    patient: rr::Patient,
    problems: Vec<rr::Problem>,
    allergies: Vec<rr::Allergy>,
    treatments: Vec<rr::Treatment>,
    vaccinations: Vec<rr::Vaccination>,
    measures: Vec<rr::Measure>,
    care_team: Vec<rr::CareTeamMember>,
    encounters: Vec<rr::Encounter>,
    documents: Vec<rr::DocumentSummary>,
    /// The signed forms of the record's documents, by document id, typed
    /// with the schema of the plugin that signed each
    /// ([`Dossier::avec_formulaires`]).
    forms: std::collections::BTreeMap<String, Vec<FormValue>>,
}

fn telecoms(contact: &esculape_domain::record::Contact) -> Vec<rr::Telecom> {
    use rr::TelecomKind as K;
    [
        (K::Phone, &contact.phone),
        (K::Mobile, &contact.mobile),
        (K::Email, &contact.email),
    ]
    .into_iter()
    .filter_map(|(kind, v)| {
        let value = v.as_deref()?.trim();
        (!value.is_empty()).then(|| rr::Telecom {
            kind,
            value: value.to_string(),
        })
    })
    .collect()
}

fn address(contact: &esculape_domain::record::Contact) -> Option<rr::Address> {
    let some = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let lines: Vec<String> = contact
        .address
        .as_deref()
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    let a = rr::Address {
        lines,
        postal_code: some(&contact.postal_code),
        city: some(&contact.city),
        country: None,
    };
    (!a.lines.is_empty() || a.postal_code.is_some() || a.city.is_some()).then_some(a)
}

fn coded(c: &esculape_domain::record::Code) -> Coded {
    Coded {
        code: c.code.clone(),
        code_system: c.oid().unwrap_or_default().to_string(),
        code_system_name: Some(c.system.clone()),
        display: c.display.clone(),
    }
}

impl Dossier {
    pub fn from_chart(chart: &Chart) -> Self {
        let identity = &chart.patient.identity;
        let mut d = Dossier {
            patient: rr::Patient {
                id: chart.patient.id.clone(),
                traits: wit::traits(identity),
                ins: wit::ins(identity),
                status: wit::status(identity),
                attributes: wit::attributes(identity),
                address: address(&chart.contact),
                telecoms: telecoms(&chart.contact),
            },
            problems: vec![],
            allergies: vec![],
            treatments: vec![],
            vaccinations: vec![],
            measures: vec![],
            care_team: chart
                .care_team
                .iter()
                .map(|c| rr::CareTeamMember {
                    name: c.member.name.clone(),
                    profession: c.member.profession.clone(),
                    rpps: c.member.rpps.clone(),
                    relation: c.member.relation.clone(),
                    telecoms: c
                        .member
                        .mssante
                        .iter()
                        .map(|m| rr::Telecom {
                            kind: rr::TelecomKind::Mssante,
                            value: m.clone(),
                        })
                        .collect(),
                })
                .collect(),
            encounters: chart
                .encounters
                .iter()
                .map(|e| rr::Encounter {
                    id: e.id.clone(),
                    date: wit::date(e.date),
                    author: e.author.clone(),
                    reason: e.reason.clone(),
                    note: e.note.clone(),
                })
                .collect(),
            documents: chart
                .documents
                .iter()
                .filter(|m| {
                    m.superseded_by.is_none()
                        && !matches!(
                            m.status,
                            esculape_domain::document::DocumentStatus::Supprime
                        )
                })
                .map(|m| rr::DocumentSummary {
                    id: m.id.clone(),
                    type_code: m.type_code.clone(),
                    title: m.title.clone(),
                    act_date: wit::date(m.act_date),
                    set_id: m.set_id.clone(),
                    version_number: u32::try_from(m.version_number).unwrap_or(0),
                    provenance: match m.provenance {
                        Provenance::Produit => rr::Provenance::Produced,
                        _ => rr::Provenance::Received,
                    },
                    plugin: None,
                })
                .collect(),
            forms: Default::default(),
        };
        for e in &chart.entries {
            match &e.data {
                EntryData::Probleme {
                    label,
                    code,
                    status,
                    onset,
                } => d.problems.push(rr::Problem {
                    code: code.as_ref().map(coded),
                    text: label.clone(),
                    active: matches!(status, esculape_domain::record::Activity::Actif),
                    onset: onset.map(wit::date),
                    end: None,
                }),
                EntryData::Antecedent {
                    label, code, onset, ..
                } => d.problems.push(rr::Problem {
                    code: code.as_ref().map(coded),
                    text: label.clone(),
                    active: false,
                    onset: onset.map(wit::date),
                    end: None,
                }),
                EntryData::Allergie {
                    label,
                    code,
                    reaction,
                    ..
                } => d.allergies.push(rr::Allergy {
                    substance: code.as_ref().map(coded),
                    text: label.clone(),
                    reaction: reaction.clone(),
                }),
                EntryData::Traitement {
                    label,
                    code,
                    posology,
                    start,
                    end,
                    long_term,
                } => d.treatments.push(rr::Treatment {
                    medication: code.as_ref().map(coded),
                    text: label.clone(),
                    posology: Some(posology.clone()),
                    start: Some(wit::date(*start)),
                    end: end.map(wit::date),
                    long_term: *long_term,
                }),
                EntryData::Vaccination {
                    label,
                    code,
                    date,
                    lot,
                    ..
                } => d.vaccinations.push(rr::Vaccination {
                    vaccine: code.as_ref().map(coded),
                    text: label.clone(),
                    date: wit::date(*date),
                    lot: lot.clone(),
                }),
                EntryData::Mesure {
                    measure,
                    value,
                    date,
                    heure,
                } => {
                    // The time it was taken in Paris (noon when unknown),
                    // at that day's offset (summer time included).
                    let local = esculape_domain::calendar::LocalDateTime::at(
                        *date,
                        heure.map_or(12 * 60, |h| h.minutes()),
                    );
                    let at = esculape_domain::calendar::paris_instant(local);
                    d.measures.push(rr::Measure {
                        code: Coded {
                            code: measure.loinc().into(),
                            code_system: esculape_identifiants::oid::LOINC.into(),
                            code_system_name: Some("LOINC".into()),
                            display: Some(measure.code().into()),
                        },
                        value: *value,
                        unit: measure.unit().into(),
                        at: t::Timestamp {
                            unix_millis: at,
                            utc_offset_minutes: esculape_domain::calendar::paris_offset_minutes(at),
                        },
                    })
                }
                EntryData::Observation { .. } => {}
            }
        }
        // Newest first, as the interface promises.
        d.measures
            .sort_by_key(|m| std::cmp::Reverse(m.at.unix_millis));
        d
    }
}

impl Dossier {
    /// The signed forms of the record's documents, typed with the schema of
    /// the plugin that signed each (asked here, outside any plugin call, so
    /// that a plugin reading a form never waits on a plugin); a form whose
    /// plugin is gone is left out.
    fn avec_formulaires(
        mut self,
        rt: &esculape_runtime::Runtime,
        forms: std::collections::BTreeMap<String, FormulaireSigne>,
    ) -> Self {
        let mut schemas: std::collections::BTreeMap<String, Option<Vec<Field>>> =
            Default::default();
        for (id, form) in forms {
            let schema = schemas
                .entry(form.plugin.clone())
                .or_insert_with(|| rt.document(&form.plugin).ok()?.form_schema().ok());
            let Some(schema) = schema else { continue };
            if let Some(d) = self.documents.iter_mut().find(|d| d.id == id) {
                d.plugin = Some(form.plugin.clone());
            }
            self.forms
                .insert(id, formulaire::depuis_json_souple(schema, &form.valeurs));
        }
        self
    }
}

impl RecordSource for Dossier {
    fn patient(&self) -> Result<rr::Patient, WitError> {
        Ok(self.patient.clone())
    }
    fn problems(&self) -> Result<Vec<rr::Problem>, WitError> {
        Ok(self.problems.clone())
    }
    fn allergies(&self) -> Result<Vec<rr::Allergy>, WitError> {
        Ok(self.allergies.clone())
    }
    fn treatments(&self) -> Result<Vec<rr::Treatment>, WitError> {
        Ok(self.treatments.clone())
    }
    fn vaccinations(&self) -> Result<Vec<rr::Vaccination>, WitError> {
        Ok(self.vaccinations.clone())
    }
    fn measures(&self, limit: u32) -> Result<Vec<rr::Measure>, WitError> {
        Ok(self.measures.iter().take(limit as usize).cloned().collect())
    }
    fn care_team(&self) -> Result<Vec<rr::CareTeamMember>, WitError> {
        Ok(self.care_team.clone())
    }
    fn encounters(&self, limit: u32) -> Result<Vec<rr::Encounter>, WitError> {
        Ok(self
            .encounters
            .iter()
            .take(limit as usize)
            .cloned()
            .collect())
    }
    fn documents(&self) -> Result<Vec<rr::DocumentSummary>, WitError> {
        Ok(self.documents.clone())
    }
    fn signed_form(&self, document_id: &str) -> Result<Option<Vec<FormValue>>, WitError> {
        if !self.documents.iter().any(|d| d.id == document_id) {
            return Err(WitError::NotFound(format!(
                "document {document_id} absent du dossier de ce patient"
            )));
        }
        Ok(self.forms.get(document_id).cloned())
    }
}

impl App {
    /// Who signs when no author is named (the command line): the one
    /// active médecin with an RPPS; none or several is a French refusal
    /// naming the choices.
    pub async fn signataire_par_defaut(&self) -> Result<Actor, DocError> {
        let medecins: Vec<_> = self
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| u.active && u.rpps.is_some() && u.role == esculape_domain::Role::Medecin)
            .collect();
        match medecins.as_slice() {
            [one] => Ok(Actor::user(one.login.clone())),
            [] => Err(DocError::Refuse(
                "aucun médecin avec un RPPS: créez un compte (esculape users) ou donnez --auteur"
                    .into(),
            )),
            many => Err(DocError::Refuse(format!(
                "plusieurs médecins peuvent signer: --auteur {}",
                many.iter()
                    .map(|u| u.login.as_str())
                    .collect::<Vec<_>>()
                    .join(" | ")
            ))),
        }
    }
}

/// The document types of the installed `document` plugins (test plugins
/// aside).
pub fn types(state: &App) -> Vec<TypeDocument> {
    state
        .runtime
        .list()
        .into_iter()
        .filter(|p| p.world == "document" && !p.profiles.iter().any(|x| x == "test"))
        .filter_map(|p| {
            let d = state.runtime.document(&p.id).ok()?.describe().ok()?;
            Some(TypeDocument {
                plugin: p.id.clone(),
                titre: d.title,
                volet: d.volet,
                niveau: match d.level {
                    CdaLevel::N1 => "N1",
                    CdaLevel::N3 => "N3",
                }
                .to_string(),
                type_code: d.type_code.code,
            })
        })
        .collect()
}

/// A scalar kind's name on the wire, and its detail (a value set).
fn scalaire(k: &esculape_runtime::model::ScalarKind) -> (&'static str, serde_json::Value) {
    use esculape_runtime::model::ScalarKind as K;
    match k {
        K::Text => ("texte", serde_json::Value::Null),
        K::LongText => ("texte-long", serde_json::Value::Null),
        K::Date => ("date", serde_json::Value::Null),
        K::Number => ("nombre", serde_json::Value::Null),
        K::Boolean => ("booleen", serde_json::Value::Null),
        K::Coded(vs) => ("code", serde_json::Value::String(vs.clone())),
    }
}

fn champ(f: &Field) -> Champ {
    use esculape_runtime::model::FieldKind as F;
    let (kind, detail, colonnes) = match &f.kind {
        F::Scalar(k) => {
            let (kind, detail) = scalaire(k);
            (kind, detail, vec![])
        }
        F::Repeated(subs) => (
            "liste",
            serde_json::json!(subs.iter().map(|s| s.key.clone()).collect::<Vec<_>>()),
            subs.iter()
                .map(|s| esculape_api_types::documents::ColonneListe {
                    cle: s.key.clone(),
                    libelle: s.label.clone(),
                    kind: scalaire(&s.kind).0.to_string(),
                    obligatoire: s.required,
                })
                .collect(),
        ),
    };
    Champ {
        cle: f.key.clone(),
        libelle: f.label.clone(),
        kind: kind.to_string(),
        detail,
        obligatoire: f.required,
        aide: f.help.clone(),
        colonnes,
    }
}

/// The signed forms of the record's documents (traced) beside the record
/// read for a plugin call.
async fn dossier(
    store: &Store,
    actor: &Actor,
    chart: &Chart,
) -> Result<(Dossier, std::collections::BTreeMap<String, FormulaireSigne>), DocError> {
    let forms = store.formulaires_signes(actor, &chart.patient.id).await?;
    Ok((Dossier::from_chart(chart), forms))
}

/// Run a plugin call off the async threads (plugins are CPU work).
async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> Result<R, DocError> + Send + 'static,
) -> Result<R, DocError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| DocError::Refuse(format!("tâche interrompue: {e}")))?
}

pub async fn formulaire(
    state: &App,
    actor: &Actor,
    patient_id: &str,
    plugin: &str,
) -> Result<Formulaire, DocError> {
    let chart = state.store.chart(actor, patient_id).await?;
    let (d, forms) = dossier(&state.store, actor, &chart).await?;
    let rt = state.runtime.clone();
    let plugin = plugin.to_string();
    blocking(move || {
        let d = d.avec_formulaires(&rt, forms);
        let client = rt.document(&plugin)?;
        let desc = client.describe()?;
        let schema = client.form_schema()?;
        let values = client.prefill(CallContext::for_patient(Arc::new(d)))?;
        Ok(Formulaire {
            plugin: plugin.clone(),
            titre: desc.title,
            champs: schema.iter().map(champ).collect(),
            valeurs: formulaire::vers_json(&values),
        })
    })
    .await
}

/// A produced document: CDA, PDF, metadata, package.
#[derive(Debug, Clone)]
pub struct Produit {
    pub cda: Vec<u8>,
    pub pdf: Vec<u8>,
    pub entry: DocumentEntry,
    pub xdm: Vec<u8>,
    pub notices: Vec<String>,
    pub level: DocumentFormat,
    /// How the plugin says the document may be shared (DMP, MSSanté).
    pub sharing: t::Sharing,
    /// The stored document (sign-off only).
    pub meta: Option<DocumentMeta>,
}

/// TRE_A03 class of the document types whose class differs from their
/// plugin's default (generic plugins write several types).
/// What the header does not say: the class (by type, else the
/// plugin's) and the format (the plugin's).
fn type_values(type_code: &str, desc: &Description) -> TypeValues {
    TypeValues {
        class_code: class_of_type(type_code).unwrap_or_else(|| xds_code(&desc.class_code)),
        format_code: xds_code(&desc.format_code),
    }
}

/// The XDS entry of a document this practice produced, computed again
/// from its CDA and the plugin that produced it (the same as at signing).
pub(crate) async fn entree_xds(
    state: &App,
    actor: &Actor,
    id: &str,
    cda: &[u8],
) -> Result<DocumentEntry, DocError> {
    let (_, form) = state.store.document_form(actor, id).await?;
    let plugin = form.map(|f| f.plugin).ok_or_else(|| {
        DocError::Refuse("document sans module producteur connu : il ne peut être envoyé".into())
    })?;
    let rt = state.runtime.clone();
    let desc = blocking(move || Ok(rt.document(&plugin)?.describe()?)).await?;
    let header = esculape_xds::read_header(cda)?;
    Ok(esculape_xds::document_entry(
        cda,
        &type_values(&header.code.code, &desc),
    )?)
}

fn class_of_type(type_code: &str) -> Option<Code> {
    let class = |c: &str, d: &str| Some(Code::new(c, "1.2.250.1.213.1.1.4.1", d));
    match type_code {
        "89601-9" | "CERT_DECL" | "87273-9" | "11369-6" => class("52", "Certificat, déclaration"),
        "60591-5" => class("11", "Synthèse"),
        "57833-6" => class("42", "Prescription"),
        _ => None,
    }
}

fn xds_code(c: &Coded) -> Code {
    Code::new(&c.code, &c.code_system, c.display.as_deref().unwrap_or(""))
}

/// Profession and specialty (TRE_G15/R38) of the free-text profession of
/// an account.
fn specialite(profession: Option<&str>) -> Coded {
    let p = profession.unwrap_or("").to_lowercase();
    let (code, display) = if p.contains("généraliste") || p.contains("generaliste") {
        ("G15_10/SM54", "Médecin - Médecine Générale (SM)")
    } else if p.contains("pédiatr") || p.contains("pediatr") {
        ("G15_10/SM40", "Médecin - Pédiatrie (SM)")
    } else if p.contains("cardiolog") {
        (
            "G15_10/SM04",
            "Médecin - Cardiologie et maladies vasculaires (SM)",
        )
    } else {
        ("G15_10", "Médecin")
    };
    Coded {
        code: code.into(),
        code_system: "1.2.250.1.213.1.1.4.5".into(),
        code_system_name: None,
        display: Some(display.into()),
    }
}

/// "Dr Hélène DURAND" → ("Hélène", "DURAND"): the trailing upper-case
/// words are the family name, else the last word.
fn split_name(display: &str) -> (String, String) {
    let words: Vec<&str> = display
        .split_whitespace()
        .filter(|w| {
            !matches!(
                w.to_lowercase().trim_end_matches('.'),
                "dr" | "pr" | "docteur"
            )
        })
        .collect();
    let upper =
        |w: &&&str| w.chars().any(char::is_alphabetic) && !w.chars().any(char::is_lowercase);
    let n_family = words.iter().rev().take_while(upper).count();
    let n_family = if n_family == 0 || n_family == words.len() {
        1
    } else {
        n_family
    };
    let split = words.len().saturating_sub(n_family);
    (words[..split].join(" "), words[split..].join(" "))
}

/// The production context: the signing médecin and the structure.
async fn contexte(
    store: &Store,
    actor: &Actor,
    document_id: String,
    set_id: String,
    version: u32,
) -> Result<Context, DocError> {
    let users = store.users().await?;
    let user = users
        .iter()
        .find(|u| u.login == actor.user_id)
        .ok_or_else(|| {
            DocError::Refuse("seul un professionnel avec un compte peut signer un document".into())
        })?;
    let rpps = user.rpps.clone().ok_or_else(|| {
        DocError::Refuse(format!(
            "le compte {} n'a pas de RPPS: il ne peut pas signer de document",
            user.login
        ))
    })?;
    let structures = store.structures().await?;
    let structure = structures
        .iter()
        .find(|s| Some(&s.id) == user.structure_id.as_ref())
        .or_else(|| structures.first())
        .ok_or_else(|| DocError::Refuse("aucune structure n'est déclarée".into()))?;
    let finess = structure.finess.clone().ok_or_else(|| {
        DocError::Refuse(format!(
            "la structure «{}» n'a pas de FINESS",
            structure.name
        ))
    })?;
    let (given, family) = split_name(&user.display_name);
    let facility = match structure.kind {
        esculape_domain::account::StructureKind::Cabinet => ("SA07", "Cabinet individuel"),
        esculape_domain::account::StructureKind::MaisonDeSante => {
            ("SA52", "Maison de santé ou Pôle de santé")
        }
        esculape_domain::account::StructureKind::CentreDeSante => ("SA05", "Centre de santé"),
    };
    let coded = |c: &str, s: &str, d: &str| Coded {
        code: c.into(),
        code_system: s.into(),
        code_system_name: None,
        display: Some(d.into()),
    };
    let now = esculape_store::now_millis();
    Ok(Context {
        author_rpps: esculape_identifiants::idnps_rpps(&rpps),
        author_given: given,
        author_family: family,
        author_profession: coded("10", "1.2.250.1.71.1.2.7", "Médecin"),
        author_specialty: specialite(user.profession.as_deref()),
        organization_id: esculape_identifiants::idnps_finess(&finess),
        organization_name: structure.name.clone(),
        facility_type: coded(facility.0, "1.2.250.1.71.4.2.4", facility.1),
        practice_setting: coded("AMBULATOIRE", "1.2.250.1.213.1.1.4.9", "Ambulatoire"),
        document_id,
        set_id,
        version_number: version,
        effective_time: t::Timestamp {
            unix_millis: now,
            utc_offset_minutes: esculape_domain::calendar::paris_offset_minutes(now),
        },
    })
}

/// A new submission set of one document (an XDM package's), sent now.
pub(crate) fn soumission() -> Submission {
    Submission {
        unique_id: nouvel_oid(),
        source_id: "2.25.1".into(),
        submission_time: esculape_xds::utc_of_millis(esculape_store::now_millis()),
        set_uuid: uuid_urn(),
        entry_uuid: uuid_urn(),
        association_uuid: uuid_urn(),
    }
}

/// A new OID: `2.25.` + a random 128-bit id as a decimal integer
/// (ISO/IEC 9834-8: no registration needed).
pub(crate) fn nouvel_oid() -> String {
    // new_id is always 32 hex digits: always an OID
    esculape_identifiants::oid_from_hex(&new_id()).unwrap_or_else(|| {
        format!(
            "{}.{}",
            esculape_identifiants::oid::UUID_ARC,
            esculape_store::now_millis()
        )
    })
}

/// A random UUID as an XDS entry or association id wants it.
fn uuid_urn() -> String {
    let mut octets = [0u8; 16];
    if let Ok(hex) = hex::decode(new_id()) {
        octets.iter_mut().zip(hex).for_each(|(o, h)| *o = h);
    }
    format!("urn:uuid:{}", esculape_identifiants::uuid_v4(octets))
}

/// Produce (and on `signer`, store) a document.
pub async fn produire(
    state: &App,
    actor: &Actor,
    patient_id: &str,
    demande: DemandeDocument,
    signer: bool,
) -> Result<Produit, DocError> {
    // The version chain: a correction keeps the setId and counts on.
    let (set_id, version, previous_type) = match &demande.remplace {
        Some(prev) => {
            let (meta, _) = state.store.document(actor, prev).await?;
            if meta.patient_id != patient_id {
                return Err(DocError::Refuse(format!(
                    "le document {prev} n'est pas de ce patient"
                )));
            }
            (
                meta.set_id.clone(),
                meta.version_number as u32 + 1,
                Some(meta.type_code),
            )
        }
        None => (nouvel_oid(), 1, None),
    };
    let document_id = nouvel_oid();
    let ctx = contexte(
        &state.store,
        actor,
        document_id.clone(),
        set_id.clone(),
        version,
    )
    .await?;
    let chart = state.store.chart(actor, patient_id).await?;
    let (d, forms) = dossier(&state.store, actor, &chart).await?;
    let rt = state.runtime.clone();
    let plugin = demande.plugin.clone();
    let valeurs = demande.valeurs.clone();
    let (desc, mut produced, rendered): (Description, _, _) = blocking(move || {
        let d = d.avec_formulaires(&rt, forms);
        let client = rt.document(&plugin)?;
        let desc = client.describe()?;
        // What the user typed, checked against the plugin's fields.
        let form = formulaire::depuis_json(&client.form_schema()?, &valeurs)?;
        let produced = client.produce(CallContext::for_patient(Arc::new(d)), &ctx, &form)?;
        // N1: the PDF is the one in the body; N3: rendered from the layout.
        let rendered = match desc.level {
            CdaLevel::N1 => None,
            CdaLevel::N3 => Some(
                rt.render_pdf(&produced.layout)
                    .map_err(|e| DocError::Refuse(format!("PDF: {e:?}")))?,
            ),
        };
        Ok((desc, produced, rendered))
    })
    .await?;
    let (level, pdf) = match desc.level {
        CdaLevel::N1 => (
            DocumentFormat::CdaN1,
            esculape_xds::embedded_pdf(&produced.cda)
                .ok_or_else(|| DocError::Refuse("le document N1 ne contient pas de PDF".into()))?,
        ),
        CdaLevel::N3 => (DocumentFormat::CdaN3, rendered.unwrap_or_default()),
    };
    let header = esculape_xds::read_header(&produced.cda)?;
    // A new version corrects the same document: same type.
    if let Some(t) = previous_type
        && t != header.code.code
    {
        return Err(DocError::Refuse(format!(
            "une nouvelle version garde le type du document ({t}), pas {}",
            header.code.code
        )));
    }
    let entry =
        esculape_xds::document_entry(&produced.cda, &type_values(&header.code.code, &desc))?;
    let xdm = esculape_xds::write_xdm(&entry, &produced.cda, &soumission())?;
    let meta = if signer {
        let act = esculape_domain::calendar::paris_local(esculape_store::now_millis()).day();
        let new = NewDocument {
            title: header.title.clone(),
            type_code: header.code.code.clone(),
            type_display: Some(header.code.display.clone()).filter(|d| !d.is_empty()),
            format: level,
            act_date: act,
            provenance: Provenance::Produit,
            visibility: esculape_domain::document::Visibility {
                invisible_au_patient: demande.invisible_au_patient,
                ..Default::default()
            },
            cda_id: Some(document_id.clone()),
            cda_set_id: Some(set_id),
        };
        // The form as signed: a correction reopens it.
        let form = FormulaireSigne {
            plugin: demande.plugin.clone(),
            valeurs: demande.valeurs.clone(),
        };
        // The DMP feeding order, deferred, queued with the document
        // (SC.DMP/ALI/PROG.02, 03): when the plugin says the type may
        // feed the DMP and the doctor did not hold it back.
        let ordre = (produced.sharing.dmp && !demande.retenir_dmp)
            .then(|| state.ordre_alimentation(&document_id, patient_id, &header.title));
        // A CS9 or CS24 leaves for the CSE platform by MSSanté, deferred
        // the same way (LGC.CSE.15), cancellable meanwhile.
        let d_office =
            match esculape_domain::document::destinataire_d_office(&desc.format_code.code) {
                Some(a) => Some(
                    state
                        .ordre_envoi_d_office(actor, &document_id, patient_id, &header.title, a)
                        .await?,
                ),
                None => None,
            };
        let ordres: Vec<&esculape_store::outbox::NouveauTravail> =
            ordre.iter().chain(d_office.iter()).collect();
        let meta = match &demande.remplace {
            Some(prev) => {
                state
                    .store
                    .replace_signed_document(
                        actor,
                        prev,
                        new,
                        produced.cda.clone(),
                        Some(&form),
                        &ordres,
                    )
                    .await?
            }
            None => {
                state
                    .store
                    .add_signed_document(
                        actor,
                        patient_id,
                        new,
                        produced.cda.clone(),
                        Some(&form),
                        &ordres,
                    )
                    .await?
            }
        };
        crate::crash::point("document.apres_signature");
        if !ordres.is_empty() {
            state.reveil.notify_one();
        }
        produced.notices.extend(
            reporter_mesures(
                &state.store,
                actor,
                patient_id,
                &produced.record_updates,
                &chart.entries,
            )
            .await,
        );
        Some(meta)
    } else {
        state
            .store
            .trace(actor, "document.apercu", Some(patient_id), &demande.plugin)
            .await?;
        None
    };
    Ok(Produit {
        cda: produced.cda,
        pdf,
        entry,
        xdm,
        notices: produced.notices,
        level,
        sharing: produced.sharing,
        meta,
    })
}

/// Records in the chart the measures a signed document reports (the
/// plugin's record updates) that the chart has not got for that day (an
/// edited value there stays as edited), so that the growth charts and the
/// next forms (a CS9 after the 9th month's exam report) have them. What was
/// recorded, or not, is said in the notices; the document is signed either
/// way.
async fn reporter_mesures(
    store: &Store,
    actor: &Actor,
    patient_id: &str,
    updates: &[t::RecordUpdate],
    existantes: &[esculape_store::record::Entry],
) -> Vec<String> {
    let mut reportees = vec![];
    let mut notices = vec![];
    let mut jours = vec![];
    for update in updates {
        let t::RecordUpdate::Measure(m) = update;
        let Some(kind) = MeasureKind::of_loinc(&m.code.code) else {
            notices.push(format!(
                "Mesure non reportée au dossier : code LOINC {} inconnu",
                m.code.code
            ));
            continue;
        };
        let libelle = kind.libelle();
        let local = esculape_domain::calendar::paris_local(m.at.unix_millis);
        let jour = local.day();
        // Noon is how a measure of unknown time travels (see the WIT).
        let heure = match local.minute_of_day() {
            720 => None,
            min => esculape_domain::calendar::Heure::from_minutes(min),
        };
        let value = m.value;
        let fr = |v: f64| format!("{} {}", v.to_string().replace('.', ","), kind.unit());
        let deja = existantes.iter().find_map(|e| match &e.data {
            EntryData::Mesure {
                measure,
                date,
                value,
                ..
            } if *measure == kind && *date == jour => Some(*value),
            _ => None,
        });
        if let Some(v) = deja {
            // The record's value stands (it may have been corrected there);
            // a different one typed here is said, not silently dropped.
            if v != value {
                notices.push(format!(
                    "Le dossier garde {libelle} {} du {jour} (saisi ici : {}) : corrigez la mesure dans le dossier si besoin.",
                    fr(v),
                    fr(value)
                ));
            }
            continue;
        }
        let data = EntryData::Mesure {
            measure: kind,
            value,
            date: jour,
            heure,
        };
        match store.add_entry(actor, patient_id, None, data).await {
            Ok(_) => {
                reportees.push(format!("{libelle} {}", fr(value)));
                if !jours.contains(&jour) {
                    jours.push(jour);
                }
            }
            Err(e) => notices.push(format!("Mesure non reportée au dossier ({libelle}) : {e}")),
        }
    }
    if !reportees.is_empty() {
        let jours: Vec<String> = jours.iter().map(ToString::to_string).collect();
        notices.insert(
            0,
            format!(
                "Mesures du {} reportées au dossier : {}",
                jours.join(", "),
                reportees.join(", ")
            ),
        );
    }
    notices
}

#[cfg(test)]
mod tests {
    use super::split_name;

    #[test]
    fn names_of_accounts() {
        assert_eq!(
            split_name("Dr Hélène DURAND"),
            ("Hélène".into(), "DURAND".into())
        );
        assert_eq!(
            split_name("Jean-Marc DE LA TOUR"),
            ("Jean-Marc".into(), "DE LA TOUR".into())
        );
        assert_eq!(
            split_name("Claire Martin"),
            ("Claire".into(), "Martin".into())
        );
        assert_eq!(split_name("MARTIN"), ("".into(), "MARTIN".into()));
    }
}
