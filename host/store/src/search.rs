//! The patient search index, held in memory.
//!
//! Search as you type must answer within a keystroke over a million
//! identities with words in any order. An index in the database costs a
//! round trip per probe and its pages are thrown out of every connection's
//! cache by each write (the search's own audit event is one), so the index
//! lives here: a sorted map from term to the patients carrying it, and for
//! each patient its terms packed for a quick prefix check.
//!
//! The database stays the source of truth: each patient row carries the
//! audit sequence number of its last change (`changed_seq`), assigned under
//! the audit chain's lock so that changes commit in that order; before
//! each search the store reads the rows changed since the index's last one,
//! which also brings in what other host processes wrote.

use esculape_domain::BirthDate;
use esculape_domain::identity::normalize_name;
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

/// Marks a birth-date term (`@19800502`): a year typed alone must not match
/// an INS that happens to start with the same digits.
const DATE: char = '@';
/// Marks an INS term (`#180059912345`).
const INS: char = '#';

/// The search terms of a patient: each part of each name and first name
/// (split on spaces, hyphens, apostrophes), the birth date, the INS.
/// Distinct, separated by spaces.
pub fn terms(names: &[&str], birth_date: BirthDate, ins: Option<&str>) -> String {
    let mut parts: Vec<&str> = names
        .iter()
        .flat_map(|n| n.split([' ', '-', '\'']))
        .filter(|p| !p.is_empty())
        .collect();
    parts.sort_unstable();
    parts.dedup();
    let mut out = parts.join(" ");
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(&format!("{DATE}{:08}", yyyymmdd(birth_date)));
    if let Some(ins) = ins {
        out.push(' ');
        out.push(INS);
        out.push_str(&ins.to_ascii_uppercase());
    }
    out
}

pub(crate) fn yyyymmdd(d: BirthDate) -> u32 {
    d.year as u32 * 10_000 + d.month as u32 * 100 + d.day as u32
}

fn is_year(w: &str) -> bool {
    w.len() == 4
        && w.chars().all(|c| c.is_ascii_digit())
        && w.parse::<u16>().is_ok_and(|y| (1850..=2200).contains(&y))
}

/// Query words to term prefixes: names normalised like the stored names;
/// dates typed JJ/MM/AAAA (or JJ.MM.AAAA) and years to birth-date
/// prefixes; other words with digits to INS prefixes. At most six words.
pub fn query_words(query: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in query.split_whitespace() {
        let date: Vec<&str> = word.split(['/', '.']).collect();
        if date.len() == 3 && date.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) {
            out.push(format!(
                "{DATE}{:0>4}{:0>2}{:0>2}",
                date[2], date[1], date[0]
            ));
        } else if is_year(word) {
            out.push(format!("{DATE}{word}"));
        } else if word.chars().all(|c| c.is_ascii_alphanumeric())
            && word.chars().any(|c| c.is_ascii_digit())
        {
            out.push(format!("{INS}{}", word.to_ascii_uppercase()));
        } else {
            out.extend(
                normalize_name(word)
                    .split([' ', '-', '\''])
                    .filter(|p| !p.is_empty())
                    .map(String::from),
            );
        }
    }
    out.truncate(6);
    out
}

/// The first eight bytes of a term, big-endian, and the mask of the bytes
/// a prefix of that length covers: a prefix check is one AND and compare.
fn packed(s: &str) -> (u64, u64) {
    let b = s.as_bytes();
    let n = b.len().min(8);
    let mut key = [0u8; 8];
    key[..n].copy_from_slice(&b[..n]);
    let mask = if n == 0 { 0 } else { u64::MAX << (8 * (8 - n)) };
    (u64::from_be_bytes(key), mask)
}

/// Terms whose packed prefix sits inline in an entry; a patient with more
/// (long compound names) has the rest checked on its term text.
const INLINE: usize = 6;

/// A date span of at most this many patients is read whole rather than
/// through the name terms (a birth year among a million patients is about
/// ten thousand, read in a few tens of microseconds).
const SPAN_SCAN: usize = 32_768;

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A patient as the index holds it: the row a result shows, its terms, and
/// their packed prefixes inline, so that checking a candidate touches one
/// place in memory.
struct Entry {
    row: Box<str>,
    /// The patient's structure, as an index in [`SearchIndex::structures`].
    structure: u32,
    /// The terms, separated by spaces (a term holds none).
    terms: Box<str>,
    keys: [u64; INLINE],
    count: u8,
}

