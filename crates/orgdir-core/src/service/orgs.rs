//! Creating an org with everything SPEC 3 says it always has: the profiles
//! Administrator and Standard, a root role, a root territory named after the
//! org, and a confirmed primary admin. The new org is written as an org
//! document, which also becomes its baseline for resets. Also the org reads:
//! the caller's own (`GET /org`) and the control plane's, and the org's
//! emulator behaviour.

use super::Directory;
use crate::behaviour::Behaviour;
use crate::document::{DocOrg, DocProfile, DocRole, DocTerritory, DocUser, OrgDocument, FORMAT};
use crate::org::{Edition, Org, ADMIN_PROFILE, STANDARD_PROFILE};
use crate::scopes::{ScopeSet, ALL_SCOPES};
use crate::sessions::Caller;
use crate::store::{write, WriteTarget};
use crate::users::{normalize_email, UserCounts, UserDetails};
use crate::{Error, OrgId, Result, ZohoId};
use serde_json::Value;

/// What to create.
#[derive(Debug, Clone)]
pub struct NewOrg {
    pub id: OrgId,
    pub name: String,
    pub time_zone: String,
    pub edition: Edition,
    pub licenses: u32,
    pub root_role: String,
    pub admin_first_name: String,
    pub admin_last_name: String,
    pub admin_email: String,
}

impl NewOrg {
    /// The demo org `orgdir serve` creates on an empty database.
    pub fn demo(seed: u64) -> Self {
        Self {
            id: OrgId::from_seed(seed, 0),
            name: "Demo Org".to_owned(),
            time_zone: "UTC".to_owned(),
            edition: Edition::Enterprise,
            licenses: 25,
            root_role: "CEO".to_owned(),
            admin_first_name: "Demo".to_owned(),
            admin_last_name: "Admin".to_owned(),
            admin_email: "admin@demo.orgdir.local".to_owned(),
        }
    }

    /// The org as a document: its built-ins and primary admin, created now.
    pub fn document(&self) -> Result<OrgDocument> {
        let org = Org {
            id: self.id,
            name: self.name.trim().to_owned(),
            time_zone: self.time_zone.clone(),
            edition: self.edition,
            licenses: self.licenses,
            next_seq: FIRST_SEQUENCE,
            created_at: crate::time::now(),
        };
        org.validate()?;
        if self.licenses == 0 {
            return Err(Error::invalid_field(
                "$.licenses",
                "an org needs at least one licence",
            ));
        }
        let email = normalize_email(&self.admin_email, "$.admin.email")?;
        let now = org.format_time(org.created_at);
        let id = |n: i64| ZohoId::compose(org.id, FIRST_SEQUENCE + n).to_string();
        let profile = |n: i64, name: &str, admin: bool| DocProfile {
            id: id(n),
            name: name.to_owned(),
            display_label: None,
            description: None,
            default: !admin,
            custom: false,
            admin,
            disabled_permissions: Vec::new(),
            created_time: now.clone(),
            modified_time: now.clone(),
        };
        Ok(OrgDocument {
            orgdir_document: FORMAT,
            org: DocOrg {
                id: org.id.to_string(),
                name: org.name.clone(),
                time_zone: org.time_zone.clone(),
                edition: org.edition.as_str().to_owned(),
                licenses: org.licenses,
                created_time: now.clone(),
                next_sequence: Some(FIRST_SEQUENCE + 5),
            },
            profiles: vec![
                profile(0, ADMIN_PROFILE, true),
                profile(1, STANDARD_PROFILE, false),
            ],
            roles: vec![DocRole {
                id: id(2),
                name: self.root_role.clone(),
                display_label: None,
                reporting_to: None,
                share_with_peers: true,
                description: None,
                created_time: now.clone(),
                modified_time: now.clone(),
            }],
            users: vec![DocUser {
                id: id(3),
                email,
                first_name: Some(self.admin_first_name.clone()),
                last_name: self.admin_last_name.clone(),
                status: "active".to_owned(),
                confirm: true,
                zuid: Some(id(3)),
                role: id(2),
                profile: id(0),
                primary: true,
                extra: Default::default(),
                created_time: now.clone(),
                modified_time: now.clone(),
                // The primary admin is its own creator (Zoho names a user in
                // every user's created_by and Modified_By).
                created_by: Some(id(3)),
                modified_by: Some(id(3)),
                password: None,
                password_hash: None,
            }],
            territories: vec![DocTerritory {
                id: id(4),
                name: org.name.clone(),
                api_name: None,
                description: None,
                manager: None,
                reporting_to: None,
                permission_type: crate::territories::PermissionType::ReadWriteDelete
                    .as_str()
                    .to_owned(),
                created_time: now.clone(),
                modified_time: now,
                created_by: Some(id(3)),
                modified_by: Some(id(3)),
                users: Vec::new(),
            }],
            user_groups: Vec::new(),
            users_unavailability: Vec::new(),
        })
    }
}

