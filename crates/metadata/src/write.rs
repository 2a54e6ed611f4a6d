//! Writing: set, add and remove fields, as embedded XMP (JPEG, PNG, PSD, WebP) or as a sidecar
//! (any format; RAW always), keeping IPTC-IIM (JPEG, PSD) and EXIF ImageDescription/Artist/Copyright
//! (JPEG) in sync as MWG says. The image data is never touched: everything from the JPEG SOS
//! marker to the end, and every PNG chunk but the XMP one, is copied byte for byte.
//!
//! Safety: the file is read strictly first (a file we could not fully parse is refused), the
//! new file is built in memory, read back strictly, written to a temporary file in the same
//! folder, fsynced and renamed over the original. On any error the original is unchanged.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use damkit_core::MediaType;
use damkit_core::container::png as png_container;
use md5::{Digest as _, Md5};
use xmp_toolkit::{ToStringOptions, XmpMeta, XmpValue};

use crate::container::{self, Diag, ReadLimits};
use crate::error::{Error, Result};
use crate::iim::{self, IimBlock};
use crate::irb;
use crate::names;
use crate::{ReadOptions, read_bytes};

/// What an edit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// Replace the value (for lists: replace all items with this one).
    Set,
    /// Add an item to a list (no duplicate).
    Add,
    /// Remove an item from a list, or clear a simple value when the value is empty.
    Remove,
}

/// One edit: `--set XMP-dc:Title=Sunset`, `--add MWG:Keywords=dog`, `--remove MWG:Keywords=cat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The operation.
    pub op: Op,
    /// `MWG:Name` or `XMP-group:Tag` (ExifTool's names).
    pub key: String,
    /// The value. Keywords with `|` are hierarchical paths (`Animals|Mammals|Dog`): the path
    /// goes to `lr:hierarchicalSubject`, the leaf to `dc:subject`.
    pub value: String,
}

impl Edit {
    /// Parses `KEY=VALUE`.
    pub fn parse(op: Op, s: &str) -> Result<Edit> {
        let (k, v) = s.split_once('=').ok_or_else(|| Error::Field {
            field: s.to_string(),
            reason: "expected KEY=VALUE".into(),
        })?;
        let e = Edit {
            op,
            key: k.trim().to_string(),
            value: v.to_string(),
        };
        resolve(&e.key)?;
        Ok(e)
    }
}

/// How a property is shaped in XMP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Simple,
    Bag,
    Seq,
    LangAlt,
}

/// The XMP property an edit targets.
#[derive(Debug, Clone)]
struct Target {
    ns: &'static str,
    group: String,
    prop: String,
    kind: Kind,
}

const DC: &str = "http://purl.org/dc/elements/1.1/";
const XMP_NS: &str = "http://ns.adobe.com/xap/1.0/";
const PS: &str = "http://ns.adobe.com/photoshop/1.0/";
const CORE: &str = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/";
const LR: &str = "http://ns.adobe.com/lightroom/1.0/";

/// MWG composite names and the XMP property each writes.
const MWG_TARGETS: &[(&str, &str, &str, Kind)] = &[
    ("Description", DC, "description", Kind::LangAlt),
    ("Creator", DC, "creator", Kind::Seq),
    ("Copyright", DC, "rights", Kind::LangAlt),
    ("Keywords", DC, "subject", Kind::Bag),
    ("Rating", XMP_NS, "Rating", Kind::Simple),
    ("City", PS, "City", Kind::Simple),
    ("State", PS, "State", Kind::Simple),
    ("Country", PS, "Country", Kind::Simple),
    ("Location", CORE, "Location", Kind::Simple),
    ("DateTimeOriginal", PS, "DateCreated", Kind::Simple),
    ("CreateDate", XMP_NS, "CreateDate", Kind::Simple),
    ("ModifyDate", XMP_NS, "ModifyDate", Kind::Simple),
];

/// Known shapes of common XMP properties (others are simple, or a bag when added to).
const KINDS: &[(&str, &str, Kind)] = &[
    (DC, "title", Kind::LangAlt),
    (DC, "description", Kind::LangAlt),
    (DC, "rights", Kind::LangAlt),
    (DC, "creator", Kind::Seq),
    (DC, "subject", Kind::Bag),
    (LR, "hierarchicalSubject", Kind::Bag),
    (
        "http://ns.adobe.com/xap/1.0/rights/",
        "UsageTerms",
        Kind::LangAlt,
    ),
    ("http://ns.adobe.com/xap/1.0/rights/", "Owner", Kind::Bag),
    (
        "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
        "PersonInImage",
        Kind::Bag,
    ),
    (
        "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
        "OrganisationInImageName",
        Kind::Bag,
    ),
    (
        "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
        "OrganisationInImageCode",
        Kind::Bag,
    ),
    (
        "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
        "EventID",
        Kind::Bag,
    ),
    (CORE, "Scene", Kind::Bag),
    (CORE, "SubjectCode", Kind::Bag),
    (PS, "SupplementalCategories", Kind::Bag),
    (
        "http://ns.useplus.org/ldf/xmp/1.0/",
        "ModelReleaseID",
        Kind::Bag,
    ),
    (
        "http://ns.useplus.org/ldf/xmp/1.0/",
        "PropertyReleaseID",
        Kind::Bag,
    ),
];

/// XMP property → IIM dataset kept in sync (IPTC Core mapping).
const IIM_SYNC: &[(&str, &str, u8)] = &[
    (DC, "title", 5),
    (DC, "description", 120),
    (DC, "creator", 80),
    (DC, "rights", 116),
    (DC, "subject", 25),
    (PS, "City", 90),
    (PS, "State", 95),
    (PS, "Country", 101),
    (CORE, "Location", 92),
    (CORE, "CountryCode", 100),
    (CORE, "IntellectualGenre", 4),
    (PS, "Headline", 105),
    (PS, "Credit", 110),
    (PS, "Source", 115),
    (PS, "Instructions", 40),
    (PS, "AuthorsPosition", 85),
    (PS, "CaptionWriter", 122),
    (PS, "TransmissionReference", 103),
];

