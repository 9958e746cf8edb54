//! Territory operations: create, update and delete in the tree under the
//! root, and associating users — each write keeping the territories'
//! maintained member counts exact.

use super::groups;
use crate::auth::Principal;
use crate::groups::SourceKind;
use crate::store::{OrgTx, Store};
use crate::territories::{api_name_from, NewTerritory, Territory, TerritoryPatch};
use crate::users::UserStatus;
use crate::{Details, Error, Result, ZohoId};

/// The permission Zoho names when a non-admin manages territories.
pub const MANAGE_TERRITORIES: &str = "Crm_Implied_Manage_Territories";

const MAX_DEPTH: usize = 10_000;

/// Whether `node` is `ancestor` or lies below it in the territory tree.
pub async fn territory_is_within(
    tx: &mut dyn OrgTx,
    node: ZohoId,
    ancestor: ZohoId,
) -> Result<bool> {
    let mut current = Some(node);
    for _ in 0..MAX_DEPTH {
        match current {
            None => return Ok(false),
            Some(id) if id == ancestor => return Ok(true),
            Some(id) => current = tx.territory(id).await?.and_then(|t| t.reporting_to),
        }
    }
    Err(Error::Internal(
        "territory tree deeper than allowed".to_owned(),
    ))
}

fn not_allowed(message: &str, id: ZohoId) -> Error {
    Error::NotAllowed {
        message: message.to_owned(),
        details: Details::Id(id.to_string()),
    }
}

fn duplicate_name(path: &str) -> Error {
    Error::DuplicateData {
        message: "a territory with this name exists".to_owned(),
        details: Details::field(format!("{path}.name")),
    }
}

/// Checks that `user` may be associated (exists, active) — `path` locates the reference.
async fn associable_user(tx: &mut dyn OrgTx, user: ZohoId, path: &str) -> Result<()> {
    match tx.user(user).await? {
        None => Err(Error::invalid_field(path, "invalid user")),
        Some(u) if u.status == UserStatus::Deleted => {
            Err(Error::invalid_field(path, "invalid user"))
        }
        Some(u) if u.status != UserStatus::Active => {
            Err(Error::invalid_field(path, "inactive user"))
        }
        Some(_) => Ok(()),
    }
}

/// Associates a user, keeping the territory's count and the groups exact.
pub async fn add_member_counted(tx: &mut dyn OrgTx, territory: ZohoId, user: ZohoId) -> Result<()> {
    tx.add_members(&[(territory, user)]).await?;
    super::groups::on_territory_membership(tx, territory, user, 1).await
}

/// Disassociates a user, keeping the territory's count and the groups exact.
pub async fn remove_member_counted(
    tx: &mut dyn OrgTx,
    territory: ZohoId,
    user: ZohoId,
) -> Result<()> {
    tx.remove_member(territory, user).await?;
    super::groups::on_territory_membership(tx, territory, user, -1).await
}

/// Makes `manager` a member of `territory` if it is not one already.
async fn ensure_member(tx: &mut dyn OrgTx, territory: ZohoId, user: ZohoId) -> Result<()> {
    if !tx.is_member(territory, user).await? {
        add_member_counted(tx, territory, user).await?;
    }
    Ok(())
}

/// Creates one territory in its own transaction. Returns the new id.
pub async fn create(
    store: &dyn Store,
    principal: &Principal,
    new: NewTerritory,
    path: &str,
) -> Result<ZohoId> {
    principal.require_admin(MANAGE_TERRITORIES)?;
    let mut tx = store.begin(principal.org).await?;
    tx.territory(new.reporting_to)
        .await?
        .ok_or_else(|| Error::invalid_field(format!("{path}.reporting_to"), "invalid territory"))?;
    if tx.territory_id_by_name(&new.name).await?.is_some() {
        return Err(duplicate_name(path));
    }
    if let Some(manager) = new.manager {
        associable_user(tx.as_mut(), manager, &format!("{path}.manager")).await?;
    }
    let now = crate::time::now();
    let territory = Territory {
        id: tx.next_id(),
        api_name: new.api_name.unwrap_or_else(|| api_name_from(&new.name)),
        name: new.name,
        description: new.description,
        manager: new.manager,
        reporting_to: Some(new.reporting_to),
        permission_type: new.permission_type,
        member_count: 0,
        created_at: now,
        modified_at: now,
        created_by: Some(principal.user_id),
        modified_by: Some(principal.user_id),
    };
    tx.insert_territory(&territory).await?;
    if let Some(manager) = territory.manager {
        add_member_counted(tx.as_mut(), territory.id, manager).await?;
    }
    tx.commit().await?;
    Ok(territory.id)
}

