//! Synthèse médicale (CI-SIS IPS-FR 2024.01, LGC.MDV.04): a CDA R2 N3
//! with the five sections the volet requires: active problems, history of
//! procedures, allergies, treatments, medical devices (and the history of
//! past illnesses when there is any). Prefilled from the record; each item
//! is a line of the form the doctor edits or removes before signing. An
//! empty section says so with the CI-SIS "absent or unknown" codes.

use esculape_sdk::cda::{Code, Xml, from_host, oid};
use esculape_sdk::document::esculape::host::pdf::Block;
use esculape_sdk::document::esculape::host::record_read;
use esculape_sdk::document::esculape::host::types::{Date, Error, FormValue};
use esculape_sdk::document::exports::esculape::plugin::document_type::{
    CdaLevel, Context, Description, Field, Guest, Produced, Received, ScalarKind,
};
use esculape_sdk::forme;
use serde::{Deserialize, Serialize};

pub struct SyntheseMedicale;

const SNOMED: &str = "2.16.840.1.113883.6.96";
const CIM10: &str = "2.16.840.1.113883.6.3";
const ABSENT: &str = "2.16.840.1.113883.5.1150.1";

/// One line of a section of the form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ligne {
    pub libelle: String,
    /// A code (CIM-10 for problems), optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `AAAA-MM-JJ`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debut: Option<String>,
    /// Reaction (allergies) or posology (treatments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The sections: form key, title, and the "absent or unknown" code.
const SECTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "problemes",
        "Problèmes actifs",
        "no-problem-info",
        "Pas d'information sur les problèmes",
    ),
    ("antecedents", "Antécédents", "", ""),
    (
        "actes",
        "Historique des actes",
        "no-procedure-info",
        "Pas d'information sur les actes et interventions",
    ),
    (
        "allergies",
        "Allergies, hypersensibilités non allergiques, intolérances",
        "no-allergy-info",
        "Pas d’information sur les allergies/hypersensibilités",
    ),
    (
        "traitements",
        "Traitements",
        "no-medication-info",
        "Pas d'information sur les traitements médicamenteux",
    ),
    (
        "dispositifs",
        "Dispositifs médicaux",
        "no-device-info",
        "Pas d'information sur les dispositifs médicaux",
    ),
];

fn invalid(msg: &str) -> Error {
    Error::InvalidInput(msg.to_string())
}

