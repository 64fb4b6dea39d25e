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

both_backends!(
    replicas_share_a_schedule,
    schedules_run_on_their_own,
    a_shortened_interval_applies_at_once,
    replicas_racing_for_a_period_take_it_once
);

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

async fn a_shortened_interval_applies_at_once(backend: Backend) {
    let t = TestDb::new(backend);
    let q = Queue::new(t.connect(), &JobSettings::default());
    let s = Scheduler::new(q.clone(), vec![]);
    let hour = Periodic::new(&q, 3600, Tick {});
    assert!(s.fire_if_due(&hour).await.unwrap());
    assert!(!s.fire_if_due(&hour).await.unwrap());
    // The admin shortens the interval to a minute: the hour-ahead run is not waited for.
    let minute = Periodic::new(&q, 60, Tick {});
    assert!(s.fire_if_due(&minute).await.unwrap());
    assert!(!s.fire_if_due(&minute).await.unwrap(), "then once a minute");
}

/// Many replicas asking at the same moment, many times over: each period is taken once.
async fn replicas_racing_for_a_period_take_it_once(backend: Backend) {
    let t = TestDb::new(backend);
    let q = Queue::new(t.connect(), &JobSettings::default());
    let every = Periodic::new(&q, 3600, Tick {});
    let replicas: Vec<Scheduler> = (0..6).map(|_| Scheduler::new(q.clone(), vec![])).collect();
    let fired =
        futures_util::future::join_all(replicas.iter().map(|r| r.fire_if_due(&every))).await;
    let taken = fired.into_iter().filter(|f| *f.as_ref().unwrap()).count();
    assert_eq!(taken, 1, "one replica takes the period");
    for r in &replicas {
        assert!(!r.fire_if_due(&every).await.unwrap());
    }
}
