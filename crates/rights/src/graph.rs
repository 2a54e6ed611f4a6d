//! A small in-memory RDF graph, read from Turtle (with `oxttl`) or from ODRL JSON-LD in
//! compact form (with the ODRL context bundled, never fetched).
//!
//! The graph keeps statements in document order, which matters for `odrl:andSequence`.

use std::collections::HashMap;

use crate::error::{Result, RightsError};
use crate::vocab::{ODRL, RDF_TYPE, XSD};

/// An RDF term.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    /// An IRI (absolute, or as written when the document used a relative one).
    Iri(String),
    /// A blank node, by its document-local label.
    Blank(String),
    /// A literal with its datatype IRI and optional language tag.
    Literal {
        /// The lexical form.
        value: String,
        /// The datatype IRI (`xsd:string` when none was given).
        datatype: String,
        /// The language tag of a `rdf:langString`.
        lang: Option<String>,
    },
}

impl Node {
    /// An IRI node.
    pub fn iri(s: impl Into<String>) -> Node {
        Node::Iri(s.into())
    }
    /// A plain `xsd:string` literal.
    pub fn string(s: impl Into<String>) -> Node {
        Node::Literal {
            value: s.into(),
            datatype: format!("{XSD}string"),
            lang: None,
        }
    }
    /// A typed literal.
    pub fn typed(s: impl Into<String>, datatype: impl Into<String>) -> Node {
        Node::Literal {
            value: s.into(),
            datatype: datatype.into(),
            lang: None,
        }
    }
    /// The IRI, when the node is one.
    pub fn as_iri(&self) -> Option<&str> {
        match self {
            Node::Iri(s) => Some(s),
            _ => None,
        }
    }
    /// A readable name: the IRI, `_:label` or the quoted literal.
    pub fn label(&self) -> String {
        match self {
            Node::Iri(s) => s.clone(),
            Node::Blank(b) => format!("_:{b}"),
            Node::Literal { value, .. } => format!("{value:?}"),
        }
    }
}

/// One statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Triple {
    /// Subject.
    pub subject: Node,
    /// Predicate IRI.
    pub predicate: String,
    /// Object.
    pub object: Node,
}

/// Limits for reading documents.
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    /// Largest input accepted, in bytes.
    pub max_bytes: u64,
    /// Most statements accepted.
    pub max_statements: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_bytes: 32 << 20,
            max_statements: 1_000_000,
        }
    }
}

