//! `/crm/{v}/__features…`: the user licences feature (SPEC 4.5), read from
//! the org's purchased licences and the maintained user counts, and data
//! enrichment, which orgdir never provides (API-DESIGN 72).

use crate::error::{json_response, no_content, ApiError};
use crate::extract::Path;
use crate::extract::{Authed, FeaturesRead, Params};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use orgdir_core::paging::Page;
use orgdir_core::service::users::{self as service, Licences};
use orgdir_core::Error;
use orgdir_types::features::{Feature, FeaturesBody, LicenceDetails, Total};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The features routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one))
}

/// The user licences feature's name.
pub const USER_LICENSES: &str = "user_licenses";

/// The data enrichment feature's name.
pub const DATA_ENRICHMENT: &str = "data_enrichment";

/// A feature orgdir lists, with its (available, used, limit) totals.
fn feature(api_name: &str, label: &str, (available, used, limit): (u64, u64, u64)) -> Feature {
    Feature {
        components: None,
        api_name: api_name.to_owned(),
        parent_feature: None,
        module_supported: false,
        details: LicenceDetails {
            available_count: Total { total: available },
            used_count: Total { total: used },
            limits: Total { total: limit },
        },
        feature_label: label.to_owned(),
    }
}

/// The user licences feature in Zoho's shape.
pub fn user_licenses(licences: Licences) -> Feature {
    let totals = (licences.available(), licences.used, licences.purchased);
    feature(USER_LICENSES, "UserLicenses", totals)
}

/// Data enrichment (Zia's enrichment credits): orgdir enriches no record,
/// so no credit is available, used or allowed.
pub fn data_enrichment() -> Feature {
    feature(DATA_ENRICHMENT, "DataEnrichment", (0, 0, 0))
}

/// Most characters of one name in `api_names`.
const MAX_API_NAME: usize = 100;

/// The `api_names` of the list, split at commas; each must be a name.
fn api_names(params: &Params) -> Result<Option<Vec<&str>>, Error> {
    let Some(text) = params.get("api_names") else {
        return Ok(None);
    };
    let names: Vec<&str> = text.split(',').map(str::trim).collect();
    if names
        .iter()
        .any(|n| n.is_empty() || n.chars().count() > MAX_API_NAME)
    {
        return Err(Error::invalid_param(
            "api_names",
            "give feature api names separated by commas",
        ));
    }
    Ok(Some(names))
}

/// `GET /__features?api_names=&page=&per_page=`
#[utoipa::path(
    operation_id = "features_list",
    get,
    path = "/crm/{version}/__features",
    tag = "features",
    params(
        crate::openapi::VersionPath,
        crate::openapi::FeaturesQuery
    ),
    responses(
        (status = 200, description = "Every feature (of `api_names`)", body = orgdir_types::features::FeaturesBody),
        (status = 204, description = "No feature of `api_names` or `module`, or a page past the end"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.features.READ"]))
)]
async fn list(
    mut auth: Authed<FeaturesRead>,
    params: Params,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let page = Page::parse(params.get("page"), params.get("per_page"), 200)?;
    let wanted = api_names(&params)?;
    let module = params
        .get("module")
        .map(orgdir_core::modules::check)
        .transpose()?;
    let licences = service::licences(&state.dir, &mut auth.caller).await?;
    let every = vec![user_licenses(licences), data_enrichment()];
    let chosen: Vec<Feature> = every
        .into_iter()
        .filter(|f| {
            wanted
                .as_ref()
                .is_none_or(|names| names.contains(&f.api_name.as_str()))
        })
        // A module's features are those it supports: orgdir's are not module-specific.
        .filter(|f| module.is_none() || f.module_supported)
        .collect();
    let (features, info) = page.slice(&chosen);
    if features.is_empty() {
        return Ok(no_content());
    }
    Ok(json_response(
        StatusCode::OK,
        &FeaturesBody {
            __features: features,
            info: Some(info),
        },
    ))
}

/// `GET /__features/{api_name}`: `user_licenses` or `data_enrichment`.
#[utoipa::path(
    operation_id = "features_get_one",
    get,
    path = "/crm/{version}/__features/{api_name}",
    tag = "features",
    params(
        crate::openapi::VersionPath,
        ("api_name" = String, Path, description = "`user_licenses` or `data_enrichment`"),
        crate::openapi::FeatureModuleQuery
    ),
    responses(
        (status = 200, description = "The feature", body = orgdir_types::features::FeaturesBody),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.features.READ"]))
)]
async fn get_one(
    mut auth: Authed<FeaturesRead>,
    params: Params,
    State(state): State<AppState>,
    Path((_version, api_name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    if let Some(module) = params.get("module") {
        orgdir_core::modules::check(module)?;
    }
    if api_name != USER_LICENSES && api_name != DATA_ENRICHMENT {
        return Err(
            Error::invalid_path(1, "the feature api_name given seems to be invalid").into(),
        );
    }
    if params.get("module").is_some() {
        // Neither feature is module-specific: no module has it.
        return Err(
            Error::invalid_param("module", "the feature is not specific to a module").into(),
        );
    }
    // The licences read also proves the session, for either feature.
    let licences = service::licences(&state.dir, &mut auth.caller).await?;
    let feature = if api_name == USER_LICENSES {
        user_licenses(licences)
    } else {
        data_enrichment()
    };
    Ok(json_response(
        StatusCode::OK,
        &FeaturesBody {
            __features: vec![feature],
            info: None,
        },
    ))
}
