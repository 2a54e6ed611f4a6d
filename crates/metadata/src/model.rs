//! A typed model of what matters to a DAM: the IPTC Photo Metadata Standard (2024.1 Core and
//! Extension, plus the 2025.1 AI properties), EXIF technical fields, rating, label,
//! hierarchical keywords and licensing. Built from the reconciled (MWG) values and the
//! ExifTool-named tags; every raw tag stays available in [`crate::Metadata::tags`].
//!
//! Each field is declared once with the ExifTool keys it is read from (first present wins),
//! in [`IPTC_FIELDS`]; writing uses the same table.

use serde::Serialize;

use crate::{Metadata, Value};

/// Reads a typed value from the first present key.
pub trait Pick: Sized {
    /// The value of the first key present in `md`.
    fn pick(md: &Metadata, keys: &[&str]) -> Self;
}

fn first<'a>(md: &'a Metadata, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| md.get(k))
}

impl Pick for Option<String> {
    fn pick(md: &Metadata, keys: &[&str]) -> Self {
        first(md, keys)
            .and_then(|v| v.first_text())
            .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
    }
}

impl Pick for Vec<String> {
    fn pick(md: &Metadata, keys: &[&str]) -> Self {
        first(md, keys)
            .map(|v| v.texts().into_iter().map(str::to_string).collect())
            .unwrap_or_default()
    }
}

impl Pick for Option<f64> {
    fn pick(md: &Metadata, keys: &[&str]) -> Self {
        first(md, keys).and_then(Value::as_f64)
    }
}

impl Pick for Vec<Value> {
    fn pick(md: &Metadata, keys: &[&str]) -> Self {
        match first(md, keys) {
            Some(Value::List(v)) => v.clone(),
            Some(v) => vec![v.clone()],
            None => Vec::new(),
        }
    }
}

impl Pick for Option<Value> {
    fn pick(md: &Metadata, keys: &[&str]) -> Self {
        first(md, keys).cloned()
    }
}

