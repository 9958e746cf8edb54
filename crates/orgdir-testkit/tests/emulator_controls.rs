//! The emulator controls of SPEC 11 (issue 14): the request journal and
//! fault rules, per org, through the control plane — what a test of an
//! integration's unhappy paths does.

use orgdir_client::oauth::Accounts;
use orgdir_client::Client;
use orgdir_testkit::{storage_test, Backend, TestApp};
use orgdir_types::users::UserType;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const COUNT: &str = "/crm/v8/users/actions/count?type=AllUsers";

/// A call of the Zoho API with `token`: its status and JSON body.
async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let (status, _, body) = app.api(token, method, path, body).await;
    (status, body)
}

async fn control(app: &TestApp, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
    app.org_control(method, path, body).await
}

async fn journal(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, body) = control(app, Method::GET, &format!("/requests{query}"), None).await;
    assert_eq!(status, 200, "{body}");
    body["requests"].as_array().expect("requests").clone()
}

fn statuses(entries: &[Value]) -> Vec<u64> {
    entries
        .iter()
        .map(|e| e["status"].as_u64().unwrap_or(0))
        .collect()
}

async fn every_third_call_fails(app: TestApp) {
    let token = app.org.admin_token.clone();
    let admin = app.org.admin_user_id.to_string();
    let (status, rule) = control(
        &app,
        Method::POST,
        "/faults",
        Some(&json!({
            "match": {"method": "GET", "path": "/crm/*/users/actions/count"},
            "effect": {"status": 500, "code": "INTERNAL_ERROR", "message": "boom"},
            "trigger": {"every": 3}
        })),
    )
    .await;
    assert_eq!(status, 201, "{rule}");
    let id = rule["id"].as_u64().expect("id");
    assert_eq!(rule["hits"], 0);

    let mut seen = Vec::new();
    for _ in 0..6 {
        let (status, body) = call(&app, &token, Method::GET, COUNT, None).await;
        if status == 500 {
            assert_eq!(
                body,
                json!({"code": "INTERNAL_ERROR", "details": {}, "message": "boom", "status": "error"})
            );
        } else {
            assert_eq!(body["count"], 1, "{body}");
        }
        seen.push(status);
    }
    assert_eq!(seen, [200, 200, 500, 200, 200, 500]);
    let (_, rules) = control(&app, Method::GET, "/faults", None).await;
    assert_eq!(rules["faults"][0]["hits"], 2, "{rules}");
    assert_eq!(rules["faults"][0]["trigger"], json!({"every": 3}));

    // Deleting the rule restores every call.
    let (status, _) = control(&app, Method::DELETE, &format!("/faults/{id}"), None).await;
    assert_eq!(status, 200);
    let (status, missing) = control(&app, Method::DELETE, &format!("/faults/{id}"), None).await;
    assert_eq!(
        (status, missing["code"].as_str()),
        (400, Some("INVALID_DATA"))
    );
    for _ in 0..3 {
        assert_eq!(call(&app, &token, Method::GET, COUNT, None).await.0, 200);
    }

    // The journal: exactly these nine calls, newest first.
    let entries = journal(&app, "").await;
    assert_eq!(
        statuses(&entries),
        [200, 200, 200, 500, 200, 200, 500, 200, 200]
    );
    let ids: Vec<u64> = entries
        .iter()
        .map(|e| e["id"].as_u64().expect("id"))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    for e in &entries {
        assert_eq!(e["method"], "GET");
        assert_eq!(e["path"], "/crm/v8/users/actions/count");
        assert_eq!(e["query"], "type=AllUsers");
        assert_eq!(e["user_id"], admin.as_str());
        assert_eq!(e["client_id"], Value::Null);
        assert_eq!(e["body"], Value::Null);
        assert!(e["latency_ms"].as_f64().expect("latency") >= 0.0);
        assert!(e["time"].as_str().expect("time").ends_with('Z'));
        let faulted = e["status"] == 500;
        assert_eq!(
            e["fault"],
            if faulted { json!(id) } else { Value::Null },
            "{e}"
        );
        assert_eq!(
            e["code"],
            if faulted {
                json!("INTERNAL_ERROR")
            } else {
                Value::Null
            }
        );
    }
    let text = json!(entries).to_string();
    assert!(!text.contains(&token), "the token is never journaled");

    // Filters.
    assert_eq!(journal(&app, "?status=500").await.len(), 2);
    assert_eq!(journal(&app, "?code=INTERNAL_ERROR").await.len(), 2);
    assert_eq!(journal(&app, "?limit=1").await[0]["id"], entries[0]["id"]);
    assert_eq!(journal(&app, "?path=/crm/*/count").await.len(), 9);
    assert_eq!(journal(&app, "?path=/crm/v8/users").await.len(), 9);
    assert_eq!(journal(&app, "?path=/crm/v8/roles").await.len(), 0);
    assert_eq!(journal(&app, "?method=get").await.len(), 9);
    assert_eq!(journal(&app, "?method=POST").await.len(), 0);
    assert_eq!(journal(&app, "?since=2000-01-01T00:00:00Z").await.len(), 9);
    assert_eq!(journal(&app, "?since=2999-01-01T00:00:00Z").await.len(), 0);
    for bad in ["?status=abc", "?limit=0", "?since=yesterday"] {
        let (status, body) = control(&app, Method::GET, &format!("/requests{bad}"), None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("INVALID_DATA")),
            "{bad}"
        );
    }

    // A faulted write changes nothing; the next one, past `times`, is served.
    let (status, rule) = control(
        &app,
        Method::POST,
        "/faults",
        Some(&json!({
            "match": {"method": "POST", "path": "/crm/v8/users"},
            "effect": {"status": 503, "code": "INTERNAL_ERROR"},
            "trigger": {"times": 1}
        })),
    )
    .await;
    assert_eq!(status, 201, "{rule}");
    let dir = app.directory().await;
    let user = json!({"users": [{"last_name": "Faulted", "email": "faulted@example.com",
        "role": dir.root_role, "profile": dir.standard_profile}]});
    let (status, body) = call(&app, &token, Method::POST, "/crm/v8/users", Some(&user)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("INTERNAL_ERROR"))
    );
    assert_eq!(
        app.client
            .users_count(UserType::AllUsers)
            .await
            .expect("count"),
        1
    );
    let (status, body) = call(&app, &token, Method::POST, "/crm/v8/users", Some(&user)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        app.client
            .users_count(UserType::AllUsers)
            .await
            .expect("count"),
        2
    );
    let posts = journal(&app, "?method=POST").await;
    assert_eq!(statuses(&posts), [201, 503]);
    assert_eq!(posts[1]["fault"], rule["id"]);
    assert_eq!(posts[0]["fault"], Value::Null);
    for post in &posts {
        assert_eq!(post["body"], user, "the body is journaled, faulted or not");
    }

    // Another org never sees this org's rules or journal, nor they its calls.
    control(
        &app,
        Method::POST,
        "/faults",
        Some(&json!({"effect": {"status": 500, "code": "INTERNAL_ERROR"}})),
    )
    .await;
    let other = app.other_org_token("Other").await;
    let other_client = Client::new(app.base_url()).with_token(&other);
    let other_org = other_client.org().await.expect("org").id;
    for _ in 0..3 {
        assert_eq!(call(&app, &other, Method::GET, COUNT, None).await.0, 200);
    }
    let (_, other_rules) = app
        .admin(
            Method::GET,
            &format!("/_orgdir/orgs/{other_org}/faults"),
            None,
            None,
        )
        .await;
    assert_eq!(other_rules, json!({"faults": []}));
    let (_, other_journal) = app
        .admin(
            Method::GET,
            &format!("/_orgdir/orgs/{other_org}/requests"),
            None,
            None,
        )
        .await;
    // Its own calls only: `GET /org`, then the three counts.
    let other_entries = other_journal["requests"].as_array().expect("requests");
    assert_eq!(statuses(other_entries), [200, 200, 200, 200]);
    assert_eq!(other_entries[3]["path"], "/crm/v8/org");
    assert!(!other_journal.to_string().contains(&admin));
    let before = journal(&app, "").await.len();
    assert_eq!(
        call(&app, &token, Method::GET, COUNT, None).await.0,
        500,
        "the org's own rule"
    );
    assert_eq!(journal(&app, "").await.len(), before + 1);

    // Clearing, then a reset, forget both.
    let (status, _) = control(&app, Method::DELETE, "/requests", None).await;
    assert_eq!(status, 200);
    assert!(journal(&app, "").await.is_empty());
    assert_eq!(call(&app, &token, Method::GET, COUNT, None).await.0, 500);
    assert_eq!(journal(&app, "").await.len(), 1);
    app.reset().await;
    assert!(journal(&app, "").await.is_empty());
    let (_, rules) = control(&app, Method::GET, "/faults", None).await;
    assert_eq!(rules, json!({"faults": []}));
    assert_eq!(call(&app, &token, Method::GET, COUNT, None).await.0, 200);
    // Deleting rules all at once.
    control(
        &app,
        Method::POST,
        "/faults",
        Some(&json!({"effect": {"drop": true}})),
    )
    .await;
    let (status, _) = control(&app, Method::DELETE, "/faults", None).await;
    assert_eq!(status, 200);
    assert_eq!(call(&app, &token, Method::GET, COUNT, None).await.0, 200);
}
storage_test!(faults_and_journal, every_third_call_fails);

