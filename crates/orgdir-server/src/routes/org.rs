//! `/crm/{v}/org`: the caller's org, and its photo (`/org/photo`).

use crate::error::{json_response, no_content, ApiError};
use crate::extract::{Authed, OrgPhotoDelete, OrgPhotoUpload, OrgRead};
use crate::AppState;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use orgdir_core::service::org_photo::{self, Upload, MAX_PHOTO_BYTES};
use orgdir_core::service::orgs as service;
use orgdir_core::{Details, Error};
use orgdir_types::org::{
    CheckinPreferences, HierarchyPreferences, LicenseDetails, OrgBody, OrgInfo,
};
use orgdir_types::ActionResult;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// Room for the multipart framing around a photo of the largest size: a
/// bigger body is refused before it is read whole.
const PHOTO_BODY_LIMIT: usize = MAX_PHOTO_BYTES + 64 * 1024;

/// The org routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_org)).routes(
        routes!(get_photo, upload_photo, delete_photo)
            .layer(DefaultBodyLimit::max(PHOTO_BODY_LIMIT)),
    )
}

/// `GET /org`
#[utoipa::path(
    operation_id = "org_get_org",
    get,
    path = "/crm/{version}/org",
    tag = "org",
    params(
        crate::openapi::VersionPath
    ),
    responses(
        (status = 200, description = "The org", body = orgdir_types::org::OrgBody),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.org.READ"]))
)]
async fn get_org(
    mut auth: Authed<OrgRead>,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let (org, primary) = service::current(&state.dir, &mut auth.caller).await?;
    let photo_id = org_photo::id(&state.dir, &auth.caller).await?;
    let zgid = org.id.to_string();
    let info = OrgInfo {
        id: org.id.to_string(),
        company_name: org.name.clone(),
        alias: None,
        description: None,
        primary_email: primary
            .as_ref()
            .map(|p| p.user.email.clone())
            .unwrap_or_default(),
        primary_zuid: primary.and_then(|p| p.user.zuid),
        ezgid: zgid.clone(),
        zia_zgid: None,
        zia_portal_id: None,
        domain_name: format!("org{zgid}"),
        zgid,
        photo_id: photo_id.map(|id| id.to_string()),
        time_zone: org.time_zone.clone(),
        currency: "US Dollar - USD".to_owned(),
        currency_symbol: "$".to_owned(),
        currency_locale: "en_US".to_owned(),
        iso_code: "USD".to_owned(),
        mc_status: false,
        country: None,
        country_code: "US".to_owned(),
        state: None,
        city: None,
        street: None,
        zip: None,
        phone: None,
        mobile: None,
        fax: None,
        website: None,
        employee_count: None,
        kind: "production".to_owned(),
        max_per_page: 200,
        created_time: org.format_time(org.created_at),
        gapps_enabled: false,
        translation_enabled: false,
        privacy_settings: false,
        hipaa_compliance_enabled: false,
        lite_users_enabled: false,
        deletable_org_account: false,
        oauth_presence: false,
        call_icon: None,
        hierarchy_preferences: HierarchyPreferences {
            kind: "Role_Hierarchy".to_owned(),
            strictly_reporting: false,
        },
        checkin_preferences: CheckinPreferences {
            restricted_event_types: None,
        },
        license_details: LicenseDetails {
            paid: org.edition != orgdir_core::org::Edition::Free,
            paid_type: org.edition.as_str().to_owned(),
            paid_expiry: None,
            users_license_purchased: org.licenses,
            trial_type: None,
            trial_expiry: None,
            trial_action: None,
        },
    };
    Ok(json_response(StatusCode::OK, &OrgBody { org: vec![info] }))
}

/// The body of `POST /org/photo`: one part named `file`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct PhotoUpload {
    /// The image: PNG, JPEG, GIF, BMP or WebP, at most 1 MiB and 10 megapixels.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// `GET /org/photo`: the image, or 204 when the org has none.
