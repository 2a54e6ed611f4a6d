//! The vocabulary model: schemes, concepts, labels, relations, collections.
//!
//! Strings are interned once per [`Vocabulary`] and concepts are addressed by a dense
//! [`ConceptId`] (`u32`), so a vocabulary of a million concepts costs a few hundred bytes
//! per concept, not kilobytes.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// An interned string of one [`Vocabulary`]. Resolve it with [`Vocabulary::str`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(u32);

impl Sym {
    pub(crate) fn from_index(i: usize) -> Sym {
        Sym(u32::try_from(i).unwrap_or(u32::MAX))
    }
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// The dense id of a concept in its [`Vocabulary`] (an index, stable until the vocabulary is
/// rebuilt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ConceptId(pub u32);

impl ConceptId {
    /// The index of this concept in [`Vocabulary::concept_ids`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The dense id of a concept scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SchemeId(pub u32);

/// The dense id of a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CollectionId(pub u32);

/// Hash maps keyed by interned data: foldhash is several times faster than SipHash on the
/// millions of IRIs of a large vocabulary, and its per-map random seed keeps some resistance
/// to crafted collisions.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The string interner: every string once in one arena, a hash table of symbol numbers.
///
/// A table entry is the symbol and 32 bits of its hash, so probing and growing never touch the
/// arena except to confirm a match; strings cost their bytes plus about 20 bytes, not an
/// allocation each.
#[derive(Clone)]
pub(crate) struct Interner {
    arena: String,
    /// End offset of string `i` in `arena` (its start is the end of string `i - 1`).
    ends: Vec<usize>,
    table: hashbrown::HashTable<(Sym, u32)>,
    hasher: foldhash::fast::RandomState,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner")
            .field("strings", &self.ends.len())
            .field("bytes", &self.arena.len())
            .finish()
    }
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            arena: String::new(),
            ends: Vec::new(),
            table: hashbrown::HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
        }
    }
}

/// Spreads a 32-bit hash over 64 bits (hashbrown takes its control bits from the top).
fn spread(h: u32) -> u64 {
    u64::from(h).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(h)
}

impl Interner {
    fn hash(&self, s: &str) -> u32 {
        use std::hash::BuildHasher;
        self.hasher.hash_one(s) as u32
    }

    fn slice(&self, i: usize) -> &str {
        let end = self.ends[i];
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.arena[start..end]
    }

    /// Room for about `strings` more strings of `bytes` bytes in total.
    pub(crate) fn reserve(&mut self, strings: usize, bytes: usize) {
        self.arena.reserve(bytes);
        self.ends.reserve(strings);
        self.table.reserve(strings, |&(_, h)| spread(h));
    }

    pub(crate) fn intern(&mut self, s: &str) -> Sym {
        let h = self.hash(s);
        let (arena, ends) = (&mut self.arena, &mut self.ends);
        let eq = |&(sym, eh): &(Sym, u32)| {
            let i = sym.0 as usize;
            eh == h && {
                let start = if i == 0 { 0 } else { ends[i - 1] };
                &arena[start..ends[i]] == s
            }
        };
        match self.table.entry(spread(h), eq, |&(_, h)| spread(h)) {
            hashbrown::hash_table::Entry::Occupied(e) => e.get().0,
            hashbrown::hash_table::Entry::Vacant(e) => {
                let sym = Sym(u32::try_from(ends.len()).unwrap_or(u32::MAX));
                arena.push_str(s);
                ends.push(arena.len());
                e.insert((sym, h));
                sym
            }
        }
    }

    pub(crate) fn get(&self, s: &str) -> Option<Sym> {
        let h = self.hash(s);
        self.table
            .find(spread(h), |&(sym, eh)| {
                eh == h && self.slice(sym.0 as usize) == s
            })
            .map(|&(sym, _)| sym)
    }

    pub(crate) fn resolve(&self, sym: Sym) -> &str {
        let i = sym.0 as usize;
        if i < self.ends.len() {
            self.slice(i)
        } else {
            ""
        }
    }

    /// The number of strings.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }
}

/// The three SKOS lexical label properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelKind {
    /// `skos:prefLabel`: the preferred label (one per language).
    Pref,
    /// `skos:altLabel`: a synonym, shown to users.
    Alt,
    /// `skos:hiddenLabel`: a misspelling or variant found by search but never shown.
    Hidden,
}

impl LabelKind {
    /// The SKOS local name (`prefLabel`, `altLabel`, `hiddenLabel`).
    pub fn skos_name(self) -> &'static str {
        match self {
            LabelKind::Pref => "prefLabel",
            LabelKind::Alt => "altLabel",
            LabelKind::Hidden => "hiddenLabel",
        }
    }
}

/// The SKOS documentation properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum NoteKind {
    Definition,
    ScopeNote,
    Note,
    Example,
    HistoryNote,
    EditorialNote,
    ChangeNote,
}