#[tokio::test]
async fn the_journal_is_bounded() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| config.journal_capacity = 5)
        .await
        .expect("app");
    let token = app.org.admin_token.clone();
    for _ in 0..8 {
        call(&app, &token, Method::GET, COUNT, None).await;
    }
    let entries = journal(&app, "").await;
    let ids: Vec<u64> = entries
        .iter()
        .map(|e| e["id"].as_u64().expect("id"))
        .collect();
    assert_eq!(ids, [8, 7, 6, 5, 4]);
}

#[tokio::test]
async fn a_dropped_call_gets_no_answer_and_the_server_goes_on() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let token = app.org.admin_token.clone();
    let (status, rule) = control(
        &app,
        Method::POST,
        "/faults",
        Some(&json!({"match": {"path": "/crm/*/users/actions/count"}, "effect": {"drop": true}, "trigger": {"times": 1}})),
    )
    .await;
    assert_eq!(status, 201, "{rule}");
    let dropped = reqwest::Client::new()
        .get(format!("{}{COUNT}", app.base_url()))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .send()
        .await;
    let error = dropped.expect_err("no HTTP answer");
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    // The server goes on: the same call, and others, are answered.
    assert_eq!(call(&app, &token, Method::GET, COUNT, None).await.0, 200);
    assert_eq!(
        app.client
            .users_count(UserType::AllUsers)
            .await
            .expect("count"),
        1
    );
    let entries = journal(&app, "").await;
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert_eq!(entries[2]["status"], Value::Null, "no answer was sent");
    assert_eq!(entries[2]["fault"], rule["id"]);
}

