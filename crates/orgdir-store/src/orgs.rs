//! Orgs and their documents: org rows, locking an org for a write, the
//! baseline a reset returns to, and the set-based count rebuild of bulk writes.

use crate::args;
use crate::db::{versioned_sql, Cols, Conn};
use crate::static_sql;
use crate::tx::SqlTx;
use crate::SqlStore;
use orgdir_core::behaviour::Behaviour;
use orgdir_core::org::{Edition, Org, OrgPhoto};
use orgdir_core::store::{Backend, OrgStore, OrgWrites, Versioned};
use orgdir_core::{Details, Error, OrgId, Result, ZohoId};

/// The columns [`org_from`] reads.
pub(crate) const ORG_COLUMNS: &str =
    "o.id, o.name, o.time_zone, o.edition, o.licenses, o.next_seq, o.created_at";

/// Tables holding an org's directory: emptied by a reset.
pub(crate) const DIRECTORY_TABLES: [&str; 20] = [
    "user_passwords",
    "org_behaviour",
    "group_deletion_jobs",
    "transfer_jobs",
    "org_photos",
    "deleted_territories",
    "users_unavailability",
    "group_reach",
    "group_role_cover",
    "group_territory_cover",
    "group_user_cover",
    "group_cross",
    "group_sources",
    "user_groups",
    "territory_users",
    "territories",
    "user_counts",
    "users",
    "roles",
    "profiles",
];

/// An org from the columns of [`ORG_COLUMNS`].
pub(crate) fn org_from(c: &mut Cols<'_>) -> Result<Org> {
    Ok(Org {
        id: OrgId(c.i64()?),
        name: c.text()?,
        time_zone: c.text()?,
        edition: Edition::parse(&c.text()?).unwrap_or_default(),
        licenses: u32::try_from(c.i64()?).map_err(Error::internal)?,
        next_seq: c.i64()?,
        created_at: c.i64()?,
    })
}

/// Inserts a new org row (`DUPLICATE_DATA` if its id is taken). Its auth
/// version starts at a random number: a session cached for an earlier org
/// with the same id (deleted, then imported again) never matches it.
pub(crate) async fn insert_org(c: &mut dyn Conn, org: &Org) -> Result<()> {
    let auth_version = rand::random::<i64>() >> 2;
    let inserted = c
        .execute(
            "INSERT INTO orgs (id, name, time_zone, edition, licenses, next_seq, created_at, auth_version) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            args![
                org.id,
                &org.name,
                &org.time_zone,
                org.edition.as_str(),
                org.licenses,
                org.next_seq,
                org.created_at,
                auth_version
            ],
        )
        .await;
    match inserted {
        Err(e) if e.unique_violation => Err(Error::DuplicateData {
            message: format!("an org with id {} exists", org.id),
            details: Details::field("$.id"),
        }),
        other => other.map(|_| ()).map_err(Error::from),
    }
}

/// Loads and locks an org for the rest of the transaction: its row lock on
/// PostgreSQL (writes to other orgs proceed), the database lock already
/// held on SQLite (`BEGIN IMMEDIATE`). Returns the org and its auth version.
pub(crate) async fn lock_org(c: &mut dyn Conn, org: OrgId) -> Result<(Org, i64)> {
    let sql = match c.backend() {
        Backend::Postgres => static_sql!(format!(
            "SELECT {ORG_COLUMNS}, o.auth_version FROM orgs o WHERE o.id = ?1 FOR UPDATE"
        )),
        Backend::Sqlite => static_sql!(format!(
            "SELECT {ORG_COLUMNS}, o.auth_version FROM orgs o WHERE o.id = ?1"
        )),
    };
    c.fetch_one_map(sql, args![org], |c| Ok((org_from(c)?, c.i64()?)))
        .await?
        .ok_or_else(Error::no_such_org)
}

#[async_trait::async_trait]
impl OrgStore for SqlStore {
    async fn orgs(&self) -> Result<Vec<Org>> {
        let sql = static_sql!(format!(
            "SELECT {ORG_COLUMNS} FROM orgs o ORDER BY o.created_at, o.id"
        ));
        self.read().await?.fetch_map(sql, args![], org_from).await
    }

