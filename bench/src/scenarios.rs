//! What the benchmark asks of a seeded org: for each scenario, a pool of
//! requests that its wrk script cycles through (the count endpoints with
//! varied parameters, `GET /users/{id}` of random live users, role changes)
//! and, for the writes, user creations the script makes up as it goes.

use orgdir_core::seed::{SeedSpec, GROUP_BASE, PROFILE_BASE, ROLE_BASE};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::json;

/// Requests in a varied scenario's pool (each wrk thread starts at its own
/// place in it).
const POOL: u64 = 20_000;

pub const USERS_COUNT: &str = "users count";
pub const SOURCES_COUNT: &str = "group sources count";
pub const GROUP_PAGES: &str = "group users count, 200-row pages";
pub const GROUP_OTHER: &str = "group users count, 10 rows, filters";
pub const TERRITORY_PAGES: &str = "territory users count, 200-row pages";
pub const LICENCES: &str = "user licences";
pub const GET_USER: &str = "GET /users/{id}";
pub const CREATE: &str = "create a user";
pub const MIXED: &str = "mixed 80% counts / 20% writes";
pub const PING: &str = "orgdir ping (no auth, no storage)";
pub const CONSTANT: &str = "constant server";
pub const REFERENCE: &str = "reference, 1 statement";
pub const PRISM: &str = "Prism users count";

/// The count endpoints' scenarios, in the order of [`count_request`].
pub const COUNTS: [&str; 6] = [
    USERS_COUNT,
    SOURCES_COUNT,
    GROUP_PAGES,
    GROUP_OTHER,
    TERRITORY_PAGES,
    LICENCES,
];

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

/// One request of a pool.
pub struct Request {
    pub method: &'static str,
    pub path: String,
    /// A JSON body, on one line.
    pub body: Option<String>,
}

impl Request {
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: "GET",
            path: path.into(),
            body: None,
        }
    }
}

/// User creations a script makes up: `POST /users` with a unique email per
/// wrk thread and request, a random role and the Standard profile.
pub struct Creations {
    /// Every `every`-th request is a creation (1: all of them).
    pub every: u64,
    pub roles: Vec<String>,
    pub profile: String,
    /// Makes emails unique across runs and scenarios on one database.
    pub tag: String,
}

/// A scenario: its name, its pool and its creations, if any.
pub struct Scenario {
    pub name: &'static str,
    pub pool: Vec<Request>,
    pub creations: Option<Creations>,
}

impl Scenario {
    /// A scenario sending one request again and again.
    pub fn fixed(name: &'static str, path: &str) -> Self {
        Self {
            name,
            pool: vec![Request::get(path)],
            creations: None,
        }
    }
}

/// A cheap, well-spread pseudo-random number from a request index.
fn spread(i: u64, salt: u64) -> u64 {
    let mut z = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt;
    z = (z ^ (z >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^ (z >> 29)
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

/// The `i`-th request of count scenario `n` (an index into [`COUNTS`]).
fn count_request(n: usize, spec: &SeedSpec, i: u64) -> Request {
    let groups = spec.groups.max(1) as u64;
    match n {
        0 => Request::get(format!(
            "/crm/v8/users/actions/count?type={}",
            USER_TYPES[(i % USER_TYPES.len() as u64) as usize]
        )),
        1 => Request::get(format!(
            "/crm/v8/settings/user_groups/{}/actions/sources_count",
            spec.id(GROUP_BASE, (spread(i, 1) % groups) as usize)
        )),
        2 => Request::get(format!(
            "/crm/v8/settings/user_groups/actions/associated_users_count?page={}&per_page=200",
            1 + spread(i, 2) % groups.div_ceil(200)
        )),
        3 => {
            let query = match i % 3 {
                0 => format!(
                    "page={}&per_page=10",
                    1 + spread(i, 3) % (groups / 10).max(1)
                ),
                1 => {
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
        4 => Request::get(format!(
            "/crm/v8/settings/territories/actions/associated_users_count?page={}&per_page=200",
            1 + spread(i, 7) % (spec.territories.max(1) as u64).div_ceil(200)
        )),
        _ => Request::get("/crm/v8/__features/user_licenses"),
    }
}

fn random_user(live: &[i64], i: u64, salt: u64) -> i64 {
    live[(spread(i, salt) % live.len() as u64) as usize]
}

/// The read scenarios: the count endpoints, then `GET /users/{id}` of
/// random live users.
pub fn reads(spec: &SeedSpec, live: &[i64]) -> Vec<Scenario> {
    let mut out: Vec<Scenario> = COUNTS
        .iter()
        .enumerate()
        .map(|(n, name)| {
            // The users count has ten different requests, the licences one.
            let size = match n {
                0 => USER_TYPES.len() as u64,
                5 => 1,
                _ => POOL,
            };
            Scenario {
                name,
                pool: (0..size).map(|i| count_request(n, spec, i)).collect(),
                creations: None,
            }
        })
        .collect();
    out.push(Scenario {
        name: GET_USER,
        pool: (0..POOL)
            .map(|i| Request::get(format!("/crm/v8/users/{}", random_user(live, i, 9))))
            .collect(),
        creations: None,
    });
    out
}

fn creations(spec: &SeedSpec, every: u64, tag: String) -> Creations {
    Creations {
        every,
        roles: (0..spec.roles.max(1))
            .map(|n| spec.id(ROLE_BASE, n).to_string())
            .collect(),
        profile: spec.id(PROFILE_BASE, 1).to_string(),
        tag,
    }
}

/// User creations, one per request; `run` keeps emails unique across runs.
pub fn create(spec: &SeedSpec, run: u64) -> Scenario {
    Scenario {
        name: CREATE,
        pool: Vec::new(),
        creations: Some(creations(spec, 1, format!("c{run}"))),
    }
}

/// 10% user creations, then, of every nine other requests, eight count
/// reads over all the count scenarios and one role change of a random live
/// user (which moves group memberships): 80% reads, 20% writes.
pub fn mixed(spec: &SeedSpec, run: u64, live: &[i64]) -> Scenario {
    let pool = (0..POOL)
        .map(|i| {
            let (block, at) = (i / 9, i % 9);
            if at == 8 {
                let role = spec.id(
                    ROLE_BASE,
                    (spread(i, 11) % spec.roles.max(1) as u64) as usize,
                );
                Request {
                    method: "PUT",
                    path: format!("/crm/v8/users/{}", random_user(live, i, 10)),
                    body: Some(json!({"users": [{"role": {"id": role.to_string()}}]}).to_string()),
                }
            } else {
                let read = block * 8 + at;
                count_request((read % COUNTS.len() as u64) as usize, spec, read)
            }
        })
        .collect();
    Scenario {
        name: MIXED,
        pool,
        creations: Some(creations(spec, 10, format!("m{run}"))),
    }
}

/// Ids of the live users of a generated org, without the primary user
/// (whose token the benchmark uses and whose role it must not change).
pub fn live_user_ids(doc: &orgdir_core::document::OrgDocument) -> Vec<i64> {
    doc.users
        .iter()
        .filter(|u| u.status != "deleted" && !u.primary)
        .filter_map(|u| u.id.parse().ok())
        .collect()
}
