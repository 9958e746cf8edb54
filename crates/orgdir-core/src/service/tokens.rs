//! Minting tokens for a user (the CLI, the demo org, the control plane).

use super::Directory;
use crate::auth::{new_token, TokenKind, TokenRecord};
use crate::scopes::ScopeSet;
use crate::store::{write, OrgTx, WriteTarget};
use crate::users::UserStatus;
use crate::{Error, OrgId, Result, ZohoId};

/// Default lifetime of an access token, in seconds.
pub const ACCESS_TOKEN_TTL: i64 = 3600;

/// Issues an access token for `user_id` inside `tx`, valid for `ttl` seconds
/// (`None`: until revoked). Returns the token in plain text: it is shown once
/// and only its hash is stored.
pub async fn issue_access_token(
    tx: &mut dyn OrgTx,
    user_id: ZohoId,
    scopes: ScopeSet,
    ttl: Option<i64>,
) -> Result<String> {
    let user = tx
        .user(user_id)
        .await?
        .ok_or_else(|| Error::invalid_param("user", "no such user in this org"))?;
    if user.status != UserStatus::Active {
        return Err(Error::InactiveUser);
    }
    let now = crate::time::now();
    let (token, hash) = new_token();
    let org = tx.org().id;
    tx.insert_token(&TokenRecord {
        hash,
        org,
        user_id,
        kind: TokenKind::Access,
        scopes,
        expires_at: ttl.map(|t| now.saturating_add(t)),
        parent: None,
        client_id: None,
        created_at: now,
    })
    .await?;
    Ok(token)
}

/// [`issue_access_token`] in a transaction of its own.
pub async fn mint_access_token(
    dir: &Directory,
    org: OrgId,
    user_id: ZohoId,
    scopes: ScopeSet,
    ttl: Option<i64>,
) -> Result<String> {
    let minted = write(dir.store(), WriteTarget::Org(org), move |tx| {
        Box::pin(async move { issue_access_token(tx, user_id, scopes, ttl).await })
    });
    dir.on_org_clock(org, minted).await
}
