//! The `filters` of `GET /settings/users_unavailability`: criteria on the
//! period's `from` and `to`, as Zoho's page lists them (`equals`,
//! `not_equals`, `between`, `greater_than`, `greater_equal`, `less_than`,
//! `less_equal`), grouped with `and` / `or` like the groups' filters.

use crate::groups::{GroupOperator, MAX_FILTER_DEPTH};
use crate::{Error, Result};
use serde_json::{Map, Value};

/// The end of a period a criterion tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeField {
    From,
    To,
}

/// How a criterion compares (in whole seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeComparator {
    Equals,
    NotEquals,
    GreaterThan,
    GreaterEqual,
    LessThan,
    LessEqual,
    /// Inclusive at both ends.
    Between,
}

/// A parsed `filters` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeFilter {
    Criterion {
        field: TimeField,
        comparator: TimeComparator,
        /// The value; `between` also has an upper bound.
        value: i64,
        upper: Option<i64>,
    },
    Group {
        operator: GroupOperator,
        members: Vec<TimeFilter>,
    },
}

fn filter_error(message: impl Into<String>) -> Error {
    Error::invalid_param("filters", message)
}

/// A date and time with offset inside a criterion.
fn time(value: &Value) -> Result<i64> {
    value
        .as_str()
        .and_then(|s| crate::time::parse(s.trim()))
        .ok_or_else(|| {
            filter_error(
                "a value must be a date and time with offset, as 2021-02-18T19:00:00+05:30",
            )
        })
}

impl TimeFilter {
    /// Parses the (already URL-decoded) `filters` parameter. Every mistake
    /// is `INVALID_DATA` with `param_name: filters`.
    pub fn parse(text: &str) -> Result<Self> {
        let value: Value =
            serde_json::from_str(text).map_err(|_| filter_error("filters is not valid JSON"))?;
        Self::from_value(&value, 1)
    }