    async fn org(&self, org: OrgId) -> Result<Option<Org>> {
        let sql = static_sql!(format!("SELECT {ORG_COLUMNS} FROM orgs o WHERE o.id = ?1"));
        self.read()
            .await?
            .fetch_one_map(sql, args![org], org_from)
            .await
    }

    async fn baseline(&self, org: OrgId) -> Result<Option<String>> {
        self.read()
            .await?
            .fetch_one_map(
                "SELECT document FROM org_baselines WHERE org_id = ?1",
                args![org],
                |c| c.text(),
            )
            .await
    }

    async fn delete_org(&self, org: OrgId) -> Result<bool> {
        self.write_alone(move |c| {
            Box::pin(
                async move { Ok(c.run("DELETE FROM orgs WHERE id = ?1", args![org]).await? == 1) },
            )
        })
        .await
    }

    async fn org_photo(&self, org: OrgId) -> Result<Versioned<Option<OrgPhoto>>> {
        let sql = static_sql!(versioned_sql(
            "SELECT id, file_name, content_type, bytes, created_at FROM org_photos WHERE org_id = ?1"
        ));
        let read = self
            .read()
            .await?
            .fetch_versioned(org, sql, args![org], |c| {
                Ok(OrgPhoto {
                    id: c.id()?,
                    file_name: c.text()?,
                    content_type: c.text()?,
                    bytes: c.bytes()?,
                    created_at: c.i64()?,
                })
            })
            .await?;
        Ok(read.map(|photos| photos.into_iter().next()))
    }

    async fn org_photo_id(&self, org: OrgId) -> Result<Option<ZohoId>> {
        self.read()
            .await?
            .fetch_one_map(
                "SELECT id FROM org_photos WHERE org_id = ?1",
                args![org],
                |c| c.id(),
            )
            .await
    }

    async fn behaviour(&self, org: OrgId) -> Result<Behaviour> {
        let pairs = self
            .read()
            .await?
            .fetch_map(BEHAVIOUR_SELECT, args![org], behaviour_pair)
            .await?;
        Behaviour::from_pairs(&pairs)
    }
}

/// An org's behaviour rows, read by [`behaviour_pair`].
const BEHAVIOUR_SELECT: &str = "SELECT name, value FROM org_behaviour WHERE org_id = ?1";

fn behaviour_pair(c: &mut Cols<'_>) -> Result<(String, String)> {
    Ok((c.text()?, c.text()?))
}

