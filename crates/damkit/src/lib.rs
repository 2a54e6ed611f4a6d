//! damkit: digital asset management building blocks.
//!
//! This facade re-exports the damkit crates behind features (all on by default) so that an
//! application depends on one crate:
//!
//! | module | crate | feature | what it does |
//! |---|---|---|---|
//! | [`core`] | `damkit-core` | always | asset ids, media-type detection, limits |
#![cfg_attr(
    feature = "library",
    doc = "| [`library`] | (this crate) | `library` | the library folder: catalog, ingest, versions, lifecycle, audit |"
)]
#![cfg_attr(
    feature = "metadata",
    doc = "| [`metadata`] | `damkit-metadata` | `metadata` | EXIF, IPTC-IIM, XMP: read, reconcile, write |"
)]
#![cfg_attr(
    feature = "rendition",
    doc = "| [`rendition`] | `damkit-rendition` | `rendition` | thumbnails and derivatives |"
)]
#![cfg_attr(
    feature = "dedup",
    doc = "| [`dedup`] | `damkit-dedup` | `dedup` | exact and near-duplicate detection |"
)]
#![cfg_attr(
    feature = "taxonomy",
    doc = "| [`taxonomy`] | `damkit-taxonomy` | `taxonomy` | controlled vocabularies |"
)]
#![cfg_attr(
    feature = "rights",
    doc = "| [`rights`] | `damkit-rights` | `rights` | ODRL rights evaluation |"
)]
#![cfg_attr(
    feature = "search",
    doc = "| [`search`] | `damkit-search` | `search` | asset search index |"
)]
//!
//! Library users should start from `default-features = false` and enable what they use:
//!
//! ```toml
//! [dependencies]
//! damkit = { version = "0.1", default-features = false, features = ["metadata", "dedup"] }
//! ```
//!
//! Optional, off by default: `turbojpeg` decodes JPEGs for renditions (and so for ingest)
//! with the system's libjpeg-turbo (`damkit-rendition/turbojpeg`, found with pkg-config),
//! about twice as fast as the pure-Rust decoder.
//!
//! See `crate-status.md` in the repository for what each crate implements today.
//!
//! # Example
//!
//! ```
//! use damkit::{MediaType, AssetId};
//!
//! let id = AssetId::new();
//! assert_eq!(MediaType::detect(b"\xff\xd8\xff\xdb"), Some(MediaType::Jpeg));
//! println!("asset {id}");
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use damkit_core as core;

#[cfg(feature = "library")]
pub mod library;
pub use damkit_core::{AssetId, Limits, MediaFamily, MediaType};
#[cfg(feature = "library")]
pub use library::{
    IngestOptions, IngestReport, Library, LibraryConfig, LibraryError, LifecycleStatus,
};

#[cfg(feature = "dedup")]
pub use damkit_dedup as dedup;
#[cfg(feature = "metadata")]
pub use damkit_metadata as metadata;
#[cfg(feature = "rendition")]
pub use damkit_rendition as rendition;
#[cfg(feature = "rights")]
pub use damkit_rights as rights;
#[cfg(feature = "search")]
pub use damkit_search as search;
#[cfg(feature = "taxonomy")]
pub use damkit_taxonomy as taxonomy;
