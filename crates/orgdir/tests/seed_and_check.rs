//! `orgdir seed` then `orgdir check` on both backends: a seeded org checks
//! clean (exit 0); after counts are corrupted behind orgdir's back, check
//! names each difference and exits 1. The same seed gives the same org.

use orgdir_testkit::{Backend, TestDb};
use std::process::Command;

fn orgdir(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .args(args)
        .output()
        .expect("run orgdir");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn seed(url: &str, seed: &str) -> (bool, String) {
    orgdir(&[
        "seed",
        "--database-url",
        url,
        "--seed",
        seed,
        "--users",
        "3000",
        "--roles",
        "40",
        "--territories",
        "80",
        "--groups",
        "120",
        "--quiet",
    ])
}

async fn seed_then_check(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return; // TestDb said loudly why; under CI=true it fails instead
    };
    let (ok, out) = seed(&db.url, "11");
    assert!(ok, "{out}");
    assert!(out.contains("users: 3000"), "{out}");
    let (ok, out) = orgdir(&["check", "--database-url", &db.url]);
    assert!(ok, "a seeded org checks clean: {out}");
    assert!(out.contains(": 0 differences"), "{out}");

    // Same seed, same org: a second seed of it is refused as a duplicate.
    let (ok, out) = seed(&db.url, "11");
    assert!(!ok, "the same seed gives the same org id: {out}");

    db.execute_outside(&[
            "UPDATE user_counts SET n = n + 1 WHERE bucket = (SELECT MIN(bucket) FROM user_counts)",
            "UPDATE territories SET member_count = member_count + 2 WHERE id = (SELECT MAX(id) FROM territories)",
            "UPDATE user_groups SET member_count = member_count + 3 WHERE id = (SELECT MIN(id) FROM user_groups)",
            "DELETE FROM group_role_cover WHERE group_id = (SELECT MAX(group_id) FROM group_role_cover)",
            "UPDATE roles SET live_users = live_users + 1 WHERE id = (SELECT MIN(role_id) FROM users)",
        ],
    )
    .await;
    let (ok, out) = orgdir(&["check", "--database-url", &db.url]);
    assert!(!ok, "check exits 1 on differences: {out}");
    for what in [
        "users status=",
        "territory members ",
        "group members ",
        "group role coverage ",
        "live users per role ",
    ] {
        assert!(out.contains(what), "check names `{what}`: {out}");
    }
    assert!(out.contains("differ from a recount"), "{out}");
}

#[tokio::test]
async fn sqlite() {
    seed_then_check(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres() {
    seed_then_check(Backend::Postgres).await;
}

/// Takes a database back to the schema before migration 0009 (one row per
/// (group, member)), with every group's member count lost.
const BEFORE_0009: &[&str] = &[
    "DROP TABLE group_reach",
    "DROP TABLE group_role_cover",
    "DROP TABLE group_territory_cover",
    "DROP TABLE group_user_cover",
    "DROP TABLE group_cross",
    "DROP TABLE membership_rebuilds",
    "ALTER TABLE roles DROP COLUMN live_users",
    "CREATE TABLE group_members (org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE, \
     group_id BIGINT NOT NULL, user_id BIGINT NOT NULL, reasons BIGINT NOT NULL, \
     PRIMARY KEY (org_id, group_id, user_id))",
    "DELETE FROM _sqlx_migrations WHERE version = 9",
    "UPDATE user_groups SET member_count = 0",
];

/// A database written before the membership model opens with it built:
/// migration 0009 marks every org, start-up builds each one, and every
/// group's member count equals the definition again.
async fn upgrade_builds_the_model(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let (ok, out) = seed(&db.url, "12");
    assert!(ok, "{out}");
    db.execute_outside(BEFORE_0009).await;
    let dir = db.directory().await;
    let orgs = dir.store().orgs().await.expect("orgs");
    assert_eq!(orgs.len(), 1);
    orgdir_testkit::assert_counts_exact(&dir, orgs[0].id).await;
    drop(dir);
    let (ok, out) = orgdir(&["check", "--database-url", &db.url]);
    assert!(ok, "an upgraded database checks clean: {out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_sqlite() {
    upgrade_builds_the_model(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_postgres() {
    upgrade_builds_the_model(Backend::Postgres).await;
}
