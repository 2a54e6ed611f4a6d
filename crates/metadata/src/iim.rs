//! IPTC-IIM (Information Interchange Model) datasets: our own parser and writer.
//!
//! A block is a sequence of datasets `0x1C record number length data`; a length with the
//! high bit set is an *extended* length whose low 15 bits give the size of the real length
//! field. Records 1 (envelope) and 2 (application) are named; other records are kept raw.
//! Text is decoded by the CodedCharacterSet dataset 1:90 (`ESC % G` = UTF-8); without it,
//! [`IimCharset::Auto`] decodes UTF-8 when valid, else Windows-1252 (ExifTool's rule).

use crate::error::{Error, Result};

/// The tag byte that starts each dataset.
pub const TAG_MARKER: u8 = 0x1C;
/// The CodedCharacterSet value that declares UTF-8 (`ESC % G`).
pub const UTF8_DECLARATION: &[u8] = b"\x1b%G";
/// Default largest number of datasets read from one block.
pub const DEFAULT_MAX_DATASETS: usize = 100_000;

/// How text datasets are decoded when the block has no 1:90 CodedCharacterSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum IimCharset {
    /// UTF-8 when the bytes are valid UTF-8, else Windows-1252 (ExifTool's default).
    #[default]
    Auto,
    /// Always UTF-8 (invalid bytes become U+FFFD).
    Utf8,
    /// Always Windows-1252.
    Windows1252,
}

/// One dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    /// Record number (1 envelope, 2 application, ...).
    pub record: u8,
    /// Dataset number within the record.
    pub number: u8,
    /// Raw bytes.
    pub data: Vec<u8>,
}

/// A parsed IIM block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IimBlock {
    /// The datasets in file order.
    pub datasets: Vec<Dataset>,
}

/// How a dataset's bytes are interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text in the block's character set.
    Text,
    /// Digits (kept as text; ExifTool prints them as numbers).
    Digits,
    /// Big-endian unsigned integer (1, 2 or 4 bytes).
    Int,
    /// `CCYYMMDD`, printed `CCYY:MM:DD`.
    Date,
    /// `HHMMSS±HHMM`, printed `HH:MM:SS±HH:MM`.
    Time,
    /// Binary data.
    Binary,
    /// Raw bytes as text (CodedCharacterSet).
    Raw,
}

/// What ExifTool calls a dataset, whether it repeats, its format and its maximum length.
#[derive(Debug, Clone, Copy)]
pub struct DatasetInfo {
    /// Record.
    pub record: u8,
    /// Dataset number.
    pub number: u8,
    /// ExifTool's tag name.
    pub name: &'static str,
    /// Repeatable (a list in ExifTool).
    pub list: bool,
    /// Value format.
    pub format: Format,
    /// Maximum length in bytes from the IIM 4.2 spec (0: none).
    pub max_len: u16,
}

macro_rules! ds {
    ($r:expr, $n:expr, $name:expr, $list:expr, $f:ident, $max:expr) => {
        DatasetInfo {
            record: $r,
            number: $n,
            name: $name,
            list: $list,
            format: Format::$f,
            max_len: $max,
        }
    };
}

