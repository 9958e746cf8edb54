//! Users' unavailability (issue 13): periods a user is unavailable, the
//! items of Zoho's `POST`/`PUT /settings/users_unavailability` bodies, and
//! the list's parameters ([`filter`] has the `filters` grammar on `from`
//! and `to`).

pub mod filter;

use crate::input::Fields;
use crate::{Error, Result, ZohoId};
use serde_json::Value;

pub use filter::TimeFilter;

/// Longest `comments`, in characters (Zoho's OAS and SDK: `maxLength` 250).
pub const MAX_COMMENTS: usize = 250;

/// Zoho's message when a period does not start before it ends.
pub const STARTS_BEFORE_ENDS: &str =
    "Ensure that the unavailability time period starts before the time it ends";

/// One period a user is unavailable; `from < to`, in Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailability {
    pub id: ZohoId,
    pub user_id: ZohoId,
    pub from: i64,
    pub to: i64,
    pub all_day: bool,
    pub comments: Option<String>,
}

/// A period with its user's full name and zuid, as the reads show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnavailabilityDetails {
    pub unavailability: Unavailability,
    pub user_name: String,
    pub user_zuid: Option<String>,
}

/// Which periods a list reads: every condition given must hold, and a list
/// holds when the user matches any of its ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnavailabilityQuery {
    /// Only this user's periods (a non-admin sees only their own).
    pub owner: Option<ZohoId>,
    /// Users whose role is one of these.
    pub role_ids: Vec<ZohoId>,
    /// Users directly associated with one of these territories.
    pub territory_ids: Vec<ZohoId>,
    /// Users who are associated users of one of these groups (SPEC 3).
    pub group_ids: Vec<ZohoId>,
}

/// A validated create item. `user` absent means the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUnavailability {
    pub user: Option<ZohoId>,
    pub from: i64,
    pub to: i64,
    pub all_day: bool,
    pub comments: Option<String>,
}

/// A validated update item: what is given changes, the rest stays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnavailabilityPatch {
    /// The user named, which must be the period's own (it cannot move).
    pub user: Option<ZohoId>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub all_day: Option<bool>,
    /// `Some(None)` clears the comments.
    pub comments: Option<Option<String>>,
}

/// An optional date and time with offset (`2021-02-18T19:00:00+05:30`);
/// `null` and `""` read as absent.
fn opt_time(f: &Fields<'_>, key: &str) -> Result<Option<i64>> {
    match f.map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => crate::time::parse(s.trim()).map(Some).ok_or_else(|| {
            Error::invalid_field(
                f.path_of(key),
                format!("{key} must be a date and time with offset, as 2021-02-18T19:00:00+05:30"),
            )
        }),
        Some(_) => Err(Error::invalid_field(
            f.path_of(key),
            format!("{key} must be a string"),
        )),
    }
}

fn req_time(f: &Fields<'_>, key: &str) -> Result<i64> {
    opt_time(f, key)?.ok_or_else(|| Error::mandatory(f.path_of(key)))
}

/// `INVALID_DATA` at `path` for a period that does not start before it ends.
pub fn ends_before_start(path: String) -> Error {
    Error::invalid_field(path, STARTS_BEFORE_ENDS)
}

impl NewUnavailability {
    /// Reads one item of a create body at `path`: `from` and `to`
    /// required, `from` before `to`; `comments`, `all_day` and `user`
    /// optional. Other keys are ignored.
    pub fn from_json(value: &Value, path: &str) -> Result<Self> {
        let f = Fields::new(value, path)?;
        let from = req_time(&f, "from")?;
        let to = req_time(&f, "to")?;
        if from >= to {
            return Err(ends_before_start(f.path_of("to")));
        }
        Ok(Self {
            comments: f.opt_str("comments", MAX_COMMENTS)?,
            all_day: f.opt_bool("all_day")?.unwrap_or(false),
            user: f.opt_ref("user")?,
            from,
            to,
        })
    }
}

