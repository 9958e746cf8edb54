//! User groups: their sources, the `filters` grammar of the associated users
//! count, and the definition of a group's associated users (SPEC 3, 4.2, 4.3).
//!
//! The definition, in one sentence: the distinct non-deleted users among the
//! group's user sources, the users whose role is a role source (or below one
//! with `subordinates`), the users associated with a territory source (or
//! below one with `sub_territories`), and the associated users of its group
//! sources, recursively. [`expected_members`] computes exactly that from
//! scratch; `service::groups` keeps it up to date incrementally.

use crate::input::{reference, Fields};
use crate::paging::Page;
use crate::{Error, Result, ZohoId};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// What a source names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    Users,
    Roles,
    Territories,
    Groups,
}

impl SourceKind {
    /// Wire and storage form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::Roles => "roles",
            Self::Territories => "territories",
            Self::Groups => "groups",
        }
    }

    /// Parses the wire form.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "users" => Some(Self::Users),
            "roles" => Some(Self::Roles),
            "territories" => Some(Self::Territories),
            "groups" => Some(Self::Groups),
            _ => None,
        }
    }
}

/// One source of a group. `subordinates` means "and everything below" for
/// roles and territories (`sub_territories` on input means the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Source {
    pub kind: SourceKind,
    pub id: ZohoId,
    pub subordinates: bool,
}

/// A user group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: ZohoId,
    pub name: String,
    pub description: Option<String>,
    /// Associated users, maintained with every write that can change them.
    pub member_count: u64,
    pub created_at: i64,
    pub modified_at: i64,
    pub created_by: Option<ZohoId>,
    pub modified_by: Option<ZohoId>,
}

/// Which of the org's groups a read of one user's groups takes: those the
/// user is an associated user of, or the others (`get_assigned` and
/// `get_unassigned`, API-DESIGN 146).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignment {
    Assigned,
    Unassigned,
}

/// The largest `per_page` of `get_assigned` / `get_unassigned`.
pub const ASSIGN_MAX_PER_PAGE: u32 = 200;

/// A `get_assigned` / `get_unassigned` body (API-DESIGN 146):
/// `{"<key>":{"feature":"user_groups","related_entity_id":"<user>","page",
/// "per_page","filters"}}`, one object. Read in that order; the first
/// mistake answers.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignQuery {
    /// The user whose groups are asked about.
    pub user: ZohoId,
    pub page: Page,
    pub filter: Option<Filter>,
}

impl AssignQuery {
    /// Reads the body. `<key>` missing or `null`: `MANDATORY_NOT_FOUND` at
    /// `$.<key>`; not an object: `INVALID_DATA` there; a field's mistake
    /// names the field (`$.<key>.related_entity_id`).
    pub fn from_json(body: &Value, key: &str) -> Result<Self> {
        let path = format!("$.{key}");
        let value = match body.get(key) {
            None | Some(Value::Null) => return Err(Error::mandatory(path)),
            Some(value @ Value::Object(_)) => value,
            Some(_) => {
                return Err(Error::invalid_field(
                    path,
                    format!("{key} must be a JSON object"),
                ))
            }
        };
        let fields = Fields::new(value, &path)?;
        if fields.req_str("feature", 100)? != "user_groups" {
            return Err(Error::invalid_field(
                fields.path_of("feature"),
                "the only feature is user_groups",
            ));
        }
        let user = fields.req_ref("related_entity_id")?;
        let number = |name: &str| -> Result<Option<String>> {
            match fields.map.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) if n.is_u64() => Ok(Some(n.to_string())),
                Some(_) => Err(Error::invalid_field(
                    fields.path_of(name),
                    format!("{name} must be a whole number"),
                )),
            }
        };
        let (page, per_page) = (number("page")?, number("per_page")?);
        let page = Page::parse(page.as_deref(), per_page.as_deref(), ASSIGN_MAX_PER_PAGE)
            .map_err(|e| e.in_body(&path))?;
        let filter = match fields.map.get("filters") {
            None | Some(Value::Null) => None,
            Some(value) => Some(filters_from_value(value).map_err(|e| e.in_body(&path))?),
        };
        Ok(Self { user, page, filter })
    }
}

