//! The rights stage: an ODRL policy for each asset from its metadata (Creative Commons
//! licence, PLUS licence terms) through damkit-rights, else the library's default policy.

use std::path::{Path, PathBuf};

use damkit_rights::Policy;
use damkit_rights::dam::alerts;
use damkit_rights::dam::metadata::MetadataRights;
use serde_json::Value;

use crate::library::config::RightsConfig;
use crate::library::stage::{AssetStage, RightsRecord, StageInput, StageOutput};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where the stage's policy came from (`rights.source` in the catalog).
pub(crate) const SOURCE_CC: &str = "metadata: Creative Commons licence";
/// A policy built from PLUS licence terms (window, licensee, data mining, credit).
pub(crate) const SOURCE_PLUS: &str = "metadata: licence terms (PLUS)";
/// The library's `rights.default_policy`.
pub(crate) const SOURCE_DEFAULT: &str = "library default";

/// Records a rights policy for every asset whose metadata names a licence, else the default.
pub(crate) struct RightsStage {
    default: Option<Policy>,
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
                Ok(p) => Some(p),
                Err(e) => {
                    warnings.push((
                        path,
                        format!("rights.default_policy not loaded (assets get none): {e}"),
                    ));
                    None
                }
            }
        });
        (RightsStage { default }, warnings)
    }
}

/// The metadata JSON as (key, text) pairs, lists as one pair per item.
fn pairs(json: &Value) -> Vec<(String, String)> {
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
        let (policy, source) = if let Some(cc) = m.cc_policy(&uid, &target)? {
            (cc, SOURCE_CC)
        } else if has_licence_terms(&m) {
            (m.to_builder(&uid, &target).build()?, SOURCE_PLUS)
        } else if let Some(d) = &self.default {
            (d.clone(), SOURCE_DEFAULT)
        } else {
            return Ok(());
        };
        let (_, end) = alerts::window(&policy);
        out.rights = Some(RightsRecord {
            source: source.into(),
            policy: policy.to_jsonld(),
            expires_at: end.map(|t| t.to_string()),
        });
        Ok(())
    }
}
