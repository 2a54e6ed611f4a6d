//! Parallel parsing of large Turtle and N-Triples documents.
//!
//! The document is cut at statement ends into one chunk per core; each chunk is parsed by its
//! own `oxttl` parser into a local string table, and the tables are merged in document order.
//! Cutting a Turtle document safely needs care (oxttl's own splitter is a heuristic that
//! "can return wrong results" with late prefixes or Turtle-like text in literals), so this
//! only splits when it can prove the cut points right:
//!
//! - no long string (`"""` or `'''`) anywhere: then no literal spans lines;
//! - a cut point is the end of a line whose last non-blank character is `.` and which has no
//!   `#`: outside strings, IRIs and comments, such a `.` can only end a statement;
//! - every directive (`@prefix`, `@base`, `PREFIX`, `BASE`) comes before the first cut: the
//!   header is parsed first and its prefixes given to every other chunk.
//!
//! Whenever a condition fails, or any chunk has an error, the caller parses the whole
//! document sequentially (which also gives the exact error position).

use oxttl::{NTriplesParser, TurtleParser};

use crate::model::{Interner, Sym, Vocabulary};
use crate::skos::{Obj, T, TermCache};

/// Documents smaller than this are parsed sequentially (threads cost more than they save).
pub(crate) const MIN_PARALLEL_BYTES: usize = 8 << 20;

/// At most this many chunks.
const MAX_CHUNKS: usize = 8;

/// How far after a target offset a cut point is looked for.
const MAX_CUT_SEARCH: usize = 4 << 20;

struct Chunk {
    strings: Interner,
    triples: Vec<T>,
}

/// Parses `bytes` in parallel, interning into `vocab`; `None` when the document cannot be
/// split safely, is too small, or has an error anywhere (parse it sequentially then).
pub(crate) fn parse(vocab: &mut Vocabulary, bytes: &[u8], turtle: bool) -> Option<Vec<T>> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if bytes.len() < MIN_PARALLEL_BYTES {
        return None;
    }
    parse_with(vocab, bytes, turtle, threads)
}

