//! The org document: a whole org — profiles, roles, users, territories and
//! their users — as one JSON document with explicit ids and timestamps, so a
//! fixture can reproduce Zoho's sample responses byte for byte.
//!
//! [`import`] checks everything first and reports every problem it finds with
//! its JSON path; only a document without problems is written, in one
//! transaction. [`export`] is the inverse.

use crate::groups::{Group, Source, SourceKind};
use crate::org::{Edition, Org, Profile, Role};
use crate::service::orgs::FIRST_SEQUENCE;
use crate::service::Directory;
use crate::store::{write, OrgTx, UserQuery, WriteTarget};
use crate::territories::{PermissionType, Territory};
use crate::unavailability::{Unavailability, UnavailabilityQuery};
use crate::users::{normalize_email, type_bucket_codes, User, UserStatus};
use crate::{Error, OrgId, Result, ZohoId};
use orgdir_types::users::UserType;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The document format version this code reads and writes.
pub const FORMAT: u32 = 1;

/// A whole org.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgDocument {
    /// Always [`FORMAT`].
    pub orgdir_document: u32,
    pub org: DocOrg,
    pub profiles: Vec<DocProfile>,
    pub roles: Vec<DocRole>,
    pub users: Vec<DocUser>,
    /// At least the root territory.
    pub territories: Vec<DocTerritory>,
    #[serde(default)]
    pub user_groups: Vec<DocGroup>,
    /// Periods users are unavailable (left out when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users_unavailability: Vec<DocUnavailability>,
}

/// The org itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocOrg {
    pub id: String,
    pub name: String,
    #[serde(default = "utc")]
    pub time_zone: String,
    #[serde(default = "enterprise")]
    pub edition: String,
    /// Purchased user licences.
    pub licenses: u32,
    pub created_time: String,
    /// The next generated id's sequence number (default: past every id in the document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_sequence: Option<i64>,
}

fn utc() -> String {
    "UTC".to_owned()
}

fn enterprise() -> String {
    Edition::Enterprise.as_str().to_owned()
}

/// A profile. `admin: true` marks the Administrator profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocProfile {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_label: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub custom: bool,
    #[serde(default)]
    pub admin: bool,
    /// The permissions it turned off, by name (`profile_permissions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disabled_permissions: Vec<String>,
    pub created_time: String,
    pub modified_time: String,
}

/// A role; the root role has `reporting_to: null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocRole {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_label: Option<String>,
    pub reporting_to: Option<String>,
    #[serde(default)]
    pub share_with_peers: bool,
    #[serde(default)]
    pub description: Option<String>,
    pub created_time: String,
    pub modified_time: String,
}

/// A user; exactly one is `primary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocUser {
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub first_name: Option<String>,
    pub last_name: String,
    /// `active`, `disabled` or `deleted`.
    pub status: String,
    pub confirm: bool,
    #[serde(default)]
    pub zuid: Option<String>,
    pub role: String,
    pub profile: String,
    #[serde(default)]
    pub primary: bool,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
    pub created_time: String,
    pub modified_time: String,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub modified_by: Option<String>,
    /// A password to sign in with on the consent page, in clear: read on
    /// import only, where it is hashed at once; never written out.
    #[serde(default, skip_serializing)]
    pub password: Option<String>,
    /// The password's argon2id PHC string, as an export gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
}

/// A territory; the root has `reporting_to: null`. `users` are its direct members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocTerritory {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub manager: Option<String>,
    pub reporting_to: Option<String>,
    #[serde(default = "read_only")]
    pub permission_type: String,
    pub created_time: String,
    pub modified_time: String,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub modified_by: Option<String>,
    #[serde(default)]
    pub users: Vec<String>,
}

/// A user group with its sources (its members are computed on import).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocGroup {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub sources: Vec<DocSource>,
    pub created_time: String,
    pub modified_time: String,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub modified_by: Option<String>,
}

/// One source of a [`DocGroup`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocSource {
    /// `users`, `roles`, `territories` or `groups`.
    #[serde(rename = "type")]
    pub kind: String,
    pub source: String,
    #[serde(default)]
    pub subordinates: bool,
}

/// A period a live user is unavailable; `from` before `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocUnavailability {
    pub id: String,
    pub user: String,
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub all_day: bool,
    #[serde(default)]
    pub comments: Option<String>,
}

fn read_only() -> String {
    PermissionType::ReadOnly.as_str().to_owned()
}

