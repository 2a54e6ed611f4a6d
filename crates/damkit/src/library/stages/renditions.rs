//! The renditions stage: every configured preset through damkit-rendition, decoded once.

use std::path::{Path, PathBuf};

use damkit_core::MediaFamily;
use damkit_rendition::{Format, Renderer, RenditionSpec, write_atomically};
use serde_json::Value;

use crate::library::config::RenditionPreset;
use crate::library::stage::{AssetStage, RenditionRecord, StageInput, StageOutput};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Renders the presets of the library config into `renditions/PRESET/ab/HASH-EDGEqQ.EXT`.
///
/// Files are named by the version's BLAKE3 and the preset's parameters, so identical bytes
/// share their renditions and a changed preset makes new files rather than reusing stale ones.
pub(crate) struct RenditionStage {
    root: PathBuf,
    renderer: Renderer,
    specs: Vec<RenditionSpec>,
    suffixes: Vec<String>,
}

impl RenditionStage {
    pub(crate) fn new(root: &Path, presets: &[RenditionPreset]) -> Result<RenditionStage, String> {
        let mut specs = Vec::new();
        let mut suffixes = Vec::new();
        for p in presets {
            let mut spec = RenditionSpec::long_edge(p.name.clone(), p.max_edge);
            spec.format = p
                .format
                .parse::<Format>()
                .map_err(|e| format!("rendition preset {:?}: {e}", p.name))?;
            spec.quality = p.quality;
            spec.validate()
                .map_err(|e| format!("rendition preset {:?}: {e}", p.name))?;
            suffixes.push(format!(
                "{}q{}.{}",
                p.max_edge,
                p.quality,
                spec.format.extension()
            ));
            specs.push(spec);
        }
        Ok(RenditionStage {
            root: root.to_path_buf(),
            renderer: Renderer::new(),
            specs,
            suffixes,
        })
    }
}

impl RenditionStage {
    /// A camera RAW: the renditions come from its largest embedded JPEG preview, with the
    /// RAW's orientation (damkit-rendition does not demosaic). Returns the note saying so.
    #[cfg(feature = "metadata")]
    fn render_raw(
        &self,
        input: &StageInput<'_>,
    ) -> Result<(damkit_rendition::Rendered, String), BoxError> {
        use damkit_metadata::preview::{MAX_PREVIEW_LEN, largest_preview_jpeg};
        let path = input.content.display();
        let max = self
            .renderer
            .limits()
            .max_input_bytes
            .map_or(MAX_PREVIEW_LEN, |m| m.min(MAX_PREVIEW_LEN));
        let p = largest_preview_jpeg(input.content, max)
            .map_err(|e| format!("renditions: {path}: reading the embedded previews: {e}"))?
            .ok_or_else(|| {
                format!(
                    "renditions: {path}: no embedded JPEG preview, and RAW decoding is not supported"
                )
            })?;
        let rendered = self
            .renderer
            .render_bytes(&p.jpeg, &self.specs)
            .map_err(|e| format!("renditions: {path}: {}: {e}", p.description()))?;
        let note = format!("renditions: rendition from {}", p.description());
        Ok((rendered, note))
    }

    #[cfg(not(feature = "metadata"))]
    fn render_raw(
        &self,
        _input: &StageInput<'_>,
    ) -> Result<(damkit_rendition::Rendered, String), BoxError> {
        Err("RAW renditions need the `metadata` feature".into())
    }
}

fn mime(f: Format) -> &'static str {
    match f {
        Format::Png => "image/png",
        Format::WebP => "image/webp",
        _ => "image/jpeg",
    }
}

impl AssetStage for RenditionStage {
    fn name(&self) -> &str {
        "renditions"
    }

    fn process(&self, input: &StageInput<'_>, out: &mut StageOutput) -> Result<(), BoxError> {
        if input.metadata_only {
            return Ok(());
        }
        if self.specs.is_empty() {
            return Ok(());
        }
        let raw = match input.media_type {
            Some(mt) if mt.family() == MediaFamily::Raster => false,
            Some(mt) if mt.family() == MediaFamily::Raw && cfg!(feature = "metadata") => true,
            _ => return Ok(()),
        };
        let rendered = if raw {
            let (rendered, note) = self.render_raw(input)?;
            out.warnings.push(note);
            rendered
        } else {
            // Read once for this stage and the content hash (`StageInput::bytes`).
            let bytes = input.bytes(self.renderer.limits())?;
            self.renderer.render_bytes(bytes, &self.specs)?
        };
        let hash = input.blake3;
        for ((spec, suffix), r) in self
            .specs
            .iter()
            .zip(&self.suffixes)
            .zip(&rendered.renditions)
        {
            let rel = format!(
                "renditions/{}/{}/{}-{suffix}",
                spec.name,
                hash.get(..2).unwrap_or("00"),
                hash
            );
            let path = self.root.join(&rel);
            let fresh = std::fs::metadata(&path).is_ok_and(|m| m.len() == r.data.len() as u64);
            if !fresh {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("creating {}: {e}", dir.display()))?;
                }
                write_atomically(&path, &r.data, true)?;
            }
            out.renditions.push(RenditionRecord {
                preset: spec.name.clone(),
                path: rel,
                width: r.width,
                height: r.height,
                mime: mime(r.format).into(),
                size: r.data.len() as u64,
            });
        }
        if raw {
            // The preview's size is not the RAW's: the metadata's dimensions stand.
            out.warnings
                .extend(rendered.warnings.iter().map(|w| format!("renditions: {w}")));
            return Ok(());
        }
        // The decoder knows the pixel size for sure; metadata may lack or misstate it.
        let meta = out
            .metadata
            .get_or_insert_with(|| ("renditions".into(), Value::Object(Default::default())));
        if let Value::Object(obj) = &mut meta.1 {
            obj.insert("File:ImageWidth".into(), rendered.info.width.into());
            obj.insert("File:ImageHeight".into(), rendered.info.height.into());
        }
        out.warnings
            .extend(rendered.warnings.iter().map(|w| format!("renditions: {w}")));
        Ok(())
    }
}
