//! Writing catalog edits (title, description, keywords) back into the original or an XMP
//! sidecar through damkit-metadata, inside the edit's catalog transaction.
//!
//! Order: the file is checked (it must still hold the current version's bytes), written
//! (damkit-metadata writes a temporary file, reads it back strictly, fsyncs and renames; on
//! any error the original is untouched), then the catalog records what changed and commits.
//! A failed write returns [`LibraryError::WriteBack`](super::LibraryError::WriteBack) and the transaction is dropped: file,
//! catalog and index stay as they were. An embedded write changes the file's bytes, so the
//! catalog records them as a new version (same pixels: the metadata-blind hashes and the
//! renditions carry over) and refreshes the hash cache, so the next ingest sees the file
//! unchanged.

use std::path::PathBuf;

use damkit_core::AssetId;
use serde::Serialize;

use super::Library;
use super::error::Result;

/// What the write-back did.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct WriteBackOutcome {
    /// The file written: the original, or its sidecar.
    pub written: Option<PathBuf>,
    /// Whether it was a sidecar.
    pub sidecar: bool,
    /// The version recorded for the rewritten original (embedded writes).
    pub new_version: Option<i64>,
}

/// The fields an edit changes, before and after.
pub(crate) struct FieldEdits<'a> {
    pub(crate) title: Option<(&'a Option<String>, &'a Option<String>)>,
    pub(crate) description: Option<(&'a Option<String>, &'a Option<String>)>,
    pub(crate) keywords: Option<(&'a [String], &'a [String])>,
}

impl FieldEdits<'_> {
    pub(crate) fn is_empty(&self) -> bool {
        self.title.is_none() && self.description.is_none() && self.keywords.is_none()
    }
}

impl Library {
    /// Writes the edits into the asset's file, and records the result in `tx`. Without the
    /// `metadata` feature, or with `metadata.write_back = "catalog_only"`, writes nothing.
    #[allow(unused_variables)]
    pub(crate) fn write_back(
        &self,
        tx: &rusqlite::Transaction<'_>,
        id: &AssetId,
        fields: &FieldEdits<'_>,
        actor: &str,
    ) -> Result<Option<WriteBackOutcome>> {
        if fields.is_empty() || self.config.metadata.write_back == super::WriteBack::CatalogOnly {
            return Ok(None);
        }
        #[cfg(feature = "metadata")]
        {
            imp::write_back(self, tx, id, fields, actor).map(Some)
        }
        #[cfg(not(feature = "metadata"))]
        {
            Ok(None)
        }
    }
}

#[cfg(feature = "metadata")]
mod imp {
    use std::path::{Path, PathBuf};

    use damkit_core::{AssetId, MediaType};
    use damkit_metadata::{Edit as MdEdit, Op, WriteOptions, write_path};
    use rusqlite::{OptionalExtension, params};

    use super::{FieldEdits, WriteBackOutcome};
    use crate::library::catalog::{self, path_from_bytes, path_to_bytes};
    use crate::library::error::{LibraryError, Result};
    use crate::library::stage::{AssetStage, StageInput, StageOutput};
    use crate::library::stages::metadata::MetadataStage;
    use crate::library::{Library, StorageMode, WriteBack, audit_insert};

    fn embeddable(mt: Option<MediaType>) -> bool {
        matches!(
            mt,
            Some(MediaType::Jpeg | MediaType::Png | MediaType::WebP | MediaType::Psd)
        )
    }

    fn md_edits(fields: &FieldEdits<'_>) -> Vec<MdEdit> {
        let mut v = Vec::new();
        let mut text = |key: &str, after: &Option<String>| {
            v.push(MdEdit {
                op: if after.is_some() { Op::Set } else { Op::Remove },
                key: key.into(),
                value: after.clone().unwrap_or_default(),
            });
        };
        if let Some((_, after)) = fields.title {
            text("XMP-dc:Title", after);
        }
        if let Some((_, after)) = fields.description {
            text("MWG:Description", after);
        }
        if let Some((before, after)) = fields.keywords {
            for k in before.iter().filter(|k| !after.contains(k)) {
                v.push(MdEdit {
                    op: Op::Remove,
                    key: "MWG:Keywords".into(),
                    value: k.clone(),
                });
            }
            for k in after.iter().filter(|k| !before.contains(k)) {
                v.push(MdEdit {
                    op: Op::Add,
                    key: "MWG:Keywords".into(),
                    value: k.clone(),
                });
            }
        }
        v
    }

