//! Every Zoho endpoint orgdir serves, with its required scopes and a body to
//! send: the table the scope matrix and the org-isolation matrix walk.

use reqwest::Method;
use serde_json::{json, Value};

/// One endpoint.
pub struct Endpoint {
    pub method: Method,
    /// `{user}`, `{territory}`, `{role}`, `{root_role}`, `{profile}` and
    /// `{unavailability}` are replaced by real ids.
    pub path: &'static str,
    pub scopes: &'static [&'static str],
    pub body: Option<fn() -> Value>,
}

/// The table.
pub fn endpoints() -> Vec<Endpoint> {
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
        Endpoint {
            method: Method::POST,
            path: "/crm/v8/settings/profiles/{profile}/actions/clone",
            scopes: &["ZohoCRM.settings.profiles.CREATE"],
            body: Some(|| json!({"profiles":[{"name":"Matrix clone"}]})),
        },
        Endpoint {
            method: Method::PUT,
            path: "/crm/v8/settings/profiles/{profile}",
            scopes: &["ZohoCRM.settings.profiles.UPDATE"],
            body: Some(|| json!({"profiles":[{"permissions_details":[]}]})),
        },
        // No transfer_to: with the scope, 400 REQUIRED_PARAM_MISSING.
        e(
            Method::DELETE,
            "/crm/v8/settings/profiles/{profile}",
            &["ZohoCRM.settings.profiles.DELETE"],
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
            "/crm/v8/settings/territories/actions/deleted_associated_territories",
            &["ZohoCRM.settings.territories.READ"],
        ),
        // A transfer territory naming nothing: refused, so nothing is deleted here.
        Endpoint {
            method: Method::POST,
            path: "/crm/v8/settings/territories/actions/transfer_and_delete",
            scopes: &["ZohoCRM.settings.territories.DELETE"],
            body: Some(
                || json!({"territories":[{"id":"1","transfer_to_id":"1","delete_previous_forecasts":false}]}),
            ),
        },
        Endpoint {
            method: Method::POST,
            path: "/crm/v8/settings/territories/{territory}/actions/transfer_and_delete",
            scopes: &["ZohoCRM.settings.territories.DELETE"],
            body: Some(
                || json!({"territories":[{"transfer_to_id":"1","delete_previous_forecasts":false}]}),
            ),
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
            Method::PUT,
            "/crm/v8/users/{user}/territories/{territory}",
            TERRITORY_USERS_UPDATE,
        ),
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
        e(Method::GET, "/crm/v8/org/photo", &["ZohoCRM.org.READ"]),
        // No body is no upload: with the scope, 400 "does not contain any file".
        e(Method::POST, "/crm/v8/org/photo", &["ZohoCRM.org.CREATE"]),
        e(Method::DELETE, "/crm/v8/org/photo", &["ZohoCRM.org.DELETE"]),
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
        e(
            Method::GET,
            "/crm/v8/settings/user_groups/{group}/associated_users/actions/grouped_counts?group_by=status",
            GROUPS_READ,
        ),
        e(
            Method::GET,
            "/crm/v8/settings/user_groups/{group}/actions/associations",
            GROUPS_READ,
        ),
        e(
            Method::GET,
            "/crm/v8/users/{user}/actions/associated_groups",
            USER_GROUPS_OF_USER,
        ),
        e(
            Method::GET,
            "/crm/v8/settings/user_groups/actions/deletion_jobs?job_id=1",
            GROUPS_READ,
        ),
        Endpoint {
            method: Method::POST,
            path: "/crm/v8/settings/user_groups/actions/get_assigned",
            scopes: USER_GROUPS_OF_USER,
            body: Some(
                || json!({"get_assigned":{"feature":"user_groups","related_entity_id":"1"}}),
            ),
        },
        Endpoint {
            method: Method::POST,
            path: "/crm/v8/settings/user_groups/actions/get_unassigned",
            scopes: USER_GROUPS_OF_USER,
            body: Some(
                || json!({"get_unassigned":{"feature":"user_groups","related_entity_id":"1"}}),
            ),
        },
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
        e(
            Method::GET,
            "/crm/v8/settings/users_unavailability",
            &["ZohoCRM.settings.users_unavailability.READ"],
        ),
        e(
            Method::GET,
            "/crm/v8/settings/users_unavailability/{unavailability}",
            &["ZohoCRM.settings.users_unavailability.READ"],
        ),
        Endpoint {
            method: Method::POST,
            path: "/crm/v8/settings/users_unavailability",
            scopes: &["ZohoCRM.settings.users_unavailability.CREATE"],
            body: Some(|| json!({"users_unavailability":[period()]})),
        },
        Endpoint {
            method: Method::PUT,
            path: "/crm/v8/settings/users_unavailability",
            scopes: &["ZohoCRM.settings.users_unavailability.UPDATE"],
            body: Some(|| json!({"users_unavailability":[{"id":"1","comments":"x"}]})),
        },
        Endpoint {
            method: Method::PUT,
            path: "/crm/v8/settings/users_unavailability/{unavailability}",
            scopes: &["ZohoCRM.settings.users_unavailability.UPDATE"],
            body: Some(|| json!({"users_unavailability":[{"comments":"x"}]})),
        },
        // Deletions last: they remove what the others use.
        e(
            Method::DELETE,
            "/crm/v8/settings/users_unavailability/{unavailability}",
            &["ZohoCRM.settings.users_unavailability.DELETE"],
        ),
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
        // Transfer and delete: the transferee "1" names nobody, so nothing is deleted.
        e(
            Method::GET,
            "/crm/v8/users/actions/transfer_and_delete?job_id=1",
            &["ZohoCRM.users.READ"],
        ),
        Endpoint {
            method: Method::POST,
            path: "/crm/v8/users/{user}/actions/transfer_and_delete",
            scopes: &["ZohoCRM.users.DELETE"],
            body: Some(|| json!({"transfer_and_delete":[{"transfer":{"id":"1"}}]})),
        },
        Endpoint {
            method: Method::POST,
            path: "/crm/v8/users/actions/transfer_and_delete",
            scopes: &["ZohoCRM.users.DELETE"],
            body: Some(|| json!({"transfer_and_delete":[{"id":"1","transfer":{"id":"1"}}]})),
        },
        Endpoint {
            method: Method::DELETE,
            path: "/crm/v8/users/{user}",
            scopes: &["ZohoCRM.users.DELETE"],
            body: None,
        },
    ]
}

