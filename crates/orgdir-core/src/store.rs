//! The storage contract. A backend implements [`Store`] (reads, and opening a
//! write transaction) and [`OrgTx`] (the primitive writes inside one). The
//! rules — what a write may do, which counts move — live in [`crate::service`],
//! written once over these traits.
//!
//! Every write runs in an [`OrgTx`], which locks the org's row first, so writes
//! to one org are serialised and a licence check or a count update can never
//! race another write. Counts are data: an [`OrgTx`] adjusts them in the same
//! transaction as the rows they count.

use crate::auth::{TokenGrant, TokenHash, TokenRecord};
use crate::groups::{Filter, Group, GroupDetails, Source, SourceDetails, SourceKind, SourcesCount};
use crate::oauth::{AuthCode, OAuthClient};
use crate::org::{Org, Profile, Role};
use crate::territories::{Membership, Territory, TerritoryDetails};
use crate::users::{User, UserBucket, UserCounts, UserDetails};
use crate::{OrgId, Result, ZohoId};
use async_trait::async_trait;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What to list of an org's users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserQuery {
    /// Only users in these buckets.
    pub buckets: Vec<i16>,
    /// Only these ids, if given.
    pub ids: Option<Vec<ZohoId>>,
    pub offset: u64,
    pub limit: u64,
}

