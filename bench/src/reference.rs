//! The yardstick of `../shared/perf-reference`, built and started as its
//! `measure.py` does: the constant-response server (the HTTP stack's limit
//! on this machine) and the one-statement reference of each backend
//! (`refcount sync1` on SQLite, `refcount pg1` on PostgreSQL: the token, its
//! user and a maintained count in one statement, 100k users).

use anyhow::{bail, Context};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The path every yardstick server is asked (they answer any path).
pub const PATH: &str = "/crm/v7/users/actions/count";
/// The token `refcount seed` and `pgseed.sql` mint as `tok777`.
pub const AUTHORIZATION: &str = "Zoho-oauthtoken tok777";
/// The reference's PostgreSQL database (measure.py's is
/// `orgdir_perf_reference`; another name keeps the two apart).
const PG_DATABASE: &str = "orgdir_bench_perf_reference";

/// The running yardstick servers; stopped when dropped.
pub struct Yardstick {
    children: Vec<Child>,
    /// The constant server's URL.
    pub constant: String,
    /// The one-statement reference's URL per backend (`sqlite`, `postgres`).
    pub references: Vec<(String, String)>,
}

impl Yardstick {
    pub fn reference(&self, backend: &str) -> Option<&str> {
        self.references
            .iter()
            .find(|(b, _)| b == backend)
            .map(|(_, url)| url.as_str())
    }
}

impl Drop for Yardstick {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `cargo build --release` of one crate of `dir`, in `$PERF_REFERENCE_TARGET`
/// (default `~/.cache/orgdir-perf-reference`); returns the binary.
fn build(dir: &Path, krate: &str) -> anyhow::Result<PathBuf> {
    let target = std::env::var_os("PERF_REFERENCE_TARGET")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(".cache/orgdir-perf-reference"))
        })
        .context("neither PERF_REFERENCE_TARGET nor HOME is set")?;
    let status = Command::new("cargo")
        .args(["build", "--release", "-q"])
        .current_dir(dir.join(krate))
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .with_context(|| format!("building {}", dir.join(krate).display()))?;
    anyhow::ensure!(
        status.success(),
        "cargo build of {} failed",
        dir.join(krate).display()
    );
    Ok(target.join("release").join(krate))
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let out = command
        .output()
        .with_context(|| format!("running {command:?}"))?;
    if !out.status.success() {
        bail!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Spawns `bin args… ADDR` on a free port and waits until it listens.
fn serve(bin: &Path, args: &[&str], children: &mut Vec<Child>) -> anyhow::Result<String> {
    let port = crate::procs::free_port()?;
    let addr = format!("127.0.0.1:{port}");
    children.push(
        Command::new(bin)
            .args(args)
            .arg(&addr)
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?,
    );
    let socket: SocketAddr = addr.parse()?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect_timeout(&socket, Duration::from_millis(200)).is_err() {
        if Instant::now() > deadline {
            bail!("{} {args:?}: nothing listens on {addr}", bin.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(format!("http://{addr}{PATH}"))
}

/// Builds and starts the constant server and the reference of each of
/// `backends`; the SQLite reference's database goes in `workdir`.
pub fn start(
    dir: &Path,
    workdir: &Path,
    backends: &[String],
    postgres: &str,
) -> anyhow::Result<Yardstick> {
    anyhow::ensure!(
        dir.join("measure.py").exists(),
        "{} is not ../shared/perf-reference (no measure.py); pass --perf-reference",
        dir.display()
    );
    let mut yardstick = Yardstick {
        children: Vec::new(),
        constant: String::new(),
        references: Vec::new(),
    };
    yardstick.constant = serve(&build(dir, "baseline")?, &[], &mut yardstick.children)?;
    let refcount = build(dir, "refcount")?;
    for backend in backends {
        let db = match backend.as_str() {
            "sqlite" => {
                let db = workdir.join("perf-reference.db").display().to_string();
                for suffix in ["-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{db}{suffix}"));
                }
                run(Command::new(&refcount).args(["seed", &db]))?;
                (db, "sync1")
            }
            "postgres" => {
                let server = postgres.trim_end_matches('/');
                run(Command::new("psql")
                    .args([&format!("{server}/postgres"), "-q", "-v", "ON_ERROR_STOP=1"])
                    .args(["-c", &format!("DROP DATABASE IF EXISTS {PG_DATABASE}")])
                    .args(["-c", &format!("CREATE DATABASE {PG_DATABASE}")]))?;
                run(Command::new("psql")
                    .args([&format!("{server}/{PG_DATABASE}"), "-q", "-f"])
                    .arg(dir.join("refcount/pgseed.sql")))?;
                (format!("{server}/{PG_DATABASE}"), "pg1")
            }
            other => bail!("unknown backend {other}"),
        };
        let url = serve(&refcount, &[db.1, &db.0], &mut yardstick.children)?;
        yardstick.references.push((backend.clone(), url));
    }
    Ok(yardstick)
}
