//! The SolidLab ODRL evaluator test suite layout: `policies/`, `requests/`, `sotw/` and
//! `test_cases/` folders of Turtle files. Each test case names a policy, a request, a state
//! of the world and an expected compliance report (FORCE "report" ontology); a case passes
//! when, as the suite itself compares, every expected rule report's activation state and
//! every expected constraint report's satisfaction state match ours.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Result, RightsError};
use crate::eval::{
    ActivationState, CompiledPolicy, DeonticState, DutyFact, Evaluator, PerformanceState,
    PolicyReport, Request, Satisfaction, World,
};
use crate::graph::{Graph, Node, odrl};
use crate::model::Policy;
use crate::value::Value;
use crate::vocab::{Action, DCT, LeftOperand, REPORT};

const EX: &str = "http://example.org/";

/// Expected rule activations and constraint satisfactions.
type Expectations = (Vec<(String, ActivationState)>, Vec<(String, Satisfaction)>);

/// One loaded test case.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// The test case IRI.
    pub id: String,
    /// `dct:title`.
    pub title: String,
    /// The file it came from.
    pub file: PathBuf,
    /// The policy.
    pub policy: Policy,
    /// The request, with the state of the world's current time as `dateTime`.
    pub request: Request,
    /// Memberships and duty facts of the state of the world.
    pub world: World,
    /// Expected activation state per rule id.
    pub expected_rules: Vec<(String, ActivationState)>,
    /// Expected satisfaction state per constraint id.
    pub expected_constraints: Vec<(String, Satisfaction)>,
}

/// The outcome of one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// The test case IRI.
    pub id: String,
    /// The file name.
    pub file: String,
    /// The title.
    pub title: String,
    /// Whether every expectation matched.
    pub passed: bool,
    /// What did not match.
    pub mismatches: Vec<String>,
    /// Our report.
    pub report: PolicyReport,
}

/// The outcome of a whole suite.
#[derive(Debug, Clone, Serialize)]
pub struct SuiteResult {
    /// Per case, in file-name order.
    pub cases: Vec<CaseResult>,
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed (including cases that could not be loaded).
    pub failed: usize,
    /// Files that could not be loaded, with the error.
    pub load_errors: Vec<String>,
}

fn ttl_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|source| RightsError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut out: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ttl"))
        .collect();
    out.sort();
    Ok(out)
}

fn read_graph(path: &Path) -> Result<Graph> {
    let bytes = std::fs::read(path).map_err(|source| RightsError::Io {
        path: path.display().to_string(),
        source,
    })?;
    Graph::from_turtle(&bytes, &path.display().to_string())
}

fn request_from(g: &Graph, subject: &Node) -> Request {
    let mut req = Request::default();
    let rule = g
        .object(subject, &odrl("permission"))
        .cloned()
        .unwrap_or_else(|| subject.clone());
    req.party = g.object(&rule, &odrl("assignee")).map(Node::label);
    req.action = g
        .object(&rule, &odrl("action"))
        .and_then(Node::as_iri)
        .map(Action::new);
    req.target = g.object(&rule, &odrl("target")).map(Node::label);
    req
}

struct Sotw {
    time: Option<Value>,
    world: World,
}

fn state_name(n: Option<&Node>) -> Option<&str> {
    n.and_then(Node::as_iri)
        .and_then(|i| i.strip_prefix(REPORT))
}

