//! The SQL both backends share, written once as a macro over the sqlx
//! database type. Placeholders are `$N`, which SQLite and PostgreSQL both
//! accept; everything else here is standard SQL both dialects run.
//!
//! A macro rather than generic functions: sqlx's executor and codec bounds
//! cannot be named once for "any database" without a `where` clause per
//! query, and the macro keeps each backend a plain concrete type.

/// Columns of a user row joined with the names it references.
pub(crate) const USER_DETAILS_SELECT: &str = "SELECT u.id, u.email, u.first_name, u.last_name, u.status, u.confirmed, u.zuid, \
     u.role_id, u.profile_id, u.is_admin, u.is_primary, u.extra, u.created_at, u.modified_at, \
     u.created_by, u.modified_by, r.name AS role_name, p.name AS profile_name, \
     cb.first_name AS cb_first, cb.last_name AS cb_last, mb.first_name AS mb_first, mb.last_name AS mb_last \
     FROM users u \
     LEFT JOIN roles r ON r.org_id = u.org_id AND r.id = u.role_id \
     LEFT JOIN profiles p ON p.org_id = u.org_id AND p.id = u.profile_id \
     LEFT JOIN users cb ON cb.org_id = u.org_id AND cb.id = u.created_by \
     LEFT JOIN users mb ON mb.org_id = u.org_id AND mb.id = u.modified_by ";

pub(crate) const USER_SELECT: &str =
    "SELECT u.id, u.email, u.first_name, u.last_name, u.status, u.confirmed, u.zuid, \
     u.role_id, u.profile_id, u.is_admin, u.is_primary, u.extra, u.created_at, u.modified_at, \
     u.created_by, u.modified_by FROM users u ";

pub(crate) const ORG_COLUMNS: &str = "id, name, time_zone, edition, licenses, next_seq, created_at";

pub(crate) const ROLE_SELECT: &str =
    "SELECT id, name, display_label, reporting_to, share_with_peers, description, \
     created_at, modified_at FROM roles ";

pub(crate) const PROFILE_SELECT: &str =
    "SELECT id, name, display_label, description, is_default, custom, is_admin, \
     created_at, modified_at FROM profiles ";

pub(crate) const TOKEN_SELECT: &str =
    "SELECT t.hash, t.org_id, t.user_id, t.kind, t.scopes, t.expires_at, t.parent, \
     t.created_at, t.client_id, u.status AS user_status, u.is_admin AS user_admin \
     FROM tokens t JOIN users u ON u.org_id = t.org_id AND u.id = t.user_id ";

pub(crate) const TERRITORY_DETAILS_SELECT: &str = "SELECT t.id, t.name, t.api_name, t.description, t.manager_id, \
     t.reporting_to, t.permission_type, t.member_count, t.created_at, t.modified_at, t.created_by, t.modified_by, \
     m.first_name AS m_first, m.last_name AS m_last, p.name AS parent_name, \
     cb.first_name AS cb_first, cb.last_name AS cb_last, mb.first_name AS mb_first, mb.last_name AS mb_last \
     FROM territories t \
     LEFT JOIN users m ON m.org_id = t.org_id AND m.id = t.manager_id \
     LEFT JOIN territories p ON p.org_id = t.org_id AND p.id = t.reporting_to \
     LEFT JOIN users cb ON cb.org_id = t.org_id AND cb.id = t.created_by \
     LEFT JOIN users mb ON mb.org_id = t.org_id AND mb.id = t.modified_by ";

pub(crate) const TERRITORY_SELECT: &str = "SELECT t.id, t.name, t.api_name, t.description, t.manager_id, \
     t.reporting_to, t.permission_type, t.member_count, t.created_at, t.modified_at, t.created_by, t.modified_by \
     FROM territories t ";

/// Root first, then by creation: the order of every territory listing.
pub(crate) const TERRITORY_ORDER: &str = " ORDER BY t.is_root DESC, t.created_at, t.id ";

pub(crate) const GROUP_DETAILS_SELECT: &str = "SELECT g.id, g.name, g.description, g.member_count, g.created_at, \
     g.modified_at, g.created_by, g.modified_by, \
     cb.first_name AS cb_first, cb.last_name AS cb_last, mb.first_name AS mb_first, mb.last_name AS mb_last \
     FROM user_groups g \
     LEFT JOIN users cb ON cb.org_id = g.org_id AND cb.id = g.created_by \
     LEFT JOIN users mb ON mb.org_id = g.org_id AND mb.id = g.modified_by ";

pub(crate) const GROUP_SELECT: &str =
    "SELECT g.id, g.name, g.description, g.member_count, g.created_at, \
     g.modified_at, g.created_by, g.modified_by FROM user_groups g ";

/// Every group's member reasons computed from the definition alone (SPEC
/// 4.3), for the org bound as `$1`: the CTE `reasons(group_id, user_id,
/// reasons)`, one row per member. A reason is a user source naming the
/// user, a role or territory source covering the user (a territory source
/// once per covered territory of the user), or a nested group the user is a
/// member of. Used to build the maintained rows once after a bulk write
/// (import, seed, reset) and to check them (`orgdir check`).
///
/// `group_paths(top, via, group_id)` lists each group as its own path
/// (`via` 0) and every group nested below it through each direct nested
/// group `via`; the sources of those paths, expanded down the role and
/// territory trees, give `hits`. Hits of a group's own sources are reasons
/// one by one; a nested group is one reason per member however reached.
/// Every join follows an index, so the cost grows with the rows produced.
pub(crate) const GROUP_REASONS_CTE: &str = "WITH RECURSIVE \
     group_paths(top, via, group_id) AS ( \
       SELECT id, CAST(0 AS BIGINT), id FROM user_groups WHERE org_id = $1 \
       UNION \
       SELECT group_id, source_id, source_id FROM group_sources WHERE org_id = $1 AND kind = 'groups' \
       UNION \
       SELECT p.top, p.via, s.source_id FROM group_paths p JOIN group_sources s \
         ON s.org_id = $1 AND s.group_id = p.group_id AND s.kind = 'groups' WHERE p.via <> 0), \
     covered(top, via, kind, source_id, subordinates) AS ( \
       SELECT p.top, p.via, s.kind, s.source_id, s.subordinates FROM group_paths p JOIN group_sources s \
         ON s.org_id = $1 AND s.group_id = p.group_id WHERE s.kind <> 'groups'), \
     role_cover(top, via, subordinates, role_id) AS ( \
       SELECT top, via, subordinates, source_id FROM covered WHERE kind = 'roles' \
       UNION ALL \
       SELECT c.top, c.via, c.subordinates, r.id FROM role_cover c \
         JOIN roles r ON r.org_id = $1 AND r.reporting_to = c.role_id WHERE c.subordinates), \
     territory_cover(top, via, subordinates, territory_id) AS ( \
       SELECT top, via, subordinates, source_id FROM covered WHERE kind = 'territories' \
       UNION ALL \
       SELECT c.top, c.via, c.subordinates, t.id FROM territory_cover c \
         JOIN territories t ON t.org_id = $1 AND t.reporting_to = c.territory_id WHERE c.subordinates), \
     hits(top, via, user_id) AS ( \
       SELECT c.top, c.via, u.id FROM covered c JOIN users u ON u.org_id = $1 AND u.id = c.source_id \
         WHERE c.kind = 'users' AND u.status <> 'deleted' \
       UNION ALL \
       SELECT c.top, c.via, u.id FROM role_cover c JOIN users u ON u.org_id = $1 AND u.role_id = c.role_id \
         WHERE u.status <> 'deleted' \
       UNION ALL \
       SELECT c.top, c.via, m.user_id FROM territory_cover c \
         JOIN territory_users m ON m.org_id = $1 AND m.territory_id = c.territory_id \
         JOIN users u ON u.org_id = $1 AND u.id = m.user_id WHERE u.status <> 'deleted'), \
     reasons(group_id, user_id, reasons) AS ( \
       SELECT top, user_id, CAST(COUNT(*) AS BIGINT) FROM ( \
         SELECT top, user_id FROM hits WHERE via = 0 \
         UNION ALL \
         SELECT top, user_id FROM (SELECT DISTINCT top, via, user_id FROM hits WHERE via <> 0) AS nested \
       ) AS x GROUP BY top, user_id) ";

/// A role and its ancestors, nearest first (`$1` org, `$2` role); the depth
/// bound stops a corrupt cycle.
pub(crate) const CHAIN_ROLES: &str = "WITH RECURSIVE chain(id, parent, depth) AS ( \
     SELECT id, reporting_to, 0 FROM roles WHERE org_id = $1 AND id = $2 \
     UNION ALL \
     SELECT r.id, r.reporting_to, c.depth + 1 FROM chain c \
       JOIN roles r ON r.org_id = $1 AND r.id = c.parent WHERE c.depth < 10000) \
     SELECT id FROM chain ORDER BY depth";

/// A territory and its ancestors, nearest first, like [`CHAIN_ROLES`].
pub(crate) const CHAIN_TERRITORIES: &str = "WITH RECURSIVE chain(id, parent, depth) AS ( \
     SELECT id, reporting_to, 0 FROM territories WHERE org_id = $1 AND id = $2 \
     UNION ALL \
     SELECT t.id, t.reporting_to, c.depth + 1 FROM chain c \
       JOIN territories t ON t.org_id = $1 AND t.id = c.parent WHERE c.depth < 10000) \
     SELECT id FROM chain ORDER BY depth";

/// Rows per multi-row statement: far below both databases' bind limits.
pub(crate) const CHUNK: usize = 2000;

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `first last`, the way Zoho prints a referenced user's name.
pub(crate) fn full_name(first: Option<String>, last: Option<String>) -> Option<String> {
    let last = last?;
    Some(match first {
        Some(f) if !f.trim().is_empty() => format!("{f} {last}"),
        _ => last,
    })
}

