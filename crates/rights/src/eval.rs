//! Evaluation: a request plus a state of the world against a policy gives a decision and a
//! compliance report in the terms of the W3C ODRL formal semantics / the FORCE compliance
//! report ontology (activation, attempt, satisfaction, performance and deontic states).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{Result, RightsError};
use crate::model::{
    AtomicConstraint, ConflictStrategy, Constraint, LogicalOp, Policy, Rule, RuleKind,
};
use crate::value::Value;
use crate::vocab::{self, Action, ActionHierarchy, LeftOperand, Operator};

/// What is asked: may `party` perform `action` on `target` in this context?
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// The requesting party (IRI or any identifier).
    pub party: Option<String>,
    /// The action.
    pub action: Option<Action>,
    /// The asset.
    pub target: Option<String>,
    /// Context values by left operand (date-time, spatial, deliveryChannel, media, purpose,
    /// industry, count ... or any profile operand).
    pub context: Vec<(LeftOperand, Value)>,
}

impl Request {
    /// A request to perform `action`.
    pub fn new(action: Action) -> Request {
        Request {
            action: Some(action),
            ..Request::default()
        }
    }
    /// Sets the party.
    pub fn party(mut self, p: impl Into<String>) -> Request {
        self.party = Some(p.into());
        self
    }
    /// Sets the target asset.
    pub fn target(mut self, t: impl Into<String>) -> Request {
        self.target = Some(t.into());
        self
    }
    /// Adds a context value.
    pub fn with(mut self, operand: LeftOperand, value: Value) -> Request {
        self.context.push((operand, value));
        self
    }
    /// The time of the use (`odrl:dateTime`).
    pub fn at(self, t: Timestamp) -> Request {
        self.with(LeftOperand::DATE_TIME, Value::DateTime(t))
    }
    /// Where the use happens: an ISO 3166 code (`odrl:spatial`).
    pub fn spatial(self, code: &str) -> Request {
        self.with(
            LeftOperand::SPATIAL,
            Value::String(vocab::normalize_place(code)),
        )
    }
    /// The delivery channel (`odrl:deliveryChannel`), e.g. `web`, `print`, `social`.
    pub fn channel(self, c: &str) -> Request {
        self.with(LeftOperand::DELIVERY_CHANNEL, Value::String(c.to_owned()))
    }
    /// The media (`odrl:media`).
    pub fn media(self, m: &str) -> Request {
        self.with(LeftOperand::MEDIA, Value::String(m.to_owned()))
    }
    /// The purpose (`odrl:purpose`).
    pub fn purpose(self, p: &str) -> Request {
        self.with(LeftOperand::PURPOSE, Value::String(p.to_owned()))
    }
    /// The industry (`odrl:industry`).
    pub fn industry(self, i: &str) -> Request {
        self.with(LeftOperand::INDUSTRY, Value::String(i.to_owned()))
    }
    /// The number of uses so far, this one included (`odrl:count`).
    pub fn count(self, n: i64) -> Request {
        self.with(LeftOperand::COUNT, Value::Integer(n))
    }
    fn values<'a>(&'a self, op: &'a LeftOperand) -> impl Iterator<Item = &'a Value> + 'a {
        self.context
            .iter()
            .filter(move |(o, _)| o == op)
            .map(|(_, v)| v)
    }
}

/// The performance state of a duty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PerformanceState {
    /// Done.
    Performed,
    /// Known not done.
    Unperformed,
    /// No evidence either way.
    Unknown,
}

/// The deontic state of a duty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeonticState {
    /// Not yet due.
    NonSet,
    /// Due and pending.
    Pending,
    /// Fulfilled.
    Fulfilled,
    /// Violated.
    Violated,
}

/// What the state of the world says about a duty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DutyFact {
    /// Performance.
    pub performance: PerformanceState,
    /// Deontic state, when recorded.
    pub deontic: Option<DeonticState>,
    /// Values describing how it was performed (e.g. `payAmount`), checked against the
    /// duty action's refinements.
    pub values: Vec<(LeftOperand, Value)>,
}

/// The state of the world: collection memberships, duty facts, referenced values.
#[derive(Debug, Clone, Default)]
pub struct World {
    part_of: HashMap<String, Vec<String>>,
    duties: HashMap<String, DutyFact>,
    references: HashMap<String, Value>,
    by_unit: Vec<(String, Value)>,
}