/// A group deletion answered `SCHEDULED` (API-DESIGN 145): recorded in the
/// transaction that deleted the group, so a job that exists is completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeletionJob {
    /// From the org's id sequence.
    pub id: ZohoId,
    /// The group deleted.
    pub group_id: ZohoId,
    /// Unix seconds.
    pub created_at: i64,
}

/// A group with the names of its creator and last modifier.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDetails {
    pub group: Group,
    pub created_by_name: Option<String>,
    pub modified_by_name: Option<String>,
}

/// A source with the name of what it names (and a user source's status).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceDetails {
    pub source: Source,
    pub name: String,
    pub user_status: Option<crate::users::UserStatus>,
}

/// `sources_count` of a group (SPEC 4.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourcesCount {
    pub territories: u64,
    pub roles: u64,
    pub groups: u64,
    pub users_active: u64,
    pub users_inactive: u64,
    pub users_deleted: u64,
}

const MAX_NAME: usize = 50;
const MAX_DESCRIPTION: usize = 250;
/// Most sources one group may have.
pub const MAX_SOURCES: usize = 1000;

/// A validated group create item.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGroup {
    pub name: String,
    pub description: Option<String>,
    pub sources: Vec<Source>,
}

/// A validated group update item (`sources`, when given, replaces the list).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupPatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub sources: Option<Vec<Source>>,
}

fn read_sources(f: &Fields<'_>) -> Result<Option<Vec<Source>>> {
    let path = f.path_of("sources");
    let items = match f.map.get("sources") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(Error::invalid_field(path, "sources must be an array")),
    };
    if items.len() > MAX_SOURCES {
        return Err(Error::invalid_field(
            path,
            format!("at most {MAX_SOURCES} sources"),
        ));
    }
    let mut sources: Vec<Source> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let s = Fields::new(item, at.clone())?;
        let kind_text = s.req_str("type", 20)?;
        let kind = SourceKind::parse(&kind_text).ok_or_else(|| {
            Error::invalid_field(
                s.path_of("type"),
                "type must be users, roles, territories or groups",
            )
        })?;
        let id = match s.map.get("source") {
            None | Some(Value::Null) => return Err(Error::mandatory(s.path_of("source"))),
            Some(value) => reference(value, &s.path_of("source"))?,
        };
        let subordinates = s.opt_bool("subordinates")?.unwrap_or(false);
        let sub_territories = s.opt_bool("sub_territories")?.unwrap_or(false);
        let source = Source {
            kind,
            id,
            subordinates: match kind {
                SourceKind::Roles => subordinates,
                SourceKind::Territories => subordinates || sub_territories,
                SourceKind::Users | SourceKind::Groups => false,
            },
        };
        if sources
            .iter()
            .any(|other| other.kind == kind && other.id == id)
        {
            return Err(Error::invalid_field(at, "the same source is given twice"));
        }
        sources.push(source);
    }
    Ok(Some(sources))
}

impl NewGroup {
    /// Reads one item of a create body at `path`.
    pub fn from_json(value: &Value, path: &str) -> Result<Self> {
        let f = Fields::new(value, path)?;
        let name = f.req_str("name", MAX_NAME)?.trim().to_owned();
        let description = f.opt_str("description", MAX_DESCRIPTION)?;
        let sources = read_sources(&f)?.ok_or_else(|| Error::mandatory(f.path_of("sources")))?;
        if sources.is_empty() {
            return Err(Error::mandatory(f.path_of("sources")));
        }
        Ok(Self {
            name,
            description,
            sources,
        })
    }
}

