//! Autocomplete over a vocabulary: an `fst` of folded label suffixes and a rank tree.
//!
//! Every folded label is indexed at each word start, so `foot` finds "American football";
//! notations are indexed too. The index keys are sorted, so the keys completing a prefix are
//! one contiguous range, and so are their postings (one per label and word start). A segment
//! tree over the postings' static ranks (preferred > alternative > hidden > notation, label
//! start > word start, shorter label first) gives the best posting of any range in
//! `O(log n)`; a best-first walk over split ranges yields postings in exact rank order, so a
//! query costs `O(limit · log n)` whatever the prefix — one letter over a million concepts
//! included — instead of scanning every completion.
//!
//! A query collects, until `limit` concepts are found, in this order:
//! 1. the key equal to the query ("garden" typed, a label ending with the word "garden"),
//! 2. the other exact prefix completions,
//! 3. fuzzy prefix completions within edit distance 1 (queries of 4+ characters), then 2
//!    (8+ characters), found by walking the `fst` with a Levenshtein automaton
//!    (transpositions count as one edit) and stopping at each matching prefix: the
//!    completions under it are one more range. The first character must be typed right
//!    (as in Lucene's `prefix_length = 1`): it keeps the walk small.
//!
//! Fuzzy matching is skipped entirely when the exact tiers already fill the limit.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use fst::raw::{Fst, Node, Output};
use serde::Serialize;

use crate::model::{ConceptId, FastMap, LabelKind, Sym, Vocabulary, lang_matches};
use crate::normalize::{MatchedBy, fold_into};

/// Postings visited per query tier, best first. Only a language filter that rejects most
/// postings can exhaust it (the results are then the best among those visited).
pub const SCAN_LIMIT: usize = 4096;

/// Trie nodes a fuzzy query may visit (a bound on its cost; the walk is depth first in byte
/// order).
pub const FUZZY_NODE_LIMIT: usize = 20_000;

/// Matching prefixes a fuzzy query collects (each is one range of completions).
const FUZZY_RANGE_LIMIT: usize = 512;

#[derive(Debug, Clone, Copy)]
struct Posting {
    concept: ConceptId,
    lang: Sym,
    text: Sym,
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
pub struct Autocomplete {
    map: fst::Map<Vec<u8>>,
    /// Postings of key `i` (the `i`-th key in byte order) are `postings[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<u32>,
    postings: Vec<Posting>,
    /// Bottom-up segment tree of posting ranks: leaves at `tree[n..2n]`, `tree[i]` the minimum
    /// of its two children. A rank's low 32 bits are the posting index, so the minimum of a
    /// range also says where it is.
    tree: Vec<u64>,
    fold_accents: bool,
    lev: crate::fuzzy::Builders,
}

impl std::fmt::Debug for Autocomplete {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Autocomplete")
            .field("keys", &self.map.len())
            .field("postings", &self.postings.len())
            .field("fold_accents", &self.fold_accents)
            .finish()
    }
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

/// The static part of a rank: kind of label, label start or word start, label length.
fn class(by: MatchedBy, word_start: bool) -> u64 {
    let by = match by {
        MatchedBy::Pref => 0,
        MatchedBy::Alt => 1,
        MatchedBy::Hidden => 2,
        MatchedBy::Notation => 3,
    };
    by * 2 + u64::from(word_start)
}

fn matched_by(class: u64) -> MatchedBy {
    match class / 2 {
        0 => MatchedBy::Pref,
        1 => MatchedBy::Alt,
        2 => MatchedBy::Hidden,
        _ => MatchedBy::Notation,
    }
}

/// One index entry while building: the key is `arena[start..end]`.
struct Entry {
    head: u64,
    start: u32,
    end: u32,
    rank: u64,
    posting: Posting,
}

fn head(key: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = key.len().min(8);
    b[..n].copy_from_slice(&key[..n]);
    u64::from_be_bytes(b)
}

impl Autocomplete {
    /// Builds the index (accent folding on: `cafe` finds "Café").
    pub fn new(vocab: &Vocabulary) -> Autocomplete {
        Autocomplete::with_options(vocab, true)
    }