#[tokio::test]
async fn a_delayed_call_answers_late_and_right() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let token = app.org.admin_token.clone();
    let (status, _) = control(
        &app,
        Method::POST,
        "/faults",
        Some(&json!({"match": {"method": "GET"}, "effect": {"delay_ms": 300, "jitter_ms": 50}})),
    )
    .await;
    assert_eq!(status, 201);
    let start = Instant::now();
    let (status, body) = call(&app, &token, Method::GET, COUNT, None).await;
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!((status, body), (200, json!({"count": 1})));
    let entry = &journal(&app, "").await[0];
    assert!(
        entry["latency_ms"].as_f64().expect("latency") >= 300.0,
        "{entry}"
    );
    assert_eq!(entry["fault"], 1);
    assert_eq!(entry["status"], 200);
}

#[tokio::test]
async fn times_and_seeded_probability_are_deterministic() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let token = app.org.admin_token.clone();
    let fail = json!({"status": 429, "code": "TOO_MANY_REQUESTS"});
    control(
        &app,
        Method::POST,
        "/faults",
        Some(&json!({"effect": fail, "trigger": {"times": 2}})),
    )
    .await;
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(call(&app, &token, Method::GET, COUNT, None).await.0);
    }
    assert_eq!(seen, [429, 429, 200, 200]);
    let rule = json!({"effect": fail, "trigger": {"probability": 0.5, "seed": 7}});
    let mut runs = Vec::new();
    for _ in 0..2 {
        control(&app, Method::DELETE, "/faults", None).await;
        control(&app, Method::POST, "/faults", Some(&rule)).await;
        let mut run = Vec::new();
        for _ in 0..16 {
            run.push(call(&app, &token, Method::GET, COUNT, None).await.0);
        }
        runs.push(run);
    }
    assert_eq!(runs[0], runs[1], "the same seed fails the same calls");
    assert!(
        runs[0].contains(&429) && runs[0].contains(&200),
        "{:?}",
        runs[0]
    );
}

