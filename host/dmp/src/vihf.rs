//! The VIHF (« volet d'identification des habilitations et des flux »):
//! the SAML 2.0 assertion that every DMP request carries in
//! `wsse:Security`, saying who acts, for which structure, on which
//! patient, in which mode, from which software; signed (enveloped
//! XML-DSig, exc-c14n) by the card's signature key or, in indirect mode,
//! by the structure's key.
//!
//! Written as the published examples (`../shared/testdata/dmp/vihf/`)
//! are: the same attribute names, order and value forms.

use crate::signature::{self, ErreurSignature, Signataire};
use quick_xml::events::Event;
use std::collections::BTreeMap;

pub const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const ROLE: &str = "urn:oasis:names:tc:xacml:2.0:subject:role";
const PATIENT: &str = "urn:oasis:names:tc:xacml:2.0:resource:resource-id";
const MODE_ACCES: &str = "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse";
const SUJET_NOM: &str = "urn:oasis:names:tc:xspa:1.0:subject:subject-id";

/// How the professional authenticated, as the VIHF's
/// `Authentification_mode` says it (PDT-INF-526).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ModeAuthentification {
    /// CPS/CPE card (TLS with its authentication key, VIHF signed with
    /// its signature key).
    Directe,
    /// The structure's certificate (AUTH_CLI): feeding, and looking up a
    /// document's reference; no search, no consultation.
    Indirecte,
    /// The structure's certificate, with the professional's strong
    /// authentication vouched for by the structure.
    IndirecteRenforcee,
}

impl ModeAuthentification {
    pub fn valeur(self) -> &'static str {
        match self {
            ModeAuthentification::Directe => "DIRECTE",
            ModeAuthentification::Indirecte => "INDIRECTE",
            ModeAuthentification::IndirecteRenforcee => "INDIRECTE_RENFORCEE",
        }
    }

    pub fn depuis(valeur: &str) -> Option<Self> {
        Some(match valeur {
            "DIRECTE" => ModeAuthentification::Directe,
            "INDIRECTE" => ModeAuthentification::Indirecte,
            "INDIRECTE_RENFORCEE" => ModeAuthentification::IndirecteRenforcee,
            _ => return None,
        })
    }
}

/// The access mode (« mode d'accès VIHF 2.0 », 1.2.250.1.213.1.1.4.248).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ModeAcces {
    Normal,
    /// Emergency access without the patient's consent, traced and
    /// flagged (SC.DMP/CONF.06.BIS).
    BrisDeGlace,
    /// Regulation by the SAMU-Centre 15.
    Centre15,
}

impl ModeAcces {
    fn code(self) -> (&'static str, &'static str) {
        match self {
            ModeAcces::Normal => ("normal", "Accès normal"),
            ModeAcces::BrisDeGlace => ("bris_de_glace", "Accès en mode bris de glace"),
            ModeAcces::Centre15 => ("centre_15", "Accès en mode centre de régulation"),
        }
    }

    pub fn depuis(code: &str) -> Option<Self> {
        [
            ModeAcces::Normal,
            ModeAcces::BrisDeGlace,
            ModeAcces::Centre15,
        ]
        .into_iter()
        .find(|m| m.code().0 == code)
    }
}

/// A coded value (`code`, `codeSystem`, `displayName`).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Code {
    pub code: String,
    pub systeme: String,
    pub libelle: String,
}

/// The software's identifiers, as the DMP approved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logiciel {
    pub id: String,
    pub nom: String,
    pub version: String,
    /// `LPS_ID_HOMOLOGATION_DMP`: the approval number.
    pub homologation: String,
}

/// What a VIHF says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vihf {
    /// Subject of the signing certificate (`saml2:Issuer`).
    pub emetteur: String,
    /// The professional's national identifier (RPPS/ADELI prefixed, as
    /// the card holds it): `saml2:NameID`.
    pub professionnel: String,
    /// Name of the professional (indirect modes), `subject-id`.
    pub nom_professionnel: Option<String>,
    pub structure: String,
    /// `Secteur_Activite` as `code^system` (e.g. `SA07^1.2.250.1.71.4.2.4`).
    pub secteur_activite: String,
    /// Profession then specialty: a médecin's VIHF needs both, or the DMP
    /// answers « Aucune spécialité dans le vihf ».
    pub roles: Vec<Code>,
    pub mode: ModeAuthentification,
    /// The patient's INS as a CX (`<INS>^^^&<oid>&ISO^NH`); none for a
    /// request about no patient (TD0.4).
    pub patient: Option<String>,
    pub acces: ModeAcces,
    pub logiciel: Logiciel,
}

/// A patient identifier as the VIHF and XDS write it: the INS and its
/// OID (`esculape_identifiants::oid::INS_NIR`, or `INS_NIR_TEST` in the
/// DMP's test environments, as the published examples).
pub fn cx(ins: &str, oid: &str) -> String {
    esculape_xds::cx(ins, oid, "NH")
}

