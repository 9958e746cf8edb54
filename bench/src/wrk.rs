//! Runs wrk (Debian package `wrk`) with a script of [`crate::lua`] and reads
//! the figures its `done()` prints.

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::Command;

/// wrk's threads: the same as `../shared/perf-reference/measure.py`.
pub const THREADS: usize = 2;

/// Checks that `wrk` runs.
pub fn find(wrk: &Path) -> anyhow::Result<()> {
    match Command::new(wrk).arg("--version").output() {
        Ok(_) => Ok(()),
        Err(e) => bail!(
            "{} cannot run ({e}): the benchmark drives its load with wrk; install it with `apt-get install wrk` or pass --wrk PATH",
            wrk.display()
        ),
    }
}

/// A number of answers with one status and, for non-2xx answers, the Zoho
/// code of their body (empty when there was none).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answers {
    pub status: u16,
    pub code: String,
    pub count: u64,
}

/// Socket errors wrk saw (`timeout`: answers slower than its 2 s timeout).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SocketErrors {
    pub connect: u64,
    pub read: u64,
    pub write: u64,
    pub timeout: u64,
}

impl SocketErrors {
    pub fn total(&self) -> u64 {
        self.connect + self.read + self.write + self.timeout
    }
}

/// What one wrk run measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figures {
    /// Answers of any status.
    pub requests: u64,
    pub seconds: f64,
    /// 2xx answers per second: an error answer never counts as throughput.
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// By status and code, most frequent first.
    pub answers: Vec<Answers>,
    pub socket_errors: SocketErrors,
    pub command: String,
}

impl Figures {
    /// The answers that are not 2xx.
    pub fn errors(&self) -> impl Iterator<Item = &Answers> {
        self.answers
            .iter()
            .filter(|a| !(200..300).contains(&a.status))
    }
}

/// The line the script's `done()` prints.
#[derive(Deserialize)]
struct Done {
    requests: u64,
    duration_us: u64,
    p50_us: f64,
    p99_us: f64,
    connect: u64,
    read: u64,
    write: u64,
    timeout: u64,
    answers: Vec<(u16, String, u64)>,
}

/// Runs `wrk -t2 -c<connections> -d<seconds>s --latency -s <script> <url>`,
/// keeping wrk's own output next to the script (`.out`).
pub fn run(
    wrk: &Path,
    script: &Path,
    url: &str,
    connections: usize,
    seconds: u64,
) -> anyhow::Result<Figures> {
    let args = [
        format!("-t{THREADS}"),
        format!("-c{}", connections.max(THREADS)),
        format!("-d{seconds}s"),
        "--latency".to_owned(),
        "-s".to_owned(),
        script.display().to_string(),
        url.to_owned(),
    ];
    let command = format!("{} {}", wrk.display(), args.join(" "));
    let out = Command::new(wrk)
        .args(&args)
        .output()
        .with_context(|| format!("running {command}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let log: PathBuf = script.with_extension("out");
    std::fs::write(
        &log,
        format!(
            "$ {command}\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        ),
    )?;
    let Some(line) = stdout.lines().find_map(|l| l.strip_prefix("orgdir-bench ")) else {
        bail!(
            "{command}: no figures from the script (exit {}); see {}",
            out.status,
            log.display()
        );
    };
    let done: Done =
        serde_json::from_str(line).with_context(|| format!("{command}: reading {line}"))?;
    let seconds = done.duration_us.max(1) as f64 / 1e6;
    let mut answers: Vec<Answers> = done
        .answers
        .into_iter()
        .map(|(status, code, count)| Answers {
            status,
            code,
            count,
        })
        .collect();
    answers.sort_by(|a, b| b.count.cmp(&a.count).then(a.status.cmp(&b.status)));
    let ok: u64 = answers
        .iter()
        .filter(|a| (200..300).contains(&a.status))
        .map(|a| a.count)
        .sum();
    Ok(Figures {
        requests: done.requests,
        seconds,
        rps: ok as f64 / seconds,
        p50_ms: done.p50_us / 1000.0,
        p99_ms: done.p99_us / 1000.0,
        answers,
        socket_errors: SocketErrors {
            connect: done.connect,
            read: done.read,
            write: done.write,
            timeout: done.timeout,
        },
        command,
    })
}
