//! Tokens and OAuth: access and refresh tokens (hashes only), OAuth
//! clients and single-use authorization codes.

use crate::auth::{TokenGrant, TokenHash, TokenRecord};
use crate::oauth::{AuthCode, OAuthClient};
use crate::{OrgId, Result};

/// Reads of tokens and clients, and taking a code.
#[async_trait::async_trait]
pub trait TokenStore {
    /// The token with this hash, with its user's state, its org and the
    /// org's auth version, in one statement.
    async fn token(&self, hash: &TokenHash) -> Result<Option<TokenGrant>>;
    /// The OAuth client with this id.
    async fn oauth_client(&self, client_id: &str) -> Result<Option<OAuthClient>>;
    /// An org's OAuth clients.
    async fn oauth_clients(&self, org: OrgId) -> Result<Vec<OAuthClient>>;
    /// Takes an authorization code of `client_id` out of the store (single
    /// use): the code is deleted whether or not it has expired.
    async fn take_code(&self, hash: &TokenHash, client_id: &str) -> Result<Option<AuthCode>>;
    /// A user's password hash (an argon2id PHC string), if they have one.
    async fn password_hash(&self, org: OrgId, user: crate::ZohoId) -> Result<Option<String>>;
    /// Every password hash of an org's users (for an export).
    async fn password_hashes(&self, org: OrgId) -> Result<Vec<(crate::ZohoId, String)>>;
}

/// Writes of tokens, clients and codes.
#[async_trait::async_trait]
pub trait TokenWrites {
    /// The token with this hash, as [`TokenStore::token`] but inside the
    /// transaction (to check a session again under the org's lock).
    async fn token(&mut self, hash: &TokenHash) -> Result<Option<TokenGrant>>;
    /// Stores a token (only its hash).
    async fn insert_token(&mut self, token: &TokenRecord) -> Result<()>;
    /// Whether this org's refresh token with `hash` still exists.
    async fn refresh_token_exists(&mut self, hash: &TokenHash) -> Result<bool>;
    /// Deletes this org's token with `hash`, access or refresh, and every
    /// access token issued from it, and bumps the auth version; false if
    /// unknown.
    async fn delete_token(&mut self, hash: &TokenHash) -> Result<bool>;
    /// Deletes every token and authorization code of this org that `whose`
    /// names, and bumps the auth version: the number of tokens deleted.
    async fn revoke_tokens(&mut self, whose: &Whose) -> Result<u64>;
    /// Deletes this org's codes expired at `now` and its tokens expired
    /// before `tokens_before`.
    async fn purge_expired(&mut self, now: i64, tokens_before: i64) -> Result<()>;
    /// Sets (or with `None` removes) a user's password hash.
    async fn set_password_hash(&mut self, user: crate::ZohoId, hash: Option<&str>) -> Result<()>;
    /// How many of a client's codes are still usable at `now`.
    async fn live_codes(&mut self, client_id: &str, now: i64) -> Result<u64>;
    /// Registers an OAuth client.
    async fn insert_oauth_client(&mut self, client: &OAuthClient) -> Result<()>;
    /// Stores an authorization code (only its hash).
    async fn insert_code(&mut self, code: &AuthCode) -> Result<()>;
}

/// Whose tokens a control-plane revocation removes (API-DESIGN 191).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whose {
    /// Every token of the org, the demo token too.
    All,
    /// One user's.
    User(crate::ZohoId),
    /// Those issued to one OAuth client.
    Client(String),
}
