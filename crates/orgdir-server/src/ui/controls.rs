//! The emulator controls of one org (SPEC 11): the request journal
//! (filtered by status, method and path, faulted calls marked, refreshed
//! every 2 s by `journal.js` from the rows fragment), the fault rules, the
//! limits, the clock, and minting a token with the curl line and the
//! Python SDK configuration to copy. Each form builds the control plane's
//! JSON body and runs the control plane's own code (`routes::control`).

use super::action::{back_to, with_csrf, CsrfOnly, OrgForm, OrgPage, Pairs};
use super::layout::{csrf, href, page as shell};
use super::org::tabs;
use super::session::SignedIn;
use super::{html, UiApp, UiResult, PREFIX};
use crate::extract::{Params, Path};
use crate::routes::control;
use axum::extract::State;
use maud::{html as markup, Markup};
use orgdir_core::controls::journal::{Entry, Filter};
use orgdir_core::org::Org;
use orgdir_core::Error;
use serde::Deserialize;
use serde_json::{json, Value};

/// Journal entries a page shows.
const JOURNAL_ROWS: &str = "50";

/// The scopes offered when minting a token.
const SCOPES: [&str; 8] = [
    "ZohoCRM.users.ALL",
    "ZohoCRM.users.READ",
    "ZohoCRM.settings.ALL",
    "ZohoCRM.settings.territories.READ",
    "ZohoCRM.settings.user_groups.READ",
    "ZohoCRM.features.ALL",
    "ZohoCRM.org.ALL",
    "ZohoCRM.org.READ",
];

/// The journal filter of the page's `status`, `method` and `path` parameters.
fn journal_filter(params: &Params) -> Result<Filter, Error> {
    Filter::parse(|name| match name {
        "status" | "method" | "path" => params.get(name).filter(|v| !v.trim().is_empty()),
        "limit" => Some(JOURNAL_ROWS),
        _ => None,
    })
}

/// The journal's rows, newest first; a faulted call is marked.
fn journal_body(entries: &[Entry]) -> Markup {
    markup! {
        @for e in entries {
            @let status = e.status.map(|s| s.to_string()).unwrap_or_else(|| "dropped".to_owned());
            tr.faulted[e.fault.is_some()] data-entry=(e.id) {
                td.num { (e.id) }
                td { (chrono::DateTime::from_timestamp_millis(e.time_ms)
                    .map(|t| t.format("%H:%M:%S%.3f").to_string()).unwrap_or_default()) }
                td { (e.method) }
                td.path { (e.path) @if let Some(q) = &e.query { "?" (q) } }
                td.num { (status) }
                td { (e.code.as_deref().unwrap_or_default()) }
                td.num { (format!("{:.1}", e.latency_ms)) }
                td { @if let Some(rule) = e.fault { strong.fault { "faulted (rule " (rule) ")" } } }
            }
        }
        @if entries.is_empty() { tr { td colspan="8" { "No calls recorded" } } }
    }
}

/// `GET /_orgdir/ui/orgs/{org}/journal?status=&method=&path=`: the rows
/// alone, for the live refresh.
pub async fn journal_rows(
    OrgPage { org, .. }: OrgPage,
    State(ui): State<UiApp>,
    params: Params,
) -> UiResult {
    let entries = ui
        .app
        .dir
        .controls()
        .journal
        .list(org.id, &journal_filter(&params)?);
    Ok(html(journal_body(&entries)))
}

