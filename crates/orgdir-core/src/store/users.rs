//! Users and the maintained user counts.

use super::Versioned;
use crate::users::{User, UserBucket, UserCounts, UserDetails};
use crate::{OrgId, Result, ZohoId};

/// What to list of an org's users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserQuery {
    /// Only users in these buckets.
    pub buckets: Vec<i16>,
    /// Only these ids, if given.
    pub ids: Option<Vec<ZohoId>>,
    /// Only users modified after this time (seconds), if given.
    pub modified_after: Option<i64>,
    pub offset: u64,
    pub limit: u64,
}

/// Reads of users and their counts.
#[async_trait::async_trait]
pub trait UserStore {
    /// The maintained user counts: a read of at most twelve rows.
    async fn user_counts(&self, org: OrgId) -> Result<Versioned<UserCounts>>;
    /// The sum of the maintained counts of the buckets whose bit is set in
    /// `buckets` (bit `code`): a read of one row.
    async fn count_users(&self, org: OrgId, buckets: u32) -> Result<Versioned<u64>>;
    /// The user counts recounted from the users table (for checks and tests).
    async fn recount_users(&self, org: OrgId) -> Result<UserCounts>;
    /// Users by id order, each with its territories (`memberships`), in one statement.
    async fn users(&self, org: OrgId, query: &UserQuery) -> Result<Versioned<Vec<UserDetails>>>;
    /// One user with its territories, in one statement.
    async fn user(&self, org: OrgId, id: ZohoId) -> Result<Versioned<Option<UserDetails>>>;
    /// A user by email (case-insensitive), deleted users excluded; no territories.
    async fn user_by_email(&self, org: OrgId, email: &str) -> Result<Option<UserDetails>>;
    /// The org's primary user; no territories.
    async fn primary_user(&self, org: OrgId) -> Result<Versioned<Option<UserDetails>>>;
}

/// Writes of users and their counts.
#[async_trait::async_trait]
pub trait UserWrites {
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
    /// The users who are not deleted and whose `Reporting_To` names `user`
    /// (their subordinates), by id.
    async fn users_reporting_to(&mut self, user: ZohoId) -> Result<Vec<User>>;
    /// Moves every user (any status) of role `from` to role `to`; returns the non-deleted ones.
    async fn reassign_role(
        &mut self,
        from: ZohoId,
        to: ZohoId,
        now: i64,
        by: ZohoId,
    ) -> Result<Vec<ZohoId>>;
}
