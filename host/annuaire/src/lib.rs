//! The Annuaire Santé (SC.MSS/CONF.20, UX.41, ANN/va1): a doctor's
//! multicriteria search of a correspondent turned into requests of the
//! directory's FHIR API (v2), and its answers read into the practice's
//! terms ([`esculape_api_types::annuaire`]). No I/O: the host sends the
//! requests.
//!
//! A search takes two requests at most. With a criterion on the person
//! (name, first name, RPPS, profession, specialty), `Practitioner` with
//! the roles that point to them (`_revinclude`), then the `Organization`s
//! those roles name — so that each professional comes with the places
//! they practise and the addresses bound to them. With only a structure
//! or a town, `Organization` with the roles pointing to it, then those
//! roles' `Practitioner`s. Whatever the API cannot filter on (a
//! professional's town, the kind of address) is filtered here.

pub mod fhir;

use esculape_api_types::annuaire::{
    BoiteAnnuaire, LieuExercice, PROFESSIONS, RechercheAnnuaire, ReponseAnnuaire, ResultatAnnuaire,
    SPECIALITES, TypeBal,
};
use fhir::{Bundle, ContactPoint, Organization, Practitioner, PractitionerRole, Ressource};
use std::collections::{BTreeSet, HashMap};
use thiserror::Error;

/// The API key of the local sandbox's stand-in (not a secret: it opens
/// only test data).
pub const CLE_BAC_A_SABLE: &str = "cle-du-bac-a-sable";

/// Results asked for per request (the first page).
pub const PAGE: usize = 50;
/// A criterion's length, at most (characters).
pub const CRITERE_MAX: usize = 100;

const SYSTEME_PROFESSION: &str =
    "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante";
const SYSTEME_SPECIALITE: &str =
    "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale";

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ErreurAnnuaire {
    /// The search cannot be sent as it is.
    #[error("{0}")]
    Critere(String),
    /// The directory's answer is not what its API publishes.
    #[error("réponse de l'Annuaire Santé illisible : {0}")]
    Reponse(String),
}

/// One request of the API: `GET {base}/{ressource}?{parametres}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requete {
    pub ressource: &'static str,
    pub parametres: Vec<(String, String)>,
}

/// A criterion trimmed, `None` when empty; refused when too long or
/// holding control characters.
fn critere(nom: &str, v: &Option<String>) -> Result<Option<String>, ErreurAnnuaire> {
    let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > CRITERE_MAX || v.chars().any(char::is_control) {
        return Err(ErreurAnnuaire::Critere(format!(
            "{nom} : {CRITERE_MAX} caractères au plus, sans caractère de contrôle"
        )));
    }
    Ok(Some(v.to_string()))
}

/// The search, checked: trimmed criteria, codes known, at least one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recherche {
    nom: Option<String>,
    prenom: Option<String>,
    rpps: Option<String>,
    profession: Option<String>,
    specialite: Option<String>,
    structure: Option<String>,
    commune: Option<String>,
    type_bal: Option<TypeBal>,
}

impl Recherche {
    pub fn new(r: &RechercheAnnuaire) -> Result<Self, ErreurAnnuaire> {
        let rpps = critere("le RPPS", &r.rpps)?;
        if let Some(n) = &rpps
            && (!(n.len() == 11 || n.len() == 12 && n.starts_with('8'))
                || !n.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(ErreurAnnuaire::Critere(format!(
                "le RPPS a 11 chiffres (l'identifiant national 12) : « {n} »"
            )));
        }
        let code = |quoi: &str, v: Option<String>, table: &[(&str, &str)]| match v {
            Some(c) if !table.iter().any(|(k, _)| *k == c) => Err(ErreurAnnuaire::Critere(
                format!("{quoi} inconnue de la recherche : « {c} »"),
            )),
            v => Ok(v),
        };
        let s = Self {
            nom: critere("le nom", &r.nom)?,
            prenom: critere("le prénom", &r.prenom)?,
            rpps,
            profession: code(
                "profession",
                critere("la profession", &r.profession)?,
                PROFESSIONS,
            )?,
            specialite: code(
                "spécialité",
                critere("la spécialité", &r.specialite)?,
                SPECIALITES,
            )?,
            structure: critere("la structure", &r.structure)?,
            commune: critere("la commune", &r.commune)?,
            type_bal: r.type_bal,
        };
        if !s.sur_la_personne() && s.structure.is_none() && s.commune.is_none() {
            return Err(ErreurAnnuaire::Critere(
                "indiquez au moins un nom, un prénom, un RPPS, une profession, une spécialité, une structure ou une commune"
                    .into(),
            ));
        }
        Ok(s)
    }

