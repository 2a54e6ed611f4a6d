//! The metadata stage: EXIF, IPTC-IIM and XMP (and XMP sidecars) through damkit-metadata.

use damkit_core::MediaFamily;
use damkit_metadata::{ReadOptions, read_path};
use serde_json::Value;

use crate::library::stage::{AssetStage, KeywordRecord, StageInput, StageOutput};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Reads the metadata of a file into the catalog's metadata JSON, title, description and
/// keywords (uncontrolled; the keywords stage resolves them).
pub(crate) struct MetadataStage {
    sidecars: bool,
}

impl MetadataStage {
    pub(crate) fn new(sidecars: bool) -> MetadataStage {
        MetadataStage { sidecars }
    }
}

fn nonblank(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl AssetStage for MetadataStage {
    fn name(&self) -> &str {
        "metadata"
    }

    fn process(&self, input: &StageInput<'_>, out: &mut StageOutput) -> Result<(), BoxError> {
        let Some(mt) = input.media_type else {
            return Ok(());
        };
        if mt.family() == MediaFamily::Sidecar {
            return Ok(());
        }
        // Sidecars sit beside the original; the bytes are the same as `content` (in copy mode
        // the object) unless the file changed since it was hashed, which the read checks.
        let opts = ReadOptions::default().with_sidecars(self.sidecars);
        let md = match read_path(input.path, &opts) {
            Ok(md) => md,
            Err(_) if input.content != input.path => {
                read_path(input.content, &ReadOptions::default())?
            }
            Err(e) => return Err(e.into()),
        };
        let photo = md.photo();
        let mut json = md.to_exiftool_json();
        if let Value::Object(obj) = &mut json {
            obj.insert(
                "SourceFile".into(),
                input.path.to_string_lossy().into_owned().into(),
            );
            if let Some(g) = &photo.gps {
                obj.insert("Composite:GPSLatitude".into(), g.latitude.into());
                obj.insert("Composite:GPSLongitude".into(), g.longitude.into());
                if let Some(a) = g.altitude {
                    obj.insert("Composite:GPSAltitude".into(), a.into());
                }
            }
            if !md.sidecars.is_empty() {
                obj.insert(
                    "XMP:Sidecars".into(),
                    md.sidecars
                        .iter()
                        .map(|p| Value::from(p.to_string_lossy().into_owned()))
                        .collect(),
                );
            }
        }
        out.metadata = Some(("metadata".into(), json));
        out.title = nonblank(photo.iptc.title.clone());
        out.description = nonblank(photo.iptc.description.clone());
        for k in &photo.iptc.keywords {
            let k = k.trim();
            if !k.is_empty() && !out.keywords.iter().any(|x| x.keyword == k) {
                out.keywords.push(KeywordRecord {
                    keyword: k.to_string(),
                    concept: None,
                    vocabulary: None,
                });
            }
        }
        out.warnings
            .extend(md.warnings.iter().map(|w| format!("metadata: {w}")));
        Ok(())
    }
}
