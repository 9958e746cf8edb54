//! Helpers for the benchmark programs in `benches/`: generated orgs (the
//! generator of `orgdir seed`, `orgdir_core::seed`) and timing.

pub use orgdir_core::seed::{generate, SeedSpec, GROUP_BASE, ROLE_BASE, USER_BASE};
use std::time::{Duration, Instant};

/// Reads `ORGDIR_BENCH_<NAME>` as a number, or `default`.
pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(format!("ORGDIR_BENCH_{name}"))
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The id, as text, of the `n`-th record after `base` in `spec`'s org.
pub fn id(spec: &SeedSpec, base: i64, n: usize) -> String {
    spec.id(base, n).to_string()
}

/// Runs `f` `n` times and returns the sorted durations.
pub async fn sample<F, Fut, T>(n: usize, mut f: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        std::hint::black_box(f().await);
        times.push(start.elapsed());
    }
    times.sort();
    times
}

/// The `p`-th percentile (0..=100) of sorted durations.
pub fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[(sorted.len() - 1) * p / 100]
}

/// Prints one figure line: median, p99, and the ratio of `baseline`'s median to this one.
pub fn report(label: &str, times: &[Duration], baseline: Option<&[Duration]>) {
    let median = percentile(times, 50);
    let ratio = baseline
        .map(|b| {
            format!(
                "  ({:.0}× faster than the baseline)",
                percentile(b, 50).as_secs_f64() / median.as_secs_f64().max(1e-9)
            )
        })
        .unwrap_or_default();
    println!(
        "{label:<58} median {:>10.3} ms   p99 {:>10.3} ms{ratio}",
        median.as_secs_f64() * 1000.0,
        percentile(times, 99).as_secs_f64() * 1000.0
    );
}
