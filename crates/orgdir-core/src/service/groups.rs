//! User group operations: reads, create, update and delete. A change of a
//! group's sources recomputes its associated users, and those of every
//! group nesting it, inside the same transaction ([`super::membership`] has
//! the model and the rules of every other write that moves them).

use super::{membership, Directory};
use crate::behaviour::GroupDeletion;
use crate::groups::{
    Assignment, DeletionJob, Filter, Group, GroupDetails, GroupPatch, Nesting, NewGroup, Source,
    SourceDetails, SourceKind, SourcesCount,
};
use crate::paging::Page;
use crate::sessions::Caller;
use crate::store::{OrgTx, Tally};
use crate::users::UserStatus;
use crate::{Details, Error, Result, ZohoId};
use orgdir_types::Info;

/// The permission Zoho names when a non-admin manages groups.
pub const MANAGE_GROUPS: &str = "Crm_Implied_Manage_Groups";

/// A group as the API shows it: with its sources and, when asked for, their count.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupView {
    pub details: GroupDetails,
    pub sources: Vec<SourceDetails>,
    pub sources_count: Option<SourcesCount>,
}

/// A group's sources and (with `with_count`) their count.
async fn view(
    dir: &Directory,
    caller: &mut Caller,
    details: GroupDetails,
    with_count: bool,
) -> Result<GroupView> {
    let (org, id) = (caller.org_id(), details.group.id);
    let read = dir.store().group_sources(org, id).await?;
    let sources = dir.confirm(caller, read).await?.unwrap_or_default();
    let sources_count = if with_count {
        let read = dir.store().sources_count(org, id).await?;
        Some(dir.confirm(caller, read).await?.unwrap_or_default())
    } else {
        None
    };
    Ok(GroupView {
        details,
        sources,
        sources_count,
    })
}

/// `GET /settings/user_groups?include=&filters=`: a page of the groups
/// passing `filter`, by creation, each with its sources (and their count
/// with `with_count`).
pub async fn list(
    dir: &Directory,
    caller: &mut Caller,
    filter: Option<Filter>,
    page: Page,
    with_count: bool,
) -> Result<(Vec<GroupView>, Info)> {
    let read = dir
        .store()
        .groups(
            caller.org_id(),
            filter.as_ref(),
            page.offset(),
            page.fetch_limit(),
        )
        .await?;
    let (rows, info) = page.finish(dir.confirm(caller, read).await?);
    let mut groups = Vec::with_capacity(rows.len());
    for details in rows {
        groups.push(view(dir, caller, details, with_count).await?);
    }
    Ok((groups, info))
}

/// The groups of one user: `GET /users/{id}/actions/associated_groups`
/// (`Assigned`, no filter) and `get_assigned` / `get_unassigned`
/// (API-DESIGN 146). A page of the groups `user` is a member of (or, for
/// `Unassigned`, the org's other groups) passing `filter`, in listing
/// order, each with its sources when `with_sources`; `None` if the org has
/// no such user (a deleted user is a member of nothing).
pub async fn of_user(
    dir: &Directory,
    caller: &mut Caller,
    user: ZohoId,
    side: Assignment,
    filter: Option<Filter>,
    page: Page,
    with_sources: bool,
) -> Result<Option<(Vec<GroupView>, Info)>> {
    let read = dir.store().user(caller.org_id(), user).await?;
    if dir.confirm(caller, read).await?.is_none() {
        return Ok(None);
    }
    let read = dir
        .store()
        .groups_of_user(
            caller.org_id(),
            user,
            side,
            filter.as_ref(),
            page.offset(),
            page.fetch_limit(),
        )
        .await?;
    let (rows, info) = page.finish(dir.confirm(caller, read).await?);
    let mut groups = Vec::with_capacity(rows.len());
    for details in rows {
        groups.push(if with_sources {
            view(dir, caller, details, false).await?
        } else {
            GroupView {
                details,
                sources: Vec::new(),
                sources_count: None,
            }
        });
    }
    Ok(Some((groups, info)))
}