fn sotw_from(g: &Graph, subject: &Node, label: &str) -> Result<Sotw> {
    let mut world = World::new();
    let mut time = None;
    let issued = format!("{DCT}issued");
    let mut included: Vec<&Node> = g.objects(subject, &format!("{EX}includes")).collect();
    if included.is_empty() {
        included = g.triples().iter().map(|t| &t.subject).collect();
    }
    for n in included {
        if let Some(v) = g.object(n, &issued) {
            time = Some(Value::from_node(v, label, "dct:issued")?);
        }
    }
    for t in g.triples() {
        if t.predicate == odrl("partOf") {
            world.part_of(t.subject.label(), t.object.label());
        }
    }
    world.check_acyclic()?;
    for d in g.subjects_of_type(&format!("{REPORT}DutyReport")) {
        let Some(rule) = g.object(&d, &format!("{REPORT}rule")) else {
            continue;
        };
        let performance = match state_name(g.object(&d, &format!("{REPORT}performanceState"))) {
            Some("Performed") => PerformanceState::Performed,
            Some("Unperformed") => PerformanceState::Unperformed,
            _ => PerformanceState::Unknown,
        };
        let deontic = match state_name(g.object(&d, &format!("{REPORT}deonticState"))) {
            Some("Fulfilled") => Some(DeonticState::Fulfilled),
            Some("Violated") => Some(DeonticState::Violated),
            Some("NonSet") => Some(DeonticState::NonSet),
            Some("Pending") => Some(DeonticState::Pending),
            _ => None,
        };
        world.duty(
            rule.label(),
            DutyFact {
                performance,
                deontic,
                values: Vec::new(),
            },
        );
    }
    Ok(Sotw { time, world })
}

fn expected_from(g: &Graph, report: &Node, single_case: bool) -> Expectations {
    let mut rules = Vec::new();
    for rr in g.objects(report, &format!("{REPORT}ruleReport")) {
        let Some(rule) = g.object(rr, &format!("{REPORT}rule")) else {
            continue;
        };
        let state = match state_name(g.object(rr, &format!("{REPORT}activationState"))) {
            Some("Active") => ActivationState::Active,
            _ => ActivationState::Inactive,
        };
        rules.push((rule.label(), state));
    }
    // Constraint reports: reachable through premiseReport links, or (the published files
    // do not always link them) every constraint report of a file holding a single case.
    let class = format!("{REPORT}ConstraintReport");
    let mut nodes: Vec<Node> = Vec::new();
    if single_case {
        nodes = g.subjects_of_type(&class);
    } else {
        let mut stack: Vec<Node> = g
            .objects(report, &format!("{REPORT}ruleReport"))
            .cloned()
            .collect();
        let mut guard = 0;
        while let Some(n) = stack.pop() {
            guard += 1;
            if guard > 1_000_000 {
                break;
            }
            if g.has_type(&n, &class) && !nodes.contains(&n) {
                nodes.push(n.clone());
            }
            stack.extend(g.objects(&n, &format!("{REPORT}premiseReport")).cloned());
        }
    }
    let mut constraints = Vec::new();
    for n in nodes {
        let Some(c) = g.object(&n, &format!("{REPORT}constraint")) else {
            continue;
        };
        let state = match state_name(g.object(&n, &format!("{REPORT}satisfactionState"))) {
            Some("Satisfied") => Satisfaction::Satisfied,
            _ => Satisfaction::Unsatisfied,
        };
        constraints.push((c.label(), state));
    }
    (rules, constraints)
}

