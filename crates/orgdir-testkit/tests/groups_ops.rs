//! Issue 13's last user group operations on SQLite and PostgreSQL:
//! deletion as a job under the org's `scheduled` behaviour and the
//! deletion jobs it answers for (API-DESIGN 144, 145), and a user's groups
//! through `get_assigned` / `get_unassigned` (API-DESIGN 146).

use orgdir_client::Client;
use orgdir_testkit::fixtures::UserBuilder;
use orgdir_testkit::{assert_counts_exact, storage_test, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const JOBS: &str = "/crm/v8/settings/user_groups/actions/deletion_jobs";
const ASSIGNED: &str = "/crm/v8/settings/user_groups/actions/get_assigned";
const UNASSIGNED: &str = "/crm/v8/settings/user_groups/actions/get_unassigned";

async fn call(client: &Client, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let raw = client
        .raw(method, path, body.as_ref())
        .await
        .expect("response");
    if raw.status.as_u16() == 204 {
        assert!(raw.body.is_empty(), "204 has no body");
    }
    (raw.status.as_u16(), raw.json())
}

/// `GET` or `PUT /_orgdir/orgs/{org}/behaviour`.
async fn behaviour(app: &TestApp, body: Option<Value>) -> (u16, Value) {
    let method = if body.is_some() {
        Method::PUT
    } else {
        Method::GET
    };
    let path = format!("/_orgdir/orgs/{}/behaviour", app.org.org.id);
    app.admin(method, &path, body.as_ref(), None).await
}

async fn delete_group(app: &TestApp, group: &str) -> (u16, Value) {
    let path = format!("/crm/v8/settings/user_groups/{group}");
    call(&app.client, Method::DELETE, &path, None).await
}

async fn job(client: &Client, query: &str) -> (u16, Value) {
    call(client, Method::GET, &format!("{JOBS}{query}"), None).await
}

/// Creates a group; its id.
async fn group(app: &TestApp, name: &str, sources: Value) -> String {
    app.client
        .create_group(json!({ "name": name, "sources": sources }))
        .await
        .expect("group")
}

async fn deletion_as_job(app: TestApp) {
    // The default is Zoho's documented answer: SUCCESS with the group's id.
    assert_eq!(
        behaviour(&app, None).await,
        (200, json!({"user_group_deletion":"immediate"}))
    );
    let sources = json!([{"type":"users","source": app.org.admin_user_id.to_string()}]);
    let first = group(&app, "First", sources.clone()).await;
    let (status, body) = delete_group(&app, &first).await;
    assert_eq!(status, 200);
    assert_eq!(body["user_groups"][0]["code"], "SUCCESS");
    assert_eq!(body["user_groups"][0]["details"], json!({"id": first}));

    // The control: known keys and values only; nothing changes on a refusal.
    for (bad, path) in [
        (
            json!({"user_group_deletion":"later"}),
            "$.user_group_deletion",
        ),
        (json!({"user_group_deletion":null}), "$.user_group_deletion"),
        (
            json!({"user_group_deletion":"scheduled","limits":1}),
            "$.limits",
        ),
    ] {
        let (status, body) = behaviour(&app, Some(bad)).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["code"], "INVALID_DATA");
        assert_eq!(body["details"]["json_path"], path);
    }
    assert_eq!(
        behaviour(&app, None).await.1,
        json!({"user_group_deletion":"immediate"})
    );
    let (status, body) = app
        .admin(Method::GET, "/_orgdir/orgs/123/behaviour", None, None)
        .await;
    assert_eq!(
        (status, &body["details"]),
        (400, &json!({"resource_path_index":2}))
    );
    let path = format!("/_orgdir/orgs/{}/behaviour", app.org.org.id);
    let (status, _) = app.admin(Method::GET, &path, None, Some("wrong")).await;
    assert_eq!(status, 401);
    assert_eq!(
        behaviour(&app, Some(json!({"user_group_deletion":"scheduled"}))).await,
        (200, json!({"user_group_deletion":"scheduled"}))
    );
    assert_eq!(
        behaviour(&app, None).await.1,
        json!({"user_group_deletion":"scheduled"})
    );

    // Scheduled: the group is deleted at once (its nesting group loses it),
    // and the answer carries a job id from the org's sequence.
    let inner = group(&app, "Inner", sources.clone()).await;
    let outer = group(
        &app,
        "Outer",
        json!([
            {"type":"groups","source": inner},
            {"type":"users","source": app.org.admin_user_id.to_string()}]),
    )
    .await;
    let (status, body) = delete_group(&app, &inner).await;
    assert_eq!(status, 200, "{body}");
    let job_id = body["user_groups"][0]["details"]["job_id"]
        .as_str()
        .expect("job_id")
        .to_owned();
    assert!(job_id.bytes().all(|b| b.is_ascii_digit()), "{job_id}");
    assert!(job_id.parse::<i64>().expect("id") > outer.parse::<i64>().expect("id"));
    assert_eq!(
        body,
        json!({"user_groups":[{"code":"SCHEDULED","details":{"job_id": job_id},
            "message":"User group deletion scheduled","status":"success"}]})
    );
    let (status, _) = call(
        &app.client,
        Method::GET,
        &format!("/crm/v8/settings/user_groups/{inner}"),
        None,
    )
    .await;
    assert_eq!(status, 400, "the group is gone");
    let (_, outer_now) = call(
        &app.client,
        Method::GET,
        &format!("/crm/v8/settings/user_groups/{outer}/sources"),
        None,
    )
    .await;
    assert_eq!(outer_now["sources"].as_array().expect("sources").len(), 1);
    assert_counts_exact(&app.dir, app.org.org.id).await;

    // The job's status.
    assert_eq!(
        job(&app.client, &format!("?job_id={job_id}")).await,
        (200, json!({"deletion_jobs":[{"Status":"COMPLETED"}]}))
    );
    assert_eq!(
        job(&app.client, "").await,
        (
            400,
            json!({"code":"REQUIRED_PARAM_MISSING","details":{"param_name":"job_id"},
                "message":"required param not found","status":"error"})
        )
    );
    let (status, body) = job(&app.client, "?job_id=12ab").await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "INVALID_DATA");
    assert_eq!(body["details"], json!({"param_name":"job_id"}));
    assert_eq!(
        job(&app.client, &format!("?job_id={outer}")).await,
        (204, Value::Null),
        "an id that is no job"
    );
    let (status, body) = call(
        &app.client,
        Method::GET,
        &format!("/crm/v5/settings/user_groups/actions/deletion_jobs?job_id={job_id}"),
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["details"], json!({"supported_version":6}));
    // Another org does not see it.
    let stranger = app.client_with(Some(&app.other_org_token("Org A").await));
    assert_eq!(
        job(&stranger, &format!("?job_id={job_id}")).await,
        (204, Value::Null)
    );
    // An unknown group is refused as before, and takes no job.
    let (status, body) = delete_group(&app, &job_id).await;
    assert_eq!(status, 400);
    assert_eq!(body["details"], json!({"resource_path_index":2}));

    // A reset forgets the behaviour and the jobs.
    app.reset().await;
    assert_eq!(
        behaviour(&app, None).await.1,
        json!({"user_group_deletion":"immediate"})
    );
    assert_eq!(
        job(&app.client, &format!("?job_id={job_id}")).await,
        (204, Value::Null)
    );
    let again = group(&app, "Again", sources).await;
    assert_eq!(
        delete_group(&app, &again).await.1["user_groups"][0]["code"],
        "SUCCESS"
    );
}
storage_test!(group_deletion_as_a_job, deletion_as_job);

