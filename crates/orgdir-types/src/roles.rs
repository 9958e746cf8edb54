//! Roles and profiles.

use crate::{ActionResult, Reference};
use serde::{Deserialize, Serialize};

/// A role as `GET /settings/roles` prints it (Zoho's key casing kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(non_snake_case)]
pub struct Role {
    pub display_label: String,
    pub forecast_manager: Option<Reference>,
    pub reporting_to: Option<Reference>,
    pub share_with_peers: bool,
    pub description: Option<String>,
    pub id: String,
    pub name: String,
    pub created_by__s: Option<Reference>,
    pub modified_by__s: Option<Reference>,
    pub modified_time__s: Option<String>,
    pub created_time__s: Option<String>,
    pub admin_user: bool,
}

/// `{"roles":[…]}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RolesBody {
    pub roles: Vec<Role>,
}

/// `{"roles":[{"code":"SUCCESS",…}]}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RolesWriteResult {
    pub roles: Vec<ActionResult>,
}

/// A profile as `GET /settings/profiles` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Profile {
    pub name: String,
    pub display_label: String,
    pub description: Option<String>,
    pub id: String,
    pub default: bool,
    pub custom: bool,
    /// `null` for the built-in profiles (Zoho's SDK reads `{"permanent": bool}` here, not a boolean).
    #[serde(rename = "_delete")]
    pub delete: Option<ProfileDelete>,
    #[serde(rename = "type")]
    pub kind: String,
    pub category: bool,
    pub created_time: Option<String>,
    pub modified_time: Option<String>,
    pub created_by: Option<Reference>,
    pub modified_by: Option<Reference>,
    /// The view a profile opens a module on (a layout, in Zoho's layouts
    /// metadata): always `null`, orgdir holds no modules (API-DESIGN 149).
    #[serde(rename = "_default_view", default)]
    pub default_view: Option<DefaultView>,
    /// Always `null`: no Zoho page says what it holds (API-DESIGN 149).
    #[serde(default)]
    pub permission_type: Option<String>,
    /// Every permission and whether the profile has it: on one profile's
    /// read only (Zoho's list leaves it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_details: Option<Vec<PermissionDetail>>,
    /// The permissions grouped as Zoho's setup page shows them (one
    /// profile's read only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sections: Option<Vec<ProfileSection>>,
}

/// A profile's default view, as Zoho's schema names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DefaultView {
    pub name: String,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// One permission of a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PermissionDetail {
    pub display_label: String,
    pub module: Option<String>,
    pub name: String,
    pub id: String,
    pub enabled: bool,
}

/// A section of a profile's permissions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProfileSection {
    pub name: String,
    pub categories: Vec<ProfileCategory>,
}

/// A category of a section: its permissions by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProfileCategory {
    pub display_label: String,
    pub permissions_details: Vec<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
}

/// How a profile may be deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProfileDelete {
    pub permanent: bool,
}

/// `{"profiles":[…]}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProfilesBody {
    pub profiles: Vec<Profile>,
}
