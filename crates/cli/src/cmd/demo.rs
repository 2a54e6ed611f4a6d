//! `damkit demo`: the README's first command. It writes the sample assets bundled in the
//! binary (real photos with metadata, a near-duplicate pair, a small vocabulary) into a
//! folder, creates a library there and walks through the asset lifecycle: ingest (with the
//! per-stage report), search of the embedded metadata (words, fields, a facet, a typo, a date
//! range), duplicates (stored near groups), rights (a library rule and a checked use),
//! an edit, a lifecycle transition and the asset as the catalog holds it.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use damkit::library::{
    Edit, IngestOptions, Library, LibraryConfig, LifecycleStatus, RightsUse, SearchOptions,
    VocabularyConfig,
};

use crate::output::{self, Status};

/// Walk through damkit on bundled sample files: a library built in a temporary folder.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write the samples and the library into this folder (created if missing) and keep it,
    /// instead of a temporary folder removed at the end.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Print JSON on stdout instead of the walkthrough.
    #[arg(long)]
    pub json: bool,
    /// After the library walkthrough, show each capability crate on its own on the same
    /// files (metadata, renditions, duplicates, vocabulary, rights, search).
    #[arg(long)]
    pub crates: bool,
}

/// Each crate's own demo step (`--crates`).
type CrateStep = fn(&Path) -> anyhow::Result<Vec<String>>;
const CRATE_STEPS: [(&str, CrateStep); 7] = [
    (
        "metadata (damkit-metadata)",
        crate::cmd::metadata::demo_step,
    ),
    (
        "renditions (damkit-rendition)",
        crate::cmd::render::demo_step,
    ),
    ("duplicates (damkit-dedup)", crate::cmd::dupes::demo_step),
    ("vocabulary (damkit-taxonomy)", crate::cmd::vocab::demo_step),
    ("rights (damkit-rights)", crate::cmd::rights::demo_step),
    ("search (damkit-search)", crate::cmd::search::demo_step),
    (
        "library ingest again (damkit)",
        crate::cmd::ingest::demo_step,
    ),
];

/// The sample assets, embedded at build time (see `samples/README.md` for sources and
/// licences).
pub const SAMPLES: &[(&str, &[u8])] = &[
    (
        "iptc-reference.jpg",
        include_bytes!("../../samples/iptc-reference.jpg"),
    ),
    (
        "olympus-pen-e-p3.jpg",
        include_bytes!("../../samples/olympus-pen-e-p3.jpg"),
    ),
    ("bridge.jpg", include_bytes!("../../samples/bridge.jpg")),
    (
        "bridge-rotated.jpg",
        include_bytes!("../../samples/bridge-rotated.jpg"),
    ),
    (
        "photoshop-all-metadata.png",
        include_bytes!("../../samples/photoshop-all-metadata.png"),
    ),
    (
        "nikon-d1x.webp",
        include_bytes!("../../samples/nikon-d1x.webp"),
    ),
];

/// The demo library's controlled vocabulary (SKOS Turtle).
pub const VOCABULARY: (&str, &[u8]) = (
    "vocabulary.ttl",
    include_bytes!("../../samples/vocabulary.ttl"),
);

/// Runs `damkit demo`.
pub fn run(args: Args) -> Status {
    match demo(&args) {
        Ok(status) => status,
        Err(e) => output::fatal("demo", &e),
    }
}

/// One step of the walkthrough: a title and what it showed.
#[derive(Debug, serde::Serialize)]
pub struct Step {
    /// Short name (`ingest`, `search`...).
    pub step: &'static str,
    /// What the step does.
    pub title: &'static str,
    /// What it showed, one line each.
    pub lines: Vec<String>,
}

