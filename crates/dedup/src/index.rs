//! A Hamming-distance index over fixed-width hashes: exact radius search by brute-force
//! popcount or multi-index hashing (chosen automatically), a self-join into duplicate
//! groups (union-find) with distances, and a similarity score.
//!
//! Hashes are `[u64; W]`: `W = 1` for pHash/dHash-64, `W = 4` for PDQ-256.
//!
//! **Multi-index hashing** (Norouzi, Punjani and Fleet, 2012): the `64 W` bits are cut into
//! `4 W` chunks of 16 bits, each with its own table from chunk value to ids. If two hashes
//! are within distance `r`, then by the pigeonhole principle one of their chunks is within
//! `⌊r / 4W⌋`; so a search looks up, in every table, the chunk values within that smaller
//! radius, and checks the full distance of the candidates found. The search is exact: it
//! returns the same matches as a brute-force scan.
//!
//! Memory: the tables hold, per chunk, a `u32` id and the hash's first 64 bits for every
//! hash (12 bytes × 4W per hash: 48 bytes for a 64-bit hash, 192 for PDQ), bought for
//! sequential bucket scans.

use rayon::prelude::*;

/// Indexes smaller than this are searched by brute force (a linear popcount scan over a
/// few thousand hashes is faster than any table).
pub const MIH_MIN_LEN: usize = 8192;
/// The largest per-chunk radius enumerated (C(16, ≤3) = 697 keys per chunk); beyond it the
/// search is brute force.
const MAX_CHUNK_RADIUS: u32 = 3;

/// How an index searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Strategy {
    /// Multi-index hashing when the index is large and the radius small enough for it to
    /// pay, else brute force (the default).
    Auto,
    /// Always a linear popcount scan.
    BruteForce,
    /// Multi-index tables whenever the radius allows (brute force beyond).
    MultiIndex,
}

/// A match: the id (position in the indexed list) and its Hamming distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Match {
    /// Hamming distance to the query.
    pub distance: u32,
    /// Position of the hash in the index.
    pub id: u32,
}

/// Hamming distance of two fixed-width hashes.
#[inline]
pub fn hamming<const W: usize>(a: &[u64; W], b: &[u64; W]) -> u32 {
    let mut d = 0;
    for i in 0..W {
        d += (a[i] ^ b[i]).count_ones();
    }
    d
}

/// A similarity in [0, 1] from a distance over `bits` bits: 1.0 only for identical hashes
/// (distance 0), 0.0 for complementary ones.
pub fn similarity(distance: u32, bits: u32) -> f64 {
    if distance == 0 {
        1.0
    } else {
        // Never rounds to 1.0: distance >= 1 gives at most 1 - 1/bits.
        1.0 - f64::from(distance.min(bits)) / f64::from(bits.max(1))
    }
}

struct Table {
    /// `offsets[k]..offsets[k + 1]` are the ids whose chunk equals `k`.
    offsets: Vec<u32>,
    ids: Vec<u32>,
    /// The first 64 bits of each hash, in `ids` order: a bucket is scanned sequentially
    /// and most candidates are rejected without touching the hash array (for 64-bit
    /// hashes this is the whole hash).
    first: Vec<u64>,
}

/// A Hamming-distance index over hashes of `64 * W` bits.
///
/// ```
/// use damkit_dedup::index::HashIndex;
/// let idx = HashIndex::new(vec![[0b1011u64], [0b1000], [u64::MAX]]);
/// let m = idx.search(&[0b1001], 1);
/// assert_eq!(m.iter().map(|m| m.id).collect::<Vec<_>>(), vec![0, 1]);
/// let groups = idx.groups(2);
/// assert_eq!(groups.len(), 1);
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct HashIndex<const W: usize> {
    hashes: Vec<[u64; W]>,
    tables: Option<Vec<Table>>,
    strategy: Strategy,
}

impl<const W: usize> std::fmt::Debug for HashIndex<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashIndex")
            .field("bits", &(64 * W))
            .field("len", &self.hashes.len())
            .field("multi_index", &self.tables.is_some())
            .finish()
    }
}

#[inline]
fn chunk<const W: usize>(h: &[u64; W], c: usize) -> usize {
    ((h[c / 4] >> (16 * (c % 4))) & 0xFFFF) as usize
}

fn binom16(s: u32) -> usize {
    [1usize, 16, 120, 560][s as usize]
}

impl<const W: usize> HashIndex<W> {
    /// An index with the automatic strategy.
    pub fn new(hashes: Vec<[u64; W]>) -> Self {
        Self::with_strategy(hashes, Strategy::Auto)
    }