    fn sur_la_personne(&self) -> bool {
        self.nom.is_some()
            || self.prenom.is_some()
            || self.rpps.is_some()
            || self.profession.is_some()
            || self.specialite.is_some()
    }

    /// The first request.
    pub fn premiere(&self) -> Requete {
        let mut p: Vec<(String, String)> = Vec::new();
        let mut ajouter = |k: &str, v: &str| p.push((k.into(), v.into()));
        if self.sur_la_personne() {
            if let Some(n) = &self.nom {
                ajouter("family", n);
            }
            if let Some(n) = &self.prenom {
                ajouter("given", n);
            }
            if let Some(n) = &self.rpps {
                // Either identifier: the RPPS, or the national id (8 + RPPS).
                let autre = match n.len() {
                    11 => format!("8{n}"),
                    _ => n[1..].to_string(),
                };
                ajouter("identifier", &format!("{n},{autre}"));
            }
            if let Some(c) = &self.profession {
                ajouter("qualification-code", &format!("{SYSTEME_PROFESSION}|{c}"));
            }
            if let Some(c) = &self.specialite {
                ajouter("qualification-code", &format!("{SYSTEME_SPECIALITE}|{c}"));
            }
            ajouter("_revinclude", "PractitionerRole:practitioner");
            ajouter("_count", &PAGE.to_string());
            Requete {
                ressource: "Practitioner",
                parametres: p,
            }
        } else {
            if let Some(s) = &self.structure {
                ajouter("name:contains", s);
            }
            if let Some(c) = &self.commune {
                ajouter("address-city", c);
            }
            ajouter("_revinclude", "PractitionerRole:organization");
            ajouter("_count", &PAGE.to_string());
            Requete {
                ressource: "Organization",
                parametres: p,
            }
        }
    }

    /// The second request, if the first answer's roles name resources it
    /// did not bring.
    pub fn seconde(&self, premiere: &Bundle) -> Option<Requete> {
        let (ressource, ids): (&'static str, BTreeSet<&str>) = if self.sur_la_personne() {
            (
                "Organization",
                roles(premiere)
                    .filter_map(|r| r.organization.as_ref()?.id_de("Organization"))
                    .collect(),
            )
        } else {
            (
                "Practitioner",
                roles(premiere)
                    .filter_map(|r| r.practitioner.as_ref()?.id_de("Practitioner"))
                    .collect(),
            )
        };
        (!ids.is_empty()).then(|| Requete {
            ressource,
            parametres: vec![
                ("_id".into(), ids.into_iter().collect::<Vec<_>>().join(",")),
                ("_count".into(), (2 * PAGE).to_string()),
            ],
        })
    }

