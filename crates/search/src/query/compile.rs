//! Turns a parsed [`Ast`] into a tantivy query.

use std::ops::Bound;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, RangeQuery, RegexQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DateTime, Term};

use super::parse::Ast;
use super::typo::{TypoAutomaton, TypoQuery};
use crate::expand::ConceptExpander;
use crate::schema::{Fields, Kind, QueryField, query_field};

/// Most fuzzy (typo-tolerant) words per query; further words are matched exactly.
pub const MAX_FUZZY: usize = 16;
/// Most wildcard words per query.
pub const MAX_WILDCARDS: usize = 4;
/// Most concepts a concept clause expands to.
pub const MAX_EXPANSION: usize = 1024;
/// Shortest word (in characters) that gets typo tolerance.
pub const FUZZY_MIN_CHARS: usize = 5;

pub(crate) struct Compiler<'a> {
    pub fields: &'a Fields,
    pub schema: &'a tantivy::schema::Schema,
    pub plain: TextAnalyzer,
    /// (stemmed field, its analyser) for the languages present in the index.
    pub stemmers: Vec<(Field, TextAnalyzer)>,
    pub expander: Option<&'a dyn ConceptExpander>,
    pub warnings: &'a mut Vec<String>,
    pub fuzzy_used: usize,
    /// The typo automata of the query's typo-tolerant words (to highlight their matches).
    pub typos: Vec<std::sync::Arc<TypoAutomaton>>,
    pub wildcards_used: usize,
}

type Q = Box<dyn Query>;

fn warn(w: &mut Vec<String>, msg: String) {
    if !w.contains(&msg) {
        w.push(msg);
    }
}

fn boost(q: Q, b: f32) -> Q {
    if (b - 1.0).abs() < f32::EPSILON {
        q
    } else {
        Box::new(BoostQuery::new(q, b))
    }
}

fn term_q(t: Term) -> Q {
    Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs))
}

fn union(qs: Vec<Q>) -> Option<Q> {
    match qs.len() {
        0 => None,
        1 => qs.into_iter().next(),
        _ => Some(Box::new(BooleanQuery::union(qs))),
    }
}

fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

/// Hex digits of `s` as nibbles (dashes of a UUID skipped); `None` when another character
/// is present.
fn hex_nibbles(s: &str) -> Option<Vec<u8>> {
    s.chars()
        .filter(|c| *c != '-')
        .map(|c| c.to_digit(16).map(|d| d as u8))
        .collect()
}

fn to_hex_digits(nibbles: &[u8]) -> String {
    nibbles
        .iter()
        .filter_map(|n| char::from_digit(u32::from(*n), 16))
        .collect()
}

fn pack_nibbles(tag: Option<u8>, nibbles: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = tag.into_iter().collect();
    for pair in nibbles.chunks(2) {
        out.push(pair[0] << 4 | pair.get(1).copied().unwrap_or(0));
    }
    out
}

/// The byte range of keys starting with the hex prefix `nibbles` (after `tag`).
fn hex_prefix_range(tag: Option<u8>, nibbles: &[u8]) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let lower = Bound::Included(pack_nibbles(tag, nibbles));
    let mut next = nibbles.to_vec();
    while let Some(last) = next.pop() {
        if last < 15 {
            next.push(last + 1);
            return (lower, Bound::Excluded(pack_nibbles(tag, &next)));
        }
    }
    let upper = match tag {
        Some(t) if t < u8::MAX => Bound::Excluded(vec![t + 1]),
        _ => Bound::Unbounded,
    };
    (lower, upper)
}

