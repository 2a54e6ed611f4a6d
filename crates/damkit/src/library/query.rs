//! Using a library: assets with versions, lifecycle transitions, catalog edits, reports.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use damkit_core::AssetId;
use rusqlite::{OptionalExtension, params};
use serde::{Serialize, Serializer};

use super::catalog::{self, path_from_bytes};
use super::error::{LibraryError, Result};
use super::lifecycle::LifecycleStatus;
use super::stage::KeywordRecord;
use super::{Library, audit_insert};

fn lossy<S: Serializer>(p: &Path, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// A location of an asset's bytes.
#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    /// The path (exact OS bytes; shown lossily in JSON).
    #[serde(serialize_with = "lossy")]
    pub path: PathBuf,
    /// `primary` (the file the asset was ingested from), `copy` (an exact duplicate linked
    /// to it) or `skipped` (an exact duplicate remembered, not linked).
    pub role: String,
    /// The version this file holds.
    pub version: i64,
    /// When ingest last saw it.
    pub seen_at: String,
}

/// A rendition of a version.
#[derive(Debug, Clone, Serialize)]
pub struct RenditionView {
    /// Preset.
    pub preset: String,
    /// Path relative to the library folder.
    pub path: String,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// MIME type.
    pub mime: String,
    /// Size in bytes.
    pub size: u64,
}

/// One version of an asset.
#[derive(Debug, Clone, Serialize)]
pub struct VersionView {
    /// 1, 2, ...
    pub number: i64,
    /// Whether this is the asset's current version.
    pub current: bool,
    /// BLAKE3 of the bytes.
    pub blake3: String,
    /// Size in bytes.
    pub size: u64,
    /// Media type name (`JPEG`, ...).
    pub media_type: Option<String>,
    /// MIME type.
    pub mime: Option<String>,
    /// When it was recorded.
    pub created_at: String,
    /// The path its bytes came from.
    #[serde(serialize_with = "lossy")]
    pub source: PathBuf,
    /// The stored object (copy mode), relative to the library folder.
    pub object: Option<String>,
    /// Hashes by kind: `blake3`; with `dedup`, `content` (metadata-blind), `phash`, `dhash`,
    /// `pdq`, `pdq_quality`, `phash_variants`, `pdq_variants`, `perceptual_source`.
    pub hashes: BTreeMap<String, String>,
    /// Metadata JSON (ExifTool-shaped keys plus MWG values; see [`facts`](super::facts)).
    pub metadata: Option<serde_json::Value>,
    /// Renditions made from the presets.
    pub renditions: Vec<RenditionView>,
}

/// An entry of the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Sequence number.
    pub seq: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who.
    pub actor: String,
    /// The asset concerned.
    pub asset: Option<String>,
    /// What (`ingest`, `new_version`, `link_copy`, `status`, `edit`).
    pub action: String,
    /// What changed (JSON).
    pub detail: serde_json::Value,
}

/// Everything the catalog has on an asset.
#[derive(Debug, Clone, Serialize)]
pub struct AssetView {
    /// The asset id.
    pub id: AssetId,
    /// Lifecycle status.
    pub status: LifecycleStatus,
    /// Whether it may be distributed at all: approved AND its rights do not rule it out now
    /// (no policy, or the licence window holds: started and not ended). Territory, channel,
    /// media, purpose and release constraints depend on the use: ask
    /// [`Library::check_use`](super::Library::check_use) with the channel, territory and date
    /// for the full evaluation of every rights layer.
    pub distributable: bool,
    /// Why an approved asset is not distributable (its rights), if so.
    pub distribution_blocked_by: Option<String>,
    /// Statuses it may move to.
    pub allowed_transitions: Vec<LifecycleStatus>,
    /// Title (catalog field).
    pub title: Option<String>,
    /// Description (catalog field).
    pub description: Option<String>,
    /// Keywords.
    pub keywords: Vec<KeywordRecord>,
    /// Rights policy (ODRL JSON-LD), from the metadata or the library default.
    pub rights: Option<serde_json::Value>,
    /// Where the rights policy came from.
    pub rights_source: Option<String>,
    /// The library rules layer (ODRL JSON-LD), in force on top of `rights`.
    pub rights_rules: Option<serde_json::Value>,
    /// Where each rights layer came from.
    pub rights_provenance: Vec<super::stage::RightsProvenance>,
    /// The asset's near-duplicate group as stored in the catalog (the group id and the other
    /// members), when it has look-alikes.
    pub near_group: Option<NearGroupRef>,
    /// When the rights end (RFC 3339), if they do.
    pub rights_expires_at: Option<String>,
    /// When it was created.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// Versions, oldest first.
    pub versions: Vec<VersionView>,
    /// Files holding its bytes.
    pub files: Vec<FileView>,
    /// Its audit trail, oldest first.
    pub audit: Vec<AuditEntry>,
}