fn demo(args: &Args) -> anyhow::Result<Status> {
    let temp;
    let dir = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
            d.clone()
        }
        None => {
            temp = tempfile::Builder::new().prefix("damkit-demo-").tempdir()?;
            temp.path().to_path_buf()
        }
    };
    if !args.json {
        println!(
            "damkit demo: {} sample assets and a library in {}",
            SAMPLES.len(),
            dir.display()
        );
    }
    let steps = walkthrough(&dir, |step| {
        if !args.json {
            println!();
            println!("{}", step.title);
            for line in &step.lines {
                println!("   {line}");
            }
        }
    })?;
    let mut crate_steps = Vec::new();
    let mut failed = 0;
    if args.crates {
        let samples = dir.join("samples");
        for (name, step) in CRATE_STEPS {
            match step(&samples) {
                Ok(lines) => {
                    if !args.json {
                        println!();
                        println!("{name}");
                        for l in &lines {
                            println!("   {l}");
                        }
                    }
                    crate_steps.push(serde_json::json!({"crate": name, "lines": lines}));
                }
                Err(e) => {
                    failed += 1;
                    output::warn("demo", format_args!("{name}: {e:#}"));
                    crate_steps.push(serde_json::json!({"crate": name, "error": format!("{e:#}")}));
                }
            }
        }
    }
    if args.json {
        output::print_json(&serde_json::json!({
            "dir": dir,
            "steps": steps,
            "crates": crate_steps,
        }))?;
    }
    Ok(Status::from_failures(failed))
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// Writes the samples into `dir/samples`, creates a library in `dir/library` and walks
/// through it; `show` is called after each step.
pub fn walkthrough(dir: &Path, mut show: impl FnMut(&Step)) -> anyhow::Result<Vec<Step>> {
    let samples = dir.join("samples");
    std::fs::create_dir_all(&samples).with_context(|| format!("creating {}", samples.display()))?;
    for (name, bytes) in SAMPLES {
        let path = samples.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    let lib_dir = dir.join("library");
    if lib_dir.exists() {
        std::fs::remove_dir_all(&lib_dir)
            .with_context(|| format!("removing the previous demo library {}", lib_dir.display()))?;
    }
    std::fs::create_dir_all(&lib_dir)?;
    std::fs::write(lib_dir.join(VOCABULARY.0), VOCABULARY.1)?;
    let mut config = LibraryConfig::default();
    config.vocabularies.push(VocabularyConfig {
        name: "demo".into(),
        path: VOCABULARY.0.into(),
        format: None,
    });
    // A library rule: whatever licence an asset carries, it is used on the web and in print
    // in the EU only.
    config.rights.rules.territories = vec!["EU".into()];
    config.rights.rules.channels = vec!["web".into(), "print".into()];
    let lib = Library::create(&lib_dir, config)?;
    let mut steps = Vec::new();
    let mut push = |step: Step| {
        show(&step);
        steps.push(step);
    };

    // 1. Ingest.
    let opts = IngestOptions::default().actor("demo");
    let r = lib.ingest(&[&samples], &opts)?;
    let mut lines = vec![format!(
        "{} files: {} new assets, {} exact duplicates, {} skipped, {} failed, in {:.0} ms",
        r.files_seen,
        r.added.len(),
        r.duplicates.len(),
        r.skipped.len(),
        r.failures.len(),
        r.elapsed_ms
    )];
    let wired: Vec<String> = r
        .stages
        .iter()
        .filter(|s| s.wired)
        .map(|s| format!("{} {:.1} ms", s.name, s.time_ms))
        .collect();
    lines.push(format!("stages: {}", wired.join(", ")));
    let pending: Vec<&str> = r
        .stages
        .iter()
        .filter(|s| !s.wired)
        .map(|s| s.name.as_str())
        .collect();
    if !pending.is_empty() {
        lines.push(format!("not wired into ingest yet: {}", pending.join(", ")));
    }
    for w in r.warnings.iter().take(3) {
        lines.push(format!("warning: {}: {}", name_of(&w.path), w.message));
    }
    let index = lib.index_status()?;
    lines.push(format!(
        "search index: {} records, current with the catalog: {}",
        index.records,
        index.indexed_seq == index.catalog_seq
    ));
    push(Step {
        step: "ingest",
        title: "1. Create a library and ingest the samples (Library::create, Library::ingest)",
        lines,
    });
    let id_of = |name: &str| {
        r.added
            .iter()
            .find(|f| name_of(&f.path) == name)
            .map(|f| f.id)
    };
    let bridge = id_of("bridge.jpg").context("bridge.jpg was not ingested")?;

    // 2. Search.
    let mut lines = Vec::new();
    let mut query = |q: &str, options: SearchOptions| -> anyhow::Result<()> {
        let resp = lib.search(q, &options.limit(10))?;
        let names: Vec<String> = resp
            .hits
            .iter()
            .map(|h| {
                h.record
                    .paths
                    .first()
                    .map(|p| name_of(Path::new(p)))
                    .unwrap_or_else(|| h.id.to_string())
            })
            .collect();
        let mut line = format!("{q:?}: {} hits {names:?}", resp.total);
        for (facet, counts) in &resp.facets {
            let c: Vec<String> = counts
                .iter()
                .map(|c| format!("{}={}", c.value, c.count))
                .collect();
            line.push_str(&format!(", {facet} [{}]", c.join(", ")));
        }
        lines.push(line);
        Ok(())
    };
    // The samples' embedded metadata: IPTC description and keywords, creator, EXIF camera
    // and date taken.
    query("caption", SearchOptions::default())?;
    query("keyword:Keyword2ref2023.2", SearchOptions::default())?;
    query("by:creator1", SearchOptions::default())?;
    query("olympus", SearchOptions::default())?;
    query("", SearchOptions::default().facet("format"))?;
    query("capiton", SearchOptions::default())?;
    query("taken:<2010-01-01", SearchOptions::default())?;
    push(Step {
        step: "search",
        title: "2. Search the embedded metadata: words, fields, a facet, a typo, a date range \
                (Library::search)",
        lines,
    });

    // 3. Duplicates.
    let d = lib.duplicates()?;
    let mut lines = vec![format!(
        "exact duplicates (same bytes): {} groups, {} bytes wasted",
        d.exact.len(),
        d.wasted_bytes
    )];
    for g in d.content.iter().chain(d.near.iter()) {
        let members: Vec<String> = g
            .members
            .iter()
            .map(|m| match m.pdq_distance {
                Some(pdq) => format!(
                    "{} (pHash distance {}, PDQ {pdq})",
                    name_of(&m.path),
                    m.distance
                ),
                None => format!("{} (distance {})", name_of(&m.path), m.distance),
            })
            .collect();
        lines.push(format!("{} group: {}", g.kind, members.join(", ")));
    }
    if d.near.is_empty() {
        lines.push("near duplicates: none found".into());
    }
    if let Some(g) = d.near.first().and_then(|g| g.group.clone()) {
        let resp = lib.search(&format!("group:{g}"), &SearchOptions::default())?;
        lines.push(format!(
            "near groups are stored at ingest and indexed: \"group:{g}\": {} hits",
            resp.total
        ));
    }
    push(Step {
        step: "duplicates",
        title: "3. Duplicates (Library::duplicates)",
        lines,
    });

    // 4. Rights.
    let mut lines = Vec::new();
    let report = lib.rights_report(30)?;
    lines.push(format!(
        "{} assets carry a rights policy, {} none; {} alerts within 30 days",
        report.with_rights,
        report.without_rights,
        report.alerts.len()
    ));
    for a in &report.alerts {
        lines.push(format!(
            "{}: {} ({})",
            a.title.clone().unwrap_or_else(|| a.id.to_string()),
            a.status,
            a.reason
        ));
    }
    for summary in lib.assets()? {
        let view = lib.asset(&summary.id)?;
        if let Some(source) = &view.rights_source {
            lines.push(format!(
                "{}: rights from {source}{}",
                name_of(&summary.path),
                view.rights_expires_at
                    .as_deref()
                    .map(|e| format!(", licence ends {e}"))
                    .unwrap_or_default()
            ));
        }
    }
    push(Step {
        step: "rights",
        title: "4. Rights check (Library::rights_report)",
        lines,
    });

    // 5. Edit.
    let edits: Vec<Edit> = [
        "title=Bridge over the river at dusk",
        "keywords+=bridge",
        "keywords+=river",
    ]
    .iter()
    .map(|s| s.parse())
    .collect::<Result<_, _>>()?;
    let e = lib.edit(&bridge, &edits, "demo")?;
    let changed: Vec<&str> = e.changes.iter().map(|c| c.field.as_str()).collect();
    let mut lines = vec![format!(
        "bridge.jpg: changed {} (written back into the file: {})",
        changed.join(", "),
        e.written_to_file
    )];
    for q in ["dusk", "brdige", "keyword:river", "structures"] {
        let resp = lib.search(q, &SearchOptions::default())?;
        lines.push(format!(
            "search {q:?}: {} hit{}",
            resp.total,
            if resp.total == 1 { "" } else { "s" }
        ));
    }
    push(Step {
        step: "edit",
        title: "5. Edit the title and keywords; the index follows (Library::edit)",
        lines,
    });

    // 6. Lifecycle.
    let before = lib
        .search("", &SearchOptions::default().distributable(true))?
        .total;
    lib.set_status(&bridge, LifecycleStatus::InReview, "demo")?;
    lib.set_status(&bridge, LifecycleStatus::Approved, "demo")?;
    let after = lib
        .search("", &SearchOptions::default().distributable(true))?
        .total;
    let mut lines = vec![
        "bridge.jpg: draft -> in_review -> approved".to_string(),
        format!("distributable assets: {before} before, {after} after"),
    ];
    // A concrete use, checked against the lifecycle and every rights layer.
    for (channel, territory) in [("web", "DE"), ("social", "US")] {
        let c = lib.check_use(
            &bridge,
            &RightsUse::distribute()
                .channel(channel)
                .territory(territory),
        )?;
        lines.push(format!(
            "distribute on {channel} in {territory}: {}{}",
            if c.allowed { "allowed" } else { "not allowed" },
            c.reasons
                .first()
                .map(|r| format!(" ({})", r.split(':').next().unwrap_or(r)))
                .unwrap_or_default()
        ));
    }
    push(Step {
        step: "lifecycle",
        title: "6. Review and approve (Library::set_status); only approved assets are \
                distributable, within the rights (Library::check_use)",
        lines,
    });

    // 7. Show.
    let a = lib.asset(&bridge)?;
    let kw: Vec<&str> = a.keywords.iter().map(|k| k.keyword.as_str()).collect();
    let rec = lib.indexed_record(&bridge)?;
    let mut lines = vec![
        format!("{}  {}", a.id, a.title.as_deref().unwrap_or("")),
        format!(
            "status {}, distributable {}, keywords {kw:?}, {} version(s), {} file(s)",
            a.status,
            a.distributable,
            a.versions.len(),
            a.files.len()
        ),
    ];
    if let Some(rec) = rec {
        lines.push(format!(
            "indexed as: format {}, {} bytes, taxonomy {:?}",
            rec.format.as_deref().unwrap_or("?"),
            rec.file_size.unwrap_or(0),
            rec.taxonomy_paths
        ));
    }
    lines.push(format!("audit trail: {} entries", a.audit.len()));
    for entry in a.audit.iter().rev().take(3).rev() {
        lines.push(format!(
            "  {} {} {}",
            entry.actor, entry.action, entry.detail
        ));
    }
    push(Step {
        step: "show",
        title: "7. The asset as the catalog holds it (Library::asset)",
        lines,
    });
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walkthrough_runs_on_the_bundled_samples() {
        let dir = tempfile::tempdir().unwrap();
        let steps = walkthrough(dir.path(), |_| {}).unwrap();
        let all = |name: &str| {
            steps
                .iter()
                .find(|s| s.step == name)
                .unwrap()
                .lines
                .join("\n")
        };
        let names: Vec<&str> = steps.iter().map(|s| s.step).collect();
        assert_eq!(
            names,
            [
                "ingest",
                "search",
                "duplicates",
                "rights",
                "edit",
                "lifecycle",
                "show"
            ]
        );
        assert!(
            all("ingest").contains("6 files: 6 new assets"),
            "{}",
            all("ingest")
        );
        assert!(all("ingest").contains("current with the catalog: true"));
        let search = all("search");
        for q in [
            "\"caption\": 1 hits [\"iptc-reference.jpg\"]",
            "\"keyword:Keyword2ref2023.2\": 1 hits [\"iptc-reference.jpg\"]",
            "\"by:creator1\": 1 hits [\"iptc-reference.jpg\"]",
            "\"olympus\": 1 hits [\"olympus-pen-e-p3.jpg\"]",
            "\"capiton\": 1 hits [\"iptc-reference.jpg\"]",
            "\"taken:<2010-01-01\": 1 hits [\"nikon-d1x.webp\"]",
        ] {
            assert!(search.contains(q), "{q} in {search}");
        }
        assert!(!search.contains("path:"), "{search}");
        assert!(search.contains("format [jpeg=4"), "{search}");
        let dupes = all("duplicates");
        assert!(
            dupes.contains("near group: bridge")
                && dupes.contains("bridge-rotated.jpg")
                && dupes.contains("bridge.jpg"),
            "the rotated bridge is a near duplicate: {dupes}"
        );
        assert!(dupes.contains("\": 2 hits"), "group search: {dupes}");
        let lifecycle = all("lifecycle");
        assert!(
            lifecycle.contains("on web in DE: allowed")
                && lifecycle.contains("on social in US: not allowed"),
            "{lifecycle}"
        );
        let edit = all("edit");
        assert!(edit.contains("changed title, keywords"), "{edit}");
        assert!(edit.contains("\"dusk\": 1 hit"), "{edit}");
        assert!(edit.contains("\"brdige\": 1 hit"), "typo: {edit}");
        assert!(edit.contains("\"keyword:river\": 1 hit"), "{edit}");
        assert!(all("lifecycle").contains("0 before, 1 after"));
        assert!(all("show").contains("status approved"), "{}", all("show"));
        // Running it again in the same folder starts from a fresh library.
        walkthrough(dir.path(), |_| {}).unwrap();
    }
}
