//! Transfer and delete users (`/users/{id}/actions/transfer_and_delete`,
//! `/users/actions/transfer_and_delete`): the request body, the answer to a
//! `POST` and a job's status, as Zoho prints them.

use serde::{Deserialize, Serialize};

/// `transfer` of a request item: who receives what the user holds, and
/// Zoho's three flags (orgdir checks they are booleans).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Transfer {
    /// The user who receives what the deleted user holds.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<bool>,
}

/// `move_subordinate` of a request item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MoveSubordinate {
    /// The user the deleted user's subordinates report to from now on.
    pub id: String,
}

/// One item of a request: at least one of `transfer` and `move_subordinate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransferAndDeleteItem {
    /// The user to delete (`POST /users/actions/transfer_and_delete` only;
    /// ignored on the route with the id in its path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<Transfer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub move_subordinate: Option<MoveSubordinate>,
}

/// `{"transfer_and_delete":[item]}`: exactly one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransferAndDeleteBody {
    pub transfer_and_delete: Vec<TransferAndDeleteItem>,
}

/// The details of an accepted job: its id (`jobId`, as Zoho's page, file
/// and SDK spell it) and the deleted user's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransferDetails {
    #[serde(rename = "jobId")]
    pub job_id: String,
    pub id: String,
}

/// The answer to an accepted `POST`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransferResult {
    pub code: String,
    pub details: TransferDetails,
    pub message: String,
    pub status: String,
}

impl TransferResult {
    /// Zoho's message for an accepted transfer (its Transfer and Delete page).
    pub const MESSAGE: &'static str = "user is deleted successfully";

    /// The success answer for job `job_id` deleting user `id`.
    pub fn success(job_id: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            code: "SUCCESS".to_owned(),
            details: TransferDetails {
                job_id: job_id.into(),
                id: id.into(),
            },
            message: Self::MESSAGE.to_owned(),
            status: "success".to_owned(),
        }
    }
}

/// `{"transfer_and_delete":[result]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransferResults {
    pub transfer_and_delete: Vec<TransferResult>,
}

/// A job's status: `completed` or `failed` (with why).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobStatus {
    pub status: String,
    /// Why a `failed` job failed; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `{"transfer_and_delete":[status]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobStatusBody {
    pub transfer_and_delete: Vec<JobStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_follow_zoho() {
        let result = TransferResults {
            transfer_and_delete: vec![TransferResult::success("7", "5")],
        };
        assert_eq!(
            serde_json::to_string(&result).expect("json"),
            r#"{"transfer_and_delete":[{"code":"SUCCESS","details":{"jobId":"7","id":"5"},"message":"user is deleted successfully","status":"success"}]}"#
        );
        let done = JobStatusBody {
            transfer_and_delete: vec![JobStatus {
                status: "completed".into(),
                reason: None,
            }],
        };
        assert_eq!(
            serde_json::to_string(&done).expect("json"),
            r#"{"transfer_and_delete":[{"status":"completed"}]}"#
        );
    }
}
