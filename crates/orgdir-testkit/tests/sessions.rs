//! Cached sessions answer exactly as a fresh token lookup would, on SQLite
//! and PostgreSQL: a change to the token's user is seen on the next request
//! (promoted, disabled, deleted), and a refusal is never decided on a stale
//! session (a deleted user's token asking for a scope it lacks is
//! `INVALID_TOKEN`, as without the cache).

use orgdir_testkit::fixtures::UserBuilder;
use orgdir_testkit::{storage_test, TestApp};
use orgdir_types::users::UserType;
use orgdir_types::ErrorCode;
use reqwest::Method;
use serde_json::{json, Value};

async fn code_of(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let raw = app
        .client_with(Some(token))
        .raw(method, path, body.as_ref())
        .await
        .expect("request");
    (
        raw.status.as_u16(),
        serde_json::from_slice(&raw.body).unwrap_or(Value::Null),
    )
}

async fn user_changes_reach_cached_sessions(app: TestApp) {
    let dir = app.directory().await;
    let user = UserBuilder::new("standard@example.com").create(&app).await;
    let token = app.token_for(&user, "ZohoCRM.users.ALL").await;
    let new_user = |email: &str| Some(json!({"users": [UserBuilder::new(email).json(&dir)]}));

    // Cached as a Standard user: writes are refused.
    let count = app
        .client_with(Some(&token))
        .users_count(UserType::AllUsers)
        .await;
    assert_eq!(count.expect("count"), 2);
    let (status, body) = code_of(
        &app,
        &token,
        Method::POST,
        "/crm/v8/users",
        new_user("a@example.com"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("NO_PERMISSION")),
        "{body}"
    );

    // Promoted to Administrator: the next write is allowed.
    app.client
        .raw(
            Method::PUT,
            &format!("/crm/v8/users/{user}"),
            Some(&json!({"users": [{"profile": {"id": dir.admin_profile}}]})),
        )
        .await
        .expect("promote");
    let (status, body) = code_of(
        &app,
        &token,
        Method::POST,
        "/crm/v8/users",
        new_user("b@example.com"),
    )
    .await;
    assert_eq!(status, 201, "the promoted user may write at once: {body}");

    // Disabled: the next read and write are refused.
    app.client
        .set_user_status(&user, "inactive")
        .await
        .expect("disable");
    let (status, body) = code_of(
        &app,
        &token,
        Method::GET,
        "/crm/v8/users/actions/count",
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("INACTIVE_USER")),
        "{body}"
    );
    let (status, body) = code_of(
        &app,
        &token,
        Method::POST,
        "/crm/v8/users",
        new_user("c@example.com"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("INACTIVE_USER")),
        "{body}"
    );

    // Deleted, with a cached session and a scope the token lacks: the
    // token is dead, and that is what the caller hears.
    let other = UserBuilder::new("reader@example.com").create(&app).await;
    let reader = app.token_for(&other, "ZohoCRM.users.READ").await;
    let count = app
        .client_with(Some(&reader))
        .users_count(UserType::AllUsers)
        .await;
    assert!(count.is_ok(), "cached");
    app.client.delete_user(&other).await.expect("delete");
    let (status, body) = code_of(&app, &reader, Method::GET, "/crm/v8/settings/roles", None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("INVALID_TOKEN")),
        "{body}"
    );
    let refused = app
        .client_with(Some(&reader))
        .users_count(UserType::AllUsers)
        .await
        .expect_err("deleted");
    assert_eq!(refused.code(), Some(ErrorCode::InvalidToken));
}

storage_test!(
    cached_sessions_follow_their_users,
    user_changes_reach_cached_sessions
);
