//! Job queue throughput: jobs enqueued by a producer while the real runner (2 workers) claims,
//! runs (a no-op job) and completes them, on SQLite and on PostgreSQL.
//!
//!     cargo bench --bench queue            # JOBS=20000 by default
//!
//! Prints jobs/s for the whole cycle, and for enqueue alone and claim+complete alone.

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
        tokio::time::sleep(Duration::from_millis(5)).await;
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

async fn bench(backend: &str, url: &str, jobs: u32) {
    // 1. The whole cycle: a producer enqueues one job at a time while 2 workers run them.
    let db = connect(url);
    let q = Queue::new(db.clone(), &job_settings());
    let (shutdown, handle) = start_runner(&db).await;
    let started = Instant::now();
    for n in 0..jobs {
        q.enqueue(&Noop { n }).await.unwrap();
    }
    let enqueued = started.elapsed();
    wait_done(&db, i64::from(jobs)).await;
    let cycle = started.elapsed();
    shutdown.cancel();
    handle.join().await;
    println!(
        "{backend:>8}  cycle (enqueue + claim + complete, 2 workers): {jobs} jobs in {:.2} s = {:>6.0} jobs/s   (producer done after {:.2} s)",
        cycle.as_secs_f64(),
        f64::from(jobs) / cycle.as_secs_f64(),
        enqueued.as_secs_f64()
    );

    // 2. Enqueue alone, then claim + complete alone.
    db.run(|c| queue::purge_done(c, i64::MAX)).await.unwrap();
    let started = Instant::now();
    for n in 0..jobs {
        q.enqueue(&Noop { n }).await.unwrap();
    }
    let t = started.elapsed();
    println!(
        "{backend:>8}  enqueue alone (1 producer):  {:>6.0} jobs/s",
        f64::from(jobs) / t.as_secs_f64()
    );
    let (shutdown, handle) = start_runner(&db).await;
    let started = Instant::now();
    wait_done(&db, i64::from(jobs)).await;
    let t = started.elapsed();
    shutdown.cancel();
    handle.join().await;
    println!(
        "{backend:>8}  claim + complete alone (2 workers): {:>6.0} jobs/s",
        f64::from(jobs) / t.as_secs_f64()
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
