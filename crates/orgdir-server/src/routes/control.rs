//! The control plane under `/_orgdir/` (SPEC 7; not part of Zoho's API):
//! orgs (create, list, get, delete, reset, import, export), tokens, OAuth
//! clients, confirming users, the emulator behaviour, the request journal,
//! fault rules, API limits and the org clock (SPEC 11), metrics. Every call needs the admin key but
//! the four public probes (`ping`, `health`, `ready`, `openapi.json`; SPEC
//! 7), and every change is logged with what it changed.

use crate::error::{json_response, ApiError};
use crate::extract::Path;
use crate::extract::{Admin, JsonBody, Params};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use orgdir_core::controls::journal::Filter;
use orgdir_core::controls::limits::{Request as LimitsRequest, Settings as LimitSettings};
use orgdir_core::controls::Controls;
use orgdir_core::document::{self, ImportError, OrgDocument};
use orgdir_core::input::Fields;
use orgdir_core::org::{Edition, Org};
use orgdir_core::scopes::{ScopeSet, ALL_SCOPES};
use orgdir_core::service::{oauth, orgs, tokens, users};
use orgdir_core::{Details, Error, OrgId, ZohoId};
use serde_json::{json, Value};
use std::time::Instant;

/// The control-plane routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_orgdir/ping", get(ping))
        .route("/_orgdir/health", get(health))
        .route("/_orgdir/ready", get(ready))
        .route("/_orgdir/openapi.json", get(openapi))
        .route("/_orgdir/metrics", get(metrics))
        .route("/_orgdir/orgs", get(list_orgs).post(create_org))
        .route("/_orgdir/orgs/import", post(import_org))
        .route("/_orgdir/orgs/{org}", get(get_org).delete(delete_org))
        .route("/_orgdir/orgs/{org}/reset", post(reset_org))
        .route("/_orgdir/orgs/{org}/export", get(export_org))
        .route("/_orgdir/orgs/{org}/tokens", post(mint_token))
        .route("/_orgdir/orgs/{org}/tokens/revoke", post(revoke_tokens))
        .route(
            "/_orgdir/orgs/{org}/behaviour",
            get(get_behaviour).put(set_behaviour),
        )
        .route(
            "/_orgdir/orgs/{org}/requests",
            get(list_requests).delete(clear_requests),
        )
        .route(
            "/_orgdir/orgs/{org}/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_orgdir/orgs/{org}/faults/{id}", delete(remove_fault))
        .route(
            "/_orgdir/orgs/{org}/limits",
            get(get_limits).put(set_limits).delete(clear_limits),
        )
        .route(
            "/_orgdir/orgs/{org}/clock",
            get(get_clock).post(advance_clock),
        )
        .route(
            "/_orgdir/orgs/{org}/clients",
            get(list_clients).post(create_client),
        )
        .route(
            "/_orgdir/orgs/{org}/users/{user}/confirm",
            post(confirm_user),
        )
        .route(
            "/_orgdir/orgs/{org}/users/{user}/password",
            axum::routing::put(set_password),
        )
}

/// `{"status":"success"}`: a control-plane write done.
fn success() -> Response {
    json_response(StatusCode::OK, &json!({ "status": "success" }))
}

/// The longest lifetime a minted token may ask for: ten years, in seconds.
const MAX_TOKEN_LIFETIME: i64 = 10 * 365 * 24 * 3600;

fn org_view(org: &Org) -> Value {
    json!({
        "id": org.id.to_string(),
        "name": org.name,
        "time_zone": org.time_zone,
        "edition": org.edition.as_str(),
        "licenses": org.licenses,
        "created_time": org.format_time(org.created_at),
    })
}

pub(crate) fn org_id(text: &str) -> Result<OrgId, Error> {
    OrgId::parse(text).ok_or_else(|| Error::invalid_path(2, "not an org id"))
}

/// The org named by `text` (an org id), or `INVALID_DATA` at path index 2.
pub(crate) async fn existing(state: &AppState, text: &str) -> Result<Org, Error> {
    let id = org_id(text)?;
    orgs::get(&state.dir, id)
        .await?
        .ok_or_else(|| Error::invalid_path(2, "no such org"))
}

/// `GET /_orgdir/ping`: answers without a key and without touching storage,
/// so load generators can measure the HTTP stack alone (the benchmark's
/// baseline) and probes can see the process is up. It reveals nothing.
async fn ping() -> Response {
    json_response(StatusCode::OK, &json!({ "status": "ok" }))
}

