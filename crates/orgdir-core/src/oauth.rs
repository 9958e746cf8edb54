//! OAuth 2.0 as Zoho Accounts speaks it (SPEC 6): clients, authorization
//! codes, and the error values of `/oauth/v2/token`.

use crate::auth::TokenHash;
use crate::scopes::ScopeSet;
use crate::{OrgId, ZohoId};

/// A registered client of one org.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthClient {
    pub client_id: String,
    pub org: OrgId,
    /// SHA-256 of the secret; the secret itself is shown once at creation.
    pub secret_hash: TokenHash,
    pub name: String,
    pub redirect_uris: Vec<String>,
    /// A "self client": used with `client_credentials`, acting as its owner.
    pub self_client: bool,
    /// The most a token of this client may carry.
    pub scopes: ScopeSet,
    /// The user a self client acts as.
    pub owner: ZohoId,
    pub created_at: i64,
}

/// An authorization code waiting to be exchanged (stored hashed, single use).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthCode {
    pub hash: TokenHash,
    pub org: OrgId,
    pub client_id: String,
    pub user_id: ZohoId,
    pub scopes: ScopeSet,
    pub redirect_uri: String,
    pub expires_at: i64,
}

/// The `error` values of `/oauth/v2/token` (SPEC 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    #[error("invalid_code")]
    InvalidCode,
    #[error("invalid_client")]
    InvalidClient,
    #[error("invalid_token")]
    InvalidToken,
    #[error("invalid_scope")]
    InvalidScope,
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    #[error("invalid_redirect_uri")]
    InvalidRedirectUri,
    /// Too many calls or outstanding codes: Zoho Accounts' own answer,
    /// `"Access Denied"` with a description (API-DESIGN 193).
    #[error("Access Denied")]
    TooManyRequests,
    /// A failed sign-in on the consent page.
    #[error("access_denied")]
    AccessDenied,
}

impl OAuthError {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidCode => "invalid_code",
            Self::InvalidClient => "invalid_client",
            Self::InvalidToken => "invalid_token",
            Self::InvalidScope => "invalid_scope",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidRedirectUri => "invalid_redirect_uri",
            Self::TooManyRequests => "Access Denied",
            Self::AccessDenied => "access_denied",
        }
    }
}

/// The scopes a client may grant of those asked for: each asked scope the
/// client's own scopes grant. `None` when nothing is left.
pub fn grantable(asked: &ScopeSet, allowed: &ScopeSet) -> Option<ScopeSet> {
    let kept: Vec<String> = asked
        .iter()
        .filter(|s| allowed.grants(s))
        .map(|s| s.to_string())
        .collect();
    if kept.is_empty() {
        return None;
    }
    ScopeSet::parse(&kept.join(",")).ok()
}

/// A random client id in Zoho's shape (`1000.` and 30 upper-case characters).
pub fn new_client_id() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::thread_rng();
    let id: String = (0..30)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect();
    format!("1000.{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grantable_is_the_intersection() {
        let allowed = ScopeSet::parse("ZohoCRM.users.READ,ZohoCRM.settings.ALL").expect("valid");
        let asked = ScopeSet::parse(
            "ZohoCRM.users.ALL,ZohoCRM.users.READ,ZohoCRM.settings.territories.READ",
        )
        .expect("valid");
        let granted = grantable(&asked, &allowed).expect("some");
        assert_eq!(
            granted.to_string(),
            "ZohoCRM.users.READ,ZohoCRM.settings.territories.READ"
        );
        let none = ScopeSet::parse("ZohoCRM.org.READ").expect("valid");
        assert!(grantable(&none, &allowed).is_none());
    }

    #[test]
    fn client_ids_look_like_zoho() {
        let id = new_client_id();
        assert!(id.starts_with("1000.") && id.len() == 35);
        assert_ne!(id, new_client_id());
    }
}
