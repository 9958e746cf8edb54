//! `orgdir api` (issue 17): the command line prints the numbers the API
//! answers, and builds Zoho's requests exactly as the seed pages show them.

mod common;

use axum::extract::Request;
use axum::response::IntoResponse;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

const SCOPES: &str = "ZohoCRM.users.READ,ZohoCRM.settings.ALL,ZohoCRM.features.READ";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../orgdir-testkit/fixtures")
}

/// Runs `orgdir api ARGS…` and returns its standard output, asserting success.
fn api(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .arg("api")
        .args(args)
        .envs(env.iter().copied())
        .env_remove("ZOHO_API_DOMAIN")
        .env_remove("ZOHO_TOKEN")
        .output()
        .expect("run orgdir api");
    assert!(
        out.status.success(),
        "orgdir api {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn orgdir(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .args(args)
        .output()
        .expect("run orgdir");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_prints_what_the_api_answers() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}", dir.path().join("orgdir.db").display());
    let document = fixtures().join("user-groups/org.json");
    orgdir(&[
        "import",
        "--database-url",
        &url,
        document.to_str().expect("path"),
    ]);
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&document).expect("doc")).expect("json");
    let org = doc["org"]["id"].as_str().expect("org id").to_owned();
    let token = orgdir(&[
        "token",
        "--database-url",
        &url,
        "--org",
        &org,
        "--scopes",
        SCOPES,
    ]);
    let server = common::start(&url);
    let http = reqwest::Client::new();
    common::wait_ready(&http, &server.base).await;
    let base = server.base.clone();
    let group = doc["user_groups"][0]["id"]
        .as_str()
        .expect("group")
        .to_owned();

    for (args, path) in [
        (vec!["users", "count"], "users/actions/count".to_owned()),
        (
            vec!["users", "count", "--type", "ActiveUsers"],
            "users/actions/count?type=ActiveUsers".to_owned(),
        ),
        (
            vec!["groups", "count"],
            "settings/user_groups/actions/associated_users_count".to_owned(),
        ),
        (
            vec!["groups", "count", "--page", "1", "--per-page", "2"],
            "settings/user_groups/actions/associated_users_count?page=1&per_page=2".to_owned(),
        ),
        (
            vec!["groups", "sources-count", group.as_str()],
            format!("settings/user_groups/{group}/actions/sources_count"),
        ),
        (
            vec!["territories", "count"],
            "settings/territories/actions/associated_users_count".to_owned(),
        ),
        (vec!["licences"], "__features/user_licenses".to_owned()),
    ] {
        let wanted = common::get(&http, &token, format!("{base}/crm/v8/{path}")).await;
        let flags = [
            "--api-domain",
            base.as_str(),
            "--token",
            token.as_str(),
            "--json",
        ];
        let printed: Value =
            serde_json::from_str(&api(&[&flags[..], &args[..]].concat(), &[])).expect("JSON out");
        assert_eq!(printed, wanted, "orgdir api {args:?}");
        // The table shows the same numbers.
        let table = api(&[&flags[..4], &args[..]].concat(), &[]);
        for number in numbers(&wanted) {
            assert!(
                table.contains(&number),
                "{args:?}: {number} not in\n{table}"
            );
        }
    }
    // The token and domain from the environment, as scripts give them.
    let env = [
        ("ZOHO_API_DOMAIN", base.as_str()),
        ("ZOHO_TOKEN", token.as_str()),
    ];
    let counted = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .args(["api", "users", "count", "--json"])
        .envs(env)
        .output()
        .expect("run");
    assert!(counted.status.success());
    let wanted = common::get(&http, &token, format!("{base}/crm/v8/users/actions/count")).await;
    assert_eq!(
        serde_json::from_slice::<Value>(&counted.stdout).expect("json"),
        wanted
    );
    // A refused call fails with Zoho's code on standard error.
    let refused = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .args([
            "api",
            "--api-domain",
            &base,
            "--token",
            "1000.nope.nope",
            "licences",
        ])
        .env_remove("ZOHO_TOKEN")
        .output()
        .expect("run");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("INVALID_TOKEN"));
}