impl GroupPatch {
    /// Reads one item of an update body at `path`.
    pub fn from_json(value: &Value, path: &str) -> Result<Self> {
        let f = Fields::new(value, path)?;
        let name = match f.opt_str("name", MAX_NAME)? {
            Some(n) if n.trim().is_empty() => return Err(Error::mandatory(f.path_of("name"))),
            other => other.map(|n| n.trim().to_owned()),
        };
        let sources = read_sources(&f)?;
        if sources.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::mandatory(f.path_of("sources")));
        }
        Ok(Self {
            name,
            description: if f.has("description") {
                Some(f.opt_str("description", MAX_DESCRIPTION)?)
            } else {
                None
            },
            sources,
        })
    }
}

/// A field `filters` can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    Name,
    Description,
}

/// How a criterion compares (case-insensitively).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    Equal,
    StartsWith,
    Contains,
}

/// `and` / `or`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupOperator {
    And,
    Or,
}

/// A parsed `filters` value (SPEC 4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Criterion {
        field: FilterField,
        comparator: Comparator,
        /// Lower-cased: comparisons ignore case.
        value: String,
    },
    Group {
        operator: GroupOperator,
        members: Vec<Filter>,
    },
}

/// Deepest nesting of filter groups.
pub const MAX_FILTER_DEPTH: usize = 5;
/// Longest criterion value, in characters.
pub const MAX_FILTER_VALUE: usize = 250;

impl Filter {
    /// The groups list's `name` parameter: the groups with that name (in
    /// any letter case), as a filter; empty or longer than
    /// [`MAX_FILTER_VALUE`] is `INVALID_DATA` with `param_name: name`.
    pub fn named(name: &str) -> Result<Self> {
        if name.trim().is_empty() || name.chars().count() > MAX_FILTER_VALUE {
            return Err(Error::invalid_param(
                "name",
                format!("give a group name of 1 to {MAX_FILTER_VALUE} characters"),
            ));
        }
        Ok(Filter::Criterion {
            field: FilterField::Name,
            comparator: Comparator::Equal,
            value: name.to_lowercase(),
        })
    }

    /// Both filters: `self` and `other`.
    pub fn and(self, other: Filter) -> Self {
        Filter::Group {
            operator: GroupOperator::And,
            members: vec![self, other],
        }
    }

    /// Parses the (already URL-decoded) `filters` parameter. Every mistake is
    /// `INVALID_DATA` with `param_name: filters`.
    pub fn parse(text: &str) -> Result<Self> {
        parse_filters(text)
    }

    /// Whether a group with this name and description passes the filter.
    pub fn matches(&self, name: &str, description: Option<&str>) -> bool {
        match self {
            Self::Criterion {
                field,
                comparator,
                value,
            } => {
                let text = match field {
                    FilterField::Name => name.to_lowercase(),
                    FilterField::Description => description.unwrap_or_default().to_lowercase(),
                };
                match comparator {
                    Comparator::Equal => text == *value,
                    Comparator::StartsWith => text.starts_with(value.as_str()),
                    Comparator::Contains => text.contains(value.as_str()),
                }
            }
            Self::Group {
                operator: GroupOperator::And,
                members,
            } => members.iter().all(|m| m.matches(name, description)),
            Self::Group {
                operator: GroupOperator::Or,
                members,
            } => members.iter().any(|m| m.matches(name, description)),
        }
    }
}

impl FilterTree for Filter {
    fn criterion(raw: RawCriterion<'_>) -> Result<Self> {
        let field = match raw.api_name {
            "name" | "user_group.name" => FilterField::Name,
            "description" => FilterField::Description,
            other => return Err(filter_error(format!("{other:?} cannot be filtered on"))),
        };
        let comparator = match raw.comparator {
            "equal" => Comparator::Equal,
            "starts_with" => Comparator::StartsWith,
            "contains" => Comparator::Contains,
            _ => {
                return Err(filter_error(
                    "comparator must be equal, starts_with or contains",
                ))
            }
        };
        Ok(Self::Criterion {
            field,
            comparator,
            value: filter_text(raw.value)?.to_lowercase(),
        })
    }

