//! The DMP's web services as the integration package publishes them
//! (`../shared/testdata/dmp/`), stateful: patients with an open DMP,
//! without one, with a closed one, professionals authorised or blocked.
//! Every request's VIHF is read and its signature checked (`esculape-dmp`);
//! a médecin's VIHF without a specialty is refused as the DMP refuses it.
//!
//! Served: TD0.2 (`POST /dmp/patients`), TD2.1 and TD3.2 (`POST
//! /dmp/repository`), TD3.1 and TD3.3c/d (`POST /dmp/registry`); a
//! consultation only in a professional's own name (CPS, or the PSC trust
//! space with their token bound to the proxy's certificate).
//! `POST /dmp/documents/{ins}` puts a CDA in a DMP as another
//! professional would have. `PUT /dmp/reglages` sets
//! latency and failures (as the INSi's), `PUT /dmp/dossiers/{ins}` a
//! patient's DMP, `GET /dmp/journal` the requests received.

use crate::Sandbox;
use crate::insi::{Panne, Reglages};
use axum::Extension;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use esculape_dmp::vihf;
use esculape_ecoute::PairTls;
use quick_xml::events::Event;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Largest request read (a TD2.1 with its documents is read elsewhere).
const TAILLE_MAX: usize = 1 << 20;

/// A patient's DMP.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dossier {
    /// Closed by the patient (or after death): TD0.2 says so.
    #[serde(default)]
    pub ferme: bool,
    /// Professionals (VIHF NameID) the patient blocked.
    #[serde(default)]
    pub bloques: BTreeSet<String>,
    /// Professionals authorised (TD0.3).
    #[serde(default)]
    pub autorises: BTreeSet<String>,
    #[serde(default)]
    pub medecin_traitant: Option<String>,
}

/// One request received.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AppelDmp {
    pub transaction: String,
    /// The VIHF's professional, mode and access mode; empty when the
    /// VIHF was refused.
    pub professionnel: String,
    pub mode: String,
    pub acces: String,
    pub patient: String,
    /// What was answered (`OK`, `NF`, a refusal's reason).
    pub resultat: String,
}

impl AppelDmp {
    /// A call of `transaction`, nothing known of it yet.
    fn de(transaction: &str) -> Self {
        Self {
            transaction: transaction.into(),
            professionnel: String::new(),
            mode: String::new(),
            acces: String::new(),
            patient: String::new(),
            resultat: String::new(),
        }
    }
}

/// A document fed to a DMP, as the registry keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DocumentRecu {
    pub unique_id: String,
    /// The entryUUID it was submitted under.
    pub entry_uuid: String,
    pub patient: String,
    pub titre: String,
    pub type_code: String,
    pub taille: usize,
    /// Replaced by a newer version (RPLC): `Deprecated` in the registry.
    pub remplace_par: Option<String>,
    /// Its confidentiality codes (N, MASQUE_PS, INVISIBLE_PATIENT…).
    pub confidentialite: Vec<String>,
    /// Its status in the registry (Approved, the DMP's Archived or
    /// Deleted: ITI-57).
    pub statut: String,
    pub mime_type: String,
    /// The document, as the repository keeps it (ITI-43 gives it back).
    #[serde(skip)]
    pub octets: Vec<u8>,
    /// Its `ExtrinsicObject` as submitted: the registry answers a search
    /// (ITI-18) with it.
    #[serde(skip)]
    pub metadonnees: String,
}

impl DocumentRecu {
    /// Its status as a search answers it: replaced is `Deprecated`.
    pub fn statut_registre(&self) -> &str {
        if self.remplace_par.is_some() {
            esculape_dmp::td31::OBSOLETE
        } else {
            &self.statut
        }
    }
}

/// The sandbox's repository (the published examples').
pub const REPOSITORY: &str = "1.2.250.1.213.4.1.1.1.2";

pub struct Dmp {
    /// Documents fed, by patient INS.
    documents: Mutex<BTreeMap<String, Vec<DocumentRecu>>>,
    /// Submissions received per document uniqueId (a document fed twice
    /// shows here).
    soumissions: Mutex<BTreeMap<String, u32>>,
    /// Who each INS is (the INSi's people), for the answers' patient.
    personnes: BTreeMap<String, esculape_insi::TraitsInsi>,
    reglages: Mutex<Reglages>,
    dossiers: Mutex<BTreeMap<String, Dossier>>,
    journal: Mutex<Vec<AppelDmp>>,
}

impl Default for Dmp {
    /// Every person the sandbox's INSi knows has an open DMP, except the
    /// second (ADRTROIS Toussaint: none) and the third (TCHITCHI: closed).
    fn default() -> Self {
        let mut dossiers = BTreeMap::new();
        let mut personnes = BTreeMap::new();
        for (i, p) in crate::identites::personnes().iter().enumerate() {
            let ins = format!(
                "{}{}",
                p.ins.numero,
                p.ins.cle.as_deref().unwrap_or_default()
            );
            personnes.insert(ins.clone(), p.traits.clone());
            match i {
                1 => {}
                2 => {
                    dossiers.insert(
                        ins,
                        Dossier {
                            ferme: true,
                            ..Dossier::default()
                        },
                    );
                }
                _ => {
                    dossiers.insert(ins, Dossier::default());
                }
            }
        }
        Self {
            documents: Mutex::default(),
            soumissions: Mutex::default(),
            personnes,
            reglages: Mutex::default(),
            dossiers: Mutex::new(dossiers),
            journal: Mutex::default(),
        }
    }
}

