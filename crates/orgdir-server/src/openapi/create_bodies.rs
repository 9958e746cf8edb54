//! The documented bodies of the six creates: each item's required fields,
//! types, lengths and formats, as `orgdir-core` reads them. They exist for
//! the document only (the routes read bodies field by field, for Zoho's
//! per-item errors) and let a generator (schemathesis) produce creates that
//! succeed, so its stateful phase can follow the links from them
//! (API-DESIGN 198, 199). Other fields are not forbidden: Zoho's bodies
//! carry more than these, and unknown ones are ignored.

use serde::Serialize;
use utoipa::ToSchema;

/// A record named by id: `{"id": "…"}` (a bare id string is read too).
#[derive(Debug, Serialize, ToSchema)]
pub struct IdRef {
    #[schema(pattern = "^[0-9]{1,19}$")]
    pub id: String,
}

/// `POST /settings/roles`: `{"roles":[…]}`, 1 to 100 items.
#[derive(Debug, Serialize, ToSchema)]
pub struct RolesCreateBody {
    #[schema(min_items = 1, max_items = 100)]
    pub roles: Vec<RoleCreateItem>,
}

/// One role to create.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleCreateItem {
    /// Not blank; unique in the org.
    #[schema(min_length = 1, max_length = 50, pattern = "^[^\\x00]*\\S[^\\x00]*$")]
    pub name: String,
    #[schema(nullable = false, max_length = 50, pattern = "^[^\\x00]*$")]
    pub display_label: Option<String>,
    /// The parent role (default: the root role).
    #[schema(nullable = false)]
    pub reporting_to: Option<IdRef>,
    #[schema(nullable = false)]
    pub share_with_peers: Option<bool>,
    #[schema(nullable = false, max_length = 250, pattern = "^[^\\x00]*$")]
    pub description: Option<String>,
}

/// `POST /settings/territories`: `{"territories":[…]}`, 1 to 100 items.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerritoriesCreateBody {
    #[schema(min_items = 1, max_items = 100)]
    pub territories: Vec<TerritoryCreateItem>,
}

/// One territory to create.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerritoryCreateItem {
    /// Not blank; unique in the org.
    #[schema(min_length = 1, max_length = 50, pattern = "^[^\\x00]*\\S[^\\x00]*$")]
    pub name: String,
    #[schema(nullable = false, max_length = 50, pattern = "^[^\\x00]*$")]
    pub api_name: Option<String>,
    #[schema(nullable = false, max_length = 250, pattern = "^[^\\x00]*$")]
    pub description: Option<String>,
    /// The parent territory.
    pub reporting_to: IdRef,
    /// An active user.
    #[schema(nullable = false)]
    pub manager: Option<IdRef>,
    #[schema(nullable = false, pattern = "^(read_only|read_write_delete)$")]
    pub permission_type: Option<String>,
}

/// `POST /settings/user_groups`: `{"user_groups":[…]}`, 1 to 100 items.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserGroupsCreateBody {
    #[schema(min_items = 1, max_items = 100)]
    pub user_groups: Vec<UserGroupCreateItem>,
}

/// One user group to create.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserGroupCreateItem {
    /// Not blank; unique in the org.
    #[schema(min_length = 1, max_length = 50, pattern = "^[^\\x00]*\\S[^\\x00]*$")]
    pub name: String,
    #[schema(nullable = false, max_length = 250, pattern = "^[^\\x00]*$")]
    pub description: Option<String>,
    /// Who the group's members are: 1 to 1,000 distinct sources.
    #[schema(min_items = 1, max_items = 1000)]
    pub sources: Vec<GroupSourceItem>,
}

/// One source of a group.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupSourceItem {
    #[schema(pattern = "^(users|roles|territories|groups)$")]
    pub r#type: String,
    pub source: IdRef,
    /// Roles: with the roles under it; territories: with the territories under it.
    #[schema(nullable = false)]
    pub subordinates: Option<bool>,
}

/// `POST /users`: `{"users":[…]}`, one user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsersCreateBody {
    #[schema(min_items = 1, max_items = 1)]
    pub users: Vec<UserCreateItem>,
}

/// The user to create (the other fields of `User` that can be set may be
/// given too).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserCreateItem {
    #[schema(min_length = 1, max_length = 50, pattern = "^[^\\x00]*\\S[^\\x00]*$")]
    pub last_name: String,
    #[schema(nullable = false, max_length = 40, pattern = "^[^\\x00]*$")]
    pub first_name: Option<String>,
    /// Unique in the org.
    #[schema(format = "email", max_length = 100)]
    pub email: String,
    pub role: IdRef,
    pub profile: IdRef,
}

/// `POST /settings/profiles/{id}/actions/clone`: `{"profiles":[…]}`, one item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileCloneBody {
    #[schema(min_items = 1, max_items = 1)]
    pub profiles: Vec<ProfileCloneItem>,
}

/// The clone's name and description.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileCloneItem {
    /// Not blank; unique in the org.
    #[schema(min_length = 1, max_length = 50, pattern = "^[^\\x00]*\\S[^\\x00]*$")]
    pub name: String,
    #[schema(nullable = false, max_length = 250, pattern = "^[^\\x00]*$")]
    pub description: Option<String>,
}

/// `POST /settings/users_unavailability`: `{"users_unavailability":[…]}`, 1 to 100 items.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnavailabilityCreateBody {
    #[schema(min_items = 1, max_items = 100)]
    pub users_unavailability: Vec<UnavailabilityCreateItem>,
}

/// One period a user is away.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnavailabilityCreateItem {
    /// Before `to`.
    #[schema(format = DateTime)]
    pub from: String,
    #[schema(format = DateTime)]
    pub to: String,
    #[schema(nullable = false, max_length = 250, pattern = "^[^\\x00]*$")]
    pub comments: Option<String>,
    #[schema(nullable = false)]
    pub all_day: Option<bool>,
    /// The user (default: the caller).
    #[schema(nullable = false)]
    pub user: Option<IdRef>,
}
