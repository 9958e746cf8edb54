//! The rules of the group membership model: every group's associated users
//! (SPEC 3, decision 4) kept exact inside the transaction of each write,
//! with writes whose cost follows the structure, not the people.
//!
//! **The model.** A group *covers*, through its own sources and those of the
//! groups it nests (its *reach*): roles (a role source, and with
//! subordinates every role below), territories (likewise) and users (user
//! sources), each with the number of paths that cover it. A live user is a
//! member when the group covers its role (*R*), or one of its territories or
//! the user itself (*X*). With `live(r)` the live users of role `r` and
//! `cross(g, r)` the live users of role `r` in *X* for group `g`:
//!
//! ```text
//! member_count(g) = Σ over roles r covered by g of live(r)
//!                 + Σ over roles r not covered by g of cross(g, r)
//! ```
//!
//! so role coverage is data about (group, role) pairs, and no row is kept
//! per (group, user). Every count is a [`Tally`]: the live users and the
//! active ones among them, so a group's members split into active and
//! inactive (`grouped_counts`) from kept numbers too; a user's activation
//! or deactivation is a change of its own like any other.
//!
//! **Writes.**
//! - A user's own change (created, deleted, role changed, territory
//!   associated or not) is [`user_changed`]: one read of the groups covering
//!   what it had and has, then the changed counts, whatever the number of
//!   other groups.
//! - A role move ([`role_moved`]) shifts the coverage of the moved subtree's
//!   roles in the groups whose sources with subordinates sit on its old or
//!   new ancestors, and moves their member counts by `live(r) - cross(g, r)`
//!   for every (group, role) that flips: groups × roles, never users.
//! - A territory move ([`territory_moved`]) shifts territory coverage the
//!   same way, then re-evaluates the users of the moved subtree for the
//!   groups whose coverage changed, in memory.
//! - A new role or territory is covered where its ancestors are with
//!   subordinates ([`node_created`]); it has no users yet.
//! - A role's deletion moves its counts to the heir ([`roles_merged`]).
//! - A change of a group's sources recomputes that group and every group
//!   nesting it from scratch, set-based in the database ([`recompute`]).

use crate::groups::{Forest, SourceKind};
use crate::store::{Cover, MembershipDelta, OrgTx, Tally};
use crate::{Error, Result, ZohoId};
use std::collections::{HashMap, HashSet};

/// What membership depends on, of one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserState {
    pub id: ZohoId,
    /// Not deleted (disabled users count).
    pub live: bool,
    /// Active (counted apart, for the split into active and inactive).
    pub active: bool,
    pub role: ZohoId,
    pub territories: Vec<ZohoId>,
}

/// A user changed (`None`: did not exist before, or no longer counts).
pub async fn user_changed(
    tx: &mut dyn OrgTx,
    before: Option<&UserState>,
    after: Option<&UserState>,
) -> Result<()> {
    let states: Vec<&UserState> = before.into_iter().chain(after).collect();
    let Some(user) = states.first().map(|s| s.id) else {
        return Ok(());
    };
    let roles = unique(states.iter().map(|s| s.role));
    let territories = unique(states.iter().flat_map(|s| s.territories.iter().copied()));
    let hits = tx.cover_hits(&roles, &territories, Some(user)).await?;
    let delta = user_delta(&hits, before, after);
    if delta.is_empty() {
        return Ok(());
    }
    tx.apply_membership(&delta).await
}

/// The counts a user's change moves, given every group covering what the
/// user had or has (`hits`: (group, what, node)).
pub fn user_delta(
    hits: &[(ZohoId, Cover, ZohoId)],
    before: Option<&UserState>,
    after: Option<&UserState>,
) -> MembershipDelta {
    let mut by_group: HashMap<ZohoId, HashSet<(Cover, ZohoId)>> = HashMap::new();
    for (group, kind, node) in hits {
        by_group.entry(*group).or_default().insert((*kind, *node));
    }
    let (before, after) = (before.filter(|s| s.live), after.filter(|s| s.live));
    let mut delta = MembershipDelta::default();
    for (group, covered) in &by_group {
        // (covered by role, in X) before and after.
        let state = |s: Option<&UserState>| match s {
            None => (false, false),
            Some(s) => (
                covered.contains(&(Cover::Roles, s.role)),
                covered.contains(&(Cover::Users, s.id))
                    || s.territories
                        .iter()
                        .any(|t| covered.contains(&(Cover::Territories, *t))),
            ),
        };
        let ((r0, x0), (r1, x1)) = (state(before), state(after));
        let counted = |s: Option<&UserState>, member: bool| {
            s.filter(|_| member).map(weight).unwrap_or_default()
        };
        let member = counted(after, r1 || x1) - counted(before, r0 || x0);
        if !member.is_zero() {
            delta.members.push((*group, member));
        }
        if let Some(s) = before.filter(|_| x0) {
            delta.cross.push((*group, s.role, weight(s) * -1));
        }
        if let Some(s) = after.filter(|_| x1) {
            delta.cross.push((*group, s.role, weight(s)));
        }
    }
    if let Some(s) = before {
        delta.live.push((s.role, weight(s) * -1));
    }
    if let Some(s) = after {
        delta.live.push((s.role, weight(s)));
    }
    delta.cross = net(delta.cross.into_iter().map(|(g, r, n)| ((g, r), n)))
        .map(|((g, r), n)| (g, r, n))
        .collect();
    delta.live = net(delta.live).collect();
    delta
}

