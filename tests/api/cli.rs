//! The real binary: start-up errors, configuration checks, migrations, SIGTERM.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{Backend, TestDb};

/// The binary in an empty directory with no ADLERDO_* variables but `env`.
fn adlerdo(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_adlerdo"));
    cmd.args(args).current_dir(dir).env_remove("RUST_LOG");
    for (key, _) in std::env::vars() {
        if key.starts_with("ADLERDO_") {
            cmd.env_remove(key);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    adlerdo(dir.path(), args, env).output().unwrap()
}

fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Exits non-zero with exactly the given problems, one `error:` line each, and no panic.
fn assert_fails_with(out: &Output, needles: &[&str]) {
    assert!(!out.status.success(), "should fail: {out:?}");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!text.contains("panicked"), "{text}");
    let errors: Vec<String> = stderr_lines(out)
        .into_iter()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), needles.len(), "one line per problem: {text}");
    for needle in needles {
        assert!(
            errors.iter().any(|l| l.contains(needle)),
            "no error line with {needle:?}: {text}"
        );
    }
}

#[test]
fn version_and_default_config_check() {
    let out = run(&["version"], &[]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("adlerdo {}", env!("CARGO_PKG_VERSION"))
    );
    let out = run(&["check-config"], &[]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("configuration ok: sandbox mode"), "{text}");
}

#[test]
fn check_config_lists_every_problem() {
    let out = run(
        &["check-config"],
        &[
            ("ADLERDO_MODE", "live"),
            ("ADLERDO_JOBS__MAX_ATTEMPTS", "0"),
            ("ADLERDO_ODOO__URL", "odoo:8069"),
        ],
    );
    assert_fails_with(
        &out,
        &[
            "jobs.max_attempts",
            "odoo.url",
            "odoo.database",
            "odoo.login",
            "odoo.api_key",
        ],
    );
}

#[test]
fn a_value_of_the_wrong_type_names_setting_and_variable() {
    let out = run(&["check-config"], &[("ADLERDO_SERVER__PORT", "http")]);
    assert_fails_with(&out, &["server.port: invalid type"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("ADLERDO_SERVER__PORT"));
}

#[test]
fn a_broken_config_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("adlerdo.toml"), "[server\nport = 1").unwrap();
    let out = adlerdo(dir.path(), &["check-config"], &[])
        .output()
        .unwrap();
    assert_fails_with(&out, &["adlerdo.toml"]);
    let out = adlerdo(dir.path(), &["--config", "missing.toml", "serve"], &[])
        .output()
        .unwrap();
    assert_fails_with(&out, &["missing.toml: not found"]);
}

#[test]
fn unknown_database_scheme() {
    let out = run(
        &["serve"],
        &[("ADLERDO_DATABASE__URL", "mysql://root:pw@localhost/hub")],
    );
    assert_fails_with(&out, &["database.url: unsupported scheme \"mysql\""]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("pw@"),
        "password shown"
    );
}

#[test]
fn unreachable_database() {
    let started = Instant::now();
    let out = run(
        &["serve"],
        &[
            (
                "ADLERDO_DATABASE__URL",
                "postgres://hub:secret@127.0.0.1:1/hub",
            ),
            ("ADLERDO_DATABASE__CONNECT_TIMEOUT_SECS", "2"),
        ],
    );
    assert_fails_with(
        &out,
        &["database.url: cannot connect to postgres://hub:***@127.0.0.1:1/hub"],
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("secret"));
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn port_in_use() {
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let out = run(&["serve"], &[("ADLERDO_SERVER__PORT", &port)]);
    assert_fails_with(
        &out,
        &[&format!("server.port: cannot listen on 127.0.0.1:{port}")],
    );
}

#[test]
fn migrate_applies_once() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let db = TestDb::new(backend);
        let out = run(&["migrate"], &[("ADLERDO_DATABASE__URL", &db.url)]);
        assert!(out.status.success(), "{out:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("applied 20261127000001"),
            "{out:?}"
        );
        let out = run(&["migrate"], &[("ADLERDO_DATABASE__URL", &db.url)]);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("schema up to date"),
            "{out:?}"
        );
    }
}

/// With no configuration at all: sandbox banner, a healthy service, a clean exit on SIGTERM.
#[test]
fn serve_in_sandbox_and_stop_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = adlerdo(dir.path(), &[], &[("ADLERDO_SERVER__PORT", "0")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    let mut health_url = None;
    for line in stdout.by_ref() {
        let line = line.unwrap();
        banner.push(line.clone());
        if let Some(url) = line.trim().strip_prefix("health:") {
            health_url = Some(url.trim().to_string());
            break;
        }
    }
    assert!(banner[0].contains("SANDBOX mode"), "{banner:?}");
    let rest = std::thread::spawn(move || stdout.map_while(Result::ok).collect::<Vec<_>>());
    let health_url = health_url.expect("banner names the health URL");
    let answer = http_get(&health_url);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"status\":\"ok\""), "{answer}");
    assert!(
        dir.path().join("adlerdo-data/adlerdo.db").is_file(),
        "default SQLite file in the data dir"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status after SIGTERM: {status:?}");
            break;
        }
        assert!(Instant::now() < deadline, "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    let rest = rest.join().unwrap();
    assert!(
        rest.iter()
            .any(|l| l.contains("database: sqlite://adlerdo-data/adlerdo.db")),
        "{rest:?}"
    );
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(
        err.contains("SIGTERM received") && err.contains("stopped"),
        "{err}"
    );
}

/// A plain HTTP/1.1 GET over a socket; returns the whole answer.
fn http_get(url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn jobs_are_listed_and_dead_ones_retried() {
    let dir = tempfile::tempdir().unwrap();
    let out = adlerdo(dir.path(), &["jobs", "list"], &[])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "no jobs");
    let out = adlerdo(dir.path(), &["jobs", "list", "--state", "stuck"], &[])
        .output()
        .unwrap();
    assert_fails_with(
        &out,
        &["--state: \"stuck\" is not one of queued, running, done, dead"],
    );
    let out = adlerdo(dir.path(), &["jobs", "retry"], &[])
        .output()
        .unwrap();
    assert_fails_with(&out, &["no job to retry"]);
    let out = adlerdo(dir.path(), &["jobs", "retry", "42"], &[])
        .output()
        .unwrap();
    assert_fails_with(&out, &["job 42 is not a dead job"]);
}

#[test]
fn sync_orders_runs_the_flow_once_in_sandbox_mode() {
    let dir = tempfile::tempdir().unwrap();
    let out = adlerdo(
        dir.path(),
        &["sync", "orders"],
        &[("ADLERDO_LOG__LEVEL", "warn")],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("orders done in "), "{text}");
    assert!(text.contains("by_state"), "{text}");
    let out = adlerdo(dir.path(), &["jobs", "list", "--state", "done"], &[])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("orders.poll"), "{listed}");
}
