//! A typed async client for the Zoho CRM directory API — orgdir's or Zoho's
//! own. One module per resource; errors decode Zoho's envelope, so callers
//! match on [`ErrorCode`]s rather than on strings.

pub mod control;
pub mod groups;
pub mod oauth;
pub mod settings;
pub mod territories;
pub mod users;

use orgdir_types::{ErrorBody, ErrorCode};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// What can go wrong calling the API.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with Zoho's error envelope (bare or inside a
    /// write's resource array).
    #[error("{status} {}: {}", body.code, body.message)]
    Api { status: StatusCode, body: ErrorBody },
    /// The request did not complete.
    #[error("transport: {0}")]
    Transport(#[from] reqwest::Error),
    /// The server answered something this client cannot read.
    #[error("unexpected response ({status}): {detail}")]
    Unexpected { status: StatusCode, detail: String },
}

impl ClientError {
    /// The Zoho error code, if the server sent one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api { body, .. } => body.error_code(),
            _ => None,
        }
    }

    /// The HTTP status, if there was a response.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api { status, .. } | Self::Unexpected { status, .. } => Some(*status),
            Self::Transport(e) => e.status(),
        }
    }
}

/// A raw response: what a conformance test compares byte for byte.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The body parsed as JSON (`Value::Null` when empty).
    pub fn json(&self) -> Value {
        if self.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&self.body).unwrap_or(Value::Null)
        }
    }
}

/// A client bound to an API domain, a version and (usually) an access token.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    api_domain: String,
    version: String,
    token: Option<String>,
}

impl Client {
    /// A client for `api_domain` (e.g. `http://127.0.0.1:8080` or
    /// `https://www.zohoapis.com`), speaking v8, without a token.
    pub fn new(api_domain: impl Into<String>) -> Self {
        Self {
            http: reqwest::Client::new(),
            api_domain: api_domain.into().trim_end_matches('/').to_owned(),
            version: "v8".to_owned(),
            token: None,
        }
    }

    /// The same client sending `Authorization: Zoho-oauthtoken <token>`.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The same client without a token.
    pub fn without_token(mut self) -> Self {
        self.token = None;
        self
    }

    /// The same client speaking another version (`v2` … `v8`).
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// The API domain.
    pub fn api_domain(&self) -> &str {
        &self.api_domain
    }

    /// `{api_domain}/crm/{version}/{path}`.
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}/crm/{}/{}",
            self.api_domain,
            self.version,
            path.trim_start_matches('/')
        )
    }

    /// Sends any request to `{api_domain}{path_and_query}` and returns it raw.
    pub async fn raw(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> Result<RawResponse, ClientError> {
        let mut request = self
            .http
            .request(method, format!("{}{}", self.api_domain, path_and_query));
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Zoho-oauthtoken {token}"));
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await?.to_vec();
        Ok(RawResponse {
            status,
            content_type,
            body,
        })
    }

    /// Sends a request under `/crm/{version}/` and decodes the answer: `None`
    /// for 204, the error envelope as [`ClientError::Api`].
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&Value>,
        resource: Option<&str>,
    ) -> Result<Option<T>, ClientError> {
        let path = format!(
            "/crm/{}/{}",
            self.version,
            path_and_query.trim_start_matches('/')
        );
        let raw = self.raw(method, &path, body).await?;
        if raw.status == StatusCode::NO_CONTENT {
            return Ok(None);
        }
        let json: Value =
            serde_json::from_slice(&raw.body).map_err(|e| ClientError::Unexpected {
                status: raw.status,
                detail: format!("body is not JSON: {e}"),
            })?;
        if let Some(error) = find_error(&json, resource) {
            return Err(ClientError::Api {
                status: raw.status,
                body: error,
            });
        }
        if !raw.status.is_success() {
            return Err(ClientError::Unexpected {
                status: raw.status,
                detail: json.to_string(),
            });
        }
        serde_json::from_value(json)
            .map(Some)
            .map_err(|e| ClientError::Unexpected {
                status: raw.status,
                detail: format!("unexpected shape: {e}"),
            })
    }
}

/// The error envelope in `json`: bare, or the first failed item of `resource`.
fn find_error(json: &Value, resource: Option<&str>) -> Option<ErrorBody> {
    let candidate = match resource.and_then(|r| json.get(r)).and_then(Value::as_array) {
        Some(items) => items
            .iter()
            .find(|i| i.get("status").and_then(Value::as_str) == Some("error"))?,
        None => json,
    };
    if candidate.get("status").and_then(Value::as_str) == Some("error") {
        serde_json::from_value(candidate.clone()).ok()
    } else {
        None
    }
}
