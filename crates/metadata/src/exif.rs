//! EXIF through kamadak-exif, converted to ExifTool's names and `-n` values.

use exif::{Context, Reader, Value as EV};

use crate::container::Diag;
use crate::error::{Error, Result};
use crate::names::{self, Conv};
use crate::value::{Tag, Value, fmt_g10, fmt_g15};

/// Reads the TIFF-structured EXIF block `tiff` into ExifTool-named tags.
pub(crate) fn read(tiff: Vec<u8>, base: Option<usize>, diag: &mut Diag) -> Result<Vec<Tag>> {
    let tiff_len = tiff.len() as u64;
    let big = crate::tiffdir::is_bigtiff(&tiff);
    let known_magic = tiff
        .get(..4)
        .is_some_and(|m| m == b"II*\0" || m == b"MM\0*");
    let huge = !big && known_magic && crate::tiffdir::has_huge_ifd(&tiff);
    if big || !known_magic || huge {
        // kamadak-exif reads classic TIFF only; BigTIFF and odd magic numbers (ORF, RW2,
        // damaged files ExifTool still reads) go through our own walker, and so do damaged
        // files with a huge IFD (kamadak-exif would parse every garbage entry).
        if huge {
            diag.defect(Error::malformed(
                "EXIF",
                0,
                format!(
                    "an IFD has more than {} entries; read with damkit's IFD walker",
                    crate::tiffdir::HUGE_IFD
                ),
            ))?;
        } else if !big {
            diag.defect(Error::malformed(
                "EXIF",
                2,
                "unknown TIFF magic number; read as classic TIFF",
            ))?;
        }
        let (le, entries) =
            match crate::tiffdir::walk(&tiff, crate::ReadLimits::DEFAULT_MAX_ENTRIES) {
                Ok(x) => x,
                Err(e) => {
                    diag.defect(e)?;
                    return Ok(Vec::new());
                }
            };
        let fields = entries.iter().map(|e| (e.ctx, e.ifd, e.number, &e.value));
        return Ok(convert_fields(fields, le, base, tiff_len));
    }
    let exif = match Reader::new().continue_on_error(!diag.strict).read_raw(tiff) {
        Ok(e) => e,
        Err(exif::Error::PartialResult(p)) => {
            let (e, errs) = p.into_inner();
            for err in errs {
                diag.defect(Error::malformed("EXIF", 0, err.to_string()))?;
            }
            e
        }
        Err(err) => {
            diag.defect(Error::malformed("EXIF", 0, err.to_string()))?;
            return Ok(Vec::new());
        }
    };
    let fields: Vec<_> = exif
        .fields()
        .map(|f| (f.tag.context(), f.ifd_num.0, f.tag.number(), &f.value))
        .collect();
    Ok(convert_fields(
        fields.into_iter(),
        exif.little_endian(),
        base,
        tiff_len,
    ))
}

fn convert_fields<'a>(
    fields: impl Iterator<Item = (Context, u16, u16, &'a EV)> + Clone,
    le: bool,
    base: Option<usize>,
    tiff_len: u64,
) -> Vec<Tag> {
    let mut tags: Vec<Tag> = Vec::new();
    for (ctx, ifd, number, value) in fields.clone() {
        let gps = match ctx {
            Context::Tiff | Context::Exif | Context::Interop => false,
            Context::Gps => true,
            _ => continue,
        };
        // the name first: unknown tags (most entries of a damaged IFD) cost no allocation
        let Some((name, conv)) = names::exif_name(number, gps, ifd) else {
            continue;
        };
        if conv == Conv::Skip {
            continue;
        }
        let group: std::borrow::Cow<'static, str> = match ctx {
            Context::Tiff => match ifd {
                0 => "IFD0".into(),
                1 => "IFD1".into(),
                n => format!("IFD{n}").into(),
            },
            Context::Exif => "ExifIFD".into(),
            Context::Gps => "GPS".into(),
            _ => "InteropIFD".into(),
        };
        if tags.iter().any(|t| t.group == group && t.name == name) {
            continue;
        }
        let Some(mut text) = convert(value, conv, le) else {
            continue;
        };
        if !gps && number == 0x0201 {
            // ExifTool gives the offset from the start of the file
            if let (Some(b), Ok(o)) = (base, text.parse::<u64>()) {
                text = (o + b as u64).to_string();
            }
        }
        tags.push(Tag {
            group: group.into_owned(),
            name: name.to_string(),
            value: Value::Text(text),
        });
    }
    // The embedded image of IFD1 (thumbnail) and IFD0 (other image), when it lies inside
    // the block.
    for (ifd, group, name) in [(1u16, "IFD1", "ThumbnailImage"), (0, "IFD0", "OtherImage")] {
        let get = |n: u16| {
            fields
                .clone()
                .find(|f| f.1 == ifd && f.0 == Context::Tiff && f.2 == n)
                .and_then(|f| f.3.get_uint(0))
        };
        if let (Some(off), Some(len)) = (get(0x0201), get(0x0202))
            && len > 0
            && u64::from(off) + u64::from(len) <= tiff_len
        {
            tags.push(Tag {
                group: group.into(),
                name: name.into(),
                value: Value::Text(binary(len as usize)),
            });
        }
    }
    tags
}

