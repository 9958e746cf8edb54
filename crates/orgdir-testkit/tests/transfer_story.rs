//! Transfer and delete users (issue 13, API-DESIGN 150 to 157) on SQLite
//! and PostgreSQL: what a user holds — the territories it manages, the user
//! sources of groups naming it, the users reporting to it — moves, then the
//! user is deleted as `DELETE` deletes; the job's status reads back; every
//! refusal names its field and changes nothing; a job that stops after its
//! checks is recorded `failed` with nothing changed; a reset forgets jobs.

use orgdir_core::ZohoId;
use orgdir_testkit::{assert_counts_exact, storage_test, Backend, Directory, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const ONE: &str = "/crm/v8/users/{id}/actions/transfer_and_delete";
const BULK: &str = "/crm/v8/users/actions/transfer_and_delete";

async fn call(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let raw = app
        .client
        .raw(method, path, body.as_ref())
        .await
        .expect("response");
    (raw.status.as_u16(), raw.json())
}

/// `POST /users/{user}/actions/transfer_and_delete` with one item.
async fn transfer(app: &TestApp, user: &str, item: Value) -> (u16, Value) {
    let path = ONE.replace("{id}", user);
    call(
        app,
        Method::POST,
        &path,
        Some(json!({ "transfer_and_delete": [item] })),
    )
    .await
}

async fn job_status(app: &TestApp, job: &str) -> (u16, Value) {
    call(app, Method::GET, &format!("{BULK}?job_id={job}"), None).await
}

/// Creates a user with `extra` fields merged into the item; returns its id.
async fn user(app: &TestApp, dir: &Directory, email: &str, extra: Value) -> String {
    let mut item = orgdir_testkit::fixtures::UserBuilder::new(email).json(dir);
    if let (Some(item), Some(extra)) = (item.as_object_mut(), extra.as_object()) {
        item.extend(extra.clone());
    }
    app.client.create_user(item).await.expect("create user")
}

async fn get_user(app: &TestApp, id: &str) -> Value {
    let (status, body) = call(app, Method::GET, &format!("/crm/v8/users/{id}"), None).await;
    assert_eq!(status, 200, "{body}");
    body["users"][0].clone()
}

async fn manager_of(app: &TestApp, territory: &str) -> Value {
    let path = format!("/crm/v8/settings/territories/{territory}");
    let (_, body) = call(app, Method::GET, &path, None).await;
    body["territories"][0]["manager"]["id"].clone()
}

/// The ids of a territory's users.
async fn members(app: &TestApp, territory: &str) -> Vec<String> {
    let path = format!("/crm/v8/settings/territories/{territory}/users");
    let (status, body) = call(app, Method::GET, &path, None).await;
    if status == 204 {
        return Vec::new();
    }
    body["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["id"].as_str().expect("id").to_owned())
        .collect()
}

/// A group's sources as (type, id).
async fn sources(app: &TestApp, group: &str) -> Vec<(String, String)> {
    app.client
        .get_group(group)
        .await
        .expect("group")
        .sources
        .into_iter()
        .map(|s| (s.kind, s.source.id))
        .collect()
}

async fn count(app: &TestApp, group: &str) -> u64 {
    app.client
        .group_count(group)
        .await
        .expect("count")
        .expect("group row")
}

fn item_error(body: &Value) -> (&str, &str) {
    let error = &body["transfer_and_delete"][0];
    (
        error["code"].as_str().unwrap_or_default(),
        error["details"]["json_path"].as_str().unwrap_or_default(),
    )
}

async fn story(app: TestApp) {
    let org = app.org.org.id;
    let dir = app.directory().await;
    let root = app
        .client
        .list_territories(None, None)
        .await
        .expect("territories")
        .expect("root")
        .territories[0]
        .id
        .clone();

    // Ann, whose things move; Bob receives them; Eve takes Ann's team.
    let ann = user(&app, &dir, "ann@example.com", json!({})).await;
    let bob = user(&app, &dir, "bob@example.com", json!({})).await;
    let eve = user(&app, &dir, "eve@example.com", json!({})).await;
    let cy = user(&app, &dir, "cy@example.com", json!({"Reporting_To": ann})).await;
    let dee = user(
        &app,
        &dir,
        "dee@example.com",
        json!({"Reporting_To": {"id": ann}}),
    )
    .await;
    let gus = user(&app, &dir, "gus@example.com", json!({"Reporting_To": cy})).await;
    let fay = user(&app, &dir, "fay@example.com", json!({})).await;
    app.client
        .set_user_status(&fay, "inactive")
        .await
        .expect("fay disabled");
    let old = user(&app, &dir, "old@example.com", json!({"Reporting_To": ann})).await;
    app.client.delete_user(&old).await.expect("old deleted");
    let adm = user(
        &app,
        &dir,
        "adm@example.com",
        json!({"profile": dir.admin_profile}),
    )
    .await;
    let stan = user(&app, &dir, "stan@example.com", json!({})).await;

    // Ann manages West and is a member of East; Bob is in neither.
    let west = app
        .client
        .create_territory(json!({"name":"West","reporting_to": root,"manager": ann}))
        .await
        .expect("west");
    let east = app
        .client
        .create_territory(json!({"name":"East","reporting_to": root}))
        .await
        .expect("east");
    app.client
        .associate_territory_users(&east, &[&ann])
        .await
        .expect("ann in East");
    // Groups naming Ann, naming Ann and Bob, nesting the first, and West's.
    let named = app
        .client
        .create_group(json!({"name":"Named","sources":[{"type":"users","source": ann}]}))
        .await
        .expect("group");
    let both = app
        .client
        .create_group(json!({"name":"Both","sources":[
            {"type":"users","source": ann},{"type":"users","source": bob},{"type":"users","source": eve}]}))
        .await
        .expect("group");
    let outer = app
        .client
        .create_group(json!({"name":"Outer","sources":[{"type":"groups","source": named}]}))
        .await
        .expect("group");
    let westerners = app
        .client
        .create_group(
            json!({"name":"Westerners","sources":[{"type":"territories","source": west}]}),
        )
        .await
        .expect("group");
    assert_eq!(
        (
            count(&app, &named).await,
            count(&app, &both).await,
            count(&app, &outer).await,
            count(&app, &westerners).await
        ),
        (1, 3, 1, 1)
    );
    let (status, period) = call(
        &app,
        Method::POST,
        "/crm/v8/settings/users_unavailability",
        Some(
            json!({"users_unavailability":[{"from":"2021-02-18T19:00:00+05:30",
            "to":"2021-02-18T20:00:00+05:30","user": ann}]}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{period}");
    let period = period["users_unavailability"][0]["details"]["id"]
        .as_str()
        .expect("period")
        .to_owned();
    let ann_token = app.token_for(&ann, "ZohoCRM.users.ALL").await;
    assert_counts_exact(&app.dir, org).await;

    // Refusals: each answers Zoho's error and changes nothing.
    let before = orgdir_core::document::export(&app.dir, org)
        .await
        .expect("export");
    let primary = app.org.admin_user_id.to_string();
    let wrapped = [
        (
            json!({}),
            "EXPECTED_FIELD_MISSING",
            "",
            "neither transfer nor move_subordinate",
        ),
        (
            json!({"transfer":{}}),
            "MANDATORY_NOT_FOUND",
            "$.transfer_and_delete[0].transfer.id",
            "no transferee",
        ),
        (
            json!({"transfer":{"id":"x1"}}),
            "INVALID_DATA",
            "$.transfer_and_delete[0].transfer.id",
            "malformed transferee",
        ),
        (
            json!({"transfer":{"id": bob, "records":"yes"}}),
            "INVALID_DATA",
            "$.transfer_and_delete[0].transfer.records",
            "a flag that is not a boolean",
        ),
        (
            json!({"transfer":{"id": ann}}),
            "INVALID_DATA",
            "$.transfer_and_delete[0].transfer.id",
            "to herself",
        ),
        (
            json!({"transfer":{"id":"999"}}),
            "INVALID_DATA",
            "$.transfer_and_delete[0].transfer.id",
            "to nobody",
        ),
        (
            json!({"transfer":{"id": fay}}),
            "INVALID_DATA",
            "$.transfer_and_delete[0].transfer.id",
            "to a disabled user",
        ),
        (
            json!({"transfer":{"id": old}}),
            "INVALID_DATA",
            "$.transfer_and_delete[0].transfer.id",
            "to a deleted user",
        ),
        (
            json!({"transfer":{"id": cy}}),
            "NOT_ALLOWED",
            "$.transfer_and_delete[0].transfer.id",
            "to her own subordinate, who would take her team",
        ),
        (
            json!({"transfer":{"id": bob},"move_subordinate":{"id": cy}}),
            "NOT_ALLOWED",
            "$.transfer_and_delete[0].move_subordinate.id",
            "the team to a subordinate",
        ),
        (
            json!({"transfer":{"id": bob},"move_subordinate":{"id": gus}}),
            "NOT_ALLOWED",
            "$.transfer_and_delete[0].move_subordinate.id",
            "the team to a subordinate's subordinate",
        ),
        (
            json!({"move_subordinate":{"id": fay}}),
            "INVALID_DATA",
            "$.transfer_and_delete[0].move_subordinate.id",
            "the team to a disabled user",
        ),
        (
            json!({"move_subordinate":{"id": ann}}),
            "INVALID_DATA",
            "$.transfer_and_delete[0].move_subordinate.id",
            "the team to herself",
        ),
    ];
    for (item, code, path, why) in wrapped {
        let (status, body) = transfer(&app, &ann, item).await;
        assert_eq!(status, 400, "{why}: {body}");
        assert_eq!(item_error(&body), (code, path), "{why}: {body}");
    }
    let (_, body) = transfer(&app, &ann, json!({})).await;
    assert_eq!(
        body["transfer_and_delete"][0]["details"],
        json!({"expected_data":[
            {"api_name":"transfer","json_path":"$.transfer_and_delete[0].transfer"},
            {"api_name":"move_subordinate","json_path":"$.transfer_and_delete[0].move_subordinate"}]})
    );
    // The user to delete: the primary user, a deleted one, and (for Adm) herself.
    let (status, body) = transfer(&app, &primary, json!({"transfer":{"id": bob}})).await;
    assert_eq!(
        (status, body["transfer_and_delete"][0]["code"].clone()),
        (400, json!("NOT_ALLOWED"))
    );
    assert_eq!(
        body["transfer_and_delete"][0]["details"],
        json!({"id": primary})
    );
    let (status, body) = transfer(&app, &old, json!({"transfer":{"id": bob}})).await;
    assert_eq!(
        (status, body["transfer_and_delete"][0]["code"].clone()),
        (400, json!("ID_ALREADY_DELETED"))
    );
    let adm_client = app.client_with(Some(&app.token_for(&adm, "ZohoCRM.users.ALL").await));
    let own = adm_client
        .raw(
            Method::POST,
            &ONE.replace("{id}", &adm),
            Some(&json!({"transfer_and_delete":[{"transfer":{"id": bob}}]})),
        )
        .await
        .expect("response");
    assert_eq!(own.json()["transfer_and_delete"][0]["code"], "NOT_ALLOWED");
    assert_eq!(
        own.json()["transfer_and_delete"][0]["message"],
        "you cannot delete yourself"
    );
    // Bare refusals: the path id, the body as a whole, the version, the permission.
    for (path, body, want) in [
        (
            ONE.replace("{id}", "999"),
            json!({"transfer_and_delete":[{"transfer":{"id": bob}}]}),
            json!({"code":"INVALID_DATA","details":{"resource_path_index":1},
                "message":"the id given seems to be invalid","status":"error"}),
        ),
        (
            ONE.replace("{id}", "abc"),
            json!({"transfer_and_delete":[{"transfer":{"id": bob}}]}),
            json!({"code":"INVALID_DATA","details":{"resource_path_index":1},
                "message":"the id given seems to be invalid","status":"error"}),
        ),
        (
            ONE.replace("{id}", &ann),
            json!({}),
            json!({"code":"MANDATORY_NOT_FOUND","details":{"api_name":"transfer_and_delete",
                "json_path":"$.transfer_and_delete"},"message":"required field not found","status":"error"}),
        ),
        (
            ONE.replace("{id}", &ann),
            json!({"transfer_and_delete":[{"transfer":{"id": bob}},{"transfer":{"id": eve}}]}),
            json!({"code":"INVALID_DATA","details":{"api_name":"transfer_and_delete",
                "json_path":"$.transfer_and_delete"},
                "message":"You are trying to delete more than one user through this API","status":"error"}),
        ),
        (
            ONE.replace("{id}", &ann).replace("v8", "v4"),
            json!({"transfer_and_delete":[{"transfer":{"id": bob}}]}),
            json!({"code":"API_NOT_SUPPORTED","details":{"supported_version":5},
                "message":"the API is not supported in this version","status":"error"}),
        ),
    ] {
        let (status, got) = call(&app, Method::POST, &path, Some(body)).await;
        assert_eq!((status, got), (400, want), "{path}");
    }
    // In the bulk form, the id is the item's.
    let (status, body) = call(
        &app,
        Method::POST,
        BULK,
        Some(json!({"transfer_and_delete":[{"transfer":{"id": bob}}]})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        item_error(&body),
        ("MANDATORY_NOT_FOUND", "$.transfer_and_delete[0].id")
    );
    let (status, body) = call(
        &app,
        Method::POST,
        BULK,
        Some(json!({"transfer_and_delete":[{"id":"999","transfer":{"id": bob}}]})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        item_error(&body),
        ("INVALID_DATA", "$.transfer_and_delete[0].id")
    );
    // A Standard user may not transfer anyone.
    let stan_client = app.client_with(Some(&app.token_for(&stan, "ZohoCRM.users.ALL").await));
    let denied = stan_client
        .raw(
            Method::POST,
            &ONE.replace("{id}", &ann),
            Some(&json!({"transfer_and_delete":[{"transfer":{"id": bob}}]})),
        )
        .await
        .expect("response");
    assert_eq!(denied.status.as_u16(), 403);
    assert_eq!(
        denied.json()["details"],
        json!({"permissions":["Crm_Implied_Manage_Users"]})
    );
    let after = orgdir_core::document::export(&app.dir, org)
        .await
        .expect("export");
    assert_eq!(before, after, "no refusal changed anything");

    // The job's status: job_id required, well-formed, and naming a job.
    let (status, body) = call(&app, Method::GET, BULK, None).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"code":"REQUIRED_PARAM_MISSING","details":{"param_name":"job_id"},
                "message":"required param not found","status":"error"})
        )
    );
    for bad in ["abc", "", "999"] {
        let (status, body) = job_status(&app, bad).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["details"], json!({"param_name":"job_id"}), "{bad}");
    }

    // Ann's things go to Bob, her team to Eve, and she is deleted.
    let (status, body) = transfer(
        &app,
        &ann,
        json!({"id":"ignored","transfer":{"id": bob,"records":true,"assignment":true,"criteria":false},
            "move_subordinate":{"id": eve}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let answer = &body["transfer_and_delete"][0];
    assert_eq!(
        (&answer["code"], &answer["status"], &answer["message"]),
        (
            &json!("SUCCESS"),
            &json!("success"),
            &json!("user is deleted successfully")
        )
    );
    assert_eq!(answer["details"]["id"], json!(ann));
    let job = answer["details"]["jobId"]
        .as_str()
        .expect("jobId")
        .to_owned();
    assert!(ZohoId::parse(&job).is_some(), "an id of the org: {job}");
    assert_eq!(
        job_status(&app, &job).await,
        (200, json!({"transfer_and_delete":[{"status":"completed"}]}))
    );

    // Deleted, as DELETE deletes: status, territories, groups, periods, tokens.
    let gone = get_user(&app, &ann).await;
    assert_eq!(gone["status"], "deleted");
    assert_eq!(gone["territories"], json!([]));
    let (status, _) = call(
        &app,
        Method::GET,
        &format!("/crm/v8/users/{ann}/actions/associated_groups"),
        None,
    )
    .await;
    assert_eq!(status, 204, "a deleted user is in no group");
    let (status, _) = call(
        &app,
        Method::GET,
        &format!("/crm/v8/settings/users_unavailability/{period}"),
        None,
    )
    .await;
    assert_eq!(status, 400, "her period went with her");
    let stale = app
        .client_with(Some(&ann_token))
        .raw(Method::GET, "/crm/v8/users/actions/count", None)
        .await
        .expect("response");
    assert_eq!(stale.status.as_u16(), 401);
    assert_eq!(stale.json()["code"], "INVALID_TOKEN");
    let (_, again) = transfer(&app, &ann, json!({"transfer":{"id": bob}})).await;
    assert_eq!(
        again["transfer_and_delete"][0]["code"],
        "ID_ALREADY_DELETED"
    );

    // West is Bob's, and Bob is one of its users; East's users are not his.
    assert_eq!(manager_of(&app, &west).await, json!(bob));
    assert_eq!(members(&app, &west).await, vec![bob.clone()]);
    assert!(members(&app, &east).await.is_empty());
    // Groups name Bob where they named Ann, never twice.
    assert_eq!(
        sources(&app, &named).await,
        vec![("users".into(), bob.clone())]
    );
    assert_eq!(
        sources(&app, &both).await,
        vec![("users".into(), bob.clone()), ("users".into(), eve.clone())]
    );
    assert_eq!(
        (
            count(&app, &named).await,
            count(&app, &both).await,
            count(&app, &outer).await,
            count(&app, &westerners).await
        ),
        (1, 2, 1, 1)
    );
    // Ann's team reports to Eve; Gus still to Cy; the deleted stay as they were.
    for member in [&cy, &dee] {
        let row = get_user(&app, member).await;
        assert_eq!(row["Reporting_To"], json!({"id": eve}), "{member}");
        assert_eq!(row["Modified_By"]["id"], json!(primary), "{member}");
    }
    assert_eq!(
        get_user(&app, &gus).await["Reporting_To"],
        json!({"id": cy})
    );
    assert_eq!(
        get_user(&app, &old).await["Reporting_To"],
        json!({"id": ann})
    );
    assert_counts_exact(&app.dir, org).await;

    // The bulk form, and move_subordinate alone: Cy's team (Gus) goes to Eve;
    // nothing is transferred, so Cy leaves what she holds as DELETE leaves it.
    let cys = app
        .client
        .create_territory(json!({"name":"Cy's","reporting_to": root,"manager": cy}))
        .await
        .expect("territory");
    let (status, body) = call(
        &app,
        Method::POST,
        BULK,
        Some(json!({"transfer_and_delete":[{"id": cy,"move_subordinate": eve}]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["transfer_and_delete"][0]["details"]["id"], json!(cy));
    let second = body["transfer_and_delete"][0]["details"]["jobId"]
        .as_str()
        .expect("jobId")
        .to_owned();
    assert_ne!(second, job);
    assert_eq!(
        job_status(&app, &second).await.1["transfer_and_delete"][0]["status"],
        "completed"
    );
    assert_eq!(get_user(&app, &cy).await["status"], "deleted");
    assert_eq!(
        get_user(&app, &gus).await["Reporting_To"],
        json!({"id": eve})
    );
    assert_eq!(manager_of(&app, &cys).await, Value::Null);
    assert_counts_exact(&app.dir, org).await;

    // A job that stops after its checks: recorded failed, nothing changed.
    let ivy = user(&app, &dir, "ivy@example.com", json!({})).await;
    let ivys = app
        .client
        .create_territory(json!({"name":"Ivy's","reporting_to": root,"manager": ivy}))
        .await
        .expect("territory");
    let (arm, disarm): (&[&str], &[&str]) = match app.db.backend {
        Backend::Sqlite => (
            &[
                "CREATE TRIGGER transfer_fault BEFORE UPDATE ON territories \
               BEGIN SELECT RAISE(ABORT, 'injected fault'); END;",
            ],
            &["DROP TRIGGER transfer_fault;"],
        ),
        Backend::Postgres => (
            &[
                "CREATE FUNCTION transfer_fault() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$;",
                "CREATE TRIGGER transfer_fault BEFORE UPDATE ON territories \
                 FOR EACH ROW EXECUTE FUNCTION transfer_fault();",
            ],
            &[
                "DROP TRIGGER transfer_fault ON territories;",
                "DROP FUNCTION transfer_fault();",
            ],
        ),
    };
    let before = orgdir_core::document::export(&app.dir, org)
        .await
        .expect("export");
    app.db.execute_outside(arm).await;
    let (status, body) = transfer(&app, &ivy, json!({"transfer":{"id": bob}})).await;
    app.db.execute_outside(disarm).await;
    assert_eq!(status, 200, "the job was accepted: {body}");
    let failed = body["transfer_and_delete"][0]["details"]["jobId"]
        .as_str()
        .expect("jobId")
        .to_owned();
    let (status, body) = job_status(&app, &failed).await;
    assert_eq!(status, 200);
    assert_eq!(body["transfer_and_delete"][0]["status"], "failed");
    assert_eq!(
        body["transfer_and_delete"][0]["reason"],
        "the job stopped on an internal error; nothing was changed"
    );
    let mut after = orgdir_core::document::export(&app.dir, org)
        .await
        .expect("export");
    // Only the failed job's own id was taken from the sequence.
    let next = before.org.next_sequence.expect("sequence");
    assert_eq!(failed, ZohoId::compose(org, next).to_string());
    assert_eq!(after.org.next_sequence, Some(next + 1));
    after.org.next_sequence = before.org.next_sequence;
    assert_eq!(before, after, "a failed job changed nothing");
    assert_eq!(get_user(&app, &ivy).await["status"], "active");
    assert_eq!(manager_of(&app, &ivys).await, json!(ivy));
    assert_counts_exact(&app.dir, org).await;
    // Run again, it completes.
    let (status, _) = transfer(&app, &ivy, json!({"transfer":{"id": bob}})).await;
    assert_eq!(status, 200);
    assert_eq!(manager_of(&app, &ivys).await, json!(bob));
    assert_counts_exact(&app.dir, org).await;

    // Another org cannot read this org's jobs; a reset forgets them.
    let (status, created) = app
        .admin(
            Method::POST,
            "/_orgdir/orgs",
            Some(&json!({"name":"Org A"})),
            None,
        )
        .await;
    assert_eq!(status, 201);
    let other = app.client_with(created["access_token"].as_str());
    let foreign = other
        .raw(Method::GET, &format!("{BULK}?job_id={job}"), None)
        .await
        .expect("response");
    assert_eq!(foreign.status.as_u16(), 400);
    assert_eq!(foreign.json()["details"], json!({"param_name":"job_id"}));
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("/_orgdir/orgs/{org}/reset"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(job_status(&app, &job).await.0, 400, "reset forgot the job");
}
storage_test!(transfer_and_delete, story);