/// XMP property → EXIF IFD0 ASCII tag kept in sync (MWG: description, creator, copyright).
const EXIF_SYNC: &[(&str, &str, u16)] = &[
    (DC, "description", 0x010e),
    (DC, "creator", 0x013b),
    (DC, "rights", 0x8298),
];

fn resolve(key: &str) -> Result<Target> {
    let bad = |reason: &str| Error::Field {
        field: key.to_string(),
        reason: reason.to_string(),
    };
    let (g, name) = key
        .split_once(':')
        .ok_or_else(|| bad("expected GROUP:TAG"))?;
    if g.eq_ignore_ascii_case("MWG") {
        let (_, ns, prop, kind) = MWG_TARGETS
            .iter()
            .find(|t| t.0.eq_ignore_ascii_case(name))
            .ok_or_else(|| bad("not a writable MWG field"))?;
        let group = names::xmp_group(ns).unwrap_or("xmp").to_string();
        return Ok(Target {
            ns,
            group,
            prop: prop.to_string(),
            kind: *kind,
        });
    }
    let group = g
        .strip_prefix("XMP-")
        .ok_or_else(|| bad("only MWG:* and XMP-*:* fields are writable"))?;
    let ns = names::xmp_uri(group).ok_or_else(|| bad("unknown XMP group"))?;
    let prop = names::xmp_prop_name(group, name);
    let kind = KINDS
        .iter()
        .find(|k| k.0 == ns && k.1 == prop)
        .map_or(Kind::Simple, |k| k.2);
    Ok(Target {
        ns,
        group: group.to_string(),
        prop,
        kind,
    })
}

fn xmp_prefix(group: &str) -> &str {
    match group {
        "iptcCore" => "Iptc4xmpCore",
        "iptcExt" => "Iptc4xmpExt",
        g => g,
    }
}

fn register(t: &Target) -> Result<()> {
    if XmpMeta::namespace_prefix(t.ns).is_none() {
        XmpMeta::register_namespace(t.ns, xmp_prefix(&t.group))
            .map_err(|e| Error::Xmp(e.to_string()))?;
    }
    Ok(())
}

fn xerr(e: impl std::fmt::Display) -> Error {
    Error::Xmp(e.to_string())
}

fn items(meta: &XmpMeta, ns: &str, prop: &str) -> Vec<String> {
    meta.property_array(ns, prop).map(|v| v.value).collect()
}

fn set_items(meta: &mut XmpMeta, t: &Target, values: &[String]) -> Result<()> {
    meta.delete_property(t.ns, &t.prop).map_err(xerr)?;
    let mut arr = XmpValue::new(t.prop.clone()).set_is_array(true);
    if t.kind == Kind::Seq {
        arr = arr.set_is_ordered(true);
    }
    for v in values {
        meta.append_array_item(t.ns, &arr, &XmpValue::new(v.clone()))
            .map_err(xerr)?;
    }
    Ok(())
}

fn apply(meta: &mut XmpMeta, t: &Target, op: Op, value: &str) -> Result<()> {
    register(t)?;
    let exists = meta.contains_property(t.ns, &t.prop);
    let is_array = exists && meta.property(t.ns, &t.prop).is_some_and(|v| v.is_array());
    let kind = match t.kind {
        Kind::Simple if is_array || (op == Op::Add && !exists) => Kind::Bag,
        k => k,
    };
    match kind {
        Kind::LangAlt => match op {
            Op::Set | Op::Add => meta
                .set_localized_text(t.ns, &t.prop, None, "x-default", value)
                .map_err(xerr)?,
            Op::Remove => meta.delete_property(t.ns, &t.prop).map_err(xerr)?,
        },
        Kind::Simple => match op {
            Op::Remove => {
                let cur = meta.property(t.ns, &t.prop).map(|v| v.value);
                if value.is_empty() || cur.as_deref() == Some(value) {
                    meta.delete_property(t.ns, &t.prop).map_err(xerr)?;
                }
            }
            _ => meta
                .set_property(t.ns, &t.prop, &XmpValue::new(value.to_string()))
                .map_err(xerr)?,
        },
        Kind::Bag | Kind::Seq => {
            let t2 = Target { kind, ..t.clone() };
            let mut cur = items(meta, t.ns, &t.prop);
            match op {
                Op::Set => cur = vec![value.to_string()],
                Op::Add => {
                    if !cur.iter().any(|c| c == value) {
                        cur.push(value.to_string());
                    }
                }
                Op::Remove => cur.retain(|c| c != value),
            }
            if cur.is_empty() {
                meta.delete_property(t.ns, &t.prop).map_err(xerr)?;
            } else {
                set_items(meta, &t2, &cur)?;
            }
        }
    }
    Ok(())
}

