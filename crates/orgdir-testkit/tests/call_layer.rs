//! What every call passes through (`orgdir_server::call`): a handler that
//! panics answers a 500 in Zoho's envelope, one that outlives the request
//! timeout a 503 `REQUEST_TIMEOUT`, and either is journaled when its
//! caller was recorded — on the fast path (no body) and the shaped one
//! (a body kept for the journal) alike.

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use orgdir_core::controls::journal::Filter;
use orgdir_core::{OrgId, ZohoId};
use orgdir_server::call::CallLayer;
use orgdir_server::controls::{record_caller, Recorded};
use orgdir_server::rate_limit::{OAuthLimiter, Rates};
use orgdir_server::{AdminKey, AppState, Settings};
use orgdir_testkit::{Backend, TestDb};
use serde_json::Value;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tower::{Layer, ServiceExt};

const ORG: OrgId = OrgId(4_242);

async fn state() -> (TestDb, AppState) {
    let db = TestDb::new(Backend::Sqlite).await.expect("SQLite");
    let dir = db.directory().await;
    let settings = Arc::new(Settings {
        api_domain: "http://127.0.0.1".to_owned(),
        admin_key: AdminKey::generate(),
        oauth: Default::default(),
        oauth_limiter: OAuthLimiter::new(Rates::default()),
        consent_picker: false,
    });
    (db, AppState { dir, settings })
}

/// A handler that records its caller, then does `what`.
async fn handler(what: &'static str) -> Result<Response, Infallible> {
    record_caller(Recorded {
        org: ORG,
        user_id: ZohoId(7),
        client_id: None,
    });
    match what {
        "panic" => panic!("a handler bug"),
        "sleep" => tokio::time::sleep(Duration::from_secs(30)).await,
        _ => {}
    }
    Ok("ok".into_response())
}

async fn call(state: &AppState, what: &'static str, body: &'static str) -> (u16, Value) {
    let service = CallLayer::new(state.clone(), Duration::from_millis(200))
        .layer(tower::service_fn(move |_: Request| handler(what)));
    let request = Request::post("/crm/v8/users/actions/count")
        .body(Body::from(body))
        .expect("request");
    let response = service.oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn panics_and_timeouts_answer_zohos_envelope_and_are_journaled() {
    let (_db, state) = state().await;
    for body in ["", "{\"a\":1}"] {
        let (status, answer) = call(&state, "panic", body).await;
        assert_eq!(status, 500, "{answer}");
        assert_eq!(answer["code"], "INTERNAL_ERROR");
        assert_eq!(answer["status"], "error");

        let (status, answer) = call(&state, "sleep", body).await;
        assert_eq!(status, 503, "{answer}");
        assert_eq!(answer["code"], "REQUEST_TIMEOUT");

        let (status, _) = call(&state, "answer", body).await;
        assert_eq!(status, 200);
    }
    let filter = Filter::parse(|_| None).expect("filter");
    let journal = state.dir.controls().journal.list(ORG, &filter);
    let seen: Vec<(Option<u16>, Option<&str>, &Value)> = journal
        .iter()
        .rev()
        .map(|e| (e.status, e.code.as_deref(), &e.body))
        .collect();
    let kept = serde_json::json!({"a": 1});
    assert_eq!(
        seen,
        vec![
            (Some(500), Some("INTERNAL_ERROR"), &Value::Null),
            (Some(503), Some("REQUEST_TIMEOUT"), &Value::Null),
            (Some(200), None, &Value::Null),
            (Some(500), Some("INTERNAL_ERROR"), &kept),
            (Some(503), Some("REQUEST_TIMEOUT"), &kept),
            (Some(200), None, &kept),
        ]
    );
    assert!(journal.iter().all(|e| e.user_id == Some(ZohoId(7))));
}
