//! The users story of issue 2, on SQLite and PostgreSQL: counts follow
//! creation, deactivation and deletion, and survive a restart.

use orgdir_client::users::ListUsers;
use orgdir_testkit::fixtures::UserBuilder;
use orgdir_testkit::{storage_test, TestApp};
use orgdir_types::users::UserType;
use orgdir_types::ErrorCode;

async fn count(app: &TestApp, t: UserType) -> u64 {
    app.client.users_count(t).await.expect("count")
}

async fn story(app: TestApp) {
    // A fresh org has only its primary admin.
    let raw = app
        .client
        .raw(reqwest::Method::GET, "/crm/v8/users/actions/count", None)
        .await
        .expect("count");
    assert_eq!(raw.body, br#"{"count":1}"#);

    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(
            UserBuilder::new(&format!("user{i}@example.com"))
                .first_name("U")
                .create(&app)
                .await,
        );
    }
    let v7 = app.client.clone().with_version("v7");
    assert_eq!(
        v7.users_count(UserType::ActiveUsers).await.expect("count"),
        11
    );
    assert_eq!(count(&app, UserType::NotConfirmedUsers).await, 10);
    assert_eq!(count(&app, UserType::ConfirmedUsers).await, 1);
    assert_eq!(count(&app, UserType::AdminUsers).await, 1);
    assert_eq!(count(&app, UserType::ActiveConfirmedAdmins).await, 1);
    assert_eq!(count(&app, UserType::CurrentUser).await, 1);

    app.client
        .set_user_status(&ids[0], "inactive")
        .await
        .expect("deactivate");
    assert_eq!(count(&app, UserType::DeactiveUsers).await, 1);
    assert_eq!(count(&app, UserType::ActiveUsers).await, 10);
    let again = app
        .client
        .set_user_status(&ids[0], "disabled")
        .await
        .expect_err("twice");
    assert_eq!(again.code(), Some(ErrorCode::IdAlreadyDeactivated));

    app.client.delete_user(&ids[1]).await.expect("delete");
    assert_eq!(count(&app, UserType::AllUsers).await, 11);
    assert_eq!(count(&app, UserType::DeletedUsers).await, 1);
    assert_eq!(count(&app, UserType::ActiveUsers).await, 9);
    let twice = app.client.delete_user(&ids[1]).await.expect_err("twice");
    assert_eq!(twice.code(), Some(ErrorCode::IdAlreadyDeleted));
    let update_deleted = app
        .client
        .set_user_status(&ids[1], "active")
        .await
        .expect_err("deleted");
    assert_eq!(
        update_deleted.code(),
        Some(ErrorCode::CannotUpdateDeletedUser)
    );

    // Reactivation and the list agree with the counts.
    app.client
        .set_user_status(&ids[0], "active")
        .await
        .expect("activate");
    let active_again = app
        .client
        .set_user_status(&ids[0], "active")
        .await
        .expect_err("twice");
    assert_eq!(active_again.code(), Some(ErrorCode::IdAlreadyActive));
    let listed = app
        .client
        .list_users(&ListUsers {
            user_type: Some(UserType::DeletedUsers),
            ..Default::default()
        })
        .await
        .expect("list")
        .expect("one deleted user");
    assert_eq!(listed.users.len(), 1);
    assert_eq!(listed.users[0].id, ids[1]);
    assert_eq!(listed.users[0].status, "deleted");

    // Counts equal a recount, and survive a restart.
    let org = app.org.org.id;
    assert_eq!(
        app.store.user_counts(org).await.expect("counts").value,
        app.store.recount_users(org).await.expect("recount")
    );
    let app = app.restart().await;
    assert_eq!(count(&app, UserType::AllUsers).await, 11);
    assert_eq!(count(&app, UserType::ActiveUsers).await, 10);
    assert_eq!(count(&app, UserType::DeletedUsers).await, 1);
    let user = app.client.get_user(&ids[2]).await.expect("get");
    assert_eq!(user.email, "user2@example.com");
    assert_eq!(user.full_name, "U user2");
}
storage_test!(users_story, story);

async fn licences(app: TestApp) {
    // The demo org has 25 licences and one active user.
    let mut ids = Vec::new();
    for i in 0..24 {
        ids.push(
            UserBuilder::new(&format!("l{i}@example.com"))
                .create(&app)
                .await,
        );
    }
    let dir = app.directory().await;
    let refused = app
        .client
        .create_user(UserBuilder::new("late@example.com").json(&dir))
        .await
        .expect_err("no licence left");
    assert_eq!(refused.code(), Some(ErrorCode::LicenseLimitExceeded));
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(
        app.client
            .users_count(UserType::AllUsers)
            .await
            .expect("count"),
        25,
        "nothing written"
    );

    app.client
        .set_user_status(&ids[0], "inactive")
        .await
        .expect("deactivate frees one");
    UserBuilder::new("late@example.com").create(&app).await;
    let reactivate = app
        .client
        .set_user_status(&ids[0], "active")
        .await
        .expect_err("full again");
    assert_eq!(reactivate.code(), Some(ErrorCode::LicenseLimitExceeded));
}
storage_test!(licence_limit, licences);