/// Applies the edits to an XMP packet. Returns the touched `(namespace, property)` pairs.
fn edit_xmp(meta: &mut XmpMeta, edits: &[Edit]) -> Result<Vec<(String, String)>> {
    let mut touched = Vec::new();
    for e in edits {
        let t = resolve(&e.key)?;
        let keywords = t.ns == DC && t.prop == "subject";
        let hier = t.ns == LR && t.prop == "hierarchicalSubject";
        if (keywords && e.value.contains('|')) || hier {
            // hierarchical keyword: path in lr:hierarchicalSubject, leaf in dc:subject
            let path = e.value.trim_matches('|').to_string();
            let leaf = path.rsplit('|').next().unwrap_or(&path).to_string();
            let lr = resolve("XMP-lr:HierarchicalSubject")?;
            let dc = resolve("XMP-dc:Subject")?;
            if e.op == Op::Set {
                set_items(
                    meta,
                    &Target {
                        kind: Kind::Bag,
                        ..lr.clone()
                    },
                    &[],
                )?;
            }
            apply(meta, &lr, e.op, &path)?;
            let others = items(meta, LR, "hierarchicalSubject");
            let leaf_still_used = others
                .iter()
                .any(|p| p.rsplit('|').next() == Some(leaf.as_str()));
            if e.op != Op::Remove || !leaf_still_used {
                apply(meta, &dc, e.op, &leaf)?;
            }
            touched.push((LR.to_string(), "hierarchicalSubject".to_string()));
            touched.push((DC.to_string(), "subject".to_string()));
            continue;
        }
        if keywords && e.op == Op::Remove {
            // removing a leaf also removes the paths that end with it
            let paths = items(meta, LR, "hierarchicalSubject");
            let keep: Vec<String> = paths
                .iter()
                .filter(|p| p.rsplit('|').next() != Some(e.value.as_str()))
                .cloned()
                .collect();
            if keep.len() != paths.len() {
                let lr = resolve("XMP-lr:HierarchicalSubject")?;
                if keep.is_empty() {
                    meta.delete_property(LR, "hierarchicalSubject")
                        .map_err(xerr)?;
                } else {
                    set_items(
                        meta,
                        &Target {
                            kind: Kind::Bag,
                            ..lr
                        },
                        &keep,
                    )?;
                }
                touched.push((LR.to_string(), "hierarchicalSubject".to_string()));
            }
        }
        apply(meta, &t, e.op, &e.value)?;
        touched.push((t.ns.to_string(), t.prop.clone()));
    }
    touched.dedup();
    Ok(touched)
}

/// Before editing a property XMP lacks, copy its EXIF or IIM values into XMP: MWG reads them
/// from there when XMP is silent, so adding a keyword or a creator must extend the existing
/// list, not replace it.
fn seed_from_iim(meta: &mut XmpMeta, md: &crate::Metadata, edits: &[Edit]) -> Result<()> {
    for e in edits {
        let Ok(t) = resolve(&e.key) else { continue };
        let hier = (t.ns == LR && t.prop == "hierarchicalSubject")
            || (t.ns == DC && t.prop == "subject" && e.value.contains('|'));
        let t = if hier { resolve("XMP-dc:Subject")? } else { t };
        if meta.contains_property(t.ns, &t.prop) {
            continue;
        }
        // EXIF first (it wins in MWG), then IIM
        let from_exif: Vec<String> = EXIF_SYNC
            .iter()
            .find(|s| s.0 == t.ns && s.1 == t.prop)
            .and_then(|s| names::exif_name(s.2, false, 0))
            .and_then(|(name, _)| md.get(&format!("IFD0:{name}")))
            .and_then(|v| v.as_text())
            .map(|s| s.trim_end_matches([' ', '\0']))
            .filter(|s| !s.is_empty())
            .map(|s| {
                if t.kind == Kind::Seq {
                    s.split("; ").map(str::to_string).collect()
                } else {
                    vec![s.to_string()]
                }
            })
            .unwrap_or_default();
        let vals = if from_exif.is_empty() {
            match (
                &md.iim,
                IIM_SYNC.iter().find(|s| s.0 == t.ns && s.1 == t.prop),
            ) {
                (Some(block), Some(&(_, _, ds))) => block.texts(2, ds, crate::IimCharset::Auto),
                _ => Vec::new(),
            }
        } else {
            from_exif
        };
        let Some(first) = vals.first() else { continue };
        register(&t)?;
        match t.kind {
            Kind::Bag | Kind::Seq => set_items(meta, &t, &vals)?,
            Kind::LangAlt => meta
                .set_localized_text(t.ns, &t.prop, None, "x-default", first)
                .map_err(xerr)?,
            Kind::Simple => meta
                .set_property(t.ns, &t.prop, &XmpValue::new(first.clone()))
                .map_err(xerr)?,
        }
    }
    Ok(())
}

/// The current values of an XMP property as text items (lang-alt: x-default).
fn current(meta: &XmpMeta, ns: &str, prop: &str) -> Vec<String> {
    let Some(v) = meta.property(ns, prop) else {
        return Vec::new();
    };
    if v.is_alt_text() {
        return meta
            .localized_text(ns, prop, None, "x-default")
            .map(|(v, _)| vec![v.value])
            .unwrap_or_default();
    }
    if v.is_array() {
        return items(meta, ns, prop);
    }
    vec![v.value]
}

fn truncate_utf8(s: &str, max: usize) -> String {
    if max == 0 || s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// What a write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteReport {
    /// The file written (the image, or the sidecar).
    pub written: PathBuf,
    /// Whether the XMP went to a sidecar.
    pub sidecar: bool,
    /// IIM datasets updated (`2:25`…); empty when the file has no IIM.
    pub iim_synced: Vec<String>,
    /// EXIF tags updated.
    pub exif_synced: Vec<String>,
    /// The GUID of the extended XMP written (JPEG packets too big for one segment).
    pub extended_xmp: Option<String>,
}

/// How to write.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct WriteOptions {
    /// Write an XMP sidecar (`NAME.xmp`) instead of embedding. RAW files always get one.
    pub sidecar: bool,
}

impl WriteOptions {
    /// Sidecar mode.
    #[must_use]
    pub fn sidecar(mut self, on: bool) -> Self {
        self.sidecar = on;
        self
    }
}

fn serialize(meta: &XmpMeta) -> Result<String> {
    meta.to_string_with_options(ToStringOptions::default().set_padding(2048))
        .map_err(|e| Error::Xmp(format!("serialising: {e}")))
}

