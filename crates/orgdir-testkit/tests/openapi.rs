//! The OpenAPI document: it matches the checked-in snapshot (so a change to
//! the routes or wire types shows up in review), it documents every endpoint
//! of the endpoint table with the same scopes, and the server serves it.

use orgdir_testkit::endpoints::endpoints;
use orgdir_testkit::{Backend, TestApp};
use reqwest::Method;
use serde_json::Value;

/// The document as served, links and all.
fn document() -> Value {
    orgdir_server::openapi::document_json().clone()
}

#[test]
fn document_matches_the_snapshot() {
    insta::assert_json_snapshot!("openapi", document());
}

/// `/crm/v8/users/{user}?ids=…` → a regex-free key: segments, with every `{…}` as `{}`.
fn shape(path: &str) -> String {
    let path = path
        .split('?')
        .next()
        .unwrap_or(path)
        .replacen("/crm/v8/", "/crm/{version}/", 1);
    path.split('/')
        .map(|seg| if seg.starts_with('{') { "{}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether a documented shape covers a table shape (a documented `{}` matches any segment).
fn matches(documented: &str, table: &str) -> bool {
    let (d, t): (Vec<&str>, Vec<&str>) =
        (documented.split('/').collect(), table.split('/').collect());
    d.len() == t.len() && d.iter().zip(&t).all(|(d, t)| d == t || *d == "{}")
}

#[test]
fn every_endpoint_is_documented_with_its_scopes() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    let mut documented = 0;
    for operations in paths.values() {
        documented += operations.as_object().expect("operations").len();
    }
    let table = endpoints();
    assert_eq!(
        documented,
        table.len(),
        "the document and the endpoint table list the same operations"
    );
    for endpoint in table {
        let want = shape(endpoint.path);
        let (_, operations) = paths
            .iter()
            .find(|(p, _)| matches(&shape(p), &want))
            .unwrap_or_else(|| panic!("{} is not documented", endpoint.path));
        let method = endpoint.method.as_str().to_lowercase();
        let operation = &operations[&method];
        assert!(
            operation.is_object(),
            "{method} {} is not documented",
            endpoint.path
        );
        let scopes: Vec<&str> = operation["security"][0]["zoho_oauth"]
            .as_array()
            .expect("security")
            .iter()
            .map(|s| s.as_str().expect("scope"))
            .collect();
        assert_eq!(scopes, endpoint.scopes, "{method} {}", endpoint.path);
        for status in ["400", "401", "404"] {
            assert!(
                operation["responses"][status].is_object(),
                "{method} {} lacks {status}",
                endpoint.path
            );
        }
    }
    let counts = [
        ("/crm/{version}/users/actions/count", "UsersCount"),
        (
            "/crm/{version}/settings/territories/actions/associated_users_count",
            "TerritoryUsersCountPage",
        ),
        (
            "/crm/{version}/settings/user_groups/actions/associated_users_count",
            "GroupUsersCountPage",
        ),
    ];
    for (path, schema) in counts {
        let reference = &paths[path]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["$ref"];
        assert_eq!(reference, &format!("#/components/schemas/{schema}"));
    }
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["UsersCount"]["properties"]["count"]["type"],
        "integer"
    );
    assert_eq!(
        schemas["GroupUsersCount"]["properties"]["count"]["type"],
        "integer"
    );
    assert_eq!(
        schemas["TerritoryUsersCount"]["properties"]["count"]["type"],
        "string"
    );
    assert!(doc["components"]["securitySchemes"]["zoho_oauth"].is_object());
    // Every reference resolves.
    let text = doc.to_string();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap_or_default();
        assert!(
            schemas[name].is_object(),
            "unresolvable reference to {name}"
        );
    }
}

#[tokio::test]
async fn served_under_the_control_plane() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let (status, served) = app
        .admin(Method::GET, "/_orgdir/openapi.json", None, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(served, document());
    let (status, _) = app
        .admin(Method::GET, "/_orgdir/openapi.json", None, Some(""))
        .await;
    assert_eq!(status, 200, "public, like ping (SPEC 7)");
}

/// The operation with `operationId` `id`: (its path, its definition).
fn operation(doc: &Value, id: &str) -> (String, Value) {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .expect("operations")
                .values()
                .map(move |op| (path.clone(), op.clone()))
        })
        .find(|(_, op)| op["operationId"] == id)
        .unwrap_or_else(|| panic!("no operation {id}"))
}

/// The names of a path's parameters, sorted: `["{id}", "{version}"]`.
fn path_parameters(path: &str) -> Vec<&str> {
    let mut params: Vec<&str> = path.split('/').filter(|s| s.starts_with('{')).collect();
    params.sort_unstable();
    params
}

