//! Read EXIF, IPTC-IIM and XMP from every common image format, reconcile them as
//! ExifTool's MWG module does, and write them back without losing a byte.
//!
//! Reading gives a [`Metadata`]: every tag under ExifTool's family-1 group and tag name, with
//! ExifTool's `-n` values ([`Tag`], [`Value`]), the MWG reconciled fields with their
//! provenance ([`Reconciled`]), a typed model ([`model::Photo`]: IPTC Photo Metadata 2024.1
//! Core and Extension plus the 2025.1 AI properties, EXIF technical fields, GPS, dates), and
//! the warnings of a lenient read. [`Metadata::to_exiftool_json`] gives the JSON of
//! `exiftool -j -G1 -n -struct`, plus `MWG:*` composites.
//!
//! ```
//! use damkit_metadata::{read_bytes, ReadOptions, Source};
//!
//! // A JPEG holding only an XMP packet.
//! let xmp = br#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
//! <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="5">
//! <dc:subject><rdf:Bag><rdf:li>bridge</rdf:li><rdf:li>river</rdf:li></rdf:Bag></dc:subject>
//! </rdf:Description></rdf:RDF></x:xmpmeta>"#;
//! let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
//! let payload = [&b"http://ns.adobe.com/xap/1.0/\0"[..], &xmp[..]].concat();
//! jpeg.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
//! jpeg.extend_from_slice(&payload);
//! jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9]);
//!
//! let md = read_bytes(&jpeg, &ReadOptions::default().strict(true))?;
//! assert_eq!(md.get("XMP-dc:Subject").unwrap().texts(), ["bridge", "river"]);
//! let rating = md.reconciled("Rating").unwrap();
//! assert_eq!((rating.value.as_text(), rating.source), (Some("5"), Source::Xmp));
//! assert_eq!(md.to_exiftool_json()["XMP-xmp:Rating"], 5);
//! assert_eq!(md.photo().iptc.keywords, ["bridge", "river"]);
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Writing: [`write_path`] with [`Edit`]s (`--set XMP-dc:Title=…`, `--add MWG:Keywords=dog`).
//!
//! Camera RAW previews: [`previews`] lists the embedded JPEG previews of TIFF-based RAW, RAF
//! and CR3 files with their pixel sizes and the RAW's orientation ([`preview`] module).
//!
//! # Formats × families
//!
//! | container | EXIF | IPTC-IIM | XMP | write |
//! |---|---|---|---|---|
//! | JPEG | APP1 `Exif` | APP13 Photoshop 0x0404 (+ digest 0x0425) | APP1, extended XMP (GUID-matched) | XMP embedded (extended XMP when over one segment); IIM and EXIF kept in sync (EXIF description/artist/copyright added when missing) |
//! | TIFF | IFD0/IFD1/Exif/GPS/Interop (kamadak-exif; BigTIFF and odd magic numbers through our IFD walker) | tag 33723, tag 34377 resources | tag 700 | XMP embedded in tag 700 (classic TIFF; strips, tiles and other IFDs untouched); IIM and EXIF kept in sync |
//! | DNG, NEF, CR2, ARW, ORF… (TIFF-based RAW) | as TIFF | as TIFF | as TIFF | sidecar (RAW always) |
//! | PNG | `eXIf`, `Raw profile type exif/APP1` | `Raw profile type iptc/8bim` | `iTXt`/`zTXt`/`tEXt` `XML:com.adobe.xmp`, `Raw profile type xmp` | XMP embedded (iTXt) |
//! | WebP | `EXIF` chunk | — | `XMP ` chunk | XMP embedded (VP8X flag set; VP8X added to simple files) |
//! | HEIC, HEIF, AVIF | `Exif` item (iinf/iloc/idat) | — | `mime` item `application/rdf+xml` | sidecar |
//! | PSD | resource 0x0422 | resource 0x0404 | resource 0x0424 | XMP embedded; IIM kept in sync |
//! | GIF | — | — | `XMP DataXMP` application extension | sidecar |
//! | XMP sidecar | — | — | whole file; `NAME.EXT.xmp` then `NAME.xmp` beside any file | yes |
//!
//! XMP goes through Adobe's XMP Toolkit (`xmp_toolkit`) from memory for every container (we
//! extract the packet ourselves); IIM is our own parser ([`iim`]); EXIF is kamadak-exif.
//!
//! # Reconciliation (MWG)
//!
//! For `Description`, `Creator`, `Copyright`, `DateTimeOriginal`, `CreateDate` and `ModifyDate`
//! a non-blank EXIF value wins (dates with their sub-seconds and offsets). Otherwise XMP wins
//! when the IPTC digest (Photoshop resource 0x0425) is absent or equals the MD5 of the current
//! IIM block; otherwise IIM wins, except that an IIM value filling its length limit loses to a
//! longer XMP value that starts with it. `Keywords`, `City`, `State`, `Country` and `Location`
//! have no EXIF source; `Rating` is XMP, `Orientation` EXIF. Each [`Reconciled`] records its
//! [`Source`].
//!
//! # Agreement with ExifTool
//!
//! [`agreement`] compares our JSON with ExifTool's; the `agreement` example prints the table
//! for any folder. On `../shared/data/metadata` (174 files, ExifTool 12.57) over IFD0, ExifIFD,
//! GPS, InteropIFD, IFD1, IPTC and XMP-*: 99.8% of ExifTool's 3,232 keys are output and 99.9%
//! of the shared values are equal; 263 of 266 MWG values agree.
//!
//! ## Where ExifTool is wrong (or where we differ on purpose)
//!
//! - **Multi-page TIFF, MWG dates and creator** (`0c84d07….tif`): ExifTool's MWG `ModifyDate`
//!   takes the *last* page's IFD (IFD3) over IFD0, which describes the main image. We take IFD0
//!   and fall back to later IFDs only when IFD0 lacks the tag.
//! - **Damaged ASCII dates** (`m1-`/`m4-299787….tif`): the files have bit-flipped date bytes;
//!   ExifTool and we replace different bytes by `?` because ExifTool reads a different IFD copy.
//!   Neither value is a date.
//! - **XMP `exif:ColorSpace` = 4294967295**: ExifTool rewrites it to 65535 (its int16u
//!   reading); we keep the value written in the packet.
//! - **`SpatialFrequencyResponse` with binary content**: ExifTool prints raw control bytes as a
//!   string; we report it as binary data.
//! - **A value past the end of the file** (`m13-42c19….tif`, a classic TIFF whose magic
//!   number is damaged into 43): ExifTool stops reading IFD0 at the first entry whose value it
//!   cannot read ("Error reading value for IFD0 entry 1") and outputs only `Compression`; we
//!   skip that entry and keep reading, so we also output the later entries of IFD0.
//! - **Damaged IFDs with garbage entries** (IFDs of more than 1,024 entries): we output only
//!   entries whose type and value can be read; kamadak-exif gave empty strings for the others,
//!   which ExifTool does not output either.
//! - Not matched yet: a `PreviewImage*` naming rule for one damaged TIFF, and ExifTool's
//!   alias-free reading of XMP: Adobe's toolkit merges
//!   the legacy aliases (`tiff:Artist` → `dc:creator`, `photoshop:Caption` → `dc:description`…)
//!   into their base properties when it parses.
//!
//! # Limits
//!
//! [`ReadLimits`] bounds segment sizes, entry counts, inflated text and box depth; every
//! default is a named constant (`ReadLimits::DEFAULT_*`, [`iim::DEFAULT_MAX_DATASETS`]).
//! Lenient mode (default) returns what could be read plus [`Metadata::warnings`]; strict mode
//! ([`ReadOptions::strict`]) fails on the first defect.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod agreement;
pub mod container;
mod error;
mod exif;
pub mod iim;
pub mod irb;
pub mod model;
mod mwg;
pub mod names;
pub mod preview;
mod sparse;
mod tiffdir;
mod value;
pub mod write;
mod xmp;

