//! The extractors of the pages and actions about one org: [`OrgPage`] (a
//! signed-in browser and the org named by the path) and [`OrgForm`] (the
//! same, with a posted form whose CSRF token has been checked first).

use super::orgs::org_of;
use super::session::SignedIn;
use super::{see_other, UiApp, PREFIX};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::Form;
use orgdir_core::org::Org;
use orgdir_core::Error;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The org id text of the path's `{org}`.
async fn org_text(parts: &mut Parts, ui: &UiApp) -> Result<String, Response> {
    let params = RawPathParams::from_request_parts(parts, ui)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(params
        .iter()
        .find(|(name, _)| *name == "org")
        .map(|(_, value)| value.to_owned())
        .unwrap_or_default())
}

/// A page about the org named by the path, for a signed-in browser.
pub struct OrgPage {
    pub signed: SignedIn,
    pub org: Org,
}

impl FromRequestParts<UiApp> for OrgPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, ui: &UiApp) -> Result<Self, Response> {
        let signed = SignedIn::from_request_parts(parts, ui).await?;
        let text = org_text(parts, ui).await?;
        let org = org_of(ui, &text)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(OrgPage { signed, org })
    }
}

/// A form that carries the session's CSRF token.
pub trait WithCsrf {
    /// The token the form carried.
    fn csrf(&self) -> &str;
}

/// A form posted about the org named by the path by a signed-in browser,
/// its CSRF token checked before anything is read.
pub struct OrgForm<T> {
    pub signed: SignedIn,
    pub org: Org,
    pub form: T,
}

impl<T> FromRequest<UiApp> for OrgForm<T>
where
    T: DeserializeOwned + WithCsrf + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, ui: &UiApp) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let signed = SignedIn::from_request_parts(&mut parts, ui).await?;
        let text = org_text(&mut parts, ui).await?;
        let Form(form) = Form::<T>::from_request(Request::from_parts(parts, body), ui)
            .await
            .map_err(|_| {
                super::UiError::Api(Error::invalid_field("$", "the form could not be read"))
                    .into_response()
            })?;
        signed
            .check(form.csrf())
            .map_err(IntoResponse::into_response)?;
        let org = org_of(ui, &text)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(OrgForm { signed, org, form })
    }
}

/// A form with only its CSRF token.
#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

impl WithCsrf for CsrfOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// A form as its name-value pairs in order (names may repeat).
#[derive(Deserialize)]
#[serde(transparent)]
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

impl WithCsrf for Pairs {
    fn csrf(&self) -> &str {
        self.get("csrf").unwrap_or_default()
    }
}

/// 303 back to a section (`anchor`) of the org's page `page` (`""` for
/// the org at a glance, `"/controls"`).
pub fn back_to(org: &Org, page: &str, anchor: &str) -> Response {
    see_other(&format!("{PREFIX}/orgs/{}{page}{anchor}", org.id))
}

/// Implements [`WithCsrf`] for forms with a `csrf` field.
macro_rules! with_csrf {
    ($($form:ty),* $(,)?) => {
        $(impl $crate::ui::action::WithCsrf for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })*
    };
}
pub(crate) use with_csrf;
