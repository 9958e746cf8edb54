//! Router tests without a socket (`tower::ServiceExt::oneshot`): routing
//! errors, auth failures, bad input and the exact wire details, all in Zoho's
//! envelope with `application/json;charset=UTF-8`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use orgdir_core::service::orgs::{create_org, NewOrg};
use orgdir_server::{router, AppState};
use orgdir_testkit::{Backend, TestDb};
use serde_json::{json, Value};
use tower::ServiceExt;

struct Harness {
    _db: TestDb,
    router: Router,
    token: String,
    org: i64,
}

async fn harness() -> Harness {
    let db = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let dir = db.directory().await;
    let created = create_org(&dir, &NewOrg::demo(1)).await.expect("org");
    Harness {
        _db: db,
        router: router(AppState {
            dir,
            settings: std::sync::Arc::new(orgdir_server::Settings {
                api_domain: "http://orgdir.test".to_owned(),
                admin_key: orgdir_server::AdminKey::generate(),
                oauth: Default::default(),
                oauth_limiter: orgdir_server::rate_limit::OAuthLimiter::new(Default::default()),
                consent_picker: true,
            }),
        }),
        token: created.admin_token,
        org: created.org.id.0,
    }
}

struct Reply {
    status: StatusCode,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }

    /// Asserts Zoho's error envelope with `code` and returns its details.
    fn error(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/json;charset=UTF-8")
        );
        let body = self.json();
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["status"], "error");
        assert!(body["message"].is_string());
        let obj = body.as_object().expect("object");
        assert_eq!(
            obj.len(),
            4,
            "exactly code, details, message, status: {body}"
        );
        body["details"].clone()
    }
}

impl Harness {
    async fn send(
        &self,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Reply {
        self.send_with(method, uri, auth, body, &[]).await
    }

    async fn send_with(
        &self,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(body.map(Body::from).unwrap_or_else(Body::empty))
            .expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().expect("ascii").to_owned());
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Reply {
            status,
            content_type,
            body,
        }
    }

    fn auth(&self) -> String {
        format!("Zoho-oauthtoken {}", self.token)
    }

    async fn get(&self, uri: &str) -> Reply {
        self.send("GET", uri, Some(&self.auth()), None).await
    }
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let h = harness().await;
    h.get("/crm/v7/nope")
        .await
        .error(404, "INVALID_URL_PATTERN");
    h.send("GET", "/", None, None)
        .await
        .error(404, "INVALID_URL_PATTERN");
    h.send("GET", "/crm/v7/nope", None, None)
        .await
        .error(404, "INVALID_URL_PATTERN");
    h.send("POST", "/crm/v7/users/actions/count", Some(&h.auth()), None)
        .await
        .error(400, "INVALID_REQUEST_METHOD");
    h.send("PATCH", "/crm/v8/users", Some(&h.auth()), None)
        .await
        .error(400, "INVALID_REQUEST_METHOD");
    h.send("DELETE", "/crm/v8/users", None, None)
        .await
        .error(400, "INVALID_REQUEST_METHOD");
}

