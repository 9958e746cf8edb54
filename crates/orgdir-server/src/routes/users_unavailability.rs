//! `/crm/{v}/settings/users_unavailability…`: the periods users are
//! unavailable — list, get, create, bulk and single update, delete.

use super::{each_item, item_id, item_results, path_id, query_ids, single_item, written};
use crate::error::{item_error, json_response, no_content, ApiError, ItemError};
use crate::extract::{
    Authed, JsonBody, Params, Path, UnavailabilityCreate, UnavailabilityDelete, UnavailabilityRead,
    UnavailabilityUpdate,
};
use crate::{views, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use orgdir_core::paging::Page;
use orgdir_core::service::unavailability as service;
use orgdir_core::unavailability::{
    NewUnavailability, TimeFilter, UnavailabilityPatch, UnavailabilityQuery,
};
use orgdir_core::{Error, Result, ZohoId};
use orgdir_types::unavailability::{UsersUnavailabilityBody, UsersUnavailabilityPage};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The users' unavailability routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create, update_in_body))
        .routes(routes!(get_one, update_one, delete_one))
}

/// The resource key of bodies and answers.
const KEY: &str = "users_unavailability";

/// Segment of the id in `settings/users_unavailability/{id}`.
const SEGMENT: usize = 2;

/// Most ids in `group_ids`, `role_ids` or `territory_ids`.
const MAX_IDS: usize = 100;

fn unknown_period() -> Error {
    Error::invalid_path(SEGMENT, "the id given seems to be invalid")
}

/// `include_inner_details`: `user.zuid` or nothing.
fn with_zuid(params: &Params) -> Result<bool> {
    match params.get("include_inner_details").map(str::trim) {
        None => Ok(false),
        Some("user.zuid") => Ok(true),
        Some(_) => Err(Error::invalid_param(
            "include_inner_details",
            "the only value include_inner_details takes is user.zuid",
        )),
    }
}

/// `filters`, when given.
fn filter(params: &Params) -> Result<Option<TimeFilter>> {
    params.get("filters").map(TimeFilter::parse).transpose()
}

/// A comma-separated id list parameter, empty when absent.
fn ids(params: &Params, name: &str) -> Result<Vec<ZohoId>> {
    Ok(params
        .get(name)
        .map(|text| query_ids(text, name, MAX_IDS))
        .transpose()?
        .unwrap_or_default())
}

/// `GET /settings/users_unavailability?include_inner_details=&group_ids=&role_ids=&territory_ids=&filters=&page=&per_page=`
#[utoipa::path(
    operation_id = "users_unavailability_list",
    get,
    path = "/crm/{version}/settings/users_unavailability",
    tag = "users unavailability",
    params(
        crate::openapi::VersionPath,
        crate::openapi::UnavailabilityListQuery
    ),
    responses(
        (status = 200, description = "A page of periods, by creation (a non-admin's own only)", body = orgdir_types::unavailability::UsersUnavailabilityPage),
        (status = 204, description = "Nothing to list"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.users_unavailability.READ"]))
)]
async fn list(
    mut auth: Authed<UnavailabilityRead>,
    params: Params,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let page = Page::parse(params.get("page"), params.get("per_page"), 200)?;
    let zuid = with_zuid(&params)?;
    let filter = filter(&params)?;
    let query = UnavailabilityQuery {
        owner: None,
        group_ids: ids(&params, "group_ids")?,
        role_ids: ids(&params, "role_ids")?,
        territory_ids: ids(&params, "territory_ids")?,
    };
    let (rows, info) =
        service::list(&state.dir, &mut auth.caller, query, filter.as_ref(), page).await?;
    if rows.is_empty() {
        return Ok(no_content());
    }
    let org = auth.caller.org();
    let users_unavailability = rows
        .into_iter()
        .map(|d| views::unavailability(org, d, zuid))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &UsersUnavailabilityPage {
            users_unavailability,
            info,
        },
    ))
}

