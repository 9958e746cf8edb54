//! The storage contract, one small trait pair per area: `XStore` for reads
//! (and the few writes that stand alone), `XWrites` for the primitive writes
//! inside a write transaction. A backend implements all of them; [`Store`]
//! and [`OrgTx`] gather them. The rules — what a write may do, which counts
//! move — live in [`crate::service`], written once over these traits.
//!
//! **Writes** are jobs: [`write`] hands the store a closure over an
//! [`OrgTx`]; the store runs it in one transaction that locked the org's row
//! first, commits if it returns `Ok` and rolls back otherwise. Writes to one
//! org are therefore serialised, and a licence check or a count update can
//! never race another write. Counts are data: the job adjusts them in the
//! same transaction as the rows they count. (A backend may run several
//! queued jobs in one transaction, each in a savepoint: one job's failure
//! never touches another's writes, and a result is only handed back once
//! its commit is durable.)
//!
//! **Reads for an API caller** return [`Versioned`]: the value together with
//! the org's *auth version*, read in the same statement. The service layer
//! compares it with the version its cached session was validated at
//! ([`crate::sessions::Sessions`]), so one statement both reads and proves the
//! session current.

mod groups;
mod membership;
mod orgs;
mod roles;
mod territories;
mod tokens;
mod transfer;
mod unavailability;
mod users;

pub use groups::{GroupStore, GroupWrites};
pub use membership::{
    Cover, InputUser, MembershipDelta, MembershipInputs, MembershipModel, MembershipWrites,
    ModelPart, Tally, TerritoryUserRow,
};
pub use orgs::{OrgStore, OrgWrites};
pub use roles::{RoleStore, RoleWrites};
pub use territories::{TerritoryStore, TerritoryWrites};
pub use tokens::{TokenStore, TokenWrites, Whose};
pub use transfer::{TransferStore, TransferWrites};
pub use unavailability::{UnavailabilityStore, UnavailabilityWrites};
pub use users::{UserQuery, UserStore, UserWrites};

use crate::org::Org;
use crate::{Error, OrgId, Result, ZohoId};
use futures::future::BoxFuture;
use std::any::Any;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A read made for an API caller: the value, and the org's auth version
/// read in the same statement (`None` when the org no longer exists).
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub value: T,
    pub auth_version: Option<i64>,
}

impl<T> Versioned<T> {
    /// The value with the version it was read at.
    pub fn new(value: T, auth_version: Option<i64>) -> Self {
        Self {
            value,
            auth_version,
        }
    }

    /// The same version with the value mapped.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Versioned<U> {
        Versioned {
            value: f(self.value),
            auth_version: self.auth_version,
        }
    }
}

/// What a write transaction starts by locking.
#[derive(Debug, Clone)]
pub enum WriteTarget {
    /// An existing org (none: [`crate::Error::no_such_org`]).
    Org(OrgId),
    /// A new org, inserted first (`DUPLICATE_DATA` if its id is taken).
    NewOrg(Org),
    /// An existing org emptied of every user, role, profile, territory and
    /// group (tokens, clients and the org row stay), to be filled again
    /// from its baseline. Bumps the auth version.
    Reset(OrgId),
}

/// How a job ends: `Ok` commits, `Err` rolls back. Both carry the job's own
/// types, boxed, so that one store method serves every job ([`write`] unboxes).
pub type JobOutcome = std::result::Result<Box<dyn Any + Send>, Box<dyn Any + Send>>;

/// A write job: everything it needs is owned, so that a backend may run it
/// on another thread (SQLite's writer).
pub type WriteJob =
    Box<dyn for<'t> FnOnce(&'t mut dyn OrgTx) -> BoxFuture<'t, JobOutcome> + Send + 'static>;

/// Reads, and the door to writes.
#[async_trait::async_trait]
pub trait Store:
    OrgStore
    + UserStore
    + RoleStore
    + TerritoryStore
    + GroupStore
    + TokenStore
    + UnavailabilityStore
    + TransferStore
    + Send
    + Sync
    + 'static
{
    /// The database this store runs on.
    fn backend(&self) -> Backend;

    /// Runs `job` in one write transaction on `target`. The outer `Err` is a
    /// store fault (nothing was written); the inner outcome is the job's.
    async fn run_write(&self, target: WriteTarget, job: WriteJob) -> Result<JobOutcome>;
}

/// Runs `job` in a write transaction on `target`: committed if it returns
/// `Ok`, rolled back if it returns `Err` (or the store fails).
///
/// The job owns what it uses (`move`); everything it does to the database
/// goes through the [`OrgTx`] it is given, and it awaits nothing else. It
/// runs on the caller's org clock ([`crate::time`]), whichever task runs it.
pub async fn write<T, E, F>(store: &dyn Store, target: WriteTarget, job: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<Error> + Send + 'static,
    F: for<'t> FnOnce(&'t mut dyn OrgTx) -> BoxFuture<'t, Result<T, E>> + Send + 'static,
{
    let offset = crate::time::offset();
    let job: WriteJob = Box::new(move |tx| {
        Box::pin(async move {
            match crate::time::in_org_time(offset, job(tx)).await {
                Ok(value) => Ok(Box::new(value) as Box<dyn Any + Send>),
                Err(error) => Err(Box::new(error) as Box<dyn Any + Send>),
            }
        })
    });
    let mistyped = || E::from(Error::Internal("a write job's result changed type".into()));
    match store.run_write(target, job).await? {
        Ok(value) => value.downcast::<T>().map(|v| *v).map_err(|_| mistyped()),
        Err(error) => Err(error
            .downcast::<E>()
            .map(|e| *e)
            .unwrap_or_else(|_| mistyped())),
    }
}

/// One write transaction on one org, whose row it locked first.
pub trait OrgTx:
    OrgWrites
    + UserWrites
    + RoleWrites
    + TerritoryWrites
    + GroupWrites
    + MembershipWrites
    + TokenWrites
    + UnavailabilityWrites
    + TransferWrites
    + Send
{
    /// The locked org.
    fn org(&self) -> &Org;
    /// A fresh id from the org's sequence.
    fn next_id(&mut self) -> ZohoId;
    /// The org's auth version as this transaction found it.
    fn auth_version(&self) -> i64;
    /// Records that this transaction changes what some token may do (a
    /// token revoked, a user disabled, deleted or given another profile or
    /// role, the org reset): its commit bumps the org's auth version, so that
    /// every cached session of the org is checked again before its next use.
    fn auth_changed(&mut self);
}
