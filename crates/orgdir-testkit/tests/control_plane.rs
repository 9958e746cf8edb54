//! The control plane (issue 5): the admin key on every call, orgs created,
//! reset, imported, exported and deleted, tokens minted — on both backends.

use orgdir_client::Client;
use orgdir_testkit::fixtures::document;
use orgdir_testkit::{storage_test, Backend, TestApp};
use orgdir_types::users::UserType;
use orgdir_types::ErrorCode;
use reqwest::Method;
use serde_json::json;

/// A wrong key is answered only after a delay, and only that call waits: a
/// stranger guessing keys does not slow the right key's calls (issue 16).
#[tokio::test]
async fn a_wrong_admin_key_is_slowed_and_no_one_else_is() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let started = std::time::Instant::now();
    let guesses = (0..20).map(|i| {
        let app = &app;
        async move {
            let (status, _) = app
                .admin(
                    Method::GET,
                    "/_orgdir/orgs",
                    None,
                    Some(&format!("guess-{i}")),
                )
                .await;
            assert_eq!(status, 401);
        }
    });
    let right = async {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let begun = std::time::Instant::now();
        let (status, _) = app.admin(Method::GET, "/_orgdir/orgs", None, None).await;
        assert_eq!(status, 200);
        begun.elapsed()
    };
    let (_, right_took) = tokio::join!(futures::future::join_all(guesses), right);
    let guesses_took = started.elapsed();
    assert!(
        guesses_took >= orgdir_server::admin_key::FAILURE_DELAY,
        "a wrong key answered after {guesses_took:?}"
    );
    assert!(
        right_took < orgdir_server::admin_key::FAILURE_DELAY,
        "the right key waited {right_took:?} behind the guesses"
    );
    // The key is trimmed on the way in, as the configured one is.
    let (status, _) = app
        .admin(
            Method::GET,
            "/_orgdir/orgs",
            None,
            Some(&format!(" {} ", orgdir_testkit::ADMIN_KEY)),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn every_control_plane_call_needs_the_admin_key() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let org = app.org.org.id;
    let calls = [
        (Method::GET, "/_orgdir/metrics".to_owned()),
        (Method::GET, "/_orgdir/orgs".to_owned()),
        (Method::POST, "/_orgdir/orgs".to_owned()),
        (Method::POST, "/_orgdir/orgs/import".to_owned()),
        (Method::GET, format!("/_orgdir/orgs/{org}")),
        (Method::DELETE, format!("/_orgdir/orgs/{org}")),
        (Method::POST, format!("/_orgdir/orgs/{org}/reset")),
        (Method::GET, format!("/_orgdir/orgs/{org}/export")),
        (Method::POST, format!("/_orgdir/orgs/{org}/tokens")),
        (Method::GET, format!("/_orgdir/orgs/{org}/clients")),
        (Method::POST, format!("/_orgdir/orgs/{org}/clients")),
        (Method::GET, format!("/_orgdir/orgs/{org}/behaviour")),
        (Method::PUT, format!("/_orgdir/orgs/{org}/behaviour")),
        (Method::GET, format!("/_orgdir/orgs/{org}/requests")),
        (Method::DELETE, format!("/_orgdir/orgs/{org}/requests")),
        (Method::GET, format!("/_orgdir/orgs/{org}/faults")),
        (Method::POST, format!("/_orgdir/orgs/{org}/faults")),
        (Method::DELETE, format!("/_orgdir/orgs/{org}/faults")),
        (Method::DELETE, format!("/_orgdir/orgs/{org}/faults/1")),
        (Method::GET, format!("/_orgdir/orgs/{org}/limits")),
        (Method::PUT, format!("/_orgdir/orgs/{org}/limits")),
        (Method::DELETE, format!("/_orgdir/orgs/{org}/limits")),
        (Method::GET, format!("/_orgdir/orgs/{org}/clock")),
        (Method::POST, format!("/_orgdir/orgs/{org}/clock")),
        (
            Method::POST,
            format!(
                "/_orgdir/orgs/{org}/users/{}/confirm",
                app.org.admin_user_id
            ),
        ),
    ];
    let key = orgdir_testkit::ADMIN_KEY;
    let short = &key[..key.len() - 1];
    // Concurrently: each refusal waits (admin_key::FAILURE_DELAY).
    let refusals = calls.iter().flat_map(|(method, path)| {
        ["", "wrong-key", short].map(|key| {
            let app = &app;
            async move {
                let (status, body) = app
                    .admin(method.clone(), path, Some(&json!({})), Some(key))
                    .await;
                assert_eq!(status, 401, "{method} {path} with key {key:?}");
                assert_eq!(body["code"], "AUTHENTICATION_FAILURE");
            }
        })
    });
    futures::future::join_all(refusals).await;
    // The org is untouched, and Zoho's own tokens are no admin key.
    let token = app.org.admin_token.clone();
    let with_token = reqwest::Client::new()
        .get(format!("{}/_orgdir/orgs", app.base_url()))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("call");
    assert_eq!(with_token.status().as_u16(), 401);
    assert_eq!(
        app.client
            .users_count(UserType::AllUsers)
            .await
            .expect("count"),
        1
    );
    // The four public probes (SPEC 7) answer without a key, with or
    // without a wrong one, and say nothing about the orgs.
    for key in [None, Some(""), Some("wrong-key")] {
        for (path, expected) in [
            ("/_orgdir/ping", json!({"status": "ok"})),
            ("/_orgdir/health", json!({"status": "ok"})),
            ("/_orgdir/ready", json!({"status": "ready"})),
        ] {
            let (status, body) = app.admin(Method::GET, path, None, key).await;
            assert_eq!((status, body), (200, expected), "{path} with {key:?}");
        }
        let (status, openapi) = app
            .admin(Method::GET, "/_orgdir/openapi.json", None, key)
            .await;
        assert_eq!(status, 200);
        assert!(openapi["openapi"].is_string(), "{openapi}");
    }
    let metrics = reqwest::Client::new()
        .get(format!("{}/_orgdir/metrics", app.base_url()))
        .header("X-Orgdir-Admin-Key", orgdir_testkit::ADMIN_KEY)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(metrics.contains("orgdir_orgs 1"), "{metrics}");
    assert!(
        metrics.contains(&format!(
            "orgdir_users{{org=\"{org}\",status=\"active\"}} 1"
        )),
        "{metrics}"
    );
}

