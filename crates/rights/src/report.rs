//! Writing a compliance report as Turtle in the FORCE compliance-report vocabulary
//! (`https://w3id.org/force/compliance-report#`), the shape the SolidLab test suite expects.

use oxrdf::{BlankNode, Literal, NamedNode, NamedOrBlankNode, Term, Triple};

use crate::eval::{
    ActivationState, AttemptState, ConstraintReport, DeonticState, DutyReport, PerformanceState,
    PolicyReport, PremiseKind, Satisfaction,
};
use crate::model::RuleKind;
use crate::value::Value;
use crate::vocab::{DCT, ODRL, RDF_TYPE, REPORT, XSD};

struct W {
    triples: Vec<Triple>,
    next: usize,
}

fn iri(s: &str) -> NamedNode {
    NamedNode::new_unchecked(s)
}

fn r(local: &str) -> NamedNode {
    iri(&format!("{REPORT}{local}"))
}

impl W {
    fn fresh(&mut self) -> NamedOrBlankNode {
        self.next += 1;
        NamedOrBlankNode::BlankNode(BlankNode::new_unchecked(format!("r{}", self.next)))
    }
    fn add(&mut self, s: &NamedOrBlankNode, p: NamedNode, o: impl Into<Term>) {
        self.triples.push(Triple::new(s.clone(), p, o.into()));
    }
    fn node_for(s: &str) -> Term {
        match NamedNode::new(s) {
            Ok(n) => Term::NamedNode(n),
            Err(_) => Term::Literal(Literal::new_simple_literal(s)),
        }
    }
    fn state(&mut self, s: &NamedOrBlankNode, p: &str, v: &str) {
        self.add(s, r(p), r(v));
    }
    fn constraint(&mut self, c: &ConstraintReport) -> NamedOrBlankNode {
        let n = self.fresh();
        self.add(&n, iri(RDF_TYPE), r("ConstraintReport"));
        if let Some(id) = &c.constraint {
            self.add(&n, r("constraint"), W::node_for(id));
        }
        for v in &c.left_values {
            self.add(&n, r("constraintLeftOperand"), value_term(v));
        }
        if let Some(op) = &c.operator {
            self.add(&n, r("constraintOperator"), W::node_for(op.iri()));
        }
        for v in &c.right_values {
            self.add(&n, r("constraintRightOperand"), value_term(v));
        }
        if let Some(l) = c.logical {
            self.add(
                &n,
                r("constraintLogicalOperand"),
                iri(&format!("{ODRL}{}", l.name())),
            );
        }
        for m in &c.members {
            let mn = self.constraint(m);
            self.add(&n, r("premiseReport"), mn);
        }
        self.state(&n, "satisfactionState", sat(c.satisfaction));
        n
    }
    fn duty(&mut self, d: &DutyReport) -> NamedOrBlankNode {
        let n = self.fresh();
        self.add(&n, iri(RDF_TYPE), r("DutyReport"));
        if let Some(id) = &d.rule {
            self.add(&n, r("rule"), W::node_for(id));
        }
        self.state(&n, "activationState", act(d.activation_state));
        self.state(
            &n,
            "performanceState",
            match d.performance_state {
                PerformanceState::Performed => "Performed",
                PerformanceState::Unperformed => "Unperformed",
                PerformanceState::Unknown => "Unknown",
            },
        );
        self.state(
            &n,
            "deonticState",
            match d.deontic_state {
                DeonticState::NonSet => "NonSet",
                DeonticState::Pending => "Pending",
                DeonticState::Fulfilled => "Fulfilled",
                DeonticState::Violated => "Violated",
            },
        );
        for c in &d.constraints {
            let cn = self.constraint(c);
            self.add(&n, r("premiseReport"), cn);
        }
        n
    }
}

fn sat(s: Satisfaction) -> &'static str {
    match s {
        Satisfaction::Satisfied => "Satisfied",
        Satisfaction::Unsatisfied => "Unsatisfied",
    }
}

