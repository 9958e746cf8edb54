//! Territory operations: reads (territories, children, members, a user's
//! territories, the member counts); create, update and delete in the tree
//! under the root; and associating users — each write keeping the
//! territories' maintained member counts exact.

use super::{groups, membership, Directory};
use crate::groups::SourceKind;
use crate::paging::Page;
use crate::sessions::Caller;
use crate::store::OrgTx;
use crate::territories::{
    api_name_from, DeletedTerritory, DeletedTerritoryDetails, NewTerritory, Territory,
    TerritoryDetails, TerritoryFilter, TerritoryPatch, Transfer,
};
use crate::users::{UserDetails, UserStatus};
use crate::{Details, Error, Result, ZohoId};
use orgdir_types::Info;

/// The permission Zoho names when a non-admin manages territories.
pub const MANAGE_TERRITORIES: &str = "Crm_Implied_Manage_Territories";

const MAX_DEPTH: usize = 10_000;

/// `GET /settings/territories[?ids=&filters=]`: a page of territories,
/// root first, then by creation; with `ids`, only those; with `filter`,
/// only those passing it.
pub async fn list(
    dir: &Directory,
    caller: &mut Caller,
    page: Page,
    ids: Option<Vec<ZohoId>>,
    filter: Option<&TerritoryFilter>,
) -> Result<(Vec<TerritoryDetails>, Info)> {
    let org = caller.org_id();
    if let Some(filter) = filter {
        let read = dir
            .store()
            .territories_matching(
                org,
                ids.as_deref(),
                filter,
                page.offset(),
                page.fetch_limit(),
            )
            .await?;
        return Ok(page.finish(dir.confirm(caller, read).await?));
    }
    match ids {
        Some(ids) => {
            let read = dir.store().territories_by_id(org, &ids).await?;
            Ok(page.slice(&dir.confirm(caller, read).await?))
        }
        None => {
            let read = dir
                .store()
                .territories(org, page.offset(), page.fetch_limit())
                .await?;
            Ok(page.finish(dir.confirm(caller, read).await?))
        }
    }
}

/// `GET /settings/territories/{id}`.
pub async fn get(
    dir: &Directory,
    caller: &mut Caller,
    id: ZohoId,
) -> Result<Option<TerritoryDetails>> {
    let read = dir
        .store()
        .territories_by_id(caller.org_id(), &[id])
        .await?;
    Ok(dir.confirm(caller, read).await?.into_iter().next())
}

/// Fails with `missing()` unless the territory exists (a second read, made
/// only when the first found nothing to prove it).
async fn require_territory(
    dir: &Directory,
    caller: &mut Caller,
    id: ZohoId,
    missing: impl FnOnce() -> Error,
) -> Result<()> {
    match get(dir, caller, id).await? {
        Some(_) => Ok(()),
        None => Err(missing()),
    }
}

/// `GET /settings/territories/{id}/__child_territories`: a page of the
/// direct children (passing `filter`, if any); `missing()` if there is no
/// such territory.
pub async fn children(
    dir: &Directory,
    caller: &mut Caller,
    id: ZohoId,
    page: Page,
    filter: Option<&TerritoryFilter>,
    missing: impl FnOnce() -> Error,
) -> Result<(Vec<TerritoryDetails>, Info)> {
    let read = dir
        .store()
        .child_territories(
            caller.org_id(),
            id,
            filter,
            page.offset(),
            page.fetch_limit(),
        )
        .await?;
    let rows = dir.confirm(caller, read).await?;
    if rows.is_empty() {
        require_territory(dir, caller, id, missing).await?;
    }
    Ok(page.finish(rows))
}

/// `GET /settings/territories/actions/deleted_associated_territories`: a
/// page of the deleted territories orgdir remembers, in the order they were
/// deleted; with `ids`, only those.
pub async fn deleted_associated(
    dir: &Directory,
    caller: &mut Caller,
    ids: Option<Vec<ZohoId>>,
    page: Page,
) -> Result<(Vec<DeletedTerritoryDetails>, Info)> {
    let read = dir
        .store()
        .deleted_territories(
            caller.org_id(),
            ids.as_deref(),
            page.offset(),
            page.fetch_limit(),
        )
        .await?;
    Ok(page.finish(dir.confirm(caller, read).await?))
}

/// `GET /settings/territories/actions/associated_users_count`: a page of
/// (id, name, maintained member count), root first.
pub async fn member_counts(
    dir: &Directory,
    caller: &mut Caller,
    page: Page,
) -> Result<(Vec<(ZohoId, String, u64)>, Info)> {
    let read = dir
        .store()
        .territory_counts(caller.org_id(), page.offset(), page.fetch_limit())
        .await?;
    Ok(page.finish(dir.confirm(caller, read).await?))
}

