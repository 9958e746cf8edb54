//! Zoho Accounts' OAuth endpoints (SPEC 6): `/oauth/v2/token` (three
//! grants), the consent page `/oauth/v2/auth`, and `/oauth/v2/token/revoke`.
//! Parameters come as a form body or as query parameters.

use crate::controls::{CallerSlot, Recorded};
use crate::error::{json_response, ApiError};
use crate::extract::RawBody;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Extension;
use axum::Router;
use orgdir_core::oauth::OAuthError;
use orgdir_core::service::oauth::{self as service, Issued, OAuthFailure};
use orgdir_core::ZohoId;
use serde_json::json;
use std::collections::HashMap;

/// The OAuth routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth/v2/token", post(token))
        .route("/oauth/v2/token/revoke", post(revoke))
        .route("/oauth/v2/auth", get(consent_page).post(consent_decision))
}

/// Query parameters and form fields together (the form wins). A value
/// holding a NUL character is dropped: no client, code or token holds one.
fn parameters(query: &HashMap<String, String>, body: &[u8]) -> HashMap<String, String> {
    let mut all = query.clone();
    all.extend(url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())));
    all.retain(|k, v| !k.contains('\0') && !v.contains('\0'));
    all
}

fn oauth_error(error: OAuthError) -> Response {
    let mut response = json_response(StatusCode::BAD_REQUEST, &json!({ "error": error.as_str() }));
    response
        .extensions_mut()
        .insert(crate::controls::AnswerCode(error.as_str()));
    response
}

fn failure(f: OAuthFailure) -> Response {
    match f {
        OAuthFailure::OAuth(e) => oauth_error(e),
        OAuthFailure::Internal(e) => ApiError(e).into_response(),
    }
}

/// `POST /oauth/v2/token`
async fn token(
    State(state): State<AppState>,
    slot: Option<Extension<CallerSlot>>,
    Query(query): Query<HashMap<String, String>>,
    RawBody(body): RawBody,
) -> Response {
    let p = parameters(&query, &body);
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or_default();
    let dir = state.dir.as_ref();
    let config = state.settings.oauth;
    let (client_id, secret) = (get("client_id"), get("client_secret"));
    let result = match get("grant_type") {
        "authorization_code" => {
            service::exchange_code(
                dir,
                client_id,
                secret,
                get("redirect_uri"),
                get("code"),
                config,
            )
            .await
        }
        "refresh_token" => {
            service::refresh(dir, client_id, secret, get("refresh_token"), config).await
        }
        "client_credentials" => {
            service::client_credentials(dir, client_id, secret, get("scope"), get("soid"), config)
                .await
        }
        _ => Err(OAuthError::UnsupportedGrantType.into()),
    };
    match result {
        Ok(issued) => {
            // A grant is a call of the client's org: the journal records it.
            if let Some(Extension(slot)) = slot {
                slot.fill(Recorded {
                    org: issued.org,
                    user_id: issued.user_id,
                    client_id: Some(issued.client_id.clone()),
                });
            }
            json_response(StatusCode::OK, &token_body(&state, issued))
        }
        Err(f) => failure(f),
    }
}

/// The token response: with a refresh token (code exchange) there is no
/// `scope`; without one (refresh, client credentials) `scope` is space-separated.
fn token_body(state: &AppState, issued: Issued) -> serde_json::Value {
    let mut body = json!({
        "access_token": issued.access_token,
        "api_domain": state.settings.api_domain,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
    });
    match issued.refresh_token {
        Some(refresh) => body["refresh_token"] = json!(refresh),
        None => {
            let scopes: Vec<String> = issued.scopes.iter().map(ToString::to_string).collect();
            body["scope"] = json!(scopes.join(" "));
        }
    }
    body
}

/// `POST /oauth/v2/token/revoke?token=`
async fn revoke(
    State(state): State<AppState>,
    slot: Option<Extension<CallerSlot>>,
    Query(query): Query<HashMap<String, String>>,
    RawBody(body): RawBody,
) -> Response {
    let p = parameters(&query, &body);
    match service::revoke(
        &state.dir,
        p.get("token").map(String::as_str).unwrap_or_default(),
    )
    .await
    {
        Ok(revoked) => {
            // A revocation is a call of the token's org: the journal records it.
            if let Some(Extension(slot)) = slot {
                slot.fill(Recorded {
                    org: revoked.org,
                    user_id: revoked.user_id,
                    client_id: revoked.client_id,
                });
            }
            json_response(StatusCode::OK, &json!({ "status": "success" }))
        }
        Err(f) => failure(f),
    }
}

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn error_page(message: &str) -> Response {
    let html = format!("<!doctype html><title>orgdir: authorization failed</title><h1>Authorization failed</h1><p>{}</p>", esc(message));
    (StatusCode::BAD_REQUEST, Html(html)).into_response()
}

