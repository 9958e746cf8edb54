//! Domain records turned into Zoho's wire shapes.

use orgdir_core::org::{Org, Profile, Role};
use orgdir_core::territories::{DeletedTerritoryDetails, RuleCriteria, TerritoryDetails};
use orgdir_core::unavailability::UnavailabilityDetails;
use orgdir_core::user_fields::WithDefaults;
use orgdir_core::users::UserDetails;
use orgdir_core::ZohoId;
use orgdir_types::roles;
use orgdir_types::territories::{
    DeletedAssociatedTerritory, Territory, TerritoryMembership, UserTerritory,
};
use orgdir_types::unavailability::{UnavailableUser, UserUnavailability};
use orgdir_types::users::User;
use orgdir_types::{Info, Reference};
use serde::Serialize;
use serde_json::Map;

/// `{"name","id"}` of a referenced record, when there is one.
fn reference(id: Option<ZohoId>, name: Option<&str>) -> Option<Reference> {
    id.map(|id| Reference {
        name: name.unwrap_or_default().to_owned(),
        id: id.to_string(),
    })
}

/// A user as `GET /users` prints it, with its territories: [`User`] (its
/// `extra` left empty) followed by the user's stored fields over Zoho's
/// defaults ([`WithDefaults`], the defaults serialised once), which prints
/// exactly what `User` with [`fill_defaults`]'s map as `extra` printed,
/// key order included, without building that map for each user.
///
/// [`fill_defaults`]: orgdir_core::user_fields::fill_defaults
#[derive(Debug, Serialize)]
pub struct UserView<'a> {
    #[serde(flatten)]
    user: User,
    #[serde(flatten)]
    properties: WithDefaults<'a>,
}

/// `{"users":[…]}` ([`UsersBody`]) or, with `info`, `{"users":[…],"info":{…}}`
/// ([`UsersPage`]), of [`UserView`]s.
///
/// [`UsersBody`]: orgdir_types::users::UsersBody
/// [`UsersPage`]: orgdir_types::users::UsersPage
#[derive(Debug, Serialize)]
pub struct UsersView<'a> {
    pub users: Vec<UserView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<Info>,
}

/// A user as `GET /users` prints it, with its territories.
pub fn user<'a>(org: &'a Org, details: &'a UserDetails) -> UserView<'a> {
    let u = &details.user;
    let user = User {
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
        created_by: reference(u.created_by, details.created_by_name.as_deref()),
        modified_by: reference(u.modified_by, details.modified_by_name.as_deref()),
        territories: details
            .memberships
            .iter()
            .map(|m| TerritoryMembership {
                manager: m.manager,
                name: m.territory_name.clone(),
                id: m.territory_id.to_string(),
            })
            .collect(),
        extra: Map::new(),
    };
    UserView {
        user,
        properties: WithDefaults::new(&u.extra, &org.time_zone),
    }
}

/// A territory as `GET /settings/territories` prints it, with the
/// `*_rule_criteria` keys `keys` names.
pub fn territory(org: &Org, details: TerritoryDetails, keys: RuleCriteria) -> Territory {
    let t = &details.territory;
    // orgdir keeps no assignment rules: a key asked for is `null`.
    let criteria = |shown: bool| shown.then_some(serde_json::Value::Null);
    Territory {
        id: t.id.to_string(),
        name: t.name.clone(),
        api_name: t.api_name.clone(),
        description: t.description.clone(),
        manager: reference(t.manager, details.manager_name.as_deref()),
        reporting_to: reference(t.reporting_to, details.reporting_to_name.as_deref()),
        permission_type: t.permission_type.as_str().to_owned(),
        created_time: org.format_time(t.created_at),
        modified_time: org.format_time(t.modified_at),
        created_by: reference(t.created_by, details.created_by_name.as_deref()),
        modified_by: reference(t.modified_by, details.modified_by_name.as_deref()),
        account_rule_criteria: criteria(keys.account),
        deal_rule_criteria: criteria(keys.deal),
        lead_rule_criteria: criteria(keys.lead),
    }
}

/// A deleted territory as `deleted_associated_territories` prints it.
pub fn deleted_territory(
    org: &Org,
    details: DeletedTerritoryDetails,
) -> DeletedAssociatedTerritory {
    let d = &details.deleted;
    DeletedAssociatedTerritory {
        name: d.name.clone(),
        id: d.id.to_string(),
        deleted_time: org.format_time(d.deleted_at),
        deleted_by: Reference {
            name: details.deleted_by_name.unwrap_or_default(),
            id: d.deleted_by.to_string(),
        },
    }
}

/// A territory as `GET /users/{id}/territories` prints it.
pub fn user_territory(details: TerritoryDetails) -> UserTerritory {
    let t = &details.territory;
    UserTerritory {
        id: t.id.to_string(),
        name: t.name.clone(),
        manager: reference(t.manager, details.manager_name.as_deref()),
        reporting_to: reference(t.reporting_to, details.reporting_to_name.as_deref()),
    }
}

/// A role; `roles` resolves the parent's name.
pub fn role(org: &Org, role: &Role, roles: &[Role]) -> roles::Role {
    let parent_name = role
        .reporting_to
        .and_then(|p| roles.iter().find(|r| r.id == p))
        .map(|r| r.name.as_str());
    roles::Role {
        display_label: role.display_label.clone(),
        forecast_manager: None,
        reporting_to: reference(role.reporting_to, parent_name),
        share_with_peers: role.share_with_peers,
        description: role.description.clone(),
        id: role.id.to_string(),
        name: role.name.clone(),
        created_by__s: None,
        modified_by__s: None,
        modified_time__s: Some(org.format_time(role.modified_at)),
        created_time__s: Some(org.format_time(role.created_at)),
        admin_user: role.reporting_to.is_none(),
    }
}

