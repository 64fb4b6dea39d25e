//! Workers: tokio tasks that claim due jobs under a lease and run them.
//!
//! Each job runs in its own task (a panic fails the attempt, not the worker) while the worker
//! renews the lease, enforces the timeout and, on shutdown, gives the job a grace period before
//! it aborts it and releases it to the queue unrun.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use tokio::task::JoinHandle;
use tokio::time::sleep;
use tokio_util::sync::CancellationToken;

use super::queue::{self, Disposition, FailOutcome};
use super::{Queue, Registry, backoff, now_ms};
use crate::config::JobSettings;
use crate::db::models::JobRow;
use crate::metrics::Metrics;

/// An error a retry cannot fix: the job is dead-lettered at once.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Permanent(pub String);

/// Wraps a message as a [`Permanent`] error.
pub fn permanent(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Permanent(message.into()))
}

/// How often each worker requeues the jobs of lost workers (whose leases have expired).
const REAP_EVERY: Duration = Duration::from_secs(1);

enum Outcome {
    Done,
    Failed(anyhow::Error),
    LeaseLost,
    Released,
}

pub struct Runner<C> {
    queue: Queue,
    registry: Arc<Registry<C>>,
    ctx: C,
    settings: JobSettings,
    metrics: Arc<Metrics>,
    identity: String,
}

/// The running workers.
pub struct RunnerHandle {
    tasks: Vec<JoinHandle<()>>,
}

impl RunnerHandle {
    /// Waits for every worker to stop (after the shutdown token is cancelled).
    pub async fn join(self) {
        for task in self.tasks {
            if let Err(e) = task.await {
                log::error!("job worker ended abnormally: {e}");
            }
        }
    }
}

