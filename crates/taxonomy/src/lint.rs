//! Vocabulary lint: SKOS integrity conditions and the common defects of real vocabularies.
//!
//! | rule | what it finds |
//! |---|---|
//! | `S13` | a label that is two of prefLabel / altLabel / hiddenLabel of one concept (SKOS S13: the three are pairwise disjoint) |
//! | `S14` | two different prefLabels in one language on one concept (SKOS S14) |
//! | `S27` | two concepts both `related` and in a transitive `broader` relation (SKOS S27: `related` is disjoint with `broaderTransitive`) |
//! | `S46` | a pair in both `exactMatch` and `broadMatch`/`relatedMatch` (SKOS S46) |
//! | `cycle` | concepts that are (transitively) broader than themselves |
//! | `orphan` | a live concept with no broader, narrower or related concept that is not a top concept |
//! | `no-pref-label` | a live (not retired) concept without any prefLabel |
//! | `duplicate-label` | the same label (folded, same language) as the prefLabel of two concepts of one scheme, or as the prefLabel of one and an altLabel of another |
//! | `empty-label` | an empty or blank label |
//! | `unprintable-label` | a label with control characters, U+FFFD or noncharacters |
//! | `bad-language-tag` | a language tag that is not well-formed BCP 47 |
//! | `missing-concept` | a relation, top concept or collection member pointing to a concept that is not stated |

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::model::{ConceptId, LabelKind, MatchKind, Member, SchemeId, Vocabulary};
use crate::normalize::fold;

/// A lint rule name (an open set: tools may add their own).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rule(pub std::borrow::Cow<'static, str>);

#[allow(missing_docs)]
impl Rule {
    pub const S13: Rule = Rule::new("S13");
    pub const S14: Rule = Rule::new("S14");
    pub const S27: Rule = Rule::new("S27");
    pub const S46: Rule = Rule::new("S46");
    pub const CYCLE: Rule = Rule::new("cycle");
    pub const ORPHAN: Rule = Rule::new("orphan");
    pub const NO_PREF_LABEL: Rule = Rule::new("no-pref-label");
    pub const DUPLICATE_LABEL: Rule = Rule::new("duplicate-label");
    pub const EMPTY_LABEL: Rule = Rule::new("empty-label");
    pub const UNPRINTABLE_LABEL: Rule = Rule::new("unprintable-label");
    pub const BAD_LANGUAGE_TAG: Rule = Rule::new("bad-language-tag");
    pub const MISSING_CONCEPT: Rule = Rule::new("missing-concept");

    const fn new(s: &'static str) -> Rule {
        Rule(std::borrow::Cow::Borrowed(s))
    }
    /// The rule name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One defect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// The IRIs of the concepts involved.
    pub concepts: Vec<String>,
    /// A human-readable description.
    pub message: String,
}

/// The lint report: `{"concepts": N, "findings": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The number of concepts checked.
    pub concepts: usize,
    /// The findings, grouped by rule in the order of the table above.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Findings of one rule.
    pub fn of(&self, rule: &Rule) -> impl Iterator<Item = &Finding> + '_ {
        let rule = rule.clone();
        self.findings.iter().filter(move |f| f.rule == rule)
    }
}

fn unprintable(s: &str) -> bool {
    s.chars().any(|c| {
        (c.is_control() && c != '\t' && c != '\n' && c != '\r')
            || c == '\u{FFFD}'
            || (0xFDD0..=0xFDEF).contains(&(c as u32))
            || (c as u32 & 0xFFFE) == 0xFFFE
    })
}

