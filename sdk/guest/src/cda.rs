//! The CDA R2 builder every document plugin shares: the CI-SIS header
//! (recordTarget under the INS rules, author, custodian, legalAuthenticator,
//! documentationOf, componentOf), the N1 body (PDF/A-1 in base64) and the
//! N3 structured body's sections. Plain Rust, independent of the WIT
//! bindings, so that it is tested natively; `document`-world plugins fill
//! it from `record-read` and the production context.
//!
//! The rules follow the ANS examples and schematrons of the CI-SIS test kit
//! ("structuration minimale", ANS models): the INS is carried only for a
//! qualified identity; the birth name and the first birth first name carry
//! the qualifier BR, all birth first names go in one unqualified `given`,
//! the used name and used first name carry CL.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// A coded value (code, code system OID, its name, display name).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Code {
    pub code: String,
    pub system: String,
    pub system_name: Option<String>,
    pub display: Option<String>,
}

impl Code {
    pub fn new(code: &str, system: &str, display: &str) -> Self {
        Self {
            code: code.into(),
            system: system.into(),
            system_name: None,
            display: (!display.is_empty()).then(|| display.into()),
        }
    }

    pub fn named(mut self, system_name: &str) -> Self {
        self.system_name = Some(system_name.into());
        self
    }

    /// The attributes of a CD element with this code.
    pub fn attrs(&self) -> Vec<(&str, &str)> {
        let mut a = vec![("code", self.code.as_str())];
        if let Some(d) = &self.display {
            a.push(("displayName", d));
        }
        a.push(("codeSystem", self.system.as_str()));
        if let Some(n) = &self.system_name {
            a.push(("codeSystemName", n));
        }
        a
    }
}

/// OIDs the header uses (the national ones from `esculape-identifiants`).
pub mod oid {
    pub use esculape_identifiants::oid::{
        IDNPS, IDNST, INS_NIA, INS_NIA_TEST, INS_NIR, INS_NIR_TEST, LOINC,
    };
    /// TRE_G15 professions / TRE_R38 specialties as the CI-SIS codes them.
    pub const PROFESSION: &str = "1.2.250.1.213.1.1.4.5";
    /// TRE_R02 secteur d'activité: healthcare facility types.
    pub const FACILITY: &str = "1.2.250.1.71.4.2.4";
    /// TRE_A00 practice setting (AMBULATOIRE...).
    pub const PRACTICE_SETTING: &str = "1.2.250.1.213.1.1.4.9";
    pub const CONFIDENTIALITY: &str = "2.16.840.1.113883.5.25";
    pub const GENDER: &str = "2.16.840.1.113883.5.1";
}

/// Administrative sex, as the INS referential records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Female,
    Male,
    Unknown,
}

impl Sex {
    fn code(self) -> (&'static str, &'static str) {
        match self {
            Sex::Female => ("F", "Féminin"),
            Sex::Male => ("M", "Masculin"),
            Sex::Unknown => ("U", "Inconnu"),
        }
    }
}

/// The patient as the header carries them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patient {
    /// The practice's identifier of the patient: (root OID, extension).
    pub local_id: (String, String),
    /// The INS (matricule with key, OID), carried only when `qualified`.
    pub ins: Option<(String, String)>,
    /// Identity status "qualifiée": the only one under which the INS is
    /// used and exchanged.
    pub qualified: bool,
    pub birth_name: String,
    pub birth_first_names: Vec<String>,
    pub used_name: Option<String>,
    pub used_first_name: Option<String>,
    pub sex: Sex,
    /// `AAAAMMJJ`.
    pub birth_date: String,
    /// COG of the birth place (commune or 99xxx country).
    pub birth_place_cog: Option<String>,
    /// Where the patient lives; `addr nullFlavor="NASK"` when unknown.
    pub address: Option<Address>,
    /// Phones and addresses; `telecom nullFlavor="NASK"` when none.
    pub telecoms: Vec<Telecom>,
}

/// A postal address as the header writes it (`addr use="H"`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    pub lines: Vec<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
}

/// A telecom as the header writes it: the HL7 use (`HP` home phone, `MC`
/// mobile) and the URL (`tel:`, `mailto:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Telecom {
    pub usage: Option<&'static str>,
    pub url: String,
}

impl Patient {
    /// The INS to exchange: only for a qualified identity.
    pub fn exchanged_ins(&self) -> Option<&(String, String)> {
        self.ins.as_ref().filter(|_| self.qualified)
    }

