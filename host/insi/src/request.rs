//! INSi requests: what the host sends, what the sandbox reads.

use crate::tree::{self, Element};
use crate::write::Xml;
use crate::*;

/// Traits d'identité for `rechercherInsAvecTraitsIdentite`: birth name,
/// birth first names (the service compares the first one, more are
/// allowed), sex `M`/`F`, birth date `AAAA-MM-JJ` (lunar dates keep their
/// `00`), birth place COG when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traits {
    pub nom_naissance: String,
    pub prenoms: Vec<String>,
    pub sexe: String,
    pub date_naissance: String,
    pub lieu_naissance: Option<String>,
}

/// A NIR as carried by a carte Vitale: 13 characters and the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matricule {
    pub numero: String,
    pub cle: String,
}

/// The beneficiary read from a carte Vitale for
/// `rechercherInsAvecCarteVitale`: the individual's NIR when the card holds
/// it, the insured person's (ouvrant droit) otherwise, the birth name, date
/// and rank (twins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarteVitale {
    pub matricule_individu: Option<Matricule>,
    pub matricule_ouvrant_droit: Option<Matricule>,
    pub nom_naissance: Option<String>,
    pub date_naissance: String,
    pub rang_naissance: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recherche {
    Traits(Traits),
    CarteVitale(CarteVitale),
}

impl Recherche {
    pub fn action(&self) -> &'static str {
        match self {
            Self::Traits(_) => ACTION_TRAITS,
            Self::CarteVitale(_) => ACTION_VITALE,
        }
    }
}

/// The software as `ContexteLPS` names it: its CNDA authorisation number
/// (IDAM, with its `R` qualifier), version, installation instance, name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logiciel {
    pub idam: String,
    pub idam_r: String,
    pub version: String,
    pub instance: String,
    pub nom: String,
}

/// The professional (or structure) on whose behalf the request goes, as
/// the SAML assertion of the `Security` header states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Professionnel {
    /// Subject of the certificate that signs the assertion.
    pub emetteur_certificat: String,
    /// National identifier (8 + RPPS for a professional) and its qualifier.
    pub identifiant: String,
    pub qualifiant: String,
    pub identifiant_facturation: String,
    pub code_specialite_amo: String,
    pub secteur_activite: String,
}

/// What every request carries besides the search itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contexte {
    /// A fresh UUID per request: `Id` of both contexts and `wsa:MessageID`.
    pub message_id: String,
    /// `xsd:dateTime`, UTC (`2026-11-26T10:00:00Z`).
    pub temps: String,
    /// The emitting structure (FINESS, SIRET or the professional's id).
    pub emetteur: String,
    pub logiciel: Logiciel,
    pub professionnel: Professionnel,
}

impl Contexte {
    /// A well-formed context with made-up identifiers, for tests and demos
    /// against the sandbox (the live service checks the IDAM and the
    /// certificate).
    pub fn exemple() -> Self {
        Self {
            message_id: "0f6c3b0e-3a4c-4b6e-9a53-2f5d8c1e7a10".into(),
            temps: "2026-11-26T10:00:00Z".into(),
            emetteur: "499700367909006".into(),
            logiciel: Logiciel {
                idam: "MDV-2026-001".into(),
                idam_r: "4".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                instance: "b5e6a0d2-1c3f-4e8a-9b7d-6f2e1a0c9d84".into(),
                nom: "Esculape".into(),
            },
            professionnel: Professionnel {
                emetteur_certificat: "CN=INSI-MANU,O=CABINET DU DR MARTIN".into(),
                identifiant: "810100123456".into(),
                qualifiant: esculape_identifiants::oid::IDNPS.into(),
                identifiant_facturation: "991234567".into(),
                code_specialite_amo: "01".into(),
                secteur_activite: "SA07".into(),
            },
        }
    }
}

