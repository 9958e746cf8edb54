//! How the dashboard reads an org through the API's own service functions:
//! as the org's primary user, with an all-scopes token the dashboard mints
//! for itself (kept per org in memory, minted again when reset, expiry or
//! the clock has ended it). Its reads go through the session checks every
//! API read goes through, so a page shows what the API answers.

use super::UiApp;
use orgdir_core::org::Org;
use orgdir_core::scopes::{ScopeSet, ALL_SCOPES};
use orgdir_core::service::{tokens, users, Directory};
use orgdir_core::sessions::{Caller, Requirement};
use orgdir_core::{Error, OrgId};
use std::collections::HashMap;
use std::sync::Mutex;

/// How long a reader token lives, in seconds.
const READER_TTL: i64 = 12 * 3600;

/// The dashboard's reader token of each org.
#[derive(Default)]
pub struct Readers {
    tokens: Mutex<HashMap<OrgId, String>>,
}

/// Authenticates `token` as a caller with no endpoint requirement (the
/// dashboard only reads).
async fn authenticate(dir: &Directory, token: &str) -> Result<Caller, Error> {
    let header = format!("Zoho-oauthtoken {token}");
    let requirement = Requirement {
        scopes: &[],
        admin_permission: None,
    };
    dir.authenticate(Some(&header), requirement, |_| Ok(()))
        .await
}

/// A caller reading `org` as its primary user.
pub async fn caller(ui: &UiApp, org: &Org) -> Result<Caller, Error> {
    let dir = &ui.app.dir;
    let cached = ui
        .readers
        .tokens
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&org.id)
        .cloned();
    if let Some(token) = cached {
        if let Ok(caller) = authenticate(dir, &token).await {
            return Ok(caller);
        }
    }
    let primary = users::primary(dir, org.id)
        .await?
        .ok_or_else(|| Error::internal("org without a primary user"))?;
    let scopes = ScopeSet::parse(ALL_SCOPES).map_err(|e| Error::internal(e.to_string()))?;
    let token =
        tokens::mint_access_token(dir, org.id, primary.user.id, scopes, Some(READER_TTL)).await?;
    ui.readers
        .tokens
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(org.id, token.clone());
    authenticate(dir, &token).await
}
