//! The Zoho API routes, one module per area, the helpers they share, and
//! the fallbacks that answer unknown paths and methods in Zoho's envelope.

pub mod control;
pub mod features;
pub mod oauth;
pub mod org;
pub mod profiles;
pub mod roles;
pub mod territories;
pub mod user_groups;
pub mod users;
pub mod users_transfer;
pub mod users_unavailability;

use crate::error::{describe, json_response, ApiError};
use crate::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use orgdir_core::input::body_array;
use orgdir_core::{Error, ZohoId};
use orgdir_types::ActionResult;
use serde_json::{json, Value};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Every Zoho route orgdir serves, with its OpenAPI documentation.
pub fn zoho_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .merge(users::routes())
        .merge(users_transfer::routes())
        .merge(roles::routes())
        .merge(profiles::routes())
        .merge(territories::routes())
        .merge(user_groups::routes())
        .merge(users_unavailability::routes())
        .merge(features::routes())
        .merge(org::routes())
}

/// 404 `INVALID_URL_PATTERN` for a path no route matches — but a browser
/// asking for `/` (`Accept: text/html`) is sent to the dashboard.
pub async fn unknown_path(request: axum::extract::Request) -> Response {
    let accept = request
        .headers()
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    if crate::ui::wants_dashboard(request.method(), request.uri().path(), accept) {
        return crate::ui::see_other(&format!("{}/", crate::ui::PREFIX));
    }
    ApiError(Error::InvalidUrlPattern).into_response()
}

/// 400 `INVALID_REQUEST_METHOD` for a known path with a method it lacks.
pub async fn unknown_method() -> Response {
    ApiError(Error::InvalidRequestMethod).into_response()
}

/// Most items one bulk write may carry.
pub const MAX_ITEMS: usize = 100;

/// An id in the URL at segment `index` (0-based after `/crm/{version}/`).
pub fn path_id(text: &str, index: usize) -> Result<ZohoId, Error> {
    ZohoId::parse(text)
        .ok_or_else(|| Error::invalid_path(index, "the id given seems to be invalid"))
}

/// The `job_id` query parameter of a job's status (transfer and delete,
/// group deletion): missing is `REQUIRED_PARAM_MISSING`, not an id
/// `INVALID_DATA`, both with `{"param_name":"job_id"}`.
pub fn job_id(text: Option<&str>) -> Result<ZohoId, Error> {
    match text {
        None => Err(Error::RequiredParamMissing {
            param_name: "job_id".to_owned(),
        }),
        Some(text) => ZohoId::parse(text.trim()).ok_or_else(invalid_job_id),
    }
}

/// `INVALID_DATA` `{"param_name":"job_id"}`.
pub fn invalid_job_id() -> Error {
    Error::invalid_param("job_id", "the job_id given seems to be invalid")
}

/// A comma-separated id list in the query parameter `param`, at most `max` ids.
pub fn query_ids(text: &str, param: &str, max: usize) -> Result<Vec<ZohoId>, Error> {
    let ids = text
        .split(',')
        .map(|id| ZohoId::parse(id.trim()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            Error::invalid_param(
                param,
                format!("{param} must be a comma-separated list of ids"),
            )
        })?;
    if ids.len() > max {
        return Err(Error::invalid_param(
            param,
            format!("at most {max} ids can be given"),
        ));
    }
    Ok(ids)
}

/// The items of a bulk write body (`{"<key>":[…]}`), at most [`MAX_ITEMS`].
pub fn body_items<'a>(body: &'a Value, key: &str) -> Result<&'a Vec<Value>, Error> {
    body_items_at_most(body, key, MAX_ITEMS)
}

/// The items of a bulk write body (`{"<key>":[…]}`), at most `max`.
pub fn body_items_at_most<'a>(
    body: &'a Value,
    key: &str,
    max: usize,
) -> Result<&'a Vec<Value>, Error> {
    let items = body_array(body, key)?;
    if items.len() > max {
        return Err(Error::invalid_field(
            format!("$.{key}"),
            format!("at most {max} items can be given per request"),
        ));
    }
    Ok(items)
}

/// Runs `write` on each item of a bulk write body (`{"<key>":[…]}`), in
/// order, with the item's JSON path (`$.<key>[i]`): one result per item.
pub async fn each_item<F, Fut>(
    body: &Value,
    key: &str,
    mut write: F,
) -> Result<Vec<Result<ZohoId, Error>>, Error>
where
    F: FnMut(Value, String) -> Fut,
    Fut: std::future::Future<Output = Result<ZohoId, Error>>,
{
    let items = body_items(body, key)?;
    let mut results = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        results.push(write(item.clone(), format!("$.{key}[{i}]")).await);
    }
    Ok(results)
}

/// The `id` inside an item of a bulk update, and the error for an id that
/// names nothing (`INVALID_DATA` at `<path>.id`).
pub fn item_id(
    item: &Value,
    path: &str,
) -> Result<(ZohoId, impl FnOnce() -> Error + Send + 'static), Error> {
    let fields = orgdir_core::input::Fields::new(item, path)?;
    let id_path = fields.path_of("id");
    let id = match fields.map.get("id") {
        None | Some(Value::Null) => Err(Error::mandatory(&id_path)),
        Some(value) => orgdir_core::input::reference(value, &id_path),
    }?;
    Ok((id, move || {
        Error::invalid_field(id_path, "the id given seems to be invalid")
    }))
}

/// The one item of a single-item write body.
pub fn single_item<'a>(body: &'a Value, key: &str) -> Result<&'a Value, Error> {
    match body_array(body, key)?.as_slice() {
        [one] => Ok(one),
        _ => Err(Error::invalid_field(
            format!("$.{key}"),
            "only one item can be given per request",
        )),
    }
}

/// The answer to a successful write of one record: `{"<resource>":[success]}`.
pub fn written(resource: &str, id: ZohoId, message: &str, status: StatusCode) -> Response {
    json_response(
        status,
        &json!({ resource: [ActionResult::success(id.to_string(), message)] }),
    )
}

/// The per-item answer of a write: `{"<resource>":[result, …]}`. All
/// succeeded: `success`; all failed: 400; a mix: 200 (SPEC 1). A fault
/// (an internal error, an unavailable database, a timeout) aborts with its
/// own 5xx envelope.
pub fn item_results(
    resource: &str,
    results: Vec<Result<ZohoId, Error>>,
    message: &str,
    success: StatusCode,
) -> Result<Response, ApiError> {
    let mut items = Vec::with_capacity(results.len());
    let mut failed = 0;
    for result in results {
        match result {
            Ok(id) => items.push(json!(ActionResult::success(id.to_string(), message))),
            Err(e) if e.is_fault() => return Err(ApiError(e)),
            Err(e) => {
                failed += 1;
                items.push(json!(describe(&e).1));
            }
        }
    }
    let status = match failed {
        0 => success,
        n if n == items.len() => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    Ok(json_response(status, &json!({ resource: items })))
}
