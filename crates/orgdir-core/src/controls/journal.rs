//! The request journal (SPEC 11, API-DESIGN 166): per org, the last
//! calls this process served to it, newest first, in a bounded ring in
//! memory. Recording one is a push under the org's own lock: no database
//! write, no allocation beyond the entry.

use crate::{Error, OrgId, Result, ZohoId};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// Entries kept per org unless configured otherwise (`--journal-capacity`).
pub const DEFAULT_CAPACITY: usize = 1_000;

/// Most entries one configuration may keep per org.
pub const MAX_CAPACITY: usize = 1_000_000;

/// Most bytes of a request body an entry keeps.
pub const BODY_LIMIT: usize = 4 * 1024;

/// The value that replaces a secret.
pub const REDACTED: &str = "[redacted]";

/// Names whose values are secrets, in query strings, forms and JSON bodies.
const SECRET_NAMES: &[&str] = &[
    "access_token",
    "client_secret",
    "code",
    "refresh_token",
    "token",
    "password",
    "client_assertion",
    "id_token",
    "secret",
];

fn is_secret(name: &str) -> bool {
    SECRET_NAMES.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// One call as the journal holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Per org, from 1, in the order recorded.
    pub id: u64,
    /// When the call arrived, Unix milliseconds.
    pub time_ms: i64,
    pub method: String,
    pub path: String,
    /// The query string, its secrets redacted.
    pub query: Option<String>,
    /// `None` when no HTTP answer was sent (a `drop` fault).
    pub status: Option<u16>,
    /// The Zoho (or OAuth) error code of the answer.
    pub code: Option<String>,
    pub latency_ms: f64,
    pub user_id: Option<ZohoId>,
    pub client_id: Option<String>,
    /// The fault rule that shaped the answer.
    pub fault: Option<u64>,
    /// The request body as [`body_value`] keeps it.
    pub body: Value,
}

impl Entry {
    /// The entry as the control plane answers it.
    pub fn to_json(&self) -> Value {
        let time = chrono::DateTime::from_timestamp_millis(self.time_ms)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
        json!({
            "id": self.id,
            "time": time,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "code": self.code,
            "latency_ms": (self.latency_ms * 1000.0).round() / 1000.0,
            "user_id": self.user_id.map(|u| u.to_string()),
            "client_id": self.client_id,
            "fault": self.fault,
            "body": self.body,
        })
    }
}

#[derive(Default)]
struct Ring {
    next_id: u64,
    entries: VecDeque<Entry>,
}

/// Every org's journal in this process.
pub struct Journal {
    capacity: AtomicUsize,
    orgs: RwLock<HashMap<OrgId, Arc<Mutex<Ring>>>>,
}

impl Default for Journal {
    fn default() -> Self {
        Self {
            capacity: AtomicUsize::new(DEFAULT_CAPACITY),
            orgs: RwLock::default(),
        }
    }
}

impl Journal {
    /// Keeps at most `capacity` entries per org from now on (1 to
    /// [`MAX_CAPACITY`]; rings longer than that shrink on their next push).
    pub fn set_capacity(&self, capacity: usize) {
        self.capacity
            .store(capacity.clamp(1, MAX_CAPACITY), Ordering::Relaxed);
    }

    /// The entries kept per org.
    pub fn capacity(&self) -> usize {
        self.capacity.load(Ordering::Relaxed)
    }

    fn ring(&self, org: OrgId) -> Arc<Mutex<Ring>> {
        if let Some(ring) = self
            .orgs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&org)
        {
            return ring.clone();
        }
        self.orgs
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(org)
            .or_default()
            .clone()
    }

    /// Records a call to `org`; its `id` is given here.
    pub fn record(&self, org: OrgId, mut entry: Entry) {
        let capacity = self.capacity();
        let ring = self.ring(org);
        let mut ring = ring.lock().unwrap_or_else(PoisonError::into_inner);
        ring.next_id += 1;
        entry.id = ring.next_id;
        while ring.entries.len() >= capacity {
            ring.entries.pop_front();
        }
        ring.entries.push_back(entry);
    }

    /// The entries of `org` that `filter` keeps, newest first.
    pub fn list(&self, org: OrgId, filter: &Filter) -> Vec<Entry> {
        let Some(ring) = self
            .orgs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&org)
            .cloned()
        else {
            return Vec::new();
        };
        let ring = ring.lock().unwrap_or_else(PoisonError::into_inner);
        ring.entries
            .iter()
            .rev()
            .filter(|e| filter.keeps(e))
            .take(filter.limit)
            .cloned()
            .collect()
    }

    /// Forgets every entry of `org` (the next one is numbered from 1 again).
    pub fn clear(&self, org: OrgId) {
        self.orgs
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&org);
    }
}

/// What `GET …/requests` keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub method: Option<String>,
    /// A prefix, or with `*` a whole-path pattern.
    pub path: Option<String>,
    pub status: Option<u16>,
    pub code: Option<String>,
    /// Unix milliseconds: entries at or after it.
    pub since_ms: Option<i64>,
    pub limit: usize,
}

