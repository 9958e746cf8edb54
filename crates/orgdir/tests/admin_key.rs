//! `orgdir serve`'s admin key (issue 16): a short key is refused at start-up
//! with a clear message, before anything is opened or bound (the listen
//! address here cannot be bound, so a server that ignored the key fails
//! otherwise).

use std::io::Write;
use std::process::{Command, Stdio};

fn serve_with(env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().expect("dir");
    let mut command = Command::new(env!("CARGO_BIN_EXE_orgdir"));
    command
        .args(["serve", "--database-url"])
        .arg(format!("sqlite://{}/never.db", dir.path().display()))
        .args(args)
        .args(if args.contains(&"--listen") {
            &[][..]
        } else {
            &["--listen", "192.0.2.1:1"][..]
        })
        .env_remove("ORGDIR_ADMIN_KEY")
        .env_remove("ORGDIR_ADMIN_KEY_FILE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run orgdir serve")
}

#[test]
fn a_short_admin_key_is_refused_at_start_up() {
    for (env, args) in [
        (vec![("ORGDIR_ADMIN_KEY", "k")], vec![]),
        (vec![], vec!["--admin-key", "short-but-not-32-characters"]),
    ] {
        let out = serve_with(&env, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{env:?} {args:?} started");
        assert!(stderr.contains("at least 32"), "{env:?} {args:?}: {stderr}");
    }
}

#[test]
fn a_short_key_in_a_file_is_refused_and_named() {
    let path = std::env::temp_dir().join(format!("orgdir-key-{}", std::process::id()));
    let mut file = std::fs::File::create(&path).expect("key file");
    writeln!(file, "tiny").expect("write");
    let out = serve_with(
        &[("ORGDIR_ADMIN_KEY_FILE", path.to_str().expect("utf-8"))],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("at least 32"), "{stderr}");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn the_consent_picker_is_refused_on_a_network_address() {
    let out = serve_with(
        &[(
            "ORGDIR_ADMIN_KEY",
            "a-long-enough-admin-key-0123456789abcdef",
        )],
        &["--consent-picker", "--listen", "0.0.0.0:1"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("loopback"), "{stderr}");
}