impl Entry {
    fn new(item: Item, structure: u32) -> Self {
        let mut keys = [0; INLINE];
        let mut count = 0u8;
        for t in item.terms.split(' ') {
            if let Some(k) = keys.get_mut(count as usize) {
                *k = packed(t).0;
            }
            count = count.saturating_add(1);
        }
        Self {
            row: item.row.into(),
            structure,
            terms: item.terms.into(),
            keys,
            count,
        }
    }

    fn term_list(&self) -> impl Iterator<Item = &str> {
        self.terms.split(' ').filter(|t| !t.is_empty())
    }

    fn has_prefix(&self, word: &str, (key, mask): (u64, u64)) -> bool {
        let inline = &self.keys[..(self.count as usize).min(INLINE)];
        let quick = inline.iter().any(|k| k & mask == key);
        if word.len() <= 8 && quick {
            return true;
        }
        if !quick && self.count as usize <= INLINE {
            return false;
        }
        self.term_list().any(|t| t.starts_with(word))
    }
}

/// One patient for the index: the row a search returns for it (its id
/// first, up to a U+001F), its terms, its birth date.
#[derive(Clone)]
pub(crate) struct Item {
    pub row: String,
    /// Distinct terms separated by spaces ([`terms`]).
    pub terms: String,
    /// Birth date as AAAAMMJJ.
    pub date: u32,
    /// The patient's structure id (empty: none yet).
    pub structure: String,
}

impl Item {
    fn id(&self) -> &str {
        self.row.split('\u{1f}').next().unwrap_or("")
    }
}

/// Patients by term. Entries are never removed (patients are not deleted,
/// only their identity changes), so a slot number is a stable handle.
///
/// A full load gives slots in birth-date order (`dates`), so that a query
/// with a year or a date reads, of each term of its driving word, only the
/// slots born in that span (a binary search in the term's slot list).
/// Patients added later take slots after `dated`; one loaded then given
/// another birth date is `moved` and checked on its own.
#[derive(Default)]
pub(crate) struct SearchIndex {
    entries: Vec<Entry>,
    /// Structure ids, each once (a handful per database).
    structures: Vec<Box<str>>,
    by_id: Map<Box<str>, u32>,
    /// Term → slots carrying it, ascending.
    postings: BTreeMap<Box<str>, Vec<u32>>,
    /// Birth date (AAAAMMJJ) of slots `0..dated`, ascending.
    dates: Vec<u32>,
    dated: u32,
    moved: Vec<u32>,
    /// Spans up to this size are read whole ([`SPAN_SCAN`] once built).
    span_scan: usize,
    /// `changed_seq` of the newest change folded in.
    pub(crate) last_seq: i64,
}

