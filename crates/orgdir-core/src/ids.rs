//! Zoho-style identifiers: decimal strings of up to 19 digits, made of an org
//! prefix and a per-org sequence so that a fixed seed gives the same ids.

use std::fmt;

/// The id of a record (user, role, territory, …). Always a JSON string on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZohoId(pub i64);

/// The id of an org. It is also the prefix of every id the org generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrgId(pub i64);

/// Record ids are `prefix * ID_SPACING + sequence`.
pub const ID_SPACING: i64 = 1_000_000_000_000;

/// The largest org prefix whose ids still fit 19 digits in an `i64`.
pub const MAX_ORG_PREFIX: i64 = i64::MAX / ID_SPACING - 1;

impl ZohoId {
    /// Parses a decimal id (1 to 19 digits, positive, fits an `i64`).
    pub fn parse(text: &str) -> Option<Self> {
        if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse::<i64>().ok().filter(|v| *v > 0).map(Self)
    }

    /// The id with sequence number `seq` in `org`.
    pub fn compose(org: OrgId, seq: i64) -> Self {
        Self(org.0.saturating_mul(ID_SPACING).saturating_add(seq))
    }

    /// The sequence part, when this id carries `org`'s prefix.
    pub fn sequence_in(self, org: OrgId) -> Option<i64> {
        (self.0 / ID_SPACING == org.0).then_some(self.0 % ID_SPACING)
    }
}

impl OrgId {
    /// Parses an org id (a positive number up to [`MAX_ORG_PREFIX`]).
    pub fn parse(text: &str) -> Option<Self> {
        if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse::<i64>()
            .ok()
            .filter(|v| (1..=MAX_ORG_PREFIX).contains(v))
            .map(Self)
    }

    /// A deterministic 7-digit org id from a seed and an index, so that runs
    /// with the same seed produce the same ids.
    pub fn from_seed(seed: u64, index: u64) -> Self {
        // splitmix64: a fixed, well-mixed function of (seed, index).
        let mut z = seed
            .wrapping_add(index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Self(1_000_000 + (z % 8_000_000) as i64)
    }
}

impl fmt::Display for ZohoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_zoho_ids() {
        assert_eq!(
            ZohoId::parse("3652397000009952001"),
            Some(ZohoId(3652397000009952001))
        );
        assert_eq!(ZohoId::parse(""), None);
        assert_eq!(ZohoId::parse("0"), None);
        assert_eq!(ZohoId::parse("-1"), None);
        assert_eq!(ZohoId::parse("12a"), None);
        assert_eq!(ZohoId::parse("99999999999999999999"), None);
        assert_eq!(ZohoId::parse("9999999999999999999"), None, "over i64::MAX");
    }

    #[test]
    fn composes_ids_from_org_prefix() {
        let org = OrgId(3652397);
        let id = ZohoId::compose(org, 9952001);
        assert_eq!(id.to_string(), "3652397000009952001");
        assert_eq!(id.sequence_in(org), Some(9952001));
        assert_eq!(id.sequence_in(OrgId(1)), None);
    }

    #[test]
    fn seeded_org_ids_are_stable_and_fit() {
        assert_eq!(OrgId::from_seed(0, 0), OrgId::from_seed(0, 0));
        assert_ne!(OrgId::from_seed(0, 0), OrgId::from_seed(0, 1));
        for i in 0..1000 {
            let org = OrgId::from_seed(42, i);
            assert!(org.0 <= MAX_ORG_PREFIX && org.0 >= 1_000_000);
            assert!(ZohoId::compose(org, ID_SPACING - 1).0 > 0);
        }
    }
}
