//! Note de vaccination (CI-SIS VAC-NOTE 2023.01, SC.CDA/DD.23): one
//! vaccination act as a CDA R2 N3 (section FR-Vaccinations, entry
//! FR-Vaccination with the vaccine, its lot, route and site, rank,
//! reaction and comment), prefilled from the GS1 DataMatrix of the vaccine
//! box (GTIN → CIP13, lot, expiry: SC.VACC/NOTE.05) and from the record's
//! last vaccination. The printed note links to the official vaccination
//! schedule (SC.VACC/SCHEMA.01).

use esculape_sdk::cda::{Code, Xml, from_host, oid};
use esculape_sdk::document::esculape::host::pdf::Block;
use esculape_sdk::document::esculape::host::types::{Coded, Error, FormValue, Scalar};
use esculape_sdk::document::esculape::host::{record_read, terminology};
use esculape_sdk::document::exports::esculape::plugin::document_type::{
    CdaLevel, Context, Description, Field, Guest, Produced, Received, ScalarKind,
};
use esculape_sdk::forme;

pub struct NoteDeVaccination;

/// The official schedule (SC.VACC/SCHEMA.01).
pub const CALENDRIER: &str =
    "https://sante.gouv.fr/prevention-en-sante/preserver-sa-sante/vaccination/calendrier-vaccinal";
const CIS: &str = "1.2.250.1.213.2.3.1";
const CIP: &str = "1.2.250.1.213.2.3.2";
const ATC: &str = "2.16.840.1.113883.6.73";
const ROUTES: &str = "JDV_ImmunizationRouteCodes_CISIS";
const SITES: &str = "JDV_ImmunizationApproachSiteCode_CISIS";
const ACTS: &str = "JDV_HL7_ActSubstanceAdministrationImmunizationCode_CISIS";

/// What the GS1 DataMatrix of a medicine box carries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Gs1 {
    /// GTIN-14 (AI 01).
    pub gtin: String,
    /// AAMMJJ (AI 17).
    pub expiry: Option<String>,
    /// AI 10.
    pub lot: Option<String>,
    /// AI 21.
    pub serial: Option<String>,
}

impl Gs1 {
    /// The CIP13 of a French medicine: its GTIN-14 without the leading 0.
    pub fn cip13(&self) -> Option<String> {
        (self.gtin.len() == 14 && self.gtin.starts_with("03400"))
            .then(|| self.gtin[1..].to_string())
    }

    /// The expiry as `AAAA-MM-JJ`; a day 00 means the end of the month,
    /// written 31 (only compared, never shown as a date).
    pub fn expiry_date(&self) -> Option<String> {
        let e = self.expiry.as_ref()?;
        let d = if &e[4..6] == "00" { "31" } else { &e[4..6] };
        Some(format!("20{}-{}-{d}", &e[0..2], &e[2..4]))
    }
}

/// Read a GS1 element string as a scanner delivers it: raw (FNC1 as GS,
/// 0x1D, optionally after the `]d2` symbology identifier) or written with
/// the AIs in parentheses.
pub fn parse_gs1(scan: &str) -> Result<Gs1, Error> {
    let bad = |why: &str| Error::InvalidInput(format!("DataMatrix illisible: {why}"));
    let s = scan
        .trim()
        .trim_start_matches("]d2")
        .trim_start_matches('\u{1d}');
    let mut out = Gs1::default();
    let mut fields: Vec<(String, String)> = vec![];
    if s.starts_with('(') {
        for part in s.split('(').skip(1) {
            let (ai, value) = part
                .split_once(')')
                .ok_or_else(|| bad("parenthèse non fermée"))?;
            fields.push((ai.to_string(), value.trim().to_string()));
        }
    } else {
        let mut rest = s;
        while !rest.is_empty() {
            let ai = rest
                .get(..2)
                .ok_or_else(|| bad("identifiant d'application tronqué"))?;
            let fixed = match ai {
                "01" => Some(14),
                "17" | "11" | "15" => Some(6),
                "10" | "21" => None,
                other => {
                    return Err(bad(&format!(
                        "identifiant d'application {other} non pris en charge"
                    )));
                }
            };
            let body = &rest[2..];
            let (value, next) = match fixed {
                Some(n) => {
                    let v = body
                        .get(..n)
                        .ok_or_else(|| bad(&format!("valeur de {ai} tronquée")))?;
                    (v, body[n..].trim_start_matches('\u{1d}'))
                }
                None => match body.find('\u{1d}') {
                    Some(p) => (&body[..p], &body[p + 1..]),
                    None => (body, ""),
                },
            };
            fields.push((ai.to_string(), value.to_string()));
            rest = next;
        }
    }
    for (ai, value) in fields {
        match ai.as_str() {
            "01" => {
                if value.len() != 14 || !value.chars().all(|c| c.is_ascii_digit()) {
                    return Err(bad("le GTIN doit avoir 14 chiffres"));
                }
                out.gtin = value;
            }
            "17" => {
                if value.len() != 6 || !value.chars().all(|c| c.is_ascii_digit()) {
                    return Err(bad("date de péremption AAMMJJ attendue"));
                }
                out.expiry = Some(value);
            }
            "10" => out.lot = Some(value),
            "21" => out.serial = Some(value),
            _ => {}
        }
    }
    if out.gtin.is_empty() {
        return Err(bad("pas de GTIN (01)"));
    }
    Ok(out)
}

