//! Lightroom keyword list text (Library › Metadata › Export/Import Keywords).
//!
//! One keyword per line, one TAB per hierarchy level. `{x}` on the line under a keyword, one
//! level deeper, is a synonym of that keyword; `[x]` is a keyword that is not exported (a
//! category node) and may have children. UTF-8 with or without BOM, LF or CRLF.
//!
//! Each keyword becomes a concept whose IRI is derived from its path
//! (`urn:x-damkit:keyword:Animals/Mammals/Dogs`, percent-encoded; very deep paths use a hash
//! of the path instead, so that IRIs stay short).

use crate::error::{Error, Result};
use crate::model::{ConceptId, LabelKind, Vocabulary};
use crate::{Warning, pct_encode};

const FORMAT: &str = "Lightroom keyword list";
/// The IRI prefix of concepts read from keyword lists and CSV paths.
pub const KEYWORD_IRI_BASE: &str = "urn:x-damkit:keyword:";

/// Options of the keyword-list reader.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Fail on the first defect (inconsistent indentation, orphan synonym, spaces used for
    /// indentation) instead of repairing it with a warning.
    pub strict: bool,
    /// Language tag given to the keywords (Lightroom keywords carry none; default `""`).
    pub lang: String,
}

impl ReadOptions {
    /// Strict mode.
    pub fn strict() -> ReadOptions {
        ReadOptions {
            strict: true,
            ..ReadOptions::default()
        }
    }
}

/// Builds the IRI of a keyword from its parent's IRI and its name.
pub(crate) fn child_iri(parent: Option<&str>, name: &str) -> String {
    let enc = pct_encode(name);
    match parent {
        None => format!("{KEYWORD_IRI_BASE}{enc}"),
        Some(p) if p.len() + enc.len() < 512 && !p.starts_with("urn:x-damkit:keyword:#") => {
            format!("{p}/{enc}")
        }
        Some(p) => {
            let mut h = blake3::Hasher::new();
            h.update(p.as_bytes());
            h.update(&[0]);
            h.update(name.as_bytes());
            let hex = h.finalize().to_hex();
            format!("{KEYWORD_IRI_BASE}#{}", &hex[..32])
        }
    }
}

/// Parses a keyword list. Returns the vocabulary and the repairs made (lenient mode).
pub fn parse(bytes: &[u8], input: &str, opts: &ReadOptions) -> Result<(Vocabulary, Vec<Warning>)> {
    let mut v = Vocabulary::new();
    let w = read_into(&mut v, bytes, input, opts)?;
    v.finish();
    Ok((v, w))
}