async fn user_errors(app: TestApp) {
    let dir = app.directory().await;
    UserBuilder::new("dup@example.com").create(&app).await;
    let dup = app
        .client
        .create_user(UserBuilder::new("DUP@example.com").json(&dir))
        .await
        .expect_err("duplicate email");
    assert_eq!(dup.code(), Some(ErrorCode::DuplicateData));

    let bad_role = app
        .client
        .create_user(UserBuilder::new("r@example.com").role("123").json(&dir))
        .await
        .expect_err("bad role");
    assert_eq!(bad_role.code(), Some(ErrorCode::InvalidData));

    let missing = app
        .client
        .create_user(serde_json::json!({"email":"m@example.com","role":dir.root_role,"profile":dir.standard_profile}))
        .await
        .expect_err("no last name");
    assert_eq!(missing.code(), Some(ErrorCode::MandatoryNotFound));
    match missing {
        orgdir_client::ClientError::Api { body, .. } => {
            assert_eq!(body.details["json_path"], "$.users[0].last_name");
            assert_eq!(body.details["api_name"], "last_name");
        }
        other => panic!("{other:?}"),
    }

    // A non-admin cannot write users.
    let standard = UserBuilder::new("std@example.com").create(&app).await;
    let token = orgdir_core::service::tokens::mint_access_token(
        &app.dir,
        app.org.org.id,
        orgdir_core::ZohoId::parse(&standard).expect("id"),
        orgdir_core::scopes::ScopeSet::parse("ZohoCRM.users.ALL").expect("scopes"),
        None,
    )
    .await
    .expect("token");
    let as_standard = app.client_with(Some(&token));
    let denied = as_standard
        .create_user(UserBuilder::new("x@example.com").json(&dir))
        .await
        .expect_err("not admin");
    assert_eq!(denied.code(), Some(ErrorCode::NoPermission));
    assert_eq!(
        as_standard
            .users_count(UserType::CurrentUser)
            .await
            .expect("may read"),
        1
    );

    // A deactivated user's token gets INACTIVE_USER.
    app.client
        .set_user_status(&standard, "disabled")
        .await
        .expect("deactivate");
    let inactive = as_standard
        .users_count(UserType::AllUsers)
        .await
        .expect_err("inactive");
    assert_eq!(inactive.code(), Some(ErrorCode::InactiveUser));
    assert_eq!(inactive.status().map(|s| s.as_u16()), Some(403));

    // The primary admin cannot be deactivated or deleted.
    let primary = app.org.admin_user_id.to_string();
    let err = app
        .client
        .set_user_status(&primary, "inactive")
        .await
        .expect_err("primary");
    assert_eq!(err.code(), Some(ErrorCode::NotAllowed));
    let err = app.client.delete_user(&primary).await.expect_err("primary");
    assert_eq!(err.code(), Some(ErrorCode::NotAllowed));

    // Unknown and malformed ids.
    let err = app.client.get_user("123").await.expect_err("unknown");
    assert_eq!(err.code(), Some(ErrorCode::InvalidData));
    let err = app.client.get_user("abc").await.expect_err("malformed");
    assert_eq!(err.code(), Some(ErrorCode::InvalidData));
}
storage_test!(user_error_cases, user_errors);

/// Every user carries every property of Zoho's schema: the fields a client
/// set, checked by type, and Zoho's defaults for the rest (API-DESIGN 141).
async fn profile_fields(app: TestApp) {
    use serde_json::{json, Value};
    let dir = app.directory().await;
    let mut body = UserBuilder::new("fields@example.com").json(&dir);
    let item = body.as_object_mut().expect("item");
    item.insert("phone".into(), json!("+1 555 0100"));
    item.insert("time_zone".into(), json!("Asia/Kolkata"));
    item.insert("time_format".into(), json!("HH:mm"));
    item.insert("dob".into(), json!("1990-02-28"));
    let id = app.client.create_user(body).await.expect("created");
    let user = app
        .client
        .raw(reqwest::Method::GET, &format!("/crm/v8/users/{id}"), None)
        .await
        .expect("get")
        .json()["users"][0]
        .clone();
    assert_eq!(user["phone"], "+1 555 0100");
    assert_eq!(user["time_zone"], "Asia/Kolkata");
    assert_eq!(
        user["offset"], 19_800_000,
        "the offset follows the user's zone"
    );
    assert_eq!(user["time_format"], "HH:mm");
    assert_eq!(user["dob"], "1990-02-28");
    assert_eq!(user["language"], "en_US", "a default");
    assert_eq!(user["mobile"], Value::Null, "a default");
    assert_eq!(user["theme"]["type"], "default");
    assert_eq!(user.as_object().expect("object").len(), 53, "{user}");

    // A wrong value is INVALID_DATA naming the field; nothing changes.
    for (key, bad) in [
        ("phone", json!(5)),
        ("time_format", json!("H")),
        ("time_zone", json!("Mars/Olympus")),
        ("dob", json!("1990-13-01")),
        ("decimal_separator", json!("Dot")),
        ("Reporting_To", json!({"name": "nobody"})),
    ] {
        let response = app
            .client
            .raw(
                reqwest::Method::PUT,
                &format!("/crm/v8/users/{id}"),
                Some(&json!({"users": [{key: bad}]})),
            )
            .await
            .expect("update");
        assert_eq!(response.status.as_u16(), 400, "{key}");
        let item = response.json()["users"][0].clone();
        assert_eq!(item["code"], "INVALID_DATA", "{key}: {item}");
        assert_eq!(item["details"]["api_name"], key, "{key}: {item}");
        assert_eq!(item["details"]["json_path"], format!("$.users[0].{key}"));
    }
    let again = app
        .client
        .raw(reqwest::Method::GET, &format!("/crm/v8/users/{id}"), None)
        .await
        .expect("get")
        .json()["users"][0]
        .clone();
    assert_eq!(again, user, "a refused update changed the user");
}
storage_test!(user_profile_fields, profile_fields);

