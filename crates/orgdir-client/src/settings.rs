//! Roles, profiles, features (user licences) and the org.

use crate::{Client, ClientError};
use orgdir_types::features::{Feature, FeaturesBody};
use orgdir_types::org::{OrgBody, OrgInfo};
use orgdir_types::roles::{ProfilesBody, RolesBody, RolesWriteResult};
use reqwest::Method;
use serde_json::{json, Value};

fn unexpected(detail: &str) -> ClientError {
    ClientError::Unexpected {
        status: reqwest::StatusCode::OK,
        detail: detail.to_owned(),
    }
}

impl Client {
    /// `GET /settings/roles`.
    pub async fn list_roles(&self) -> Result<RolesBody, ClientError> {
        let body: Option<RolesBody> = self.call(Method::GET, "settings/roles", None, None).await?;
        body.ok_or_else(|| unexpected("no roles"))
    }

    /// `POST /settings/roles` with one role; returns its id.
    pub async fn create_role(&self, role: Value) -> Result<String, ClientError> {
        let body = json!({ "roles": [role] });
        let result: Option<RolesWriteResult> = self
            .call(Method::POST, "settings/roles", Some(&body), Some("roles"))
            .await?;
        result
            .and_then(|r| r.roles.into_iter().next())
            .and_then(|item| item.id().map(str::to_owned))
            .ok_or_else(|| unexpected("write result without an id"))
    }

    /// `PUT /settings/roles/{id}`.
    pub async fn update_role(&self, id: &str, fields: Value) -> Result<(), ClientError> {
        let body = json!({ "roles": [fields] });
        let _: Option<RolesWriteResult> = self
            .call(
                Method::PUT,
                &format!("settings/roles/{id}"),
                Some(&body),
                Some("roles"),
            )
            .await?;
        Ok(())
    }

    /// `DELETE /settings/roles/{id}?transfer_to_id=`.
    pub async fn delete_role(&self, id: &str, transfer_to: &str) -> Result<(), ClientError> {
        let path = format!("settings/roles/{id}?transfer_to_id={transfer_to}");
        let _: Option<RolesWriteResult> = self
            .call(Method::DELETE, &path, None, Some("roles"))
            .await?;
        Ok(())
    }

    /// `GET /settings/profiles`.
    pub async fn list_profiles(&self) -> Result<ProfilesBody, ClientError> {
        let body: Option<ProfilesBody> = self
            .call(Method::GET, "settings/profiles", None, None)
            .await?;
        body.ok_or_else(|| unexpected("no profiles"))
    }

    /// `GET /__features/user_licenses`.
    pub async fn user_licenses(&self) -> Result<Feature, ClientError> {
        let body: Option<FeaturesBody> = self
            .call(Method::GET, "__features/user_licenses", None, None)
            .await?;
        body.and_then(|b| b.__features.into_iter().next())
            .ok_or_else(|| unexpected("no feature"))
    }

    /// `GET /org`.
    pub async fn org(&self) -> Result<OrgInfo, ClientError> {
        let body: Option<OrgBody> = self.call(Method::GET, "org", None, None).await?;
        body.and_then(|b| b.org.into_iter().next())
            .ok_or_else(|| unexpected("no org"))
    }
}
