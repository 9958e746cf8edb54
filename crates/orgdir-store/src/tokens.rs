//! Tokens (hashes only), OAuth clients and single-use authorization codes.

use crate::args;
use crate::db::{Arg, Cols};
use crate::orgs::{org_from, ORG_COLUMNS};
use crate::static_sql;
use crate::tx::SqlTx;
use crate::SqlStore;
use orgdir_core::auth::{TokenGrant, TokenHash, TokenKind, TokenRecord};
use orgdir_core::oauth::{AuthCode, OAuthClient};
use orgdir_core::scopes::ScopeSet;
use orgdir_core::store::{TokenStore, TokenWrites, Whose};
use orgdir_core::users::UserStatus;
use orgdir_core::{Error, OrgId, Result};

/// A token with its user's state, its org and the org's auth version: the
/// one statement behind a session. Read by [`grant_from`].
fn token_select() -> &'static str {
    static_sql!(format!(
        "SELECT t.hash, t.org_id, t.user_id, t.kind, t.scopes, t.expires_at, t.parent, t.created_at, \
         t.client_id, u.status, u.is_admin, {ORG_COLUMNS}, o.auth_version \
         FROM tokens t JOIN users u ON u.org_id = t.org_id AND u.id = t.user_id \
         JOIN orgs o ON o.id = t.org_id WHERE t.hash = ?1"
    ))
}

/// An OAuth client row, read by [`client_from`].
const CLIENT_SELECT: &str =
    "SELECT client_id, org_id, secret_hash, name, redirect_uris, self_client, \
     scopes, owner_id, created_at FROM oauth_clients ";

fn grant_from(c: &mut Cols<'_>) -> Result<TokenGrant> {
    let hash = TokenHash(c.text()?);
    let org = OrgId(c.i64()?);
    let user_id = c.id()?;
    let kind = c.text()?;
    let scopes = c.text()?;
    let record = TokenRecord {
        hash,
        org,
        user_id,
        kind: TokenKind::parse(&kind)
            .ok_or_else(|| Error::Internal(format!("bad token kind {kind:?}")))?,
        scopes: ScopeSet::parse(&scopes).map_err(Error::internal)?,
        expires_at: c.opt_i64()?,
        parent: c.opt_text()?.map(TokenHash),
        created_at: c.i64()?,
        client_id: c.opt_text()?,
    };
    let status = c.text()?;
    Ok(TokenGrant {
        record,
        user_status: UserStatus::parse(&status)
            .ok_or_else(|| Error::Internal(format!("bad stored status {status:?}")))?,
        user_admin: c.bool()?,
        org: org_from(c)?,
        auth_version: c.i64()?,
    })
}

fn client_from(c: &mut Cols<'_>) -> Result<OAuthClient> {
    Ok(OAuthClient {
        client_id: c.text()?,
        org: OrgId(c.i64()?),
        secret_hash: TokenHash(c.text()?),
        name: c.text()?,
        redirect_uris: serde_json::from_str(&c.text()?).map_err(Error::internal)?,
        self_client: c.bool()?,
        scopes: ScopeSet::parse(&c.text()?).map_err(Error::internal)?,
        owner: c.id()?,
        created_at: c.i64()?,
    })
}

fn code_from(c: &mut Cols<'_>) -> Result<AuthCode> {
    Ok(AuthCode {
        hash: TokenHash(c.text()?),
        org: OrgId(c.i64()?),
        client_id: c.text()?,
        user_id: c.id()?,
        scopes: ScopeSet::parse(&c.text()?).map_err(Error::internal)?,
        redirect_uri: c.text()?,
        expires_at: c.i64()?,
    })
}

#[async_trait::async_trait]
impl TokenStore for SqlStore {
    async fn token(&self, hash: &TokenHash) -> Result<Option<TokenGrant>> {
        self.read()
            .await?
            .fetch_one_map(token_select(), args![&hash.0], grant_from)
            .await
    }

    async fn oauth_client(&self, client_id: &str) -> Result<Option<OAuthClient>> {
        let sql = static_sql!(format!("{CLIENT_SELECT} WHERE client_id = ?1"));
        self.read()
            .await?
            .fetch_one_map(sql, args![client_id], client_from)
            .await
    }

    async fn oauth_clients(&self, org: OrgId) -> Result<Vec<OAuthClient>> {
        let sql = static_sql!(format!(
            "{CLIENT_SELECT} WHERE org_id = ?1 ORDER BY created_at, client_id"
        ));
        self.read()
            .await?
            .fetch_map(sql, args![org], client_from)
            .await
    }

    async fn password_hash(&self, org: OrgId, user: orgdir_core::ZohoId) -> Result<Option<String>> {
        self.read()
            .await?
            .fetch_one_map(
                "SELECT hash FROM user_passwords WHERE org_id = ?1 AND user_id = ?2",
                args![org, user],
                |c| c.text(),
            )
            .await
    }

    async fn password_hashes(&self, org: OrgId) -> Result<Vec<(orgdir_core::ZohoId, String)>> {
        self.read()
            .await?
            .fetch_map(
                "SELECT user_id, hash FROM user_passwords WHERE org_id = ?1 ORDER BY user_id",
                args![org],
                |c| Ok((c.id()?, c.text()?)),
            )
            .await
    }

