//! The queue's storage operations, each one short transaction.
//!
//! The operations are written once (`queue_ops!`) and compiled for each backend's concrete
//! connection, because claiming differs: PostgreSQL locks the rows it claims with
//! `FOR UPDATE SKIP LOCKED` so concurrent workers pass each other by; SQLite takes the write lock
//! up front with `BEGIN IMMEDIATE`, so claims are serialised and never deadlock on upgrade.
//!
//! Invariants:
//! - at most one `queued` job per `(kind, dedup_key)` (a partial unique index): enqueueing a
//!   duplicate is a no-op, and a job that must wait again while a twin waits is folded into it;
//! - a `running` job has a lease (`lease_owner`, `lease_expires_at`); only the owner may finish
//!   it, and once the lease expires the next reaping requeues it (or dead-letters it when it has
//!   used up its attempts);
//! - `attempts` counts claims; a released job (shutdown) gets its attempt back.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::DbConnection;
use crate::db::models::{InsertJob, JobRow, NewJob, job_state, state_sql};
use crate::db::schema::jobs;

/// What to do with a job whose attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    Retry { run_after: i64 },
    Dead,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOutcome {
    /// Queued again for `run_after`.
    Retrying { run_after: i64 },
    /// A twin with the same dedup key was already waiting; the failure was recorded on it.
    FoldedInto(i64),
    /// Dead-lettered.
    Dead,
    /// The lease was no longer ours (it expired and another worker took the job).
    LeaseLost,
}

/// Where a requeued job went.
enum Requeued {
    Itself,
    Twin(i64),
}

/// How each backend brackets the queue's writes.
trait WriteTx: Connection + Sized {
    /// A write transaction.
    fn write_tx<T, F>(&mut self, f: F) -> QueryResult<T>
    where
        F: FnOnce(&mut Self) -> QueryResult<T>;

    /// Around a claim.
    fn claim_scope<T, F>(&mut self, f: F) -> QueryResult<T>
    where
        F: FnOnce(&mut Self) -> QueryResult<T>;

    /// Leases up to `limit` due jobs, highest priority first.
    fn claim_due(
        &mut self,
        owner: &str,
        limit: i64,
        lease_until: i64,
        now: i64,
    ) -> QueryResult<Vec<JobRow>>;
}

/// PostgreSQL's claim, one statement: picks the due jobs, skipping rows other claimers have
/// locked, and leases them. Written out (diesel's builder cannot put a locking subselect in an
/// update's filter), yet a cached prepared statement like the builder's.
struct PgClaim<'a> {
    owner: &'a str,
    lease_until: i64,
    now: i64,
    limit: i64,
}

#[derive(diesel::query_builder::QueryId)]
struct PgClaimId;

impl diesel::query_builder::QueryId for PgClaim<'_> {
    type QueryId = PgClaimId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for PgClaim<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{BigInt, Text};
        out.push_sql("UPDATE jobs SET state = 'running', lease_owner = ");
        out.push_bind_param::<Text, _>(self.owner)?;
        out.push_sql(", lease_expires_at = ");
        out.push_bind_param::<BigInt, _>(&self.lease_until)?;
        out.push_sql(", attempts = attempts + 1, updated_at = ");
        out.push_bind_param::<BigInt, _>(&self.now)?;
        out.push_sql(" WHERE id IN (SELECT id FROM jobs WHERE state = 'queued' AND run_after <= ");
        out.push_bind_param::<BigInt, _>(&self.now)?;
        out.push_sql(" ORDER BY priority DESC, run_after, id LIMIT ");
        out.push_bind_param::<BigInt, _>(&self.limit)?;
        out.push_sql(
            " FOR UPDATE SKIP LOCKED) RETURNING id, kind, payload, dedup_key, priority, state, \
             attempts, max_attempts, run_after, lease_owner, lease_expires_at, last_error, \
             created_at, updated_at, finished_at",
        );
        Ok(())
    }
}

impl diesel::query_builder::Query for PgClaim<'_> {
    type SqlType = jobs::SqlType;
}