use std::path::{Path, PathBuf};

use damkit_core::MediaType;
use md5::{Digest as _, Md5};

pub use container::{Blocks, ReadLimits};
pub use error::{Error, Result};
pub use iim::{IimBlock, IimCharset};
pub use mwg::{Reconciled, Source};
pub use preview::{EmbeddedPreview, PreviewKind, Previews, previews, previews_in_bytes};
pub use value::{Tag, Value};
pub use write::{Edit, Op, WriteOptions, WriteReport, write_path};

use container::Diag;

/// How to read.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Fail on the first defect instead of returning what could be read plus warnings.
    pub strict: bool,
    /// How IIM text without a 1:90 CodedCharacterSet is decoded.
    pub iim_charset: IimCharset,
    /// Size and count limits.
    pub limits: ReadLimits,
    /// Also read `NAME.xmp` and `NAME.EXT.xmp` beside the file ([`read_path`] only); their
    /// XMP values replace the embedded ones of the same key.
    pub sidecars: bool,
}

impl ReadOptions {
    /// Strict mode: fail on the first defect.
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Reads XMP sidecars beside the file.
    #[must_use]
    pub fn with_sidecars(mut self, on: bool) -> Self {
        self.sidecars = on;
        self
    }

    /// Sets the IIM character-set fallback.
    #[must_use]
    pub fn with_iim_charset(mut self, c: IimCharset) -> Self {
        self.iim_charset = c;
        self
    }

