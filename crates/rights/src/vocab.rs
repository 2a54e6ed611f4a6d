//! The ODRL 2.2 vocabulary: namespaces, actions with their `includedIn` hierarchy (Creative
//! Commons terms included), left operands, operators, and ISO 3166 groupings for `spatial`.
//!
//! Actions, left operands and operators are open newtypes: a profile adds its own by IRI.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::error::{Result, RightsError};

/// The ODRL namespace.
pub const ODRL: &str = "http://www.w3.org/ns/odrl/2/";
/// XML Schema datatypes.
pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
/// RDF.
pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
/// `rdf:type`.
pub const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
/// Creative Commons REL.
pub const CC: &str = "http://creativecommons.org/ns#";
/// The compliance-report ontology used by the SolidLab test suite (FORCE).
pub const REPORT: &str = "https://w3id.org/force/compliance-report#";
/// Dublin Core terms.
pub const DCT: &str = "http://purl.org/dc/terms/";

/// Prefixes of the bundled ODRL context.
pub const PREFIXES: &[(&str, &str)] = &[
    ("odrl", ODRL),
    ("rdf", RDF),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("dct", DCT),
    ("xsd", XSD),
    ("vcard", "http://www.w3.org/2006/vcard/ns#"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("schema", "http://schema.org/"),
    ("cc", CC),
];

macro_rules! open_term {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Cow<'static, str>);

        impl $name {
            /// A term from its full IRI.
            pub fn new(iri: impl Into<String>) -> $name {
                $name(Cow::Owned(iri.into()))
            }
            /// A term of the ODRL namespace from its local name (`"read"`).
            pub fn odrl(local: &str) -> $name {
                $name(Cow::Owned(format!("{ODRL}{local}")))
            }
            const fn from_static(iri: &'static str) -> $name {
                $name(Cow::Borrowed(iri))
            }
            /// The full IRI.
            pub fn iri(&self) -> &str {
                &self.0
            }
            /// The compact name: `read` for ODRL terms, `cc:Attribution` for CC ones, else
            /// the IRI.
            pub fn short(&self) -> &str {
                short(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.short())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.short())
            }
        }
    };
}

/// The compact form of an IRI for display.
pub fn short(iri: &str) -> &str {
    iri.strip_prefix(ODRL).unwrap_or(iri)
}

open_term!(
    /// An ODRL action (`odrl:read`, `cc:Distribution`, or any profile's action IRI).
    Action
);
open_term!(
    /// A constraint's left operand (`odrl:dateTime`, `odrl:spatial` ...).
    LeftOperand
);
open_term!(
    /// A constraint operator (`odrl:eq`, `odrl:isAnyOf` ...).
    Operator
);

macro_rules! consts {
    ($ty:ident: $($c:ident = $s:literal),* $(,)?) => {
        impl $ty {
            $(
                #[doc = concat!("`odrl:", $s, "`")]
                pub const $c: $ty = $ty::from_static(concat!("http://www.w3.org/ns/odrl/2/", $s));
            )*
        }
    };
}

consts!(Action:
    USE = "use", TRANSFER = "transfer", READ = "read", DISTRIBUTE = "distribute", DISPLAY = "display",
    PLAY = "play", PRINT = "print", REPRODUCE = "reproduce", MODIFY = "modify", DERIVE = "derive",
    ARCHIVE = "archive", ATTRIBUTE = "attribute", COMPENSATE = "compensate", SELL = "sell",
    GIVE = "give", STREAM = "stream", PRESENT = "present", AGGREGATE = "aggregate", EXTRACT = "extract",
    WATERMARK = "watermark", INDEX = "index", TRANSFORM = "transform", DELETE = "delete",
    OBTAIN_CONSENT = "obtainConsent", INFORM = "inform", ANONYMIZE = "anonymize", WRITE = "write",
);

consts!(LeftOperand:
    DATE_TIME = "dateTime", SPATIAL = "spatial", DELIVERY_CHANNEL = "deliveryChannel", MEDIA = "media",
    PURPOSE = "purpose", INDUSTRY = "industry", COUNT = "count", RECIPIENT = "recipient",
    RESOLUTION = "resolution", PAY_AMOUNT = "payAmount", ELAPSED_TIME = "elapsedTime",
    EVENT = "event", FILE_FORMAT = "fileFormat", LANGUAGE = "language", PRODUCT = "product",
    VERSION = "version", VIRTUAL_LOCATION = "virtualLocation", SYSTEM_DEVICE = "systemDevice",
    PERCENTAGE = "percentage", ABSOLUTE_SIZE = "absoluteSize", UNIT_OF_COUNT = "unitOfCount",
    TIME_INTERVAL = "timeInterval", METERED_TIME = "meteredTime", DELAY_PERIOD = "delayPeriod",
);

