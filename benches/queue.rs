//! Job queue throughput: jobs enqueued by a producer while the real runner (2 workers) claims,
//! runs (a no-op job) and completes them, on SQLite and on PostgreSQL.
//!
//!     cargo bench --bench queue            # JOBS=20000 by default
//!
//! Prints jobs/s for the whole cycle (with one or four producers enqueueing one job at a time,
//! and with batched enqueues), and for enqueue alone and claim + complete alone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use adlerdo::config::{JobSettings, Settings};
use adlerdo::db::{DatabaseUrl, Db, migrations};
use adlerdo::jobs::{Job, Queue, Registry, Runner, queue};
use adlerdo::metrics::Metrics;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

#[derive(Serialize, Deserialize)]
struct Noop {
    n: u32,
}

impl Job for Noop {
    const KIND: &'static str = "bench.noop";
    type Context = ();
    async fn run(self, _: ()) -> anyhow::Result<()> {
        Ok(())
    }
}

fn connect(url: &str) -> Db {
    let mut settings = Settings::default().database;
    settings.pool_size = 8;
    let db = Db::connect(DatabaseUrl::parse(url).unwrap(), &settings).unwrap();
    migrations::run_pending(&mut db.get().unwrap()).unwrap();
    db
}

fn job_settings() -> JobSettings {
    JobSettings {
        workers: 2,
        poll_interval_ms: 50,
        ..JobSettings::default()
    }
}

async fn wait_done(db: &Db, total: i64) {
    loop {
        let counts = db.run(queue::counts).await.unwrap();
        let done: i64 = counts
            .iter()
            .filter(|(_, s, _)| s == "done")
            .map(|(_, _, n)| n)
            .sum();
        if done >= total {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn start_runner(db: &Db) -> (CancellationToken, adlerdo::jobs::runner::RunnerHandle) {
    let s = job_settings();
    let shutdown = CancellationToken::new();
    let handle = Runner::new(
        Queue::new(db.clone(), &s),
        Registry::default().register::<Noop>(),
        (),
        s,
        Arc::new(Metrics::new("bench")),
    )
    .start(shutdown.clone());
    (shutdown, handle)
}

#[derive(Clone, Copy)]
enum Producers {
    /// `n` tasks, each enqueueing one job at a time (like concurrent API requests).
    Single(u32),
    /// One task enqueueing batches of this many jobs in one transaction.
    Batch(u32),
}

/// Enqueues `jobs` jobs as `producers` says while 2 workers run them; returns the wall time
/// until all are done.
async fn cycle(db: &Db, jobs: u32, producers: Producers) -> Duration {
    let q = Queue::new(db.clone(), &job_settings());
    let (shutdown, handle) = start_runner(db).await;
    let started = Instant::now();
    let mut tasks = Vec::new();
    match producers {
        Producers::Single(n) => {
            for p in 0..n {
                let q = q.clone();
                tasks.push(tokio::spawn(async move {
                    for i in (p..jobs).step_by(n as usize) {
                        q.enqueue(&Noop { n: i }).await.unwrap();
                    }
                }));
            }
        }
        Producers::Batch(size) => {
            let q = q.clone();
            tasks.push(tokio::spawn(async move {
                for start in (0..jobs).step_by(size as usize) {
                    let rows = (start..(start + size).min(jobs))
                        .map(|i| q.new_job(&Noop { n: i }).unwrap())
                        .collect();
                    q.enqueue_many(rows).await.unwrap();
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    wait_done(db, i64::from(jobs)).await;
    let elapsed = started.elapsed();
    shutdown.cancel();
    handle.join().await;
    db.write(|c| queue::purge_done(c, i64::MAX)).await.unwrap();
    elapsed
}

fn rate(jobs: u32, t: Duration) -> String {
    format!("{:>6.0} jobs/s", f64::from(jobs) / t.as_secs_f64())
}

async fn bench(backend: &str, url: &str, jobs: u32) {
    let db = connect(url);
    for (label, producers) in [
        ("1 producer, one job per enqueue", Producers::Single(1)),
        ("4 producers, one job per enqueue", Producers::Single(4)),
        ("1 producer, batches of 100", Producers::Batch(100)),
    ] {
        let t = cycle(&db, jobs, producers).await;
        println!(
            "{backend:>8}  enqueue + claim + complete, 2 workers, {label:<34} {}",
            rate(jobs, t)
        );
    }

    // Each side alone: enqueue everything, then run it all.
    let q = Queue::new(db.clone(), &job_settings());
    let started = Instant::now();
    for n in 0..jobs {
        q.enqueue(&Noop { n }).await.unwrap();
    }
    println!(
        "{backend:>8}  enqueue alone, 1 producer, one job per enqueue: {}",
        rate(jobs, started.elapsed())
    );
    let (shutdown, handle) = start_runner(&db).await;
    let started = Instant::now();
    wait_done(&db, i64::from(jobs)).await;
    let t = started.elapsed();
    shutdown.cancel();
    handle.join().await;
    println!(
        "{backend:>8}  claim + complete alone, 2 workers:              {}",
        rate(jobs, t)
    );
}

fn main() {
    let jobs: u32 = std::env::var("JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sqlite = common::BenchDb::sqlite();
        bench("sqlite", &sqlite.url, jobs).await;
        let pg = common::BenchDb::postgres();
        bench("postgres", &pg.url, jobs).await;
    });
}
