//! The write transaction every job runs in: [`org_job`] locks the target
//! org (inserting or emptying it first when asked), runs the job over a
//! [`SqlTx`], and finishes by writing back the id sequence and bumping the
//! auth version when the job asked for it.

use crate::args;
use crate::db::{Conn, RawJob};
use crate::orgs::{insert_org, lock_org, DIRECTORY_TABLES};
use orgdir_core::org::Org;
use orgdir_core::store::{JobOutcome, OrgTx, WriteJob, WriteTarget};
use orgdir_core::{OrgId, Result, ZohoId};
use std::any::Any;

/// One write transaction on one org (an [`OrgTx`]).
pub struct SqlTx<'c> {
    pub(crate) c: &'c mut dyn Conn,
    pub(crate) org: Org,
    /// The sequence as locked: written back only if ids were taken.
    pub(crate) first_seq: i64,
    pub(crate) auth_version: i64,
    pub(crate) auth_changed: bool,
}

impl OrgTx for SqlTx<'_> {
    fn org(&self) -> &Org {
        &self.org
    }

    fn next_id(&mut self) -> ZohoId {
        let id = ZohoId::compose(self.org.id, self.org.next_seq);
        self.org.next_seq += 1;
        id
    }

    fn auth_version(&self) -> i64 {
        // A change made earlier in this transaction (by an earlier job of a
        // batch, too) already counts: a later job checks its session again.
        self.auth_version + i64::from(self.auth_changed)
    }

    fn auth_changed(&mut self) {
        self.auth_changed = true;
    }
}

impl<'c> SqlTx<'c> {
    /// Locks `org` for the rest of the transaction.
    async fn lock(c: &'c mut dyn Conn, org: OrgId) -> Result<Self> {
        let (org, auth_version) = lock_org(c, org).await?;
        Ok(Self {
            first_seq: org.next_seq,
            org,
            auth_version,
            auth_changed: false,
            c,
        })
    }

    /// Deletes every directory row of the org (see [`DIRECTORY_TABLES`]).
    async fn empty_directory(&mut self) -> Result<()> {
        for table in DIRECTORY_TABLES {
            self.c
                .run(
                    &format!("DELETE FROM {table} WHERE org_id = ?1"),
                    args![self.org.id],
                )
                .await?;
        }
        self.auth_changed = true;
        Ok(())
    }

    /// Writes back what the transaction changed of the org row.
    async fn finish(self) -> Result<()> {
        let seq_moved = self.org.next_seq != self.first_seq;
        if seq_moved || self.auth_changed {
            self.c
                .run(
                    "UPDATE orgs SET next_seq = ?2, auth_version = auth_version + ?3 WHERE id = ?1",
                    args![self.org.id, self.org.next_seq, i64::from(self.auth_changed)],
                )
                .await?;
        }
        Ok(())
    }
}

/// The job that runs `job` on `target` in a transaction of its own.
pub fn org_job(target: WriteTarget, job: WriteJob) -> RawJob {
    Box::new(move |c: &mut dyn Conn| {
        Box::pin(async move {
            let mut tx = match target {
                WriteTarget::Org(org) => SqlTx::lock(c, org).await?,
                WriteTarget::NewOrg(org) => {
                    insert_org(c, &org).await?;
                    SqlTx::lock(c, org.id).await?
                }
                WriteTarget::Reset(org) => {
                    let mut tx = SqlTx::lock(c, org).await?;
                    tx.empty_directory().await?;
                    tx
                }
            };
            let outcome = job(&mut tx).await;
            if outcome.is_ok() {
                tx.finish().await?;
            }
            Ok(outcome)
        })
    })
}

/// Each job's outcome in a batch ([`org_batch_job`]), in order.
pub type BatchOutcomes = Vec<Result<JobOutcome>>;

/// The job that runs several jobs on one org in one transaction (group
/// commit): the org is locked once, each job runs in a savepoint (rolled
/// back alone when it fails) and sees the writes of the jobs before it,
/// and the id sequence and auth version are written back once. The raw
/// job's value is the [`BatchOutcomes`]; they hold only once it commits.
pub fn org_batch_job(org: OrgId, jobs: Vec<WriteJob>) -> RawJob {
    Box::new(move |c: &mut dyn Conn| {
        Box::pin(async move {
            let mut tx = SqlTx::lock(c, org).await?;
            let mut outcomes: BatchOutcomes = Vec::with_capacity(jobs.len());
            for job in jobs {
                let (org_before, changed_before) = (tx.org.clone(), tx.auth_changed);
                tx.c.run("SAVEPOINT job", args![]).await?;
                let outcome = job(&mut tx).await;
                if outcome.is_ok() {
                    tx.c.run("RELEASE SAVEPOINT job", args![]).await?;
                } else {
                    tx.c.run("ROLLBACK TO SAVEPOINT job", args![]).await?;
                    tx.c.run("RELEASE SAVEPOINT job", args![]).await?;
                    (tx.org, tx.auth_changed) = (org_before, changed_before);
                }
                outcomes.push(Ok(outcome));
            }
            tx.finish().await?;
            Ok(Ok(Box::new(outcomes) as Box<dyn Any + Send>))
        })
    })
}