    fn first_birth_first_name(&self) -> &str {
        self.birth_first_names
            .first()
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// The author (and legal authenticator) of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// "8" + RPPS (IDNPS form).
    pub id: String,
    pub given: String,
    pub family: String,
    /// Profession and specialty, e.g. `G15_10/SM54` "Médecin - Médecine
    /// générale (SM)".
    pub profession: Code,
}

/// The structure: author's organisation, custodian, place of care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// IDNST form: "1" + FINESS, "3" + SIRET.
    pub id: String,
    pub name: String,
    pub facility_type: Code,
    pub practice_setting: Code,
}

/// Everything the header needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// ClinicalDocument/templateId (root, extension), after the HL7 France
    /// and CI-SIS ones the builder writes itself.
    pub template_ids: Vec<(String, Option<String>)>,
    pub id: String,
    pub set_id: String,
    pub version: u32,
    pub type_code: Code,
    pub title: String,
    /// HL7 TS with offset: `AAAAMMJJhhmmss+0100`.
    pub effective_time: String,
    /// N (normal), R (restreint), V (très restreint).
    pub confidentiality: Code,
    pub patient: Patient,
    pub author: Author,
    pub organization: Organization,
    /// documentationOf/serviceEvent: the act the document is about.
    pub service_event: Option<Code>,
    pub service_start: String,
    pub service_end: Option<String>,
    /// The people who gave information (a child's parents: CSE-CS9/CS24),
    /// written as `informant/relatedEntity` after the author.
    pub informants: Vec<Informant>,
}

/// An informant related to the patient: relation (HL7 RoleCode MTH, FTH,
/// ...) and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Informant {
    pub relation: Code,
    pub family: String,
    pub given: String,
}

impl Header {
    pub fn normal_confidentiality() -> Code {
        Code::new("N", oid::CONFIDENTIALITY, "Normal")
    }
}

/// An XML writer with the few operations a CDA needs. Text and attribute
/// values are escaped by quick-xml.
pub struct Xml {
    w: Writer<Vec<u8>>,
}

impl Default for Xml {
    fn default() -> Self {
        Self::new()
    }
}

impl Xml {
    pub fn new() -> Self {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        // Writing into a Vec cannot fail.
        let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        Self { w }
    }

    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        let mut e = BytesStart::new(name);
        for a in attrs {
            e.push_attribute(*a);
        }
        let _ = self.w.write_event(Event::Start(e));
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        let _ = self.w.write_event(Event::End(BytesEnd::new(name)));
        self
    }

    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        let mut e = BytesStart::new(name);
        for a in attrs {
            e.push_attribute(*a);
        }
        let _ = self.w.write_event(Event::Empty(e));
        self
    }

    /// `<name attrs>text</name>`.
    pub fn text(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.open(name, attrs);
        let _ = self.w.write_event(Event::Text(BytesText::new(text)));
        self.close(name)
    }

    /// Raw characters inside the current element (already escaped or
    /// base64).
    pub fn raw(&mut self, text: &str) -> &mut Self {
        let _ = self
            .w
            .write_event(Event::Text(BytesText::from_escaped(text)));
        self
    }

    pub fn code(&mut self, name: &str, code: &Code) -> &mut Self {
        self.empty(name, &code.attrs())
    }

    /// The `templateId`s an element conforms to, in order.
    pub fn templates(&mut self, roots: &[&str]) -> &mut Self {
        for root in roots {
            self.empty("templateId", &[("root", root)]);
        }
        self
    }

    pub fn finish(self) -> Vec<u8> {
        let mut v = self.w.into_inner();
        v.push(b'\n');
        v
    }
}

/// The body of a document: a PDF/A-1 (N1) or structured sections (N3).
pub enum Body<'a> {
    /// The PDF/A-1 bytes.
    N1(&'a [u8]),
    /// Writes the `structuredBody` content (its `component`s).
    N3(&'a dyn Fn(&mut Xml)),
}

/// One measure of a FR-Signes-vitaux organizer.
pub struct SigneVital<'a> {
    /// `id` of the observation.
    pub id: String,
    /// ID of its narrative `content` (referenced from the entry).
    pub text_id: String,
    pub loinc: &'a str,
    pub display: &'a str,
    /// The value as written (`8.9`).
    pub value: String,
    /// UCUM unit.
    pub unit: &'a str,
}

