//! Rights from embedded metadata, given as key/value pairs (ExifTool-style keys such as
//! `XMP-plus:LicenseEndDate`, or bare tag names), so this crate does not depend on the
//! metadata crate. PLUS codes are accepted as full URIs (`http://ns.useplus.org/ldf/vocab/MR-UMR`),
//! short codes (`MR-UMR`) and ExifTool's readable values (`Unlimited Model Releases`).

use jiff::Timestamp;
use serde::Serialize;

use super::builder::{
    MODEL_RELEASE, PROPERTY_RELEASE, PURPOSE_AI_TRAINING, PURPOSE_GENAI_TRAINING, RightsBuilder,
};
use super::cc;
use crate::error::Result;
use crate::eval::Request;
use crate::value::{Value, parse_date_time};
use crate::vocab::LeftOperand;

/// The rights fields found in an asset's metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MetadataRights {
    /// `dc:rights` / copyright notice.
    pub copyright: Option<String>,
    /// `xmpRights:UsageTerms`.
    pub usage_terms: Option<String>,
    /// `xmpRights:WebStatement`.
    pub web_statement: Option<String>,
    /// `xmpRights:Marked` (true: rights-managed, false: public domain).
    pub marked: Option<bool>,
    /// `xmpRights:Owner` and IPTC Extension copyright owners.
    pub owners: Vec<String>,
    /// PLUS `LicenseStartDate`.
    pub licence_start: Option<Timestamp>,
    /// PLUS `LicenseEndDate`.
    pub licence_end: Option<Timestamp>,
    /// PLUS `LicenseID`.
    pub licence_id: Option<String>,
    /// PLUS `Licensee` (name).
    pub licensee: Option<String>,
    /// PLUS `Licensor` (name).
    pub licensor: Option<String>,
    /// PLUS `ImageSupplier` (name).
    pub image_supplier: Option<String>,
    /// PLUS `ModelReleaseStatus` code (`MR-NON`, `MR-NAP`, `MR-UMR`, `MR-LMR`).
    pub model_release: Option<String>,
    /// PLUS `PropertyReleaseStatus` code (`PR-NON`, `PR-NAP`, `PR-UPR`, `PR-LPR`).
    pub property_release: Option<String>,
    /// PLUS `MinorModelAgeDisclosure` code (`AG-UNK`, `AG-A25` ... `AG-U14`).
    pub minor_age: Option<String>,
    /// PLUS `DataMining` code (`DMI-ALLOWED`, `DMI-PROHIBITED-AIMLTRAINING` ...).
    pub data_mining: Option<String>,
    /// PLUS `OtherConstraints`.
    pub other_constraints: Option<String>,
    /// A Creative Commons licence URI (from `cc:license`, WebStatement or UsageTerms).
    pub cc_licence: Option<String>,
    /// Credit line (`photoshop:Credit`, IPTC Credit).
    pub credit: Option<String>,
    /// Values that could not be understood, naming the key.
    pub warnings: Vec<String>,
}

fn plus_code(v: &str, prefix: &str, readable: &[(&str, &str)]) -> Option<String> {
    let v = v.trim();
    let last = v
        .rsplit('/')
        .next()
        .unwrap_or(v)
        .trim()
        .to_ascii_uppercase();
    if last.starts_with(prefix) {
        return Some(last);
    }
    readable
        .iter()
        .find(|(r, _)| r.eq_ignore_ascii_case(v))
        .map(|(_, c)| (*c).to_owned())
}

