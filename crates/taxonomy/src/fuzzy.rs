//! Levenshtein automata for `fst` searches.
//!
//! `fst`'s own `Levenshtein` builds its DFA per query, which costs milliseconds for a
//! 10-character query at distance 2. `levenshtein_automata` (the tantivy crate) precomputes a
//! parametric automaton per distance once, so each query's DFA is built in microseconds; it
//! also counts a transposition (`dgos` → `dogs`) as one edit. This adapter lets its DFAs drive
//! `fst` streams.

use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder, SINK_STATE};

/// Builders for distances 1 and 2 (Damerau: transpositions cost one).
pub(crate) struct Builders {
    d1: LevenshteinAutomatonBuilder,
    d2: LevenshteinAutomatonBuilder,
}

impl std::fmt::Debug for Builders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Builders")
    }
}

impl Builders {
    pub(crate) fn new() -> Builders {
        Builders {
            d1: LevenshteinAutomatonBuilder::new(1, true),
            d2: LevenshteinAutomatonBuilder::new(2, true),
        }
    }

    /// A DFA matching keys within `d` (1 or 2) edits of `query` (whole key, or key prefix).
    pub(crate) fn dfa(&self, query: &str, d: u8, prefix: bool) -> Lev {
        let b = if d <= 1 { &self.d1 } else { &self.d2 };
        Lev(if prefix {
            b.build_prefix_dfa(query)
        } else {
            b.build_dfa(query)
        })
    }
}

/// An `fst::Automaton` over a `levenshtein_automata` DFA.
pub(crate) struct Lev(DFA);

impl Lev {
    /// The edit distance of a full key, if within bound.
    pub(crate) fn distance(&self, key: &[u8]) -> Option<u8> {
        match self.0.eval(key) {
            Distance::Exact(d) => Some(d),
            Distance::AtLeast(_) => None,
        }
    }
}

impl fst::Automaton for Lev {
    type State = u32;
    fn start(&self) -> u32 {
        self.0.initial_state()
    }
    fn is_match(&self, s: &u32) -> bool {
        matches!(self.0.distance(*s), Distance::Exact(_))
    }
    fn can_match(&self, s: &u32) -> bool {
        *s != SINK_STATE
    }
    fn accept(&self, s: &u32, b: u8) -> u32 {
        self.0.transition(*s, b)
    }
}

impl Lev {
    /// The start state.
    pub(crate) fn initial(&self) -> u32 {
        self.0.initial_state()
    }
    /// The state after byte `b`.
    pub(crate) fn step(&self, s: u32, b: u8) -> u32 {
        self.0.transition(s, b)
    }
    /// Whether no continuation can match any more.
    pub(crate) fn is_dead(&self, s: u32) -> bool {
        s == SINK_STATE
    }
    /// The edit distance of the input read so far, if within bound.
    pub(crate) fn state_distance(&self, s: u32) -> Option<u8> {
        match self.0.distance(s) {
            Distance::Exact(d) => Some(d),
            Distance::AtLeast(_) => None,
        }
    }
}
