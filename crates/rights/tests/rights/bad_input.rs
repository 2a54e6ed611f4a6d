use damkit_rights::eval::{CompiledPolicy, Decision, Evaluator, Request, World};
use damkit_rights::vocab::Action;
use damkit_rights::{Policy, RightsError};

fn bad(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/bad")
            .join(name),
    )
    .unwrap()
}

#[test]
fn truncated_documents() {
    let e = Policy::from_bytes(&bad("truncated.jsonld"), "truncated.jsonld").unwrap_err();
    assert!(matches!(e, RightsError::JsonLd { .. }), "{e}");
    assert!(e.to_string().contains("truncated.jsonld"));
    let e = Policy::from_bytes(&bad("truncated.ttl"), "truncated.ttl").unwrap_err();
    assert!(matches!(e, RightsError::Turtle { .. }), "{e}");
    let e = Policy::from_bytes(&bad("not-an-object.jsonld"), "n").unwrap_err();
    assert!(matches!(e, RightsError::JsonLd { .. }), "{e}");
}

#[test]
fn every_prefix_of_valid_documents_is_handled() {
    for name in [
        "truncated.jsonld",
        "bad-date.jsonld",
        "unknown-operator.jsonld",
        "duty-cycle.ttl",
    ] {
        let b = bad(name);
        for n in 0..b.len() {
            let _ = Policy::from_bytes(&b[..n], name);
        }
    }
}

#[test]
fn bad_date_names_rule_and_term() {
    let e = Policy::from_bytes(&bad("bad-date.jsonld"), "bad-date.jsonld")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("urn:rule:1") && e.contains("odrl:rightOperand") && e.contains("31/12/2026"),
        "{e}"
    );
}

#[test]
fn unknown_operator_and_operand_are_unsatisfied_and_reported() {
    let p = Policy::from_bytes(&bad("unknown-operator.jsonld"), "u").unwrap();
    let c = CompiledPolicy::new(p);
    let req = Request::new(Action::READ).spatial("DE").with(
        damkit_rights::vocab::LeftOperand::new("http://example.com/other"),
        damkit_rights::value::Value::Integer(1),
    );
    let r = Evaluator::new().evaluate(&c, &req, &World::new());
    assert_eq!(r.decision, Decision::NotApplicable);
    let cs = r.constraints();
    let c1 = cs
        .iter()
        .find(|c| c.constraint.as_deref() == Some("urn:c:1"))
        .unwrap();
    assert!(
        c1.note
            .as_deref()
            .unwrap()
            .contains("unknown operator http://example.com/near")
    );
    let c2 = cs
        .iter()
        .find(|c| c.constraint.as_deref() == Some("urn:c:2"))
        .unwrap();
    assert!(
        c2.note
            .as_deref()
            .unwrap()
            .contains("unknown left operand http://example.com/moonPhase")
    );
}

#[test]
fn duty_cycle_is_an_error() {
    let e = Policy::from_bytes(&bad("duty-cycle.ttl"), "duty-cycle.ttl")
        .unwrap_err()
        .to_string();
    assert!(e.contains("deeper than"), "{e}");
}

#[test]
fn part_of_cycle() {
    let mut w = World::new();
    w.part_of("a", "b").part_of("b", "c").part_of("c", "a");
    assert!(w.check_acyclic().is_err());
    // Membership queries terminate anyway.
    assert!(!w.is_member("a", "z"));
    assert!(w.is_member("a", "c"));
}

#[test]
fn oversized_input() {
    let big = vec![b' '; 40 << 20];
    assert!(matches!(
        Policy::from_bytes(&big, "big").unwrap_err(),
        RightsError::TooLarge { .. }
    ));
}

#[test]
fn shared_nodes_do_not_expand_exponentially() {
    // 20 levels, each logical constraint naming the next level 8 times: 8^20 if expanded.
    let mut ttl = String::from(
        "@prefix odrl: <http://www.w3.org/ns/odrl/2/> .\n<urn:p> a odrl:Set ; odrl:permission [ odrl:action odrl:read ; odrl:constraint <urn:c0> ] .\n",
    );
    for i in 0..20 {
        let next = format!("<urn:c{}>", i + 1);
        let list = [next.as_str(); 8].join(", ");
        ttl.push_str(&format!("<urn:c{i}> odrl:and {list} .\n"));
    }
    ttl.push_str(
        "<urn:c20> odrl:leftOperand odrl:count ; odrl:operator odrl:lt ; odrl:rightOperand 3 .\n",
    );
    let e = Policy::from_turtle(ttl.as_bytes(), "bomb.ttl")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("deeper than") || e.contains("expands to more than"),
        "{e}"
    );
    // Fan-out without depth: 10 levels of 4 (about a million) hits the budget, quickly.
    let mut ttl = String::from(
        "@prefix odrl: <http://www.w3.org/ns/odrl/2/> .\n<urn:p> a odrl:Set ; odrl:permission [ odrl:action odrl:read ; odrl:constraint <urn:c0> ] .\n",
    );
    for i in 0..10 {
        let next = format!("<urn:c{}>", i + 1);
        let list = [next.as_str(); 4].join(", ");
        ttl.push_str(&format!("<urn:c{i}> odrl:or {list} .\n"));
    }
    ttl.push_str(
        "<urn:c10> odrl:leftOperand odrl:count ; odrl:operator odrl:lt ; odrl:rightOperand 3 .\n",
    );
    let e = Policy::from_turtle(ttl.as_bytes(), "bomb2.ttl")
        .unwrap_err()
        .to_string();
    assert!(e.contains("expands to more than"), "{e}");
}
