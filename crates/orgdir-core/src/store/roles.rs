//! Roles and profiles.

use super::Versioned;
use crate::org::{Profile, Role};
use crate::{OrgId, Result, ZohoId};

/// Reads of roles and profiles.
#[async_trait::async_trait]
pub trait RoleStore {
    /// The org's roles, oldest first.
    async fn roles(&self, org: OrgId) -> Result<Versioned<Vec<Role>>>;
    /// The org's profiles, oldest first.
    async fn profiles(&self, org: OrgId) -> Result<Versioned<Vec<Profile>>>;
}

/// Writes of roles and profiles.
#[async_trait::async_trait]
pub trait RoleWrites {
    /// A role.
    async fn role(&mut self, id: ZohoId) -> Result<Option<Role>>;
    /// Inserts a role.
    async fn insert_role(&mut self, role: &Role) -> Result<()>;
    /// Roles whose parent is `parent`.
    async fn child_roles(&mut self, parent: ZohoId) -> Result<Vec<Role>>;
    /// Rewrites a role.
    async fn update_role(&mut self, role: &Role) -> Result<()>;
    /// Deletes a role row and its coverage rows (its users are gone first).
    async fn delete_role(&mut self, id: ZohoId) -> Result<()>;
    /// A role and its ancestors, itself first, in one query (just the
    /// role if it has none; empty if it does not exist).
    async fn role_chain(&mut self, role: ZohoId) -> Result<Vec<ZohoId>>;
    /// Every role as (role, parent).
    async fn role_parents(&mut self) -> Result<Vec<(ZohoId, Option<ZohoId>)>>;
    /// A profile.
    async fn profile(&mut self, id: ZohoId) -> Result<Option<Profile>>;
    /// Inserts a profile.
    async fn insert_profile(&mut self, profile: &Profile) -> Result<()>;
    /// Rewrites a profile's name, description, permissions and modification.
    async fn update_profile(&mut self, profile: &Profile) -> Result<()>;
    /// Deletes a profile row (its users are gone first).
    async fn delete_profile(&mut self, id: ZohoId) -> Result<()>;
    /// The org's profiles, oldest first (for limits and name checks).
    async fn all_profiles(&mut self) -> Result<Vec<Profile>>;
    /// The ids of the users, of every status, with profile `profile`.
    async fn users_with_profile(&mut self, profile: ZohoId) -> Result<Vec<ZohoId>>;
}
