//! Transfer and delete users (issue 13, API-DESIGN 150 to 157): what a
//! user holds in orgdir — the territories it manages, the user sources of
//! groups naming it, the users reporting to it — moves to other users, and
//! then the user is deleted exactly as `DELETE /users/{id}` deletes. A
//! request is a job, run in one write transaction before the answer:
//! every check first (a refusal changes nothing and records nothing), then
//! the moves, the deletion and the job's record. A job that stops after
//! its checks passed is rolled back whole and recorded as `failed`.

use super::users::{self, MANAGE_USERS};
use super::{groups, membership, territories, Directory};
use crate::groups::SourceKind;
use crate::sessions::Caller;
use crate::store::OrgTx;
use crate::transfer::{JobStatus, Transfer, TransferAndDelete, TransferJob, ITEM_PATH};
use crate::users::User;
use crate::{user_fields, Details, Error, Result, ZohoId};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// What an accepted request did.
#[derive(Debug)]
pub struct Accepted {
    /// The user the request named.
    pub user: ZohoId,
    /// The job recorded.
    pub job: ZohoId,
    /// Why the job failed, when it did (nothing was changed then; the
    /// cause is for the log, the job's reason says only that it failed).
    pub failure: Option<Error>,
}

/// A request whose checks passed: what the job will do.
#[derive(Debug, Clone)]
struct Plan {
    /// The user to delete, as it was when checked.
    user: User,
    transfer: Option<Transfer>,
    /// Who the subordinates go to: `move_subordinate`, else the transferee.
    subordinates_to: Option<ZohoId>,
}

impl Plan {
    fn job(&self, id: ZohoId, status: JobStatus, reason: Option<String>) -> TransferJob {
        TransferJob {
            id,
            user_id: self.user.id,
            transfer_to: self.transfer.map(|t| t.to),
            subordinates_to: self.subordinates_to,
            status,
            reason,
            created_at: crate::time::now(),
        }
    }
}

/// `POST /users/{id}/actions/transfer_and_delete` and its bulk form.
/// `missing` is the error for a user id that names no user (it depends on
/// where the id was given). Refusals are errors; an accepted request
/// answers with its job, `completed` or `failed`.
pub async fn transfer_and_delete(
    dir: &Directory,
    caller: &Caller,
    request: TransferAndDelete,
    missing: impl FnOnce() -> Error + Send + 'static,
) -> Result<Accepted> {
    caller.require_admin(MANAGE_USERS)?;
    let checked: Arc<Mutex<Option<Plan>>> = Arc::default();
    let seen = Arc::clone(&checked);
    let written = dir
        .write_as(caller, move |tx, caller| {
            Box::pin(async move {
                let plan = check(tx, &caller, &request, missing).await?;
                if let Ok(mut slot) = seen.lock() {
                    *slot = Some(plan.clone());
                }
                run(tx, &caller, &plan).await
            })
        })
        .await;
    let failure = match written {
        Ok(job) => {
            return Ok(Accepted {
                user: job.user_id,
                job: job.id,
                failure: None,
            })
        }
        Err(error) => error,
    };
    let plan = checked.lock().ok().and_then(|mut slot| slot.take());
    let Some(plan) = plan else {
        // Refused before or by its checks: an error, and no job.
        return Err(failure);
    };
    // The job stopped after its checks passed: its transaction rolled back
    // whole, and it is recorded as failed in one of its own.
    let reason = if failure.is_internal() {
        "the job stopped on an internal error; nothing was changed".to_owned()
    } else {
        format!("{failure}; nothing was changed")
    };
    let user = plan.user.id;
    let recorded = dir
        .write_as(caller, move |tx, _| {
            Box::pin(async move {
                let job = plan.job(tx.next_id(), JobStatus::Failed, Some(reason));
                tx.insert_transfer_job(&job).await?;
                Ok(job.id)
            })
        })
        .await;
    match recorded {
        Ok(job) => Ok(Accepted {
            user,
            job,
            failure: Some(failure),
        }),
        // Not even the failure could be recorded: the first cause answers.
        Err(_) => Err(failure),
    }
}

