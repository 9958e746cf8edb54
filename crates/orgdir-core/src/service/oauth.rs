//! Zoho Accounts' OAuth flows (SPEC 6): clients, the consent step that makes
//! an authorization code, and the three grants of `/oauth/v2/token`, plus
//! revocation. Codes are single use and short-lived; refresh tokens live
//! until revoked and revoking one kills its access tokens.

use super::Directory;
use crate::auth::{hash_token, new_token, TokenHash, TokenKind, TokenRecord};
use crate::oauth::{grantable, new_client_id, AuthCode, OAuthClient, OAuthError};
use crate::scopes::ScopeSet;
use crate::store::{write, OrgTx, UserQuery, Whose, WriteTarget};
use crate::users::{type_bucket_codes, UserDetails, UserStatus};
use crate::{Error, OrgId, Result, ZohoId};
use orgdir_types::users::UserType;

/// Most codes one client may hold unused at once (API-DESIGN 192): a
/// consent page approved in a loop cannot fill the database.
pub const MAX_LIVE_CODES: u64 = 100;

/// How long an expired token is kept before it is purged (API-DESIGN 192):
/// a day, so an org clock moved back a little finds its tokens still there.
pub const PURGE_AFTER: i64 = 86_400;

/// Token lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct OAuthConfig {
    /// Seconds an access token lives.
    pub access_ttl: i64,
    /// Seconds an authorization code lives.
    pub code_ttl: i64,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        Self {
            access_ttl: super::tokens::ACCESS_TOKEN_TTL,
            code_ttl: 120,
        }
    }
}

