//! `GET /org`.

use serde::{Deserialize, Serialize};

/// Licence details of an org.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LicenseDetails {
    pub paid: bool,
    pub paid_type: String,
    pub paid_expiry: Option<String>,
    pub users_license_purchased: u32,
    pub trial_type: Option<String>,
    pub trial_expiry: Option<String>,
    pub trial_action: Option<String>,
}

/// The org as `GET /org` prints it (the subset orgdir knows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrgInfo {
    pub id: String,
    pub company_name: String,
    pub alias: Option<String>,
    pub primary_email: String,
    pub primary_zuid: Option<String>,
    pub zgid: String,
    pub time_zone: String,
    pub currency: String,
    pub currency_symbol: String,
    pub currency_locale: String,
    pub iso_code: String,
    pub country_code: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub max_per_page: u32,
    pub created_time: String,
    pub license_details: LicenseDetails,
}

/// `{"org":[…]}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrgBody {
    pub org: Vec<OrgInfo>,
}