/// Parses a keyword list into `vocab` (call [`Vocabulary::finish`] afterwards).
pub fn read_into(
    vocab: &mut Vocabulary,
    bytes: &[u8],
    input: &str,
    opts: &ReadOptions,
) -> Result<Vec<Warning>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64
            + 1;
        Error::syntax(
            input,
            FORMAT,
            Some(line),
            format!("not UTF-8 (invalid byte at offset {})", e.valid_up_to()),
        )
    })?;
    let mut warnings = Vec::new();
    let mut stack: Vec<ConceptId> = Vec::new();
    let mut complain = |line: u64, message: String| -> Result<()> {
        if opts.strict {
            Err(Error::syntax(input, FORMAT, Some(line), message))
        } else {
            warnings.push(Warning { line, message });
            Ok(())
        }
    };
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = i as u64 + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim().is_empty() {
            continue;
        }
        let mut depth = raw.bytes().take_while(|&b| b == b'\t').count();
        let rest = &raw[depth..];
        if rest.starts_with(' ') {
            complain(
                line_no,
                "indented with spaces; Lightroom uses one TAB per level".into(),
            )?;
        }
        // A stray BOM (U+FEFF) at a keyword's edge is invisible noise, like whitespace.
        let entry = rest.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        // Interior TABs and CRs cannot be written back: they become spaces (as on export).
        let cleaned;
        let entry = if entry.contains(['\t', '\r']) {
            complain(
                line_no,
                "TAB or CR inside a keyword, replaced by a space".into(),
            )?;
            cleaned = entry.replace(['\t', '\r'], " ");
            cleaned.as_str()
        } else {
            entry
        };
        if let Some(syn) = entry.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if depth == 0 || depth > stack.len() {
                complain(
                    line_no,
                    format!(
                        "synonym {{{syn}}} at level {depth} has no keyword at level {}",
                        depth.saturating_sub(1)
                    ),
                )?;
                if stack.is_empty() {
                    continue;
                }
                depth = stack.len();
            }
            let owner = stack[depth - 1];
            let syn = syn.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
            if syn.is_empty() {
                complain(line_no, "empty synonym".into())?;
                continue;
            }
            vocab.add_label(owner, LabelKind::Alt, &opts.lang, syn);
            continue;
        }
        let (name, category) = match entry.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            Some(n) => (
                n.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}'),
                true,
            ),
            None => (entry, false),
        };
        if name.is_empty() {
            complain(line_no, "empty keyword".into())?;
            continue;
        }
        if depth > stack.len() {
            complain(
                line_no,
                format!(
                    "keyword {name:?} is indented {depth} levels under a keyword at level {}",
                    stack.len().saturating_sub(1)
                ),
            )?;
            depth = stack.len();
        }
        stack.truncate(depth);
        let parent = stack.last().copied();
        let iri = child_iri(parent.map(|p| vocab.concept(p).iri()), name);
        let id = vocab.add_concept(&iri);
        if vocab.concept(id).pref_label(&[]).is_none() {
            vocab.add_label(id, LabelKind::Pref, &opts.lang, name);
        }
        if category {
            vocab.set_category(id, true);
        }
        if let Some(p) = parent {
            vocab.add_broader(id, p);
        }
        stack.push(id);
    }
    Ok(warnings)
}

/// Writes the vocabulary as a Lightroom keyword list (LF line ends, no BOM).
///
/// Labels are taken in `langs` (with fallback). A concept with several broader concepts is
/// written under each (Lightroom has no polyhierarchy); a broader cycle is cut where it closes.
/// Alternative labels become `{synonyms}`, category concepts `[keywords]`.
pub fn write(vocab: &Vocabulary, langs: &[&str]) -> Result<String> {
    let mut out = String::new();
    let n = vocab.concepts.len();
    let mut emitted = vec![false; n];
    let mut on_path = vec![false; n];
    // Output is bounded so a crafted diamond-shaped polyhierarchy cannot explode.
    let budget = n.saturating_mul(16).saturating_add(10_000);
    let mut lines = 0usize;
    let is_root = |id: ConceptId| {
        let c = vocab.concept(id);
        c.is_declared() && c.broader().iter().all(|&b| !vocab.concept(b).is_declared())
    };
    let roots: Vec<ConceptId> = vocab.concept_ids().filter(|&id| is_root(id)).collect();
    let mut extra = vocab.concept_ids();
    let mut pending_roots = roots.into_iter();
    loop {
        let root = match pending_roots.next() {
            Some(r) => r,
            None => match extra
                .by_ref()
                .find(|&id| vocab.concept(id).is_declared() && !emitted[id.index()])
            {
                Some(r) => r,
                None => break,
            },
        };
        // Frames: (concept, depth, next child index).
        let mut stack: Vec<(ConceptId, usize, usize)> = Vec::new();
        let mut enter = |id: ConceptId, depth: usize, out: &mut String| -> Result<()> {
            lines += 1;
            if lines > budget {
                return Err(Error::Export {
                    format: "Lightroom keyword list",
                    message: "the polyhierarchy is too large to write as a tree".into(),
                });
            }
            emitted[id.index()] = true;
            let c = vocab.concept(id);
            let label = clean(c.display_label(langs));
            push_tabs(out, depth);
            if c.is_category() {
                out.push('[');
                out.push_str(&label);
                out.push(']');
            } else {
                out.push_str(&label);
            }
            out.push('\n');
            let mut alts: Vec<&str> = c
                .labels_of(LabelKind::Alt)
                .filter(|l| {
                    langs.is_empty()
                        || langs.iter().any(|w| crate::model::lang_matches(l.lang, w))
                        || l.lang.is_empty()
                })
                .map(|l| l.text)
                .collect();
            alts.dedup();
            for a in alts {
                push_tabs(out, depth + 1);
                out.push('{');
                out.push_str(&clean(a));
                out.push_str("}\n");
            }
            Ok(())
        };
        enter(root, 0, &mut out)?;
        on_path[root.index()] = true;
        stack.push((root, 0, 0));
        while let Some(top) = stack.last_mut() {
            let (id, depth, next) = *top;
            let children = vocab.concept(id).narrower();
            if next < children.len() {
                top.2 += 1;
                let ch = children[next];
                if on_path[ch.index()] || !vocab.concept(ch).is_declared() {
                    continue;
                }
                if depth + 1 >= crate::MAX_DEPTH {
                    return Err(Error::Export {
                        format: "Lightroom keyword list",
                        message: format!(
                            "the hierarchy is deeper than {} levels",
                            crate::MAX_DEPTH
                        ),
                    });
                }
                enter(ch, depth + 1, &mut out)?;
                on_path[ch.index()] = true;
                stack.push((ch, depth + 1, 0));
            } else {
                on_path[id.index()] = false;
                stack.pop();
            }
        }
    }
    Ok(out)
}

