//! Prometheus metrics, owned by the application state and rendered by `GET /metrics`.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    kind: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    kind: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
    backend: String,
}

pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Family<RouteLabels, Histogram>,
    job_outcomes: Family<OutcomeLabels, Counter>,
    job_duration: Family<KindLabels, Histogram>,
    queue_jobs: Family<QueueLabels, Gauge>,
}

fn latency_histogram() -> Histogram {
    // 0.1 ms to ~26 s.
    Histogram::new(exponential_buckets(0.0001, 4.0, 10))
}

fn job_histogram() -> Histogram {
    // 1 ms to ~17 min.
    Histogram::new(exponential_buckets(0.001, 4.0, 11))
}

impl Metrics {
    /// `backend` names the database backend in `adlerdo_build_info`.
    pub fn new(backend: &str) -> Self {
        let mut registry = Registry::with_prefix("adlerdo");
        let http_requests = Family::<HttpLabels, Counter>::default();
        let http_duration = Family::<RouteLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let job_outcomes = Family::<OutcomeLabels, Counter>::default();
        let job_duration = Family::<KindLabels, Histogram>::new_with_constructor(
            job_histogram as fn() -> Histogram,
        );
        let queue_jobs = Family::<QueueLabels, Gauge>::default();
        let build = Family::<BuildLabels, Gauge>::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION").to_string(),
                backend: backend.to_string(),
            })
            .set(1);
        registry.register(
            "build_info",
            "Version and database backend of this process",
            build,
        );
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency, by method and route pattern",
            http_duration.clone(),
        );
        registry.register(
            "jobs",
            "Job attempts finished, by kind and outcome (done, retry, dead, released, lease_lost, error)",
            job_outcomes.clone(),
        );
        registry.register(
            "job_duration_seconds",
            "Time a job attempt ran, by kind",
            job_duration.clone(),
        );
        registry.register(
            "queue_jobs",
            "Jobs in the queue, by kind and state (read from the database at scrape time)",
            queue_jobs.clone(),
        );
        Self {
            registry,
            http_requests,
            http_duration,
            job_outcomes,
            job_duration,
            queue_jobs,
        }
    }

    /// `route` is the matched route pattern (not the raw path), to bound the label values.
    pub fn http_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.http_requests
            .get_or_create(&HttpLabels {
                method: method.to_string(),
                route: route.to_string(),
                status,
            })
            .inc();
        self.http_duration
            .get_or_create(&RouteLabels {
                method: method.to_string(),
                route: route.to_string(),
            })
            .observe(elapsed.as_secs_f64());
    }

    pub fn job_finished(&self, kind: &str, outcome: &str, elapsed: Duration) {
        self.job_outcomes
            .get_or_create(&OutcomeLabels {
                kind: kind.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
        self.job_duration
            .get_or_create(&KindLabels {
                kind: kind.to_string(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// The text exposition, with the queue gauges set from `queue_counts` (kind, state, count).
    pub fn render(&self, queue_counts: &[(String, String, i64)]) -> String {
        self.queue_jobs.clear();
        for (kind, state, count) in queue_counts {
            self.queue_jobs
                .get_or_create(&QueueLabels {
                    kind: kind.clone(),
                    state: state.clone(),
                })
                .set(*count);
        }
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            log::error!("cannot encode metrics: {e}");
        }
        out
    }
}
