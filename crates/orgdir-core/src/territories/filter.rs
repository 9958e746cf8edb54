//! The `filters` of `GET /settings/territories` and of `GET
//! /settings/territories/{id}/__child_territories`: Zoho's table of fields
//! and comparators for territories (API-DESIGN 164), on the groups'
//! grammar (decision 82, [`parse_filters`]).

use super::PermissionType;
use crate::groups::{
    filter_error, filter_text, parse_filters, FilterTree, GroupOperator, RawCriterion,
};
use crate::unavailability::filter::{time, time_range};
use crate::{Result, ZohoId};
use serde_json::Value;

/// A territory column holding an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdField {
    Id,
    /// `reporting_to.id` (the root has none).
    ReportingTo,
    /// `manager.id` (a territory may have none).
    Manager,
    CreatedBy,
    ModifiedBy,
}

/// A territory timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeField {
    Created,
    Modified,
}

/// How `name` compares (in any letter case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameComparator {
    Equal,
    NotEqual,
    StartsWith,
    EndsWith,
    Contains,
    NotContains,
}

/// How a timestamp compares (in whole seconds); Zoho's table has no
/// `greater_equal` for territories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeComparator {
    Equal,
    LessThan,
    LessEqual,
    GreaterThan,
    /// Inclusive at both ends.
    Between,
}

/// One criterion on a territory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TerritoryCriterion {
    /// `equal` (`true`) or `not_equal` on an id; a territory without a
    /// parent or a manager is not equal to any id.
    Id {
        field: IdField,
        equal: bool,
        value: ZohoId,
    },
    /// `equal` (`true`) or `not_equal` on `permission_type`.
    Permission { equal: bool, value: PermissionType },
    /// On `name`; the value is lower-cased.
    Name {
        comparator: NameComparator,
        value: String,
    },
    /// On `created_time` / `modified_time`; `between` has an upper bound.
    Time {
        field: TimeField,
        comparator: TimeComparator,
        value: i64,
        upper: Option<i64>,
    },
}

/// A parsed territories `filters` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TerritoryFilter {
    Criterion(TerritoryCriterion),
    Group {
        operator: GroupOperator,
        members: Vec<TerritoryFilter>,
    },
}

impl TerritoryFilter {
    /// Parses the (already URL-decoded) `filters` parameter. Every mistake
    /// is `INVALID_DATA` with `param_name: filters`.
    pub fn parse(text: &str) -> Result<Self> {
        parse_filters(text)
    }
}

/// The field a criterion names, as Zoho's table spells it (`created_by`
/// and `modified_by` also with `.id`).
enum Field {
    Id(IdField),
    Permission,
    Name,
    Time(TimeField),
}

fn field(api_name: &str) -> Result<Field> {
    Ok(match api_name {
        "id" => Field::Id(IdField::Id),
        "reporting_to.id" => Field::Id(IdField::ReportingTo),
        "manager.id" => Field::Id(IdField::Manager),
        "created_by" | "created_by.id" => Field::Id(IdField::CreatedBy),
        "modified_by" | "modified_by.id" => Field::Id(IdField::ModifiedBy),
        "permission_type" => Field::Permission,
        "name" => Field::Name,
        "created_time" => Field::Time(TimeField::Created),
        "modified_time" => Field::Time(TimeField::Modified),
        other => {
            return Err(filter_error(format!(
                "{other:?} cannot be filtered on: give id, name, reporting_to.id, manager.id, \
                 permission_type, created_by, modified_by, created_time or modified_time"
            )))
        }
    })
}

/// `equal` (`true`) or `not_equal`, the comparators of ids and `permission_type`.
fn equality(comparator: &str, api_name: &str) -> Result<bool> {
    match comparator {
        "equal" => Ok(true),
        "not_equal" => Ok(false),
        _ => Err(filter_error(format!(
            "{api_name} takes the comparators equal and not_equal"
        ))),
    }
}

/// An id value: a string of digits or a number.
fn id_value(value: &Value) -> Result<ZohoId> {
    let id = match value {
        Value::String(s) => ZohoId::parse(s.trim()),
        Value::Number(n) => n.as_i64().and_then(|v| ZohoId::parse(&v.to_string())),
        _ => None,
    };
    id.ok_or_else(|| filter_error("the value of an id must be an id"))
}