async fn lifecycle(app: TestApp) {
    // Create an org; its token works; it starts with one user.
    let (status, created) = app
        .admin(Method::POST, "/_orgdir/orgs", Some(&json!({"name":"Acme","licenses":5,"edition":"professional","time_zone":"Europe/Paris"})), None)
        .await;
    assert_eq!(status, 201, "{created}");
    let org = created["org"]["id"].as_str().expect("id").to_owned();
    assert_eq!(created["org"]["time_zone"], "Europe/Paris");
    let acme =
        Client::new(app.base_url()).with_token(created["access_token"].as_str().expect("token"));
    assert_eq!(
        acme.users_count(UserType::AllUsers).await.expect("count"),
        1
    );
    let (_, listed) = app.admin(Method::GET, "/_orgdir/orgs", None, None).await;
    assert_eq!(listed["orgs"].as_array().expect("orgs").len(), 2);

    // Change it, then reset: back to one user and one territory, the token still works.
    let dir = {
        let roles = acme.list_roles().await.expect("roles");
        let profiles = acme.list_profiles().await.expect("profiles");
        (roles.roles[0].id.clone(), profiles.profiles[1].id.clone())
    };
    for i in 0..3 {
        acme.create_user(json!({"last_name": format!("U{i}"),"email": format!("u{i}@acme.example"),"role": dir.0,"profile": dir.1}))
            .await
            .expect("user");
    }
    let (_, minted) = app
        .admin(
            Method::POST,
            &format!("/_orgdir/orgs/{org}/tokens"),
            Some(&json!({"email":"u0@acme.example","scopes":"ZohoCRM.users.READ"})),
            None,
        )
        .await;
    let stale =
        Client::new(app.base_url()).with_token(minted["access_token"].as_str().expect("token"));
    let root = acme
        .list_territories(None, None)
        .await
        .expect("t")
        .expect("root")
        .territories[0]
        .id
        .clone();
    acme.create_territory(json!({"name":"Extra","reporting_to": root}))
        .await
        .expect("territory");
    assert_eq!(
        acme.users_count(UserType::AllUsers).await.expect("count"),
        4
    );
    let (status, reset) = app
        .admin(
            Method::POST,
            &format!("/_orgdir/orgs/{org}/reset"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "{reset}");
    let took = reset["took_ms"].as_f64().expect("took_ms");
    println!("reset of a small org took {took:.2} ms");
    assert_eq!(
        acme.users_count(UserType::AllUsers)
            .await
            .expect("count after reset"),
        1
    );
    let page = acme
        .territory_users_count(None, None)
        .await
        .expect("count")
        .expect("rows");
    assert_eq!(page.info.count, 1, "only the root territory");
    // A user created after the reset gets the same id sequence again.
    let again = acme
        .create_user(
            json!({"last_name":"U0","email":"u0@acme.example","role": dir.0,"profile": dir.1}),
        )
        .await
        .expect("user after reset");
    assert!(again.starts_with(&org));
    // The token of the user the reset removed does not become the new user's.
    let err = stale
        .users_count(UserType::CurrentUser)
        .await
        .expect_err("stale token");
    assert_eq!(err.code(), Some(ErrorCode::InvalidToken));

    // Mint a token for a chosen user and scopes; confirm a user.
    let (status, minted) = app
        .admin(
            Method::POST,
            &format!("/_orgdir/orgs/{org}/tokens"),
            Some(&json!({"email":"u0@acme.example","scopes":"ZohoCRM.users.READ","expires_in":60})),
            None,
        )
        .await;
    assert_eq!(status, 201, "{minted}");
    let u0 =
        Client::new(app.base_url()).with_token(minted["access_token"].as_str().expect("token"));
    assert_eq!(
        u0.users_count(UserType::CurrentUser).await.expect("count"),
        1
    );
    assert_eq!(
        u0.list_roles().await.expect_err("scope").code(),
        Some(ErrorCode::OauthScopeMismatch)
    );
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("/_orgdir/orgs/{org}/users/{again}/confirm"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        acme.users_count(UserType::ConfirmedUsers)
            .await
            .expect("count"),
        2
    );

    // Export, delete, import the export: the same org again.
    let (status, exported) = app
        .admin(
            Method::GET,
            &format!("/_orgdir/orgs/{org}/export"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .admin(Method::DELETE, &format!("/_orgdir/orgs/{org}"), None, None)
        .await;
    assert_eq!(status, 200);
    let gone = acme
        .users_count(UserType::AllUsers)
        .await
        .expect_err("deleted org");
    assert_eq!(gone.code(), Some(ErrorCode::InvalidToken));
    let (status, _) = app
        .admin(Method::GET, &format!("/_orgdir/orgs/{org}"), None, None)
        .await;
    assert_eq!(status, 400);
    let (status, imported) = app
        .admin(Method::POST, "/_orgdir/orgs/import", Some(&exported), None)
        .await;
    assert_eq!(status, 201, "{imported}");
    let (status, again) = app
        .admin(
            Method::GET,
            &format!("/_orgdir/orgs/{org}/export"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(again, exported);

    // A bad document is refused with its paths, and writes nothing.
    let mut bad = serde_json::to_value(document("seed-003/org.json")).expect("json");
    bad["users"][1]["role"] = json!("1");
    bad["territories"][1]["reporting_to"] = json!("2");
    let (status, refused) = app
        .admin(Method::POST, "/_orgdir/orgs/import", Some(&bad), None)
        .await;
    assert_eq!(status, 400);
    let message = refused["message"].as_str().expect("message");
    assert!(
        message.contains("$.users[1].role") && message.contains("$.territories[1].reporting_to"),
        "{message}"
    );
    let (_, listed) = app.admin(Method::GET, "/_orgdir/orgs", None, None).await;
    assert_eq!(listed["orgs"].as_array().expect("orgs").len(), 2);
}
storage_test!(control_plane_lifecycle, lifecycle);

async fn reset_keeps_counts_exact(app: TestApp) {
    let doc = document("user-groups/org.json");
    let (status, _) = app
        .admin(
            Method::POST,
            "/_orgdir/orgs/import",
            Some(&serde_json::to_value(&doc).expect("json")),
            None,
        )
        .await;
    assert_eq!(status, 201);
    let org = orgdir_core::OrgId::parse(&doc.org.id).expect("org");
    let before = orgdir_core::document::export(&app.dir, org)
        .await
        .expect("export");
    let admin = orgdir_core::service::users::primary(&app.dir, org)
        .await
        .expect("read")
        .expect("admin");
    let token = orgdir_core::service::tokens::mint_access_token(
        &app.dir,
        org,
        admin.user.id,
        orgdir_core::scopes::ScopeSet::parse(orgdir_core::scopes::ALL_SCOPES).expect("scopes"),
        None,
    )
    .await
    .expect("token");
    let client = Client::new(app.base_url()).with_token(token);
    client
        .delete_group("3652397000012454002")
        .await
        .expect("delete group");
    client
        .delete_user("3652397000009950103")
        .await
        .expect("delete user");
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("/_orgdir/orgs/{org}/reset"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let after = orgdir_core::document::export(&app.dir, org)
        .await
        .expect("export");
    assert_eq!(before.users, after.users);
    assert_eq!(before.user_groups, after.user_groups);
    assert_eq!(before.territories, after.territories);
    orgdir_testkit::assert_counts_exact(&app.dir, org).await;
    assert_eq!(
        client
            .group_count("3652397000012454002")
            .await
            .expect("count"),
        Some(4)
    );
}
storage_test!(reset_restores_every_count, reset_keeps_counts_exact);

#[tokio::test]
async fn out_of_range_numbers_are_refused_not_overflowed() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let org = app.org.org.id;
    let (status, body) = app
        .admin(
            Method::POST,
            &format!("/_orgdir/orgs/{org}/tokens"),
            Some(&json!({"expires_in": i64::MAX})),
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["details"]["json_path"], "$.expires_in");
    let mut doc = serde_json::to_value(document("seed-003/org.json")).expect("json");
    doc["org"]["next_sequence"] = json!(9_223_372_036_854_775_000i64);
    doc["users"][1]["extra"] = json!({"id": "1"});
    let (status, refused) = app
        .admin(Method::POST, "/_orgdir/orgs/import", Some(&doc), None)
        .await;
    assert_eq!(status, 400);
    let message = refused["message"].as_str().expect("message");
    assert!(
        message.contains("$.org.next_sequence") && message.contains("$.users[1].extra.id"),
        "{message}"
    );
}
