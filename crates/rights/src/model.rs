//! The ODRL 2.2 information model and its reading from RDF graphs (Turtle or JSON-LD) and
//! writing to JSON-LD compact form.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};

use crate::error::{Result, RightsError};
use crate::graph::{Graph, Node, odrl};
use crate::value::Value;
use crate::vocab::{Action, LeftOperand, ODRL, Operator, RDF, RDF_TYPE};

/// Nesting deeper than this (duties of consequences of duties ..., constraints in logical
/// constraints ...) is refused: it is either an attack or a cycle in the graph.
pub const MAX_DEPTH: usize = 16;

/// The kind of policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PolicyKind {
    /// `odrl:Set` (also the kind of a plain `odrl:Policy`).
    Set,
    /// `odrl:Offer`.
    Offer,
    /// `odrl:Agreement`.
    Agreement,
    /// Another subclass (Request, Ticket, Assertion, Privacy, a profile's), by IRI.
    Other(String),
}

/// How conflicts between an active permission and an active prohibition resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ConflictStrategy {
    /// Permissions win.
    Perm,
    /// Prohibitions win.
    Prohibit,
    /// The policy is void when a conflict arises (ODRL's default).
    Invalid,
}

/// The kind of rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RuleKind {
    /// A permission.
    Permission,
    /// A prohibition.
    Prohibition,
    /// An obligation (a top-level duty).
    Obligation,
    /// A duty of a permission, a consequence, or a remedy.
    Duty,
}

/// An ODRL policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// `odrl:uid`.
    pub uid: String,
    /// Set, Offer, Agreement ...
    pub kind: PolicyKind,
    /// `odrl:conflict` (None: not stated, ODRL's default `invalid` applies).
    pub conflict: Option<ConflictStrategy>,
    /// `odrl:profile` IRIs.
    pub profiles: Vec<String>,
    /// `odrl:inheritFrom`: parent policies whose rules this one inherits (see
    /// [`Policy::resolve_inheritance`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherit_from: Vec<String>,
    /// Permissions.
    pub permissions: Vec<Rule>,
    /// Prohibitions.
    pub prohibitions: Vec<Rule>,
    /// Obligations.
    pub obligations: Vec<Rule>,
}

/// A rule: permission, prohibition, obligation or duty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// The rule's IRI, when it has one.
    pub id: Option<String>,
    /// Permission, prohibition, obligation or duty.
    pub kind: RuleKind,
    /// The action(s) (ODRL allows one; several mean any of them).
    pub actions: Vec<ActionRef>,
    /// Targets (none: any asset).
    pub targets: Vec<AssetRef>,
    /// Assignees (none: any party).
    pub assignees: Vec<PartyRef>,
    /// Assigners.
    pub assigners: Vec<PartyRef>,
    /// Constraints (all must hold).
    pub constraints: Vec<Constraint>,
    /// Duties of a permission.
    pub duties: Vec<Rule>,
    /// Consequences of a duty or obligation.
    pub consequences: Vec<Rule>,
    /// Remedies of a prohibition.
    pub remedies: Vec<Rule>,
}

impl Rule {
    /// An empty rule of `kind`.
    pub fn new(kind: RuleKind) -> Rule {
        Rule {
            id: None,
            kind,
            actions: Vec::new(),
            targets: Vec::new(),
            assignees: Vec::new(),
            assigners: Vec::new(),
            constraints: Vec::new(),
            duties: Vec::new(),
            consequences: Vec::new(),
            remedies: Vec::new(),
        }
    }

    /// The rule's id or a placeholder for messages.
    pub fn label(&self) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| format!("(anonymous {:?})", self.kind))
    }
}

/// An action, possibly refined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRef {
    /// The node carrying the refinement, when the action was given as an object with an id.
    pub id: Option<String>,
    /// The action.
    pub action: Action,
    /// Refinements of the action.
    pub refinements: Vec<Constraint>,
}

/// A target asset or asset collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetRef {
    /// The IRI.
    pub iri: String,
    /// Whether it is an `odrl:AssetCollection` (the rule applies to its members).
    pub collection: bool,
    /// Refinements of a collection.
    pub refinements: Vec<Constraint>,
}

/// A party or party collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartyRef {
    /// The IRI.
    pub iri: String,
    /// Whether it is an `odrl:PartyCollection`.
    pub collection: bool,
    /// Refinements of a collection.
    pub refinements: Vec<Constraint>,
}

