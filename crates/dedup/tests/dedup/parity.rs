//! pHash/dHash against Python imagehash, PDQ against Meta's reference hashes.

use damkit_dedup::decode::{DecodeOptions, Dihedral, decode_luma, load_gray, load_luma};
use damkit_dedup::near::{Fingerprint, NearOptions};
use damkit_dedup::pdq::{Pdq, PdqDct, pdq, pdq_luma};
use damkit_dedup::phash::{PhashDct, dhash, distance64, phash};

use crate::{data, sample};

/// imagehash 4.3.2 on Pillow 13 (see tests/data/imagehash_expected.py).
fn imagehash_table() -> Vec<(String, u64, u64)> {
    let csv = std::fs::read_to_string(data("imagehash.csv")).unwrap();
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].to_string(),
                u64::from_str_radix(f[1], 16).unwrap(),
                u64::from_str_radix(f[2], 16).unwrap(),
            )
        })
        .collect()
}

#[test]
fn phash_and_dhash_match_imagehash() {
    let opts = DecodeOptions::full_size();
    let mut report = Vec::new();
    for (name, want_p, want_d) in imagehash_table() {
        let img = load_gray(&data(&name), &opts).unwrap();
        let (p, d) = (phash(&img), dhash(&img));
        let (dp, dd) = (distance64(p, want_p), distance64(d, want_d));
        report.push(format!("{name}: phash {p:016x} (want {want_p:016x}, {dp}) dhash {d:016x} (want {want_d:016x}, {dd})"));
        // Lossless formats decode to the same pixels as Pillow: bit for bit. JPEG decoders
        // differ in IDCT and chroma upsampling by a level here and there: a small tolerance.
        let lossless = name.ends_with(".png")
            || name.ends_with(".tif")
            || name.ends_with(".webp") && !name.starts_with("meta-");
        let tol = if lossless { 0 } else { 4 };
        assert!(dp <= tol && dd <= tol + 2, "{}", report.join("\n"));
    }
    eprintln!("{}", report.join("\n"));
}

/// Expected PDQ hashes from ThreatExchange's `pdq_test.py` (Meta's reference).
const PDQ_EXPECTED: &[(&str, &str)] = &[
    (
        "small.jpg",
        "0007001f003f003f007f00ff00ff00ff01ff01ff01ff03ff03ff03ff03ff03ff",
    ),
    (
        "wee.jpg",
        "6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d",
    ),
    (
        "q0003.jpg",
        "54a977c221d14c1c43ba5e6e21d4a13989a3553f1462611cbb85fda7be83b677",
    ),
    (
        "q0004.jpg",
        "992d44af36d69e6ca6b812585928bac11def254ef5398c6d07466c9abcc65b92",
    ),
    (
        "q0122.jpg",
        "cfb2009ddd21c6dab0046a7745b5984757a8a4535b3377aea2591d32b33ff940",
    ),
    (
        "q0291.jpg",
        "a0fe94f1e5cc1cc8dd855948498dc9243f7ca27336f036d7f212b74bc103c9a7",
    ),
    (
        "q0746.jpg",
        "1049d96239e24d4dca2c55512b8bdb77425f4dbcf575a0a95555aaab5554aaaa",
    ),
    (
        "q1050.jpg",
        "489db672e9190276d452aeab41eba20f02375fe4092d88defdf491a5c55c5f70",
    ),
    (
        "q2821.jpg",
        "b150231ffae4710ffcf4f18bb574b109a576f14bb8543189f8743289f174b109",
    ),
];
const BRIDGE: &str = "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22";
/// The reference hashes of the bridge's 8 rotations and flips (files bridge-1 … bridge-8).
const BRIDGE_DIH: &[(Dihedral, &str)] = &[
    (Dihedral::Identity, BRIDGE),
    // The reference's "rotate-90" is counter-clockwise, "flipx" mirrors about the x axis.
    (
        Dihedral::Rotate270,
        "38a50efd71c83f429013d68d0ffffc52e34e0e15ada952a9d29684214aa9e5af",
    ),
    (
        Dihedral::Rotate180,
        "2dadda64b5a142e5d362209057da895ae63b8c7fc277b4b766b319361f893188",
    ),
    (
        Dihedral::Rotate90,
        "a5f0a457248995e8c9065c275aaa54d8b61ba4bdf8fcfc0387c32f8b0bfc4f05",
    ),
    (
        Dihedral::FlipVertical,
        "d8f80f31e0f417b00e37f5dd028f980fb36ed12a9662c1e233e64c634e9c64dd",
    ),
    (
        Dihedral::FlipHorizontal,
        "0dad259bb1a1bd18d362576556da32a1e63b7380c2374b4866b3c6c91b89ce77",
    ),
    (
        Dihedral::Transpose,
        "f0a5e10271dcc0bd9c5309720fff018de34ef1e8ada9a956d2967ade1ea91a50",
    ),
    (
        Dihedral::Transverse,
        "69f05aa8a4996a17c146a2da5aaaab07b61b5b60f8fc07fc83c3d0740bfcb0fa",
    ),
];

