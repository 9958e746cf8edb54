//! Issue 4's story on SQLite and PostgreSQL: a group's associated users
//! follow roles (with subordinates), territories, nesting, deactivation and
//! deletion; cycles and malformed filters are refused.

use orgdir_testkit::fixtures::UserBuilder;
use orgdir_testkit::{assert_counts_exact, storage_test, TestApp};
use orgdir_types::ErrorCode;
use reqwest::Method;
use serde_json::json;

async fn count(app: &TestApp, group: &str) -> u64 {
    app.client
        .group_count(group)
        .await
        .expect("count")
        .expect("group row")
}

/// The org's root territory.
async fn root_territory(app: &TestApp) -> String {
    app.client
        .list_territories(None, None)
        .await
        .expect("territories")
        .expect("root")
        .territories[0]
        .id
        .clone()
}

/// Roles Sales (under the root) and Reps (under Sales), and territory
/// West under the root territory: (sales, reps, west).
async fn sales_and_west(app: &TestApp, root_role: &str) -> (String, String, String) {
    let root = root_territory(app).await;
    let sales = app
        .client
        .create_role(json!({"name":"Sales","reporting_to": root_role}))
        .await
        .expect("role");
    let reps = app
        .client
        .create_role(json!({"name":"Reps","reporting_to": sales}))
        .await
        .expect("role");
    let west = app
        .client
        .create_territory(json!({"name":"West","reporting_to": root}))
        .await
        .expect("t");
    (sales, reps, west)
}

