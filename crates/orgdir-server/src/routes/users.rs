//! `/crm/{v}/users…`: list, get, create, update, delete, and the users count.

use crate::error::{item_error, json_response, no_content, ApiError, ItemError};
use crate::extract::{Authed, JsonBody, Params, UsersCreate, UsersDelete, UsersRead, UsersUpdate};
use crate::{views, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orgdir_core::input::{body_array, reference, Fields};
use orgdir_core::paging::Page;
use orgdir_core::service::users as service;
use orgdir_core::users::{NewUser, UserPatch};
use orgdir_core::{Error, ZohoId};
use orgdir_types::users::{UserType, UsersBody, UsersCount, UsersPage, UsersWriteResult};
use orgdir_types::ActionResult;

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

fn parse_ids(text: &str) -> Result<Vec<ZohoId>, Error> {
    let ids = text
        .split(',')
        .map(|id| ZohoId::parse(id.trim()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            Error::invalid_param("ids", "ids must be a comma-separated list of user ids")
        })?;
    if ids.len() > MAX_IDS {
        return Err(Error::invalid_param(
            "ids",
            format!("at most {MAX_IDS} ids can be given"),
        ));
    }
    Ok(ids)
}

fn path_id(id: &str) -> Result<ZohoId, Error> {
    ZohoId::parse(id).ok_or_else(|| Error::invalid_path(USER_ID_SEGMENT, "invalid user id"))
}

fn unknown_user() -> Error {
    Error::invalid_path(USER_ID_SEGMENT, "the id given seems to be invalid")
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
    let ids = params.get("ids").map(parse_ids).transpose()?;
    let store = state.store.as_ref();
    let (rows, info) = service::list(store, &auth.principal, user_type, page, ids).await?;
    if rows.is_empty() {
        return Ok(no_content());
    }
    let org = state.org(auth.principal.org).await?;
    let users = rows.into_iter().map(|d| views::user(&org, d)).collect();
    Ok(json_response(StatusCode::OK, &UsersPage { users, info }))
}

/// `GET /users/{id}`
async fn get_one(
    auth: Authed<UsersRead>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let details = state
        .store
        .user(auth.principal.org, id)
        .await?
        .ok_or_else(unknown_user)?;
    let org = state.org(auth.principal.org).await?;
    let users = vec![views::user(&org, details)];
    Ok(json_response(StatusCode::OK, &UsersBody { users }))
}

/// The one item of a users write body.
fn single_item(body: &serde_json::Value) -> Result<&serde_json::Value, Error> {
    let items = body_array(body, "users")?;
    match items.as_slice() {
        [one] => Ok(one),
        _ => Err(Error::invalid_field(
            "$.users",
            "only one user can be given per request",
        )),
    }
}

fn written(id: ZohoId, message: &str, status: StatusCode) -> Response {
    let users = vec![ActionResult::success(id.to_string(), message)];
    json_response(status, &UsersWriteResult { users })
}

/// `POST /users` (one user per request).
async fn create(
    auth: Authed<UsersCreate>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error("users");
    let item = single_item(&body).map_err(&to_item)?;
    let new = NewUser::from_json(item, "$.users[0]").map_err(&to_item)?;
    let id = service::create(state.store.as_ref(), &auth.principal, new, "$.users[0]")
        .await
        .map_err(&to_item)?;
    Ok(written(id, "User added", StatusCode::CREATED))
}

/// `PUT /users/{id}`
async fn update_one(
    auth: Authed<UsersUpdate>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error("users");
    let id = path_id(&id).map_err(&to_item)?;
    let item = single_item(&body).map_err(&to_item)?;
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
    Ok(written(id, "User updated", StatusCode::OK))
}

/// `PUT /users` with the id inside the item.
async fn update_in_body(
    auth: Authed<UsersUpdate>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error("users");
    let item = single_item(&body).map_err(&to_item)?;
    let fields = Fields::new(item, "$.users[0]").map_err(&to_item)?;
    let id_path = fields.path_of("id");
    let id = match fields.map.get("id") {
        None | Some(serde_json::Value::Null) => Err(Error::mandatory(&id_path)),
        Some(value) => reference(value, &id_path),
    }
    .map_err(&to_item)?;
    let patch = UserPatch::from_json(item, "$.users[0]").map_err(&to_item)?;
    let missing = move || Error::invalid_field(id_path, "the id given seems to be invalid");
    service::update(state.store.as_ref(), &auth.principal, id, patch, missing)
        .await
        .map_err(&to_item)?;
    Ok(written(id, "User updated", StatusCode::OK))
}

/// `DELETE /users/{id}`
async fn delete_one(
    auth: Authed<UsersDelete>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ItemError> {
    let to_item = item_error("users");
    let id = path_id(&id).map_err(&to_item)?;
    service::delete(state.store.as_ref(), &auth.principal, id, unknown_user)
        .await
        .map_err(&to_item)?;
    Ok(written(id, "User deleted", StatusCode::OK))
}
