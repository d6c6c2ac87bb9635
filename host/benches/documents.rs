//! Document production benchmark: the median time from sign-off to CDA +
//! PDF/A + XDS metadata + IHE_XDM.ZIP ready and stored (SQLite), and the
//! share of the plugin boundary in it: the generic N1 plugin called through
//! the runtime against the same plugin code compiled natively and called
//! directly, side by side, with the same PDF renderer.
//!
//! `cargo bench -p esculape-host --bench documents` measures. Under `cargo
//! test` each case runs once and the native and plugin documents are
//! compared (no timing asserted).

use esculape_domain::{BirthDate, Identity, Ins, Justificatif, NewIdentity, Sex};
use esculape_host::api::AppState;
use esculape_host::documents::{self, DemandeDocument};
use esculape_runtime::CallContext;
use esculape_runtime::model as host_dt;
use esculape_sdk::document::esculape::host::{
    pdf as guest_pdf, record_read as guest_rr, types as guest,
};
use esculape_sdk::document::exports::esculape::plugin::document_type as guest_dt;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PLUGIN: &str = "fr.esculape.doc.generique";

fn median(rounds: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut v: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn corps() -> String {
    "Patiente vue pour le suivi de son diabète de type 2, équilibré sous metformine. Examen clinique sans particularité; tension 12/8, poids stable.\n\n".repeat(12)
}

/// The same context and form, as the guest (native) code sees them.
fn guest_inputs(
    ctx: &host_dt::Context,
) -> (guest_dt::Context, guest_rr::Patient, Vec<guest::FormValue>) {
    let c = |x: &esculape_runtime::model::Coded| guest::Coded {
        code: x.code.clone(),
        code_system: x.code_system.clone(),
        code_system_name: x.code_system_name.clone(),
        display: x.display.clone(),
    };
    let gctx = guest_dt::Context {
        author_rpps: ctx.author_rpps.clone(),
        author_given: ctx.author_given.clone(),
        author_family: ctx.author_family.clone(),
        author_profession: c(&ctx.author_profession),
        author_specialty: c(&ctx.author_specialty),
        organization_id: ctx.organization_id.clone(),
        organization_name: ctx.organization_name.clone(),
        facility_type: c(&ctx.facility_type),
        practice_setting: c(&ctx.practice_setting),
        document_id: ctx.document_id.clone(),
        set_id: ctx.set_id.clone(),
        version_number: ctx.version_number,
        effective_time: guest::Timestamp {
            unix_millis: ctx.effective_time.unix_millis,
            utc_offset_minutes: ctx.effective_time.utc_offset_minutes,
        },
    };
    // The fixture record's patient (adult_corsican), as the guest sees it.
    let patient = guest_rr::Patient {
        id: "pat-adrtrois".into(),
        traits: guest::IdentityTraits {
            birth_name: "ADRTROIS".into(),
            used_name: None,
            birth_first_names: vec!["DOMINIQUE".into()],
            used_first_name: None,
            sex: guest::Sex::Female,
            birth_date: guest::Date {
                year: 1997,
                month: 2,
                day: 1,
            },
            birth_place_cog: Some("2A004".into()),
        },
        ins: Some(guest::Ins {
            matricule: "297022A02077878".into(),
            oid: "1.2.250.1.213.1.4.10".into(),
        }),
        status: guest::IdentityStatus::Qualifiee,
        attributes: guest::IdentityAttributes::empty(),
        address: Some(guest::Address {
            lines: vec!["3 rue Fesch".into()],
            postal_code: Some("20000".into()),
            city: Some("Ajaccio".into()),
            country: None,
        }),
        telecoms: vec![],
    };
    (gctx, patient, guest_values())
}

/// The form as the wire carries it.
fn form_json() -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("type".into(), "11488-4".into());
    m.insert("titre".into(), "Compte rendu de consultation".into());
    m.insert("corps".into(), corps().into());
    m
}

fn guest_values() -> Vec<guest::FormValue> {
    use esculape_sdk::document::esculape::host::types::Scalar;
    use esculape_sdk::forme::valeur;
    form_json()
        .into_iter()
        .map(|(k, v)| {
            let text = v.as_str().unwrap_or_default().to_string();
            if k == "type" {
                valeur(&k, Scalar::Code(text))
            } else {
                valeur(&k, Scalar::Text(text))
            }
        })
        .collect()
}

fn host_values() -> Vec<host_dt::FormValue> {
    esculape_runtime::formulaire::depuis_json(&[], &form_json()).expect("valeurs")
}

