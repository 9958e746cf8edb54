//! orgdir's emulator controls (SPEC 11; not part of Zoho's API), through
//! the control plane with its admin key: orgs (create, reset, delete), and an
//! org's request journal, its fault rules, its API limits and its clock.

use crate::{find_error, ClientError};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// A client of orgdir's control plane.
#[derive(Debug, Clone)]
pub struct Control {
    http: reqwest::Client,
    base_url: String,
    admin_key: String,
}

/// An org as the control plane shows it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OrgView {
    pub id: String,
    pub name: String,
    pub edition: String,
    pub licenses: u32,
    pub time_zone: String,
    pub created_time: String,
}

/// What [`Control::create_org`] answers: the org, its primary admin, and
/// an access token with every scope for them (it does not expire).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CreatedOrg {
    pub org: OrgView,
    pub admin_user_id: String,
    pub access_token: String,
}

/// One call in an org's request journal (API-DESIGN 166).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct JournalEntry {
    pub id: u64,
    pub time: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// `None` when the connection was dropped without an answer.
    pub status: Option<u16>,
    pub code: Option<String>,
    pub latency_ms: f64,
    pub user_id: Option<String>,
    pub client_id: Option<String>,
    /// The fault rule that shaped the answer.
    pub fault: Option<u64>,
    pub body: Value,
}

/// What [`Control::requests`] keeps; every field is optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFilter {
    pub method: Option<String>,
    /// A prefix, or a whole-path pattern with `*`.
    pub path: Option<String>,
    pub status: Option<u16>,
    pub code: Option<String>,
    /// An RFC 3339 time.
    pub since: Option<String>,
    pub limit: Option<usize>,
}

/// A fault rule as orgdir holds it (API-DESIGN 167), with its hit count.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FaultRule {
    pub id: u64,
    #[serde(rename = "match")]
    pub matcher: Value,
    pub effect: Value,
    pub trigger: Value,
    pub hits: u64,
}

/// An org's API limits and what is counted against them (API-DESIGN 172).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LimitsStatus {
    /// `None`: unlimited.
    pub credits_per_day: Option<u64>,
    pub concurrency: Option<u64>,
    /// The edition whose formula set the numbers, when it did.
    pub edition: Option<String>,
    /// Credits spent in the last 24 hours of the org's time.
    pub credits_used: u64,
    pub credits_remaining: Option<u64>,
    /// When the oldest credit spent comes back (RFC 3339, the org's time).
    pub oldest_credit_returns_at: Option<String>,
    /// Calls being served now.
    pub concurrent_calls: u64,
}

/// What [`Control::set_limits`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetLimits {
    /// These numbers; `None` is unlimited.
    Numbers {
        credits_per_day: Option<u64>,
        concurrency: Option<u64>,
    },
    /// Zoho's numbers for the org's edition and licences (SPEC 9).
    Edition,
}

/// An org's clock (API-DESIGN 173).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Clock {
    /// The org's now (RFC 3339, in the org's time zone).
    pub now: String,
    /// Seconds it is ahead of the real time.
    pub offset_seconds: i64,
}

#[derive(Deserialize)]
struct Requests {
    requests: Vec<JournalEntry>,
}

#[derive(Deserialize)]
struct Faults {
    faults: Vec<FaultRule>,
}

impl Control {
    /// A control-plane client for the server at `base_url` with `admin_key`.
    pub fn new(base_url: impl Into<String>, admin_key: impl Into<String>) -> Self {
        Self {
            http: reqwest::Client::new(),
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            admin_key: admin_key.into(),
        }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<T, ClientError> {
        let mut request = self
            .http
            .request(method, format!("{}/_orgdir{path}", self.base_url))
            .header("X-Orgdir-Admin-Key", &self.admin_key)
            .query(query);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        let json: Value = serde_json::from_slice(&bytes).map_err(|e| ClientError::Unexpected {
            status,
            detail: format!("body is not JSON: {e}"),
        })?;
        if let Some(body) = find_error(&json, None) {
            return Err(ClientError::Api { status, body });
        }
        if !status.is_success() {
            return Err(ClientError::Unexpected {
                status,
                detail: json.to_string(),
            });
        }
        serde_json::from_value(json).map_err(|e| ClientError::Unexpected {
            status,
            detail: format!("unexpected shape: {e}"),
        })
    }

    /// A `DELETE` whose answer is `{"status":"success"}`.
    async fn delete(&self, path: &str) -> Result<(), ClientError> {
        self.send::<Value>(Method::DELETE, path, &[], None)
            .await
            .map(drop)
    }

    /// `POST /_orgdir/orgs` with `{"name": name}`: a new org with its
    /// built-ins and primary admin.
    pub async fn create_org(&self, name: &str) -> Result<CreatedOrg, ClientError> {
        let body = serde_json::json!({ "name": name });
        self.send(Method::POST, "/orgs", &[], Some(&body)).await
    }

    /// `POST /_orgdir/orgs/{org}/reset`: the org back to its baseline, its
    /// emulator controls cleared.
    pub async fn reset_org(&self, org: &str) -> Result<(), ClientError> {
        self.send::<Value>(Method::POST, &format!("/orgs/{org}/reset"), &[], None)
            .await
            .map(drop)
    }

    /// `DELETE /_orgdir/orgs/{org}`: the org and everything in it.
    pub async fn delete_org(&self, org: &str) -> Result<(), ClientError> {
        self.delete(&format!("/orgs/{org}")).await
    }

    /// `GET /_orgdir/orgs/{org}/requests`: the org's journal, newest first.
    pub async fn requests(
        &self,
        org: &str,
        filter: &RequestFilter,
    ) -> Result<Vec<JournalEntry>, ClientError> {
        let mut query = Vec::new();
        let mut add = |name: &'static str, value: Option<String>| {
            if let Some(value) = value {
                query.push((name, value));
            }
        };
        add("method", filter.method.clone());
        add("path", filter.path.clone());
        add("status", filter.status.map(|s| s.to_string()));
        add("code", filter.code.clone());
        add("since", filter.since.clone());
        add("limit", filter.limit.map(|l| l.to_string()));
        let answer: Requests = self
            .send(Method::GET, &format!("/orgs/{org}/requests"), &query, None)
            .await?;
        Ok(answer.requests)
    }