/// An org just created.
#[derive(Debug, Clone)]
pub struct CreatedOrg {
    pub org: Org,
    pub admin_user_id: ZohoId,
    /// An access token with every scope, for the primary admin, that does not expire.
    pub admin_token: String,
}

/// First sequence number of a new org's ids.
pub const FIRST_SEQUENCE: i64 = 1000;

/// Creates an org, its built-ins and its primary admin, and mints the admin an
/// all-scopes token.
pub async fn create_org(dir: &Directory, new: &NewOrg) -> Result<CreatedOrg> {
    let doc = new.document()?;
    let org = crate::document::import(dir, &doc)
        .await
        .map_err(|e| match e {
            crate::document::ImportError::Store(e) => e,
            crate::document::ImportError::Invalid(problems) => {
                Error::Internal(problems.to_string())
            }
        })?;
    let admin_user_id = ZohoId::compose(org.id, FIRST_SEQUENCE + 3);
    let scopes = ScopeSet::parse(ALL_SCOPES).map_err(Error::internal)?;
    let admin_token =
        super::tokens::mint_access_token(dir, org.id, admin_user_id, scopes, None).await?;
    Ok(CreatedOrg {
        org,
        admin_user_id,
        admin_token,
    })
}

/// `GET /org`: the caller's org, as of the read that confirmed the caller,
/// and its primary user.
pub async fn current(dir: &Directory, caller: &mut Caller) -> Result<(Org, Option<UserDetails>)> {
    let read = dir.store().primary_user(caller.org_id()).await?;
    let primary = dir.confirm(caller, read).await?;
    Ok((caller.org().clone(), primary))
}

/// Every org, oldest first (the control plane).
pub async fn list(dir: &Directory) -> Result<Vec<Org>> {
    dir.store().orgs().await
}

/// One org (the control plane).
pub async fn get(dir: &Directory, org: OrgId) -> Result<Option<Org>> {
    dir.store().org(org).await
}

/// An org's maintained user counts (the control plane).
pub async fn user_counts(dir: &Directory, org: OrgId) -> Result<UserCounts> {
    Ok(dir.store().user_counts(org).await?.value)
}

/// Deletes an org and everything in it, tokens included; false if unknown.
pub async fn delete(dir: &Directory, org: OrgId) -> Result<bool> {
    let deleted = dir.store().delete_org(org).await?;
    dir.controls().forget(org);
    Ok(deleted)
}

/// An org's emulator behaviour (the control plane).
pub async fn behaviour(dir: &Directory, org: OrgId) -> Result<Behaviour> {
    dir.store().behaviour(org).await
}

/// Applies a `PUT /_orgdir/orgs/{org}/behaviour` body under the org's lock
/// (API-DESIGN 144); the behaviour after it.
pub async fn set_behaviour(dir: &Directory, org: OrgId, body: Value) -> Result<Behaviour> {
    write(dir.store(), WriteTarget::Org(org), move |tx| {
        Box::pin(async move {
            let next = tx.org_behaviour().await?.apply(&body)?;
            tx.set_behaviour(&next).await?;
            Ok(next)
        })
    })
    .await
}
