//! The `filters` of `GET /settings/users_unavailability`: criteria on the
//! period's `from` and `to`, as Zoho's page lists them (`equals`,
//! `not_equals`, `between`, `greater_than`, `greater_equal`, `less_than`,
//! `less_equal`), grouped with `and` / `or` like the groups' filters.

use crate::groups::{filter_error, parse_filters, FilterTree, GroupOperator, RawCriterion};
use crate::Result;
use serde_json::Value;

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

/// A date and time with offset inside a criterion.
pub fn time(value: &Value) -> Result<i64> {
    value
        .as_str()
        .and_then(|s| crate::time::parse(s.trim()))
        .ok_or_else(|| {
            filter_error(
                "a value must be a date and time with offset, as 2021-02-18T19:00:00+05:30",
            )
        })
}

/// The `[earlier, later]` of a `between` criterion (both ends included).
pub fn time_range(value: &Value) -> Result<(i64, i64)> {
    match value.as_array().map(Vec::as_slice) {
        Some([low, high]) => {
            let (low, high) = (time(low)?, time(high)?);
            if low > high {
                return Err(filter_error("between needs its earlier value first"));
            }
            Ok((low, high))
        }
        _ => Err(filter_error("between takes an array of two values")),
    }
}

impl TimeFilter {
    /// Parses the (already URL-decoded) `filters` parameter with the
    /// groups' grammar (decision 82). Every mistake is `INVALID_DATA` with
    /// `param_name: filters`.
    pub fn parse(text: &str) -> Result<Self> {
        parse_filters(text)
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

impl FilterTree for TimeFilter {
    fn criterion(raw: RawCriterion<'_>) -> Result<Self> {
        let field = match raw.api_name {
            "from" => TimeField::From,
            "to" => TimeField::To,
            other => return Err(filter_error(format!("{other:?} cannot be filtered on"))),
        };
        let comparator = match raw.comparator {
            // Zoho's own sample writes `equal`.
            "equals" | "equal" => TimeComparator::Equals,
            "not_equals" | "not_equal" => TimeComparator::NotEquals,
            "greater_than" => TimeComparator::GreaterThan,
            "greater_equal" => TimeComparator::GreaterEqual,
            "less_than" => TimeComparator::LessThan,
            "less_equal" => TimeComparator::LessEqual,
            "between" => TimeComparator::Between,
            _ => {
                return Err(filter_error(
                    "comparator must be equals, not_equals, between, greater_than, \
                     greater_equal, less_than or less_equal",
                ))
            }
        };
        let (value, upper) = if comparator == TimeComparator::Between {
            let (low, high) = time_range(raw.value)?;
            (low, Some(high))
        } else {
            (time(raw.value)?, None)
        };
        Ok(Self::Criterion {
            field,
            comparator,
            value,
            upper,
        })
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
