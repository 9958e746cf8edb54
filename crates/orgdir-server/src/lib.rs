//! The orgdir HTTP server: Zoho's directory API over a [`Store`], with
//! authentication, the version table, and Zoho's error envelope on every path.
//!
//! [`Application::build`] binds, [`Application::port`] tells, and
//! [`Application::run_until_stopped`] serves — so tests can start many
//! servers in one process.
#![deny(clippy::unwrap_used)]

pub mod error;
pub mod extract;
pub mod routes;
pub mod versions;
pub mod views;

use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::Router;
use orgdir_core::org::Org;
use orgdir_core::store::Store;
use orgdir_core::{Error, OrgId};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// Largest request body the Zoho API accepts (bigger is 413).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
}

impl AppState {
    /// The caller's org (it exists: the token was found in it).
    pub async fn org(&self, org: OrgId) -> Result<Org, Error> {
        self.store
            .org(org)
            .await?
            .ok_or_else(|| Error::Internal(format!("org {org} of a live token is missing")))
    }
}

/// The whole router: Zoho routes, fallbacks and middleware.
pub fn router(state: AppState) -> Router {
    let zoho = routes::zoho_routes().route_layer(axum::middleware::from_fn(versions::guard));
    Router::new()
        .merge(zoho)
        .fallback(routes::unknown_path)
        .method_not_allowed_fallback(routes::unknown_method)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(
            // Path only: query strings may carry tokens and are never logged.
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// A bound, ready-to-serve orgdir server.
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    /// Binds `listen` (port 0 picks a free port) and builds the router over `store`.
    pub async fn build(store: Arc<dyn Store>, listen: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        Ok(Self {
            listener,
            router: router(AppState { store }),
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}
