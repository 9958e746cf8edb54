//! `orgdir seed` then `orgdir check` on both backends: a seeded org checks
//! clean (exit 0); after counts are corrupted behind orgdir's back, check
//! names each difference and exits 1. The same seed gives the same org. A
//! database the previous release wrote is upgraded and checks clean.

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
            "UPDATE user_groups SET active_member_count = active_member_count + 1 WHERE id = (SELECT MAX(id) FROM user_groups)",
            "UPDATE group_cross SET active = active + 1 WHERE group_id = (SELECT MAX(group_id) FROM group_cross)",
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
        "group active members ",
        "group active cross counts ",
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

/// A database written by the release before migration 0009 (commit
/// bc7e4f4: one row per (group, member)), dumped as SQL from an org that
/// release seeded (`orgdir seed --seed 21 --users 200 --roles 15
/// --territories 30 --groups 30 --nesting 0.3`).
fn previous_release(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => include_str!("fixtures/release-bc7e4f4.sqlite.sql"),
        Backend::Postgres => include_str!("fixtures/release-bc7e4f4.postgres.sql"),
    }
}

/// The previous release's database opens with the membership model built:
/// migration 0009 marks every org, start-up builds each one, every group's
/// member count equals the definition, and `orgdir check` finds nothing.
async fn upgrade_builds_the_model(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.execute_outside(&[previous_release(backend)]).await;
    let dir = db.directory().await;
    let orgs = dir.store().orgs().await.expect("orgs");
    assert_eq!(orgs.len(), 1, "the fixture's one org");
    orgdir_testkit::assert_counts_exact(&dir, orgs[0].id).await;
    let counted = dir
        .store()
        .group_counts(orgs[0].id, None, 0, 100)
        .await
        .expect("group counts")
        .value;
    assert_eq!(counted.len(), 30, "the fixture's groups");
    assert!(
        counted.iter().filter(|(_, _, n)| *n > 0).count() >= 20,
        "most groups have members: {counted:?}"
    );
    drop(dir);
    let (ok, out) = orgdir(&["check", "--database-url", &db.url]);
    assert!(ok, "an upgraded database checks clean: {out}");
    assert!(out.contains(": 0 differences"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_sqlite() {
    upgrade_builds_the_model(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_postgres() {
    upgrade_builds_the_model(Backend::Postgres).await;
}
