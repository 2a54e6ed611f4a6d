//! Reconciliation of EXIF, IPTC-IIM and XMP as the Metadata Working Group guidelines say
//! (and ExifTool's MWG module implements).
//!
//! For description, creator, copyright and the dates, a non-blank EXIF value wins.
//! Otherwise XMP wins if the IPTC digest (Photoshop resource 0x0425) is absent or equals
//! the MD5 of the current IIM block; otherwise IPTC wins, except that an IIM value filling
//! its length limit loses to a longer XMP value that starts with it. Keywords and the
//! location fields have no EXIF source; rating is XMP only, orientation EXIF only.

use serde::Serialize;

use crate::value::{Tag, Value};

/// Where a reconciled value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Source {
    /// EXIF (IFD0/ExifIFD).
    Exif,
    /// IPTC-IIM.
    Iptc,
    /// XMP.
    Xmp,
}

/// One reconciled field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reconciled {
    /// ExifTool's MWG composite name (`Description`, `Creator`…).
    pub name: &'static str,
    /// The value.
    pub value: Value,
    /// Where it came from.
    pub source: Source,
}

/// The state of the IPTC digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Digest {
    /// No IIM block, or no stored digest, or the stored digest equals the current one.
    XmpMayWin,
    /// A stored digest that differs from the current block: IIM was edited by a tool that
    /// did not update XMP.
    IptcWins,
}

struct Lookup<'a> {
    tags: &'a [Tag],
}

impl<'a> Lookup<'a> {
    fn get(&self, group: &str, name: &str) -> Option<&'a Value> {
        self.tags
            .iter()
            .find(|t| t.group == group && t.name == name)
            .map(|t| &t.value)
    }
    /// An EXIF tag: IFD0 and ExifIFD first, then the other IFDs (multi-page TIFF).
    fn exif(&self, name: &str) -> Option<&'a Value> {
        ["IFD0", "ExifIFD"]
            .iter()
            .find_map(|g| self.get(g, name))
            .or_else(|| {
                self.tags
                    .iter()
                    .rfind(|t| t.name == name && t.group.starts_with("IFD"))
                    .map(|t| &t.value)
            })
    }
}

fn blank(v: &Value) -> bool {
    match v {
        Value::Text(s) => s.trim_matches([' ', '\0']).is_empty(),
        Value::List(l) => l.iter().all(blank),
        _ => false,
    }
}

fn blank_date(v: &Value) -> bool {
    v.as_text()
        .is_none_or(|s| s.chars().all(|c| c == ' ' || c == ':' || c == '\0'))
}

fn as_list(v: &Value) -> Value {
    match v {
        Value::List(_) => v.clone(),
        other => Value::List(vec![other.clone()]),
    }
}

/// IIM value cut at its limit that a longer XMP value continues.
fn truncated(iptc: &Value, xmp: &Value, max: usize) -> bool {
    match (iptc, xmp) {
        (Value::Text(i), Value::Text(x)) => {
            i.len() >= max && x.len() > i.len() && x.starts_with(i.as_str())
        }
        (Value::List(i), Value::List(x)) => {
            i.len() == x.len() && i.iter().zip(x).any(|(a, b)| truncated(a, b, max))
        }
        _ => false,
    }
}

/// Chooses between IPTC and XMP as MWG says.
fn iptc_or_xmp(
    iptc: Option<&Value>,
    xmp: Option<&Value>,
    digest: Digest,
    max: usize,
) -> Option<(Value, Source)> {
    match (iptc, xmp) {
        (None, None) => None,
        (None, Some(x)) => Some((x.clone(), Source::Xmp)),
        (Some(i), None) => Some((i.clone(), Source::Iptc)),
        (Some(i), Some(x)) => {
            if digest == Digest::XmpMayWin || truncated(i, x, max) {
                Some((x.clone(), Source::Xmp))
            } else {
                Some((i.clone(), Source::Iptc))
            }
        }
    }
}

/// EXIF date with sub-seconds and offset, as ExifTool's SubSecDateTimeOriginal composites.
fn exif_date(l: &Lookup<'_>, date: &str, subsec: &str, offset: &str) -> Option<Value> {
    let d = l.exif(date)?;
    if blank_date(d) {
        return None;
    }
    let mut s = d.as_text()?.trim().to_string();
    if let Some(ss) = l.exif(subsec).and_then(Value::as_text) {
        let ss = ss.trim();
        if !ss.is_empty() && ss.bytes().all(|b| b.is_ascii_digit()) {
            s.push('.');
            s.push_str(ss);
        }
    }
    if let Some(o) = l.exif(offset).and_then(Value::as_text) {
        let o = o.trim();
        if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) {
            s.push_str(o);
        }
    }
    Some(Value::Text(s))
}

