//! Role operations: create, update (no cycles, the root stays the root) and
//! delete with `transfer_to_id` (users move there, child roles move up).

use super::groups;
use crate::auth::Principal;
use crate::groups::SourceKind;
use crate::org::{NewRole, Role, RolePatch};
use crate::store::{OrgTx, Store};
use crate::{Details, Error, Result, ZohoId};

/// The permission Zoho names when a non-admin manages roles.
pub const MANAGE_ROLES: &str = "Crm_Implied_Manage_Roles";

/// Longest chain of parents followed before a tree is declared broken.
const MAX_DEPTH: usize = 10_000;

/// Whether `node` is `ancestor` or lies below it in the role tree.
pub async fn role_is_within(tx: &mut dyn OrgTx, node: ZohoId, ancestor: ZohoId) -> Result<bool> {
    let mut current = Some(node);
    for _ in 0..MAX_DEPTH {
        match current {
            None => return Ok(false),
            Some(id) if id == ancestor => return Ok(true),
            Some(id) => current = tx.role(id).await?.and_then(|r| r.reporting_to),
        }
    }
    Err(Error::Internal("role tree deeper than allowed".to_owned()))
}

fn not_allowed(message: &str, id: ZohoId) -> Error {
    Error::NotAllowed {
        message: message.to_owned(),
        details: Details::Id(id.to_string()),
    }
}

/// `POST /settings/roles` (one item at `path`). Returns the new id.
pub async fn create(
    store: &dyn Store,
    principal: &Principal,
    new: NewRole,
    path: &str,
) -> Result<ZohoId> {
    principal.require_admin(MANAGE_ROLES)?;
    let mut tx = store.begin(principal.org).await?;
    tx.role(new.reporting_to)
        .await?
        .ok_or_else(|| Error::invalid_field(format!("{path}.reporting_to"), "invalid role"))?;
    let now = crate::time::now();
    let role = Role {
        id: tx.next_id(),
        display_label: new.display_label.unwrap_or_else(|| new.name.clone()),
        name: new.name,
        reporting_to: Some(new.reporting_to),
        share_with_peers: new.share_with_peers,
        description: new.description,
        created_at: now,
        modified_at: now,
    };
    tx.insert_role(&role).await?;
    tx.commit().await?;
    Ok(role.id)
}

/// `PUT /settings/roles[/{id}]`.
pub async fn update(
    store: &dyn Store,
    principal: &Principal,
    id: ZohoId,
    patch: RolePatch,
    path: &str,
    missing: impl FnOnce() -> Error + Send,
) -> Result<()> {
    principal.require_admin(MANAGE_ROLES)?;
    let mut tx = store.begin(principal.org).await?;
    let before = tx.role(id).await?.ok_or_else(missing)?;
    let mut after = before.clone();
    let mut moved_from: Option<Vec<ZohoId>> = None;
    if let Some(parent) = patch
        .reporting_to
        .filter(|p| Some(*p) != before.reporting_to)
    {
        if before.reporting_to.is_none() {
            return Err(not_allowed(
                "the root role cannot report to another role",
                id,
            ));
        }
        tx.role(parent)
            .await?
            .ok_or_else(|| Error::invalid_field(format!("{path}.reporting_to"), "invalid role"))?;
        if role_is_within(tx.as_mut(), parent, id).await? {
            return Err(Error::invalid_field(
                format!("{path}.reporting_to"),
                "a role cannot report to itself or to a role below it",
            ));
        }
        moved_from = Some(groups::role_chain(tx.as_mut(), id).await?);
        after.reporting_to = Some(parent);
    }
    if let Some(name) = patch.name {
        after.name = name;
    }
    if let Some(label) = patch.display_label {
        after.display_label = label;
    }
    if let Some(share) = patch.share_with_peers {
        after.share_with_peers = share;
    }
    if let Some(description) = patch.description {
        after.description = description;
    }
    after.modified_at = crate::time::now();
    tx.update_role(&after).await?;
    if let Some(old_chain) = moved_from {
        let new_chain = groups::role_chain(tx.as_mut(), id).await?;
        groups::on_role_moved(tx.as_mut(), &old_chain, &new_chain).await?;
    }
    tx.commit().await
}

/// `DELETE /settings/roles/{id}?transfer_to_id=`: the role's users move to
/// `transfer_to`, its child roles to its own parent.
pub async fn delete(
    store: &dyn Store,
    principal: &Principal,
    id: ZohoId,
    transfer_to: ZohoId,
    missing: impl FnOnce() -> Error + Send,
) -> Result<()> {
    principal.require_admin(MANAGE_ROLES)?;
    let mut tx = store.begin(principal.org).await?;
    let role = tx.role(id).await?.ok_or_else(missing)?;
    let Some(parent) = role.reporting_to else {
        return Err(not_allowed("the root role cannot be deleted", id));
    };
    if transfer_to == id || tx.role(transfer_to).await?.is_none() {
        return Err(Error::invalid_param(
            "transfer_to_id",
            "invalid role to transfer the users to",
        ));
    }
    let now = crate::time::now();
    // Groups covering the role or its heir are recomputed once everything moved.
    let mut chains = groups::role_chain(tx.as_mut(), id).await?;
    chains.extend(groups::role_chain(tx.as_mut(), transfer_to).await?);
    let mut touched: Vec<ZohoId> = tx
        .groups_with_sources(SourceKind::Roles, &chains)
        .await?
        .into_iter()
        .map(|(group, _)| group)
        .collect();
    touched.extend(groups::drop_sources_naming(tx.as_mut(), SourceKind::Roles, id).await?);
    for mut child in tx.child_roles(id).await? {
        child.reporting_to = Some(parent);
        child.modified_at = now;
        tx.update_role(&child).await?;
    }
    tx.reassign_role(id, transfer_to, now, principal.user_id)
        .await?;
    tx.delete_role(id).await?;
    groups::recompute_all(tx.as_mut(), touched).await?;
    tx.commit().await
}