impl NoteKind {
    /// All kinds, in SKOS order.
    pub const ALL: [NoteKind; 7] = [
        NoteKind::Definition,
        NoteKind::ScopeNote,
        NoteKind::Note,
        NoteKind::Example,
        NoteKind::HistoryNote,
        NoteKind::EditorialNote,
        NoteKind::ChangeNote,
    ];
    /// The SKOS local name.
    pub fn skos_name(self) -> &'static str {
        match self {
            NoteKind::Definition => "definition",
            NoteKind::ScopeNote => "scopeNote",
            NoteKind::Note => "note",
            NoteKind::Example => "example",
            NoteKind::HistoryNote => "historyNote",
            NoteKind::EditorialNote => "editorialNote",
            NoteKind::ChangeNote => "changeNote",
        }
    }
}

/// The SKOS mapping properties (links to concepts of other schemes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MatchKind {
    /// `skos:exactMatch`.
    Exact,
    /// `skos:closeMatch`.
    Close,
    /// `skos:broadMatch`.
    Broad,
    /// `skos:narrowMatch`.
    Narrow,
    /// `skos:relatedMatch`.
    Related,
}

impl MatchKind {
    /// All kinds.
    pub const ALL: [MatchKind; 5] = [
        MatchKind::Exact,
        MatchKind::Close,
        MatchKind::Broad,
        MatchKind::Narrow,
        MatchKind::Related,
    ];
    /// The SKOS local name.
    pub fn skos_name(self) -> &'static str {
        match self {
            MatchKind::Exact => "exactMatch",
            MatchKind::Close => "closeMatch",
            MatchKind::Broad => "broadMatch",
            MatchKind::Narrow => "narrowMatch",
            MatchKind::Related => "relatedMatch",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Label {
    pub(crate) kind: LabelKind,
    pub(crate) lang: Sym,
    pub(crate) text: Sym,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Note {
    pub(crate) kind: NoteKind,
    pub(crate) lang: Sym,
    pub(crate) text: Sym,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Retired {
    pub(crate) date: Option<Sym>,
    pub(crate) replaced_by: Vec<Sym>,
}

#[derive(Debug, Clone)]
pub(crate) struct Concept {
    pub(crate) iri: Sym,
    /// Stated to be a concept (typed, or described), as opposed to only referenced.
    pub(crate) declared: bool,
    /// A Lightroom `[category]` keyword: part of the hierarchy, never exported as a keyword.
    pub(crate) category: bool,
    pub(crate) notations: Vec<Sym>,
    pub(crate) labels: Vec<Label>,
    /// `rdfs:label` values (language, text): shown and searched when the concept has no
    /// `skos:prefLabel` at all.
    pub(crate) fallback_labels: Vec<(Sym, Sym)>,
    pub(crate) notes: Vec<Note>,
    pub(crate) broader: Vec<ConceptId>,
    pub(crate) narrower: Vec<ConceptId>,
    pub(crate) related: Vec<ConceptId>,
    pub(crate) matches: Vec<(MatchKind, Sym)>,
    pub(crate) schemes: Vec<SchemeId>,
    pub(crate) top_of: Vec<SchemeId>,
    pub(crate) retired: Option<Box<Retired>>,
}

impl Concept {
    fn new(iri: Sym) -> Concept {
        Concept {
            iri,
            declared: false,
            category: false,
            notations: Vec::new(),
            labels: Vec::new(),
            fallback_labels: Vec::new(),
            notes: Vec::new(),
            broader: Vec::new(),
            narrower: Vec::new(),
            related: Vec::new(),
            matches: Vec::new(),
            schemes: Vec::new(),
            top_of: Vec::new(),
            retired: None,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Scheme {
    pub(crate) iri: Sym,
    pub(crate) labels: Vec<Label>,
    pub(crate) top_concepts: Vec<ConceptId>,
}

#[derive(Debug, Clone)]
pub(crate) enum Member {
    Concept(ConceptId),
    Collection(CollectionId),
}

#[derive(Debug, Clone)]
pub(crate) struct Collection {
    pub(crate) iri: Sym,
    pub(crate) labels: Vec<Label>,
    pub(crate) members: Vec<Member>,
    pub(crate) ordered: bool,
}

/// A controlled vocabulary: any number of concept schemes, their concepts and collections.
///
/// Build one with the importers ([`crate::load_path`], [`crate::skos`], [`crate::lightroom`],
/// [`crate::csv`], [`crate::iptc`]) or by hand with the `add_*` methods followed by
/// [`Vocabulary::finish`], which infers the missing inverse relations.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub(crate) strings: Interner,
    pub(crate) concepts: Vec<Concept>,
    pub(crate) by_iri: FastMap<Sym, ConceptId>,
    pub(crate) schemes: Vec<Scheme>,
    pub(crate) scheme_by_iri: HashMap<Sym, SchemeId>,
    pub(crate) collections: Vec<Collection>,
    pub(crate) collection_by_iri: HashMap<Sym, CollectionId>,
    pub(crate) empty: Sym,
    /// `skos:broaderTransitive` statements (concept, ancestor) waiting for
    /// [`Vocabulary::finish`].
    pub(crate) transitive: Vec<(ConceptId, ConceptId)>,
}

impl Default for Vocabulary {
    fn default() -> Self {
        Vocabulary::new()
    }
}

/// One label of a concept, borrowed from its vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LabelRef<'a> {
    /// Preferred, alternative or hidden.
    pub kind: LabelKind,
    /// The BCP 47 language tag as written (`""` when the label has none).
    pub lang: &'a str,
    /// The label text.
    pub text: &'a str,
}

/// Whether language tag `tag` satisfies the wanted tag `want` (case-insensitive BCP 47 prefix
/// match: `en` accepts `en-GB`).
pub fn lang_matches(tag: &str, want: &str) -> bool {
    if tag.len() < want.len() || !tag[..want.len()].eq_ignore_ascii_case(want) {
        return false;
    }
    tag.len() == want.len() || tag.as_bytes()[want.len()] == b'-'
}

/// The language fallback chain of a wanted tag: `de-CH-1996` gives `de-CH-1996`, `de-CH`, `de`.
pub fn fallback_chain(want: &str) -> Vec<&str> {
    let mut out = vec![want];
    let mut cur = want;
    while let Some(pos) = cur.rfind('-') {
        cur = &cur[..pos];
        // A single-letter subtag (extension or private-use singleton) goes with what follows.
        if cur.len() >= 2 && cur.as_bytes().get(cur.len().wrapping_sub(2)) == Some(&b'-') {
            continue;
        }
        out.push(cur);
    }
    out
}

/// Picks the label that best fits the wanted languages: for each wanted tag in order, an exact
/// (case-insensitive) match, then its fallback chain, then a more specific tag of the same
/// language; then an untagged label; then any label.
pub(crate) fn pick_lang<'a, T: Copy>(
    items: impl Iterator<Item = (&'a str, T)> + Clone,
    langs: &[&str],
) -> Option<T> {
    for want in langs {
        for step in fallback_chain(want) {
            if let Some((_, t)) = items
                .clone()
                .find(|(tag, _)| tag.eq_ignore_ascii_case(step))
            {
                return Some(t);
            }
        }
        let base = want.split('-').next().unwrap_or(want);
        if let Some((_, t)) = items.clone().find(|(tag, _)| lang_matches(tag, base)) {
            return Some(t);
        }
    }
    if let Some((_, t)) = items.clone().find(|(tag, _)| tag.is_empty()) {
        return Some(t);
    }
    items.clone().next().map(|(_, t)| t)
}

/// Lists longer than this are checked for duplicates by [`Vocabulary::finish`] instead of on
/// every push, so a concept with a million narrower concepts costs linear, not quadratic, time.
const SHORT_LIST: usize = 32;

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    let dup = if v.len() <= SHORT_LIST {
        v.contains(&x)
    } else {
        v.last() == Some(&x)
    };
    if !dup {
        v.push(x);
    }
}

/// Removes repeated items, keeping the first of each (linear for long lists).
fn dedup_keep_first<T: Copy + Eq + std::hash::Hash>(v: &mut Vec<T>) {
    if v.len() < 2 {
        return;
    }
    if v.len() <= SHORT_LIST {
        let mut w = 0;
        for r in 0..v.len() {
            let x = v[r];
            if !v[..w].contains(&x) {
                v[w] = x;
                w += 1;
            }
        }
        v.truncate(w);
    } else {
        let mut seen: std::collections::HashSet<T, foldhash::fast::RandomState> =
            std::collections::HashSet::with_capacity_and_hasher(v.len(), Default::default());
        v.retain(|x| seen.insert(*x));
    }
}

impl Vocabulary {
    /// An empty vocabulary.
    pub fn new() -> Vocabulary {
        let mut strings = Interner::default();
        let empty = strings.intern("");
        Vocabulary {
            strings,
            concepts: Vec::new(),
            by_iri: FastMap::default(),
            schemes: Vec::new(),
            scheme_by_iri: HashMap::new(),
            collections: Vec::new(),
            collection_by_iri: HashMap::new(),
            empty,
            transitive: Vec::new(),
        }
    }

    /// Interns a string.
    pub fn intern(&mut self, s: &str) -> Sym {
        self.strings.intern(s)
    }

    /// Resolves an interned string.
    pub fn str(&self, sym: Sym) -> &str {
        self.strings.resolve(sym)
    }

    /// The number of concepts stated in the sources (referenced-only IRIs are not counted).
    pub fn len(&self) -> usize {
        self.concepts.iter().filter(|c| c.declared).count()
    }

    /// Whether the vocabulary has no stated concept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All concept ids, including concepts that are only referenced (see
    /// [`ConceptRef::is_declared`]).
    pub fn concept_ids(&self) -> impl Iterator<Item = ConceptId> + '_ {
        (0..self.concepts.len()).map(|i| ConceptId(i as u32))
    }

    /// The stated concepts.
    pub fn concepts(&self) -> impl Iterator<Item = ConceptRef<'_>> + '_ {
        self.concept_ids()
            .map(|id| self.concept(id))
            .filter(|c| c.is_declared())
    }

    /// A concept by id.
    ///
    /// # Panics
    /// Never for ids produced by this vocabulary; an id from another vocabulary that is out of
    /// range gives a view whose accessors return nothing (see [`Vocabulary::get`]).
    pub fn concept(&self, id: ConceptId) -> ConceptRef<'_> {
        ConceptRef { vocab: self, id }
    }

    /// A concept by id, `None` when the id is out of range.
    pub fn get(&self, id: ConceptId) -> Option<ConceptRef<'_>> {
        (id.index() < self.concepts.len()).then_some(ConceptRef { vocab: self, id })
    }

    pub(crate) fn raw(&self, id: ConceptId) -> Option<&Concept> {
        self.concepts.get(id.index())
    }

    /// A concept by IRI.
    pub fn by_iri(&self, iri: &str) -> Option<ConceptId> {
        self.strings
            .get(iri)
            .and_then(|s| self.by_iri.get(&s).copied())
    }

    /// A concept by notation (exact match).
    pub fn by_notation(&self, notation: &str) -> Vec<ConceptId> {
        let Some(sym) = self.strings.get(notation) else {
            return Vec::new();
        };
        self.concept_ids()
            .filter(|&id| self.concepts[id.index()].notations.contains(&sym))
            .collect()
    }

    /// The concept schemes.
    pub fn schemes(&self) -> impl Iterator<Item = SchemeRef<'_>> + '_ {
        (0..self.schemes.len()).map(|i| SchemeRef {
            vocab: self,
            id: SchemeId(i as u32),
        })
    }

    /// The collections (`skos:Collection` and `skos:OrderedCollection`).
    pub fn collections(&self) -> impl Iterator<Item = CollectionRef<'_>> + '_ {
        (0..self.collections.len()).map(|i| CollectionRef {
            vocab: self,
            id: CollectionId(i as u32),
        })
    }

    /// The id of the concept with this IRI, created (as referenced-only) when absent.
    pub fn concept_id(&mut self, iri: &str) -> ConceptId {
        let sym = self.strings.intern(iri);
        self.concept_id_sym(sym)
    }

    pub(crate) fn concept_id_sym(&mut self, sym: Sym) -> ConceptId {
        if let Some(&id) = self.by_iri.get(&sym) {
            return id;
        }
        let id = ConceptId(self.concepts.len() as u32);
        self.concepts.push(Concept::new(sym));
        self.by_iri.insert(sym, id);
        id
    }

    /// Creates (or finds) a concept and marks it as stated.
    pub fn add_concept(&mut self, iri: &str) -> ConceptId {
        let id = self.concept_id(iri);
        self.concepts[id.index()].declared = true;
        id
    }

    pub(crate) fn declare(&mut self, id: ConceptId) {
        self.concepts[id.index()].declared = true;
    }

    /// Marks a concept as a category (a Lightroom `[keyword]`): kept in the hierarchy, left out
    /// of exported keywords and paths.
    pub fn set_category(&mut self, id: ConceptId, category: bool) {
        self.concepts[id.index()].category = category;
    }

    /// Adds a label.
    pub fn add_label(&mut self, id: ConceptId, kind: LabelKind, lang: &str, text: &str) {
        let label = Label {
            kind,
            lang: self.strings.intern(lang),
            text: self.strings.intern(text),
        };
        push_unique(&mut self.concepts[id.index()].labels, label);
    }

    pub(crate) fn add_label_sym(&mut self, id: ConceptId, kind: LabelKind, lang: Sym, text: Sym) {
        push_unique(
            &mut self.concepts[id.index()].labels,
            Label { kind, lang, text },
        );
    }

    pub(crate) fn add_fallback_label_sym(&mut self, id: ConceptId, lang: Sym, text: Sym) {
        push_unique(&mut self.concepts[id.index()].fallback_labels, (lang, text));
    }

    /// Adds an `rdfs:label`: a fallback shown (by [`ConceptRef::pref_label`]) and searched (as a
    /// preferred label) only while the concept has no `skos:prefLabel` in any language.
    pub fn add_fallback_label(&mut self, id: ConceptId, lang: &str, text: &str) {
        let lang = self.strings.intern(lang);
        let text = self.strings.intern(text);
        self.add_fallback_label_sym(id, lang, text);
    }

    pub(crate) fn add_notation_sym(&mut self, id: ConceptId, sym: Sym) {
        push_unique(&mut self.concepts[id.index()].notations, sym);
    }

    pub(crate) fn add_note_sym(&mut self, id: ConceptId, kind: NoteKind, lang: Sym, text: Sym) {
        push_unique(
            &mut self.concepts[id.index()].notes,
            Note { kind, lang, text },
        );
    }

    pub(crate) fn add_match_sym(&mut self, id: ConceptId, kind: MatchKind, sym: Sym) {
        push_unique(&mut self.concepts[id.index()].matches, (kind, sym));
    }

    /// Adds a notation.
    pub fn add_notation(&mut self, id: ConceptId, notation: &str) {
        let sym = self.strings.intern(notation);
        push_unique(&mut self.concepts[id.index()].notations, sym);
    }

    /// Adds a documentation note (definition, scope note...).
    pub fn add_note(&mut self, id: ConceptId, kind: NoteKind, lang: &str, text: &str) {
        let note = Note {
            kind,
            lang: self.strings.intern(lang),
            text: self.strings.intern(text),
        };
        push_unique(&mut self.concepts[id.index()].notes, note);
    }

    /// States `child skos:broader parent` (the inverse is inferred by [`Vocabulary::finish`]).
    pub fn add_broader(&mut self, child: ConceptId, parent: ConceptId) {
        push_unique(&mut self.concepts[child.index()].broader, parent);
    }

    /// States `child skos:broaderTransitive ancestor`. [`Vocabulary::finish`] adds a
    /// `broader` link for it unless `ancestor` is already reachable through `broader` links
    /// (vocabularies that publish the transitive closure stay a tree; a lone transitive
    /// statement still places the concept in the hierarchy). `skos:narrowerTransitive` is the
    /// same statement reversed.
    pub fn add_broader_transitive(&mut self, child: ConceptId, ancestor: ConceptId) {
        self.transitive.push((child, ancestor));
    }

    /// States `parent skos:narrower child`.
    pub fn add_narrower(&mut self, parent: ConceptId, child: ConceptId) {
        push_unique(&mut self.concepts[parent.index()].narrower, child);
    }

    /// States `a skos:related b`.
    pub fn add_related(&mut self, a: ConceptId, b: ConceptId) {
        push_unique(&mut self.concepts[a.index()].related, b);
    }

    /// Adds a mapping to a concept (usually of another scheme) by IRI.
    pub fn add_match(&mut self, id: ConceptId, kind: MatchKind, iri: &str) {
        let sym = self.strings.intern(iri);
        push_unique(&mut self.concepts[id.index()].matches, (kind, sym));
    }

    /// Marks a concept as retired (deprecated), with an optional date and replacements (IRIs).
    pub fn set_retired(&mut self, id: ConceptId, date: Option<&str>, replaced_by: &[&str]) {
        let date = date.map(|d| self.strings.intern(d));
        let replaced_by: Vec<Sym> = replaced_by.iter().map(|r| self.strings.intern(r)).collect();
        let c = &mut self.concepts[id.index()];
        let r = c.retired.get_or_insert_with(Default::default);
        if date.is_some() {
            r.date = date;
        }
        for s in replaced_by {
            push_unique(&mut r.replaced_by, s);
        }
    }

    /// The id of the scheme with this IRI, created when absent.
    pub fn add_scheme(&mut self, iri: &str) -> SchemeId {
        let sym = self.strings.intern(iri);
        if let Some(&id) = self.scheme_by_iri.get(&sym) {
            return id;
        }
        let id = SchemeId(self.schemes.len() as u32);
        self.schemes.push(Scheme {
            iri: sym,
            labels: Vec::new(),
            top_concepts: Vec::new(),
        });
        self.scheme_by_iri.insert(sym, id);
        id
    }

    /// Adds a label to a scheme.
    pub fn add_scheme_label(&mut self, id: SchemeId, kind: LabelKind, lang: &str, text: &str) {
        let label = Label {
            kind,
            lang: self.strings.intern(lang),
            text: self.strings.intern(text),
        };
        push_unique(&mut self.schemes[id.0 as usize].labels, label);
    }

    /// States `concept skos:inScheme scheme`.
    pub fn add_in_scheme(&mut self, concept: ConceptId, scheme: SchemeId) {
        push_unique(&mut self.concepts[concept.index()].schemes, scheme);
    }

    /// States a top concept (either `hasTopConcept` or `topConceptOf`: both are recorded).
    pub fn add_top_concept(&mut self, scheme: SchemeId, concept: ConceptId) {
        push_unique(&mut self.schemes[scheme.0 as usize].top_concepts, concept);
        push_unique(&mut self.concepts[concept.index()].top_of, scheme);
    }

    /// The id of the collection with this IRI, created when absent.
    pub fn add_collection(&mut self, iri: &str, ordered: bool) -> CollectionId {
        let sym = self.strings.intern(iri);
        if let Some(&id) = self.collection_by_iri.get(&sym) {
            self.collections[id.0 as usize].ordered |= ordered;
            return id;
        }
        let id = CollectionId(self.collections.len() as u32);
        self.collections.push(Collection {
            iri: sym,
            labels: Vec::new(),
            members: Vec::new(),
            ordered,
        });
        self.collection_by_iri.insert(sym, id);
        id
    }

    /// Adds a label to a collection.
    pub fn add_collection_label(
        &mut self,
        id: CollectionId,
        kind: LabelKind,
        lang: &str,
        text: &str,
    ) {
        let label = Label {
            kind,
            lang: self.strings.intern(lang),
            text: self.strings.intern(text),
        };
        push_unique(&mut self.collections[id.0 as usize].labels, label);
    }

    /// Adds a concept member to a collection.
    pub fn add_member(&mut self, collection: CollectionId, member: ConceptId) {
        self.collections[collection.0 as usize]
            .members
            .push(Member::Concept(member));
    }

    /// Adds a nested collection to a collection.
    pub fn add_member_collection(&mut self, collection: CollectionId, member: CollectionId) {
        self.collections[collection.0 as usize]
            .members
            .push(Member::Collection(member));
    }

    /// Completes the vocabulary after building: infers `narrower` from `broader` and back,
    /// makes `related` symmetric, records top concepts both ways, puts top concepts in
    /// their scheme and removes repeated statements. Linear in the size of the vocabulary;
    /// idempotent.
    pub fn finish(&mut self) {
        let n = self.concepts.len();
        let mut add_narrower: Vec<(ConceptId, ConceptId)> = Vec::new();
        let mut add_broader: Vec<(ConceptId, ConceptId)> = Vec::new();
        let mut add_related: Vec<(ConceptId, ConceptId)> = Vec::new();
        for (i, c) in self.concepts.iter().enumerate() {
            let id = ConceptId(i as u32);
            add_narrower.extend(c.broader.iter().map(|&p| (p, id)));
            add_broader.extend(c.narrower.iter().map(|&ch| (ch, id)));
            add_related.extend(c.related.iter().map(|&r| (r, id)));
        }
        for (p, c) in add_narrower {
            self.concepts[p.index()].narrower.push(c);
        }
        for (c, p) in add_broader {
            self.concepts[c.index()].broader.push(p);
        }
        for (a, b) in add_related {
            self.concepts[a.index()].related.push(b);
        }
        for s in 0..self.schemes.len() {
            let sid = SchemeId(s as u32);
            for &c in &self.schemes[s].top_concepts {
                let c = &mut self.concepts[c.index()];
                c.top_of.push(sid);
                c.schemes.push(sid);
            }
        }
        for i in 0..n {
            let c = &mut self.concepts[i];
            dedup_keep_first(&mut c.top_of);
            for &s in &c.top_of {
                self.schemes[s.0 as usize]
                    .top_concepts
                    .push(ConceptId(i as u32));
                c.schemes.push(s);
            }
            dedup_keep_first(&mut c.schemes);
            dedup_keep_first(&mut c.broader);
            dedup_keep_first(&mut c.narrower);
            dedup_keep_first(&mut c.related);
            dedup_keep_first(&mut c.labels);
            dedup_keep_first(&mut c.fallback_labels);
            dedup_keep_first(&mut c.notations);
            dedup_keep_first(&mut c.notes);
            dedup_keep_first(&mut c.matches);
            if let Some(r) = &mut c.retired {
                dedup_keep_first(&mut r.replaced_by);
            }
        }
        self.resolve_transitive();
        for s in &mut self.schemes {
            dedup_keep_first(&mut s.top_concepts);
            dedup_keep_first(&mut s.labels);
        }
        for c in &mut self.collections {
            dedup_keep_first(&mut c.labels);
        }
    }

    /// Turns pending `broaderTransitive` statements into `broader` links where the ancestor is
    /// not already reachable (checked against the hierarchy as it was before this step, so
    /// the result does not depend on statement order).
    fn resolve_transitive(&mut self) {
        let mut pending = std::mem::take(&mut self.transitive);
        if pending.is_empty() {
            return;
        }
        pending.sort_unstable();
        pending.dedup();
        let mut add: Vec<(ConceptId, ConceptId)> = Vec::new();
        let mut i = 0;
        while i < pending.len() {
            let child = pending[i].0;
            let mut j = i;
            while j < pending.len() && pending[j].0 == child {
                j += 1;
            }
            let known: std::collections::HashSet<ConceptId, foldhash::fast::RandomState> =
                self.ancestors(child).into_iter().collect();
            for &(_, anc) in &pending[i..j] {
                if anc != child && !known.contains(&anc) {
                    add.push((child, anc));
                }
            }
            i = j;
        }
        for (child, anc) in add {
            self.concepts[child.index()].broader.push(anc);
            self.concepts[anc.index()].narrower.push(child);
        }
    }
}

/// A borrowed view of one concept.
#[derive(Debug, Clone, Copy)]
pub struct ConceptRef<'a> {
    vocab: &'a Vocabulary,
    id: ConceptId,
}