fn invalid(msg: &str) -> Error {
    Error::InvalidInput(msg.to_string())
}

fn text(values: &[FormValue], key: &str) -> Option<String> {
    from_host::text_value(values, key).filter(|v| !v.trim().is_empty())
}

/// A code of a CI-SIS value set, with its display name, through the host.
fn lookup(value_set: &str, code: &str, what: &str) -> Result<Coded, Error> {
    match terminology::lookup(value_set, code) {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(invalid(&format!("{what} «{code}» absent du jeu de valeurs {value_set}"))),
        // Value sets not installed in this home: the codes of the published
        // JDV this plugin knows, so that a fresh install still works.
        Err(Error::NotFound(_)) => BUILT_IN
            .iter()
            .find(|(set, c, _, _)| *set == value_set && *c == code)
            .map(|(_, c, system, display)| Coded {
                code: (*c).into(),
                code_system: (*system).into(),
                code_system_name: None,
                display: Some((*display).into()),
            })
            .ok_or_else(|| {
                invalid(&format!(
                    "{what} «{code}» inconnu: le jeu de valeurs {value_set} n'est pas installé (jeux de valeurs du CI-SIS dans value-sets/)"
                ))
            }),
        Err(e) => Err(e),
    }
}

/// The codes of the three value sets as published (JDV of 2024), used
/// when the home has no value sets installed.
const BUILT_IN: &[(&str, &str, &str, &str)] = &[
    (
        ACTS,
        "IMMUNIZ",
        "2.16.840.1.113883.5.4",
        "Vaccination sans autre précision",
    ),
    (
        ACTS,
        "INITIMMUNIZ",
        "2.16.840.1.113883.5.4",
        "1ère série vaccinante",
    ),
    (ACTS, "BOOSTER", "2.16.840.1.113883.5.4", "Rappel de vaccin"),
    (
        ROUTES,
        "20035000",
        "0.4.0.127.0.16.1.1.2.1",
        "Voie intramusculaire",
    ),
    (
        ROUTES,
        "20030000",
        "0.4.0.127.0.16.1.1.2.1",
        "Voie intradermique",
    ),
    (ROUTES, "20020000", "0.4.0.127.0.16.1.1.2.1", "Voie inhalée"),
    (ROUTES, "20053000", "0.4.0.127.0.16.1.1.2.1", "Voie orale"),
    (
        ROUTES,
        "20066000",
        "0.4.0.127.0.16.1.1.2.1",
        "Voie sous-cutanée",
    ),
    (
        SITES,
        "16217661000119109",
        "2.16.840.1.113883.6.96",
        "deltoïde droit",
    ),
    (
        SITES,
        "16217701000119102",
        "2.16.840.1.113883.6.96",
        "deltoïde gauche",
    ),
    (SITES, "11207009", "2.16.840.1.113883.6.96", "cuisse droite"),
    (SITES, "61396006", "2.16.840.1.113883.6.96", "cuisse gauche"),
];

fn code_of(c: &Coded) -> Code {
    from_host::code(c)
}

impl Guest for NoteDeVaccination {
    fn describe() -> Description {
        let coded = from_host::coded;
        Description {
            type_code: coded("87273-9", oid::LOINC, "Note de vaccination"),
            class_code: coded("52", "1.2.250.1.213.1.1.4.1", "Certificat, déclaration"),
            format_code: coded(
                "urn:asip:ci-sis:vac-note:2021",
                "1.2.250.1.213.1.1.4.2.282",
                "Note de vaccination",
            ),
            template_ids: vec![
                "1.3.6.1.4.1.19376.1.5.3.1.1.18.1.2".into(),
                "1.2.250.1.213.1.1.1.46@2023.01".into(),
            ],
            level: CdaLevel::N3,
            volet: "VAC-NOTE 2023.01".into(),
            title: "Note de vaccination".into(),
        }
    }

