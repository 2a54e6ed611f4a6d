//! The metadata JSON the catalog stores for each version, and the typed facts read from it.
//!
//! # The stored JSON (`metadata.json`, [`VersionView::metadata`](super::VersionView::metadata))
//!
//! One flat JSON object per version, shaped like `exiftool -j -G1 -n -struct` output (keys
//! `Group:Tag` in ExifTool's family-1 group names, values with ExifTool's `-n` numbers), as
//! [`damkit_metadata::Metadata::to_exiftool_json`] gives it, plus:
//!
//! | key | value | written by |
//! |---|---|---|
//! | `SourceFile` | the path the file was ingested from (lossy UTF-8) | metadata stage |
//! | `MWG:Description`, `MWG:Keywords`, `MWG:Creator`, `MWG:Copyright`, `MWG:DateTimeOriginal`, `MWG:CreateDate`, `MWG:ModifyDate`, `MWG:Rating`, `MWG:Orientation`, `MWG:City`, `MWG:State`, `MWG:Country`, `MWG:Location` | the MWG reconciled values (EXIF / IPTC-IIM / XMP, with the IPTC digest rule) | metadata stage |
//! | `Composite:GPSLatitude`, `Composite:GPSLongitude`, `Composite:GPSAltitude` | decimal degrees (south/west negative), metres | metadata stage |
//! | `XMP:Sidecars` | the XMP sidecar files that were read (their values win over embedded XMP) | metadata stage |
//! | `File:ImageWidth`, `File:ImageHeight` | stored pixel size, from the decoder | renditions stage |
//!
//! Lists are JSON arrays; language alternatives are given in their `x-default` form.
//! Without the `metadata` feature the object holds only the `File:` keys the renditions
//! stage adds (or there is none).
//!
//! [`AssetFacts::from_metadata_json`] reads the fields applications usually want (and the
//! search index is built from) out of that object, so that callers need not know the keys.

use serde::Serialize;
use serde_json::Value;

/// The commonly used facts of a version, read from its stored metadata JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AssetFacts {
    /// `XMP-dc:Title`, else `IPTC:ObjectName`.
    pub title: Option<String>,
    /// `MWG:Description`.
    pub description: Option<String>,
    /// `XMP-photoshop:Headline`, else `IPTC:Headline`.
    pub headline: Option<String>,
    /// `MWG:Keywords`.
    pub keywords: Vec<String>,
    /// `XMP-lr:HierarchicalSubject` (`a|b|c` paths).
    pub hierarchical_keywords: Vec<String>,
    /// `MWG:Creator`.
    pub creators: Vec<String>,
    /// `MWG:Copyright`.
    pub copyright: Option<String>,
    /// `MWG:DateTimeOriginal` as ExifTool prints it (`YYYY:MM:DD HH:MM:SS[.fff][±HH:MM]`).
    pub date_taken: Option<String>,
    /// `IFD0:Make`, else `XMP-tiff:Make`.
    pub camera_make: Option<String>,
    /// `IFD0:Model`, else `XMP-tiff:Model`.
    pub camera_model: Option<String>,
    /// `ExifIFD:LensModel`, else `XMP-aux:Lens`.
    pub lens: Option<String>,
    /// `File:ImageWidth`, else the EXIF pixel width.
    pub width: Option<u32>,
    /// `File:ImageHeight`, else the EXIF pixel height.
    pub height: Option<u32>,
    /// `MWG:Orientation` (1-8).
    pub orientation: Option<u8>,
    /// `MWG:Rating`.
    pub rating: Option<f64>,
    /// `Composite:GPSLatitude`.
    pub latitude: Option<f64>,
    /// `Composite:GPSLongitude`.
    pub longitude: Option<f64>,
    /// `Composite:GPSAltitude`.
    pub altitude: Option<f64>,
    /// `MWG:City`.
    pub city: Option<String>,
    /// `MWG:State`.
    pub state: Option<String>,
    /// `MWG:Country`.
    pub country: Option<String>,
    /// `MWG:Location` (sublocation).
    pub location: Option<String>,
}