fn act(s: ActivationState) -> &'static str {
    match s {
        ActivationState::Active => "Active",
        ActivationState::Inactive => "Inactive",
    }
}

fn value_term(v: &Value) -> Term {
    let typed = |s: String, t: &str| {
        Term::Literal(Literal::new_typed_literal(s, iri(&format!("{XSD}{t}"))))
    };
    match v {
        Value::DateTime(t) => typed(t.to_string(), "dateTime"),
        Value::Date(d) => typed(d.to_string(), "date"),
        Value::Integer(i) => typed(i.to_string(), "integer"),
        Value::Decimal(d) => typed(d.to_string(), "decimal"),
        Value::Boolean(b) => typed(b.to_string(), "boolean"),
        Value::Duration(s) => typed(format!("PT{s}S"), "duration"),
        Value::Iri(i) => W::node_for(i),
        Value::String(s) => Term::Literal(Literal::new_simple_literal(s.clone())),
    }
}

impl PolicyReport {
    /// The report as Turtle (FORCE compliance-report vocabulary): a `report:PolicyReport`
    /// with one `report:PermissionReport` / `ProhibitionReport` / `ObligationReport` per
    /// rule, its premise reports (target, party, action, constraints) and condition reports.
    /// `created` is written as `dct:created`; `request` as `report:policyRequest`.
    pub fn to_turtle(&self, created: jiff::Timestamp, request: Option<&str>) -> String {
        let mut w = W {
            triples: Vec::new(),
            next: 0,
        };
        let root = w.fresh();
        w.add(&root, iri(RDF_TYPE), r("PolicyReport"));
        w.add(&root, r("policy"), W::node_for(&self.policy));
        w.add(
            &root,
            iri(&format!("{DCT}created")),
            value_term(&Value::DateTime(created)),
        );
        if let Some(req) = request {
            w.add(&root, r("policyRequest"), W::node_for(req));
        }
        for rule in &self.rules {
            let n = w.fresh();
            w.add(&root, r("ruleReport"), n.clone());
            let class = match rule.kind {
                RuleKind::Permission => "PermissionReport",
                RuleKind::Prohibition => "ProhibitionReport",
                RuleKind::Obligation | RuleKind::Duty => "ObligationReport",
            };
            w.add(&n, iri(RDF_TYPE), r(class));
            w.add(&n, r("rule"), W::node_for(&rule.rule));
            w.state(&n, "activationState", act(rule.activation_state));
            w.state(
                &n,
                "attemptState",
                match rule.attempt_state {
                    AttemptState::Attempted => "Attempted",
                    AttemptState::NotAttempted => "NotAttempted",
                },
            );
            for p in &rule.premises {
                if p.kind == PremiseKind::Constraint {
                    for c in &p.constraints {
                        let cn = w.constraint(c);
                        w.add(&n, r("premiseReport"), cn);
                    }
                    continue;
                }
                let pn = w.fresh();
                w.add(&n, r("premiseReport"), pn.clone());
                let class = match p.kind {
                    PremiseKind::Target => "TargetReport",
                    PremiseKind::Party => "PartyReport",
                    _ => "ActionReport",
                };
                w.add(&pn, iri(RDF_TYPE), r(class));
                w.state(&pn, "satisfactionState", sat(p.satisfaction));
                for c in &p.constraints {
                    let cn = w.constraint(c);
                    w.add(&pn, r("premiseReport"), cn);
                }
            }
            for d in &rule.conditions {
                let dn = w.duty(d);
                w.add(&n, r("conditionReport"), dn);
            }
        }
        let mut s = oxttl::TurtleSerializer::new();
        for (p, ns) in [
            ("report", REPORT),
            ("odrl", ODRL),
            ("xsd", XSD),
            ("dct", DCT),
        ] {
            if let Ok(next) = s.clone().with_prefix(p, ns) {
                s = next;
            }
        }
        let mut out = s.for_writer(Vec::new());
        for t in &w.triples {
            // Writing to a Vec cannot fail.
            let _ = out.serialize_triple(t);
        }
        let bytes = out.finish().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}
