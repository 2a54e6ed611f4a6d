//! SKOS import (Turtle, N-Triples, RDF/XML, JSON-LD through `oxrdfio`) and SKOS Turtle export.
//!
//! The reader keeps the triples it understands, then interprets them: `rdf:type` (and
//! `rdfs:subClassOf` chains to the SKOS classes), `rdfs:subPropertyOf` chains to the SKOS label
//! and hierarchy properties, SKOS-XL labels (`skosxl:prefLabel` → `skosxl:literalForm`),
//! ordered collections (`skos:memberList` RDF lists), retired concepts (`owl:deprecated`,
//! `dct:isReplacedBy`).

use std::collections::HashSet;
use std::io::Write;

use oxrdf::{Literal, NamedNode, NamedOrBlankNode, Term, Triple};
use oxrdfio::{RdfFormat, RdfParseError, RdfParser, RdfSerializer};

use crate::error::{Error, Result};
use crate::model::{ConceptId, FastMap, LabelKind, MatchKind, NoteKind, Sym, Vocabulary};

/// The SKOS namespace.
pub const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
/// The SKOS-XL namespace.
pub const SKOSXL: &str = "http://www.w3.org/2008/05/skos-xl#";
const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
const OWL: &str = "http://www.w3.org/2002/07/owl#";
const DCT: &str = "http://purl.org/dc/terms/";
const DC: &str = "http://purl.org/dc/elements/1.1/";
/// The property damkit writes (and reads) for the retirement date of a concept: SKOS has
/// none, so retired concepts carry `owl:deprecated true` and this date.
pub const RETIRED_ON: &str = "https://damkit.dev/ns/taxonomy#retiredOn";
/// The property damkit writes (and reads) for a Lightroom category keyword (`[x]`, not
/// exported): `true` on the concept.
pub const CATEGORY: &str = "https://damkit.dev/ns/taxonomy#category";

/// The RDF syntaxes the SKOS reader accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdfSyntax {
    /// Turtle (`.ttl`).
    Turtle,
    /// N-Triples (`.nt`).
    NTriples,
    /// RDF/XML (`.rdf`, `.owl`, `.xml`).
    RdfXml,
    /// JSON-LD (`.jsonld`); remote `@context` documents are not fetched.
    JsonLd,
}

