//! Users' unavailability: reads, create, update and delete. An
//! Administrator sees and writes every user's periods; anyone else only
//! their own (Zoho: "non-admin users can get only the details of their own
//! records"), so another user's period reads as one that does not exist.

use super::Directory;
use crate::paging::Page;
use crate::sessions::Caller;
use crate::store::OrgTx;
use crate::unavailability::{
    NewUnavailability, TimeFilter, Unavailability, UnavailabilityDetails, UnavailabilityPatch,
    UnavailabilityQuery,
};
use crate::users::UserStatus;
use crate::{Error, Result, ZohoId};
use orgdir_types::Info;

/// The user whose periods alone `caller` sees: `None` (all) for an admin.
fn visible_owner(caller: &Caller) -> Option<ZohoId> {
    (!caller.admin).then_some(caller.user_id)
}

/// Whether `caller` may see and change `period`.
fn visible(caller: &Caller, period: &Unavailability) -> bool {
    caller.admin || period.user_id == caller.user_id
}

/// `GET /settings/users_unavailability`: a page of the periods `query`
/// selects that pass `filter`, by creation. A non-admin's query is narrowed
/// to their own periods.
pub async fn list(
    dir: &Directory,
    caller: &mut Caller,
    mut query: UnavailabilityQuery,
    filter: Option<&TimeFilter>,
    page: Page,
) -> Result<(Vec<UnavailabilityDetails>, Info)> {
    if let Some(me) = visible_owner(caller) {
        query.owner = Some(me);
    }
    let read = dir
        .store()
        .unavailabilities(caller.org_id(), &query)
        .await?;
    let all: Vec<UnavailabilityDetails> = dir
        .confirm(caller, read)
        .await?
        .into_iter()
        .filter(|d| filter.is_none_or(|f| f.matches(d.unavailability.from, d.unavailability.to)))
        .collect();
    Ok(page.slice(&all))
}

/// `GET /settings/users_unavailability/{id}`: `None` if the caller sees no
/// such period; `Some(None)` if it does not pass `filter`.
pub async fn get(
    dir: &Directory,
    caller: &mut Caller,
    id: ZohoId,
    filter: Option<&TimeFilter>,
) -> Result<Option<Option<UnavailabilityDetails>>> {
    let read = dir.store().unavailability(caller.org_id(), id).await?;
    let found = dir
        .confirm(caller, read)
        .await?
        .filter(|d| visible(caller, &d.unavailability));
    Ok(found.map(|d| {
        let u = &d.unavailability;
        filter.is_none_or(|f| f.matches(u.from, u.to)).then_some(d)
    }))
}

/// `POST /settings/users_unavailability` (one item at `path`): a period of
/// `new.user`, or of the caller when no user is named. Returns the new id.
pub async fn create(
    dir: &Directory,
    caller: &Caller,
    new: NewUnavailability,
    path: &str,
) -> Result<ZohoId> {
    let path = path.to_owned();
    dir.write_as(caller, move |tx, caller| {
        Box::pin(async move { create_in(tx, &caller, new, &path).await })
    })
    .await
}

async fn create_in(
    tx: &mut dyn OrgTx,
    caller: &Caller,
    new: NewUnavailability,
    path: &str,
) -> Result<ZohoId> {
    let user = new.user.unwrap_or(caller.user_id);
    let at = format!("{path}.user");
    if user != caller.user_id && !caller.admin {
        return Err(Error::invalid_field(
            at,
            "only an administrator can mark another user unavailable",
        ));
    }
    match tx.user(user).await? {
        Some(u) if u.status != UserStatus::Deleted => {}
        _ => return Err(Error::invalid_field(at, "invalid user")),
    }
    let period = Unavailability {
        id: tx.next_id(),
        user_id: user,
        from: new.from,
        to: new.to,
        all_day: new.all_day,
        comments: new.comments,
    };
    tx.insert_unavailability(&period).await?;
    Ok(period.id)
}

/// `PUT /settings/users_unavailability[/{id}]`: a partial update of the
/// period `id` (`missing` when the caller sees no such period).
pub async fn update(
    dir: &Directory,
    caller: &Caller,
    id: ZohoId,
    patch: UnavailabilityPatch,
    path: &str,
    missing: impl FnOnce() -> Error + Send + 'static,
) -> Result<()> {
    let path = path.to_owned();
    dir.write_as(caller, move |tx, caller| {
        Box::pin(async move {
            let mut period = tx
                .unavailability(id)
                .await?
                .filter(|p| visible(&caller, p))
                .ok_or_else(missing)?;
            if patch.user.is_some_and(|u| u != period.user_id) {
                return Err(Error::invalid_field(
                    format!("{path}.user"),
                    "the user of an unavailability cannot be changed",
                ));
            }
            patch.apply(&mut period, &path)?;
            tx.update_unavailability(&period).await
        })
    })
    .await
}

/// `DELETE /settings/users_unavailability/{id}` (`missing` when the caller
/// sees no such period).
pub async fn delete(
    dir: &Directory,
    caller: &Caller,
    id: ZohoId,
    missing: impl FnOnce() -> Error + Send + 'static,
) -> Result<()> {
    dir.write_as(caller, move |tx, caller| {
        Box::pin(async move {
            tx.unavailability(id)
                .await?
                .filter(|p| visible(&caller, p))
                .ok_or_else(missing)?;
            tx.delete_unavailability(id).await
        })
    })
    .await
}
