//! Shapes shared by every resource: references, paging info and write results.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A reference to another record as Zoho prints it: `{"name":…,"id":…}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reference {
    pub name: String,
    pub id: String,
}

/// Paging info of a list response; `count` is the number of items on this page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Info {
    pub per_page: u32,
    pub count: u32,
    pub page: u32,
    pub more_records: bool,
}

/// One per-item result of a write (`{"code":"SUCCESS","details":{"id":…},…}`),
/// or a per-item error in the same envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ActionResult {
    pub code: String,
    pub details: Value,
    pub message: String,
    pub status: String,
}

impl ActionResult {
    /// A success result for the record `id`.
    pub fn success(id: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: "SUCCESS".to_owned(),
            details: serde_json::json!({ "id": id.into() }),
            message: message.into(),
            status: "success".to_owned(),
        }
    }

    /// A write accepted as a job (`SCHEDULED`): `details` has its `job_id`.
    pub fn scheduled(job_id: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: "SCHEDULED".to_owned(),
            details: serde_json::json!({ "job_id": job_id.into() }),
            message: message.into(),
            status: "success".to_owned(),
        }
    }

    /// Whether this item succeeded.
    pub fn is_success(&self) -> bool {
        self.status == "success"
    }

    /// The `details.id` of a success result.
    pub fn id(&self) -> Option<&str> {
        self.details.get("id").and_then(Value::as_str)
    }
}
