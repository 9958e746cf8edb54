//! What the benchmark asks of a seeded org: the baseline, the five count
//! endpoints with varied parameters, token-authenticated reads, user
//! creations and a mixed read/write workload.

use crate::load::{MakeRequest, Request};
use orgdir_core::seed::{SeedSpec, GROUP_BASE, PROFILE_BASE, ROLE_BASE};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use reqwest::Method;
use serde_json::json;
use std::sync::Arc;

/// The user types of the users count, cycled through.
const USER_TYPES: [&str; 10] = [
    "AllUsers",
    "ActiveUsers",
    "DeactiveUsers",
    "ConfirmedUsers",
    "NotConfirmedUsers",
    "DeletedUsers",
    "ActiveConfirmedUsers",
    "AdminUsers",
    "ActiveConfirmedAdmins",
    "CurrentUser",
];

/// A cheap, well-spread pseudo-random number from a request index.
fn spread(i: u64, salt: u64) -> u64 {
    let mut z = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt;
    z = (z ^ (z >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^ (z >> 29)
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

/// The name of one scenario and how it builds its requests.
pub struct Scenario {
    pub name: &'static str,
    /// Whether this is one of the five count endpoints.
    pub count_endpoint: bool,
    pub make: MakeRequest,
}

/// The `i`-th request of each count endpoint, for `spec`'s org.
fn count_request(endpoint: usize, spec: &SeedSpec, i: u64) -> Request {
    let groups = spec.groups.max(1) as u64;
    let territory_pages = (spec.territories.max(1) as u64).div_ceil(200);
    let group_pages = groups.div_ceil(200);
    match endpoint {
        0 => Request::get(format!(
            "/crm/v8/users/actions/count?type={}",
            USER_TYPES[(i % USER_TYPES.len() as u64) as usize]
        )),
        1 => Request::get(format!(
            "/crm/v8/settings/user_groups/{}/actions/sources_count",
            spec.id(GROUP_BASE, (spread(i, 1) % groups) as usize)
        )),
        2 => {
            let query = match i % 4 {
                0 => format!("page={}&per_page=200", 1 + spread(i, 2) % group_pages),
                1 => format!(
                    "page={}&per_page=10",
                    1 + spread(i, 3) % (groups / 10).max(1)
                ),
                2 => {
                    let filter = json!({"field": {"api_name": "name"}, "comparator": "starts_with",
                        "value": format!("Group {}", spread(i, 4) % 100)});
                    format!("filters={}", encode(&filter.to_string()))
                }
                _ => {
                    let filter = json!({"group_operator": "or", "group": [
                        {"field": {"api_name": "name"}, "comparator": "equal",
                         "value": format!("Group {}", spread(i, 5) % groups)},
                        {"field": {"api_name": "description"}, "comparator": "contains",
                         "value": format!("{}", spread(i, 6) % 1000)}]});
                    format!("filters={}", encode(&filter.to_string()))
                }
            };
            Request::get(format!(
                "/crm/v8/settings/user_groups/actions/associated_users_count?{query}"
            ))
        }
        3 => Request::get(format!(
            "/crm/v8/settings/territories/actions/associated_users_count?page={}&per_page=200",
            1 + spread(i, 7) % territory_pages
        )),
        _ => Request::get("/crm/v8/__features/user_licenses"),
    }
}

/// The five count endpoints' names, in the order of [`count_request`].
pub const COUNT_ENDPOINTS: [&str; 5] = [
    "users count",
    "group sources count",
    "group users count",
    "territory users count",
    "user licences",
];

/// A new user's body; `run` keeps emails unique across runs on one database.
fn new_user(spec: &SeedSpec, run: u64, i: u64) -> Request {
    Request {
        method: Method::POST,
        path: "/crm/v8/users".to_owned(),
        body: Some(json!({"users": [{
            "last_name": format!("Bench {run}-{i}"),
            "email": format!("bench{run}-{i}@bench.example"),
            "role": {"id": spec.id(ROLE_BASE, (spread(i, 8) % spec.roles.max(1) as u64) as usize).to_string()},
            "profile": {"id": spec.id(PROFILE_BASE, 1).to_string()},
        }]})),
    }
}

/// Every read scenario: the baseline first, then the count endpoints and
/// token-authenticated reads.
pub fn reads(spec: &SeedSpec, live_users: Arc<Vec<i64>>) -> Vec<Scenario> {
    let mut out = vec![Scenario {
        name: "baseline (no auth, no storage)",
        count_endpoint: false,
        make: Arc::new(|_| Request::get("/_orgdir/ping")),
    }];
    for (n, name) in COUNT_ENDPOINTS.iter().enumerate() {
        let spec = *spec;
        out.push(Scenario {
            name,
            count_endpoint: true,
            make: Arc::new(move |i| count_request(n, &spec, i)),
        });
    }
    out.push(Scenario {
        name: "get one user (token read)",
        count_endpoint: false,
        make: Arc::new(move |i| {
            let user = live_users[(spread(i, 9) % live_users.len() as u64) as usize];
            Request::get(format!("/crm/v8/users/{user}"))
        }),
    });
    out
}

/// User creations, one per request.
pub fn creations(spec: &SeedSpec, run: u64) -> Scenario {
    let spec = *spec;
    Scenario {
        name: "create a user (write)",
        count_endpoint: false,
        make: Arc::new(move |i| new_user(&spec, run, i)),
    }
}

/// 80% count reads (all five endpoints), 10% user creations, 10% role
/// changes of live users (which move group memberships).
pub fn mixed(spec: &SeedSpec, run: u64, live_users: Arc<Vec<i64>>) -> Scenario {
    let spec = *spec;
    Scenario {
        name: "mixed 80% counts / 20% writes",
        count_endpoint: false,
        make: Arc::new(move |i| match i % 10 {
            0 => new_user(&spec, run + 1, i),
            5 => {
                let user = live_users[(spread(i, 10) % live_users.len() as u64) as usize];
                let role = spec.id(
                    ROLE_BASE,
                    (spread(i, 11) % spec.roles.max(1) as u64) as usize,
                );
                Request {
                    method: Method::PUT,
                    path: format!("/crm/v8/users/{user}"),
                    body: Some(json!({"users": [{"role": {"id": role.to_string()}}]})),
                }
            }
            _ => count_request((i % 5) as usize, &spec, i),
        }),
    }
}

/// Ids of the live users of `spec`'s org, skipping the primary user (whose
/// role the mixed workload must not change).
pub fn live_user_ids(doc: &orgdir_core::document::OrgDocument) -> Vec<i64> {
    doc.users
        .iter()
        .filter(|u| u.status != "deleted" && !u.primary)
        .filter_map(|u| u.id.parse().ok())
        .collect()
}
