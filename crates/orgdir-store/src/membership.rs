//! The group membership model's data (`service::membership` has its
//! rules): what each group reaches through nesting (`group_reach`), what it
//! covers with how many paths (`group_role_cover`, `group_territory_cover`,
//! `group_user_cover`), the live and active users of each role
//! (`roles.live_users`, `roles.active_users`), the cross counts
//! (`group_cross.n`, `group_cross.active`), and the member counts they give
//! (`user_groups.member_count`, `user_groups.active_member_count`).
//!
//! [`model_cte`] defines the whole model from the directory alone, in SQL:
//! a rebuild writes it and a recomputation of some groups writes their
//! part. `orgdir check` reads the kept model and the directory lean and
//! recomputes it independently (`orgdir_core::check`).

use crate::args;
use crate::db::{Arg, Cols, Conn, Sql, CHUNK};
use crate::roles::parent_pair;
use crate::tx::SqlTx;
use crate::SqlStore;
use orgdir_core::groups::SourceKind;
use orgdir_core::store::{
    Backend, Cover, GroupStore, InputUser, MembershipDelta, MembershipInputs, MembershipModel,
    MembershipWrites, Tally, TerritoryUserRow,
};
use orgdir_core::{Error, OrgId, Result, ZohoId};
use std::collections::BTreeSet;

/// The table and node column of a kind of coverage.
fn cover_table(kind: Cover) -> (&'static str, &'static str) {
    match kind {
        Cover::Roles => ("group_role_cover", "role_id"),
        Cover::Territories => ("group_territory_cover", "territory_id"),
        Cover::Users => ("group_user_cover", "user_id"),
    }
}

/// The model of the org's groups passing `scope` (a condition on
/// `user_groups.id`), from the directory alone, as CTEs over `?1`, the
/// org: `reach(group_id, member_group_id)`, `role_cover`,
/// `territory_cover` and `user_cover` `(group_id, node, paths)`,
/// `live(role_id, n, active)`, `reached(group_id, user_id)` (through
/// territories and user sources) and `crossed(group_id, role_id, n, active)`.
fn model_cte(scope: &str) -> String {
    let paths = |name: &str, kind: &str, tree: &str| {
        format!(
            "{name}_paths(group_id, node, below) AS ( \
               SELECT r.group_id, s.source_id, s.subordinates FROM reach r JOIN group_sources s \
                 ON s.org_id = ?1 AND s.group_id = r.member_group_id AND s.kind = '{kind}' \
               UNION ALL \
               SELECT p.group_id, n.id, p.below FROM {name}_paths p JOIN {tree} n \
                 ON n.org_id = ?1 AND n.reporting_to = p.node WHERE p.below), \
             {name}_cover(group_id, node, paths) AS ( \
               SELECT group_id, node, CAST(COUNT(*) AS BIGINT) FROM {name}_paths GROUP BY group_id, node), "
        )
    };
    format!(
        "WITH RECURSIVE \
         reach(group_id, member_group_id) AS ( \
           SELECT id, id FROM user_groups WHERE org_id = ?1 AND {scope} \
           UNION \
           SELECT r.group_id, s.source_id FROM reach r JOIN group_sources s \
             ON s.org_id = ?1 AND s.group_id = r.member_group_id AND s.kind = 'groups'), \
         {roles}{territories}\
         user_cover(group_id, node, paths) AS ( \
           SELECT r.group_id, s.source_id, CAST(COUNT(*) AS BIGINT) FROM reach r JOIN group_sources s \
             ON s.org_id = ?1 AND s.group_id = r.member_group_id AND s.kind = 'users' \
           GROUP BY r.group_id, s.source_id), \
         live(role_id, n, active) AS ( \
           SELECT role_id, CAST(COUNT(*) AS BIGINT), {active} FROM users \
           WHERE org_id = ?1 AND status <> 'deleted' GROUP BY role_id), \
         reached(group_id, user_id) AS ( \
           SELECT c.group_id, m.user_id FROM territory_cover c JOIN territory_users m \
             ON m.org_id = ?1 AND m.territory_id = c.node \
           UNION \
           SELECT group_id, node FROM user_cover), \
         crossed(group_id, role_id, n, active) AS ( \
           SELECT x.group_id, u.role_id, CAST(COUNT(*) AS BIGINT), {active_u} FROM reached x JOIN users u \
             ON u.org_id = ?1 AND u.id = x.user_id WHERE u.status <> 'deleted' \
           GROUP BY x.group_id, u.role_id) ",
        roles = paths("role", "roles", "roles"),
        territories = paths("territory", "territories", "territories"),
        active = active_users(""),
        active_u = active_users("u."),
    )
}