/// `GET /settings/users_unavailability/{id}?include_inner_details=&filters=`
#[utoipa::path(
    operation_id = "users_unavailability_get_one",
    get,
    path = "/crm/{version}/settings/users_unavailability/{id}",
    tag = "users unavailability",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Unavailability id"),
        crate::openapi::UnavailabilityGetQuery
    ),
    responses(
        (status = 200, description = "The period", body = orgdir_types::unavailability::UsersUnavailabilityBody),
        (status = 204, description = "The period does not pass `filters`"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.users_unavailability.READ"]))
)]
async fn get_one(
    mut auth: Authed<UnavailabilityRead>,
    params: Params,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let zuid = with_zuid(&params)?;
    let filter = filter(&params)?;
    let id = path_id(&id, SEGMENT)?;
    let found = service::get(&state.dir, &mut auth.caller, id, filter.as_ref())
        .await?
        .ok_or_else(unknown_period)?;
    let Some(details) = found else {
        return Ok(no_content());
    };
    let body = UsersUnavailabilityBody {
        users_unavailability: vec![views::unavailability(auth.caller.org(), details, zuid)],
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /settings/users_unavailability` (one result per period).
#[utoipa::path(
    operation_id = "users_unavailability_create",
    post,
    path = "/crm/{version}/settings/users_unavailability",
    tag = "users unavailability",
    params(
        crate::openapi::VersionPath
    ),
    request_body = crate::openapi::UnavailabilityCreateBody,
    responses(
        (status = 201, description = "Per-item results", body = crate::openapi::WriteResults),
        (status = 200, description = "Some items failed", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.users_unavailability.CREATE"]))
)]
async fn create(
    auth: Authed<UnavailabilityCreate>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let (dir, caller) = (state.dir.as_ref(), &auth.caller);
    let results = each_item(&body, KEY, |item, path| async move {
        let new = NewUnavailability::from_json(&item, &path)?;
        service::create(dir, caller, new, &path).await
    })
    .await?;
    item_results(
        KEY,
        results,
        "Unavailability created successfully.",
        StatusCode::CREATED,
    )
}

/// `PUT /settings/users_unavailability` with ids inside the items.
#[utoipa::path(
    operation_id = "users_unavailability_update_in_body",
    put,
    path = "/crm/{version}/settings/users_unavailability",
    tag = "users unavailability",
    params(
        crate::openapi::VersionPath
    ),
    request_body = crate::openapi::WriteBody,
    responses(
        (status = 200, description = "Per-item results", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.users_unavailability.UPDATE"]))
)]
async fn update_in_body(
    auth: Authed<UnavailabilityUpdate>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let (dir, caller) = (state.dir.as_ref(), &auth.caller);
    let results = each_item(&body, KEY, |item, path| async move {
        let (id, missing) = item_id(&item, &path)?;
        let patch = UnavailabilityPatch::from_json(&item, &path)?;
        service::update(dir, caller, id, patch, &path, missing)
            .await
            .map(|()| id)
    })
    .await?;
    item_results(
        KEY,
        results,
        "Unavailability updated successfully.",
        StatusCode::OK,
    )
}

/// `PUT /settings/users_unavailability/{id}`
#[utoipa::path(
    operation_id = "users_unavailability_update_one",
    put,
    path = "/crm/{version}/settings/users_unavailability/{id}",
    tag = "users unavailability",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Unavailability id")
    ),
    request_body = crate::openapi::WriteBody,
    responses(
        (status = 200, description = "Per-item result", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.users_unavailability.UPDATE"]))
)]
async fn update_one(
    auth: Authed<UnavailabilityUpdate>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error(KEY);
    let id = path_id(&id, SEGMENT).map_err(&to_item)?;
    let item = single_item(&body, KEY).map_err(&to_item)?;
    let path = "$.users_unavailability[0]";
    let patch = UnavailabilityPatch::from_json(item, path).map_err(&to_item)?;
    service::update(&state.dir, &auth.caller, id, patch, path, unknown_period)
        .await
        .map_err(&to_item)?;
    Ok(written(
        KEY,
        id,
        "Unavailability updated successfully.",
        StatusCode::OK,
    ))
}

/// `DELETE /settings/users_unavailability/{id}`
#[utoipa::path(
    operation_id = "users_unavailability_delete_one",
    delete,
    path = "/crm/{version}/settings/users_unavailability/{id}",
    tag = "users unavailability",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Unavailability id")
    ),
    responses(
        (status = 200, description = "Per-item result", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.users_unavailability.DELETE"]))
)]
async fn delete_one(
    auth: Authed<UnavailabilityDelete>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ItemError> {
    let to_item = item_error(KEY);
    let id = path_id(&id, SEGMENT).map_err(&to_item)?;
    service::delete(&state.dir, &auth.caller, id, unknown_period)
        .await
        .map_err(&to_item)?;
    Ok(written(
        KEY,
        id,
        "Unavailability deleted Successfully",
        StatusCode::OK,
    ))
}
