//! Mutation check: each safeguard (runtime, accounts, roles, agenda) is broken in turn, in a copy of
//! the tree, and the test that guards it must then fail. A safeguard whose
//! test stays green is not really tested.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Mutant {
    what: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    test_target: &'static str,
    filter: &'static str,
}

const MUTANTS: &[Mutant] = &[
    Mutant {
        what: "agenda : Alt+↓ ne déplace pas le rendez-vous qui a le clavier",
        file: "ui-egui/src/agenda.rs",
        from: "d(quart, quart, 0)",
        to: "d(0, 0, 0)",
        test_target: "parcours",
        filter: "the_agenda_grid_books_a_clicked_slot_moves_a_dragged_block_and_the_keyboard_reaches_the_main_actions",
    },
    Mutant {
        what: "MSSanté: la session SMTP ne passe pas en TLS (le jeton PSC partirait en clair)",
        file: "host/mss/src/smtp.rs",
        from: "if let Err(e) = c.starttls(tls, &bonjour).await {",
        to: "if let Err(e) = async { drop(tls); Ok::<(), lettre::transport::smtp::Error>(()) }.await {",
        test_target: "dovecot",
        filter: "only_a_server_of_the_trusted_authority_over_encryption_is_spoken_to",
    },
    Mutant {
        what: "PSC: l'INSi d'un médecin connecté par PSC ne passe pas par le proxy e-santé",
        file: "host/app/src/qualification.rs",
        from: "let proxy = s.psc.as_ref().and_then(|p| p.passage(&actor.user_id));",
        to: "let proxy = None;",
        test_target: "psc",
        filter: "a_doctor_signed_in_with_psc_queries_the_insi_in_their_name_through_the_proxy",
    },
    Mutant {
        what: "proxy e-santé: un jeton échangé par requête (PSC sollicité à chaque appel)",
        file: "proxy/src/lib.rs",
        from: ".filter(|j| j.expire > Instant::now() + MARGE_RAFRAICHISSEMENT);",
        to: ".filter(|_| false);",
        test_target: "proxy",
        filter: "send_reaches_the_insi_in_the_professionals_name_with_a_certificate_bound_token",
    },
    Mutant {
        what: "proxy e-santé: une demande CIBA annulée continue d'interroger PSC",
        file: "proxy/src/lib.rs",
        from: "Ciba::EnAttente(tache) => tache.abort(),",
        to: "Ciba::EnAttente(tache) => drop(tache),",
        test_target: "proxy",
        filter: "a_cancelled_ciba_request_stops_polling_and_leaves_no_session",
    },
    Mutant {
        what: "PSC: l'expiration du mot de passe local retient une session ouverte par la carte",
        file: "host/app/src/psc.rs",
        from: "    fn par_mot_de_passe(&self) -> bool {\n        false\n    }",
        to: "    fn par_mot_de_passe(&self) -> bool {\n        true\n    }",
        test_target: "psc",
        filter: "a_doctor_signs_in_with_psc_is_linked_by_rpps_and_signed_out_with_it",
    },
    Mutant {
        what: "PSC: la liaison confirmée du compte n'est pas enregistrée",
        file: "host/app/src/psc.rs",
        from: "if !lie {",
        to: "if false && !lie {",
        test_target: "psc",
        filter: "a_doctor_signs_in_with_psc_is_linked_by_rpps_and_signed_out_with_it",
    },
    Mutant {
        what: "PSC: une session terminée par PSC laisse la session locale ouverte",
        file: "host/app/src/psc.rs",
        from: "Err(ErreurPsc::Proxy { code, .. }) if code == \"session\" => {",
        to: "Err(ErreurPsc::Proxy { code, .. }) if code == \"jamais\" => {",
        test_target: "psc",
        filter: "a_doctor_signs_in_with_psc_is_linked_by_rpps_and_signed_out_with_it",
    },
    Mutant {
        what: "PSC: une connexion sous eidas1 acceptée",
        file: "host/psc/src/jetons.rs",
        from: "if acr != ACR_EIDAS1 {",
        to: "if acr.is_empty() {",
        test_target: "oidc_provider",
        filter: "a_sign_in_below_eidas1_is_refused",
    },
    Mutant {
        what: "PSC: la réponse du navigateur acceptée sans comparer le state",
        file: "host/psc/src/code.rs",
        from: "RetourNavigateur::Code { code, etat } if meme_etat(&etat) => code,",
        to: "RetourNavigateur::Code { code, .. } => code,",
        test_target: "oidc_provider",
        filter: "a_cancelled_sign_in_and_a_forged_answer_are_refused",
    },
    Mutant {
        what: "PSC: le nonce du jeton d'identité n'est pas vérifié",
        file: "host/psc/src/jetons.rs",
        from: "Some(n) => id.claims(&verificateur, n),",
        to: "Some(_) => id.claims(&verificateur, |_: Option<&Nonce>| Ok(())),",
        test_target: "oidc_provider",
        filter: "an_id_token_of_another_audience_a_wrong_nonce_or_signature_is_refused",
    },
    Mutant {
        what: "structures: un compte atteint le patient d'une autre structure",
        file: "host/store/src/portee.rs",
        from: "Portee::Structure(s) => structure == Some(s.as_str()),",
        to: "Portee::Structure(_) => structure.is_some(),",
        test_target: "security",
        filter: "another_structure_reaches_nothing_of_this_one",
    },
    Mutant {
        what: "structures: la recherche montre les patients de toutes les structures",
        file: "host/store/src/search.rs",
        from: "&& structure.is_none_or(|s| e.structure == s)",
        to: "&& structure.is_none_or(|_| true)",
        test_target: "security",
        filter: "another_structure_reaches_nothing_of_this_one",
    },
    Mutant {
        what: "structures: un administrateur voit les comptes des autres structures",
        file: "host/app/src/comptes.rs",
        from: "comptes.retain(|u| actor.atteint(u.structure_id.as_deref()));",
        to: "comptes.retain(|_| true);",
        test_target: "security",
        filter: "another_structure_reaches_nothing_of_this_one",
    },
    Mutant {
        what: "structures: l'agenda montre les rendez-vous des autres structures",
        file: "host/store/src/agenda.rs",
        from: "AND ($5 = '' OR site_id IN (SELECT id FROM site WHERE structure_id = $5))",
        to: "AND ($5 = $5)",
        test_target: "security",
        filter: "another_structure_reaches_nothing_of_this_one",
    },
    Mutant {
        what: "structures: le tableau de bord compte les patients des autres structures",
        file: "host/store/src/indicateurs.rs",
        from: "AND ($3 = '' OR p.structure_id = $3)",
        to: "AND ($3 = $3)",
        test_target: "security",
        filter: "another_structure_reaches_nothing_of_this_one",
    },
    Mutant {
        what: "TLS mutuel: certificat de la structure expiré présenté quand même",
        file: "host/transport/src/identite.rs",
        from: "Validite::Expire | Validite::PasEncore => {",
        to: "Validite::PasEncore => {",
        test_target: "mutuel",
        filter: "without_a_valid_certificate_the_service_is_not_reached_and_the_user_is_told_why",
    },
    Mutant {
        what: "TLS: certificat du serveur accepté sans comparer l'empreinte épinglée",
        file: "host/transport/src/client.rs",
        from: "if e == self.attendue {",
        to: "if !e.is_empty() {",
        test_target: "tls",
        filter: "a_pinned_client_talks_to_its_host_and_refuses_any_other",
    },
    Mutant {
        what: "TLS: HTTP en clair servi au-delà de 127.0.0.1",
        file: "host/src/serveur.rs",
        from: "!addr.ip().is_loopback()",
        to: "addr.ip().is_multicast()",
        test_target: "tls",
        filter: "serve_beyond_this_machine_speaks_tls_with_a_pinnable_certificate",
    },
    Mutant {
        what: "intégration: un élément déjà au dossier ajouté une seconde fois",
        file: "host/app/src/reception.rs",
        from: "if c.deja_present.is_some() || deja_present(entree, &ajoutees).is_some() {",
        to: "if false {",
        test_target: "documents",
        filter: "a_received_synthese_is_integrated_item_by_item_without_overwriting",
    },
    Mutant {
        what: "biologie: un résultat déjà au dossier proposé comme nouveau",
        file: "host/app/src/reception.rs",
        from: ".find(|s| s.resultat.meme_que(&r))",
        to: ".find(|_| false)",
        test_target: "biologie",
        filter: "two_glycaemias_from_two_laboratories_share_one_converted_curve",
    },
    Mutant {
        what: "à voir: un document reçu visé reste dans la liste",
        file: "host/store/src/a_voir.rs",
        from: "AND id NOT IN (SELECT document_id FROM document_vu) ",
        to: "",
        test_target: "biologie",
        filter: "received_reports_wait_to_be_seen_until_a_doctor_signs_them_off",
    },
    Mutant {
        what: "JDV: facteur de conversion de la correspondance appliqué à l'envers",
        file: "biologie/src/tendance.rs",
        from: "(Some(f), Some(vers), _) if vers == loinc => Some(f),",
        to: "(Some(f), Some(vers), _) if vers == loinc => Some(1.0 / f),",
        test_target: "regles",
        filter: "two_glycaemias_in_g_per_litre_and_mmol_per_litre_share_one_curve",
    },
    Mutant {
        what: "JDV: niveau de comparabilité 2 sans avertissement",
        file: "biologie/src/tendance.rs",
        from: "if let Some(a) = c.avertissement() {",
        to: "if let Some(a) = None::<&str> {",
        test_target: "regles",
        filter: "level_2_warns_to_check_the_reference_ranges",
    },
    Mutant {
        what: "CDA reçu: corps lu sans limite du nombre d'éléments",
        file: "cda-lecture/src/arbre.rs",
        from: "if self.elements.len() >= ELEMENTS_MAX {",
        to: "if false {",
        test_target: "entrees",
        filter: "a_body_of_too_many_elements_is_refused",
    },
    Mutant {
        what: "CDA reçu: la réaction d'une allergie comptée comme un problème du dossier",
        file: "cda-lecture/src/entrees.rs",
        from: ".any(|p| matches!(a.nom(p), \"observation\" | \"substanceAdministration\")) =>",
        to: ".any(|_| false) =>",
        test_target: "entrees",
        filter: "a_synthese_medicale_gives_its_problems_allergy_treatments_vaccinations_and_measures",
    },
    Mutant {
        what: "CDA reçu: en-tête imbriqué sans limite de profondeur",
        file: "cda-lecture/src/entete.rs",
        from: "if stack.len() >= PROFONDEUR_EN_TETE_MAX {",
        to: "if stack.len() >= usize::MAX {",
        test_target: "hostile",
        filter: "a_header_nested_too_deep_is_refused",
    },
    Mutant {
        what: "historique: coordonnées remplacées sans contrôle de version",
        file: "host/store/src/record.rs",
        from: "if avant.version != version {",
        to: "if false {",
        test_target: "historique",
        filter: "every_version_is_kept_and_attributed_to_its_author",
    },
    Mutant {
        what: "historique: état antérieur à l'historique perdu à sa première modification",
        file: "host/store/src/historique.rs",
        from: "if deja.is_none() {",
        to: "if false {",
        test_target: "historique",
        filter: "a_state_older_than_the_history_is_kept_at_its_first_change",
    },
    Mutant {
        what: "historique: versions effaçables (SQLite)",
        file: "migrations/sqlite/0012_historique.sql",
        from: "CREATE TRIGGER version_historique_no_delete BEFORE DELETE ON version_historique\n",
        to: "CREATE TRIGGER version_historique_no_delete BEFORE DELETE ON version_historique WHEN 0\n",
        test_target: "historique",
        filter: "the_database_refuses_to_rewrite_the_history",
    },
    Mutant {
        what: "ancrage: empreinte ancrée non comparée (chaîne recalculée admise)",
        file: "host/app/src/ancrage.rs",
        from: "Some(h) if h != ancre.hash =>",
        to: "Some(h) if h.is_empty() =>",
        test_target: "ancrage",
        filter: "a_recomputed_chain_is_found_by_the_anchors",
    },
    Mutant {
        what: "ancrage: signature des ancres non vérifiée",
        file: "host/app/src/ancrage.rs",
        from: "if !cle.verifie(&octets, &ancre.signature) {",
        to: "if ancre.signature.is_empty() {",
        test_target: "ancrage",
        filter: "a_forged_anchor_is_refused",
    },
    Mutant {
        what: "ancrage: événement ancré absent pris pour le précédent (queue coupée admise)",
        file: "host/store/src/audit.rs",
        from: "sqlx::query(\"SELECT hash FROM audit_event WHERE seq = $1\")",
        to: "sqlx::query(\"SELECT hash FROM audit_event WHERE seq <= $1 ORDER BY seq DESC LIMIT 1\")",
        test_target: "ancrage",
        filter: "a_cut_tail_or_an_emptied_trail_is_found_by_the_anchors",
    },
    Mutant {
        what: "journal d'audit: TRUNCATE accepté sur PostgreSQL",
        file: "migrations/postgres/0011_audit_truncate.sql",
        from: "BEFORE TRUNCATE ON audit_event",
        to: "BEFORE UPDATE ON audit_event",
        test_target: "patients",
        filter: "tampering_with_the_audit_trail_is_detected",
    },
    Mutant {
        what: "import: document rangé sous un autre patient",
        file: "host/store/src/portability.rs",
        from: "if d.patient_id != p.id {",
        to: "if false {",
        test_target: "import",
        filter: "an_export_file_is_checked_like_an_api_write",
    },
    Mutant {
        what: "import: identité reprise telle quelle (INS et statut compris)",
        file: "host/store/src/portability.rs",
        from: "identity: Identity::saisie(new, None, today)?,",
        to: "identity: Identity::saisie(new, None, today).map(|_| p.identity.clone())?,",
        test_target: "import",
        filter: "an_export_file_is_checked_like_an_api_write",
    },
    Mutant {
        what: "import: entrée d'archive décompressée sans plafond",
        file: "host/app/src/export.rs",
        from: "if buf.len() as u64 > ENTREE_MAX {",
        to: "if false {",
        test_target: "import",
        filter: "an_export_file_is_checked_like_an_api_write",
    },
    Mutant {
        what: "comptes: un administrateur se retire ses propres droits",
        file: "host/app/src/comptes.rs",
        from: "if id == caller.user.id && changes",
        to: "if false && changes",
        test_target: "api",
        filter: "the_application_rules_refuse_in_french_and_write_nothing",
    },
    Mutant {
        what: "INSi: réponse imbriquée sans limite de profondeur",
        file: "host/insi/src/tree.rs",
        from: "if stack.len() > PROFONDEUR_MAX {",
        to: "if false {",
        test_target: "limites",
        filter: "a_deep_answer_is_refused_without_overflowing_the_stack",
    },
    Mutant {
        what: "services nationaux (INSi, DMP): réponse lue sans limite de taille (sans longueur annoncée)",
        file: "host/app/src/service.rs",
        from: "if body.len() > max {",
        to: "if false {",
        test_target: "insi_limites",
        filter: "an_endless_answer_is_cut_off_with_a_french_error",
    },
    Mutant {
        what: "modules: retour à une version plus ancienne accepté",
        file: "host/runtime/src/lib.rs",
        from: "&& m.version < installee",
        to: "&& false",
        test_target: "versions",
        filter: "an_older_version_is_refused_unless_asked",
    },
    Mutant {
        what: "premier démarrage: Host et Origin non vérifiés",
        file: "host/src/api/accounts.rs",
        from: ".is_some_and(|v| !v.to_str().is_ok_and(boucle_locale))",
        to: ".is_some_and(|_| false)",
        test_target: "installation",
        filter: "only_the_hosts_own_window_creates_the_practice",
    },
    Mutant {
        what: "premier démarrage: code à usage unique non vérifié",
        file: "host/src/api/accounts.rs",
        from: "if ailleurs || !code.accepte(&i.code) {",
        to: "if ailleurs {",
        test_target: "installation",
        filter: "only_the_hosts_own_window_creates_the_practice",
    },
    Mutant {
        what: "bac à sable: nombre de mémoires linéaires sans plafond",
        file: "host/runtime/src/state.rs",
        from: "self.max_memories",
        to: "usize::MAX",
        test_target: "containment",
        filter: "the_count_of_memories_instances_and_tables_is_capped",
    },
    Mutant {
        what: "pdf: mise en page rendue sans bornes (hors délai et plafond du module)",
        file: "host/runtime/src/capacites/pdf.rs",
        from: "    borner(layout)?;",
        to: "    Ok::<(), Error>(())?;",
        test_target: "containment",
        filter: "a_layout_too_large_to_render_is_refused_before_the_host_renders_it",
    },
    Mutant {
        what: "bac à sable: instance gardée d'un appel (d'un patient) à l'autre",
        file: "host/runtime/src/plugin.rs",
        from: "drop(slot.take());",
        to: "drop(slot.as_ref());",
        test_target: "containment",
        filter: "nothing_a_plugin_keeps_reaches_the_next_call",
    },
    Mutant {
        what: "API: version parlée par le composant non vérifiée",
        file: "host/runtime/src/lib.rs",
        from: "if !m.api.matches(&version) {",
        to: "if false {",
        test_target: "versions",
        filter: "a_manifest_must_name_the_version_its_component_speaks",
    },
    Mutant {
        what: "capacités: monde du manifeste non vérifié",
        file: "host/runtime/src/capacites/mod.rs",
        from: "if !mondes(cap).contains(&manifest.world) {",
        to: "if false {",
        test_target: "versions",
        filter: "a_capability_outside_its_world_is_refused",
    },
    Mutant {
        what: "API 0.1.0: valeurs préremplies typées sans le schéma du module",
        file: "host/runtime/src/wit/since_v0_1_0.rs",
        from: "Ok(values) => Ok(typed_values(&schema, values)),",
        to: "Ok(values) => Ok(typed_values(&[], values)),",
        test_target: "versions",
        filter: "plugins_of_both_versions_run_side_by_side",
    },
    Mutant {
        what: "travaux: annulation d'un travail en cours",
        file: "host/store/src/outbox.rs",
        from: "WHERE id = $2 AND done_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $1)\")",
        to: "WHERE id = $2 AND done_at IS NULL\")",
        test_target: "travaux",
        filter: "jobs_show_their_state_and_cancel_only_while_waiting",
    },
    Mutant {
        what: "INS: échéance de vérification du module ignorée",
        file: "host/app/src/qualification.rs",
        from: "r.verification_due(status, ins.as_ref(), last, today)",
        to: "Ok::<bool, esculape_runtime::CallError>(true)",
        test_target: "qualification",
        filter: "opening_a_file_qualifies_in_the_background",
    },
    Mutant {
        what: "capacités: contrôle de l'autorisation supprimé",
        file: "host/runtime/src/state.rs",
        from: "if self.plugin.grants.contains(&cap) {",
        to: "if true {",
        test_target: "containment",
        filter: "undeclared_capability_is_denied_with_a_typed_error",
    },
    Mutant {
        what: "mémoire: plafond ignoré",
        file: "host/runtime/src/state.rs",
        from: "if desired > self.max_bytes {",
        to: "if false {",
        test_target: "containment",
        filter: "memory_bomb_hits_the_cap",
    },
    Mutant {
        what: "délai: échéance d'appel repoussée à l'infini",
        file: "host/runtime/src/plugin.rs",
        from: "live.store.set_epoch_deadline(self.deadline_ticks());",
        to: "live.store.set_epoch_deadline(u64::MAX / 2);",
        test_target: "containment",
        filter: "infinite_loop_is_stopped_at_the_deadline",
    },
    Mutant {
        what: "paquet: empreinte sha256 non vérifiée",
        file: "registry/src/lib.rs",
        from: "if !found.eq_ignore_ascii_case(&self.manifest.sha256) {",
        to: "if false {",
        test_target: "containment",
        filter: "tampered_byte_is_refused",
    },
    Mutant {
        what: "paquet: signature non vérifiée",
        file: "registry/src/lib.rs",
        from: "key.verify_strict(&self.manifest_bytes, &sig)",
        to: "Ok::<(), ed25519_dalek::SignatureError>(())",
        test_target: "packages",
        filter: "altered_manifest_is_refused",
    },
    Mutant {
        what: "installation: politique de capacités ignorée",
        file: "host/runtime/src/lib.rs",
        from: "if let Some(capability) = self.policy.refused_capability(m) {",
        to: "if let Some(capability) = None::<esculape_registry::Capability> {",
        test_target: "containment",
        filter: "capability_not_granted_by_policy_is_refused",
    },
    Mutant {
        what: "installation: version d'API non vérifiée",
        file: "host/runtime/src/lib.rs",
        from: "let api = wit::select(&m.api).ok_or_else(",
        to: "let api = wit::SUPPORTED.first().ok_or_else(",
        test_target: "containment",
        filter: "unsupported_api_version_is_refused",
    },
    Mutant {
        what: "WASI: environnement de l'hôte transmis",
        file: "host/runtime/src/state.rs",
        from: ".wall_clock(FrozenWallClock)",
        to: ".wall_clock(FrozenWallClock).inherit_env()",
        test_target: "containment",
        filter: "no_filesystem_environment_or_network",
    },
    Mutant {
        what: "résultat: taille non plafonnée",
        file: "host/runtime/src/plugin.rs",
        from: "if bytes > limit {",
        to: "if false {",
        test_target: "containment",
        filter: "huge_output_is_refused",
    },
    Mutant {
        what: "rôles: contrôle du rôle par route supprimé",
        file: "host/src/api/mod.rs",
        from: "if !g.access.roles().contains(&caller.user.role) {",
        to: "if false {",
        test_target: "security",
        filter: "every_route_enforces_its_roles",
    },
    Mutant {
        what: "comptes: verrouillage après échecs supprimé",
        file: "host/store/src/accounts.rs",
        from: "let lock = failed >= max_failures;",
        to: "let lock = false;",
        test_target: "security",
        filter: "account_life_cycle_is_policed_and_traced",
    },
    Mutant {
        what: "sessions: expiration ignorée",
        file: "host/app/src/auth/mod.rs",
        from: "if s.expires_at <= now || !s.user.active {",
        to: "if !s.user.active {",
        test_target: "security",
        filter: "account_life_cycle_is_policed_and_traced",
    },
    Mutant {
        what: "mots de passe: politique non appliquée à la création",
        file: "host/app/src/auth/mod.rs",
        from: "PasswordPolicy::for_role(new.compte.role).check(&new.compte.login, &new.password)?;",
        to: "",
        test_target: "security",
        filter: "account_life_cycle_is_policed_and_traced",
    },
    Mutant {
        what: "comptes: bon mot de passe accepté pendant le verrouillage",
        file: "host/store/src/accounts.rs",
        from: "} else if locked_until.is_some_and(|u| u > nouvelle.now) {",
        to: "} else if false {",
        test_target: "auth",
        filter: "parallel_wrong_passwords_on_two_hosts_lock_the_account",
    },
    Mutant {
        what: "connexion: identifiant inconnu répondu sans calcul (plus rapide)",
        file: "host/app/src/auth/mod.rs",
        from: "        mot_de_passe::verifier(&auth.limites, password, None).await?;",
        to: "",
        test_target: "auth",
        filter: "every_refusal_looks_and_costs_the_same",
    },
    Mutant {
        what: "connexion: pas de limite par adresse",
        file: "host/app/src/auth/limites.rs",
        from: "if let Some(ip) = adresse {",
        to: "if let Some(ip) = None::<IpAddr> {",
        test_target: "auth",
        filter: "login_attempts_are_rate_limited_per_login_and_per_address",
    },
    Mutant {
        what: "connexion: file d'attente du hachage sans borne",
        file: "host/app/src/auth/limites.rs",
        from: "if self.en_attente.fetch_add(1, Ordering::SeqCst) >= ATTENTE_MAX {",
        to: "if self.en_attente.fetch_add(1, Ordering::SeqCst) >= usize::MAX {",
        test_target: "auth",
        filter: "a_thousand_concurrent_logins_keep_hashing_bounded",
    },
    Mutant {
        what: "mots de passe: réinitialisation sans changement forcé (secrétaire)",
        file: "host/domain/src/account.rs",
        from: "changed_at_ms == Self::A_CHANGER",
        to: "false",
        test_target: "auth",
        filter: "password_changes_end_the_other_sessions",
    },
    Mutant {
        what: "mots de passe: les autres sessions survivent au changement",
        file: "host/store/src/accounts.rs",
        from: "WHERE user_id = $1 AND token_hash <> $2\")",
        to: "WHERE user_id = $1 AND token_hash <> $2 AND 1 = 0\")",
        test_target: "auth",
        filter: "password_changes_end_the_other_sessions",
    },
    Mutant {
        what: "identité: INS ou provenance INSi acceptées de la saisie",
        file: "host/domain/src/identity.rs",
        from: "|| (new.from_insi && !from_insi)",
        to: "&& false",
        test_target: "security",
        filter: "an_identity_is_qualified_only_through_the_insi",
    },
    Mutant {
        what: "identité: traits stricts changés sans retirer l'INS",
        file: "host/domain/src/identity.rs",
        from: "Some(a) if a.from_insi && traits(a) != traits(&v) => {",
        to: "Some(a) if a.from_insi && false => {",
        test_target: "security",
        filter: "an_identity_is_qualified_only_through_the_insi",
    },
    Mutant {
        what: "identité: date de vérification INSi gardée quand l'INS change",
        file: "host/store/src/patients.rs",
        from: "let verifie_le = if before.identity.ins == identity.ins {",
        to: "let verifie_le = if true {",
        test_target: "security",
        filter: "an_identity_is_qualified_only_through_the_insi",
    },
    Mutant {
        what: "fichiers: base SQLite créée avec les droits par défaut",
        file: "host/store/src/db.rs",
        from: "            if !path.exists() {",
        to: "            if false {",
        test_target: "fichiers",
        filter: "the_home_the_database_and_exports_are_private",
    },
    Mutant {
        what: "agenda: double réservation acceptée",
        file: "host/store/src/agenda.rs",
        from: "if Some(a.id.as_str()) != except {",
        to: "if false {",
        test_target: "record",
        filter: "agenda_without_double_booking_and_waiting_room",
    },
    Mutant {
        what: "premier démarrage: comptes créés même une fois le cabinet installé",
        file: "host/store/src/accounts.rs",
        from: "            return Err(StoreError::DejaInstalle);",
        to: "            tracing::debug!(\"déjà installé\");",
        test_target: "installation",
        filter: "first_start_creates_the_practice_once",
    },
    Mutant {
        what: "premier démarrage: annoncé ouvert sur un hôte servi",
        file: "host/src/api/accounts.rs",
        from: "a_creer: s.premier_demarrage.is_some() && s.sans_compte().await?,",
        to: "a_creer: s.sans_compte().await?,",
        test_target: "installation",
        filter: "a_served_host_never_creates_a_practice",
    },
    Mutant {
        what: "OpenAPI: statut d'une création décrit comme 200",
        file: "host/src/api/routes.rs",
        from: "post(patients::create)).body::<NewIdentity>().created::<PatientRecord>()",
        to: "post(patients::create)).body::<NewIdentity>().ok::<PatientRecord>()",
        test_target: "api",
        filter: "patients_crud_errors_write_nothing",
    },
    Mutant {
        what: "OpenAPI: type de réponse d'une route qui ne suit pas le gestionnaire",
        file: "host/src/api/routes.rs",
        from: "get(patients::read)).ok::<PatientRecord>()",
        to: "get(patients::read)).ok::<Chart>()",
        test_target: "security",
        filter: "an_identity_is_qualified_only_through_the_insi",
    },
    Mutant {
        what: "sauvegarde: phrase de passe faible acceptée",
        file: "host/store/src/backup.rs",
        from: "        esculape_domain::account::check_backup_passphrase(passphrase)?;\n",
        to: "",
        test_target: "backup",
        filter: "the_key_derivation_travels_with_the_backup",
    },
    Mutant {
        what: "sauvegarde: paramètres de dérivation de l'en-tête acceptés sans bornes",
        file: "host/store/src/backup.rs",
        from: "(Self::V1.m_kib..=1024 * 1024).contains(&kdf.m_kib)",
        to: "true",
        test_target: "backup",
        filter: "the_key_derivation_travels_with_the_backup",
    },
    Mutant {
        what: "DMP: interrogé sans le consentement du patient",
        file: "host/app/src/dmp.rs",
        from: "if !p.consenti && !bris_de_glace {",
        to: "if false {",
        test_target: "dmp",
        filter: "the_dmp_is_asked_only_for_a_qualified_ins_with_consent_and_tells_what_the_dica_needs",
    },
    Mutant {
        what: "DMP: un document envoyé deux fois",
        file: "host/app/src/dmp.rs",
        from: "if meta.dmp_state == SendingState::Envoye {",
        to: "if false {",
        test_target: "dmp",
        filter: "a_signed_document_feeds_the_dmp_once_with_its_signature_and_its_state_says_how_it_went",
    },
    Mutant {
        what: "DMP: alimenté malgré l'opposition du patient",
        file: "host/app/src/dmp.rs",
        from: "        if p.opposition {",
        to: "        if false {",
        test_target: "dmp",
        filter: "a_signed_document_feeds_the_dmp_once_with_its_signature_and_its_state_says_how_it_went",
    },
    Mutant {
        what: "bac à sable DMP: consultation acceptée en mode indirect",
        file: "sandbox/src/dmp.rs",
        from: "(vihf::ModeAuthentification::Indirecte, _) => {",
        to: "(vihf::ModeAuthentification::Indirecte, Some(_)) => {",
        test_target: "bac_dmp",
        filter: "a_fed_document_is_found_and_retrieved_in_a_professional_s_name_only",
    },
    Mutant {
        what: "DMP: consultation du DMP par le certificat de la structure, sans le professionnel (PSC)",
        file: "host/app/src/dmp.rs",
        from: "let passage = self.psc.as_ref().and_then(|c| c.passage(&actor.user_id));",
        to: "let passage: Option<PassageProxy> = None;",
        test_target: "psc",
        filter: "a_doctor_signed_in_with_psc_lists_the_patient_s_dmp_and_imports_a_document_once",
    },
    Mutant {
        what: "DMP: document du DMP lu comme l'enveloppe SOAP, pas comme sa partie MTOM",
        file: "host/dmp/src/td32.rs",
        from: "let octets = match cid {",
        to: "let octets = match None::<String> {",
        test_target: "contrat",
        filter: "the_published_answers_are_read",
    },
    Mutant {
        what: "c14n exclusive: attributs non triés (signatures du VIHF fausses)",
        file: "host/dmp/src/c14n.rs",
        from: "tries.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));",
        to: "tries.reverse();",
        test_target: "contrat",
        filter: "our_exclusive_c14n_is_lxml_s_on_every_official_message",
    },
    Mutant {
        what: "bac à sable DMP: VIHF d'un médecin sans spécialité accepté",
        file: "sandbox/src/dmp.rs",
        from: "Some(p) if p.code == \"10\" && !specialite => {",
        to: "Some(p) if p.code == \"jamais\" && !specialite => {",
        test_target: "bac_dmp",
        filter: "td02_answers_pass_the_schemas_and_bad_vihfs_are_refused",
    },
    Mutant {
        what: "DMP: la correction d'un document envoyé s'ajoute au lieu de le remplacer (RPLC)",
        file: "host/app/src/dmp.rs",
        from: "Some(p) if p.dmp_state == esculape_domain::document::SendingState::Envoye => {",
        to: "Some(p) if false => {",
        test_target: "dmp",
        filter: "a_signed_document_feeds_the_dmp_once_with_its_signature_and_its_state_says_how_it_went",
    },
    Mutant {
        what: "DMP: suppression demandée pour un document qui n'y est pas",
        file: "host/app/src/dmp.rs",
        from: "if meta.dmp_state != SendingState::Envoye {",
        to: "if false {",
        test_target: "dmp",
        filter: "a_signed_document_feeds_the_dmp_once_with_its_signature_and_its_state_says_how_it_went",
    },
    Mutant {
        what: "DMP: un ordre d'envoi abandonné quand le DMP est injoignable",
        file: "host/app/src/dmp.rs",
        from: "Self::Delai(_) | Self::Indisponible(_) | Self::Reseau(_) => true,",
        to: "Self::Delai(_) | Self::Indisponible(_) | Self::Reseau(_) => false,",
        test_target: "dmp",
        filter: "a_signed_document_leaves_for_the_dmp_after_the_delay_in_the_background_once_even_when_the_dmp_was_down",
    },
    Mutant {
        what: "DMP: un ordre d'envoi parti sans attendre le délai de correction",
        file: "host/store/src/outbox.rs",
        from: ".bind(now + t.differe_ms.max(0))",
        to: ".bind(now)",
        test_target: "dmp",
        filter: "a_signed_document_leaves_for_the_dmp_after_the_delay_in_the_background_once_even_when_the_dmp_was_down",
    },
    Mutant {
        what: "DMP: la version corrigée pendant le délai part avec la première",
        file: "host/store/src/documents.rs",
        from: "substr(kind, 1, 4) = 'dmp.' AND payload = $2",
        to: "substr(kind, 1, 4) = 'dmp.' AND payload = $2 AND 1 = 0",
        test_target: "dmp",
        filter: "a_signed_document_leaves_for_the_dmp_after_the_delay_in_the_background_once_even_when_the_dmp_was_down",
    },
    Mutant {
        what: "MSSanté: un envoi qui attendait Pro Santé Connect n'est pas réveillé par la connexion",
        file: "host/app/src/psc.rs",
        from: "if self.store.reveiller_travaux(\"mss.\").await? > 0 {",
        to: "if false {",
        test_target: "mss",
        filter: "a_signed_letter_waits_for_psc_then_leaves_once_by_mssante_and_the_correspondent_reads_it",
    },
    Mutant {
        what: "CSE: un CS9 signé ne part pas d'office vers la plateforme (LGC.CSE.15)",
        file: "host/domain/src/document.rs",
        from: "\"urn:asip:ci-sis:cse-cs9:2017\" | \"urn:asip:ci-sis:cse-cs24:2017\" => {",
        to: "\"urn:asip:ci-sis:cse-cs24:2017\" => {",
        test_target: "documents",
        filter: "produce_preview_sign_correct_on_both_databases",
    },
    Mutant {
        what: "Annuaire Santé: les adresses d'un type non demandé restent dans les résultats",
        file: "host/annuaire/src/lib.rs",
        from: "r.boites.retain(|b| b.type_bal == Some(t));",
        to: "r.boites.retain(|b| b.type_bal.is_some() || Some(t).is_some());",
        test_target: "annuaire",
        filter: "a_secretary_finds_the_right_correspondent_and_keeps_the_address_chosen_in_the_care_team",
    },
    Mutant {
        what: "MSSanté: une nouvelle version reçue remplace l'ancienne sans attendre la confirmation du médecin (LGC.MSS/UX.05)",
        file: "host/app/src/messagerie.rs",
        from: "&& v < i64::from(version)",
        to: "&& false",
        test_target: "mss",
        filter: "received_reports_are_integrated_once_matched_by_traits_replaced_and_deleted_on_the_doctors_word",
    },
];

