//! One org at a glance: users by type (a bar chart), licences (a gauge),
//! the territory tree with each territory's associated users count, the
//! user groups by associated users count with their sources counts
//! (searchable by name), and paged tables of users, roles and profiles.
//! Every list is one page of the API's own paged read.

use super::action::OrgPage;
use super::layout::{page, page_number, pager};
use super::{chart, html, reader, UiApp, UiResult, PREFIX};
use crate::extract::Params;
use axum::extract::State;
use maud::{html as markup, Markup};
use orgdir_core::groups::{Comparator, Filter, FilterField};
use orgdir_core::org::Org;
use orgdir_core::service::{groups, roles, territories, users};
use orgdir_core::sessions::Caller;
use orgdir_core::{Error, ZohoId};
use orgdir_types::users::UserType;
use std::collections::HashMap;

/// Rows per page of each list.
pub const PER_PAGE: u32 = 20;

/// The user types charted, with their labels.
const CHARTED: [(UserType, &str); 9] = [
    (UserType::AllUsers, "All"),
    (UserType::ActiveUsers, "Active"),
    (UserType::DeactiveUsers, "Deactivated"),
    (UserType::ConfirmedUsers, "Confirmed"),
    (UserType::NotConfirmedUsers, "Not confirmed"),
    (UserType::DeletedUsers, "Deleted"),
    (UserType::ActiveConfirmedUsers, "Active confirmed"),
    (UserType::AdminUsers, "Admins"),
    (UserType::ActiveConfirmedAdmins, "Active confirmed admins"),
];

/// What every section of the org's page reads: the app, the page's path,
/// its query parameters, and those to keep in its links.
#[derive(Clone, Copy)]
struct View<'a> {
    ui: &'a UiApp,
    path: &'a str,
    keep: &'a [(&'a str, &'a str)],
    params: &'a Params,
}

/// The org's tabs: at a glance, and the emulator controls.
pub fn tabs(org: &Org, current: &str) -> Markup {
    let here = |name: &str| (name == current).then_some("page");
    markup! {
        nav.tabs aria-label="Org" {
            a href={ (PREFIX) "/orgs/" (org.id) } aria-current=[here("glance")] { "At a glance" }
            a href={ (PREFIX) "/orgs/" (org.id) "/controls" } aria-current=[here("controls")] { "Emulator controls" }
        }
    }
}

/// `GET /_orgdir/ui/orgs/{org}?tpage=&gpage=&q=&upage=&rpage=&ppage=`
pub async fn dashboard(
    OrgPage { signed, org }: OrgPage,
    State(ui): State<UiApp>,
    params: Params,
) -> UiResult {
    let mut caller = reader::caller(&ui, &org).await?;
    let dir = &ui.app.dir;
    let mut counts = Vec::with_capacity(CHARTED.len());
    for (kind, label) in CHARTED {
        counts.push((label, users::count(dir, &mut caller, kind).await?));
    }
    let licences = users::licences(dir, &mut caller).await?;
    let keep: Vec<(&str, &str)> = ["tpage", "gpage", "q", "upage", "rpage", "ppage"]
        .iter()
        .map(|k| (*k, params.get(k).unwrap_or_default()))
        .collect();
    let path = format!("{PREFIX}/orgs/{}", org.id);
    let view = View {
        ui: &ui,
        path: &path,
        keep: &keep,
        params: &params,
    };
    let territories = territory_section(&view, &mut caller).await?;
    let groups = group_section(&view, &mut caller).await?;
    let tables = tables(&view, &mut caller).await?;
    Ok(html(page(
        &org.name,
        Some(&signed),
        markup! {
            h1 { (org.name) }
            p.meta { "Org " code { (org.id) } " · " (org.edition.as_str()) " edition · time zone " (org.time_zone) }
            (tabs(&org, "glance"))
            div.cards {
                section.card aria-labelledby="users-title" {
                    h2 id="users-title" { "Users by type" }
                    p.big { span id="users-all" data-count=(counts[0].1) { (counts[0].1) } " users" }
                    (chart::bars("Users by type", &counts))
                }
                section.card aria-labelledby="licences-title" {
                    h2 id="licences-title" { "Licences" }
                    (chart::gauge(licences.used, licences.purchased))
                    dl.inline {
                        dt { "Used" } dd id="licences-used" { (licences.used) }
                        dt { "Available" } dd id="licences-available" { (licences.available()) }
                        dt { "Purchased" } dd id="licences-purchased" { (licences.purchased) }
                    }
                }
            }
            (territories)
            (groups)
            (tables)
        },
    )))
}

