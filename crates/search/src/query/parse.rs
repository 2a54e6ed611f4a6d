//! The user query language: a lenient recursive-descent parser producing an [`Ast`].
//!
//! The parser never fails. Whatever it cannot understand becomes words (or is dropped) and a
//! warning says so. Its work is bounded: input longer than [`MAX_QUERY_CHARS`] is cut,
//! at most [`MAX_TERMS`] leaf clauses are kept, and parentheses nested deeper than
//! [`MAX_DEPTH`] are flattened, so any input is parsed in time linear in its (capped) length.

use std::ops::Bound;

/// Longest query (in characters) that is parsed; the rest is ignored with a warning.
pub const MAX_QUERY_CHARS: usize = 8_192;
/// Most leaf clauses (words, phrases, field clauses) kept from one query.
pub const MAX_TERMS: usize = 256;
/// Deepest parenthesis nesting honoured; deeper groups are flattened.
pub const MAX_DEPTH: usize = 32;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    /// Matches everything (the empty query).
    All,
    /// A word, optionally scoped to a field. `wildcard` when it contains `*` or `?`.
    Word {
        /// Field name as typed (`None`: the default text fields).
        field: Option<String>,
        /// The word.
        text: String,
        /// Whether `*`/`?` wildcards are present.
        wildcard: bool,
    },
    /// A quoted phrase, optionally scoped to a field.
    Phrase {
        /// Field name as typed.
        field: Option<String>,
        /// The text between the quotes.
        text: String,
    },
    /// A range or comparison on a field (`width:>2000`, `taken:[2020 TO 2021]`).
    Range {
        /// Field name as typed.
        field: String,
        /// Lower bound (raw text).
        lower: Bound<String>,
        /// Upper bound (raw text).
        upper: Bound<String>,
    },
    /// Every child must match (negated children must not).
    And(Vec<Ast>),
    /// At least one child must match.
    Or(Vec<Ast>),
    /// The child must not match.
    Not(Box<Ast>),
}

/// Parses `input`, appending warnings about what was not understood.
pub fn parse(input: &str, warnings: &mut Vec<String>) -> Ast {
    let mut chars: Vec<char> = input.chars().take(MAX_QUERY_CHARS + 1).collect();
    if chars.len() > MAX_QUERY_CHARS {
        chars.truncate(MAX_QUERY_CHARS);
        warn(
            warnings,
            format!("query longer than {MAX_QUERY_CHARS} characters; the rest was ignored"),
        );
    }
    let mut p = Parser {
        s: chars,
        i: 0,
        depth: 0,
        flattened: 0,
        terms: 0,
        warnings,
    };
    let mut parts = Vec::new();
    loop {
        let ast = p.parse_or(None);
        if !matches!(ast, Ast::All) {
            parts.push(ast);
        }
        p.skip_ws();
        if p.i >= p.s.len() {
            break;
        }
        // A stray ')' at the top level.
        if p.peek() == Some(')') {
            p.i += 1;
            warn(p.warnings, "unmatched ')' ignored".to_string());
        }
    }
    simplify(Ast::And(parts))
}

fn warn(w: &mut Vec<String>, msg: String) {
    if !w.contains(&msg) {
        w.push(msg);
    }
}

struct Parser<'w> {
    s: Vec<char>,
    i: usize,
    depth: usize,
    flattened: usize,
    terms: usize,
    warnings: &'w mut Vec<String>,
}

