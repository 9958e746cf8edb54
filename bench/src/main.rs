//! `orgdir-bench`: seeds orgs of several sizes on each backend, serves each
//! with the release `orgdir` binary, drives HTTP load against a baseline
//! endpoint (no auth, no storage), the five count endpoints, token reads,
//! user creations and a mixed workload, and prints requests/s, p50 and p99
//! with ratios to the baseline measured in the same run. Then it measures a
//! large role move, memory, start-up, reset and `orgdir check`, compares
//! with Prism mocking Zoho's OpenAPI file where `npx` is available, checks
//! the targets, and writes the figures (JSON) and a plot (PNG).
//!
//! `cargo build --release && cargo run --release -p orgdir-bench -- --help`

mod load;
mod plot;
mod procs;
mod scenarios;

use anyhow::Context;
use clap::Parser;
use load::{drive, Figures, Target};
use orgdir_core::seed::{SeedSpec, ROLE_BASE};
use procs::{Orgdir, Prism, ADMIN_KEY};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Load benchmark of orgdir's count endpoints against a baseline and Prism")]
struct Args {
    /// The orgdir binary (build it with `cargo build --release`).
    #[arg(long, default_value = "target/release/orgdir")]
    orgdir: PathBuf,
    /// Org sizes (users), comma-separated.
    #[arg(long, default_value = "10000,100000,1000000", value_delimiter = ',')]
    sizes: Vec<usize>,
    /// Backends, comma-separated: sqlite, postgres.
    #[arg(long, default_value = "sqlite,postgres", value_delimiter = ',')]
    backends: Vec<String>,
    /// PostgreSQL server URL (databases orgdir_bench_* are created on it).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    postgres_url: String,
    /// Where SQLite databases are kept (seeded orgs are reused across runs).
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
    /// Concurrent connections of the load generator.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Measured seconds per scenario (after a one-second warm-up).
    #[arg(long, default_value_t = 5)]
    duration: u64,
    /// Users the role move carries (at the largest size; 0 skips it).
    #[arg(long, default_value_t = 100_000)]
    move_users: usize,
    /// Groups made to cover the role move's new parent.
    #[arg(long, default_value_t = 100)]
    move_groups: usize,
    /// Zoho's OpenAPI file Prism mocks.
    #[arg(long, default_value = "../shared/zoho-oas/v8.0/users.json")]
    prism_oas: PathBuf,
    /// Where results.json and the plot are written.
    #[arg(long, default_value = "docs/bench")]
    out: PathBuf,
    /// Only the read scenarios whose name contains this (and the baseline);
    /// no writes, no start-up or reset trials: for profiling one endpoint.
    #[arg(long)]
    only: Option<String>,
}

/// One measured scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub backend: String,
    pub users: usize,
    pub scenario: String,
    pub count_endpoint: bool,
    pub figures: Figures,
}

/// Everything else measured for one backend.
#[derive(Debug, Default, Serialize)]
struct Extras {
    seed_seconds: HashMap<usize, f64>,
    check: HashMap<usize, (bool, String, f64)>,
    /// Resident memory after the read scenarios, in MiB.
    serving_mib: HashMap<usize, f64>,
    /// Resident and peak memory after the writes (role move included), in MiB.
    memory_mib: HashMap<usize, (f64, f64)>,
    role_move: Option<serde_json::Value>,
    empty_ready_ms: Vec<f64>,
    reset_ms: Vec<f64>,
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
    std::fs::create_dir_all(&args.workdir)?;
    std::fs::create_dir_all(&args.out)?;
    let orgdir = Orgdir {
        bin: args.orgdir.clone(),
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections)
        .tcp_nodelay(true)
        .build()?;
    let warmup = Duration::from_secs(1);
    let duration = Duration::from_secs(args.duration);
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    println!(
        "machine: {} cores; load generator: {} connections on the same machine",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.connections
    );

    let prism = match Prism::start(&args.prism_oas).await {
        Some(prism) => {
            let target = Target {
                client: &client,
                base: &prism.base,
                authorization: Some("Bearer bench"),
            };
            let make: load::MakeRequest =
                Arc::new(|_| load::Request::get("/crm/v8/users/actions/count"));
            let figures = drive(&target, args.connections, warmup, duration, make).await;
            println!(
                "prism users count: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
                figures.rps, figures.p50_ms, figures.p99_ms
            );
            Some(figures)
        }
        None => None,
    };

