//! `/crm/{v}/settings/user_groups…`: groups (single and bulk), their sources,
//! the sources count (SPEC 4.2), the associated users count (SPEC 4.3),
//! deletion jobs, a user's groups (`associated_groups`, `get_assigned`,
//! `get_unassigned`) and where a group is used.

use super::{each_item, item_id, item_results, job_id, path_id, single_item, written};
use crate::error::{item_error, json_response, no_content, object_error, ApiError, ItemError};
use crate::extract::Path;
use crate::extract::{
    Authed, GroupsCreate, GroupsDelete, GroupsRead, GroupsUpdate, JsonBody, Params,
    UserGroupsOfUser,
};
use crate::{views, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use orgdir_core::groups::{AssignQuery, Assignment, Filter, GroupPatch, NewGroup, SourceKind};
use orgdir_core::org::Org;
use orgdir_core::paging::Page;
use orgdir_core::service::groups::{self as service, GroupView};
use orgdir_core::users::UserStatus;
use orgdir_core::{Error, Result};
use orgdir_types::groups::{
    AssociatedGroupsPage, DeletionJobStatus, DeletionJobsBody, GroupUsersCount,
    GroupUsersCountPage, GroupedCount, GroupedCountsPage, SourcesCountBody, SourcesPage, UserGroup,
    UserGroupsPage,
};
use orgdir_types::{ActionResult, Info, Reference};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The user groups routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create, update_in_body))
        .routes(routes!(associated_users_count))
        .routes(routes!(deletion_jobs))
        .routes(routes!(get_one, update_one, delete_one))
        .routes(routes!(sources))
        .routes(routes!(sources_count))
        .routes(routes!(grouped_counts))
        .routes(routes!(associated_groups))
        .routes(routes!(get_assigned))
        .routes(routes!(get_unassigned))
        .routes(routes!(associations))
}

/// Segment of the group id in `settings/user_groups/{id}`.
const GROUP_SEGMENT: usize = 2;

fn unknown_group() -> Error {
    Error::invalid_path(GROUP_SEGMENT, "the id given seems to be invalid")
}

/// The `page`, `per_page` and `filters` of a group listing.
fn page_and_filter(params: &Params) -> Result<(Page, Option<Filter>)> {
    let page = Page::parse(params.get("page"), params.get("per_page"), 200)?;
    let filter = params.get("filters").map(Filter::parse).transpose()?;
    Ok((page, filter))
}

/// A group in Zoho's shape.
fn group_view(org: &Org, view: GroupView) -> UserGroup {
    views::group(org, view.details, view.sources, view.sources_count)
}

/// `GET /settings/user_groups?include=sources_count&page=&per_page=&filters=&name=`
#[utoipa::path(
    operation_id = "user_groups_list",
    get,
    path = "/crm/{version}/settings/user_groups",
    tag = "user groups",
    params(
        crate::openapi::VersionPath,
        crate::openapi::GroupsQuery
    ),
    responses(
        (status = 200, description = "A page of groups", body = orgdir_types::groups::UserGroupsPage),
        (status = 204, description = "Nothing to list"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.user_groups.READ"]))
)]
async fn list(
    mut auth: Authed<GroupsRead>,
    params: Params,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let with_count = params
        .get("include")
        .is_some_and(|inc| inc.split(',').any(|part| part.trim() == "sources_count"));
    let (page, mut filter) = page_and_filter(&params)?;
    if let Some(name) = params.get("name") {
        let named = Filter::named(name)?;
        filter = Some(match filter {
            Some(filters) => filters.and(named),
            None => named,
        });
    }
    let (rows, info) =
        service::list(&state.dir, &mut auth.caller, filter, page, with_count).await?;
    if rows.is_empty() {
        return Ok(no_content());
    }
    let org = auth.caller.org();
    let user_groups = rows.into_iter().map(|g| group_view(org, g)).collect();
    Ok(json_response(
        StatusCode::OK,
        &UserGroupsPage { user_groups, info },
    ))
}

