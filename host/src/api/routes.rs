//! Every route of the API, once: path, method, who may call it, what it
//! does, the type of its body and of its answer. The router, the guard and
//! the OpenAPI document all come from here.

use super::{
    Access, AppState, MAX_DOCUMENT_BODY_BYTES, accounts, agenda, annuaire, biologie, dmp,
    documents, mss, patients, psc, record, travaux,
};
use axum::routing::{MethodRouter, delete, get, post, put};
use esculape_api_types::agenda::{AvailabilityRec, DeplacementRendezVous, Slot, StatutRendezVous};
use esculape_api_types::annuaire::ReponseAnnuaire;
use esculape_api_types::biologie::{BiologiePatient, FichierJdv, JdvEnUsage, TendanceBiologie};
use esculape_api_types::comptes::{
    self, AuditEvent, AuditReport, Caller, ChangementMotDePasse, Connexion, EtatInstallation,
    EtatServeur, Installation, NouveauCompte, NouveauMotDePasse, NouveauSite, NouvelleStructure,
    Praticien, PremiereInstallation, SiteRec, StructureRec, UserChanges,
};
use esculape_api_types::dmp::{Dica, DocumentDuDmp, EtatDmp, ImportDmp};
use esculape_api_types::documents::{
    AVoir, ApercuIntegration, BoiteMss, DemandeDocument, DemandeIntegration, DocumentARecevoir,
    DocumentAvecContenu, DocumentLu, DocumentMeta, DocumentProduit, EnvoiMss, EtatEnvoi,
    Formulaire, FormulaireSigne, ImageBoite, IntegrationFaite, MessageMss, NouveauDocument,
    Rapprochement, ReleveMss, TexteLu, TypeDocument, Vu,
};
use esculape_api_types::domaine::agenda::{Appointment, Availability, NewAppointment};
use esculape_api_types::domaine::cog::Lieu;
use esculape_api_types::domaine::document::Visibility;
use esculape_api_types::domaine::identity::PatientSummary;
use esculape_api_types::domaine::indicateurs::IndicateursIns;
use esculape_api_types::domaine::record::{CareTeamMember, Contact, EntryData, NewEncounter};
use esculape_api_types::domaine::travail::Travail;
use esculape_api_types::domaine::{DmpDecision, Identity, NewIdentity};
use esculape_api_types::dossier::{
    CareTeamEntry, Chart, Coordonnees, Encounter, EntreeDossier, Entry, Episode,
    ModificationConsultation, ModificationContact, ModificationEntree, ModificationIdentite,
    NouvelEpisode, NouvelleConsultation, Page, PatientRecord, Version,
};
use esculape_api_types::insi::{ReponseInsi, SuiviInsi, ValidationInsi};
use esculape_api_types::modules::PluginInfo;
use esculape_api_types::psc::{
    ChoixPsc, CibaPsc, DemandeCibaPsc, DemandeNavigateurPsc, EtatConnexionPsc, ProxyPsc,
    PscDisponible, RetourNavigateurPsc,
};
use schemars::{JsonSchema, Schema, SchemaGenerator};

/// Writes the schema of one type (a `$ref` to its component).
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// What a route answers when it succeeds.
#[derive(Debug, Clone, Copy)]
pub enum Reponse {
    /// JSON of this schema, with this status (200 or 201).
    Json(u16, SchemaFn),
    /// Raw bytes: of this media type, or of the document's own.
    Octets(Option<&'static str>),
    /// 204, nothing.
    Vide,
}

#[derive(Debug, Clone)]
pub struct RouteDoc {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    /// Query parameters (name, required).
    pub query: &'static [(&'static str, bool)],
    /// The JSON body, if any.
    pub body: Option<SchemaFn>,
    pub answer: Reponse,
    pub body_limit: Option<usize>,
}

pub struct Route {
    pub doc: RouteDoc,
    pub handler: MethodRouter<AppState>,
}