#[tokio::test]
async fn fault_rules_are_checked_strictly() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    for (body, path) in [
        (json!({"effect": {"drop": true}, "when": 1}), "$.when"),
        (json!({"effect": {"status": 500}}), "$.effect.code"),
        (json!({"effect": {"delay_ms": -1}}), "$.effect.delay_ms"),
        (
            json!({"effect": {"drop": true}, "trigger": {"every": 0}}),
            "$.trigger.every",
        ),
        (
            json!({"effect": {"drop": true}, "trigger": {"probability": 1.5, "seed": 1}}),
            "$.trigger.probability",
        ),
        (json!([]), "$"),
    ] {
        let (status, answer) = control(&app, Method::POST, "/faults", Some(&body)).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(answer["code"], "INVALID_DATA");
        assert_eq!(answer["details"]["json_path"], path, "{body}: {answer}");
    }
    let (_, rules) = control(&app, Method::GET, "/faults", None).await;
    assert_eq!(rules, json!({"faults": []}));
    let (status, _) = app
        .admin(Method::GET, "/_orgdir/orgs/1234567/requests", None, None)
        .await;
    assert_eq!(status, 400, "an unknown org");
}

#[tokio::test]
async fn oauth_grants_are_journaled_without_secrets() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let (status, client) = control(
        &app,
        Method::POST,
        "/clients",
        Some(&json!({"name": "Self", "self_client": true})),
    )
    .await;
    assert_eq!(status, 201, "{client}");
    let (id, secret) = (
        client["client_id"].as_str().expect("id"),
        client["client_secret"].as_str().expect("secret"),
    );
    let org = app.org.org.id.to_string();
    let issued = Accounts::new(app.base_url(), id, secret)
        .client_credentials("ZohoCRM.users.READ", &org)
        .await
        .expect("token");
    assert_eq!(
        call(&app, &issued.access_token, Method::GET, COUNT, None)
            .await
            .0,
        200
    );
    let entries = journal(&app, "").await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[1]["path"], "/oauth/v2/token");
    assert_eq!(entries[1]["client_id"], id);
    assert_eq!(entries[1]["body"]["client_secret"], "[redacted]");
    assert_eq!(entries[1]["body"]["grant_type"], "client_credentials");
    assert_eq!(
        entries[0]["client_id"], id,
        "a call with the client's token"
    );
    let text = json!(entries).to_string();
    assert!(
        !text.contains(secret) && !text.contains(&issued.access_token),
        "{text}"
    );

    // A code exchange and a revocation: calls of the client's org, with no
    // code, token or secret in the journal.
    let redirect = "http://localhost/cb";
    let (web_id, web_secret) = app.web_client(redirect).await;
    let (web_id, web_secret) = (web_id.as_str(), web_secret.as_str());
    let code = orgdir_core::service::oauth::approve(
        &app.dir,
        web_id,
        redirect,
        "ZohoCRM.users.READ",
        app.org.admin_user_id,
        orgdir_core::service::oauth::OAuthConfig::default(),
    )
    .await
    .expect("code");
    let accounts = Accounts::new(app.base_url(), web_id, web_secret);
    let tokens = accounts
        .exchange_code(&code, redirect)
        .await
        .expect("exchange");
    let refresh = tokens.refresh_token.expect("refresh token");
    accounts.revoke(&refresh).await.expect("revoked");
    let entries = journal(&app, "?path=/oauth/").await;
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert_eq!(entries[0]["path"], "/oauth/v2/token/revoke");
    assert_eq!(entries[0]["query"], "token=[redacted]");
    assert_eq!(entries[0]["client_id"], web_id);
    assert_eq!(entries[1]["body"]["code"], "[redacted]");
    assert_eq!(entries[1]["client_id"], web_id);
    let text = json!(entries).to_string();
    for secret in [
        code.as_str(),
        refresh.as_str(),
        tokens.access_token.as_str(),
        web_secret,
    ] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[tokio::test]