    fn group(operator: GroupOperator, members: Vec<Self>) -> Self {
        Self::Group { operator, members }
    }
}

/// One criterion of a `filters` value as the grammar reads it, before a
/// resource gives its field and comparator a meaning.
#[derive(Debug, Clone, Copy)]
pub struct RawCriterion<'a> {
    /// `field.api_name`, as given.
    pub api_name: &'a str,
    /// The comparator in lower case (`""` when missing or not a string).
    pub comparator: &'a str,
    /// `value` (`null` when missing).
    pub value: &'a Value,
}

/// A resource's `filters`: what its criteria mean, on the one grammar of
/// decision 82 ([`parse_filters`]) that every `filters` parameter shares.
pub trait FilterTree: Sized {
    /// Gives a criterion its meaning; an unknown field, comparator or
    /// value is an error ([`filter_error`]).
    fn criterion(raw: RawCriterion<'_>) -> Result<Self>;
    /// Joins two or more members with `and` / `or`.
    fn group(operator: GroupOperator, members: Vec<Self>) -> Self;
}

/// The `INVALID_DATA` `{"param_name":"filters"}` of every `filters` mistake.
pub fn filter_error(message: impl Into<String>) -> Error {
    Error::invalid_param("filters", message)
}

/// A criterion's `value` as a string of at most [`MAX_FILTER_VALUE`] characters.
pub fn filter_text(value: &Value) -> Result<&str> {
    match value {
        Value::String(s) if s.chars().count() <= MAX_FILTER_VALUE => Ok(s),
        Value::String(_) => Err(filter_error(format!(
            "value is longer than {MAX_FILTER_VALUE}"
        ))),
        _ => Err(filter_error("value must be a string")),
    }
}

/// Parses the (already URL-decoded) `filters` parameter with the grammar
/// of decision 82: a criterion `{"field":{"api_name"},"comparator","value"}`
/// or a group `{"group_operator":"and"|"or","group":[…]}` of two or more
/// members, nested at most [`MAX_FILTER_DEPTH`] deep. Every mistake is
/// `INVALID_DATA` with `param_name: filters`.
pub fn parse_filters<T: FilterTree>(text: &str) -> Result<T> {
    let value: Value =
        serde_json::from_str(text).map_err(|_| filter_error("filters is not valid JSON"))?;
    filters_from_value(&value)
}

/// [`parse_filters`] on a value already parsed (`filters` inside a body).
pub fn filters_from_value<T: FilterTree>(value: &Value) -> Result<T> {
    filter_node(value, 1)
}

fn filter_node<T: FilterTree>(value: &Value, depth: usize) -> Result<T> {
    let map = value
        .as_object()
        .ok_or_else(|| filter_error("a criterion must be a JSON object"))?;
    if let Some(group) = map.get("group") {
        if map.contains_key("field") || map.contains_key("comparator") || map.contains_key("value")
        {
            return Err(filter_error("a group cannot also be a criterion"));
        }
        if depth > MAX_FILTER_DEPTH {
            return Err(filter_error(format!(
                "groups nest at most {MAX_FILTER_DEPTH} deep"
            )));
        }
        let operator = match map
            .get("group_operator")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("and") => GroupOperator::And,
            Some("or") => GroupOperator::Or,
            _ => return Err(filter_error("group_operator must be and or or")),
        };
        let items = group
            .as_array()
            .ok_or_else(|| filter_error("group must be an array"))?;
        if items.len() < 2 {
            return Err(filter_error("a group needs two or more members"));
        }
        let members = items
            .iter()
            .map(|item| filter_node(item, depth + 1))
            .collect::<Result<Vec<_>>>()?;
        return Ok(T::group(operator, members));
    }
    if map.contains_key("group_operator") {
        return Err(filter_error("group_operator needs a group"));
    }
    let api_name = match map.get("field") {
        Some(Value::Object(field)) => field.get("api_name").and_then(Value::as_str),
        _ => None,
    }
    .ok_or_else(|| filter_error("field.api_name is required"))?;
    let comparator = map
        .get("comparator")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    T::criterion(RawCriterion {
        api_name,
        comparator: &comparator,
        value: map.get("value").unwrap_or(&Value::Null),
    })
}

