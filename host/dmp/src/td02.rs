//! TD0.2 « test d'existence du DMP et vérification de l'autorisation »:
//! HL7v3 `PRPA_IN201307UV02` with reason `TEST_EXST`, answered by
//! `PRPA_IN201308UV02` (acknowledgement, the professional's authorisation
//! and whether they are the patient's médecin traitant, the patient and
//! their DMP's status). Written and read as the published example.

use quick_xml::events::Event;

pub const ACTION: &str = "urn:hl7-org:v3:PRPA_IN201307UV02";
pub const ACTION_REPONSE: &str = "urn:hl7-org:v3:PRPA_IN201308UV02";
/// The DMP's device id (receiver of our messages).
pub const DMP: &str = "1.2.250.1.213.4.1.1.1";

/// The sending software, as the HL7v3 `sender/device` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emetteur {
    /// The software's OID root (ours, registered).
    pub oid: String,
    pub nom: String,
}

/// The request's body. `horodatage` is `AAAAMMJJhhmmss`.
pub fn requete(emetteur: &Emetteur, ins: &str, oid_ins: &str, horodatage: &str) -> String {
    let id = crate::uuid();
    let requete = crate::uuid();
    let e = |s: &str| quick_xml::escape::escape(s).into_owned();
    format!(
        "<PRPA_IN201307UV02 xmlns=\"urn:hl7-org:v3\" ITSVersion=\"XML_1.0\">\
<id root=\"{oid}.1\" extension=\"{id}\"/>\
<creationTime value=\"{horodatage}\"/>\
<interactionId root=\"2.16.840.1.113883.1.6\" extension=\"PRPA_IN201307UV02\"/>\
<processingCode code=\"P\"/>\
<processingModeCode code=\"T\"/>\
<acceptAckCode code=\"AL\"/>\
<receiver typeCode=\"RCV\"><device classCode=\"DEV\" determinerCode=\"INSTANCE\"><id root=\"{DMP}\"/><softwareName>DMP</softwareName></device></receiver>\
<sender typeCode=\"SND\"><device classCode=\"DEV\" determinerCode=\"INSTANCE\"><id root=\"{oid}\"/><softwareName>{nom}</softwareName></device></sender>\
<controlActProcess classCode=\"CACT\" moodCode=\"EVN\">\
<reasonCode code=\"TEST_EXST\" codeSystem=\"1.2.250.1.213.1.1.4.11\" displayName=\"Test d'existence de dossier\"/>\
<queryByParameter><queryId root=\"{oid}.2\" extension=\"{requete}\"/><statusCode code=\"new\"/>\
<parameterList><patientIdentifier><value root=\"{oid_ins}\" extension=\"{ins}\"/><semanticsText>Patient.id</semanticsText></patientIdentifier></parameterList>\
</queryByParameter></controlActProcess></PRPA_IN201307UV02>",
        oid = e(&emetteur.oid),
        nom = e(&emetteur.nom),
        ins = e(ins),
        oid_ins = e(oid_ins),
        horodatage = e(horodatage),
    )
}

/// The professional's authorisation on the patient's DMP
/// (`AUTORISATION`, 1.2.250.1.213.4.1.2.6.2).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Autorisation {
    Valide,
    /// Expired: renewed by TD0.3 once consent is recorded.
    Expiree,
    /// The patient blocked this professional.
    Interdite,
    /// None yet.
    NonAutorise,
    Autre(String),
}

impl Autorisation {
    fn depuis(code: &str) -> Self {
        match code {
            "VALIDE" => Autorisation::Valide,
            "EXPIREE" => Autorisation::Expiree,
            "INTERDITE" => Autorisation::Interdite,
            "NON_AUTORISE" | "AUCUNE" => Autorisation::NonAutorise,
            autre => Autorisation::Autre(autre.into()),
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Autorisation::Valide => "VALIDE",
            Autorisation::Expiree => "EXPIREE",
            Autorisation::Interdite => "INTERDITE",
            Autorisation::NonAutorise => "NON_AUTORISE",
            Autorisation::Autre(a) => a,
        }
    }
}