/// The FR-Signes-vitaux section (CI-SIS 1.2.250.1.213.1.1.2.75): a table
/// of the measures and one organizer (FR-Signes-vitaux-entree) of LOINC
/// observations, all on `day` (HL7 date). Shared by the volets that
/// carry a child's measures (CSE-MDE, CSE-CS9/CS24).
pub fn signes_vitaux(
    x: &mut Xml,
    section_id: &str,
    organizer_id: &str,
    day: &str,
    mesures: &[SigneVital],
) {
    x.open("component", &[]).open("section", &[]);
    x.templates(&[
        "2.16.840.1.113883.10.20.1.16",
        "1.3.6.1.4.1.19376.1.5.3.1.3.25",
        "1.3.6.1.4.1.19376.1.5.3.1.1.5.3.2",
        "1.2.250.1.213.1.1.2.75",
    ]);
    x.empty("id", &[("root", section_id)]);
    x.code(
        "code",
        &Code::new("8716-3", oid::LOINC, "Signes vitaux").named("LOINC"),
    );
    x.text("title", &[], "Signes vitaux");
    x.open("text", &[]).open("table", &[("border", "0")]);
    x.open("thead", &[]).open("tr", &[]);
    x.text("th", &[], "Mesure");
    x.text("th", &[], "Valeur");
    x.close("tr").close("thead");
    x.open("tbody", &[]);
    for m in mesures {
        x.open("tr", &[]);
        x.text("td", &[], m.display);
        x.open("td", &[]);
        x.text(
            "content",
            &[("ID", &m.text_id)],
            &format!("{} {}", m.value, m.unit),
        );
        x.close("td");
        x.close("tr");
    }
    x.close("tbody").close("table").close("text");
    x.open("entry", &[]);
    x.open(
        "organizer",
        &[("classCode", "CLUSTER"), ("moodCode", "EVN")],
    );
    x.templates(&[
        "2.16.840.1.113883.10.20.1.32",
        "2.16.840.1.113883.10.20.1.35",
        "1.3.6.1.4.1.19376.1.5.3.1.4.13.1",
        "1.2.250.1.213.1.1.3.49",
    ]);
    x.empty("id", &[("root", organizer_id)]);
    x.code(
        "code",
        &Code::new("85353-1", oid::LOINC, "Signes vitaux").named("LOINC"),
    );
    x.empty("statusCode", &[("code", "completed")]);
    x.empty("effectiveTime", &[("value", day)]);
    for m in mesures {
        x.open("component", &[("typeCode", "COMP")]);
        x.open("observation", &[("classCode", "OBS"), ("moodCode", "EVN")]);
        x.templates(&[
            "2.16.840.1.113883.10.20.1.31",
            "1.3.6.1.4.1.19376.1.5.3.1.4.13",
            "1.3.6.1.4.1.19376.1.5.3.1.4.13.2",
            "1.2.250.1.213.1.1.3.50",
        ]);
        x.empty("id", &[("root", &m.id)]);
        x.code(
            "code",
            &Code::new(m.loinc, oid::LOINC, m.display).named("LOINC"),
        );
        x.open("text", &[]);
        x.empty("reference", &[("value", &format!("#{}", m.text_id))]);
        x.close("text");
        x.empty("statusCode", &[("code", "completed")]);
        x.empty("effectiveTime", &[("value", day)]);
        x.empty(
            "value",
            &[("xsi:type", "PQ"), ("value", &m.value), ("unit", m.unit)],
        );
        x.close("observation");
        x.close("component");
    }
    x.close("organizer");
    x.close("entry");
    x.close("section").close("component");
}

