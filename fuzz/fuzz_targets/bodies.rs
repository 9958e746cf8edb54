//! Every JSON request body, through the whole server: the router (JSON
//! parsing, NUL refusal, the size limit), the handler's validation and the
//! service and store behind it, over SQLite in a temporary directory.
//!
//! The first byte picks the operation: every operation of orgdir's OpenAPI
//! document that takes a body, then the control plane's JSON bodies. The
//! second picks the id put in the path. The rest is the body.
//!
//! Must never happen: a panic (libfuzzer-sys aborts on any panic, even one
//! the server's panic catcher would turn into a 500), a 5xx, or an answer
//! that is not JSON. The org the Zoho routes write to is rebuilt every few
//! thousand inputs so the fuzzer's successful writes cannot pile up.
#![no_main]

use axum::body::Body;
use axum::http::{Method, Request};
use axum::Router;
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use orgdir_server::{router, AdminKey, AppState, Settings};
use serde_json::Value;
use std::cell::RefCell;
use std::sync::Arc;
use tower::ServiceExt;

const ADMIN_KEY: &str = "orgdir-fuzz-admin-key-0123456789-abcdef";
/// The org document the Zoho routes work on (users, roles, territories, groups).
const FIXTURE: &str = include_str!("../../crates/orgdir-testkit/fixtures/user-groups/org.json");
/// Inputs between two rebuilds of the harness.
const REBUILD_EVERY: u32 = 2000;

/// The control plane's JSON bodies (not in the OpenAPI document). `{org}`
/// is a second org, so faults, limits and clocks set here never reach the
/// org the Zoho routes use.
const CONTROL: &[(&str, &str)] = &[
    ("POST", "/_orgdir/orgs"),
    ("POST", "/_orgdir/orgs/import"),
    ("POST", "/_orgdir/orgs/{org}/reset"),
    ("POST", "/_orgdir/orgs/{org}/tokens"),
    ("POST", "/_orgdir/orgs/{org}/tokens/revoke"),
    ("PUT", "/_orgdir/orgs/{org}/behaviour"),
    ("POST", "/_orgdir/orgs/{org}/faults"),
    ("PUT", "/_orgdir/orgs/{org}/limits"),
    ("POST", "/_orgdir/orgs/{org}/clock"),
    ("POST", "/_orgdir/orgs/{org}/clients"),
    ("POST", "/_orgdir/orgs/{org}/users/{user}/confirm"),
    ("PUT", "/_orgdir/orgs/{org}/users/{user}/password"),
];

struct Harness {
    runtime: tokio::runtime::Runtime,
    router: Router,
    token: String,
    /// The second org (control plane) and its admin user.
    other_org: String,
    other_user: String,
    /// Ids found in the fixture, for `{id}`-like path parameters.
    ids: Vec<String>,
    operations: Vec<(Method, String)>,
    inputs: u32,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn operations() -> Vec<(Method, String)> {
    let mut ops = Vec::new();
    for (path, item) in &orgdir_server::openapi::document().paths.paths {
        let methods = [
            (Method::POST, &item.post),
            (Method::PUT, &item.put),
            (Method::PATCH, &item.patch),
            (Method::DELETE, &item.delete),
        ];
        for (method, op) in methods {
            if op.as_ref().is_some_and(|op| op.request_body.is_some()) {
                ops.push((method, path.clone()));
            }
        }
    }
    assert!(ops.len() > 10, "the OpenAPI document lists the bodies");
    for (method, path) in CONTROL {
        ops.push((method.parse().expect("method"), (*path).to_owned()));
    }
    if std::env::var_os("ORGDIR_FUZZ_LIST").is_some() {
        for (i, (method, path)) in ops.iter().enumerate() {
            eprintln!("{i:3} {method} {path}");
        }
    }
    ops
}

fn collect_ids(value: &Value, ids: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if let Value::String(s) = v {
                    if (key == "id" || key.ends_with("_id")) && !ids.contains(s) {
                        ids.push(s.clone());
                    }
                }
                collect_ids(v, ids);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_ids(v, ids)),
        _ => {}
    }
}

async fn send(router: &Router, request: Request<Body>) -> (u16, Vec<u8>) {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, body.to_vec())
}

fn control(method: &str, path: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("X-Orgdir-Admin-Key", ADMIN_KEY)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request")
}

