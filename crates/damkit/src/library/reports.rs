//! Reports over the catalog: content and near duplicates, unknown keywords, rights expiry;
//! keyword expansion and the rights side of "distributable".

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use damkit_core::AssetId;
use serde::{Serialize, Serializer};

use super::Library;
use super::catalog::path_from_bytes;
use super::error::{LibraryError, Result};

fn lossy<S: Serializer>(p: &Path, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

fn parse_id(s: String) -> rusqlite::Result<AssetId> {
    s.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// An asset in a content or near-duplicate group.
#[derive(Debug, Clone, Serialize)]
pub struct NearMember {
    /// The asset.
    pub id: AssetId,
    /// Its primary file.
    #[serde(serialize_with = "lossy")]
    pub path: PathBuf,
    /// BLAKE3 of its current version.
    pub blake3: String,
    /// pHash-64 distance to the group's first member over rotations, flips and crops (0 for
    /// the first member and for content duplicates).
    pub distance: u32,
    /// PDQ-256 distance to the first member (`None` in content groups).
    pub pdq_distance: Option<u32>,
}

/// Assets whose current versions are the same picture: the same metadata-blind content hash
/// (`kind = "content"`: same pixels, other metadata) or perceptually close (`kind = "near"`:
/// resized, recompressed, rotated, cropped).
#[derive(Debug, Clone, Serialize)]
pub struct NearGroup {
    /// `content` or `near`.
    pub kind: String,
    /// The content hash the members share (content groups).
    pub content_hash: Option<String>,
    /// The stored group id (near groups): the search index's `group` field.
    pub group: Option<String>,
    /// The members, the first being the reference for distances.
    pub members: Vec<NearMember>,
}

/// Whether a vocabulary of the config loaded.
#[derive(Debug, Clone, Serialize)]
pub struct VocabularyStatus {
    /// Its name in the config.
    pub name: String,
    /// Its file.
    #[serde(serialize_with = "lossy")]
    pub path: PathBuf,
    /// Concepts loaded (`None` when it failed).
    pub concepts: Option<usize>,
    /// Why it did not load.
    pub error: Option<String>,
}

/// A suggestion for an unknown keyword.
#[derive(Debug, Clone, Serialize)]
pub struct KeywordSuggestion {
    /// The concept's preferred label.
    pub label: String,
    /// The concept IRI.
    pub concept: String,
    /// The vocabulary.
    pub vocabulary: String,
    /// Edit distance from the keyword (`None` for an ambiguous match).
    pub distance: Option<u8>,
}

/// A keyword of the catalog without a concept.
#[derive(Debug, Clone, Serialize)]
pub struct UnknownKeyword {
    /// The keyword as written.
    pub keyword: String,
    /// How many assets carry it.
    pub assets: u64,
    /// `unknown` (no vocabulary knows it), `ambiguous` (several concepts match: the
    /// suggestions are the candidates), `known` (a vocabulary knows it now, e.g. added since
    /// ingest: the suggestion is the concept; re-ingest or edit to link it) or `uncontrolled`
    /// (no vocabulary is configured or available in this build).
    pub status: String,
    /// Nearest concepts, best first.
    pub suggestions: Vec<KeywordSuggestion>,
}

/// The vocabulary report ([`Library::vocabulary_report`]).
#[derive(Debug, Clone, Serialize)]
pub struct VocabularyReport {
    /// The configured vocabularies.
    pub vocabularies: Vec<VocabularyStatus>,
    /// Distinct keywords in the catalog.
    pub keywords: u64,
    /// Distinct keywords linked to a concept.
    pub controlled: u64,
    /// Keywords without a concept, most used first.
    pub unknown: Vec<UnknownKeyword>,
}

/// An asset whose rights need attention.
#[derive(Debug, Clone, Serialize)]
pub struct RightsAlert {
    /// The asset.
    pub id: AssetId,
    /// Its title.
    pub title: Option<String>,
    /// Its lifecycle status.
    pub lifecycle: String,
    /// `expired`, `expiring_soon`, `not_yet_valid` or `unreadable` (the stored policy no
    /// longer parses).
    pub status: String,
    /// Where the policy came from (`metadata: ...`, `library default`).
    pub source: String,
    /// The policy uid.
    pub policy: Option<String>,
    /// Licence start (RFC 3339), when bounded.
    pub start: Option<String>,
    /// Licence end (RFC 3339, exclusive), when bounded.
    pub end: Option<String>,
    /// Whole days to the end (negative when past).
    pub days_to_end: Option<i64>,
    /// A sentence saying why the asset is listed.
    pub reason: String,
    /// What a DAM should do (`BlockDownload`, `NotifyOwner`, ...; damkit-rights' hints).
    pub hints: Vec<String>,
}

/// The rights report ([`Library::rights_report`]).
#[derive(Debug, Clone, Serialize)]
pub struct RightsReport {
    /// The time the report was computed for (RFC 3339).
    pub at: String,
    /// The horizon in days.
    pub horizon_days: u32,
    /// Assets with a rights policy.
    pub with_rights: u64,
    /// Assets without one.
    pub without_rights: u64,
    /// Expired, expiring within the horizon, not yet valid; soonest end first.
    pub alerts: Vec<RightsAlert>,
}

/// Whether an asset's recorded rights permit distribution now, and if not why.
///
/// Without a policy, nothing forbids it. With one, the licence window must hold at `now`
/// (start <= now < end). Territory, channel and media constraints depend on the use and are
/// not part of this check: ask damkit-rights with a concrete request for those.
pub(crate) fn rights_block(
    policy: Option<&str>,
    expires_at: Option<&str>,
    now: jiff::Timestamp,
) -> Option<String> {
    if let Some(end) = expires_at.and_then(|e| e.parse::<jiff::Timestamp>().ok())
        && now >= end
    {
        return Some(format!("the licence ended {end}"));
    }
    #[cfg(feature = "rights")]
    if let Some(p) = policy
        && let Ok(policy) = damkit_rights::Policy::from_jsonld(p.as_bytes(), "catalog")
        && let (Some(start), _) = damkit_rights::dam::alerts::window(&policy)
        && now < start
    {
        return Some(format!("the licence starts {start}"));
    }
    let _ = policy;
    None
}

impl Library {
    /// The concept and vocabulary of a keyword, when a configured vocabulary knows it.
    pub(crate) fn resolve_keyword(&self, keyword: &str) -> (Option<String>, Option<String>) {
        #[cfg(feature = "taxonomy")]
        if let super::stages::keywords::Resolution::Known {
            vocabulary,
            concept,
        } = self.vocabularies().resolve(keyword)
        {
            return (Some(concept), Some(vocabulary));
        }
        let _ = keyword;
        (None, None)
    }

    /// Content and near-duplicate groups over the current versions of all assets.
    pub(crate) fn similar_groups(&self) -> Result<(Vec<NearGroup>, Vec<NearGroup>)> {
        let cat = self.lock();
        let e = cat.err("finding content and near duplicates");
        let mut stmt = cat
            .conn
            .prepare(
                "SELECT a.id, v.blake3,
                        COALESCE((SELECT path FROM files WHERE asset_id = a.id AND role = 'primary'
                                  ORDER BY seen_at DESC LIMIT 1), v.source),
                        h.kind, h.value
                 FROM assets a JOIN versions v ON v.id = a.current_version
                 JOIN hashes h ON h.version_id = v.id
                 WHERE h.kind IN ('content', 'phash', 'dhash', 'pdq', 'pdq_quality',
                                  'phash_variants', 'pdq_variants')
                 ORDER BY a.id",
            )
            .map_err(&e)?;
        type Row = (AssetId, String, PathBuf, BTreeMap<String, String>);
        let mut assets: Vec<Row> = Vec::new();
        let mut rows = stmt.query([]).map_err(&e)?;
        while let Some(r) = rows.next().map_err(&e)? {
            let id = parse_id(r.get(0).map_err(&e)?).map_err(&e)?;
            let kind: String = r.get(3).map_err(&e)?;
            let value: String = r.get(4).map_err(&e)?;
            if assets.last().is_none_or(|a| a.0 != id) {
                assets.push((
                    id,
                    r.get(1).map_err(&e)?,
                    path_from_bytes(&r.get::<_, Vec<u8>>(2).map_err(&e)?),
                    BTreeMap::new(),
                ));
            }
            if let Some(a) = assets.last_mut() {
                a.3.insert(kind, value);
            }
        }
        drop(rows);
        drop(stmt);
        // The near groups stored by ingest.
        let mut stored: BTreeMap<String, Vec<AssetId>> = BTreeMap::new();
        let mut gs = cat
            .conn
            .prepare("SELECT group_id, asset_id FROM near_groups ORDER BY group_id, asset_id")
            .map_err(&e)?;
        let mut rows = gs.query([]).map_err(&e)?;
        while let Some(r) = rows.next().map_err(&e)? {
            let g: String = r.get(0).map_err(&e)?;
            let id = parse_id(r.get(1).map_err(&e)?).map_err(&e)?;
            stored.entry(g).or_default().push(id);
        }
        drop(rows);
        drop(gs);
        drop(cat);

        // Content groups: same content hash, different bytes.
        let mut by_content: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, a) in assets.iter().enumerate() {
            if let Some(c) = a.3.get("content") {
                by_content.entry(c.as_str()).or_default().push(i);
            }
        }
        let member = |i: usize, distance: u32, pdq: Option<u32>| NearMember {
            id: assets[i].0,
            path: assets[i].2.clone(),
            blake3: assets[i].1.clone(),
            distance,
            pdq_distance: pdq,
        };
        let mut content = Vec::new();
        for (hash, idx) in &by_content {
            let mut distinct: Vec<&str> = idx.iter().map(|&i| assets[i].1.as_str()).collect();
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() > 1 {
                content.push(NearGroup {
                    kind: "content".into(),
                    content_hash: Some((*hash).to_string()),
                    group: None,
                    members: idx.iter().map(|&i| member(i, 0, None)).collect(),
                });
            }
        }

        // Near groups: as stored by ingest (the group id is the smallest member id, listed
        // first as the reference for distances).
        let pos: BTreeMap<AssetId, usize> =
            assets.iter().enumerate().map(|(i, a)| (a.0, i)).collect();
        let mut near = Vec::new();
        for (group, members) in &stored {
            let idx: Vec<usize> = members.iter().filter_map(|m| pos.get(m).copied()).collect();
            if idx.len() < 2 {
                continue;
            }
            #[cfg(feature = "dedup")]
            let distances: Vec<(u32, Option<u32>)> = {
                use super::stages::hashes::fingerprint_from;
                let first = fingerprint_from(&assets[idx[0]].3);
                idx.iter()
                    .enumerate()
                    .map(|(k, &i)| match (&first, fingerprint_from(&assets[i].3)) {
                        (_, _) if k == 0 => (0, Some(0)),
                        (Some(f), Some(fp)) => (f.distance(&fp), Some(f.pdq_distance(&fp))),
                        _ => (0, None),
                    })
                    .collect()
            };
            #[cfg(not(feature = "dedup"))]
            let distances: Vec<(u32, Option<u32>)> = idx.iter().map(|_| (0, None)).collect();
            near.push(NearGroup {
                kind: "near".into(),
                content_hash: None,
                group: Some(group.clone()),
                members: idx
                    .iter()
                    .zip(distances)
                    .map(|(&i, (d, p))| member(i, d, p))
                    .collect(),
            });
        }
        Ok((content, near))
    }

    /// Keywords of the catalog that no configured vocabulary links to a concept, with the
    /// nearest concepts as suggestions; and whether each vocabulary loaded.
    pub fn vocabulary_report(&self) -> Result<VocabularyReport> {
        let (rows, keywords, controlled) = {
            let cat = self.lock();
            let e = cat.err("reading keywords");
            let mut stmt = cat
                .conn
                .prepare(
                    "SELECT keyword, COUNT(DISTINCT asset_id) FROM keywords
                     WHERE concept IS NULL GROUP BY keyword ORDER BY 2 DESC, 1",
                )
                .map_err(&e)?;
            let rows: Vec<(String, i64)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(&e)?
                .collect::<rusqlite::Result<_>>()
                .map_err(&e)?;
            let count = |sql: &str| -> Result<u64> {
                cat.conn
                    .query_row(sql, [], |r| r.get::<_, i64>(0))
                    .map(|n| n.max(0) as u64)
                    .map_err(&e)
            };
            (
                rows,
                count("SELECT COUNT(DISTINCT keyword) FROM keywords")?,
                count("SELECT COUNT(DISTINCT keyword) FROM keywords WHERE concept IS NOT NULL")?,
            )
        };
        #[allow(unused_mut)]
        let mut vocabularies = Vec::new();
        #[allow(unused_mut)]
        let mut unknown: Vec<UnknownKeyword> = rows
            .into_iter()
            .map(|(keyword, n)| UnknownKeyword {
                keyword,
                assets: n.max(0) as u64,
                status: "uncontrolled".into(),
                suggestions: Vec::new(),
            })
            .collect();
        #[cfg(feature = "taxonomy")]
        {
            use super::stages::keywords::Resolution;
            let v = self.vocabularies();
            for l in &v.list {
                vocabularies.push(VocabularyStatus {
                    name: l.name.clone(),
                    path: l.path.clone(),
                    concepts: Some(l.vocab.len()),
                    error: None,
                });
            }
            for (path, err) in &v.errors {
                let name = self
                    .config
                    .vocabularies
                    .iter()
                    .find(|c| super::stages::config_path(&self.root, &c.path) == *path)
                    .map_or_else(String::new, |c| c.name.clone());
                vocabularies.push(VocabularyStatus {
                    name,
                    path: path.clone(),
                    concepts: None,
                    error: Some(err.clone()),
                });
            }
            if !v.list.is_empty() {
                for u in &mut unknown {
                    match v.resolve(&u.keyword) {
                        Resolution::Known {
                            vocabulary,
                            concept,
                        } => {
                            u.status = "known".into();
                            u.suggestions.push(KeywordSuggestion {
                                label: u.keyword.clone(),
                                concept,
                                vocabulary,
                                distance: Some(0),
                            });
                        }
                        Resolution::Ambiguous(c) => {
                            u.status = "ambiguous".into();
                            u.suggestions = c
                                .into_iter()
                                .map(|(vocabulary, concept, label)| KeywordSuggestion {
                                    label,
                                    concept,
                                    vocabulary,
                                    distance: None,
                                })
                                .collect();
                        }
                        Resolution::Unknown(s) => {
                            u.status = "unknown".into();
                            u.suggestions = s
                                .into_iter()
                                .take(5)
                                .map(|(vocabulary, concept, label, d)| KeywordSuggestion {
                                    label,
                                    concept,
                                    vocabulary,
                                    distance: Some(d),
                                })
                                .collect();
                        }
                    }
                }
            }
        }
        #[cfg(not(feature = "taxonomy"))]
        for c in &self.config.vocabularies {
            vocabularies.push(VocabularyStatus {
                name: c.name.clone(),
                path: c.path.clone(),
                concepts: None,
                error: Some("this build has no `taxonomy` feature".into()),
            });
        }
        Ok(VocabularyReport {
            vocabularies,
            keywords,
            controlled,
            unknown,
        })
    }

    /// The keywords of an asset expanded through the vocabularies' hierarchy: each controlled
    /// keyword's concept and all its broader concepts (preferred labels), then the
    /// uncontrolled keywords as written. What a search index should hold so that a search
    /// for "animals" finds an asset tagged "dogs".
    pub fn expanded_keywords(&self, id: &AssetId) -> Result<Vec<String>> {
        let rows: Vec<(String, Option<String>, Option<String>)> = {
            let cat = self.lock();
            let e = cat.err(format!("reading the keywords of {id}"));
            let mut stmt = cat
                .conn
                .prepare(
                    "SELECT keyword, concept, vocabulary FROM keywords WHERE asset_id = ?1
                     ORDER BY keyword",
                )
                .map_err(&e)?;
            stmt.query_map([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(&e)?
                .collect::<rusqlite::Result<_>>()
                .map_err(&e)?
        };
        let mut out: Vec<String> = Vec::new();
        for (keyword, concept, vocabulary) in rows {
            #[cfg(feature = "taxonomy")]
            if let (Some(c), Some(v)) = (&concept, &vocabulary) {
                let labels = self.vocabularies().expand(v, c);
                if !labels.is_empty() {
                    for l in labels {
                        if !out.contains(&l) {
                            out.push(l);
                        }
                    }
                    if !out.contains(&keyword) {
                        out.push(keyword);
                    }
                    continue;
                }
            }
            let _ = (&concept, &vocabulary);
            if !out.contains(&keyword) {
                out.push(keyword);
            }
        }
        Ok(out)
    }

    /// Assets whose rights are expired, expire within `days` days, or are not valid yet,
    /// with the reason; soonest end first.
    pub fn rights_report(&self, days: u32) -> Result<RightsReport> {
        let now = jiff::Timestamp::now();
        let (rows, total) = {
            let cat = self.lock();
            let e = cat.err("reading rights");
            let mut stmt = cat
                .conn
                .prepare(
                    "SELECT a.id, a.title, a.status, r.source, r.policy, r.expires_at
                     FROM rights r JOIN assets a ON a.id = r.asset_id ORDER BY a.id",
                )
                .map_err(&e)?;
            type Row = (
                String,
                Option<String>,
                String,
                String,
                String,
                Option<String>,
            );
            let rows: Vec<Row> = stmt
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })
                .map_err(&e)?
                .collect::<rusqlite::Result<_>>()
                .map_err(&e)?;
            let total: i64 = cat
                .conn
                .query_row("SELECT COUNT(*) FROM assets", [], |r| r.get(0))
                .map_err(&e)?;
            (rows, total.max(0) as u64)
        };
        let with_rights = rows.len() as u64;
        let mut alerts = Vec::new();
        for (id, title, lifecycle, source, policy, expires_at) in rows {
            let id: AssetId = id.parse().map_err(|_| LibraryError::Field {
                field: "rights.asset_id".into(),
                message: format!("{id:?} is not an asset id"),
            })?;
            let alert = alert_for(id, title, lifecycle, source, &policy, expires_at, now, days);
            if let Some(a) = alert {
                alerts.push(a);
            }
        }
        alerts.sort_by(|a, b| {
            let key = |x: &RightsAlert| (x.end.clone().unwrap_or_else(|| "~".into()), x.id);
            key(a).cmp(&key(b))
        });
        Ok(RightsReport {
            at: now.to_string(),
            horizon_days: days,
            with_rights,
            without_rights: total.saturating_sub(with_rights),
            alerts,
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn alert_for(
    id: AssetId,
    title: Option<String>,
    lifecycle: String,
    source: String,
    policy: &str,
    expires_at: Option<String>,
    now: jiff::Timestamp,
    days: u32,
) -> Option<RightsAlert> {
    let mut a = RightsAlert {
        id,
        title,
        lifecycle,
        status: String::new(),
        source,
        policy: None,
        start: None,
        end: expires_at.clone(),
        days_to_end: None,
        reason: String::new(),
        hints: Vec::new(),
    };
    #[cfg(feature = "rights")]
    {
        use damkit_rights::dam::alerts::{LicenceStatus, check};
        let policy = match damkit_rights::Policy::from_jsonld(policy.as_bytes(), "catalog") {
            Ok(p) => p,
            Err(e) => {
                a.status = "unreadable".into();
                a.reason = format!("the stored policy does not parse: {e}");
                return Some(a);
            }
        };
        let c = check(&id.to_string(), &policy, now, i64::from(days));
        a.policy = Some(c.policy.clone());
        a.start = c.start.map(|t| t.to_string());
        a.end = c.end.map(|t| t.to_string());
        a.days_to_end = c.days_to_end;
        a.hints = c.hints.iter().map(|h| format!("{h:?}")).collect();
        let d = c.days_to_end.unwrap_or(0);
        match c.status {
            LicenceStatus::Valid => return None,
            LicenceStatus::Expired => {
                a.status = "expired".into();
                a.reason = format!(
                    "the licence ended {} ({} day{} ago)",
                    a.end.as_deref().unwrap_or("?"),
                    -d,
                    if d == -1 { "" } else { "s" }
                );
            }
            LicenceStatus::ExpiringSoon => {
                a.status = "expiring_soon".into();
                a.reason = format!(
                    "the licence ends {} (in {d} day{}, within the {days}-day horizon)",
                    a.end.as_deref().unwrap_or("?"),
                    if d == 1 { "" } else { "s" }
                );
            }
            LicenceStatus::NotYetValid => {
                a.status = "not_yet_valid".into();
                a.reason = format!(
                    "the licence starts {}",
                    a.start.as_deref().unwrap_or("later")
                );
            }
        }
        Some(a)
    }
    #[cfg(not(feature = "rights"))]
    {
        let _ = policy;
        let end = expires_at?.parse::<jiff::Timestamp>().ok()?;
        let d = (end.as_second() - now.as_second()).div_euclid(86_400);
        a.days_to_end = Some(d);
        if now >= end {
            a.status = "expired".into();
            a.reason = format!("the licence ended {end} ({} days ago)", -d);
        } else if d <= i64::from(days) {
            a.status = "expiring_soon".into();
            a.reason = format!("the licence ends {end} (in {d} days)");
        } else {
            return None;
        }
        Some(a)
    }
}
