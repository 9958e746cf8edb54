//! The group membership model recomputed from scratch, in Rust, from the
//! directory alone: what `orgdir check` compares the kept model with. The
//! writes keep the model with their own rules (`service::membership`) and
//! bulk builds write it with SQL (`orgdir-store/src/membership.rs`); this
//! third derivation shares no code with either, so a bug in one shows as a
//! difference instead of agreeing with itself.

use crate::groups::{Forest, Source, SourceKind};
use crate::store::{MembershipInputs, MembershipModel, ModelPart, Tally};
use crate::ZohoId;
use rustc_hash::{FxHashMap, FxHashSet};

/// The model `inputs` give. Users are numbered densely, so that marking the
/// users a group reaches is an array write, not a set insert.
pub fn model_from_scratch(inputs: &MembershipInputs) -> MembershipModel {
    let mut sources: FxHashMap<ZohoId, Vec<&Source>> = FxHashMap::default();
    for (group, source) in &inputs.sources {
        sources.entry(*group).or_default().push(source);
    }
    let roles = Forest::new(&inputs.role_parents);
    let territories = Forest::new(&inputs.territory_parents);
    let mut subtrees: FxHashMap<(SourceKind, ZohoId), Vec<ZohoId>> = FxHashMap::default();
    let index: FxHashMap<ZohoId, u32> = inputs
        .users
        .iter()
        .enumerate()
        .map(|(i, user)| (user.id, i as u32))
        .collect();
    let mut members_of: FxHashMap<ZohoId, Vec<u32>> = FxHashMap::default();
    for (territory, user) in &inputs.territory_users {
        if let Some(i) = index.get(user) {
            members_of.entry(*territory).or_default().push(*i);
        }
    }
    let mut model = MembershipModel::default();
    for user in inputs.users.iter().filter(|u| u.live) {
        *model.live.entry((user.role, ZohoId(0))).or_default() += 1;
        if user.active {
            *model.active.entry((user.role, ZohoId(0))).or_default() += 1;
        }
    }
    // `reached_by[i] == mark` when user `i` is already reached by the group
    // numbered `mark`.
    let mut reached_by = vec![0u32; inputs.users.len()];
    for (mark, (group, _)) in (1u32..).zip(&inputs.groups) {
        let mut reached: Vec<u32> = Vec::new();
        let mut covered_territories: FxHashSet<ZohoId> = FxHashSet::default();
        for member in reach_of(*group, &sources) {
            model.reach.insert((*group, member), 1);
            for source in sources.get(&member).into_iter().flatten() {
                let (cover, forest) = match source.kind {
                    SourceKind::Roles => (&mut model.role_cover, &roles),
                    SourceKind::Territories => (&mut model.territory_cover, &territories),
                    SourceKind::Users => {
                        *model.user_cover.entry((*group, source.id)).or_default() += 1;
                        reached.extend(index.get(&source.id));
                        continue;
                    }
                    SourceKind::Groups => continue,
                };
                let single = [source.id];
                let nodes: &[ZohoId] = if source.subordinates {
                    subtrees
                        .entry((source.kind, source.id))
                        .or_insert_with(|| forest.subtree(source.id).into_iter().collect())
                } else {
                    &single
                };
                if source.kind == SourceKind::Territories {
                    covered_territories.extend(nodes);
                }
                for node in nodes {
                    *cover.entry((*group, *node)).or_default() += 1;
                }
            }
        }
        for territory in &covered_territories {
            reached.extend(members_of.get(territory).into_iter().flatten());
        }
        let mut cross: FxHashMap<ZohoId, Tally> = FxHashMap::default();
        for i in reached {
            let slot = &mut reached_by[i as usize];
            if *slot == mark {
                continue;
            }
            *slot = mark;
            let user = inputs.users[i as usize];
            if user.live {
                *cross.entry(user.role).or_default() += Tally::one(user.active);
            }
        }
        for (role, n) in cross {
            model.cross.insert((*group, role), n.live);
            if n.active != 0 {
                model.active_cross.insert((*group, role), n.active);
            }
        }
    }
    model
}

/// Every group `group` reaches through nested-group sources, itself included.
fn reach_of(group: ZohoId, sources: &FxHashMap<ZohoId, Vec<&Source>>) -> FxHashSet<ZohoId> {
    let mut reach = FxHashSet::default();
    let mut stack = vec![group];
    while let Some(g) = stack.pop() {
        if reach.insert(g) {
            for source in sources.get(&g).into_iter().flatten() {
                if source.kind == SourceKind::Groups {
                    stack.push(source.id);
                }
            }
        }
    }
    reach
}

/// Each group's member counts (all, and active) by the model's formula:
/// the users of the roles it covers plus its cross counts of the roles it
/// does not.
pub fn member_counts(model: &MembershipModel) -> FxHashMap<ZohoId, Tally> {
    let mut counts: FxHashMap<ZohoId, Tally> = FxHashMap::default();
    let of = |part: &ModelPart, key| part.get(&key).copied().unwrap_or(0);
    for (group, role) in model.role_cover.keys() {
        let key = (*role, ZohoId(0));
        *counts.entry(*group).or_default() += Tally {
            live: of(&model.live, key),
            active: of(&model.active, key),
        };
    }
    for ((group, role), n) in &model.cross {
        if !model.role_cover.contains_key(&(*group, *role)) {
            *counts.entry(*group).or_default() += Tally {
                live: *n,
                active: of(&model.active_cross, (*group, *role)),
            };
        }
    }
    counts
}

/// How many rows are in one of two parts but not in the other with the
/// same value (a row whose value differs counts once).
pub fn differing(kept: &ModelPart, recomputed: &ModelPart) -> u64 {
    let changed_or_extra = kept
        .iter()
        .filter(|(key, value)| recomputed.get(key) != Some(value))
        .count();
    let missing = recomputed
        .keys()
        .filter(|key| !kept.contains_key(key))
        .count();
    (changed_or_extra + missing) as u64
}
