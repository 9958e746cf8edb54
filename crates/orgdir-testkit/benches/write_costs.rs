//! Benchmark: what each kind of directory write costs with the group
//! membership model (issue 12), in a generated org, measured twice: with
//! the org's own groups, and again after adding many groups that cover none
//! of the written users, roles or territories. A write whose cost follows
//! the structure it touches shows the same figure in both columns. A first
//! round warms the caches and is not reported.
//!
//! `cargo bench -p orgdir-testkit --bench write_costs`
//! Knobs: `ORGDIR_BENCH_USERS` (100000), `ORGDIR_BENCH_ROLES` (1000),
//! `ORGDIR_BENCH_TERRITORIES` (2000), `ORGDIR_BENCH_GROUPS` (100),
//! `ORGDIR_BENCH_EXTRA_GROUPS` (10000), `ORGDIR_BENCH_REPS` (40),
//! `ORGDIR_BENCH_POSTGRES=1`.

use orgdir_core::groups::{GroupPatch, NewGroup, Source, SourceKind};
use orgdir_core::org::{NewRole, RolePatch};
use orgdir_core::scopes::ScopeSet;
use orgdir_core::service::{groups, roles, territories, tokens, users, Directory};
use orgdir_core::sessions::Caller;
use orgdir_core::territories::{NewTerritory, TerritoryPatch};
use orgdir_core::users::{NewUser, UserPatch};
use orgdir_core::{Error, ZohoId};
use orgdir_testkit::bench::{env_or, generate, percentile, SeedSpec, USER_BASE};
use orgdir_testkit::{assert_counts_exact, Backend, TestDb};
use std::collections::HashMap;
use std::time::{Duration, Instant};

fn zid(text: &str) -> ZohoId {
    ZohoId::parse(text).expect("id")
}

fn missing() -> Error {
    Error::invalid_path(1, "missing")
}

/// The nodes the measured writes use, picked from the generated org.
struct Plan {
    /// A role with users and a parent, and a second parent to move it to.
    role: ZohoId,
    other_role: ZohoId,
    /// A leaf role with users: what the role move carries.
    leaf_role: (ZohoId, usize),
    territory: ZohoId,
    other_territory: ZohoId,
    profile: ZohoId,
}