    let mut rows: Vec<Row> = Vec::new();
    let mut extras: HashMap<String, Extras> = HashMap::new();
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
        let live = Arc::new(scenarios::live_user_ids(&doc));
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
            let token = orgdir.token(&db, spec.org_id().0)?;
            let authorization = format!("Zoho-oauthtoken {token}");
            let server = orgdir.serve(&db).await?;
            let target = Target {
                client: &client,
                base: &server.base,
                authorization: Some(&authorization),
            };
            println!("\n== {backend}, {size} users");
            let mut measure = |scenario: &scenarios::Scenario, figures: Figures| {
                println!(
                    "{:<34} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>8.2} ms  errors {}{}",
                    scenario.name,
                    figures.rps,
                    figures.p50_ms,
                    figures.p99_ms,
                    figures.errors,
                    figures
                        .first_error
                        .as_deref()
                        .map(|e| format!(" (first: {e})"))
                        .unwrap_or_default()
                );
                rows.push(Row {
                    backend: backend.clone(),
                    users: size,
                    scenario: scenario.name.to_owned(),
                    count_endpoint: scenario.count_endpoint,
                    figures,
                });
            };
            let wanted = |name: &str| {
                args.only
                    .as_deref()
                    .is_none_or(|only| name.starts_with("baseline") || name.contains(only))
            };
            let reads: Vec<_> = scenarios::reads(&spec, live.clone())
                .into_iter()
                .filter(|s| wanted(s.name))
                .collect();
            drive_all(&target, &args, reads, &mut measure).await;
            if let Some(memory) = server.memory_mib() {
                println!("memory after the reads: {:.0} MiB resident", memory.0);
                extra.serving_mib.insert(size, memory.0);
            }
            if args.only.is_some() {
                continue;
            }
            if size == largest && args.move_users > 0 {
                let moved = role_move(&target, &doc, &spec, args.move_users, args.move_groups, run)
                    .await
                    .context("role move")?;
                println!("role move: {moved}");
                extra.role_move = Some(moved);
            }
            let writes = [
                scenarios::creations(&spec, run),
                scenarios::mixed(&spec, run, live.clone()),
            ];
            drive_all(&target, &args, writes.into(), &mut measure).await;
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

