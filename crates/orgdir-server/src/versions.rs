//! API versions: the one table saying from which version each endpoint
//! exists (SPEC 8), and the middleware that enforces it.

use crate::error::ApiError;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use orgdir_core::Error;

/// The newest version orgdir speaks.
pub const LATEST: u32 = 8;

/// Endpoints that appeared after v2, by route pattern, with their first
/// version. Every other route exists from v2.
pub const INTRODUCED_IN: &[(&str, u32)] = &[
    ("/crm/{version}/users/actions/count", 6),
    ("/crm/{version}/__features", 6),
    ("/crm/{version}/__features/{api_name}", 6),
    (
        "/crm/{version}/settings/territories/actions/associated_users_count",
        6,
    ),
    ("/crm/{version}/settings/user_groups", 4),
    (
        "/crm/{version}/settings/user_groups/actions/associated_users_count",
        4,
    ),
    ("/crm/{version}/settings/user_groups/{id}", 4),
    ("/crm/{version}/settings/user_groups/{id}/sources", 4),
    (
        "/crm/{version}/settings/user_groups/{id}/actions/sources_count",
        4,
    ),
    ("/crm/{version}/users/{id}/actions/associated_groups", 5),
    // Group deletion jobs: Zoho's v6 SDK is the first with their classes (API-DESIGN 145).
    (
        "/crm/{version}/settings/user_groups/actions/deletion_jobs",
        6,
    ),
    // A user's groups in a body: Zoho's v7 PHP SDK is the first with their classes (API-DESIGN 146).
    (
        "/crm/{version}/settings/user_groups/actions/get_assigned",
        7,
    ),
    (
        "/crm/{version}/settings/user_groups/actions/get_unassigned",
        7,
    ),
    (
        "/crm/{version}/settings/user_groups/{id}/actions/associations",
        5,
    ),
    // Transfer and delete: the earliest page found is v5 (API-DESIGN 160).
    (
        "/crm/{version}/settings/territories/actions/transfer_and_delete",
        5,
    ),
    (
        "/crm/{version}/settings/territories/{id}/actions/transfer_and_delete",
        5,
    ),
    // Only Zoho's v8 OpenAPI file has it (API-DESIGN 163).
    (
        "/crm/{version}/settings/territories/actions/deleted_associated_territories",
        8,
    ),
    // Transfer and delete users: the earliest pages found are v5 (API-DESIGN 150).
    ("/crm/{version}/users/actions/transfer_and_delete", 5),
    ("/crm/{version}/users/{id}/actions/transfer_and_delete", 5),
    // Users' unavailability: the earliest pages found are v3 (API-DESIGN 128).
    ("/crm/{version}/settings/users_unavailability", 3),
    ("/crm/{version}/settings/users_unavailability/{id}", 3),
    // Grouped counts: first in Zoho's v7 SDKs (API-DESIGN 148).
    (
        "/crm/{version}/settings/user_groups/{id}/associated_users/actions/grouped_counts",
        7,
    ),
    // Cloning profiles: Zoho's Create Profile page exists from v4 (API-DESIGN 142).
    ("/crm/{version}/settings/profiles/{id}/actions/clone", 4),
];

/// The first version of the route `pattern`.
pub fn first_version(pattern: &str) -> u32 {
    INTRODUCED_IN
        .iter()
        .find(|(p, _)| *p == pattern)
        .map(|(_, v)| *v)
        .unwrap_or(2)
}

/// Parses a version segment: `v2`, `v2.1`, `v3` … `v8` → its major number.
/// `v1` parses (so it can be refused as too old); anything else does not.
pub fn parse(segment: &str) -> Option<u32> {
    let number = segment.strip_prefix('v')?;
    let (major, minor) = match number.split_once('.') {
        Some((major, minor)) => (major, Some(minor)),
        None => (number, None),
    };
    let major: u32 = major.parse().ok().filter(|m| (1..=LATEST).contains(m))?;
    match minor {
        None => Some(major),
        Some("1") if major == 2 => Some(major),
        Some(_) => None,
    }
}

/// Refuses a request whose version is unknown (404) or older than its route (400).
pub async fn guard(matched: Option<MatchedPath>, request: Request, next: Next) -> Response {
    let segment = request.uri().path().split('/').nth(2).unwrap_or_default();
    let Some(pattern) = matched else {
        return next.run(request).await;
    };
    if !pattern.as_str().starts_with("/crm/{version}/") {
        return next.run(request).await;
    }
    match parse(segment) {
        None => ApiError(Error::InvalidUrlPattern).into_response(),
        Some(version) => {
            let first = first_version(pattern.as_str());
            if version < first {
                ApiError(Error::ApiNotSupported {
                    supported_version: first,
                })
                .into_response()
            } else {
                next.run(request).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        assert_eq!(parse("v2"), Some(2));
        assert_eq!(parse("v2.1"), Some(2));
        assert_eq!(parse("v8"), Some(8));
        assert_eq!(parse("v1"), Some(1));
        for bad in ["v9", "v0", "8", "v3.1", "vx", "", "v2.", "v-1"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn table_lookup() {
        assert_eq!(first_version("/crm/{version}/users/actions/count"), 6);
        assert_eq!(first_version("/crm/{version}/users"), 2);
    }
}
