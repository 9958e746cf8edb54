//! `TestServer` as a Rust test uses it: orgs of their own, the Zoho API,
//! and the emulator controls, in one process.

use orgdir_client::control::SetLimits;
use orgdir_testserver::TestServer;
use orgdir_types::users::UserType;
use orgdir_types::ErrorCode;

#[tokio::test]
async fn two_orgs_on_one_server_see_only_their_own() {
    let server = TestServer::start().await.expect("server");
    let (a, b) = (
        server.fresh_org().await.expect("org a"),
        server.fresh_org().await.expect("org b"),
    );
    assert_ne!(a.id, b.id);
    let role = a.client.list_roles().await.expect("roles").roles[0]
        .id
        .clone();
    let profiles = a.client.list_profiles().await.expect("profiles").profiles;
    let standard = profiles
        .iter()
        .find(|p| p.name == "Standard")
        .expect("Standard");
    let created = a
        .client
        .create_user(serde_json::json!({
            "email": "new@example.com",
            "last_name": "New",
            "role": role,
            "profile": standard.id,
        }))
        .await;
    assert!(created.is_ok(), "{created:?}");
    assert_eq!(
        a.client.users_count(UserType::AllUsers).await.expect("a"),
        2
    );
    assert_eq!(
        b.client.users_count(UserType::AllUsers).await.expect("b"),
        1
    );

    // Limits on one org leave the other alone.
    server
        .control()
        .set_limits(
            &a.id,
            SetLimits::Numbers {
                credits_per_day: Some(0),
                concurrency: None,
            },
        )
        .await
        .expect("limits");
    let refused = a
        .client
        .users_count(UserType::AllUsers)
        .await
        .expect_err("no credit");
    assert_eq!(refused.code(), Some(ErrorCode::TooManyRequests));
    assert_eq!(
        b.client.users_count(UserType::AllUsers).await.expect("b"),
        1
    );
    server.control().reset_org(&a.id).await.expect("reset");
    assert_eq!(
        a.client.users_count(UserType::AllUsers).await.expect("a"),
        1
    );

    let url = server.base_url();
    server.stop().await;
    assert!(reqwest_free_get(&url).await.is_err(), "stopped");
}

async fn reqwest_free_get(url: &str) -> Result<(), String> {
    let addr = url.trim_start_matches("http://").to_owned();
    tokio::net::TcpStream::connect(addr)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}
