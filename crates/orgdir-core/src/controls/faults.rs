//! Fault rules (SPEC 11, API-DESIGN 167–169): per org, calls that match a
//! method and a path pattern are answered with a Zoho error, delayed, or
//! dropped, every Nth time, the first N times, or with a seeded
//! probability. Held in memory per process, like the journal.

use crate::{Error, OrgId, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

/// Most rules one org may hold.
pub const MAX_RULES: usize = 100;

/// Longest delay (and jitter) a rule may ask for: five minutes.
pub const MAX_DELAY_MS: u64 = 300_000;

/// What a rule does to a call it fires on.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Answer this error in Zoho's envelope; the call is not served.
    Error {
        status: u16,
        code: String,
        message: String,
    },
    /// Serve the call normally, `delay_ms` plus up to `jitter_ms` late.
    Delay { delay_ms: u64, jitter_ms: u64 },
    /// Close the connection without an answer.
    Drop,
}

/// When a rule fires among the calls it matches.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// The Nth, 2Nth, … matching call.
    Every(u64),
    /// The first N matching calls.
    Times(u64),
    /// Each matching call with this probability, drawn from a generator
    /// seeded with `seed` (the same rule fires on the same calls).
    Probability { probability: f64, seed: u64 },
}

/// A rule of an org.
#[derive(Debug)]
pub struct Rule {
    pub id: u64,
    pub method: Option<String>,
    pub path: Option<String>,
    pub effect: Effect,
    pub trigger: Trigger,
    /// Calls it matched and calls it fired on.
    seen: AtomicU64,
    hits: AtomicU64,
    /// The probability trigger's generator (also draws a delay's jitter).
    rng: Mutex<ChaCha8Rng>,
}

/// A rule that fired on a call: its id and what it does to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    pub rule: u64,
    pub action: Action,
}

/// [`Effect`] with a delay's jitter drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Error {
        status: u16,
        code: String,
        message: String,
    },
    Delay(Duration),
    Drop,
}

impl Rule {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_ref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path
                .as_ref()
                .is_none_or(|p| super::pattern_matches(p, path))
    }

    /// Counts a matching call and decides whether the rule fires on it.
    fn fire(&self) -> Option<Fired> {
        let n = self.seen.fetch_add(1, Ordering::Relaxed) + 1;
        let fires = match self.trigger {
            Trigger::Every(every) => n.is_multiple_of(every),
            Trigger::Times(times) => n <= times,
            Trigger::Probability { probability, .. } => {
                let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
                rng.gen::<f64>() < probability
            }
        };
        if !fires {
            return None;
        }
        self.hits.fetch_add(1, Ordering::Relaxed);
        let action = match &self.effect {
            Effect::Error {
                status,
                code,
                message,
            } => Action::Error {
                status: *status,
                code: code.clone(),
                message: message.clone(),
            },
            Effect::Delay {
                delay_ms,
                jitter_ms,
            } => {
                let jitter = if *jitter_ms == 0 {
                    0
                } else {
                    let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
                    rng.gen_range(0..=*jitter_ms)
                };
                Action::Delay(Duration::from_millis(delay_ms + jitter))
            }
            Effect::Drop => Action::Drop,
        };
        Some(Fired {
            rule: self.id,
            action,
        })
    }

    /// Times it fired.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// The rule as the control plane answers it, with its hit count.
    pub fn to_json(&self) -> Value {
        let mut matcher = Map::new();
        if let Some(m) = &self.method {
            matcher.insert("method".to_owned(), json!(m));
        }
        if let Some(p) = &self.path {
            matcher.insert("path".to_owned(), json!(p));
        }
        let effect = match &self.effect {
            Effect::Error {
                status,
                code,
                message,
            } => json!({"status": status, "code": code, "message": message}),
            Effect::Delay {
                delay_ms,
                jitter_ms,
            } => json!({"delay_ms": delay_ms, "jitter_ms": jitter_ms}),
            Effect::Drop => json!({"drop": true}),
        };
        let trigger = match self.trigger {
            Trigger::Every(n) => json!({ "every": n }),
            Trigger::Times(n) => json!({ "times": n }),
            Trigger::Probability { probability, seed } => {
                json!({"probability": probability, "seed": seed})
            }
        };
        json!({
            "id": self.id,
            "match": matcher,
            "effect": effect,
            "trigger": trigger,
            "hits": self.hits(),
        })
    }
}