/// `GET /settings/user_groups/{id}`
#[utoipa::path(
    operation_id = "user_groups_get_one",
    get,
    path = "/crm/{version}/settings/user_groups/{id}",
    tag = "user groups",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "User group id")
    ),
    responses(
        (status = 200, description = "The group with its sources count", body = orgdir_types::groups::UserGroupsBody),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.user_groups.READ"]))
)]
async fn get_one(
    mut auth: Authed<GroupsRead>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, GROUP_SEGMENT)?;
    let found = service::get(&state.dir, &mut auth.caller, id)
        .await?
        .ok_or_else(unknown_group)?;
    let group = group_view(auth.caller.org(), found);
    Ok(json_response(
        StatusCode::OK,
        &json!({ "user_groups": [group] }),
    ))
}

/// `GET /settings/user_groups/{id}/sources?type=&user_type=`
#[utoipa::path(
    operation_id = "user_groups_sources",
    get,
    path = "/crm/{version}/settings/user_groups/{id}/sources",
    tag = "user groups",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "User group id"),
        crate::openapi::SourcesQuery
    ),
    responses(
        (status = 200, description = "The sources", body = orgdir_types::groups::SourcesPage),
        (status = 204, description = "Nothing to list"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.user_groups.READ"]))
)]
async fn sources(
    mut auth: Authed<GroupsRead>,
    params: Params,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let page = Page::parse(params.get("page"), params.get("per_page"), 200)?;
    let kind = params
        .get("type")
        .map(|t| {
            SourceKind::parse(t).ok_or_else(|| {
                Error::invalid_param("type", "type must be users, roles, territories or groups")
            })
        })
        .transpose()?;
    let user_type = match params.get("user_type") {
        None => None,
        Some("active") => Some(UserStatus::Active),
        Some("inactive") => Some(UserStatus::Disabled),
        Some("deleted") => Some(UserStatus::Deleted),
        Some(_) => {
            return Err(Error::invalid_param(
                "user_type",
                "user_type must be active, inactive or deleted",
            )
            .into())
        }
    };
    let id = path_id(&id, GROUP_SEGMENT)?;
    let (rows, info) = service::sources(&state.dir, &mut auth.caller, id, kind, user_type, page)
        .await?
        .ok_or_else(unknown_group)?;
    if rows.is_empty() {
        return Ok(no_content());
    }
    let sources = rows.into_iter().map(views::group_source).collect();
    Ok(json_response(
        StatusCode::OK,
        &SourcesPage { sources, info },
    ))
}