/// `GET /settings/user_groups/{id}`: the group with its sources and their count.
pub async fn get(dir: &Directory, caller: &mut Caller, id: ZohoId) -> Result<Option<GroupView>> {
    let read = dir.store().group(caller.org_id(), id).await?;
    match dir.confirm(caller, read).await? {
        Some(details) => Ok(Some(view(dir, caller, details, true).await?)),
        None => Ok(None),
    }
}

/// `GET /settings/user_groups/{id}/sources?type=&user_type=`: a page of the
/// group's sources of `kind` (users only, of `user_status`, when given), in
/// the order given; `None` if there is no such group.
pub async fn sources(
    dir: &Directory,
    caller: &mut Caller,
    id: ZohoId,
    kind: Option<SourceKind>,
    user_status: Option<UserStatus>,
    page: Page,
) -> Result<Option<(Vec<SourceDetails>, Info)>> {
    let read = dir.store().group_sources(caller.org_id(), id).await?;
    let Some(all) = dir.confirm(caller, read).await? else {
        return Ok(None);
    };
    let chosen: Vec<SourceDetails> = all
        .into_iter()
        .filter(|s| kind.is_none_or(|k| s.source.kind == k))
        .filter(|s| {
            user_status.is_none_or(|status| {
                s.source.kind == SourceKind::Users && s.user_status == Some(status)
            })
        })
        .collect();
    Ok(Some(page.slice(&chosen)))
}

/// `GET /settings/user_groups/{id}/actions/sources_count`; `None` if there
/// is no such group.
pub async fn sources_count(
    dir: &Directory,
    caller: &mut Caller,
    id: ZohoId,
) -> Result<Option<SourcesCount>> {
    let read = dir.store().sources_count(caller.org_id(), id).await?;
    dir.confirm(caller, read).await
}

/// `GET /settings/user_groups/{id}/associated_users/actions/grouped_counts`:
/// the group's maintained member counts, all and active (never recounted);
/// `None` if there is no such group.
pub async fn member_split(
    dir: &Directory,
    caller: &mut Caller,
    id: ZohoId,
) -> Result<Option<Tally>> {
    let read = dir.store().member_split(caller.org_id(), id).await?;
    dir.confirm(caller, read).await
}

/// `GET /settings/user_groups/actions/associated_users_count`: a page of
/// (id, name, maintained member count) of the groups passing `filter`.
pub async fn member_counts(
    dir: &Directory,
    caller: &mut Caller,
    filter: Option<Filter>,
    page: Page,
) -> Result<(Vec<(ZohoId, String, u64)>, Info)> {
    let read = dir
        .store()
        .group_counts(
            caller.org_id(),
            filter.as_ref(),
            page.offset(),
            page.fetch_limit(),
        )
        .await?;
    Ok(page.finish(dir.confirm(caller, read).await?))
}

/// A node's chain (itself first); just the node when the store has none.
fn or_itself(chain: Vec<ZohoId>, node: ZohoId) -> Vec<ZohoId> {
    if chain.is_empty() {
        vec![node]
    } else {
        chain
    }
}

/// The ancestor chain of a role (itself first), for `membership::role_moved`.
pub async fn role_chain(tx: &mut dyn OrgTx, role: ZohoId) -> Result<Vec<ZohoId>> {
    Ok(or_itself(tx.role_chain(role).await?, role))
}

/// The ancestor chain of a territory (itself first).
pub async fn territory_chain(tx: &mut dyn OrgTx, territory: ZohoId) -> Result<Vec<ZohoId>> {
    Ok(or_itself(tx.territory_chain(territory).await?, territory))
}

