//! No query parameter silently ignored: on a Zoho route, a parameter the
//! route's operation does not declare in orgdir's OpenAPI document is
//! refused with 400 `INVALID_DATA` naming it, before the handler runs. The
//! generated document is the one list of what each operation accepts, so
//! documenting a parameter is what makes it accepted.

use crate::error::ApiError;
use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use orgdir_core::Error;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use utoipa::openapi::path::{Operation, ParameterIn};

/// Query parameter names each route pattern declares, per method (looked
/// up by the matched pattern without allocating).
type Accepted = HashMap<String, Vec<(Method, HashSet<String>)>>;

fn query_names(operation: &Operation) -> HashSet<String> {
    operation
        .parameters
        .iter()
        .flatten()
        .filter(|p| matches!(p.parameter_in, ParameterIn::Query))
        .map(|p| p.name.clone())
        .collect()
}

/// The table, read once from the OpenAPI document.
fn accepted() -> &'static Accepted {
    static TABLE: OnceLock<Accepted> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Accepted::new();
        for (path, item) in &crate::openapi::document().paths.paths {
            let operations = [
                (Method::GET, &item.get),
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::PATCH, &item.patch),
                (Method::DELETE, &item.delete),
            ];
            for (method, operation) in operations {
                if let Some(operation) = operation {
                    table
                        .entry(path.clone())
                        .or_default()
                        .push((method, query_names(operation)));
                }
            }
        }
        table
    })
}

/// The first query parameter of `query` that is not in `declared`.
fn first_undeclared(query: &str, declared: &HashSet<String>) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(name, _)| name.into_owned())
        .find(|name| !declared.contains(name))
}

/// Refuses a request to a Zoho route carrying a query parameter its
/// operation does not declare.
pub async fn guard(matched: Option<MatchedPath>, request: Request, next: Next) -> Response {
    let (Some(pattern), Some(query)) = (matched, request.uri().query()) else {
        return next.run(request).await;
    };
    let declared = accepted()
        .get(pattern.as_str())
        .and_then(|methods| methods.iter().find(|(m, _)| m == request.method()))
        .map(|(_, names)| names);
    let Some(declared) = declared else {
        return next.run(request).await;
    };
    match first_undeclared(query, declared) {
        Some(name) => ApiError(Error::invalid_param(
            &name,
            "the parameter is not supported on this operation",
        ))
        .into_response(),
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_in_the_table() {
        let table = accepted();
        let count = &table["/crm/{version}/users/actions/count"];
        assert_eq!(count, &[(Method::GET, HashSet::from(["type".to_owned()]))]);
        let operations: usize = table.values().map(Vec::len).sum();
        assert!(operations >= 40, "{operations} operations");
    }

    #[test]
    fn finds_the_first_undeclared_name() {
        let declared = HashSet::from(["page".to_owned(), "per_page".to_owned()]);
        assert_eq!(first_undeclared("page=2&per_page=5", &declared), None);
        assert_eq!(
            first_undeclared("page=2&sort_by=name&x=1", &declared),
            Some("sort_by".to_owned())
        );
        assert_eq!(
            first_undeclared("a%20b=1", &declared),
            Some("a b".to_owned())
        );
    }
}
