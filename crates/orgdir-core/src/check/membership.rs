//! The group membership model recomputed from scratch, in Rust, from the
//! directory alone: what `orgdir check` compares the kept model with. The
//! writes keep the model with their own rules (`service::membership`) and
//! bulk builds write it with SQL (`orgdir-store/src/membership.rs`); this
//! third derivation shares no code with either, so a bug in one shows as a
//! difference instead of agreeing with itself.

use crate::groups::{Forest, SourceKind};
use crate::store::{MembershipInputs, MembershipModel, ModelPart};
use crate::ZohoId;
use std::collections::{HashMap, HashSet};

/// The model `inputs` give.
pub fn model_from_scratch(inputs: &MembershipInputs) -> MembershipModel {
    let mut sources: HashMap<ZohoId, Vec<&crate::groups::Source>> = HashMap::new();
    for (group, source) in &inputs.sources {
        sources.entry(*group).or_default().push(source);
    }
    let roles = Forest::new(&inputs.role_parents);
    let territories = Forest::new(&inputs.territory_parents);
    let mut subtrees: HashMap<(SourceKind, ZohoId), Vec<ZohoId>> = HashMap::new();
    let mut members_of: HashMap<ZohoId, Vec<ZohoId>> = HashMap::new();
    for (territory, user) in &inputs.territory_users {
        members_of.entry(*territory).or_default().push(*user);
    }
    let users: HashMap<ZohoId, (ZohoId, bool)> = inputs
        .users
        .iter()
        .map(|(id, role, live)| (*id, (*role, *live)))
        .collect();
    let mut model = MembershipModel::default();
    for (role, live) in users.values() {
        if *live {
            *model.live.entry((*role, ZohoId(0))).or_default() += 1;
        }
    }
    for (group, _) in &inputs.groups {
        let reach = reach_of(*group, &sources);
        let mut reached: HashSet<ZohoId> = HashSet::new();
        let mut covered_territories: Vec<ZohoId> = Vec::new();
        for member in &reach {
            model.reach.insert((*group, *member), 1);
            for source in sources.get(member).into_iter().flatten() {
                let (cover, forest) = match source.kind {
                    SourceKind::Roles => (&mut model.role_cover, &roles),
                    SourceKind::Territories => (&mut model.territory_cover, &territories),
                    SourceKind::Users => {
                        *model.user_cover.entry((*group, source.id)).or_default() += 1;
                        reached.insert(source.id);
                        continue;
                    }
                    SourceKind::Groups => continue,
                };
                let nodes = if source.subordinates {
                    subtrees
                        .entry((source.kind, source.id))
                        .or_insert_with(|| forest.subtree(source.id).into_iter().collect())
                        .clone()
                } else {
                    vec![source.id]
                };
                if source.kind == SourceKind::Territories {
                    covered_territories.extend(&nodes);
                }
                for node in nodes {
                    *cover.entry((*group, node)).or_default() += 1;
                }
            }
        }
        for territory in covered_territories {
            reached.extend(members_of.get(&territory).into_iter().flatten().copied());
        }
        for user in reached {
            if let Some((role, true)) = users.get(&user) {
                *model.cross.entry((*group, *role)).or_default() += 1;
            }
        }
    }
    model
}

/// Every group `group` reaches through nested-group sources, itself included.
fn reach_of(
    group: ZohoId,
    sources: &HashMap<ZohoId, Vec<&crate::groups::Source>>,
) -> HashSet<ZohoId> {
    let mut reach = HashSet::new();
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

/// Each group's member count by the model's formula: the live users of the
/// roles it covers plus its cross counts of the roles it does not.
pub fn member_counts(model: &MembershipModel) -> HashMap<ZohoId, i64> {
    let mut counts: HashMap<ZohoId, i64> = HashMap::new();
    for (group, role) in model.role_cover.keys() {
        let live = model.live.get(&(*role, ZohoId(0))).copied().unwrap_or(0);
        *counts.entry(*group).or_default() += live;
    }
    for ((group, role), n) in &model.cross {
        if !model.role_cover.contains_key(&(*group, *role)) {
            *counts.entry(*group).or_default() += n;
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