impl Compiler<'_> {
    fn has_positions(&self, field: Field) -> bool {
        let entry = self.schema.get_field_entry(field);
        match entry.field_type() {
            tantivy::schema::FieldType::Str(o) => o
                .get_indexing_options()
                .is_some_and(|i| i.index_option().has_positions()),
            _ => false,
        }
    }

    /// `id:` and `hash:`: an exact value, or a hex prefix with a final `*`.
    fn bytes_value(&mut self, qf: &QueryField, text: &str, wildcard: bool) -> Option<Q> {
        let field = self.field(qf.field);
        let name = qf.names[0];
        let is_id = qf.field == "id";
        let text = text.trim();
        if wildcard {
            let prefix = text.strip_suffix('*').filter(|p| !p.contains(['*', '?']));
            let nibbles = prefix.and_then(hex_nibbles).filter(|n| n.len() >= 2);
            let Some(nibbles) = nibbles else {
                warn(
                    self.warnings,
                    format!(
                        "'{text}': {name} accepts a hex prefix ending with * (at least 2 digits); clause ignored"
                    ),
                );
                return None;
            };
            let tag = (!is_id).then_some(crate::index::HASH_HEX);
            let (lo, hi) = hex_prefix_range(tag, &nibbles);
            let lo = lo.map(|b| Term::from_field_bytes(field, &b));
            let hi = hi.map(|b| Term::from_field_bytes(field, &b));
            let bytes: Q = Box::new(RangeQuery::new(lo, hi));
            if is_id {
                return Some(bytes);
            }
            // 64-digit hashes are in the hash0..3 columns: the prefix's first 16 digits
            // select a range of hash0, the next 16 (if any) of hash1.
            let cols = self.fields.hash_cols;
            let word_range = |col: Field, n: &[u8]| -> Q {
                let (lo, hi) = hex_prefix_range(None, n);
                let word = |b: Vec<u8>| {
                    let mut w = [0u8; 8];
                    w[..b.len().min(8)].copy_from_slice(&b[..b.len().min(8)]);
                    Term::from_field_u64(col, u64::from_be_bytes(w))
                };
                Box::new(RangeQuery::new(lo.map(word), hi.map(word)))
            };
            let columns: Q = if nibbles.len() <= 16 {
                word_range(cols[0], &nibbles)
            } else {
                let n = &nibbles[..nibbles.len().min(32)];
                let w0 = u64::from_str_radix(&to_hex_digits(&n[..16]), 16).unwrap_or(0);
                Box::new(BooleanQuery::intersection(vec![
                    Box::new(RangeQuery::new(
                        Bound::Included(Term::from_field_u64(cols[0], w0)),
                        Bound::Included(Term::from_field_u64(cols[0], w0)),
                    )),
                    word_range(cols[1], &n[16..]),
                ]))
            };
            return union(vec![bytes, columns]);
        }
        if is_id {
            return match text.parse::<damkit_core::AssetId>() {
                Ok(id) => Some(term_q(Term::from_field_bytes(field, id.as_bytes()))),
                Err(_) => {
                    warn(
                        self.warnings,
                        format!("'{text}' is not an asset id (a UUID); clause ignored"),
                    );
                    None
                }
            };
        }
        if text.is_empty() {
            return None;
        }
        match crate::stored::hash_words(text) {
            Some(words) => Some(Box::new(BooleanQuery::intersection(
                self.fields
                    .hash_cols
                    .iter()
                    .zip(words)
                    .map(|(col, w)| -> Q {
                        Box::new(RangeQuery::new(
                            Bound::Included(Term::from_field_u64(*col, w)),
                            Bound::Included(Term::from_field_u64(*col, w)),
                        ))
                    })
                    .collect(),
            ))),
            None => Some(term_q(Term::from_field_bytes(
                field,
                &crate::index::hash_key(text),
            ))),
        }
    }

    fn field(&self, name: &str) -> Field {
        // Every QUERY_FIELDS entry exists (tested in schema.rs).
        self.schema.get_field(name).unwrap_or(self.fields.title)
    }

    /// Compiles `ast`; `None` when nothing is left to match on (the clause is dropped).
    pub fn compile(&mut self, ast: &Ast) -> Option<Q> {
        match ast {
            Ast::All => Some(Box::new(AllQuery)),
            Ast::And(children) => {
                let mut clauses = Vec::new();
                let mut positive = false;
                for c in children {
                    match c {
                        Ast::Not(inner) => {
                            if let Some(q) = self.compile(inner) {
                                clauses.push((Occur::MustNot, q));
                            }
                        }
                        other => {
                            if let Some(q) = self.compile(other) {
                                positive = true;
                                clauses.push((Occur::Must, q));
                            }
                        }
                    }
                }
                if clauses.is_empty() {
                    return None;
                }
                if !positive {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Some(Box::new(BooleanQuery::new(clauses)))
            }
            Ast::Or(children) => {
                let mut clauses = Vec::new();
                for c in children {
                    let q = match c {
                        Ast::Not(inner) => self.compile(inner).map(|q| -> Q {
                            Box::new(BooleanQuery::new(vec![
                                (Occur::Must, Box::new(AllQuery)),
                                (Occur::MustNot, q),
                            ]))
                        }),
                        other => self.compile(other),
                    };
                    if let Some(q) = q {
                        clauses.push((Occur::Should, q));
                    }
                }
                if clauses.is_empty() {
                    return None;
                }
                Some(Box::new(BooleanQuery::new(clauses)))
            }
            Ast::Not(inner) => self.compile(inner).map(|q| -> Q {
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, Box::new(AllQuery)),
                    (Occur::MustNot, q),
                ]))
            }),
            Ast::Word {
                field,
                text,
                wildcard,
            } => match field {
                None => {
                    if *wildcard {
                        self.default_wildcard(text)
                    } else {
                        self.default_word(text)
                    }
                }
                Some(name) => {
                    let qf = query_field(name)?;
                    self.field_value(qf, text, *wildcard, false)
                }
            },
            Ast::Phrase { field, text } => match field {
                None => self.default_phrase(text),
                Some(name) => {
                    let qf = query_field(name)?;
                    self.field_value(qf, text, false, true)
                }
            },
            Ast::Range {
                field,
                lower,
                upper,
            } => {
                let qf = query_field(field)?;
                self.range(qf, lower, upper)
            }
        }
    }

    fn fuzzy_allowed(&mut self, token: &str) -> bool {
        if token.chars().count() < FUZZY_MIN_CHARS || token.chars().any(|c| c.is_ascii_digit()) {
            return false;
        }
        if self.fuzzy_used >= MAX_FUZZY {
            warn(
                self.warnings,
                format!("typo tolerance is limited to {MAX_FUZZY} words per query"),
            );
            return false;
        }
        self.fuzzy_used += 1;
        true
    }

    /// A bare word: any text field (plain and stemmed), typo-tolerant, plus exact matches on
    /// make/format/collection and, through the expander, concepts with that label.
    fn default_word(&mut self, text: &str) -> Option<Q> {
        let toks = tokens(&mut self.plain, text);
        if toks.len() > 1 {
            return self.default_phrase(text);
        }
        let tok = toks.into_iter().next()?;
        let f = self.fields;
        let mut qs: Vec<Q> = vec![
            boost(term_q(Term::from_field_text(f.title, &tok)), 3.0),
            boost(term_q(Term::from_field_text(f.keyword_text, &tok)), 2.0),
            term_q(Term::from_field_text(f.description, &tok)),
            term_q(Term::from_field_text(f.creator_text, &tok)),
        ];
        let lower = text.to_lowercase();
        for field in [f.make, f.format, f.collection] {
            qs.push(term_q(Term::from_field_text(field, &lower)));
        }
        // Stems: in the stemmed fields (words whose stem differs from them) and in the
        // plain fields (words that are their own stem are indexed only there).
        let mut stems: Vec<String> = Vec::new();
        for (field, analyzer) in &mut self.stemmers {
            for s in tokens(analyzer, text) {
                qs.push(term_q(Term::from_field_text(*field, &s)));
                if s != tok && !stems.contains(&s) {
                    stems.push(s);
                }
            }
        }
        for s in &stems {
            for field in [f.title, f.keyword_text, f.description] {
                qs.push(boost(term_q(Term::from_field_text(field, s)), 0.7));
            }
        }
        if self.fuzzy_allowed(&tok) {
            // Words one typo away (the word itself is matched above); one automaton for the
            // three fields.
            let automaton = TypoAutomaton::new(&tok);
            for field in [f.title, f.keyword_text, f.description] {
                qs.push(boost(
                    Box::new(TypoQuery {
                        field,
                        automaton: automaton.clone(),
                    }),
                    0.5,
                ));
            }
            self.typos.push(automaton);
        }
        if let Some(exp) = self.expander {
            let concepts = exp.concepts_for_label(text);
            for c in self.expand_concepts(concepts) {
                qs.push(term_q(Term::from_field_text(f.concept, &c)));
            }
        }
        union(qs)
    }

    fn expand_concepts(&mut self, roots: Vec<String>) -> Vec<String> {
        let Some(exp) = self.expander else {
            return roots.into_iter().map(|c| c.to_lowercase()).collect();
        };
        let mut out: Vec<String> = Vec::new();
        for root in roots {
            if out.len() >= MAX_EXPANSION {
                break;
            }
            out.push(root.to_lowercase());
            for n in exp.narrower(&root) {
                if out.len() >= MAX_EXPANSION {
                    warn(
                        self.warnings,
                        format!("concept expansion limited to {MAX_EXPANSION} concepts"),
                    );
                    break;
                }
                out.push(n.to_lowercase());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    fn default_phrase(&mut self, text: &str) -> Option<Q> {
        let toks = tokens(&mut self.plain, text);
        let f = self.fields;
        let fields = [
            (f.title, 3.0),
            (f.keyword_text, 2.0),
            (f.description, 1.0),
            (f.creator_text, 1.0),
        ];
        match toks.len() {
            0 => None,
            1 => union(
                fields
                    .iter()
                    .map(|(field, b)| boost(term_q(Term::from_field_text(*field, &toks[0])), *b))
                    .collect(),
            ),
            _ => union(
                fields
                    .iter()
                    .map(|(field, b)| {
                        let terms = toks
                            .iter()
                            .map(|t| Term::from_field_text(*field, t))
                            .collect();
                        boost(Box::new(PhraseQuery::new(terms)), *b)
                    })
                    .collect(),
            ),
        }
    }

    fn wildcard_regex(&mut self, text: &str, lowercase: bool) -> Option<String> {
        if self.wildcards_used >= MAX_WILDCARDS {
            warn(
                self.warnings,
                format!("at most {MAX_WILDCARDS} wildcard words per query; '{text}' was ignored"),
            );
            return None;
        }
        let literal = text.chars().filter(|c| *c != '*' && *c != '?').count();
        if literal < 2 || text.chars().count() > 64 {
            warn(
                self.warnings,
                format!(
                    "wildcard '{text}' needs 2 to 64 characters besides * and ?; it was ignored"
                ),
            );
            return None;
        }
        self.wildcards_used += 1;
        let mut re = String::new();
        for c in text.chars() {
            match c {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                c => {
                    let c = if lowercase {
                        c.to_lowercase().next().unwrap_or(c)
                    } else {
                        c
                    };
                    let mut buf = [0u8; 4];
                    re.push_str(&regex_escape(c.encode_utf8(&mut buf)));
                }
            }
        }
        Some(re)
    }

    fn regex_q(&mut self, pattern: &str, field: Field) -> Option<Q> {
        match RegexQuery::from_pattern(pattern, field) {
            Ok(q) => Some(Box::new(q)),
            Err(e) => {
                warn(self.warnings, format!("wildcard pattern rejected: {e}"));
                None
            }
        }
    }

    fn default_wildcard(&mut self, text: &str) -> Option<Q> {
        // Fold like the plain analyser does, keeping the wildcards.
        let folded: String = text
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '*' || *c == '?')
            .collect();
        let re = self.wildcard_regex(&folded, true)?;
        let f = self.fields;
        let mut qs = Vec::new();
        for field in [f.title, f.keyword_text, f.description] {
            if let Some(q) = self.regex_q(&re, field) {
                qs.push(q);
            }
        }
        union(qs)
    }

    fn field_value(
        &mut self,
        qf: &QueryField,
        text: &str,
        wildcard: bool,
        phrase: bool,
    ) -> Option<Q> {
        let field = self.field(qf.field);
        let name = qf.names[0];
        match qf.kind {
            Kind::Text => {
                if wildcard {
                    let folded: String = text
                        .chars()
                        .filter(|c| c.is_alphanumeric() || *c == '*' || *c == '?')
                        .collect();
                    let re = self.wildcard_regex(&folded, true)?;
                    return self.regex_q(&re, field);
                }
                let toks = tokens(&mut self.plain, text);
                match toks.len() {
                    0 => None,
                    1 => {
                        let mut qs =
                            vec![boost(term_q(Term::from_field_text(field, &toks[0])), 2.0)];
                        if !phrase && self.fuzzy_allowed(&toks[0]) {
                            let automaton = TypoAutomaton::new(&toks[0]);
                            qs.push(boost(
                                Box::new(TypoQuery {
                                    field,
                                    automaton: automaton.clone(),
                                }),
                                0.5,
                            ));
                            self.typos.push(automaton);
                        }
                        union(qs)
                    }
                    // `path`, `credit` and `copyright` have no positions (size): all their
                    // words, in any order.
                    _ if !self.has_positions(field) => Some(Box::new(BooleanQuery::intersection(
                        toks.iter()
                            .map(|t| term_q(Term::from_field_text(field, t)))
                            .collect(),
                    ))),
                    _ => Some(Box::new(PhraseQuery::new(
                        toks.iter()
                            .map(|t| Term::from_field_text(field, t))
                            .collect(),
                    ))),
                }
            }
            Kind::Exact => {
                if wildcard {
                    let re = self.wildcard_regex(text, true)?;
                    return self.regex_q(&re, field);
                }
                let value = text.trim().to_lowercase();
                if value.is_empty() {
                    return None;
                }
                if qf.field == "concept" {
                    let concepts = self.expand_concepts(vec![text.trim().to_string()]);
                    return union(
                        concepts
                            .iter()
                            .map(|c| term_q(Term::from_field_text(field, c)))
                            .collect(),
                    );
                }
                Some(term_q(Term::from_field_text(field, &value)))
            }
            Kind::Bytes => self.bytes_value(qf, text, wildcard),
            Kind::Path => {
                let Some(path) = crate::index::normalise_path(text) else {
                    warn(self.warnings, format!("empty {name} path ignored"));
                    return None;
                };
                Some(term_q(Term::from_field_text(field, &path.to_lowercase())))
            }
            Kind::Bool => match parse_bool(text) {
                Some(b) => Some(term_q(Term::from_field_bool(field, b))),
                None => {
                    warn(
                        self.warnings,
                        format!("'{text}' is not true or false for {name}; clause ignored"),
                    );
                    None
                }
            },
            Kind::Date | Kind::U64 | Kind::I64 | Kind::F64 => self.range(
                qf,
                &Bound::Included(text.to_string()),
                &Bound::Included(text.to_string()),
            ),
        }
    }

    fn range(
        &mut self,
        qf: &QueryField,
        lower: &Bound<String>,
        upper: &Bound<String>,
    ) -> Option<Q> {
        let field = self.field(qf.field);
        let name = qf.names[0];
        let bad = |w: &mut Vec<String>, v: &str, what: &str| {
            warn(
                w,
                format!("'{v}' is not a valid {what} for {name}; clause ignored"),
            );
        };
        macro_rules! bounds {
            ($parse:expr, $term:expr, $what:literal) => {{
                let conv = |b: &Bound<String>, w: &mut Vec<String>| -> Option<Bound<Term>> {
                    Some(match b {
                        Bound::Unbounded => Bound::Unbounded,
                        Bound::Included(v) => match $parse(v) {
                            Some(x) => Bound::Included($term(field, x)),
                            None => {
                                bad(w, v, $what);
                                return None;
                            }
                        },
                        Bound::Excluded(v) => match $parse(v) {
                            Some(x) => Bound::Excluded($term(field, x)),
                            None => {
                                bad(w, v, $what);
                                return None;
                            }
                        },
                    })
                };
                let lo = conv(lower, self.warnings)?;
                let hi = conv(upper, self.warnings)?;
                Some(Box::new(RangeQuery::new(lo, hi)) as Q)
            }};
        }
        match qf.kind {
            Kind::U64 => bounds!(parse_u64, Term::from_field_u64, "number"),
            Kind::I64 => bounds!(
                |v: &str| v.trim().parse::<i64>().ok(),
                Term::from_field_i64,
                "integer"
            ),
            Kind::F64 => bounds!(
                |v: &str| v.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
                Term::from_field_f64,
                "number"
            ),
            Kind::Date => {
                let lo = match lower {
                    Bound::Unbounded => Bound::Unbounded,
                    Bound::Included(v) | Bound::Excluded(v) => match parse_period(v) {
                        Some((start, end)) => Bound::Included(Term::from_field_date(
                            field,
                            micros(if matches!(lower, Bound::Included(_)) {
                                start
                            } else {
                                end
                            }),
                        )),
                        None => {
                            bad(
                                self.warnings,
                                v,
                                "date (use YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339)",
                            );
                            return None;
                        }
                    },
                };
                let hi = match upper {
                    Bound::Unbounded => Bound::Unbounded,
                    Bound::Included(v) | Bound::Excluded(v) => match parse_period(v) {
                        Some((start, end)) => Bound::Excluded(Term::from_field_date(
                            field,
                            micros(if matches!(upper, Bound::Included(_)) {
                                end
                            } else {
                                start
                            }),
                        )),
                        None => {
                            bad(
                                self.warnings,
                                v,
                                "date (use YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339)",
                            );
                            return None;
                        }
                    },
                };
                Some(Box::new(RangeQuery::new(lo, hi)))
            }
            _ => {
                warn(
                    self.warnings,
                    format!("{name} is not a number or date field; range ignored"),
                );
                None
            }
        }
    }
}

fn micros(us: i64) -> DateTime {
    crate::index::date_micros(us)
}

fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~\"<>@".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "y" => Some(true),
        "false" | "no" | "0" | "n" => Some(false),
        _ => None,
    }
}