macro_rules! model {
    ($(#[$sm:meta])* $name:ident, $table:ident { $( $(#[$m:meta])* $field:ident : $ty:ty = [$($key:expr),*] ),* $(,)? }) => {
        $(#[$sm])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize)]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[$m])* #[serde(skip_serializing_if = "is_empty")] pub $field: $ty, )*
        }
        impl $name {
            /// Builds the model from a read.
            pub fn from_metadata(md: &Metadata) -> Self {
                Self { $( $field: <$ty as Pick>::pick(md, &[$($key),*]), )* }
            }
        }
        /// Field name and the ExifTool keys it is read from, in order of preference.
        pub const $table: &[(&str, &[&str])] = &[ $( (stringify!($field), &[$($key),*]), )* ];
    };
}

fn is_empty<T: Serialize>(v: &T) -> bool {
    matches!(serde_json::to_value(v), Ok(serde_json::Value::Null))
        || matches!(serde_json::to_value(v), Ok(serde_json::Value::Array(a)) if a.is_empty())
}

model! {
    /// The IPTC Photo Metadata Standard: the 25 Core and 37 Extension properties of the
    /// 2024.1 TechReference and the 2025.1 AI properties.
    IptcPhoto, IPTC_FIELDS {
        // ---- IPTC Core (25)
        /// Core: City.
        city: Option<String> = ["MWG:City"],
        /// Core: Copyright Notice.
        copyright_notice: Option<String> = ["MWG:Copyright"],
        /// Core: Country.
        country: Option<String> = ["MWG:Country"],
        /// Core: Country Code.
        country_code: Option<String> = ["XMP-iptcCore:CountryCode", "IPTC:Country-PrimaryLocationCode"],
        /// Core: Creator.
        creator: Vec<String> = ["MWG:Creator"],
        /// Core: Creator's Contact Info (structure).
        creator_contact_info: Option<Value> = ["XMP-iptcCore:CreatorContactInfo"],
        /// Core: Creator's Jobtitle.
        creators_jobtitle: Option<String> = ["XMP-photoshop:AuthorsPosition", "IPTC:By-lineTitle"],
        /// Core: Date Created.
        date_created: Option<String> = ["MWG:DateTimeOriginal"],
        /// Core: Description.
        description: Option<String> = ["MWG:Description"],
        /// Core: Description Writer.
        description_writer: Option<String> = ["XMP-photoshop:CaptionWriter", "IPTC:Writer-Editor"],
        /// Core: Headline.
        headline: Option<String> = ["XMP-photoshop:Headline", "IPTC:Headline"],
        /// Core: Instructions.
        instructions: Option<String> = ["XMP-photoshop:Instructions", "IPTC:SpecialInstructions"],
        /// Core: Intellectual Genre.
        intellectual_genre: Option<String> = ["XMP-iptcCore:IntellectualGenre", "IPTC:ObjectAttributeReference"],
        /// Core: Job Id.
        job_id: Option<String> = ["XMP-photoshop:TransmissionReference", "IPTC:OriginalTransmissionReference"],
        /// Core: Keywords.
        keywords: Vec<String> = ["MWG:Keywords"],
        /// Core: Province or State.
        province_or_state: Option<String> = ["MWG:State"],
        /// Core: Rights Usage Terms.
        rights_usage_terms: Option<String> = ["XMP-xmpRights:UsageTerms"],
        /// Core: Scene Code.
        scene_code: Vec<String> = ["XMP-iptcCore:Scene"],
        /// Core: Source (Supply Chain).
        source: Option<String> = ["XMP-photoshop:Source", "IPTC:Source"],
        /// Core: Subject Code.
        subject_code: Vec<String> = ["XMP-iptcCore:SubjectCode", "IPTC:SubjectReference"],
        /// Core: Sublocation.
        sublocation: Option<String> = ["MWG:Location"],
        /// Core: Title.
        title: Option<String> = ["XMP-dc:Title", "IPTC:ObjectName"],
        /// Core: Alt Text (Accessibility).
        alt_text_accessibility: Option<String> = ["XMP-iptcCore:AltTextAccessibility"],
        /// Core: Extended Description (Accessibility).
        extended_description_accessibility: Option<String> = ["XMP-iptcCore:ExtDescrAccessibility"],
        /// Core: Credit Line.
        credit_line: Option<String> = ["XMP-photoshop:Credit", "IPTC:Credit"],
        // ---- IPTC Extension (37)
        /// Ext: Additional Model Information.
        additional_model_information: Option<String> = ["XMP-iptcExt:AdditionalModelInformation"],
        /// Ext: Artwork or Object in the Image.
        artwork_or_object: Vec<Value> = ["XMP-iptcExt:ArtworkOrObject"],
        /// Ext: Code of Organisation Featured in the Image.
        organisation_in_image_code: Vec<String> = ["XMP-iptcExt:OrganisationInImageCode"],
        /// Ext: Contributor.
        contributor: Vec<Value> = ["XMP-iptcExt:Contributor"],
        /// Ext: Copyright Owner.
        copyright_owner: Vec<Value> = ["XMP-plus:CopyrightOwner"],
        /// Ext: CV-Term About Image.
        about_cv_term: Vec<Value> = ["XMP-iptcExt:AboutCvTerm"],
        /// Ext: Data Mining.
        data_mining: Option<String> = ["XMP-plus:DataMining"],
        /// Ext: Digital Image GUID.
        digital_image_guid: Option<String> = ["XMP-iptcExt:DigitalImageGUID"],
        /// Ext: Digital Source Type.
        digital_source_type: Option<String> = ["XMP-iptcExt:DigitalSourceType"],
        /// Ext: Embedded Encoded Rights Expression.
        embedded_encoded_rights_expression: Vec<Value> = ["XMP-iptcExt:EmbdEncRightsExpr"],
        /// Ext: Event Name.
        event: Option<String> = ["XMP-iptcExt:Event"],
        /// Ext: Event Identifier.
        event_id: Vec<String> = ["XMP-iptcExt:EventID"],
        /// Ext: Genre.
        genre: Vec<Value> = ["XMP-iptcExt:Genre"],
        /// Ext: Image Creator.
        image_creator: Vec<Value> = ["XMP-plus:ImageCreator"],
        /// Ext: Image Rating.
        image_rating: Option<f64> = ["XMP-xmp:Rating"],
        /// Ext: Image Region.
        image_region: Vec<Value> = ["XMP-iptcExt:ImageRegion"],
        /// Ext: Image Registry Entry.
        registry_id: Vec<Value> = ["XMP-iptcExt:RegistryID"],
        /// Ext: Image Supplier.
        image_supplier: Vec<Value> = ["XMP-plus:ImageSupplier"],
        /// Ext: Image Supplier Image ID.
        image_supplier_image_id: Option<String> = ["XMP-plus:ImageSupplierImageID"],
        /// Ext: Licensor.
        licensor: Vec<Value> = ["XMP-plus:Licensor"],
        /// Ext: Linked Encoded Rights Expression.
        linked_encoded_rights_expression: Vec<Value> = ["XMP-iptcExt:LinkedEncRightsExpr"],
        /// Ext: Location Created.
        location_created: Vec<Value> = ["XMP-iptcExt:LocationCreated"],
        /// Ext: Location Shown in the Image.
        location_shown: Vec<Value> = ["XMP-iptcExt:LocationShown"],
        /// Ext: Max Avail Height.
        max_avail_height: Option<f64> = ["XMP-iptcExt:MaxAvailHeight"],
        /// Ext: Max Avail Width.
        max_avail_width: Option<f64> = ["XMP-iptcExt:MaxAvailWidth"],
        /// Ext: Minor Model Age Disclosure.
        minor_model_age_disclosure: Option<String> = ["XMP-plus:MinorModelAgeDisclosure"],
        /// Ext: Model Age.
        model_age: Vec<String> = ["XMP-iptcExt:ModelAge"],
        /// Ext: Model Release Document.
        model_release_id: Vec<String> = ["XMP-plus:ModelReleaseID"],
        /// Ext: Model Release Status.
        model_release_status: Option<String> = ["XMP-plus:ModelReleaseStatus"],
        /// Ext: Name of Organisation Featured in the Image.
        organisation_in_image_name: Vec<String> = ["XMP-iptcExt:OrganisationInImageName"],
        /// Ext: Other Constraints.
        other_constraints: Option<String> = ["XMP-plus:OtherConstraints"],
        /// Ext: Person Shown in the Image.
        person_in_image: Vec<String> = ["XMP-iptcExt:PersonInImage"],
        /// Ext: Person Shown in the Image with Details.
        person_in_image_details: Vec<Value> = ["XMP-iptcExt:PersonInImageWDetails"],
        /// Ext: Product Shown in the Image.
        product_in_image: Vec<Value> = ["XMP-iptcExt:ProductInImage"],
        /// Ext: Property Release Document.
        property_release_id: Vec<String> = ["XMP-plus:PropertyReleaseID"],
        /// Ext: Property Release Status.
        property_release_status: Option<String> = ["XMP-plus:PropertyReleaseStatus"],
        /// Ext: Web Statement of Rights.
        web_statement: Option<String> = ["XMP-xmpRights:WebStatement"],
        // ---- IPTC 2025.1 AI properties
        /// AI: AI System Used.
        ai_system_used: Option<String> = ["XMP-iptcExt:AISystemUsed"],
        /// AI: AI System Version Used.
        ai_system_version_used: Option<String> = ["XMP-iptcExt:AISystemVersionUsed"],
        /// AI: AI Prompt Information.
        ai_prompt_information: Option<String> = ["XMP-iptcExt:AIPromptInformation"],
        /// AI: AI Prompt Writer Name.
        ai_prompt_writer_name: Option<String> = ["XMP-iptcExt:AIPromptWriterName"],
    }
}

model! {
    /// EXIF technical fields, plus rating, label, hierarchical keywords and rights.
    Technical, TECHNICAL_FIELDS {
        /// Camera make.
        make: Option<String> = ["IFD0:Make", "XMP-tiff:Make"],
        /// Camera model.
        model: Option<String> = ["IFD0:Model", "XMP-tiff:Model"],
        /// Camera serial number.
        serial_number: Option<String> = ["ExifIFD:SerialNumber", "XMP-aux:SerialNumber"],
        /// Lens make.
        lens_make: Option<String> = ["ExifIFD:LensMake"],
        /// Lens model.
        lens_model: Option<String> = ["ExifIFD:LensModel", "XMP-aux:Lens", "XMP-exifEX:LensModel"],
        /// Exposure time in seconds.
        exposure_time: Option<f64> = ["ExifIFD:ExposureTime", "XMP-exif:ExposureTime"],
        /// F-number.
        f_number: Option<f64> = ["ExifIFD:FNumber", "XMP-exif:FNumber"],
        /// ISO speed.
        iso: Option<f64> = ["ExifIFD:ISO", "XMP-exif:ISO", "XMP-exifEX:PhotographicSensitivity"],
        /// Focal length in mm.
        focal_length: Option<f64> = ["ExifIFD:FocalLength", "XMP-exif:FocalLength"],
        /// 35 mm equivalent focal length.
        focal_length_35mm: Option<f64> = ["ExifIFD:FocalLengthIn35mmFormat"],
        /// Exposure compensation in EV.
        exposure_compensation: Option<f64> = ["ExifIFD:ExposureCompensation"],
        /// Flash (EXIF bit field).
        flash: Option<f64> = ["ExifIFD:Flash"],
        /// Pixel width.
        width: Option<f64> = ["ExifIFD:ExifImageWidth", "IFD0:ImageWidth", "XMP-exif:ExifImageWidth"],
        /// Pixel height.
        height: Option<f64> = ["ExifIFD:ExifImageHeight", "IFD0:ImageHeight", "XMP-exif:ExifImageHeight"],
        /// EXIF orientation (1-8).
        orientation: Option<f64> = ["MWG:Orientation"],
        /// Date/time original with sub-seconds and offset when present.
        date_time_original: Option<String> = ["MWG:DateTimeOriginal"],
        /// Creation (digitised) date.
        create_date: Option<String> = ["MWG:CreateDate"],
        /// Modification date.
        modify_date: Option<String> = ["MWG:ModifyDate"],
        /// `xmp:Rating`.
        rating: Option<f64> = ["MWG:Rating"],
        /// `xmp:Label`.
        label: Option<String> = ["XMP-xmp:Label"],
        /// `lr:hierarchicalSubject`, kept as `a|b|c` paths.
        hierarchical_subject: Vec<String> = ["XMP-lr:HierarchicalSubject"],
        /// `xmpRights:Marked`.
        rights_marked: Option<String> = ["XMP-xmpRights:Marked"],
        /// `xmpRights:Owner`.
        rights_owner: Vec<String> = ["XMP-xmpRights:Owner"],
    }
}

/// GPS position as decimal degrees (south and west negative), altitude in metres (below sea
/// level negative) and image direction in degrees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Gps {
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
    /// Altitude.
    pub altitude: Option<f64>,
    /// Direction the camera pointed.
    pub img_direction: Option<f64>,
}

