//! Zoho Accounts' OAuth flows, as an integration runs them against Zoho or orgdir:
//! exchanging an authorization code, refreshing, client credentials, revoking.

use crate::ClientError;
use serde::Deserialize;

/// Tokens from `/oauth/v2/token`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    pub api_domain: String,
    pub token_type: String,
    pub expires_in: i64,
}

/// An OAuth error: `{"error":"invalid_code"}` and the like.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OAuthErrorBody {
    pub error: String,
}

/// What an OAuth call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum OAuthCallError {
    #[error("oauth error {}", .0.error)]
    OAuth(OAuthErrorBody),
    #[error(transparent)]
    Client(#[from] ClientError),
}

impl OAuthCallError {
    /// The OAuth `error` value, if the server sent one.
    pub fn error(&self) -> Option<&str> {
        match self {
            Self::OAuth(body) => Some(&body.error),
            Self::Client(_) => None,
        }
    }
}

/// An OAuth client registered with an accounts server (`https://accounts.zoho.com` or orgdir).
#[derive(Debug, Clone)]
pub struct Accounts {
    http: reqwest::Client,
    accounts_url: String,
    pub client_id: String,
    client_secret: String,
}

impl Accounts {
    /// A client of `accounts_url` with its id and secret.
    pub fn new(
        accounts_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            http: reqwest::Client::new(),
            accounts_url: accounts_url.into().trim_end_matches('/').to_owned(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }

    /// The consent page URL to send a user to.
    pub fn authorize_url(&self, scopes: &str, redirect_uri: &str, state: &str) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("scope", scopes)
            .append_pair("client_id", &self.client_id)
            .append_pair("response_type", "code")
            .append_pair("access_type", "offline")
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state)
            .finish();
        format!("{}/oauth/v2/auth?{query}", self.accounts_url)
    }

    async fn post(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<reqwest::Response, OAuthCallError> {
        Ok(self
            .http
            .post(format!("{}{path}", self.accounts_url))
            .form(form)
            .send()
            .await
            .map_err(ClientError::from)?)
    }

    async fn tokens(&self, form: &[(&str, &str)]) -> Result<TokenResponse, OAuthCallError> {
        let response = self.post("/oauth/v2/token", form).await?;
        let status = response.status();
        let text = response.text().await.map_err(ClientError::from)?;
        if let Ok(error) = serde_json::from_str::<OAuthErrorBody>(&text) {
            return Err(OAuthCallError::OAuth(error));
        }
        serde_json::from_str(&text).map_err(|e| {
            OAuthCallError::Client(ClientError::Unexpected {
                status,
                detail: format!("{e}: {text}"),
            })
        })
    }

    /// `grant_type=authorization_code`.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
    ) -> Result<TokenResponse, OAuthCallError> {
        self.tokens(&[
            ("grant_type", "authorization_code"),
            ("client_id", &self.client_id),
            ("client_secret", &self.client_secret),
            ("redirect_uri", redirect_uri),
            ("code", code),
        ])
        .await
    }

    /// `grant_type=refresh_token`.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, OAuthCallError> {
        self.tokens(&[
            ("grant_type", "refresh_token"),
            ("client_id", &self.client_id),
            ("client_secret", &self.client_secret),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// `grant_type=client_credentials` for the org `org_id` (`soid=ZohoCRM.<org_id>`).
    pub async fn client_credentials(
        &self,
        scopes: &str,
        org_id: &str,
    ) -> Result<TokenResponse, OAuthCallError> {
        let soid = format!("ZohoCRM.{org_id}");
        self.tokens(&[
            ("grant_type", "client_credentials"),
            ("client_id", &self.client_id),
            ("client_secret", &self.client_secret),
            ("scope", scopes),
            ("soid", &soid),
        ])
        .await
    }

    /// `POST /oauth/v2/token/revoke?token=`: revokes a refresh token and its access tokens.
    pub async fn revoke(&self, refresh_token: &str) -> Result<(), OAuthCallError> {
        let url = format!("{}/oauth/v2/token/revoke", self.accounts_url);
        let response = self
            .http
            .post(url)
            .query(&[("token", refresh_token)])
            .send()
            .await
            .map_err(ClientError::from)?;
        let text = response.text().await.map_err(ClientError::from)?;
        match serde_json::from_str::<OAuthErrorBody>(&text) {
            Ok(error) => Err(OAuthCallError::OAuth(error)),
            Err(_) => Ok(()),
        }
    }
}
