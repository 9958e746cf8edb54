//! The group membership model, kept as data about the structure.

use crate::groups::{Source, SourceKind};
use crate::{Result, ZohoId};
use rustc_hash::FxHashMap;

/// Writes of the group membership model.
///
/// A group's associated users are kept as data about the structure, not
/// one row per member: what the group covers through its sources and the
/// groups it nests (roles, territories and named users, each with the
/// number of paths that cover it), the live users of each role, and per
/// (group, role) the *cross count*: the live users of that role the group
/// reaches through a territory or a user source. A group's member count is
/// the live users of its covered roles plus the cross counts of the roles it
/// does not cover (`service::membership` has the rules).
#[async_trait::async_trait]
pub trait MembershipWrites {
    /// Groups whose coverage of one of `roles`, one of `territories` or
    /// `user` is not zero, as (group, what, the covered node), one row each.
    async fn cover_hits(
        &mut self,
        roles: &[ZohoId],
        territories: &[ZohoId],
        user: Option<ZohoId>,
    ) -> Result<Vec<(ZohoId, Cover, ZohoId)>>;
    /// The coverage of `kind` of `groups`, restricted to `nodes`, as the
    /// (group, node) pairs covered.
    async fn cover_rows(
        &mut self,
        kind: Cover,
        groups: &[ZohoId],
        nodes: &[ZohoId],
    ) -> Result<Vec<(ZohoId, ZohoId)>>;
    /// Adds each group's shift to its coverage paths of every one of
    /// `nodes` (set-based), drops the pairs left with none, and returns
    /// every (group, node, paths after).
    async fn shift_cover(
        &mut self,
        kind: Cover,
        shifts: &[(ZohoId, i64)],
        nodes: &[ZohoId],
    ) -> Result<Vec<(ZohoId, ZohoId, i64)>>;
    /// The sources of `kind` with subordinates naming one of `ids`, as seen
    /// by every group that reaches them through nesting (itself included):
    /// (group, named node), one row per path.
    async fn subordinate_paths(
        &mut self,
        kind: SourceKind,
        ids: &[ZohoId],
    ) -> Result<Vec<(ZohoId, ZohoId)>>;
    /// The maintained number of live users of each of `roles`.
    async fn role_live_counts(&mut self, roles: &[ZohoId]) -> Result<Vec<(ZohoId, i64)>>;
    /// The maintained cross counts of `roles` (in every group, or only in
    /// `groups`), as (group, role, count). Cross counts are kept by group:
    /// reading them in every group reads the org's cross counts (only a
    /// role's deletion does).
    async fn cross_counts(
        &mut self,
        groups: Option<&[ZohoId]>,
        roles: &[ZohoId],
    ) -> Result<Vec<(ZohoId, ZohoId, i64)>>;
    /// Applies a membership change: groups' member counts, cross counts and
    /// roles' live-user counts.
    async fn apply_membership(&mut self, delta: &MembershipDelta) -> Result<()>;
    /// Every live user associated with one of `territories`, with its role
    /// and each territory it is associated with: (user, role, territory) rows.
    async fn territory_user_rows(
        &mut self,
        territories: &[ZohoId],
    ) -> Result<Vec<(ZohoId, ZohoId, ZohoId)>>;
    /// The groups that reach one of `groups` through nesting (those too).
    async fn nesting_groups(&mut self, groups: &[ZohoId]) -> Result<Vec<ZohoId>>;
    /// Recomputes the membership model of `groups` from scratch, set-based:
    /// what they reach, their coverage, cross counts and member counts. The
    /// caller includes every group that nests a changed one.
    async fn recompute_groups(&mut self, groups: &[ZohoId]) -> Result<()>;
}

/// What a group's sources (through nesting too) cover, kept as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cover {
    Roles,
    Territories,
    Users,
}

/// A change to the membership model's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembershipDelta {
    /// (group, change of its member count).
    pub members: Vec<(ZohoId, i64)>,
    /// (group, role, change of its cross count).
    pub cross: Vec<(ZohoId, ZohoId, i64)>,
    /// (role, change of its live users).
    pub live: Vec<(ZohoId, i64)>,
}

impl MembershipDelta {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.cross.is_empty() && self.live.is_empty()
    }
}

/// What the membership model derives from, read lean for `orgdir check`.
#[derive(Debug, Clone, Default)]
pub struct MembershipInputs {
    /// (user, role, live: not deleted).
    pub users: Vec<(ZohoId, ZohoId, bool)>,
    /// (territory, user) associations.
    pub territory_users: Vec<(ZohoId, ZohoId)>,
    /// (role, its parent).
    pub role_parents: Vec<(ZohoId, Option<ZohoId>)>,
    /// (territory, its parent).
    pub territory_parents: Vec<(ZohoId, Option<ZohoId>)>,
    /// Every group's sources: (group, source).
    pub sources: Vec<(ZohoId, Source)>,
    /// Every group, with the member count kept for it.
    pub groups: Vec<(ZohoId, i64)>,
}

/// One part of the membership model: `(key, key) -> value` rows.
pub type ModelPart = FxHashMap<(ZohoId, ZohoId), i64>;

/// The membership model as kept (or as recomputed): each part as
/// `(key, key) -> value` rows; zero values are not rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembershipModel {
    /// (group, group it reaches through nesting, itself included) -> 1.
    pub reach: ModelPart,
    /// (group, role) -> covering paths.
    pub role_cover: ModelPart,
    /// (group, territory) -> covering paths.
    pub territory_cover: ModelPart,
    /// (group, user) -> covering paths.
    pub user_cover: ModelPart,
    /// (role, 0) -> live users.
    pub live: ModelPart,
    /// (group, role) -> live users of the role reached through territories or users.
    pub cross: ModelPart,
}

impl MembershipModel {
    /// Its parts by name, in the order `orgdir check` reports them.
    pub fn parts(&self) -> [(&'static str, &ModelPart); 6] {
        [
            ("group reach", &self.reach),
            ("group role coverage", &self.role_cover),
            ("group territory coverage", &self.territory_cover),
            ("group user coverage", &self.user_cover),
            ("live users per role", &self.live),
            ("group cross counts", &self.cross),
        ]
    }
}
