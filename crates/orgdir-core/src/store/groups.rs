//! User groups, their sources and their maintained members.

use super::Versioned;
use super::{MembershipInputs, MembershipModel, Tally};
use crate::groups::{
    Assignment, DeletionJob, Filter, Group, GroupDetails, Source, SourceDetails, SourceKind,
    SourcesCount,
};
use crate::{OrgId, Result, ZohoId};

/// Reads of user groups.
#[async_trait::async_trait]
pub trait GroupStore {
    /// The groups `user` is a member of (it is live, and a group covers its
    /// role, one of its territories or the user itself) — or, `Unassigned`,
    /// the org's other groups — passing `filter`, in listing order. A
    /// deleted user, or one the org does not have, is a member of none.
    async fn groups_of_user(
        &self,
        org: OrgId,
        user: ZohoId,
        side: Assignment,
        filter: Option<&Filter>,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<GroupDetails>>>;
    /// Groups passing `filter`, by creation.
    async fn groups(
        &self,
        org: OrgId,
        filter: Option<&Filter>,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<GroupDetails>>>;
    /// (id, name, member count) of groups passing `filter`, by creation: the
    /// lean read behind the group associated users count.
    async fn group_counts(
        &self,
        org: OrgId,
        filter: Option<&Filter>,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<(ZohoId, String, u64)>>>;
    /// One group.
    async fn group(&self, org: OrgId, id: ZohoId) -> Result<Versioned<Option<GroupDetails>>>;
    /// A group's sources with the names of what they name, in the order
    /// given; `None` if there is no such group.
    async fn group_sources(
        &self,
        org: OrgId,
        group: ZohoId,
    ) -> Result<Versioned<Option<Vec<SourceDetails>>>>;
    /// The sources count of a group (SPEC 4.2); `None` if there is no such group.
    async fn sources_count(
        &self,
        org: OrgId,
        group: ZohoId,
    ) -> Result<Versioned<Option<SourcesCount>>>;
    /// A group's maintained member counts (all, and the active ones);
    /// `None` if there is no such group.
    async fn member_split(&self, org: OrgId, group: ZohoId) -> Result<Versioned<Option<Tally>>>;
    /// Every source of every group (for export and for checks).
    async fn all_group_sources(&self, org: OrgId) -> Result<Vec<(ZohoId, Source)>>;
    /// What the membership model derives from (for checks).
    async fn membership_inputs(&self, org: OrgId) -> Result<MembershipInputs>;
    /// The membership model as kept (for checks).
    async fn kept_membership(&self, org: OrgId) -> Result<MembershipModel>;
    /// How many groups are out of place in the listing: its positions must
    /// be exactly 1, 2, … (for checks).
    async fn misplaced_groups(&self, org: OrgId) -> Result<u64>;
    /// One group deletion job of the org.
    async fn deletion_job(&self, org: OrgId, id: ZohoId) -> Result<Versioned<Option<DeletionJob>>>;
}

/// Writes of user groups and their sources (their membership model is
/// [`super::MembershipWrites`]).
#[async_trait::async_trait]
pub trait GroupWrites {
    /// A group.
    async fn group(&mut self, id: ZohoId) -> Result<Option<Group>>;
    /// The id of the group with this name (case-insensitive).
    async fn group_id_by_name(&mut self, name: &str) -> Result<Option<ZohoId>>;
    /// Inserts a group (its `member_count` must be 0).
    async fn insert_group(&mut self, group: &Group) -> Result<()>;
    /// Rewrites a group's name, description and modification stamp.
    async fn update_group(&mut self, group: &Group) -> Result<()>;
    /// Deletes a group with its sources and its part of the membership model.
    async fn delete_group(&mut self, id: ZohoId) -> Result<()>;
    /// A group's sources, in the order given.
    async fn sources_of(&mut self, group: ZohoId) -> Result<Vec<Source>>;
    /// Replaces a group's sources.
    async fn set_sources(&mut self, group: ZohoId, sources: &[Source]) -> Result<()>;
    /// Groups with a source of `kind` naming one of `ids`, as (group, source).
    async fn groups_with_sources(
        &mut self,
        kind: SourceKind,
        ids: &[ZohoId],
    ) -> Result<Vec<(ZohoId, Source)>>;
    /// Every (group, nested group) pair.
    async fn group_edges(&mut self) -> Result<Vec<(ZohoId, ZohoId)>>;
    /// Records a group deletion job.
    async fn insert_deletion_job(&mut self, job: &DeletionJob) -> Result<()>;
}
