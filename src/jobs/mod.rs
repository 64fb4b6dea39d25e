//! The durable job queue: every flow's work goes through it.
//!
//! A job is a serde payload with a `KIND`; [`Queue::enqueue`] stores it (de-duplicated by its
//! `dedup_key`), a [`runner`] claims due jobs under a lease, runs them outside any transaction,
//! and marks them done, retries them with exponential backoff and jitter, or dead-letters them.
//! The [`scheduler`] enqueues periodic jobs. Jobs must be idempotent: a job whose worker dies is
//! run again once its lease expires.

pub mod cleanup;
pub mod queue;
pub mod runner;
pub mod scheduler;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use rand::Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Notify;

use crate::config::JobSettings;
use crate::db::models::NewJob;
use crate::db::{Db, DbError};

pub use runner::Runner;
pub use scheduler::{Periodic, Scheduler};

/// A unit of background work.
pub trait Job: Serialize + DeserializeOwned + Send + 'static {
    /// Stored in the `kind` column; never rename one that may sit in a queue.
    const KIND: &'static str;
    /// Higher runs first.
    const PRIORITY: i32 = 0;
    /// What the job needs to run (usually the application state).
    type Context: Clone + Send + Sync + 'static;

    /// While a job of this kind with the same key waits in the queue, enqueueing another is a
    /// no-op. `None` never de-duplicates.
    fn dedup_key(&self) -> Option<String> {
        None
    }

    fn run(self, ctx: Self::Context) -> impl Future<Output = anyhow::Result<()>> + Send;
}

type Handler<C> =
    Arc<dyn Fn(C, &str) -> anyhow::Result<BoxFuture<'static, anyhow::Result<()>>> + Send + Sync>;

/// The job kinds a runner knows, each with the code that runs it.
pub struct Registry<C> {
    handlers: HashMap<&'static str, Handler<C>>,
}

impl<C: Clone + Send + Sync + 'static> Default for Registry<C> {
    fn default() -> Self {
        Self {
            handlers: HashMap::new(),
        }
    }
}

impl<C: Clone + Send + Sync + 'static> Registry<C> {
    pub fn register<J: Job<Context = C>>(mut self) -> Self {
        let handler: Handler<C> = Arc::new(|ctx: C, payload: &str| {
            let job: J = serde_json::from_str(payload)
                .map_err(|e| anyhow::anyhow!("undecodable {} payload: {e}", J::KIND))?;
            Ok(Box::pin(job.run(ctx)) as BoxFuture<'static, anyhow::Result<()>>)
        });
        self.handlers.insert(J::KIND, handler);
        self
    }

    pub fn kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.handlers.keys().copied()
    }

    fn get(&self, kind: &str) -> Option<&Handler<C>> {
        self.handlers.get(kind)
    }
}

/// Enqueues jobs and wakes this process's idle workers. Cheap to clone.
#[derive(Clone)]
pub struct Queue {
    db: Db,
    max_attempts: i32,
    wake: Arc<Notify>,
    /// Bumped whenever this process may have changed the hub's data (a job ended, the facade
    /// wrote): caches of reads key on it.
    generation: Arc<std::sync::atomic::AtomicU64>,
}

impl Queue {
    pub fn new(db: Db, settings: &JobSettings) -> Self {
        Self {
            db,
            max_attempts: settings.max_attempts,
            wake: Arc::new(Notify::new()),
            generation: Arc::new(std::sync::atomic::AtomicU64::new(0)),
        }
    }

    /// The data generation of this process (see [`Queue::data_changed`]).
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Notes that the hub's data may have changed (read caches start over).
    pub fn data_changed(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The row for `job`, due at once.
    pub fn new_job<J: Job>(&self, job: &J) -> Result<NewJob, serde_json::Error> {
        Ok(NewJob {
            kind: J::KIND.to_string(),
            payload: serde_json::to_string(job)?,
            dedup_key: job.dedup_key(),
            priority: J::PRIORITY,
            run_after: now_ms(),
            max_attempts: self.max_attempts,
        })
    }

    /// Stores `job`; `None` when an equal one (same kind and dedup key) already waits.
    pub async fn enqueue<J: Job>(&self, job: &J) -> Result<Option<i64>, DbError> {
        let row = self
            .new_job(job)
            .map_err(|e| DbError::Task(format!("cannot encode {} payload: {e}", J::KIND)))?;
        let id = self
            .db
            .write(move |conn| queue::enqueue(conn, &row, now_ms()))
            .await?;
        if id.is_some() {
            self.wake.notify_one();
        }
        Ok(id)
    }

    /// Stores `job` to run `delay` from now (a debounce, a poll, a rate-limit wait); `None`
    /// when an equal one already waits (that one keeps its own time).
    pub async fn enqueue_after<J: Job>(
        &self,
        job: &J,
        delay: Duration,
    ) -> Result<Option<i64>, DbError> {
        let mut row = self
            .new_job(job)
            .map_err(|e| DbError::Task(format!("cannot encode {} payload: {e}", J::KIND)))?;
        row.run_after = now_ms() + delay.as_millis().min(i64::MAX as u128) as i64;
        let id = self
            .db
            .write(move |conn| queue::enqueue(conn, &row, now_ms()))
            .await?;
        if id.is_some() {
            // Idle workers sleep until their poll interval or a wake-up: wake one when the job
            // is due now, else they find it on their next poll.
            if delay.is_zero() {
                self.wake.notify_one();
            } else {
                let wake = Arc::clone(&self.wake);
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    wake.notify_one();
                });
            }
        }
        Ok(id)
    }

    /// Stores many prepared rows in one transaction; returns how many were new.
    pub async fn enqueue_many(&self, rows: Vec<NewJob>) -> Result<usize, DbError> {
        let n = self
            .db
            .write(move |conn| queue::enqueue_many(conn, &rows, now_ms()))
            .await?;
        if n > 0 {
            self.wake.notify_waiters();
        }
        Ok(n)
    }

    /// Wakes this process's idle workers (after jobs were made due by other means than
    /// `enqueue`, such as a retry).
    pub fn notify(&self) {
        self.wake.notify_waiters();
    }

    pub(crate) fn wake(&self) -> &Arc<Notify> {
        &self.wake
    }
}

/// Retry delay before attempt `attempt + 1`: `base * 2^(attempt-1)`, capped at `max`, then
/// jittered into its upper half so that jobs failing together do not retry together.
pub fn backoff(attempt: i32, base: Duration, max: Duration, rng: &mut impl Rng) -> Duration {
    let exp = attempt.saturating_sub(1).clamp(0, 30) as u32;
    let full = base.saturating_mul(1u32 << exp).min(max);
    let half = full / 2;
    half + full.mul_f64(rng.random::<f64>() * 0.5).min(full - half)
}

/// Milliseconds since the Unix epoch: the queue's clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let mut rng = rand::rng();
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(5);
        for attempt in 1..=12 {
            let full = (100u64 << (attempt - 1)).min(5000);
            for _ in 0..200 {
                let d = backoff(attempt, base, max, &mut rng).as_millis() as u64;
                assert!(
                    d >= full / 2 && d <= full,
                    "attempt {attempt}: {d} ms not in [{}, {full}]",
                    full / 2
                );
            }
        }
        assert!(backoff(1000, base, max, &mut rng) <= max);
    }
}