/// `GET /_orgdir/health`: the process answers. Public, like `ping`.
async fn health() -> Response {
    json_response(StatusCode::OK, &json!({ "status": "ok" }))
}

/// `GET /_orgdir/openapi.json`: the OpenAPI 3.1 document of the Zoho API.
/// Public: it describes the API, not any org.
async fn openapi() -> Response {
    json_response(StatusCode::OK, crate::openapi::document_json())
}

/// `GET /_orgdir/metrics`: orgs and users per org and status, in Prometheus' text format.
async fn metrics(_: Admin, State(state): State<AppState>) -> Result<Response, ApiError> {
    use orgdir_types::users::UserType;
    let orgs = orgs::list(&state.dir).await?;
    let mut text = format!(
        "# HELP orgdir_orgs Orgs served.\n# TYPE orgdir_orgs gauge\norgdir_orgs {}\n\
         # HELP orgdir_users Users per org and status (maintained counts).\n# TYPE orgdir_users gauge\n",
        orgs.len()
    );
    for org in &orgs {
        let counts = orgs::user_counts(&state.dir, org.id).await?;
        for (status, kind) in [
            ("active", UserType::ActiveUsers),
            ("disabled", UserType::DeactiveUsers),
            ("deleted", UserType::DeletedUsers),
        ] {
            text.push_str(&format!(
                "orgdir_users{{org=\"{}\",status=\"{status}\"}} {}\n",
                org.id,
                counts.count(kind)
            ));
        }
    }
    Ok((
        StatusCode::OK,
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        text,
    )
        .into_response())
}

/// `GET /_orgdir/ready`: the database answers (one read of one org row,
/// by an id no org has). Public, so it tells nothing about the orgs.
async fn ready(State(state): State<AppState>) -> Response {
    match orgs::get(&state.dir, OrgId(0)).await {
        Ok(_) => json_response(StatusCode::OK, &json!({ "status": "ready" })),
        Err(e) => {
            tracing::error!(cause = %e, "not ready");
            json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                &json!({ "status": "unavailable" }),
            )
        }
    }
}

/// `GET /_orgdir/orgs`
async fn list_orgs(_: Admin, State(state): State<AppState>) -> Result<Response, ApiError> {
    let orgs: Vec<Value> = orgs::list(&state.dir).await?.iter().map(org_view).collect();
    Ok(json_response(StatusCode::OK, &json!({ "orgs": orgs })))
}

/// `GET /_orgdir/orgs/{org}`
async fn get_org(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    let counts = orgs::user_counts(&state.dir, org.id).await?;
    let mut view = org_view(&org);
    view["users"] = json!({
        "all": counts.count(orgdir_types::users::UserType::AllUsers),
        "active": counts.licensed(),
    });
    Ok(json_response(StatusCode::OK, &json!({ "org": view })))
}

/// `POST /_orgdir/orgs` with `{name, edition?, licenses?, time_zone?, id?, admin_email?}`:
/// creates an org with its built-ins and returns an all-scopes token for its admin.
async fn create_org(
    _: Admin,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let created = create_from(&state, &body).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({
            "org": org_view(&created.org),
            "admin_user_id": created.admin_user_id.to_string(),
            "access_token": created.admin_token,
        }),
    ))
}

/// Creates an org from a `POST /_orgdir/orgs` body (the control plane and
/// the dashboard both create here), logged.
pub(crate) async fn create_from(state: &AppState, body: &Value) -> Result<orgs::CreatedOrg, Error> {
    let f = Fields::new(body, "$")?;
    let mut new = orgs::NewOrg::demo(rand::random());
    new.name = f.req_str("name", 100)?;
    if let Some(edition) = f.opt_str("edition", 20)? {
        new.edition = Edition::parse(&edition)
            .ok_or_else(|| Error::invalid_field("$.edition", "unknown edition"))?;
    }
    if let Some(tz) = f.opt_str("time_zone", 64)? {
        new.time_zone = tz;
    }
    if let Some(email) = f.opt_str("admin_email", 100)? {
        new.admin_email = email;
    }
    match f.map.get("licenses") {
        None | Some(Value::Null) => {}
        Some(v) => {
            new.licenses = v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    Error::invalid_field("$.licenses", "licenses must be a whole number")
                })?;
        }
    }
    if let Some(id) = f.opt_str("id", 19)? {
        new.id = OrgId::parse(&id).ok_or_else(|| Error::invalid_field("$.id", "not an org id"))?;
    }
    let created = orgs::create_org(&state.dir, &new).await?;
    tracing::info!(action = "create_org", org = %created.org.id, name = %created.org.name, "control plane");
    Ok(created)
}