    /// Sets the limits.
    #[must_use]
    pub fn with_limits(mut self, l: ReadLimits) -> Self {
        self.limits = l;
        self
    }
}

/// Everything read from one file.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Metadata {
    /// The file, when read from a path.
    pub path: Option<PathBuf>,
    /// The detected container format.
    pub media_type: Option<MediaType>,
    /// Every tag, in ExifTool's names and `-n` values, EXIF first, then IPTC, then XMP.
    pub tags: Vec<Tag>,
    /// The MWG reconciled fields.
    pub mwg: Vec<Reconciled>,
    /// Defects met in lenient mode.
    pub warnings: Vec<String>,
    /// The raw blocks found.
    pub blocks: Blocks,
    /// The parsed IIM block.
    pub iim: Option<IimBlock>,
    /// The stored IPTC digest (Photoshop resource 0x0425), hex.
    pub iptc_digest: Option<String>,
    /// The MD5 of the current IIM block, hex.
    pub current_iptc_digest: Option<String>,
    /// Sidecars that were read.
    pub sidecars: Vec<PathBuf>,
}

impl Metadata {
    /// The value of `Group:Tag` (ExifTool's names; `MWG:Name` gives reconciled values).
    pub fn get(&self, key: &str) -> Option<&Value> {
        let (g, n) = key.split_once(':')?;
        if g == "MWG" {
            return self.mwg.iter().find(|r| r.name == n).map(|r| &r.value);
        }
        self.tags
            .iter()
            .find(|t| t.group == g && t.name == n)
            .map(|t| &t.value)
    }

    /// The typed model (IPTC Photo Metadata, EXIF technical fields, GPS, provenance).
    pub fn photo(&self) -> model::Photo {
        model::Photo::from_metadata(self)
    }

    /// The reconciled field `name` (`Description`, `Keywords`…) with its source.
    pub fn reconciled(&self, name: &str) -> Option<&Reconciled> {
        self.mwg.iter().find(|r| r.name == name)
    }

    /// One JSON object shaped like `exiftool -j -G1 -n -struct` output, plus the MWG
    /// composites as `MWG:Name`.
    pub fn to_exiftool_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        if let Some(p) = &self.path {
            m.insert("SourceFile".into(), p.display().to_string().into());
        }
        if let Some(d) = &self.current_iptc_digest {
            m.insert("File:CurrentIPTCDigest".into(), d.clone().into());
        }
        for t in &self.tags {
            m.entry(t.key()).or_insert_with(|| t.value.to_json());
        }
        for r in &self.mwg {
            let v = match &r.value {
                Value::List(l) if l.len() == 1 => l[0].to_json(),
                v => v.to_json(),
            };
            m.insert(format!("MWG:{}", r.name), v);
        }
        serde_json::Value::Object(m)
    }
}

/// Reads a file (and, with [`ReadOptions::sidecars`], its XMP sidecars).
pub fn read_path(path: impl AsRef<Path>, opts: &ReadOptions) -> Result<Metadata> {
    let path = path.as_ref();
    let io = |e| Error::io(path, e);
    // one open and one fstat per file
    let mut file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    if len > opts.limits.max_segment_bytes.saturating_mul(16) {
        return Err(Error::Limit {
            what: "file size",
            value: len,
            limit: opts.limits.max_segment_bytes.saturating_mul(16),
            constant: "ReadLimits::max_segment_bytes x 16",
        });
    }
    let data = read_head(&mut file, len).map_err(io)?;
    let ext = path.extension().and_then(|e| e.to_str());
    let kind = MediaType::detect_with_hint(&data, ext).or_else(|| sniff(&data));
    let mut md = read_kind(std::borrow::Cow::Owned(data), kind, opts).map_err(|e| match e {
        Error::Io { source, .. } => Error::io(path, source),
        e => e,
    })?;
    md.path = Some(path.to_path_buf());
    if opts.sidecars && kind != Some(MediaType::Xmp) {
        for sc in sidecar_paths(path) {
            if let Ok(bytes) = std::fs::read(&sc) {
                let mut diag = Diag::new(opts.strict);
                let (tags, _) = xmp::read(&[bytes], &[], &mut diag)
                    .map_err(|e| Error::Xmp(format!("{}: {e}", sc.display())))?;
                // a sidecar is authoritative over the embedded XMP (RAW workflows)
                for t in tags {
                    md.tags
                        .retain(|x| !(x.group == t.group && x.name == t.name));
                    md.tags.push(t);
                }
                md.warnings.extend(
                    diag.warnings
                        .into_iter()
                        .map(|w| format!("{}: {w}", sc.display())),
                );
                md.sidecars.push(sc);
            }
        }
        if !md.sidecars.is_empty() {
            md.mwg = mwg::reconcile(&md.tags, digest_state(&md));
        }
    }
    Ok(md)
}

