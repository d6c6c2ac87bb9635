//! Prescription de produits de santé (CI-SIS eP-MED-DM 2024.01, profile
//! "prescription de médicaments structurée", SC.CDA/DD.21): each medicine
//! with a structured posology (dose and unit, times per day, duration,
//! route), renewals, substitution, and the four coverage statements (ALD,
//! AT/MP, prevention, non-reimbursable); the PDF copy the volet requires is
//! rendered by the host from the same layout and embedded. Prefilled with
//! the record's long-term treatments.

use esculape_sdk::cda::{self, Body, Code, Xml, from_host, oid};
use esculape_sdk::document::esculape::host::pdf::{self, Block, Layout};
use esculape_sdk::document::esculape::host::record_read;
use esculape_sdk::document::esculape::host::types::{Error, FormValue};
use esculape_sdk::document::exports::esculape::plugin::document_type::{
    CdaLevel, Context, Description, Field, Guest, Produced, Received, ScalarKind,
};
use esculape_sdk::forme;
use serde::{Deserialize, Serialize};

pub struct Ordonnance;

const CIS: &str = "1.2.250.1.213.2.3.1";
const ATC: &str = "2.16.840.1.113883.6.73";
const EDQM: &str = "0.4.0.127.0.16.1.1.2.1";
const TERMINOLOGIE: &str = "1.2.250.1.213.1.1.4.322";

/// One prescribed medicine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ligne {
    /// The medicine as prescribed (name, strength, form).
    pub libelle: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub atc: Option<String>,
    /// Dose per intake and its UCUM unit (`{tablet}`, `mg`, `mL`...).
    pub dose: f64,
    #[serde(default = "tablet")]
    pub unite: String,
    /// Intakes per day.
    pub par_jour: u32,
    pub duree_jours: u32,
    /// EDQM route code (default: oral, 20053000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voie: Option<String>,
    #[serde(default)]
    pub renouvellements: u32,
    #[serde(default)]
    pub non_substituable: bool,
    #[serde(default)]
    pub ald: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
}

fn tablet() -> String {
    "{tablet}".into()
}

const VOIES: &[(&str, &str)] = &[
    ("20053000", "Voie orale"),
    ("20035000", "Voie intramusculaire"),
    ("20066000", "Voie sous-cutanée"),
    ("20045000", "Voie intraveineuse"),
    ("20003000", "Voie cutanée"),
];

fn invalid(msg: &str) -> Error {
    Error::InvalidInput(msg.to_string())
}

fn lines(values: &[FormValue]) -> Result<Vec<Ligne>, Error> {
    let v = values
        .iter()
        .find(|v| v.key == "medicaments")
        .ok_or_else(|| invalid("au moins un médicament est à prescrire"))?;
    let lines: Vec<Ligne> = serde_json::from_value(forme::json(&v.value)).map_err(|e| {
        invalid(&format!(
            "médicaments: liste attendue [{{\"libelle\", \"dose\", \"par_jour\", \"duree_jours\"...}}] ({e})"
        ))
    })?;
    if lines.is_empty() {
        return Err(invalid("au moins un médicament est à prescrire"));
    }
    for l in &lines {
        if l.libelle.trim().is_empty() {
            return Err(invalid("un médicament sans libellé"));
        }
        if l.dose.is_nan()
            || l.dose <= 0.0
            || l.par_jour == 0
            || l.par_jour > 24
            || l.duree_jours == 0
            || l.duree_jours > 365
        {
            return Err(invalid(&format!(
                "{}: posologie incomplète (dose > 0, 1 à 24 prises par jour, durée de 1 à 365 jours)",
                l.libelle
            )));
        }
        if let Some(v) = &l.voie
            && !VOIES.iter().any(|(c, _)| c == v)
        {
            return Err(invalid(&format!(
                "{}: voie «{v}» non prise en charge",
                l.libelle
            )));
        }
    }
    Ok(lines)
}

