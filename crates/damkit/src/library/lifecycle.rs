//! Lifecycle status of an asset and the rules for moving between statuses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where an asset is in its life. Only [`Approved`](LifecycleStatus::Approved) assets are
/// distributable.
///
/// The transitions allowed (see [`LifecycleStatus::allowed_next`]):
///
/// | from | to |
/// |---|---|
/// | draft | in_review, archived (and approved when the library does not require review) |
/// | in_review | approved, draft (sent back), archived |
/// | approved | in_review (re-review), archived, expired |
/// | archived | draft (restored) |
/// | expired | in_review (rights renewed), archived |
///
/// A new version of an approved asset sends it back to `in_review`: the new content was not
/// the one approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleStatus {
    /// Just ingested or being worked on.
    Draft,
    /// Waiting for approval.
    InReview,
    /// Approved for use: distributable.
    Approved,
    /// Out of circulation, kept.
    Archived,
    /// Its rights or validity ran out.
    Expired,
}

impl LifecycleStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [LifecycleStatus; 5] = [
        LifecycleStatus::Draft,
        LifecycleStatus::InReview,
        LifecycleStatus::Approved,
        LifecycleStatus::Archived,
        LifecycleStatus::Expired,
    ];

    /// The text form (`draft`, `in_review`, `approved`, `archived`, `expired`), also stored in
    /// the catalog.
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleStatus::Draft => "draft",
            LifecycleStatus::InReview => "in_review",
            LifecycleStatus::Approved => "approved",
            LifecycleStatus::Archived => "archived",
            LifecycleStatus::Expired => "expired",
        }
    }

    /// The statuses an asset in this status may move to. `require_review` is the library's
    /// `lifecycle.require_review` setting: when false, a draft may be approved directly.
    pub fn allowed_next(self, require_review: bool) -> Vec<LifecycleStatus> {
        use LifecycleStatus::*;
        match self {
            Draft if require_review => vec![InReview, Archived],
            Draft => vec![InReview, Approved, Archived],
            InReview => vec![Approved, Draft, Archived],
            Approved => vec![InReview, Archived, Expired],
            Archived => vec![Draft],
            Expired => vec![InReview, Archived],
        }
    }

    /// Whether assets in this status may be distributed (used outside the library).
    pub fn is_distributable(self) -> bool {
        self == LifecycleStatus::Approved
    }
}

impl fmt::Display for LifecycleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no lifecycle status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown lifecycle status {0:?}: expected draft, in_review, approved, archived or expired")]
pub struct ParseStatusError(pub String);

impl FromStr for LifecycleStatus {
    type Err = ParseStatusError;

    /// Accepts the text form, any case, with `-`, `_` or a space in `in review`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        LifecycleStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == norm)
            .ok_or_else(|| ParseStatusError(s.chars().take(64).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        for st in LifecycleStatus::ALL {
            assert_eq!(st.as_str().parse::<LifecycleStatus>().unwrap(), st);
        }
        assert_eq!(
            "In Review".parse::<LifecycleStatus>().unwrap(),
            LifecycleStatus::InReview
        );
        assert!("published".parse::<LifecycleStatus>().is_err());
    }

    #[test]
    fn review_rule() {
        use LifecycleStatus::*;
        assert!(!Draft.allowed_next(true).contains(&Approved));
        assert!(Draft.allowed_next(false).contains(&Approved));
        assert!(InReview.allowed_next(true).contains(&Approved));
        for st in LifecycleStatus::ALL {
            assert!(!st.allowed_next(false).contains(&st), "{st} -> itself");
            assert_eq!(st.is_distributable(), st == Approved);
        }
    }
}