/// Applies `edits` to the file at `path` (or to its sidecar).
pub fn write_path(
    path: impl AsRef<Path>,
    edits: &[Edit],
    opts: &WriteOptions,
) -> Result<WriteReport> {
    let path = path.as_ref();
    let refuse = |reason: String| Error::Write {
        path: path.to_path_buf(),
        reason,
    };
    let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let kind = MediaType::detect_with_hint(&data, path.extension().and_then(|e| e.to_str()))
        .ok_or_else(|| refuse("unrecognised format".into()))?;
    // Refuse what we cannot fully parse.
    let md = read_bytes(&data, &ReadOptions::default().strict(true)).map_err(|e| {
        refuse(format!(
            "the file could not be fully parsed ({e}); nothing was written"
        ))
    })?;
    let raw = kind.is_tiff_based() && kind != MediaType::Tiff;
    let sidecar = opts.sidecar || raw || kind == MediaType::Xmp;
    if sidecar {
        return write_sidecar(path, kind, &md, edits);
    }
    let (mut meta, merged_ext) = base_meta(&md)?;
    seed_from_iim(&mut meta, &md, edits)?;
    let touched = edit_xmp(&mut meta, edits)?;
    let packet = serialize(&meta)?;
    let mut report = WriteReport {
        written: path.to_path_buf(),
        ..WriteReport::default()
    };
    let out = match kind {
        MediaType::Jpeg => jpeg(
            &data,
            &packet,
            &md,
            &meta,
            &touched,
            merged_ext.as_deref(),
            &mut report,
        )?,
        MediaType::Png => png(&data, &packet, &md, &meta, &touched, &mut report)?,
        MediaType::Psd => psd(&data, &packet, &md, &meta, &touched, &mut report)?,
        MediaType::WebP => webp(&data, &packet)?,
        MediaType::Tiff => tiff(&data, &packet, &md, &meta, &touched, &mut report)
            .map_err(|e| refuse(format!("{e}; write a sidecar instead (--sidecar)")))?,
        other => {
            return Err(refuse(format!(
                "embedding XMP in {} is not supported yet; write a sidecar instead (--sidecar)",
                other.name()
            )));
        }
    };
    // Read the result back strictly before it replaces anything.
    let back = read_bytes(&out, &ReadOptions::default().strict(true)).map_err(|e| {
        refuse(format!(
            "the rewritten file did not read back ({e}); nothing was written"
        ))
    })?;
    if back.blocks.xmp.is_empty() {
        return Err(refuse(
            "the rewritten file has no XMP; nothing was written".into(),
        ));
    }
    if let Some(guid) = &report.extended_xmp
        && !back.blocks.xmp_extended.iter().any(|e| &e.0 == guid)
    {
        return Err(refuse(format!(
            "the rewritten file's extended XMP {guid} did not read back; nothing was written"
        )));
    }
    atomic_write(path, &out)?;
    Ok(report)
}

fn write_sidecar(
    path: &Path,
    kind: MediaType,
    md: &crate::Metadata,
    edits: &[Edit],
) -> Result<WriteReport> {
    let target = if kind == MediaType::Xmp {
        path.to_path_buf()
    } else {
        path.with_extension("xmp")
    };
    let mut meta = if target.is_file() {
        let bytes = std::fs::read(&target).map_err(|e| Error::io(&target, e))?;
        crate::xmp::parse_packet(&bytes)?
    } else {
        // start from the embedded XMP (with its extended part) so the sidecar is complete
        base_meta(md)?.0
    };
    seed_from_iim(&mut meta, md, edits)?;
    edit_xmp(&mut meta, edits)?;
    let packet = serialize(&meta)?;
    atomic_write(&target, packet.as_bytes())?;
    Ok(WriteReport {
        written: target,
        sidecar: true,
        ..WriteReport::default()
    })
}

/// The embedded XMP to start editing from: the main packet, with the extended packet its
/// `xmpNote:HasExtendedXMP` names merged in (and that property removed; the writer sets it
/// again if the result still needs extended XMP). Also returns the merged GUID, whose
/// segments the writer replaces.
fn base_meta(md: &crate::Metadata) -> Result<(XmpMeta, Option<String>)> {
    let Some(p) = md.blocks.xmp.first() else {
        return Ok((XmpMeta::new().map_err(xerr)?, None));
    };
    let main = crate::xmp::parse_packet(p)?;
    let want = main
        .property(extended::NOTE_NS, "xmpNote:HasExtendedXMP")
        .map(|v| v.value);
    let Some((guid, bytes)) = want.and_then(|w| md.blocks.xmp_extended.iter().find(|e| e.0 == w))
    else {
        return Ok((main, None));
    };
    let text = extended::merge_text(p, bytes).ok_or_else(|| {
        Error::Xmp(format!(
            "the extended XMP packet {guid} could not be merged with the main packet"
        ))
    })?;
    let mut meta = crate::xmp::parse_packet(text.as_bytes())?;
    meta.delete_property(extended::NOTE_NS, "xmpNote:HasExtendedXMP")
        .map_err(xerr)?;
    Ok((meta, Some(guid.clone())))
}

/// Writes `bytes` to a temporary file beside `path`, fsyncs it, renames it over `path`.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| Error::io(&dir, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io(tmp.path(), e))?;
    if let Ok(m) = std::fs::metadata(path) {
        let _ = tmp.as_file().set_permissions(m.permissions());
    }
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn segment(marker: u8, payload: &[u8]) -> Result<Vec<u8>> {
    if payload.len() + 2 > 0xFFFF {
        return Err(Error::Write {
            path: PathBuf::new(),
            reason: format!(
                "JPEG segment 0xFF{marker:02X} of {} bytes exceeds 65,533",
                payload.len()
            ),
        });
    }
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(payload);
    Ok(s)
}

