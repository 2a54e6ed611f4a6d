//! Hierarchy queries: ancestors, descendants, `A|B|C` paths and expansion for indexing.
//!
//! Every walk is iterative with a visited set, so a 100 000-level hierarchy or a broader
//! cycle never overflows the stack nor loops.

use crate::model::{ConceptId, Vocabulary};

/// Most paths returned for one concept: a polyhierarchy can have exponentially many.
pub const MAX_PATHS: usize = 64;
/// Longest path returned (deeper hierarchies are cut at this depth, counted from the concept).
pub const MAX_DEPTH: usize = 4096;

impl Vocabulary {
    fn walk(&self, start: &[ConceptId], up: bool) -> Vec<ConceptId> {
        let n = self.concepts.len();
        let mut seen = vec![false; n];
        let mut out = Vec::new();
        let mut stack: Vec<ConceptId> = Vec::new();
        for &s in start {
            if s.index() < n {
                seen[s.index()] = true;
            }
        }
        for &s in start {
            if let Some(c) = self.raw(s) {
                stack.extend(if up { &c.broader } else { &c.narrower }.iter().rev());
            }
        }
        // Breadth-first order reads better (nearest first); use a queue over `stack`.
        let mut queue: std::collections::VecDeque<ConceptId> = stack.drain(..).rev().collect();
        while let Some(id) = queue.pop_front() {
            if id.index() >= n || seen[id.index()] {
                continue;
            }
            seen[id.index()] = true;
            out.push(id);
            let c = &self.concepts[id.index()];
            queue.extend(if up { &c.broader } else { &c.narrower }.iter().copied());
        }
        out
    }

    /// All broader concepts, transitively, nearest first (a cycle stops at the start).
    pub fn ancestors(&self, concept: ConceptId) -> Vec<ConceptId> {
        self.walk(&[concept], true)
    }

    /// All narrower concepts, transitively, nearest first.
    pub fn descendants(&self, concept: ConceptId) -> Vec<ConceptId> {
        self.walk(&[concept], false)
    }

    /// The concept and all its descendants: what a search for a broad concept should match
    /// ("Animals" finds assets keyworded "Dogs").
    pub fn expand_query(&self, concept: ConceptId) -> Vec<ConceptId> {
        let mut v = vec![concept];
        v.extend(self.descendants(concept));
        v
    }

    /// The paths from a top concept down to `concept`, each as the list of concepts from the
    /// top (one path per route through a polyhierarchy, at most [`MAX_PATHS`]). Category nodes
    /// are included; see [`Vocabulary::paths`] for the exported form.
    pub fn concept_paths(&self, concept: ConceptId) -> Vec<Vec<ConceptId>> {
        let mut done = Vec::new();
        if self.raw(concept).is_none() {
            return done;
        }
        // Each partial path is kept reversed (concept first); iterative DFS upwards.
        let mut stack: Vec<Vec<ConceptId>> = vec![vec![concept]];
        let mut budget = 64_000_000usize;
        'paths: while let Some(mut path) = stack.pop() {
            loop {
                budget = budget.saturating_sub(path.len().min(MAX_DEPTH) + 1);
                if budget == 0 || done.len() >= MAX_PATHS {
                    break 'paths;
                }
                let Some(&last) = path.last() else {
                    continue 'paths;
                };
                let parents: Vec<ConceptId> = self.concepts[last.index()]
                    .broader
                    .iter()
                    .copied()
                    .filter(|p| self.concepts[p.index()].declared && !path.contains(p))
                    .collect();
                if parents.is_empty() || path.len() >= MAX_DEPTH {
                    path.reverse();
                    done.push(path);
                    continue 'paths;
                }
                for &p in parents[1..].iter().rev() {
                    let mut next = path.clone();
                    next.push(p);
                    stack.push(next);
                }
                path.push(parents[0]);
            }
        }
        done
    }

    /// The hierarchical keyword paths of a concept, as Lightroom writes them in
    /// `lr:hierarchicalSubject`: labels joined with `|`, top first, category nodes left out.
    pub fn paths(&self, concept: ConceptId, langs: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in self.concept_paths(concept) {
            let s = p
                .iter()
                .map(|&c| self.concept(c))
                .filter(|c| !c.is_category())
                .map(|c| c.display_label(langs).replace('|', " "))
                .collect::<Vec<_>>()
                .join("|");
            if !s.is_empty() && !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    /// The first path of [`Vocabulary::paths`], if any.
    pub fn path(&self, concept: ConceptId, langs: &[&str]) -> Option<String> {
        self.paths(concept, langs).into_iter().next()
    }

    /// Expands an asset's concepts for indexing: the concepts and all their ancestors,
    /// without duplicates and without category nodes (a "Dogs" asset also carries "Mammals"
    /// and "Animals").
    pub fn expand_for_index(&self, concepts: &[ConceptId]) -> Vec<ConceptId> {
        let mut out: Vec<ConceptId> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for &c in concepts {
            if self.raw(c).is_some() && seen.insert(c) {
                out.push(c);
            }
        }
        for a in self.walk(concepts, true) {
            if seen.insert(a) {
                out.push(a);
            }
        }
        out.retain(|&c| !self.concepts[c.index()].category);
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{LabelKind, Vocabulary};

    #[test]
    fn deep_chain_and_cycle() {
        let mut v = Vocabulary::new();
        let mut prev = v.add_concept("urn:c:0");
        let first = prev;
        for i in 1..100_000 {
            let c = v.add_concept(&format!("urn:c:{i}"));
            v.add_broader(c, prev);
            prev = c;
        }
        v.add_broader(first, prev); // close a 100 000-long cycle
        v.finish();
        assert_eq!(v.ancestors(prev).len(), 99_999);
        assert_eq!(v.descendants(first).len(), 99_999);
        let paths = v.concept_paths(prev);
        assert_eq!(paths.len(), 1);
        assert_eq!(paths[0].len(), super::MAX_DEPTH);
    }

    #[test]
    fn paths_skip_categories() {
        let mut v = Vocabulary::new();
        let cat = v.add_concept("urn:places");
        v.set_category(cat, true);
        v.add_label(cat, LabelKind::Pref, "", "Places");
        let fr = v.add_concept("urn:fr");
        v.add_label(fr, LabelKind::Pref, "", "France");
        let paris = v.add_concept("urn:paris");
        v.add_label(paris, LabelKind::Pref, "", "Paris");
        v.add_broader(fr, cat);
        v.add_broader(paris, fr);
        v.finish();
        assert_eq!(v.paths(paris, &[]), vec!["France|Paris".to_string()]);
        assert_eq!(v.expand_for_index(&[paris]), vec![paris, fr]);
    }
}