    fn form_schema() -> Vec<Field> {
        let f = forme::champ;
        vec![
            f(
                "datamatrix",
                "DataMatrix de la boîte (lecteur)",
                ScalarKind::Text,
                false,
                Some("scanner le code de la boîte: GTIN/CIP13, lot et péremption sont remplis"),
            ),
            f(
                "date",
                "Date de la vaccination",
                ScalarKind::Date,
                true,
                None,
            ),
            f("vaccin", "Vaccin", ScalarKind::Text, true, None),
            f(
                "cis",
                "Code CIS",
                ScalarKind::Text,
                false,
                Some("code identifiant de spécialité (BDPM)"),
            ),
            f("cip13", "Code CIP13", ScalarKind::Text, false, None),
            f(
                "atc",
                "Code ATC",
                ScalarKind::Text,
                true,
                Some("par exemple J07CA09 (hexavalent)"),
            ),
            f("atc_libelle", "Libellé ATC", ScalarKind::Text, true, None),
            f("lot", "Numéro de lot", ScalarKind::Text, true, None),
            f(
                "peremption",
                "Date de péremption",
                ScalarKind::Date,
                false,
                None,
            ),
            f(
                "acte",
                "Type d'acte",
                ScalarKind::Coded(ACTS.into()),
                true,
                None,
            ),
            f(
                "rang",
                "Rang de la vaccination",
                ScalarKind::Number,
                false,
                None,
            ),
            f(
                "voie",
                "Voie d'administration",
                ScalarKind::Coded(ROUTES.into()),
                false,
                None,
            ),
            f(
                "site",
                "Région d'administration",
                ScalarKind::Coded(SITES.into()),
                false,
                None,
            ),
            f(
                "reaction",
                "Réaction observée",
                ScalarKind::Text,
                false,
                None,
            ),
            f(
                "commentaire",
                "Commentaire",
                ScalarKind::LongText,
                false,
                None,
            ),
        ]
    }

    fn prefill() -> Result<Vec<FormValue>, Error> {
        let mut out = vec![forme::valeur("acte", Scalar::Code("IMMUNIZ".into()))];
        // The record's last vaccination, as a starting point.
        let vaccinations = record_read::vaccinations()?;
        if let Some(v) = vaccinations
            .iter()
            .max_by_key(|v| (v.date.year, v.date.month, v.date.day))
        {
            out.push(forme::valeur_texte("vaccin", v.text.clone()));
            if let Some(c) = v.vaccine.as_ref().filter(|c| c.code_system == ATC) {
                out.push(forme::valeur_texte("atc", c.code.clone()));
                if let Some(d) = &c.display {
                    out.push(forme::valeur_texte("atc_libelle", d.clone()));
                }
            }
            if let Some(lot) = &v.lot {
                out.push(forme::valeur_texte("lot", lot.clone()));
            }
            out.push(forme::valeur_date("date", v.date));
        }
        Ok(out)
    }

    fn produce(ctx: Context, values: Vec<FormValue>) -> Result<Produced, Error> {
        let patient = record_read::current_patient()?;
        let mut values = values;
        // A scan given at production fills what the user left empty.
        if let Some(scan) = text(&values, "datamatrix") {
            let g = parse_gs1(&scan)?;
            let mut add = |k: &str, v: Option<String>| {
                if let Some(v) = v
                    && text(&values, k).is_none()
                {
                    values.retain(|x| x.key != k);
                    values.push(forme::valeur_texte(k, v));
                }
            };
            add("cip13", g.cip13());
            add("lot", g.lot.clone());
            add("peremption", g.expiry_date());
        }
        let resolve = |set: &str, code: &str, what: &str| lookup(set, code, what);
        produire(&ctx, &patient, &values, &resolve)
    }

    fn read(cda: Vec<u8>) -> Result<Received, Error> {
        esculape_sdk::lecture::recu(&cda, &["87273-9"])
    }
}

fn day(raw: &str, what: &str) -> Result<String, Error> {
    from_host::iso_day(raw).ok_or_else(|| invalid(&format!("{what} «{raw}»: attendu AAAA-MM-JJ")))
}

