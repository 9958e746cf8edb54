//! The emulated API limits and the org clock of SPEC 9 and 11 (issue 14):
//! credits over a rolling day and concurrent calls answering 429
//! `TOO_MANY_REQUESTS` as Zoho does, and a clock a test moves forward that
//! token expiry, the credit window and written timestamps follow.

use orgdir_client::control::{Control, SetLimits};
use orgdir_client::oauth::Accounts;
use orgdir_testkit::fixtures::UserBuilder;
use orgdir_testkit::{storage_test, Backend, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const COUNT: &str = "/crm/v8/users/actions/count?type=AllUsers";
const DAY: i64 = 24 * 3600;

/// `X-API-CREDITS-REMAINING` of an answer, if it carries one.
fn remaining(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers
        .get("x-api-credits-remaining")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

fn is_too_many(status: u16, body: &Value) -> bool {
    status == 429
        && body["code"] == "TOO_MANY_REQUESTS"
        && body["status"] == "error"
        && body["details"] == json!({})
        && body["message"].is_string()
}

async fn credits_run_out_and_come_back_a_day_later(app: TestApp) {
    let token = app.org.admin_token.clone();
    let (status, limits) = app
        .org_control(Method::PUT, "/limits", Some(&json!({"credits_per_day": 4})))
        .await;
    assert_eq!(status, 200, "{limits}");
    assert_eq!(limits["credits_per_day"], 4);
    assert_eq!(limits["concurrency"], Value::Null);
    assert_eq!(limits["credits_remaining"], 4);

    // A faulted error costs no credit.
    let (status, _) = app
        .org_control(
            Method::POST,
            "/faults",
            Some(&json!({"effect": {"status": 500, "code": "INTERNAL_ERROR"}, "trigger": {"times": 1}})),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _, _) = app.api(&token, Method::GET, COUNT, None).await;
    assert_eq!(status, 500);

    // Four credits; the header once half are used.
    let mut headers = Vec::new();
    for _ in 0..4 {
        let (status, h, body) = app.api(&token, Method::GET, COUNT, None).await;
        assert_eq!((status, body), (200, json!({"count": 1})));
        headers.push(remaining(&h));
    }
    assert_eq!(headers, [None, Some(2), Some(1), Some(0)]);

    // The fifth call is refused, and a refused write changes nothing.
    let (status, h, body) = app.api(&token, Method::GET, COUNT, None).await;
    assert!(is_too_many(status, &body), "{status} {body}");
    assert_eq!(remaining(&h), Some(0));
    let dir = app.directory().await;
    let user = UserBuilder::new("late@example.com").json(&dir);
    let (status, _, body) = app
        .api(
            &token,
            Method::POST,
            "/crm/v8/users",
            Some(&json!({"users": [user]})),
        )
        .await;
    assert!(is_too_many(status, &body), "{status} {body}");

    let (_, limits) = app.org_control(Method::GET, "/limits", None).await;
    assert_eq!(limits["credits_used"], 4, "{limits}");
    assert_eq!(limits["credits_remaining"], 0);
    assert!(limits["oldest_credit_returns_at"].is_string(), "{limits}");
    let entries = app
        .org_control(Method::GET, "/requests?status=429", None)
        .await
        .1;
    let entries = entries["requests"].as_array().expect("requests").clone();
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().all(|e| e["code"] == "TOO_MANY_REQUESTS"));

    // Another org on the server is not limited.
    let other = app.other_org_token("Elsewhere").await;
    let (status, h, _) = app.api(&other, Method::GET, COUNT, None).await;
    assert_eq!((status, remaining(&h)), (200, None));

    // A day later on the org's clock every credit is back; the count shows
    // that the refused write made no user.
    let (status, clock) = app
        .org_control(
            Method::POST,
            "/clock",
            Some(&json!({"advance_seconds": DAY})),
        )
        .await;
    assert_eq!((status, clock["offset_seconds"].as_i64()), (200, Some(DAY)));
    let (status, h, body) = app.api(&token, Method::GET, COUNT, None).await;
    assert_eq!((status, remaining(&h)), (200, None), "{body}");
    assert_eq!(body, json!({"count": 1}));
    let (_, limits) = app.org_control(Method::GET, "/limits", None).await;
    assert_eq!(limits["credits_used"], 1, "{limits}");

    // A reset forgets limits and clock.
    app.reset().await;
    let (_, limits) = app.org_control(Method::GET, "/limits", None).await;
    assert_eq!(limits["credits_per_day"], Value::Null);
    assert_eq!(limits["credits_used"], 0);
    let (_, clock) = app.org_control(Method::GET, "/clock", None).await;
    assert_eq!(clock["offset_seconds"], 0);
}

storage_test!(credits, credits_run_out_and_come_back_a_day_later);

/// Seconds between `text` (RFC 3339) and the real now.
fn ahead_of_now(text: &str) -> i64 {
    orgdir_core::time::parse(text).expect("a timestamp") - orgdir_core::time::now()
}

async fn tokens_expire_and_writes_are_stamped_on_the_org_clock(app: TestApp) {
    let admin = app.org.admin_user_id.to_string();
    // A token of the default lifetime, 3600 s, minted through the control plane.
    let hour = app.token_for(&admin, "ZohoCRM.users.ALL").await;
    let other = app.other_org_token("Elsewhere").await;
    let (status, other_minted) = app
        .admin(
            Method::POST,
            "/_orgdir/orgs",
            Some(&json!({"name": "Third"})),
            None,
        )
        .await;
    assert_eq!(status, 201, "{other_minted}");
    assert_eq!(app.api(&hour, Method::GET, COUNT, None).await.0, 200);

    let (status, clock) = app
        .org_control(
            Method::POST,
            "/clock",
            Some(&json!({"advance_seconds": 3601})),
        )
        .await;
    assert_eq!(status, 200, "{clock}");
    assert_eq!(clock["offset_seconds"], 3601);
    let ahead = ahead_of_now(clock["now"].as_str().expect("now"));
    assert!((3590..=3605).contains(&ahead), "{clock}");

    // The expired token is refused; like any call without a valid token it
    // costs no credit and is not journaled.
    app.org_control(
        Method::PUT,
        "/limits",
        Some(&json!({"credits_per_day": 100})),
    )
    .await;
    app.org_control(Method::DELETE, "/requests", None).await;
    let (status, _, body) = app.api(&hour, Method::GET, COUNT, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("INVALID_TOKEN"))
    );
    let (_, limits) = app.org_control(Method::GET, "/limits", None).await;
    assert_eq!(limits["credits_used"], 0, "{limits}");
    let (_, journal) = app.org_control(Method::GET, "/requests", None).await;
    assert_eq!(journal["requests"], json!([]));
    // Another org's clock did not move.
    assert_eq!(app.api(&other, Method::GET, COUNT, None).await.0, 200);
    // A token minted now lives an hour of the org's time.
    let fresh = app.token_for(&admin, "ZohoCRM.users.ALL").await;
    assert_eq!(app.api(&fresh, Method::GET, COUNT, None).await.0, 200);

    // What is written carries the org's time.
    let id = UserBuilder::new("tomorrow@example.com").create(&app).await;
    let (status, _, body) = app
        .api(&fresh, Method::GET, &format!("/crm/v8/users/{id}"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    let user = &body["users"][0];
    for key in ["created_time", "Modified_Time"] {
        let ahead = ahead_of_now(user[key].as_str().expect(key));
        assert!((3590..=3605).contains(&ahead), "{key}: {user}");
    }

    // Time never moves back.
    for bad in [
        json!({"advance_seconds": 0}),
        json!({"advance_seconds": -60}),
        json!({"advance_seconds": "60"}),
        json!({"advance_seconds": 1.5}),
        json!({}),
        json!({"advance_seconds": 60, "back": true}),
        json!([]),
    ] {
        let (status, answer) = app.org_control(Method::POST, "/clock", Some(&bad)).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (400, Some("INVALID_DATA")),
            "{bad}"
        );
    }
    let (_, clock) = app.org_control(Method::GET, "/clock", None).await;
    assert_eq!(clock["offset_seconds"], 3601);
}

storage_test!(clock, tokens_expire_and_writes_are_stamped_on_the_org_clock);

async fn oauth_grants_follow_the_org_clock(app: TestApp) {
    let redirect = "http://localhost/cb";
    let (id, secret) = app.web_client(redirect).await;
    let (id, secret) = (id.as_str(), secret.as_str());
    let accounts = Accounts::new(app.base_url(), id, secret);
    let approve = || {
        orgdir_core::service::oauth::approve(
            &app.dir,
            id,
            redirect,
            "ZohoCRM.users.READ",
            app.org.admin_user_id,
            orgdir_core::service::oauth::OAuthConfig::default(),
        )
    };
    let stale = approve().await.expect("code");
    let tokens = accounts
        .exchange_code(&approve().await.expect("code"), redirect)
        .await
        .expect("exchange");
    let refresh = tokens.refresh_token.expect("refresh token");
    assert_eq!(tokens.expires_in, 3600);

    app.org_control(
        Method::POST,
        "/clock",
        Some(&json!({"advance_seconds": 3601})),
    )
    .await;
    // The access token expired on the org's clock, and so did a code of
    // the previous hour; the refresh token gives a token that lives an hour
    // of the org's time.
    let (status, _, _) = app
        .api(&tokens.access_token, Method::GET, COUNT, None)
        .await;
    assert_eq!(status, 401);
    assert!(accounts.exchange_code(&stale, redirect).await.is_err());
    let renewed = accounts.refresh(&refresh).await.expect("refreshed");
    // The journal stamps the grant on the org's clock too.
    let (_, grants) = app
        .org_control(Method::GET, "/requests?path=/oauth/&limit=1", None)
        .await;
    let stamped = grants["requests"][0]["time"].as_str().expect("time");
    assert!((3590..=3605).contains(&ahead_of_now(stamped)), "{grants}");
    assert_eq!(
        app.api(&renewed.access_token, Method::GET, COUNT, None)
            .await
            .0,
        200
    );
    // Twenty seconds of its hour left (real seconds pass too), then none.
    app.org_control(
        Method::POST,
        "/clock",
        Some(&json!({"advance_seconds": 3580})),
    )
    .await;
    assert_eq!(
        app.api(&renewed.access_token, Method::GET, COUNT, None)
            .await
            .0,
        200,
        "some of its hour is left"
    );
    app.org_control(
        Method::POST,
        "/clock",
        Some(&json!({"advance_seconds": 20})),
    )
    .await;
    assert_eq!(
        app.api(&renewed.access_token, Method::GET, COUNT, None)
            .await
            .0,
        401
    );
}

storage_test!(oauth_clock, oauth_grants_follow_the_org_clock);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_third_concurrent_call_is_refused_and_other_orgs_are_not() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let token = app.org.admin_token.clone();
    let other = app.other_org_token("Elsewhere").await;
    let (status, _) = app
        .org_control(Method::PUT, "/limits", Some(&json!({"concurrency": 2})))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .org_control(
            Method::POST,
            "/faults",
            Some(&json!({"match": {"path": "/crm/*/users/actions/count"}, "effect": {"delay_ms": 1500}})),
        )
        .await;
    assert_eq!(status, 201);

    let held = |app: &TestApp| {
        let (base, token) = (app.base_url(), token.clone());
        tokio::spawn(async move {
            let started = Instant::now();
            let response = reqwest::Client::new()
                .get(format!("{base}{COUNT}"))
                .header("Authorization", format!("Zoho-oauthtoken {token}"))
                .send()
                .await
                .expect("answer");
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (status, body, started.elapsed())
        })
    };
    let first = held(&app);
    let second = held(&app);
    // Both held open before the third arrives.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, limits) = app.org_control(Method::GET, "/limits", None).await;
        if limits["concurrent_calls"] == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "{limits}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let third = held(&app).await.expect("third");
    assert!(is_too_many(third.0, &third.1), "{third:?}");
    assert!(third.2 < Duration::from_millis(1000), "refused at once");
    // The other org is served throughout, undelayed.
    for _ in 0..3 {
        let start = Instant::now();
        assert_eq!(app.api(&other, Method::GET, COUNT, None).await.0, 200);
        assert!(start.elapsed() < Duration::from_millis(1000));
    }
    for call in [first, second] {
        let (status, body, took) = call.await.expect("held call");
        assert_eq!((status, body), (200, json!({"count": 1})));
        assert!(took >= Duration::from_millis(1500));
    }
    let (_, limits) = app.org_control(Method::GET, "/limits", None).await;
    assert_eq!(limits["concurrent_calls"], 0, "slots given back");
    let statuses: Vec<u64> = app.org_control(Method::GET, "/requests", None).await.1["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|e| e["status"].as_u64().unwrap_or(0))
        .collect();
    let mut sorted = statuses.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [200, 200, 429], "{statuses:?}");
}

