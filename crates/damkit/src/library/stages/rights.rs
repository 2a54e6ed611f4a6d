//! The rights stage: an asset's rights as two ODRL layers through damkit-rights — the
//! licence (Creative Commons licence or PLUS licence terms in the metadata, else the
//! library's default policy) and the library rules (`[rights.rules]`), which stay in force on
//! top of the licence. Also the full evaluation of a use against both layers.

use std::path::{Path, PathBuf};

use damkit_rights::Policy;
use damkit_rights::dam::alerts;
use damkit_rights::dam::metadata::MetadataRights;
use serde_json::Value;

use damkit_rights::dam::RightsBuilder;

use crate::library::config::{RightsConfig, RightsRules};
use crate::library::stage::{AssetStage, RightsProvenance, RightsRecord, StageInput, StageOutput};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where the stage's policy came from (`rights.source` in the catalog).
pub(crate) const SOURCE_CC: &str = "metadata: Creative Commons licence";
/// A policy built from PLUS licence terms (window, licensee, data mining, credit).
pub(crate) const SOURCE_PLUS: &str = "metadata: licence terms (PLUS)";
/// The library's `rights.default_policy`.
pub(crate) const SOURCE_DEFAULT: &str = "library default";
/// The library's `[rights.rules]`.
pub(crate) const SOURCE_RULES: &str = "library rules";

/// Records the licence layer (metadata licence, else the default) and the rules layer.
pub(crate) struct RightsStage {
    default: Option<(Policy, PathBuf)>,
    rules: RightsRules,
}

/// The rules layer for one asset, `None` when the library has no rules.
pub(crate) fn rules_policy(rules: &RightsRules, asset: &str) -> Option<Result<Policy, BoxError>> {
    if rules.is_empty() {
        return None;
    }
    fn strs(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let mut b = RightsBuilder::new(format!("urn:damkit:asset:{asset}:rules"))
        .asset(format!("urn:damkit:asset:{asset}"));
    if !rules.territories.is_empty() {
        b = b.territories(&strs(&rules.territories));
    }
    if !rules.exclude_territories.is_empty() {
        b = b.exclude_territories(&strs(&rules.exclude_territories));
    }
    if !rules.channels.is_empty() {
        b = b.channels(&strs(&rules.channels));
    }
    if !rules.media.is_empty() {
        b = b.media(&strs(&rules.media));
    }
    if rules.editorial_only {
        b = b.editorial_only();
    }
    if rules.model_release_required {
        b = b.model_release_required();
    }
    if rules.property_release_required {
        b = b.property_release_required();
    }
    if rules.no_ai_training {
        b = b.no_ai_training();
    }
    Some(b.build().map_err(Into::into))
}

/// Points every rule of a policy that names targets at `asset` (the library default applies
/// to every asset it is recorded for, whatever asset its file names).
pub(crate) fn retarget(policy: &mut Policy, asset: &str) {
    for rule in policy
        .permissions
        .iter_mut()
        .chain(policy.prohibitions.iter_mut())
        .chain(policy.obligations.iter_mut())
    {
        if !rule.targets.is_empty() {
            rule.targets = vec![damkit_rights::model::AssetRef {
                iri: asset.to_string(),
                collection: false,
                refinements: Vec::new(),
            }];
        }
    }
}

/// The rules in words, for the provenance record.
fn describe_rules(r: &RightsRules) -> String {
    let mut parts = Vec::new();
    let list = |name: &str, v: &[String]| format!("{name} {}", v.join(", "));
    if !r.territories.is_empty() {
        parts.push(list("territories", &r.territories));
    }
    if !r.exclude_territories.is_empty() {
        parts.push(list("not in", &r.exclude_territories));
    }
    if !r.channels.is_empty() {
        parts.push(list("channels", &r.channels));
    }
    if !r.media.is_empty() {
        parts.push(list("media", &r.media));
    }
    for (on, what) in [
        (r.editorial_only, "editorial only"),
        (r.model_release_required, "model release required"),
        (r.property_release_required, "property release required"),
        (r.no_ai_training, "no AI training"),
    ] {
        if on {
            parts.push(what.to_string());
        }
    }
    format!("damkit.toml [rights.rules]: {}", parts.join("; "))
}

impl RightsStage {
    pub(crate) fn new(root: &Path, config: &RightsConfig) -> (RightsStage, Vec<(PathBuf, String)>) {
        let mut warnings = Vec::new();
        let default = config.default_policy.as_ref().and_then(|p| {
            let path = super::config_path(root, p);
            let r = std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| {
                    Policy::from_bytes(&b, &path.display().to_string()).map_err(|e| e.to_string())
                });
            match r {
                Ok(p) => Some((p, path)),
                Err(e) => {
                    warnings.push((
                        path,
                        format!("rights.default_policy not loaded (assets get none): {e}"),
                    ));
                    None
                }
            }
        });
        if let Some(Err(e)) = rules_policy(&config.rules, "check") {
            warnings.push((
                root.join(crate::library::CONFIG_FILE),
                format!("rights.rules cannot be expressed as a policy (no rules layer): {e}"),
            ));
        }
        (
            RightsStage {
                default,
                rules: config.rules.clone(),
            },
            warnings,
        )
    }
}

