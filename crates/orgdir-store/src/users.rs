//! Users and the maintained user counts (one row per bucket).

use crate::args;
use crate::db::{person, versioned_sql, Arg, Cols, Sql};
use crate::static_sql;
use crate::tx::SqlTx;
use crate::SqlStore;
use orgdir_core::store::{UserQuery, UserStore, UserWrites, Versioned};
use orgdir_core::territories::Membership;
use orgdir_core::users::{User, UserBucket, UserCounts, UserDetails, UserStatus};
use orgdir_core::{Details, Error, OrgId, Result, ZohoId};

/// The columns of a user row that [`user_from`] reads.
macro_rules! user_columns {
    () => {
        "u.id, u.email, u.first_name, u.last_name, u.status, u.confirmed, u.zuid, u.role_id, \
         u.profile_id, u.is_admin, u.is_primary, u.extra, u.created_at, u.modified_at, \
         u.created_by, u.modified_by"
    };
}

/// A user row alone.
const USER_SELECT: &str = concat!("SELECT ", user_columns!(), " FROM users u ");

/// The columns of a user with the names it references, read by [`details_from`].
macro_rules! user_details_columns {
    () => {
        concat!(
            user_columns!(),
            ", r.name AS role_name, p.name AS profile_name, cb.first_name AS cb_first, \
             cb.last_name AS cb_last, mb.first_name AS mb_first, mb.last_name AS mb_last"
        )
    };
}

/// The joins behind `user_details_columns!`.
macro_rules! user_details_joins {
    () => {
        " FROM users u \
         LEFT JOIN roles r ON r.org_id = u.org_id AND r.id = u.role_id \
         LEFT JOIN profiles p ON p.org_id = u.org_id AND p.id = u.profile_id \
         LEFT JOIN users cb ON cb.org_id = u.org_id AND cb.id = u.created_by \
         LEFT JOIN users mb ON mb.org_id = u.org_id AND mb.id = u.modified_by "
    };
}

/// A user row with the names it references, read by [`details_from`].
pub(crate) const USER_DETAILS_SELECT: &str =
    concat!("SELECT ", user_details_columns!(), user_details_joins!());

/// One user with its territories, one row per territory, root first: the
/// joins of [`with_memberships`] without a page to materialise.
const USER_WITH_MEMBERSHIPS: &str = concat!(
    "SELECT ",
    user_details_columns!(),
    ", t.id, t.name, t.manager_id",
    user_details_joins!(),
    "LEFT JOIN territory_users tu ON tu.org_id = u.org_id AND tu.user_id = u.id \
     LEFT JOIN territories t ON t.org_id = tu.org_id AND t.id = tu.territory_id \
     WHERE u.org_id = ?1 AND u.id = ?2 ORDER BY t.position"
);

/// A user from the columns of `user_columns!`.
fn user_from(c: &mut Cols<'_>) -> Result<User> {
    let id = c.id()?;
    let email = c.text()?;
    let first_name = c.opt_text()?;
    let last_name = c.text()?;
    let status = c.text()?;
    Ok(User {
        id,
        email,
        first_name,
        last_name,
        status: UserStatus::parse(&status)
            .ok_or_else(|| Error::Internal(format!("bad stored status {status:?}")))?,
        confirmed: c.bool()?,
        zuid: c.opt_text()?,
        role_id: c.id()?,
        profile_id: c.id()?,
        admin: c.bool()?,
        primary: c.bool()?,
        extra: serde_json::from_str(&c.text()?).map_err(Error::internal)?,
        created_at: c.i64()?,
        modified_at: c.i64()?,
        created_by: c.opt_id()?,
        modified_by: c.opt_id()?,
    })
}

/// A user with its referenced names, from the columns of [`USER_DETAILS_SELECT`].
pub(crate) fn details_from(c: &mut Cols<'_>) -> Result<UserDetails> {
    Ok(UserDetails {
        user: user_from(c)?,
        role_name: c.opt_text()?.unwrap_or_default(),
        profile_name: c.opt_text()?.unwrap_or_default(),
        created_by_name: person(c)?,
        modified_by_name: person(c)?,
        memberships: Vec::new(),
    })
}