/// A constraint or logical constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Constraint {
    /// `leftOperand operator rightOperand`.
    Atomic(AtomicConstraint),
    /// `and` / `or` / `xone` / `andSequence` over constraints.
    Logical(LogicalConstraint),
}

impl Constraint {
    /// The constraint's IRI, when it has one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Constraint::Atomic(a) => a.id.as_deref(),
            Constraint::Logical(l) => l.id.as_deref(),
        }
    }
}

/// An atomic constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AtomicConstraint {
    /// The constraint's IRI.
    pub id: Option<String>,
    /// Left operand.
    pub left_operand: LeftOperand,
    /// Operator.
    pub operator: Operator,
    /// Right operand value(s) (a list for `isAnyOf` and friends).
    pub right_operand: Vec<Value>,
    /// `odrl:rightOperandReference`: an IRI whose value the context supplies.
    pub right_operand_reference: Option<String>,
    /// `odrl:unit`.
    pub unit: Option<String>,
    /// `odrl:dataType`.
    pub data_type: Option<String>,
    /// `odrl:status`: the value of the left operand recorded in the policy itself.
    pub status: Option<Value>,
}

/// Logical operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LogicalOp {
    /// All hold.
    And,
    /// At least one holds.
    Or,
    /// Exactly one holds.
    Xone,
    /// All hold, evaluated in order (stops at the first that does not).
    AndSequence,
}

impl LogicalOp {
    /// The ODRL local name.
    pub fn name(self) -> &'static str {
        match self {
            LogicalOp::And => "and",
            LogicalOp::Or => "or",
            LogicalOp::Xone => "xone",
            LogicalOp::AndSequence => "andSequence",
        }
    }
}

/// A logical constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogicalConstraint {
    /// The constraint's IRI.
    pub id: Option<String>,
    /// The operator.
    pub op: LogicalOp,
    /// Its operands.
    pub members: Vec<Constraint>,
}

const POLICY_CLASSES: &[&str] = &[
    "Set",
    "Offer",
    "Agreement",
    "Policy",
    "Privacy",
    "Ticket",
    "Assertion",
];

impl Policy {
    /// An empty `odrl:Set` with `uid`.
    pub fn new(uid: impl Into<String>) -> Policy {
        Policy {
            uid: uid.into(),
            kind: PolicyKind::Set,
            conflict: None,
            profiles: Vec::new(),
            inherit_from: Vec::new(),
            permissions: Vec::new(),
            prohibitions: Vec::new(),
            obligations: Vec::new(),
        }
    }

    /// Every policy in a graph (subjects typed with an ODRL policy class).
    pub fn all_from_graph(g: &Graph) -> Result<Vec<Policy>> {
        let mut out = Vec::new();
        let mut seen = Vec::new();
        for class in POLICY_CLASSES {
            for s in g.subjects_of_type(&odrl(class)) {
                if !seen.contains(&s) {
                    out.push(Policy::from_graph(g, &s)?);
                    seen.push(s);
                }
            }
        }
        Ok(out)
    }