/// The whole ClinicalDocument.
pub fn document(h: &Header, body: Body) -> Vec<u8> {
    let mut x = Xml::new();
    x.open(
        "ClinicalDocument",
        &[
            ("xmlns", "urn:hl7-org:v3"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
        ],
    );
    header(&mut x, h, matches!(body, Body::N1(_)));
    x.open("component", &[]);
    match body {
        Body::N1(pdf) => {
            use base64::Engine;
            x.open("nonXMLBody", &[]);
            x.open(
                "text",
                &[("mediaType", "application/pdf"), ("representation", "B64")],
            );
            x.raw(&base64::engine::general_purpose::STANDARD.encode(pdf));
            x.close("text");
            x.close("nonXMLBody");
        }
        Body::N3(write) => {
            x.open("structuredBody", &[]);
            write(&mut x);
            x.close("structuredBody");
        }
    }
    x.close("component");
    x.close("ClinicalDocument");
    x.finish()
}

fn header(x: &mut Xml, h: &Header, n1: bool) {
    x.empty("realmCode", &[("code", "FR")]);
    x.empty(
        "typeId",
        &[
            ("root", "2.16.840.1.113883.1.3"),
            ("extension", "POCD_HD000040"),
        ],
    );
    // HL7 France, CI-SIS, then (N1) IHE XDS-SD, then the volet's.
    x.empty("templateId", &[("root", "2.16.840.1.113883.2.8.2.1")]);
    x.empty("templateId", &[("root", "1.2.250.1.213.1.1.1.1")]);
    if n1 {
        x.empty("templateId", &[("root", "1.3.6.1.4.1.19376.1.2.20")]);
    }
    for (root, ext) in &h.template_ids {
        match ext {
            Some(e) => x.empty("templateId", &[("root", root), ("extension", e)]),
            None => x.empty("templateId", &[("root", root)]),
        };
    }
    x.empty("id", &[("root", &h.id)]);
    x.code("code", &h.type_code);
    x.text("title", &[], &h.title);
    x.empty("effectiveTime", &[("value", &h.effective_time)]);
    x.code("confidentialityCode", &h.confidentiality);
    x.empty("languageCode", &[("code", "fr-FR")]);
    x.empty("setId", &[("root", &h.set_id)]);
    x.empty("versionNumber", &[("value", &h.version.to_string())]);
    record_target(x, &h.patient);
    // Author.
    x.open("author", &[]);
    x.empty("time", &[("value", &h.effective_time)]);
    x.open("assignedAuthor", &[]);
    x.empty("id", &[("root", oid::IDNPS), ("extension", &h.author.id)]);
    x.code("code", &h.author.profession);
    x.open("assignedPerson", &[]);
    person_name(x, &h.author);
    x.close("assignedPerson");
    organization(x, "representedOrganization", &h.organization, false);
    x.close("assignedAuthor");
    x.close("author");
    for i in &h.informants {
        x.open("informant", &[]);
        x.open("relatedEntity", &[("classCode", "CON")]);
        x.code("code", &i.relation);
        x.open("relatedPerson", &[]).open("name", &[]);
        x.text("family", &[], &i.family);
        x.text("given", &[], &i.given);
        x.close("name").close("relatedPerson");
        x.close("relatedEntity");
        x.close("informant");
    }
    // Custodian: the structure keeps the document.
    x.open("custodian", &[]).open("assignedCustodian", &[]);
    organization(x, "representedCustodianOrganization", &h.organization, true);
    x.close("assignedCustodian").close("custodian");
    // Legal authenticator: the author signs.
    x.open("legalAuthenticator", &[]);
    x.empty("time", &[("value", &h.effective_time)]);
    x.empty("signatureCode", &[("code", "S")]);
    x.open("assignedEntity", &[]);
    x.empty("id", &[("root", oid::IDNPS), ("extension", &h.author.id)]);
    x.open("assignedPerson", &[]);
    person_name(x, &h.author);
    x.close("assignedPerson");
    x.close("assignedEntity");
    x.close("legalAuthenticator");
    // The act.
    x.open("documentationOf", &[]).open("serviceEvent", &[]);
    if let Some(code) = &h.service_event {
        x.code("code", code);
    }
    x.open("effectiveTime", &[]);
    x.empty("low", &[("value", &h.service_start)]);
    if let Some(end) = &h.service_end {
        x.empty("high", &[("value", end)]);
    }
    x.close("effectiveTime");
    x.open("performer", &[("typeCode", "PRF")]);
    x.open("assignedEntity", &[]);
    x.empty("id", &[("root", oid::IDNPS), ("extension", &h.author.id)]);
    x.code("code", &h.author.profession);
    x.open("assignedPerson", &[]);
    person_name(x, &h.author);
    x.close("assignedPerson");
    x.open("representedOrganization", &[]);
    x.empty(
        "id",
        &[("root", oid::IDNST), ("extension", &h.organization.id)],
    );
    x.text("name", &[], &h.organization.name);
    x.code(
        "standardIndustryClassCode",
        &h.organization.practice_setting,
    );
    x.close("representedOrganization");
    x.close("assignedEntity");
    x.close("performer");
    x.close("serviceEvent").close("documentationOf");
    // The encounter and where it took place.
    x.open("componentOf", &[])
        .open("encompassingEncounter", &[]);
    x.open("effectiveTime", &[]);
    x.empty("low", &[("value", &h.service_start)]);
    if let Some(end) = &h.service_end {
        x.empty("high", &[("value", end)]);
    }
    x.close("effectiveTime");
    x.open("location", &[]).open("healthCareFacility", &[]);
    x.code("code", &h.organization.facility_type);
    x.close("healthCareFacility").close("location");
    x.close("encompassingEncounter").close("componentOf");
}

fn person_name(x: &mut Xml, a: &Author) {
    x.open("name", &[]);
    x.text("given", &[], &a.given);
    x.text("family", &[], &a.family);
    x.text("suffix", &[], "DR");
    x.close("name");
}

fn organization(x: &mut Xml, element: &str, o: &Organization, custodian: bool) {
    x.open(element, &[]);
    x.empty("id", &[("root", oid::IDNST), ("extension", &o.id)]);
    x.text("name", &[], &o.name);
    if custodian {
        x.empty("telecom", &[("nullFlavor", "NASK")]);
        x.empty("addr", &[("nullFlavor", "NASK")]);
    } else {
        x.code("standardIndustryClassCode", &o.practice_setting);
    }
    x.close(element);
}

fn record_target(x: &mut Xml, p: &Patient) {
    x.open("recordTarget", &[]).open("patientRole", &[]);
    if let Some((matricule, root)) = p.exchanged_ins() {
        x.empty("id", &[("root", root), ("extension", matricule)]);
    }
    x.empty(
        "id",
        &[("root", &p.local_id.0), ("extension", &p.local_id.1)],
    );
    // Unknown contact details are said so: some volets require the
    // elements.
    match &p.address {
        Some(a) => {
            x.open("addr", &[("use", "H")]);
            for line in &a.lines {
                x.text("streetAddressLine", &[], line);
            }
            if let Some(c) = &a.postal_code {
                x.text("postalCode", &[], c);
            }
            if let Some(c) = &a.city {
                x.text("city", &[], c);
            }
            if let Some(c) = &a.country {
                x.text("country", &[], c);
            }
            x.close("addr");
        }
        None => {
            x.empty("addr", &[("nullFlavor", "NASK")]);
        }
    }
    if p.telecoms.is_empty() {
        x.empty("telecom", &[("nullFlavor", "NASK")]);
    }
    for t in &p.telecoms {
        match t.usage {
            Some(u) => x.empty("telecom", &[("use", u), ("value", &t.url)]),
            None => x.empty("telecom", &[("value", &t.url)]),
        };
    }
    x.open("patient", &[("classCode", "PSN")]);
    x.open("name", &[]);
    x.text("family", &[("qualifier", "BR")], &p.birth_name);
    x.text("given", &[], &p.birth_first_names.join(" "));
    x.text("given", &[("qualifier", "BR")], p.first_birth_first_name());
    if let Some(used) = &p.used_name {
        x.text("family", &[("qualifier", "CL")], used);
    }
    if let Some(used) = &p.used_first_name {
        x.text("given", &[("qualifier", "CL")], used);
    }
    x.close("name");
    let (sex, display) = p.sex.code();
    x.empty(
        "administrativeGenderCode",
        &[
            ("code", sex),
            ("displayName", display),
            ("codeSystem", oid::GENDER),
        ],
    );
    x.empty("birthTime", &[("value", &p.birth_date)]);
    if let Some(cog) = &p.birth_place_cog {
        x.open("birthplace", &[])
            .open("place", &[])
            .open("addr", &[]);
        x.text("county", &[], cog);
        x.close("addr").close("place").close("birthplace");
    }
    x.close("patient");
    x.close("patientRole").close("recordTarget");
}

pub use crate::calendar::{civil_from_days, hl7_time};

pub use esculape_identifiants::oid_from_hex;

/// The content of the INS DataMatrix printed on documents of a patient
/// whose identity is qualified (SC.DOC.03): a 2D-Doc-style message, header
/// `IS` + version, then tagged fields separated by GS (0x1D): S1 matricule,
/// S2 OID, S3 birth first names, S4 birth name, S5 sex, S6 birth date
/// (JJMMAAAA), S7 birth place COG.
///
/// None when the INS must not be exchanged.
pub fn ins_datamatrix(p: &Patient) -> Option<Vec<u8>> {
    let (matricule, root) = p.exchanged_ins()?;
    let date = &p.birth_date;
    let ddmmyyyy = if date.len() == 8 {
        format!("{}{}{}", &date[6..8], &date[4..6], &date[0..4])
    } else {
        date.clone()
    };
    let fields = [
        ("S1", matricule.clone()),
        ("S2", root.clone()),
        ("S3", p.birth_first_names.join(" ")),
        ("S4", p.birth_name.clone()),
        ("S5", p.sex.code().0.to_string()),
        ("S6", ddmmyyyy),
        ("S7", p.birth_place_cog.clone().unwrap_or_default()),
    ];
    let mut out = b"IS01".to_vec();
    for (i, (tag, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(0x1D);
        }
        out.extend_from_slice(tag.as_bytes());
        out.extend_from_slice(crate::helpers::upper_without_accents(value).as_bytes());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn patient() -> Patient {
        Patient {
            local_id: ("2.25.1".into(), "p1".into()),
            ins: Some(("297022A02077878".into(), oid::INS_NIR_TEST.into())),
            qualified: true,
            birth_name: "ADRTROIS".into(),
            birth_first_names: vec!["DOMINIQUE".into(), "MARIE".into()],
            used_name: Some("MARTIN".into()),
            used_first_name: None,
            sex: Sex::Female,
            birth_date: "19970201".into(),
            birth_place_cog: Some("2A004".into()),
            address: None,
            telecoms: vec![],
        }
    }

    #[test]
    fn oids_from_random_hex() {
        assert_eq!(oid_from_hex("ff").as_deref(), Some("2.25.255"));
        assert!(oid_from_hex("zz").is_none());
    }

    #[test]
    fn the_ins_travels_only_with_a_qualified_identity() {
        let mut p = patient();
        assert!(ins_datamatrix(&p).is_some());
        p.qualified = false;
        assert!(p.exchanged_ins().is_none());
        assert!(ins_datamatrix(&p).is_none());
    }

    #[test]
    fn the_datamatrix_message_is_upper_ascii_with_separators() {
        let m = ins_datamatrix(&patient()).unwrap();
        let s = String::from_utf8(m).unwrap();
        assert!(s.starts_with("IS01S1297022A02077878\u{1d}S21.2.250.1.213.1.4.10\u{1d}"));
        assert!(
            s.contains("S3DOMINIQUE MARIE\u{1d}S4ADRTROIS\u{1d}S5F\u{1d}S601021997\u{1d}S72A004")
        );
    }
}

/// Filling the header from what the host hands a `document` plugin: the
/// production context and the `record-read` patient (API 0.2.0).
#[cfg(feature = "document")]
pub mod from_host {
    use super::{Author, Code, Header, Organization, Sex, oid_from_hex};
    use crate::document as b;
    use b::esculape::host::pdf::{Block, Layout};
    use b::esculape::host::record_read;
    use b::esculape::host::types::{self, Coded, Error, IdentityStatus};
    use b::esculape::host::types::{FieldValue, FormValue, TelecomKind};
    use b::exports::esculape::plugin::document_type::{Context, Field, FieldKind, Produced};
    use b::exports::esculape::plugin::document_type::{RecordUpdate, Sharing};

    /// The header's patient, without contact details (each version adds
    /// what its `record-read` carries).
    fn patient_sans_contact(p: &record_read::Patient) -> super::Patient {
        let t = &p.traits;
        // The record's id (128 random bits in hex) is unique on its own.
        let local_id = match oid_from_hex(&p.id) {
            Some(root) => (root, p.id.clone()),
            None => ("2.25.0".into(), p.id.clone()),
        };
        super::Patient {
            local_id,
            ins: p.ins.as_ref().map(|i| (i.matricule.clone(), i.oid.clone())),
            qualified: p.status == IdentityStatus::Qualifiee,
            birth_name: t.birth_name.clone(),
            birth_first_names: t.birth_first_names.clone(),
            used_name: t.used_name.clone().filter(|u| u != &t.birth_name),
            used_first_name: t.used_first_name.clone(),
            sex: match t.sex {
                types::Sex::Female => Sex::Female,
                types::Sex::Male => Sex::Male,
                types::Sex::Unknown => Sex::Unknown,
            },
            birth_date: date(&t.birth_date),
            birth_place_cog: t.birth_place_cog.clone(),
            address: None,
            telecoms: vec![],
        }
    }

    pub fn code(c: &Coded) -> Code {
        Code {
            code: c.code.clone(),
            system: c.code_system.clone(),
            system_name: c.code_system_name.clone(),
            display: c.display.clone(),
        }
    }

    pub fn date(d: &types::Date) -> String {
        format!("{:04}{:02}{:02}", d.year, d.month, d.day)
    }

    /// The header of a document of this type and title for this patient.
    pub fn header(
        ctx: &Context,
        patient: &record_read::Patient,
        type_code: Code,
        title: &str,
        template_ids: Vec<(String, Option<String>)>,
    ) -> Header {
        let now = super::hl7_time(
            ctx.effective_time.unix_millis,
            ctx.effective_time.utc_offset_minutes,
        );
        Header {
            template_ids,
            id: ctx.document_id.clone(),
            set_id: ctx.set_id.clone(),
            version: ctx.version_number,
            type_code,
            title: title.to_string(),
            effective_time: now.clone(),
            confidentiality: Header::normal_confidentiality(),
            patient: self::patient(patient),
            author: Author {
                id: ctx.author_rpps.clone(),
                given: ctx.author_given.clone(),
                family: ctx.author_family.clone(),
                profession: code(&ctx.author_specialty),
            },
            organization: Organization {
                id: ctx.organization_id.clone(),
                name: ctx.organization_name.clone(),
                facility_type: code(&ctx.facility_type),
                practice_setting: code(&ctx.practice_setting),
            },
            service_event: None,
            service_start: now,
            service_end: None,
            informants: vec![],
        }
    }

    /// The identity block every printed document starts with: the INS
    /// DataMatrix and "INS à scanner" for a qualified identity
    /// (SC.DOC.03, SC.CDA/VISU.04), then the traits.
    pub fn identity_blocks(h: &Header) -> Vec<Block> {
        let p = &h.patient;
        let mut blocks = Vec::new();
        if let Some(bytes) = super::ins_datamatrix(p) {
            blocks.push(Block::Datamatrix((bytes, "INS à scanner".into())));
        }
        let mut rows = vec![
            vec!["Nom de naissance".into(), p.birth_name.clone()],
            vec![
                "Prénom(s) de naissance".into(),
                p.birth_first_names.join(" "),
            ],
        ];
        if let Some(u) = &p.used_name {
            rows.push(vec!["Nom utilisé".into(), u.clone()]);
        }
        if let Some(u) = &p.used_first_name {
            rows.push(vec!["Prénom utilisé".into(), u.clone()]);
        }
        let d = &p.birth_date;
        let born = if d.len() == 8 {
            format!("{}/{}/{}", &d[6..8], &d[4..6], &d[0..4])
        } else {
            d.clone()
        };
        rows.push(vec![
            "Sexe, naissance".into(),
            format!(
                "{}, né(e) le {born}{}",
                match p.sex {
                    Sex::Female => "F",
                    Sex::Male => "M",
                    Sex::Unknown => "I",
                },
                p.birth_place_cog
                    .as_ref()
                    .map(|c| format!(" (lieu {c})"))
                    .unwrap_or_default()
            ),
        ]);
        if let Some((matricule, root)) = p.exchanged_ins() {
            rows.push(vec!["INS".into(), format!("{matricule} ({root})")]);
        }
        blocks.push(Block::Table((vec!["Patient".into(), String::new()], rows)));
        blocks
    }

    /// The printed layout: identity, the document's blocks, the signature.
    fn printed(header: &Header, blocks: Vec<Block>) -> Layout {
        let mut all = identity_blocks(header);
        all.extend(blocks);
        all.push(signature_block(header));
        Layout {
            title: header.title.clone(),
            author: format!("{} {}", header.author.given, header.author.family),
            blocks: all,
        }
    }

    /// A form date `AAAA-MM-JJ` as HL7 `AAAAMMJJ`; none when it is not one.
    pub fn iso_day(raw: &str) -> Option<String> {
        let mut p = raw.trim().split('-');
        let (y, m, d) = (p.next()?, p.next()?, p.next()?);
        let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
        let ok = p.next().is_none()
            && digits(y, 4)
            && digits(m, 2)
            && digits(d, 2)
            && (1..=12).contains(&m.parse::<u32>().ok()?)
            && (1..=31).contains(&d.parse::<u32>().ok()?);
        ok.then(|| format!("{y}{m}{d}"))
    }

    /// A WIT coded value (for `describe`).
    pub fn coded(code: &str, system: &str, display: &str) -> Coded {
        Coded {
            code: code.into(),
            code_system: system.into(),
            code_system_name: None,
            display: Some(display.into()),
        }
    }

    /// A form field.
    pub fn field(
        key: &str,
        label: &str,
        kind: FieldKind,
        required: bool,
        help: Option<&str>,
    ) -> Field {
        Field {
            key: key.into(),
            label: label.into(),
            kind,
            required,
            help: help.map(str::to_string),
        }
    }

    /// The signature block at the end of a printed document.
    pub fn signature_block(h: &Header) -> Block {
        let t = &h.effective_time;
        let date = if t.len() >= 8 {
            format!("{}/{}/{}", &t[6..8], &t[4..6], &t[0..4])
        } else {
            t.clone()
        };
        // IDNPS "8" + RPPS, IDNST "1" + FINESS: shown as people know them.
        let rpps = h.author.id.strip_prefix('8').unwrap_or(&h.author.id);
        let structure = match h.organization.id.strip_prefix('1') {
            Some(finess) => format!("FINESS {finess}"),
            None => h.organization.id.clone(),
        };
        Block::Paragraph(format!(
            "Fait le {date}\nDr {} {} — {} — RPPS {rpps}\n{} ({structure})",
            h.author.given,
            h.author.family,
            h.author.profession.display.clone().unwrap_or_default(),
            h.organization.name,
        ))
    }

    /// The header's patient, with their address and telecoms.
    pub fn patient(p: &record_read::Patient) -> super::Patient {
        let mut patient = patient_sans_contact(p);
        patient.address = p.address.as_ref().map(|a| super::Address {
            lines: a.lines.clone(),
            postal_code: a.postal_code.clone(),
            city: a.city.clone(),
            country: a.country.clone(),
        });
        patient.telecoms = p
            .telecoms
            .iter()
            .map(|t| {
                let (usage, scheme) = match t.kind {
                    TelecomKind::Phone => (Some("HP"), "tel:"),
                    TelecomKind::Mobile => (Some("MC"), "tel:"),
                    TelecomKind::Email | TelecomKind::Mssante => (None, "mailto:"),
                };
                let value: String = match scheme {
                    "tel:" => t
                        .value
                        .chars()
                        .filter(|c| !c.is_whitespace() && *c != '.')
                        .collect(),
                    _ => t.value.trim().to_string(),
                };
                super::Telecom {
                    usage,
                    url: format!("{scheme}{value}"),
                }
            })
            .collect();
        patient
    }

    /// What the document may be shared with, unless the plugin says
    /// otherwise: normal confidentiality, the patient's DMP.
    pub fn partage_normal() -> Sharing {
        Sharing {
            confidentiality: coded("N", "2.16.840.1.113883.5.25", "Normal"),
            dmp: true,
            event_codes: vec![],
        }
    }

    /// An N1 document: the printed layout (identity, then `blocks`, then
    /// the signature) rendered to PDF/A-1 by `render` (the host's `pdf`
    /// capability) and embedded in the CDA: one source for both.
    pub fn n1(
        header: &Header,
        blocks: Vec<Block>,
        render: &dyn Fn(&Layout) -> Result<Vec<u8>, Error>,
        notices: Vec<String>,
    ) -> Result<Produced, Error> {
        let layout = printed(header, blocks);
        let pdf = render(&layout)?;
        let cda = super::document(header, super::Body::N1(&pdf));
        Ok(Produced {
            cda,
            layout,
            notices,
            sharing: partage_normal(),
            record_updates: vec![],
        })
    }

    /// An N3 document: the structured body written by `body`, and the
    /// printed layout (identity, then `blocks`, then the signature) the
    /// host renders to PDF/A-1.
    pub fn n3(
        header: &Header,
        body: &dyn Fn(&mut super::Xml),
        blocks: Vec<Block>,
        notices: Vec<String>,
    ) -> Produced {
        Produced {
            cda: super::document(header, super::Body::N3(body)),
            layout: printed(header, blocks),
            notices,
            sharing: partage_normal(),
            record_updates: vec![],
        }
    }

    /// A measure the signed document reports to the record (LOINC code,
    /// UCUM unit), taken on `day` at a time unknown: noon there, as the
    /// interface says, at that day's offset (the host's clock knows it).
    pub fn mesure_du_jour(
        loinc: &str,
        display: &str,
        unit: &str,
        value: f64,
        day: &types::Date,
    ) -> Result<RecordUpdate, Error> {
        let at = b::esculape::host::clock::local_time(*day, 12 * 60)?;
        Ok(RecordUpdate::Measure(record_read::Measure {
            code: Coded {
                code: loinc.into(),
                code_system: crate::identifiants::oid::LOINC.into(),
                code_system_name: Some("LOINC".into()),
                display: Some(display.into()),
            },
            value,
            unit: unit.into(),
            at,
        }))
    }

    /// A form value as text (a date `AAAA-MM-JJ`); none when absent, empty
    /// or a list.
    pub fn text_value(values: &[FormValue], key: &str) -> Option<String> {
        let v = values.iter().find(|v| v.key == key)?;
        match &v.value {
            FieldValue::Scalar(s) => Some(crate::forme::texte_de(s)).filter(|t| !t.is_empty()),
            FieldValue::Items(_) => None,
        }
    }
}
