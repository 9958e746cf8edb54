//! The OpenAPI 3.1 document, generated from the routes: each handler carries
//! a `#[utoipa::path]` and is registered through `utoipa_axum`, so a route
//! cannot exist without its documentation. Served at `/_orgdir/openapi.json`.

use orgdir_types::{ActionResult, ErrorBody};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::openapi::security::{AuthorizationCode, Flow, OAuth2, Scopes, SecurityScheme};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi, ToSchema};

mod create_bodies;
pub use create_bodies::*;

/// The name of the security scheme.
pub const SCHEME: &str = "zoho_oauth";

/// The document's frame: info, tags and the security scheme.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "orgdir — Zoho CRM directory API",
        description = "The Zoho CRM REST endpoints orgdir serves: users, roles, profiles, territories, user groups, \
                       users' unavailability, user licences, the org, and their count endpoints. Authenticate with \
                       `Authorization: Zoho-oauthtoken <token>` (or `Bearer <token>`). Every error uses Zoho's \
                       envelope `{code, details, message, status}`."
    ),
    modifiers(&Security),
    components(schemas(ApiVersion, UserTypeParam, ErrorBody, WriteFailure, WriteResults, WriteBody)),
    tags(
        (name = "users"), (name = "roles"), (name = "profiles"), (name = "territories"),
        (name = "user groups"), (name = "users unavailability"), (name = "features"), (name = "org")
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scopes = Scopes::from_iter(
            crate::extract::ALL_REQUIREMENTS
                .iter()
                .flat_map(|(_, scopes)| scopes.iter())
                .map(|s| (s.to_string(), s.to_string())),
        );
        let flow = Flow::AuthorizationCode(AuthorizationCode::new(
            "/oauth/v2/auth",
            "/oauth/v2/token",
            scopes,
        ));
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(SCHEME, SecurityScheme::OAuth2(OAuth2::new([flow])));
        }
    }
}

/// An API version segment.
#[derive(Debug, Serialize, ToSchema)]
#[allow(non_camel_case_types)]
pub enum ApiVersion {
    #[serde(rename = "v2")]
    v2,
    #[serde(rename = "v2.1")]
    v2_1,
    #[serde(rename = "v3")]
    v3,
    #[serde(rename = "v4")]
    v4,
    #[serde(rename = "v5")]
    v5,
    #[serde(rename = "v6")]
    v6,
    #[serde(rename = "v7")]
    v7,
    #[serde(rename = "v8")]
    v8,
}

/// `{version}` in every path.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct VersionPath {
    /// API version (`v2` … `v8`); older than an endpoint's first version is `API_NOT_SUPPORTED`.
    #[param(value_type = ApiVersion)]
    pub version: String,
}

/// `page` and `per_page`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Records per page (default 200).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
}

/// A users `type`.
#[derive(Debug, Serialize, ToSchema)]
pub enum UserTypeParam {
    AllUsers,
    ActiveUsers,
    DeactiveUsers,
    ConfirmedUsers,
    NotConfirmedUsers,
    DeletedUsers,
    ActiveConfirmedUsers,
    AdminUsers,
    ActiveConfirmedAdmins,
    CurrentUser,
}

/// `GET /users` parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    /// Which users (default `AllUsers`).
    #[param(value_type = Option<UserTypeParam>)]
    pub r#type: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
    /// Comma-separated user ids (at most 100).
    pub ids: Option<String>,
}

/// `GET /users/actions/count` parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountQuery {
    /// Which users (default `AllUsers`).
    #[param(value_type = Option<UserTypeParam>)]
    pub r#type: Option<String>,
}

/// `GET /settings/territories` parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TerritoriesQuery {
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Records per page (default 200, at most 2000).
    #[param(minimum = 1, maximum = 2000)]
    pub per_page: Option<u32>,
    /// Comma-separated territory ids.
    pub ids: Option<String>,
    /// URL-encoded JSON criteria on `id`, `name`, `reporting_to.id`, `manager.id`,
    /// `permission_type`, `created_by`, `modified_by`, `created_time`, `modified_time`
    /// (see the API design notes).
    pub filters: Option<String>,
    /// Comma-separated `lead_rule_criteria`, `account_rule_criteria`, `deal_rule_criteria`:
    /// the keys to add to each territory.
    pub include: Option<String>,
}

/// `GET /settings/territories/{id}/__child_territories` parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChildTerritoriesQuery {
    #[param(minimum = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
    /// URL-encoded JSON criteria, as on the territories list.
    pub filters: Option<String>,
}