async fn story(app: TestApp) {
    let dir = app.directory().await;
    let (sales, reps, west) = sales_and_west(&app, &dir.root_role).await;

    let ana = UserBuilder::new("ana@example.com")
        .role(&sales)
        .create(&app)
        .await;
    let bo = UserBuilder::new("bo@example.com")
        .role(&reps)
        .create(&app)
        .await;
    let cy = UserBuilder::new("cy@example.com").create(&app).await; // root role: not in Sales
    app.client
        .associate_territory_users(&west, &[&bo, &cy])
        .await
        .expect("associate");

    // Role with subordinates ∪ territory: ana, bo (both ways), cy — each once.
    let group = app
        .client
        .create_group(json!({"name":"Team","sources":[
            {"type":"roles","source":{"id": sales},"subordinates":true},
            {"type":"territories","source":{"id": west},"sub_territories":false}]}))
        .await
        .expect("group");
    assert_eq!(count(&app, &group).await, 3);

    // Moving bo out of the role keeps them (the territory still holds them); ana leaves.
    app.client
        .update_user(&bo, json!({"role": dir.root_role}))
        .await
        .expect("move bo");
    assert_eq!(count(&app, &group).await, 3);
    app.client
        .update_user(&ana, json!({"role": dir.root_role}))
        .await
        .expect("move ana");
    assert_eq!(count(&app, &group).await, 2);
    app.client
        .update_user(&ana, json!({"role": {"id": reps}}))
        .await
        .expect("ana back, below Sales");
    assert_eq!(count(&app, &group).await, 3);

    // A group nesting it counts the same users.
    let outer = app
        .client
        .create_group(json!({"name":"Outer","sources":[{"type":"groups","source": group}]}))
        .await
        .expect("outer");
    assert_eq!(count(&app, &outer).await, 3);

    // Deactivating keeps the count, deleting lowers it (in both groups).
    app.client
        .set_user_status(&cy, "inactive")
        .await
        .expect("deactivate");
    assert_eq!(
        (count(&app, &group).await, count(&app, &outer).await),
        (3, 3)
    );
    // ... and moves cy to the inactive ones of both groups' grouped counts.
    for g in [&group, &outer] {
        assert_eq!(
            grouped(&app, g).await,
            json!({"grouped_counts":[{"status":"active","count":2},{"status":"inactive","count":1}],
                   "info":{"per_page":200,"count":2,"page":1,"more_records":false}})
        );
    }
    app.client.delete_user(&cy).await.expect("delete");
    assert_eq!(
        (count(&app, &group).await, count(&app, &outer).await),
        (2, 2)
    );
    assert_eq!(
        grouped(&app, &outer).await["grouped_counts"],
        json!([{"status":"active","count":2}])
    );

    // A cycle is refused and changes nothing.
    let cycle = app
        .client
        .update_group(
            &group,
            json!({"sources":[{"type":"groups","source": outer}]}),
        )
        .await
        .expect_err("cycle");
    assert_eq!(cycle.code(), Some(ErrorCode::InvalidData));
    match &cycle {
        orgdir_client::ClientError::Api { body, .. } => {
            assert_eq!(
                body.details["json_path"],
                "$.user_groups[0].sources[0].source"
            )
        }
        other => panic!("{other:?}"),
    }
    let self_cycle = app
        .client
        .update_group(
            &group,
            json!({"sources":[{"type":"groups","source": group}]}),
        )
        .await
        .expect_err("self");
    assert_eq!(self_cycle.code(), Some(ErrorCode::InvalidData));
    assert_eq!(count(&app, &group).await, 2);

    // Moving a role in the tree moves its users in and out of groups.
    let only_sales = app
        .client
        .create_group(json!({"name":"Sales tree","sources":[{"type":"roles","source": sales,"subordinates":true}]}))
        .await
        .expect("group");
    assert_eq!(count(&app, &only_sales).await, 1, "ana (Reps)");
    let ops = app
        .client
        .create_role(json!({"name":"Ops","reporting_to": dir.root_role}))
        .await
        .expect("role");
    app.client
        .update_role(&reps, json!({"reporting_to": ops}))
        .await
        .expect("move Reps under Ops");
    assert_eq!(count(&app, &only_sales).await, 0);
    assert_eq!(count(&app, &group).await, 1, "bo stays through West");
    app.client
        .update_role(&reps, json!({"reporting_to": sales}))
        .await
        .expect("back");
    assert_eq!(count(&app, &only_sales).await, 1);

    // Sources count: one element, every key, users split by status.
    let dee = UserBuilder::new("dee@example.com").create(&app).await;
    let eve = UserBuilder::new("eve@example.com").create(&app).await;
    let direct = app
        .client
        .create_group(json!({"name":"Direct","sources":[
            {"type":"users","source": dee},{"type":"users","source": eve},{"type":"roles","source": ops}]}))
        .await
        .expect("group");
    app.client
        .set_user_status(&dee, "inactive")
        .await
        .expect("deactivate");
    app.client.delete_user(&eve).await.expect("delete");
    let sc = app
        .client
        .sources_count(&direct)
        .await
        .expect("sources count");
    assert_eq!((sc.roles, sc.territories, sc.groups), (1, 0, 0));
    assert_eq!(
        (sc.users.active, sc.users.inactive, sc.users.deleted),
        (0, 1, 1)
    );
    assert_eq!(
        count(&app, &direct).await,
        1,
        "dee (disabled) counts, eve (deleted) does not"
    );
    let deleted_source = app
        .client
        .create_group(json!({"name":"Ghosts","sources":[{"type":"users","source": eve}]}))
        .await
        .expect_err("deleted users cannot be added");
    assert_eq!(deleted_source.code(), Some(ErrorCode::InvalidData));

    // Bad group ids on the sources count.
    for bad in ["123", "abc"] {
        let raw = app
            .client
            .raw(
                Method::GET,
                &format!("/crm/v8/settings/user_groups/{bad}/actions/sources_count"),
                None,
            )
            .await
            .expect("response");
        assert_eq!(raw.status.as_u16(), 400);
        assert_eq!(
            raw.json(),
            json!({"code":"INVALID_DATA","details":{"resource_path_index":2},
            "message":"the id given seems to be invalid","status":"error"})
        );
    }

    // Filters: matches, 204 on no match, 400 on malformed.
    let hit = app
        .client
        .group_users_count(
            Some(&json!({"field":{"api_name":"name"},"comparator":"starts_with","value":"team"})),
            None,
            None,
        )
        .await
        .expect("filter")
        .expect("a match");
    assert_eq!(hit.associated_users_count.len(), 1);
    assert_eq!(hit.associated_users_count[0].user_group.id, group);
    let none = app
        .client
        .group_users_count(
            Some(&json!({"field":{"api_name":"description"},"comparator":"equal","value":"zzz"})),
            None,
            None,
        )
        .await
        .expect("filter");
    assert!(none.is_none(), "204");
    for bad in ["%7Bnot-json", "%7B%7D", "%5B%5D"] {
        let raw = app
            .client
            .raw(
                Method::GET,
                &format!(
                    "/crm/v8/settings/user_groups/actions/associated_users_count?filters={bad}"
                ),
                None,
            )
            .await
            .expect("response");
        assert_eq!(raw.status.as_u16(), 400);
        assert_eq!(raw.json()["details"], json!({"param_name":"filters"}));
    }

    // Deleting a group drops it from the groups nesting it.
    app.client.delete_group(&group).await.expect("delete");
    assert_eq!(count(&app, &outer).await, 0);
    assert_counts_exact(&app.dir, app.org.org.id).await;
}
storage_test!(group_membership_follows_writes, story);