/// Reads, and the door to writes.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The database this store runs on.
    fn backend(&self) -> Backend;

    /// All orgs, oldest first.
    async fn orgs(&self) -> Result<Vec<Org>>;
    /// One org.
    async fn org(&self, org: OrgId) -> Result<Option<Org>>;

    /// Starts a write transaction on an existing org, locking its row.
    async fn begin(&self, org: OrgId) -> Result<Box<dyn OrgTx>>;
    /// Starts a write transaction that creates `org` (`DUPLICATE_DATA` if its id is taken).
    async fn begin_new_org(&self, org: &Org) -> Result<Box<dyn OrgTx>>;

    /// The token with this hash, with its user's state.
    async fn token(&self, hash: &TokenHash) -> Result<Option<TokenGrant>>;

    /// The OAuth client with this id.
    async fn oauth_client(&self, client_id: &str) -> Result<Option<OAuthClient>>;
    /// An org's OAuth clients.
    async fn oauth_clients(&self, org: OrgId) -> Result<Vec<OAuthClient>>;
    /// Takes an authorization code of `client_id` out of the store (single
    /// use): the code is deleted whether or not it has expired.
    async fn take_code(&self, hash: &TokenHash, client_id: &str) -> Result<Option<AuthCode>>;
    /// The org document an org was created from (for reset).
    async fn baseline(&self, org: OrgId) -> Result<Option<String>>;
    /// Deletes an org and everything in it; false if unknown.
    async fn delete_org(&self, org: OrgId) -> Result<bool>;
    /// Starts a write transaction that first empties the org of every user,
    /// role, profile, territory and group (tokens, clients and the org row
    /// stay), to be filled again from its baseline.
    async fn begin_reset(&self, org: OrgId) -> Result<Box<dyn OrgTx>>;

    /// The maintained user counts: a read of at most twelve rows.
    async fn user_counts(&self, org: OrgId) -> Result<UserCounts>;
    /// The user counts recounted from the users table (for checks and tests).
    async fn recount_users(&self, org: OrgId) -> Result<UserCounts>;
    /// Users by id order.
    async fn users(&self, org: OrgId, query: &UserQuery) -> Result<Vec<UserDetails>>;
    /// One user.
    async fn user(&self, org: OrgId, id: ZohoId) -> Result<Option<UserDetails>>;
    /// A user by email (case-insensitive), deleted users excluded.
    async fn user_by_email(&self, org: OrgId, email: &str) -> Result<Option<UserDetails>>;
    /// The org's primary user.
    async fn primary_user(&self, org: OrgId) -> Result<Option<UserDetails>>;

    /// The org's roles, oldest first.
    async fn roles(&self, org: OrgId) -> Result<Vec<Role>>;
    /// The org's profiles, oldest first.
    async fn profiles(&self, org: OrgId) -> Result<Vec<Profile>>;

    /// Territories, root first, then by creation; `offset`/`limit` page them.
    async fn territories(
        &self,
        org: OrgId,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<TerritoryDetails>>;
    /// (id, name, member count) of territories in listing order: the lean
    /// read behind the territory associated users count.
    async fn territory_counts(
        &self,
        org: OrgId,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<(ZohoId, String, u64)>>;
    /// Some territories by id (root first, then by creation).
    async fn territories_by_id(&self, org: OrgId, ids: &[ZohoId]) -> Result<Vec<TerritoryDetails>>;
    /// The direct children of a territory, by creation.
    async fn child_territories(
        &self,
        org: OrgId,
        parent: ZohoId,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<TerritoryDetails>>;
    /// Users directly associated with a territory, by id.
    async fn territory_members(
        &self,
        org: OrgId,
        territory: ZohoId,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<UserDetails>>;
    /// The territories of some users (for the users' `territories` key).
    async fn memberships(&self, org: OrgId, users: &[ZohoId]) -> Result<Vec<Membership>>;
    /// Every (territory, user) association of the org (for export).
    async fn all_memberships(&self, org: OrgId) -> Result<Vec<(ZohoId, ZohoId)>>;
    /// Territory member counts recounted from the association table (for checks).
    async fn recount_territory_members(&self, org: OrgId) -> Result<Vec<(ZohoId, u64)>>;

    /// Groups passing `filter`, by creation.
    async fn groups(
        &self,
        org: OrgId,
        filter: Option<&Filter>,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<GroupDetails>>;
    /// (id, name, member count) of groups passing `filter`, by creation: the
    /// lean read behind the group associated users count.
    async fn group_counts(
        &self,
        org: OrgId,
        filter: Option<&Filter>,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<(ZohoId, String, u64)>>;
    /// One group.
    async fn group(&self, org: OrgId, id: ZohoId) -> Result<Option<GroupDetails>>;
    /// A group's sources with the names of what they name, in the order given.
    async fn group_sources(&self, org: OrgId, group: ZohoId) -> Result<Vec<SourceDetails>>;
    /// The sources count of a group (SPEC 4.2); `None` if there is no such group.
    async fn sources_count(&self, org: OrgId, group: ZohoId) -> Result<Option<SourcesCount>>;
    /// Every source of every group (for export and for checks).
    async fn all_group_sources(&self, org: OrgId) -> Result<Vec<(ZohoId, Source)>>;
    /// Groups whose maintained data differs from a recount from the
    /// definition: (group, maintained member count, recounted member count,
    /// users whose stored reason count is wrong or missing).
    async fn group_drift(&self, org: OrgId) -> Result<Vec<(ZohoId, i64, i64, i64)>>;
}

/// One write transaction on one org. Dropping it without [`OrgTx::commit`]
/// rolls everything back.
#[async_trait]
pub trait OrgTx: Send {
    /// The locked org.
    fn org(&self) -> &Org;
    /// A fresh id from the org's sequence.
    fn next_id(&mut self) -> ZohoId;

    /// A user, read inside the transaction.
    async fn user(&mut self, id: ZohoId) -> Result<Option<User>>;
    /// The id of the non-deleted user with this (lower-cased) email.
    async fn user_id_by_email(&mut self, email: &str) -> Result<Option<ZohoId>>;
    /// Inserts user rows (counts are the caller's: see `service::users`).
    async fn insert_users(&mut self, users: &[User]) -> Result<()>;
    /// Rewrites a user row.
    async fn update_user(&mut self, user: &User) -> Result<()>;
    /// Moves the maintained count of `bucket` by `delta`.
    async fn adjust_user_count(&mut self, bucket: UserBucket, delta: i64) -> Result<()>;
    /// The maintained counts as this transaction sees them.
    async fn user_counts(&mut self) -> Result<UserCounts>;

    /// A role.
    async fn role(&mut self, id: ZohoId) -> Result<Option<Role>>;
    /// Inserts a role.
    async fn insert_role(&mut self, role: &Role) -> Result<()>;
    /// A profile.
    async fn profile(&mut self, id: ZohoId) -> Result<Option<Profile>>;
    /// Inserts a profile.
    async fn insert_profile(&mut self, profile: &Profile) -> Result<()>;

    /// Roles whose parent is `parent`.
    async fn child_roles(&mut self, parent: ZohoId) -> Result<Vec<Role>>;
    /// Rewrites a role.
    async fn update_role(&mut self, role: &Role) -> Result<()>;
    /// Deletes a role row.
    async fn delete_role(&mut self, id: ZohoId) -> Result<()>;

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
    /// Deletes a territory row (its associations must be gone).
    async fn delete_territory(&mut self, id: ZohoId) -> Result<()>;
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

    /// A role and its ancestors, itself first, in one query (just the
    /// role if it has none; empty if it does not exist).
    async fn role_chain(&mut self, role: ZohoId) -> Result<Vec<ZohoId>>;
    /// A territory and its ancestors, itself first, like [`OrgTx::role_chain`].
    async fn territory_chain(&mut self, territory: ZohoId) -> Result<Vec<ZohoId>>;
    /// Every role as (role, parent).
    async fn role_parents(&mut self) -> Result<Vec<(ZohoId, Option<ZohoId>)>>;
    /// Every territory as (territory, parent).
    async fn territory_parents(&mut self) -> Result<Vec<(ZohoId, Option<ZohoId>)>>;
    /// Non-deleted users whose role is in `roles`, as (user, role).
    async fn live_users_with_roles(&mut self, roles: &[ZohoId]) -> Result<Vec<(ZohoId, ZohoId)>>;
    /// Associations with territories in `territories`, as (territory, user).
    async fn memberships_in(&mut self, territories: &[ZohoId]) -> Result<Vec<(ZohoId, ZohoId)>>;
    /// The non-deleted users among `users`.
    async fn live_users(&mut self, users: &[ZohoId]) -> Result<Vec<ZohoId>>;
    /// Moves every user (any status) of role `from` to role `to`; returns the non-deleted ones.
    async fn reassign_role(
        &mut self,
        from: ZohoId,
        to: ZohoId,
        now: i64,
        by: ZohoId,
    ) -> Result<Vec<ZohoId>>;

    /// A group.
    async fn group(&mut self, id: ZohoId) -> Result<Option<Group>>;
    /// The id of the group with this name (case-insensitive).
    async fn group_id_by_name(&mut self, name: &str) -> Result<Option<ZohoId>>;
    /// Inserts a group (its `member_count` must be 0).
    async fn insert_group(&mut self, group: &Group) -> Result<()>;
    /// Rewrites a group's name, description and modification stamp.
    async fn update_group(&mut self, group: &Group) -> Result<()>;
    /// Deletes a group with its sources and members.
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
    /// A group's members with their reason counts.
    async fn member_reasons(&mut self, group: ZohoId) -> Result<Vec<(ZohoId, i64)>>;
    /// Adds reason deltas to members (new members start at 0), removes those
    /// left with none, moves the group's member count, and returns each
    /// user's count after the change.
    async fn add_member_reasons(
        &mut self,
        group: ZohoId,
        deltas: &[(ZohoId, i64)],
    ) -> Result<Vec<(ZohoId, i64)>>;
    /// Adds `delta` reasons to `group` for every live user whose role is in
    /// `roles` (set-based, in the database), settles the group like
    /// [`OrgTx::add_member_reasons`], and returns each such user's count after.
    async fn add_reasons_for_roles(
        &mut self,
        group: ZohoId,
        roles: &[ZohoId],
        delta: i64,
    ) -> Result<Vec<(ZohoId, i64)>>;
    /// Removes a user from every group; returns the groups it was in.
    async fn remove_user_from_groups(&mut self, user: ZohoId) -> Result<Vec<ZohoId>>;

    /// Registers an OAuth client.
    async fn insert_oauth_client(&mut self, client: &OAuthClient) -> Result<()>;
    /// Stores an authorization code (only its hash).
    async fn insert_code(&mut self, code: &AuthCode) -> Result<()>;
    /// Records the org document the org starts from.
    async fn set_baseline(&mut self, document: &str) -> Result<()>;
    /// Deletes tokens, codes and OAuth clients of users that no longer exist
    /// (after a reset, ids are given out again: an old token must not become
    /// a new user's).
    async fn drop_orphaned_credentials(&mut self) -> Result<()>;
    /// Rewrites the org row (name, time zone, edition, licences, sequence).
    async fn replace_org(&mut self, org: &Org) -> Result<()>;

    /// Whether this org's refresh token with `hash` still exists.
    async fn refresh_token_exists(&mut self, hash: &TokenHash) -> Result<bool>;
    /// Deletes this org's refresh token and every access token issued from it; false if unknown.
    async fn delete_refresh_token(&mut self, hash: &TokenHash) -> Result<bool>;

    /// Stores a token (only its hash).
    async fn insert_token(&mut self, token: &TokenRecord) -> Result<()>;

    /// Recomputes every maintained count of the org from its rows, set-based
    /// in the database: user buckets, territory members, group members and
    /// their reasons. Bulk writes (import, seed, reset) insert raw rows and
    /// call this once at the end. `analyze` first refreshes the planner's
    /// statistics (worth it after writing many rows, not after a few).
    async fn rebuild_counts(&mut self, analyze: bool) -> Result<()>;

    /// Makes every write of this transaction durable.
    async fn commit(self: Box<Self>) -> Result<()>;
}
