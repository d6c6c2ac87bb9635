//! The INSi téléservice, as its WSDL publishes it: `POST /insi` takes the
//! SOAP 1.2 requests of `esculape-insi` and answers `RESULTAT` (00 one
//! identity, 01 none, 02 several) or a SOAP fault. Latency and failures
//! are set through `PUT /insi/reglages`, for the tests and demos of a slow
//! or failing national service. `GET /insi/journal` lists the last
//! requests received with the context they carried (emitting structure,
//! professional), as the service's own logs would.

use crate::Sandbox;
use crate::identites::{Carte, Personne, cartes, personnes};
use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use esculape_domain::identity::normalize_name;
use esculape_ecoute::PairTls;
use esculape_insi::request::{self, CarteVitale, Recherche, Traits};
use esculape_insi::response::{self, CodeCr, Individu, Resultat};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A failure to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Panne {
    /// A SOAP fault from the service (HTTP 500, `soap:Receiver`).
    Faute,
    /// The service is down (HTTP 503, no SOAP).
    Indisponible,
    /// No answer within a minute: the client's timeout decides.
    Delai,
    /// The request is done, its answer lost on the way back (HTTP 504):
    /// a DMP submission is kept; a query, which changes nothing, is
    /// simply unanswered.
    #[serde(rename = "reponse_perdue")]
    ReponsePerdue,
}

/// How the service behaves.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reglages {
    /// Added before every answer (the ANS test scenarios use 3 s).
    #[serde(default)]
    pub latence_ms: u64,
    #[serde(default)]
    pub panne: Option<Panne>,
}

pub struct Insi {
    reglages: Mutex<Reglages>,
    personnes: Vec<Personne>,
    cartes: Vec<Carte>,
    journal: Mutex<Vec<Appel>>,
}

/// One request received, as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Appel {
    pub message_id: String,
    pub action: String,
    /// `ContexteLPS` emitter (the structure).
    pub emetteur: String,
    /// The SAML subject's national identifier and its qualifier.
    pub identifiant: String,
    pub qualifiant: String,
    pub code: String,
    /// The professional of the Pro Santé Connect token the request came
    /// with (through the proxy e-santé), if it came with one.
    #[serde(default)]
    pub porteur_psc: Option<String>,
}

/// Requests kept in the journal.
const JOURNAL: usize = 100;

impl Default for Insi {
    fn default() -> Self {
        Self {
            reglages: Mutex::default(),
            personnes: personnes(),
            cartes: cartes(),
            journal: Mutex::default(),
        }
    }
}

impl Insi {
    pub fn reglages(&self) -> Reglages {
        self.reglages.lock().map(|r| r.clone()).unwrap_or_default()
    }

    pub fn regler(&self, r: Reglages) {
        if let Ok(mut g) = self.reglages.lock() {
            *g = r;
        }
    }

    /// The last requests received, oldest first.
    pub fn journal(&self) -> Vec<Appel> {
        self.journal.lock().map(|j| j.clone()).unwrap_or_default()
    }

    fn noter(&self, appel: Appel) {
        if let Ok(mut j) = self.journal.lock() {
            if j.len() == JOURNAL {
                j.remove(0);
            }
            j.push(appel);
        }
    }

    /// The people a search designates.
    pub fn recherche(&self, r: &Recherche) -> Vec<&Personne> {
        match r {
            Recherche::Traits(t) => self.par_traits(t),
            Recherche::CarteVitale(c) => self.par_carte(c),
        }
    }

    /// Birth name, sex and birth date equal; the first names sent are the
    /// first of the reference list, in order; the birth place, when sent,
    /// equal.
    fn par_traits(&self, t: &Traits) -> Vec<&Personne> {
        let nom = normalize_name(&t.nom_naissance);
        let prenoms: Vec<String> = t
            .prenoms
            .iter()
            .flat_map(|p| {
                normalize_name(p)
                    .split(' ')
                    .map(String::from)
                    .collect::<Vec<_>>()
            })
            .filter(|p| !p.is_empty())
            .collect();
        self.personnes
            .iter()
            .filter(|p| {
                let r = &p.traits;
                r.nom_naissance == nom
                    && !prenoms.is_empty()
                    && r.prenoms.starts_with(&prenoms)
                    && r.sexe == t.sexe
                    && r.date_naissance == t.date_naissance
                    && t.lieu_naissance
                        .as_ref()
                        .is_none_or(|l| r.lieu_naissance.as_ref() == Some(l))
            })
            .collect()
    }