/// `GET /settings/user_groups/{id}/actions/sources_count` (SPEC 4.2).
#[utoipa::path(
    operation_id = "user_groups_sources_count",
    get,
    path = "/crm/{version}/settings/user_groups/{id}/actions/sources_count",
    tag = "user groups",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "User group id")
    ),
    responses(
        (status = 200, description = "One element; every key present", body = orgdir_types::groups::SourcesCountBody),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.user_groups.READ"]))
)]
async fn sources_count(
    mut auth: Authed<GroupsRead>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, GROUP_SEGMENT)?;
    let count = service::sources_count(&state.dir, &mut auth.caller, id)
        .await?
        .ok_or_else(unknown_group)?;
    let body = SourcesCountBody {
        sources_count: vec![views::sources_count(count)],
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /settings/user_groups/{id}/associated_users/actions/grouped_counts?group_by=status`
/// (API-DESIGN 148): the group's associated users by status, from the
/// maintained counts; 204 when it has none.
#[utoipa::path(
    operation_id = "user_groups_grouped_counts",
    get,
    path = "/crm/{version}/settings/user_groups/{id}/associated_users/actions/grouped_counts",
    tag = "user groups",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "User group id"),
        crate::openapi::GroupedCountsQuery
    ),
    responses(
        (status = 200, description = "`active`, then `inactive`, each when not zero; `count` is an integer", body = orgdir_types::groups::GroupedCountsPage),
        (status = 204, description = "The group has no associated users"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.user_groups.READ"]))
)]
async fn grouped_counts(
    mut auth: Authed<GroupsRead>,
    params: Params,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, GROUP_SEGMENT)?;
    match params.get("group_by") {
        Some("status") => {}
        Some(_) => Err(Error::invalid_param("group_by", "group_by must be status"))?,
        None => Err(Error::RequiredParamMissing {
            param_name: "group_by".to_owned(),
        })?,
    }
    let split = service::member_split(&state.dir, &mut auth.caller, id)
        .await?
        .ok_or_else(unknown_group)?;
    let grouped_counts: Vec<GroupedCount> = [
        ("active", split.active),
        ("inactive", split.live - split.active),
    ]
    .into_iter()
    .filter(|(_, count)| *count > 0)
    .map(|(status, count)| GroupedCount {
        status: status.to_owned(),
        count: count.unsigned_abs(),
    })
    .collect();
    if grouped_counts.is_empty() {
        return Ok(no_content());
    }
    let info = Info {
        per_page: 200,
        count: grouped_counts.len() as u32,
        page: 1,
        more_records: false,
    };
    Ok(json_response(
        StatusCode::OK,
        &GroupedCountsPage {
            grouped_counts,
            info,
        },
    ))
}

/// `GET /settings/user_groups/actions/associated_users_count` (SPEC 4.3):
/// maintained counts, by creation, filtered and paged; 204 when nothing matches.
#[utoipa::path(
    operation_id = "user_groups_associated_users_count",
    get,
    path = "/crm/{version}/settings/user_groups/actions/associated_users_count",
    tag = "user groups",
    params(
        crate::openapi::VersionPath,
        crate::openapi::GroupCountQuery
    ),
    responses(
        (status = 200, description = "Groups by creation; `count` is an integer", body = orgdir_types::groups::GroupUsersCountPage),
        (status = 204, description = "Nothing to list"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.user_groups.READ"]))
)]
async fn associated_users_count(
    mut auth: Authed<GroupsRead>,
    params: Params,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let (page, filter) = page_and_filter(&params)?;
    let (rows, info) = service::member_counts(&state.dir, &mut auth.caller, filter, page).await?;
    if rows.is_empty() {
        return Ok(no_content());
    }
    let associated_users_count = rows
        .into_iter()
        .map(|(id, name, count)| GroupUsersCount {
            user_group: Reference {
                name,
                id: id.to_string(),
            },
            count,
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &GroupUsersCountPage {
            associated_users_count,
            info,
        },
    ))
}

/// `POST /settings/user_groups` (one result per group).
#[utoipa::path(
    operation_id = "user_groups_create",
    post,
    path = "/crm/{version}/settings/user_groups",
    tag = "user groups",
    params(
        crate::openapi::VersionPath
    ),
    request_body = crate::openapi::UserGroupsCreateBody,
    responses(
        (status = 201, description = "Per-item results", body = crate::openapi::WriteResults),
        (status = 200, description = "Some items failed", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.user_groups.CREATE"]))
)]
async fn create(
    auth: Authed<GroupsCreate>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let (dir, caller) = (state.dir.as_ref(), &auth.caller);
    let results = each_item(&body, "user_groups", |item, path| async move {
        let new = NewGroup::from_json(&item, &path)?;
        service::create(dir, caller, new, &path).await
    })
    .await?;
    item_results(
        "user_groups",
        results,
        "User group added",
        StatusCode::CREATED,
    )
}

/// `PUT /settings/user_groups` with ids inside the items.
#[utoipa::path(
    operation_id = "user_groups_update_in_body",
    put,
    path = "/crm/{version}/settings/user_groups",
    tag = "user groups",
    params(
        crate::openapi::VersionPath
    ),
    request_body = crate::openapi::WriteBody,
    responses(
        (status = 200, description = "Per-item results", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.user_groups.UPDATE"]))
)]
async fn update_in_body(
    auth: Authed<GroupsUpdate>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let (dir, caller) = (state.dir.as_ref(), &auth.caller);
    let results = each_item(&body, "user_groups", |item, path| async move {
        let (id, missing) = item_id(&item, &path)?;
        let patch = GroupPatch::from_json(&item, &path)?;
        service::update(dir, caller, id, patch, &path, missing)
            .await
            .map(|()| id)
    })
    .await?;
    item_results("user_groups", results, "User group updated", StatusCode::OK)
}

/// `PUT /settings/user_groups/{id}`
#[utoipa::path(
    operation_id = "user_groups_update_one",
    put,
    path = "/crm/{version}/settings/user_groups/{id}",
    tag = "user groups",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "User group id")
    ),
    request_body = crate::openapi::WriteBody,
    responses(
        (status = 200, description = "Per-item result", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.user_groups.UPDATE"]))
)]
async fn update_one(
    auth: Authed<GroupsUpdate>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error("user_groups");
    let id = path_id(&id, GROUP_SEGMENT).map_err(&to_item)?;
    let item = single_item(&body, "user_groups").map_err(&to_item)?;
    let patch = GroupPatch::from_json(item, "$.user_groups[0]").map_err(&to_item)?;
    service::update(
        &state.dir,
        &auth.caller,
        id,
        patch,
        "$.user_groups[0]",
        unknown_group,
    )
    .await
    .map_err(&to_item)?;
    Ok(written(
        "user_groups",
        id,
        "User group updated",
        StatusCode::OK,
    ))
}

/// `DELETE /settings/user_groups/{id}`
#[utoipa::path(
    operation_id = "user_groups_delete_one",
    delete,
    path = "/crm/{version}/settings/user_groups/{id}",
    tag = "user groups",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "User group id")
    ),
    responses(
        (status = 200, description = "Per-item result: SUCCESS with the group's id, or SCHEDULED with a job_id under the org's scheduled behaviour", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.user_groups.DELETE"]))
)]
async fn delete_one(
    auth: Authed<GroupsDelete>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ItemError> {
    let to_item = item_error("user_groups");
    let id = path_id(&id, GROUP_SEGMENT).map_err(&to_item)?;
    let job = service::delete(&state.dir, &auth.caller, id, unknown_group)
        .await
        .map_err(&to_item)?;
    Ok(match job {
        None => written("user_groups", id, "User group deleted", StatusCode::OK),
        Some(job) => json_response(
            StatusCode::OK,
            &json!({ "user_groups": [ActionResult::scheduled(
                job.to_string(),
                "User group deletion scheduled",
            )] }),
        ),
    })
}

/// `GET /settings/user_groups/actions/deletion_jobs?job_id=`: a scheduled
/// group deletion's status; 204 for a job the org does not have.
#[utoipa::path(
    operation_id = "user_groups_deletion_jobs",
    get,
    path = "/crm/{version}/settings/user_groups/actions/deletion_jobs",
    tag = "user groups",
    params(
        crate::openapi::VersionPath,
        crate::openapi::JobQuery
    ),
    responses(
        (status = 200, description = "The job's status: COMPLETED", body = DeletionJobsBody),
        (status = 204, description = "The org has no such job"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.user_groups.READ"]))
)]
async fn deletion_jobs(
    mut auth: Authed<GroupsRead>,
    params: Params,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let id = job_id(params.get("job_id"))?;
    if service::deletion_job(&state.dir, &mut auth.caller, id)
        .await?
        .is_none()
    {
        return Ok(no_content());
    }
    let body = DeletionJobsBody {
        deletion_jobs: vec![DeletionJobStatus {
            status: "COMPLETED".to_owned(),
        }],
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// Segment of the user id in `users/{id}/actions/associated_groups`.
const USER_SEGMENT: usize = 1;

/// `GET /users/{id}/actions/associated_groups?include=sources&page=&per_page=`
#[utoipa::path(
    operation_id = "users_associated_groups",
    get,
    path = "/crm/{version}/users/{id}/actions/associated_groups",
    tag = "user groups",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "User id"),
        crate::openapi::AssociatedGroupsQuery
    ),
    responses(
        (status = 200, description = "A page of the groups the user is a member of", body = orgdir_types::groups::AssociatedGroupsPage),
        (status = 204, description = "The user is a member of no group (a deleted user included)"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.user_groups.READ", "ZohoCRM.users.READ"]))
)]
async fn associated_groups(
    mut auth: Authed<UserGroupsOfUser>,
    params: Params,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let user = path_id(&id, USER_SEGMENT)?;
    let page = Page::parse(params.get("page"), params.get("per_page"), 200)?;
    let with_sources = match params.get("include") {
        None => false,
        Some("sources") => true,
        Some(_) => {
            return Err(
                Error::invalid_param("include", "the only value include takes is sources").into(),
            )
        }
    };
    let (rows, info) = service::of_user(
        &state.dir,
        &mut auth.caller,
        user,
        Assignment::Assigned,
        None,
        page,
        with_sources,
    )
    .await?
    .ok_or_else(|| Error::invalid_path(USER_SEGMENT, "the id given seems to be invalid"))?;
    if rows.is_empty() {
        return Ok(no_content());
    }
    let org = auth.caller.org();
    let user_groups = rows
        .into_iter()
        .map(|g| views::associated_group(org, g.details, g.sources, with_sources))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &AssociatedGroupsPage { user_groups, info },
    ))
}

/// `get_assigned` / `get_unassigned` (API-DESIGN 146): a page of the groups
/// the body's user is an associated user of (`Assigned`), or of the org's
/// other groups, each as the groups list shows it; 204 when none.
async fn assignment(
    auth: &mut Authed<UserGroupsOfUser>,
    state: &AppState,
    body: &serde_json::Value,
    key: &'static str,
    side: Assignment,
) -> Result<Response, ItemError> {
    let to_object = object_error(key);
    let query = AssignQuery::from_json(body, key).map_err(&to_object)?;
    let (rows, info) = service::of_user(
        &state.dir,
        &mut auth.caller,
        query.user,
        side,
        query.filter,
        query.page,
        true,
    )
    .await
    .map_err(&to_object)?
    .ok_or_else(|| {
        to_object(Error::invalid_field(
            format!("$.{key}.related_entity_id"),
            "the related_entity_id given seems to be invalid",
        ))
    })?;
    if rows.is_empty() {
        return Ok(no_content());
    }
    let org = auth.caller.org();
    let user_groups = rows.into_iter().map(|g| group_view(org, g)).collect();
    Ok(json_response(
        StatusCode::OK,
        &UserGroupsPage { user_groups, info },
    ))
}

/// `POST /settings/user_groups/actions/get_assigned`
#[utoipa::path(
    operation_id = "user_groups_get_assigned",
    post,
    path = "/crm/{version}/settings/user_groups/actions/get_assigned",
    tag = "user groups",
    params(
        crate::openapi::VersionPath
    ),
    request_body = orgdir_types::groups::GetAssignedBody,
    responses(
        (status = 200, description = "A page of the groups the user is an associated user of", body = orgdir_types::groups::UserGroupsPage),
        (status = 204, description = "The user is a member of no group passing the filters (a deleted user included)"),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.user_groups.READ", "ZohoCRM.users.READ"]))
)]
async fn get_assigned(
    mut auth: Authed<UserGroupsOfUser>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    assignment(
        &mut auth,
        &state,
        &body,
        "get_assigned",
        Assignment::Assigned,
    )
    .await
}

/// `POST /settings/user_groups/actions/get_unassigned`
#[utoipa::path(
    operation_id = "user_groups_get_unassigned",
    post,
    path = "/crm/{version}/settings/user_groups/actions/get_unassigned",
    tag = "user groups",
    params(
        crate::openapi::VersionPath
    ),
    request_body = orgdir_types::groups::GetUnassignedBody,
    responses(
        (status = 200, description = "A page of the org's groups the user is not an associated user of", body = orgdir_types::groups::UserGroupsPage),
        (status = 204, description = "Every group passing the filters has the user"),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.user_groups.READ", "ZohoCRM.users.READ"]))
)]
async fn get_unassigned(
    mut auth: Authed<UserGroupsOfUser>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    assignment(
        &mut auth,
        &state,
        &body,
        "get_unassigned",
        Assignment::Unassigned,
    )
    .await
}

/// `GET /settings/user_groups/{id}/actions/associations`: where the group is
/// used (sharing rules, workflows, assignment rules, approvals…). orgdir
/// holds none of those, so an existing group is used nowhere: 204.
#[utoipa::path(
    operation_id = "user_groups_associations",
    get,
    path = "/crm/{version}/settings/user_groups/{id}/actions/associations",
    tag = "user groups",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "User group id")
    ),
    responses(
        (status = 204, description = "The group is associated with nothing orgdir holds"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.user_groups.READ"]))
)]
async fn associations(
    mut auth: Authed<GroupsRead>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, GROUP_SEGMENT)?;
    service::sources_count(&state.dir, &mut auth.caller, id)
        .await?
        .ok_or_else(unknown_group)?;
    Ok(no_content())
}
