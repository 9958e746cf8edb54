//! Domain records turned into Zoho's wire shapes.

use orgdir_core::org::Org;
use orgdir_core::users::UserDetails;
use orgdir_types::users::User;
use orgdir_types::Reference;

/// A user as `GET /users` prints it.
pub fn user(org: &Org, details: UserDetails) -> User {
    let u = &details.user;
    let person = |id: Option<orgdir_core::ZohoId>, name: Option<String>| {
        id.map(|id| Reference {
            name: name.unwrap_or_default(),
            id: id.to_string(),
        })
    };
    User {
        id: u.id.to_string(),
        email: u.email.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        full_name: u.full_name(),
        status: u.status.as_str().to_owned(),
        confirm: u.confirmed,
        zuid: u.zuid.clone(),
        role: Reference {
            name: details.role_name.clone(),
            id: u.role_id.to_string(),
        },
        profile: Reference {
            name: details.profile_name.clone(),
            id: u.profile_id.to_string(),
        },
        created_time: org.format_time(u.created_at),
        modified_time: org.format_time(u.modified_at),
        created_by: person(u.created_by, details.created_by_name.clone()),
        modified_by: person(u.modified_by, details.modified_by_name.clone()),
        extra: u.extra.clone(),
    }
}
