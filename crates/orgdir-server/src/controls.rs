//! The emulator controls on the request path (SPEC 9 and 11, API-DESIGN
//! 166–173): one middleware records every call authenticated to an org in
//! the org's journal, and before the handler runs applies the org's fault
//! rules, then its API limits, then runs the handler on the org's clock.
//!
//! The middleware does not authenticate. It puts a [`CallerSlot`] into the
//! request; whoever authenticates the call (the `Authed` extractor, the
//! OAuth token endpoint) fills it, and the middleware reads it once the
//! handler has answered. A call whose slot stays empty (no valid token, the
//! control plane, an unknown path) is not journaled. Only when some org holds
//! a fault rule, a limit or a moved clock does the middleware look the token
//! up itself, through the session cache, to learn the org before the
//! handler runs.

use crate::error::json_response;
use crate::AppState;
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use orgdir_core::controls::faults::Action;
use orgdir_core::controls::journal::{body_value, scrub_query, Entry, BODY_LIMIT};
use orgdir_core::controls::limits::Admission;
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

/// The name of the header that tells the credits left, once half are used.
pub const CREDITS_REMAINING: HeaderName = HeaderName::from_static("x-api-credits-remaining");

/// The middleware: see the module's documentation.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_control_plane(request.uri().path()) {
        return next.run(request).await;
    }
    let start = Instant::now();
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

    let controls = state.dir.controls();
    let (org, offset) = if controls.shape_calls() {
        let header = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned);
        caller_org(&state, header.as_deref(), &slot).await
    } else {
        (None, 0)
    };
    // When the call arrived, on the real clock; its org's clock is added
    // for the limits now and for the journal once the org is known (an
    // OAuth grant learns it only in its handler).
    let arrived_ms = chrono::Utc::now().timestamp_millis();
    let on_clock = |offset: i64| arrived_ms.saturating_add(offset.saturating_mul(1000));
    let now = on_clock(offset).div_euclid(1000);
    let fired = org.and_then(|org| controls.faults.decide(org, method.as_str(), uri.path()));

    let mut shaped_code: Option<String> = None;
    let (mut response, remaining) = match (org, fired.as_ref().map(|f| &f.action)) {
        (
            _,
            Some(Action::Error {
                status,
                code,
                message,
            }),
        ) => {
            shaped_code = Some(code.clone());
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let remaining = org.and_then(|org| controls.limits.remaining(org, now));
            (zoho_error(status, code, message), remaining)
        }
        (_, Some(Action::Drop)) => {
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(DropConnection);
            (response, None)
        }
        // No org learned: nothing to shape (no rule fires without an org),
        // but a token expired on its org's clock is refused on that clock.
        (None, _) => (run_on_clock(offset, next, request).await, None),
        (Some(org), delay) => match controls.limits.admit(org, now) {
            Some(Admission::Refused { refusal, remaining }) => {
                shaped_code = Some(TOO_MANY_REQUESTS.to_owned());
                let response = zoho_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    TOO_MANY_REQUESTS,
                    refusal.message(),
                );
                (response, remaining)
            }
            admitted => {
                // The permit holds a concurrency slot until the answer is ready.
                let (_permit, remaining) = match admitted {
                    Some(Admission::Admitted { permit, remaining }) => (Some(permit), remaining),
                    _ => (None, None),
                };
                if let Some(Action::Delay(delay)) = delay {
                    tokio::time::sleep(*delay).await;
                }
                (run_on_clock(offset, next, request).await, remaining)
            }
        },
    };
    if let Some(remaining) = remaining {
        response
            .headers_mut()
            .insert(CREDITS_REMAINING, HeaderValue::from(remaining));
    }
    let answered = response.extensions().get::<DropConnection>().is_none();

    if let Some(caller) = slot.get() {
        let code = shaped_code.or_else(|| {
            response
                .extensions()
                .get::<AnswerCode>()
                .map(|c| c.0.to_owned())
        });
        let body = match &kept {
            None => serde_json::Value::Null,
            Some((first, total)) => body_value(first, *total, form),
        };
        let entry = Entry {
            id: 0,
            time_ms: on_clock(controls.clocks.offset(caller.org)),
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
        controls.journal.record(caller.org, entry);
    }
    response
}

/// Runs the handler on a clock `offset` seconds ahead (no wrapping at 0).
async fn run_on_clock(offset: i64, next: Next, request: Request) -> Response {
    if offset == 0 {
        next.run(request).await
    } else {
        orgdir_core::time::in_org_time(offset, next.run(request)).await
    }
}

/// The code of a 429 from an emulated limit (SPEC 9).
const TOO_MANY_REQUESTS: &str = "TOO_MANY_REQUESTS";

/// An answer in Zoho's error envelope made by the controls (a fault, a limit).
fn zoho_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = ErrorBody {
        code: code.to_owned(),
        details: serde_json::Map::new(),
        message: message.to_owned(),
        status: "error".to_owned(),
    };
    json_response(status, &body)
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

/// The org of the call and its clock's offset, learned before the handler
/// runs so that its rules, limits and clock can shape the call: the token is
/// looked up through the session cache (one statement on a miss, which the
/// handler then finds cached) and the caller recorded. A call without a
/// valid token has no org and is left alone; when the token expired on its
/// org's moved clock only, the offset is still given, so that the handler
/// refuses it on that clock.
async fn caller_org(
    state: &AppState,
    header: Option<&str>,
    slot: &CallerSlot,
) -> (Option<OrgId>, i64) {
    let anything = orgdir_core::sessions::Requirement {
        scopes: &[],
        admin_permission: None,
    };
    let authenticate = || state.dir.authenticate(header, anything, |_| Ok(()));
    let Ok(mut caller) = authenticate().await else {
        return (None, 0);
    };
    let offset = state.dir.controls().clocks.offset(caller.org_id());
    if offset != 0 {
        // Expiry again, on the org's clock (a cache hit).
        match orgdir_core::time::in_org_time(offset, authenticate()).await {
            Ok(on_org_clock) => caller = on_org_clock,
            Err(_) => return (None, offset),
        }
    }
    slot.fill(Recorded {
        org: caller.org_id(),
        user_id: caller.user_id,
        client_id: caller.client_id.clone(),
    });
    (Some(caller.org_id()), offset)
}
