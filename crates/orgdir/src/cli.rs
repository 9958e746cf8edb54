//! Command-line interface (clap derive). Server and database flags are also
//! settable as `ORGDIR_*` environment variables.

use anyhow::{anyhow, bail, Context};
use clap::{Args, Parser, Subcommand};
use orgdir_core::document;
use orgdir_core::scopes::ScopeSet;
use orgdir_core::service::{orgs, tokens, users, Directory};
use orgdir_core::OrgId;
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use std::sync::Arc;

/// A self-hosted, Zoho CRM-compatible organisation directory.
#[derive(Parser)]
#[command(name = "orgdir", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Whether `serve --admin-key` was given on the command line (visible in `ps`).
    #[arg(skip)]
    admin_key_on_command_line: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the Zoho CRM API (creates a demo org on an empty database).
    Serve(ServeArgs),
    /// Mint an access token and print only the token.
    Token(TokenArgs),
    /// Mark an invited user as confirmed (they accepted the invitation).
    ConfirmUser(ConfirmArgs),
    /// Set the password a user signs in with on the consent page (read from
    /// ORGDIR_PASSWORD, else the first line of standard input).
    SetPassword(ConfirmArgs),
    /// Print an org as one JSON document (explicit ids and timestamps).
    Export(OrgArgs),
    /// Create an org from a JSON document; nothing is written if it has any problem.
    Import(ImportArgs),
    /// OAuth clients.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Generate a realistic org from a seed and write it in bulk.
    Seed(SeedArgs),
    /// Recount every maintained count from scratch; exit status 1 on any difference.
    Check(CheckArgs),
    /// The five counts of any Zoho-compatible server (orgdir or Zoho), and OAuth sign-in.
    Api(crate::api::ApiArgs),
}

#[derive(Args)]
struct SeedArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// The seed: the same seed and sizes give the same org, ids included.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 10_000)]
    users: usize,
    #[arg(long, default_value_t = 100)]
    roles: usize,
    #[arg(long, default_value_t = 1_000)]
    territories: usize,
    #[arg(long, default_value_t = 1_000)]
    groups: usize,
    /// Share of groups that nest other groups (0 to 1).
    #[arg(long, default_value_t = 0.1)]
    nesting: f64,
    /// No progress bar (for logs).
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// Only this org (default: every org).
    #[arg(long)]
    org: Option<i64>,
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Register an OAuth client; prints its id and secret (shown once).
    Create(ClientArgs),
}

#[derive(Args)]
struct ClientArgs {
    #[command(flatten)]
    target: OrgArgs,
    /// A name shown on the consent page.
    #[arg(long)]
    name: String,
    /// Allowed redirect URIs (repeat the flag for several).
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    /// A self client, for `grant_type=client_credentials`.
    #[arg(long)]
    self_client: bool,
    /// The scopes its tokens may carry (default: every scope orgdir serves).
    #[arg(long)]
    scopes: Option<String>,
}

#[derive(Args)]
struct ImportArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// The document (`-` reads standard input).
    file: std::path::PathBuf,
    /// Only check the document; write nothing.
    #[arg(long)]
    check: bool,
}