/// Reads a file; for a JPEG only up to the start of the entropy-coded data (SOS), which
/// holds no metadata; for TIFF, PSD, PNG, HEIC/HEIF/AVIF and WebP only the metadata regions
/// ([`sparse`]).
fn read_head<R: std::io::Read + std::io::Seek>(f: &mut R, len: u64) -> std::io::Result<Vec<u8>> {
    read_head_above(f, len, None)
}

/// [`read_head`]; `always_sparse` gives the sparse reader's whole-read threshold.
fn read_head_above<R: std::io::Read + std::io::Seek>(
    f: &mut R,
    len: u64,
    always_sparse: Option<u64>,
) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    const HEAD: u64 = 16 * 1024;
    let mut buf = Vec::with_capacity(usize::try_from(len.min(HEAD)).unwrap_or(0));
    f.take(HEAD).read_to_end(&mut buf)?;
    if !buf.starts_with(&[0xFF, 0xD8]) {
        // TIFF, PSD, PNG, ISO-BMFF, WebP: only the structure and metadata regions (see
        // `sparse`)
        return match always_sparse {
            Some(small) => sparse::read_above(f, len, buf, small),
            None => sparse::read(f, len, buf),
        };
    }
    loop {
        match jpeg_sos(&buf) {
            Ok(end) => {
                buf.truncate(end);
                return Ok(buf);
            }
            Err(want) => {
                // exactly up to the next segment's header: segments after the first 64 KB
                // (extended XMP, previews in APP2…) are read one by one, never past SOS
                let before = buf.len();
                let more = (want.saturating_sub(before) as u64).max(4);
                f.take(more).read_to_end(&mut buf)?;
                if buf.len() == before {
                    return Ok(buf);
                }
            }
        }
    }
}

/// The length of a JPEG prefix that ends just after the SOS segment header, or, when `buf`
/// ends first, `Err` with the length `buf` needs to reach the next segment's header. A marker
/// structure we cannot follow returns the whole buffer length (the parser then reports the
/// defect).
fn jpeg_sos(buf: &[u8]) -> std::result::Result<usize, usize> {
    let mut p = 2;
    loop {
        if p + 4 > buf.len() {
            return Err(p + 4);
        }
        if buf[p] != 0xFF {
            // not a marker: the parser stops here and reports it
            return Ok(buf.len());
        }
        let m = buf[p + 1];
        if m == 0xFF {
            p += 1;
            continue;
        }
        if matches!(m, 0xD8 | 0x01 | 0xD0..=0xD7) {
            p += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([buf[p + 2], buf[p + 3]]));
        if m == 0xDA || m == 0xD9 {
            return Ok((p + 4).min(buf.len()));
        }
        p += 2 + len;
    }
}