/// `get_assigned` or `get_unassigned` (by `path`) with `fields` under its key.
async fn assign(client: &Client, path: &str, fields: Value) -> (u16, Value) {
    let key = path.rsplit('/').next().expect("key");
    call(client, Method::POST, path, Some(json!({ key: fields }))).await
}

fn about(user: &str) -> Value {
    json!({"feature":"user_groups","related_entity_id": user})
}

fn with(mut fields: Value, extra: Value) -> Value {
    if let (Some(fields), Some(extra)) = (fields.as_object_mut(), extra.as_object()) {
        fields.extend(extra.clone());
    }
    fields
}

fn ids(body: &Value) -> Vec<String> {
    body["user_groups"]
        .as_array()
        .expect("user_groups")
        .iter()
        .map(|g| g["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn assigned_and_unassigned(app: TestApp) {
    let dir = app.directory().await;
    let sales = app
        .client
        .create_role(json!({"name":"Sales","reporting_to": dir.root_role}))
        .await
        .expect("role");
    let reps = app
        .client
        .create_role(json!({"name":"Reps","reporting_to": sales}))
        .await
        .expect("role");
    let bo = UserBuilder::new("bo@example.com")
        .role(&reps)
        .create(&app)
        .await;
    let cy = UserBuilder::new("cy@example.com").create(&app).await;
    let by_role = group(
        &app,
        "By role",
        json!([
            {"type":"roles","source":{"id": sales},"subordinates":true}]),
    )
    .await;
    let by_name = group(&app, "By name", json!([{"type":"users","source": bo}])).await;
    let cys = group(&app, "Cy's", json!([{"type":"users","source": cy}])).await;
    let nesting = group(
        &app,
        "Nesting",
        json!([{"type":"groups","source": by_role}]),
    )
    .await;

    // Assigned: exactly what associated_groups answers, each group as the list shows it.
    let (status, body) = assign(&app.client, ASSIGNED, about(&bo)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        ids(&body),
        [by_role.clone(), by_name.clone(), nesting.clone()]
    );
    let (_, associated) = call(
        &app.client,
        Method::GET,
        &format!("/crm/v8/users/{bo}/actions/associated_groups"),
        None,
    )
    .await;
    assert_eq!(ids(&associated), ids(&body));
    let (_, list) = call(
        &app.client,
        Method::GET,
        "/crm/v8/settings/user_groups",
        None,
    )
    .await;
    let listed: Vec<&Value> = list["user_groups"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|g| ids(&body).contains(&g["id"].as_str().expect("id").to_owned()))
        .collect();
    assert_eq!(
        body["user_groups"]
            .as_array()
            .expect("groups")
            .iter()
            .collect::<Vec<_>>(),
        listed
    );
    assert_eq!(
        body["info"],
        json!({"per_page":200,"count":3,"page":1,"more_records":false})
    );
    // Unassigned: the org's other groups.
    let (status, body) = assign(&app.client, UNASSIGNED, about(&bo)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body), vec![cys.clone()]);
    assert_eq!(
        body["user_groups"][0]["sources"][0]["source"]["id"],
        json!(cy)
    );

    // Paging and filters in the body (the list's grammar).
    let (_, page) = assign(
        &app.client,
        ASSIGNED,
        with(about(&bo), json!({"page":2,"per_page":1})),
    )
    .await;
    assert_eq!(ids(&page), vec![by_name.clone()]);
    assert_eq!(
        page["info"],
        json!({"per_page":1,"count":1,"page":2,"more_records":true})
    );
    let by = json!({"field":{"api_name":"name"},"comparator":"starts_with","value":"by"});
    let (_, filtered) = assign(
        &app.client,
        ASSIGNED,
        with(about(&bo), json!({"filters": by})),
    )
    .await;
    assert_eq!(ids(&filtered), [by_role.clone(), by_name.clone()]);
    let (status, _) = assign(
        &app.client,
        UNASSIGNED,
        with(about(&bo), json!({"filters": by})),
    )
    .await;
    assert_eq!(status, 204, "Cy's does not start with by");
    let either = json!({"group_operator":"OR","group":[by,
        {"field":{"api_name":"name"},"comparator":"contains","value":"cy"}]});
    let (_, filtered) = assign(
        &app.client,
        UNASSIGNED,
        with(about(&cy), json!({"filters": either})),
    )
    .await;
    assert_eq!(ids(&filtered), [by_role.clone(), by_name.clone()]);

    // A user deleted is a member of nothing: every group is unassigned.
    app.client.delete_user(&cy).await.expect("delete cy");
    assert_eq!(
        assign(&app.client, ASSIGNED, about(&cy)).await,
        (204, Value::Null)
    );
    let (_, all) = assign(&app.client, UNASSIGNED, about(&cy)).await;
    assert_eq!(ids(&all), [by_role, by_name, cys, nesting]);

    // Mistakes: one error object under the body's key, or bare for the body as a whole.
    let error = |code: &str, field: &str, key: &str, message: &str| {
        json!({ key: {"code": code,
            "details":{"api_name": field,"json_path": format!("$.{key}.{field}")},
            "message": message,"status":"error"}})
    };
    assert_eq!(
        assign(&app.client, ASSIGNED, json!({"feature":"user_groups"})).await,
        (
            400,
            error(
                "MANDATORY_NOT_FOUND",
                "related_entity_id",
                "get_assigned",
                "required field not found"
            )
        )
    );
    let unknown = dir.root_role.clone(); // a role: no user has this id
    assert_eq!(
        assign(&app.client, UNASSIGNED, about(&unknown)).await,
        (
            400,
            error(
                "INVALID_DATA",
                "related_entity_id",
                "get_unassigned",
                "the related_entity_id given seems to be invalid"
            )
        )
    );
    for (fields, field) in [
        (
            json!({"feature":"users","related_entity_id": bo}),
            "feature",
        ),
        (
            json!({"feature":["user_groups"],"related_entity_id": bo}),
            "feature",
        ),
        (
            json!({"feature":"user_groups","related_entity_id": true}),
            "related_entity_id",
        ),
        (with(about(&bo), json!({"per_page":201})), "per_page"),
        (with(about(&bo), json!({"page":"2"})), "page"),
        (
            with(about(&bo), json!({"filters":{"group_operator":"and"}})),
            "filters",
        ),
    ] {
        let (status, body) = assign(&app.client, ASSIGNED, fields.clone()).await;
        assert_eq!(status, 400, "{fields}");
        assert_eq!(body["get_assigned"]["code"], "INVALID_DATA", "{body}");
        assert_eq!(
            body["get_assigned"]["details"]["json_path"],
            format!("$.get_assigned.{field}")
        );
    }
    assert_eq!(
        call(
            &app.client,
            Method::POST,
            UNASSIGNED,
            Some(json!({"get_assigned": about(&bo)}))
        )
        .await,
        (
            400,
            json!({"code":"MANDATORY_NOT_FOUND",
                "details":{"api_name":"get_unassigned","json_path":"$.get_unassigned"},
                "message":"required field not found","status":"error"})
        )
    );
    let (status, body) = call(
        &app.client,
        Method::POST,
        ASSIGNED,
        Some(json!({"get_assigned": [about(&bo)]})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["details"]["json_path"], "$.get_assigned",
        "bare: {body}"
    );
    // From v7; another org's user is unknown.
    let (status, body) = call(
        &app.client,
        Method::POST,
        &ASSIGNED.replace("/v8/", "/v6/"),
        Some(json!({"get_assigned": about(&bo)})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["details"], json!({"supported_version":7}));
    let stranger = app.client_with(Some(&app.other_org_token("Org A").await));
    let (status, body) = assign(&stranger, ASSIGNED, about(&bo)).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["get_assigned"]["details"]["api_name"],
        "related_entity_id"
    );
    assert_counts_exact(&app.dir, app.org.org.id).await;
}
storage_test!(
    a_users_assigned_and_unassigned_groups,
    assigned_and_unassigned
);
