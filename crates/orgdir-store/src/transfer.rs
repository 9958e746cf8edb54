//! Transfer-and-delete jobs: the `transfer_jobs` rows.

use crate::args;
use crate::db::{versioned_sql, Cols};
use crate::static_sql;
use crate::tx::SqlTx;
use crate::SqlStore;
use orgdir_core::store::{TransferStore, TransferWrites, Versioned};
use orgdir_core::transfer::{JobStatus, TransferJob};
use orgdir_core::{Error, OrgId, Result, ZohoId};

/// A job's columns, read by [`job_from`].
const JOB_COLUMNS: &str =
    "j.id, j.user_id, j.transfer_to, j.subordinates_to, j.status, j.reason, j.created_at";

fn job_from(c: &mut Cols<'_>) -> Result<TransferJob> {
    let id = c.id()?;
    let user_id = c.id()?;
    let transfer_to = c.opt_id()?;
    let subordinates_to = c.opt_id()?;
    let status = c.text()?;
    Ok(TransferJob {
        id,
        user_id,
        transfer_to,
        subordinates_to,
        status: JobStatus::parse(&status)
            .ok_or_else(|| Error::Internal(format!("bad stored job status {status:?}")))?,
        reason: c.opt_text()?,
        created_at: c.i64()?,
    })
}

#[async_trait::async_trait]
impl TransferStore for SqlStore {
    async fn transfer_job(&self, org: OrgId, id: ZohoId) -> Result<Versioned<Option<TransferJob>>> {
        let sql = static_sql!(versioned_sql(&format!(
            "SELECT {JOB_COLUMNS} FROM transfer_jobs j WHERE j.org_id = ?1 AND j.id = ?2"
        )));
        let read = self
            .read()
            .await?
            .fetch_versioned(org, sql, args![org, id], job_from)
            .await?;
        Ok(read.map(|jobs| jobs.into_iter().next()))
    }
}

#[async_trait::async_trait]
impl TransferWrites for SqlTx<'_> {
    async fn insert_transfer_job(&mut self, job: &TransferJob) -> Result<()> {
        self.c
            .run(
                "INSERT INTO transfer_jobs (org_id, id, user_id, transfer_to, subordinates_to, \
                 status, reason, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                args![
                    self.org.id,
                    job.id,
                    job.user_id,
                    job.transfer_to,
                    job.subordinates_to,
                    job.status.as_str(),
                    &job.reason,
                    job.created_at
                ],
            )
            .await
            .map(|_| ())
    }
}