/// `GET /settings/territories/{id}/users`: a page of the users directly
/// associated, with their territories; `missing()` if there is no such territory.
pub async fn members(
    dir: &Directory,
    caller: &mut Caller,
    id: ZohoId,
    page: Page,
    missing: impl FnOnce() -> Error,
) -> Result<(Vec<UserDetails>, Info)> {
    let read = dir
        .store()
        .territory_members(caller.org_id(), id, page.offset(), page.fetch_limit())
        .await?;
    let rows = dir.confirm(caller, read).await?;
    if rows.is_empty() {
        require_territory(dir, caller, id, missing).await?;
    }
    Ok(page.finish(rows))
}

/// `GET /settings/territories/{id}/users/{user}`: the user if directly
/// associated (`None` otherwise); `missing()` if there is no such territory.
pub async fn member(
    dir: &Directory,
    caller: &mut Caller,
    id: ZohoId,
    user: ZohoId,
    missing: impl FnOnce() -> Error,
) -> Result<Option<UserDetails>> {
    let found = super::users::get(dir, caller, user)
        .await?
        .filter(|d| d.memberships.iter().any(|m| m.territory_id == id));
    if found.is_none() {
        require_territory(dir, caller, id, missing).await?;
    }
    Ok(found)
}

/// `GET /users/{user}/territories`: a page of the user's territories;
/// `missing()` if there is no such user.
pub async fn of_user(
    dir: &Directory,
    caller: &mut Caller,
    user: ZohoId,
    page: Page,
    missing: impl FnOnce() -> Error,
) -> Result<(Vec<TerritoryDetails>, Info)> {
    let details = super::users::get(dir, caller, user)
        .await?
        .ok_or_else(missing)?;
    let ids: Vec<ZohoId> = details.memberships.iter().map(|m| m.territory_id).collect();
    let rows = if ids.is_empty() {
        Vec::new()
    } else {
        let read = dir.store().territories_by_id(caller.org_id(), &ids).await?;
        dir.confirm(caller, read).await?
    };
    Ok(page.slice(&rows))
}

/// `GET /users/{user}/territories/{id}`: the territory if the user is
/// directly associated with it (`None` otherwise); `missing()` if there is
/// no such user.
pub async fn of_user_one(
    dir: &Directory,
    caller: &mut Caller,
    user: ZohoId,
    id: ZohoId,
    missing: impl FnOnce() -> Error,
) -> Result<Option<TerritoryDetails>> {
    let details = super::users::get(dir, caller, user)
        .await?
        .ok_or_else(missing)?;
    if !details.memberships.iter().any(|m| m.territory_id == id) {
        return Ok(None);
    }
    get(dir, caller, id).await
}

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
pub(crate) async fn associable_user(tx: &mut dyn OrgTx, user: ZohoId, path: &str) -> Result<()> {
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
    territory_membership_changed(tx, territory, user, true).await
}

/// Disassociates a user, keeping the territory's count and the groups exact.
pub async fn remove_member_counted(
    tx: &mut dyn OrgTx,
    territory: ZohoId,
    user: ZohoId,
) -> Result<()> {
    tx.remove_member(territory, user).await?;
    territory_membership_changed(tx, territory, user, false).await
}

/// The groups of a user just associated with (`added`) or removed from a territory.
async fn territory_membership_changed(
    tx: &mut dyn OrgTx,
    territory: ZohoId,
    user: ZohoId,
    added: bool,
) -> Result<()> {
    let Some(row) = tx.user(user).await? else {
        return Err(Error::Internal(format!("user {user} vanished")));
    };
    let now = membership::user_state(tx, &row).await?;
    let mut then = now.clone();
    if added {
        then.territories.retain(|t| *t != territory);
    } else {
        then.territories.push(territory);
    }
    membership::user_changed(tx, Some(&then), Some(&now)).await
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
    dir: &Directory,
    caller: &Caller,
    new: NewTerritory,
    path: &str,
) -> Result<ZohoId> {
    caller.require_admin(MANAGE_TERRITORIES)?;
    let path = path.to_owned();
    dir.write_as(caller, move |tx, caller| {
        Box::pin(async move { create_in(tx, &caller, new, &path).await })
    })
    .await
}

