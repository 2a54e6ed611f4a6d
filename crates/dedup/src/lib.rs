//! Exact, metadata-blind and perceptual duplicate detection.
#![deny(missing_docs)]

pub mod content;
pub mod error;
pub mod exact;
pub mod tree;

pub use error::{DedupError, Result};
pub mod decode;
pub mod finder;
pub mod index;
pub mod near;
pub mod pdq;
pub mod phash;
pub mod resample;