impl Gps {
    /// From EXIF GPS tags (refs applied), else XMP-exif.
    pub fn from_metadata(md: &Metadata) -> Option<Gps> {
        let f = |k: &str| md.get(k).and_then(Value::as_f64);
        let t = |k: &str| md.get(k).and_then(Value::first_text).map(str::trim);
        let (lat, lon) = match (f("GPS:GPSLatitude"), f("GPS:GPSLongitude")) {
            (Some(a), Some(b)) => (
                if t("GPS:GPSLatitudeRef") == Some("S") {
                    -a
                } else {
                    a
                },
                if t("GPS:GPSLongitudeRef") == Some("W") {
                    -b
                } else {
                    b
                },
            ),
            _ => (f("XMP-exif:GPSLatitude")?, f("XMP-exif:GPSLongitude")?),
        };
        let altitude = f("GPS:GPSAltitude").map(|a| {
            if t("GPS:GPSAltitudeRef") == Some("1") {
                -a
            } else {
                a
            }
        });
        Some(Gps {
            latitude: lat,
            longitude: lon,
            altitude,
            img_direction: f("GPS:GPSImgDirection"),
        })
    }
}

/// A date as ExifTool prints it (`YYYY:MM:DD HH:MM:SS[.fff][±HH:MM|Z]`), parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DateTime {
    /// Year.
    pub year: u16,
    /// Month 1-12.
    pub month: u8,
    /// Day 1-31.
    pub day: u8,
    /// Hour, minute, second (`None` for a date alone).
    pub time: Option<(u8, u8, u8)>,
    /// Fraction of a second in nanoseconds.
    pub nanos: Option<u32>,
    /// Offset from UTC in minutes.
    pub offset_minutes: Option<i16>,
}