const MR: &[(&str, &str)] = &[
    ("None", "MR-NON"),
    ("Not Applicable", "MR-NAP"),
    ("Unlimited Model Releases", "MR-UMR"),
    ("Limited or Incomplete Model Releases", "MR-LMR"),
];
const PR: &[(&str, &str)] = &[
    ("None", "PR-NON"),
    ("Not Applicable", "PR-NAP"),
    ("Unlimited Property Releases", "PR-UPR"),
    ("Limited or Incomplete Property Releases", "PR-LPR"),
];
const AG: &[(&str, &str)] = &[
    ("Age Unknown", "AG-UNK"),
    ("Age 25 or Over", "AG-A25"),
    ("Age 24", "AG-A24"),
    ("Age 23", "AG-A23"),
    ("Age 22", "AG-A22"),
    ("Age 21", "AG-A21"),
    ("Age 20", "AG-A20"),
    ("Age 19", "AG-A19"),
    ("Age 18", "AG-A18"),
    ("Age 17", "AG-A17"),
    ("Age 16", "AG-A16"),
    ("Age 15", "AG-A15"),
    ("Age 14 or Under", "AG-U14"),
];
const DMI: &[(&str, &str)] = &[
    ("Unspecified - no prohibition defined", "DMI-UNSPECIFIED"),
    ("Allowed", "DMI-ALLOWED"),
    (
        "Prohibited for AI/ML training",
        "DMI-PROHIBITED-AIMLTRAINING",
    ),
    (
        "Prohibited for Generative AI/ML training",
        "DMI-PROHIBITED-GENAIMLTRAINING",
    ),
    (
        "Prohibited except for search engine indexing",
        "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
    ),
    ("Prohibited", "DMI-PROHIBITED"),
    (
        "Prohibited, see plus:OtherConstraints",
        "DMI-PROHIBITED-SEECONSTRAINT",
    ),
    (
        "Prohibited, see embedded rights info",
        "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR",
    ),
    (
        "Prohibited, see linked rights info",
        "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR",
    ),
];