static EMPTY_CONCEPT: std::sync::OnceLock<Concept> = std::sync::OnceLock::new();

impl<'a> ConceptRef<'a> {
    fn c(&self) -> &'a Concept {
        self.vocab
            .concepts
            .get(self.id.index())
            .unwrap_or_else(|| EMPTY_CONCEPT.get_or_init(|| Concept::new(Sym(0))))
    }
    /// The id.
    pub fn id(&self) -> ConceptId {
        self.id
    }
    /// The IRI.
    pub fn iri(&self) -> &'a str {
        self.vocab.str(self.c().iri)
    }
    /// Whether the concept is stated in the sources (not only referenced by a relation).
    pub fn is_declared(&self) -> bool {
        self.c().declared
    }
    /// Whether the concept is a category node (Lightroom `[x]`), not exported as a keyword.
    pub fn is_category(&self) -> bool {
        self.c().category
    }
    /// The notations.
    pub fn notations(&self) -> impl Iterator<Item = &'a str> + 'a {
        let v = self.vocab;
        self.c().notations.iter().map(move |&s| v.str(s))
    }
    /// All labels.
    pub fn labels(&self) -> impl Iterator<Item = LabelRef<'a>> + Clone + 'a {
        let v = self.vocab;
        self.c().labels.iter().map(move |l| LabelRef {
            kind: l.kind,
            lang: v.str(l.lang),
            text: v.str(l.text),
        })
    }
    /// The labels of one kind.
    pub fn labels_of(&self, kind: LabelKind) -> impl Iterator<Item = LabelRef<'a>> + Clone + 'a {
        self.labels().filter(move |l| l.kind == kind)
    }
    /// The preferred label for the wanted languages, with the fallback chain of
    /// [`fallback_chain`], then an untagged label, then any preferred label.
    ///
    /// A concept with no `skos:prefLabel` at all falls back to its `rdfs:label`s
    /// ([`ConceptRef::fallback_labels`]).
    pub fn pref_label(&self, langs: &[&str]) -> Option<&'a str> {
        pick_lang(
            self.labels_of(LabelKind::Pref).map(|l| (l.lang, l.text)),
            langs,
        )
        .or_else(|| pick_lang(self.fallback_labels(), langs))
    }
    /// The `rdfs:label`s as (language, text): used as preferred labels only while the concept
    /// has no `skos:prefLabel`.
    pub fn fallback_labels(&self) -> impl Iterator<Item = (&'a str, &'a str)> + Clone + 'a {
        let v = self.vocab;
        self.c()
            .fallback_labels
            .iter()
            .map(move |&(l, t)| (v.str(l), v.str(t)))
    }
    /// The labels to search: all SKOS labels, plus the `rdfs:label`s as preferred labels when
    /// the concept has no `skos:prefLabel`.
    pub fn search_labels(&self) -> impl Iterator<Item = LabelRef<'a>> + Clone + 'a {
        let c = self.c();
        let use_fallback = !c.labels.iter().any(|l| l.kind == LabelKind::Pref);
        let fallback = if use_fallback {
            &c.fallback_labels[..]
        } else {
            &[]
        };
        let v = self.vocab;
        self.labels()
            .chain(fallback.iter().map(move |&(l, t)| LabelRef {
                kind: LabelKind::Pref,
                lang: v.str(l),
                text: v.str(t),
            }))
    }
    /// The preferred label in the wanted languages, or the IRI when the concept has none.
    pub fn display_label(&self, langs: &[&str]) -> &'a str {
        self.pref_label(langs).unwrap_or_else(|| self.iri())
    }
    /// Documentation notes of one kind.
    pub fn notes(&self, kind: NoteKind) -> impl Iterator<Item = (&'a str, &'a str)> + Clone + 'a {
        let v = self.vocab;
        self.c()
            .notes
            .iter()
            .filter(move |n| n.kind == kind)
            .map(move |n| (v.str(n.lang), v.str(n.text)))
    }
    /// The definition in the wanted languages.
    pub fn definition(&self, langs: &[&str]) -> Option<&'a str> {
        pick_lang(self.notes(NoteKind::Definition), langs)
    }
    /// Broader concepts (stated or inferred from `narrower`).
    pub fn broader(&self) -> &'a [ConceptId] {
        &self.c().broader
    }
    /// Narrower concepts (stated or inferred from `broader`).
    pub fn narrower(&self) -> &'a [ConceptId] {
        &self.c().narrower
    }
    /// Related concepts.
    pub fn related(&self) -> &'a [ConceptId] {
        &self.c().related
    }
    /// Mappings to other concepts, by IRI.
    pub fn matches(&self) -> impl Iterator<Item = (MatchKind, &'a str)> + 'a {
        let v = self.vocab;
        self.c().matches.iter().map(move |&(k, s)| (k, v.str(s)))
    }
    /// The schemes the concept is in.
    pub fn schemes(&self) -> &'a [SchemeId] {
        &self.c().schemes
    }
    /// The schemes the concept is a top concept of.
    pub fn top_concept_of(&self) -> &'a [SchemeId] {
        &self.c().top_of
    }
    /// Whether the concept is retired (deprecated).
    pub fn is_retired(&self) -> bool {
        self.c().retired.is_some()
    }
    /// The retirement date, when known.
    pub fn retired_date(&self) -> Option<&'a str> {
        self.c()
            .retired
            .as_ref()
            .and_then(|r| r.date)
            .map(|s| self.vocab.str(s))
    }
    /// The IRIs of the concepts replacing a retired one.
    pub fn replaced_by(&self) -> impl Iterator<Item = &'a str> + 'a {
        let v = self.vocab;
        self.c()
            .retired
            .iter()
            .flat_map(|r| r.replaced_by.iter())
            .map(move |&s| v.str(s))
    }
}