/// Records 1 and 2 with ExifTool's names (IPTC.pm).
pub const DATASETS: &[DatasetInfo] = &[
    ds!(1, 0, "EnvelopeRecordVersion", false, Int, 2),
    ds!(1, 5, "Destination", true, Text, 1024),
    ds!(1, 20, "FileFormat", false, Int, 2),
    ds!(1, 22, "FileVersion", false, Int, 2),
    ds!(1, 30, "ServiceIdentifier", false, Text, 10),
    ds!(1, 40, "EnvelopeNumber", false, Digits, 8),
    ds!(1, 50, "ProductID", true, Text, 32),
    ds!(1, 60, "EnvelopePriority", false, Digits, 1),
    ds!(1, 70, "DateSent", false, Date, 8),
    ds!(1, 80, "TimeSent", false, Time, 11),
    ds!(1, 90, "CodedCharacterSet", false, Raw, 32),
    ds!(1, 100, "UniqueObjectName", false, Text, 80),
    ds!(1, 120, "ARMIdentifier", false, Int, 2),
    ds!(1, 122, "ARMVersion", false, Int, 2),
    ds!(2, 0, "ApplicationRecordVersion", false, Int, 2),
    ds!(2, 3, "ObjectTypeReference", false, Text, 67),
    ds!(2, 4, "ObjectAttributeReference", true, Text, 68),
    ds!(2, 5, "ObjectName", false, Text, 64),
    ds!(2, 7, "EditStatus", false, Text, 64),
    ds!(2, 8, "EditorialUpdate", false, Digits, 2),
    ds!(2, 10, "Urgency", false, Digits, 1),
    ds!(2, 12, "SubjectReference", true, Text, 236),
    ds!(2, 15, "Category", false, Text, 3),
    ds!(2, 20, "SupplementalCategories", true, Text, 32),
    ds!(2, 22, "FixtureIdentifier", false, Text, 32),
    ds!(2, 25, "Keywords", true, Text, 64),
    ds!(2, 26, "ContentLocationCode", true, Text, 3),
    ds!(2, 27, "ContentLocationName", true, Text, 64),
    ds!(2, 30, "ReleaseDate", false, Date, 8),
    ds!(2, 35, "ReleaseTime", false, Time, 11),
    ds!(2, 37, "ExpirationDate", false, Date, 8),
    ds!(2, 38, "ExpirationTime", false, Time, 11),
    ds!(2, 40, "SpecialInstructions", false, Text, 256),
    ds!(2, 42, "ActionAdvised", false, Digits, 2),
    ds!(2, 45, "ReferenceService", true, Text, 10),
    ds!(2, 47, "ReferenceDate", true, Date, 8),
    ds!(2, 50, "ReferenceNumber", true, Digits, 8),
    ds!(2, 55, "DateCreated", false, Date, 8),
    ds!(2, 60, "TimeCreated", false, Time, 11),
    ds!(2, 62, "DigitalCreationDate", false, Date, 8),
    ds!(2, 63, "DigitalCreationTime", false, Time, 11),
    ds!(2, 65, "OriginatingProgram", false, Text, 32),
    ds!(2, 70, "ProgramVersion", false, Text, 10),
    ds!(2, 75, "ObjectCycle", false, Text, 1),
    ds!(2, 80, "By-line", true, Text, 32),
    ds!(2, 85, "By-lineTitle", true, Text, 32),
    ds!(2, 90, "City", false, Text, 32),
    ds!(2, 92, "Sub-location", false, Text, 32),
    ds!(2, 95, "Province-State", false, Text, 32),
    ds!(2, 100, "Country-PrimaryLocationCode", false, Text, 3),
    ds!(2, 101, "Country-PrimaryLocationName", false, Text, 64),
    ds!(2, 103, "OriginalTransmissionReference", false, Text, 32),
    ds!(2, 105, "Headline", false, Text, 256),
    ds!(2, 110, "Credit", false, Text, 32),
    ds!(2, 115, "Source", false, Text, 32),
    ds!(2, 116, "CopyrightNotice", false, Text, 128),
    ds!(2, 118, "Contact", true, Text, 128),
    ds!(2, 120, "Caption-Abstract", false, Text, 2000),
    ds!(2, 121, "LocalCaption", false, Text, 256),
    ds!(2, 122, "Writer-Editor", true, Text, 32),
    ds!(2, 125, "RasterizedCaption", false, Binary, 7360),
    ds!(2, 130, "ImageType", false, Text, 2),
    ds!(2, 131, "ImageOrientation", false, Text, 1),
    ds!(2, 135, "LanguageIdentifier", false, Text, 3),
    ds!(2, 150, "AudioType", false, Text, 2),
    ds!(2, 151, "AudioSamplingRate", false, Digits, 6),
    ds!(2, 152, "AudioSamplingResolution", false, Digits, 2),
    ds!(2, 153, "AudioDuration", false, Digits, 6),
    ds!(2, 154, "AudioOutcue", false, Text, 64),
    ds!(2, 184, "JobID", false, Text, 64),
    ds!(2, 185, "MasterDocumentID", false, Text, 256),
    ds!(2, 186, "ShortDocumentID", false, Text, 64),
    ds!(2, 187, "UniqueDocumentID", false, Text, 128),
    ds!(2, 188, "OwnerID", false, Text, 128),
    ds!(2, 200, "ObjectPreviewFileFormat", false, Int, 2),
    ds!(2, 201, "ObjectPreviewFileVersion", false, Int, 2),
    ds!(2, 202, "ObjectPreviewData", false, Binary, 0),
    ds!(2, 221, "Prefs", false, Text, 64),
    ds!(2, 225, "ClassifyState", false, Text, 64),
    ds!(2, 228, "SimilarityIndex", false, Text, 32),
    ds!(2, 230, "DocumentNotes", false, Text, 1024),
    ds!(2, 231, "DocumentHistory", false, Text, 256),
    ds!(2, 232, "ExifCameraInfo", false, Text, 4096),
    ds!(2, 255, "CatalogSets", true, Text, 256),
];