/// Removes every source naming `id` of `kind` from the groups that have one;
/// returns those groups (to recompute once the change is done).
pub async fn drop_sources_naming(
    tx: &mut dyn OrgTx,
    kind: SourceKind,
    id: ZohoId,
) -> Result<Vec<ZohoId>> {
    let groups: Vec<ZohoId> = tx
        .groups_with_sources(kind, &[id])
        .await?
        .into_iter()
        .map(|(g, _)| g)
        .collect();
    for group in &groups {
        let kept: Vec<Source> = tx
            .sources_of(*group)
            .await?
            .into_iter()
            .filter(|s| !(s.kind == kind && s.id == id))
            .collect();
        tx.set_sources(*group, &kept).await?;
    }
    Ok(groups)
}

/// Points every `kind` source naming `from` at `to` instead, in its place
/// (a territory deleted with a transfer, decision 161). A group that already
/// has a source naming `to` keeps that one, including everything below `to`
/// when either of the two did. Returns the groups changed, to recompute.
pub async fn retarget_sources_naming(
    tx: &mut dyn OrgTx,
    kind: SourceKind,
    from: ZohoId,
    to: ZohoId,
) -> Result<Vec<ZohoId>> {
    let groups: Vec<ZohoId> = tx
        .groups_with_sources(kind, &[from])
        .await?
        .into_iter()
        .map(|(g, _)| g)
        .collect();
    for group in &groups {
        let mut sources = tx.sources_of(*group).await?;
        let named = |s: &Source, id: ZohoId| s.kind == kind && s.id == id;
        let Some(old) = sources.iter().position(|s| named(s, from)) else {
            continue;
        };
        let subordinates = sources[old].subordinates;
        match sources.iter().position(|s| named(s, to)) {
            Some(kept) => {
                sources[kept].subordinates |= subordinates;
                sources.remove(old);
            }
            None => sources[old].id = to,
        }
        tx.set_sources(*group, &sources).await?;
    }
    Ok(groups)
}

fn duplicate_name(path: &str) -> Error {
    Error::DuplicateData {
        message: "a user group with this name exists".to_owned(),
        details: Details::field(format!("{path}.name")),
    }
}

/// Checks every source names something that exists (users: not deleted) and
/// that no group source closes a cycle through `group`.
async fn check_sources(
    tx: &mut dyn OrgTx,
    group: Option<ZohoId>,
    sources: &[Source],
    path: &str,
) -> Result<()> {
    // A user source that was deleted after it was added may stay (and be sent back as given by GET).
    let current = match group {
        Some(id) => tx.sources_of(id).await?,
        None => Vec::new(),
    };
    let mut nesting: Option<Nesting> = None;
    for (i, source) in sources.iter().enumerate() {
        let at = format!("{path}.sources[{i}].source");
        let exists = match source.kind {
            SourceKind::Users => match tx.user(source.id).await? {
                Some(u) if u.status == UserStatus::Deleted => current.contains(source),
                Some(_) => true,
                None => false,
            },
            SourceKind::Roles => tx.role(source.id).await?.is_some(),
            SourceKind::Territories => tx.territory(source.id).await?.is_some(),
            SourceKind::Groups => tx.group(source.id).await?.is_some(),
        };
        if !exists {
            return Err(Error::invalid_field(
                at,
                format!("no {} with this id", source.kind.as_str()),
            ));
        }
        if let (SourceKind::Groups, Some(me)) = (source.kind, group) {
            if nesting.is_none() {
                nesting = Some(Nesting::new(tx.group_edges().await?));
            }
            if nesting.as_ref().is_some_and(|n| n.reaches(source.id, me)) {
                return Err(Error::invalid_field(at, "the group would contain itself"));
            }
        }
    }
    Ok(())
}

/// `POST /settings/user_groups` (one item at `path`). Returns the new id.
pub async fn create(dir: &Directory, caller: &Caller, new: NewGroup, path: &str) -> Result<ZohoId> {
    caller.require_admin(MANAGE_GROUPS)?;
    let path = path.to_owned();
    dir.write_as(caller, move |tx, caller| {
        Box::pin(async move { create_in(tx, &caller, new, &path).await })
    })
    .await
}