/// One write kind's timings, in order of measurement.
type Timings = Vec<(&'static str, Vec<Duration>)>;

/// Times `f` once and records it under `kind`.
async fn timed<T>(
    out: &mut Timings,
    kind: &'static str,
    f: impl std::future::Future<Output = orgdir_core::Result<T>>,
) -> T {
    let start = Instant::now();
    let value = f.await.unwrap_or_else(|e| panic!("{kind}: {e}"));
    let took = start.elapsed();
    match out.iter_mut().find(|(k, _)| *k == kind) {
        Some((_, times)) => times.push(took),
        None => out.push((kind, vec![took])),
    }
    value
}

/// Every write kind, `reps` times each, on nodes of `plan`.
async fn measure(
    dir: &Directory,
    admin: &Caller,
    plan: &Plan,
    reps: usize,
    round: &str,
) -> Timings {
    let mut out = Timings::new();
    let s = dir;
    let user_patch = |role| UserPatch {
        role_id: Some(role),
        path: "$.users[0]".into(),
        ..Default::default()
    };
    for i in 0..reps {
        let tag = format!("{round}{i}");
        let new = NewUser {
            email: format!("w{tag}@example.com"),
            first_name: None,
            last_name: format!("W{tag}"),
            role_id: plan.role,
            profile_id: plan.profile,
            extra: Default::default(),
        };
        let user = timed(
            &mut out,
            "user created",
            users::create(s, admin, new, "$.users[0]"),
        )
        .await;
        timed(
            &mut out,
            "user's role changed",
            users::update(s, admin, user, user_patch(plan.other_role), missing),
        )
        .await;
        let pair = || vec![(user, "$.users[0].id".to_owned())];
        timed(
            &mut out,
            "territory association added",
            territories::associate(s, admin, plan.territory, pair(), missing),
        )
        .await;
        timed(
            &mut out,
            "territory association removed",
            territories::disassociate(s, admin, plan.territory, pair(), missing),
        )
        .await;
        timed(
            &mut out,
            "user deleted",
            users::delete(s, admin, user, missing),
        )
        .await;

        let new = NewRole {
            name: format!("W{tag}"),
            display_label: None,
            reporting_to: Some(plan.role),
            share_with_peers: false,
            description: None,
        };
        let role = timed(
            &mut out,
            "role created",
            roles::create(s, admin, new, "$.roles[0]"),
        )
        .await;
        let to = |parent| RolePatch {
            reporting_to: Some(parent),
            ..Default::default()
        };
        timed(
            &mut out,
            "role moved (no users)",
            roles::update(s, admin, role, to(plan.other_role), "$.roles[0]", missing),
        )
        .await;
        timed(
            &mut out,
            "role deleted (no users)",
            roles::delete(s, admin, role, plan.role, missing),
        )
        .await;
        let parent = if i % 2 == 0 {
            plan.other_role
        } else {
            plan.role
        };
        let kind = if plan.leaf_role.1 > 0 {
            "role moved (a leaf with its users)"
        } else {
            "role moved (a leaf)"
        };
        timed(
            &mut out,
            kind,
            roles::update(
                s,
                admin,
                plan.leaf_role.0,
                to(parent),
                "$.roles[0]",
                missing,
            ),
        )
        .await;

        let new = NewTerritory {
            name: format!("W{tag}"),
            api_name: None,
            description: None,
            manager: None,
            reporting_to: plan.territory,
            permission_type: Default::default(),
        };
        let territory = timed(
            &mut out,
            "territory created",
            territories::create(s, admin, new, "$.territories[0]"),
        )
        .await;
        let patch = TerritoryPatch {
            reporting_to: Some(plan.other_territory),
            ..Default::default()
        };
        timed(
            &mut out,
            "territory moved (no users)",
            territories::update(s, admin, territory, patch, "$.territories[0]", missing),
        )
        .await;
        timed(
            &mut out,
            "territory deleted",
            territories::delete(s, admin, territory, false, missing),
        )
        .await;

        let covering = |role, territory| {
            vec![
                Source {
                    kind: SourceKind::Roles,
                    id: role,
                    subordinates: true,
                },
                Source {
                    kind: SourceKind::Territories,
                    id: territory,
                    subordinates: true,
                },
            ]
        };
        let new = NewGroup {
            name: format!("W{tag}"),
            description: None,
            sources: covering(plan.role, plan.territory),
        };
        let group = timed(
            &mut out,
            "group created (a role and a territory tree)",
            groups::create(s, admin, new, "$.user_groups[0]"),
        )
        .await;
        let patch = GroupPatch {
            sources: Some(covering(plan.other_role, plan.other_territory)),
            ..Default::default()
        };
        timed(
            &mut out,
            "group's sources replaced",
            groups::update(s, admin, group, patch, "$.user_groups[0]", missing),
        )
        .await;
        timed(
            &mut out,
            "group deleted",
            groups::delete(s, admin, group, missing),
        )
        .await;
    }
    for (_, times) in &mut out {
        times.sort();
    }
    out
}

/// Picks the nodes the writes use from the generated document.
fn plan(doc: &orgdir_core::document::OrgDocument) -> Plan {
    let mut users_of: HashMap<&str, usize> = HashMap::new();
    for user in &doc.users {
        *users_of.entry(user.role.as_str()).or_default() += 1;
    }
    let parents: std::collections::HashSet<&str> = doc
        .roles
        .iter()
        .filter_map(|r| r.reporting_to.as_deref())
        .collect();
    let with_parent: Vec<_> = doc
        .roles
        .iter()
        .filter(|r| r.reporting_to.is_some())
        .collect();
    let leaf = with_parent
        .iter()
        .filter(|r| !parents.contains(r.id.as_str()))
        .max_by_key(|r| users_of.get(r.id.as_str()).copied().unwrap_or(0))
        .expect("a leaf role");
    // Two non-leaf roles, neither the leaf's ancestor's only child: the
    // move alternates the leaf between them.
    let inner: Vec<_> = with_parent
        .iter()
        .filter(|r| parents.contains(r.id.as_str()) && r.id != leaf.id)
        .collect();
    let territories: Vec<_> = doc
        .territories
        .iter()
        .filter(|t| t.reporting_to.is_some())
        .collect();
    Plan {
        role: zid(&inner[0].id),
        other_role: zid(&inner[inner.len() / 2].id),
        leaf_role: (
            zid(&leaf.id),
            users_of.get(leaf.id.as_str()).copied().unwrap_or(0),
        ),
        territory: zid(&territories[0].id),
        other_territory: zid(&territories[territories.len() / 2].id),
        profile: zid(&doc
            .profiles
            .iter()
            .find(|p| !p.admin)
            .expect("a standard profile")
            .id),
    }
}

/// Adds `n` groups, each naming one live user the writes never touch
/// (every other one) or one territory they never touch, without
/// sub-territories.
async fn add_bystanders(
    dir: &Directory,
    admin: &Caller,
    doc: &orgdir_core::document::OrgDocument,
    plan: &Plan,
    n: usize,
) {
    let users: Vec<ZohoId> = doc
        .users
        .iter()
        .rev()
        .filter(|u| u.status != "deleted")
        .take(1000)
        .map(|u| zid(&u.id))
        .collect();
    let territories: Vec<ZohoId> = doc
        .territories
        .iter()
        .rev()
        .map(|t| zid(&t.id))
        .filter(|t| *t != plan.territory && *t != plan.other_territory)
        .take(1000)
        .collect();
    for i in 0..n {
        let source = if i % 2 == 0 {
            Source {
                kind: SourceKind::Users,
                id: users[i % users.len()],
                subordinates: false,
            }
        } else {
            Source {
                kind: SourceKind::Territories,
                id: territories[i % territories.len()],
                subordinates: false,
            }
        };
        let new = NewGroup {
            name: format!("bystander {i}"),
            description: None,
            sources: vec![source],
        };
        groups::create(dir, admin, new, "$.user_groups[0]")
            .await
            .expect("bystander group");
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let shape = SeedSpec {
        seed: 12,
        users: env_or("USERS", 100_000),
        roles: env_or("ROLES", 1_000),
        territories: env_or("TERRITORIES", 2_000),
        groups: env_or("GROUPS", 100),
        nesting: 0.1,
    };
    let extra = env_or("EXTRA_GROUPS", 10_000);
    let reps = env_or("REPS", 40).max(1);
    let backend = if env_or("POSTGRES", 0) == 1 {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    println!("write costs on {backend:?}: {shape:?}; {reps} of each write, then again with {extra} more groups covering none of them");
    let doc = generate(&shape);
    let plan = plan(&doc);
    let db = TestDb::new(backend).await.expect("database");
    let dir = db.directory().await;
    let org = orgdir_core::document::import(&dir, &doc)
        .await
        .expect("import");
    let scopes = ScopeSet::parse("ZohoCRM.users.ALL ZohoCRM.settings.ALL").expect("scopes");
    let token = tokens::mint_access_token(&dir, org.id, shape.id(USER_BASE, 0), scopes, None)
        .await
        .expect("token");
    let admin = orgdir_testkit::caller(&dir, &token).await;

    // A first round warms the caches (statements, pages) and is not reported.
    measure(&dir, &admin, &plan, reps, "w").await;
    let few = measure(&dir, &admin, &plan, reps, "a").await;
    let start = Instant::now();
    add_bystanders(&dir, &admin, &doc, &plan, extra).await;
    println!(
        "added {extra} groups in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let many = measure(&dir, &admin, &plan, reps, "b").await;

    println!(
        "\n{:<44} {:>14} {:>14} {:>8}",
        "write (median of each)",
        format!("{} groups", shape.groups),
        format!("{} groups", shape.groups + extra),
        "ratio"
    );
    for ((kind, a), (_, b)) in few.iter().zip(&many) {
        let (a, b) = (percentile(a, 50), percentile(b, 50));
        println!(
            "{kind:<44} {:>11.2} ms {:>11.2} ms {:>7.2}×",
            ms(a),
            ms(b),
            ms(b) / ms(a).max(1e-9)
        );
    }
    println!("(the leaf role moved carries {} users)", plan.leaf_role.1);
    let start = Instant::now();
    assert_counts_exact(&dir, org.id).await;
    println!(
        "verified: every maintained count equals a recount ({:.1} s)",
        start.elapsed().as_secs_f64()
    );
}
