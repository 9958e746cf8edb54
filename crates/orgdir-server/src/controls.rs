//! The emulator controls on the request path (SPEC 11, API-DESIGN 166–171):
//! one middleware records every call authenticated to an org in the org's
//! journal, and applies the org's fault rules before the handler runs.
//!
//! The middleware does not authenticate. It puts a [`CallerSlot`] into the
//! request; whoever authenticates the call (the `Authed` extractor, the
//! OAuth token endpoint) fills it, and the middleware reads it once the
//! handler has answered. A call whose slot stays empty (no valid token, the
//! control plane, an unknown path) is not journaled. Only when some org holds
//! a fault rule does the middleware look the token up itself, through the
//! session cache, to learn the org before the handler runs.

use crate::error::json_response;
use crate::AppState;
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use orgdir_core::controls::faults::{Action, Fired};
use orgdir_core::controls::journal::{body_value, scrub_query, Entry, BODY_LIMIT};
use orgdir_core::{OrgId, ZohoId};
use orgdir_types::ErrorBody;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// Who a call was authenticated as: filled by whoever authenticates it.
#[derive(Debug, Clone, Default)]
pub struct CallerSlot(Arc<OnceLock<Recorded>>);

/// The org, user and OAuth client of an authenticated call.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub org: OrgId,
    pub user_id: ZohoId,
    pub client_id: Option<String>,
}

impl CallerSlot {
    /// Records the caller (the first record wins).
    pub fn fill(&self, recorded: Recorded) {
        let _ = self.0.set(recorded);
    }

    fn get(&self) -> Option<&Recorded> {
        self.0.get()
    }
}

/// A response extension: the error code of the answer, for the journal.
#[derive(Debug, Clone, Copy)]
pub struct AnswerCode(pub &'static str);

/// A response extension: close the connection instead of answering (a
/// `drop` fault). [`crate::serve`] turns it into a service error, on which
/// hyper closes the connection without writing anything.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// Whether the call goes to the control plane (never journaled or faulted).
fn is_control_plane(path: &str) -> bool {
    path.starts_with("/_orgdir/") || path == "/_orgdir"
}

/// The middleware: see the module's documentation.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_control_plane(request.uri().path()) {
        return next.run(request).await;
    }
    let start = Instant::now();
    let time_ms = chrono::Utc::now().timestamp_millis();
    let method = request.method().clone();
    let uri = request.uri().clone();
    let form = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let slot = CallerSlot::default();
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(slot.clone());

    // The first bytes of the body are read before the handler runs (so the
    // journal holds them whether or not the handler reads the body), then
    // handed on in front of the rest. A call without a body skips this.
    let (body, kept) = if axum::body::HttpBody::size_hint(&body).exact() == Some(0) {
        (body, None)
    } else {
        let (body, first, total) = read_first(body).await;
        (body, Some((first, total)))
    };
    let request = Request::from_parts(parts, body);

    let fired = if state.dir.controls().faults.any() {
        let header = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned);
        fault_for(&state, header, method.as_str(), uri.path(), &slot).await
    } else {
        None
    };
    let (response, answered) = match fired.as_ref().map(|f| &f.action) {
        None => (next.run(request).await, true),
        Some(Action::Delay(delay)) => {
            tokio::time::sleep(*delay).await;
            (next.run(request).await, true)
        }
        Some(Action::Error {
            status,
            code,
            message,
        }) => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = ErrorBody {
                code: code.clone(),
                details: serde_json::Map::new(),
                message: message.clone(),
                status: "error".to_owned(),
            };
            (json_response(status, &body), true)
        }
        Some(Action::Drop) => {
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(DropConnection);
            (response, false)
        }
    };

    if let Some(caller) = slot.get() {
        let code = match fired.as_ref().map(|f| &f.action) {
            Some(Action::Error { code, .. }) => Some(code.clone()),
            _ => response
                .extensions()
                .get::<AnswerCode>()
                .map(|c| c.0.to_owned()),
        };
        let body = match &kept {
            None => serde_json::Value::Null,
            Some((first, total)) => body_value(first, *total, form),
        };
        let entry = Entry {
            id: 0,
            time_ms,
            method: method.as_str().to_owned(),
            path: uri.path().to_owned(),
            query: uri.query().map(scrub_query),
            status: answered.then(|| response.status().as_u16()),
            code,
            latency_ms: start.elapsed().as_secs_f64() * 1000.0,
            user_id: Some(caller.user_id),
            client_id: caller.client_id.clone(),
            fault: fired.as_ref().map(|f| f.rule),
            body,
        };
        state.dir.controls().journal.record(caller.org, entry);
    }
    response
}

/// Reads the first frames of `body`, up to a little more than what the
/// journal keeps: the body to hand on (those frames, then the rest), the
/// bytes read, and the whole length when the body ended within them or
/// declared it (`Content-Length`).
async fn read_first(mut body: Body) -> (Body, Vec<u8>, Option<usize>) {
    let declared = axum::body::HttpBody::size_hint(&body)
        .exact()
        .and_then(|n| usize::try_from(n).ok());
    let mut first: Vec<u8> = Vec::new();
    let mut frames: Vec<Result<Frame<Bytes>, axum::Error>> = Vec::new();
    let mut ended = false;
    while first.len() <= BODY_LIMIT {
        match body.frame().await {
            None => {
                ended = true;
                break;
            }
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    first.extend_from_slice(data);
                }
                frames.push(Ok(frame));
            }
            Some(Err(e)) => {
                frames.push(Err(e));
                ended = true;
                break;
            }
        }
    }
    let total = if ended { Some(first.len()) } else { declared };
    first.truncate(BODY_LIMIT + 1);
    let head = futures::stream::iter(frames);
    let body = if ended {
        Body::new(StreamBody::new(head))
    } else {
        Body::new(StreamBody::new(head.chain(
            body.into_data_stream().map(|chunk| chunk.map(Frame::data)),
        )))
    };
    (body, first, total)
}

/// The fault rule of the call's org that fires on it, if any. The token is
/// looked up through the session cache (one statement on a miss, which the
/// handler then finds cached); a call without a valid token is not faulted.
async fn fault_for(
    state: &AppState,
    header: Option<String>,
    method: &str,
    path: &str,
    slot: &CallerSlot,
) -> Option<Fired> {
    let anything = orgdir_core::sessions::Requirement {
        scopes: &[],
        admin_permission: None,
    };
    let caller = state
        .dir
        .authenticate(Some(header?.as_str()), anything, |_| Ok(()))
        .await
        .ok()?;
    let fired = state
        .dir
        .controls()
        .faults
        .decide(caller.org_id(), method, path)?;
    slot.fill(Recorded {
        org: caller.org_id(),
        user_id: caller.user_id,
        client_id: caller.client_id.clone(),
    });
    Some(fired)
}
