//! Role operations: the roles and profiles reads, create, update (no cycles,
//! the root stays the root) and delete with `transfer_to_id` (users move
//! there, child roles move up).

use super::{groups, membership, Directory};
use crate::groups::SourceKind;
use crate::org::{NewRole, Profile, Role, RolePatch};
use crate::sessions::Caller;
use crate::store::OrgTx;
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

/// `GET /settings/roles[/{id}]`: every role of the caller's org, oldest first.
pub async fn list(dir: &Directory, caller: &mut Caller) -> Result<Vec<Role>> {
    let read = dir.store().roles(caller.org_id()).await?;
    dir.confirm(caller, read).await
}

/// `GET /settings/profiles[/{id}]`: every profile of the caller's org, oldest first.
pub async fn profiles(dir: &Directory, caller: &mut Caller) -> Result<Vec<Profile>> {
    let read = dir.store().profiles(caller.org_id()).await?;
    dir.confirm(caller, read).await
}

/// `POST /settings/roles` (one item at `path`). Returns the new id.
pub async fn create(dir: &Directory, caller: &Caller, new: NewRole, path: &str) -> Result<ZohoId> {
    caller.require_admin(MANAGE_ROLES)?;
    let path = path.to_owned();
    dir.write_as(caller, move |tx, _| {
        Box::pin(async move { create_in(tx, new, &path).await })
    })
    .await
}

async fn create_in(tx: &mut dyn OrgTx, new: NewRole, path: &str) -> Result<ZohoId> {
    let parent = match new.reporting_to {
        Some(parent) => {
            tx.role(parent).await?.ok_or_else(|| {
                Error::invalid_field(format!("{path}.reporting_to"), "invalid role")
            })?;
            parent
        }
        // Not given: under the root role, the top of the hierarchy.
        None => tx
            .role_parents()
            .await?
            .into_iter()
            .find(|(_, parent)| parent.is_none())
            .map(|(root, _)| root)
            .ok_or_else(|| Error::Internal("the org has no root role".into()))?,
    };
    let now = crate::time::now();
    let role = Role {
        id: tx.next_id(),
        display_label: new.display_label.unwrap_or_else(|| new.name.clone()),
        name: new.name,
        reporting_to: Some(parent),
        share_with_peers: new.share_with_peers,
        description: new.description,
        created_at: now,
        modified_at: now,
    };
    tx.insert_role(&role).await?;
    let chain = groups::role_chain(tx, role.id).await?;
    membership::node_created(tx, SourceKind::Roles, &chain).await?;
    Ok(role.id)
}

/// `PUT /settings/roles[/{id}]`.
pub async fn update(
    dir: &Directory,
    caller: &Caller,
    id: ZohoId,
    patch: RolePatch,
    path: &str,
    missing: impl FnOnce() -> Error + Send + 'static,
) -> Result<()> {
    caller.require_admin(MANAGE_ROLES)?;
    let path = path.to_owned();
    dir.write_as(caller, move |tx, _| {
        Box::pin(async move { update_in(tx, id, patch, &path, missing).await })
    })
    .await
}

async fn update_in(
    tx: &mut dyn OrgTx,
    id: ZohoId,
    patch: RolePatch,
    path: &str,
    missing: impl FnOnce() -> Error,
) -> Result<()> {
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
        if role_is_within(tx, parent, id).await? {
            return Err(Error::invalid_field(
                format!("{path}.reporting_to"),
                "a role cannot report to itself or to a role below it",
            ));
        }
        moved_from = Some(groups::role_chain(tx, id).await?);
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
        let new_chain = groups::role_chain(tx, id).await?;
        membership::role_moved(tx, &old_chain, &new_chain).await?;
    }
    Ok(())
}

/// `DELETE /settings/roles/{id}?transfer_to_id=`: the role's users move to
/// `transfer_to`, its child roles to its own parent.
pub async fn delete(
    dir: &Directory,
    caller: &Caller,
    id: ZohoId,
    transfer_to: ZohoId,
    missing: impl FnOnce() -> Error + Send + 'static,
) -> Result<()> {
    caller.require_admin(MANAGE_ROLES)?;
    dir.write_as(caller, move |tx, caller| {
        Box::pin(async move { delete_in(tx, &caller, id, transfer_to, missing).await })
    })
    .await
}

async fn delete_in(
    tx: &mut dyn OrgTx,
    caller: &Caller,
    id: ZohoId,
    transfer_to: ZohoId,
    missing: impl FnOnce() -> Error,
) -> Result<()> {
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
    // The role's counts go to its heir first, while both are still covered as before.
    membership::roles_merged(tx, id, transfer_to).await?;
    let touched = groups::drop_sources_naming(tx, SourceKind::Roles, id).await?;
    for mut child in tx.child_roles(id).await? {
        child.reporting_to = Some(parent);
        child.modified_at = now;
        tx.update_role(&child).await?;
    }
    let moved = tx
        .reassign_role(id, transfer_to, now, caller.user_id)
        .await?;
    if !moved.is_empty() {
        // Their users changed role: sessions are checked again.
        tx.auth_changed();
    }
    tx.delete_role(id).await?;
    // Groups that named the role lost that source: recomputed, with every
    // group nesting them. Coverage through the role's ancestors is unchanged.
    membership::recompute(tx, &touched).await
}