    /// An index with a chosen strategy. Multi-index tables are built for `MultiIndex`, and
    /// for `Auto` when there are at least [`MIH_MIN_LEN`] hashes. At most `u32::MAX`
    /// hashes.
    pub fn with_strategy(hashes: Vec<[u64; W]>, strategy: Strategy) -> Self {
        let build = match strategy {
            Strategy::BruteForce => false,
            Strategy::MultiIndex => true,
            Strategy::Auto => hashes.len() >= MIH_MIN_LEN,
        };
        let tables = build.then(|| {
            (0..4 * W)
                .into_par_iter()
                .map(|c| {
                    let mut offsets = vec![0u32; 65537];
                    for h in &hashes {
                        offsets[chunk(h, c) + 1] += 1;
                    }
                    for k in 0..65536 {
                        offsets[k + 1] += offsets[k];
                    }
                    let mut fill = offsets.clone();
                    let mut ids = vec![0u32; hashes.len()];
                    let mut first = vec![0u64; hashes.len()];
                    for (i, h) in hashes.iter().enumerate() {
                        let k = chunk(h, c);
                        ids[fill[k] as usize] = i as u32;
                        first[fill[k] as usize] = h[0];
                        fill[k] += 1;
                    }
                    Table {
                        offsets,
                        ids,
                        first,
                    }
                })
                .collect()
        });
        HashIndex {
            hashes,
            tables,
            strategy,
        }
    }

    /// Number of hashes.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The hash with id `id`.
    pub fn get(&self, id: u32) -> Option<&[u64; W]> {
        self.hashes.get(id as usize)
    }

    /// Whether a search at `radius` would use the multi-index tables.
    pub fn uses_multi_index(&self, radius: u32) -> bool {
        let Some(_) = self.tables else {
            return false;
        };
        let m = 4 * W as u32;
        let s = radius / m;
        if s > MAX_CHUNK_RADIUS {
            return false;
        }
        if self.strategy == Strategy::MultiIndex {
            return true;
        }
        // Expected candidates for uniformly spread hashes, plus the lookups themselves.
        let lookups = m as usize * (0..=s).map(binom16).sum::<usize>();
        let expected = lookups.saturating_mul(self.hashes.len() / 65536 + 1);
        expected + lookups < self.hashes.len() / 2
    }

    /// Every hash within `radius` of `query`, nearest first (ties by id). Exact.
    pub fn search(&self, query: &[u64; W], radius: u32) -> Vec<Match> {
        if self.uses_multi_index(radius) {
            self.search_mih(query, radius)
        } else {
            self.search_brute(query, radius)
        }
    }

