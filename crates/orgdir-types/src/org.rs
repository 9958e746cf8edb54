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

/// How records are shared up the org (`hierarchy_preferences`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HierarchyPreferences {
    #[serde(rename = "type")]
    pub kind: String,
    pub strictly_reporting: bool,
}

/// Check-in settings (`checkin_preferences`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckinPreferences {
    pub restricted_event_types: Option<Vec<String>>,
}

/// The org as `GET /org` prints it: every property of Zoho's `Org` schema,
/// `null` or Zoho's default where orgdir keeps nothing (API-DESIGN 73).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrgInfo {
    pub id: String,
    pub company_name: String,
    pub alias: Option<String>,
    pub description: Option<String>,
    pub primary_email: String,
    pub primary_zuid: Option<String>,
    pub zgid: String,
    pub ezgid: String,
    pub zia_zgid: Option<i64>,
    pub zia_portal_id: Option<String>,
    pub domain_name: String,
    pub photo_id: Option<String>,
    pub time_zone: String,
    pub currency: String,
    pub currency_symbol: String,
    pub currency_locale: String,
    pub iso_code: String,
    pub mc_status: bool,
    pub country: Option<String>,
    pub country_code: String,
    pub state: Option<String>,
    pub city: Option<String>,
    pub street: Option<String>,
    pub zip: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub fax: Option<String>,
    pub website: Option<String>,
    pub employee_count: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub max_per_page: u32,
    pub created_time: String,
    pub gapps_enabled: bool,
    pub translation_enabled: bool,
    pub privacy_settings: bool,
    pub hipaa_compliance_enabled: bool,
    pub lite_users_enabled: bool,
    pub deletable_org_account: bool,
    pub oauth_presence: bool,
    pub call_icon: Option<String>,
    pub hierarchy_preferences: HierarchyPreferences,
    pub checkin_preferences: CheckinPreferences,
    pub license_details: LicenseDetails,
}

/// `{"org":[…]}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrgBody {
    pub org: Vec<OrgInfo>,
}