/// Every count in a JSON answer, as text.
fn numbers(value: &Value) -> Vec<String> {
    match value {
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| match v {
                Value::Number(n) if k != "per_page" && k != "page" => vec![n.to_string()],
                Value::String(s) if k == "count" => vec![s.clone()],
                other => numbers(other),
            })
            .collect(),
        Value::Array(items) => items.iter().flat_map(numbers).collect(),
        _ => Vec::new(),
    }
}

/// What the recorder saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    authorization: Option<String>,
}

/// A server that records each request and answers `answer`.
async fn recorder(answer: Value) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = axum::Router::new().fallback(move |request: Request| {
        let log = log.clone();
        let answer = answer.clone();
        async move {
            let uri = request.uri();
            log.lock().expect("log").push(Seen {
                method: request.method().to_string(),
                path: uri.path().to_owned(),
                query: url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                    .into_owned()
                    .collect(),
                authorization: request
                    .headers()
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            });
            axum::Json(answer).into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (format!("http://{addr}"), seen)
}

/// The seed pages' sample requests (copied; checked against the pages when
/// `../shared/seeds` is beside the repository), what `orgdir api` is asked,
/// and the sample answer it must print.
const SAMPLES: [(&str, &str, &[&str], &str); 5] = [
    (
        "000_",
        "https://www.zohoapis.com/crm/v7/settings/user_groups/3652397000009952001/actions/sources_count",
        &["--api-version", "v7", "groups", "sources-count", "3652397000009952001"],
        "seed-000/expected.json",
    ),
    (
        "001_",
        "https://www.zohoapis.com/crm/v7/settings/user_groups/actions/associated_users_count?filters=%7B%22group_operator%22%3A%20%22or%22%2C%22group%22%3A%20%5B%7B%22field%22%3A%20%7B%22api_name%22%3A%20%22name%22%7D%2C%22comparator%22%3A%20%22equal%22%2C%22value%22%3A%20%22Tier1%22%7D%2C%7B%22field%22%3A%20%7B%22api_name%22%3A%20%22name%22%7D%2C%22comparator%22%3A%20%22equal%22%2C%22value%22%3A%20%22Tier2%22%7D%5D%7D",
        &[
            "--api-version", "v7", "groups", "count", "--filter",
            r#"{"group_operator": "or","group": [{"field": {"api_name": "name"},"comparator": "equal","value": "Tier1"},{"field": {"api_name": "name"},"comparator": "equal","value": "Tier2"}]}"#,
        ],
        "seed-001/expected.json",
    ),
    (
        "002_",
        "https://www.zohoapis.com/crm/v7/users/actions/count",
        &["--api-version", "v7", "users", "count"],
        "seed-002/expected.json",
    ),
    (
        "003_",
        "https://www.zohoapis.com/crm/v7/settings/territories/actions/associated_users_count",
        &["--api-version", "v7", "territories", "count"],
        "seed-003/expected.json",
    ),
    (
        "004_",
        "https://www.zohoapis.com/crm/v8/__features/user_licenses",
        &["licences"],
        "seed-004/expected.json",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_built_as_the_seed_pages_show_them() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds");
    for (prefix, sample_url, args, expected) in SAMPLES {
        if let Some(page) = std::fs::read_dir(&seeds).ok().and_then(|entries| {
            entries
                .filter_map(Result::ok)
                .find(|e| e.file_name().to_string_lossy().starts_with(prefix))
        }) {
            let text = std::fs::read_to_string(page.path()).expect("seed page");
            assert!(
                text.contains(sample_url),
                "{prefix}: sample URL differs from the page"
            );
        }
        let answer: Value = serde_json::from_str(
            &std::fs::read_to_string(fixtures().join(expected)).expect("expected"),
        )
        .expect("json");
        let (base, seen) = recorder(answer.clone()).await;
        let flags = [
            "--api-domain",
            base.as_str(),
            "--token",
            "1000.sample",
            "--json",
        ];
        let printed: Value =
            serde_json::from_str(&api(&[&flags[..], args].concat(), &[])).expect("JSON out");
        assert_eq!(
            printed, answer,
            "{prefix}: the sample answer, printed as sent"
        );

        let sample = url::Url::parse(sample_url).expect("sample url");
        let seen = seen.lock().expect("seen").clone();
        assert_eq!(seen.len(), 1, "{prefix}: one request");
        let got = &seen[0];
        assert_eq!(got.method, "GET");
        assert_eq!(got.path, sample.path(), "{prefix}");
        assert_eq!(
            got.authorization.as_deref(),
            Some("Zoho-oauthtoken 1000.sample")
        );
        let wanted: Vec<(String, Value)> = sample
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), json_or_text(&v)))
            .collect();
        let sent: Vec<(String, Value)> = got
            .query
            .iter()
            .map(|(k, v)| (k.clone(), json_or_text(v)))
            .collect();
        assert_eq!(sent, wanted, "{prefix}: the query, parameter by parameter");
    }
}

