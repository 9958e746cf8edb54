//! The Zoho error envelope (`{"code","details","message","status"}`) and its codes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Zoho's error body. All four keys are always present; `details` is `{}`
/// when there is nothing to add.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub code: String,
    #[serde(default)]
    #[schema(required = true)]
    pub details: Map<String, Value>,
    #[serde(default)]
    #[schema(required = true)]
    pub message: String,
    #[serde(default = "error_status")]
    #[schema(required = true)]
    pub status: String,
}

fn error_status() -> String {
    "error".to_owned()
}

impl ErrorBody {
    /// Builds an error body with `status: "error"`.
    pub fn new(code: ErrorCode, message: impl Into<String>, details: Map<String, Value>) -> Self {
        Self {
            code: code.as_str().to_owned(),
            details,
            message: message.into(),
            status: error_status(),
        }
    }

    /// The code as a known [`ErrorCode`], if it is one.
    pub fn error_code(&self) -> Option<ErrorCode> {
        ErrorCode::parse(&self.code)
    }
}

macro_rules! error_codes {
    ($($variant:ident => $text:literal),* $(,)?) => {
        /// Every Zoho error code orgdir sends (SPEC 1.1 and the per-resource codes).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode { $($variant),* }

        impl ErrorCode {
            /// The code as it appears on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            /// Parses a wire code.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

error_codes! {
    AuthenticationFailure => "AUTHENTICATION_FAILURE",
    InvalidToken => "INVALID_TOKEN",
    OauthScopeMismatch => "OAUTH_SCOPE_MISMATCH",
    InactiveUser => "INACTIVE_USER",
    NoPermission => "NO_PERMISSION",
    InvalidUrlPattern => "INVALID_URL_PATTERN",
    InvalidRequestMethod => "INVALID_REQUEST_METHOD",
    ApiNotSupported => "API_NOT_SUPPORTED",
    InvalidData => "INVALID_DATA",
    InvalidModule => "INVALID_MODULE",
    MandatoryNotFound => "MANDATORY_NOT_FOUND",
    RequiredParamMissing => "REQUIRED_PARAM_MISSING",
    DuplicateData => "DUPLICATE_DATA",
    LicenseLimitExceeded => "LICENSE_LIMIT_EXCEEDED",
    IdAlreadyDeleted => "ID_ALREADY_DELETED",
    IdAlreadyActive => "ID_ALREADY_ACTIVE",
    IdAlreadyDeactivated => "ID_ALREADY_DEACTIVATED",
    CannotUpdateDeletedUser => "CANNOT_UPDATE_DELETED_USER",
    NotAllowed => "NOT_ALLOWED",
    FileSizeMoreThanAllowedSize => "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
    ProfileLimitExceeded => "PROFILE_LIMIT_EXCEEDED",
    ExpectedFieldMissing => "EXPECTED_FIELD_MISSING",
    TooManyRequests => "TOO_MANY_REQUESTS",
    RequestTimeout => "REQUEST_TIMEOUT",
    ServiceUnavailable => "SERVICE_UNAVAILABLE",
    InternalError => "INTERNAL_ERROR",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_always_has_four_keys() {
        let body = ErrorBody::new(ErrorCode::InvalidToken, "invalid oauth token", Map::new());
        let json = serde_json::to_value(&body).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"})
        );
    }

    #[test]
    fn codes_round_trip() {
        for code in [
            ErrorCode::InvalidData,
            ErrorCode::LicenseLimitExceeded,
            ErrorCode::InternalError,
        ] {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("NOPE"), None);
    }
}
