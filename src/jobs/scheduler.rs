//! Periodic jobs. Each schedule is a row whose `next_run_at` a replica moves forward in the same
//! transaction in which it enqueues the job, so that with several replicas (or a restart) each
//! period enqueues once.

use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{Job, Queue, now_ms, queue};
use crate::db::models::NewJob;
use crate::db::schema::schedules::dsl as s;
use crate::db::{DbConnection, DbError};

type MakeJob = Arc<dyn Fn() -> Result<NewJob, serde_json::Error> + Send + Sync>;

/// A job to enqueue every `every` (never when `every` is zero).
#[derive(Clone)]
pub struct Periodic {
    pub name: String,
    pub every: Duration,
    make: MakeJob,
}

impl Periodic {
    /// `job` every `every_secs` seconds (0 disables it). Unless the job has a dedup key of its
    /// own, scheduled runs of it do not pile up while one waits.
    pub fn new<J: Job + Clone + Sync>(queue: &Queue, every_secs: u64, job: J) -> Self {
        let queue = queue.clone();
        Self {
            name: J::KIND.to_string(),
            every: Duration::from_secs(every_secs),
            make: Arc::new(move || {
                let mut row = queue.new_job(&job)?;
                row.dedup_key.get_or_insert_with(|| "periodic".to_string());
                Ok(row)
            }),
        }
    }
}

pub struct Scheduler {
    queue: Queue,
    schedules: Vec<Periodic>,
    tick: Duration,
}

impl Scheduler {
    pub fn new(queue: Queue, schedules: Vec<Periodic>) -> Self {
        Self {
            queue,
            schedules: schedules
                .into_iter()
                .filter(|p| !p.every.is_zero())
                .collect(),
            tick: Duration::from_secs(1),
        }
    }

    /// How often due schedules are looked for (1 s by default).
    pub fn with_tick(mut self, tick: Duration) -> Self {
        self.tick = tick;
        self
    }

    pub fn start(self, shutdown: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(async move {
            if self.schedules.is_empty() {
                return;
            }
            for p in &self.schedules {
                log::info!("schedule {}: every {} s", p.name, p.every.as_secs_f64());
            }
            loop {
                for p in &self.schedules {
                    match self.fire_if_due(p).await {
                        Ok(true) => self.queue.wake().notify_one(),
                        Ok(false) => {}
                        Err(e) => log::warn!("schedule {}: {e}", p.name),
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(self.tick) => {}
                    _ = shutdown.cancelled() => break,
                }
            }
        })
    }

    /// Enqueues `p`'s job when its period has come; true when this replica did.
    pub async fn fire_if_due(&self, p: &Periodic) -> Result<bool, DbError> {
        let job = (p.make)().map_err(|e| DbError::Task(format!("cannot encode job: {e}")))?;
        let name = p.name.clone();
        let every_ms = p.every.as_millis() as i64;
        self.queue
            .db()
            .write(move |conn| fire(conn, &name, every_ms, &job, now_ms()))
            .await
    }
}

fn fire(
    conn: &mut DbConnection,
    name: &str,
    every_ms: i64,
    job: &NewJob,
    now: i64,
) -> QueryResult<bool> {
    conn.transaction(|conn| {
        let first = (
            s::name.eq(name),
            s::interval_secs.eq(every_ms / 1000),
            s::next_run_at.eq(now),
        );
        crate::with_backend!(&mut *conn, |c| diesel::insert_into(s::schedules)
            .values(first)
            .on_conflict_do_nothing()
            .execute(c))?;
        // Due, or (when the interval was shortened) scheduled further ahead than the new interval
        // allows. Only a changed interval counts as shortened: replicas whose clocks differ by a
        // little, or which read the clock a moment apart, must not both take the same period.
        let taken = diesel::update(
            s::schedules.filter(s::name.eq(name)).filter(
                s::next_run_at.le(now).or(s::interval_secs
                    .ne(every_ms / 1000)
                    .and(s::next_run_at.gt(now + every_ms))),
            ),
        )
        .set((
            s::next_run_at.eq(now + every_ms),
            s::last_run_at.eq(now),
            s::interval_secs.eq(every_ms / 1000),
        ))
        .execute(conn)?;
        if taken == 1 {
            let mut job = job.clone();
            job.run_after = now;
            queue::enqueue(conn, &job, now)?;
        }
        Ok(taken == 1)
    })
}