#[derive(Args)]
struct DatabaseArgs {
    /// `sqlite://FILE` or `postgres://…`.
    #[arg(
        long,
        env = "ORGDIR_DATABASE_URL",
        default_value = "sqlite://orgdir.db"
    )]
    database_url: String,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "ORGDIR_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Seed of the demo org's id, so runs with the same seed get the same ids.
    #[arg(long, env = "ORGDIR_SEED", default_value_t = 0)]
    seed: u64,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "ORGDIR_LOG_JSON")]
    log_json: bool,
    /// The control plane's key (`/_orgdir/…`), at least 32 characters;
    /// generated and printed when unset. Prefer the environment or
    /// `--admin-key-file`: a command line is visible to other users in `ps`.
    #[arg(long, env = "ORGDIR_ADMIN_KEY", hide_env_values = true)]
    admin_key: Option<SecretString>,
    /// A file holding the control plane's key (surrounding whitespace ignored).
    #[arg(long, env = "ORGDIR_ADMIN_KEY_FILE", conflicts_with = "admin_key")]
    admin_key_file: Option<std::path::PathBuf>,
    /// Public base URL, sent as `api_domain` (default: http://<listen address>).
    #[arg(long, env = "ORGDIR_PUBLIC_URL")]
    public_url: Option<String>,
    /// Lifetime of OAuth access tokens, in seconds.
    #[arg(long, env = "ORGDIR_ACCESS_TOKEN_TTL", default_value_t = tokens::ACCESS_TOKEN_TTL,
          value_parser = clap::value_parser!(i64).range(1..=315_360_000))]
    access_token_ttl: i64,
    /// Lifetime of OAuth authorization codes, in seconds.
    #[arg(long, env = "ORGDIR_CODE_TTL", default_value_t = 120, value_parser = clap::value_parser!(i64).range(1..=3600))]
    code_ttl: i64,
    /// Seconds a client has to send a request's headers.
    #[arg(long, env = "ORGDIR_HEADER_READ_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_read_timeout: u64,
    /// Seconds a request may take in all (then 503 REQUEST_TIMEOUT).
    #[arg(long, env = "ORGDIR_REQUEST_TIMEOUT", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    request_timeout: u64,
    /// Connections served at once; more wait in the kernel's backlog.
    #[arg(long, env = "ORGDIR_MAX_CONNECTIONS", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: u64,
    /// `/oauth/*` calls allowed per minute from one address (0: no limit).
    #[arg(long, env = "ORGDIR_OAUTH_RATE_PER_ADDRESS", default_value_t = 600)]
    oauth_rate_per_address: u32,
    /// `/oauth/*` calls allowed per minute for one client_id (0: no limit).
    #[arg(long, env = "ORGDIR_OAUTH_RATE_PER_CLIENT", default_value_t = 300)]
    oauth_rate_per_client: u32,
    /// The consent page's user picker instead of a sign-in: anyone who
    /// reaches the page may approve as any active user. For scripted OAuth
    /// tests on a loopback address only.
    #[arg(long, env = "ORGDIR_CONSENT_PICKER")]
    consent_picker: bool,
    /// SQLite's `synchronous`: `normal` (a commit survives a crash of
    /// orgdir) or `full` (it also survives a power cut; slower writes).
    #[arg(long, env = "ORGDIR_SQLITE_SYNCHRONOUS", default_value = "normal",
          value_parser = ["normal", "full"])]
    sqlite_synchronous: String,
    /// Calls each org's request journal keeps in memory (the oldest go first).
    #[arg(long, env = "ORGDIR_JOURNAL_CAPACITY",
          default_value_t = orgdir_core::controls::journal::DEFAULT_CAPACITY as u64,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    journal_capacity: u64,
}

#[derive(Args)]
struct OrgArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// The org (default: the only org).
    #[arg(long, env = "ORGDIR_ORG")]
    org: Option<i64>,
}

#[derive(Args)]
struct TokenArgs {
    #[command(flatten)]
    target: OrgArgs,
    /// The user's email (default: the org's primary admin).
    #[arg(long)]
    user: Option<String>,
    /// Scopes, comma-separated, e.g. `ZohoCRM.users.READ,ZohoCRM.settings.ALL`.
    #[arg(long, required = true)]
    scopes: String,
    /// Lifetime in seconds; 0 means until revoked.
    #[arg(long, default_value_t = tokens::ACCESS_TOKEN_TTL)]
    expires_in: i64,
}

#[derive(Args)]
struct ConfirmArgs {
    #[command(flatten)]
    target: OrgArgs,
    /// The user's email.
    #[arg(long)]
    email: String,
}

impl Cli {
    /// Parses the process's arguments, noting where the admin key came from.
    pub fn parse_args() -> Self {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Self::command().get_matches();
        let mut cli = Self::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        cli.admin_key_on_command_line = matches
            .subcommand_matches("serve")
            .and_then(|m| m.value_source("admin_key"))
            == Some(clap::parser::ValueSource::CommandLine);
        cli
    }

