//! `damkit_core::jpeg`: the 1/8-scale DC decoder is bit-exact with libjpeg-turbo's
//! `scale_denom = 8` decode on every sampling and colour model, and refuses (never
//! misdecodes) what it does not support.

use std::path::{Path, PathBuf};

use damkit_core::Limits;
use damkit_core::jpeg::{
    DcColor, DcReadError, dc_probe, decode_dc, decode_dc_luma, decode_dc_read,
};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/jpeg")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(data(name)).unwrap()
}

/// Each file against libjpeg-turbo 2.1.5's own 1/8 decode (made by libvips 8.14's
/// `jpegload --shrink 8`, which inverts Adobe CMYK: so do we before comparing).
#[test]
fn bit_exact_with_libjpeg_turbo() {
    let cases = [
        ("s420.jpg", DcColor::Rgb),
        ("s422.jpg", DcColor::Rgb),
        ("s444.jpg", DcColor::Rgb),
        ("s440.jpg", DcColor::Rgb),
        ("s411.jpg", DcColor::Rgb),
        ("rst.jpg", DcColor::Rgb),
        ("grey.jpg", DcColor::Gray),
        ("cmyk.jpg", DcColor::Cmyk),
        ("ycck.jpg", DcColor::Cmyk),
    ];
    for (name, color) in cases {
        let bytes = read(name);
        assert_eq!(dc_probe(&bytes), Some((200, 152)), "{name}");
        let img = decode_dc(&bytes, &Limits::default())
            .unwrap()
            .unwrap_or_else(|| panic!("{name}: not decoded"));
        assert_eq!(
            (img.width, img.height, img.color),
            (25, 19, color),
            "{name}"
        );
        let mut ours = img.data.clone();
        if color == DcColor::Cmyk {
            ours.iter_mut().for_each(|v| *v = 255 - *v);
        }
        let golden = read(&name.replace(".jpg", ".libjpeg-1-8.raw"));
        assert_eq!(ours.len(), golden.len(), "{name}");
        let differ = ours.iter().zip(&golden).filter(|(a, b)| a != b).count();
        assert_eq!(
            differ, 0,
            "{name}: {differ} samples differ from libjpeg-turbo"
        );
    }
    // The restart-interval file really has restart markers.
    let rst = read("rst.jpg");
    assert!(rst.windows(2).any(|w| w == [0xFF, 0xDD]));
}