/// What a live user weighs in the counts.
fn weight(user: &UserState) -> Tally {
    Tally::one(user.active)
}

/// Sums the changes per key and keeps the non-zero ones.
fn net<K: std::hash::Hash + Eq, V: Copy + Default + PartialEq + std::ops::AddAssign>(
    changes: impl IntoIterator<Item = (K, V)>,
) -> impl Iterator<Item = (K, V)> {
    let mut sums: HashMap<K, V> = HashMap::new();
    for (key, n) in changes {
        *sums.entry(key).or_default() += n;
    }
    sums.into_iter().filter(|(_, n)| *n != V::default())
}

fn unique(ids: impl IntoIterator<Item = ZohoId>) -> Vec<ZohoId> {
    let set: HashSet<ZohoId> = ids.into_iter().collect();
    set.into_iter().collect()
}

impl UserState {
    /// `user`'s state, with the territories it is associated with.
    pub fn of(user: &crate::users::User, territories: Vec<ZohoId>) -> UserState {
        use crate::users::UserStatus;
        UserState {
            id: user.id,
            live: user.status != UserStatus::Deleted,
            active: user.status == UserStatus::Active,
            role: user.role_id,
            territories,
        }
    }
}

/// A user's state as the transaction sees it.
pub async fn user_state(tx: &mut dyn OrgTx, user: &crate::users::User) -> Result<UserState> {
    let territories = tx.territories_of(user.id).await?;
    Ok(UserState::of(user, territories))
}

/// Per group: how the number of its paths through `kind` sources with
/// subordinates on a moved node's strict ancestors changes between the old
/// and the new chain (node first). Groups left unchanged are not listed.
async fn move_shifts(
    tx: &mut dyn OrgTx,
    kind: SourceKind,
    old_chain: &[ZohoId],
    new_chain: &[ZohoId],
) -> Result<Vec<(ZohoId, i64)>> {
    let strict = |chain: &[ZohoId]| -> Vec<ZohoId> { chain.iter().skip(1).copied().collect() };
    let (old, new) = (strict(old_chain), strict(new_chain));
    let named = unique(old.iter().chain(&new).copied());
    let mut shifts: HashMap<ZohoId, i64> = HashMap::new();
    for (group, node) in tx.subordinate_paths(kind, &named).await? {
        *shifts.entry(group).or_default() +=
            i64::from(new.contains(&node)) - i64::from(old.contains(&node));
    }
    Ok(net(shifts).collect())
}

/// A role or territory was created (its chain, itself first): the groups
/// with sources with subordinates on its ancestors cover it too. It has no
/// users yet, so no count moves.
pub async fn node_created(tx: &mut dyn OrgTx, kind: SourceKind, chain: &[ZohoId]) -> Result<()> {
    let (Some(node), Some(cover)) = (chain.first().copied(), cover_of(kind)) else {
        return Ok(());
    };
    let shifts = move_shifts(tx, kind, &[node], chain).await?;
    if !shifts.is_empty() {
        tx.shift_cover(cover, &shifts, &[node]).await?;
    }
    Ok(())
}

/// The coverage a kind of tree source gives.
fn cover_of(kind: SourceKind) -> Option<Cover> {
    match kind {
        SourceKind::Roles => Some(Cover::Roles),
        SourceKind::Territories => Some(Cover::Territories),
        SourceKind::Users | SourceKind::Groups => None,
    }
}

