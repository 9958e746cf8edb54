//! `settings/user_groups`: groups, sources, the sources count and the associated users count.

use crate::{Client, ClientError};
use orgdir_types::groups::{
    GroupUsersCountPage, SourcesCount, SourcesCountBody, UserGroup, UserGroupsBody,
    UserGroupsWriteResult,
};
use reqwest::Method;
use serde_json::{json, Value};

fn unexpected(detail: &str) -> ClientError {
    ClientError::Unexpected {
        status: reqwest::StatusCode::OK,
        detail: detail.to_owned(),
    }
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

impl Client {
    /// `POST /settings/user_groups` with one group; returns its id.
    pub async fn create_group(&self, group: Value) -> Result<String, ClientError> {
        let body = json!({ "user_groups": [group] });
        let result: Option<UserGroupsWriteResult> = self
            .call(
                Method::POST,
                "settings/user_groups",
                Some(&body),
                Some("user_groups"),
            )
            .await?;
        result
            .and_then(|r| r.user_groups.into_iter().next())
            .and_then(|item| item.id().map(str::to_owned))
            .ok_or_else(|| unexpected("write result without an id"))
    }

    /// `PUT /settings/user_groups/{id}` with the fields to change.
    pub async fn update_group(&self, id: &str, fields: Value) -> Result<(), ClientError> {
        let body = json!({ "user_groups": [fields] });
        let path = format!("settings/user_groups/{id}");
        let _: Option<UserGroupsWriteResult> = self
            .call(Method::PUT, &path, Some(&body), Some("user_groups"))
            .await?;
        Ok(())
    }

    /// `DELETE /settings/user_groups/{id}`.
    pub async fn delete_group(&self, id: &str) -> Result<(), ClientError> {
        let path = format!("settings/user_groups/{id}");
        let _: Option<UserGroupsWriteResult> = self
            .call(Method::DELETE, &path, None, Some("user_groups"))
            .await?;
        Ok(())
    }

    /// `GET /settings/user_groups/{id}`.
    pub async fn get_group(&self, id: &str) -> Result<UserGroup, ClientError> {
        let body: Option<UserGroupsBody> = self
            .call(
                Method::GET,
                &format!("settings/user_groups/{id}"),
                None,
                None,
            )
            .await?;
        body.and_then(|b| b.user_groups.into_iter().next())
            .ok_or_else(|| unexpected("no group"))
    }

    /// `GET /settings/user_groups/{id}/actions/sources_count`.
    pub async fn sources_count(&self, id: &str) -> Result<SourcesCount, ClientError> {
        let path = format!("settings/user_groups/{id}/actions/sources_count");
        let body: Option<SourcesCountBody> = self.call(Method::GET, &path, None, None).await?;
        body.and_then(|b| b.sources_count.into_iter().next())
            .ok_or_else(|| unexpected("no sources count"))
    }

    /// `GET /settings/user_groups/actions/associated_users_count` with an
    /// optional `filters` JSON (encoded here); `None` on 204.
    pub async fn group_users_count(
        &self,
        filters: Option<&Value>,
        page: Option<u32>,
        per_page: Option<u32>,
    ) -> Result<Option<GroupUsersCountPage>, ClientError> {
        let mut query = Vec::new();
        if let Some(f) = filters {
            query.push(format!("filters={}", encode(&f.to_string())));
        }
        if let Some(p) = page {
            query.push(format!("page={p}"));
        }
        if let Some(p) = per_page {
            query.push(format!("per_page={p}"));
        }
        let path = if query.is_empty() {
            "settings/user_groups/actions/associated_users_count".to_owned()
        } else {
            format!(
                "settings/user_groups/actions/associated_users_count?{}",
                query.join("&")
            )
        };
        self.call(Method::GET, &path, None, None).await
    }

    /// The associated users count of one group (by scanning the pages).
    pub async fn group_count(&self, id: &str) -> Result<Option<u64>, ClientError> {
        let mut page = 1;
        while let Some(rows) = self.group_users_count(None, Some(page), None).await? {
            if let Some(row) = rows
                .associated_users_count
                .iter()
                .find(|r| r.user_group.id == id)
            {
                return Ok(Some(row.count));
            }
            if !rows.info.more_records {
                break;
            }
            page += 1;
        }
        Ok(None)
    }
}
