//! The emulator controls on the request path (SPEC 9 and 11, API-DESIGN
//! 166–173), run by [`crate::call::CallService`]: every call authenticated
//! to an org is recorded in the org's journal once answered ([`journal`]);
//! before the handler runs, [`shaped`] applies the org's fault rules, then
//! its API limits, then runs the handler on the org's clock.
//!
//! Nothing here authenticates. Each call runs with empty [`CallNotes`] in a
//! task-local; whoever authenticates the call (the `Authed` extractor, the
//! OAuth token endpoint) records its caller there with [`record_caller`],
//! [`shaped`] adds the body it kept and the fault that fired, and the
//! call's future reads them once the call has ended — answered, timed out
//! or panicked. A call without a caller (no valid token, the control
//! plane, an unknown path) is not journaled. Only when some org holds a fault rule, a limit
//! or a moved clock does [`shaped`] look the token up itself, through the
//! session cache, to learn the org before the handler runs.

use crate::error::json_response;
use crate::AppState;
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::Request;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use orgdir_core::controls::faults::Action;
use orgdir_core::controls::journal::{body_value, scrub_query, Entry, BODY_LIMIT};
use orgdir_core::controls::limits::Admission;
use orgdir_core::{OrgId, ZohoId};
use orgdir_types::ErrorBody;
use std::cell::RefCell;
use std::convert::Infallible;
use std::time::{Instant, SystemTime};
use tokio::task::futures::TaskLocalFuture;
use tower::{Service, ServiceExt};

tokio::task_local! {
    /// What the journal will say of the call being served.
    static NOTES: CallNotes;
}

/// What the journal will say of a call, gathered while it runs.
#[derive(Debug, Default)]
pub struct CallNotes(RefCell<Notes>);

/// See [`CallNotes`].
#[derive(Debug, Default)]
struct Notes {
    /// Who the call was authenticated as ([`record_caller`]).
    caller: Option<Recorded>,
    /// The code of an answer the controls made (a fault's, a 429).
    code: Option<String>,
    /// The fault rule that fired.
    fault: Option<u64>,
    /// The request body as the journal keeps it.
    body: serde_json::Value,
}

/// Changes the notes of the call being served (outside a call, nothing).
fn note(change: impl FnOnce(&mut Notes)) {
    let _ = NOTES.try_with(|notes| change(&mut notes.0.borrow_mut()));
}

/// The org, user and OAuth client of an authenticated call.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub org: OrgId,
    pub user_id: ZohoId,
    pub client_id: Option<String>,
}

/// Records who the call being served was authenticated as (the first
/// record wins; outside a call, nothing happens).
pub fn record_caller(recorded: Recorded) {
    note(|notes| {
        notes.caller.get_or_insert(recorded);
    });
}