impl Harness {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let dir = std::env::temp_dir().join(format!(
            "orgdir-fuzz-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let dir = TempDir(dir);
        let url = format!("sqlite://{}", dir.0.join("orgdir.db").display());
        let (router, token, other_org, other_user) = runtime.block_on(async {
            let store = orgdir_store::connect(&url).await.expect("store");
            let directory = Arc::new(orgdir_core::service::Directory::new(store));
            let router = router(AppState {
                dir: directory,
                settings: Arc::new(Settings {
                    api_domain: "http://orgdir.fuzz".to_owned(),
                    admin_key: AdminKey::parse(ADMIN_KEY).expect("admin key"),
                    oauth: Default::default(),
                    oauth_limiter: orgdir_server::rate_limit::OAuthLimiter::new(Default::default()),
                    consent_picker: false,
                }),
            });
            let (status, body) =
                send(&router, control("POST", "/_orgdir/orgs/import", FIXTURE)).await;
            assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
            let org: Value = serde_json::from_slice(&body).expect("json");
            let org = org["org"]["id"].as_str().expect("org id").to_owned();
            let (status, body) = send(
                &router,
                control("POST", &format!("/_orgdir/orgs/{org}/tokens"), "{}"),
            )
            .await;
            assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
            let minted: Value = serde_json::from_slice(&body).expect("json");
            let token = minted["access_token"].as_str().expect("token").to_owned();
            let (status, body) = send(
                &router,
                control("POST", "/_orgdir/orgs", r#"{"name":"Fuzz control plane"}"#),
            )
            .await;
            assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
            let other: Value = serde_json::from_slice(&body).expect("json");
            (
                router,
                token,
                other["org"]["id"].as_str().expect("org id").to_owned(),
                other["admin_user_id"].as_str().expect("user id").to_owned(),
            )
        });
        let mut ids = Vec::new();
        collect_ids(&serde_json::from_str(FIXTURE).expect("fixture"), &mut ids);
        ids.push("1".to_owned());
        // Sorted, so a seed's id byte means the same id whatever order the
        // JSON map keeps (fuzz/seeds/bodies was written against this order).
        ids.sort();
        ids.dedup();
        Self {
            runtime,
            router,
            token,
            other_org,
            other_user,
            ids,
            operations: operations(),
            inputs: 0,
            _dir: dir,
        }
    }

    fn run(&mut self, data: &[u8]) {
        let [op, id, body @ ..] = data else {
            return;
        };
        let (method, template) = &self.operations[usize::from(*op) % self.operations.len()];
        let id = &self.ids[usize::from(*id) % self.ids.len()];
        let control_plane = template.starts_with("/_orgdir");
        let mut path = String::new();
        for segment in template.split('/').filter(|s| !s.is_empty()) {
            path.push('/');
            path.push_str(match segment {
                "{version}" => "v8",
                "{org}" => &self.other_org,
                "{user}" => &self.other_user,
                s if s.starts_with('{') => id,
                s => s,
            });
        }
        let mut request = Request::builder()
            .method(method.clone())
            .uri(&path)
            .header("content-type", "application/json");
        request = if control_plane {
            request.header("X-Orgdir-Admin-Key", ADMIN_KEY)
        } else {
            request.header("Authorization", format!("Zoho-oauthtoken {}", self.token))
        };
        let request = request.body(Body::from(body.to_vec())).expect("request");
        let (status, answer) = self.runtime.block_on(send(&self.router, request));
        if std::env::var_os("ORGDIR_FUZZ_TRACE").is_some() {
            eprintln!(
                "{status} {method} {path} {}",
                String::from_utf8_lossy(&answer)
            );
        }
        assert!(
            status < 500,
            "{method} {path} answered {status}: {}\nbody: {}",
            String::from_utf8_lossy(&answer),
            String::from_utf8_lossy(body)
        );
        if !answer.is_empty() {
            serde_json::from_slice::<Value>(&answer).unwrap_or_else(|e| {
                panic!(
                    "{method} {path} answered {status} with a body that is not JSON ({e}): {}",
                    String::from_utf8_lossy(&answer)
                )
            });
        }
        self.inputs += 1;
    }
}

thread_local! {
    static HARNESS: RefCell<Option<Harness>> = const { RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    HARNESS.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|h| h.inputs >= REBUILD_EVERY) {
            *slot = None;
            *slot = Some(Harness::new());
        }
        if let Some(harness) = slot.as_mut() {
            harness.run(data);
        }
    });
});
