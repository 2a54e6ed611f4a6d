//! Exact, metadata-blind and perceptual duplicate detection for digital asset management.
//!
//! Three levels, each answering a different question:
//!
//! | level | question | how | module |
//! |---|---|---|---|
//! | exact | same bytes? | streaming blake3 (memory-mapped, multi-threaded for huge files); a tree finder: size → hard links → first/last 4 KiB → full hash, in parallel, with a persistable cache | [`exact`], [`tree`] |
//! | content | same image, other metadata? | blake3 over the payload only (JPEG without APPn/COM, PNG without text/eXIf/tIME chunks, TIFF strips/tiles, WebP VP8/VP8L/ALPH) | [`content`] |
//! | near | same picture, edited? | pHash-64 (imagehash-compatible), dHash-64, PDQ-256 with quality; the 8 rotations/flips from the DCT; centre and corner crops; a quality gate; a Hamming index | [`phash`], [`pdq`], [`near`], [`index`] |
//!
//! [`finder::find_duplicates`] runs all three over folders, and is what `damkit dupes`
//! prints.
//!
//! ```
//! use damkit_dedup::finder::{find_duplicates, FindOptions, GroupKind};
//! # let dir = tempfile::tempdir()?;
//! # let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/samples");
//! // A photo, a byte-identical copy, and the photo turned 90°.
//! std::fs::copy(samples.join("bridge.jpg"), dir.path().join("a.jpg"))?;
//! std::fs::copy(samples.join("bridge.jpg"), dir.path().join("b.jpg"))?;
//! std::fs::copy(samples.join("bridge-rotated.jpg"), dir.path().join("c.jpg"))?;
//! let report = find_duplicates(&[dir.path().to_path_buf()], &FindOptions::default(), None);
//! assert!(report.errors.is_empty());
//! let kinds: Vec<GroupKind> = report.groups.iter().map(|g| g.kind).collect();
//! assert_eq!(kinds, vec![GroupKind::Exact, GroupKind::Near]);
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Perceptual hashes
//!
//! | hash | bits | matches | notes |
//! |---|---|---|---|
//! | [`phash::phash`] | 64 | Python imagehash's `phash` bit for bit on the same pixels | Pillow-exact Lanczos to 32×32 ([`resample`]), DCT-II, median of the 8×8 |
//! | [`phash::dhash`] | 64 | imagehash's `dhash` | 9×8 Lanczos, left/right gradient |
//! | [`pdq::pdq`] | 256 + quality | Meta's reference within a few bits | Jarosz filter, 64×64, DCT 16×16 |
//!
//! Decoding ([`decode`]) enforces [`damkit_core::Limits`] before allocating, applies the
//! EXIF orientation, and decodes JPEGs at 1/2, 1/4 or 1/8 size in the DCT domain (decoding
//! is the bottleneck, not hashing). Every downscale is anti-aliased.
//!
//! ## Safety
//!
//! The crate denies `unsafe_code` except in one place: memory-mapping files for hashing
//! ([`exact::hash_file_with`]), with its reasoning in a `SAFETY` comment.
#![deny(missing_docs)]

pub mod content;
pub mod decode;
pub mod error;
pub mod exact;
pub mod finder;
pub mod index;
pub mod near;
pub mod pdq;
pub mod phash;
pub mod resample;
pub mod tree;

pub use error::{DedupError, Result};
