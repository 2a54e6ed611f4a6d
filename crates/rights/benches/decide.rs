//! Decisions per second for a typical compiled DAM policy (window + territories + channels +
//! model release), and the cost of a full compliance report.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use damkit_rights::Policy;
use damkit_rights::dam::RightsBuilder;
use damkit_rights::dam::metadata::MetadataRights;
use damkit_rights::eval::{CompiledPolicy, Evaluator, Request, World};
use damkit_rights::vocab::Action;

fn bench(c: &mut Criterion) {
    let policy = RightsBuilder::new("urn:lic:1")
        .asset("urn:asset:1")
        .window("2026-01-01", "2026-12-31", "Europe/Berlin")
        .unwrap()
        .territories(&["EU", "CH"])
        .exclude_territories(&["FR"])
        .channels(&["web", "social"])
        .model_release_required()
        .build()
        .unwrap();
    let compiled = CompiledPolicy::new(policy.clone());
    let md = MetadataRights::from_pairs([("XMP-plus:ModelReleaseStatus", "MR-UMR")]);
    let req = md.annotate(
        Request::new(Action::DISTRIBUTE)
            .target("urn:asset:1")
            .at("2026-06-01T12:00:00Z".parse().unwrap())
            .spatial("DE")
            .channel("web"),
    );
    let world = World::new();
    let ev = Evaluator::new();
    let mut g = c.benchmark_group("dam_policy");
    g.throughput(criterion::Throughput::Elements(1));
    g.bench_function("decide", |b| {
        b.iter(|| ev.decide(black_box(&compiled), black_box(&req), &world));
    });
    g.bench_function("evaluate_full_report", |b| {
        b.iter(|| ev.evaluate(black_box(&compiled), black_box(&req), &world));
    });
    let json = serde_json::to_vec(&policy.to_jsonld()).unwrap();
    g.bench_function("read_jsonld_and_compile", |b| {
        b.iter(|| CompiledPolicy::new(Policy::from_jsonld(black_box(&json), "b").unwrap()));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
