//! Near-duplicate groups stored in the catalog (`near_groups`), kept current by ingest.
//!
//! A group is a connected component of damkit-dedup's near-duplicate relation over the
//! current versions of all assets (pHash within the threshold over rotations, flips and
//! crops, confirmed by PDQ; featureless images left out: exactly `damkit_dedup::near::
//! near_pairs`). Its id is the smallest asset id among its members, so the same catalog
//! always gives the same ids (a rebuilt index and a recomputation agree). Assets without a
//! look-alike have no row.
//!
//! Ingest updates the groups in the transaction of each batch: the components around the
//! assets the batch added or gave a new version (and around the groups those assets were in,
//! which may split) are recomputed against every current fingerprint, looked up in a Hamming
//! index ([`NearIndex`]: multi-index hashing over the pHashes and their variants, built once
//! per batch) rather than compared one by one; every asset whose group
//! changed gets an audit entry (`near_group`), which also tells the search index to update
//! it. A catalog of an older format has its groups computed once when it is opened.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use damkit_dedup::index::HashIndex;
use damkit_dedup::near::{Fingerprint, NearOptions};
use rusqlite::{Connection, params};

use super::audit_insert;
use super::stages::hashes::{fingerprint_from, near_options};

/// Fingerprints read from the catalog, by (version row id, BLAKE3): a version's hashes never
/// change once committed, and the BLAKE3 guards against a row id reused after a rollback.
pub(crate) type FingerprintCache = HashMap<(i64, String), Option<Arc<Fingerprint>>>;

const KINDS: &str = "('phash', 'dhash', 'pdq', 'pdq_quality', 'phash_variants', 'pdq_variants')";

/// The current fingerprint of every asset (`None`: no perceptual hashes), by asset id.
fn current_fingerprints(
    conn: &Connection,
    cache: &mut FingerprintCache,
) -> rusqlite::Result<BTreeMap<String, Option<Arc<Fingerprint>>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, v.id, v.blake3 FROM assets a JOIN versions v ON v.id = a.current_version",
    )?;
    let rows: Vec<(String, i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut h = conn.prepare_cached(&format!(
        "SELECT kind, value FROM hashes WHERE version_id = ?1 AND kind IN {KINDS}"
    ))?;
    let mut out = BTreeMap::new();
    for (asset, vid, blake3) in rows {
        let key = (vid, blake3);
        let fp = match cache.get(&key) {
            Some(fp) => fp.clone(),
            None => {
                let hashes: BTreeMap<String, String> = h
                    .query_map([vid], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                let fp = fingerprint_from(&hashes).map(Arc::new);
                cache.insert(key, fp.clone());
                fp
            }
        };
        out.insert(asset, fp);
    }
    Ok(out)
}

/// Whether two images are near duplicates (the relation of `damkit_dedup::near::near_pairs`).
pub(crate) fn is_near(a: &Fingerprint, b: &Fingerprint, opts: &NearOptions) -> bool {
    if a.is_featureless(opts.min_quality) || b.is_featureless(opts.min_quality) {
        return false;
    }
    a.distance(b) <= opts.threshold
        && (opts.pdq_threshold >= 256 || a.pdq_distance(b) <= opts.pdq_threshold)
}

/// A Hamming index (damkit-dedup's [`HashIndex`], multi-index hashing) over the pHash and
/// every pHash variant of each eligible fingerprint, so the component search looks up the
/// fingerprints that can be near an asset instead of measuring its distance to all of them.
///
/// Exact: [`Fingerprint::distance`] is the smallest of `|a.phash ^ b.phash|`,
/// `|v ^ b.phash|` over `a`'s variants and `|w ^ a.phash|` over `b`'s variants; each term is
/// a lookup of one of `a`'s hashes (its pHash or a variant) among the indexed hashes of `b`
/// (its pHash or a variant). So every `b` within the threshold is among the candidates, which
/// [`is_near`] then checks (PDQ confirmation, quality) exactly as before.
pub(crate) struct NearIndex {
    index: HashIndex<1>,
    /// Indexed hash → position of its fingerprint in the eligible list.
    owner: Vec<u32>,
}

impl NearIndex {
    pub(crate) fn new<K>(eligible: &[(K, &Fingerprint)]) -> NearIndex {
        let mut hashes = Vec::new();
        let mut owner = Vec::new();
        for (i, (_, fp)) in eligible.iter().enumerate() {
            for h in std::iter::once(fp.phash).chain(fp.phash_variants.iter().copied()) {
                hashes.push([h]);
                owner.push(i as u32);
            }
        }
        NearIndex {
            index: HashIndex::new(hashes),
            owner,
        }
    }

    /// Positions (in the eligible list) of every fingerprint whose pHash distance to `fp`
    /// may be within `threshold`, ascending.
    pub(crate) fn candidates(&self, fp: &Fingerprint, threshold: u32) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        for q in std::iter::once(fp.phash).chain(fp.phash_variants.iter().copied()) {
            for m in self.index.search(&[q], threshold) {
                out.insert(self.owner[m.id as usize] as usize);
            }
        }
        out
    }
}