#[async_trait::async_trait]
impl OrgWrites for SqlTx<'_> {
    async fn set_baseline(&mut self, document: &str) -> Result<()> {
        self.c
            .run(
                "INSERT INTO org_baselines (org_id, document) VALUES (?1, ?2) \
                 ON CONFLICT (org_id) DO UPDATE SET document = excluded.document",
                args![self.org.id, document],
            )
            .await?;
        Ok(())
    }

    async fn replace_org(&mut self, org: &Org) -> Result<()> {
        self.c
            .run(
                "UPDATE orgs SET name = ?2, time_zone = ?3, edition = ?4, licenses = ?5, next_seq = ?6, \
                 created_at = ?7 WHERE id = ?1",
                args![
                    self.org.id,
                    &org.name,
                    &org.time_zone,
                    org.edition.as_str(),
                    org.licenses,
                    org.next_seq,
                    org.created_at
                ],
            )
            .await?;
        self.org = Org {
            id: self.org.id,
            ..org.clone()
        };
        self.first_seq = self.org.next_seq;
        self.auth_changed = true;
        Ok(())
    }

    async fn set_org_photo(&mut self, photo: &OrgPhoto) -> Result<()> {
        self.c
            .run(
                "INSERT INTO org_photos (org_id, id, file_name, content_type, bytes, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (org_id) DO UPDATE SET id = excluded.id, \
                 file_name = excluded.file_name, content_type = excluded.content_type, \
                 bytes = excluded.bytes, created_at = excluded.created_at",
                args![
                    self.org.id,
                    photo.id,
                    &photo.file_name,
                    &photo.content_type,
                    photo.bytes.as_slice(),
                    photo.created_at
                ],
            )
            .await?;
        Ok(())
    }

    async fn org_behaviour(&mut self) -> Result<Behaviour> {
        let pairs = self
            .c
            .fetch_map(BEHAVIOUR_SELECT, args![self.org.id], behaviour_pair)
            .await?;
        Behaviour::from_pairs(&pairs)
    }

    async fn set_behaviour(&mut self, behaviour: &Behaviour) -> Result<()> {
        for (name, value) in behaviour.pairs() {
            self.c
                .run(
                    "INSERT INTO org_behaviour (org_id, name, value) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (org_id, name) DO UPDATE SET value = excluded.value",
                    args![self.org.id, name, value],
                )
                .await?;
        }
        Ok(())
    }

    async fn delete_org_photo(&mut self) -> Result<Option<ZohoId>> {
        self.c
            .fetch_one_map(
                "DELETE FROM org_photos WHERE org_id = ?1 RETURNING id",
                args![self.org.id],
                |c| c.id(),
            )
            .await
    }

    async fn drop_orphaned_credentials(&mut self) -> Result<()> {
        for (table, column) in [
            ("tokens", "user_id"),
            ("oauth_codes", "user_id"),
            ("oauth_clients", "owner_id"),
        ] {
            let sql = format!(
                "DELETE FROM {table} WHERE org_id = ?1 AND {column} NOT IN (SELECT id FROM users WHERE org_id = ?1)"
            );
            if self.c.run(&sql, args![self.org.id]).await? > 0 {
                self.auth_changed = true;
            }
        }
        Ok(())
    }

    async fn rebuild_counts(&mut self, analyze: bool) -> Result<()> {
        if analyze {
            // Planner statistics for the sizes just written: without them
            // both databases may walk a tree by scanning it.
            let statements: &[&str] = match self.c.backend() {
                Backend::Sqlite => &["PRAGMA analysis_limit = 1000", "ANALYZE"],
                Backend::Postgres => {
                    &["ANALYZE users, roles, territories, territory_users, user_groups, group_sources"]
                }
            };
            for sql in statements {
                self.c.run(sql, args![]).await?;
            }
        }
        let statements = [
            "DELETE FROM user_counts WHERE org_id = ?1",
            "INSERT INTO user_counts (org_id, bucket, n) \
             SELECT ?1, bucket, CAST(COUNT(*) AS BIGINT) FROM users WHERE org_id = ?1 GROUP BY bucket",
            // Only rows whose count is wrong are rewritten (fewer dead row
            // versions for PostgreSQL to vacuum).
            "UPDATE territories SET member_count = (SELECT COUNT(*) FROM territory_users m \
             WHERE m.org_id = territories.org_id AND m.territory_id = territories.id) WHERE org_id = ?1 \
             AND member_count <> (SELECT COUNT(*) FROM territory_users m \
             WHERE m.org_id = territories.org_id AND m.territory_id = territories.id)",
            // Listing positions in the order of the rows' timestamps (bulk
            // writes insert in the document's order).
            "UPDATE user_groups SET position = r.position FROM (SELECT id, \
             ROW_NUMBER() OVER (ORDER BY created_at, id) AS position FROM user_groups WHERE org_id = ?1) r \
             WHERE user_groups.org_id = ?1 AND user_groups.id = r.id AND user_groups.position <> r.position",
            "UPDATE territories SET position = r.position FROM (SELECT id, \
             ROW_NUMBER() OVER (ORDER BY is_root DESC, created_at, id) AS position FROM territories \
             WHERE org_id = ?1) r \
             WHERE territories.org_id = ?1 AND territories.id = r.id AND territories.position <> r.position",
        ];
        for sql in statements {
            self.c.run(sql, args![self.org.id]).await?;
        }
        crate::membership::rebuild_org(self.c, self.org.id).await?;
        if analyze {
            crate::membership::analyze_model(self.c).await?;
        }
        Ok(())
    }
}
