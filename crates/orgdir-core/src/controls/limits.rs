//! Emulated API limits (SPEC 9 and 11, API-DESIGN 172): per org, API
//! credits over a rolling 24-hour window and a cap on concurrent calls,
//! off until a test sets them. Held in memory per process, like the journal
//! and the rules. The credit window runs on the org's clock: a credit spent
//! at the org's time `t` comes back at `t` + 24 hours, so moving the clock
//! a day forward gives every credit back.

use crate::org::Edition;
use crate::{Error, OrgId, Result};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// The credit window: 24 hours, in seconds.
pub const WINDOW: i64 = 24 * 3600;

/// The largest limit a test may set.
pub const MAX_LIMIT: u64 = 1_000_000_000;

/// Zoho's cap on an org's daily credits, add-ons included.
pub const MAX_EDITION_CREDITS: u64 = 5_000_000;

/// An org's limits; `None` is unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settings {
    pub credits_per_day: Option<u64>,
    pub concurrency: Option<u64>,
    /// The edition whose formula gave the numbers, when it did.
    pub edition: Option<Edition>,
}

impl Settings {
    /// SPEC 9's numbers for an org of `edition` with `licenses` user
    /// licences: credits 50,000 plus a per-licence amount (free: 5,000),
    /// capped at Zoho's 5,000,000; concurrency 5 to 25.
    pub fn for_edition(edition: Edition, licenses: u32) -> Self {
        let licenses = u64::from(licenses);
        let (credits, concurrency) = match edition {
            Edition::Free => (5_000, 5),
            Edition::Standard => (50_000 + 250 * licenses, 10),
            Edition::Professional => (50_000 + 500 * licenses, 15),
            Edition::Enterprise => (50_000 + 1_000 * licenses, 20),
            Edition::Ultimate => (50_000 + 2_000 * licenses, 25),
        };
        Self {
            credits_per_day: Some(credits.min(MAX_EDITION_CREDITS)),
            concurrency: Some(concurrency),
            edition: Some(edition),
        }
    }

    /// `X-API-CREDITS-REMAINING` with `used` credits spent: set once half
    /// the credits are used.
    fn remaining_header(&self, used: u64) -> Option<u64> {
        self.credits_per_day
            .filter(|limit| used.saturating_mul(2) >= *limit)
            .map(|limit| limit.saturating_sub(used))
    }

    fn is_off(&self) -> bool {
        self.credits_per_day.is_none() && self.concurrency.is_none()
    }
}

/// What a `PUT …/limits` body asks for: numbers, or the edition's formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    Numbers(Settings),
    Edition,
}

impl Request {
    /// Parses `{"credits_per_day": N|null, "concurrency": N|null}` (a key
    /// left out is null: unlimited) or `{"edition": true}`; anything else is
    /// `INVALID_DATA` at its JSON path.
    pub fn parse(body: &Value) -> Result<Self> {
        let map = body
            .as_object()
            .ok_or_else(|| Error::invalid_field("$", "must be an object"))?;
        const KEYS: [&str; 3] = ["credits_per_day", "concurrency", "edition"];
        if let Some(key) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(Error::invalid_field(format!("$.{key}"), "unknown key"));
        }
        if let Some(edition) = map.get("edition") {
            if edition != &Value::Bool(true) {
                return Err(Error::invalid_field("$.edition", "must be true"));
            }
            if map.len() > 1 {
                return Err(Error::invalid_field(
                    "$.edition",
                    "give either the edition or the numbers, not both",
                ));
            }
            return Ok(Self::Edition);
        }
        Ok(Self::Numbers(Settings {
            credits_per_day: limit(map, "credits_per_day")?,
            concurrency: limit(map, "concurrency")?,
            edition: None,
        }))
    }
}

fn limit(map: &Map<String, Value>, key: &str) -> Result<Option<u64>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|n| *n <= MAX_LIMIT)
            .map(Some)
            .ok_or_else(|| {
                Error::invalid_field(
                    format!("$.{key}"),
                    format!("must be null (unlimited) or a whole number from 0 to {MAX_LIMIT}"),
                )
            }),
    }
}

/// Credits spent in the last 24 hours of an org's time.
#[derive(Debug, Default)]
struct Window {
    /// (second of the org's time, credits spent in it), oldest first.
    spent: VecDeque<(i64, u64)>,
    used: u64,
}

impl Window {
    /// Gives back the credits spent 24 hours or more before `now`.
    fn expire(&mut self, now: i64) {
        while let Some(&(at, n)) = self.spent.front() {
            if at.saturating_add(WINDOW) > now {
                break;
            }
            self.used -= n;
            self.spent.pop_front();
        }
    }

    fn spend(&mut self, now: i64) {
        match self.spent.back_mut() {
            Some((at, n)) if *at == now => *n += 1,
            _ => self.spent.push_back((now, 1)),
        }
        self.used += 1;
    }
}