/// Parses `12`, `5MB`, `2.5M`, `3KiB`, `12MP` into a number.
pub(crate) fn parse_u64(v: &str) -> Option<u64> {
    let v = v.trim();
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" | "px" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" | "mp" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    if num.is_empty() {
        return None;
    }
    if unit.is_empty() && !num.contains('.') {
        return num.parse().ok();
    }
    let x: f64 = num.parse().ok()?;
    let r = x * mult;
    (r.is_finite() && (0.0..1.8e19).contains(&r)).then_some(r.round() as u64)
}

/// Parses a date or instant into the half-open period `[start, end)` it denotes, in
/// microseconds since the epoch (UTC): `2021` is the year, `2021-05` the month, `2021-05-03`
/// the day, an RFC 3339 instant (or `YYYY-MM-DDTHH:MM[:SS]`, taken as UTC) one microsecond,
/// `now` the current instant.
pub(crate) fn parse_period(v: &str) -> Option<(i64, i64)> {
    let v = v.trim();
    if v.eq_ignore_ascii_case("now") {
        let t = Timestamp::now().as_microsecond();
        return Some((t, t + 1));
    }
    if v.eq_ignore_ascii_case("today") {
        let d = Timestamp::now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date();
        return day_period(d, 1.day());
    }
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let parts: Vec<&str> = v.split('-').collect();
    match parts.as_slice() {
        [y] if y.len() == 4 && digits(y) => {
            let d = Date::new(y.parse().ok()?, 1, 1).ok()?;
            day_period(d, 1.year())
        }
        [y, m] if y.len() == 4 && digits(y) && digits(m) && m.len() <= 2 => {
            let d = Date::new(y.parse().ok()?, m.parse().ok()?, 1).ok()?;
            day_period(d, 1.month())
        }
        [y, m, d] if y.len() == 4 && digits(y) && digits(m) && digits(d) && d.len() <= 2 => {
            let d = Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()?;
            day_period(d, 1.day())
        }
        _ => {
            if let Ok(t) = v.parse::<Timestamp>() {
                let us = t.as_microsecond();
                return Some((us, us.saturating_add(1)));
            }
            let dt: jiff::civil::DateTime = v.parse().ok()?;
            let us = dt
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .ok()?
                .timestamp()
                .as_microsecond();
            Some((us, us.saturating_add(1)))
        }
    }
}