/// Implements `Store` for `$store` and `OrgTx` for `$tx` over the sqlx database `$db`.
///
/// `$store` must have fields `read: Pool<$db>` and `write: Pool<$db>` and an
/// inherent `async fn begin_write(&self) -> sqlx::Result<Transaction<'static, $db>>`.
macro_rules! sql_store {
    ($store:ident, $tx:ident, $db:ty, $backend:expr) => {
        use orgdir_core::auth::{TokenGrant, TokenHash, TokenKind, TokenRecord};
        use orgdir_core::oauth::{AuthCode, OAuthClient};
        use orgdir_core::org::{Edition, Org, Profile, Role};
        use orgdir_core::scopes::ScopeSet;
        use orgdir_core::groups::{
            Comparator, Filter, FilterField, Group, GroupDetails, GroupOperator, Source, SourceDetails, SourceKind,
            SourcesCount,
        };
        use orgdir_core::store::{Backend, OrgTx, Store, UserQuery};
        use orgdir_core::territories::{Membership, PermissionType, Territory, TerritoryDetails};
        use orgdir_core::users::{User, UserBucket, UserCounts, UserDetails, UserStatus};
        use orgdir_core::{Details, Error, OrgId, Result, ZohoId};
        use sqlx::{QueryBuilder, Row, Transaction};
        use std::collections::HashMap;
        use $crate::sql::*;
        use $crate::{db_error, is_unique_violation};

        type DbRow = <$db as sqlx::Database>::Row;

        /// A page of an org's groups passing `filter`, by creation, selected by `select`.
        fn group_page<'a>(
            select: &'a str,
            org: OrgId,
            filter: Option<&'a Filter>,
            offset: u64,
            limit: u64,
        ) -> QueryBuilder<'a, $db> {
            let mut sql = QueryBuilder::<$db>::new(select);
            sql.push("WHERE g.org_id = ").push_bind(org.0);
            if let Some(filter) = filter {
                sql.push(" AND ");
                push_filter(&mut sql, filter);
            }
            sql.push(" ORDER BY g.created_at, g.id LIMIT ")
                .push_bind(clamp(limit))
                .push(" OFFSET ")
                .push_bind(clamp(offset));
            sql
        }

        /// An (id, name, member_count) row of a count listing.
        fn count_row(row: &DbRow) -> Result<(ZohoId, String, u64)> {
            let n: i64 = row.try_get("member_count").map_err(db_error)?;
            Ok((
                ZohoId(row.try_get("id").map_err(db_error)?),
                row.try_get("name").map_err(db_error)?,
                u64::try_from(n).map_err(Error::internal)?,
            ))
        }

        /// The full name of a referenced user, from its first- and last-name columns.
        fn person(row: &DbRow, first: &str, last: &str) -> Result<Option<String>> {
            Ok(full_name(
                row.try_get(first).map_err(db_error)?,
                row.try_get(last).map_err(db_error)?,
            ))
        }

        /// A nullable id column.
        fn opt_id(row: &DbRow, column: &str) -> Result<Option<ZohoId>> {
            Ok(row.try_get::<Option<i64>, _>(column).map_err(db_error)?.map(ZohoId))
        }

        fn org_from_row(row: &DbRow) -> Result<Org> {
            let edition: String = row.try_get("edition").map_err(db_error)?;
            let licenses: i64 = row.try_get("licenses").map_err(db_error)?;
            Ok(Org {
                id: OrgId(row.try_get("id").map_err(db_error)?),
                name: row.try_get("name").map_err(db_error)?,
                time_zone: row.try_get("time_zone").map_err(db_error)?,
                edition: Edition::parse(&edition).unwrap_or_default(),
                licenses: u32::try_from(licenses).map_err(Error::internal)?,
                next_seq: row.try_get("next_seq").map_err(db_error)?,
                created_at: row.try_get("created_at").map_err(db_error)?,
            })
        }

        fn user_from_row(row: &DbRow) -> Result<User> {
            let status: String = row.try_get("status").map_err(db_error)?;
            let extra: String = row.try_get("extra").map_err(db_error)?;
            Ok(User {
                id: ZohoId(row.try_get("id").map_err(db_error)?),
                email: row.try_get("email").map_err(db_error)?,
                first_name: row.try_get("first_name").map_err(db_error)?,
                last_name: row.try_get("last_name").map_err(db_error)?,
                status: UserStatus::parse(&status)
                    .ok_or_else(|| Error::Internal(format!("bad stored status {status:?}")))?,
                confirmed: row.try_get("confirmed").map_err(db_error)?,
                zuid: row.try_get("zuid").map_err(db_error)?,
                role_id: ZohoId(row.try_get("role_id").map_err(db_error)?),
                profile_id: ZohoId(row.try_get("profile_id").map_err(db_error)?),
                admin: row.try_get("is_admin").map_err(db_error)?,
                primary: row.try_get("is_primary").map_err(db_error)?,
                extra: serde_json::from_str(&extra).map_err(Error::internal)?,
                created_at: row.try_get("created_at").map_err(db_error)?,
                modified_at: row.try_get("modified_at").map_err(db_error)?,
                created_by: opt_id(row, "created_by")?,
                modified_by: opt_id(row, "modified_by")?,
            })
        }

        fn user_details_from_row(row: &DbRow) -> Result<UserDetails> {
            let name = |first: &str, last: &str| person(row, first, last);
            Ok(UserDetails {
                user: user_from_row(row)?,
                role_name: row.try_get::<Option<String>, _>("role_name").map_err(db_error)?.unwrap_or_default(),
                profile_name: row
                    .try_get::<Option<String>, _>("profile_name")
                    .map_err(db_error)?
                    .unwrap_or_default(),
                created_by_name: name("cb_first", "cb_last")?,
                modified_by_name: name("mb_first", "mb_last")?,
            })
        }

        fn territory_from_row(row: &DbRow) -> Result<Territory> {
            let permission: String = row.try_get("permission_type").map_err(db_error)?;
            let count: i64 = row.try_get("member_count").map_err(db_error)?;
            let id = |col: &str| opt_id(row, col);
            Ok(Territory {
                id: ZohoId(row.try_get("id").map_err(db_error)?),
                name: row.try_get("name").map_err(db_error)?,
                api_name: row.try_get("api_name").map_err(db_error)?,
                description: row.try_get("description").map_err(db_error)?,
                manager: id("manager_id")?,
                reporting_to: id("reporting_to")?,
                permission_type: PermissionType::parse(&permission).unwrap_or_default(),
                member_count: u64::try_from(count).map_err(Error::internal)?,
                created_at: row.try_get("created_at").map_err(db_error)?,
                modified_at: row.try_get("modified_at").map_err(db_error)?,
                created_by: id("created_by")?,
                modified_by: id("modified_by")?,
            })
        }

        fn territory_details_from_row(row: &DbRow) -> Result<TerritoryDetails> {
            let name = |first: &str, last: &str| person(row, first, last);
            Ok(TerritoryDetails {
                territory: territory_from_row(row)?,
                manager_name: name("m_first", "m_last")?,
                reporting_to_name: row.try_get("parent_name").map_err(db_error)?,
                created_by_name: name("cb_first", "cb_last")?,
                modified_by_name: name("mb_first", "mb_last")?,
            })
        }

        fn group_from_row(row: &DbRow) -> Result<Group> {
            let count: i64 = row.try_get("member_count").map_err(db_error)?;
            let id = |col: &str| opt_id(row, col);
            Ok(Group {
                id: ZohoId(row.try_get("id").map_err(db_error)?),
                name: row.try_get("name").map_err(db_error)?,
                description: row.try_get("description").map_err(db_error)?,
                member_count: u64::try_from(count).map_err(Error::internal)?,
                created_at: row.try_get("created_at").map_err(db_error)?,
                modified_at: row.try_get("modified_at").map_err(db_error)?,
                created_by: id("created_by")?,
                modified_by: id("modified_by")?,
            })
        }

        fn group_details_from_row(row: &DbRow) -> Result<GroupDetails> {
            let name = |first: &str, last: &str| person(row, first, last);
            Ok(GroupDetails {
                group: group_from_row(row)?,
                created_by_name: name("cb_first", "cb_last")?,
                modified_by_name: name("mb_first", "mb_last")?,
            })
        }

        fn source_from_row(row: &DbRow) -> Result<Source> {
            let kind: String = row.try_get("kind").map_err(db_error)?;
            Ok(Source {
                kind: SourceKind::parse(&kind).ok_or_else(|| Error::Internal(format!("bad source kind {kind:?}")))?,
                id: ZohoId(row.try_get("source_id").map_err(db_error)?),
                subordinates: row.try_get("subordinates").map_err(db_error)?,
            })
        }

        /// Appends `filter` as a condition on `g.name_key` / `g.description_key`.
        fn push_filter(sql: &mut QueryBuilder<'_, $db>, filter: &Filter) {
            match filter {
                Filter::Criterion { field, comparator, value } => {
                    let column = match field {
                        FilterField::Name => "g.name_key",
                        FilterField::Description => "g.description_key",
                    };
                    match comparator {
                        Comparator::Equal => {
                            sql.push(column).push(" = ").push_bind(value.clone());
                        }
                        Comparator::StartsWith => {
                            sql.push(column)
                                .push(" LIKE ")
                                .push_bind(format!("{}%", like_escape(value)))
                                .push(" ESCAPE '\\'");
                        }
                        Comparator::Contains => {
                            sql.push(column)
                                .push(" LIKE ")
                                .push_bind(format!("%{}%", like_escape(value)))
                                .push(" ESCAPE '\\'");
                        }
                    }
                }
                Filter::Group { operator, members } => {
                    let joiner = match operator {
                        GroupOperator::And => " AND ",
                        GroupOperator::Or => " OR ",
                    };
                    sql.push("(");
                    for (i, member) in members.iter().enumerate() {
                        if i > 0 {
                            sql.push(joiner);
                        }
                        push_filter(sql, member);
                    }
                    sql.push(")");
                }
            }
        }

        fn ids_from_rows(rows: &[DbRow], column: &str) -> Result<Vec<ZohoId>> {
            rows.iter()
                .map(|row| row.try_get::<i64, _>(column).map(ZohoId).map_err(db_error))
                .collect()
        }

        fn parents_from_rows(rows: &[DbRow]) -> Result<Vec<(ZohoId, Option<ZohoId>)>> {
            rows.iter()
                .map(|row| {
                    Ok((
                        ZohoId(row.try_get("id").map_err(db_error)?),
                        opt_id(row, "reporting_to")?,
                    ))
                })
                .collect()
        }

        fn clamp(n: u64) -> i64 {
            i64::try_from(n).unwrap_or(i64::MAX)
        }

        fn role_from_row(row: &DbRow) -> Result<Role> {
            Ok(Role {
                id: ZohoId(row.try_get("id").map_err(db_error)?),
                name: row.try_get("name").map_err(db_error)?,
                display_label: row.try_get("display_label").map_err(db_error)?,
                reporting_to: opt_id(row, "reporting_to")?,
                share_with_peers: row.try_get("share_with_peers").map_err(db_error)?,
                description: row.try_get("description").map_err(db_error)?,
                created_at: row.try_get("created_at").map_err(db_error)?,
                modified_at: row.try_get("modified_at").map_err(db_error)?,
            })
        }

        fn profile_from_row(row: &DbRow) -> Result<Profile> {
            Ok(Profile {
                id: ZohoId(row.try_get("id").map_err(db_error)?),
                name: row.try_get("name").map_err(db_error)?,
                display_label: row.try_get("display_label").map_err(db_error)?,
                description: row.try_get("description").map_err(db_error)?,
                default: row.try_get("is_default").map_err(db_error)?,
                custom: row.try_get("custom").map_err(db_error)?,
                admin: row.try_get("is_admin").map_err(db_error)?,
                created_at: row.try_get("created_at").map_err(db_error)?,
                modified_at: row.try_get("modified_at").map_err(db_error)?,
            })
        }

        fn token_from_row(row: &DbRow) -> Result<TokenGrant> {
            let kind: String = row.try_get("kind").map_err(db_error)?;
            let scopes: String = row.try_get("scopes").map_err(db_error)?;
            let status: String = row.try_get("user_status").map_err(db_error)?;
            Ok(TokenGrant {
                record: TokenRecord {
                    hash: TokenHash(row.try_get("hash").map_err(db_error)?),
                    org: OrgId(row.try_get("org_id").map_err(db_error)?),
                    user_id: ZohoId(row.try_get("user_id").map_err(db_error)?),
                    kind: TokenKind::parse(&kind).ok_or_else(|| Error::Internal(format!("bad token kind {kind:?}")))?,
                    scopes: ScopeSet::parse(&scopes).map_err(Error::internal)?,
                    expires_at: row.try_get("expires_at").map_err(db_error)?,
                    parent: row.try_get::<Option<String>, _>("parent").map_err(db_error)?.map(TokenHash),
                    client_id: row.try_get("client_id").map_err(db_error)?,
                    created_at: row.try_get("created_at").map_err(db_error)?,
                },
                user_status: UserStatus::parse(&status)
                    .ok_or_else(|| Error::Internal(format!("bad stored status {status:?}")))?,
                user_admin: row.try_get("user_admin").map_err(db_error)?,
            })
        }

        fn client_from_row(row: &DbRow) -> Result<OAuthClient> {
            let uris: String = row.try_get("redirect_uris").map_err(db_error)?;
            let scopes: String = row.try_get("scopes").map_err(db_error)?;
            Ok(OAuthClient {
                client_id: row.try_get("client_id").map_err(db_error)?,
                org: OrgId(row.try_get("org_id").map_err(db_error)?),
                secret_hash: TokenHash(row.try_get("secret_hash").map_err(db_error)?),
                name: row.try_get("name").map_err(db_error)?,
                redirect_uris: serde_json::from_str(&uris).map_err(Error::internal)?,
                self_client: row.try_get("self_client").map_err(db_error)?,
                scopes: ScopeSet::parse(&scopes).map_err(Error::internal)?,
                owner: ZohoId(row.try_get("owner_id").map_err(db_error)?),
                created_at: row.try_get("created_at").map_err(db_error)?,
            })
        }

        /// Tables holding an org's directory: emptied by a reset.
        const DIRECTORY_TABLES: [&str; 9] = [
            "group_members",
            "group_sources",
            "user_groups",
            "territory_users",
            "territories",
            "user_counts",
            "users",
            "roles",
            "profiles",
        ];

        fn counts_from_rows(rows: &[DbRow]) -> Result<UserCounts> {
            let mut counts = UserCounts::default();
            for row in rows {
                let bucket: i16 = row.try_get("bucket").map_err(db_error)?;
                let n: i64 = row.try_get("n").map_err(db_error)?;
                let bucket = UserBucket::from_code(bucket)
                    .ok_or_else(|| Error::Internal(format!("bad bucket {bucket}")))?;
                counts.add(bucket, u64::try_from(n).map_err(Error::internal)?);
            }
            Ok(counts)
        }

        /// A write transaction on one org; the org row is locked for its lifetime.
        pub struct $tx {
            tx: Transaction<'static, $db>,
            org: Org,
            first_seq: i64,
        }

        impl $tx {
            /// After reason counts moved — (user, delta, count after) — removes
            /// the members left with none and moves the group's member count.
            async fn settle_members(&mut self, group: ZohoId, changed: &[(ZohoId, i64, i64)]) -> Result<()> {
                let gone: Vec<ZohoId> = changed.iter().filter(|(_, _, now)| *now <= 0).map(|(u, _, _)| *u).collect();
                let joined: i64 = changed
                    .iter()
                    .map(|(_, delta, now)| i64::from(*now > 0) - i64::from(now - delta > 0))
                    .sum();
                for chunk in gone.chunks(CHUNK) {
                    let mut sql = QueryBuilder::<$db>::new("DELETE FROM group_members WHERE org_id = ");
                    sql.push_bind(self.org.id.0)
                        .push(" AND group_id = ")
                        .push_bind(group.0)
                        .push(" AND user_id IN (");
                    let mut list = sql.separated(", ");
                    for user in chunk {
                        list.push_bind(user.0);
                    }
                    sql.push(")");
                    sql.build().execute(&mut *self.tx).await.map_err(db_error)?;
                }
                if joined != 0 {
                    sqlx::query("UPDATE user_groups SET member_count = member_count + $3 WHERE org_id = $1 AND id = $2")
                        .bind(self.org.id.0)
                        .bind(group.0)
                        .bind(joined)
                        .execute(&mut *self.tx)
                        .await
                        .map_err(db_error)?;
                }
                Ok(())
            }

            /// Deletes every directory row of the org (see [`DIRECTORY_TABLES`]).
            async fn empty_directory(&mut self) -> Result<()> {
                for table in DIRECTORY_TABLES {
                    sqlx::query(&format!("DELETE FROM {table} WHERE org_id = $1"))
                        .bind(self.org.id.0)
                        .execute(&mut *self.tx)
                        .await
                        .map_err(db_error)?;
                }
                Ok(())
            }

            async fn move_member_count(&mut self, territory: ZohoId, delta: i64) -> Result<()> {
                sqlx::query("UPDATE territories SET member_count = member_count + $3 WHERE org_id = $1 AND id = $2")
                    .bind(self.org.id.0)
                    .bind(territory.0)
                    .bind(delta)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                Ok(())
            }
        }

        impl $store {
            async fn lock_org(tx: Transaction<'static, $db>, org: OrgId) -> Result<Box<dyn OrgTx>> {
                Ok(Box::new(Self::lock(tx, org).await?))
            }

            /// Locks the org's row for the life of `tx` (the first statement is a write).
            async fn lock(mut tx: Transaction<'static, $db>, org: OrgId) -> Result<$tx> {
                let sql = format!(
                    "UPDATE orgs SET lock_version = lock_version + 1 WHERE id = $1 RETURNING {ORG_COLUMNS}"
                );
                let row = sqlx::query(&sql)
                    .bind(org.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_error)?
                    .ok_or_else(|| Error::invalid_param("org", "no such org"))?;
                let org = org_from_row(&row)?;
                Ok($tx { first_seq: org.next_seq, tx, org })
            }
        }

        #[async_trait::async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn orgs(&self) -> Result<Vec<Org>> {
                let sql = format!("SELECT {ORG_COLUMNS} FROM orgs ORDER BY created_at, id");
                let rows = sqlx::query(&sql).fetch_all(&self.read).await.map_err(db_error)?;
                rows.iter().map(org_from_row).collect()
            }

            async fn org(&self, org: OrgId) -> Result<Option<Org>> {
                let sql = format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = $1");
                let row = sqlx::query(&sql).bind(org.0).fetch_optional(&self.read).await.map_err(db_error)?;
                row.as_ref().map(org_from_row).transpose()
            }

            async fn begin(&self, org: OrgId) -> Result<Box<dyn OrgTx>> {
                let tx = self.begin_write().await.map_err(db_error)?;
                Self::lock_org(tx, org).await
            }

            async fn begin_new_org(&self, org: &Org) -> Result<Box<dyn OrgTx>> {
                let mut tx = self.begin_write().await.map_err(db_error)?;
                let inserted = sqlx::query(
                    "INSERT INTO orgs (id, name, time_zone, edition, licenses, next_seq, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(org.id.0)
                .bind(&org.name)
                .bind(&org.time_zone)
                .bind(org.edition.as_str())
                .bind(i64::from(org.licenses))
                .bind(org.next_seq)
                .bind(org.created_at)
                .execute(&mut *tx)
                .await;
                match inserted {
                    Err(e) if is_unique_violation(&e) => {
                        return Err(Error::DuplicateData {
                            message: format!("an org with id {} exists", org.id),
                            details: Details::field("$.id"),
                        })
                    }
                    other => other.map_err(db_error)?,
                };
                Self::lock_org(tx, org.id).await
            }

            async fn token(&self, hash: &TokenHash) -> Result<Option<TokenGrant>> {
                let sql = format!("{TOKEN_SELECT} WHERE t.hash = $1");
                let row = sqlx::query(&sql).bind(&hash.0).fetch_optional(&self.read).await.map_err(db_error)?;
                row.as_ref().map(token_from_row).transpose()
            }

            async fn oauth_client(&self, client_id: &str) -> Result<Option<OAuthClient>> {
                let row = sqlx::query("SELECT * FROM oauth_clients WHERE client_id = $1")
                    .bind(client_id)
                    .fetch_optional(&self.read)
                    .await
                    .map_err(db_error)?;
                row.as_ref().map(client_from_row).transpose()
            }

            async fn oauth_clients(&self, org: OrgId) -> Result<Vec<OAuthClient>> {
                let rows = sqlx::query("SELECT * FROM oauth_clients WHERE org_id = $1 ORDER BY created_at, client_id")
                    .bind(org.0)
                    .fetch_all(&self.read)
                    .await
                    .map_err(db_error)?;
                rows.iter().map(client_from_row).collect()
            }

            async fn take_code(&self, hash: &TokenHash, client_id: &str) -> Result<Option<AuthCode>> {
                let mut tx = self.begin_write().await.map_err(db_error)?;
                let row = sqlx::query(
                    "DELETE FROM oauth_codes WHERE hash = $1 AND client_id = $2 \
                     RETURNING hash, org_id, client_id, user_id, scopes, redirect_uri, expires_at",
                )
                .bind(&hash.0)
                .bind(client_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
                tx.commit().await.map_err(db_error)?;
                let Some(row) = row else { return Ok(None) };
                let scopes: String = row.try_get("scopes").map_err(db_error)?;
                Ok(Some(AuthCode {
                    hash: TokenHash(row.try_get("hash").map_err(db_error)?),
                    org: OrgId(row.try_get("org_id").map_err(db_error)?),
                    client_id: row.try_get("client_id").map_err(db_error)?,
                    user_id: ZohoId(row.try_get("user_id").map_err(db_error)?),
                    scopes: ScopeSet::parse(&scopes).map_err(Error::internal)?,
                    redirect_uri: row.try_get("redirect_uri").map_err(db_error)?,
                    expires_at: row.try_get("expires_at").map_err(db_error)?,
                }))
            }

            async fn baseline(&self, org: OrgId) -> Result<Option<String>> {
                sqlx::query_scalar("SELECT document FROM org_baselines WHERE org_id = $1")
                    .bind(org.0)
                    .fetch_optional(&self.read)
                    .await
                    .map_err(db_error)
            }

            async fn delete_org(&self, org: OrgId) -> Result<bool> {
                let mut tx = self.begin_write().await.map_err(db_error)?;
                let done = sqlx::query("DELETE FROM orgs WHERE id = $1")
                    .bind(org.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                tx.commit().await.map_err(db_error)?;
                Ok(done.rows_affected() == 1)
            }

            async fn begin_reset(&self, org: OrgId) -> Result<Box<dyn OrgTx>> {
                let tx = self.begin_write().await.map_err(db_error)?;
                let mut locked = Self::lock(tx, org).await?;
                locked.empty_directory().await?;
                Ok(Box::new(locked))
            }

            async fn user_counts(&self, org: OrgId) -> Result<UserCounts> {
                let rows = sqlx::query("SELECT bucket, n FROM user_counts WHERE org_id = $1")
                    .bind(org.0)
                    .fetch_all(&self.read)
                    .await
                    .map_err(db_error)?;
                counts_from_rows(&rows)
            }

            async fn recount_users(&self, org: OrgId) -> Result<UserCounts> {
                let rows = sqlx::query(
                    "SELECT bucket, CAST(COUNT(*) AS BIGINT) AS n FROM users WHERE org_id = $1 GROUP BY bucket",
                )
                .bind(org.0)
                .fetch_all(&self.read)
                .await
                .map_err(db_error)?;
                counts_from_rows(&rows)
            }

            async fn users(&self, org: OrgId, query: &UserQuery) -> Result<Vec<UserDetails>> {
                if query.buckets.is_empty() || query.ids.as_ref().is_some_and(|ids| ids.is_empty()) {
                    return Ok(Vec::new());
                }
                let mut sql = QueryBuilder::<$db>::new(USER_DETAILS_SELECT);
                sql.push("WHERE u.org_id = ").push_bind(org.0).push(" AND u.bucket IN (");
                let mut list = sql.separated(", ");
                for bucket in &query.buckets {
                    list.push_bind(*bucket);
                }
                sql.push(")");
                if let Some(ids) = &query.ids {
                    sql.push(" AND u.id IN (");
                    let mut list = sql.separated(", ");
                    for id in ids {
                        list.push_bind(id.0);
                    }
                    sql.push(")");
                }
                sql.push(" ORDER BY u.id LIMIT ")
                    .push_bind(i64::try_from(query.limit).unwrap_or(i64::MAX))
                    .push(" OFFSET ")
                    .push_bind(i64::try_from(query.offset).unwrap_or(i64::MAX));
                let rows = sql.build().fetch_all(&self.read).await.map_err(db_error)?;
                rows.iter().map(user_details_from_row).collect()
            }

            async fn user(&self, org: OrgId, id: ZohoId) -> Result<Option<UserDetails>> {
                let sql = format!("{USER_DETAILS_SELECT} WHERE u.org_id = $1 AND u.id = $2");
                let row = sqlx::query(&sql).bind(org.0).bind(id.0).fetch_optional(&self.read).await.map_err(db_error)?;
                row.as_ref().map(user_details_from_row).transpose()
            }

            async fn user_by_email(&self, org: OrgId, email: &str) -> Result<Option<UserDetails>> {
                let sql = format!(
                    "{USER_DETAILS_SELECT} WHERE u.org_id = $1 AND u.email_key = $2 AND u.status <> 'deleted'"
                );
                let row = sqlx::query(&sql)
                    .bind(org.0)
                    .bind(email.to_ascii_lowercase())
                    .fetch_optional(&self.read)
                    .await
                    .map_err(db_error)?;
                row.as_ref().map(user_details_from_row).transpose()
            }

            async fn primary_user(&self, org: OrgId) -> Result<Option<UserDetails>> {
                let sql = format!("{USER_DETAILS_SELECT} WHERE u.org_id = $1 AND u.is_primary ORDER BY u.id LIMIT 1");
                let row = sqlx::query(&sql).bind(org.0).fetch_optional(&self.read).await.map_err(db_error)?;
                row.as_ref().map(user_details_from_row).transpose()
            }

            async fn roles(&self, org: OrgId) -> Result<Vec<Role>> {
                let sql = format!("{ROLE_SELECT} WHERE org_id = $1 ORDER BY id");
                let rows = sqlx::query(&sql).bind(org.0).fetch_all(&self.read).await.map_err(db_error)?;
                rows.iter().map(role_from_row).collect()
            }

            async fn profiles(&self, org: OrgId) -> Result<Vec<Profile>> {
                let sql = format!("{PROFILE_SELECT} WHERE org_id = $1 ORDER BY id");
                let rows = sqlx::query(&sql).bind(org.0).fetch_all(&self.read).await.map_err(db_error)?;
                rows.iter().map(profile_from_row).collect()
            }

            async fn territories(&self, org: OrgId, offset: u64, limit: u64) -> Result<Vec<TerritoryDetails>> {
                let rows = self.territory_page(TERRITORY_DETAILS_SELECT, org, offset, limit).await?;
                rows.iter().map(territory_details_from_row).collect()
            }

            async fn territory_counts(&self, org: OrgId, offset: u64, limit: u64) -> Result<Vec<(ZohoId, String, u64)>> {
                let select = "SELECT t.id, t.name, t.member_count FROM territories t ";
                let rows = self.territory_page(select, org, offset, limit).await?;
                rows.iter().map(count_row).collect()
            }

            async fn territories_by_id(&self, org: OrgId, ids: &[ZohoId]) -> Result<Vec<TerritoryDetails>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut sql = QueryBuilder::<$db>::new(TERRITORY_DETAILS_SELECT);
                sql.push("WHERE t.org_id = ").push_bind(org.0).push(" AND t.id IN (");
                let mut list = sql.separated(", ");
                for id in ids {
                    list.push_bind(id.0);
                }
                sql.push(")").push(TERRITORY_ORDER);
                let rows = sql.build().fetch_all(&self.read).await.map_err(db_error)?;
                rows.iter().map(territory_details_from_row).collect()
            }

            async fn child_territories(
                &self,
                org: OrgId,
                parent: ZohoId,
                offset: u64,
                limit: u64,
            ) -> Result<Vec<TerritoryDetails>> {
                let sql = format!(
                    "{TERRITORY_DETAILS_SELECT} WHERE t.org_id = $1 AND t.reporting_to = $2 {TERRITORY_ORDER} LIMIT $3 OFFSET $4"
                );
                let rows = sqlx::query(&sql)
                    .bind(org.0)
                    .bind(parent.0)
                    .bind(clamp(limit))
                    .bind(clamp(offset))
                    .fetch_all(&self.read)
                    .await
                    .map_err(db_error)?;
                rows.iter().map(territory_details_from_row).collect()
            }

            async fn territory_members(
                &self,
                org: OrgId,
                territory: ZohoId,
                offset: u64,
                limit: u64,
            ) -> Result<Vec<UserDetails>> {
                let sql = format!(
                    "{USER_DETAILS_SELECT} JOIN territory_users tu ON tu.org_id = u.org_id AND tu.user_id = u.id \
                     WHERE u.org_id = $1 AND tu.territory_id = $2 ORDER BY u.id LIMIT $3 OFFSET $4"
                );
                let rows = sqlx::query(&sql)
                    .bind(org.0)
                    .bind(territory.0)
                    .bind(clamp(limit))
                    .bind(clamp(offset))
                    .fetch_all(&self.read)
                    .await
                    .map_err(db_error)?;
                rows.iter().map(user_details_from_row).collect()
            }

            async fn memberships(&self, org: OrgId, users: &[ZohoId]) -> Result<Vec<Membership>> {
                if users.is_empty() {
                    return Ok(Vec::new());
                }
                let mut sql = QueryBuilder::<$db>::new(
                    "SELECT tu.user_id, t.id, t.name, t.manager_id FROM territory_users tu \
                     JOIN territories t ON t.org_id = tu.org_id AND t.id = tu.territory_id WHERE tu.org_id = ",
                );
                sql.push_bind(org.0).push(" AND tu.user_id IN (");
                let mut list = sql.separated(", ");
                for id in users {
                    list.push_bind(id.0);
                }
                sql.push(")").push(TERRITORY_ORDER);
                let rows = sql.build().fetch_all(&self.read).await.map_err(db_error)?;
                rows.iter()
                    .map(|row| {
                        let user_id = ZohoId(row.try_get("user_id").map_err(db_error)?);
                        let manager: Option<i64> = row.try_get("manager_id").map_err(db_error)?;
                        Ok(Membership {
                            user_id,
                            territory_id: ZohoId(row.try_get("id").map_err(db_error)?),
                            territory_name: row.try_get("name").map_err(db_error)?,
                            manager: manager == Some(user_id.0),
                        })
                    })
                    .collect()
            }

            async fn all_memberships(&self, org: OrgId) -> Result<Vec<(ZohoId, ZohoId)>> {
                let rows = sqlx::query(
                    "SELECT territory_id, user_id FROM territory_users WHERE org_id = $1 ORDER BY territory_id, user_id",
                )
                .bind(org.0)
                .fetch_all(&self.read)
                .await
                .map_err(db_error)?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            ZohoId(row.try_get("territory_id").map_err(db_error)?),
                            ZohoId(row.try_get("user_id").map_err(db_error)?),
                        ))
                    })
                    .collect()
            }

            async fn groups(
                &self,
                org: OrgId,
                filter: Option<&Filter>,
                offset: u64,
                limit: u64,
            ) -> Result<Vec<GroupDetails>> {
                let mut sql = group_page(GROUP_DETAILS_SELECT, org, filter, offset, limit);
                let rows = sql.build().fetch_all(&self.read).await.map_err(db_error)?;
                rows.iter().map(group_details_from_row).collect()
            }

            async fn group_counts(
                &self,
                org: OrgId,
                filter: Option<&Filter>,
                offset: u64,
                limit: u64,
            ) -> Result<Vec<(ZohoId, String, u64)>> {
                let mut sql = group_page(
                    "SELECT g.id, g.name, g.member_count FROM user_groups g ",
                    org,
                    filter,
                    offset,
                    limit,
                );
                let rows = sql.build().fetch_all(&self.read).await.map_err(db_error)?;
                rows.iter().map(count_row).collect()
            }

            async fn group(&self, org: OrgId, id: ZohoId) -> Result<Option<GroupDetails>> {
                let sql = format!("{GROUP_DETAILS_SELECT} WHERE g.org_id = $1 AND g.id = $2");
                let row = sqlx::query(&sql).bind(org.0).bind(id.0).fetch_optional(&self.read).await.map_err(db_error)?;
                row.as_ref().map(group_details_from_row).transpose()
            }

            async fn group_sources(&self, org: OrgId, group: ZohoId) -> Result<Vec<SourceDetails>> {
                let rows = sqlx::query(
                    "SELECT s.kind, s.source_id, s.subordinates, u.first_name, u.last_name, u.status, \
                     r.name AS role_name, t.name AS territory_name, g.name AS group_name \
                     FROM group_sources s \
                     LEFT JOIN users u ON s.kind = 'users' AND u.org_id = s.org_id AND u.id = s.source_id \
                     LEFT JOIN roles r ON s.kind = 'roles' AND r.org_id = s.org_id AND r.id = s.source_id \
                     LEFT JOIN territories t ON s.kind = 'territories' AND t.org_id = s.org_id AND t.id = s.source_id \
                     LEFT JOIN user_groups g ON s.kind = 'groups' AND g.org_id = s.org_id AND g.id = s.source_id \
                     WHERE s.org_id = $1 AND s.group_id = $2 ORDER BY s.position",
                )
                .bind(org.0)
                .bind(group.0)
                .fetch_all(&self.read)
                .await
                .map_err(db_error)?;
                rows.iter()
                    .map(|row| {
                        let source = source_from_row(row)?;
                        let text = |col: &str| -> Result<Option<String>> { row.try_get(col).map_err(db_error) };
                        let name = match source.kind {
                            SourceKind::Users => full_name(text("first_name")?, text("last_name")?),
                            SourceKind::Roles => text("role_name")?,
                            SourceKind::Territories => text("territory_name")?,
                            SourceKind::Groups => text("group_name")?,
                        };
                        let user_status = text("status")?.as_deref().and_then(UserStatus::parse);
                        Ok(SourceDetails { source, name: name.unwrap_or_default(), user_status })
                    })
                    .collect()
            }

            async fn sources_count(&self, org: OrgId, group: ZohoId) -> Result<Option<SourcesCount>> {
                // From the group row, so that one query also tells whether the group exists.
                let rows = sqlx::query(
                    "SELECT s.kind, u.status, CAST(COUNT(s.kind) AS BIGINT) AS n FROM user_groups g \
                     LEFT JOIN group_sources s ON s.org_id = g.org_id AND s.group_id = g.id \
                     LEFT JOIN users u ON s.kind = 'users' AND u.org_id = s.org_id AND u.id = s.source_id \
                     WHERE g.org_id = $1 AND g.id = $2 GROUP BY s.kind, u.status",
                )
                .bind(org.0)
                .bind(group.0)
                .fetch_all(&self.read)
                .await
                .map_err(db_error)?;
                if rows.is_empty() {
                    return Ok(None);
                }
                let mut count = SourcesCount::default();
                for row in &rows {
                    let kind: Option<String> = row.try_get("kind").map_err(db_error)?;
                    let kind = kind.unwrap_or_default();
                    let status: Option<String> = row.try_get("status").map_err(db_error)?;
                    let n = u64::try_from(row.try_get::<i64, _>("n").map_err(db_error)?).map_err(Error::internal)?;
                    match (kind.as_str(), status.as_deref()) {
                        ("roles", _) => count.roles += n,
                        ("territories", _) => count.territories += n,
                        ("groups", _) => count.groups += n,
                        ("users", Some("active")) => count.users_active += n,
                        ("users", Some("disabled")) => count.users_inactive += n,
                        ("users", _) => count.users_deleted += n,
                        _ => {}
                    }
                }
                Ok(Some(count))
            }

            async fn all_group_sources(&self, org: OrgId) -> Result<Vec<(ZohoId, Source)>> {
                let rows = sqlx::query(
                    "SELECT s.group_id, s.kind, s.source_id, s.subordinates FROM group_sources s \
                     JOIN user_groups g ON g.org_id = s.org_id AND g.id = s.group_id \
                     WHERE s.org_id = $1 ORDER BY g.created_at, g.id, s.position",
                )
                .bind(org.0)
                .fetch_all(&self.read)
                .await
                .map_err(db_error)?;
                rows.iter()
                    .map(|row| Ok((ZohoId(row.try_get("group_id").map_err(db_error)?), source_from_row(row)?)))
                    .collect()
            }

            async fn recount_territory_members(&self, org: OrgId) -> Result<Vec<(ZohoId, u64)>> {
                let rows = sqlx::query(
                    "SELECT t.id, CAST(COUNT(tu.user_id) AS BIGINT) AS n FROM territories t \
                     LEFT JOIN territory_users tu ON tu.org_id = t.org_id AND tu.territory_id = t.id \
                     WHERE t.org_id = $1 GROUP BY t.id ORDER BY t.id",
                )
                .bind(org.0)
                .fetch_all(&self.read)
                .await
                .map_err(db_error)?;
                rows.iter()
                    .map(|row| {
                        let n: i64 = row.try_get("n").map_err(db_error)?;
                        Ok((ZohoId(row.try_get("id").map_err(db_error)?), u64::try_from(n).map_err(Error::internal)?))
                    })
                    .collect()
            }

            async fn group_drift(&self, org: OrgId) -> Result<Vec<(ZohoId, i64, i64, i64)>> {
                // Three small per-group results joined here rather than in SQL,
                // so that no plan can join two large unindexed results. The
                // recount looks each recounted member up by primary key.
                let recount = format!(
                    "{GROUP_REASONS_CTE} SELECT r.group_id, CAST(COUNT(*) AS BIGINT) AS n, \
                     CAST(SUM(CASE WHEN m.reasons = r.reasons THEN 1 ELSE 0 END) AS BIGINT) AS matched, \
                     CAST(SUM(CASE WHEN m.reasons IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS present \
                     FROM reasons r LEFT JOIN group_members m \
                     ON m.org_id = $1 AND m.group_id = r.group_id AND m.user_id = r.user_id GROUP BY r.group_id"
                );
                let stored = "SELECT group_id, CAST(COUNT(*) AS BIGINT) AS n \
                     FROM group_members WHERE org_id = $1 GROUP BY group_id";
                // Per group: [recounted, stored, matching, present in both].
                let mut per_group: HashMap<i64, [i64; 4]> = HashMap::new();
                for (slot, sql) in [(0, recount.as_str()), (1, stored)] {
                    for row in sqlx::query(sql).bind(org.0).fetch_all(&self.read).await.map_err(db_error)? {
                        let entry = per_group.entry(row.try_get(0).map_err(db_error)?).or_default();
                        entry[slot] = row.try_get("n").map_err(db_error)?;
                        if slot == 0 {
                            entry[2] = row.try_get("matched").map_err(db_error)?;
                            entry[3] = row.try_get("present").map_err(db_error)?;
                        }
                    }
                }
                let groups = sqlx::query("SELECT id, member_count FROM user_groups WHERE org_id = $1 ORDER BY id")
                    .bind(org.0)
                    .fetch_all(&self.read)
                    .await
                    .map_err(db_error)?;
                let mut out = Vec::new();
                for row in groups {
                    let id: i64 = row.try_get("id").map_err(db_error)?;
                    let maintained: i64 = row.try_get("member_count").map_err(db_error)?;
                    let [recounted, stored, matched, present] = per_group.get(&id).copied().unwrap_or_default();
                    // Wrong (present - matched) + missing (recounted - present)
                    // + extra (stored - present): each user once.
                    let differing = recounted + stored - present - matched;
                    if maintained != recounted || differing != 0 {
                        out.push((ZohoId(id), maintained, recounted, differing));
                    }
                }
                Ok(out)
            }
        }

        impl $store {
            /// A page of an org's territories in listing order, selected by `select`.
            async fn territory_page(&self, select: &str, org: OrgId, offset: u64, limit: u64) -> Result<Vec<DbRow>> {
                let sql = format!("{select} WHERE t.org_id = $1 {TERRITORY_ORDER} LIMIT $2 OFFSET $3");
                sqlx::query(&sql)
                    .bind(org.0)
                    .bind(clamp(limit))
                    .bind(clamp(offset))
                    .fetch_all(&self.read)
                    .await
                    .map_err(db_error)
            }
        }

        impl $tx {
            /// A node and its ancestors, itself first (`sql` is a `CHAIN_*` query).
            async fn chain(&mut self, sql: &str, node: ZohoId) -> Result<Vec<ZohoId>> {
                let rows = sqlx::query(sql)
                    .bind(self.org.id.0)
                    .bind(node.0)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                rows.iter()
                    .map(|row| Ok(ZohoId(row.try_get("id").map_err(db_error)?)))
                    .collect()
            }
        }

        #[async_trait::async_trait]
        impl OrgTx for $tx {
            fn org(&self) -> &Org {
                &self.org
            }

            fn next_id(&mut self) -> ZohoId {
                let id = ZohoId::compose(self.org.id, self.org.next_seq);
                self.org.next_seq += 1;
                id
            }

            async fn user(&mut self, id: ZohoId) -> Result<Option<User>> {
                let sql = format!("{USER_SELECT} WHERE u.org_id = $1 AND u.id = $2");
                let row = sqlx::query(&sql)
                    .bind(self.org.id.0)
                    .bind(id.0)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                row.as_ref().map(user_from_row).transpose()
            }

            async fn user_id_by_email(&mut self, email: &str) -> Result<Option<ZohoId>> {
                let id: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM users WHERE org_id = $1 AND email_key = $2 AND status <> 'deleted'",
                )
                .bind(self.org.id.0)
                .bind(email.to_ascii_lowercase())
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(db_error)?;
                Ok(id.map(ZohoId))
            }

            async fn insert_users(&mut self, users: &[User]) -> Result<()> {
                // 19 columns a row: 1000 rows stay far below both databases' bind limits.
                for chunk in users.chunks(1000) {
                    let mut sql = QueryBuilder::<$db>::new(
                        "INSERT INTO users (org_id, id, email, first_name, last_name, status, confirmed, zuid, \
                         role_id, profile_id, is_admin, is_primary, bucket, extra, created_at, modified_at, \
                         created_by, modified_by, email_key) ",
                    );
                    let mut extras = Vec::with_capacity(chunk.len());
                    for user in chunk {
                        extras.push(serde_json::to_string(&user.extra).map_err(Error::internal)?);
                    }
                    sql.push_values(chunk.iter().zip(extras), |mut row, (user, extra)| {
                        row.push_bind(self.org.id.0)
                            .push_bind(user.id.0)
                            .push_bind(user.email.clone())
                            .push_bind(user.first_name.clone())
                            .push_bind(user.last_name.clone())
                            .push_bind(user.status.as_str())
                            .push_bind(user.confirmed)
                            .push_bind(user.zuid.clone())
                            .push_bind(user.role_id.0)
                            .push_bind(user.profile_id.0)
                            .push_bind(user.admin)
                            .push_bind(user.primary)
                            .push_bind(user.bucket().code())
                            .push_bind(extra)
                            .push_bind(user.created_at)
                            .push_bind(user.modified_at)
                            .push_bind(user.created_by.map(|id| id.0))
                            .push_bind(user.modified_by.map(|id| id.0))
                            .push_bind(user.email.to_ascii_lowercase());
                    });
                    match sql.build().execute(&mut *self.tx).await {
                        Err(e) if is_unique_violation(&e) => {
                            return Err(Error::DuplicateData {
                                message: "a user with this id or email exists".to_owned(),
                                details: Details::Id(chunk.first().map(|u| u.id.to_string()).unwrap_or_default()),
                            })
                        }
                        other => other.map_err(db_error)?,
                    };
                }
                Ok(())
            }

            async fn update_user(&mut self, user: &User) -> Result<()> {
                let result = sqlx::query(
                    "UPDATE users SET email = $3, first_name = $4, last_name = $5, status = $6, confirmed = $7, \
                     zuid = $8, role_id = $9, profile_id = $10, is_admin = $11, is_primary = $12, bucket = $13, \
                     extra = $14, modified_at = $15, modified_by = $16, email_key = $17 WHERE org_id = $1 AND id = $2",
                )
                .bind(self.org.id.0)
                .bind(user.id.0)
                .bind(&user.email)
                .bind(&user.first_name)
                .bind(&user.last_name)
                .bind(user.status.as_str())
                .bind(user.confirmed)
                .bind(&user.zuid)
                .bind(user.role_id.0)
                .bind(user.profile_id.0)
                .bind(user.admin)
                .bind(user.primary)
                .bind(user.bucket().code())
                .bind(serde_json::to_string(&user.extra).map_err(Error::internal)?)
                .bind(user.modified_at)
                .bind(user.modified_by.map(|id| id.0))
                .bind(user.email.to_ascii_lowercase())
                .execute(&mut *self.tx)
                .await;
                match result {
                    Err(e) if is_unique_violation(&e) => Err(Error::DuplicateData {
                        message: "the email is already taken by another user".to_owned(),
                        details: Details::Id(user.id.to_string()),
                    }),
                    Err(e) => Err(db_error(e)),
                    Ok(done) if done.rows_affected() == 1 => Ok(()),
                    Ok(_) => Err(Error::Internal(format!("user {} vanished during update", user.id))),
                }
            }

            async fn adjust_user_count(&mut self, bucket: UserBucket, delta: i64) -> Result<()> {
                sqlx::query(
                    "INSERT INTO user_counts (org_id, bucket, n) VALUES ($1, $2, $3) \
                     ON CONFLICT (org_id, bucket) DO UPDATE SET n = user_counts.n + excluded.n",
                )
                .bind(self.org.id.0)
                .bind(bucket.code())
                .bind(delta)
                .execute(&mut *self.tx)
                .await
                .map_err(db_error)?;
                Ok(())
            }

            async fn user_counts(&mut self) -> Result<UserCounts> {
                let rows = sqlx::query("SELECT bucket, n FROM user_counts WHERE org_id = $1")
                    .bind(self.org.id.0)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                counts_from_rows(&rows)
            }

            async fn role(&mut self, id: ZohoId) -> Result<Option<Role>> {
                let sql = format!("{ROLE_SELECT} WHERE org_id = $1 AND id = $2");
                let row = sqlx::query(&sql)
                    .bind(self.org.id.0)
                    .bind(id.0)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                row.as_ref().map(role_from_row).transpose()
            }

            async fn insert_role(&mut self, role: &Role) -> Result<()> {
                sqlx::query(
                    "INSERT INTO roles (org_id, id, name, display_label, reporting_to, share_with_peers, \
                     description, created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(self.org.id.0)
                .bind(role.id.0)
                .bind(&role.name)
                .bind(&role.display_label)
                .bind(role.reporting_to.map(|id| id.0))
                .bind(role.share_with_peers)
                .bind(&role.description)
                .bind(role.created_at)
                .bind(role.modified_at)
                .execute(&mut *self.tx)
                .await
                .map_err(db_error)?;
                Ok(())
            }

            async fn profile(&mut self, id: ZohoId) -> Result<Option<Profile>> {
                let sql = format!("{PROFILE_SELECT} WHERE org_id = $1 AND id = $2");
                let row = sqlx::query(&sql)
                    .bind(self.org.id.0)
                    .bind(id.0)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                row.as_ref().map(profile_from_row).transpose()
            }

            async fn insert_profile(&mut self, profile: &Profile) -> Result<()> {
                sqlx::query(
                    "INSERT INTO profiles (org_id, id, name, display_label, description, is_default, custom, \
                     is_admin, created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(self.org.id.0)
                .bind(profile.id.0)
                .bind(&profile.name)
                .bind(&profile.display_label)
                .bind(&profile.description)
                .bind(profile.default)
                .bind(profile.custom)
                .bind(profile.admin)
                .bind(profile.created_at)
                .bind(profile.modified_at)
                .execute(&mut *self.tx)
                .await
                .map_err(db_error)?;
                Ok(())
            }

            async fn child_roles(&mut self, parent: ZohoId) -> Result<Vec<Role>> {
                let sql = format!("{ROLE_SELECT} WHERE org_id = $1 AND reporting_to = $2 ORDER BY id");
                let rows = sqlx::query(&sql)
                    .bind(self.org.id.0)
                    .bind(parent.0)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                rows.iter().map(role_from_row).collect()
            }

            async fn update_role(&mut self, role: &Role) -> Result<()> {
                sqlx::query(
                    "UPDATE roles SET name = $3, display_label = $4, reporting_to = $5, share_with_peers = $6, \
                     description = $7, modified_at = $8 WHERE org_id = $1 AND id = $2",
                )
                .bind(self.org.id.0)
                .bind(role.id.0)
                .bind(&role.name)
                .bind(&role.display_label)
                .bind(role.reporting_to.map(|id| id.0))
                .bind(role.share_with_peers)
                .bind(&role.description)
                .bind(role.modified_at)
                .execute(&mut *self.tx)
                .await
                .map_err(db_error)?;
                Ok(())
            }

            async fn delete_role(&mut self, id: ZohoId) -> Result<()> {
                sqlx::query("DELETE FROM roles WHERE org_id = $1 AND id = $2")
                    .bind(self.org.id.0)
                    .bind(id.0)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                Ok(())
            }

            async fn territory(&mut self, id: ZohoId) -> Result<Option<Territory>> {
                let sql = format!("{TERRITORY_SELECT} WHERE t.org_id = $1 AND t.id = $2");
                let row = sqlx::query(&sql)
                    .bind(self.org.id.0)
                    .bind(id.0)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                row.as_ref().map(territory_from_row).transpose()
            }

            async fn territory_id_by_name(&mut self, name: &str) -> Result<Option<ZohoId>> {
                let id: Option<i64> = sqlx::query_scalar("SELECT id FROM territories WHERE org_id = $1 AND name_key = $2")
                    .bind(self.org.id.0)
                    .bind(name.to_lowercase())
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                Ok(id.map(ZohoId))
            }

            async fn child_territory_ids(&mut self, parent: ZohoId) -> Result<Vec<ZohoId>> {
                let rows = sqlx::query("SELECT id FROM territories WHERE org_id = $1 AND reporting_to = $2 ORDER BY id")
                    .bind(self.org.id.0)
                    .bind(parent.0)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                ids_from_rows(&rows, "id")
            }

            async fn insert_territory(&mut self, t: &Territory) -> Result<()> {
                let result = sqlx::query(
                    "INSERT INTO territories (org_id, id, name, name_key, api_name, description, manager_id, \
                     reporting_to, permission_type, is_root, member_count, created_at, modified_at, created_by, \
                     modified_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12, $13, $14)",
                )
                .bind(self.org.id.0)
                .bind(t.id.0)
                .bind(&t.name)
                .bind(t.name.to_lowercase())
                .bind(&t.api_name)
                .bind(&t.description)
                .bind(t.manager.map(|id| id.0))
                .bind(t.reporting_to.map(|id| id.0))
                .bind(t.permission_type.as_str())
                .bind(t.is_root())
                .bind(t.created_at)
                .bind(t.modified_at)
                .bind(t.created_by.map(|id| id.0))
                .bind(t.modified_by.map(|id| id.0))
                .execute(&mut *self.tx)
                .await;
                match result {
                    Err(e) if is_unique_violation(&e) => Err(Error::DuplicateData {
                        message: "a territory with this id or name exists".to_owned(),
                        details: Details::Id(t.id.to_string()),
                    }),
                    other => other.map(|_| ()).map_err(db_error),
                }
            }

            async fn update_territory(&mut self, t: &Territory) -> Result<()> {
                let result = sqlx::query(
                    "UPDATE territories SET name = $3, name_key = $4, api_name = $5, description = $6, manager_id = $7, \
                     reporting_to = $8, permission_type = $9, modified_at = $10, modified_by = $11 \
                     WHERE org_id = $1 AND id = $2",
                )
                .bind(self.org.id.0)
                .bind(t.id.0)
                .bind(&t.name)
                .bind(t.name.to_lowercase())
                .bind(&t.api_name)
                .bind(&t.description)
                .bind(t.manager.map(|id| id.0))
                .bind(t.reporting_to.map(|id| id.0))
                .bind(t.permission_type.as_str())
                .bind(t.modified_at)
                .bind(t.modified_by.map(|id| id.0))
                .execute(&mut *self.tx)
                .await;
                match result {
                    Err(e) if is_unique_violation(&e) => Err(Error::DuplicateData {
                        message: "a territory with this name exists".to_owned(),
                        details: Details::Id(t.id.to_string()),
                    }),
                    other => other.map(|_| ()).map_err(db_error),
                }
            }

            async fn delete_territory(&mut self, id: ZohoId) -> Result<()> {
                sqlx::query("DELETE FROM territories WHERE org_id = $1 AND id = $2")
                    .bind(self.org.id.0)
                    .bind(id.0)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                Ok(())
            }

            async fn is_member(&mut self, territory: ZohoId, user: ZohoId) -> Result<bool> {
                let found: Option<i64> = sqlx::query_scalar(
                    "SELECT user_id FROM territory_users WHERE org_id = $1 AND territory_id = $2 AND user_id = $3",
                )
                .bind(self.org.id.0)
                .bind(territory.0)
                .bind(user.0)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(db_error)?;
                Ok(found.is_some())
            }

            async fn add_members(&mut self, pairs: &[(ZohoId, ZohoId)]) -> Result<()> {
                for chunk in pairs.chunks(CHUNK) {
                    let mut sql = QueryBuilder::<$db>::new("INSERT INTO territory_users (org_id, territory_id, user_id) ");
                    sql.push_values(chunk, |mut row, (territory, user)| {
                        row.push_bind(self.org.id.0).push_bind(territory.0).push_bind(user.0);
                    });
                    sql.build().execute(&mut *self.tx).await.map_err(db_error)?;
                }
                let mut per_territory: HashMap<ZohoId, i64> = HashMap::new();
                for (territory, _) in pairs {
                    *per_territory.entry(*territory).or_default() += 1;
                }
                for (territory, n) in per_territory {
                    self.move_member_count(territory, n).await?;
                }
                Ok(())
            }

            async fn remove_member(&mut self, territory: ZohoId, user: ZohoId) -> Result<()> {
                let done = sqlx::query("DELETE FROM territory_users WHERE org_id = $1 AND territory_id = $2 AND user_id = $3")
                    .bind(self.org.id.0)
                    .bind(territory.0)
                    .bind(user.0)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                if done.rows_affected() == 1 {
                    self.move_member_count(territory, -1).await?;
                }
                Ok(())
            }

            async fn territory_member_ids(&mut self, territory: ZohoId) -> Result<Vec<ZohoId>> {
                let rows = sqlx::query(
                    "SELECT user_id FROM territory_users WHERE org_id = $1 AND territory_id = $2 ORDER BY user_id",
                )
                .bind(self.org.id.0)
                .bind(territory.0)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(db_error)?;
                ids_from_rows(&rows, "user_id")
            }

            async fn territories_of(&mut self, user: ZohoId) -> Result<Vec<ZohoId>> {
                let rows = sqlx::query(
                    "SELECT territory_id FROM territory_users WHERE org_id = $1 AND user_id = $2 ORDER BY territory_id",
                )
                .bind(self.org.id.0)
                .bind(user.0)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(db_error)?;
                ids_from_rows(&rows, "territory_id")
            }

            async fn territories_managed_by(&mut self, user: ZohoId) -> Result<Vec<ZohoId>> {
                let rows = sqlx::query("SELECT id FROM territories WHERE org_id = $1 AND manager_id = $2 ORDER BY id")
                    .bind(self.org.id.0)
                    .bind(user.0)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                ids_from_rows(&rows, "id")
            }

            async fn role_parents(&mut self) -> Result<Vec<(ZohoId, Option<ZohoId>)>> {
                let rows = sqlx::query("SELECT id, reporting_to FROM roles WHERE org_id = $1")
                    .bind(self.org.id.0)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                parents_from_rows(&rows)
            }

            async fn territory_parents(&mut self) -> Result<Vec<(ZohoId, Option<ZohoId>)>> {
                let rows = sqlx::query("SELECT id, reporting_to FROM territories WHERE org_id = $1")
                    .bind(self.org.id.0)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                parents_from_rows(&rows)
            }

            async fn live_users_with_roles(&mut self, roles: &[ZohoId]) -> Result<Vec<(ZohoId, ZohoId)>> {
                let mut out = Vec::new();
                for chunk in roles.chunks(CHUNK) {
                    let mut sql = QueryBuilder::<$db>::new("SELECT id, role_id FROM users WHERE org_id = ");
                    sql.push_bind(self.org.id.0).push(" AND status <> 'deleted' AND role_id IN (");
                    let mut list = sql.separated(", ");
                    for id in chunk {
                        list.push_bind(id.0);
                    }
                    sql.push(")");
                    let rows = sql.build().fetch_all(&mut *self.tx).await.map_err(db_error)?;
                    for row in &rows {
                        out.push((
                            ZohoId(row.try_get("id").map_err(db_error)?),
                            ZohoId(row.try_get("role_id").map_err(db_error)?),
                        ));
                    }
                }
                Ok(out)
            }

            async fn memberships_in(&mut self, territories: &[ZohoId]) -> Result<Vec<(ZohoId, ZohoId)>> {
                let mut out = Vec::new();
                for chunk in territories.chunks(CHUNK) {
                    let mut sql =
                        QueryBuilder::<$db>::new("SELECT territory_id, user_id FROM territory_users WHERE org_id = ");
                    sql.push_bind(self.org.id.0).push(" AND territory_id IN (");
                    let mut list = sql.separated(", ");
                    for id in chunk {
                        list.push_bind(id.0);
                    }
                    sql.push(")");
                    let rows = sql.build().fetch_all(&mut *self.tx).await.map_err(db_error)?;
                    for row in &rows {
                        out.push((
                            ZohoId(row.try_get("territory_id").map_err(db_error)?),
                            ZohoId(row.try_get("user_id").map_err(db_error)?),
                        ));
                    }
                }
                Ok(out)
            }

            async fn live_users(&mut self, users: &[ZohoId]) -> Result<Vec<ZohoId>> {
                let mut out = Vec::new();
                for chunk in users.chunks(CHUNK) {
                    let mut sql = QueryBuilder::<$db>::new("SELECT id FROM users WHERE org_id = ");
                    sql.push_bind(self.org.id.0).push(" AND status <> 'deleted' AND id IN (");
                    let mut list = sql.separated(", ");
                    for id in chunk {
                        list.push_bind(id.0);
                    }
                    sql.push(")");
                    let rows = sql.build().fetch_all(&mut *self.tx).await.map_err(db_error)?;
                    out.extend(ids_from_rows(&rows, "id")?);
                }
                Ok(out)
            }

            async fn reassign_role(&mut self, from: ZohoId, to: ZohoId, now: i64, by: ZohoId) -> Result<Vec<ZohoId>> {
                let rows = sqlx::query(
                    "UPDATE users SET role_id = $3, modified_at = $4, modified_by = $5 \
                     WHERE org_id = $1 AND role_id = $2 RETURNING id, status",
                )
                .bind(self.org.id.0)
                .bind(from.0)
                .bind(to.0)
                .bind(now)
                .bind(by.0)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(db_error)?;
                let mut live = Vec::new();
                for row in &rows {
                    let status: String = row.try_get("status").map_err(db_error)?;
                    if status != "deleted" {
                        live.push(ZohoId(row.try_get("id").map_err(db_error)?));
                    }
                }
                Ok(live)
            }

            async fn group(&mut self, id: ZohoId) -> Result<Option<Group>> {
                let sql = format!("{GROUP_SELECT} WHERE g.org_id = $1 AND g.id = $2");
                let row = sqlx::query(&sql)
                    .bind(self.org.id.0)
                    .bind(id.0)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                row.as_ref().map(group_from_row).transpose()
            }

            async fn group_id_by_name(&mut self, name: &str) -> Result<Option<ZohoId>> {
                let id: Option<i64> = sqlx::query_scalar("SELECT id FROM user_groups WHERE org_id = $1 AND name_key = $2")
                    .bind(self.org.id.0)
                    .bind(name.to_lowercase())
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                Ok(id.map(ZohoId))
            }

            async fn insert_group(&mut self, g: &Group) -> Result<()> {
                let result = sqlx::query(
                    "INSERT INTO user_groups (org_id, id, name, name_key, description, description_key, member_count, \
                     created_at, modified_at, created_by, modified_by) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, $10)",
                )
                .bind(self.org.id.0)
                .bind(g.id.0)
                .bind(&g.name)
                .bind(g.name.to_lowercase())
                .bind(&g.description)
                .bind(g.description.as_deref().unwrap_or_default().to_lowercase())
                .bind(g.created_at)
                .bind(g.modified_at)
                .bind(g.created_by.map(|id| id.0))
                .bind(g.modified_by.map(|id| id.0))
                .execute(&mut *self.tx)
                .await;
                match result {
                    Err(e) if is_unique_violation(&e) => Err(Error::DuplicateData {
                        message: "a user group with this id or name exists".to_owned(),
                        details: Details::Id(g.id.to_string()),
                    }),
                    other => other.map(|_| ()).map_err(db_error),
                }
            }

            async fn update_group(&mut self, g: &Group) -> Result<()> {
                let result = sqlx::query(
                    "UPDATE user_groups SET name = $3, name_key = $4, description = $5, description_key = $6, \
                     modified_at = $7, modified_by = $8 WHERE org_id = $1 AND id = $2",
                )
                .bind(self.org.id.0)
                .bind(g.id.0)
                .bind(&g.name)
                .bind(g.name.to_lowercase())
                .bind(&g.description)
                .bind(g.description.as_deref().unwrap_or_default().to_lowercase())
                .bind(g.modified_at)
                .bind(g.modified_by.map(|id| id.0))
                .execute(&mut *self.tx)
                .await;
                match result {
                    Err(e) if is_unique_violation(&e) => Err(Error::DuplicateData {
                        message: "a user group with this name exists".to_owned(),
                        details: Details::Id(g.id.to_string()),
                    }),
                    other => other.map(|_| ()).map_err(db_error),
                }
            }

            async fn delete_group(&mut self, id: ZohoId) -> Result<()> {
                for table in ["group_members", "group_sources"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE org_id = $1 AND group_id = $2"))
                        .bind(self.org.id.0)
                        .bind(id.0)
                        .execute(&mut *self.tx)
                        .await
                        .map_err(db_error)?;
                }
                sqlx::query("DELETE FROM user_groups WHERE org_id = $1 AND id = $2")
                    .bind(self.org.id.0)
                    .bind(id.0)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                Ok(())
            }

            async fn sources_of(&mut self, group: ZohoId) -> Result<Vec<Source>> {
                let rows = sqlx::query(
                    "SELECT kind, source_id, subordinates FROM group_sources WHERE org_id = $1 AND group_id = $2 \
                     ORDER BY position",
                )
                .bind(self.org.id.0)
                .bind(group.0)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(db_error)?;
                rows.iter().map(source_from_row).collect()
            }

            async fn set_sources(&mut self, group: ZohoId, sources: &[Source]) -> Result<()> {
                sqlx::query("DELETE FROM group_sources WHERE org_id = $1 AND group_id = $2")
                    .bind(self.org.id.0)
                    .bind(group.0)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                for (i, source) in sources.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO group_sources (org_id, group_id, position, kind, source_id, subordinates) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(self.org.id.0)
                    .bind(group.0)
                    .bind(i as i32)
                    .bind(source.kind.as_str())
                    .bind(source.id.0)
                    .bind(source.subordinates)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                }
                Ok(())
            }

            async fn groups_with_sources(&mut self, kind: SourceKind, ids: &[ZohoId]) -> Result<Vec<(ZohoId, Source)>> {
                let mut out = Vec::new();
                for chunk in ids.chunks(CHUNK) {
                    let mut sql = QueryBuilder::<$db>::new(
                        "SELECT group_id, kind, source_id, subordinates FROM group_sources WHERE org_id = ",
                    );
                    sql.push_bind(self.org.id.0)
                        .push(" AND kind = ")
                        .push_bind(kind.as_str())
                        .push(" AND source_id IN (");
                    let mut list = sql.separated(", ");
                    for id in chunk {
                        list.push_bind(id.0);
                    }
                    sql.push(") ORDER BY group_id");
                    let rows = sql.build().fetch_all(&mut *self.tx).await.map_err(db_error)?;
                    for row in &rows {
                        out.push((ZohoId(row.try_get("group_id").map_err(db_error)?), source_from_row(row)?));
                    }
                }
                Ok(out)
            }

            async fn group_edges(&mut self) -> Result<Vec<(ZohoId, ZohoId)>> {
                let rows = sqlx::query(
                    "SELECT group_id, source_id FROM group_sources WHERE org_id = $1 AND kind = 'groups'",
                )
                .bind(self.org.id.0)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(db_error)?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            ZohoId(row.try_get("group_id").map_err(db_error)?),
                            ZohoId(row.try_get("source_id").map_err(db_error)?),
                        ))
                    })
                    .collect()
            }

            async fn member_reasons(&mut self, group: ZohoId) -> Result<Vec<(ZohoId, i64)>> {
                let rows = sqlx::query("SELECT user_id, reasons FROM group_members WHERE org_id = $1 AND group_id = $2")
                    .bind(self.org.id.0)
                    .bind(group.0)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            ZohoId(row.try_get("user_id").map_err(db_error)?),
                            row.try_get("reasons").map_err(db_error)?,
                        ))
                    })
                    .collect()
            }

            async fn add_member_reasons(&mut self, group: ZohoId, deltas: &[(ZohoId, i64)]) -> Result<Vec<(ZohoId, i64)>> {
                let mut after: HashMap<i64, i64> = HashMap::with_capacity(deltas.len());
                for chunk in deltas.chunks(CHUNK) {
                    let mut sql =
                        QueryBuilder::<$db>::new("INSERT INTO group_members (org_id, group_id, user_id, reasons) ");
                    sql.push_values(chunk, |mut row, (user, n)| {
                        row.push_bind(self.org.id.0).push_bind(group.0).push_bind(user.0).push_bind(*n);
                    });
                    sql.push(
                        " ON CONFLICT (org_id, group_id, user_id) DO UPDATE \
                         SET reasons = group_members.reasons + excluded.reasons RETURNING user_id, reasons",
                    );
                    let rows = sql.build().fetch_all(&mut *self.tx).await.map_err(db_error)?;
                    for row in &rows {
                        after.insert(row.try_get("user_id").map_err(db_error)?, row.try_get("reasons").map_err(db_error)?);
                    }
                }
                let out: Vec<(ZohoId, i64, i64)> = deltas
                    .iter()
                    .map(|(user, delta)| (*user, *delta, after.get(&user.0).copied().unwrap_or(i64::MIN)))
                    .collect();
                self.settle_members(group, &out).await?;
                Ok(out.into_iter().map(|(user, _, now)| (user, now)).collect())
            }

            async fn add_reasons_for_roles(
                &mut self,
                group: ZohoId,
                roles: &[ZohoId],
                delta: i64,
            ) -> Result<Vec<(ZohoId, i64)>> {
                let mut out: Vec<(ZohoId, i64, i64)> = Vec::new();
                for chunk in roles.chunks(CHUNK) {
                    // `WHERE` before `ON CONFLICT` keeps SQLite's parser from reading the upsert as a join.
                    let mut sql = QueryBuilder::<$db>::new("INSERT INTO group_members (org_id, group_id, user_id, reasons) SELECT ");
                    sql.push_bind(self.org.id.0)
                        .push(", ")
                        .push_bind(group.0)
                        .push(", u.id, ")
                        .push_bind(delta)
                        .push(" FROM users u WHERE u.org_id = ")
                        .push_bind(self.org.id.0)
                        .push(" AND u.status <> 'deleted' AND u.role_id IN (");
                    let mut list = sql.separated(", ");
                    for role in chunk {
                        list.push_bind(role.0);
                    }
                    sql.push(
                        ") ON CONFLICT (org_id, group_id, user_id) DO UPDATE \
                         SET reasons = group_members.reasons + excluded.reasons RETURNING user_id, reasons",
                    );
                    let rows = sql.build().fetch_all(&mut *self.tx).await.map_err(db_error)?;
                    for row in &rows {
                        out.push((
                            ZohoId(row.try_get("user_id").map_err(db_error)?),
                            delta,
                            row.try_get("reasons").map_err(db_error)?,
                        ));
                    }
                }
                self.settle_members(group, &out).await?;
                Ok(out.into_iter().map(|(user, _, now)| (user, now)).collect())
            }

            async fn remove_user_from_groups(&mut self, user: ZohoId) -> Result<Vec<ZohoId>> {
                let rows = sqlx::query("DELETE FROM group_members WHERE org_id = $1 AND user_id = $2 RETURNING group_id")
                    .bind(self.org.id.0)
                    .bind(user.0)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                let groups = ids_from_rows(&rows, "group_id")?;
                for group in &groups {
                    sqlx::query("UPDATE user_groups SET member_count = member_count - 1 WHERE org_id = $1 AND id = $2")
                        .bind(self.org.id.0)
                        .bind(group.0)
                        .execute(&mut *self.tx)
                        .await
                        .map_err(db_error)?;
                }
                Ok(groups)
            }

            async fn insert_oauth_client(&mut self, client: &OAuthClient) -> Result<()> {
                sqlx::query(
                    "INSERT INTO oauth_clients (client_id, org_id, secret_hash, name, redirect_uris, self_client, \
                     scopes, owner_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&client.client_id)
                .bind(client.org.0)
                .bind(&client.secret_hash.0)
                .bind(&client.name)
                .bind(serde_json::to_string(&client.redirect_uris).map_err(Error::internal)?)
                .bind(client.self_client)
                .bind(client.scopes.to_string())
                .bind(client.owner.0)
                .bind(client.created_at)
                .execute(&mut *self.tx)
                .await
                .map_err(db_error)?;
                Ok(())
            }

            async fn insert_code(&mut self, code: &AuthCode) -> Result<()> {
                sqlx::query(
                    "INSERT INTO oauth_codes (hash, org_id, client_id, user_id, scopes, redirect_uri, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&code.hash.0)
                .bind(code.org.0)
                .bind(&code.client_id)
                .bind(code.user_id.0)
                .bind(code.scopes.to_string())
                .bind(&code.redirect_uri)
                .bind(code.expires_at)
                .execute(&mut *self.tx)
                .await
                .map_err(db_error)?;
                Ok(())
            }

            async fn set_baseline(&mut self, document: &str) -> Result<()> {
                sqlx::query(
                    "INSERT INTO org_baselines (org_id, document) VALUES ($1, $2) \
                     ON CONFLICT (org_id) DO UPDATE SET document = excluded.document",
                )
                .bind(self.org.id.0)
                .bind(document)
                .execute(&mut *self.tx)
                .await
                .map_err(db_error)?;
                Ok(())
            }

            async fn drop_orphaned_credentials(&mut self) -> Result<()> {
                for (table, column) in [("tokens", "user_id"), ("oauth_codes", "user_id"), ("oauth_clients", "owner_id")] {
                    sqlx::query(&format!(
                        "DELETE FROM {table} WHERE org_id = $1 AND {column} NOT IN (SELECT id FROM users WHERE org_id = $1)"
                    ))
                    .bind(self.org.id.0)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                }
                Ok(())
            }

            async fn replace_org(&mut self, org: &Org) -> Result<()> {
                sqlx::query(
                    "UPDATE orgs SET name = $2, time_zone = $3, edition = $4, licenses = $5, next_seq = $6, \
                     created_at = $7 WHERE id = $1",
                )
                .bind(self.org.id.0)
                .bind(&org.name)
                .bind(&org.time_zone)
                .bind(org.edition.as_str())
                .bind(i64::from(org.licenses))
                .bind(org.next_seq)
                .bind(org.created_at)
                .execute(&mut *self.tx)
                .await
                .map_err(db_error)?;
                self.org = Org { id: self.org.id, ..org.clone() };
                self.first_seq = self.org.next_seq;
                Ok(())
            }

            async fn refresh_token_exists(&mut self, hash: &TokenHash) -> Result<bool> {
                let found: Option<String> = sqlx::query_scalar(
                    "SELECT hash FROM tokens WHERE org_id = $1 AND hash = $2 AND kind = 'refresh'",
                )
                .bind(self.org.id.0)
                .bind(&hash.0)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(db_error)?;
                Ok(found.is_some())
            }

            async fn delete_refresh_token(&mut self, hash: &TokenHash) -> Result<bool> {
                let done = sqlx::query("DELETE FROM tokens WHERE org_id = $1 AND hash = $2 AND kind = 'refresh'")
                    .bind(self.org.id.0)
                    .bind(&hash.0)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                sqlx::query("DELETE FROM tokens WHERE org_id = $1 AND parent = $2")
                    .bind(self.org.id.0)
                    .bind(&hash.0)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db_error)?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_token(&mut self, token: &TokenRecord) -> Result<()> {
                sqlx::query(
                    "INSERT INTO tokens (hash, org_id, user_id, kind, scopes, expires_at, parent, created_at, client_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&token.hash.0)
                .bind(token.org.0)
                .bind(token.user_id.0)
                .bind(token.kind.as_str())
                .bind(token.scopes.to_string())
                .bind(token.expires_at)
                .bind(token.parent.as_ref().map(|p| p.0.clone()))
                .bind(token.created_at)
                .bind(&token.client_id)
                .execute(&mut *self.tx)
                .await
                .map_err(db_error)?;
                Ok(())
            }

            async fn rebuild_counts(&mut self, analyze: bool) -> Result<()> {
                if analyze {
                    // Planner statistics for the sizes just written: without
                    // them both databases may walk a tree by scanning it.
                    let statements: &[&str] = match $backend {
                        Backend::Sqlite => &["PRAGMA analysis_limit = 1000", "ANALYZE"],
                        Backend::Postgres => &[
                            "ANALYZE users, roles, territories, territory_users, user_groups, group_sources",
                        ],
                    };
                    for sql in statements {
                        sqlx::query(sql).execute(&mut *self.tx).await.map_err(db_error)?;
                    }
                }
                let group_members = format!(
                    "{GROUP_REASONS_CTE} INSERT INTO group_members (org_id, group_id, user_id, reasons) \
                     SELECT $1, group_id, user_id, reasons FROM reasons"
                );
                let statements = [
                    "DELETE FROM user_counts WHERE org_id = $1",
                    "INSERT INTO user_counts (org_id, bucket, n) \
                     SELECT $1, bucket, CAST(COUNT(*) AS BIGINT) FROM users WHERE org_id = $1 GROUP BY bucket",
                    // Only rows whose count is wrong are rewritten (fewer dead
                    // row versions for PostgreSQL to vacuum).
                    "UPDATE territories SET member_count = (SELECT COUNT(*) FROM territory_users m \
                     WHERE m.org_id = territories.org_id AND m.territory_id = territories.id) WHERE org_id = $1 \
                     AND member_count <> (SELECT COUNT(*) FROM territory_users m \
                     WHERE m.org_id = territories.org_id AND m.territory_id = territories.id)",
                    "DELETE FROM group_members WHERE org_id = $1",
                    group_members.as_str(),
                    "UPDATE user_groups SET member_count = (SELECT COUNT(*) FROM group_members m \
                     WHERE m.org_id = user_groups.org_id AND m.group_id = user_groups.id) WHERE org_id = $1 \
                     AND member_count <> (SELECT COUNT(*) FROM group_members m \
                     WHERE m.org_id = user_groups.org_id AND m.group_id = user_groups.id)",
                ];
                for sql in statements {
                    sqlx::query(sql)
                        .bind(self.org.id.0)
                        .execute(&mut *self.tx)
                        .await
                        .map_err(db_error)?;
                }
                Ok(())
            }

            async fn role_chain(&mut self, role: ZohoId) -> Result<Vec<ZohoId>> {
                self.chain(CHAIN_ROLES, role).await
            }

            async fn territory_chain(&mut self, territory: ZohoId) -> Result<Vec<ZohoId>> {
                self.chain(CHAIN_TERRITORIES, territory).await
            }

            async fn commit(self: Box<Self>) -> Result<()> {
                let mut this = *self;
                if this.org.next_seq != this.first_seq {
                    sqlx::query("UPDATE orgs SET next_seq = $2 WHERE id = $1")
                        .bind(this.org.id.0)
                        .bind(this.org.next_seq)
                        .execute(&mut *this.tx)
                        .await
                        .map_err(db_error)?;
                }
                this.tx.commit().await.map_err(db_error)
            }
        }
    };
}
