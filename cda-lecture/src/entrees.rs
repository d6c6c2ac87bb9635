//! The typed content of an N3 body, read from the CI-SIS entries by
//! their templates (IHE PCC and PaLM, which every volet reuses): problems
//! and antecedents, allergies, treatments, vaccinations, vital signs and
//! lab results, with their codes. Dates stay as written (HL7 TS); an
//! entry that says it did not happen (`negationInd="true"`) is not one.

use crate::arbre::Arbre;
pub use crate::arbre::ELEMENTS_MAX;
use crate::{Code, ErreurCda};
use serde::Serialize;

/// Entry templates (root OIDs of `templateId`).
pub mod modele {
    /// Problem Entry (IHE PCC): FR-Probleme, and the base of an allergy.
    pub const PROBLEME: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.5";
    /// Allergies and Intolerances Entry (IHE PCC): FR-Allergie-ou-hypersensibilite.
    pub const ALLERGIE: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.6";
    /// Problem Status Observation (IHE PCC): FR-Statut-du-probleme.
    pub const STATUT: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.1.1";
    /// Immunization (IHE PCC): FR-Vaccination.
    pub const VACCINATION: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.12";
    /// Immunization Recommendation (IHE PCC): a planned vaccination, not a
    /// treatment nor a vaccination given.
    pub const VACCINATION_PREVUE: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.12.2";
    /// Vital Sign Observation (IHE PCC): FR-Signe-vital-observe.
    pub const SIGNE_VITAL: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.13.2";
    /// Laboratory Observation (IHE PaLM):
    /// FR-Resultat-examens-de-biologie-element-clinique-pertinent.
    pub const RESULTAT_BIO: &str = "1.3.6.1.4.1.19376.1.3.1.6";
}

/// A problem or antecedent.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Probleme {
    /// The problem itself (the observation's value: CIM-10, SNOMED CT…).
    pub code: Option<Code>,
    pub texte: String,
    pub actif: bool,
    pub debut: Option<String>,
    pub fin: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Allergie {
    /// The agent.
    pub substance: Option<Code>,
    pub texte: String,
    pub reaction: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Traitement {
    /// The product (CIS, UCD, ATC…).
    pub medicament: Option<Code>,
    pub texte: String,
    pub posologie: Option<String>,
    pub debut: Option<String>,
    pub fin: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Vaccination {
    pub vaccin: Option<Code>,
    pub texte: String,
    pub date: Option<String>,
    pub lot: Option<String>,
}

/// A vital sign (weight, height, blood pressure…), LOINC and UCUM.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Mesure {
    pub code: Code,
    pub valeur: f64,
    pub unite: String,
    pub date: Option<String>,
}

/// A lab result (Circuit de la biologie: LOINC, UCUM).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ResultatBio {
    pub code: Code,
    /// The analyte as the report names it.
    pub libelle: String,
    pub valeur: Option<f64>,
    pub unite: Option<String>,
    /// A coded or textual result (e.g. "positif").
    pub texte: Option<String>,
    /// The reference range as written, e.g. "3.89 - 6.1 mmol/L".
    pub intervalle: Option<String>,
    /// HL7 ObservationInterpretation: N, H, L, A…
    pub interpretation: Option<String>,
    pub date: Option<String>,
}

/// Everything typed a document holds.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Contenu {
    pub problemes: Vec<Probleme>,
    pub allergies: Vec<Allergie>,
    pub traitements: Vec<Traitement>,
    pub vaccinations: Vec<Vaccination>,
    pub mesures: Vec<Mesure>,
    pub resultats: Vec<ResultatBio>,
}

impl Contenu {
    pub fn est_vide(&self) -> bool {
        self.problemes.is_empty()
            && self.allergies.is_empty()
            && self.traitements.is_empty()
            && self.vaccinations.is_empty()
            && self.mesures.is_empty()
            && self.resultats.is_empty()
    }
}

/// Reads the typed entries of a document's structured body.
pub fn lire(cda: &[u8]) -> Result<Contenu, ErreurCda> {
    let a = Arbre::du_corps(cda)?;
    let mut c = Contenu::default();
    for i in a.tous() {
        if a.attr(i, "negationInd") == Some("true") {
            continue;
        }
        match a.nom(i) {
            "observation" if a.a_modele(i, modele::ALLERGIE) => c.allergies.extend(allergie(&a, i)),
            // a problem inside another observation or an administration is
            // its manifestation (an allergy's reaction, a vaccine's side
            // effect), not a problem of its own
            "observation"
                if a.a_modele(i, modele::PROBLEME)
                    && !a
                        .ancetres(i)
                        .any(|p| matches!(a.nom(p), "observation" | "substanceAdministration")) =>
            {
                c.problemes.extend(probleme(&a, i))
            }
            "observation" if a.a_modele(i, modele::SIGNE_VITAL) => c.mesures.extend(mesure(&a, i)),
            "observation" if a.a_modele(i, modele::RESULTAT_BIO) => {
                c.resultats.extend(resultat(&a, i))
            }
            "substanceAdministration" if a.a_modele(i, modele::VACCINATION) => {
                c.vaccinations.extend(vaccination(&a, i))
            }
            // a dose of a split posology sits inside its treatment
            "substanceAdministration"
                if !a.a_modele(i, modele::VACCINATION_PREVUE)
                    && !a.ancetres(i).any(|p| a.nom(p) == "substanceAdministration") =>
            {
                c.traitements.extend(traitement(&a, i))
            }
            _ => {}
        }
    }
    Ok(c)
}

