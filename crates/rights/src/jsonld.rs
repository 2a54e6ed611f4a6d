//! A JSON-LD 1.1 reader for ODRL documents in compact form.
//!
//! This is not a general JSON-LD processor: it implements the parts of expansion ODRL
//! documents use (the bundled ODRL context, inline contexts with prefixes and term
//! definitions with `@id`/`@type` coercion, `@id`, `@type`, `@value`, `@language`, `@list`,
//! `@set`, `@graph`, nested nodes as blank nodes) and never fetches a remote context.

use std::collections::HashMap;

use serde_json::Value;

use crate::error::{Result, RightsError};
use crate::graph::{Graph, Node, ReadLimits};
use crate::vocab::{self, ODRL, RDF_TYPE, XSD};

/// URLs under which the ODRL context is published; all map to the bundled copy.
pub const ODRL_CONTEXT_URLS: &[&str] = &[
    "http://www.w3.org/ns/odrl.jsonld",
    "https://www.w3.org/ns/odrl.jsonld",
    "http://www.w3.org/ns/odrl/2/",
    "https://www.w3.org/ns/odrl/2/",
    "http://www.w3.org/ns/odrl/2/odrl.jsonld",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coerce {
    Id,
    Vocab,
}

#[derive(Debug, Clone)]
struct TermDef {
    iri: String,
    coerce: Option<Coerce>,
    datatype: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct Context {
    prefixes: HashMap<String, String>,
    terms: HashMap<String, TermDef>,
    vocab: Option<String>,
    odrl: bool,
}

impl Context {
    fn bundled_odrl(&mut self) {
        self.odrl = true;
        for (p, iri) in vocab::PREFIXES {
            self.prefixes.insert((*p).to_owned(), (*iri).to_owned());
        }
    }

    /// The definition of a key (a term, a compact IRI or an absolute IRI).
    fn key(&self, key: &str) -> Option<TermDef> {
        if let Some(d) = self.terms.get(key) {
            return Some(d.clone());
        }
        if self.odrl && vocab::is_odrl_term(key) {
            return Some(TermDef {
                iri: format!("{ODRL}{key}"),
                coerce: vocab::odrl_coercion(key)
                    .map(|c| if c { Coerce::Vocab } else { Coerce::Id }),
                datatype: None,
            });
        }
        let iri = self.expand(key, true)?;
        // A compact IRI naming an ODRL property keeps the ODRL coercion.
        let coerce = iri
            .strip_prefix(ODRL)
            .and_then(vocab::odrl_coercion)
            .map(|c| if c { Coerce::Vocab } else { Coerce::Id });
        Some(TermDef {
            iri,
            coerce,
            datatype: None,
        })
    }

    /// Expands a term, compact IRI or IRI. `vocab` selects vocabulary-relative resolution.
    fn expand(&self, s: &str, vocab_relative: bool) -> Option<String> {
        if vocab_relative {
            if let Some(d) = self.terms.get(s) {
                return Some(d.iri.clone());
            }
            if self.odrl && vocab::is_odrl_term(s) {
                return Some(format!("{ODRL}{s}"));
            }
        }
        if let Some((prefix, rest)) = s.split_once(':') {
            if prefix == "_" {
                return Some(s.to_owned());
            }
            if !rest.starts_with("//") {
                if let Some(ns) = self.prefixes.get(prefix) {
                    return Some(format!("{ns}{rest}"));
                }
                if let Some(d) = self.terms.get(prefix) {
                    return Some(format!("{}{rest}", d.iri));
                }
            }
            return Some(s.to_owned());
        }
        if vocab_relative {
            return self.vocab.as_ref().map(|v| format!("{v}{s}"));
        }
        Some(s.to_owned())
    }

    fn extend(&self, ctx: &Value, r: &mut Reader<'_>, path: &str) -> Result<Context> {
        let mut out = self.clone();
        match ctx {
            Value::Null => out = Context::default(),
            Value::String(url) => {
                if ODRL_CONTEXT_URLS.contains(&url.as_str()) {
                    out.bundled_odrl();
                } else {
                    r.graph.warnings.push(format!(
                        "{path}: remote context {url} is not fetched; its terms are ignored"
                    ));
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    out = out.extend(item, r, &format!("{path}[{i}]"))?;
                }
            }
            Value::Object(map) => {
                if let Some(Value::String(v)) = map.get("@vocab") {
                    out.vocab = Some(v.clone());
                }
                // Prefixes first (string values), then term definitions that may use them.
                for (k, v) in map {
                    if k.starts_with('@') {
                        continue;
                    }
                    if let Value::String(iri) = v
                        && (iri.ends_with('/') || iri.ends_with('#') || iri.ends_with(':'))
                    {
                        out.prefixes.insert(k.clone(), iri.clone());
                    }
                }
                for (k, v) in map {
                    if k.starts_with('@') {
                        continue;
                    }
                    match v {
                        Value::String(iri) => {
                            if ODRL_CONTEXT_URLS.contains(&iri.as_str()) {
                                // `"odrl": "http://www.w3.org/ns/odrl.jsonld"` as seen in the
                                // wild: treat as the ODRL namespace prefix.
                                out.prefixes.insert(k.clone(), ODRL.to_owned());
                                continue;
                            }
                            let full = out.expand(iri, false).unwrap_or_else(|| iri.clone());
                            out.terms.insert(
                                k.clone(),
                                TermDef {
                                    iri: full,
                                    coerce: None,
                                    datatype: None,
                                },
                            );
                        }
                        Value::Object(def) => {
                            let id = match def.get("@id") {
                                Some(Value::String(id)) => {
                                    out.expand(id, true).unwrap_or_else(|| id.clone())
                                }
                                _ => match out.expand(k, true) {
                                    Some(i) => i,
                                    None => continue,
                                },
                            };
                            let (coerce, datatype) = match def.get("@type") {
                                Some(Value::String(t)) if t == "@id" => (Some(Coerce::Id), None),
                                Some(Value::String(t)) if t == "@vocab" => {
                                    (Some(Coerce::Vocab), None)
                                }
                                Some(Value::String(t)) => (None, out.expand(t, true)),
                                _ => (None, None),
                            };
                            out.terms.insert(
                                k.clone(),
                                TermDef {
                                    iri: id,
                                    coerce,
                                    datatype,
                                },
                            );
                        }
                        Value::Null => {
                            out.terms.remove(k);
                        }
                        _ => {
                            return Err(r.err(
                                &format!("{path}.{k}"),
                                "a term definition must be a string, an object or null",
                            ));
                        }
                    }
                }
            }
            _ => {
                return Err(r.err(
                    path,
                    "@context must be a string, an object, an array or null",
                ));
            }
        }
        Ok(out)
    }
}

struct Reader<'a> {
    graph: Graph,
    source_name: &'a str,
    limits: ReadLimits,
    blank: usize,
}

impl Reader<'_> {
    fn err(&self, path: &str, message: &str) -> RightsError {
        RightsError::JsonLd {
            source_name: self.source_name.to_owned(),
            path: path.to_owned(),
            message: message.to_owned(),
        }
    }

    fn fresh(&mut self) -> Node {
        self.blank += 1;
        Node::Blank(format!("b{}", self.blank))
    }

    fn insert(&mut self, s: Node, p: String, o: Node) -> Result<()> {
        if self.graph.len() >= self.limits.max_statements {
            return Err(RightsError::TooManyStatements {
                source_name: self.source_name.to_owned(),
                limit: self.limits.max_statements,
            });
        }
        self.graph.insert(s, p, o);
        Ok(())
    }

    fn node(
        &mut self,
        obj: &serde_json::Map<String, Value>,
        ctx: &Context,
        path: &str,
    ) -> Result<Node> {
        let local;
        let ctx = if let Some(c) = obj.get("@context") {
            local = ctx.extend(c, self, &format!("{path}.@context"))?;
            &local
        } else {
            ctx
        };
        let subject = match obj.get("@id") {
            Some(Value::String(id)) => {
                let iri = ctx.expand(id, false).unwrap_or_else(|| id.clone());
                match iri.strip_prefix("_:") {
                    Some(b) => Node::Blank(format!("doc-{b}")),
                    None => Node::Iri(iri),
                }
            }
            Some(_) => return Err(self.err(&format!("{path}.@id"), "@id must be a string")),
            None => self.fresh(),
        };
        for (key, value) in obj {
            let kpath = format!("{path}.{key}");
            match key.as_str() {
                "@context" | "@id" => {}
                "@type" => {
                    for (i, t) in as_items(value).enumerate() {
                        let Value::String(t) = t else {
                            return Err(
                                self.err(&format!("{kpath}[{i}]"), "@type values must be strings")
                            );
                        };
                        let iri = ctx.expand(t, true).unwrap_or_else(|| t.clone());
                        self.insert(subject.clone(), RDF_TYPE.to_owned(), Node::Iri(iri))?;
                    }
                }
                "@graph" => {
                    for (i, item) in as_items(value).enumerate() {
                        match item {
                            Value::Object(o) => {
                                self.node(o, ctx, &format!("{kpath}[{i}]"))?;
                            }
                            _ => {
                                return Err(self.err(
                                    &format!("{kpath}[{i}]"),
                                    "@graph items must be objects",
                                ));
                            }
                        }
                    }
                }
                k if k.starts_with('@') => {
                    self.graph.warnings.push(format!(
                        "{kpath}: keyword {k} is not supported and was ignored"
                    ));
                }
                _ => {
                    let Some(def) = ctx.key(key) else {
                        self.graph.warnings.push(format!(
                            "{kpath}: term {key:?} is not defined by any context; dropped"
                        ));
                        continue;
                    };
                    let mut objects = Vec::new();
                    self.values(value, &def, ctx, &kpath, &mut objects)?;
                    for o in objects {
                        self.insert(subject.clone(), def.iri.clone(), o)?;
                    }
                }
            }
        }
        Ok(subject)
    }

    fn values(
        &mut self,
        value: &Value,
        def: &TermDef,
        ctx: &Context,
        path: &str,
        out: &mut Vec<Node>,
    ) -> Result<()> {
        match value {
            Value::Null => {}
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.values(item, def, ctx, &format!("{path}[{i}]"), out)?;
                }
            }
            Value::String(s) => out.push(match (def.coerce, &def.datatype) {
                (Some(Coerce::Id), _) => {
                    Node::Iri(ctx.expand(s, false).unwrap_or_else(|| s.clone()))
                }
                (Some(Coerce::Vocab), _) => {
                    Node::Iri(ctx.expand(s, true).unwrap_or_else(|| s.clone()))
                }
                (None, Some(dt)) => Node::typed(s.clone(), dt.clone()),
                (None, None) => Node::string(s.clone()),
            }),
            Value::Number(n) => {
                let dt = def.datatype.clone().unwrap_or_else(|| {
                    if n.is_i64() || n.is_u64() {
                        format!("{XSD}integer")
                    } else {
                        format!("{XSD}double")
                    }
                });
                out.push(Node::typed(n.to_string(), dt));
            }
            Value::Bool(b) => out.push(Node::typed(b.to_string(), format!("{XSD}boolean"))),
            Value::Object(o) => {
                if let Some(v) = o.get("@value") {
                    let lexical = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => {
                            return Err(self.err(
                                &format!("{path}.@value"),
                                "@value must be a string, number or boolean",
                            ));
                        }
                    };
                    let lang = o
                        .get("@language")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    let datatype = match o.get("@type") {
                        Some(Value::String(t)) => ctx.expand(t, true).unwrap_or_else(|| t.clone()),
                        Some(_) => {
                            return Err(self.err(
                                &format!("{path}.@type"),
                                "the @type of a value must be a string",
                            ));
                        }
                        None if lang.is_some() => {
                            "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString".to_owned()
                        }
                        None => match v {
                            Value::Number(n) if n.is_i64() || n.is_u64() => format!("{XSD}integer"),
                            Value::Number(_) => format!("{XSD}double"),
                            Value::Bool(_) => format!("{XSD}boolean"),
                            _ => def
                                .datatype
                                .clone()
                                .unwrap_or_else(|| format!("{XSD}string")),
                        },
                    };
                    out.push(Node::Literal {
                        value: lexical,
                        datatype,
                        lang,
                    });
                } else if let Some(list) = o.get("@list").or_else(|| o.get("@set")) {
                    self.values(list, def, ctx, &format!("{path}.@list"), out)?;
                } else {
                    out.push(self.node(o, ctx, path)?);
                }
            }
        }
        Ok(())
    }
}

fn as_items(v: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match v {
        Value::Array(a) => Box::new(a.iter()),
        other => Box::new(std::iter::once(other)),
    }
}

pub(crate) fn to_graph(value: &Value, source_name: &str, limits: ReadLimits) -> Result<Graph> {
    let mut r = Reader {
        graph: Graph::new(),
        source_name,
        limits,
        blank: 0,
    };
    let ctx = Context::default();
    match value {
        Value::Object(o) => {
            r.node(o, &ctx, "$")?;
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Object(o) => {
                        r.node(o, &ctx, &format!("$[{i}]"))?;
                    }
                    _ => {
                        return Err(
                            r.err(&format!("$[{i}]"), "top-level array items must be objects")
                        );
                    }
                }
            }
        }
        _ => {
            return Err(r.err(
                "$",
                "a JSON-LD document must be an object or an array of objects",
            ));
        }
    }
    Ok(r.graph)
}