fn stored_groups(conn: &Connection) -> rusqlite::Result<HashMap<String, String>> {
    let mut stmt = conn.prepare_cached("SELECT asset_id, group_id FROM near_groups")?;
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// Writes the new group of each asset in `new` where it differs from `old`, with an audit
/// entry; returns the assets whose group changed.
fn write_groups(
    conn: &Connection,
    old: &HashMap<String, String>,
    new: &BTreeMap<String, Option<String>>,
    actor: &str,
) -> rusqlite::Result<Vec<damkit_core::AssetId>> {
    let mut changed = Vec::new();
    for (asset, group) in new {
        let before = old.get(asset);
        if before == group.as_ref() {
            continue;
        }
        match group {
            Some(g) => conn
                .prepare_cached(
                    "INSERT INTO near_groups (asset_id, group_id) VALUES (?1, ?2)
                     ON CONFLICT(asset_id) DO UPDATE SET group_id = ?2",
                )?
                .execute(params![asset, g])?,
            None => conn
                .prepare_cached("DELETE FROM near_groups WHERE asset_id = ?1")?
                .execute([asset])?,
        };
        let Ok(id) = asset.parse::<damkit_core::AssetId>() else {
            continue;
        };
        audit_insert(
            conn,
            actor,
            Some(&id),
            "near_group",
            &serde_json::json!({ "from": before, "to": group }),
        )?;
        changed.push(id);
    }
    Ok(changed)
}

/// Recomputes the groups around `seeds` (assets added or given a new version) and stores
/// them; returns every asset whose group changed.
pub(crate) fn update_groups(
    conn: &Connection,
    cache: &mut FingerprintCache,
    seeds: &[damkit_core::AssetId],
    actor: &str,
) -> rusqlite::Result<Vec<damkit_core::AssetId>> {
    if seeds.is_empty() {
        return Ok(Vec::new());
    }
    let opts = near_options();
    let fps = current_fingerprints(conn, cache)?;
    let old = stored_groups(conn)?;
    // The seeds, and the members of the groups they were in (which may split).
    let mut start: BTreeSet<String> = seeds.iter().map(ToString::to_string).collect();
    let old_groups: BTreeSet<&String> = start.iter().filter_map(|s| old.get(s)).collect();
    for (asset, g) in &old {
        if old_groups.contains(g) {
            start.insert(asset.clone());
        }
    }
    let eligible: Vec<(&String, &Fingerprint)> = fps
        .iter()
        .filter_map(|(a, fp)| fp.as_deref().map(|fp| (a, fp)))
        .filter(|(_, fp)| !fp.is_featureless(opts.min_quality))
        .collect();
    let index = NearIndex::new(&eligible);
    let mut new: BTreeMap<String, Option<String>> = BTreeMap::new();
    for s in &start {
        if new.contains_key(s) {
            continue;
        }
        // Breadth-first over the near relation: the whole component of `s`.
        let mut component = BTreeSet::from([s.clone()]);
        let mut queue = VecDeque::from([s.clone()]);
        while let Some(x) = queue.pop_front() {
            let Some(Some(fx)) = fps.get(&x) else {
                continue;
            };
            for k in index.candidates(fx, opts.threshold) {
                let (y, fy) = eligible[k];
                if !component.contains(y) && is_near(fx, fy, &opts) {
                    component.insert(y.clone());
                    queue.push_back(y.clone());
                }
            }
        }
        let group = (component.len() > 1).then(|| component.iter().next().cloned());
        for m in &component {
            new.insert(m.clone(), group.clone().flatten());
        }
    }
    write_groups(conn, &old, &new, actor)
}

/// [`update_groups`] for a batch that only added assets (no asset's fingerprint changed or
/// went away). Adding nodes to the near relation only merges components, so the new groups
/// are the added assets joined with the groups (or ungrouped assets) they are near: one index
/// lookup per added asset, not a search from every member of every group it touches (which
/// is quadratic in the size of the groups). Gives the groups [`update_groups`] gives.
pub(crate) fn add_to_groups(
    conn: &Connection,
    cache: &mut FingerprintCache,
    added: &[damkit_core::AssetId],
    actor: &str,
) -> rusqlite::Result<Vec<damkit_core::AssetId>> {
    if added.is_empty() {
        return Ok(Vec::new());
    }
    let fps = current_fingerprints(conn, cache)?;
    let old = stored_groups(conn)?;
    let seeds: Vec<String> = added.iter().map(ToString::to_string).collect();
    if seeds.iter().any(|s| old.contains_key(s)) {
        // Not a new asset after all: the general update.
        return update_groups(conn, cache, added, actor);
    }
    let new = merge_added(&fps, &old, &seeds, &near_options());
    write_groups(conn, &old, &new, actor)
}

/// The groups of the assets `seeds` (not in any group of `old`) joined to the current
/// groups `old` (asset -> group id): for every changed or new membership, asset -> group.
fn merge_added(
    fps: &BTreeMap<String, Option<Arc<Fingerprint>>>,
    old: &HashMap<String, String>,
    seeds: &[String],
    opts: &NearOptions,
) -> BTreeMap<String, Option<String>> {
    // Assets with identical fingerprints (the same pixels: exact copies, or files that differ
    // only in metadata) are one *class*: the index holds each distinct fingerprint once, and
    // a seed near a class is joined to every asset of it. The work per seed is then bounded by
    // the distinct pictures near it, not by how many copies of them the library holds (a
    // seed near 1,000 copies of one picture would otherwise enumerate 1,000 x its variants).
    let mut class_of: HashMap<&Fingerprint, usize> = HashMap::new();
    let mut distinct: Vec<(usize, &Fingerprint)> = Vec::new();
    let mut members: Vec<Vec<&String>> = Vec::new();
    for (a, fp) in fps {
        let Some(fp) = fp.as_deref() else { continue };
        if fp.is_featureless(opts.min_quality) {
            continue;
        }
        let c = *class_of.entry(fp).or_insert_with(|| {
            distinct.push((distinct.len(), fp));
            members.push(Vec::new());
            distinct.len() - 1
        });
        members[c].push(a);
    }
    let index = NearIndex::new(&distinct);
    // Union-find over nodes: an old group stands for all its members (node `g:ID`), a class
    // for its assets (node `c:N`), an asset in no group for itself.
    let node = |a: &String| match old.get(a) {
        Some(g) => format!("g:{g}"),
        None => a.clone(),
    };
    let mut parent: HashMap<String, String> = HashMap::new();
    fn find(parent: &mut HashMap<String, String>, x: &str) -> String {
        let mut root = x.to_string();
        while let Some(p) = parent.get(&root).filter(|p| **p != root) {
            root = p.clone();
        }
        // Path compression.
        let mut cur = x.to_string();
        while cur != root {
            let next = parent
                .insert(cur.clone(), root.clone())
                .unwrap_or_else(|| root.clone());
            cur = next;
        }
        root
    }
    fn union(parent: &mut HashMap<String, String>, a: &str, b: &str) {
        parent.entry(a.to_string()).or_insert_with(|| a.to_string());
        parent.entry(b.to_string()).or_insert_with(|| b.to_string());
        let (ra, rb) = (find(parent, a), find(parent, b));
        if ra != rb {
            parent.insert(ra, rb);
        }
    }
    let mut joined = vec![false; distinct.len()];
    for s in seeds {
        parent.entry(s.clone()).or_insert_with(|| s.clone());
        let Some(Some(fs)) = fps.get(s) else {
            continue;
        };
        for k in index.candidates(fs, opts.threshold) {
            let (c, fc) = distinct[k];
            if !is_near(fs, fc, opts) {
                continue;
            }
            let class_node = format!("c:{c}");
            union(&mut parent, s, &class_node);
            if !joined[c] {
                // Once per class and batch: the class node joins every asset of the class.
                joined[c] = true;
                for m in &members[c] {
                    union(&mut parent, &class_node, &node(m));
                }
            }
        }
    }
    let mut by_group: HashMap<&str, Vec<&String>> = HashMap::new();
    for (a, g) in old {
        by_group.entry(g.as_str()).or_default().push(a);
    }
    let keys: Vec<String> = parent.keys().cloned().collect();
    let mut components: HashMap<String, BTreeSet<String>> = HashMap::new();
    for k in keys {
        let root = find(&mut parent, &k);
        let members = components.entry(root).or_default();
        if k.starts_with("c:") {
            // A class node: its assets are nodes of their own.
            continue;
        }
        match k.strip_prefix("g:") {
            Some(g) => members.extend(by_group.get(g).into_iter().flatten().map(|a| (*a).clone())),
            None => {
                members.insert(k);
            }
        }
    }
    let mut new = BTreeMap::new();
    for members in components.values() {
        let group = (members.len() > 1)
            .then(|| members.iter().next().cloned())
            .flatten();
        for m in members {
            new.insert(m.clone(), group.clone());
        }
    }
    new
}

/// Recomputes every group from scratch (a catalog migrated from format 1, or a repair);
/// returns the assets whose group changed.
pub(crate) fn recompute_all(
    conn: &Connection,
    cache: &mut FingerprintCache,
    actor: &str,
) -> rusqlite::Result<Vec<damkit_core::AssetId>> {
    let opts = near_options();
    let fps = current_fingerprints(conn, cache)?;
    let old = stored_groups(conn)?;
    let (ids, list): (Vec<&String>, Vec<Fingerprint>) = fps
        .iter()
        .filter_map(|(a, fp)| fp.as_deref().map(|fp| (a, fp.clone())))
        .unzip();
    let mut new: BTreeMap<String, Option<String>> = BTreeMap::new();
    for a in fps.keys().chain(old.keys()) {
        new.insert(a.clone(), None);
    }
    for g in damkit_dedup::near::near_groups(&list, &opts) {
        if g.len() < 2 {
            continue;
        }
        let gid = g.iter().map(|(i, _)| ids[*i]).min().cloned();
        for (i, _) in g {
            new.insert(ids[i].clone(), gid.clone());
        }
    }
    write_groups(conn, &old, &new, actor)
}

#[cfg(test)]
mod tests {
    use crate::library::{IngestOptions, Library, LibraryConfig};

    /// A fingerprint whose PDQ hashes follow its pHashes; featureless (quality 10) or not.
    fn synthetic(
        phash: u64,
        variants: Vec<u64>,
        dhash: u64,
        featureless: bool,
    ) -> damkit_dedup::near::Fingerprint {
        let pdq_of = |h: u64| damkit_dedup::pdq::Pdq([h, h, h, !h]);
        damkit_dedup::near::Fingerprint {
            phash,
            dhash,
            pdq: pdq_of(phash),
            quality: if featureless { 10 } else { 100 },
            pdq_variants: variants.iter().map(|&v| pdq_of(v)).collect(),
            phash_variants: variants,
        }
    }

    /// A xorshift64 generator: reproducible fingerprints for the tests below.
    fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    /// The index finds exactly the near neighbours brute force finds, on 3,000 generated
    /// fingerprints in clusters (members a few bits apart, variants far or near), so the
    /// components, and the stored groups, are the same.
    #[test]
    fn the_index_finds_the_neighbours_brute_force_finds() {
        use super::{NearIndex, is_near, near_options};
        use damkit_dedup::near::Fingerprint;
        let mut rnd = xorshift(0x9E37_79B9_7F4A_7C15);
        let flip = |h: u64, bits: u32, rnd: &mut dyn FnMut() -> u64| {
            let mut h = h;
            for _ in 0..bits {
                h ^= 1 << (rnd() % 64);
            }
            h
        };
        let mut fps = Vec::new();
        for _ in 0..600 {
            let base = rnd();
            for _ in 0..5 {
                let n = (rnd() % 14) as u32;
                let phash = flip(base, n, &mut rnd);
                // variants: some a rotation far away, some close to another cluster member
                let mut variants = vec![phash];
                for k in 0..7 {
                    let v = if k == 0 {
                        flip(base, (rnd() % 12) as u32, &mut rnd)
                    } else {
                        rnd()
                    };
                    variants.push(v);
                }
                let dhash = rnd();
                fps.push(synthetic(phash, variants, dhash, rnd().is_multiple_of(50)));
            }
        }
        let opts = near_options();
        let eligible: Vec<(usize, &Fingerprint)> = fps
            .iter()
            .enumerate()
            .filter(|(_, fp)| !fp.is_featureless(opts.min_quality))
            .collect();
        let index = NearIndex::new(&eligible);
        let mut pairs = 0;
        for (_, x) in &eligible {
            let brute: Vec<usize> = (0..eligible.len())
                .filter(|&k| is_near(x, eligible[k].1, &opts))
                .collect();
            let indexed: Vec<usize> = index
                .candidates(x, opts.threshold)
                .into_iter()
                .filter(|&k| is_near(x, eligible[k].1, &opts))
                .collect();
            assert_eq!(brute, indexed);
            pairs += brute.len();
        }
        // the generated clusters do produce near pairs beyond each image itself
        assert!(pairs > eligible.len() * 2, "{pairs}");
    }

    /// Adding assets batch by batch with [`merge_added`] gives exactly the groups of the
    /// near relation over all of them (damkit-dedup's `near_groups`, as `recompute_all`),
    /// on clusters of generated fingerprints including large groups and featureless images.
    #[test]
    fn adding_batches_gives_the_groups_of_a_recomputation() {
        use super::{Arc, BTreeMap, HashMap, merge_added, near_options};
        use damkit_dedup::near::Fingerprint;
        let mut rnd = xorshift(0x2545_F491_4F6C_DD1D);
        let mut fps: Vec<Fingerprint> = Vec::new();
        // 40 clusters of 1 to 60 members (a few bits apart; some members' variants near
        // another cluster, joining them), a quarter of them exact copies, in shuffled order.
        let bases: Vec<u64> = (0..40).map(|_| rnd()).collect();
        for _ in 0..1200 {
            // Exact copies (identical fingerprints: the same pixels) of earlier ones.
            if !fps.is_empty() && rnd().is_multiple_of(4) {
                let k = (rnd() % fps.len() as u64) as usize;
                fps.push(fps[k].clone());
                continue;
            }
            let c = (rnd() % 40) as usize;
            if rnd() % 60 < (c as u64 % 60) {
                continue;
            }
            let mut phash = bases[c];
            for _ in 0..rnd() % 12 {
                phash ^= 1 << (rnd() % 64);
            }
            let mut variants = vec![phash];
            for _ in 0..7 {
                variants.push(if rnd().is_multiple_of(40) {
                    bases[(rnd() % 40) as usize]
                } else {
                    rnd()
                });
            }
            let dhash = rnd();
            fps.push(synthetic(phash, variants, dhash, rnd().is_multiple_of(50)));
        }
        let opts = near_options();
        let ids: Vec<String> = (0..fps.len()).map(|i| format!("a{i:05}")).collect();
        let mut current: BTreeMap<String, Option<Arc<Fingerprint>>> = BTreeMap::new();
        let mut groups: HashMap<String, String> = HashMap::new();
        let mut start = 0;
        for size in [1, 7, 128, 300, 64, 1, 500, 100000] {
            let end = (start + size).min(fps.len());
            for i in start..end {
                // Every tenth asset has no perceptual hashes.
                let fp = (i % 10 != 3).then(|| Arc::new(fps[i].clone()));
                current.insert(ids[i].clone(), fp);
            }
            let new = merge_added(&current, &groups, &ids[start..end], &opts);
            for (a, g) in new {
                match g {
                    Some(g) => groups.insert(a, g),
                    None => groups.remove(&a),
                };
            }
            start = end;
        }
        assert_eq!(start, fps.len());
        // The reference: the groups of the whole relation.
        let (list_ids, list): (Vec<&String>, Vec<Fingerprint>) = current
            .iter()
            .filter_map(|(a, fp)| fp.as_deref().map(|fp| (a, fp.clone())))
            .unzip();
        let mut want: HashMap<String, String> = HashMap::new();
        for g in damkit_dedup::near::near_groups(&list, &opts) {
            if g.len() < 2 {
                continue;
            }
            let gid = g.iter().map(|(i, _)| list_ids[*i]).min().unwrap().clone();
            for (i, _) in g {
                want.insert(list_ids[i].clone(), gid.clone());
            }
        }
        assert!(want.len() > 100, "{}", want.len());
        let mut sizes: HashMap<&String, usize> = HashMap::new();
        for g in want.values() {
            *sizes.entry(g).or_default() += 1;
        }
        assert!(sizes.values().any(|&n| n >= 30), "a large group: {sizes:?}");
        assert_eq!(groups, want);
    }

    /// A catalog migrated from format 1 (groups missing, the stale flag set) gets the same
    /// groups on open as ingest stored incrementally.
    #[test]
    fn recomputing_on_open_gives_the_groups_ingest_stored() {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir(&src).unwrap();
        for f in ["bridge.jpg", "bridge-rotated.jpg", "iptc-reference.jpg"] {
            std::fs::copy(data.join(f), src.join(f)).unwrap();
        }
        let mut config = LibraryConfig::default();
        config.renditions.retain(|p| p.name == "thumb");
        config.ingest.batch_size = 1;
        let lib = Library::create(dir.path().join("lib"), config).unwrap();
        lib.ingest(&[&src], &IngestOptions::default().threads(1))
            .unwrap();
        let read = |lib: &Library| -> Vec<(String, String)> {
            let cat = lib.lock();
            let mut st = cat
                .conn
                .prepare("SELECT asset_id, group_id FROM near_groups ORDER BY asset_id")
                .unwrap();
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let stored = read(&lib);
        assert_eq!(stored.len(), 2, "{stored:?}");
        {
            let cat = lib.lock();
            cat.conn
                .execute_batch(
                    "DELETE FROM near_groups;
                     INSERT INTO library (key, value) VALUES ('near_groups_stale', '1');",
                )
                .unwrap();
        }
        drop(lib);
        let lib = Library::open(dir.path().join("lib")).unwrap();
        assert_eq!(read(&lib), stored);
    }
}
