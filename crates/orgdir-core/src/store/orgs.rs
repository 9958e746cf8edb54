//! Orgs and their documents: the org rows, the baseline an org resets to,
//! and the bulk-write helpers of import, seed and reset.

use super::Versioned;
use crate::behaviour::Behaviour;
use crate::org::{Org, OrgPhoto};
use crate::{OrgId, Result, ZohoId};

/// Reads of orgs, and deleting one.
#[async_trait::async_trait]
pub trait OrgStore {
    /// All orgs, oldest first.
    async fn orgs(&self) -> Result<Vec<Org>>;
    /// One org.
    async fn org(&self, org: OrgId) -> Result<Option<Org>>;
    /// The org document an org was created from (for reset).
    async fn baseline(&self, org: OrgId) -> Result<Option<String>>;
    /// Deletes an org and everything in it; false if unknown.
    async fn delete_org(&self, org: OrgId) -> Result<bool>;
    /// The org photo, for an API caller.
    async fn org_photo(&self, org: OrgId) -> Result<Versioned<Option<OrgPhoto>>>;
    /// The org photo's id, if it has one (`photo_id` on `GET /org`).
    async fn org_photo_id(&self, org: OrgId) -> Result<Option<ZohoId>>;
    /// The org's emulator behaviour (defaults for what was never set).
    async fn behaviour(&self, org: OrgId) -> Result<Behaviour>;
}

/// Writes to the org row and whole-org bulk work.
#[async_trait::async_trait]
pub trait OrgWrites {
    /// Records the org document the org starts from.
    async fn set_baseline(&mut self, document: &str) -> Result<()>;
    /// Rewrites the org row (name, time zone, edition, licences, sequence)
    /// and bumps the auth version (sessions carry the org).
    async fn replace_org(&mut self, org: &Org) -> Result<()>;
    /// Deletes tokens, codes and OAuth clients of users that no longer exist
    /// (after a reset, ids are given out again: an old token must not become
    /// a new user's).
    async fn drop_orphaned_credentials(&mut self) -> Result<()>;
    /// Recomputes every maintained count of the org from its rows, set-based
    /// in the database: user buckets, territory members, group members and
    /// their reasons. Bulk writes (import, seed, reset) insert raw rows and
    /// call this once at the end. `analyze` first refreshes the planner's
    /// statistics (worth it after writing many rows, not after a few).
    async fn rebuild_counts(&mut self, analyze: bool) -> Result<()>;
    /// Sets the org photo, replacing any earlier one.
    async fn set_org_photo(&mut self, photo: &OrgPhoto) -> Result<()>;
    /// Deletes the org photo; the id of the one deleted, if any.
    async fn delete_org_photo(&mut self) -> Result<Option<ZohoId>>;
    /// The org's emulator behaviour, read under the org's lock.
    async fn org_behaviour(&mut self) -> Result<Behaviour>;
    /// Replaces the org's emulator behaviour.
    async fn set_behaviour(&mut self, behaviour: &Behaviour) -> Result<()>;
}