/// An asset's stored near-duplicate group.
#[derive(Debug, Clone, Serialize)]
pub struct NearGroupRef {
    /// The group id (the smallest asset id among the members; the search index's `group`).
    pub group: String,
    /// The other members.
    pub others: Vec<AssetId>,
}

impl AssetView {
    /// The current version.
    pub fn current_version(&self) -> Option<&VersionView> {
        self.versions.iter().find(|v| v.current)
    }
}

/// One line per asset.
#[derive(Debug, Clone, Serialize)]
pub struct AssetSummary {
    /// Id.
    pub id: AssetId,
    /// Status.
    pub status: LifecycleStatus,
    /// Title.
    pub title: Option<String>,
    /// Number of versions.
    pub versions: i64,
    /// Media type of the current version.
    pub media_type: Option<String>,
    /// Primary path.
    #[serde(serialize_with = "lossy")]
    pub path: PathBuf,
}

/// A lifecycle change that was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// The asset.
    pub id: AssetId,
    /// Before.
    pub from: LifecycleStatus,
    /// After.
    pub to: LifecycleStatus,
}

/// An edit of an asset. Title, description and keywords are also written into the file
/// (see [`Library::edit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Edit {
    /// Sets (or with an empty value clears) the title.
    Title(Option<String>),
    /// Sets (or clears) the description.
    Description(Option<String>),
    /// Replaces the keywords.
    Keywords(Vec<String>),
    /// Adds a keyword.
    AddKeyword(String),
    /// Removes a keyword.
    RemoveKeyword(String),
    /// Moves to a lifecycle status (the transition rules apply).
    Status(LifecycleStatus),
}

const MAX_TEXT: usize = 64 * 1024;

impl FromStr for Edit {
    type Err = LibraryError;

    /// `title=...`, `description=...`, `keywords=a,b,c`, `keywords+=a`, `keywords-=a`,
    /// `status=approved`.
    fn from_str(s: &str) -> Result<Edit> {
        let field_err = |field: &str, message: String| LibraryError::Field {
            field: field.into(),
            message,
        };
        let (field, op, value) = if let Some((f, v)) = s.split_once("+=") {
            (f, '+', v)
        } else if let Some((f, v)) = s.split_once("-=") {
            (f, '-', v)
        } else if let Some((f, v)) = s.split_once('=') {
            (f, '=', v)
        } else {
            return Err(field_err(
                s,
                "expected FIELD=VALUE (fields: title, description, keywords, status)".into(),
            ));
        };
        let field = field.trim().to_ascii_lowercase();
        if value.len() > MAX_TEXT {
            return Err(field_err(
                &field,
                format!("value longer than {MAX_TEXT} bytes"),
            ));
        }
        if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(field_err(
                &field,
                "value contains control characters".into(),
            ));
        }
        let text = |v: &str| {
            let v = v.trim();
            (!v.is_empty()).then(|| v.to_string())
        };
        let keyword =
            |v: &str| text(v).ok_or_else(|| field_err("keywords", "empty keyword".into()));
        match (field.as_str(), op) {
            ("title", '=') => Ok(Edit::Title(text(value))),
            ("description", '=') => Ok(Edit::Description(text(value))),
            ("keywords" | "keyword", '=') => {
                Ok(Edit::Keywords(value.split(',').filter_map(text).collect()))
            }
            ("keywords" | "keyword", '+') => Ok(Edit::AddKeyword(keyword(value)?)),
            ("keywords" | "keyword", '-') => Ok(Edit::RemoveKeyword(keyword(value)?)),
            ("status", '=') => value
                .parse()
                .map(Edit::Status)
                .map_err(|e: super::ParseStatusError| field_err("status", e.to_string())),
            ("title" | "description" | "status", _) => {
                Err(field_err(&field, "only keywords take += and -=".into()))
            }
            _ => Err(field_err(
                &field,
                "unknown field (fields: title, description, keywords, status)".into(),
            )),
        }
    }
}