/// The document from the context, the patient, the form and a resolver of
/// value set codes (the host's terminology in the plugin).
pub fn produire(
    ctx: &Context,
    patient: &record_read::Patient,
    values: &[FormValue],
    resolve: &dyn Fn(&str, &str, &str) -> Result<Coded, Error>,
) -> Result<Produced, Error> {
    let date = day(
        &text(values, "date")
            .ok_or_else(|| invalid("la date de la vaccination est obligatoire"))?,
        "date",
    )?;
    let vaccin = text(values, "vaccin").ok_or_else(|| invalid("le vaccin est obligatoire"))?;
    let atc =
        text(values, "atc").ok_or_else(|| invalid("le code ATC du vaccin est obligatoire"))?;
    if !atc.starts_with("J07") {
        return Err(invalid(&format!(
            "code ATC «{atc}»: un vaccin a un code ATC J07…"
        )));
    }
    let atc_libelle = text(values, "atc_libelle").unwrap_or_else(|| vaccin.clone());
    let lot = text(values, "lot")
        .ok_or_else(|| invalid("le numéro de lot est obligatoire (DataMatrix de la boîte)"))?;
    if let Some(p) = text(values, "peremption")
        && day(&p, "péremption")? < date
    {
        return Err(invalid(&format!(
            "le vaccin du lot {lot} était périmé à la date de la vaccination"
        )));
    }
    let acte = resolve(
        ACTS,
        &text(values, "acte").unwrap_or_else(|| "IMMUNIZ".into()),
        "type d'acte",
    )?;
    let voie = text(values, "voie")
        .map(|c| resolve(ROUTES, &c, "voie"))
        .transpose()?;
    let site = text(values, "site")
        .map(|c| resolve(SITES, &c, "région"))
        .transpose()?;
    let rang = match text(values, "rang") {
        Some(r) => Some(
            r.parse::<u32>()
                .map_err(|_| invalid(&format!("rang «{r}»: un entier est attendu")))?,
        ),
        None => None,
    };
    let reaction = text(values, "reaction");
    let commentaire = text(values, "commentaire");
    let cis = text(values, "cis");
    let cip13 = text(values, "cip13");

    let title = "Note de vaccination";
    let mut header = from_host::header(
        ctx,
        patient,
        Code::new("87273-9", oid::LOINC, "Note de vaccination").named("LOINC"),
        title,
        vec![
            ("1.3.6.1.4.1.19376.1.5.3.1.1.18.1.2".into(), None),
            ("1.2.250.1.213.1.1.1.46".into(), Some("2023.01".into())),
        ],
    );
    header.service_event =
        Some(Code::new("87273-9", oid::LOINC, "Note de vaccination").named("LOINC"));
    let id = header.id.clone();
    let author = header.author.clone();
    let org = header.organization.clone();
    let when = header.effective_time.clone();
    let d = format!("{}/{}/{}", &date[6..8], &date[4..6], &date[0..4]);
    let vaccinateur = format!("Dr {} {}", author.given, author.family);
    let body = |x: &mut Xml| {
        x.open("component", &[]).open("section", &[]);
        for root in [
            "2.16.840.1.113883.10.20.1.6",
            "1.3.6.1.4.1.19376.1.5.3.1.3.23",
            "1.2.250.1.213.1.1.2.147",
        ] {
            x.empty("templateId", &[("root", root)]);
        }
        x.empty("id", &[("root", &format!("{id}.1"))]);
        x.code(
            "code",
            &Code::new("11369-6", oid::LOINC, "Historique des vaccinations").named("LOINC"),
        );
        x.text("title", &[], title);
        x.open("text", &[]).open("table", &[("border", "0")]);
        x.open("thead", &[]).open("tr", &[]);
        for h in [
            "Date",
            "Vaccin",
            "Lot n°",
            "Rang",
            "Voie d'administration",
            "Région d'administration",
            "Réaction observée",
            "Commentaire",
            "Vaccinateur",
        ] {
            x.text("th", &[], h);
        }
        x.close("tr").close("thead");
        x.open("tbody", &[]).open("tr", &[]);
        x.text("td", &[], &d);
        x.open("td", &[])
            .text("content", &[("ID", "vac-01")], &vaccin)
            .close("td");
        x.text("td", &[], &lot);
        x.text("td", &[], &rang.map(|r| r.to_string()).unwrap_or_default());
        x.text(
            "td",
            &[],
            voie.as_ref()
                .and_then(|v| v.display.as_deref())
                .unwrap_or(""),
        );
        x.open("td", &[])
            .text(
                "content",
                &[("ID", "vac-01-site")],
                site.as_ref()
                    .and_then(|v| v.display.as_deref())
                    .unwrap_or(""),
            )
            .close("td");
        x.open("td", &[])
            .text(
                "content",
                &[("ID", "vac-01-reac")],
                reaction.as_deref().unwrap_or(""),
            )
            .close("td");
        x.open("td", &[])
            .text(
                "content",
                &[("ID", "vac-01-comment")],
                commentaire.as_deref().unwrap_or(""),
            )
            .close("td");
        x.text("td", &[], &vaccinateur);
        x.close("tr").close("tbody").close("table").close("text");
        x.open("entry", &[]);
        x.open(
            "substanceAdministration",
            &[
                ("classCode", "SBADM"),
                ("moodCode", "EVN"),
                ("negationInd", "false"),
            ],
        );
        for root in [
            "2.16.840.1.113883.10.20.1.24",
            "1.3.6.1.4.1.19376.1.5.3.1.4.12",
            "1.2.250.1.213.1.1.3.45",
        ] {
            x.empty("templateId", &[("root", root)]);
        }
        x.empty("id", &[("root", &format!("{id}.2"))]);
        x.code("code", &code_of(&acte));
        x.open("text", &[])
            .empty("reference", &[("value", "#vac-01")])
            .close("text");
        x.empty("statusCode", &[("code", "completed")]);
        x.empty("effectiveTime", &[("value", &date)]);
        if let Some(v) = &voie {
            x.code("routeCode", &code_of(v));
        }
        if let Some(s) = &site {
            x.open("approachSiteCode", &code_of(s).attrs());
            x.open("originalText", &[])
                .empty("reference", &[("value", "#vac-01-site")])
                .close("originalText");
            x.close("approachSiteCode");
        }
        x.open("consumable", &[("typeCode", "CSM")])
            .open("manufacturedProduct", &[]);
        for root in [
            "2.16.840.1.113883.10.20.1.53",
            "1.3.6.1.4.1.19376.1.5.3.1.4.7.2",
            "1.2.250.1.213.1.1.3.43",
        ] {
            x.empty("templateId", &[("root", root)]);
        }
        x.open("manufacturedMaterial", &[]);
        // The CIS when known, else a null flavor in the CIS system: the ATC
        // translation always says what the vaccine is.
        match &cis {
            Some(c) => x.open(
                "code",
                &[
                    ("code", c.as_str()),
                    ("displayName", vaccin.as_str()),
                    ("codeSystem", CIS),
                    ("codeSystemName", "CIS"),
                ],
            ),
            None => x.open(
                "code",
                &[
                    ("nullFlavor", "NI"),
                    ("codeSystem", CIS),
                    ("codeSystemName", "CIS"),
                ],
            ),
        };
        x.open("originalText", &[])
            .empty("reference", &[("value", "#vac-01")])
            .close("originalText");
        x.empty(
            "translation",
            &[
                ("code", atc.as_str()),
                ("displayName", atc_libelle.as_str()),
                ("codeSystem", ATC),
                ("codeSystemName", "ATC"),
            ],
        );
        if let Some(c) = &cip13 {
            x.empty(
                "translation",
                &[
                    ("code", c.as_str()),
                    ("displayName", vaccin.as_str()),
                    ("codeSystem", CIP),
                    ("codeSystemName", "CIP"),
                ],
            );
        }
        x.close("code");
        x.text("name", &[], &vaccin);
        x.text("lotNumberText", &[], &lot);
        x.close("manufacturedMaterial");
        x.close("manufacturedProduct").close("consumable");
        // The vaccinator and the author: the signing médecin.
        for (element, attrs) in [
            ("performer", vec![("typeCode", "PRF")]),
            (
                "author",
                vec![("typeCode", "AUT"), ("contextControlCode", "OP")],
            ),
        ] {
            x.open(element, &attrs);
            let entity = if element == "performer" {
                "assignedEntity"
            } else {
                "assignedAuthor"
            };
            if element == "author" {
                x.empty("time", &[("value", &when)]);
            }
            x.open(entity, &[("classCode", "ASSIGNED")]);
            x.empty("id", &[("root", oid::IDNPS), ("extension", &author.id)]);
            x.code("code", &author.profession);
            x.open("assignedPerson", &[]).open("name", &[]);
            x.text("given", &[], &author.given);
            x.text("family", &[], &author.family);
            x.close("name").close("assignedPerson");
            x.open("representedOrganization", &[]);
            x.empty("id", &[("root", oid::IDNST), ("extension", &org.id)]);
            x.text("name", &[], &org.name);
            x.close("representedOrganization");
            x.close(entity);
            x.close(element);
        }
        if let Some(r) = rang {
            x.open("entryRelationship", &[("typeCode", "SUBJ")]);
            x.open("observation", &[("classCode", "OBS"), ("moodCode", "EVN")]);
            x.empty("templateId", &[("root", "2.16.840.1.113883.10.20.1.46")]);
            x.empty("templateId", &[("root", "1.2.250.1.213.1.1.3.82")]);
            x.code(
                "code",
                &Code::new("30973-2", oid::LOINC, "Rang de la vaccination").named("LOINC"),
            );
            x.empty("statusCode", &[("code", "completed")]);
            x.empty("value", &[("xsi:type", "INT"), ("value", &r.to_string())]);
            x.close("observation");
            x.close("entryRelationship");
        }
        if let Some(c) = &commentaire {
            x.open("entryRelationship", &[("typeCode", "SUBJ")]);
            x.open("act", &[("classCode", "ACT"), ("moodCode", "EVN")]);
            for root in [
                "2.16.840.1.113883.10.20.1.40",
                "1.3.6.1.4.1.19376.1.5.3.1.4.2",
                "1.2.250.1.213.1.1.3.32",
            ] {
                x.empty("templateId", &[("root", root)]);
            }
            x.code(
                "code",
                &Code::new("48767-8", oid::LOINC, "Commentaire").named("LOINC"),
            );
            x.open("text", &[])
                .empty("reference", &[("value", "#vac-01-comment")]);
            x.raw(&esculape_sdk::helpers::xml_escape(c));
            x.close("text");
            x.empty("statusCode", &[("code", "completed")]);
            x.close("act");
            x.close("entryRelationship");
        }
        x.close("substanceAdministration");
        x.close("entry");
        x.close("section").close("component");
    };
    let mut blocks = vec![Block::Heading((1, title.into()))];
    let mut rows = vec![
        vec!["Date".into(), d.clone()],
        vec!["Vaccin".into(), vaccin.clone()],
        vec!["Code ATC".into(), format!("{atc} ({atc_libelle})")],
        vec!["Lot".into(), lot.clone()],
        vec![
            "Type d'acte".into(),
            acte.display.clone().unwrap_or_default(),
        ],
    ];
    if let Some(c) = &cip13 {
        rows.push(vec!["CIP13".into(), c.clone()]);
    }
    if let Some(r) = rang {
        rows.push(vec!["Rang".into(), r.to_string()]);
    }
    for (label, c) in [("Voie", &voie), ("Région", &site)] {
        if let Some(c) = c {
            rows.push(vec![label.into(), c.display.clone().unwrap_or_default()]);
        }
    }
    if let Some(r) = &reaction {
        rows.push(vec!["Réaction observée".into(), r.clone()]);
    }
    if let Some(c) = &commentaire {
        rows.push(vec!["Commentaire".into(), c.clone()]);
    }
    blocks.push(Block::Table((vec!["".into(), "".into()], rows)));
    blocks.push(Block::Paragraph(format!(
        "Calendrier des vaccinations en vigueur : {CALENDRIER}"
    )));
    Ok(from_host::n3(
        &header,
        &body,
        blocks,
        vec![format!(
            "Calendrier des vaccinations en vigueur : {CALENDRIER}"
        )],
    ))
}

#[cfg(target_arch = "wasm32")]
esculape_sdk::document::export_document!(NoteDeVaccination);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs1_raw_and_with_parentheses() {
        let raw = "]d2010340093285724117270331103A1234\u{1d}21SERIAL9";
        let g = parse_gs1(raw).unwrap();
        assert_eq!(g.gtin, "03400932857241");
        assert_eq!(g.cip13().as_deref(), Some("3400932857241"));
        assert_eq!(g.expiry_date().as_deref(), Some("2027-03-31"));
        assert_eq!(g.lot.as_deref(), Some("3A1234"));
        assert_eq!(g.serial.as_deref(), Some("SERIAL9"));
        let p = parse_gs1("(01)03400932857241(17)270331(10)3A1234(21)SERIAL9").unwrap();
        assert_eq!(p, g);
        assert!(parse_gs1("0112345").is_err());
        assert!(
            parse_gs1("(10)LOT")
                .unwrap_err()
                .to_string()
                .contains("GTIN")
        );
        assert!(parse_gs1("99ABC").is_err());
    }
}
