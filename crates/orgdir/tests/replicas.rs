//! Two `orgdir serve` processes on one PostgreSQL database, sharing nothing
//! but it: a write acknowledged by one is in every count the other reads
//! right after, and a token revoked on one, or whose user was disabled on
//! one, is refused by the other on its very next request, although the
//! other holds the token's session in its cache.

mod common;

use common::{call, get, start, wait_ready, ADMIN_KEY};
use orgdir_client::oauth::Accounts;
use orgdir_testkit::{Backend, TestDb};
use serde_json::{json, Value};

const REDIRECT: &str = "http://localhost:9999/callback";

#[tokio::test]
async fn two_replicas_on_one_postgres_database() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return; // TestDb said loudly why; under CI=true it fails instead
    };
    let http = reqwest::Client::new();
    let a = start(&db.url);
    wait_ready(&http, &a.base).await;
    let b = start(&db.url);
    wait_ready(&http, &b.base).await;
    let token = a
        .token
        .clone()
        .expect("the first replica created the demo org");
    assert!(b.token.is_none(), "the second replica must find the org");
    let (on_a, on_b) = (
        |p: &str| format!("{}{p}", a.base),
        |p: &str| format!("{}{p}", b.base),
    );
    let users_count = |t: &'static str| format!("/crm/v8/users/actions/count?type={t}");

    // Users: each write on A is in B's counts right after it is acknowledged.
    let root_role = get(&http, &token, on_b("/crm/v8/settings/roles")).await["roles"][0]["id"]
        .as_str()
        .expect("root role")
        .to_owned();
    let profiles = get(&http, &token, on_b("/crm/v8/settings/profiles")).await;
    let standard = profiles["profiles"]
        .as_array()
        .expect("profiles")
        .iter()
        .find(|p| p["name"] == "Standard")
        .expect("standard")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for n in 1..=3u64 {
        let (status, body) = call(
            &http,
            &token,
            reqwest::Method::POST,
            on_a("/crm/v8/users"),
            Some(json!({"users": [{"last_name": format!("Replica {n}"),
                "email": format!("replica{n}@example.com"),
                "role": {"id": root_role}, "profile": {"id": standard}}]})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let count = get(&http, &token, on_b(&users_count("AllUsers"))).await;
        assert_eq!(count["count"], json!(1 + n), "B sees A's user {n} at once");
        let invited = get(&http, &token, on_b(&users_count("NotConfirmedUsers"))).await;
        assert_eq!(invited["count"], json!(n));
    }

    // Groups and territories written on B are counted on A right after.
    let (status, body) = call(
        &http,
        &token,
        reqwest::Method::POST,
        on_b("/crm/v8/settings/user_groups"),
        Some(json!({"user_groups": [{"name": "Everyone",
            "sources": [{"type": "roles", "source": {"id": root_role}, "subordinates": true}]}]})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let groups = get(
        &http,
        &token,
        on_a("/crm/v8/settings/user_groups/actions/associated_users_count"),
    )
    .await;
    assert_eq!(groups["associated_users_count"][0]["count"], json!(4));
    let licences = get(&http, &token, on_a("/crm/v8/__features/user_licenses")).await;
    assert_eq!(
        licences["__features"][0]["details"]["used_count"]["total"],
        json!(4),
        "A's licence use counts every user, whichever replica wrote it: {licences}"
    );

    // A token revoked on A is refused by B right after.
    let org = common::first_org(&http, &a.base).await;
    let registered: Value = http
        .post(on_a(&format!("/_orgdir/orgs/{org}/clients")))
        .header("X-Orgdir-Admin-Key", ADMIN_KEY)
        .json(&json!({"name": "Replica test", "redirect_uris": [REDIRECT]}))
        .send()
        .await
        .expect("client")
        .json()
        .await
        .expect("json");
    let accounts = Accounts::new(
        a.base.clone(),
        registered["client_id"].as_str().expect("id"),
        registered["client_secret"].as_str().expect("secret"),
    );
    let admin_id = get(&http, &token, on_b(&users_count("CurrentUser"))).await;
    assert_eq!(admin_id["count"], json!(1));
    let me = get(&http, &token, on_b("/crm/v8/users?type=CurrentUser")).await;
    let user = me["users"][0]["id"].as_str().expect("me").to_owned();
    let code = common::approve(
        &a.base,
        &[
            ("client_id", accounts.client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", "ZohoCRM.users.READ"),
            ("state", "s"),
        ],
        &user,
    )
    .await;
    let tokens = accounts
        .exchange_code(&code, REDIRECT)
        .await
        .expect("exchange on A");
    let refresh = tokens.refresh_token.clone().expect("refresh token");
    let count = get(&http, &tokens.access_token, on_b(&users_count("AllUsers"))).await;
    assert_eq!(count["count"], json!(4), "B accepts A's token");
    let revoked = http
        .post(on_a(&format!("/oauth/v2/token/revoke?token={refresh}")))
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status().as_u16(), 200);
    let (status, body) = call(
        &http,
        &tokens.access_token,
        reqwest::Method::GET,
        on_b(&users_count("AllUsers")),
        None,
    )
    .await;
    assert_eq!(status, 401, "B refuses the token A revoked: {body}");
    assert_eq!(body["code"], json!("INVALID_TOKEN"));
    let b_accounts = Accounts::new(
        b.base.clone(),
        &accounts.client_id,
        registered["client_secret"].as_str().expect("secret"),
    );
    assert!(
        b_accounts.refresh(&refresh).await.is_err(),
        "B refuses the revoked refresh token"
    );

    // A user disabled on A: B, which holds the user's session in its cache,
    // refuses the user's next write and next read.
    let admin_profile = profiles["profiles"]
        .as_array()
        .expect("profiles")
        .iter()
        .find(|p| p["name"] == "Administrator")
        .expect("administrator")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (status, body) = call(
        &http,
        &token,
        reqwest::Method::POST,
        on_a("/crm/v8/users"),
        Some(
            json!({"users": [{"last_name": "Second admin", "email": "admin2@example.com",
            "role": {"id": root_role}, "profile": {"id": admin_profile}}]}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let second = body["users"][0]["details"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let minted: Value = http
        .post(on_a(&format!("/_orgdir/orgs/{org}/tokens")))
        .header("X-Orgdir-Admin-Key", ADMIN_KEY)
        .json(&json!({"user_id": second, "scopes": "ZohoCRM.users.ALL"}))
        .send()
        .await
        .expect("mint")
        .json()
        .await
        .expect("json");
    let second_token = minted["access_token"].as_str().expect("token").to_owned();
    get(&http, &second_token, on_b(&users_count("AllUsers"))).await; // now cached on B
    let (status, body) = call(
        &http,
        &token,
        reqwest::Method::PUT,
        on_a(&format!("/crm/v8/users/{second}")),
        Some(json!({"users": [{"status": "inactive"}]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(
        &http,
        &second_token,
        reqwest::Method::POST,
        on_b("/crm/v8/users"),
        Some(
            json!({"users": [{"last_name": "Late", "email": "late@example.com",
            "role": {"id": root_role}, "profile": {"id": standard}}]}),
        ),
    )
    .await;
    assert_eq!(
        status, 403,
        "B refuses a write by the user A disabled: {body}"
    );
    assert_eq!(body["code"], json!("INACTIVE_USER"));
    let (status, body) = call(
        &http,
        &second_token,
        reqwest::Method::GET,
        on_b(&users_count("AllUsers")),
        None,
    )
    .await;
    assert_eq!(
        status, 403,
        "B refuses a read by the user A disabled: {body}"
    );
    assert_eq!(body["code"], json!("INACTIVE_USER"));
    let count = get(&http, &token, on_b(&users_count("AllUsers"))).await;
    assert_eq!(count["count"], json!(5), "the refused write wrote nothing");
}
