//! Users' unavailability (issue 13) on SQLite and PostgreSQL: periods are
//! created, listed, read, updated and deleted; bad items are refused with
//! Zoho's errors and change nothing; the list's selections and filters; a
//! non-admin sees and writes only their own; periods go with a deleted user
//! and with a reset, travel in the org document, and stay in their org.

use orgdir_client::{Client, RawResponse};
use orgdir_testkit::fixtures::UserBuilder;
use orgdir_testkit::{storage_test, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const BASE: &str = "/crm/v8/settings/users_unavailability";

/// An hour on 18 February 2021, given in +05:30.
const FROM: &str = "2021-02-18T19:00:00+05:30";
const TO: &str = "2021-02-18T20:00:00+05:30";

async fn call(client: &Client, method: Method, path: &str, body: Option<Value>) -> RawResponse {
    client
        .raw(method, path, body.as_ref())
        .await
        .expect("response")
}

async fn get(client: &Client, path: &str) -> RawResponse {
    call(client, Method::GET, path, None).await
}

/// `POST` of `items`; the answer.
async fn post(client: &Client, items: Value) -> RawResponse {
    call(
        client,
        Method::POST,
        BASE,
        Some(json!({ "users_unavailability": items })),
    )
    .await
}

/// The ids of a list answer, in order.
fn ids(list: &RawResponse) -> Vec<String> {
    list.json()["users_unavailability"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["id"].as_str().expect("id").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The `details.id` of each successful item of a write answer.
fn written(answer: &RawResponse) -> Vec<String> {
    answer.json()["users_unavailability"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["details"]["id"].as_str().expect("id").to_owned())
        .collect()
}

/// `(code, json_path)` of each item of a write answer.
fn item_errors(answer: &RawResponse) -> Vec<(String, String)> {
    answer.json()["users_unavailability"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["code"].as_str().unwrap_or_default().to_owned(),
                r["details"]["json_path"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

fn pair(code: &str, path: &str) -> (String, String) {
    (code.to_owned(), path.to_owned())
}

async fn periods(app: TestApp) {
    let c = &app.client;
    let admin = app.org.admin_user_id.to_string();
    let ana = UserBuilder::new("ana@example.com")
        .first_name("Ana")
        .last_name("Lima")
        .create(&app)
        .await;

    let empty = get(c, BASE).await;
    assert_eq!(empty.status.as_u16(), 204);
    assert!(empty.body.is_empty());

    // One for the caller (no user named), one for Ana in both reference forms.
    let created = post(
        c,
        json!([
            {"from": FROM, "to": TO, "comments": "Away"},
            {"from": FROM, "to": TO, "user": {"id": ana, "name": "ignored"}, "all_day": true},
            {"from": "2021-02-19T09:00:00Z", "to": "2021-02-19T10:00:00Z", "user": ana}
        ]),
    )
    .await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.json());
    assert_eq!(
        created.json()["users_unavailability"][0],
        json!({"code":"SUCCESS","details":{"id": written(&created)[0]},
            "message":"Unavailability created successfully.","status":"success"})
    );
    let [mine, anas, anas_second] = <[String; 3]>::try_from(written(&created)).expect("three");

    // The list, by creation, times in the org's zone (UTC), with info.
    let list = get(c, BASE).await;
    assert_eq!(list.status.as_u16(), 200);
    assert_eq!(
        ids(&list),
        [mine.as_str(), anas.as_str(), anas_second.as_str()]
    );
    assert_eq!(
        list.json()["users_unavailability"][0],
        json!({"all_day": false, "comments": "Away", "from": "2021-02-18T13:30:00+00:00",
            "id": mine, "to": "2021-02-18T14:30:00+00:00",
            "user": {"name": "Demo Admin", "id": admin}})
    );
    assert_eq!(
        list.json()["users_unavailability"][1]["user"],
        json!({"name": "Ana Lima", "id": ana})
    );
    assert_eq!(list.json()["users_unavailability"][1]["all_day"], true);
    assert_eq!(
        list.json()["users_unavailability"][1]["comments"],
        Value::Null
    );
    assert_eq!(
        list.json()["info"],
        json!({"per_page":200,"count":3,"page":1,"more_records":false})
    );

    // One period: no info; the zuid on request (null until confirmed).
    let one = get(c, &format!("{BASE}/{anas}?include_inner_details=user.zuid")).await;
    assert_eq!(one.status.as_u16(), 200);
    assert_eq!(ids(&one), [anas.as_str()]);
    assert!(one.json().get("info").is_none());
    assert_eq!(
        one.json()["users_unavailability"][0]["user"],
        json!({"name":"Ana Lima","id": ana,"zuid": null})
    );
    let mine_with_zuid = get(c, &format!("{BASE}/{mine}?include_inner_details=user.zuid")).await;
    assert_eq!(
        mine_with_zuid.json()["users_unavailability"][0]["user"]["zuid"],
        json!(admin)
    );
    for bad in ["abc", "1", &format!("{anas}0")] {
        let unknown = get(c, &format!("{BASE}/{bad}")).await;
        assert_eq!(unknown.status.as_u16(), 400, "{bad}");
        assert_eq!(
            unknown.json(),
            json!({"code":"INVALID_DATA","details":{"resource_path_index":2},
                "message":"the id given seems to be invalid","status":"error"})
        );
    }

    // Bad items are refused, each with its own error, and write nothing.
    let long = "x".repeat(251);
    let refused = post(
        c,
        json!([
            {"to": TO},
            {"from": "18/02/2021 19:00", "to": TO},
            {"from": TO, "to": FROM},
            {"from": FROM, "to": TO, "comments": long},
            {"from": FROM, "to": TO, "user": "1"},
            {"from": FROM, "to": TO, "user": {"name": "no id"}},
            "not an object"
        ]),
    )
    .await;
    assert_eq!(refused.status.as_u16(), 400, "{}", refused.json());
    assert_eq!(
        item_errors(&refused),
        [
            pair("MANDATORY_NOT_FOUND", "$.users_unavailability[0].from"),
            pair("INVALID_DATA", "$.users_unavailability[1].from"),
            pair("INVALID_DATA", "$.users_unavailability[2].to"),
            pair("INVALID_DATA", "$.users_unavailability[3].comments"),
            pair("INVALID_DATA", "$.users_unavailability[4].user"),
            pair("MANDATORY_NOT_FOUND", "$.users_unavailability[5].user.id"),
            pair("INVALID_DATA", "$.users_unavailability[6]"),
        ]
    );
    assert_eq!(
        refused.json()["users_unavailability"][2]["message"],
        "Ensure that the unavailability time period starts before the time it ends"
    );
    assert_eq!(
        refused.json()["users_unavailability"][0]["details"],
        json!({"api_name":"from","json_path":"$.users_unavailability[0].from"})
    );
    assert_eq!(ids(&get(c, BASE).await).len(), 3, "nothing written");
    // A mix: 200, one result each.
    let mixed = post(c, json!([{"from": FROM, "to": TO}, {"from": FROM}])).await;
    assert_eq!(mixed.status.as_u16(), 200);
    assert_eq!(mixed.json()["users_unavailability"][0]["status"], "success");
    assert_eq!(mixed.json()["users_unavailability"][1]["status"], "error");
    let extra = mixed.json()["users_unavailability"][0]["details"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // Body-level mistakes: bare.
    let no_key = call(c, Method::POST, BASE, Some(json!({}))).await;
    assert_eq!(no_key.status.as_u16(), 400);
    assert_eq!(
        no_key.json(),
        json!({"code":"MANDATORY_NOT_FOUND","details":{"api_name":"users_unavailability",
            "json_path":"$.users_unavailability"},"message":"required field not found","status":"error"})
    );
    let too_many = post(c, json!(vec![json!({"from": FROM, "to": TO}); 101])).await;
    assert_eq!(too_many.status.as_u16(), 400);
    assert_eq!(too_many.json()["code"], "INVALID_DATA");

    // Bulk update: partial; each item checked on its own.
    let updated = call(
        c,
        Method::PUT,
        BASE,
        Some(json!({"users_unavailability":[
            {"id": anas, "comments": "Dentist", "to": "2021-02-18T21:00:00+05:30"},
            {"comments": "no id"},
            {"id": "1", "comments": "unknown"},
            {"id": mine, "user": ana},
            {"id": mine, "from": "2021-02-19T00:00:00+05:30"},
            {"id": mine, "user": {"id": admin}, "all_day": true}
        ]})),
    )
    .await;
    assert_eq!(updated.status.as_u16(), 200, "{}", updated.json());
    let results = updated.json()["users_unavailability"].clone();
    assert_eq!(
        results[0],
        json!({"code":"SUCCESS","details":{"id": anas},
            "message":"Unavailability updated successfully.","status":"success"})
    );
    assert_eq!(
        item_errors(&updated)[1..5],
        [
            pair("MANDATORY_NOT_FOUND", "$.users_unavailability[1].id"),
            pair("INVALID_DATA", "$.users_unavailability[2].id"),
            pair("INVALID_DATA", "$.users_unavailability[3].user"),
            pair("INVALID_DATA", "$.users_unavailability[4].from"),
        ]
    );
    assert_eq!(results[5]["status"], "success");
    let anas_now =
        get(c, &format!("{BASE}/{anas}")).await.json()["users_unavailability"][0].clone();
    assert_eq!(
        (
            &anas_now["from"],
            &anas_now["to"],
            &anas_now["comments"],
            &anas_now["all_day"]
        ),
        (
            &json!("2021-02-18T13:30:00+00:00"),
            &json!("2021-02-18T15:30:00+00:00"),
            &json!("Dentist"),
            &json!(true)
        )
    );
    assert_eq!(
        get(c, &format!("{BASE}/{mine}")).await.json()["users_unavailability"][0]["all_day"],
        true
    );

    // Single update: the id in the URL; comments: null clears them.
    let single = call(
        c,
        Method::PUT,
        &format!("{BASE}/{anas}"),
        Some(json!({"users_unavailability":[{"comments": null, "id": "ignored"}]})),
    )
    .await;
    assert_eq!(single.status.as_u16(), 200, "{}", single.json());
    assert_eq!(
        get(c, &format!("{BASE}/{anas}")).await.json()["users_unavailability"][0]["comments"],
        Value::Null
    );
    let wrapped = call(
        c,
        Method::PUT,
        &format!("{BASE}/{anas}"),
        Some(json!({"users_unavailability":[{"from": "2030-01-01T00:00:00Z"}]})),
    )
    .await;
    assert_eq!(wrapped.status.as_u16(), 400);
    assert_eq!(
        item_errors(&wrapped),
        [pair("INVALID_DATA", "$.users_unavailability[0].from")]
    );
    let two = call(
        c,
        Method::PUT,
        &format!("{BASE}/{anas}"),
        Some(json!({"users_unavailability":[{}, {}]})),
    )
    .await;
    assert_eq!(two.status.as_u16(), 400);
    assert_eq!(two.json()["details"]["json_path"], "$.users_unavailability");
    let unknown = call(
        c,
        Method::PUT,
        &format!("{BASE}/{anas}9"),
        Some(json!({"users_unavailability":[{"comments":"x"}]})),
    )
    .await;
    assert_eq!(unknown.status.as_u16(), 400);
    assert_eq!(unknown.json()["details"], json!({"resource_path_index":2}));

    // Delete: once.
    let deleted = call(c, Method::DELETE, &format!("{BASE}/{extra}"), None).await;
    assert_eq!(deleted.status.as_u16(), 200);
    assert_eq!(
        deleted.json(),
        json!({"users_unavailability":[{"code":"SUCCESS","details":{"id": extra},
            "message":"Unavailability deleted Successfully","status":"success"}]})
    );
    let again = call(c, Method::DELETE, &format!("{BASE}/{extra}"), None).await;
    assert_eq!(again.status.as_u16(), 400);
    assert_eq!(again.json()["details"], json!({"resource_path_index":2}));
    assert_eq!(
        ids(&get(c, BASE).await),
        [mine.as_str(), anas.as_str(), anas_second.as_str()]
    );

    // From v3 on.
    let v2 = get(c, "/crm/v2/settings/users_unavailability").await;
    assert_eq!(v2.status.as_u16(), 400);
    assert_eq!(
        v2.json()["details"],
        json!({"supported_version":3}),
        "{}",
        v2.json()
    );
    assert_eq!(
        get(c, "/crm/v3/settings/users_unavailability")
            .await
            .status
            .as_u16(),
        200
    );
    // No bulk delete; no undeclared parameter.
    let bulk_delete = call(c, Method::DELETE, BASE, None).await;
    assert_eq!(bulk_delete.json()["code"], "INVALID_REQUEST_METHOD");
    let sorted = get(c, &format!("{BASE}?sort_by=from")).await;
    assert_eq!(sorted.json()["details"], json!({"param_name":"sort_by"}));
}
storage_test!(create_read_update_delete, periods);

async fn lists(app: TestApp) {
    let c = &app.client;
    let dir = app.directory().await;
    let root = c
        .list_territories(None, None)
        .await
        .expect("territories")
        .expect("root")
        .territories[0]
        .id
        .clone();
    let sales = c
        .create_role(json!({"name":"Sales","reporting_to": dir.root_role}))
        .await
        .expect("role");
    let west = c
        .create_territory(json!({"name":"West","reporting_to": root}))
        .await
        .expect("territory");
    let ana = UserBuilder::new("ana@example.com")
        .role(&sales)
        .create(&app)
        .await;
    let bo = UserBuilder::new("bo@example.com").create(&app).await;
    c.associate_territory_users(&west, &[bo.as_str()])
        .await
        .expect("associate");
    let team = c
        .create_group(json!({"name":"Team","sources":[{"type":"roles","source": sales}]}))
        .await
        .expect("group");
    let west_group = c
        .create_group(
            json!({"name":"Westerners","sources":[{"type":"territories","source": west}]}),
        )
        .await
        .expect("group");

    // Ana: February 1 to 3; Bo: February 2 to 10; the admin: March.
    let created = post(
        c,
        json!([
            {"user": ana, "from": "2021-02-01T00:00:00Z", "to": "2021-02-03T00:00:00Z"},
            {"user": bo, "from": "2021-02-02T00:00:00Z", "to": "2021-02-10T00:00:00Z"},
            {"from": "2021-03-01T00:00:00Z", "to": "2021-03-02T00:00:00Z"}
        ]),
    )
    .await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.json());
    let [anas, bos, mine] = <[String; 3]>::try_from(written(&created)).expect("three");

    let listed = |query: String| async move { ids(&get(c, &format!("{BASE}?{query}")).await) };
    assert_eq!(listed(format!("role_ids={sales}")).await, [anas.as_str()]);
    assert_eq!(
        listed(format!("role_ids={sales},{}", dir.root_role)).await,
        [anas.as_str(), bos.as_str(), mine.as_str()]
    );
    assert_eq!(
        listed(format!("territory_ids={west}")).await,
        [bos.as_str()]
    );
    assert_eq!(listed(format!("group_ids={team}")).await, [anas.as_str()]);
    assert_eq!(
        listed(format!("group_ids={team},{west_group}")).await,
        [anas.as_str(), bos.as_str()]
    );
    // Every parameter given must hold.
    let neither = get(c, &format!("{BASE}?role_ids={sales}&territory_ids={west}")).await;
    assert_eq!(neither.status.as_u16(), 204);
    assert_eq!(
        listed(format!("role_ids={west}")).await,
        Vec::<String>::new()
    );
    for (param, value) in [
        ("role_ids", "abc"),
        ("territory_ids", ""),
        ("group_ids", "1,,2"),
        ("include_inner_details", "user.email"),
        ("page", "0"),
        ("per_page", "201"),
    ] {
        let bad = get(c, &format!("{BASE}?{param}={value}")).await;
        assert_eq!(bad.status.as_u16(), 400, "{param}={value}");
        assert_eq!(bad.json()["details"], json!({ "param_name": param }));
    }

    // filters on from / to, alone and grouped.
    let filtered = |filter: Value| async move {
        let encoded: String =
            url::form_urlencoded::byte_serialize(filter.to_string().as_bytes()).collect();
        get(c, &format!("{BASE}?filters={encoded}")).await
    };
    let crit = |field: &str, comparator: &str, value: Value| json!({"field":{"api_name": field},"comparator": comparator,"value": value});
    let febr = filtered(crit("from", "less_than", json!("2021-03-01T00:00:00Z"))).await;
    assert_eq!(ids(&febr), [anas.as_str(), bos.as_str()]);
    let equal = filtered(crit("to", "equal", json!("2021-02-10T05:30:00+05:30"))).await;
    assert_eq!(ids(&equal), [bos.as_str()]);
    let not_equal = filtered(crit("to", "not_equals", json!("2021-02-10T00:00:00Z"))).await;
    assert_eq!(ids(&not_equal), [anas.as_str(), mine.as_str()]);
    let between = filtered(crit(
        "from",
        "between",
        json!(["2021-02-02T00:00:00Z", "2021-03-01T00:00:00Z"]),
    ))
    .await;
    assert_eq!(ids(&between), [bos.as_str(), mine.as_str()]);
    // Who is away at some time on 5 February: from ≤ end of day and to ≥ its start.
    let overlap = filtered(json!({"group_operator":"and","group":[
        crit("from", "less_equal", json!("2021-02-05T23:59:59Z")),
        crit("to", "greater_equal", json!("2021-02-05T00:00:00Z"))]}))
    .await;
    assert_eq!(ids(&overlap), [bos.as_str()]);
    let none = filtered(crit("from", "greater_than", json!("2030-01-01T00:00:00Z"))).await;
    assert_eq!(none.status.as_u16(), 204);
    for bad in [
        json!("not an object"),
        crit("comments", "equals", json!("x")),
        crit("from", "equals", json!("tomorrow")),
        crit("from", "starts_with", json!("2021-02-01T00:00:00Z")),
    ] {
        let refused = filtered(bad.clone()).await;
        assert_eq!(refused.status.as_u16(), 400, "{bad}");
        assert_eq!(refused.json()["details"], json!({"param_name":"filters"}));
    }
    // The filter on one period: 204 when it does not pass.
    let encoded: String = url::form_urlencoded::byte_serialize(
        crit("from", "greater_than", json!("2021-02-01T00:00:00Z"))
            .to_string()
            .as_bytes(),
    )
    .collect();
    let passes = get(c, &format!("{BASE}/{bos}?filters={encoded}")).await;
    assert_eq!(ids(&passes), [bos.as_str()]);
    let fails = get(c, &format!("{BASE}/{anas}?filters={encoded}")).await;
    assert_eq!(fails.status.as_u16(), 204);
    assert!(fails.body.is_empty());

    // Paging.
    let first = get(c, &format!("{BASE}?per_page=2")).await;
    assert_eq!(ids(&first), [anas.as_str(), bos.as_str()]);
    assert_eq!(
        first.json()["info"],
        json!({"per_page":2,"count":2,"page":1,"more_records":true})
    );
    let second = get(c, &format!("{BASE}?per_page=2&page=2")).await;
    assert_eq!(ids(&second), [mine.as_str()]);
    assert_eq!(second.json()["info"]["more_records"], false);
    assert_eq!(
        get(c, &format!("{BASE}?per_page=2&page=3"))
            .await
            .status
            .as_u16(),
        204
    );
}
storage_test!(list_selections_filters_and_pages, lists);

async fn own_periods(app: TestApp) {
    let c = &app.client;
    let ana = UserBuilder::new("ana@example.com").create(&app).await;
    let cy = UserBuilder::new("cy@example.com").create(&app).await;
    let anas = written(&post(c, json!([{"user": ana, "from": FROM, "to": TO}])).await)[0].clone();
    let mine = written(&post(c, json!([{"from": FROM, "to": TO}])).await)[0].clone();

    // Cy is no administrator: their own periods only, everywhere.
    let token = app
        .token_for(&cy, "ZohoCRM.settings.users_unavailability.ALL")
        .await;
    let as_cy = app.client_with(Some(&token));
    assert_eq!(get(&as_cy, BASE).await.status.as_u16(), 204);
    let created = post(
        &as_cy,
        json!([{"from": FROM, "to": TO, "comments": "Mine"}]),
    )
    .await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.json());
    let cys = written(&created)[0].clone();
    let for_ana = post(&as_cy, json!([{"user": ana, "from": FROM, "to": TO}])).await;
    assert_eq!(for_ana.status.as_u16(), 400);
    assert_eq!(
        item_errors(&for_ana),
        [pair("INVALID_DATA", "$.users_unavailability[0].user")]
    );
    let for_self = post(
        &as_cy,
        json!([{"user": {"id": cy}, "from": FROM, "to": TO}]),
    )
    .await;
    assert_eq!(for_self.status.as_u16(), 201);
    let cys_second = written(&for_self)[0].clone();
    assert_eq!(
        ids(&get(&as_cy, BASE).await),
        [cys.as_str(), cys_second.as_str()]
    );
    assert_eq!(
        get(&as_cy, &format!("{BASE}/{anas}")).await.json()["details"],
        json!({"resource_path_index":2})
    );
    let update_anas = call(
        &as_cy,
        Method::PUT,
        &format!("{BASE}/{anas}"),
        Some(json!({"users_unavailability":[{"comments":"x"}]})),
    )
    .await;
    assert_eq!(update_anas.status.as_u16(), 400);
    let bulk = call(
        &as_cy,
        Method::PUT,
        BASE,
        Some(json!({"users_unavailability":[{"id": mine, "comments":"x"}, {"id": cys, "comments":"y"}]})),
    )
    .await;
    assert_eq!(bulk.status.as_u16(), 200);
    assert_eq!(
        item_errors(&bulk)[0],
        pair("INVALID_DATA", "$.users_unavailability[0].id")
    );
    let delete_anas = call(&as_cy, Method::DELETE, &format!("{BASE}/{anas}"), None).await;
    assert_eq!(delete_anas.status.as_u16(), 400);
    let delete_own = call(
        &as_cy,
        Method::DELETE,
        &format!("{BASE}/{cys_second}"),
        None,
    )
    .await;
    assert_eq!(delete_own.status.as_u16(), 200);
    // The admin sees everyone's, and what Cy's refused writes left alone.
    assert_eq!(
        ids(&get(c, BASE).await),
        [anas.as_str(), mine.as_str(), cys.as_str()]
    );
    let anas_now = get(c, &format!("{BASE}/{anas}")).await.json();
    assert_eq!(anas_now["users_unavailability"][0]["comments"], Value::Null);
    let cys_now = get(c, &format!("{BASE}/{cys}")).await.json();
    assert_eq!(cys_now["users_unavailability"][0]["comments"], "y");

    // A read scope does not write; a write scope does not read.
    let reader = app
        .token_for(&cy, "ZohoCRM.settings.users_unavailability.READ")
        .await;
    let refused = post(
        &app.client_with(Some(&reader)),
        json!([{"from": FROM, "to": TO}]),
    )
    .await;
    assert_eq!(refused.json()["code"], "OAUTH_SCOPE_MISMATCH");
    let writer = app
        .token_for(&cy, "ZohoCRM.settings.users_unavailability.WRITE")
        .await;
    let as_writer = app.client_with(Some(&writer));
    assert_eq!(
        get(&as_writer, BASE).await.json()["code"],
        "OAUTH_SCOPE_MISMATCH"
    );
    assert_eq!(
        post(&as_writer, json!([{"from": FROM, "to": TO}]))
            .await
            .status
            .as_u16(),
        201
    );
}
storage_test!(non_admins_see_their_own, own_periods);

async fn lifecycle(app: TestApp) {
    let c = &app.client;
    let org = app.org.org.id;
    let bo = UserBuilder::new("bo@example.com").create(&app).await;
    let cy = UserBuilder::new("cy@example.com").create(&app).await;
    let created = post(
        c,
        json!([{"user": bo, "from": FROM, "to": TO}, {"user": cy, "from": FROM, "to": TO, "comments":"Off"}]),
    )
    .await;
    let [bos, cys] = <[String; 2]>::try_from(written(&created)).expect("two");

    // A disabled user keeps theirs and may be given more; a deleted user's go.
    c.set_user_status(&cy, "inactive")
        .await
        .expect("deactivate");
    assert_eq!(
        post(c, json!([{"user": cy, "from": FROM, "to": TO}]))
            .await
            .status
            .as_u16(),
        201
    );
    c.delete_user(&bo).await.expect("delete bo");
    assert_eq!(
        get(c, &format!("{BASE}/{bos}")).await.json()["details"],
        json!({"resource_path_index":2})
    );
    let for_bo = post(c, json!([{"user": bo, "from": FROM, "to": TO}])).await;
    assert_eq!(
        item_errors(&for_bo),
        [pair("INVALID_DATA", "$.users_unavailability[0].user")]
    );
    assert_eq!(ids(&get(c, BASE).await).len(), 2, "Cy's two");

    // The org document carries them; a reset takes the org back to its baseline (none).
    let (status, exported) = app
        .admin(
            Method::GET,
            &format!("/_orgdir/orgs/{org}/export"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let periods = exported["users_unavailability"]
        .as_array()
        .expect("periods");
    assert_eq!(periods.len(), 2);
    assert_eq!(
        periods[0],
        json!({"id": cys, "user": cy, "from": "2021-02-18T13:30:00+00:00",
            "to": "2021-02-18T14:30:00+00:00", "all_day": false, "comments": "Off"})
    );
    let (status, reset) = app
        .admin(
            Method::POST,
            &format!("/_orgdir/orgs/{org}/reset"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "{reset}");
    assert_eq!(get(c, BASE).await.status.as_u16(), 204);

    // An org in Kolkata: its own periods, printed in its zone; the other org's are not its.
    let (status, created_org) = app
        .admin(
            Method::POST,
            "/_orgdir/orgs",
            Some(&json!({"name":"Kolkata","time_zone":"Asia/Kolkata"})),
            None,
        )
        .await;
    assert_eq!(status, 201, "{created_org}");
    let kolkata = app.client_with(created_org["access_token"].as_str());
    assert_eq!(get(&kolkata, BASE).await.status.as_u16(), 204);
    let theirs = written(
        &post(
            &kolkata,
            json!([{"from": "2021-02-18T13:30:00Z", "to": TO}]),
        )
        .await,
    )[0]
    .clone();
    let listed = get(&kolkata, BASE).await.json();
    assert_eq!(
        (
            &listed["users_unavailability"][0]["from"],
            &listed["users_unavailability"][0]["to"]
        ),
        (&json!(FROM), &json!(TO))
    );
    assert_eq!(
        get(c, &format!("{BASE}/{theirs}")).await.status.as_u16(),
        400
    );
    assert_eq!(get(c, BASE).await.status.as_u16(), 204);
    let foreign_user = post(&kolkata, json!([{"user": cy, "from": FROM, "to": TO}])).await;
    assert_eq!(
        item_errors(&foreign_user),
        [pair("INVALID_DATA", "$.users_unavailability[0].user")]
    );

    // An exported document with periods imports as a copy that lists them.
    let (status, copy) = app
        .admin(
            Method::GET,
            &format!(
                "/_orgdir/orgs/{}/export",
                created_org["org"]["id"].as_str().expect("org id")
            ),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(copy["users_unavailability"][0]["from"], FROM);
    let mut imported = copy.clone();
    imported["org"]["id"] = json!("1234567");
    let (status, answer) = app
        .admin(Method::POST, "/_orgdir/orgs/import", Some(&imported), None)
        .await;
    assert_eq!(status, 201, "{answer}");
    let mut bad = copy.clone();
    bad["org"]["id"] = json!("1234568");
    bad["users_unavailability"][0]["to"] = json!("2000-01-01T00:00:00Z");
    let (status, answer) = app
        .admin(Method::POST, "/_orgdir/orgs/import", Some(&bad), None)
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        answer["details"]["json_path"],
        "$.users_unavailability[0].to"
    );
}
storage_test!(periods_follow_users_resets_and_orgs, lifecycle);