fn iso(d: &Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

fn lines(values: &[FormValue], key: &str) -> Result<Vec<Ligne>, Error> {
    let Some(v) = values.iter().find(|v| v.key == key) else {
        return Ok(vec![]);
    };
    let lines: Vec<Ligne> = serde_json::from_value(forme::json(&v.value)).map_err(|e| {
        invalid(&format!(
            "{key}: liste attendue [{{\"libelle\": ...}}] ({e})"
        ))
    })?;
    for l in &lines {
        if l.libelle.trim().is_empty() {
            return Err(invalid(&format!("{key}: une ligne sans libellé")));
        }
        if let Some(d) = &l.debut {
            from_host::iso_day(d)
                .ok_or_else(|| invalid(&format!("{key}: date «{d}»: attendu AAAA-MM-JJ")))?;
        }
    }
    Ok(lines)
}

impl Guest for SyntheseMedicale {
    fn describe() -> Description {
        let coded = from_host::coded;
        Description {
            type_code: coded("60591-5", oid::LOINC, "Synthèse médicale"),
            class_code: coded("11", "1.2.250.1.213.1.1.4.1", "Synthèse"),
            format_code: coded("urn:ihe:pcc:ips:2020", "1.3.6.1.4.1.19376.1.2.3", "IPS"),
            template_ids: vec![
                "2.16.840.1.113883.10.22.1.1".into(),
                "1.2.250.1.213.1.1.1.51@2024.01".into(),
            ],
            level: CdaLevel::N3,
            volet: "IPS-FR 2024.01".into(),
            title: "Synthèse médicale".into(),
        }
    }

    fn form_schema() -> Vec<Field> {
        SECTIONS
            .iter()
            .map(|(key, title, _, _)| {
                forme::liste(
                    key,
                    title,
                    &[
                        ("libelle", "Libellé", ScalarKind::Text),
                        ("code", "Code", ScalarKind::Text),
                        ("debut", "Début", ScalarKind::Date),
                        ("detail", "Détail", ScalarKind::Text),
                    ],
                    false,
                    Some("chaque ligne se modifie ou se retire avant la signature"),
                )
            })
            .collect()
    }

    fn prefill() -> Result<Vec<FormValue>, Error> {
        let problems = record_read::problems()?;
        let line = |p: &record_read::Problem| Ligne {
            libelle: p.text.clone(),
            code: p
                .code
                .as_ref()
                .filter(|c| c.code_system == CIM10)
                .map(|c| c.code.clone()),
            debut: p.onset.as_ref().map(iso),
            detail: None,
        };
        let actifs: Vec<Ligne> = problems.iter().filter(|p| p.active).map(line).collect();
        let passes: Vec<Ligne> = problems.iter().filter(|p| !p.active).map(line).collect();
        let allergies: Vec<Ligne> = record_read::allergies()?
            .into_iter()
            .map(|a| Ligne {
                libelle: a.text,
                code: None,
                debut: None,
                detail: a.reaction,
            })
            .collect();
        let traitements: Vec<Ligne> = record_read::treatments()?
            .into_iter()
            .filter(|t| t.long_term || t.end.is_none())
            .map(|t| Ligne {
                libelle: t.text,
                code: None,
                debut: t.start.as_ref().map(iso),
                detail: t.posology,
            })
            .collect();
        let value = |key: &str, l: &Vec<Ligne>| {
            forme::depuis_json(key, &serde_json::to_value(l).unwrap_or_default())
        };
        Ok([
            value("problemes", &actifs),
            value("antecedents", &passes),
            value("allergies", &allergies),
            value("traitements", &traitements),
        ]
        .into_iter()
        .flatten()
        .collect())
    }

    fn produce(ctx: Context, values: Vec<FormValue>) -> Result<Produced, Error> {
        let patient = record_read::current_patient()?;
        produire(&ctx, &patient, &values)
    }

    fn read(cda: Vec<u8>) -> Result<Received, Error> {
        esculape_sdk::lecture::recu(&cda, &["60591-5"])
    }
}

/// Writes one section's parts.
struct Ecrivain<'a> {
    x: &'a mut Xml,
    doc_id: &'a str,
    n: u32,
}