    /// The results from the answers, filtered on what the API could not
    /// filter; professionals then structures, each by name.
    pub fn resultats(&self, premiere: &Bundle, seconde: Option<&Bundle>) -> ReponseAnnuaire {
        let toutes = || {
            premiere
                .entry
                .iter()
                .chain(seconde.into_iter().flat_map(|b| b.entry.iter()))
        };
        let organisations: HashMap<&str, &Organization> = toutes()
            .filter_map(|e| match e.resource.as_ref()? {
                Ressource::Organization(o) => Some((o.id.as_deref()?, o)),
                _ => None,
            })
            .collect();
        let tous_roles: Vec<&PractitionerRole> = roles(premiere)
            .chain(seconde.into_iter().flat_map(roles))
            .collect();
        let mut resultats: Vec<ResultatAnnuaire> = Vec::new();
        let praticiens = toutes().filter_map(|e| match e.resource.as_ref()? {
            Ressource::Practitioner(p) => Some(p),
            _ => None,
        });
        for p in praticiens {
            let siens: Vec<&PractitionerRole> = tous_roles
                .iter()
                .copied()
                .filter(|r| {
                    p.id.is_some()
                        && r.practitioner
                            .as_ref()
                            .and_then(|x| x.id_de("Practitioner"))
                            == p.id.as_deref()
                })
                .collect();
            resultats.push(professionnel(p, &siens, &organisations));
        }
        // Structures are results of their own only when searched for.
        if !self.sur_la_personne() {
            for o in organisations.values() {
                let r = structure(o);
                if !r.boites.is_empty() {
                    resultats.push(r);
                }
            }
        }
        let mut resultats: Vec<ResultatAnnuaire> = resultats
            .into_iter()
            .filter_map(|r| self.retenir(r))
            .collect();
        resultats.sort_by(|a, b| {
            (
                a.structure,
                normaliser(&a.nom),
                a.prenom.as_deref().map(normaliser),
            )
                .cmp(&(
                    b.structure,
                    normaliser(&b.nom),
                    b.prenom.as_deref().map(normaliser),
                ))
        });
        resultats.dedup();
        let premiers = premiere
            .entry
            .iter()
            .filter(|e| {
                matches!(
                    e.resource,
                    Some(Ressource::Practitioner(_)) | Some(Ressource::Organization(_))
                )
            })
            .count() as u64;
        ReponseAnnuaire {
            resultats,
            tronque: premiere.link.iter().any(|l| l.relation == "next")
                || premiere.total.is_some_and(|t| t > premiers),
        }
    }

    /// A result kept if its places match the structure and town asked
    /// for, with only the addresses of the kind asked for (and then only
    /// if it has one).
    fn retenir(&self, mut r: ResultatAnnuaire) -> Option<ResultatAnnuaire> {
        let contient = |champ: Option<&str>, cherche: &str| {
            champ.is_some_and(|c| normaliser(c).contains(&normaliser(cherche)))
        };
        if let Some(s) = &self.structure
            && !r.lieux.iter().any(|l| contient(Some(&l.structure), s))
        {
            return None;
        }
        if let Some(c) = &self.commune
            && !r.lieux.iter().any(|l| {
                l.commune
                    .as_deref()
                    .is_some_and(|x| normaliser(x).starts_with(&normaliser(c)))
            })
        {
            return None;
        }
        if let Some(t) = self.type_bal {
            r.boites.retain(|b| b.type_bal == Some(t));
            if r.boites.is_empty() {
                return None;
            }
        }
        Some(r)
    }
}

fn roles(b: &Bundle) -> impl Iterator<Item = &PractitionerRole> {
    b.entry.iter().filter_map(|e| match e.resource.as_ref()? {
        Ressource::PractitionerRole(r) => Some(r),
        _ => None,
    })
}

/// Reads an answer of the API: a `Bundle`, or its `OperationOutcome`'s
/// words.
pub fn lire(json: &str) -> Result<Bundle, ErreurAnnuaire> {
    let dit = || {
        serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|v| issue(&v))
    };
    let b: Bundle = serde_json::from_str(json)
        .map_err(|e| ErreurAnnuaire::Reponse(dit().unwrap_or_else(|| e.to_string())))?;
    if b.resource_type != "Bundle" {
        return Err(ErreurAnnuaire::Reponse(dit().unwrap_or_else(|| {
            format!("une ressource {} au lieu d'un Bundle", b.resource_type)
        })));
    }
    Ok(b)
}

