//! Issue 13's territory operations on SQLite and PostgreSQL:
//! `transfer_and_delete` (one and bulk) moves a territory's children, users
//! and group sources before deleting it, and refuses bad input without
//! changing anything; the deleted territories whose forecasts were kept are
//! listed by `deleted_associated_territories`; the list's and the
//! children's `filters` select exactly the territories of Zoho's table, and
//! the list's `include` adds exactly the keys asked for (API-DESIGN 160–165).

use orgdir_testkit::fixtures::load;
use orgdir_testkit::{assert_counts_exact, storage_test, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const ZOHO: &str = "431581000000272796";
const CHENNAI: &str = "431581000000744113";
const SOUTH: &str = "431581000000744125";
const NORTH: &str = "431581000000744137";
const PARENT: &str = "431581000000744159";
const CHILD: &str = "431581000000744169";
const LEADS: &str = "431581000000744183";
const PATRICIA: &str = "431581000000272710";
const RAVI: &str = "431581000000272711";
const MEENA: &str = "431581000000272712";
const ARUN: &str = "431581000000272713";
const CHENNAI_ONLY: &str = "431581000000900001";
const CHENNAI_TREE: &str = "431581000000900002";
const PARENT_AND_CHENNAI: &str = "431581000000900003";
const NESTING: &str = "431581000000900004";

/// Seed 003's org (seven territories, four live users) with Arun managing
/// Chennai North, Parent `read_write_delete`, Child last modified by Ravi,
/// and four groups naming Chennai: alone, with its subtree, beside Parent,
/// and through a nested group.
async fn org(backend: orgdir_testkit::Backend) -> TestApp {
    let mut doc = load("seed-003/org.json");
    for t in doc["territories"].as_array_mut().expect("territories") {
        match t["id"].as_str() {
            Some(NORTH) => t["manager"] = json!(ARUN),
            Some(PARENT) => t["permission_type"] = json!("read_write_delete"),
            Some(CHILD) => t["modified_by"] = json!(RAVI),
            _ => {}
        }
    }
    let group = |id: &str, name: &str, sources: Value| {
        json!({"id": id, "name": name, "sources": sources,
               "created_time": "2024-07-04T09:00:00+05:30", "modified_time": "2024-07-04T09:00:00+05:30",
               "created_by": PATRICIA, "modified_by": PATRICIA})
    };
    doc["user_groups"] = json!([
        group(
            CHENNAI_ONLY,
            "Chennai only",
            json!([{"type":"territories","source": CHENNAI,"subordinates": false}])
        ),
        group(
            CHENNAI_TREE,
            "Chennai tree",
            json!([{"type":"territories","source": CHENNAI,"subordinates": true}])
        ),
        group(
            PARENT_AND_CHENNAI,
            "Parent and Chennai",
            json!([
            {"type":"territories","source": PARENT,"subordinates": false},
            {"type":"territories","source": CHENNAI,"subordinates": true}])
        ),
        group(
            NESTING,
            "Nesting",
            json!([{"type":"groups","source": CHENNAI_ONLY}])
        ),
    ]);
    let doc = orgdir_core::document::parse(&doc.to_string()).expect("document");
    TestApp::spawn_document(backend, &doc).await.expect("app")
}

async fn call(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let response = app
        .client
        .raw(method, path, body.as_ref())
        .await
        .expect("response");
    (response.status.as_u16(), response.json())
}

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    call(app, Method::GET, path, None).await
}

const ALL_KEYS: &str = "lead_rule_criteria,account_rule_criteria,deal_rule_criteria";

/// Everything a transfer could change: every territory (with its parent,
/// manager and stamps), every territory's user count and users, and every
/// group's sources and count.
async fn state(app: &TestApp) -> Value {
    let (_, territories) = get(
        app,
        &format!("/crm/v8/settings/territories?include={ALL_KEYS}"),
    )
    .await;
    let (_, counts) = get(
        app,
        "/crm/v8/settings/territories/actions/associated_users_count",
    )
    .await;
    let mut users = serde_json::Map::new();
    for t in territories["territories"].as_array().expect("territories") {
        let id = t["id"].as_str().expect("id");
        let (_, members) = get(app, &format!("/crm/v8/settings/territories/{id}/users")).await;
        users.insert(id.to_owned(), members);
    }
    let (_, groups) = get(app, "/crm/v8/settings/user_groups?include=sources_count").await;
    let mut sources = serde_json::Map::new();
    for g in groups["user_groups"].as_array().expect("groups") {
        let id = g["id"].as_str().expect("id");
        let (_, one) = get(app, &format!("/crm/v8/settings/user_groups/{id}")).await;
        let count = app.client.group_count(id).await.expect("count");
        sources.insert(id.to_owned(), json!([one, count]));
    }
    let (_, deleted) = get(
        app,
        "/crm/v8/settings/territories/actions/deleted_associated_territories",
    )
    .await;
    json!({"territories": territories, "counts": counts, "users": users, "groups": sources, "deleted": deleted})
}

