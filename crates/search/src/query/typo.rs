//! Typo tolerance: the words at Damerau-Levenshtein distance exactly 1 from a query word.
//!
//! tantivy's `FuzzyTermQuery` matches distance 0 *and* 1 and builds its own automaton per
//! field. Every word that gets typo tolerance is also looked up exactly (a term query on the
//! same field), so the distance-0 match only decoded the word's whole posting list a second
//! time into a bitset, once per field and segment: at 1M records most of a fuzzy clause's
//! time. [`TypoQuery`] matches only distance 1 and shares one automaton between the fields
//! of a word.

use std::sync::{Arc, OnceLock};

use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder, SINK_STATE};
use tantivy::query::{AutomatonWeight, EnableScoring, Query, Weight};
use tantivy::schema::Field;

/// A Levenshtein automaton (distance 1, transposition costs 1) that accepts only words at
/// distance exactly 1 from its word.
pub(crate) struct TypoAutomaton(DFA);

impl std::fmt::Debug for TypoAutomaton {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TypoAutomaton")
    }
}

impl TypoAutomaton {
    /// The automaton of `word` (already analysed: lower case, folded).
    pub(crate) fn new(word: &str) -> Arc<TypoAutomaton> {
        static BUILDER: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
        let builder = BUILDER.get_or_init(|| LevenshteinAutomatonBuilder::new(1, true));
        Arc::new(TypoAutomaton(builder.build_dfa(word)))
    }

    /// Whether `candidate` is at distance exactly 1 (used to highlight typo matches).
    pub(crate) fn matches(&self, candidate: &str) -> bool {
        let mut s = self.0.initial_state();
        for b in candidate.bytes() {
            s = self.0.transition(s, b);
            if s == SINK_STATE {
                return false;
            }
        }
        matches!(self.0.distance(s), Distance::Exact(1))
    }
}

impl tantivy_fst::Automaton for TypoAutomaton {
    type State = u32;

    fn start(&self) -> u32 {
        self.0.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(1))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// The words of `field` at distance exactly 1 from the automaton's word (constant score).
#[derive(Debug, Clone)]
pub(crate) struct TypoQuery {
    pub(crate) field: Field,
    pub(crate) automaton: Arc<TypoAutomaton>,
}

impl Query for TypoQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(AutomatonWeight::<TypoAutomaton>::new(
            self.field,
            Arc::clone(&self.automaton),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_exactly_one() {
        let a = TypoAutomaton::new("canon");
        assert!(!a.matches("canon"));
        for w in ["canin", "caon", "cannon", "acnon", "canons"] {
            assert!(a.matches(w), "{w}");
        }
        for w in ["cnnin", "nikon", "can", ""] {
            assert!(!a.matches(w), "{w}");
        }
    }
}
