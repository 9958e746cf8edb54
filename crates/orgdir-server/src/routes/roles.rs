//! `/crm/{v}/settings/roles…` and its deletion with `transfer_to_id`.

use super::{each_item, item_id, item_results, path_id, single_item, written};
use crate::error::{item_error, json_response, ApiError, ItemError};
use crate::extract::Path;
use crate::extract::{Authed, JsonBody, Params, RolesCreate, RolesDelete, RolesRead, RolesUpdate};
use crate::{views, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use orgdir_core::org::{NewRole, RolePatch};
use orgdir_core::service::roles as service;
use orgdir_core::{Error, ZohoId};
use orgdir_types::roles::RolesBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The roles routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create, update_in_body))
        .routes(routes!(get_one, update_one, delete_one))
}

const ROLE_ID_SEGMENT: usize = 2;

fn unknown_role() -> Error {
    Error::invalid_path(ROLE_ID_SEGMENT, "the id given seems to be invalid")
}

/// `GET /settings/roles`
#[utoipa::path(
    operation_id = "roles_list",
    get,
    path = "/crm/{version}/settings/roles",
    tag = "roles",
    params(
        crate::openapi::VersionPath
    ),
    responses(
        (status = 200, description = "Every role", body = orgdir_types::roles::RolesBody),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.roles.READ"]))
)]
async fn list(
    mut auth: Authed<RolesRead>,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let roles = service::list(&state.dir, &mut auth.caller).await?;
    let org = auth.caller.org();
    let body = RolesBody {
        roles: roles.iter().map(|r| views::role(org, r, &roles)).collect(),
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /settings/roles/{id}`
#[utoipa::path(
    operation_id = "roles_get_one",
    get,
    path = "/crm/{version}/settings/roles/{id}",
    tag = "roles",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Role id")
    ),
    responses(
        (status = 200, description = "The role", body = orgdir_types::roles::RolesBody),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.roles.READ"]))
)]
async fn get_one(
    mut auth: Authed<RolesRead>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ROLE_ID_SEGMENT)?;
    let roles = service::list(&state.dir, &mut auth.caller).await?;
    let role = roles.iter().find(|r| r.id == id).ok_or_else(unknown_role)?;
    let body = RolesBody {
        roles: vec![views::role(auth.caller.org(), role, &roles)],
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /settings/roles` (one result per role).
#[utoipa::path(
    operation_id = "roles_create",
    post,
    path = "/crm/{version}/settings/roles",
    tag = "roles",
    params(
        crate::openapi::VersionPath
    ),
    request_body = crate::openapi::RolesCreateBody,
    responses(
        (status = 201, description = "Per-item results", body = crate::openapi::WriteResults),
        (status = 200, description = "Some items failed", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.roles.CREATE"]))
)]
async fn create(
    auth: Authed<RolesCreate>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let (dir, caller) = (state.dir.as_ref(), &auth.caller);
    let results = each_item(&body, "roles", |item, path| async move {
        let new = NewRole::from_json(&item, &path)?;
        service::create(dir, caller, new, &path).await
    })
    .await?;
    item_results("roles", results, "Role added", StatusCode::CREATED)
}

/// `PUT /settings/roles` with ids inside the items.
#[utoipa::path(
    operation_id = "roles_update_in_body",
    put,
    path = "/crm/{version}/settings/roles",
    tag = "roles",
    params(
        crate::openapi::VersionPath
    ),
    request_body = crate::openapi::WriteBody,
    responses(
        (status = 200, description = "Per-item results", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.roles.UPDATE"]))
)]
async fn update_in_body(
    auth: Authed<RolesUpdate>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let (dir, caller) = (state.dir.as_ref(), &auth.caller);
    let results = each_item(&body, "roles", |item, path| async move {
        let (id, missing) = item_id(&item, &path)?;
        let patch = RolePatch::from_json(&item, &path)?;
        service::update(dir, caller, id, patch, &path, missing)
            .await
            .map(|()| id)
    })
    .await?;
    item_results("roles", results, "Role updated", StatusCode::OK)
}

/// `PUT /settings/roles/{id}`
#[utoipa::path(
    operation_id = "roles_update_one",
    put,
    path = "/crm/{version}/settings/roles/{id}",
    tag = "roles",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Role id")
    ),
    request_body = crate::openapi::WriteBody,
    responses(
        (status = 200, description = "Per-item result", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.roles.UPDATE"]))
)]
async fn update_one(
    auth: Authed<RolesUpdate>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error("roles");
    let id = path_id(&id, ROLE_ID_SEGMENT).map_err(&to_item)?;
    let item = single_item(&body, "roles").map_err(&to_item)?;
    let patch = RolePatch::from_json(item, "$.roles[0]").map_err(&to_item)?;
    service::update(
        &state.dir,
        &auth.caller,
        id,
        patch,
        "$.roles[0]",
        unknown_role,
    )
    .await
    .map_err(&to_item)?;
    Ok(written("roles", id, "Role updated", StatusCode::OK))
}

/// `DELETE /settings/roles/{id}?transfer_to_id=`
#[utoipa::path(
    operation_id = "roles_delete_one",
    delete,
    path = "/crm/{version}/settings/roles/{id}",
    tag = "roles",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Role id"),
        crate::openapi::TransferQuery
    ),
    responses(
        (status = 200, description = "Per-item result", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.roles.DELETE"]))
)]
async fn delete_one(
    auth: Authed<RolesDelete>,
    State(state): State<AppState>,
    params: Params,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ItemError> {
    let to_item = item_error("roles");
    let id = path_id(&id, ROLE_ID_SEGMENT).map_err(&to_item)?;
    let transfer_to = match params.get("transfer_to_id") {
        None => Err(Error::RequiredParamMissing {
            param_name: "transfer_to_id".to_owned(),
        }),
        Some(text) => ZohoId::parse(text)
            .ok_or_else(|| Error::invalid_param("transfer_to_id", "invalid role id")),
    }
    .map_err(&to_item)?;
    service::delete(&state.dir, &auth.caller, id, transfer_to, unknown_role)
        .await
        .map_err(&to_item)?;
    Ok(written("roles", id, "Role deleted", StatusCode::OK))
}