/// `page` (a query of [`USER_DETAILS_SELECT`] rows whose `?1` is the org)
/// joined to the org's auth version and to each user's territories: one
/// statement for a page of users as the API shows them.
pub(crate) fn with_memberships(page: &str) -> String {
    format!(
        "SELECT (SELECT auth_version FROM orgs WHERE id = ?1), x.*, t.id, t.name, t.manager_id \
         FROM ({page}) x \
         LEFT JOIN territory_users tu ON tu.org_id = ?1 AND tu.user_id = x.id \
         LEFT JOIN territories t ON t.org_id = tu.org_id AND t.id = tu.territory_id \
         ORDER BY x.id, t.position"
    )
}

/// A user and one of its territories (if any), from a [`with_memberships`] row.
pub(crate) fn membership_row(c: &mut Cols<'_>) -> Result<(UserDetails, Option<Membership>)> {
    let details = details_from(c)?;
    let membership = match c.opt_id()? {
        Some(territory_id) => {
            let territory_name = c.text()?;
            let manager = c.opt_id()?;
            Some(Membership {
                user_id: details.user.id,
                territory_id,
                territory_name,
                manager: manager == Some(details.user.id),
            })
        }
        None => None,
    };
    Ok((details, membership))
}

/// The users of [`membership_row`]s (consecutive per user), each with its territories.
pub(crate) fn users_with_memberships(
    read: Versioned<Vec<(UserDetails, Option<Membership>)>>,
) -> Result<Versioned<Vec<UserDetails>>> {
    Ok(read.map(|rows| {
        let mut users: Vec<UserDetails> = Vec::new();
        for (details, membership) in rows {
            match users.last_mut() {
                Some(last) if last.user.id == details.user.id => {
                    last.memberships.extend(membership);
                }
                _ => {
                    let mut details = details;
                    details.memberships.extend(membership);
                    users.push(details);
                }
            }
        }
        users
    }))
}

/// The counts of `(bucket, n)` rows.
fn counts_from(rows: impl IntoIterator<Item = (i64, i64)>) -> Result<UserCounts> {
    let mut counts = UserCounts::default();
    for (bucket, n) in rows {
        let bucket = i16::try_from(bucket)
            .ok()
            .and_then(UserBucket::from_code)
            .ok_or_else(|| Error::Internal(format!("bad bucket {bucket}")))?;
        counts.add(bucket, u64::try_from(n).map_err(Error::internal)?);
    }
    Ok(counts)
}

fn bucket_row(c: &mut Cols<'_>) -> Result<(i64, i64)> {
    Ok((c.i64()?, c.i64()?))
}

#[async_trait::async_trait]
impl UserStore for SqlStore {
    async fn user_counts(&self, org: OrgId) -> Result<Versioned<UserCounts>> {
        let sql = static_sql!(versioned_sql(
            "SELECT bucket, n FROM user_counts WHERE org_id = ?1"
        ));
        let read = self
            .read()
            .await?
            .fetch_versioned(org, sql, args![org], bucket_row)
            .await?;
        let version = read.auth_version;
        Ok(Versioned::new(counts_from(read.value)?, version))
    }

    async fn count_users(&self, org: OrgId, buckets: u32) -> Result<Versioned<u64>> {
        // A bit mask rather than `bucket IN (…)`: one statement for every
        // type, and no list for SQLite to build at each execution.
        let sql = static_sql!(versioned_sql(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM user_counts \
             WHERE org_id = ?1 AND ((?2 >> bucket) & 1) = 1",
        ));
        let read = self
            .read()
            .await?
            .fetch_versioned(org, sql, args![org, i64::from(buckets)], |c| c.u64())
            .await?;
        Ok(read.map(|sums| sums.into_iter().sum()))
    }

    async fn recount_users(&self, org: OrgId) -> Result<UserCounts> {
        let rows = self
            .read()
            .await?
            .fetch_map(
                "SELECT bucket, CAST(COUNT(*) AS BIGINT) AS n FROM users WHERE org_id = ?1 GROUP BY bucket",
                args![org],
                bucket_row,
            )
            .await?;
        counts_from(rows)
    }