#[derive(Default)]
struct OrgRules {
    next_id: u64,
    rules: Vec<Arc<Rule>>,
}

/// Every org's fault rules in this process.
#[derive(Default)]
pub struct Faults {
    /// Rules held across every org: when 0, no call pays for faults.
    total: AtomicUsize,
    orgs: RwLock<HashMap<OrgId, OrgRules>>,
}

impl Faults {
    /// Whether any org holds a rule (one atomic load).
    pub fn any(&self) -> bool {
        self.total.load(Ordering::Relaxed) > 0
    }

    /// Adds the rule `body` describes to `org` (see [`parse`]).
    pub fn add(&self, org: OrgId, body: &Value) -> Result<Arc<Rule>> {
        let parsed = parse(body)?;
        let mut orgs = self.orgs.write().unwrap_or_else(PoisonError::into_inner);
        let held = orgs.entry(org).or_default();
        if held.rules.len() >= MAX_RULES {
            return Err(Error::invalid_field(
                "$",
                format!("an org holds at most {MAX_RULES} fault rules"),
            ));
        }
        held.next_id += 1;
        let seed = match parsed.trigger {
            Trigger::Probability { seed, .. } => seed,
            _ => 0,
        };
        let rule = Arc::new(Rule {
            id: held.next_id,
            method: parsed.method,
            path: parsed.path,
            effect: parsed.effect,
            trigger: parsed.trigger,
            seen: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        });
        held.rules.push(rule.clone());
        self.total.fetch_add(1, Ordering::Relaxed);
        Ok(rule)
    }

    /// The rules of `org`, oldest first.
    pub fn list(&self, org: OrgId) -> Vec<Arc<Rule>> {
        self.orgs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&org)
            .map(|held| held.rules.clone())
            .unwrap_or_default()
    }

    /// Removes rule `id` of `org`; whether it existed.
    pub fn remove(&self, org: OrgId, id: u64) -> bool {
        let mut orgs = self.orgs.write().unwrap_or_else(PoisonError::into_inner);
        let Some(held) = orgs.get_mut(&org) else {
            return false;
        };
        let before = held.rules.len();
        held.rules.retain(|r| r.id != id);
        let removed = before - held.rules.len();
        self.total.fetch_sub(removed, Ordering::Relaxed);
        removed > 0
    }

    /// Removes every rule of `org` (ids start from 1 again).
    pub fn clear(&self, org: OrgId) {
        let mut orgs = self.orgs.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(held) = orgs.remove(&org) {
            self.total.fetch_sub(held.rules.len(), Ordering::Relaxed);
        }
    }

    /// The first rule of `org`, oldest first, that matches the call and
    /// fires on it. Each rule tried counts the call; the rules after the
    /// one that fires do not see it.
    pub fn decide(&self, org: OrgId, method: &str, path: &str) -> Option<Fired> {
        let orgs = self.orgs.read().unwrap_or_else(PoisonError::into_inner);
        orgs.get(&org)?
            .rules
            .iter()
            .filter(|r| r.matches(method, path))
            .find_map(|r| r.fire())
    }
}

struct Parsed {
    method: Option<String>,
    path: Option<String>,
    effect: Effect,
    trigger: Trigger,
}

fn bad(path: &str, message: impl Into<String>) -> Error {
    Error::invalid_field(path, message)
}

/// An object at `path` holding only `allowed` keys.
fn object<'a>(value: &'a Value, path: &str, allowed: &[&str]) -> Result<&'a Map<String, Value>> {
    let map = value
        .as_object()
        .ok_or_else(|| bad(path, "must be an object"))?;
    if let Some(key) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(bad(&format!("{path}.{key}"), "unknown key"));
    }
    Ok(map)
}

