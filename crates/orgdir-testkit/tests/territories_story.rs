//! Issue 3's stories on SQLite and PostgreSQL: territory counts follow
//! associations, deactivation and deletion; licences run out and come back;
//! roles move users on delete; export then import reproduces every endpoint.

use orgdir_client::Client;
use orgdir_testkit::fixtures::{document, UserBuilder};
use orgdir_testkit::{storage_test, Backend, TestApp};
use orgdir_types::ErrorCode;
use reqwest::Method;
use serde_json::json;

/// The count row of `territory` in the associated users count.
async fn territory_count(client: &Client, territory: &str) -> String {
    let page = client
        .territory_users_count(None, None)
        .await
        .expect("count")
        .expect("rows");
    page.associated_users_count
        .into_iter()
        .find(|row| row.territory.id == territory)
        .map(|row| row.count)
        .expect("every territory has a row")
}

async fn root_territory(app: &TestApp) -> String {
    let page = app
        .client
        .list_territories(None, None)
        .await
        .expect("list")
        .expect("rows");
    page.territories[0].id.clone()
}

async fn territory_counts(app: TestApp) {
    let root = root_territory(&app).await;
    let west = app
        .client
        .create_territory(json!({"name":"West","reporting_to":{"id": root}}))
        .await
        .expect("create");
    let ana = UserBuilder::new("ana@example.com").create(&app).await;
    let bo = UserBuilder::new("bo@example.com").create(&app).await;
    let results = app
        .client
        .associate_territory_users(&west, &[&ana, &bo])
        .await
        .expect("associate");
    assert!(results.iter().all(|r| r.is_success()), "{results:?}");
    assert_eq!(territory_count(&app.client, &west).await, "2");

    // Root first, every territory has a row, counts are strings.
    let page = app
        .client
        .territory_users_count(None, None)
        .await
        .expect("count")
        .expect("rows");
    assert_eq!(page.associated_users_count[0].territory.id, root);
    assert_eq!(page.associated_users_count[0].count, "0");
    assert_eq!(page.info.count, 2);

    app.client
        .set_user_status(&ana, "inactive")
        .await
        .expect("deactivate");
    assert_eq!(
        territory_count(&app.client, &west).await,
        "2",
        "deactivating keeps the association"
    );
    app.client.delete_user(&ana).await.expect("delete");
    assert_eq!(
        territory_count(&app.client, &west).await,
        "1",
        "deleting removes it"
    );

    // A disabled user cannot be associated; a second association is a duplicate.
    let cy = UserBuilder::new("cy@example.com").create(&app).await;
    app.client
        .set_user_status(&cy, "disabled")
        .await
        .expect("disable");
    let refused = app
        .client
        .raw(
            Method::PUT,
            &format!("/crm/v8/settings/territories/{west}/users"),
            Some(&json!({"users":[{"id": cy}, {"id": bo}]})),
        )
        .await
        .expect("response");
    assert_eq!(refused.status.as_u16(), 400, "every item failed");
    let body = refused.json();
    assert_eq!(body["users"][0]["code"], "INVALID_DATA");
    assert_eq!(body["users"][0]["details"]["json_path"], "$.users[0].id");
    assert_eq!(body["users"][1]["code"], "DUPLICATE_DATA");
    assert_eq!(territory_count(&app.client, &west).await, "1");

    // A manager counts as associated; the user side sees the territory.
    let dee = UserBuilder::new("dee@example.com").create(&app).await;
    let east = app
        .client
        .create_territory(json!({"name":"East","reporting_to": root, "manager": dee}))
        .await
        .expect("create with manager");
    assert_eq!(territory_count(&app.client, &east).await, "1");
    let mine = app
        .client
        .user_territories(&dee)
        .await
        .expect("user side")
        .expect("one");
    assert_eq!(mine.territories[0].id, east);
    assert_eq!(
        mine.territories[0].manager.as_ref().map(|m| m.id.as_str()),
        Some(dee.as_str())
    );
    let user = app.client.get_user(&dee).await.expect("user");
    assert_eq!(user.territories.len(), 1);
    assert!(user.territories[0].manager);

    // Disassociation lowers the count; the manager cannot be removed.
    let removed = app
        .client
        .disassociate_territory_users(&west, &[&bo])
        .await
        .expect("remove");
    assert!(removed[0].is_success());
    assert_eq!(territory_count(&app.client, &west).await, "0");
    let err = app
        .client
        .disassociate_territory_users(&east, &[&dee])
        .await
        .expect_err("manager");
    assert_eq!(err.code(), Some(ErrorCode::NotAllowed));

    // The tree: no cycles, the root stays, parents keep their children.
    let south = app
        .client
        .create_territory(json!({"name":"West South","reporting_to": west}))
        .await
        .expect("child");
    let cycle = app
        .client
        .update_territory(&west, json!({"reporting_to": south}))
        .await
        .expect_err("cycle");
    assert_eq!(cycle.code(), Some(ErrorCode::InvalidData));
    let err = app
        .client
        .delete_territory(&west)
        .await
        .expect_err("has children");
    assert_eq!(err.code(), Some(ErrorCode::NotAllowed));
    let err = app.client.delete_territory(&root).await.expect_err("root");
    assert_eq!(err.code(), Some(ErrorCode::NotAllowed));
    let dup = app
        .client
        .create_territory(json!({"name":"west","reporting_to": root}))
        .await
        .expect_err("name taken");
    assert_eq!(dup.code(), Some(ErrorCode::DuplicateData));
    app.client.delete_territory(&south).await.expect("leaf");
    app.client
        .delete_territory(&west)
        .await
        .expect("now a leaf");

    // Maintained counts equal a recount.
    let org = app.org.org.id;
    let recount = app
        .store
        .recount_territory_members(org)
        .await
        .expect("recount");
    let maintained = app
        .store
        .territories(org, 0, 1000)
        .await
        .expect("territories")
        .value;
    for (id, n) in recount {
        let row = maintained
            .iter()
            .find(|t| t.territory.id == id)
            .expect("row");
        assert_eq!(row.territory.member_count, n, "territory {id}");
    }
}
storage_test!(territory_counts_follow_writes, territory_counts);

