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

/// Runs each statement on the database, outside orgdir.
async fn tamper(db: &TestDb, statements: &[&str]) {
    match db.backend {
        Backend::Sqlite => {
            let file = db.sqlite_file().expect("a SQLite database file");
            let conn = rusqlite::Connection::open(file).expect("sqlite");
            for sql in statements {
                conn.execute(sql, []).expect("tamper");
            }
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
            for sql in statements {
                sqlx::query(sql).execute(&pool).await.expect("tamper");
            }
        }
    }
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

    tamper(
        &db,
        &[
            "UPDATE user_counts SET n = n + 1 WHERE bucket = (SELECT MIN(bucket) FROM user_counts)",
            "UPDATE territories SET member_count = member_count + 2 WHERE id = (SELECT MAX(id) FROM territories)",
            "UPDATE user_groups SET member_count = member_count + 3 WHERE id = (SELECT MIN(id) FROM user_groups)",
            "DELETE FROM group_members WHERE group_id = (SELECT MAX(group_id) FROM group_members)",
        ],
    )
    .await;
    let (ok, out) = orgdir(&["check", "--database-url", &db.url]);
    assert!(!ok, "check exits 1 on differences: {out}");
    for what in [
        "users status=",
        "territory members ",
        "group members ",
        "group member reasons ",
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