#[utoipa::path(
    operation_id = "org_get_photo",
    get,
    path = "/crm/{version}/org/photo",
    tag = "org",
    params(crate::openapi::VersionPath),
    responses(
        (status = 200, description = "The photo, with Content-Disposition naming its file",
            content_type = "image/*", body = Vec<u8>),
        (status = 204, description = "The org has no photo"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.org.READ"]))
)]
async fn get_photo(
    mut auth: Authed<OrgRead>,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let Some(photo) = org_photo::get(&state.dir, &mut auth.caller).await? else {
        return Ok(no_content());
    };
    let disposition = format!("attachment; filename=\"{}\"", photo.file_name);
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_str(&photo.content_type).map_err(Error::internal)?,
        ),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&disposition).map_err(Error::internal)?,
        ),
    ];
    Ok((StatusCode::OK, headers, photo.bytes).into_response())
}

/// `POST /org/photo`: sets the org photo from a `multipart/form-data` body
/// with one part named `file`.
#[utoipa::path(
    operation_id = "org_upload_photo",
    post,
    path = "/crm/{version}/org/photo",
    tag = "org",
    params(crate::openapi::VersionPath),
    request_body(content = PhotoUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Uploaded: SUCCESS with the photo's id", body = ActionResult),
        (status = 415, description = "FILE_SIZE_MORE_THAN_ALLOWED_SIZE: over 1 MiB or 10 megapixels",
            body = orgdir_types::ErrorBody),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.org.CREATE"]))
)]
async fn upload_photo(
    auth: Authed<OrgPhotoUpload>,
    State(state): State<AppState>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let upload = read_upload(multipart.map_err(|_| no_file())?).await?;
    let id = org_photo::upload(&state.dir, &auth.caller, upload).await?;
    Ok(json_response(
        StatusCode::OK,
        &ActionResult::success(id.to_string(), "photo uploaded successfully"),
    ))
}

/// `DELETE /org/photo`: removes the org photo (SUCCESS whether or not there
/// was one; `details.id` names the photo removed).
#[utoipa::path(
    operation_id = "org_delete_photo",
    delete,
    path = "/crm/{version}/org/photo",
    tag = "org",
    params(crate::openapi::VersionPath),
    responses(
        (status = 200, description = "Deleted", body = ActionResult),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.org.DELETE"]))
)]
async fn delete_photo(
    auth: Authed<OrgPhotoDelete>,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let removed = org_photo::delete(&state.dir, &auth.caller).await?;
    let mut result = ActionResult::success(String::new(), "Photo deleted");
    result.details = match removed {
        Some(id) => serde_json::json!({ "id": id.to_string() }),
        None => serde_json::json!({}),
    };
    Ok(json_response(StatusCode::OK, &result))
}

/// The one `file` part of an upload. No part named `file`, or a body that
/// is not multipart: `INVALID_DATA` "does not contain any file"; any other
/// part beside it: `INVALID_DATA` "more than one file"; a file over the
/// limit: 415.
async fn read_upload(mut multipart: Multipart) -> Result<Upload, Error> {
    let too_large_or = |e: MultipartError, other: fn() -> Error| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            org_photo::too_large()
        } else {
            other()
        }
    };
    let mut upload: Option<Upload> = None;
    let mut parts = 0;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| too_large_or(e, no_file))?
    {
        parts += 1;
        if field.name() == Some("file") && upload.is_none() {
            let file_name = field.file_name().map(str::to_owned);
            let bytes = field.bytes().await.map_err(|e| too_large_or(e, no_file))?;
            upload = Some(Upload {
                file_name,
                bytes: bytes.to_vec(),
            });
        }
    }
    match upload {
        None => Err(no_file()),
        Some(_) if parts > 1 => Err(Error::InvalidData {
            message: "The request contains more than one file".to_owned(),
            details: Details::Param("file".to_owned()),
        }),
        Some(upload) => Ok(upload),
    }
}

/// `INVALID_DATA`: no `file` part.
fn no_file() -> Error {
    Error::InvalidData {
        message: "The request does not contain any file".to_owned(),
        details: Details::Param("file".to_owned()),
    }
}