/// How many of the grouped users (`users` columns with `prefix`) are active.
fn active_users(prefix: &str) -> String {
    format!("CAST(SUM(CASE WHEN {prefix}status = 'active' THEN 1 ELSE 0 END) AS BIGINT)")
}

/// A group's member count from the kept model: the users (a `roles`
/// column) of the roles it covers, plus the cross counts (a `group_cross`
/// column) of the roles it does not (correlated on `user_groups`).
fn member_count(role_users: &str, cross: &str) -> String {
    format!(
        "CAST(COALESCE((SELECT SUM(r.{role_users}) FROM group_role_cover c \
           JOIN roles r ON r.org_id = c.org_id AND r.id = c.role_id \
           WHERE c.org_id = user_groups.org_id AND c.group_id = user_groups.id), 0) \
         + COALESCE((SELECT SUM(x.{cross}) FROM group_cross x \
           WHERE x.org_id = user_groups.org_id AND x.group_id = user_groups.id AND NOT EXISTS ( \
             SELECT 1 FROM group_role_cover c WHERE c.org_id = x.org_id AND c.group_id = x.group_id \
               AND c.role_id = x.role_id)), 0) AS BIGINT)"
    )
}

/// The groups a recomputation covers: every group of the org, or some.
enum Scope<'a> {
    All,
    Groups(&'a [ZohoId]),
}

impl Scope<'_> {
    /// The condition on `user_groups.id` (placeholders from `?2`) and its arguments.
    fn condition(&self) -> (String, Vec<Arg<'static>>) {
        match self {
            Scope::All => ("1 = 1".to_owned(), Vec::new()),
            Scope::Groups(ids) => {
                let mut sql = Sql::new("id IN (");
                sql.args.push(Arg::Int(None)); // ?1 is the org
                sql.list(ids.iter().copied()).push(")");
                let mut args = sql.args;
                args.remove(0);
                (sql.text, args)
            }
        }
    }
}

