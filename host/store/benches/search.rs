//! Search-as-you-type over many patients and opening a large chart, on
//! SQLite and PostgreSQL, side by side with a naive `LIKE` baseline.
//!
//! `cargo bench -p esculape-store --bench search -- [--patients N]
//! [--queries Q] [--sqlite|--postgres]` measures (default 1,000,000
//! patients, 1,000 queries); `--reuse` keeps the loaded databases between
//! runs (`$CARGO_TARGET_DIR/bench-search-N.db`, PostgreSQL database
//! `esculape_bench_N`). Without `--bench` (as `cargo test` runs it) it
//! checks on 3,000 patients that the measured queries find what they look
//! for, and measures nothing.

use esculape_domain::document::{DocumentFormat, NewDocument, Provenance, Visibility};
use esculape_domain::record::NewEncounter;
use esculape_domain::{BirthDate, Day, Identity, IdentityAttributes, NewIdentity, Sex};
use esculape_store::{Actor, Store, testing};
use std::time::{Duration, Instant};

const SYLLABLES: &[&str] = &[
    "BER", "NAR", "MAR", "TIN", "DU", "PONT", "LE", "ROY", "FOUR", "NIER", "GI", "RARD", "BON",
    "NET", "LAM", "BERT", "FON", "TAINE", "ROUS", "SEAU", "MER", "CIER", "BLAN", "GUE", "RIN",
    "BOY", "GAR", "CHE", "VA", "LIER", "MO", "REL", "PE", "TIT", "RI", "CHARD", "RAND", "MOU",
    "LIN", "SAR", "TRE", "CAS", "TEL", "BRE", "TON", "VIL", "LAR", "COU", "TU", "RE", "FAU",
    "CHON", "ES", "PI", "NAS", "GRAND", "JEAN", "VER", "DIER", "BAU",
];
const FIRST_F: &[&str] = &[
    "MARIE",
    "NATHALIE",
    "ISABELLE",
    "SYLVIE",
    "CATHERINE",
    "MARTINE",
    "CHRISTINE",
    "FRANCOISE",
    "VALERIE",
    "SANDRINE",
    "STEPHANIE",
    "CELINE",
    "CAMILLE",
    "LEA",
    "MANON",
    "CHLOE",
    "EMMA",
    "JADE",
    "LOUISE",
    "INES",
    "HELENE",
    "ANNE",
    "JULIE",
    "AURELIE",
    "ZOE",
    "MONIQUE",
    "NICOLE",
    "SOPHIE",
    "LAURA",
    "SARAH",
    "PAULINE",
    "MARGAUX",
    "ALICE",
    "ROSE",
    "AGATHE",
    "MATHILDE",
    "JEANNE",
    "SUZANNE",
    "DENISE",
    "JACQUELINE",
    "ODILE",
    "ELODIE",
    "AMANDINE",
    "CLAIRE",
];
const FIRST_M: &[&str] = &[
    "JEAN",
    "PIERRE",
    "MICHEL",
    "ANDRE",
    "PHILIPPE",
    "ALAIN",
    "BERNARD",
    "CHRISTOPHE",
    "PATRICK",
    "NICOLAS",
    "DANIEL",
    "FREDERIC",
    "LAURENT",
    "STEPHANE",
    "DAVID",
    "JULIEN",
    "THOMAS",
    "LUCAS",
    "HUGO",
    "LEO",
    "GABRIEL",
    "RAPHAEL",
    "ARTHUR",
    "LOUIS",
    "JEROME",
    "JEAN-PIERRE",
    "JACQUES",
    "FRANCOIS",
    "PAUL",
    "ANTOINE",
    "MAXIME",
    "ROMAIN",
    "VINCENT",
    "OLIVIER",
    "ERIC",
    "THIERRY",
    "MATHIS",
    "NATHAN",
    "ETHAN",
    "TOM",
    "SACHA",
    "ADAM",
    "NOAH",
    "MOHAMED",
    "YANIS",
];

struct Rng(u64);
impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// Skewed toward small indexes, as first-name frequencies are (the
    /// most common about 8 %).
    fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        (u.powf(1.5) * n as f64) as usize
    }
}

