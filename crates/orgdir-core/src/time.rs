//! Timestamps: stored as Unix seconds, printed as ISO 8601 with the offset of
//! the org's time zone (`2024-07-09T20:50:29+05:30`).
//!
//! "Now" is the org's now: a test may move an org's clock forward (SPEC 11,
//! API-DESIGN 173), and whatever runs for that org — a request's handler, a
//! write's transaction, an OAuth grant — runs inside [`in_org_time`] with
//! the org's offset, so that every [`now`] it reads (token and code expiry,
//! `created_time`, `Modified_Time`) follows the org's clock without each
//! function being handed it. The offset is a tokio task-local: it follows
//! the future wherever it is polled, and [`crate::store::write`] carries it
//! into the write's transaction, which another task runs.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::future::Future;

tokio::task_local! {
    /// Seconds the current org's clock is ahead of the real one.
    static OFFSET: i64;
}

/// Now, in Unix seconds, on the clock of the org being served.
pub fn now() -> i64 {
    Utc::now().timestamp().saturating_add(offset())
}

/// Now, in Unix milliseconds, on the clock of the org being served.
pub fn now_millis() -> i64 {
    Utc::now()
        .timestamp_millis()
        .saturating_add(offset().saturating_mul(1000))
}

/// Seconds the clock of the org being served is ahead of the real one (0
/// outside [`in_org_time`]).
pub fn offset() -> i64 {
    OFFSET.try_with(|o| *o).unwrap_or(0)
}

/// Runs `work` on a clock `offset` seconds ahead of the real one.
pub async fn in_org_time<F: Future>(offset: i64, work: F) -> F::Output {
    OFFSET.scope(offset, work).await
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

    #[tokio::test]
    async fn an_org_clock_moves_now_inside_its_scope_only() {
        let real = now();
        let (ahead, ahead_ms) = in_org_time(86_400, async { (now(), now_millis()) }).await;
        assert!((86_400..86_400 + 5).contains(&(ahead - real)));
        assert!((ahead_ms / 1000 - ahead).abs() <= 1);
        assert!(now() - real < 5);
        assert_eq!(offset(), 0);
    }
}