    /// The individual's NIR when the card holds it; otherwise the insured
    /// person's NIR, the birth date and rank among the card's
    /// beneficiaries.
    fn par_carte(&self, c: &CarteVitale) -> Vec<&Personne> {
        if let Some(m) = &c.matricule_individu {
            return self
                .personnes
                .iter()
                .filter(|p| p.ins.numero == m.numero && p.traits.date_naissance == c.date_naissance)
                .collect();
        }
        let Some(od) = &c.matricule_ouvrant_droit else {
            return vec![];
        };
        let beneficiaire = self.cartes.iter().flat_map(|k| &k.beneficiaires).find(|b| {
            b.matricule_ouvrant_droit.as_ref() == Some(od)
                && b.date_naissance == c.date_naissance
                && b.rang_naissance == c.rang_naissance
        });
        let Some(b) = beneficiaire else {
            return vec![];
        };
        self.personnes
            .iter()
            .filter(|p| {
                p.traits.date_naissance == b.date_naissance
                    && b.nom_naissance.as_ref() == Some(&p.traits.nom_naissance)
            })
            .collect()
    }

    pub fn cartes(&self) -> &[Carte] {
        &self.cartes
    }
}

/// The answer for what a search found.
pub fn resultat(found: &[&Personne]) -> Resultat {
    let (code, individu) = match found {
        [] => (CodeCr::Aucune, None),
        [p] => (
            CodeCr::Trouve,
            Some(Individu {
                ins: p.ins.clone(),
                historique: p.historique.clone(),
                traits: p.traits.clone(),
            }),
        ),
        _ => (CodeCr::Plusieurs, None),
    };
    Resultat {
        code,
        libelle: code.libelle().into(),
        individu,
    }
}

pub fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/insi", post(soap))
        .route("/insi/reglages", get(lire_reglages).put(ecrire_reglages))
        .route("/insi/journal", get(journal))
}

async fn journal(State(s): State<Arc<Sandbox>>) -> Json<Vec<Appel>> {
    Json(s.insi.journal())
}

fn soap_reply(status: StatusCode, xml: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/soap+xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

/// The `action` parameter of a SOAP 1.2 content type.
fn action(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    ct.split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("action="))
        .map(|a| a.trim_matches('"').to_string())
}

async fn soap(
    State(s): State<Arc<Sandbox>>,
    pair: Option<Extension<ConnectInfo<PairTls>>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let porteur_psc = match crate::psc::porteur_de_la_requete(&s, pair, &headers) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let r = s.insi.reglages();
    if r.latence_ms > 0 {
        tokio::time::sleep(Duration::from_millis(r.latence_ms)).await;
    }
    match r.panne {
        Some(Panne::Indisponible) => {
            return (StatusCode::SERVICE_UNAVAILABLE, "service INSi indisponible").into_response();
        }
        Some(Panne::ReponsePerdue) => {
            return (StatusCode::GATEWAY_TIMEOUT, "réponse perdue").into_response();
        }
        Some(Panne::Faute) => {
            return soap_reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                response::fault(false, "siram:500", "Erreur technique (panne simulée)"),
            );
        }
        Some(Panne::Delai) => tokio::time::sleep(Duration::from_secs(60)).await,
        None => {}
    }
    let (ctx, recherche) = match request::parse(&body) {
        Ok(x) => x,
        Err(e) => {
            return soap_reply(
                StatusCode::BAD_REQUEST,
                response::fault(true, "siram:100", &e.to_string()),
            );
        }
    };
    if let Some(a) = action(&headers)
        && a != recherche.action()
    {
        return soap_reply(
            StatusCode::BAD_REQUEST,
            response::fault(
                true,
                "siram:101",
                &format!("action {a} ne correspond pas au corps du message"),
            ),
        );
    }
    let found = s.insi.recherche(&recherche);
    let answer = resultat(&found);
    s.insi.noter(Appel {
        message_id: ctx.message_id.clone(),
        action: recherche.action().to_string(),
        emetteur: ctx.emetteur.clone(),
        identifiant: ctx.professionnel.identifiant.clone(),
        qualifiant: ctx.professionnel.qualifiant.clone(),
        code: answer.code.code().to_string(),
        porteur_psc,
    });
    tracing::info!(
        "INSi {} pour {} ({}): {}",
        match recherche {
            Recherche::Traits(_) => "recherche par traits",
            Recherche::CarteVitale(_) => "recherche par carte Vitale",
        },
        ctx.emetteur,
        ctx.logiciel.nom,
        answer.code.code()
    );
    soap_reply(StatusCode::OK, response::envelope(&answer))
}

async fn lire_reglages(State(s): State<Arc<Sandbox>>) -> Json<Reglages> {
    Json(s.insi.reglages())
}

async fn ecrire_reglages(State(s): State<Arc<Sandbox>>, Json(r): Json<Reglages>) -> Json<Reglages> {
    s.insi.regler(r);
    Json(s.insi.reglages())
}