/// Updates one territory in its own transaction.
pub async fn update(
    store: &dyn Store,
    principal: &Principal,
    id: ZohoId,
    patch: TerritoryPatch,
    path: &str,
    missing: impl FnOnce() -> Error + Send,
) -> Result<()> {
    principal.require_admin(MANAGE_TERRITORIES)?;
    let mut tx = store.begin(principal.org).await?;
    let before = tx.territory(id).await?.ok_or_else(missing)?;
    let mut after = before.clone();
    let mut moved_from: Option<Vec<ZohoId>> = None;
    if let Some(parent) = patch
        .reporting_to
        .filter(|p| Some(*p) != before.reporting_to)
    {
        if before.is_root() {
            return Err(not_allowed("the root territory cannot be moved", id));
        }
        tx.territory(parent).await?.ok_or_else(|| {
            Error::invalid_field(format!("{path}.reporting_to"), "invalid territory")
        })?;
        if territory_is_within(tx.as_mut(), parent, id).await? {
            return Err(Error::invalid_field(
                format!("{path}.reporting_to"),
                "a territory cannot report to itself or to a territory below it",
            ));
        }
        moved_from = Some(groups::territory_chain(tx.as_mut(), id).await?);
        after.reporting_to = Some(parent);
    }
    if let Some(name) = patch.name {
        if tx
            .territory_id_by_name(&name)
            .await?
            .is_some_and(|other| other != id)
        {
            return Err(duplicate_name(path));
        }
        after.name = name;
    }
    if let Some(api_name) = patch.api_name {
        after.api_name = api_name;
    }
    if let Some(description) = patch.description {
        after.description = description;
    }
    if let Some(permission) = patch.permission_type {
        after.permission_type = permission;
    }
    if let Some(manager) = patch.manager {
        if let Some(user) = manager {
            associable_user(tx.as_mut(), user, &format!("{path}.manager")).await?;
            ensure_member(tx.as_mut(), id, user).await?;
        }
        after.manager = manager;
    }
    after.modified_at = crate::time::now();
    after.modified_by = Some(principal.user_id);
    tx.update_territory(&after).await?;
    if let Some(old_chain) = moved_from {
        let new_chain = groups::territory_chain(tx.as_mut(), id).await?;
        groups::on_territory_moved(tx.as_mut(), &old_chain, &new_chain).await?;
    }
    tx.commit().await
}

/// Deletes one territory: not the root, not one with child territories; its
/// users are disassociated.
pub async fn delete(
    store: &dyn Store,
    principal: &Principal,
    id: ZohoId,
    missing: impl FnOnce() -> Error + Send,
) -> Result<()> {
    principal.require_admin(MANAGE_TERRITORIES)?;
    let mut tx = store.begin(principal.org).await?;
    let territory = tx.territory(id).await?.ok_or_else(missing)?;
    if territory.is_root() {
        return Err(not_allowed("the root territory cannot be deleted", id));
    }
    if !tx.child_territory_ids(id).await?.is_empty() {
        return Err(not_allowed(
            "the territory has child territories: delete or move them first",
            id,
        ));
    }
    for user in tx.territory_member_ids(id).await? {
        remove_member_counted(tx.as_mut(), id, user).await?;
    }
    let touched = groups::drop_sources_naming(tx.as_mut(), SourceKind::Territories, id).await?;
    tx.delete_territory(id).await?;
    groups::recompute_all(tx.as_mut(), touched).await?;
    tx.commit().await
}

/// Associates users with a territory; one result per user, in order.
/// Successful items are committed together; failed ones write nothing.
pub async fn associate(
    store: &dyn Store,
    principal: &Principal,
    territory: ZohoId,
    users: Vec<(ZohoId, String)>,
    missing: impl FnOnce() -> Error + Send,
) -> Result<Vec<Result<ZohoId>>> {
    principal.require_admin(MANAGE_TERRITORIES)?;
    let mut tx = store.begin(principal.org).await?;
    tx.territory(territory).await?.ok_or_else(missing)?;
    let mut results = Vec::with_capacity(users.len());
    for (user, path) in users {
        match associate_one(tx.as_mut(), territory, user, path).await {
            Err(e) if e.is_internal() => return Err(e),
            outcome => results.push(outcome),
        }
    }
    tx.commit().await?;
    Ok(results)
}

async fn associate_one(
    tx: &mut dyn OrgTx,
    territory: ZohoId,
    user: ZohoId,
    path: String,
) -> Result<ZohoId> {
    associable_user(tx, user, &path).await?;
    if tx.is_member(territory, user).await? {
        return Err(Error::DuplicateData {
            message: "the user is already associated with the territory".to_owned(),
            details: Details::field(path),
        });
    }
    add_member_counted(tx, territory, user).await?;
    Ok(user)
}

/// Disassociates users from a territory; one result per user, in order.
pub async fn disassociate(
    store: &dyn Store,
    principal: &Principal,
    territory: ZohoId,
    users: Vec<(ZohoId, String)>,
    missing: impl FnOnce() -> Error + Send,
) -> Result<Vec<Result<ZohoId>>> {
    principal.require_admin(MANAGE_TERRITORIES)?;
    let mut tx = store.begin(principal.org).await?;
    let found = tx.territory(territory).await?.ok_or_else(missing)?;
    let mut results = Vec::with_capacity(users.len());
    for (user, path) in users {
        if found.manager == Some(user) {
            results.push(Err(Error::NotAllowed {
                message: "the user manages the territory: change its manager first".to_owned(),
                details: Details::field(path),
            }));
        } else if !tx.is_member(territory, user).await? {
            results.push(Err(Error::invalid_field(
                path,
                "the user is not associated with the territory",
            )));
        } else {
            remove_member_counted(tx.as_mut(), territory, user).await?;
            results.push(Ok(user));
        }
    }
    tx.commit().await?;
    Ok(results)
}

/// What deleting a user does to territories: it leaves every one, and stops
/// managing any. (Deactivating keeps both.)
pub async fn on_user_deleted(tx: &mut dyn OrgTx, user: ZohoId, now: i64, by: ZohoId) -> Result<()> {
    for territory in tx.territories_of(user).await? {
        remove_member_counted(tx, territory, user).await?;
    }
    for id in tx.territories_managed_by(user).await? {
        if let Some(mut territory) = tx.territory(id).await? {
            territory.manager = None;
            territory.modified_at = now;
            territory.modified_by = Some(by);
            tx.update_territory(&territory).await?;
        }
    }
    Ok(())
}