impl RdfSyntax {
    fn name(self) -> &'static str {
        match self {
            RdfSyntax::Turtle => "Turtle",
            RdfSyntax::NTriples => "N-Triples",
            RdfSyntax::RdfXml => "RDF/XML",
            RdfSyntax::JsonLd => "JSON-LD",
        }
    }
    fn format(self) -> RdfFormat {
        match self {
            RdfSyntax::Turtle => RdfFormat::Turtle,
            RdfSyntax::NTriples => RdfFormat::NTriples,
            RdfSyntax::RdfXml => RdfFormat::RdfXml,
            RdfSyntax::JsonLd => RdfFormat::JsonLd {
                profile: oxrdfio::JsonLdProfileSet::empty(),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Obj {
    Node(Sym),
    Lit { text: Sym, lang: Sym },
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct T {
    pub(crate) s: Sym,
    pub(crate) p: Sym,
    pub(crate) o: Obj,
}

/// Parses SKOS from `bytes` into a new vocabulary. `input` names the source in errors.
pub fn parse(bytes: &[u8], syntax: RdfSyntax, input: &str) -> Result<Vocabulary> {
    let mut v = Vocabulary::new();
    read_into(&mut v, bytes, syntax, input)?;
    v.finish();
    Ok(v)
}

/// Parses SKOS from `bytes` and adds it to `vocab` (call [`Vocabulary::finish`] afterwards).
pub fn read_into(
    vocab: &mut Vocabulary,
    bytes: &[u8],
    syntax: RdfSyntax,
    input: &str,
) -> Result<()> {
    let parallel = match syntax {
        RdfSyntax::Turtle => crate::parallel::parse(vocab, bytes, true),
        RdfSyntax::NTriples => crate::parallel::parse(vocab, bytes, false),
        _ => None,
    };
    let triples = match parallel {
        Some(t) => t,
        None => parse_sequential(vocab, bytes, syntax, input)?,
    };
    if syntax == RdfSyntax::RdfXml {
        check_terms(vocab, &triples).map_err(|m| Error::syntax(input, "RDF/XML", None, m))?;
        check_xml_complete(bytes).map_err(|m| Error::syntax(input, "RDF/XML", None, m))?;
    }
    interpret(vocab, &triples);
    Ok(())
}

fn parse_sequential(
    vocab: &mut Vocabulary,
    bytes: &[u8],
    syntax: RdfSyntax,
    input: &str,
) -> Result<Vec<T>> {
    let mut parser = RdfParser::from_format(syntax.format()).rename_blank_nodes();
    if syntax == RdfSyntax::RdfXml {
        // oxrdfxml checks every IRI and language tag each time it meets one (a third of the
        // parse of IPTC Media Topics); lenient parsing skips that and `check_terms` checks each
        // distinct one once instead, with the same strictness.
        parser = parser.lenient();
    }
    // About one triple per 40 bytes of Turtle; a reservation, not a bound (it is capped).
    let estimate = (bytes.len() / 40).min(1 << 24);
    let mut triples: Vec<T> = Vec::with_capacity(estimate);
    vocab.strings.reserve(estimate / 2, bytes.len() / 3);
    let mut cache = TermCache::default();
    for quad in parser.for_slice(bytes) {
        let quad = quad.map_err(|e| rdf_error(e, syntax, input))?;
        let s = match &quad.subject {
            NamedOrBlankNode::NamedNode(n) => cache.subject(vocab, n.as_str(), false),
            NamedOrBlankNode::BlankNode(b) => cache.subject(vocab, b.as_str(), true),
        };
        let p = cache.predicate(vocab, quad.predicate.as_str());
        let o = match &quad.object {
            Term::NamedNode(n) => Obj::Node(vocab.intern(n.as_str())),
            Term::BlankNode(b) => Obj::Node(vocab.intern(&format!("_:{}", b.as_str()))),
            Term::Literal(l) => Obj::Lit {
                text: vocab.intern(l.value()),
                lang: cache.lang(vocab, l.language().unwrap_or("")),
            },
            #[allow(unreachable_patterns)]
            _ => continue,
        };
        triples.push(T { s, p, o });
    }
    Ok(triples)
}

/// Most triples repeat the subject of the previous one (Turtle's `;`), use one of a handful
/// of predicates and one of a few languages: remembering them skips most interning.
#[derive(Default)]
pub(crate) struct TermCache {
    subject: String,
    subject_blank: bool,
    subject_sym: Option<Sym>,
    predicates: Vec<(Box<str>, Sym)>,
    lang: String,
    lang_sym: Option<Sym>,
}

impl TermCache {
    pub(crate) fn subject(&mut self, v: &mut Vocabulary, name: &str, blank: bool) -> Sym {
        if let Some(sym) = self.subject_sym
            && self.subject_blank == blank
            && self.subject == name
        {
            return sym;
        }
        let sym = if blank {
            v.intern(&format!("_:{name}"))
        } else {
            v.intern(name)
        };
        self.subject.clear();
        self.subject.push_str(name);
        self.subject_blank = blank;
        self.subject_sym = Some(sym);
        sym
    }

    pub(crate) fn predicate(&mut self, v: &mut Vocabulary, iri: &str) -> Sym {
        if let Some((_, sym)) = self.predicates.iter().find(|(k, _)| &**k == iri) {
            return *sym;
        }
        let sym = v.intern(iri);
        if self.predicates.len() < 32 {
            self.predicates.push((iri.into(), sym));
        }
        sym
    }

    pub(crate) fn lang(&mut self, v: &mut Vocabulary, tag: &str) -> Sym {
        if let Some(sym) = self.lang_sym
            && self.lang == tag
        {
            return sym;
        }
        let sym = v.intern(tag);
        self.lang.clear();
        self.lang.push_str(tag);
        self.lang_sym = Some(sym);
        sym
    }
}

/// Checks each distinct IRI (absolute, RFC 3987) and language tag (BCP 47) of the triples
/// once.
fn check_terms(v: &Vocabulary, triples: &[T]) -> std::result::Result<(), String> {
    // Bit 1: checked as an IRI, bit 2: as a language tag.
    let mut checked = vec![0u8; v.strings.len()];
    let mut check = |sym: Sym, lang: bool| -> std::result::Result<(), String> {
        let bit = if lang { 2 } else { 1 };
        match checked.get_mut(sym.index()) {
            None => return Ok(()),
            Some(c) if *c & bit != 0 => return Ok(()),
            Some(c) => *c |= bit,
        }
        let s = v.str(sym);
        if lang {
            if !s.is_empty() && oxilangtag::LanguageTag::parse(s).is_err() {
                return Err(format!("invalid language tag {s:?}"));
            }
        } else if !s.starts_with("_:") {
            oxiri::Iri::parse(s).map_err(|e| format!("invalid IRI <{s}>: {e}"))?;
        }
        Ok(())
    };
    for t in triples {
        check(t.s, false)?;
        check(t.p, false)?;
        match t.o {
            Obj::Node(o) => check(o, false)?,
            Obj::Lit { lang, .. } => check(lang, true)?,
        }
    }
    Ok(())
}

/// The RDF/XML parser stops quietly at the end of a truncated document; this checks that the
/// root element is closed, so a cut file is an error rather than a partial vocabulary.
fn check_xml_complete(bytes: &[u8]) -> std::result::Result<(), String> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => String::from_utf8_lossy(bytes),
    };
    let mut rest: &str = &text;
    // Skip the prolog: XML declaration, comments, doctype, processing instructions.
    let root = loop {
        let Some(i) = rest.find('<') else {
            return Err("no root element".into());
        };
        rest = &rest[i..];
        if rest.starts_with("<?") {
            rest = rest.find("?>").map_or("", |j| &rest[j + 2..]);
        } else if rest.starts_with("<!--") {
            rest = rest.find("-->").map_or("", |j| &rest[j + 3..]);
        } else if rest.starts_with("<!") {
            rest = rest.find('>').map_or("", |j| &rest[j + 1..]);
        } else {
            break rest;
        }
    };
    let name: String = root[1..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect();
    let Some(open_end) = root.find('>') else {
        return Err(format!("the root element <{name}> is cut short"));
    };
    if root[..open_end].ends_with('/') {
        return Ok(());
    }
    let mut tail = text.trim_end();
    // Trailing comments after the root are allowed.
    while tail.ends_with("-->") {
        match tail.rfind("<!--") {
            Some(i) => tail = tail[..i].trim_end(),
            None => break,
        }
    }
    let closing = format!("</{name}");
    match tail.rfind(&closing) {
        Some(i) if tail[i + closing.len()..].trim_start() == ">" => Ok(()),
        _ => Err(format!(
            "the document ends before the root element <{name}> is closed (truncated?)"
        )),
    }
}

fn rdf_error(e: impl Into<RdfParseError>, syntax: RdfSyntax, input: &str) -> Error {
    match e.into() {
        RdfParseError::Io(e) => Error::Io {
            path: input.into(),
            source: e,
        },
        RdfParseError::Syntax(e) => {
            let loc = e.location();
            Error::Syntax {
                input: input.to_string(),
                format: syntax.name(),
                line: loc.as_ref().map(|r| r.start.line + 1),
                column: loc.as_ref().map(|r| r.start.column + 1),
                message: e.to_string(),
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum P {
    Type,
    SubClassOf,
    SubPropertyOf,
    Label(LabelKind),
    XlLabel(LabelKind),
    LiteralForm,
    Notation,
    Broader,
    Narrower,
    BroaderTransitive,
    NarrowerTransitive,
    Related,
    Match(MatchKind),
    InScheme,
    HasTopConcept,
    TopConceptOf,
    Member,
    MemberList,
    Note(NoteKind),
    First,
    Rest,
    Deprecated,
    ReplacedBy,
    RetiredOn,
    Category,
    RdfsLabel,
    Title,
}

struct Preds {
    map: FastMap<Sym, P>,
}

impl Preds {
    fn new(v: &mut Vocabulary) -> Preds {
        let mut map = FastMap::default();
        let mut add = |v: &mut Vocabulary, ns: &str, name: &str, p: P| {
            map.insert(v.intern(&format!("{ns}{name}")), p);
        };
        add(v, RDF, "type", P::Type);
        add(v, RDF, "first", P::First);
        add(v, RDF, "rest", P::Rest);
        add(v, RDFS, "subClassOf", P::SubClassOf);
        add(v, RDFS, "subPropertyOf", P::SubPropertyOf);
        add(v, RDFS, "label", P::RdfsLabel);
        add(v, DCT, "title", P::Title);
        add(v, DC, "title", P::Title);
        for k in [LabelKind::Pref, LabelKind::Alt, LabelKind::Hidden] {
            add(v, SKOS, k.skos_name(), P::Label(k));
            add(v, SKOSXL, k.skos_name(), P::XlLabel(k));
        }
        add(v, SKOSXL, "literalForm", P::LiteralForm);
        add(v, SKOS, "notation", P::Notation);
        add(v, SKOS, "broader", P::Broader);
        add(v, SKOS, "narrower", P::Narrower);
        add(v, SKOS, "broaderTransitive", P::BroaderTransitive);
        add(v, SKOS, "narrowerTransitive", P::NarrowerTransitive);
        add(v, SKOS, "related", P::Related);
        for k in MatchKind::ALL {
            add(v, SKOS, k.skos_name(), P::Match(k));
        }
        add(v, SKOS, "inScheme", P::InScheme);
        add(v, SKOS, "hasTopConcept", P::HasTopConcept);
        add(v, SKOS, "topConceptOf", P::TopConceptOf);
        add(v, SKOS, "member", P::Member);
        add(v, SKOS, "memberList", P::MemberList);
        for k in NoteKind::ALL {
            add(v, SKOS, k.skos_name(), P::Note(k));
        }
        add(v, OWL, "deprecated", P::Deprecated);
        add(v, DCT, "isReplacedBy", P::ReplacedBy);
        map.insert(v.intern(RETIRED_ON), P::RetiredOn);
        map.insert(v.intern(CATEGORY), P::Category);
        Preds { map }
    }
}

const C_CONCEPT: u8 = 1;
const C_SCHEME: u8 = 2;
const C_COLLECTION: u8 = 4;
const C_ORDERED: u8 = 8;
const C_XL: u8 = 16;
const C_TYPED_OTHER: u8 = 32;

/// Follows `rdfs:subPropertyOf` / `rdfs:subClassOf` chains (bounded, cycle-safe) to a known
/// target.
fn resolve_chain<X: Copy>(
    start: Sym,
    sup: &FastMap<Sym, Vec<Sym>>,
    known: &impl Fn(Sym) -> Option<X>,
) -> Option<X> {
    let mut seen = HashSet::new();
    let mut stack = vec![start];
    while let Some(s) = stack.pop() {
        if let Some(x) = known(s) {
            return Some(x);
        }
        if seen.insert(s)
            && let Some(next) = sup.get(&s)
        {
            stack.extend(next.iter().copied());
        }
    }
    None
}

#[cfg(test)]
pub(crate) fn interpret_triples(v: &mut Vocabulary, triples: &[T]) {
    interpret(v, triples);
}

/// A per-symbol flag: the node is used like a concept (labels, notations, relations...).
const C_LIKE: u8 = 64;

fn interpret(v: &mut Vocabulary, triples: &[T]) {
    let preds = Preds::new(v);
    let rdf_nil = v.intern(&format!("{RDF}nil"));
    let true_sym = v.intern("true");
    let one_sym = v.intern("1");
    let mut class_syms: FastMap<Sym, u8> = FastMap::default();
    for (n, c) in [
        ("Concept", C_CONCEPT),
        ("ConceptScheme", C_SCHEME),
        ("Collection", C_COLLECTION),
        ("OrderedCollection", C_COLLECTION | C_ORDERED),
    ] {
        class_syms.insert(v.intern(&format!("{SKOS}{n}")), c);
    }
    class_syms.insert(v.intern(&format!("{SKOSXL}Label")), C_XL);

    // Sub-property and sub-class chains.
    let mut sub_prop: FastMap<Sym, Vec<Sym>> = FastMap::default();
    let mut sub_class: FastMap<Sym, Vec<Sym>> = FastMap::default();
    for t in triples {
        if let Obj::Node(o) = t.o {
            match preds.map.get(&t.p) {
                Some(P::SubPropertyOf) => sub_prop.entry(t.s).or_default().push(o),
                Some(P::SubClassOf) => sub_class.entry(t.s).or_default().push(o),
                _ => {}
            }
        }
    }
    let mut pred_cache: FastMap<Sym, Option<P>> = FastMap::default();
    let mut effective = |p: Sym| -> Option<P> {
        if let Some(&x) = preds.map.get(&p) {
            return Some(x);
        }
        if sub_prop.is_empty() {
            return None;
        }
        *pred_cache
            .entry(p)
            .or_insert_with(|| resolve_chain(p, &sub_prop, &|s| preds.map.get(&s).copied()))
    };
    let mut class_cache: FastMap<Sym, u8> = FastMap::default();
    let mut class_of = |c: Sym| -> u8 {
        if let Some(&x) = class_syms.get(&c) {
            return x;
        }
        *class_cache.entry(c).or_insert_with(|| {
            resolve_chain(c, &sub_class, &|s| class_syms.get(&s).copied()).unwrap_or(C_TYPED_OTHER)
        })
    };

    // Classify nodes: one flag byte per interned string (every symbol of the triples was
    // interned before this point).
    let mut flags: Vec<u8> = vec![0; v.strings.len()];
    let set = |flags: &mut Vec<u8>, s: Sym, bits: u8| {
        if let Some(f) = flags.get_mut(s.index()) {
            *f |= bits;
        }
    };
    let mut effs: Vec<Option<P>> = Vec::with_capacity(triples.len());
    let mut last: Option<(Sym, Option<P>)> = None;
    for t in triples {
        let p = match last {
            Some((lp, e)) if lp == t.p => e,
            _ => {
                let e = effective(t.p);
                last = Some((t.p, e));
                e
            }
        };
        effs.push(p);
        let Some(p) = p else { continue };
        match (p, t.o) {
            (P::Type, Obj::Node(c)) => set(&mut flags, t.s, class_of(c)),
            (P::InScheme | P::TopConceptOf, Obj::Node(o)) => {
                set(&mut flags, o, C_SCHEME);
                set(&mut flags, t.s, C_LIKE);
            }
            (P::HasTopConcept, _) => set(&mut flags, t.s, C_SCHEME),
            (P::Member, _) => set(&mut flags, t.s, C_COLLECTION),
            (P::MemberList, _) => set(&mut flags, t.s, C_COLLECTION | C_ORDERED),
            (P::LiteralForm, _) => set(&mut flags, t.s, C_XL),
            (P::XlLabel(_), Obj::Node(o)) => {
                set(&mut flags, o, C_XL);
                set(&mut flags, t.s, C_LIKE);
            }
            (
                P::Label(_)
                | P::Notation
                | P::Broader
                | P::Narrower
                | P::BroaderTransitive
                | P::NarrowerTransitive
                | P::Related
                | P::Match(_)
                | P::Note(_),
                _,
            ) => set(&mut flags, t.s, C_LIKE),
            _ => {}
        }
    }
    let k = |s: Sym| flags.get(s.index()).copied().unwrap_or(0);
    let is_concept = |s: Sym| -> bool {
        let c = k(s);
        if c & C_CONCEPT != 0 {
            return true;
        }
        if c & (C_SCHEME | C_COLLECTION | C_XL | C_TYPED_OTHER) != 0 {
            return false;
        }
        c & C_LIKE != 0
    };

    // Create schemes, collections, declared concepts, in document order.
    let mut prev: Option<Sym> = None;
    for t in triples {
        if prev == Some(t.s) {
            continue;
        }
        prev = Some(t.s);
        let c = k(t.s);
        if c & C_SCHEME != 0 {
            let iri = v.str(t.s).to_string();
            v.add_scheme(&iri);
        }
        if c & C_COLLECTION != 0 {
            let iri = v.str(t.s).to_string();
            v.add_collection(&iri, c & C_ORDERED != 0);
        }
        if is_concept(t.s) {
            let id = v.concept_id_sym(t.s);
            v.declare(id);
        }
    }
    // Objects typed as schemes only (no triples as subject), in symbol order.
    for (i, &c) in flags.iter().enumerate() {
        let s = Sym::from_index(i);
        if c & C_SCHEME != 0 && !v.scheme_by_iri.contains_key(&s) {
            let iri = v.str(s).to_string();
            v.add_scheme(&iri);
        }
    }

    let mut xl_forms: FastMap<Sym, Vec<(Sym, Sym)>> = FastMap::default();
    let mut xl_links: Vec<(Sym, LabelKind, Sym)> = Vec::new();
    let mut first: FastMap<Sym, Sym> = FastMap::default();
    let mut rest: FastMap<Sym, Sym> = FastMap::default();
    let mut member_lists: Vec<(Sym, Sym)> = Vec::new();
    let mut last_concept: Option<(Sym, ConceptId)> = None;
    let mut concept = |v: &mut Vocabulary, s: Sym| -> ConceptId {
        match last_concept {
            Some((ls, id)) if ls == s => id,
            _ => {
                let id = v.concept_id_sym(s);
                last_concept = Some((s, id));
                id
            }
        }
    };

    for (t, p) in triples.iter().zip(effs.iter()) {
        let Some(p) = *p else { continue };
        let s = t.s;
        match (p, t.o) {
            (P::First, Obj::Node(o)) => {
                first.insert(s, o);
            }
            (P::Rest, Obj::Node(o)) => {
                rest.insert(s, o);
            }
            (P::LiteralForm, Obj::Lit { text, lang }) => {
                xl_forms.entry(s).or_default().push((text, lang));
            }
            (P::XlLabel(kind), Obj::Node(o)) => xl_links.push((s, kind, o)),
            (P::MemberList, Obj::Node(o)) => member_lists.push((s, o)),
            (P::Member, Obj::Node(o)) => {
                if let Some(&cid) = v.collection_by_iri.get(&s) {
                    if let Some(&sub) = v.collection_by_iri.get(&o) {
                        v.add_member_collection(cid, sub);
                    } else {
                        let m = v.concept_id_sym(o);
                        v.add_member(cid, m);
                    }
                }
            }
            (P::Label(_) | P::RdfsLabel | P::Title, Obj::Lit { text, lang }) => {
                let kind = match p {
                    P::Label(k) => k,
                    _ => LabelKind::Pref,
                };
                let c = k(s);
                if c & C_SCHEME != 0
                    && let Some(&sid) = v.scheme_by_iri.get(&s)
                {
                    let (lang_s, text_s) = (v.str(lang).to_string(), v.str(text).to_string());
                    v.add_scheme_label(sid, kind, &lang_s, &text_s);
                } else if c & C_COLLECTION != 0
                    && let Some(&cid) = v.collection_by_iri.get(&s)
                {
                    let (lang_s, text_s) = (v.str(lang).to_string(), v.str(text).to_string());
                    v.add_collection_label(cid, kind, &lang_s, &text_s);
                } else if is_concept(s) {
                    let id = concept(v, s);
                    match p {
                        P::Label(_) => v.add_label_sym(id, kind, lang, text),
                        P::RdfsLabel => v.add_fallback_label_sym(id, lang, text),
                        _ => {}
                    }
                }
            }
            (P::Notation, Obj::Lit { text, .. }) if is_concept(s) => {
                let id = concept(v, s);
                v.add_notation_sym(id, text);
            }
            (P::Note(kind), Obj::Lit { text, lang }) if is_concept(s) => {
                let id = concept(v, s);
                v.add_note_sym(id, kind, lang, text);
            }
            (
                P::Broader
                | P::Narrower
                | P::Related
                | P::BroaderTransitive
                | P::NarrowerTransitive,
                Obj::Node(o),
            ) if is_concept(s) => {
                let a = concept(v, s);
                let b = v.concept_id_sym(o);
                match p {
                    P::Broader => v.add_broader(a, b),
                    P::Narrower => v.add_narrower(a, b),
                    P::BroaderTransitive => v.add_broader_transitive(a, b),
                    P::NarrowerTransitive => v.add_broader_transitive(b, a),
                    _ => v.add_related(a, b),
                }
            }
            (P::Match(kind), Obj::Node(o)) if is_concept(s) => {
                let a = concept(v, s);
                v.add_match_sym(a, kind, o);
            }
            (P::InScheme, Obj::Node(o)) if is_concept(s) => {
                let a = concept(v, s);
                if let Some(&sid) = v.scheme_by_iri.get(&o) {
                    v.add_in_scheme(a, sid);
                }
            }
            (P::TopConceptOf, Obj::Node(o)) if is_concept(s) => {
                let a = concept(v, s);
                if let Some(&sid) = v.scheme_by_iri.get(&o) {
                    v.add_top_concept(sid, a);
                }
            }
            (P::HasTopConcept, Obj::Node(o)) => {
                if let Some(&sid) = v.scheme_by_iri.get(&s) {
                    let c = v.concept_id_sym(o);
                    v.add_top_concept(sid, c);
                }
            }
            (P::Deprecated, Obj::Lit { text, .. })
                if is_concept(s) && (text == true_sym || text == one_sym) =>
            {
                let a = concept(v, s);
                v.set_retired(a, None, &[]);
            }
            (P::Category, Obj::Lit { text, .. })
                if is_concept(s) && (text == true_sym || text == one_sym) =>
            {
                let a = concept(v, s);
                v.set_category(a, true);
            }
            (P::RetiredOn, Obj::Lit { text, .. }) if is_concept(s) => {
                let a = concept(v, s);
                let date = v.str(text).to_string();
                v.set_retired(a, Some(&date), &[]);
            }
            (P::ReplacedBy, Obj::Node(o)) if is_concept(s) => {
                let a = concept(v, s);
                let iri = v.str(o).to_string();
                v.set_retired(a, None, &[&iri]);
            }
            _ => {}
        }
    }

    // SKOS-XL labels.
    for (s, kind, node) in xl_links {
        if !is_concept(s) {
            continue;
        }
        let id = v.concept_id_sym(s);
        for &(text, lang) in xl_forms.get(&node).map(Vec::as_slice).unwrap_or(&[]) {
            v.add_label_sym(id, kind, lang, text);
        }
    }
    // Ordered collections: walk the RDF list, bounded by the number of list cells.
    for (coll, head) in member_lists {
        let Some(&cid) = v.collection_by_iri.get(&coll) else {
            continue;
        };
        let mut cur = head;
        let mut steps = 0usize;
        while cur != rdf_nil && steps <= first.len() {
            steps += 1;
            let Some(&item) = first.get(&cur) else { break };
            if let Some(&sub) = v.collection_by_iri.get(&item) {
                v.add_member_collection(cid, sub);
            } else {
                let m = v.concept_id_sym(item);
                v.add_member(cid, m);
            }
            match rest.get(&cur) {
                Some(&n) => cur = n,
                None => break,
            }
        }
    }
}

fn nn(iri: &str) -> Option<NamedNode> {
    NamedNode::new(iri).ok()
}

fn lit(text: &str, lang: &str) -> Literal {
    if lang.is_empty() {
        Literal::new_simple_literal(text)
    } else {
        Literal::new_language_tagged_literal(text, lang)
            .unwrap_or_else(|_| Literal::new_simple_literal(text))
    }
}

/// Writes the vocabulary as SKOS Turtle. Concepts whose IRI is not a valid absolute IRI are
/// refused with [`Error::Export`]; referenced-only concepts are written as references.
pub fn write_turtle<W: Write>(vocab: &Vocabulary, out: W) -> Result<W> {
    let ser = RdfSerializer::from_format(RdfFormat::Turtle)
        .with_prefix("skos", SKOS)
        .and_then(|s| s.with_prefix("skosxl", SKOSXL))
        .and_then(|s| s.with_prefix("owl", OWL))
        .and_then(|s| s.with_prefix("dct", DCT))
        .map_err(|e| Error::Export {
            format: "Turtle",
            message: e.to_string(),
        })?;
    let mut w = ser.for_writer(out);
    let io = |e: std::io::Error| Error::Export {
        format: "Turtle",
        message: e.to_string(),
    };
    let bad = |iri: &str| Error::Export {
        format: "Turtle",
        message: format!("{iri:?} is not an absolute IRI"),
    };
    let p = |name: &str| NamedNode::new_unchecked(format!("{SKOS}{name}"));
    let rdf_type = NamedNode::new_unchecked(format!("{RDF}type"));
    for s in vocab.schemes() {
        let sn = nn(s.iri()).ok_or_else(|| bad(s.iri()))?;
        w.serialize_triple(&Triple::new(
            sn.clone(),
            rdf_type.clone(),
            p("ConceptScheme"),
        ))
        .map_err(io)?;
        for l in &vocab.schemes[s.id().0 as usize].labels {
            w.serialize_triple(&Triple::new(
                sn.clone(),
                p(l.kind.skos_name()),
                lit(vocab.str(l.text), vocab.str(l.lang)),
            ))
            .map_err(io)?;
        }
        for &c in s.top_concepts() {
            let cn = nn(vocab.concept(c).iri()).ok_or_else(|| bad(vocab.concept(c).iri()))?;
            w.serialize_triple(&Triple::new(sn.clone(), p("hasTopConcept"), cn))
                .map_err(io)?;
        }
    }
    for c in vocab.concepts() {
        let cn = nn(c.iri()).ok_or_else(|| bad(c.iri()))?;
        let t = |pred: NamedNode, o: Term| Triple::new(cn.clone(), pred, o);
        w.serialize_triple(&t(rdf_type.clone(), p("Concept").into()))
            .map_err(io)?;
        for l in c.labels() {
            w.serialize_triple(&t(p(l.kind.skos_name()), lit(l.text, l.lang).into()))
                .map_err(io)?;
        }
        for (lang, text) in c.fallback_labels() {
            w.serialize_triple(&t(
                NamedNode::new_unchecked(format!("{RDFS}label")),
                lit(text, lang).into(),
            ))
            .map_err(io)?;
        }
        for n in c.notations() {
            w.serialize_triple(&t(p("notation"), Literal::new_simple_literal(n).into()))
                .map_err(io)?;
        }
        for k in NoteKind::ALL {
            for (lang, text) in c.notes(k) {
                w.serialize_triple(&t(p(k.skos_name()), lit(text, lang).into()))
                    .map_err(io)?;
            }
        }
        for (pred, ids) in [("broader", c.broader()), ("related", c.related())] {
            for &b in ids {
                let bn = nn(vocab.concept(b).iri()).ok_or_else(|| bad(vocab.concept(b).iri()))?;
                w.serialize_triple(&t(p(pred), bn.into())).map_err(io)?;
            }
        }
        for (k, iri) in c.matches() {
            if let Some(m) = nn(iri) {
                w.serialize_triple(&t(p(k.skos_name()), m.into()))
                    .map_err(io)?;
            }
        }
        for &s in c.schemes() {
            let sn = nn(vocab.str(vocab.schemes[s.0 as usize].iri)).ok_or_else(|| bad(""))?;
            w.serialize_triple(&t(p("inScheme"), sn.into()))
                .map_err(io)?;
        }
        if c.is_category() {
            w.serialize_triple(&t(
                NamedNode::new_unchecked(CATEGORY),
                Literal::from(true).into(),
            ))
            .map_err(io)?;
        }
        if c.is_retired() {
            w.serialize_triple(&t(
                NamedNode::new_unchecked(format!("{OWL}deprecated")),
                Literal::from(true).into(),
            ))
            .map_err(io)?;
            if let Some(d) = c.retired_date() {
                w.serialize_triple(&t(
                    NamedNode::new_unchecked(RETIRED_ON),
                    Literal::new_simple_literal(d).into(),
                ))
                .map_err(io)?;
            }
            for r in c.replaced_by() {
                if let Some(r) = nn(r) {
                    w.serialize_triple(&t(
                        NamedNode::new_unchecked(format!("{DCT}isReplacedBy")),
                        r.into(),
                    ))
                    .map_err(io)?;
                }
            }
        }
    }
    for coll in vocab.collections() {
        let Some(cn) = nn(coll.iri()) else { continue };
        let class = if coll.is_ordered() {
            "OrderedCollection"
        } else {
            "Collection"
        };
        w.serialize_triple(&Triple::new(cn.clone(), rdf_type.clone(), p(class)))
            .map_err(io)?;
        if let Some(l) = coll.pref_label(&[]) {
            w.serialize_triple(&Triple::new(cn.clone(), p("prefLabel"), lit(l, "")))
                .map_err(io)?;
        }
        for m in coll.concept_members() {
            if let Some(mn) = nn(vocab.concept(m).iri()) {
                w.serialize_triple(&Triple::new(cn.clone(), p("member"), mn))
                    .map_err(io)?;
            }
        }
    }
    w.finish().map_err(io)
}
