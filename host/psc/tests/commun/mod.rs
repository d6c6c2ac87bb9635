//! A real OpenID provider (npm `oidc-provider`, configured like PSC by
//! `tests/pair/psc-oidc-provider.mjs`) started on free ports, and a
//! "browser" that goes through its login form as a person would.

#![allow(dead_code)]

use esculape_psc::code::RetourNavigateur;
use esculape_psc::{AuthentificationClient, ConfigPsc, Psc};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const CLIENT: &str = "esculape";
pub const SECRET: &str = "secret-essai";
pub const KIT: &str = "899700366240";
pub const ANNE: &str = "899700423059";
/// Signs in at eidas0.
pub const BAS_NIVEAU: &str = "899700999999";

/// Where `cargo xtask setup` installs the npm packages of the tests.
pub fn cache_npm() -> PathBuf {
    std::env::var_os("ESCULAPE_NPM_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/esculape/npm")
        })
}

pub fn port_libre() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port libre")
}

/// The client of the provider served over mutual TLS.
pub const CLIENT_MTLS: &str = "esculape-mtls";

/// The provider process, stopped when dropped.
pub struct Fournisseur {
    enfant: Child,
    pub emetteur: String,
    pub redirection: String,
    /// Served over mutual TLS: its authority, and the certificates it
    /// issued to the registered structure and to another one.
    pub pki: Option<PkiEssai>,
}

/// A test authority, the provider's server certificate, the structure's
/// client certificate (registered for [`CLIENT_MTLS`]) and another
/// structure's, written where the provider reads them.
pub struct PkiEssai {
    pub autorite: esculape_transport::essai::AutoriteDeTest,
    pub structure: esculape_transport::essai::Emis,
    pub autre: esculape_transport::essai::Emis,
    dossier: PathBuf,
}

/// The subject the provider has registered for [`CLIENT_MTLS`].
pub const SUJET_STRUCTURE: &str = "CN=Cabinet du Parc, O=Esculape (essai)";

impl PkiEssai {
    fn nouvelle(port: u16) -> Self {
        use esculape_transport::essai::AutoriteDeTest;
        let autorite = AutoriteDeTest::nouvelle("IGC-Santé (essai)").unwrap();
        let serveur = autorite.emettre(&["127.0.0.1".into()]).unwrap();
        let t = esculape_transport::identite::maintenant();
        let structure = autorite
            .emettre_client("Cabinet du Parc", t - 60, t + 86_400)
            .unwrap();
        let autre = autorite
            .emettre_client("Autre cabinet", t - 60, t + 86_400)
            .unwrap();
        let dossier = std::env::temp_dir().join(format!("esculape-psc-mtls-{port}"));
        std::fs::create_dir_all(&dossier).unwrap();
        for (f, contenu) in [
            ("ac.pem", autorite.certificat_pem()),
            ("serveur.pem", serveur.certificat_pem.clone()),
            ("serveur-cle.pem", serveur.cle_pem.clone()),
        ] {
            std::fs::write(dossier.join(f), contenu).unwrap();
        }
        Self {
            autorite,
            structure,
            autre,
            dossier,
        }
    }

    /// A TLS configuration trusting the authority, presenting `certificat`.
    pub fn tls(
        &self,
        certificat: Option<&esculape_transport::essai::Emis>,
    ) -> rustls::ClientConfig {
        use esculape_transport::client::{Confiance, autorites_pem, config_avec};
        let identite = certificat.map(|e| {
            esculape_transport::identite::IdentiteClient::depuis_pem(
                e.certificat_pem.as_bytes(),
                e.cle_pem.as_bytes(),
                "essai",
            )
            .unwrap()
        });
        let racines = autorites_pem(self.autorite.certificat_pem().as_bytes(), "ac").unwrap();
        config_avec(&Confiance::Autorites(racines), identite.as_ref()).unwrap()
    }
}

impl Drop for Fournisseur {
    fn drop(&mut self) {
        let _ = self.enfant.kill();
        let _ = self.enfant.wait();
        if let Some(p) = &self.pki {
            let _ = std::fs::remove_dir_all(&p.dossier);
        }
    }
}

impl Fournisseur {
    pub fn demarrer() -> Self {
        Self::avec_durees(120, 30)
    }

    /// With an access token living `acces` seconds and CIBA requests
    /// `ciba` seconds.
    pub fn avec_durees(acces: u32, ciba: u32) -> Self {
        Self::lancer(acces, ciba, &[], false)
    }

    /// Served over TLS asking for a client certificate; its client
    /// [`CLIENT_MTLS`] authenticates by the structure's certificate alone.
    pub fn avec_tls_mutuel() -> Self {
        Self::lancer(120, 30, &[], true)
    }