fn route(
    method: &'static str,
    path: &'static str,
    access: Access,
    summary: &'static str,
    handler: MethodRouter<AppState>,
) -> Route {
    Route {
        doc: RouteDoc {
            method,
            path,
            access,
            summary,
            query: &[],
            body: None,
            answer: Reponse::Vide,
            body_limit: None,
        },
        handler,
    }
}

impl Route {
    fn body<T: JsonSchema>(mut self) -> Self {
        self.doc.body = Some(schema::<T>);
        self
    }
    /// 200 with a `T`.
    fn ok<T: JsonSchema>(mut self) -> Self {
        self.doc.answer = Reponse::Json(200, schema::<T>);
        self
    }
    /// 201 with the created `T`.
    fn created<T: JsonSchema>(mut self) -> Self {
        self.doc.answer = Reponse::Json(201, schema::<T>);
        self
    }
    /// 202 with `T` as it stands: the work was queued.
    fn accepted<T: JsonSchema>(mut self) -> Self {
        self.doc.answer = Reponse::Json(202, schema::<T>);
        self
    }
    fn bytes(mut self, media: Option<&'static str>) -> Self {
        self.doc.answer = Reponse::Octets(media);
        self
    }
    fn query(mut self, q: &'static [(&'static str, bool)]) -> Self {
        self.doc.query = q;
        self
    }
    fn limit(mut self, bytes: usize) -> Self {
        self.doc.body_limit = Some(bytes);
        self
    }
}