/// Checks a vocabulary.
pub fn lint(v: &Vocabulary) -> Report {
    let mut f: Vec<Finding> = Vec::new();
    let iri = |id: ConceptId| v.concept(id).iri().to_string();
    let label = |id: ConceptId| v.concept(id).display_label(&["en"]).to_string();
    let mut lang_ok: HashMap<&str, bool> = HashMap::new();
    type DupKey = (Option<SchemeId>, String, String);
    let mut dup: BTreeMap<DupKey, Vec<(ConceptId, LabelKind)>> = BTreeMap::new();
    let mut missing: Vec<(ConceptId, ConceptId, &str)> = Vec::new();

    for c in v.concepts() {
        let id = c.id();
        let prefs: Vec<_> = c.labels_of(LabelKind::Pref).collect();
        if prefs.is_empty() && !c.is_retired() {
            f.push(Finding {
                rule: Rule::NO_PREF_LABEL,
                concepts: vec![iri(id)],
                message: match c.fallback_labels().next() {
                    Some((_, text)) => {
                        format!("{} has no prefLabel (only an rdfs:label {text:?})", c.iri())
                    }
                    None => format!("{} has no prefLabel", c.iri()),
                },
            });
        }
        // S14
        let mut by_lang: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for l in &prefs {
            by_lang
                .entry(l.lang.to_ascii_lowercase())
                .or_default()
                .push(l.text);
        }
        for (lang, texts) in &by_lang {
            if texts.len() > 1 {
                f.push(Finding {
                    rule: Rule::S14,
                    concepts: vec![iri(id)],
                    message: format!(
                        "{} has {} prefLabels in language {:?}: {}",
                        c.iri(),
                        texts.len(),
                        lang,
                        texts
                            .iter()
                            .map(|t| format!("{t:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
        // S13
        let mut seen: HashMap<(String, &str), LabelKind> = HashMap::new();
        for l in c.labels() {
            match seen.get(&(l.lang.to_ascii_lowercase(), l.text)) {
                Some(&k) if k != l.kind => f.push(Finding {
                    rule: Rule::S13,
                    concepts: vec![iri(id)],
                    message: format!(
                        "{} has {:?}@{} both as {} and {}",
                        c.iri(),
                        l.text,
                        l.lang,
                        k.skos_name(),
                        l.kind.skos_name()
                    ),
                }),
                Some(_) => {}
                None => {
                    seen.insert((l.lang.to_ascii_lowercase(), l.text), l.kind);
                }
            }
            if l.text.trim().is_empty() {
                f.push(Finding {
                    rule: Rule::EMPTY_LABEL,
                    concepts: vec![iri(id)],
                    message: format!("{} has an empty {}", c.iri(), l.kind.skos_name()),
                });
            } else if unprintable(l.text) {
                f.push(Finding {
                    rule: Rule::UNPRINTABLE_LABEL,
                    concepts: vec![iri(id)],
                    message: format!(
                        "{} has a {} with unprintable characters: {:?}",
                        c.iri(),
                        l.kind.skos_name(),
                        l.text
                    ),
                });
            }
            if !l.lang.is_empty() {
                let ok = *lang_ok
                    .entry(l.lang)
                    .or_insert_with(|| oxilangtag::LanguageTag::parse(l.lang).is_ok());
                if !ok {
                    f.push(Finding {
                        rule: Rule::BAD_LANGUAGE_TAG,
                        concepts: vec![iri(id)],
                        message: format!(
                            "{} has a label tagged {:?}, not a well-formed BCP 47 language tag",
                            c.iri(),
                            l.lang
                        ),
                    });
                }
            }
        }
        // duplicate labels, per scheme
        let schemes: Vec<Option<SchemeId>> = if c.schemes().is_empty() {
            vec![None]
        } else {
            c.schemes().iter().copied().map(Some).collect()
        };
        for l in c.labels() {
            if l.kind == LabelKind::Hidden {
                continue;
            }
            let key = fold(l.text, false);
            if key.is_empty() {
                continue;
            }
            for &s in &schemes {
                let e = dup
                    .entry((s, l.lang.to_ascii_lowercase(), key.clone()))
                    .or_default();
                match e.iter_mut().find(|(c, _)| *c == id) {
                    Some(old) if l.kind < old.1 => old.1 = l.kind,
                    Some(_) => {}
                    None => e.push((id, l.kind)),
                }
            }
        }
        // S46
        let exact: HashSet<&str> = c
            .matches()
            .filter(|(k, _)| *k == MatchKind::Exact)
            .map(|(_, i)| i)
            .collect();
        for (k, target) in c.matches() {
            if matches!(k, MatchKind::Broad | MatchKind::Related) && exact.contains(target) {
                f.push(Finding {
                    rule: Rule::S46,
                    concepts: vec![iri(id), target.to_string()],
                    message: format!(
                        "{} has {} both as exactMatch and {}",
                        c.iri(),
                        target,
                        k.skos_name()
                    ),
                });
            }
        }
        // references
        for (list, what) in [
            (c.broader(), "broader"),
            (c.narrower(), "narrower"),
            (c.related(), "related"),
        ] {
            for &o in list {
                if !v.concept(o).is_declared() {
                    missing.push((id, o, what));
                }
            }
        }
        // orphan
        if !c.is_retired()
            && c.broader().is_empty()
            && c.narrower().is_empty()
            && c.related().is_empty()
            && c.top_concept_of().is_empty()
        {
            f.push(Finding {
                rule: Rule::ORPHAN,
                concepts: vec![iri(id)],
                message: format!(
                    "{} ({}) has no broader, narrower or related concept and is not a top concept",
                    c.iri(),
                    label(id)
                ),
            });
        }
    }
    // S27
    for c in v.concepts() {
        if c.related().is_empty() {
            continue;
        }
        let anc: HashSet<ConceptId> = v.ancestors(c.id()).into_iter().collect();
        for &r in c.related() {
            if anc.contains(&r) {
                f.push(Finding {
                    rule: Rule::S27,
                    concepts: vec![iri(c.id()), iri(r)],
                    message: format!(
                        "{} is related to {}, which is also a (transitively) broader concept",
                        c.iri(),
                        v.concept(r).iri()
                    ),
                });
            }
        }
    }
    // cycles
    for scc in broader_cycles(v) {
        let names: Vec<String> = scc.iter().map(|&c| iri(c)).collect();
        f.push(Finding {
            rule: Rule::CYCLE,
            message: format!("broader cycle through {}", names.join(" → ")),
            concepts: names,
        });
    }
    for ((_, lang, key), ids) in dup {
        let prefs: Vec<ConceptId> = ids
            .iter()
            .filter(|(_, k)| *k == LabelKind::Pref)
            .map(|&(c, _)| c)
            .collect();
        let alts: Vec<ConceptId> = ids
            .iter()
            .filter(|(_, k)| *k == LabelKind::Alt)
            .map(|&(c, _)| c)
            .collect();
        let at = if lang.is_empty() {
            String::new()
        } else {
            format!("@{lang}")
        };
        if prefs.len() > 1 {
            f.push(Finding {
                rule: Rule::DUPLICATE_LABEL,
                concepts: prefs.iter().map(|&c| iri(c)).collect(),
                message: format!(
                    "{} concepts of one scheme share the prefLabel {key:?}{at}",
                    prefs.len()
                ),
            });
        }
        if !prefs.is_empty() && !alts.is_empty() {
            let names = |ids: &[ConceptId]| {
                ids.iter()
                    .map(|&c| v.concept(c).iri())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            f.push(Finding {
                rule: Rule::DUPLICATE_LABEL,
                concepts: prefs.iter().chain(alts.iter()).map(|&c| iri(c)).collect(),
                message: format!(
                    "{key:?}{at} is the prefLabel of {} and an altLabel of {} in one scheme",
                    names(&prefs),
                    names(&alts)
                ),
            });
        }
    }
    for (from, to, what) in missing {
        f.push(Finding {
            rule: Rule::MISSING_CONCEPT,
            concepts: vec![iri(from), iri(to)],
            message: format!(
                "{} has {what} {}, which is not stated as a concept",
                v.concept(from).iri(),
                v.concept(to).iri()
            ),
        });
    }
    for s in v.schemes() {
        for &t in s.top_concepts() {
            if !v.concept(t).is_declared() {
                f.push(Finding {
                    rule: Rule::MISSING_CONCEPT,
                    concepts: vec![iri(t)],
                    message: format!(
                        "scheme {} has top concept {}, which is not stated as a concept",
                        s.iri(),
                        v.concept(t).iri()
                    ),
                });
            }
        }
    }
    for coll in &v.collections {
        for m in &coll.members {
            if let Member::Concept(m) = m
                && !v.concept(*m).is_declared()
            {
                f.push(Finding {
                    rule: Rule::MISSING_CONCEPT,
                    concepts: vec![iri(*m)],
                    message: format!(
                        "collection {} has member {}, which is not stated as a concept",
                        v.str(coll.iri),
                        v.concept(*m).iri()
                    ),
                });
            }
        }
    }
    let order = [
        Rule::S13,
        Rule::S14,
        Rule::S27,
        Rule::S46,
        Rule::CYCLE,
        Rule::ORPHAN,
        Rule::NO_PREF_LABEL,
        Rule::DUPLICATE_LABEL,
        Rule::EMPTY_LABEL,
        Rule::UNPRINTABLE_LABEL,
        Rule::BAD_LANGUAGE_TAG,
        Rule::MISSING_CONCEPT,
    ];
    f.sort_by_key(|x| {
        order
            .iter()
            .position(|r| *r == x.rule)
            .unwrap_or(order.len())
    });
    Report {
        concepts: v.len(),
        findings: f,
    }
}

/// The broader cycles: strongly connected components of the broader graph with more than
/// one concept, plus concepts broader than themselves. Iterative Tarjan.
pub fn broader_cycles(v: &Vocabulary) -> Vec<Vec<ConceptId>> {
    let n = v.concepts.len();
    const UNSEEN: u32 = u32::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut next = 0u32;
    let mut out = Vec::new();
    let mut call: Vec<(u32, usize)> = Vec::new();
    for root in 0..n as u32 {
        if index[root as usize] != UNSEEN {
            continue;
        }
        call.push((root, 0));
        index[root as usize] = next;
        low[root as usize] = next;
        next += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some(&mut (node, ref mut i)) = call.last_mut() {
            let edges = &v.concepts[node as usize].broader;
            if *i < edges.len() {
                let w = edges[*i].0;
                *i += 1;
                if index[w as usize] == UNSEEN {
                    index[w as usize] = next;
                    low[w as usize] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w as usize] = true;
                    call.push((w, 0));
                } else if on_stack[w as usize] {
                    low[node as usize] = low[node as usize].min(index[w as usize]);
                }
            } else {
                call.pop();
                if let Some(&(parent, _)) = call.last() {
                    low[parent as usize] = low[parent as usize].min(low[node as usize]);
                }
                if low[node as usize] == index[node as usize] {
                    let mut scc = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w as usize] = false;
                        scc.push(ConceptId(w));
                        if w == node {
                            break;
                        }
                    }
                    let self_loop = scc.len() == 1
                        && v.concepts[node as usize].broader.contains(&ConceptId(node));
                    if scc.len() > 1 || self_loop {
                        scc.reverse();
                        out.push(scc);
                    }
                }
            }
        }
    }
    out
}
