//! The queue's storage operations on both backends.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use adlerdo::db::models::{NewJob, job_state};
use adlerdo::jobs::now_ms;
use adlerdo::jobs::queue::{self, Disposition, FailOutcome};

use crate::both_backends;
use crate::helpers::{Backend, TestDb};

fn job(kind: &str, key: Option<&str>) -> NewJob {
    NewJob {
        kind: kind.into(),
        payload: "{}".into(),
        dedup_key: key.map(Into::into),
        priority: 0,
        run_after: 0,
        max_attempts: 3,
    }
}

both_backends!(
    enqueue_deduplicates_waiting_jobs,
    claim_orders_by_priority_and_due_time,
    lease_only_lets_its_owner_finish,
    expired_lease_makes_the_job_claimable_again,
    expired_lease_on_the_last_attempt_dead_letters,
    failure_folds_into_a_waiting_twin,
    dead_jobs_can_be_retried,
    concurrent_claimers_never_share_a_job,
    purge_removes_only_old_done_jobs,
);

async fn enqueue_deduplicates_waiting_jobs(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let now = now_ms();
    let first = queue::enqueue(&mut c, &job("sync", Some("p:1")), now).unwrap();
    assert!(first.is_some());
    assert_eq!(
        queue::enqueue(&mut c, &job("sync", Some("p:1")), now).unwrap(),
        None,
        "duplicate while queued"
    );
    assert!(
        queue::enqueue(&mut c, &job("other", Some("p:1")), now)
            .unwrap()
            .is_some(),
        "keys are per kind"
    );
    assert!(
        queue::enqueue(&mut c, &job("sync", None), now)
            .unwrap()
            .is_some()
    );
    assert!(
        queue::enqueue(&mut c, &job("sync", None), now)
            .unwrap()
            .is_some(),
        "no key, no dedup"
    );

    // Once the job runs, a new change needs a new run: the key is free again.
    let claimed = queue::claim(&mut c, "w", 10, 60_000, now).unwrap();
    assert_eq!(claimed.len(), 4);
    let again = queue::enqueue(&mut c, &job("sync", Some("p:1")), now).unwrap();
    assert!(again.is_some() && again != first);

    // A batch skips the duplicates, within itself and against the table.
    let batch = vec![
        job("sync", Some("p:1")),
        job("sync", Some("p:2")),
        job("sync", Some("p:2")),
        job("sync", Some("p:3")),
    ];
    assert_eq!(queue::enqueue_many(&mut c, &batch, now).unwrap(), 2);
}

async fn claim_orders_by_priority_and_due_time(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let now = now_ms();
    let mut low = job("k", None);
    low.priority = -1;
    let mut high = job("k", None);
    high.priority = 5;
    let mut later = job("k", None);
    later.run_after = now + 60_000;
    let low_id = queue::enqueue(&mut c, &low, now).unwrap().unwrap();
    let plain_id = queue::enqueue(&mut c, &job("k", None), now)
        .unwrap()
        .unwrap();
    let high_id = queue::enqueue(&mut c, &high, now).unwrap().unwrap();
    queue::enqueue(&mut c, &later, now).unwrap().unwrap();

    let ids: Vec<i64> = queue::claim(&mut c, "w", 10, 120_000, now)
        .unwrap()
        .iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(
        ids,
        vec![high_id, plain_id, low_id],
        "not-yet-due job stays"
    );
    let row = queue::get(&mut c, high_id).unwrap().unwrap();
    assert_eq!(row.state, job_state::RUNNING);
    assert_eq!(row.attempts, 1);
    assert_eq!(row.lease_owner.as_deref(), Some("w"));
    assert_eq!(row.lease_expires_at, Some(now + 120_000));
    assert!(queue::claim(&mut c, "w", 10, 1000, now).unwrap().is_empty());
    assert_eq!(
        queue::claim(&mut c, "w", 10, 1000, now + 60_000)
            .unwrap()
            .len(),
        1
    );
}

