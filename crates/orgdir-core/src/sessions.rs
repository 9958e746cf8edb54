//! Sessions: tokens found valid, cached in memory by hash and stamped with
//! their org's *auth version*, so that an API read is one statement.
//!
//! A request's token is looked up in [`Sessions`]; on a miss, one statement
//! reads the token, its user and its org ([`crate::store::TokenStore::token`]).
//! Every read made for the caller then returns the org's current auth version
//! in the same statement as its data ([`crate::store::Versioned`]), and
//! [`Sessions::confirm`] compares: the same version proves the session still
//! holds, a different one sends the token to the store once more. Anything
//! that changes what a token may do bumps the version in the transaction that
//! does it ([`crate::store::OrgTx::auth_changed`]), so a revoked token, a
//! disabled user or a reset org is refused on the very next request — by
//! every server sharing the database, not only the one that wrote.
//!
//! Expiry needs no store: a session keeps its token's expiry and is checked
//! against the clock at every use. Writes check the session again under the
//! org's lock ([`Caller::verify_in`]).

use crate::auth::{check_grant, hash_token, token_from_header, Principal, TokenGrant, TokenHash};
use crate::org::Org;
use crate::scopes::Scope;
use crate::store::{OrgTx, Store, Versioned};
use crate::{Error, OrgId, Result};
use std::sync::Arc;

/// Sessions kept at most (least recently used go first).
pub const SESSION_CAPACITY: usize = 100_000;

/// What an endpoint requires of its caller: every scope listed, and an
/// Administrator profile when it names the permission a write needs.
/// (Parsed once per endpoint, not per request.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    pub scopes: &'static [Scope],
    pub admin_permission: Option<&'static str>,
}

impl Requirement {
    /// Whether `principal` meets it (`OAUTH_SCOPE_MISMATCH`, then `NO_PERMISSION`).
    pub fn check(&self, principal: &Principal) -> Result<()> {
        principal.require_scopes(self.scopes)?;
        if let Some(permission) = self.admin_permission {
            principal.require_admin(permission)?;
        }
        Ok(())
    }
}

/// A token found valid, with its org, at an auth version.
#[derive(Debug)]
pub struct Session {
    pub principal: Principal,
    pub org: Org,
    pub auth_version: i64,
    /// The token's expiry (Unix seconds), checked at every use.
    pub expires_at: Option<i64>,
    token: TokenHash,
}

impl Session {
    fn from_grant(grant: &TokenGrant, principal: Principal) -> Self {
        Self {
            principal,
            org: grant.org.clone(),
            auth_version: grant.auth_version,
            expires_at: grant.record.expires_at,
            token: grant.record.hash.clone(),
        }
    }
}

/// The authenticated caller of one request, with what its endpoint requires.
#[derive(Debug, Clone)]
pub struct Caller {
    session: Arc<Session>,
    requirement: Requirement,
}

impl std::ops::Deref for Caller {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.session.principal
    }
}

impl Caller {
    /// The caller's org as of its session's auth version.
    pub fn org(&self) -> &Org {
        &self.session.org
    }

    /// The caller's org id.
    pub fn org_id(&self) -> OrgId {
        self.session.principal.org
    }

    /// Checks the session again under the org's lock when the org's auth
    /// version moved since it was validated: a write never runs on a token
    /// that another server has just revoked.
    pub async fn verify_in(&self, tx: &mut dyn OrgTx) -> Result<()> {
        if tx.auth_version() == self.session.auth_version {
            return Ok(());
        }
        let grant = tx.token(&self.session.token).await?;
        let principal = check_grant(grant.as_ref(), crate::time::now())?;
        self.requirement.check(&principal)
    }
}

/// Valid sessions by token hash, bounded.
pub struct Sessions {
    cache: quick_cache::sync::Cache<TokenHash, Arc<Session>>,
}

impl Default for Sessions {
    fn default() -> Self {
        Self::new(SESSION_CAPACITY)
    }
}

impl Sessions {
    /// An empty cache holding at most `capacity` sessions.
    pub fn new(capacity: usize) -> Self {
        Self {
            cache: quick_cache::sync::Cache::new(capacity),
        }
    }

    /// Authenticates an `Authorization` header value for an endpoint with
    /// `requirement`: from the cache, or with one statement on a miss.
    /// `precheck` runs on the valid token's principal before the requirement
    /// (the server checks `X-CRM-ORG` there, API-DESIGN decision 6).
    pub async fn authenticate(
        &self,
        store: &dyn Store,
        header: Option<&str>,
        requirement: Requirement,
        precheck: impl Fn(&Principal) -> Result<()>,
    ) -> Result<Caller> {
        let hash = hash_token(token_from_header(header)?);
        let now = crate::time::now();
        let checks = |session: &Session| -> Result<()> {
            precheck(&session.principal)?;
            requirement.check(&session.principal)
        };
        let session = match self.cache.get(&hash) {
            Some(session) if session.expires_at.is_none_or(|t| t > now) => {
                if checks(&session).is_ok() {
                    session
                } else {
                    // A refusal is never decided on a cached session alone:
                    // the token may have been revoked (INVALID_TOKEN comes
                    // first) or its user promoted since it was cached.
                    self.cache.remove(&hash);
                    let fresh = self.load(store, hash, now).await?;
                    checks(&fresh)?;
                    fresh
                }
            }
            Some(_) => {
                self.cache.remove(&hash);
                return Err(Error::InvalidToken);
            }
            None => {
                let session = self.load(store, hash, now).await?;
                checks(&session)?;
                session
            }
        };
        Ok(Caller {
            session,
            requirement,
        })
    }

    /// The value of a read made for `caller`, once the read's auth version
    /// shows the caller's session still holds. When the version moved, the
    /// token is checked again (and the session refreshed, org included); a
    /// token that no longer holds fails here and the value is dropped.
    pub async fn confirm<T>(
        &self,
        store: &dyn Store,
        caller: &mut Caller,
        read: Versioned<T>,
    ) -> Result<T> {
        if read.auth_version == Some(caller.session.auth_version) {
            return Ok(read.value);
        }
        let hash = caller.session.token.clone();
        self.cache.remove(&hash);
        let session = self.load(store, hash, crate::time::now()).await?;
        caller.requirement.check(&session.principal)?;
        caller.session = session;
        Ok(read.value)
    }

    /// Looks a token up, checks it, and caches the session.
    async fn load(&self, store: &dyn Store, hash: TokenHash, now: i64) -> Result<Arc<Session>> {
        let grant = store.token(&hash).await?;
        let principal = check_grant(grant.as_ref(), now)?;
        let grant = grant.ok_or(Error::InvalidToken)?;
        let session = Arc::new(Session::from_grant(&grant, principal));
        self.cache.insert(hash, session.clone());
        Ok(session)
    }

    /// Forgets every cached session (tests use it to compare with a cold start).
    pub fn clear(&self) {
        self.cache.clear();
    }
}
