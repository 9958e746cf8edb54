//! The dashboard under `/_orgdir/ui/` (issue 15): signing in, the session
//! cookie, CSRF, signing out and the refusals; the numbers its pages show
//! equal the API's answers (both backends); a fault rule added through it
//! marks the faulted call in its journal.

use orgdir_testkit::fixtures::UserBuilder;
use orgdir_testkit::{storage_test, Backend, TestApp, ADMIN_KEY};
use reqwest::header::{HeaderMap, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::Method;
use serde_json::{json, Value};

const UI: &str = "/_orgdir/ui";

/// A browser without a cookie jar: redirects are not followed, so tests see them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// An answer: status, headers and body text.
struct Answer {
    status: u16,
    headers: HeaderMap,
    text: String,
}

impl Answer {
    fn header(&self, name: impl reqwest::header::AsHeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// A request of the dashboard with `cookie` (if any) and a form body (if any).
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    form: Option<&[(&str, &str)]>,
) -> Answer {
    let mut request = browser().request(method, format!("{}{path}", app.base_url()));
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    if let Some(form) = form {
        request = request.form(form);
    }
    let response = request.send().await.expect("answer");
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        text: response.text().await.expect("body"),
    }
}

/// `GET` a dashboard path.
async fn get(app: &TestApp, path: &str, cookie: Option<&str>) -> Answer {
    send(app, Method::GET, path, cookie, None).await
}

/// `POST` a form to a dashboard path.
async fn post(app: &TestApp, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Answer {
    send(app, Method::POST, path, cookie, Some(form)).await
}

/// Signs in with the admin key: the `Cookie` header to send and the
/// session's CSRF token (read from the orgs page's forms).
async fn sign_in(app: &TestApp) -> (String, String) {
    let answer = post(app, &format!("{UI}/login"), None, &[("key", ADMIN_KEY)]).await;
    assert_eq!(answer.status, 303, "{}", answer.text);
    let set = answer.header(SET_COOKIE).to_owned();
    let cookie = set.split(';').next().expect("cookie").to_owned();
    let page = get(app, &format!("{UI}/"), Some(&cookie)).await;
    assert_eq!(page.status, 200);
    (cookie, csrf_of(&page.text))
}

/// The CSRF token in a page's forms.
fn csrf_of(page: &str) -> String {
    let at =
        page.find(r#"name="csrf" value=""#).expect("a csrf field") + r#"name="csrf" value=""#.len();
    page[at..].split('"').next().expect("value").to_owned()
}

/// The number in `data-count="N"` first after `marker` in `page`.
fn count_after(page: &str, marker: &str) -> u64 {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not on the page"));
    let rest = &page[at..];
    let at = rest.find(r#"data-count=""#).expect("data-count") + r#"data-count=""#.len();
    rest[at..]
        .split('"')
        .next()
        .expect("count")
        .parse()
        .expect("a number")
}

/// A count as the API answers it (a number, or Zoho's string of digits).
fn number(value: &Value) -> u64 {
    match value {
        Value::String(s) => s.parse().expect("digits"),
        other => other.as_u64().expect("a count"),
    }
}

/// Checks that the first record of an `associated_users_count` answer
/// (`{"associated_users_count":[{"count", "<key>":{"id"}}]}`) shows its
/// count on the page, in the element with `<attribute>="<id>"`: the count.
fn first_count_shown(page: &str, answer: &Value, key: &str, attribute: &str) -> u64 {
    let first = &answer["associated_users_count"][0];
    let id = first[key]["id"].as_str().expect("id");
    let count = number(&first["count"]);
    assert_eq!(
        count_after(page, &format!(r#"{attribute}="{id}""#)),
        count,
        "{answer}"
    );
    count
}

/// The text of the element with `id`.
fn text_of(page: &str, id: &str) -> String {
    let marker = format!(r#"id="{id}">"#);
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("#{id} not on the page"))
        + marker.len();
    page[at..].split('<').next().expect("text").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_csrf_sign_out_and_refusals() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let org = app.org.org.id;

    // A browser asking for `/` is sent to the dashboard; nothing else changes.
    let mut root = browser()
        .get(format!("{}/", app.base_url()))
        .header("Accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .expect("root");
    assert_eq!(root.status().as_u16(), 303);
    assert_eq!(root.headers()[LOCATION], "/_orgdir/ui/");
    root = browser()
        .get(format!("{}/", app.base_url()))
        .send()
        .await
        .expect("root");
    assert_eq!(root.status().as_u16(), 404);
    let body: Value = root.json().await.expect("json");
    assert_eq!(body["code"], "INVALID_URL_PATTERN");
    let other = browser()
        .get(format!("{}/somewhere", app.base_url()))
        .header("Accept", "text/html")
        .send()
        .await
        .expect("other");
    assert_eq!(other.status().as_u16(), 404);

    // Without a session: pages redirect to sign in, actions are refused.
    let page = get(&app, &format!("{UI}/orgs/{org}"), None).await;
    assert_eq!(
        (page.status, page.header(LOCATION)),
        (303, "/_orgdir/ui/login")
    );
    let action = post(&app, &format!("{UI}/orgs"), None, &[("name", "X")]).await;
    assert_eq!(action.status, 401);
    let forged = get(&app, &format!("{UI}/"), Some("orgdir_ui=forged")).await;
    assert_eq!(forged.status, 303);

    // The wrong key opens nothing.
    let wrong = post(
        &app,
        &format!("{UI}/login"),
        None,
        &[("key", "not-the-key")],
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.headers.get(SET_COOKIE).is_none());
    assert!(!wrong.text.contains("not-the-key"));

    // The right key: a strict, HttpOnly cookie for the dashboard's path only.
    let answer = post(&app, &format!("{UI}/login"), None, &[("key", ADMIN_KEY)]).await;
    let set = answer.header(SET_COOKIE).to_owned();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/_orgdir/ui"] {
        assert!(set.contains(part), "{set}");
    }
    let (cookie, csrf) = sign_in(&app).await;
    let page = get(&app, &format!("{UI}/orgs/{org}"), Some(&cookie)).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("x-frame-options"), "DENY");
    let csp = page.header("content-security-policy");
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!page.text.contains("<script>"), "no inline script");
    assert!(page.header(CONTENT_TYPE).starts_with("text/html"));

    // A form without the session's CSRF token changes nothing.
    let rule = [
        ("method", "GET"),
        ("path", "/crm/*/users"),
        ("effect", "drop"),
        ("trigger", "every"),
        ("n", "1"),
    ];
    let mut form = vec![("csrf", "forged")];
    form.extend_from_slice(&rule);
    let refused = post(
        &app,
        &format!("{UI}/orgs/{org}/faults"),
        Some(&cookie),
        &form,
    )
    .await;
    assert_eq!(refused.status, 403);
    let (_, faults) = app.org_control(Method::GET, "/faults", None).await;
    assert_eq!(faults["faults"], json!([]));
    let delete = post(&app, &format!("{UI}/orgs/{org}/delete"), Some(&cookie), &[]).await;
    assert_eq!(delete.status, 403);
    let (status, _) = app.org_control(Method::GET, "/clock", None).await;
    assert_eq!(status, 200, "the org is still there");

    // Signing out ends the session: the old cookie opens nothing.
    let out = post(
        &app,
        &format!("{UI}/logout"),
        Some(&cookie),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(out.status, 303);
    assert!(out.header(SET_COOKIE).contains("Max-Age=0"));
    let page = get(&app, &format!("{UI}/"), Some(&cookie)).await;
    assert_eq!(page.status, 303);
    let action = post(
        &app,
        &format!("{UI}/orgs"),
        Some(&cookie),
        &[("csrf", &csrf), ("name", "X")],
    )
    .await;
    assert_eq!(action.status, 401);
}

/// The numbers of the org's page are the API's: users, licences, a
/// territory's and a group's associated users; a user created through the
/// API changes the page's count.
async fn page_numbers_equal_api(app: TestApp) {
    let org = app.org.org.id;
    let dir = app.directory().await;
    let token = app.org.admin_token.clone();
    let group = json!({"user_groups": [{"name": "Everyone", "sources": [
        {"type": "roles", "source": {"id": dir.root_role}, "subordinates": true}]}]});
    let (status, _, body) = app
        .api(
            &token,
            Method::POST,
            "/crm/v8/settings/user_groups",
            Some(&group),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (cookie, _) = sign_in(&app).await;
    let page_of = || async {
        let page = get(&app, &format!("{UI}/orgs/{org}"), Some(&cookie)).await;
        assert_eq!(page.status, 200, "{}", page.text);
        page.text
    };
    let api = |path: &'static str| {
        let token = token.clone();
        let app = &app;
        async move {
            let (status, _, body) = app.api(&token, Method::GET, path, None).await;
            assert_eq!(status, 200, "{path}: {body}");
            body
        }
    };
    for round in 0..2 {
        let page = page_of().await;
        let count = api("/crm/v8/users/actions/count?type=AllUsers").await;
        let all = number(&count["count"]);
        assert_eq!(
            count_after(&page, r#"id="users-all""#),
            all,
            "round {round}"
        );
        let features = api("/crm/v8/__features/user_licenses").await;
        let details = &features["__features"][0]["details"];
        for (id, key) in [
            ("licences-used", "used_count"),
            ("licences-available", "available_count"),
            ("licences-purchased", "limits"),
        ] {
            assert_eq!(
                text_of(&page, id).parse::<u64>().expect("a number"),
                number(&details[key]["total"]),
                "{id}"
            );
        }
        let territories = api("/crm/v8/settings/territories/actions/associated_users_count").await;
        first_count_shown(&page, &territories, "territory", "data-territory");
        let groups = api("/crm/v8/settings/user_groups/actions/associated_users_count").await;
        let first = first_count_shown(&page, &groups, "user_group", "data-group");
        assert_eq!(first, all, "the group holds every user");
        // A user created through the API shows on the next look.
        let user = UserBuilder::new(&format!("page{round}@example.com")).json(&dir);
        let (status, _, body) = app
            .api(
                &token,
                Method::POST,
                "/crm/v8/users",
                Some(&json!({ "users": [user] })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
}

storage_test!(page_numbers, page_numbers_equal_api);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_added_in_the_dashboard_is_marked_in_its_journal() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let org = app.org.org.id;
    let (cookie, csrf) = sign_in(&app).await;
    let form = [
        ("csrf", csrf.as_str()),
        ("method", "GET"),
        ("path", "/crm/*/users"),
        ("effect", "error"),
        ("status", "503"),
        ("code", "INTERNAL_ERROR"),
        ("trigger", "times"),
        ("n", "1"),
    ];
    let added = post(
        &app,
        &format!("{UI}/orgs/{org}/faults"),
        Some(&cookie),
        &form,
    )
    .await;
    assert_eq!(added.status, 303, "{}", added.text);
    let (_, faults) = app.org_control(Method::GET, "/faults", None).await;
    assert_eq!(faults["faults"][0]["trigger"], json!({"times": 1}));
    let (status, _, _) = app
        .api(&app.org.admin_token, Method::GET, "/crm/v8/users", None)
        .await;
    assert_eq!(status, 503);
    let (status, _, _) = app
        .api(&app.org.admin_token, Method::GET, "/crm/v8/users", None)
        .await;
    assert_eq!(status, 200);
    let rows = get(
        &app,
        &format!("{UI}/orgs/{org}/journal?method=GET"),
        Some(&cookie),
    )
    .await;
    assert_eq!(rows.status, 200);
    let faulted: Vec<&str> = rows
        .text
        .split("<tr")
        .filter(|r| r.contains("faulted (rule"))
        .collect();
    assert_eq!(faulted.len(), 1, "{}", rows.text);
    assert!(faulted[0].contains("503") && faulted[0].contains(r#"class="faulted""#));
    // The controls page lists the rule; removing it through the page works.
    let controls = get(&app, &format!("{UI}/orgs/{org}/controls"), Some(&cookie)).await;
    assert!(controls.text.contains(r#"data-rule="1""#));
    let removed = post(
        &app,
        &format!("{UI}/orgs/{org}/faults/1/remove"),
        Some(&cookie),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(removed.status, 303);
    let (_, faults) = app.org_control(Method::GET, "/faults", None).await;
    assert_eq!(faults["faults"], json!([]));
}

/// The forms of the orgs list and of the controls page run the control
/// plane's own code: create, export, import (multipart, CSRF checked),
/// confirm then reset and delete, limits, the clock, and a minted token
/// shown with its curl line and SDK configuration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_forms_run_the_control_plane() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let (session, csrf) = sign_in(&app).await;
    let cookie = Some(session.as_str());
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "Acme"),
        ("edition", "free"),
        ("licenses", "3"),
    ];
    let created = post(&app, &format!("{UI}/orgs"), cookie, &form).await;
    assert_eq!(created.status, 303, "{}", created.text);
    let page_path = created.header(LOCATION).to_owned();
    let org = page_path.rsplit('/').next().expect("org id").to_owned();
    let (_, listed) = app
        .admin(Method::GET, &format!("/_orgdir/orgs/{org}"), None, None)
        .await;
    assert_eq!(
        (
            listed["org"]["name"].as_str(),
            listed["org"]["licenses"].as_u64()
        ),
        (Some("Acme"), Some(3))
    );

    // Export, then import the document under another id through the upload form.
    let exported = get(&app, &format!("{UI}/orgs/{org}/export"), cookie).await;
    assert!(exported
        .header("content-disposition")
        .contains(&format!("org-{org}.json")));
    let mut document: Value = serde_json::from_str(&exported.text).expect("document");
    document["org"]["id"] = json!("4242424");
    document["org"]["name"] = json!("Acme copy");
    let upload = |token: &str| {
        reqwest::multipart::Form::new()
            .text("csrf", token.to_owned())
            .part(
                "document",
                reqwest::multipart::Part::text(document.to_string()).file_name("org.json"),
            )
    };
    let import = |token: &str| {
        browser()
            .post(format!("{}{UI}/orgs/import", app.base_url()))
            .header(COOKIE, session.as_str())
            .multipart(upload(token))
            .send()
    };
    assert_eq!(
        import("forged").await.expect("import").status().as_u16(),
        403
    );
    let imported = import(&csrf).await.expect("import");
    assert_eq!(imported.status().as_u16(), 303);
    let (status, _) = app
        .admin(Method::GET, "/_orgdir/orgs/4242424", None, None)
        .await;
    assert_eq!(status, 200);

    // Limits, the clock and a token through the controls page.
    let controls = format!("{UI}/orgs/{org}");
    let set = post(
        &app,
        &format!("{controls}/limits"),
        cookie,
        &[
            ("csrf", &csrf),
            ("mode", "set"),
            ("credits_per_day", "7"),
            ("concurrency", ""),
        ],
    )
    .await;
    assert_eq!(set.status, 303, "{}", set.text);
    let (_, limits) = app
        .admin(
            Method::GET,
            &format!("/_orgdir/orgs/{org}/limits"),
            None,
            None,
        )
        .await;
    assert_eq!(
        (limits["credits_per_day"].as_u64(), &limits["concurrency"]),
        (Some(7), &Value::Null)
    );
    post(
        &app,
        &format!("{controls}/limits"),
        cookie,
        &[("csrf", &csrf), ("mode", "clear")],
    )
    .await;
    let (_, limits) = app
        .admin(
            Method::GET,
            &format!("/_orgdir/orgs/{org}/limits"),
            None,
            None,
        )
        .await;
    assert_eq!(limits["credits_per_day"], Value::Null);
    let bad = post(
        &app,
        &format!("{controls}/clock"),
        cookie,
        &[("csrf", &csrf), ("advance_seconds", "soon")],
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(bad.text.contains("INVALID_DATA"));
    post(
        &app,
        &format!("{controls}/clock"),
        cookie,
        &[("csrf", &csrf), ("advance_seconds", "60")],
    )
    .await;
    let (_, clock) = app
        .admin(
            Method::GET,
            &format!("/_orgdir/orgs/{org}/clock"),
            None,
            None,
        )
        .await;
    assert_eq!(clock["offset_seconds"], 60);
    let minted = post(
        &app,
        &format!("{controls}/tokens"),
        cookie,
        &[
            ("csrf", &csrf),
            ("scope", "ZohoCRM.users.READ"),
            ("expires_in", "600"),
        ],
    )
    .await;
    assert_eq!(minted.status, 200, "{}", minted.text);
    let marker = r#"id="minted-token" readonly value=""#;
    let at = minted.text.find(marker).expect("the token") + marker.len();
    let token = minted.text[at..]
        .split('"')
        .next()
        .expect("token")
        .to_owned();
    let (status, _, count) = app
        .api(&token, Method::GET, "/crm/v8/users/actions/count", None)
        .await;
    assert_eq!((status, &count["count"]), (200, &json!(1)));
    assert!(
        minted
            .text
            .contains("curl -H &#39;Authorization: Zoho-oauthtoken")
            || minted
                .text
                .contains("curl -H 'Authorization: Zoho-oauthtoken")
    );
    assert!(minted.text.contains(&format!(
        "DataCenter.Environment(&quot;{}&quot;",
        app.base_url()
    )));

    // Reset and delete go through a confirmation page.
    let confirm = get(&app, &format!("{controls}/confirm?action=delete"), cookie).await;
    assert!(confirm
        .text
        .contains(&format!(r#"action="{UI}/orgs/{org}/delete""#)));
    let reset = post(
        &app,
        &format!("{controls}/reset"),
        cookie,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(reset.status, 303);
    let deleted = post(
        &app,
        &format!("{controls}/delete"),
        cookie,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(
        (deleted.status, deleted.header(LOCATION)),
        (303, "/_orgdir/ui/")
    );
    let (status, _) = app
        .admin(Method::GET, &format!("/_orgdir/orgs/{org}"), None, None)
        .await;
    assert_eq!(status, 400);
    let gone = get(&app, &controls, cookie).await;
    assert_eq!(gone.status, 400);
}
