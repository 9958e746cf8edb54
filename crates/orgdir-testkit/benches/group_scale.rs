//! Benchmark: user groups at scale (issue 4): a 200-group page of associated
//! users counts from maintained data, and one write moving a role that holds
//! 10,000 users — each against a from-scratch baseline in the same run.
//!
//! `cargo bench -p orgdir-testkit --bench group_scale`
//! Knobs: `ORGDIR_BENCH_USERS` (100000), `ORGDIR_BENCH_ROLES` (1000),
//! `ORGDIR_BENCH_TERRITORIES` (2000), `ORGDIR_BENCH_GROUPS` (2000),
//! `ORGDIR_BENCH_MOVED` (10000), `ORGDIR_BENCH_POSTGRES=1`.

use orgdir_core::document::DocSource;
use orgdir_core::groups::{expected_members, DirectorySnapshot};
use orgdir_core::org::RolePatch;
use orgdir_core::scopes::ScopeSet;
use orgdir_core::service::{membership, roles, tokens};
use orgdir_core::store::{write, Store, WriteTarget};
use orgdir_core::{Error, OrgId, ZohoId};
use orgdir_testkit::bench::{
    env_or, generate, id, report, sample, SeedSpec, GROUP_BASE, ROLE_BASE, USER_BASE,
};
use orgdir_testkit::{assert_counts_exact, Backend, TestDb};
use std::time::Instant;

fn zid(text: &str) -> ZohoId {
    ZohoId::parse(text).expect("id")
}

/// How the from-scratch baseline's write ends: rolled back on purpose, so
/// that it measures the work without keeping it.
enum Baseline {
    RolledBack,
    Failed(Error),
}

impl From<Error> for Baseline {
    fn from(e: Error) -> Self {
        Self::Failed(e)
    }
}

/// Loads the directory and computes every group's members from the definition.
async fn from_scratch(store: &dyn Store, org: OrgId) -> usize {
    use orgdir_core::store::UserQuery;
    let users = store
        .users(
            org,
            &UserQuery {
                modified_after: None,
                buckets: (0..12).collect(),
                ids: None,
                offset: 0,
                limit: u64::MAX >> 1,
            },
        )
        .await
        .expect("users")
        .value;
    let snapshot = DirectorySnapshot {
        users: users
            .iter()
            .map(|d| {
                (
                    d.user.id,
                    d.user.role_id,
                    d.user.status.as_str() == "deleted",
                )
            })
            .collect(),
        roles: store
            .roles(org)
            .await
            .expect("roles")
            .value
            .iter()
            .map(|r| (r.id, r.reporting_to))
            .collect(),
        territories: store
            .territories(org, 0, 1_000_000)
            .await
            .expect("territories")
            .value
            .iter()
            .map(|t| (t.territory.id, t.territory.reporting_to))
            .collect(),
        memberships: store.all_memberships(org).await.expect("memberships"),
        sources: store.all_group_sources(org).await.expect("sources"),
    };
    expected_members(&snapshot).len()
}