fn jpeg(
    data: &[u8],
    packet: &str,
    md: &crate::Metadata,
    meta: &XmpMeta,
    touched: &[(String, String)],
    merged_ext: Option<&str>,
    report: &mut WriteReport,
) -> Result<Vec<u8>> {
    let limits = ReadLimits::default();
    let mut diag = Diag::new(true);
    let (segs, sos) = container::jpeg_segments(data, &limits, &mut diag)?;
    let sos = sos.ok_or_else(|| Error::malformed("JPEG", data.len(), "no SOS marker"))?;
    // the standard packet, plus extended XMP segments when it does not fit in one
    let (xmp_seg, guid) = extended::segments(meta, packet)?;
    report.extended_xmp = guid;

    // IIM sync
    let new_iim = sync_iim(md, meta, touched, report);
    let new_irb = match &new_iim {
        Some(bytes) => Some(rebuild_irb(
            md.blocks.irb.as_deref().unwrap_or_default(),
            Some(bytes),
            None,
        )?),
        None => None,
    };

    // EXIF sync
    let mut new_exif: Option<Vec<u8>> = None;
    if let Some(exif) = &md.blocks.exif {
        let mut exif = exif.clone();
        sync_exif(&mut exif, meta, touched, report)?;
        if !report.exif_synced.is_empty() {
            new_exif = Some(exif);
        }
    }

    let mut out = Vec::with_capacity(data.len() + packet.len());
    out.extend_from_slice(&data[..2]);
    let is_main_xmp = |s: &container::Segment| {
        s.marker == 0xE1 && data[s.payload..s.end].starts_with(container::JPEG_XMP_SIG)
    };
    let is_exif =
        |s: &container::Segment| s.marker == 0xE1 && data[s.payload..s.end].starts_with(b"Exif\0");
    let is_ps = |s: &container::Segment| {
        s.marker == 0xED && data[s.payload..s.end].starts_with(container::JPEG_PS_SIG)
    };
    // where the new XMP goes: in place of the old one, else after APP0/Exif APP1
    let xmp_at = segs.iter().position(is_main_xmp).unwrap_or_else(|| {
        segs.iter()
            .take_while(|s| s.marker == 0xE0 || is_exif(s))
            .count()
    });
    let mut exif_done = false;
    let mut ps_done = false;
    for (i, s) in segs.iter().enumerate() {
        if i == xmp_at {
            out.extend_from_slice(&xmp_seg);
        }
        if is_main_xmp(s) {
            continue;
        }
        // the extended XMP that was merged into the edited packet is replaced
        let p = &data[s.payload..s.end];
        if s.marker == 0xE1
            && p.starts_with(container::JPEG_XMP_EXT_SIG)
            && merged_ext.is_some_and(|g| {
                p.get(container::JPEG_XMP_EXT_SIG.len()..container::JPEG_XMP_EXT_SIG.len() + 32)
                    == Some(g.as_bytes())
            })
        {
            continue;
        }
        if is_exif(s) && !exif_done {
            exif_done = true;
            if let Some(e) = &new_exif {
                let mut p = b"Exif\0\0".to_vec();
                p.extend_from_slice(e);
                out.extend_from_slice(&segment(0xE1, &p)?);
                continue;
            }
        }
        if is_ps(s)
            && let Some(irb) = &new_irb
        {
            if !ps_done {
                ps_done = true;
                for chunk in irb.chunks(65_000) {
                    let mut p = container::JPEG_PS_SIG.to_vec();
                    p.extend_from_slice(chunk);
                    out.extend_from_slice(&segment(0xED, &p)?);
                }
            }
            continue;
        }
        out.extend_from_slice(&data[s.start..s.end]);
    }
    if xmp_at == segs.len() {
        out.extend_from_slice(&xmp_seg);
    }
    // the entropy-coded data and everything after it, byte for byte
    out.extend_from_slice(&data[sos..]);
    Ok(out)
}

/// Updates IFD0 ImageDescription/Artist/Copyright of the classic TIFF stream `tiff` (an EXIF
/// block, or a whole TIFF file) from the touched XMP properties: in place, else added.
fn sync_exif(
    tiff: &mut Vec<u8>,
    meta: &XmpMeta,
    touched: &[(String, String)],
    report: &mut WriteReport,
) -> Result<()> {
    for (ns, prop) in touched {
        if let Some(&(_, _, tag)) = EXIF_SYNC.iter().find(|s| s.0 == ns && s.1 == prop) {
            let text = current(meta, ns, prop).join("; ");
            // updated in place, else added (MWG: keep the three in sync where EXIF exists)
            if crate::tiffdir::patch_ifd0_ascii(tiff, tag, &text)?
                || (!text.is_empty() && crate::tiffdir::add_ifd0_ascii(tiff, tag, &text)?)
            {
                report.exif_synced.push(
                    names::exif_name(tag, false, 0).map_or(String::new(), |n| n.0.to_string()),
                );
            }
        }
    }
    Ok(())
}

/// TIFF: the XMP packet in IFD0 tag 700 (XMLPacket, BYTE), in place when it fits the old
/// packet's bytes, else appended with the entry re-pointed (a missing tag is added by
/// rewriting IFD0 at the end of the file). IIM (tag 33723, and the Photoshop resources of tag
/// 34377 with their digest) is kept in sync where the file has it, and IFD0
/// ImageDescription/Artist/Copyright as MWG says. Strips, tiles, the other IFDs and every
/// other offset are left as they are.
fn tiff(
    data: &[u8],
    packet: &str,
    md: &crate::Metadata,
    meta: &XmpMeta,
    touched: &[(String, String)],
    report: &mut WriteReport,
) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() + packet.len() + 4096);
    out.extend_from_slice(data);
    crate::tiffdir::set_ifd0_value(&mut out, 700, 1, packet.as_bytes())?;
    if let Some(iim) = sync_iim(md, meta, touched, report) {
        let blobs = crate::tiffdir::ifd0_blobs(data)?;
        if blobs.iptc.is_some() {
            crate::tiffdir::set_ifd0_value(&mut out, 33723, 7, &iim)?;
        }
        if let Some(old) = &blobs.photoshop {
            let irb = rebuild_irb(old, Some(&iim), None)?;
            crate::tiffdir::set_ifd0_value(&mut out, 34377, 7, &irb)?;
        }
    }
    sync_exif(&mut out, meta, touched, report)?;
    Ok(out)
}