/// A period of unavailability to create: an hour on 18 February 2021.
pub fn period() -> Value {
    json!({"from":"2021-02-18T19:00:00+05:30","to":"2021-02-18T20:00:00+05:30","comments":"Away"})
}

pub const GROUPS_READ: &[&str] = &["ZohoCRM.settings.user_groups.READ"];
pub const USER_GROUPS_OF_USER: &[&str] =
    &["ZohoCRM.settings.user_groups.READ", "ZohoCRM.users.READ"];
pub const TERRITORY_USERS_READ: &[&str] =
    &["ZohoCRM.settings.territories.READ", "ZohoCRM.users.READ"];
pub const TERRITORY_USERS_UPDATE: &[&str] = &[
    "ZohoCRM.settings.territories.UPDATE",
    "ZohoCRM.users.UPDATE",
];

/// An endpoint without a body.
pub fn e(method: Method, path: &'static str, scopes: &'static [&'static str]) -> Endpoint {
    Endpoint {
        method,
        path,
        scopes,
        body: None,
    }
}

/// Ids to put into the paths' placeholders.
#[derive(Debug, Clone)]
pub struct Ids {
    pub user: String,
    pub territory: String,
    pub group: String,
    pub role: String,
    pub root_role: String,
    pub profile: String,
    /// A period of unavailability of the primary admin.
    pub unavailability: String,
}

impl Ids {
    /// `path` with its placeholders filled.
    pub fn fill(&self, path: &str) -> String {
        path.replace("{user}", &self.user)
            .replace("{territory}", &self.territory)
            .replace("{group}", &self.group)
            .replace("{root_role}", &self.root_role)
            .replace("{role}", &self.role)
            .replace("{profile}", &self.profile)
            .replace("{unavailability}", &self.unavailability)
    }
}

/// Creates a user, a territory, a role, a group and a period of
/// unavailability in `app`'s org to aim the table at.
pub async fn victims(app: &crate::TestApp) -> Ids {
    let user = crate::fixtures::UserBuilder::new("victim@example.com")
        .create(app)
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
    let created = app
        .client
        .raw(
            reqwest::Method::POST,
            "/crm/v8/settings/users_unavailability",
            Some(&json!({"users_unavailability":[period()]})),
        )
        .await
        .expect("unavailability");
    assert_eq!(created.status.as_u16(), 201, "{}", created.json());
    let unavailability = created.json()["users_unavailability"][0]["details"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    Ids {
        unavailability,
        user,
        territory,
        group,
        role,
        root_role: dir.root_role,
        profile: dir.standard_profile,
    }
}