impl World {
    /// An empty world.
    pub fn new() -> World {
        World::default()
    }
    /// States `item odrl:partOf collection` (assets in asset collections, parties in party
    /// collections).
    pub fn part_of(
        &mut self,
        item: impl Into<String>,
        collection: impl Into<String>,
    ) -> &mut World {
        self.part_of
            .entry(item.into())
            .or_default()
            .push(collection.into());
        self
    }
    /// Records what is known of the duty with id `duty`.
    pub fn duty(&mut self, duty: impl Into<String>, fact: DutyFact) -> &mut World {
        self.duties.insert(duty.into(), fact);
        self
    }
    /// Supplies the value of a `rightOperandReference`.
    pub fn reference(&mut self, iri: impl Into<String>, v: Value) -> &mut World {
        self.references.insert(iri.into(), v);
        self
    }
    /// Supplies a measured value by unit (a constraint with this `odrl:unit` and no value for
    /// its left operand in the request uses it).
    pub fn measured(&mut self, unit: impl Into<String>, v: Value) -> &mut World {
        self.by_unit.push((unit.into(), v));
        self
    }
    /// Whether `item` is (transitively) part of `collection`. Cycle-safe.
    pub fn is_member(&self, item: &str, collection: &str) -> bool {
        if item == collection {
            return true;
        }
        let mut stack = vec![item];
        let mut seen: HashSet<&str> = HashSet::new();
        while let Some(i) = stack.pop() {
            for c in self.part_of.get(i).map(Vec::as_slice).unwrap_or(&[]) {
                if c == collection {
                    return true;
                }
                if seen.insert(c) {
                    stack.push(c);
                }
            }
        }
        false
    }
    /// Refuses a world whose `partOf` statements form a cycle.
    pub fn check_acyclic(&self) -> Result<()> {
        for start in self.part_of.keys() {
            let mut stack: Vec<&str> = self.part_of[start].iter().map(String::as_str).collect();
            let mut seen: HashSet<&str> = HashSet::new();
            while let Some(c) = stack.pop() {
                if c == start {
                    return Err(RightsError::Cycle {
                        relation: "odrl:partOf",
                        term: start.clone(),
                    });
                }
                if seen.insert(c) {
                    stack.extend(
                        self.part_of
                            .get(c)
                            .into_iter()
                            .flatten()
                            .map(String::as_str),
                    );
                }
            }
        }
        Ok(())
    }
}

/// How duties of a permission take part in its activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DutySemantics {
    /// A permission is active unless one of its active duties is known violated (or known
    /// unperformed); pending duties are listed in the report. The SolidLab/FORCE test suite's
    /// semantics, and what a DAM needs for duties such as "credit the photographer" that are
    /// performed after the use.
    #[default]
    ActiveUnlessViolated,
    /// A permission is active only when every active duty is known performed (closed world,
    /// the W3C formal-semantics examples).
    RequirePerformed,
}

/// Evaluation options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    /// Duty semantics.
    pub duties: DutySemantics,
    /// Whether assignees are checked against the request's party (on by default).
    pub check_party: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            duties: DutySemantics::default(),
            check_party: true,
        }
    }
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    /// An active permission allows the use.
    Permit,
    /// An active prohibition forbids it (or the policy is void by conflict).
    Deny,
    /// No rule applies: not permitted (closed world).
    NotApplicable,
}

/// Satisfied or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Satisfaction {
    /// Holds.
    Satisfied,
    /// Does not hold (or cannot be shown to hold: closed world).
    Unsatisfied,
}

impl Satisfaction {
    fn of(b: bool) -> Satisfaction {
        if b {
            Satisfaction::Satisfied
        } else {
            Satisfaction::Unsatisfied
        }
    }
    /// Whether satisfied.
    pub fn ok(self) -> bool {
        self == Satisfaction::Satisfied
    }
}

/// Whether a rule is in force for the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActivationState {
    /// All premises hold.
    Active,
    /// Some premise fails.
    Inactive,
}

/// Whether the request attempts the rule's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttemptState {
    /// The requested action is the rule's action or included in it.
    Attempted,
    /// It is not.
    NotAttempted,
}

/// The kind of premise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PremiseKind {
    /// The target.
    Target,
    /// The assignee.
    Party,
    /// The action (with its refinements).
    Action,
    /// A constraint.
    Constraint,
}