    /// Runs the chosen command.
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Serve(args) => serve(args, self.admin_key_on_command_line).await,
            Command::Token(args) => token(args).await,
            Command::ConfirmUser(args) => confirm_user(args).await,
            Command::SetPassword(args) => set_password(args).await,
            Command::Export(args) => export(args).await,
            Command::Import(args) => import(args).await,
            Command::Client(ClientCommand::Create(args)) => create_client(args).await,
            Command::Seed(args) => seed(args).await,
            Command::Check(args) => check(args).await,
            Command::Api(args) => args.run().await,
        }
    }
}

async fn open(db: &DatabaseArgs) -> anyhow::Result<Arc<Directory>> {
    let store = orgdir_store::connect(&db.database_url)
        .await
        .with_context(|| format!("opening {}", orgdir_store::redact_url(&db.database_url)))?;
    Ok(Arc::new(Directory::new(store)))
}

/// The org named by `--org`, or the only one.
async fn pick_org(dir: &Directory, org: Option<i64>) -> anyhow::Result<OrgId> {
    if let Some(id) = org {
        let id = OrgId(id);
        orgs::get(dir, id)
            .await?
            .ok_or_else(|| anyhow!("no org {id}"))?;
        return Ok(id);
    }
    match orgs::list(dir).await?.as_slice() {
        [only] => Ok(only.id),
        [] => bail!("the database has no org yet: run `orgdir serve` once"),
        _ => bail!("the database has several orgs: name one with --org"),
    }
}

fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ORGDIR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn serve(args: ServeArgs, key_on_command_line: bool) -> anyhow::Result<()> {
    init_tracing(args.log_json);
    let (admin_key, generated) = admin_key(&args, key_on_command_line)?;
    if args.consent_picker {
        if !args.listen.ip().is_loopback() {
            bail!(
                "refusing to start: --consent-picker lets anyone approve as any user; \
                 it is allowed on a loopback address only, not {}",
                args.listen
            );
        }
        tracing::warn!(
            "--consent-picker is on: the consent page lets whoever reaches it approve as any active user"
        );
    }
    let synchronous = if args.sqlite_synchronous == "full" {
        orgdir_store::Synchronous::Full
    } else {
        orgdir_store::Synchronous::Normal
    };
    let store = orgdir_store::connect_with(&args.db.database_url, synchronous)
        .await
        .with_context(|| {
            format!(
                "opening {}",
                orgdir_store::redact_url(&args.db.database_url)
            )
        })?;
    let dir = Arc::new(Directory::new(store));
    tracing::info!(database = %orgdir_store::redact_url(&args.db.database_url), "database ready");
    if generated {
        println!(
            "orgdir: control plane admin key (generated; set ORGDIR_ADMIN_KEY or ORGDIR_ADMIN_KEY_FILE to choose one): {}",
            admin_key.expose()
        );
    }
    let config = orgdir_server::ServerConfig {
        listen: args.listen,
        public_url: args.public_url,
        admin_key,
        oauth: orgdir_core::service::oauth::OAuthConfig {
            access_ttl: args.access_token_ttl.max(1),
            code_ttl: args.code_ttl.max(1),
        },
        journal_capacity: usize::try_from(args.journal_capacity)
            .unwrap_or(orgdir_core::controls::journal::DEFAULT_CAPACITY),
        limits: orgdir_server::serve::Limits {
            header_read_timeout: std::time::Duration::from_secs(args.header_read_timeout),
            request_timeout: std::time::Duration::from_secs(args.request_timeout),
            max_connections: usize::try_from(args.max_connections).unwrap_or(1024),
        },
        consent_picker: args.consent_picker,
        oauth_rate: orgdir_server::rate_limit::Rates {
            per_address: std::num::NonZeroU32::new(args.oauth_rate_per_address),
            per_client: std::num::NonZeroU32::new(args.oauth_rate_per_client),
        },
    };
    let app = orgdir_server::Application::build_with(dir.clone(), config)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let addr = app.local_addr()?;
    if orgs::list(&dir).await?.is_empty() {
        let created = orgs::create_org(&dir, &orgs::NewOrg::demo(args.seed)).await?;
        print_demo(&created, addr);
    } else {
        println!("orgdir: serving existing orgs; mint a token with `orgdir token --scopes …`");
    }
    tracing::info!(%addr, "listening");
    app.run_until_stopped(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// The configured admin key (`--admin-key-file`, then `--admin-key`; an
/// empty one counts as none), else a generated one (then `true`).
fn admin_key(
    args: &ServeArgs,
    on_command_line: bool,
) -> anyhow::Result<(orgdir_server::AdminKey, bool)> {
    use orgdir_server::AdminKey;
    let text = match (&args.admin_key_file, &args.admin_key) {
        (Some(path), _) => std::fs::read_to_string(path)
            .with_context(|| format!("reading the admin key file {}", path.display()))?,
        (None, Some(key)) if !key.expose_secret().trim().is_empty() => {
            if on_command_line {
                tracing::warn!(
                    "--admin-key on the command line is visible to every user of this machine (ps); \
                     use ORGDIR_ADMIN_KEY or --admin-key-file"
                );
            }
            key.expose_secret().to_owned()
        }
        _ => return Ok((AdminKey::generate(), true)),
    };
    let key = AdminKey::parse(&text).map_err(|e| anyhow!("refusing to start: {e}"))?;
    Ok((key, false))
}

fn print_demo(created: &orgs::CreatedOrg, addr: SocketAddr) {
    let host = if addr.ip().is_unspecified() {
        format!("127.0.0.1:{}", addr.port())
    } else {
        addr.to_string()
    };
    println!(
        "orgdir: created the demo org {} ({})",
        created.org.id, created.org.name
    );
    println!("  primary admin user id: {}", created.admin_user_id);
    println!(
        "  access token (all scopes, shown once): {}",
        created.admin_token
    );
    println!("  dashboard (sign in with the admin key): http://{host}/_orgdir/ui/");
    println!("  try:");
    println!(
        "  curl -s http://{host}/crm/v8/users/actions/count -H 'Authorization: Zoho-oauthtoken {}'",
        created.admin_token
    );
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}

async fn token(args: TokenArgs) -> anyhow::Result<()> {
    let dir = open(&args.target.db).await?;
    let org = pick_org(&dir, args.target.org).await?;
    let user = match &args.user {
        Some(email) => users::find_by_email(&dir, org, email).await?,
        None => users::primary(&dir, org).await?,
    }
    .ok_or_else(|| anyhow!("no such user in org {org}"))?;
    let scopes = ScopeSet::parse(&args.scopes)?;
    if scopes.is_empty() {
        bail!("give at least one scope");
    }
    let ttl = (args.expires_in > 0).then_some(args.expires_in);
    let token = tokens::mint_access_token(&dir, org, user.user.id, scopes, ttl).await?;
    println!("{token}");
    Ok(())
}

async fn confirm_user(args: ConfirmArgs) -> anyhow::Result<()> {
    let dir = open(&args.target.db).await?;
    let org = pick_org(&dir, args.target.org).await?;
    let user = users::find_by_email(&dir, org, &args.email)
        .await?
        .ok_or_else(|| anyhow!("no such user in org {org}"))?;
    users::confirm(&dir, org, user.user.id).await?;
    println!("confirmed {}", user.user.email);
    Ok(())
}

async fn set_password(args: ConfirmArgs) -> anyhow::Result<()> {
    let password = match std::env::var("ORGDIR_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let dir = open(&args.target.db).await?;
    let org = pick_org(&dir, args.target.org).await?;
    let user = users::find_by_email(&dir, org, &args.email)
        .await?
        .ok_or_else(|| anyhow!("no such user in org {org}"))?;
    orgdir_core::service::passwords::set(&dir, org, user.user.id, Some(&password)).await?;
    println!("password set for {}", user.user.email);
    Ok(())
}

async fn export(args: OrgArgs) -> anyhow::Result<()> {
    let dir = open(&args.db).await?;
    let org = pick_org(&dir, args.org).await?;
    let doc = document::export(&dir, org).await?;
    println!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(())
}

async fn import(args: ImportArgs) -> anyhow::Result<()> {
    let text = if args.file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(&args.file)
            .with_context(|| format!("reading {}", args.file.display()))?
    };
    let doc = document::parse(&text)?;
    if args.check {
        document::validate(&doc)?;
        println!("the document is valid");
        return Ok(());
    }
    let dir = open(&args.db).await?;
    let org = document::import(&dir, &doc).await?;
    println!("imported org {} ({})", org.id, org.name);
    Ok(())
}

async fn create_client(args: ClientArgs) -> anyhow::Result<()> {
    let dir = open(&args.target.db).await?;
    let org = pick_org(&dir, args.target.org).await?;
    let scopes = ScopeSet::parse(
        args.scopes
            .as_deref()
            .unwrap_or(orgdir_core::scopes::ALL_SCOPES),
    )?;
    let made = orgdir_core::service::oauth::create_client(
        &dir,
        org,
        &args.name,
        args.redirect_uris,
        args.self_client,
        scopes,
        None,
    )
    .await?;
    println!("client_id={}", made.client.client_id);
    println!("client_secret={}", made.secret);
    Ok(())
}

/// An indicatif bar for the stages of a bulk write.
struct Bar(indicatif::ProgressBar);

impl document::Progress for Bar {
    fn report(&self, stage: &'static str, done: u64, total: u64) {
        self.0.set_message(stage);
        self.0.set_length(total);
        self.0.set_position(done);
    }
}

async fn seed(args: SeedArgs) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&args.nesting) {
        bail!("--nesting must be between 0 and 1");
    }
    let spec = orgdir_core::seed::SeedSpec {
        seed: args.seed,
        users: args.users,
        roles: args.roles,
        territories: args.territories,
        groups: args.groups,
        nesting: args.nesting,
    };
    let dir = open(&args.db).await?;
    let bar = if args.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(1)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} {msg:>12} [{bar:40}] {pos}/{len}",
        )?
        .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let org = document::import_seeded(&dir, &spec, Arc::new(Bar(bar.clone()))).await?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    let store = dir.store();
    let counts = orgs::user_counts(&dir, org.id).await?;
    let groups = store.groups(org.id, None, 0, u64::MAX >> 1).await?.value;
    let members: u64 = groups.iter().map(|g| g.group.member_count).sum();
    let memberships = store.all_memberships(org.id).await?.len();
    use orgdir_types::users::UserType;
    println!(
        "seeded org {} ({}) in {:.1} s",
        org.id,
        org.name,
        elapsed.as_secs_f64()
    );
    println!(
        "  users: {} ({} active, {} disabled, {} deleted, {} unconfirmed, {} admins)",
        counts.count(UserType::AllUsers),
        counts.count(UserType::ActiveUsers),
        counts.count(UserType::DeactiveUsers),
        counts.count(UserType::DeletedUsers),
        counts.count(UserType::NotConfirmedUsers),
        counts.count(UserType::AdminUsers),
    );
    println!(
        "  roles: {}, territories: {} ({memberships} memberships), groups: {} ({members} memberships in all)",
        spec.roles.max(1),
        spec.territories.max(1),
        groups.len()
    );
    println!(
        "  token: orgdir token --org {} --scopes ZohoCRM.users.ALL,ZohoCRM.settings.ALL",
        org.id
    );
    Ok(())
}

async fn check(args: CheckArgs) -> anyhow::Result<()> {
    let dir = open(&args.db).await?;
    let orgs = match args.org {
        Some(id) => vec![pick_org(&dir, Some(id)).await?],
        None => orgs::list(&dir).await?.into_iter().map(|o| o.id).collect(),
    };
    let mut differences = 0;
    for org in orgs {
        let started = std::time::Instant::now();
        let drifts = orgdir_core::check::check(&dir, org).await?;
        for drift in &drifts {
            println!("org {org}: {drift}");
        }
        println!(
            "org {org}: {} differences ({:.2} s)",
            drifts.len(),
            started.elapsed().as_secs_f64()
        );
        differences += drifts.len();
    }
    if differences > 0 {
        bail!("{differences} maintained counts differ from a recount");
    }
    Ok(())
}
