//! Every endpoint × {no token, a token without its scope, a token with only
//! its scope(s)}: 401 AUTHENTICATION_FAILURE, 401 OAUTH_SCOPE_MISMATCH, and
//! an answer that is not an auth error. Endpoints needing two scopes are also
//! tried with each one alone.

use orgdir_testkit::{Backend, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

struct Endpoint {
    method: Method,
    /// `{user}`, `{territory}`, `{role}`, `{root_role}` and `{profile}` are replaced by real ids.
    path: &'static str,
    scopes: &'static [&'static str],
    body: Option<fn() -> Value>,
}

fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint {
            method: Method::GET,
            path: "/crm/v8/users",
            scopes: &["ZohoCRM.users.READ"],
            body: None,
        },
        Endpoint {
            method: Method::GET,
            path: "/crm/v8/users/{user}",
            scopes: &["ZohoCRM.users.READ"],
            body: None,
        },
        Endpoint {
            method: Method::GET,
            path: "/crm/v8/users/actions/count",
            scopes: &["ZohoCRM.users.READ"],
            body: None,
        },
        Endpoint {
            method: Method::POST,
            path: "/crm/v8/users",
            scopes: &["ZohoCRM.users.CREATE"],
            body: Some(|| json!({"users":[{"last_name":"x"}]})),
        },
        Endpoint {
            method: Method::PUT,
            path: "/crm/v8/users/{user}",
            scopes: &["ZohoCRM.users.UPDATE"],
            body: Some(|| json!({"users":[{"first_name":"x"}]})),
        },
        Endpoint {
            method: Method::PUT,
            path: "/crm/v8/users",
            scopes: &["ZohoCRM.users.UPDATE"],
            body: Some(|| json!({"users":[{"first_name":"x"}]})),
        },
        e(
            Method::GET,
            "/crm/v8/settings/roles",
            &["ZohoCRM.settings.roles.READ"],
        ),
        e(
            Method::GET,
            "/crm/v8/settings/roles/{role}",
            &["ZohoCRM.settings.roles.READ"],
        ),
        Endpoint {
            method: Method::POST,
            path: "/crm/v8/settings/roles",
            scopes: &["ZohoCRM.settings.roles.CREATE"],
            body: Some(|| json!({"roles":[{"name":"x"}]})),
        },
        Endpoint {
            method: Method::PUT,
            path: "/crm/v8/settings/roles",
            scopes: &["ZohoCRM.settings.roles.UPDATE"],
            body: Some(|| json!({"roles":[{"name":"x"}]})),
        },
        Endpoint {
            method: Method::PUT,
            path: "/crm/v8/settings/roles/{role}",
            scopes: &["ZohoCRM.settings.roles.UPDATE"],
            body: Some(|| json!({"roles":[{"description":"x"}]})),
        },
        e(
            Method::GET,
            "/crm/v8/settings/profiles",
            &["ZohoCRM.settings.profiles.READ"],
        ),
        e(
            Method::GET,
            "/crm/v8/settings/profiles/{profile}",
            &["ZohoCRM.settings.profiles.READ"],
        ),
        e(
            Method::GET,
            "/crm/v8/settings/territories",
            &["ZohoCRM.settings.territories.READ"],
        ),
        e(
            Method::GET,
            "/crm/v8/settings/territories/{territory}",
            &["ZohoCRM.settings.territories.READ"],
        ),
        e(
            Method::GET,
            "/crm/v8/settings/territories/{territory}/__child_territories",
            &["ZohoCRM.settings.territories.READ"],
        ),
        Endpoint {
            method: Method::POST,
            path: "/crm/v8/settings/territories",
            scopes: &["ZohoCRM.settings.territories.CREATE"],
            body: Some(|| json!({"territories":[{"name":"x"}]})),
        },
        Endpoint {
            method: Method::PUT,
            path: "/crm/v8/settings/territories",
            scopes: &["ZohoCRM.settings.territories.UPDATE"],
            body: Some(|| json!({"territories":[{"name":"x"}]})),
        },
        Endpoint {
            method: Method::PUT,
            path: "/crm/v8/settings/territories/{territory}",
            scopes: &["ZohoCRM.settings.territories.UPDATE"],
            body: Some(|| json!({"territories":[{"description":"x"}]})),
        },
        e(
            Method::GET,
            "/crm/v8/settings/territories/actions/associated_users_count",
            TERRITORY_USERS_READ,
        ),
        e(
            Method::GET,
            "/crm/v8/settings/territories/{territory}/users",
            TERRITORY_USERS_READ,
        ),
        e(
            Method::GET,
            "/crm/v8/settings/territories/{territory}/users/{user}",
            TERRITORY_USERS_READ,
        ),
        e(
            Method::GET,
            "/crm/v8/users/{user}/territories",
            TERRITORY_USERS_READ,
        ),
        e(
            Method::GET,
            "/crm/v8/users/{user}/territories/{territory}",
            TERRITORY_USERS_READ,
        ),
        Endpoint {
            method: Method::PUT,
            path: "/crm/v8/settings/territories/{territory}/users",
            scopes: TERRITORY_USERS_UPDATE,
            body: Some(|| json!({"users":[{"id":"1"}]})),
        },
        e(
            Method::PUT,
            "/crm/v8/settings/territories/{territory}/users/{user}",
            TERRITORY_USERS_UPDATE,
        ),
        e(
            Method::DELETE,
            "/crm/v8/settings/territories/{territory}/users?ids={user}",
            TERRITORY_USERS_UPDATE,
        ),
        e(
            Method::DELETE,
            "/crm/v8/settings/territories/{territory}/users/{user}",
            TERRITORY_USERS_UPDATE,
        ),
        Endpoint {
            method: Method::PUT,
            path: "/crm/v8/users/{user}/territories",
            scopes: TERRITORY_USERS_UPDATE,
            body: Some(|| json!({"territories":[{"id":"1"}]})),
        },
        e(
            Method::DELETE,
            "/crm/v8/users/{user}/territories?ids={territory}",
            TERRITORY_USERS_UPDATE,
        ),
        e(
            Method::DELETE,
            "/crm/v8/users/{user}/territories/{territory}",
            TERRITORY_USERS_UPDATE,
        ),
        e(
            Method::GET,
            "/crm/v8/__features",
            &["ZohoCRM.features.READ"],
        ),
        e(
            Method::GET,
            "/crm/v8/__features/user_licenses",
            &["ZohoCRM.features.READ"],
        ),
        e(Method::GET, "/crm/v8/org", &["ZohoCRM.org.READ"]),
        e(Method::GET, "/crm/v8/settings/user_groups", GROUPS_READ),
        e(
            Method::GET,
            "/crm/v8/settings/user_groups/{group}",
            GROUPS_READ,
        ),
        e(
            Method::GET,
            "/crm/v8/settings/user_groups/{group}/sources",
            GROUPS_READ,
        ),
        e(
            Method::GET,
            "/crm/v8/settings/user_groups/{group}/actions/sources_count",
            GROUPS_READ,
        ),
        e(
            Method::GET,
            "/crm/v8/settings/user_groups/actions/associated_users_count",
            GROUPS_READ,
        ),
        Endpoint {
            method: Method::POST,
            path: "/crm/v8/settings/user_groups",
            scopes: &["ZohoCRM.settings.user_groups.CREATE"],
            body: Some(|| json!({"user_groups":[{"name":"x"}]})),
        },
        Endpoint {
            method: Method::PUT,
            path: "/crm/v8/settings/user_groups",
            scopes: &["ZohoCRM.settings.user_groups.UPDATE"],
            body: Some(|| json!({"user_groups":[{"name":"x"}]})),
        },
        Endpoint {
            method: Method::PUT,
            path: "/crm/v8/settings/user_groups/{group}",
            scopes: &["ZohoCRM.settings.user_groups.UPDATE"],
            body: Some(|| json!({"user_groups":[{"description":"x"}]})),
        },
        // Deletions last: they remove what the others use.
        e(
            Method::DELETE,
            "/crm/v8/settings/user_groups/{group}",
            &["ZohoCRM.settings.user_groups.DELETE"],
        ),
        e(
            Method::DELETE,
            "/crm/v8/settings/roles/{role}?transfer_to_id={root_role}",
            &["ZohoCRM.settings.roles.DELETE"],
        ),
        e(
            Method::DELETE,
            "/crm/v8/settings/territories?ids={territory}",
            &["ZohoCRM.settings.territories.DELETE"],
        ),
        e(
            Method::DELETE,
            "/crm/v8/settings/territories/{territory}",
            &["ZohoCRM.settings.territories.DELETE"],
        ),
        Endpoint {
            method: Method::DELETE,
            path: "/crm/v8/users/{user}",
            scopes: &["ZohoCRM.users.DELETE"],
            body: None,
        },
    ]
}

