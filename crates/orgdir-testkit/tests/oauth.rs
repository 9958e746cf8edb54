//! Issue 5's OAuth story on SQLite and PostgreSQL, over plain HTTP: register
//! a client, consent, exchange the code, call the API, refresh, revoke — and
//! the failures: a reused code, an expired token, a revoked refresh token.

use orgdir_client::oauth::Accounts;
use orgdir_client::Client;
use orgdir_testkit::{storage_test, Backend, TestApp};
use orgdir_types::users::UserType;
use orgdir_types::ErrorCode;
use reqwest::Method;
use serde_json::json;

const REDIRECT: &str = "http://localhost:9999/callback";

/// Registers a client through the control plane; returns (id, secret).
async fn register(app: &TestApp, self_client: bool, scopes: Option<&str>) -> (String, String) {
    let mut body =
        json!({"name":"Test integration","redirect_uris":[REDIRECT],"self_client": self_client});
    if let Some(scopes) = scopes {
        body["scopes"] = json!(scopes);
    }
    let (status, client) = app
        .admin(
            Method::POST,
            &format!("/_orgdir/orgs/{}/clients", app.org.org.id),
            Some(&body),
            None,
        )
        .await;
    assert_eq!(status, 201, "{client}");
    (
        client["client_id"].as_str().expect("id").to_owned(),
        client["client_secret"].as_str().expect("secret").to_owned(),
    )
}

