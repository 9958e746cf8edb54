//! User group operations (reads, create, update, delete) and the
//! maintenance of every group's associated users, kept exact inside the
//! transaction of each write.
//!
//! Each (group, user) pair carries a *reason count*: how many of the group's
//! sources bring the user in (a user source, each covering role source, each
//! covering territory source per territory of the user, each nested group the
//! user is in). A user is a member while the count is above zero, and the
//! group's `member_count` is the number of members. Frequent, small events
//! (a user's role or territories change, a user is created or deleted) move
//! counts by ±1 ([`apply_deltas`]); a role or territory moving in its tree
//! moves the users of its subtree in or out of the groups whose coverage
//! changed ([`on_role_moved`], [`on_territory_moved`]); rare structural events
//! (a role or territory is deleted, a group's sources change, an import)
//! recompute the groups they touch from scratch ([`recompute`]). Either way, a group whose
//! membership changed passes the change on to the groups that nest it, so
//! every affected group is exact when the write commits.

use super::Directory;
use crate::groups::{
    Filter, Forest, Group, GroupDetails, GroupPatch, NewGroup, Source, SourceDetails, SourceKind,
    SourcesCount,
};
use crate::paging::Page;
use crate::sessions::Caller;
use crate::store::OrgTx;
use crate::users::UserStatus;
use crate::{Details, Error, Result, ZohoId};
use orgdir_types::Info;
use std::collections::{HashMap, HashSet, VecDeque};

/// The permission Zoho names when a non-admin manages groups.
pub const MANAGE_GROUPS: &str = "Crm_Implied_Manage_Groups";

/// Per group, per user: how many reasons to add (or remove, if negative).
pub type Deltas = HashMap<ZohoId, HashMap<ZohoId, i64>>;

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

/// Applies reason deltas and passes membership changes on to nesting groups.
pub async fn apply_deltas(tx: &mut dyn OrgTx, deltas: Deltas) -> Result<()> {
    let mut work: VecDeque<(ZohoId, HashMap<ZohoId, i64>)> = deltas.into_iter().collect();
    while let Some((group, mut changes)) = work.pop_front() {
        changes.retain(|_, d| *d != 0);
        if changes.is_empty() {
            continue;
        }
        let deltas: Vec<(ZohoId, i64)> = changes.into_iter().collect();
        let after = tx.add_member_reasons(group, &deltas).await?;
        let applied = deltas
            .iter()
            .zip(after)
            .map(|((user, delta), (same, now))| {
                if *user == same {
                    Ok((same, *delta, now))
                } else {
                    Err(Error::Internal(format!(
                        "group {group}: results out of order"
                    )))
                }
            });
        let applied = applied.collect::<Result<Vec<_>>>()?;
        work.extend(pass_up(tx, group, &applied).await?);
    }
    Ok(())
}

/// The membership changes of `group` — each user's (delta, count after) —
/// as reason deltas for the groups that nest it.
async fn pass_up(
    tx: &mut dyn OrgTx,
    group: ZohoId,
    applied: &[(ZohoId, i64, i64)],
) -> Result<Vec<(ZohoId, HashMap<ZohoId, i64>)>> {
    let mut up: HashMap<ZohoId, i64> = HashMap::new();
    for (user, delta, now) in applied {
        if *now < 0 {
            return Err(Error::Internal(format!(
                "group {group}: user {user} has {now} reasons"
            )));
        }
        match (now - delta > 0, *now > 0) {
            (false, true) => {
                up.insert(*user, 1);
            }
            (true, false) => {
                up.insert(*user, -1);
            }
            _ => {}
        }
    }
    if up.is_empty() {
        return Ok(Vec::new());
    }
    let parents = tx.groups_with_sources(SourceKind::Groups, &[group]).await?;
    Ok(parents
        .into_iter()
        .map(|(parent, _)| (parent, up.clone()))
        .collect())
}

/// A node's chain (itself first); just the node when the store has none.
fn or_itself(chain: Vec<ZohoId>, node: ZohoId) -> Vec<ZohoId> {
    if chain.is_empty() {
        vec![node]
    } else {
        chain
    }
}

async fn role_ancestors(tx: &mut dyn OrgTx, role: ZohoId) -> Result<Vec<ZohoId>> {
    Ok(or_itself(tx.role_chain(role).await?, role))
}

async fn territory_ancestors(tx: &mut dyn OrgTx, territory: ZohoId) -> Result<Vec<ZohoId>> {
    Ok(or_itself(tx.territory_chain(territory).await?, territory))
}

