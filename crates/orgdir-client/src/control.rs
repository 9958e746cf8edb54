//! orgdir's emulator controls (SPEC 11; not part of Zoho's API), through
//! the control plane with its admin key: an org's request journal and its
//! fault rules. (Limits and the clock are still to come, issue 14.)

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
        self.send::<Value>(Method::DELETE, &format!("/orgs/{org}/requests"), &[], None)
            .await
            .map(drop)
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
        self.send::<Value>(
            Method::DELETE,
            &format!("/orgs/{org}/faults/{id}"),
            &[],
            None,
        )
        .await
        .map(drop)
    }

    /// `DELETE /_orgdir/orgs/{org}/faults`: removes every rule of the org.
    pub async fn clear_faults(&self, org: &str) -> Result<(), ClientError> {
        self.send::<Value>(Method::DELETE, &format!("/orgs/{org}/faults"), &[], None)
            .await
            .map(drop)
    }
}