fn push_tabs(out: &mut String, depth: usize) {
    out.extend(std::iter::repeat_n('\t', depth));
}

fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '\t' || c == '\n' || c == '\r' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hierarchy_synonyms_categories() {
        let text = "\u{feff}[Places]\r\n\tParis\r\n\t\t{Paname}\r\nAnimals\r\n\tDogs\r\n";
        let (v, w) = parse(text.as_bytes(), "t", &ReadOptions::default()).unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(v.len(), 4);
        let paris = v
            .concepts()
            .find(|c| c.pref_label(&[]) == Some("Paris"))
            .unwrap();
        assert_eq!(
            paris.labels_of(LabelKind::Alt).next().unwrap().text,
            "Paname"
        );
        let places = v.concept(paris.broader()[0]);
        assert!(places.is_category());
    }

    #[test]
    fn inconsistent_indentation_strict_and_lenient() {
        let text = "A\n\t\t\tB\n";
        let err = parse(text.as_bytes(), "kw.txt", &ReadOptions::strict()).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let (v, w) = parse(text.as_bytes(), "kw.txt", &ReadOptions::default()).unwrap();
        assert_eq!(w.len(), 1);
        assert_eq!(v.len(), 2);
    }

    #[test]
    fn stray_bom_is_not_part_of_a_keyword() {
        // Found by the taxonomy_lightroom fuzz target: a second BOM made a keyword that the
        // writer put first in the file, where the reader strips it as the file's BOM.
        let text = "\u{feff}\u{feff}Animals\n\t{\u{feff}Fauna}\n";
        let (v, _) = parse(text.as_bytes(), "t", &ReadOptions::default()).unwrap();
        let out = write(&v, &[]).unwrap();
        assert_eq!(out, "Animals\n\t{Fauna}\n");
    }

    #[test]
    fn interior_tab_becomes_space() {
        // Found by the taxonomy_lightroom fuzz target: "a\tb" and "a b" were two keywords that
        // export wrote identically.
        let text = "m\n\ta\tb\n\ta b\n";
        let (v, w) = parse(text.as_bytes(), "t", &ReadOptions::default()).unwrap();
        assert_eq!(w.len(), 1);
        assert_eq!(v.len(), 2);
        assert_eq!(write(&v, &[]).unwrap(), "m\n\ta b\n");
    }

    #[test]
    fn write_round_trip() {
        let text = "Animals\n\t{Fauna}\n\tDogs\n[Places]\n\tParis\n";
        let (v, _) = parse(text.as_bytes(), "t", &ReadOptions::default()).unwrap();
        assert_eq!(write(&v, &[]).unwrap(), text);
    }
}