/// Whether `source` covers the node whose ancestors (itself first) are `chain`.
fn covers(source: &Source, chain: &[ZohoId]) -> bool {
    chain.first() == Some(&source.id) || (source.subordinates && chain.contains(&source.id))
}

/// Per group: how many of its `kind` sources cover the node with ancestors `chain`.
async fn coverage(
    tx: &mut dyn OrgTx,
    kind: SourceKind,
    chain: &[ZohoId],
) -> Result<HashMap<ZohoId, i64>> {
    let mut out: HashMap<ZohoId, i64> = HashMap::new();
    for (group, source) in tx.groups_with_sources(kind, chain).await? {
        if covers(&source, chain) {
            *out.entry(group).or_default() += 1;
        }
    }
    Ok(out)
}

/// Live `users` changed role from `from` to `to` (`None`: they did not have
/// one before, or no longer count).
pub async fn on_users_role_changed(
    tx: &mut dyn OrgTx,
    users: &[ZohoId],
    from: Option<ZohoId>,
    to: Option<ZohoId>,
) -> Result<()> {
    if users.is_empty() || from == to {
        return Ok(());
    }
    let mut per_group: HashMap<ZohoId, i64> = HashMap::new();
    if let Some(role) = from {
        let chain = role_ancestors(tx, role).await?;
        for (group, n) in coverage(tx, SourceKind::Roles, &chain).await? {
            *per_group.entry(group).or_default() -= n;
        }
    }
    if let Some(role) = to {
        let chain = role_ancestors(tx, role).await?;
        for (group, n) in coverage(tx, SourceKind::Roles, &chain).await? {
            *per_group.entry(group).or_default() += n;
        }
    }
    let deltas = per_group
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|(group, n)| (group, users.iter().map(|u| (*u, n)).collect()))
        .collect();
    apply_deltas(tx, deltas).await
}

/// A user was associated with (`+1`) or removed from (`-1`) a territory.
pub async fn on_territory_membership(
    tx: &mut dyn OrgTx,
    territory: ZohoId,
    user: ZohoId,
    sign: i64,
) -> Result<()> {
    let chain = territory_ancestors(tx, territory).await?;
    let deltas = coverage(tx, SourceKind::Territories, &chain)
        .await?
        .into_iter()
        .map(|(group, n)| (group, HashMap::from([(user, sign * n)])))
        .collect();
    apply_deltas(tx, deltas).await
}

/// A user was deleted: it leaves every group at once.
pub async fn on_user_deleted(tx: &mut dyn OrgTx, user: ZohoId) -> Result<()> {
    tx.remove_user_from_groups(user).await.map(|_| ())
}

/// The role and territory trees, loaded once for a batch of recomputations.
#[derive(Default)]
struct Trees {
    roles: Option<Forest>,
    territories: Option<Forest>,
}

impl Trees {
    async fn roles(&mut self, tx: &mut dyn OrgTx) -> Result<&Forest> {
        if self.roles.is_none() {
            self.roles = Some(Forest::new(&tx.role_parents().await?));
        }
        Ok(self.roles.get_or_insert_with(Forest::default))
    }

    async fn territories(&mut self, tx: &mut dyn OrgTx) -> Result<&Forest> {
        if self.territories.is_none() {
            self.territories = Some(Forest::new(&tx.territory_parents().await?));
        }
        Ok(self.territories.get_or_insert_with(Forest::default))
    }
}

/// Every reason each user has to be in a group with `sources`, from scratch.
async fn reasons(
    tx: &mut dyn OrgTx,
    trees: &mut Trees,
    sources: &[Source],
) -> Result<HashMap<ZohoId, i64>> {
    let mut out: HashMap<ZohoId, i64> = HashMap::new();
    let pick = |kind: SourceKind| sources.iter().filter(move |s| s.kind == kind);
    let users: Vec<ZohoId> = pick(SourceKind::Users).map(|s| s.id).collect();
    for user in tx.live_users(&users).await? {
        *out.entry(user).or_default() += 1;
    }
    let role_sources: Vec<&Source> = pick(SourceKind::Roles).collect();
    if !role_sources.is_empty() {
        let tree = trees.roles(tx).await?;
        let sets: Vec<HashSet<ZohoId>> = role_sources.iter().map(|s| expand(tree, s)).collect();
        let all: Vec<ZohoId> = sets
            .iter()
            .flatten()
            .copied()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for (user, role) in tx.live_users_with_roles(&all).await? {
            *out.entry(user).or_default() +=
                sets.iter().filter(|set| set.contains(&role)).count() as i64;
        }
    }
    let territory_sources: Vec<&Source> = pick(SourceKind::Territories).collect();
    if !territory_sources.is_empty() {
        let tree = trees.territories(tx).await?;
        let sets: Vec<HashSet<ZohoId>> =
            territory_sources.iter().map(|s| expand(tree, s)).collect();
        let all: Vec<ZohoId> = sets
            .iter()
            .flatten()
            .copied()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for (territory, user) in tx.memberships_in(&all).await? {
            *out.entry(user).or_default() +=
                sets.iter().filter(|set| set.contains(&territory)).count() as i64;
        }
    }
    for source in pick(SourceKind::Groups) {
        for (user, n) in tx.member_reasons(source.id).await? {
            if n > 0 {
                *out.entry(user).or_default() += 1;
            }
        }
    }
    Ok(out)
}

