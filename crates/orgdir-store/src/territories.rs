//! Territories (a tree under one root) and their users, with each
//! territory's maintained member count.

use crate::args;
use crate::db::{person, versioned_sql, Arg, Cols, Sql, CHUNK};
use crate::roles::parent_pair;
use crate::static_sql;
use crate::tx::SqlTx;
use crate::users::{membership_row, users_with_memberships, with_memberships, USER_DETAILS_SELECT};
use crate::SqlStore;
use orgdir_core::store::{TerritoryStore, TerritoryWrites, Versioned};
use orgdir_core::territories::filter::{
    IdField, NameComparator, TerritoryCriterion, TimeComparator, TimeField,
};
use orgdir_core::territories::{
    DeletedTerritory, DeletedTerritoryDetails, PermissionType, Territory, TerritoryDetails,
    TerritoryFilter,
};
use orgdir_core::users::UserDetails;
use orgdir_core::{Details, Error, OrgId, Result, ZohoId};
use std::collections::HashMap;

/// The columns of a territory row that [`territory_from`] reads.
macro_rules! territory_columns {
    () => {
        "t.id, t.name, t.api_name, t.description, t.manager_id, t.reporting_to, t.permission_type, \
         t.member_count, t.created_at, t.modified_at, t.created_by, t.modified_by"
    };
}

/// A territory row alone.
const TERRITORY_SELECT: &str = concat!("SELECT ", territory_columns!(), " FROM territories t ");

/// A territory with the names it references, read by [`details_from`].
const TERRITORY_DETAILS_SELECT: &str = concat!(
    "SELECT ",
    territory_columns!(),
    ", m.first_name AS m_first, m.last_name AS m_last, p.name AS parent_name, \
     cb.first_name AS cb_first, cb.last_name AS cb_last, mb.first_name AS mb_first, \
     mb.last_name AS mb_last \
     FROM territories t \
     LEFT JOIN users m ON m.org_id = t.org_id AND m.id = t.manager_id \
     LEFT JOIN territories p ON p.org_id = t.org_id AND p.id = t.reporting_to \
     LEFT JOIN users cb ON cb.org_id = t.org_id AND cb.id = t.created_by \
     LEFT JOIN users mb ON mb.org_id = t.org_id AND mb.id = t.modified_by "
);

/// The lean row of the territory count: (id, name, member count).
const TERRITORY_COUNT_SELECT: &str = "SELECT t.id, t.name, t.member_count FROM territories t ";

/// Root first, then by creation: the order of every territory listing,
/// kept as each territory's `position` (1, 2, … in its org).
const TERRITORY_ORDER: &str = " ORDER BY t.position ";

/// A territory and its ancestors, nearest first (`?1` org, `?2` territory).
const CHAIN_TERRITORIES: &str = "WITH RECURSIVE chain(id, parent, depth) AS ( \
     SELECT id, reporting_to, 0 FROM territories WHERE org_id = ?1 AND id = ?2 \
     UNION ALL \
     SELECT t.id, t.reporting_to, c.depth + 1 FROM chain c \
       JOIN territories t ON t.org_id = ?1 AND t.id = c.parent WHERE c.depth < 10000) \
     SELECT id FROM chain ORDER BY depth";

fn territory_from(c: &mut Cols<'_>) -> Result<Territory> {
    let id = c.id()?;
    let name = c.text()?;
    let api_name = c.text()?;
    let description = c.opt_text()?;
    let manager = c.opt_id()?;
    let reporting_to = c.opt_id()?;
    let permission = c.text()?;
    Ok(Territory {
        id,
        name,
        api_name,
        description,
        manager,
        reporting_to,
        permission_type: PermissionType::parse(&permission).unwrap_or_default(),
        member_count: c.u64()?,
        created_at: c.i64()?,
        modified_at: c.i64()?,
        created_by: c.opt_id()?,
        modified_by: c.opt_id()?,
    })
}

fn details_from(c: &mut Cols<'_>) -> Result<TerritoryDetails> {
    Ok(TerritoryDetails {
        territory: territory_from(c)?,
        manager_name: person(c)?,
        reporting_to_name: c.opt_text()?,
        created_by_name: person(c)?,
        modified_by_name: person(c)?,
    })
}

/// Moves every row of `table` after `position` up one place: the listing
/// positions of an org stay 1, 2, … after a delete.
pub(crate) async fn close_gap(
    c: &mut dyn crate::db::Conn,
    table: &str,
    org: OrgId,
    position: i64,
) -> Result<()> {
    let sql =
        format!("UPDATE {table} SET position = position - 1 WHERE org_id = ?1 AND position > ?2");
    c.run(&sql, args![org, position]).await?;
    Ok(())
}

