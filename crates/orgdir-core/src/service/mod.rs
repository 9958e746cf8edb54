//! The directory's operations, written once over the [`crate::store`]
//! traits. Writes run as jobs ([`crate::store::write`]): each applies the
//! rules, moves the maintained counts, and commits — or returns an error and
//! writes nothing. Reads for an API caller go through [`Directory::confirm`],
//! which proves the caller's session current from the read itself.

pub mod groups;
pub mod membership;
pub mod oauth;
pub mod org_photo;
pub mod orgs;
pub mod passwords;
pub mod profiles;
pub mod roles;
pub mod territories;
pub mod tokens;
pub mod transfer;
pub mod unavailability;
pub mod users;

use crate::auth::Principal;
use crate::controls::Controls;
use crate::sessions::{Caller, Requirement, Sessions};
use crate::store::{write, OrgTx, Store, Versioned, WriteTarget};
use crate::{Error, Result};
use futures::future::BoxFuture;
use std::sync::Arc;

/// The store and the sessions of its API callers: what every operation needs.
pub struct Directory {
    store: Arc<dyn Store>,
    sessions: Sessions,
    controls: Controls,
}

impl Directory {
    /// A directory over `store` with an empty session cache.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            sessions: Sessions::default(),
            controls: Controls::default(),
        }
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The store, shared.
    pub fn shared_store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// Authenticates an `Authorization` header value for an endpoint
    /// (see [`Sessions::authenticate`]).
    pub async fn authenticate(
        &self,
        header: Option<&str>,
        requirement: Requirement,
        precheck: impl Fn(&Principal) -> Result<()>,
    ) -> Result<Caller> {
        self.sessions
            .authenticate(self.store(), header, requirement, precheck)
            .await
    }

    /// The value of a read made for `caller`, once its auth version shows
    /// the caller's session still holds (see [`Sessions::confirm`]).
    pub async fn confirm<T>(&self, caller: &mut Caller, read: Versioned<T>) -> Result<T> {
        self.sessions.confirm(self.store(), caller, read).await
    }

    /// Runs a write job for an API caller on its org: the job starts once
    /// the caller's session is checked again under the org's lock
    /// ([`Caller::verify_in`]), and gets its own copy of the caller. An org
    /// deleted since the session was cached answers `INVALID_TOKEN`, as a
    /// read would.
    pub async fn write_as<T, F>(&self, caller: &Caller, job: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'t> FnOnce(&'t mut dyn OrgTx, Caller) -> BoxFuture<'t, Result<T>> + Send + 'static,
    {
        let caller = caller.clone();
        let target = WriteTarget::Org(caller.org_id());
        let written = write(self.store(), target, move |tx| {
            Box::pin(async move {
                caller.verify_in(tx).await?;
                job(tx, caller).await
            })
        })
        .await;
        match written {
            Err(e) if e.is_no_such_org() => Err(Error::InvalidToken),
            other => other,
        }
    }

    /// The session cache.
    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    /// The emulator controls held in memory: the request journal, the fault
    /// rules, the limits and the clocks of every org.
    pub fn controls(&self) -> &Controls {
        &self.controls
    }

    /// Runs `work` on `org`'s clock (SPEC 11): every [`crate::time::now`]
    /// it reads, its writes' included, is the org's now.
    pub async fn on_org_clock<F: std::future::Future>(
        &self,
        org: crate::OrgId,
        work: F,
    ) -> F::Output {
        crate::time::in_org_time(self.controls.clocks.offset(org), work).await
    }
}
