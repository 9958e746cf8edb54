//! Helpers for the tests that run `orgdir serve` itself.
#![allow(dead_code)] // each test file uses its own part

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The control plane key every started server gets.
pub const ADMIN_KEY: &str = "orgdir-replica-test-admin-key-0123456789";

/// A running `orgdir serve`, killed when dropped.
pub struct Replica {
    pub child: Child,
    pub base: String,
    /// The demo org's admin token, when this replica created the org.
    pub token: Option<String>,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

/// Starts `orgdir serve` and reads its banner up to the line that shows it
/// serves (the token line, for the first replica).
pub fn start(url: &str) -> Replica {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        // The consent page's user picker: the OAuth story picks its user.
        .args([
            "serve",
            "--consent-picker",
            "--database-url",
            url,
            "--listen",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .env("ORGDIR_ADMIN_KEY", ADMIN_KEY)
        .env("ORGDIR_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start orgdir serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut token = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("banner");
        if let Some(rest) = line.split("shown once): ").nth(1) {
            token = Some(rest.trim().to_owned());
        }
        if line.contains("curl") || line.contains("serving existing orgs") {
            break;
        }
    }
    Replica {
        child,
        base: format!("http://127.0.0.1:{port}"),
        token,
    }
}

pub async fn wait_ready(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = http.get(format!("{base}/_orgdir/ping")).send().await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{base} did not start");
}

pub async fn call(
    http: &reqwest::Client,
    token: &str,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http
        .request(method, url)
        .header("Authorization", format!("Zoho-oauthtoken {token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub async fn get(http: &reqwest::Client, token: &str, url: String) -> Value {
    let (status, body) = call(http, token, reqwest::Method::GET, url, None).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// A control-plane call with the admin key: its JSON answer.
pub async fn admin(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> Value {
    let mut request = http
        .request(method, url)
        .header("X-Orgdir-Admin-Key", ADMIN_KEY);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request
        .send()
        .await
        .expect("control plane")
        .json()
        .await
        .expect("json")
}

/// The id of the first org the server at `base` lists.
pub async fn first_org(http: &reqwest::Client, base: &str) -> String {
    let orgs = admin(
        http,
        reqwest::Method::GET,
        format!("{base}/_orgdir/orgs"),
        None,
    )
    .await;
    orgs["orgs"][0]["id"].as_str().expect("org").to_owned()
}

/// The person at the consent page (the user picker of `--consent-picker`):
/// approves `query` (client_id, redirect_uri, scope, state) as `user` and
/// returns the code of the page they are sent to.
pub async fn approve(base: &str, query: &[(&str, &str)], user: &str) -> String {
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http");
    let mut form = query.to_vec();
    form.extend([("user", user), ("action", "approve")]);
    let approved = no_redirects
        .post(format!("{base}/oauth/v2/auth"))
        .form(&form)
        .send()
        .await
        .expect("consent");
    assert_eq!(approved.status().as_u16(), 302);
    let location = reqwest::Url::parse(approved.headers()["location"].to_str().expect("location"))
        .expect("url");
    location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned()
}
