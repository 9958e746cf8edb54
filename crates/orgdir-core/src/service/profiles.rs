//! Profile writes (issue 13, API-DESIGN 142): clone a profile into a new
//! one, update a profile's name, description and permissions, and delete a
//! custom profile after moving its users to another (`transfer_to`).

use super::{users, Directory};
use crate::input::Fields;
use crate::org::{Profile, ADMIN_PROFILE};
use crate::profile_permissions::{self, Permission};
use crate::sessions::Caller;
use crate::store::OrgTx;
use crate::{Details, Error, Result, ZohoId};
use serde_json::Value;

/// The Administrator permission profile writes need.
pub const MANAGE_PROFILES: &str = "Crm_Implied_Manage_Profiles";
/// The most profiles an org may have (Zoho's limit).
pub const MAX_PROFILES: usize = 25;
const MAX_NAME: usize = 50;
const MAX_DESCRIPTION: usize = 250;

/// A validated clone item: the new profile's name and description.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProfile {
    pub name: String,
    pub description: Option<String>,
    /// The JSON path of the item, for errors found later (a duplicate name).
    pub path: String,
}

impl NewProfile {
    /// Reads the item at `path` (`$.profiles[0]`).
    pub fn from_json(value: &Value, path: &str) -> Result<Self> {
        let f = Fields::new(value, path)?;
        let name = f.req_str("name", MAX_NAME)?;
        if name.trim().is_empty() {
            return Err(Error::mandatory(f.path_of("name")));
        }
        Ok(Self {
            name: name.trim().to_owned(),
            description: f.opt_str("description", MAX_DESCRIPTION)?,
            path: path.to_owned(),
        })
    }
}

/// A validated update item: what changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfilePatch {
    pub name: Option<String>,
    /// `Some(None)` clears the description.
    pub description: Option<Option<String>>,
    /// (permission, enabled, JSON path of the item).
    pub permissions: Vec<(&'static Permission, bool, String)>,
    pub path: String,
}

impl ProfilePatch {
    /// Reads the item at `path`; permission ids are read in `org`.
    pub fn from_json(value: &Value, path: &str, org: crate::OrgId) -> Result<Self> {
        let f = Fields::new(value, path)?;
        let name = match f.opt_str("name", MAX_NAME)? {
            Some(n) if n.trim().is_empty() => return Err(Error::mandatory(f.path_of("name"))),
            other => other.map(|n| n.trim().to_owned()),
        };
        let description = if f.has("description") {
            Some(f.opt_str("description", MAX_DESCRIPTION)?)
        } else {
            None
        };
        let items = match f.map.get("permissions_details") {
            None | Some(Value::Null) => {
                return Err(Error::mandatory(f.path_of("permissions_details")))
            }
            Some(Value::Array(items)) => items,
            Some(_) => {
                return Err(Error::invalid_field(
                    f.path_of("permissions_details"),
                    "permissions_details must be an array",
                ))
            }
        };
        let mut permissions = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let at = format!("{path}.permissions_details[{i}]");
            let p = Fields::new(item, &at)?;
            let id = p.req_ref("id")?;
            let permission = profile_permissions::by_id(org, id)
                .ok_or_else(|| Error::invalid_field(p.path_of("id"), "Invalid permission ID"))?;
            if permission.setup {
                return Err(Error::NotAllowed {
                    message: "This Permissionid cannot be updated".to_owned(),
                    details: Details::field(p.path_of("id")),
                });
            }
            let enabled = p
                .opt_bool("enabled")?
                .ok_or_else(|| Error::mandatory(p.path_of("enabled")))?;
            permissions.push((permission, enabled, at));
        }
        Ok(Self {
            name,
            description,
            permissions,
            path: path.to_owned(),
        })
    }
}

fn unknown_profile() -> Error {
    Error::invalid_path(2, "the id given seems to be invalid or already deleted")
}

fn duplicate_name(path: &str) -> Error {
    Error::DuplicateData {
        message: "duplicate data".to_owned(),
        details: Details::field(format!("{path}.name")),
    }
}

/// Whether `name` is taken by a profile other than `except`.
fn name_taken(profiles: &[Profile], name: &str, except: Option<ZohoId>) -> bool {
    profiles
        .iter()
        .any(|p| Some(p.id) != except && p.name.eq_ignore_ascii_case(name))
}

