//! The page shell every dashboard page shares (header, navigation, the
//! sign-out form, the main landmark), and small pieces pages reuse: the
//! CSRF field, links with query strings and the pager of a paged list.

use super::session::SignedIn;
use super::PREFIX;
use maud::{html, Markup, DOCTYPE};
use orgdir_types::Info;

/// A whole page: `title`, the signed-in header (when `signed`), `body`.
pub fn page(title: &str, signed: Option<&SignedIn>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · orgdir" }
                link rel="stylesheet" href={ (PREFIX) "/static/style.css" };
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href={ (PREFIX) "/" } { "orgdir" }
                    @if let Some(signed) = signed {
                        nav aria-label="Site" {
                            a href={ (PREFIX) "/" } { "Orgs" }
                        }
                        form.signout method="post" action={ (PREFIX) "/logout" } {
                            (csrf(signed))
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main id="main" {
                    (body)
                }
            }
        }
    }
}

/// The page answered for an error: what went wrong and a way back.
pub fn problem(code: &str, message: &str) -> Markup {
    page(
        "Error",
        None,
        html! {
            h1 { "Something went wrong" }
            p.error role="alert" { strong { (code) } ": " (message) }
            p { a href={ (PREFIX) "/" } { "Back to the orgs" } }
        },
    )
}

/// The hidden CSRF field of a form.
pub fn csrf(signed: &SignedIn) -> Markup {
    html! { input type="hidden" name="csrf" value=(signed.csrf); }
}

/// `path` with the non-empty `params` as its query string.
pub fn href(path: &str, params: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in params.iter().filter(|(_, v)| !v.is_empty()) {
        query.append_pair(name, value);
    }
    let query = query.finish();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// Previous / next links of a paged list whose page number is the query
/// parameter `key`; `keep` are the other parameters of the page.
pub fn pager(path: &str, key: &str, info: &Info, keep: &[(&str, &str)], anchor: &str) -> Markup {
    let link = |page: u32| {
        let page = page.to_string();
        let mut params: Vec<(&str, &str)> =
            keep.iter().filter(|(k, _)| *k != key).copied().collect();
        params.push((key, &page));
        format!("{}#{anchor}", href(path, &params))
    };
    html! {
        nav.pager aria-label={ "Pages of " (anchor) } {
            @if info.page > 1 {
                a href=(link(info.page - 1)) rel="prev" { "← Previous" }
            }
            span { "Page " (info.page) }
            @if info.more_records {
                a href=(link(info.page + 1)) rel="next" { "Next →" }
            }
        }
    }
}

/// A page number from the query parameter text (1 when absent or invalid).
pub fn page_number(text: Option<&str>, per_page: u32) -> orgdir_core::paging::Page {
    orgdir_core::paging::Page::parse(text, Some(&per_page.to_string()), per_page)
        .unwrap_or(orgdir_core::paging::Page { page: 1, per_page })
}
