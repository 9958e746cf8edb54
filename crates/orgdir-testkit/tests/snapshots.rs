//! `insta` snapshots of every response shape, ids and times redacted, so a
//! Zoho-shaped response cannot drift unnoticed.

use insta::assert_json_snapshot;
use orgdir_testkit::fixtures::UserBuilder;
use orgdir_testkit::{Backend, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

async fn call(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Value {
    let raw = app
        .client
        .raw(method, path, body.as_ref())
        .await
        .expect("response");
    json!({ "status": raw.status.as_u16(), "body": raw.json() })
}

#[tokio::test]
async fn users_shapes() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let dir = app.directory().await;
    let created = call(
        &app,
        Method::POST,
        "/crm/v8/users",
        Some(json!({"users":[UserBuilder::new("ana@example.com").first_name("Ana").json(&dir)]})),
    )
    .await;
    let id = created["body"]["users"][0]["details"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_json_snapshot!("users_create", created, { ".body.users[].details.id" => "[id]" });

    let listed = call(&app, Method::GET, "/crm/v8/users?per_page=1", None).await;
    assert_json_snapshot!("users_list", listed, {
        ".body.users[].id" => "[id]", ".body.users[].zuid" => "[id]",
        ".body.users[].role.id" => "[id]", ".body.users[].profile.id" => "[id]",
        ".body.users[].created_time" => "[time]", ".body.users[].Modified_Time" => "[time]",
    });
    let one = call(&app, Method::GET, &format!("/crm/v8/users/{id}"), None).await;
    assert_json_snapshot!("users_get", one, {
        ".body.users[].id" => "[id]", ".body.users[].role.id" => "[id]", ".body.users[].profile.id" => "[id]",
        ".body.users[].created_by.id" => "[id]", ".body.users[].Modified_By.id" => "[id]",
        ".body.users[].created_time" => "[time]", ".body.users[].Modified_Time" => "[time]",
    });
    let updated = call(
        &app,
        Method::PUT,
        &format!("/crm/v8/users/{id}"),
        Some(json!({"users":[{"status":"inactive"}]})),
    )
    .await;
    assert_json_snapshot!("users_update", updated, { ".body.users[].details.id" => "[id]" });
    let deleted = call(&app, Method::DELETE, &format!("/crm/v8/users/{id}"), None).await;
    assert_json_snapshot!("users_delete", deleted, { ".body.users[].details.id" => "[id]" });
    let again = call(&app, Method::DELETE, &format!("/crm/v8/users/{id}"), None).await;
    assert_json_snapshot!("users_delete_again", again, { ".body.users[].details.id" => "[id]" });
    let count = call(
        &app,
        Method::GET,
        "/crm/v8/users/actions/count?type=DeletedUsers",
        None,
    )
    .await;
    assert_json_snapshot!("users_count", count);
}

#[tokio::test]
async fn error_shapes() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    assert_json_snapshot!(
        "error_unknown_path",
        call(&app, Method::GET, "/crm/v8/nope", None).await
    );
    assert_json_snapshot!(
        "error_method",
        call(&app, Method::PATCH, "/crm/v8/users/actions/count", None).await
    );
    assert_json_snapshot!(
        "error_version",
        call(&app, Method::GET, "/crm/v3/users/actions/count", None).await
    );
    assert_json_snapshot!(
        "error_type",
        call(
            &app,
            Method::GET,
            "/crm/v8/users/actions/count?type=Nope",
            None
        )
        .await
    );
    let anonymous = app.client_with(None);
    let raw = anonymous
        .raw(Method::GET, "/crm/v8/users", None)
        .await
        .expect("response");
    assert_json_snapshot!(
        "error_no_token",
        json!({"status": raw.status.as_u16(), "body": raw.json()})
    );
    let missing = call(
        &app,
        Method::POST,
        "/crm/v8/users",
        Some(json!({"users":[{"email":"a@b.io"}]})),
    )
    .await;
    assert_json_snapshot!("error_mandatory", missing);
}

#[tokio::test]
async fn directory_shapes() {
    let app = TestApp::spawn_document(
        Backend::Sqlite,
        &orgdir_testkit::fixtures::document("seed-003/org.json"),
    )
    .await
    .expect("app");
    let chennai = "431581000000744113";
    for (name, path) in [
        ("roles_list", "/crm/v8/settings/roles".to_owned()),
        ("profiles_list", "/crm/v8/settings/profiles".to_owned()),
        (
            "territories_list",
            "/crm/v8/settings/territories?per_page=2".to_owned(),
        ),
        (
            "territory_get",
            format!("/crm/v8/settings/territories/{chennai}"),
        ),
        (
            "territory_children",
            format!("/crm/v8/settings/territories/{chennai}/__child_territories"),
        ),
        (
            "territory_users",
            format!("/crm/v8/settings/territories/{chennai}/users?per_page=1"),
        ),
        (
            "territory_count_page_2",
            "/crm/v8/settings/territories/actions/associated_users_count?page=2&per_page=3"
                .to_owned(),
        ),
        (
            "user_territories",
            "/crm/v8/users/431581000000272711/territories".to_owned(),
        ),
        ("features", "/crm/v8/__features".to_owned()),
        ("org", "/crm/v8/org".to_owned()),
    ] {
        assert_json_snapshot!(name, call(&app, Method::GET, &path, None).await);
    }
    let write = call(
        &app,
        Method::PUT,
        &format!("/crm/v8/settings/territories/{chennai}/users"),
        Some(json!({"users":[{"id":"431581000000272713"},{"id":"431581000000272711"},{"id":"nope"}]})),
    )
    .await;
    assert_json_snapshot!("territory_associate_partial", write);
}

#[tokio::test]
async fn user_group_shapes() {
    let app = TestApp::spawn_document(
        Backend::Sqlite,
        &orgdir_testkit::fixtures::document("user-groups/org.json"),
    )
    .await
    .expect("app");
    let support = "3652397000009952001";
    for (name, path) in [
        (
            "groups_list",
            "/crm/v8/settings/user_groups?include=sources_count&per_page=1".to_owned(),
        ),
        (
            "group_get",
            format!("/crm/v8/settings/user_groups/{support}"),
        ),
        (
            "group_sources_users",
            format!("/crm/v8/settings/user_groups/{support}/sources?type=users&user_type=active"),
        ),
        (
            "group_users_count",
            "/crm/v8/settings/user_groups/actions/associated_users_count".to_owned(),
        ),
        (
            "group_filter_error",
            "/crm/v8/settings/user_groups/actions/associated_users_count?filters=%7B".to_owned(),
        ),
    ] {
        assert_json_snapshot!(name, call(&app, Method::GET, &path, None).await);
    }
}
