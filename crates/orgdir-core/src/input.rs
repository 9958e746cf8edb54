//! Reading request bodies: typed access to JSON values with the JSON path of
//! every mistake, and references given as `"id"` or `{"id": "…"}`.

use crate::{Error, Result, ZohoId};
use serde_json::{Map, Value};

/// A JSON object being read, with the path it sits at (`$.users[0]`).
pub struct Fields<'a> {
    pub path: String,
    pub map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// Reads `value` at `path` as an object.
    pub fn new(value: &'a Value, path: impl Into<String>) -> Result<Self> {
        let path = path.into();
        match value {
            Value::Object(map) => Ok(Self { path, map }),
            _ => Err(Error::invalid_field(path, "expected a JSON object")),
        }
    }

    /// The JSON path of `key` inside this object.
    pub fn path_of(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    /// Whether `key` is present (even as null).
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// An optional string of at most `max` characters; `null` reads as absent.
    pub fn opt_str(&self, key: &str, max: usize) -> Result<Option<String>> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
            Some(Value::String(_)) => Err(Error::invalid_field(
                self.path_of(key),
                format!("{key} is longer than {max} characters"),
            )),
            Some(_) => Err(Error::invalid_field(
                self.path_of(key),
                format!("{key} must be a string"),
            )),
        }
    }

    /// A required non-blank string of at most `max` characters.
    pub fn req_str(&self, key: &str, max: usize) -> Result<String> {
        match self.opt_str(key, max)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(Error::mandatory(self.path_of(key))),
        }
    }

    /// An optional boolean.
    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(Error::invalid_field(
                self.path_of(key),
                format!("{key} must be a boolean"),
            )),
        }
    }

    /// An optional reference: an id string or an object with an `id`.
    pub fn opt_ref(&self, key: &str) -> Result<Option<ZohoId>> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => reference(value, &self.path_of(key)).map(Some),
        }
    }

    /// A required reference.
    pub fn req_ref(&self, key: &str) -> Result<ZohoId> {
        self.opt_ref(key)?
            .ok_or_else(|| Error::mandatory(self.path_of(key)))
    }
}

/// Reads a reference given as `"123"` or `{"id":"123"}` (or a number, as some clients send).
pub fn reference(value: &Value, path: &str) -> Result<ZohoId> {
    let invalid = || Error::invalid_field(path, "invalid id");
    let id = match value {
        Value::Object(map) => match map.get("id") {
            Some(inner) => return reference(inner, &format!("{path}.id")),
            None => return Err(Error::mandatory(format!("{path}.id"))),
        },
        Value::String(s) => ZohoId::parse(s.trim()),
        Value::Number(n) => n
            .as_i64()
            .map(|v| v.to_string())
            .and_then(|s| ZohoId::parse(&s)),
        _ => None,
    };
    id.ok_or_else(invalid)
}

/// The array under `key` of a write body (`{"users":[…]}`), with its path.
pub fn body_array<'a>(body: &'a Value, key: &str) -> Result<&'a Vec<Value>> {
    let path = format!("$.{key}");
    match body.get(key) {
        Some(Value::Array(items)) if !items.is_empty() => Ok(items),
        Some(Value::Array(_)) | None | Some(Value::Null) => Err(Error::mandatory(path)),
        Some(_) => Err(Error::invalid_field(
            path,
            format!("{key} must be an array"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_accept_both_shapes() {
        assert_eq!(reference(&json!("55"), "$.r").expect("ok"), ZohoId(55));
        assert_eq!(
            reference(&json!({"id":"55"}), "$.r").expect("ok"),
            ZohoId(55)
        );
        assert!(reference(&json!({"name":"x"}), "$.r").is_err());
        assert!(reference(&json!("abc"), "$.r").is_err());
        assert!(reference(&json!(true), "$.r").is_err());
    }

    #[test]
    fn fields_report_paths() {
        let v = json!({"a": 1, "s": "x"});
        let f = Fields::new(&v, "$.users[0]").expect("object");
        match f.opt_str("a", 10) {
            Err(Error::InvalidData { details, .. }) => {
                assert_eq!(details, crate::Details::field("$.users[0].a"))
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            f.req_str("missing", 5),
            Err(Error::MandatoryNotFound { .. })
        ));
        assert_eq!(f.opt_str("s", 1).expect("ok").as_deref(), Some("x"));
        assert!(f.opt_str("s", 0).is_err());
    }
}