/// The SOAP 1.2 envelope of a request, headers included.
pub fn envelope(ctx: &Contexte, recherche: &Recherche) -> String {
    let mut x = Xml::envelope(true);
    security(&mut x, ctx);
    x.open(
        "ctxlps:ContexteLPS",
        &[
            ("xmlns:ctxlps", NS_CTXLPS),
            ("Nature", "CTXLPS"),
            ("Version", "01_00"),
        ],
    );
    x.leaf("ctxlps:Id", &[], &ctx.message_id);
    x.leaf("ctxlps:Temps", &[], &ctx.temps);
    x.leaf("ctxlps:Emetteur", &[], &ctx.emetteur);
    x.open("ctxlps:LPS", &[]);
    let l = &ctx.logiciel;
    x.leaf("ctxlps:IDAM", &[("R", &l.idam_r)], &l.idam);
    x.leaf("ctxlps:Version", &[], &l.version);
    x.leaf("ctxlps:Instance", &[], &l.instance);
    x.leaf("ctxlps:Nom", &[], &l.nom);
    x.close("ctxlps:LPS");
    x.close("ctxlps:ContexteLPS");
    x.leaf(
        "wsa:MessageID",
        &[("xmlns:wsa", NS_WSA)],
        &format!("uuid:{}", ctx.message_id),
    );
    x.open(
        "ctxbam:ContexteBAM",
        &[("xmlns:ctxbam", NS_CTXBAM), ("Version", "01_02")],
    );
    x.leaf("ctxbam:Id", &[], &ctx.message_id);
    x.leaf("ctxbam:Temps", &[], &ctx.temps);
    x.leaf("ctxbam:Emetteur", &[], &ctx.emetteur);
    // Required, and empty outside the coverage-rights services.
    x.empty("ctxbam:COUVERTURE");
    x.close("ctxbam:ContexteBAM");
    x.close("soap:Header");
    x.open("soap:Body", &[]);
    match recherche {
        Recherche::Traits(t) => {
            x.open("RECSANSVITALE", &[("xmlns", NS_RECSANS)]);
            x.leaf("NomNaissance", &[], &t.nom_naissance);
            for p in &t.prenoms {
                x.leaf("Prenom", &[], p);
            }
            x.leaf("Sexe", &[], &t.sexe);
            x.leaf("DateNaissance", &[], &t.date_naissance);
            x.opt("LieuNaissance", t.lieu_naissance.as_deref());
            x.close("RECSANSVITALE");
        }
        Recherche::CarteVitale(c) => {
            x.open("RECVITALE", &[("xmlns", NS_RECVIT)]);
            for (name, m) in [
                ("MatriculeIndividu", &c.matricule_individu),
                ("MatriculeOD", &c.matricule_ouvrant_droit),
            ] {
                if let Some(m) = m {
                    x.open(name, &[]);
                    x.leaf("NumIdentifiant", &[], &m.numero);
                    x.leaf("Cle", &[], &m.cle);
                    x.close(name);
                }
            }
            x.opt("NomNaissance", c.nom_naissance.as_deref());
            x.leaf("DateNaissance", &[], &c.date_naissance);
            x.opt("RangNaissance", c.rang_naissance.as_deref());
            x.close("RECVITALE");
        }
    }
    x.finish()
}

/// `wsse:Security` with the SAML 2.0 assertion naming the professional.
/// The live service wants it signed (XML-DSig, RSA-SHA256, exclusive
/// c14n) with the structure's IGC-Santé "INSI-MANU"/"INSI-AUTO"
/// certificate; the signature goes after `saml:Issuer`.
fn security(x: &mut Xml, ctx: &Contexte) {
    let p = &ctx.professionnel;
    x.open("wsse:Security", &[("xmlns:wsse", NS_WSSE)]);
    let id = format!("_{}", ctx.message_id);
    x.open(
        "saml:Assertion",
        &[
            ("xmlns:saml", NS_SAML),
            ("ID", &id),
            ("IssueInstant", &ctx.temps),
            ("Version", "2.0"),
        ],
    );
    x.leaf(
        "saml:Issuer",
        &[(
            "Format",
            "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName",
        )],
        &p.emetteur_certificat,
    );
    x.open("saml:Subject", &[]);
    x.leaf(
        "saml:NameID",
        &[("NameQualifier", &p.qualifiant)],
        &p.identifiant,
    );
    x.close("saml:Subject");
    x.open("saml:AttributeStatement", &[]);
    for (name, value) in [
        ("identifiantFacturation", &p.identifiant_facturation),
        ("codeSpecialiteAMO", &p.code_specialite_amo),
        ("secteurActivite", &p.secteur_activite),
    ] {
        x.open("saml:Attribute", &[("Name", name)]);
        x.leaf("saml:AttributeValue", &[], value);
        x.close("saml:Attribute");
    }
    x.close("saml:AttributeStatement");
    x.close("saml:Assertion");
    x.close("wsse:Security");
}

