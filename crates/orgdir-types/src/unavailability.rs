//! Users' unavailability: a period a user is unavailable, as
//! `GET /settings/users_unavailability` prints it.

use crate::Info;
use serde::{Deserialize, Serialize};

/// The user a period belongs to: `{"name","id"}`, and `zuid` (null until
/// the user is confirmed) with `include_inner_details=user.zuid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnavailableUser {
    pub name: String,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[schema(value_type = Option<String>)]
    pub zuid: Option<Option<String>>,
}

/// One period, keys in the order of Zoho's sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserUnavailability {
    pub all_day: bool,
    pub comments: Option<String>,
    /// ISO 8601 in the org's time zone.
    pub from: String,
    pub id: String,
    /// ISO 8601 in the org's time zone.
    pub to: String,
    pub user: UnavailableUser,
}

/// `{"users_unavailability":[…],"info":{…}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UsersUnavailabilityPage {
    pub users_unavailability: Vec<UserUnavailability>,
    pub info: Info,
}

/// `{"users_unavailability":[…]}` for one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UsersUnavailabilityBody {
    pub users_unavailability: Vec<UserUnavailability>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zuid_only_when_asked_for() {
        let mut user = UnavailableUser {
            name: "Patricia Boyle".into(),
            id: "1".into(),
            zuid: None,
        };
        assert_eq!(
            serde_json::to_string(&user).expect("json"),
            r#"{"name":"Patricia Boyle","id":"1"}"#
        );
        user.zuid = Some(None);
        assert_eq!(
            serde_json::to_string(&user).expect("json"),
            r#"{"name":"Patricia Boyle","id":"1","zuid":null}"#
        );
    }
}