async fn lease_only_lets_its_owner_finish(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let now = now_ms();
    let id = queue::enqueue(&mut c, &job("k", None), now)
        .unwrap()
        .unwrap();
    queue::claim(&mut c, "a", 1, 1000, now).unwrap();
    assert!(!queue::complete(&mut c, id, "b", now).unwrap());
    assert!(!queue::heartbeat(&mut c, id, "b", now + 5000).unwrap());
    assert_eq!(
        queue::fail(&mut c, id, "b", "x", Disposition::Dead, now).unwrap(),
        FailOutcome::LeaseLost
    );
    assert!(queue::heartbeat(&mut c, id, "a", now + 5000).unwrap());
    assert!(queue::complete(&mut c, id, "a", now).unwrap());
    let row = queue::get(&mut c, id).unwrap().unwrap();
    assert_eq!(row.state, job_state::DONE);
    assert_eq!(row.finished_at, Some(now));
    assert_eq!(row.lease_owner, None);
    assert!(
        !queue::complete(&mut c, id, "a", now).unwrap(),
        "done only once"
    );
}

async fn expired_lease_makes_the_job_claimable_again(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let now = now_ms();
    let id = queue::enqueue(&mut c, &job("k", None), now)
        .unwrap()
        .unwrap();
    // Worker "crashed" claims it and is never heard of again.
    assert_eq!(
        queue::claim(&mut c, "crashed", 1, 1000, now).unwrap().len(),
        1
    );
    assert!(
        queue::claim(&mut c, "b", 1, 1000, now + 999)
            .unwrap()
            .is_empty(),
        "lease still valid"
    );
    // A renewed lease keeps it, too.
    assert!(queue::heartbeat(&mut c, id, "crashed", now + 2000).unwrap());
    assert!(
        queue::claim(&mut c, "b", 1, 1000, now + 1500)
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        queue::reap_expired(&mut c, now + 1999).unwrap(),
        0,
        "not yet expired"
    );
    assert_eq!(queue::reap_expired(&mut c, now + 2001).unwrap(), 1);
    let taken = queue::claim(&mut c, "b", 1, 1000, now + 2001).unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].id, id);
    assert_eq!(taken[0].attempts, 2, "the lost attempt counts");
    assert_eq!(taken[0].lease_owner.as_deref(), Some("b"));
    assert!(
        taken[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("lease expired")
    );
    // The crashed worker, should it wake up, can no longer finish it.
    assert!(!queue::complete(&mut c, id, "crashed", now + 2002).unwrap());
    assert!(queue::complete(&mut c, id, "b", now + 2002).unwrap());
}

async fn expired_lease_on_the_last_attempt_dead_letters(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let now = now_ms();
    let mut poison = job("k", None);
    poison.max_attempts = 2;
    let id = queue::enqueue(&mut c, &poison, now).unwrap().unwrap();
    queue::claim(&mut c, "w1", 1, 100, now).unwrap();
    queue::reap_expired(&mut c, now + 200).unwrap();
    queue::claim(&mut c, "w2", 1, 100, now + 200).unwrap();
    assert_eq!(queue::reap_expired(&mut c, now + 400).unwrap(), 1);
    let row = queue::get(&mut c, id).unwrap().unwrap();
    assert_eq!(
        row.state,
        job_state::DEAD,
        "a job that kills its worker twice is not run a third time"
    );
    assert_eq!(row.attempts, 2);
    assert!(row.last_error.unwrap().contains("w2"));
}

async fn failure_folds_into_a_waiting_twin(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let now = now_ms();
    let running = queue::enqueue(&mut c, &job("sync", Some("stock")), now)
        .unwrap()
        .unwrap();
    queue::claim(&mut c, "w", 1, 60_000, now).unwrap();
    let twin = queue::enqueue(&mut c, &job("sync", Some("stock")), now)
        .unwrap()
        .unwrap();
    let outcome = queue::fail(
        &mut c,
        running,
        "w",
        "odoo down",
        Disposition::Retry {
            run_after: now + 5000,
        },
        now,
    )
    .unwrap();
    assert_eq!(outcome, FailOutcome::FoldedInto(twin));
    assert!(queue::get(&mut c, running).unwrap().is_none());
    let row = queue::get(&mut c, twin).unwrap().unwrap();
    assert_eq!(row.state, job_state::QUEUED);
    assert_eq!(row.attempts, 1);
    assert_eq!(row.run_after, now + 5000, "the twin waits out the backoff");
    assert_eq!(row.last_error.as_deref(), Some("odoo down"));

    // Without a twin the job itself waits for its retry.
    let lone = queue::enqueue(&mut c, &job("sync", Some("lone")), now)
        .unwrap()
        .unwrap();
    let claimed = queue::claim(&mut c, "w", 1, 60_000, now + 10_000).unwrap();
    assert_eq!(claimed[0].id, lone, "the oldest due job comes first");
    let outcome = queue::fail(
        &mut c,
        lone,
        "w",
        "boom",
        Disposition::Retry {
            run_after: now + 20_000,
        },
        now + 10_000,
    )
    .unwrap();
    assert_eq!(
        outcome,
        FailOutcome::Retrying {
            run_after: now + 20_000
        }
    );
}

