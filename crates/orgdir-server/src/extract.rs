//! Request extractors: the authenticated caller with the scopes an endpoint
//! requires, JSON bodies parsed whatever their content type, and query
//! parameters with Zoho-style errors.

use crate::error::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use orgdir_core::auth::Principal;
use orgdir_core::scopes::Scope;
use orgdir_core::sessions::Caller;
use orgdir_core::{Error, OrgId};
use serde_json::Value;
use std::marker::PhantomData;

/// The scopes an endpoint requires (all of them).
pub trait Requirement: Send + Sync + 'static {
    /// The scope strings; each parses with
    /// [`Scope::parse`](orgdir_core::scopes::Scope::parse) (a test checks).
    const SCOPES: &'static [&'static str];
    /// The permission an Administrator profile gives, when the endpoint
    /// writes (403 `NO_PERMISSION` for others, before the body is read).
    const ADMIN_PERMISSION: Option<&'static str> = None;

    /// [`Requirement::SCOPES`] parsed, once.
    fn parsed() -> &'static Result<Vec<Scope>, String>;
}

/// Parses an endpoint's scope strings (a test checks that every one parses).
fn parse_scopes(scopes: &[&str]) -> Result<Vec<Scope>, String> {
    scopes
        .iter()
        .map(|s| Scope::parse(s).map_err(|e| e.to_string()))
        .collect()
}

