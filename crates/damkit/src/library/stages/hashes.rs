//! The content-hash and perceptual-hash stages (damkit-dedup), and reading the stored
//! fingerprints back for near-duplicate grouping.

use std::collections::BTreeMap;

use damkit_core::{Limits, MediaFamily};
use damkit_dedup::content::content_hash;
use damkit_dedup::decode::{DecodeOptions, decode_luma, load_luma};
use damkit_dedup::exact::to_hex;
use damkit_dedup::near::{Fingerprint, NearOptions};
use damkit_dedup::pdq::Pdq;

use crate::library::stage::{AssetStage, StageInput, StageOutput};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The metadata-blind content hash (`hashes.kind = content`).
pub(crate) struct ContentHashStage;

impl AssetStage for ContentHashStage {
    fn name(&self) -> &str {
        "content_hash"
    }

    fn process(&self, input: &StageInput<'_>, out: &mut StageOutput) -> Result<(), BoxError> {
        if input.metadata_only {
            return Ok(());
        }
        // The bytes the renditions stage read (or read here, once, for both).
        let bytes = input.bytes(&Limits::default())?;
        let ch = content_hash(bytes).map_err(|e| e.in_file(input.content))?;
        out.hashes.push(("content".into(), to_hex(&ch.hash)));
        Ok(())
    }
}

/// Perceptual hashes: pHash-64, dHash-64, PDQ-256 with its quality, and the pHash and PDQ
/// of the rotations, flips and crops the near-duplicate search matches.
pub(crate) struct PerceptualStage {
    opts: NearOptions,
}

impl PerceptualStage {
    pub(crate) fn new() -> PerceptualStage {
        PerceptualStage {
            opts: NearOptions::default(),
        }
    }
}

/// The options the library's near-duplicate search uses (those of `damkit dupes`).
pub(crate) fn near_options() -> NearOptions {
    NearOptions::default()
}

impl AssetStage for PerceptualStage {
    fn name(&self) -> &str {
        "perceptual_hash"
    }

    fn process(&self, input: &StageInput<'_>, out: &mut StageOutput) -> Result<(), BoxError> {
        if input.metadata_only {
            return Ok(());
        }
        match input.media_type {
            Some(mt) if mt.family() == MediaFamily::Raster => {}
            // A RAW with renditions (from its embedded preview): hashed from them.
            Some(mt) if mt.family() == MediaFamily::Raw && !out.renditions.is_empty() => {}
            _ => return Ok(()),
        }
        // The smallest rendition is upright, in sRGB and already decoded once by the
        // renditions stage: decoding it costs a fraction of decoding the original again.
        let smallest = out
            .renditions
            .iter()
            .filter(|r| r.width.max(r.height) >= 64)
            .min_by_key(|r| r.width.max(r.height));
        let (luma, source) = match smallest {
            Some(r) => {
                let bytes = std::fs::read(input.library.join(&r.path))
                    .map_err(|e| format!("reading rendition {}: {e}", r.path))?;
                let opts = DecodeOptions {
                    jpeg_min_side: None,
                    apply_orientation: false,
                    ..DecodeOptions::default()
                };
                (
                    decode_luma(&bytes, &opts)?,
                    format!("rendition:{}", r.preset),
                )
            }
            None => (
                load_luma(input.content, &self.opts.decode)?,
                "original".to_string(),
            ),
        };
        let fp = Fingerprint::of(&luma, &self.opts);
        let hex64 = |v: u64| format!("{v:016x}");
        out.hashes.extend([
            ("phash".to_string(), hex64(fp.phash)),
            ("dhash".to_string(), hex64(fp.dhash)),
            ("pdq".to_string(), fp.pdq.to_hex()),
            ("pdq_quality".to_string(), fp.quality.to_string()),
            (
                "phash_variants".to_string(),
                fp.phash_variants.iter().map(|v| hex64(*v)).collect(),
            ),
            (
                "pdq_variants".to_string(),
                fp.pdq_variants.iter().map(Pdq::to_hex).collect(),
            ),
            ("perceptual_source".to_string(), source),
        ]);
        Ok(())
    }
}

/// Rebuilds a fingerprint from the stored hashes of a version; `None` when they are missing
/// or malformed.
pub(crate) fn fingerprint_from(hashes: &BTreeMap<String, String>) -> Option<Fingerprint> {
    let u64_of = |s: &str| u64::from_str_radix(s, 16).ok();
    let chunks = |s: &str, n: usize| -> Option<Vec<String>> {
        if !s.len().is_multiple_of(n) || !s.is_ascii() {
            return None;
        }
        Some(
            s.as_bytes()
                .chunks(n)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect(),
        )
    };
    let phash = u64_of(hashes.get("phash")?)?;
    let dhash = u64_of(hashes.get("dhash")?)?;
    let pdq = Pdq::from_hex(hashes.get("pdq")?)?;
    let quality: u8 = hashes.get("pdq_quality")?.parse().ok()?;
    let phash_variants = chunks(hashes.get("phash_variants")?, 16)?
        .iter()
        .map(|c| u64_of(c))
        .collect::<Option<Vec<_>>>()?;
    let pdq_variants = chunks(hashes.get("pdq_variants")?, 64)?
        .iter()
        .map(|c| Pdq::from_hex(c))
        .collect::<Option<Vec<_>>>()?;
    Some(Fingerprint {
        phash,
        dhash,
        pdq,
        quality,
        phash_variants,
        pdq_variants,
    })
}