    /// Whose ID tokens live 1 s and reach the client 2.5 s after they are
    /// made (a slow network, a provider's clock ahead): they arrive expired.
    pub fn avec_jeton_d_identite_perime() -> Self {
        Self::lancer(
            120,
            30,
            &[("PSC_TTL_ID", "1"), ("PSC_RETARD_JETON_MS", "2500")],
            false,
        )
    }

    fn lancer(acces: u32, ciba: u32, env: &[(&str, &str)], mutuel: bool) -> Self {
        let module = cache_npm().join("node_modules/oidc-provider/lib/index.js");
        assert!(
            module.exists(),
            "{} absent : lancez `cargo xtask setup` (installe oidc-provider)",
            module.display()
        );
        // from esculape-psc's tests or another crate's (esculape-mss's
        // beside it, the host's above it)
        let manifeste = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let script = ["../psc", "psc"]
            .iter()
            .map(|d| manifeste.join(d).join("tests/pair/psc-oidc-provider.mjs"))
            .find(|p| p.exists())
            .expect("psc-oidc-provider.mjs introuvable");
        let port = port_libre();
        let boucle = port_libre();
        let pki = mutuel.then(|| PkiEssai::nouvelle(port));
        let mut commande = Command::new("node");
        if let Some(p) = &pki {
            commande
                .env("PSC_MTLS_DIR", &p.dossier)
                .env("PSC_MTLS_SUJET", SUJET_STRUCTURE);
        }
        let mut enfant = commande
            .arg(&script)
            .arg(port.to_string())
            .arg(boucle.to_string())
            .env("ESCULAPE_OIDC_PROVIDER", &module)
            .env("PSC_TTL_ACCES", acces.to_string())
            .env("PSC_TTL_CIBA", ciba.to_string())
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node introuvable : lancez `cargo xtask setup`");
        let sortie = enfant.stdout.take().expect("sortie du fournisseur");
        let mut sortie = BufReader::new(sortie);
        let mut ligne = String::new();
        sortie.read_line(&mut ligne).expect("fournisseur démarré");
        assert!(ligne.starts_with("pret"), "fournisseur : {ligne}");
        // drained until the end: a closed pipe would kill the provider at
        // its next notice
        std::thread::spawn(move || std::io::copy(&mut sortie, &mut std::io::sink()));
        Self {
            enfant,
            emetteur: format!(
                "{}://127.0.0.1:{port}",
                if pki.is_some() { "https" } else { "http" }
            ),
            redirection: format!("http://127.0.0.1:{boucle}/psc"),
            pki,
        }
    }

    /// An HTTP client as a browser or the test's controls reach the
    /// provider: trusting its authority when it has one, no certificate.
    fn http(&self) -> reqwest::Client {
        let mut b = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        if let Some(p) = &self.pki {
            b = b.use_preconfigured_tls(p.tls(None));
        }
        b.build().unwrap()
    }

    /// The client [`CLIENT_MTLS`], authenticated by `certificat` alone
    /// (`tls_client_auth`): its HTTP client presents it.
    pub async fn psc_par_certificat(
        &self,
        certificat: Option<&esculape_transport::essai::Emis>,
    ) -> Result<Psc, esculape_psc::ErreurPsc> {
        let p = self.pki.as_ref().expect("fournisseur en TLS mutuel");
        let mut c = self.config();
        c.client_id = CLIENT_MTLS.into();
        c.authentification = AuthentificationClient::CertificatMutuel;
        Psc::decouvrir(
            c.clone(),
            esculape_psc::client_http(Some(p.tls(certificat)), c.delai).unwrap(),
        )
        .await
    }

    pub fn config(&self) -> ConfigPsc {
        let mut c = ConfigPsc::nouvelle(
            &self.emetteur,
            CLIENT,
            AuthentificationClient::Secret(SECRET.into()),
            &self.redirection,
        );
        c.intervalle_ciba = Duration::from_millis(200);
        c.delai = Duration::from_secs(5);
        c
    }

    pub async fn psc(&self) -> Psc {
        let c = self.config();
        Psc::decouvrir(c.clone(), esculape_psc::client_http(None, c.delai).unwrap())
            .await
            .expect("découverte")
    }

    /// The test's control routes (CIBA decisions, latency).
    pub async fn essai(&self, chemin: &str) -> u16 {
        self.http()
            .post(format!("{}/essai/{chemin}", self.emetteur))
            .send()
            .await
            .expect("route d'essai")
            .status()
            .as_u16()
    }
}

/// What a person does in the browser.
#[derive(Debug, Clone, Copy)]
pub enum Geste {
    SeConnecter(&'static str),
    Annuler,
}

/// A browser: follows the redirects of `url` with its cookies, fills the
/// provider's login form with `geste`, and stops at the first redirect
/// towards `arret`, which it returns (the loopback redirect is then
/// requested like the browser does, by [`Navigateur::livrer`]).
pub struct Navigateur {
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

impl Navigateur {
    pub fn new() -> Self {
        Self::avec(
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        )
    }

