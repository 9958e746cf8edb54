//! User groups: their rows, their sources and the `filters` of the
//! listings (their membership model is in [`crate::membership`]).

use crate::args;
use crate::db::{full_name, person, versioned_sql, Arg, Cols, Sql, CHUNK};
use crate::static_sql;
use crate::territories::{close_gap, count_row, misplaced};
use crate::tx::SqlTx;
use crate::SqlStore;
use orgdir_core::groups::{
    Assignment, Comparator, DeletionJob, Filter, FilterField, Group, GroupDetails, Source,
    SourceDetails, SourceKind, SourcesCount,
};
use orgdir_core::store::{
    GroupStore, GroupWrites, MembershipInputs, MembershipModel, Tally, Versioned,
};
use orgdir_core::users::UserStatus;
use orgdir_core::{Details, Error, OrgId, Result, ZohoId};

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
            crate::db::push_condition_group(sql, *operator, members, push_filter)
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

/// A page of an org's groups, by creation (each group's `position`: 1, 2,
/// … in its org), selected by `select`: those passing `filter` and, with
/// `of_user`, those the user is an associated user of (`Assigned`) or not.
/// With neither the page is a seek to its first position.
fn group_page<'a>(
    select: &str,
    org: OrgId,
    of_user: Option<(ZohoId, Assignment)>,
    filter: Option<&Filter>,
    offset: u64,
    limit: u64,
) -> Sql<'a> {
    let mut sql = Sql::new(select);
    sql.push("WHERE g.org_id = ").bind(org);
    if let Some((user, side)) = of_user {
        push_groups_of_user(&mut sql, user, side);
    }
    if let Some(filter) = filter {
        sql.push(" AND ");
        push_filter(&mut sql, filter);
    }
    if of_user.is_none() && filter.is_none() {
        sql.push(" AND g.position > ")
            .bind(offset)
            .push(" ORDER BY g.position LIMIT ")
            .bind(limit);
    } else {
        sql.push(" ORDER BY g.position LIMIT ")
            .bind(limit)
            .push(" OFFSET ")
            .bind(offset);
    }
    sql
}

/// Appends ` AND g.id [NOT] IN (…)`: the groups `user` is an associated
/// user of, from the membership model — the coverage of the user's role,
/// of its territories and of the user itself (a live user only). The org
/// must be `?1`: `user` becomes `?2`.
fn push_groups_of_user(sql: &mut Sql<'_>, user: ZohoId, side: Assignment) {
    sql.push(match side {
        Assignment::Assigned => " AND g.id IN (",
        Assignment::Unassigned => " AND g.id NOT IN (",
    })
    .push(
        "SELECT c.group_id FROM users u JOIN group_role_cover c \
         ON c.org_id = u.org_id AND c.role_id = u.role_id \
         WHERE u.org_id = ?1 AND u.id = ",
    )
    .bind(user)
    .push(
        " AND u.status <> 'deleted' \
         UNION SELECT c.group_id FROM users u JOIN group_user_cover c \
           ON c.org_id = u.org_id AND c.user_id = u.id \
           WHERE u.org_id = ?1 AND u.id = ?2 AND u.status <> 'deleted' \
         UNION SELECT c.group_id FROM users u JOIN territory_users m \
           ON m.org_id = u.org_id AND m.user_id = u.id \
           JOIN group_territory_cover c ON c.org_id = m.org_id AND c.territory_id = m.territory_id \
           WHERE u.org_id = ?1 AND u.id = ?2 AND u.status <> 'deleted')",
    );
}

impl SqlStore {
    /// A page of [`group_page`] with each group's details.
    async fn group_details_page(
        &self,
        org: OrgId,
        of_user: Option<(ZohoId, Assignment)>,
        filter: Option<&Filter>,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<GroupDetails>>> {
        let page = group_page(GROUP_DETAILS_SELECT, org, of_user, filter, offset, limit);
        let sql = versioned_sql(&page.text);
        self.read()
            .await?
            .fetch_versioned(org, &sql, &page.args, details_from)
            .await
    }
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
        self.group_details_page(org, None, filter, offset, limit)
            .await
    }

    async fn groups_of_user(
        &self,
        org: OrgId,
        user: ZohoId,
        side: Assignment,
        filter: Option<&Filter>,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<GroupDetails>>> {
        self.group_details_page(org, Some((user, side)), filter, offset, limit)
            .await
    }

    async fn group_counts(
        &self,
        org: OrgId,
        filter: Option<&Filter>,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<(ZohoId, String, u64)>>> {
        let page = group_page(GROUP_COUNT_SELECT, org, None, filter, offset, limit);
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

    async fn member_split(&self, org: OrgId, group: ZohoId) -> Result<Versioned<Option<Tally>>> {
        let sql = static_sql!(versioned_sql(
            "SELECT member_count, active_member_count FROM user_groups WHERE org_id = ?1 AND id = ?2"
        ));
        let read = self
            .read()
            .await?
            .fetch_versioned(org, sql, args![org, group], |c| {
                Ok(Tally {
                    live: c.i64()?,
                    active: c.i64()?,
                })
            })
            .await?;
        Ok(read.map(|rows| rows.into_iter().next()))
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

    async fn deletion_job(&self, org: OrgId, id: ZohoId) -> Result<Versioned<Option<DeletionJob>>> {
        let sql = static_sql!(versioned_sql(
            "SELECT j.id, j.group_id, j.created_at FROM group_deletion_jobs j \
             WHERE j.org_id = ?1 AND j.id = ?2"
        ));
        let read = self
            .read()
            .await?
            .fetch_versioned(org, sql, args![org, id], |c| {
                Ok(DeletionJob {
                    id: c.id()?,
                    group_id: c.id()?,
                    created_at: c.i64()?,
                })
            })
            .await?;
        Ok(read.map(|jobs| jobs.into_iter().next()))
    }

    async fn membership_inputs(&self, org: OrgId) -> Result<MembershipInputs> {
        SqlStore::membership_inputs(self, org).await
    }

    async fn kept_membership(&self, org: OrgId) -> Result<MembershipModel> {
        SqlStore::kept_membership(self, org).await
    }
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
        crate::membership::forget_group(self.c, self.org.id, id).await?;
        self.c
            .run(
                "DELETE FROM group_sources WHERE org_id = ?1 AND group_id = ?2",
                args![self.org.id, id],
            )
            .await?;
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

    async fn insert_deletion_job(&mut self, job: &DeletionJob) -> Result<()> {
        self.c
            .run(
                "INSERT INTO group_deletion_jobs (org_id, id, group_id, created_at) \
                 VALUES (?1, ?2, ?3, ?4)",
                args![self.org.id, job.id, job.group_id, job.created_at],
            )
            .await
            .map(|_| ())
    }
}