/// Runs `call` with empty [`CallNotes`]; the future's `take_value` gives
/// them back once it has completed.
pub fn with_notes<F: std::future::Future>(call: F) -> TaskLocalFuture<CallNotes, F> {
    NOTES.scope(CallNotes::default(), call)
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
pub fn is_control_plane(path: &str) -> bool {
    path.starts_with("/_orgdir/") || path == "/_orgdir"
}

/// Whether a call can skip [`shaped`]: no org holds a rule, a limit or a
/// moved clock (three atomic loads), and it has no body for the journal to
/// keep.
pub fn fast_path(state: &AppState, request: &Request) -> bool {
    !state.dir.controls().shape_calls()
        && axum::body::HttpBody::size_hint(request.body()).exact() == Some(0)
}

/// The name of the header that tells the credits left, once half are used.
pub const CREDITS_REMAINING: HeaderName = HeaderName::from_static("x-api-credits-remaining");

/// When and what a call asked, as the journal records it.
pub struct Arrival {
    pub start: Instant,
    /// On the real clock, Unix milliseconds (the org's offset is added
    /// when the entry is written).
    arrived_ms: i64,
    method: Method,
    uri: Uri,
}

impl Arrival {
    /// The call arriving now.
    pub fn of(request: &Request) -> Self {
        let arrived_ms = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Self {
            start: Instant::now(),
            arrived_ms,
            method: request.method().clone(),
            uri: request.uri().clone(),
        }
    }
}

/// Records the answered call in its org's journal, when someone
/// authenticated it to an org.
pub fn journal(state: &AppState, notes: Option<CallNotes>, arrival: Arrival, response: &Response) {
    let Some(Notes {
        caller: Some(caller),
        code,
        fault,
        body,
    }) = notes.map(|notes| notes.0.into_inner())
    else {
        return;
    };
    let controls = state.dir.controls();
    let code = code.or_else(|| {
        response
            .extensions()
            .get::<AnswerCode>()
            .map(|c| c.0.to_owned())
    });
    let answered = response.extensions().get::<DropConnection>().is_none();
    let offset_ms = controls.clocks.offset(caller.org).saturating_mul(1000);
    let entry = Entry {
        id: 0,
        time_ms: arrival.arrived_ms.saturating_add(offset_ms),
        method: arrival.method.as_str().to_owned(),
        path: arrival.uri.path().to_owned(),
        query: arrival.uri.query().map(scrub_query),
        status: answered.then(|| response.status().as_u16()),
        code,
        latency_ms: arrival.start.elapsed().as_secs_f64() * 1000.0,
        user_id: Some(caller.user_id),
        client_id: caller.client_id,
        fault,
        body,
    };
    controls.journal.record(caller.org, entry);
}

/// A call the controls may shape, or whose body the journal keeps: the
/// first bytes of the body are read, the org learned when some org holds
/// controls, its fault rules and then its limits applied, and the handler
/// (`inner`) run on the org's clock.
pub async fn shaped<S>(state: AppState, inner: S, request: Request) -> Result<Response, Infallible>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    let form = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let (parts, body) = request.into_parts();

    // The first bytes of the body are read before the handler runs (so the
    // journal holds them whether or not the handler reads the body), then
    // handed on in front of the rest. A call without a body skips this.
    let body = if axum::body::HttpBody::size_hint(&body).exact() == Some(0) {
        body
    } else {
        let (body, first, total) = read_first(body).await;
        let kept = body_value(&first, total, form);
        note(|notes| notes.body = kept);
        body
    };
    let request = Request::from_parts(parts, body);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();

    let controls = state.dir.controls();
    let (org, offset) = if controls.shape_calls() {
        let header = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned);
        caller_org(&state, header.as_deref()).await
    } else {
        (None, 0)
    };
    let now = chrono::Utc::now().timestamp().saturating_add(offset);
    let fired = org.and_then(|org| controls.faults.decide(org, method.as_str(), &path));
    if let Some(fired) = &fired {
        note(|notes| notes.fault = Some(fired.rule));
    }

    let (mut response, remaining) = match (org, fired.as_ref().map(|f| &f.action)) {
        (
            _,
            Some(Action::Error {
                status,
                code,
                message,
            }),
        ) => {
            note(|notes| notes.code = Some(code.clone()));
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
        (None, _) => (run_on_clock(offset, inner, request).await, None),
        (Some(org), delay) => match controls.limits.admit(org, now) {
            Some(Admission::Refused { refusal, remaining }) => {
                note(|notes| notes.code = Some(TOO_MANY_REQUESTS.to_owned()));
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
                (run_on_clock(offset, inner, request).await, remaining)
            }
        },
    };
    if let Some(remaining) = remaining {
        response
            .headers_mut()
            .insert(CREDITS_REMAINING, HeaderValue::from(remaining));
    }
    Ok(response)
}

/// Runs the handler on a clock `offset` seconds ahead (no wrapping at 0).
async fn run_on_clock<S>(offset: i64, inner: S, request: Request) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    let answer = async {
        match inner.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    };
    if offset == 0 {
        answer.await
    } else {
        orgdir_core::time::in_org_time(offset, answer).await
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
async fn caller_org(state: &AppState, header: Option<&str>) -> (Option<OrgId>, i64) {
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
    record_caller(Recorded {
        org: caller.org_id(),
        user_id: caller.user_id,
        client_id: caller.client_id.clone(),
    });
    (Some(caller.org_id()), offset)
}
