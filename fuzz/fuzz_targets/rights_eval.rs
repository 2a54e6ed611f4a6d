//! The evaluator never panics on any policy (JSON-LD or Turtle) and any request; the fast
//! decision agrees with the full report's.
#![no_main]

use damkit_rights::eval::{CompiledPolicy, Evaluator, Request, World};
use damkit_rights::value::Value;
use damkit_rights::vocab::{ACTIONS, Action, LeftOperand};
use damkit_rights::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (head, body) = data.split_at(8);
    let Ok(p) = Policy::from_bytes(body, "fuzz") else { return };
    let compiled = CompiledPolicy::new(p);
    let action = Action::odrl(ACTIONS[head[0] as usize % ACTIONS.len()].0);
    let secs = i64::from(i32::from_le_bytes([head[1], head[2], head[3], head[4]])) * 8;
    let places = ["DE", "FR", "US", "EU", "de-by", "urn:iso:std:iso:3166:-1:NO"];
    let mut req = Request::new(action)
        .party("http://example.org/alice")
        .target("http://example.org/x")
        .spatial(places[head[5] as usize % places.len()])
        .channel(["web", "print", "social"][head[6] as usize % 3])
        .count(i64::from(head[7]));
    if let Ok(t) = jiff::Timestamp::from_second(secs) {
        req = req.at(t);
    }
    req = req.with(LeftOperand::RESOLUTION, Value::Integer(i64::from(head[7]) * 10));
    let mut world = World::new();
    world.part_of("http://example.org/alice", "http://example.org/partyCollection");
    world.part_of("http://example.org/x", "http://example.org/assetCollection");
    let ev = Evaluator::new();
    let report = ev.evaluate(&compiled, &req, &world);
    assert_eq!(report.decision, ev.decide(&compiled, &req, &world));
});
