//! Roles (a tree) and profiles.

use crate::args;
use crate::db::{versioned_sql, Cols};
use crate::static_sql;
use crate::tx::SqlTx;
use crate::SqlStore;
use orgdir_core::org::{Profile, Role};
use orgdir_core::store::{RoleStore, RoleWrites, Versioned};
use orgdir_core::{Error, OrgId, Result, ZohoId};

/// A role row, read by [`role_from`].
const ROLE_SELECT: &str = "SELECT id, name, display_label, reporting_to, share_with_peers, \
     description, created_at, modified_at FROM roles ";

/// A profile row, read by [`profile_from`].
const PROFILE_SELECT: &str = "SELECT id, name, display_label, description, is_default, custom, \
     is_admin, disabled_permissions, created_at, modified_at FROM profiles ";

/// A role and its ancestors, nearest first (`?1` org, `?2` role); the
/// depth bound stops a corrupt cycle.
const CHAIN_ROLES: &str = "WITH RECURSIVE chain(id, parent, depth) AS ( \
     SELECT id, reporting_to, 0 FROM roles WHERE org_id = ?1 AND id = ?2 \
     UNION ALL \
     SELECT r.id, r.reporting_to, c.depth + 1 FROM chain c \
       JOIN roles r ON r.org_id = ?1 AND r.id = c.parent WHERE c.depth < 10000) \
     SELECT id FROM chain ORDER BY depth";

fn role_from(c: &mut Cols<'_>) -> Result<Role> {
    Ok(Role {
        id: c.id()?,
        name: c.text()?,
        display_label: c.text()?,
        reporting_to: c.opt_id()?,
        share_with_peers: c.bool()?,
        description: c.opt_text()?,
        created_at: c.i64()?,
        modified_at: c.i64()?,
    })
}

fn profile_from(c: &mut Cols<'_>) -> Result<Profile> {
    Ok(Profile {
        id: c.id()?,
        name: c.text()?,
        display_label: c.text()?,
        description: c.opt_text()?,
        default: c.bool()?,
        custom: c.bool()?,
        admin: c.bool()?,
        disabled_permissions: match c.opt_text()? {
            Some(json) => serde_json::from_str(&json).map_err(Error::internal)?,
            None => Vec::new(),
        },
        created_at: c.i64()?,
        modified_at: c.i64()?,
    })
}

/// The `disabled_permissions` column of a profile (NULL for none).
fn disabled_column(profile: &Profile) -> Option<String> {
    (!profile.disabled_permissions.is_empty())
        .then(|| serde_json::Value::from(profile.disabled_permissions.clone()).to_string())
}

/// Every `(id, reporting_to)` pair of a tree's rows.
pub(crate) fn parent_pair(c: &mut Cols<'_>) -> Result<(ZohoId, Option<ZohoId>)> {
    Ok((c.id()?, c.opt_id()?))
}

#[async_trait::async_trait]
impl RoleStore for SqlStore {
    async fn roles(&self, org: OrgId) -> Result<Versioned<Vec<Role>>> {
        let sql = static_sql!(versioned_sql(&format!(
            "{ROLE_SELECT} WHERE org_id = ?1 ORDER BY id"
        )));
        self.read()
            .await?
            .fetch_versioned(org, sql, args![org], role_from)
            .await
    }

    async fn profiles(&self, org: OrgId) -> Result<Versioned<Vec<Profile>>> {
        let sql = static_sql!(versioned_sql(&format!(
            "{PROFILE_SELECT} WHERE org_id = ?1 ORDER BY id"
        )));
        self.read()
            .await?
            .fetch_versioned(org, sql, args![org], profile_from)
            .await
    }
}

