//! Flow 1 at scale: the Odoo emulator with a generated catalog runs in its own process, and
//! `adlerdo sync products` imports it into a fresh SQLite and PostgreSQL database: wall time, the
//! hub process's peak RSS, RPC calls and bytes; then one product changes and an incremental sync
//! runs.
//!
//!     cargo bench --bench products          # PRODUCTS=100000 by default

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "5a6e64626f785f6b65795f666f725f61646c6572";

fn post_json(base: &str, body: &str) -> String {
    let host = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(
        s,
        "POST /jsonrpc HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// Runs `adlerdo sync products` against the emulator; returns (wall time, peak RSS in kB, output).
fn sync(odoo: &str, database_url: &str, full: bool, overlap: u64) -> (Duration, u64, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_adlerdo"));
    cmd.args(["sync", "products"]).current_dir(dir.path());
    if full {
        cmd.arg("--full");
    }
    let started = Instant::now();
    let mut child = cmd
        .env("ADLERDO_MODE", "live")
        .env("ADLERDO_DATABASE__URL", database_url)
        .env("ADLERDO_ODOO__URL", odoo)
        .env("ADLERDO_ODOO__DATABASE", "odoo")
        .env("ADLERDO_ODOO__LOGIN", "admin")
        .env("ADLERDO_ODOO__API_KEY", KEY)
        .env("ADLERDO_ODOO__OVERLAP_SECS", overlap.to_string())
        .env("ADLERDO_LOG__LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut peak = 0;
    loop {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            for line in status.lines().filter(|l| l.starts_with("VmHWM:")) {
                peak = peak.max(
                    line.split_whitespace()
                        .nth(1)
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0),
                );
            }
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    (elapsed, peak, out.trim().to_string())
}

fn main() {
    let n: usize = std::env::var("PRODUCTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut sim = Command::new(env!("CARGO_BIN_EXE_adlerdo"))
        .args(["sim", "odoo", "--port", "0", "--catalog", &n.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    BufReader::new(sim.stdout.take().unwrap())
        .read_line(&mut banner)
        .unwrap();
    let odoo = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    println!("Odoo emulator with {n} generated products (plus the demo catalog) at {odoo}");

    for (backend, db) in [
        ("sqlite", common::BenchDb::sqlite()),
        ("postgres", common::BenchDb::postgres()),
    ] {
        let (t, rss, out) = sync(&odoo, &db.url, true, 300);
        println!(
            "{backend:>8}  full import: {:.1} s, peak RSS {:.1} MB\n          {out}",
            t.as_secs_f64(),
            rss as f64 / 1024.0
        );
        // One product changes in Odoo, a second later; the incremental sync starts at the cursor.
        std::thread::sleep(Duration::from_millis(1100));
        let answer = post_json(
            &odoo,
            &format!(
                r#"{{"jsonrpc":"2.0","params":{{"service":"object","method":"execute_kw","args":["odoo",2,"{KEY}","product.product","write",[[{}],{{"standard_price":9.99}}]]}}}}"#,
                n / 2
            ),
        );
        assert!(answer.contains("\"result\":true"), "{answer}");
        let (t, _, out) = sync(&odoo, &db.url, false, 0);
        println!(
            "{backend:>8}  incremental, 1 changed product: {:.2} s\n          {out}",
            t.as_secs_f64()
        );
    }
    let _ = sim.kill();
    let _ = sim.wait();
}