/// A borrowed view of one concept scheme.
#[derive(Debug, Clone, Copy)]
pub struct SchemeRef<'a> {
    vocab: &'a Vocabulary,
    id: SchemeId,
}

impl<'a> SchemeRef<'a> {
    fn s(&self) -> &'a Scheme {
        &self.vocab.schemes[self.id.0 as usize]
    }
    /// The id.
    pub fn id(&self) -> SchemeId {
        self.id
    }
    /// The IRI.
    pub fn iri(&self) -> &'a str {
        self.vocab.str(self.s().iri)
    }
    /// The top concepts (stated as `hasTopConcept` or `topConceptOf`).
    pub fn top_concepts(&self) -> &'a [ConceptId] {
        &self.s().top_concepts
    }
    /// The preferred label in the wanted languages.
    pub fn pref_label(&self, langs: &[&str]) -> Option<&'a str> {
        let v = self.vocab;
        pick_lang(
            self.s()
                .labels
                .iter()
                .filter(|l| l.kind == LabelKind::Pref)
                .map(move |l| (v.str(l.lang), v.str(l.text))),
            langs,
        )
    }
}

/// A borrowed view of one collection.
#[derive(Debug, Clone, Copy)]
pub struct CollectionRef<'a> {
    vocab: &'a Vocabulary,
    id: CollectionId,
}

