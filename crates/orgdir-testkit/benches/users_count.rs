//! Benchmark: the users count at scale, over HTTP, against a baseline that
//! counts with `COUNT(*)` in the same run.
//!
//! `cargo bench -p orgdir-testkit --bench users_count`
//! Knobs: `ORGDIR_BENCH_USERS` (default 100000), `ORGDIR_BENCH_POSTGRES=1`.

use orgdir_core::scopes::ScopeSet;
use orgdir_core::service::tokens::mint_access_token;
use orgdir_testkit::bench::{env_or, generate, id, report, sample, SeedSpec, USER_BASE};
use orgdir_testkit::{Backend, TestDb};
use orgdir_types::users::UserType;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let users = env_or("USERS", 100_000);
    let backend = if env_or("POSTGRES", 0) == 1 {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    println!("users count benchmark: {users} users on {backend:?}");
    let db = TestDb::new(backend).await.expect("database");
    let dir = db.directory().await;
    let store = dir.shared_store();
    let shape = SeedSpec {
        seed: 1,
        users,
        roles: 100,
        territories: 10,
        groups: 0,
        nesting: 0.0,
    };
    let doc = generate(&shape);
    let start = Instant::now();
    let org = orgdir_core::document::import(&dir, &doc)
        .await
        .expect("import");
    println!("imported in {:.1} s", start.elapsed().as_secs_f64());

    let app = orgdir_server::Application::build_with(
        dir.clone(),
        orgdir_server::ServerConfig::new("127.0.0.1:0".parse().expect("addr")),
    )
    .await
    .expect("bind");
    let addr = app.local_addr().expect("addr");
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let admin = orgdir_core::ZohoId::parse(&id(&shape, USER_BASE, 0)).expect("id");
    let token = mint_access_token(
        &dir,
        org.id,
        admin,
        ScopeSet::parse("ZohoCRM.users.READ").expect("scope"),
        None,
    )
    .await
    .expect("token");
    let client = orgdir_client::Client::new(format!("http://{addr}")).with_token(token);

    let expected = client
        .users_count(UserType::ActiveUsers)
        .await
        .expect("count");
    println!("ActiveUsers = {expected}");
    let http = sample(1000, || client.users_count(UserType::ActiveUsers)).await;
    let maintained = sample(1000, || store.user_counts(org.id)).await;
    let baseline = sample(20, || store.recount_users(org.id)).await;
    let recount = store.recount_users(org.id).await.expect("recount");
    assert_eq!(
        recount.count(UserType::ActiveUsers),
        expected,
        "maintained count equals COUNT(*)"
    );
    report(
        "GET /users/actions/count over HTTP (maintained)",
        &http,
        Some(&baseline),
    );
    report(
        "store: maintained user counts (≤ 12 rows)",
        &maintained,
        Some(&baseline),
    );
    report(
        "baseline: COUNT(*) … GROUP BY over the users table",
        &baseline,
        None,
    );
}