async fn create_in(
    tx: &mut dyn OrgTx,
    caller: &Caller,
    new: NewGroup,
    path: &str,
) -> Result<ZohoId> {
    if tx.group_id_by_name(&new.name).await?.is_some() {
        return Err(duplicate_name(path));
    }
    check_sources(tx, None, &new.sources, path).await?;
    let now = crate::time::now();
    let group = Group {
        id: tx.next_id(),
        name: new.name,
        description: new.description,
        member_count: 0,
        created_at: now,
        modified_at: now,
        created_by: Some(caller.user_id),
        modified_by: Some(caller.user_id),
    };
    tx.insert_group(&group).await?;
    tx.set_sources(group.id, &new.sources).await?;
    membership::recompute(tx, &[group.id]).await?;
    Ok(group.id)
}

/// `PUT /settings/user_groups[/{id}]`: a partial update; `sources` replaces the list.
pub async fn update(
    dir: &Directory,
    caller: &Caller,
    id: ZohoId,
    patch: GroupPatch,
    path: &str,
    missing: impl FnOnce() -> Error + Send + 'static,
) -> Result<()> {
    caller.require_admin(MANAGE_GROUPS)?;
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
    patch: GroupPatch,
    path: &str,
    missing: impl FnOnce() -> Error,
) -> Result<()> {
    let mut group = tx.group(id).await?.ok_or_else(missing)?;
    if let Some(name) = patch.name {
        if tx
            .group_id_by_name(&name)
            .await?
            .is_some_and(|other| other != id)
        {
            return Err(duplicate_name(path));
        }
        group.name = name;
    }
    if let Some(description) = patch.description {
        group.description = description;
    }
    if let Some(sources) = &patch.sources {
        check_sources(tx, Some(id), sources, path).await?;
        tx.set_sources(id, sources).await?;
        membership::recompute(tx, &[id]).await?;
    }
    group.modified_at = crate::time::now();
    group.modified_by = Some(caller.user_id);
    tx.update_group(&group).await
}

/// `DELETE /settings/user_groups/{id}`: groups nesting it lose that source.
/// Under the org's `scheduled` behaviour (API-DESIGN 145) the deletion is
/// also recorded as a job, in the same transaction: its id is returned.
pub async fn delete(
    dir: &Directory,
    caller: &Caller,
    id: ZohoId,
    missing: impl FnOnce() -> Error + Send + 'static,
) -> Result<Option<ZohoId>> {
    caller.require_admin(MANAGE_GROUPS)?;
    dir.write_as(caller, move |tx, _| {
        Box::pin(async move { delete_in(tx, id, missing).await })
    })
    .await
}

async fn delete_in(
    tx: &mut dyn OrgTx,
    id: ZohoId,
    missing: impl FnOnce() -> Error,
) -> Result<Option<ZohoId>> {
    tx.group(id).await?.ok_or_else(missing)?;
    let parents = drop_sources_naming(tx, SourceKind::Groups, id).await?;
    tx.delete_group(id).await?;
    membership::recompute(tx, &parents).await?;
    if tx.org_behaviour().await?.user_group_deletion != GroupDeletion::Scheduled {
        return Ok(None);
    }
    let job = DeletionJob {
        id: tx.next_id(),
        group_id: id,
        created_at: crate::time::now(),
    };
    tx.insert_deletion_job(&job).await?;
    Ok(Some(job.id))
}

/// `GET /settings/user_groups/actions/deletion_jobs?job_id=`: a group
/// deletion job of the caller's org.
pub async fn deletion_job(
    dir: &Directory,
    caller: &mut Caller,
    id: ZohoId,
) -> Result<Option<DeletionJob>> {
    let read = dir.store().deletion_job(caller.org_id(), id).await?;
    dir.confirm(caller, read).await
}
