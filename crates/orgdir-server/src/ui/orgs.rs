//! The orgs list and what can be done to an org from it: create, import an
//! org document, export, and reset or delete after a confirmation page.
//! Creating, importing, resetting and deleting run the control plane's own
//! code (`routes::control`), so the dashboard and `/_orgdir/orgs` agree.

use super::action::{back_to, CsrfOnly, OrgForm, OrgPage};
use super::layout::{csrf, page};
use super::session::SignedIn;
use super::{html, see_other, UiApp, UiError, UiResult, PREFIX};
use crate::extract::Params;
use crate::routes::control;
use axum::extract::{Multipart, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::Form;
use maud::html as markup;
use orgdir_core::document;
use orgdir_core::org::Org;
use orgdir_core::service::orgs;
use orgdir_core::Error;
use orgdir_types::users::UserType;
use serde::Deserialize;
use serde_json::{json, Value};

/// The editions an org can be created with.
const EDITIONS: [&str; 5] = ["free", "standard", "professional", "enterprise", "ultimate"];

/// `GET /_orgdir/ui/`: every org with its users and licences.
pub async fn list(signed: SignedIn, State(ui): State<UiApp>) -> UiResult {
    let dir = &ui.app.dir;
    let all = orgs::list(dir).await?;
    let mut rows = Vec::with_capacity(all.len());
    for org in &all {
        rows.push((org, orgs::user_counts(dir, org.id).await?));
    }
    Ok(html(page(
        "Orgs",
        Some(&signed),
        markup! {
            h1 { "Orgs" }
            div.table-wrap tabindex="0" role="region" aria-label="Orgs table" {
                table {
                    caption { (all.len()) " orgs" }
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Id" } th scope="col" { "Edition" }
                        th scope="col" { "Users (all / active)" } th scope="col" { "Licences used of purchased" }
                        th scope="col" { "Created" } th scope="col" { "Actions" }
                    } }
                    tbody {
                        @for (org, counts) in &rows {
                            tr {
                                th scope="row" { a href={ (PREFIX) "/orgs/" (org.id) } { (org.name) } }
                                td { code { (org.id) } }
                                td { (org.edition.as_str()) }
                                td.num { (counts.count(UserType::AllUsers)) " / " (counts.licensed()) }
                                td.num { (counts.licensed()) " of " (org.licenses) }
                                td { (org.format_time(org.created_at)) }
                                td.actions {
                                    a href={ (PREFIX) "/orgs/" (org.id) "/controls" } { "Controls" }
                                    a href={ (PREFIX) "/orgs/" (org.id) "/export" } download { "Export" }
                                    a href={ (PREFIX) "/orgs/" (org.id) "/confirm?action=reset" } { "Reset…" }
                                    a href={ (PREFIX) "/orgs/" (org.id) "/confirm?action=delete" } { "Delete…" }
                                }
                            }
                        }
                    }
                }
            }
            div.cards {
                section.card aria-labelledby="create-title" {
                    h2 id="create-title" { "Create an org" }
                    form method="post" action={ (PREFIX) "/orgs" } {
                        (csrf(&signed))
                        label for="org-name" { "Name" }
                        input id="org-name" name="name" required maxlength="100";
                        label for="org-edition" { "Edition" }
                        select id="org-edition" name="edition" {
                            @for e in EDITIONS { option value=(e) selected[e == "enterprise"] { (e) } }
                        }
                        label for="org-licenses" { "Licences purchased" }
                        input id="org-licenses" name="licenses" type="number" min="0" value="10";
                        button type="submit" { "Create" }
                    }
                }
                section.card aria-labelledby="import-title" {
                    h2 id="import-title" { "Import an org document" }
                    form method="post" action={ (PREFIX) "/orgs/import" } enctype="multipart/form-data" {
                        (csrf(&signed))
                        label for="org-document" { "Org document (JSON, as exported)" }
                        input id="org-document" name="document" type="file" accept="application/json,.json" required;
                        button type="submit" { "Import" }
                    }
                }
            }
        },
    )))
}

/// The create form's fields.
#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    edition: String,
    #[serde(default)]
    licenses: String,
}

