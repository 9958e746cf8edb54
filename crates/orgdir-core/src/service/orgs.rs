//! Creating an org with everything SPEC 3 says it always has: the profiles
//! Administrator and Standard, a root role, a root territory named after the
//! org, and a confirmed primary admin.

use crate::org::{Edition, Org, Profile, Role, ADMIN_PROFILE, STANDARD_PROFILE};
use crate::scopes::{ScopeSet, ALL_SCOPES};
use crate::store::Store;
use crate::territories::{api_name_from, PermissionType, Territory};
use crate::users::{normalize_email, User, UserStatus};
use crate::{Error, OrgId, Result, ZohoId};
use serde_json::Map;

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
pub async fn create_org(store: &dyn Store, new: &NewOrg) -> Result<CreatedOrg> {
    let now = crate::time::now();
    let org = Org {
        id: new.id,
        name: new.name.trim().to_owned(),
        time_zone: new.time_zone.clone(),
        edition: new.edition,
        licenses: new.licenses,
        next_seq: FIRST_SEQUENCE,
        created_at: now,
    };
    org.validate()?;
    if new.licenses == 0 {
        return Err(Error::invalid_field(
            "$.licenses",
            "an org needs at least one licence",
        ));
    }
    let email = normalize_email(&new.admin_email, "$.admin.email")?;
    let mut tx = store.begin_new_org(&org).await?;
    let profile = |tx: &mut dyn crate::store::OrgTx, name: &str, admin: bool| Profile {
        id: tx.next_id(),
        name: name.to_owned(),
        display_label: name.to_owned(),
        description: None,
        default: !admin,
        custom: false,
        admin,
        created_at: now,
        modified_at: now,
    };
    let admin_profile = profile(tx.as_mut(), ADMIN_PROFILE, true);
    let standard_profile = profile(tx.as_mut(), STANDARD_PROFILE, false);
    tx.insert_profile(&admin_profile).await?;
    tx.insert_profile(&standard_profile).await?;
    let role = Role {
        id: tx.next_id(),
        name: new.root_role.clone(),
        display_label: new.root_role.clone(),
        reporting_to: None,
        share_with_peers: true,
        description: None,
        created_at: now,
        modified_at: now,
    };
    tx.insert_role(&role).await?;
    let admin_id = tx.next_id();
    let admin = User {
        id: admin_id,
        email,
        first_name: Some(new.admin_first_name.clone()),
        last_name: new.admin_last_name.clone(),
        status: UserStatus::Active,
        confirmed: true,
        zuid: Some(admin_id.0.to_string()),
        role_id: role.id,
        profile_id: admin_profile.id,
        admin: true,
        primary: true,
        extra: Map::new(),
        created_at: now,
        modified_at: now,
        created_by: None,
        modified_by: None,
    };
    super::users::insert_counted(tx.as_mut(), &admin).await?;
    let root = Territory {
        id: tx.next_id(),
        name: org.name.clone(),
        api_name: api_name_from(&org.name),
        description: None,
        manager: None,
        reporting_to: None,
        permission_type: PermissionType::ReadWriteDelete,
        member_count: 0,
        created_at: now,
        modified_at: now,
        created_by: Some(admin_id),
        modified_by: Some(admin_id),
    };
    tx.insert_territory(&root).await?;
    let scopes = ScopeSet::parse(ALL_SCOPES).map_err(Error::internal)?;
    let admin_token =
        super::tokens::issue_access_token(tx.as_mut(), admin_id, scopes, None).await?;
    let org = tx.org().clone();
    tx.commit().await?;
    Ok(CreatedOrg {
        org,
        admin_user_id: admin_id,
        admin_token,
    })
}