    /// The policy whose subject is `subject`.
    pub fn from_graph(g: &Graph, subject: &Node) -> Result<Policy> {
        let uid = g
            .object(subject, &odrl("uid"))
            .and_then(|n| n.as_iri().map(str::to_owned))
            .or_else(|| subject.as_iri().map(str::to_owned))
            .unwrap_or_else(|| subject.label());
        let kind = {
            let types: Vec<&str> = g
                .objects(subject, RDF_TYPE)
                .filter_map(Node::as_iri)
                .collect();
            if types.iter().any(|t| *t == odrl("Agreement")) {
                PolicyKind::Agreement
            } else if types.iter().any(|t| *t == odrl("Offer")) {
                PolicyKind::Offer
            } else if types
                .iter()
                .any(|t| *t == odrl("Set") || *t == odrl("Policy"))
                || types.is_empty()
            {
                PolicyKind::Set
            } else {
                PolicyKind::Other(types[0].to_owned())
            }
        };
        let conflict = match g.object(subject, &odrl("conflict")) {
            None => None,
            Some(n) => Some(match n.as_iri().and_then(|i| i.strip_prefix(ODRL)) {
                Some("perm") => ConflictStrategy::Perm,
                Some("prohibit") => ConflictStrategy::Prohibit,
                Some("invalid") => ConflictStrategy::Invalid,
                _ => {
                    return Err(RightsError::Model {
                        rule: uid.clone(),
                        term: "odrl:conflict".into(),
                        message: format!("unknown conflict strategy {}", n.label()),
                    });
                }
            }),
        };
        let profiles = g
            .objects(subject, &odrl("profile"))
            .map(Node::label)
            .collect();
        let inherit_from = g
            .objects(subject, &odrl("inheritFrom"))
            .map(Node::label)
            .collect();
        let mut policy = Policy {
            uid: uid.clone(),
            kind,
            conflict,
            profiles,
            inherit_from,
            permissions: Vec::new(),
            prohibitions: Vec::new(),
            obligations: Vec::new(),
        };
        let r = GraphReader {
            g,
            budget: std::cell::Cell::new(MAX_NODES),
        };
        // Policy-level target/assigner/assignee/action/constraint apply to every rule.
        let mut shared = Rule::new(RuleKind::Permission);
        r.fill_common(subject, &mut shared, &uid, 0)?;
        for (prop, kind) in [
            ("permission", RuleKind::Permission),
            ("prohibition", RuleKind::Prohibition),
            ("obligation", RuleKind::Obligation),
        ] {
            for n in g.objects(subject, &odrl(prop)) {
                let mut rule = r.rule(n, kind, 0)?;
                inherit(&mut rule, &shared);
                match kind {
                    RuleKind::Permission => policy.permissions.push(rule),
                    RuleKind::Prohibition => policy.prohibitions.push(rule),
                    _ => policy.obligations.push(rule),
                }
            }
        }
        Ok(policy)
    }

    /// Reads the first policy of a Turtle document.
    pub fn from_turtle(bytes: &[u8], source_name: &str) -> Result<Policy> {
        let g = Graph::from_turtle(bytes, source_name)?;
        Policy::all_from_graph(&g)?
            .into_iter()
            .next()
            .ok_or_else(|| RightsError::NoPolicy {
                source_name: source_name.to_owned(),
            })
    }

    /// Reads the first policy of an ODRL JSON-LD document.
    pub fn from_jsonld(bytes: &[u8], source_name: &str) -> Result<Policy> {
        let g = Graph::from_jsonld(bytes, source_name)?;
        Policy::all_from_graph(&g)?
            .into_iter()
            .next()
            .ok_or_else(|| RightsError::NoPolicy {
                source_name: source_name.to_owned(),
            })
    }

