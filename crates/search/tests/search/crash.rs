//! Killing a writer mid-batch loses only uncommitted work.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use damkit_search::synth::Generator;
use damkit_search::{IndexerOptions, SearchIndex, SearchRequest};

const BATCH: u64 = 2_000;
const ENV: &str = "DAMKIT_SEARCH_CRASH_DIR";

/// The child: indexes batches forever, committing after each and saying so. Does nothing
/// unless started by `killed_writer_leaves_every_committed_record`.
#[test]
fn crash_child_writer() {
    let Ok(dir) = std::env::var(ENV) else { return };
    let index = SearchIndex::open_or_create(&dir).unwrap();
    let mut w = index.indexer(IndexerOptions::default().threads(1)).unwrap();
    let g = Generator::new(11);
    for b in 0..10_000 {
        for i in 0..BATCH {
            w.upsert(&g.record(b * BATCH + i)).unwrap();
        }
        w.commit().unwrap();
        println!("committed {b}");
    }
}

#[test]
fn killed_writer_leaves_every_committed_record() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args([
            "crash::crash_child_writer",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut committed = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(b) = line.strip_prefix("committed ") {
            let b: u64 = b.trim().parse().unwrap();
            committed = Some(b);
            if b >= 3 {
                break;
            }
        }
    }
    // Now mid-way through the next batch (or its commit).
    std::thread::sleep(std::time::Duration::from_millis(30));
    child.kill().unwrap();
    child.wait().unwrap();
    let last = committed.expect("the child committed");

    let index = SearchIndex::open(dir.path()).unwrap();
    let n = index.num_records();
    assert!(
        n >= (last + 1) * BATCH,
        "{n} records, {} committed",
        (last + 1) * BATCH
    );
    assert_eq!(n % BATCH, 0, "a partial batch is visible: {n}");
    let g = Generator::new(11);
    let searcher_total = index
        .search(&SearchRequest::new("").limit(0))
        .unwrap()
        .total;
    assert_eq!(searcher_total, n);
    for k in (0..(last + 1) * BATCH).step_by(97) {
        let r = g.record(k);
        let got = index
            .get(r.id)
            .unwrap()
            .unwrap_or_else(|| panic!("record {k} lost"));
        assert_eq!(got, r);
    }
    // The lock died with the process: the index can be written again.
    let mut w = index.indexer(IndexerOptions::default().threads(1)).unwrap();
    w.upsert(&g.record(10_000_000)).unwrap();
    w.commit().unwrap();
    assert_eq!(index.num_records(), n + 1);
}