fn identity(rng: &mut Rng) -> Identity {
    let mut name = String::new();
    // Uniform syllables: a three-letter name prefix then covers about 2 %
    // of the patients, as MAR or BER do among French surnames.
    for _ in 0..2 + rng.below(2) {
        name.push_str(SYLLABLES[rng.below(SYLLABLES.len())]);
    }
    let sex = if rng.below(2) == 0 {
        Sex::Female
    } else {
        Sex::Male
    };
    let list = if sex == Sex::Female { FIRST_F } else { FIRST_M };
    let mut first = vec![list[rng.skewed(list.len())].to_string()];
    if rng.below(3) == 0 {
        first.push(list[rng.below(list.len())].to_string());
    }
    let birth = Day::from_days(Day::parse("1930-01-01").unwrap().days() + rng.below(35_000) as i64);
    Identity::validate(
        NewIdentity {
            birth_name: name,
            used_name: None,
            birth_first_names: first,
            used_first_name: None,
            sex,
            birth_date: BirthDate::from(birth),
            birth_place_cog: Some("75111".into()),
            ins: None,
            high_trust_document: false,
            justificatif: None,
            from_insi: false,
            attributes: IdentityAttributes::default(),
        },
        BirthDate {
            year: 2026,
            month: 11,
            day: 26,
        },
    )
    .expect("identité générée valide")
}

/// A query as a user types it, for a patient that exists, and its form.
fn query(rng: &mut Rng, id: &Identity) -> (usize, String) {
    let name = id.birth_name.to_lowercase();
    let first = id.birth_first_names[0].to_lowercase();
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let d = id.birth_date;
    let form = rng.below(6);
    let q = match form {
        0 => format!("{} {} {}", cut(&name, 3), cut(&first, 3), d.year),
        1 => format!("{} {}", cut(&first, 4), cut(&name, 4)),
        2 => format!("{} {}", cut(&name, 5), cut(&first, 2)),
        3 => format!("{:02}/{:02}/{}", d.day, d.month, d.year),
        4 => format!("{} {} {}", d.year, cut(&first, 3), cut(&name, 2)),
        _ => name.clone(),
    };
    (form, q)
}

