//! The user profile fields of Zoho's `users` schema beyond the ones orgdir
//! models (name, email, role, profile, status…): what a client may set and
//! what each accepts (checked on create, update and import, `INVALID_DATA`
//! naming the field otherwise), and what every user object prints when the
//! user has none, so that every user carries every property of Zoho's
//! schema (issue 13, API-DESIGN 141). The defaults are those of a new user in
//! Zoho's own sample answers.

use crate::{Error, Result};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use std::sync::LazyLock;

/// What a settable field accepts (`null` always clears it).
#[derive(Debug, Clone, Copy)]
pub enum FieldKind {
    /// A string of at most this many characters.
    Text(usize),
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// An IANA time zone name.
    TimeZone,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// A user: `{"id": "…"}` (with an optional `name`), or the id alone.
    User,
}

/// The fields a client may set, in Zoho's casing, with what each accepts.
pub const SETTABLE: &[(&str, FieldKind)] = &[
    ("phone", FieldKind::Text(30)),
    ("mobile", FieldKind::Text(30)),
    ("fax", FieldKind::Text(30)),
    ("website", FieldKind::Text(255)),
    ("street", FieldKind::Text(250)),
    ("city", FieldKind::Text(100)),
    ("state", FieldKind::Text(100)),
    ("zip", FieldKind::Text(30)),
    ("country", FieldKind::Text(100)),
    ("country_locale", FieldKind::Text(10)),
    ("locale", FieldKind::Text(10)),
    ("language", FieldKind::Text(10)),
    ("time_zone", FieldKind::TimeZone),
    ("time_format", FieldKind::OneOf(&["HH:mm", "hh:mm a"])),
    ("date_format", FieldKind::Text(20)),
    ("decimal_separator", FieldKind::OneOf(&["Comma", "Period"])),
    (
        "number_separator",
        FieldKind::OneOf(&["Comma", "Period", "Space"]),
    ),
    (
        "name_format__s",
        FieldKind::OneOf(&[
            "Salutation,First Name,Last Name",
            "Saluation,Last Name,First Name",
            "First Name,Last Name,Saluation",
        ]),
    ),
    (
        "sort_order_preference__s",
        FieldKind::OneOf(&["First Name,Last Name", "Last Name,First Name"]),
    ),
    ("alias", FieldKind::Text(100)),
    ("signature", FieldKind::Text(1000)),
    ("dob", FieldKind::Date),
    ("Reporting_To", FieldKind::User),
    ("Currency", FieldKind::Text(3)),
];

/// Whether `key` is a field a client may set.
pub fn is_settable(key: &str) -> bool {
    SETTABLE.iter().any(|(name, _)| *name == key)
}

/// Checks the value given for a settable field; `json_path` names it in the
/// error. Returns the value to keep (a user given by id alone is kept as
/// `{"id": …}`).
pub fn check(key: &str, value: &Value, json_path: &str) -> Result<Value> {
    let Some((_, kind)) = SETTABLE.iter().find(|(name, _)| *name == key) else {
        return Err(Error::invalid_field(
            json_path,
            format!("{key} is not a user field"),
        ));
    };
    if value.is_null() {
        return Ok(Value::Null);
    }
    let invalid = |why: String| Error::invalid_field(json_path, why);
    let text = || {
        value
            .as_str()
            .ok_or_else(|| invalid(format!("{key} must be a string")))
    };
    match *kind {
        FieldKind::Text(max) => {
            if text()?.chars().count() > max {
                return Err(invalid(format!("{key} is longer than {max} characters")));
            }
        }
        FieldKind::OneOf(allowed) => {
            if !allowed.contains(&text()?) {
                return Err(invalid(format!(
                    "{key} must be one of {}",
                    allowed.join(" | ")
                )));
            }
        }
        FieldKind::TimeZone => {
            if !crate::time::is_valid_time_zone(text()?) {
                return Err(invalid(format!("{key} is not a time zone")));
            }
        }
        FieldKind::Date => {
            if chrono::NaiveDate::parse_from_str(text()?, "%Y-%m-%d").is_err() {
                return Err(invalid(format!("{key} must be a date (YYYY-MM-DD)")));
            }
        }
        FieldKind::User => {
            let id = match value {
                Value::Object(map) => map.get("id").cloned().unwrap_or(Value::Null),
                other => other.clone(),
            };
            let id = match id {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                _ => return Err(invalid(format!("{key} must name a user by id"))),
            };
            if id.is_empty() || id.len() > 19 || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(format!("{key} must name a user by id")));
            }
            return Ok(json!({ "id": id }));
        }
    }
    Ok(value.clone())
}

