//! Test support: a fresh database per test on SQLite or PostgreSQL, an orgdir
//! server on port 0 driven through `orgdir-client`, and fixtures.
//!
//! PostgreSQL tests use `ORGDIR_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) to create a database per
//! test. When PostgreSQL cannot be reached they print a loud SKIPPED line —
//! unless `CI=true`, where they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod bench;
pub mod endpoints;
pub mod fixtures;

use orgdir_client::Client;
use orgdir_core::service::orgs::{create_org, CreatedOrg, NewOrg};
use orgdir_core::service::Directory as Dir;
use orgdir_core::store::Store;
use orgdir_server::ServerConfig;
use sqlx::Connection;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::oneshot;

/// The admin key of every [`TestApp`].
pub const ADMIN_KEY: &str = "orgdir-testkit-admin-key-0123456789abcdef";

/// The database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("ORGDIR_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The name of a SQLite test database's file in its directory.
const SQLITE_FILE: &str = "orgdir.db";

/// A fresh, empty database that is removed when dropped.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    _dir: Option<tempdir::TempDir>,
    pg_name: Option<String>,
}

mod tempdir {
    use std::path::{Path, PathBuf};

    /// A directory removed on drop.
    pub struct TempDir(PathBuf);

    impl TempDir {
        pub fn new(name: &str) -> Self {
            let path = std::env::temp_dir().join(name);
            std::fs::create_dir_all(&path).expect("create temp dir");
            Self(path)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn unique_name() -> String {
    format!(
        "orgdir_t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    )
}

impl TestDb {
    /// A fresh database, or `None` when PostgreSQL is unreachable outside CI.
    pub async fn new(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempdir::TempDir::new(&unique_name());
                let file: PathBuf = dir.path().join(SQLITE_FILE);
                Some(Self {
                    backend,
                    url: format!("sqlite://{}", file.display()),
                    _dir: Some(dir),
                    pg_name: None,
                })
            }
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let mut conn = match sqlx::PgConnection::connect(&admin).await {
                    Ok(conn) => conn,
                    Err(e) => {
                        if in_ci() {
                            panic!("CI=true but PostgreSQL is unreachable at {admin}: {e}");
                        }
                        let _ = writeln!(
                            std::io::stderr(),
                            "\n*** SKIPPED: PostgreSQL test — cannot reach {admin}: {e}. \
                             Start PostgreSQL or set ORGDIR_TEST_POSTGRES_URL; under CI=true this fails. ***\n"
                        );
                        return None;
                    }
                };
                let name = unique_name();
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let mut url = url::Url::parse(&admin).expect("postgres url");
                url.set_path(&name);
                Some(Self {
                    backend,
                    url: url.to_string(),
                    _dir: None,
                    pg_name: Some(name),
                })
            }
        }
    }

    /// The database file, on SQLite.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        self._dir.as_ref().map(|dir| dir.path().join(SQLITE_FILE))
    }

    /// Runs each statement on the database directly, behind orgdir's back
    /// (to corrupt counts, or to take the schema back to an older version).
    pub async fn execute_outside(&self, statements: &[&str]) {
        match self.backend {
            Backend::Sqlite => {
                let file = self.sqlite_file().expect("a SQLite database file");
                let conn = rusqlite::Connection::open(file).expect("sqlite");
                for sql in statements {
                    conn.execute_batch(sql)
                        .unwrap_or_else(|e| panic!("{sql}: {e}"));
                }
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await.expect("postgres");
                for sql in statements {
                    sqlx::raw_sql(sql)
                        .execute(&pool)
                        .await
                        .unwrap_or_else(|e| panic!("{sql}: {e}"));
                }
                pool.close().await;
            }
        }
    }

    /// Opens (and migrates) the store.
    pub async fn store(&self) -> Arc<dyn Store> {
        orgdir_store::connect(&self.url).await.expect("open store")
    }