impl Ecrivain<'_> {
    fn id(&mut self) -> String {
        self.n += 1;
        format!("{}.{}", self.doc_id, self.n)
    }

    fn templates(&mut self, roots: &[&str]) {
        for r in roots {
            self.x.empty("templateId", &[("root", r)]);
        }
    }

    /// The narrative table of a section: one row per line, each cell of
    /// the label referenced by the entries (`{prefix}-{i}`).
    fn narrative(&mut self, prefix: &str, heads: &[&str], rows: &[Vec<String>]) {
        let x = &mut *self.x;
        x.open("text", &[]);
        x.open("table", &[("border", "0")]);
        x.open("thead", &[]).open("tr", &[]);
        for h in heads {
            x.text("th", &[], h);
        }
        x.close("tr").close("thead");
        x.open("tbody", &[]);
        for (i, row) in rows.iter().enumerate() {
            x.open("tr", &[]);
            for (j, cell) in row.iter().enumerate() {
                if j == 0 {
                    x.open("td", &[]);
                    x.text("content", &[("ID", &format!("{prefix}-{}", i + 1))], cell);
                    x.close("td");
                } else {
                    x.text("td", &[], cell);
                }
            }
            x.close("tr");
        }
        x.close("tbody").close("table").close("text");
    }

    /// `element` with the line's start date as `@value`, or unknown.
    fn date(&mut self, element: &str, line: Option<&Ligne>) {
        match line
            .and_then(|l| l.debut.as_deref())
            .and_then(from_host::iso_day)
        {
            Some(d) => self.x.empty(element, &[("value", &d)]),
            None => self.x.empty(element, &[("nullFlavor", "UNK")]),
        };
    }

    fn reference(&mut self, element: &str, target: &str) {
        self.x.open(element, &[]);
        self.x
            .empty("reference", &[("value", &format!("#{target}"))]);
        self.x.close(element);
    }

    /// FR-Liste-des-problemes (or -des-allergies) around a FR-Probleme (or
    /// FR-Allergie) observation.
    fn concern(
        &mut self,
        allergy: bool,
        line: Option<&Ligne>,
        absent: (&str, &str),
        reference: &str,
    ) {
        let id = self.id();
        self.x.open("entry", &[]);
        self.x
            .open("act", &[("classCode", "ACT"), ("moodCode", "EVN")]);
        self.templates(&[
            "2.16.840.1.113883.10.20.1.27",
            "1.3.6.1.4.1.19376.1.5.3.1.4.5.1",
        ]);
        if allergy {
            self.templates(&["1.3.6.1.4.1.19376.1.5.3.1.4.5.3", "1.2.250.1.213.1.1.3.40"]);
        } else {
            self.templates(&["1.3.6.1.4.1.19376.1.5.3.1.4.5.2", "1.2.250.1.213.1.1.3.39"]);
        }
        self.x.empty("id", &[("root", &id)]);
        self.x.empty("code", &[("nullFlavor", "NA")]);
        self.x.empty("statusCode", &[("code", "active")]);
        self.x.open("effectiveTime", &[("xsi:type", "IVL_TS")]);
        self.date("low", line);
        self.x.close("effectiveTime");
        self.x.open(
            "entryRelationship",
            &[("typeCode", "SUBJ"), ("inversionInd", "false")],
        );
        self.x.open(
            "observation",
            &[
                ("classCode", "OBS"),
                ("moodCode", "EVN"),
                ("negationInd", "false"),
            ],
        );
        if allergy {
            self.templates(&[
                "2.16.840.1.113883.10.20.1.18",
                "2.16.840.1.113883.10.20.1.28",
                "1.3.6.1.4.1.19376.1.5.3.1.4.5",
                "1.3.6.1.4.1.19376.1.5.3.1.4.6",
                "1.2.250.1.213.1.1.3.41",
            ]);
        } else {
            self.templates(&[
                "2.16.840.1.113883.10.20.1.28",
                "1.3.6.1.4.1.19376.1.5.3.1.4.5",
                "1.2.250.1.213.1.1.3.37",
            ]);
        }
        let oid = self.id();
        self.x.empty("id", &[("root", &oid)]);
        if allergy {
            self.x.code(
                "code",
                &Code::new(
                    "420134006",
                    SNOMED,
                    "propension à des réactions indésirables",
                )
                .named("SNOMED CT"),
            );
        } else {
            self.x.code(
                "code",
                &Code::new("282291009", SNOMED, "interprétation diagnostique").named("SNOMED CT"),
            );
        }
        self.reference("text", reference);
        self.x.empty("statusCode", &[("code", "completed")]);
        self.x.open("effectiveTime", &[("xsi:type", "IVL_TS")]);
        self.date("low", line);
        self.x.close("effectiveTime");
        match line {
            None => {
                self.x.open(
                    "value",
                    &[
                        ("xsi:type", "CD"),
                        ("code", absent.0),
                        ("displayName", absent.1),
                        ("codeSystem", ABSENT),
                    ],
                );
                self.reference("originalText", reference);
                self.x.close("value");
            }
            Some(l) if !allergy && l.code.is_some() => {
                let code = l.code.as_deref().unwrap_or("");
                self.x.open(
                    "value",
                    &[
                        ("xsi:type", "CD"),
                        ("code", code),
                        ("displayName", &l.libelle),
                        ("codeSystem", CIM10),
                        ("codeSystemName", "CIM-10"),
                    ],
                );
                self.reference("originalText", reference);
                self.x.close("value");
            }
            Some(_) => {
                self.x
                    .open("value", &[("xsi:type", "CD"), ("nullFlavor", "OTH")]);
                self.reference("originalText", reference);
                self.x.close("value");
            }
        }
        if let (true, Some(l)) = (allergy, line) {
            // The agent, named in text.
            self.x.open("participant", &[("typeCode", "CSM")]);
            self.x.open("participantRole", &[("classCode", "MANU")]);
            self.x.open("playingEntity", &[("classCode", "MMAT")]);
            self.x.open("code", &[("nullFlavor", "OTH")]);
            self.reference("originalText", reference);
            self.x.close("code");
            self.x.text("name", &[], &l.libelle);
            self.x.close("playingEntity");
            self.x.close("participantRole");
            self.x.close("participant");
        }
        self.x.close("observation");
        self.x.close("entryRelationship");
        self.x.close("act");
        self.x.close("entry");
    }

    fn section_start(&mut self, templates: &[&str], code: Code, title: &str) {
        self.x.open("component", &[]).open("section", &[]);
        self.templates(templates);
        let id = self.id();
        self.x.empty("id", &[("root", &id)]);
        self.x.code("code", &code.named("LOINC"));
        self.x.text("title", &[], title);
    }

    fn section_end(&mut self) {
        self.x.close("section").close("component");
    }
}

