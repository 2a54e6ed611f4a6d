use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::error::{Result, RightsError};
use crate::model::{
    ActionRef, AssetRef, AtomicConstraint, ConflictStrategy, Constraint, PartyRef, Policy,
    PolicyKind, Rule, RuleKind,
};
use crate::value::Value;
use crate::vocab::{Action, LeftOperand, Operator};

/// The damkit profile namespace (left operands for release status).
pub const DAMKIT_NS: &str = "https://damkit.org/ns/rights#";
/// Left operand: the asset's model release status (PLUS `MR-*` code) — supplied in the
/// request context from the asset's metadata.
pub const MODEL_RELEASE: &str = "https://damkit.org/ns/rights#modelReleaseStatus";
/// Left operand: the asset's property release status (PLUS `PR-*` code).
pub const PROPERTY_RELEASE: &str = "https://damkit.org/ns/rights#propertyReleaseStatus";
/// Left operand: the credit line that must accompany a use (refinement of the `attribute`
/// duty).
pub const CREDIT_LINE: &str = "https://damkit.org/ns/rights#creditLine";
/// `purpose` value for editorial use.
pub const PURPOSE_EDITORIAL: &str = "editorial";
/// `purpose` value for commercial use.
pub const PURPOSE_COMMERCIAL: &str = "commercial";
/// `purpose` value for AI/ML training.
pub const PURPOSE_AI_TRAINING: &str = "ai-training";
/// `purpose` value for generative AI training.
pub const PURPOSE_GENAI_TRAINING: &str = "genai-training";
/// `purpose` value for text and data mining.
pub const PURPOSE_DATA_MINING: &str = "data-mining";

/// Builds a licence as people write it and compiles it to an ODRL [`Policy`] (an
/// Agreement when an assignee is named, else a Set).
///
/// | builder | ODRL |
/// |---|---|
/// | `window(start, end, tz)` | `dateTime gteq start`, `dateTime lt` end (a date-only end includes the whole day in `tz`) |
/// | `territories` / `exclude_territories` | `spatial isAnyOf` / `spatial isNoneOf` (ISO 3166 codes and groups such as `EU`) |
/// | `channels` / `media` | `deliveryChannel isAnyOf` / `media isAnyOf` |
/// | `max_uses(n)` | `count lteq n` |
/// | `editorial_only()` | `purpose eq editorial` |
/// | `credit_line(text)` | duty `attribute`, refined with the damkit operand `creditLine eq text` |
/// | `model_release_required()` / `property_release_required()` | damkit profile operand `isAnyOf` (`MR-UMR`, `MR-LMR`, `MR-NAP`) |
/// | `no_ai_training()` / `prohibit_purposes(..)` | prohibition of `use` for purposes (ai-training, genai-training, data-mining); conflict `prohibit` |
#[derive(Debug, Clone)]
pub struct RightsBuilder {
    uid: String,
    assets: Vec<String>,
    assignee: Option<String>,
    assigner: Option<String>,
    actions: Vec<Action>,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    territories: Vec<String>,
    excluded: Vec<String>,
    channels: Vec<String>,
    media: Vec<String>,
    max_uses: Option<i64>,
    editorial_only: bool,
    credit_line: Option<String>,
    model_release: bool,
    property_release: bool,
    prohibited_purposes: Vec<String>,
}

fn parse_bound(s: &str, tz: &TimeZone, end: bool, field: &str) -> Result<Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let bad = |m: String| RightsError::Date {
        rule: "(builder)".into(),
        term: field.into(),
        value: s.into(),
        message: m,
    };
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>()
        && s.len() > 10
    {
        return dt
            .to_zoned_datetime(tz.clone())
            .map(|z| z.timestamp())
            .map_err(|e| bad(e.to_string()));
    }
    let d: Date = s.parse().map_err(|e: jiff::Error| bad(e.to_string()))?;
    let d = if end {
        d.tomorrow().map_err(|e| bad(e.to_string()))?
    } else {
        d
    };
    d.to_zoned_datetime(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|e| bad(e.to_string()))
}

fn atomic(id: String, left: LeftOperand, op: Operator, right: Vec<Value>) -> Constraint {
    Constraint::Atomic(AtomicConstraint {
        id: Some(id),
        left_operand: left,
        operator: op,
        right_operand: right,
        right_operand_reference: None,
        unit: None,
        data_type: None,
        status: None,
    })
}

fn strings(v: &[String]) -> Vec<Value> {
    v.iter().map(|s| Value::String(s.clone())).collect()
}