impl<C: Clone + Send + Sync + 'static> Runner<C> {
    pub fn new(
        queue: Queue,
        registry: Registry<C>,
        ctx: C,
        settings: JobSettings,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            queue,
            registry: Arc::new(registry),
            ctx,
            settings,
            metrics,
            identity: replica_identity(),
        }
    }

    /// Names this runner's leases (`<identity>/w<N>`); defaults to host, pid and a random tag.
    pub fn with_identity(mut self, identity: impl Into<String>) -> Self {
        self.identity = identity.into();
        self
    }

    /// Starts `settings.workers` workers; they stop when `shutdown` is cancelled.
    pub fn start(self, shutdown: CancellationToken) -> RunnerHandle {
        let this = Arc::new(self);
        let tasks = (0..this.settings.workers)
            .map(|n| {
                let worker = Arc::clone(&this);
                let owner = format!("{}/w{n}", worker.identity);
                let shutdown = shutdown.clone();
                tokio::spawn(async move { worker.work(owner, shutdown).await })
            })
            .collect();
        RunnerHandle { tasks }
    }

    async fn work(&self, owner: String, shutdown: CancellationToken) {
        let poll = Duration::from_millis(self.settings.poll_interval_ms);
        let lease_ms = (self.settings.lease_secs * 1000) as i64;
        let mut last_reap = Instant::now() - REAP_EVERY;
        log::debug!("job worker {owner} started");
        while !shutdown.is_cancelled() {
            if last_reap.elapsed() >= REAP_EVERY {
                last_reap = Instant::now();
                if let Err(e) = self
                    .queue
                    .db()
                    .write_lazy(|c| queue::reap_expired(c, now_ms()))
                    .await
                {
                    log::warn!("job worker {owner}: cannot reap expired leases: {e}");
                }
            }
            let claimer = owner.clone();
            let claimed = self
                .queue
                .db()
                .write_lazy(move |conn| queue::claim(conn, &claimer, 1, lease_ms, now_ms()))
                .await;
            match claimed {
                Ok(jobs) if !jobs.is_empty() => {
                    for job in jobs {
                        self.run_one(job, &owner, &shutdown).await;
                    }
                    continue;
                }
                Ok(_) => {}
                Err(e) => log::warn!("job worker {owner}: cannot claim jobs: {e}"),
            }
            tokio::select! {
                _ = self.queue.wake().notified() => {}
                _ = sleep(poll.min(REAP_EVERY)) => {}
                _ = shutdown.cancelled() => {}
            }
        }
        log::debug!("job worker {owner} stopped");
    }

    async fn run_one(&self, job: JobRow, owner: &str, shutdown: &CancellationToken) {
        let started = Instant::now();
        let outcome = match self.registry.get(&job.kind) {
            None => Outcome::Failed(anyhow!(
                "no handler for job kind {:?} on this replica",
                job.kind
            )),
            Some(handler) => match handler(self.ctx.clone(), &job.payload) {
                Err(e) => Outcome::Failed(anyhow::Error::new(Permanent(format!("{e:#}")))),
                Ok(fut) => {
                    self.supervise(&job, owner, tokio::spawn(fut), shutdown)
                        .await
                }
            },
        };
        let elapsed = started.elapsed();
        let label = self.settle(&job, owner, outcome).await;
        self.metrics.job_finished(&job.kind, label, elapsed);
    }

    /// Waits for the job's task while renewing its lease, enforcing the timeout and honouring
    /// shutdown.
    async fn supervise(
        &self,
        job: &JobRow,
        owner: &str,
        mut task: JoinHandle<anyhow::Result<()>>,
        shutdown: &CancellationToken,
    ) -> Outcome {
        let lease = Duration::from_secs(self.settings.lease_secs);
        let mut renew = tokio::time::interval_at(
            tokio::time::Instant::now() + lease / 3,
            (lease / 3).max(Duration::from_millis(100)),
        );
        let timeout = sleep(Duration::from_secs(self.settings.timeout_secs));
        tokio::pin!(timeout);
        // Far in the future until shutdown starts the grace period.
        let grace = sleep(Duration::from_secs(100 * 365 * 24 * 3600));
        tokio::pin!(grace);
        let mut shutting_down = false;
        loop {
            tokio::select! {
                joined = &mut task => {
                    return match joined {
                        Ok(Ok(())) => Outcome::Done,
                        Ok(Err(e)) => Outcome::Failed(e),
                        Err(e) if e.is_panic() => Outcome::Failed(anyhow!("job panicked: {}", panic_message(e))),
                        Err(e) => Outcome::Failed(anyhow!("job task ended: {e}")),
                    };
                }
                _ = renew.tick() => {
                    let (id, who) = (job.id, owner.to_string());
                    let until = now_ms() + lease.as_millis() as i64;
                    match self.queue.db().write_lazy(move |c| queue::heartbeat(c, id, &who, until)).await {
                        Ok(true) => {}
                        Ok(false) => {
                            task.abort();
                            return Outcome::LeaseLost;
                        }
                        Err(e) => log::warn!("job {} ({}): cannot renew lease: {e}", job.id, job.kind),
                    }
                }
                _ = &mut timeout => {
                    task.abort();
                    return Outcome::Failed(anyhow!("timed out after {} s", self.settings.timeout_secs));
                }
                _ = shutdown.cancelled(), if !shutting_down => {
                    shutting_down = true;
                    grace.as_mut().reset(tokio::time::Instant::now() + Duration::from_secs(self.settings.shutdown_grace_secs));
                }
                _ = &mut grace => {
                    task.abort();
                    return Outcome::Released;
                }
            }
        }
    }

    /// Records the outcome in the queue; returns the metrics label.
    async fn settle(&self, job: &JobRow, owner: &str, outcome: Outcome) -> &'static str {
        // Whatever the job did to the data is visible now.
        self.queue.data_changed();
        let (id, who) = (job.id, owner.to_string());
        let db = self.queue.db();
        match outcome {
            Outcome::Done => match db
                .write_lazy(move |c| queue::complete(c, id, &who, now_ms()))
                .await
            {
                Ok(true) => {
                    log::debug!("job {id} ({}) done", job.kind);
                    "done"
                }
                Ok(false) => {
                    log::warn!("job {id} ({}) finished after its lease was lost", job.kind);
                    "lease_lost"
                }
                Err(e) => {
                    log::error!(
                        "job {id} ({}) finished but cannot be marked done: {e}",
                        job.kind
                    );
                    "error"
                }
            },
            Outcome::Failed(error) => {
                let message = format!("{error:#}");
                let permanent = error.downcast_ref::<Permanent>().is_some();
                let disposition = if permanent || job.attempts >= job.max_attempts {
                    Disposition::Dead
                } else {
                    let delay = backoff(
                        job.attempts,
                        Duration::from_millis(self.settings.backoff_base_ms),
                        Duration::from_secs(self.settings.backoff_max_secs),
                        &mut rand::rng(),
                    );
                    Disposition::Retry {
                        run_after: now_ms() + delay.as_millis() as i64,
                    }
                };
                let msg = message.clone();
                match db
                    .write_lazy(move |c| queue::fail(c, id, &who, &msg, disposition, now_ms()))
                    .await
                {
                    Ok(FailOutcome::Retrying { run_after }) => {
                        log::warn!(
                            "job {id} ({}) attempt {}/{} failed, retry in {} ms: {message}",
                            job.kind,
                            job.attempts,
                            job.max_attempts,
                            (run_after - now_ms()).max(0)
                        );
                        "retry"
                    }
                    Ok(FailOutcome::FoldedInto(twin)) => {
                        log::warn!(
                            "job {id} ({}) attempt {} failed, folded into waiting job {twin}: {message}",
                            job.kind,
                            job.attempts
                        );
                        "retry"
                    }
                    Ok(FailOutcome::Dead) => {
                        log::error!(
                            "job {id} ({}) dead after {} attempt(s): {message}",
                            job.kind,
                            job.attempts
                        );
                        "dead"
                    }
                    Ok(FailOutcome::LeaseLost) => {
                        log::warn!(
                            "job {id} ({}) failed after its lease was lost: {message}",
                            job.kind
                        );
                        "lease_lost"
                    }
                    Err(e) => {
                        log::error!(
                            "job {id} ({}) failed ({message}) and cannot be recorded: {e}",
                            job.kind
                        );
                        "error"
                    }
                }
            }
            Outcome::LeaseLost => {
                log::warn!(
                    "job {id} ({}): lease lost while running; stopped it",
                    job.kind
                );
                "lease_lost"
            }
            Outcome::Released => match db
                .write_lazy(move |c| queue::release(c, id, &who, now_ms()))
                .await
            {
                Ok(_) => {
                    log::info!("job {id} ({}) released unfinished at shutdown", job.kind);
                    "released"
                }
                Err(e) => {
                    log::error!(
                        "job {id} ({}) cannot be released: {e}; its lease will expire",
                        job.kind
                    );
                    "error"
                }
            },
        }
    }
}

fn panic_message(e: tokio::task::JoinError) -> String {
    let payload = e.into_panic();
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-text panic".to_string()
    }
}

/// `<host>:<pid>:<random>`: tells leases of different processes apart, restarts included.
fn replica_identity() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .unwrap_or_else(|| "adlerdo".to_string());
    format!(
        "{host}:{}:{:04x}",
        std::process::id(),
        rand::random::<u16>()
    )
}