    /// Reads a policy from JSON-LD or Turtle, chosen by the first non-blank byte (`{`/`[`).
    pub fn from_bytes(bytes: &[u8], source_name: &str) -> Result<Policy> {
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{' | b'[') => Policy::from_jsonld(bytes, source_name),
            _ => Policy::from_turtle(bytes, source_name),
        }
    }

    /// The policy with the rules of its `inheritFrom` ancestors added (ODRL 2.2 §2.7.1),
    /// parents looked up by uid. The child keeps its own conflict strategy, else takes its
    /// parent's. A missing parent or an inheritance cycle is an error naming the uid.
    pub fn resolve_inheritance<'a>(
        &self,
        lookup: &dyn Fn(&str) -> Option<&'a Policy>,
    ) -> Result<Policy> {
        fn walk<'a>(
            p: &Policy,
            lookup: &dyn Fn(&str) -> Option<&'a Policy>,
            out: &mut Policy,
            chain: &mut Vec<String>,
        ) -> Result<()> {
            for parent_uid in &p.inherit_from {
                if chain.iter().any(|c| c == parent_uid) || chain.len() > MAX_DEPTH {
                    return Err(RightsError::Cycle {
                        relation: "odrl:inheritFrom",
                        term: parent_uid.clone(),
                    });
                }
                let parent = lookup(parent_uid).ok_or_else(|| RightsError::Model {
                    rule: p.uid.clone(),
                    term: "odrl:inheritFrom".into(),
                    message: format!("parent policy {parent_uid} not found"),
                })?;
                out.permissions.extend(parent.permissions.iter().cloned());
                out.prohibitions.extend(parent.prohibitions.iter().cloned());
                out.obligations.extend(parent.obligations.iter().cloned());
                if out.conflict.is_none() {
                    out.conflict = parent.conflict;
                }
                chain.push(parent_uid.clone());
                walk(parent, lookup, out, chain)?;
                chain.pop();
            }
            Ok(())
        }
        let mut out = self.clone();
        let mut chain = vec![self.uid.clone()];
        walk(self, lookup, &mut out, &mut chain)?;
        out.inherit_from.clear();
        Ok(out)
    }

    /// All rules (permissions, prohibitions, obligations) in order.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.permissions
            .iter()
            .chain(&self.prohibitions)
            .chain(&self.obligations)
    }

    /// The policy as ODRL JSON-LD in compact form, with the ODRL context by reference.
    pub fn to_jsonld(&self) -> Json {
        let mut m = Map::new();
        m.insert("@context".into(), json!("http://www.w3.org/ns/odrl.jsonld"));
        m.insert(
            "@type".into(),
            json!(match &self.kind {
                PolicyKind::Set => "Set".to_owned(),
                PolicyKind::Offer => "Offer".to_owned(),
                PolicyKind::Agreement => "Agreement".to_owned(),
                PolicyKind::Other(iri) => compact(iri),
            }),
        );
        m.insert("uid".into(), json!(self.uid));
        if let Some(c) = self.conflict {
            m.insert(
                "conflict".into(),
                json!(match c {
                    ConflictStrategy::Perm => "perm",
                    ConflictStrategy::Prohibit => "prohibit",
                    ConflictStrategy::Invalid => "invalid",
                }),
            );
        }
        if !self.inherit_from.is_empty() {
            m.insert("inheritFrom".into(), json!(self.inherit_from));
        }
        if !self.profiles.is_empty() {
            m.insert("profile".into(), json!(self.profiles));
        }
        for (key, rules) in [
            ("permission", &self.permissions),
            ("prohibition", &self.prohibitions),
            ("obligation", &self.obligations),
        ] {
            if !rules.is_empty() {
                m.insert(
                    key.into(),
                    Json::Array(rules.iter().map(rule_json).collect()),
                );
            }
        }
        Json::Object(m)
    }
}

fn inherit(rule: &mut Rule, shared: &Rule) {
    if rule.targets.is_empty() {
        rule.targets.clone_from(&shared.targets);
    }
    if rule.assignees.is_empty() {
        rule.assignees.clone_from(&shared.assignees);
    }
    if rule.assigners.is_empty() {
        rule.assigners.clone_from(&shared.assigners);
    }
    if rule.actions.is_empty() {
        rule.actions.clone_from(&shared.actions);
    }
    rule.constraints.extend(shared.constraints.iter().cloned());
}

/// Most rules and constraints one policy may expand to (a graph can share a node many times,
/// which would otherwise expand exponentially).
pub const MAX_NODES: usize = 50_000;

struct GraphReader<'a> {
    budget: std::cell::Cell<usize>,
    g: &'a Graph,
}

