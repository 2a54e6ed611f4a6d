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
