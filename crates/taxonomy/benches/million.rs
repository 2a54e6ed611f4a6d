//! The 1M-concept benchmark: load time, peak memory and the autocomplete latency
//! distribution (p50/p90/p99/max), which criterion's mean-per-benchmark does not give.
//!
//! Runs only with `DAMKIT_BENCH_1M=1` (generation and loading take seconds; CI only compiles
//! benches):
//!
//! ```text
//! DAMKIT_BENCH_1M=1 cargo bench -p damkit-taxonomy --bench million
//! ```
//!
//! `DAMKIT_BENCH_1M=load` stops after loading (for `perf record`). The per-query criterion
//! means are in the `million` group of the `taxonomy` bench.

use std::hint::black_box;
use std::time::{Duration, Instant};

use damkit_taxonomy::{Autocomplete, Format, NormalizeOptions, Normalizer, load_bytes};

#[path = "support/generate.rs"]
mod generate;

/// CPU time of this thread (or process): on a machine shared with other jobs, wall-clock
/// percentiles mostly measure the scheduler; CPU time measures the code.
fn cpu_time(clock: libc::clockid_t) -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; clock_gettime only writes it.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn thread_cpu() -> Duration {
    cpu_time(libc::CLOCK_THREAD_CPUTIME_ID)
}

fn process_cpu() -> Duration {
    cpu_time(libc::CLOCK_PROCESS_CPUTIME_ID)
}

fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The query mix: every single letter and digit (the widest prefixes), word prefixes, phrases
/// across words, misspellings (fuzzy, distance 1 and 2), notations, and misses.
pub fn queries() -> Vec<String> {
    let mut q: Vec<String> = ('a'..='z').map(String::from).collect();
    q.extend(('0'..='9').map(String::from));
    for s in [
        "st",
        "ri",
        "ha",
        "mo",
        "fo",
        "foot",
        "harbour",
        "harbour gar",
        "river mountain 12",
        "market bridge 4",
        "village",
        "concert 99",
        "statoin",
        "festivl",
        "mountian",
        "brdge",
        "harbor",
        "villgae garden",
        "portriat",
        "forrest",
        "n12345",
        "n9",
        "n1",
        "riverharbour",
        "zzzz",
        "xq",
        "qwertyuiop",
        "garden strete",
    ] {
        q.push(s.to_string());
    }
    q
}

