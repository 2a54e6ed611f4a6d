//! Asset identity.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The stable identity of an asset.
///
/// An asset keeps its id when its file changes (a new version) or moves; content hashes
/// identify *versions*, not assets. Ids are UUID version 7 (RFC 9562): 48 bits of Unix
/// milliseconds then random bits, so ids sort by creation time, which keeps catalog and index
/// insertions local. The text form is the lower-case hyphenated UUID, which is also the serde
/// form.
///
/// ```
/// use damkit_core::AssetId;
///
/// let id = AssetId::new();
/// let text = id.to_string();
/// assert_eq!(text.len(), 36);
/// assert_eq!(text.parse::<AssetId>()?, id);
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AssetId(Uuid);

impl AssetId {
    /// A new, time-ordered, random id.
    #[allow(clippy::new_without_default)] // a default id would be a surprising random value
    pub fn new() -> Self {
        AssetId(Uuid::now_v7())
    }

    /// The id with these 16 bytes (big-endian UUID layout).
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        AssetId(Uuid::from_bytes(bytes))
    }

    /// The 16 bytes of this id.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }

    /// The id as a `u128` (big-endian interpretation of the bytes), handy as a sort key.
    pub const fn as_u128(&self) -> u128 {
        self.0.as_u128()
    }

    /// The creation time encoded in a version-7 id, in milliseconds since the Unix epoch;
    /// `None` for ids of other UUID versions (for example ones imported from another system).
    pub fn created_unix_ms(&self) -> Option<u64> {
        if self.0.get_version_num() != 7 {
            return None;
        }
        let b = self.0.as_bytes();
        Some(u64::from_be_bytes([
            0, 0, b[0], b[1], b[2], b[3], b[4], b[5],
        ]))
    }
}

impl fmt::Display for AssetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for AssetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AssetId({})", self.0.hyphenated())
    }
}

/// A string that is not a valid asset id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid asset id {input:?}: expected a UUID such as 0192f0c1-7a3b-7c4d-8e5f-0123456789ab")]
pub struct ParseAssetIdError {
    /// The text that failed to parse (cut to 64 characters).
    pub input: String,
}

impl FromStr for AssetId {
    type Err = ParseAssetIdError;

    /// Parses the hyphenated, simple (32 hex digits), braced or URN form of a UUID.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s.trim())
            .map(AssetId)
            .map_err(|_| ParseAssetIdError {
                input: s.chars().take(64).collect(),
            })
    }
}

impl From<Uuid> for AssetId {
    fn from(u: Uuid) -> Self {
        AssetId(u)
    }
}

impl From<AssetId> for Uuid {
    fn from(id: AssetId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_time_ordered() {
        let a = AssetId::new();
        let b = AssetId::new();
        assert_ne!(a, b);
        assert!(a < b, "v7 ids created later sort later: {a} {b}");
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let ts = a.created_unix_ms().unwrap();
        assert!(ts <= now_ms && now_ms - ts < 60_000);
    }

    #[test]
    fn text_and_serde_round_trip() {
        let id = AssetId::new();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        let back: AssetId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);
        let simple = id.to_string().replace('-', "");
        assert_eq!(simple.parse::<AssetId>().unwrap(), id);
    }

    #[test]
    fn bad_ids_are_named_in_the_error() {
        let err = "not-an-id".parse::<AssetId>().unwrap_err();
        assert!(err.to_string().contains("not-an-id"));
        let long = "x".repeat(10_000);
        let err = long.parse::<AssetId>().unwrap_err();
        assert_eq!(err.input.len(), 64);
    }

    #[test]
    fn foreign_uuid_versions_have_no_timestamp() {
        let id = AssetId::from_bytes([0x11; 16]);
        assert_eq!(id.created_unix_ms(), None);
    }
}