    /// Linear popcount scan.
    pub fn search_brute(&self, query: &[u64; W], radius: u32) -> Vec<Match> {
        let mut out: Vec<Match> = self
            .hashes
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                let d = hamming(h, query);
                (d <= radius).then_some(Match {
                    distance: d,
                    id: i as u32,
                })
            })
            .collect();
        out.sort_unstable();
        out
    }

    fn search_mih(&self, query: &[u64; W], radius: u32) -> Vec<Match> {
        let Some(tables) = &self.tables else {
            return self.search_brute(query, radius);
        };
        let s = radius / (4 * W as u32);
        let mut out = Vec::new();
        let q0 = query[0];
        let mut visit = |t: &Table, key: usize| {
            let (a, b) = (t.offsets[key] as usize, t.offsets[key + 1] as usize);
            for (k, &w) in t.first[a..b].iter().enumerate() {
                let d0 = (w ^ q0).count_ones();
                if d0 > radius {
                    continue;
                }
                let id = t.ids[a + k];
                let d = if W == 1 {
                    d0
                } else {
                    hamming(&self.hashes[id as usize], query)
                };
                if d <= radius {
                    out.push(Match { distance: d, id });
                }
            }
        };
        for (c, t) in tables.iter().enumerate() {
            let q = chunk(query, c);
            visit(t, q);
            if s >= 1 {
                for i in 0..16 {
                    let k1 = q ^ (1 << i);
                    visit(t, k1);
                    if s >= 2 {
                        for j in i + 1..16 {
                            let k2 = k1 ^ (1 << j);
                            visit(t, k2);
                            if s >= 3 {
                                for k in j + 1..16 {
                                    visit(t, k2 ^ (1 << k));
                                }
                            }
                        }
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every pair `(a, b, distance)` with `a < b` within `radius`, in parallel.
    pub fn self_join(&self, radius: u32) -> Vec<(u32, u32, u32)> {
        let mut pairs: Vec<(u32, u32, u32)> = (0..self.hashes.len())
            .into_par_iter()
            .flat_map_iter(|i| {
                self.search(&self.hashes[i], radius)
                    .into_iter()
                    .filter(move |m| m.id as usize > i)
                    .map(move |m| (i as u32, m.id, m.distance))
            })
            .collect();
        pairs.sort_unstable();
        pairs
    }

    /// Duplicate groups at `radius`: connected components of the self-join (union-find),
    /// each a list of `(id, distance to the group's first id)`, groups of two or more only.
    pub fn groups(&self, radius: u32) -> Vec<Vec<(u32, u32)>> {
        let pairs = self.self_join(radius);
        let comps = union_find_groups(self.hashes.len(), pairs.iter().map(|&(a, b, _)| (a, b)));
        comps
            .into_iter()
            .map(|ids| {
                let first = self.hashes[ids[0] as usize];
                ids.iter()
                    .map(|&id| (id, hamming(&first, &self.hashes[id as usize])))
                    .collect()
            })
            .collect()
    }
}

/// Connected components of `n` items joined by `pairs`, components of two or more, each
/// sorted, ordered by their first item.
pub fn union_find_groups(n: usize, pairs: impl IntoIterator<Item = (u32, u32)>) -> Vec<Vec<u32>> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            let next = p[x as usize];
            p[x as usize] = p[next as usize];
            x = next;
        }
        x
    }
    for (a, b) in pairs {
        if a as usize >= n || b as usize >= n {
            continue;
        }
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            parent[hi as usize] = lo;
        }
    }
    let mut by_root: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
    for i in 0..n as u32 {
        let r = find(&mut parent, i);
        by_root.entry(r).or_default().push(i);
    }
    by_root.into_values().filter(|v| v.len() >= 2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    fn near<const W: usize>(h: &[u64; W], flips: u32, seed: &mut u64) -> [u64; W] {
        let mut o = *h;
        for _ in 0..flips {
            let b = (rng(seed) % (64 * W as u64)) as usize;
            o[b / 64] ^= 1 << (b % 64);
        }
        o
    }

    fn check<const W: usize>(n: usize, radius: u32) {
        let mut seed = 0x9E3779B97F4A7C15u64;
        let mut hashes: Vec<[u64; W]> = (0..n)
            .map(|_| std::array::from_fn(|_| rng(&mut seed)))
            .collect();
        // Plant near neighbours at every distance up to radius + 2.
        let base = hashes[0];
        for d in 0..radius + 3 {
            hashes.push(near(&base, d, &mut seed));
        }
        let brute = HashIndex::with_strategy(hashes.clone(), Strategy::BruteForce);
        let mih = HashIndex::with_strategy(hashes, Strategy::MultiIndex);
        assert!(mih.uses_multi_index(radius));
        for q in 0..20u32 {
            let query = near(brute.get(q).unwrap(), q % 5, &mut seed);
            assert_eq!(brute.search(&query, radius), mih.search(&query, radius));
        }
        let m = mih.search(&base, radius);
        assert!(m.len() >= 2 && m.iter().all(|m| m.distance <= radius));
    }

    #[test]
    fn mih_equals_brute_force() {
        check::<1>(20_000, 8);
        check::<1>(5_000, 11);
        check::<4>(5_000, 31);
        check::<4>(3_000, 63);
    }

    #[test]
    fn auto_picks_brute_force_for_small_sets_and_wide_radii() {
        let small = HashIndex::new(vec![[1u64]; 10]);
        assert!(!small.uses_multi_index(8));
        let hashes: Vec<[u64; 1]> = (0..100_000u64)
            .map(|i| [i.wrapping_mul(0x9E3779B97F4A7C15)])
            .collect();
        let big = HashIndex::new(hashes);
        assert!(big.uses_multi_index(8));
        assert!(!big.uses_multi_index(20));
    }

    #[test]
    fn groups_and_similarity() {
        let idx = HashIndex::new(vec![[0u64], [1], [3], [u64::MAX], [u64::MAX - 1]]);
        let g = idx.groups(1);
        assert_eq!(g, vec![vec![(0, 0), (1, 1), (2, 2)], vec![(3, 0), (4, 1)]]);
        assert_eq!(similarity(0, 64), 1.0);
        assert!(similarity(1, 64) < 1.0);
        assert_eq!(similarity(64, 64), 0.0);
        assert!(similarity(1, 256) < 1.0);
    }
}