/// The user a user's `Reporting_To` names (its stored `{"id": …}`), if any.
pub fn reporting_to(fields: &Map<String, Value>) -> Option<crate::ZohoId> {
    fields
        .get("Reporting_To")
        .and_then(|v| v.get("id"))
        .and_then(Value::as_str)
        .and_then(crate::ZohoId::parse)
}

/// Sets a user's `Reporting_To` to `id`, in the form [`check`] keeps.
pub fn set_reporting_to(fields: &mut Map<String, Value>, id: crate::ZohoId) {
    fields.insert("Reporting_To".to_owned(), json!({ "id": id.to_string() }));
}

/// The settable fields present in a body object, checked (`path` is the
/// object's JSON path, `$.users[0]`).
pub fn settable_fields(map: &Map<String, Value>, path: &str) -> Result<Map<String, Value>> {
    SETTABLE
        .iter()
        .filter_map(|(key, _)| map.get(*key).map(|value| (*key, value)))
        .map(|(key, value)| Ok((key.to_owned(), check(key, value, &format!("{path}.{key}"))?)))
        .collect()
}

/// Zoho's default for each property a user may lack, but `time_zone` and
/// `offset`, which follow the user's zone: built once.
static DEFAULTS: LazyLock<Vec<(&'static str, Value)>> = LazyLock::new(|| {
    vec![
        ("$current_shift", Value::Null),
        ("$next_shift", Value::Null),
        ("$shift_effective_from", Value::Null),
        ("Currency", json!("USD")),
        ("Isonline", json!(false)),
        ("Reporting_To", Value::Null),
        ("alias", Value::Null),
        ("category", json!("regular_user")),
        ("city", Value::Null),
        ("country", Value::Null),
        ("country_locale", json!("en_US")),
        (
            "customize_info",
            json!({"notes_desc": null, "show_right_panel": null, "bc_view": null,
                   "show_home": false, "show_detail_view": true, "unpin_recent_item": null}),
        ),
        ("date_format", json!("MM/dd/yyyy")),
        ("decimal_separator", json!("Period")),
        ("default_tab_group", json!("0")),
        ("dob", Value::Null),
        ("fax", Value::Null),
        ("language", json!("en_US")),
        ("locale", json!("en_US")),
        ("microsoft", json!(false)),
        ("mobile", Value::Null),
        ("name_format__s", json!("Salutation,First Name,Last Name")),
        ("number_separator", Value::Null),
        ("personal_account", json!(false)),
        ("phone", Value::Null),
        ("sandboxDeveloper", json!(false)),
        ("signature", Value::Null),
        ("sort_order_preference", json!("First Name,Last Name")),
        ("sort_order_preference__s", json!("First Name,Last Name")),
        ("state", Value::Null),
        ("status_reason__s", Value::Null),
        ("street", Value::Null),
        (
            "theme",
            json!({"normal_tab": {"font_color": "#FFFFFF", "background": "#222222"},
                   "selected_tab": {"font_color": "#FFFFFF", "background": "#222222"},
                   "new_background": null, "background": "#F3F0EB", "screen": "fixed",
                   "type": "default"}),
        ),
        ("time_format", json!("hh:mm a")),
        ("website", Value::Null),
        ("zip", Value::Null),
    ]
});

/// Adds every property of Zoho's user schema that `fields` (a user's stored
/// settable fields) lacks, with Zoho's default for a new user. `org_zone` is
/// the org's time zone, the user's own unless it set one; `offset` follows
/// the user's zone, in milliseconds, as Zoho prints it.
pub fn fill_defaults(fields: &mut Map<String, Value>, org_zone: &str) {
    let zone = fields
        .get("time_zone")
        .and_then(Value::as_str)
        .unwrap_or(org_zone)
        .to_owned();
    for (key, value) in DEFAULTS.iter() {
        fill(fields, key, value);
    }
    fill(fields, "offset", &json!(crate::time::offset_millis(&zone)));
    fill(fields, "time_zone", &Value::String(zone));
}

/// Sets `key` to `default` when the user has no value for it (a `null`
/// default only adds the key).
fn fill(fields: &mut Map<String, Value>, key: &str, default: &Value) {
    match fields.get(key) {
        Some(value) if !value.is_null() => {}
        Some(_) if default.is_null() => {}
        _ => {
            fields.insert(key.to_owned(), default.clone());
        }
    }
}

/// A default as [`WithDefaults`] prints it.
enum Printed {
    /// Serialised once.
    Raw(Box<RawValue>),
    /// The user's zone's offset, in milliseconds.
    Offset,
    /// The user's zone.
    TimeZone,
}

