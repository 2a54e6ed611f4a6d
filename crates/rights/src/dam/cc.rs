//! Creative Commons licences (4.0, CC0 1.0, Public Domain Mark 1.0) mapped to ODRL, from the
//! licence descriptions published by Creative Commons (bundled, MIT; read with `oxrdfxml`).

use std::sync::OnceLock;

use crate::error::{Result, RightsError};
use crate::model::{
    ActionRef, AssetRef, AtomicConstraint, ConflictStrategy, Constraint, Policy, Rule, RuleKind,
};
use crate::value::Value;
use crate::vocab::{Action, CC, LeftOperand, Operator};

const FILES: &[(&str, &str)] = &[
    (
        "http://creativecommons.org/licenses/by/4.0/",
        include_str!("../../data/cc-licenses/creativecommons.org_licenses_by_4.0_.rdf"),
    ),
    (
        "http://creativecommons.org/licenses/by-sa/4.0/",
        include_str!("../../data/cc-licenses/creativecommons.org_licenses_by-sa_4.0_.rdf"),
    ),
    (
        "http://creativecommons.org/licenses/by-nd/4.0/",
        include_str!("../../data/cc-licenses/creativecommons.org_licenses_by-nd_4.0_.rdf"),
    ),
    (
        "http://creativecommons.org/licenses/by-nc/4.0/",
        include_str!("../../data/cc-licenses/creativecommons.org_licenses_by-nc_4.0_.rdf"),
    ),
    (
        "http://creativecommons.org/licenses/by-nc-sa/4.0/",
        include_str!("../../data/cc-licenses/creativecommons.org_licenses_by-nc-sa_4.0_.rdf"),
    ),
    (
        "http://creativecommons.org/licenses/by-nc-nd/4.0/",
        include_str!("../../data/cc-licenses/creativecommons.org_licenses_by-nc-nd_4.0_.rdf"),
    ),
    (
        "http://creativecommons.org/publicdomain/zero/1.0/",
        include_str!("../../data/cc-licenses/creativecommons.org_publicdomain_zero_1.0_.rdf"),
    ),
    (
        "http://creativecommons.org/publicdomain/mark/1.0/",
        include_str!("../../data/cc-licenses/creativecommons.org_publicdomain_mark_1.0_.rdf"),
    ),
];

/// What a Creative Commons licence permits, requires and prohibits (CC REL terms).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CcLicence {
    /// The canonical licence URI (`http://creativecommons.org/licenses/by/4.0/`).
    pub uri: String,
    /// `cc:permits` (Reproduction, Distribution, DerivativeWorks ...), as full IRIs.
    pub permits: Vec<String>,
    /// `cc:requires` (Attribution, Notice, ShareAlike ...).
    pub requires: Vec<String>,
    /// `cc:prohibits` (CommercialUse).
    pub prohibits: Vec<String>,
}

fn table() -> &'static [CcLicence] {
    static T: OnceLock<Vec<CcLicence>> = OnceLock::new();
    T.get_or_init(|| {
        FILES
            .iter()
            .map(|(uri, rdf)| {
                let mut l = CcLicence {
                    uri: (*uri).to_owned(),
                    permits: Vec::new(),
                    requires: Vec::new(),
                    prohibits: Vec::new(),
                };
                for t in oxrdfxml::RdfXmlParser::new()
                    .for_slice(rdf.as_bytes())
                    .flatten()
                {
                    let subject = match &t.subject {
                        oxrdf::NamedOrBlankNode::NamedNode(n) => n.as_str(),
                        _ => continue,
                    };
                    let oxrdf::Term::NamedNode(o) = &t.object else {
                        continue;
                    };
                    if subject != *uri {
                        continue;
                    }
                    let list = match t.predicate.as_str().strip_prefix(CC) {
                        Some("permits") => &mut l.permits,
                        Some("requires") => &mut l.requires,
                        Some("prohibits") => &mut l.prohibits,
                        _ => continue,
                    };
                    if !list.iter().any(|x| x == o.as_str()) {
                        list.push(o.as_str().to_owned());
                    }
                }
                l
            })
            .collect()
    })
}

/// Every bundled licence.
pub fn licences() -> &'static [CcLicence] {
    table()
}

