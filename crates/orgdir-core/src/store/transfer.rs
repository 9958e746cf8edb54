//! Transfer-and-delete jobs (issue 13): one record per accepted request.

use super::Versioned;
use crate::transfer::TransferJob;
use crate::{OrgId, Result, ZohoId};

/// Reads of transfer-and-delete jobs.
#[async_trait::async_trait]
pub trait TransferStore {
    /// One job of the org.
    async fn transfer_job(&self, org: OrgId, id: ZohoId) -> Result<Versioned<Option<TransferJob>>>;
}

/// Writes of transfer-and-delete jobs.
#[async_trait::async_trait]
pub trait TransferWrites {
    /// Records a job.
    async fn insert_transfer_job(&mut self, job: &TransferJob) -> Result<()>;
}
