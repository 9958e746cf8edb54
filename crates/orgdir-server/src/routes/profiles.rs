//! `/crm/{v}/settings/profiles…`: the reads (one profile with its
//! permissions), clone, update and delete with `transfer_to`.

use super::{path_id, single_item, written};
use crate::error::{item_error, json_response, ApiError, ItemError};
use crate::extract::Path;
use crate::extract::{
    Authed, JsonBody, Params, ProfilesClone, ProfilesDelete, ProfilesRead, ProfilesUpdate,
};
use crate::{views, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use orgdir_core::service::profiles::{self as writes, NewProfile, ProfilePatch};
use orgdir_core::service::roles as service;
use orgdir_core::{Error, ZohoId};
use orgdir_types::roles::ProfilesBody;
use orgdir_types::ActionResult;

/// `{id}`'s place after `/crm/{version}/`.
const PROFILE_ID_SEGMENT: usize = 2;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The profiles routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one, update_one, delete_one))
        .routes(routes!(clone))
}

/// `GET /settings/profiles`
#[utoipa::path(
    operation_id = "profiles_list",
    get,
    path = "/crm/{version}/settings/profiles",
    tag = "profiles",
    params(
        crate::openapi::VersionPath
    ),
    responses(
        (status = 200, description = "Every profile", body = orgdir_types::roles::ProfilesBody),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.profiles.READ"]))
)]
async fn list(
    mut auth: Authed<ProfilesRead>,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let profiles = service::profiles(&state.dir, &mut auth.caller).await?;
    let org = auth.caller.org();
    let body = ProfilesBody {
        profiles: profiles.iter().map(|p| views::profile(org, p)).collect(),
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /settings/profiles/{id}`
#[utoipa::path(
    operation_id = "profiles_get_one",
    get,
    path = "/crm/{version}/settings/profiles/{id}",
    tag = "profiles",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Profile id")
    ),
    responses(
        (status = 200, description = "The profile", body = orgdir_types::roles::ProfilesBody),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.profiles.READ"]))
)]
async fn get_one(
    mut auth: Authed<ProfilesRead>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, 2)?;
    let profiles = service::profiles(&state.dir, &mut auth.caller).await?;
    let profile = profiles
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| Error::invalid_path(2, "the id given seems to be invalid"))?;
    let body = ProfilesBody {
        profiles: vec![views::profile_in_full(auth.caller.org(), profile)],
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /settings/profiles/{id}/actions/clone`
#[utoipa::path(
    operation_id = "profiles_clone",
    post,
    path = "/crm/{version}/settings/profiles/{id}/actions/clone",
    tag = "profiles",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "The profile to clone")
    ),
    request_body = crate::openapi::ProfileCloneBody,
    responses(
        (status = 201, description = "The new profile's id", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.profiles.CREATE"]))
)]
async fn clone(
    auth: Authed<ProfilesClone>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error("profiles");
    let source = path_id(&id, PROFILE_ID_SEGMENT).map_err(&to_item)?;
    let item = single_item(&body, "profiles").map_err(&to_item)?;
    let new = NewProfile::from_json(item, "$.profiles[0]").map_err(&to_item)?;
    let id = writes::clone(&state.dir, &auth.caller, source, new)
        .await
        .map_err(&to_item)?;
    Ok(written(
        "profiles",
        id,
        "profile created successfully",
        StatusCode::CREATED,
    ))
}

/// `PUT /settings/profiles/{id}`
#[utoipa::path(
    operation_id = "profiles_update_one",
    put,
    path = "/crm/{version}/settings/profiles/{id}",
    tag = "profiles",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Profile id")
    ),
    request_body = crate::openapi::WriteBody,
    responses(
        (status = 200, description = "Updated", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.profiles.UPDATE"]))
)]
async fn update_one(
    auth: Authed<ProfilesUpdate>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error("profiles");
    let id = path_id(&id, PROFILE_ID_SEGMENT).map_err(&to_item)?;
    let item = single_item(&body, "profiles").map_err(&to_item)?;
    let patch =
        ProfilePatch::from_json(item, "$.profiles[0]", auth.caller.org_id()).map_err(&to_item)?;
    writes::update(&state.dir, &auth.caller, id, patch)
        .await
        .map_err(&to_item)?;
    Ok(written(
        "profiles",
        id,
        "profile updated successfully",
        StatusCode::OK,
    ))
}

/// `DELETE /settings/profiles/{id}?transfer_to=`
#[utoipa::path(
    operation_id = "profiles_delete_one",
    delete,
    path = "/crm/{version}/settings/profiles/{id}",
    tag = "profiles",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Profile id"),
        crate::openapi::ProfileTransferQuery
    ),
    responses(
        (status = 200, description = "Deleted", body = ActionResult),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.profiles.DELETE"]))
)]
async fn delete_one(
    auth: Authed<ProfilesDelete>,
    State(state): State<AppState>,
    params: Params,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, PROFILE_ID_SEGMENT)?;
    let transfer_to = match params.get("transfer_to") {
        None => Err(Error::RequiredParamMissing {
            param_name: "transfer_to".to_owned(),
        }),
        Some(text) => ZohoId::parse(text).ok_or_else(|| {
            Error::invalid_param(
                "transfer_to",
                "The profile ID provided is either incorrect or has already been deleted",
            )
        }),
    }?;
    let deleted = writes::delete(&state.dir, &auth.caller, id, transfer_to).await?;
    Ok(json_response(
        StatusCode::OK,
        &ActionResult::success(deleted.to_string(), "Profile deleted"),
    ))
}
