//! `orgdir api`: the five counts of any Zoho-compatible server — orgdir or
//! Zoho itself — from the command line (issue 17). Requests are built by
//! `orgdir-client`, exactly as Zoho's API takes them; answers print as a
//! table for people or, with `--json`, as the API's JSON for scripts (a 204
//! prints nothing). The token comes from `--token`/`ZOHO_TOKEN`, or from
//! what `orgdir api login` kept (see [`login`]).

mod login;
mod table;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use orgdir_client::Client;
use orgdir_types::users::UserType;
use serde::Serialize;
use serde_json::{json, Value};

/// `orgdir api …`
#[derive(Args)]
pub struct ApiArgs {
    /// The API domain, e.g. `https://www.zohoapis.com` or `http://127.0.0.1:8080`
    /// (default: the one `orgdir api login` kept).
    #[arg(long, env = "ZOHO_API_DOMAIN", global = true)]
    api_domain: Option<String>,
    /// An access token (default: the one `orgdir api login` kept, refreshed as needed).
    #[arg(long, env = "ZOHO_TOKEN", global = true, hide_env_values = true)]
    token: Option<String>,
    /// The API version in the path (`v2` … `v8`).
    #[arg(long, global = true, default_value = "v8", value_parser = ["v2", "v2.1", "v3", "v4", "v5", "v6", "v7", "v8"])]
    api_version: String,
    /// Print the API's JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: ApiCommand,
}

#[derive(Subcommand)]
enum ApiCommand {
    /// Users.
    #[command(subcommand)]
    Users(UsersCommand),
    /// User groups.
    #[command(subcommand)]
    Groups(GroupsCommand),
    /// Territories.
    #[command(subcommand)]
    Territories(TerritoriesCommand),
    /// The org's user licences (`__features/user_licenses`).
    Licences,
    /// Sign in with Zoho's OAuth and keep the refresh token for later calls.
    Login(login::LoginArgs),
    /// Forget what `login` kept.
    Logout,
}

#[derive(Subcommand)]
enum UsersCommand {
    /// `GET /crm/v8/users/actions/count`
    Count {
        /// AllUsers, ActiveUsers, DeactiveUsers, ConfirmedUsers, NotConfirmedUsers,
        /// DeletedUsers, ActiveConfirmedUsers, AdminUsers, ActiveConfirmedAdmins, CurrentUser.
        #[arg(long = "type")]
        user_type: Option<String>,
    },
}

#[derive(Subcommand)]
enum GroupsCommand {
    /// `GET /crm/v8/settings/user_groups/actions/associated_users_count`
    Count {
        /// A `filters` JSON, e.g. `{"field":{"api_name":"name"},"comparator":"equal","value":"Tier1"}`.
        #[arg(long)]
        filter: Option<String>,
        #[arg(long)]
        page: Option<u32>,
        #[arg(long)]
        per_page: Option<u32>,
    },
    /// `GET /crm/v8/settings/user_groups/{id}/actions/sources_count`
    SourcesCount { id: String },
}

#[derive(Subcommand)]
enum TerritoriesCommand {
    /// `GET /crm/v8/settings/territories/actions/associated_users_count`
    Count {
        #[arg(long)]
        page: Option<u32>,
        #[arg(long)]
        per_page: Option<u32>,
    },
}