/// [`DEFAULTS`] with `offset` and `time_zone`, each value serialised once,
/// sorted by key as a [`Map`] sorts its keys.
static PRINTED: LazyLock<Vec<(&'static str, Printed)>> = LazyLock::new(|| {
    let mut printed: Vec<(&'static str, Printed)> = DEFAULTS
        .iter()
        .map(|(key, value)| {
            let raw = serde_json::value::to_raw_value(value).expect("a Value serialises");
            (*key, Printed::Raw(raw))
        })
        .chain([
            ("offset", Printed::Offset),
            ("time_zone", Printed::TimeZone),
        ])
        .collect();
    printed.sort_unstable_by_key(|(key, _)| *key);
    printed
});

/// A user's stored settable fields over Zoho's defaults, as every user
/// object prints them: serialises as a map with exactly the entries, in the
/// same order, that [`fill_defaults`] leaves in `fields` (the key order of a
/// [`Map`]), without building that map. The defaults are spliced in as JSON
/// serialised once (`#[serde(flatten)]` it into the user object).
#[derive(Debug, Clone)]
pub struct WithDefaults<'a> {
    fields: &'a Map<String, Value>,
    org_zone: &'a str,
}

impl<'a> WithDefaults<'a> {
    /// `fields` (a user's stored settable fields) over the defaults;
    /// `org_zone` as in [`fill_defaults`].
    pub fn new(fields: &'a Map<String, Value>, org_zone: &'a str) -> Self {
        Self { fields, org_zone }
    }
}