/// The native renderer: the host's, on the guest's layout type.
fn native_render(
    r: &esculape_pdfa::Renderer,
    l: &guest_pdf::Layout,
) -> Result<Vec<u8>, guest::Error> {
    use esculape_pdfa::Block as B;
    let layout = esculape_pdfa::Layout {
        title: l.title.clone(),
        author: l.author.clone(),
        created: esculape_pdfa::Moment {
            year: 2026,
            month: 11,
            day: 26,
            hour: 15,
            minute: 0,
            second: 0,
            utc_offset_minutes: 60,
        },
        blocks: l
            .blocks
            .iter()
            .map(|b| match b {
                guest_pdf::Block::Heading((n, t)) => B::Heading(*n, t.clone()),
                guest_pdf::Block::Paragraph(t) => B::Paragraph(t.clone()),
                guest_pdf::Block::Table((h, rows)) => B::Table(h.clone(), rows.clone()),
                guest_pdf::Block::Datamatrix((d, c)) => B::DataMatrix(d.clone(), c.clone()),
                guest_pdf::Block::PageBreak => B::PageBreak,
            })
            .collect(),
    };
    r.render(&layout)
        .map_err(|e| guest::Error::Internal(e.to_string()))
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let rounds = if bench { 41 } else { 1 };
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let h = esculape_sdk_testing::Harness::new();
    h.install_crate("esculape-plugin-doc-generique")
        .expect("install");
    let home = h.home().to_path_buf();
    std::fs::create_dir_all(home.join("trusted-keys")).expect("keys");
    std::fs::write(home.join("trusted-keys/k.pub"), h.key.public_hex()).expect("key");
    let rt = esculape_host::home::runtime(&home).expect("runtime");
    rt.load_installed();
    let rt = Arc::new(rt);
    let (state, actor, patient, _keep) = tokio.block_on(async {
        let t = esculape_store::testing::sqlite().await.expect("store");
        let practice = esculape_store::testing::practice(&t.store)
            .await
            .expect("practice");
        let (store, keep) = t.split();
        let store = Arc::new(store);
        let actor = esculape_store::Actor::user(practice.medecin.login.clone());
        let identity = Identity::validate(
            NewIdentity {
                birth_name: "ADRTROIS".into(),
                used_name: None,
                birth_first_names: vec!["DOMINIQUE".into()],
                used_first_name: None,
                sex: Sex::Female,
                birth_date: BirthDate::parse("1997-02-01").expect("date"),
                birth_place_cog: Some("2A004".into()),
                ins: Some(Ins::new("297022A02077878", "1.2.250.1.213.1.4.10").expect("ins")),
                high_trust_document: true,
                justificatif: Some(Justificatif::PieceIdentite),
                from_insi: true,
                attributes: Default::default(),
            },
            BirthDate::parse("2026-11-26").expect("date"),
        )
        .expect("identity");
        let rec = store
            .create_patient(&actor, identity)
            .await
            .expect("patient");
        let insi = Arc::new(esculape_host::insi::InsiClient::new(
            esculape_host::insi::InsiConfig::from_env(),
        ));
        (AppState::new(rt.clone(), store, insi), actor, rec.id, keep)
    });

    // 1. Sign-off to everything ready and stored.
    let demande = || DemandeDocument {
        plugin: PLUGIN.into(),
        valeurs: form_json(),
        remplace: None,
        retenir_dmp: false,
        invisible_au_patient: false,
    };
    let mut last = None;
    let full = median(rounds, || {
        last = Some(
            tokio
                .block_on(documents::produire(
                    &state,
                    &actor,
                    &patient,
                    demande(),
                    true,
                ))
                .expect("sign-off"),
        );
    });
    let produced = last.expect("one sign-off");
    assert!(
        esculape_xds::read_xdm(&produced.xdm)
            .expect("xdm")
            .hash_and_size_match()
    );

    // 2. The plugin call alone, through the runtime and natively.
    let ctx = esculape_sdk_testing::document_context(1);
    let record = esculape_sdk_testing::fixtures::adult_corsican();
    let values = host_values();
    let doc = rt.document(PLUGIN).expect("plugin");
    let mut plugin_cda = vec![];
    let through = median(rounds, || {
        plugin_cda = doc
            .produce(
                CallContext::for_patient(Arc::new(record.clone())),
                &ctx,
                &values,
            )
            .expect("produce")
            .cda;
    });
    let renderer = esculape_pdfa::Renderer::new().expect("renderer");
    let (gctx, gpatient, gvalues) = guest_inputs(&ctx);
    let mut native_cda = vec![];
    let native = median(rounds, || {
        native_cda = esculape_plugin_doc_generique::produire(&gctx, &gpatient, &gvalues, &|l| {
            native_render(&renderer, l)
        })
        .expect("native")
        .cda;
    });
    // Same code, same document (the embedded PDF carries its own time).
    let head = |cda: &[u8]| {
        String::from_utf8_lossy(cda)
            .split("<nonXMLBody>")
            .next()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        head(&plugin_cda),
        head(&native_cda),
        "plugin and native headers differ"
    );

    let boundary = through.saturating_sub(native);
    println!(
        "signature → CDA + PDF/A + XDS + IHE_XDM prêts et enregistrés (SQLite): médiane {}",
        ms(full)
    );
    println!(
        "module produce: natif {}  module {}  ratio ×{:.2}  frontière {} = {:.1} % de la signature",
        ms(native),
        ms(through),
        through.as_secs_f64() / native.as_secs_f64().max(1e-9),
        ms(boundary),
        100.0 * boundary.as_secs_f64() / full.as_secs_f64().max(1e-9)
    );
}
