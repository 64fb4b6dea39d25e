//! Workers running real jobs against both backends.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adlerdo::config::JobSettings;
use adlerdo::db::Db;
use adlerdo::db::models::job_state;
use adlerdo::jobs::queue;
use adlerdo::jobs::runner::permanent;
use adlerdo::jobs::{Job, Queue, Registry, Runner, now_ms};
use adlerdo::metrics::Metrics;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::both_backends;
use crate::helpers::{Backend, TestDb};

/// What the test jobs saw.
#[derive(Clone, Default)]
struct Ctx {
    runs: Arc<Mutex<HashMap<u32, Vec<Instant>>>>,
    running: Arc<Mutex<HashSet<u32>>>,
    overlaps: Arc<Mutex<Vec<u32>>>,
}

impl Ctx {
    fn record(&self, n: u32) -> usize {
        let mut runs = self.runs.lock().unwrap();
        let v = runs.entry(n).or_default();
        v.push(Instant::now());
        v.len()
    }
    fn runs_of(&self, n: u32) -> Vec<Instant> {
        self.runs
            .lock()
            .unwrap()
            .get(&n)
            .cloned()
            .unwrap_or_default()
    }
}

/// Sleeps `ms`, failing its first `fail` attempts; tracks overlapping runs of the same `n`.
#[derive(Serialize, Deserialize)]
struct Work {
    n: u32,
    ms: u64,
    fail: usize,
    #[serde(default)]
    permanent: bool,
}

impl Job for Work {
    const KIND: &'static str = "test.work";
    type Context = Ctx;