impl SearchIndex {
    /// Index every patient at once.
    pub(crate) fn build(items: Vec<Item>, last_seq: i64) -> Self {
        let mut order: Vec<(u32, u32)> = items
            .iter()
            .enumerate()
            .map(|(i, it)| (it.date, i as u32))
            .collect();
        order.sort_unstable();
        let mut postings: Map<&str, Vec<u32>> = Map::default();
        for (slot, &(_, i)) in order.iter().enumerate() {
            for t in items[i as usize].terms.split(' ') {
                postings.entry(t).or_default().push(slot as u32);
            }
        }
        let postings: BTreeMap<Box<str>, Vec<u32>> = postings
            .into_iter()
            .map(|(t, p)| (Box::<str>::from(t), p))
            .collect();
        let mut by_id = Map::default();
        by_id.reserve(items.len());
        for (slot, &(_, i)) in order.iter().enumerate() {
            by_id.insert(items[i as usize].id().into(), slot as u32);
        }
        let mut structures = Vec::new();
        let mut items: Vec<Option<Item>> = items.into_iter().map(Some).collect();
        let entries = order
            .iter()
            .filter_map(|&(_, i)| {
                let item = items[i as usize].take()?;
                let s = intern(&mut structures, &item.structure);
                Some(Entry::new(item, s))
            })
            .collect();
        Self {
            entries,
            structures,
            by_id,
            postings,
            dates: order.iter().map(|&(d, _)| d).collect(),
            dated: order.len() as u32,
            moved: vec![],
            span_scan: SPAN_SCAN,
            last_seq,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Add a patient, or replace what the index knows of it.
    pub(crate) fn upsert(&mut self, item: Item) {
        let date = item.date;
        let id: Box<str> = item.id().into();
        let terms: Vec<Box<str>> = item.terms.split(' ').map(Into::into).collect();
        let structure = intern(&mut self.structures, &item.structure);
        let entry = Entry::new(item, structure);
        let slot = match self.by_id.get(&id) {
            Some(&slot) => {
                let old = std::mem::replace(&mut self.entries[slot as usize], entry);
                for t in old.term_list() {
                    if let Some(p) = self.postings.get_mut(t) {
                        if let Ok(i) = p.binary_search(&slot) {
                            p.remove(i);
                        }
                        if p.is_empty() {
                            self.postings.remove(t);
                        }
                    }
                }
                if slot < self.dated
                    && self.dates[slot as usize] != date
                    && !self.moved.contains(&slot)
                {
                    self.moved.push(slot);
                }
                slot
            }
            None => {
                let slot = self.entries.len() as u32;
                self.by_id.insert(id, slot);
                self.entries.push(entry);
                slot
            }
        };
        for t in terms {
            let p = self.postings.entry(t).or_default();
            match p.last() {
                // New slots are the highest: appending keeps the order.
                Some(&last) if last >= slot => {
                    if let Err(i) = p.binary_search(&slot) {
                        p.insert(i, slot);
                    }
                }
                _ => p.push(slot),
            }
        }
    }

    fn range<'a>(&'a self, word: &'a str) -> impl Iterator<Item = &'a Vec<u32>> + 'a {
        self.postings
            .range::<str, _>((Bound::Included(word), Bound::Unbounded))
            .take_while(move |(t, _)| t.starts_with(word))
            .map(|(_, p)| p)
    }

    /// Patients carried by `word`'s terms, at most `bound` counted.
    fn count(&self, word: &str, bound: usize) -> usize {
        let mut n = 0;
        for p in self.range(word) {
            n += p.len();
            if n >= bound {
                break;
            }
        }
        n
    }

    /// The dated slots born within a date word's span (`@1980` → 1980).
    fn span(&self, word: &str) -> Option<std::ops::Range<u32>> {
        let digits = word.strip_prefix(DATE)?;
        if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let scale = 10u32.pow(8 - digits.len() as u32);
        let lo = digits.parse::<u32>().ok()? * scale;
        let hi = lo + scale;
        let at = |d: u32| self.dates.partition_point(|&x| x < d) as u32;
        Some(at(lo)..at(hi))
    }

    /// The word whose terms carry the fewest candidates (narrowed to the
    /// span's share when there is one).
    fn driver(&self, words: &[String], span: Option<&std::ops::Range<u32>>) -> usize {
        if words.len() == 1 {
            return 0;
        }
        let share = |n: usize| match span {
            Some(r) => n * r.len() / self.dates.len().max(1) + 1,
            None => n,
        };
        // Longest first: usually the narrowest, which then bounds how far
        // the others' ranges are counted.
        let mut order: Vec<usize> = (0..words.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(words[i].len()));
        let mut best = (usize::MAX, order[0]);
        for i in order {
            let n = match span {
                Some(r) if !words[i].starts_with(DATE) => {
                    // Counted only as far as could still beat the best
                    // once narrowed to the span.
                    let widen = self.dates.len() / r.len().max(1);
                    share(self.count(&words[i], best.0.saturating_mul(widen + 1)))
                }
                _ => self.count(&words[i], best.0),
            };
            if n < best.0 {
                best = (n, i);
            }
        }
        best.1
    }

    /// Rows of the patients carrying a term that starts with each word (two
    /// words may match the same term), at most `limit`, in no useful order.
    ///
    /// The word with the fewest candidates drives: its terms are read in
    /// order and each candidate checked against the other words on its
    /// packed terms, until `limit` patients are found. With a date word,
    /// only the driver's slots born in that span are read (plus those
    /// added or moved since the load).
    ///
    /// `structure` keeps only that structure's patients (empty: every
    /// patient, for the host itself).
    pub(crate) fn search(&self, words: &[String], limit: usize, structure: &str) -> Vec<String> {
        if words.is_empty() || limit == 0 {
            return vec![];
        }
        let structure = if structure.is_empty() {
            None
        } else {
            match self.structures.iter().position(|s| &**s == structure) {
                Some(i) => Some(i as u32),
                None => return vec![],
            }
        };
        let span = words
            .iter()
            .enumerate()
            .filter_map(|(i, w)| Some((i, self.span(w)?)))
            .min_by_key(|(_, r)| r.len());
        let all: Vec<(&str, (u64, u64))> = words.iter().map(|w| (w.as_str(), packed(w))).collect();
        let mut found: Vec<u32> = Vec::with_capacity(limit);
        let mut take = |slot: u32, checks: &[(&str, (u64, u64))]| {
            let e = &self.entries[slot as usize];
            if found.len() < limit
                && structure.is_none_or(|s| e.structure == s)
                && checks.iter().all(|(w, k)| e.has_prefix(w, *k))
                && !found.contains(&slot)
            {
                found.push(slot);
            }
            found.len() == limit
        };
        let full = match &span {
            // A narrow span's patients lie side by side: reading them all
            // beats walking thousands of name terms with a few slots each.
            Some((date_word, r)) if r.len() <= self.span_scan => {
                r.clone().any(|slot| take(slot, &all))
                    || self.range(&words[*date_word]).any(|postings| {
                        // Added since the load: through the date's terms.
                        let from = postings.partition_point(|&x| x < self.dated);
                        postings[from..].iter().any(|&slot| take(slot, &all))
                    })
            }
            _ => {
                let span = span.as_ref().map(|(_, r)| r);
                let driver = self.driver(words, span);
                let checks: Vec<(&str, (u64, u64))> = all
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != driver)
                    .map(|(_, c)| *c)
                    .collect();
                self.range(&words[driver]).any(|postings| {
                    let parts: [&[u32]; 2] = match span {
                        Some(r) => {
                            let at = |s: u32| postings.partition_point(|&x| x < s);
                            [
                                &postings[at(r.start)..at(r.end)],
                                &postings[at(self.dated)..],
                            ]
                        }
                        None => [postings, &[]],
                    };
                    parts.into_iter().flatten().any(|&slot| take(slot, &checks))
                })
            }
        };
        if !full && span.is_some() {
            // Loaded slots whose birth date changed since: every word.
            for &slot in &self.moved {
                if take(slot, &all) {
                    break;
                }
            }
        }
        found
            .into_iter()
            .map(|s| self.entries[s as usize].row.to_string())
            .collect()
    }
}