/// `DELETE /_orgdir/orgs/{org}`
async fn delete_org(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    delete_by_id(&state, org_id(&org)?).await?;
    Ok(success())
}

/// Deletes an org, logged; `INVALID_DATA` at path index 2 when there is none.
pub(crate) async fn delete_by_id(state: &AppState, id: OrgId) -> Result<(), Error> {
    if !orgs::delete(&state.dir, id).await? {
        return Err(Error::invalid_path(2, "no such org"));
    }
    tracing::info!(action = "delete_org", org = %id, "control plane");
    Ok(())
}

/// An import's failure as an API error (the document's problems as `INVALID_DATA`).
pub(crate) fn problems(e: ImportError) -> ApiError {
    match e {
        ImportError::Store(e) => ApiError(e),
        ImportError::Invalid(problems) => {
            let list: Vec<Value> = problems
                .0
                .iter()
                .map(|p| json!({ "json_path": p.path, "message": p.message }))
                .collect();
            tracing::info!(problems = list.len(), "org document refused");
            ApiError(Error::InvalidData {
                message: problems.to_string(),
                details: Details::Field {
                    api_name: "document".to_owned(),
                    json_path: problems
                        .0
                        .first()
                        .map(|p| p.path.clone())
                        .unwrap_or_else(|| "$".to_owned()),
                },
            })
        }
    }
}

/// `POST /_orgdir/orgs/{org}/reset`: back to the org's initial state.
async fn reset_org(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let id = existing(&state, &org).await?.id;
    let (org, took) = reset_by_id(&state, id).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "org": org_view(&org), "took_ms": took.as_secs_f64() * 1000.0 }),
    ))
}

/// Resets an org to its initial state, logged: the org and how long it took.
pub(crate) async fn reset_by_id(
    state: &AppState,
    id: OrgId,
) -> Result<(Org, std::time::Duration), ApiError> {
    let start = Instant::now();
    let org = document::reset(&state.dir, id).await.map_err(problems)?;
    let took = start.elapsed();
    tracing::info!(action = "reset_org", org = %org.id, took_ms = took.as_secs_f64() * 1000.0, "control plane");
    Ok((org, took))
}

/// `POST /_orgdir/orgs/import` with an org document.
async fn import_org(
    _: Admin,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let org = import_text(&state, &body.to_string()).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "org": org_view(&org) }),
    ))
}

/// Imports an org document given as JSON text, logged.
pub(crate) async fn import_text(state: &AppState, text: &str) -> Result<Org, ApiError> {
    let doc: OrgDocument = document::parse(text).map_err(|p| problems(ImportError::Invalid(p)))?;
    let org = document::import(&state.dir, &doc).await.map_err(problems)?;
    tracing::info!(action = "import_org", org = %org.id, users = doc.users.len(), "control plane");
    Ok(org)
}

/// `GET /_orgdir/orgs/{org}/export`
async fn export_org(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    let doc = document::export(&state.dir, org.id).await?;
    Ok(json_response(StatusCode::OK, &doc))
}

/// `GET /_orgdir/orgs/{org}/behaviour`: the org's emulator controls
/// (API-DESIGN 144), each with its value or its default.
async fn get_behaviour(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    let behaviour = orgs::behaviour(&state.dir, org.id).await?;
    Ok(json_response(StatusCode::OK, &behaviour.to_json()))
}

/// `PUT /_orgdir/orgs/{org}/behaviour` with the controls to change, e.g.
/// `{"user_group_deletion":"scheduled"}`; answers the whole behaviour.
async fn set_behaviour(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    let behaviour = orgs::set_behaviour(&state.dir, org.id, body).await?;
    tracing::info!(action = "set_behaviour", org = %org.id, behaviour = %behaviour.to_json(), "control plane");
    Ok(json_response(StatusCode::OK, &behaviour.to_json()))
}

/// `POST /_orgdir/orgs/{org}/tokens` with `{scopes, user_id?, email?, expires_in?}`.
async fn mint_token(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    let minted = mint_from(&state, &org, &body).await?;
    Ok(json_response(StatusCode::CREATED, &minted))
}