/// Finds a licence by URI in any usual spelling: `https`, without trailing slash, with a
/// `legalcode` or `deed.xx` suffix, or a short name such as `CC BY-NC 4.0` / `CC0`.
pub fn lookup(s: &str) -> Option<&'static CcLicence> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    let key = if lower.contains("creativecommons.org/") {
        let rest = lower.split("creativecommons.org/").nth(1).unwrap_or("");
        let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).take(3).collect();
        if parts.len() < 3 {
            return None;
        }
        format!(
            "http://creativecommons.org/{}/{}/{}/",
            parts[0], parts[1], parts[2]
        )
    } else {
        let norm = lower.replace(['_', ' '], "-");
        let name = norm.trim_start_matches("cc-").trim_start_matches("cc");
        match name.trim_matches('-') {
            "0" | "0-1.0" | "zero" => {
                "http://creativecommons.org/publicdomain/zero/1.0/".to_owned()
            }
            "pdm" | "pdm-1.0" | "public-domain-mark" => {
                "http://creativecommons.org/publicdomain/mark/1.0/".to_owned()
            }
            n => {
                let n = n.trim_end_matches("-4.0");
                format!("http://creativecommons.org/licenses/{n}/4.0/")
            }
        }
    };
    table().iter().find(|l| l.uri == key)
}

fn odrl_action(cc_term: &str) -> Action {
    match cc_term.strip_prefix(CC) {
        Some("Reproduction") => Action::REPRODUCE,
        Some("Distribution") => Action::DISTRIBUTE,
        Some("DerivativeWorks") => Action::DERIVE,
        Some("Sharing") => Action::DISTRIBUTE,
        Some("Attribution") => Action::ATTRIBUTE,
        _ => Action::new(cc_term),
    }
}

impl CcLicence {
    /// The licence as an ODRL policy for `asset`: a permission for each permitted action plus
    /// the uses copyright does not reserve (display, play, read), with a duty per
    /// requirement; `CommercialUse` prohibited as a prohibition of `use` for the purpose
    /// `commercial` (conflict strategy `prohibit`).
    pub fn to_policy(&self, uid: &str, asset: Option<&str>) -> Policy {
        let mut p = Policy::new(uid);
        let targets: Vec<AssetRef> = asset
            .iter()
            .map(|a| AssetRef {
                iri: (*a).to_owned(),
                collection: false,
                refinements: Vec::new(),
            })
            .collect();
        let mut actions: Vec<Action> = vec![Action::DISPLAY, Action::PLAY, Action::READ];
        for t in &self.permits {
            let a = odrl_action(t);
            if !actions.contains(&a) {
                actions.push(a);
            }
        }
        for (i, a) in actions.into_iter().enumerate() {
            let mut r = Rule::new(RuleKind::Permission);
            r.id = Some(format!(
                "{uid}#permission-{}",
                a.short().rsplit(['/', '#']).next().unwrap_or("x")
            ));
            let _ = i;
            r.actions.push(ActionRef {
                id: None,
                action: a,
                refinements: Vec::new(),
            });
            r.targets.clone_from(&targets);
            for req in &self.requires {
                let mut d = Rule::new(RuleKind::Duty);
                d.id = Some(format!(
                    "{uid}#duty-{}",
                    req.rsplit(['/', '#']).next().unwrap_or("x")
                ));
                d.actions.push(ActionRef {
                    id: None,
                    action: odrl_action(req),
                    refinements: Vec::new(),
                });
                r.duties.push(d);
            }
            p.permissions.push(r);
        }
        for pro in &self.prohibits {
            let mut r = Rule::new(RuleKind::Prohibition);
            r.id = Some(format!(
                "{uid}#prohibition-{}",
                pro.rsplit(['/', '#']).next().unwrap_or("x")
            ));
            r.actions.push(ActionRef {
                id: None,
                action: Action::USE,
                refinements: Vec::new(),
            });
            r.targets.clone_from(&targets);
            if pro.ends_with("CommercialUse") {
                r.constraints.push(Constraint::Atomic(AtomicConstraint {
                    id: None,
                    left_operand: LeftOperand::PURPOSE,
                    operator: Operator::EQ,
                    right_operand: vec![Value::String(super::PURPOSE_COMMERCIAL.into())],
                    right_operand_reference: None,
                    unit: None,
                    data_type: None,
                    status: None,
                }));
            }
            p.prohibitions.push(r);
            p.conflict = Some(ConflictStrategy::Prohibit);
        }
        p
    }
}

/// The licence for `uri`, or an error naming it.
pub fn licence(uri: &str) -> Result<&'static CcLicence> {
    lookup(uri).ok_or_else(|| RightsError::Field {
        field: "licence".into(),
        message: format!("{uri:?} is not a known Creative Commons 4.0 / CC0 / PDM licence"),
    })
}