    /// Builds the index, folding accents or not.
    pub fn with_options(vocab: &Vocabulary, fold_accents: bool) -> Autocomplete {
        // Folded labels go once into an arena; keys are their suffixes at word starts.
        let mut arena: Vec<u8> = Vec::new();
        let mut entries: Vec<Entry> = Vec::new();
        let mut buf = String::new();
        let push = |arena: &mut Vec<u8>,
                    entries: &mut Vec<Entry>,
                    buf: &str,
                    starts: &mut dyn Iterator<Item = usize>,
                    by: MatchedBy,
                    text_len: usize,
                    posting: Posting| {
            let base = arena.len();
            if u32::try_from(base + buf.len()).is_err() {
                return; // more than 4 GiB of folded labels: the rest is not indexed
            }
            arena.extend_from_slice(buf.as_bytes());
            for (n, i) in starts.enumerate() {
                let start = base + i;
                let key = &arena[start..];
                entries.push(Entry {
                    head: head(key),
                    start: start as u32,
                    end: arena.len() as u32,
                    rank: (class(by, n > 0) << 56) | ((text_len.min(0xFF_FFFF) as u64) << 32),
                    posting,
                });
            }
        };
        for c in vocab.concepts() {
            if c.is_category() {
                continue;
            }
            let Some(raw) = vocab.raw(c.id()) else {
                continue;
            };
            let fallback = !raw.labels.iter().any(|l| l.kind == LabelKind::Pref);
            let labels = raw.labels.iter().map(|l| (l.kind, l.lang, l.text));
            let extra = raw
                .fallback_labels
                .iter()
                .filter(|_| fallback)
                .map(|&(lang, text)| (LabelKind::Pref, lang, text));
            for (kind, lang, text) in labels.chain(extra) {
                let t = vocab.str(text);
                fold_into(t, fold_accents, &mut buf);
                let posting = Posting {
                    concept: c.id(),
                    lang,
                    text,
                };
                let mut starts = word_starts(&buf);
                push(
                    &mut arena,
                    &mut entries,
                    &buf,
                    &mut starts,
                    kind.into(),
                    t.len(),
                    posting,
                );
            }
            for &n in &raw.notations {
                let t = vocab.str(n);
                fold_into(t, fold_accents, &mut buf);
                if buf.is_empty() {
                    continue;
                }
                let posting = Posting {
                    concept: c.id(),
                    lang: vocab.empty,
                    text: n,
                };
                push(
                    &mut arena,
                    &mut entries,
                    &buf,
                    &mut std::iter::once(0),
                    MatchedBy::Notation,
                    t.len(),
                    posting,
                );
            }
        }
        let key = |e: &Entry| &arena[e.start as usize..e.end as usize];
        entries.sort_unstable_by(|a, b| {
            a.head
                .cmp(&b.head)
                .then_with(|| key(a).cmp(key(b)))
                .then(a.rank.cmp(&b.rank))
                .then(a.posting.concept.cmp(&b.posting.concept))
        });
        let entries = &entries[..entries.len().min(u32::MAX as usize)];
        let mut builder = fst::MapBuilder::memory();
        let mut offsets = Vec::new();
        let mut postings = Vec::with_capacity(entries.len());
        let n = entries.len();
        let mut tree = vec![u64::MAX; 2 * n];
        let mut last: Option<&[u8]> = None;
        for (i, e) in entries.iter().enumerate() {
            let k = key(e);
            if last != Some(k) {
                let _ = builder.insert(k, offsets.len() as u64);
                offsets.push(i as u32);
                last = Some(k);
            }
            postings.push(e.posting);
            tree[n + i] = e.rank | i as u64;
        }
        offsets.push(n as u32);
        for i in (1..n).rev() {
            tree[i] = tree[2 * i].min(tree[2 * i + 1]);
        }
        let map = builder
            .into_inner()
            .ok()
            .and_then(|b| fst::Map::new(b).ok())
            .unwrap_or_default();
        Autocomplete {
            map,
            offsets,
            postings,
            tree,
            fold_accents,
            lev: crate::fuzzy::Builders::new(),
        }
    }