/// Mints an access token from a `POST /_orgdir/orgs/{org}/tokens` body
/// (the control plane and the dashboard both mint here), logged without
/// the token: `{access_token, expires_in, user_id}`.
pub(crate) async fn mint_from(state: &AppState, org: &Org, body: &Value) -> Result<Value, Error> {
    let f = Fields::new(body, "$")?;
    let scopes_text = f
        .opt_str("scopes", 2000)?
        .unwrap_or_else(|| ALL_SCOPES.to_owned());
    let scopes = ScopeSet::parse(&scopes_text)
        .map_err(|e| Error::invalid_field("$.scopes", e.to_string()))?;
    if scopes.is_empty() {
        return Err(Error::invalid_field("$.scopes", "give at least one scope"));
    }
    let user = match (f.opt_ref("user_id")?, f.opt_str("email", 100)?) {
        (Some(id), _) => id,
        (None, Some(email)) => users::find_by_email(&state.dir, org.id, &email)
            .await?
            .map(|u| u.user.id)
            .ok_or_else(|| Error::invalid_field("$.email", "no such user"))?,
        (None, None) => users::primary(&state.dir, org.id)
            .await?
            .map(|u| u.user.id)
            .ok_or_else(|| Error::internal("org without a primary user"))?,
    };
    let expires_in = match f.map.get("expires_in") {
        None | Some(Value::Null) => Some(state.settings.oauth.access_ttl),
        Some(v) => match v.as_i64() {
            Some(0) => None,
            Some(n) if (1..=MAX_TOKEN_LIFETIME).contains(&n) => Some(n),
            _ => {
                return Err(Error::invalid_field(
                    "$.expires_in",
                    "expires_in must be 0 (no expiry) or 1 to 315360000 seconds",
                ))
            }
        },
    };
    let token = tokens::mint_access_token(&state.dir, org.id, user, scopes, expires_in).await?;
    tracing::info!(action = "mint_token", org = %org.id, user = %user, "control plane");
    Ok(json!({ "access_token": token, "expires_in": expires_in, "user_id": user.to_string() }))
}

/// `POST /_orgdir/orgs/{org}/tokens/revoke` with `{"user_id"}`,
/// `{"client_id"}` or `{}` (every token of the org, the demo token too):
/// deletes those tokens and codes; cached sessions are refused at once
/// (API-DESIGN 191).
async fn revoke_tokens(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    use orgdir_core::store::Whose;
    let org = existing(&state, &org).await?;
    let f = Fields::new(&body, "$")?;
    let whose = match (f.opt_ref("user_id")?, f.opt_str("client_id", 100)?) {
        (Some(_), Some(_)) => {
            return Err(
                Error::invalid_field("$.client_id", "give user_id or client_id, not both").into(),
            )
        }
        (Some(user), None) => Whose::User(user),
        (None, Some(client)) => {
            if !oauth::clients(&state.dir, org.id)
                .await?
                .iter()
                .any(|c| c.client_id == client)
            {
                return Err(
                    Error::invalid_field("$.client_id", "no such client in this org").into(),
                );
            }
            Whose::Client(client)
        }
        (None, None) => Whose::All,
    };
    let revoked = oauth::revoke_all(&state.dir, org.id, whose).await?;
    tracing::info!(action = "revoke_tokens", org = %org.id, revoked, "control plane");
    Ok(json_response(
        StatusCode::OK,
        &json!({ "status": "success", "revoked": revoked }),
    ))
}

fn client_view(client: &orgdir_core::oauth::OAuthClient) -> Value {
    json!({
        "client_id": client.client_id,
        "name": client.name,
        "redirect_uris": client.redirect_uris,
        "self_client": client.self_client,
        "scopes": client.scopes.to_string(),
        "owner_id": client.owner.to_string(),
    })
}

/// `GET /_orgdir/orgs/{org}/clients`
async fn list_clients(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    let clients: Vec<Value> = oauth::clients(&state.dir, org.id)
        .await?
        .iter()
        .map(client_view)
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "clients": clients }),
    ))
}

/// `POST /_orgdir/orgs/{org}/clients` with `{name, redirect_uris, self_client?, scopes?, owner_id?}`:
/// the secret is in this answer only.
async fn create_client(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    let f = Fields::new(&body, "$")?;
    let name = f.req_str("name", 100)?;
    let redirect_uris = match f.map.get("redirect_uris") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    Error::invalid_field(format!("$.redirect_uris[{i}]"), "must be a string")
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(Error::invalid_field("$.redirect_uris", "must be an array").into()),
    };
    let scopes_text = f
        .opt_str("scopes", 2000)?
        .unwrap_or_else(|| ALL_SCOPES.to_owned());
    let scopes = ScopeSet::parse(&scopes_text)
        .map_err(|e| Error::invalid_field("$.scopes", e.to_string()))?;
    let self_client = f.opt_bool("self_client")?.unwrap_or(false);
    let owner: Option<ZohoId> = f.opt_ref("owner_id")?;
    let made = oauth::create_client(
        &state.dir,
        org.id,
        &name,
        redirect_uris,
        self_client,
        scopes,
        owner,
    )
    .await?;
    tracing::info!(action = "create_client", org = %org.id, client_id = %made.client.client_id, "control plane");
    let mut view = client_view(&made.client);
    view["client_secret"] = json!(made.secret);
    Ok(json_response(StatusCode::CREATED, &view))
}

