//! `serve` cold start to a healthy `/health` (a fresh database each run, so migrations are
//! applied), idle memory, and shutdown time, on SQLite and PostgreSQL.
//!
//!     cargo bench --bench startup          # RUNS=20 by default

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn health_ok(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    if s.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    s.read_to_string(&mut answer).is_ok() && answer.starts_with("HTTP/1.1 200")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

struct Run {
    start: Duration,
    rss_kb: u64,
    hwm_kb: u64,
    stop: Duration,
}

fn one(database_url: &str, idle: Duration) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let started = Instant::now();
    let mut child: Child = Command::new(env!("CARGO_BIN_EXE_adlerdo"))
        .current_dir(dir.path())
        .env("ADLERDO_SERVER__PORT", port.to_string())
        .env("ADLERDO_DATABASE__URL", database_url)
        .env("ADLERDO_LOG__LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while !health_ok(port) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no healthy /health"
        );
        std::thread::sleep(Duration::from_micros(500));
    }
    let start = started.elapsed();
    let stdout = child.stdout.take().unwrap();
    let drain = std::thread::spawn(move || BufReader::new(stdout).lines().count());
    std::thread::sleep(idle);
    let pid = child.id();
    let (rss_kb, hwm_kb) = (status_kb(pid, "VmRSS:"), status_kb(pid, "VmHWM:"));
    let stopping = Instant::now();
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    let stop = stopping.elapsed();
    drain.join().unwrap();
    Run {
        start,
        rss_kb,
        hwm_kb,
        stop,
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(backend: &str, runs: &[Run]) {
    let mut starts: Vec<Duration> = runs.iter().map(|r| r.start).collect();
    starts.sort();
    let mut stops: Vec<Duration> = runs.iter().map(|r| r.stop).collect();
    stops.sort();
    let max_rss = runs.iter().map(|r| r.rss_kb).max().unwrap_or(0);
    let max_hwm = runs.iter().map(|r| r.hwm_kb).max().unwrap_or(0);
    println!(
        "{backend:>8}  cold start to healthy /health: median {:.1} ms, p90 {:.1} ms, max {:.1} ms   \
         idle RSS max {:.1} MB (peak {:.1} MB)   SIGTERM to exit: median {:.1} ms",
        pct(&starts, 0.5),
        pct(&starts, 0.9),
        pct(&starts, 1.0),
        max_rss as f64 / 1024.0,
        max_hwm as f64 / 1024.0,
        pct(&stops, 0.5),
    );
}

fn main() {
    let n: usize = std::env::var("RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let idle = Duration::from_millis(1500);
    let sqlite: Vec<Run> = (0..n)
        .map(|_| {
            let db = common::BenchDb::sqlite();
            one(&db.url, idle)
        })
        .collect();
    report("sqlite", &sqlite);
    let pg: Vec<Run> = (0..n)
        .map(|_| {
            let db = common::BenchDb::postgres();
            one(&db.url, idle)
        })
        .collect();
    report("postgres", &pg);
}