/// A profile.
pub fn profile(org: &Org, profile: &Profile) -> roles::Profile {
    roles::Profile {
        name: profile.name.clone(),
        display_label: profile.display_label.clone(),
        description: profile.description.clone(),
        id: profile.id.to_string(),
        default: profile.default,
        custom: profile.custom,
        delete: profile
            .custom
            .then_some(orgdir_types::roles::ProfileDelete { permanent: false }),
        kind: "normal_profile".to_owned(),
        category: false,
        created_time: Some(org.format_time(profile.created_at)),
        modified_time: Some(org.format_time(profile.modified_at)),
        created_by: None,
        modified_by: None,
        default_view: None,
        permission_type: None,
        permissions_details: None,
        sections: None,
    }
}

/// One profile as `GET /settings/profiles/{id}` prints it: with every
/// permission and its sections.
pub fn profile_in_full(org: &Org, full: &Profile) -> roles::Profile {
    use orgdir_core::profile_permissions as perms;
    let details = perms::catalog()
        .iter()
        .map(|p| roles::PermissionDetail {
            display_label: p.display_label.to_owned(),
            module: p.module.map(str::to_owned),
            name: p.name.clone(),
            id: p.id(org.id).to_string(),
            enabled: perms::enabled(p, full.admin, &full.disabled_permissions),
        })
        .collect();
    let sections = perms::sections(org.id)
        .into_iter()
        .map(|s| roles::ProfileSection {
            name: s.name,
            categories: s
                .categories
                .into_iter()
                .map(|c| roles::ProfileCategory {
                    display_label: c.display_label,
                    permissions_details: c.permissions,
                    name: c.name,
                    module: c.module,
                })
                .collect(),
        })
        .collect();
    roles::Profile {
        permissions_details: Some(details),
        sections: Some(sections),
        ..profile(org, full)
    }
}

/// A group source as Zoho prints it.
pub fn group_source(
    details: orgdir_core::groups::SourceDetails,
) -> orgdir_types::groups::GroupSource {
    use orgdir_core::groups::SourceKind;
    let s = details.source;
    let (subordinates, sub_territories) = match s.kind {
        SourceKind::Roles => (Some(s.subordinates), None),
        SourceKind::Territories => (Some(s.subordinates), Some(s.subordinates)),
        SourceKind::Users | SourceKind::Groups => (None, None),
    };
    orgdir_types::groups::GroupSource {
        kind: s.kind.as_str().to_owned(),
        source: Reference {
            name: details.name,
            id: s.id.to_string(),
        },
        subordinates,
        sub_territories,
    }
}

/// A sources count as Zoho prints it.
pub fn sources_count(
    count: orgdir_core::groups::SourcesCount,
) -> orgdir_types::groups::SourcesCount {
    orgdir_types::groups::SourcesCount {
        territories: count.territories,
        roles: count.roles,
        groups: count.groups,
        users: orgdir_types::groups::SourceUsers {
            inactive: count.users_inactive,
            deleted: count.users_deleted,
            active: count.users_active,
        },
    }
}

/// A user group, with its sources (and their count when asked for).
/// A group a user is associated with: the group, and its sources when `with_sources`.
pub fn associated_group(
    org: &Org,
    details: orgdir_core::groups::GroupDetails,
    sources: Vec<orgdir_core::groups::SourceDetails>,
    with_sources: bool,
) -> orgdir_types::groups::AssociatedGroup {
    let group = self::group(org, details, sources, None);
    orgdir_types::groups::AssociatedGroup {
        created_by: group.created_by,
        modified_by: group.modified_by,
        modified_time: group.modified_time,
        created_time: group.created_time,
        description: group.description,
        id: group.id,
        name: group.name,
        sources: with_sources.then_some(group.sources),
    }
}

pub fn group(
    org: &Org,
    details: orgdir_core::groups::GroupDetails,
    sources: Vec<orgdir_core::groups::SourceDetails>,
    count: Option<orgdir_core::groups::SourcesCount>,
) -> orgdir_types::groups::UserGroup {
    let g = &details.group;
    orgdir_types::groups::UserGroup {
        created_by: reference(g.created_by, details.created_by_name.as_deref()),
        modified_by: reference(g.modified_by, details.modified_by_name.as_deref()),
        modified_time: org.format_time(g.modified_at),
        created_time: org.format_time(g.created_at),
        description: g.description.clone(),
        id: g.id.to_string(),
        name: g.name.clone(),
        sources: sources.into_iter().map(group_source).collect(),
        sources_count: count.map(sources_count),
    }
}

/// A period of unavailability, times in the org's time zone; the user's
/// `zuid` only `with_zuid` (`include_inner_details=user.zuid`).
pub fn unavailability(
    org: &Org,
    details: UnavailabilityDetails,
    with_zuid: bool,
) -> UserUnavailability {
    let u = details.unavailability;
    UserUnavailability {
        all_day: u.all_day,
        comments: u.comments,
        from: org.format_time(u.from),
        id: u.id.to_string(),
        to: org.format_time(u.to),
        user: UnavailableUser {
            name: details.user_name,
            id: u.user_id.to_string(),
            zuid: with_zuid.then_some(details.user_zuid),
        },
    }
}