/// One problem of a document, with the JSON path it sits at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a document was refused: every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the org document has {} problem(s):\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
pub struct Problems(pub Vec<Problem>);

/// Parses a document's JSON; a structural mistake is reported with its path.
pub fn parse(json: &str) -> Result<OrgDocument, Problems> {
    let mut de = serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        Problems(vec![Problem {
            path: if path == "." {
                "$".to_owned()
            } else {
                format!("$.{path}")
            },
            message: e.into_inner().to_string(),
        }])
    })
}

/// The org, its rows and its memberships, checked and ready to write.
struct Checked {
    org: Org,
    profiles: Vec<Profile>,
    roles: Vec<Role>,
    users: Vec<User>,
    territories: Vec<Territory>,
    memberships: Vec<(ZohoId, ZohoId)>,
    groups: Vec<(Group, Vec<Source>)>,
    unavailability: Vec<Unavailability>,
    /// Users' password hashes.
    passwords: Vec<(ZohoId, String)>,
}

/// Collects problems while reading a document.
struct Checker {
    problems: Vec<Problem>,
    seen_ids: HashSet<ZohoId>,
}

impl Checker {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    /// A new record id (unique across the document).
    fn new_id(&mut self, text: &str, path: String) -> ZohoId {
        match ZohoId::parse(text) {
            None => {
                self.problem(path, "not an id (1 to 19 digits)");
                ZohoId(0)
            }
            Some(id) if !self.seen_ids.insert(id) => {
                self.problem(path, format!("id {id} is used twice"));
                id
            }
            Some(id) => id,
        }
    }

    /// A reference to a record in `known`.
    fn reference(
        &mut self,
        text: &str,
        known: &HashSet<ZohoId>,
        path: String,
        what: &str,
    ) -> ZohoId {
        match ZohoId::parse(text) {
            Some(id) if known.contains(&id) => id,
            _ => {
                self.problem(path, format!("no {what} with id {text:?} in the document"));
                ZohoId(0)
            }
        }
    }

    fn time(&mut self, text: &str, path: String) -> i64 {
        crate::time::parse(text).unwrap_or_else(|| {
            self.problem(path, "not an ISO 8601 timestamp with offset");
            0
        })
    }

    /// Checks that `parents` form one tree: exactly one root, every node reaches it.
    fn tree(&mut self, parents: &[(ZohoId, Option<ZohoId>)], path: &str, what: &str) {
        let roots = parents.iter().filter(|(_, p)| p.is_none()).count();
        if roots != 1 {
            self.problem(
                format!("$.{path}"),
                format!("exactly one root {what} (reporting_to null) is needed, found {roots}"),
            );
        }
        let parent_of: HashMap<ZohoId, Option<ZohoId>> = parents.iter().copied().collect();
        for (i, (id, _)) in parents.iter().enumerate() {
            let mut current = Some(*id);
            let mut steps = 0;
            while let Some(node) = current {
                steps += 1;
                if steps > parents.len() {
                    self.problem(
                        format!("$.{path}[{i}].reporting_to"),
                        format!("the {what} tree has a cycle"),
                    );
                    break;
                }
                current = parent_of.get(&node).copied().flatten();
            }
        }
    }
}