    fn avec(http: reqwest::Client) -> Self {
        Self {
            http,
            cookies: BTreeMap::new(),
        }
    }

    fn garder(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap_or_default();
            let paire = v.split(';').next().unwrap_or_default();
            if let Some((k, val)) = paire.split_once('=') {
                if val.is_empty() {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.trim().into(), val.into());
                }
            }
        }
    }

    fn cookie(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn aller(
        &mut self,
        url: &str,
        formulaire: Option<Vec<(String, String)>>,
    ) -> reqwest::Response {
        let r = match formulaire {
            None => self.http.get(url),
            Some(f) => self.http.post(url).form(&f),
        };
        let r = r
            .header("Cookie", self.cookie())
            .send()
            .await
            .expect("navigation");
        self.garder(&r);
        r
    }

    /// Goes from the authorisation URL to the redirect towards `arret`.
    pub async fn parcourir(&mut self, url: &str, arret: &str, geste: Geste) -> String {
        let mut courant = url.to_string();
        let mut formulaire = None;
        for _ in 0..20 {
            let r = self.aller(&courant, formulaire.take()).await;
            let base = r.url().clone();
            if r.status().is_redirection() {
                let loc = r.headers()["location"].to_str().unwrap().to_string();
                let suivant = base.join(&loc).unwrap().to_string();
                if suivant.starts_with(arret) {
                    return suivant;
                }
                courant = suivant;
                continue;
            }
            let page = r.text().await.unwrap();
            let (action, champs) = choisir(&page, geste);
            courant = base.join(&action).unwrap().to_string();
            formulaire = Some(champs);
        }
        panic!("trop de redirections");
    }

    /// Requests the loopback redirect, as the browser does.
    pub async fn livrer(&self, url: &str) -> String {
        self.http
            .get(url)
            .send()
            .await
            .expect("boucle locale")
            .text()
            .await
            .unwrap()
    }
}

/// A whole code flow through the browser: the request, the login, the
/// loopback redirect received by [`esculape_psc::boucle::Boucle`].
pub async fn retour_du_navigateur(
    psc: &Psc,
    f: &Fournisseur,
    geste: Geste,
) -> (esculape_psc::code::DemandeAutorisation, RetourNavigateur) {
    let demande = psc.demande_autorisation();
    let boucle = esculape_psc::boucle::Boucle::ecouter(&f.redirection)
        .await
        .unwrap();
    let attente = tokio::spawn(boucle.attendre(Duration::from_secs(20)));
    let mut navigateur = Navigateur::avec(f.http());
    let arrivee = navigateur
        .parcourir(&demande.url, &f.redirection, geste)
        .await;
    let page = navigateur.livrer(&arrivee).await;
    assert!(page.contains("revenir dans Esculape"), "{page}");
    let retour = attente.await.unwrap().unwrap();
    (demande, retour)
}

/// The form a person uses on a login page for `geste`: the one offering
/// the professional (a `<select>` option, or a form of hidden fields
/// naming them), or the one whose button says "Annuler"; its action and
/// fields.
fn choisir(page: &str, geste: Geste) -> (String, Vec<(String, String)>) {
    let formulaires: Vec<&str> = page.split("<form").skip(1).collect();
    assert!(!formulaires.is_empty(), "page sans formulaire : {page}");
    let attribut = |morceau: &str, nom: &str| -> Option<String> {
        let apres = morceau.split(&format!("{nom}=")).nth(1)?;
        let v = match apres.strip_prefix('"') {
            Some(r) => r.split('"').next()?,
            None => apres.split([' ', '>']).next()?,
        };
        Some(
            v.replace("&amp;", "&")
                .replace("&quot;", "\"")
                .replace("&lt;", "<"),
        )
    };
    let f = match geste {
        Geste::SeConnecter(id) => formulaires
            .iter()
            .find(|f| f.contains(&format!("value=\"{id}\"")))
            .unwrap_or_else(|| panic!("le formulaire ne propose pas {id} : {page}")),
        Geste::Annuler => formulaires
            .iter()
            .find(|f| f.contains(">Annuler<"))
            .expect("bouton Annuler"),
    };
    let action = attribut(f, "action").expect("action du formulaire");
    let mut champs = Vec::new();
    if let (Some(select), Geste::SeConnecter(id)) = (f.split("<select").nth(1), geste) {
        champs.push((attribut(select, "name").unwrap(), id.to_string()));
    }
    for input in f.split("<input").skip(1) {
        if let (Some(n), Some(v)) = (attribut(input, "name"), attribut(input, "value")) {
            champs.push((n, v));
        }
    }
    (action, champs)
}
