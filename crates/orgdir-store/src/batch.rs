//! Group commit for PostgreSQL. Writes to one org are serialised by its row
//! lock; when they queue, each one paying for its own transaction (`BEGIN`,
//! the lock, the commit's flush, waking the next waiter) is what limits
//! them. So jobs for one org queue here, and while one batch commits the
//! next one gathers: a task per busy org runs each batch in one transaction
//! ([`crate::tx::org_batch_job`]: one lock, a savepoint per job, one commit)
//! and answers every job once that commit is done. A lone job runs in a
//! transaction of its own, as without batching.

use crate::db::postgres::PgDb;
use crate::tx::{org_batch_job, org_job, BatchOutcomes};
use futures::channel::oneshot;
use orgdir_core::store::{JobOutcome, WriteJob, WriteTarget};
use orgdir_core::{Error, OrgId, Result};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Most jobs committed together.
const MAX_BATCH: usize = 64;

struct Pending {
    job: WriteJob,
    reply: oneshot::Sender<Result<JobOutcome>>,
}

/// The queues of write jobs per org; an org has an entry while a task
/// commits its batches.
#[derive(Clone)]
pub struct GroupCommit {
    db: PgDb,
    queues: Arc<Mutex<HashMap<OrgId, Vec<Pending>>>>,
}

impl GroupCommit {
    /// Group commit over `db`.
    pub fn new(db: PgDb) -> Self {
        Self {
            db,
            queues: Arc::default(),
        }
    }

    /// Runs `job` on `org`, alone or with the jobs queued beside it.
    pub async fn write(&self, org: OrgId, job: WriteJob) -> Result<JobOutcome> {
        let (reply, answer) = oneshot::channel();
        let lead = {
            let mut queues = self.lock_queues()?;
            match queues.get_mut(&org) {
                Some(pending) => {
                    pending.push(Pending { job, reply });
                    false
                }
                None => {
                    queues.insert(org, vec![Pending { job, reply }]);
                    true
                }
            }
        };
        if lead {
            // A task of its own: a batch must not stop half-way because the
            // request that started it went away.
            tokio::spawn(self.clone().commit_batches(org));
        }
        answer
            .await
            .map_err(|_| Error::Internal("a queued write was dropped".into()))?
    }

    fn lock_queues(&self) -> Result<std::sync::MutexGuard<'_, HashMap<OrgId, Vec<Pending>>>> {
        self.queues
            .lock()
            .map_err(|_| Error::Internal("write queues poisoned".into()))
    }

    /// Commits the org's queued jobs, batch after batch, until none is left.
    async fn commit_batches(self, org: OrgId) {
        loop {
            let batch: Vec<Pending> = {
                let Ok(mut queues) = self.lock_queues() else {
                    return;
                };
                let Some(pending) = queues.get_mut(&org) else {
                    return;
                };
                if pending.is_empty() {
                    queues.remove(&org);
                    return;
                }
                let take = pending.len().min(MAX_BATCH);
                pending.drain(..take).collect()
            };
            self.commit(org, batch).await;
        }
    }

    async fn commit(&self, org: OrgId, mut batch: Vec<Pending>) {
        if batch.len() == 1 {
            if let Some(Pending { job, reply }) = batch.pop() {
                let _ = reply.send(self.db.write(org_job(WriteTarget::Org(org), job)).await);
            }
            return;
        }
        let (jobs, replies): (Vec<WriteJob>, Vec<_>) =
            batch.into_iter().map(|p| (p.job, p.reply)).unzip();
        let outcomes = match self.db.write(org_batch_job(org, jobs)).await {
            Ok(Ok(value)) => value
                .downcast::<BatchOutcomes>()
                .map(|v| *v)
                .map_err(|_| Error::Internal("a batch's result changed type".into())),
            Ok(Err(_)) => Err(Error::Internal("a batch rolled back".into())),
            Err(e) => Err(e),
        };
        match outcomes {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            Err(e) => {
                for reply in replies {
                    let _ = reply.send(Err(match &e {
                        e if e.is_no_such_org() => Error::no_such_org(),
                        // A database that is slow or unavailable stays so
                        // for every job of the batch (API-DESIGN 194, 204).
                        Error::TimedOut => Error::TimedOut,
                        Error::Unavailable { read_only } => Error::Unavailable {
                            read_only: *read_only,
                        },
                        e => Error::Internal(e.to_string()),
                    }));
                }
            }
        }
    }
}