    fn from_value(value: &Value, depth: usize) -> Result<Self> {
        let map = value
            .as_object()
            .ok_or_else(|| filter_error("a criterion must be a JSON object"))?;
        if let Some(group) = map.get("group") {
            return Self::group(map, group, depth);
        }
        if map.contains_key("group_operator") {
            return Err(filter_error("group_operator needs a group"));
        }
        let field = match map.get("field") {
            Some(Value::Object(field)) => field.get("api_name").and_then(Value::as_str),
            _ => None,
        };
        let field = match field {
            Some("from") => TimeField::From,
            Some("to") => TimeField::To,
            Some(other) => return Err(filter_error(format!("{other:?} cannot be filtered on"))),
            None => return Err(filter_error("field.api_name is required")),
        };
        let comparator = match map
            .get("comparator")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            // Zoho's own sample writes `equal`.
            Some("equals" | "equal") => TimeComparator::Equals,
            Some("not_equals" | "not_equal") => TimeComparator::NotEquals,
            Some("greater_than") => TimeComparator::GreaterThan,
            Some("greater_equal") => TimeComparator::GreaterEqual,
            Some("less_than") => TimeComparator::LessThan,
            Some("less_equal") => TimeComparator::LessEqual,
            Some("between") => TimeComparator::Between,
            _ => {
                return Err(filter_error(
                    "comparator must be equals, not_equals, between, greater_than, \
                     greater_equal, less_than or less_equal",
                ))
            }
        };
        let raw = map.get("value").unwrap_or(&Value::Null);
        let (value, upper) = if comparator == TimeComparator::Between {
            match raw.as_array().map(Vec::as_slice) {
                Some([low, high]) => {
                    let (low, high) = (time(low)?, time(high)?);
                    if low > high {
                        return Err(filter_error("between needs its earlier value first"));
                    }
                    (low, Some(high))
                }
                _ => return Err(filter_error("between takes an array of two values")),
            }
        } else {
            (time(raw)?, None)
        };
        Ok(Self::Criterion {
            field,
            comparator,
            value,
            upper,
        })
    }

    fn group(map: &Map<String, Value>, group: &Value, depth: usize) -> Result<Self> {
        if map.contains_key("field") || map.contains_key("comparator") || map.contains_key("value")
        {
            return Err(filter_error("a group cannot also be a criterion"));
        }
        if depth > MAX_FILTER_DEPTH {
            return Err(filter_error(format!(
                "groups nest at most {MAX_FILTER_DEPTH} deep"
            )));
        }
        let operator = match map
            .get("group_operator")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("and") => GroupOperator::And,
            Some("or") => GroupOperator::Or,
            _ => return Err(filter_error("group_operator must be and or or")),
        };
        let items = group
            .as_array()
            .ok_or_else(|| filter_error("group must be an array"))?;
        if items.len() < 2 {
            return Err(filter_error("a group needs two or more members"));
        }
        let members = items
            .iter()
            .map(|item| Self::from_value(item, depth + 1))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self::Group { operator, members })
    }

    /// Whether a period from `from` to `to` passes the filter.
    pub fn matches(&self, from: i64, to: i64) -> bool {
        match self {
            Self::Criterion {
                field,
                comparator,
                value,
                upper,
            } => {
                let t = match field {
                    TimeField::From => from,
                    TimeField::To => to,
                };
                match comparator {
                    TimeComparator::Equals => t == *value,
                    TimeComparator::NotEquals => t != *value,
                    TimeComparator::GreaterThan => t > *value,
                    TimeComparator::GreaterEqual => t >= *value,
                    TimeComparator::LessThan => t < *value,
                    TimeComparator::LessEqual => t <= *value,
                    TimeComparator::Between => t >= *value && upper.is_some_and(|u| t <= u),
                }
            }
            Self::Group {
                operator: GroupOperator::And,
                members,
            } => members.iter().all(|m| m.matches(from, to)),
            Self::Group {
                operator: GroupOperator::Or,
                members,
            } => members.iter().any(|m| m.matches(from, to)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const T: &str = "2021-02-18T03:30:00-11:00";

    fn at(text: &str) -> i64 {
        crate::time::parse(text).expect("time")
    }

    #[test]
    fn parses_zohos_sample() {
        // The docs' sample, with its `equal`.
        let f = TimeFilter::parse(&format!(
            r#"{{"comparator":"equal","field":{{"api_name":"to"}},"value":"{T}"}}"#
        ))
        .expect("valid");
        assert!(f.matches(0, at(T)));
        assert!(!f.matches(at(T), at(T) + 1));
    }

    #[test]
    fn groups_and_between() {
        let overlap = json!({"group_operator":"AND","group":[
            {"field":{"api_name":"from"},"comparator":"less_than","value":"2021-03-01T00:00:00+00:00"},
            {"field":{"api_name":"to"},"comparator":"greater_than","value":"2021-02-01T00:00:00+00:00"}]});
        let f = TimeFilter::parse(&overlap.to_string()).expect("valid");
        assert!(f.matches(
            at("2021-01-30T00:00:00+00:00"),
            at("2021-02-02T00:00:00+00:00")
        ));
        assert!(!f.matches(
            at("2021-01-01T00:00:00+00:00"),
            at("2021-02-01T00:00:00+00:00")
        ));
        let between = json!({"field":{"api_name":"from"},"comparator":"between",
            "value":["2021-02-01T00:00:00+00:00","2021-02-02T00:00:00+00:00"]});
        let f = TimeFilter::parse(&between.to_string()).expect("valid");
        assert!(f.matches(at("2021-02-02T00:00:00+00:00"), i64::MAX));
        assert!(!f.matches(at("2021-02-02T00:00:01+00:00"), i64::MAX));
    }

    #[test]
    fn refuses_bad_filters() {
        for bad in [
            "",
            "[]",
            r#"{"field":{"api_name":"comments"},"comparator":"equals","value":"x"}"#,
            r#"{"field":{"api_name":"from"},"comparator":"contains","value":"2021-02-18T03:30:00Z"}"#,
            r#"{"field":{"api_name":"from"},"comparator":"equals","value":"yesterday"}"#,
            r#"{"field":{"api_name":"from"},"comparator":"between","value":"2021-02-18T03:30:00Z"}"#,
            r#"{"field":{"api_name":"from"},"comparator":"between","value":["2021-02-19T00:00:00Z","2021-02-18T00:00:00Z"]}"#,
            r#"{"group_operator":"and","group":[{"field":{"api_name":"from"},"comparator":"equals","value":"2021-02-18T03:30:00Z"}]}"#,
            r#"{"group_operator":"xor","group":[]}"#,
            r#"{"group_operator":"and"}"#,
        ] {
            assert!(TimeFilter::parse(bad).is_err(), "{bad}");
        }
        let leaf = json!({"field":{"api_name":"from"},"comparator":"equals","value":T});
        let mut deep = leaf.clone();
        for _ in 0..6 {
            deep = json!({"group_operator":"or","group":[deep, leaf]});
        }
        assert!(TimeFilter::parse(&deep.to_string()).is_err(), "depth 6");
    }

    proptest! {
        #[test]
        fn never_panics(text in ".{0,300}") {
            let _ = TimeFilter::parse(&text);
        }
    }
}
