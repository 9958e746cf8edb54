//! The processes a benchmark run drives: the `orgdir` binary (seed, token,
//! check, serve), fresh databases, and Prism for the comparison.

use anyhow::{bail, Context};
use orgdir_core::seed::SeedSpec;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The control plane key the benchmark's servers use.
pub const ADMIN_KEY: &str = "orgdir-bench-admin-key-0123456789abcdef";

/// The `orgdir` binary.
pub struct Orgdir {
    pub bin: PathBuf,
}

impl Orgdir {
    fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = Command::new(&self.bin)
            .args(args)
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("running {}", self.bin.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            bail!("orgdir {} failed: {stdout}", args.join(" "));
        }
        Ok(stdout)
    }

    /// Seeds `spec` into `db`; returns the time it took.
    pub fn seed(&self, db: &str, spec: &SeedSpec) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let n = |v: usize| v.to_string();
        let out = self.run(&[
            "seed",
            "--database-url",
            db,
            "--seed",
            &spec.seed.to_string(),
            "--users",
            &n(spec.users),
            "--roles",
            &n(spec.roles),
            "--territories",
            &n(spec.territories),
            "--groups",
            &n(spec.groups),
            "--nesting",
            &spec.nesting.to_string(),
        ])?;
        print!("{out}");
        Ok(started.elapsed())
    }

    /// A token with every scope for the org's primary admin.
    pub fn token(&self, db: &str, org: i64) -> anyhow::Result<String> {
        let out = self.run(&[
            "token",
            "--database-url",
            db,
            "--org",
            &org.to_string(),
            "--scopes",
            orgdir_core::scopes::ALL_SCOPES,
            "--expires-in",
            "0",
        ])?;
        Ok(out.trim().to_owned())
    }

    /// Runs `orgdir check`: (no differences?, its report, time taken).
    pub fn check(&self, db: &str) -> anyhow::Result<(bool, String, Duration)> {
        let started = Instant::now();
        let out = Command::new(&self.bin)
            .args(["check", "--database-url", db])
            .output()?;
        let report = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        Ok((out.status.success(), report, started.elapsed()))
    }

    /// Starts `orgdir serve` on `db` and waits until it answers.
    pub async fn serve(&self, db: &str) -> anyhow::Result<Server> {
        let port = free_port()?;
        let started = Instant::now();
        let child = Command::new(&self.bin)
            .args(["serve", "--database-url", db, "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .env("ORGDIR_ADMIN_KEY", ADMIN_KEY)
            .env("ORGDIR_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .context("starting orgdir serve")?;
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            ready_after: Duration::ZERO,
        };
        server.ready_after = wait_ready(&format!("{}/_orgdir/ping", server.base), None, started)
            .await
            .context("orgdir serve did not answer")?;
        Ok(server)
    }
}

/// A running `orgdir serve`; killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    /// From spawning the process to its first answer.
    pub ready_after: Duration,
}

impl Server {
    /// Resident memory now and at its peak, in MiB (Linux).
    pub fn memory_mib(&self) -> Option<(f64, f64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))?
                .split_whitespace()
                .nth(1)?
                .parse::<f64>()
                .ok()
                .map(|kib| kib / 1024.0)
        };
        Some((field("VmRSS:")?, field("VmHWM:")?))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on now.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Polls `url` every 2 ms until it answers 200; returns the time since `since`.