    /// `DELETE /_orgdir/orgs/{org}/requests`: clears the org's journal.
    pub async fn clear_requests(&self, org: &str) -> Result<(), ClientError> {
        self.delete(&format!("/orgs/{org}/requests")).await
    }

    /// `POST /_orgdir/orgs/{org}/faults` with a rule such as
    /// `{"match":{"method":"GET","path":"/crm/*/users"},"effect":{"status":500,"code":"INTERNAL_ERROR"},"trigger":{"every":3}}`.
    pub async fn add_fault(&self, org: &str, rule: &Value) -> Result<FaultRule, ClientError> {
        self.send(
            Method::POST,
            &format!("/orgs/{org}/faults"),
            &[],
            Some(rule),
        )
        .await
    }

    /// `GET /_orgdir/orgs/{org}/faults`: the org's rules with their hits.
    pub async fn faults(&self, org: &str) -> Result<Vec<FaultRule>, ClientError> {
        let answer: Faults = self
            .send(Method::GET, &format!("/orgs/{org}/faults"), &[], None)
            .await?;
        Ok(answer.faults)
    }

    /// `DELETE /_orgdir/orgs/{org}/faults/{id}`.
    pub async fn remove_fault(&self, org: &str, id: u64) -> Result<(), ClientError> {
        self.delete(&format!("/orgs/{org}/faults/{id}")).await
    }

    /// `DELETE /_orgdir/orgs/{org}/faults`: removes every rule of the org.
    pub async fn clear_faults(&self, org: &str) -> Result<(), ClientError> {
        self.delete(&format!("/orgs/{org}/faults")).await
    }

    /// `GET /_orgdir/orgs/{org}/limits`
    pub async fn limits(&self, org: &str) -> Result<LimitsStatus, ClientError> {
        self.send(Method::GET, &format!("/orgs/{org}/limits"), &[], None)
            .await
    }

    /// `PUT /_orgdir/orgs/{org}/limits`: sets the org's limits; the credits
    /// already spent in the window stay spent.
    pub async fn set_limits(
        &self,
        org: &str,
        limits: SetLimits,
    ) -> Result<LimitsStatus, ClientError> {
        let body = match limits {
            SetLimits::Numbers {
                credits_per_day,
                concurrency,
            } => {
                serde_json::json!({"credits_per_day": credits_per_day, "concurrency": concurrency})
            }
            SetLimits::Edition => serde_json::json!({"edition": true}),
        };
        self.send(
            Method::PUT,
            &format!("/orgs/{org}/limits"),
            &[],
            Some(&body),
        )
        .await
    }

    /// `DELETE /_orgdir/orgs/{org}/limits`: no limits; spent credits forgotten.
    pub async fn clear_limits(&self, org: &str) -> Result<(), ClientError> {
        self.delete(&format!("/orgs/{org}/limits")).await
    }

    /// `GET /_orgdir/orgs/{org}/clock`
    pub async fn clock(&self, org: &str) -> Result<Clock, ClientError> {
        self.send(Method::GET, &format!("/orgs/{org}/clock"), &[], None)
            .await
    }

    /// `POST /_orgdir/orgs/{org}/clock`: moves the org's time `seconds`
    /// forward (more than 0); only a reset of the org moves it back.
    pub async fn advance_clock(&self, org: &str, seconds: i64) -> Result<Clock, ClientError> {
        let body = serde_json::json!({ "advance_seconds": seconds });
        self.send(
            Method::POST,
            &format!("/orgs/{org}/clock"),
            &[],
            Some(&body),
        )
        .await
    }
}
