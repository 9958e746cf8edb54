//! `settings/territories`: territories, their users and the associated users count.

use crate::{Client, ClientError};
use orgdir_types::territories::{
    TerritoriesPage, TerritoriesWriteResult, TerritoryUsersCountPage, UserTerritoriesPage,
};
use orgdir_types::users::UsersPage;
use orgdir_types::ActionResult;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

/// Per-item results of a write on any resource.
#[derive(Debug, Deserialize)]
struct Results {
    #[serde(alias = "users", alias = "territories", alias = "roles")]
    items: Vec<ActionResult>,
}

fn page_query(page: Option<u32>, per_page: Option<u32>) -> String {
    match (page, per_page) {
        (None, None) => String::new(),
        (Some(p), None) => format!("?page={p}"),
        (None, Some(n)) => format!("?per_page={n}"),
        (Some(p), Some(n)) => format!("?page={p}&per_page={n}"),
    }
}

impl Client {
    /// `GET /settings/territories/actions/associated_users_count`; `None` on 204.
    pub async fn territory_users_count(
        &self,
        page: Option<u32>,
        per_page: Option<u32>,
    ) -> Result<Option<TerritoryUsersCountPage>, ClientError> {
        let path = format!(
            "settings/territories/actions/associated_users_count{}",
            page_query(page, per_page)
        );
        self.call(Method::GET, &path, None, None).await
    }

    /// `GET /settings/territories`; `None` on 204.
    pub async fn list_territories(
        &self,
        page: Option<u32>,
        per_page: Option<u32>,
    ) -> Result<Option<TerritoriesPage>, ClientError> {
        let path = format!("settings/territories{}", page_query(page, per_page));
        self.call(Method::GET, &path, None, None).await
    }

    /// `POST /settings/territories` with one territory; returns its id.
    pub async fn create_territory(&self, territory: Value) -> Result<String, ClientError> {
        let body = json!({ "territories": [territory] });
        let result: Option<TerritoriesWriteResult> = self
            .call(
                Method::POST,
                "settings/territories",
                Some(&body),
                Some("territories"),
            )
            .await?;
        first_id(result.map(|r| r.territories))
    }

    /// `PUT /settings/territories/{id}` with the fields to change.
    pub async fn update_territory(&self, id: &str, fields: Value) -> Result<String, ClientError> {
        let body = json!({ "territories": [fields] });
        let path = format!("settings/territories/{id}");
        let result: Option<Results> = self
            .call(Method::PUT, &path, Some(&body), Some("territories"))
            .await?;
        first_id(result.map(|r| r.items))
    }

    /// `DELETE /settings/territories/{id}`.
    pub async fn delete_territory(&self, id: &str) -> Result<String, ClientError> {
        let path = format!("settings/territories/{id}");
        let result: Option<Results> = self
            .call(Method::DELETE, &path, None, Some("territories"))
            .await?;
        first_id(result.map(|r| r.items))
    }

    /// `PUT /settings/territories/{id}/users` with these user ids; the per-item results.
    pub async fn associate_territory_users(
        &self,
        id: &str,
        users: &[&str],
    ) -> Result<Vec<ActionResult>, ClientError> {
        let body = json!({ "users": users.iter().map(|u| json!({ "id": u })).collect::<Vec<_>>() });
        let path = format!("settings/territories/{id}/users");
        let result: Option<Results> = self
            .call(Method::PUT, &path, Some(&body), Some("users"))
            .await?;
        Ok(result.map(|r| r.items).unwrap_or_default())
    }

    /// `DELETE /settings/territories/{id}/users?ids=`; the per-item results.
    pub async fn disassociate_territory_users(
        &self,
        id: &str,
        users: &[&str],
    ) -> Result<Vec<ActionResult>, ClientError> {
        let path = format!("settings/territories/{id}/users?ids={}", users.join(","));
        let result: Option<Results> = self
            .call(Method::DELETE, &path, None, Some("users"))
            .await?;
        Ok(result.map(|r| r.items).unwrap_or_default())
    }

    /// `GET /settings/territories/{id}/users`; `None` on 204.
    pub async fn territory_users(&self, id: &str) -> Result<Option<UsersPage>, ClientError> {
        self.call(
            Method::GET,
            &format!("settings/territories/{id}/users"),
            None,
            None,
        )
        .await
    }

    /// `GET /users/{id}/territories`; `None` on 204.
    pub async fn user_territories(
        &self,
        user: &str,
    ) -> Result<Option<UserTerritoriesPage>, ClientError> {
        self.call(
            Method::GET,
            &format!("users/{user}/territories"),
            None,
            None,
        )
        .await
    }
}

fn first_id(items: Option<Vec<ActionResult>>) -> Result<String, ClientError> {
    items
        .and_then(|items| items.into_iter().next())
        .and_then(|item| item.id().map(str::to_owned))
        .ok_or_else(|| ClientError::Unexpected {
            status: reqwest::StatusCode::OK,
            detail: "write result without an id".to_owned(),
        })
}
