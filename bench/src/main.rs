//! `orgdir-bench`: seeds orgs of several sizes on each backend, serves each
//! with the release `orgdir` binary and drives it with wrk: the count
//! endpoints, `GET /users/{id}`, user creations and a mixed workload, each
//! beside the constant-response server and the one-statement reference of
//! `../shared/perf-reference` measured in the same run. It prints req/s, p50
//! and p99 with ratios to both, every non-2xx answer and socket error with
//! its explanation, and the targets of issues 11 and 12 met or missed; then
//! a large role move and territory move, memory, start-up, reset, seeding and
//! `orgdir check`, Prism mocking
//! Zoho's OpenAPI file where `npx` can run it, the figures (JSON) and a plot.
//!
//! `cargo build --release && cargo run --release -p orgdir-bench -- --help`

mod lua;
mod moves;
mod plot;
mod procs;
mod reference;
mod report;
mod scenarios;
mod wrk;

use anyhow::Context;
use clap::Parser;
use orgdir_core::seed::SeedSpec;
use procs::{Orgdir, Prism, ADMIN_KEY};
use scenarios::Scenario;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;
use wrk::Figures;

#[derive(Parser)]
#[command(
    about = "Load benchmark of orgdir with wrk, against the perf-reference yardstick and Prism"
)]
pub struct Args {
    /// The orgdir binary (build it with `cargo build --release`).
    #[arg(long, default_value = "target/release/orgdir")]
    orgdir: PathBuf,
    /// The wrk binary (Debian package `wrk`).
    #[arg(long, default_value = "wrk")]
    wrk: PathBuf,
    /// The yardstick: its constant server and one-statement references.
    #[arg(long, default_value = "../shared/perf-reference")]
    perf_reference: PathBuf,
    /// Org sizes (users), comma-separated.
    #[arg(long, default_value = "10000,100000,1000000", value_delimiter = ',')]
    pub sizes: Vec<usize>,
    /// Backends, comma-separated: sqlite, postgres.
    #[arg(long, default_value = "sqlite,postgres", value_delimiter = ',')]
    pub backends: Vec<String>,
    /// PostgreSQL server URL (databases orgdir_bench_* are created on it).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    postgres_url: String,
    /// Where SQLite databases, wrk scripts and wrk's output are kept
    /// (seeded orgs are reused across runs).
    #[arg(long, default_value = "/tmp/orgdir-bench")]
    workdir: PathBuf,
    /// Seed again even if a seeded database exists.
    #[arg(long)]
    reseed: bool,
    #[arg(long, default_value_t = 1_000)]
    roles: usize,
    #[arg(long, default_value_t = 10_000)]
    territories: usize,
    #[arg(long, default_value_t = 10_000)]
    groups: usize,
    /// wrk's connections (it runs 2 threads).
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Seconds of each wrk run.
    #[arg(long, default_value_t = 5)]
    pub duration: u64,
    /// Live users the role move carries at least (at the largest size; 0
    /// skips it).
    #[arg(long, default_value_t = 100_000)]
    move_users: usize,
    /// User associations the territory move carries at least (at the
    /// largest size; 0 skips it).
    #[arg(long, default_value_t = 100_000)]
    move_associations: usize,
    /// Groups made to cover each move's new parent.
    #[arg(long, default_value_t = 100)]
    move_groups: usize,
    /// Zoho's OpenAPI file Prism mocks.
    #[arg(long, default_value = "../shared/zoho-oas/v8.0/users.json")]
    prism_oas: PathBuf,
    /// Where results.json and the plot are written.
    #[arg(long, default_value = "docs/bench")]
    out: PathBuf,
    /// Only the read scenarios whose name contains this (and the
    /// yardstick); no writes, no start-up or reset trials: for profiling.
    #[arg(long)]
    only: Option<String>,
}

/// One wrk run: a scenario against orgdir, or the yardstick measured for
/// the same backend and size.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub backend: String,
    pub users: usize,
    pub scenario: String,
    pub figures: Figures,
}

/// Everything else measured for one backend.
#[derive(Debug, Default, Serialize)]
pub struct Extras {
    pub seed_seconds: BTreeMap<usize, f64>,
    pub check: BTreeMap<usize, (bool, String, f64)>,
    /// Resident memory after the read scenarios, in MiB.
    pub serving_mib: BTreeMap<usize, f64>,
    /// Resident memory after the writes (the moves included) and the peak
    /// over the server's whole life, in MiB.
    pub memory_mib: BTreeMap<usize, (f64, f64)>,
    pub role_move: Option<serde_json::Value>,
    pub territory_move: Option<serde_json::Value>,
    pub empty_ready_ms: Vec<f64>,
    pub reset_ms: Vec<f64>,
}

/// Where wrk runs go: the scripts' directory and the rows measured so far.
struct Runs<'a> {
    args: &'a Args,
    scripts: PathBuf,
    rows: Vec<Row>,
}