async fn wait_ready(
    url: &str,
    authorization: Option<&str>,
    since: Instant,
) -> anyhow::Result<Duration> {
    let client = reqwest::Client::new();
    let deadline = since + Duration::from_secs(300);
    while Instant::now() < deadline {
        let mut request = client.get(url);
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        if let Ok(response) = request.send().await {
            if response.status().is_success() {
                return Ok(since.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    bail!("{url} did not answer within 300 s")
}

/// Prism (`@stoplight/prism-cli`) mocking one of Zoho's OpenAPI files, run
/// with `npx`; killed with its process group when dropped.
pub struct Prism {
    child: Child,
    pub base: String,
}

impl Prism {
    /// Starts Prism if `npx` is on the PATH; `None` (with the reason printed) otherwise.
    pub async fn start(oas: &std::path::Path) -> Option<Self> {
        use std::os::unix::process::CommandExt;
        if !oas.exists() {
            println!("prism: skipped, {} not found", oas.display());
            return None;
        }
        let port = free_port().ok()?;
        let child = Command::new("npx")
            .args([
                "--yes",
                "@stoplight/prism-cli@5",
                "mock",
                "-h",
                "127.0.0.1",
                "-p",
            ])
            .arg(port.to_string())
            .arg(oas)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn();
        let Ok(child) = child else {
            println!("prism: skipped, npx is not available");
            return None;
        };
        let prism = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let url = format!("{}/crm/v8/users/actions/count", prism.base);
        match wait_ready(&url, Some("Bearer bench"), Instant::now()).await {
            Ok(_) => Some(prism),
            Err(e) => {
                println!("prism: skipped, it did not start: {e}");
                None
            }
        }
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        // npx starts node as a child: end the whole group.
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }
}

/// A fresh, empty database for `backend` named after `name`: a SQLite file
/// under `dir` or a PostgreSQL database on `postgres` (dropped first).
pub async fn fresh_database(
    backend: &str,
    name: &str,
    dir: &std::path::Path,
    postgres: &str,
) -> anyhow::Result<String> {
    match backend {
        "sqlite" => {
            let path = dir.join(format!("{name}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            Ok(format!("sqlite://{}", path.display()))
        }
        _ => {
            admin_sql(
                postgres,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await?;
            admin_sql(postgres, &format!("CREATE DATABASE {name}")).await?;
            Ok(format!("{}/{name}", postgres.trim_end_matches('/')))
        }
    }
}

/// The URL of an existing benchmark database, if it holds a seeded org.
pub async fn existing_database(
    backend: &str,
    name: &str,
    dir: &std::path::Path,
    postgres: &str,
) -> Option<String> {
    match backend {
        "sqlite" => {
            let path = dir.join(format!("{name}.db"));
            path.exists()
                .then(|| format!("sqlite://{}", path.display()))
        }
        _ => {
            let url = format!("{}/{name}", postgres.trim_end_matches('/'));
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&url).await.ok()?;
            let seeded: Option<(i64,)> = sqlx::query_as("SELECT COUNT(*) FROM orgs")
                .fetch_optional(&mut conn)
                .await
                .ok()?;
            seeded.filter(|(n,)| *n > 0).map(|_| url)
        }
    }
}

/// Brings a PostgreSQL database to the state autovacuum would leave it in
/// after a bulk load (dead row versions gone, statistics fresh), so that a
/// run measures the steady state, not the minute after seeding. SQLite has
/// nothing to do.
pub async fn settle(backend: &str, db: &str) -> anyhow::Result<()> {
    if backend == "postgres" {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(db).await?;
        sqlx::query("VACUUM ANALYZE").execute(&mut conn).await?;
    }
    Ok(())
}

/// Licences the benchmark gives the seeded org: the seed's (twice the users,
/// plus 1,000) run out after a few seconds of creations on a small org.
pub const LICENCES: i64 = 1_000_000_000;

/// Raises org `org`'s purchased licences to [`LICENCES`], so that creations
/// never meet `LICENSE_LIMIT_EXCEEDED`. Run before the server starts.
pub async fn raise_licences(backend: &str, db: &str, org: i64) -> anyhow::Result<()> {
    const SQL: &str = "UPDATE orgs SET licenses = $1 WHERE id = $2 AND licenses < $1";
    if backend == "postgres" {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(db).await?;
        sqlx::query(SQL)
            .bind(LICENCES)
            .bind(org)
            .execute(&mut conn)
            .await?;
    } else {
        let path = db.strip_prefix("sqlite://").unwrap_or(db);
        rusqlite::Connection::open(path)?.execute(SQL, rusqlite::params![LICENCES, org])?;
    }
    Ok(())
}

async fn admin_sql(postgres: &str, sql: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let url = format!("{}/postgres", postgres.trim_end_matches('/'));
    let mut conn = sqlx::PgConnection::connect(&url)
        .await
        .with_context(|| format!("connecting to {url}"))?;
    sqlx::query(sql).execute(&mut conn).await?;
    Ok(())
}
