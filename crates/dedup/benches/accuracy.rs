//! Near-duplicate accuracy benchmark: precision and recall per edit.
//!
//! Build the set with `benches/accuracy/make_set.py OUT PHOTOS...`, then
//!
//! ```sh
//! DAMKIT_ACCURACY_DIR=/tmp/dedup-acc cargo bench -p damkit-dedup --bench accuracy
//! ```
//!
//! Every pair of files is a positive when both come from the same photo, a negative
//! otherwise. Recall is reported per edit (original vs edited copy), precision over every
//! pair a method reports.

use std::collections::BTreeMap;
use std::path::PathBuf;

use damkit_dedup::near::{Fingerprint, NearOptions, fingerprint_file};
use rayon::prelude::*;

struct Item {
    source: String,
    edit: String,
    fp: Fingerprint,
}

type Method = (&'static str, Box<dyn Fn(&Item, &Item) -> bool + Sync>);

fn main() {
    let Some(dir) = std::env::var_os("DAMKIT_ACCURACY_DIR").map(PathBuf::from) else {
        eprintln!("accuracy: set DAMKIT_ACCURACY_DIR to a folder made by make_set.py; skipped");
        return;
    };
    let manifest = match std::fs::read_to_string(dir.join("manifest.csv")) {
        Ok(m) => m,
        Err(e) => {
            eprintln!(
                "accuracy: {}: {e}; skipped",
                dir.join("manifest.csv").display()
            );
            return;
        }
    };
    let mut opts = NearOptions::default();
    if let Ok(c) = std::env::var("DAMKIT_CROPS") {
        opts.crops = c
            .split(',')
            .filter_map(|x| x.parse().ok())
            .map(damkit_dedup::decode::Crop::centre)
            .collect();
        if std::env::var_os("DAMKIT_CORNERS").is_some() {
            opts.crops.extend(damkit_dedup::decode::Crop::corners(0.95));
        }
    }
    let rows: Vec<(String, String, String)> = manifest
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f.len() == 3).then(|| (f[0].to_string(), f[1].to_string(), f[2].to_string()))
        })
        .collect();
    let t0 = std::time::Instant::now();
    let items: Vec<Item> = rows
        .par_iter()
        .filter_map(
            |(file, source, edit)| match fingerprint_file(&dir.join(file), &opts) {
                Ok(fp) => Some(Item {
                    source: source.clone(),
                    edit: edit.clone(),
                    fp,
                }),
                Err(e) => {
                    eprintln!("accuracy: {e}");
                    None
                }
            },
        )
        .collect();
    eprintln!(
        "{} files fingerprinted in {:.1} s ({} threads)",
        items.len(),
        t0.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );
    let q = opts.min_quality;
    let gate = move |a: &Item, b: &Item| !a.fp.is_featureless(q) && !b.fp.is_featureless(q);
    let t = opts.threshold;
    let pt = opts.pdq_threshold;
    let mut methods: Vec<Method> = vec![
        (
            "pHash plain (imagehash), d<=10",
            Box::new(|a: &Item, b: &Item| (a.fp.phash ^ b.fp.phash).count_ones() <= 10),
        ),
        (
            "PDQ plain, d<=31",
            Box::new(|a: &Item, b: &Item| a.fp.pdq.distance(&b.fp.pdq) <= 31),
        ),
        (
            "PDQ + dihedral, d<=31",
            Box::new(|a: &Item, b: &Item| a.fp.pdq_distance(&b.fp) <= 31),
        ),
    ];
    for tt in [6u32, 8, 10, 12] {
        methods.push((
            Box::leak(format!("pHash + dihedral + crops + gate, d<={tt}").into_boxed_str()),
            Box::new(move |a: &Item, b: &Item| gate(a, b) && a.fp.distance(&b.fp) <= tt),
        ));
    }
    for pt in [24u32, 31, 40, 50] {
        methods.push((
            Box::leak(format!("PDQ all variants d<={pt} + gate").into_boxed_str()),
            Box::new(move |a: &Item, b: &Item| gate(a, b) && a.fp.pdq_distance(&b.fp) <= pt),
        ));
    }
    for (tt, pt) in [(8u32, 40u32), (12, 40), (14, 40), (10, 36), (10, 44)] {
        methods.push((
            Box::leak(format!("pHash var d<={tt} and PDQ var d<={pt}").into_boxed_str()),
            Box::new(move |a: &Item, b: &Item| {
                gate(a, b) && a.fp.distance(&b.fp) <= tt && a.fp.pdq_distance(&b.fp) <= pt
            }),
        ));
    }
    methods.push((
        Box::leak(
            format!("damkit default (pHash d<={t}, PDQ d<={pt}, quality>={q})").into_boxed_str(),
        ),
        Box::new(move |a: &Item, b: &Item| {
            gate(a, b) && a.fp.distance(&b.fp) <= t && a.fp.pdq_distance(&b.fp) <= pt
        }),
    ));
    let edits = [
        "resize50",
        "jpeg30",
        "crop5",
        "bright20",
        "rotate90",
        "mirror",
        "watermark",
        "blur",
    ];
    println!(
        "| method | precision | recall | {} | false pairs |",
        edits.join(" | ")
    );
    println!("|---|---|---|{}---|", "---|".repeat(edits.len()));
    for (name, m) in &methods {
        let (mut tp, mut fp) = (0usize, 0usize);
        let mut per: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        let mut false_examples = Vec::new();
        for i in 0..items.len() {
            for j in i + 1..items.len() {
                let (a, b) = (&items[i], &items[j]);
                let same = a.source == b.source;
                let hit = m(a, b);
                if hit && same {
                    tp += 1;
                } else if hit {
                    fp += 1;
                    if false_examples.len() < 3 {
                        false_examples
                            .push(format!("{}-{}/{}-{}", a.source, a.edit, b.source, b.edit));
                    }
                }
                if same && (a.edit == "orig" || b.edit == "orig") {
                    let e = if a.edit == "orig" { &b.edit } else { &a.edit };
                    let entry = per.entry(e.as_str()).or_default();
                    entry.1 += 1;
                    entry.0 += usize::from(hit);
                }
            }
        }
        let (hits, total) = per.values().fold((0, 0), |s, v| (s.0 + v.0, s.1 + v.1));
        let cols: Vec<String> = edits
            .iter()
            .map(|e| {
                let (h, n) = per.get(e).copied().unwrap_or((0, 0));
                format!("{:.3}", h as f64 / n.max(1) as f64)
            })
            .collect();
        println!(
            "| {name} | {:.4} | {:.3} | {} | {fp} {} |",
            tp as f64 / (tp + fp).max(1) as f64,
            hits as f64 / total.max(1) as f64,
            cols.join(" | "),
            false_examples.join(" ")
        );
    }
    if std::env::var_os("DAMKIT_ACCURACY_DEBUG").is_some() {
        for i in 0..items.len() {
            for j in i + 1..items.len() {
                let (a, b) = (&items[i], &items[j]);
                let (dp, dq) = (a.fp.distance(&b.fp), a.fp.pdq_distance(&b.fp));
                let crop = a.source == b.source && (a.edit == "crop5" || b.edit == "crop5");
                if crop || (a.source != b.source && dp <= 14) {
                    println!(
                        "{} {}-{} {}-{} phash {dp} pdq {dq} q {} {}",
                        if crop { "POS" } else { "NEG" },
                        a.source,
                        a.edit,
                        b.source,
                        b.edit,
                        a.fp.quality,
                        b.fp.quality
                    );
                }
            }
        }
    }
    let featureless = items.iter().filter(|i| i.fp.is_featureless(q)).count();
    println!("\n{} files, {featureless} below quality {q}", items.len());
}