macro_rules! requirements {
    ($($(#[$doc:meta])* $name:ident => [$($scope:literal),+] $(admin $permission:literal)?;)*) => {
        $($(#[$doc])* pub struct $name;
        impl Requirement for $name {
            const SCOPES: &'static [&'static str] = &[$($scope),+];
            $(const ADMIN_PERMISSION: Option<&'static str> = Some($permission);)?

            fn parsed() -> &'static Result<Vec<Scope>, String> {
                static PARSED: std::sync::OnceLock<Result<Vec<Scope>, String>> =
                    std::sync::OnceLock::new();
                PARSED.get_or_init(|| parse_scopes(Self::SCOPES))
            }
        })*

        /// Every requirement's scopes, for the scope tests.
        pub const ALL_REQUIREMENTS: &[(&str, &[&str])] = &[$((stringify!($name), &[$($scope),+])),*];
    };
}

requirements! {
    /// Users list, get and count.
    UsersRead => ["ZohoCRM.users.READ"];
    /// `POST /users`.
    UsersCreate => ["ZohoCRM.users.CREATE"] admin "Crm_Implied_Manage_Users";
    /// `PUT /users`.
    UsersUpdate => ["ZohoCRM.users.UPDATE"] admin "Crm_Implied_Manage_Users";
    /// `DELETE /users/{id}`.
    UsersDelete => ["ZohoCRM.users.DELETE"] admin "Crm_Implied_Manage_Users";
    /// Transfer and delete a user (both `POST`s; `ALL` and `WRITE` imply `DELETE`).
    UsersTransfer => ["ZohoCRM.users.DELETE"] admin "Crm_Implied_Manage_Users";
    /// A transfer-and-delete job's status.
    UsersTransferRead => ["ZohoCRM.users.READ"];
    /// Roles list and get.
    RolesRead => ["ZohoCRM.settings.roles.READ"];
    /// `POST /settings/roles`.
    RolesCreate => ["ZohoCRM.settings.roles.CREATE"] admin "Crm_Implied_Manage_Roles";
    /// `PUT /settings/roles`.
    RolesUpdate => ["ZohoCRM.settings.roles.UPDATE"] admin "Crm_Implied_Manage_Roles";
    /// `DELETE /settings/roles/{id}`.
    RolesDelete => ["ZohoCRM.settings.roles.DELETE"] admin "Crm_Implied_Manage_Roles";
    /// Profiles list and get.
    ProfilesRead => ["ZohoCRM.settings.profiles.READ"];
    /// `POST /settings/profiles/{id}/actions/clone`.
    ProfilesClone => ["ZohoCRM.settings.profiles.CREATE"] admin "Crm_Implied_Manage_Profiles";
    /// `PUT /settings/profiles/{id}`.
    ProfilesUpdate => ["ZohoCRM.settings.profiles.UPDATE"] admin "Crm_Implied_Manage_Profiles";
    /// `DELETE /settings/profiles/{id}`.
    ProfilesDelete => ["ZohoCRM.settings.profiles.DELETE"] admin "Crm_Implied_Manage_Profiles";
    /// Territories list, get, children and the deleted associated territories.
    TerritoriesRead => ["ZohoCRM.settings.territories.READ"];
    /// `POST /settings/territories`.
    TerritoriesCreate => ["ZohoCRM.settings.territories.CREATE"] admin "Crm_Implied_Manage_Territories";
    /// `PUT /settings/territories`.
    TerritoriesUpdate => ["ZohoCRM.settings.territories.UPDATE"] admin "Crm_Implied_Manage_Territories";
    /// `DELETE /settings/territories` and `transfer_and_delete`.
    TerritoriesDelete => ["ZohoCRM.settings.territories.DELETE"] admin "Crm_Implied_Manage_Territories";
    /// The territory associated users count and reading territory users (both sides).
    TerritoryUsersRead => ["ZohoCRM.settings.territories.READ", "ZohoCRM.users.READ"];
    /// Associating and disassociating territory users (both sides).
    TerritoryUsersUpdate => ["ZohoCRM.settings.territories.UPDATE", "ZohoCRM.users.UPDATE"]
        admin "Crm_Implied_Manage_Territories";
    /// User groups read, sources, sources count, associated users count, grouped counts
    /// and deletion jobs.
    GroupsRead => ["ZohoCRM.settings.user_groups.READ"];
    /// The groups a user is associated with, or not (`associated_groups`,
    /// `get_assigned`, `get_unassigned`; both sides).
    UserGroupsOfUser => ["ZohoCRM.settings.user_groups.READ", "ZohoCRM.users.READ"];
    /// `POST /settings/user_groups`.
    GroupsCreate => ["ZohoCRM.settings.user_groups.CREATE"] admin "Crm_Implied_Manage_Groups";
    /// `PUT /settings/user_groups`.
    GroupsUpdate => ["ZohoCRM.settings.user_groups.UPDATE"] admin "Crm_Implied_Manage_Groups";
    /// `DELETE /settings/user_groups/{id}`.
    GroupsDelete => ["ZohoCRM.settings.user_groups.DELETE"] admin "Crm_Implied_Manage_Groups";
    /// Users' unavailability list and get (a non-admin sees only their own).
    UnavailabilityRead => ["ZohoCRM.settings.users_unavailability.READ"];
    /// `POST /settings/users_unavailability` (a non-admin marks only themselves).
    UnavailabilityCreate => ["ZohoCRM.settings.users_unavailability.CREATE"];
    /// `PUT /settings/users_unavailability` (a non-admin changes only their own).
    UnavailabilityUpdate => ["ZohoCRM.settings.users_unavailability.UPDATE"];
    /// `DELETE /settings/users_unavailability/{id}` (a non-admin deletes only their own).
    UnavailabilityDelete => ["ZohoCRM.settings.users_unavailability.DELETE"];
    /// `__features` and `__features/user_licenses`.
    FeaturesRead => ["ZohoCRM.features.READ"];
    /// `GET /org` and `GET /org/photo`.
    OrgRead => ["ZohoCRM.org.READ"];
    /// `POST /org/photo` (`WRITE` and `ALL` imply `CREATE`).
    OrgPhotoUpload => ["ZohoCRM.org.CREATE"] admin "Crm_Implied_Manage_Company_Details";
    /// `DELETE /org/photo`.
    OrgPhotoDelete => ["ZohoCRM.org.DELETE"] admin "Crm_Implied_Manage_Company_Details";
}

/// The caller of a request, authenticated and holding every scope of `R`.
pub struct Authed<R: Requirement> {
    pub caller: Caller,
    _requirement: PhantomData<R>,
}

impl<R: Requirement> Authed<R> {
    /// Who calls.
    pub fn principal(&self) -> &Principal {
        &self.caller
    }
}

impl<R: Requirement> FromRequestParts<AppState> for Authed<R> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = authenticate::<R>(parts, state).await?;
        Ok(Self {
            caller,
            _requirement: PhantomData,
        })
    }
}