/// A role moved in the tree (its chains before and after, itself first).
pub async fn role_moved(
    tx: &mut dyn OrgTx,
    old_chain: &[ZohoId],
    new_chain: &[ZohoId],
) -> Result<()> {
    let shifts = move_shifts(tx, SourceKind::Roles, old_chain, new_chain).await?;
    let Some(root) = old_chain.first().copied().filter(|_| !shifts.is_empty()) else {
        return Ok(());
    };
    let roles: Vec<ZohoId> = Forest::new(&tx.role_parents().await?)
        .subtree(root)
        .into_iter()
        .collect();
    let shift_of: HashMap<ZohoId, i64> = shifts.iter().copied().collect();
    // (group, role) pairs whose coverage flips, with +1 (now covered) or -1.
    let mut flips: Vec<(ZohoId, ZohoId, i64)> = Vec::new();
    for (group, role, after) in tx.shift_cover(Cover::Roles, &shifts, &roles).await? {
        let before = after - shift_of.get(&group).copied().unwrap_or(0);
        if after < 0 || before < 0 {
            return Err(Error::Internal(format!(
                "group {group}: role {role} covered {after} times"
            )));
        }
        match (before > 0, after > 0) {
            (false, true) => flips.push((group, role, 1)),
            (true, false) => flips.push((group, role, -1)),
            _ => {}
        }
    }
    if flips.is_empty() {
        return Ok(());
    }
    let flipped_groups = unique(flips.iter().map(|f| f.0));
    let flipped_roles = unique(flips.iter().map(|f| f.1));
    let live: HashMap<ZohoId, Tally> = tx
        .role_live_counts(&flipped_roles)
        .await?
        .into_iter()
        .collect();
    let cross: HashMap<(ZohoId, ZohoId), Tally> = tx
        .cross_counts(Some(&flipped_groups), &flipped_roles)
        .await?
        .into_iter()
        .map(|(g, r, n)| ((g, r), n))
        .collect();
    let members = flips.into_iter().map(|(group, role, sign)| {
        let live = live.get(&role).copied().unwrap_or_default();
        let cross = cross.get(&(group, role)).copied().unwrap_or_default();
        (group, (live - cross) * sign)
    });
    let delta = MembershipDelta {
        members: net(members).collect(),
        ..MembershipDelta::default()
    };
    tx.apply_membership(&delta).await
}