/// Why a flow failed: an OAuth error for the client, or a fault.
#[derive(Debug, thiserror::Error)]
pub enum OAuthFailure {
    #[error("{0}")]
    OAuth(#[from] OAuthError),
    #[error(transparent)]
    Internal(#[from] Error),
}

/// Tokens issued by a grant.
#[derive(Debug, Clone, PartialEq)]
pub struct Issued {
    pub access_token: String,
    /// Only from `authorization_code`.
    pub refresh_token: Option<String>,
    pub scopes: ScopeSet,
    pub expires_in: i64,
    /// Whom it was issued to (the request journal records them).
    pub org: OrgId,
    pub user_id: ZohoId,
    pub client_id: String,
}

/// A new client and its secret (shown once).
#[derive(Debug, Clone)]
pub struct NewClient {
    pub client: OAuthClient,
    pub secret: String,
}

/// Registers a client for `org`. `owner` (default: the primary admin) is the
/// user a self client acts as; `scopes` bounds what its tokens may carry.
pub async fn create_client(
    dir: &Directory,
    org: OrgId,
    name: &str,
    redirect_uris: Vec<String>,
    self_client: bool,
    scopes: ScopeSet,
    owner: Option<ZohoId>,
) -> Result<NewClient> {
    if name.trim().is_empty() || name.len() > 100 {
        return Err(Error::invalid_field(
            "$.name",
            "name must be 1 to 100 characters",
        ));
    }
    for (i, uri) in redirect_uris.iter().enumerate() {
        if url_ok(uri).is_none() {
            return Err(Error::invalid_field(
                format!("$.redirect_uris[{i}]"),
                "not an absolute http(s) URL",
            ));
        }
    }
    if scopes.is_empty() {
        return Err(Error::invalid_field("$.scopes", "at least one scope"));
    }
    let owner = match owner {
        Some(id) => id,
        None => super::users::primary(dir, org)
            .await?
            .map(|u| u.user.id)
            .ok_or_else(Error::no_such_org)?,
    };
    let (secret, secret_hash) = new_token();
    let client = OAuthClient {
        client_id: new_client_id(),
        org,
        secret_hash,
        name: name.trim().to_owned(),
        redirect_uris,
        self_client,
        scopes,
        owner,
        created_at: dir.controls().now(org),
    };
    write(dir.store(), WriteTarget::Org(org), move |tx| {
        Box::pin(async move {
            tx.user(owner)
                .await?
                .ok_or_else(|| Error::invalid_field("$.owner_id", "no such user"))?;
            tx.insert_oauth_client(&client).await?;
            Ok(NewClient { client, secret })
        })
    })
    .await
}

/// An org's OAuth clients (the control plane).
pub async fn clients(dir: &Directory, org: OrgId) -> Result<Vec<OAuthClient>> {
    dir.store().oauth_clients(org).await
}

fn url_ok(uri: &str) -> Option<()> {
    (uri.starts_with("http://") || uri.starts_with("https://")).then_some(())?;
    (uri.len() > "https://".len() && !uri.contains(char::is_whitespace)).then_some(())
}

fn same(a: &TokenHash, b: &TokenHash) -> bool {
    // Constant-time: a timing difference must not reveal how much matched.
    a.0.len() == b.0.len()
        && a.0
            .bytes()
            .zip(b.0.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The client named by `client_id`, if `secret` is its secret.
async fn authenticate(
    dir: &Directory,
    client_id: &str,
    secret: &str,
) -> Result<OAuthClient, OAuthFailure> {
    let client = dir
        .store()
        .oauth_client(client_id)
        .await?
        .ok_or(OAuthError::InvalidClient)?;
    if same(&client.secret_hash, &hash_token(secret)) {
        Ok(client)
    } else {
        Err(OAuthError::InvalidClient.into())
    }
}

/// The client and the scopes it may grant for a consent request.
pub async fn consent_request(
    dir: &Directory,
    client_id: &str,
    redirect_uri: &str,
    scope: &str,
) -> Result<(OAuthClient, ScopeSet), OAuthFailure> {
    let client = dir
        .store()
        .oauth_client(client_id)
        .await?
        .ok_or(OAuthError::InvalidClient)?;
    if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
        return Err(OAuthError::InvalidRedirectUri.into());
    }
    let asked = ScopeSet::parse(scope).map_err(|_| OAuthError::InvalidScope)?;
    let scopes = grantable(&asked, &client.scopes).ok_or(OAuthError::InvalidScope)?;
    Ok((client, scopes))
}

/// Most users the consent page offers.
const CONSENT_USERS: u64 = 500;

/// The users the consent page offers to sign in as: the active users of
/// the client's org, by id.
pub async fn consent_users(dir: &Directory, client: &OAuthClient) -> Result<Vec<UserDetails>> {
    let query = UserQuery {
        modified_after: None,
        buckets: type_bucket_codes(UserType::ActiveUsers),
        ids: None,
        offset: 0,
        limit: CONSENT_USERS,
    };
    Ok(dir.store().users(client.org, &query).await?.value)
}

/// Fails with `invalid_code` unless `user` is active.
async fn require_active(tx: &mut dyn OrgTx, user: ZohoId) -> Result<(), OAuthFailure> {
    match tx.user(user).await? {
        Some(u) if u.status == UserStatus::Active => Ok(()),
        _ => Err(OAuthError::InvalidCode.into()),
    }
}

/// The user approved: makes an authorization code for them.
pub async fn approve(
    dir: &Directory,
    client_id: &str,
    redirect_uri: &str,
    scope: &str,
    user: ZohoId,
    config: OAuthConfig,
) -> Result<String, OAuthFailure> {
    let (client, scopes) = consent_request(dir, client_id, redirect_uri, scope).await?;
    let (code, hash) = new_token();
    let record = AuthCode {
        hash,
        org: client.org,
        client_id: client.client_id,
        user_id: user,
        scopes,
        redirect_uri: redirect_uri.to_owned(),
        expires_at: dir
            .controls()
            .now(client.org)
            .saturating_add(config.code_ttl),
    };
    write(dir.store(), WriteTarget::Org(client.org), move |tx| {
        Box::pin(async move {
            require_active(tx, user).await?;
            let now = record.expires_at.saturating_sub(config.code_ttl);
            tx.purge_expired(now, now.saturating_sub(PURGE_AFTER))
                .await?;
            if tx.live_codes(&record.client_id, now).await? >= MAX_LIVE_CODES {
                return Err(OAuthError::TooManyRequests.into());
            }
            tx.insert_code(&record).await?;
            Ok(code)
        })
    })
    .await
}

/// Issues an access token (and, with `refresh`, a refresh token it hangs from).
async fn issue(
    dir: &Directory,
    client: OAuthClient,
    user: ZohoId,
    scopes: ScopeSet,
    refresh: Refresh,
    config: OAuthConfig,
) -> Result<Issued, OAuthFailure> {
    // On the org's clock: the token's expiry is the org's now plus its lifetime.
    let org = client.org;
    let issued = write(dir.store(), WriteTarget::Org(org), move |tx| {
        Box::pin(async move { issue_in(tx, &client, user, scopes, refresh, config).await })
    });
    dir.on_org_clock(org, issued).await
}

async fn issue_in(
    tx: &mut dyn OrgTx,
    client: &OAuthClient,
    user: ZohoId,
    scopes: ScopeSet,
    refresh: Refresh,
    config: OAuthConfig,
) -> Result<Issued, OAuthFailure> {
    require_active(tx, user).await?;
    let now = crate::time::now();
    tx.purge_expired(now, now.saturating_sub(PURGE_AFTER))
        .await?;
    let record = |hash: TokenHash, kind, expires_at, parent| TokenRecord {
        hash,
        org: client.org,
        user_id: user,
        kind,
        scopes: scopes.clone(),
        expires_at,
        parent,
        client_id: Some(client.client_id.clone()),
        created_at: now,
    };
    let (refresh_token, parent) = match refresh {
        Refresh::New => {
            let (token, hash) = new_token();
            tx.insert_token(&record(hash.clone(), TokenKind::Refresh, None, None))
                .await?;
            (Some(token), Some(hash))
        }
        Refresh::From(hash) => {
            // Under the org's lock, like a revocation: a refresh racing a revoke cannot outlive it.
            if !tx.refresh_token_exists(&hash).await? {
                return Err(OAuthError::InvalidCode.into());
            }
            (None, Some(hash))
        }
        Refresh::None => (None, None),
    };
    let (access_token, hash) = new_token();
    tx.insert_token(&record(
        hash,
        TokenKind::Access,
        Some(now.saturating_add(config.access_ttl)),
        parent,
    ))
    .await?;
    Ok(Issued {
        access_token,
        refresh_token,
        scopes,
        expires_in: config.access_ttl,
        org: client.org,
        user_id: user,
        client_id: client.client_id.clone(),
    })
}

enum Refresh {
    New,
    From(TokenHash),
    None,
}

/// `grant_type=authorization_code`.
pub async fn exchange_code(
    dir: &Directory,
    client_id: &str,
    client_secret: &str,
    redirect_uri: &str,
    code: &str,
    config: OAuthConfig,
) -> Result<Issued, OAuthFailure> {
    let client = authenticate(dir, client_id, client_secret).await?;
    let code = dir
        .store()
        .take_code(&hash_token(code), &client.client_id)
        .await?
        .ok_or(OAuthError::InvalidCode)?;
    if code.redirect_uri != redirect_uri || code.expires_at <= dir.controls().now(client.org) {
        return Err(OAuthError::InvalidCode.into());
    }
    issue(dir, client, code.user_id, code.scopes, Refresh::New, config).await
}

/// `grant_type=refresh_token`: a new access token with the same scopes.
pub async fn refresh(
    dir: &Directory,
    client_id: &str,
    client_secret: &str,
    refresh_token: &str,
    config: OAuthConfig,
) -> Result<Issued, OAuthFailure> {
    let client = authenticate(dir, client_id, client_secret).await?;
    let grant = dir
        .store()
        .token(&hash_token(refresh_token))
        .await?
        .ok_or(OAuthError::InvalidCode)?;
    let record = grant.record;
    if record.kind != TokenKind::Refresh
        || record.client_id.as_deref() != Some(client.client_id.as_str())
    {
        return Err(OAuthError::InvalidCode.into());
    }
    issue(
        dir,
        client,
        record.user_id,
        record.scopes,
        Refresh::From(record.hash),
        config,
    )
    .await
}

/// `grant_type=client_credentials` with `soid=ZohoCRM.<org id>`: a self
/// client gets an access token acting as its owner.
pub async fn client_credentials(
    dir: &Directory,
    client_id: &str,
    client_secret: &str,
    scope: &str,
    soid: &str,
    config: OAuthConfig,
) -> Result<Issued, OAuthFailure> {
    let client = authenticate(dir, client_id, client_secret).await?;
    let org = soid
        .strip_prefix("ZohoCRM.")
        .and_then(OrgId::parse)
        .ok_or(OAuthError::InvalidClient)?;
    if !client.self_client || org != client.org {
        return Err(OAuthError::InvalidClient.into());
    }
    let asked = ScopeSet::parse(scope).map_err(|_| OAuthError::InvalidScope)?;
    let scopes = grantable(&asked, &client.scopes).ok_or(OAuthError::InvalidScope)?;
    let owner = client.owner;
    issue(dir, client, owner, scopes, Refresh::None, config).await
}

/// `POST /oauth/v2/token/revoke?token=`: revokes a token, refresh or
/// access; a refresh token takes every access token issued from it along
/// (API-DESIGN 95, 191). The store bumps the org's auth version, so every
/// server checks its cached sessions again.
pub async fn revoke(dir: &Directory, token: &str) -> Result<Revoked, OAuthFailure> {
    let hash = hash_token(token);
    let grant = dir
        .store()
        .token(&hash)
        .await?
        .ok_or(OAuthError::InvalidToken)?;
    let revoked = Revoked {
        org: grant.record.org,
        user_id: grant.record.user_id,
        client_id: grant.record.client_id.clone(),
    };
    write(dir.store(), WriteTarget::Org(grant.record.org), move |tx| {
        Box::pin(async move {
            if tx.delete_token(&hash).await? {
                Ok(revoked)
            } else {
                Err(OAuthError::InvalidToken.into())
            }
        })
    })
    .await
}

/// Revokes every token and code of `org` that `whose` names (the control
/// plane, API-DESIGN 191): the number of tokens revoked. Cached sessions
/// are refused at once (the auth version moves).
pub async fn revoke_all(dir: &Directory, org: OrgId, whose: Whose) -> Result<u64> {
    write(dir.store(), WriteTarget::Org(org), move |tx| {
        Box::pin(async move { tx.revoke_tokens(&whose).await })
    })
    .await
}

/// Whose refresh token a revocation removed (the request journal records them).
#[derive(Debug, Clone, PartialEq)]
pub struct Revoked {
    pub org: OrgId,
    pub user_id: ZohoId,
    pub client_id: Option<String>,
}