fn expand(tree: &Forest, source: &Source) -> HashSet<ZohoId> {
    if source.subordinates {
        tree.subtree(source.id)
    } else {
        HashSet::from([source.id])
    }
}

/// Recomputes a group's members from its sources and passes the difference on.
pub async fn recompute(tx: &mut dyn OrgTx, group: ZohoId) -> Result<()> {
    recompute_with(tx, &mut Trees::default(), group).await
}

async fn recompute_with(tx: &mut dyn OrgTx, trees: &mut Trees, group: ZohoId) -> Result<()> {
    let sources = tx.sources_of(group).await?;
    let mut target = reasons(tx, trees, &sources).await?;
    let mut changes: HashMap<ZohoId, i64> = HashMap::new();
    for (user, old) in tx.member_reasons(group).await? {
        let new = target.remove(&user).unwrap_or(0);
        changes.insert(user, new - old);
    }
    changes.extend(target);
    apply_deltas(tx, HashMap::from([(group, changes)])).await
}

/// Recomputes several groups.
pub async fn recompute_all(
    tx: &mut dyn OrgTx,
    groups: impl IntoIterator<Item = ZohoId>,
) -> Result<()> {
    let unique: HashSet<ZohoId> = groups.into_iter().collect();
    let mut trees = Trees::default();
    for group in unique {
        recompute_with(tx, &mut trees, group).await?;
    }
    Ok(())
}

/// Per group: how the number of its `kind` sources covering a moved node's
/// subtree changes between the node's old and new ancestor chains (itself first).
async fn move_coverage(
    tx: &mut dyn OrgTx,
    kind: SourceKind,
    old_chain: &[ZohoId],
    new_chain: &[ZohoId],
) -> Result<HashMap<ZohoId, i64>> {
    let all: Vec<ZohoId> = old_chain.iter().chain(new_chain).copied().collect();
    let mut out: HashMap<ZohoId, i64> = HashMap::new();
    for (group, source) in tx.groups_with_sources(kind, &all).await? {
        let before = source.subordinates && old_chain[1..].contains(&source.id);
        let after = source.subordinates && new_chain[1..].contains(&source.id);
        *out.entry(group).or_default() += i64::from(after) - i64::from(before);
    }
    out.retain(|_, n| *n != 0);
    Ok(out)
}

/// A role moved in the tree (its chains before and after, itself first): the
/// live users of its subtree enter or leave the groups whose coverage changed.
pub async fn on_role_moved(
    tx: &mut dyn OrgTx,
    old_chain: &[ZohoId],
    new_chain: &[ZohoId],
) -> Result<()> {
    let per_group = move_coverage(tx, SourceKind::Roles, old_chain, new_chain).await?;
    let Some(role) = old_chain.first().copied().filter(|_| !per_group.is_empty()) else {
        return Ok(());
    };
    let tree = tx.role_parents().await?;
    let roles: Vec<ZohoId> = crate::groups::subtree(&tree, role).into_iter().collect();
    // Set-based: the database adds `n` reasons for every live user of the
    // subtree, without the user ids travelling back and forth.
    let mut up: Deltas = HashMap::new();
    for (group, n) in per_group {
        let after = tx.add_reasons_for_roles(group, &roles, n).await?;
        let applied: Vec<(ZohoId, i64, i64)> = after
            .into_iter()
            .map(|(user, now)| (user, n, now))
            .collect();
        for (parent, changes) in pass_up(tx, group, &applied).await? {
            let merged = up.entry(parent).or_default();
            for (user, d) in changes {
                *merged.entry(user).or_default() += d;
            }
        }
    }
    apply_deltas(tx, up).await
}