/// One org's limits and what is counted against them.
#[derive(Debug, Default)]
struct OrgLimits {
    settings: RwLock<Settings>,
    /// Calls admitted and not yet answered.
    in_flight: AtomicU64,
    window: Mutex<Window>,
}

/// Why a call was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Credits,
    Concurrency,
}

impl Refusal {
    /// The message of the 429 `TOO_MANY_REQUESTS` answer.
    pub fn message(self) -> &'static str {
        match self {
            Self::Credits => "the org has used all its API credits of the last 24 hours",
            Self::Concurrency => "the org has reached its limit of concurrent API calls",
        }
    }
}

/// A call admitted under its org's concurrency limit: the slot is given
/// back when this is dropped (the answer is written).
#[derive(Debug)]
pub struct Permit(Arc<OrgLimits>);

impl Drop for Permit {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The outcome of [`Limits::admit`]. `remaining` is the value of the
/// `X-API-CREDITS-REMAINING` header: set once half the org's credits of the
/// window are used.
#[derive(Debug)]
pub enum Admission {
    Admitted {
        permit: Permit,
        remaining: Option<u64>,
    },
    Refused {
        refusal: Refusal,
        remaining: Option<u64>,
    },
}

/// Every org's limits in this process.
#[derive(Default)]
pub struct Limits {
    /// Orgs with a limit set: when 0, no call pays for limits.
    limited: AtomicUsize,
    orgs: RwLock<HashMap<OrgId, Arc<OrgLimits>>>,
}

impl Limits {
    /// Whether any org has a limit set (one atomic load).
    pub fn any(&self) -> bool {
        self.limited.load(Ordering::Relaxed) > 0
    }

    fn get(&self, org: OrgId) -> Option<Arc<OrgLimits>> {
        self.orgs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&org)
            .cloned()
    }

    /// Sets `org`'s limits. Credits already spent in the window stay spent;
    /// setting both to unlimited turns the limits off and forgets them.
    pub fn set(&self, org: OrgId, settings: Settings) {
        let mut orgs = self.orgs.write().unwrap_or_else(PoisonError::into_inner);
        if settings.is_off() {
            if orgs.remove(&org).is_some() {
                self.limited.fetch_sub(1, Ordering::Relaxed);
            }
            return;
        }
        let held = orgs.entry(org).or_insert_with(|| {
            self.limited.fetch_add(1, Ordering::Relaxed);
            Arc::default()
        });
        *held
            .settings
            .write()
            .unwrap_or_else(PoisonError::into_inner) = settings;
    }

    /// Turns `org`'s limits off and forgets its credits (reset, deletion).
    pub fn clear(&self, org: OrgId) {
        self.set(org, Settings::default());
    }

    /// Admits a call of `org` at `now` (the org's time, Unix seconds) or
    /// refuses it: first for concurrency, then for credits. An admitted call
    /// spends one credit and holds a concurrency slot until its permit is
    /// dropped; a refused one spends nothing. `None`: the org has no limits.
    pub fn admit(&self, org: OrgId, now: i64) -> Option<Admission> {
        let held = self.get(org)?;
        let settings = *held.settings.read().unwrap_or_else(PoisonError::into_inner);
        let mut window = held.window.lock().unwrap_or_else(PoisonError::into_inner);
        window.expire(now);
        let header = |used: u64| settings.remaining_header(used);
        let in_flight = held.in_flight.fetch_add(1, Ordering::AcqRel);
        let permit = Permit(held.clone());
        if settings.concurrency.is_some_and(|cap| in_flight >= cap) {
            return Some(Admission::Refused {
                refusal: Refusal::Concurrency,
                remaining: header(window.used),
            });
        }
        if let Some(limit) = settings.credits_per_day {
            if window.used >= limit {
                return Some(Admission::Refused {
                    refusal: Refusal::Credits,
                    remaining: header(window.used),
                });
            }
            window.spend(now);
        }
        Some(Admission::Admitted {
            permit,
            remaining: header(window.used),
        })
    }

    /// `X-API-CREDITS-REMAINING` for an answer of `org` at `now` that spends
    /// nothing (a faulted error).
    pub fn remaining(&self, org: OrgId, now: i64) -> Option<u64> {
        let held = self.get(org)?;
        let settings = *held.settings.read().unwrap_or_else(PoisonError::into_inner);
        let mut window = held.window.lock().unwrap_or_else(PoisonError::into_inner);
        window.expire(now);
        settings.remaining_header(window.used)
    }