/// The metadata JSON as (key, text) pairs, lists as one pair per item.
pub(crate) fn pairs(json: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Value::Object(obj) = json else {
        return out;
    };
    for (k, v) in obj {
        match v {
            Value::String(s) => out.push((k.clone(), s.clone())),
            Value::Number(n) => out.push((k.clone(), n.to_string())),
            Value::Bool(b) => out.push((k.clone(), b.to_string())),
            Value::Array(a) => out.extend(
                a.iter()
                    .filter_map(|x| x.as_str())
                    .map(|s| (k.clone(), s.to_string())),
            ),
            Value::Object(o) => {
                if let Some(s) = o.get("x-default").and_then(Value::as_str) {
                    out.push((k.clone(), s.to_string()));
                }
            }
            Value::Null => {}
        }
    }
    out
}

/// Whether the metadata carries licence terms (not merely a copyright notice).
fn has_licence_terms(m: &MetadataRights) -> bool {
    m.licence_start.is_some()
        || m.licence_end.is_some()
        || m.licensee.is_some()
        || m.licence_id.is_some()
        || m.ai_training_prohibited()
}

impl AssetStage for RightsStage {
    fn name(&self) -> &str {
        "rights"
    }

    fn process(&self, input: &StageInput<'_>, out: &mut StageOutput) -> Result<(), BoxError> {
        let Some(asset) = input.asset else {
            return Ok(());
        };
        let uid = format!("urn:damkit:asset:{asset}:rights");
        let target = format!("urn:damkit:asset:{asset}");
        let p = out
            .metadata
            .as_ref()
            .map(|m| pairs(&m.1))
            .unwrap_or_default();
        let m = MetadataRights::from_pairs(p.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        out.warnings
            .extend(m.warnings.iter().map(|w| format!("rights: {w}")));
        let licence = if let Some(cc) = m.cc_policy(&uid, &target)? {
            let detail = format!(
                "{} (from the metadata's licence / web statement / usage terms)",
                m.cc_licence.as_deref().unwrap_or("")
            );
            Some((cc, SOURCE_CC, detail))
        } else if has_licence_terms(&m) {
            let detail = "PLUS licence dates, licensee, data-mining and credit fields".to_string();
            Some((m.to_builder(&uid, &target).build()?, SOURCE_PLUS, detail))
        } else {
            self.default.as_ref().map(|(d, path)| {
                let mut d = d.clone();
                retarget(&mut d, &target);
                (d, SOURCE_DEFAULT, path.display().to_string())
            })
        };
        let rules = match rules_policy(&self.rules, &asset.to_string()) {
            Some(Ok(p)) => Some(p),
            Some(Err(e)) => {
                out.warnings
                    .push(format!("rights: library rules not applied: {e}"));
                None
            }
            None => None,
        };
        let mut provenance = Vec::new();
        if let Some((_, source, detail)) = &licence {
            provenance.push(RightsProvenance {
                layer: "licence".into(),
                source: (*source).into(),
                detail: detail.clone(),
            });
        }
        if rules.is_some() {
            provenance.push(RightsProvenance {
                layer: "rules".into(),
                source: SOURCE_RULES.into(),
                detail: describe_rules(&self.rules),
            });
        }
        let (policy, source, rules) = match (licence, rules) {
            (Some((p, source, _)), rules) => (p, source, rules),
            (None, Some(r)) => (r, SOURCE_RULES, None),
            (None, None) => return Ok(()),
        };
        let (_, end) = alerts::window(&policy);
        out.rights = Some(RightsRecord {
            source: source.into(),
            policy: policy.to_jsonld(),
            expires_at: end.map(|t| t.to_string()),
            rules: rules.map(|r| r.to_jsonld()),
            provenance,
        });
        Ok(())
    }
}
