//! The reorganisation trials at the largest size: a role move and a
//! territory move, each carrying a large subtree under a leaf that many
//! groups cover with subordinates, timed as the one `PUT` and checked exact
//! through the API afterwards.

use crate::Api;
use anyhow::Context;
use orgdir_core::document::OrgDocument;
use orgdir_core::seed::{SeedSpec, ROLE_BASE, TERRITORY_BASE};
use serde_json::json;
use std::collections::HashMap;
use std::time::Instant;

/// Which tree a move reorganises.
#[derive(Debug, Clone, Copy)]
pub enum Tree {
    Roles,
    Territories,
}

impl Tree {
    /// The API's name of the tree (path segment, body key and source type).
    fn api_name(self) -> &'static str {
        match self {
            Tree::Roles => "roles",
            Tree::Territories => "territories",
        }
    }

    fn base(self) -> i64 {
        match self {
            Tree::Roles => ROLE_BASE,
            Tree::Territories => TERRITORY_BASE,
        }
    }

    /// Each node's parent (index) and weight: the live users of a role, or
    /// the live users associated with a territory (the seed's).
    fn shape(self, doc: &OrgDocument) -> (Vec<Option<usize>>, Vec<usize>) {
        let ids: Vec<(&str, Option<&str>)> = match self {
            Tree::Roles => doc
                .roles
                .iter()
                .map(|r| (r.id.as_str(), r.reporting_to.as_deref()))
                .collect(),
            Tree::Territories => doc
                .territories
                .iter()
                .map(|t| (t.id.as_str(), t.reporting_to.as_deref()))
                .collect(),
        };
        let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, n)| (n.0, i)).collect();
        let parent = ids.iter().map(|n| n.1.map(|p| index[p])).collect();
        let live: HashMap<&str, &str> = doc
            .users
            .iter()
            .filter(|u| u.status != "deleted")
            .map(|u| (u.id.as_str(), u.role.as_str()))
            .collect();
        let mut weight = vec![0usize; ids.len()];
        match self {
            Tree::Roles => {
                for role in live.values() {
                    weight[index[role]] += 1;
                }
            }
            Tree::Territories => {
                for (i, t) in doc.territories.iter().enumerate() {
                    weight[i] = t
                        .users
                        .iter()
                        .filter(|u| live.contains_key(u.as_str()))
                        .count();
                }
            }
        }
        (parent, weight)
    }
}

/// Moves the node whose subtree weighs at least `weight` (the lightest
/// such) under a leaf that `groups` fresh groups cover with subordinates,
/// times the one `PUT`, and checks that each of those groups then counts
/// what a probe group over both subtrees counted before the move.
pub async fn tree_move(
    api: &Api<'_>,
    doc: &OrgDocument,
    spec: &SeedSpec,
    tree: Tree,
    weight: usize,
    groups: usize,
    run: u64,
) -> anyhow::Result<serde_json::Value> {
    // Nodes are generated parents first: index i reports to an index < i.
    let (parent, own) = tree.shape(doc);
    let mut subtree = own.clone();
    for i in (1..parent.len()).rev() {
        if let Some(p) = parent[i] {
            subtree[p] += subtree[i];
        }
    }
    let moved = (1..parent.len())
        .filter(|&i| subtree[i] >= weight)
        .min_by_key(|&i| subtree[i])
        .context("no subtree heavy enough to move")?;
    let inside = |mut i: usize| loop {
        if i == moved {
            return true;
        }
        match parent[i] {
            Some(p) => i = p,
            None => return false,
        }
    };
    let mut has_children = vec![false; parent.len()];
    for p in parent.iter().flatten() {
        has_children[*p] = true;
    }
    // A different leaf each run, so that a rerun on a reused database moves
    // the node again instead of to where it already is.
    let mut candidates: Vec<usize> = (1..parent.len())
        .filter(|&i| !has_children[i] && !inside(i) && Some(i) != parent[moved])
        .collect();
    candidates.sort_by_key(|&i| (own[i], i));
    candidates.truncate(50);
    anyhow::ensure!(!candidates.is_empty(), "no new parent");
    let new_parent = candidates[(run % candidates.len() as u64) as usize];
    let node_id = |i: usize| spec.id(tree.base(), i).to_string();
    let kind = tree.api_name();
    let source =
        |i: usize| json!({"type": kind, "source": {"id": node_id(i)}, "subordinates": true});
    let name = |what: &str| format!("Move {run} {kind} {what}");
    for k in 0..groups {
        create_group(api, &name(&k.to_string()), json!([source(new_parent)])).await?;
    }
    // Probes, read through the API before the move (earlier workloads on a
    // reused database changed the counts): the moved subtree alone, and the
    // union of both, which is what every covering group counts afterwards.
    create_group(api, &name("subtree"), json!([source(moved)])).await?;
    create_group(
        api,
        &name("union"),
        json!([source(moved), source(new_parent)]),
    )
    .await?;
    let moved_users = group_count(api, &name("subtree")).await?;
    let expected = group_count(api, &name("union")).await?;
    let before = group_count(api, &name("0")).await?;
    let started = Instant::now();
    let response = api
        .client
        .put(format!(
            "{}/crm/v8/settings/{kind}/{}",
            api.base,
            node_id(moved)
        ))
        .header("Authorization", api.authorization)
        .json(&json!({kind: [{"reporting_to": {"id": node_id(new_parent)}}]}))
        .send()
        .await?;
    let took = started.elapsed();
    anyhow::ensure!(
        response.status().is_success(),
        "moving the {kind} node: {}",
        response.text().await?
    );
    let mut after = Vec::new();
    for k in 0..groups {
        after.push(group_count(api, &name(&k.to_string())).await?);
    }
    let union_after = group_count(api, &name("union")).await?;
    let exact = union_after == expected && after.iter().all(|n| *n == expected);
    Ok(json!({
        "tree": kind,
        "moved_users": moved_users,
        "moved_weight_in_seed": subtree[moved],
        "groups_covering_new_parent": groups,
        "seconds": took.as_secs_f64(),
        "group_count_before": before,
        "group_count_after": after.first(),
        "group_count_expected": expected,
        "exact": exact,
    }))
}

/// Creates a group with `sources`.
async fn create_group(api: &Api<'_>, name: &str, sources: serde_json::Value) -> anyhow::Result<()> {
    let body = json!({"user_groups": [{"name": name, "sources": sources}]});
    let response = api
        .client
        .post(format!("{}/crm/v8/settings/user_groups", api.base))
        .header("Authorization", api.authorization)
        .json(&body)
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "creating a group: {}",
        response.text().await?
    );
    Ok(())
}

/// The associated users count of the group named `name`.
async fn group_count(api: &Api<'_>, name: &str) -> anyhow::Result<u64> {
    let filter = json!({"field": {"api_name": "name"}, "comparator": "equal", "value": name});
    let counted: serde_json::Value = api
        .client
        .get(format!(
            "{}/crm/v8/settings/user_groups/actions/associated_users_count?filters={}",
            api.base,
            percent_encoding::utf8_percent_encode(
                &filter.to_string(),
                percent_encoding::NON_ALPHANUMERIC
            )
        ))
        .header("Authorization", api.authorization)
        .send()
        .await?
        .json()
        .await?;
    counted["associated_users_count"][0]["count"]
        .as_u64()
        .with_context(|| format!("no count for {name}: {counted}"))
}
