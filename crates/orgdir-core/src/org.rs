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
    /// Whether users with this profile are admins (the built-in Administrator).
    pub admin: bool,
    pub created_at: i64,
    pub modified_at: i64,
}

/// The name of the built-in admin profile.
pub const ADMIN_PROFILE: &str = "Administrator";
/// The name of the built-in standard profile.
pub const STANDARD_PROFILE: &str = "Standard";