const GROUPS_READ: &[&str] = &["ZohoCRM.settings.user_groups.READ"];
const TERRITORY_USERS_READ: &[&str] = &["ZohoCRM.settings.territories.READ", "ZohoCRM.users.READ"];
const TERRITORY_USERS_UPDATE: &[&str] = &[
    "ZohoCRM.settings.territories.UPDATE",
    "ZohoCRM.users.UPDATE",
];

/// An endpoint without a body.
fn e(method: Method, path: &'static str, scopes: &'static [&'static str]) -> Endpoint {
    Endpoint {
        method,
        path,
        scopes,
        body: None,
    }
}

/// A scope no endpoint accepts.
const UNRELATED: &str = "ZohoCRM.modules.ALL";

#[tokio::test]
async fn every_endpoint_checks_its_scopes() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let user = orgdir_testkit::fixtures::UserBuilder::new("victim@example.com")
        .create(&app)
        .await;
    let dir = app.directory().await;
    let root = app
        .client
        .list_territories(None, None)
        .await
        .expect("list")
        .expect("root")
        .territories[0]
        .id
        .clone();
    let territory = app
        .client
        .create_territory(json!({"name":"Victim","reporting_to": root}))
        .await
        .expect("territory");
    let role = app
        .client
        .create_role(json!({"name":"Victim","reporting_to": dir.root_role}))
        .await
        .expect("role");
    let group = app
        .client
        .create_group(json!({"name":"Victim","sources":[{"type":"users","source": user}]}))
        .await
        .expect("group");
    let unrelated = app.token(UNRELATED).await;
    let mut checked = 0;
    for endpoint in endpoints() {
        let path = endpoint
            .path
            .replace("{user}", &user)
            .replace("{territory}", &territory)
            .replace("{group}", &group)
            .replace("{root_role}", &dir.root_role)
            .replace("{role}", &role)
            .replace("{profile}", &dir.standard_profile);
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
}
