//! Concurrent writes to one org, on SQLite (queued on its writer thread and
//! committed together) and PostgreSQL (committed together per org, each job
//! in a savepoint): every request gets its own answer, a failed write
//! leaves nothing behind even when it shared a transaction with others, and
//! every maintained count stays exact.

use orgdir_testkit::fixtures::UserBuilder;
use orgdir_testkit::{assert_counts_exact, storage_test, TestApp};
use orgdir_types::users::UserType;
use orgdir_types::ErrorCode;
use serde_json::json;
use std::collections::HashMap;

/// Creations sent at once: each email three times, plus some with a role
/// that does not exist.
const EMAILS: usize = 12;
const BAD_ROLE: usize = 6;

async fn many_at_once(app: TestApp) {
    let dir = app.directory().await;
    // A group over the whole role tree, so that each creation also moves a
    // group's maintained members.
    app.client
        .raw(
            reqwest::Method::POST,
            "/crm/v8/settings/user_groups",
            Some(&json!({"user_groups": [{"name": "Everyone", "sources": [
                {"type": "roles", "source": {"id": dir.root_role}, "subordinates": true}]}]})),
        )
        .await
        .expect("group");
    let mut requests = Vec::new();
    for i in 0..EMAILS * 3 {
        let user = UserBuilder::new(&format!("same{}@example.com", i % EMAILS)).json(&dir);
        requests.push(user);
    }
    for i in 0..BAD_ROLE {
        let mut user = UserBuilder::new(&format!("norole{i}@example.com")).json(&dir);
        user["role"] = json!("1");
        requests.push(user);
    }
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|user| {
            let client = app.client.clone();
            tokio::spawn(async move { client.create_user(user).await })
        })
        .collect();
    let mut created = 0;
    let mut refused: HashMap<Option<ErrorCode>, usize> = HashMap::new();
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => created += 1,
            Err(e) => *refused.entry(e.code()).or_default() += 1,
        }
    }
    assert_eq!(created, EMAILS, "one creation per email: {refused:?}");
    assert_eq!(
        refused.get(&Some(ErrorCode::DuplicateData)),
        Some(&(EMAILS * 2))
    );
    assert_eq!(refused.get(&Some(ErrorCode::InvalidData)), Some(&BAD_ROLE));
    let all = app
        .client
        .users_count(UserType::AllUsers)
        .await
        .expect("count");
    assert_eq!(all, 1 + EMAILS as u64);
    let groups = app
        .client
        .raw(
            reqwest::Method::GET,
            "/crm/v8/settings/user_groups/actions/associated_users_count",
            None,
        )
        .await
        .expect("groups");
    let groups: serde_json::Value = serde_json::from_slice(&groups.body).expect("json");
    assert_eq!(
        groups["associated_users_count"][0]["count"],
        json!(1 + EMAILS)
    );
    assert_counts_exact(&app.dir, app.org.org.id).await;
}

storage_test!(concurrent_creations, many_at_once);

/// Jobs that write and then fail, racing jobs that write and succeed: the
/// failed ones leave nothing (their savepoint or transaction rolls back),
/// the others all stay, and ids taken by failed jobs are not skipped in a
/// way that breaks anything.
async fn failures_roll_back_alone(app: TestApp) {
    use orgdir_core::org::Role;
    use orgdir_core::store::{write, WriteTarget};
    use orgdir_core::{Error, ZohoId};

    let org = app.org.org.id;
    let root: ZohoId = app
        .directory()
        .await
        .root_role
        .parse::<i64>()
        .map(ZohoId)
        .expect("root role id");
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let store = app.dir.shared_store();
            tokio::spawn(async move {
                write(store.as_ref(), WriteTarget::Org(org), move |tx| {
                    Box::pin(async move {
                        let id = tx.next_id();
                        tx.insert_role(&Role {
                            id,
                            name: format!("Role {i}"),
                            display_label: format!("Role {i}"),
                            reporting_to: Some(root),
                            share_with_peers: false,
                            description: None,
                            created_at: 0,
                            modified_at: 0,
                        })
                        .await?;
                        if i % 2 == 1 {
                            return Err(Error::invalid_param("test", "fails after writing"));
                        }
                        Ok(id)
                    })
                })
                .await
            })
        })
        .collect();
    let mut kept = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            Ok(id) => kept.push(id),
            Err(e) => assert!(!e.is_internal(), "{e}"),
        }
    }
    assert_eq!(kept.len(), 20);
    let mut caller = orgdir_testkit::caller(&app.dir, &app.org.admin_token).await;
    let roles = orgdir_core::service::roles::list(&app.dir, &mut caller)
        .await
        .expect("roles");
    let written: Vec<_> = roles
        .iter()
        .filter(|r| r.name.starts_with("Role "))
        .collect();
    assert_eq!(written.len(), 20, "only the jobs that succeeded wrote");
    assert!(written.iter().all(|r| kept.contains(&r.id)));
    assert!(written.iter().all(|r| r
        .name
        .trim_start_matches("Role ")
        .parse::<u32>()
        .expect("n")
        % 2
        == 0));
}

storage_test!(failed_jobs_roll_back_alone, failures_roll_back_alone);
