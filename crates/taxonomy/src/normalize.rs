//! Keyword normalisation: free text to concepts.
//!
//! Keys are folded with [`fold`]: Unicode NFKC, full case folding (`caseless`, Unicode
//! `CaseFolding.txt` statuses C+F, so `STRASSE` and `Straße` meet), NFKC again, whitespace
//! collapsed, and optionally accents removed (NFD, combining marks dropped, NFC).

use fst::{IntoStreamer, Streamer};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::model::{ConceptId, FastMap, LabelKind, Vocabulary, lang_matches};

/// Folds a keyword to its comparison key (see the module docs).
pub fn fold(s: &str, accents: bool) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, accents, &mut out);
    out
}

/// [`fold`] into a reused buffer (cleared first).
pub fn fold_into(s: &str, accents: bool, out: &mut String) {
    out.clear();
    if s.is_ascii() {
        let mut space = false;
        for b in s.trim_ascii().bytes() {
            if b.is_ascii_whitespace() {
                space = true;
            } else {
                if space {
                    out.push(' ');
                    space = false;
                }
                out.push(b.to_ascii_lowercase() as char);
            }
        }
        return;
    }
    let nfkc: String = s.nfkc().collect();
    let folded = caseless::default_case_fold_str(&nfkc);
    let mut space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    };
    if accents {
        let stripped: String = folded.nfd().filter(|&c| !is_combining_mark(c)).collect();
        for c in stripped.nfc() {
            push(c, out);
        }
    } else {
        for c in folded.nfkc() {
            push(c, out);
        }
    }
}

/// How a keyword matched a concept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchedBy {
    /// The preferred label.
    Pref,
    /// An alternative label (synonym).
    Alt,
    /// A hidden label (variant spelling).
    Hidden,
    /// A notation (code).
    Notation,
}

impl From<LabelKind> for MatchedBy {
    fn from(k: LabelKind) -> Self {
        match k {
            LabelKind::Pref => MatchedBy::Pref,
            LabelKind::Alt => MatchedBy::Alt,
            LabelKind::Hidden => MatchedBy::Hidden,
        }
    }
}

/// One concept a keyword resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// The concept.
    pub concept: ConceptId,
    /// Which label (or notation) matched.
    pub matched_by: MatchedBy,
    /// Edit distance between the folded keyword and the folded label (0 for a match).
    pub distance: u8,
}

/// What a keyword normalised to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Normalized {
    /// The concepts the keyword names, best first (preferred label before synonyms before
    /// hidden labels, live concepts before retired ones). More than one: ambiguous.
    pub candidates: Vec<Candidate>,
    /// When `candidates` is empty: the nearest concepts (edit distance 1–2), best first.
    pub suggestions: Vec<Candidate>,
}

impl Normalized {
    /// Exactly one concept.
    pub fn unique(&self) -> Option<ConceptId> {
        match self.candidates.as_slice() {
            [c] => Some(c.concept),
            _ => None,
        }
    }
    /// More than one concept.
    pub fn is_ambiguous(&self) -> bool {
        self.candidates.len() > 1
    }
}

/// Options of the [`Normalizer`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct NormalizeOptions {
    /// Remove accents too (`café` = `cafe`).
    pub fold_accents: bool,
    /// Only labels in these languages (with BCP 47 prefix matching) and untagged labels;
    /// empty: all languages.
    pub langs: Vec<String>,
    /// Leave retired concepts out.
    pub skip_retired: bool,
    /// How many suggestions for an unknown keyword (default 5 when 0).
    pub max_suggestions: usize,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    concept: ConceptId,
    by: MatchedBy,
    retired: bool,
}

/// A lookup table from folded labels and notations to concepts.
#[derive(Debug, Clone)]
pub struct Normalizer {
    /// Folded key → index in `lists`.
    map: FastMap<Box<str>, u32>,
    lists: Vec<Vec<Entry>>,
    /// The same keys for fuzzy suggestions, value = index in `lists`.
    keys: fst::Map<Vec<u8>>,
    opts: NormalizeOptions,
    lev: std::sync::Arc<crate::fuzzy::Builders>,
}

