//! Access tokens: issuing (random, Zoho-shaped), hashing (SHA-256 at rest),
//! reading the `Authorization` header, and the authenticated principal.

use crate::org::Org;
use crate::scopes::{Scope, ScopeSet};
use crate::users::UserStatus;
use crate::{Error, OrgId, Result, ZohoId};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The SHA-256 of a token, hex-encoded: the only form a token is stored in.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(pub String);

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenHash({}…)", &self.0[..self.0.len().min(8)])
    }
}

/// Hashes a presented token.
pub fn hash_token(token: &str) -> TokenHash {
    TokenHash(hex::encode(Sha256::digest(token.as_bytes())))
}

/// A fresh token in Zoho's shape (`1000.<32 hex>.<32 hex>`) and its hash.
pub fn new_token() -> (String, TokenHash) {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = format!(
        "1000.{}.{}",
        hex::encode(&bytes[..16]),
        hex::encode(&bytes[16..])
    );
    let hash = hash_token(&token);
    (token, hash)
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

impl TokenKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }

    /// Parses the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "access" => Some(Self::Access),
            "refresh" => Some(Self::Refresh),
            _ => None,
        }
    }
}

/// A stored token.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    pub hash: TokenHash,
    pub org: OrgId,
    pub user_id: ZohoId,
    pub kind: TokenKind,
    pub scopes: ScopeSet,
    /// Unix seconds; `None` never expires.
    pub expires_at: Option<i64>,
    /// The refresh token an access token was issued from.
    pub parent: Option<TokenHash>,
    /// The OAuth client it was issued to (none for tokens minted by hand).
    pub client_id: Option<String>,
    pub created_at: i64,
}

/// A stored token together with its user's state, its org and the org's
/// auth version, as the store finds them (in one statement).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenGrant {
    pub record: TokenRecord,
    pub user_status: UserStatus,
    pub user_admin: bool,
    pub org: Org,
    pub auth_version: i64,
}

/// The caller of an API request.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub org: OrgId,
    pub user_id: ZohoId,
    pub scopes: ScopeSet,
    pub admin: bool,
    /// The OAuth client the token was issued to (`None` for a minted token).
    pub client_id: Option<String>,
}

impl Principal {
    /// `OAUTH_SCOPE_MISMATCH` unless every scope in `wanted` is held.
    pub fn require_scopes(&self, wanted: &[Scope]) -> Result<()> {
        if self.scopes.grants_all(wanted) {
            Ok(())
        } else {
            Err(Error::ScopeMismatch)
        }
    }

    /// `NO_PERMISSION` unless the caller is an admin.
    pub fn require_admin(&self, permission: &str) -> Result<()> {
        if self.admin {
            Ok(())
        } else {
            Err(Error::NoPermission {
                permissions: vec![permission.to_owned()],
            })
        }
    }
}

/// Reads the token out of an `Authorization` header value: `Zoho-oauthtoken
/// <t>` or `Bearer <t>` (scheme case-insensitive). Anything else is
/// `AUTHENTICATION_FAILURE`.
pub fn token_from_header(header: Option<&str>) -> Result<&str> {
    let header = header.map(str::trim).unwrap_or_default();
    let (scheme, token) = header.split_once(' ').ok_or(Error::AuthenticationFailure)?;
    let known =
        scheme.eq_ignore_ascii_case("Zoho-oauthtoken") || scheme.eq_ignore_ascii_case("Bearer");
    let token = token.trim();
    if !known || token.is_empty() {
        return Err(Error::AuthenticationFailure);
    }
    Ok(token)
}

/// Decides whether a found token may act now (SPEC 1.1, 2, decision 10.8).
pub fn check_grant(grant: Option<&TokenGrant>, now: i64) -> Result<Principal> {
    let grant = grant.ok_or(Error::InvalidToken)?;
    let record = &grant.record;
    if record.kind != TokenKind::Access || record.expires_at.is_some_and(|t| t <= now) {
        return Err(Error::InvalidToken);
    }
    match grant.user_status {
        UserStatus::Deleted => Err(Error::InvalidToken),
        UserStatus::Disabled => Err(Error::InactiveUser),
        UserStatus::Active => Ok(Principal {
            org: record.org,
            user_id: record.user_id,
            scopes: record.scopes.clone(),
            admin: grant.user_admin,
            client_id: record.client_id.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_schemes() {
        assert_eq!(
            token_from_header(Some("Zoho-oauthtoken 1000.a.b")).expect("ok"),
            "1000.a.b"
        );
        assert_eq!(token_from_header(Some("bearer  xyz ")).expect("ok"), "xyz");
        for bad in [
            None,
            Some(""),
            Some("Zoho-oauthtoken"),
            Some("Basic abc"),
            Some("Zoho-oauthtoken   "),
        ] {
            assert!(
                matches!(token_from_header(bad), Err(Error::AuthenticationFailure)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert!(a.starts_with("1000.") && a.len() == 5 + 32 + 1 + 32);
        assert_eq!(hash_token(&a), ha);
        assert_eq!(ha.0.len(), 64);
        assert!(!format!("{ha:?}").contains(&ha.0));
    }

    fn grant(status: UserStatus, expires_at: Option<i64>, kind: TokenKind) -> TokenGrant {
        TokenGrant {
            record: TokenRecord {
                hash: hash_token("t"),
                org: OrgId(1),
                user_id: ZohoId(2),
                kind,
                scopes: ScopeSet::default(),
                expires_at,
                parent: None,
                client_id: None,
                created_at: 0,
            },
            user_status: status,
            user_admin: true,
            org: Org {
                id: OrgId(1),
                name: "o".into(),
                time_zone: "UTC".into(),
                edition: Default::default(),
                licenses: 1,
                next_seq: 1,
                created_at: 0,
            },
            auth_version: 0,
        }
    }

    #[test]
    fn grant_checks() {
        assert!(check_grant(
            Some(&grant(UserStatus::Active, None, TokenKind::Access)),
            10
        )
        .is_ok());
        assert!(matches!(check_grant(None, 10), Err(Error::InvalidToken)));
        assert!(matches!(
            check_grant(
                Some(&grant(UserStatus::Active, Some(10), TokenKind::Access)),
                10
            ),
            Err(Error::InvalidToken)
        ));
        assert!(matches!(
            check_grant(
                Some(&grant(UserStatus::Active, None, TokenKind::Refresh)),
                10
            ),
            Err(Error::InvalidToken)
        ));
        assert!(matches!(
            check_grant(
                Some(&grant(UserStatus::Disabled, None, TokenKind::Access)),
                10
            ),
            Err(Error::InactiveUser)
        ));
        assert!(matches!(
            check_grant(
                Some(&grant(UserStatus::Deleted, None, TokenKind::Access)),
                10
            ),
            Err(Error::InvalidToken)
        ));
    }
}