fn check(doc: &OrgDocument) -> Result<Checked, Problems> {
    let mut c = Checker {
        problems: Vec::new(),
        seen_ids: HashSet::new(),
    };
    if doc.orgdir_document != FORMAT {
        c.problem(
            "$.orgdir_document",
            format!("only format {FORMAT} is known"),
        );
    }
    let org_id = OrgId::parse(&doc.org.id).unwrap_or_else(|| {
        c.problem("$.org.id", "not an org id");
        OrgId(0)
    });
    let edition = Edition::parse(&doc.org.edition).unwrap_or_else(|| {
        c.problem("$.org.edition", "unknown edition");
        Edition::default()
    });
    if !crate::time::is_valid_time_zone(&doc.org.time_zone) {
        c.problem("$.org.time_zone", "unknown time zone");
    }
    if doc.org.licenses == 0 {
        c.problem("$.org.licenses", "an org needs at least one licence");
    }
    if doc.org.name.trim().is_empty() {
        c.problem("$.org.name", "the name is empty");
    }
    let org_created = c.time(&doc.org.created_time, "$.org.created_time".into());

    let mut profiles = Vec::new();
    for (i, p) in doc.profiles.iter().enumerate() {
        let at = |k: &str| format!("$.profiles[{i}].{k}");
        profiles.push(Profile {
            id: c.new_id(&p.id, at("id")),
            name: p.name.clone(),
            display_label: p.display_label.clone().unwrap_or_else(|| p.name.clone()),
            description: p.description.clone(),
            default: p.default,
            custom: p.custom,
            admin: p.admin,
            disabled_permissions: p.disabled_permissions.clone(),
            created_at: c.time(&p.created_time, at("created_time")),
            modified_at: c.time(&p.modified_time, at("modified_time")),
        });
        for (j, name) in p.disabled_permissions.iter().enumerate() {
            let known = crate::profile_permissions::catalog()
                .iter()
                .find(|perm| perm.name == *name);
            match known {
                None => c.problem(
                    at(&format!("disabled_permissions[{j}]")),
                    "not a permission",
                ),
                Some(perm) if perm.setup => c.problem(
                    at(&format!("disabled_permissions[{j}]")),
                    "setup permissions follow the profile's admin flag",
                ),
                Some(_) => {}
            }
        }
    }
    for (name, admin) in [
        (crate::org::ADMIN_PROFILE, true),
        (crate::org::STANDARD_PROFILE, false),
    ] {
        if !profiles.iter().any(|p| p.name == name && p.admin == admin) {
            c.problem(
                "$.profiles",
                format!("the built-in profile {name} (admin: {admin}) is missing"),
            );
        }
    }
    let profile_ids: HashSet<ZohoId> = profiles.iter().map(|p| p.id).collect();

    let role_ids: HashSet<ZohoId> = doc
        .roles
        .iter()
        .filter_map(|r| ZohoId::parse(&r.id))
        .collect();
    let mut roles = Vec::new();
    for (i, r) in doc.roles.iter().enumerate() {
        let at = |k: &str| format!("$.roles[{i}].{k}");
        let reporting_to = r
            .reporting_to
            .as_deref()
            .map(|p| c.reference(p, &role_ids, at("reporting_to"), "role"));
        roles.push(Role {
            id: c.new_id(&r.id, at("id")),
            name: r.name.clone(),
            display_label: r.display_label.clone().unwrap_or_else(|| r.name.clone()),
            reporting_to,
            share_with_peers: r.share_with_peers,
            description: r.description.clone(),
            created_at: c.time(&r.created_time, at("created_time")),
            modified_at: c.time(&r.modified_time, at("modified_time")),
        });
    }
    let role_tree: Vec<_> = roles.iter().map(|r| (r.id, r.reporting_to)).collect();
    c.tree(&role_tree, "roles", "role");

    let user_ids: HashSet<ZohoId> = doc
        .users
        .iter()
        .filter_map(|u| ZohoId::parse(&u.id))
        .collect();
    let admin_profiles: HashSet<ZohoId> =
        profiles.iter().filter(|p| p.admin).map(|p| p.id).collect();
    let mut users = Vec::new();
    let mut passwords = Vec::new();
    let mut emails: HashMap<String, usize> = HashMap::new();
    for (i, u) in doc.users.iter().enumerate() {
        let at = |k: &str| format!("$.users[{i}].{k}");
        let status = UserStatus::parse(&u.status).unwrap_or_else(|| {
            c.problem(at("status"), "status must be active, disabled or deleted");
            UserStatus::Active
        });
        let email = normalize_email(&u.email, &at("email")).unwrap_or_else(|_| {
            c.problem(at("email"), "invalid email address");
            u.email.clone()
        });
        if status != UserStatus::Deleted {
            if let Some(first) = emails.insert(email.to_ascii_lowercase(), i) {
                c.problem(
                    at("email"),
                    format!("the email is also used by $.users[{first}]"),
                );
            }
        }
        if u.last_name.trim().is_empty() {
            c.problem(at("last_name"), "last_name is required");
        }
        let profile_id = c.reference(&u.profile, &profile_ids, at("profile"), "profile");
        let mut person = |field: &Option<String>, key: &str| {
            field
                .as_deref()
                .map(|id| c.reference(id, &user_ids, at(key), "user"))
        };
        let created_by = person(&u.created_by, "created_by");
        let modified_by = person(&u.modified_by, "modified_by");
        let user = User {
            id: c.new_id(&u.id, at("id")),
            email,
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            status,
            confirmed: u.confirm,
            zuid: u.zuid.clone(),
            role_id: c.reference(&u.role, &role_ids, at("role"), "role"),
            profile_id,
            admin: admin_profiles.contains(&profile_id),
            primary: u.primary,
            // Kept as the API keeps them (a `Reporting_To` id becomes
            // `{"id": …}`); a wrong value was reported by `validate`.
            extra: u
                .extra
                .iter()
                .map(|(key, value)| {
                    let kept = crate::user_fields::check(key, value, &at("extra"))
                        .unwrap_or_else(|_| value.clone());
                    (key.clone(), kept)
                })
                .collect(),
            created_at: c.time(&u.created_time, at("created_time")),
            modified_at: c.time(&u.modified_time, at("modified_time")),
            created_by,
            modified_by,
        };
        match (&u.password, &u.password_hash) {
            (Some(_), Some(_)) => {
                c.problem(at("password"), "give password or password_hash, not both")
            }
            (Some(clear), None) => {
                if let Err(message) = crate::service::passwords::check(clear) {
                    c.problem(at("password"), message);
                }
            }
            (None, Some(phc)) if !crate::service::passwords::is_phc(phc) => {
                c.problem(
                    at("password_hash"),
                    "not an argon2id PHC string ($argon2id$…)",
                );
            }
            (None, Some(phc)) => passwords.push((user.id, phc.clone())),
            (None, None) => {}
        }
        if user.primary && !(user.status == UserStatus::Active && user.confirmed && user.admin) {
            c.problem(
                at("primary"),
                "the primary user must be active, confirmed and an Administrator",
            );
        }
        users.push(user);
    }
    let primaries = users.iter().filter(|u| u.primary).count();
    if primaries != 1 {
        c.problem(
            "$.users",
            format!("exactly one primary user is needed, found {primaries}"),
        );
    }
    let active = users
        .iter()
        .filter(|u| u.status == UserStatus::Active)
        .count();
    if active > doc.org.licenses as usize {
        c.problem(
            "$.org.licenses",
            format!(
                "{active} active users need more than {} licences",
                doc.org.licenses
            ),
        );
    }
    let live_users: HashSet<ZohoId> = users
        .iter()
        .filter(|u| u.status != UserStatus::Deleted)
        .map(|u| u.id)
        .collect();

    let territory_ids: HashSet<ZohoId> = doc
        .territories
        .iter()
        .filter_map(|t| ZohoId::parse(&t.id))
        .collect();
    let mut territories = Vec::new();
    let mut memberships = Vec::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    for (i, t) in doc.territories.iter().enumerate() {
        let at = |k: &str| format!("$.territories[{i}].{k}");
        let id = c.new_id(&t.id, at("id"));
        if let Some(first) = names.insert(t.name.trim().to_lowercase(), i) {
            c.problem(
                at("name"),
                format!("the name is also used by $.territories[{first}]"),
            );
        }
        let permission_type = PermissionType::parse(&t.permission_type).unwrap_or_else(|| {
            c.problem(
                at("permission_type"),
                "permission_type must be read_only or read_write_delete",
            );
            PermissionType::ReadOnly
        });
        let manager = t
            .manager
            .as_deref()
            .map(|m| c.reference(m, &live_users, at("manager"), "live user"));
        let mut members: Vec<ZohoId> = Vec::new();
        for (j, member) in t.users.iter().enumerate() {
            let user = c.reference(
                member,
                &live_users,
                format!("$.territories[{i}].users[{j}]"),
                "live user",
            );
            if members.contains(&user) {
                c.problem(
                    format!("$.territories[{i}].users[{j}]"),
                    "the user is listed twice",
                );
            }
            members.push(user);
        }
        if let Some(m) = manager.filter(|m| !members.contains(m)) {
            members.push(m); // a manager counts as associated
        }
        memberships.extend(members.iter().map(|u| (id, *u)));
        let mut person = |field: &Option<String>, key: &str| {
            field
                .as_deref()
                .map(|id| c.reference(id, &user_ids, at(key), "user"))
        };
        let created_by = person(&t.created_by, "created_by");
        let modified_by = person(&t.modified_by, "modified_by");
        territories.push(Territory {
            id,
            name: t.name.trim().to_owned(),
            api_name: t
                .api_name
                .clone()
                .unwrap_or_else(|| crate::territories::api_name_from(&t.name)),
            description: t.description.clone(),
            manager,
            reporting_to: t
                .reporting_to
                .as_deref()
                .map(|p| c.reference(p, &territory_ids, at("reporting_to"), "territory")),
            permission_type,
            member_count: 0,
            created_at: c.time(&t.created_time, at("created_time")),
            modified_at: c.time(&t.modified_time, at("modified_time")),
            created_by,
            modified_by,
        });
    }
    let territory_tree: Vec<_> = territories.iter().map(|t| (t.id, t.reporting_to)).collect();
    c.tree(&territory_tree, "territories", "territory");

    let group_ids: HashSet<ZohoId> = doc
        .user_groups
        .iter()
        .filter_map(|g| ZohoId::parse(&g.id))
        .collect();
    let mut groups = Vec::new();
    let mut group_names: HashMap<String, usize> = HashMap::new();
    for (i, g) in doc.user_groups.iter().enumerate() {
        let at = |k: &str| format!("$.user_groups[{i}].{k}");
        if let Some(first) = group_names.insert(g.name.trim().to_lowercase(), i) {
            c.problem(
                at("name"),
                format!("the name is also used by $.user_groups[{first}]"),
            );
        }
        let mut sources: Vec<Source> = Vec::new();
        for (j, s) in g.sources.iter().enumerate() {
            let path = format!("$.user_groups[{i}].sources[{j}]");
            let Some(kind) = SourceKind::parse(&s.kind) else {
                c.problem(
                    format!("{path}.type"),
                    "type must be users, roles, territories or groups",
                );
                continue;
            };
            let known = match kind {
                SourceKind::Users => &user_ids,
                SourceKind::Roles => &role_ids,
                SourceKind::Territories => &territory_ids,
                SourceKind::Groups => &group_ids,
            };
            let id = c.reference(&s.source, known, format!("{path}.source"), kind.as_str());
            if sources.iter().any(|o| o.kind == kind && o.id == id) {
                c.problem(path, "the same source is given twice");
                continue;
            }
            sources.push(Source {
                kind,
                id,
                subordinates: s.subordinates
                    && matches!(kind, SourceKind::Roles | SourceKind::Territories),
            });
        }
        let mut person = |field: &Option<String>, key: &str| {
            field
                .as_deref()
                .map(|id| c.reference(id, &user_ids, at(key), "user"))
        };
        let created_by = person(&g.created_by, "created_by");
        let modified_by = person(&g.modified_by, "modified_by");
        let group = Group {
            id: c.new_id(&g.id, at("id")),
            name: g.name.trim().to_owned(),
            description: g.description.clone(),
            member_count: 0,
            created_at: c.time(&g.created_time, at("created_time")),
            modified_at: c.time(&g.modified_time, at("modified_time")),
            created_by,
            modified_by,
        };
        groups.push((group, sources));
    }
    let nesting = crate::groups::Nesting::new(groups.iter().flat_map(|(g, sources)| {
        sources
            .iter()
            .filter(|s| s.kind == SourceKind::Groups)
            .map(move |s| (g.id, s.id))
    }));
    for (i, (group, _)) in groups.iter().enumerate() {
        if nesting.in_cycle(group.id) {
            c.problem(
                format!("$.user_groups[{i}].sources"),
                "the group contains itself through nested groups",
            );
        }
    }

    let unavailability = check_unavailability(&mut c, doc, &live_users);

    if let Some(next) = doc.org.next_sequence {
        if !(FIRST_SEQUENCE..crate::ids::ID_SPACING / 2).contains(&next) {
            c.problem(
                "$.org.next_sequence",
                format!(
                    "next_sequence must be between {FIRST_SEQUENCE} and {}",
                    crate::ids::ID_SPACING / 2 - 1
                ),
            );
        }
    }
    for (i, u) in doc.users.iter().enumerate() {
        for (key, value) in &u.extra {
            let path = format!("$.users[{i}].extra.{key}");
            if !crate::user_fields::is_settable(key) {
                c.problem(path, "not an optional user field");
            } else if let Err(Error::InvalidData { message, .. }) =
                crate::user_fields::check(key, value, &path)
            {
                c.problem(path, message);
            }
        }
    }
    if !c.problems.is_empty() {
        return Err(Problems(c.problems));
    }
    let max_seq = c
        .seen_ids
        .iter()
        .filter_map(|id| id.sequence_in(org_id))
        .max()
        .unwrap_or(0);
    let org = Org {
        id: org_id,
        name: doc.org.name.trim().to_owned(),
        time_zone: doc.org.time_zone.clone(),
        edition,
        licenses: doc.org.licenses,
        next_seq: doc
            .org
            .next_sequence
            .unwrap_or(0)
            .max(max_seq + 1)
            .max(FIRST_SEQUENCE),
        created_at: org_created,
    };
    Ok(Checked {
        org,
        profiles,
        roles,
        users,
        territories,
        memberships,
        groups,
        unavailability,
        passwords,
    })
}

