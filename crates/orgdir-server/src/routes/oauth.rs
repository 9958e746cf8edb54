//! Zoho Accounts' OAuth endpoints (SPEC 6): `/oauth/v2/token` (three
//! grants), the consent page `/oauth/v2/auth`, and `/oauth/v2/token/revoke`.
//! Parameters come as a form body or as query parameters.

use crate::controls::{record_caller, Recorded};
use crate::error::{json_response, ApiError};
use crate::extract::RawBody;
use crate::serve::Peer;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Extension;
use axum::Router;
use orgdir_core::oauth::OAuthError;
use orgdir_core::service::oauth::{self as service, Issued, OAuthFailure};
use orgdir_core::service::passwords;
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

/// Zoho Accounts' words when a client calls too often (API-DESIGN 193).
pub const TOO_MANY_REQUESTS: &str =
    "You have made too many requests continuously. Please try again after some time.";

pub(crate) fn oauth_error(error: OAuthError) -> Response {
    let body = match error {
        OAuthError::TooManyRequests => json!({
            "error": error.as_str(),
            "error_description": TOO_MANY_REQUESTS,
            "status": "failure",
        }),
        _ => json!({ "error": error.as_str() }),
    };
    let mut response = json_response(StatusCode::BAD_REQUEST, &body);
    response
        .extensions_mut()
        .insert(crate::controls::AnswerCode(error.as_str()));
    response
}

/// Whether the rate limits let this call through (API-DESIGN 193).
fn allowed(state: &AppState, peer: Option<Extension<Peer>>, client_id: &str) -> bool {
    state
        .settings
        .oauth_limiter
        .allow(peer.map(|Extension(Peer(a))| a.ip()), client_id)
}

/// A token endpoint's answer is never cached (RFC 6749 5.1): it carries
/// tokens, or says something about one.
fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// The consent page's policy: nothing loads but its inline style, no page
/// may frame it (clickjacking), nothing caches it (API-DESIGN 195).
pub const CONSENT_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

/// An HTML page of the OAuth flow, with its protective headers.
fn html_page(status: StatusCode, html: String) -> Response {
    let mut response = no_store((status, Html(html)).into_response());
    let headers = response.headers_mut();
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONSENT_CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
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
    peer: Option<Extension<Peer>>,
    Query(query): Query<HashMap<String, String>>,
    RawBody(body): RawBody,
) -> Response {
    let p = parameters(&query, &body);
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or_default();
    if !allowed(&state, peer, get("client_id")) {
        return no_store(oauth_error(OAuthError::TooManyRequests));
    }
    no_store(grant(&state, &p).await)
}

/// Runs the grant `p` names.
async fn grant(state: &AppState, p: &HashMap<String, String>) -> Response {
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
            record_caller(Recorded {
                org: issued.org,
                user_id: issued.user_id,
                client_id: Some(issued.client_id.clone()),
            });
            json_response(StatusCode::OK, &token_body(state, issued))
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
    peer: Option<Extension<Peer>>,
    Query(query): Query<HashMap<String, String>>,
    RawBody(body): RawBody,
) -> Response {
    let p = parameters(&query, &body);
    if !allowed(&state, peer, "") {
        return no_store(oauth_error(OAuthError::TooManyRequests));
    }
    let answer = match service::revoke(
        &state.dir,
        p.get("token").map(String::as_str).unwrap_or_default(),
    )
    .await
    {
        Ok(revoked) => {
            // A revocation is a call of the token's org: the journal records it.
            record_caller(Recorded {
                org: revoked.org,
                user_id: revoked.user_id,
                client_id: revoked.client_id,
            });
            json_response(StatusCode::OK, &json!({ "status": "success" }))
        }
        Err(f) => failure(f),
    };
    no_store(answer)
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
    html_page(StatusCode::BAD_REQUEST, html)
}

