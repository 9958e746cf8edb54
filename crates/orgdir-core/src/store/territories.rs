//! Territories and their users.

use super::Versioned;
use crate::territories::{
    DeletedTerritory, DeletedTerritoryDetails, Territory, TerritoryDetails, TerritoryFilter,
};
use crate::users::UserDetails;
use crate::{OrgId, Result, ZohoId};

/// Reads of territories and their users.
#[async_trait::async_trait]
pub trait TerritoryStore {
    /// Territories, root first, then by creation; `offset`/`limit` page them.
    async fn territories(
        &self,
        org: OrgId,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<TerritoryDetails>>>;
    /// (id, name, member count) of territories in listing order: the lean
    /// read behind the territory associated users count.
    async fn territory_counts(
        &self,
        org: OrgId,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<(ZohoId, String, u64)>>>;
    /// Some territories by id (root first, then by creation).
    async fn territories_by_id(
        &self,
        org: OrgId,
        ids: &[ZohoId],
    ) -> Result<Versioned<Vec<TerritoryDetails>>>;
    /// Territories passing `filter` (and, with `ids`, among those), root
    /// first, then by creation; `offset`/`limit` page them.
    async fn territories_matching(
        &self,
        org: OrgId,
        ids: Option<&[ZohoId]>,
        filter: &TerritoryFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<TerritoryDetails>>>;
    /// The direct children of a territory passing `filter` (if any), by creation.
    async fn child_territories(
        &self,
        org: OrgId,
        parent: ZohoId,
        filter: Option<&TerritoryFilter>,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<TerritoryDetails>>>;
    /// The deleted territories orgdir remembers (with `ids`, only those), in
    /// the order they were deleted.
    async fn deleted_territories(
        &self,
        org: OrgId,
        ids: Option<&[ZohoId]>,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<DeletedTerritoryDetails>>>;
    /// Users directly associated with a territory, by id, each with its territories.
    async fn territory_members(
        &self,
        org: OrgId,
        territory: ZohoId,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<UserDetails>>>;
    /// Every (territory, user) association of the org (for export).
    async fn all_memberships(&self, org: OrgId) -> Result<Vec<(ZohoId, ZohoId)>>;
    /// Territory member counts recounted from the association table (for checks).
    async fn recount_territory_members(&self, org: OrgId) -> Result<Vec<(ZohoId, u64)>>;
    /// How many territories are out of place in the listing, like
    /// `GroupStore::misplaced_groups` (the root must be first).
    async fn misplaced_territories(&self, org: OrgId) -> Result<u64>;
}

/// Writes of territories and their users.
#[async_trait::async_trait]
pub trait TerritoryWrites {
    /// A territory.
    async fn territory(&mut self, id: ZohoId) -> Result<Option<Territory>>;
    /// The id of the territory with this name (case-insensitive).
    async fn territory_id_by_name(&mut self, name: &str) -> Result<Option<ZohoId>>;
    /// Territories whose parent is `parent`.
    async fn child_territory_ids(&mut self, parent: ZohoId) -> Result<Vec<ZohoId>>;
    /// Inserts a territory (its `member_count` must be 0).
    async fn insert_territory(&mut self, territory: &Territory) -> Result<()>;
    /// Rewrites a territory (its `member_count` is left alone).
    async fn update_territory(&mut self, territory: &Territory) -> Result<()>;
    /// Deletes a territory row and its coverage rows (its associations must be gone).
    async fn delete_territory(&mut self, id: ZohoId) -> Result<()>;
    /// Remembers a deleted territory (see [`DeletedTerritory`]).
    async fn insert_deleted_territory(&mut self, deleted: &DeletedTerritory) -> Result<()>;
    /// Whether `user` is directly associated with `territory`.
    async fn is_member(&mut self, territory: ZohoId, user: ZohoId) -> Result<bool>;
    /// Associates users with territories, as (territory, user), and bumps
    /// the territories' member counts.
    async fn add_members(&mut self, pairs: &[(ZohoId, ZohoId)]) -> Result<()>;
    /// Disassociates a user and lowers the territory's member count.
    async fn remove_member(&mut self, territory: ZohoId, user: ZohoId) -> Result<()>;
    /// The users directly associated with a territory.
    async fn territory_member_ids(&mut self, territory: ZohoId) -> Result<Vec<ZohoId>>;
    /// The territories a user is directly associated with.
    async fn territories_of(&mut self, user: ZohoId) -> Result<Vec<ZohoId>>;
    /// Territories managed by `user`.
    async fn territories_managed_by(&mut self, user: ZohoId) -> Result<Vec<ZohoId>>;
    /// A territory and its ancestors, itself first, like `RoleWrites::role_chain`.
    async fn territory_chain(&mut self, territory: ZohoId) -> Result<Vec<ZohoId>>;
    /// Every territory as (territory, parent).
    async fn territory_parents(&mut self) -> Result<Vec<(ZohoId, Option<ZohoId>)>>;
}