impl Normalizer {
    /// Builds the table for a vocabulary. Category concepts are left out (they are not
    /// keywords).
    pub fn new(vocab: &Vocabulary, opts: NormalizeOptions) -> Normalizer {
        let mut map: FastMap<Box<str>, u32> = FastMap::default();
        let mut lists: Vec<Vec<Entry>> = Vec::new();
        let langs: Vec<&str> = opts.langs.iter().map(String::as_str).collect();
        let mut buf = String::new();
        let mut add = |key: &str, e: Entry, map: &mut FastMap<Box<str>, u32>| {
            fold_into(key, opts.fold_accents, &mut buf);
            if buf.is_empty() {
                return;
            }
            let i = match map.get(buf.as_str()) {
                Some(&i) => i as usize,
                None => {
                    let i = lists.len();
                    map.insert(buf.as_str().into(), i as u32);
                    lists.push(Vec::new());
                    i
                }
            };
            let list = &mut lists[i];
            if let Some(old) = list.iter_mut().find(|o| o.concept == e.concept) {
                if e.by < old.by {
                    old.by = e.by;
                }
            } else {
                list.push(e);
            }
        };
        for c in vocab.concepts() {
            if c.is_category() || (opts.skip_retired && c.is_retired()) {
                continue;
            }
            let retired = c.is_retired();
            for l in c.search_labels() {
                if !langs.is_empty()
                    && !l.lang.is_empty()
                    && !langs.iter().any(|w| lang_matches(l.lang, w))
                {
                    continue;
                }
                let e = Entry {
                    concept: c.id(),
                    by: l.kind.into(),
                    retired,
                };
                add(l.text, e, &mut map);
            }
            for n in c.notations() {
                let e = Entry {
                    concept: c.id(),
                    by: MatchedBy::Notation,
                    retired,
                };
                add(n, e, &mut map);
            }
        }
        for list in &mut lists {
            list.sort_by_key(|e| (e.retired, e.by, e.concept));
            list.shrink_to_fit();
        }
        let mut sorted: Vec<(&str, u32)> = map.iter().map(|(k, &i)| (&**k, i)).collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let keys = fst::Map::from_iter(sorted.iter().map(|&(k, i)| (k.as_bytes(), u64::from(i))))
            .unwrap_or_default();
        drop(sorted);
        Normalizer {
            map,
            lists,
            keys,
            opts,
            lev: std::sync::Arc::new(crate::fuzzy::Builders::new()),
        }
    }

    /// The candidates for a keyword (no suggestions): allocation-free apart from folding.
    pub fn lookup(&self, keyword: &str, buf: &mut String) -> impl Iterator<Item = Candidate> + '_ {
        fold_into(keyword, self.opts.fold_accents, buf);
        self.map
            .get(buf.as_str())
            .and_then(|&i| self.lists.get(i as usize))
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|e| Candidate {
                concept: e.concept,
                matched_by: e.by,
                distance: 0,
            })
    }

    /// Normalises one keyword: all candidates, or the nearest suggestions when none.
    pub fn normalize(&self, keyword: &str) -> Normalized {
        let mut buf = String::new();
        let candidates: Vec<Candidate> = self.lookup(keyword, &mut buf).collect();
        if !candidates.is_empty() || buf.is_empty() {
            return Normalized {
                candidates,
                suggestions: Vec::new(),
            };
        }
        Normalized {
            candidates,
            suggestions: self.nearest(&buf),
        }
    }

    fn nearest(&self, key: &str) -> Vec<Candidate> {
        let max = if self.opts.max_suggestions == 0 {
            5
        } else {
            self.opts.max_suggestions
        };
        let n = key.chars().count();
        let mut out: Vec<Candidate> = Vec::new();
        for d in 1..=2u8 {
            if n < 3 * d as usize || out.len() >= max || n > 64 {
                break;
            }
            let lev = self.lev.dfa(key, d, false);
            let mut stream = self.keys.search(&lev).into_stream();
            let mut found: Vec<(u64, u8)> = Vec::new();
            while let Some((k, idx)) = stream.next() {
                found.push((idx, lev.distance(k).unwrap_or(d)));
                if found.len() > 256 {
                    break;
                }
            }
            for (idx, d) in found {
                for e in self
                    .lists
                    .get(idx as usize)
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                {
                    if !out.iter().any(|c| c.concept == e.concept) {
                        out.push(Candidate {
                            concept: e.concept,
                            matched_by: e.by,
                            distance: d,
                        });
                    }
                }
            }
        }
        out.sort_by_key(|c| (c.distance, c.matched_by));
        out.truncate(max);
        out
    }

    /// The number of distinct folded keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(fold("  Hello   World ", false), "hello world");
        assert_eq!(fold("STRASSE", false), fold("Straße", false));
        assert_eq!(fold("ﬁle", false), "file");
        assert_eq!(fold("Café", false), "café");
        assert_eq!(fold("Café", true), "cafe");
        assert_eq!(fold("Cafe\u{301}", false), "café");
        assert_eq!(fold("ΣΊΣΥΦΟΣ", false), fold("σίσυφος", false));
    }
}
