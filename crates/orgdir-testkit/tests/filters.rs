//! Property: the SQL each backend runs for `filters` selects exactly the
//! groups `Filter::matches` accepts — wildcards, case and nesting included.

use orgdir_core::groups::{Filter, NewGroup, Source, SourceKind};
use orgdir_core::service::groups;
use orgdir_core::service::orgs::{create_org, NewOrg};
use orgdir_testkit::{Backend, TestDb};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

/// Text from a small alphabet with LIKE's wildcards and escape, and mixed case.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!["a", "A", "b", "%", "_", "\\", "é", "É", " ", "t1"]),
        0..5,
    )
    .prop_map(|parts| parts.concat())
}

fn criterion() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["name", "user_group.name", "description"]),
        prop::sample::select(vec!["equal", "starts_with", "contains"]),
        text(),
    )
        .prop_map(|(field, comparator, value)| json!({"field":{"api_name": field},"comparator": comparator,"value": value}))
}

fn filter() -> impl Strategy<Value = Value> {
    criterion().prop_recursive(3, 16, 3, |inner| {
        (
            prop::sample::select(vec!["and", "OR", "or"]),
            prop::collection::vec(inner, 2..4),
        )
            .prop_map(|(op, members)| json!({"group_operator": op, "group": members}))
    })
}

async fn property(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let dir = db.directory().await;
    let created = create_org(&dir, &NewOrg::demo(99)).await.expect("org");
    let org = created.org.id;
    let admin = orgdir_testkit::caller(&dir, &created.admin_token).await;
    let source = vec![Source {
        kind: SourceKind::Users,
        id: created.admin_user_id,
        subordinates: false,
    }];
    // A fixed population of groups with awkward names.
    let mut runner = TestRunner::new(Config {
        cases: 1,
        ..Config::default()
    });
    let names = prop::collection::vec((text(), prop::option::of(text())), 40)
        .new_tree(&mut runner)
        .expect("names")
        .current();
    let mut population = Vec::new();
    for (i, (name, description)) in names.into_iter().enumerate() {
        let name = format!("{name}#{i}"); // unique
        let new = NewGroup {
            name: name.clone(),
            description: description.clone(),
            sources: source.clone(),
        };
        let id = groups::create(&dir, &admin, new, "$").await.expect("group");
        population.push((id, name, description));
    }
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config {
        cases: 200,
        ..Config::default()
    });
    let result = runner.run(&filter(), |value| {
        let parsed = Filter::parse(&value.to_string()).expect("generated filters are valid");
        let want: Vec<_> = population
            .iter()
            .filter(|(_, name, description)| parsed.matches(name, description.as_deref()))
            .map(|(id, _, _)| *id)
            .collect();
        let got: Vec<_> = tokio::task::block_in_place(|| {
            handle.block_on(dir.store().groups(org, Some(&parsed), 0, 1000))
        })
        .expect("query")
        .value
        .into_iter()
        .map(|g| g.group.id)
        .collect();
        prop_assert_eq!(got, want, "filter {}", value);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_filters_agree_with_the_definition_sqlite() {
    property(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_filters_agree_with_the_definition_postgres() {
    property(Backend::Postgres).await;
}