/// Everything the definition of associated users reads.
#[derive(Debug, Clone, Default)]
pub struct DirectorySnapshot {
    /// (user, role, deleted?)
    pub users: Vec<(ZohoId, ZohoId, bool)>,
    /// (role, parent)
    pub roles: Vec<(ZohoId, Option<ZohoId>)>,
    /// (territory, parent)
    pub territories: Vec<(ZohoId, Option<ZohoId>)>,
    /// (territory, user)
    pub memberships: Vec<(ZohoId, ZohoId)>,
    /// (group, source)
    pub sources: Vec<(ZohoId, Source)>,
}

/// A tree (roles or territories) indexed by parent, for subtree queries.
#[derive(Debug, Clone, Default)]
pub struct Forest {
    children: HashMap<ZohoId, Vec<ZohoId>>,
}

impl Forest {
    /// Indexes (node, parent) pairs.
    pub fn new(edges: &[(ZohoId, Option<ZohoId>)]) -> Self {
        let mut children: HashMap<ZohoId, Vec<ZohoId>> = HashMap::new();
        for (node, parent) in edges {
            if let Some(p) = parent {
                children.entry(*p).or_default().push(*node);
            }
        }
        Self { children }
    }

    /// `root` and every node below it.
    pub fn subtree(&self, root: ZohoId) -> HashSet<ZohoId> {
        let mut out = HashSet::new();
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            if out.insert(node) {
                stack.extend(self.children.get(&node).into_iter().flatten().copied());
            }
        }
        out
    }
}

/// `root` and every node below it in a forest given as (node, parent).
pub fn subtree(edges: &[(ZohoId, Option<ZohoId>)], root: ZohoId) -> HashSet<ZohoId> {
    Forest::new(edges).subtree(root)
}

/// The associated users of every group, computed from the definition alone
/// (no maintained data): the reference the maintained counts are checked against.
pub fn expected_members(snapshot: &DirectorySnapshot) -> HashMap<ZohoId, HashSet<ZohoId>> {
    let live: HashSet<ZohoId> = snapshot
        .users
        .iter()
        .filter(|u| !u.2)
        .map(|u| u.0)
        .collect();
    let mut by_group: HashMap<ZohoId, Vec<Source>> = HashMap::new();
    for (group, source) in &snapshot.sources {
        by_group.entry(*group).or_default().push(*source);
    }
    fn members_of(
        group: ZohoId,
        by_group: &HashMap<ZohoId, Vec<Source>>,
        snapshot: &DirectorySnapshot,
        live: &HashSet<ZohoId>,
        memo: &mut HashMap<ZohoId, HashSet<ZohoId>>,
        visiting: &mut HashSet<ZohoId>,
    ) -> HashSet<ZohoId> {
        if let Some(done) = memo.get(&group) {
            return done.clone();
        }
        let mut out = HashSet::new();
        if !visiting.insert(group) {
            return out; // a cycle cannot be stored; guard anyway
        }
        for source in by_group.get(&group).into_iter().flatten() {
            match source.kind {
                SourceKind::Users => {
                    if live.contains(&source.id) {
                        out.insert(source.id);
                    }
                }
                SourceKind::Roles => {
                    let roles = if source.subordinates {
                        subtree(&snapshot.roles, source.id)
                    } else {
                        HashSet::from([source.id])
                    };
                    out.extend(
                        snapshot
                            .users
                            .iter()
                            .filter(|u| !u.2 && roles.contains(&u.1))
                            .map(|u| u.0),
                    );
                }
                SourceKind::Territories => {
                    let territories = if source.subordinates {
                        subtree(&snapshot.territories, source.id)
                    } else {
                        HashSet::from([source.id])
                    };
                    out.extend(
                        snapshot
                            .memberships
                            .iter()
                            .filter(|(t, u)| territories.contains(t) && live.contains(u))
                            .map(|(_, u)| *u),
                    );
                }
                SourceKind::Groups => {
                    out.extend(members_of(
                        source.id, by_group, snapshot, live, memo, visiting,
                    ));
                }
            }
        }
        visiting.remove(&group);
        memo.insert(group, out.clone());
        out
    }
    let mut memo = HashMap::new();
    let groups: HashSet<ZohoId> = snapshot.sources.iter().map(|(g, _)| *g).collect();
    for group in groups {
        members_of(
            group,
            &by_group,
            snapshot,
            &live,
            &mut memo,
            &mut HashSet::new(),
        );
    }
    memo
}

