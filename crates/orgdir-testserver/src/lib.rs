//! orgdir inside your Rust tests (issue 17): [`TestServer::start`] runs the
//! whole server in this process, on a free port of 127.0.0.1, over a
//! temporary SQLite database, with a random admin key; it stops when
//! dropped. [`TestServer::fresh_org`] makes an org of its own for each test,
//! so tests running in parallel on one server never see each other's data,
//! fault rules, limits or clock.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use orgdir_testserver::TestServer;
//! use orgdir_types::users::UserType;
//!
//! let server = TestServer::start().await?;
//! let org = server.fresh_org().await?;
//! assert_eq!(org.client.users_count(UserType::AllUsers).await?, 1);
//! server.control().advance_clock(&org.id, 3601).await?;
//! # Ok(()) }
//! ```

use orgdir_client::control::{Control, CreatedOrg};
use orgdir_client::{Client, ClientError};
use orgdir_core::service::Directory;
use orgdir_server::{Application, ServerConfig};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("temporary directory: {0}")]
    TempDir(std::io::Error),
    #[error("database: {0}")]
    Store(String),
    #[error("listening: {0}")]
    Listen(std::io::Error),
}

/// An orgdir server running in this process; stopped when dropped.
pub struct TestServer {
    addr: SocketAddr,
    admin_key: String,
    control: Control,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    // Last: the database goes after the server.
    _dir: tempfile::TempDir,
}

/// An org of its own for one test: its id, primary admin, an access token
/// with every scope (it does not expire), and a client holding it.
#[derive(Debug, Clone)]
pub struct TestOrg {
    pub id: String,
    pub admin_user_id: String,
    pub token: String,
    pub client: Client,
}

impl TestServer {
    /// Starts orgdir on a free port over a temporary SQLite database (no
    /// org in it yet).
    pub async fn start() -> Result<Self, StartError> {
        let dir = tempfile::tempdir().map_err(StartError::TempDir)?;
        let url = format!("sqlite://{}", dir.path().join("orgdir.db").display());
        let store = orgdir_store::connect(&url)
            .await
            .map_err(|e| StartError::Store(e.to_string()))?;
        let directory = Arc::new(Directory::new(store));
        let key = orgdir_server::AdminKey::generate();
        let admin_key = key.expose().to_owned();
        let mut config = ServerConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)));
        config.admin_key = key;
        let app = Application::build_with(directory, config)
            .await
            .map_err(StartError::Listen)?;
        let addr = app.local_addr().map_err(StartError::Listen)?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = app.run_until_stopped(shutdown).await {
                eprintln!("orgdir test server stopped: {e}");
            }
        });
        Ok(Self {
            addr,
            control: Control::new(format!("http://{addr}"), admin_key.clone()),
            admin_key,
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
        })
    }

    /// `http://127.0.0.1:PORT`: the API domain to give a Zoho client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The control plane's admin key (random per server).
    pub fn admin_key(&self) -> &str {
        &self.admin_key
    }

    /// The control plane: orgs, the journal, fault rules, limits, the clock.
    pub fn control(&self) -> &Control {
        &self.control
    }

    /// A new org of its own with a primary admin and a client for it.
    pub async fn fresh_org(&self) -> Result<TestOrg, ClientError> {
        let name = format!("Test org {}", rand_suffix());
        let created: CreatedOrg = self.control.create_org(&name).await?;
        Ok(TestOrg {
            client: Client::new(self.base_url()).with_token(&created.access_token),
            id: created.org.id,
            admin_user_id: created.admin_user_id,
            token: created.access_token,
        })
    }

    /// Stops the server and waits until it has.
    pub async fn stop(mut self) {
        self.shut_down();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// A short random suffix, so that org names tell tests apart in logs.
fn rand_suffix() -> String {
    orgdir_server::random_secret()[..8].to_owned()
}
