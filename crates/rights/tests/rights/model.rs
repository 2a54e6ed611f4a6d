use damkit_rights::eval::{CompiledPolicy, Decision, Evaluator, Request, World};
use damkit_rights::graph::Graph;
use damkit_rights::model::{Constraint, PolicyKind};
use damkit_rights::vocab::{Action, ActionHierarchy};
use damkit_rights::{Policy, RightsError};

const JSONLD: &str = r#"{
  "@context": "http://www.w3.org/ns/odrl.jsonld",
  "@type": "Offer",
  "uid": "http://example.com/policy:1",
  "conflict": "perm",
  "permission": [{
    "target": "http://example.com/asset:9898",
    "assigner": "http://example.com/party:org",
    "action": "distribute",
    "constraint": [{
      "or": [
        {"leftOperand": "spatial", "operator": "eq", "rightOperand": "EU"},
        {"leftOperand": "spatial", "operator": "isAnyOf", "rightOperand": {"@list": ["US", "CA"]}}
      ]
    }]
  }],
  "prohibition": [{
    "target": "http://example.com/asset:9898",
    "action": "distribute",
    "constraint": [{"leftOperand": "deliveryChannel", "operator": "eq", "rightOperand": "print"}]
  }]
}"#;

#[test]
fn jsonld_read_evaluate_write_read() {
    let p = Policy::from_jsonld(JSONLD.as_bytes(), "inline").unwrap();
    assert_eq!(p.kind, PolicyKind::Offer);
    assert!(
        matches!(&p.permissions[0].constraints[0], Constraint::Logical(l) if l.members.len() == 2)
    );
    let c = CompiledPolicy::new(p.clone());
    let ev = Evaluator::new();
    let req = |place: &str, channel: &str| {
        Request::new(Action::DISTRIBUTE)
            .target("http://example.com/asset:9898")
            .spatial(place)
            .channel(channel)
    };
    assert_eq!(
        ev.decide(&c, &req("DE", "web"), &World::new()),
        Decision::Permit
    );
    assert_eq!(
        ev.decide(&c, &req("CA", "web"), &World::new()),
        Decision::Permit
    );
    assert_eq!(
        ev.decide(&c, &req("JP", "web"), &World::new()),
        Decision::NotApplicable
    );
    assert_eq!(
        ev.decide(&c, &req("JP", "print"), &World::new()),
        Decision::Deny
    );
    // Conflict perm: permission wins.
    assert_eq!(
        ev.decide(&c, &req("FR", "print"), &World::new()),
        Decision::Permit
    );
    // decide and evaluate agree.
    for (pl, ch) in [
        ("DE", "web"),
        ("JP", "web"),
        ("JP", "print"),
        ("FR", "print"),
    ] {
        assert_eq!(
            ev.evaluate(&c, &req(pl, ch), &World::new()).decision,
            ev.decide(&c, &req(pl, ch), &World::new())
        );
    }
    // Write and read back: the same policy.
    let written = serde_json::to_vec(&p.to_jsonld()).unwrap();
    let back = Policy::from_jsonld(&written, "written").unwrap();
    assert_eq!(back.permissions, p.permissions);
    assert_eq!(back.prohibitions, p.prohibitions);
    assert_eq!(back.conflict, p.conflict);
}

#[test]
fn turtle_and_jsonld_agree() {
    let ttl = r#"@prefix odrl: <http://www.w3.org/ns/odrl/2/> .
<http://example.com/p> a odrl:Set ; odrl:uid <http://example.com/p> ;
  odrl:permission [ odrl:action odrl:play ; odrl:target <http://example.com/a> ;
     odrl:constraint [ odrl:leftOperand odrl:count ; odrl:operator odrl:lteq ; odrl:rightOperand 5 ] ] ."#;
    let p = Policy::from_turtle(ttl.as_bytes(), "inline.ttl").unwrap();
    let j =
        Policy::from_jsonld(serde_json::to_vec(&p.to_jsonld()).unwrap().as_slice(), "w").unwrap();
    assert_eq!(p.permissions[0].actions, j.permissions[0].actions);
    assert_eq!(p.permissions[0].constraints, j.permissions[0].constraints);
    let c = CompiledPolicy::new(p);
    let ev = Evaluator::new();
    // display is included in play.
    let r = Request::new(Action::DISPLAY).target("http://example.com/a");
    assert_eq!(
        ev.decide(&c, &r.clone().count(5), &World::new()),
        Decision::Permit
    );
    assert_eq!(
        ev.decide(&c, &r.clone().count(6), &World::new()),
        Decision::NotApplicable
    );
    // Closed world: no count given.
    let rep = ev.evaluate(&c, &r, &World::new());
    assert_eq!(rep.decision, Decision::NotApplicable);
    assert!(
        rep.reasons.iter().any(|s| s.contains("no value for count")),
        "{:?}",
        rep.reasons
    );
}