#[tokio::test]
async fn limits_from_the_edition_and_strict_bodies() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let org = app.org.org.id.to_string();
    let (_, view) = app
        .admin(Method::GET, &format!("/_orgdir/orgs/{org}"), None, None)
        .await;
    assert_eq!(view["org"]["edition"], "enterprise", "{view}");
    let licenses = view["org"]["licenses"].as_u64().expect("licenses");
    let (status, limits) = app
        .org_control(Method::PUT, "/limits", Some(&json!({"edition": true})))
        .await;
    assert_eq!(status, 200, "{limits}");
    assert_eq!(limits["credits_per_day"], 50_000 + 1_000 * licenses);
    assert_eq!(limits["concurrency"], 20);
    assert_eq!(limits["edition"], "enterprise");

    for (bad, path) in [
        (json!({"credits_per_day": -1}), "$.credits_per_day"),
        (json!({"concurrency": "2"}), "$.concurrency"),
        (json!({"credits": 5}), "$.credits"),
        (json!({"edition": "free"}), "$.edition"),
        (json!({"edition": true, "concurrency": 3}), "$.edition"),
        (json!([1]), "$"),
    ] {
        let (status, answer) = app.org_control(Method::PUT, "/limits", Some(&bad)).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(answer["code"], "INVALID_DATA");
        assert_eq!(answer["details"]["json_path"], path, "{bad}: {answer}");
    }
    let (_, unchanged) = app.org_control(Method::GET, "/limits", None).await;
    assert_eq!(unchanged["edition"], "enterprise", "nothing changed");

    let (status, _) = app.org_control(Method::DELETE, "/limits", None).await;
    assert_eq!(status, 200);
    let (_, off) = app.org_control(Method::GET, "/limits", None).await;
    assert_eq!(
        (&off["credits_per_day"], &off["concurrency"]),
        (&Value::Null, &Value::Null)
    );
    let (status, _) = app
        .admin(Method::GET, "/_orgdir/orgs/1234567/limits", None, None)
        .await;
    assert_eq!(status, 400, "an unknown org");
    let (status, _) = app
        .admin(
            Method::GET,
            &format!("/_orgdir/orgs/{org}/clock"),
            None,
            Some("wrong"),
        )
        .await;
    assert_eq!(status, 401, "the admin key is needed");
}

