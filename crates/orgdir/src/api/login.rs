//! `orgdir api login`: Zoho's OAuth from the command line, against any
//! accounts server (Zoho Accounts or orgdir's own `/oauth/v2/…`), and the
//! credentials it keeps for later `orgdir api` calls.
//!
//! Three ways in: a grant code (`--code`: an authorization code, or a self
//! client's grant token from Zoho's API console), the authorization-code
//! flow where the code is pasted after signing in at the printed URL, or a
//! self client's client-credentials grant (`--self-client ORG_ID`). What is
//! kept — the client, the refresh token, the last access token and its
//! expiry — goes to `credentials.json` in orgdir's configuration folder
//! (`$ORGDIR_CONFIG_DIR`, else the user's configuration folder), readable by
//! the user only. An expired access token is renewed by itself: with the
//! refresh token, or with a new client-credentials grant.

use anyhow::{anyhow, bail, Context};
use clap::Args;
use orgdir_client::oauth::{Accounts, TokenResponse};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::PathBuf;

/// The scopes the five counts need.
const COUNT_SCOPES: &str = "ZohoCRM.users.READ,ZohoCRM.settings.user_groups.READ,ZohoCRM.settings.territories.READ,ZohoCRM.features.READ";

/// An access token this close to its expiry (seconds) is renewed first.
const RENEW_MARGIN: i64 = 60;

/// `orgdir api login …`
#[derive(Args)]
pub struct LoginArgs {
    /// The accounts server, e.g. `https://accounts.zoho.com` or `http://127.0.0.1:8080`.
    #[arg(long, env = "ZOHO_ACCOUNTS_URL")]
    accounts_url: String,
    #[arg(long, env = "ZOHO_CLIENT_ID")]
    client_id: String,
    #[arg(long, env = "ZOHO_CLIENT_SECRET", hide_env_values = true)]
    client_secret: String,
    /// The scopes to ask for (comma-separated).
    #[arg(long, default_value = COUNT_SCOPES)]
    scopes: String,
    /// A grant code: an authorization code, or a self client's grant token.
    #[arg(long, conflicts_with = "self_client")]
    code: Option<String>,
    /// The redirect URI the code was (or is to be) issued for.
    #[arg(long, default_value = "http://localhost")]
    redirect_uri: String,
    /// A self client's client-credentials grant for this org id (no refresh token).
    #[arg(long, value_name = "ORG_ID")]
    self_client: Option<String>,
}

/// What `login` keeps.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    accounts_url: String,
    client_id: String,
    client_secret: String,
    scopes: String,
    api_domain: String,
    refresh_token: Option<String>,
    /// The org of a self client's client-credentials grant.
    self_client_org: Option<String>,
    access_token: String,
    /// Unix seconds.
    expires_at: i64,
}

/// An access token ready to use and its API domain.
pub struct Access {
    pub api_domain: String,
    pub access_token: String,
}

impl LoginArgs {
    /// Signs in and keeps the credentials; prints where they went.
    pub async fn run(self, api_domain: Option<String>) -> anyhow::Result<()> {
        super::check_domain(&self.accounts_url)?;
        let accounts = Accounts::new(&self.accounts_url, &self.client_id, &self.client_secret);
        let answer = match (&self.self_client, &self.code) {
            (Some(org), _) => accounts.client_credentials(&self.scopes, org).await,
            (None, Some(code)) => accounts.exchange_code(code, &self.redirect_uri).await,
            (None, None) => {
                let code = ask_for_code(&accounts, &self.scopes, &self.redirect_uri)?;
                accounts.exchange_code(&code, &self.redirect_uri).await
            }
        }
        .map_err(|e| anyhow!("sign-in refused: {e}"))?;
        if self.self_client.is_none() && answer.refresh_token.is_none() {
            bail!("the accounts server gave no refresh token");
        }
        let api_domain = match api_domain {
            Some(domain) => domain,
            None => answer.api_domain.clone(),
        };
        super::check_domain(&api_domain)?;
        let kept = Kept {
            accounts_url: self.accounts_url,
            client_id: self.client_id,
            client_secret: self.client_secret,
            scopes: self.scopes,
            api_domain,
            refresh_token: answer.refresh_token.clone(),
            self_client_org: self.self_client,
            access_token: String::new(),
            expires_at: 0,
        }
        .with(&answer);
        let path = save(&kept)?;
        println!(
            "signed in; API domain {}; credentials kept in {}",
            kept.api_domain,
            path.display()
        );
        Ok(())
    }
}

impl Kept {
    fn with(mut self, answer: &TokenResponse) -> Self {
        self.access_token = answer.access_token.clone();
        self.expires_at = now().saturating_add(answer.expires_in);
        self
    }
}

/// Prints the sign-in URL and reads the code the user pastes.
fn ask_for_code(accounts: &Accounts, scopes: &str, redirect_uri: &str) -> anyhow::Result<String> {
    let state = orgdir_server::random_secret();
    let mut err = std::io::stderr();
    writeln!(
        err,
        "Open this URL, sign in and approve; then paste the `code` of the page you are sent to:\n{}",
        accounts.authorize_url(scopes, redirect_uri, &state)
    )?;
    write!(err, "code: ")?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let code = line.trim();
    if code.is_empty() {
        bail!("no code given");
    }
    Ok(code.to_owned())
}

/// The kept access token, renewed first when it has (nearly) expired.
pub async fn access_token() -> anyhow::Result<Access> {
    let path = credentials_path()?;
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("no credentials at {}", path.display()))?;
    let kept: Kept = serde_json::from_str(&text)
        .with_context(|| format!("{} is not orgdir's credentials file", path.display()))?;
    let kept = if kept.expires_at - RENEW_MARGIN > now() {
        kept
    } else {
        let accounts = Accounts::new(&kept.accounts_url, &kept.client_id, &kept.client_secret);
        let answer = match (&kept.refresh_token, &kept.self_client_org) {
            (Some(refresh), _) => accounts.refresh(refresh).await,
            (None, Some(org)) => accounts.client_credentials(&kept.scopes, org).await,
            (None, None) => bail!("the kept access token expired; sign in again"),
        }
        .map_err(|e| anyhow!("renewing the access token was refused: {e}; sign in again"))?;
        let kept = kept.with(&answer);
        save(&kept)?;
        kept
    };
    Ok(Access {
        api_domain: kept.api_domain,
        access_token: kept.access_token,
    })
}

/// `orgdir api logout`: forgets the kept credentials.
pub fn logout() -> anyhow::Result<()> {
    let path = credentials_path()?;
    match std::fs::remove_file(&path) {
        Ok(()) => println!("forgot {}", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => println!("not signed in"),
        Err(e) => return Err(e).with_context(|| format!("removing {}", path.display())),
    }
    Ok(())
}

fn credentials_path() -> anyhow::Result<PathBuf> {
    let dir = match std::env::var_os("ORGDIR_CONFIG_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => dirs::config_dir()
            .context("no configuration folder; set ORGDIR_CONFIG_DIR")?
            .join("orgdir"),
    };
    Ok(dir.join("credentials.json"))
}

/// Writes the credentials readable by the user only (a new file replaces
/// the old one, so its mode is always the one set here).
fn save(kept: &Kept) -> anyhow::Result<PathBuf> {
    let path = credentials_path()?;
    let dir = path.parent().context("credentials path without a folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let staging = dir.join(".credentials.json.new");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&staging)
        .with_context(|| format!("writing {}", staging.display()))?;
    file.write_all(serde_json::to_string_pretty(kept)?.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&staging, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn now() -> i64 {
    orgdir_core::time::now()
}