/// Looks a dataset up by record and number.
pub fn info(record: u8, number: u8) -> Option<&'static DatasetInfo> {
    DATASETS
        .iter()
        .find(|d| d.record == record && d.number == number)
}

/// Looks a dataset up by ExifTool name (case-insensitive).
pub fn info_by_name(name: &str) -> Option<&'static DatasetInfo> {
    DATASETS.iter().find(|d| d.name.eq_ignore_ascii_case(name))
}

impl IimBlock {
    /// Parses a block. In lenient mode (`strict == false`) a defect ends the parse and is
    /// returned beside the datasets read so far; in strict mode it is the error.
    pub fn parse(d: &[u8], strict: bool, max_datasets: usize) -> Result<(IimBlock, Option<Error>)> {
        let mut out = IimBlock::default();
        let mut p = 0usize;
        let fail = |out: IimBlock, e: Error| if strict { Err(e) } else { Ok((out, Some(e))) };
        while p < d.len() {
            if d[p] != TAG_MARKER {
                // Photoshop pads the block with zeros
                if d[p..].iter().all(|&b| b == 0) {
                    break;
                }
                return fail(
                    out,
                    Error::malformed(
                        "IPTC-IIM",
                        p,
                        format!("expected tag marker 0x1C, found 0x{:02X}", d[p]),
                    ),
                );
            }
            if out.datasets.len() >= max_datasets {
                return Err(Error::Limit {
                    what: "IIM dataset count",
                    value: out.datasets.len() as u64 + 1,
                    limit: max_datasets as u64,
                    constant: "iim::DEFAULT_MAX_DATASETS",
                });
            }
            let Some(h) = d.get(p + 1..p + 5) else {
                return fail(
                    out,
                    Error::malformed("IPTC-IIM", p, "truncated dataset header"),
                );
            };
            let (record, number) = (h[0], h[1]);
            let mut len = usize::from(u16::from_be_bytes([h[2], h[3]]));
            let mut q = p + 5;
            if len & 0x8000 != 0 {
                let n = len & 0x7FFF;
                if n == 0 || n > 4 {
                    return fail(
                        out,
                        Error::malformed(
                            "IPTC-IIM",
                            p,
                            format!(
                                "dataset {record}:{number} has an extended length field of {n} bytes"
                            ),
                        ),
                    );
                }
                let Some(lb) = d.get(q..q + n) else {
                    return fail(
                        out,
                        Error::malformed("IPTC-IIM", p, "truncated extended length"),
                    );
                };
                len = lb.iter().fold(0usize, |a, &b| (a << 8) | usize::from(b));
                q += n;
            }
            let Some(data) = q.checked_add(len).and_then(|e| d.get(q..e)) else {
                return fail(
                    out,
                    Error::malformed(
                        "IPTC-IIM",
                        p,
                        format!("dataset {record}:{number} of {len} bytes runs past the block"),
                    ),
                );
            };
            out.datasets.push(Dataset {
                record,
                number,
                data: data.to_vec(),
            });
            p = q + len;
        }
        Ok((out, None))
    }