impl GraphReader<'_> {
    fn spend(&self, label: &str, term: &str) -> Result<()> {
        let left = self.budget.get();
        if left == 0 {
            return Err(RightsError::Model {
                rule: label.to_owned(),
                term: term.to_owned(),
                message: format!(
                    "the policy expands to more than {MAX_NODES} rules and constraints"
                ),
            });
        }
        self.budget.set(left - 1);
        Ok(())
    }

    fn rule(&self, n: &Node, kind: RuleKind, depth: usize) -> Result<Rule> {
        let label = n.label();
        self.spend(&label, "odrl:duty")?;
        if depth > MAX_DEPTH {
            return Err(RightsError::Model {
                rule: label,
                term: "odrl:duty".into(),
                message: format!(
                    "rules nested deeper than {MAX_DEPTH} (a cycle of duties/consequences?)"
                ),
            });
        }
        let mut rule = Rule::new(kind);
        rule.id = n.as_iri().map(str::to_owned);
        self.fill_common(n, &mut rule, &label, depth)?;
        for d in self.g.objects(n, &odrl("duty")) {
            rule.duties.push(self.rule(d, RuleKind::Duty, depth + 1)?);
        }
        for d in self.g.objects(n, &odrl("consequence")) {
            rule.consequences
                .push(self.rule(d, RuleKind::Duty, depth + 1)?);
        }
        for d in self.g.objects(n, &odrl("remedy")) {
            rule.remedies.push(self.rule(d, RuleKind::Duty, depth + 1)?);
        }
        Ok(rule)
    }

    fn fill_common(&self, n: &Node, rule: &mut Rule, label: &str, depth: usize) -> Result<()> {
        let g = self.g;
        for a in g.objects(n, &odrl("action")) {
            rule.actions.push(self.action(a, label, depth)?);
        }
        for t in g.objects(n, &odrl("target")) {
            let (iri, collection, refinements) = self.entity(t, "AssetCollection", label, depth)?;
            rule.targets.push(AssetRef {
                iri,
                collection,
                refinements,
            });
        }
        for (prop, list) in [
            ("assignee", &mut rule.assignees),
            ("assigner", &mut rule.assigners),
        ] {
            for p in g.objects(n, &odrl(prop)) {
                let (iri, collection, refinements) =
                    self.entity(p, "PartyCollection", label, depth)?;
                list.push(PartyRef {
                    iri,
                    collection,
                    refinements,
                });
            }
        }
        for c in g.objects(n, &odrl("constraint")) {
            rule.constraints.push(self.constraint(c, label, depth + 1)?);
        }
        Ok(())
    }

    fn action(&self, a: &Node, label: &str, depth: usize) -> Result<ActionRef> {
        let g = self.g;
        let value = g.object(a, &format!("{RDF}value"));
        let (id, action) = match (value, a) {
            (Some(v), _) => (a.as_iri().map(str::to_owned), v),
            (None, Node::Iri(_)) => (None, a),
            (None, _) => {
                return Err(RightsError::Model {
                    rule: label.to_owned(),
                    term: "odrl:action".into(),
                    message: format!("action {} has no IRI and no rdf:value", a.label()),
                });
            }
        };
        let Some(iri) = action.as_iri() else {
            return Err(RightsError::Model {
                rule: label.to_owned(),
                term: "odrl:action".into(),
                message: format!("action must be an IRI, found {}", action.label()),
            });
        };
        let mut refinements = Vec::new();
        for r in g.objects(a, &odrl("refinement")) {
            refinements.push(self.constraint(r, label, depth + 1)?);
        }
        Ok(ActionRef {
            id,
            action: Action::new(iri),
            refinements,
        })
    }

    fn entity(
        &self,
        n: &Node,
        collection_class: &str,
        label: &str,
        depth: usize,
    ) -> Result<(String, bool, Vec<Constraint>)> {
        let g = self.g;
        let iri = match n {
            Node::Iri(i) => i.clone(),
            Node::Blank(_) => match g
                .object(n, &odrl("source"))
                .or_else(|| g.object(n, &odrl("uid")))
            {
                Some(Node::Iri(i)) => i.clone(),
                _ => n.label(),
            },
            Node::Literal { value, .. } => value.clone(),
        };
        let mut refinements = Vec::new();
        for r in g.objects(n, &odrl("refinement")) {
            refinements.push(self.constraint(r, label, depth + 1)?);
        }
        let collection = g.has_type(n, &odrl(collection_class)) || !refinements.is_empty();
        Ok((iri, collection, refinements))
    }

    fn constraint(&self, n: &Node, label: &str, depth: usize) -> Result<Constraint> {
        let g = self.g;
        self.spend(label, "odrl:constraint")?;
        if depth > MAX_DEPTH {
            return Err(RightsError::Model {
                rule: label.to_owned(),
                term: "odrl:constraint".into(),
                message: format!("constraints nested deeper than {MAX_DEPTH} (a cycle?)"),
            });
        }
        let id = n.as_iri().map(str::to_owned);
        for (prop, op) in [
            ("and", LogicalOp::And),
            ("or", LogicalOp::Or),
            ("xone", LogicalOp::Xone),
            ("andSequence", LogicalOp::AndSequence),
        ] {
            let members: Vec<&Node> = g.objects(n, &odrl(prop)).collect();
            if !members.is_empty() {
                let mut out = Vec::new();
                for m in members {
                    for item in self.list_items(m) {
                        out.push(self.constraint(item, label, depth + 1)?);
                    }
                }
                return Ok(Constraint::Logical(LogicalConstraint {
                    id,
                    op,
                    members: out,
                }));
            }
        }
        let clabel = id.clone().unwrap_or_else(|| n.label());
        let here = format!("{label} / constraint {clabel}");
        let left = match g.object(n, &odrl("leftOperand")) {
            Some(Node::Iri(i)) => LeftOperand::new(i.clone()),
            Some(other) => {
                return Err(RightsError::Model {
                    rule: here,
                    term: "odrl:leftOperand".into(),
                    message: format!("must be an IRI, found {}", other.label()),
                });
            }
            None => {
                return Err(RightsError::Model {
                    rule: here,
                    term: "odrl:leftOperand".into(),
                    message: "missing".into(),
                });
            }
        };
        let operator = match g.object(n, &odrl("operator")) {
            Some(Node::Iri(i)) => Operator::new(i.clone()),
            Some(other) => {
                return Err(RightsError::Model {
                    rule: here,
                    term: "odrl:operator".into(),
                    message: format!("must be an IRI, found {}", other.label()),
                });
            }
            None => {
                return Err(RightsError::Model {
                    rule: here,
                    term: "odrl:operator".into(),
                    message: "missing".into(),
                });
            }
        };
        let data_type = g
            .object(n, &odrl("dataType"))
            .and_then(Node::as_iri)
            .map(str::to_owned);
        let mut right = Vec::new();
        for r in g.objects(n, &odrl("rightOperand")) {
            for item in self.list_items(r) {
                let v = match (item, &data_type) {
                    (
                        Node::Literal {
                            value, datatype, ..
                        },
                        Some(dt),
                    ) if datatype.ends_with("#string") => {
                        Value::from_typed(value, dt, &here, "odrl:rightOperand")?
                    }
                    _ => Value::from_node(item, &here, "odrl:rightOperand")?,
                };
                right.push(v);
            }
        }
        let right_ref = g.object(n, &odrl("rightOperandReference")).map(Node::label);
        if right.is_empty() && right_ref.is_none() {
            return Err(RightsError::Model {
                rule: here,
                term: "odrl:rightOperand".into(),
                message: "missing (neither rightOperand nor rightOperandReference)".into(),
            });
        }
        let unit = g
            .object(n, &odrl("unit"))
            .map(|u| u.as_iri().map_or_else(|| u.label(), str::to_owned));
        let status = match g.object(n, &odrl("status")) {
            Some(s) => Some(Value::from_node(s, &here, "odrl:status")?),
            None => None,
        };
        Ok(Constraint::Atomic(AtomicConstraint {
            id,
            left_operand: left,
            operator,
            right_operand: right,
            right_operand_reference: right_ref,
            unit,
            data_type,
            status,
        }))
    }

    /// The items of an RDF collection (`rdf:first`/`rdf:rest`), or the node itself.
    fn list_items<'b>(&'b self, n: &'b Node) -> Vec<&'b Node> {
        let first = format!("{RDF}first");
        let rest = format!("{RDF}rest");
        if self.g.object(n, &first).is_none() {
            return vec![n];
        }
        let mut out = Vec::new();
        let mut cur = n;
        let mut guard = 0;
        while let Some(f) = self.g.object(cur, &first) {
            out.push(f);
            guard += 1;
            match self.g.object(cur, &rest) {
                Some(r) if guard < 100_000 && r.as_iri() != Some(&format!("{RDF}nil")) => cur = r,
                _ => break,
            }
        }
        out
    }
}

