//! IPTC NewsCodes JSON (`cptall`, the IKOS JSON-LD-like export of <https://cv.iptc.org>).
//!
//! A document is one scheme (`uri`, `prefLabel`, `hasTopConcept`, `prefSchemeAlias` or
//! `prefAlias`) with a `conceptSet`. Relations are written either as full URIs or as QCodes
//! (`medtop:20000002`), which are expanded with the scheme alias. The QCode is kept as the
//! concept's notation; `retired` dates mark retired concepts.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::{LabelKind, MatchKind, NoteKind, Vocabulary};

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn iter(&self) -> impl Iterator<Item = &str> {
        let s: &[String] = match self {
            OneOrMany::One(s) => std::slice::from_ref(s),
            OneOrMany::Many(v) => v,
        };
        s.iter().map(String::as_str)
    }
}

type LangMap = BTreeMap<String, OneOrMany>;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Doc {
    uri: Option<String>,
    pref_label: LangMap,
    pref_scheme_alias: Option<String>,
    pref_alias: Option<String>,
    has_top_concept: Vec<String>,
    concept_set: Option<Vec<Item>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Item {
    uri: Option<String>,
    qcode: Option<String>,
    pref_label: LangMap,
    alt_label: LangMap,
    hidden_label: LangMap,
    definition: LangMap,
    scope_note: LangMap,
    note: LangMap,
    change_note: LangMap,
    editorial_note: LangMap,
    history_note: LangMap,
    broader: Vec<String>,
    narrower: Vec<String>,
    related: Vec<String>,
    exact_match: Vec<String>,
    close_match: Vec<String>,
    broad_match: Vec<String>,
    narrow_match: Vec<String>,
    related_match: Vec<String>,
    in_scheme: Vec<String>,
    retired: Option<String>,
    is_replaced_by: Vec<String>,
}

/// Whether `bytes` look like an IPTC NewsCodes JSON document (a `conceptSet` key).
pub fn sniff(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1 << 16)];
    head.windows(12).any(|w| w == b"\"conceptSet\"")
        || (bytes.len() > head.len() && bytes.windows(12).any(|w| w == b"\"conceptSet\""))
}

/// Parses an IPTC NewsCodes JSON document. `input` names the source in errors.
pub fn parse(bytes: &[u8], input: &str) -> Result<Vocabulary> {
    let mut v = Vocabulary::new();
    read_into(&mut v, bytes, input)?;
    v.finish();
    Ok(v)
}

/// Parses an IPTC NewsCodes JSON document into `vocab` (call [`Vocabulary::finish`] after).
pub fn read_into(vocab: &mut Vocabulary, bytes: &[u8], input: &str) -> Result<()> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let doc: Doc = serde_json::from_slice(bytes).map_err(|e| Error::Syntax {
        input: input.to_string(),
        format: "IPTC NewsCodes JSON",
        line: Some(e.line() as u64),
        column: Some(e.column() as u64),
        message: e.to_string(),
    })?;
    let Some(items) = doc.concept_set else {
        return Err(Error::syntax(
            input,
            "IPTC NewsCodes JSON",
            None,
            "no \"conceptSet\" array",
        ));
    };
    let scheme_uri = doc.uri.clone().unwrap_or_default();
    let alias = doc.pref_scheme_alias.or(doc.pref_alias).unwrap_or_default();
    let expand = |s: &str| -> String {
        if let Some((prefix, rest)) = s.split_once(':')
            && !alias.is_empty()
            && prefix == alias
            && !rest.starts_with("//")
        {
            return format!("{scheme_uri}{rest}");
        }
        s.to_string()
    };
    let scheme = (!scheme_uri.is_empty()).then(|| vocab.add_scheme(&scheme_uri));
    if let Some(sid) = scheme {
        for (lang, labels) in &doc.pref_label {
            for l in labels.iter() {
                vocab.add_scheme_label(sid, LabelKind::Pref, lang, l);
            }
        }
    }
    for (n, item) in items.iter().enumerate() {
        let iri = match (&item.uri, &item.qcode) {
            (Some(u), _) => u.clone(),
            (None, Some(q)) => expand(q),
            (None, None) => {
                return Err(Error::syntax(
                    input,
                    "IPTC NewsCodes JSON",
                    None,
                    format!("conceptSet[{n}] has neither \"uri\" nor \"qcode\""),
                ));
            }
        };
        let id = vocab.add_concept(&iri);
        if let Some(q) = &item.qcode {
            vocab.add_notation(id, q);
        }
        for (map, kind) in [
            (&item.pref_label, LabelKind::Pref),
            (&item.alt_label, LabelKind::Alt),
            (&item.hidden_label, LabelKind::Hidden),
        ] {
            for (lang, labels) in map {
                for l in labels.iter() {
                    vocab.add_label(id, kind, lang, l);
                }
            }
        }
        for (map, kind) in [
            (&item.definition, NoteKind::Definition),
            (&item.scope_note, NoteKind::ScopeNote),
            (&item.note, NoteKind::Note),
            (&item.change_note, NoteKind::ChangeNote),
            (&item.editorial_note, NoteKind::EditorialNote),
            (&item.history_note, NoteKind::HistoryNote),
        ] {
            for (lang, texts) in map {
                for t in texts.iter() {
                    vocab.add_note(id, kind, lang, t);
                }
            }
        }
        for b in &item.broader {
            let b = vocab.concept_id(&expand(b));
            vocab.add_broader(id, b);
        }
        for c in &item.narrower {
            let c = vocab.concept_id(&expand(c));
            vocab.add_narrower(id, c);
        }
        for r in &item.related {
            let r = vocab.concept_id(&expand(r));
            vocab.add_related(id, r);
        }
        for (list, kind) in [
            (&item.exact_match, MatchKind::Exact),
            (&item.close_match, MatchKind::Close),
            (&item.broad_match, MatchKind::Broad),
            (&item.narrow_match, MatchKind::Narrow),
            (&item.related_match, MatchKind::Related),
        ] {
            for m in list {
                vocab.add_match(id, kind, &expand(m));
            }
        }
        for s in &item.in_scheme {
            let sid = vocab.add_scheme(&expand(s));
            vocab.add_in_scheme(id, sid);
        }
        if item.in_scheme.is_empty()
            && let Some(sid) = scheme
        {
            vocab.add_in_scheme(id, sid);
        }
        if item.retired.is_some() || !item.is_replaced_by.is_empty() {
            let repl: Vec<String> = item.is_replaced_by.iter().map(|r| expand(r)).collect();
            let repl: Vec<&str> = repl.iter().map(String::as_str).collect();
            vocab.set_retired(id, item.retired.as_deref(), &repl);
        }
    }
    if let Some(sid) = scheme {
        for t in &doc.has_top_concept {
            let c = vocab.concept_id(&expand(t));
            vocab.add_top_concept(sid, c);
        }
    }
    Ok(())
}