/// FNV-1a, 64 bits: a golden too large to commit is kept as its hash.
fn fnv1a(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325, |h, &x| {
        (h ^ u64::from(x)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Progressive files (SOF2): only their DC scans are decoded (and the AC scans of 4:2:0
/// chroma, which libjpeg's 2×2 IDCT needs), to the same pixels as libjpeg-turbo 2.1.5's
/// 1/8 decode of the whole progression.
#[test]
fn progressive_bit_exact_with_libjpeg_turbo() {
    let l = Limits::default();
    // (file, golden, colour, 1/8 size). `jpegtran -progressive` of a baseline file keeps
    // its coefficients: its golden is the baseline one.
    let cases = [
        ("progressive.jpg", "s420", DcColor::Rgb, (25, 19)),
        ("prog-s440.jpg", "s440", DcColor::Rgb, (25, 19)),
        ("prog-s411.jpg", "s411", DcColor::Rgb, (25, 19)),
        ("prog-rst.jpg", "rst", DcColor::Rgb, (25, 19)),
        ("prog-cmyk.jpg", "cmyk", DcColor::Cmyk, (25, 19)),
        ("prog-ycck.jpg", "ycck", DcColor::Cmyk, (25, 19)),
        ("prog-420-odd.jpg", "prog-420-odd", DcColor::Rgb, (26, 19)),
        ("prog-422-odd.jpg", "prog-422-odd", DcColor::Rgb, (26, 19)),
        ("prog-444-odd.jpg", "prog-444-odd", DcColor::Rgb, (26, 19)),
        (
            "prog-grey-odd.jpg",
            "prog-grey-odd",
            DcColor::Gray,
            (26, 19),
        ),
        (
            "prog-420-rst-odd.jpg",
            "prog-420-rst-odd",
            DcColor::Rgb,
            (26, 19),
        ),
        (
            "prog-420-script-odd.jpg",
            "prog-420-script-odd",
            DcColor::Rgb,
            (26, 19),
        ),
        (
            "prog-444-incomplete.jpg",
            "prog-444-incomplete",
            DcColor::Rgb,
            (26, 19),
        ),
    ];
    for (name, golden, color, (w, h)) in cases {
        let bytes = read(name);
        assert_eq!(&bytes[..2], [0xFF, 0xD8]);
        assert!(
            bytes.windows(2).any(|m| m == [0xFF, 0xC2]),
            "{name} is not progressive"
        );
        assert_eq!(
            dc_probe(&bytes).map(|(fw, fh)| (fw.div_ceil(8), fh.div_ceil(8))),
            Some((w, h)),
            "{name}"
        );
        let img = decode_dc(&bytes, &l)
            .unwrap()
            .unwrap_or_else(|| panic!("{name}: not decoded"));
        assert_eq!((img.width, img.height, img.color), (w, h, color), "{name}");
        let mut ours = img.data.clone();
        if color == DcColor::Cmyk {
            ours.iter_mut().for_each(|v| *v = 255 - *v);
        }
        let golden = read(&format!("{golden}.libjpeg-1-8.raw"));
        assert_eq!(ours.len(), golden.len(), "{name}");
        let differ = ours.iter().zip(&golden).filter(|(a, b)| a != b).count();
        assert_eq!(
            differ, 0,
            "{name}: {differ} samples differ from libjpeg-turbo"
        );
    }
    // 1001x667 4:2:0 with a restart interval: the golden's hash (`djpeg -scale 1/8 -ppm`,
    // the PPM header stripped).
    let img = decode_dc(&read("prog-420-1001x667.jpg"), &l)
        .unwrap()
        .unwrap();
    assert_eq!((img.width, img.height), (126, 84));
    assert_eq!(fnv1a(&img.data), 0xfed9_4afe_3d37_5bbd);
}

/// A progression libjpeg would finish with block smoothing (chroma AC never sent, or not
/// refined to the last bit) changes 4:2:0 chroma's 2×2 IDCT input: refused. The luma plane
/// is DC-only and smoothing never touches the DC: still decoded.
#[test]
fn progressive_that_libjpeg_would_smooth_is_none_for_420() {
    let l = Limits::default();
    for name in ["prog-420-incomplete.jpg", "prog-420-dc-only.jpg"] {
        let bytes = read(name);
        assert!(dc_probe(&bytes).is_some(), "{name}");
        assert!(decode_dc(&bytes, &l).unwrap().is_none(), "{name}");
        let luma = decode_dc_luma(&bytes, &l).unwrap();
        assert_eq!(luma.map(|p| (p.width, p.height)), Some((26, 19)), "{name}");
    }
    // The same DC as the full progression (same encoder, same quality): the same luma.
    let full = decode_dc_luma(&read("prog-420-odd.jpg"), &l)
        .unwrap()
        .unwrap();
    let dc_only = decode_dc_luma(&read("prog-420-dc-only.jpg"), &l)
        .unwrap()
        .unwrap();
    assert_eq!(full.values, dc_only.values);
}

#[test]
fn progressive_luma_equals_the_baseline_luma() {
    let l = Limits::default();
    for (prog, base) in [
        ("progressive.jpg", "s420.jpg"),
        ("prog-s440.jpg", "s440.jpg"),
        ("prog-rst.jpg", "rst.jpg"),
    ] {
        let a = decode_dc_luma(&read(prog), &l).unwrap().unwrap();
        let b = decode_dc_luma(&read(base), &l).unwrap().unwrap();
        assert_eq!(a, b, "{prog}");
    }
    assert!(
        decode_dc_luma(&read("prog-cmyk.jpg"), &l)
            .unwrap()
            .is_none()
    );
}

#[test]
fn progressive_damaged_files_are_none_and_never_panic() {
    let l = Limits::default();
    for name in ["progressive.jpg", "prog-420-script-odd.jpg", "prog-rst.jpg"] {
        let full = read(name);
        // A progressive decode needs the end of image: every cut is `None`.
        for cut in (0..full.len()).step_by(89) {
            assert!(
                decode_dc(&full[..cut], &l).unwrap().is_none(),
                "{name} cut at {cut}"
            );
            assert!(decode_dc_luma(&full[..cut], &l).unwrap().is_none());
        }
        for i in (150..full.len()).step_by(37) {
            for x in [0x01, 0x5A, 0xFF] {
                let mut b = full.clone();
                b[i] ^= x;
                let _ = decode_dc(&b, &l);
                let _ = decode_dc_luma(&b, &l);
            }
        }
    }
    // The 4:2:0 chroma's coefficients are kept until the last scan (128 bytes a block),
    // counted against the limits: the baseline file fits in 10,000 bytes, its progressive
    // twin does not.
    let small = Limits::default().with_max_alloc(10_000);
    assert!(decode_dc(&read("s420.jpg"), &small).unwrap().is_some());
    assert!(decode_dc(&read("progressive.jpg"), &small).is_err());
}

#[test]
fn luma_plane_is_the_first_component_unrounded() {
    for name in ["s420.jpg", "s444.jpg", "grey.jpg", "rst.jpg"] {
        let bytes = read(name);
        let luma = decode_dc_luma(&bytes, &Limits::default()).unwrap().unwrap();
        assert_eq!((luma.width, luma.height), (25, 19));
        let grey = decode_dc(&read("grey.jpg"), &Limits::default())
            .unwrap()
            .unwrap();
        if name == "grey.jpg" {
            // libjpeg rounds (DC·q + 4) >> 3; the unrounded mean is within half a level.
            for (v, &g) in luma.values.iter().zip(&grey.data) {
                assert!((v - f32::from(g)).abs() <= 0.5 + 1e-3, "{v} vs {g}");
            }
        }
    }
    // Only grey and YCbCr have a luma plane.
    for name in ["cmyk.jpg", "ycck.jpg"] {
        assert!(
            decode_dc_luma(&read(name), &Limits::default())
                .unwrap()
                .is_none()
        );
    }
}

#[test]
fn unsupported_and_damaged_files_are_none() {
    let l = Limits::default();
    // Arithmetic coding (SOF9): not supported.
    let mut arith = read("s420.jpg");
    let sof = arith.windows(2).position(|m| m == [0xFF, 0xC0]).unwrap();
    arith[sof + 1] = 0xC9;
    assert!(dc_probe(&arith).is_none());
    assert!(decode_dc(&arith, &l).unwrap().is_none());
    // Truncated anywhere: never a panic, never a wrong Some for a cut in the scan data
    // beyond what the zero fill tolerates.
    let full = read("s420.jpg");
    for cut in (0..full.len()).step_by(97) {
        let r = decode_dc(&full[..cut], &l).unwrap();
        if cut + 64 < full.len() {
            assert!(r.is_none(), "cut at {cut} decoded");
        }
    }
    // Flipped bytes: no panic.
    for i in (200..full.len()).step_by(131) {
        let mut b = full.clone();
        b[i] ^= 0x5A;
        let _ = decode_dc(&b, &l);
        let _ = decode_dc_luma(&b, &l);
    }
}

#[test]
fn limits_refuse_before_allocating() {
    let bytes = read("s420.jpg");
    let tight = Limits::default().with_max_dimensions(100, 100);
    assert!(decode_dc(&bytes, &tight).is_err());
    let tiny = Limits::default().with_max_alloc(64);
    assert!(decode_dc(&bytes, &tiny).is_err());
    assert!(decode_dc_luma(&bytes, &tiny).is_err());
}

/// A reader that hands out at most `step` bytes per read (chunk boundaries everywhere) and
/// fails with an I/O error after `fail_at` bytes, if set.
struct Trickle<'a> {
    data: &'a [u8],
    pos: usize,
    step: usize,
    fail_at: Option<usize>,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.fail_at.is_some_and(|f| self.pos >= f) {
            return Err(std::io::Error::other("disk on fire"));
        }
        let n = buf.len().min(self.step).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn streamed_decode_equals_the_slice_decode_at_any_read_size() {
    let l = Limits::default();
    for name in [
        "s420.jpg",
        "s422.jpg",
        "s444.jpg",
        "s440.jpg",
        "s411.jpg",
        "rst.jpg",
        "grey.jpg",
        "cmyk.jpg",
        "ycck.jpg",
        "progressive.jpg",
        "prog-420-script-odd.jpg",
        "prog-420-rst-odd.jpg",
        "prog-ycck.jpg",
        "prog-420-incomplete.jpg",
    ] {
        let bytes = read(name);
        let want = decode_dc(&bytes, &l).unwrap();
        assert_eq!(want.is_some(), name != "prog-420-incomplete.jpg", "{name}");
        for step in [1, 2, 3, 7, 8, 9, 64, 1000, usize::MAX] {
            let r = Trickle {
                data: &bytes,
                pos: 0,
                step,
                fail_at: None,
            };
            let got = decode_dc_read(r, &l).unwrap();
            assert_eq!(got, want, "{name}, reads of {step} bytes");
        }
        // Truncated streams agree with truncated slices (both None, or the same pixels when
        // the cut falls in what the zero fill tolerates).
        for cut in (0..bytes.len()).step_by(211) {
            let r = Trickle {
                data: &bytes[..cut],
                pos: 0,
                step: 5,
                fail_at: None,
            };
            assert_eq!(
                decode_dc_read(r, &l).unwrap(),
                decode_dc(&bytes[..cut], &l).unwrap(),
                "{name} cut at {cut}"
            );
        }
    }
}

#[test]
fn streamed_decode_reports_read_errors_and_limits() {
    let bytes = read("s420.jpg");
    let r = Trickle {
        data: &bytes,
        pos: 0,
        step: 100,
        fail_at: Some(bytes.len() / 2),
    };
    let e = decode_dc_read(r, &Limits::default()).unwrap_err();
    assert!(matches!(e, DcReadError::Io(_)), "{e:?}");
    assert!(e.to_string().contains("disk on fire"), "{e}");
    damkit_core::error::assert_error_traits::<DcReadError>();
    let tight = Limits::default().with_max_dimensions(100, 100);
    let e = decode_dc_read(std::io::Cursor::new(&bytes), &tight).unwrap_err();
    assert!(matches!(e, DcReadError::Limit(_)), "{e:?}");
}

/// Regression (found by mutating the progressive files): a restart marker put into a scan
/// without restart intervals; the zero fill past it then ended the scan right at the
/// tolerated limit, and the slice decode (which loads eight bytes at a time) and the
/// streamed one (byte by byte at chunk ends) counted that fill differently.
#[test]
fn stray_marker_gives_the_same_result_streamed() {
    let l = Limits::default();
    let mut b = read("prog-ycck.jpg");
    for (i, v) in [(1540, 0x83), (8933, 0xB7), (11048, 0xFF)] {
        b[i] = v;
    }
    assert_eq!(&b[11048..11050], [0xFF, 0xD2]);
    let whole = decode_dc(&b, &l).unwrap();
    for step in [1, 7, 64] {
        let r = Trickle {
            data: &b,
            pos: 0,
            step,
            fail_at: None,
        };
        assert_eq!(decode_dc_read(r, &l).unwrap(), whole, "reads of {step}");
    }
}
