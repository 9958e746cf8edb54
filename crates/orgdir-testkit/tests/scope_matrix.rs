//! Every endpoint × {no token, a token without its scope, a token with only
//! its scope(s)}: 401 AUTHENTICATION_FAILURE, 401 OAUTH_SCOPE_MISMATCH, and
//! an answer that is not an auth error. Endpoints needing two scopes are also
//! tried with each one alone.

use orgdir_testkit::endpoints::{endpoints, victims};
use orgdir_testkit::{Backend, TestApp};

/// A scope no endpoint accepts.
const UNRELATED: &str = "ZohoCRM.modules.ALL";

#[tokio::test]
async fn every_endpoint_checks_its_scopes() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let ids = victims(&app).await;
    let unrelated = app.token(UNRELATED).await;
    let mut checked = 0;
    for endpoint in endpoints() {
        let path = ids.fill(endpoint.path);
        let body = endpoint.body.map(|b| b());
        let call = |token: Option<String>| {
            let client = app.client_with(token.as_deref());
            let method = endpoint.method.clone();
            let path = path.clone();
            let body = body.clone();
            async move {
                client
                    .raw(method, &path, body.as_ref())
                    .await
                    .expect("response")
            }
        };
        let label = format!("{} {}", endpoint.method, endpoint.path);

        let none = call(None).await;
        assert_eq!(none.status.as_u16(), 401, "{label} without a token");
        assert_eq!(none.json()["code"], "AUTHENTICATION_FAILURE", "{label}");

        let wrong = call(Some(unrelated.clone())).await;
        assert_eq!(wrong.status.as_u16(), 401, "{label} with {UNRELATED}");
        assert_eq!(wrong.json()["code"], "OAUTH_SCOPE_MISMATCH", "{label}");

        if endpoint.scopes.len() > 1 {
            for only in endpoint.scopes {
                let partial = call(Some(app.token(only).await)).await;
                assert_eq!(
                    partial.json()["code"],
                    "OAUTH_SCOPE_MISMATCH",
                    "{label} with only {only}"
                );
            }
        }

        let right = call(Some(app.token(&endpoint.scopes.join(",")).await)).await;
        assert!(
            ![401, 403].contains(&right.status.as_u16()),
            "{label} with {:?} got {} {}",
            endpoint.scopes,
            right.status,
            right.json()
        );
        checked += 1;
    }
    assert_eq!(checked, endpoints().len());
    assert!(checked >= 47, "the table covers every endpoint ({checked})");
}