/// Groups nested in groups: each group source is an edge from the group
/// to the source. Indexed by parent once, so that a walk visits each edge at
/// most once instead of scanning every edge at every step.
pub struct Nesting(HashMap<ZohoId, Vec<ZohoId>>);

impl Nesting {
    /// The nesting of `(group, nested group)` edges.
    pub fn new(edges: impl IntoIterator<Item = (ZohoId, ZohoId)>) -> Self {
        let mut children: HashMap<ZohoId, Vec<ZohoId>> = HashMap::new();
        for (parent, child) in edges {
            children.entry(parent).or_default().push(child);
        }
        Self(children)
    }

    fn children(&self, group: ZohoId) -> &[ZohoId] {
        self.0.get(&group).map_or(&[], Vec::as_slice)
    }

    /// Whether a walk from `start` (the groups given, and all nested in
    /// them) meets `target`.
    fn meets(&self, start: &[ZohoId], target: ZohoId) -> bool {
        let mut stack = start.to_vec();
        let mut seen = HashSet::new();
        while let Some(node) = stack.pop() {
            if node == target {
                return true;
            }
            if seen.insert(node) {
                stack.extend_from_slice(self.children(node));
            }
        }
        false
    }

    /// Whether `target` is `from` or nested (at any depth) inside it.
    pub fn reaches(&self, from: ZohoId, target: ZohoId) -> bool {
        self.meets(&[from], target)
    }