/// The count a `misplaced_*` check's statement answers.
pub(crate) async fn misplaced(store: &SqlStore, sql: &str, org: OrgId) -> Result<u64> {
    let count = store
        .read()
        .await?
        .fetch_one_map(sql, args![org], |c| c.u64())
        .await?;
    Ok(count.unwrap_or(0))
}

/// An (id, name, count) row of a count listing.
pub(crate) fn count_row(c: &mut Cols<'_>) -> Result<(ZohoId, String, u64)> {
    Ok((c.id()?, c.text()?, c.u64()?))
}

/// The start of a page of an org's territory details: `?1` is the org;
/// conditions on `t` follow.
fn details_page<'a>(org: OrgId) -> Sql<'a> {
    let mut page = Sql::new(TERRITORY_DETAILS_SELECT);
    page.push("WHERE t.org_id = ").bind(org);
    page
}

/// Appends `filter` as a condition on the territory row `t`.
fn push_filter(sql: &mut Sql<'_>, filter: &TerritoryFilter) {
    match filter {
        TerritoryFilter::Criterion(criterion) => push_criterion(sql, criterion),
        TerritoryFilter::Group { operator, members } => {
            crate::db::push_condition_group(sql, *operator, members, push_filter)
        }
    }
}

fn push_criterion(sql: &mut Sql<'_>, criterion: &TerritoryCriterion) {
    match criterion {
        TerritoryCriterion::Id {
            field,
            equal,
            value,
        } => {
            let column = match field {
                IdField::Id => "t.id",
                IdField::ReportingTo => "t.reporting_to",
                IdField::Manager => "t.manager_id",
                IdField::CreatedBy => "t.created_by",
                IdField::ModifiedBy => "t.modified_by",
            };
            if *equal {
                sql.push(column).push(" = ").bind(*value);
            } else {
                // No parent or no manager is unequal to every id.
                sql.push("(")
                    .push(column)
                    .push(" IS NULL OR ")
                    .push(column)
                    .push(" <> ")
                    .bind(*value)
                    .push(")");
            }
        }
        TerritoryCriterion::Permission { equal, value } => {
            sql.push(if *equal {
                "t.permission_type = "
            } else {
                "t.permission_type <> "
            })
            .bind(value.as_str());
        }
        TerritoryCriterion::Name { comparator, value } => {
            let escaped = crate::db::like_escape(value);
            let (operator, pattern) = match comparator {
                NameComparator::Equal => (" = ", value.clone()),
                NameComparator::NotEqual => (" <> ", value.clone()),
                NameComparator::StartsWith => (" LIKE ", format!("{escaped}%")),
                NameComparator::EndsWith => (" LIKE ", format!("%{escaped}")),
                NameComparator::Contains => (" LIKE ", format!("%{escaped}%")),
                NameComparator::NotContains => (" NOT LIKE ", format!("%{escaped}%")),
            };
            sql.push("t.name_key").push(operator).bind(pattern);
            if operator.contains("LIKE") {
                sql.push(" ESCAPE '\\'");
            }
        }
        TerritoryCriterion::Time {
            field,
            comparator,
            value,
            upper,
        } => {
            sql.push(match field {
                TimeField::Created => "t.created_at",
                TimeField::Modified => "t.modified_at",
            });
            match (comparator, upper) {
                (TimeComparator::Between, Some(upper)) => {
                    sql.push(" BETWEEN ")
                        .bind(*value)
                        .push(" AND ")
                        .bind(*upper);
                }
                (TimeComparator::Between, None) | (TimeComparator::Equal, _) => {
                    sql.push(" = ").bind(*value);
                }
                (TimeComparator::LessThan, _) => {
                    sql.push(" < ").bind(*value);
                }
                (TimeComparator::LessEqual, _) => {
                    sql.push(" <= ").bind(*value);
                }
                (TimeComparator::GreaterThan, _) => {
                    sql.push(" > ").bind(*value);
                }
            }
        }
    }
}

/// A deleted territory with the name of who deleted it, read by [`deleted_from`].
const DELETED_SELECT: &str = "SELECT d.id, d.name, d.deleted_at, d.deleted_by, \
     u.first_name AS u_first, u.last_name AS u_last FROM deleted_territories d \
     LEFT JOIN users u ON u.org_id = d.org_id AND u.id = d.deleted_by ";

