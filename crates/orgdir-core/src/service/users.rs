//! User operations: list, get, count, licences, create, update (including
//! status changes) and soft delete, with licence enforcement and the
//! maintained counts.

use super::membership::{self, UserState};
use super::Directory;
use crate::paging::Page;
use crate::sessions::Caller;
use crate::store::{write, OrgTx, UserQuery, WriteTarget};
use crate::users::{
    type_bucket_codes, type_bucket_mask, NewUser, StatusChange, User, UserDetails, UserPatch,
    UserStatus,
};
use crate::{Details, Error, OrgId, Result, ZohoId};
use orgdir_types::users::UserType;
use orgdir_types::Info;

/// The permission Zoho names when a non-admin tries to manage users.
pub const MANAGE_USERS: &str = "Crm_Implied_Manage_Users";

/// Inserts users and counts them in their buckets — nothing else. Bulk loads
/// (the org document) use this and recompute groups once at the end.
pub async fn insert_rows_counted(tx: &mut dyn OrgTx, users: &[User]) -> Result<()> {
    tx.insert_users(users).await?;
    let mut per_bucket = std::collections::HashMap::new();
    for user in users {
        *per_bucket.entry(user.bucket()).or_insert(0i64) += 1;
    }
    for (bucket, n) in per_bucket {
        tx.adjust_user_count(bucket, n).await?;
    }
    Ok(())
}

/// Inserts a user and keeps every maintained count exact: its bucket, and
/// the groups its role brings it into.
pub async fn insert_counted(tx: &mut dyn OrgTx, user: &User) -> Result<()> {
    insert_rows_counted(tx, std::slice::from_ref(user)).await?;
    let state = UserState::of(user, Vec::new());
    membership::user_changed(tx, None, Some(&state)).await
}

/// Rewrites a user and keeps every maintained count exact: it moves between
/// count buckets if its bucket changed, leaves every group when deleted, and
/// moves between groups when its role changed (and between their active
/// and inactive members when its status did).
pub async fn update_counted(tx: &mut dyn OrgTx, before: &User, after: &User) -> Result<()> {
    tx.update_user(after).await?;
    if before.status != after.status
        || before.admin != after.admin
        || before.profile_id != after.profile_id
        || before.role_id != after.role_id
    {
        tx.auth_changed();
    }
    if before.bucket() != after.bucket() {
        tx.adjust_user_count(before.bucket(), -1).await?;
        tx.adjust_user_count(after.bucket(), 1).await?;
    }
    if before.status != after.status || before.role_id != after.role_id {
        let old = membership::user_state(tx, before).await?;
        let new = UserState::of(after, old.territories.clone());
        membership::user_changed(tx, Some(&old), Some(&new)).await?;
    }
    Ok(())
}

/// `GET /users/actions/count?type=…`: one read of the maintained counts
/// (`CurrentUser` is always 1; the read still proves the session).
pub async fn count(dir: &Directory, caller: &mut Caller, user_type: UserType) -> Result<u64> {
    let buckets = match user_type {
        UserType::CurrentUser => 0,
        other => type_bucket_mask(other),
    };
    let read = dir.store().count_users(caller.org_id(), buckets).await?;
    let count = dir.confirm(caller, read).await?;
    Ok(if user_type == UserType::CurrentUser {
        1
    } else {
        count
    })
}

/// `GET /users?type=&page=&per_page=&ids=`: users with their territories
/// (only those modified after `modified_after`, when given).
pub async fn list(
    dir: &Directory,
    caller: &mut Caller,
    user_type: UserType,
    page: Page,
    ids: Option<Vec<ZohoId>>,
    modified_after: Option<i64>,
) -> Result<(Vec<UserDetails>, Info)> {
    let ids = if user_type == UserType::CurrentUser {
        let only_me = ids.is_none_or(|ids| ids.contains(&caller.user_id));
        Some(if only_me {
            vec![caller.user_id]
        } else {
            vec![]
        })
    } else {
        ids
    };
    let buckets = if user_type == UserType::CurrentUser {
        type_bucket_codes(UserType::AllUsers)
    } else {
        type_bucket_codes(user_type)
    };
    let query = UserQuery {
        buckets,
        ids,
        modified_after,
        offset: page.offset(),
        limit: page.fetch_limit(),
    };
    let read = dir.store().users(caller.org_id(), &query).await?;
    Ok(page.finish(dir.confirm(caller, read).await?))
}

/// `GET /users/{id}`: one user with its territories.
pub async fn get(dir: &Directory, caller: &mut Caller, id: ZohoId) -> Result<Option<UserDetails>> {
    let read = dir.store().user(caller.org_id(), id).await?;
    dir.confirm(caller, read).await
}

/// The user licences of an org: purchased, and used by active users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Licences {
    pub purchased: u64,
    pub used: u64,
}

impl Licences {
    /// Licences left (none when more are used than purchased).
    pub fn available(self) -> u64 {
        self.purchased.saturating_sub(self.used)
    }
}