fn day_period(d: Date, span: jiff::Span) -> Option<(i64, i64)> {
    let start = d.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok()?;
    let end = start.checked_add(span).ok()?;
    Some((
        start.timestamp().as_microsecond(),
        end.timestamp().as_microsecond(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let (s, e) = parse_period("2021").unwrap();
        assert_eq!(
            s,
            "2021-01-01T00:00:00Z"
                .parse::<Timestamp>()
                .unwrap()
                .as_microsecond()
        );
        assert_eq!(
            e,
            "2022-01-01T00:00:00Z"
                .parse::<Timestamp>()
                .unwrap()
                .as_microsecond()
        );
        let (s, e) = parse_period("2020-02").unwrap();
        assert_eq!(e - s, 29 * 86_400_000_000);
        let (s, e) = parse_period("2020-02-29").unwrap();
        assert_eq!(e - s, 86_400_000_000);
        assert!(parse_period("2021-02-30").is_none());
        assert!(parse_period("2021-13").is_none());
        assert!(parse_period("yesterday-ish").is_none());
        assert!(parse_period("99999").is_none());
        assert!(parse_period("2021-05-03T10:00:00Z").is_some());
        assert!(parse_period("2021-05-03T10:00").is_some());
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u64("2000"), Some(2000));
        assert_eq!(parse_u64("5MB"), Some(5_000_000));
        assert_eq!(parse_u64("1.5k"), Some(1500));
        assert_eq!(parse_u64("2MiB"), Some(2 * 1024 * 1024));
        assert_eq!(parse_u64("12MP"), Some(12_000_000));
        assert_eq!(parse_u64("x"), None);
        assert_eq!(parse_u64("1e400"), None);
        assert_eq!(parse_u64("99999999999999999999999"), None);
    }
}
