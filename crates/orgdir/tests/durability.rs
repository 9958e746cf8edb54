//! `kill -9` under concurrent writes, on both backends: every user creation
//! the server acknowledged is there after a restart, and `orgdir check`
//! finds every maintained count exact (users, and a group that counts them).

mod common;

use common::{call, get, start, wait_ready, ADMIN_KEY};
use orgdir_testkit::{Backend, TestDb};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Concurrent clients creating users.
const WRITERS: usize = 16;

async fn kill_under_writes(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return; // TestDb said loudly why; under CI=true it fails instead
    };
    let http = reqwest::Client::new();
    let mut server = start(&db.url);
    wait_ready(&http, &server.base).await;
    let base = server.base.clone();
    // An org (not the demo org) with a licence for every user the writers
    // can create; its admin token never expires.
    let created: Value = http
        .post(format!("{base}/_orgdir/orgs"))
        .header("X-Orgdir-Admin-Key", ADMIN_KEY)
        .json(&json!({"name": "Durable", "licenses": 1_000_000}))
        .send()
        .await
        .expect("create org")
        .json()
        .await
        .expect("json");
    let token = created["access_token"].as_str().expect("token").to_owned();
    let roles = get(&http, &token, format!("{base}/crm/v8/settings/roles")).await;
    let root_role = roles["roles"][0]["id"].as_str().expect("role").to_owned();
    let profiles = get(&http, &token, format!("{base}/crm/v8/settings/profiles")).await;
    let profile = profiles["profiles"][0]["id"]
        .as_str()
        .expect("profile")
        .to_owned();
    let (status, body) = call(
        &http,
        &token,
        reqwest::Method::POST,
        format!("{base}/crm/v8/settings/user_groups"),
        Some(json!({"user_groups": [{"name": "Everyone",
            "sources": [{"type": "roles", "source": {"id": root_role}, "subordinates": true}]}]})),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (http, token, base) = (http.clone(), token.clone(), base.clone());
        let (role, profile, acknowledged) =
            (root_role.clone(), profile.clone(), acknowledged.clone());
        writers.push(tokio::spawn(async move {
            for n in 0.. {
                let body = json!({"users": [{"last_name": format!("W{w} {n}"),
                    "email": format!("w{w}.{n}@example.com"), "role": role, "profile": profile}]});
                let sent = http
                    .post(format!("{base}/crm/v8/users"))
                    .header("Authorization", format!("Zoho-oauthtoken {token}"))
                    .json(&body)
                    .send()
                    .await;
                let Ok(response) = sent else { break };
                let status = response.status().as_u16();
                let Ok(answer) = response.json::<Value>().await else {
                    break;
                };
                assert_eq!(status, 201, "{answer}");
                let id = answer["users"][0]["details"]["id"].as_str().expect("id");
                acknowledged.lock().expect("ids").push(id.to_owned());
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.child.kill().expect("kill -9"); // SIGKILL: no shutdown, no flush
    let _ = server.child.wait();
    for writer in writers {
        writer.await.expect("writer");
    }
    let acknowledged = acknowledged.lock().expect("ids").clone();
    assert!(!acknowledged.is_empty(), "some writes were acknowledged");
    eprintln!(
        "{backend:?}: {} creations acknowledged before kill -9",
        acknowledged.len()
    );

    let restarted = start(&db.url);
    wait_ready(&http, &restarted.base).await;
    let base = restarted.base.clone();
    for id in &acknowledged {
        let (status, body) = call(
            &http,
            &token,
            reqwest::Method::GET,
            format!("{base}/crm/v8/users/{id}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "acknowledged user {id} is there: {body}");
    }
    let all = get(&http, &token, format!("{base}/crm/v8/users/actions/count")).await;
    let all = all["count"].as_u64().expect("count") as usize;
    assert!(
        all > acknowledged.len(),
        "{all} users for {} acknowledged",
        acknowledged.len()
    );
    drop(restarted);
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .args(["check", "--database-url", &db.url])
        .output()
        .expect("orgdir check");
    assert!(
        check.status.success(),
        "check after kill -9: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_loses_no_acknowledged_write_to_kill_9() {
    kill_under_writes(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_loses_no_acknowledged_write_to_kill_9() {
    kill_under_writes(Backend::Postgres).await;
}
