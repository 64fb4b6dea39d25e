-- The durable job queue. Times are Unix epoch milliseconds (portable across backends).
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    dedup_key        TEXT,
    priority         INTEGER NOT NULL DEFAULT 0,
    state            TEXT    NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'running', 'done', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    run_after        BIGINT  NOT NULL,
    lease_owner      TEXT,
    lease_expires_at BIGINT,
    last_error       TEXT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    finished_at      BIGINT
);

-- What a worker claims next.
CREATE INDEX jobs_claim_idx ON jobs (priority DESC, run_after, id) WHERE state = 'queued';
-- Leases to reap when a worker is lost.
CREATE INDEX jobs_lease_idx ON jobs (lease_expires_at) WHERE state = 'running';
-- At most one waiting job per (kind, dedup_key).
CREATE UNIQUE INDEX jobs_dedup_idx ON jobs (kind, dedup_key)
    WHERE state = 'queued' AND dedup_key IS NOT NULL;
-- Cleanup of finished jobs; queue depth per kind and state.
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE state = 'done';
CREATE INDEX jobs_kind_state_idx ON jobs (kind, state);

-- Periodic jobs: one row per schedule; replicas take turns by moving next_run_at atomically.
CREATE TABLE schedules (
    name          TEXT   PRIMARY KEY,
    interval_secs BIGINT NOT NULL,
    next_run_at   BIGINT NOT NULL,
    last_run_at   BIGINT
);