    async fn users(&self, org: OrgId, query: &UserQuery) -> Result<Versioned<Vec<UserDetails>>> {
        let mut page = Sql::new(USER_DETAILS_SELECT);
        page.push("WHERE u.org_id = ").bind(org);
        // An empty list selects nothing but still reads the version.
        if query.buckets.is_empty() || query.ids.as_ref().is_some_and(|ids| ids.is_empty()) {
            page.push(" AND 1 = 0");
        } else {
            page.push(" AND u.bucket IN (")
                .list(query.buckets.iter().copied())
                .push(")");
        }
        if let Some(ids) = query.ids.as_ref().filter(|ids| !ids.is_empty()) {
            page.push(" AND u.id IN (")
                .list(ids.iter().copied())
                .push(")");
        }
        if let Some(after) = query.modified_after {
            page.push(" AND u.modified_at > ").bind(after);
        }
        page.push(" ORDER BY u.id LIMIT ")
            .bind(query.limit)
            .push(" OFFSET ")
            .bind(query.offset);
        let sql = with_memberships(&page.text);
        let rows = self
            .read()
            .await?
            .fetch_versioned(org, &sql, &page.args, membership_row)
            .await?;
        users_with_memberships(rows)
    }

    async fn user(&self, org: OrgId, id: ZohoId) -> Result<Versioned<Option<UserDetails>>> {
        let sql = static_sql!(versioned_sql(USER_WITH_MEMBERSHIPS));
        let rows = self
            .read()
            .await?
            .fetch_versioned(org, sql, args![org, id], membership_row)
            .await?;
        Ok(users_with_memberships(rows)?.map(|users| users.into_iter().next()))
    }

    async fn user_by_email(&self, org: OrgId, email: &str) -> Result<Option<UserDetails>> {
        let sql = static_sql!(format!(
            "{USER_DETAILS_SELECT} WHERE u.org_id = ?1 AND u.email_key = ?2 AND u.status <> 'deleted'"
        ));
        self.read()
            .await?
            .fetch_one_map(sql, args![org, email.to_ascii_lowercase()], details_from)
            .await
    }

    async fn primary_user(&self, org: OrgId) -> Result<Versioned<Option<UserDetails>>> {
        let sql = static_sql!(versioned_sql(&format!(
            "{USER_DETAILS_SELECT} WHERE u.org_id = ?1 AND u.is_primary ORDER BY u.id LIMIT 1"
        )));
        let read = self
            .read()
            .await?
            .fetch_versioned(org, sql, args![org], details_from)
            .await?;
        Ok(read.map(|users| users.into_iter().next()))
    }
}