    /// Opens the store as a directory (what the service layer takes).
    pub async fn directory(&self) -> Arc<Dir> {
        Arc::new(Dir::new(self.store().await))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let admin = postgres_admin_url();
            // A runtime of its own: Drop may run inside or outside one.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async move {
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .execute(&mut conn)
                            .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// A running orgdir server with a demo org, and a client holding its admin token.
pub struct TestApp {
    pub db: TestDb,
    pub store: Arc<dyn Store>,
    /// The server's directory (its store and session cache).
    pub dir: Arc<Dir>,
    pub addr: SocketAddr,
    pub org: CreatedOrg,
    /// A client for this server with the admin's all-scopes token.
    pub client: Client,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    /// A server on a fresh database, or `None` when PostgreSQL is unreachable outside CI.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        let db = TestDb::new(backend).await?;
        let dir = db.directory().await;
        let org = create_org(&dir, &NewOrg::demo(7)).await.expect("demo org");
        Some(Self::serve(db, dir, org).await)
    }

    /// A server on a fresh database holding only the org of `document`
    /// (imported), with a client for its primary admin.
    pub async fn spawn_document(
        backend: Backend,
        document: &orgdir_core::document::OrgDocument,
    ) -> Option<Self> {
        let db = TestDb::new(backend).await?;
        let dir = db.directory().await;
        let org = orgdir_core::document::import(&dir, document)
            .await
            .expect("import");
        let admin = orgdir_core::service::users::primary(&dir, org.id)
            .await
            .expect("read")
            .expect("primary user");
        let scopes =
            orgdir_core::scopes::ScopeSet::parse(orgdir_core::scopes::ALL_SCOPES).expect("scopes");
        let admin_token = orgdir_core::service::tokens::mint_access_token(
            &dir,
            org.id,
            admin.user.id,
            scopes,
            None,
        )
        .await
        .expect("token");
        let created = CreatedOrg {
            org,
            admin_user_id: admin.user.id,
            admin_token,
        };
        Some(Self::serve(db, dir, created).await)
    }

    async fn serve(db: TestDb, dir: Arc<Dir>, org: CreatedOrg) -> Self {
        Self::serve_with(db, dir, org, |_| {}).await
    }

    /// A server on a fresh database with a demo org, its config adjusted by `tweak`.
    pub async fn spawn_with(
        backend: Backend,
        tweak: impl FnOnce(&mut ServerConfig),
    ) -> Option<Self> {
        let db = TestDb::new(backend).await?;
        let dir = db.directory().await;
        let org = create_org(&dir, &NewOrg::demo(7)).await.expect("demo org");
        Some(Self::serve_with(db, dir, org, tweak).await)
    }

    async fn serve_with(
        db: TestDb,
        dir: Arc<Dir>,
        org: CreatedOrg,
        tweak: impl FnOnce(&mut ServerConfig),
    ) -> Self {
        let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"));
        config.admin_key = orgdir_server::AdminKey::parse(ADMIN_KEY).expect("a long key");
        // Scripted OAuth tests pick the user; tests of the sign-in turn it off.
        config.consent_picker = true;
        tweak(&mut config);
        let app = orgdir_server::Application::build_with(dir.clone(), config)
            .await
            .expect("bind");
        let addr = app.local_addr().expect("addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            app.run_until_stopped(async {
                let _ = stopped.await;
            })
            .await
            .expect("serve");
        });
        let client = Client::new(format!("http://{addr}")).with_token(&org.admin_token);
        Self {
            db,
            store: dir.shared_store(),
            dir,
            addr,
            org,
            client,
            stop: Some(stop),
            server: Some(server),
        }
    }

    /// Stops the server, reopens the database from scratch and serves it again
    /// on a new port: what a process restart does.
    pub async fn restart(mut self) -> Self {
        self.shutdown().await;
        let db = std::mem::replace(
            &mut self.db,
            TestDb {
                backend: Backend::Sqlite,
                url: String::new(),
                _dir: None,
                pg_name: None,
            },
        );
        let org = self.org.clone();
        drop(self);
        let dir = db.directory().await;
        Self::serve(db, dir, org).await
    }

    async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// A client for this server with another token (or none).
    pub fn client_with(&self, token: Option<&str>) -> Client {
        let client = Client::new(format!("http://{}", self.addr));
        match token {
            Some(t) => client.with_token(t),
            None => client,
        }
    }

    /// The server's base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Calls the control plane with the admin key (or `key`, if given).
    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        key: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let mut request =
            reqwest::Client::new().request(method, format!("{}{path}", self.base_url()));
        if let Some(key) = Some(key.unwrap_or(ADMIN_KEY)).filter(|k| !k.is_empty()) {
            request = request.header("X-Orgdir-Admin-Key", key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("control plane");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    /// Calls the control plane under this app's org
    /// (`/_orgdir/orgs/{org}{path}`) with the admin key.
    pub async fn org_control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let org = self.org.org.id;
        self.admin(method, &format!("/_orgdir/orgs/{org}{path}"), body, None)
            .await
    }

    /// Registers an OAuth web client with one redirect URI through the
    /// control plane: its id and secret.
    pub async fn web_client(&self, redirect: &str) -> (String, String) {
        let (status, web) = self
            .org_control(
                reqwest::Method::POST,
                "/clients",
                Some(&serde_json::json!({"name": "Web", "redirect_uris": [redirect]})),
            )
            .await;
        assert_eq!(status, 201, "{web}");
        let field = |key: &str| web[key].as_str().expect(key).to_owned();
        (field("client_id"), field("client_secret"))
    }

    /// Calls the Zoho API with `token`, on a fresh connection: the status,
    /// the headers and the JSON body (`Null` when there is none).
    pub async fn api(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
        let mut request = reqwest::Client::new()
            .request(method, format!("{}{path}", self.base_url()))
            .header("Authorization", format!("Zoho-oauthtoken {token}"));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("answer");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    /// Resets this app's org to its baseline through the control plane
    /// (`POST /_orgdir/orgs/{org}/reset`), asserting it succeeded.
    pub async fn reset(&self) {
        let path = format!("/_orgdir/orgs/{}/reset", self.org.org.id);
        let (status, body) = self.admin(reqwest::Method::POST, &path, None, None).await;
        assert_eq!(status, 200, "{body}");
    }

    /// A new org named `name` on this server, made through the control
    /// plane: its admin's token (every scope, decision 47).
    pub async fn other_org_token(&self, name: &str) -> String {
        let (status, created) = self
            .admin(
                reqwest::Method::POST,
                "/_orgdir/orgs",
                Some(&serde_json::json!({ "name": name })),
                None,
            )
            .await;
        assert_eq!(status, 201, "{created}");
        created["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// Mints a token for the primary admin with `scopes`.
    pub async fn token(&self, scopes: &str) -> String {
        let scopes = orgdir_core::scopes::ScopeSet::parse(scopes).expect("scopes");
        orgdir_core::service::tokens::mint_access_token(
            &self.dir,
            self.org.org.id,
            self.org.admin_user_id,
            scopes,
            Some(3600),
        )
        .await
        .expect("mint")
    }

    /// A token for the user `user` (an id) with `scopes`, minted through
    /// the control plane as a test run by people would.
    pub async fn token_for(&self, user: &str, scopes: &str) -> String {
        let (status, body) = self
            .admin(
                reqwest::Method::POST,
                &format!("/_orgdir/orgs/{}/tokens", self.org.org.id),
                Some(&serde_json::json!({"user_id": user, "scopes": scopes})),
                None,
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["access_token"].as_str().expect("token").to_owned()
    }

    /// The ids of the org's root role and its Standard and Administrator profiles.
    pub async fn directory(&self) -> Directory {
        let roles = self
            .store
            .roles(self.org.org.id)
            .await
            .expect("roles")
            .value;
        let profiles = self
            .store
            .profiles(self.org.org.id)
            .await
            .expect("profiles")
            .value;
        let profile = |name: &str| {
            profiles
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.id.to_string())
                .expect("built-in profile")
        };
        Directory {
            root_role: roles[0].id.to_string(),
            standard_profile: profile("Standard"),
            admin_profile: profile("Administrator"),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Ids of an org's built-ins, for building users.
#[derive(Debug, Clone)]
pub struct Directory {
    pub root_role: String,
    pub standard_profile: String,
    pub admin_profile: String,
}

/// The caller a token makes, to call the service layer directly (no scope
/// or permission is required of it here; the services check permissions).
pub async fn caller(dir: &Dir, token: &str) -> orgdir_core::sessions::Caller {
    let header = format!("Zoho-oauthtoken {token}");
    let anything = orgdir_core::sessions::Requirement {
        scopes: &[],
        admin_permission: None,
    };
    dir.authenticate(Some(&header), anything, |_| Ok(()))
        .await
        .expect("caller")
}

/// Runs a test body on SQLite and on PostgreSQL: `storage_test!(name, body_fn)`
/// makes `name::sqlite` and `name::postgres`, each getting a fresh [`TestApp`].
#[macro_export]
macro_rules! storage_test {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::TestApp::spawn($crate::Backend::Sqlite)
                    .await
                    .expect("sqlite app");
                super::$body(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::TestApp::spawn($crate::Backend::Postgres).await {
                    super::$body(app).await;
                }
            }
        }
    };
}

/// Checks every maintained count of an org against a recount from scratch:
/// user buckets, territory members, and every group's associated users
/// (recomputed from the definition in `orgdir_core::groups::expected_members`).
pub async fn assert_counts_exact(dir: &Dir, org: orgdir_core::OrgId) {
    use orgdir_core::groups::{expected_members, DirectorySnapshot};
    use orgdir_core::store::UserQuery;
    use orgdir_core::users::{type_bucket_codes, UserStatus};
    use orgdir_types::users::UserType;
    let store = dir.store();
    assert_eq!(
        store.user_counts(org).await.expect("counts").value,
        store.recount_users(org).await.expect("recount"),
        "user buckets"
    );
    // The recomputation `orgdir check` runs must agree too (it is checked here
    // against the maintained data and, below, against the definition).
    let drifts = orgdir_core::check::check(dir, org).await.expect("check");
    assert!(drifts.is_empty(), "orgdir check reports {drifts:?}");
    let territories = store
        .territories(org, 0, 1_000_000)
        .await
        .expect("territories")
        .value;
    let mut maintained: Vec<_> = territories
        .iter()
        .map(|t| (t.territory.id, t.territory.member_count))
        .collect();
    maintained.sort();
    assert_eq!(
        maintained,
        store.recount_territory_members(org).await.expect("recount"),
        "territory members"
    );
    let users = store
        .users(
            org,
            &UserQuery {
                modified_after: None,
                buckets: type_bucket_codes(UserType::AllUsers),
                ids: None,
                offset: 0,
                limit: 10_000_000,
            },
        )
        .await
        .expect("users")
        .value;
    let snapshot = DirectorySnapshot {
        users: users
            .iter()
            .map(|d| {
                (
                    d.user.id,
                    d.user.role_id,
                    d.user.status == UserStatus::Deleted,
                )
            })
            .collect(),
        roles: store
            .roles(org)
            .await
            .expect("roles")
            .value
            .iter()
            .map(|r| (r.id, r.reporting_to))
            .collect(),
        territories: territories
            .iter()
            .map(|t| (t.territory.id, t.territory.reporting_to))
            .collect(),
        memberships: store.all_memberships(org).await.expect("memberships"),
        sources: store.all_group_sources(org).await.expect("sources"),
    };
    let expected = expected_members(&snapshot);
    let active: std::collections::HashSet<_> = users
        .iter()
        .filter(|d| d.user.status == UserStatus::Active)
        .map(|d| d.user.id)
        .collect();
    let groups = store.groups(org, None, 0, 1_000_000).await.expect("groups");
    for group in groups.value {
        let members = expected.get(&group.group.id);
        let want = members.map_or(0, |m| m.len() as u64);
        assert_eq!(
            group.group.member_count, want,
            "group {} ({})",
            group.group.name, group.group.id
        );
        // The split `grouped_counts` answers: the active members among them.
        let want_active = members.map_or(0, |m| m.iter().filter(|u| active.contains(u)).count());
        let split = store
            .member_split(org, group.group.id)
            .await
            .expect("split")
            .value
            .expect("the group");
        assert_eq!(
            (split.live, split.active),
            (want as i64, want_active as i64),
            "group {} ({}): members and active members",
            group.group.name,
            group.group.id
        );
    }
}