#[test]
fn pdq_matches_meta_reference_within_10_bits() {
    let opts = DecodeOptions::full_size();
    let mut report = Vec::new();
    let mut worst = 0;
    for (name, want) in PDQ_EXPECTED {
        let img = load_luma(&data(name), &opts).unwrap();
        let got = pdq_luma(&img);
        let d = got.hash.distance(&Pdq::from_hex(want).unwrap());
        worst = worst.max(d);
        report.push(format!(
            "{name}: {} q{} ({d} bits)",
            got.hash.to_hex(),
            got.quality
        ));
    }
    let img = load_luma(&sample("bridge.jpg"), &opts).unwrap();
    let got = pdq_luma(&img);
    let d = got.hash.distance(&Pdq::from_hex(BRIDGE).unwrap());
    worst = worst.max(d);
    report.push(format!(
        "bridge.jpg: {} q{} ({d} bits)",
        got.hash.to_hex(),
        got.quality
    ));
    eprintln!("{}", report.join("\n"));
    assert!(worst <= 10, "{}", report.join("\n"));
}

#[test]
fn pdq_dihedral_from_the_dct_matches_the_reference_rotations() {
    let img = load_luma(&sample("bridge.jpg"), &DecodeOptions::full_size()).unwrap();
    let dct = PdqDct::of_luma(&img);
    let mut report = Vec::new();
    let mut worst = 0;
    for (t, want) in BRIDGE_DIH {
        let got = dct.transformed(*t).hash().hash;
        let d = got.distance(&Pdq::from_hex(want).unwrap());
        worst = worst.max(d);
        report.push(format!("{t:?}: {d} bits"));
    }
    eprintln!("{}", report.join("\n"));
    assert!(worst <= 16, "{}", report.join("\n"));
    // And the real rotated file, decoded, hashes near the reference rotation.
    let rot = load_gray(&sample("bridge-rotated.jpg"), &DecodeOptions::full_size()).unwrap();
    let d = pdq(&rot)
        .hash
        .distance(&Pdq::from_hex(BRIDGE_DIH[1].1).unwrap());
    let via = dct.transformed(Dihedral::Rotate270).hash().hash;
    assert!(
        via.distance(&pdq(&rot).hash) <= 12,
        "dct rotation vs decoded rotation"
    );
    assert!(d <= 10, "rotated file: {d} bits");
}

#[test]
fn phash_dihedral_finds_the_rotated_file() {
    let opts = DecodeOptions::default();
    let a = load_gray(&sample("bridge.jpg"), &opts).unwrap();
    let b = load_gray(&sample("bridge-rotated.jpg"), &opts).unwrap();
    let hb = phash(&b);
    let dct = PhashDct::of(&a);
    let plain = distance64(dct.hash(), hb);
    // bridge-rotated.jpg is turned 90° counter-clockwise.
    let rotated = distance64(dct.transformed(Dihedral::Rotate270).hash(), hb);
    assert!(plain > 20, "unrotated hashes should differ: {plain}");
    assert!(rotated <= 6, "rotate-90 variant: {rotated} bits");
}

#[test]
fn reduced_jpeg_decode_stays_close_to_full_decode() {
    let full = load_gray(&sample("bridge.jpg"), &DecodeOptions::full_size()).unwrap();
    let fast = load_gray(&sample("bridge.jpg"), &DecodeOptions::default()).unwrap();
    assert!(fast.width < full.width && fast.width.min(fast.height) >= 256);
    assert!(distance64(phash(&full), phash(&fast)) <= 4);
    assert!(pdq(&full).hash.distance(&pdq(&fast).hash) <= 16);
}

/// A JPEG large enough for the DC-only 1/8 decode (shorter side >= 8 × 256).
fn big_jpeg() -> Vec<u8> {
    let img = image::open(sample("bridge.jpg")).unwrap();
    let big = img.resize_exact(2048, 3264, image::imageops::FilterType::Triangle);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&big)
        .unwrap();
    out
}

#[test]
fn dc_only_decode_agrees_with_the_scaled_decoder() {
    let bytes = big_jpeg();
    // Default: 1/8 from the DC coefficients.
    let dc = decode_luma(&bytes, &DecodeOptions::default()).unwrap();
    assert_eq!((dc.gray.width, dc.gray.height), (256, 408));
    // A shorter side of 257 rules 1/8 out: jpeg-decoder at 1/4.
    let quarter = DecodeOptions {
        jpeg_min_side: Some(257),
        ..DecodeOptions::default()
    };
    let q = decode_luma(&bytes, &quarter).unwrap();
    assert_eq!((q.gray.width, q.gray.height), (512, 816));
    let opts = NearOptions::default();
    let (a, b) = (Fingerprint::of(&dc, &opts), Fingerprint::of(&q, &opts));
    assert!(
        distance64(a.phash, b.phash) <= 4,
        "{:016x} {:016x}",
        a.phash,
        b.phash
    );
    assert!(a.pdq.distance(&b.pdq) <= 16, "{}", a.pdq.distance(&b.pdq));
    // Cut short: never a panic; what decodes keeps the size.
    for cut in [bytes.len() / 2, 700, 3] {
        if let Ok(l) = decode_luma(&bytes[..cut], &DecodeOptions::default()) {
            assert_eq!((l.gray.width, l.gray.height), (256, 408));
        }
    }
}