/// `GET /oauth/v2/auth?scope&client_id&response_type=code&access_type&redirect_uri&state`:
/// a page to pick a user of the client's org and approve or deny.
async fn consent_page(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let p = parameters(&query, &[]);
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or_default();
    if get("response_type") != "code" {
        return error_page("response_type must be code");
    }
    let (client, scopes) = match service::consent_request(
        &state.dir,
        get("client_id"),
        get("redirect_uri"),
        get("scope"),
    )
    .await
    {
        Ok(found) => found,
        Err(OAuthFailure::OAuth(e)) => return error_page(e.as_str()),
        Err(OAuthFailure::Internal(e)) => return ApiError(e).into_response(),
    };
    let users = match service::consent_users(&state.dir, &client).await {
        Ok(users) => users,
        Err(e) => return ApiError(e).into_response(),
    };
    let options: String = users
        .iter()
        .map(|u| {
            let selected = if u.user.id == client.owner {
                " selected"
            } else {
                ""
            };
            format!(
                "<option value=\"{}\"{selected}>{} &lt;{}&gt;</option>",
                u.user.id,
                esc(&u.user.full_name()),
                esc(&u.user.email)
            )
        })
        .collect();
    let scope_items: String = scopes
        .iter()
        .map(|s| format!("<li><code>{}</code></li>", esc(&s.to_string())))
        .collect();
    let hidden: String = ["client_id", "redirect_uri", "scope", "state", "access_type"]
        .iter()
        .filter(|k| p.contains_key(**k))
        .map(|k| {
            format!(
                "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                esc(get(k))
            )
        })
        .collect();
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>orgdir: authorize {name}</title></head><body>\
         <h1>{name} wants to access your Zoho CRM data</h1><p>Scopes:</p><ul>{scope_items}</ul>\
         <form method=\"post\" action=\"/oauth/v2/auth\">{hidden}\
         <label>Sign in as <select name=\"user\">{options}</select></label>\
         <button type=\"submit\" name=\"action\" value=\"approve\">Accept</button>\
         <button type=\"submit\" name=\"action\" value=\"deny\">Reject</button></form></body></html>",
        name = esc(&client.name),
    );
    Html(html).into_response()
}

/// `POST /oauth/v2/auth`: redirects back with `code` and `state`, or `error=access_denied`.
async fn consent_decision(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    RawBody(body): RawBody,
) -> Response {
    let p = parameters(&query, &body);
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or_default();
    let redirect_uri = get("redirect_uri");
    let dir = state.dir.as_ref();
    if let Err(f) =
        service::consent_request(dir, get("client_id"), redirect_uri, get("scope")).await
    {
        return match f {
            OAuthFailure::OAuth(e) => error_page(e.as_str()),
            OAuthFailure::Internal(e) => ApiError(e).into_response(),
        };
    }
    let code = if get("action") == "approve" {
        let Some(user) = ZohoId::parse(get("user")) else {
            return error_page("pick a user");
        };
        match service::approve(
            dir,
            get("client_id"),
            redirect_uri,
            get("scope"),
            user,
            state.settings.oauth,
        )
        .await
        {
            Ok(code) => Some(code),
            Err(OAuthFailure::OAuth(e)) => return error_page(e.as_str()),
            Err(OAuthFailure::Internal(e)) => return ApiError(e).into_response(),
        }
    } else {
        None
    };
    let mut location = redirect_uri.to_owned();
    let mut params = url::form_urlencoded::Serializer::new(String::new());
    match code {
        Some(code) => {
            params.append_pair("code", &code);
            params.append_pair("location", "us");
            params.append_pair("accounts-server", &state.settings.api_domain);
        }
        None => {
            params.append_pair("error", "access_denied");
        }
    }
    if p.contains_key("state") {
        params.append_pair("state", get("state"));
    }
    location.push(if location.contains('?') { '&' } else { '?' });
    location.push_str(&params.finish());
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}
