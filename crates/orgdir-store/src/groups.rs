//! User groups: their sources, the maintained members with their reason
//! counts, the `filters` of the listings, and the recount `orgdir check`
//! compares them with.

use crate::args;
use crate::db::{full_name, person, versioned_sql, Arg, Cols, Sql, CHUNK};
use crate::static_sql;
use crate::territories::{close_gap, count_row, misplaced};
use crate::tx::SqlTx;
use crate::SqlStore;
use orgdir_core::groups::{
    Comparator, Filter, FilterField, Group, GroupDetails, GroupOperator, Source, SourceDetails,
    SourceKind, SourcesCount,
};
use orgdir_core::store::{GroupStore, GroupWrites, Versioned};
use orgdir_core::users::UserStatus;
use orgdir_core::{Details, Error, OrgId, Result, ZohoId};
use std::collections::HashMap;

/// The columns of a group row that [`group_from`] reads.
macro_rules! group_columns {
    () => {
        "g.id, g.name, g.description, g.member_count, g.created_at, g.modified_at, g.created_by, \
         g.modified_by"
    };
}

/// A group row alone.
const GROUP_SELECT: &str = concat!("SELECT ", group_columns!(), " FROM user_groups g ");

/// A group with the names it references, read by [`details_from`].
const GROUP_DETAILS_SELECT: &str = concat!(
    "SELECT ",
    group_columns!(),
    ", cb.first_name AS cb_first, cb.last_name AS cb_last, mb.first_name AS mb_first, \
     mb.last_name AS mb_last \
     FROM user_groups g \
     LEFT JOIN users cb ON cb.org_id = g.org_id AND cb.id = g.created_by \
     LEFT JOIN users mb ON mb.org_id = g.org_id AND mb.id = g.modified_by "
);

/// The lean row of the group count: (id, name, member count).
const GROUP_COUNT_SELECT: &str = "SELECT g.id, g.name, g.member_count FROM user_groups g ";

/// Every group's member reasons computed from the definition alone (SPEC
/// 4.3), for the org bound as `?1`: the CTE `reasons(group_id, user_id,
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
       SELECT id, CAST(0 AS BIGINT), id FROM user_groups WHERE org_id = ?1 \
       UNION \
       SELECT group_id, source_id, source_id FROM group_sources WHERE org_id = ?1 AND kind = 'groups' \
       UNION \
       SELECT p.top, p.via, s.source_id FROM group_paths p JOIN group_sources s \
         ON s.org_id = ?1 AND s.group_id = p.group_id AND s.kind = 'groups' WHERE p.via <> 0), \
     covered(top, via, kind, source_id, subordinates) AS ( \
       SELECT p.top, p.via, s.kind, s.source_id, s.subordinates FROM group_paths p JOIN group_sources s \
         ON s.org_id = ?1 AND s.group_id = p.group_id WHERE s.kind <> 'groups'), \
     role_cover(top, via, subordinates, role_id) AS ( \
       SELECT top, via, subordinates, source_id FROM covered WHERE kind = 'roles' \
       UNION ALL \
       SELECT c.top, c.via, c.subordinates, r.id FROM role_cover c \
         JOIN roles r ON r.org_id = ?1 AND r.reporting_to = c.role_id WHERE c.subordinates), \
     territory_cover(top, via, subordinates, territory_id) AS ( \
       SELECT top, via, subordinates, source_id FROM covered WHERE kind = 'territories' \
       UNION ALL \
       SELECT c.top, c.via, c.subordinates, t.id FROM territory_cover c \
         JOIN territories t ON t.org_id = ?1 AND t.reporting_to = c.territory_id WHERE c.subordinates), \
     hits(top, via, user_id) AS ( \
       SELECT c.top, c.via, u.id FROM covered c JOIN users u ON u.org_id = ?1 AND u.id = c.source_id \
         WHERE c.kind = 'users' AND u.status <> 'deleted' \
       UNION ALL \
       SELECT c.top, c.via, u.id FROM role_cover c JOIN users u ON u.org_id = ?1 AND u.role_id = c.role_id \
         WHERE u.status <> 'deleted' \
       UNION ALL \
       SELECT c.top, c.via, m.user_id FROM territory_cover c \
         JOIN territory_users m ON m.org_id = ?1 AND m.territory_id = c.territory_id \
         JOIN users u ON u.org_id = ?1 AND u.id = m.user_id WHERE u.status <> 'deleted'), \
     reasons(group_id, user_id, reasons) AS ( \
       SELECT top, user_id, CAST(COUNT(*) AS BIGINT) FROM ( \
         SELECT top, user_id FROM hits WHERE via = 0 \
         UNION ALL \
         SELECT top, user_id FROM (SELECT DISTINCT top, via, user_id FROM hits WHERE via <> 0) AS nested \
       ) AS x GROUP BY top, user_id) ";