fn rational(n: f64, d: f64) -> String {
    if d == 0.0 {
        if n == 0.0 {
            "undef".into()
        } else if n > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else {
        fmt_g10(n / d)
    }
}

fn numbers(v: &EV) -> Option<Vec<f64>> {
    Some(match v {
        EV::Byte(x) => x.iter().map(|&a| f64::from(a)).collect(),
        EV::Short(x) => x.iter().map(|&a| f64::from(a)).collect(),
        EV::Long(x) => x.iter().map(|&a| f64::from(a)).collect(),
        EV::SByte(x) => x.iter().map(|&a| f64::from(a)).collect(),
        EV::SShort(x) => x.iter().map(|&a| f64::from(a)).collect(),
        EV::SLong(x) => x.iter().map(|&a| f64::from(a)).collect(),
        EV::Rational(x) => x
            .iter()
            .map(|r| f64::from(r.num) / f64::from(r.denom))
            .collect(),
        EV::SRational(x) => x
            .iter()
            .map(|r| f64::from(r.num) / f64::from(r.denom))
            .collect(),
        EV::Float(x) => x.iter().map(|&a| f64::from(a)).collect(),
        EV::Double(x) => x.clone(),
        _ => return None,
    })
}

/// EXIF ASCII as ExifTool shows it: up to the first NUL, invalid UTF-8 bytes as `?`.
fn ascii(b: &[u8]) -> String {
    let b = b.split(|&c| c == 0).next().unwrap_or(&[]);
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let mut out = String::new();
            let mut rest = b;
            while !rest.is_empty() {
                match std::str::from_utf8(rest) {
                    Ok(s) => {
                        out.push_str(s);
                        break;
                    }
                    Err(e) => {
                        let (ok, bad) = rest.split_at(e.valid_up_to());
                        out.push_str(std::str::from_utf8(ok).unwrap_or_default());
                        out.push('?');
                        let skip = e.error_len().unwrap_or(bad.len()).max(1);
                        rest = &bad[skip.min(bad.len())..];
                    }
                }
            }
            out
        }
    }
}

fn ints<T: std::fmt::Display>(v: &[T]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(v.len() * 4);
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{x}");
    }
    s
}

fn join(v: &[f64]) -> String {
    v.iter().map(|&x| fmt_g15(x)).collect::<Vec<_>>().join(" ")
}

fn binary(n: usize) -> String {
    format!("(Binary data {n} bytes, use -b option to extract)")
}

fn ucs2(b: &[u8], le: bool) -> String {
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        })
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

fn raw_bytes(v: &EV) -> Option<&[u8]> {
    match v {
        EV::Undefined(b, _) | EV::Byte(b) => Some(b),
        _ => None,
    }
}

