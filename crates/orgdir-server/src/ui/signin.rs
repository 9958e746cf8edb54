//! Signing in with the admin key and signing out.

use super::action::CsrfOnly;
use super::layout::page;
use super::session::{clear_cookie, set_cookie, SignedIn};
use super::{html_with, see_other, UiApp, UiResult, PREFIX};
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

/// The sign-in form's fields.
#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    key: String,
}

fn sign_in_page(refused: bool) -> Markup {
    page(
        "Sign in",
        None,
        html! {
            h1 { "Sign in to orgdir" }
            p { "Give the admin key " code { "orgdir serve" } " printed (or " code { "ORGDIR_ADMIN_KEY" } ")." }
            @if refused {
                p.error role="alert" id="signin-error" { "That is not the admin key." }
            }
            form.card method="post" action={ (PREFIX) "/login" } {
                label for="key" { "Admin key" }
                input id="key" name="key" type="password" autocomplete="current-password" required
                    aria-describedby=[refused.then_some("signin-error")];
                button type="submit" { "Sign in" }
            }
        },
    )
}

/// `GET /_orgdir/ui/login`
pub async fn form() -> Response {
    html_with(StatusCode::OK, sign_in_page(false))
}

/// `POST /_orgdir/ui/login`: the admin key opens a session; anything else
/// is 401 with the form again, after the admin key's failure delay. The key
/// is never logged.
pub async fn sign_in(State(ui): State<UiApp>, Form(form): Form<SignInForm>) -> Response {
    if !ui.app.settings.admin_key.matches(&form.key) {
        tracing::info!(action = "ui_sign_in", outcome = "refused", "dashboard");
        // Slowed like a wrong key on the control plane (API-DESIGN 190).
        tokio::time::sleep(crate::admin_key::FAILURE_DELAY).await;
        return html_with(StatusCode::UNAUTHORIZED, sign_in_page(true));
    }
    let id = ui.sessions.open();
    tracing::info!(action = "ui_sign_in", outcome = "signed in", "dashboard");
    let secure = ui.app.settings.api_domain.starts_with("https://");
    let mut response = see_other(&format!("{PREFIX}/"));
    if let Ok(value) = set_cookie(&id, secure).parse() {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    response
}

/// `POST /_orgdir/ui/logout`: ends the session.
pub async fn sign_out(
    signed: SignedIn,
    State(ui): State<UiApp>,
    Form(form): Form<CsrfOnly>,
) -> UiResult {
    signed.check(&form.csrf)?;
    ui.sessions.close(&signed.id);
    tracing::info!(action = "ui_sign_out", "dashboard");
    Ok((
        [(SET_COOKIE, clear_cookie())],
        see_other(&format!("{PREFIX}/login")),
    )
        .into_response())
}