/// `POST /_orgdir/orgs/{org}/users/{user}/confirm`: the user accepted the invitation.
async fn confirm_user(
    _: Admin,
    State(state): State<AppState>,
    Path((org, user)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    let user = ZohoId::parse(&user).ok_or_else(|| Error::invalid_path(4, "not a user id"))?;
    users::confirm(&state.dir, org.id, user).await?;
    tracing::info!(action = "confirm_user", org = %org.id, user = %user, "control plane");
    Ok(success())
}

/// `PUT /_orgdir/orgs/{org}/users/{user}/password` with `{"password":…}`
/// (8 to 256 characters) or `{"password":null}` (no sign-in): only an
/// argon2id hash is kept (API-DESIGN 196).
async fn set_password(
    _: Admin,
    State(state): State<AppState>,
    Path((org, user)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    let user = ZohoId::parse(&user).ok_or_else(|| Error::invalid_path(4, "not a user id"))?;
    let password = match body.get("password") {
        Some(Value::String(p)) => Some(p.as_str()),
        Some(Value::Null) => None,
        Some(_) => {
            return Err(Error::invalid_field("$.password", "must be a string or null").into())
        }
        None => return Err(Error::mandatory("$.password").into()),
    };
    orgdir_core::service::passwords::set(&state.dir, org.id, user, password).await?;
    tracing::info!(action = "set_password", org = %org.id, user = %user, "control plane");
    Ok(success())
}

/// `GET /_orgdir/orgs/{org}/requests`: the org's request journal, newest
/// first, filtered by `method`, `path`, `status`, `code`, `since`, `limit`
/// (API-DESIGN 166).
async fn list_requests(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    let filter = Filter::parse(|name| params.get(name))?;
    let requests: Vec<Value> = state
        .dir
        .controls()
        .journal
        .list(org.id, &filter)
        .iter()
        .map(|e| e.to_json())
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "requests": requests }),
    ))
}

/// Clears one of the emulator controls of the org named `org` with
/// `clear`, logged as `action`: `{"status":"success"}`.
pub(crate) async fn clear_control(
    state: &AppState,
    org: &str,
    action: &'static str,
    clear: impl FnOnce(&Controls, OrgId),
) -> Result<Response, ApiError> {
    let org = existing(state, org).await?;
    clear(state.dir.controls(), org.id);
    tracing::info!(action, org = %org.id, "control plane");
    Ok(success())
}

/// `DELETE /_orgdir/orgs/{org}/requests`: forgets the org's journal.
async fn clear_requests(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    clear_control(&state, &org, "clear_requests", |c, org| {
        c.journal.clear(org)
    })
    .await
}

/// `POST /_orgdir/orgs/{org}/faults`: adds a fault rule (API-DESIGN 167);
/// 201 with the rule and its id.
async fn add_fault(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    let view = add_fault_from(&state, org.id, &body)?;
    Ok(json_response(StatusCode::CREATED, &view))
}

/// Adds a fault rule from a `POST /_orgdir/orgs/{org}/faults` body, logged: the rule.
pub(crate) fn add_fault_from(state: &AppState, org: OrgId, body: &Value) -> Result<Value, Error> {
    let rule = state.dir.controls().faults.add(org, body)?;
    let view = rule.to_json();
    tracing::info!(action = "add_fault", org = %org, rule = %view, "control plane");
    Ok(view)
}

/// `GET /_orgdir/orgs/{org}/faults`: the org's rules, oldest first, each
/// with its hit count.
async fn list_faults(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    let faults: Vec<Value> = state
        .dir
        .controls()
        .faults
        .list(org.id)
        .iter()
        .map(|r| r.to_json())
        .collect();
    Ok(json_response(StatusCode::OK, &json!({ "faults": faults })))
}

/// `DELETE /_orgdir/orgs/{org}/faults`: removes every rule of the org.
async fn clear_faults(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    clear_control(&state, &org, "clear_faults", |c, org| c.faults.clear(org)).await
}

