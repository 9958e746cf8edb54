//! The Zoho API routes, one module per area, and the fallbacks that answer
//! unknown paths and methods in Zoho's envelope.

pub mod users;

use crate::error::ApiError;
use crate::AppState;
use axum::response::{IntoResponse, Response};
use axum::Router;
use orgdir_core::Error;

/// Every Zoho route orgdir serves.
pub fn zoho_routes() -> Router<AppState> {
    Router::new().merge(users::routes())
}

/// 404 `INVALID_URL_PATTERN` for a path no route matches.
pub async fn unknown_path() -> Response {
    ApiError(Error::InvalidUrlPattern).into_response()
}

/// 400 `INVALID_REQUEST_METHOD` for a known path with a method it lacks.
pub async fn unknown_method() -> Response {
    ApiError(Error::InvalidRequestMethod).into_response()
}