impl RunQueryDsl<diesel::PgConnection> for PgClaim<'_> {}

impl WriteTx for diesel::PgConnection {
    fn write_tx<T, F>(&mut self, f: F) -> QueryResult<T>
    where
        F: FnOnce(&mut Self) -> QueryResult<T>,
    {
        self.transaction(f)
    }

    /// No transaction: the claiming statement locks the rows it picks with
    /// `FOR UPDATE SKIP LOCKED` and is atomic by itself, so a claim is one round trip.
    fn claim_scope<T, F>(&mut self, f: F) -> QueryResult<T>
    where
        F: FnOnce(&mut Self) -> QueryResult<T>,
    {
        f(self)
    }

    fn claim_due(
        &mut self,
        owner: &str,
        limit: i64,
        lease_until: i64,
        now: i64,
    ) -> QueryResult<Vec<JobRow>> {
        PgClaim {
            owner,
            lease_until,
            now,
            limit,
        }
        .load(self)
    }
}

impl WriteTx for diesel::SqliteConnection {
    /// `BEGIN IMMEDIATE`: the write lock up front, so that two writers never deadlock upgrading
    /// a read lock.
    fn write_tx<T, F>(&mut self, f: F) -> QueryResult<T>
    where
        F: FnOnce(&mut Self) -> QueryResult<T>,
    {
        self.immediate_transaction(f)
    }

    fn claim_scope<T, F>(&mut self, f: F) -> QueryResult<T>
    where
        F: FnOnce(&mut Self) -> QueryResult<T>,
    {
        self.immediate_transaction(f)
    }

    /// Inside `claim_scope`'s immediate transaction: select, then lease what was selected.
    fn claim_due(
        &mut self,
        owner: &str,
        limit: i64,
        lease_until: i64,
        now: i64,
    ) -> QueryResult<Vec<JobRow>> {
        use crate::db::schema::jobs::dsl as j;
        let ids: Vec<i64> = j::jobs
            .select(j::id)
            .filter(j::state.eq(state_sql::Queued))
            .filter(j::run_after.le(now))
            .order((j::priority.desc(), j::run_after.asc(), j::id.asc()))
            .limit(limit)
            .load(self)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(j::jobs.filter(j::id.eq_any(&ids)))
            .set((
                j::state.eq(job_state::RUNNING),
                j::lease_owner.eq(owner),
                j::lease_expires_at.eq(lease_until),
                j::attempts.eq(j::attempts + 1),
                j::updated_at.eq(now),
            ))
            .returning(JobRow::as_returning())
            .get_results(self)
    }
}

