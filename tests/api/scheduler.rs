//! Periodic jobs: each period enqueues once, whatever the number of replicas.

use std::time::Duration;

use adlerdo::config::JobSettings;
use adlerdo::jobs::{Job, Periodic, Queue, Scheduler, queue};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::both_backends;
use crate::helpers::{Backend, TestDb};

#[derive(Clone, Serialize, Deserialize)]
struct Tick {}

impl Job for Tick {
    const KIND: &'static str = "test.tick";
    type Context = ();
    async fn run(self, _: ()) -> anyhow::Result<()> {
        Ok(())
    }
}

both_backends!(replicas_share_a_schedule, schedules_run_on_their_own);

async fn replicas_share_a_schedule(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let q = Queue::new(db.clone(), &JobSettings::default());
    let a = Scheduler::new(q.clone(), vec![]);
    let b = Scheduler::new(q.clone(), vec![]);
    let every = Periodic::new(&q, 1, Tick {});
    let (fa, fb) = tokio::join!(a.fire_if_due(&every), b.fire_if_due(&every));
    assert_eq!(
        [fa.unwrap(), fb.unwrap()]
            .iter()
            .filter(|&&fired| fired)
            .count(),
        1,
        "the first period fires on exactly one replica"
    );
    assert!(
        !a.fire_if_due(&every).await.unwrap(),
        "not again within the period"
    );
    let jobs = db.run(|c| queue::list(c, None, 10)).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].kind, "test.tick");
    assert_eq!(jobs[0].dedup_key.as_deref(), Some("periodic"));

    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(b.fire_if_due(&every).await.unwrap(), "next period");
    // The first run had not been taken by a worker: the second is folded into it.
    assert_eq!(db.run(|c| queue::list(c, None, 10)).await.unwrap().len(), 1);
}

async fn schedules_run_on_their_own(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let q = Queue::new(db.clone(), &JobSettings::default());
    let shutdown = CancellationToken::new();
    let disabled = Periodic::new(&q, 0, Tick {});
    let handle = Scheduler::new(q.clone(), vec![Periodic::new(&q, 1, Tick {}), disabled])
        .with_tick(Duration::from_millis(50))
        .start(shutdown.clone());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let jobs = db.run(|c| queue::list(c, None, 10)).await.unwrap();
        if !jobs.is_empty() {
            assert_eq!(jobs.len(), 1);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "scheduler enqueued nothing"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    shutdown.cancel();
    handle.await.unwrap();
}