fn rows(lines: &[Ligne], absent: &str) -> Vec<Vec<String>> {
    if lines.is_empty() {
        return vec![vec![absent.to_string(), String::new(), String::new()]];
    }
    lines
        .iter()
        .map(|l| {
            vec![
                match &l.code {
                    Some(c) => format!("{} ({c})", l.libelle),
                    None => l.libelle.clone(),
                },
                l.debut.clone().unwrap_or_default(),
                l.detail.clone().unwrap_or_default(),
            ]
        })
        .collect()
}

/// The document from the context, the patient and the form.
pub fn produire(
    ctx: &Context,
    patient: &record_read::Patient,
    values: &[FormValue],
) -> Result<Produced, Error> {
    let mut data = Vec::new();
    for (key, title, absent, absent_label) in SECTIONS {
        data.push((*key, *title, *absent, *absent_label, lines(values, key)?));
    }
    let get = |k: &str| {
        data.iter()
            .find(|d| d.0 == k)
            .cloned()
            .unwrap_or(("", "", "", "", vec![]))
    };
    let title = "Synthèse médicale";
    let header = from_host::header(
        ctx,
        patient,
        Code::new("60591-5", oid::LOINC, "Synthèse médicale").named("LOINC"),
        title,
        vec![
            ("2.16.840.1.113883.10.22.1.1".into(), None),
            ("1.2.250.1.213.1.1.1.51".into(), Some("2024.01".into())),
        ],
    );
    let doc_id = header.id.clone();
    let body = |x: &mut Xml| {
        let mut w = Ecrivain {
            x,
            doc_id: &doc_id,
            n: 0,
        };
        // Active problems.
        let (_, t, a, al, ls) = get("problemes");
        w.section_start(
            &[
                "2.16.840.1.113883.10.20.1.11",
                "1.3.6.1.4.1.19376.1.5.3.1.3.6",
                "1.2.250.1.213.1.1.2.132",
            ],
            Code::new("11450-4", oid::LOINC, "Liste des problèmes actifs"),
            t,
        );
        w.narrative("probleme", &["Problème", "Début", ""], &rows(&ls, al));
        if ls.is_empty() {
            w.concern(false, None, (a, al), "probleme-1");
        }
        for (i, l) in ls.iter().enumerate() {
            w.concern(false, Some(l), (a, al), &format!("probleme-{}", i + 1));
        }
        w.section_end();
        // Past illnesses, when there are some.
        let (_, t, _, _, ls) = get("antecedents");
        if !ls.is_empty() {
            w.section_start(
                &["1.3.6.1.4.1.19376.1.5.3.1.3.8", "1.2.250.1.213.1.1.2.131"],
                Code::new("11348-0", oid::LOINC, "Antécédents médicaux"),
                t,
            );
            w.narrative("antecedent", &["Antécédent", "Début", ""], &rows(&ls, ""));
            for (i, l) in ls.iter().enumerate() {
                w.concern(false, Some(l), ("", ""), &format!("antecedent-{}", i + 1));
            }
            w.section_end();
        }
        // Procedures.
        let (_, t, a, al, ls) = get("actes");
        w.section_start(
            &[
                "2.16.840.1.113883.10.20.1.12",
                "1.3.6.1.4.1.19376.1.5.3.1.3.11",
                "1.3.6.1.4.1.19376.1.5.3.1.3.12",
                "1.2.250.1.213.1.1.2.136",
            ],
            Code::new("47519-4", oid::LOINC, "Historique des actes"),
            t,
        );
        w.narrative("acte", &["Acte", "Date", ""], &rows(&ls, al));
        let procs: Vec<Option<&Ligne>> = if ls.is_empty() {
            vec![None]
        } else {
            ls.iter().map(Some).collect()
        };
        for (i, l) in procs.into_iter().enumerate() {
            let id = w.id();
            w.x.open("entry", &[]);
            w.x.open("procedure", &[("classCode", "PROC"), ("moodCode", "EVN")]);
            w.templates(&[
                "1.3.6.1.4.1.19376.1.5.3.1.4.19",
                "2.16.840.1.113883.10.20.1.29",
                "1.2.250.1.213.1.1.3.62",
            ]);
            w.x.empty("id", &[("root", &id)]);
            match l {
                None => w.x.empty(
                    "code",
                    &[("code", a), ("displayName", al), ("codeSystem", ABSENT)],
                ),
                Some(_) => {
                    w.x.open("code", &[("nullFlavor", "OTH")]);
                    w.reference("originalText", &format!("acte-{}", i + 1));
                    w.x.close("code")
                }
            };
            w.reference("text", &format!("acte-{}", i + 1));
            w.x.empty("statusCode", &[("code", "completed")]);
            w.date("effectiveTime", l);
            w.x.close("procedure");
            w.x.close("entry");
        }
        w.section_end();
        // Allergies.
        let (_, t, a, al, ls) = get("allergies");
        w.section_start(
            &[
                "2.16.840.1.113883.10.20.1.2",
                "1.3.6.1.4.1.19376.1.5.3.1.3.13",
                "1.2.250.1.213.1.1.2.137",
            ],
            Code::new(
                "48765-2",
                oid::LOINC,
                "Allergies, effets indésirables et alertes",
            ),
            t,
        );
        w.narrative("allergie", &["Agent", "Début", "Réaction"], &rows(&ls, al));
        if ls.is_empty() {
            w.concern(true, None, (a, al), "allergie-1");
        }
        for (i, l) in ls.iter().enumerate() {
            w.concern(true, Some(l), (a, al), &format!("allergie-{}", i + 1));
        }
        w.section_end();
        // Treatments.
        let (_, t, a, al, ls) = get("traitements");
        w.section_start(
            &[
                "2.16.840.1.113883.10.20.1.8",
                "1.3.6.1.4.1.19376.1.5.3.1.3.19",
                "1.2.250.1.213.1.1.2.143",
            ],
            Code::new(
                "10160-0",
                oid::LOINC,
                "Historique de la prise médicamenteuse",
            ),
            t,
        );
        w.narrative(
            "traitement",
            &["Médicament", "Début", "Posologie"],
            &rows(&ls, al),
        );
        let meds: Vec<Option<&Ligne>> = if ls.is_empty() {
            vec![None]
        } else {
            ls.iter().map(Some).collect()
        };
        for (i, l) in meds.into_iter().enumerate() {
            let id = w.id();
            let r = format!("traitement-{}", i + 1);
            w.x.open("entry", &[]);
            w.x.open(
                "substanceAdministration",
                &[("classCode", "SBADM"), ("moodCode", "EVN")],
            );
            w.templates(&[
                "2.16.840.1.113883.10.20.1.24",
                "1.3.6.1.4.1.19376.1.5.3.1.4.7",
                "1.2.250.1.213.1.1.3.42",
                "1.3.6.1.4.1.19376.1.5.3.1.4.7.1",
            ]);
            w.x.empty("id", &[("root", &id)]);
            w.x.code(
                "code",
                &Code::new("DRUG", "2.16.840.1.113883.5.4", "Médicament"),
            );
            w.reference("text", &r);
            w.x.empty("statusCode", &[("code", "completed")]);
            w.x.open("effectiveTime", &[("xsi:type", "IVL_TS")]);
            w.date("low", l);
            w.x.empty("high", &[("nullFlavor", "UNK")]);
            w.x.close("effectiveTime");
            w.x.open("consumable", &[]);
            w.x.open("manufacturedProduct", &[("classCode", "MANU")]);
            w.templates(&[
                "2.16.840.1.113883.10.20.1.53",
                "1.3.6.1.4.1.19376.1.5.3.1.4.7.2",
                "1.2.250.1.213.1.1.3.43",
            ]);
            w.x.open("manufacturedMaterial", &[]);
            // No CIS in the record: a null flavor, the narrative, and for an
            // empty section the "absent or unknown" code as a translation.
            w.x.open(
                "code",
                &[("nullFlavor", if l.is_some() { "OTH" } else { "NI" })],
            );
            w.reference("originalText", &r);
            if l.is_none() {
                w.x.empty(
                    "translation",
                    &[("code", a), ("displayName", al), ("codeSystem", ABSENT)],
                );
            }
            w.x.close("code");
            w.x.text("name", &[], l.map(|l| l.libelle.as_str()).unwrap_or(al));
            w.x.close("manufacturedMaterial");
            w.x.close("manufacturedProduct");
            w.x.close("consumable");
            w.x.close("substanceAdministration");
            w.x.close("entry");
        }
        w.section_end();
        // Medical devices.
        let (_, t, a, al, ls) = get("dispositifs");
        w.section_start(
            &[
                "2.16.840.1.113883.10.20.1.7",
                "1.3.6.1.4.1.19376.1.5.3.1.1.5.3.5",
                "1.2.250.1.213.1.1.2.1",
            ],
            Code::new(
                "46264-8",
                oid::LOINC,
                "Historique d'utilisation de dispositifs médicaux",
            ),
            t,
        );
        w.narrative("dispositif", &["Dispositif", "Début", ""], &rows(&ls, al));
        let devices: Vec<Option<&Ligne>> = if ls.is_empty() {
            vec![None]
        } else {
            ls.iter().map(Some).collect()
        };
        for (i, l) in devices.into_iter().enumerate() {
            let r = format!("dispositif-{}", i + 1);
            w.x.open("entry", &[]);
            w.x.open("supply", &[("classCode", "SPLY"), ("moodCode", "EVN")]);
            w.templates(&["2.16.840.1.113883.10.20.1.34", "1.2.250.1.213.1.1.3.20"]);
            w.x.empty("id", &[("nullFlavor", "UNK")]);
            w.reference("text", &r);
            w.x.open("effectiveTime", &[("xsi:type", "IVL_TS")]);
            w.date("low", l);
            w.x.close("effectiveTime");
            w.x.open("participant", &[("typeCode", "DEV")]);
            w.x.open("participantRole", &[("classCode", "MANU")]);
            w.x.empty("id", &[("nullFlavor", "UNK")]);
            w.x.open(
                "playingDevice",
                &[("classCode", "DEV"), ("determinerCode", "INSTANCE")],
            );
            match l {
                None => w.x.empty(
                    "code",
                    &[("code", a), ("displayName", al), ("codeSystem", ABSENT)],
                ),
                Some(_) => {
                    w.x.open("code", &[("nullFlavor", "OTH")]);
                    w.reference("originalText", &r);
                    w.x.close("code")
                }
            };
            w.x.close("playingDevice");
            w.x.close("participantRole");
            w.x.close("participant");
            w.x.close("supply");
            w.x.close("entry");
        }
        w.section_end();
    };
    let mut blocks = vec![Block::Heading((1, title.into()))];
    for (_, t, _, al, ls) in &data {
        if ls.is_empty() && al.is_empty() {
            continue;
        }
        blocks.push(Block::Heading((2, t.to_string())));
        blocks.push(Block::Table((
            vec!["".into(), "Début".into(), "".into()],
            rows(ls, al),
        )));
    }
    Ok(from_host::n3(&header, &body, blocks, vec![]))
}

#[cfg(target_arch = "wasm32")]
esculape_sdk::document::export_document!(SyntheseMedicale);
