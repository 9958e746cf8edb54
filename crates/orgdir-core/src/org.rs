//! Orgs, roles and profiles: the frame every user sits in.

use crate::{Error, OrgId, Result, ZohoId};

/// A Zoho CRM edition; drives the emulated API limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Edition {
    Free,
    Standard,
    Professional,
    #[default]
    Enterprise,
    Ultimate,
}

impl Edition {
    /// The stored and printed form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Standard => "standard",
            Self::Professional => "professional",
            Self::Enterprise => "enterprise",
            Self::Ultimate => "ultimate",
        }
    }

    /// Parses the stored form (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_lowercase().as_str() {
            "free" => Self::Free,
            "standard" => Self::Standard,
            "professional" => Self::Professional,
            "enterprise" => Self::Enterprise,
            "ultimate" => Self::Ultimate,
            _ => return None,
        })
    }
}

/// The org photo (`/org/photo`): an image kept in the database.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgPhoto {
    /// Its id (`photo_id` on `GET /org`), new at every upload.
    pub id: ZohoId,
    /// The file name it was uploaded under.
    pub file_name: String,
    /// Its media type, from its content (`image/png`, …).
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub created_at: i64,
}

/// An org (a tenant).
#[derive(Debug, Clone, PartialEq)]
pub struct Org {
    pub id: OrgId,
    pub name: String,
    pub time_zone: String,
    pub edition: Edition,
    /// Purchased user licences (`limits.total`).
    pub licenses: u32,
    /// The next sequence number for generated ids.
    pub next_seq: i64,
    pub created_at: i64,
}

impl Org {
    /// Checks the parts a client may choose.
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            return Err(Error::invalid_field(
                "$.name",
                "name must be 1 to 100 characters",
            ));
        }
        if !crate::time::is_valid_time_zone(&self.time_zone) {
            return Err(Error::invalid_field("$.time_zone", "unknown time zone"));
        }
        if self.id.0 > crate::ids::MAX_ORG_PREFIX || self.id.0 <= 0 {
            return Err(Error::invalid_field("$.id", "org id out of range"));
        }
        Ok(())
    }

    /// Formats a stored timestamp in the org's time zone.
    pub fn format_time(&self, unix: i64) -> String {
        crate::time::format(unix, &self.time_zone)
    }
}

/// A role in the org's role tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub id: ZohoId,
    pub name: String,
    pub display_label: String,
    pub reporting_to: Option<ZohoId>,
    pub share_with_peers: bool,
    pub description: Option<String>,
    pub created_at: i64,
    pub modified_at: i64,
}

/// A profile: a set of permissions. `Administrator` makes a user an admin.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub id: ZohoId,
    pub name: String,
    pub display_label: String,
    pub description: Option<String>,
    pub default: bool,
    pub custom: bool,
    /// Whether users with this profile are admins (the built-in Administrator,
    /// and profiles cloned from an admin profile).
    pub admin: bool,
    /// The names of the permissions it turned off (`profile_permissions`).
    pub disabled_permissions: Vec<String>,
    pub created_at: i64,
    pub modified_at: i64,
}

/// The name of the built-in admin profile.
pub const ADMIN_PROFILE: &str = "Administrator";
/// The name of the built-in standard profile.
pub const STANDARD_PROFILE: &str = "Standard";

const MAX_ROLE_NAME: usize = 50;
const MAX_DESCRIPTION: usize = 250;

/// A validated role create item.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRole {
    pub name: String,
    pub display_label: Option<String>,
    /// The parent role; `None` (not given) is the root role.
    pub reporting_to: Option<ZohoId>,
    pub share_with_peers: bool,
    pub description: Option<String>,
}

/// A validated role update item: only the fields given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RolePatch {
    pub name: Option<String>,
    pub display_label: Option<String>,
    pub reporting_to: Option<ZohoId>,
    pub share_with_peers: Option<bool>,
    pub description: Option<Option<String>>,
}

impl NewRole {
    /// Reads one item of a create body at `path`.
    pub fn from_json(value: &serde_json::Value, path: &str) -> Result<Self> {
        let f = crate::input::Fields::new(value, path)?;
        Ok(Self {
            name: f.req_str("name", MAX_ROLE_NAME)?.trim().to_owned(),
            display_label: f.opt_str("display_label", MAX_ROLE_NAME)?,
            reporting_to: match f.map.get("reporting_to") {
                Some(serde_json::Value::Null) => {
                    return Err(Error::invalid_field(
                        f.path_of("reporting_to"),
                        "only the root role reports to no one",
                    ))
                }
                _ => f.opt_ref("reporting_to")?,
            },
            share_with_peers: f.opt_bool("share_with_peers")?.unwrap_or(false),
            description: f.opt_str("description", MAX_DESCRIPTION)?,
        })
    }
}

impl RolePatch {
    /// Reads one item of an update body at `path`.
    pub fn from_json(value: &serde_json::Value, path: &str) -> Result<Self> {
        let f = crate::input::Fields::new(value, path)?;
        let name = match f.opt_str("name", MAX_ROLE_NAME)? {
            Some(n) if n.trim().is_empty() => return Err(Error::mandatory(f.path_of("name"))),
            other => other.map(|n| n.trim().to_owned()),
        };
        Ok(Self {
            name,
            display_label: f.opt_str("display_label", MAX_ROLE_NAME)?,
            reporting_to: match f.map.get("reporting_to") {
                Some(serde_json::Value::Null) => {
                    return Err(Error::invalid_field(
                        f.path_of("reporting_to"),
                        "only the root role reports to no one",
                    ))
                }
                _ => f.opt_ref("reporting_to")?,
            },
            share_with_peers: f.opt_bool("share_with_peers")?,
            description: if f.has("description") {
                Some(f.opt_str("description", MAX_DESCRIPTION)?)
            } else {
                None
            },
        })
    }
}
