//! `/oauth/*` rate limits (API-DESIGN 193): governor's keyed GCRA limiters,
//! one per caller address and one per `client_id`. An exhausted caller gets
//! Zoho Accounts' own answer (`"error":"Access Denied"`); others are not
//! slowed.

use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;
use std::num::NonZeroU32;

/// Calls allowed per minute (each also the burst); `None` is unlimited.
#[derive(Debug, Clone, Copy)]
pub struct Rates {
    pub per_address: Option<NonZeroU32>,
    pub per_client: Option<NonZeroU32>,
}

impl Default for Rates {
    fn default() -> Self {
        Self {
            per_address: NonZeroU32::new(600),
            per_client: NonZeroU32::new(300),
        }
    }
}

/// Keys kept before the idle ones are dropped (so unknown `client_id`s
/// sent by a stranger cannot grow the table for ever).
const RETAIN_ABOVE: usize = 10_000;

/// The limiters.
pub struct OAuthLimiter {
    by_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    by_client: Option<DefaultKeyedRateLimiter<String>>,
}

impl OAuthLimiter {
    pub fn new(rates: Rates) -> Self {
        Self {
            by_address: rates
                .per_address
                .map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n))),
            by_client: rates
                .per_client
                .map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n))),
        }
    }

    /// Whether a call from `address` for `client_id` (empty: none) may go on.
    pub fn allow(&self, address: Option<IpAddr>, client_id: &str) -> bool {
        if let (Some(limiter), Some(address)) = (&self.by_address, address) {
            if limiter.len() > RETAIN_ABOVE {
                limiter.retain_recent();
            }
            if limiter.check_key(&address).is_err() {
                return false;
            }
        }
        if let Some(limiter) = self.by_client.as_ref().filter(|_| !client_id.is_empty()) {
            if limiter.len() > RETAIN_ABOVE {
                limiter.retain_recent();
            }
            if limiter.check_key(&client_id.to_owned()).is_err() {
                return false;
            }
        }
        true
    }
}