impl Runs<'_> {
    /// Runs `scenario` with wrk against `url` and prints its figures.
    fn measure(
        &self,
        label: &str,
        scenario: &Scenario,
        url: &str,
        authorization: Option<&str>,
    ) -> anyhow::Result<Figures> {
        let slug: String = format!("{label} {}", scenario.name)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let script = self.scripts.join(format!("{slug}.lua"));
        std::fs::write(&script, lua::render(scenario, authorization))?;
        let figures = wrk::run(
            &self.args.wrk,
            &script,
            url,
            self.args.connections,
            self.args.duration,
        )?;
        let first_error = figures
            .errors()
            .next()
            .map(|a| format!(" (most: {} {} x{})", a.status, a.code, a.count))
            .unwrap_or_default();
        println!(
            "{:<40} {:>9.0} 2xx/s  p50 {:>7.2} ms  p99 {:>8.2} ms  non-2xx {}  socket errors {}{first_error}",
            scenario.name,
            figures.rps,
            figures.p50_ms,
            figures.p99_ms,
            figures.errors().map(|a| a.count).sum::<u64>(),
            figures.socket_errors.total(),
        );
        Ok(figures)
    }

    /// Measures `scenario` and keeps its figures as a row of `backend` at `users`.
    fn record(
        &mut self,
        backend: &str,
        users: usize,
        scenario: &Scenario,
        url: &str,
        authorization: Option<&str>,
    ) -> anyhow::Result<()> {
        let figures = self.measure(&format!("{backend}-{users}"), scenario, url, authorization)?;
        self.rows.push(Row {
            backend: backend.to_owned(),
            users,
            scenario: scenario.name.to_owned(),
            figures,
        });
        Ok(())
    }
}

