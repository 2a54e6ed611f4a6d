//! Autocomplete over a vocabulary with an `fst` index.
//!
//! Every folded label is indexed at each word start, so `foot` finds "American football";
//! notations are indexed too. A query first takes exact prefix matches; when they are fewer
//! than asked, it adds fuzzy prefix matches within edit distance 1 (queries of 4+ characters)
//! or 2 (8+ characters) using Levenshtein automata. Results rank preferred labels above
//! alternative above hidden labels, label starts above word starts, exact above fuzzy.

use fst::automaton::Str;
use fst::{Automaton, IntoStreamer, Streamer};
use serde::Serialize;

use crate::model::{ConceptId, Sym, Vocabulary, lang_matches};
use crate::normalize::{MatchedBy, fold_into};

/// Keys visited per query, so that a one-letter prefix on a million concepts stays fast. The
/// ranking is exact within the keys visited (the shortest completions come first in the
/// index's byte order).
pub const SCAN_LIMIT: usize = 1024;

#[derive(Debug, Clone, Copy)]
struct Posting {
    concept: ConceptId,
    by: MatchedBy,
    lang: Sym,
    text: Sym,
    word_start: bool,
}

/// Rank: (exactness, kind and word start; edit distance; label length): lower is better.
type Rank = (u8, u8, usize);

#[derive(Default)]
struct Best {
    items: Vec<(Rank, Posting)>,
    index: std::collections::HashMap<ConceptId, usize>,
}

/// One autocomplete result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// The concept.
    pub concept: ConceptId,
    /// The label (or notation) that matched.
    pub matched: String,
    /// Which kind of label matched.
    pub matched_by: MatchedBy,
    /// The language of the matched label (`""` for none).
    pub lang: String,
    /// Edit distance of the match (0: exact prefix).
    pub distance: u8,
}

/// An autocomplete index.
#[derive(Debug)]
pub struct Autocomplete {
    map: fst::Map<Vec<u8>>,
    /// Postings of key `i` are `postings[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<u32>,
    postings: Vec<Posting>,
    fold_accents: bool,
    lev: crate::fuzzy::Builders,
}

fn word_starts(s: &str) -> impl Iterator<Item = usize> + '_ {
    let mut prev_alnum = false;
    s.char_indices().filter_map(move |(i, c)| {
        let alnum = c.is_alphanumeric();
        let start = alnum && !prev_alnum;
        prev_alnum = alnum;
        (start || (i == 0 && !alnum)).then_some(i)
    })
}

impl Autocomplete {
    /// Builds the index (accent folding on: `cafe` finds "Café").
    pub fn new(vocab: &Vocabulary) -> Autocomplete {
        Autocomplete::with_options(vocab, true)
    }

    /// Builds the index, folding accents or not.
    pub fn with_options(vocab: &Vocabulary, fold_accents: bool) -> Autocomplete {
        let mut entries: Vec<(Box<str>, Posting)> = Vec::new();
        let mut buf = String::new();
        for c in vocab.concepts() {
            if c.is_category() {
                continue;
            }
            let raw = vocab
                .raw(c.id())
                .map(|r| (r.labels.clone(), r.notations.clone()));
            let Some((labels, notations)) = raw else {
                continue;
            };
            for l in labels {
                fold_into(vocab.str(l.text), fold_accents, &mut buf);
                for (n, i) in word_starts(&buf).enumerate() {
                    entries.push((
                        buf[i..].into(),
                        Posting {
                            concept: c.id(),
                            by: l.kind.into(),
                            lang: l.lang,
                            text: l.text,
                            word_start: n > 0,
                        },
                    ));
                }
            }
            for n in notations {
                fold_into(vocab.str(n), fold_accents, &mut buf);
                if !buf.is_empty() {
                    entries.push((
                        buf.as_str().into(),
                        Posting {
                            concept: c.id(),
                            by: MatchedBy::Notation,
                            lang: vocab.empty,
                            text: n,
                            word_start: false,
                        },
                    ));
                }
            }
        }
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut builder = fst::MapBuilder::memory();
        let mut offsets = Vec::new();
        let mut postings = Vec::with_capacity(entries.len());
        let mut last: Option<&str> = None;
        for (k, p) in &entries {
            if last != Some(k) {
                let _ = builder.insert(k.as_bytes(), offsets.len() as u64);
                offsets.push(postings.len() as u32);
                last = Some(k);
            }
            postings.push(*p);
        }
        offsets.push(postings.len() as u32);
        let map = builder
            .into_inner()
            .ok()
            .and_then(|b| fst::Map::new(b).ok())
            .unwrap_or_default();
        Autocomplete {
            map,
            offsets,
            postings,
            fold_accents,
            lev: crate::fuzzy::Builders::new(),
        }
    }

    /// Completes `prefix`: up to `limit` concepts, best first. `lang` restricts to labels in
    /// that language (BCP 47 prefix match) and untagged labels.
    pub fn suggest(
        &self,
        vocab: &Vocabulary,
        prefix: &str,
        lang: Option<&str>,
        limit: usize,
    ) -> Vec<Suggestion> {
        let mut q = String::new();
        fold_into(prefix, self.fold_accents, &mut q);
        if q.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut best = Best::default();
        self.collect(vocab, Str::new(&q).starts_with(), 0, lang, &q, &mut best);
        let n = q.chars().count();
        if best.items.len() < limit && (4..=48).contains(&n) {
            let d = if n >= 8 { 2 } else { 1 };
            let lev = self.lev.dfa(&q, d, true);
            self.collect(vocab, &lev, d, lang, &q, &mut best);
        }
        let mut best = best.items;
        best.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.concept.cmp(&b.1.concept)));
        best.truncate(limit);
        best.into_iter()
            .map(|((_, d, _), p)| Suggestion {
                concept: p.concept,
                matched: vocab.str(p.text).to_string(),
                matched_by: p.by,
                lang: vocab.str(p.lang).to_string(),
                distance: d,
            })
            .collect()
    }

    fn collect<A: Automaton>(
        &self,
        vocab: &Vocabulary,
        aut: A,
        distance: u8,
        lang: Option<&str>,
        q: &str,
        best: &mut Best,
    ) {
        let mut stream = self.map.search(aut).into_stream();
        let mut seen = 0usize;
        while let Some((key, idx)) = stream.next() {
            seen += 1;
            if seen > SCAN_LIMIT {
                break;
            }
            let (Some(&a), Some(&b)) = (
                self.offsets.get(idx as usize),
                self.offsets.get(idx as usize + 1),
            ) else {
                continue;
            };
            let exact = key == q.as_bytes();
            for p in &self.postings[a as usize..b as usize] {
                if let Some(want) = lang {
                    let tag = vocab.str(p.lang);
                    if !tag.is_empty() && !lang_matches(tag, want) {
                        continue;
                    }
                }
                let rank = (
                    u8::from(!exact) * 8 + p.by as u8 * 2 + u8::from(p.word_start),
                    distance,
                    vocab.str(p.text).len(),
                );
                match best.index.get(&p.concept) {
                    Some(&i) if rank < best.items[i].0 => best.items[i] = (rank, *p),
                    Some(_) => {}
                    None => {
                        best.index.insert(p.concept, best.items.len());
                        best.items.push((rank, *p));
                    }
                }
            }
        }
    }

    /// The number of indexed keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}
