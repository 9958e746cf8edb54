//! Emulator behaviour (SPEC 11, API-DESIGN 144): per-org choices between
//! answers Zoho's files allow, set through the control plane
//! (`/_orgdir/orgs/{org}/behaviour`) and forgotten by a reset of the org.
//! Stored as (name, value) rows, so a new control needs no new column.

use crate::input::Fields;
use crate::{Error, Result};
use serde_json::{json, Value};

/// How `DELETE /settings/user_groups/{id}` answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GroupDeletion {
    /// `SUCCESS` with the group's id: Zoho's documented answer (decision 55).
    #[default]
    Immediate,
    /// `SCHEDULED` with a `job_id` that `deletion_jobs` answers for.
    Scheduled,
}

impl GroupDeletion {
    /// The value as the control plane writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Immediate => "immediate",
            Self::Scheduled => "scheduled",
        }
    }

    /// Parses a value (exact, lower case).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "immediate" => Some(Self::Immediate),
            "scheduled" => Some(Self::Scheduled),
            _ => None,
        }
    }
}

/// The name of the user group deletion control.
pub const USER_GROUP_DELETION: &str = "user_group_deletion";

/// An org's behaviour: every control, with its default when never set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Behaviour {
    pub user_group_deletion: GroupDeletion,
}

impl Behaviour {
    /// The behaviour stored as (name, value) rows; a name orgdir does not
    /// know is a fault (only [`Behaviour::pairs`] writes them).
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self> {
        let mut behaviour = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                USER_GROUP_DELETION => {
                    behaviour.user_group_deletion = GroupDeletion::parse(value)
                        .ok_or_else(|| Error::internal(format!("stored {name} is {value:?}")))?;
                }
                _ => {
                    return Err(Error::internal(format!(
                        "unknown stored behaviour {name:?}"
                    )))
                }
            }
        }
        Ok(behaviour)
    }

    /// Every control as (name, value), to store.
    pub fn pairs(&self) -> Vec<(&'static str, &'static str)> {
        vec![(USER_GROUP_DELETION, self.user_group_deletion.as_str())]
    }

    /// The behaviour as the control plane shows it.
    pub fn to_json(&self) -> Value {
        json!({ USER_GROUP_DELETION: self.user_group_deletion.as_str() })
    }

    /// Applies a `PUT` body: each key given replaces its control, the
    /// others are kept. An unknown key, or a value a control does not take,
    /// is `INVALID_DATA` at `$.<key>`, and nothing changes.
    pub fn apply(&self, body: &Value) -> Result<Self> {
        let fields = Fields::new(body, "$")?;
        let mut next = *self;
        for (key, value) in fields.map {
            let path = fields.path_of(key);
            match key.as_str() {
                USER_GROUP_DELETION => {
                    next.user_group_deletion = value
                        .as_str()
                        .and_then(GroupDeletion::parse)
                        .ok_or_else(|| {
                            Error::invalid_field(
                                path,
                                "user_group_deletion must be immediate or scheduled",
                            )
                        })?;
                }
                _ => return Err(Error::invalid_field(path, "no such behaviour")),
            }
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_known_keys_only() {
        let base = Behaviour::default();
        let scheduled = base
            .apply(&json!({"user_group_deletion":"scheduled"}))
            .expect("ok");
        assert_eq!(scheduled.user_group_deletion, GroupDeletion::Scheduled);
        assert_eq!(scheduled.apply(&json!({})).expect("ok"), scheduled);
        assert!(base.apply(&json!({"user_group_deletion":"later"})).is_err());
        assert!(base.apply(&json!({"user_group_deletion":null})).is_err());
        assert!(base.apply(&json!({"other":"x"})).is_err());
        assert!(base.apply(&json!([])).is_err());
        let pairs: Vec<(String, String)> = scheduled
            .pairs()
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(Behaviour::from_pairs(&pairs).expect("ok"), scheduled);
    }
}
