//! Users' unavailability: the `users_unavailability` rows and the list's
//! selection by user, role, territory and group.

use crate::args;
use crate::db::{person, versioned_sql, Cols, Sql};
use crate::static_sql;
use crate::tx::SqlTx;
use crate::SqlStore;
use orgdir_core::store::{UnavailabilityStore, UnavailabilityWrites, Versioned};
use orgdir_core::unavailability::{Unavailability, UnavailabilityDetails, UnavailabilityQuery};
use orgdir_core::{OrgId, Result, ZohoId};

/// A period's columns, read by [`period_from`].
const PERIOD_COLUMNS: &str = "a.id, a.user_id, a.starts_at, a.ends_at, a.all_day, a.comments";

/// A period with its user's name and zuid, read by [`details_from`].
const DETAILS_SELECT: &str = "SELECT a.id, a.user_id, a.starts_at, a.ends_at, a.all_day, \
     a.comments, u.first_name, u.last_name, u.zuid FROM users_unavailability a \
     JOIN users u ON u.org_id = a.org_id AND u.id = a.user_id ";

fn period_from(c: &mut Cols<'_>) -> Result<Unavailability> {
    Ok(Unavailability {
        id: c.id()?,
        user_id: c.id()?,
        from: c.i64()?,
        to: c.i64()?,
        all_day: c.bool()?,
        comments: c.opt_text()?,
    })
}

fn details_from(c: &mut Cols<'_>) -> Result<UnavailabilityDetails> {
    Ok(UnavailabilityDetails {
        unavailability: period_from(c)?,
        user_name: person(c)?.unwrap_or_default(),
        user_zuid: c.opt_text()?,
    })
}

/// Appends ` AND <condition>` that user `u` is an associated user of one
/// of `groups`, read from the membership model the way
/// `GroupStore::groups_of_user` reads it: a group covering the user's
/// role, one of its territories, or the user itself.
fn push_in_groups(sql: &mut Sql<'_>, groups: &[ZohoId]) {
    sql.push(
        " AND u.status <> 'deleted' AND (EXISTS (SELECT 1 FROM group_role_cover c \
         WHERE c.org_id = u.org_id AND c.role_id = u.role_id AND c.group_id IN (",
    )
    .list(groups.iter().copied())
    .push(
        ")) OR EXISTS (SELECT 1 FROM group_user_cover c \
         WHERE c.org_id = u.org_id AND c.user_id = u.id AND c.group_id IN (",
    )
    .list(groups.iter().copied())
    .push(
        ")) OR EXISTS (SELECT 1 FROM territory_users m JOIN group_territory_cover c \
         ON c.org_id = m.org_id AND c.territory_id = m.territory_id \
         WHERE m.org_id = u.org_id AND m.user_id = u.id AND c.group_id IN (",
    )
    .list(groups.iter().copied())
    .push(")))");
}

/// The list's statement: `?1` is the org.
fn list_sql<'a>(org: OrgId, query: &UnavailabilityQuery) -> Sql<'a> {
    let mut sql = Sql::new(DETAILS_SELECT);
    sql.push("WHERE a.org_id = ").bind(org);
    if let Some(owner) = query.owner {
        sql.push(" AND a.user_id = ").bind(owner);
    }
    if !query.role_ids.is_empty() {
        sql.push(" AND u.role_id IN (")
            .list(query.role_ids.iter().copied())
            .push(")");
    }
    if !query.territory_ids.is_empty() {
        sql.push(
            " AND EXISTS (SELECT 1 FROM territory_users m WHERE m.org_id = u.org_id \
             AND m.user_id = u.id AND m.territory_id IN (",
        )
        .list(query.territory_ids.iter().copied())
        .push("))");
    }
    if !query.group_ids.is_empty() {
        push_in_groups(&mut sql, &query.group_ids);
    }
    sql.push(" ORDER BY a.id");
    sql
}

#[async_trait::async_trait]
impl UnavailabilityStore for SqlStore {
    async fn unavailabilities(
        &self,
        org: OrgId,
        query: &UnavailabilityQuery,
    ) -> Result<Versioned<Vec<UnavailabilityDetails>>> {
        let list = list_sql(org, query);
        let sql = versioned_sql(&list.text);
        self.read()
            .await?
            .fetch_versioned(org, &sql, &list.args, details_from)
            .await
    }

    async fn unavailability(
        &self,
        org: OrgId,
        id: ZohoId,
    ) -> Result<Versioned<Option<UnavailabilityDetails>>> {
        let sql = static_sql!(versioned_sql(&format!(
            "{DETAILS_SELECT} WHERE a.org_id = ?1 AND a.id = ?2"
        )));
        let read = self
            .read()
            .await?
            .fetch_versioned(org, sql, args![org, id], details_from)
            .await?;
        Ok(read.map(|rows| rows.into_iter().next()))
    }
}

#[async_trait::async_trait]
impl UnavailabilityWrites for SqlTx<'_> {
    async fn unavailability(&mut self, id: ZohoId) -> Result<Option<Unavailability>> {
        let sql = static_sql!(format!(
            "SELECT {PERIOD_COLUMNS} FROM users_unavailability a WHERE a.org_id = ?1 AND a.id = ?2"
        ));
        self.c
            .fetch_one_map(sql, args![self.org.id, id], period_from)
            .await
    }

    async fn insert_unavailability(&mut self, p: &Unavailability) -> Result<()> {
        self.c
            .run(
                "INSERT INTO users_unavailability (org_id, id, user_id, starts_at, ends_at, all_day, comments) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                args![self.org.id, p.id, p.user_id, p.from, p.to, p.all_day, &p.comments],
            )
            .await
            .map(|_| ())
    }

    async fn update_unavailability(&mut self, p: &Unavailability) -> Result<()> {
        self.c
            .run(
                "UPDATE users_unavailability SET starts_at = ?3, ends_at = ?4, all_day = ?5, comments = ?6 \
                 WHERE org_id = ?1 AND id = ?2",
                args![self.org.id, p.id, p.from, p.to, p.all_day, &p.comments],
            )
            .await
            .map(|_| ())
    }

    async fn delete_unavailability(&mut self, id: ZohoId) -> Result<()> {
        self.c
            .run(
                "DELETE FROM users_unavailability WHERE org_id = ?1 AND id = ?2",
                args![self.org.id, id],
            )
            .await
            .map(|_| ())
    }

    async fn delete_unavailabilities_of(&mut self, user: ZohoId) -> Result<()> {
        self.c
            .run(
                "DELETE FROM users_unavailability WHERE org_id = ?1 AND user_id = ?2",
                args![self.org.id, user],
            )
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_numbers_the_org_first() {
        let query = UnavailabilityQuery {
            owner: Some(ZohoId(5)),
            role_ids: vec![ZohoId(1)],
            territory_ids: vec![ZohoId(2)],
            group_ids: vec![ZohoId(3), ZohoId(4)],
        };
        let sql = list_sql(OrgId(7), &query);
        assert!(sql.text.contains("WHERE a.org_id = ?1 AND a.user_id = ?2"));
        assert!(sql.text.ends_with("ORDER BY a.id"));
        // org, owner, one role, one territory, two groups three times
        assert_eq!(sql.args.len(), 1 + 1 + 1 + 1 + 6);
    }
}