impl Dmp {
    pub fn journal(&self) -> Vec<AppelDmp> {
        self.journal.lock().map(|j| j.clone()).unwrap_or_default()
    }

    fn noter(&self, a: AppelDmp) {
        if let Ok(mut j) = self.journal.lock() {
            if j.len() == 100 {
                j.remove(0);
            }
            j.push(a);
        }
    }

    /// The documents fed to a patient's DMP.
    pub fn documents(&self, ins: &str) -> Vec<DocumentRecu> {
        self.documents
            .lock()
            .ok()
            .and_then(|d| d.get(ins).cloned())
            .unwrap_or_default()
    }

    /// How many submissions carried this uniqueId (accepted or not).
    pub fn soumissions(&self, unique_id: &str) -> u32 {
        self.soumissions
            .lock()
            .ok()
            .and_then(|s| s.get(unique_id).copied())
            .unwrap_or(0)
    }

    pub fn dossier(&self, ins: &str) -> Option<Dossier> {
        self.dossiers.lock().ok()?.get(ins).cloned()
    }

    /// Sets (or, with `None`, removes) a patient's DMP.
    pub fn regler_dossier(&self, ins: &str, d: Option<Dossier>) {
        if let Ok(mut g) = self.dossiers.lock() {
            match d {
                Some(d) => g.insert(ins.to_string(), d),
                None => g.remove(ins),
            };
        }
    }

    pub fn reglages(&self) -> Reglages {
        self.reglages.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Latency and failures from now on (`PUT /dmp/reglages`).
    pub fn regler(&self, r: Reglages) {
        if let Ok(mut g) = self.reglages.lock() {
            *g = r;
        }
    }
}

pub fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/dmp/patients", post(patients))
        .route("/dmp/repository", post(repository))
        .route("/dmp/registry", post(registre))
        .route("/dmp/documents/{ins}", get(documents).post(deposer))
        .route("/dmp/reglages", get(lire_reglages).put(ecrire_reglages))
        .route("/dmp/dossiers/{ins}", put(ecrire_dossier).get(lire_dossier))
        .route("/dmp/journal", get(journal))
}

async fn documents(
    State(s): State<Arc<Sandbox>>,
    Path(ins): Path<String>,
) -> Json<Vec<DocumentRecu>> {
    Json(s.dmp.documents(&ins))
}

/// A document put in a patient's DMP as if another professional had fed
/// it (demos, tests): the CDA as body; its metadata computed from its
/// header (a generic class and format). 201 with its uniqueId.
async fn deposer(
    State(s): State<Arc<Sandbox>>,
    Path(ins): Path<String>,
    cda: axum::body::Bytes,
) -> Response {
    if cda.len() > SOUMISSION_MAX {
        return (StatusCode::PAYLOAD_TOO_LARGE, "document trop volumineux").into_response();
    }
    let valeurs = esculape_xds::TypeValues {
        class_code: esculape_xds::Code::new("10", "1.2.250.1.213.1.1.4.1", "Compte rendu"),
        format_code: esculape_xds::Code::new(
            "urn:ihe:iti:xds-sd:pdf:2008",
            "1.3.6.1.4.1.19376.1.2.3",
            "Document à corps non structuré en Pdf/A-1",
        ),
    };
    let mut entree = match esculape_xds::document_entry(&cda, &valeurs) {
        Ok(e) => e,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("CDA illisible : {e}")).into_response(),
    };
    entree.patient_id = vihf::cx(&ins, esculape_identifiants::oid::INS_NIR);
    let entry_uuid = esculape_dmp::td21::entree_uuid(&entree.unique_id);
    let recu = DocumentRecu {
        unique_id: entree.unique_id.clone(),
        entry_uuid: entry_uuid.clone(),
        patient: entree.patient_id.clone(),
        titre: entree.title.clone(),
        type_code: entree.type_code.code.clone(),
        taille: cda.len(),
        remplace_par: None,
        confidentialite: vec![entree.confidentiality_code.code.clone()],
        statut: esculape_xds::STATUT_APPROUVE.into(),
        mime_type: entree.mime_type.clone(),
        octets: cda.to_vec(),
        metadonnees: esculape_xds::entree_xml(&entree, &entry_uuid),
    };
    if let Ok(mut d) = s.dmp.documents.lock() {
        let liste = d.entry(ins).or_default();
        if liste.iter().any(|x| x.unique_id == recu.unique_id) {
            return (StatusCode::CONFLICT, "document déjà présent").into_response();
        }
        liste.push(recu);
    }
    (StatusCode::CREATED, entree.unique_id).into_response()
}

async fn journal(State(s): State<Arc<Sandbox>>) -> Json<Vec<AppelDmp>> {
    Json(s.dmp.journal())
}

async fn lire_reglages(State(s): State<Arc<Sandbox>>) -> Json<Reglages> {
    Json(s.dmp.reglages())
}

async fn ecrire_reglages(State(s): State<Arc<Sandbox>>, Json(r): Json<Reglages>) -> Json<Reglages> {
    s.dmp.regler(r);
    Json(s.dmp.reglages())
}