/// One field changed by an edit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// The field.
    pub field: String,
    /// Before.
    pub from: serde_json::Value,
    /// After.
    pub to: serde_json::Value,
}

/// The outcome of [`Library::edit`].
#[derive(Debug, Clone, Serialize)]
pub struct EditReport {
    /// The asset.
    pub id: AssetId,
    /// The fields that changed (an edit to the same value changes nothing).
    pub changes: Vec<FieldChange>,
    /// Whether title, description or keywords were written into the original or its
    /// sidecar (config `metadata.write_back`; needs the `metadata` feature).
    pub written_to_file: bool,
    /// What the write-back did, when it wrote.
    pub write_back: Option<super::writeback::WriteBackOutcome>,
}

/// A file in a duplicate group.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateMember {
    /// The asset.
    pub id: AssetId,
    /// The file.
    #[serde(serialize_with = "lossy")]
    pub path: PathBuf,
    /// `primary`, `copy`, `skipped`.
    pub role: String,
}

/// Files with exactly the same bytes.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateGroup {
    /// The BLAKE3 they share.
    pub blake3: String,
    /// Size of each.
    pub size: u64,
    /// The files.
    pub members: Vec<DuplicateMember>,
}

/// Duplicates in the library: exact (same bytes, from BLAKE3), content (same pixels, other
/// metadata: damkit-dedup's metadata-blind hash) and near (perceptually close: pHash within
/// the threshold over rotations, flips and crops, confirmed by PDQ).
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateReport {
    /// The exact groups, largest wasted size first.
    pub exact: Vec<DuplicateGroup>,
    /// Bytes that the extra exact copies take.
    pub wasted_bytes: u64,
    /// Assets whose current versions have the same content hash but different bytes.
    pub content: Vec<super::NearGroup>,
    /// Near-duplicate groups of assets, with distances to each group's first member
    /// (empty without the `dedup` feature).
    pub near: Vec<super::NearGroup>,
}

/// Library statistics.
#[derive(Debug, Clone, Serialize)]
pub struct LibraryStats {
    /// The folder.
    #[serde(serialize_with = "lossy")]
    pub library: PathBuf,
    /// Assets.
    pub assets: u64,
    /// Versions.
    pub versions: u64,
    /// Known files (all roles).
    pub files: u64,
    /// Bytes of the current versions.
    pub current_bytes: u64,
    /// Bytes in `objects/` according to the catalog (copy mode).
    pub stored_bytes: u64,
    /// Assets per status.
    pub by_status: BTreeMap<String, u64>,
    /// Current versions per media type.
    pub by_media_type: BTreeMap<String, u64>,
    /// Files per role.
    pub by_role: BTreeMap<String, u64>,
    /// Keywords (distinct).
    pub keywords: u64,
    /// Audit entries.
    pub audit_entries: u64,
    /// Catalog format version.
    pub catalog_format: i64,
    /// When the library was created.
    pub created_at: Option<String>,
}

fn parse_id(s: String) -> rusqlite::Result<AssetId> {
    s.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn parse_status(s: String) -> rusqlite::Result<LifecycleStatus> {
    s.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn json(s: String) -> serde_json::Value {
    serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s))
}

