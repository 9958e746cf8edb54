//! The one domain error enum. The server maps each variant to an HTTP status
//! and a Zoho code in one place (`orgdir-server::error`).

/// Where a client mistake sits, carried into the error's `details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Details {
    /// `{}`
    None,
    /// A query parameter: `{"param_name": …}`.
    Param(String),
    /// A bad id in the URL: `{"resource_path_index": N}`, 0-based after `/crm/{version}/`.
    ResourcePathIndex(usize),
    /// A body value: `{"api_name": …, "json_path": …}`.
    Field { api_name: String, json_path: String },
    /// A record id: `{"id": …}`.
    Id(String),
}

impl Details {
    /// Details naming a body field by its JSON path (`$.users[0].email`); the
    /// `api_name` is the path's last key.
    pub fn field(json_path: impl Into<String>) -> Self {
        let json_path = json_path.into();
        let api_name = json_path
            .rsplit(['.', '['])
            .next()
            .unwrap_or_default()
            .trim_end_matches(']')
            .to_owned();
        Self::Field {
            api_name,
            json_path,
        }
    }
}

/// Everything that can go wrong in orgdir, client mistakes and faults alike.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Authentication failed")]
    AuthenticationFailure,
    #[error("invalid oauth token")]
    InvalidToken,
    #[error("invalid oauth scope to access this URL")]
    ScopeMismatch,
    #[error("An inactive user cannot access this API")]
    InactiveUser,
    #[error("permission denied")]
    NoPermission { permissions: Vec<String> },
    #[error("Please check if the URL trying to access is a correct one")]
    InvalidUrlPattern,
    /// A `module` parameter that names no module.
    #[error("the module name given seems to be invalid")]
    InvalidModule,
    #[error("The http request method type is not a valid one")]
    InvalidRequestMethod,
    #[error("the API is not supported in this version")]
    ApiNotSupported { supported_version: u32 },
    #[error("{message}")]
    InvalidData { message: String, details: Details },
    #[error("required field not found")]
    MandatoryNotFound { details: Details },
    /// None of several fields that are each optional was given (Zoho's
    /// `EXPECTED_FIELD_MISSING`): the JSON paths of those fields.
    #[error("Specify atleast one field")]
    ExpectedFieldMissing { json_paths: Vec<String> },
    #[error("required param not found")]
    RequiredParamMissing { param_name: String },
    #[error("{message}")]
    DuplicateData { message: String, details: Details },
    #[error("no user licence is available")]
    LicenseLimitExceeded,
    #[error("the user is already deleted")]
    IdAlreadyDeleted { id: String },
    #[error("the user is already active")]
    IdAlreadyActive { id: String },
    #[error("the user is already deactivated")]
    IdAlreadyDeactivated { id: String },
    #[error("a deleted user cannot be updated")]
    CannotUpdateDeletedUser { id: String },
    #[error("{message}")]
    NotAllowed { message: String, details: Details },
    #[error("the request body is too large")]
    PayloadTooLarge { maximum_length: usize },
    /// A profile over the org's limit.
    #[error("You have reached the maximum number of profiles for your org")]
    ProfileLimitExceeded { limit: usize },
    /// An uploaded file over its limit (the org photo).
    #[error("Please check if the file size is in the correct range")]
    FileTooLarge { maximum_size: usize },
    /// The request, or a statement or lock it waited for, took longer than
    /// the server allows (API-DESIGN 194): 503, never a 500.
    #[error("the request took too long; try again")]
    TimedOut,
    /// The database cannot be reached, or refuses writes (read-only, out of
    /// space): 503 `SERVICE_UNAVAILABLE` (API-DESIGN 204), never a 500. The
    /// cause goes to the log; the client learns only which of the two.
    #[error("{}", if *read_only { "the database refuses writes at the moment; try again later" } else { "the database is unavailable at the moment; try again later" })]
    Unavailable { read_only: bool },
    /// A storage or other internal fault. The text goes to the log, never to a client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// `INVALID_DATA` for a query parameter.
    pub fn invalid_param(param: &str, message: impl Into<String>) -> Self {
        Self::InvalidData {
            message: message.into(),
            details: Details::Param(param.to_owned()),
        }
    }

    /// `INVALID_DATA` for a body value at `json_path`.
    pub fn invalid_field(json_path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidData {
            message: message.into(),
            details: Details::field(json_path),
        }
    }

    /// A query parameter's `INVALID_DATA` (`{"param_name": p}`) as the
    /// mistake of the body field `p` inside the object at `object_path`,
    /// for a rule shared by a parameter and a body field (paging, filters).
    pub fn in_body(self, object_path: &str) -> Self {
        match self {
            Self::InvalidData {
                message,
                details: Details::Param(param),
            } => Self::invalid_field(format!("{object_path}.{param}"), message),
            other => other,
        }
    }

    /// `INVALID_DATA` for a bad id in the URL at segment `index`.
    pub fn invalid_path(index: usize, message: impl Into<String>) -> Self {
        Self::InvalidData {
            message: message.into(),
            details: Details::ResourcePathIndex(index),
        }
    }

    /// `MANDATORY_NOT_FOUND` for a body field.
    pub fn mandatory(json_path: impl Into<String>) -> Self {
        Self::MandatoryNotFound {
            details: Details::field(json_path),
        }
    }

    /// `INVALID_DATA` on `org`: the org a write or a control-plane call names does not exist.
    pub fn no_such_org() -> Self {
        Self::invalid_param("org", "no such org")
    }

    /// Whether this is [`Error::no_such_org`].
    pub fn is_no_such_org(&self) -> bool {
        matches!(self, Self::InvalidData { details: Details::Param(p), .. } if p == "org")
    }

    /// An internal fault with its cause.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// Whether this is the server's fault rather than the client's.
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Internal(_))
    }

    /// Whether the server or its database failed (a 5xx): a fault, an
    /// unavailable database or a timeout, never one item's mistake.
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            Self::Internal(_) | Self::TimedOut | Self::Unavailable { .. }
        )
    }
}

/// The domain's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_details_take_the_last_key_as_api_name() {
        assert_eq!(
            Details::field("$.users[0].last_name"),
            Details::Field {
                api_name: "last_name".into(),
                json_path: "$.users[0].last_name".into()
            }
        );
        assert_eq!(
            Details::field("$.users[0]"),
            Details::Field {
                api_name: "0".into(),
                json_path: "$.users[0]".into()
            }
        );
    }
}
