//! Reads every file under a folder (all three families: EXIF, IPTC-IIM, XMP, plus MWG) and
//! prints files per second: the damkit side of the speed comparison with `exiv2 -pa` and
//! `exiftool -j -G1 -n -struct -r` (see `benches/README.md`).
//!
//! ```text
//! cargo run --release -p damkit-metadata --example readall -- ../shared/data/metadata [--json] [--threads N]
//! ```
//!
//! Files are read in parallel over all cores (rayon); `--threads 1` gives the one-core
//! figure. The JSON array keeps the sorted file order whatever the thread count.
//! `READALL_TIMES=1` prints each file's read time and warning count on stderr.

use std::time::Instant;

use damkit_metadata::{ReadOptions, read_path};
use rayon::prelude::*;

fn main() {
    let mut dir = None;
    let (mut json, mut threads) = (false, 0usize);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--json" => json = true,
            "--threads" => {
                threads = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--threads N");
            }
            _ => dir = Some(a),
        }
    }
    let dir = dir.expect("usage: readall DIR [--json] [--threads N]");
    let mut files = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable folder").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_none_or(|x| x != "json" && x != "err") {
                files.push(p);
            }
        }
    }
    files.sort();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let times = std::env::var_os("READALL_TIMES").is_some();
    let start = Instant::now();
    let results: Vec<Option<(usize, Option<serde_json::Value>)>> = pool.install(|| {
        files
            .par_iter()
            .map(|f| {
                let t0 = Instant::now();
                let r = read_path(f, &ReadOptions::default());
                if times {
                    let w = r.as_ref().map_or(0, |m| m.warnings.len());
                    eprintln!(
                        "{:>8} us {w} warnings {}",
                        t0.elapsed().as_micros(),
                        f.display()
                    );
                }
                r.ok()
                    .map(|md| (md.tags.len(), json.then(|| md.to_exiftool_json())))
            })
            .collect()
    });
    let ok = results.iter().flatten().count();
    let tags: usize = results.iter().flatten().map(|r| r.0).sum();
    if json {
        let out: Vec<serde_json::Value> =
            results.into_iter().flatten().filter_map(|r| r.1).collect();
        println!("{}", serde_json::to_string(&out).unwrap_or_default());
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{} files ({ok} read, {tags} tags) in {:.3} s on {} threads: {:.0} files/s",
        files.len(),
        secs,
        pool.current_num_threads(),
        files.len() as f64 / secs
    );
}