impl Library {
    /// Everything the catalog has on an asset: versions (with hashes, metadata, renditions),
    /// files, keywords, rights, status and audit trail. Reads one consistent snapshot.
    pub fn asset(&self, id: &AssetId) -> Result<AssetView> {
        let mut cat = self.lock();
        let e = cat.err(format!("reading asset {id}"));
        let tx = cat.conn.transaction().map_err(&e)?;
        let r = read_asset(&tx, id, self.config.lifecycle.require_review);
        let view = r.map_err(|source| LibraryError::Catalog {
            path: self.root.join(super::CATALOG_FILE),
            context: format!("reading asset {id}"),
            source,
        })?;
        view.ok_or(LibraryError::AssetNotFound { id: *id })
    }

    /// All assets, oldest first.
    pub fn assets(&self) -> Result<Vec<AssetSummary>> {
        let cat = self.lock();
        let e = cat.err("listing assets");
        let mut stmt = cat
            .conn
            .prepare(
                "SELECT a.id, a.status, a.title,
                        (SELECT COUNT(*) FROM versions WHERE asset_id = a.id),
                        v.media_type,
                        COALESCE((SELECT path FROM files WHERE asset_id = a.id AND role = 'primary'
                                  ORDER BY seen_at DESC LIMIT 1), v.source)
                 FROM assets a JOIN versions v ON v.id = a.current_version
                 ORDER BY a.id",
            )
            .map_err(&e)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(AssetSummary {
                    id: parse_id(r.get(0)?)?,
                    status: parse_status(r.get(1)?)?,
                    title: r.get(2)?,
                    versions: r.get(3)?,
                    media_type: r.get(4)?,
                    path: path_from_bytes(&r.get::<_, Vec<u8>>(5)?),
                })
            })
            .map_err(&e)?;
        rows.collect::<rusqlite::Result<_>>().map_err(e)
    }

    /// The statuses `id` may move to.
    pub fn allowed_transitions(&self, id: &AssetId) -> Result<Vec<LifecycleStatus>> {
        let status = self.asset_status(id)?;
        Ok(status.allowed_next(self.config.lifecycle.require_review))
    }

    fn asset_status(&self, id: &AssetId) -> Result<LifecycleStatus> {
        let cat = self.lock();
        let s: Option<String> = cat
            .conn
            .query_row(
                "SELECT status FROM assets WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(cat.err(format!("reading the status of {id}")))?;
        let s = s.ok_or(LibraryError::AssetNotFound { id: *id })?;
        s.parse()
            .map_err(|e: super::ParseStatusError| LibraryError::Field {
                field: "status".into(),
                message: e.to_string(),
            })
    }

    /// Moves an asset to `to` if the lifecycle rules allow it, and records it in the audit
    /// log (same transaction).
    pub fn set_status(&self, id: &AssetId, to: LifecycleStatus, actor: &str) -> Result<Transition> {
        self.edit(id, &[Edit::Status(to)], actor)?;
        // `edit` refused anything not allowed; read back what it did.
        let _ = to;
        let view = self.asset(id)?;
        let from = view
            .audit
            .iter()
            .rev()
            .find(|a| a.action == "status")
            .and_then(|a| a.detail.get("from")?.as_str()?.parse().ok())
            .unwrap_or(view.status);
        Ok(Transition {
            id: *id,
            from,
            to: view.status,
        })
    }

    /// Applies edits in one transaction, with one audit entry per changed field. All or
    /// nothing: if one edit is refused (unknown field, transition not allowed) or writing it
    /// into the file fails, nothing changes.
    ///
    /// Title, description and keywords are written back into the original (embedded XMP
    /// where damkit-metadata can embed it: JPEG, PNG, WebP, PSD) or into an XMP sidecar, as
    /// `metadata.write_back` says, before the catalog commits; see
    /// [`writeback`](super::writeback) for the order and what a failure leaves.
    pub fn edit(&self, id: &AssetId, edits: &[Edit], actor: &str) -> Result<EditReport> {
        let mut cat = self.lock();
        let path = self.root.join(super::CATALOG_FILE);
        let ctx = format!("editing asset {id}");
        let e = |source| LibraryError::Catalog {
            path: path.clone(),
            context: ctx.clone(),
            source,
        };
        let tx = cat
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(e)?;
        let aid = id.to_string();
        let row: Option<(String, Option<String>, Option<String>)> = tx
            .query_row(
                "SELECT status, title, description FROM assets WHERE id = ?1",
                [&aid],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(e)?;
        let (status, mut title, mut description) =
            row.ok_or(LibraryError::AssetNotFound { id: *id })?;
        let mut status: LifecycleStatus =
            status
                .parse()
                .map_err(|err: super::ParseStatusError| LibraryError::Field {
                    field: "status".into(),
                    message: err.to_string(),
                })?;
        let mut keywords: Vec<String> = {
            let mut stmt = tx
                .prepare("SELECT keyword FROM keywords WHERE asset_id = ?1 ORDER BY keyword")
                .map_err(e)?;
            stmt.query_map([&aid], |r| r.get(0))
                .map_err(e)?
                .collect::<rusqlite::Result<_>>()
                .map_err(e)?
        };
        let (title0, description0, keywords0) =
            (title.clone(), description.clone(), keywords.clone());
        let mut changes = Vec::new();
        for edit in edits {
            match edit {
                Edit::Title(t) => title = t.clone(),
                Edit::Description(d) => description = d.clone(),
                Edit::Keywords(k) => keywords = k.clone(),
                Edit::AddKeyword(k) => keywords.push(k.clone()),
                Edit::RemoveKeyword(k) => keywords.retain(|x| x != k),
                Edit::Status(to) if *to != status => {
                    let allowed = status.allowed_next(self.config.lifecycle.require_review);
                    if !allowed.contains(to) {
                        return Err(LibraryError::Transition {
                            id: *id,
                            from: status,
                            to: *to,
                            allowed: allowed
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                        });
                    }
                    // Each step is audited: draft -> in_review -> approved are two entries.
                    changes.push(FieldChange {
                        field: "status".into(),
                        from: status.as_str().into(),
                        to: to.as_str().into(),
                    });
                    status = *to;
                }
                Edit::Status(_) => {}
            }
            if matches!(edit, Edit::Keywords(_) | Edit::AddKeyword(_)) {
                keywords.sort();
                keywords.dedup();
            }
        }
        if title != title0 {
            changes.push(FieldChange {
                field: "title".into(),
                from: title0.clone().into(),
                to: title.clone().into(),
            });
        }
        if description != description0 {
            changes.push(FieldChange {
                field: "description".into(),
                from: description0.clone().into(),
                to: description.clone().into(),
            });
        }
        if keywords != keywords0 {
            changes.push(FieldChange {
                field: "keywords".into(),
                from: keywords0.clone().into(),
                to: keywords.clone().into(),
            });
        }
        let outcome = self.write_back(
            &tx,
            id,
            &super::writeback::FieldEdits {
                title: (title != title0).then_some((&title0, &title)),
                description: (description != description0).then_some((&description0, &description)),
                keywords: (keywords != keywords0)
                    .then_some((keywords0.as_slice(), keywords.as_slice())),
            },
            actor,
        )?;
        if !changes.is_empty() {
            let now = catalog::now();
            tx.execute(
                "UPDATE assets SET status = ?2, title = ?3, description = ?4, updated_at = ?5
                 WHERE id = ?1",
                params![aid, status.as_str(), title, description, now],
            )
            .map_err(e)?;
            if changes.iter().any(|c| c.field == "keywords") {
                // Keep the concept of keywords that stay; new ones are resolved against the
                // configured vocabularies (feature `taxonomy`).
                tx.execute(
                    "DELETE FROM keywords WHERE asset_id = ?1 AND keyword NOT IN
                     (SELECT value FROM json_each(?2))",
                    params![aid, serde_json::Value::from(keywords.clone()).to_string()],
                )
                .map_err(e)?;
                for k in &keywords {
                    let (concept, vocabulary) = self.resolve_keyword(k);
                    tx.execute(
                        "INSERT OR IGNORE INTO keywords (asset_id, keyword, concept, vocabulary)
                         VALUES (?1, ?2, ?3, ?4)",
                        params![aid, k, concept, vocabulary],
                    )
                    .map_err(e)?;
                }
            }
            for c in &changes {
                let action = if c.field == "status" {
                    "status"
                } else {
                    "edit"
                };
                audit_insert(
                    &tx,
                    actor,
                    Some(id),
                    action,
                    &serde_json::json!({ "field": c.field, "from": c.from, "to": c.to }),
                )
                .map_err(e)?;
            }
        }
        tx.commit().map_err(e)?;
        drop(cat);
        if !changes.is_empty() {
            self.after_change(&[*id]);
        }
        Ok(EditReport {
            id: *id,
            changes,
            written_to_file: outcome.is_some(),
            write_back: outcome,
        })
    }

    /// The audit log, oldest first: of one asset, or of the whole library.
    pub fn audit_log(&self, id: Option<&AssetId>) -> Result<Vec<AuditEntry>> {
        let cat = self.lock();
        read_audit(&cat.conn, id).map_err(cat.err("reading the audit log"))
    }

    /// Where the bytes of version `number` of `id` can be read: the object (copy mode), or the
    /// primary file when it still holds exactly these bytes. Errors when they are gone.
    pub fn version_content(&self, id: &AssetId, number: i64) -> Result<PathBuf> {
        let view = self.asset(id)?;
        let v = view
            .versions
            .iter()
            .find(|v| v.number == number)
            .ok_or(LibraryError::VersionNotFound { id: *id, number })?;
        if let Some(obj) = &v.object {
            let p = self.root.join(obj);
            if p.is_file() {
                return Ok(p);
            }
            return Err(LibraryError::ContentUnavailable {
                id: *id,
                number,
                reason: format!("the object {} is missing", p.display()),
            });
        }
        for f in view.files.iter().filter(|f| f.version == number) {
            if super::exact_hash(&f.path).is_ok_and(|(h, _)| h == v.blake3) {
                return Ok(f.path.clone());
            }
        }
        Err(LibraryError::ContentUnavailable {
            id: *id,
            number,
            reason: "the library references files in place (storage.mode = reference) and no \
                     known file holds these bytes any more"
                .into(),
        })
    }

    /// Exact duplicates: files and versions sharing a BLAKE3 hash across assets or paths.
    pub fn duplicates(&self) -> Result<DuplicateReport> {
        let cat = self.lock();
        let e = cat.err("finding duplicates");
        let mut stmt = cat
            .conn
            .prepare(
                "SELECT v.blake3, v.size, f.asset_id, f.path, f.role
                 FROM files f JOIN versions v ON v.id = f.version_id
                 WHERE v.blake3 IN (
                     SELECT v2.blake3 FROM files f2 JOIN versions v2 ON v2.id = f2.version_id
                     GROUP BY v2.blake3 HAVING COUNT(*) > 1)
                 ORDER BY v.blake3, f.role, f.path",
            )
            .map_err(&e)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    parse_id(r.get(2)?)?,
                    path_from_bytes(&r.get::<_, Vec<u8>>(3)?),
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(&e)?;
        let mut groups: Vec<DuplicateGroup> = Vec::new();
        for row in rows {
            let (blake3, size, id, path, role) = row.map_err(&e)?;
            if groups.last().is_none_or(|g| g.blake3 != blake3) {
                groups.push(DuplicateGroup {
                    blake3,
                    size: size.max(0) as u64,
                    members: Vec::new(),
                });
            }
            if let Some(g) = groups.last_mut() {
                g.members.push(DuplicateMember { id, path, role });
            }
        }
        groups.sort_by_key(|g| std::cmp::Reverse(g.size * (g.members.len() as u64 - 1)));
        let wasted_bytes = groups
            .iter()
            .map(|g| g.size * (g.members.len() as u64 - 1))
            .sum();
        drop(stmt);
        drop(cat);
        let (content, near) = self.similar_groups()?;
        Ok(DuplicateReport {
            exact: groups,
            wasted_bytes,
            content,
            near,
        })
    }

    /// Library statistics.
    pub fn stats(&self) -> Result<LibraryStats> {
        let cat = self.lock();
        let e = cat.err("computing statistics");
        // One read transaction: every count comes from the same snapshot, even while another
        // process commits ingest batches.
        let tx = cat.conn.unchecked_transaction().map_err(&e)?;
        let count = |sql: &str| -> rusqlite::Result<u64> {
            tx.query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n.max(0) as u64)
        };
        let group = |sql: &str| -> rusqlite::Result<BTreeMap<String, u64>> {
            let mut stmt = tx.prepare(sql)?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?
                        .unwrap_or_else(|| "unknown".into()),
                    r.get::<_, i64>(1)?.max(0) as u64,
                ))
            })?;
            rows.collect()
        };
        Ok(LibraryStats {
            library: self.root.clone(),
            assets: count("SELECT COUNT(*) FROM assets").map_err(&e)?,
            versions: count("SELECT COUNT(*) FROM versions").map_err(&e)?,
            files: count("SELECT COUNT(*) FROM files").map_err(&e)?,
            current_bytes: count(
                "SELECT COALESCE(SUM(v.size), 0) FROM assets a JOIN versions v
                 ON v.id = a.current_version",
            )
            .map_err(&e)?,
            stored_bytes: count(
                "SELECT COALESCE(SUM(size), 0) FROM (SELECT DISTINCT object, size FROM versions
                 WHERE object IS NOT NULL)",
            )
            .map_err(&e)?,
            by_status: group("SELECT status, COUNT(*) FROM assets GROUP BY status").map_err(&e)?,
            by_media_type: group(
                "SELECT v.media_type, COUNT(*) FROM assets a JOIN versions v
                 ON v.id = a.current_version GROUP BY v.media_type",
            )
            .map_err(&e)?,
            by_role: group("SELECT role, COUNT(*) FROM files GROUP BY role").map_err(&e)?,
            keywords: count("SELECT COUNT(DISTINCT keyword) FROM keywords").map_err(&e)?,
            audit_entries: count("SELECT COUNT(*) FROM audit").map_err(&e)?,
            catalog_format: super::CATALOG_FORMAT,
            created_at: cat.get_setting("created_at")?,
        })
    }
}

