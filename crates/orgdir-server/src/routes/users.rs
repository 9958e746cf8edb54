//! `/crm/{v}/users…`: list, get, create, update, delete, and the users count.

use super::{item_id, path_id, query_ids, single_item, written};
use crate::error::{item_error, json_response, no_content, ApiError, ItemError};
use crate::extract::Path;
use crate::extract::{Authed, JsonBody, Params, UsersCreate, UsersDelete, UsersRead, UsersUpdate};
use crate::views::UsersView;
use crate::{views, AppState};
use axum::extract::State;
use axum::http::header::IF_MODIFIED_SINCE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use orgdir_core::org::Org;
use orgdir_core::paging::Page;
use orgdir_core::service::users as service;
use orgdir_core::users::{NewUser, UserDetails, UserPatch};
use orgdir_core::Error;
use orgdir_types::users::{UserType, UsersCount};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The users routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create, update_in_body))
        .routes(routes!(count))
        .routes(routes!(get_one, update_one, delete_one))
}

/// The index of the user id in `/crm/{v}/users/{id}` (after the version).
const USER_ID_SEGMENT: usize = 1;
/// Most ids `?ids=` may list.
const MAX_IDS: usize = 100;

/// The `If-Modified-Since` header, in seconds, if given: a date and time
/// with its offset, as Zoho's example `2019-07-25T15:26:49+05:30`.
fn modified_since(headers: &HeaderMap) -> Result<Option<i64>, Error> {
    let Some(value) = headers.get(IF_MODIFIED_SINCE) else {
        return Ok(None);
    };
    let bad = || {
        Error::invalid_param(
            "If-Modified-Since",
            "give a date and time with its offset, as 2019-07-25T15:26:49+05:30",
        )
    };
    let text = value.to_str().map_err(|_| bad())?;
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|time| Some(time.timestamp()))
        .map_err(|_| bad())
}

/// 304 with no body: nothing changed since `If-Modified-Since`.
fn not_modified() -> Response {
    StatusCode::NOT_MODIFIED.into_response()
}

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

/// Users in Zoho's shape, with their territories: `{"users":[…]}`, with
/// `info` if given.
pub fn user_views<'a>(
    org: &'a Org,
    rows: &'a [UserDetails],
    info: Option<orgdir_types::Info>,
) -> UsersView<'a> {
    UsersView {
        users: rows.iter().map(|d| views::user(org, d)).collect(),
        info,
    }
}

/// `GET /users/actions/count?type=`
#[utoipa::path(
    operation_id = "users_count",
    get,
    path = "/crm/{version}/users/actions/count",
    tag = "users",
    params(
        crate::openapi::VersionPath,
        crate::openapi::CountQuery
    ),
    responses(
        (status = 200, description = "The users count (an integer)", body = orgdir_types::users::UsersCount),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.users.READ"]))
)]
async fn count(
    mut auth: Authed<UsersRead>,
    params: Params,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let user_type = user_type(&params)?;
    let count = service::count(&state.dir, &mut auth.caller, user_type).await?;
    Ok(json_response(StatusCode::OK, &UsersCount { count }))
}

/// `GET /users?type=&page=&per_page=&ids=`
#[utoipa::path(
    operation_id = "users_list",
    get,
    path = "/crm/{version}/users",
    tag = "users",
    params(
        crate::openapi::VersionPath,
        crate::openapi::UsersQuery,
        crate::openapi::IfModifiedSince
    ),
    responses(
        (status = 200, description = "A page of users", body = orgdir_types::users::UsersPage),
        (status = 204, description = "Nothing to list"),
        (status = 304, description = "No user of the page was modified after If-Modified-Since"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.users.READ"]))
)]
async fn list(
    mut auth: Authed<UsersRead>,
    params: Params,
    headers: HeaderMap,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let user_type = user_type(&params)?;
    let page = Page::parse(params.get("page"), params.get("per_page"), 200)?;
    let ids = params
        .get("ids")
        .map(|t| query_ids(t, "ids", MAX_IDS))
        .transpose()?;
    let since = modified_since(&headers)?;
    let (rows, info) =
        service::list(&state.dir, &mut auth.caller, user_type, page, ids, since).await?;
    if rows.is_empty() {
        return Ok(if since.is_some() {
            not_modified()
        } else {
            no_content()
        });
    }
    let users = user_views(auth.caller.org(), &rows, Some(info));
    Ok(json_response(StatusCode::OK, &users))
}