async fn create_in(
    tx: &mut dyn OrgTx,
    caller: &Caller,
    new: NewTerritory,
    path: &str,
) -> Result<ZohoId> {
    tx.territory(new.reporting_to)
        .await?
        .ok_or_else(|| Error::invalid_field(format!("{path}.reporting_to"), "invalid territory"))?;
    if tx.territory_id_by_name(&new.name).await?.is_some() {
        return Err(duplicate_name(path));
    }
    if let Some(manager) = new.manager {
        associable_user(tx, manager, &format!("{path}.manager")).await?;
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
        created_by: Some(caller.user_id),
        modified_by: Some(caller.user_id),
    };
    tx.insert_territory(&territory).await?;
    let chain = groups::territory_chain(tx, territory.id).await?;
    membership::node_created(tx, SourceKind::Territories, &chain).await?;
    if let Some(manager) = territory.manager {
        add_member_counted(tx, territory.id, manager).await?;
    }
    Ok(territory.id)
}

/// Updates one territory in its own transaction.
pub async fn update(
    dir: &Directory,
    caller: &Caller,
    id: ZohoId,
    patch: TerritoryPatch,
    path: &str,
    missing: impl FnOnce() -> Error + Send + 'static,
) -> Result<()> {
    caller.require_admin(MANAGE_TERRITORIES)?;
    let path = path.to_owned();
    dir.write_as(caller, move |tx, caller| {
        Box::pin(async move { update_in(tx, &caller, id, patch, &path, missing).await })
    })
    .await
}

async fn update_in(
    tx: &mut dyn OrgTx,
    caller: &Caller,
    id: ZohoId,
    patch: TerritoryPatch,
    path: &str,
    missing: impl FnOnce() -> Error,
) -> Result<()> {
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
        if territory_is_within(tx, parent, id).await? {
            return Err(Error::invalid_field(
                format!("{path}.reporting_to"),
                "a territory cannot report to itself or to a territory below it",
            ));
        }
        moved_from = Some(groups::territory_chain(tx, id).await?);
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
            associable_user(tx, user, &format!("{path}.manager")).await?;
            ensure_member(tx, id, user).await?;
        }
        after.manager = manager;
    }
    after.modified_at = crate::time::now();
    after.modified_by = Some(caller.user_id);
    tx.update_territory(&after).await?;
    if let Some(old_chain) = moved_from {
        let new_chain = groups::territory_chain(tx, id).await?;
        membership::territory_moved(tx, &old_chain, &new_chain).await?;
    }
    Ok(())
}

/// Deletes one territory: not the root, not one with child territories; its
/// users are disassociated. Unless `delete_previous_forecasts`, orgdir
/// remembers it (decision 163).
pub async fn delete(
    dir: &Directory,
    caller: &Caller,
    id: ZohoId,
    delete_previous_forecasts: bool,
    missing: impl FnOnce() -> Error + Send + 'static,
) -> Result<()> {
    caller.require_admin(MANAGE_TERRITORIES)?;
    dir.write_as(caller, move |tx, caller| {
        Box::pin(
            async move { delete_in(tx, &caller, id, delete_previous_forecasts, missing).await },
        )
    })
    .await
}

async fn delete_in(
    tx: &mut dyn OrgTx,
    caller: &Caller,
    id: ZohoId,
    delete_previous_forecasts: bool,
    missing: impl FnOnce() -> Error,
) -> Result<()> {
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
        remove_member_counted(tx, id, user).await?;
    }
    let touched = groups::drop_sources_naming(tx, SourceKind::Territories, id).await?;
    tx.delete_territory(id).await?;
    if !delete_previous_forecasts {
        tx.insert_deleted_territory(&DeletedTerritory {
            id,
            name: territory.name,
            deleted_at: crate::time::now(),
            deleted_by: caller.user_id,
        })
        .await?;
    }
    membership::recompute(tx, &touched).await
}

/// Deletes one territory after moving what it holds to
/// `transfer.transfer_to` (decision 161), in one transaction: its child
/// territories (moved as `PUT` moves a territory), its users' associations
/// and the group sources naming it. `path` locates the item (`….transfer_to_id`).
pub async fn transfer_and_delete(
    dir: &Directory,
    caller: &Caller,
    id: ZohoId,
    transfer: Transfer,
    path: &str,
    missing: impl FnOnce() -> Error + Send + 'static,
) -> Result<()> {
    caller.require_admin(MANAGE_TERRITORIES)?;
    let path = path.to_owned();
    dir.write_as(caller, move |tx, caller| {
        Box::pin(async move { transfer_in(tx, &caller, id, transfer, &path, missing).await })
    })
    .await
}