/// What an `OperationOutcome` says (an error's body), if it is one.
pub fn issue(v: &serde_json::Value) -> Option<String> {
    if v.get("resourceType")?.as_str()? != "OperationOutcome" {
        return None;
    }
    let dits: Vec<&str> = v
        .get("issue")?
        .as_array()?
        .iter()
        .filter_map(|i| {
            i.get("diagnostics")
                .or_else(|| i.get("details")?.get("text"))
                .and_then(|d| d.as_str())
        })
        .collect();
    Some(dits.join(" ; "))
}

/// Lower case without accents: how names and towns are compared (the
/// Unicode decomposition, its combining marks dropped; apostrophes and
/// hyphens as spaces).
pub fn normaliser(s: &str) -> String {
    use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '’' | '\'' | '-' => ' ',
            c => c,
        })
        .collect()
}

/// The MSSanté addresses among a resource's contact points (a
/// structure's plain contact emails are not).
fn boites(telecom: &[ContactPoint], structure: Option<&str>) -> Vec<BoiteAnnuaire> {
    telecom
        .iter()
        .filter(|t| t.system.as_deref() == Some("email"))
        .filter(|t| {
            t.extension.iter().any(|e| {
                e.est(fhir::TYPE_MESSAGERIE)
                    && e.value_coding.as_ref().and_then(|c| c.code.as_deref()) == Some("MSSANTE")
            })
        })
        .filter_map(|t| {
            let adresse = t.value.as_deref()?.trim().to_string();
            let meta = t.extension.iter().find(|e| e.est(fhir::METADONNEES_BAL));
            let sous = |nom: &str| meta.and_then(|m| m.extension.iter().find(|e| e.url == nom));
            Some(BoiteAnnuaire {
                adresse,
                type_bal: sous("type")
                    .and_then(|e| e.value_codeable_concept.as_ref())
                    .and_then(|c| c.coding.iter().find_map(|c| c.code.as_deref()))
                    .and_then(TypeBal::depuis_code),
                description: sous("description")
                    .and_then(|e| e.value_string.clone())
                    .map(|d| d.trim().to_string())
                    .filter(|d| !d.is_empty()),
                structure: structure.map(str::to_string),
            })
        })
        .collect()
}

fn lieu(o: &Organization) -> LieuExercice {
    let a = o.address.first();
    let adresse = a.and_then(|a| {
        let l = a.line.join(", ");
        Some(l).filter(|l| !l.is_empty()).or_else(|| a.text.clone())
    });
    LieuExercice {
        structure: o
            .name
            .clone()
            .unwrap_or_else(|| "structure sans nom".into()),
        adresse,
        code_postal: a.and_then(|a| a.postal_code.clone()),
        commune: a.and_then(|a| a.city.clone()),
        identifiant: o.identifier.iter().find_map(|i| i.value.clone()),
    }
}

fn structure(o: &Organization) -> ResultatAnnuaire {
    ResultatAnnuaire {
        structure: true,
        rpps: None,
        civilite: None,
        nom: o
            .name
            .clone()
            .unwrap_or_else(|| "structure sans nom".into()),
        prenom: None,
        profession: None,
        specialites: vec![],
        lieux: vec![lieu(o)],
        boites: boites(&o.telecom, o.name.as_deref()),
        inactif: o.active == Some(false),
    }
}

/// A code's words: the answer's display, else the search's table, else
/// the code.
fn libelle(c: &fhir::Coding, table: &[(&str, &str)]) -> Option<String> {
    let code = c.code.as_deref();
    c.display
        .clone()
        .or_else(|| {
            table
                .iter()
                .find(|(k, _)| Some(*k) == code)
                .map(|(_, v)| v.to_string())
        })
        .or_else(|| code.map(str::to_string))
}