    /// Serialises the block (extended lengths for datasets over 32,767 bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for ds in &self.datasets {
            out.push(TAG_MARKER);
            out.push(ds.record);
            out.push(ds.number);
            if ds.data.len() < 0x8000 {
                out.extend_from_slice(&(ds.data.len() as u16).to_be_bytes());
            } else {
                out.extend_from_slice(&0x8004u16.to_be_bytes());
                out.extend_from_slice(&(ds.data.len() as u32).to_be_bytes());
            }
            out.extend_from_slice(&ds.data);
        }
        out
    }

    /// Whether 1:90 declares UTF-8.
    pub fn declares_utf8(&self) -> bool {
        self.datasets
            .iter()
            .any(|d| d.record == 1 && d.number == 90 && d.data == UTF8_DECLARATION)
    }

    /// Decodes text bytes in this block's character set.
    pub fn decode(&self, bytes: &[u8], charset: IimCharset) -> String {
        if self.declares_utf8() {
            return String::from_utf8_lossy(bytes).into_owned();
        }
        match charset {
            IimCharset::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            IimCharset::Windows1252 => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
            IimCharset::Auto => match std::str::from_utf8(bytes) {
                Ok(s) => s.to_string(),
                Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
            },
        }
    }

    /// The decoded text values of a dataset, in order (empty when absent).
    pub fn texts(&self, record: u8, number: u8, charset: IimCharset) -> Vec<String> {
        self.datasets
            .iter()
            .filter(|d| d.record == record && d.number == number)
            .map(|d| self.decode(&d.data, charset))
            .collect()
    }

    /// Whether any value of a dataset fills its IIM maximum length (it was probably cut).
    pub fn at_length_limit(&self, record: u8, number: u8) -> bool {
        let Some(i) = info(record, number) else {
            return false;
        };
        i.max_len > 0
            && self.datasets.iter().any(|d| {
                d.record == record && d.number == number && d.data.len() >= usize::from(i.max_len)
            })
    }

    /// Replaces all values of a dataset (empty `values` removes it), keeping the datasets
    /// sorted by record and number as IIM requires.
    pub fn set_texts(&mut self, record: u8, number: u8, values: &[String]) {
        let pos = self
            .datasets
            .iter()
            .position(|d| (d.record, d.number) >= (record, number))
            .unwrap_or(self.datasets.len());
        self.datasets
            .retain(|d| !(d.record == record && d.number == number));
        let pos = pos.min(self.datasets.len());
        let new = values.iter().map(|v| Dataset {
            record,
            number,
            data: v.as_bytes().to_vec(),
        });
        self.datasets.splice(pos..pos, new);
    }

    /// Re-encodes every text dataset as UTF-8 (decoding it with `charset` when the block does
    /// not declare UTF-8 yet) and declares UTF-8 in 1:90. Nothing is lost: Windows-1252 text
    /// becomes the same characters in UTF-8.
    pub fn convert_to_utf8(&mut self, charset: IimCharset) {
        if !self.declares_utf8() {
            let decoded: Vec<Option<Vec<u8>>> = self
                .datasets
                .iter()
                .map(|d| match info(d.record, d.number).map(|i| i.format) {
                    Some(Format::Text) if d.record == 2 => {
                        Some(self.decode(&d.data, charset).into_bytes())
                    }
                    _ => None,
                })
                .collect();
            for (d, new) in self.datasets.iter_mut().zip(decoded) {
                if let Some(n) = new {
                    d.data = n;
                }
            }
        }
        self.set_utf8();
    }

    /// Declares UTF-8 in 1:90 (inserting it when absent). Existing text is not re-encoded;
    /// see [`IimBlock::convert_to_utf8`].
    pub fn set_utf8(&mut self) {
        self.set_texts(
            1,
            90,
            &[String::from_utf8_lossy(UTF8_DECLARATION).into_owned()],
        );
    }
}

/// Formats a dataset value as ExifTool `-n` does.
pub fn format_value(
    block: &IimBlock,
    info: &DatasetInfo,
    data: &[u8],
    charset: IimCharset,
) -> String {
    match info.format {
        Format::Text | Format::Digits => block.decode(data, charset),
        Format::Raw => String::from_utf8_lossy(data).into_owned(),
        Format::Int => {
            if data.len() <= 8 && !data.is_empty() {
                data.iter()
                    .fold(0u64, |a, &b| (a << 8) | u64::from(b))
                    .to_string()
            } else {
                String::from_utf8_lossy(data).into_owned()
            }
        }
        Format::Binary => format!(
            "(Binary data {} bytes, use -b option to extract)",
            data.len()
        ),
        Format::Date => {
            let s = String::from_utf8_lossy(data);
            let s = s.trim();
            if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
                format!("{}:{}:{}", &s[..4], &s[4..6], &s[6..8])
            } else {
                s.to_string()
            }
        }
        Format::Time => {
            let s = String::from_utf8_lossy(data);
            let s = s.trim();
            let b = s.as_bytes();
            if b.len() >= 6 && b[..6].iter().all(u8::is_ascii_digit) {
                let mut out = format!("{}:{}:{}", &s[..2], &s[2..4], &s[4..6]);
                let rest = &s[6..];
                if rest.len() == 5 && (rest.starts_with('+') || rest.starts_with('-')) {
                    out.push_str(&format!("{}:{}", &rest[..3], &rest[3..5]));
                }
                out
            } else {
                s.to_string()
            }
        }
    }
}