/// A page of territories, root first, as a tree of the page's territories
/// (a territory whose parent is on another page starts its own branch),
/// each with its associated users count.
async fn territory_section(view: &View<'_>, caller: &mut Caller) -> Result<Markup, Error> {
    let (ui, path, keep, params) = (view.ui, view.path, view.keep, view.params);
    let dir = &ui.app.dir;
    let page = page_number(params.get("tpage"), PER_PAGE);
    let (rows, info) = territories::list(dir, caller, page, None, None).await?;
    let (counts, _) = territories::member_counts(dir, caller, page).await?;
    let count_of: HashMap<ZohoId, u64> = counts.into_iter().map(|(id, _, n)| (id, n)).collect();
    let on_page: Vec<ZohoId> = rows.iter().map(|t| t.territory.id).collect();
    let mut children: HashMap<Option<ZohoId>, Vec<usize>> = HashMap::new();
    for (i, t) in rows.iter().enumerate() {
        let parent = t.territory.reporting_to.filter(|p| on_page.contains(p));
        children.entry(parent).or_default().push(i);
    }
    fn branch(
        at: Option<ZohoId>,
        rows: &[orgdir_core::territories::TerritoryDetails],
        children: &HashMap<Option<ZohoId>, Vec<usize>>,
        count_of: &HashMap<ZohoId, u64>,
        depth: usize,
    ) -> Markup {
        markup! {
            @if let Some(list) = children.get(&at) {
                ul.tree {
                    @for &i in list {
                        @let t = &rows[i].territory;
                        @let count = count_of.get(&t.id).copied().unwrap_or(t.member_count);
                        li data-territory=(t.id) {
                            @if children.contains_key(&Some(t.id)) && depth < 64 {
                                details open[depth < 2] {
                                    summary { (t.name) " " span.count data-count=(count) { (count) " users" } }
                                    (branch(Some(t.id), rows, children, count_of, depth + 1))
                                }
                            } @else {
                                span.leaf { (t.name) " " span.count data-count=(count) { (count) " users" } }
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(markup! {
        section.card id="territories" aria-labelledby="territories-title" {
            h2 id="territories-title" { "Territories and their associated users" }
            (branch(None, &rows, &children, &count_of, 0))
            (pager(path, "tpage", &info, keep, "territories"))
        }
    })
}

/// A page of user groups by name search, each with its associated users
/// count and its sources counts.
async fn group_section(view: &View<'_>, caller: &mut Caller) -> Result<Markup, Error> {
    let (ui, path, keep, params) = (view.ui, view.path, view.keep, view.params);
    let dir = &ui.app.dir;
    let search = params.get("q").unwrap_or_default().trim().to_owned();
    let filter = || {
        (!search.is_empty()).then(|| Filter::Criterion {
            field: FilterField::Name,
            comparator: Comparator::Contains,
            value: search.to_lowercase(),
        })
    };
    let page = page_number(params.get("gpage"), PER_PAGE);
    let (counts, info) = groups::member_counts(dir, caller, filter(), page).await?;
    let mut rows = Vec::with_capacity(counts.len());
    for (id, name, members) in counts {
        let sources = groups::sources_count(dir, caller, id)
            .await?
            .unwrap_or_default();
        rows.push((id, name, members, sources));
    }
    let keep_q: Vec<(&str, &str)> = keep
        .iter()
        .filter(|(k, _)| *k != "gpage")
        .copied()
        .collect();
    Ok(markup! {
        section.card id="groups" aria-labelledby="groups-title" {
            h2 id="groups-title" { "User groups and their associated users" }
            form.search method="get" action={ (path) "#groups" } role="search" {
                @for (k, v) in keep_q.iter().filter(|(k, v)| *k != "q" && !v.is_empty()) {
                    input type="hidden" name=(k) value=(v);
                }
                label for="group-search" { "Group name contains" }
                input id="group-search" name="q" type="search" value=(search);
                button type="submit" { "Search" }
            }
            div.table-wrap tabindex="0" role="region" aria-label="Groups table" {
                table {
                    thead { tr {
                        th scope="col" { "Group" } th scope="col" { "Associated users" }
                        th scope="col" { "Sources: users (active / inactive / deleted)" }
                        th scope="col" { "roles" } th scope="col" { "territories" } th scope="col" { "groups" }
                    } }
                    tbody {
                        @for (id, name, members, s) in &rows {
                            tr data-group=(id) {
                                th scope="row" { (name) }
                                td.num.count data-count=(members) { (members) }
                                td.num { (s.users_active) " / " (s.users_inactive) " / " (s.users_deleted) }
                                td.num { (s.roles) } td.num { (s.territories) } td.num { (s.groups) }
                            }
                        }
                        @if rows.is_empty() { tr { td colspan="6" { "No groups" } } }
                    }
                }
            }
            (pager(path, "gpage", &info, keep, "groups"))
        }
    })
}

/// Paged tables of users, roles and profiles.
async fn tables(view: &View<'_>, caller: &mut Caller) -> Result<Markup, Error> {
    let (ui, path, keep, params) = (view.ui, view.path, view.keep, view.params);
    let dir = &ui.app.dir;
    let (people, users_info) = users::list(
        dir,
        caller,
        UserType::AllUsers,
        page_number(params.get("upage"), PER_PAGE),
        None,
        None,
    )
    .await?;
    let (roles, roles_info) =
        page_number(params.get("rpage"), PER_PAGE).slice(&roles::list(dir, caller).await?);
    let (profiles, profiles_info) =
        page_number(params.get("ppage"), PER_PAGE).slice(&roles::profiles(dir, caller).await?);
    Ok(markup! {
        section.card id="users" aria-labelledby="users-table-title" {
            h2 id="users-table-title" { "Users" }
            div.table-wrap tabindex="0" role="region" aria-label="Users table" { table {
                thead { tr { th scope="col" { "Name" } th scope="col" { "Email" } th scope="col" { "Status" }
                    th scope="col" { "Role" } th scope="col" { "Profile" } th scope="col" { "Confirmed" } } }
                tbody { @for u in &people {
                    tr {
                        th scope="row" { (u.user.first_name.as_deref().unwrap_or_default()) " " (u.user.last_name) }
                        td { (u.user.email) } td { (u.user.status.as_str()) }
                        td { (u.role_name) } td { (u.profile_name) }
                        td { @if u.user.confirmed { "yes" } @else { "no" } }
                    }
                } }
            } }
            (pager(path, "upage", &users_info, keep, "users"))
        }
        div.cards {
            (named_table(view, "roles", "Roles", "rpage", &roles_info,
                &roles.iter().map(|r| (r.display_label.as_str(), r.id)).collect::<Vec<_>>()))
            (named_table(view, "profiles", "Profiles", "ppage", &profiles_info,
                &profiles.iter().map(|p| (p.display_label.as_str(), p.id)).collect::<Vec<_>>()))
        }
    })
}

/// A card with a paged table of names and ids (roles, profiles), whose
/// page number is the query parameter `key`.
fn named_table(
    view: &View<'_>,
    id: &str,
    title: &str,
    key: &str,
    info: &orgdir_types::Info,
    rows: &[(&str, ZohoId)],
) -> Markup {
    markup! {
        section.card id=(id) aria-labelledby={ (id) "-title" } {
            h2 id={ (id) "-title" } { (title) }
            div.table-wrap tabindex="0" role="region" aria-label={ (title) " table" } { table {
                thead { tr { th scope="col" { "Name" } th scope="col" { "Id" } } }
                tbody { @for (name, row_id) in rows { tr { th scope="row" { (name) } td { code { (row_id) } } } } }
            } }
            (pager(view.path, key, info, view.keep, id))
        }
    }
}
