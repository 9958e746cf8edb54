//! Territories: a tree under the org's root territory, users associated
//! many-to-many, and the maintained per-territory member count behind
//! `GET /settings/territories/actions/associated_users_count` (SPEC 3, 4.4).

pub mod filter;

use crate::input::Fields;
use crate::{Error, Result, ZohoId};
use serde_json::Value;

pub use filter::TerritoryFilter;

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

/// One item of `POST /settings/territories[/{id}]/actions/transfer_and_delete`
/// (the territory's id is read by the route).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer {
    /// The territory that receives the deleted one's children, users and
    /// group sources.
    pub transfer_to: ZohoId,
    /// Whether the territory's previous forecasts go too: when they do,
    /// nothing refers to it any more and it is not remembered.
    pub delete_previous_forecasts: bool,
}

impl Transfer {
    /// Reads one item at `path`: `transfer_to_id` (an id, as a string, a
    /// number or `{"id"}`) and `delete_previous_forecasts` (a boolean) are
    /// both required, as Zoho's page says.
    pub fn from_json(value: &Value, path: &str) -> Result<Self> {
        let f = Fields::new(value, path)?;
        let transfer_to = f.req_ref("transfer_to_id")?;
        let delete_previous_forecasts = f
            .opt_bool("delete_previous_forecasts")?
            .ok_or_else(|| Error::mandatory(f.path_of("delete_previous_forecasts")))?;
        Ok(Self {
            transfer_to,
            delete_previous_forecasts,
        })
    }
}

/// A deleted territory orgdir remembers: one deleted while its previous
/// forecasts were kept (`GET /settings/territories/actions/deleted_associated_territories`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedTerritory {
    pub id: ZohoId,
    pub name: String,
    pub deleted_at: i64,
    pub deleted_by: ZohoId,
}

/// A deleted territory with the name of who deleted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedTerritoryDetails {
    pub deleted: DeletedTerritory,
    pub deleted_by_name: Option<String>,
}

/// The `*_rule_criteria` keys a territory is printed with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleCriteria {
    pub lead: bool,
    pub account: bool,
    pub deal: bool,
}

impl RuleCriteria {
    /// All three keys (one territory, and a territory's children).
    pub const ALL: Self = Self {
        lead: true,
        account: true,
        deal: true,
    };

    /// The list's `include`: a comma-separated list of
    /// `lead_rule_criteria`, `account_rule_criteria` and
    /// `deal_rule_criteria`; anything else is `INVALID_DATA` `{"param_name":"include"}`.
    pub fn parse_include(text: &str) -> Result<Self> {
        let mut keys = Self::default();
        for value in text.split(',').map(str::trim) {
            match value {
                "lead_rule_criteria" => keys.lead = true,
                "account_rule_criteria" => keys.account = true,
                "deal_rule_criteria" => keys.deal = true,
                _ => {
                    return Err(Error::invalid_param(
                        "include",
                        "include takes lead_rule_criteria, account_rule_criteria and deal_rule_criteria",
                    ))
                }
            }
        }
        Ok(keys)
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

    #[test]
    fn reads_transfers() {
        let t = Transfer::from_json(
            &json!({"transfer_to_id":"7","delete_previous_forecasts":false}),
            "$.territories[0]",
        )
        .expect("valid");
        assert_eq!(t.transfer_to, ZohoId(7));
        assert!(!t.delete_previous_forecasts);
        let number = Transfer::from_json(
            &json!({"transfer_to_id":7,"delete_previous_forecasts":true}),
            "$",
        )
        .expect("a number, as the SDK sends");
        assert!(number.delete_previous_forecasts);
        for bad in [
            json!({"delete_previous_forecasts":false}),
            json!({"transfer_to_id":"7"}),
            json!({"transfer_to_id":"x","delete_previous_forecasts":false}),
            json!({"transfer_to_id":"7","delete_previous_forecasts":"no"}),
        ] {
            assert!(Transfer::from_json(&bad, "$").is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_include() {
        let both =
            RuleCriteria::parse_include("lead_rule_criteria, deal_rule_criteria").expect("valid");
        assert!(both.lead && both.deal && !both.account);
        for bad in [
            "",
            "sources_count",
            "lead_rule_criteria,",
            "Lead_Rule_Criteria",
        ] {
            assert!(RuleCriteria::parse_include(bad).is_err(), "{bad:?}");
        }
    }
}
