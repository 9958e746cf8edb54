//! The dashboard under `/_orgdir/ui/` (issue 15): server-rendered HTML
//! ([maud] templates, checked at compile time), inline SVG charts drawn on
//! the server, one embedded stylesheet and one small embedded script (the
//! journal's live refresh). Every page and action needs a session opened
//! with the admin key ([`session`]); every form carries the session's CSRF
//! token. Pages read through the same service functions as the API, so
//! their numbers are the API's.
//!
//! One module per page: [`orgs`] (the list and its actions), [`org`] (one
//! org at a glance), [`controls`] (the emulator controls and tokens), with
//! [`signin`], [`layout`], [`chart`] and [`reader`] beside them.

pub mod action;
pub mod chart;
pub mod controls;
pub mod layout;
pub mod org;
pub mod orgs;
pub mod reader;
pub mod session;
pub mod signin;

use crate::error::{describe, ApiError};
use crate::AppState;
use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::Markup;
use orgdir_core::Error;
use std::sync::Arc;

/// Where the dashboard lives.
pub const PREFIX: &str = "/_orgdir/ui";

/// The Content-Security-Policy of every dashboard answer: nothing inline,
/// nothing from elsewhere, no framing.
const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// What the dashboard's handlers share.
#[derive(Clone)]
pub struct UiApp {
    pub app: AppState,
    pub sessions: Arc<session::Sessions>,
    pub readers: Arc<reader::Readers>,
}

/// The dashboard's routes, over the server's state.
pub fn routes(app: AppState) -> Router<AppState> {
    let ui = UiApp {
        app,
        sessions: Arc::default(),
        readers: Arc::default(),
    };
    Router::new()
        .route(PREFIX, get(|| async { see_other(&format!("{PREFIX}/")) }))
        .route("/_orgdir/ui/", get(orgs::list))
        .route("/_orgdir/ui/login", get(signin::form).post(signin::sign_in))
        .route("/_orgdir/ui/logout", post(signin::sign_out))
        .route("/_orgdir/ui/static/style.css", get(style))
        .route("/_orgdir/ui/static/journal.js", get(script))
        .route("/_orgdir/ui/orgs", post(orgs::create))
        .route("/_orgdir/ui/orgs/import", post(orgs::import))
        .route("/_orgdir/ui/orgs/{org}", get(org::dashboard))
        .route("/_orgdir/ui/orgs/{org}/export", get(orgs::export))
        .route("/_orgdir/ui/orgs/{org}/confirm", get(orgs::confirm))
        .route("/_orgdir/ui/orgs/{org}/reset", post(orgs::reset))
        .route("/_orgdir/ui/orgs/{org}/delete", post(orgs::delete))
        .route("/_orgdir/ui/orgs/{org}/controls", get(controls::page))
        .route(
            "/_orgdir/ui/orgs/{org}/journal",
            get(controls::journal_rows),
        )
        .route("/_orgdir/ui/orgs/{org}/faults", post(controls::add_fault))
        .route(
            "/_orgdir/ui/orgs/{org}/faults/{id}/remove",
            post(controls::remove_fault),
        )
        .route("/_orgdir/ui/orgs/{org}/limits", post(controls::set_limits))
        .route(
            "/_orgdir/ui/orgs/{org}/clock",
            post(controls::advance_clock),
        )
        .route("/_orgdir/ui/orgs/{org}/tokens", post(controls::mint_token))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(ui)
}

/// Whether a request for `/` comes from a browser (it accepts `text/html`):
/// it is sent to the dashboard; anything else keeps Zoho's 404.
pub fn wants_dashboard(method: &axum::http::Method, path: &str, accept: Option<&str>) -> bool {
    method == axum::http::Method::GET
        && path == "/"
        && accept.is_some_and(|a| a.contains("text/html"))
}

/// 303 to `to`.
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

/// An HTML page.
pub fn html(markup: Markup) -> Response {
    html_with(StatusCode::OK, markup)
}

/// An HTML page with `status`.
pub fn html_with(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [(CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

/// Frames refused, a strict CSP, no sniffing, no referrer, and no caching
/// of pages (the static files say otherwise themselves).
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// `GET /_orgdir/ui/static/style.css`: the one stylesheet, embedded.
async fn style() -> Response {
    static_file("text/css; charset=utf-8", include_str!("style.css"))
}

/// `GET /_orgdir/ui/static/journal.js`: the journal's live refresh, embedded.
async fn script() -> Response {
    static_file("text/javascript; charset=utf-8", include_str!("journal.js"))
}

fn static_file(content_type: &'static str, text: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        text,
    )
        .into_response()
}

/// Why a dashboard request failed, answered as a page.
#[derive(Debug)]
pub enum UiError {
    /// What the API would have answered.
    Api(Error),
    /// The form's CSRF token is not the session's (403).
    Csrf,
    /// An action without a session (401).
    SignedOut,
}

impl From<Error> for UiError {
    fn from(e: Error) -> Self {
        UiError::Api(e)
    }
}

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        UiError::Api(e.0)
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            UiError::Api(e) => {
                crate::error::log_if_internal(e);
                let (status, body) = describe(e);
                (status, body.code, body.message)
            }
            UiError::Csrf => (
                StatusCode::FORBIDDEN,
                "CSRF_CHECK_FAILED".to_owned(),
                "The form is stale or was not sent by this dashboard. Go back, reload and try again."
                    .to_owned(),
            ),
            UiError::SignedOut => (
                StatusCode::UNAUTHORIZED,
                "SIGNED_OUT".to_owned(),
                "Sign in with the admin key first.".to_owned(),
            ),
        };
        html_with(status, layout::problem(&title, &message))
    }
}

/// A dashboard handler's result.
pub type UiResult = Result<Response, UiError>;
