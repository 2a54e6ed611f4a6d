//! # Tutorial: may we use this photo on Instagram in Germany next month?
//!
//! A DAM holds licences: "web and social, EU only, during 2026, credit the photographer, no
//! AI training". damkit writes such licences in W3C ODRL 2.2 — the standard for rights
//! expressions (IPTC's RightsML is a profile of it) — and evaluates requests against them,
//! explaining every decision.
//!
//! ```text
//! cargo run --example rights_licences
//! ```

use damkit::rights::Policy;
use damkit::rights::dam::alerts;
use damkit::rights::dam::metadata::MetadataRights;
use damkit::rights::dam::{PURPOSE_AI_TRAINING, RightsBuilder};
use damkit::rights::eval::{CompiledPolicy, Evaluator, Request, World};
use damkit::rights::vocab::Action;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // ## 1. Write the licence as people say it
    //
    // The builder takes the terms a rights manager types into a DAM. The window is given in
    // dates and a time zone: "until 31 December" means until midnight in Berlin.
    let licence = RightsBuilder::new("urn:damkit:licence:2026-acme")
        .asset("urn:damkit:asset:bridge")
        .licensee("urn:party:acme")
        .window("2026-01-01", "2026-12-31", "Europe/Berlin")?
        .territories(&["EU", "CH"])
        .channels(&["web", "social"])
        .credit_line("Photo: Jane Doe / Agency")
        .model_release_required()
        .no_ai_training()
        .build()?;

    // ## 2. It is plain ODRL
    //
    // Any ODRL tool can read what we wrote: JSON-LD in compact form with the ODRL context.
    let json = serde_json::to_string_pretty(&licence.to_jsonld())?;
    println!(
        "The licence in ODRL JSON-LD ({} bytes), first lines:",
        json.len()
    );
    for line in json.lines().take(8) {
        println!("  {line}");
    }
    // ... and reading it back gives the same policy.
    assert_eq!(
        Policy::from_jsonld(json.as_bytes(), "licence.jsonld")?,
        licence
    );

    // ## 3. Ask questions
    //
    // A request names the action, the party, the asset and the context of the use. Facts
    // about the asset that live in its metadata (here the PLUS model release status, as
    // ExifTool would name it) are added from key/value pairs.
    let asset_metadata = MetadataRights::from_pairs([("XMP-plus:ModelReleaseStatus", "MR-UMR")]);
    let compiled = CompiledPolicy::new(licence.clone());
    let evaluator = Evaluator::new();
    let world = World::new();
    let ask =
        |place: &str, channel: &str, when: &str| -> Result<Request, Box<dyn std::error::Error>> {
            Ok(asset_metadata.annotate(
                Request::new(Action::DISTRIBUTE)
                    .party("urn:party:acme")
                    .target("urn:damkit:asset:bridge")
                    .at(when.parse()?)
                    .spatial(place)
                    .channel(channel),
            ))
        };

    for (place, channel, when) in [
        ("DE", "social", "2026-12-01T10:00:00Z"),
        ("US", "social", "2026-12-01T10:00:00Z"),
        ("DE", "print", "2026-12-01T10:00:00Z"),
        ("DE", "web", "2027-01-15T10:00:00Z"),
    ] {
        let report = evaluator.evaluate(&compiled, &ask(place, channel, when)?, &world);
        println!(
            "\ndistribute on {channel} in {place} at {when}: {:?}",
            report.decision
        );
        // Every decision comes with its reasons, in the terms of the ODRL formal semantics.
        for reason in &report.reasons {
            println!("  - {reason}");
        }
    }

    // The AI-training prohibition wins over the permission: the policy's conflict strategy
    // is `prohibit`.
    let training = ask("DE", "web", "2026-06-01T00:00:00Z")?.purpose(PURPOSE_AI_TRAINING);
    println!(
        "\nuse for AI training: {:?}",
        evaluator.decide(&compiled, &training, &world)
    );

    // ## 4. Watch the licences
    //
    // Over many assets, list the licences that are expired, about to expire or not yet
    // valid, with what the DAM should do about them.
    let old = RightsBuilder::new("urn:damkit:licence:2025")
        .asset("urn:damkit:asset:tower")
        .window("2025-01-01", "2025-12-31", "UTC")?
        .build()?;
    let now = "2026-12-10T00:00:00Z".parse()?;
    println!("\nLicence alerts on 2026-12-10 (30-day horizon):");
    for a in alerts::alerts(
        [
            ("urn:damkit:asset:bridge", &licence),
            ("urn:damkit:asset:tower", &old),
        ],
        now,
        30,
    ) {
        println!(
            "  {} {:?} (ends {:?}, {:?} days) -> {:?}",
            a.asset,
            a.status,
            a.end.map(|t| t.to_string()),
            a.days_to_end,
            a.hints
        );
    }
    Ok(())
}