/// Loads every test case of a suite folder. Files that fail to load are returned as errors
/// alongside the cases that loaded.
pub fn load_suite(dir: &Path) -> Result<(Vec<TestCase>, Vec<String>)> {
    for sub in ["policies", "requests", "sotw", "test_cases"] {
        if !dir.join(sub).is_dir() {
            return Err(RightsError::Suite {
                path: dir.display().to_string(),
                message: format!(
                    "no {sub}/ folder (expected policies/, requests/, sotw/, test_cases/)"
                ),
            });
        }
    }
    let mut errors = Vec::new();
    let mut policies: HashMap<String, Policy> = HashMap::new();
    let mut requests: HashMap<String, Request> = HashMap::new();
    let mut sotws: HashMap<String, (Option<Value>, World)> = HashMap::new();
    for f in ttl_files(&dir.join("policies"))? {
        match read_graph(&f).and_then(|g| Policy::all_from_graph(&g)) {
            Ok(ps) => {
                for p in ps {
                    policies.insert(p.uid.clone(), p);
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    for f in ttl_files(&dir.join("requests"))? {
        match read_graph(&f) {
            Ok(g) => {
                for s in g.subjects_of_type(&odrl("Request")) {
                    requests.insert(s.label(), request_from(&g, &s));
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    for f in ttl_files(&dir.join("sotw"))? {
        let label = f.display().to_string();
        match read_graph(&f) {
            Ok(g) => {
                for s in g.subjects_of_type(&format!("{EX}Sotw")) {
                    match sotw_from(&g, &s, &label) {
                        Ok(st) => {
                            sotws.insert(s.label(), (st.time, st.world));
                        }
                        Err(e) => errors.push(format!("{label}: {e}")),
                    }
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    let mut cases = Vec::new();
    for f in ttl_files(&dir.join("test_cases"))? {
        let g = match read_graph(&f) {
            Ok(g) => g,
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        let tcs = g.subjects_of_type(&format!("{EX}TestCase"));
        let single = tcs.len() == 1;
        for tc in &tcs {
            let get = |p: &str| g.object(tc, &format!("{EX}{p}")).map(Node::label);
            let title = g.object(tc, &format!("{DCT}title")).map(|n| match n {
                Node::Literal { value, .. } => value.clone(),
                other => other.label(),
            });
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let lookup = |what: &str, key: Option<String>| -> std::result::Result<String, String> {
                key.ok_or_else(|| format!("{name}: test case {} names no {what}", tc.label()))
            };
            let result = (|| -> std::result::Result<TestCase, String> {
                let pid = lookup("policy", get("policy"))?;
                let rid = lookup("request", get("request"))?;
                let sid = lookup("sotw", get("sotw"))?;
                let report = lookup("expectedReport", get("expectedReport"))?;
                let policy = policies
                    .get(&pid)
                    .cloned()
                    .ok_or_else(|| format!("{name}: policy {pid} not found in policies/"))?;
                let mut request = requests
                    .get(&rid)
                    .cloned()
                    .ok_or_else(|| format!("{name}: request {rid} not found in requests/"))?;
                let (time, world) = sotws.get(&sid).cloned().ok_or_else(|| {
                    format!("{name}: state of the world {sid} not found in sotw/")
                })?;
                if let Some(t) = time {
                    request.context.push((LeftOperand::DATE_TIME, t));
                }
                let (expected_rules, expected_constraints) =
                    expected_from(&g, &Node::Iri(report), single);
                Ok(TestCase {
                    id: tc.label(),
                    title: title.clone().unwrap_or_default(),
                    file: f.clone(),
                    policy,
                    request,
                    world,
                    expected_rules,
                    expected_constraints,
                })
            })();
            match result {
                Ok(c) => cases.push(c),
                Err(e) => errors.push(e),
            }
        }
    }
    Ok((cases, errors))
}

/// Evaluates one case and compares.
pub fn run_case(case: &TestCase) -> CaseResult {
    let compiled = CompiledPolicy::new(case.policy.clone());
    let report = Evaluator::new().evaluate(&compiled, &case.request, &case.world);
    let mut mismatches = Vec::new();
    for (rule, want) in &case.expected_rules {
        match report.rule(rule) {
            None => mismatches.push(format!("rule {rule}: expected {want:?}, not in our report")),
            Some(r) if r.activation_state != *want => mismatches.push(format!(
                "rule {rule}: expected {want:?}, got {:?}",
                r.activation_state
            )),
            Some(_) => {}
        }
    }
    let ours = report.constraints();
    for (c, want) in &case.expected_constraints {
        match ours
            .iter()
            .find(|r| r.constraint.as_deref() == Some(c.as_str()))
        {
            None => mismatches.push(format!(
                "constraint {c}: expected {want:?}, not in our report"
            )),
            Some(r) if r.satisfaction != *want => mismatches.push(format!(
                "constraint {c}: expected {want:?}, got {:?}",
                r.satisfaction
            )),
            Some(_) => {}
        }
    }
    CaseResult {
        id: case.id.clone(),
        file: case
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        title: case.title.clone(),
        passed: mismatches.is_empty(),
        mismatches,
        report,
    }
}

/// Loads and runs a suite folder.
pub fn run_suite(dir: &Path) -> Result<SuiteResult> {
    let (cases, load_errors) = load_suite(dir)?;
    let results: Vec<CaseResult> = cases.iter().map(run_case).collect();
    let passed = results.iter().filter(|r| r.passed).count();
    let failed = results.len() - passed + load_errors.len();
    Ok(SuiteResult {
        cases: results,
        passed,
        failed,
        load_errors,
    })
}