#[tokio::main]
async fn main() {
    let shape = SeedSpec {
        seed: 7,
        users: env_or("USERS", 100_000),
        roles: env_or("ROLES", 1_000),
        territories: env_or("TERRITORIES", 2_000),
        groups: env_or("GROUPS", 2_000),
        nesting: 0.1,
    };
    let moved = env_or("MOVED", 10_000).min(shape.users - 1);
    let backend = if env_or("POSTGRES", 0) == 1 {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    println!("group scale benchmark on {backend:?}: {shape:?}, moving a role with {moved} users");

    // Roles 1 and 2 report to the root; role 3 ("Big") reports to role 1 and holds `moved` users.
    let mut doc = generate(&shape);
    doc.roles[1].reporting_to = Some(id(&shape, ROLE_BASE, 0));
    doc.roles[2].reporting_to = Some(id(&shape, ROLE_BASE, 0));
    doc.roles[3].reporting_to = Some(id(&shape, ROLE_BASE, 1));
    // "Big" is a leaf: the move carries exactly its own users.
    for role in doc.roles.iter_mut().skip(4) {
        if role.reporting_to.as_deref() == Some(id(&shape, ROLE_BASE, 3).as_str()) {
            role.reporting_to = Some(id(&shape, ROLE_BASE, 1));
        }
    }
    for user in doc.users.iter_mut().skip(1).take(moved) {
        user.role = id(&shape, ROLE_BASE, 3);
    }
    // Ten groups watch each side of the move (roles 1 and 2, with subordinates).
    for (i, group) in doc.user_groups.iter_mut().take(20).enumerate() {
        group.sources[0] = DocSource {
            kind: "roles".to_owned(),
            source: id(&shape, ROLE_BASE, 1 + i % 2),
            subordinates: true,
        };
    }

    let db = TestDb::new(backend).await.expect("database");
    let dir = db.directory().await;
    let store = dir.shared_store();
    let start = Instant::now();
    let org = orgdir_core::document::import(&dir, &doc)
        .await
        .expect("import");
    println!(
        "imported (with every group computed) in {:.1} s",
        start.elapsed().as_secs_f64()
    );

    let app = orgdir_server::Application::build_with(
        dir.clone(),
        orgdir_server::ServerConfig::new("127.0.0.1:0".parse().expect("addr")),
    )
    .await
    .expect("bind");
    let addr = app.local_addr().expect("addr");
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let admin_id = zid(&id(&shape, USER_BASE, 0));
    let scopes = ScopeSet::parse("ZohoCRM.settings.user_groups.READ").expect("scope");
    let token = tokens::mint_access_token(&dir, org.id, admin_id, scopes, None)
        .await
        .expect("token");
    let admin = orgdir_testkit::caller(&dir, &token).await;
    let client = orgdir_client::Client::new(format!("http://{addr}")).with_token(token);

    let page = sample(100, || client.group_users_count(None, Some(2), Some(200))).await;
    let baseline = sample(3, || from_scratch(store.as_ref(), org.id)).await;
    report(
        "GET …/user_groups/actions/associated_users_count (200 rows)",
        &page,
        Some(&baseline),
    );
    report(
        "baseline: read the directory, compute every group",
        &baseline,
        None,
    );

    let before = client
        .group_count(&id(&shape, GROUP_BASE, 0))
        .await
        .expect("count");
    let mut moves = Vec::new();
    for parent in [2, 1, 2, 1] {
        let patch = RolePatch {
            reporting_to: Some(zid(&id(&shape, ROLE_BASE, parent))),
            ..Default::default()
        };
        let start = Instant::now();
        roles::update(
            &dir,
            &admin,
            zid(&id(&shape, ROLE_BASE, 3)),
            patch,
            "$.roles[0]",
            || orgdir_core::Error::invalid_path(2, "missing"),
        )
        .await
        .expect("move");
        moves.push(start.elapsed());
    }
    moves.sort();
    let full = {
        let all: Vec<ZohoId> = (0..shape.groups)
            .map(|g| zid(&id(&shape, GROUP_BASE, g)))
            .collect();
        let start = Instant::now();
        let outcome = write(store.as_ref(), WriteTarget::Org(org.id), move |tx| {
            Box::pin(async move {
                membership::recompute(tx, &all).await?;
                Err::<(), _>(Baseline::RolledBack)
            })
        })
        .await;
        let took = start.elapsed();
        match outcome {
            Err(Baseline::RolledBack) => {}
            Err(Baseline::Failed(e)) => panic!("recompute: {e}"),
            Ok(()) => unreachable!("the baseline always rolls back"),
        }
        vec![took]
    };
    report(
        &format!("role move ({moved} users), affected groups updated"),
        &moves,
        Some(&full),
    );
    report("baseline: recompute every group from scratch", &full, None);
    assert_eq!(
        client
            .group_count(&id(&shape, GROUP_BASE, 0))
            .await
            .expect("count"),
        before,
        "moved back and forth"
    );
    let start = Instant::now();
    assert_counts_exact(&dir, org.id).await;
    println!(
        "verified: every maintained count equals a recount ({:.1} s)",
        start.elapsed().as_secs_f64()
    );
}