fn convert(v: &EV, conv: Conv, le: bool) -> Option<String> {
    Some(match conv {
        Conv::Skip => return None,
        Conv::Binary => match v {
            EV::Undefined(b, _) | EV::Byte(b) => binary(b.len()),
            EV::Ascii(s) => binary(s.iter().map(|x| x.len() + 1).sum()),
            EV::Short(x) => binary(x.len() * 2),
            EV::Long(x) => binary(x.len() * 4),
            _ => return None,
        },
        Conv::ApexShutter => {
            let x = *numbers(v)?.first()?;
            fmt_g15(if x.abs() < 100.0 { 2f64.powf(-x) } else { 0.0 })
        }
        Conv::ApexAperture => {
            let x = *numbers(v)?.first()?;
            fmt_g15(2f64.powf(x / 2.0))
        }
        Conv::AsciiUndef => match v {
            EV::Undefined(b, _) | EV::Byte(b) => ascii(b),
            EV::Ascii(s) => ascii(s.first()?),
            _ => plain(v),
        },
        Conv::ExifText => {
            let b = match v {
                EV::Undefined(b, _) | EV::Byte(b) => b.as_slice(),
                EV::Ascii(s) => return Some(ascii(s.first()?)),
                _ => return None,
            };
            if b.len() < 8 {
                return Some(ascii(b));
            }
            let (code, text) = b.split_at(8);
            let s = if code.starts_with(b"UNICODE") {
                // ExifTool guesses the byte order; UTF-16 text usually follows the TIFF order
                let mut s = ucs2(text, le);
                if s.chars().any(|c| (c as u32) > 0x3000 && !c.is_alphabetic()) {
                    s = ucs2(text, !le);
                }
                s
            } else {
                String::from_utf8_lossy(text.split(|&c| c == 0).next().unwrap_or(&[])).into_owned()
            };
            s.trim_end_matches([' ', '\0']).to_string()
        }
        Conv::Ucs2 => ucs2(raw_bytes(v)?, true),
        Conv::GpsDegrees => {
            let n = numbers(v)?;
            let d = n.first().copied().unwrap_or(0.0);
            let m = n.get(1).copied().unwrap_or(0.0);
            let s = n.get(2).copied().unwrap_or(0.0);
            let x = d + m / 60.0 + s / 3600.0;
            if x.is_finite() {
                fmt_g15(x)
            } else {
                String::new()
            }
        }
        Conv::GpsTime => {
            let n = numbers(v)?;
            let mut f = (n.first().copied().unwrap_or(0.0) * 60.0
                + n.get(1).copied().unwrap_or(0.0))
                * 60.0
                + n.get(2).copied().unwrap_or(0.0);
            if !f.is_finite() {
                return Some(String::new());
            }
            let h = (f / 3600.0).floor();
            f -= h * 3600.0;
            let m = (f / 60.0).floor();
            f -= m * 60.0;
            let mut ss = format!("{f:09.6}");
            if ss.contains('.') {
                ss = ss.trim_end_matches('0').trim_end_matches('.').to_string();
            }
            format!("{:02}:{:02}:{ss}", h as i64, m as i64)
        }
        Conv::CfaPattern => {
            let b = raw_bytes(v)?;
            if b.len() < 4 {
                return Some(plain(v));
            }
            let rd = |le: bool| {
                let h = if le {
                    u16::from_le_bytes([b[0], b[1]])
                } else {
                    u16::from_be_bytes([b[0], b[1]])
                };
                let w = if le {
                    u16::from_le_bytes([b[2], b[3]])
                } else {
                    u16::from_be_bytes([b[2], b[3]])
                };
                (h, w)
            };
            let mut hw = rd(le);
            if usize::from(hw.0) * usize::from(hw.1) != b.len() - 4 {
                hw = rd(!le);
            }
            let mut parts = vec![hw.0.to_string(), hw.1.to_string()];
            parts.extend(b[4..].iter().map(u8::to_string));
            parts.join(" ")
        }
        Conv::Plain => plain(v),
        Conv::LongList => {
            let t = plain(v);
            if t.len() > 32 { binary(t.len()) } else { t }
        }
    })
}

fn plain(v: &EV) -> String {
    match v {
        EV::Ascii(s) => s.first().map(|x| ascii(x)).unwrap_or_default(),
        EV::Rational(x) => x
            .iter()
            .map(|r| rational(f64::from(r.num), f64::from(r.denom)))
            .collect::<Vec<_>>()
            .join(" "),
        EV::SRational(x) => x
            .iter()
            .map(|r| rational(f64::from(r.num), f64::from(r.denom)))
            .collect::<Vec<_>>()
            .join(" "),
        EV::Undefined(b, _) => {
            if b.len() <= 4 {
                b.iter().map(u8::to_string).collect::<Vec<_>>().join(" ")
            } else if b
                .iter()
                .all(|&c| c == 0 || c.is_ascii_graphic() || c == b' ')
            {
                ascii(b)
            } else {
                binary(b.len())
            }
        }
        EV::Float(x) => x
            .iter()
            .map(|&a| crate::value::fmt_g(f64::from(a), 7))
            .collect::<Vec<_>>()
            .join(" "),
        EV::Unknown(..) => String::new(),
        EV::Byte(x) => ints(x),
        EV::Short(x) => ints(x),
        EV::Long(x) => ints(x),
        EV::SByte(x) => ints(x),
        EV::SShort(x) => ints(x),
        EV::SLong(x) => ints(x),
        other => numbers(other).map(|n| join(&n)).unwrap_or_default(),
    }
}
