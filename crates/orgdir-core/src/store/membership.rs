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
    /// The maintained live users of each of `roles` (and the active ones).
    async fn role_live_counts(&mut self, roles: &[ZohoId]) -> Result<Vec<(ZohoId, Tally)>>;
    /// The maintained cross counts of `roles` (in every group, or only in
    /// `groups`), as (group, role, count). Cross counts are kept by group:
    /// reading them in every group reads the org's cross counts (only a
    /// role's deletion does).
    async fn cross_counts(
        &mut self,
        groups: Option<&[ZohoId]>,
        roles: &[ZohoId],
    ) -> Result<Vec<(ZohoId, ZohoId, Tally)>>;
    /// Applies a membership change: groups' member counts, cross counts and
    /// roles' live-user counts.
    async fn apply_membership(&mut self, delta: &MembershipDelta) -> Result<()>;
    /// Every live user associated with one of `territories`, with its role,
    /// whether it is active, and each territory it is associated with.
    async fn territory_user_rows(
        &mut self,
        territories: &[ZohoId],
    ) -> Result<Vec<TerritoryUserRow>>;
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

/// A number of users kept twice over: every live (non-deleted) user, and
/// the active ones among them, so that a group's members split into active
/// and inactive (`grouped_counts`) without a recount.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tally {
    pub live: i64,
    pub active: i64,
}

impl Tally {
    /// One live user, active or not.
    pub fn one(active: bool) -> Tally {
        Tally {
            live: 1,
            active: i64::from(active),
        }
    }

    /// Whether it counts nobody.
    pub fn is_zero(self) -> bool {
        self == Tally::default()
    }
}

impl std::ops::Add for Tally {
    type Output = Tally;
    fn add(self, other: Tally) -> Tally {
        Tally {
            live: self.live + other.live,
            active: self.active + other.active,
        }
    }
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        *self = *self + other;
    }
}

impl std::ops::Sub for Tally {
    type Output = Tally;
    fn sub(self, other: Tally) -> Tally {
        self + other * -1
    }
}

impl std::ops::Mul<i64> for Tally {
    type Output = Tally;
    fn mul(self, n: i64) -> Tally {
        Tally {
            live: self.live * n,
            active: self.active * n,
        }
    }
}

/// One row of [`MembershipWrites::territory_user_rows`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TerritoryUserRow {
    pub user: ZohoId,
    pub role: ZohoId,
    pub active: bool,
    pub territory: ZohoId,
}

/// A change to the membership model's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembershipDelta {
    /// (group, change of its member counts).
    pub members: Vec<(ZohoId, Tally)>,
    /// (group, role, change of its cross counts).
    pub cross: Vec<(ZohoId, ZohoId, Tally)>,
    /// (role, change of its live and active users).
    pub live: Vec<(ZohoId, Tally)>,
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
    /// Every user: its role, whether it is live (not deleted) and active.
    pub users: Vec<InputUser>,
    /// (territory, user) associations.
    pub territory_users: Vec<(ZohoId, ZohoId)>,
    /// (role, its parent).
    pub role_parents: Vec<(ZohoId, Option<ZohoId>)>,
    /// (territory, its parent).
    pub territory_parents: Vec<(ZohoId, Option<ZohoId>)>,
    /// Every group's sources: (group, source).
    pub sources: Vec<(ZohoId, Source)>,
    /// Every group, with the member counts kept for it.
    pub groups: Vec<(ZohoId, Tally)>,
}

/// A user as the membership model sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputUser {
    pub id: ZohoId,
    pub role: ZohoId,
    pub live: bool,
    pub active: bool,
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
    /// (role, 0) -> active users.
    pub active: ModelPart,
    /// (group, role) -> live users of the role reached through territories or users.
    pub cross: ModelPart,
    /// (group, role) -> the active ones among them.
    pub active_cross: ModelPart,
}

impl MembershipModel {
    /// Its parts by name, in the order `orgdir check` reports them.
    pub fn parts(&self) -> [(&'static str, &ModelPart); 8] {
        [
            ("group reach", &self.reach),
            ("group role coverage", &self.role_cover),
            ("group territory coverage", &self.territory_cover),
            ("group user coverage", &self.user_cover),
            ("live users per role", &self.live),
            ("active users per role", &self.active),
            ("group cross counts", &self.cross),
            ("group active cross counts", &self.active_cross),
        ]
    }
}