pub fn table() -> Vec<Route> {
    use Access::*;
    vec![
        route("GET", "/api/health", Public, "État du serveur, version et versions d'API des modules", get(accounts::health)).ok::<EtatServeur>(),
        route("GET", "/api/openapi.json", Public, "Ce document OpenAPI", get(super::openapi::serve)).ok::<serde_json::Value>(),
        route("GET", "/api/installation", Public, "Premier démarrage d'une installation monoposte: le cabinet reste-t-il à créer ?", get(accounts::installation)).ok::<EtatInstallation>(),
        route("POST", "/api/installation", Public, "Premier démarrage d'une installation monoposte (hôte intégré au poste, aucun compte encore): crée le cabinet, son site et le compte du médecin", post(accounts::installer)).body::<PremiereInstallation>().created::<Installation>(),
        route("POST", "/api/session", Public, "Connexion (identifiant, mot de passe): ouvre une session", post(accounts::login)).body::<Connexion>().ok::<comptes::Session>(),
        route("GET", "/api/session", Session, "La session en cours et son utilisateur", get(accounts::me)).ok::<Caller>(),
        // Pro Santé Connect (through the proxy e-santé)
        route("GET", "/api/psc", Public, "Connexion par Pro Santé Connect: disponible sur ce serveur ? et la redirection locale du navigateur", get(psc::disponible)).ok::<PscDisponible>(),
        route("GET", "/api/psc/proxy", Pilotage, "Le proxy e-santé (médecins et administrateurs, au tableau de bord): le certificat de la structure (titulaire, fin de validité, à renouveler ?) et les services nationaux atteints en son nom", get(psc::proxy)).ok::<ProxyPsc>(),
        route("POST", "/api/psc/navigateur", Public, "Connexion Pro Santé Connect par le navigateur du poste: l'adresse où l'envoyer", post(psc::navigateur)).ok::<DemandeNavigateurPsc>(),
        route("POST", "/api/psc/navigateur/retour", Public, "Ce que le navigateur a rapporté à la redirection locale: connecte, ou propose le compte et l'activité à choisir", post(psc::retour_navigateur)).body::<RetourNavigateurPsc>().ok::<EtatConnexionPsc>(),
        route("POST", "/api/psc/ciba", Public, "Connexion Pro Santé Connect par la carte CPS ou l'application e-CPS (CIBA): les deux chiffres à comparer", post(psc::ciba)).body::<DemandeCibaPsc>().ok::<CibaPsc>(),
        route("GET", "/api/psc/ciba/{demande}", Public, "Où en est une connexion CIBA", get(psc::etat_ciba)).ok::<EtatConnexionPsc>(),
        route("DELETE", "/api/psc/ciba/{demande}", Public, "Abandonner une connexion CIBA : Pro Santé Connect n'est plus interrogé, et une validation tardive n'ouvre rien", delete(psc::annuler_ciba)),
        route("POST", "/api/psc/choix", Public, "Choix du compte (confirmation de la liaison à la première connexion) et de l'activité: ouvre la session", post(psc::choisir)).body::<ChoixPsc>().ok::<comptes::Session>(),

        route("DELETE", "/api/session", Session, "Déconnexion", delete(accounts::logout)),
        route("POST", "/api/session/password", Session, "Changer son mot de passe", post(accounts::change_password)).body::<ChangementMotDePasse>().ok::<comptes::User>(),
        route("GET", "/api/moi/mss", Session, "Son adresse de messagerie sécurisée de santé (MSSanté), d'où partent ses envois ; les serveurs sont trouvés depuis l'adresse", get(mss::boite)).ok::<BoiteMss>(),
        route("PUT", "/api/moi/mss", Session, "Indiquer (ou retirer, adresse nulle) son adresse MSSanté", put(mss::definir_boite)).body::<BoiteMss>().ok::<BoiteMss>(),
        route("POST", "/api/moi/mss/releve", Medical, "Relever sa boîte MSSanté (en son nom, jeton Pro Santé Connect) depuis le dernier message lu : le document IHE_XDM.ZIP de chaque message va au dossier du patient que son INS désigne (provenance MSSanté, « à voir »), jamais en double ; les messages qu'aucun dossier ne prend restent dans la boîte et sont listés avec la raison", post(mss::relever)).ok::<ReleveMss>(),
        route("GET", "/api/mss/messages", Medical, "La liste de travail des messages MSSanté reçus par la structure (LGC.MDV.06) : provenance professionnel ou patient, patient nommé, ce qu'il est advenu de chaque message ; a_traiter=true : ceux qui attendent un médecin (patient à rapprocher, remplacement ou suppression à confirmer)", get(mss::messages)).query(&[("a_traiter", false)]).ok::<Vec<MessageMss>>(),
        route("GET", "/api/mss/messages/{id}/candidats", Medical, "Les patients dont le message peut parler, par leurs traits (né le jour que dit son document, même nom de naissance ou même premier prénom)", get(mss::candidats)).ok::<Vec<PatientSummary>>(),
        route("POST", "/api/mss/messages/{id}/rapprocher", Medical, "Ranger le document d'un message à rapprocher au dossier du patient choisi (refusé s'il nomme un autre patient par un INS qualifié)", post(mss::rapprocher)).body::<Rapprochement>().ok::<MessageMss>(),
        route("POST", "/api/mss/messages/{id}/appliquer", Medical, "Confirmer ce que demande le message (LGC.MSS/UX.05) : la nouvelle version remplace l'ancienne, ou le document désigné est supprimé ; l'ancien est gardé, marqué", post(mss::appliquer)).ok::<MessageMss>(),
        route("POST", "/api/mss/messages/{id}/ecarter", Medical, "Écarter un message en attente : rien ne change au dossier", post(mss::ecarter)).ok::<MessageMss>(),
        route("GET", "/api/plugins", User, "Modules installés", get(accounts::plugins)).ok::<Vec<PluginInfo>>(),
        route("GET", "/api/sites", User, "Sites de la structure", get(accounts::sites)).ok::<Vec<SiteRec>>(),
        route("GET", "/api/practitioners", User, "Praticiens (comptes médecins actifs)", get(accounts::practitioners)).ok::<Vec<Praticien>>(),
        // Dashboards
        route("GET", "/api/indicateurs/ins", Pilotage, "Tableau de bord TBB.INS.02 d'un mois: patients uniques vus, nombre et taux par statut d'identité, qualifiées par procédure spécifique transitoire; par RPPS et FINESS et pour tout le cabinet", get(patients::indicateurs_ins)).query(&[("mois", true), ("rpps", false), ("finess", false)]).ok::<Vec<IndicateursIns>>(),
        // Administration
        route("GET", "/api/users", Admin, "Comptes", get(accounts::users)).ok::<Vec<comptes::User>>(),
        route("POST", "/api/users", Admin, "Créer un compte", post(accounts::create_user)).body::<NouveauCompte>().created::<comptes::User>(),
        route("PUT", "/api/users/{id}", Admin, "Modifier les attributs ou les droits d'un compte", put(accounts::update_user)).body::<UserChanges>().ok::<comptes::User>(),
        route("POST", "/api/users/{id}/password", Admin, "Réinitialiser le mot de passe (à changer à la connexion)", post(accounts::reset_password)).body::<NouveauMotDePasse>().ok::<comptes::User>(),
        route("GET", "/api/structures", Admin, "Structures", get(accounts::structures)).ok::<Vec<StructureRec>>(),
        route("POST", "/api/structures", Admin, "Créer une structure", post(accounts::create_structure)).body::<NouvelleStructure>().created::<StructureRec>(),
        route("POST", "/api/sites", Admin, "Créer un site", post(accounts::create_site)).body::<NouveauSite>().created::<SiteRec>(),
        route("GET", "/api/audit/verify", Admin, "Vérifier le chaînage du journal d'audit", get(accounts::verify_audit)).ok::<AuditReport>(),
        // Accueil: identity, contacts, care team, agenda
        route("GET", "/api/patients", Accueil, "Recherche de patients à la frappe", get(patients::search)).query(&[("q", true), ("limit", false)]).ok::<Vec<PatientSummary>>(),
        route("POST", "/api/patients", Accueil, "Créer un patient (identité)", post(patients::create)).body::<NewIdentity>().created::<PatientRecord>(),
        route("GET", "/api/annuaire", Accueil, "Rechercher les adresses MSSanté d'un correspondant dans l'Annuaire Santé (nom, prénom, RPPS, profession, spécialité, structure, commune, type d'adresse : au moins un critère) ; chaque professionnel avec ses lieux d'exercice et toutes ses adresses", get(annuaire::rechercher)).query(&[("nom", false), ("prenom", false), ("rpps", false), ("profession", false), ("specialite", false), ("structure", false), ("commune", false), ("type_bal", false)]).ok::<ReponseAnnuaire>(),
        route("GET", "/api/cog", Accueil, "Lieux de naissance (code officiel géographique): par code, ancien code compris, ou par début de nom", get(patients::cog)).query(&[("code", false), ("nom", false), ("limit", false)]).ok::<Vec<Lieu>>(),
        route("GET", "/api/patients/{id}", Accueil, "Identité d'un patient", get(patients::read)).ok::<PatientRecord>(),
        route("PUT", "/api/patients/{id}", Accueil, "Modifier l'identité (avec la version lue et le motif; l'identité d'avant reste dans l'historique)", put(patients::update)).body::<ModificationIdentite>().ok::<PatientRecord>(),
        route("GET", "/api/patients/{id}/versions", Accueil, "Historique de l'identité: chaque version, qui, quand, pourquoi", get(patients::identity_versions)).ok::<Vec<Version<Identity>>>(),
        route("POST", "/api/patients/{id}/insi", Accueil, "Interroger le téléservice INSi (traits, puis lieu de naissance si plusieurs identités) et comparer", post(patients::insi)).ok::<ReponseInsi>(),
        route("GET", "/api/patients/{id}/insi", Accueil, "Dernière interrogation INSi du patient (faite en arrière-plan à l'ouverture du dossier ou à l'insertion de la carte Vitale): en attente, terminée avec la comparaison, ou en échec avec le prochain essai", get(patients::insi_suivi)).ok::<SuiviInsi>(),
        route("GET", "/api/patients/{id}/travaux", Accueil, "Travaux en arrière-plan du patient (INSi, ordres d'envoi au DMP; MSSanté à venir), du plus récent: en attente (avec la dernière erreur et le prochain essai), en cours, terminé, en échec avec la raison, annulé", get(travaux::du_patient)).ok::<Vec<Travail>>(),
        route("POST", "/api/travaux/{id}/annulation", Accueil, "Annuler un travail qui n'a pas commencé (409 s'il est en cours ou fini)", post(travaux::annuler)).ok::<Travail>(),
        route("POST", "/api/patients/{id}/insi/validation", Accueil, "Valider en un clic la comparaison INSi: l'identité prend les traits et l'INS renvoyés (INSi interrogé à nouveau)", post(patients::insi_validation)).body::<ValidationInsi>().ok::<PatientRecord>(),
        route("GET", "/api/patients/{id}/contact", Accueil, "Coordonnées et leur version", get(patients::contact)).ok::<Coordonnees>(),
        route("PUT", "/api/patients/{id}/contact", Accueil, "Remplacer les coordonnées (avec la version lue, 0 s'il n'y en avait pas; 409 si elles ont changé depuis)", put(patients::set_contact)).body::<ModificationContact>().ok::<Coordonnees>(),
        route("GET", "/api/patients/{id}/contact/versions", Accueil, "Historique des coordonnées", get(patients::contact_versions)).ok::<Vec<Version<Contact>>>(),
        route("GET", "/api/patients/{id}/care-team", Accueil, "Équipe de soins", get(patients::care_team)).ok::<Vec<CareTeamEntry>>(),
        route("POST", "/api/patients/{id}/care-team", Accueil, "Ajouter un professionnel à l'équipe de soins", post(patients::add_care_team_member)).body::<CareTeamMember>().created::<CareTeamEntry>(),
        route("DELETE", "/api/patients/{id}/care-team/{member}", Accueil, "Retirer un professionnel de l'équipe de soins", delete(patients::remove_care_team_member)),
        route("GET", "/api/agenda", Accueil, "Rendez-vous d'une période, par praticien ou site", get(agenda::list)).query(&[("from", true), ("to", true), ("practitioner", false), ("site", false), ("patient", false)]).ok::<Vec<Appointment>>(),
        route("GET", "/api/agenda/free-slots", Accueil, "Créneaux libres d'un praticien un jour", get(agenda::free_slots)).query(&[("practitioner", true), ("day", true)]).ok::<Vec<Slot>>(),
        route("POST", "/api/availability", Accueil, "Ajouter une disponibilité hebdomadaire", post(agenda::add_availability)).body::<Availability>().created::<AvailabilityRec>(),
        route("POST", "/api/appointments", Accueil, "Prendre un rendez-vous (pas de double réservation)", post(agenda::book)).body::<NewAppointment>().created::<Appointment>(),
        route("PUT", "/api/appointments/{id}", Accueil, "Déplacer un rendez-vous", put(agenda::move_appointment)).body::<DeplacementRendezVous>().ok::<Appointment>(),
        route("POST", "/api/appointments/{id}/status", Accueil, "Arrivée, consultation, fin, annulation, absence", post(agenda::set_status)).body::<StatutRendezVous>().ok::<Appointment>(),
        route("GET", "/api/waiting-room", Accueil, "Salle d'attente d'un site", get(agenda::waiting_room)).query(&[("site", true), ("day", false)]).ok::<Vec<Appointment>>(),
        // Medical record and documents: médecins
        route("GET", "/api/patients/{id}/chart", Medical, "Dossier à l'ouverture: identité, coordonnées, équipe, épisodes, dossier médical, 50 dernières consultations et 100 derniers documents (et leurs totaux)", get(record::chart)).ok::<Chart>(),
        route("GET", "/api/patients/{id}/access-log", Medical, "Qui a accédé au dossier", get(record::access_log)).ok::<Vec<AuditEvent>>(),
        route("POST", "/api/patients/{id}/episodes", Medical, "Ouvrir un épisode de soins", post(record::open_episode)).body::<NouvelEpisode>().created::<Episode>(),
        route("GET", "/api/episodes/{id}", Medical, "Épisode et décisions DMP", get(record::episode)).ok::<Episode>(),
        route("POST", "/api/episodes/{id}/dmp-decisions", Medical, "Décision du patient sur le DMP (alimentation, consultation)", post(record::record_decision)).body::<DmpDecision>().ok::<Episode>(),
        route("POST", "/api/patients/{id}/encounters", Medical, "Nouvelle consultation", post(record::create_encounter)).body::<NouvelleConsultation>().created::<Encounter>(),
        route("PUT", "/api/encounters/{id}", Medical, "Modifier une consultation (le texte d'avant reste dans l'historique)", put(record::update_encounter)).body::<ModificationConsultation>().ok::<Encounter>(),
        route("GET", "/api/encounters/{id}/versions", Medical, "Historique d'une consultation: chaque version, qui, quand, pourquoi", get(record::encounter_versions)).ok::<Vec<Version<NewEncounter>>>(),
        route("POST", "/api/patients/{id}/entries", Medical, "Ajouter au dossier (problème, antécédent, allergie, traitement, vaccination, mesure, observation)", post(record::add_entry)).body::<EntreeDossier>().created::<Entry>(),
        route("PUT", "/api/entries/{id}", Medical, "Modifier une entrée du dossier (ce qu'elle disait reste dans l'historique)", put(record::update_entry)).body::<ModificationEntree>().ok::<Entry>(),
        route("DELETE", "/api/entries/{id}", Medical, "Supprimer une entrée (conservée, marquée; la suppression est une version de l'historique, avec son motif)", delete(record::delete_entry)).query(&[("motif", false)]),
        route("GET", "/api/entries/{id}/versions", Medical, "Historique d'une entrée du dossier (supprimées comprises)", get(record::entry_versions)).ok::<Vec<Version<EntryData>>>(),
        route("GET", "/api/patients/{id}/documents", Medical, "Documents du patient: filtre par type et date d'acte, tri, pages", get(record::documents)).query(&[("type", false), ("from", false), ("to", false), ("sort", false), ("ascending", false), ("include_deleted", false), ("offset", false), ("limit", false)]).ok::<Page<DocumentMeta>>(),
        route("GET", "/api/patients/{id}/encounters", Medical, "Consultations, les plus récentes d'abord, par pages", get(record::encounters)).query(&[("offset", false), ("limit", false)]).ok::<Page<Encounter>>(),
        route("POST", "/api/patients/{id}/documents", Medical, "Ajouter un document (contenu en base64)", post(record::add_document)).body::<NouveauDocument>().limit(MAX_DOCUMENT_BODY_BYTES).created::<DocumentMeta>(),
        route("GET", "/api/document-types", Medical, "Types de documents produits par les modules installés", get(documents::types)).ok::<Vec<TypeDocument>>(),
        route("GET", "/api/patients/{id}/document-forms/{plugin}", Medical, "Formulaire d'un type de document, prérempli depuis le dossier", get(documents::formulaire)).ok::<Formulaire>(),
        route("POST", "/api/patients/{id}/documents/preview", Medical, "Aperçu d'un document (PDF, CDA, métadonnées XDS): rien n'est enregistré", post(documents::apercu)).body::<DemandeDocument>().ok::<DocumentProduit>(),
        route("POST", "/api/patients/{id}/documents/sign", Medical, "Valider et signer un document: CDA enregistré (ou nouvelle version), PDF, métadonnées XDS, IHE_XDM.ZIP", post(documents::produire)).body::<DemandeDocument>().created::<DocumentProduit>(),
        route("GET", "/api/a-voir", Medical, "Les documents reçus (DMP, MSSanté, importés) qu'aucun médecin n'a encore vus: de la structure, ou d'un patient (patient=ID); les plus récents d'abord, avec le nom du patient et ses résultats anormaux", get(documents::a_voir)).query(&[("patient", false)]).ok::<Vec<AVoir>>(),
        route("POST", "/api/documents/{id}/vu", Medical, "Marquer vu un document reçu (« vu par Dr X le … », tracé); un second visa garde le premier", post(documents::marquer_vu)).ok::<Vu>(),
        route("GET", "/api/patients/{id}/vus", Medical, "Qui a vu chacun des documents reçus du patient, et quand", get(documents::vus)).ok::<Vec<Vu>>(),
        route("POST", "/api/documents/{id}/dmp", Medical, "Envoyer au DMP (TD2.1, mode indirect, avec la signature XAdES) un document produit et signé au cabinet : seulement pour une INS qualifiée et sans opposition du patient dans l'épisode en cours ; l'état d'envoi DMP du document dit l'issue", post(dmp::alimenter)).ok::<DocumentMeta>(),
        route("POST", "/api/documents/{id}/mss", Medical, "Envoyer par la messagerie sécurisée de santé un document CDA signé au cabinet (LGC.MDV.01) : un message par patient, le document en IHE_XDM.ZIP et en PDF, depuis l'adresse MSSanté de l'appelant et en son nom (jeton Pro Santé Connect) ; mis en file (hors ligne ou non connecté à Pro Santé Connect : il part dès que possible), jamais envoyé deux fois ; l'état d'envoi MSSanté du document dit l'issue", post(mss::envoyer)).body::<EnvoiMss>().accepted::<DocumentMeta>(),
        route("DELETE", "/api/documents/{id}/dmp", Medical, "Supprimer du DMP (TD3.3c : erreur, demande du patient) ou, avec archiver=true, archiver (TD3.3d) un document envoyé par le cabinet ; supprimé, son état d'envoi DMP devient « retiré »", delete(dmp::retirer)).query(&[("archiver", false)]).ok::<DocumentMeta>(),
        route("GET", "/api/patients/{id}/dmp/documents", Medical, "Documents du DMP du patient (TD3.1) : consultés au nom du professionnel connecté par Pro Santé Connect, par le proxy e-santé ; approuvés et archivés, les plus récents d'abord, chacun marqué s'il est déjà dans le dossier ; seulement pour une INS qualifiée et le consentement recueilli", get(dmp::documents)).ok::<Vec<DocumentDuDmp>>(),
        route("POST", "/api/patients/{id}/dmp/documents", Medical, "Importer dans le dossier un document du DMP (TD3.2) : lu, vérifié comme étant celui du patient, jamais en double ; une version plus récente remplace l'ancienne, conservée", post(dmp::importer)).body::<ImportDmp>().created::<DocumentMeta>(),
        route("GET", "/api/patients/{id}/dica", Medical, "DICA : les quatre conditions d'accès au DMP (DMP accessible, INS qualifiée, consentement, authentification Pro Santé Connect), chacune avec son état et ce qui la remplit ; le DMP n'est interrogé (TD0.2) qu'une fois l'INS qualifiée et le consentement recueilli", get(dmp::dica)).ok::<Dica>(),
        route("GET", "/api/patients/{id}/dmp", Medical, "État du DMP du patient (TD0.2 : existence, ouverture, autorisation du professionnel, médecin traitant), demandé seulement pour une INS qualifiée et le consentement recueilli dans l'épisode en cours ; bris_de_glace=true : accès d'urgence sans consentement, signalé dans la trace", get(dmp::etat)).query(&[("bris_de_glace", false)]).ok::<EtatDmp>(),
        route("GET", "/api/patients/{id}/biologie", Medical, "Résultats de biologie du patient, et une ligne par analyse (la plus récente d'abord); q: ne garder que les analyses dont le nom, ou un synonyme usuel (kaliémie), contient ces mots", get(biologie::patient)).query(&[("q", false)]).ok::<BiologiePatient>(),
        route("GET", "/api/patients/{id}/biologie/tendance/{code}", Medical, "Une analyse sur une courbe selon le JDV Circuit de la biologie: unité du JDV, correspondance masse/moles convertie par son facteur, préfixes UCUM convertis, avertissement de comparabilité, résultats écartés et pourquoi", get(biologie::tendance)).ok::<TendanceBiologie>(),
        route("GET", "/api/biologie/jdv", Medical, "Le JDV Circuit de la biologie en usage (extrait embarqué ou fichier chargé)", get(biologie::jdv)).ok::<JdvEnUsage>(),
        route("POST", "/api/biologie/jdv", Admin, "Charger le fichier officiel du JDV Circuit de la biologie (.xlsx en base64): colonnes trouvées par leur en-tête; gardé et utilisé dès maintenant; un fichier qui n'est pas le JDV est refusé", post(biologie::importer_jdv)).body::<FichierJdv>().limit(MAX_DOCUMENT_BODY_BYTES).ok::<JdvEnUsage>(),
        route("POST", "/api/patients/{id}/documents/recus", Medical, "Enregistrer au dossier un document reçu (CDA R2 ou IHE_XDM.ZIP en base64), sous son identité CDA: un second exemplaire est refusé, une version plus récente remplace l'ancienne (conservée, marquée remplacée)", post(documents::recevoir)).body::<DocumentARecevoir>().limit(MAX_DOCUMENT_BODY_BYTES).created::<DocumentMeta>(),
        route("POST", "/api/patients/{id}/documents/integration/apercu", Medical, "Les propositions d'un document reçu (problèmes, allergies, traitements, vaccinations, mesures) à côté du dossier, chacune marquée déjà présente ou non; rien n'est enregistré", post(documents::integration_apercu)).body::<DocumentARecevoir>().limit(MAX_DOCUMENT_BODY_BYTES).ok::<ApercuIntegration>(),
        route("POST", "/api/patients/{id}/documents/integration", Medical, "Intégrer au dossier les propositions choisies d'un document reçu: rien de ce que le dossier contient n'est remplacé, chaque élément garde son document source; tracé", post(documents::integration)).body::<DemandeIntegration>().limit(MAX_DOCUMENT_BODY_BYTES).ok::<IntegrationFaite>(),
        route("POST", "/api/documents/lecture", Medical, "Lire un document reçu (CDA R2 ou IHE_XDM.ZIP en base64) sans l'enregistrer: en-tête, PDF joint, sections; la lecture est tracée", post(documents::lecture)).body::<DocumentARecevoir>().limit(MAX_DOCUMENT_BODY_BYTES).ok::<DocumentLu>(),
        route("POST", "/api/datamatrix", Medical, "Lire le DataMatrix GS1 d'une boîte de médicament sur une photo ou un scan (PNG ou JPEG en base64): la chaîne que taperait un lecteur 2D", post(documents::datamatrix)).body::<ImageBoite>().limit(MAX_DOCUMENT_BODY_BYTES).ok::<TexteLu>(),
        route("GET", "/api/documents/{id}/form", Medical, "Le formulaire dont un document produit ici a été signé (module et valeurs), pour le corriger", get(documents::formulaire_signe)).ok::<FormulaireSigne>(),
        route("GET", "/api/documents/{id}/pdf", Medical, "Le PDF d'un document (celui d'un CDA N1, la copie PDF d'un CDA N3)", get(documents::pdf)).bytes(Some("application/pdf")),
        route("GET", "/api/documents/{id}", Medical, "Un document et son contenu (base64)", get(record::document)).ok::<DocumentAvecContenu>(),
        route("GET", "/api/documents/{id}/content", Medical, "Le contenu brut d'un document", get(record::document_content)).bytes(None),
        route("POST", "/api/documents/{id}/versions", Medical, "Nouvelle version d'un document (remplace la précédente)", post(record::replace_document)).body::<NouveauDocument>().limit(MAX_DOCUMENT_BODY_BYTES).created::<DocumentMeta>(),
        route("DELETE", "/api/documents/{id}", Medical, "Supprimer un document (conservé, marqué)", delete(record::delete_document)).ok::<DocumentMeta>(),
        route("PUT", "/api/documents/{id}/sending", Medical, "État d'envoi DMP ou MSSanté", put(record::set_sending)).body::<EtatEnvoi>().ok::<DocumentMeta>(),
        route("PUT", "/api/documents/{id}/visibility", Medical, "Visibilité du document", put(record::set_visibility)).body::<Visibility>().ok::<DocumentMeta>(),
    ]
}