/// The IIM block updated from the touched XMP properties (1:90 set to UTF-8), or `None` when
/// the file has no IIM or nothing mapped to IIM changed.
fn sync_iim(
    md: &crate::Metadata,
    meta: &XmpMeta,
    touched: &[(String, String)],
    report: &mut WriteReport,
) -> Option<Vec<u8>> {
    let mut block: IimBlock = md.iim.clone()?;
    // UTF-8 first, so untouched Windows-1252 datasets stay readable once 1:90 says UTF-8
    block.convert_to_utf8(crate::IimCharset::Auto);
    for (ns, prop) in touched {
        if let Some(&(_, _, ds)) = IIM_SYNC.iter().find(|s| s.0 == ns && s.1 == prop) {
            let max = iim::info(2, ds).map_or(0, |i| usize::from(i.max_len));
            let vals: Vec<String> = current(meta, ns, prop)
                .iter()
                .map(|v| truncate_utf8(v, max))
                .collect();
            block.set_texts(2, ds, &vals);
            report.iim_synced.push(format!("2:{ds}"));
        }
    }
    if report.iim_synced.is_empty() {
        return None;
    }
    Some(block.to_bytes())
}

/// Rebuilds a Photoshop resource block with a new IIM block (and its MD5 digest) and/or a new
/// XMP packet; other resources are kept in order, byte for byte.
fn rebuild_irb(old: &[u8], iim: Option<&[u8]>, xmp: Option<&[u8]>) -> Result<Vec<u8>> {
    let (res, err) = irb::parse(old, &ReadLimits::default());
    if let Some(e) = err {
        return Err(e);
    }
    let digest = iim.map(|b| Md5::digest(b).to_vec());
    let mut wanted: Vec<(u16, &[u8])> = Vec::new();
    if let (Some(b), Some(d)) = (iim, digest.as_deref()) {
        wanted.push((irb::IPTC_NAA, b));
        wanted.push((irb::IPTC_DIGEST, d));
    }
    if let Some(x) = xmp {
        wanted.push((irb::XMP, x));
    }
    let mut done = vec![false; wanted.len()];
    let mut out: Vec<irb::Resource<'_>> = Vec::new();
    for r in res {
        match wanted.iter().position(|w| w.0 == r.id) {
            Some(i) if r.sig == *b"8BIM" => {
                if !done[i] {
                    done[i] = true;
                    out.push(irb::Resource {
                        data: wanted[i].1,
                        ..r
                    });
                }
            }
            _ => out.push(r),
        }
    }
    for (i, w) in wanted.iter().enumerate() {
        if !done[i] {
            out.push(irb::Resource {
                sig: *b"8BIM",
                id: w.0,
                name: b"",
                data: w.1,
            });
        }
    }
    Ok(irb::write(&out))
}

/// PSD: the XMP (0x0424) and IIM (0x0404, digest 0x0425) resources are replaced in the image
/// resources section; the header, colour mode data, layers and image data are copied as is.
fn psd(
    data: &[u8],
    packet: &str,
    md: &crate::Metadata,
    meta: &XmpMeta,
    touched: &[(String, String)],
    report: &mut WriteReport,
) -> Result<Vec<u8>> {
    let (s, e) = container::psd_resources(data)?;
    let new_iim = sync_iim(md, meta, touched, report);
    let irb = rebuild_irb(&data[s..e], new_iim.as_deref(), Some(packet.as_bytes()))?;
    let len = u32::try_from(irb.len())
        .map_err(|_| Error::malformed("PSD", s, "image resources over 4 GiB"))?;
    let mut out = Vec::with_capacity(data.len() + packet.len());
    out.extend_from_slice(&data[..s - 4]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&irb);
    out.extend_from_slice(&data[e..]);
    Ok(out)
}

/// WebP: the `XMP ` chunk is replaced (or appended last, as the container spec orders it) and
/// the VP8X XMP flag set; a simple-format file gets a VP8X header built from its bitstream's
/// canvas size. Image chunks are copied as is. Chunk framing, the VP8X chunk and the RIFF
/// size: [`damkit_core::container::webp`].
fn webp(data: &[u8], packet: &str) -> Result<Vec<u8>> {
    use damkit_core::container::webp::{self as riff, FLAG_ALPHA, FLAG_XMP};
    let mut diag = Diag::new(true);
    let chunks = container::webp_chunks(data, &ReadLimits::default(), &mut diag)?;
    let too_large = |e: damkit_core::ContainerError| Error::malformed("WebP", 0, e.to_string());
    let mut out = riff::start_file();
    let has_vp8x = chunks.iter().any(|c| &c.0 == b"VP8X");
    if !has_vp8x {
        let canvas = chunks
            .iter()
            .find_map(|(k, s, e)| riff::bitstream_canvas(k, &data[*s..*e]))
            .ok_or_else(|| {
                Error::malformed("WebP", 12, "no VP8/VP8L bitstream to size a VP8X header")
            })?;
        let flags = if canvas.alpha { FLAG_ALPHA } else { 0 } | FLAG_XMP;
        riff::write_vp8x(&mut out, flags, canvas.width, canvas.height).map_err(too_large)?;
    }
    for (k, s, e) in &chunks {
        match k {
            b"XMP " => {}
            b"VP8X" => {
                let mut x = data[*s..*e].to_vec();
                if let Some(f) = x.first_mut() {
                    *f |= FLAG_XMP;
                }
                riff::write_chunk(&mut out, k, &x).map_err(too_large)?;
            }
            _ => {
                let end = (*e + (*e - *s) % 2).min(data.len());
                out.extend_from_slice(&data[*s - 8..end]);
            }
        }
    }
    riff::write_chunk(&mut out, b"XMP ", packet.as_bytes()).map_err(too_large)?;
    riff::finish_file(&mut out).map_err(too_large)?;
    Ok(out)
}

