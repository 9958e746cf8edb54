//! The `filters` query parameter: every resource's grammar (user groups,
//! territories, users' unavailability) on the same text. Parsing must
//! never panic, and what parses must be usable (matching never panics).
#![no_main]

use libfuzzer_sys::fuzz_target;
use orgdir_core::groups::Filter;
use orgdir_core::territories::filter::TerritoryFilter;
use orgdir_core::unavailability::filter::TimeFilter;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(filter) = Filter::parse(text) {
        let _ = filter.matches("Sales Team", Some("the sales team"));
        let _ = filter.matches("", None);
    }
    if let Ok(filter) = TimeFilter::parse(text) {
        let _ = filter.matches(0, 0);
        let _ = filter.matches(i64::MIN, i64::MAX);
        let _ = filter.matches(1_700_000_000_000, 1_700_000_360_000);
    }
    let _ = TerritoryFilter::parse(text);
});
