//! `damkit rights`: check a use against an ODRL policy; run an ODRL conformance suite.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use damkit::rights::eval::{Decision, Evaluator, PremiseKind, Request, World};
use damkit::rights::vocab::Action;
use damkit::rights::{CompiledPolicy, Policy};

use crate::output::{self, Status};

/// ODRL rights: check a use against a policy, run the conformance suite.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Decide whether a use is permitted by a policy (JSON-LD or Turtle) and say why.
    Check(Box<CheckArgs>),
    /// Run an ODRL evaluator test suite folder (SolidLab layout: policies/, requests/, sotw/,
    /// test_cases/) and compare with the expected compliance reports.
    Conformance(ConformanceArgs),
    /// List licences (policy files in folders) that are expired, expiring within N days, or
    /// not yet valid, with their dates and enforcement hints.
    Alerts(AlertsArgs),
}

/// `damkit rights alerts`.
#[derive(Debug, clap::Args)]
pub struct AlertsArgs {
    /// Policy files (JSON-LD or Turtle) or folders of them (`.jsonld`, `.json`, `.ttl`).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Alert horizon in days.
    #[arg(long, default_value_t = 30)]
    pub within: i64,
    /// Reference time (RFC 3339); default: now.
    #[arg(long)]
    pub at: Option<String>,
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `damkit rights check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The policy file (ODRL JSON-LD or Turtle).
    pub policy: PathBuf,
    /// The action (an ODRL action name such as `distribute`, or a full IRI).
    #[arg(long)]
    pub action: String,
    /// The requesting party.
    #[arg(long)]
    pub party: Option<String>,
    /// The asset.
    #[arg(long)]
    pub target: Option<String>,
    /// Delivery channel (web, print, social ...). Repeatable.
    #[arg(long)]
    pub channel: Vec<String>,
    /// Place of use as an ISO 3166 code (DE, FR, US-CA ...). Repeatable.
    #[arg(long)]
    pub spatial: Vec<String>,
    /// Media. Repeatable.
    #[arg(long)]
    pub media: Vec<String>,
    /// Purpose. Repeatable.
    #[arg(long)]
    pub purpose: Vec<String>,
    /// Industry.
    #[arg(long)]
    pub industry: Option<String>,
    /// Number of uses so far, this one included.
    #[arg(long)]
    pub count: Option<i64>,
    /// Time of use (RFC 3339); default: now.
    #[arg(long)]
    pub at: Option<String>,
    /// Print the full compliance report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Print the compliance report as Turtle (FORCE compliance-report vocabulary) on stdout.
    #[arg(long, conflicts_with = "json")]
    pub turtle: bool,
}

/// `damkit rights conformance`.
#[derive(Debug, clap::Args)]
pub struct ConformanceArgs {
    /// The suite folder.
    pub dir: PathBuf,
    /// Print the results as JSON on stdout (the closing line still goes to stdout last).
    #[arg(long)]
    pub json: bool,
    /// Print each mismatch under a failing case.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Runs the subcommand.
pub fn run(args: Args) -> Status {
    match args.command {
        Sub::Check(a) => match check(&a) {
            Ok(s) => s,
            Err(e) => output::fatal("rights", &e),
        },
        Sub::Alerts(a) => match alerts(&a) {
            Ok(s) => s,
            Err(e) => output::fatal("rights", &e),
        },
        Sub::Conformance(a) => match conformance(&a) {
            Ok(s) => s,
            Err(e) => output::fatal("rights", &e),
        },
    }
}

fn action_of(s: &str) -> Action {
    if s.contains(':') && !s.starts_with("odrl:") {
        if let Some(rest) = s.strip_prefix("cc:") {
            return Action::new(format!("{}{rest}", damkit::rights::vocab::CC));
        }
        Action::new(s)
    } else {
        Action::odrl(s.trim_start_matches("odrl:"))
    }
}

fn check(a: &CheckArgs) -> anyhow::Result<Status> {
    let bytes =
        std::fs::read(&a.policy).with_context(|| format!("{}: cannot read", a.policy.display()))?;
    let policy = Policy::from_bytes(&bytes, &a.policy.display().to_string())?;
    let mut req = Request::new(action_of(&a.action));
    if let Some(p) = &a.party {
        req = req.party(p.clone());
    }
    if let Some(t) = &a.target {
        req = req.target(t.clone());
    }
    let at: jiff::Timestamp = match &a.at {
        Some(s) => damkit::rights::value::parse_date_time(s)
            .map_err(|e| anyhow::anyhow!("--at {s:?}: unparseable date: {e}"))?,
        None => jiff::Timestamp::now(),
    };
    req = req.at(at);
    for s in &a.spatial {
        req = req.spatial(s);
    }
    for c in &a.channel {
        req = req.channel(c);
    }
    for m in &a.media {
        req = req.media(m);
    }
    for p in &a.purpose {
        req = req.purpose(p);
    }
    if let Some(i) = &a.industry {
        req = req.industry(i);
    }
    if let Some(n) = a.count {
        req = req.count(n);
    }
    let compiled = CompiledPolicy::new(policy);
    let report = Evaluator::new().evaluate(&compiled, &req, &World::new());
    if a.json {
        output::print_json(&report)?;
    } else if a.turtle {
        print!("{}", report.to_turtle(jiff::Timestamp::now(), None));
    } else {
        println!("{:?}", report.decision);
        for r in &report.reasons {
            println!("  - {r}");
        }
        for r in &report.rules {
            println!("  {:?} {}: {:?}", r.kind, r.rule, r.activation_state);
            for p in &r.premises {
                if p.kind == PremiseKind::Constraint || !p.satisfaction.ok() {
                    println!("    [{:?}] {}", p.satisfaction, p.detail);
                }
            }
        }
    }
    Ok(match report.decision {
        Decision::Permit => Status::Success,
        _ => Status::SomeFailed,
    })
}

fn alerts(a: &AlertsArgs) -> anyhow::Result<Status> {
    let now = match &a.at {
        Some(s) => damkit::rights::value::parse_date_time(s)
            .map_err(|e| anyhow::anyhow!("--at {s:?}: unparseable date: {e}"))?,
        None => jiff::Timestamp::now(),
    };
    let mut files = Vec::new();
    for root in &a.paths {
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    let ext = e
                        .path()
                        .extension()
                        .and_then(|x| x.to_str())
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    if matches!(ext.as_str(), "jsonld" | "json" | "ttl") {
                        files.push(e.into_path());
                    }
                }
                Ok(_) => {}
                Err(e) => files.push(
                    e.path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| root.clone()),
                ),
            }
        }
    }
    let mut failures = 0;
    let mut policies = Vec::new();
    for f in &files {
        let loaded = std::fs::read(f)
            .map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))
            .and_then(|b| Ok(Policy::from_bytes(&b, &f.display().to_string())?));
        match loaded {
            Ok(p) => {
                let asset = p
                    .rules()
                    .flat_map(|r| r.targets.iter())
                    .next()
                    .map_or_else(|| f.display().to_string(), |t| t.iri.clone());
                policies.push((asset, p));
            }
            Err(e) => {
                failures += 1;
                output::warn("rights", e);
            }
        }
    }
    let list = damkit::rights::dam::alerts::alerts(
        policies.iter().map(|(a, p)| (a.as_str(), p)),
        now,
        a.within,
    );
    if a.json {
        output::print_json(&list)?;
    } else {
        for al in &list {
            let end = al.end.map_or_else(|| "-".to_owned(), |t| t.to_string());
            let start = al.start.map_or_else(|| "-".to_owned(), |t| t.to_string());
            println!(
                "{:?} {} (policy {}) window {start} .. {end} hints {:?}",
                al.status, al.asset, al.policy, al.hints
            );
        }
        println!(
            "{} of {} licences need attention",
            list.len(),
            policies.len()
        );
    }
    Ok(Status::from_failures(failures))
}

fn conformance(a: &ConformanceArgs) -> anyhow::Result<Status> {
    let result = damkit::rights::conformance::run_suite(&a.dir)?;
    for e in &result.load_errors {
        output::warn("rights", format_args!("could not load: {e}"));
    }
    if a.json {
        output::print_json(&result)?;
    } else {
        for c in &result.cases {
            println!(
                "{} {} {} {}",
                if c.passed { "PASS" } else { "FAIL" },
                c.file,
                c.id,
                c.title
            );
            if a.verbose || !c.passed {
                for m in &c.mismatches {
                    println!("    {m}");
                }
            }
        }
    }
    println!("{} passed, {} failed", result.passed, result.failed);
    Ok(Status::from_failures(result.failed))
}

/// Lines for `damkit demo`: a licence built with the DAM builder for `bridge.jpg`, checked
/// for three uses, and the licence alert it raises.
pub fn demo_step(dir: &Path) -> anyhow::Result<Vec<String>> {
    use damkit::rights::dam::{RightsBuilder, alerts};
    let asset = dir.join("bridge.jpg").display().to_string();
    let licence = RightsBuilder::new("urn:damkit:demo:licence")
        .asset(asset.clone())
        .window("2026-01-01", "2026-12-31", "Europe/Berlin")?
        .territories(&["EU"])
        .channels(&["web", "social"])
        .credit_line("Photo: damkit demo")
        .no_ai_training()
        .build()?;
    let compiled = CompiledPolicy::new(licence.clone());
    let ev = Evaluator::new();
    let at: jiff::Timestamp = "2026-12-01T00:00:00Z".parse()?;
    let mut lines = Vec::new();
    for (place, channel, purpose) in [
        ("DE", "web", None),
        ("US", "web", None),
        ("FR", "social", Some("ai-training")),
    ] {
        let mut req = Request::new(Action::DISTRIBUTE)
            .target(asset.clone())
            .at(at)
            .spatial(place)
            .channel(channel);
        if let Some(p) = purpose {
            req = req.purpose(p);
        }
        let d = ev.evaluate(&compiled, &req, &World::new()).decision;
        lines.push(format!(
            "rights: distribute bridge.jpg on {channel} in {place}{} on 2026-12-01: {d:?}",
            purpose.map(|p| format!(" for {p}")).unwrap_or_default()
        ));
    }
    let alert = alerts::check(&asset, &licence, at, 60);
    lines.push(format!(
        "rights: licence status on 2026-12-01: {:?}, {} days left, hints {:?}",
        alert.status,
        alert.days_to_end.unwrap_or(0),
        alert.hints
    ));
    Ok(lines)
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_lines() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let lines = super::demo_step(&dir).unwrap();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].ends_with("Permit"), "{lines:?}");
        assert!(lines[1].ends_with("NotApplicable"), "{lines:?}");
        assert!(lines[2].ends_with("Deny"), "{lines:?}");
    }
}