async fn licences(app: TestApp) {
    let feature = app.client.user_licenses().await.expect("licences");
    assert_eq!(
        (
            feature.details.limits.total,
            feature.details.used_count.total
        ),
        (25, 1)
    );
    let mut ids = Vec::new();
    for i in 0..24 {
        ids.push(
            UserBuilder::new(&format!("l{i}@example.com"))
                .create(&app)
                .await,
        );
    }
    let feature = app.client.user_licenses().await.expect("licences");
    assert_eq!(feature.details.available_count.total, 0);
    let dir = app.directory().await;
    let err = app
        .client
        .create_user(UserBuilder::new("x@example.com").json(&dir))
        .await
        .expect_err("full");
    assert_eq!(err.code(), Some(ErrorCode::LicenseLimitExceeded));
    app.client
        .set_user_status(&ids[3], "inactive")
        .await
        .expect("frees one");
    let feature = app.client.user_licenses().await.expect("licences");
    assert_eq!(feature.details.available_count.total, 1);
    assert_eq!(feature.details.used_count.total, 24);
    app.client
        .delete_user(&ids[3])
        .await
        .expect("delete disabled");
    let feature = app.client.user_licenses().await.expect("licences");
    assert_eq!(
        feature.details.used_count.total, 24,
        "a disabled user held no licence"
    );
    let unknown = app
        .client
        .raw(Method::GET, "/crm/v8/__features/nope", None)
        .await
        .expect("response");
    assert_eq!(unknown.status.as_u16(), 400);
    assert_eq!(unknown.json()["code"], "INVALID_DATA");
    let org = app.client.org().await.expect("org");
    assert_eq!(org.license_details.users_license_purchased, 25);
    assert_eq!(org.id, app.org.org.id.to_string());
}
storage_test!(licences_follow_users, licences);

async fn roles(app: TestApp) {
    let roles = app.client.list_roles().await.expect("roles");
    let ceo = roles.roles[0].id.clone();
    assert!(roles.roles[0].reporting_to.is_none());
    let manager = app
        .client
        .create_role(json!({"name":"Manager","reporting_to": ceo}))
        .await
        .expect("create");
    let rep = app
        .client
        .create_role(json!({"name":"Rep","reporting_to": {"id": manager}}))
        .await
        .expect("create");
    let cycle = app
        .client
        .update_role(&manager, json!({"reporting_to": rep}))
        .await
        .expect_err("cycle");
    assert_eq!(cycle.code(), Some(ErrorCode::InvalidData));
    // Without reporting_to, as Zoho allows: under the root role. A null
    // parent is refused (only the root reports to no one).
    let loose = app
        .client
        .create_role(json!({"name":"Loose"}))
        .await
        .expect("create without reporting_to");
    let listed = app.client.list_roles().await.expect("roles");
    let loose_now = listed.roles.iter().find(|r| r.id == loose).expect("loose");
    assert_eq!(
        loose_now.reporting_to.as_ref().map(|r| r.id.clone()),
        Some(ceo.clone())
    );
    let null = app
        .client
        .create_role(json!({"name":"Rootless","reporting_to": null}))
        .await
        .expect_err("a null parent");
    assert_eq!(null.code(), Some(ErrorCode::InvalidData));
    let user = UserBuilder::new("r@example.com")
        .role(&manager)
        .create(&app)
        .await;
    let missing = app
        .client
        .raw(
            Method::DELETE,
            &format!("/crm/v8/settings/roles/{manager}"),
            None,
        )
        .await
        .expect("r");
    assert_eq!(missing.json()["code"], "REQUIRED_PARAM_MISSING");
    app.client
        .delete_role(&manager, &ceo)
        .await
        .expect("delete");
    assert_eq!(
        app.client.get_user(&user).await.expect("user").role.id,
        ceo,
        "users moved"
    );
    let roles = app.client.list_roles().await.expect("roles");
    let rep_now = roles.roles.iter().find(|r| r.id == rep).expect("rep");
    assert_eq!(
        rep_now.reporting_to.as_ref().map(|r| r.id.clone()),
        Some(ceo.clone()),
        "children moved up"
    );
    let err = app.client.delete_role(&ceo, &rep).await.expect_err("root");
    assert_eq!(err.code(), Some(ErrorCode::NotAllowed));
    let profiles = app.client.list_profiles().await.expect("profiles");
    let names: Vec<&str> = profiles.profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Administrator", "Standard"]);
}
storage_test!(roles_tree, roles);

