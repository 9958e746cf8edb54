//! The load generator: `connections` tasks sharing one HTTP client, each
//! sending requests back to back for a fixed time after a warm-up, with
//! latencies recorded in HDR histograms. Written here rather than driving
//! `oha` or `wrk` so that every scenario (varied parameters, writes with
//! unique bodies, the Prism comparison) runs through one client whose cost
//! is the same for the baseline and for the endpoints.

use hdrhistogram::Histogram;
use reqwest::Method;
use serde::Serialize;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One request of a scenario.
pub struct Request {
    pub method: Method,
    pub path: String,
    pub body: Option<Value>,
}

impl Request {
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            body: None,
        }
    }
}

/// Builds the `i`-th request of a scenario.
pub type MakeRequest = Arc<dyn Fn(u64) -> Request + Send + Sync>;

/// What one scenario measured.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub requests: u64,
    pub errors: u64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The first failing answer, if any (status and body).
    pub first_error: Option<String>,
}

/// The target of a load run.
pub struct Target<'a> {
    pub client: &'a reqwest::Client,
    pub base: &'a str,
    /// The `Authorization` header value, if any.
    pub authorization: Option<&'a str>,
}

/// Drives `make` with `connections` concurrent requests: `warmup`, then
/// `duration` measured.
pub async fn drive(
    target: &Target<'_>,
    connections: usize,
    warmup: Duration,
    duration: Duration,
    make: MakeRequest,
) -> Figures {
    let counter = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;
    let mut tasks = Vec::new();
    for _ in 0..connections.max(1) {
        let client = target.client.clone();
        let base = target.base.to_owned();
        let authorization = target.authorization.map(str::to_owned);
        let counter = counter.clone();
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut histogram =
                Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds");
            let (mut errors, mut first_error) = (0u64, None);
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let request = make(counter.fetch_add(1, Ordering::Relaxed));
                let mut builder = client.request(request.method, format!("{base}{}", request.path));
                if let Some(value) = &authorization {
                    builder = builder.header("Authorization", value);
                }
                if let Some(body) = &request.body {
                    builder = builder.json(body);
                }
                let outcome = match builder.send().await {
                    Ok(response) => {
                        let status = response.status();
                        match response.bytes().await {
                            Ok(_) if status.is_success() => Ok(()),
                            Ok(body) => Err(format!(
                                "{status}: {}",
                                String::from_utf8_lossy(&body[..body.len().min(300)])
                            )),
                            Err(e) => Err(e.to_string()),
                        }
                    }
                    Err(e) => Err(e.to_string()),
                };
                if sent < measure_from {
                    continue;
                }
                let micros = sent.elapsed().as_micros().max(1) as u64;
                let _ = histogram.record(micros.min(600_000_000));
                if let Err(e) = outcome {
                    errors += 1;
                    first_error.get_or_insert(e);
                }
            }
            (histogram, errors, first_error)
        }));
    }
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).expect("bounds");
    let (mut errors, mut first_error) = (0, None);
    for task in tasks {
        if let Ok((h, e, first)) = task.await {
            let _ = histogram.add(&h);
            errors += e;
            if first_error.is_none() {
                first_error = first;
            }
        }
    }
    let requests = histogram.len();
    Figures {
        requests,
        errors,
        rps: requests as f64 / duration.as_secs_f64(),
        p50_ms: histogram.value_at_quantile(0.50) as f64 / 1000.0,
        p99_ms: histogram.value_at_quantile(0.99) as f64 / 1000.0,
        first_error,
    }
}