macro_rules! queue_ops {
    ($conn:ty, lock = |$l:ident| $lock:expr, lock_skip = |$s:ident| $lock_skip:expr) => {
        use super::*;
        use crate::db::schema::jobs::dsl as j;

        type Conn = $conn;

        pub fn enqueue(c: &mut Conn, job: &NewJob, now: i64) -> QueryResult<Option<i64>> {
            diesel::insert_into(jobs::table)
                .values(InsertJob::new(job, now))
                .on_conflict_do_nothing()
                .returning(j::id)
                .get_result(c)
                .optional()
        }

        pub fn enqueue_many(c: &mut Conn, batch: &[NewJob], now: i64) -> QueryResult<usize> {
            let rows: Vec<InsertJob<'_>> =
                batch.iter().map(|job| InsertJob::new(job, now)).collect();
            c.write_tx(|c| {
                let mut inserted = 0;
                for row in rows {
                    inserted += diesel::insert_into(jobs::table)
                        .values(row)
                        .on_conflict_do_nothing()
                        .execute(c)?;
                }
                Ok(inserted)
            })
        }

        pub fn claim(
            c: &mut Conn,
            owner: &str,
            limit: i64,
            lease_ms: i64,
            now: i64,
        ) -> QueryResult<Vec<JobRow>> {
            c.claim_scope(|c| {
                let mut claimed = c.claim_due(owner, limit, now + lease_ms, now)?;
                claimed.sort_by_key(|r| (std::cmp::Reverse(r.priority), r.run_after, r.id));
                Ok(claimed)
            })
        }

        pub fn reap_expired(c: &mut Conn, now: i64) -> QueryResult<usize> {
            c.write_tx(|c| reap_in_tx(c, now))
        }

        /// Requeues (or dead-letters) every running job whose lease has expired.
        fn reap_in_tx(c: &mut Conn, now: i64) -> QueryResult<usize> {
            let $s = j::jobs
                .filter(j::state.eq(state_sql::Running))
                .filter(j::lease_expires_at.lt(now))
                .select(JobRow::as_select());
            let expired: Vec<JobRow> = $lock_skip.load(c)?;
            for job in &expired {
                let owner = job.lease_owner.as_deref().unwrap_or("?");
                if job.attempts >= job.max_attempts {
                    let error = format!(
                        "lease expired: worker {owner} was lost during attempt {} of {}",
                        job.attempts, job.max_attempts
                    );
                    bury(c, job.id, &error, now)?;
                    log::error!("job {} ({}) dead-lettered: {error}", job.id, job.kind);
                } else {
                    let error = format!(
                        "lease expired: worker {owner} was lost during attempt {}",
                        job.attempts
                    );
                    requeue(c, job, now, job.attempts, Some(&error), now)?;
                    log::warn!("job {} ({}) requeued: {error}", job.id, job.kind);
                }
            }
            Ok(expired.len())
        }

        pub fn heartbeat(c: &mut Conn, id: i64, owner: &str, until: i64) -> QueryResult<bool> {
            diesel::update(
                j::jobs
                    .filter(j::id.eq(id))
                    .filter(j::state.eq(state_sql::Running))
                    .filter(j::lease_owner.eq(owner)),
            )
            .set(j::lease_expires_at.eq(until))
            .execute(c)
            .map(|n| n == 1)
        }

        pub fn complete(c: &mut Conn, id: i64, owner: &str, now: i64) -> QueryResult<bool> {
            diesel::update(
                j::jobs
                    .filter(j::id.eq(id))
                    .filter(j::state.eq(state_sql::Running))
                    .filter(j::lease_owner.eq(owner)),
            )
            .set((
                j::state.eq(job_state::DONE),
                j::lease_owner.eq(None::<String>),
                j::lease_expires_at.eq(None::<i64>),
                j::finished_at.eq(now),
                j::updated_at.eq(now),
            ))
            .execute(c)
            .map(|n| n == 1)
        }

        pub fn fail(
            c: &mut Conn,
            id: i64,
            owner: &str,
            error: &str,
            disposition: Disposition,
            now: i64,
        ) -> QueryResult<FailOutcome> {
            c.write_tx(|c| {
                let Some(job) = load_leased(c, id, owner)? else {
                    return Ok(FailOutcome::LeaseLost);
                };
                Ok(match disposition {
                    Disposition::Dead => {
                        bury(c, id, error, now)?;
                        FailOutcome::Dead
                    }
                    Disposition::Retry { run_after } => {
                        match requeue(c, &job, run_after, job.attempts, Some(error), now)? {
                            Requeued::Itself => FailOutcome::Retrying { run_after },
                            Requeued::Twin(twin) => FailOutcome::FoldedInto(twin),
                        }
                    }
                })
            })
        }

        pub fn release(c: &mut Conn, id: i64, owner: &str, now: i64) -> QueryResult<bool> {
            c.write_tx(|c| {
                let Some(job) = load_leased(c, id, owner)? else {
                    return Ok(false);
                };
                let attempts = (job.attempts - 1).max(0);
                requeue(c, &job, now, attempts, None, now)?;
                Ok(true)
            })
        }

        pub fn retry_dead(c: &mut Conn, id: i64, now: i64) -> QueryResult<Option<i64>> {
            c.write_tx(|c| {
                let $l = j::jobs
                    .filter(j::id.eq(id))
                    .filter(j::state.eq(state_sql::Dead))
                    .select(JobRow::as_select());
                let Some(job) = $lock.first(c).optional()? else {
                    return Ok(None);
                };
                Ok(Some(match requeue(c, &job, now, 0, None, now)? {
                    Requeued::Itself => id,
                    Requeued::Twin(twin) => twin,
                }))
            })
        }

        fn load_leased(c: &mut Conn, id: i64, owner: &str) -> QueryResult<Option<JobRow>> {
            let $l = j::jobs
                .filter(j::id.eq(id))
                .filter(j::state.eq(state_sql::Running))
                .filter(j::lease_owner.eq(owner))
                .select(JobRow::as_select());
            $lock.first(c).optional()
        }

        fn bury(c: &mut Conn, id: i64, error: &str, now: i64) -> QueryResult<usize> {
            diesel::update(j::jobs.find(id))
                .set((
                    j::state.eq(job_state::DEAD),
                    j::lease_owner.eq(None::<String>),
                    j::lease_expires_at.eq(None::<i64>),
                    j::last_error.eq(error),
                    j::finished_at.eq(now),
                    j::updated_at.eq(now),
                ))
                .execute(c)
        }

        /// Puts a (locked) job back in the queue, or folds it into a waiting twin that has the
        /// same dedup key: the twin inherits the later run time, the higher attempt count and
        /// the error, and this row goes.
        fn requeue(
            c: &mut Conn,
            job: &JobRow,
            run_after: i64,
            attempts: i32,
            error: Option<&str>,
            now: i64,
        ) -> QueryResult<Requeued> {
            let error = error.map(str::to_string).or_else(|| job.last_error.clone());
            if let Some(key) = &job.dedup_key {
                let twin: Option<(i64, i32, i64)> = j::jobs
                    .filter(j::kind.eq(&job.kind))
                    .filter(j::dedup_key.eq(key))
                    .filter(j::state.eq(state_sql::Queued))
                    .filter(j::id.ne(job.id))
                    .select((j::id, j::attempts, j::run_after))
                    .first(c)
                    .optional()?;
                if let Some((twin_id, twin_attempts, twin_run_after)) = twin {
                    diesel::delete(j::jobs.find(job.id)).execute(c)?;
                    diesel::update(j::jobs.find(twin_id))
                        .set((
                            j::attempts.eq(twin_attempts.max(attempts)),
                            j::run_after.eq(twin_run_after.max(run_after)),
                            j::last_error.eq(error),
                            j::updated_at.eq(now),
                        ))
                        .execute(c)?;
                    return Ok(Requeued::Twin(twin_id));
                }
            }
            diesel::update(j::jobs.find(job.id))
                .set((
                    j::state.eq(job_state::QUEUED),
                    j::lease_owner.eq(None::<String>),
                    j::lease_expires_at.eq(None::<i64>),
                    j::run_after.eq(run_after),
                    j::attempts.eq(attempts),
                    j::last_error.eq(error),
                    j::finished_at.eq(None::<i64>),
                    j::updated_at.eq(now),
                ))
                .execute(c)?;
            Ok(Requeued::Itself)
        }

        pub fn purge_done(c: &mut Conn, finished_before: i64) -> QueryResult<usize> {
            diesel::delete(
                j::jobs
                    .filter(j::state.eq(state_sql::Done))
                    .filter(j::finished_at.lt(finished_before)),
            )
            .execute(c)
        }
    };
}

