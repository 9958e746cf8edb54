//! orgdir inside a Rust program: start it, make an org, count its users
//! through the Zoho API, make the count fail on purpose, and read what was
//! called.
//!
//!     cargo run -p orgdir-testserver --example users_count

use orgdir_testserver::TestServer;
use orgdir_types::users::UserType;
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = TestServer::start().await?;
    let org = server.fresh_org().await?;
    println!("orgdir at {}, org {}", server.base_url(), org.id);
    println!(
        "users: {}",
        org.client.users_count(UserType::AllUsers).await?
    );

    let control = server.control();
    control
        .add_fault(
            &org.id,
            &json!({"match": {"path": "/crm/*/users/actions/count"},
                    "effect": {"status": 500, "code": "INTERNAL_ERROR"},
                    "trigger": {"times": 1}}),
        )
        .await?;
    let failed = org.client.users_count(UserType::AllUsers).await;
    println!("with a fault rule: {failed:?}");
    for call in control.requests(&org.id, &Default::default()).await? {
        println!(
            "journal: {} {} -> {:?}",
            call.method, call.path, call.status
        );
    }
    server.stop().await;
    Ok(())
}
