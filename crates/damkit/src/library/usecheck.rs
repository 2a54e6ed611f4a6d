//! Checking one concrete use of an asset ("may we publish it on the web in Germany on
//! 1 March?") against every layer of its rights with damkit-rights, and the lifecycle rule
//! (only approved assets are distributable).

use damkit_core::AssetId;
use damkit_rights::Policy;
use damkit_rights::dam::metadata::MetadataRights;
use damkit_rights::eval::{CompiledPolicy, Decision, Evaluator, Request, World};
use damkit_rights::vocab::Action;
use rusqlite::OptionalExtension;
use serde::Serialize;

use super::Library;
use super::error::{LibraryError, Result};
use super::lifecycle::LifecycleStatus;
use super::stage::RightsProvenance;
use super::stages::rights::{SOURCE_DEFAULT, pairs, retarget};

/// A use of an asset to check ([`Library::check_use`]). Unset context (territory,
/// channel...) is unknown: a layer that constrains it does not permit the use (closed world).
///
/// ```
/// use damkit::library::RightsUse;
/// let u = RightsUse::distribute().channel("web").territory("DE").at("2026-03-01T00:00:00Z".parse()?);
/// assert_eq!(u.action, "distribute");
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RightsUse {
    /// The ODRL action: a local name of the ODRL vocabulary (`distribute`, `reproduce`,
    /// `display`, `use`...) or a full IRI.
    pub action: String,
    /// When (default: now).
    pub at: Option<jiff::Timestamp>,
    /// Where: an ISO 3166 code (`DE`, `US`...).
    pub territory: Option<String>,
    /// The delivery channel (`web`, `print`, `social`...).
    pub channel: Option<String>,
    /// The media.
    pub media: Option<String>,
    /// The purpose (`editorial`, `advertising`, `ai-training`...).
    pub purpose: Option<String>,
    /// Who uses it (a party IRI or name).
    pub party: Option<String>,
}

impl RightsUse {
    /// Distribution (`odrl:distribute`), the use "distributable" is about.
    pub fn distribute() -> RightsUse {
        RightsUse::action("distribute")
    }
    /// Another action.
    pub fn action(action: impl Into<String>) -> RightsUse {
        RightsUse {
            action: action.into(),
            at: None,
            territory: None,
            channel: None,
            media: None,
            purpose: None,
            party: None,
        }
    }
    /// The time of the use.
    pub fn at(mut self, t: jiff::Timestamp) -> Self {
        self.at = Some(t);
        self
    }
    /// The territory.
    pub fn territory(mut self, t: impl Into<String>) -> Self {
        self.territory = Some(t.into());
        self
    }
    /// The delivery channel.
    pub fn channel(mut self, c: impl Into<String>) -> Self {
        self.channel = Some(c.into());
        self
    }
    /// The media.
    pub fn media(mut self, m: impl Into<String>) -> Self {
        self.media = Some(m.into());
        self
    }
    /// The purpose.
    pub fn purpose(mut self, p: impl Into<String>) -> Self {
        self.purpose = Some(p.into());
        self
    }
    /// The party.
    pub fn party(mut self, p: impl Into<String>) -> Self {
        self.party = Some(p.into());
        self
    }

    fn odrl_action(&self) -> Action {
        let a = self.action.trim();
        if a.contains(':') && !a.starts_with("odrl:") {
            Action::new(a)
        } else {
            Action::odrl(a.trim_start_matches("odrl:"))
        }
    }
}

/// The decision of one rights layer.
#[derive(Debug, Clone, Serialize)]
pub struct LayerDecision {
    /// `licence` or `rules`.
    pub layer: String,
    /// Where the layer came from.
    pub source: String,
    /// The policy uid.
    pub policy: String,
    /// `permit`, `deny`, `not_applicable` (no rule permits it: not permitted) or
    /// `unreadable` (the stored policy no longer parses: not permitted).
    pub decision: String,
    /// damkit-rights' reasons.
    pub reasons: Vec<String>,
}

/// The answer of [`Library::check_use`].
#[derive(Debug, Clone, Serialize)]
pub struct UseCheck {
    /// The asset.
    pub id: AssetId,
    /// The use checked (with `at` filled in).
    #[serde(rename = "use")]
    pub use_: RightsUse,
    /// Whether the use is allowed: the lifecycle permits it and every layer permits it.
    pub allowed: bool,
    /// The asset's lifecycle status.
    pub lifecycle: LifecycleStatus,
    /// Whether the lifecycle permits it (only approved assets are distributable).
    pub lifecycle_ok: bool,
    /// Each rights layer's decision, licence first. Empty: the asset has no rights recorded,
    /// nothing forbids the use.
    pub layers: Vec<LayerDecision>,
    /// Why not, in sentences (empty when allowed).
    pub reasons: Vec<String>,
}

fn decision_name(d: Decision) -> &'static str {
    match d {
        Decision::Permit => "permit",
        Decision::Deny => "deny",
        Decision::NotApplicable => "not_applicable",
    }
}