async fn dead_jobs_can_be_retried(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let now = now_ms();
    let id = queue::enqueue(&mut c, &job("k", Some("x")), now)
        .unwrap()
        .unwrap();
    queue::claim(&mut c, "w", 1, 1000, now).unwrap();
    assert_eq!(
        queue::fail(&mut c, id, "w", "bad data", Disposition::Dead, now).unwrap(),
        FailOutcome::Dead
    );
    let row = queue::get(&mut c, id).unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.last_error.as_deref()),
        (job_state::DEAD, Some("bad data"))
    );
    // A dead job does not block new ones with its key.
    let fresh = queue::enqueue(&mut c, &job("k", Some("x")), now)
        .unwrap()
        .unwrap();
    // Retrying it folds it into that fresh twin; a lone dead job is queued itself.
    assert_eq!(queue::retry_dead(&mut c, id, now).unwrap(), Some(fresh));
    assert_eq!(
        queue::retry_dead(&mut c, fresh, now).unwrap(),
        None,
        "not dead"
    );

    let other = queue::enqueue(&mut c, &job("k2", None), now)
        .unwrap()
        .unwrap();
    let claimed = queue::claim(&mut c, "w", 5, 1000, now).unwrap();
    assert!(claimed.iter().any(|j| j.id == other));
    queue::fail(&mut c, other, "w", "bad", Disposition::Dead, now).unwrap();
    assert_eq!(
        queue::retry_dead(&mut c, other, now + 1).unwrap(),
        Some(other)
    );
    let row = queue::get(&mut c, other).unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.attempts, row.finished_at),
        (job_state::QUEUED, 0, None)
    );
}

async fn concurrent_claimers_never_share_a_job(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let now = now_ms();
    let batch: Vec<NewJob> = (0..400).map(|_| job("k", None)).collect();
    queue::enqueue_many(&mut db.get().unwrap(), &batch, now).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..4)
        .map(|n| {
            let db = db.clone();
            let seen = Arc::clone(&seen);
            std::thread::spawn(move || {
                let mut c = db.get().unwrap();
                let owner = format!("w{n}");
                loop {
                    let jobs = queue::claim(&mut c, &owner, 3, 60_000, now).unwrap();
                    if jobs.is_empty() {
                        break;
                    }
                    for j in jobs {
                        assert!(queue::complete(&mut c, j.id, &owner, now).unwrap());
                        seen.lock().unwrap().push(j.id);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let seen = seen.lock().unwrap();
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(seen.len(), 400, "every job claimed once");
    assert_eq!(unique.len(), 400, "no job claimed twice");
}

async fn purge_removes_only_old_done_jobs(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let now = now_ms();
    let batch: Vec<NewJob> = (0..3).map(|_| job("k", None)).collect();
    queue::enqueue_many(&mut c, &batch, now).unwrap();
    let claimed = queue::claim(&mut c, "w", 2, 1000, now).unwrap();
    queue::complete(&mut c, claimed[0].id, "w", now - 10_000).unwrap();
    queue::complete(&mut c, claimed[1].id, "w", now).unwrap();
    assert_eq!(queue::purge_done(&mut c, now - 5000).unwrap(), 1);
    let states: Vec<String> = queue::list(&mut c, None, 10)
        .unwrap()
        .into_iter()
        .map(|j| j.state)
        .collect();
    assert_eq!(states, vec!["queued", "done"]);
}
