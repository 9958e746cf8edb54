//! The one place where a domain [`Error`] becomes an HTTP status and Zoho's
//! error envelope. Internal causes are logged here and never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use orgdir_core::{Details, Error};
use orgdir_types::{ErrorBody, ErrorCode};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Zoho's JSON content type, exactly as Zoho sends it.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// A JSON response with Zoho's content type.
pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(JSON_CONTENT_TYPE),
            )],
            bytes,
        )
            .into_response(),
        Err(e) => ApiError(Error::internal(e)).into_response(),
    }
}

/// Marks `response` with the error code of `body`, for the request journal
/// ([`crate::controls::AnswerCode`]).
pub fn with_code(mut response: Response, body: &ErrorBody) -> Response {
    if let Some(code) = body.error_code() {
        response
            .extensions_mut()
            .insert(crate::controls::AnswerCode(code.as_str()));
    }
    response
}

/// 204 with no body and no content type.
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

fn details_map(details: &Details) -> Map<String, Value> {
    let value = match details {
        Details::None => json!({}),
        Details::Param(name) => json!({ "param_name": name }),
        Details::ResourcePathIndex(index) => json!({ "resource_path_index": index }),
        Details::Field {
            api_name,
            json_path,
        } => json!({ "api_name": api_name, "json_path": json_path }),
        Details::Id(id) => json!({ "id": id }),
    };
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The status, code and details of every error: the single mapping.
pub fn describe(error: &Error) -> (StatusCode, ErrorBody) {
    use ErrorCode as C;
    let none = Map::new();
    let (status, code, details) = match error {
        Error::AuthenticationFailure => (StatusCode::UNAUTHORIZED, C::AuthenticationFailure, none),
        Error::InvalidToken => (StatusCode::UNAUTHORIZED, C::InvalidToken, none),
        Error::ScopeMismatch => (StatusCode::UNAUTHORIZED, C::OauthScopeMismatch, none),
        Error::InactiveUser => (StatusCode::FORBIDDEN, C::InactiveUser, none),
        Error::NoPermission { permissions } => (
            StatusCode::FORBIDDEN,
            C::NoPermission,
            details_map_value(json!({ "permissions": permissions })),
        ),
        Error::InvalidUrlPattern => (StatusCode::NOT_FOUND, C::InvalidUrlPattern, none),
        Error::InvalidModule => (
            StatusCode::BAD_REQUEST,
            C::InvalidModule,
            details_map(&Details::Param("module".to_owned())),
        ),
        Error::InvalidRequestMethod => (StatusCode::BAD_REQUEST, C::InvalidRequestMethod, none),
        Error::ApiNotSupported { supported_version } => (
            StatusCode::BAD_REQUEST,
            C::ApiNotSupported,
            details_map_value(json!({ "supported_version": supported_version })),
        ),
        Error::InvalidData { details, .. } => (
            StatusCode::BAD_REQUEST,
            C::InvalidData,
            details_map(details),
        ),
        Error::MandatoryNotFound { details } => (
            StatusCode::BAD_REQUEST,
            C::MandatoryNotFound,
            details_map(details),
        ),
        Error::ExpectedFieldMissing { json_paths } => (
            StatusCode::BAD_REQUEST,
            C::ExpectedFieldMissing,
            details_map_value(json!({
                "expected_data": json_paths
                    .iter()
                    .map(|path| Value::Object(details_map(&Details::field(path))))
                    .collect::<Vec<_>>()
            })),
        ),
        Error::RequiredParamMissing { param_name } => (
            StatusCode::BAD_REQUEST,
            C::RequiredParamMissing,
            details_map(&Details::Param(param_name.clone())),
        ),
        Error::DuplicateData { details, .. } => (
            StatusCode::BAD_REQUEST,
            C::DuplicateData,
            details_map(details),
        ),
        Error::LicenseLimitExceeded => (StatusCode::BAD_REQUEST, C::LicenseLimitExceeded, none),
        Error::IdAlreadyDeleted { id } => {
            (StatusCode::BAD_REQUEST, C::IdAlreadyDeleted, id_details(id))
        }
        Error::IdAlreadyActive { id } => {
            (StatusCode::BAD_REQUEST, C::IdAlreadyActive, id_details(id))
        }
        Error::IdAlreadyDeactivated { id } => (
            StatusCode::BAD_REQUEST,
            C::IdAlreadyDeactivated,
            id_details(id),
        ),
        Error::CannotUpdateDeletedUser { id } => (
            StatusCode::BAD_REQUEST,
            C::CannotUpdateDeletedUser,
            id_details(id),
        ),
        Error::NotAllowed { details, .. } => {
            (StatusCode::BAD_REQUEST, C::NotAllowed, details_map(details))
        }
        Error::PayloadTooLarge { maximum_length } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            C::InvalidData,
            details_map_value(json!({ "maximum_length": maximum_length })),
        ),
        Error::ProfileLimitExceeded { limit } => (
            StatusCode::BAD_REQUEST,
            C::ProfileLimitExceeded,
            details_map_value(json!({ "limit": limit })),
        ),
        Error::FileTooLarge { maximum_size } => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            C::FileSizeMoreThanAllowedSize,
            details_map_value(json!({ "maximum_size": maximum_size })),
        ),
        Error::TimedOut => (StatusCode::SERVICE_UNAVAILABLE, C::RequestTimeout, none),
        Error::Unavailable { .. } => (StatusCode::SERVICE_UNAVAILABLE, C::ServiceUnavailable, none),
        Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, C::InternalError, none),
    };
    let message = match error {
        Error::Internal(_) => "Internal Server Error".to_owned(),
        other => other.to_string(),
    };
    (status, ErrorBody::new(code, message, details))
}