/// The evaluation of one constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConstraintReport {
    /// The constraint IRI, when it has one.
    pub constraint: Option<String>,
    /// Left operand (atomic) or logical operator.
    pub left_operand: Option<LeftOperand>,
    /// The values the left operand had.
    pub left_values: Vec<Value>,
    /// Operator.
    pub operator: Option<Operator>,
    /// Logical operator.
    pub logical: Option<LogicalOp>,
    /// Right operand values.
    pub right_values: Vec<Value>,
    /// Member reports of a logical constraint.
    pub members: Vec<ConstraintReport>,
    /// The outcome.
    pub satisfaction: Satisfaction,
    /// Why, when unsatisfied for a reason other than the comparison (missing value, unknown
    /// operator ...).
    pub note: Option<String>,
}

/// A premise of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PremiseReport {
    /// Target, party, action or constraint.
    pub kind: PremiseKind,
    /// Outcome.
    pub satisfaction: Satisfaction,
    /// Human-readable explanation.
    pub detail: String,
    /// The constraint report (constraint premises; refinements of actions).
    pub constraints: Vec<ConstraintReport>,
}

/// A duty (condition) of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DutyReport {
    /// The duty's id.
    pub rule: Option<String>,
    /// Its action.
    pub action: Option<Action>,
    /// Whether its constraints hold (an inactive duty is not due).
    pub activation_state: ActivationState,
    /// Performance.
    pub performance_state: PerformanceState,
    /// Deontic state.
    pub deontic_state: DeonticState,
    /// Constraint reports of the duty's constraints and action refinements.
    pub constraints: Vec<ConstraintReport>,
}

/// The report of one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleReport {
    /// The rule id (or an anonymous label).
    pub rule: String,
    /// Permission, prohibition, obligation.
    pub kind: RuleKind,
    /// Activation.
    pub activation_state: ActivationState,
    /// Attempt.
    pub attempt_state: AttemptState,
    /// Premises.
    pub premises: Vec<PremiseReport>,
    /// Duties (conditions) of a permission, remedies of a prohibition, consequences of an
    /// obligation.
    pub conditions: Vec<DutyReport>,
}

/// The compliance report of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyReport {
    /// The policy uid.
    pub policy: String,
    /// The decision.
    pub decision: Decision,
    /// Why, in sentences.
    pub reasons: Vec<String>,
    /// Per rule.
    pub rules: Vec<RuleReport>,
}

impl PolicyReport {
    /// The report of the rule with id `rule`.
    pub fn rule(&self, rule: &str) -> Option<&RuleReport> {
        self.rules.iter().find(|r| r.rule == rule)
    }
    /// Every constraint report (nested ones included), with its id.
    pub fn constraints(&self) -> Vec<&ConstraintReport> {
        fn walk<'a>(c: &'a ConstraintReport, out: &mut Vec<&'a ConstraintReport>) {
            out.push(c);
            for m in &c.members {
                walk(m, out);
            }
        }
        let mut out = Vec::new();
        for r in &self.rules {
            for p in &r.premises {
                for c in &p.constraints {
                    walk(c, &mut out);
                }
            }
            for d in &r.conditions {
                for c in &d.constraints {
                    walk(c, &mut out);
                }
            }
        }
        out
    }
}

/// A policy prepared for fast repeated evaluation: each rule's action carries the set of
/// actions it includes.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    policy: Policy,
    hierarchy: Arc<ActionHierarchy>,
    /// Per rule (permissions, prohibitions, obligations in order), per action: the included
    /// actions.
    included: Vec<Vec<HashSet<Action>>>,
}

impl CompiledPolicy {
    /// Compiles with the ODRL action hierarchy.
    pub fn new(policy: Policy) -> CompiledPolicy {
        CompiledPolicy::with_hierarchy(policy, ActionHierarchy::odrl())
    }

    /// Compiles with a profile's hierarchy.
    pub fn with_hierarchy(policy: Policy, hierarchy: Arc<ActionHierarchy>) -> CompiledPolicy {
        let included = policy
            .rules()
            .map(|r| {
                r.actions
                    .iter()
                    .map(|a| hierarchy.narrower_closure(&a.action))
                    .collect()
            })
            .collect();
        CompiledPolicy {
            policy,
            hierarchy,
            included,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
}

/// Evaluates requests against policies.
#[derive(Debug, Clone, Default)]
pub struct Evaluator {
    /// Options.
    pub options: Options,
}

struct Ctx<'a> {
    req: &'a Request,
    world: &'a World,
    opts: Options,
    hierarchy: &'a ActionHierarchy,
}

impl Evaluator {
    /// An evaluator with default options (closed world, duties active unless violated).
    pub fn new() -> Evaluator {
        Evaluator::default()
    }

