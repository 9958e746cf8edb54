//! `/crm/{v}/org`: the caller's org.

use crate::error::{json_response, ApiError};
use crate::extract::{Authed, OrgRead};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use orgdir_core::service::orgs as service;
use orgdir_types::org::{
    CheckinPreferences, HierarchyPreferences, LicenseDetails, OrgBody, OrgInfo,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The org route.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_org))
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
        photo_id: None,
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