/// A territory moved in the tree (its chains before and after, itself
/// first): the coverage of its subtree shifts in the groups whose sources
/// with sub-territories sit on its old or new ancestors, and the users of
/// the subtree are evaluated again for those groups.
pub async fn territory_moved(
    tx: &mut dyn OrgTx,
    old_chain: &[ZohoId],
    new_chain: &[ZohoId],
) -> Result<()> {
    let shifts = move_shifts(tx, SourceKind::Territories, old_chain, new_chain).await?;
    let Some(root) = old_chain.first().copied().filter(|_| !shifts.is_empty()) else {
        return Ok(());
    };
    let subtree: HashSet<ZohoId> = Forest::new(&tx.territory_parents().await?).subtree(root);
    let moved: Vec<ZohoId> = subtree.iter().copied().collect();
    let groups: Vec<ZohoId> = shifts.iter().map(|s| s.0).collect();
    // The users of the subtree, each with its role, its weight and all its
    // territories.
    let mut users: HashMap<ZohoId, (ZohoId, Tally, Vec<ZohoId>)> = HashMap::new();
    for row in tx.territory_user_rows(&moved).await? {
        users
            .entry(row.user)
            .or_insert((row.role, Tally::one(row.active), Vec::new()))
            .2
            .push(row.territory);
    }
    let ids: Vec<ZohoId> = users.keys().copied().collect();
    let roles = unique(users.values().map(|u| u.0));
    let others = unique(
        users
            .values()
            .flat_map(|u| u.2.iter().copied())
            .filter(|t| !subtree.contains(t)),
    );
    let pairs =
        |rows: Vec<(ZohoId, ZohoId)>| -> HashSet<(ZohoId, ZohoId)> { rows.into_iter().collect() };
    let other_cover = pairs(tx.cover_rows(Cover::Territories, &groups, &others).await?);
    let user_cover = pairs(tx.cover_rows(Cover::Users, &groups, &ids).await?);
    let role_cover = pairs(tx.cover_rows(Cover::Roles, &groups, &roles).await?);
    let mut moved_after: HashMap<(ZohoId, ZohoId), i64> = HashMap::new();
    for (group, territory, after) in tx.shift_cover(Cover::Territories, &shifts, &moved).await? {
        moved_after.insert((group, territory), after);
    }
    // Territories and roles numbered densely, each user as its role and
    // territories by number: a user's state in a group is then a few array
    // reads, which matters at groups x users evaluations.
    let territory_list: Vec<ZohoId> = moved.iter().chain(&others).copied().collect();
    let territory_slot: HashMap<ZohoId, u32> = (0u32..)
        .zip(territory_list.iter().copied())
        .map(|(i, t)| (t, i))
        .collect();
    let role_list = roles;
    let role_slot: HashMap<ZohoId, u32> = (0u32..)
        .zip(role_list.iter().copied())
        .map(|(i, r)| (r, i))
        .collect();
    let mut flat: Vec<u32> = Vec::new();
    let mut dense: Vec<(u32, Tally, std::ops::Range<usize>)> = Vec::with_capacity(users.len());
    let mut dense_of: HashMap<ZohoId, usize> = HashMap::with_capacity(users.len());
    for (user, (role, weight, territories)) in &users {
        let start = flat.len();
        flat.extend(territories.iter().map(|t| territory_slot[t]));
        dense_of.insert(*user, dense.len());
        dense.push((role_slot[role], *weight, start..flat.len()));
    }
    let mut named: HashMap<ZohoId, Vec<usize>> = HashMap::new();
    for (group, user) in &user_cover {
        if let Some(i) = dense_of.get(user) {
            named.entry(*group).or_default().push(*i);
        }
    }
    let mut members: Vec<(ZohoId, Tally)> = Vec::new();
    let mut cross: Vec<(ZohoId, ZohoId, Tally)> = Vec::new();
    let (mut before, mut after) = (
        vec![false; territory_list.len()],
        vec![false; territory_list.len()],
    );
    let mut by_role = vec![Tally::default(); role_list.len()];
    for (group, shift) in &shifts {
        for (i, t) in territory_list.iter().enumerate() {
            (before[i], after[i]) = if subtree.contains(t) {
                let now = moved_after.get(&(*group, *t)).copied().unwrap_or(0);
                (now - shift > 0, now > 0)
            } else {
                let covered = other_cover.contains(&(*group, *t));
                (covered, covered)
            };
        }
        // +1 when the user enters X (reached through territories), -1 when it leaves.
        let flip = |range: &std::ops::Range<usize>| -> i64 {
            let slots = &flat[range.clone()];
            let x0 = slots.iter().any(|s| before[*s as usize]);
            let x1 = slots.iter().any(|s| after[*s as usize]);
            i64::from(x1) - i64::from(x0)
        };
        for (role, weight, range) in &dense {
            by_role[*role as usize] += *weight * flip(range);
        }
        // A user the group names is in X all along: it flips nothing.
        for i in named.get(group).into_iter().flatten() {
            let (role, weight, range) = &dense[*i];
            by_role[*role as usize] += *weight * -flip(range);
        }
        let mut moved_members = Tally::default();
        for (slot, n) in by_role.iter_mut().enumerate() {
            if n.is_zero() {
                continue;
            }
            let role = role_list[slot];
            cross.push((*group, role, *n));
            if !role_cover.contains(&(*group, role)) {
                moved_members += *n;
            }
            *n = Tally::default();
        }
        if !moved_members.is_zero() {
            members.push((*group, moved_members));
        }
    }
    let delta = MembershipDelta {
        members,
        cross,
        live: Vec::new(),
    };
    if delta.is_empty() {
        return Ok(());
    }
    tx.apply_membership(&delta).await
}

/// Every user of role `from` now has role `to` (a role deleted with
/// `transfer_to_id`): their live count and cross counts move to `to`, and
/// each group's member count follows its coverage of the two roles.
pub async fn roles_merged(tx: &mut dyn OrgTx, from: ZohoId, to: ZohoId) -> Result<()> {
    if from == to {
        return Ok(());
    }
    let live = tx
        .role_live_counts(&[from])
        .await?
        .into_iter()
        .fold(Tally::default(), |sum, (_, n)| sum + n);
    let cross: HashMap<ZohoId, Tally> = tx
        .cross_counts(None, &[from])
        .await?
        .into_iter()
        .map(|(g, _, n)| (g, n))
        .collect();
    let mut covers: HashMap<ZohoId, (bool, bool)> = HashMap::new();
    for (group, _, role) in tx.cover_hits(&[from, to], &[], None).await? {
        let entry = covers.entry(group).or_default();
        if role == from {
            entry.0 = true;
        } else {
            entry.1 = true;
        }
    }
    let groups = unique(covers.keys().chain(cross.keys()).copied());
    let mut delta = MembershipDelta::default();
    for group in groups {
        let (from_covered, to_covered) = covers.get(&group).copied().unwrap_or_default();
        let x = cross.get(&group).copied().unwrap_or_default();
        let share = |covered: bool| if covered { live } else { x };
        let member = share(to_covered) - share(from_covered);
        if !member.is_zero() {
            delta.members.push((group, member));
        }
        if !x.is_zero() {
            delta.cross.push((group, from, x * -1));
            delta.cross.push((group, to, x));
        }
    }
    if !live.is_zero() {
        delta.live = vec![(from, live * -1), (to, live)];
    }
    if delta.is_empty() {
        return Ok(());
    }
    tx.apply_membership(&delta).await
}