mod pg {
    queue_ops!(
        diesel::PgConnection,
        lock = |q| q.for_update(),
        lock_skip = |q| q.for_update().skip_locked()
    );
}

mod sqlite {
    queue_ops!(diesel::SqliteConnection, lock = |q| q, lock_skip = |q| q);
}

/// A concurrent enqueue on PostgreSQL can take the dedup slot between a requeue's look for a twin
/// and its update; the operation is then simply run again (it finds the twin this time).
fn again_on_dedup_race<T>(mut op: impl FnMut() -> QueryResult<T>) -> QueryResult<T> {
    match op() {
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => op(),
        other => other,
    }
}

macro_rules! dispatch {
    ($conn:expr, $f:ident($($arg:expr),*)) => {
        match $conn {
            DbConnection::Postgresql(c) => pg::$f(c, $($arg),*),
            DbConnection::Sqlite(c) => sqlite::$f(c, $($arg),*),
        }
    };
}

/// Adds a job; `None` when a queued job of the same kind already has its dedup key.
pub fn enqueue(conn: &mut DbConnection, job: &NewJob, now: i64) -> QueryResult<Option<i64>> {
    dispatch!(conn, enqueue(job, now))
}

/// Adds many jobs in one transaction; returns how many were new (the rest were duplicates).
pub fn enqueue_many(conn: &mut DbConnection, batch: &[NewJob], now: i64) -> QueryResult<usize> {
    dispatch!(conn, enqueue_many(batch, now))
}