/// `DELETE /settings/territories?ids=` parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteTerritoriesQuery {
    /// Comma-separated ids (at most 100).
    pub ids: String,
    /// `true` deletes the territories' previous forecasts too, and orgdir
    /// forgets them; `false` (the default) keeps them listed by
    /// `deleted_associated_territories`.
    pub delete_previous_forecasts: Option<bool>,
}

/// `DELETE /settings/territories/{id}` parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteTerritoryQuery {
    /// As on the bulk delete.
    pub delete_previous_forecasts: Option<bool>,
}

/// `GET /settings/territories/actions/deleted_associated_territories` parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeletedTerritoriesQuery {
    /// Comma-separated ids of deleted territories (at most 200).
    pub ids: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
}

/// `?ids=` of a bulk delete.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IdsQuery {
    /// Comma-separated ids (at most 100).
    pub ids: String,
}

/// `?transfer_to_id=` of a role deletion.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransferQuery {
    /// The role that receives the deleted role's users.
    pub transfer_to_id: String,
}

/// `DELETE /settings/profiles/{id}` parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProfileTransferQuery {
    /// The profile that receives the deleted profile's users.
    pub transfer_to: String,
}

/// `?job_id=` of a job's status: a transfer-and-delete or a group deletion.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    /// The job's id: the `jobId` a transfer-and-delete request answered, or
    /// the `job_id` of a group deletion answered `SCHEDULED`.
    pub job_id: String,
}

/// User groups list parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupsQuery {
    /// `sources_count` adds each group's sources count.
    pub include: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
    /// URL-encoded JSON criteria on `name` / `description` (see the API design notes).
    pub filters: Option<String>,
    /// Only the group with this name (any letter case).
    pub name: Option<String>,
}

/// Features list parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeaturesQuery {
    /// Feature api names, comma-separated (orgdir has `user_licenses`).
    pub api_names: Option<String>,
    /// A standard module's API name: its features (none in orgdir).
    pub module: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
}

/// `GET /__features/{api_name}` parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeatureModuleQuery {
    /// A standard module's API name (`user_licenses` is specific to none).
    pub module: Option<String>,
}

/// The `If-Modified-Since` header of the users reads.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfModifiedSince {
    /// Only users modified after this date and time (`2019-07-25T15:26:49+05:30`); 304 when none.
    #[param(rename = "If-Modified-Since")]
    pub if_modified_since: Option<String>,
}

/// Parameters of a user's associated groups.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssociatedGroupsQuery {
    /// `sources` adds each group's sources.
    #[param(pattern = "^sources$")]
    pub include: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
}

/// Associated users count parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupCountQuery {
    #[param(minimum = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
    /// URL-encoded JSON criteria on `name` / `description`.
    pub filters: Option<String>,
}

/// `GET …/user_groups/{id}/associated_users/actions/grouped_counts` parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupedCountsQuery {
    /// Required; `status` (the only grouping Zoho's SDKs use).
    pub group_by: String,
}

/// `GET …/user_groups/{id}/sources` parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SourcesQuery {
    /// `users`, `roles`, `territories` or `groups`.
    pub r#type: Option<String>,
    /// `active`, `inactive` or `deleted` (user sources only).
    pub user_type: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
}

/// `GET /settings/users_unavailability` parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnavailabilityListQuery {
    /// `user.zuid` adds each user's `zuid`.
    #[param(pattern = "^user\\.zuid$")]
    pub include_inner_details: Option<String>,
    /// Comma-separated group ids (at most 100): users who are associated users of one of them.
    pub group_ids: Option<String>,
    /// Comma-separated role ids (at most 100): users of one of these roles.
    pub role_ids: Option<String>,
    /// Comma-separated territory ids (at most 100): users directly associated with one of them.
    pub territory_ids: Option<String>,
    /// URL-encoded JSON criteria on `from` / `to` (see the API design notes).
    pub filters: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
}

/// `GET /settings/users_unavailability/{id}` parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnavailabilityGetQuery {
    /// `user.zuid` adds the user's `zuid`.
    #[param(pattern = "^user\\.zuid$")]
    pub include_inner_details: Option<String>,
    /// URL-encoded JSON criteria on `from` / `to`: 204 when the period does not pass them.
    pub filters: Option<String>,
}

/// Per-item results of a write: `{"<resource>":[result, …]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WriteResults(pub BTreeMap<String, Vec<ActionResult>>);

