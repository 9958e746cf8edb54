//! `/crm/{v}/__features…`: the user licences feature (SPEC 4.5), read from
//! the org's purchased licences and the maintained user counts.

use crate::error::{json_response, ApiError};
use crate::extract::Path;
use crate::extract::{Authed, FeaturesRead};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use orgdir_core::service::users::{self as service, Licences};
use orgdir_core::Error;
use orgdir_types::features::{Feature, FeaturesBody, LicenceDetails, Total};
use orgdir_types::Info;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The features routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one))
}

/// The only feature orgdir knows.
pub const USER_LICENSES: &str = "user_licenses";

/// The user licences feature in Zoho's shape.
pub fn user_licenses(licences: Licences) -> Feature {
    Feature {
        components: None,
        api_name: USER_LICENSES.to_owned(),
        parent_feature: None,
        module_supported: false,
        details: LicenceDetails {
            available_count: Total {
                total: licences.available(),
            },
            used_count: Total {
                total: licences.used,
            },
            limits: Total {
                total: licences.purchased,
            },
        },
        feature_label: "UserLicenses".to_owned(),
    }
}

/// `GET /__features`
#[utoipa::path(
    operation_id = "features_list",
    get,
    path = "/crm/{version}/__features",
    tag = "features",
    params(
        crate::openapi::VersionPath
    ),
    responses(
        (status = 200, description = "Every feature", body = orgdir_types::features::FeaturesBody),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.features.READ"]))
)]
async fn list(
    mut auth: Authed<FeaturesRead>,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let licences = service::licences(&state.dir, &mut auth.caller).await?;
    let features = vec![user_licenses(licences)];
    let info = Info {
        per_page: 200,
        count: features.len() as u32,
        page: 1,
        more_records: false,
    };
    Ok(json_response(
        StatusCode::OK,
        &FeaturesBody {
            __features: features,
            info: Some(info),
        },
    ))
}

/// `GET /__features/{api_name}`: only `user_licenses` exists.
#[utoipa::path(
    operation_id = "features_get_one",
    get,
    path = "/crm/{version}/__features/{api_name}",
    tag = "features",
    params(
        crate::openapi::VersionPath,
        ("api_name" = String, Path, description = "Only `user_licenses` exists")
    ),
    responses(
        (status = 200, description = "The feature", body = orgdir_types::features::FeaturesBody),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.features.READ"]))
)]
async fn get_one(
    mut auth: Authed<FeaturesRead>,
    State(state): State<AppState>,
    Path((_version, api_name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    if api_name != USER_LICENSES {
        return Err(
            Error::invalid_path(1, "the feature api_name given seems to be invalid").into(),
        );
    }
    let licences = service::licences(&state.dir, &mut auth.caller).await?;
    let feature = user_licenses(licences);
    Ok(json_response(
        StatusCode::OK,
        &FeaturesBody {
            __features: vec![feature],
            info: None,
        },
    ))
}