impl FilterTree for TerritoryFilter {
    fn criterion(raw: RawCriterion<'_>) -> Result<Self> {
        let criterion = match field(raw.api_name)? {
            Field::Id(field) => TerritoryCriterion::Id {
                field,
                equal: equality(raw.comparator, raw.api_name)?,
                value: id_value(raw.value)?,
            },
            Field::Permission => TerritoryCriterion::Permission {
                equal: equality(raw.comparator, raw.api_name)?,
                value: filter_text(raw.value)
                    .ok()
                    .and_then(PermissionType::parse)
                    .ok_or_else(|| {
                        filter_error("permission_type is read_only or read_write_delete")
                    })?,
            },
            Field::Name => TerritoryCriterion::Name {
                comparator: match raw.comparator {
                    "equal" => NameComparator::Equal,
                    "not_equal" => NameComparator::NotEqual,
                    "starts_with" => NameComparator::StartsWith,
                    "ends_with" => NameComparator::EndsWith,
                    "contains" => NameComparator::Contains,
                    "not_contains" => NameComparator::NotContains,
                    _ => {
                        return Err(filter_error(
                            "name takes the comparators equal, not_equal, starts_with, \
                             ends_with, contains and not_contains",
                        ))
                    }
                },
                value: filter_text(raw.value)?.to_lowercase(),
            },
            Field::Time(field) => {
                let comparator = match raw.comparator {
                    "equal" => TimeComparator::Equal,
                    "less_than" => TimeComparator::LessThan,
                    "less_equal" => TimeComparator::LessEqual,
                    "greater_than" => TimeComparator::GreaterThan,
                    "between" => TimeComparator::Between,
                    _ => {
                        return Err(filter_error(format!(
                            "{} takes the comparators equal, less_than, less_equal, \
                             greater_than and between",
                            raw.api_name
                        )))
                    }
                };
                let (value, upper) = if comparator == TimeComparator::Between {
                    let (low, high) = time_range(raw.value)?;
                    (low, Some(high))
                } else {
                    (time(raw.value)?, None)
                };
                TerritoryCriterion::Time {
                    field,
                    comparator,
                    value,
                    upper,
                }
            }
        };
        Ok(Self::Criterion(criterion))
    }

    fn group(operator: GroupOperator, members: Vec<Self>) -> Self {
        Self::Group { operator, members }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn one(field: &str, comparator: &str, value: Value) -> Result<TerritoryFilter> {
        TerritoryFilter::parse(
            &json!({"field":{"api_name": field},"comparator": comparator,"value": value})
                .to_string(),
        )
    }

    #[test]
    fn reads_zohos_table() {
        // Zoho's sample.
        let f = one("manager.id", "equal", json!("431581000000278001")).expect("sample");
        assert_eq!(
            f,
            TerritoryFilter::Criterion(TerritoryCriterion::Id {
                field: IdField::Manager,
                equal: true,
                value: ZohoId(431581000000278001),
            })
        );
        for field in [
            "id",
            "reporting_to.id",
            "manager.id",
            "created_by",
            "modified_by",
            "created_by.id",
        ] {
            for comparator in ["equal", "NOT_EQUAL"] {
                assert!(
                    one(field, comparator, json!(5)).is_ok(),
                    "{field} {comparator}"
                );
            }
            assert!(one(field, "contains", json!("5")).is_err(), "{field}");
            assert!(one(field, "equal", json!("x")).is_err(), "{field}");
        }
        assert!(one("permission_type", "equal", json!("read_only")).is_ok());
        assert!(one("permission_type", "equal", json!("all")).is_err());
        for comparator in [
            "equal",
            "not_equal",
            "starts_with",
            "ends_with",
            "contains",
            "not_contains",
        ] {
            assert!(one("name", comparator, json!("We")).is_ok(), "{comparator}");
        }
        assert!(one("name", "less_than", json!("We")).is_err());
        assert!(one("name", "equal", json!(5)).is_err());
        let t = "2024-07-09T20:50:29+05:30";
        for comparator in ["equal", "less_than", "less_equal", "greater_than"] {
            assert!(
                one("created_time", comparator, json!(t)).is_ok(),
                "{comparator}"
            );
        }
        assert!(one("modified_time", "greater_equal", json!(t)).is_err());
        assert!(one("modified_time", "equal", json!("yesterday")).is_err());
        assert!(one("created_time", "between", json!([t, t])).is_ok());
        assert!(one("created_time", "between", json!(t)).is_err());
        assert!(one("description", "equal", json!("x")).is_err());
        assert!(one("api_name", "equal", json!("x")).is_err());
    }

    #[test]
    fn groups_follow_the_grammar() {
        let leaf = json!({"field":{"api_name":"name"},"comparator":"contains","value":"a"});
        let ok = json!({"group_operator":"OR","group":[leaf, leaf]});
        assert!(TerritoryFilter::parse(&ok.to_string()).is_ok());
        let lonely = json!({"group_operator":"and","group":[leaf]});
        assert!(TerritoryFilter::parse(&lonely.to_string()).is_err());
        let mut deep = leaf.clone();
        for _ in 0..6 {
            deep = json!({"group_operator":"or","group":[deep, leaf]});
        }
        assert!(
            TerritoryFilter::parse(&deep.to_string()).is_err(),
            "depth 6"
        );
    }

    proptest! {
        #[test]
        fn never_panics(text in ".{0,300}") {
            let _ = TerritoryFilter::parse(&text);
        }
    }
}
