//! The damkit JSON form of a vocabulary (lossless for everything the model holds), and serde
//! for [`Vocabulary`] through it.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{LabelKind, MatchKind, NoteKind, Vocabulary};

/// The `format` value of a damkit vocabulary JSON document.
pub const FORMAT_TAG: &str = "damkit-vocabulary";

/// A label in the JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonLabel {
    /// Preferred, alternative or hidden.
    pub kind: LabelKind,
    /// Language tag (`""`: none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub lang: String,
    /// Text.
    pub text: String,
}

/// A note in the JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonNote {
    /// Definition, scope note...
    pub kind: NoteKind,
    /// Language tag.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub lang: String,
    /// Text.
    pub text: String,
}

/// A text with a language in the JSON form (an `rdfs:label`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonText {
    /// Language tag (`""`: none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub lang: String,
    /// Text.
    pub text: String,
}

/// A mapping in the JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonMatch {
    /// exactMatch, closeMatch...
    pub kind: MatchKind,
    /// Target IRI.
    pub iri: String,
}

/// Retirement in the JSON form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonRetired {
    /// Date, as written in the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Replacement IRIs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaced_by: Vec<String>,
}

/// A concept in the JSON form (`narrower` is not written: it is the inverse of `broader`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)]
pub struct JsonConcept {
    pub iri: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub category: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notations: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<JsonLabel>,
    /// `rdfs:label`s, used while the concept has no preferred label.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fallback_labels: Vec<JsonText>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<JsonNote>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub broader: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<JsonMatch>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schemes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub top_concept_of: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired: Option<JsonRetired>,
}

/// A scheme in the JSON form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)]
pub struct JsonScheme {
    pub iri: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<JsonLabel>,
}

/// A collection in the JSON form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)]
pub struct JsonCollection {
    pub iri: String,
    pub ordered: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<JsonLabel>,
    /// Member concept IRIs.
    pub members: Vec<String>,
    /// Member collection IRIs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub member_collections: Vec<String>,
}

/// The whole document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)]
pub struct JsonVocabulary {
    /// Always [`FORMAT_TAG`].
    pub format: String,
    pub version: u32,
    pub schemes: Vec<JsonScheme>,
    pub concepts: Vec<JsonConcept>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<JsonCollection>,
}

fn labels(v: &Vocabulary, ls: &[crate::model::Label]) -> Vec<JsonLabel> {
    ls.iter()
        .map(|l| JsonLabel {
            kind: l.kind,
            lang: v.str(l.lang).into(),
            text: v.str(l.text).into(),
        })
        .collect()
}

impl Vocabulary {
    /// The JSON form.
    pub fn to_json_doc(&self) -> JsonVocabulary {
        let siri =
            |s: &crate::model::SchemeId| self.str(self.schemes[s.0 as usize].iri).to_string();
        JsonVocabulary {
            format: FORMAT_TAG.into(),
            version: 1,
            schemes: self
                .schemes
                .iter()
                .map(|s| JsonScheme {
                    iri: self.str(s.iri).into(),
                    labels: labels(self, &s.labels),
                })
                .collect(),
            concepts: self
                .concepts()
                .map(|c| {
                    let raw = &self.concepts[c.id().index()];
                    JsonConcept {
                        iri: c.iri().into(),
                        category: c.is_category(),
                        notations: c.notations().map(String::from).collect(),
                        labels: labels(self, &raw.labels),
                        fallback_labels: c
                            .fallback_labels()
                            .map(|(lang, text)| JsonText {
                                lang: lang.into(),
                                text: text.into(),
                            })
                            .collect(),
                        notes: raw
                            .notes
                            .iter()
                            .map(|n| JsonNote {
                                kind: n.kind,
                                lang: self.str(n.lang).into(),
                                text: self.str(n.text).into(),
                            })
                            .collect(),
                        broader: c
                            .broader()
                            .iter()
                            .map(|&b| self.concept(b).iri().into())
                            .collect(),
                        related: c
                            .related()
                            .iter()
                            .map(|&b| self.concept(b).iri().into())
                            .collect(),
                        matches: c
                            .matches()
                            .map(|(kind, iri)| JsonMatch {
                                kind,
                                iri: iri.into(),
                            })
                            .collect(),
                        schemes: c.schemes().iter().map(siri).collect(),
                        top_concept_of: c.top_concept_of().iter().map(siri).collect(),
                        retired: c.is_retired().then(|| JsonRetired {
                            date: c.retired_date().map(String::from),
                            replaced_by: c.replaced_by().map(String::from).collect(),
                        }),
                    }
                })
                .collect(),
            collections: self
                .collections
                .iter()
                .enumerate()
                .map(|(i, coll)| {
                    let r = self.collections().nth(i);
                    JsonCollection {
                        iri: self.str(coll.iri).into(),
                        ordered: coll.ordered,
                        labels: labels(self, &coll.labels),
                        members: r
                            .iter()
                            .flat_map(|r| r.concept_members())
                            .map(|c| self.concept(c).iri().to_string())
                            .collect(),
                        member_collections: r
                            .iter()
                            .flat_map(|r| r.collection_members())
                            .map(String::from)
                            .collect(),
                    }
                })
                .collect(),
        }
    }