/// The controls page of `org`, with a freshly minted token shown first.
async fn page_of(
    signed: &SignedIn,
    ui: &UiApp,
    org: &Org,
    params: &Params,
    minted: Option<Markup>,
) -> UiResult {
    let controls = ui.app.dir.controls();
    let filter = journal_filter(params)?;
    let entries = controls.journal.list(org.id, &filter);
    let faults: Vec<Value> = controls
        .faults
        .list(org.id)
        .iter()
        .map(|r| r.to_json())
        .collect();
    let limits = controls.limits.status(org.id, controls.now(org.id));
    let now = org.format_time(controls.now(org.id));
    let offset = controls.clocks.offset(org.id);
    let base = format!("{PREFIX}/orgs/{}", org.id);
    let get = |k: &str| params.get(k).unwrap_or_default().to_owned();
    let rows_url = href(
        &format!("{base}/journal"),
        &[
            ("status", &get("status")),
            ("method", &get("method")),
            ("path", &get("path")),
        ],
    );
    Ok(html(shell(
        &format!("{} · controls", org.name),
        Some(signed),
        markup! {
            h1 { (org.name) }
            (tabs(org, "controls"))
            @if let Some(minted) = minted { (minted) }
            section.card id="journal" aria-labelledby="journal-title" {
                h2 id="journal-title" { "Request journal" }
                form.filters method="get" action={ (base) "/controls#journal" } {
                    label for="f-status" { "Status" }
                    input id="f-status" name="status" inputmode="numeric" size="4" value=(get("status"));
                    label for="f-method" { "Method" }
                    select id="f-method" name="method" {
                        @for m in ["", "GET", "POST", "PUT", "PATCH", "DELETE"] {
                            option value=(m) selected[get("method") == m] { @if m.is_empty() { "any" } @else { (m) } }
                        }
                    }
                    label for="f-path" { "Path starts with" }
                    input id="f-path" name="path" value=(get("path")) placeholder="/crm/v8/users";
                    button type="submit" { "Filter" }
                }
                p.hint { "Refreshes every 2 seconds. Faulted calls are marked." }
                div.table-wrap tabindex="0" role="region" aria-label="Journal table" { table {
                    caption.visually-hidden { "Calls, newest first" }
                    thead { tr { th scope="col" { "#" } th scope="col" { "Time (UTC)" } th scope="col" { "Method" }
                        th scope="col" { "Path" } th scope="col" { "Status" } th scope="col" { "Code" }
                        th scope="col" { "ms" } th scope="col" { "Fault" } } }
                    tbody id="journal-rows" data-src=(rows_url) aria-live="polite" { (journal_body(&entries)) }
                } }
                script src={ (PREFIX) "/static/journal.js" } defer {}
            }
            div.cards {
                (faults_card(signed, &base, &faults))
                section.card id="limits" aria-labelledby="limits-title" {
                    h2 id="limits-title" { "API limits" }
                    (value_list(&limits))
                    form method="post" action={ (base) "/limits" } {
                        (csrf(signed))
                        label for="l-credits" { "Credits per day (empty: none)" }
                        input id="l-credits" name="credits_per_day" type="number" min="1";
                        label for="l-concurrency" { "Concurrent calls (empty: none)" }
                        input id="l-concurrency" name="concurrency" type="number" min="1";
                        div.buttons {
                            button type="submit" name="mode" value="set" { "Set" }
                            button type="submit" name="mode" value="edition" { "Edition's limits" }
                            button type="submit" name="mode" value="clear" { "Clear" }
                        }
                    }
                }
                section.card id="clock" aria-labelledby="clock-title" {
                    h2 id="clock-title" { "Clock" }
                    p { "Now on the org's clock: " strong id="clock-now" { (now) } br; "Ahead of real time by " (offset) " s" }
                    form method="post" action={ (base) "/clock" } {
                        (csrf(signed))
                        label for="c-seconds" { "Advance by (seconds)" }
                        input id="c-seconds" name="advance_seconds" type="number" min="1" required value="3600";
                        button type="submit" { "Advance" }
                    }
                    p { a href={ (base) "/confirm?action=reset" } { "Reset the org…" } }
                }
                section.card id="token" aria-labelledby="token-title" {
                    h2 id="token-title" { "Mint a token" }
                    form method="post" action={ (base) "/tokens" } {
                        (csrf(signed))
                        fieldset {
                            legend { "Scopes" }
                            @for (i, s) in SCOPES.iter().enumerate() {
                                div.check {
                                    input type="checkbox" id={ "scope-" (i) } name="scope" value=(s) checked[s.ends_with(".ALL")];
                                    label for={ "scope-" (i) } { (s) }
                                }
                            }
                        }
                        label for="t-expires" { "Expires in (seconds; 0: never)" }
                        input id="t-expires" name="expires_in" type="number" min="0" value="3600";
                        button type="submit" { "Mint" }
                    }
                }
            }
        },
    )))
}

/// `GET /_orgdir/ui/orgs/{org}/controls`
pub async fn page(
    OrgPage { signed, org }: OrgPage,
    State(ui): State<UiApp>,
    params: Params,
) -> UiResult {
    page_of(&signed, &ui, &org, &params, None).await
}