consts!(Operator:
    EQ = "eq", NEQ = "neq", LT = "lt", LTEQ = "lteq", GT = "gt", GTEQ = "gteq", IS_A = "isA",
    HAS_PART = "hasPart", IS_PART_OF = "isPartOf", IS_ALL_OF = "isAllOf", IS_ANY_OF = "isAnyOf",
    IS_NONE_OF = "isNoneOf",
);

/// The ODRL 2.2 actions and what each is `includedIn` (ODRL Common Vocabulary, including the
/// deprecated 2.1 actions mapped by `skos:exactMatch`/`broaderTransitive`, and the Creative
/// Commons REL terms). `None`: a top-level action.
pub const ACTIONS: &[(&str, Option<&str>)] = &[
    ("use", None),
    ("transfer", None),
    ("acceptTracking", Some("use")),
    ("aggregate", Some("use")),
    ("annotate", Some("use")),
    ("anonymize", Some("use")),
    ("archive", Some("use")),
    ("attribute", Some("use")),
    ("compensate", Some("use")),
    ("concurrentUse", Some("use")),
    ("delete", Some("use")),
    ("derive", Some("use")),
    ("digitize", Some("use")),
    ("display", Some("play")),
    ("distribute", Some("use")),
    ("ensureExclusivity", Some("use")),
    ("execute", Some("use")),
    ("extract", Some("reproduce")),
    ("give", Some("transfer")),
    ("grantUse", Some("use")),
    ("include", Some("use")),
    ("index", Some("use")),
    ("inform", Some("use")),
    ("install", Some("use")),
    ("modify", Some("use")),
    ("move", Some("use")),
    ("nextPolicy", Some("use")),
    ("obtainConsent", Some("use")),
    ("play", Some("use")),
    ("present", Some("use")),
    ("print", Some("use")),
    ("read", Some("use")),
    ("reproduce", Some("use")),
    ("reviewPolicy", Some("use")),
    ("sell", Some("transfer")),
    ("stream", Some("use")),
    ("synchronize", Some("use")),
    ("textToSpeech", Some("use")),
    ("transform", Some("use")),
    ("translate", Some("use")),
    ("uninstall", Some("use")),
    ("watermark", Some("use")),
    // Deprecated ODRL 2.1 actions, by their 2.2 equivalents.
    ("adHocShare", Some("distribute")),
    ("append", Some("modify")),
    ("appendTo", Some("modify")),
    ("attachPolicy", Some("use")),
    ("attachSource", Some("use")),
    ("commercialize", Some("use")),
    ("copy", Some("reproduce")),
    ("export", Some("transform")),
    ("extractChar", Some("extract")),
    ("extractPage", Some("extract")),
    ("extractWord", Some("extract")),
    ("lease", Some("use")),
    ("lend", Some("use")),
    ("license", Some("grantUse")),
    ("pay", Some("compensate")),
    ("secondaryUse", Some("use")),
    ("share", Some("distribute")),
    ("shareAlike", Some("use")),
    ("write", Some("modify")),
    ("writeTo", Some("modify")),
    ("doNotAllow", None),
];

/// Creative Commons REL actions (`cc:` namespace) and their ODRL `includedIn`.
pub const CC_ACTIONS: &[(&str, &str)] = &[
    ("Attribution", "attribute"),
    ("CommercialUse", "use"),
    ("DerivativeWorks", "derive"),
    ("Distribution", "distribute"),
    ("Notice", "inform"),
    ("Reproduction", "reproduce"),
    ("ShareAlike", "use"),
    ("Sharing", "distribute"),
    ("SourceCode", "distribute"),
];

