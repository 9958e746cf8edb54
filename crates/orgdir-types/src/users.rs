//! Users resource: the user record, its list wrapper and the users count.

use crate::{ActionResult, Info, Reference};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A CRM user as `GET /users` returns it. Optional profile fields (phone,
/// locale, …) are kept in `extra` exactly as they were given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: String,
    pub full_name: String,
    pub status: String,
    pub confirm: bool,
    pub zuid: Option<String>,
    pub role: Reference,
    pub profile: Reference,
    pub created_time: String,
    #[serde(rename = "Modified_Time")]
    pub modified_time: String,
    pub created_by: Option<Reference>,
    #[serde(rename = "Modified_By")]
    pub modified_by: Option<Reference>,
    /// The territories the user is directly associated with.
    #[serde(default)]
    pub territories: Vec<crate::territories::TerritoryMembership>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"users":[…],"info":{…}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UsersPage {
    pub users: Vec<User>,
    pub info: Info,
}

/// `{"users":[…]}` for a single user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UsersBody {
    pub users: Vec<User>,
}

/// `{"users":[{"code":"SUCCESS",…}]}`: the per-item results of a users write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UsersWriteResult {
    pub users: Vec<ActionResult>,
}

/// `{"count": 11}`: the users count. `count` is a JSON integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UsersCount {
    pub count: u64,
}

/// The `type` values of the users list and the users count (SPEC 4.1).
/// Matching is case-sensitive, as in Zoho.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum UserType {
    #[default]
    AllUsers,
    ActiveUsers,
    DeactiveUsers,
    ConfirmedUsers,
    NotConfirmedUsers,
    DeletedUsers,
    ActiveConfirmedUsers,
    AdminUsers,
    ActiveConfirmedAdmins,
    CurrentUser,
}

impl UserType {
    /// Every type, in the order Zoho documents them.
    pub const ALL: [UserType; 10] = [
        Self::AllUsers,
        Self::ActiveUsers,
        Self::DeactiveUsers,
        Self::ConfirmedUsers,
        Self::NotConfirmedUsers,
        Self::DeletedUsers,
        Self::ActiveConfirmedUsers,
        Self::AdminUsers,
        Self::ActiveConfirmedAdmins,
        Self::CurrentUser,
    ];

    /// The wire value, e.g. `"ActiveUsers"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AllUsers => "AllUsers",
            Self::ActiveUsers => "ActiveUsers",
            Self::DeactiveUsers => "DeactiveUsers",
            Self::ConfirmedUsers => "ConfirmedUsers",
            Self::NotConfirmedUsers => "NotConfirmedUsers",
            Self::DeletedUsers => "DeletedUsers",
            Self::ActiveConfirmedUsers => "ActiveConfirmedUsers",
            Self::AdminUsers => "AdminUsers",
            Self::ActiveConfirmedAdmins => "ActiveConfirmedAdmins",
            Self::CurrentUser => "CurrentUser",
        }
    }

    /// Parses a wire value (case-sensitive).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}