fn uint(map: &Map<String, Value>, path: &str, key: &str, range: (u64, u64)) -> Result<u64> {
    map.get(key)
        .and_then(Value::as_u64)
        .filter(|n| (range.0..=range.1).contains(n))
        .ok_or_else(|| {
            bad(
                &format!("{path}.{key}"),
                format!("must be a whole number from {} to {}", range.0, range.1),
            )
        })
}

/// A rule from its JSON: `match` (optional `method`, optional `path`
/// pattern starting with `/`), `effect` (exactly one of an error
/// `{status, code, message?}`, a delay `{delay_ms, jitter_ms?}` or
/// `{drop: true}`), `trigger` (optional, default every call: one of
/// `{every}`, `{times}`, `{probability, seed?}`). Anything else is
/// `INVALID_DATA` at its JSON path.
fn parse(body: &Value) -> Result<Parsed> {
    let root = object(body, "$", &["match", "effect", "trigger"])?;
    let (method, path) = match root.get("match") {
        None => (None, None),
        Some(m) => {
            let m = object(m, "$.match", &["method", "path"])?;
            let method = match m.get("method") {
                None => None,
                Some(v) => Some(
                    v.as_str()
                        .filter(|s| {
                            !s.is_empty()
                                && s.len() <= 16
                                && s.bytes().all(|b| b.is_ascii_alphabetic())
                        })
                        .map(str::to_ascii_uppercase)
                        .ok_or_else(|| bad("$.match.method", "must be an HTTP method"))?,
                ),
            };
            let path = match m.get("path") {
                None => None,
                Some(v) => Some(
                    v.as_str()
                        .filter(|s| s.starts_with('/') && s.len() <= 500)
                        .map(str::to_owned)
                        .ok_or_else(|| {
                            bad(
                                "$.match.path",
                                "must be a path starting with /, * for any run",
                            )
                        })?,
                ),
            };
            (method, path)
        }
    };
    let effect_value = root
        .get("effect")
        .ok_or_else(|| bad("$.effect", "an effect is required"))?;
    let e = object(
        effect_value,
        "$.effect",
        &["status", "code", "message", "delay_ms", "jitter_ms", "drop"],
    )?;
    let is_error = e.contains_key("status") || e.contains_key("code") || e.contains_key("message");
    let is_delay = e.contains_key("delay_ms") || e.contains_key("jitter_ms");
    let is_drop = e.contains_key("drop");
    let effect = match (is_error, is_delay, is_drop) {
        (true, false, false) => {
            let status = uint(e, "$.effect", "status", (400, 599))?;
            let code = e
                .get("code")
                .and_then(Value::as_str)
                .filter(|c| {
                    !c.is_empty()
                        && c.len() <= 64
                        && c.bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                })
                .ok_or_else(|| {
                    bad("$.effect.code", "must be an error code such as INTERNAL_ERROR")
                })?
                .to_owned();
            let message = match e.get("message") {
                None => "fault injected by orgdir".to_owned(),
                Some(v) => v
                    .as_str()
                    .filter(|m| m.len() <= 1000)
                    .ok_or_else(|| bad("$.effect.message", "must be a string"))?
                    .to_owned(),
            };
            Effect::Error {
                status: u16::try_from(status).unwrap_or(500),
                code,
                message,
            }
        }
        (false, true, false) => Effect::Delay {
            delay_ms: uint(e, "$.effect", "delay_ms", (0, MAX_DELAY_MS))?,
            jitter_ms: if e.contains_key("jitter_ms") {
                uint(e, "$.effect", "jitter_ms", (0, MAX_DELAY_MS))?
            } else {
                0
            },
        },
        (false, false, true) => {
            if e.get("drop") != Some(&Value::Bool(true)) {
                return Err(bad("$.effect.drop", "must be true"));
            }
            Effect::Drop
        }
        _ => {
            return Err(bad(
                "$.effect",
                "must be one of an error {status, code, message}, a delay {delay_ms, jitter_ms} or {drop: true}",
            ))
        }
    };
    let trigger = match root.get("trigger") {
        None => Trigger::Every(1),
        Some(t) => {
            let t = object(t, "$.trigger", &["every", "times", "probability", "seed"])?;
            let keys: Vec<&str> = t.keys().map(String::as_str).collect();
            match keys.as_slice() {
                ["every"] => Trigger::Every(uint(t, "$.trigger", "every", (1, u64::MAX))?),
                ["times"] => Trigger::Times(uint(t, "$.trigger", "times", (1, u64::MAX))?),
                ["probability"] | ["probability", "seed"] | ["seed", "probability"] => {
                    let probability = t
                        .get("probability")
                        .and_then(Value::as_f64)
                        .filter(|p| (0.0..=1.0).contains(p))
                        .ok_or_else(|| {
                            bad("$.trigger.probability", "must be a number from 0 to 1")
                        })?;
                    let seed = if t.contains_key("seed") {
                        uint(t, "$.trigger", "seed", (0, u64::MAX))?
                    } else {
                        0
                    };
                    Trigger::Probability { probability, seed }
                }
                _ => {
                    return Err(bad(
                        "$.trigger",
                        "must be one of {every: N}, {times: N} or {probability: P, seed: S}",
                    ))
                }
            }
        }
    };
    Ok(Parsed {
        method,
        path,
        effect,
        trigger,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fired(faults: &Faults, org: OrgId, calls: usize) -> Vec<bool> {
        (0..calls)
            .map(|_| faults.decide(org, "GET", "/crm/v8/users").is_some())
            .collect()
    }

    #[test]
    fn triggers() {
        let faults = Faults::default();
        let org = OrgId(1);
        assert!(!faults.any());
        let every = faults
            .add(
                org,
                &json!({"match": {"path": "/crm/*/users"}, "effect": {"drop": true}, "trigger": {"every": 3}}),
            )
            .expect("rule");
        assert!(faults.any());
        assert_eq!(
            fired(&faults, org, 6),
            [false, false, true, false, false, true]
        );
        assert_eq!(every.hits(), 2);
        assert!(fired(&faults, OrgId(2), 3).iter().all(|f| !f));
        assert!(faults.remove(org, every.id));
        assert!(!faults.any());
        faults
            .add(
                org,
                &json!({"effect": {"delay_ms": 1}, "trigger": {"times": 2}}),
            )
            .expect("rule");
        assert_eq!(fired(&faults, org, 4), [true, true, false, false]);
        faults.clear(org);
        let p = json!({"effect": {"status": 503, "code": "X"}, "trigger": {"probability": 0.5, "seed": 7}});
        faults.add(org, &p).expect("rule");
        let first = fired(&faults, org, 50);
        faults.clear(org);
        faults.add(org, &p).expect("rule");
        assert_eq!(fired(&faults, org, 50), first);
        assert!(first.iter().any(|f| *f) && first.iter().any(|f| !*f));
    }

    #[test]
    fn strict_bodies() {
        let faults = Faults::default();
        let org = OrgId(1);
        for (body, path) in [
            (json!({"effect": {"drop": true}, "extra": 1}), "$.extra"),
            (
                json!({"match": {"verb": "GET"}, "effect": {"drop": true}}),
                "$.match.verb",
            ),
            (json!({"effect": {"drop": false}}), "$.effect.drop"),
            (
                json!({"effect": {"status": 200, "code": "X"}}),
                "$.effect.status",
            ),
            (
                json!({"effect": {"status": 500, "code": "bad code"}}),
                "$.effect.code",
            ),
            (
                json!({"effect": {"status": 500, "code": "X", "delay_ms": 3}}),
                "$.effect",
            ),
            (
                json!({"effect": {"drop": true}, "trigger": {"every": 0}}),
                "$.trigger.every",
            ),
            (
                json!({"effect": {"drop": true}, "trigger": {"every": 2, "times": 1}}),
                "$.trigger",
            ),
            (
                json!({"effect": {"drop": true}, "trigger": {"probability": 2}}),
                "$.trigger.probability",
            ),
            (
                json!({"match": {"path": "users"}, "effect": {"drop": true}}),
                "$.match.path",
            ),
            (json!({}), "$.effect"),
        ] {
            match faults.add(org, &body) {
                Err(Error::InvalidData {
                    details: crate::Details::Field { json_path, .. },
                    ..
                }) => assert_eq!(json_path, path, "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
        assert!(!faults.any());
    }
}