    /// The limits of `org` and their state at `now` (the org's time), as the
    /// control plane answers them.
    pub fn status(&self, org: OrgId, now: i64) -> Value {
        let held = self.get(org);
        let settings = held
            .as_ref()
            .map(|h| *h.settings.read().unwrap_or_else(PoisonError::into_inner))
            .unwrap_or_default();
        let (used, returns_at) = match &held {
            Some(h) if settings.credits_per_day.is_some() => {
                let mut window = h.window.lock().unwrap_or_else(PoisonError::into_inner);
                window.expire(now);
                let first = window.spent.front().map(|(at, _)| at + WINDOW);
                (window.used, first)
            }
            _ => (0, None),
        };
        json!({
            "credits_per_day": settings.credits_per_day,
            "concurrency": settings.concurrency,
            "edition": settings.edition.map(Edition::as_str),
            "credits_used": used,
            "credits_remaining": settings.credits_per_day.map(|l| l.saturating_sub(used)),
            "oldest_credit_returns_at": returns_at.map(|t| crate::time::format(t, "UTC")),
            "concurrent_calls": held.map_or(0, |h| h.in_flight.load(Ordering::Acquire)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admitted(a: &Option<Admission>) -> bool {
        matches!(a, Some(Admission::Admitted { .. }))
    }

    fn remaining(a: &Option<Admission>) -> Option<u64> {
        match a {
            Some(Admission::Admitted { remaining, .. } | Admission::Refused { remaining, .. }) => {
                *remaining
            }
            None => None,
        }
    }

    #[test]
    fn credits_run_out_and_come_back_a_day_later() {
        let limits = Limits::default();
        let org = OrgId(1);
        assert!(limits.admit(org, 0).is_none());
        limits.set(
            org,
            Settings {
                credits_per_day: Some(4),
                ..Settings::default()
            },
        );
        let calls: Vec<_> = (0..5).map(|i| limits.admit(org, 100 + i)).collect();
        assert_eq!(
            calls.iter().map(admitted).collect::<Vec<_>>(),
            [true, true, true, true, false]
        );
        // The header appears once half are used.
        assert_eq!(
            calls.iter().map(remaining).collect::<Vec<_>>(),
            [None, Some(2), Some(1), Some(0), Some(0)]
        );
        assert!(matches!(
            calls[4],
            Some(Admission::Refused {
                refusal: Refusal::Credits,
                ..
            })
        ));
        let status = limits.status(org, 200);
        assert_eq!(status["credits_used"], 4);
        assert_eq!(status["credits_remaining"], 0);
        // The first credit (spent at 100) is back at 100 + 24 h, not before.
        assert!(!admitted(&limits.admit(org, 100 + WINDOW - 1)));
        assert!(admitted(&limits.admit(org, 100 + WINDOW)));
        assert!(admitted(&limits.admit(org, 200 + WINDOW)));
        assert_eq!(limits.status(OrgId(2), 0)["credits_used"], 0);
    }

    #[test]
    fn concurrency_holds_slots_until_permits_drop() {
        let limits = Limits::default();
        let org = OrgId(1);
        limits.set(
            org,
            Settings {
                concurrency: Some(2),
                ..Settings::default()
            },
        );
        let first = limits.admit(org, 0);
        let second = limits.admit(org, 0);
        let third = limits.admit(org, 0);
        assert!(admitted(&first) && admitted(&second));
        assert!(matches!(
            third,
            Some(Admission::Refused {
                refusal: Refusal::Concurrency,
                remaining: None
            })
        ));
        assert_eq!(limits.status(org, 0)["concurrent_calls"], 2);
        drop((first, third));
        assert!(admitted(&limits.admit(org, 0)));
        // No credit limit: nothing counted, no header.
        assert_eq!(limits.status(org, 0)["credits_remaining"], Value::Null);
    }

    #[test]
    fn bodies_and_the_edition_formula() {
        let ok = |v: Value| Request::parse(&v).ok();
        assert_eq!(
            ok(json!({"credits_per_day": 5})),
            Some(Request::Numbers(Settings {
                credits_per_day: Some(5),
                ..Settings::default()
            }))
        );
        assert_eq!(ok(json!({"edition": true})), Some(Request::Edition));
        for bad in [
            json!([]),
            json!({"credits": 5}),
            json!({"credits_per_day": -1}),
            json!({"concurrency": 2.5}),
            json!({"concurrency": "2"}),
            json!({"edition": false}),
            json!({"edition": true, "concurrency": 3}),
        ] {
            assert!(Request::parse(&bad).is_err(), "{bad}");
        }
        let enterprise = Settings::for_edition(Edition::Enterprise, 10);
        assert_eq!(
            (enterprise.credits_per_day, enterprise.concurrency),
            (Some(60_000), Some(20))
        );
        assert_eq!(
            Settings::for_edition(Edition::Free, 10).credits_per_day,
            Some(5_000)
        );
        assert_eq!(
            Settings::for_edition(Edition::Ultimate, 10_000).credits_per_day,
            Some(MAX_EDITION_CREDITS)
        );
    }

    #[test]
    fn turning_limits_off_forgets_them() {
        let limits = Limits::default();
        let org = OrgId(1);
        limits.set(org, Settings::for_edition(Edition::Free, 1));
        assert!(limits.any());
        limits.clear(org);
        assert!(!limits.any());
        assert!(limits.admit(org, 0).is_none());
    }
}