/// A territory moved in the tree: users associated with its subtree enter or
/// leave the groups whose coverage changed (once per association).
pub async fn on_territory_moved(
    tx: &mut dyn OrgTx,
    old_chain: &[ZohoId],
    new_chain: &[ZohoId],
) -> Result<()> {
    let per_group = move_coverage(tx, SourceKind::Territories, old_chain, new_chain).await?;
    let Some(territory) = old_chain.first().copied().filter(|_| !per_group.is_empty()) else {
        return Ok(());
    };
    let tree = tx.territory_parents().await?;
    let territories: Vec<ZohoId> = crate::groups::subtree(&tree, territory)
        .into_iter()
        .collect();
    let mut per_user: HashMap<ZohoId, i64> = HashMap::new();
    for (_, user) in tx.memberships_in(&territories).await? {
        *per_user.entry(user).or_default() += 1;
    }
    let deltas = per_group
        .into_iter()
        .map(|(group, n)| (group, per_user.iter().map(|(u, k)| (*u, n * k)).collect()))
        .collect();
    apply_deltas(tx, deltas).await
}

/// The ancestor chain of a role (itself first), for [`on_role_moved`].
pub async fn role_chain(tx: &mut dyn OrgTx, role: ZohoId) -> Result<Vec<ZohoId>> {
    role_ancestors(tx, role).await
}

/// The ancestor chain of a territory (itself first).
pub async fn territory_chain(tx: &mut dyn OrgTx, territory: ZohoId) -> Result<Vec<ZohoId>> {
    territory_ancestors(tx, territory).await
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
    let mut edges: Option<Vec<(ZohoId, ZohoId)>> = None;
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
            if edges.is_none() {
                edges = Some(tx.group_edges().await?);
            }
            let edges = edges.as_deref().unwrap_or_default();
            if reaches(edges, source.id, me) {
                return Err(Error::invalid_field(at, "the group would contain itself"));
            }
        }
    }
    Ok(())
}

/// Whether `target` is `from` or nested (at any depth) inside it.
fn reaches(edges: &[(ZohoId, ZohoId)], from: ZohoId, target: ZohoId) -> bool {
    let mut stack = vec![from];
    let mut seen = HashSet::new();
    while let Some(node) = stack.pop() {
        if node == target {
            return true;
        }
        if seen.insert(node) {
            stack.extend(
                edges
                    .iter()
                    .filter(|(parent, _)| *parent == node)
                    .map(|(_, child)| *child),
            );
        }
    }
    false
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
    recompute(tx, group.id).await?;
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
        recompute(tx, id).await?;
    }
    group.modified_at = crate::time::now();
    group.modified_by = Some(caller.user_id);
    tx.update_group(&group).await
}

/// `DELETE /settings/user_groups/{id}`: groups nesting it lose that source.
pub async fn delete(
    dir: &Directory,
    caller: &Caller,
    id: ZohoId,
    missing: impl FnOnce() -> Error + Send + 'static,
) -> Result<()> {
    caller.require_admin(MANAGE_GROUPS)?;
    dir.write_as(caller, move |tx, _| {
        Box::pin(async move { delete_in(tx, id, missing).await })
    })
    .await
}

async fn delete_in(tx: &mut dyn OrgTx, id: ZohoId, missing: impl FnOnce() -> Error) -> Result<()> {
    tx.group(id).await?.ok_or_else(missing)?;
    let parents = drop_sources_naming(tx, SourceKind::Groups, id).await?;
    tx.delete_group(id).await?;
    recompute_all(tx, parents).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_detection() {
        let id = ZohoId;
        let edges = vec![(id(1), id(2)), (id(2), id(3))];
        assert!(reaches(&edges, id(1), id(3)));
        assert!(reaches(&edges, id(3), id(3)));
        assert!(!reaches(&edges, id(3), id(1)));
    }

    #[test]
    fn coverage_rule() {
        let id = ZohoId;
        let chain = [id(5), id(4), id(1)];
        let s = |source, subordinates| Source {
            kind: SourceKind::Roles,
            id: id(source),
            subordinates,
        };
        assert!(covers(&s(5, false), &chain));
        assert!(covers(&s(1, true), &chain));
        assert!(!covers(&s(1, false), &chain));
        assert!(!covers(&s(9, true), &chain));
    }
}