/// PNG: the XMP `iTXt` chunk is replaced (or inserted after IHDR). IIM kept in sync where
/// the file has it, in ImageMagick/ExifTool raw profiles: `Raw profile type iptc` (an IIM
/// block) and `Raw profile type 8bim` (Photoshop resources, whose digest is updated) are
/// rewritten as `zTXt` chunks in the same hex format.
fn png(
    data: &[u8],
    packet: &str,
    md: &crate::Metadata,
    meta: &XmpMeta,
    touched: &[(String, String)],
    report: &mut WriteReport,
) -> Result<Vec<u8>> {
    let limits = ReadLimits::default();
    let mut diag = Diag::new(true);
    let (chunks, _) = container::png_chunks(data, &limits, &mut diag)?;
    let mut chunk = Vec::new();
    png_container::write_xmp_itxt(&mut chunk, packet.as_bytes()).map_err(png_too_large)?;
    let new_iim = sync_iim(md, meta, touched, report);
    let mut out = data[..8].to_vec();
    let mut inserted = false;
    for c in &chunks {
        let d = &data[c.data.0..c.data.1];
        if &c.kind == b"iTXt" && d.starts_with(b"XML:com.adobe.xmp\0") {
            continue;
        }
        if let Some(iim) = &new_iim
            && let Some(replacement) = png_iim_profile(&c.kind, d, iim, &limits)?
        {
            out.extend_from_slice(&replacement);
            continue;
        }
        out.extend_from_slice(&data[c.start..c.data.1 + 4]);
        if &c.kind == b"IHDR" && !inserted {
            out.extend_from_slice(&chunk);
            inserted = true;
        }
    }
    if let Some(last) = chunks.last() {
        out.extend_from_slice(&data[last.data.1 + 4..]);
    }
    Ok(out)
}

/// A chunk too large for PNG, as this crate's error.
fn png_too_large(e: damkit_core::ContainerError) -> Error {
    Error::malformed("PNG", 0, e.to_string())
}

/// ImageMagick's raw profile text, as ExifTool writes it too:
/// `\n<type>\n<length, 8 wide>\n<hex, 72 digits a line>\n`.
fn raw_profile_text(kind: &str, bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = format!("\n{kind}\n{:8}\n", bytes.len());
    for line in bytes.chunks(36) {
        for b in line {
            let _ = write!(s, "{b:02x}");
        }
        s.push('\n');
    }
    s
}

/// The replacement chunk for a PNG text chunk holding an IIM or 8BIM raw profile, or `None`
/// when the chunk is something else.
fn png_iim_profile(
    kind: &[u8; 4],
    d: &[u8],
    iim: &[u8],
    limits: &ReadLimits,
) -> Result<Option<Vec<u8>>> {
    const IPTC: &[u8] = b"Raw profile type iptc\0";
    const BIM: &[u8] = b"Raw profile type 8bim\0";
    let key = if d.starts_with(IPTC) {
        IPTC
    } else if d.starts_with(BIM) {
        BIM
    } else {
        return Ok(None);
    };
    let rest = &d[key.len()..];
    let text = match kind {
        b"tEXt" => rest.to_vec(),
        b"zTXt" => container::inflate(rest.get(1..).unwrap_or_default(), limits)
            .map_err(|e| Error::malformed("PNG", 0, format!("zTXt raw profile: {e}")))?,
        b"iTXt" => {
            // compression flag, method, language\0, translated keyword\0, text
            let (flag, after) = (rest.first().copied(), rest.get(2..).unwrap_or_default());
            let mut parts = after.splitn(3, |&b| b == 0);
            let (_, _, body) = (parts.next(), parts.next(), parts.next().unwrap_or_default());
            if flag == Some(1) {
                container::inflate(body, limits)
                    .map_err(|e| Error::malformed("PNG", 0, format!("iTXt raw profile: {e}")))?
            } else {
                body.to_vec()
            }
        }
        _ => return Ok(None),
    };
    let Some(old) = container::raw_profile(&text) else {
        return Ok(None);
    };
    let (label, bytes) = if old.starts_with(b"8BIM") {
        ("8BIM", rebuild_irb(&old, Some(iim), None)?)
    } else if old.first() == Some(&0x1C) {
        ("IPTC", iim.to_vec())
    } else {
        return Ok(None);
    };
    let profile = raw_profile_text(label, &bytes);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(profile.as_bytes())
        .map_err(|e| Error::malformed("PNG", 0, format!("compressing raw profile: {e}")))?;
    let compressed = z
        .finish()
        .map_err(|e| Error::malformed("PNG", 0, format!("compressing raw profile: {e}")))?;
    let mut chunk = Vec::new();
    // keyword (with its NUL), compression method 0 (deflate), the compressed text
    png_container::write_chunk(&mut chunk, b"zTXt", &[key, &[0], &compressed])
        .map_err(png_too_large)?;
    Ok(Some(chunk))
}

impl FromStr for Op {
    type Err = Error;
    fn from_str(s: &str) -> Result<Op> {
        match s {
            "set" => Ok(Op::Set),
            "add" => Ok(Op::Add),
            "remove" => Ok(Op::Remove),
            _ => Err(Error::Field {
                field: s.into(),
                reason: "expected set, add or remove".into(),
            }),
        }
    }
}

/// Extended XMP in JPEG (XMP Specification Part 3, 1.1.3.1): a packet too big for one APP1
/// segment is split into a *standard* packet that fits, holding `xmpNote:HasExtendedXMP` =
/// GUID, and an *extended* packet (the moved top-level properties) stored in APP1 segments
/// `http://ns.adobe.com/xmp/extension/\0` + GUID (32 hex digits) + full length (u32 BE) +
/// offset (u32 BE) + data. The GUID is the MD5 of the extended packet, uppercase hex, as
/// Adobe's toolkit and ExifTool write it.
pub(crate) mod extended {
    use md5::{Digest as _, Md5};
    use xmp_toolkit::{IterOptions, ToStringOptions, XmpMeta, XmpValue};

    use super::{segment, xerr};
    use crate::container::{JPEG_XMP_EXT_SIG, JPEG_XMP_SIG};
    use crate::error::{Error, Result};