/// Every read endpoint's body, for comparing two servers.
async fn snapshot(
    client: &Client,
    users: &[String],
    territories: &[String],
) -> Vec<(String, serde_json::Value)> {
    let mut paths: Vec<String> = [
        "/crm/v8/users?type=AllUsers",
        "/crm/v8/users/actions/count?type=AllUsers",
        "/crm/v8/users/actions/count?type=ActiveUsers",
        "/crm/v8/users/actions/count?type=DeletedUsers",
        "/crm/v8/users/actions/count?type=ConfirmedUsers",
        "/crm/v8/settings/roles",
        "/crm/v8/settings/profiles",
        "/crm/v8/settings/territories",
        "/crm/v8/settings/territories/actions/associated_users_count",
        "/crm/v8/__features",
        "/crm/v8/__features/user_licenses",
        "/crm/v8/org",
        "/crm/v8/settings/user_groups?include=sources_count",
        "/crm/v8/settings/user_groups/actions/associated_users_count",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for u in users {
        paths.push(format!("/crm/v8/users/{u}"));
        paths.push(format!("/crm/v8/users/{u}/territories"));
    }
    for t in territories {
        paths.push(format!("/crm/v8/settings/territories/{t}"));
        paths.push(format!("/crm/v8/settings/territories/{t}/users"));
        paths.push(format!(
            "/crm/v8/settings/territories/{t}/__child_territories"
        ));
    }
    let mut out = Vec::new();
    for path in paths {
        let raw = client
            .raw(Method::GET, &path, None)
            .await
            .expect("response");
        out.push((format!("{path} {}", raw.status), raw.json()));
    }
    out
}

async fn export_import(app: TestApp) {
    for fixture in ["seed-003/org.json", "user-groups/org.json"] {
        round_trip(&app, fixture).await;
    }
}

async fn round_trip(app: &TestApp, fixture: &str) {
    let doc = document(fixture);
    let source = TestApp::spawn_document(app.db.backend, &doc)
        .await
        .expect("source");
    // Change it a little through the API so the export holds API-made rows too.
    let root = root_territory(&source).await;
    let extra = source
        .client
        .create_territory(json!({"name":"Extra","reporting_to": root}))
        .await
        .expect("t");
    let exported = orgdir_core::document::export(&source.dir, source.org.org.id)
        .await
        .expect("export");
    let json_text = serde_json::to_string(&exported).expect("json");
    let again = orgdir_core::document::parse(&json_text).expect("parse");
    let copy = TestApp::spawn_document(app.db.backend, &again)
        .await
        .expect("copy");
    let users: Vec<String> = exported.users.iter().map(|u| u.id.clone()).collect();
    let territories: Vec<String> = exported.territories.iter().map(|t| t.id.clone()).collect();
    assert!(territories.contains(&extra));
    let before = snapshot(&source.client, &users, &territories).await;
    let after = snapshot(&copy.client, &users, &territories).await;
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a);
    }
    // A second export of the copy is the same document.
    let second = orgdir_core::document::export(&copy.dir, copy.org.org.id)
        .await
        .expect("export");
    assert_eq!(exported, second);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_import_gives_identical_responses_sqlite() {
    export_import(TestApp::spawn(Backend::Sqlite).await.expect("app")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_import_gives_identical_responses_postgres() {
    if let Some(app) = TestApp::spawn(Backend::Postgres).await {
        export_import(app).await;
    }
}

#[tokio::test]
async fn a_bad_document_writes_nothing_and_names_every_problem() {
    let mut doc = document("seed-003/org.json");
    doc.users[1].role = "999".into();
    doc.users[2].email = doc.users[1].email.clone();
    doc.territories[2].reporting_to = Some(doc.territories[6].id.clone());
    doc.territories[6].reporting_to = Some(doc.territories[2].id.clone());
    let db = orgdir_testkit::TestDb::new(Backend::Sqlite)
        .await
        .expect("db");
    let dir = db.directory().await;
    let err = orgdir_core::document::import(&dir, &doc)
        .await
        .expect_err("invalid");
    let text = err.to_string();
    for path in [
        "$.users[1].role",
        "$.users[2].email",
        "$.territories[2].reporting_to",
        "$.territories[6].reporting_to",
    ] {
        assert!(text.contains(path), "{path} missing from: {text}");
    }
    assert!(
        dir.store().orgs().await.expect("orgs").is_empty(),
        "nothing written"
    );
    let structural =
        orgdir_core::document::parse(r#"{"orgdir_document":1,"org":{"id":5}}"#).expect_err("type");
    assert_eq!(structural.0[0].path, "$.org.id");
}