fn deleted_from(c: &mut Cols<'_>) -> Result<DeletedTerritoryDetails> {
    Ok(DeletedTerritoryDetails {
        deleted: DeletedTerritory {
            id: c.id()?,
            name: c.text()?,
            deleted_at: c.i64()?,
            deleted_by: c.id()?,
        },
        deleted_by_name: person(c)?,
    })
}

impl SqlStore {
    /// Ends a [`details_page`] in listing order and reads it with the auth version.
    async fn territory_details(
        &self,
        org: OrgId,
        mut page: Sql<'_>,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<TerritoryDetails>>> {
        page.push(TERRITORY_ORDER)
            .push("LIMIT ")
            .bind(limit)
            .push(" OFFSET ")
            .bind(offset);
        let sql = versioned_sql(&page.text);
        self.read()
            .await?
            .fetch_versioned(org, &sql, &page.args, details_from)
            .await
    }
}

#[async_trait::async_trait]
impl TerritoryStore for SqlStore {
    async fn territories(
        &self,
        org: OrgId,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<TerritoryDetails>>> {
        // The whole listing: a seek to the page's first position.
        let mut page = details_page(org);
        page.push(" AND t.position > ").bind(offset);
        self.territory_details(org, page, 0, limit).await
    }

    async fn territory_counts(
        &self,
        org: OrgId,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<(ZohoId, String, u64)>>> {
        let sql = static_sql!(versioned_sql(&format!(
            "{TERRITORY_COUNT_SELECT} WHERE t.org_id = ?1 AND t.position > ?3 {TERRITORY_ORDER} LIMIT ?2"
        )));
        self.read()
            .await?
            .fetch_versioned(org, sql, args![org, limit, offset], count_row)
            .await
    }

    async fn territories_by_id(
        &self,
        org: OrgId,
        ids: &[ZohoId],
    ) -> Result<Versioned<Vec<TerritoryDetails>>> {
        let mut page = details_page(org);
        if ids.is_empty() {
            page.push(" AND 1 = 0");
        } else {
            page.push(" AND t.id IN (")
                .list(ids.iter().copied())
                .push(")");
        }
        self.territory_details(org, page, 0, u64::MAX).await
    }

    async fn territories_matching(
        &self,
        org: OrgId,
        ids: Option<&[ZohoId]>,
        filter: &TerritoryFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<TerritoryDetails>>> {
        let mut page = details_page(org);
        match ids {
            Some([]) => {
                page.push(" AND 1 = 0");
            }
            Some(ids) => {
                page.push(" AND t.id IN (")
                    .list(ids.iter().copied())
                    .push(")");
            }
            None => {}
        }
        page.push(" AND ");
        push_filter(&mut page, filter);
        self.territory_details(org, page, offset, limit).await
    }

    async fn child_territories(
        &self,
        org: OrgId,
        parent: ZohoId,
        filter: Option<&TerritoryFilter>,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<TerritoryDetails>>> {
        let mut page = details_page(org);
        page.push(" AND t.reporting_to = ").bind(parent);
        if let Some(filter) = filter {
            page.push(" AND ");
            push_filter(&mut page, filter);
        }
        self.territory_details(org, page, offset, limit).await
    }

    async fn deleted_territories(
        &self,
        org: OrgId,
        ids: Option<&[ZohoId]>,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<DeletedTerritoryDetails>>> {
        let mut page = Sql::new(DELETED_SELECT);
        page.push("WHERE d.org_id = ").bind(org);
        match ids {
            Some([]) => {
                page.push(" AND 1 = 0");
            }
            Some(ids) => {
                page.push(" AND d.id IN (")
                    .list(ids.iter().copied())
                    .push(")");
            }
            None => {}
        }
        page.push(" ORDER BY d.position LIMIT ")
            .bind(limit)
            .push(" OFFSET ")
            .bind(offset);
        let sql = versioned_sql(&page.text);
        self.read()
            .await?
            .fetch_versioned(org, &sql, &page.args, deleted_from)
            .await
    }

    async fn territory_members(
        &self,
        org: OrgId,
        territory: ZohoId,
        offset: u64,
        limit: u64,
    ) -> Result<Versioned<Vec<UserDetails>>> {
        let sql = static_sql!(with_memberships(&format!(
            "{USER_DETAILS_SELECT} JOIN territory_users tm ON tm.org_id = u.org_id AND tm.user_id = u.id \
             WHERE u.org_id = ?1 AND tm.territory_id = ?2 ORDER BY u.id LIMIT ?3 OFFSET ?4"
        )));
        users_with_memberships(
            self.read()
                .await?
                .fetch_versioned(
                    org,
                    sql,
                    args![org, territory, limit, offset],
                    membership_row,
                )
                .await?,
        )
    }

    async fn all_memberships(&self, org: OrgId) -> Result<Vec<(ZohoId, ZohoId)>> {
        self.read()
            .await?
            .fetch_map(
                "SELECT territory_id, user_id FROM territory_users WHERE org_id = ?1 \
                 ORDER BY territory_id, user_id",
                args![org],
                |c| Ok((c.id()?, c.id()?)),
            )
            .await
    }

    async fn misplaced_territories(&self, org: OrgId) -> Result<u64> {
        // In place: positions 1, 2, … with the root at 1.
        misplaced(
            self,
            "SELECT COUNT(*) FROM (SELECT position, is_root, \
             ROW_NUMBER() OVER (ORDER BY position, id) AS place FROM territories WHERE org_id = ?1) r \
             WHERE r.position <> r.place OR (r.place = 1) <> r.is_root",
            org,
        )
        .await
    }

    async fn recount_territory_members(&self, org: OrgId) -> Result<Vec<(ZohoId, u64)>> {
        self.read()
            .await?
            .fetch_map(
                "SELECT t.id, CAST(COUNT(tu.user_id) AS BIGINT) AS n FROM territories t \
                 LEFT JOIN territory_users tu ON tu.org_id = t.org_id AND tu.territory_id = t.id \
                 WHERE t.org_id = ?1 GROUP BY t.id ORDER BY t.id",
                args![org],
                |c| Ok((c.id()?, c.u64()?)),
            )
            .await
    }
}

impl SqlTx<'_> {
    async fn move_member_count(&mut self, territory: ZohoId, delta: i64) -> Result<()> {
        self.c
            .run(
                "UPDATE territories SET member_count = member_count + ?3 WHERE org_id = ?1 AND id = ?2",
                args![self.org.id, territory, delta],
            )
            .await?;
        Ok(())
    }

    /// The ids a query with `?1` the org and `?2` `value` selects.
    async fn ids_where(&mut self, sql: &str, value: ZohoId) -> Result<Vec<ZohoId>> {
        self.c.fetch_ids(sql, args![self.org.id, value]).await
    }
}

#[async_trait::async_trait]
impl TerritoryWrites for SqlTx<'_> {
    async fn territory(&mut self, id: ZohoId) -> Result<Option<Territory>> {
        let sql = static_sql!(format!(
            "{TERRITORY_SELECT} WHERE t.org_id = ?1 AND t.id = ?2"
        ));
        self.c
            .fetch_one_map(sql, args![self.org.id, id], territory_from)
            .await
    }

    async fn territory_id_by_name(&mut self, name: &str) -> Result<Option<ZohoId>> {
        self.c
            .fetch_one_map(
                "SELECT id FROM territories WHERE org_id = ?1 AND name_key = ?2",
                args![self.org.id, name.to_lowercase()],
                |c| c.id(),
            )
            .await
    }

    async fn child_territory_ids(&mut self, parent: ZohoId) -> Result<Vec<ZohoId>> {
        self.ids_where(
            "SELECT id FROM territories WHERE org_id = ?1 AND reporting_to = ?2 ORDER BY id",
            parent,
        )
        .await
    }

    async fn insert_territory(&mut self, t: &Territory) -> Result<()> {
        let result = self
            .c
            .execute(
                "INSERT INTO territories (org_id, id, name, name_key, api_name, description, manager_id, \
                 reporting_to, permission_type, is_root, member_count, created_at, modified_at, created_by, \
                 modified_by, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, ?12, ?13, ?14, \
                 (SELECT COALESCE(MAX(position), 0) + 1 FROM territories WHERE org_id = ?1))",
                args![
                    self.org.id,
                    t.id,
                    &t.name,
                    t.name.to_lowercase(),
                    &t.api_name,
                    &t.description,
                    t.manager,
                    t.reporting_to,
                    t.permission_type.as_str(),
                    t.is_root(),
                    t.created_at,
                    t.modified_at,
                    t.created_by,
                    t.modified_by
                ],
            )
            .await;
        match result {
            Err(e) if e.unique_violation => Err(Error::DuplicateData {
                message: "a territory with this id or name exists".to_owned(),
                details: Details::Id(t.id.to_string()),
            }),
            other => other.map(|_| ()).map_err(Error::from),
        }
    }

    async fn update_territory(&mut self, t: &Territory) -> Result<()> {
        let result = self
            .c
            .execute(
                "UPDATE territories SET name = ?3, name_key = ?4, api_name = ?5, description = ?6, manager_id = ?7, \
                 reporting_to = ?8, permission_type = ?9, modified_at = ?10, modified_by = ?11 \
                 WHERE org_id = ?1 AND id = ?2",
                args![
                    self.org.id,
                    t.id,
                    &t.name,
                    t.name.to_lowercase(),
                    &t.api_name,
                    &t.description,
                    t.manager,
                    t.reporting_to,
                    t.permission_type.as_str(),
                    t.modified_at,
                    t.modified_by
                ],
            )
            .await;
        match result {
            Err(e) if e.unique_violation => Err(Error::DuplicateData {
                message: "a territory with this name exists".to_owned(),
                details: Details::Id(t.id.to_string()),
            }),
            other => other.map(|_| ()).map_err(Error::from),
        }
    }

    async fn delete_territory(&mut self, id: ZohoId) -> Result<()> {
        self.c
            .run(
                "DELETE FROM group_territory_cover WHERE org_id = ?1 AND territory_id = ?2",
                args![self.org.id, id],
            )
            .await?;
        let position = self
            .c
            .fetch_one_map(
                "DELETE FROM territories WHERE org_id = ?1 AND id = ?2 RETURNING position",
                args![self.org.id, id],
                |c| c.i64(),
            )
            .await?;
        if let Some(position) = position {
            close_gap(self.c, "territories", self.org.id, position).await?;
        }
        Ok(())
    }

    async fn insert_deleted_territory(&mut self, d: &DeletedTerritory) -> Result<()> {
        self.c
            .run(
                "INSERT INTO deleted_territories (org_id, id, name, deleted_at, deleted_by, position) \
                 VALUES (?1, ?2, ?3, ?4, ?5, \
                 (SELECT COALESCE(MAX(position), 0) + 1 FROM deleted_territories WHERE org_id = ?1))",
                args![self.org.id, d.id, &d.name, d.deleted_at, d.deleted_by],
            )
            .await?;
        Ok(())
    }

    async fn is_member(&mut self, territory: ZohoId, user: ZohoId) -> Result<bool> {
        let found = self
            .c
            .exists(
                "SELECT user_id FROM territory_users WHERE org_id = ?1 AND territory_id = ?2 AND user_id = ?3",
                args![self.org.id, territory, user],
            )
            .await?;
        Ok(found)
    }

    async fn add_members(&mut self, pairs: &[(ZohoId, ZohoId)]) -> Result<()> {
        let org = self.org.id;
        for chunk in pairs.chunks(CHUNK) {
            let mut sql = Sql::new("INSERT INTO territory_users (org_id, territory_id, user_id)");
            sql.values(chunk, |&(territory, user)| {
                [Arg::from(org), territory.into(), user.into()]
            });
            self.c.run_sql(&sql).await?;
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
        let removed = self
            .c
            .run(
                "DELETE FROM territory_users WHERE org_id = ?1 AND territory_id = ?2 AND user_id = ?3",
                args![self.org.id, territory, user],
            )
            .await?;
        if removed == 1 {
            self.move_member_count(territory, -1).await?;
        }
        Ok(())
    }

    async fn territory_member_ids(&mut self, territory: ZohoId) -> Result<Vec<ZohoId>> {
        self.ids_where(
            "SELECT user_id FROM territory_users WHERE org_id = ?1 AND territory_id = ?2 ORDER BY user_id",
            territory,
        )
        .await
    }

    async fn territories_of(&mut self, user: ZohoId) -> Result<Vec<ZohoId>> {
        self.ids_where(
            "SELECT territory_id FROM territory_users WHERE org_id = ?1 AND user_id = ?2 ORDER BY territory_id",
            user,
        )
        .await
    }

    async fn territories_managed_by(&mut self, user: ZohoId) -> Result<Vec<ZohoId>> {
        self.ids_where(
            "SELECT id FROM territories WHERE org_id = ?1 AND manager_id = ?2 ORDER BY id",
            user,
        )
        .await
    }

    async fn territory_chain(&mut self, territory: ZohoId) -> Result<Vec<ZohoId>> {
        self.ids_where(CHAIN_TERRITORIES, territory).await
    }

    async fn territory_parents(&mut self) -> Result<Vec<(ZohoId, Option<ZohoId>)>> {
        self.c
            .fetch_map(
                "SELECT id, reporting_to FROM territories WHERE org_id = ?1",
                args![self.org.id],
                parent_pair,
            )
            .await
    }
}
