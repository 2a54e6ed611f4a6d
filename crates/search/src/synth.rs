//! Deterministic synthetic asset records, for benches, tests and demos.
//!
//! [`Generator::record`] returns the same record for the same seed and number on every
//! machine. Records look like a photo library's: titles, captions and keywords drawn with a
//! skewed (Zipf-like) distribution from a 5,000-word vocabulary, 1–2 paths in a 3-level
//! taxonomy of 1,000 leaves, 2,000 creators, 12 makes, 60 models, capture dates over 25
//! years, GPS on 60% of records, ratings, labels, rights summaries, blake3-like content
//! hashes, near-duplicate groups and collections.

use damkit_core::AssetId;
use jiff::Timestamp;

use crate::record::{AssetRecord, GeoPoint, RightsSummary};

/// A deterministic record generator.
#[derive(Debug, Clone)]
pub struct Generator {
    seed: u64,
    vocab: Vec<String>,
}

/// SplitMix64: small, fast, good enough for synthetic data.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    /// Zipf-like: small indexes are much more likely.
    fn skewed(&mut self, n: u64) -> u64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) - 1.0)
            .floor()
            .clamp(0.0, (n - 1) as f64) as u64
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "to", "ne", "su", "vi", "de", "po", "ba", "ri", "an", "el", "or", "un",
    "ta", "me", "sa", "fo", "gu", "hi", "je", "qu", "wy", "xe", "zo", "ch", "st", "br",
];
const COMMON: &[&str] = &[
    "fox", "dog", "cat", "bird", "tree", "forest", "river", "mountain", "city", "street",
    "portrait", "woman", "man", "child", "family", "winter", "summer", "snow", "beach", "sunset",
    "red", "blue", "green", "night", "light", "bridge", "building", "car", "train", "market",
    "food", "coffee", "flower", "garden", "horse", "lake", "boat", "harbour", "festival", "music",
];
const MAKES: &[&str] = &[
    "Canon",
    "Nikon",
    "Sony",
    "Fujifilm",
    "Olympus",
    "Panasonic",
    "Leica",
    "Pentax",
    "Apple",
    "Samsung",
    "Hasselblad",
    "Ricoh",
];
const LABELS: &[&str] = &["Red", "Yellow", "Green", "Blue", "Purple"];
const STATUS: &[&str] = &["draft", "review", "approved", "published", "archived"];
const CHANNELS: &[&str] = &["web", "print", "social", "tv", "any"];
const TERRITORIES: &[&str] = &["world", "FR", "DE", "US", "GB", "JP", "IT", "ES"];
const LANGS: &[&str] = &["en", "en", "en", "en", "de", "fr", "es", "it"];
const FORMATS: &[(&str, &str)] = &[
    ("jpeg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("tiff", "image/tiff"),
    ("png", "image/png"),
    ("cr2", "image/x-canon-cr2"),
    ("nef", "image/x-nikon-nef"),
    ("heic", "image/heic"),
];

impl Generator {
    /// A generator; the same seed gives the same records.
    pub fn new(seed: u64) -> Generator {
        let mut rng = Rng(seed ^ 0x5EED);
        let mut vocab: Vec<String> = COMMON.iter().map(|s| (*s).to_string()).collect();
        while vocab.len() < 5_000 {
            let n = 2 + rng.below(3);
            let w: String = (0..n)
                .map(|_| SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize])
                .collect();
            vocab.push(w);
        }
        Generator { seed, vocab }
    }

    fn words(&self, rng: &mut Rng, n: u64) -> String {
        let mut s = String::new();
        for i in 0..n {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(&self.vocab[rng.skewed(self.vocab.len() as u64) as usize]);
        }
        s
    }

    /// The taxonomy path of leaf `i` (0..1000): `/T3/T3-7/T3-7-1` style names.
    pub fn taxonomy_path(&self, i: u64) -> String {
        let (a, b, c) = (i / 100 % 10, i / 10 % 10, i % 10);
        format!(
            "/{}/{}/{}",
            cap(&self.vocab[40 + a as usize]),
            cap(&self.vocab[60 + (a * 10 + b) as usize]),
            cap(&self.vocab[200 + (a * 100 + b * 10 + c) as usize])
        )
    }

    /// Record number `n`.
    pub fn record(&self, n: u64) -> AssetRecord {
        let mut rng =
            Rng(self.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ n.wrapping_mul(0x9E37_79B9));
        rng.next();
        // A version-7-like id: time-ordered by n, random tail.
        let mut bytes = [0u8; 16];
        let ms = 1_600_000_000_000u64 + n;
        bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
        bytes[6..14].copy_from_slice(&rng.next().to_be_bytes());
        bytes[14..].copy_from_slice(&(rng.next() as u16).to_be_bytes());
        bytes[6] = (bytes[6] & 0x0f) | 0x70;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let mut r = AssetRecord::new(AssetId::from_bytes(bytes));
        let year = 2000 + rng.below(25) as i64;
        let taken_s = (year - 1970) * 31_556_952 + rng.below(31_556_952) as i64;
        let taken = Timestamp::from_second(taken_s).ok();
        r.taken = taken;
        r.created = taken;
        r.modified = taken.and_then(|t| {
            t.checked_add(jiff::SignedDuration::from_hours(rng.below(5000) as i64))
                .ok()
        });
        r.ingested = Timestamp::from_second(1_600_000_000 + (n as i64) * 7).ok();
        r.language = Some(LANGS[rng.below(LANGS.len() as u64) as usize].to_string());
        let title_words = 3 + rng.below(5);
        r.title = Some(cap(&self.words(&mut rng, title_words)));
        if rng.chance(80) {
            let n = 8 + rng.below(15);
            r.description = Some(cap(&self.words(&mut rng, n)) + ".");
        }
        let nk = 3 + rng.below(6);
        r.keywords = (0..nk)
            .map(|_| {
                if rng.chance(20) {
                    self.words(&mut rng, 2)
                } else {
                    self.words(&mut rng, 1)
                }
            })
            .collect();
        let nt = 1 + rng.below(2);
        r.taxonomy_paths = (0..nt)
            .map(|_| self.taxonomy_path(rng.skewed(1000)))
            .collect();
        r.concepts = (0..rng.below(3))
            .map(|_| format!("c{}", rng.skewed(2000)))
            .collect();
        r.creators = vec![format!(
            "{} {}",
            cap(&self.vocab[rng.skewed(300) as usize + 100]),
            cap(&self.vocab[rng.skewed(2000) as usize + 1000])
        )];
        r.credit = Some(format!(
            "{} Agency",
            cap(&self.vocab[rng.skewed(50) as usize + 3000])
        ));
        r.copyright = Some(format!("© {year} {}", r.creators[0]));
        let make = MAKES[rng.skewed(MAKES.len() as u64) as usize];
        r.make = Some(make.to_string());
        r.model = Some(format!(
            "{make} {}{}",
            ["EOS ", "D", "A", "X-T", "E-M"][rng.below(5) as usize],
            rng.below(5) + 1
        ));
        r.lens = Some(format!("{}-{}mm", 10 + rng.below(40), 50 + rng.below(250)));
        let (w, h) = [
            (6000, 4000),
            (4000, 6000),
            (4032, 3024),
            (8256, 5504),
            (1920, 1080),
            (3000, 3000),
        ][rng.below(6) as usize];
        r.width = Some(w);
        r.height = Some(h);
        r.orientation = Some(if rng.chance(85) {
            1
        } else {
            [3, 6, 8][rng.below(3) as usize]
        });
        let (fmt, mime) = FORMATS[rng.below(FORMATS.len() as u64) as usize];
        r.format = Some(fmt.into());
        r.media_type = Some(mime.into());
        r.file_size = Some(500_000 + rng.below(40_000_000));
        r.paths = vec![format!(
            "photos/{year}/{}/{}.{fmt}",
            self.vocab[rng.skewed(100) as usize],
            n
        )];
        if rng.chance(60) {
            r.gps = Some(GeoPoint {
                lat: (rng.below(170_000_000) as f64 / 1e6) - 85.0,
                lon: (rng.below(360_000_000) as f64 / 1e6) - 180.0,
            });
        }
        r.rating = Some(rng.below(7) as i8 - 1);
        if rng.chance(30) {
            r.label = Some(LABELS[rng.below(LABELS.len() as u64) as usize].into());
        }
        let mut rights = RightsSummary::default();
        let nch = 1 + rng.below(3);
        for _ in 0..nch {
            let c = CHANNELS[rng.below(CHANNELS.len() as u64) as usize].to_string();
            if !rights.channels.contains(&c) {
                rights.channels.push(c);
            }
        }
        let nte = 1 + rng.below(2);
        for _ in 0..nte {
            let t = TERRITORIES[rng.skewed(TERRITORIES.len() as u64) as usize].to_string();
            if !rights.territories.contains(&t) {
                rights.territories.push(t);
            }
        }
        if rng.chance(50) {
            let start = Timestamp::from_second((year - 1970) * 31_556_952).ok();
            rights.licence_start = start;
            rights.licence_end = start.and_then(|s| {
                s.checked_add(jiff::SignedDuration::from_hours(
                    24 * 365 * (1 + rng.below(10) as i64),
                ))
                .ok()
            });
        }
        rights.editorial_only = rng.chance(15);
        rights.model_release = rng.chance(40);
        rights.property_release = rng.chance(20);
        r.rights = rights;
        r.content_hash = Some(format!(
            "{:016x}{:016x}{:016x}{:016x}",
            rng.next(),
            rng.next(),
            rng.next(),
            rng.next()
        ));
        if rng.chance(10) {
            r.duplicate_group = Some(format!("g{}", rng.below(n / 10 + 1)));
        }
        r.collections = (0..rng.below(3))
            .map(|_| format!("{} collection", cap(&self.vocab[rng.skewed(200) as usize])))
            .collect();
        r.status = Some(STATUS[rng.skewed(STATUS.len() as u64) as usize].into());
        r
    }

    /// A word of the vocabulary by rank (0 is the most frequent).
    pub fn word(&self, rank: usize) -> &str {
        &self.vocab[rank % self.vocab.len()]
    }
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic() {
        let g = Generator::new(7);
        assert_eq!(g.record(42), Generator::new(7).record(42));
        assert_ne!(g.record(42).id, g.record(43).id);
        let r = g.record(1);
        assert!(r.title.is_some() && !r.keywords.is_empty() && !r.taxonomy_paths.is_empty());
        assert!(r.taxonomy_paths[0].starts_with('/'));
    }
}