#[tokio::test]
async fn versions_follow_the_table() {
    let h = harness().await;
    let details = h
        .get("/crm/v5/users/actions/count")
        .await
        .error(400, "API_NOT_SUPPORTED");
    assert_eq!(details, json!({"supported_version": 6}));
    let details = h.get("/crm/v1/users").await.error(400, "API_NOT_SUPPORTED");
    assert_eq!(details, json!({"supported_version": 2}));
    h.get("/crm/v9/users")
        .await
        .error(404, "INVALID_URL_PATTERN");
    for (pattern, first) in orgdir_server::versions::INTRODUCED_IN {
        let path = pattern
            .replace("{id}", "1")
            .replace("{api_name}", "user_licenses");
        // The actions that are only posted (`…/actions/clone`,
        // `…/transfer_and_delete`, `get_assigned`, `get_unassigned`) are
        // asked with POST: another method is INVALID_REQUEST_METHOD before
        // the version is looked at.
        let posted = ["/actions/clone", "transfer_and_delete", "assigned"];
        let method = if posted.iter().any(|end| pattern.ends_with(end)) {
            "POST"
        } else {
            "GET"
        };
        let body = (method == "POST").then(|| b"{}".to_vec());
        let auth = h.auth();
        let older = path.replace("{version}", &format!("v{}", first - 1));
        let details = h
            .send(method, &older, Some(&auth), body.clone())
            .await
            .error(400, "API_NOT_SUPPORTED");
        assert_eq!(details, json!({"supported_version": first}), "{older}");
        let current = path.replace("{version}", &format!("v{first}"));
        let reply = h.send(method, &current, Some(&auth), body).await;
        assert_ne!(reply.status, StatusCode::NOT_FOUND, "{current} exists");
        assert!(
            reply.body.is_empty() || reply.json()["code"] != "API_NOT_SUPPORTED",
            "{current}"
        );
    }
    h.get("/crm/latest/users")
        .await
        .error(404, "INVALID_URL_PATTERN");
    for v in ["v2", "v2.1", "v3", "v4", "v5", "v6", "v7", "v8"] {
        assert_eq!(
            h.get(&format!("/crm/{v}/users")).await.status,
            StatusCode::OK,
            "{v}"
        );
    }
    for v in ["v6", "v7", "v8"] {
        let reply = h.get(&format!("/crm/{v}/users/actions/count")).await;
        assert_eq!(reply.body, br#"{"count":1}"#);
    }
}

#[tokio::test]
async fn authentication_failures() {
    let h = harness().await;
    let uri = "/crm/v8/users/actions/count";
    h.send("GET", uri, None, None)
        .await
        .error(401, "AUTHENTICATION_FAILURE");
    h.send("GET", uri, Some(""), None)
        .await
        .error(401, "AUTHENTICATION_FAILURE");
    h.send("GET", uri, Some("Basic dXNlcjpwdw=="), None)
        .await
        .error(401, "AUTHENTICATION_FAILURE");
    h.send("GET", uri, Some("Zoho-oauthtoken "), None)
        .await
        .error(401, "AUTHENTICATION_FAILURE");
    h.send("GET", uri, Some("Zoho-oauthtoken 1000.nope"), None)
        .await
        .error(401, "INVALID_TOKEN");
    h.send("GET", uri, Some("Bearer garbage"), None)
        .await
        .error(401, "INVALID_TOKEN");
    let bearer = format!("Bearer {}", h.token);
    assert_eq!(
        h.send("GET", uri, Some(&bearer), None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn x_crm_org_must_name_the_tokens_org() {
    let h = harness().await;
    let send = |org: String| {
        let request = Request::builder()
            .uri("/crm/v8/users/actions/count")
            .header("Authorization", h.auth())
            .header("X-CRM-ORG", org)
            .body(Body::empty())
            .expect("request");
        h.router.clone().oneshot(request)
    };
    assert_eq!(
        send(h.org.to_string()).await.expect("ok").status(),
        StatusCode::OK
    );
    let other = send("1234567".to_owned()).await.expect("response");
    assert_eq!(other.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bad_parameters() {
    let h = harness().await;
    let details = h
        .get("/crm/v8/users/actions/count?type=activeusers")
        .await
        .error(400, "INVALID_DATA");
    assert_eq!(details, json!({"param_name": "type"}));
    let details = h
        .get("/crm/v8/users?per_page=0")
        .await
        .error(400, "INVALID_DATA");
    assert_eq!(details, json!({"param_name": "per_page"}));
    let details = h
        .get("/crm/v8/users?per_page=201")
        .await
        .error(400, "INVALID_DATA");
    assert_eq!(details, json!({"param_name": "per_page"}));
    let details = h
        .get("/crm/v8/users?page=abc")
        .await
        .error(400, "INVALID_DATA");
    assert_eq!(details, json!({"param_name": "page"}));
    let details = h
        .get("/crm/v8/users?ids=1,x")
        .await
        .error(400, "INVALID_DATA");
    assert_eq!(details, json!({"param_name": "ids"}));
    let details = h
        .get("/crm/v8/users/notanid")
        .await
        .error(400, "INVALID_DATA");
    assert_eq!(details, json!({"resource_path_index": 1}));
}

/// `If-Modified-Since` on the users reads: only what changed after it,
/// 304 when nothing did, 400 when it is not a date and time.
#[tokio::test]
async fn if_modified_since_on_users() {
    let h = harness().await;
    let auth = h.auth();
    let since = |value: &'static str| [("If-Modified-Since", value)];
    let get = |uri: String, value: &'static str| {
        let auth = auth.clone();
        let h = &h;
        async move {
            h.send_with("GET", &uri, Some(&auth), None, &since(value))
                .await
        }
    };
    let past = "2000-01-01T00:00:00+05:30";
    let future = "2999-01-01T00:00:00Z";
    let list = get("/crm/v8/users".into(), past).await;
    assert_eq!(list.status, StatusCode::OK);
    let admin = list.json()["users"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for uri in ["/crm/v8/users".to_owned(), format!("/crm/v8/users/{admin}")] {
        let none = get(uri.clone(), future).await;
        assert_eq!(none.status, StatusCode::NOT_MODIFIED, "{uri}");
        assert!(none.body.is_empty(), "{uri}");
        assert_eq!(get(uri.clone(), past).await.status, StatusCode::OK, "{uri}");
        let details = get(uri.clone(), "yesterday")
            .await
            .error(400, "INVALID_DATA");
        assert_eq!(details, json!({"param_name": "If-Modified-Since"}), "{uri}");
    }
}

/// The features list's `api_names` and paging.
#[tokio::test]
async fn features_by_api_names() {
    let h = harness().await;
    let names = |reply: Reply| -> Vec<String> {
        assert_eq!(reply.status, StatusCode::OK);
        reply.json()["__features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|f| f["api_name"].as_str().expect("api_name").to_owned())
            .collect()
    };
    assert_eq!(
        names(h.get("/crm/v8/__features").await),
        ["user_licenses", "data_enrichment"]
    );
    assert_eq!(
        names(h.get("/crm/v8/__features?api_names=data_enrichment").await),
        ["data_enrichment"]
    );
    assert_eq!(
        names(h.get("/crm/v8/__features?per_page=1&page=2").await),
        ["data_enrichment"]
    );
    // Data enrichment: orgdir enriches nothing, so no credit at all.
    let one = h.get("/crm/v8/__features/data_enrichment").await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(
        one.json(),
        json!({"__features":[{"components":null,"api_name":"data_enrichment","parent_feature":null,
            "module_supported":false,"details":{"available_count":{"total":0},"used_count":{"total":0},
            "limits":{"total":0}},"feature_label":"DataEnrichment"}]})
    );
    for empty in [
        "/crm/v8/__features?api_names=nothing_here",
        "/crm/v8/__features?page=2",
    ] {
        let reply = h.get(empty).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{empty}");
        assert!(reply.body.is_empty());
    }
    let details = h
        .get("/crm/v8/__features?api_names=user_licenses,,x")
        .await
        .error(400, "INVALID_DATA");
    assert_eq!(details, json!({"param_name": "api_names"}));
}

/// `module` on the features: a standard module has no feature in orgdir
/// (204), anything else is INVALID_MODULE; `user_licenses` belongs to no
/// module.
#[tokio::test]
async fn features_by_module() {
    let h = harness().await;
    assert_eq!(
        h.get("/crm/v8/__features?module=Leads").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.get("/crm/v8/__features?module=leads&api_names=user_licenses")
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let details = h
        .get("/crm/v8/__features?module=Widgets")
        .await
        .error(400, "INVALID_MODULE");
    assert_eq!(details, json!({"param_name": "module"}));
    h.get("/crm/v8/__features/user_licenses?module=Widgets")
        .await
        .error(400, "INVALID_MODULE");
    let details = h
        .get("/crm/v8/__features/user_licenses?module=Leads")
        .await
        .error(400, "INVALID_DATA");
    assert_eq!(details, json!({"param_name": "module"}));
    assert_eq!(
        h.get("/crm/v8/__features/user_licenses").await.status,
        StatusCode::OK
    );
}

/// A query parameter the operation does not take is refused, naming it,
/// wherever it is: nothing is silently ignored.
#[tokio::test]
async fn undeclared_parameters_are_refused() {
    let h = harness().await;
    for (path, name) in [
        ("/crm/v8/users?sort_by=email", "sort_by"),
        ("/crm/v8/users?page=1&Page=2", "Page"),
        (
            "/crm/v8/users/actions/count?type=AllUsers&per_page=5",
            "per_page",
        ),
        ("/crm/v8/settings/territories?filters=x", "filters"),
        ("/crm/v8/settings/roles?include=x", "include"),
        ("/crm/v8/__features?page_token=x", "page_token"),
        ("/crm/v8/org?x=1", "x"),
    ] {
        let details = h.get(path).await.error(400, "INVALID_DATA");
        assert_eq!(details, json!({"param_name": name}), "{path}");
    }
    // Declared ones still work.
    assert_eq!(
        h.get("/crm/v8/users/actions/count?type=AllUsers")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn bodies() {
    let h = harness().await;
    let auth = h.auth();
    h.send(
        "POST",
        "/crm/v8/users",
        Some(&auth),
        Some(b"{not json".to_vec()),
    )
    .await
    .error(400, "INVALID_DATA");
    h.send("POST", "/crm/v8/users", Some(&auth), None)
        .await
        .error(400, "INVALID_DATA");
    let big = vec![b' '; orgdir_server::MAX_BODY_BYTES + 10];
    let details = h
        .send("POST", "/crm/v8/users", Some(&auth), Some(big))
        .await
        .error(413, "INVALID_DATA");
    assert_eq!(
        details,
        json!({"maximum_length": orgdir_server::MAX_BODY_BYTES})
    );
    let reply = h
        .send(
            "POST",
            "/crm/v8/users",
            Some(&auth),
            Some(br#"{"users":[]}"#.to_vec()),
        )
        .await;
    reply.error(400, "MANDATORY_NOT_FOUND");
    let two = json!({"users":[{"last_name":"a"},{"last_name":"b"}]});
    let reply = h
        .send(
            "POST",
            "/crm/v8/users",
            Some(&auth),
            Some(serde_json::to_vec(&two).expect("json")),
        )
        .await;
    let details = reply.error(400, "INVALID_DATA");
    assert_eq!(
        details,
        json!({"api_name": "users", "json_path": "$.users"})
    );
    let bad_item = json!({"users":[{"last_name":"a","email":"nope","role":"1","profile":"2"}]});
    let reply = h
        .send(
            "POST",
            "/crm/v8/users",
            Some(&auth),
            Some(serde_json::to_vec(&bad_item).expect("json")),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json(),
        json!({"users":[{"code":"INVALID_DATA","details":{"api_name":"email","json_path":"$.users[0].email"},
                         "message":"invalid email address","status":"error"}]})
    );
}

#[tokio::test]
async fn empty_lists_are_204_without_body_or_content_type() {
    let h = harness().await;
    let reply = h.get("/crm/v8/users?type=DeletedUsers").await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.body.is_empty());
    assert_eq!(reply.content_type, None);
    let reply = h.get("/crm/v8/users?page=2").await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn zero_is_a_count_not_a_204() {
    let h = harness().await;
    let reply = h.get("/crm/v8/users/actions/count?type=DeletedUsers").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, br#"{"count":0}"#);
}

#[tokio::test]
async fn nul_characters_and_bad_bytes_are_client_mistakes() {
    let h = harness().await;
    let auth = h.auth();
    h.get("/crm/v8/users/%FF").await.error(400, "INVALID_DATA");
    h.get("/crm/v8/settings/territories/%FF/users/1")
        .await
        .error(400, "INVALID_DATA");
    let details = h
        .get("/crm/v8/users?type=All%00Users")
        .await
        .error(400, "INVALID_DATA");
    assert_eq!(details, json!({"param_name": "type"}));
    let filters = "%7B%22field%22%3A%7B%22api_name%22%3A%22name%22%7D%2C%22comparator%22%3A%22equal%22%2C%22value%22%3A%22a%00%22%7D";
    h.get(&format!(
        "/crm/v8/settings/user_groups/actions/associated_users_count?filters={filters}"
    ))
    .await
    .error(400, "INVALID_DATA");
    let body = br#"{"users":[{"last_name":"a\u0000b","email":"a@b.io","role":"1","profile":"2"}]}"#
        .to_vec();
    h.send("POST", "/crm/v8/users", Some(&auth), Some(body))
        .await
        .error(400, "INVALID_DATA");
    let oauth = h
        .send("POST", "/oauth/v2/token?grant_type=refresh_token&client_id=a%00b&client_secret=x&refresh_token=y", None, None)
        .await;
    assert_eq!(oauth.status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth.json(), json!({"error": "invalid_client"}));
    let big = vec![b'a'; orgdir_server::MAX_BODY_BYTES + 10];
    let reply = h.send("POST", "/oauth/v2/token", None, Some(big)).await;
    reply.error(413, "INVALID_DATA");
}