    report(&args, &rows, &extras, prism.as_ref());
    let results = json!({
        "rows": rows,
        "extras": extras,
        "prism_users_count": prism,
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

/// Drives each scenario in turn (one second of warm-up, then `--duration`
/// seconds) and hands its figures to `measure`.
async fn drive_all(
    target: &Target<'_>,
    args: &Args,
    list: Vec<scenarios::Scenario>,
    measure: &mut impl FnMut(&scenarios::Scenario, Figures),
) {
    for scenario in list {
        let figures = drive(
            target,
            args.connections,
            Duration::from_secs(1),
            Duration::from_secs(args.duration),
            scenario.make.clone(),
        )
        .await;
        measure(&scenario, figures);
    }
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

/// Moves a role whose subtree holds about `users` live users under a leaf
/// role that `groups` fresh groups cover with subordinates, times the one
/// `PUT`, and checks one of those groups' count against the seed.
async fn role_move(
    target: &Target<'_>,
    doc: &orgdir_core::document::OrgDocument,
    spec: &SeedSpec,
    users: usize,
    groups: usize,
    run: u64,
) -> anyhow::Result<serde_json::Value> {
    // Roles are generated parents first: index i reports to an index < i.
    let index: HashMap<&str, usize> = doc
        .roles
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let parent: Vec<Option<usize>> = doc
        .roles
        .iter()
        .map(|r| r.reporting_to.as_deref().map(|p| index[p]))
        .collect();
    let mut own = vec![0usize; doc.roles.len()];
    for u in doc.users.iter().filter(|u| u.status != "deleted") {
        own[index[u.role.as_str()]] += 1;
    }
    let mut subtree = own.clone();
    for i in (1..doc.roles.len()).rev() {
        if let Some(p) = parent[i] {
            subtree[p] += subtree[i];
        }
    }
    let moved = (1..doc.roles.len())
        .min_by_key(|&i| subtree[i].abs_diff(users))
        .context("no role to move")?;
    let inside = |mut i: usize| loop {
        if i == moved {
            return true;
        }
        match parent[i] {
            Some(p) => i = p,
            None => return false,
        }
    };
    let has_children: Vec<bool> = {
        let mut v = vec![false; doc.roles.len()];
        for p in parent.iter().flatten() {
            v[*p] = true;
        }
        v
    };
    // A different leaf each run, so that a rerun on a reused database moves
    // the role again instead of to where it already is.
    let mut candidates: Vec<usize> = (1..doc.roles.len())
        .filter(|&i| !has_children[i] && !inside(i) && Some(i) != parent[moved])
        .collect();
    candidates.sort_by_key(|&i| (own[i], i));
    candidates.truncate(50);
    anyhow::ensure!(!candidates.is_empty(), "no new parent");
    let new_parent = candidates[(run % candidates.len() as u64) as usize];
    let role_id = |i: usize| spec.id(ROLE_BASE, i).to_string();
    let auth = target.authorization.unwrap_or_default();
    for k in 0..groups {
        create_group(target, &format!("Move {run} {k}"), &role_id(new_parent)).await?;
    }
    // Counts before the move, read through the API (earlier workloads on a
    // reused database changed them): the probe group holds the moved subtree.
    create_group(target, &format!("Move {run} probe"), &role_id(moved)).await?;
    let moved_users = group_count(target, &format!("Move {run} probe")).await?;
    let before = group_count(target, &format!("Move {run} 0")).await?;
    let started = Instant::now();
    let response = target
        .client
        .put(format!(
            "{}/crm/v8/settings/roles/{}",
            target.base,
            role_id(moved)
        ))
        .header("Authorization", auth)
        .json(&json!({"roles": [{"reporting_to": {"id": role_id(new_parent)}}]}))
        .send()
        .await?;
    let took = started.elapsed();
    anyhow::ensure!(
        response.status().is_success(),
        "moving the role: {}",
        response.text().await?
    );
    let after = group_count(target, &format!("Move {run} 0")).await?;
    let expected = before + moved_users;
    Ok(json!({
        "moved_users": moved_users,
        "groups_covering_new_parent": groups,
        "seconds": took.as_secs_f64(),
        "group_count_before": before,
        "group_count_after": after,
        "group_count_expected": expected,
        "exact": after == expected,
    }))
}

/// Creates a group whose one source is `role` with its subordinates.
async fn create_group(target: &Target<'_>, name: &str, role: &str) -> anyhow::Result<()> {
    let body = json!({"user_groups": [{"name": name,
        "sources": [{"type": "roles", "source": {"id": role}, "subordinates": true}]}]});
    let response = target
        .client
        .post(format!("{}/crm/v8/settings/user_groups", target.base))
        .header("Authorization", target.authorization.unwrap_or_default())
        .json(&body)
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "creating a group: {}",
        response.text().await?
    );
    Ok(())
}

/// The associated users count of the group named `name`.
async fn group_count(target: &Target<'_>, name: &str) -> anyhow::Result<u64> {
    let filter = json!({"field": {"api_name": "name"}, "comparator": "equal", "value": name});
    let counted: serde_json::Value = target
        .client
        .get(format!(
            "{}/crm/v8/settings/user_groups/actions/associated_users_count?filters={}",
            target.base,
            percent_encoding::utf8_percent_encode(
                &filter.to_string(),
                percent_encoding::NON_ALPHANUMERIC
            )
        ))
        .header("Authorization", target.authorization.unwrap_or_default())
        .send()
        .await?
        .json()
        .await?;
    counted["associated_users_count"][0]["count"]
        .as_u64()
        .with_context(|| format!("no count for {name}: {counted}"))
}

/// Prints the table of ratios and the targets, met or missed.
fn report(args: &Args, rows: &[Row], extras: &HashMap<String, Extras>, prism: Option<&Figures>) {
    println!("\n== results (ratios against the baseline of the same backend and size)");
    println!(
        "{:<9} {:>8}  {:<34} {:>9} {:>9} {:>9} {:>10} {:>10}",
        "backend", "users", "scenario", "req/s", "p50 ms", "p99 ms", "rps/base", "p99/base"
    );
    let baseline = |backend: &str, users: usize| {
        rows.iter()
            .find(|r| {
                r.backend == backend && r.users == users && r.scenario.starts_with("baseline")
            })
            .map(|r| r.figures.clone())
    };
    for row in rows {
        let base = baseline(&row.backend, row.users);
        let (rps_ratio, p99_ratio) = base
            .map(|b| (row.figures.rps / b.rps, row.figures.p99_ms / b.p99_ms))
            .unwrap_or((f64::NAN, f64::NAN));
        println!(
            "{:<9} {:>8}  {:<34} {:>9.0} {:>9.2} {:>9.2} {:>9.2}x {:>9.2}x",
            row.backend,
            row.users,
            row.scenario,
            row.figures.rps,
            row.figures.p50_ms,
            row.figures.p99_ms,
            rps_ratio,
            p99_ratio
        );
    }
    let largest = args.sizes.iter().copied().max().unwrap_or(0);
    let smallest = args.sizes.iter().copied().min().unwrap_or(0);
    println!("\n== targets at {largest} users");
    let verdict = |ok: bool| if ok { "met   " } else { "MISSED" };
    for backend in &args.backends {
        let Some(base) = baseline(backend, largest) else {
            continue;
        };
        let floor = if backend == "sqlite" { 0.5 } else { 0.25 };
        for row in rows
            .iter()
            .filter(|r| r.backend == *backend && r.users == largest && r.count_endpoint)
        {
            let ratio = row.figures.rps / base.rps;
            println!(
                "{} {backend} {}: {:.2}x the baseline's req/s (target >= {floor}x), p99 {:.1}x the baseline's (target <= 10x), {} errors",
                verdict(ratio >= floor && row.figures.p99_ms <= 10.0 * base.p99_ms && row.figures.errors == 0),
                row.scenario,
                ratio,
                row.figures.p99_ms / base.p99_ms,
                row.figures.errors
            );
            if let Some(small) = rows.iter().find(|r| {
                r.backend == *backend && r.users == smallest && r.scenario == row.scenario
            }) {
                let flat = row.figures.p50_ms / small.figures.p50_ms;
                println!(
                    "{} {backend} {}: p50 at {largest} users is {flat:.2}x the p50 at {smallest} (target <= 1.5x)",
                    verdict(flat <= 1.5),
                    row.scenario
                );
            }
        }
        if let Some(prism) = prism {
            if let Some(row) = rows.iter().find(|r| {
                r.backend == *backend
                    && r.users == largest
                    && r.scenario == scenarios::COUNT_ENDPOINTS[0]
            }) {
                let ratio = row.figures.rps / prism.rps;
                println!(
                    "{} {backend} users count: {ratio:.1}x Prism's req/s ({:.0} vs {:.0}; target >= 10x)",
                    verdict(ratio >= 10.0),
                    row.figures.rps,
                    prism.rps
                );
            }
        }
        if let Some(row) = rows.iter().find(|r| {
            r.backend == *backend && r.users == largest && r.scenario.starts_with("create")
        }) {
            let target = if backend == "sqlite" {
                ">= 1000/s"
            } else {
                "none set"
            };
            println!(
                "{} {backend} user creations: {:.0}/s ({target}), {} errors",
                verdict(backend != "sqlite" || row.figures.rps >= 1000.0),
                row.figures.rps,
                row.figures.errors
            );
        }
        let Some(extra) = extras.get(backend) else {
            continue;
        };
        if let Some(moved) = &extra.role_move {
            let seconds = moved["seconds"].as_f64().unwrap_or(f64::NAN);
            println!(
                "{} {backend} role move: {} users under {} covering groups in {seconds:.2} s, count exact: {} (target < 1 s, exact)",
                verdict(seconds < 1.0 && moved["exact"] == json!(true)),
                moved["moved_users"],
                moved["groups_covering_new_parent"],
                moved["exact"]
            );
        }
        let limit_mib = 300.0 * 1_000_000.0 / 1_048_576.0;
        if let Some(serving) = extra.serving_mib.get(&largest) {
            println!(
                "{} {backend} memory serving {largest} users (after the reads): {serving:.0} MiB resident (target <= 300 MB = {limit_mib:.0} MiB)",
                verdict(*serving <= limit_mib)
            );
        }
        if let Some((rss, peak)) = extra.memory_mib.get(&largest) {
            println!(
                "{} {backend} memory after the writes and the role move: {rss:.0} MiB resident, {peak:.0} MiB peak (target <= {limit_mib:.0} MiB)",
                verdict(*peak <= limit_mib)
            );
        }
        let ready = median(&mut extra.empty_ready_ms.clone());
        println!(
            "{} {backend} empty database ready to serve: median {ready:.1} ms of {} starts (target <= 100 ms)",
            verdict(ready <= 100.0),
            extra.empty_ready_ms.len()
        );
        let reset = median(&mut extra.reset_ms.clone());
        println!(
            "{} {backend} small org reset: median {reset:.1} ms of {} (target <= 10 ms)",
            verdict(reset <= 10.0),
            extra.reset_ms.len()
        );
        for (size, (clean, report, seconds)) in &extra.check {
            println!(
                "{} {backend} orgdir check at {size} users after the workload: {report} ({seconds:.1} s)",
                verdict(*clean)
            );
        }
        for (size, seconds) in &extra.seed_seconds {
            println!("       {backend} seeding {size} users took {seconds:.0} s");
        }
    }
}