fn main() {
    let mode = std::env::var("DAMKIT_BENCH_1M").unwrap_or_default();
    if mode.is_empty() {
        eprintln!("set DAMKIT_BENCH_1M=1 to run the 1M-concept benchmark");
        return;
    }
    let t = Instant::now();
    let ttl = generate::generate_turtle(1_000_000);
    println!(
        "generated {} MB of Turtle in {:.2?}",
        ttl.len() / 1_000_000,
        t.elapsed()
    );
    let runs = 3;
    let mut loads = Vec::new();
    let mut cpus = Vec::new();
    let mut vocab = None;
    for _ in 0..runs {
        drop(vocab.take());
        let (t, c) = (Instant::now(), process_cpu());
        let (v, _) = load_bytes(ttl.as_bytes(), Format::Turtle, "1m.ttl").expect("load");
        loads.push(t.elapsed());
        cpus.push(process_cpu().saturating_sub(c));
        vocab = Some(v);
    }
    let v = vocab.expect("loaded");
    loads.sort();
    cpus.sort();
    println!(
        "load 1M concepts from Turtle: wall min {:.2?}, median {:.2?}; CPU min {:.2?}, median {:.2?} ({} runs); {} concepts",
        loads[0],
        loads[loads.len() / 2],
        cpus[0],
        cpus[cpus.len() / 2],
        runs,
        v.len()
    );
    println!(
        "peak RSS after load: {:.0} MB",
        peak_rss_mb().unwrap_or(0.0)
    );
    if mode == "load" {
        return;
    }
    drop(ttl);

    let (t, c) = (Instant::now(), process_cpu());
    let ac = Autocomplete::new(&v);
    println!(
        "build Autocomplete: wall {:.2?}, CPU {:.2?} ({} keys)",
        t.elapsed(),
        process_cpu().saturating_sub(c),
        ac.len()
    );
    let (t, c) = (Instant::now(), process_cpu());
    let norm = Normalizer::new(&v, NormalizeOptions::default());
    println!(
        "build Normalizer: wall {:.2?}, CPU {:.2?} ({} keys)",
        t.elapsed(),
        process_cpu().saturating_sub(c),
        norm.len()
    );
    println!(
        "peak RSS (vocabulary + autocomplete + normaliser, Turtle text freed): {:.0} MB",
        peak_rss_mb().unwrap_or(0.0)
    );

    let qs = queries();
    // Warm up.
    for q in &qs {
        black_box(ac.suggest(&v, q, Some("en"), 10));
    }
    let reps = 200;
    let mut all = Vec::with_capacity(qs.len() * reps);
    let mut all_cpu = Vec::with_capacity(qs.len() * reps);
    let mut worst: Vec<(Duration, Duration, &str)> = Vec::new();
    for q in &qs {
        let mut per = Vec::with_capacity(reps);
        for _ in 0..reps {
            let (t, c) = (Instant::now(), thread_cpu());
            black_box(ac.suggest(&v, black_box(q), Some("en"), 10));
            let cpu = thread_cpu().saturating_sub(c);
            all.push(t.elapsed());
            per.push(cpu);
        }
        per.sort();
        worst.push((pct(&per, 0.5), per[per.len() - 1], q));
        all_cpu.extend(per);
    }
    all.sort();
    all_cpu.sort();
    println!(
        "autocomplete ({} queries x {reps}, limit 10, lang en), wall: p50 {:.1?}, p90 {:.1?}, p99 {:.1?}, max {:.1?}",
        qs.len(),
        pct(&all, 0.5),
        pct(&all, 0.9),
        pct(&all, 0.99),
        all[all.len() - 1]
    );
    println!(
        "autocomplete, thread CPU time: p50 {:.1?}, p90 {:.1?}, p99 {:.1?}, max {:.1?}",
        pct(&all_cpu, 0.5),
        pct(&all_cpu, 0.9),
        pct(&all_cpu, 0.99),
        all_cpu[all_cpu.len() - 1]
    );
    worst.sort_by_key(|w| std::cmp::Reverse(w.0));
    let slow: Vec<String> = worst
        .iter()
        .take(8)
        .map(|(d, m, q)| format!("{q:?} {d:.1?} (max {m:.1?})"))
        .collect();
    println!("slowest queries (median CPU): {}", slow.join(", "));
    for q in ["s", "foot", "statoin", "villgae garden"] {
        let r = ac.suggest(&v, q, Some("en"), 3);
        let shown: Vec<String> = r
            .iter()
            .map(|s| format!("{} (d{})", s.matched, s.distance))
            .collect();
        println!("  {q:?} -> {}", shown.join(", "));
    }

    let kws: Vec<String> = (0..1_000_000)
        .map(|i| format!("RIVER MOUNTAIN {}", i * 997 % 1_000_000))
        .collect();
    let (t, c) = (Instant::now(), thread_cpu());
    let mut buf = String::new();
    let hits: usize = kws.iter().map(|k| norm.lookup(k, &mut buf).count()).sum();
    let (d, cpu) = (t.elapsed(), thread_cpu().saturating_sub(c));
    println!(
        "normalise 1M keywords: wall {d:.2?}, CPU {cpu:.2?} ({:.1} M/s of CPU, {hits} hits)",
        1.0 / cpu.as_secs_f64().max(1e-9)
    );
    println!(
        "peak RSS at the end: {:.0} MB",
        peak_rss_mb().unwrap_or(0.0)
    );
}
