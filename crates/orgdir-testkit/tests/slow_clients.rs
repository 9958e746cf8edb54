//! Issue 16: what a slow or greedy client can hold. Headers that never end
//! are cut off, a body that never ends is answered 503 `REQUEST_TIMEOUT` in
//! Zoho's envelope, connections are capped, `/oauth/*` is rate-limited, and
//! the OAuth answers carry their protective headers.

use orgdir_testkit::{Backend, TestApp};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection or `within` passes: what
/// was read, and whether it closed.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (String, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), false),
        }
    }
}

#[tokio::test]
async fn a_client_that_stalls_in_its_headers_is_disconnected() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.header_read_timeout = Duration::from_secs(1);
    })
    .await
    .expect("app");
    let mut stream = TcpStream::connect(app.addr).await.expect("connect");
    stream
        .write_all(b"GET /_orgdir/ping HTTP/1.1\r\nHost: orgdir\r\nX-Half: ")
        .await
        .expect("half the headers");
    let started = Instant::now();
    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(closed, "still open after 5 s");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn a_request_whose_body_never_ends_times_out_in_zohos_envelope() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.request_timeout = Duration::from_secs(1);
    })
    .await
    .expect("app");
    let mut stream = TcpStream::connect(app.addr).await.expect("connect");
    let head = format!(
        "POST /crm/v8/users HTTP/1.1\r\nHost: orgdir\r\nAuthorization: Zoho-oauthtoken {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"users\":",
        app.org.admin_token
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains(r#""code":"REQUEST_TIMEOUT""#), "{answer}");
    assert!(answer.contains(r#""status":"error""#), "{answer}");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.max_connections = 2;
    })
    .await
    .expect("app");
    let ping = |addr| async move {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(b"GET /_orgdir/ping HTTP/1.1\r\nHost: orgdir\r\nConnection: close\r\n\r\n")
            .await
            .expect("write");
        read_until_closed(&mut s, Duration::from_millis(700))
            .await
            .0
    };
    let idle1 = TcpStream::connect(app.addr).await.expect("one");
    let idle2 = TcpStream::connect(app.addr).await.expect("two");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(ping(app.addr).await, "", "a third connection was served");
    drop(idle1);
    drop(idle2);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(ping(app.addr).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn oauth_calls_are_rate_limited_per_address() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.oauth_rate.per_address = NonZeroU32::new(3);
    })
    .await
    .expect("app");
    let http = reqwest::Client::new();
    let mut last = None;
    for _ in 0..4 {
        let answer = http
            .post(format!("{}/oauth/v2/token", app.base_url()))
            .form(&[("grant_type", "refresh_token"), ("client_id", "1000.X")])
            .send()
            .await
            .expect("token");
        last = Some((answer.status().as_u16(), answer.text().await.expect("body")));
    }
    let (status, body) = last.expect("answers");
    assert_eq!(status, 400);
    let body: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["error"], "Access Denied", "{body}");
    // The Zoho API itself is not limited by it.
    assert!(app
        .client
        .users_count(orgdir_types::users::UserType::AllUsers)
        .await
        .is_ok());
}

#[tokio::test]
async fn token_answers_are_not_cached_and_the_consent_page_cannot_be_framed() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let (client_id, _) = app.web_client("http://localhost:9/cb").await;
    let http = reqwest::Client::new();
    let token = http
        .post(format!("{}/oauth/v2/token", app.base_url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", client_id.as_str()),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(token.headers()["cache-control"], "no-store");
    assert_eq!(token.headers()["pragma"], "no-cache");
    let page = http
        .get(format!(
            "{}/oauth/v2/auth?response_type=code&client_id={client_id}&scope=ZohoCRM.users.READ&redirect_uri=http://localhost:9/cb",
            app.base_url()
        ))
        .send()
        .await
        .expect("page");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("csp");
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert_eq!(page.headers()["cache-control"], "no-store");
}