/// Parses `data` and returns `(name, value)` pairs in ExifTool's form, grouping repeated
/// datasets into lists.
pub(crate) fn to_tags(block: &IimBlock, charset: IimCharset) -> Vec<(String, crate::Value)> {
    let mut out: Vec<(String, Vec<String>, bool)> = Vec::new();
    for d in &block.datasets {
        let Some(i) = info(d.record, d.number) else {
            continue;
        };
        let v = format_value(block, i, &d.data, charset);
        match out.iter_mut().find(|o| o.0 == i.name) {
            Some(o) if i.list => o.1.push(v),
            Some(_) => {} // a non-repeatable dataset repeated: ExifTool keeps the first
            None => out.push((i.name.to_string(), vec![v], i.list)),
        }
    }
    out.into_iter()
        .map(|(n, mut v, _)| {
            let val = if v.len() == 1 {
                crate::Value::Text(v.remove(0))
            } else {
                crate::Value::List(v.into_iter().map(crate::Value::Text).collect())
            };
            (n, val)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_extended_length() {
        let big = vec![b'x'; 40_000];
        let block = IimBlock {
            datasets: vec![
                Dataset {
                    record: 1,
                    number: 90,
                    data: UTF8_DECLARATION.to_vec(),
                },
                Dataset {
                    record: 2,
                    number: 25,
                    data: b"dog".to_vec(),
                },
                Dataset {
                    record: 2,
                    number: 25,
                    data: "caf\u{e9}".as_bytes().to_vec(),
                },
                Dataset {
                    record: 2,
                    number: 202,
                    data: big,
                },
            ],
        };
        let bytes = block.to_bytes();
        let (back, err) = IimBlock::parse(&bytes, true, DEFAULT_MAX_DATASETS).unwrap();
        assert!(err.is_none());
        assert_eq!(back, block);
        assert_eq!(
            back.texts(2, 25, IimCharset::Auto),
            vec!["dog", "caf\u{e9}"]
        );
    }

    #[test]
    fn cp1252_fallback_and_config() {
        let block = IimBlock {
            datasets: vec![Dataset {
                record: 2,
                number: 120,
                data: b"caf\xe9 \x80".to_vec(),
            }],
        };
        assert_eq!(
            block.texts(2, 120, IimCharset::Auto),
            vec!["caf\u{e9} \u{20ac}"]
        );
        assert_eq!(
            block.texts(2, 120, IimCharset::Utf8),
            vec!["caf\u{fffd} \u{fffd}"]
        );
    }

    #[test]
    fn truncated_lenient_and_strict() {
        let block = IimBlock {
            datasets: vec![
                Dataset {
                    record: 2,
                    number: 5,
                    data: b"title".to_vec(),
                },
                Dataset {
                    record: 2,
                    number: 120,
                    data: b"caption".to_vec(),
                },
            ],
        };
        let bytes = block.to_bytes();
        let cut = &bytes[..bytes.len() - 2];
        let (part, err) = IimBlock::parse(cut, false, DEFAULT_MAX_DATASETS).unwrap();
        assert_eq!(part.datasets.len(), 1);
        assert!(err.unwrap().to_string().contains("2:120"));
        assert!(IimBlock::parse(cut, true, DEFAULT_MAX_DATASETS).is_err());
    }

    #[test]
    fn dates_and_times() {
        let b = IimBlock::default();
        let d = info(2, 55).unwrap();
        assert_eq!(
            format_value(&b, d, b"20200630", IimCharset::Auto),
            "2020:06:30"
        );
        let t = info(2, 60).unwrap();
        assert_eq!(
            format_value(&b, t, b"042720+0100", IimCharset::Auto),
            "04:27:20+01:00"
        );
        assert_eq!(format_value(&b, t, b"042720", IimCharset::Auto), "04:27:20");
    }

    #[test]
    fn set_keeps_order() {
        let mut b = IimBlock::default();
        b.set_texts(2, 120, &["c".into()]);
        b.set_texts(2, 5, &["t".into()]);
        b.set_utf8();
        let order: Vec<_> = b.datasets.iter().map(|d| (d.record, d.number)).collect();
        assert_eq!(order, vec![(1, 90), (2, 5), (2, 120)]);
    }
}