impl ApiArgs {
    /// Runs the command, printing its answer on standard output.
    pub async fn run(self) -> anyhow::Result<()> {
        let client = match self.command {
            ApiCommand::Login(args) => return args.run(self.api_domain).await,
            ApiCommand::Logout => return login::logout(),
            _ => self.client().await?,
        };
        let json = self.json;
        match self.command {
            ApiCommand::Users(UsersCommand::Count { user_type }) => {
                let user_type = user_type.as_deref().map(parse_type).transpose()?;
                let count = client.users_count_of(user_type).await?;
                let label = user_type.map_or("(none given)", UserType::as_str);
                print(json, &json!({ "count": count }), || {
                    table::render(&["type", "count"], [[label.to_owned(), count.to_string()]])
                })
            }
            ApiCommand::Groups(GroupsCommand::Count {
                filter,
                page,
                per_page,
            }) => {
                let filters: Option<Value> = filter
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()
                    .context("--filter is not JSON")?;
                let answer = client
                    .group_users_count(filters.as_ref(), page, per_page)
                    .await?;
                print_page(json, answer.as_ref(), |p| {
                    let rows = p.associated_users_count.iter().map(|r| {
                        [
                            r.user_group.name.clone(),
                            r.user_group.id.clone(),
                            r.count.to_string(),
                        ]
                    });
                    table::render(&["group", "id", "users"], rows) + &table::info(&p.info)
                })
            }
            ApiCommand::Groups(GroupsCommand::SourcesCount { id }) => {
                let counts = client.sources_count(&id).await?;
                let u = &counts.users;
                let rows = [
                    ("territories", counts.territories),
                    ("roles", counts.roles),
                    ("groups", counts.groups),
                    ("users (active)", u.active),
                    ("users (inactive)", u.inactive),
                    ("users (deleted)", u.deleted),
                ]
                .map(|(k, v)| [k.to_owned(), v.to_string()]);
                print(json, &json!({ "sources_count": [counts] }), || {
                    table::render(&["source", "count"], rows)
                })
            }
            ApiCommand::Territories(TerritoriesCommand::Count { page, per_page }) => {
                let answer = client.territory_users_count(page, per_page).await?;
                print_page(json, answer.as_ref(), |p| {
                    let rows = p.associated_users_count.iter().map(|r| {
                        [
                            r.territory.name.clone(),
                            r.territory.id.clone(),
                            r.count.clone(),
                        ]
                    });
                    table::render(&["territory", "id", "users"], rows) + &table::info(&p.info)
                })
            }
            ApiCommand::Licences => {
                let feature = client.user_licenses().await?;
                let d = &feature.details;
                let rows = [
                    ("purchased", d.limits.total),
                    ("used", d.used_count.total),
                    ("available", d.available_count.total),
                ]
                .map(|(k, v)| [k.to_owned(), v.to_string()]);
                print(json, &json!({ "__features": [feature] }), || {
                    table::render(&["licences", "total"], rows)
                })
            }
            ApiCommand::Login(_) | ApiCommand::Logout => Ok(()),
        }
    }

    /// A client for the API domain with a token: the flags', or what
    /// `login` kept (refreshed when it has expired).
    async fn client(&self) -> anyhow::Result<Client> {
        let (api_domain, token) = match (&self.api_domain, &self.token) {
            (Some(domain), Some(token)) => (domain.clone(), token.clone()),
            _ => {
                let kept = login::access_token()
                    .await
                    .context("give --token (or ZOHO_TOKEN), or sign in with `orgdir api login`")?;
                (
                    self.api_domain.clone().unwrap_or(kept.api_domain),
                    self.token.clone().unwrap_or(kept.access_token),
                )
            }
        };
        check_domain(&api_domain)?;
        Ok(Client::new(api_domain.trim_end_matches('/'))
            .with_token(token)
            .with_version(&self.api_version))
    }
}

fn parse_type(text: &str) -> anyhow::Result<UserType> {
    UserType::parse(text).with_context(|| format!("--type {text}: not a user type"))
}

/// Prints `value` as JSON, or the table `render` makes.
fn print(
    json: bool,
    value: &impl Serialize,
    render: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(value)?);
    } else {
        print!("{}", render());
    }
    Ok(())
}

/// A page of a list: nothing for a 204 in JSON (as the API sends nothing),
/// a line saying so in a table.
fn print_page<T: Serialize>(
    json: bool,
    page: Option<&T>,
    render: impl FnOnce(&T) -> String,
) -> anyhow::Result<()> {
    match page {
        Some(page) => print(json, page, || render(page)),
        None if json => Ok(()),
        None => {
            println!("no records (204)");
            Ok(())
        }
    }
}

/// Refuses an API domain that is not an absolute http(s) URL.
pub(crate) fn check_domain(domain: &str) -> anyhow::Result<()> {
    match url::Url::parse(domain) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        _ => bail!("{domain}: not an http(s) URL"),
    }
}