    /// An evaluator with options.
    pub fn with_options(options: Options) -> Evaluator {
        Evaluator { options }
    }

    /// Full evaluation with the compliance report.
    pub fn evaluate(&self, policy: &CompiledPolicy, req: &Request, world: &World) -> PolicyReport {
        let ctx = Ctx {
            req,
            world,
            opts: self.options,
            hierarchy: &policy.hierarchy,
        };
        let mut rules = Vec::new();
        for (i, rule) in policy.policy.rules().enumerate() {
            rules.push(rule_report(&ctx, rule, &policy.included[i]));
        }
        let (decision, reasons) = decide_from(&policy.policy, &rules);
        PolicyReport {
            policy: policy.policy.uid.clone(),
            decision,
            reasons,
            rules,
        }
    }

    /// The decision alone, without building a report (no allocation on the common path).
    pub fn decide(&self, policy: &CompiledPolicy, req: &Request, world: &World) -> Decision {
        let ctx = Ctx {
            req,
            world,
            opts: self.options,
            hierarchy: &policy.hierarchy,
        };
        let p = &policy.policy;
        let mut perm = false;
        let mut prohib = false;
        for (i, rule) in p.permissions.iter().enumerate() {
            if rule_active_fast(&ctx, rule, &policy.included[i]) {
                perm = true;
                break;
            }
        }
        let off = p.permissions.len();
        for (i, rule) in p.prohibitions.iter().enumerate() {
            if rule_active_fast(&ctx, rule, &policy.included[off + i]) {
                prohib = true;
                break;
            }
        }
        resolve(p.conflict, perm, prohib)
    }
}

fn resolve(conflict: Option<ConflictStrategy>, perm: bool, prohib: bool) -> Decision {
    match (perm, prohib) {
        (true, false) => Decision::Permit,
        (false, true) => Decision::Deny,
        (false, false) => Decision::NotApplicable,
        (true, true) => match conflict.unwrap_or(ConflictStrategy::Invalid) {
            ConflictStrategy::Perm => Decision::Permit,
            ConflictStrategy::Prohibit | ConflictStrategy::Invalid => Decision::Deny,
        },
    }
}

fn decide_from(p: &Policy, rules: &[RuleReport]) -> (Decision, Vec<String>) {
    let active = |k: RuleKind| {
        rules
            .iter()
            .filter(move |r| r.kind == k && r.activation_state == ActivationState::Active)
    };
    let perms: Vec<&RuleReport> = active(RuleKind::Permission).collect();
    let prohibs: Vec<&RuleReport> = active(RuleKind::Prohibition).collect();
    let decision = resolve(p.conflict, !perms.is_empty(), !prohibs.is_empty());
    let mut reasons = Vec::new();
    for r in &perms {
        reasons.push(format!("permission {} is active", r.rule));
        for d in &r.conditions {
            if d.activation_state == ActivationState::Active
                && d.performance_state != PerformanceState::Performed
            {
                reasons.push(format!(
                    "duty {} ({}) of permission {} must be performed",
                    d.rule.as_deref().unwrap_or("(anonymous)"),
                    d.action.as_ref().map_or("?", |a| a.short()),
                    r.rule
                ));
            }
        }
    }
    for r in &prohibs {
        reasons.push(format!("prohibition {} is active", r.rule));
    }
    if !perms.is_empty() && !prohibs.is_empty() {
        reasons.push(match p.conflict {
            Some(ConflictStrategy::Perm) => "conflict resolved by the policy's strategy perm: permissions win".to_owned(),
            Some(ConflictStrategy::Prohibit) => "conflict resolved by the policy's strategy prohibit: prohibitions win".to_owned(),
            _ => "conflict between an active permission and an active prohibition: the policy is void (conflict strategy invalid, ODRL's default)".to_owned(),
        });
    }
    for r in rules
        .iter()
        .filter(|r| r.kind == RuleKind::Obligation && r.activation_state == ActivationState::Active)
    {
        reasons.push(format!("obligation {} is in force", r.rule));
    }
    if decision == Decision::NotApplicable {
        reasons.push("no permission is active (closed world: not permitted)".to_owned());
        for r in rules.iter().filter(|r| r.kind == RuleKind::Permission) {
            for p in r.premises.iter().filter(|p| !p.satisfaction.ok()) {
                reasons.push(format!("permission {}: {}", r.rule, p.detail));
            }
            for d in r.conditions.iter().filter(|d| {
                matches!(d.deontic_state, DeonticState::Violated)
                    || (d.activation_state == ActivationState::Active
                        && d.performance_state == PerformanceState::Unperformed)
            }) {
                reasons.push(format!(
                    "permission {}: duty {} is not performed",
                    r.rule,
                    d.rule.as_deref().unwrap_or("(anonymous)")
                ));
            }
        }
    }
    (decision, reasons)
}

fn target_ok(ctx: &Ctx<'_>, rule: &Rule) -> bool {
    if rule.targets.is_empty() {
        return true;
    }
    let Some(t) = ctx.req.target.as_deref() else {
        return false;
    };
    rule.targets.iter().any(|a| {
        (a.iri == t || ctx.world.is_member(t, &a.iri))
            && a.refinements.iter().all(|c| constraint_ok(ctx, c, None))
    })
}

fn party_ok(ctx: &Ctx<'_>, rule: &Rule) -> bool {
    if rule.assignees.is_empty() || !ctx.opts.check_party {
        return true;
    }
    let Some(p) = ctx.req.party.as_deref() else {
        return false;
    };
    rule.assignees.iter().any(|a| {
        (a.iri == p || ctx.world.is_member(p, &a.iri))
            && a.refinements.iter().all(|c| constraint_ok(ctx, c, None))
    })
}

fn action_matches(ctx: &Ctx<'_>, set: &HashSet<Action>, rule_action: &Action) -> bool {
    match &ctx.req.action {
        None => false,
        Some(a) => {
            a == rule_action
                || set.contains(a)
                || (!ctx.hierarchy.contains(a) && ctx.hierarchy.includes(rule_action, a))
        }
    }
}

fn rule_active_fast(ctx: &Ctx<'_>, rule: &Rule, included: &[HashSet<Action>]) -> bool {
    if !rule.actions.is_empty() {
        let ok = rule.actions.iter().zip(included).any(|(a, set)| {
            action_matches(ctx, set, &a.action)
                && a.refinements.iter().all(|c| constraint_ok(ctx, c, None))
        });
        if !ok {
            return false;
        }
    }
    target_ok(ctx, rule)
        && party_ok(ctx, rule)
        && rule.constraints.iter().all(|c| constraint_ok(ctx, c, None))
        && (rule.kind != RuleKind::Permission
            || !rule.duties.iter().any(|d| duty_blocks(ctx, d, &mut None)))
}

fn rule_report(ctx: &Ctx<'_>, rule: &Rule, included: &[HashSet<Action>]) -> RuleReport {
    let mut premises = Vec::new();
    let t_ok = target_ok(ctx, rule);
    premises.push(PremiseReport {
        kind: PremiseKind::Target,
        satisfaction: Satisfaction::of(t_ok),
        detail: if rule.targets.is_empty() {
            "the rule has no target: any asset".to_owned()
        } else {
            let names: Vec<&str> = rule.targets.iter().map(|t| t.iri.as_str()).collect();
            match (&ctx.req.target, t_ok) {
                (None, _) => format!(
                    "target {} required but the request names no asset",
                    names.join(", ")
                ),
                (Some(t), true) => format!("asset {t} is (in) {}", names.join(", ")),
                (Some(t), false) => format!("asset {t} is not (in) {}", names.join(", ")),
            }
        },
        constraints: Vec::new(),
    });
    let p_ok = party_ok(ctx, rule);
    premises.push(PremiseReport {
        kind: PremiseKind::Party,
        satisfaction: Satisfaction::of(p_ok),
        detail: if rule.assignees.is_empty() {
            "the rule has no assignee: any party".to_owned()
        } else if !ctx.opts.check_party {
            "assignee not checked (option)".to_owned()
        } else {
            let names: Vec<&str> = rule.assignees.iter().map(|t| t.iri.as_str()).collect();
            match (&ctx.req.party, p_ok) {
                (None, _) => format!(
                    "assignee {} required but the request names no party",
                    names.join(", ")
                ),
                (Some(p), true) => format!("party {p} is (in) {}", names.join(", ")),
                (Some(p), false) => format!("party {p} is not (in) {}", names.join(", ")),
            }
        },
        constraints: Vec::new(),
    });
    let mut attempted = rule.actions.is_empty();
    let mut a_ok = rule.actions.is_empty();
    let mut refinement_reports = Vec::new();
    for (a, set) in rule.actions.iter().zip(included) {
        if action_matches(ctx, set, &a.action) {
            attempted = true;
            let mut all = true;
            for r in &a.refinements {
                let mut rep = Vec::new();
                all &= constraint_ok(ctx, r, Some(&mut rep));
                refinement_reports.extend(rep);
            }
            a_ok |= all;
        }
    }
    let req_action = ctx.req.action.as_ref().map_or("(none)", |a| a.short());
    premises.push(PremiseReport {
        kind: PremiseKind::Action,
        satisfaction: Satisfaction::of(a_ok),
        detail: if rule.actions.is_empty() {
            "the rule has no action: any action".to_owned()
        } else {
            let names: Vec<&str> = rule.actions.iter().map(|a| a.action.short()).collect();
            match (attempted, a_ok) {
                (true, true) => {
                    format!("action {req_action} is (included in) {}", names.join(", "))
                }
                (true, false) => format!(
                    "action {req_action} is (included in) {} but a refinement does not hold",
                    names.join(", ")
                ),
                _ => format!(
                    "action {req_action} is not included in {}",
                    names.join(", ")
                ),
            }
        },
        constraints: refinement_reports,
    });
    for c in &rule.constraints {
        let mut rep = Vec::new();
        let ok = constraint_ok(ctx, c, Some(&mut rep));
        let detail = rep.first().map(describe).unwrap_or_default();
        premises.push(PremiseReport {
            kind: PremiseKind::Constraint,
            satisfaction: Satisfaction::of(ok),
            detail,
            constraints: rep,
        });
    }
    let mut conditions = Vec::new();
    let mut blocked = false;
    let conds = match rule.kind {
        RuleKind::Permission => &rule.duties,
        RuleKind::Prohibition => &rule.remedies,
        _ => &rule.consequences,
    };
    for d in conds {
        let mut rep = None;
        let mut slot = Some(&mut rep);
        if duty_blocks(ctx, d, &mut slot) && rule.kind == RuleKind::Permission {
            blocked = true;
        }
        if let Some(r) = rep {
            conditions.push(r);
        }
    }
    let active = premises.iter().all(|p| p.satisfaction.ok()) && !blocked;
    RuleReport {
        rule: rule.label(),
        kind: rule.kind,
        activation_state: if active {
            ActivationState::Active
        } else {
            ActivationState::Inactive
        },
        attempt_state: if attempted {
            AttemptState::Attempted
        } else {
            AttemptState::NotAttempted
        },
        premises,
        conditions,
    }
}

/// Whether duty `d` keeps its permission from being active; fills a report when asked.
fn duty_blocks(ctx: &Ctx<'_>, d: &Rule, report: &mut Option<&mut Option<DutyReport>>) -> bool {
    let want = report.is_some();
    let mut reps = Vec::new();
    let mut active = true;
    for c in &d.constraints {
        active &= constraint_ok(ctx, c, if want { Some(&mut reps) } else { None });
    }
    let fact = d.id.as_deref().and_then(|id| ctx.world.duties.get(id));
    let mut performance = fact.map_or(PerformanceState::Unknown, |f| f.performance);
    if let (Some(f), PerformanceState::Performed) = (fact, performance) {
        // How it was performed must match the action's refinements (e.g. the amount paid).
        let sub = Request {
            party: None,
            action: None,
            target: None,
            context: f.values.clone(),
        };
        let sctx = Ctx {
            req: &sub,
            world: ctx.world,
            opts: ctx.opts,
            hierarchy: ctx.hierarchy,
        };
        let mut ok = true;
        for a in &d.actions {
            for r in &a.refinements {
                if !f.values.is_empty() {
                    ok &= constraint_ok(&sctx, r, if want { Some(&mut reps) } else { None });
                }
            }
        }
        if !ok {
            performance = PerformanceState::Unperformed;
        }
    }
    let deontic = match (fact.and_then(|f| f.deontic), performance, active) {
        (Some(s), _, _) => s,
        (None, PerformanceState::Performed, _) => DeonticState::Fulfilled,
        (None, _, false) => DeonticState::NonSet,
        (None, PerformanceState::Unperformed, true) => DeonticState::Violated,
        (None, PerformanceState::Unknown, true) => DeonticState::Pending,
    };
    let blocks = active
        && match ctx.opts.duties {
            DutySemantics::ActiveUnlessViolated => {
                deontic == DeonticState::Violated
                    || (performance == PerformanceState::Unperformed
                        && deontic != DeonticState::Fulfilled)
            }
            DutySemantics::RequirePerformed => performance != PerformanceState::Performed,
        };
    if let Some(slot) = report {
        **slot = Some(DutyReport {
            rule: d.id.clone(),
            action: d.actions.first().map(|a| a.action.clone()),
            activation_state: if active {
                ActivationState::Active
            } else {
                ActivationState::Inactive
            },
            performance_state: performance,
            deontic_state: deontic,
            constraints: reps,
        });
    }
    blocks
}

fn describe(c: &ConstraintReport) -> String {
    let state = if c.satisfaction.ok() {
        "holds"
    } else {
        "does not hold"
    };
    let id = c
        .constraint
        .as_deref()
        .map(|i| format!(" {i}"))
        .unwrap_or_default();
    if let Some(l) = c.logical {
        return format!("logical constraint{id} ({}) {state}", l.name());
    }
    let left: Vec<String> = c.left_values.iter().map(Value::display).collect();
    let right: Vec<String> = c.right_values.iter().map(Value::display).collect();
    let mut s = format!(
        "constraint{id}: {} {} {} {} [{}]",
        c.left_operand.as_ref().map_or("?", |l| l.short()),
        if left.is_empty() {
            "(no value)".to_owned()
        } else {
            left.join(", ")
        },
        c.operator.as_ref().map_or("?", |o| o.short()),
        right.join(", "),
        state
    );
    if let Some(n) = &c.note {
        s.push_str(": ");
        s.push_str(n);
    }
    s
}

/// Evaluates a constraint; pushes its report to `out` when given.
fn constraint_ok(ctx: &Ctx<'_>, c: &Constraint, out: Option<&mut Vec<ConstraintReport>>) -> bool {
    match c {
        Constraint::Atomic(a) => atomic_ok(ctx, a, out),
        Constraint::Logical(l) => {
            let want = out.is_some();
            let mut members = Vec::new();
            let mut count = 0usize;
            let mut all = true;
            for m in &l.members {
                if l.op == LogicalOp::AndSequence && !all {
                    // andSequence stops at the first failure; later members are not evaluated.
                    if want {
                        members.push(skipped(m));
                    }
                    continue;
                }
                let ok = constraint_ok(ctx, m, if want { Some(&mut members) } else { None });
                count += usize::from(ok);
                all &= ok;
                if !want && l.op == LogicalOp::Or && ok {
                    return true;
                }
            }
            let ok = match l.op {
                LogicalOp::And | LogicalOp::AndSequence => all,
                LogicalOp::Or => count >= 1,
                LogicalOp::Xone => count == 1,
            };
            if let Some(out) = out {
                out.push(ConstraintReport {
                    constraint: l.id.clone(),
                    left_operand: None,
                    left_values: Vec::new(),
                    operator: None,
                    logical: Some(l.op),
                    right_values: Vec::new(),
                    members,
                    satisfaction: Satisfaction::of(ok),
                    note: None,
                });
            }
            ok
        }
    }
}

fn skipped(c: &Constraint) -> ConstraintReport {
    ConstraintReport {
        constraint: c.id().map(str::to_owned),
        left_operand: None,
        left_values: Vec::new(),
        operator: None,
        logical: None,
        right_values: Vec::new(),
        members: Vec::new(),
        satisfaction: Satisfaction::Unsatisfied,
        note: Some("not evaluated: an earlier constraint of the andSequence failed".to_owned()),
    }
}

fn is_known_operator(op: &Operator) -> bool {
    op.iri()
        .strip_prefix(vocab::ODRL)
        .is_some_and(|l| vocab::OPERATORS.contains(&l))
}

fn atomic_ok(ctx: &Ctx<'_>, a: &AtomicConstraint, out: Option<&mut Vec<ConstraintReport>>) -> bool {
    let mut note: Option<String> = None;
    // Left values: the request's context, else a measured value by unit, else odrl:status.
    let mut left: smallvec_like::Left<'_> = smallvec_like::Left::default();
    for v in ctx.req.values(&a.left_operand) {
        left.push(v);
    }
    if left.is_empty()
        && let Some(u) = &a.unit
    {
        for (unit, v) in &ctx.world.by_unit {
            if unit == u {
                left.push(v);
            }
        }
    }
    if left.is_empty()
        && let Some(s) = &a.status
    {
        left.push(s);
    }
    let referenced;
    let right: &[Value] = if a.right_operand.is_empty() {
        match a
            .right_operand_reference
            .as_deref()
            .and_then(|r| ctx.world.references.get(r))
        {
            Some(v) => {
                referenced = [v.clone()];
                &referenced
            }
            None => {
                note = Some(format!(
                    "the value of rightOperandReference {} is not in the state of the world",
                    a.right_operand_reference.as_deref().unwrap_or("?")
                ));
                &[]
            }
        }
    } else {
        &a.right_operand
    };
    let ok = if !is_known_operator(&a.operator) {
        note = Some(format!(
            "unknown operator {} (closed world: unsatisfied)",
            a.operator.iri()
        ));
        false
    } else if left.is_empty() {
        let known = a
            .left_operand
            .iri()
            .strip_prefix(vocab::ODRL)
            .is_some_and(|l| vocab::LEFT_OPERANDS.contains(&l));
        note = Some(if known {
            format!(
                "no value for {} in the request or the state of the world (closed world: unsatisfied)",
                a.left_operand.short()
            )
        } else {
            format!(
                "unknown left operand {} with no value supplied (closed world: unsatisfied)",
                a.left_operand.iri()
            )
        });
        false
    } else if right.is_empty() {
        false
    } else {
        let spatial = a.left_operand == LeftOperand::SPATIAL;
        let eq = |l: &Value, r: &Value| -> bool {
            if spatial && let (Some(x), Some(y)) = (l.as_text(), r.as_text()) {
                return vocab::place_within(x, y);
            }
            l.compare(r) == Some(std::cmp::Ordering::Equal)
        };
        let local = a.operator.iri().strip_prefix(vocab::ODRL).unwrap_or("");
        match local {
            "eq" => left.iter().any(|l| right.iter().any(|r| eq(l, r))),
            "neq" => left.iter().all(|l| right.iter().all(|r| !eq(l, r))),
            "lt" | "lteq" | "gt" | "gteq" => {
                let mut all = true;
                for l in left.iter() {
                    for r in right {
                        match l.compare(r) {
                            Some(o) => {
                                all &= match local {
                                    "lt" => o.is_lt(),
                                    "lteq" => o.is_le(),
                                    "gt" => o.is_gt(),
                                    _ => o.is_ge(),
                                }
                            }
                            None => {
                                note = Some(format!("{} and {} cannot be compared", l.display(), r.display()));
                                all = false;
                            }
                        }
                    }
                }
                all
            }
            "isAnyOf" => left.iter().any(|l| right.iter().any(|r| eq(l, r))),
            "isNoneOf" => left.iter().all(|l| right.iter().all(|r| !eq(l, r))),
            "isAllOf" => right.iter().all(|r| left.iter().any(|l| eq(l, r))),
            "isA" | "isPartOf" => left.iter().any(|l| {
                right.iter().any(|r| eq(l, r) || matches!((l.as_text(), r.as_text()), (Some(x), Some(y)) if ctx.world.is_member(x, y)))
            }),
            "hasPart" => left.iter().any(|l| {
                right.iter().any(|r| eq(r, l) || matches!((l.as_text(), r.as_text()), (Some(x), Some(y)) if ctx.world.is_member(y, x)))
            }),
            _ => false,
        }
    };
    if let Some(out) = out {
        out.push(ConstraintReport {
            constraint: a.id.clone(),
            left_operand: Some(a.left_operand.clone()),
            left_values: left.iter().cloned().collect(),
            operator: Some(a.operator.clone()),
            logical: None,
            right_values: right.to_vec(),
            members: Vec::new(),
            satisfaction: Satisfaction::of(ok),
            note,
        });
    }
    ok
}

/// A tiny inline vector of borrowed values, so the decision path does not allocate for the
/// usual one or two context values per operand.
mod smallvec_like {
    use crate::value::Value;

    #[derive(Default)]
    pub(super) struct Left<'a> {
        inline: [Option<&'a Value>; 4],
        len: usize,
        spill: Vec<&'a Value>,
    }

    impl<'a> Left<'a> {
        pub(super) fn push(&mut self, v: &'a Value) {
            if self.len < 4 {
                self.inline[self.len] = Some(v);
            } else {
                self.spill.push(v);
            }
            self.len += 1;
        }
        pub(super) fn is_empty(&self) -> bool {
            self.len == 0
        }
        pub(super) fn iter(&self) -> impl Iterator<Item = &'a Value> + '_ {
            self.inline
                .iter()
                .filter_map(|v| *v)
                .chain(self.spill.iter().copied())
        }
    }
}