#[async_trait::async_trait]
impl RoleWrites for SqlTx<'_> {
    async fn role(&mut self, id: ZohoId) -> Result<Option<Role>> {
        let sql = static_sql!(format!("{ROLE_SELECT} WHERE org_id = ?1 AND id = ?2"));
        self.c
            .fetch_one_map(sql, args![self.org.id, id], role_from)
            .await
    }

    async fn insert_role(&mut self, role: &Role) -> Result<()> {
        self.c
            .run(
                "INSERT INTO roles (org_id, id, name, display_label, reporting_to, share_with_peers, \
                 description, created_at, modified_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                args![
                    self.org.id,
                    role.id,
                    &role.name,
                    &role.display_label,
                    role.reporting_to,
                    role.share_with_peers,
                    &role.description,
                    role.created_at,
                    role.modified_at
                ],
            )
            .await?;
        Ok(())
    }

    async fn child_roles(&mut self, parent: ZohoId) -> Result<Vec<Role>> {
        let sql = static_sql!(format!(
            "{ROLE_SELECT} WHERE org_id = ?1 AND reporting_to = ?2 ORDER BY id"
        ));
        self.c
            .fetch_map(sql, args![self.org.id, parent], role_from)
            .await
    }

    async fn update_role(&mut self, role: &Role) -> Result<()> {
        self.c
            .run(
                "UPDATE roles SET name = ?3, display_label = ?4, reporting_to = ?5, share_with_peers = ?6, \
                 description = ?7, modified_at = ?8 WHERE org_id = ?1 AND id = ?2",
                args![
                    self.org.id,
                    role.id,
                    &role.name,
                    &role.display_label,
                    role.reporting_to,
                    role.share_with_peers,
                    &role.description,
                    role.modified_at
                ],
            )
            .await?;
        Ok(())
    }

    async fn delete_role(&mut self, id: ZohoId) -> Result<()> {
        for sql in [
            "DELETE FROM group_role_cover WHERE org_id = ?1 AND role_id = ?2",
            "DELETE FROM group_cross WHERE org_id = ?1 AND role_id = ?2",
            "DELETE FROM roles WHERE org_id = ?1 AND id = ?2",
        ] {
            self.c.run(sql, args![self.org.id, id]).await?;
        }
        Ok(())
    }

    async fn role_chain(&mut self, role: ZohoId) -> Result<Vec<ZohoId>> {
        self.c
            .fetch_ids(CHAIN_ROLES, args![self.org.id, role])
            .await
    }

    async fn role_parents(&mut self) -> Result<Vec<(ZohoId, Option<ZohoId>)>> {
        self.c
            .fetch_map(
                "SELECT id, reporting_to FROM roles WHERE org_id = ?1",
                args![self.org.id],
                parent_pair,
            )
            .await
    }

    async fn profile(&mut self, id: ZohoId) -> Result<Option<Profile>> {
        let sql = static_sql!(format!("{PROFILE_SELECT} WHERE org_id = ?1 AND id = ?2"));
        self.c
            .fetch_one_map(sql, args![self.org.id, id], profile_from)
            .await
    }

    async fn insert_profile(&mut self, profile: &Profile) -> Result<()> {
        self.c
            .run(
                "INSERT INTO profiles (org_id, id, name, display_label, description, is_default, custom, \
                 is_admin, disabled_permissions, created_at, modified_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                args![
                    self.org.id,
                    profile.id,
                    &profile.name,
                    &profile.display_label,
                    &profile.description,
                    profile.default,
                    profile.custom,
                    profile.admin,
                    &disabled_column(profile),
                    profile.created_at,
                    profile.modified_at
                ],
            )
            .await?;
        Ok(())
    }

    async fn update_profile(&mut self, profile: &Profile) -> Result<()> {
        self.c
            .run(
                "UPDATE profiles SET name = ?3, display_label = ?4, description = ?5, \
                 disabled_permissions = ?6, modified_at = ?7 WHERE org_id = ?1 AND id = ?2",
                args![
                    self.org.id,
                    profile.id,
                    &profile.name,
                    &profile.display_label,
                    &profile.description,
                    &disabled_column(profile),
                    profile.modified_at
                ],
            )
            .await?;
        Ok(())
    }

    async fn delete_profile(&mut self, id: ZohoId) -> Result<()> {
        self.c
            .run(
                "DELETE FROM profiles WHERE org_id = ?1 AND id = ?2",
                args![self.org.id, id],
            )
            .await?;
        Ok(())
    }

    async fn all_profiles(&mut self) -> Result<Vec<Profile>> {
        let sql = static_sql!(format!("{PROFILE_SELECT} WHERE org_id = ?1 ORDER BY id"));
        self.c
            .fetch_map(sql, args![self.org.id], profile_from)
            .await
    }

    async fn users_with_profile(&mut self, profile: ZohoId) -> Result<Vec<ZohoId>> {
        self.c
            .fetch_map(
                "SELECT id FROM users WHERE org_id = ?1 AND profile_id = ?2 ORDER BY id",
                args![self.org.id, profile],
                |c| c.id(),
            )
            .await
    }
}