impl UnavailabilityPatch {
    /// Reads one item of an update body at `path` (its `id` is read by the
    /// route). `comments: null` clears the comments.
    pub fn from_json(value: &Value, path: &str) -> Result<Self> {
        let f = Fields::new(value, path)?;
        Ok(Self {
            from: opt_time(&f, "from")?,
            to: opt_time(&f, "to")?,
            comments: if f.has("comments") {
                Some(f.opt_str("comments", MAX_COMMENTS)?)
            } else {
                None
            },
            all_day: f.opt_bool("all_day")?,
            user: f.opt_ref("user")?,
        })
    }

    /// `period` with this patch applied, or `INVALID_DATA` (at `to` when
    /// given, else at `from`, under `path`) when it would not start before
    /// it ends.
    pub fn apply(&self, period: &mut Unavailability, path: &str) -> Result<()> {
        let from = self.from.unwrap_or(period.from);
        let to = self.to.unwrap_or(period.to);
        if from >= to {
            let key = if self.to.is_some() { "to" } else { "from" };
            return Err(ends_before_start(format!("{path}.{key}")));
        }
        period.from = from;
        period.to = to;
        if let Some(all_day) = self.all_day {
            period.all_day = all_day;
        }
        if let Some(comments) = &self.comments {
            period.comments = comments.clone();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(e: Error) -> String {
        match e {
            Error::InvalidData { details, .. } | Error::MandatoryNotFound { details } => {
                match details {
                    crate::Details::Field { json_path, .. } => json_path,
                    other => panic!("{other:?}"),
                }
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_a_create_item() {
        let item = json!({"from":"2021-02-18T19:00:00+05:30","to":"2021-02-18T20:00:00+05:30",
            "comments":"Unavailable","user":{"id":"55"}});
        let new = NewUnavailability::from_json(&item, "$.u[0]").expect("valid");
        assert_eq!(new.to - new.from, 3600);
        assert_eq!(new.user, Some(ZohoId(55)));
        assert!(!new.all_day);
        assert_eq!(new.comments.as_deref(), Some("Unavailable"));
    }

    #[test]
    fn refuses_bad_create_items() {
        let at = |v: Value| field_of(NewUnavailability::from_json(&v, "$.u[0]").expect_err("bad"));
        let from = "2021-02-18T19:00:00+05:30";
        assert_eq!(at(json!({"to": from})), "$.u[0].from");
        assert_eq!(at(json!({"from": from})), "$.u[0].to");
        assert_eq!(at(json!({"from": "tomorrow", "to": from})), "$.u[0].from");
        assert_eq!(at(json!({"from": 5, "to": from})), "$.u[0].from");
        assert_eq!(at(json!({"from": from, "to": from})), "$.u[0].to");
        let long = "x".repeat(MAX_COMMENTS + 1);
        let later = "2021-02-18T20:00:00+05:30";
        assert_eq!(
            at(json!({"from": from, "to": later, "comments": long})),
            "$.u[0].comments"
        );
        assert_eq!(
            at(json!({"from": from, "to": later, "all_day": "yes"})),
            "$.u[0].all_day"
        );
        assert_eq!(
            at(json!({"from": from, "to": later, "user": "x"})),
            "$.u[0].user"
        );
        assert_eq!(at(json!([])), "$.u[0]");
    }

    #[test]
    fn patches_apply_partially() {
        let mut period = Unavailability {
            id: ZohoId(1),
            user_id: ZohoId(2),
            from: 100,
            to: 200,
            all_day: false,
            comments: Some("x".into()),
        };
        let patch =
            UnavailabilityPatch::from_json(&json!({"comments": null}), "$.u[0]").expect("valid");
        patch.apply(&mut period, "$.u[0]").expect("applies");
        assert_eq!(
            (period.from, period.to, period.comments.clone()),
            (100, 200, None)
        );
        let late = UnavailabilityPatch {
            from: Some(300),
            ..Default::default()
        };
        let e = late
            .apply(&mut period, "$.u[0]")
            .expect_err("after the end");
        assert_eq!(field_of(e), "$.u[0].from");
        assert_eq!(period.from, 100, "unchanged");
    }
}
