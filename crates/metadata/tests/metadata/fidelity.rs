//! Agreement with ExifTool over the bundled files (and the shared folder when present).

use damkit_metadata::agreement::{Report, load_exiftool_json};
use damkit_metadata::{ReadOptions, read_path};

fn run(dir: &std::path::Path) -> Report {
    let g1 = load_exiftool_json(&dir.join("exiftool-G1.json")).unwrap();
    let mwg = load_exiftool_json(&dir.join("exiftool-mwg.json")).unwrap();
    let mut report = Report::default();
    for (file, theirs) in &g1 {
        let md = read_path(dir.join(file), &ReadOptions::default()).unwrap();
        report.add(theirs, &md.to_exiftool_json(), mwg.get(file));
    }
    report
}

#[test]
fn bundled_files_agree_with_exiftool() {
    let report = run(&crate::data(""));
    println!("{}", report.table());
    for d in &report.differences {
        println!(
            "{} {} exiftool={} ours={:?}",
            d.file, d.key, d.exiftool, d.ours
        );
    }
    let t = report.total();
    assert!(t.exiftool_keys > 400, "{t:?}");
    assert!(t.covered_pct() >= 99.0, "covered {:.2}%", t.covered_pct());
    assert!(t.equal_pct() >= 99.0, "equal {:.2}%", t.equal_pct());
    assert_eq!(
        report.mwg.equal, report.mwg.exiftool_keys,
        "every MWG value agrees"
    );
}

#[test]
fn shared_folder_agrees_with_exiftool() {
    let Some(dir) = crate::shared() else {
        println!("note: ../shared/data/metadata absent; skipping the full agreement run");
        return;
    };
    let g1 = load_exiftool_json(&dir.join("exiftool-G1.json")).unwrap();
    let mwg = load_exiftool_json(&dir.join("exiftool-mwg.json")).unwrap();
    let mut report = Report::default();
    for (file, theirs) in &g1 {
        let ours = read_path(dir.join(file), &ReadOptions::default())
            .map(|m| m.to_exiftool_json())
            .unwrap_or_else(|_| serde_json::json!({}));
        report.add(theirs, &ours, mwg.get(file));
    }
    println!("{}", report.table());
    let t = report.total();
    assert!(t.covered_pct() >= 99.0, "covered {:.2}%", t.covered_pct());
    assert!(t.equal_pct() >= 99.0, "equal {:.2}%", t.equal_pct());
    // 3 MWG values differ on damaged TIFFs where ExifTool's choice is arguably wrong
    // (see the crate docs, "Where ExifTool is wrong").
    assert!(
        report.mwg.equal + 3 >= report.mwg.exiftool_keys,
        "{:?}",
        report.mwg
    );
}
