use damkit_rights::dam::alerts::{self, EnforcementHint, LicenceStatus};
use damkit_rights::dam::cc;
use damkit_rights::dam::metadata::MetadataRights;
use damkit_rights::dam::{PURPOSE_AI_TRAINING, PURPOSE_COMMERCIAL, RightsBuilder};
use damkit_rights::eval::{CompiledPolicy, Decision, Evaluator, Request, World};
use damkit_rights::vocab::Action;

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn licence() -> RightsBuilder {
    RightsBuilder::new("urn:lic:1")
        .asset("urn:asset:1")
        .window("2026-01-01", "2026-12-31", "Europe/Berlin")
        .unwrap()
        .territories(&["EU"])
        .exclude_territories(&["FR"])
        .channels(&["web", "social"])
        .model_release_required()
        .credit_line("Photo: Jane Doe")
        .no_ai_training()
}

#[test]
fn builder_window_territories_channels_release() {
    let p = CompiledPolicy::new(licence().build().unwrap());
    let ev = Evaluator::new();
    let md = MetadataRights::from_pairs([(
        "XMP-plus:ModelReleaseStatus",
        "http://ns.useplus.org/ldf/vocab/MR-UMR",
    )]);
    let base = |at: &str, place: &str, ch: &str| {
        md.annotate(
            Request::new(Action::DISTRIBUTE)
                .target("urn:asset:1")
                .at(ts(at))
                .spatial(place)
                .channel(ch),
        )
    };
    let w = World::new();
    assert_eq!(
        ev.decide(&p, &base("2026-12-01T00:00:00Z", "DE", "web"), &w),
        Decision::Permit
    );
    // 31 Dec 23:30 in Berlin is still inside; 1 Jan 00:30 Berlin is outside.
    assert_eq!(
        ev.decide(&p, &base("2026-12-31T22:30:00Z", "DE", "web"), &w),
        Decision::Permit
    );
    assert_eq!(
        ev.decide(&p, &base("2026-12-31T23:30:00Z", "DE", "web"), &w),
        Decision::NotApplicable
    );
    assert_eq!(
        ev.decide(&p, &base("2026-06-01T00:00:00Z", "FR", "web"), &w),
        Decision::NotApplicable
    );
    assert_eq!(
        ev.decide(&p, &base("2026-06-01T00:00:00Z", "US", "web"), &w),
        Decision::NotApplicable
    );
    assert_eq!(
        ev.decide(&p, &base("2026-06-01T00:00:00Z", "DE", "print"), &w),
        Decision::NotApplicable
    );
    // No release on file.
    let no_release = MetadataRights::from_pairs([("ModelReleaseStatus", "MR-NON")]).annotate(
        Request::new(Action::DISTRIBUTE)
            .target("urn:asset:1")
            .at(ts("2026-06-01T00:00:00Z"))
            .spatial("DE")
            .channel("web"),
    );
    assert_eq!(ev.decide(&p, &no_release, &w), Decision::NotApplicable);
    // AI training is prohibited even where use is permitted.
    assert_eq!(
        ev.decide(
            &p,
            &base("2026-06-01T00:00:00Z", "DE", "web").purpose(PURPOSE_AI_TRAINING),
            &w
        ),
        Decision::Deny
    );
    // The credit duty is listed in the reasons.
    let r = ev.evaluate(&p, &base("2026-06-01T00:00:00Z", "DE", "web"), &w);
    assert!(
        r.reasons.iter().any(|s| s.contains("attribute")),
        "{:?}",
        r.reasons
    );
}

#[test]
fn builder_rejects_bad_input() {
    assert!(
        RightsBuilder::new("u")
            .window("2026-13-01", "", "UTC")
            .is_err()
    );
    assert!(
        RightsBuilder::new("u")
            .window("2026-01-01", "2025-01-01", "UTC")
            .is_err()
    );
    assert!(
        RightsBuilder::new("u")
            .window("2026-01-01", "", "Mars/Olympus")
            .is_err()
    );
    assert!(RightsBuilder::new("u").max_uses(-1).build().is_err());
}