/// Opens the consent page, posts the approval and reads `code` from the redirect.
async fn consent(app: &TestApp, accounts: &Accounts, scopes: &str, approve: bool) -> reqwest::Url {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http");
    let page = http
        .get(accounts.authorize_url(scopes, REDIRECT, "xyz"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    assert!(
        html.contains("Test integration") && html.contains("<form"),
        "{html}"
    );
    let user = app.org.admin_user_id.to_string();
    let answer = http
        .post(format!("{}/oauth/v2/auth", app.base_url()))
        .form(&[
            ("client_id", accounts.client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", scopes),
            ("state", "xyz"),
            ("user", user.as_str()),
            ("action", if approve { "approve" } else { "deny" }),
        ])
        .send()
        .await
        .expect("decision");
    assert_eq!(answer.status().as_u16(), 302);
    let location = answer.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let url = reqwest::Url::parse(&location).expect("url");
    assert!(location.starts_with(REDIRECT));
    assert_eq!(query(&url, "state").as_deref(), Some("xyz"));
    url
}

fn query(url: &reqwest::Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

async fn flow(app: TestApp) {
    let (id, secret) = register(&app, false, None).await;
    let accounts = Accounts::new(app.base_url(), &id, &secret);
    let scopes = "ZohoCRM.users.READ,ZohoCRM.settings.ALL";
    let redirected = consent(&app, &accounts, scopes, true).await;
    let code = query(&redirected, "code").expect("code");

    let tokens = accounts
        .exchange_code(&code, REDIRECT)
        .await
        .expect("exchange");
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, 3600);
    assert_eq!(tokens.api_domain, app.base_url());
    let refresh = tokens.refresh_token.clone().expect("refresh token");
    let again = accounts
        .exchange_code(&code, REDIRECT)
        .await
        .expect_err("single use");
    assert_eq!(again.error(), Some("invalid_code"));

    let api = Client::new(&tokens.api_domain).with_token(&tokens.access_token);
    assert_eq!(api.users_count(UserType::AllUsers).await.expect("count"), 1);
    let denied = api.org().await.expect_err("org scope was not granted");
    assert_eq!(denied.code(), Some(ErrorCode::OauthScopeMismatch));

    let refreshed = accounts.refresh(&refresh).await.expect("refresh");
    assert_eq!(
        refreshed.scope.as_deref(),
        Some("ZohoCRM.users.READ ZohoCRM.settings.ALL")
    );
    assert!(refreshed.refresh_token.is_none());
    let api2 = Client::new(&refreshed.api_domain).with_token(&refreshed.access_token);
    assert_eq!(
        api2.users_count(UserType::ActiveUsers)
            .await
            .expect("count"),
        1
    );

    accounts.revoke(&refresh).await.expect("revoke");
    for old in [&api, &api2] {
        let err = old
            .users_count(UserType::AllUsers)
            .await
            .expect_err("revoked");
        assert_eq!(err.code(), Some(ErrorCode::InvalidToken));
    }
    let err = accounts
        .refresh(&refresh)
        .await
        .expect_err("revoked refresh token");
    assert_eq!(err.error(), Some("invalid_code"));
    assert_eq!(
        accounts.revoke(&refresh).await.expect_err("twice").error(),
        Some("invalid_token")
    );

    // Denial, bad secrets, bad grants, scopes outside the client's.
    let denied = consent(&app, &accounts, scopes, false).await;
    assert_eq!(query(&denied, "error").as_deref(), Some("access_denied"));
    let wrong = Accounts::new(app.base_url(), &id, "not-the-secret");
    assert_eq!(
        wrong.refresh("x").await.expect_err("secret").error(),
        Some("invalid_client")
    );
    let raw = reqwest::Client::new()
        .post(format!(
            "{}/oauth/v2/token?grant_type=password&client_id={id}",
            app.base_url()
        ))
        .send()
        .await
        .expect("post");
    assert_eq!(raw.status().as_u16(), 400);
    assert_eq!(
        raw.json::<serde_json::Value>().await.expect("json"),
        json!({"error":"unsupported_grant_type"})
    );
    let (narrow_id, narrow_secret) = register(&app, false, Some("ZohoCRM.users.READ")).await;
    let narrow = Accounts::new(app.base_url(), &narrow_id, &narrow_secret);
    let code = query(
        &consent(&app, &narrow, "ZohoCRM.users.ALL,ZohoCRM.users.READ", true).await,
        "code",
    )
    .expect("code");
    let tokens = narrow
        .exchange_code(&code, REDIRECT)
        .await
        .expect("exchange");
    let refreshed = narrow
        .refresh(&tokens.refresh_token.expect("refresh"))
        .await
        .expect("refresh");
    assert_eq!(
        refreshed.scope.as_deref(),
        Some("ZohoCRM.users.READ"),
        "intersection"
    );

    // Client credentials for a self client.
    let (self_id, self_secret) = register(&app, true, None).await;
    let selfc = Accounts::new(app.base_url(), &self_id, &self_secret);
    let org = app.org.org.id.to_string();
    let cc = selfc
        .client_credentials("ZohoCRM.users.READ", &org)
        .await
        .expect("client credentials");
    assert!(cc.refresh_token.is_none());
    let api = Client::new(&cc.api_domain).with_token(&cc.access_token);
    assert_eq!(api.users_count(UserType::AllUsers).await.expect("count"), 1);
    assert_eq!(
        selfc
            .client_credentials("ZohoCRM.users.READ", "1234567")
            .await
            .expect_err("other org")
            .error(),
        Some("invalid_client")
    );
    assert_eq!(
        selfc
            .client_credentials("Nope.scope", &org)
            .await
            .expect_err("scope")
            .error(),
        Some("invalid_scope")
    );
    assert_eq!(
        accounts
            .client_credentials("ZohoCRM.users.READ", &org)
            .await
            .expect_err("not self")
            .error(),
        Some("invalid_client")
    );
}
storage_test!(oauth_flow, flow);

#[tokio::test]
async fn expired_access_tokens_are_invalid() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| config.oauth.access_ttl = 1)
        .await
        .expect("app");
    let (id, secret) = register(&app, true, None).await;
    let accounts = Accounts::new(app.base_url(), &id, &secret);
    let tokens = accounts
        .client_credentials("ZohoCRM.users.READ", &app.org.org.id.to_string())
        .await
        .expect("token");
    assert_eq!(tokens.expires_in, 1);
    let api = Client::new(&tokens.api_domain).with_token(&tokens.access_token);
    assert_eq!(api.users_count(UserType::AllUsers).await.expect("fresh"), 1);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let err = api
        .users_count(UserType::AllUsers)
        .await
        .expect_err("expired");
    assert_eq!(err.code(), Some(ErrorCode::InvalidToken));
}

#[tokio::test]
async fn consent_refuses_unknown_clients_and_redirects() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let (id, secret) = register(&app, false, None).await;
    let accounts = Accounts::new(app.base_url(), &id, &secret);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http");
    let bad_redirect = accounts.authorize_url("ZohoCRM.users.READ", "http://evil.example/cb", "s");
    assert_eq!(
        http.get(bad_redirect)
            .send()
            .await
            .expect("page")
            .status()
            .as_u16(),
        400
    );
    let unknown = Accounts::new(app.base_url(), "1000.NOPE", "x").authorize_url(
        "ZohoCRM.users.READ",
        REDIRECT,
        "s",
    );
    assert_eq!(
        http.get(unknown)
            .send()
            .await
            .expect("page")
            .status()
            .as_u16(),
        400
    );
}