    /// Whether `group` is nested (at any depth) inside itself.
    pub fn in_cycle(&self, group: ZohoId) -> bool {
        self.meets(self.children(group), group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// The (code-ish) variant and JSON path of an `AssignQuery` mistake.
    fn assign_error(body: Value) -> String {
        match AssignQuery::from_json(&body, "get_assigned") {
            Err(Error::MandatoryNotFound {
                details: crate::Details::Field { json_path, .. },
            }) => format!("mandatory {json_path}"),
            Err(Error::InvalidData {
                details: crate::Details::Field { json_path, .. },
                ..
            }) => format!("invalid {json_path}"),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn assign_bodies() {
        let ok = AssignQuery::from_json(
            &json!({"get_assigned":{"feature":"user_groups","related_entity_id":"7","page":2,
                "per_page":10,"filters":{"field":{"api_name":"name"},"comparator":"equal","value":"A"}}}),
            "get_assigned",
        )
        .expect("ok");
        assert_eq!(ok.user, ZohoId(7));
        assert_eq!(
            ok.page,
            Page {
                page: 2,
                per_page: 10
            }
        );
        assert!(ok.filter.is_some());
        let bare = AssignQuery::from_json(
            &json!({"get_assigned":{"feature":"user_groups","related_entity_id":7}}),
            "get_assigned",
        )
        .expect("ok");
        assert_eq!(
            bare.page,
            Page {
                page: 1,
                per_page: 200
            }
        );
        for (body, expected) in [
            (json!({}), "mandatory $.get_assigned"),
            (json!({"get_assigned":[]}), "invalid $.get_assigned"),
            (
                json!({"get_assigned":{"related_entity_id":"7"}}),
                "mandatory $.get_assigned.feature",
            ),
            (
                json!({"get_assigned":{"feature":"users","related_entity_id":"7"}}),
                "invalid $.get_assigned.feature",
            ),
            (
                json!({"get_assigned":{"feature":"user_groups"}}),
                "mandatory $.get_assigned.related_entity_id",
            ),
            (
                json!({"get_assigned":{"feature":"user_groups","related_entity_id":"x"}}),
                "invalid $.get_assigned.related_entity_id",
            ),
            (
                json!({"get_assigned":{"feature":"user_groups","related_entity_id":"7","page":0}}),
                "invalid $.get_assigned.page",
            ),
            (
                json!({"get_assigned":{"feature":"user_groups","related_entity_id":"7","page":"1"}}),
                "invalid $.get_assigned.page",
            ),
            (
                json!({"get_assigned":{"feature":"user_groups","related_entity_id":"7","per_page":201}}),
                "invalid $.get_assigned.per_page",
            ),
            (
                json!({"get_assigned":{"feature":"user_groups","related_entity_id":"7","filters":{"field":{"api_name":"email"},"comparator":"equal","value":"x"}}}),
                "invalid $.get_assigned.filters",
            ),
        ] {
            assert_eq!(assign_error(body.clone()), expected, "{body}");
        }
    }

    const SEED_001: &str = r#"{"group_operator": "or","group": [{"field": {"api_name": "name"},"comparator": "equal","value": "Tier1"},{"field": {"api_name": "name"},"comparator": "equal","value": "Tier2"}]}"#;

    #[test]
    fn parses_the_seed_filter() {
        let filter = Filter::parse(SEED_001).expect("valid");
        assert!(filter.matches("Tier1", None));
        assert!(filter.matches("tier2", Some("x")));
        assert!(!filter.matches("Tier3", None));
    }

    #[test]
    fn refuses_bad_filters() {
        for bad in [
            "",
            "{",
            "[]",
            "42",
            r#"{"field":{"api_name":"name"},"comparator":"equal"}"#,
            r#"{"field":{"api_name":"name"},"comparator":"equal","value":5}"#,
            r#"{"field":{"api_name":"email"},"comparator":"equal","value":"x"}"#,
            r#"{"field":{"api_name":"name"},"comparator":"ends_with","value":"x"}"#,
            r#"{"group":[{"field":{"api_name":"name"},"comparator":"equal","value":"a"},{"field":{"api_name":"name"},"comparator":"equal","value":"b"}]}"#,
            r#"{"group_operator":"xor","group":[]}"#,
            r#"{"group_operator":"or","group":[{"field":{"api_name":"name"},"comparator":"equal","value":"a"}]}"#,
            r#"{"group_operator":"or"}"#,
        ] {
            match Filter::parse(bad) {
                Err(Error::InvalidData { details, .. }) => {
                    assert_eq!(details, crate::Details::Param("filters".into()))
                }
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
        let long =
            json!({"field":{"api_name":"name"},"comparator":"equal","value":"x".repeat(251)})
                .to_string();
        assert!(Filter::parse(&long).is_err());
        let mut deep = json!({"field":{"api_name":"name"},"comparator":"equal","value":"a"});
        for _ in 0..6 {
            deep = json!({"group_operator":"AND","group":[deep.clone(), deep]});
        }
        assert!(Filter::parse(&deep.to_string()).is_err(), "depth 6");
    }

    #[test]
    fn reads_sources() {
        let item = json!({"name":"G","sources":[
            {"type":"roles","source":{"id":"1"},"subordinates":true},
            {"type":"territories","source":"2","sub_territories":true},
            {"type":"users","source":{"id":"3"},"subordinates":true}]});
        let g = NewGroup::from_json(&item, "$.user_groups[0]").expect("valid");
        assert!(g.sources[0].subordinates && g.sources[1].subordinates);
        assert!(!g.sources[2].subordinates, "users have no subordinates");
        let bad = json!({"name":"G","sources":[{"type":"teams","source":"1"}]});
        match NewGroup::from_json(&bad, "$.user_groups[0]") {
            Err(Error::InvalidData { details, .. }) => {
                assert_eq!(
                    details,
                    crate::Details::field("$.user_groups[0].sources[0].type")
                )
            }
            other => panic!("{other:?}"),
        }
        let role_sub_territories =
            json!({"name":"G","sources":[{"type":"roles","source":"1","sub_territories":true}]});
        let g = NewGroup::from_json(&role_sub_territories, "$").expect("valid");
        assert!(
            !g.sources[0].subordinates,
            "sub_territories means nothing on a role"
        );
        let twice = json!({"name":"G","sources":[{"type":"users","source":"1"},{"type":"users","source":"1"}]});
        assert!(NewGroup::from_json(&twice, "$").is_err());
        assert!(NewGroup::from_json(&json!({"name":"G","sources":[]}), "$").is_err());
    }

    #[test]
    fn definition_follows_subordinates_and_nesting() {
        let id = ZohoId;
        let snapshot = DirectorySnapshot {
            users: vec![
                (id(100), id(1), false),
                (id(101), id(2), false),
                (id(102), id(2), true),
                (id(103), id(3), false),
            ],
            roles: vec![(id(1), None), (id(2), Some(id(1))), (id(3), None)],
            territories: vec![(id(10), None), (id(11), Some(id(10)))],
            memberships: vec![(id(11), id(103))],
            sources: vec![
                (
                    id(50),
                    Source {
                        kind: SourceKind::Roles,
                        id: id(1),
                        subordinates: true,
                    },
                ),
                (
                    id(51),
                    Source {
                        kind: SourceKind::Territories,
                        id: id(10),
                        subordinates: true,
                    },
                ),
                (
                    id(51),
                    Source {
                        kind: SourceKind::Groups,
                        id: id(50),
                        subordinates: false,
                    },
                ),
                (
                    id(52),
                    Source {
                        kind: SourceKind::Territories,
                        id: id(10),
                        subordinates: false,
                    },
                ),
            ],
        };
        let m = expected_members(&snapshot);
        assert_eq!(
            m[&id(50)],
            HashSet::from([id(100), id(101)]),
            "deleted 102 excluded"
        );
        assert_eq!(m[&id(51)], HashSet::from([id(100), id(101), id(103)]));
        assert!(m[&id(52)].is_empty(), "no sub-territories");
    }

    proptest! {
        #[test]
        fn filter_parser_never_panics_on_strings(text in ".{0,300}") {
            let _ = Filter::parse(&text);
        }

        #[test]
        fn filter_parser_never_panics_on_json(value in arb_json()) {
            let _ = Filter::parse(&value.to_string());
        }
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            prop::sample::select(vec![
                "name",
                "description",
                "equal",
                "starts_with",
                "or",
                "and",
                "x",
                "user_group.name"
            ])
            .prop_map(|s| json!(s)),
        ];
        leaf.prop_recursive(6, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::hash_map(
                    prop::sample::select(vec![
                        "field",
                        "api_name",
                        "comparator",
                        "value",
                        "group",
                        "group_operator"
                    ]),
                    inner,
                    0..5
                )
                .prop_map(|m| Value::Object(
                    m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
                )),
            ]
        })
    }

    #[test]
    fn nesting_reaches_and_cycles() {
        let id = ZohoId;
        let nesting = Nesting::new([
            (id(1), id(2)),
            (id(2), id(3)),
            (id(4), id(5)),
            (id(5), id(4)),
        ]);
        assert!(nesting.reaches(id(1), id(3)));
        assert!(nesting.reaches(id(3), id(3)));
        assert!(!nesting.reaches(id(3), id(1)));
        assert!(!nesting.in_cycle(id(1)));
        assert!(!nesting.in_cycle(id(3)));
        assert!(nesting.in_cycle(id(4)) && nesting.in_cycle(id(5)));
        assert!(Nesting::new([(id(6), id(6))]).in_cycle(id(6)));
    }
}