#[test]
fn metadata_fields() {
    let m = MetadataRights::from_pairs([
        (
            "XMP-xmpRights:UsageTerms",
            "Licensed under CC BY-NC 4.0 https://creativecommons.org/licenses/by-nc/4.0/deed.en",
        ),
        ("XMP-xmpRights:Marked", "True"),
        ("XMP-dc:Rights", "(c) 2026 Jane Doe"),
        ("XMP-plus:LicenseEndDate", "2026-12-31T00:00:00Z"),
        ("XMP-plus:LicenseStartDate", "not a date"),
        (
            "XMP-plus:PropertyReleaseStatus",
            "Limited or Incomplete Property Releases",
        ),
        ("XMP-plus:MinorModelAgeDisclosure", "AG-A18"),
        (
            "XMP-plus:DataMining",
            "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING",
        ),
        ("XMP-plus:LicenseeName", "ACME"),
    ]);
    assert_eq!(m.marked, Some(true));
    assert_eq!(m.property_release.as_deref(), Some("PR-LPR"));
    assert_eq!(m.minor_age.as_deref(), Some("AG-A18"));
    assert!(m.ai_training_prohibited());
    assert_eq!(
        m.cc_licence.as_deref(),
        Some("http://creativecommons.org/licenses/by-nc/4.0/")
    );
    assert!(
        m.warnings.iter().any(|w| w.contains("LicenseStartDate")),
        "{:?}",
        m.warnings
    );
    let p = CompiledPolicy::new(m.cc_policy("urn:cc", "urn:a").unwrap().unwrap());
    let ev = Evaluator::new();
    let r = Request::new(Action::DISTRIBUTE).target("urn:a");
    assert_eq!(ev.decide(&p, &r, &World::new()), Decision::Permit);
    assert_eq!(
        ev.decide(&p, &r.clone().purpose(PURPOSE_COMMERCIAL), &World::new()),
        Decision::Deny
    );
    let lic = m.to_builder("urn:lic", "urn:a").build().unwrap();
    assert_eq!(lic.prohibitions.len(), 1);
}

#[test]
fn cc_table() {
    assert_eq!(cc::licences().len(), 8);
    let by = cc::lookup("CC BY 4.0").unwrap();
    assert!(by.requires.iter().any(|r| r.ends_with("Attribution")));
    assert!(by.prohibits.is_empty());
    let nd = cc::lookup("https://creativecommons.org/licenses/by-nd/4.0/legalcode").unwrap();
    assert!(!nd.permits.iter().any(|p| p.ends_with("DerivativeWorks")));
    let p = CompiledPolicy::new(nd.to_policy("urn:nd", None));
    assert_eq!(
        Evaluator::new().decide(&p, &Request::new(Action::DERIVE), &World::new()),
        Decision::NotApplicable
    );
    assert_eq!(
        Evaluator::new().decide(&p, &Request::new(Action::REPRODUCE), &World::new()),
        Decision::Permit
    );
    assert!(cc::lookup("CC0").is_some());
    assert!(cc::licence("CC BY 2.0").is_err());
}

#[test]
fn alerts_over_assets() {
    let a = licence().build().unwrap();
    let b = RightsBuilder::new("urn:lic:2")
        .asset("urn:asset:2")
        .window("2026-01-01", "2026-03-01", "UTC")
        .unwrap()
        .build()
        .unwrap();
    let c = RightsBuilder::new("urn:lic:3")
        .asset("urn:asset:3")
        .window("2027-01-01", "", "UTC")
        .unwrap()
        .build()
        .unwrap();
    let d = RightsBuilder::new("urn:lic:4")
        .asset("urn:asset:4")
        .build()
        .unwrap();
    let now = ts("2026-12-20T00:00:00Z");
    let list = alerts::alerts(
        [
            ("urn:asset:1", &a),
            ("urn:asset:2", &b),
            ("urn:asset:3", &c),
            ("urn:asset:4", &d),
        ],
        now,
        30,
    );
    let st: Vec<(&str, LicenceStatus)> =
        list.iter().map(|a| (a.asset.as_str(), a.status)).collect();
    assert_eq!(
        st,
        [
            ("urn:asset:2", LicenceStatus::Expired),
            ("urn:asset:1", LicenceStatus::ExpiringSoon),
            ("urn:asset:3", LicenceStatus::NotYetValid)
        ]
    );
    assert!(list[0].hints.contains(&EnforcementHint::BlockDownload));
    assert!(list[1].hints.contains(&EnforcementHint::RequireCredit));
    assert!(
        list[1]
            .hints
            .contains(&EnforcementHint::ExcludeFromAiTraining)
    );
    assert_eq!(list[1].days_to_end, Some(11));
}