fn iptc_date(l: &Lookup<'_>, date: &str, time: &str) -> Option<Value> {
    let d = l.get("IPTC", date)?.as_text()?;
    Some(Value::Text(
        match l.get("IPTC", time).and_then(Value::as_text) {
            Some(t) => format!("{d} {t}"),
            None => d.to_string(),
        },
    ))
}

/// Reconciles the MWG fields from ExifTool-named tags.
pub(crate) fn reconcile(tags: &[Tag], digest: Digest) -> Vec<Reconciled> {
    let l = Lookup { tags };
    let mut out = Vec::new();
    let mut put = |name: &'static str, r: Option<(Value, Source)>| {
        if let Some((value, source)) = r {
            out.push(Reconciled {
                name,
                value,
                source,
            });
        }
    };
    let exif_text = |n: &str| l.exif(n).filter(|v| !blank(v)).cloned();
    // Description
    put(
        "Description",
        exif_text("ImageDescription")
            .map(|v| (v, Source::Exif))
            .or_else(|| {
                iptc_or_xmp(
                    l.get("IPTC", "Caption-Abstract"),
                    l.get("XMP-dc", "Description"),
                    digest,
                    2000,
                )
            }),
    );
    // Creator (lists)
    put(
        "Creator",
        exif_text("Artist")
            .map(|v| {
                let s = v.as_text().unwrap_or_default();
                let parts: Vec<Value> = s.split("; ").map(|p| Value::Text(p.to_string())).collect();
                (
                    if parts.len() == 1 {
                        parts[0].clone()
                    } else {
                        Value::List(parts)
                    },
                    Source::Exif,
                )
            })
            .or_else(|| {
                iptc_or_xmp(
                    l.get("IPTC", "By-line").map(as_list).as_ref(),
                    l.get("XMP-dc", "Creator").map(as_list).as_ref(),
                    digest,
                    32,
                )
            }),
    );
    put(
        "Copyright",
        exif_text("Copyright")
            .map(|v| (v, Source::Exif))
            .or_else(|| {
                iptc_or_xmp(
                    l.get("IPTC", "CopyrightNotice"),
                    l.get("XMP-dc", "Rights"),
                    digest,
                    128,
                )
            }),
    );
    put(
        "DateTimeOriginal",
        exif_date(
            &l,
            "DateTimeOriginal",
            "SubSecTimeOriginal",
            "OffsetTimeOriginal",
        )
        .map(|v| (v, Source::Exif))
        .or_else(|| {
            iptc_or_xmp(
                iptc_date(&l, "DateCreated", "TimeCreated").as_ref(),
                l.get("XMP-photoshop", "DateCreated"),
                digest,
                0,
            )
        }),
    );
    put(
        "CreateDate",
        exif_date(
            &l,
            "CreateDate",
            "SubSecTimeDigitized",
            "OffsetTimeDigitized",
        )
        .map(|v| (v, Source::Exif))
        .or_else(|| {
            iptc_or_xmp(
                iptc_date(&l, "DigitalCreationDate", "DigitalCreationTime").as_ref(),
                l.get("XMP-xmp", "CreateDate"),
                digest,
                0,
            )
        }),
    );
    put(
        "ModifyDate",
        exif_date(&l, "ModifyDate", "SubSecTime", "OffsetTime")
            .map(|v| (v, Source::Exif))
            .or_else(|| {
                l.get("XMP-xmp", "ModifyDate")
                    .map(|v| (v.clone(), Source::Xmp))
            }),
    );
    put(
        "Keywords",
        iptc_or_xmp(
            l.get("IPTC", "Keywords").map(as_list).as_ref(),
            l.get("XMP-dc", "Subject").map(as_list).as_ref(),
            digest,
            64,
        ),
    );
    put(
        "Rating",
        l.get("XMP-xmp", "Rating").map(|v| (v.clone(), Source::Xmp)),
    );
    put(
        "Orientation",
        l.exif("Orientation").map(|v| (v.clone(), Source::Exif)),
    );
    for (name, iptc, xg, xn, max) in [
        ("City", "City", "XMP-photoshop", "City", 32),
        ("State", "Province-State", "XMP-photoshop", "State", 32),
        (
            "Country",
            "Country-PrimaryLocationName",
            "XMP-photoshop",
            "Country",
            64,
        ),
        ("Location", "Sub-location", "XMP-iptcCore", "Location", 32),
    ] {
        put(
            name,
            iptc_or_xmp(l.get("IPTC", iptc), l.get(xg, xn), digest, max),
        );
    }
    out
}