fn details_map_value(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn id_details(id: &str) -> Map<String, Value> {
    details_map(&Details::Id(id.to_owned()))
}

pub(crate) fn log_if_internal(error: &Error) {
    if let Error::Internal(cause) = error {
        tracing::error!(%cause, "internal error");
    }
}

/// An error answered with the bare envelope.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        Self(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log_if_internal(&self.0);
        let (status, body) = describe(&self.0);
        with_code(json_response(status, &body), &body)
    }
}

/// An error about one item of a write, answered inside the resource array
/// (`{"users":[{…error…}]}`) as Zoho does — or, for a body that is one
/// object (`{"get_assigned":{…}}`), as that one object's error
/// (`{"get_assigned":{…error…}}`); errors that are not about the item
/// (auth, permission, faults, a bad URL, the body as a whole) keep the bare
/// envelope.
#[derive(Debug)]
pub struct ItemError {
    pub resource: &'static str,
    pub error: Error,
    /// The body's `resource` is one object rather than an array of items.
    pub one_object: bool,
}

impl ItemError {
    /// Item errors name a place inside an item (`$.users[0]…`, or
    /// `$.get_assigned.…` for a one-object body) or an id; an error about
    /// the body as a whole (`$.users` missing) is not one.
    fn is_about_the_item(&self) -> bool {
        let inside_an_item = |details: &Details| match details {
            Details::Field { json_path, .. } if self.one_object => json_path
                .strip_prefix("$.")
                .and_then(|rest| rest.strip_prefix(self.resource))
                .is_some_and(|rest| rest.starts_with('.')),
            Details::Field { json_path, .. } => json_path.contains('['),
            Details::Id(_) => true,
            _ => false,
        };
        match &self.error {
            Error::InvalidData { details, .. }
            | Error::MandatoryNotFound { details }
            | Error::DuplicateData { details, .. }
            | Error::NotAllowed { details, .. } => inside_an_item(details),
            Error::LicenseLimitExceeded
            | Error::ExpectedFieldMissing { .. }
            | Error::IdAlreadyDeleted { .. }
            | Error::IdAlreadyActive { .. }
            | Error::IdAlreadyDeactivated { .. }
            | Error::CannotUpdateDeletedUser { .. } => true,
            _ => false,
        }
    }
}

impl IntoResponse for ItemError {
    fn into_response(self) -> Response {
        if !self.is_about_the_item() {
            return ApiError(self.error).into_response();
        }
        let (status, body) = describe(&self.error);
        let response = if self.one_object {
            json_response(status, &json!({ self.resource: body }))
        } else {
            json_response(status, &json!({ self.resource: [body] }))
        };
        with_code(response, &body)
    }
}

/// Wraps errors of a write on `resource` as [`ItemError`]s.
pub fn item_error(resource: &'static str) -> impl Fn(Error) -> ItemError {
    move |error| ItemError {
        resource,
        error,
        one_object: false,
    }
}

/// Wraps errors of a request whose body is the one object under `key` as
/// [`ItemError`]s answered `{"<key>":{…error…}}`.
pub fn object_error(key: &'static str) -> impl Fn(Error) -> ItemError {
    move |error| ItemError {
        resource: key,
        error,
        one_object: true,
    }
}

/// The response to a handler's panic ([`crate::call`]): a 500 in the envelope.
pub fn panic_response() -> Response {
    ApiError(Error::Internal("a request handler panicked".to_owned())).into_response()
}