async fn paging(app: TestApp) {
    for i in 0..5 {
        app.client
            .create_group(json!({"name": format!("G{i}"),"sources":[{"type":"users","source": app.org.admin_user_id.to_string()}]}))
            .await
            .expect("group");
    }
    let page = app
        .client
        .group_users_count(None, Some(2), Some(2))
        .await
        .expect("page")
        .expect("rows");
    let names: Vec<&str> = page
        .associated_users_count
        .iter()
        .map(|r| r.user_group.name.as_str())
        .collect();
    assert_eq!(names, ["G2", "G3"], "by creation");
    assert!(page.info.more_records);
    assert!(page.associated_users_count.iter().all(|r| r.count == 1));
    assert!(
        app.client
            .group_users_count(None, Some(4), Some(2))
            .await
            .expect("page")
            .is_none(),
        "past the end: 204"
    );
    let dup = app
        .client
        .create_group(json!({"name":"g0","sources":[{"type":"users","source": app.org.admin_user_id.to_string()}]}))
        .await
        .expect_err("name taken, case-insensitive");
    assert_eq!(dup.code(), Some(ErrorCode::DuplicateData));

    // The list's `name`: that group only, in any letter case, with `filters` too.
    let names = |raw: orgdir_client::RawResponse| -> Vec<String> {
        assert_eq!(raw.status.as_u16(), 200, "{:?}", raw.json());
        raw.json()["user_groups"]
            .as_array()
            .expect("user_groups")
            .iter()
            .map(|g| g["name"].as_str().expect("name").to_owned())
            .collect()
    };
    assert_eq!(names(list_groups(&app, "?name=g2").await), ["G2"]);
    let both = "?name=G2&filters=%7B%22field%22%3A%7B%22api_name%22%3A%22name%22%7D%2C%22comparator%22%3A%22starts_with%22%2C%22value%22%3A%22g%22%7D";
    assert_eq!(names(list_groups(&app, both).await), ["G2"]);
    assert_eq!(list_groups(&app, "?name=G9").await.status.as_u16(), 204);
    let empty = list_groups(&app, "?name=").await;
    assert_eq!(empty.status.as_u16(), 400);
    assert_eq!(empty.json()["details"], json!({"param_name":"name"}));
}
storage_test!(group_paging_and_names, paging);

/// `GET …/user_groups/{group}/associated_users/actions/grouped_counts?group_by=status`, answered 200.
async fn grouped(app: &TestApp, group: &str) -> serde_json::Value {
    let raw = grouped_raw(app, group, "?group_by=status").await;
    assert_eq!(raw.status.as_u16(), 200, "{:?}", raw.json());
    raw.json()
}

async fn grouped_raw(app: &TestApp, group: &str, query: &str) -> orgdir_client::RawResponse {
    get_raw(
        app,
        &format!(
            "/crm/v8/settings/user_groups/{group}/associated_users/actions/grouped_counts{query}"
        ),
    )
    .await
}

/// `GET path`, whatever the answer.
async fn get_raw(app: &TestApp, path: &str) -> orgdir_client::RawResponse {
    app.client
        .raw(Method::GET, path, None)
        .await
        .expect("response")
}