/// `GET /users/{id}`
#[utoipa::path(
    operation_id = "users_get_one",
    get,
    path = "/crm/{version}/users/{id}",
    tag = "users",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "User id"),
        crate::openapi::IfModifiedSince
    ),
    responses(
        (status = 200, description = "The user", body = orgdir_types::users::UsersBody),
        (status = 304, description = "The user was not modified after If-Modified-Since"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.users.READ"]))
)]
async fn get_one(
    mut auth: Authed<UsersRead>,
    headers: HeaderMap,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, USER_ID_SEGMENT)?;
    let since = modified_since(&headers)?;
    let details = service::get(&state.dir, &mut auth.caller, id)
        .await?
        .ok_or_else(unknown_user)?;
    if since.is_some_and(|since| details.user.modified_at <= since) {
        return Ok(not_modified());
    }
    let users = user_views(auth.caller.org(), std::slice::from_ref(&details), None);
    Ok(json_response(StatusCode::OK, &users))
}

/// `POST /users` (one user per request).
#[utoipa::path(
    operation_id = "users_create",
    post,
    path = "/crm/{version}/users",
    tag = "users",
    params(
        crate::openapi::VersionPath
    ),
    request_body = crate::openapi::UsersCreateBody,
    responses(
        (status = 201, description = "Per-item result", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.users.CREATE"]))
)]
async fn create(
    auth: Authed<UsersCreate>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error("users");
    let item = single_item(&body, "users").map_err(&to_item)?;
    let new = NewUser::from_json(item, "$.users[0]").map_err(&to_item)?;
    let id = service::create(&state.dir, &auth.caller, new, "$.users[0]")
        .await
        .map_err(&to_item)?;
    Ok(written("users", id, "User added", StatusCode::CREATED))
}

/// `PUT /users/{id}`
#[utoipa::path(
    operation_id = "users_update_one",
    put,
    path = "/crm/{version}/users/{id}",
    tag = "users",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "User id")
    ),
    request_body = crate::openapi::WriteBody,
    responses(
        (status = 200, description = "Per-item result", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.users.UPDATE"]))
)]
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
    service::update(&state.dir, &auth.caller, id, patch, unknown_user)
        .await
        .map_err(&to_item)?;
    Ok(written("users", id, "User updated", StatusCode::OK))
}

/// `PUT /users` with the id inside the item.
#[utoipa::path(
    operation_id = "users_update_in_body",
    put,
    path = "/crm/{version}/users",
    tag = "users",
    params(
        crate::openapi::VersionPath
    ),
    request_body = crate::openapi::WriteBody,
    responses(
        (status = 200, description = "Per-item result", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.users.UPDATE"]))
)]
async fn update_in_body(
    auth: Authed<UsersUpdate>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error("users");
    let item = single_item(&body, "users").map_err(&to_item)?;
    let (id, missing) = item_id(item, "$.users[0]").map_err(&to_item)?;
    let patch = UserPatch::from_json(item, "$.users[0]").map_err(&to_item)?;
    service::update(&state.dir, &auth.caller, id, patch, missing)
        .await
        .map_err(&to_item)?;
    Ok(written("users", id, "User updated", StatusCode::OK))
}

/// `DELETE /users/{id}`
#[utoipa::path(
    operation_id = "users_delete_one",
    delete,
    path = "/crm/{version}/users/{id}",
    tag = "users",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "User id")
    ),
    responses(
        (status = 200, description = "Per-item result", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.users.DELETE"]))
)]
async fn delete_one(
    auth: Authed<UsersDelete>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ItemError> {
    let to_item = item_error("users");
    let id = path_id(&id, USER_ID_SEGMENT).map_err(&to_item)?;
    service::delete(&state.dir, &auth.caller, id, unknown_user)
        .await
        .map_err(&to_item)?;
    Ok(written("users", id, "User deleted", StatusCode::OK))
}