/// Writes the model of the groups in `scope` from scratch (and, for the
/// whole org, the live and active users of every role).
async fn rebuild(c: &mut dyn Conn, org: OrgId, scope: Scope<'_>) -> Result<()> {
    let (condition, scope_args) = scope.condition();
    let mut args: Vec<Arg<'_>> = vec![org.into()];
    args.extend(scope_args);
    let groups = format!("SELECT id FROM user_groups WHERE org_id = ?1 AND {condition}");
    for table in MODEL_TABLES {
        let sql = format!("DELETE FROM {table} WHERE org_id = ?1 AND group_id IN ({groups})");
        c.run(&sql, &args).await?;
    }
    if matches!(scope, Scope::All) {
        c.run(
            "UPDATE roles SET live_users = (SELECT COUNT(*) FROM users u \
             WHERE u.org_id = roles.org_id AND u.role_id = roles.id AND u.status <> 'deleted'), \
             active_users = (SELECT COUNT(*) FROM users u \
             WHERE u.org_id = roles.org_id AND u.role_id = roles.id AND u.status = 'active') \
             WHERE org_id = ?1",
            args![org],
        )
        .await?;
    }
    let model = model_cte(&condition);
    let inserts = [
        "INSERT INTO group_reach (org_id, group_id, member_group_id) \
         SELECT ?1, group_id, member_group_id FROM reach",
        "INSERT INTO group_role_cover (org_id, group_id, role_id, paths) \
         SELECT ?1, group_id, node, paths FROM role_cover",
        "INSERT INTO group_territory_cover (org_id, group_id, territory_id, paths) \
         SELECT ?1, group_id, node, paths FROM territory_cover",
        "INSERT INTO group_user_cover (org_id, group_id, user_id, paths) \
         SELECT ?1, group_id, node, paths FROM user_cover",
        "INSERT INTO group_cross (org_id, group_id, role_id, n, active) \
         SELECT ?1, group_id, role_id, n, active FROM crossed",
    ];
    for insert in inserts {
        c.run(&format!("{model}{insert}"), &args).await?;
    }
    let sql = format!(
        "UPDATE user_groups SET member_count = {}, active_member_count = {} \
         WHERE org_id = ?1 AND {condition}",
        member_count("live_users", "n"),
        member_count("active_users", "active"),
    );
    c.run(&sql, &args).await?;
    Ok(())
}

/// Builds the whole org's model from scratch (import, seed, reset, and the
/// conversion of a database written before this model).
pub(crate) async fn rebuild_org(c: &mut dyn Conn, org: OrgId) -> Result<()> {
    rebuild(c, org, Scope::All).await
}

/// The model's tables, whose planner statistics a bulk build makes stale.
const MODEL_TABLES: [&str; 5] = [
    "group_reach",
    "group_role_cover",
    "group_territory_cover",
    "group_user_cover",
    "group_cross",
];

/// Refreshes the planner's statistics of the model's tables after a bulk
/// build (without them the planner may scan a table it could seek).
pub(crate) async fn analyze_model(c: &mut dyn Conn) -> Result<()> {
    let tables = MODEL_TABLES.join(", ");
    match c.backend() {
        Backend::Sqlite => {
            c.run("PRAGMA analysis_limit = 1000", args![]).await?;
            for table in MODEL_TABLES {
                c.run(&format!("ANALYZE {table}"), args![]).await?;
            }
        }
        Backend::Postgres => {
            c.run(&format!("ANALYZE {tables}"), args![]).await?;
        }
    }
    Ok(())
}