/// `GET /users/actions/transfer_and_delete?job_id=`: a job of the caller's org.
pub async fn job(dir: &Directory, caller: &mut Caller, id: ZohoId) -> Result<Option<TransferJob>> {
    let read = dir.store().transfer_job(caller.org_id(), id).await?;
    dir.confirm(caller, read).await
}

/// Every check, in order (API-DESIGN 154): the user as `DELETE` checks it
/// (exists, not deleted, not the primary user, not the caller); the
/// transferee; the subordinates' new manager.
async fn check(
    tx: &mut dyn OrgTx,
    caller: &Caller,
    request: &TransferAndDelete,
    missing: impl FnOnce() -> Error,
) -> Result<Plan> {
    let user = users::deletable(tx, caller, request.user, missing).await?;
    let transfer_path = format!("{ITEM_PATH}.transfer.id");
    if let Some(transfer) = request.transfer {
        if transfer.to == user.id {
            return Err(Error::invalid_field(
                &transfer_path,
                "the user being deleted cannot receive its own data",
            ));
        }
        // Active, as a territory manager must be (decision 64).
        territories::associable_user(tx, transfer.to, &transfer_path).await?;
    }
    let subordinates_to = match (request.move_subordinate, request.transfer) {
        (Some(to), _) => {
            let path = format!("{ITEM_PATH}.move_subordinate.id");
            if to == user.id {
                return Err(Error::invalid_field(
                    &path,
                    "the subordinates cannot move to the user being deleted",
                ));
            }
            territories::associable_user(tx, to, &path).await?;
            not_below(tx, to, user.id, &path).await?;
            Some(to)
        }
        (None, Some(transfer)) => {
            not_below(tx, transfer.to, user.id, &transfer_path).await?;
            Some(transfer.to)
        }
        (None, None) => None,
    };
    Ok(Plan {
        user,
        transfer: request.transfer,
        subordinates_to,
    })
}

/// Refuses `candidate` as the new manager of `boss`'s subordinates when it
/// reports to `boss`, directly or through others (`Reporting_To`): it
/// would end up reporting to itself. Zoho's `NOT_ALLOWED`.
async fn not_below(tx: &mut dyn OrgTx, candidate: ZohoId, boss: ZohoId, path: &str) -> Result<()> {
    let mut seen = HashSet::from([candidate]);
    let mut current = candidate;
    while let Some(user) = tx.user(current).await? {
        match user_fields::reporting_to(&user.extra) {
            Some(next) if next == boss => {
                return Err(Error::NotAllowed {
                    message: "the user reports to the user being deleted, directly or not: \
                              the subordinates cannot move to a subordinate"
                        .to_owned(),
                    details: Details::field(path),
                })
            }
            Some(next) if seen.insert(next) => current = next,
            // Nobody above, or a loop that does not pass through `boss`.
            _ => break,
        }
    }
    Ok(())
}

/// The moves, the deletion and the job's record, in one transaction.
async fn run(tx: &mut dyn OrgTx, caller: &Caller, plan: &Plan) -> Result<TransferJob> {
    let now = crate::time::now();
    let (user, by) = (plan.user.id, caller.user_id);
    if let Some(transfer) = plan.transfer {
        territories::hand_over_managed(tx, user, transfer.to, now, by).await?;
        let touched =
            groups::retarget_sources_naming(tx, SourceKind::Users, user, transfer.to).await?;
        // Recomputed while the user is still live: its own deletion below
        // then leaves every group the way `DELETE` does.
        membership::recompute(tx, &touched).await?;
    }
    if let Some(to) = plan.subordinates_to {
        for before in tx.users_reporting_to(user).await? {
            if before.id == user {
                continue;
            }
            let mut after = before.clone();
            user_fields::set_reporting_to(&mut after.extra, to);
            after.modified_at = now;
            after.modified_by = Some(by);
            users::update_counted(tx, &before, &after).await?;
        }
    }
    users::soft_delete(tx, caller, plan.user.clone()).await?;
    let job = plan.job(tx.next_id(), JobStatus::Completed, None);
    tx.insert_transfer_job(&job).await?;
    Ok(job)
}