impl Filter {
    /// The filter of a query string's parameters (`get` gives a value by
    /// name). A bad value is `INVALID_DATA` naming the parameter.
    pub fn parse<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self> {
        let status = match get("status") {
            None => None,
            Some(s) => Some(
                s.parse::<u16>()
                    .ok()
                    .filter(|n| (100..=599).contains(n))
                    .ok_or_else(|| Error::invalid_param("status", "status is an HTTP status"))?,
            ),
        };
        let since_ms = match get("since") {
            None => None,
            Some(s) => Some(
                chrono::DateTime::parse_from_rfc3339(s)
                    .map(|t| t.timestamp_millis())
                    .map_err(|_| {
                        Error::invalid_param("since", "since is an RFC 3339 time with its offset")
                    })?,
            ),
        };
        let limit = match get("limit") {
            None => usize::MAX,
            Some(s) => s
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| Error::invalid_param("limit", "limit is a positive integer"))?,
        };
        Ok(Self {
            method: get("method").map(str::to_ascii_uppercase),
            path: get("path").map(str::to_owned),
            status,
            code: get("code").map(str::to_owned),
            since_ms,
            limit,
        })
    }

    fn keeps(&self, e: &Entry) -> bool {
        self.method.as_ref().is_none_or(|m| *m == e.method)
            && self.path.as_ref().is_none_or(|p| {
                if p.contains('*') {
                    super::pattern_matches(p, &e.path)
                } else {
                    e.path.starts_with(p.as_str())
                }
            })
            && self.status.is_none_or(|s| e.status == Some(s))
            && self
                .code
                .as_ref()
                .is_none_or(|c| e.code.as_ref() == Some(c))
            && self.since_ms.is_none_or(|t| e.time_ms >= t)
    }
}

/// A query string with the value of every secret parameter redacted.
pub fn scrub_query(query: &str) -> String {
    if !query
        .split('&')
        .any(|pair| is_secret(pair.split('=').next().unwrap_or_default()))
    {
        return query.to_owned();
    }
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret(name) => format!("{name}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Replaces the value of every secret key, at any depth.
fn scrub_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret(k) {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    scrub_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub_json),
        _ => {}
    }
}

/// What an entry keeps of a request body, given its first bytes (at most
/// [`BODY_LIMIT`] are kept) and its whole length (`None`: longer than the
/// bytes given, by an unknown length):
/// - no body: `null`;
/// - a form (`form` true, OAuth's calls): an object of its fields, secrets redacted;
/// - JSON whole within the limit: the JSON, secrets redacted;
/// - other text within the limit: the text;
/// - longer: the first [`BODY_LIMIT`] bytes as text, then `…[truncated: N bytes]`
///   (`…[truncated]` when the length is unknown);
/// - not text: `[N bytes, not text]`.
pub fn body_value(first: &[u8], total: Option<usize>, form: bool) -> Value {
    if first.is_empty() && total.is_some() {
        return Value::Null;
    }
    if form {
        let fields: Map<String, Value> = url::form_urlencoded::parse(first)
            .map(|(k, v)| {
                let v = if is_secret(&k) {
                    REDACTED.to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), Value::String(v))
            })
            .collect();
        return Value::Object(fields);
    }
    let kept = &first[..first.len().min(BODY_LIMIT)];
    let length = || total.map_or_else(|| format!("more than {BODY_LIMIT}"), |n| n.to_string());
    let text = match std::str::from_utf8(kept) {
        Ok(text) => text,
        // A cut through a character: keep up to it.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&kept[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return Value::String(format!("[{} bytes, not text]", length())),
    };
    if total.is_none_or(|n| n > kept.len()) {
        return Value::String(match total {
            Some(n) => format!("{text}…[truncated: {n} bytes]"),
            None => format!("{text}…[truncated]"),
        });
    }
    match serde_json::from_str::<Value>(text) {
        Ok(mut value) => {
            scrub_json(&mut value);
            value
        }
        Err(_) => Value::String(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, status: u16) -> Entry {
        Entry {
            id: 0,
            time_ms: 1_700_000_000_000,
            method: "GET".to_owned(),
            path: path.to_owned(),
            query: None,
            status: Some(status),
            code: None,
            latency_ms: 1.0,
            user_id: None,
            client_id: None,
            fault: None,
            body: Value::Null,
        }
    }

    #[test]
    fn bounded_newest_first() {
        let journal = Journal::default();
        journal.set_capacity(3);
        let org = OrgId(1);
        for i in 0..5 {
            journal.record(org, entry(&format!("/p{i}"), 200));
        }
        let all = journal.list(org, &Filter::parse(|_| None).expect("no filter"));
        let ids: Vec<u64> = all.iter().map(|e| e.id).collect();
        assert_eq!(ids, [5, 4, 3]);
        assert!(journal
            .list(OrgId(2), &Filter::parse(|_| None).expect("f"))
            .is_empty());
        journal.clear(org);
        assert!(journal
            .list(org, &Filter::parse(|_| None).expect("f"))
            .is_empty());
    }

    #[test]
    fn secrets_never_kept() {
        assert_eq!(
            scrub_query("grant_type=refresh_token&refresh_token=1000.a.b&client_secret=s"),
            "grant_type=refresh_token&refresh_token=[redacted]&client_secret=[redacted]"
        );
        assert_eq!(scrub_query("page=2"), "page=2");
        let form = body_value(b"code=1000.x&client_id=c&client_secret=s", Some(40), true);
        assert_eq!(
            form,
            json!({"code": REDACTED, "client_id": "c", "client_secret": REDACTED})
        );
        let body = body_value(br#"{"a":{"token":"t"}}"#, Some(19), false);
        assert_eq!(body, json!({"a": {"token": REDACTED}}));
    }

    #[test]
    fn long_bodies_are_cut() {
        let long = vec![b'a'; BODY_LIMIT];
        let kept = body_value(&long, Some(10_000), false);
        let text = kept.as_str().expect("text");
        assert!(text.ends_with("…[truncated: 10000 bytes]"));
        assert_eq!(
            body_value(&[0xff, 0xfe], Some(2), false),
            json!("[2 bytes, not text]")
        );
        assert_eq!(body_value(b"", Some(0), false), Value::Null);
        let unknown = body_value(&[b'a'; BODY_LIMIT + 1], None, false);
        assert!(unknown.as_str().expect("text").ends_with("a…[truncated]"));
    }
}