impl RightsBuilder {
    /// A licence with policy uid `uid`, permitting `use` by default.
    pub fn new(uid: impl Into<String>) -> RightsBuilder {
        RightsBuilder {
            uid: uid.into(),
            assets: Vec::new(),
            assignee: None,
            assigner: None,
            actions: Vec::new(),
            start: None,
            end: None,
            territories: Vec::new(),
            excluded: Vec::new(),
            channels: Vec::new(),
            media: Vec::new(),
            max_uses: None,
            editorial_only: false,
            credit_line: None,
            model_release: false,
            property_release: false,
            prohibited_purposes: Vec::new(),
        }
    }
    /// The asset (repeat for several).
    pub fn asset(mut self, a: impl Into<String>) -> Self {
        self.assets.push(a.into());
        self
    }
    /// The licensee.
    pub fn licensee(mut self, p: impl Into<String>) -> Self {
        self.assignee = Some(p.into());
        self
    }
    /// The licensor.
    pub fn licensor(mut self, p: impl Into<String>) -> Self {
        self.assigner = Some(p.into());
        self
    }
    /// Permitted actions (default: `use`, which includes every usage action).
    pub fn actions(mut self, a: &[Action]) -> Self {
        self.actions = a.to_vec();
        self
    }
    /// The licence window. `start`/`end` are RFC 3339 instants, civil date-times or dates
    /// (`2026-12-31`: the end date is included up to midnight) in the IANA time zone `tz`.
    /// Either may be empty for an open end.
    pub fn window(mut self, start: &str, end: &str, tz: &str) -> Result<Self> {
        let zone = if tz.is_empty() {
            TimeZone::UTC
        } else {
            TimeZone::get(tz).map_err(|e| RightsError::Field {
                field: "time zone".into(),
                message: format!("{tz:?}: {e}"),
            })?
        };
        self.start = if start.trim().is_empty() {
            None
        } else {
            Some(parse_bound(start, &zone, false, "licence start")?)
        };
        self.end = if end.trim().is_empty() {
            None
        } else {
            Some(parse_bound(end, &zone, true, "licence end")?)
        };
        if let (Some(s), Some(e)) = (self.start, self.end)
            && e <= s
        {
            return Err(RightsError::Field {
                field: "licence window".into(),
                message: format!("ends ({e}) before it starts ({s})"),
            });
        }
        Ok(self)
    }
    /// Sets the window from instants.
    pub fn window_instants(mut self, start: Option<Timestamp>, end: Option<Timestamp>) -> Self {
        self.start = start;
        self.end = end;
        self
    }
    /// Territories where use is allowed (ISO 3166 codes or groups such as `EU`, `DACH`).
    pub fn territories(mut self, t: &[&str]) -> Self {
        self.territories
            .extend(t.iter().map(|s| crate::vocab::normalize_place(s)));
        self
    }
    /// Territories where use is not allowed.
    pub fn exclude_territories(mut self, t: &[&str]) -> Self {
        self.excluded
            .extend(t.iter().map(|s| crate::vocab::normalize_place(s)));
        self
    }
    /// Delivery channels allowed (`web`, `print`, `social`, `tv` ...).
    pub fn channels(mut self, c: &[&str]) -> Self {
        self.channels.extend(c.iter().map(|s| (*s).to_owned()));
        self
    }
    /// Media allowed.
    pub fn media(mut self, m: &[&str]) -> Self {
        self.media.extend(m.iter().map(|s| (*s).to_owned()));
        self
    }
    /// Maximum number of uses.
    pub fn max_uses(mut self, n: i64) -> Self {
        self.max_uses = Some(n);
        self
    }
    /// Editorial use only.
    pub fn editorial_only(mut self) -> Self {
        self.editorial_only = true;
        self
    }
    /// A credit line must accompany every use.
    pub fn credit_line(mut self, text: impl Into<String>) -> Self {
        self.credit_line = Some(text.into());
        self
    }
    /// A model release must be on file.
    pub fn model_release_required(mut self) -> Self {
        self.model_release = true;
        self
    }
    /// A property release must be on file.
    pub fn property_release_required(mut self) -> Self {
        self.property_release = true;
        self
    }
    /// No AI/ML training, generative AI training or data mining.
    pub fn no_ai_training(self) -> Self {
        self.prohibit_purposes(&[
            PURPOSE_AI_TRAINING,
            PURPOSE_GENAI_TRAINING,
            PURPOSE_DATA_MINING,
        ])
    }
    /// No use for these purposes (a prohibition that wins over the permission).
    pub fn prohibit_purposes(mut self, purposes: &[&str]) -> Self {
        for p in purposes {
            if !self.prohibited_purposes.iter().any(|q| q == p) {
                self.prohibited_purposes.push((*p).to_owned());
            }
        }
        self
    }
    /// The credit line, when one is required.
    pub fn credit(&self) -> Option<&str> {
        self.credit_line.as_deref()
    }

