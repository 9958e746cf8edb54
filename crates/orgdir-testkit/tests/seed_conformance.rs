//! The conformance floor: each seed's sample response reproduced from a
//! fixture, equal after parsing. The expected files are copies of the seeds'
//! samples; when `../shared/seeds` is beside the repository, the copies are
//! checked against the seed pages too.

use orgdir_testkit::fixtures::{dir, document, load};
use orgdir_testkit::Backend;
use orgdir_testkit::{storage_test, TestApp};
use serde_json::Value;

fn seeds_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds")
}

/// The JSON of the "Sample Response" block of a seed page, if the seeds are present.
fn seed_sample(prefix: &str) -> Option<Value> {
    let entry = std::fs::read_dir(seeds_dir())
        .ok()?
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with(prefix))?;
    let text = std::fs::read_to_string(entry.path()).ok()?;
    let after = &text[text.find("Sample Response")?..];
    let start = after.find('{')?;
    // The pages escape markdown brackets (`[\`); undo that, then parse the first JSON value.
    let cleaned = after[start..]
        .replace("\\\n", "\n")
        .replace("[\\", "[")
        .replace("]\\", "]");
    let mut stream = serde_json::Deserializer::from_str(&cleaned).into_iter::<Value>();
    stream.next()?.ok()
}

#[test]
fn expected_files_match_the_seed_pages() {
    let mut compared = 0;
    for (prefix, expected) in [
        ("000_", "seed-000/expected.json"),
        ("001_", "seed-001/expected.json"),
        ("002_", "seed-002/expected.json"),
        ("003_", "seed-003/expected.json"),
        ("004_", "seed-004/expected.json"),
    ] {
        if let Some(sample) = seed_sample(prefix) {
            assert_eq!(
                load(expected),
                sample,
                "{expected} differs from seed {prefix}"
            );
            compared += 1;
        }
    }
    if seeds_dir().is_dir() {
        assert_eq!(compared, 5, "every seed page's sample must parse");
    } else {
        eprintln!("note: ../shared/seeds not found; fixture copies not cross-checked");
    }
}

async fn seed_002(app: TestApp) {
    let directory = app.directory().await;
    let fixture = std::fs::read_to_string(dir().join("seed-002/users.json"))
        .expect("fixture")
        .replace("$ROOT_ROLE", &directory.root_role)
        .replace("$STANDARD_PROFILE", &directory.standard_profile);
    let fixture: Value = serde_json::from_str(&fixture).expect("json");
    for user in fixture["users"].as_array().expect("users") {
        app.client.create_user(user.clone()).await.expect("create");
    }
    let raw = app
        .client
        .raw(reqwest::Method::GET, "/crm/v7/users/actions/count", None)
        .await
        .expect("count");
    assert_eq!(raw.status.as_u16(), 200);
    assert_eq!(
        raw.content_type.as_deref(),
        Some("application/json;charset=UTF-8")
    );
    assert_eq!(raw.json(), load("seed-002/expected.json"));
    assert!(raw.json()["count"].is_u64(), "count is a JSON integer");
}
storage_test!(seed_002_users_count, seed_002);

/// Fetches `path` from a server holding the org of `fixture` and compares it
/// with `expected`, on both backends.
async fn reproduce(backend: Backend, fixture: &str, version_path: &str, expected: &str) {
    let Some(app) = TestApp::spawn_document(backend, &document(fixture)).await else {
        return;
    };
    let raw = app
        .client
        .raw(reqwest::Method::GET, version_path, None)
        .await
        .expect("response");
    assert_eq!(
        raw.status.as_u16(),
        200,
        "{}",
        String::from_utf8_lossy(&raw.body)
    );
    assert_eq!(
        raw.content_type.as_deref(),
        Some("application/json;charset=UTF-8")
    );
    assert_eq!(raw.json(), load(expected), "{version_path} on {backend:?}");
}

#[tokio::test]
async fn seed_003_territory_users_count_sqlite() {
    reproduce(
        Backend::Sqlite,
        "seed-003/org.json",
        "/crm/v7/settings/territories/actions/associated_users_count",
        "seed-003/expected.json",
    )
    .await;
}

#[tokio::test]
async fn seed_003_territory_users_count_postgres() {
    reproduce(
        Backend::Postgres,
        "seed-003/org.json",
        "/crm/v7/settings/territories/actions/associated_users_count",
        "seed-003/expected.json",
    )
    .await;
}

#[tokio::test]
async fn seed_004_user_licences_sqlite() {
    reproduce(
        Backend::Sqlite,
        "seed-004/org.json",
        "/crm/v8/__features/user_licenses",
        "seed-004/expected.json",
    )
    .await;
}

#[tokio::test]
async fn seed_004_user_licences_postgres() {
    reproduce(
        Backend::Postgres,
        "seed-004/org.json",
        "/crm/v8/__features/user_licenses",
        "seed-004/expected.json",
    )
    .await;
}

/// Seed 001's `filters`, exactly as the seed's sample request encodes it.
fn seed_001_filters() -> String {
    std::fs::read_to_string(dir().join("seed-001/filters.txt"))
        .expect("filters")
        .trim()
        .to_owned()
}

#[tokio::test]
async fn seed_001_filters_match_the_seed_request() {
    let Ok(entries) = std::fs::read_dir(seeds_dir()) else {
        return;
    };
    let page = entries
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with("001_"))
        .map(|e| std::fs::read_to_string(e.path()).expect("seed"))
        .expect("seed 001");
    assert!(page.contains(&format!("filters={}", seed_001_filters())));
}

#[tokio::test]
async fn seed_000_sources_count_sqlite() {
    reproduce(
        Backend::Sqlite,
        "user-groups/org.json",
        "/crm/v7/settings/user_groups/3652397000009952001/actions/sources_count",
        "seed-000/expected.json",
    )
    .await;
}

#[tokio::test]
async fn seed_000_sources_count_postgres() {
    reproduce(
        Backend::Postgres,
        "user-groups/org.json",
        "/crm/v7/settings/user_groups/3652397000009952001/actions/sources_count",
        "seed-000/expected.json",
    )
    .await;
}

#[tokio::test]
async fn seed_001_associated_users_count_sqlite() {
    let path = format!(
        "/crm/v7/settings/user_groups/actions/associated_users_count?filters={}",
        seed_001_filters()
    );
    reproduce(
        Backend::Sqlite,
        "user-groups/org.json",
        &path,
        "seed-001/expected.json",
    )
    .await;
}

#[tokio::test]
async fn seed_001_associated_users_count_postgres() {
    let path = format!(
        "/crm/v7/settings/user_groups/actions/associated_users_count?filters={}",
        seed_001_filters()
    );
    reproduce(
        Backend::Postgres,
        "user-groups/org.json",
        &path,
        "seed-001/expected.json",
    )
    .await;
}