/// A JSON object's keys and values as a description list.
fn value_list(value: &Value) -> Markup {
    markup! {
        dl.inline {
            @if let Some(map) = value.as_object() {
                @for (k, v) in map {
                    dt { (k.replace('_', " ")) }
                    dd { @match v { Value::Null => "none", Value::String(s) => (s), other => (other.to_string()) } }
                }
            }
        }
    }
}

/// The fault rules with their remove buttons, and the form that adds one.
fn faults_card(signed: &SignedIn, base: &str, faults: &[Value]) -> Markup {
    markup! {
        section.card id="faults" aria-labelledby="faults-title" {
            h2 id="faults-title" { "Fault rules" }
            ul.rules {
                @for rule in faults {
                    @let id = rule["id"].to_string();
                    li data-rule=(id) {
                        code { (rule["match"].to_string()) " → " (rule["effect"].to_string()) " " (rule["trigger"].to_string()) }
                        " (hits " (rule["hits"].to_string()) ")"
                        form.inline method="post" action={ (base) "/faults/" (id) "/remove" } {
                            (csrf(signed))
                            button type="submit" aria-label={ "Remove rule " (id) } { "Remove" }
                        }
                    }
                }
                @if faults.is_empty() { li { "No fault rules" } }
            }
            form method="post" action={ (base) "/faults" } {
                (csrf(signed))
                label for="r-method" { "Method" }
                select id="r-method" name="method" {
                    @for m in ["", "GET", "POST", "PUT", "PATCH", "DELETE"] {
                        option value=(m) { @if m.is_empty() { "any" } @else { (m) } }
                    }
                }
                label for="r-path" { "Path (prefix, or a pattern with *)" }
                input id="r-path" name="path" placeholder="/crm/*/users";
                label for="r-effect" { "Effect" }
                select id="r-effect" name="effect" {
                    option value="error" { "answer an error" }
                    option value="delay" { "delay" }
                    option value="drop" { "drop the connection" }
                }
                label for="r-status" { "Error status" }
                input id="r-status" name="status" type="number" min="400" max="599" value="503";
                label for="r-code" { "Error code" }
                input id="r-code" name="code" value="INTERNAL_ERROR";
                label for="r-delay" { "Delay (ms)" }
                input id="r-delay" name="delay_ms" type="number" min="0" value="500";
                label for="r-trigger" { "Fires on" }
                select id="r-trigger" name="trigger" {
                    option value="every" { "every Nth call" }
                    option value="times" { "the first N calls" }
                }
                label for="r-n" { "N" }
                input id="r-n" name="n" type="number" min="1" value="1";
                button type="submit" { "Add rule" }
            }
        }
    }
}

/// The add-a-fault form's fields.
#[derive(Deserialize)]
pub struct FaultForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    effect: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    delay_ms: String,
    #[serde(default)]
    trigger: String,
    #[serde(default)]
    n: String,
}

/// A whole number from a form field, refused as `INVALID_DATA` at `path`.
fn number(text: &str, path: &str) -> Result<u64, Error> {
    text.trim()
        .parse()
        .map_err(|_| Error::invalid_field(path, "must be a whole number"))
}

impl FaultForm {
    /// The control plane's body for this rule.
    fn body(&self) -> Result<Value, Error> {
        let mut matcher = json!({});
        if !self.method.is_empty() {
            matcher["method"] = json!(self.method);
        }
        if !self.path.trim().is_empty() {
            matcher["path"] = json!(self.path.trim());
        }
        let effect = match self.effect.as_str() {
            "delay" => json!({ "delay_ms": number(&self.delay_ms, "$.effect.delay_ms")? }),
            "drop" => json!({ "drop": true }),
            _ => {
                json!({ "status": number(&self.status, "$.effect.status")?, "code": self.code.trim() })
            }
        };
        let n = number(&self.n, "$.trigger")?;
        let trigger = match self.trigger.as_str() {
            "times" => json!({ "times": n }),
            _ => json!({ "every": n }),
        };
        Ok(json!({ "match": matcher, "effect": effect, "trigger": trigger }))
    }
}

/// `POST /_orgdir/ui/orgs/{org}/faults`
pub async fn add_fault(
    State(ui): State<UiApp>,
    OrgForm { org, form, .. }: OrgForm<FaultForm>,
) -> UiResult {
    control::add_fault_from(&ui.app, org.id, &form.body()?)?;
    Ok(back_to(&org, "/controls", "#faults"))
}

