//! Territories: a tree under the org's root territory, users associated
//! many-to-many, and the maintained per-territory member count behind
//! `GET /settings/territories/actions/associated_users_count` (SPEC 3, 4.4).

use crate::input::Fields;
use crate::{Error, Result, ZohoId};
use serde_json::Value;

/// Who may do what with a territory's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PermissionType {
    #[default]
    ReadOnly,
    ReadWriteDelete,
}

impl PermissionType {
    /// Wire and storage form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "read_only",
            Self::ReadWriteDelete => "read_write_delete",
        }
    }

    /// Parses the wire form.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "read_only" => Some(Self::ReadOnly),
            "read_write_delete" => Some(Self::ReadWriteDelete),
            _ => None,
        }
    }
}

/// A territory.
#[derive(Debug, Clone, PartialEq)]
pub struct Territory {
    pub id: ZohoId,
    pub name: String,
    pub api_name: String,
    pub description: Option<String>,
    pub manager: Option<ZohoId>,
    /// `None` only for the root territory.
    pub reporting_to: Option<ZohoId>,
    pub permission_type: PermissionType,
    /// Users directly associated (managers included), maintained with every association write.
    pub member_count: u64,
    pub created_at: i64,
    pub modified_at: i64,
    pub created_by: Option<ZohoId>,
    pub modified_by: Option<ZohoId>,
}

impl Territory {
    /// Whether this is the org's root territory.
    pub fn is_root(&self) -> bool {
        self.reporting_to.is_none()
    }
}

/// A territory with the names of what it references, for printing.
#[derive(Debug, Clone, PartialEq)]
pub struct TerritoryDetails {
    pub territory: Territory,
    pub manager_name: Option<String>,
    pub reporting_to_name: Option<String>,
    pub created_by_name: Option<String>,
    pub modified_by_name: Option<String>,
}

/// A territory a user belongs to, as the user record shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub user_id: ZohoId,
    pub territory_id: ZohoId,
    pub territory_name: String,
    /// Whether the user manages this territory.
    pub manager: bool,
}

const MAX_NAME: usize = 50;
const MAX_DESCRIPTION: usize = 250;

/// An `api_name` made from a name: letters, digits and underscores.
pub fn api_name_from(name: &str) -> String {
    let mut api: String = name
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if api.is_empty() || api.starts_with(|c: char| c.is_ascii_digit()) {
        api.insert(0, 'T');
    }
    api
}

/// A validated territory create item.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTerritory {
    pub name: String,
    pub api_name: Option<String>,
    pub description: Option<String>,
    pub manager: Option<ZohoId>,
    pub reporting_to: ZohoId,
    pub permission_type: PermissionType,
}

/// A validated territory update item: only the fields given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TerritoryPatch {
    pub name: Option<String>,
    pub api_name: Option<String>,
    pub description: Option<Option<String>>,
    pub manager: Option<Option<ZohoId>>,
    pub reporting_to: Option<ZohoId>,
    pub permission_type: Option<PermissionType>,
}

fn permission(f: &Fields<'_>) -> Result<Option<PermissionType>> {
    match f.opt_str("permission_type", 40)? {
        None => Ok(None),
        Some(text) => PermissionType::parse(&text).map(Some).ok_or_else(|| {
            Error::invalid_field(
                f.path_of("permission_type"),
                "permission_type must be read_only or read_write_delete",
            )
        }),
    }
}

impl NewTerritory {
    /// Reads one item of a create body at `path`.
    pub fn from_json(value: &Value, path: &str) -> Result<Self> {
        let f = Fields::new(value, path)?;
        Ok(Self {
            name: f.req_str("name", MAX_NAME)?.trim().to_owned(),
            api_name: f.opt_str("api_name", MAX_NAME)?,
            description: f.opt_str("description", MAX_DESCRIPTION)?,
            manager: f.opt_ref("manager")?,
            reporting_to: f.req_ref("reporting_to")?,
            permission_type: permission(&f)?.unwrap_or_default(),
        })
    }
}

impl TerritoryPatch {
    /// Reads one item of an update body at `path`.
    pub fn from_json(value: &Value, path: &str) -> Result<Self> {
        let f = Fields::new(value, path)?;
        let name = match f.opt_str("name", MAX_NAME)? {
            Some(n) if n.trim().is_empty() => return Err(Error::mandatory(f.path_of("name"))),
            other => other.map(|n| n.trim().to_owned()),
        };
        Ok(Self {
            name,
            api_name: f.opt_str("api_name", MAX_NAME)?,
            description: if f.has("description") {
                Some(f.opt_str("description", MAX_DESCRIPTION)?)
            } else {
                None
            },
            manager: if f.has("manager") {
                Some(f.opt_ref("manager")?)
            } else {
                None
            },
            reporting_to: match f.map.get("reporting_to") {
                Some(Value::Null) => {
                    return Err(Error::invalid_field(
                        f.path_of("reporting_to"),
                        "only the root territory has no parent",
                    ))
                }
                _ => f.opt_ref("reporting_to")?,
            },
            permission_type: permission(&f)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn api_names() {
        assert_eq!(api_name_from("Chennai North"), "Chennai_North");
        assert_eq!(api_name_from("1st"), "T1st");
        assert_eq!(api_name_from(""), "T");
    }

    #[test]
    fn reads_items() {
        let t = NewTerritory::from_json(
            &json!({"name":" West ","reporting_to":{"id":"5"}}),
            "$.territories[0]",
        )
        .expect("valid");
        assert_eq!(t.name, "West");
        assert_eq!(t.permission_type, PermissionType::ReadOnly);
        assert!(NewTerritory::from_json(&json!({"name":"W"}), "$").is_err());
        let p = TerritoryPatch::from_json(&json!({"manager":null}), "$").expect("valid");
        assert_eq!(p.manager, Some(None));
        assert!(TerritoryPatch::from_json(&json!({"reporting_to":null}), "$").is_err());
        assert!(TerritoryPatch::from_json(&json!({"permission_type":"all"}), "$").is_err());
    }
}