async fn lire_dossier(State(s): State<Arc<Sandbox>>, Path(ins): Path<String>) -> Response {
    match s.dmp.dossier(&ins) {
        Some(d) => Json(d).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn ecrire_dossier(
    State(s): State<Arc<Sandbox>>,
    Path(ins): Path<String>,
    Json(d): Json<Option<Dossier>>,
) -> StatusCode {
    s.dmp.regler_dossier(&ins, d);
    StatusCode::NO_CONTENT
}

fn reponse_soap(status: StatusCode, xml: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/soap+xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

/// A SOAP 1.2 fault with the DMP's error as subcode.
pub fn faute(expediteur: bool, sous_code: &str, raison: &str) -> String {
    let e = |s: &str| quick_xml::escape::escape(s).into_owned();
    format!(
        "<soap:Envelope xmlns:soap=\"{}\"><soap:Body><soap:Fault><soap:Code><soap:Value>soap:{}</soap:Value><soap:Subcode><soap:Value>{}</soap:Value></soap:Subcode></soap:Code><soap:Reason><soap:Text xml:lang=\"fr\">{}</soap:Text></soap:Reason></soap:Fault></soap:Body></soap:Envelope>",
        esculape_dmp::soap::SOAP,
        if expediteur { "Sender" } else { "Receiver" },
        e(sous_code),
        e(raison)
    )
}

/// Latency and failures, as set; `Some` is the answer to give instead.
async fn reglages(s: &Sandbox) -> Option<Response> {
    let r = s.dmp.reglages();
    if r.latence_ms > 0 {
        tokio::time::sleep(Duration::from_millis(r.latence_ms)).await;
    }
    match r.panne {
        Some(Panne::Indisponible) => {
            Some((StatusCode::SERVICE_UNAVAILABLE, "service DMP indisponible").into_response())
        }
        Some(Panne::Faute) => Some(reponse_soap(
            StatusCode::INTERNAL_SERVER_ERROR,
            faute(false, "DMPSystemError", "Erreur technique (panne simulée)"),
        )),
        Some(Panne::Delai) => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            None
        }
        // Only a submission has something to lose (see `repository`).
        Some(Panne::ReponsePerdue) | None => None,
    }
}

/// The VIHF of a request, checked: signature, the role's specialty for a
/// médecin. `Err` is the fault to answer.
fn vihf_verifie(body: &str) -> Result<vihf::VihfRecu, (String, String)> {
    let v =
        vihf::lire(body.as_bytes()).map_err(|e| ("DMPInvalidVIHF".to_string(), e.to_string()))?;
    let profession = v
        .vihf
        .roles
        .iter()
        .find(|r| r.systeme == "1.2.250.1.71.1.2.7");
    let specialite = v
        .vihf
        .roles
        .iter()
        .any(|r| r.systeme == "1.2.250.1.71.4.2.5");
    match profession {
        None => {
            return Err((
                "DMPInvalidVIHF".into(),
                "Aucune profession dans le vihf".into(),
            ));
        }
        Some(p) if p.code == "10" && !specialite => {
            return Err((
                "DMPInvalidVIHF".into(),
                "Aucune spécialité dans le vihf".into(),
            ));
        }
        _ => {}
    }
    Ok(v)
}

/// The request's VIHF checked and its professional, mode and access mode
/// noted in `appel`; a refusal is journaled and is the answer to give.
fn vihf_de_l_appel(
    s: &Sandbox,
    appel: &mut AppelDmp,
    xml: &str,
) -> Result<vihf::VihfRecu, Response> {
    match vihf_verifie(xml) {
        Ok(v) => {
            appel.professionnel = v.vihf.professionnel.clone();
            appel.mode = v.vihf.mode.valeur().into();
            appel.acces = format!("{:?}", v.vihf.acces);
            Ok(v)
        }
        Err((code, raison)) => {
            appel.resultat = raison.clone();
            s.dmp.noter(appel.clone());
            Err(reponse_soap(
                StatusCode::INTERNAL_SERVER_ERROR,
                faute(true, &code, &raison),
            ))
        }
    }
}

/// The INS of the VIHF's patient (its CX's id).
fn ins_du_vihf(v: &vihf::VihfRecu) -> String {
    v.vihf
        .patient
        .as_deref()
        .unwrap_or_default()
        .split('^')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The INS of `patientIdentifier/value` (TD0.2's query).
fn patient_de_la_requete(body: &str) -> Option<(String, String)> {
    let mut r = quick_xml::Reader::from_str(body);
    let mut dans = false;
    loop {
        match r.read_event().ok()? {
            Event::Start(e) if e.local_name().as_ref() == b"patientIdentifier" => dans = true,
            Event::Empty(e) | Event::Start(e) if dans && e.local_name().as_ref() == b"value" => {
                let a = |k: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k)
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                };
                return Some((a(b"extension")?, a(b"root")?));
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

async fn patients(State(s): State<Arc<Sandbox>>, _h: HeaderMap, body: String) -> Response {
    if let Some(r) = reglages(&s).await {
        return r;
    }
    if body.len() > TAILLE_MAX {
        return reponse_soap(
            StatusCode::PAYLOAD_TOO_LARGE,
            faute(true, "DMPRequestTooLarge", "requête trop volumineuse"),
        );
    }
    let mut appel = AppelDmp::de("TD0.2");
    let v = match vihf_de_l_appel(&s, &mut appel, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some((ins, oid)) = patient_de_la_requete(&body) else {
        appel.resultat = "patientIdentifier absent".into();
        s.dmp.noter(appel);
        return reponse_soap(
            StatusCode::INTERNAL_SERVER_ERROR,
            faute(true, "DMPInvalidRequest", "patientIdentifier absent"),
        );
    };
    appel.patient = ins.clone();
    // the VIHF's patient must be the query's
    if v.vihf.patient.as_deref() != Some(vihf::cx(&ins, &oid).as_str()) {
        appel.resultat = "XDSPatientIdDoesNotMatch".into();
        s.dmp.noter(appel);
        return reponse_soap(
            StatusCode::OK,
            td02_reponse(
                &ins,
                &oid,
                None,
                None,
                "AE",
                Some("XDSPatientIdDoesNotMatch : le patient du VIHF n'est pas celui de la requête"),
            ),
        );
    }
    let dossier = s.dmp.dossier(&ins);
    appel.resultat = match &dossier {
        None => "NF".into(),
        Some(d) if d.ferme => "OK fermé".into(),
        Some(_) => "OK".into(),
    };
    s.dmp.noter(appel);
    let etat = dossier.map(|d| (d, v.vihf.professionnel.clone()));
    let personne = s.dmp.personnes.get(&ins);
    reponse_soap(
        StatusCode::OK,
        td02_reponse(&ins, &oid, etat.as_ref(), personne, "AA", None),
    )
}

/// A `PRPA_IN201308UV02` answer as the published example: acknowledgement,
/// AUTORISATION and STATUT_MT attention lines, the patient and their
/// DMP's status; `NF` when there is no DMP.
fn td02_reponse(
    ins: &str,
    oid: &str,
    dossier: Option<&(Dossier, String)>,
    personne: Option<&esculape_insi::TraitsInsi>,
    acquittement: &str,
    detail: Option<&str>,
) -> String {
    let e = |s: &str| quick_xml::escape::escape(s).into_owned();
    let mut lignes = String::new();
    let mut sujet = String::new();
    let code = match dossier {
        None => "NF",
        Some((d, professionnel)) => {
            let autorisation = if d.bloques.contains(professionnel) {
                "INTERDITE"
            } else if d.autorises.contains(professionnel) {
                "VALIDE"
            } else {
                "NON_AUTORISE"
            };
            let mt = d.medecin_traitant.as_deref() == Some(professionnel.as_str());
            lignes = format!(
                "<attentionLine><keyWordText code=\"AUTORISATION\" codeSystem=\"1.2.250.1.213.4.1.2.6.1\"/><value xsi:type=\"CV\" code=\"{autorisation}\" codeSystem=\"1.2.250.1.213.4.1.2.6.2\"/></attentionLine>\
<attentionLine><keyWordText code=\"STATUT_MT\" codeSystem=\"1.2.250.1.213.4.1.2.6.3\"/><value xsi:type=\"BL\" value=\"{mt}\"/></attentionLine>"
            );
            sujet = format!(
                "<subject typeCode=\"SUBJ\" contextConductionInd=\"false\"><registrationEvent classCode=\"REG\" moodCode=\"EVN\"><statusCode code=\"completed\"/><subject1 typeCode=\"SBJ\"><patient classCode=\"PAT\"><id root=\"{}\" extension=\"{}\"/><statusCode code=\"{}\"/>{}</patient></subject1><custodian typeCode=\"CST\"><assignedEntity classCode=\"ASSIGNED\"><id root=\"{}\"/></assignedEntity></custodian></registrationEvent></subject>",
                e(oid),
                e(ins),
                if d.ferme { "nullified" } else { "active" },
                personne_xml(personne),
                esculape_dmp::td02::DMP
            );
            "OK"
        }
    };
    let detail = detail
        .map(|d| {
            format!(
                "<acknowledgementDetail typeCode=\"E\"><text>{}</text></acknowledgementDetail>",
                e(d)
            )
        })
        .unwrap_or_default();
    format!(
        "<soap:Envelope xmlns:soap=\"{soap}\"><soap:Header><Action xmlns=\"{wsa}\">{action}</Action></soap:Header><soap:Body>\
<PRPA_IN201308UV02 xmlns=\"urn:hl7-org:v3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ITSVersion=\"XML_1.0\">\
<id root=\"{id}\"/><creationTime value=\"{now}\"/><interactionId root=\"2.16.840.1.113883.1.6\" extension=\"PRPA_IN201308UV02\"/>\
<processingCode code=\"P\"/><processingModeCode code=\"T\"/><acceptAckCode code=\"NE\"/>\
<receiver typeCode=\"RCV\"><device classCode=\"DEV\" determinerCode=\"INSTANCE\"><id root=\"1.2.250.1.999\"/></device></receiver>\
<sender typeCode=\"SND\"><device classCode=\"DEV\" determinerCode=\"INSTANCE\"><id root=\"{dmp}\"/><softwareName>DMP</softwareName></device></sender>\
{lignes}<acknowledgement typeCode=\"{acquittement}\"><targetMessage><id root=\"{id}\"/></targetMessage>{detail}</acknowledgement>\
<controlActProcess classCode=\"CACT\" moodCode=\"EVN\"><reasonCode code=\"TEST_EXST\" codeSystem=\"1.2.250.1.213.1.1.4.11\"/>{sujet}\
<queryAck><queryId root=\"{dmp}\" extension=\"{id}\"/><queryResponseCode code=\"{code}\"/></queryAck></controlActProcess>\
</PRPA_IN201308UV02></soap:Body></soap:Envelope>",
        soap = esculape_dmp::soap::SOAP,
        wsa = esculape_dmp::soap::WSA,
        action = esculape_dmp::td02::ACTION_REPONSE,
        id = esculape_dmp::uuid(),
        now = chrono::Utc::now().format("%Y%m%d%H%M%S"),
        dmp = esculape_dmp::td02::DMP,
    )
}

/// The `patientPerson` of an answer (the schema wants one): name, sex,
/// birth date as the INSi knows them.
fn personne_xml(p: Option<&esculape_insi::TraitsInsi>) -> String {
    let e = |s: &str| quick_xml::escape::escape(s).into_owned();
    match p {
        None => "<patientPerson classCode=\"PSN\" determinerCode=\"INSTANCE\"/>".into(),
        Some(t) => format!(
            "<patientPerson classCode=\"PSN\" determinerCode=\"INSTANCE\"><name>{}<family qualifier=\"BR\">{}</family></name><administrativeGenderCode code=\"{}\"/><birthTime value=\"{}\"/></patientPerson>",
            t.prenoms
                .iter()
                .map(|p| format!("<given>{}</given>", e(p)))
                .collect::<String>(),
            e(&t.nom_naissance),
            e(&t.sexe),
            t.date_naissance.replace('-', "")
        ),
    }
}

/// Largest submission read (MTOM with its documents).
const SOUMISSION_MAX: usize = 32 << 20;

/// A registry's answer: success, or failure with the DMP's error code.
/// A registry's refusal (`code`), journaled.
fn refus_registre(
    s: &Sandbox,
    mut appel: AppelDmp,
    action: &str,
    code: &str,
    contexte: &str,
) -> Response {
    appel.resultat = code.to_string();
    s.dmp.noter(appel);
    reponse_soap(
        StatusCode::OK,
        reponse_registre(action, Some((code, contexte))),
    )
}

fn reponse_registre(action: &str, erreur: Option<(&str, &str)>) -> String {
    let e = |s: &str| quick_xml::escape::escape(s).into_owned();
    let rs = "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0";
    let corps = match erreur {
        None => format!(
            "<rs:RegistryResponse xmlns:rs=\"{rs}\" status=\"urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success\"/>"
        ),
        Some((code, contexte)) => format!(
            "<rs:RegistryResponse xmlns:rs=\"{rs}\" status=\"urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure\"><rs:RegistryErrorList><rs:RegistryError errorCode=\"{}\" codeContext=\"{}\" severity=\"urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error\"/></rs:RegistryErrorList></rs:RegistryResponse>",
            e(code),
            e(contexte)
        ),
    };
    enveloppe_reponse(action, &corps)
}

/// An answer's SOAP 1.2 envelope: its `Action`, its body.
fn enveloppe_reponse(action: &str, corps: &str) -> String {
    format!(
        "<soap:Envelope xmlns:soap=\"{}\"><soap:Header><Action xmlns=\"{}\">{}</Action></soap:Header><soap:Body>{corps}</soap:Body></soap:Envelope>",
        esculape_dmp::soap::SOAP,
        esculape_dmp::soap::WSA,
        action
    )
}

/// The registry: ITI-57 (TD3.3c delete, TD3.3d archive). The VIHF
/// checked; each UpdateAvailabilityStatus must name a document of the
/// VIHF's patient in its current status; then its status changes.
async fn registre(
    State(s): State<Arc<Sandbox>>,
    pair: Option<Extension<ConnectInfo<PairTls>>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    const ACTION: &str = "urn:ihe:iti:2010:UpdateDocumentSetResponse";
    if let Some(r) = reglages(&s).await {
        return r;
    }
    if body.contains("AdhocQueryRequest") {
        return recherche(&s, pair, &headers, &body);
    }
    let mut appel = AppelDmp::de("TD3.3");
    let refus = |s: &Sandbox, appel: AppelDmp, code: &str, contexte: &str| {
        refus_registre(s, appel, ACTION, code, contexte)
    };
    if body.len() > SOUMISSION_MAX {
        return reponse_soap(
            StatusCode::PAYLOAD_TOO_LARGE,
            faute(true, "DMPInvalidRequest", "requête trop volumineuse"),
        );
    }
    let v = match vihf_de_l_appel(&s, &mut appel, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let ins = ins_du_vihf(&v);
    appel.patient = ins.clone();
    let meta = match esculape_xds::registre::lire(body.as_bytes()) {
        Ok(m) => m,
        Err(e) => return refus(&s, appel, "XDSRegistryMetadataError", &e.to_string()),
    };
    let changements: Vec<_> = meta
        .associations
        .iter()
        .filter(|a| a.type_ == esculape_xds::MISE_A_JOUR_STATUT)
        .collect();
    if changements.is_empty() {
        return refus(
            &s,
            appel,
            "XDSRegistryMetadataError",
            "aucun changement de statut",
        );
    }
    let documents = s.dmp.documents(&ins);
    for a in &changements {
        let Some(d) = documents.iter().find(|d| d.entry_uuid == a.cible) else {
            return refus(
                &s,
                appel,
                "UnresolvedReferenceException",
                &format!("document {} absent du DMP de ce patient", a.cible),
            );
        };
        if a.slot("OriginalStatus") != Some(d.statut.as_str()) {
            return refus(
                &s,
                appel,
                "XDSMetadataUpdateError",
                &format!("le document {} n'est pas dans ce statut", a.cible),
            );
        }
    }
    if let Ok(mut docs) = s.dmp.documents.lock()
        && let Some(liste) = docs.get_mut(&ins)
    {
        for a in &changements {
            for d in liste.iter_mut().filter(|d| d.entry_uuid == a.cible) {
                d.statut = a.slot("NewStatus").unwrap_or_default().to_string();
            }
        }
    }
    appel.resultat = "Success".into();
    s.dmp.noter(appel);
    reponse_soap(StatusCode::OK, reponse_registre(ACTION, None))
}

/// TD2.1 (ITI-41): the MTOM message read part by part, the VIHF checked,
/// the metadata read, the patient the VIHF's, the document not already
/// there, the XAdES signature checked and its manifest matching the
/// document's bytes; then the document is kept.
async fn repository(
    State(s): State<Arc<Sandbox>>,
    pair: Option<Extension<ConnectInfo<PairTls>>>,
    h: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(r) = reglages(&s).await {
        return r;
    }
    if body.len() <= TAILLE_MAX
        && let Ok(texte) = std::str::from_utf8(&body)
        && texte.contains("RetrieveDocumentSetRequest")
    {
        return consultation(&s, pair, &h, texte);
    }
    if body.len() > SOUMISSION_MAX {
        return reponse_soap(
            StatusCode::PAYLOAD_TOO_LARGE,
            faute(true, "DMPRequestTooLarge", "soumission trop volumineuse"),
        );
    }
    let type_contenu = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut appel = AppelDmp::de("TD2.1");
    let refus = |s: &Sandbox, appel: AppelDmp, code: &str, contexte: &str| {
        refus_registre(s, appel, esculape_dmp::td21::ACTION_REPONSE, code, contexte)
    };
    let parties = match esculape_dmp::td21::parties_mtom(type_contenu, &body) {
        Ok(p) if p.len() >= 2 => p,
        Ok(_) => return refus(&s, appel, "XDSMissingDocument", "aucun document joint"),
        Err(e) => {
            return reponse_soap(
                StatusCode::BAD_REQUEST,
                faute(true, "DMPInvalidRequest", &format!("MTOM illisible : {e}")),
            );
        }
    };
    let enveloppe = String::from_utf8_lossy(&parties[0].1).into_owned();
    let v = match vihf_de_l_appel(&s, &mut appel, &enveloppe) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let meta = match esculape_xds::registre::lire(enveloppe.as_bytes()) {
        Ok(m) => m,
        Err(e) => return refus(&s, appel, "XDSRegistryMetadataError", &e.to_string()),
    };
    let classe_signature = esculape_dmp::xades::CLASSE_SIGNATURE;
    let est_signature = |e: &esculape_xds::registre::EntreeLue| {
        e.code("classCode").map(|c| c.code.as_str()) == Some(classe_signature)
    };
    let (Some(doc), Some(sig)) = (
        meta.entrees.iter().find(|e| !est_signature(e)),
        meta.entrees.iter().find(|e| est_signature(e)),
    ) else {
        return refus(
            &s,
            appel,
            "XDSRegistryMetadataError",
            "document ou signature absent des métadonnées",
        );
    };
    let unique_id = doc.unique_id.clone().unwrap_or_default();
    if let Ok(mut c) = s.dmp.soumissions.lock() {
        *c.entry(unique_id.clone()).or_default() += 1;
    }
    let patient = doc.patient_id.clone().unwrap_or_default();
    appel.patient = patient.split('^').next().unwrap_or_default().to_string();
    if v.vihf.patient.as_deref() != Some(patient.as_str()) {
        return refus(
            &s,
            appel,
            "XDSPatientIdDoesNotMatch",
            "le patient des métadonnées n'est pas celui du VIHF",
        );
    }
    let ins = appel.patient.clone();
    match s.dmp.dossier(&ins) {
        Some(d) if !d.ferme => {}
        _ => {
            return refus(
                &s,
                appel,
                "XDSUnknownPatientId",
                "pas de DMP ouvert pour ce patient",
            );
        }
    }
    // the documents: each Document element's xop:Include names its part
    let contenu = |entry: &str| -> Option<Vec<u8>> {
        let i = enveloppe.find(&format!("Document id=\"{entry}\""))?;
        let j = enveloppe[i..].find("href=\"cid:")? + i + "href=\"cid:".len();
        let k = enveloppe[j..].find('"')? + j;
        let cid = &enveloppe[j..k];
        parties
            .iter()
            .find(|(c, _)| c == cid)
            .map(|(_, o)| o.clone())
    };
    let (Some(cda), Some(signature)) = (contenu(&doc.entry_uuid), contenu(&sig.entry_uuid)) else {
        return refus(&s, appel, "XDSMissingDocument", "partie MTOM absente");
    };
    // the metadata's hash and size are the document's
    let (hash, taille) = esculape_xds::hash_and_size(&cda);
    if doc.slot("hash") != Some(hash.as_str())
        || doc.slot("size") != Some(taille.to_string().as_str())
    {
        return refus(
            &s,
            appel,
            "XDSRepositoryMetadataError",
            "empreinte ou taille du document différente des métadonnées",
        );
    }
    // the XAdES: signature valid, manifest covering this document
    if let Err(e) = esculape_dmp::signature::verifier(&signature) {
        return refus(&s, appel, "DMPInvalidSignature", &e.to_string());
    }
    use sha2::Digest;
    let couvert = esculape_dmp::xades::manifeste(&signature)
        .map(|m| {
            m.iter()
                .any(|(u, d)| *u == unique_id && *d == sha2::Sha256::digest(&cda).to_vec())
        })
        .unwrap_or(false);
    if !couvert {
        return refus(
            &s,
            appel,
            "DMPInvalidSignature",
            "le manifeste de la signature ne couvre pas le document",
        );
    }
    let deja = s
        .dmp
        .documents(&ins)
        .iter()
        .any(|d| d.unique_id == unique_id);
    if deja {
        return refus(
            &s,
            appel,
            "XDSDocumentUniqueIdError",
            &format!("document {unique_id} déjà présent"),
        );
    }
    // a new version: the version it replaces must be this patient's,
    // current; it becomes Deprecated
    let remplace: Vec<String> = meta
        .associations
        .iter()
        .filter(|a| a.type_ == esculape_xds::RPLC && a.source == doc.entry_uuid)
        .map(|a| a.cible.clone())
        .collect();
    for cible in &remplace {
        let courante = s
            .dmp
            .documents(&ins)
            .iter()
            .any(|d| d.entry_uuid == *cible && d.remplace_par.is_none());
        if !courante {
            return refus(
                &s,
                appel,
                "UnresolvedReferenceException",
                &format!("document à remplacer {cible} absent ou déjà remplacé"),
            );
        }
    }
    if let Ok(mut d) = s.dmp.documents.lock() {
        let liste = d.entry(ins).or_default();
        for ancien in liste.iter_mut() {
            if remplace.contains(&ancien.entry_uuid) {
                ancien.remplace_par = Some(unique_id.clone());
            }
        }
        liste.push(DocumentRecu {
            entry_uuid: doc.entry_uuid.clone(),
            remplace_par: None,
            statut: esculape_xds::STATUT_APPROUVE.into(),
            confidentialite: doc
                .codes("confidentialityCode")
                .iter()
                .map(|c| c.code.clone())
                .collect(),
            unique_id,
            patient,
            titre: doc.titre.clone(),
            type_code: doc
                .code("typeCode")
                .map(|c| c.code.clone())
                .unwrap_or_default(),
            taille: cda.len(),
            mime_type: doc.mime_type.clone().unwrap_or_else(|| "text/xml".into()),
            metadonnees: esculape_xds::registre::fragment_entree(
                enveloppe.as_bytes(),
                &doc.entry_uuid,
            )
            .unwrap_or_default(),
            octets: cda,
        });
    }
    appel.resultat = "Success".into();
    s.dmp.noter(appel);
    if s.dmp.reglages().panne == Some(Panne::ReponsePerdue) {
        return (StatusCode::GATEWAY_TIMEOUT, "réponse perdue").into_response();
    }
    reponse_soap(
        StatusCode::OK,
        reponse_registre(esculape_dmp::td21::ACTION_REPONSE, None),
    )
}

/// Who consults (TD3.1, TD3.2): a professional in their own name, by
/// CPS (DIRECTE) or through the PSC trust space (INDIRECTE_RENFORCEE with
/// their PSC token, bound to the proxy's certificate, for the same
/// professional); never the structure alone (INDIRECTE, PDT-INF-526).
/// The patient's DMP open and the professional not blocked. The patient's
/// INS, or the fault (code, reason).
fn consultant(
    s: &Sandbox,
    v: &vihf::VihfRecu,
    porteur: Option<&str>,
) -> Result<String, (&'static str, String)> {
    // the fault code of a refused access is not published: named here
    const REFUS: &str = "DMPAccessDenied";
    match (v.vihf.mode, porteur) {
        (vihf::ModeAuthentification::Indirecte, _) => {
            return Err((
                REFUS,
                "consultation interdite en mode indirect (PDT-INF-526)".into(),
            ));
        }
        (vihf::ModeAuthentification::IndirecteRenforcee, None) => {
            return Err((
                REFUS,
                "mode INDIRECTE_RENFORCEE sans jeton Pro Santé Connect".into(),
            ));
        }
        (_, Some(p)) if p != v.vihf.professionnel => {
            return Err((
                REFUS,
                "le jeton Pro Santé Connect n'est pas celui du professionnel du VIHF".into(),
            ));
        }
        _ => {}
    }
    let ins = ins_du_vihf(&v);
    match s.dmp.dossier(&ins) {
        Some(d) if d.ferme => Err(("DMPClosed", "le DMP du patient est fermé".into())),
        Some(d) if d.bloques.contains(&v.vihf.professionnel) => Err((
            REFUS,
            "le patient a bloqué l'accès de ce professionnel".into(),
        )),
        Some(_) => Ok(ins),
        None => Err(("XDSUnknownPatientId", "pas de DMP pour ce patient".into())),
    }
}

/// The professional's token, the VIHF and the consultant checked; the
/// patient's INS, or the answer to give (journaled).
fn appel_consultant(
    s: &Sandbox,
    appel: &mut AppelDmp,
    pair: Option<Extension<ConnectInfo<PairTls>>>,
    headers: &HeaderMap,
    body: &str,
) -> Result<String, Response> {
    let porteur = crate::psc::porteur_de_la_requete(s, pair, headers)?;
    let v = vihf_de_l_appel(s, appel, body)?;
    match consultant(s, &v, porteur.as_deref()) {
        Ok(ins) => {
            appel.patient = ins.clone();
            Ok(ins)
        }
        Err((code, raison)) => {
            appel.resultat = raison.clone();
            s.dmp.noter(appel.clone());
            Err(reponse_soap(
                StatusCode::INTERNAL_SERVER_ERROR,
                faute(true, code, &raison),
            ))
        }
    }
}

/// TD3.1 (ITI-18 FindDocuments): the patient's documents in the statuses
/// (and of the types, created in the period) asked, each as it was
/// submitted, with its status and the repository that holds it.
fn recherche(
    s: &Sandbox,
    pair: Option<Extension<ConnectInfo<PairTls>>>,
    headers: &HeaderMap,
    body: &str,
) -> Response {
    let mut appel = AppelDmp::de("TD3.1");
    if body.len() > TAILLE_MAX {
        return reponse_soap(
            StatusCode::PAYLOAD_TOO_LARGE,
            faute(true, "DMPInvalidRequest", "requête trop volumineuse"),
        );
    }
    let ins = match appel_consultant(s, &mut appel, pair, headers, body) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let Some(q) = esculape_dmp::td31::lire_requete(body.as_bytes()) else {
        appel.resultat = "requête non reconnue".into();
        s.dmp.noter(appel);
        return reponse_soap(
            StatusCode::BAD_REQUEST,
            faute(
                true,
                "XDSRegistryError",
                "seule la requête FindDocuments est servie",
            ),
        );
    };
    if q.patient.split('^').next() != Some(ins.as_str()) {
        appel.resultat = "patient différent du VIHF".into();
        s.dmp.noter(appel);
        return reponse_soap(
            StatusCode::OK,
            enveloppe_reponse(
                esculape_dmp::td31::ACTION_REPONSE,
                &format!(
                    "<query:AdhocQueryResponse xmlns:query=\"urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0\" xmlns:rs=\"urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0\" status=\"urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure\"><rs:RegistryErrorList><rs:RegistryError errorCode=\"XDSPatientIdDoesNotMatch\" codeContext=\"le patient de la requête n'est pas celui du VIHF\" severity=\"urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error\"/></rs:RegistryErrorList></query:AdhocQueryResponse>"
                ),
            ),
        );
    }
    let documents = s.dmp.documents(&ins);
    let trouves: Vec<(String, &str)> = documents
        .iter()
        .filter(|d| q.statuts.iter().any(|st| st == d.statut_registre()))
        .filter(|d| {
            q.types.is_empty()
                || q.types
                    .iter()
                    .any(|t| t.split('^').next() == Some(d.type_code.as_str()))
        })
        .filter(|d| !d.metadonnees.is_empty())
        .map(|d| (d.metadonnees.clone(), d.statut_registre()))
        .collect();
    appel.resultat = format!("{} document(s)", trouves.len());
    s.dmp.noter(appel);
    reponse_soap(
        StatusCode::OK,
        enveloppe_reponse(
            esculape_dmp::td31::ACTION_REPONSE,
            &esculape_xds::registre::reponse_requete(&trouves, Some(REPOSITORY)),
        ),
    )
}

/// TD3.2 (ITI-43): the document asked, of the VIHF's patient, in this
/// repository, not deleted; answered in MTOM, the document a binary part.
fn consultation(
    s: &Sandbox,
    pair: Option<Extension<ConnectInfo<PairTls>>>,
    headers: &HeaderMap,
    body: &str,
) -> Response {
    const ACTION: &str = esculape_dmp::td32::ACTION_REPONSE;
    let mut appel = AppelDmp::de("TD3.2");
    let ins = match appel_consultant(s, &mut appel, pair, headers, body) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let demandes = esculape_dmp::td32::lire_requete(body.as_bytes()).unwrap_or_default();
    let documents = s.dmp.documents(&ins);
    let trouve = demandes.first().and_then(|q| {
        documents.iter().find(|d| {
            q.repository == REPOSITORY
                && d.unique_id == q.unique_id
                && d.statut != esculape_xds::STATUT_SUPPRIME
        })
    });
    let enveloppe = |corps: String| enveloppe_reponse(ACTION, &corps);
    let Some(d) = trouve else {
        appel.resultat = "XDSMissingDocument".into();
        s.dmp.noter(appel);
        let demande = demandes
            .first()
            .map(|q| q.unique_id.clone())
            .unwrap_or_default();
        return reponse_soap(
            StatusCode::OK,
            enveloppe(esculape_dmp::td32::reponse(
                &[],
                Some(("XDSMissingDocument", &demande)),
            )),
        );
    };
    let cid = format!("{}@esculape.sandbox", esculape_dmp::uuid());
    let racine = enveloppe(esculape_dmp::td32::reponse(
        &[(REPOSITORY, &d.unique_id, &d.mime_type, &cid)],
        None,
    ));
    let (type_contenu, corps) = esculape_dmp::td21::mtom(
        &racine,
        &[esculape_dmp::td21::Partie {
            cid,
            type_contenu: d.mime_type.clone(),
            octets: d.octets.clone(),
        }],
        ACTION,
    );
    appel.resultat = "Success".into();
    s.dmp.noter(appel);
    ([(header::CONTENT_TYPE, type_contenu)], corps).into_response()
}