#[test]
fn data_mining_codes_compile_to_prohibited_purposes() {
    use damkit_rights::dam::{PURPOSE_DATA_MINING, PURPOSE_GENAI_TRAINING};
    let ev = Evaluator::new();
    let decide = |code: &str, purpose: &str| {
        let m = MetadataRights::from_pairs([("XMP-plus:DataMining", code)]);
        let p = CompiledPolicy::new(m.to_builder("urn:l", "urn:a").build().unwrap());
        ev.decide(
            &p,
            &Request::new(Action::REPRODUCE)
                .target("urn:a")
                .purpose(purpose),
            &World::new(),
        )
    };
    assert_eq!(
        decide("DMI-PROHIBITED-GENAIMLTRAINING", PURPOSE_GENAI_TRAINING),
        Decision::Deny
    );
    assert_eq!(
        decide("DMI-PROHIBITED-GENAIMLTRAINING", PURPOSE_AI_TRAINING),
        Decision::Permit
    );
    assert_eq!(
        decide("DMI-PROHIBITED-AIMLTRAINING", PURPOSE_AI_TRAINING),
        Decision::Deny
    );
    assert_eq!(
        decide("DMI-PROHIBITED-AIMLTRAINING", PURPOSE_DATA_MINING),
        Decision::Permit
    );
    assert_eq!(decide("Prohibited", PURPOSE_DATA_MINING), Decision::Deny);
    assert_eq!(decide("DMI-ALLOWED", PURPOSE_AI_TRAINING), Decision::Permit);
}

#[test]
fn credit_line_travels_and_is_checked() {
    use damkit_rights::dam::{CREDIT_LINE, credit_line};
    use damkit_rights::eval::{DutyFact, PerformanceState};
    use damkit_rights::value::Value;
    use damkit_rights::vocab::LeftOperand;
    let p = RightsBuilder::new("urn:lic:c")
        .credit_line("Photo: Jane Doe")
        .build()
        .unwrap();
    // Through JSON-LD and back.
    let back =
        damkit_rights::Policy::from_jsonld(&serde_json::to_vec(&p.to_jsonld()).unwrap(), "c")
            .unwrap();
    assert_eq!(credit_line(&back).as_deref(), Some("Photo: Jane Doe"));
    let c = CompiledPolicy::new(back);
    let ev = Evaluator::with_options(damkit_rights::eval::Options {
        duties: damkit_rights::eval::DutySemantics::RequirePerformed,
        check_party: true,
    });
    let fact = |text: &str| DutyFact {
        performance: PerformanceState::Performed,
        deontic: None,
        values: vec![(LeftOperand::new(CREDIT_LINE), Value::String(text.into()))],
    };
    let mut right = World::new();
    right.duty("urn:lic:c#credit", fact("Photo: Jane Doe"));
    let mut wrong = World::new();
    wrong.duty("urn:lic:c#credit", fact("Photo: someone"));
    let req = Request::new(Action::DISPLAY);
    assert_eq!(ev.decide(&c, &req, &right), Decision::Permit);
    assert_eq!(ev.decide(&c, &req, &wrong), Decision::NotApplicable);
    assert_eq!(ev.decide(&c, &req, &World::new()), Decision::NotApplicable);
}