/// A write's error: the bare envelope, per-item errors in the resource
/// array, or — for a body that is one object (`get_assigned`) — that
/// object's error under its key (`{"get_assigned":{…error…}}`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum WriteFailure {
    Error(ErrorBody),
    Items(WriteResults),
    Object(BTreeMap<String, ErrorBody>),
}

/// A write body: `{"<resource>":[{…}, …]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WriteBody(pub BTreeMap<String, Vec<serde_json::Value>>);

/// Errors every read endpoint may answer, in Zoho's envelope.
#[derive(IntoResponses)]
pub enum ReadErrors {
    /// INVALID_DATA (bad parameter or id), API_NOT_SUPPORTED, INVALID_REQUEST_METHOD.
    #[response(status = 400)]
    BadRequest(#[to_schema] ErrorBody),
    /// AUTHENTICATION_FAILURE, INVALID_TOKEN, OAUTH_SCOPE_MISMATCH.
    #[response(status = 401)]
    Unauthorized(#[to_schema] ErrorBody),
    /// INACTIVE_USER, NO_PERMISSION.
    #[response(status = 403)]
    Forbidden(#[to_schema] ErrorBody),
    /// INVALID_URL_PATTERN (unknown path or version).
    #[response(status = 404)]
    NotFound(#[to_schema] ErrorBody),
    /// INTERNAL_ERROR.
    #[response(status = 500)]
    Internal(#[to_schema] ErrorBody),
}

/// Errors every write endpoint may answer.
#[derive(IntoResponses)]
pub enum WriteErrors {
    /// The bare envelope, every item failed (per-item errors in the
    /// resource array), or a one-object body's error under its key.
    #[response(status = 400)]
    BadRequest(#[to_schema] WriteFailure),
    /// AUTHENTICATION_FAILURE, INVALID_TOKEN, OAUTH_SCOPE_MISMATCH.
    #[response(status = 401)]
    Unauthorized(#[to_schema] ErrorBody),
    /// INACTIVE_USER, NO_PERMISSION.
    #[response(status = 403)]
    Forbidden(#[to_schema] ErrorBody),
    /// INVALID_URL_PATTERN.
    #[response(status = 404)]
    NotFound(#[to_schema] ErrorBody),
    /// The body is over the size limit (INVALID_DATA, `maximum_length`).
    #[response(status = 413)]
    TooLarge(#[to_schema] ErrorBody),
    /// INTERNAL_ERROR.
    #[response(status = 500)]
    Internal(#[to_schema] ErrorBody),
}

/// The whole document, built once from the routes.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| crate::routes::zoho_routes().split_for_parts().1)
}

/// The document as served (`/_orgdir/openapi.json`): [`document`] with
/// the links of [`LINKS`]. The links are added to the JSON because utoipa
/// 5's `Link` serialises its fields in snake case (`operation_id`), which
/// no OpenAPI reader understands.
pub fn document_json() -> &'static serde_json::Value {
    static DOCUMENT: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut doc = serde_json::to_value(document()).unwrap_or_default();
        add_links(&mut doc);
        doc
    })
}

/// What a create returns and what uses it: (the create's `operationId`, the
/// resource key of its answer, the operations that take the new id as
/// `{id}`). The id is the first item's `details.id`.
pub const LINKS: &[(&str, &str, &[&str])] = &[
    (
        "users_create",
        "users",
        &[
            "users_get_one",
            "users_update_one",
            "users_delete_one",
            "users_associated_groups",
            "users_transfer_and_delete_one",
        ],
    ),
    (
        "roles_create",
        "roles",
        &["roles_get_one", "roles_update_one", "roles_delete_one"],
    ),
    (
        "profiles_clone",
        "profiles",
        &[
            "profiles_get_one",
            "profiles_update_one",
            "profiles_delete_one",
        ],
    ),
    (
        "territories_create",
        "territories",
        &[
            "territories_get_one",
            "territories_update_one",
            "territories_delete_one",
            "territories_children",
            "territories_members",
            "territories_transfer_and_delete_one",
        ],
    ),
    (
        "user_groups_create",
        "user_groups",
        &[
            "user_groups_get_one",
            "user_groups_update_one",
            "user_groups_delete_one",
            "user_groups_sources",
            "user_groups_sources_count",
            "user_groups_associations",
            "user_groups_grouped_counts",
        ],
    ),
    (
        "users_unavailability_create",
        "users_unavailability",
        &[
            "users_unavailability_get_one",
            "users_unavailability_update_one",
            "users_unavailability_delete_one",
        ],
    ),
];

/// A link that puts a created record into the body of another create.
pub struct BodyLink {
    /// The create's `operationId`.
    pub from: &'static str,
    /// The resource key of its answer (`{"<key>":[{"details":{"id"}}]}`).
    pub key: &'static str,
    /// The link's name.
    pub name: &'static str,
    /// The target create's `operationId`.
    pub to: &'static str,
    /// The body fields the link sets, `"$id"` standing for the new id; the
    /// rest of the body is generated, and these fields override it.
    pub fields: &'static str,
}

/// Where a created record goes into further creates.
pub const BODY_LINKS: &[BodyLink] = &[
    BodyLink {
        from: "roles_create",
        key: "roles",
        name: "a_role_under_it",
        to: "roles_create",
        fields: r#"{"roles":[{"reporting_to":{"id":"$id"}}]}"#,
    },
    BodyLink {
        from: "roles_create",
        key: "roles",
        name: "a_user_in_it",
        to: "users_create",
        fields: r#"{"users":[{"role":{"id":"$id"}}]}"#,
    },
    BodyLink {
        from: "roles_create",
        key: "roles",
        name: "a_group_of_it",
        to: "user_groups_create",
        fields: r#"{"user_groups":[{"sources":[{"type":"roles","source":{"id":"$id"}}]}]}"#,
    },
    BodyLink {
        from: "profiles_clone",
        key: "profiles",
        name: "a_user_with_it",
        to: "users_create",
        fields: r#"{"users":[{"profile":{"id":"$id"}}]}"#,
    },
    BodyLink {
        from: "territories_create",
        key: "territories",
        name: "a_territory_under_it",
        to: "territories_create",
        fields: r#"{"territories":[{"reporting_to":{"id":"$id"}}]}"#,
    },
    BodyLink {
        from: "territories_create",
        key: "territories",
        name: "a_group_of_it",
        to: "user_groups_create",
        fields: r#"{"user_groups":[{"sources":[{"type":"territories","source":{"id":"$id"}}]}]}"#,
    },
    BodyLink {
        from: "users_create",
        key: "users",
        name: "a_group_of_them",
        to: "user_groups_create",
        fields: r#"{"user_groups":[{"sources":[{"type":"users","source":{"id":"$id"}}]}]}"#,
    },
    BodyLink {
        from: "users_create",
        key: "users",
        name: "their_unavailability",
        to: "users_unavailability_create",
        fields: r#"{"users_unavailability":[{"user":{"id":"$id"}}]}"#,
    },
    BodyLink {
        from: "user_groups_create",
        key: "user_groups",
        name: "a_group_of_it",
        to: "user_groups_create",
        fields: r#"{"user_groups":[{"sources":[{"type":"groups","source":{"id":"$id"}}]}]}"#,
    },
];

/// OpenAPI links from each create ([`LINKS`], [`BODY_LINKS`]), so a
/// stateful client (schemathesis) chains create → get, update, delete and
/// further creates with real ids. Declared on the 201 answer only (every
/// item created): on a 200 the first item may have failed.
fn add_links(doc: &mut serde_json::Value) {
    use serde_json::{json, Map, Value};
    let created_id = |key: &str| format!("$response.body#/{key}/0/details/id");
    let mut links: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for (create, key, targets) in LINKS {
        for target in *targets {
            links.entry(create).or_default().insert(
                (*target).to_owned(),
                json!({
                    "operationId": target,
                    "parameters": {"version": "$request.path.version", "id": created_id(key)},
                }),
            );
        }
    }
    for link in BODY_LINKS {
        let body =
            serde_json::from_str::<Value>(&link.fields.replace("$id", &created_id(link.key)))
                .unwrap_or_default();
        links.entry(link.from).or_default().insert(
            link.name.to_owned(),
            json!({
                "operationId": link.to,
                "parameters": {"version": "$request.path.version"},
                "requestBody": body,
            }),
        );
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for operation in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
    {
        let Some(create_links) = operation["operationId"]
            .as_str()
            .and_then(|id| links.get(id))
        else {
            continue;
        };
        if let Some(created) = operation
            .pointer_mut("/responses/201")
            .and_then(Value::as_object_mut)
        {
            created.insert("links".to_owned(), Value::Object(create_links.clone()));
        }
    }
}
