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
    let prog = read("progressive.jpg");
    assert!(dc_probe(&prog).is_none());
    assert!(decode_dc(&prog, &l).unwrap().is_none());
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
    ] {
        let bytes = read(name);
        let want = decode_dc(&bytes, &l).unwrap();
        assert_eq!(want.is_some(), name != "progressive.jpg", "{name}");
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