fn compact(iri: &str) -> String {
    if let Some(l) = iri.strip_prefix(ODRL) {
        return l.to_owned();
    }
    for (p, ns) in crate::vocab::PREFIXES {
        if *p != "odrl"
            && let Some(l) = iri.strip_prefix(ns)
        {
            return format!("{p}:{l}");
        }
    }
    iri.to_owned()
}

fn value_json(v: &Value) -> Json {
    match v {
        Value::DateTime(t) => json!({"@value": t.to_string(), "@type": "xsd:dateTime"}),
        Value::Date(d) => json!({"@value": d.to_string(), "@type": "xsd:date"}),
        Value::Integer(i) => json!({"@value": i.to_string(), "@type": "xsd:integer"}),
        Value::Decimal(d) => json!({"@value": d.to_string(), "@type": "xsd:decimal"}),
        Value::Boolean(b) => json!(b),
        Value::Duration(s) => json!({"@value": format!("PT{s}S"), "@type": "xsd:duration"}),
        Value::Iri(i) => json!({"@id": compact_id(i)}),
        Value::String(s) => json!(s),
    }
}

fn compact_id(iri: &str) -> String {
    if let Some(l) = iri.strip_prefix(ODRL) {
        format!("odrl:{l}")
    } else {
        iri.to_owned()
    }
}