/// A parameter's value: its JSON when it is JSON (`filters`), else its text.
fn json_or_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// A server with a consent page user picker and an API client registered
/// with `client` (the control plane's body), and a configuration folder for
/// the command line.
struct LoginSetup {
    server: common::Replica,
    client: Value,
    config: tempfile::TempDir,
    _db: tempfile::TempDir,
}

impl LoginSetup {
    async fn start(client: Value) -> Self {
        let db = tempfile::tempdir().expect("tmp");
        let url = format!("sqlite://{}", db.path().join("orgdir.db").display());
        let server = common::start(&url);
        let http = reqwest::Client::new();
        common::wait_ready(&http, &server.base).await;
        let org = common::first_org(&http, &server.base).await;
        let client = common::admin(
            &http,
            reqwest::Method::POST,
            format!("{}/_orgdir/orgs/{org}/clients", server.base),
            Some(client),
        )
        .await;
        LoginSetup {
            server,
            client,
            config: tempfile::tempdir().expect("config"),
            _db: db,
        }
    }

    /// The environment `orgdir api` runs with: the folder and the client.
    fn env(&self) -> [(&str, &str); 3] {
        [
            (
                "ORGDIR_CONFIG_DIR",
                self.config.path().to_str().expect("path"),
            ),
            (
                "ZOHO_CLIENT_ID",
                self.client["client_id"].as_str().expect("id"),
            ),
            (
                "ZOHO_CLIENT_SECRET",
                self.client["client_secret"].as_str().expect("secret"),
            ),
        ]
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_keeps_a_refresh_token_readable_by_the_user_only_and_renews_by_itself() {
    let setup = LoginSetup::start(serde_json::json!({"name": "CLI", "self_client": true})).await;
    let env = setup.env();
    let base = setup.server.base.clone();
    let org = common::first_org(&reqwest::Client::new(), &base).await;
    let config = &setup.config;
    let said = api(
        &["login", "--accounts-url", &base, "--self-client", &org],
        &env,
    );
    assert!(said.contains("signed in"), "{said}");
    let kept = config.path().join("credentials.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kept).expect("kept").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable by the user only");
    }
    // Calls use the kept token and domain.
    let printed: Value =
        serde_json::from_str(&api(&["users", "count", "--json"], &env)).expect("json");
    assert_eq!(printed["count"], 1);
    // An expired token is renewed by itself.
    let mut credentials: Value =
        serde_json::from_str(&std::fs::read_to_string(&kept).expect("read")).expect("json");
    let old = credentials["access_token"].clone();
    credentials["expires_at"] = Value::from(0);
    std::fs::write(&kept, credentials.to_string()).expect("write");
    let printed: Value = serde_json::from_str(&api(&["licences", "--json"], &env)).expect("json");
    assert_eq!(
        printed["__features"][0]["details"]["used_count"]["total"],
        1
    );
    let renewed: Value =
        serde_json::from_str(&std::fs::read_to_string(&kept).expect("read")).expect("json");
    assert_ne!(renewed["access_token"], old);
    assert!(api(&["logout"], &env).contains("forgot"));
    assert!(!kept.exists());
}

/// `orgdir api login` with neither `--code` nor `--self-client`: it prints
/// the authorization URL, the user signs in there and pastes the code of
/// the page they are sent to; the refresh token it keeps renews an expired
/// access token by itself. An empty paste is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_by_pasting_the_code_of_the_authorization_flow() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    const REDIRECT: &str = "http://localhost";
    let setup =
        LoginSetup::start(serde_json::json!({"name": "CLI", "redirect_uris": [REDIRECT]})).await;
    let env = setup.env();
    let (server, client, config) = (&setup.server, &setup.client, &setup.config);
    let base = server.base.clone();
    let http = reqwest::Client::new();
    let login = |env: &[(&str, &str)]| {
        Command::new(env!("CARGO_BIN_EXE_orgdir"))
            .args(["api", "login", "--accounts-url", &base])
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("orgdir api login")
    };

