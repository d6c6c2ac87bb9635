//! Who signed in: PSC's userinfo claims (shaped like
//! `../shared/testdata/psc/userinfo-example.json`).

use crate::{ErreurPsc, Jetons, Psc, lire};
use serde::{Deserialize, Serialize};

/// A professional as PSC describes them. Accounts are matched on
/// `id_national` (`SubjectNameID`: `8` + RPPS); `sujet` is opaque and
/// never parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentitePsc {
    pub sujet: String,
    pub id_national: String,
    pub prenom: String,
    pub nom: String,
    pub exercices: Vec<Exercice>,
}

/// One profession the professional practises (`SubjectRefPro.exercices[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exercice {
    /// e.g. `10` médecin (TRE_G15).
    pub profession: String,
    /// e.g. `SM26` (qualified in general medicine, TRE_R38).
    pub savoir_faire: String,
    pub activites: Vec<Activite>,
}

/// Where they practise it (`activities[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activite {
    /// `identifiantTechniqueDeLaStructure`.
    pub structure: String,
    pub raison_sociale: String,
    /// `codeSecteurDactivite` (TRE_R02, e.g. SA07 cabinet individuel).
    pub secteur: String,
    /// `codeModeExercice` (L libéral, S salarié…).
    pub mode: String,
    pub finess: String,
}

impl IdentitePsc {
    /// The RPPS, when the national id is `8` followed by eleven digits.
    pub fn rpps(&self) -> Option<&str> {
        let reste = self.id_national.strip_prefix('8')?;
        (reste.len() == 11 && reste.bytes().all(|b| b.is_ascii_digit())).then_some(reste)
    }

    /// The identity in a userinfo answer.
    pub fn depuis_userinfo(json: &[u8]) -> Result<Self, ErreurPsc> {
        let u: UserInfo = serde_json::from_slice(json)
            .map_err(|e| ErreurPsc::Reponse(format!("informations de l'utilisateur : {e}")))?;
        let id_national = u
            .subject_name_id
            .or(u.preferred_username)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ErreurPsc::Reponse("informations de l'utilisateur sans identifiant national".into())
            })?;
        let exercices = u
            .ref_pro
            .map(|r| r.exercices)
            .unwrap_or_default()
            .into_iter()
            .map(|e| Exercice {
                profession: e.code_profession,
                savoir_faire: e.code_savoir_faire,
                activites: e
                    .activities
                    .into_iter()
                    .map(|a| Activite {
                        structure: a.structure,
                        raison_sociale: a.raison_sociale.trim().to_string(),
                        secteur: a.secteur,
                        mode: a.mode,
                        finess: a.finess,
                    })
                    .collect(),
            })
            .collect();
        Ok(Self {
            sujet: u.sub,
            id_national,
            prenom: u.given_name.unwrap_or_default(),
            nom: u.family_name.unwrap_or_default(),
            exercices,
        })
    }
}

#[derive(Deserialize)]
struct UserInfo {
    sub: String,
    #[serde(rename = "SubjectNameID")]
    subject_name_id: Option<String>,
    preferred_username: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    #[serde(rename = "SubjectRefPro")]
    ref_pro: Option<RefPro>,
}

#[derive(Deserialize)]
struct RefPro {
    #[serde(default)]
    exercices: Vec<ExercicePsc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExercicePsc {
    #[serde(default)]
    code_profession: String,
    #[serde(default)]
    code_savoir_faire: String,
    #[serde(default)]
    activities: Vec<ActivitePsc>,
}

#[derive(Deserialize)]
struct ActivitePsc {
    #[serde(default, rename = "identifiantTechniqueDeLaStructure")]
    structure: String,
    #[serde(default, rename = "raisonSocialeSite")]
    raison_sociale: String,
    #[serde(default, rename = "codeSecteurDactivite")]
    secteur: String,
    #[serde(default, rename = "codeModeExercice")]
    mode: String,
    #[serde(default, rename = "numeroFinessSite")]
    finess: String,
}

impl Psc {
    /// The professional behind `jetons` (userinfo); its `sub` must be the
    /// ID token's.
    pub async fn identite(&self, jetons: &Jetons) -> Result<IdentitePsc, ErreurPsc> {
        let url = self
            .metadonnees
            .userinfo_endpoint()
            .ok_or_else(|| ErreurPsc::Configuration("aucun point userinfo".into()))?
            .url()
            .clone();
        let corps = lire(
            self.http
                .get(url)
                .bearer_auth(&jetons.acces)
                .header("Accept", "application/json"),
            self.config.delai,
        )
        .await
        .map_err(|e| match e {
            ErreurPsc::Reponse(m) if m.contains("401") => ErreurPsc::SessionTerminee,
            e => e,
        })?;
        let identite = IdentitePsc::depuis_userinfo(&corps)?;
        if identite.sujet != jetons.sujet {
            return Err(ErreurPsc::JetonIdentite(
                "les informations de l'utilisateur sont celles d'une autre personne".into(),
            ));
        }
        Ok(identite)
    }
}