/// The links schemathesis's stateful phase follows: each create links, on
/// its 201 only, to operations that exist and take exactly `{version}` and
/// `{id}` in their path, and the runtime expression names the create's own
/// resource key.
#[test]
fn links_join_each_create_to_the_operations_on_what_it_made() {
    let doc = document();
    let mut links = 0;
    for (create, key, targets) in orgdir_server::openapi::LINKS {
        let (_, op) = operation(&doc, create);
        assert!(
            op["responses"]["200"]["links"].is_null(),
            "{create}: a 200 (some items failed) carries no link"
        );
        let created = &op["responses"]["201"]["links"];
        for target in *targets {
            let link = &created[*target];
            assert_eq!(link["operationId"], *target);
            assert_eq!(link["parameters"]["version"], "$request.path.version");
            assert_eq!(
                link["parameters"]["id"],
                format!("$response.body#/{key}/0/details/id")
            );
            let (path, _) = operation(&doc, target);
            assert_eq!(
                path_parameters(&path),
                ["{id}", "{version}"],
                "{target} at {path}"
            );
            links += 1;
        }
    }
    assert!(links >= 25, "{links} links");
}

/// Follows `$ref`s and a nullable `oneOf` to the schema itself.
fn resolve<'a>(doc: &'a Value, mut schema: &'a Value) -> &'a Value {
    loop {
        if let Some(reference) = schema["$ref"].as_str() {
            let name = reference.rsplit('/').next().expect("name");
            schema = &doc["components"]["schemas"][name];
        } else if let Some(choice) = schema["oneOf"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["type"] != "null"))
        {
            schema = choice;
        } else {
            return schema;
        }
    }
}

/// Every field a body link sets is one the document describes at that place.
fn assert_documented(doc: &Value, value: &Value, schema: &Value, at: &str) {
    let schema = resolve(doc, schema);
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                let inner = &schema["properties"][name];
                assert!(!inner.is_null(), "{at}.{name} is not documented");
                assert_documented(doc, field, inner, &format!("{at}.{name}"));
            }
        }
        Value::Array(items) => {
            for item in items {
                assert_documented(doc, item, &schema["items"], &format!("{at}[]"));
            }
        }
        _ => assert!(!schema.is_null(), "{at}"),
    }
}

/// The links that put a created record into another create's body: on the
/// 201 of the create, to a create that takes only `{version}`, with the new
/// id at documented fields of the target's body.
#[test]
fn body_links_put_what_a_create_made_into_the_next_create() {
    let doc = document();
    for orgdir_server::openapi::BodyLink {
        from: create,
        key,
        name,
        to: target,
        ..
    } in orgdir_server::openapi::BODY_LINKS
    {
        let (_, op) = operation(&doc, create);
        let link = &op["responses"]["201"]["links"][*name];
        assert_eq!(link["operationId"], *target, "{create} {name}");
        assert_eq!(link["parameters"]["version"], "$request.path.version");
        let body = &link["requestBody"];
        assert!(
            body.to_string()
                .contains(&format!("\"$response.body#/{key}/0/details/id\"")),
            "{create} {name}: {body}"
        );
        let (path, target_op) = operation(&doc, target);
        assert_eq!(path_parameters(&path), ["{version}"], "{target} at {path}");
        let schema = &target_op["requestBody"]["content"]["application/json"]["schema"];
        assert_documented(&doc, body, schema, &format!("{create} {name}: $"));
    }
}

/// The creates document their items (required fields, lengths), so a
/// generator can make one that succeeds.
#[test]
fn creates_document_their_items() {
    let doc = document();
    for (create, key, required) in [
        ("roles_create", "roles", &["name"][..]),
        (
            "territories_create",
            "territories",
            &["name", "reporting_to"],
        ),
        ("user_groups_create", "user_groups", &["name", "sources"]),
        (
            "users_create",
            "users",
            &["email", "last_name", "profile", "role"],
        ),
        ("profiles_clone", "profiles", &["name"]),
        (
            "users_unavailability_create",
            "users_unavailability",
            &["from", "to"],
        ),
    ] {
        let (_, op) = operation(&doc, create);
        let body = resolve(
            &doc,
            &op["requestBody"]["content"]["application/json"]["schema"],
        );
        let item = resolve(&doc, &body["properties"][key]["items"]);
        let mut documented: Vec<&str> = item["required"]
            .as_array()
            .unwrap_or_else(|| panic!("{create}: {item}"))
            .iter()
            .filter_map(Value::as_str)
            .collect();
        documented.sort_unstable();
        assert_eq!(documented, required, "{create}");
    }
}
