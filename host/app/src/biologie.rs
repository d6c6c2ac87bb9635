//! Biology (LGC.MDV.08/09): the patient's results by analysis, one
//! analysis's curve under the JDV « Circuit de la biologie » rules
//! (`esculape-biologie`), and the JDV in use: the bundled extract until the
//! practice loads the official spreadsheet (kept in the home).

use crate::App;
use esculape_api_types::biologie::{
    AnalyseSuivie, BiologiePatient, JdvEnUsage, PointBiologie, ResultatEcarte, TendanceBiologie,
};
use esculape_biologie::{Jdv, Resultat};
use esculape_domain::biologie::{LOINC, ResultatStocke};
use esculape_store::Actor;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

#[derive(Debug, thiserror::Error)]
pub enum ErreurBiologie {
    #[error(transparent)]
    Store(#[from] esculape_store::StoreError),
    #[error("{0}")]
    Jdv(#[from] esculape_biologie::ErreurJdv),
    #[error("le JDV n'a pu être gardé : {0}")]
    Fichier(String),
}

/// The JDV in use, replaced whole when the practice loads a new file.
pub struct Referentiel {
    jdv: RwLock<Arc<Jdv>>,
    /// Where a loaded spreadsheet is kept (the home); none: in memory only.
    fichier: Option<PathBuf>,
}

/// The spreadsheet's name in the home.
pub const FICHIER_JDV: &str = "jdv-circuit-biologie.xlsx";

impl Referentiel {
    /// The bundled extract.
    pub fn embarque() -> Self {
        Self {
            jdv: RwLock::new(Arc::new(extrait())),
            fichier: None,
        }
    }

    /// The home's spreadsheet when the practice loaded one, else the
    /// bundled extract; a spreadsheet that no longer reads is said and the
    /// extract used.
    pub fn du_dossier(home: &std::path::Path) -> Self {
        let fichier = home.join(FICHIER_JDV);
        let jdv = match std::fs::read(&fichier) {
            Ok(octets) => match esculape_biologie::xlsx::lire(&octets, FICHIER_JDV) {
                Ok(j) => j,
                Err(e) => {
                    tracing::warn!(
                        "{} : {e} ; l'extrait embarqué est utilisé",
                        fichier.display()
                    );
                    extrait()
                }
            },
            Err(_) => extrait(),
        };
        Self {
            jdv: RwLock::new(Arc::new(jdv)),
            fichier: Some(fichier),
        }
    }

    pub fn jdv(&self) -> Arc<Jdv> {
        match self.jdv.read() {
            Ok(j) => j.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn remplacer(&self, jdv: Jdv) {
        let mut g = match self.jdv.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *g = Arc::new(jdv);
    }
}

fn extrait() -> Jdv {
    // the bundled file is checked by the crate's tests; an empty JDV would
    // only mean « comparabilité non évaluée » everywhere
    Jdv::embarque().unwrap_or_default()
}

fn en_usage(j: &Jdv) -> JdvEnUsage {
    JdvEnUsage {
        origine: j.origine.clone(),
        analyses: j.len() as u32,
        remarques: j.remarques.clone(),
    }
}

/// The key grouping one analyte's results: its LOINC, or the smaller of
/// its LOINC and the JDV's correspondence (mass and molar together).
fn cle(jdv: &Jdv, r: &ResultatStocke) -> String {
    let code = &r.resultat.code;
    let c = jdv
        .ligne(code)
        .and_then(|l| l.correspondance.as_ref())
        .filter(|c| r.resultat.systeme == LOINC && *c < code)
        .unwrap_or(code);
    format!("{}|{c}", r.resultat.systeme)
}

impl App {
    /// The JDV in use.
    pub fn jdv_en_usage(&self) -> JdvEnUsage {
        en_usage(&self.biologie.jdv())
    }

    /// Loads the official spreadsheet of the JDV (its columns found by
    /// their names), keeps it in the home and uses it from now on. A file
    /// that is not the JDV is refused and the one in use stays. Traced.
    pub async fn importer_jdv(
        &self,
        actor: &Actor,
        octets: Vec<u8>,
        nom: &str,
    ) -> Result<JdvEnUsage, ErreurBiologie> {
        // reading a 20 MB spreadsheet and writing it takes long: off the
        // async workers, which serve the other requests meanwhile
        let fichier = self.biologie.fichier.clone();
        let nom_lu = nom.to_string();
        let jdv = tokio::task::spawn_blocking(move || -> Result<Jdv, ErreurBiologie> {
            let jdv = esculape_biologie::xlsx::lire(&octets, &nom_lu)?;
            if let Some(f) = &fichier {
                let tmp = f.with_extension("xlsx.part");
                std::fs::write(&tmp, &octets)
                    .and_then(|_| std::fs::rename(&tmp, f))
                    .map_err(|e| ErreurBiologie::Fichier(e.to_string()))?;
            }
            Ok(jdv)
        })
        .await
        .map_err(|e| ErreurBiologie::Fichier(e.to_string()))??;
        let info = en_usage(&jdv);
        self.store
            .trace(
                actor,
                "biologie.jdv",
                None,
                &format!("{nom} : {} analyses", info.analyses),
            )
            .await?;
        self.biologie.remplacer(jdv);
        Ok(info)
    }

    /// The patient's results, and one line per analysis, the latest first
    /// (traced as a read of the record). `recherche` keeps the analyses
    /// whose name (or usual synonym, « kaliémie ») holds its words.
    pub async fn biologie_patient(
        &self,
        actor: &Actor,
        patient_id: &str,
        recherche: Option<&str>,
    ) -> Result<BiologiePatient, ErreurBiologie> {
        let resultats = self.store.resultats_biologie(actor, patient_id).await?;
        let jdv = self.biologie.jdv();
        let trouvees: Option<Vec<String>> = recherche.filter(|q| !q.trim().is_empty()).map(|q| {
            jdv.chercher(q)
                .into_iter()
                .map(|l| l.loinc.clone())
                .collect()
        });
        let mut groupes: Vec<(String, Vec<&ResultatStocke>)> = Vec::new();
        for r in &resultats {
            let k = cle(&jdv, r);
            match groupes.iter_mut().find(|(c, _)| *c == k) {
                Some((_, v)) => v.push(r),
                None => groupes.push((k, vec![r])),
            }
        }
        let mut analyses: Vec<AnalyseSuivie> = groupes
            .into_iter()
            .filter_map(|(_, v)| {
                let dernier = *v.last()?;
                let r = &dernier.resultat;
                let nom = jdv
                    .ligne(&r.code)
                    .filter(|_| r.systeme == LOINC)
                    .map(|l| l.nom().to_string())
                    .unwrap_or_else(|| r.libelle.clone());
                if let Some(t) = &trouvees {
                    let mots = esculape_biologie::jdv::mots;
                    let q = mots(recherche.unwrap_or_default());
                    if !v.iter().any(|x| t.contains(&x.resultat.code)) && !mots(&nom).contains(&q) {
                        return None;
                    }
                }
                Some(AnalyseSuivie {
                    code: r.code.clone(),
                    nom,
                    dernier: dernier.id.clone(),
                    nombre: v.len() as u32,
                    courbe: v.iter().any(|x| x.resultat.valeur.is_some()),
                    anormal: v.iter().any(|x| x.resultat.anormal()),
                })
            })
            .collect();
        let quand = |a: &AnalyseSuivie| {
            resultats
                .iter()
                .find(|r| r.id == a.dernier)
                .map(|r| r.resultat.preleve_le)
        };
        analyses.sort_by_key(|a| std::cmp::Reverse(quand(a)));
        Ok(BiologiePatient {
            resultats,
            analyses,
        })
    }

    /// One analysis's curve (`code`: its LOINC) under the JDV's rules: the
    /// JDV's unit, the results of the corresponding LOINC converted with its
    /// factor, units differing by a prefix pre-converted, the rest left
    /// off with why, and the comparability warning. Traced.
    pub async fn tendance_biologie(
        &self,
        actor: &Actor,
        patient_id: &str,
        code: &str,
    ) -> Result<TendanceBiologie, ErreurBiologie> {
        let stockes = self.store.resultats_biologie(actor, patient_id).await?;
        let jdv = self.biologie.jdv();
        let loinc = jdv.ligne(code).is_some()
            || stockes
                .iter()
                .any(|r| r.resultat.code == code && r.resultat.systeme == LOINC);
        // numeric results, the laboratory's own codes under their own code
        let numeriques: Vec<&ResultatStocke> = stockes
            .iter()
            .filter(|r| r.resultat.valeur.is_some() && (r.resultat.systeme == LOINC) == loinc)
            .collect();
        let entree: Vec<Resultat> = numeriques
            .iter()
            .map(|r| Resultat {
                loinc: r.resultat.code.clone(),
                valeur: r.resultat.valeur.unwrap_or(f64::NAN),
                unite: r.resultat.unite.clone().unwrap_or_default(),
                quand: r.resultat.preleve_le.to_string(),
                laboratoire: r.resultat.laboratoire.clone(),
            })
            .collect();
        let t = esculape_biologie::tendance(&jdv, code, &entree);
        let nom = if t.nom.is_empty() {
            numeriques
                .iter()
                .rev()
                .find(|r| r.resultat.code == code)
                .map(|r| r.resultat.libelle.clone())
                .unwrap_or_else(|| code.to_string())
        } else {
            t.nom.clone()
        };
        Ok(TendanceBiologie {
            code: code.to_string(),
            nom,
            unite: t.unite,
            comparabilite: t.comparabilite.map(|c| c.niveau()),
            points: t
                .points
                .iter()
                .map(|p| {
                    let r = numeriques[p.indice];
                    PointBiologie {
                        resultat: r.id.clone(),
                        quand: r.resultat.preleve_le,
                        valeur: p.valeur,
                        laboratoire: p.laboratoire.clone(),
                        document: r.resultat.document.clone(),
                        intervalle: r.resultat.intervalle.clone(),
                        anormal: r.resultat.anormal(),
                        conversion: p.conversion.as_ref().map(|c| c.explication.clone()),
                    }
                })
                .collect(),
            ecartes: t
                .ecartes
                .iter()
                .map(|e| ResultatEcarte {
                    resultat: numeriques[e.indice].id.clone(),
                    raison: e.raison.clone(),
                })
                .collect(),
            avertissements: t.avertissements,
            jdv: jdv.origine.clone(),
        })
    }
}