/// ODRL left operands of the Common Vocabulary.
pub const LEFT_OPERANDS: &[&str] = &[
    "absolutePosition",
    "absoluteSpatialPosition",
    "absoluteTemporalPosition",
    "absoluteSize",
    "count",
    "dateTime",
    "delayPeriod",
    "deliveryChannel",
    "elapsedTime",
    "event",
    "fileFormat",
    "industry",
    "language",
    "media",
    "meteredTime",
    "payAmount",
    "percentage",
    "product",
    "purpose",
    "recipient",
    "relativePosition",
    "relativeSpatialPosition",
    "relativeTemporalPosition",
    "relativeSize",
    "resolution",
    "spatial",
    "spatialCoordinates",
    "systemDevice",
    "timeInterval",
    "unitOfCount",
    "version",
    "virtualLocation",
];

/// ODRL operators.
pub const OPERATORS: &[&str] = &[
    "eq", "gt", "gteq", "lt", "lteq", "neq", "isA", "hasPart", "isPartOf", "isAllOf", "isAnyOf",
    "isNoneOf",
];

const OTHER_TERMS: &[&str] = &[
    "Policy",
    "Set",
    "Offer",
    "Agreement",
    "Assertion",
    "Privacy",
    "Request",
    "Ticket",
    "Rule",
    "Permission",
    "Prohibition",
    "Duty",
    "Obligation",
    "Asset",
    "AssetCollection",
    "Party",
    "PartyCollection",
    "Action",
    "Constraint",
    "LogicalConstraint",
    "Operator",
    "LeftOperand",
    "RightOperand",
    "ConflictTerm",
    "perm",
    "prohibit",
    "invalid",
    "uid",
    "profile",
    "inheritFrom",
    "conflict",
    "target",
    "output",
    "partOf",
    "source",
    "assignee",
    "assigner",
    "assigneeOf",
    "assignerOf",
    "attributedParty",
    "attributingParty",
    "compensatedParty",
    "compensatingParty",
    "consentingParty",
    "consentedParty",
    "informedParty",
    "informingParty",
    "trackingParty",
    "trackedParty",
    "contractingParty",
    "contractedParty",
    "action",
    "includedIn",
    "implies",
    "permission",
    "prohibition",
    "obligation",
    "duty",
    "consequence",
    "remedy",
    "failure",
    "constraint",
    "refinement",
    "operator",
    "rightOperand",
    "rightOperandReference",
    "leftOperand",
    "unit",
    "dataType",
    "status",
    "relation",
    "function",
    "hasPolicy",
    "or",
    "xone",
    "and",
    "andSequence",
    "scope",
    "All",
    "All2ndConnections",
    "AllConnections",
    "AllGroups",
    "Group",
    "Individual",
    "policyUsage",
    "timedCount",
    "UndefinedTerm",
    "ignore",
    "support",
];

/// Whether `term` is a bare ODRL term of the bundled context.
pub fn is_odrl_term(term: &str) -> bool {
    OTHER_TERMS.contains(&term)
        || LEFT_OPERANDS.contains(&term)
        || OPERATORS.contains(&term)
        || ACTIONS.iter().any(|(a, _)| *a == term)
}

/// The ODRL context's coercion of a property: `Some(true)` for `@vocab`, `Some(false)` for
/// `@id`, `None` for none.
pub fn odrl_coercion(term: &str) -> Option<bool> {
    match term {
        "action" | "conflict" | "leftOperand" | "operator" | "includedIn" | "implies"
        | "function" | "unit" | "scope" => Some(true),
        "uid"
        | "profile"
        | "inheritFrom"
        | "target"
        | "output"
        | "partOf"
        | "source"
        | "assignee"
        | "assigner"
        | "hasPolicy"
        | "rightOperandReference"
        | "dataType"
        | "permission"
        | "prohibition"
        | "obligation"
        | "duty"
        | "consequence"
        | "remedy"
        | "constraint"
        | "refinement"
        | "relation"
        | "attributedParty"
        | "attributingParty"
        | "compensatedParty"
        | "compensatingParty"
        | "consentingParty"
        | "consentedParty"
        | "informedParty"
        | "informingParty"
        | "trackingParty"
        | "trackedParty"
        | "contractingParty"
        | "contractedParty"
        | "assigneeOf"
        | "assignerOf"
        | "or"
        | "xone"
        | "and"
        | "andSequence" => Some(false),
        _ => None,
    }
}