async fn the_rust_client_drives_the_controls() {
    use orgdir_client::control::{Control, RequestFilter};
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let control = Control::new(app.base_url(), orgdir_testkit::ADMIN_KEY);
    let org = app.org.org.id.to_string();
    let rule = control
        .add_fault(
            &org,
            &json!({"match": {"path": "/crm/*/users/actions/count"},
                    "effect": {"status": 500, "code": "INTERNAL_ERROR"},
                    "trigger": {"times": 1}}),
        )
        .await
        .expect("rule");
    let failed = app
        .client
        .users_count(UserType::AllUsers)
        .await
        .expect_err("faulted");
    assert_eq!(failed.code(), Some(orgdir_types::ErrorCode::InternalError));
    assert_eq!(
        app.client
            .users_count(UserType::AllUsers)
            .await
            .expect("count"),
        1
    );
    assert_eq!(control.faults(&org).await.expect("faults")[0].hits, 1);
    let faulted = RequestFilter {
        status: Some(500),
        ..RequestFilter::default()
    };
    let entries = control.requests(&org, &faulted).await.expect("journal");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].fault, Some(rule.id));
    assert_eq!(entries[0].code.as_deref(), Some("INTERNAL_ERROR"));
    control.remove_fault(&org, rule.id).await.expect("removed");
    let gone = control.remove_fault(&org, rule.id).await.expect_err("gone");
    assert_eq!(gone.code(), Some(orgdir_types::ErrorCode::InvalidData));
    control.clear_faults(&org).await.expect("cleared");
    control.clear_requests(&org).await.expect("cleared");
    let all = control
        .requests(&org, &RequestFilter::default())
        .await
        .expect("journal");
    assert!(all.is_empty());
}

#[tokio::test]
async fn only_calls_of_a_valid_token_are_journaled() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    // No token, an unknown token, the control plane, an unknown path: no org, no entry.
    let anonymous = reqwest::Client::new()
        .get(format!("{}{COUNT}", app.base_url()))
        .send()
        .await
        .expect("answer");
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(
        call(&app, "1000.nope.nope", Method::GET, COUNT, None)
            .await
            .0,
        401
    );
    control(&app, Method::GET, "/faults", None).await;
    assert!(journal(&app, "").await.is_empty());
    // A valid token refused for its scopes is a call of its org.
    let narrow = app.token("ZohoCRM.settings.roles.READ").await;
    let (status, body) = call(&app, &narrow, Method::GET, COUNT, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("OAUTH_SCOPE_MISMATCH"))
    );
    let entries = journal(&app, "").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["code"], "OAUTH_SCOPE_MISMATCH");
    assert_eq!(entries[0]["status"], 401);
    assert!(!json!(entries).to_string().contains(&narrow));
    // The body is journaled though the handler refused the call before
    // reading it; a long one is cut at 4 KiB with its length.
    let sent = json!({"users": [{"last_name": "Refused", "email": "r@example.com"}]});
    let (status, _) = call(&app, &narrow, Method::POST, "/crm/v8/users", Some(&sent)).await;
    assert_eq!(status, 401);
    assert_eq!(journal(&app, "?limit=1").await[0]["body"], sent);
    let long = json!({"users": [{"last_name": "x".repeat(10_000)}]});
    let length = long.to_string().len();
    call(&app, &narrow, Method::POST, "/crm/v8/users", Some(&long)).await;
    let kept = journal(&app, "?limit=1").await[0]["body"].clone();
    let kept = kept.as_str().expect("text");
    assert!(kept.starts_with("{\"users\""), "{kept}");
    assert!(
        kept.ends_with(&format!("…[truncated: {length} bytes]")),
        "{kept}"
    );
    assert!(kept.len() < 4200);
}
