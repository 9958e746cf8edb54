//! Transfer and delete users (issue 13, API-DESIGN 150 to 157): a request
//! read from its body (`{"transfer_and_delete":[{"id","transfer",
//! "move_subordinate"}]}`), and the job each accepted request records.

use crate::input::{body_array, Fields};
use crate::{Error, Result, ZohoId};
use serde_json::Value;

/// The resource key of the body and of every answer.
pub const KEY: &str = "transfer_and_delete";

/// The JSON path of the one item.
pub const ITEM_PATH: &str = "$.transfer_and_delete[0]";

/// `transfer`: who receives what the user holds, with Zoho's three flags.
/// The flags name what Zoho moves besides (open records, assignment rules,
/// criteria); orgdir holds none of those, so they are checked (booleans)
/// and change nothing (API-DESIGN 152).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer {
    pub to: ZohoId,
    pub records: Option<bool>,
    pub assignment: Option<bool>,
    pub criteria: Option<bool>,
}

/// One validated request item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferAndDelete {
    /// The user to delete.
    pub user: ZohoId,
    pub transfer: Option<Transfer>,
    /// `move_subordinate.id`: who the user's subordinates report to.
    pub move_subordinate: Option<ZohoId>,
}

/// The one item of a request body: at most one (Zoho deletes one user per
/// request, API-DESIGN 151).
pub fn item(body: &Value) -> Result<&Value> {
    match body_array(body, KEY)?.as_slice() {
        [one] => Ok(one),
        _ => Err(Error::invalid_field(
            format!("$.{KEY}"),
            "You are trying to delete more than one user through this API",
        )),
    }
}

impl TransferAndDelete {
    /// Reads the item at [`ITEM_PATH`]. `user` is the id of the path, when
    /// the route has one (an `id` in the body is then ignored); otherwise
    /// the body's `id` is required.
    pub fn from_json(item: &Value, user: Option<ZohoId>) -> Result<Self> {
        let fields = Fields::new(item, ITEM_PATH)?;
        let user = match user {
            Some(id) => id,
            None => fields.req_ref("id")?,
        };
        let present = |key: &str| fields.map.get(key).is_some_and(|v| !v.is_null());
        if !present("transfer") && !present("move_subordinate") {
            return Err(Error::ExpectedFieldMissing {
                json_paths: vec![
                    fields.path_of("transfer"),
                    fields.path_of("move_subordinate"),
                ],
            });
        }
        // Both are references (SPEC 1): an id, or an object with an `id`.
        let transfer = match fields.map.get("transfer") {
            None | Some(Value::Null) => None,
            Some(Value::Object(_)) => {
                let transfer = Fields::new(&fields.map["transfer"], fields.path_of("transfer"))?;
                Some(Transfer {
                    to: transfer.req_ref("id")?,
                    records: transfer.opt_bool("records")?,
                    assignment: transfer.opt_bool("assignment")?,
                    criteria: transfer.opt_bool("criteria")?,
                })
            }
            Some(_) => fields.opt_ref("transfer")?.map(|to| Transfer {
                to,
                records: None,
                assignment: None,
                criteria: None,
            }),
        };
        let move_subordinate = fields.opt_ref("move_subordinate")?;
        Ok(Self {
            user,
            transfer,
            move_subordinate,
        })
    }
}

/// How a job ended. orgdir runs a job inside the request that starts it,
/// so no job is ever seen `scheduled` or `in_progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Everything moved and the user is deleted.
    Completed,
    /// It stopped after its checks passed; nothing it did was kept.
    Failed,
}

impl JobStatus {
    /// The status as Zoho writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }

    /// Parses a stored status.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "completed" => Some(Self::Completed),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// The record of one transfer-and-delete job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferJob {
    /// From the org's id sequence.
    pub id: ZohoId,
    /// The user deleted (or, for a failed job, not deleted).
    pub user_id: ZohoId,
    /// Who received what the user held (`transfer.id`).
    pub transfer_to: Option<ZohoId>,
    /// Who the subordinates went to (`move_subordinate.id`, else the transferee).
    pub subordinates_to: Option<ZohoId>,
    pub status: JobStatus,
    /// Why a failed job failed.
    pub reason: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Details;
    use serde_json::json;

    fn path_of(error: Error) -> String {
        match error {
            Error::InvalidData {
                details: Details::Field { json_path, .. },
                ..
            }
            | Error::MandatoryNotFound {
                details: Details::Field { json_path, .. },
            } => json_path,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_item_reads_both_shapes_of_reference() {
        let item = json!({"id":"9","transfer":"5","move_subordinate":"6"});
        let read = TransferAndDelete::from_json(&item, None).expect("ids alone");
        assert_eq!(read.transfer.map(|t| t.to), Some(ZohoId(5)));
        assert_eq!(read.move_subordinate, Some(ZohoId(6)));
        let item =
            json!({"id":"9","transfer":{"id":5,"records":true},"move_subordinate":{"id":"6"}});
        let read = TransferAndDelete::from_json(&item, None).expect("item");
        assert_eq!(read.user, ZohoId(9));
        assert_eq!(
            read.transfer,
            Some(Transfer {
                to: ZohoId(5),
                records: Some(true),
                assignment: None,
                criteria: None
            })
        );
        assert_eq!(read.move_subordinate, Some(ZohoId(6)));
        // The path's id wins over the body's.
        let read = TransferAndDelete::from_json(&item, Some(ZohoId(3))).expect("item");
        assert_eq!(read.user, ZohoId(3));
    }

    #[test]
    fn mistakes_name_their_field() {
        let cases = [
            (
                json!({"transfer":{"id":"5"}}),
                "$.transfer_and_delete[0].id",
            ),
            (
                json!({"id":"x","transfer":{"id":"5"}}),
                "$.transfer_and_delete[0].id",
            ),
            (
                json!({"id":"9","transfer":{}}),
                "$.transfer_and_delete[0].transfer.id",
            ),
            (
                json!({"id":"9","transfer":{"id":"5","criteria":"yes"}}),
                "$.transfer_and_delete[0].transfer.criteria",
            ),
            (
                json!({"id":"9","move_subordinate":{"id":"abc"}}),
                "$.transfer_and_delete[0].move_subordinate.id",
            ),
            (
                json!({"id":"9","transfer":true}),
                "$.transfer_and_delete[0].transfer",
            ),
            (json!("9"), "$.transfer_and_delete[0]"),
        ];
        for (item, path) in cases {
            let error = TransferAndDelete::from_json(&item, None).expect_err(path);
            assert_eq!(path_of(error), path, "{item}");
        }
        match TransferAndDelete::from_json(&json!({"id":"9"}), None) {
            Err(Error::ExpectedFieldMissing { json_paths }) => assert_eq!(
                json_paths,
                [
                    "$.transfer_and_delete[0].transfer",
                    "$.transfer_and_delete[0].move_subordinate"
                ]
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn one_item_only() {
        assert!(item(&json!({"transfer_and_delete":[{}]})).is_ok());
        assert!(matches!(
            item(&json!({"transfer_and_delete":[{},{}]})),
            Err(Error::InvalidData { .. })
        ));
        assert!(matches!(
            item(&json!({"transfer_and_delete":[]})),
            Err(Error::MandatoryNotFound { .. })
        ));
    }
}
