//! Territories, their users, and the territory associated users count.

use crate::{ActionResult, Info, Reference};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A territory as `GET /settings/territories` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Territory {
    pub id: String,
    pub name: String,
    pub api_name: String,
    pub description: Option<String>,
    pub manager: Option<Reference>,
    pub reporting_to: Option<Reference>,
    pub permission_type: String,
    pub created_time: String,
    pub modified_time: String,
    pub created_by: Option<Reference>,
    pub modified_by: Option<Reference>,
    /// Present (as `null`: orgdir keeps no assignment rules) on one
    /// territory and on children; on the list only when `include` names it
    /// (API-DESIGN 165).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schema(value_type = Option<Object>)]
    pub account_rule_criteria: Option<Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schema(value_type = Option<Object>)]
    pub deal_rule_criteria: Option<Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schema(value_type = Option<Object>)]
    pub lead_rule_criteria: Option<Value>,
}

/// A key that may be absent: present (even as `null`) reads as `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// `{"territories":[…],"info":{…}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TerritoriesPage {
    pub territories: Vec<Territory>,
    pub info: Info,
}

/// `{"territories":[…]}` for one territory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TerritoriesBody {
    pub territories: Vec<Territory>,
}

/// `{"territories":[…]}` for one territory of a user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserTerritoriesBody {
    pub territories: Vec<UserTerritory>,
}

/// `{"territories":[{"code":"SUCCESS",…}]}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TerritoriesWriteResult {
    pub territories: Vec<ActionResult>,
}

/// One row of the territory associated users count. `count` is a string of digits (SPEC 4.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TerritoryUsersCount {
    pub count: String,
    pub territory: Reference,
}

/// `{"associated_users_count":[…],"info":{…}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TerritoryUsersCountPage {
    pub associated_users_count: Vec<TerritoryUsersCount>,
    pub info: Info,
}

/// A territory as `GET /users/{id}/territories` prints it (Zoho's casing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserTerritory {
    pub id: String,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Manager")]
    pub manager: Option<Reference>,
    #[serde(rename = "Reporting_To")]
    pub reporting_to: Option<Reference>,
}

/// `{"territories":[…],"info":{…}}` of a user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserTerritoriesPage {
    pub territories: Vec<UserTerritory>,
    pub info: Info,
}

/// A territory inside a user record: `{"manager":bool,"name","id"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TerritoryMembership {
    pub manager: bool,
    pub name: String,
    pub id: String,
}

/// A deleted territory something may still refer to (its previous
/// forecasts were kept), as `deleted_associated_territories` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeletedAssociatedTerritory {
    pub name: String,
    pub id: String,
    pub deleted_time: String,
    pub deleted_by: Reference,
}

/// `{"territories":[…],"info":{…}}` of deleted territories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeletedAssociatedTerritoriesPage {
    pub territories: Vec<DeletedAssociatedTerritory>,
    pub info: Info,
}
