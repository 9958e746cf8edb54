//! Profiles (issue 13) on SQLite and PostgreSQL: one profile's permissions
//! and sections, clone, update and delete with `transfer_to` (its users
//! move, admin counts follow), and the refusals, which change nothing.

use orgdir_testkit::fixtures::UserBuilder;
use orgdir_testkit::{assert_counts_exact, storage_test, TestApp};
use orgdir_types::users::UserType;
use reqwest::Method;
use serde_json::{json, Value};

async fn call(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let reply = app
        .client
        .raw(method, path, body.as_ref())
        .await
        .expect("response");
    let json = if reply.body.is_empty() {
        Value::Null
    } else {
        reply.json()
    };
    (reply.status.as_u16(), json)
}

async fn profile(app: &TestApp, id: &str) -> Value {
    let (status, body) = call(
        app,
        Method::GET,
        &format!("/crm/v8/settings/profiles/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["profiles"][0].clone()
}

/// The permission named `name` of a profile read.
fn permission<'a>(profile: &'a Value, name: &str) -> &'a Value {
    profile["permissions_details"]
        .as_array()
        .expect("permissions")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

async fn clone_of(app: &TestApp, source: &str, name: &str) -> (u16, Value) {
    call(
        app,
        Method::POST,
        &format!("/crm/v8/settings/profiles/{source}/actions/clone"),
        Some(json!({"profiles": [{"name": name, "description": "cloned"}]})),
    )
    .await
}

async fn profiles_story(app: TestApp) {
    let dir = app.directory().await;
    let (standard, admin) = (dir.standard_profile.clone(), dir.admin_profile.clone());

    // One profile has every permission and its sections; the list has neither.
    let std_profile = profile(&app, &standard).await;
    assert_eq!(
        std_profile["permissions_details"].as_array().map(Vec::len),
        Some(50)
    );
    assert_eq!(
        permission(&std_profile, "Crm_Implied_View_Leads")["enabled"],
        true
    );
    assert_eq!(
        permission(&std_profile, "Crm_Implied_Manage_Users")["enabled"],
        false
    );
    assert_eq!(
        permission(&std_profile, "Crm_Implied_View_Leads")["module"],
        "Leads"
    );
    let admin_profile = profile(&app, &admin).await;
    assert_eq!(
        permission(&admin_profile, "Crm_Implied_Manage_Users")["enabled"],
        true
    );
    let sections = std_profile["sections"].as_array().expect("sections");
    assert_eq!(
        sections
            .iter()
            .map(|s| s["name"].clone())
            .collect::<Vec<_>>(),
        [json!("modules"), json!("tool"), json!("setup")]
    );
    let (_, list) = call(&app, Method::GET, "/crm/v8/settings/profiles", None).await;
    assert!(
        list["profiles"][0].get("permissions_details").is_none(),
        "{list}"
    );

    // Clone Standard: a custom profile with Standard's permissions.
    let (status, body) = clone_of(&app, &standard, "Sales").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["profiles"][0]["code"], "SUCCESS");
    assert_eq!(
        body["profiles"][0]["message"],
        "profile created successfully"
    );
    let sales = body["profiles"][0]["details"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let sales_profile = profile(&app, &sales).await;
    assert_eq!(
        (
            sales_profile["name"].clone(),
            sales_profile["custom"].clone()
        ),
        (json!("Sales"), json!(true))
    );
    assert_eq!(sales_profile["_delete"], json!({"permanent": false}));
    assert_eq!(
        sales_profile["permissions_details"],
        std_profile["permissions_details"]
    );

    // Update: a permission off, a new name; the refusals change nothing.
    let view_leads = permission(&sales_profile, "Crm_Implied_View_Leads")["id"].clone();
    let manage_users = permission(&sales_profile, "Crm_Implied_Manage_Users")["id"].clone();
    let put = |id: &str, item: Value| {
        let path = format!("/crm/v8/settings/profiles/{id}");
        let app = &app;
        async move { call(app, Method::PUT, &path, Some(json!({"profiles": [item]}))).await }
    };
    let (status, body) = put(
        &sales,
        json!({"name": "Field Sales", "permissions_details": [{"id": view_leads, "enabled": false}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["profiles"][0]["message"],
        "profile updated successfully"
    );
    let updated = profile(&app, &sales).await;
    assert_eq!(updated["name"], "Field Sales");
    assert_eq!(
        permission(&updated, "Crm_Implied_View_Leads")["enabled"],
        false
    );
    assert_eq!(
        permission(&updated, "Crm_Implied_Edit_Leads")["enabled"],
        true
    );
    let refusals = [
        (
            sales.clone(),
            json!({"permissions_details": [{"id": manage_users, "enabled": true}]}),
            "NOT_ALLOWED",
            json!({"api_name": "id", "json_path": "$.profiles[0].permissions_details[0].id"}),
        ),
        (
            sales.clone(),
            json!({"permissions_details": [{"id": "123", "enabled": true}]}),
            "INVALID_DATA",
            json!({"api_name": "id", "json_path": "$.profiles[0].permissions_details[0].id"}),
        ),
        (
            sales.clone(),
            json!({"permissions_details": [{"id": view_leads}]}),
            "MANDATORY_NOT_FOUND",
            json!({"api_name": "enabled", "json_path": "$.profiles[0].permissions_details[0].enabled"}),
        ),
        (
            sales.clone(),
            json!({"name": "x"}),
            "MANDATORY_NOT_FOUND",
            json!({"api_name": "permissions_details", "json_path": "$.profiles[0].permissions_details"}),
        ),
        (
            sales.clone(),
            json!({"name": "standard", "permissions_details": []}),
            "DUPLICATE_DATA",
            json!({"api_name": "name", "json_path": "$.profiles[0].name"}),
        ),
        (
            admin.clone(),
            json!({"permissions_details": []}),
            "NOT_ALLOWED",
            json!({"resource_path_index": 2}),
        ),
    ];
    for (id, item, code, details) in refusals {
        let (status, body) = put(&id, item.clone()).await;
        assert_eq!(status, 400, "{item}: {body}");
        let error = if body["profiles"].is_array() {
            &body["profiles"][0]
        } else {
            &body
        };
        assert_eq!(
            (&error["code"], &error["details"]),
            (&json!(code), &details),
            "{item}: {body}"
        );
    }
    assert_eq!(
        profile(&app, &sales).await,
        updated,
        "a refused update changed the profile"
    );
    let (status, body) = clone_of(&app, &standard, "FIELD SALES").await;
    assert_eq!(
        (status, body["profiles"][0]["code"].clone()),
        (400, json!("DUPLICATE_DATA"))
    );

    // A clone of Administrator makes its users admins.
    let (_, body) = clone_of(&app, &admin, "Deputy").await;
    let deputy = body["profiles"][0]["details"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        permission(&profile(&app, &deputy).await, "Crm_Implied_Manage_Users")["enabled"],
        true
    );
    let admins_before = app
        .client
        .users_count(UserType::AdminUsers)
        .await
        .expect("count");
    let ana = UserBuilder::new("ana@example.com")
        .profile(&deputy)
        .create(&app)
        .await;
    let bo = UserBuilder::new("bo@example.com")
        .profile(&sales)
        .create(&app)
        .await;
    assert_eq!(
        app.client
            .users_count(UserType::AdminUsers)
            .await
            .expect("count"),
        admins_before + 1
    );

    // Delete: refusals first, then the users move to transfer_to.
    let delete = |id: &str, query: &str| {
        let path = format!("/crm/v8/settings/profiles/{id}{query}");
        let app = &app;
        async move { call(app, Method::DELETE, &path, None).await }
    };
    for (id, query, code, details) in [
        (
            deputy.clone(),
            "",
            "REQUIRED_PARAM_MISSING",
            json!({"param_name": "transfer_to"}),
        ),
        (
            deputy.clone(),
            "?transfer_to=abc",
            "INVALID_DATA",
            json!({"param_name": "transfer_to"}),
        ),
        (
            deputy.clone(),
            &format!("?transfer_to={deputy}") as &str,
            "INVALID_DATA",
            json!({"param_name": "transfer_to"}),
        ),
        (
            standard.clone(),
            &format!("?transfer_to={sales}") as &str,
            "NOT_ALLOWED",
            json!({"resource_path_index": 2}),
        ),
        (
            format!("{sales}9"),
            &format!("?transfer_to={standard}") as &str,
            "INVALID_DATA",
            json!({"resource_path_index": 2}),
        ),
    ] {
        let (status, body) = delete(&id, query).await;
        assert_eq!(
            (status, &body["code"], &body["details"]),
            (400, &json!(code), &details),
            "{id}{query}: {body}"
        );
    }
    let (status, body) = delete(&deputy, &format!("?transfer_to={standard}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"code": "SUCCESS", "details": {"id": deputy}, "message": "Profile deleted", "status": "success"})
    );
    let (_, user) = call(&app, Method::GET, &format!("/crm/v8/users/{ana}"), None).await;
    assert_eq!(user["users"][0]["profile"]["id"], json!(standard));
    assert_eq!(
        app.client
            .users_count(UserType::AdminUsers)
            .await
            .expect("count"),
        admins_before,
        "ana is no longer an admin"
    );
    let (status, _) = delete(&sales, &format!("?transfer_to={admin}")).await;
    assert_eq!(status, 200);
    let (_, user) = call(&app, Method::GET, &format!("/crm/v8/users/{bo}"), None).await;
    assert_eq!(user["users"][0]["profile"]["name"], "Administrator");
    let (status, _) = call(
        &app,
        Method::GET,
        &format!("/crm/v8/settings/profiles/{sales}"),
        None,
    )
    .await;
    assert_eq!(status, 400, "the deleted profile is gone");
    assert_counts_exact(&app.dir, app.org.org.id).await;

    // At most 25 profiles.
    for n in 2..25 {
        let (status, body) = clone_of(&app, &standard, &format!("P{n}")).await;
        assert_eq!(status, 201, "{n}: {body}");
    }
    let (status, body) = clone_of(&app, &standard, "One too many").await;
    assert_eq!(status, 400);
    // About the org, not the item: the bare envelope.
    assert_eq!(body["code"], "PROFILE_LIMIT_EXCEEDED", "{body}");
    assert_eq!(body["details"], json!({"limit": 25}));
}
storage_test!(profiles, profiles_story);