/// The code an element carries, when it names one.
fn code(a: &Arbre, i: usize) -> Option<Code> {
    let c = a.attr(i, "code")?;
    Some(Code {
        code: c.trim().to_string(),
        scheme: a.attr(i, "codeSystem").unwrap_or_default().to_string(),
        display: a.attr(i, "displayName").unwrap_or_default().to_string(),
    })
}

/// What a coded element says in words: its display name, else the text
/// its `originalText` stands for.
fn libelle(a: &Arbre, i: usize) -> Option<String> {
    a.attr(i, "displayName")
        .map(str::to_string)
        .or_else(|| a.enfant(i, "originalText").and_then(|o| a.texte_designe(o)))
}

fn temps(a: &Arbre, i: usize, borne: Option<&str>) -> Option<String> {
    let t = a.enfant(i, "effectiveTime")?;
    match borne {
        None => a
            .attr(t, "value")
            .or_else(|| a.enfant(t, "low").and_then(|l| a.attr(l, "value"))),
        Some(b) => a.enfant(t, b).and_then(|x| a.attr(x, "value")),
    }
    .map(str::to_string)
}

fn probleme(a: &Arbre, i: usize) -> Option<Probleme> {
    let valeur = a.enfant(i, "value");
    let code = valeur.and_then(|v| code(a, v));
    let texte = valeur
        .and_then(|v| libelle(a, v))
        .or_else(|| a.enfant(i, "text").and_then(|t| a.texte_designe(t)))
        .or_else(|| code.as_ref().map(|c| c.code.clone()))?;
    let fin = temps(a, i, Some("high"));
    // a concern says whether it is still followed; a status observation
    // may say so too
    let suivi = a
        .ancetres(i)
        .find(|&p| a.nom(p) == "act")
        .and_then(|p| a.enfant(p, "statusCode"))
        .and_then(|s| a.attr(s, "code"));
    let statut = a
        .enfants(i, "entryRelationship")
        .filter_map(|r| a.enfant(r, "observation"))
        .find(|&o| a.a_modele(o, modele::STATUT))
        .and_then(|o| a.enfant(o, "value"))
        .and_then(|v| a.attr(v, "code"));
    let actif = fin.is_none()
        && !matches!(suivi, Some("completed" | "aborted" | "suspended"))
        && !matches!(statut, Some("inactive" | "resolved" | "remission"));
    Some(Probleme {
        code,
        texte,
        actif,
        debut: temps(a, i, Some("low")),
        fin,
    })
}

fn allergie(a: &Arbre, i: usize) -> Option<Allergie> {
    let agent = a
        .enfants(i, "participant")
        .find(|&p| a.attr(p, "typeCode") == Some("CSM"))
        .and_then(|p| a.chemin(p, &["participantRole", "playingEntity"]));
    let agent_code = agent.and_then(|e| a.enfant(e, "code"));
    let substance = agent_code.and_then(|c| code(a, c));
    let texte = agent
        .and_then(|e| a.enfant(e, "name"))
        .map(|n| a.texte(n))
        .filter(|t| !t.is_empty())
        .or_else(|| agent_code.and_then(|c| libelle(a, c)))
        .or_else(|| a.enfant(i, "value").and_then(|v| libelle(a, v)))?;
    let reaction = a
        .enfants(i, "entryRelationship")
        .filter(|&r| a.attr(r, "typeCode") == Some("MFST"))
        .filter_map(|r| a.enfant(r, "observation"))
        .find_map(|o| {
            a.enfant(o, "value")
                .and_then(|v| libelle(a, v))
                .or_else(|| a.enfant(o, "text").and_then(|t| a.texte_designe(t)))
        });
    Some(Allergie {
        substance,
        texte,
        reaction,
    })
}

/// The product an administration gives: its code and its name.
fn produit(a: &Arbre, i: usize) -> (Option<Code>, Option<String>, Option<usize>) {
    let m = a.chemin(
        i,
        &["consumable", "manufacturedProduct", "manufacturedMaterial"],
    );
    let c = m.and_then(|m| a.enfant(m, "code"));
    let nom = m
        .and_then(|m| a.enfant(m, "name"))
        .map(|n| a.texte(n))
        .filter(|t| !t.is_empty())
        .or_else(|| c.and_then(|c| libelle(a, c)));
    (c.and_then(|c| code(a, c)), nom, m)
}