    /// The smallest rank in postings `[l, r)`.
    fn range_min(&self, l: usize, r: usize) -> u64 {
        let n = self.postings.len();
        let (mut l, mut r) = (l + n, r + n);
        let mut best = u64::MAX;
        while l < r {
            if l & 1 == 1 {
                best = best.min(self.tree[l]);
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                best = best.min(self.tree[r]);
            }
            l >>= 1;
            r >>= 1;
        }
        best
    }

    /// The postings range of keys `lo..=hi` (key ordinals).
    fn postings_of_keys(&self, lo: u64, hi: u64) -> (usize, usize) {
        let get = |i: u64| self.offsets.get(i as usize).map_or(0, |&o| o as usize);
        (get(lo), get(hi.saturating_add(1)))
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
        if q.is_empty() || limit == 0 || self.postings.is_empty() {
            return Vec::new();
        }
        let mut out = Collector::new(vocab, lang, limit);
        let fst = self.map.as_fst();
        if let Some((node, acc)) = descend(fst, fst.root(), Output::zero(), q.as_bytes()) {
            let lo = leftmost(fst, node, acc);
            let hi = rightmost(fst, node, acc);
            let (a, b) = self.postings_of_keys(lo, hi);
            if node.is_final() {
                // The key equal to the query is the first of the range.
                let (_, exact_end) = self.postings_of_keys(lo, lo);
                self.collect(&[(a, exact_end)], 0, &mut out);
                self.collect(&[(exact_end, b)], 0, &mut out);
            } else {
                self.collect(&[(a, b)], 0, &mut out);
            }
        }
        let n = q.chars().count();
        for d in 1..=2u8 {
            if out.full() || !(4 * d as usize..=48).contains(&n) {
                break;
            }
            let ranges = self.fuzzy_ranges(&q, d);
            self.collect(&ranges, d, &mut out);
        }
        out.items
            .into_iter()
            .map(|(i, d)| {
                let p = self.postings[i];
                Suggestion {
                    concept: p.concept,
                    matched: vocab.str(p.text).to_string(),
                    matched_by: matched_by(self.tree[self.postings.len() + i] >> 56),
                    lang: vocab.str(p.lang).to_string(),
                    distance: d,
                }
            })
            .collect()
    }

    /// Adds the postings of `ranges` in rank order until the collector is full or
    /// [`SCAN_LIMIT`] postings were visited.
    fn collect(&self, ranges: &[(usize, usize)], distance: u8, out: &mut Collector<'_>) {
        let mut heap: BinaryHeap<Reverse<(u64, u32, u32)>> = BinaryHeap::new();
        let push = |heap: &mut BinaryHeap<Reverse<(u64, u32, u32)>>, l: usize, r: usize| {
            if l < r {
                heap.push(Reverse((self.range_min(l, r), l as u32, r as u32)));
            }
        };
        for &(l, r) in ranges {
            push(&mut heap, l, r.min(self.postings.len()));
        }
        let mut visited = 0usize;
        while !out.full() && visited < SCAN_LIMIT {
            let Some(Reverse((rank, l, r))) = heap.pop() else {
                break;
            };
            visited += 1;
            let i = (rank & 0xFFFF_FFFF) as usize;
            out.offer(i, self.postings[i], distance);
            push(&mut heap, l as usize, i);
            push(&mut heap, i + 1, r as usize);
        }
    }