async fn transfer_in(
    tx: &mut dyn OrgTx,
    caller: &Caller,
    id: ZohoId,
    transfer: Transfer,
    path: &str,
    missing: impl FnOnce() -> Error,
) -> Result<()> {
    let territory = tx.territory(id).await?.ok_or_else(missing)?;
    if territory.is_root() {
        return Err(not_allowed("the root territory cannot be deleted", id));
    }
    let to = transfer.transfer_to;
    let to_path = format!("{path}.transfer_to_id");
    tx.territory(to)
        .await?
        .ok_or_else(|| Error::invalid_field(&to_path, "invalid territory"))?;
    if territory_is_within(tx, to, id).await? {
        return Err(Error::invalid_field(
            &to_path,
            "the transfer territory cannot be the territory deleted or one below it",
        ));
    }
    // The children move as `PUT` moves them (the groups follow).
    for child in tx.child_territory_ids(id).await? {
        let patch = TerritoryPatch {
            reporting_to: Some(to),
            ..TerritoryPatch::default()
        };
        let vanished = move || Error::Internal(format!("territory {child} vanished"));
        update_in(tx, caller, child, patch, path, vanished).await?;
    }
    // The users join the transfer territory (unless they are there already).
    for user in tx.territory_member_ids(id).await? {
        if !tx.is_member(to, user).await? {
            add_member_counted(tx, to, user).await?;
        }
        remove_member_counted(tx, id, user).await?;
    }
    let touched = groups::retarget_sources_naming(tx, SourceKind::Territories, id, to).await?;
    membership::recompute(tx, &touched).await?;
    let vanished = move || Error::Internal(format!("territory {id} vanished"));
    delete_in(tx, caller, id, transfer.delete_previous_forecasts, vanished).await
}

/// Associates users with a territory; one result per user, in order.
/// Successful items are committed together; failed ones write nothing.
pub async fn associate(
    dir: &Directory,
    caller: &Caller,
    territory: ZohoId,
    users: Vec<(ZohoId, String)>,
    missing: impl FnOnce() -> Error + Send + 'static,
) -> Result<Vec<Result<ZohoId>>> {
    caller.require_admin(MANAGE_TERRITORIES)?;
    dir.write_as(caller, move |tx, _| {
        Box::pin(async move { associate_in(tx, territory, users, missing).await })
    })
    .await
}

async fn associate_in(
    tx: &mut dyn OrgTx,
    territory: ZohoId,
    users: Vec<(ZohoId, String)>,
    missing: impl FnOnce() -> Error,
) -> Result<Vec<Result<ZohoId>>> {
    tx.territory(territory).await?.ok_or_else(missing)?;
    let mut results = Vec::with_capacity(users.len());
    for (user, path) in users {
        match associate_one(tx, territory, user, path).await {
            Err(e) if e.is_fault() => return Err(e),
            outcome => results.push(outcome),
        }
    }
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
    dir: &Directory,
    caller: &Caller,
    territory: ZohoId,
    users: Vec<(ZohoId, String)>,
    missing: impl FnOnce() -> Error + Send + 'static,
) -> Result<Vec<Result<ZohoId>>> {
    caller.require_admin(MANAGE_TERRITORIES)?;
    dir.write_as(caller, move |tx, _| {
        Box::pin(async move { disassociate_in(tx, territory, users, missing).await })
    })
    .await
}

async fn disassociate_in(
    tx: &mut dyn OrgTx,
    territory: ZohoId,
    users: Vec<(ZohoId, String)>,
    missing: impl FnOnce() -> Error,
) -> Result<Vec<Result<ZohoId>>> {
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
            remove_member_counted(tx, territory, user).await?;
            results.push(Ok(user));
        }
    }
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

/// What transferring a user's territories does (transfer and delete,
/// API-DESIGN 153): `to` manages every territory `from` managed, and is
/// associated with each first when it is not yet (a manager is a member,
/// decision 64). `from` stays associated until it is deleted.
pub async fn hand_over_managed(
    tx: &mut dyn OrgTx,
    from: ZohoId,
    to: ZohoId,
    now: i64,
    by: ZohoId,
) -> Result<()> {
    for id in tx.territories_managed_by(from).await? {
        ensure_member(tx, id, to).await?;
        if let Some(mut territory) = tx.territory(id).await? {
            territory.manager = Some(to);
            territory.modified_at = now;
            territory.modified_by = Some(by);
            tx.update_territory(&territory).await?;
        }
    }
    Ok(())
}