impl Library {
    /// Checks a concrete use of an asset: the lifecycle rule (only approved assets may be
    /// used outside the library) and a full damkit-rights evaluation of every rights layer
    /// (the licence from the metadata or the library default, and the library rules) for
    /// the use's action, time, territory, channel, media, purpose and party, with the
    /// asset's model and property release status from its metadata. Allowed only when every
    /// layer permits it.
    pub fn check_use(&self, id: &AssetId, u: &RightsUse) -> Result<UseCheck> {
        let mut u = u.clone();
        let at = *u.at.get_or_insert_with(jiff::Timestamp::now);
        let aid = id.to_string();
        type Row = (String, String, Option<String>, Option<String>);
        let (status, rights, metadata) = {
            let cat = self.lock();
            let e = cat.err(format!("reading the rights of asset {id}"));
            let status: Option<String> = cat
                .conn
                .query_row("SELECT status FROM assets WHERE id = ?1", [&aid], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(&e)?;
            let Some(status) = status else {
                return Err(LibraryError::AssetNotFound { id: *id });
            };
            let rights: Option<Row> = cat
                .conn
                .query_row(
                    "SELECT policy, source, rules, provenance FROM rights WHERE asset_id = ?1",
                    [&aid],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()
                .map_err(&e)?;
            let metadata: Option<String> = cat
                .conn
                .query_row(
                    "SELECT m.json FROM assets a JOIN metadata m ON m.version_id = a.current_version
                     WHERE a.id = ?1",
                    [&aid],
                    |r| r.get(0),
                )
                .optional()
                .map_err(&e)?;
            (status, rights, metadata)
        };
        let lifecycle: LifecycleStatus = status.parse().unwrap_or(LifecycleStatus::Draft);
        let lifecycle_ok = lifecycle.is_distributable();
        let mut reasons = Vec::new();
        if !lifecycle_ok {
            reasons.push(format!(
                "the asset is {lifecycle}: only approved assets are distributable"
            ));
        }

        let target = format!("urn:damkit:asset:{id}");
        let facts = metadata
            .and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok())
            .map(|j| {
                let p = pairs(&j);
                MetadataRights::from_pairs(p.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            });
        let mut req = Request::new(u.odrl_action()).target(&target).at(at);
        if let Some(t) = &u.territory {
            req = req.spatial(t);
        }
        if let Some(c) = &u.channel {
            req = req.channel(c);
        }
        if let Some(m) = &u.media {
            req = req.media(m);
        }
        if let Some(p) = &u.purpose {
            req = req.purpose(p);
        }
        if let Some(p) = &u.party {
            req = req.party(p);
        }
        if let Some(f) = &facts {
            req = f.annotate(req);
        }

        let mut layers = Vec::new();
        if let Some((policy, source, rules, provenance)) = rights {
            let provenance: Vec<RightsProvenance> = provenance
                .and_then(|p| serde_json::from_str(&p).ok())
                .unwrap_or_default();
            let rules_source = provenance
                .iter()
                .find(|p| p.layer == "rules")
                .map_or_else(|| "library rules".to_string(), |p| p.source.clone());
            let licence_layer = if rules.is_none() && source == "library rules" {
                "rules"
            } else {
                "licence"
            };
            let mut todo = vec![(licence_layer, source.clone(), policy)];
            if let Some(r) = rules {
                todo.push(("rules", rules_source, r));
            }
            for (layer, source, json) in todo {
                layers.push(evaluate(layer, &source, &json, &req, &target));
            }
        }
        for l in &layers {
            if l.decision != "permit" {
                let why = if l.reasons.is_empty() {
                    String::new()
                } else {
                    format!(": {}", l.reasons.join("; "))
                };
                reasons.push(format!(
                    "the {} layer ({}) does not permit it ({}){why}",
                    l.layer, l.source, l.decision
                ));
            }
        }
        let allowed = lifecycle_ok && layers.iter().all(|l| l.decision == "permit");
        Ok(UseCheck {
            id: *id,
            use_: u,
            allowed,
            lifecycle,
            lifecycle_ok,
            layers,
            reasons,
        })
    }
}

fn evaluate(layer: &str, source: &str, json: &str, req: &Request, target: &str) -> LayerDecision {
    match Policy::from_jsonld(json.as_bytes(), "catalog rights") {
        Ok(mut policy) => {
            if source == SOURCE_DEFAULT {
                retarget(&mut policy, target);
            }
            let uid = policy.uid.clone();
            let report =
                Evaluator::new().evaluate(&CompiledPolicy::new(policy), req, &World::new());
            LayerDecision {
                layer: layer.into(),
                source: source.into(),
                policy: uid,
                decision: decision_name(report.decision).into(),
                reasons: report.reasons,
            }
        }
        Err(e) => LayerDecision {
            layer: layer.into(),
            source: source.into(),
            policy: String::new(),
            decision: "unreadable".into(),
            reasons: vec![e.to_string()],
        },
    }
}
