use damkit_rights::conformance::{load_suite, run_suite};

#[test]
fn solidlab_suite_passes_every_case() {
    let dir = crate::data("odrl-test-suite");
    let (cases, errors) = load_suite(&dir).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(cases.len(), 34);
    // The expectations were really loaded: every case checks at least one rule, and the
    // temporal cases check constraints.
    assert!(cases.iter().all(|c| !c.expected_rules.is_empty()));
    let constraint_checks: usize = cases.iter().map(|c| c.expected_constraints.len()).sum();
    assert!(constraint_checks > 100, "{constraint_checks}");
    let result = run_suite(&dir).unwrap();
    for c in result.cases.iter().filter(|c| !c.passed) {
        eprintln!("FAIL {} {:?}", c.file, c.mismatches);
    }
    assert_eq!((result.passed, result.failed), (34, 0));
}

#[test]
fn a_wrong_expectation_fails() {
    // Flip one expected state: the comparison must notice.
    let dir = crate::data("odrl-test-suite");
    let (mut cases, _) = load_suite(&dir).unwrap();
    let case = &mut cases[0];
    let (_, state) = &mut case.expected_rules[0];
    *state = match state {
        damkit_rights::eval::ActivationState::Active => {
            damkit_rights::eval::ActivationState::Inactive
        }
        _ => damkit_rights::eval::ActivationState::Active,
    };
    assert!(!damkit_rights::conformance::run_case(case).passed);
}

#[test]
fn shared_copy_when_present() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/rights/odrl-test-suite");
    let shared = if shared.is_dir() {
        shared
    } else {
        std::path::PathBuf::from("/work/shared/data/rights/odrl-test-suite")
    };
    if !shared.is_dir() {
        eprintln!("note: ../shared/data/rights/odrl-test-suite absent; skipped");
        return;
    }
    let r = run_suite(&shared).unwrap();
    assert_eq!(r.failed, 0);
}

#[test]
fn not_a_suite_is_a_clear_error() {
    let e = run_suite(&crate::data("w3c-formal-semantics"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no policies/ folder"), "{e}");
}

#[test]
fn our_turtle_reports_carry_the_suites_states() {
    use damkit_rights::graph::{Graph, Node};
    use damkit_rights::vocab::{RDF_TYPE, REPORT};
    let (cases, _) = load_suite(&crate::data("odrl-test-suite")).unwrap();
    for case in &cases {
        let result = damkit_rights::conformance::run_case(case);
        let ttl = result
            .report
            .to_turtle("2024-02-12T11:20:10Z".parse().unwrap(), None);
        let g = Graph::from_turtle(ttl.as_bytes(), "ours.ttl").unwrap();
        assert_eq!(
            g.subjects_of_type(&format!("{REPORT}PolicyReport")).len(),
            1
        );
        for (rule, want) in &case.expected_rules {
            let rr = g
                .subjects(&format!("{REPORT}rule"), &Node::iri(rule.clone()))
                .next()
                .unwrap()
                .clone();
            let state = g
                .object(&rr, &format!("{REPORT}activationState"))
                .unwrap()
                .as_iri()
                .unwrap()
                .to_owned();
            assert_eq!(state, format!("{REPORT}{want:?}"));
        }
        let n_constraints = g
            .subjects_of_type(&format!("{REPORT}ConstraintReport"))
            .len();
        assert!(n_constraints >= case.expected_constraints.len());
        let _ = RDF_TYPE;
    }
}