/// `POST /_orgdir/ui/orgs`: creates an org, then shows it.
pub async fn create(
    signed: SignedIn,
    State(ui): State<UiApp>,
    Form(form): Form<CreateForm>,
) -> UiResult {
    signed.check(&form.csrf)?;
    let mut body = json!({ "name": form.name.trim() });
    if !form.edition.is_empty() {
        body["edition"] = json!(form.edition);
    }
    if !form.licenses.trim().is_empty() {
        let licenses: u64 =
            form.licenses.trim().parse().map_err(|_| {
                Error::invalid_field("$.licenses", "licenses must be a whole number")
            })?;
        body["licenses"] = json!(licenses);
    }
    let created = control::create_from(&ui.app, &body).await?;
    Ok(see_other(&format!("{PREFIX}/orgs/{}", created.org.id)))
}

/// `POST /_orgdir/ui/orgs/import` (multipart: `csrf`, `document`).
pub async fn import(
    signed: SignedIn,
    State(ui): State<UiApp>,
    mut multipart: Multipart,
) -> UiResult {
    let unreadable = || Error::invalid_field("$", "the upload could not be read");
    let (mut token, mut text) = (String::new(), None);
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        match field.name() {
            Some("csrf") => token = field.text().await.map_err(|_| unreadable())?,
            Some("document") => text = Some(field.text().await.map_err(|_| unreadable())?),
            _ => {}
        }
    }
    signed.check(&token)?;
    let text = text.ok_or_else(|| Error::invalid_field("$", "choose an org document to import"))?;
    let org = control::import_text(&ui.app, &text).await?;
    Ok(see_other(&format!("{PREFIX}/orgs/{}", org.id)))
}

/// The org named in the path, or the API's error.
pub async fn org_of(ui: &UiApp, text: &str) -> Result<Org, UiError> {
    Ok(control::existing(&ui.app, text).await?)
}

/// `GET /_orgdir/ui/orgs/{org}/export`: the org document, downloaded.
pub async fn export(OrgPage { org, .. }: OrgPage, State(ui): State<UiApp>) -> UiResult {
    let doc: Value = serde_json::to_value(document::export(&ui.app.dir, org.id).await?)
        .map_err(Error::internal)?;
    let text = serde_json::to_string_pretty(&doc).map_err(Error::internal)?;
    Ok((
        [
            (CONTENT_TYPE, "application/json".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"org-{}.json\"", org.id),
            ),
        ],
        text,
    )
        .into_response())
}

/// A destructive action on an org, confirmed on its own page first.
#[derive(Clone, Copy, PartialEq)]
enum Destructive {
    Reset,
    Delete,
}

impl Destructive {
    fn parse(text: Option<&str>) -> Option<Self> {
        match text {
            Some("reset") => Some(Destructive::Reset),
            Some("delete") => Some(Destructive::Delete),
            _ => None,
        }
    }
}

/// `GET /_orgdir/ui/orgs/{org}/confirm?action=reset|delete`: the confirmation step.
pub async fn confirm(OrgPage { signed, org }: OrgPage, params: Params) -> UiResult {
    let action = Destructive::parse(params.get("action"))
        .ok_or_else(|| Error::invalid_param("action", "action must be reset or delete"))?;
    let (verb, path, what) = match action {
        Destructive::Reset => (
            "Reset",
            "reset",
            "Everything changed since it was created or imported is lost: the org goes back to its initial document. Tokens end.",
        ),
        Destructive::Delete => (
            "Delete",
            "delete",
            "The org, its users, groups, territories and tokens are gone for good.",
        ),
    };
    Ok(html(page(
        &format!("{verb} {}", org.name),
        Some(&signed),
        markup! {
            h1 { (verb) " " (org.name) "?" }
            p.warning { (what) }
            form.card method="post" action={ (PREFIX) "/orgs/" (org.id) "/" (path) } {
                (csrf(&signed))
                button.danger type="submit" { "Yes, " (path) " " (org.name) }
                a href={ (PREFIX) "/" } { "Cancel" }
            }
        },
    )))
}

/// `POST /_orgdir/ui/orgs/{org}/reset`
pub async fn reset(State(ui): State<UiApp>, OrgForm { org, .. }: OrgForm<CsrfOnly>) -> UiResult {
    control::reset_by_id(&ui.app, org.id).await?;
    Ok(back_to(&org, "", ""))
}

/// `POST /_orgdir/ui/orgs/{org}/delete`
pub async fn delete(State(ui): State<UiApp>, OrgForm { org, .. }: OrgForm<CsrfOnly>) -> UiResult {
    control::delete_by_id(&ui.app, org.id).await?;
    Ok(see_other(&format!("{PREFIX}/")))
}