impl<'a> CollectionRef<'a> {
    fn c(&self) -> &'a Collection {
        &self.vocab.collections[self.id.0 as usize]
    }
    /// The IRI (or blank node id).
    pub fn iri(&self) -> &'a str {
        self.vocab.str(self.c().iri)
    }
    /// Whether this is a `skos:OrderedCollection`.
    pub fn is_ordered(&self) -> bool {
        self.c().ordered
    }
    /// The member concepts, in order for an ordered collection.
    pub fn concept_members(&self) -> impl Iterator<Item = ConceptId> + 'a {
        self.c().members.iter().filter_map(|m| match m {
            Member::Concept(c) => Some(*c),
            Member::Collection(_) => None,
        })
    }
    /// The IRIs of nested member collections.
    pub fn collection_members(&self) -> impl Iterator<Item = &'a str> + 'a {
        let v = self.vocab;
        self.c().members.iter().filter_map(move |m| match m {
            Member::Collection(c) => Some(v.str(v.collections[c.0 as usize].iri)),
            Member::Concept(_) => None,
        })
    }
    /// The preferred label in the wanted languages.
    pub fn pref_label(&self, langs: &[&str]) -> Option<&'a str> {
        let v = self.vocab;
        pick_lang(
            self.c()
                .labels
                .iter()
                .filter(|l| l.kind == LabelKind::Pref)
                .map(move |l| (v.str(l.lang), v.str(l.text))),
            langs,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback() {
        assert_eq!(
            fallback_chain("de-CH-1996"),
            vec!["de-CH-1996", "de-CH", "de"]
        );
        assert!(lang_matches("en-GB", "en"));
        assert!(lang_matches("EN-gb", "en-GB"));
        assert!(!lang_matches("eng", "en"));
    }

    #[test]
    fn pick_prefers_wanted_then_untagged() {
        let items = [("fr", 1), ("", 2), ("en-GB", 3)];
        assert_eq!(pick_lang(items.iter().copied(), &["en"]), Some(3));
        assert_eq!(pick_lang(items.iter().copied(), &["en-US"]), Some(3));
        assert_eq!(pick_lang(items.iter().copied(), &["de"]), Some(2));
        assert_eq!(pick_lang(items.iter().copied(), &["FR"]), Some(1));
    }

    #[test]
    fn inverses_inferred() {
        let mut v = Vocabulary::new();
        let a = v.add_concept("urn:a");
        let b = v.add_concept("urn:b");
        let c = v.add_concept("urn:c");
        v.add_broader(b, a);
        v.add_narrower(b, c);
        v.add_related(a, c);
        v.finish();
        assert_eq!(v.concept(a).narrower(), &[b]);
        assert_eq!(v.concept(c).broader(), &[b]);
        assert_eq!(v.concept(c).related(), &[a]);
    }
}
