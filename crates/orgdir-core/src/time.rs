//! Timestamps: stored as Unix seconds, printed as ISO 8601 with the offset of
//! the org's time zone (`2024-07-09T20:50:29+05:30`).

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Now, in Unix seconds.
pub fn now() -> i64 {
    Utc::now().timestamp()
}

/// Whether `name` is an IANA time zone we can print in.
pub fn is_valid_time_zone(name: &str) -> bool {
    name.parse::<Tz>().is_ok()
}

/// Formats `unix` seconds in the time zone `zone` (UTC if unknown).
pub fn format(unix: i64, zone: &str) -> String {
    let tz: Tz = zone.parse().unwrap_or(Tz::UTC);
    match tz.timestamp_opt(unix, 0).single() {
        Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        None => "1970-01-01T00:00:00+00:00".to_owned(),
    }
}

/// The offset of the time zone `zone` from UTC now, in milliseconds (a
/// user's `offset`; 0 if the zone is unknown).
pub fn offset_millis(zone: &str) -> i64 {
    use chrono::Offset;
    let tz: Tz = zone.parse().unwrap_or(Tz::UTC);
    let offset = Utc::now().with_timezone(&tz).offset().fix();
    i64::from(offset.local_minus_utc()) * 1000
}

/// Parses an ISO 8601 timestamp with offset into Unix seconds.
pub fn parse(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_in_the_org_zone() {
        let t = parse("2024-07-09T20:50:29+05:30").expect("valid");
        assert_eq!(format(t, "Asia/Kolkata"), "2024-07-09T20:50:29+05:30");
        assert_eq!(format(t, "UTC"), "2024-07-09T15:20:29+00:00");
        assert_eq!(format(t, "Not/AZone"), "2024-07-09T15:20:29+00:00");
        assert!(parse("yesterday").is_none());
    }
}
