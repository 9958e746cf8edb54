//! Issue 16: every token can be stopped (revoke takes access tokens; the
//! control plane revokes a user's, a client's or an org's tokens, cached
//! sessions included), and nothing grows without bound (codes per client
//! capped, expired codes and tokens purged).

use orgdir_client::oauth::Accounts;
use orgdir_testkit::{storage_test, Backend, TestApp};
use orgdir_types::users::UserType;
use orgdir_types::ErrorCode;
use reqwest::Method;
use serde_json::json;

const REDIRECT: &str = "http://localhost:9999/callback";

async fn revoke_raw(app: &TestApp, token: &str) -> (u16, serde_json::Value) {
    let answer = reqwest::Client::new()
        .post(format!("{}/oauth/v2/token/revoke", app.base_url()))
        .form(&[("token", token)])
        .send()
        .await
        .expect("revoke");
    let status = answer.status().as_u16();
    (status, answer.json().await.expect("json"))
}

async fn refused(app: &TestApp, token: &str) -> bool {
    let err = app
        .client_with(Some(token))
        .users_count(UserType::AllUsers)
        .await;
    matches!(err, Err(e) if e.code() == Some(ErrorCode::InvalidToken))
}

async fn works(app: &TestApp, token: &str) -> bool {
    app.client_with(Some(token))
        .users_count(UserType::AllUsers)
        .await
        .is_ok()
}

/// A leaked access token, even one that never expires, is stopped by
/// `/oauth/v2/token/revoke`, cached session included.
async fn access_tokens_are_revoked(app: TestApp) {
    let (status, minted) = app
        .org_control(
            Method::POST,
            "/tokens",
            Some(&json!({"scopes":"ZohoCRM.users.ALL","expires_in":0})),
        )
        .await;
    assert_eq!(status, 201, "{minted}");
    let token = minted["access_token"].as_str().expect("token").to_owned();
    assert!(works(&app, &token).await, "cached now");
    assert_eq!(
        revoke_raw(&app, &token).await,
        (200, json!({"status":"success"}))
    );
    assert!(refused(&app, &token).await);
    assert_eq!(
        revoke_raw(&app, &token).await,
        (400, json!({"error":"invalid_token"}))
    );
}
storage_test!(access_tokens_can_be_revoked, access_tokens_are_revoked);

/// The control plane revokes one client's tokens, one user's, or the whole
/// org's (the demo token too); each is refused at once.
async fn control_plane_revocations(app: TestApp) {
    let (status, client) = app
        .org_control(
            Method::POST,
            "/clients",
            Some(&json!({"name":"Self","self_client":true})),
        )
        .await;
    assert_eq!(status, 201, "{client}");
    let accounts = Accounts::new(
        app.base_url(),
        client["client_id"].as_str().expect("id"),
        client["client_secret"].as_str().expect("secret"),
    );
    let org = app.org.org.id.to_string();
    let of_client = accounts
        .client_credentials("ZohoCRM.users.READ", &org)
        .await
        .expect("client credentials")
        .access_token;
    let demo = app.org.admin_token.clone();
    let minted = app.token("ZohoCRM.users.READ").await;
    for t in [&of_client, &demo, &minted] {
        assert!(works(&app, t).await);
    }
    let (status, answer) = app
        .org_control(
            Method::POST,
            "/tokens/revoke",
            Some(&json!({"client_id": client["client_id"]})),
        )
        .await;
    assert_eq!((status, &answer["revoked"]), (200, &json!(1)), "{answer}");
    assert!(refused(&app, &of_client).await);
    assert!(works(&app, &demo).await && works(&app, &minted).await);

    let (status, answer) = app
        .org_control(
            Method::POST,
            "/tokens/revoke",
            Some(&json!({"user_id": app.org.admin_user_id.to_string()})),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert!(refused(&app, &demo).await && refused(&app, &minted).await);

    let again = app.token("ZohoCRM.users.READ").await;
    assert!(works(&app, &again).await);
    let (status, _) = app
        .org_control(Method::POST, "/tokens/revoke", Some(&json!({})))
        .await;
    assert_eq!(status, 200);
    assert!(refused(&app, &again).await);

    let (status, bad) = app
        .org_control(
            Method::POST,
            "/tokens/revoke",
            Some(&json!({"client_id":"1000.NOSUCHCLIENT"})),
        )
        .await;
    assert_eq!((status, &bad["code"]), (400, &json!("INVALID_DATA")));
    assert_eq!(bad["details"]["json_path"], "$.client_id");
}
storage_test!(
    the_control_plane_revokes_a_user_a_client_or_an_org,
    control_plane_revocations
);

async fn approve(app: &TestApp, client_id: &str) -> reqwest::Response {
    let user = app.org.admin_user_id.to_string();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http")
        .post(format!("{}/oauth/v2/auth", app.base_url()))
        .form(&[
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("scope", "ZohoCRM.users.READ"),
            ("user", user.as_str()),
            ("action", "approve"),
        ])
        .send()
        .await
        .expect("approve")
}

/// A client holds at most 100 unused codes; more is Zoho's "Access Denied".
#[tokio::test]
async fn outstanding_codes_per_client_are_capped() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let (client_id, _) = app.web_client(REDIRECT).await;
    for _ in 0..orgdir_core::service::oauth::MAX_LIVE_CODES {
        assert_eq!(approve(&app, &client_id).await.status().as_u16(), 302);
    }
    let over = approve(&app, &client_id).await;
    assert_eq!(over.status().as_u16(), 400);
    let body = over.text().await.expect("body");
    assert!(body.contains("too many requests"), "{body}");
}

fn rows(app: &TestApp, sql: &str) -> i64 {
    let file = app.db.sqlite_file().expect("sqlite");
    rusqlite::Connection::open(file)
        .expect("open")
        .query_row(sql, [], |r| r.get(0))
        .expect("count")
}

/// Expired codes, and tokens expired more than a day ago, are purged when
/// the org next issues one.
#[tokio::test]
async fn expired_codes_and_tokens_are_purged() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let (client_id, _) = app.web_client(REDIRECT).await;
    let org = app.org.org.id;
    let user = app.org.admin_user_id;
    app.db
        .execute_outside(&[
            &format!("INSERT INTO oauth_codes (hash, org_id, client_id, user_id, scopes, redirect_uri, expires_at) \
              VALUES ('old-code', {org}, '{client_id}', {user}, 'ZohoCRM.users.READ', '{REDIRECT}', 1)"),
            &format!("INSERT INTO tokens (hash, org_id, user_id, kind, scopes, expires_at, parent, created_at) \
              VALUES ('old-token', {org}, {user}, 'access', 'ZohoCRM.users.READ', 1, NULL, 0)"),
        ])
        .await;
    assert_eq!(
        rows(
            &app,
            "SELECT COUNT(*) FROM oauth_codes WHERE hash = 'old-code'"
        ),
        1
    );
    assert_eq!(approve(&app, &client_id).await.status().as_u16(), 302);
    assert_eq!(
        rows(
            &app,
            "SELECT COUNT(*) FROM oauth_codes WHERE hash = 'old-code'"
        ),
        0
    );
    assert_eq!(
        rows(&app, "SELECT COUNT(*) FROM tokens WHERE hash = 'old-token'"),
        0
    );
    // The demo token never expires and stays.
    assert!(works(&app, &app.org.admin_token).await);
}
