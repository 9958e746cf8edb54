//! `/crm/{v}/users/{id}/actions/transfer_and_delete`,
//! `/crm/{v}/users/actions/transfer_and_delete`: transfer what a user holds
//! and delete the user (one user per request), and a job's status
//! (API-DESIGN 150 to 157).

use super::{invalid_job_id, job_id, path_id};
use crate::error::{item_error, json_response, ApiError, ItemError};
use crate::extract::{Authed, JsonBody, Params, Path, UsersTransfer, UsersTransferRead};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use orgdir_core::service::transfer::{self as service, Accepted};
use orgdir_core::transfer::{self, TransferAndDelete, ITEM_PATH, KEY};
use orgdir_core::Error;
use orgdir_types::transfer::{JobStatus, JobStatusBody, TransferResult, TransferResults};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The transfer-and-delete routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(transfer_in_body, status))
        .routes(routes!(transfer_one))
}

/// The index of the user id in `/crm/{v}/users/{id}/…` (after the version).
const USER_ID_SEGMENT: usize = 1;

fn unknown_user() -> Error {
    Error::invalid_path(USER_ID_SEGMENT, "the id given seems to be invalid")
}

fn unknown_user_in_body() -> Error {
    Error::invalid_field(
        format!("{ITEM_PATH}.id"),
        "the id given seems to be invalid",
    )
}

/// The answer to an accepted request: 200 with the job's id (`jobId`) and
/// the user's. A job that failed is logged with its cause.
fn accepted(done: Accepted) -> Response {
    if let Some(cause) = &done.failure {
        tracing::error!(job = %done.job, user = %done.user, %cause, "transfer-and-delete job failed");
    }
    let body = TransferResults {
        transfer_and_delete: vec![TransferResult::success(
            done.job.to_string(),
            done.user.to_string(),
        )],
    };
    json_response(StatusCode::OK, &body)
}

/// `POST /users/{id}/actions/transfer_and_delete`
#[utoipa::path(
    operation_id = "users_transfer_and_delete_one",
    post,
    path = "/crm/{version}/users/{id}/actions/transfer_and_delete",
    tag = "users",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "The user to delete")
    ),
    request_body = orgdir_types::transfer::TransferAndDeleteBody,
    responses(
        (status = 200, description = "The job, run before the answer", body = TransferResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.users.DELETE"]))
)]
async fn transfer_one(
    auth: Authed<UsersTransfer>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error(KEY);
    let id = path_id(&id, USER_ID_SEGMENT).map_err(&to_item)?;
    let item = transfer::item(&body).map_err(&to_item)?;
    let request = TransferAndDelete::from_json(item, Some(id)).map_err(&to_item)?;
    let done = service::transfer_and_delete(&state.dir, &auth.caller, request, unknown_user)
        .await
        .map_err(&to_item)?;
    Ok(accepted(done))
}

/// `POST /users/actions/transfer_and_delete` (the user's id in the item).
#[utoipa::path(
    operation_id = "users_transfer_and_delete",
    post,
    path = "/crm/{version}/users/actions/transfer_and_delete",
    tag = "users",
    params(
        crate::openapi::VersionPath
    ),
    request_body = orgdir_types::transfer::TransferAndDeleteBody,
    responses(
        (status = 200, description = "The job, run before the answer", body = TransferResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.users.DELETE"]))
)]
async fn transfer_in_body(
    auth: Authed<UsersTransfer>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error(KEY);
    let item = transfer::item(&body).map_err(&to_item)?;
    let request = TransferAndDelete::from_json(item, None).map_err(&to_item)?;
    let done =
        service::transfer_and_delete(&state.dir, &auth.caller, request, unknown_user_in_body)
            .await
            .map_err(&to_item)?;
    Ok(accepted(done))
}

/// `GET /users/actions/transfer_and_delete?job_id=`
#[utoipa::path(
    operation_id = "users_transfer_and_delete_status",
    get,
    path = "/crm/{version}/users/actions/transfer_and_delete",
    tag = "users",
    params(
        crate::openapi::VersionPath,
        crate::openapi::JobQuery
    ),
    responses(
        (status = 200, description = "The job's status: completed or failed", body = JobStatusBody),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.users.READ"]))
)]
async fn status(
    mut auth: Authed<UsersTransferRead>,
    params: Params,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let id = job_id(params.get("job_id"))?;
    let job = service::job(&state.dir, &mut auth.caller, id)
        .await?
        .ok_or_else(invalid_job_id)?;
    let body = JobStatusBody {
        transfer_and_delete: vec![JobStatus {
            status: job.status.as_str().to_owned(),
            reason: job.reason,
        }],
    };
    Ok(json_response(StatusCode::OK, &body))
}
