//! What every call passes through before the router sends it to a handler,
//! as one tower service ([`CallLayer`]): the request timeout (API-DESIGN
//! 194), the request span and log line, the panic catcher, and the
//! emulator controls ([`crate::controls`]: the journal, fault rules, API
//! limits and the org's clock).
//!
//! It is one hand-written service, not a stack of `axum::middleware::from_fn`
//! layers and tower-http's `TraceLayer` and `CatchPanicLayer`, because each
//! of those costs every call allocations of its own (a boxed future, a boxed
//! `Next`, a boxed response body, a boxed clone of the route per layer) and
//! issue 14 asks that the controls cost nothing measurable while nothing is
//! set (docs/PERFORMANCE.md, "The emulator controls with nothing set").
//! A call that reads no body while no org holds a rule, a limit or a moved
//! clock — every read — takes the fast path: its future is the handler's,
//! wrapped without an allocation, and it is journaled when it completes. The
//! rest (a body to keep for the journal, or an org to shape) goes through
//! [`crate::controls::shaped`], boxed.

use crate::controls::{self, Arrival, CallNotes};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use futures::future::{BoxFuture, CatchUnwind, FutureExt};
use pin_project_lite::pin_project;
use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};
use tokio::task::futures::TaskLocalFuture;
use tokio::time::error::Elapsed;
use tokio::time::Timeout;
use tower::{Layer, Service};
use tracing::instrument::Instrumented;
use tracing::{Instrument, Span};

/// The layer of [`CallService`]: every call's timeout, span, panic catcher
/// and emulator controls.
#[derive(Clone)]
pub struct CallLayer {
    state: AppState,
    timeout: Duration,
}

impl CallLayer {
    /// Calls taking longer than `timeout` answer 503 `REQUEST_TIMEOUT`.
    pub fn new(state: AppState, timeout: Duration) -> Self {
        Self { state, timeout }
    }
}

impl<S> Layer<S> for CallLayer {
    type Service = CallService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CallService {
            inner,
            state: self.state.clone(),
            timeout: self.timeout,
        }
    }
}

/// See the module's documentation.
#[derive(Clone)]
pub struct CallService<S> {
    inner: S,
    state: AppState,
    timeout: Duration,
}

/// The handler's future, its panic caught.
type Guarded<F> = CatchUnwind<AssertUnwindSafe<F>>;

/// The future of one call on the fast path or the shaped one.
type Journaled<F> = TaskLocalFuture<CallNotes, Timeout<Guarded<F>>>;

pin_project! {
    /// The future of a call as [`CallService`] runs it.
    #[project = CallProjection]
    pub enum CallFuture<F> {
        /// The control plane: never journaled, faulted or limited.
        Plain {
            #[pin]
            future: Instrumented<Timeout<Guarded<F>>>,
            start: Instant,
        },
        /// A call on the fast path, journaled once ended.
        Fast {
            #[pin]
            future: Instrumented<Journaled<F>>,
            arrival: Option<Arrival>,
            state: AppState,
        },
        /// A call the controls shape (or whose body the journal keeps),
        /// journaled once ended.
        Shaped {
            #[pin]
            future: Instrumented<Journaled<BoxFuture<'static, Result<Response, Infallible>>>>,
            arrival: Option<Arrival>,
            state: AppState,
        },
    }
}

impl<S> Service<Request> for CallService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = CallFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.uri().path()
        );
        if controls::is_control_plane(request.uri().path()) {
            CallFuture::Plain {
                future: tokio::time::timeout(self.timeout, guard(self.inner.call(request)))
                    .instrument(span),
                start: Instant::now(),
            }
        } else if controls::fast_path(&self.state, &request) {
            let arrival = Arrival::of(&request);
            let future = tokio::time::timeout(self.timeout, guard(self.inner.call(request)));
            CallFuture::Fast {
                future: controls::with_notes(future).instrument(span),
                arrival: Some(arrival),
                state: self.state.clone(),
            }
        } else {
            let arrival = Arrival::of(&request);
            // The ready service goes to the shaped future; a clone stays.
            let clone = self.inner.clone();
            let inner = std::mem::replace(&mut self.inner, clone);
            let shaped = controls::shaped(self.state.clone(), inner, request).boxed();
            let future = tokio::time::timeout(self.timeout, guard(shaped));
            CallFuture::Shaped {
                future: controls::with_notes(future).instrument(span),
                arrival: Some(arrival),
                state: self.state.clone(),
            }
        }
    }
}

/// The log line of an answered call (as tower-http's `TraceLayer` wrote it).
fn finished(span: &Span, start: Instant, response: &Response) {
    tracing::info!(
        parent: span,
        latency = ?start.elapsed(),
        status = response.status().as_u16(),
        "finished processing request"
    );
}

/// The handler's future with its panic caught.
fn guard<F: Future>(future: F) -> Guarded<F> {
    AssertUnwindSafe(future).catch_unwind()
}

/// The answer to a call: the handler's, or the one given when it panicked
/// or timed out.
fn answer(outcome: Result<std::thread::Result<Result<Response, Infallible>>, Elapsed>) -> Response {
    match outcome {
        Ok(Ok(Ok(response))) => response,
        Ok(Err(_panic)) => crate::error::panic_response(),
        Err(_elapsed) => ApiError(orgdir_core::Error::TimedOut).into_response(),
    }
}

impl<F> Future for CallFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let response = match self.project() {
            CallProjection::Plain { mut future, start } => {
                let response = answer(ready!(future.as_mut().poll(cx)));
                finished(future.span(), *start, &response);
                response
            }
            CallProjection::Fast {
                future,
                arrival,
                state,
            } => ready!(poll_journaled(future, arrival, state, cx)),
            CallProjection::Shaped {
                future,
                arrival,
                state,
            } => ready!(poll_journaled(future, arrival, state, cx)),
        };
        Poll::Ready(Ok(response))
    }
}

/// Polls a journaled call; once it has ended, logs and journals it.
fn poll_journaled<G>(
    mut future: Pin<&mut Instrumented<Journaled<G>>>,
    arrival: &mut Option<Arrival>,
    state: &AppState,
    cx: &mut Context<'_>,
) -> Poll<Response>
where
    G: Future<Output = Result<Response, Infallible>>,
{
    let response = answer(ready!(future.as_mut().poll(cx)));
    let notes = future.as_mut().inner_pin_mut().take_value();
    if let Some(arrival) = arrival.take() {
        finished(future.span(), arrival.start, &response);
        controls::journal(state, notes, arrival, &response);
    }
    Poll::Ready(response)
}
