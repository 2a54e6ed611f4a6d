//! Prints hashes of files, for side-by-side runs with reference tools (see
//! `benches/README.md`):
//!
//! ```sh
//! cargo run --release -p damkit-dedup --example hash_files -- blake3 FILE...       # as b3sum --num-threads 1
//! cargo run --release -p damkit-dedup --example hash_files -- phash FILE...        # as imagehash.phash (full decode)
//! cargo run --release -p damkit-dedup --example hash_files -- fingerprint FILE...  # what `damkit dupes` computes
//! cargo run --release -p damkit-dedup --example hash_files -- tree DIR...          # exact duplicates (as fclones group)
//! ```
//!
//! Set `RAYON_NUM_THREADS=1` to measure one core.

use damkit_dedup::decode::{DecodeOptions, load_gray};
use damkit_dedup::exact::{HashOptions, hash_file_with, to_hex};
use damkit_dedup::near::{NearOptions, fingerprint_file};
use damkit_dedup::phash::phash;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let files: Vec<String> = args.collect();
    let t0 = std::time::Instant::now();
    if mode == "tree" {
        let roots: Vec<std::path::PathBuf> = files.iter().map(Into::into).collect();
        let opts = damkit_dedup::tree::ScanOptions::default();
        let (walked, errors) = damkit_dedup::tree::walk(&roots, opts.follow_symlinks);
        let t_walk = t0.elapsed();
        let r = damkit_dedup::tree::group_files(walked, &opts, None);
        let dup_files: usize = r.groups.iter().map(|g| g.files.len()).sum();
        let wasted: u64 = r
            .groups
            .iter()
            .map(|g| g.size * (g.files.len() as u64 - 1))
            .sum();
        println!(
            "{} groups, {dup_files} files, {wasted} redundant bytes, {} errors",
            r.groups.len(),
            errors.len() + r.errors.len()
        );
        eprintln!(
            "{:?}; walk {:.3} s, total {:.3} s",
            r.stats,
            t_walk.as_secs_f64(),
            t0.elapsed().as_secs_f64()
        );
        return;
    }
    for f in &files {
        let p = std::path::Path::new(f);
        let line = match mode.as_str() {
            "blake3" => hash_file_with(p, HashOptions::single_threaded()).map(|h| to_hex(&h)),
            "phash" => {
                load_gray(p, &DecodeOptions::full_size()).map(|g| format!("{:016x}", phash(&g)))
            }
            "fingerprint" => fingerprint_file(p, &NearOptions::default())
                .map(|fp| format!("{:016x} {} q{}", fp.phash, fp.pdq.to_hex(), fp.quality)),
            _ => {
                eprintln!("usage: hash_files blake3|phash|fingerprint FILE... | tree DIR...");
                std::process::exit(2);
            }
        };
        match line {
            Ok(l) => println!("{l}  {f}"),
            Err(e) => eprintln!("{e}"),
        }
    }
    eprintln!(
        "{} files in {:.3} s",
        files.len(),
        t0.elapsed().as_secs_f64()
    );
}