/// The naive baseline: `LIKE` on two fields per word.
async fn naive(store: &Store, q: &str) -> usize {
    let words: Vec<String> = q.split_whitespace().map(|w| w.to_uppercase()).collect();
    let mut sql = String::from("SELECT id FROM patient WHERE 1 = 1");
    for i in 0..words.len() {
        sql.push_str(&format!(
            " AND (birth_name LIKE ${0} OR birth_first_names LIKE ${0} OR birth_date LIKE ${0})",
            i + 1
        ));
    }
    sql.push_str(" LIMIT 20");
    let mut query = sqlx::query(&sql);
    for w in &words {
        query = query.bind(format!("%{w}%"));
    }
    query
        .fetch_all(store.pool())
        .await
        .map(|r| r.len())
        .unwrap_or(0)
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

/// Resident memory of this process (Linux), to size the search index.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn run(name: &str, store: Store, patients: usize, queries: usize, measure: bool) -> usize {
    let mut rng = Rng(0x5EED);
    let t0 = Instant::now();
    let mut sample = Vec::new();
    let actor = Actor::user("bench");
    // A kept database (--reuse) already holds these patients: the same
    // seed regenerates them, only the sample is kept.
    let present = store.patient_ids().await.map(|v| v.len()).unwrap_or(0);
    let reuse = present >= patients;
    let mut loaded = 0;
    while loaded < patients {
        let n = (patients - loaded).min(50_000);
        let batch: Vec<Identity> = (0..n).map(|_| identity(&mut rng)).collect();
        for (i, id) in batch.iter().enumerate() {
            if i % 97 == 0 && sample.len() < 20_000 {
                sample.push(id.clone());
            }
        }
        if !reuse {
            store
                .import_identities(&actor, batch)
                .await
                .expect("chargement");
        }
        loaded += n;
        if measure {
            eprint!(
                "\r{name}: {loaded} patients chargés en {:.0} s",
                t0.elapsed().as_secs_f64()
            );
        }
    }
    if measure {
        eprintln!();
        if store.backend() == esculape_store::Backend::Postgres {
            // What autovacuum does in a running practice.
            sqlx::query("VACUUM ANALYZE")
                .execute(store.pool())
                .await
                .ok();
        }
    }
    // The index loads once per process (the server warms it at start).
    let rss0 = rss_kib();
    let t = Instant::now();
    let indexed = store.warm_search().await.expect("index");
    if measure {
        println!(
            "{name}: index de recherche chargé ({indexed} patients) en {:.2} s, +{} Mio de mémoire",
            t.elapsed().as_secs_f64(),
            rss_kib().saturating_sub(rss0) / 1024
        );
        // The fixed cost every search pays: one audit event.
        let mut t = Vec::new();
        for _ in 0..300 {
            let t0 = Instant::now();
            store.trace(&actor, "bench", None, "").await.expect("trace");
            t.push(t0.elapsed());
        }
        println!(
            "{name}: un événement d'audit seul: p50 {:.3} ms, p99 {:.3} ms",
            ms(percentile(&mut t, 0.5)),
            ms(percentile(&mut t, 0.99))
        );
    }
    // Search: every query must find the patient it was made from.
    let mut times = Vec::with_capacity(queries);
    let mut naive_times = Vec::new();
    let mut by_form: Vec<Vec<Duration>> = vec![vec![]; 6];
    let mut naive_queries = Vec::new();
    let mut failures = 0;
    for k in 0..queries {
        let target = &sample[rng.below(sample.len())];
        let (form, q) = query(&mut rng, target);
        let t = Instant::now();
        let found = store
            .search_patients(&actor, &q, 20)
            .await
            .expect("recherche");
        times.push(t.elapsed());
        by_form[form].push(t.elapsed());
        let hit = found.iter().any(|p| {
            p.birth_name == target.birth_name && p.birth_date == target.birth_date.to_string()
        });
        // A query matching more than 20 patients may not list this one.
        if !hit && found.len() < 20 {
            failures += 1;
            eprintln!(
                "{name}: «{q}» ne trouve pas {} {}",
                target.birth_name, target.birth_date
            );
        }
        if measure && k < 200 {
            naive_queries.push(q.clone());
        }
    }
    // The baseline, on the first 200 queries, after (not between) ours.
    for q in &naive_queries {
        let t = Instant::now();
        naive(&store, q).await;
        naive_times.push(t.elapsed());
    }
    if measure {
        let p50 = percentile(&mut times, 0.5);
        let p99 = percentile(&mut times, 0.99);
        let n50 = percentile(&mut naive_times, 0.5);
        let n99 = percentile(&mut naive_times, 0.99);
        println!(
            "{name}: recherche sur {patients} patients, {queries} requêtes: p50 {:.3} ms, p99 {:.3} ms (LIKE naïf sur 200: p50 {:.2} ms, p99 {:.2} ms; rapport p99 ×{:.0})",
            ms(p50),
            ms(p99),
            ms(n50),
            ms(n99),
            ms(n99) / ms(p99).max(1e-6)
        );
        let forms = [
            "nom3 prénom3 année",
            "prénom4 nom4",
            "nom5 prénom2",
            "JJ/MM/AAAA",
            "année prénom3 nom2",
            "nom entier",
        ];
        for (f, t) in forms.iter().zip(by_form.iter_mut()) {
            if !t.is_empty() {
                println!(
                    "{name}:   «{f}»: p50 {:.3} ms, p99 {:.3} ms ({} requêtes)",
                    ms(percentile(t, 0.5)),
                    ms(percentile(t, 0.99)),
                    t.len()
                );
            }
        }
    }
    // Chart: 500 encounters and 2,000 documents.
    let chart_patient = store
        .create_patient(&actor, identity(&mut rng))
        .await
        .expect("patient");
    let (encounters, documents): (i64, i64) = if measure { (500, 2000) } else { (20, 120) };
    for i in 0..encounters {
        store
            .create_encounter(&actor, &chart_patient.id, None, NewEncounter {
                date: Day::from_days(Day::parse("2010-01-01").unwrap().days() + i),
                reason: Some("Consultation".into()),
                note: "Note de consultation de longueur ordinaire, quelques lignes de texte libre.".into(),
            })
            .await
            .expect("consultation");
    }
    for i in 0..documents {
        store
            .add_document(
                &actor,
                &chart_patient.id,
                NewDocument {
                    title: format!("Document {i}"),
                    type_code: "11490-0".into(),
                    type_display: None,
                    format: DocumentFormat::Texte,
                    act_date: Day::from_days(Day::parse("2010-01-01").unwrap().days() + i / 2),
                    provenance: Provenance::Produit,
                    visibility: Visibility::default(),
                    cda_id: None,
                    cda_set_id: None,
                },
                b"contenu".to_vec(),
            )
            .await
            .expect("document");
    }
    if measure && store.backend() == esculape_store::Backend::Postgres {
        // As autovacuum would after such a batch in a running practice:
        // statistics and visibility for the new rows.
        sqlx::query("VACUUM ANALYZE encounter, document")
            .execute(store.pool())
            .await
            .ok();
    }
    // A serving host's pool is warm: its connections are open and have
    // prepared the chart's statements. The first openings, which open
    // connections (a chart reads on four at once) and plan statements on
    // each, are not counted.
    for _ in 0..if measure { 30 } else { 0 } {
        store
            .chart(&actor, &chart_patient.id)
            .await
            .expect("dossier");
    }
    let mut chart_times = Vec::new();
    let mut page_times = Vec::new();
    for _ in 0..if measure { 1000 } else { 3 } {
        let t = Instant::now();
        let c = store
            .chart(&actor, &chart_patient.id)
            .await
            .expect("dossier");
        // What the API sends.
        let json = serde_json::to_vec(&c).expect("json");
        chart_times.push(t.elapsed());
        assert!(!json.is_empty());
        assert_eq!(c.encounters_total, encounters);
        assert_eq!(c.documents_total, documents);
        assert_eq!(c.documents.len(), documents.min(100) as usize);
        // The next page of documents, sorted by title.
        let t = Instant::now();
        let q = esculape_store::documents::DocumentQuery {
            sort: esculape_store::documents::DocumentSort::Title,
            offset: 100,
            ..Default::default()
        };
        let page = store
            .documents(&actor, &chart_patient.id, &q)
            .await
            .expect("page");
        page_times.push(t.elapsed());
        assert_eq!(page.total, documents);
    }
    if measure {
        let size = serde_json::to_vec(&store.chart(&actor, &chart_patient.id).await.unwrap())
            .unwrap()
            .len();
        println!(
            "{name}: ouverture d'un dossier de {encounters} consultations et {documents} documents (réponse de {} Kio, JSON compris): p50 {:.2} ms, p99 {:.2} ms; page suivante de 100 documents triés par titre: p50 {:.2} ms, p99 {:.2} ms",
            size / 1024,
            ms(percentile(&mut chart_times, 0.5)),
            ms(percentile(&mut chart_times, 0.99)),
            ms(percentile(&mut page_times, 0.5)),
            ms(percentile(&mut page_times, 0.99))
        );
    }
    failures
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let measure = args.iter().any(|a| a == "--bench");
    let arg = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let patients = if measure {
        arg("--patients", 1_000_000)
    } else {
        3000
    };
    let queries = if measure { arg("--queries", 1000) } else { 200 };
    let only_sqlite = args.iter().any(|a| a == "--sqlite");
    let only_pg = args.iter().any(|a| a == "--postgres");
    let reuse = measure && args.iter().any(|a| a == "--reuse");
    let mut failures = 0;
    let mut passed = 0;
    if !only_pg {
        let (store, _keep) = if reuse {
            // Kept between runs: measuring again needs no reload.
            let dir = std::path::PathBuf::from(
                std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()),
            );
            let url = format!(
                "sqlite:{}",
                dir.join(format!("bench-search-{patients}.db")).display()
            );
            (Store::connect(&url).await.expect("sqlite"), None)
        } else {
            let (s, k) = testing::sqlite().await.expect("sqlite").split();
            (s, Some(k))
        };
        failures += run("sqlite", store, patients, queries, measure).await;
        passed += 1;
    }
    if !only_sqlite && std::env::var_os("ESCULAPE_SKIP_POSTGRES").is_none() {
        let store = if reuse {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let base = std::env::var("ESCULAPE_TEST_POSTGRES")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
            let name = format!("esculape_bench_{patients}");
            let mut c = sqlx::AnyConnection::connect(&base).await.expect("postgres");
            let _ = sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .await;
            let root = base
                .rsplit_once('/')
                .map(|(b, _)| b.to_string())
                .unwrap_or(base);
            Store::connect(&format!("{root}/{name}"))
                .await
                .expect("postgres")
        } else {
            testing::postgres().await.expect("postgres").split().0
        };
        failures += run("postgres", store, patients, queries, measure).await;
        passed += 1;
    }
    if !measure {
        println!("search: {passed} passed, {failures} failed");
    }
    if failures > 0 {
        std::process::exit(1);
    }
}