/// `POST /settings/profiles/{id}/actions/clone`: a new custom profile with
/// the permissions (and the admin kind) of `source`. Returns its id.
pub async fn clone(
    dir: &Directory,
    caller: &Caller,
    source: ZohoId,
    new: NewProfile,
) -> Result<ZohoId> {
    caller.require_admin(MANAGE_PROFILES)?;
    dir.write_as(caller, move |tx, _| {
        Box::pin(async move {
            let from = tx.profile(source).await?.ok_or_else(unknown_profile)?;
            let profiles = tx.all_profiles().await?;
            if profiles.len() >= MAX_PROFILES {
                return Err(Error::ProfileLimitExceeded {
                    limit: MAX_PROFILES,
                });
            }
            if name_taken(&profiles, &new.name, None) {
                return Err(duplicate_name(&new.path));
            }
            let now = crate::time::now();
            let profile = Profile {
                id: tx.next_id(),
                display_label: new.name.clone(),
                name: new.name,
                description: new.description,
                default: false,
                custom: true,
                admin: from.admin,
                disabled_permissions: from.disabled_permissions,
                created_at: now,
                modified_at: now,
            };
            tx.insert_profile(&profile).await?;
            Ok(profile.id)
        })
    })
    .await
}

/// `PUT /settings/profiles/{id}`: the name, description and the permissions
/// given; Administrator cannot be changed.
pub async fn update(
    dir: &Directory,
    caller: &Caller,
    id: ZohoId,
    patch: ProfilePatch,
) -> Result<()> {
    caller.require_admin(MANAGE_PROFILES)?;
    dir.write_as(caller, move |tx, _| {
        Box::pin(async move {
            let mut profile = tx.profile(id).await?.ok_or_else(unknown_profile)?;
            if !profile.custom && profile.name == ADMIN_PROFILE {
                return Err(Error::NotAllowed {
                    message: "System profile cannot be updated".to_owned(),
                    details: Details::ResourcePathIndex(2),
                });
            }
            if let Some(name) = patch.name {
                let profiles = tx.all_profiles().await?;
                if name_taken(&profiles, &name, Some(id)) {
                    return Err(duplicate_name(&patch.path));
                }
                profile.display_label = name.clone();
                profile.name = name;
            }
            if let Some(description) = patch.description {
                profile.description = description;
            }
            for (permission, enabled, _) in patch.permissions {
                profile
                    .disabled_permissions
                    .retain(|n| *n != permission.name);
                if !enabled {
                    profile.disabled_permissions.push(permission.name.clone());
                }
            }
            profile.disabled_permissions.sort_by_key(|name| {
                profile_permissions::catalog()
                    .iter()
                    .position(|p| p.name == *name)
            });
            profile.modified_at = crate::time::now();
            tx.update_profile(&profile).await
        })
    })
    .await
}

/// `DELETE /settings/profiles/{id}?transfer_to=`: moves the profile's users
/// (of every status) to `transfer_to`, then deletes it. Only a custom
/// profile can be deleted. Returns the deleted profile's id.
pub async fn delete(
    dir: &Directory,
    caller: &Caller,
    id: ZohoId,
    transfer_to: ZohoId,
) -> Result<ZohoId> {
    caller.require_admin(MANAGE_PROFILES)?;
    dir.write_as(caller, move |tx, _| {
        Box::pin(async move { delete_in(tx, id, transfer_to).await })
    })
    .await
}

async fn delete_in(tx: &mut dyn OrgTx, id: ZohoId, transfer_to: ZohoId) -> Result<ZohoId> {
    let profile = tx.profile(id).await?.ok_or_else(unknown_profile)?;
    if !profile.custom {
        return Err(Error::NotAllowed {
            message: "System profile cannot be deleted".to_owned(),
            details: Details::ResourcePathIndex(2),
        });
    }
    let heir = match tx.profile(transfer_to).await? {
        Some(heir) if heir.id != id => heir,
        _ => {
            return Err(Error::invalid_param(
                "transfer_to",
                "The profile ID provided is either incorrect or has already been deleted",
            ))
        }
    };
    let now = crate::time::now();
    for user_id in tx.users_with_profile(id).await? {
        let Some(before) = tx.user(user_id).await? else {
            continue;
        };
        if before.primary && !heir.admin {
            return Err(Error::NotAllowed {
                message: "the primary user cannot be moved to a profile that is not an admin one"
                    .to_owned(),
                details: Details::Param("transfer_to".to_owned()),
            });
        }
        let mut after = before.clone();
        after.profile_id = heir.id;
        after.admin = heir.admin;
        after.modified_at = now;
        users::update_counted(tx, &before, &after).await?;
    }
    tx.delete_profile(id).await?;
    Ok(id)
}