    /// The postings ranges of the completions of prefixes within `d` edits of `q` (but not
    /// within fewer), the first character typed right.
    fn fuzzy_ranges(&self, q: &str, d: u8) -> Vec<(usize, usize)> {
        let fst = self.map.as_fst();
        let lev = self.lev.dfa(q, d, false);
        let first_len = q.chars().next().map_or(0, char::len_utf8);
        let mut state = lev.initial();
        for &b in &q.as_bytes()[..first_len] {
            state = lev.step(state, b);
        }
        let Some((start, acc)) =
            descend(fst, fst.root(), Output::zero(), &q.as_bytes()[..first_len])
        else {
            return Vec::new();
        };
        let mut ranges = Vec::new();
        // (node address, automaton state, output so far)
        let mut stack = vec![(start.addr(), state, acc)];
        let mut visited = 0usize;
        while let Some((addr, state, acc)) = stack.pop() {
            visited += 1;
            if visited > FUZZY_NODE_LIMIT || ranges.len() >= FUZZY_RANGE_LIMIT {
                break;
            }
            let node = fst.node(addr);
            if let Some(dist) = lev.state_distance(state)
                && dist <= d
            {
                // Everything below matches within `dist`; only the exact distance-`d` tier
                // is collected here (closer prefixes were collected by earlier tiers).
                if dist == d {
                    let lo = leftmost(fst, node, acc);
                    let hi = rightmost(fst, node, acc);
                    ranges.push(self.postings_of_keys(lo, hi));
                }
                continue;
            }
            for t in node.transitions().collect::<Vec<_>>().into_iter().rev() {
                let s = lev.step(state, t.inp);
                if !lev.is_dead(s) {
                    stack.push((t.addr, s, acc.cat(t.out)));
                }
            }
        }
        ranges
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

/// Follows `bytes` from `node`; `None` when no key continues that way.
fn descend<'f>(
    fst: &'f Fst<Vec<u8>>,
    mut node: Node<'f>,
    mut acc: Output,
    bytes: &[u8],
) -> Option<(Node<'f>, Output)> {
    for &b in bytes {
        let i = node.find_input(b)?;
        let t = node.transition(i);
        acc = acc.cat(t.out);
        node = fst.node(t.addr);
    }
    Some((node, acc))
}

/// The value (key ordinal) of the smallest key under `node`.
fn leftmost<'f>(fst: &'f Fst<Vec<u8>>, mut node: Node<'f>, mut acc: Output) -> u64 {
    loop {
        if node.is_final() || node.is_empty() {
            return acc.cat(node.final_output()).value();
        }
        let t = node.transition(0);
        acc = acc.cat(t.out);
        node = fst.node(t.addr);
    }
}

/// The value (key ordinal) of the largest key under `node`.
fn rightmost<'f>(fst: &'f Fst<Vec<u8>>, mut node: Node<'f>, mut acc: Output) -> u64 {
    loop {
        if node.is_empty() {
            return acc.cat(node.final_output()).value();
        }
        let t = node.transition(node.len() - 1);
        acc = acc.cat(t.out);
        node = fst.node(t.addr);
    }
}

/// The results of one query: the first (best) posting of each concept.
struct Collector<'v> {
    vocab: &'v Vocabulary,
    lang: Option<&'v str>,
    limit: usize,
    items: Vec<(usize, u8)>,
    seen: FastMap<ConceptId, ()>,
    /// Language symbols already checked against the filter.
    langs: Vec<(Sym, bool)>,
}

impl<'v> Collector<'v> {
    fn new(vocab: &'v Vocabulary, lang: Option<&'v str>, limit: usize) -> Collector<'v> {
        Collector {
            vocab,
            lang,
            limit,
            items: Vec::new(),
            seen: FastMap::default(),
            langs: Vec::new(),
        }
    }

    fn full(&self) -> bool {
        self.items.len() >= self.limit
    }

    fn lang_ok(&mut self, sym: Sym) -> bool {
        let Some(want) = self.lang else {
            return true;
        };
        if let Some(&(_, ok)) = self.langs.iter().find(|(s, _)| *s == sym) {
            return ok;
        }
        let tag = self.vocab.str(sym);
        let ok = tag.is_empty() || lang_matches(tag, want);
        if self.langs.len() < 64 {
            self.langs.push((sym, ok));
        }
        ok
    }

    fn offer(&mut self, index: usize, p: Posting, distance: u8) {
        if !self.lang_ok(p.lang) {
            return;
        }
        if self.seen.insert(p.concept, ()).is_none() {
            self.items.push((index, distance));
        }
    }
}