/// Leases up to `limit` due jobs to `owner` for `lease_ms`, highest priority first. (The jobs of
/// lost workers come back through [`reap_expired`], which the runner calls every second.)
pub fn claim(
    conn: &mut DbConnection,
    owner: &str,
    limit: i64,
    lease_ms: i64,
    now: i64,
) -> QueryResult<Vec<JobRow>> {
    dispatch!(conn, claim(owner, limit, lease_ms, now))
}

/// Requeues or dead-letters the running jobs whose lease expired before `now`.
pub fn reap_expired(conn: &mut DbConnection, now: i64) -> QueryResult<usize> {
    again_on_dedup_race(|| dispatch!(&mut *conn, reap_expired(now)))
}

/// Extends a lease; false when it is no longer `owner`'s.
pub fn heartbeat(conn: &mut DbConnection, id: i64, owner: &str, until: i64) -> QueryResult<bool> {
    dispatch!(conn, heartbeat(id, owner, until))
}

/// Marks a leased job done; false when the lease was lost.
pub fn complete(conn: &mut DbConnection, id: i64, owner: &str, now: i64) -> QueryResult<bool> {
    dispatch!(conn, complete(id, owner, now))
}

/// Records a failed attempt and retries or dead-letters the job.
pub fn fail(
    conn: &mut DbConnection,
    id: i64,
    owner: &str,
    error: &str,
    disposition: Disposition,
    now: i64,
) -> QueryResult<FailOutcome> {
    again_on_dedup_race(|| dispatch!(&mut *conn, fail(id, owner, error, disposition, now)))
}

/// Gives a leased job back unrun (shutdown): queued at once, its attempt not counted.
pub fn release(conn: &mut DbConnection, id: i64, owner: &str, now: i64) -> QueryResult<bool> {
    again_on_dedup_race(|| dispatch!(&mut *conn, release(id, owner, now)))
}

/// Queues a dead job again with fresh attempts; returns the id of the job that will run (its
/// own, or a waiting twin's), `None` when the job is not dead.
pub fn retry_dead(conn: &mut DbConnection, id: i64, now: i64) -> QueryResult<Option<i64>> {
    again_on_dedup_race(|| dispatch!(&mut *conn, retry_dead(id, now)))
}

/// Deletes done jobs that finished before `finished_before`.
pub fn purge_done(conn: &mut DbConnection, finished_before: i64) -> QueryResult<usize> {
    dispatch!(conn, purge_done(finished_before))
}

pub fn get(conn: &mut DbConnection, id: i64) -> QueryResult<Option<JobRow>> {
    jobs::table
        .find(id)
        .select(JobRow::as_select())
        .first(conn)
        .optional()
}

/// Jobs in `state` (all states when `None`), newest first.
pub fn list(conn: &mut DbConnection, state: Option<&str>, limit: i64) -> QueryResult<Vec<JobRow>> {
    let mut query = jobs::table
        .select(JobRow::as_select())
        .order(jobs::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(jobs::state.eq(state.to_string()));
    }
    query.load(conn)
}

/// Number of jobs per (kind, state).
pub fn counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, i64)>> {
    jobs::table
        .group_by((jobs::kind, jobs::state))
        .select((jobs::kind, jobs::state, diesel::dsl::count_star()))
        .load(conn)
}
