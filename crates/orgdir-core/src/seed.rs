//! Deterministic generated orgs (`orgdir seed`, the benchmarks): a role tree,
//! a territory tree, users with mixed statuses, confirmations and admins,
//! territory memberships, and user groups with every kind of source,
//! including nested groups. The same [`SeedSpec`] always gives the same
//! document, byte for byte; it is written through the import path
//! ([`crate::document::import`]), which validates it and builds every
//! maintained count once at the end.

use crate::document::{
    DocGroup, DocOrg, DocProfile, DocRole, DocSource, DocTerritory, DocUser, OrgDocument, FORMAT,
};
use crate::ids::{OrgId, ZohoId};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The size and seed of a generated org. Also the baseline a seeded org
/// keeps, so that a reset regenerates it instead of storing the document.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSpec {
    pub seed: u64,
    pub users: usize,
    pub roles: usize,
    pub territories: usize,
    pub groups: usize,
    /// Share of groups that nest one or two earlier groups.
    pub nesting: f64,
}

impl SeedSpec {
    /// The generated org's id: a function of the seed alone.
    pub fn org_id(&self) -> OrgId {
        OrgId::from_seed(self.seed, 1)
    }

    /// The id of the `n`-th record after `base` (see the `*_BASE` constants).
    pub fn id(&self, base: i64, n: usize) -> ZohoId {
        ZohoId::compose(self.org_id(), base + n as i64)
    }
}

/// Sequence offsets of each kind of record, far enough apart for 10 million users.
pub const PROFILE_BASE: i64 = 1_000;
pub const ROLE_BASE: i64 = 10_000;
pub const TERRITORY_BASE: i64 = 2_000_000;
pub const GROUP_BASE: i64 = 4_000_000;
pub const USER_BASE: i64 = 10_000_000;

const FIRST_NAMES: [&str; 12] = [
    "Ada", "Bela", "Chen", "Dara", "Emil", "Fatima", "Goran", "Hana", "Ivo", "Jun", "Kofi", "Lena",
];
const LAST_NAMES: [&str; 10] = [
    "Ahmed", "Berg", "Costa", "Dubois", "Eze", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
];

