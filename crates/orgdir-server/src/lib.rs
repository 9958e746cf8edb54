//! The orgdir HTTP server: Zoho's directory API over a [`Directory`] (a
//! [`Store`] and its sessions), with authentication, the version table, and
//! Zoho's error envelope on every path.
//!
//! [`Application::build`] binds, [`Application::port`] tells, and
//! [`Application::run_until_stopped`] serves — so tests can start many
//! servers in one process.
#![deny(clippy::unwrap_used)]

pub mod admin_key;
pub mod call;
pub mod controls;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod query;
pub mod rate_limit;
pub mod routes;
pub mod serve;
pub mod ui;
pub mod versions;
pub mod views;

pub use admin_key::{random_secret, AdminKey};
use axum::extract::DefaultBodyLimit;
use axum::Router;
use orgdir_core::service::oauth::OAuthConfig;
use orgdir_core::service::Directory;
use orgdir_core::store::Store;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Largest request body the Zoho API accepts (bigger is 413).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How a server is set up.
#[derive(Clone)]
pub struct ServerConfig {
    /// Address to bind (port 0 picks a free one).
    pub listen: SocketAddr,
    /// The public base URL (`api_domain`); default `http://<bound address>`.
    pub public_url: Option<String>,
    /// The key the control plane (`/_orgdir/…`) requires.
    pub admin_key: AdminKey,
    /// Token and code lifetimes.
    pub oauth: OAuthConfig,
    /// Entries each org's request journal keeps (API-DESIGN 166).
    pub journal_capacity: usize,
    /// Timeouts and the connection cap (API-DESIGN 194).
    pub limits: serve::Limits,
    /// Calls to `/oauth/*` allowed per minute from one address, and for
    /// one `client_id` (API-DESIGN 193).
    pub oauth_rate: rate_limit::Rates,
    /// The consent page's user picker (an emulator mode for scripted OAuth
    /// tests, API-DESIGN 196): off, users sign in with email and password.
    pub consent_picker: bool,
}

impl ServerConfig {
    /// A config for `listen` with a random admin key and default lifetimes.
    pub fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            public_url: None,
            admin_key: AdminKey::generate(),
            oauth: OAuthConfig::default(),
            journal_capacity: orgdir_core::controls::journal::DEFAULT_CAPACITY,
            limits: serve::Limits::default(),
            oauth_rate: rate_limit::Rates::default(),
            consent_picker: false,
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub dir: Arc<Directory>,
    pub settings: Arc<Settings>,
}

/// The settings handlers read.
pub struct Settings {
    /// This server's public base URL, as `api_domain` and `accounts-server`.
    pub api_domain: String,
    /// The control plane's key.
    pub admin_key: AdminKey,
    /// Token and code lifetimes.
    pub oauth: OAuthConfig,
    /// `/oauth/*` calls per address and per client.
    pub oauth_limiter: rate_limit::OAuthLimiter,
    /// The consent page offers a user picker instead of a sign-in.
    pub consent_picker: bool,
}

/// The whole router: Zoho routes, fallbacks and middleware.
pub fn router(state: AppState) -> Router {
    router_with(state, serve::Limits::default().request_timeout)
}

/// [`router`] with a request timeout.
pub fn router_with(state: AppState, timeout: std::time::Duration) -> Router {
    let (zoho, _) = routes::zoho_routes().split_for_parts();
    // Outermost first: the version, then the query parameters.
    let zoho = zoho
        .route_layer(axum::middleware::from_fn(query::guard))
        .route_layer(axum::middleware::from_fn(versions::guard));
    Router::new()
        .merge(zoho)
        .merge(routes::oauth::routes())
        .merge(routes::control::routes())
        .merge(ui::routes(state.clone()))
        .fallback(routes::unknown_path)
        .method_not_allowed_fallback(routes::unknown_method)
        // One layer, so that the router boxes one service around each route
        // (crate::call says why the rest is one hand-written service).
        .layer(
            tower::ServiceBuilder::new()
                .layer(call::CallLayer::new(state.clone(), timeout))
                .layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .with_state(state)
}

/// A bound, ready-to-serve orgdir server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    limits: serve::Limits,
}

impl Application {
    /// Binds `config.listen` (port 0 picks a free port) and builds the router
    /// over `store`, with an empty session cache.
    pub async fn build(store: Arc<dyn Store>, config: ServerConfig) -> std::io::Result<Self> {
        Self::build_with(Arc::new(Directory::new(store)), config).await
    }

    /// [`Application::build`] over a directory the caller keeps a handle on.
    pub async fn build_with(dir: Arc<Directory>, config: ServerConfig) -> std::io::Result<Self> {
        dir.controls().journal.set_capacity(config.journal_capacity);
        let listener = TcpListener::bind(config.listen).await?;
        let bound = listener.local_addr()?;
        let host = if bound.ip().is_unspecified() {
            format!("127.0.0.1:{}", bound.port())
        } else {
            bound.to_string()
        };
        let api_domain = config
            .public_url
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{host}"));
        let settings = Arc::new(Settings {
            api_domain,
            admin_key: config.admin_key,
            oauth: config.oauth,
            oauth_limiter: rate_limit::OAuthLimiter::new(config.oauth_rate),
            consent_picker: config.consent_picker,
        });
        Ok(Self {
            listener,
            router: router_with(AppState { dir, settings }, config.limits.request_timeout),
            limits: config.limits,
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

    /// Serves until `shutdown` completes, then finishes in-flight requests
    /// ([`serve::serve`]).
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        serve::serve(self.listener, self.router, self.limits, shutdown).await
    }
}