    /// Builds a vocabulary from its JSON form.
    pub fn from_json_doc(doc: &JsonVocabulary) -> Vocabulary {
        let mut v = Vocabulary::new();
        for s in &doc.schemes {
            let id = v.add_scheme(&s.iri);
            for l in &s.labels {
                v.add_scheme_label(id, l.kind, &l.lang, &l.text);
            }
        }
        for c in &doc.concepts {
            let id = v.add_concept(&c.iri);
            v.set_category(id, c.category);
            for n in &c.notations {
                v.add_notation(id, n);
            }
            for l in &c.labels {
                v.add_label(id, l.kind, &l.lang, &l.text);
            }
            for l in &c.fallback_labels {
                v.add_fallback_label(id, &l.lang, &l.text);
            }
            for n in &c.notes {
                v.add_note(id, n.kind, &n.lang, &n.text);
            }
            for b in &c.broader {
                let b = v.concept_id(b);
                v.add_broader(id, b);
            }
            for r in &c.related {
                let r = v.concept_id(r);
                v.add_related(id, r);
            }
            for m in &c.matches {
                v.add_match(id, m.kind, &m.iri);
            }
            for s in &c.schemes {
                let s = v.add_scheme(s);
                v.add_in_scheme(id, s);
            }
            for s in &c.top_concept_of {
                let s = v.add_scheme(s);
                v.add_top_concept(s, id);
            }
            if let Some(r) = &c.retired {
                let repl: Vec<&str> = r.replaced_by.iter().map(String::as_str).collect();
                v.set_retired(id, r.date.as_deref(), &repl);
            }
        }
        for c in &doc.collections {
            let id = v.add_collection(&c.iri, c.ordered);
            for l in &c.labels {
                v.add_collection_label(id, l.kind, &l.lang, &l.text);
            }
            for m in &c.members {
                let m = v.concept_id(m);
                v.add_member(id, m);
            }
            for m in &c.member_collections {
                let m = v.add_collection(m, false);
                v.add_member_collection(id, m);
            }
        }
        v.finish();
        v
    }

    /// Writes the JSON form (pretty-printed).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.to_json_doc()).unwrap_or_default()
    }
}

/// Whether `bytes` look like a damkit vocabulary JSON document.
pub fn sniff(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    head.windows(FORMAT_TAG.len())
        .any(|w| w == FORMAT_TAG.as_bytes())
}

/// Parses the JSON form. `input` names the source in errors.
pub fn parse(bytes: &[u8], input: &str) -> Result<Vocabulary> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let doc: JsonVocabulary = serde_json::from_slice(bytes).map_err(|e| Error::Syntax {
        input: input.to_string(),
        format: "damkit vocabulary JSON",
        line: Some(e.line() as u64),
        column: Some(e.column() as u64),
        message: e.to_string(),
    })?;
    if doc.format != FORMAT_TAG {
        return Err(Error::syntax(
            input,
            "damkit vocabulary JSON",
            None,
            format!("\"format\" is {:?}, expected {FORMAT_TAG:?}", doc.format),
        ));
    }
    Ok(Vocabulary::from_json_doc(&doc))
}

impl Serialize for Vocabulary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json_doc().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Vocabulary {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        JsonVocabulary::deserialize(d).map(|doc| Vocabulary::from_json_doc(&doc))
    }
}