impl DateTime {
    /// Parses ExifTool's date form; `None` for blank or malformed dates.
    pub fn parse(s: &str) -> Option<DateTime> {
        let s = s.trim();
        let n = |a: usize, b: usize| s.get(a..b)?.parse::<u16>().ok();
        let (year, month, day) = (n(0, 4)?, n(5, 7)? as u8, n(8, 10)? as u8);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        let mut dt = DateTime {
            year,
            month,
            day,
            time: None,
            nanos: None,
            offset_minutes: None,
        };
        if s.len() >= 19 {
            dt.time = Some((n(11, 13)? as u8, n(14, 16)? as u8, n(17, 19)? as u8));
            let mut rest = &s[19..];
            if let Some(r) = rest.strip_prefix('.') {
                let digits: String = r.chars().take_while(char::is_ascii_digit).collect();
                rest = &r[digits.len()..];
                let mut frac = digits.chars().take(9).collect::<String>();
                while frac.len() < 9 {
                    frac.push('0');
                }
                dt.nanos = frac.parse().ok();
            }
            if rest == "Z" {
                dt.offset_minutes = Some(0);
            } else if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) {
                let h: i16 = rest[1..3].parse().ok()?;
                let m: i16 = rest[4..6].parse().ok()?;
                let v = h * 60 + m;
                dt.offset_minutes = Some(if rest.starts_with('-') { -v } else { v });
            }
        }
        Some(dt)
    }
}