fn parse_with(
    vocab: &mut Vocabulary,
    bytes: &[u8],
    turtle: bool,
    threads: usize,
) -> Option<Vec<T>> {
    let threads = threads.min(MAX_CHUNKS);
    if threads < 2 {
        return None;
    }
    let (header_end, cuts) = if turtle {
        turtle_cuts(bytes, threads)?
    } else {
        (0, ntriples_cuts(bytes, threads)?)
    };
    // Prefixes and base in force after the header (the chunk-0 parser reads them itself).
    let mut prefixes: Vec<(String, String)> = Vec::new();
    let mut base: Option<String> = None;
    if turtle && header_end > 0 {
        let mut p = TurtleParser::new().for_slice(&bytes[..header_end]);
        for t in p.by_ref() {
            t.ok()?;
        }
        prefixes = p
            .prefixes()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        base = p.base_iri().map(String::from);
    }
    // Blank node labels are document-scoped: tag them so two documents read into one
    // vocabulary keep theirs apart.
    let tag = {
        use std::hash::BuildHasher;
        foldhash::fast::RandomState::default().hash_one(bytes.len())
    };
    let mut bounds = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for &c in cuts.iter().chain(std::iter::once(&bytes.len())) {
        bounds.push((start, c));
        start = c;
    }
    let results: Vec<Option<Chunk>> = std::thread::scope(|s| {
        let handles: Vec<_> = bounds
            .iter()
            .enumerate()
            .map(|(i, &(a, b))| {
                let (prefixes, base) = (&prefixes, &base);
                s.spawn(move || {
                    let slice = &bytes[a..b];
                    if !turtle {
                        return parse_chunk(NTriplesParser::new().for_slice(slice), tag);
                    }
                    let mut p = TurtleParser::new();
                    if i > 0 {
                        for (k, v) in prefixes {
                            p = p.with_prefix(k.as_str(), v.as_str()).ok()?;
                        }
                        if let Some(b) = base {
                            p = p.with_base_iri(b.as_str()).ok()?;
                        }
                    }
                    parse_chunk(p.for_slice(slice), tag)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().ok().flatten())
            .collect()
    });
    let chunks: Vec<Chunk> = results.into_iter().collect::<Option<_>>()?;
    let total: usize = chunks.iter().map(|c| c.triples.len()).sum();
    let mut triples = Vec::with_capacity(total);
    for chunk in chunks {
        let map: Vec<Sym> = (0..chunk.strings.len())
            .map(|i| vocab.intern(chunk.strings.resolve(Sym::from_index(i))))
            .collect();
        let m = |s: Sym| map[s.index()];
        triples.extend(chunk.triples.iter().map(|t| T {
            s: m(t.s),
            p: m(t.p),
            o: match t.o {
                Obj::Node(o) => Obj::Node(m(o)),
                Obj::Lit { text, lang } => Obj::Lit {
                    text: m(text),
                    lang: m(lang),
                },
            },
        }));
    }
    Some(triples)
}

fn parse_chunk<E>(
    parser: impl Iterator<Item = Result<oxrdf::Triple, E>>,
    tag: u64,
) -> Option<Chunk> {
    let mut local = Vocabulary::new();
    let mut triples = Vec::new();
    let mut cache = TermCache::default();
    let mut key = String::new();
    let mut blank = |local: &mut Vocabulary, id: &str| {
        key.clear();
        use std::fmt::Write;
        let _ = write!(key, "{tag:016x}{id}");
        cache_intern_blank(local, &key)
    };
    for t in parser {
        let t = t.ok()?;
        let s = match &t.subject {
            oxrdf::NamedOrBlankNode::NamedNode(n) => cache.subject(&mut local, n.as_str(), false),
            oxrdf::NamedOrBlankNode::BlankNode(b) => blank(&mut local, b.as_str()),
        };
        let p = cache.predicate(&mut local, t.predicate.as_str());
        let o = match &t.object {
            oxrdf::Term::NamedNode(n) => Obj::Node(local.intern(n.as_str())),
            oxrdf::Term::BlankNode(b) => Obj::Node(blank(&mut local, b.as_str())),
            oxrdf::Term::Literal(l) => Obj::Lit {
                text: local.intern(l.value()),
                lang: cache.lang(&mut local, l.language().unwrap_or("")),
            },
            #[allow(unreachable_patterns)]
            _ => continue,
        };
        triples.push(T { s, p, o });
    }
    Some(Chunk {
        strings: local.strings,
        triples,
    })
}

fn cache_intern_blank(v: &mut Vocabulary, id: &str) -> Sym {
    let mut s = String::with_capacity(id.len() + 2);
    s.push_str("_:");
    s.push_str(id);
    v.intern(&s)
}

/// Whether the line ending at `nl` (exclusive) ends a statement: its last non-blank byte is
/// `.` and it has no `#`.
fn ends_statement(bytes: &[u8], line_start: usize, nl: usize) -> bool {
    let line = &bytes[line_start..nl];
    let trimmed = line.trim_ascii_end();
    trimmed.last() == Some(&b'.') && memchr::memchr(b'#', line).is_none()
}

/// The header end (after the last directive's line) and the cut points of a Turtle
/// document, or `None` when it cannot be split safely.
fn turtle_cuts(bytes: &[u8], n: usize) -> Option<(usize, Vec<usize>)> {
    if memchr::memmem::find(bytes, b"\"\"\"").is_some()
        || memchr::memmem::find(bytes, b"'''").is_some()
    {
        return None;
    }
    // The last directive: `@prefix`/`@base` anywhere, SPARQL style at a line start.
    let mut last = [b"@prefix".as_slice(), b"@base"]
        .iter()
        .filter_map(|d| memchr::memmem::rfind(bytes, d))
        .max();
    let mut line_start = 0;
    for nl in memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())) {
        let line = bytes[line_start..nl].trim_ascii_start();
        let kw = |k: &[u8]| {
            line.len() > k.len()
                && line[..k.len()].eq_ignore_ascii_case(k)
                && line[k.len()].is_ascii_whitespace()
        };
        if kw(b"prefix") || kw(b"base") {
            last = last.max(Some(line_start));
        }
        line_start = nl + 1;
    }
    let header_end = match last {
        Some(p) => memchr::memchr(b'\n', &bytes[p..]).map_or(bytes.len(), |i| p + i + 1),
        None => 0,
    };
    let cuts = cuts(bytes, n, header_end, true)?;
    Some((header_end, cuts))
}

fn ntriples_cuts(bytes: &[u8], n: usize) -> Option<Vec<usize>> {
    cuts(bytes, n, 0, false)
}

/// Cut points after `from`, near `k * len / n`: each just after a newline (ending a
/// statement, for Turtle).
fn cuts(bytes: &[u8], n: usize, from: usize, turtle: bool) -> Option<Vec<usize>> {
    let len = bytes.len();
    let mut out: Vec<usize> = Vec::new();
    for k in 1..n {
        let target = (k * len / n)
            .max(from)
            .max(out.last().copied().unwrap_or(0));
        if target >= len {
            break;
        }
        let window = &bytes[target..len.min(target + MAX_CUT_SEARCH)];
        // The line containing `target` starts after the previous newline.
        let mut line_start = memchr::memrchr(b'\n', &bytes[..target]).map_or(0, |i| i + 1);
        let mut found = None;
        for i in memchr::memchr_iter(b'\n', window) {
            let nl = target + i;
            if !turtle || ends_statement(bytes, line_start, nl) {
                found = Some(nl + 1);
                break;
            }
            line_start = nl + 1;
        }
        let cut = found?;
        if cut < len && out.last() != Some(&cut) {
            out.push(cut);
        }
    }
    if out.is_empty() { None } else { Some(out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_points_end_statements() {
        let doc = b"@prefix ex: <http://e/> .\nex:a ex:p \"x.\" ;\n  ex:q ex:b .\nex:c ex:p ex:d . # c.\nex:e ex:p ex:f .\nex:g ex:p ex:h .\n";
        let (h, c) = turtle_cuts(doc, 3).unwrap();
        assert_eq!(h, 26);
        for cut in c {
            let before = std::str::from_utf8(&doc[..cut]).unwrap();
            assert!(before.trim_end().ends_with('.'), "{before:?}");
            assert!(!before.lines().last().unwrap().contains('#'));
        }
        assert!(turtle_cuts(b"ex:a ex:p \"\"\"x\n.\n\"\"\" .\n", 2).is_none());
    }

    fn doc() -> String {
        let mut s = String::from(
            "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\nPREFIX ex: <http://example.org/>\n",
        );
        for i in 0..3000 {
            s.push_str(&format!(
                "ex:c{i} a skos:Concept ; # comment.\n  skos:prefLabel \"Label {i}. x\"@en ;\n  skos:broader ex:c{} ;\n  skos:note [ skos:note \"n\" ] .\n_:b{i} skos:member ex:c{i} .\n",
                i / 3
            ));
        }
        s
    }

    /// Named concepts with labels and broader IRIs; blank node ids are random per parse.
    fn summary(v: &Vocabulary) -> Vec<String> {
        v.concepts()
            .map(|c| {
                let iri = if c.iri().starts_with("_:") {
                    "_"
                } else {
                    c.iri()
                };
                let b: Vec<&str> = c.broader().iter().map(|&b| v.concept(b).iri()).collect();
                let notes: Vec<_> = c.notes(crate::NoteKind::Note).collect();
                format!("{iri} {:?} {b:?} {notes:?}", c.labels().collect::<Vec<_>>())
            })
            .collect()
    }

    #[test]
    fn parallel_equals_sequential() {
        let text = doc();
        let mut seq = Vocabulary::new();
        crate::skos::read_into(
            &mut seq,
            text.as_bytes(),
            crate::skos::RdfSyntax::Turtle,
            "t",
        )
        .unwrap();
        for threads in [2, 3, 8] {
            let mut par = Vocabulary::new();
            let triples = parse_with(&mut par, text.as_bytes(), true, threads).expect("splits");
            assert_eq!(triples.len(), 3000 * 6);
            crate::skos::interpret_triples(&mut par, &triples);
            par.finish();
            let mut s2 = seq.clone();
            s2.finish();
            assert!(summary(&par) == summary(&s2), "{threads} threads differ");
            assert_eq!(par.collections().count(), 3000);
        }
        // N-Triples.
        let nt: String = (0..2000)
            .map(|i| {
                format!(
                    "<http://e/{i}> <http://www.w3.org/2004/02/skos/core#prefLabel> \"L{i}\" .\n"
                )
            })
            .collect();
        let mut par = Vocabulary::new();
        assert_eq!(
            parse_with(&mut par, nt.as_bytes(), false, 4).unwrap().len(),
            2000
        );
        // An error anywhere: no result (the caller parses sequentially for the message).
        let bad = format!("{text}ex:x ex:y .\n");
        assert!(parse_with(&mut Vocabulary::new(), bad.as_bytes(), true, 2).is_none());
    }
}