/// A whole user prints exactly what the wire type [`orgdir_types::users::User`]
/// prints with every property in its `extra` map (how the server printed
/// users before it spliced in the defaults serialised once): the same keys,
/// once each, in the same order, with the same values, for a user with
/// fields set, cleared over a default and left to the defaults, in a read of
/// one user and in the list.
async fn whole_users_print_as_the_wire_type(app: TestApp) {
    use orgdir_types::users::{UsersBody, UsersPage};
    use serde_json::json;
    let dir = app.directory().await;
    let boss = app.org.admin_user_id.to_string();
    let mut body = UserBuilder::new("whole@example.com").json(&dir);
    let item = body.as_object_mut().expect("item");
    for (key, value) in [
        ("phone", json!("+1 555 0100")),
        ("city", json!("Chennai")),
        ("time_zone", json!("Asia/Kolkata")),
        ("time_format", json!("HH:mm")),
        ("dob", json!("1990-02-28")),
        ("Currency", json!("EUR")),
        ("Reporting_To", json!(boss)),
        ("signature", json!("Ana \"A\" <ana@example.com>\n— é")),
        ("language", json!(null)),
        ("mobile", json!(null)),
        ("zip", json!("600001")),
    ] {
        item.insert(key.into(), value);
    }
    let id = app.client.create_user(body).await.expect("created");
    let one = app
        .client
        .raw(reqwest::Method::GET, &format!("/crm/v8/users/{id}"), None)
        .await
        .expect("get");
    assert_eq!(one.status.as_u16(), 200);
    let parsed: UsersBody = serde_json::from_slice(&one.body).expect("a UsersBody");
    assert_eq!(
        String::from_utf8_lossy(&one.body),
        serde_json::to_string(&parsed).expect("json"),
        "GET /users/{{id}} prints as the wire type"
    );
    let user = &parsed.users[0].extra;
    assert_eq!(user.len(), 38, "{user:?}");
    assert_eq!(user["city"], "Chennai");
    assert_eq!(user["Reporting_To"], json!({"id": boss}));
    assert_eq!(user["offset"], 19_800_000);
    assert_eq!(
        user["language"], "en_US",
        "a cleared field prints its default"
    );
    assert_eq!(user["country_locale"], "en_US", "a default");

    let list = app
        .client
        .raw(reqwest::Method::GET, "/crm/v8/users", None)
        .await
        .expect("list");
    assert_eq!(list.status.as_u16(), 200);
    let parsed: UsersPage = serde_json::from_slice(&list.body).expect("a UsersPage");
    assert_eq!(parsed.users.len(), 2);
    assert_eq!(
        String::from_utf8_lossy(&list.body),
        serde_json::to_string(&parsed).expect("json"),
        "GET /users prints as the wire type"
    );
}
storage_test!(
    whole_users_print_unchanged,
    whole_users_print_as_the_wire_type
);

/// An org document's user fields are kept as the API keeps them: a
/// `Reporting_To` given by id alone reads back as `{"id": …}`.
async fn imported_profile_fields(backend: orgdir_testkit::Backend) {
    use serde_json::json;
    let mut doc = orgdir_testkit::fixtures::document("seed-003/org.json");
    let boss = doc.users[0].id.clone();
    let user = &mut doc.users[1];
    user.extra.insert("Reporting_To".into(), json!(boss));
    user.extra.insert("phone".into(), json!("555"));
    let id = user.id.clone();
    let Some(app) = TestApp::spawn_document(backend, &doc).await else {
        return;
    };
    let read = app
        .client
        .raw(reqwest::Method::GET, &format!("/crm/v8/users/{id}"), None)
        .await
        .expect("get")
        .json()["users"][0]
        .clone();
    assert_eq!(read["Reporting_To"], json!({"id": boss}));
    assert_eq!(read["phone"], "555");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_profile_fields_sqlite() {
    imported_profile_fields(orgdir_testkit::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_profile_fields_postgres() {
    imported_profile_fields(orgdir_testkit::Backend::Postgres).await;
}
