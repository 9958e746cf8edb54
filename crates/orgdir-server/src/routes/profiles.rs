//! `/crm/{v}/settings/profiles…` (read-only: Administrator and Standard are built in).

use super::path_id;
use crate::error::{json_response, ApiError};
use crate::extract::Path;
use crate::extract::{Authed, ProfilesRead};
use crate::{views, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use orgdir_core::service::roles as service;
use orgdir_core::Error;
use orgdir_types::roles::ProfilesBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The profiles routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one))
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
        profiles: vec![views::profile(auth.caller.org(), profile)],
    };
    Ok(json_response(StatusCode::OK, &body))
}
