//! `users`: list, get, create, update, delete and count.

use crate::{Client, ClientError};
use orgdir_types::users::{User, UserType, UsersBody, UsersCount, UsersPage, UsersWriteResult};
use reqwest::Method;
use serde_json::{json, Value};

/// Options of `GET /users`.
#[derive(Debug, Clone, Default)]
pub struct ListUsers {
    pub user_type: Option<UserType>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
    pub ids: Vec<String>,
}

impl ListUsers {
    fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = self.user_type {
            parts.push(format!("type={}", t.as_str()));
        }
        if let Some(p) = self.page {
            parts.push(format!("page={p}"));
        }
        if let Some(p) = self.per_page {
            parts.push(format!("per_page={p}"));
        }
        if !self.ids.is_empty() {
            parts.push(format!("ids={}", self.ids.join(",")));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

fn written_id(result: Option<UsersWriteResult>) -> Result<String, ClientError> {
    result
        .and_then(|r| r.users.into_iter().next())
        .and_then(|item| item.id().map(str::to_owned))
        .ok_or_else(|| ClientError::Unexpected {
            status: reqwest::StatusCode::OK,
            detail: "write result without an id".to_owned(),
        })
}

impl Client {
    /// `GET /users/actions/count?type=`.
    pub async fn users_count(&self, user_type: UserType) -> Result<u64, ClientError> {
        self.users_count_of(Some(user_type)).await
    }

    /// `GET /users/actions/count`, with `?type=` when one is given (Zoho's
    /// default otherwise).
    pub async fn users_count_of(&self, user_type: Option<UserType>) -> Result<u64, ClientError> {
        let path = match user_type {
            Some(t) => format!("users/actions/count?type={}", t.as_str()),
            None => "users/actions/count".to_owned(),
        };
        let count: Option<UsersCount> = self.call(Method::GET, &path, None, None).await?;
        Ok(count.map(|c| c.count).unwrap_or_default())
    }

    /// `GET /users`; `None` when there is nothing to list (204).
    pub async fn list_users(&self, options: &ListUsers) -> Result<Option<UsersPage>, ClientError> {
        self.call(
            Method::GET,
            &format!("users{}", options.query()),
            None,
            None,
        )
        .await
    }

    /// `GET /users/{id}`.
    pub async fn get_user(&self, id: &str) -> Result<User, ClientError> {
        let body: Option<UsersBody> = self
            .call(Method::GET, &format!("users/{id}"), None, None)
            .await?;
        body.and_then(|b| b.users.into_iter().next())
            .ok_or_else(|| ClientError::Unexpected {
                status: reqwest::StatusCode::NO_CONTENT,
                detail: "no user in the response".to_owned(),
            })
    }

    /// `POST /users` with one user (`{"last_name","email","role","profile",…}`); returns its id.
    pub async fn create_user(&self, user: Value) -> Result<String, ClientError> {
        let body = json!({ "users": [user] });
        written_id(
            self.call(Method::POST, "users", Some(&body), Some("users"))
                .await?,
        )
    }

    /// `PUT /users/{id}` with the fields to change.
    pub async fn update_user(&self, id: &str, fields: Value) -> Result<String, ClientError> {
        let body = json!({ "users": [fields] });
        written_id(
            self.call(
                Method::PUT,
                &format!("users/{id}"),
                Some(&body),
                Some("users"),
            )
            .await?,
        )
    }

    /// `PUT /users/{id}` with `{"status": …}` (`active`, `inactive`/`disabled`).
    pub async fn set_user_status(&self, id: &str, status: &str) -> Result<String, ClientError> {
        self.update_user(id, json!({ "status": status })).await
    }

    /// `DELETE /users/{id}`.
    pub async fn delete_user(&self, id: &str) -> Result<String, ClientError> {
        written_id(
            self.call(Method::DELETE, &format!("users/{id}"), None, Some("users"))
                .await?,
        )
    }
}