    async fn take_code(&self, hash: &TokenHash, client_id: &str) -> Result<Option<AuthCode>> {
        let (hash, client_id) = (hash.0.clone(), client_id.to_owned());
        self.write_alone(move |c| {
            Box::pin(async move {
                c.fetch_one_map(
                    "DELETE FROM oauth_codes WHERE hash = ?1 AND client_id = ?2 \
                     RETURNING hash, org_id, client_id, user_id, scopes, redirect_uri, expires_at",
                    args![&hash, &client_id],
                    code_from,
                )
                .await
            })
        })
        .await
    }
}

#[async_trait::async_trait]
impl TokenWrites for SqlTx<'_> {
    async fn token(&mut self, hash: &TokenHash) -> Result<Option<TokenGrant>> {
        self.c
            .fetch_one_map(token_select(), args![&hash.0], grant_from)
            .await
    }

    async fn insert_token(&mut self, token: &TokenRecord) -> Result<()> {
        self.c
            .run(
                "INSERT INTO tokens (hash, org_id, user_id, kind, scopes, expires_at, parent, created_at, client_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                args![
                    &token.hash.0,
                    token.org,
                    token.user_id,
                    token.kind.as_str(),
                    token.scopes.to_string(),
                    token.expires_at,
                    token.parent.as_ref().map(|p| p.0.as_str()),
                    token.created_at,
                    &token.client_id
                ],
            )
            .await?;
        Ok(())
    }

    async fn refresh_token_exists(&mut self, hash: &TokenHash) -> Result<bool> {
        let found = self
            .c
            .exists(
                "SELECT hash FROM tokens WHERE org_id = ?1 AND hash = ?2 AND kind = 'refresh'",
                args![self.org.id, &hash.0],
            )
            .await?;
        Ok(found)
    }

    async fn delete_token(&mut self, hash: &TokenHash) -> Result<bool> {
        let deleted = self
            .c
            .run(
                "DELETE FROM tokens WHERE org_id = ?1 AND hash = ?2",
                args![self.org.id, &hash.0],
            )
            .await?;
        self.c
            .run(
                "DELETE FROM tokens WHERE org_id = ?1 AND parent = ?2",
                args![self.org.id, &hash.0],
            )
            .await?;
        self.auth_changed = true;
        Ok(deleted == 1)
    }

    async fn revoke_tokens(&mut self, whose: &Whose) -> Result<u64> {
        // The same condition on both tables, which share these columns.
        let (condition, arg) = match whose {
            Whose::All => ("", None),
            Whose::User(user) => (" AND user_id = ?2", Some(Arg::from(*user))),
            Whose::Client(client) => (" AND client_id = ?2", Some(Arg::from(client))),
        };
        let mut deleted = 0;
        for table in ["oauth_codes", "tokens"] {
            let sql = format!("DELETE FROM {table} WHERE org_id = ?1{condition}");
            let mut args = vec![Arg::from(self.org.id)];
            args.extend(arg.clone());
            deleted = self.c.run(&sql, &args).await?;
        }
        self.auth_changed = true;
        Ok(deleted)
    }

    async fn purge_expired(&mut self, now: i64, tokens_before: i64) -> Result<()> {
        let org = self.org.id;
        self.c
            .run(
                "DELETE FROM oauth_codes WHERE org_id = ?1 AND expires_at <= ?2",
                args![org, now],
            )
            .await?;
        self.c
            .run(
                "DELETE FROM tokens WHERE org_id = ?1 AND expires_at < ?2",
                args![org, tokens_before],
            )
            .await?;
        Ok(())
    }

    async fn set_password_hash(
        &mut self,
        user: orgdir_core::ZohoId,
        hash: Option<&str>,
    ) -> Result<()> {
        let org = self.org.id;
        self.c
            .run(
                "DELETE FROM user_passwords WHERE org_id = ?1 AND user_id = ?2",
                args![org, user],
            )
            .await?;
        if let Some(hash) = hash {
            self.c
                .run(
                    "INSERT INTO user_passwords (org_id, user_id, hash) VALUES (?1, ?2, ?3)",
                    args![org, user, hash],
                )
                .await?;
        }
        Ok(())
    }

    async fn live_codes(&mut self, client_id: &str, now: i64) -> Result<u64> {
        let count = self
            .c
            .fetch_one_map(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM oauth_codes \
                 WHERE org_id = ?1 AND client_id = ?2 AND expires_at > ?3",
                args![self.org.id, client_id, now],
                |c| c.u64(),
            )
            .await?;
        Ok(count.unwrap_or(0))
    }

    async fn insert_oauth_client(&mut self, client: &OAuthClient) -> Result<()> {
        let uris = serde_json::to_string(&client.redirect_uris).map_err(Error::internal)?;
        self.c
            .run(
                "INSERT INTO oauth_clients (client_id, org_id, secret_hash, name, redirect_uris, self_client, \
                 scopes, owner_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                args![
                    &client.client_id,
                    client.org,
                    &client.secret_hash.0,
                    &client.name,
                    uris,
                    client.self_client,
                    client.scopes.to_string(),
                    client.owner,
                    client.created_at
                ],
            )
            .await?;
        Ok(())
    }

    async fn insert_code(&mut self, code: &AuthCode) -> Result<()> {
        self.c
            .run(
                "INSERT INTO oauth_codes (hash, org_id, client_id, user_id, scopes, redirect_uri, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                args![
                    &code.hash.0,
                    code.org,
                    &code.client_id,
                    code.user_id,
                    code.scopes.to_string(),
                    &code.redirect_uri,
                    code.expires_at
                ],
            )
            .await?;
        Ok(())
    }
}