/// Read a request (the sandbox's side): its context and its search.
pub fn parse(xml: &str) -> Result<(Contexte, Recherche)> {
    let root = tree::parse(xml)?;
    if root.ns != SOAP_NS || root.name != "Envelope" {
        return Err(InsiError::Invalid("pas une enveloppe SOAP 1.2".into()));
    }
    let lps = root
        .find(NS_CTXLPS, "ContexteLPS")
        .ok_or(InsiError::Missing("ContexteLPS"))?;
    let bam = root
        .find(NS_CTXBAM, "ContexteBAM")
        .ok_or(InsiError::Missing("ContexteBAM"))?;
    bam.child("COUVERTURE")
        .ok_or(InsiError::Missing("ContexteBAM/COUVERTURE"))?;
    let assertion = root
        .find(NS_SAML, "Assertion")
        .ok_or(InsiError::Missing("Security/Assertion"))?;
    let soft = lps
        .child("LPS")
        .ok_or(InsiError::Missing("ContexteLPS/LPS"))?;
    let need = |e: &Element, n: &'static str| e.text_of(n).ok_or(InsiError::Missing(n));
    let attribute = |n: &str| {
        assertion
            .child("AttributeStatement")
            .and_then(|s| s.children("Attribute").find(|a| a.attr("Name") == Some(n)))
            .and_then(|a| a.text_of("AttributeValue"))
            .unwrap_or_default()
    };
    let name_id = assertion
        .child("Subject")
        .and_then(|s| s.child("NameID"))
        .ok_or(InsiError::Missing("Assertion/Subject/NameID"))?;
    let ctx = Contexte {
        message_id: need(lps, "Id")?,
        temps: need(lps, "Temps")?,
        emetteur: need(lps, "Emetteur")?,
        logiciel: Logiciel {
            idam: need(soft, "IDAM")?,
            idam_r: soft
                .child("IDAM")
                .and_then(|i| i.attr("R"))
                .unwrap_or_default()
                .to_string(),
            version: soft.text_of("Version").unwrap_or_default(),
            instance: soft.text_of("Instance").unwrap_or_default(),
            nom: soft.text_of("Nom").unwrap_or_default(),
        },
        professionnel: Professionnel {
            emetteur_certificat: assertion.text_of("Issuer").unwrap_or_default(),
            identifiant: name_id.text.trim().to_string(),
            qualifiant: name_id
                .attr("NameQualifier")
                .unwrap_or_default()
                .to_string(),
            identifiant_facturation: attribute("identifiantFacturation"),
            code_specialite_amo: attribute("codeSpecialiteAMO"),
            secteur_activite: attribute("secteurActivite"),
        },
    };
    if let Some(t) = root.find(NS_RECSANS, "RECSANSVITALE") {
        let traits = Traits {
            nom_naissance: need(t, "NomNaissance")?,
            prenoms: t
                .children("Prenom")
                .map(|p| p.text.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
            sexe: need(t, "Sexe")?,
            date_naissance: need(t, "DateNaissance")?,
            lieu_naissance: t.text_of("LieuNaissance"),
        };
        if traits.prenoms.is_empty() {
            return Err(InsiError::Missing("Prenom"));
        }
        return Ok((ctx, Recherche::Traits(traits)));
    }
    if let Some(c) = root.find(NS_RECVIT, "RECVITALE") {
        let matricule = |n: &str| {
            c.child(n).and_then(|m| {
                Some(Matricule {
                    numero: m.text_of("NumIdentifiant")?,
                    cle: m.text_of("Cle").unwrap_or_default(),
                })
            })
        };
        let carte = CarteVitale {
            matricule_individu: matricule("MatriculeIndividu"),
            matricule_ouvrant_droit: matricule("MatriculeOD"),
            nom_naissance: c.text_of("NomNaissance"),
            date_naissance: need(c, "DateNaissance")?,
            rang_naissance: c.text_of("RangNaissance"),
        };
        if carte.matricule_individu.is_none() && carte.matricule_ouvrant_droit.is_none() {
            return Err(InsiError::Missing("MatriculeIndividu ou MatriculeOD"));
        }
        return Ok((ctx, Recherche::CarteVitale(carte)));
    }
    Err(InsiError::Missing("RECSANSVITALE ou RECVITALE"))
}