/// What TD0.2 answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReponseTd02 {
    /// `AA` (accepted), `AE` (application error: e.g. the software is not
    /// approved), `AR` (rejected).
    pub acquittement: String,
    /// The query's answer: `OK` (a DMP), `NF` (no DMP), `QE` (error).
    pub reponse: String,
    pub autorisation: Option<Autorisation>,
    /// Whether the professional is the patient's médecin traitant DMP.
    pub medecin_traitant: Option<bool>,
    /// The DMP's status (`active`; another value for a closed DMP).
    pub statut_dossier: Option<String>,
    /// Identifiers of the patient as the DMP knows them (root, extension).
    pub identifiants: Vec<(String, String)>,
    /// The acknowledgement's detail texts, when not accepted.
    pub details: Vec<String>,
}

impl ReponseTd02 {
    /// Whether the patient has an open DMP.
    pub fn dmp_ouvert(&self) -> bool {
        self.acquittement == "AA"
            && self.reponse == "OK"
            && self.statut_dossier.as_deref() == Some("active")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("réponse TD0.2 illisible : {0}")]
pub struct ErreurTd02(String);

/// Reads a TD0.2 answer (the SOAP envelope or its body).
pub fn lire_reponse(xml: &[u8]) -> Result<ReponseTd02, ErreurTd02> {
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut rep = ReponseTd02::default();
    let mut chemin: Vec<String> = Vec::new();
    let mut mot_cle: Option<String> = None;
    let mut dans_patient = false;
    let mut texte_detail = false;
    let mut vu = false;
    let err = |e: &dyn std::fmt::Display| ErreurTd02(e.to_string());
    loop {
        let ev = r.read_event_into(&mut buf).map_err(|e| err(&e))?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let vide = matches!(ev, Event::Empty(_));
                let n = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let attr = |k: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == k.as_bytes())
                        .and_then(|a| a.decode_and_unescape_value(r.decoder()).ok())
                        .map(|v| v.into_owned())
                };
                let parent = chemin.last().map(String::as_str);
                match (parent, n.as_str()) {
                    (_, "PRPA_IN201308UV02") => vu = true,
                    (Some("attentionLine"), "keyWordText") => mot_cle = attr("code"),
                    (Some("attentionLine"), "value") => match mot_cle.as_deref() {
                        Some("AUTORISATION") => {
                            rep.autorisation = attr("code").map(|c| Autorisation::depuis(&c))
                        }
                        Some("STATUT_MT") => {
                            rep.medecin_traitant = attr("value").map(|v| v == "true")
                        }
                        _ => {}
                    },
                    (_, "acknowledgement") => {
                        rep.acquittement = attr("typeCode").unwrap_or_default()
                    }
                    (Some("acknowledgementDetail"), "text") => texte_detail = true,
                    (Some("queryAck"), "queryResponseCode") => {
                        rep.reponse = attr("code").unwrap_or_default()
                    }
                    (_, "patient") => dans_patient = !vide,
                    (Some("patient"), "id") if dans_patient => {
                        if let (Some(root), Some(ext)) = (attr("root"), attr("extension")) {
                            rep.identifiants.push((root, ext));
                        }
                    }
                    (Some("patient"), "statusCode") if dans_patient => {
                        rep.statut_dossier = attr("code")
                    }
                    _ => {}
                }
                if !vide {
                    chemin.push(n);
                }
            }
            Event::Text(t) if texte_detail => {
                let t = t.decode().map_err(|e| err(&e))?.trim().to_string();
                if !t.is_empty() {
                    rep.details.push(t);
                }
            }
            Event::End(ref e) => {
                let n = e.local_name();
                if n.as_ref() == b"patient" {
                    dans_patient = false;
                }
                if n.as_ref() == b"text" {
                    texte_detail = false;
                }
                if n.as_ref() == b"attentionLine" {
                    mot_cle = None;
                }
                chemin.pop();
            }
            Event::DocType(_) => return Err(ErreurTd02("DOCTYPE non accepté".into())),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !vu {
        return Err(ErreurTd02("PRPA_IN201308UV02 absent".into()));
    }
    Ok(rep)
}