#[async_trait::async_trait]
impl UserWrites for SqlTx<'_> {
    async fn user(&mut self, id: ZohoId) -> Result<Option<User>> {
        let sql = static_sql!(format!("{USER_SELECT} WHERE u.org_id = ?1 AND u.id = ?2"));
        self.c
            .fetch_one_map(sql, args![self.org.id, id], user_from)
            .await
    }

    async fn user_id_by_email(&mut self, email: &str) -> Result<Option<ZohoId>> {
        self.c
            .fetch_one_map(
                "SELECT id FROM users WHERE org_id = ?1 AND email_key = ?2 AND status <> 'deleted'",
                args![self.org.id, email.to_ascii_lowercase()],
                |c| c.id(),
            )
            .await
    }

    async fn insert_users(&mut self, users: &[User]) -> Result<()> {
        // 19 columns a row: 1000 rows stay far below both databases' bind limits.
        for chunk in users.chunks(1000) {
            let extras = chunk
                .iter()
                .map(|u| serde_json::to_string(&u.extra).map_err(Error::internal))
                .collect::<Result<Vec<_>>>()?;
            let mut sql = Sql::new(
                "INSERT INTO users (org_id, id, email, first_name, last_name, status, confirmed, zuid, \
                 role_id, profile_id, is_admin, is_primary, bucket, extra, created_at, modified_at, \
                 created_by, modified_by, email_key)",
            );
            let org = self.org.id;
            sql.values(chunk.iter().zip(extras), |(u, extra)| {
                [
                    Arg::from(org),
                    u.id.into(),
                    (&u.email).into(),
                    (&u.first_name).into(),
                    (&u.last_name).into(),
                    u.status.as_str().into(),
                    u.confirmed.into(),
                    (&u.zuid).into(),
                    u.role_id.into(),
                    u.profile_id.into(),
                    u.admin.into(),
                    u.primary.into(),
                    u.bucket().code().into(),
                    extra.into(),
                    u.created_at.into(),
                    u.modified_at.into(),
                    u.created_by.into(),
                    u.modified_by.into(),
                    u.email.to_ascii_lowercase().into(),
                ]
            });
            match self.c.execute(&sql.text, &sql.args).await {
                Err(e) if e.unique_violation => {
                    return Err(Error::DuplicateData {
                        message: "a user with this id or email exists".to_owned(),
                        details: Details::Id(
                            chunk.first().map(|u| u.id.to_string()).unwrap_or_default(),
                        ),
                    })
                }
                other => other?,
            };
        }
        Ok(())
    }

    async fn update_user(&mut self, u: &User) -> Result<()> {
        let extra = serde_json::to_string(&u.extra).map_err(Error::internal)?;
        let result = self
            .c
            .execute(
                "UPDATE users SET email = ?3, first_name = ?4, last_name = ?5, status = ?6, confirmed = ?7, \
                 zuid = ?8, role_id = ?9, profile_id = ?10, is_admin = ?11, is_primary = ?12, bucket = ?13, \
                 extra = ?14, modified_at = ?15, modified_by = ?16, email_key = ?17 WHERE org_id = ?1 AND id = ?2",
                args![
                    self.org.id,
                    u.id,
                    &u.email,
                    &u.first_name,
                    &u.last_name,
                    u.status.as_str(),
                    u.confirmed,
                    &u.zuid,
                    u.role_id,
                    u.profile_id,
                    u.admin,
                    u.primary,
                    u.bucket().code(),
                    extra,
                    u.modified_at,
                    u.modified_by,
                    u.email.to_ascii_lowercase()
                ],
            )
            .await;
        match result {
            Err(e) if e.unique_violation => Err(Error::DuplicateData {
                message: "the email is already taken by another user".to_owned(),
                details: Details::Id(u.id.to_string()),
            }),
            Err(e) => Err(e.into()),
            Ok(1) => Ok(()),
            Ok(_) => Err(Error::Internal(format!(
                "user {} vanished during update",
                u.id
            ))),
        }
    }

    async fn adjust_user_count(&mut self, bucket: UserBucket, delta: i64) -> Result<()> {
        self.c
            .run(
                "INSERT INTO user_counts (org_id, bucket, n) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (org_id, bucket) DO UPDATE SET n = user_counts.n + excluded.n",
                args![self.org.id, bucket.code(), delta],
            )
            .await?;
        Ok(())
    }

    async fn user_counts(&mut self) -> Result<UserCounts> {
        let rows = self
            .c
            .fetch_map(
                "SELECT bucket, n FROM user_counts WHERE org_id = ?1",
                args![self.org.id],
                bucket_row,
            )
            .await?;
        counts_from(rows)
    }

    async fn users_reporting_to(&mut self, user: ZohoId) -> Result<Vec<User>> {
        // `extra` is JSON text: the id found anywhere in it narrows the
        // scan, and the parsed `Reporting_To` decides.
        let sql = static_sql!(format!(
            "{USER_SELECT} WHERE u.org_id = ?1 AND u.status <> 'deleted' \
             AND u.extra LIKE ?2 ORDER BY u.id"
        ));
        let rows = self
            .c
            .fetch_map(sql, args![self.org.id, format!("%{user}%")], user_from)
            .await?;
        Ok(rows
            .into_iter()
            .filter(|u| orgdir_core::user_fields::reporting_to(&u.extra) == Some(user))
            .collect())
    }

    async fn reassign_role(
        &mut self,
        from: ZohoId,
        to: ZohoId,
        now: i64,
        by: ZohoId,
    ) -> Result<Vec<ZohoId>> {
        let rows = self
            .c
            .fetch_map(
                "UPDATE users SET role_id = ?3, modified_at = ?4, modified_by = ?5 \
                 WHERE org_id = ?1 AND role_id = ?2 RETURNING id, status",
                args![self.org.id, from, to, now, by],
                |c| Ok((c.id()?, c.text()?)),
            )
            .await?;
        self.auth_changed = true;
        Ok(rows
            .into_iter()
            .filter(|(_, status)| status != "deleted")
            .map(|(id, _)| id)
            .collect())
    }
}