/// Reads the token, finds it (in the session cache or the store), checks
/// the user and the `X-CRM-ORG` header, then the scopes and permission of `R`.
pub async fn authenticate<R: Requirement>(
    parts: &Parts,
    state: &AppState,
) -> Result<Caller, Error> {
    let header = match parts.headers.get(AUTHORIZATION) {
        None => None,
        Some(value) => Some(value.to_str().map_err(|_| Error::AuthenticationFailure)?),
    };
    let requirement = orgdir_core::sessions::Requirement {
        scopes: R::parsed().as_ref().map_err(Error::internal)?,
        admin_permission: R::ADMIN_PERMISSION,
    };
    // The journal records every call of a valid token of the org, refused
    // for its scopes or permission too (API-DESIGN 166).
    let named_org = |principal: &Principal| match parts.headers.get("x-crm-org") {
        None => Ok(()),
        Some(org) => {
            let named = org.to_str().ok().and_then(|t| OrgId::parse(t.trim()));
            if named == Some(principal.org) {
                Ok(())
            } else {
                Err(Error::InvalidData {
                    message: "the X-CRM-ORG header does not name the token's org".to_owned(),
                    details: orgdir_core::Details::Param("X-CRM-ORG".to_owned()),
                })
            }
        }
    };
    let precheck = |principal: &Principal| {
        crate::controls::record_caller(crate::controls::Recorded {
            org: principal.org,
            user_id: principal.user_id,
            client_id: principal.client_id.clone(),
        });
        named_org(principal)
    };
    state.dir.authenticate(header, requirement, precheck).await
}

/// A request body as bytes; over the limit is 413 in Zoho's envelope.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|rejection| {
                ApiError(
                    if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                        Error::PayloadTooLarge {
                            maximum_length: crate::MAX_BODY_BYTES,
                        }
                    } else {
                        Error::InvalidData {
                            message: "the request body could not be read".to_owned(),
                            details: orgdir_core::Details::None,
                        }
                    },
                )
            })
    }
}

/// Whether a JSON value holds a NUL character anywhere (PostgreSQL cannot store one).
fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// A JSON body, parsed whatever the request's `Content-Type` says.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        let invalid = |message: &str| {
            ApiError(Error::InvalidData {
                message: message.to_owned(),
                details: orgdir_core::Details::None,
            })
        };
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|_| invalid("the request body is not valid JSON"))?;
        if has_nul(&value) {
            return Err(invalid("the request body contains a NUL character"));
        }
        Ok(JsonBody(value))
    }
}

/// Path parameters; a segment that is not valid UTF-8 is `INVALID_DATA` in Zoho's envelope.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|_| {
                ApiError(Error::InvalidData {
                    message: "the URL holds characters that are not valid here".to_owned(),
                    details: orgdir_core::Details::None,
                })
            })
    }
}

/// Query parameters, decoded. The first of repeated names wins.
#[derive(Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// The value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if let Some((name, _)) = pairs
            .iter()
            .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(ApiError(Error::invalid_param(
                name,
                "a parameter holds a NUL character",
            )));
        }
        Ok(Self(pairs))
    }
}

/// A control-plane caller holding the admin key (`Authorization: Bearer <key>`
/// or `X-Orgdir-Admin-Key: <key>`); anything else is 401 `AUTHENTICATION_FAILURE`.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let presented = parts
            .headers
            .get("x-orgdir-admin-key")
            .and_then(|v| v.to_str().ok())
            .or_else(|| {
                parts
                    .headers
                    .get(AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
            })
            .unwrap_or_default();
        if state.settings.admin_key.matches(presented) {
            Ok(Admin)
        } else {
            // Only this request waits: guessing gets slow, others' calls do not.
            tokio::time::sleep(crate::admin_key::FAILURE_DELAY).await;
            Err(ApiError(Error::AuthenticationFailure))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_requirement_parses() {
        for (name, scopes) in ALL_REQUIREMENTS {
            for scope in *scopes {
                assert!(Scope::parse(scope).is_ok(), "{name}: {scope}");
            }
        }
        let parsed = TerritoryUsersRead::parsed().as_ref().expect("parsed");
        assert_eq!(parsed.len(), 2);
    }
}