fn traitement(a: &Arbre, i: usize) -> Option<Traitement> {
    let (medicament, nom, _) = produit(a, i);
    let texte = nom.or_else(|| medicament.as_ref().map(|c| c.code.clone()))?;
    // the first effectiveTime is the period; others are the frequency
    let periode = a.enfant(i, "effectiveTime");
    let borne = |b: &str| {
        periode
            .and_then(|t| a.enfant(t, b))
            .and_then(|x| a.attr(x, "value"))
            .map(str::to_string)
    };
    Some(Traitement {
        medicament,
        // the entry's text often names the product again: not a posology
        posologie: a
            .enfant(i, "text")
            .and_then(|t| a.texte_designe(t))
            .filter(|p| !texte.starts_with(p.as_str()) && !p.starts_with(texte.as_str())),
        debut: borne("low"),
        fin: borne("high"),
        texte,
    })
}

fn vaccination(a: &Arbre, i: usize) -> Option<Vaccination> {
    let (vaccin, nom, m) = produit(a, i);
    let texte = nom.or_else(|| vaccin.as_ref().map(|c| c.code.clone()))?;
    Some(Vaccination {
        vaccin,
        texte,
        date: temps(a, i, None),
        lot: m
            .and_then(|m| a.enfant(m, "lotNumberText"))
            .map(|l| a.texte(l))
            .filter(|t| !t.is_empty()),
    })
}

/// A physical quantity: its value (decimal point or comma) and unit.
fn quantite(a: &Arbre, v: usize) -> Option<(f64, String)> {
    let x = a.attr(v, "value")?.trim().replace(',', ".").parse().ok()?;
    Some((x, a.attr(v, "unit").unwrap_or("1").to_string()))
}

fn mesure(a: &Arbre, i: usize) -> Option<Mesure> {
    let code = code(a, a.enfant(i, "code")?)?;
    let (valeur, unite) = quantite(a, a.enfant(i, "value")?)?;
    Some(Mesure {
        code,
        valeur,
        unite,
        date: temps(a, i, None),
    })
}

fn resultat(a: &Arbre, i: usize) -> Option<ResultatBio> {
    let c = a.enfant(i, "code")?;
    // an analyte without a LOINC code carries the laboratory's own code in
    // a translation (to be matched by the doctor)
    let traduction = a.enfant(c, "translation");
    let code = code(a, c).or_else(|| traduction.and_then(|t| code(a, t)))?;
    let libelle_analyse = libelle(a, c)
        .or_else(|| traduction.and_then(|t| libelle(a, t)))
        .unwrap_or_else(|| code.code.clone());
    let mut r = ResultatBio {
        libelle: libelle_analyse,
        code,
        ..ResultatBio::default()
    };
    if let Some(v) = a.enfant(i, "value") {
        match a.attr(v, "type").and_then(|t| t.rsplit(':').next()) {
            Some("PQ" | "INT" | "REAL") => {
                if let Some((x, u)) = quantite(a, v) {
                    r.valeur = Some(x);
                    r.unite = Some(u);
                }
            }
            Some("CD" | "CE" | "CV" | "CO") => {
                r.texte = libelle(a, v).or_else(|| a.attr(v, "code").map(str::to_string))
            }
            Some("BL") => r.texte = a.attr(v, "value").map(str::to_string),
            Some("IVL_PQ") => r.texte = bornes(a, v),
            _ => r.texte = a.texte_designe(v),
        }
    }
    r.interpretation = a
        .enfant(i, "interpretationCode")
        .and_then(|x| a.attr(x, "code"))
        .map(str::to_string);
    r.intervalle = a
        .chemin(i, &["referenceRange", "observationRange"])
        .and_then(|o| intervalle(a, o));
    // a result of a battery may take the battery's time
    r.date = temps(a, i, None).or_else(|| {
        a.ancetres(i)
            .filter(|&p| matches!(a.nom(p), "organizer" | "act"))
            .find_map(|p| temps(a, p, None))
    });
    Some(r)
}

/// A reference range: its bounds, or its text.
fn intervalle(a: &Arbre, o: usize) -> Option<String> {
    a.enfant(o, "value")
        .and_then(|v| bornes(a, v))
        .or_else(|| a.enfant(o, "text").and_then(|t| a.texte_designe(t)))
}

/// An interval of quantities: `low - high unit`, `< high`, `> low`.
fn bornes(a: &Arbre, v: usize) -> Option<String> {
    let borne = |b: &str| a.enfant(v, b).and_then(|x| quantite(a, x));
    let unite = |u: &str| {
        if u == "1" {
            String::new()
        } else {
            format!(" {u}")
        }
    };
    match (borne("low"), borne("high")) {
        (Some((l, u)), Some((h, _))) => Some(format!("{l} - {h}{}", unite(&u))),
        (Some((l, u)), None) => Some(format!("> {l}{}", unite(&u))),
        (None, Some((h, u))) => Some(format!("< {h}{}", unite(&u))),
        (None, None) => None,
    }
}