    pub(super) fn write_back(
        lib: &Library,
        tx: &rusqlite::Transaction<'_>,
        id: &AssetId,
        fields: &FieldEdits<'_>,
        actor: &str,
    ) -> Result<WriteBackOutcome> {
        let aid = id.to_string();
        let cat_err = |context: &str| {
            let path = lib.root.join(crate::library::CATALOG_FILE);
            let context = format!("{context} for asset {id}");
            move |source| LibraryError::Catalog {
                path,
                context,
                source,
            }
        };
        type Current = (i64, i64, String, Option<String>, Vec<u8>);
        let row: Option<Current> = tx
            .query_row(
                "SELECT v.id, v.number, v.blake3, v.media_type, f.path
                 FROM assets a JOIN versions v ON v.id = a.current_version
                 JOIN files f ON f.version_id = v.id AND f.role = 'primary'
                 WHERE a.id = ?1 ORDER BY f.seen_at DESC LIMIT 1",
                [&aid],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()
            .map_err(cat_err("finding the file to write"))?;
        let fail = |path: &Path, message: String| LibraryError::WriteBack {
            id: *id,
            path: path.to_path_buf(),
            message,
        };
        let Some((vid, number, blake3, media_type, pbytes)) = row else {
            return Err(fail(
                &lib.root,
                "no file of the library holds the current version (it was only linked or \
                 skipped)"
                    .into(),
            ));
        };
        let path = path_from_bytes(&pbytes);
        let _ = media_type;
        let media_type = MediaType::detect_path(&path).ok().flatten();
        // The file must still hold the bytes the catalog describes.
        match crate::library::exact_hash(&path) {
            Ok((h, _)) if h == blake3 => {}
            Ok(_) => {
                return Err(fail(
                    &path,
                    "the file changed since it was ingested; ingest it again, then edit".into(),
                ));
            }
            Err(e) => return Err(fail(&path, format!("cannot read it: {e}"))),
        }
        let sidecar =
            lib.config.metadata.write_back == WriteBack::Sidecar || !embeddable(media_type);
        let edits = md_edits(fields);
        let report = write_path(&path, &edits, &WriteOptions::default().sidecar(sidecar))
            .map_err(|e| fail(&path, e.to_string()))?;
        let mut outcome = WriteBackOutcome {
            written: Some(report.written.clone()),
            sidecar: report.sidecar,
            new_version: None,
        };

        // Re-read the metadata (with the sidecar) for the catalog.
        let read_meta = |content: &Path, new_hash: &str, size: u64| {
            let input = StageInput {
                path: &path,
                content,
                media_type,
                blake3: new_hash,
                size,
                library: &lib.root,
                config: &lib.config,
                asset: Some(*id),
                metadata_only: false,
                bytes: Default::default(),
            };
            let mut out = StageOutput::default();
            MetadataStage::new(lib.config.metadata.read_sidecars)
                .process(&input, &mut out)
                .ok()
                .and(out.metadata)
        };
        let old_json: Option<String> = tx
            .query_row(
                "SELECT json FROM metadata WHERE version_id = ?1",
                [vid],
                |r| r.get(0),
            )
            .optional()
            .map_err(cat_err("reading metadata"))?;
        let merge = |mut new: serde_json::Value| {
            // Keep what other stages added (pixel size from the decoder).
            if let (Some(old), serde_json::Value::Object(obj)) = (&old_json, &mut new)
                && let Ok(serde_json::Value::Object(o)) = serde_json::from_str(old)
            {
                for (k, v) in o.into_iter().filter(|(k, _)| k.starts_with("File:Image")) {
                    obj.entry(k).or_insert(v);
                }
            }
            new.to_string()
        };

        if report.sidecar {
            // The sidecar just written is what the catalog now describes: re-ingest must
            // not see it as changed.
            tx.execute(
                "UPDATE files SET sidecars = ?2 WHERE path = ?1",
                params![
                    pbytes,
                    crate::library::ingest::sidecar_key(&path, lib.config.metadata.read_sidecars)
                ],
            )
            .map_err(cat_err("recording the sidecar"))?;
            if let Some((source, json)) = read_meta(&path, &blake3, 0) {
                tx.execute(
                    "INSERT OR REPLACE INTO metadata (version_id, source, json) VALUES (?1, ?2, ?3)",
                    params![vid, source, merge(json)],
                )
                .map_err(cat_err("updating metadata"))?;
            }
            return Ok(outcome);
        }

        // The original was rewritten: record its bytes as a new version.
        let bytes = std::fs::read(&path).map_err(|e| {
            fail(
                &path,
                format!("written, but reading it back failed: {e} (the catalog is unchanged)"),
            )
        })?;
        let meta = std::fs::metadata(&path).map_err(|e| {
            fail(
                &path,
                format!("written, but reading it back failed: {e} (the catalog is unchanged)"),
            )
        })?;
        let new_hash = blake3::hash(&bytes).to_hex().to_string();
        let object = if lib.config.storage.mode == StorageMode::Copy {
            let rel = format!("objects/{}/{}", &new_hash[..2], &new_hash[2..]);
            let dest = lib.root.join(&rel);
            if !dest.exists() {
                if let Some(d) = dest.parent() {
                    std::fs::create_dir_all(d).map_err(|e| LibraryError::io("creating", d, e))?;
                }
                crate::library::write_atomic(&dest, &bytes)?;
            }
            Some(rel)
        } else {
            None
        };
        drop(bytes);
        let now = catalog::now();
        let new_number = number + 1;
        let size = meta.len();
        tx.execute(
            "INSERT INTO versions (asset_id, number, blake3, size, media_type, mime, created_at,
                                   source, object)
             SELECT asset_id, ?2, ?3, ?4, media_type, mime, ?5, source, ?6 FROM versions
             WHERE id = ?1",
            params![
                vid,
                new_number,
                new_hash,
                i64::try_from(size).unwrap_or(i64::MAX),
                now,
                object
            ],
        )
        .map_err(cat_err("recording the rewritten file"))?;
        let new_vid = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO hashes (version_id, kind, value) VALUES (?1, 'blake3', ?2)",
            params![new_vid, new_hash],
        )
        .and_then(|_| {
            // Metadata-blind hashes and renditions describe the pixels, which did not change.
            tx.execute(
                "INSERT INTO hashes (version_id, kind, value)
                 SELECT ?2, kind, value FROM hashes WHERE version_id = ?1 AND kind != 'blake3'",
                params![vid, new_vid],
            )
        })
        .and_then(|_| {
            tx.execute(
                "INSERT INTO renditions (version_id, preset, path, width, height, mime, size)
                 SELECT ?2, preset, path, width, height, mime, size FROM renditions
                 WHERE version_id = ?1",
                params![vid, new_vid],
            )
        })
        .map_err(cat_err("carrying hashes and renditions over"))?;
        let content = object
            .as_ref()
            .map_or_else(|| path.clone(), |o| lib.root.join(o));
        if let Some((source, json)) = read_meta(&content, &new_hash, size) {
            tx.execute(
                "INSERT OR REPLACE INTO metadata (version_id, source, json) VALUES (?1, ?2, ?3)",
                params![new_vid, source, merge(json)],
            )
            .map_err(cat_err("recording metadata"))?;
        }
        let key = crate::library::ingest::CacheKey::of(&meta);
        tx.execute(
            "UPDATE files SET version_id = ?2, dev = ?3, ino = ?4, size = ?5, mtime_ns = ?6,
                              seen_at = ?7
             WHERE path = ?1",
            params![
                path_to_bytes(&path),
                new_vid,
                key.dev,
                key.ino,
                key.size,
                key.mtime_ns,
                now
            ],
        )
        .and_then(|_| {
            tx.execute(
                "UPDATE assets SET current_version = ?2, updated_at = ?3 WHERE id = ?1",
                params![aid, new_vid, now],
            )
        })
        .map_err(cat_err("pointing the asset at the rewritten file"))?;
        audit_insert(
            tx,
            actor,
            Some(id),
            "new_version",
            &serde_json::json!({
                "path": path.to_string_lossy(), "version": new_number, "blake3": new_hash,
                "size": size, "reason": "metadata written back by an edit",
            }),
        )
        .map_err(cat_err("auditing"))?;
        outcome.new_version = Some(new_number);
        let _: PathBuf = path;
        Ok(outcome)
    }
}