fn is_special(c: char) -> bool {
    c.is_whitespace() || c == '(' || c == ')' || c == '"'
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.i += 1;
        }
    }

    /// Whether the keyword `kw` (upper case, as in Lucene) starts at the cursor.
    fn at_keyword(&self, kw: &str) -> bool {
        let n = kw.chars().count();
        if self.i + n > self.s.len() {
            return false;
        }
        if !self.s[self.i..self.i + n].iter().copied().eq(kw.chars()) {
            return false;
        }
        self.s.get(self.i + n).is_none_or(|&c| is_special(c))
    }

    fn at_or(&self) -> bool {
        self.at_keyword("OR") || self.at_keyword("||")
    }

    fn leaf(&mut self, ast: Ast) -> Ast {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            warn(
                self.warnings,
                format!("query has more than {MAX_TERMS} terms; the rest was ignored"),
            );
            return Ast::All;
        }
        ast
    }

    fn parse_or(&mut self, field: Option<&str>) -> Ast {
        let mut alts = vec![self.parse_and(field)];
        loop {
            self.skip_ws();
            if self.at_or() {
                self.i += 2;
                alts.push(self.parse_and(field));
            } else {
                break;
            }
        }
        alts.retain(|a| !matches!(a, Ast::All));
        if alts.is_empty() {
            return Ast::All;
        }
        simplify(Ast::Or(alts))
    }

    fn parse_and(&mut self, field: Option<&str>) -> Ast {
        let mut parts = Vec::new();
        loop {
            self.skip_ws();
            let Some(c) = self.peek() else { break };
            if c == ')' {
                if self.flattened > 0 {
                    self.flattened -= 1;
                    self.i += 1;
                    continue;
                }
                if self.depth > 0 {
                    break;
                }
                // Stray ')' at top level: let the caller report it.
                break;
            }
            if self.at_or() {
                if parts.is_empty() {
                    self.i += 2;
                    warn(self.warnings, "OR without a left side ignored".to_string());
                    continue;
                }
                break;
            }
            if self.at_keyword("AND") || self.at_keyword("&&") {
                self.i += if self.at_keyword("AND") { 3 } else { 2 };
                continue;
            }
            let part = self.parse_unary(field);
            if !matches!(part, Ast::All) {
                parts.push(part);
            }
        }
        simplify(Ast::And(parts))
    }

    fn parse_unary(&mut self, field: Option<&str>) -> Ast {
        // Negations are counted in a loop (no recursion), so `------x` costs nothing.
        let mut negations = 0usize;
        loop {
            self.skip_ws();
            if self.at_keyword("NOT") {
                self.i += 3;
                negations += 1;
            } else if matches!(self.peek(), Some('-' | '!'))
                && self.s.get(self.i + 1).is_some_and(|&c| !c.is_whitespace())
            {
                self.i += 1;
                negations += 1;
            } else if self.peek() == Some('+') {
                self.i += 1;
            } else {
                break;
            }
        }
        if negations > 1 {
            warn(
                self.warnings,
                "repeated NOT: every second one cancels".to_string(),
            );
        }
        if negations > 0 && self.peek().is_none() {
            warn(
                self.warnings,
                "NOT at the end of the query ignored".to_string(),
            );
            return Ast::All;
        }
        let inner = self.parse_primary(field);
        if negations.is_multiple_of(2) {
            return inner;
        }
        match inner {
            Ast::All => Ast::All,
            Ast::Not(x) => *x,
            other => Ast::Not(Box::new(other)),
        }
    }

    /// A parenthesised group (the `(` is next), scoped to `field` when given: depth-bounded
    /// (deeper groups are flattened to match-all with a warning), a missing `)` is added.
    fn parse_group(&mut self, field: Option<&str>) -> Ast {
        self.i += 1;
        if self.depth >= MAX_DEPTH {
            warn(
                self.warnings,
                format!("parentheses nested deeper than {MAX_DEPTH} were flattened"),
            );
            self.flattened += 1;
            return Ast::All;
        }
        self.depth += 1;
        let inner = self.parse_or(field);
        self.depth -= 1;
        self.skip_ws();
        if self.peek() == Some(')') {
            self.i += 1;
        } else {
            warn(self.warnings, "missing ')' added at the end".to_string());
        }
        inner
    }

    fn parse_primary(&mut self, field: Option<&str>) -> Ast {
        match self.peek() {
            None => Ast::All,
            Some('(') => self.parse_group(field),
            Some('"') => {
                let text = self.read_phrase();
                if text.trim().is_empty() {
                    return Ast::All;
                }
                self.leaf(Ast::Phrase {
                    field: field.map(str::to_string),
                    text,
                })
            }
            Some(_) => self.parse_word_or_field(field),
        }
    }

    fn read_phrase(&mut self) -> String {
        debug_assert_eq!(self.peek(), Some('"'));
        self.i += 1;
        let start = self.i;
        while self.peek().is_some_and(|c| c != '"') {
            self.i += 1;
        }
        let text: String = self.s[start..self.i].iter().collect();
        if self.peek() == Some('"') {
            self.i += 1;
        } else {
            warn(
                self.warnings,
                "missing closing '\"' added at the end".to_string(),
            );
        }
        text
    }

    fn read_word(&mut self) -> String {
        let start = self.i;
        while self.peek().is_some_and(|c| !is_special(c)) {
            self.i += 1;
        }
        self.s[start..self.i].iter().collect()
    }

    fn parse_word_or_field(&mut self, outer_field: Option<&str>) -> Ast {
        // A field name: letters, digits and '_' then ':' then a value.
        let start = self.i;
        let mut j = self.i;
        while j < self.s.len() && (self.s[j].is_ascii_alphanumeric() || self.s[j] == '_') {
            j += 1;
        }
        if j > start
            && outer_field.is_none()
            && self.s.get(j) == Some(&':')
            && self.s[start].is_ascii_alphabetic()
        {
            let name: String = self.s[start..j].iter().collect();
            if crate::schema::query_field(&name).is_some() {
                self.i = j + 1;
                return self.parse_field_value(name);
            }
            warn(
                self.warnings,
                format!(
                    "unknown field '{name}': searched for the value as words (see the field list in the docs)"
                ),
            );
            self.i = j + 1;
            if self.peek().is_none_or(|c| c.is_whitespace() || c == ')') {
                return Ast::All;
            }
            return self.parse_primary(None);
        }
        let word = self.read_word();
        if word.is_empty() {
            // Only reachable on a lone special character; skip it.
            self.i += 1;
            return Ast::All;
        }
        if outer_field.is_none() && word.starts_with('/') {
            warn(
                self.warnings,
                "regular expressions are not supported; searched as words".to_string(),
            );
        }
        self.make_word(outer_field, word)
    }

    fn make_word(&mut self, field: Option<&str>, word: String) -> Ast {
        let wildcard = word.contains(['*', '?']);
        self.leaf(Ast::Word {
            field: field.map(str::to_string),
            text: word,
            wildcard,
        })
    }

    fn parse_field_value(&mut self, name: String) -> Ast {
        match self.peek() {
            None => {
                warn(self.warnings, format!("'{name}:' without a value ignored"));
                Ast::All
            }
            Some(c) if c.is_whitespace() || c == ')' => {
                warn(self.warnings, format!("'{name}:' without a value ignored"));
                Ast::All
            }
            Some('"') => {
                let text = self.read_phrase();
                if text.trim().is_empty() {
                    warn(
                        self.warnings,
                        format!("'{name}:' with an empty value ignored"),
                    );
                    return Ast::All;
                }
                self.leaf(Ast::Phrase {
                    field: Some(name),
                    text,
                })
            }
            Some('(') => {
                // A group scoped to the field: `keyword:(fox OR dog)`.
                self.parse_group(Some(&name))
            }
            Some('[' | '{') => self.parse_range(name),
            Some('>' | '<') => {
                let op_gt = self.peek() == Some('>');
                self.i += 1;
                let inclusive = self.peek() == Some('=');
                if inclusive {
                    self.i += 1;
                }
                let value = if self.peek() == Some('"') {
                    self.read_phrase()
                } else {
                    self.read_word()
                };
                if value.is_empty() {
                    warn(
                        self.warnings,
                        format!("comparison on '{name}' without a value ignored"),
                    );
                    return Ast::All;
                }
                let b = if inclusive {
                    Bound::Included(value)
                } else {
                    Bound::Excluded(value)
                };
                let (lower, upper) = if op_gt {
                    (b, Bound::Unbounded)
                } else {
                    (Bound::Unbounded, b)
                };
                self.leaf(Ast::Range {
                    field: name,
                    lower,
                    upper,
                })
            }
            Some(_) => {
                let word = self.read_word();
                self.make_word(Some(&name), word)
            }
        }
    }

    fn parse_range(&mut self, name: String) -> Ast {
        let open = self.peek();
        self.i += 1;
        let start = self.i;
        while self.peek().is_some_and(|c| c != ']' && c != '}') {
            self.i += 1;
        }
        let body: String = self.s[start..self.i].iter().collect();
        let close = self.peek();
        if close.is_some() {
            self.i += 1;
        } else {
            warn(
                self.warnings,
                format!("range on '{name}' is not closed; closed at the end"),
            );
        }
        let upper_body = body.to_ascii_uppercase();
        let Some(pos) = upper_body.find(" TO ") else {
            warn(
                self.warnings,
                format!("range on '{name}' needs the form [A TO B]; it was ignored"),
            );
            return Ast::All;
        };
        let a = body[..pos].trim().trim_matches('"').to_string();
        let b = body[pos + 4..].trim().trim_matches('"').to_string();
        let bound = |v: String, inclusive: bool| {
            if v.is_empty() || v == "*" {
                Bound::Unbounded
            } else if inclusive {
                Bound::Included(v)
            } else {
                Bound::Excluded(v)
            }
        };
        let lower = bound(a, open == Some('['));
        let upper = bound(b, close != Some('}'));
        self.leaf(Ast::Range {
            field: name,
            lower,
            upper,
        })
    }
}