/// The ids a territories read answers, in order (`[]` for 204).
fn ids(body: &Value) -> Vec<String> {
    body["territories"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .map(|t| t["id"].as_str().expect("id").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn user_ids(body: &Value) -> Vec<String> {
    let mut ids: Vec<String> = body["users"]
        .as_array()
        .map(|us| {
            us.iter()
                .map(|u| u["id"].as_str().expect("id").to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// A group's sources as (id, subordinates).
async fn group_sources(app: &TestApp, group: &str) -> Vec<(String, bool)> {
    let (_, one) = get(app, &format!("/crm/v8/settings/user_groups/{group}")).await;
    one["user_groups"][0]["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| {
            (
                s["source"]["id"].as_str().expect("id").to_owned(),
                s["subordinates"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

fn transfer_path(id: &str) -> String {
    format!("/crm/v8/settings/territories/{id}/actions/transfer_and_delete")
}

const BULK: &str = "/crm/v8/settings/territories/actions/transfer_and_delete";
const DELETED: &str = "/crm/v8/settings/territories/actions/deleted_associated_territories";

async fn transfer_and_delete(app: TestApp) {
    let app = org(app.db.backend).await;
    assert_eq!(
        app.client.group_count(CHENNAI_ONLY).await.expect("c"),
        Some(2)
    );
    assert_eq!(
        app.client.group_count(CHENNAI_TREE).await.expect("c"),
        Some(3)
    );
    assert_eq!(
        app.client.group_count(PARENT_AND_CHENNAI).await.expect("c"),
        Some(3)
    );
    let before = state(&app).await;

    // Refusals, each changing nothing.
    let item = |to: Value| json!({"territories":[{"transfer_to_id": to, "delete_previous_forecasts": false}]});
    for (label, path, body, code, json_path) in [
        (
            "below it",
            transfer_path(CHENNAI),
            item(json!(SOUTH)),
            "INVALID_DATA",
            "$.territories[0].transfer_to_id",
        ),
        (
            "itself",
            transfer_path(CHENNAI),
            item(json!(CHENNAI)),
            "INVALID_DATA",
            "$.territories[0].transfer_to_id",
        ),
        (
            "naming nothing",
            transfer_path(CHENNAI),
            item(json!("431581000000000001")),
            "INVALID_DATA",
            "$.territories[0].transfer_to_id",
        ),
        (
            "malformed",
            transfer_path(CHENNAI),
            item(json!("west")),
            "INVALID_DATA",
            "$.territories[0].transfer_to_id",
        ),
        (
            "no transfer territory",
            transfer_path(CHENNAI),
            json!({"territories":[{"delete_previous_forecasts": false}]}),
            "MANDATORY_NOT_FOUND",
            "$.territories[0].transfer_to_id",
        ),
        (
            "no forecasts flag",
            transfer_path(CHENNAI),
            json!({"territories":[{"transfer_to_id": PARENT}]}),
            "MANDATORY_NOT_FOUND",
            "$.territories[0].delete_previous_forecasts",
        ),
        (
            "a flag not boolean",
            transfer_path(CHENNAI),
            json!({"territories":[{"transfer_to_id": PARENT, "delete_previous_forecasts": "no"}]}),
            "INVALID_DATA",
            "$.territories[0].delete_previous_forecasts",
        ),
        (
            "bulk without id",
            BULK.to_owned(),
            item(json!(PARENT)),
            "MANDATORY_NOT_FOUND",
            "$.territories[0].id",
        ),
    ] {
        let (status, body) = call(&app, Method::POST, &path, Some(body)).await;
        assert_eq!(status, 400, "{label}: {body}");
        assert_eq!(body["territories"][0]["code"], code, "{label}: {body}");
        assert_eq!(
            body["territories"][0]["details"]["json_path"], json_path,
            "{label}: {body}"
        );
    }
    let (status, body) = call(
        &app,
        Method::POST,
        &transfer_path(ZOHO),
        Some(item(json!(PARENT))),
    )
    .await;
    assert_eq!(
        (status, body["territories"][0]["code"].as_str()),
        (400, Some("NOT_ALLOWED")),
        "{body}"
    );
    let (status, body) = call(
        &app,
        Method::POST,
        &transfer_path("431581000000000001"),
        Some(item(json!(PARENT))),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["details"],
        json!({"resource_path_index": 2}),
        "an unknown path id is bare: {body}"
    );
    let eleven: Vec<Value> = (0..11)
        .map(|_| json!({"id": CHILD, "transfer_to_id": ZOHO, "delete_previous_forecasts": false}))
        .collect();
    let (status, body) = call(
        &app,
        Method::POST,
        BULK,
        Some(json!({ "territories": eleven })),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        (body["code"].as_str(), body["details"]["json_path"].as_str()),
        (Some("INVALID_DATA"), Some("$.territories")),
        "{body}"
    );
    let (status, body) = call(
        &app,
        Method::POST,
        &transfer_path(CHENNAI).replace("/v8/", "/v4/"),
        Some(item(json!(PARENT))),
    )
    .await;
    assert_eq!(
        (status, body["details"]["supported_version"].as_u64()),
        (400, Some(5)),
        "{body}"
    );
    let (status, body) = call(
        &app,
        Method::DELETE,
        &format!("/crm/v8/settings/territories/{CHILD}?delete_previous_forecasts=maybe"),
        None,
    )
    .await;
    assert_eq!(
        (status, body["details"]["param_name"].as_str()),
        (400, Some("delete_previous_forecasts")),
        "{body}"
    );
    let (status, body) = call(
        &app,
        Method::DELETE,
        &format!("/crm/v8/settings/territories/{CHENNAI}"),
        None,
    )
    .await;
    assert_eq!(
        (status, body["territories"][0]["code"].as_str()),
        (400, Some("NOT_ALLOWED")),
        "plain delete still refuses children: {body}"
    );
    let (status, _) = get(&app, DELETED).await;
    assert_eq!(status, 204, "nothing deleted yet");
    assert_eq!(state(&app).await, before, "the refusals changed nothing");

    // Chennai (children South, North, Leads; users Ravi and Meena) goes to Parent (user Ravi).
    let (status, body) = call(
        &app,
        Method::POST,
        &transfer_path(CHENNAI),
        Some(json!({"territories":[{"id":"ignored","transfer_to_id": {"id": PARENT}, "delete_previous_forecasts": false}]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"territories":[{"code":"SUCCESS","details":{"id": CHENNAI},
            "message":"Given Territory Removed Successfully and its child Territories moved to the another territory",
            "status":"success"}]})
    );
    let (status, _) = get(&app, &format!("/crm/v8/settings/territories/{CHENNAI}")).await;
    assert_eq!(status, 400, "Chennai is gone");
    let (_, children) = get(
        &app,
        &format!("/crm/v8/settings/territories/{PARENT}/__child_territories"),
    )
    .await;
    assert_eq!(
        ids(&children),
        [SOUTH, NORTH, CHILD, LEADS],
        "the children moved; listed by creation"
    );
    let (_, north) = get(&app, &format!("/crm/v8/settings/territories/{NORTH}")).await;
    assert_eq!(
        north["territories"][0]["manager"]["id"], ARUN,
        "a moved child keeps its manager"
    );
    assert_eq!(
        north["territories"][0]["reporting_to"],
        json!({"name":"Parent","id": PARENT})
    );
    let (_, members) = get(
        &app,
        &format!("/crm/v8/settings/territories/{PARENT}/users"),
    )
    .await;
    assert_eq!(
        user_ids(&members),
        [RAVI, MEENA],
        "Meena joined; Ravi, already there, once"
    );
    let (_, counts) = get(
        &app,
        "/crm/v8/settings/territories/actions/associated_users_count",
    )
    .await;
    let parent_count = counts["associated_users_count"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["territory"]["id"] == PARENT)
        .expect("row")["count"]
        .clone();
    assert_eq!(parent_count, "2");
    assert_eq!(
        group_sources(&app, CHENNAI_ONLY).await,
        [(PARENT.to_owned(), false)]
    );
    assert_eq!(
        group_sources(&app, CHENNAI_TREE).await,
        [(PARENT.to_owned(), true)]
    );
    assert_eq!(
        group_sources(&app, PARENT_AND_CHENNAI).await,
        [(PARENT.to_owned(), true)],
        "one source for Parent, covering its subtree as the Chennai source did"
    );
    // Parent alone: Ravi, Meena. Parent's tree: and Arun (North, Child).
    assert_eq!(
        app.client.group_count(CHENNAI_ONLY).await.expect("c"),
        Some(2)
    );
    assert_eq!(app.client.group_count(NESTING).await.expect("c"), Some(2));
    assert_eq!(
        app.client.group_count(CHENNAI_TREE).await.expect("c"),
        Some(3)
    );
    assert_eq!(
        app.client.group_count(PARENT_AND_CHENNAI).await.expect("c"),
        Some(3)
    );
    assert_counts_exact(&app.dir, app.org.org.id).await;
    let (status, deleted) = get(&app, DELETED).await;
    assert_eq!(status, 200);
    let row = &deleted["territories"][0];
    assert_eq!(
        (row["name"].as_str(), row["id"].as_str()),
        (Some("Chennai"), Some(CHENNAI))
    );
    assert_eq!(
        row["deleted_by"],
        json!({"name":"Patricia Boyle","id": PATRICIA})
    );
    assert!(
        row["deleted_time"]
            .as_str()
            .expect("time")
            .ends_with("+05:30"),
        "{row}"
    );
    assert_eq!(
        deleted["info"],
        json!({"per_page":200,"count":1,"page":1,"more_records":false})
    );

    // Bulk: one deleted (its forecasts too, so not remembered), one naming nothing.
    let (status, body) = call(
        &app,
        Method::POST,
        BULK,
        Some(json!({"territories":[
        {"id": PARENT, "transfer_to_id": ZOHO, "delete_previous_forecasts": true},
        {"id": "431581000000000001", "transfer_to_id": ZOHO, "delete_previous_forecasts": true},
        {"id": CHILD, "transfer_to_id": PARENT, "delete_previous_forecasts": false}]})),
    )
    .await;
    assert_eq!(status, 200, "a mix: {body}");
    let codes: Vec<&str> = body["territories"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["SUCCESS", "INVALID_DATA", "INVALID_DATA"]);
    assert_eq!(
        body["territories"][1]["details"]["json_path"],
        "$.territories[1].id"
    );
    assert_eq!(
        body["territories"][2]["details"]["json_path"], "$.territories[2].transfer_to_id",
        "Parent went with item 0"
    );
    let (_, children) = get(
        &app,
        &format!("/crm/v8/settings/territories/{ZOHO}/__child_territories"),
    )
    .await;
    assert_eq!(ids(&children), [SOUTH, NORTH, CHILD, LEADS]);
    let (_, members) = get(&app, &format!("/crm/v8/settings/territories/{ZOHO}/users")).await;
    assert_eq!(user_ids(&members), [PATRICIA, RAVI, MEENA]);
    assert_eq!(
        group_sources(&app, PARENT_AND_CHENNAI).await,
        [(ZOHO.to_owned(), true)]
    );
    assert_eq!(
        app.client.group_count(PARENT_AND_CHENNAI).await.expect("c"),
        Some(4)
    );
    assert_eq!(
        app.client.group_count(CHENNAI_ONLY).await.expect("c"),
        Some(3)
    );
    assert_counts_exact(&app.dir, app.org.org.id).await;

    // Plain deletes: kept forecasts are remembered (Zoho's SDK sends `False`), deleted ones not.
    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/crm/v8/settings/territories/{LEADS}?delete_previous_forecasts=False"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/crm/v8/settings/territories?ids={SOUTH}&delete_previous_forecasts=True"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (_, deleted) = get(&app, DELETED).await;
    let names: Vec<&str> = deleted["territories"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Chennai", "Chennai Leads"], "in the order deleted");
    let (_, one) = get(&app, &format!("{DELETED}?ids={LEADS},{PARENT}")).await;
    assert_eq!(ids(&one), [LEADS]);
    let (status, _) = get(&app, &format!("{DELETED}?ids={PARENT}")).await;
    assert_eq!(status, 204, "Parent's forecasts were deleted with it");
    let (_, page) = get(&app, &format!("{DELETED}?per_page=1&page=2")).await;
    assert_eq!(
        (ids(&page), page["info"]["more_records"].as_bool()),
        (vec![LEADS.to_owned()], Some(false))
    );
    let (status, body) = get(&app, &format!("{DELETED}?ids=x")).await;
    assert_eq!(
        (status, body["details"]["param_name"].as_str()),
        (400, Some("ids"))
    );
    let (status, body) = get(&app, &DELETED.replace("/v8/", "/v7/")).await;
    assert_eq!(
        (status, body["details"]["supported_version"].as_u64()),
        (400, Some(8)),
        "{body}"
    );
    assert_counts_exact(&app.dir, app.org.org.id).await;

    // A reset forgets them.
    app.reset().await;
    let (status, _) = get(&app, DELETED).await;
    assert_eq!(status, 204, "a reset clears the deleted territories");
}

storage_test!(
    transfer_and_delete_moves_what_a_territory_holds,
    transfer_and_delete
);

/// The list's ids with `filters` = `filter` (URL-encoded), `[]` for 204.
async fn filtered(app: &TestApp, base: &str, filter: &Value) -> Vec<String> {
    let encoded: String =
        url::form_urlencoded::byte_serialize(filter.to_string().as_bytes()).collect();
    let separator = if base.contains('?') { '&' } else { '?' };
    let (status, body) = get(app, &format!("{base}{separator}filters={encoded}")).await;
    assert!(status == 200 || status == 204, "{filter}: {status} {body}");
    ids(&body)
}

fn criterion(field: &str, comparator: &str, value: Value) -> Value {
    json!({"field":{"api_name": field},"comparator": comparator,"value": value})
}

async fn filters_and_include(app: TestApp) {
    let app = org(app.db.backend).await;
    const LIST: &str = "/crm/v8/settings/territories";
    let all = [ZOHO, CHENNAI, SOUTH, NORTH, PARENT, CHILD, LEADS];
    let but = |skip: &[&str]| -> Vec<String> {
        all.iter()
            .filter(|t| !skip.contains(t))
            .map(|t| (*t).to_owned())
            .collect()
    };
    let t = |hhmm: &str| json!(format!("2024-07-03T{hhmm}:00+05:30"));
    let cases: Vec<(Value, Vec<String>)> = vec![
        (
            criterion("id", "equal", json!(CHENNAI)),
            but(&[ZOHO, SOUTH, NORTH, PARENT, CHILD, LEADS]),
        ),
        (
            criterion("id", "not_equal", json!(CHENNAI)),
            but(&[CHENNAI]),
        ),
        (
            criterion("reporting_to.id", "equal", json!(CHENNAI)),
            vec![SOUTH.into(), NORTH.into(), LEADS.into()],
        ),
        (
            criterion("reporting_to.id", "NOT_EQUAL", json!(CHENNAI)),
            vec![ZOHO.into(), CHENNAI.into(), PARENT.into(), CHILD.into()],
        ),
        (
            criterion("manager.id", "equal", json!(ARUN)),
            vec![NORTH.into()],
        ),
        (
            criterion("manager.id", "not_equal", json!(ARUN)),
            but(&[NORTH]),
        ),
        (
            criterion("permission_type", "equal", json!("read_write_delete")),
            vec![ZOHO.into(), PARENT.into()],
        ),
        (
            criterion("permission_type", "not_equal", json!("read_write_delete")),
            but(&[ZOHO, PARENT]),
        ),
        (criterion("created_by", "equal", json!(PATRICIA)), but(&[])),
        (
            criterion("created_by.id", "not_equal", json!(PATRICIA)),
            vec![],
        ),
        (
            criterion("modified_by", "equal", json!(RAVI)),
            vec![CHILD.into()],
        ),
        (
            criterion("modified_by", "not_equal", json!(RAVI)),
            but(&[CHILD]),
        ),
        (
            criterion("name", "equal", json!("CHENNAI")),
            vec![CHENNAI.into()],
        ),
        (
            criterion("name", "not_equal", json!("chennai")),
            but(&[CHENNAI]),
        ),
        (
            criterion("name", "starts_with", json!("chennai")),
            vec![CHENNAI.into(), SOUTH.into(), NORTH.into(), LEADS.into()],
        ),
        (
            criterion("name", "ends_with", json!("ILD")),
            vec![CHILD.into()],
        ),
        (
            criterion("name", "contains", json!("nai ")),
            vec![NORTH.into(), LEADS.into()],
        ),
        (
            criterion("name", "not_contains", json!("chennai")),
            vec![ZOHO.into(), PARENT.into(), CHILD.into()],
        ),
        (criterion("name", "contains", json!("_")), vec![]),
        (criterion("name", "contains", json!("%")), vec![]),
        (
            criterion("created_time", "equal", t("10:02")),
            vec![SOUTH.into()],
        ),
        (
            criterion("created_time", "equal", json!("2024-07-03T04:32:00Z")),
            vec![SOUTH.into()],
        ),
        (
            criterion("created_time", "less_than", t("10:02")),
            vec![ZOHO.into(), CHENNAI.into()],
        ),
        (
            criterion("created_time", "less_equal", t("10:02")),
            vec![ZOHO.into(), CHENNAI.into(), SOUTH.into()],
        ),
        (
            criterion("created_time", "greater_than", t("10:04")),
            vec![CHILD.into(), LEADS.into()],
        ),
        (
            criterion("created_time", "between", json!([t("10:01"), t("10:03")])),
            vec![CHENNAI.into(), SOUTH.into(), NORTH.into()],
        ),
        (
            criterion("modified_time", "less_than", t("10:01")),
            vec![ZOHO.into()],
        ),
        (
            criterion("modified_time", "between", json!([t("10:05"), t("10:06")])),
            vec![CHILD.into(), LEADS.into()],
        ),
        (
            json!({"group_operator":"or","group":[criterion("name","equal",json!("child")), criterion("manager.id","equal",json!(ARUN))]}),
            vec![NORTH.into(), CHILD.into()],
        ),
        (
            json!({"group_operator":"AND","group":[criterion("reporting_to.id","equal",json!(CHENNAI)), criterion("name","not_contains",json!("north"))]}),
            vec![SOUTH.into(), LEADS.into()],
        ),
    ];
    for (filter, want) in &cases {
        assert_eq!(&filtered(&app, LIST, filter).await, want, "{filter}");
    }
    // With ids, both hold; paging counts what passes.
    let read_only = criterion("permission_type", "equal", json!("read_only"));
    assert_eq!(
        filtered(
            &app,
            &format!("{LIST}?ids={CHENNAI},{PARENT},{CHILD}"),
            &read_only
        )
        .await,
        [CHENNAI, CHILD]
    );
    let chennai = criterion("name", "starts_with", json!("chennai"));
    assert_eq!(
        filtered(&app, &format!("{LIST}?per_page=2&page=2"), &chennai).await,
        [NORTH, LEADS]
    );
    let encoded: String =
        url::form_urlencoded::byte_serialize(chennai.to_string().as_bytes()).collect();
    let (_, first) = get(&app, &format!("{LIST}?per_page=2&filters={encoded}")).await;
    assert_eq!(
        first["info"],
        json!({"per_page":2,"count":2,"page":1,"more_records":true})
    );

    // The children's filters.
    let children = format!("{LIST}/{CHENNAI}/__child_territories");
    assert_eq!(
        filtered(
            &app,
            &children,
            &criterion("name", "contains", json!("north"))
        )
        .await,
        [NORTH]
    );
    assert_eq!(
        filtered(
            &app,
            &children,
            &criterion("created_time", "greater_than", t("10:02"))
        )
        .await,
        [NORTH, LEADS]
    );
    assert!(
        filtered(&app, &children, &criterion("id", "equal", json!(PARENT)))
            .await
            .is_empty(),
        "204"
    );
    let encoded: String =
        url::form_urlencoded::byte_serialize(chennai.to_string().as_bytes()).collect();
    let (status, body) = get(
        &app,
        &format!("{LIST}/431581000000000001/__child_territories?filters={encoded}"),
    )
    .await;
    assert_eq!(
        (status, body["details"].clone()),
        (400, json!({"resource_path_index": 2}))
    );

    // Refused: INVALID_DATA naming filters, on both reads.
    let deep = (0..6).fold(
        chennai.clone(),
        |inner, _| json!({"group_operator":"or","group":[inner, chennai.clone()]}),
    );
    let refused = [
        criterion("description", "equal", json!("x")),
        criterion("api_name", "equal", json!("x")),
        criterion("id", "contains", json!(CHENNAI)),
        criterion("id", "equal", json!("chennai")),
        criterion("manager.id", "starts_with", json!(ARUN)),
        criterion("permission_type", "starts_with", json!("read")),
        criterion("permission_type", "equal", json!("all")),
        criterion("name", "less_than", json!("m")),
        criterion("name", "equal", json!(5)),
        criterion("name", "equal", json!("x".repeat(251))),
        criterion("created_time", "greater_equal", t("10:02")),
        criterion("created_time", "equal", json!("yesterday")),
        criterion("created_time", "between", t("10:02")),
        criterion("created_time", "between", json!([t("10:03"), t("10:01")])),
        criterion("modified_time", "contains", t("10:02")),
        json!({"field":{"api_name":"name"},"value":"x"}),
        json!({"group_operator":"or","group":[chennai.clone()]}),
        json!({"group_operator":"xor","group":[chennai.clone(), chennai.clone()]}),
        deep,
        json!(["not", "an", "object"]),
    ];
    for (i, bad) in refused.iter().enumerate() {
        let base = if i % 2 == 0 {
            LIST.to_owned()
        } else {
            children.clone()
        };
        let encoded: String =
            url::form_urlencoded::byte_serialize(bad.to_string().as_bytes()).collect();
        let (status, body) = get(&app, &format!("{base}?filters={encoded}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(
            (body["code"].as_str(), body["details"].clone()),
            (Some("INVALID_DATA"), json!({"param_name":"filters"})),
            "{bad}"
        );
    }
    let (status, body) = get(&app, &format!("{LIST}?filters=%7Bnot%20json")).await;
    assert_eq!(
        (status, body["details"]["param_name"].as_str()),
        (400, Some("filters"))
    );

    // include: the list prints the *_rule_criteria keys only when asked; one territory and children always.
    let keys = |t: &Value| -> Vec<&str> {
        let mut k: Vec<&str> = [
            "lead_rule_criteria",
            "account_rule_criteria",
            "deal_rule_criteria",
        ]
        .into_iter()
        .filter(|k| t.get(*k).is_some())
        .collect();
        k.sort_unstable();
        k
    };
    let (_, plain) = get(&app, LIST).await;
    assert!(
        plain["territories"]
            .as_array()
            .expect("list")
            .iter()
            .all(|t| keys(t).is_empty()),
        "{plain}"
    );
    let (_, one) = get(&app, &format!("{LIST}?include=deal_rule_criteria")).await;
    for t in one["territories"].as_array().expect("list") {
        assert_eq!(keys(t), ["deal_rule_criteria"]);
        assert_eq!(t["deal_rule_criteria"], Value::Null);
    }
    let (_, both) = get(
        &app,
        &format!("{LIST}?include=lead_rule_criteria,account_rule_criteria"),
    )
    .await;
    assert_eq!(
        keys(&both["territories"][0]),
        ["account_rule_criteria", "lead_rule_criteria"]
    );
    let (_, three) = get(&app, &format!("{LIST}?include={ALL_KEYS}&ids={CHILD}")).await;
    assert_eq!(
        keys(&three["territories"][0]),
        [
            "account_rule_criteria",
            "deal_rule_criteria",
            "lead_rule_criteria"
        ]
    );
    assert_eq!(
        three["territories"][0].as_object().expect("object").len(),
        14,
        "Zoho's 14 keys"
    );
    let (_, single) = get(&app, &format!("{LIST}/{CHILD}")).await;
    assert_eq!(keys(&single["territories"][0]).len(), 3);
    let (_, kids) = get(&app, &children).await;
    assert_eq!(keys(&kids["territories"][0]).len(), 3);
    for bad in ["sources_count", "", "lead_rule_criteria,nope"] {
        let (status, body) = get(&app, &format!("{LIST}?include={bad}")).await;
        assert_eq!(
            (status, body["details"].clone()),
            (400, json!({"param_name":"include"})),
            "{bad:?}"
        );
    }
    let (status, body) = get(&app, &format!("{children}?include=lead_rule_criteria")).await;
    assert_eq!(
        (status, body["details"].clone()),
        (400, json!({"param_name":"include"})),
        "children take no include"
    );
}

storage_test!(filters_select_and_include_adds, filters_and_include);