/// The document's periods of unavailability, each of a live user, with
/// `from` before `to` and comments of at most 250 characters.
fn check_unavailability(
    c: &mut Checker,
    doc: &OrgDocument,
    live_users: &HashSet<ZohoId>,
) -> Vec<Unavailability> {
    let mut periods = Vec::new();
    for (i, p) in doc.users_unavailability.iter().enumerate() {
        let at = |k: &str| format!("$.users_unavailability[{i}].{k}");
        let period = Unavailability {
            id: c.new_id(&p.id, at("id")),
            user_id: c.reference(&p.user, live_users, at("user"), "live user"),
            from: c.time(&p.from, at("from")),
            to: c.time(&p.to, at("to")),
            all_day: p.all_day,
            comments: p.comments.clone(),
        };
        if period.from >= period.to {
            c.problem(at("to"), crate::unavailability::STARTS_BEFORE_ENDS);
        }
        let max = crate::unavailability::MAX_COMMENTS;
        if period
            .comments
            .as_ref()
            .is_some_and(|t| t.chars().count() > max)
        {
            c.problem(
                at("comments"),
                format!("comments is longer than {max} characters"),
            );
        }
        periods.push(period);
    }
    periods
}

/// Checks a document without writing anything.
pub fn validate(doc: &OrgDocument) -> Result<(), Problems> {
    check(doc).map(|_| ())
}