#[tokio::test]
async fn the_rust_client_sets_limits_and_moves_the_clock() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let control = Control::new(app.base_url(), orgdir_testkit::ADMIN_KEY);
    let org = app.org.org.id.to_string();
    let limits = control
        .set_limits(
            &org,
            SetLimits::Numbers {
                credits_per_day: Some(2),
                concurrency: None,
            },
        )
        .await
        .expect("limits");
    assert_eq!(
        (limits.credits_per_day, limits.credits_remaining),
        (Some(2), Some(2))
    );
    for _ in 0..2 {
        app.client
            .users_count(orgdir_types::users::UserType::AllUsers)
            .await
            .expect("count");
    }
    let refused = app
        .client
        .users_count(orgdir_types::users::UserType::AllUsers)
        .await
        .expect_err("no credit left");
    assert_eq!(
        refused.code(),
        Some(orgdir_types::ErrorCode::TooManyRequests)
    );
    let limits = control.limits(&org).await.expect("limits");
    assert_eq!(
        (limits.credits_used, limits.credits_remaining),
        (2, Some(0))
    );
    let clock = control.advance_clock(&org, DAY).await.expect("clock");
    assert_eq!(clock.offset_seconds, DAY);
    assert_eq!(
        control.clock(&org).await.expect("clock").offset_seconds,
        DAY
    );
    assert_eq!(control.limits(&org).await.expect("limits").credits_used, 0);
    let edition = control
        .set_limits(&org, SetLimits::Edition)
        .await
        .expect("edition");
    assert_eq!(edition.edition.as_deref(), Some("enterprise"));
    control.clear_limits(&org).await.expect("cleared");
    assert_eq!(
        control.limits(&org).await.expect("off").credits_per_day,
        None
    );
    let bad = control
        .advance_clock(&org, 0)
        .await
        .expect_err("forward only");
    assert_eq!(bad.code(), Some(orgdir_types::ErrorCode::InvalidData));
}