/// The `includedIn` hierarchy of actions: the ODRL vocabulary by default, extensible by
/// profiles. Cycles are refused.
#[derive(Debug, Clone)]
pub struct ActionHierarchy {
    parents: HashMap<Action, Vec<Action>>,
    children: HashMap<Action, Vec<Action>>,
}

impl Default for ActionHierarchy {
    fn default() -> Self {
        ActionHierarchy::odrl().as_ref().clone()
    }
}

impl ActionHierarchy {
    /// The ODRL vocabulary's hierarchy, built once and shared.
    pub fn odrl() -> std::sync::Arc<ActionHierarchy> {
        static H: std::sync::OnceLock<std::sync::Arc<ActionHierarchy>> = std::sync::OnceLock::new();
        H.get_or_init(|| std::sync::Arc::new(ActionHierarchy::build_odrl()))
            .clone()
    }

    fn build_odrl() -> ActionHierarchy {
        let mut parents: HashMap<Action, Vec<Action>> = HashMap::new();
        for (a, p) in ACTIONS {
            let entry = parents.entry(Action::odrl(a)).or_default();
            if let Some(p) = p {
                entry.push(Action::odrl(p));
            }
        }
        for (a, p) in CC_ACTIONS {
            parents
                .entry(Action::new(format!("{CC}{a}")))
                .or_default()
                .push(Action::odrl(p));
        }
        let mut children: HashMap<Action, Vec<Action>> = HashMap::new();
        for (a, ps) in &parents {
            for p in ps {
                children.entry(p.clone()).or_default().push(a.clone());
            }
        }
        ActionHierarchy { parents, children }
    }
}

impl ActionHierarchy {
    /// An empty hierarchy (every action stands alone).
    pub fn empty() -> ActionHierarchy {
        ActionHierarchy {
            parents: HashMap::new(),
            children: HashMap::new(),
        }
    }

    /// Number of known actions.
    pub fn len(&self) -> usize {
        self.parents.len()
    }

    /// Whether no action is known.
    pub fn is_empty(&self) -> bool {
        self.parents.is_empty()
    }

    /// Whether `action` is known.
    pub fn contains(&self, action: &Action) -> bool {
        self.parents.contains_key(action)
    }

    /// Declares `narrower includedIn broader`. Refuses a statement that closes a cycle.
    pub fn add(&mut self, narrower: Action, broader: Action) -> Result<()> {
        if narrower == broader || self.includes(&narrower, &broader) {
            return Err(RightsError::Cycle {
                relation: "odrl:includedIn",
                term: narrower.iri().to_owned(),
            });
        }
        self.parents.entry(broader.clone()).or_default();
        let kids = self.children.entry(broader.clone()).or_default();
        if !kids.contains(&narrower) {
            kids.push(narrower.clone());
        }
        let e = self.parents.entry(narrower).or_default();
        if !e.contains(&broader) {
            e.push(broader);
        }
        Ok(())
    }

    /// Whether performing `narrower` is an instance of `broader` (equal, or transitively
    /// `includedIn` it). Cycle-safe.
    pub fn includes(&self, broader: &Action, narrower: &Action) -> bool {
        if broader == narrower {
            return true;
        }
        let mut stack: Vec<&Action> = vec![narrower];
        let mut seen: HashSet<&Action> = HashSet::new();
        while let Some(a) = stack.pop() {
            if let Some(ps) = self.parents.get(a) {
                for p in ps {
                    if p == broader {
                        return true;
                    }
                    if seen.insert(p) {
                        stack.push(p);
                    }
                }
            }
        }
        false
    }

    /// Adds the `odrl:includedIn` statements of a graph (a profile's or a policy document's
    /// own action definitions). A statement that would close a cycle is an error naming
    /// the action.
    pub fn extend_from_graph(&mut self, g: &crate::graph::Graph) -> Result<usize> {
        let pred = format!("{ODRL}includedIn");
        let mut added = 0;
        for t in g.triples().iter().filter(|t| t.predicate == pred) {
            if let (Some(n), Some(b)) = (t.subject.as_iri(), t.object.as_iri()) {
                let (n, b) = (Action::new(n), Action::new(b));
                if !self.parents.get(&n).is_some_and(|ps| ps.contains(&b)) {
                    self.add(n, b)?;
                    added += 1;
                }
            }
        }
        Ok(added)
    }

