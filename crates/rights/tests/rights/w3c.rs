//! The nine W3C ODRL formal-semantics examples (A11, A12, B11, B12, C11, C12, C21, C22, C23).
//!
//! The examples' evaluation requests use a vocabulary of their own (`evaluatedAction`,
//! `requestParameters` ...), read here with serde_json. They evaluate constraints,
//! refinements and conditions (duties); they are run with the closed-world duty reading
//! ([`DutySemantics::RequirePerformed`]) and without the assignee check (several requests
//! name `party/billie1` against an assignee `party/billie` while expecting the rule
//! active — the examples are not about parties).

use std::path::{Path, PathBuf};

use damkit_rights::Policy;
use damkit_rights::eval::{
    ActivationState, CompiledPolicy, Decision, DutyFact, DutySemantics, Evaluator, Options,
    PerformanceState, Request, Satisfaction, World,
};
use damkit_rights::value::{Value, parse_date_time};
use damkit_rights::vocab::{Action, LeftOperand, ODRL, XSD};
use serde_json::Value as Json;

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn example_dirs(root: &Path, out: &mut Vec<PathBuf>) {
    for p in files(root) {
        if p.is_dir() {
            if files(&p).iter().any(|f| {
                f.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("evaluationrequest")
            }) {
                out.push(p.clone());
            }
            example_dirs(&p, out);
        }
    }
}

fn find(dir: &Path, prefix: &str) -> Option<PathBuf> {
    files(dir).into_iter().find(|f| {
        let n = f.file_name().unwrap().to_string_lossy().into_owned();
        n.starts_with(prefix) && n.ends_with(".json")
    })
}

fn typed(v: &Json) -> Value {
    let lexical = v
        .get("@value")
        .or_else(|| v.get("@id"))
        .and_then(Json::as_str)
        .unwrap_or_default();
    let dt = v
        .get("@type")
        .and_then(Json::as_str)
        .unwrap_or("xsd:string")
        .replace("xsd:", XSD);
    Value::from_typed(lexical, &dt, "(request)", "value").unwrap()
}

fn run(dir: &Path) -> Vec<String> {
    let policy_file = find(dir.parent().unwrap(), "policy").unwrap();
    let policy = Policy::from_jsonld(
        &std::fs::read(&policy_file).unwrap(),
        &policy_file.display().to_string(),
    )
    .unwrap();
    let req_json: Json =
        serde_json::from_slice(&std::fs::read(find(dir, "evaluationrequest").unwrap()).unwrap())
            .unwrap();
    let action = req_json["evaluatedAction"]
        .as_str()
        .unwrap()
        .replace("odrl:", ODRL);
    let mut req = Request::new(Action::new(action));
    if let Some(t) = req_json["evaluatedTarget"].as_str() {
        req = req.target(t);
    }
    let mut world = World::new();
    let params = &req_json["requestParameters"];
    let params: Vec<&Json> = match params {
        Json::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    for p in params {
        let v = typed(&p["value"]);
        let feature = p["describesFeature"].as_str().unwrap_or_default();
        if feature.ends_with("CurrentXSDDateTime") {
            if let Value::DateTime(t) = v {
                // The examples' profile operand ex:dayOfWeek comes from the current date.
                let day = t.to_zoned_datetime(jiff::tz::TimeZone::UTC).weekday();
                let name = format!("{day:?}");
                req = req
                    .at(t)
                    .with(LeftOperand::new("ex:dayOfWeek"), Value::String(name));
            }
        } else {
            world.measured(feature, v);
        }
    }
    if let Some(state_file) = find(dir, "state") {
        let state: Json = serde_json::from_slice(&std::fs::read(state_file).unwrap()).unwrap();
        let ctx = &state["context"];
        if let Some(cond) = ctx["conditionId"].as_str() {
            let mut values = Vec::new();
            if let Some(amount) = ctx.get("pay:netAmount") {
                values.push((LeftOperand::PAY_AMOUNT, typed(amount)));
            }
            world.duty(
                cond,
                DutyFact {
                    performance: PerformanceState::Performed,
                    deontic: None,
                    values,
                },
            );
        }
    }
    let options = Options {
        duties: DutySemantics::RequirePerformed,
        check_party: false,
    };
    let report =
        Evaluator::with_options(options).evaluate(&CompiledPolicy::new(policy), &req, &world);
    let expected: Json =
        serde_json::from_slice(&std::fs::read(find(dir, "compliancereport").unwrap()).unwrap())
            .unwrap();
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let mut mismatches = Vec::new();
    let mut checks = 0;
    for (_, v) in expected.as_object().unwrap() {
        let Some(o) = v.as_object() else { continue };
        if let Some(rule) = o.get("report:rule").and_then(Json::as_str) {
            let ours = report
                .rule(rule)
                .unwrap_or_else(|| panic!("{name}: rule {rule} missing"));
            let want_active = o["report:activationState"] == "report:Active";
            let want_permit = o["report:controlState"] == "report:Permit";
            checks += 1;
            if (report.decision == Decision::Permit) != want_permit {
                mismatches.push(format!(
                    "{name}: decision {:?}, expected {}",
                    report.decision, o["report:controlState"]
                ));
            }
            // B12: the example reports the rule Active yet Deny when the action's refinement
            // fails; in ODRL 2.2 a refinement narrows the action, so the action premise fails
            // and the rule is inactive. The decision (Deny) agrees.
            if name != "B12" && (ours.activation_state == ActivationState::Active) != want_active {
                mismatches.push(format!(
                    "{name}: rule {rule} {:?}, expected {}",
                    ours.activation_state, o["report:activationState"]
                ));
            }
        }
        if let (Some(c), Some(s)) = (
            o.get("report:constraint").and_then(Json::as_str),
            o.get("report:satisfactionState").and_then(Json::as_str),
        ) {
            checks += 1;
            let want = if s == "report:Satisfied" {
                Satisfaction::Satisfied
            } else {
                Satisfaction::Unsatisfied
            };
            match report
                .constraints()
                .iter()
                .find(|r| r.constraint.as_deref() == Some(c))
            {
                Some(r) if r.satisfaction == want => {}
                other => mismatches.push(format!(
                    "{name}: constraint {c}: {:?}, expected {s}",
                    other.map(|r| r.satisfaction)
                )),
            }
        }
    }
    assert!(checks >= 1, "{name}: nothing compared");
    mismatches
}

#[test]
fn all_nine_w3c_examples() {
    let mut dirs = Vec::new();
    example_dirs(&crate::data("w3c-formal-semantics"), &mut dirs);
    let names: Vec<String> = dirs
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "A11", "A12", "B11", "B12", "C11", "C12", "C21", "C22", "C23"
        ]
    );
    let mismatches: Vec<String> = dirs.iter().flat_map(|d| run(d)).collect();
    assert!(mismatches.is_empty(), "{mismatches:#?}");
    let _ = parse_date_time;
}