    let mut child = login(&env);
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut printed = String::new();
    let authorize = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).expect("read") > 0,
            "no URL printed: {printed}"
        );
        printed.push_str(&line);
        if line.starts_with("http") {
            break reqwest::Url::parse(line.trim()).expect("url");
        }
    };
    assert_eq!(authorize.path(), "/oauth/v2/auth");
    let query: std::collections::HashMap<String, String> =
        authorize.query_pairs().into_owned().collect();
    assert_eq!(
        query["client_id"],
        client["client_id"].as_str().expect("id")
    );
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["access_type"], "offline");
    assert_eq!(query["redirect_uri"], REDIRECT);
    assert!(!query["state"].is_empty(), "a state: {authorize}");

    // The person at the browser: the consent page (its user picker) sends
    // them to the redirect URI with the code.
    let token = server.token.clone().expect("demo token");
    let me = common::get(
        &http,
        &token,
        format!("{base}/crm/v8/users?type=CurrentUser"),
    )
    .await;
    let user = me["users"][0]["id"].as_str().expect("me").to_owned();
    let code = common::approve(
        &base,
        &[
            ("client_id", query["client_id"].as_str()),
            ("redirect_uri", query["redirect_uri"].as_str()),
            ("scope", query["scope"].as_str()),
            ("state", query["state"].as_str()),
        ],
        &user,
    )
    .await;
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(stdin, "{code}").expect("paste");
    drop(stdin);
    let out = child.wait_with_output().expect("login");
    assert!(out.status.success(), "{printed}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("signed in"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let kept = config.path().join("credentials.json");
    let mut credentials: Value =
        serde_json::from_str(&std::fs::read_to_string(&kept).expect("read")).expect("json");
    assert!(credentials["refresh_token"].is_string(), "{credentials}");
    let printed: Value =
        serde_json::from_str(&api(&["users", "count", "--json"], &env)).expect("json");
    assert_eq!(printed["count"], 1);
    // Expired: renewed with the refresh token.
    let old = credentials["access_token"].clone();
    credentials["expires_at"] = Value::from(0);
    std::fs::write(&kept, credentials.to_string()).expect("write");
    let printed: Value =
        serde_json::from_str(&api(&["users", "count", "--json"], &env)).expect("json");
    assert_eq!(printed["count"], 1);
    let renewed: Value =
        serde_json::from_str(&std::fs::read_to_string(&kept).expect("read")).expect("json");
    assert_ne!(renewed["access_token"], old);
    assert_eq!(renewed["refresh_token"], credentials["refresh_token"]);

    // Nothing pasted: refused, nothing kept.
    assert!(api(&["logout"], &env).contains("forgot"));
    let mut child = login(&env);
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("login");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no code given"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!kept.exists());
}