fn constraint_json(c: &Constraint) -> Json {
    let mut m = Map::new();
    match c {
        Constraint::Atomic(a) => {
            if let Some(id) = &a.id {
                m.insert("@id".into(), json!(id));
            }
            m.insert("leftOperand".into(), json!(compact(a.left_operand.iri())));
            m.insert("operator".into(), json!(compact(a.operator.iri())));
            if a.right_operand.len() == 1 {
                m.insert("rightOperand".into(), value_json(&a.right_operand[0]));
            } else if !a.right_operand.is_empty() {
                m.insert(
                    "rightOperand".into(),
                    json!({"@list": a.right_operand.iter().map(value_json).collect::<Vec<_>>()}),
                );
            }
            if let Some(r) = &a.right_operand_reference {
                m.insert("rightOperandReference".into(), json!(r));
            }
            if let Some(u) = &a.unit {
                m.insert("unit".into(), json!(u));
            }
            if let Some(d) = &a.data_type {
                m.insert("dataType".into(), json!(d));
            }
            if let Some(s) = &a.status {
                m.insert("status".into(), value_json(s));
            }
        }
        Constraint::Logical(l) => {
            if let Some(id) = &l.id {
                m.insert("@id".into(), json!(id));
            }
            let members: Vec<Json> = l.members.iter().map(constraint_json).collect();
            m.insert(l.op.name().into(), json!({"@list": members}));
        }
    }
    Json::Object(m)
}

fn rule_json(r: &Rule) -> Json {
    let mut m = Map::new();
    if let Some(id) = &r.id {
        m.insert("@id".into(), json!(id));
    }
    let targets: Vec<Json> = r
        .targets
        .iter()
        .map(|t| entity_json(&t.iri, t.collection, "AssetCollection", &t.refinements))
        .collect();
    if !targets.is_empty() {
        m.insert("target".into(), Json::Array(targets));
    }
    for (key, list) in [("assignee", &r.assignees), ("assigner", &r.assigners)] {
        let v: Vec<Json> = list
            .iter()
            .map(|p| entity_json(&p.iri, p.collection, "PartyCollection", &p.refinements))
            .collect();
        if !v.is_empty() {
            m.insert(key.into(), Json::Array(v));
        }
    }
    let actions: Vec<Json> = r
        .actions
        .iter()
        .map(|a| {
            if a.refinements.is_empty() && a.id.is_none() {
                json!(compact(a.action.iri()))
            } else {
                let mut o = Map::new();
                if let Some(id) = &a.id {
                    o.insert("@id".into(), json!(id));
                }
                o.insert(
                    "rdf:value".into(),
                    json!({"@id": compact_id(a.action.iri())}),
                );
                o.insert(
                    "refinement".into(),
                    Json::Array(a.refinements.iter().map(constraint_json).collect()),
                );
                Json::Object(o)
            }
        })
        .collect();
    if actions.len() == 1 {
        m.insert(
            "action".into(),
            actions.into_iter().next().unwrap_or(Json::Null),
        );
    } else if !actions.is_empty() {
        m.insert("action".into(), Json::Array(actions));
    }
    if !r.constraints.is_empty() {
        m.insert(
            "constraint".into(),
            Json::Array(r.constraints.iter().map(constraint_json).collect()),
        );
    }
    for (key, list) in [
        ("duty", &r.duties),
        ("consequence", &r.consequences),
        ("remedy", &r.remedies),
    ] {
        if !list.is_empty() {
            m.insert(
                key.into(),
                Json::Array(list.iter().map(rule_json).collect()),
            );
        }
    }
    Json::Object(m)
}

fn entity_json(iri: &str, collection: bool, class: &str, refinements: &[Constraint]) -> Json {
    if !collection && refinements.is_empty() {
        return json!(iri);
    }
    let mut o = Map::new();
    o.insert("@id".into(), json!(iri));
    if collection {
        o.insert("@type".into(), json!(class));
    }
    if !refinements.is_empty() {
        o.insert(
            "refinement".into(),
            Json::Array(refinements.iter().map(constraint_json).collect()),
        );
    }
    Json::Object(o)
}