impl MetadataRights {
    /// Reads the rights fields from key/value pairs. Keys match on the tag name after the
    /// last `:` (case-insensitive), so `XMP-plus:LicenseEndDate`, `XMP:LicenseEndDate` and
    /// `LicenseEndDate` are the same field.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> MetadataRights {
        let mut m = MetadataRights::default();
        for (key, value) in pairs {
            let tag = key.rsplit(':').next().unwrap_or(key).to_ascii_lowercase();
            let v = value.trim();
            if v.is_empty() {
                continue;
            }
            let date = |m: &mut MetadataRights| match parse_date_time(v) {
                Ok(t) => Some(t),
                Err(e) => {
                    m.warnings
                        .push(format!("{key}: unparseable date {v:?}: {e}"));
                    None
                }
            };
            match tag.as_str() {
                "rights" | "copyrightnotice" | "copyright" => m.copyright = Some(v.to_owned()),
                "usageterms" => m.usage_terms = Some(v.to_owned()),
                "webstatement" => m.web_statement = Some(v.to_owned()),
                "marked" => {
                    m.marked = match v.to_ascii_lowercase().as_str() {
                        "true" | "1" | "yes" => Some(true),
                        "false" | "0" | "no" => Some(false),
                        _ => {
                            m.warnings.push(format!("{key}: {v:?} is not a boolean"));
                            None
                        }
                    }
                }
                "owner" | "copyrightownername" | "copyrightowner" => m.owners.push(v.to_owned()),
                "licensestartdate" => m.licence_start = date(&mut m),
                "licenseenddate" | "licenseexpirationdate" => m.licence_end = date(&mut m),
                "licenseid" => m.licence_id = Some(v.to_owned()),
                "licensee" | "licenseename" => m.licensee = Some(v.to_owned()),
                "licensor" | "licensorname" => m.licensor = Some(v.to_owned()),
                "imagesupplier" | "imagesuppliername" => m.image_supplier = Some(v.to_owned()),
                "credit" | "creditline" | "attributionname" => m.credit = Some(v.to_owned()),
                "otherconstraints" => m.other_constraints = Some(v.to_owned()),
                "license" | "licence" => m.cc_licence = Some(v.to_owned()),
                "modelreleasestatus" => match plus_code(v, "MR-", MR) {
                    Some(c) => m.model_release = Some(c),
                    None => m
                        .warnings
                        .push(format!("{key}: unknown model release status {v:?}")),
                },
                "propertyreleasestatus" => match plus_code(v, "PR-", PR) {
                    Some(c) => m.property_release = Some(c),
                    None => m
                        .warnings
                        .push(format!("{key}: unknown property release status {v:?}")),
                },
                "minormodelagedisclosure" => match plus_code(v, "AG-", AG) {
                    Some(c) => m.minor_age = Some(c),
                    None => m
                        .warnings
                        .push(format!("{key}: unknown minor model age disclosure {v:?}")),
                },
                "datamining" => match plus_code(v, "DMI-", DMI) {
                    Some(c) => m.data_mining = Some(c),
                    None => m
                        .warnings
                        .push(format!("{key}: unknown data mining value {v:?}")),
                },
                _ => {}
            }
        }
        if m.cc_licence.is_none() {
            for cand in [&m.web_statement, &m.usage_terms].into_iter().flatten() {
                if let Some(l) = find_cc(cand) {
                    m.cc_licence = Some(l);
                    break;
                }
            }
        }
        m
    }

    /// Whether AI/ML training is prohibited by `DataMining`.
    pub fn ai_training_prohibited(&self) -> bool {
        self.data_mining
            .as_deref()
            .is_some_and(|d| d.starts_with("DMI-PROHIBITED"))
    }

    /// The licence as a builder: window from the PLUS licence dates, licensee, no AI training
    /// from `DataMining`, credit line. Add territories, channels ... as agreed.
    pub fn to_builder(&self, uid: &str, asset: &str) -> RightsBuilder {
        let mut b = RightsBuilder::new(uid)
            .asset(asset)
            .window_instants(self.licence_start, self.licence_end);
        if let Some(l) = &self.licensee {
            b = b.licensee(l.clone());
        }
        if let Some(l) = &self.licensor {
            b = b.licensor(l.clone());
        }
        // PLUS DataMining: what exactly is prohibited.
        match self.data_mining.as_deref() {
            Some("DMI-PROHIBITED-GENAIMLTRAINING") => {
                b = b.prohibit_purposes(&[PURPOSE_GENAI_TRAINING]);
            }
            Some("DMI-PROHIBITED-AIMLTRAINING") => {
                b = b.prohibit_purposes(&[PURPOSE_AI_TRAINING, PURPOSE_GENAI_TRAINING]);
            }
            Some("DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING") => {
                // Data mining other than search-engine indexing is prohibited: the permission
                // still covers indexing (purpose search-indexing).
                b = b.no_ai_training();
            }
            Some(d) if d.starts_with("DMI-PROHIBITED") => b = b.no_ai_training(),
            _ => {}
        }
        if let Some(c) = &self.credit {
            b = b.credit_line(c.clone());
        }
        b
    }

    /// The Creative Commons licence as an ODRL policy, when one is named.
    pub fn cc_policy(&self, uid: &str, asset: &str) -> Result<Option<crate::model::Policy>> {
        match &self.cc_licence {
            None => Ok(None),
            Some(uri) => Ok(Some(cc::licence(uri)?.to_policy(uid, Some(asset)))),
        }
    }

    /// Adds the asset's facts (release statuses) to a request.
    pub fn annotate(&self, mut req: Request) -> Request {
        if let Some(mr) = &self.model_release {
            req = req.with(LeftOperand::new(MODEL_RELEASE), Value::String(mr.clone()));
        }
        if let Some(pr) = &self.property_release {
            req = req.with(
                LeftOperand::new(PROPERTY_RELEASE),
                Value::String(pr.clone()),
            );
        }
        req
    }
}

fn find_cc(s: &str) -> Option<String> {
    let i = s.find("creativecommons.org/")?;
    let start = s[..i]
        .rfind(|c: char| c.is_whitespace() || c == '(' || c == '<' || c == '"')
        .map_or(0, |p| p + 1);
    let end = s[i..]
        .find(|c: char| c.is_whitespace() || c == ')' || c == '>' || c == '"')
        .map_or(s.len(), |p| i + p);
    let uri = &s[start..end];
    cc::lookup(uri).map(|l| l.uri.clone())
}