/// `POST /_orgdir/ui/orgs/{org}/faults/{id}/remove`
pub async fn remove_fault(
    State(ui): State<UiApp>,
    Path((_, id)): Path<(String, String)>,
    OrgForm { org, .. }: OrgForm<CsrfOnly>,
) -> UiResult {
    control::remove_fault_of(&ui.app, org.id, &id)?;
    Ok(back_to(&org, "/controls", "#faults"))
}

/// The limits form's fields.
#[derive(Deserialize)]
pub struct LimitsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    credits_per_day: String,
    #[serde(default)]
    concurrency: String,
}

/// `POST /_orgdir/ui/orgs/{org}/limits` (`mode`: `set`, `edition` or `clear`).
pub async fn set_limits(
    State(ui): State<UiApp>,
    OrgForm { org, form, .. }: OrgForm<LimitsForm>,
) -> UiResult {
    let optional = |text: &str, path: &str| -> Result<Value, Error> {
        Ok(if text.trim().is_empty() {
            Value::Null
        } else {
            json!(number(text, path)?)
        })
    };
    match form.mode.as_str() {
        "clear" => {
            control::clear_control(&ui.app, &org.id.to_string(), "clear_limits", |c, org| {
                c.limits.clear(org)
            })
            .await?;
        }
        "edition" => control::set_limits_from(&ui.app, &org, &json!({ "edition": true }))?,
        _ => {
            let body = json!({
                "credits_per_day": optional(&form.credits_per_day, "$.credits_per_day")?,
                "concurrency": optional(&form.concurrency, "$.concurrency")?,
            });
            control::set_limits_from(&ui.app, &org, &body)?;
        }
    }
    Ok(back_to(&org, "/controls", "#limits"))
}

/// The clock form's fields.
#[derive(Deserialize)]
pub struct ClockForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    advance_seconds: String,
}

/// `POST /_orgdir/ui/orgs/{org}/clock`
pub async fn advance_clock(
    State(ui): State<UiApp>,
    OrgForm { org, form, .. }: OrgForm<ClockForm>,
) -> UiResult {
    let seconds = number(&form.advance_seconds, "$.advance_seconds")?;
    control::advance_clock_from(&ui.app, &org, &json!({ "advance_seconds": seconds }))?;
    Ok(back_to(&org, "/controls", "#clock"))
}

with_csrf!(FaultForm, LimitsForm, ClockForm);

/// `POST /_orgdir/ui/orgs/{org}/tokens` (`scope` repeated, `expires_in`):
/// the controls page again, with the token, its curl line and the SDK
/// configuration. The token is shown once and never logged.
pub async fn mint_token(
    State(ui): State<UiApp>,
    OrgForm { signed, org, form }: OrgForm<Pairs>,
) -> UiResult {
    let scopes = form.all("scope");
    let mut body = json!({ "scopes": scopes.join(",") });
    if let Some(expires) = form.get("expires_in").filter(|t| !t.trim().is_empty()) {
        body["expires_in"] = json!(number(expires, "$.expires_in")?);
    }
    let minted = control::mint_from(&ui.app, &org, &body).await?;
    let token = minted["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let api = &ui.app.settings.api_domain;
    let curl = format!(
        "curl -H 'Authorization: Zoho-oauthtoken {token}' {api}/crm/v8/users/actions/count"
    );
    let python = format!(
        "from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter\n\
         from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken\n\
         \n\
         environment = DataCenter.Environment(\"{api}\", \"{api}/oauth/v2/token\", \"{api}\")\n\
         token = OAuthToken(access_token=\"{token}\", find_user=False)\n\
         # Initializer.initialize(environment=environment, token=token, ...)"
    );
    let shown = markup! {
        section.card.minted id="minted" aria-labelledby="minted-title" {
            h2 id="minted-title" { "Your token" }
            p { "Shown once. Scopes: " code { (scopes.join(", ")) } }
            label for="minted-token" { "Access token" }
            input id="minted-token" readonly value=(token);
            label for="minted-curl" { "curl" }
            textarea id="minted-curl" readonly rows="3" { (curl) }
            label for="minted-python" { "Python SDK (zohocrmsdk8-0)" }
            textarea id="minted-python" readonly rows="10" { (python) }
        }
    };
    page_of(&signed, &ui, &org, &Params::default(), Some(shown)).await
}