/// Flattens single-child and nested same-kind nodes.
fn simplify(ast: Ast) -> Ast {
    match ast {
        Ast::And(mut v) => {
            v.retain(|a| !matches!(a, Ast::All));
            match v.len() {
                0 => Ast::All,
                1 => v.pop().unwrap_or(Ast::All),
                _ => {
                    let mut out = Vec::with_capacity(v.len());
                    for a in v {
                        match a {
                            Ast::And(inner) => out.extend(inner),
                            other => out.push(other),
                        }
                    }
                    Ast::And(out)
                }
            }
        }
        Ast::Or(mut v) => match v.len() {
            0 => Ast::All,
            1 => v.pop().unwrap_or(Ast::All),
            _ => {
                let mut out = Vec::with_capacity(v.len());
                for a in v {
                    match a {
                        Ast::Or(inner) => out.extend(inner),
                        other => out.push(other),
                    }
                }
                Ast::Or(out)
            }
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> (Ast, Vec<String>) {
        let mut w = Vec::new();
        let a = parse(s, &mut w);
        (a, w)
    }

    fn word(t: &str) -> Ast {
        Ast::Word {
            field: None,
            text: t.into(),
            wildcard: false,
        }
    }

    #[test]
    fn words_and_operators() {
        assert_eq!(p("").0, Ast::All);
        assert_eq!(p("fox").0, word("fox"));
        assert_eq!(p("red fox").0, Ast::And(vec![word("red"), word("fox")]));
        assert_eq!(p("red AND fox").0, Ast::And(vec![word("red"), word("fox")]));
        assert_eq!(p("red OR fox").0, Ast::Or(vec![word("red"), word("fox")]));
        assert_eq!(
            p("a b OR c").0,
            Ast::Or(vec![Ast::And(vec![word("a"), word("b")]), word("c")])
        );
        assert_eq!(
            p("a (b OR c)").0,
            Ast::And(vec![word("a"), Ast::Or(vec![word("b"), word("c")])])
        );
        assert_eq!(
            p("fox -red").0,
            Ast::And(vec![word("fox"), Ast::Not(Box::new(word("red")))])
        );
        assert_eq!(
            p("fox NOT red").0,
            Ast::And(vec![word("fox"), Ast::Not(Box::new(word("red")))])
        );
        // Lower-case "or" is a word, as in Lucene.
        assert_eq!(
            p("a or b").0,
            Ast::And(vec![word("a"), word("or"), word("b")])
        );
    }

    #[test]
    fn fields_phrases_ranges() {
        assert_eq!(
            p("make:Canon").0,
            Ast::Word {
                field: Some("make".into()),
                text: "Canon".into(),
                wildcard: false
            }
        );
        assert_eq!(
            p("keyword:\"red fox\"").0,
            Ast::Phrase {
                field: Some("keyword".into()),
                text: "red fox".into()
            }
        );
        assert_eq!(
            p("taken:[2020-01-01 TO 2021-01-01}").0,
            Ast::Range {
                field: "taken".into(),
                lower: Bound::Included("2020-01-01".into()),
                upper: Bound::Excluded("2021-01-01".into())
            }
        );
        assert_eq!(
            p("width:>2000").0,
            Ast::Range {
                field: "width".into(),
                lower: Bound::Excluded("2000".into()),
                upper: Bound::Unbounded
            }
        );
        assert_eq!(
            p("rating:<=3").0,
            Ast::Range {
                field: "rating".into(),
                lower: Bound::Unbounded,
                upper: Bound::Included("3".into())
            }
        );
        assert_eq!(
            p("size:[* TO 100]").0,
            Ast::Range {
                field: "size".into(),
                lower: Bound::Unbounded,
                upper: Bound::Included("100".into())
            }
        );
        assert_eq!(
            p("keyword:(fox OR dog)").0,
            Ast::Or(vec![
                Ast::Word {
                    field: Some("keyword".into()),
                    text: "fox".into(),
                    wildcard: false
                },
                Ast::Word {
                    field: Some("keyword".into()),
                    text: "dog".into(),
                    wildcard: false
                }
            ])
        );
    }

    #[test]
    fn lenient_on_malformed_input() {
        let (a, w) = p("fox (red");
        assert_eq!(a, Ast::And(vec![word("fox"), word("red")]));
        assert!(w.iter().any(|m| m.contains("missing ')'")), "{w:?}");
        let (a, w) = p("fox) red");
        assert_eq!(a, Ast::And(vec![word("fox"), word("red")]));
        assert!(w.iter().any(|m| m.contains("unmatched ')'")), "{w:?}");
        let (a, w) = p("\"red fox");
        assert_eq!(
            a,
            Ast::Phrase {
                field: None,
                text: "red fox".into()
            }
        );
        assert!(!w.is_empty());
        let (a, w) = p("nosuch:thing");
        assert_eq!(a, word("thing"));
        assert!(w[0].contains("unknown field 'nosuch'"));
        let (a, w) = p("make: canon");
        assert_eq!(a, word("canon"));
        assert!(!w.is_empty());
        let (_, w) = p("taken:[2020]");
        assert!(w[0].contains("[A TO B]"));
        for bad in [
            "OR",
            "AND",
            "NOT",
            "-",
            "((",
            "))",
            "\"",
            "a:",
            ":",
            "[",
            "width:>",
            "OR OR a",
            "a OR",
            "NOT NOT a",
            "()",
            "(\")",
            "taken:[",
            "- -",
            "!",
        ] {
            let _ = p(bad);
        }
    }

    #[test]
    fn bounded_work() {
        let many = "a ".repeat(10_000);
        let (a, w) = p(&many);
        match a {
            Ast::And(v) => assert!(v.len() <= MAX_TERMS),
            other => panic!("{other:?}"),
        }
        assert!(!w.is_empty());
        let deep = format!("{}fox{}", "(".repeat(50_000), ")".repeat(50_000));
        let (a, w) = p(&deep);
        // Cut at MAX_QUERY_CHARS: only parentheses are left.
        assert_eq!(a, Ast::All);
        assert!(w.iter().any(|m| m.contains("longer")));
        assert!(w.iter().any(|m| m.contains("nested")));
        let deep = format!("{}fox{}", "(".repeat(1000), ")".repeat(1000));
        let (a, _) = p(&deep);
        assert_eq!(a, word("fox"));
        let nots = format!("{}fox", "NOT ".repeat(1000));
        let _ = p(&nots);
        let dashes = format!("{}fox", "-".repeat(5000));
        let _ = p(&dashes);
    }
}