/// Recomputes `groups` and every group nesting them, from scratch.
pub async fn recompute(tx: &mut dyn OrgTx, groups: &[ZohoId]) -> Result<()> {
    if groups.is_empty() {
        return Ok(());
    }
    let all = tx.nesting_groups(groups).await?;
    let all = unique(all.into_iter().chain(groups.iter().copied()));
    tx.recompute_groups(&all).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(role: i64, territories: &[i64]) -> UserState {
        UserState {
            id: ZohoId(1),
            live: true,
            active: true,
            role: ZohoId(role),
            territories: territories.iter().map(|t| ZohoId(*t)).collect(),
        }
    }

    const ONE: Tally = Tally { live: 1, active: 1 };

    fn sorted<T: Ord + Clone>(rows: &[T]) -> Vec<T> {
        let mut rows = rows.to_vec();
        rows.sort();
        rows
    }

    #[test]
    fn a_user_counts_once_however_reached() {
        let id = ZohoId;
        // Group 10 covers role 5 and territory 7; group 11 only territory 7.
        let hits = [
            (id(10), Cover::Roles, id(5)),
            (id(10), Cover::Territories, id(7)),
            (id(11), Cover::Territories, id(7)),
        ];
        let created = user_delta(&hits, None, Some(&state(5, &[7])));
        let groups =
            |rows: &[(ZohoId, Tally)]| sorted(&rows.iter().map(|r| r.0).collect::<Vec<_>>());
        assert_eq!(groups(&created.members), vec![id(10), id(11)]);
        assert!(created.members.iter().all(|(_, n)| *n == ONE));
        let cross: Vec<_> = created.cross.iter().map(|(g, r, _)| (*g, *r)).collect();
        assert_eq!(sorted(&cross), vec![(id(10), id(5)), (id(11), id(5))]);
        assert_eq!(created.live, vec![(id(5), ONE)]);
        // Leaving territory 7: still in group 10 by role, out of group 11.
        let left = user_delta(&hits, Some(&state(5, &[7])), Some(&state(5, &[])));
        assert_eq!(left.members, vec![(id(11), ONE * -1)]);
        assert!(left.live.is_empty());
    }

    #[test]
    fn a_deleted_user_leaves_every_group() {
        let id = ZohoId;
        let hits = [(id(10), Cover::Roles, id(5)), (id(12), Cover::Users, id(1))];
        let mut gone = state(5, &[]);
        gone.live = false;
        let delta = user_delta(&hits, Some(&state(5, &[])), Some(&gone));
        let members: Vec<_> = delta
            .members
            .iter()
            .map(|(g, n)| (*g, n.live, n.active))
            .collect();
        assert_eq!(sorted(&members), vec![(id(10), -1, -1), (id(12), -1, -1)]);
        assert_eq!(delta.cross, vec![(id(12), id(5), ONE * -1)]);
        assert_eq!(delta.live, vec![(id(5), ONE * -1)]);
    }

    #[test]
    fn a_deactivated_user_stays_a_member_but_not_an_active_one() {
        let id = ZohoId;
        let hits = [(id(10), Cover::Roles, id(5)), (id(12), Cover::Users, id(1))];
        let mut disabled = state(5, &[]);
        disabled.active = false;
        let off = Tally {
            live: 0,
            active: -1,
        };
        let delta = user_delta(&hits, Some(&state(5, &[])), Some(&disabled));
        assert_eq!(
            sorted(
                &delta
                    .members
                    .iter()
                    .map(|(g, n)| (*g, n.live, n.active))
                    .collect::<Vec<_>>()
            ),
            vec![(id(10), 0, -1), (id(12), 0, -1)]
        );
        assert_eq!(delta.cross, vec![(id(12), id(5), off)]);
        assert_eq!(delta.live, vec![(id(5), off)]);
        // And back: the same numbers the other way.
        let back = user_delta(&hits, Some(&disabled), Some(&state(5, &[])));
        assert_eq!(back.live, vec![(id(5), off * -1)]);
    }
}