    async fn run(self, ctx: Ctx) -> anyhow::Result<()> {
        let attempt = ctx.record(self.n);
        if !ctx.running.lock().unwrap().insert(self.n) {
            ctx.overlaps.lock().unwrap().push(self.n);
        }
        tokio::time::sleep(Duration::from_millis(self.ms)).await;
        ctx.running.lock().unwrap().remove(&self.n);
        if self.permanent {
            return Err(permanent(format!("job {} cannot succeed", self.n)));
        }
        if attempt <= self.fail {
            anyhow::bail!("attempt {attempt} of job {} failed on purpose", self.n);
        }
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
struct Panics {}

impl Job for Panics {
    const KIND: &'static str = "test.panics";
    type Context = Ctx;

    #[allow(clippy::unused_async)]
    async fn run(self, _ctx: Ctx) -> anyhow::Result<()> {
        panic!("boom in a job")
    }
}

fn settings(workers: usize) -> JobSettings {
    JobSettings {
        workers,
        poll_interval_ms: 20,
        lease_secs: 30,
        max_attempts: 4,
        backoff_base_ms: 100,
        backoff_max_secs: 10,
        timeout_secs: 30,
        shutdown_grace_secs: 2,
        keep_done_secs: 3600,
    }
}

struct Fixture {
    _db: TestDb,
    db: Db,
    ctx: Ctx,
    metrics: Arc<Metrics>,
}

fn fixture(backend: Backend) -> Fixture {
    crate::helpers::init_test_logging();
    let t = TestDb::new(backend);
    let db = t.connect();
    Fixture {
        _db: t,
        db,
        ctx: Ctx::default(),
        metrics: Arc::new(Metrics::new("test")),
    }
}

impl Fixture {
    fn queue(&self, s: &JobSettings) -> Queue {
        Queue::new(self.db.clone(), s)
    }
    fn start(
        &self,
        s: JobSettings,
        identity: &str,
        shutdown: &CancellationToken,
    ) -> adlerdo::jobs::runner::RunnerHandle {
        let registry = Registry::default().register::<Work>().register::<Panics>();
        Runner::new(
            self.queue(&s),
            registry,
            self.ctx.clone(),
            s,
            Arc::clone(&self.metrics),
        )
        .with_identity(identity)
        .start(shutdown.clone())
    }
    async fn wait_until_settled(&self, timeout: Duration) -> Vec<(String, String, i64)> {
        let deadline = Instant::now() + timeout;
        loop {
            let counts = self.db.run(queue::counts).await.unwrap();
            if counts.iter().all(|(_, s, _)| s == "done" || s == "dead") {
                return counts;
            }
            assert!(Instant::now() < deadline, "jobs not settled: {counts:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    async fn job(&self, id: i64) -> adlerdo::db::models::JobRow {
        self.db
            .run(move |c| queue::get(c, id))
            .await
            .unwrap()
            .unwrap()
    }
}

both_backends!(
    two_runners_never_run_a_job_twice,
    failures_retry_with_growing_backoff_then_dead_letter,
    permanent_errors_and_panics_dead_letter_at_once,
    a_crashed_workers_job_runs_again_after_its_lease,
    shutdown_finishes_short_jobs_and_releases_long_ones,
);

async fn two_runners_never_run_a_job_twice(backend: Backend) {
    let f = fixture(backend);
    let s = settings(2);
    let q = f.queue(&s);
    let rows = (0..120)
        .map(|n| {
            q.new_job(&Work {
                n,
                ms: 2,
                fail: 0,
                permanent: false,
            })
            .unwrap()
        })
        .collect();
    assert_eq!(q.enqueue_many(rows).await.unwrap(), 120);
    let shutdown = CancellationToken::new();
    let a = f.start(s.clone(), "replica-a", &shutdown);
    let b = f.start(s, "replica-b", &shutdown);
    f.wait_until_settled(Duration::from_secs(60)).await;
    shutdown.cancel();
    a.join().await;
    b.join().await;
    assert!(
        f.ctx.overlaps.lock().unwrap().is_empty(),
        "a job ran twice at once"
    );
    for n in 0..120 {
        assert_eq!(f.ctx.runs_of(n).len(), 1, "job {n} ran once");
    }
    let done =
        f.db.run(|c| queue::list(c, Some(job_state::DONE), 1000))
            .await
            .unwrap();
    assert_eq!(done.len(), 120);
    let owners: HashSet<String> = f
        .metrics
        .render(&[])
        .lines()
        .filter(|l| l.starts_with("adlerdo_jobs_total"))
        .map(str::to_string)
        .collect();
    assert!(
        owners.iter().any(|l| l.contains("kind=\"test.work\"")
            && l.contains("outcome=\"done\"")
            && l.ends_with(" 120")),
        "{owners:?}"
    );
}

async fn failures_retry_with_growing_backoff_then_dead_letter(backend: Backend) {
    let f = fixture(backend);
    let s = settings(1);
    let q = f.queue(&s);
    let flaky = q
        .enqueue(&Work {
            n: 1,
            ms: 0,
            fail: 2,
            permanent: false,
        })
        .await
        .unwrap()
        .unwrap();
    let doomed = q
        .enqueue(&Work {
            n: 2,
            ms: 0,
            fail: 100,
            permanent: false,
        })
        .await
        .unwrap()
        .unwrap();
    let shutdown = CancellationToken::new();
    let runner = f.start(s.clone(), "r", &shutdown);
    f.wait_until_settled(Duration::from_secs(30)).await;
    shutdown.cancel();
    runner.join().await;

    let row = f.job(flaky).await;
    assert_eq!((row.state.as_str(), row.attempts), (job_state::DONE, 3));
    assert!(
        row.last_error
            .unwrap()
            .contains("attempt 2 of job 1 failed")
    );
    // Each retry waits at least half of base * 2^(attempt-1).
    for runs in [f.ctx.runs_of(1), f.ctx.runs_of(2)] {
        for (i, pair) in runs.windows(2).enumerate() {
            let min = Duration::from_millis(s.backoff_base_ms << i) / 2;
            let gap = pair[1] - pair[0];
            assert!(
                gap >= min,
                "retry {} came after {gap:?}, before the backoff of {min:?}",
                i + 1
            );
        }
    }
    let row = f.job(doomed).await;
    assert_eq!(row.state, job_state::DEAD);
    assert_eq!(row.attempts, s.max_attempts);
    assert_eq!(f.ctx.runs_of(2).len(), s.max_attempts as usize);
    assert_eq!(
        row.last_error.as_deref(),
        Some("attempt 4 of job 2 failed on purpose")
    );
}

async fn permanent_errors_and_panics_dead_letter_at_once(backend: Backend) {
    let f = fixture(backend);
    let s = settings(1);
    let q = f.queue(&s);
    let perm = q
        .enqueue(&Work {
            n: 1,
            ms: 0,
            fail: 0,
            permanent: true,
        })
        .await
        .unwrap()
        .unwrap();
    let panics = q.enqueue(&Panics {}).await.unwrap().unwrap();
    // A payload this build cannot decode is dead at once, too.
    let garbage =
        f.db.run(|c| {
            let row = adlerdo::db::models::NewJob {
                kind: Work::KIND.into(),
                payload: "{\"n\": \"not a number\"}".into(),
                dedup_key: None,
                priority: 0,
                run_after: now_ms(),
                max_attempts: 4,
            };
            queue::enqueue(c, &row, now_ms())
        })
        .await
        .unwrap()
        .unwrap();
    let shutdown = CancellationToken::new();
    let runner = f.start(s, "r", &shutdown);
    tokio::time::sleep(Duration::from_millis(10)).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while f.job(panics).await.state != job_state::DEAD {
        assert!(Instant::now() < deadline, "panicking job not dead-lettered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    f.wait_until_settled(Duration::from_secs(30)).await;
    shutdown.cancel();
    runner.join().await;
    let row = f.job(perm).await;
    assert_eq!((row.state.as_str(), row.attempts), (job_state::DEAD, 1));
    assert_eq!(row.last_error.as_deref(), Some("job 1 cannot succeed"));
    let row = f.job(garbage).await;
    assert_eq!((row.state.as_str(), row.attempts), (job_state::DEAD, 1));
    assert!(
        row.last_error
            .unwrap()
            .contains("undecodable test.work payload")
    );
    let row = f.job(panics).await;
    assert!(
        row.last_error
            .unwrap()
            .contains("job panicked: boom in a job")
    );
}

async fn a_crashed_workers_job_runs_again_after_its_lease(backend: Backend) {
    let f = fixture(backend);
    let s = settings(1);
    let q = f.queue(&s);
    let id = q
        .enqueue(&Work {
            n: 7,
            ms: 0,
            fail: 0,
            permanent: false,
        })
        .await
        .unwrap()
        .unwrap();
    // A worker claims it with a short lease, then its process dies (it never reports back).
    let claimed =
        f.db.run(|c| queue::claim(c, "dead-replica/w0", 1, 300, now_ms()))
            .await
            .unwrap();
    assert_eq!(claimed.len(), 1);
    let shutdown = CancellationToken::new();
    let runner = f.start(s, "survivor", &shutdown);
    f.wait_until_settled(Duration::from_secs(30)).await;
    shutdown.cancel();
    runner.join().await;
    let row = f.job(id).await;
    assert_eq!(row.state, job_state::DONE);
    assert_eq!(row.attempts, 2);
    assert!(row.last_error.unwrap().contains("dead-replica/w0"));
    assert_eq!(f.ctx.runs_of(7).len(), 1, "only the survivor ran it");
}

async fn shutdown_finishes_short_jobs_and_releases_long_ones(backend: Backend) {
    let f = fixture(backend);
    let mut s = settings(2);
    s.shutdown_grace_secs = 1;
    let q = f.queue(&s);
    let short = q
        .enqueue(&Work {
            n: 1,
            ms: 400,
            fail: 0,
            permanent: false,
        })
        .await
        .unwrap()
        .unwrap();
    let long = q
        .enqueue(&Work {
            n: 2,
            ms: 20_000,
            fail: 0,
            permanent: false,
        })
        .await
        .unwrap()
        .unwrap();
    let shutdown = CancellationToken::new();
    let runner = f.start(s, "r", &shutdown);
    let deadline = Instant::now() + Duration::from_secs(10);
    while f.ctx.runs_of(1).is_empty() || f.ctx.runs_of(2).is_empty() {
        assert!(Instant::now() < deadline, "jobs did not start");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stopping = Instant::now();
    shutdown.cancel();
    runner.join().await;
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "shutdown waited for the long job"
    );
    let row = f.job(short).await;
    assert_eq!(
        row.state,
        job_state::DONE,
        "a job inside the grace period finishes"
    );
    let row = f.job(long).await;
    assert_eq!(
        row.state,
        job_state::QUEUED,
        "a job over the grace period goes back to the queue"
    );
    assert_eq!(row.attempts, 0, "its interrupted attempt is not counted");
    assert_eq!(row.lease_owner, None);
}