#[test]
fn action_hierarchy() {
    let h = ActionHierarchy::default();
    assert!(h.len() >= 72, "{}", h.len());
    assert!(h.includes(&Action::USE, &Action::READ));
    assert!(h.includes(&Action::USE, &Action::odrl("write")));
    assert!(!h.includes(&Action::USE, &Action::SELL));
    assert!(h.includes(&Action::TRANSFER, &Action::SELL));
    let mut h2 = ActionHierarchy::empty();
    h2.add(Action::new("urn:a"), Action::new("urn:b")).unwrap();
    h2.add(Action::new("urn:b"), Action::new("urn:c")).unwrap();
    let e = h2
        .add(Action::new("urn:c"), Action::new("urn:a"))
        .unwrap_err();
    assert!(matches!(e, RightsError::Cycle { .. }), "{e}");
    assert!(e.to_string().contains("urn:c"));
}

#[test]
fn graph_warns_about_unknown_terms_and_remote_contexts() {
    let g = Graph::from_jsonld(br#"{"@context": ["http://www.w3.org/ns/odrl.jsonld", "https://example.com/ctx.json"], "@type": "Set", "uid": "urn:p", "mystery": 1}"#, "x").unwrap();
    assert!(g.warnings.iter().any(|w| w.contains("not fetched")));
    assert!(g.warnings.iter().any(|w| w.contains("mystery")));
}

#[test]
fn errors_are_send_sync_static() {
    damkit_core::error::assert_error_traits::<RightsError>();
}

#[test]
fn inheritance() {
    let parent = Policy::from_jsonld(
        br#"{"@context": "http://www.w3.org/ns/odrl.jsonld", "@type": "Set", "uid": "urn:parent", "conflict": "prohibit",
            "prohibition": [{"@id": "urn:parent#no-print", "action": "print"}]}"#,
        "parent",
    )
    .unwrap();
    let child = Policy::from_jsonld(
        br#"{"@context": "http://www.w3.org/ns/odrl.jsonld", "@type": "Set", "uid": "urn:child", "inheritFrom": "urn:parent",
            "permission": [{"@id": "urn:child#use", "action": "use"}]}"#,
        "child",
    )
    .unwrap();
    assert_eq!(child.inherit_from, ["urn:parent"]);
    let lookup = |uid: &str| (uid == "urn:parent").then_some(&parent);
    let resolved = child.resolve_inheritance(&lookup).unwrap();
    assert_eq!(resolved.prohibitions.len(), 1);
    let c = CompiledPolicy::new(resolved);
    assert_eq!(
        Evaluator::new().decide(&c, &Request::new(Action::PRINT), &World::new()),
        Decision::Deny
    );
    assert_eq!(
        Evaluator::new().decide(&c, &Request::new(Action::PLAY), &World::new()),
        Decision::Permit
    );
    // Missing parent and cycles are errors naming the uid.
    let none = |_: &str| None;
    assert!(
        child
            .resolve_inheritance(&none)
            .unwrap_err()
            .to_string()
            .contains("urn:parent")
    );
    let mut looped = parent.clone();
    looped.inherit_from = vec!["urn:child".into()];
    let lookup2 = |uid: &str| match uid {
        "urn:parent" => Some(&looped),
        "urn:child" => Some(&child),
        _ => None,
    };
    assert!(matches!(
        child.resolve_inheritance(&lookup2),
        Err(RightsError::Cycle { .. })
    ));
}

#[test]
fn profile_actions_from_a_graph() {
    let ttl = br#"@prefix odrl: <http://www.w3.org/ns/odrl/2/> .
<http://example.com/ns#postToInstagram> odrl:includedIn odrl:distribute .
<http://example.com/ns#storyToInstagram> odrl:includedIn <http://example.com/ns#postToInstagram> ."#;
    let g = Graph::from_turtle(ttl, "profile.ttl").unwrap();
    let mut h = ActionHierarchy::default();
    assert_eq!(h.extend_from_graph(&g).unwrap(), 2);
    assert!(h.includes(
        &Action::USE,
        &Action::new("http://example.com/ns#storyToInstagram")
    ));
    let policy = Policy::from_jsonld(br#"{"@context": "http://www.w3.org/ns/odrl.jsonld", "@type": "Set", "uid": "urn:p", "permission": [{"action": "distribute"}]}"#, "p").unwrap();
    let c = CompiledPolicy::with_hierarchy(policy, std::sync::Arc::new(h));
    assert_eq!(
        Evaluator::new().decide(
            &c,
            &Request::new(Action::new("http://example.com/ns#storyToInstagram")),
            &World::new()
        ),
        Decision::Permit
    );
    let cyclic = Graph::from_turtle(
        b"@prefix odrl: <http://www.w3.org/ns/odrl/2/> .\nodrl:use odrl:includedIn odrl:read .",
        "c.ttl",
    )
    .unwrap();
    let e = ActionHierarchy::default()
        .extend_from_graph(&cyclic)
        .unwrap_err();
    assert!(
        matches!(e, RightsError::Cycle { .. }) && e.to_string().contains("odrl/2/use"),
        "{e}"
    );
}
