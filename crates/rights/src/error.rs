//! The crate's error type.

/// Everything that can go wrong reading, building or evaluating rights.
///
/// Messages name the file, the rule and the term that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RightsError {
    /// A Turtle document could not be parsed.
    #[error("{source_name}: malformed Turtle: {message}")]
    Turtle {
        /// File name or other label of the input.
        source_name: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A JSON-LD document could not be read.
    #[error("{source_name}: malformed JSON-LD at {path}: {message}")]
    JsonLd {
        /// File name or other label of the input.
        source_name: String,
        /// A JSON path (`$.permission[0].constraint`) to the offending value.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The input is larger than the configured limit.
    #[error("{source_name}: input of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// File name or other label of the input.
        source_name: String,
        /// Size of the input.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The document holds more triples or nodes than the configured limit.
    #[error("{source_name}: more than {limit} statements")]
    TooManyStatements {
        /// File name or other label of the input.
        source_name: String,
        /// The limit.
        limit: usize,
    },
    /// The RDF graph is not a valid ODRL policy.
    #[error("rule {rule}: term {term}: {message}")]
    Model {
        /// The policy or rule identifier (or `(policy)`).
        rule: String,
        /// The ODRL term at fault (`odrl:constraint`, `odrl:leftOperand` ...).
        term: String,
        /// What is wrong.
        message: String,
    },
    /// No policy was found in the document.
    #[error(
        "{source_name}: no ODRL policy (odrl:Set, odrl:Offer, odrl:Agreement or odrl:Policy) found"
    )]
    NoPolicy {
        /// File name or other label of the input.
        source_name: String,
    },
    /// A date or date-time could not be parsed.
    #[error("rule {rule}: term {term}: unparseable date {value:?}: {message}")]
    Date {
        /// The rule (or request) holding the value.
        rule: String,
        /// The term (`odrl:rightOperand`, `--at` ...).
        term: String,
        /// The text that failed.
        value: String,
        /// Why.
        message: String,
    },
    /// `includedIn` (actions) or `partOf` (assets, parties, places) forms a cycle.
    #[error("cycle in {relation}: {term} is (indirectly) part of itself")]
    Cycle {
        /// `odrl:includedIn` or `odrl:partOf`.
        relation: &'static str,
        /// A term on the cycle.
        term: String,
    },
    /// A DAM rights value could not be understood.
    #[error("field {field}: {message}")]
    Field {
        /// The metadata key or builder field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A conformance-suite folder is not in the expected layout.
    #[error("conformance suite {path}: {message}")]
    Suite {
        /// The folder or file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// `Result` with [`RightsError`].
pub type Result<T, E = RightsError> = std::result::Result<T, E>;
