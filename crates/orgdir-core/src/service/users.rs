//! User operations: list, count, create, update (including status changes)
//! and soft delete, with licence enforcement and the maintained counts.

use crate::auth::Principal;
use crate::paging::Page;
use crate::store::{OrgTx, Store, UserQuery};
use crate::users::{
    type_bucket_codes, NewUser, StatusChange, User, UserDetails, UserPatch, UserStatus,
};
use crate::{Details, Error, Result, ZohoId};
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
    if user.status != UserStatus::Deleted {
        super::groups::on_users_role_changed(tx, &[user.id], None, Some(user.role_id)).await?;
    }
    Ok(())
}

/// Rewrites a user and keeps every maintained count exact: it moves between
/// count buckets if its bucket changed, leaves every group when deleted, and
/// moves between groups when its role changed.
pub async fn update_counted(tx: &mut dyn OrgTx, before: &User, after: &User) -> Result<()> {
    tx.update_user(after).await?;
    if before.bucket() != after.bucket() {
        tx.adjust_user_count(before.bucket(), -1).await?;
        tx.adjust_user_count(after.bucket(), 1).await?;
    }
    let was_live = before.status != UserStatus::Deleted;
    let is_live = after.status != UserStatus::Deleted;
    if was_live && !is_live {
        super::groups::on_user_deleted(tx, after.id).await?;
    } else if was_live && is_live && before.role_id != after.role_id {
        super::groups::on_users_role_changed(
            tx,
            &[after.id],
            Some(before.role_id),
            Some(after.role_id),
        )
        .await?;
    }
    Ok(())
}

/// `GET /users/actions/count?type=…`: a read of the maintained counts.
pub async fn count(store: &dyn Store, principal: &Principal, user_type: UserType) -> Result<u64> {
    Ok(store.user_counts(principal.org).await?.count(user_type))
}

/// `GET /users?type=&page=&per_page=&ids=`.
pub async fn list(
    store: &dyn Store,
    principal: &Principal,
    user_type: UserType,
    page: Page,
    ids: Option<Vec<ZohoId>>,
) -> Result<(Vec<UserDetails>, Info)> {
    let ids = if user_type == UserType::CurrentUser {
        let only_me = ids.is_none_or(|ids| ids.contains(&principal.user_id));
        Some(if only_me {
            vec![principal.user_id]
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
    let rows = store
        .users(
            principal.org,
            &UserQuery {
                buckets,
                ids,
                offset: page.offset(),
                limit: page.fetch_limit(),
            },
        )
        .await?;
    Ok(page.finish(rows))
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
pub async fn create(
    store: &dyn Store,
    principal: &Principal,
    new: NewUser,
    path: &str,
) -> Result<ZohoId> {
    principal.require_admin(MANAGE_USERS)?;
    let mut tx = store.begin(principal.org).await?;
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
    check_licence(tx.as_mut()).await?;
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
        created_by: Some(principal.user_id),
        modified_by: Some(principal.user_id),
    };
    insert_counted(tx.as_mut(), &user).await?;
    tx.commit().await?;
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
    store: &dyn Store,
    principal: &Principal,
    id: ZohoId,
    patch: UserPatch,
    missing: impl FnOnce() -> Error + Send,
) -> Result<()> {
    principal.require_admin(MANAGE_USERS)?;
    let mut tx = store.begin(principal.org).await?;
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
            check_licence(tx.as_mut()).await?;
            after.status = UserStatus::Active;
        }
        Some(StatusChange::Deactivate) => {
            if before.status == UserStatus::Disabled {
                return Err(Error::IdAlreadyDeactivated { id: id.to_string() });
            }
            if before.primary {
                return Err(not_allowed("the primary user cannot be deactivated", id));
            }
            if id == principal.user_id {
                return Err(not_allowed("you cannot deactivate yourself", id));
            }
            after.status = UserStatus::Disabled;
        }
    }
    after.extra.extend(patch.extra);
    after.modified_at = crate::time::now();
    after.modified_by = Some(principal.user_id);
    update_counted(tx.as_mut(), &before, &after).await?;
    tx.commit().await
}

/// `DELETE /users/{id}`: a soft delete.
pub async fn delete(
    store: &dyn Store,
    principal: &Principal,
    id: ZohoId,
    missing: impl FnOnce() -> Error + Send,
) -> Result<()> {
    principal.require_admin(MANAGE_USERS)?;
    let mut tx = store.begin(principal.org).await?;
    let before = tx.user(id).await?.ok_or_else(missing)?;
    if before.status == UserStatus::Deleted {
        return Err(Error::IdAlreadyDeleted { id: id.to_string() });
    }
    if before.primary {
        return Err(not_allowed("the primary user cannot be deleted", id));
    }
    if id == principal.user_id {
        return Err(not_allowed("you cannot delete yourself", id));
    }
    let mut after = before.clone();
    after.status = UserStatus::Deleted;
    after.modified_at = crate::time::now();
    after.modified_by = Some(principal.user_id);
    super::territories::on_user_deleted(tx.as_mut(), id, after.modified_at, principal.user_id)
        .await?;
    update_counted(tx.as_mut(), &before, &after).await?;
    tx.commit().await
}

/// Marks a user confirmed (they accepted the invitation): the CLI, the control
/// plane and the org document do this, never the Zoho API.
pub async fn confirm(store: &dyn Store, org: crate::OrgId, id: ZohoId) -> Result<()> {
    let mut tx = store.begin(org).await?;
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
    update_counted(tx.as_mut(), &before, &after).await?;
    tx.commit().await
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
