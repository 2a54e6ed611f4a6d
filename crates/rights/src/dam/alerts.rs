//! Licence alerts over many assets' policies: expired, expiring within N days, not yet
//! valid — with the dates — and enforcement hints for the DAM (block download, require a
//! watermark, hide from portals).

use jiff::Timestamp;
use serde::Serialize;

use crate::model::{Constraint, LogicalOp, Policy, RuleKind};
use crate::value::Value;
use crate::vocab::{Action, LeftOperand};

/// Where an asset's licence stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LicenceStatus {
    /// The window has ended.
    Expired,
    /// The window ends within the alert horizon.
    ExpiringSoon,
    /// The window has not started.
    NotYetValid,
    /// Within the window (or no window).
    Valid,
}

/// What the DAM should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EnforcementHint {
    /// Stop downloads of the original and renditions.
    BlockDownload,
    /// Serve only watermarked previews.
    RequireWatermark,
    /// Remove from public portals and shares.
    HideFromPortals,
    /// Tell the asset's owner to renew or replace the licence.
    NotifyOwner,
    /// A credit line must accompany uses.
    RequireCredit,
    /// Keep out of AI training and data-mining exports.
    ExcludeFromAiTraining,
}

/// One asset's licence status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// The asset.
    pub asset: String,
    /// The policy uid.
    pub policy: String,
    /// The status.
    pub status: LicenceStatus,
    /// Start of the licence window, when bounded.
    pub start: Option<Timestamp>,
    /// End of the licence window (exclusive), when bounded.
    pub end: Option<Timestamp>,
    /// Whole days until the end (negative when past).
    pub days_to_end: Option<i64>,
    /// What to do.
    pub hints: Vec<EnforcementHint>,
}

/// The window `[start, end)` of a policy's permissions: the latest lower bound and the
/// earliest upper bound on `dateTime` across permission constraints (through `and`).
pub fn window(policy: &Policy) -> (Option<Timestamp>, Option<Timestamp>) {
    fn walk(c: &Constraint, start: &mut Option<Timestamp>, end: &mut Option<Timestamp>) {
        match c {
            Constraint::Logical(l) if matches!(l.op, LogicalOp::And | LogicalOp::AndSequence) => {
                for m in &l.members {
                    walk(m, start, end);
                }
            }
            Constraint::Logical(_) => {}
            Constraint::Atomic(a) if a.left_operand == LeftOperand::DATE_TIME => {
                let t = match a.right_operand.first() {
                    Some(Value::DateTime(t)) => Some(*t),
                    Some(v @ Value::Date(_)) => {
                        match v.compare(&Value::DateTime(Timestamp::UNIX_EPOCH)) {
                            Some(_) => match v {
                                Value::Date(d) => d
                                    .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                                    .ok()
                                    .map(|z| z.timestamp()),
                                _ => None,
                            },
                            None => None,
                        }
                    }
                    _ => None,
                };
                let Some(t) = t else { return };
                match a.operator.iri().rsplit('/').next() {
                    Some("gt" | "gteq") => *start = Some(start.map_or(t, |s| s.max(t))),
                    Some("lt" | "lteq") => *end = Some(end.map_or(t, |e| e.min(t))),
                    _ => {}
                }
            }
            Constraint::Atomic(_) => {}
        }
    }
    let (mut start, mut end) = (None, None);
    for r in policy.rules().filter(|r| r.kind == RuleKind::Permission) {
        for c in &r.constraints {
            walk(c, &mut start, &mut end);
        }
    }
    (start, end)
}

/// The status of one policy at `now` with an alert horizon of `within_days`.
pub fn check(asset: &str, policy: &Policy, now: Timestamp, within_days: i64) -> Alert {
    let (start, end) = window(policy);
    let days_to_end = end.map(|e| (e.as_second() - now.as_second()).div_euclid(86_400));
    let status = if end.is_some_and(|e| now >= e) {
        LicenceStatus::Expired
    } else if start.is_some_and(|s| now < s) {
        LicenceStatus::NotYetValid
    } else if days_to_end.is_some_and(|d| d <= within_days) {
        LicenceStatus::ExpiringSoon
    } else {
        LicenceStatus::Valid
    };
    let mut hints = Vec::new();
    match status {
        LicenceStatus::Expired | LicenceStatus::NotYetValid => {
            hints.extend([
                EnforcementHint::BlockDownload,
                EnforcementHint::HideFromPortals,
                EnforcementHint::RequireWatermark,
            ]);
            if status == LicenceStatus::Expired {
                hints.push(EnforcementHint::NotifyOwner);
            }
        }
        LicenceStatus::ExpiringSoon => hints.push(EnforcementHint::NotifyOwner),
        LicenceStatus::Valid => {}
    }
    let duties = policy.permissions.iter().flat_map(|p| &p.duties);
    if duties
        .clone()
        .any(|d| d.actions.iter().any(|a| a.action == Action::ATTRIBUTE))
    {
        hints.push(EnforcementHint::RequireCredit);
    }
    if policy
        .permissions
        .iter()
        .flat_map(|p| &p.duties)
        .any(|d| d.actions.iter().any(|a| a.action == Action::WATERMARK))
        && !hints.contains(&EnforcementHint::RequireWatermark)
    {
        hints.push(EnforcementHint::RequireWatermark);
    }
    let ai = policy.prohibitions.iter().any(|p| {
        p.constraints.iter().any(|c| matches!(c, Constraint::Atomic(a) if a.left_operand == LeftOperand::PURPOSE && a.right_operand.iter().any(|v| v.as_text().is_some_and(|t| t.contains("ai-training") || t.contains("data-mining")))))
    });
    if ai {
        hints.push(EnforcementHint::ExcludeFromAiTraining);
    }
    Alert {
        asset: asset.to_owned(),
        policy: policy.uid.clone(),
        status,
        start,
        end,
        days_to_end,
        hints,
    }
}

/// Alerts over many assets: every asset whose licence is expired, expiring within
/// `within_days`, or not yet valid, soonest end first.
pub fn alerts<'a>(
    items: impl IntoIterator<Item = (&'a str, &'a Policy)>,
    now: Timestamp,
    within_days: i64,
) -> Vec<Alert> {
    let mut out: Vec<Alert> = items
        .into_iter()
        .map(|(a, p)| check(a, p, now, within_days))
        .filter(|a| a.status != LicenceStatus::Valid)
        .collect();
    out.sort_by_key(|a| (a.end.unwrap_or(Timestamp::MAX), a.asset.clone()));
    out
}