/// Copy the tracked (and new, not ignored) files of the tree.
fn copy_tree(root: &Path, dest: &Path) -> anyhow::Result<()> {
    let out = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .context("git ls-files")?;
    if !out.status.success() {
        bail!("git ls-files: {}", String::from_utf8_lossy(&out.stderr));
    }
    let _ = std::fs::remove_dir_all(dest);
    for rel in out.stdout.split(|b| *b == 0).filter(|s| !s.is_empty()) {
        let rel = PathBuf::from(String::from_utf8_lossy(rel).into_owned());
        // Scaffold checks or other tools may leave files around: skip them.
        let src = root.join(&rel);
        if !src.is_file() {
            continue;
        }
        let to = dest.join(&rel);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(&src, &to)?;
    }
    // The copy sits beside the real tree's shared/ only through this link.
    let shared = root.join("../shared");
    if shared.exists() {
        let link = dest.parent().map(|p| p.join("shared"));
        if let Some(link) = link
            && !link.exists()
        {
            #[cfg(unix)]
            std::os::unix::fs::symlink(shared.canonicalize()?, &link)?;
        }
    }
    Ok(())
}

/// Run a command in its own process group; kill the whole group on timeout.
/// Returns Some(success) or None on timeout.
fn run_with_timeout(mut cmd: Command, limit: Duration) -> anyhow::Result<Option<bool>> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status.success()));
        }
        if start.elapsed() > limit {
            let _ = Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Removes the copy a mutants run cut short left behind (see [`run`]).
pub fn oublier_copie(root: &Path) {
    let _ = std::fs::remove_dir_all(crate::target_dir(root).join("mutants").join("tree"));
}

/// Returns the number of mutants killed (all of them, or an error).
pub fn run(root: &Path) -> anyhow::Result<u64> {
    let base = crate::target_dir(root).join("mutants");
    let tree = base.join("tree");
    copy_tree(root, &tree)?;
    // The copy builds into the shared target folder, where cargo names a
    // workspace crate's artifacts the same whatever its checkout: its
    // fingerprints then point at the copy's files. The copy must go when
    // the check ends, so that the next build of the real tree finds those
    // files missing and rebuilds, rather than taking the copy's (possibly
    // older) crates as fresh.
    let _remove = RemoveOnDrop(tree.clone());
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut survivors = Vec::new();
    // A subset while working on a guard: the mutants whose description
    // holds this text (all of them in CI).
    let filtre = std::env::var("ESCULAPE_MUTANTS_FILTRE").unwrap_or_default();
    let choisis: Vec<&Mutant> = MUTANTS
        .iter()
        .filter(|m| m.what.contains(&filtre))
        .collect();
    for m in choisis.iter().copied() {
        let path = tree.join(m.file);
        let original = std::fs::read_to_string(&path)?;
        if original.matches(m.from).count() != 1 {
            bail!(
                "mutant «{}»: motif introuvable ou ambigu dans {}",
                m.what,
                m.file
            );
        }
        std::fs::write(&path, original.replacen(m.from, m.to, 1))?;
        // `--workspace` keeps the feature resolution of the main test run,
        // so that heavy dependencies are not rebuilt for a narrower set.
        let test_args = ["test", "--workspace", "--test", m.test_target];
        // Compile first, without a time limit, so that only the test run is timed.
        let built = Command::new(&cargo)
            .args(test_args)
            .arg("--no-run")
            .current_dir(&tree)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        let verdict = if !built.success() {
            Some(false)
        } else {
            let mut cmd = Command::new(&cargo);
            cmd.args(test_args)
                .args(["--", "--exact", m.filter])
                .current_dir(&tree);
            run_with_timeout(cmd, Duration::from_secs(45))?
        };
        std::fs::write(&path, original)?;
        match verdict {
            Some(true) => {
                println!("mutant SURVIVANT: {} ({})", m.what, m.filter);
                survivors.push(m.what);
            }
            Some(false) => println!("mutant tué: {} ({})", m.what, m.filter),
            None => println!(
                "mutant tué (délai de test dépassé): {} ({})",
                m.what, m.filter
            ),
        }
    }
    if !survivors.is_empty() {
        bail!(
            "{} mutant(s) survivant(s): {}",
            survivors.len(),
            survivors.join("; ")
        );
    }
    Ok(choisis.len() as u64)
}