fn group_from(c: &mut Cols<'_>) -> Result<Group> {
    Ok(Group {
        id: c.id()?,
        name: c.text()?,
        description: c.opt_text()?,
        member_count: c.u64()?,
        created_at: c.i64()?,
        modified_at: c.i64()?,
        created_by: c.opt_id()?,
        modified_by: c.opt_id()?,
    })
}

fn details_from(c: &mut Cols<'_>) -> Result<GroupDetails> {
    Ok(GroupDetails {
        group: group_from(c)?,
        created_by_name: person(c)?,
        modified_by_name: person(c)?,
    })
}

/// A source from `kind, source_id, subordinates` columns.
fn source_from(c: &mut Cols<'_>) -> Result<Source> {
    let kind = c.text()?;
    Ok(Source {
        kind: SourceKind::parse(&kind)
            .ok_or_else(|| Error::Internal(format!("bad source kind {kind:?}")))?,
        id: c.id()?,
        subordinates: c.bool()?,
    })
}

/// Appends `filter` as a condition on `g.name_key` / `g.description_key`.
fn push_filter<'a>(sql: &mut Sql<'a>, filter: &Filter) {
    match filter {
        Filter::Criterion {
            field,
            comparator,
            value,
        } => {
            let column = match field {
                FilterField::Name => "g.name_key",
                FilterField::Description => "g.description_key",
            };
            sql.push(column);
            match comparator {
                Comparator::Equal => sql.push(" = ").bind(value.clone()),
                Comparator::StartsWith => sql
                    .push(" LIKE ")
                    .bind(format!("{}%", crate::db::like_escape(value)))
                    .push(" ESCAPE '\\'"),
                Comparator::Contains => sql
                    .push(" LIKE ")
                    .bind(format!("%{}%", crate::db::like_escape(value)))
                    .push(" ESCAPE '\\'"),
            };
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

/// The sources count of one group as one aggregate row (see
/// `GroupStore::sources_count`): whether the group exists, then its sources by kind.
fn sources_count_sql() -> String {
    let kind = |condition: &str| {
        format!("CAST(COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS BIGINT)")
    };
    versioned_sql(&format!(
        "SELECT COUNT(g.id), {}, {}, {}, {}, {}, {} FROM user_groups g \
         LEFT JOIN group_sources s ON s.org_id = g.org_id AND s.group_id = g.id \
         LEFT JOIN users u ON s.kind = 'users' AND u.org_id = s.org_id AND u.id = s.source_id \
         WHERE g.org_id = ?1 AND g.id = ?2",
        kind("s.kind = 'roles'"),
        kind("s.kind = 'territories'"),
        kind("s.kind = 'groups'"),
        kind("s.kind = 'users' AND u.status = 'active'"),
        kind("s.kind = 'users' AND u.status = 'disabled'"),
        kind("s.kind = 'users' AND COALESCE(u.status, 'deleted') NOT IN ('active', 'disabled')"),
    ))
}

/// A page of an org's groups passing `filter`, by creation (each group's
/// `position`: 1, 2, … in its org), selected by `select`. Without a filter
/// the page is a seek to its first position.
fn group_page<'a>(
    select: &str,
    org: OrgId,
    filter: Option<&Filter>,
    offset: u64,
    limit: u64,
) -> Sql<'a> {
    let mut sql = Sql::new(select);
    sql.push("WHERE g.org_id = ").bind(org);
    match filter {
        None => {
            sql.push(" AND g.position > ")
                .bind(offset)
                .push(" ORDER BY g.position LIMIT ")
                .bind(limit);
        }
        Some(filter) => {
            sql.push(" AND ");
            push_filter(&mut sql, filter);
            sql.push(" ORDER BY g.position LIMIT ")
                .bind(limit)
                .push(" OFFSET ")
                .bind(offset);
        }
    }
    sql
}

#[async_trait::async_trait]
impl GroupStore for SqlStore {
    async fn groups(
        &self,
        org: OrgId,
        filter: Option<&Filter>,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<GroupDetails>>> {
        let page = group_page(GROUP_DETAILS_SELECT, org, filter, offset, limit);
        let sql = versioned_sql(&page.text);
        self.read()
            .await?
            .fetch_versioned(org, &sql, &page.args, details_from)
            .await
    }

    async fn group_counts(
        &self,
        org: OrgId,
        filter: Option<&Filter>,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<(ZohoId, String, u64)>>> {
        let page = group_page(GROUP_COUNT_SELECT, org, filter, offset, limit);
        let sql = versioned_sql(&page.text);
        self.read()
            .await?
            .fetch_versioned(org, &sql, &page.args, count_row)
            .await
    }

    async fn group(&self, org: OrgId, id: ZohoId) -> Result<Versioned<Option<GroupDetails>>> {
        let sql = static_sql!(versioned_sql(&format!(
            "{GROUP_DETAILS_SELECT} WHERE g.org_id = ?1 AND g.id = ?2"
        )));
        let read = self
            .read()
            .await?
            .fetch_versioned(org, sql, args![org, id], details_from)
            .await?;
        Ok(read.map(|groups| groups.into_iter().next()))
    }

    async fn group_sources(
        &self,
        org: OrgId,
        group: ZohoId,
    ) -> Result<Versioned<Option<Vec<SourceDetails>>>> {
        // From the group row, so that one statement also tells whether the
        // group exists (a group without sources is one row of NULL sources).
        let sql = static_sql!(versioned_sql(
            "SELECT g.id, s.position, s.kind, s.source_id, s.subordinates, u.first_name, u.last_name, \
             u.status, r.name AS role_name, t.name AS territory_name, n.name AS group_name \
             FROM user_groups g \
             LEFT JOIN group_sources s ON s.org_id = g.org_id AND s.group_id = g.id \
             LEFT JOIN users u ON s.kind = 'users' AND u.org_id = s.org_id AND u.id = s.source_id \
             LEFT JOIN roles r ON s.kind = 'roles' AND r.org_id = s.org_id AND r.id = s.source_id \
             LEFT JOIN territories t ON s.kind = 'territories' AND t.org_id = s.org_id AND t.id = s.source_id \
             LEFT JOIN user_groups n ON s.kind = 'groups' AND n.org_id = s.org_id AND n.id = s.source_id \
             WHERE g.org_id = ?1 AND g.id = ?2 ORDER BY s.position",
        ));
        let mut conn = self.read().await?;
        let read = conn
            .fetch_versioned(org, sql, args![org, group], |c| {
                c.skip(2);
                if c.next_is_null()? {
                    return Ok(None);
                }
                let source = source_from(c)?;
                let (first, last, status) = (c.opt_text()?, c.opt_text()?, c.opt_text()?);
                let (role, territory, group) = (c.opt_text()?, c.opt_text()?, c.opt_text()?);
                let name = match source.kind {
                    SourceKind::Users => full_name(first, last),
                    SourceKind::Roles => role,
                    SourceKind::Territories => territory,
                    SourceKind::Groups => group,
                };
                Ok(Some(SourceDetails {
                    source,
                    name: name.unwrap_or_default(),
                    user_status: status.as_deref().and_then(UserStatus::parse),
                }))
            })
            .await?;
        Ok(read.map(|rows| {
            // No row: no such group; rows of NULL sources: a group without any.
            (!rows.is_empty()).then(|| rows.into_iter().flatten().collect())
        }))
    }

    async fn sources_count(
        &self,
        org: OrgId,
        group: ZohoId,
    ) -> Result<Versioned<Option<SourcesCount>>> {
        // One aggregate row whether or not the group exists (`COUNT(g.id)`
        // tells), so one statement answers every case, with no grouping.
        let sql = static_sql!(sources_count_sql());
        let read = self
            .read()
            .await?
            .fetch_versioned(org, sql, args![org, group], |c| {
                let found = c.u64()? > 0;
                let count = SourcesCount {
                    roles: c.u64()?,
                    territories: c.u64()?,
                    groups: c.u64()?,
                    users_active: c.u64()?,
                    users_inactive: c.u64()?,
                    users_deleted: c.u64()?,
                };
                Ok(found.then_some(count))
            })
            .await?;
        Ok(read.map(|rows| rows.into_iter().flatten().next()))
    }

    async fn all_group_sources(&self, org: OrgId) -> Result<Vec<(ZohoId, Source)>> {
        self.read()
            .await?
            .fetch_map(
                "SELECT s.group_id, s.kind, s.source_id, s.subordinates FROM group_sources s \
                 JOIN user_groups g ON g.org_id = s.org_id AND g.id = s.group_id \
                 WHERE s.org_id = ?1 ORDER BY g.position, s.position",
                args![org],
                |c| Ok((c.id()?, source_from(c)?)),
            )
            .await
    }

    async fn misplaced_groups(&self, org: OrgId) -> Result<u64> {
        misplaced(
            self,
            "SELECT COUNT(*) FROM (SELECT position, ROW_NUMBER() OVER (ORDER BY position, id) AS place \
             FROM user_groups WHERE org_id = ?1) r WHERE r.position <> r.place",
            org,
        )
        .await
    }

    async fn group_drift(&self, org: OrgId) -> Result<Vec<(ZohoId, i64, i64, i64)>> {
        // Three small per-group results joined here rather than in SQL, so
        // that no plan can join two large unindexed results. The recount
        // looks each recounted member up by primary key.
        let recount = format!(
            "{GROUP_REASONS_CTE} SELECT r.group_id, CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(SUM(CASE WHEN m.reasons = r.reasons THEN 1 ELSE 0 END) AS BIGINT) AS matched, \
             CAST(SUM(CASE WHEN m.reasons IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS present \
             FROM reasons r LEFT JOIN group_members m \
             ON m.org_id = ?1 AND m.group_id = r.group_id AND m.user_id = r.user_id GROUP BY r.group_id"
        );
        let stored = "SELECT group_id, CAST(COUNT(*) AS BIGINT) AS n, 0, 0 \
             FROM group_members WHERE org_id = ?1 GROUP BY group_id";
        let mut conn = self.read().await?;
        // Per group: [recounted, stored, matching, present in both].
        let mut per_group: HashMap<i64, [i64; 4]> = HashMap::new();
        for (slot, sql) in [(0, recount.as_str()), (1, stored)] {
            let rows = conn
                .fetch_map(sql, args![org], |c| {
                    Ok((c.i64()?, c.i64()?, c.i64()?, c.i64()?))
                })
                .await?;
            for (group, n, matched, present) in rows {
                let entry = per_group.entry(group).or_default();
                entry[slot] = n;
                if slot == 0 {
                    entry[2] = matched;
                    entry[3] = present;
                }
            }
        }
        let groups = conn
            .fetch_map(
                "SELECT id, member_count FROM user_groups WHERE org_id = ?1 ORDER BY id",
                args![org],
                |c| Ok((c.i64()?, c.i64()?)),
            )
            .await?;
        let mut out = Vec::new();
        for (id, maintained) in groups {
            let [recounted, stored, matched, present] =
                per_group.get(&id).copied().unwrap_or_default();
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

impl SqlTx<'_> {
    /// After reason counts moved — (user, delta, count after) — removes the
    /// members left with none and moves the group's member count.
    async fn settle_members(
        &mut self,
        group: ZohoId,
        changed: &[(ZohoId, i64, i64)],
    ) -> Result<()> {
        let gone: Vec<ZohoId> = changed
            .iter()
            .filter(|(_, _, now)| *now <= 0)
            .map(|(u, _, _)| *u)
            .collect();
        let joined: i64 = changed
            .iter()
            .map(|(_, delta, now)| i64::from(*now > 0) - i64::from(now - delta > 0))
            .sum();
        for chunk in gone.chunks(CHUNK) {
            let mut sql = Sql::new("DELETE FROM group_members WHERE org_id = ");
            sql.bind(self.org.id)
                .push(" AND group_id = ")
                .bind(group)
                .push(" AND user_id IN (")
                .list(chunk.iter().copied())
                .push(")");
            self.c.run_sql(&sql).await?;
        }
        if joined != 0 {
            self.c
                .run(
                    "UPDATE user_groups SET member_count = member_count + ?3 WHERE org_id = ?1 AND id = ?2",
                    args![self.org.id, group, joined],
                )
                .await?;
        }
        Ok(())
    }
}

/// The `(user, reasons)` rows an upsert into `group_members` returns.
fn reasons_row(c: &mut Cols<'_>) -> Result<(i64, i64)> {
    Ok((c.i64()?, c.i64()?))
}

#[async_trait::async_trait]
impl GroupWrites for SqlTx<'_> {
    async fn group(&mut self, id: ZohoId) -> Result<Option<Group>> {
        let sql = static_sql!(format!("{GROUP_SELECT} WHERE g.org_id = ?1 AND g.id = ?2"));
        self.c
            .fetch_one_map(sql, args![self.org.id, id], group_from)
            .await
    }

    async fn group_id_by_name(&mut self, name: &str) -> Result<Option<ZohoId>> {
        self.c
            .fetch_one_map(
                "SELECT id FROM user_groups WHERE org_id = ?1 AND name_key = ?2",
                args![self.org.id, name.to_lowercase()],
                |c| c.id(),
            )
            .await
    }

    async fn insert_group(&mut self, g: &Group) -> Result<()> {
        let result = self
            .c
            .execute(
                "INSERT INTO user_groups (org_id, id, name, name_key, description, description_key, member_count, \
                 created_at, modified_at, created_by, modified_by, position) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9, ?10, \
                 (SELECT COALESCE(MAX(position), 0) + 1 FROM user_groups WHERE org_id = ?1))",
                args![
                    self.org.id,
                    g.id,
                    &g.name,
                    g.name.to_lowercase(),
                    &g.description,
                    g.description.as_deref().unwrap_or_default().to_lowercase(),
                    g.created_at,
                    g.modified_at,
                    g.created_by,
                    g.modified_by
                ],
            )
            .await;
        match result {
            Err(e) if e.unique_violation => Err(Error::DuplicateData {
                message: "a user group with this id or name exists".to_owned(),
                details: Details::Id(g.id.to_string()),
            }),
            other => other.map(|_| ()).map_err(Error::from),
        }
    }

    async fn update_group(&mut self, g: &Group) -> Result<()> {
        let result = self
            .c
            .execute(
                "UPDATE user_groups SET name = ?3, name_key = ?4, description = ?5, description_key = ?6, \
                 modified_at = ?7, modified_by = ?8 WHERE org_id = ?1 AND id = ?2",
                args![
                    self.org.id,
                    g.id,
                    &g.name,
                    g.name.to_lowercase(),
                    &g.description,
                    g.description.as_deref().unwrap_or_default().to_lowercase(),
                    g.modified_at,
                    g.modified_by
                ],
            )
            .await;
        match result {
            Err(e) if e.unique_violation => Err(Error::DuplicateData {
                message: "a user group with this name exists".to_owned(),
                details: Details::Id(g.id.to_string()),
            }),
            other => other.map(|_| ()).map_err(Error::from),
        }
    }

    async fn delete_group(&mut self, id: ZohoId) -> Result<()> {
        for sql in [
            "DELETE FROM group_members WHERE org_id = ?1 AND group_id = ?2",
            "DELETE FROM group_sources WHERE org_id = ?1 AND group_id = ?2",
        ] {
            self.c.run(sql, args![self.org.id, id]).await?;
        }
        let position = self
            .c
            .fetch_one_map(
                "DELETE FROM user_groups WHERE org_id = ?1 AND id = ?2 RETURNING position",
                args![self.org.id, id],
                |c| c.i64(),
            )
            .await?;
        if let Some(position) = position {
            close_gap(self.c, "user_groups", self.org.id, position).await?;
        }
        Ok(())
    }

    async fn sources_of(&mut self, group: ZohoId) -> Result<Vec<Source>> {
        self.c
            .fetch_map(
                "SELECT kind, source_id, subordinates FROM group_sources WHERE org_id = ?1 AND group_id = ?2 \
                 ORDER BY position",
                args![self.org.id, group],
                source_from,
            )
            .await
    }

    async fn set_sources(&mut self, group: ZohoId, sources: &[Source]) -> Result<()> {
        self.c
            .run(
                "DELETE FROM group_sources WHERE org_id = ?1 AND group_id = ?2",
                args![self.org.id, group],
            )
            .await?;
        if sources.is_empty() {
            return Ok(());
        }
        let org = self.org.id;
        let mut sql = Sql::new(
            "INSERT INTO group_sources (org_id, group_id, position, kind, source_id, subordinates)",
        );
        sql.values(sources.iter().enumerate(), |(i, s)| {
            [
                Arg::from(org),
                group.into(),
                i.into(),
                s.kind.as_str().into(),
                s.id.into(),
                s.subordinates.into(),
            ]
        });
        self.c.run_sql(&sql).await?;
        Ok(())
    }

    async fn groups_with_sources(
        &mut self,
        kind: SourceKind,
        ids: &[ZohoId],
    ) -> Result<Vec<(ZohoId, Source)>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let mut sql = Sql::new(
                "SELECT group_id, kind, source_id, subordinates FROM group_sources WHERE org_id = ",
            );
            sql.bind(self.org.id)
                .push(" AND kind = ")
                .bind(kind.as_str())
                .push(" AND source_id IN (")
                .list(chunk.iter().copied())
                .push(") ORDER BY group_id");
            out.extend(
                self.c
                    .fetch_map(&sql.text, &sql.args, |c| Ok((c.id()?, source_from(c)?)))
                    .await?,
            );
        }
        Ok(out)
    }

    async fn group_edges(&mut self) -> Result<Vec<(ZohoId, ZohoId)>> {
        self.c
            .fetch_map(
                "SELECT group_id, source_id FROM group_sources WHERE org_id = ?1 AND kind = 'groups'",
                args![self.org.id],
                |c| Ok((c.id()?, c.id()?)),
            )
            .await
    }

    async fn member_reasons(&mut self, group: ZohoId) -> Result<Vec<(ZohoId, i64)>> {
        self.c
            .fetch_map(
                "SELECT user_id, reasons FROM group_members WHERE org_id = ?1 AND group_id = ?2",
                args![self.org.id, group],
                |c| Ok((c.id()?, c.i64()?)),
            )
            .await
    }

    async fn add_member_reasons(
        &mut self,
        group: ZohoId,
        deltas: &[(ZohoId, i64)],
    ) -> Result<Vec<(ZohoId, i64)>> {
        let org = self.org.id;
        let mut after: HashMap<i64, i64> = HashMap::with_capacity(deltas.len());
        for chunk in deltas.chunks(CHUNK) {
            let mut sql =
                Sql::new("INSERT INTO group_members (org_id, group_id, user_id, reasons)");
            sql.values(chunk, |&(user, n)| {
                [Arg::from(org), group.into(), user.into(), n.into()]
            });
            sql.push(
                " ON CONFLICT (org_id, group_id, user_id) DO UPDATE \
                 SET reasons = group_members.reasons + excluded.reasons RETURNING user_id, reasons",
            );
            after.extend(self.c.fetch_map(&sql.text, &sql.args, reasons_row).await?);
        }
        let out: Vec<(ZohoId, i64, i64)> = deltas
            .iter()
            .map(|(user, delta)| {
                (
                    *user,
                    *delta,
                    after.get(&user.0).copied().unwrap_or(i64::MIN),
                )
            })
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
            let mut sql =
                Sql::new("INSERT INTO group_members (org_id, group_id, user_id, reasons) SELECT ");
            sql.bind(self.org.id)
                .push(", ")
                .bind(group)
                .push(", u.id, ")
                .bind(delta)
                .push(" FROM users u WHERE u.org_id = ")
                .bind(self.org.id)
                .push(" AND u.status <> 'deleted' AND u.role_id IN (")
                .list(chunk.iter().copied())
                .push(
                    ") ON CONFLICT (org_id, group_id, user_id) DO UPDATE \
                     SET reasons = group_members.reasons + excluded.reasons RETURNING user_id, reasons",
                );
            let rows = self.c.fetch_map(&sql.text, &sql.args, reasons_row).await?;
            out.extend(
                rows.into_iter()
                    .map(|(user, now)| (ZohoId(user), delta, now)),
            );
        }
        self.settle_members(group, &out).await?;
        Ok(out.into_iter().map(|(user, _, now)| (user, now)).collect())
    }

    async fn remove_user_from_groups(&mut self, user: ZohoId) -> Result<Vec<ZohoId>> {
        let groups = self
            .c
            .fetch_ids(
                "DELETE FROM group_members WHERE org_id = ?1 AND user_id = ?2 RETURNING group_id",
                args![self.org.id, user],
            )
            .await?;
        for group in &groups {
            self.c
                .run(
                    "UPDATE user_groups SET member_count = member_count - 1 WHERE org_id = ?1 AND id = ?2",
                    args![self.org.id, *group],
                )
                .await?;
        }
        Ok(groups)
    }
}
