//! User groups: the group, its sources, the sources count and the associated users count.

use crate::{ActionResult, Info, Reference};
use serde::{Deserialize, Serialize};

/// One source of a group as Zoho prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupSource {
    #[serde(rename = "type")]
    pub kind: String,
    pub source: Reference,
    pub subordinates: Option<bool>,
    pub sub_territories: Option<bool>,
}

/// `users` of the sources count: user sources split by their current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SourceUsers {
    pub inactive: u64,
    pub deleted: u64,
    pub active: u64,
}

/// The sources count of a group (SPEC 4.2): every key always present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SourcesCount {
    pub territories: u64,
    pub roles: u64,
    pub groups: u64,
    pub users: SourceUsers,
}

/// `{"sources_count":[…]}` (one element).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SourcesCountBody {
    pub sources_count: Vec<SourcesCount>,
}

/// A user group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserGroup {
    pub created_by: Option<Reference>,
    pub modified_by: Option<Reference>,
    pub modified_time: String,
    pub created_time: String,
    pub description: Option<String>,
    pub id: String,
    pub name: String,
    pub sources: Vec<GroupSource>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sources_count: Option<SourcesCount>,
}

/// `{"user_groups":[…],"info":{…}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserGroupsPage {
    pub user_groups: Vec<UserGroup>,
    pub info: Info,
}

/// A group a user is associated with (`GET /users/{id}/actions/associated_groups`):
/// the group without its sources, unless asked for with `include=sources`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AssociatedGroup {
    pub created_by: Option<Reference>,
    pub modified_by: Option<Reference>,
    pub modified_time: String,
    pub created_time: String,
    pub description: Option<String>,
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sources: Option<Vec<GroupSource>>,
}

/// `{"user_groups":[…],"info":{…}}` of a user's groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AssociatedGroupsPage {
    pub user_groups: Vec<AssociatedGroup>,
    pub info: Info,
}

/// `{"user_groups":[…]}` for one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserGroupsBody {
    pub user_groups: Vec<UserGroup>,
}

/// `{"user_groups":[{"code":"SUCCESS",…}]}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserGroupsWriteResult {
    pub user_groups: Vec<ActionResult>,
}

/// `{"sources":[…],"info":{…}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SourcesPage {
    pub sources: Vec<GroupSource>,
    pub info: Info,
}

/// A `get_assigned` / `get_unassigned` request: one object, not an array
/// (API-DESIGN 146).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Assign {
    /// Always `user_groups`.
    #[schema(pattern = "^user_groups$")]
    pub feature: String,
    /// The user whose groups are asked about.
    #[schema(pattern = "^[0-9]{1,19}$")]
    pub related_entity_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub page: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
    /// Criteria on `name` / `description`, the grammar of the groups list's `filters`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<serde_json::Value>,
}

/// `{"get_assigned":{…}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GetAssignedBody {
    pub get_assigned: Assign,
}

/// `{"get_unassigned":{…}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GetUnassignedBody {
    pub get_unassigned: Assign,
}

/// A group deletion job's status (`Status`, capital S, as Zoho's file and
/// SDKs write it): always `COMPLETED` in orgdir (API-DESIGN 145).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeletionJobStatus {
    #[serde(rename = "Status")]
    pub status: String,
}

/// `{"deletion_jobs":[{"Status":…}]}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeletionJobsBody {
    pub deletion_jobs: Vec<DeletionJobStatus>,
}

/// One row of the associated users count (SPEC 4.3). `count` is an integer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupUsersCount {
    pub user_group: Reference,
    pub count: u64,
}

/// One row of a group's grouped counts: how many of its associated users
/// have a status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupedCount {
    /// `active` or `inactive` (Zoho's enum also has `deleted`; associated
    /// users are never deleted ones).
    pub status: String,
    pub count: u64,
}

/// `{"grouped_counts":[…],"info":{…}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupedCountsPage {
    pub grouped_counts: Vec<GroupedCount>,
    pub info: Info,
}

/// `{"associated_users_count":[…],"info":{…}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupUsersCountPage {
    pub associated_users_count: Vec<GroupUsersCount>,
    pub info: Info,
}
