//! Dashboard sessions: signing in with the admin key gives a random session
//! id in an `HttpOnly`, `SameSite=Strict` cookie scoped to `/_orgdir/ui`;
//! the session holds a random CSRF token every form carries back. Sessions
//! live in memory only (a restart signs everyone out) and expire when idle.

use super::{UiApp, UiError, PREFIX};
use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, LOCATION};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie's name.
pub const COOKIE_NAME: &str = "orgdir_ui";
/// A session unused this long is gone.
const IDLE: Duration = Duration::from_secs(8 * 3600);
/// Most sessions held at once; signing in past it drops the oldest.
const MAX_SESSIONS: usize = 1000;

/// One signed-in browser.
struct Session {
    csrf: String,
    last_seen: Instant,
}

/// Every signed-in browser of this process.
#[derive(Default)]
pub struct Sessions {
    by_id: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// A new session: its id (the cookie's value).
    pub fn open(&self) -> String {
        let id = crate::random_secret();
        let mut map = self.by_id.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, s| s.last_seen.elapsed() < IDLE);
        if map.len() >= MAX_SESSIONS {
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.last_seen)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(
            id.clone(),
            Session {
                csrf: crate::random_secret(),
                last_seen: Instant::now(),
            },
        );
        id
    }

    /// The CSRF token of a live session (and marks it used).
    fn touch(&self, id: &str) -> Option<String> {
        let mut map = self.by_id.lock().unwrap_or_else(|p| p.into_inner());
        match map.get_mut(id) {
            Some(s) if s.last_seen.elapsed() < IDLE => {
                s.last_seen = Instant::now();
                Some(s.csrf.clone())
            }
            Some(_) => {
                map.remove(id);
                None
            }
            None => None,
        }
    }

    /// Ends a session.
    pub fn close(&self, id: &str) {
        self.by_id
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }
}

/// The `Set-Cookie` value that starts a session (`Secure` when the server's
/// public URL is `https`).
pub fn set_cookie(id: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE_NAME}={id}; Path={PREFIX}; HttpOnly; SameSite=Strict{secure}")
}

/// The `Set-Cookie` value that ends a session.
pub fn clear_cookie() -> String {
    format!("{COOKIE_NAME}=; Path={PREFIX}; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The session cookie's value in a request, if any.
fn cookie_value(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
}

/// A request from a signed-in browser. Without one, a page (`GET`) is
/// redirected to the sign-in page and an action is refused with 401.
pub struct SignedIn {
    /// The session id.
    pub id: String,
    /// The session's CSRF token, for the forms of the page.
    pub csrf: String,
}

impl SignedIn {
    /// Refuses a form whose CSRF token is not this session's (403).
    pub fn check(&self, presented: &str) -> Result<(), UiError> {
        if bool::from(subtle::ConstantTimeEq::ct_eq(
            presented.as_bytes(),
            self.csrf.as_bytes(),
        )) {
            Ok(())
        } else {
            Err(UiError::Csrf)
        }
    }
}

impl FromRequestParts<UiApp> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, ui: &UiApp) -> Result<Self, Self::Rejection> {
        let found =
            cookie_value(parts).and_then(|id| ui.sessions.touch(&id).map(|csrf| (id, csrf)));
        match found {
            Some((id, csrf)) => Ok(SignedIn { id, csrf }),
            None if parts.method == Method::GET || parts.method == Method::HEAD => Err((
                StatusCode::SEE_OTHER,
                [(LOCATION, format!("{PREFIX}/login"))],
            )
                .into_response()),
            None => Err(UiError::SignedOut.into_response()),
        }
    }
}