/// Grouped counts split a group's associated users into active and
/// inactive through every kind of write (a deactivation, a role moved with
/// an inactive user below it, a territory moved likewise, a reactivation);
/// a group with none answers 204; a missing or unknown `group_by` and an
/// unknown group are refused.
async fn grouped_counts(app: TestApp) {
    let dir = app.directory().await;
    let (sales, reps, west) = sales_and_west(&app, &dir.root_role).await;
    let root = root_territory(&app).await;
    let east = app
        .client
        .create_territory(json!({"name":"East","reporting_to": root}))
        .await
        .expect("east");
    let ana = UserBuilder::new("ana@example.com")
        .role(&reps)
        .create(&app)
        .await;
    let bo = UserBuilder::new("bo@example.com").create(&app).await;
    app.client
        .associate_territory_users(&east, &[&bo])
        .await
        .expect("associate");
    let empty = app
        .client
        .create_group(json!({"name":"Empty","sources":[{"type":"roles","source":{"id": sales},"subordinates":false}]}))
        .await
        .expect("group");
    assert_eq!(
        grouped_raw(&app, &empty, "?group_by=status")
            .await
            .status
            .as_u16(),
        204
    );
    let group = app
        .client
        .create_group(json!({"name":"Team","sources":[
            {"type":"roles","source":{"id": sales},"subordinates":true},
            {"type":"territories","source":{"id": west},"sub_territories":true}]}))
        .await
        .expect("group");
    let split = |active: u64, inactive: u64| {
        let rows: Vec<_> = [("active", active), ("inactive", inactive)]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(status, count)| json!({"status": status, "count": count}))
            .collect();
        json!(rows)
    };
    let move_east = |to: String| {
        let app = &app;
        let east = east.clone();
        async move {
            app.client
                .update_territory(&east, json!({"reporting_to": {"id": to}}))
                .await
                .expect("move east");
        }
    };
    assert_eq!(grouped(&app, &group).await["grouped_counts"], split(1, 0));
    move_east(west.clone()).await;
    assert_eq!(grouped(&app, &group).await["grouped_counts"], split(2, 0));
    for user in [&ana, &bo] {
        app.client
            .set_user_status(user, "inactive")
            .await
            .expect("deactivate");
    }
    assert_eq!(grouped(&app, &group).await["grouped_counts"], split(0, 2));
    // Reps (with inactive ana) moved out from under Sales, then back.
    app.client
        .update_role(&reps, json!({"reporting_to": dir.root_role}))
        .await
        .expect("move reps");
    assert_eq!(grouped(&app, &group).await["grouped_counts"], split(0, 1));
    app.client
        .update_role(&reps, json!({"reporting_to": sales}))
        .await
        .expect("reps back");
    assert_eq!(grouped(&app, &group).await["grouped_counts"], split(0, 2));
    // East (with inactive bo) moved out from under West, then back.
    move_east(root.clone()).await;
    assert_eq!(grouped(&app, &group).await["grouped_counts"], split(0, 1));
    move_east(west.clone()).await;
    assert_eq!(grouped(&app, &group).await["grouped_counts"], split(0, 2));
    app.client
        .set_user_status(&bo, "active")
        .await
        .expect("reactivate");
    assert_eq!(grouped(&app, &group).await["grouped_counts"], split(1, 1));
    assert_counts_exact(&app.dir, app.org.org.id).await;

    for (query, code, details) in [
        (
            "",
            "REQUIRED_PARAM_MISSING",
            json!({"param_name":"group_by"}),
        ),
        (
            "?group_by=name",
            "INVALID_DATA",
            json!({"param_name":"group_by"}),
        ),
        (
            "?group_by=status&page=2",
            "INVALID_DATA",
            json!({"param_name":"page"}),
        ),
    ] {
        let raw = grouped_raw(&app, &group, query).await;
        assert_eq!(raw.status.as_u16(), 400, "{query}");
        assert_eq!(raw.json()["code"], code, "{query}");
        assert_eq!(raw.json()["details"], details, "{query}");
    }
    let unknown = grouped_raw(&app, "1", "?group_by=status").await;
    assert_eq!(unknown.status.as_u16(), 400);
    assert_eq!(unknown.json()["details"], json!({"resource_path_index":2}));
}
storage_test!(grouped_counts_split_active_and_inactive, grouped_counts);

/// `GET /users/{id}/actions/associated_groups` of `user` (with a query).
async fn groups_of(app: &TestApp, user: &str, query: &str) -> orgdir_client::RawResponse {
    get_raw(
        app,
        &format!("/crm/v8/users/{user}/actions/associated_groups{query}"),
    )
    .await
}

/// The ids of the groups on a page of a user's groups.
fn group_ids(raw: &orgdir_client::RawResponse) -> Vec<String> {
    assert_eq!(raw.status.as_u16(), 200, "{:?}", raw.json());
    raw.json()["user_groups"]
        .as_array()
        .expect("user_groups")
        .iter()
        .map(|g| g["id"].as_str().expect("id").to_owned())
        .collect()
}

/// `GET /settings/user_groups` with a query.
async fn list_groups(app: &TestApp, query: &str) -> orgdir_client::RawResponse {
    get_raw(app, &format!("/crm/v8/settings/user_groups{query}")).await
}

