//! `/crm/{v}/users…`: list, get, create, update, delete, and the users count.

use super::{path_id, query_ids, single_item, written};
use crate::error::{item_error, json_response, no_content, ApiError, ItemError};
use crate::extract::{Authed, JsonBody, Params, UsersCreate, UsersDelete, UsersRead, UsersUpdate};
use crate::{views, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orgdir_core::input::{reference, Fields};
use orgdir_core::org::Org;
use orgdir_core::paging::Page;
use orgdir_core::service::users as service;
use orgdir_core::users::{NewUser, UserDetails, UserPatch};
use orgdir_core::{Error, ZohoId};
use orgdir_types::users::{User, UserType, UsersBody, UsersCount, UsersPage};

/// The users routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/crm/{version}/users",
            get(list).post(create).put(update_in_body),
        )
        .route("/crm/{version}/users/actions/count", get(count))
        .route(
            "/crm/{version}/users/{id}",
            get(get_one).put(update_one).delete(delete_one),
        )
}

/// The index of the user id in `/crm/{v}/users/{id}` (after the version).
const USER_ID_SEGMENT: usize = 1;
/// Most ids `?ids=` may list.
const MAX_IDS: usize = 100;

fn user_type(params: &Params) -> Result<UserType, Error> {
    match params.get("type") {
        None => Ok(UserType::AllUsers),
        Some(text) => {
            UserType::parse(text).ok_or_else(|| Error::invalid_param("type", "invalid type value"))
        }
    }
}

fn unknown_user() -> Error {
    Error::invalid_path(USER_ID_SEGMENT, "the id given seems to be invalid")
}

/// Users in Zoho's shape, with their territories (one query for the page).
pub async fn user_views(
    state: &AppState,
    org: &Org,
    rows: Vec<UserDetails>,
) -> Result<Vec<User>, Error> {
    let ids: Vec<ZohoId> = rows.iter().map(|d| d.user.id).collect();
    let memberships = state.store.memberships(org.id, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|d| views::user(org, d, &memberships))
        .collect())
}

/// `GET /users/actions/count?type=`
async fn count(
    auth: Authed<UsersRead>,
    params: Params,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let user_type = user_type(&params)?;
    let count = service::count(state.store.as_ref(), &auth.principal, user_type).await?;
    Ok(json_response(StatusCode::OK, &UsersCount { count }))
}

/// `GET /users?type=&page=&per_page=&ids=`
async fn list(
    auth: Authed<UsersRead>,
    params: Params,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let user_type = user_type(&params)?;
    let page = Page::parse(params.get("page"), params.get("per_page"), 200)?;
    let ids = params
        .get("ids")
        .map(|t| query_ids(t, "ids", MAX_IDS))
        .transpose()?;
    let (rows, info) =
        service::list(state.store.as_ref(), &auth.principal, user_type, page, ids).await?;
    if rows.is_empty() {
        return Ok(no_content());
    }
    let org = state.org(auth.principal.org).await?;
    let users = user_views(&state, &org, rows).await?;
    Ok(json_response(StatusCode::OK, &UsersPage { users, info }))
}

/// `GET /users/{id}`
async fn get_one(
    auth: Authed<UsersRead>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, USER_ID_SEGMENT)?;
    let details = state
        .store
        .user(auth.principal.org, id)
        .await?
        .ok_or_else(unknown_user)?;
    let org = state.org(auth.principal.org).await?;
    let users = user_views(&state, &org, vec![details]).await?;
    Ok(json_response(StatusCode::OK, &UsersBody { users }))
}

/// `POST /users` (one user per request).
async fn create(
    auth: Authed<UsersCreate>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error("users");
    let item = single_item(&body, "users").map_err(&to_item)?;
    let new = NewUser::from_json(item, "$.users[0]").map_err(&to_item)?;
    let id = service::create(state.store.as_ref(), &auth.principal, new, "$.users[0]")
        .await
        .map_err(&to_item)?;
    Ok(written("users", id, "User added", StatusCode::CREATED))
}

/// `PUT /users/{id}`
async fn update_one(
    auth: Authed<UsersUpdate>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error("users");
    let id = path_id(&id, USER_ID_SEGMENT).map_err(&to_item)?;
    let item = single_item(&body, "users").map_err(&to_item)?;
    let patch = UserPatch::from_json(item, "$.users[0]").map_err(&to_item)?;
    service::update(
        state.store.as_ref(),
        &auth.principal,
        id,
        patch,
        unknown_user,
    )
    .await
    .map_err(&to_item)?;
    Ok(written("users", id, "User updated", StatusCode::OK))
}

/// `PUT /users` with the id inside the item.
async fn update_in_body(
    auth: Authed<UsersUpdate>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error("users");
    let item = single_item(&body, "users").map_err(&to_item)?;
    let (id, id_path) = id_in_item(item, "$.users[0]").map_err(&to_item)?;
    let patch = UserPatch::from_json(item, "$.users[0]").map_err(&to_item)?;
    let missing = move || Error::invalid_field(id_path, "the id given seems to be invalid");
    service::update(state.store.as_ref(), &auth.principal, id, patch, missing)
        .await
        .map_err(&to_item)?;
    Ok(written("users", id, "User updated", StatusCode::OK))
}

/// The `id` of an item of a bulk update, and its JSON path.
pub fn id_in_item(item: &serde_json::Value, path: &str) -> Result<(ZohoId, String), Error> {
    let fields = Fields::new(item, path)?;
    let id_path = fields.path_of("id");
    let id = match fields.map.get("id") {
        None | Some(serde_json::Value::Null) => Err(Error::mandatory(&id_path)),
        Some(value) => reference(value, &id_path),
    }?;
    Ok((id, id_path))
}

/// `DELETE /users/{id}`
async fn delete_one(
    auth: Authed<UsersDelete>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ItemError> {
    let to_item = item_error("users");
    let id = path_id(&id, USER_ID_SEGMENT).map_err(&to_item)?;
    service::delete(state.store.as_ref(), &auth.principal, id, unknown_user)
        .await
        .map_err(&to_item)?;
    Ok(written("users", id, "User deleted", StatusCode::OK))
}
