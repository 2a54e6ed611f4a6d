//! Taxonomy expansion, supplied by the caller.

/// Expands concepts of a controlled vocabulary for the query language.
///
/// The search crate does not depend on a vocabulary implementation: the facade plugs in
/// damkit-taxonomy, tests plug in a map. A query for a broader concept then finds assets
/// tagged with narrower ones: `concept:animals` searches `animals` and every concept the
/// expander lists as narrower. (Taxonomy *paths* need no expander: `taxonomy:/Animals`
/// matches `/Animals/Mammals/Dogs` because every ancestor of a path is indexed.)
pub trait ConceptExpander: Send + Sync {
    /// Concept ids narrower than `concept`, transitively, not including `concept` itself.
    /// At most [`crate::query::MAX_EXPANSION`] are used.
    fn narrower(&self, concept: &str) -> Vec<String>;

    /// Concept ids whose labels (in any language) equal the word `text` typed in a query, so
    /// that bare words also find controlled keywords. Defaults to none.
    fn concepts_for_label(&self, text: &str) -> Vec<String> {
        let _ = text;
        Vec::new()
    }
}

impl<F> ConceptExpander for F
where
    F: Fn(&str) -> Vec<String> + Send + Sync,
{
    fn narrower(&self, concept: &str) -> Vec<String> {
        self(concept)
    }
}