/// `DELETE /_orgdir/orgs/{org}/faults/{id}`: removes one rule; an id the
/// org does not hold is 400 `INVALID_DATA` `{"resource_path_index":4}`.
async fn remove_fault(
    _: Admin,
    State(state): State<AppState>,
    Path((org, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    remove_fault_of(&state, org.id, &id)?;
    Ok(success())
}

/// Removes the fault rule numbered `id` of an org, logged; `INVALID_DATA`
/// `{"resource_path_index":4}` when the org holds no such rule.
pub(crate) fn remove_fault_of(state: &AppState, org: OrgId, id: &str) -> Result<(), Error> {
    let id: u64 = id
        .parse()
        .map_err(|_| Error::invalid_path(4, "not a fault rule id"))?;
    if !state.dir.controls().faults.remove(org, id) {
        return Err(Error::invalid_path(4, "no such fault rule"));
    }
    tracing::info!(action = "remove_fault", org = %org, rule = id, "control plane");
    Ok(())
}

/// The org's limits and their state on its clock (API-DESIGN 172).
fn limits_view(state: &AppState, org: OrgId) -> Response {
    let controls = state.dir.controls();
    let status = controls.limits.status(org, controls.now(org));
    json_response(StatusCode::OK, &status)
}

/// `GET /_orgdir/orgs/{org}/limits`: the limits, the credits used in the
/// current window, those remaining and when the oldest comes back.
async fn get_limits(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    Ok(limits_view(&state, org.id))
}

/// `PUT /_orgdir/orgs/{org}/limits` with `{"credits_per_day": N|null,
/// "concurrency": N|null}` or `{"edition": true}`; answers as `GET`.
async fn set_limits(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    set_limits_from(&state, &org, &body)?;
    Ok(limits_view(&state, org.id))
}

/// Sets an org's limits from a `PUT /_orgdir/orgs/{org}/limits` body, logged.
pub(crate) fn set_limits_from(state: &AppState, org: &Org, body: &Value) -> Result<(), Error> {
    let settings = match LimitsRequest::parse(body)? {
        LimitsRequest::Numbers(settings) => settings,
        LimitsRequest::Edition => LimitSettings::for_edition(org.edition, org.licenses),
    };
    state.dir.controls().limits.set(org.id, settings);
    tracing::info!(action = "set_limits", org = %org.id, limits = ?settings, "control plane");
    Ok(())
}

/// `DELETE /_orgdir/orgs/{org}/limits`: no limits, credits forgotten.
async fn clear_limits(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    clear_control(&state, &org, "clear_limits", |c, org| c.limits.clear(org)).await
}

/// `{"now", "offset_seconds"}` of the org's clock (API-DESIGN 173).
fn clock_view(state: &AppState, org: &Org) -> Response {
    let controls = state.dir.controls();
    json_response(
        StatusCode::OK,
        &json!({
            "now": org.format_time(controls.now(org.id)),
            "offset_seconds": controls.clocks.offset(org.id),
        }),
    )
}

/// `GET /_orgdir/orgs/{org}/clock`
async fn get_clock(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    Ok(clock_view(&state, &org))
}

/// `POST /_orgdir/orgs/{org}/clock` with `{"advance_seconds": N}` (N > 0):
/// moves the org's time forward; answers as `GET`.
async fn advance_clock(
    _: Admin,
    State(state): State<AppState>,
    Path(org): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let org = existing(&state, &org).await?;
    advance_clock_from(&state, &org, &body)?;
    Ok(clock_view(&state, &org))
}

/// Advances an org's clock from a `POST /_orgdir/orgs/{org}/clock` body,
/// logged: the clock's new offset in seconds.
pub(crate) fn advance_clock_from(state: &AppState, org: &Org, body: &Value) -> Result<i64, Error> {
    let f = Fields::new(body, "$")?;
    if let Some(key) = f.map.keys().find(|k| *k != "advance_seconds") {
        return Err(Error::invalid_field(format!("$.{key}"), "unknown key"));
    }
    let seconds = f
        .map
        .get("advance_seconds")
        .and_then(Value::as_i64)
        .ok_or_else(|| {
            Error::invalid_field("$.advance_seconds", "must be a whole number of seconds")
        })?;
    let offset = state.dir.controls().clocks.advance(org.id, seconds)?;
    tracing::info!(action = "advance_clock", org = %org.id, seconds, offset, "control plane");
    Ok(offset)
}
