//! Helpers for the benchmark programs in `benches/`: generated orgs of a
//! given size (as org documents, imported in one transaction) and timing.

use orgdir_core::document::{
    DocGroup, DocOrg, DocProfile, DocRole, DocSource, DocTerritory, DocUser, OrgDocument, FORMAT,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

/// The size of a generated org.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub users: usize,
    pub roles: usize,
    pub territories: usize,
    pub groups: usize,
    /// Share of groups that nest one or two earlier groups.
    pub nesting: f64,
}

/// Reads `ORGDIR_BENCH_<NAME>` as a number, or `default`.
pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(format!("ORGDIR_BENCH_{name}"))
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const ORG: i64 = 5_550_001;

/// The id of the `n`-th generated record.
pub fn id(n: usize) -> String {
    (ORG * 1_000_000_000_000 + 1_000 + n as i64).to_string()
}

/// Id offsets of each kind of record.
pub const PROFILE_BASE: usize = 0;
pub const ROLE_BASE: usize = 10;
pub const TERRITORY_BASE: usize = 100_000;
pub const GROUP_BASE: usize = 200_000;
pub const USER_BASE: usize = 1_000_000;

/// A deterministic org of `shape`: roles and territories as random trees,
/// every user with a random role and territory, groups with random sources.
pub fn generate(shape: Shape, seed: u64) -> OrgDocument {
    let mut rng = StdRng::seed_from_u64(seed);
    let time = "2025-01-01T00:00:00+00:00".to_owned();
    let roles: Vec<DocRole> = (0..shape.roles)
        .map(|i| DocRole {
            id: id(ROLE_BASE + i),
            name: format!("Role {i}"),
            display_label: None,
            reporting_to: (i > 0).then(|| id(ROLE_BASE + rng.gen_range(0..i))),
            share_with_peers: false,
            description: None,
            created_time: time.clone(),
            modified_time: time.clone(),
        })
        .collect();
    let mut territories: Vec<DocTerritory> = (0..shape.territories)
        .map(|i| DocTerritory {
            id: id(TERRITORY_BASE + i),
            name: format!("Territory {i}"),
            api_name: None,
            description: None,
            manager: None,
            reporting_to: (i > 0).then(|| id(TERRITORY_BASE + rng.gen_range(0..i))),
            permission_type: "read_only".to_owned(),
            created_time: time.clone(),
            modified_time: time.clone(),
            created_by: None,
            modified_by: None,
            users: Vec::new(),
        })
        .collect();
    let users: Vec<DocUser> = (0..shape.users)
        .map(|i| {
            let user = id(USER_BASE + i);
            territories[rng.gen_range(0..shape.territories)]
                .users
                .push(user.clone());
            DocUser {
                id: user,
                email: format!("user{i}@bench.example"),
                first_name: None,
                last_name: format!("User {i}"),
                status: if i % 50 == 49 { "disabled" } else { "active" }.to_owned(),
                confirm: true,
                zuid: None,
                role: id(ROLE_BASE
                    + if i == 0 {
                        0
                    } else {
                        rng.gen_range(0..shape.roles)
                    }),
                profile: id(PROFILE_BASE + usize::from(i != 0)),
                primary: i == 0,
                extra: Default::default(),
                created_time: time.clone(),
                modified_time: time.clone(),
                created_by: None,
                modified_by: None,
            }
        })
        .collect();
    let groups: Vec<DocGroup> = (0..shape.groups)
        .map(|g| {
            let mut sources = vec![
                DocSource {
                    kind: "roles".to_owned(),
                    source: id(ROLE_BASE + rng.gen_range(1..shape.roles)),
                    subordinates: rng.gen_bool(0.3),
                },
                DocSource {
                    kind: "territories".to_owned(),
                    source: id(TERRITORY_BASE + rng.gen_range(1..shape.territories)),
                    subordinates: rng.gen_bool(0.3),
                },
            ];
            for _ in 0..rng.gen_range(1..4) {
                let user = id(USER_BASE + rng.gen_range(0..shape.users));
                if !sources.iter().any(|s| s.source == user) {
                    sources.push(DocSource {
                        kind: "users".to_owned(),
                        source: user,
                        subordinates: false,
                    });
                }
            }
            if g > 2 && rng.gen_bool(shape.nesting) {
                for _ in 0..rng.gen_range(1..3) {
                    let nested = id(GROUP_BASE + rng.gen_range(0..g));
                    if !sources.iter().any(|s| s.source == nested) {
                        sources.push(DocSource {
                            kind: "groups".to_owned(),
                            source: nested,
                            subordinates: false,
                        });
                    }
                }
            }
            DocGroup {
                id: id(GROUP_BASE + g),
                name: format!("Group {g}"),
                description: None,
                sources,
                created_time: time.clone(),
                modified_time: time.clone(),
                created_by: None,
                modified_by: None,
            }
        })
        .collect();
    let profile = |n: usize, name: &str, admin: bool| DocProfile {
        id: id(PROFILE_BASE + n),
        name: name.to_owned(),
        display_label: None,
        description: None,
        default: !admin,
        custom: false,
        admin,
        created_time: time.clone(),
        modified_time: time.clone(),
    };
    OrgDocument {
        orgdir_document: FORMAT,
        org: DocOrg {
            id: ORG.to_string(),
            name: "Bench".to_owned(),
            time_zone: "UTC".to_owned(),
            edition: "enterprise".to_owned(),
            licenses: u32::try_from(shape.users + 1).unwrap_or(u32::MAX),
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
    }
}

/// Runs `f` `n` times and returns the sorted durations.
pub async fn sample<F, Fut, T>(n: usize, mut f: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        std::hint::black_box(f().await);
        times.push(start.elapsed());
    }
    times.sort();
    times
}

/// The `p`-th percentile (0..=100) of sorted durations.
pub fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[(sorted.len() - 1) * p / 100]
}

/// Prints one figure line: median, p99, and the ratio of `baseline`'s median to this one.
pub fn report(label: &str, times: &[Duration], baseline: Option<&[Duration]>) {
    let median = percentile(times, 50);
    let ratio = baseline
        .map(|b| {
            format!(
                "  ({:.0}× faster than the baseline)",
                percentile(b, 50).as_secs_f64() / median.as_secs_f64().max(1e-9)
            )
        })
        .unwrap_or_default();
    println!(
        "{label:<58} median {:>10.3} ms   p99 {:>10.3} ms{ratio}",
        median.as_secs_f64() * 1000.0,
        percentile(times, 99).as_secs_f64() * 1000.0
    );
}
