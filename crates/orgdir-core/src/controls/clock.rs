//! The org clocks (SPEC 11, API-DESIGN 173): how far each org's time has
//! been moved ahead of the real one. Held in memory per process, like the
//! journal and the rules; [`crate::time::in_org_time`] applies an offset.

use crate::{Error, OrgId, Result};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{PoisonError, RwLock};

/// The farthest one move may go: a hundred years, in seconds.
pub const MAX_ADVANCE: i64 = 100 * 365 * 24 * 3600;

/// Every org's clock offset in this process.
#[derive(Default)]
pub struct Clocks {
    /// Orgs whose clock was moved: when 0, no call pays for clocks.
    moved: AtomicUsize,
    offsets: RwLock<HashMap<OrgId, i64>>,
}

impl Clocks {
    /// Whether any org's clock was moved (one atomic load).
    pub fn any(&self) -> bool {
        self.moved.load(Ordering::Relaxed) > 0
    }

    /// Seconds `org`'s clock is ahead of the real one.
    pub fn offset(&self, org: OrgId) -> i64 {
        if !self.any() {
            return 0;
        }
        self.offsets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&org)
            .copied()
            .unwrap_or(0)
    }

    /// Moves `org`'s clock `seconds` forward (1 to [`MAX_ADVANCE`]; time
    /// never moves back); answers the new offset.
    pub fn advance(&self, org: OrgId, seconds: i64) -> Result<i64> {
        if !(1..=MAX_ADVANCE).contains(&seconds) {
            return Err(Error::invalid_field(
                "$.advance_seconds",
                format!("must be a whole number from 1 to {MAX_ADVANCE}"),
            ));
        }
        let mut offsets = self.offsets.write().unwrap_or_else(PoisonError::into_inner);
        let offset = offsets.entry(org).or_insert_with(|| {
            self.moved.fetch_add(1, Ordering::Relaxed);
            0
        });
        *offset = offset.saturating_add(seconds);
        Ok(*offset)
    }

    /// Puts `org`'s clock back on the real time (reset, deletion).
    pub fn clear(&self, org: OrgId) {
        let mut offsets = self.offsets.write().unwrap_or_else(PoisonError::into_inner);
        if offsets.remove(&org).is_some() {
            self.moved.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_forward_per_org_until_cleared() {
        let clocks = Clocks::default();
        let (a, b) = (OrgId(1), OrgId(2));
        assert!(!clocks.any());
        assert_eq!(clocks.advance(a, 60).ok(), Some(60));
        assert_eq!(clocks.advance(a, 40).ok(), Some(100));
        assert_eq!((clocks.offset(a), clocks.offset(b)), (100, 0));
        assert!(clocks.advance(a, 0).is_err());
        assert!(clocks.advance(a, -5).is_err());
        assert!(clocks.advance(a, MAX_ADVANCE + 1).is_err());
        assert_eq!(clocks.offset(a), 100);
        clocks.clear(a);
        assert_eq!(clocks.offset(a), 0);
        assert!(!clocks.any());
    }
}