/// A practitioner's qualifications of one code system (its canonical URL,
/// or the same last segment).
fn qualifications<'a>(
    p: &'a Practitioner,
    systeme: &'static str,
) -> impl Iterator<Item = &'a fhir::Coding> + 'a {
    p.qualification
        .iter()
        .filter_map(|q| q.code.as_ref())
        .flat_map(|c| c.coding.iter())
        .filter(move |c| {
            c.system
                .as_deref()
                .is_some_and(|s| s == systeme || s.rsplit('/').next() == systeme.rsplit('/').next())
        })
}

fn professionnel(
    p: &Practitioner,
    roles: &[&PractitionerRole],
    organisations: &HashMap<&str, &Organization>,
) -> ResultatAnnuaire {
    let nom = p.name.first();
    let rpps = p
        .identifier
        .iter()
        .find(|i| i.de_type("RPPS"))
        .and_then(|i| i.value.clone())
        .or_else(|| {
            p.identifier
                .iter()
                .find(|i| i.de_type("IDNPS"))
                .and_then(|i| i.value.as_deref()?.strip_prefix('8').map(str::to_string))
        });
    let codes = |systeme: &'static str| qualifications(p, systeme);
    let mut lieux = Vec::new();
    let mut toutes = boites(&p.telecom, None);
    for r in roles {
        let o = r
            .organization
            .as_ref()
            .and_then(|o| o.id_de("Organization"))
            .and_then(|id| organisations.get(id));
        if let Some(o) = o {
            let l = lieu(o);
            if !lieux.contains(&l) {
                lieux.push(l);
            }
        }
        toutes.extend(boites(&r.telecom, o.and_then(|o| o.name.as_deref())));
    }
    let mut vues = BTreeSet::new();
    toutes.retain(|b| vues.insert(b.adresse.to_lowercase()));
    ResultatAnnuaire {
        structure: false,
        rpps,
        civilite: nom.and_then(|n| n.suffix.first().or(n.prefix.first()).cloned()),
        nom: nom
            .and_then(|n| n.family.clone())
            .unwrap_or_else(|| "(nom non publié)".into()),
        prenom: nom.and_then(|n| Some(n.given.join(" ")).filter(|g| !g.is_empty())),
        profession: codes(SYSTEME_PROFESSION).find_map(|c| libelle(c, PROFESSIONS)),
        specialites: codes(SYSTEME_SPECIALITE)
            .filter_map(|c| libelle(c, SPECIALITES))
            .collect(),
        lieux,
        boites: toutes,
        inactif: p.active == Some(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recherche(f: impl FnOnce(&mut RechercheAnnuaire)) -> Result<Recherche, ErreurAnnuaire> {
        let mut r = RechercheAnnuaire::default();
        f(&mut r);
        Recherche::new(&r)
    }

    #[test]
    fn a_search_needs_a_criterion_and_sane_ones() {
        assert!(matches!(recherche(|_| {}), Err(ErreurAnnuaire::Critere(_))));
        assert!(matches!(
            recherche(|r| r.nom = Some("   ".into())),
            Err(ErreurAnnuaire::Critere(_))
        ));
        assert!(recherche(|r| r.rpps = Some("1234".into())).is_err());
        assert!(recherche(|r| r.nom = Some("x".repeat(101))).is_err());
        assert!(recherche(|r| r.specialite = Some("SM99X".into())).is_err());
        assert!(recherche(|r| r.commune = Some("Lyon".into())).is_ok());
    }

    #[test]
    fn a_person_is_searched_by_practitioner_with_both_identifiers() {
        let r = recherche(|r| {
            r.nom = Some(" Martin ".into());
            r.rpps = Some("10003456789".into());
            r.specialite = Some("SM54".into());
        })
        .unwrap();
        let q = r.premiere();
        assert_eq!(q.ressource, "Practitioner");
        assert!(q.parametres.contains(&("family".into(), "Martin".into())));
        assert!(
            q.parametres
                .contains(&("identifier".into(), "10003456789,810003456789".into()))
        );
        assert!(
            q.parametres.iter().any(|(k, v)| k == "qualification-code"
                && v.ends_with("TRE-R38-SpecialiteOrdinale|SM54"))
        );
        assert!(
            q.parametres
                .contains(&("_revinclude".into(), "PractitionerRole:practitioner".into()))
        );
        let q = recherche(|r| r.structure = Some("Santé".into()))
            .unwrap()
            .premiere();
        assert_eq!(q.ressource, "Organization");
        assert!(
            q.parametres
                .contains(&("name:contains".into(), "Santé".into()))
        );
    }

    const BUNDLE: &str = r#"{"resourceType":"Bundle","total":1,"entry":[
      {"resource":{"resourceType":"Practitioner","id":"p1",
        "identifier":[{"type":{"coding":[{"code":"IDNPS"}]},"value":"810003456789"}],
        "name":[{"family":"MARTIN","given":["Sophie"],"suffix":["DR"]}],
        "qualification":[{"code":{"coding":[{"system":"https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante","code":"10"}]}}],
        "telecom":[
          {"system":"email","value":"sophie.martin@medecin.mssante.fr","extension":[
            {"url":"https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type","valueCoding":{"code":"MSSANTE"}},
            {"url":"https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-mailbox-mss-metadata","extension":[
              {"url":"type","valueCodeableConcept":{"coding":[{"code":"PER"}]}}]}]},
          {"system":"email","value":"contact@gmail.com"}]}},
      {"resource":{"resourceType":"PractitionerRole","id":"r1","practitioner":{"reference":"Practitioner/p1"},"organization":{"reference":"Organization/o1"}}},
      {"resource":{"resourceType":"Device","id":"d"}}]}"#;

    #[test]
    fn a_practitioner_comes_with_their_places_and_only_their_mssante_addresses() {
        let r = recherche(|r| r.nom = Some("martin".into())).unwrap();
        let b = lire(BUNDLE).unwrap();
        let s = r.seconde(&b).unwrap();
        assert_eq!(s.ressource, "Organization");
        assert_eq!(s.parametres[0], ("_id".into(), "o1".into()));
        let o = lire(r#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Organization","id":"o1","name":"CABINET DU PARC","address":[{"line":["1 rue Haute"],"postalCode":"69003","city":"LYON"}]}}]}"#).unwrap();
        let rep = r.resultats(&b, Some(&o));
        assert!(!rep.tronque);
        let p = &rep.resultats[0];
        assert_eq!(p.nom_affiche(), "DR Sophie MARTIN");
        assert_eq!(p.rpps.as_deref(), Some("10003456789"));
        assert_eq!(p.profession.as_deref(), Some("Médecin"));
        assert_eq!(p.boites.len(), 1);
        assert_eq!(p.boites[0].type_bal, Some(TypeBal::Personnelle));
        assert_eq!(p.lieux[0].commune.as_deref(), Some("LYON"));
        let ailleurs = recherche(|r| {
            r.nom = Some("martin".into());
            r.commune = Some("Bordeaux".into());
        })
        .unwrap();
        assert!(ailleurs.resultats(&b, Some(&o)).resultats.is_empty());
        let org = recherche(|r| {
            r.nom = Some("martin".into());
            r.type_bal = Some(TypeBal::Organisationnelle);
        })
        .unwrap();
        assert!(org.resultats(&b, Some(&o)).resultats.is_empty());
    }

    #[test]
    fn an_error_answer_is_said_in_its_words() {
        let e = lire(
            r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","diagnostics":"clé d'API invalide"}]}"#,
        );
        assert_eq!(
            e.unwrap_err(),
            ErreurAnnuaire::Reponse("clé d'API invalide".into())
        );
        assert!(lire("<html>").is_err());
    }

    #[test]
    fn names_compare_without_case_or_accents() {
        assert_eq!(normaliser("Hélène D'ÉCOLE-Ça"), "helene d ecole ca");
    }
}