impl Serialize for WithDefaults<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let zone = self
            .fields
            .get("time_zone")
            .and_then(Value::as_str)
            .unwrap_or(self.org_zone);
        let mut map = serializer.serialize_map(None)?;
        // Both sides are sorted by key: a merge, the stored value winning
        // unless it is `null` over a default that is not (as `fill` does).
        let mut stored = self.fields.iter().peekable();
        for (key, default) in PRINTED.iter() {
            while let Some((k, v)) = stored.next_if(|(k, _)| k.as_str() < *key) {
                map.serialize_entry(k, v)?;
            }
            let own = stored.next_if(|(k, _)| k.as_str() == *key).map(|(_, v)| v);
            match (own, default) {
                (Some(value), _) if !value.is_null() => map.serialize_entry(key, value)?,
                (_, Printed::Raw(raw)) => map.serialize_entry(key, raw)?,
                (_, Printed::Offset) => {
                    map.serialize_entry(key, &crate::time::offset_millis(zone))?
                }
                (_, Printed::TimeZone) => map.serialize_entry(key, zone)?,
            }
        }
        for (k, v) in stored {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_by_kind() {
        let ok = |k: &str, v: Value| check(k, &v, "$.users[0].x").expect(k);
        assert_eq!(ok("phone", json!("+1 555 0100")), json!("+1 555 0100"));
        assert_eq!(ok("phone", Value::Null), Value::Null);
        assert_eq!(
            ok("time_zone", json!("Asia/Kolkata")),
            json!("Asia/Kolkata")
        );
        assert_eq!(ok("dob", json!("1990-02-28")), json!("1990-02-28"));
        assert_eq!(ok("Reporting_To", json!("123")), json!({"id": "123"}));
        assert_eq!(
            ok("Reporting_To", json!({"id": "123", "name": "A"})),
            json!({"id": "123"})
        );
        for (key, bad) in [
            ("phone", json!(5)),
            ("phone", json!("1".repeat(31))),
            ("time_format", json!("HH:mm:ss")),
            ("time_zone", json!("Mars/Olympus")),
            ("dob", json!("1990-02-30")),
            ("Reporting_To", json!({"name": "A"})),
            ("Reporting_To", json!("12a")),
            ("theme", json!({})),
        ] {
            let error = check(key, &bad, &format!("$.users[0].{key}")).expect_err(key);
            match error {
                Error::InvalidData { details, .. } => assert_eq!(
                    details,
                    crate::Details::field(format!("$.users[0].{key}")),
                    "{key}"
                ),
                other => panic!("{key}: {other:?}"),
            }
        }
    }

    #[test]
    fn reporting_to_reads_and_writes_the_kept_form() {
        let kept = check("Reporting_To", &json!("123"), "$.users[0].Reporting_To").expect("ok");
        let mut fields = Map::new();
        assert_eq!(reporting_to(&fields), None);
        fields.insert("Reporting_To".into(), kept);
        assert_eq!(reporting_to(&fields), Some(crate::ZohoId(123)));
        set_reporting_to(&mut fields, crate::ZohoId(456));
        assert_eq!(fields["Reporting_To"], json!({"id": "456"}));
        fields.insert("Reporting_To".into(), Value::Null);
        assert_eq!(reporting_to(&fields), None);
    }

    /// What [`WithDefaults`] prints against the map [`fill_defaults`]
    /// builds, byte for byte.
    fn assert_prints_as_filled(fields: &Map<String, Value>, org_zone: &str) {
        let mut filled = fields.clone();
        fill_defaults(&mut filled, org_zone);
        let spliced = serde_json::to_string(&WithDefaults::new(fields, org_zone)).expect("json");
        assert_eq!(
            spliced,
            serde_json::to_string(&filled).expect("json"),
            "{fields:?}"
        );
        // Flattened into a user object, as the API prints it.
        #[derive(serde::Serialize)]
        struct Spliced<'a> {
            id: &'a str,
            #[serde(flatten)]
            extra: WithDefaults<'a>,
        }
        #[derive(serde::Serialize)]
        struct Filled<'a> {
            id: &'a str,
            #[serde(flatten)]
            extra: &'a Map<String, Value>,
        }
        let spliced = Spliced {
            id: "1",
            extra: WithDefaults::new(fields, org_zone),
        };
        let filled = Filled {
            id: "1",
            extra: &filled,
        };
        assert_eq!(
            serde_json::to_string(&spliced).expect("json"),
            serde_json::to_string(&filled).expect("json")
        );
    }

    #[test]
    fn spliced_defaults_print_as_the_filled_map() {
        assert_prints_as_filled(&Map::new(), "UTC");
        assert_prints_as_filled(&Map::new(), "Asia/Kolkata");
        // Every settable field set (a value that is not the default).
        let all: Map<String, Value> = SETTABLE
            .iter()
            .map(|(key, kind)| {
                let value = match kind {
                    FieldKind::Text(_) => json!(format!("my {key}")),
                    FieldKind::OneOf(allowed) => json!(allowed[allowed.len() - 1]),
                    FieldKind::TimeZone => json!("America/New_York"),
                    FieldKind::Date => json!("1990-02-28"),
                    FieldKind::User => json!({"id": "123"}),
                };
                ((*key).to_owned(), value)
            })
            .collect();
        assert_prints_as_filled(&all, "UTC");
        // Every settable field cleared: a `null` over a default that is not
        // prints the default, once.
        let cleared: Map<String, Value> = SETTABLE
            .iter()
            .map(|(key, _)| ((*key).to_owned(), Value::Null))
            .collect();
        assert_prints_as_filled(&cleared, "Europe/Paris");
        // Some set, some cleared, and keys no default has, sorting before,
        // between and after the defaults' (an import may keep them).
        let mut mixed = Map::new();
        for (key, value) in [
            ("phone", json!("555")),
            ("Currency", json!("EUR")),
            ("city", Value::Null),
            ("language", Value::Null),
            ("time_zone", json!("Asia/Tokyo")),
            ("offset", json!(42)),
            ("theme", json!({"type": "dark"})),
            ("!first", json!(1)),
            ("$a", json!(true)),
            ("Middle", json!("m")),
            ("k", json!([1, 2])),
            ("zz_last", json!("z")),
            ("~after", Value::Null),
            ("é", json!("é \"quoted\"")),
        ] {
            mixed.insert(key.to_owned(), value);
        }
        assert_prints_as_filled(&mixed, "UTC");
        // A zone that is not a string is kept; the org's zone gives the offset.
        let mut odd_zone = Map::new();
        odd_zone.insert("time_zone".into(), json!(5));
        assert_prints_as_filled(&odd_zone, "Asia/Kolkata");
    }

    #[test]
    fn defaults_fill_what_is_missing_and_keep_what_is_set() {
        let mut fields = Map::new();
        fields.insert("phone".into(), json!("555"));
        fields.insert("time_zone".into(), json!("Asia/Kolkata"));
        fields.insert("city".into(), Value::Null);
        fill_defaults(&mut fields, "UTC");
        assert_eq!(fields["phone"], json!("555"));
        assert_eq!(fields["time_zone"], json!("Asia/Kolkata"));
        assert_eq!(fields["offset"], json!(19_800_000));
        assert_eq!(fields["city"], Value::Null);
        assert_eq!(fields["language"], json!("en_US"));
        assert_eq!(fields.len(), 38);
        let mut empty = Map::new();
        fill_defaults(&mut empty, "UTC");
        assert_eq!(
            (empty["time_zone"].clone(), empty["offset"].clone()),
            (json!("UTC"), json!(0))
        );
    }
}