fn read_audit(
    conn: &rusqlite::Connection,
    id: Option<&AssetId>,
) -> rusqlite::Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT id, at, actor, asset_id, action, detail FROM audit
         WHERE ?1 IS NULL OR asset_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id.map(|i| i.to_string())], |r| {
        Ok(AuditEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            asset: r.get(3)?,
            action: r.get(4)?,
            detail: json(r.get(5)?),
        })
    })?;
    rows.collect()
}

fn read_asset(
    conn: &rusqlite::Connection,
    id: &AssetId,
    require_review: bool,
) -> rusqlite::Result<Option<AssetView>> {
    let aid = id.to_string();
    let Some((status, title, description, created_at, updated_at, current)) = conn
        .query_row(
            "SELECT status, title, description, created_at, updated_at, current_version
             FROM assets WHERE id = ?1",
            [&aid],
            |r| {
                Ok((
                    parse_status(r.get(0)?)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                ))
            },
        )
        .optional()?
    else {
        return Ok(None);
    };
    let mut versions = Vec::new();
    let mut vstmt = conn.prepare(
        "SELECT v.id, v.number, v.blake3, v.size, v.media_type, v.mime, v.created_at, v.source,
                v.object, m.json
         FROM versions v LEFT JOIN metadata m ON m.version_id = v.id
         WHERE v.asset_id = ?1 ORDER BY v.number",
    )?;
    let mut rows = vstmt.query([&aid])?;
    let mut number_of = BTreeMap::new();
    while let Some(r) = rows.next()? {
        let vid: i64 = r.get(0)?;
        let number: i64 = r.get(1)?;
        number_of.insert(vid, number);
        let mut hashes = BTreeMap::new();
        let mut h = conn.prepare_cached("SELECT kind, value FROM hashes WHERE version_id = ?1")?;
        for row in h.query_map([vid], |r| Ok((r.get(0)?, r.get(1)?)))? {
            let (k, v): (String, String) = row?;
            hashes.insert(k, v);
        }
        let mut rs = conn.prepare_cached(
            "SELECT preset, path, width, height, mime, size FROM renditions
             WHERE version_id = ?1 ORDER BY preset",
        )?;
        let renditions = rs
            .query_map([vid], |r| {
                Ok(RenditionView {
                    preset: r.get(0)?,
                    path: r.get(1)?,
                    width: r.get(2)?,
                    height: r.get(3)?,
                    mime: r.get(4)?,
                    size: r.get::<_, i64>(5)?.max(0) as u64,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        versions.push(VersionView {
            number,
            current: Some(vid) == current,
            blake3: r.get(2)?,
            size: r.get::<_, i64>(3)?.max(0) as u64,
            media_type: r.get(4)?,
            mime: r.get(5)?,
            created_at: r.get(6)?,
            source: path_from_bytes(&r.get::<_, Vec<u8>>(7)?),
            object: r.get(8)?,
            hashes,
            metadata: r.get::<_, Option<String>>(9)?.map(json),
            renditions,
        });
    }
    let mut fstmt = conn.prepare(
        "SELECT path, role, version_id, seen_at FROM files WHERE asset_id = ?1
         ORDER BY role DESC, path",
    )?;
    let files = fstmt
        .query_map([&aid], |r| {
            let vid: i64 = r.get(2)?;
            Ok(FileView {
                path: path_from_bytes(&r.get::<_, Vec<u8>>(0)?),
                role: r.get(1)?,
                version: number_of.get(&vid).copied().unwrap_or(0),
                seen_at: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut kstmt = conn.prepare(
        "SELECT keyword, concept, vocabulary FROM keywords WHERE asset_id = ?1 ORDER BY keyword",
    )?;
    let keywords = kstmt
        .query_map([&aid], |r| {
            Ok(KeywordRecord {
                keyword: r.get(0)?,
                concept: r.get(1)?,
                vocabulary: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    type RightsRow = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rights: Option<RightsRow> = conn
        .query_row(
            "SELECT policy, source, expires_at, rules, provenance FROM rights
             WHERE asset_id = ?1",
            [&aid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let blocked = rights.as_ref().and_then(|(p, _, e, rules, _)| {
        let now = jiff::Timestamp::now();
        super::reports::rights_block(Some(p), e.as_deref(), now)
            .or_else(|| super::reports::rights_block(rules.as_deref(), None, now))
    });
    let (rights, rights_source, rights_expires_at, rights_rules, rights_provenance) = match rights {
        Some((p, s, e, rules, prov)) => (
            Some(p),
            Some(s),
            e,
            rules.map(json),
            prov.and_then(|p| serde_json::from_str(&p).ok())
                .unwrap_or_default(),
        ),
        None => (None, None, None, None, Vec::new()),
    };
    let group: Option<String> = conn
        .query_row(
            "SELECT group_id FROM near_groups WHERE asset_id = ?1",
            [&aid],
            |r| r.get(0),
        )
        .optional()?;
    let near_group = match group {
        Some(g) => {
            let mut st = conn.prepare_cached(
                "SELECT asset_id FROM near_groups WHERE group_id = ?1 AND asset_id <> ?2
                 ORDER BY asset_id",
            )?;
            let others = st
                .query_map(params![g, aid], |r| parse_id(r.get(0)?))?
                .collect::<rusqlite::Result<_>>()?;
            Some(NearGroupRef { group: g, others })
        }
        None => None,
    };
    Ok(Some(AssetView {
        id: *id,
        status,
        distributable: status.is_distributable() && blocked.is_none(),
        distribution_blocked_by: blocked.filter(|_| status.is_distributable()),
        rights_source,
        rights_expires_at,
        rights_rules,
        rights_provenance,
        near_group,
        allowed_transitions: status.allowed_next(require_review),
        title,
        description,
        keywords,
        rights: rights.map(json),
        created_at,
        updated_at,
        versions,
        files,
        audit: read_audit(conn, Some(id))?,
    }))
}