/// `GET /__features/user_licenses`: one read of the maintained counts, and
/// the purchased licences of the caller's org as of that read.
pub async fn licences(dir: &Directory, caller: &mut Caller) -> Result<Licences> {
    let licensed = type_bucket_mask(UserType::ActiveUsers);
    let read = dir.store().count_users(caller.org_id(), licensed).await?;
    let used = dir.confirm(caller, read).await?;
    Ok(Licences {
        purchased: u64::from(caller.org().licenses),
        used,
    })
}

/// The live user with this email, if any (the control plane; no territories).
pub async fn find_by_email(
    dir: &Directory,
    org: OrgId,
    email: &str,
) -> Result<Option<UserDetails>> {
    dir.store().user_by_email(org, email).await
}

/// The org's primary user (the control plane; no territories).
pub async fn primary(dir: &Directory, org: OrgId) -> Result<Option<UserDetails>> {
    Ok(dir.store().primary_user(org).await?.value)
}

fn licence_available(tx_org_licenses: u32, licensed: u64) -> Result<()> {
    if licensed >= u64::from(tx_org_licenses) {
        Err(Error::LicenseLimitExceeded)
    } else {
        Ok(())
    }
}

async fn check_licence(tx: &mut dyn OrgTx) -> Result<()> {
    let licensed = tx.user_counts().await?.licensed();
    licence_available(tx.org().licenses, licensed)
}

/// `POST /users` with one user read from `path` (`$.users[0]`). Returns the new id.
pub async fn create(dir: &Directory, caller: &Caller, new: NewUser, path: &str) -> Result<ZohoId> {
    caller.require_admin(MANAGE_USERS)?;
    let path = path.to_owned();
    dir.write_as(caller, move |tx, caller| {
        Box::pin(async move { create_in(tx, &caller, new, &path).await })
    })
    .await
}

async fn create_in(
    tx: &mut dyn OrgTx,
    caller: &Caller,
    new: NewUser,
    path: &str,
) -> Result<ZohoId> {
    tx.role(new.role_id)
        .await?
        .ok_or_else(|| Error::invalid_field(format!("{path}.role"), "invalid role"))?;
    let profile = tx
        .profile(new.profile_id)
        .await?
        .ok_or_else(|| Error::invalid_field(format!("{path}.profile"), "invalid profile"))?;
    if tx.user_id_by_email(&new.email).await?.is_some() {
        return Err(duplicate_email(path));
    }
    check_licence(tx).await?;
    let now = crate::time::now();
    let user = User {
        id: tx.next_id(),
        email: new.email,
        first_name: new.first_name,
        last_name: new.last_name,
        status: UserStatus::Active,
        confirmed: false,
        zuid: None,
        role_id: new.role_id,
        profile_id: profile.id,
        admin: profile.admin,
        primary: false,
        extra: new.extra,
        created_at: now,
        modified_at: now,
        created_by: Some(caller.user_id),
        modified_by: Some(caller.user_id),
    };
    insert_counted(tx, &user).await?;
    Ok(user.id)
}

fn duplicate_email(path: &str) -> Error {
    Error::DuplicateData {
        message: "the email is already taken by another user".to_owned(),
        details: Details::field(format!("{path}.email")),
    }
}

fn not_allowed(message: &str, id: ZohoId) -> Error {
    Error::NotAllowed {
        message: message.to_owned(),
        details: Details::Id(id.to_string()),
    }
}

/// `PUT /users/{id}` or `PUT /users` with `patch`. `missing` is the error for
/// an id that names no user (it depends on where the id was given).
pub async fn update(
    dir: &Directory,
    caller: &Caller,
    id: ZohoId,
    patch: UserPatch,
    missing: impl FnOnce() -> Error + Send + 'static,
) -> Result<()> {
    caller.require_admin(MANAGE_USERS)?;
    dir.write_as(caller, move |tx, caller| {
        Box::pin(async move { update_in(tx, &caller, id, patch, missing).await })
    })
    .await
}