fn fmt(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn unit_label(u: &str) -> &str {
    match u {
        "{tablet}" => "comprimé(s)",
        "{capsule}" => "gélule(s)",
        "{sachet}" => "sachet(s)",
        "{drop}" => "goutte(s)",
        other => other,
    }
}

fn posologie(l: &Ligne) -> String {
    format!(
        "{} {} {} fois par jour pendant {} jours",
        fmt(l.dose),
        unit_label(&l.unite),
        l.par_jour,
        l.duree_jours
    )
}

impl Guest for Ordonnance {
    fn describe() -> Description {
        let coded = from_host::coded;
        Description {
            type_code: coded("57833-6", oid::LOINC, "Prescription de produits de santé"),
            class_code: coded("42", "1.2.250.1.213.1.1.4.1", "Prescription"),
            format_code: coded(
                "urn:ihe:pharm:pre:2010",
                "1.2.250.1.213.1.1.4.2.282",
                "Prescription",
            ),
            template_ids: vec![
                "1.3.6.1.4.1.19376.1.9.1.1.1".into(),
                "1.3.6.1.4.1.19376.1.5.3.1.1.1".into(),
                "1.2.250.1.213.1.1.1.39@2024.01".into(),
            ],
            level: CdaLevel::N3,
            volet: "eP-MED-DM 2024.01".into(),
            title: "Ordonnance de médicaments".into(),
        }
    }

    fn form_schema() -> Vec<Field> {
        use ScalarKind::{Boolean, Number, Text};
        vec![forme::liste(
            "medicaments",
            "Médicaments",
            &[
                ("libelle", "Médicament", Text),
                ("cis", "Code CIS", Text),
                ("atc", "Code ATC", Text),
                ("dose", "Dose par prise", Number),
                ("unite", "Unité (UCUM)", Text),
                ("par_jour", "Prises par jour", Number),
                ("duree_jours", "Durée (jours)", Number),
                ("voie", "Voie (EDQM)", Text),
                ("renouvellements", "Renouvellements", Number),
                ("non_substituable", "Non substituable", Boolean),
                ("ald", "En rapport avec une ALD", Boolean),
                ("instructions", "Instructions", Text),
            ],
            true,
            Some("une ligne par médicament, posologie structurée"),
        )]
    }

    fn prefill() -> Result<Vec<FormValue>, Error> {
        let lines: Vec<Ligne> = record_read::treatments()?
            .into_iter()
            .filter(|t| t.long_term)
            .map(|t| Ligne {
                libelle: t.text,
                atc: t
                    .medication
                    .filter(|c| c.code_system == ATC)
                    .map(|c| c.code),
                dose: 1.0,
                unite: tablet(),
                par_jour: 1,
                duree_jours: 30,
                instructions: t.posology,
                ..Ligne::default()
            })
            .collect();
        Ok(forme::depuis_json(
            "medicaments",
            &serde_json::to_value(&lines).unwrap_or_default(),
        )
        .into_iter()
        .collect())
    }

    fn produce(ctx: Context, values: Vec<FormValue>) -> Result<Produced, Error> {
        let patient = record_read::current_patient()?;
        produire(&ctx, &patient, &values, &|layout| pdf::render(layout))
    }

    fn read(cda: Vec<u8>) -> Result<Received, Error> {
        esculape_sdk::lecture::recu(&cda, &["57833-6"])
    }
}

/// Coverage statements every prescribed line carries.
const MENTIONS: &[(&str, &str, &str)] = &[
    (
        "1.2.250.1.213.1.1.3.48.13",
        "MED-574",
        "En rapport avec une ALD",
    ),
    (
        "1.2.250.1.213.1.1.3.48.14",
        "GEN-180",
        "En rapport avec un accident du travail ou une maladie professionnelle",
    ),
    (
        "1.2.250.1.213.1.1.3.48.34",
        "GEN-295",
        "En rapport avec la prevention",
    ),
    ("1.2.250.1.213.1.1.3.48.15", "GEN-181", "Non remboursable"),
    (
        "1.2.250.1.213.1.1.3.48.12",
        "GEN-179",
        "Hors Autorisation de Mise sur le Marché (AMM)",
    ),
];

/// The document from the context, the patient, the form and the PDF
/// renderer (the host's `pdf` capability in the plugin).
pub fn produire(
    ctx: &Context,
    patient: &record_read::Patient,
    values: &[FormValue],
    render: &dyn Fn(&Layout) -> Result<Vec<u8>, Error>,
) -> Result<Produced, Error> {
    let meds = lines(values)?;
    let title = "Ordonnance de médicaments";
    let mut header = from_host::header(
        ctx,
        patient,
        Code::new("57833-6", oid::LOINC, "Prescription de produits de santé").named("LOINC"),
        title,
        vec![
            ("1.3.6.1.4.1.19376.1.9.1.1.1".into(), None),
            ("1.3.6.1.4.1.19376.1.5.3.1.1.1".into(), None),
            ("1.2.250.1.213.1.1.1.39".into(), Some("2024.01".into())),
        ],
    );
    // The prescription day, then its signature time. The day starts at
    // midnight in the signature's time zone: a bare date reads as UTC, and
    // an ordonnance signed between midnight and one in Paris would end
    // before it began.
    let et = header.effective_time.clone();
    let day = et.get(..8).unwrap_or(&et).to_string();
    header.service_start = match et.get(14..) {
        Some(zone) => format!("{day}000000{zone}"),
        None => day.clone(),
    };
    header.service_end = Some(header.effective_time.clone());
    let when = header.effective_time.clone();
    let doc_id = header.id.clone();
    // The printed ordonnance, from the same lines.
    // The prescriber first, as on any ordonnance, then the patient.
    let mut blocks = vec![from_host::signature_block(&header)];
    blocks.extend(from_host::identity_blocks(&header));
    blocks.push(Block::Heading((1, title.into())));
    for (i, l) in meds.iter().enumerate() {
        blocks.push(Block::Heading((3, format!("{}. {}", i + 1, l.libelle))));
        let mut p = posologie(l);
        if l.renouvellements > 0 {
            p.push_str(&format!(", à renouveler {} fois", l.renouvellements));
        }
        if l.non_substituable {
            p.push_str(". Non substituable");
        }
        if l.ald {
            p.push_str(". En rapport avec l'affection de longue durée");
        }
        if let Some(i) = &l.instructions {
            p.push_str(&format!(". {i}"));
        }
        blocks.push(Block::Paragraph(p));
    }
    blocks.push(from_host::signature_block(&header));
    let layout = Layout {
        title: title.into(),
        author: format!("{} {}", ctx.author_given, ctx.author_family),
        blocks,
    };
    let pdf = render(&layout)?;
    let end = |d: u32| {
        // The last day of the treatment, as AAAAMMJJ (calendar arithmetic
        // through the day count).
        let y: i64 = day[0..4].parse().unwrap_or(1970);
        let m: i64 = day[4..6].parse().unwrap_or(1);
        let dd: i64 = day[6..8].parse().unwrap_or(1);
        let yy = if m <= 2 { y - 1 } else { y };
        let era = yy.div_euclid(400);
        let yoe = yy.rem_euclid(400);
        let doy = (153 * ((m + 9) % 12) + 2) / 5 + dd - 1;
        let days =
            era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468 + i64::from(d) - 1;
        let (y2, m2, d2) = cda::civil_from_days(days);
        format!("{y2:04}{m2:02}{d2:02}")
    };
    let body = |x: &mut Xml| {
        let mut n = 0;
        let mut id = || {
            n += 1;
            format!("{doc_id}.{n}")
        };
        x.open("component", &[]).open("section", &[]);
        x.empty("templateId", &[("root", "1.3.6.1.4.1.19376.1.9.1.2.1")]);
        x.empty("templateId", &[("root", "1.2.250.1.213.1.1.2.171")]);
        x.empty("id", &[("root", &id())]);
        x.code(
            "code",
            &Code::new("57828-6", oid::LOINC, "Prescriptions").named("LOINC"),
        );
        x.text("title", &[], "Prescription de médicaments");
        x.open("text", &[]).open("table", &[("border", "0")]);
        x.open("thead", &[]).open("tr", &[]);
        for h in ["Médicament", "Posologie", "Renouvellements", "Mentions"] {
            x.text("th", &[], h);
        }
        x.close("tr").close("thead").open("tbody", &[]);
        for (i, l) in meds.iter().enumerate() {
            let k = i + 1;
            x.open("tr", &[]);
            x.open("td", &[])
                .text("content", &[("ID", &format!("med-{k}"))], &l.libelle)
                .close("td");
            x.open("td", &[])
                .text(
                    "content",
                    &[("ID", &format!("med-{k}-poso"))],
                    &posologie(l),
                )
                .close("td");
            x.text("td", &[], &l.renouvellements.to_string());
            x.open("td", &[]);
            for (_, code, label) in MENTIONS {
                let on = *code == "MED-574" && l.ald;
                x.text(
                    "content",
                    &[("ID", &format!("med-{k}-{code}"))],
                    &format!("{label} : {}", if on { "oui" } else { "non" }),
                );
            }
            if let Some(ins) = &l.instructions {
                x.text("content", &[("ID", &format!("med-{k}-instr"))], ins);
            }
            x.close("td");
            x.close("tr");
        }
        x.close("tbody").close("table").close("text");
        for (i, l) in meds.iter().enumerate() {
            let k = i + 1;
            x.open("entry", &[]);
            x.open(
                "substanceAdministration",
                &[("classCode", "SBADM"), ("moodCode", "INT")],
            );
            for root in [
                "2.16.840.1.113883.10.20.1.24",
                "1.3.6.1.4.1.19376.1.5.3.1.4.7",
                "1.3.6.1.4.1.19376.1.9.1.3.2",
                "1.2.250.1.213.1.1.3.83",
                "1.3.6.1.4.1.19376.1.9.1.3.6",
                // Last: the administration mode, normal dosing.
                "1.3.6.1.4.1.19376.1.5.3.1.4.7.1",
            ] {
                x.empty("templateId", &[("root", root)]);
            }
            x.empty("id", &[("root", &id())]);
            x.code(
                "code",
                &Code::new("DRUG", "2.16.840.1.113883.5.4", "Médicament"),
            );
            x.open("text", &[])
                .empty("reference", &[("value", &format!("#med-{k}"))])
                .close("text");
            x.empty("statusCode", &[("code", "completed")]);
            x.open("effectiveTime", &[("xsi:type", "IVL_TS")]);
            x.empty("low", &[("value", &day)]);
            x.empty("high", &[("value", &end(l.duree_jours))]);
            x.close("effectiveTime");
            // Structured posology: every 24/n hours.
            let period = 24.0 / f64::from(l.par_jour);
            x.open(
                "effectiveTime",
                &[
                    ("xsi:type", "PIVL_TS"),
                    ("institutionSpecified", "true"),
                    ("operator", "A"),
                ],
            );
            x.empty("period", &[("value", &fmt(period)), ("unit", "h")]);
            x.close("effectiveTime");
            x.empty("repeatNumber", &[("value", &l.renouvellements.to_string())]);
            let voie = l.voie.as_deref().unwrap_or("20053000");
            let voie_label = VOIES
                .iter()
                .find(|(c, _)| *c == voie)
                .map(|(_, d)| *d)
                .unwrap_or("");
            x.empty(
                "routeCode",
                &[
                    ("code", voie),
                    ("displayName", voie_label),
                    ("codeSystem", EDQM),
                    ("codeSystemName", "EDQM"),
                ],
            );
            x.open("doseQuantity", &[]);
            x.empty("low", &[("value", &fmt(l.dose)), ("unit", &l.unite)]);
            x.empty("high", &[("value", &fmt(l.dose)), ("unit", &l.unite)]);
            x.close("doseQuantity");
            x.open("consumable", &[])
                .open("manufacturedProduct", &[("classCode", "MANU")]);
            for root in [
                "2.16.840.1.113883.10.20.1.53",
                "1.3.6.1.4.1.19376.1.5.3.1.4.7.2",
                "1.2.250.1.213.1.1.3.43",
            ] {
                x.empty("templateId", &[("root", root)]);
            }
            x.open(
                "manufacturedMaterial",
                &[
                    ("xmlns:pharm", "urn:ihe:pharm"),
                    ("classCode", "MMAT"),
                    ("determinerCode", "KIND"),
                ],
            );
            x.empty("templateId", &[("root", "1.3.6.1.4.1.19376.1.9.1.3.1")]);
            match &l.cis {
                Some(c) => x.open(
                    "code",
                    &[
                        ("code", c.as_str()),
                        ("displayName", l.libelle.as_str()),
                        ("codeSystem", CIS),
                        ("codeSystemName", "CIS"),
                    ],
                ),
                None => x.open("code", &[("nullFlavor", "NI")]),
            };
            x.open("originalText", &[])
                .empty("reference", &[("value", &format!("#med-{k}"))])
                .close("originalText");
            if let Some(a) = &l.atc {
                x.empty(
                    "translation",
                    &[
                        ("code", a.as_str()),
                        ("displayName", l.libelle.as_str()),
                        ("codeSystem", ATC),
                        ("codeSystemName", "ATC"),
                    ],
                );
            }
            x.close("code");
            x.text("name", &[], &l.libelle);
            x.close("manufacturedMaterial");
            x.close("manufacturedProduct").close("consumable");
            if let Some(_ins) = &l.instructions {
                x.open(
                    "entryRelationship",
                    &[("typeCode", "SUBJ"), ("inversionInd", "true")],
                );
                x.open("act", &[("classCode", "ACT"), ("moodCode", "INT")]);
                for root in [
                    "2.16.840.1.113883.10.20.1.49",
                    "1.3.6.1.4.1.19376.1.5.3.1.4.3",
                    "1.2.250.1.213.1.1.3.33",
                ] {
                    x.empty("templateId", &[("root", root)]);
                }
                x.empty(
                    "code",
                    &[
                        ("code", "PINSTRUCT"),
                        ("codeSystem", "1.3.6.1.4.1.19376.1.5.3.2"),
                    ],
                );
                x.open("text", &[])
                    .empty("reference", &[("value", &format!("#med-{k}-instr"))])
                    .close("text");
                x.empty("statusCode", &[("code", "completed")]);
                x.close("act");
                x.close("entryRelationship");
            }
            x.open("entryRelationship", &[("typeCode", "COMP")]);
            x.open("act", &[("classCode", "ACT"), ("moodCode", "DEF")]);
            x.empty("templateId", &[("root", "1.3.6.1.4.1.19376.1.9.1.3.9.1")]);
            x.empty("templateId", &[("root", "1.2.250.1.213.1.1.3.87")]);
            if l.non_substituable {
                x.empty(
                    "code",
                    &[
                        ("code", "N"),
                        ("displayName", "Aucune substitution permise"),
                        ("codeSystem", "2.16.840.1.113883.5.1070"),
                    ],
                );
            } else {
                x.empty(
                    "code",
                    &[
                        ("code", "G"),
                        ("displayName", "Substitution générique autorisée"),
                        ("codeSystem", "2.16.840.1.113883.5.1070"),
                    ],
                );
            }
            x.empty("statusCode", &[("code", "completed")]);
            x.close("act");
            x.close("entryRelationship");
            for (template, code, label) in MENTIONS {
                x.open("entryRelationship", &[("typeCode", "COMP")]);
                x.open("observation", &[("classCode", "OBS"), ("moodCode", "EVN")]);
                for root in [
                    "1.3.6.1.4.1.19376.1.5.3.1.4.13",
                    "1.2.250.1.213.1.1.3.48",
                    template,
                ] {
                    x.empty("templateId", &[("root", root)]);
                }
                x.empty("id", &[("root", &id())]);
                x.empty(
                    "code",
                    &[
                        ("code", code),
                        ("displayName", label),
                        ("codeSystem", TERMINOLOGIE),
                    ],
                );
                x.open("text", &[])
                    .empty("reference", &[("value", &format!("#med-{k}-{code}"))])
                    .close("text");
                x.empty("statusCode", &[("code", "completed")]);
                x.empty("effectiveTime", &[("value", &when)]);
                let on = *code == "MED-574" && l.ald;
                x.empty(
                    "value",
                    &[
                        ("xsi:type", "BL"),
                        ("value", if on { "true" } else { "false" }),
                    ],
                );
                x.close("observation");
                x.close("entryRelationship");
            }
            x.close("substanceAdministration");
            x.close("entry");
        }
        x.close("section").close("component");
        // The PDF copy of the prescription.
        x.open("component", &[]).open("section", &[]);
        x.empty("templateId", &[("root", "1.2.250.1.213.1.1.2.243")]);
        x.empty("id", &[("root", &id())]);
        x.code(
            "code",
            &Code::new("55108-5", oid::LOINC, "Copie du document").named("LOINC"),
        );
        x.text("title", &[], "Copie du document");
        x.open("text", &[])
            .text(
                "content",
                &[("ID", "copie-pdf")],
                "Copie PDF de l'ordonnance",
            )
            .close("text");
        x.open("entry", &[]);
        x.open(
            "organizer",
            &[("classCode", "CLUSTER"), ("moodCode", "EVN")],
        );
        x.empty("templateId", &[("root", "1.2.250.1.213.1.1.3.18")]);
        x.empty("id", &[("root", &id())]);
        x.code(
            "code",
            &Code::new("55107-7", oid::LOINC, "Document attaché").named("LOINC"),
        );
        x.empty("statusCode", &[("code", "completed")]);
        x.open("component", &[]);
        x.open("observation", &[("classCode", "OBS"), ("moodCode", "EVN")]);
        for root in [
            "1.3.6.1.4.1.19376.1.5.3.1.4.13",
            "1.2.250.1.213.1.1.3.48",
            "1.2.250.1.213.1.1.3.48.18",
        ] {
            x.empty("templateId", &[("root", root)]);
        }
        x.empty("id", &[("root", &id())]);
        x.code(
            "code",
            &Code::new("69764-9", oid::LOINC, "Type de document").named("LOINC"),
        );
        x.open("text", &[])
            .empty("reference", &[("value", "#copie-pdf")])
            .close("text");
        x.empty("statusCode", &[("code", "completed")]);
        x.empty("effectiveTime", &[("nullFlavor", "NA")]);
        x.empty(
            "value",
            &[
                ("xsi:type", "CD"),
                ("code", "55108-5"),
                ("displayName", "Copie du document"),
                ("codeSystem", oid::LOINC),
            ],
        );
        x.close("observation");
        x.close("component");
        x.open("component", &[]);
        x.open(
            "observationMedia",
            &[("classCode", "OBS"), ("moodCode", "EVN")],
        );
        {
            use base64::Engine;
            x.open(
                "value",
                &[("mediaType", "application/pdf"), ("representation", "B64")],
            );
            x.raw(&base64::engine::general_purpose::STANDARD.encode(&pdf));
            x.close("value");
        }
        x.close("observationMedia");
        x.close("component");
        x.close("organizer");
        x.close("entry");
        x.close("section").close("component");
    };
    let cda = cda::document(&header, Body::N3(&body));
    Ok(Produced {
        cda,
        layout,
        notices: vec![],
        sharing: from_host::partage_normal(),
        record_updates: vec![],
    })
}

#[cfg(target_arch = "wasm32")]
esculape_sdk::document::export_document!(Ordonnance);