    /// Compiles to ODRL.
    pub fn build(&self) -> Result<Policy> {
        let mut p = Policy::new(self.uid.clone());
        if self.assignee.is_some() {
            p.kind = PolicyKind::Agreement;
        }
        let mut perm = Rule::new(RuleKind::Permission);
        perm.id = Some(format!("{}#permission", self.uid));
        let actions = if self.actions.is_empty() {
            vec![Action::USE]
        } else {
            self.actions.clone()
        };
        perm.actions = actions
            .into_iter()
            .map(|a| ActionRef {
                id: None,
                action: a,
                refinements: Vec::new(),
            })
            .collect();
        perm.targets = self
            .assets
            .iter()
            .map(|a| AssetRef {
                iri: a.clone(),
                collection: false,
                refinements: Vec::new(),
            })
            .collect();
        perm.assignees = self
            .assignee
            .iter()
            .map(|a| PartyRef {
                iri: a.clone(),
                collection: false,
                refinements: Vec::new(),
            })
            .collect();
        perm.assigners = self
            .assigner
            .iter()
            .map(|a| PartyRef {
                iri: a.clone(),
                collection: false,
                refinements: Vec::new(),
            })
            .collect();
        let c = &mut perm.constraints;
        if let Some(s) = self.start {
            c.push(atomic(
                format!("{}#window-start", self.uid),
                LeftOperand::DATE_TIME,
                Operator::GTEQ,
                vec![Value::DateTime(s)],
            ));
        }
        if let Some(e) = self.end {
            c.push(atomic(
                format!("{}#window-end", self.uid),
                LeftOperand::DATE_TIME,
                Operator::LT,
                vec![Value::DateTime(e)],
            ));
        }
        let lists = [
            (
                "territories",
                LeftOperand::SPATIAL,
                Operator::IS_ANY_OF,
                &self.territories,
            ),
            (
                "excluded-territories",
                LeftOperand::SPATIAL,
                Operator::IS_NONE_OF,
                &self.excluded,
            ),
            (
                "channels",
                LeftOperand::DELIVERY_CHANNEL,
                Operator::IS_ANY_OF,
                &self.channels,
            ),
            (
                "media",
                LeftOperand::MEDIA,
                Operator::IS_ANY_OF,
                &self.media,
            ),
        ];
        for (name, operand, operator, values) in lists {
            if !values.is_empty() {
                c.push(atomic(
                    format!("{}#{name}", self.uid),
                    operand,
                    operator,
                    strings(values),
                ));
            }
        }
        if let Some(n) = self.max_uses {
            if n < 0 {
                return Err(RightsError::Field {
                    field: "maximum uses".into(),
                    message: format!("{n} is negative"),
                });
            }
            c.push(atomic(
                format!("{}#max-uses", self.uid),
                LeftOperand::COUNT,
                Operator::LTEQ,
                vec![Value::Integer(n)],
            ));
        }
        if self.editorial_only {
            c.push(atomic(
                format!("{}#editorial", self.uid),
                LeftOperand::PURPOSE,
                Operator::EQ,
                vec![Value::String(PURPOSE_EDITORIAL.into())],
            ));
        }
        if self.model_release {
            c.push(atomic(
                format!("{}#model-release", self.uid),
                LeftOperand::new(MODEL_RELEASE),
                Operator::IS_ANY_OF,
                strings(&["MR-UMR".into(), "MR-LMR".into(), "MR-NAP".into()]),
            ));
        }
        if self.property_release {
            c.push(atomic(
                format!("{}#property-release", self.uid),
                LeftOperand::new(PROPERTY_RELEASE),
                Operator::IS_ANY_OF,
                strings(&["PR-UPR".into(), "PR-LPR".into(), "PR-NAP".into()]),
            ));
        }
        if let Some(text) = &self.credit_line {
            let mut duty = Rule::new(RuleKind::Duty);
            duty.id = Some(format!("{}#credit", self.uid));
            // The credit text travels with the policy as a refinement of `attribute` (damkit
            // profile operand); a duty fact reporting the credit used is checked against it.
            duty.actions.push(ActionRef {
                id: Some(format!("{}#credit-action", self.uid)),
                action: Action::ATTRIBUTE,
                refinements: vec![atomic(
                    format!("{}#credit-line", self.uid),
                    LeftOperand::new(CREDIT_LINE),
                    Operator::EQ,
                    vec![Value::String(text.clone())],
                )],
            });
            perm.duties.push(duty);
        }
        p.permissions.push(perm);
        if !self.prohibited_purposes.is_empty() {
            let mut pro = Rule::new(RuleKind::Prohibition);
            pro.id = Some(format!("{}#prohibited-purposes", self.uid));
            pro.actions.push(ActionRef {
                id: None,
                action: Action::USE,
                refinements: Vec::new(),
            });
            pro.targets = p.permissions[0].targets.clone();
            pro.constraints.push(atomic(
                format!("{}#prohibited-purposes-list", self.uid),
                LeftOperand::PURPOSE,
                Operator::IS_ANY_OF,
                strings(&self.prohibited_purposes),
            ));
            p.prohibitions.push(pro);
            p.conflict = Some(ConflictStrategy::Prohibit);
        }
        Ok(p)
    }
}

/// The credit line a policy requires (the `creditLine` refinement of an `attribute` duty).
pub fn credit_line(policy: &Policy) -> Option<String> {
    policy
        .permissions
        .iter()
        .flat_map(|p| &p.duties)
        .flat_map(|d| &d.actions)
        .filter(|a| a.action == Action::ATTRIBUTE)
        .flat_map(|a| &a.refinements)
        .find_map(|r| match r {
            Constraint::Atomic(c) if c.left_operand.iri() == CREDIT_LINE => c
                .right_operand
                .first()
                .and_then(Value::as_text)
                .map(str::to_owned),
            _ => None,
        })
}