    /// `xmpNote` namespace.
    pub(crate) const NOTE_NS: &str = "http://ns.adobe.com/xmp/note/";
    /// Largest standard packet: one APP1 segment (65,533 payload bytes) minus the signature.
    pub(crate) const MAX_STANDARD: usize = 65_533 - JPEG_XMP_SIG.len();
    /// Largest extended-XMP chunk per segment: 65,533 minus signature, GUID, length, offset.
    pub(crate) const MAX_CHUNK: usize = 65_533 - JPEG_XMP_EXT_SIG.len() - 32 - 8;

    fn compact(meta: &XmpMeta) -> Result<String> {
        meta.to_string_with_options(ToStringOptions::default().use_compact_format())
            .map_err(|e| Error::Xmp(format!("serialising: {e}")))
    }

    /// The main packet text with the `rdf:Description` elements of the extended packet
    /// inserted (RDF allows several descriptions; the toolkit merges them when parsing).
    pub(crate) fn merge_text(main: &[u8], ext: &[u8]) -> Option<String> {
        let main = std::str::from_utf8(main).ok()?;
        let ext = std::str::from_utf8(ext).ok()?;
        let at = main.rfind("</rdf:RDF>")?;
        let open = ext.find("<rdf:RDF")?;
        let body_start = open + ext[open..].find('>')? + 1;
        let body_end = ext.rfind("</rdf:RDF>")?;
        if body_end < body_start {
            return None;
        }
        let mut out = String::with_capacity(main.len() + ext.len());
        out.push_str(&main[..at]);
        out.push_str(&ext[body_start..body_end]);
        out.push_str(&main[at..]);
        Some(out)
    }

    /// The top-level properties of `meta` as (namespace URI, `prefix:Name`).
    fn top_level(meta: &XmpMeta) -> Vec<(String, String)> {
        meta.iter(IterOptions::default())
            .filter(|p| !p.name.is_empty() && !p.name.contains(['/', '[']))
            .map(|p| (p.schema_ns, p.name))
            .collect()
    }

    /// The APP1 segments for `meta`: one standard packet (`padded` is its usual
    /// serialisation) and, when it does not fit, the extended segments. Returns the segments
    /// and the GUID of the extended packet written, if any.
    pub(crate) fn segments(meta: &XmpMeta, padded: &str) -> Result<(Vec<u8>, Option<String>)> {
        let one = |packet: &str| -> Result<Vec<u8>> {
            let mut p = JPEG_XMP_SIG.to_vec();
            p.extend_from_slice(packet.as_bytes());
            segment(0xE1, &p)
        };
        if padded.len() <= MAX_STANDARD {
            return Ok((one(padded)?, None));
        }
        let mut full = meta.clone();
        let _ = full.delete_property(NOTE_NS, "xmpNote:HasExtendedXMP");
        let whole = compact(&full)?;
        if whole.len() <= MAX_STANDARD {
            return Ok((one(&whole)?, None));
        }
        // Move the biggest top-level properties first until the standard packet fits.
        let props = top_level(&full);
        let mut sized: Vec<(usize, usize)> = Vec::with_capacity(props.len());
        for (i, (ns, name)) in props.iter().enumerate() {
            let mut without = full.clone();
            without.delete_property(ns, name).map_err(xerr)?;
            sized.push((whole.len().saturating_sub(compact(&without)?.len()), i));
        }
        sized.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        // room for xmpNote:HasExtendedXMP="<32 hex>" and its namespace declaration
        let reserve = 160;
        let mut standard = full.clone();
        let mut estimate = whole.len();
        let mut moved = vec![false; props.len()];
        for &(size, i) in &sized {
            if estimate + reserve <= MAX_STANDARD
                && compact(&standard)?.len() + reserve <= MAX_STANDARD
            {
                break;
            }
            let (ns, name) = &props[i];
            standard.delete_property(ns, name).map_err(xerr)?;
            moved[i] = true;
            estimate = estimate.saturating_sub(size);
        }
        let mut ext = full.clone();
        for (i, (ns, name)) in props.iter().enumerate() {
            if !moved[i] {
                ext.delete_property(ns, name).map_err(xerr)?;
            }
        }
        let ext_text = ext
            .to_string_with_options(
                ToStringOptions::default()
                    .use_compact_format()
                    .omit_packet_wrapper(),
            )
            .map_err(|e| Error::Xmp(format!("serialising extended XMP: {e}")))?;
        let guid: String = Md5::digest(ext_text.as_bytes())
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        XmpMeta::register_namespace(NOTE_NS, "xmpNote").map_err(xerr)?;
        standard
            .set_property(
                NOTE_NS,
                "xmpNote:HasExtendedXMP",
                &XmpValue::new(guid.clone()),
            )
            .map_err(xerr)?;
        let std_text = compact(&standard)?;
        if std_text.len() > MAX_STANDARD {
            return Err(Error::Xmp(format!(
                "the standard XMP packet is {} bytes after moving every movable property to \
                 extended XMP; at most {MAX_STANDARD} fit in a JPEG APP1 segment",
                std_text.len()
            )));
        }
        let total = u32::try_from(ext_text.len()).map_err(|_| {
            Error::Xmp(format!(
                "extended XMP of {} bytes exceeds 4 GiB",
                ext_text.len()
            ))
        })?;
        let mut out = one(&std_text)?;
        for (k, chunk) in ext_text.as_bytes().chunks(MAX_CHUNK).enumerate() {
            let mut p = JPEG_XMP_EXT_SIG.to_vec();
            p.extend_from_slice(guid.as_bytes());
            p.extend_from_slice(&total.to_be_bytes());
            p.extend_from_slice(&((k * MAX_CHUNK) as u32).to_be_bytes());
            p.extend_from_slice(chunk);
            out.extend_from_slice(&segment(0xE1, &p)?);
        }
        Ok((out, Some(guid)))
    }
}