fn echapper(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

impl Vihf {
    /// The assertion, unsigned, as the examples write it; `id` is its
    /// `ID` (an NCName: starts with `_`), `instant` its IssueInstant
    /// (`2026-12-06T10:00:00.000Z`).
    pub fn xml(&self, id: &str, instant: &str) -> String {
        let mut x = String::with_capacity(4096);
        x.push_str(&format!(
            "<saml2:Assertion xmlns:saml2=\"{SAML}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ID=\"{}\" IssueInstant=\"{}\" Version=\"2.0\">",
            echapper(id),
            echapper(instant)
        ));
        x.push_str(&format!(
            "<saml2:Issuer Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName\">{}</saml2:Issuer>",
            echapper(&self.emetteur)
        ));
        x.push_str(&format!(
            "<saml2:Subject><saml2:NameID>{}</saml2:NameID></saml2:Subject>",
            echapper(&self.professionnel)
        ));
        x.push_str(&format!(
            "<saml2:AuthnStatement AuthnInstant=\"{}\"><saml2:AuthnContext><saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>",
            echapper(instant)
        ));
        x.push_str("<saml2:AttributeStatement>");
        let chaine = |x: &mut String, nom: &str, valeur: &str| {
            x.push_str(&format!(
                "<saml2:Attribute Name=\"{nom}\"><saml2:AttributeValue xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xsi:type=\"xs:string\">{}</saml2:AttributeValue></saml2:Attribute>",
                echapper(valeur)
            ));
        };
        chaine(&mut x, "Identifiant_Structure", &self.structure);
        chaine(&mut x, "Secteur_Activite", &self.secteur_activite);
        if let Some(nom) = &self.nom_professionnel {
            chaine(&mut x, SUJET_NOM, nom);
        }
        x.push_str(&format!("<saml2:Attribute Name=\"{ROLE}\">"));
        for r in &self.roles {
            x.push_str(&format!(
                "<saml2:AttributeValue><Role xmlns=\"urn:hl7-org:v3\" code=\"{}\" codeSystem=\"{}\" displayName=\"{}\" xsi:type=\"CE\"/></saml2:AttributeValue>",
                echapper(&r.code),
                echapper(&r.systeme),
                echapper(&r.libelle)
            ));
        }
        x.push_str("</saml2:Attribute>");
        chaine(&mut x, "VIHF_Version", "3.0");
        chaine(&mut x, "Authentification_mode", self.mode.valeur());
        if let Some(p) = &self.patient {
            chaine(&mut x, PATIENT, p);
        }
        chaine(&mut x, "Ressource_URN", "urn:dmp");
        let (code, libelle) = self.acces.code();
        x.push_str(&format!(
            "<saml2:Attribute Name=\"{MODE_ACCES}\"><saml2:AttributeValue><PurposeOfUse xmlns=\"urn:hl7-org:v3\" code=\"{code}\" codeSystem=\"1.2.250.1.213.1.1.4.248\" codeSystemName=\"mode acces VIHF 2.0\" displayName=\"{libelle}\" xsi:type=\"CE\"/></saml2:AttributeValue></saml2:Attribute>"
        ));
        chaine(&mut x, "LPS_ID", &self.logiciel.id);
        chaine(&mut x, "LPS_Nom", &self.logiciel.nom);
        chaine(&mut x, "LPS_Version", &self.logiciel.version);
        chaine(
            &mut x,
            "LPS_ID_HOMOLOGATION_DMP",
            &self.logiciel.homologation,
        );
        x.push_str("</saml2:AttributeStatement></saml2:Assertion>");
        x
    }

    /// The signed assertion.
    pub fn signer(
        &self,
        id: &str,
        instant: &str,
        signataire: &dyn Signataire,
    ) -> Result<String, ErreurSignature> {
        signature::signer_enveloppe(&self.xml(id, instant), id, "</saml2:Issuer>", signataire)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ErreurVihf {
    #[error("VIHF illisible : {0}")]
    Xml(String),
    #[error("VIHF absent de l'en-tête de sécurité")]
    Absent,
    #[error("VIHF incomplet : {0}")]
    Incomplet(String),
    #[error("signature du VIHF : {0}")]
    Signature(#[from] ErreurSignature),
    #[error("la signature ne porte pas sur le VIHF lu (référence #{0})")]
    AutreElement(String),
}

/// A VIHF as received (by the sandbox DMP), its signature checked.
#[derive(Debug, Clone)]
pub struct VihfRecu {
    pub vihf: Vihf,
    pub signature: signature::SignatureVerifiee,
    /// Every attribute by name, as read.
    pub attributs: BTreeMap<String, Vec<String>>,
}

/// Reads the first `saml2:Assertion` of `xml` (a SOAP envelope or the
/// assertion alone) and checks its signature; an unsigned VIHF is
/// refused.
pub fn lire(xml: &[u8]) -> Result<VihfRecu, ErreurVihf> {
    let mut lecteur = quick_xml::NsReader::from_reader(xml);
    let mut tampon = Vec::new();
    let mut id = None;
    let mut emetteur = String::new();
    let mut nom_id = String::new();
    let mut attributs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut roles = Vec::new();
    let mut acces = None;
    let mut attribut: Option<String> = None;
    let mut texte: Option<&'static str> = None;
    let mut valeur = String::new();
    let mut dans = false;
    let erreur = |e: &dyn std::fmt::Display| ErreurVihf::Xml(e.to_string());
    loop {
        let (ns, ev) = lecteur
            .read_resolved_event_into(&mut tampon)
            .map_err(|e| erreur(&e))?;
        let saml =
            matches!(ns, quick_xml::name::ResolveResult::Bound(n) if n.as_ref() == SAML.as_bytes());
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let attr = |n: &str| -> Result<String, ErreurVihf> {
                    Ok(e.try_get_attribute(n)
                        .map_err(|e| erreur(&e))?
                        .map(|a| {
                            a.decode_and_unescape_value(lecteur.decoder())
                                .map(|v| v.into_owned())
                        })
                        .transpose()
                        .map_err(|e| erreur(&e))?
                        .unwrap_or_default())
                };
                match (saml, local.as_str()) {
                    (true, "Assertion") if id.is_none() => {
                        id = Some(attr("ID")?);
                        dans = true;
                    }
                    (true, "Issuer") if dans => texte = Some("emetteur"),
                    (true, "NameID") if dans => texte = Some("nom_id"),
                    (true, "Attribute") if dans => attribut = Some(attr("Name")?),
                    (true, "AttributeValue") if dans => {
                        texte = Some("valeur");
                        valeur.clear();
                    }
                    (false, "Role") if dans => roles.push(Code {
                        code: attr("code")?,
                        systeme: attr("codeSystem")?,
                        libelle: attr("displayName")?,
                    }),
                    (false, "PurposeOfUse") if dans => acces = ModeAcces::depuis(&attr("code")?),
                    _ => {}
                }
            }
            Event::Text(t) if texte.is_some() => {
                let t = t.decode().map_err(|e| erreur(&e))?;
                match texte {
                    Some("emetteur") => emetteur.push_str(&t),
                    Some("nom_id") => nom_id.push_str(&t),
                    _ => valeur.push_str(&t),
                }
            }
            Event::GeneralRef(r) if texte.is_some() => {
                let c = match String::from_utf8_lossy(&r).as_ref() {
                    "amp" => "&".to_string(),
                    "lt" => "<".into(),
                    "gt" => ">".into(),
                    "quot" => "\"".into(),
                    "apos" => "'".into(),
                    _ => r
                        .resolve_char_ref()
                        .ok()
                        .flatten()
                        .map(String::from)
                        .ok_or_else(|| ErreurVihf::Xml("entité inconnue".into()))?,
                };
                match texte {
                    Some("emetteur") => emetteur.push_str(&c),
                    Some("nom_id") => nom_id.push_str(&c),
                    _ => valeur.push_str(&c),
                }
            }
            Event::End(ref e) if dans => {
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                match local.as_str() {
                    "AttributeValue" => {
                        if let Some(a) = &attribut {
                            attributs
                                .entry(a.clone())
                                .or_default()
                                .push(valeur.trim().to_string());
                        }
                        texte = None;
                    }
                    "Attribute" => attribut = None,
                    "Issuer" | "NameID" => texte = None,
                    "Assertion" => break,
                    _ => {}
                }
            }
            Event::DocType(_) => return Err(ErreurVihf::Xml("DOCTYPE non accepté".into())),
            Event::Eof => break,
            _ => {}
        }
        tampon.clear();
    }
    let id = id.ok_or(ErreurVihf::Absent)?;
    let un = |n: &str| -> Result<String, ErreurVihf> {
        attributs
            .get(n)
            .and_then(|v| v.first())
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| ErreurVihf::Incomplet(format!("attribut {n} absent")))
    };
    let mode_lu = un("Authentification_mode")?;
    let vihf = Vihf {
        emetteur,
        professionnel: nom_id,
        nom_professionnel: un(SUJET_NOM).ok(),
        structure: un("Identifiant_Structure")?,
        secteur_activite: un("Secteur_Activite")?,
        roles,
        mode: ModeAuthentification::depuis(&mode_lu)
            .ok_or_else(|| ErreurVihf::Incomplet(format!("mode d'authentification {mode_lu}")))?,
        patient: un(PATIENT).ok(),
        acces: acces.ok_or_else(|| ErreurVihf::Incomplet("mode d'accès (purposeofuse)".into()))?,
        logiciel: Logiciel {
            id: un("LPS_ID")?,
            nom: un("LPS_Nom")?,
            version: un("LPS_Version")?,
            homologation: un("LPS_ID_HOMOLOGATION_DMP")?,
        },
    };
    let signature = signature::verifier_enveloppe(xml)?;
    if signature.reference != id {
        return Err(ErreurVihf::AutreElement(signature.reference));
    }
    Ok(VihfRecu {
        vihf,
        signature,
        attributs,
    })
}