    /// Every action that `action` includes: itself and everything transitively
    /// `includedIn` it. Cycle-safe.
    pub fn narrower_closure(&self, action: &Action) -> HashSet<Action> {
        let children = &self.children;
        let mut out: HashSet<Action> = HashSet::new();
        out.insert(action.clone());
        let mut stack = vec![action];
        while let Some(a) = stack.pop() {
            for c in children.get(a).map(Vec::as_slice).unwrap_or(&[]) {
                if out.insert(c.clone()) {
                    stack.push(c);
                }
            }
        }
        out
    }

    /// The chain of broader actions of `action` (not including itself).
    pub fn ancestors(&self, action: &Action) -> Vec<Action> {
        let mut out = Vec::new();
        let mut stack = vec![action.clone()];
        while let Some(a) = stack.pop() {
            if let Some(ps) = self.parents.get(&a) {
                for p in ps {
                    if !out.contains(p) && p != action {
                        out.push(p.clone());
                        stack.push(p.clone());
                    }
                }
            }
        }
        out
    }
}

/// EU member states (2020-).
pub const EU: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

/// Named groups of ISO 3166-1 alpha-2 codes usable as `spatial` values.
pub const SPATIAL_GROUPS: &[(&str, &[&str])] = &[
    ("EU", EU),
    (
        "EEA",
        &[
            "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
            "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS",
            "LI", "NO",
        ],
    ),
    ("DACH", &["DE", "AT", "CH"]),
    ("BENELUX", &["BE", "NL", "LU"]),
    ("NORDICS", &["DK", "FI", "IS", "NO", "SE"]),
    ("G7", &["CA", "FR", "DE", "IT", "JP", "GB", "US"]),
    ("NAFTA", &["US", "CA", "MX"]),
    ("UK", &["GB"]),
];

/// Normalises a place given as an ISO 3166 code, a group name, a URN
/// (`urn:iso:std:iso:3166:-1:DE`) or an IRI whose last segment is a code: upper case code.
pub fn normalize_place(s: &str) -> String {
    let last = s.rsplit(['/', '#', ':']).next().unwrap_or(s);
    last.trim().to_ascii_uppercase()
}

fn place_key(s: &str) -> &str {
    let b = s.as_bytes();
    if b.iter()
        .any(|&c| c == b'/' || c == b'#' || c == b':' || c == b' ')
    {
        s.rsplit(['/', '#', ':']).next().unwrap_or(s).trim()
    } else {
        s
    }
}

/// Whether `place` (a code) lies within `area` (a code or a group, `WORLD` for all).
/// Case-insensitive; does not allocate.
pub fn place_within(place: &str, area: &str) -> bool {
    let (place, area) = (place_key(place), place_key(area));
    if place.eq_ignore_ascii_case(area)
        || area.eq_ignore_ascii_case("WORLD")
        || area.eq_ignore_ascii_case("WW")
    {
        return true;
    }
    // ISO 3166-2 subdivisions (DE-BY) lie within their country.
    let country = place.split('-').next().unwrap_or(place);
    if country.len() != place.len() && country.eq_ignore_ascii_case(area) {
        return true;
    }
    SPATIAL_GROUPS.iter().any(|(g, members)| {
        g.eq_ignore_ascii_case(area) && members.iter().any(|m| m.eq_ignore_ascii_case(country))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places() {
        assert!(place_within("DE", "EU"));
        assert!(place_within("de-by", "DE"));
        assert!(place_within("DE-BY", "eu"));
        assert!(place_within("urn:iso:std:iso:3166:-1:NO", "EEA"));
        assert!(!place_within("NO", "EU"));
        assert!(!place_within("CH", "EU"));
        assert!(place_within("JP", "WORLD"));
        assert_eq!(normalize_place(" http://example.com/geo/fr "), "FR");
    }

    #[test]
    fn closure() {
        let h = ActionHierarchy::default();
        let use_ = h.narrower_closure(&Action::USE);
        assert!(use_.contains(&Action::DISPLAY) && use_.contains(&Action::odrl("write")));
        assert!(!use_.contains(&Action::SELL));
        for a in &use_ {
            assert!(h.includes(&Action::USE, a));
        }
        assert!(h.contains(&Action::new(format!("{CC}Distribution"))));
        assert!(ACTIONS.len() + CC_ACTIONS.len() >= 72);
    }
}