/// `GET /oauth/v2/auth?scope&client_id&response_type=code&access_type&redirect_uri&state`:
/// a page to pick a user of the client's org and approve or deny.
async fn consent_page(
    State(state): State<AppState>,
    peer: Option<Extension<Peer>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let p = parameters(&query, &[]);
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or_default();
    if !allowed(&state, peer, get("client_id")) {
        return error_page(TOO_MANY_REQUESTS);
    }
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
    // Sign-in (the default) or the emulator's user picker (API-DESIGN 196).
    let (who, csrf) = if state.settings.consent_picker {
        match picker(&state, &client).await {
            Ok(who) => (who, None),
            Err(e) => return ApiError(e).into_response(),
        }
    } else {
        let csrf = crate::random_secret();
        let who = format!(
            "<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <p><label>Email <input type=\"email\" name=\"email\" autocomplete=\"username\" required></label></p>\
             <p><label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\" required></label></p>"
        );
        (who, Some(csrf))
    };
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>orgdir: authorize {name}</title></head><body>\
         <h1>{name} wants to access your Zoho CRM data</h1><p>Scopes:</p><ul>{scope_items}</ul>\
         <form method=\"post\" action=\"/oauth/v2/auth\">{hidden}{who}\
         <button type=\"submit\" name=\"action\" value=\"approve\">Accept</button>\
         <button type=\"submit\" name=\"action\" value=\"deny\">Reject</button></form></body></html>",
        name = esc(&client.name),
    );
    let mut page = html_page(StatusCode::OK, html);
    if let Some(csrf) = csrf {
        // Double-submit: the form's field must match this cookie, which a
        // page of another site can neither read nor send (SameSite=Strict).
        let cookie =
            format!("{CSRF_COOKIE}={csrf}; Path=/oauth/v2/auth; HttpOnly; SameSite=Strict");
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            page.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    page
}

/// The cookie holding the consent form's CSRF token.
const CSRF_COOKIE: &str = "orgdir_csrf";

/// How long a failed sign-in waits before its answer (only that request).
pub const SIGN_IN_FAILURE_DELAY: std::time::Duration = std::time::Duration::from_millis(500);

/// The picker's `<select>` of the org's active users (emulator mode).
async fn picker(
    state: &AppState,
    client: &orgdir_core::oauth::OAuthClient,
) -> Result<String, orgdir_core::Error> {
    let users = service::consent_users(&state.dir, client).await?;
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
    Ok(format!(
        "<label>Sign in as <select name=\"user\">{options}</select></label>"
    ))
}

/// The CSRF token of the request's cookie.
fn csrf_cookie(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == CSRF_COOKIE)
        .map(|(_, v)| v)
}

/// The user approving: the picked one (picker mode), or the one who signed
/// in with a valid CSRF token, email and password.
async fn approver(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    p: &HashMap<String, String>,
) -> Result<ZohoId, Response> {
    use subtle::ConstantTimeEq;
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or_default();
    if state.settings.consent_picker {
        return ZohoId::parse(get("user")).ok_or_else(|| error_page("pick a user"));
    }
    let form = get("csrf");
    let csrf_ok = csrf_cookie(headers)
        .is_some_and(|c| !form.is_empty() && bool::from(c.as_bytes().ct_eq(form.as_bytes())));
    if !csrf_ok {
        return Err(error_page(
            "the form expired or did not come from this page; open it again",
        ));
    }
    let client = match state.dir.store().oauth_client(get("client_id")).await {
        Ok(Some(client)) => client,
        Ok(None) => return Err(error_page(OAuthError::InvalidClient.as_str())),
        Err(e) => return Err(ApiError(e).into_response()),
    };
    match passwords::sign_in(&state.dir, &client, get("email"), get("password")).await {
        Ok(user) => Ok(user),
        Err(OAuthFailure::Internal(e)) => Err(ApiError(e).into_response()),
        Err(OAuthFailure::OAuth(_)) => {
            tokio::time::sleep(SIGN_IN_FAILURE_DELAY).await;
            Err(error_page("wrong email or password"))
        }
    }
}

/// `POST /oauth/v2/auth`: redirects back with `code` and `state`, or `error=access_denied`.
async fn consent_decision(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    peer: Option<Extension<Peer>>,
    Query(query): Query<HashMap<String, String>>,
    RawBody(body): RawBody,
) -> Response {
    let p = parameters(&query, &body);
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or_default();
    if !allowed(&state, peer, get("client_id")) {
        return error_page(TOO_MANY_REQUESTS);
    }
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
        let user = match approver(&state, &headers, &p).await {
            Ok(user) => user,
            Err(refusal) => return refusal,
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
            Err(OAuthFailure::OAuth(OAuthError::TooManyRequests)) => {
                return error_page(TOO_MANY_REQUESTS)
            }
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