/// A JSON value as text: strings as they are, numbers printed, language alternatives by
/// `x-default` (else the first), lists by their first item.
fn text(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(a) => return a.iter().find_map(text),
        Value::Object(o) => {
            return o
                .get("x-default")
                .and_then(text)
                .or_else(|| o.values().find_map(text));
        }
        Value::Null => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn texts(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().filter_map(text).collect(),
        other => text(other).into_iter().collect(),
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Array(a) => a.first().and_then(number),
        _ => None,
    }
}

impl AssetFacts {
    /// Reads the facts from a stored metadata object (see the module docs for its keys).
    /// Anything missing or of the wrong shape is left empty.
    pub fn from_metadata_json(json: &Value) -> AssetFacts {
        let get = |keys: &[&str]| keys.iter().find_map(|k| json.get(*k).and_then(text));
        let list = |key: &str| json.get(key).map(texts).unwrap_or_default();
        let num = |keys: &[&str]| keys.iter().find_map(|k| json.get(*k).and_then(number));
        let dim = |keys: &[&str]| {
            num(keys)
                .filter(|v| *v >= 1.0 && *v <= f64::from(u32::MAX))
                .map(|v| v as u32)
        };
        AssetFacts {
            title: get(&["XMP-dc:Title", "IPTC:ObjectName"]),
            description: get(&["MWG:Description"]),
            headline: get(&["XMP-photoshop:Headline", "IPTC:Headline"]),
            keywords: list("MWG:Keywords"),
            hierarchical_keywords: list("XMP-lr:HierarchicalSubject"),
            creators: list("MWG:Creator"),
            copyright: get(&["MWG:Copyright"]),
            date_taken: get(&["MWG:DateTimeOriginal"]),
            camera_make: get(&["IFD0:Make", "XMP-tiff:Make"]),
            camera_model: get(&["IFD0:Model", "XMP-tiff:Model"]),
            lens: get(&["ExifIFD:LensModel", "XMP-aux:Lens", "XMP-exifEX:LensModel"]),
            width: dim(&[
                "File:ImageWidth",
                "ExifIFD:ExifImageWidth",
                "IFD0:ImageWidth",
                "XMP-exif:ExifImageWidth",
            ]),
            height: dim(&[
                "File:ImageHeight",
                "ExifIFD:ExifImageHeight",
                "IFD0:ImageHeight",
                "XMP-exif:ExifImageHeight",
            ]),
            orientation: num(&["MWG:Orientation", "IFD0:Orientation"])
                .filter(|o| (1.0..=8.0).contains(o))
                .map(|o| o as u8),
            rating: num(&["MWG:Rating", "XMP-xmp:Rating"]),
            latitude: num(&["Composite:GPSLatitude"]),
            longitude: num(&["Composite:GPSLongitude"]),
            altitude: num(&["Composite:GPSAltitude"]),
            city: get(&["MWG:City"]),
            state: get(&["MWG:State"]),
            country: get(&["MWG:Country"]),
            location: get(&["MWG:Location"]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_from_json() {
        let j = serde_json::json!({
            "XMP-dc:Title": {"x-default": "Bridge", "fr": "Pont"},
            "MWG:Description": "A bridge",
            "MWG:Keywords": ["bridge", "river"],
            "MWG:Orientation": 6,
            "File:ImageWidth": 640,
            "ExifIFD:ExifImageWidth": 4000,
            "IFD0:Make": "  ",
            "XMP-tiff:Make": "Canon",
            "Composite:GPSLatitude": -33.5,
        });
        let f = AssetFacts::from_metadata_json(&j);
        assert_eq!(f.title.as_deref(), Some("Bridge"));
        assert_eq!(f.keywords, ["bridge", "river"]);
        assert_eq!(f.orientation, Some(6));
        assert_eq!(f.width, Some(640));
        assert_eq!(f.camera_make.as_deref(), Some("Canon"));
        assert_eq!(f.latitude, Some(-33.5));
        assert_eq!(
            AssetFacts::from_metadata_json(&Value::Null),
            AssetFacts::default()
        );
    }
}