/// The sidecar paths present for `path`, in reading order: `NAME.EXT.xmp` (darktable style),
/// then `NAME.xmp` (Lightroom, ExifTool), which wins where both set a value.
pub fn sidecar_paths(path: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    // appended to the raw file name (not its display form: non-UTF-8 names stay intact)
    let appended = |ext: &str| {
        let mut s = path.as_os_str().to_os_string();
        s.push(ext);
        PathBuf::from(s)
    };
    for cand in [
        appended(".xmp"),
        appended(".XMP"),
        path.with_extension("xmp"),
        path.with_extension("XMP"),
    ] {
        if cand != path && cand.is_file() && !out.iter().any(|o: &PathBuf| same_file(o, &cand)) {
            out.push(cand);
        }
    }
    out
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Reads from any seekable source (format detected from its bytes), as [`read_path`] reads a
/// file: for TIFF, PSD, PNG, HEIC/HEIF/AVIF and WebP only the structure and metadata regions
/// are read, for JPEG
/// only what precedes the entropy-coded data. The result equals [`read_bytes`] on the whole
/// content. The source is read from its start.
pub fn read_seekable<R: std::io::Read + std::io::Seek>(
    r: &mut R,
    opts: &ReadOptions,
) -> Result<Metadata> {
    read_seekable_above(r, opts, None)
}

/// Fuzzing and tests: [`read_seekable`] reading sparsely whatever the size (small files are
/// otherwise read whole).
#[doc(hidden)]
pub fn read_seekable_always_sparse<R: std::io::Read + std::io::Seek>(
    r: &mut R,
    opts: &ReadOptions,
) -> Result<Metadata> {
    read_seekable_above(r, opts, Some(0))
}

fn read_seekable_above<R: std::io::Read + std::io::Seek>(
    r: &mut R,
    opts: &ReadOptions,
    small: Option<u64>,
) -> Result<Metadata> {
    let io = |e| Error::Io {
        path: PathBuf::from("<seekable source>"),
        source: e,
    };
    let len = r.seek(std::io::SeekFrom::End(0)).map_err(io)?;
    if len > opts.limits.max_segment_bytes.saturating_mul(16) {
        return Err(Error::Limit {
            what: "file size",
            value: len,
            limit: opts.limits.max_segment_bytes.saturating_mul(16),
            constant: "ReadLimits::max_segment_bytes x 16",
        });
    }
    r.seek(std::io::SeekFrom::Start(0)).map_err(io)?;
    let data = read_head_above(r, len, small).map_err(io)?;
    let kind = MediaType::detect(&data).or_else(|| sniff(&data));
    read_kind(std::borrow::Cow::Owned(data), kind, opts)
}

/// Reads a whole file held in memory (format detected from its bytes).
pub fn read_bytes(data: &[u8], opts: &ReadOptions) -> Result<Metadata> {
    read_kind(
        std::borrow::Cow::Borrowed(data),
        MediaType::detect(data).or_else(|| sniff(data)),
        opts,
    )
}

/// Looser detection than core's for damaged files ExifTool still reads: a JPEG whose SOI is
/// followed by a non-marker byte, a TIFF with a damaged magic number.
fn sniff(data: &[u8]) -> Option<MediaType> {
    if data.starts_with(&[0xFF, 0xD8]) {
        Some(MediaType::Jpeg)
    } else if data.starts_with(b"MM\0") || data.starts_with(b"II") && data.get(3) == Some(&0) {
        Some(MediaType::Tiff)
    } else {
        None
    }
}

fn digest_state(md: &Metadata) -> mwg::Digest {
    match (&md.iptc_digest, &md.current_iptc_digest) {
        (Some(stored), Some(cur)) if !stored.eq_ignore_ascii_case(cur) => mwg::Digest::IptcWins,
        _ => mwg::Digest::XmpMayWin,
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn read_kind(
    data: std::borrow::Cow<'_, [u8]>,
    kind: Option<MediaType>,
    opts: &ReadOptions,
) -> Result<Metadata> {
    let kind = kind.ok_or_else(|| Error::UnsupportedFormat {
        hint: Some(format!("first bytes {}", hex(&data[..data.len().min(8)]))),
    })?;
    let mut diag = Diag::new(opts.strict);
    let mut blocks = container::extract_with(&data, kind, &opts.limits, &mut diag, false)?;
    let mut md = Metadata {
        media_type: Some(kind),
        ..Metadata::default()
    };
    if blocks.is_tiff {
        // the EXIF block is the whole file: hand the buffer over without another copy (a
        // Photoshop-resource EXIF copy is not used for a TIFF)
        blocks.exif = None;
        md.tags.extend(exif::read(
            data.into_owned(),
            blocks.exif_offset,
            &mut diag,
        )?);
    } else if let Some(exif) = &blocks.exif {
        md.tags
            .extend(exif::read(exif.clone(), blocks.exif_offset, &mut diag)?);
    }
    if let Some(iim) = &blocks.iim {
        let max = usize::try_from(opts.limits.max_entries).unwrap_or(usize::MAX);
        let (block, err) = IimBlock::parse(iim, opts.strict, max)?;
        if let Some(e) = err {
            diag.defect(e)?;
        }
        md.current_iptc_digest = Some(hex(&Md5::digest(iim)));
        for (name, value) in iim::to_tags(&block, opts.iim_charset) {
            md.tags.push(Tag {
                group: "IPTC".into(),
                name,
                value,
            });
        }
        md.iim = Some(block);
    }
    if let Some(irb) = &blocks.irb {
        let (res, _) = irb::parse(irb, &opts.limits);
        if let Some(d) = res.iter().find(|r| r.id == irb::IPTC_DIGEST) {
            md.iptc_digest = Some(hex(d.data));
        }
    }
    let (xtags, _) = xmp::read(&blocks.xmp, &blocks.xmp_extended, &mut diag)?;
    md.tags.extend(xtags);
    md.mwg = mwg::reconcile(&md.tags, digest_state(&md));
    md.blocks = blocks;
    md.warnings = diag.warnings;
    Ok(md)
}