/// Builds the model of every org the migration to it left pending, each in
/// a write transaction of its own (run at start-up, after the migrations).
pub(crate) async fn convert_pending(store: &SqlStore) -> Result<()> {
    let pending = store
        .read()
        .await?
        .fetch_map("SELECT org_id FROM membership_rebuilds", args![], |c| {
            c.i64().map(OrgId)
        })
        .await?;
    let converted = !pending.is_empty();
    for org in pending {
        store
            .write_alone(move |c| {
                Box::pin(async move {
                    crate::orgs::lock_org(c, org).await?;
                    rebuild_org(c, org).await?;
                    c.run(
                        "DELETE FROM membership_rebuilds WHERE org_id = ?1",
                        args![org],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await?;
    }
    if converted {
        store
            .write_alone(|c| Box::pin(async move { analyze_model(c).await }))
            .await?;
    }
    Ok(())
}

impl SqlStore {
    /// What the model derives from (`GroupStore::membership_inputs`).
    pub(crate) async fn membership_inputs(&self, org: OrgId) -> Result<MembershipInputs> {
        let mut c = self.read().await?;
        let users = c
            .fetch_map(
                "SELECT id, role_id, status <> 'deleted', status = 'active' FROM users WHERE org_id = ?1",
                args![org],
                |c| {
                    Ok(InputUser {
                        id: c.id()?,
                        role: c.id()?,
                        live: c.bool()?,
                        active: c.bool()?,
                    })
                },
            )
            .await?;
        let pairs = |c: &mut Cols<'_>| Ok((c.id()?, c.id()?));
        let territory_users = c
            .fetch_map(
                "SELECT territory_id, user_id FROM territory_users WHERE org_id = ?1",
                args![org],
                pairs,
            )
            .await?;
        let role_parents = c
            .fetch_map(
                "SELECT id, reporting_to FROM roles WHERE org_id = ?1",
                args![org],
                parent_pair,
            )
            .await?;
        let territory_parents = c
            .fetch_map(
                "SELECT id, reporting_to FROM territories WHERE org_id = ?1",
                args![org],
                parent_pair,
            )
            .await?;
        let groups = c
            .fetch_map(
                "SELECT id, member_count, active_member_count FROM user_groups WHERE org_id = ?1",
                args![org],
                |c| {
                    let id = c.id()?;
                    Ok((id, tally(c)?))
                },
            )
            .await?;
        drop(c);
        Ok(MembershipInputs {
            users,
            territory_users,
            role_parents,
            territory_parents,
            sources: GroupStore::all_group_sources(self, org).await?,
            groups,
        })
    }

    /// The model as kept (`GroupStore::kept_membership`).
    pub(crate) async fn kept_membership(&self, org: OrgId) -> Result<MembershipModel> {
        let mut c = self.read().await?;
        let mut model = MembershipModel::default();
        let parts = [
            (&mut model.reach, "SELECT group_id, member_group_id, CAST(1 AS BIGINT) FROM group_reach WHERE org_id = ?1"),
            (&mut model.role_cover, "SELECT group_id, role_id, paths FROM group_role_cover WHERE org_id = ?1"),
            (
                &mut model.territory_cover,
                "SELECT group_id, territory_id, paths FROM group_territory_cover WHERE org_id = ?1",
            ),
            (&mut model.user_cover, "SELECT group_id, user_id, paths FROM group_user_cover WHERE org_id = ?1"),
            (&mut model.live, "SELECT id, CAST(0 AS BIGINT), live_users FROM roles WHERE org_id = ?1 AND live_users <> 0"),
            (&mut model.active, "SELECT id, CAST(0 AS BIGINT), active_users FROM roles WHERE org_id = ?1 AND active_users <> 0"),
            (&mut model.cross, "SELECT group_id, role_id, n FROM group_cross WHERE org_id = ?1 AND n <> 0"),
            (&mut model.active_cross, "SELECT group_id, role_id, active FROM group_cross WHERE org_id = ?1 AND active <> 0"),
        ];
        for (part, sql) in parts {
            let rows = c
                .fetch_map(sql, args![org], |c| Ok(((c.id()?, c.id()?), c.i64()?)))
                .await?;
            part.extend(rows);
        }
        Ok(model)
    }
}

/// `VALUES` rows of pairs, numbered from `?2` (`?1` is the org).
fn pairs_values<'a>(sql: &mut Sql<'a>, rows: &[(i64, i64)]) {
    sql.values(rows.iter().copied(), |(a, b)| [Arg::from(a), Arg::from(b)]);
}

/// Reads a tally: (live, active) columns.
fn tally(c: &mut Cols<'_>) -> Result<Tally> {
    Ok(Tally {
        live: c.i64()?,
        active: c.i64()?,
    })
}

#[async_trait::async_trait]
impl MembershipWrites for SqlTx<'_> {
    async fn cover_hits(
        &mut self,
        roles: &[ZohoId],
        territories: &[ZohoId],
        user: Option<ZohoId>,
    ) -> Result<Vec<(ZohoId, Cover, ZohoId)>> {
        let mut out = Vec::new();
        for (kind, nodes) in [
            (Cover::Roles, roles.to_vec()),
            (Cover::Territories, territories.to_vec()),
            (Cover::Users, user.into_iter().collect()),
        ] {
            for chunk in nodes.chunks(CHUNK) {
                let (table, column) = cover_table(kind);
                let mut sql = Sql::new(format!(
                    "SELECT group_id, {column} FROM {table} WHERE org_id = "
                ));
                sql.bind(self.org.id)
                    .push(&format!(" AND {column} IN ("))
                    .list(chunk.iter().copied())
                    .push(")");
                let rows = self
                    .c
                    .fetch_map(&sql.text, &sql.args, |c| Ok((c.id()?, kind, c.id()?)))
                    .await?;
                out.extend(rows);
            }
        }
        Ok(out)
    }

    async fn cover_rows(
        &mut self,
        kind: Cover,
        groups: &[ZohoId],
        nodes: &[ZohoId],
    ) -> Result<Vec<(ZohoId, ZohoId)>> {
        let (table, column) = cover_table(kind);
        // Seek by the shorter list and filter by the longer one here: the
        // rows read are then bounded by the coverage of the shorter side,
        // never groups x nodes probes.
        let by_groups = groups.len() <= nodes.len();
        let (seek, seek_column, keep) = if by_groups {
            (groups, "group_id", nodes)
        } else {
            (nodes, column, groups)
        };
        let keep: std::collections::HashSet<ZohoId> = keep.iter().copied().collect();
        let mut out = Vec::new();
        for chunk in seek.chunks(CHUNK) {
            let mut sql = Sql::new(format!(
                "SELECT group_id, {column} FROM {table} WHERE org_id = "
            ));
            sql.bind(self.org.id)
                .push(&format!(" AND {seek_column} IN ("))
                .list(chunk.iter().copied())
                .push(")");
            let rows = self
                .c
                .fetch_map(&sql.text, &sql.args, |c| Ok((c.id()?, c.id()?)))
                .await?;
            out.extend(
                rows.into_iter()
                    .filter(|(group, node)| keep.contains(if by_groups { node } else { group })),
            );
        }
        Ok(out)
    }

    async fn shift_cover(
        &mut self,
        kind: Cover,
        shifts: &[(ZohoId, i64)],
        nodes: &[ZohoId],
    ) -> Result<Vec<(ZohoId, ZohoId, i64)>> {
        let (table, column) = cover_table(kind);
        let mut out = Vec::new();
        let shifts: Vec<(i64, i64)> = shifts.iter().map(|(g, n)| (g.0, *n)).collect();
        // Every (group, node) pair once: chunks of both sides.
        for groups in shifts.chunks(200) {
            for nodes in nodes.chunks(CHUNK / 2) {
                let mut sql = Sql::new(format!(
                    "INSERT INTO {table} (org_id, group_id, {column}, paths) \
                     SELECT ?1, d.column1, n.column1, d.column2 FROM "
                ));
                sql.args.push(self.org.id.into());
                sql.push("(");
                pairs_values(&mut sql, groups);
                sql.push(") d CROSS JOIN (");
                sql.values(nodes.iter().copied(), |n| [Arg::from(n)]);
                sql.push(&format!(
                    ") n WHERE 1 = 1 ON CONFLICT (org_id, group_id, {column}) \
                     DO UPDATE SET paths = {table}.paths + excluded.paths RETURNING group_id, {column}, paths"
                ));
                let rows = self
                    .c
                    .fetch_map(&sql.text, &sql.args, |c| Ok((c.id()?, c.id()?, c.i64()?)))
                    .await?;
                if rows.iter().any(|row| row.2 == 0) {
                    // The pairs left uncovered, found by key in this chunk.
                    let mut sql = Sql::new(format!("DELETE FROM {table} WHERE org_id = "));
                    sql.bind(self.org.id).push(" AND group_id IN (");
                    sql.list(groups.iter().map(|g| g.0))
                        .push(&format!(") AND {column} IN ("));
                    sql.list(nodes.iter().copied()).push(") AND paths = 0");
                    self.c.run(&sql.text, &sql.args).await?;
                }
                out.extend(rows);
            }
        }
        Ok(out)
    }

    async fn subordinate_paths(
        &mut self,
        kind: SourceKind,
        ids: &[ZohoId],
    ) -> Result<Vec<(ZohoId, ZohoId)>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let mut sql = Sql::new(
                "SELECT r.group_id, s.source_id FROM group_sources s JOIN group_reach r \
                 ON r.org_id = s.org_id AND r.member_group_id = s.group_id WHERE s.org_id = ",
            );
            sql.bind(self.org.id)
                .push(" AND s.kind = ")
                .bind(kind.as_str())
                .push(" AND s.subordinates AND s.source_id IN (")
                .list(chunk.iter().copied())
                .push(")");
            out.extend(
                self.c
                    .fetch_map(&sql.text, &sql.args, |c| Ok((c.id()?, c.id()?)))
                    .await?,
            );
        }
        Ok(out)
    }

    async fn role_live_counts(&mut self, roles: &[ZohoId]) -> Result<Vec<(ZohoId, Tally)>> {
        let mut out = Vec::new();
        for chunk in roles.chunks(CHUNK) {
            let mut sql =
                Sql::new("SELECT id, live_users, active_users FROM roles WHERE org_id = ");
            sql.bind(self.org.id)
                .push(" AND id IN (")
                .list(chunk.iter().copied())
                .push(")");
            out.extend(
                self.c
                    .fetch_map(&sql.text, &sql.args, |c| Ok((c.id()?, tally(c)?)))
                    .await?,
            );
        }
        Ok(out)
    }

    async fn cross_counts(
        &mut self,
        groups: Option<&[ZohoId]>,
        roles: &[ZohoId],
    ) -> Result<Vec<(ZohoId, ZohoId, Tally)>> {
        let mut out = Vec::new();
        for chunk in roles.chunks(CHUNK) {
            let mut sql =
                Sql::new("SELECT group_id, role_id, n, active FROM group_cross WHERE org_id = ");
            sql.bind(self.org.id)
                .push(" AND n <> 0 AND role_id IN (")
                .list(chunk.iter().copied())
                .push(")");
            if let Some(groups) = groups {
                sql.push(" AND group_id IN (")
                    .list(groups.iter().copied())
                    .push(")");
            }
            out.extend(
                self.c
                    .fetch_map(&sql.text, &sql.args, |c| Ok((c.id()?, c.id()?, tally(c)?)))
                    .await?,
            );
        }
        Ok(out)
    }

    async fn apply_membership(&mut self, delta: &MembershipDelta) -> Result<()> {
        let org = self.org.id;
        for (table, rows, [live, active]) in [
            (
                "user_groups",
                &delta.members,
                ["member_count", "active_member_count"],
            ),
            ("roles", &delta.live, ["live_users", "active_users"]),
        ] {
            for chunk in rows.chunks(CHUNK / 3) {
                let mut sql = Sql::new(format!(
                    "UPDATE {table} SET {live} = {live} + d.column2, {active} = {active} + d.column3 FROM ("
                ));
                sql.args.push(org.into());
                sql.values(chunk.iter().copied(), |(id, n)| {
                    [Arg::from(id), n.live.into(), n.active.into()]
                });
                sql.push(&format!(
                    ") d WHERE {table}.org_id = ?1 AND {table}.id = d.column1 \
                     RETURNING {table}.id, {live}, {active}"
                ));
                let after = self
                    .c
                    .fetch_map(&sql.text, &sql.args, |c| Ok((c.id()?, tally(c)?)))
                    .await?;
                if let Some((id, n)) = after.iter().find(|(_, n)| !consistent(n)) {
                    return Err(Error::Internal(format!(
                        "{table} {id}: {live}/{active} {n:?}"
                    )));
                }
            }
        }
        for chunk in delta.cross.chunks(CHUNK / 5) {
            let mut sql =
                Sql::new("INSERT INTO group_cross (org_id, group_id, role_id, n, active)");
            sql.values(chunk.iter().copied(), |(g, r, n)| {
                [
                    Arg::from(org),
                    g.into(),
                    r.into(),
                    n.live.into(),
                    n.active.into(),
                ]
            });
            sql.push(
                " ON CONFLICT (org_id, group_id, role_id) DO UPDATE \
                 SET n = group_cross.n + excluded.n, active = group_cross.active + excluded.active \
                 RETURNING group_id, role_id, n, active",
            );
            let after = self
                .c
                .fetch_map(&sql.text, &sql.args, |c| Ok((c.id()?, c.id()?, tally(c)?)))
                .await?;
            if let Some((g, r, n)) = after.iter().find(|(_, _, n)| !consistent(n)) {
                return Err(Error::Internal(format!(
                    "group {g}, role {r}: cross counts {n:?}"
                )));
            }
        }
        Ok(())
    }

    async fn territory_user_rows(
        &mut self,
        territories: &[ZohoId],
    ) -> Result<Vec<TerritoryUserRow>> {
        let mut rows: BTreeSet<TerritoryUserRow> = BTreeSet::new();
        for chunk in territories.chunks(CHUNK) {
            let mut sql = Sql::new(
                "SELECT m2.user_id, u.role_id, u.status = 'active', m2.territory_id FROM territory_users m \
                 JOIN users u ON u.org_id = m.org_id AND u.id = m.user_id \
                 JOIN territory_users m2 ON m2.org_id = m.org_id AND m2.user_id = m.user_id \
                 WHERE u.status <> 'deleted' AND m.org_id = ",
            );
            sql.bind(self.org.id)
                .push(" AND m.territory_id IN (")
                .list(chunk.iter().copied())
                .push(")");
            rows.extend(
                self.c
                    .fetch_map(&sql.text, &sql.args, |c| {
                        Ok(TerritoryUserRow {
                            user: c.id()?,
                            role: c.id()?,
                            active: c.bool()?,
                            territory: c.id()?,
                        })
                    })
                    .await?,
            );
        }
        Ok(rows.into_iter().collect())
    }

    async fn nesting_groups(&mut self, groups: &[ZohoId]) -> Result<Vec<ZohoId>> {
        let mut out = BTreeSet::new();
        for chunk in groups.chunks(CHUNK) {
            let mut sql = Sql::new("SELECT DISTINCT group_id FROM group_reach WHERE org_id = ");
            sql.bind(self.org.id)
                .push(" AND member_group_id IN (")
                .list(chunk.iter().copied())
                .push(")");
            out.extend(self.c.fetch_ids(&sql.text, &sql.args).await?);
        }
        Ok(out.into_iter().collect())
    }

    async fn recompute_groups(&mut self, groups: &[ZohoId]) -> Result<()> {
        for chunk in groups.chunks(CHUNK) {
            rebuild(self.c, self.org.id, Scope::Groups(chunk)).await?;
        }
        Ok(())
    }
}

/// Whether kept counts make sense: none negative, no more active than live.
fn consistent(n: &Tally) -> bool {
    n.live >= 0 && n.active >= 0 && n.active <= n.live
}

/// Removes a group's part of the model (the group is being deleted).
pub(crate) async fn forget_group(c: &mut dyn Conn, org: OrgId, group: ZohoId) -> Result<()> {
    c.run(
        "DELETE FROM group_reach WHERE org_id = ?1 AND (group_id = ?2 OR member_group_id = ?2)",
        args![org, group],
    )
    .await?;
    for table in [
        "group_role_cover",
        "group_territory_cover",
        "group_user_cover",
        "group_cross",
    ] {
        let sql = format!("DELETE FROM {table} WHERE org_id = ?1 AND group_id = ?2");
        c.run(&sql, args![org, group]).await?;
    }
    Ok(())
}
