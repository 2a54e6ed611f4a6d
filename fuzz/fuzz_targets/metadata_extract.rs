#![no_main]
//! Packet extraction per container: the first byte picks the container, the rest is the file.

use damkit_core::MediaType;
use damkit_metadata::ReadLimits;
use damkit_metadata::container::extract_blocks;
use libfuzzer_sys::fuzz_target;

const KINDS: &[MediaType] = &[
    MediaType::Jpeg,
    MediaType::Png,
    MediaType::Tiff,
    MediaType::WebP,
    MediaType::Heic,
    MediaType::Avif,
    MediaType::Gif,
    MediaType::Psd,
];

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else { return };
    let kind = KINDS[usize::from(k) % KINDS.len()];
    let limits = ReadLimits::default();
    let _ = extract_blocks(rest, kind, &limits, false);
    let _ = extract_blocks(rest, kind, &limits, true);
});