/// Generates the org of `spec`. Roles and territories form random recursive
/// trees (shallow and bushy); user 0 is the primary admin. Of the others,
/// about 85% are active, 9% disabled and 6% deleted; 10% of live users are
/// unconfirmed (invited), 1% are administrators. Live users sit in 0, 1 or
/// 2 territories (20/60/20%). Each group has one to three sources: a role
/// (with subordinates for one in ten, from the deeper half of the tree), a
/// territory (likewise), one to five users, or, for a `nesting` share of
/// groups, one or two earlier groups.
pub fn generate(spec: &SeedSpec) -> OrgDocument {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let id = |base: i64, n: usize| spec.id(base, n).to_string();
    let time = "2025-01-01T00:00:00+00:00".to_owned();
    let roles_n = spec.roles.max(1);
    let territories_n = spec.territories.max(1);
    let users_n = spec.users.max(1);
    let roles: Vec<DocRole> = (0..roles_n)
        .map(|i| DocRole {
            id: id(ROLE_BASE, i),
            name: if i == 0 {
                "CEO".to_owned()
            } else {
                format!("Role {i}")
            },
            display_label: None,
            reporting_to: (i > 0).then(|| id(ROLE_BASE, rng.gen_range(0..i))),
            share_with_peers: false,
            description: None,
            created_time: time.clone(),
            modified_time: time.clone(),
        })
        .collect();
    // The primary admin (user 0) made everything, itself included, as in an
    // org where the admin built the directory.
    let primary_admin = id(USER_BASE, 0);
    let mut territories: Vec<DocTerritory> = (0..territories_n)
        .map(|i| DocTerritory {
            id: id(TERRITORY_BASE, i),
            name: format!("Territory {i}"),
            api_name: None,
            description: None,
            manager: None,
            reporting_to: (i > 0).then(|| id(TERRITORY_BASE, rng.gen_range(0..i))),
            permission_type: "read_only".to_owned(),
            created_time: time.clone(),
            modified_time: time.clone(),
            created_by: Some(primary_admin.clone()),
            modified_by: Some(primary_admin.clone()),
            users: Vec::new(),
        })
        .collect();
    let users: Vec<DocUser> = (0..users_n)
        .map(|i| {
            let user = id(USER_BASE, i);
            let roll: f64 = rng.gen();
            let status = match (i, roll) {
                (0, _) => "active",
                (_, r) if r < 0.85 => "active",
                (_, r) if r < 0.94 => "disabled",
                _ => "deleted",
            };
            let live = status != "deleted";
            let confirm = i == 0 || !live || rng.gen_bool(0.9);
            let admin = i == 0 || rng.gen_bool(0.01);
            if live {
                let k = match rng.gen_range(0..10) {
                    0 | 1 => 0,
                    8 | 9 => 2,
                    _ => 1,
                };
                let mut first = None;
                for _ in 0..k {
                    let t = rng.gen_range(0..territories_n);
                    if first != Some(t) {
                        territories[t].users.push(user.clone());
                        first = Some(t);
                    }
                }
            }
            DocUser {
                id: user,
                email: format!("user{i}@seed{}.example", spec.seed),
                first_name: Some(FIRST_NAMES[i % FIRST_NAMES.len()].to_owned()),
                last_name: format!("{} {i}", LAST_NAMES[(i / 7) % LAST_NAMES.len()]),
                status: status.to_owned(),
                confirm,
                zuid: None,
                role: id(
                    ROLE_BASE,
                    if i == 0 { 0 } else { rng.gen_range(0..roles_n) },
                ),
                profile: id(PROFILE_BASE, usize::from(!admin)),
                primary: i == 0,
                extra: Default::default(),
                created_time: time.clone(),
                modified_time: time.clone(),
                created_by: Some(primary_admin.clone()),
                modified_by: Some(primary_admin.clone()),
                password: None,
                password_hash: None,
            }
        })
        .collect();
    // Subordinate sources come from the deeper half, so that a few root-near
    // nodes do not put most of the org in most groups.
    let deep = |rng: &mut ChaCha8Rng, n: usize| rng.gen_range(n / 2..n.max(1));
    let groups: Vec<DocGroup> = (0..spec.groups)
        .map(|g| {
            let mut sources: Vec<DocSource> = Vec::new();
            let mut push = |kind: &str, source: String, subordinates: bool| {
                if !sources.iter().any(|s| s.source == source) {
                    sources.push(DocSource {
                        kind: kind.to_owned(),
                        source,
                        subordinates,
                    });
                }
            };
            let nests = g > 0 && rng.gen_bool(spec.nesting.clamp(0.0, 1.0));
            if nests {
                for _ in 0..rng.gen_range(1..3) {
                    push("groups", id(GROUP_BASE, rng.gen_range(0..g)), false);
                }
            }
            for _ in 0..rng.gen_range(usize::from(nests)..=3).max(1) {
                match rng.gen_range(0..10) {
                    0..=3 => {
                        let subordinates = rng.gen_bool(0.1);
                        let role = if subordinates {
                            deep(&mut rng, roles_n)
                        } else {
                            rng.gen_range(0..roles_n)
                        };
                        push("roles", id(ROLE_BASE, role), subordinates);
                    }
                    4..=7 => {
                        let subordinates = rng.gen_bool(0.1);
                        let territory = if subordinates {
                            deep(&mut rng, territories_n)
                        } else {
                            rng.gen_range(0..territories_n)
                        };
                        push("territories", id(TERRITORY_BASE, territory), subordinates);
                    }
                    _ => {
                        for _ in 0..rng.gen_range(1..=5) {
                            push(
                                "users",
                                id(USER_BASE, rng.gen_range(1..users_n.max(2))),
                                false,
                            );
                        }
                    }
                }
            }
            DocGroup {
                id: id(GROUP_BASE, g),
                name: format!("Group {g}"),
                description: (g % 3 == 0).then(|| format!("Generated group {g}")),
                sources,
                created_time: time.clone(),
                modified_time: time.clone(),
                created_by: Some(primary_admin.clone()),
                modified_by: Some(primary_admin.clone()),
            }
        })
        .collect();
    // A user source must name a live user: drop those the dice made deleted.
    let deleted: std::collections::HashSet<&str> = users
        .iter()
        .filter(|u| u.status == "deleted")
        .map(|u| u.id.as_str())
        .collect();
    let groups = groups
        .into_iter()
        .map(|mut g| {
            g.sources
                .retain(|s| !(s.kind == "users" && deleted.contains(s.source.as_str())));
            g
        })
        .collect();
    let profile = |n: usize, name: &str, admin: bool| DocProfile {
        id: id(PROFILE_BASE, n),
        name: name.to_owned(),
        display_label: None,
        description: None,
        default: !admin,
        custom: false,
        admin,
        disabled_permissions: Vec::new(),
        created_time: time.clone(),
        modified_time: time.clone(),
    };
    OrgDocument {
        orgdir_document: FORMAT,
        org: DocOrg {
            id: spec.org_id().0.to_string(),
            name: format!("Seeded org {}", spec.seed),
            time_zone: "UTC".to_owned(),
            edition: "enterprise".to_owned(),
            // Room to create as many users again (benchmarks write).
            licenses: u32::try_from(users_n.saturating_mul(2) + 1_000).unwrap_or(u32::MAX),
            created_time: time.clone(),
            next_sequence: None,
        },
        profiles: vec![
            profile(0, "Administrator", true),
            profile(1, "Standard", false),
        ],
        roles,
        users,
        territories,
        user_groups: groups,
        users_unavailability: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(seed: u64) -> SeedSpec {
        SeedSpec {
            seed,
            users: 2_000,
            roles: 40,
            territories: 60,
            groups: 80,
            nesting: 0.1,
        }
    }

    #[test]
    fn same_seed_same_document() {
        assert_eq!(generate(&spec(7)), generate(&spec(7)));
        assert_ne!(generate(&spec(7)), generate(&spec(8)));
    }

    #[test]
    fn generated_documents_validate_and_mix_everything() {
        let doc = generate(&spec(3));
        crate::document::validate(&doc).expect("a generated org is valid");
        let status = |s: &str| doc.users.iter().filter(|u| u.status == s).count();
        assert!(status("active") > 0 && status("disabled") > 0 && status("deleted") > 0);
        assert!(doc.users.iter().any(|u| !u.confirm));
        let kinds: std::collections::HashSet<&str> = doc
            .user_groups
            .iter()
            .flat_map(|g| g.sources.iter().map(|s| s.kind.as_str()))
            .collect();
        assert_eq!(kinds.len(), 4, "every source type appears: {kinds:?}");
    }
}