/// An orgdir server and the token the benchmark calls it with.
struct Api<'a> {
    client: &'a reqwest::Client,
    base: &'a str,
    authorization: &'a str,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        args.orgdir.exists(),
        "{} not found: run `cargo build --release` first",
        args.orgdir.display()
    );
    wrk::find(&args.wrk)?;
    let scripts = args.workdir.join("wrk");
    std::fs::create_dir_all(&scripts)?;
    std::fs::create_dir_all(&args.out)?;
    let orgdir = Orgdir {
        bin: args.orgdir.clone(),
    };
    let client = reqwest::Client::new();
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    println!(
        "machine: {} cores; load: wrk -t{} -c{} -d{}s --latency -s SCRIPT URL on the same machine (scripts and wrk's output in {})",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        wrk::THREADS,
        args.connections,
        args.duration,
        scripts.display()
    );
    println!(
        "building and starting the yardstick of {}",
        args.perf_reference.display()
    );
    let yardstick = reference::start(
        &args.perf_reference,
        &args.workdir,
        &args.backends,
        &args.postgres_url,
    )
    .context("the perf-reference yardstick")?;
    let mut runs = Runs {
        args: &args,
        scripts,
        rows: Vec::new(),
    };

    let prism = match Prism::start(&args.prism_oas).await {
        Some(prism) => {
            let scenario = Scenario::fixed(scenarios::PRISM, "/crm/v8/users/actions/count");
            Some(runs.measure("prism", &scenario, &prism.base, Some("Bearer bench"))?)
        }
        None => None,
    };

    let mut extras: BTreeMap<String, Extras> = BTreeMap::new();
    let largest = args.sizes.iter().copied().max().unwrap_or(0);
    for &size in &args.sizes {
        let spec = SeedSpec {
            seed: 1,
            users: size,
            roles: args.roles,
            territories: args.territories,
            groups: args.groups,
            nesting: 0.1,
        };
        let doc = orgdir_core::seed::generate(&spec);
        let live = scenarios::live_user_ids(&doc);
        for backend in &args.backends {
            let extra = extras.entry(backend.clone()).or_default();
            let name = format!("orgdir_bench_{size}");
            let existing = if args.reseed {
                None
            } else {
                procs::existing_database(backend, &name, &args.workdir, &args.postgres_url).await
            };
            let db = match existing {
                Some(db) => db,
                None => {
                    let db =
                        procs::fresh_database(backend, &name, &args.workdir, &args.postgres_url)
                            .await?;
                    println!("\n== seeding {size} users on {backend}");
                    let took = orgdir.seed(&db, &spec)?;
                    extra.seed_seconds.insert(size, took.as_secs_f64());
                    db
                }
            };
            procs::settle(backend, &db).await?;
            procs::raise_licences(backend, &db, spec.org_id().0).await?;
            let token = orgdir.token(&db, spec.org_id().0)?;
            let authorization = format!("Zoho-oauthtoken {token}");
            let server = orgdir.serve(&db).await?;
            let api = Api {
                client: &client,
                base: &server.base,
                authorization: &authorization,
            };
            println!("\n== {backend}, {size} users");
            let reference = yardstick
                .reference(backend)
                .context("no reference for this backend")?;
            let fixed = |name| Scenario::fixed(name, reference::PATH);
            runs.record(
                backend,
                size,
                &fixed(scenarios::CONSTANT),
                &yardstick.constant,
                None,
            )?;
            runs.record(
                backend,
                size,
                &fixed(scenarios::REFERENCE),
                reference,
                Some(reference::AUTHORIZATION),
            )?;
            let ping = Scenario::fixed(scenarios::PING, "/_orgdir/ping");
            runs.record(backend, size, &ping, &server.base, None)?;
            let wanted = |name: &str| args.only.as_deref().is_none_or(|only| name.contains(only));
            for scenario in scenarios::reads(&spec, &live) {
                if wanted(scenario.name) {
                    runs.record(backend, size, &scenario, &server.base, Some(&authorization))?;
                }
            }
            if let Some(memory) = server.memory_mib() {
                println!(
                    "memory after the reads: {:.0} MiB resident, {:.0} MiB peak",
                    memory.0, memory.1
                );
                extra.serving_mib.insert(size, memory.0);
            }
            if args.only.is_some() {
                continue;
            }
            if size == largest {
                let trials = [
                    (moves::Tree::Roles, args.move_users),
                    (moves::Tree::Territories, args.move_associations),
                ];
                for (tree, weight) in trials.into_iter().filter(|t| t.1 > 0) {
                    let moved =
                        moves::tree_move(&api, &doc, &spec, tree, weight, args.move_groups, run)
                            .await
                            .with_context(|| format!("{tree:?} move"))?;
                    println!("{tree:?} move: {moved}");
                    if let Some((rss, peak)) = server.memory_mib() {
                        println!(
                            "memory after the {tree:?} move: {rss:.0} MiB resident, {peak:.0} MiB peak"
                        );
                    }
                    match tree {
                        moves::Tree::Roles => extra.role_move = Some(moved),
                        moves::Tree::Territories => extra.territory_move = Some(moved),
                    }
                }
            }
            for scenario in [
                scenarios::create(&spec, run),
                scenarios::mixed(&spec, run, &live),
            ] {
                runs.record(backend, size, &scenario, &server.base, Some(&authorization))?;
            }
            if let Some(memory) = server.memory_mib() {
                println!(
                    "memory after the writes: {:.0} MiB resident, {:.0} MiB peak",
                    memory.0, memory.1
                );
                extra.memory_mib.insert(size, memory);
            }
            drop(server);
            let (clean, report, took) = orgdir.check(&db)?;
            println!(
                "orgdir check after the workload ({:.1} s): {report}",
                took.as_secs_f64()
            );
            extra
                .check
                .insert(size, (clean, report, took.as_secs_f64()));
        }
    }
    drop(yardstick);

    for backend in args.backends.iter().filter(|_| args.only.is_none()) {
        let extra = extras.entry(backend.clone()).or_default();
        for trial in 0..5 {
            let db = procs::fresh_database(
                backend,
                &format!("orgdir_bench_empty_{trial}"),
                &args.workdir,
                &args.postgres_url,
            )
            .await?;
            let server = orgdir.serve(&db).await?;
            extra
                .empty_ready_ms
                .push(server.ready_after.as_secs_f64() * 1000.0);
            if trial == 0 {
                extra.reset_ms = reset_times(&client, &server.base, 20).await?;
            }
        }
    }

    let rows = runs.rows;
    report::table(&args, &rows, prism.as_ref());
    let errors = report::errors(&rows);
    let verdicts = report::verdicts(&args, &rows, &extras, prism.as_ref());
    let results = json!({
        "rows": rows,
        "errors": errors,
        "verdicts": verdicts,
        "extras": extras,
        "prism_users_count": prism,
        "wrk_threads": wrk::THREADS,
        "connections": args.connections,
        "duration_seconds": args.duration,
    });
    let json_path = args.out.join("results.json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&results)?)?;
    let png_path = args.out.join("counts-vs-size.png");
    match plot::draw(&rows, &png_path) {
        Ok(()) => println!("\nwrote {} and {}", json_path.display(), png_path.display()),
        Err(e) => println!("\nwrote {}; no plot: {e}", json_path.display()),
    }
    Ok(())
}

/// Times `n` resets of the (small, demo) org of a fresh server, in ms.
async fn reset_times(client: &reqwest::Client, base: &str, n: usize) -> anyhow::Result<Vec<f64>> {
    let orgs: serde_json::Value = client
        .get(format!("{base}/_orgdir/orgs"))
        .header("x-orgdir-admin-key", ADMIN_KEY)
        .send()
        .await?
        .json()
        .await?;
    let org = orgs["orgs"][0]["id"]
        .as_str()
        .context("no org on the fresh server")?
        .to_owned();
    let mut times = Vec::new();
    for _ in 0..n {
        let started = Instant::now();
        let response = client
            .post(format!("{base}/_orgdir/orgs/{org}/reset"))
            .header("x-orgdir-admin-key", ADMIN_KEY)
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "reset: {}",
            response.status()
        );
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(times)
}