/// A set of statements, indexed by subject.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    triples: Vec<Triple>,
    by_subject: HashMap<Node, Vec<usize>>,
    /// Notes about terms that were dropped while reading JSON-LD (unknown terms, remote
    /// contexts that are not fetched).
    pub warnings: Vec<String>,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Graph {
        Graph::default()
    }

    /// Adds a statement.
    pub fn insert(&mut self, subject: Node, predicate: impl Into<String>, object: Node) {
        let idx = self.triples.len();
        self.by_subject
            .entry(subject.clone())
            .or_default()
            .push(idx);
        self.triples.push(Triple {
            subject,
            predicate: predicate.into(),
            object,
        });
    }

    /// Adds every statement of `other`.
    pub fn extend(&mut self, other: &Graph) {
        for t in &other.triples {
            self.insert(t.subject.clone(), t.predicate.clone(), t.object.clone());
        }
    }

    /// Number of statements.
    pub fn len(&self) -> usize {
        self.triples.len()
    }

    /// Whether the graph is empty.
    pub fn is_empty(&self) -> bool {
        self.triples.is_empty()
    }

    /// All statements in document order.
    pub fn triples(&self) -> &[Triple] {
        &self.triples
    }

    /// The objects of `subject predicate ?o`, in document order.
    pub fn objects<'a>(&'a self, subject: &Node, predicate: &str) -> std::vec::IntoIter<&'a Node> {
        let v: Vec<&'a Node> = self
            .by_subject
            .get(subject)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
            .iter()
            .map(|&i| &self.triples[i])
            .filter(|t| t.predicate == predicate)
            .map(|t| &t.object)
            .collect();
        v.into_iter()
    }

    /// The first object of `subject predicate ?o`.
    pub fn object(&self, subject: &Node, predicate: &str) -> Option<&Node> {
        self.objects(subject, predicate).next()
    }

    /// Statements about `subject`.
    pub fn about<'a>(&'a self, subject: &Node) -> impl Iterator<Item = &'a Triple> + 'a {
        self.by_subject
            .get(subject)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
            .iter()
            .map(|&i| &self.triples[i])
    }

    /// Subjects having `rdf:type` `class`, in document order, without repeats.
    pub fn subjects_of_type(&self, class: &str) -> Vec<Node> {
        let mut out: Vec<Node> = Vec::new();
        for t in &self.triples {
            if t.predicate == RDF_TYPE
                && t.object.as_iri() == Some(class)
                && !out.contains(&t.subject)
            {
                out.push(t.subject.clone());
            }
        }
        out
    }

    /// Subjects of `?s predicate object`.
    pub fn subjects<'a>(
        &'a self,
        predicate: &'a str,
        object: &'a Node,
    ) -> impl Iterator<Item = &'a Node> + 'a {
        self.triples
            .iter()
            .filter(move |t| t.predicate == predicate && &t.object == object)
            .map(|t| &t.subject)
    }

    /// Whether `subject` has `rdf:type` `class`.
    pub fn has_type(&self, subject: &Node, class: &str) -> bool {
        self.objects(subject, RDF_TYPE)
            .any(|o| o.as_iri() == Some(class))
    }

    /// Reads Turtle. `source_name` labels errors.
    pub fn from_turtle(bytes: &[u8], source_name: &str) -> Result<Graph> {
        Graph::from_turtle_with(bytes, source_name, ReadLimits::default())
    }

    /// Reads Turtle with explicit limits.
    pub fn from_turtle_with(bytes: &[u8], source_name: &str, limits: ReadLimits) -> Result<Graph> {
        check_size(bytes, source_name, limits)?;
        let mut g = Graph::new();
        for t in oxttl::TurtleParser::new().for_slice(bytes) {
            let t = t.map_err(|e| RightsError::Turtle {
                source_name: source_name.to_owned(),
                message: e.to_string(),
            })?;
            if g.len() >= limits.max_statements {
                return Err(RightsError::TooManyStatements {
                    source_name: source_name.to_owned(),
                    limit: limits.max_statements,
                });
            }
            let subject = match t.subject {
                oxrdf::NamedOrBlankNode::NamedNode(n) => Node::Iri(n.into_string()),
                oxrdf::NamedOrBlankNode::BlankNode(b) => Node::Blank(b.into_string()),
            };
            let object = match t.object {
                oxrdf::Term::NamedNode(n) => Node::Iri(n.into_string()),
                oxrdf::Term::BlankNode(b) => Node::Blank(b.into_string()),
                oxrdf::Term::Literal(l) => {
                    let (value, datatype, lang) = l.destruct();
                    let datatype = match (&datatype, &lang) {
                        (Some(d), _) => d.as_str().to_owned(),
                        (None, Some(_)) => {
                            "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString".to_owned()
                        }
                        (None, None) => format!("{XSD}string"),
                    };
                    Node::Literal {
                        value,
                        datatype,
                        lang,
                    }
                }
                #[allow(unreachable_patterns)]
                _ => continue,
            };
            g.insert(subject, t.predicate.into_string(), object);
        }
        Ok(g)
    }

    /// Reads ODRL JSON-LD (compact form). The ODRL context
    /// (`http://www.w3.org/ns/odrl.jsonld`) is built in; inline contexts (prefixes and term
    /// definitions) are honoured; other remote contexts are never fetched (their terms are
    /// dropped with a warning in [`Graph::warnings`], unless they are ODRL terms).
    pub fn from_jsonld(bytes: &[u8], source_name: &str) -> Result<Graph> {
        Graph::from_jsonld_with(bytes, source_name, ReadLimits::default())
    }

    /// Reads JSON-LD with explicit limits.
    pub fn from_jsonld_with(bytes: &[u8], source_name: &str, limits: ReadLimits) -> Result<Graph> {
        check_size(bytes, source_name, limits)?;
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| RightsError::JsonLd {
                source_name: source_name.to_owned(),
                path: format!("line {} column {}", e.line(), e.column()),
                message: e.to_string(),
            })?;
        crate::jsonld::to_graph(&value, source_name, limits)
    }
}

fn check_size(bytes: &[u8], source_name: &str, limits: ReadLimits) -> Result<()> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(RightsError::TooLarge {
            source_name: source_name.to_owned(),
            size: bytes.len() as u64,
            limit: limits.max_bytes,
        });
    }
    Ok(())
}

/// Expands `odrl:` when `s` starts with it.
pub(crate) fn odrl(term: &str) -> String {
    format!("{ODRL}{term}")
}