/// A user's groups follow each way of membership: role with subordinates,
/// territory, a user source and nesting; a deleted user has none; unknown
/// users and include values are refused.
async fn users_groups(app: TestApp) {
    let dir = app.directory().await;
    let (sales, reps, west) = sales_and_west(&app, &dir.root_role).await;
    let bo = UserBuilder::new("bo@example.com")
        .role(&reps)
        .create(&app)
        .await;
    let cy = UserBuilder::new("cy@example.com").create(&app).await;
    app.client
        .associate_territory_users(&west, &[&cy])
        .await
        .expect("associate");
    let by_role = app
        .client
        .create_group(
            json!({"name":"By role","description":"sales tree","sources":[
            {"type":"roles","source":{"id": sales},"subordinates":true}]}),
        )
        .await
        .expect("group");
    let by_territory = app
        .client
        .create_group(json!({"name":"By territory","sources":[
            {"type":"territories","source":{"id": west},"sub_territories":false}]}))
        .await
        .expect("group");
    let by_name = app
        .client
        .create_group(json!({"name":"By name","sources":[{"type":"users","source":{"id": bo}}]}))
        .await
        .expect("group");
    let nesting = app
        .client
        .create_group(
            json!({"name":"Nesting","sources":[{"type":"groups","source":{"id": by_territory}}]}),
        )
        .await
        .expect("group");

    assert_eq!(
        group_ids(&groups_of(&app, &bo, "").await),
        [by_role.clone(), by_name.clone()],
        "in listing order"
    );
    assert_eq!(
        group_ids(&groups_of(&app, &cy, "").await),
        [by_territory.clone(), nesting.clone()]
    );
    // Zoho's shape: the group without sources, then with them when asked.
    let page = groups_of(&app, &bo, "?per_page=1").await.json();
    let first = &page["user_groups"][0];
    assert_eq!(first["name"], "By role");
    assert_eq!(first["description"], "sales tree");
    assert!(first.get("sources").is_none(), "no sources unless included");
    for key in ["created_time", "modified_time", "created_by", "modified_by"] {
        assert!(!first[key].is_null(), "{key}");
    }
    assert_eq!(
        page["info"],
        json!({"per_page":1,"count":1,"page":1,"more_records":true})
    );
    let page = groups_of(&app, &bo, "?page=2&per_page=1&include=sources").await;
    assert_eq!(group_ids(&page), vec![by_name.clone()]);
    assert_eq!(
        page.json()["user_groups"][0]["sources"][0]["source"]["id"],
        json!(bo)
    );

    // Moving bo out of the tree leaves the role group; deleting bo leaves all.
    app.client
        .update_user(&bo, json!({"role": dir.root_role}))
        .await
        .expect("move bo");
    assert_eq!(group_ids(&groups_of(&app, &bo, "").await), [by_name]);
    app.client.delete_user(&bo).await.expect("delete bo");
    let none = groups_of(&app, &bo, "").await;
    assert_eq!(none.status.as_u16(), 204);
    assert!(none.body.is_empty());

    let unknown = groups_of(&app, &format!("{}9", dir.root_role), "").await;
    assert_eq!(unknown.status.as_u16(), 400);
    assert_eq!(
        unknown.json(),
        json!({"code":"INVALID_DATA","details":{"resource_path_index":1},
            "message":"the id given seems to be invalid","status":"error"})
    );
    // Where a group is used: nowhere orgdir knows of (204), or a bad id.
    let used = app
        .client
        .raw(
            Method::GET,
            &format!("/crm/v8/settings/user_groups/{nesting}/actions/associations"),
            None,
        )
        .await
        .expect("response");
    assert_eq!(used.status.as_u16(), 204);
    assert!(used.body.is_empty());
    let unknown_group = app
        .client
        .raw(
            Method::GET,
            &format!(
                "/crm/v8/settings/user_groups/{}9/actions/associations",
                dir.root_role
            ),
            None,
        )
        .await
        .expect("response");
    assert_eq!(unknown_group.status.as_u16(), 400);
    assert_eq!(
        unknown_group.json()["details"],
        json!({"resource_path_index":2})
    );
    let bad = groups_of(&app, &cy, "?include=sources_count").await;
    assert_eq!(bad.status.as_u16(), 400);
    assert_eq!(bad.json()["details"], json!({"param_name":"include"}));
    assert_counts_exact(&app.dir, app.org.org.id).await;
}
storage_test!(a_users_groups, users_groups);