/// The index of `id` in `structures`, added if new.
fn intern(structures: &mut Vec<Box<str>>, id: &str) -> u32 {
    match structures.iter().position(|s| &**s == id) {
        Some(i) => i as u32,
        None => {
            structures.push(id.into());
            (structures.len() - 1) as u32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_words_become_term_prefixes() {
        assert_eq!(query_words("dup jea 1980"), ["DUP", "JEA", "@1980"]);
        assert_eq!(query_words("02/05/1980"), ["@19800502"]);
        assert_eq!(query_words("Hélène"), ["HELENE"]);
        assert_eq!(query_words("jean-pierre"), ["JEAN", "PIERRE"]);
        assert_eq!(query_words("2800599"), ["#2800599"]);
        assert_eq!(query_words("1234"), ["#1234"], "not a plausible year");
        assert!(query_words("   ").is_empty());
        assert_eq!(query_words("a b c d e f g h").len(), 6);
    }

    #[test]
    fn packed_prefixes() {
        let (k, _) = packed("DUPONT");
        let (p, m) = packed("DUP");
        assert_eq!(k & m, p);
        let (q, m) = packed("DUR");
        assert_ne!(k & m, q);
        assert_eq!(packed("").1, 0);
    }

    fn item(id: &str, terms: &[&str], date: u32) -> Item {
        Item {
            structure: "s1".into(),
            row: format!("{id}\u{1f}{}", terms[0]),
            terms: format!("{} @{date}", terms.join(" ")),
            date,
        }
    }

    fn names(rows: Vec<String>) -> Vec<String> {
        let mut ids: Vec<String> = rows
            .iter()
            .map(|r| r.split('\u{1f}').next().unwrap_or("").to_string())
            .collect();
        ids.sort();
        ids
    }

    #[test]
    fn every_word_must_match_and_updates_replace_terms() {
        let mut ix = SearchIndex::default();
        ix.upsert(item("a", &["DUPONT", "JEAN", "JEANNOT"], 19800502));
        ix.upsert(item("b", &["DUPONT", "MARIE"], 19750101));
        ix.upsert(item(
            "c",
            &["DURAND", "JEANNE", "CONSTANTINOPOLITAIN"],
            19800714,
        ));
        let w = |q: &str| q.split(' ').map(String::from).collect::<Vec<_>>();
        // "JEA" reaches "a" twice (JEAN, JEANNOT): listed once.
        assert_eq!(names(ix.search(&w("JEA"), 20, "")), ["a", "c"]);
        assert_eq!(names(ix.search(&w("JEA DUP"), 20, "")), ["a"]);
        assert_eq!(names(ix.search(&w("DU"), 2, "")).len(), 2);
        // Past the eight packed bytes, the whole term is compared.
        assert_eq!(
            names(ix.search(&w("DUR CONSTANTINOPOLITAIN"), 20, "")),
            ["c"]
        );
        assert!(ix.search(&w("DUR CONSTANTINOPOLITAINE"), 20, "").is_empty());
        assert!(ix.search(&w("DUP ZO"), 20, "").is_empty());
        // A new identity replaces the old terms.
        ix.upsert(item("a", &["LEFEVRE", "JEAN"], 19800502));
        assert_eq!(
            names(ix.search(&w("JEA DUP"), 20, "")),
            Vec::<String>::new()
        );
        assert_eq!(names(ix.search(&w("LEF"), 20, "")), ["a"]);
        assert_eq!(ix.len(), 3);
        assert!(!ix.postings.contains_key("JEANNOT"));
    }

    #[test]
    fn a_structure_sees_only_its_patients() {
        let w = |q: &str| q.split(' ').map(String::from).collect::<Vec<_>>();
        let mut other = item("b", &["DUPONT", "MARIE"], 19750101);
        other.structure = "s2".into();
        let mut ix = SearchIndex::build(vec![item("a", &["DUPONT", "JEAN"], 19800502), other], 1);
        assert_eq!(names(ix.search(&w("DUP"), 20, "s1")), ["a"]);
        assert_eq!(names(ix.search(&w("DUP"), 20, "s2")), ["b"]);
        assert!(ix.search(&w("DUP"), 20, "s3").is_empty());
        assert_eq!(names(ix.search(&w("DUP"), 20, "")).len(), 2);
        let mut later = item("c", &["DUPONT", "LUC"], 19810101);
        later.structure = "s3".into();
        ix.upsert(later);
        assert_eq!(names(ix.search(&w("DUP @1981"), 20, "s3")), ["c"]);
    }

    #[test]
    fn a_date_word_reads_only_its_span_and_still_sees_later_changes() {
        let items = vec![
            item("a", &["DUPONT", "JEAN"], 19800502),
            item("b", &["DUPONT", "MARIE"], 19750101),
            item("c", &["DURAND", "JEANNE"], 19800714),
            item("d", &["DUPONT", "LUC"], 19810101),
        ];
        for span_scan in [SPAN_SCAN, 0] {
            let mut ix = SearchIndex::build(items.clone(), 7);
            ix.span_scan = span_scan;
            dated_searches(&mut ix);
        }
    }

    fn dated_searches(ix: &mut SearchIndex) {
        assert_eq!(ix.last_seq, 7);
        assert_eq!(ix.dates, [19750101, 19800502, 19800714, 19810101]);
        let w = |q: &str| q.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(names(ix.search(&w("DU @1980"), 20, "")), ["a", "c"]);
        assert_eq!(names(ix.search(&w("DUP @198"), 20, "")), ["a", "d"]);
        assert_eq!(names(ix.search(&w("@19800714"), 20, "")), ["c"]);
        assert_eq!(names(ix.search(&w("@1980 JEANNE"), 20, "")), ["c"]);
        // Added after the load: found through the slots past the span.
        ix.upsert(item("e", &["DUPRE", "ANNE"], 19800301));
        assert_eq!(names(ix.search(&w("DUP @1980"), 20, "")), ["a", "e"]);
        // Loaded, then born elsewhere in time: found at its new date only.
        ix.upsert(item("b", &["DUPONT", "MARIE"], 19801231));
        assert_eq!(names(ix.search(&w("DUP @1980"), 20, "")), ["a", "b", "e"]);
        assert!(ix.search(&w("MARIE @1975"), 20, "").is_empty());
        assert_eq!(names(ix.search(&w("@19801231"), 20, "")), ["b"]);
        assert_eq!(names(ix.search(&w("DUP @1980"), 2, "")).len(), 2);
        assert_eq!(
            terms(
                &["DE LA TOUR", "", "JEAN-PIERRE", "JEAN"],
                BirthDate::parse("1980-05-02").unwrap(),
                Some("2a")
            ),
            "DE JEAN LA PIERRE TOUR @19800502 #2A"
        );
    }
}
