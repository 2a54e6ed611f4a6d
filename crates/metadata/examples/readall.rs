//! Reads every file under a folder (all three families: EXIF, IPTC-IIM, XMP, plus MWG) and
//! prints files per second: the damkit side of the speed comparison with `exiv2 -pa` and
//! `exiftool -j -G1 -n -struct -r` (see `benches/README.md`).
//!
//! ```text
//! cargo run --release -p damkit-metadata --example readall -- ../shared/data/metadata [--json]
//! ```

use std::time::Instant;

use damkit_metadata::{ReadOptions, read_path};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: readall DIR [--json]");
    let json = args.next().as_deref() == Some("--json");
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
    let start = Instant::now();
    let (mut ok, mut tags) = (0usize, 0usize);
    let mut out = Vec::new();
    for f in &files {
        if let Ok(md) = read_path(f, &ReadOptions::default()) {
            ok += 1;
            tags += md.tags.len();
            if json {
                out.push(md.to_exiftool_json());
            }
        }
    }
    if json {
        println!("{}", serde_json::to_string(&out).unwrap_or_default());
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{} files ({ok} read, {tags} tags) in {:.3} s: {:.0} files/s",
        files.len(),
        secs,
        files.len() as f64 / secs
    );
}
