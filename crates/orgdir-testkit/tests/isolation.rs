//! Many orgs in one server (issue 5): a token of org A, aimed at org B's ids
//! on every endpoint, gets 400/404/204 and never a byte of B's data; lists,
//! counts and filters show A's data only; and B is unchanged afterwards.

use orgdir_testkit::endpoints::{endpoints, victims};
use orgdir_testkit::{storage_test, TestApp};
use orgdir_types::users::UserType;
use serde_json::json;

async fn isolation(app: TestApp) {
    // Org B: the demo org of `app`, with its victims. Org A: made through the control plane.
    let b = victims(&app).await;
    let b_org = app.org.org.id;
    let before = orgdir_core::document::export(&app.dir, b_org)
        .await
        .expect("export");
    let secrets: Vec<String> = {
        let mut s = vec![
            b.user.clone(),
            b.territory.clone(),
            b.group.clone(),
            b.role.clone(),
            b.root_role.clone(),
            b.profile.clone(),
            b.unavailability.clone(),
        ];
        s.push("victim@example.com".to_owned());
        s.push("Victim".to_owned());
        s.push(b_org.to_string());
        s
    };
    let a_token = app.other_org_token("Org A").await;
    let a = app.client_with(Some(&a_token));

    let mut checked = 0;
    for endpoint in endpoints() {
        let path = b.fill(endpoint.path);
        let body = endpoint.body.map(|f| f());
        let raw = a
            .raw(endpoint.method.clone(), &path, body.as_ref())
            .await
            .expect("response");
        let text = String::from_utf8_lossy(&raw.body);
        let sent = format!(
            "{path} {}",
            body.as_ref().map(ToString::to_string).unwrap_or_default()
        );
        for secret in secrets.iter().filter(|s| !sent.contains(s.as_str())) {
            assert!(
                !text.contains(secret.as_str()),
                "{} {path} leaked {secret}: {text}",
                endpoint.method
            );
        }
        if endpoint.path.contains('{') {
            assert!(
                [400, 404, 204].contains(&raw.status.as_u16()),
                "{} {path} with a foreign id got {}: {text}",
                endpoint.method,
                raw.status
            );
        }
        checked += 1;
    }
    assert_eq!(checked, endpoints().len());

    // Lists, counts and filters show only A's own data.
    assert_eq!(a.users_count(UserType::AllUsers).await.expect("count"), 1);
    let groups = a
        .group_users_count(
            Some(&json!({"field":{"api_name":"name"},"comparator":"equal","value":"Victim"})),
            None,
            None,
        )
        .await
        .expect("filter");
    assert!(groups.is_none(), "B's group is invisible to A's filter");
    let territories = a
        .territory_users_count(None, None)
        .await
        .expect("count")
        .expect("rows");
    assert_eq!(territories.associated_users_count.len(), 1, "only A's root");
    // X-CRM-ORG naming B with A's token is refused.
    let crossed = reqwest::Client::new()
        .get(format!("{}/crm/v8/users", app.base_url()))
        .header("Authorization", format!("Zoho-oauthtoken {a_token}"))
        .header("X-CRM-ORG", b_org.to_string())
        .send()
        .await
        .expect("call");
    assert_eq!(crossed.status().as_u16(), 400);
    // A's writes aimed at B changed nothing in B.
    let after = orgdir_core::document::export(&app.dir, b_org)
        .await
        .expect("export");
    assert_eq!(before, after);
    orgdir_testkit::assert_counts_exact(&app.dir, b_org).await;
}
storage_test!(orgs_are_isolated, isolation);