async fn update_in(
    tx: &mut dyn OrgTx,
    caller: &Caller,
    id: ZohoId,
    patch: UserPatch,
    missing: impl FnOnce() -> Error,
) -> Result<()> {
    let before = tx.user(id).await?.ok_or_else(missing)?;
    if before.status == UserStatus::Deleted {
        return Err(Error::CannotUpdateDeletedUser { id: id.to_string() });
    }
    let mut after = before.clone();
    let path = patch.path.as_str();
    if let Some(email) = patch.email.filter(|e| *e != before.email) {
        if before.confirmed {
            return Err(Error::invalid_field(
                format!("{path}.email"),
                "the email of a confirmed user cannot be changed",
            ));
        }
        let taken = tx.user_id_by_email(&email).await?;
        if taken.is_some_and(|other| other != id) {
            return Err(duplicate_email(path));
        }
        after.email = email;
    }
    if let Some(first_name) = patch.first_name {
        after.first_name = first_name;
    }
    if let Some(last_name) = patch.last_name {
        after.last_name = last_name;
    }
    if let Some(role_id) = patch.role_id {
        tx.role(role_id)
            .await?
            .ok_or_else(|| Error::invalid_field(format!("{path}.role"), "invalid role"))?;
        after.role_id = role_id;
    }
    if let Some(profile_id) = patch.profile_id {
        let profile = tx
            .profile(profile_id)
            .await?
            .ok_or_else(|| Error::invalid_field(format!("{path}.profile"), "invalid profile"))?;
        if before.primary && !profile.admin {
            return Err(not_allowed(
                "the primary user must stay an Administrator",
                id,
            ));
        }
        after.profile_id = profile.id;
        after.admin = profile.admin;
    }
    match patch.status {
        None => {}
        Some(StatusChange::Activate) => {
            if before.status == UserStatus::Active {
                return Err(Error::IdAlreadyActive { id: id.to_string() });
            }
            check_licence(tx).await?;
            after.status = UserStatus::Active;
        }
        Some(StatusChange::Deactivate) => {
            if before.status == UserStatus::Disabled {
                return Err(Error::IdAlreadyDeactivated { id: id.to_string() });
            }
            if before.primary {
                return Err(not_allowed("the primary user cannot be deactivated", id));
            }
            if id == caller.user_id {
                return Err(not_allowed("you cannot deactivate yourself", id));
            }
            after.status = UserStatus::Disabled;
        }
    }
    after.extra.extend(patch.extra);
    after.modified_at = crate::time::now();
    after.modified_by = Some(caller.user_id);
    update_counted(tx, &before, &after).await
}

/// `DELETE /users/{id}`: a soft delete.
pub async fn delete(
    dir: &Directory,
    caller: &Caller,
    id: ZohoId,
    missing: impl FnOnce() -> Error + Send + 'static,
) -> Result<()> {
    caller.require_admin(MANAGE_USERS)?;
    dir.write_as(caller, move |tx, caller| {
        Box::pin(async move { delete_in(tx, &caller, id, missing).await })
    })
    .await
}

async fn delete_in(
    tx: &mut dyn OrgTx,
    caller: &Caller,
    id: ZohoId,
    missing: impl FnOnce() -> Error,
) -> Result<()> {
    let before = deletable(tx, caller, id, missing).await?;
    soft_delete(tx, caller, before).await
}

/// The checks of deleting user `id`, in order (API-DESIGN 42): it exists
/// (`missing` otherwise), is not deleted yet, is not the primary user and
/// is not the caller. Returns the user as it is.
pub(crate) async fn deletable(
    tx: &mut dyn OrgTx,
    caller: &Caller,
    id: ZohoId,
    missing: impl FnOnce() -> Error,
) -> Result<User> {
    let before = tx.user(id).await?.ok_or_else(missing)?;
    if before.status == UserStatus::Deleted {
        return Err(Error::IdAlreadyDeleted { id: id.to_string() });
    }
    if before.primary {
        return Err(not_allowed("the primary user cannot be deleted", id));
    }
    if id == caller.user_id {
        return Err(not_allowed("you cannot delete yourself", id));
    }
    Ok(before)
}

/// Deletes a user that passed [`deletable`]: it leaves every territory and
/// stops managing any, loses its periods of unavailability, and moves to
/// the deleted bucket, out of every group; its tokens stop working.
pub(crate) async fn soft_delete(tx: &mut dyn OrgTx, caller: &Caller, before: User) -> Result<()> {
    let id = before.id;
    let mut after = before.clone();
    after.status = UserStatus::Deleted;
    after.modified_at = crate::time::now();
    after.modified_by = Some(caller.user_id);
    super::territories::on_user_deleted(tx, id, after.modified_at, caller.user_id).await?;
    // A deleted user's unavailability goes with them (API-DESIGN 131).
    tx.delete_unavailabilities_of(id).await?;
    update_counted(tx, &before, &after).await
}

/// Marks a user confirmed (they accepted the invitation): the CLI, the control
/// plane and the org document do this, never the Zoho API.
pub async fn confirm(dir: &Directory, org: OrgId, id: ZohoId) -> Result<()> {
    let confirmed = write(dir.store(), WriteTarget::Org(org), move |tx| {
        Box::pin(async move {
            let before = tx
                .user(id)
                .await?
                .ok_or_else(|| Error::invalid_param("user", "no such user"))?;
            if before.confirmed {
                return Ok(());
            }
            let mut after = before.clone();
            after.confirmed = true;
            after.zuid = Some(id.0.to_string());
            after.modified_at = crate::time::now();
            update_counted(tx, &before, &after).await
        })
    });
    dir.on_org_clock(org, confirmed).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licence_rule() {
        assert!(licence_available(25, 24).is_ok());
        assert!(matches!(
            licence_available(25, 25),
            Err(Error::LicenseLimitExceeded)
        ));
        assert!(matches!(
            licence_available(1, 7),
            Err(Error::LicenseLimitExceeded)
        ));
    }
}