/// The whole typed model.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Photo {
    /// IPTC Photo Metadata.
    pub iptc: IptcPhoto,
    /// Technical and workflow fields.
    pub technical: Technical,
    /// GPS position.
    pub gps: Option<Gps>,
    /// Where each reconciled field came from.
    pub provenance: Vec<(String, crate::Source)>,
}

impl Photo {
    /// Builds the model from a read.
    pub fn from_metadata(md: &Metadata) -> Photo {
        Photo {
            iptc: IptcPhoto::from_metadata(md),
            technical: Technical::from_metadata(md),
            gps: Gps::from_metadata(md),
            provenance: md
                .mwg
                .iter()
                .map(|r| (r.name.to_string(), r.source))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iptc_counts() {
        // 25 Core + 37 Extension + 4 AI
        assert_eq!(IPTC_FIELDS.len(), 25 + 37 + 4);
    }

    #[test]
    fn dates() {
        let d = DateTime::parse("2020:06:30 04:27:20.277-06:30").unwrap();
        assert_eq!(d.time, Some((4, 27, 20)));
        assert_eq!(d.nanos, Some(277_000_000));
        assert_eq!(d.offset_minutes, Some(-390));
        assert!(DateTime::parse("0000:00:00 00:00:00").is_none());
        assert_eq!(DateTime::parse("2020:06:30").unwrap().time, None);
    }
}