/// What [`import`] can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The document has problems; nothing was written.
    #[error(transparent)]
    Invalid(#[from] Problems),
    /// The store refused (e.g. the org id exists) or failed; nothing was written.
    #[error(transparent)]
    Store(#[from] Error),
}

/// Where a bulk write is, for a progress display (reported from inside the
/// write job, which may run on another thread).
pub trait Progress: Send + Sync {
    /// `stage` has done `done` of `total` steps.
    fn report(&self, stage: &'static str, done: u64, total: u64);
}

/// No display.
impl Progress for () {
    fn report(&self, _: &'static str, _: u64, _: u64) {}
}

/// The baseline of a seeded org: the recipe, not the (large) document.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedBaseline {
    orgdir_seed: crate::seed::SeedSpec,
}

/// Writes a checked document as a new org, in one transaction, and keeps it
/// as the org's baseline (what a reset returns to).
pub async fn import(dir: &Directory, doc: &OrgDocument) -> Result<Org, ImportError> {
    validate(doc)?;
    // Clear passwords are hashed before anything is kept: the baseline
    // (and so a reset) holds their hashes only.
    let doc = hash_passwords(doc.clone()).await?;
    let baseline = serde_json::to_string(&doc).map_err(Error::internal)?;
    import_with(dir, &doc, baseline, Arc::new(())).await
}

/// `doc` with each user's clear `password` replaced by its hash.
async fn hash_passwords(mut doc: OrgDocument) -> Result<OrgDocument> {
    if doc.users.iter().all(|u| u.password.is_none()) {
        return Ok(doc);
    }
    tokio::task::spawn_blocking(move || {
        for user in &mut doc.users {
            if let Some(clear) = user.password.take() {
                user.password_hash = Some(crate::service::passwords::hash(&clear)?);
            }
        }
        Ok(doc)
    })
    .await
    .map_err(Error::internal)?
}

/// Generates the org of `spec` and writes it like [`import`]; its baseline
/// is the spec, so a reset generates it again.
pub async fn import_seeded(
    dir: &Directory,
    spec: &crate::seed::SeedSpec,
    progress: Arc<dyn Progress>,
) -> Result<Org, ImportError> {
    progress.report("generating", 0, 1);
    let doc = crate::seed::generate(spec);
    let baseline =
        serde_json::to_string(&SeedBaseline { orgdir_seed: *spec }).map_err(Error::internal)?;
    import_with(dir, &doc, baseline, progress).await
}

async fn import_with(
    dir: &Directory,
    doc: &OrgDocument,
    baseline: String,
    progress: Arc<dyn Progress>,
) -> Result<Org, ImportError> {
    progress.report("checking", 0, 1);
    let checked = check(doc)?;
    let target = WriteTarget::NewOrg(checked.org.clone());
    write(dir.store(), target, move |tx| {
        Box::pin(async move {
            write_rows(tx, &checked, progress.as_ref()).await?;
            tx.set_baseline(&baseline).await?;
            progress.report("committing", 0, 1);
            Ok(tx.org().clone())
        })
    })
    .await
}

/// The document a baseline stands for.
fn baseline_document(text: &str) -> Result<OrgDocument, ImportError> {
    match serde_json::from_str::<SeedBaseline>(text) {
        Ok(seeded) => Ok(crate::seed::generate(&seeded.orgdir_seed)),
        Err(_) => Ok(parse(text)?),
    }
}

/// Puts an org back to its baseline in one transaction: every user, role,
/// profile, territory and group is replaced; tokens of baseline users and
/// OAuth clients keep working. This process forgets the org's journal
/// and fault rules (API-DESIGN 169).
pub async fn reset(dir: &Directory, org: OrgId) -> Result<Org, ImportError> {
    let text = dir
        .store()
        .baseline(org)
        .await?
        .ok_or_else(Error::no_such_org)?;
    let checked = check(&baseline_document(&text)?)?;
    let reset = write(dir.store(), WriteTarget::Reset(org), move |tx| {
        Box::pin(async move {
            tx.replace_org(&checked.org).await?;
            write_rows(tx, &checked, &()).await?;
            tx.drop_orphaned_credentials().await?;
            Ok::<_, ImportError>(tx.org().clone())
        })
    })
    .await?;
    dir.controls().forget(org);
    Ok(reset)
}

/// Rows per insert batch between two progress reports.
const BATCH: usize = 20_000;

/// Bulk writes of at least this many users, memberships and groups refresh
/// the planner's statistics before the counts are built.
const ANALYZE_AFTER: usize = 10_000;

/// Inserts every row of a checked document, then builds every maintained
/// count once, set-based ([`crate::store::OrgTx::rebuild_counts`]).
async fn write_rows(tx: &mut dyn OrgTx, checked: &Checked, progress: &dyn Progress) -> Result<()> {
    for profile in &checked.profiles {
        tx.insert_profile(profile).await?;
    }
    let total = |n: usize| n as u64;
    for (i, role) in checked.roles.iter().enumerate() {
        if i % 1_000 == 0 {
            progress.report("roles", total(i), total(checked.roles.len()));
        }
        tx.insert_role(role).await?;
    }
    for (i, batch) in checked.users.chunks(BATCH).enumerate() {
        progress.report("users", total(i * BATCH), total(checked.users.len()));
        tx.insert_users(batch).await?;
    }
    for (i, territory) in checked.territories.iter().enumerate() {
        if i % 1_000 == 0 {
            progress.report("territories", total(i), total(checked.territories.len()));
        }
        tx.insert_territory(territory).await?;
    }
    for (i, batch) in checked.memberships.chunks(BATCH).enumerate() {
        progress.report(
            "memberships",
            total(i * BATCH),
            total(checked.memberships.len()),
        );
        tx.add_members(batch).await?;
    }
    for (i, (group, sources)) in checked.groups.iter().enumerate() {
        if i % 1_000 == 0 {
            progress.report("groups", total(i), total(checked.groups.len()));
        }
        tx.insert_group(group).await?;
        tx.set_sources(group.id, sources).await?;
    }
    for period in &checked.unavailability {
        tx.insert_unavailability(period).await?;
    }
    for (user, hash) in &checked.passwords {
        tx.set_password_hash(*user, Some(hash)).await?;
    }
    progress.report("counting", 0, 1);
    let rows = checked.users.len() + checked.memberships.len() + checked.groups.len();
    tx.rebuild_counts(rows >= ANALYZE_AFTER).await
}

/// Reads a whole org as a document.
pub async fn export(dir: &Directory, org_id: OrgId) -> Result<OrgDocument> {
    let store = dir.store();
    let org = store.org(org_id).await?.ok_or_else(Error::no_such_org)?;
    let time = |t: i64| org.format_time(t);
    let id = |i: ZohoId| i.to_string();
    let users = store
        .users(
            org_id,
            &UserQuery {
                modified_after: None,
                buckets: type_bucket_codes(UserType::AllUsers),
                ids: None,
                offset: 0,
                limit: i64::MAX as u64,
            },
        )
        .await?
        .value;
    let territories = store.territories(org_id, 0, i64::MAX as u64).await?.value;
    let groups = store.groups(org_id, None, 0, i64::MAX as u64).await?.value;
    let mut group_sources: HashMap<ZohoId, Vec<DocSource>> = HashMap::new();
    for (group, source) in store.all_group_sources(org_id).await? {
        group_sources.entry(group).or_default().push(DocSource {
            kind: source.kind.as_str().to_owned(),
            source: source.id.to_string(),
            subordinates: source.subordinates,
        });
    }
    let periods = store
        .unavailabilities(org_id, &UnavailabilityQuery::default())
        .await?
        .value;
    let mut passwords: HashMap<ZohoId, String> =
        store.password_hashes(org_id).await?.into_iter().collect();
    let mut members: HashMap<ZohoId, Vec<String>> = HashMap::new();
    for (territory, user) in store.all_memberships(org_id).await? {
        members.entry(territory).or_default().push(user.to_string());
    }
    Ok(OrgDocument {
        orgdir_document: FORMAT,
        org: DocOrg {
            id: org.id.to_string(),
            name: org.name.clone(),
            time_zone: org.time_zone.clone(),
            edition: org.edition.as_str().to_owned(),
            licenses: org.licenses,
            created_time: time(org.created_at),
            next_sequence: Some(org.next_seq),
        },
        profiles: store
            .profiles(org_id)
            .await?
            .value
            .into_iter()
            .map(|p| DocProfile {
                id: id(p.id),
                display_label: (p.display_label != p.name).then_some(p.display_label),
                name: p.name,
                description: p.description,
                default: p.default,
                custom: p.custom,
                admin: p.admin,
                disabled_permissions: p.disabled_permissions,
                created_time: time(p.created_at),
                modified_time: time(p.modified_at),
            })
            .collect(),
        roles: store
            .roles(org_id)
            .await?
            .value
            .into_iter()
            .map(|r| DocRole {
                id: id(r.id),
                display_label: (r.display_label != r.name).then_some(r.display_label),
                name: r.name,
                reporting_to: r.reporting_to.map(id),
                share_with_peers: r.share_with_peers,
                description: r.description,
                created_time: time(r.created_at),
                modified_time: time(r.modified_at),
            })
            .collect(),
        users: users
            .into_iter()
            .map(|d| {
                let u = d.user;
                DocUser {
                    id: id(u.id),
                    email: u.email,
                    first_name: u.first_name,
                    last_name: u.last_name,
                    status: u.status.as_str().to_owned(),
                    confirm: u.confirmed,
                    zuid: u.zuid,
                    role: id(u.role_id),
                    profile: id(u.profile_id),
                    primary: u.primary,
                    extra: u.extra,
                    created_time: time(u.created_at),
                    modified_time: time(u.modified_at),
                    created_by: u.created_by.map(id),
                    modified_by: u.modified_by.map(id),
                    password: None,
                    password_hash: passwords.remove(&u.id),
                }
            })
            .collect(),
        territories: territories
            .into_iter()
            .map(|d| {
                let t = d.territory;
                DocTerritory {
                    users: members.remove(&t.id).unwrap_or_default(),
                    id: id(t.id),
                    name: t.name,
                    api_name: Some(t.api_name),
                    description: t.description,
                    manager: t.manager.map(id),
                    reporting_to: t.reporting_to.map(id),
                    permission_type: t.permission_type.as_str().to_owned(),
                    created_time: time(t.created_at),
                    modified_time: time(t.modified_at),
                    created_by: t.created_by.map(id),
                    modified_by: t.modified_by.map(id),
                }
            })
            .collect(),
        user_groups: groups
            .into_iter()
            .map(|d| {
                let g = d.group;
                DocGroup {
                    sources: group_sources.remove(&g.id).unwrap_or_default(),
                    id: id(g.id),
                    name: g.name,
                    description: g.description,
                    created_time: time(g.created_at),
                    modified_time: time(g.modified_at),
                    created_by: g.created_by.map(id),
                    modified_by: g.modified_by.map(id),
                }
            })
            .collect(),
        users_unavailability: periods
            .into_iter()
            .map(|d| {
                let p = d.unavailability;
                DocUnavailability {
                    id: id(p.id),
                    user: id(p.user_id),
                    from: time(p.from),
                    to: time(p.to),
                    all_day: p.all_day,
                    comments: p.comments,
                }
            })
            .collect(),
    })
}
