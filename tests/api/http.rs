//! The HTTP edge: health, metrics, limits, errors, shutdown.

use std::time::Duration;

use adlerdo::jobs::cleanup::Cleanup;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::Value;

use crate::helpers::{Backend, TestDb, pg_admin_url, spawn_app, spawn_app_with, test_settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_the_database() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["mode"], "sandbox");
    assert_eq!(body["database"]["status"], "ok");
    assert_eq!(body["database"]["backend"], app.state.db.backend());
    app.stop().await.unwrap();
}

/// PostgreSQL going away turns /health into a 503 that says why; /metrics still answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_503_when_the_database_is_gone() {
    crate::helpers::init_test_logging();
    let db = TestDb::new(Backend::Postgres);
    let mut settings = test_settings(&db);
    settings.database.connect_timeout_secs = 1;
    let app = adlerdo::startup::Application::build(settings)
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let token = app.shutdown_token();
    let handle = tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    assert_eq!(
        client
            .get(format!("{base}/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let name = db.url.rsplit('/').next().unwrap().to_string();
    let mut admin = PgConnection::establish(&pg_admin_url()).unwrap();
    admin
        .batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .unwrap();

    let res = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["database"]["status"], "unavailable");
    assert!(!body["database"]["error"].as_str().unwrap().is_empty());
    assert_eq!(
        client
            .get(format!("{base}/metrics"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    token.cancel();
    handle.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_show_requests_jobs_and_queue_depth() {
    let app = spawn_app().await;
    app.client.get(app.url("/health")).send().await.unwrap();
    app.client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    app.state.queue.enqueue(&Cleanup {}).await.unwrap().unwrap();
    app.wait_for_jobs(Duration::from_secs(20)).await;

    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text().await.unwrap();
    for expected in [
        "adlerdo_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 1",
        "adlerdo_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1",
        "adlerdo_http_request_duration_seconds_count{method=\"GET\",route=\"/health\"} 1",
        "adlerdo_jobs_total{kind=\"jobs.cleanup\",outcome=\"done\"} 1",
        "adlerdo_job_duration_seconds_count{kind=\"jobs.cleanup\"} 1",
        "adlerdo_queue_jobs{kind=\"jobs.cleanup\",state=\"done\"} 1",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(text.contains("adlerdo_build_info{"), "{text}");
    app.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_refused_before_routing() {
    let app = spawn_app_with(|s| s.server.body_limit_bytes = 4096).await;
    let res = app
        .client
        .post(app.url("/health"))
        .body(vec![b'x'; 10_000])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert!(body["error"]["message"].as_str().unwrap().contains("4096"));
    app.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_get_a_json_404_and_the_index_answers() {
    let app = spawn_app().await;
    let res = app
        .client
        .delete(app.url("/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(
        body["error"]["message"],
        "no such resource: DELETE /nothing-here"
    );

    let body: Value = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["name"], "AdlerDo");
    assert_eq!(body["links"]["health"], "/health");
    assert_eq!(
        body["catalog"]["products"], 0,
        "nothing imported with the schedule off"
    );
    app.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_runs_periodic_jobs_in_the_app() {
    let app = spawn_app_with(|s| s.schedule.cleanup_secs = 1).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let done = app
            .state
            .db
            .run(|c| adlerdo::jobs::queue::list(c, Some("done"), 10))
            .await
            .unwrap();
        if done.iter().any(|j| j.kind == "jobs.cleanup") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "cleanup never ran");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.stop().await.unwrap();
}

/// Sandbox mode end to end: the app starts its Odoo emulator and the scheduled product sync
/// imports the emulator's catalog into the hub.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_imports_the_emulated_catalog() {
    use adlerdo::db::schema::products;
    use diesel::prelude::*;
    let app = spawn_app_with(|s| s.schedule.product_sync_secs = 3600).await;
    let sim = app
        .state
        .odoo_sim
        .clone()
        .expect("sandbox mode runs the Odoo emulator");
    let expected = sim
        .with(|s| s.store.ids("product.product").count() as i64)
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let n: i64 = app
            .state
            .db
            .run(|c| products::table.count().get_result(c))
            .await
            .unwrap();
        if n == expected {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "imported {n} of {expected} products"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.wait_for_jobs(Duration::from_secs(20)).await;
    let done = app
        .state
        .db
        .run(|c| adlerdo::jobs::queue::list(c, Some("done"), 10))
        .await
        .unwrap();
    assert!(
        done.iter().any(|j| j.kind == "odoo.products.sync"),
        "{done:?}"
    );
    app.stop().await.unwrap();
}

/// A sync job that meets a failing Odoo records why, and is retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_sync_job_keeps_its_error_and_retries() {
    let app = spawn_app_with(|s| s.jobs.backoff_base_ms = 60_000).await;
    let sim = app.state.odoo_sim.clone().unwrap();
    sim.with(|s| s.fail_after = Some(0)).unwrap();
    let id = app
        .state
        .queue
        .enqueue(&adlerdo::sync::products::SyncProducts { full: true })
        .await
        .unwrap()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let job = app
            .state
            .db
            .run(move |c| adlerdo::jobs::queue::get(c, id))
            .await
            .unwrap()
            .unwrap();
        if job.attempts == 1 && job.state == "queued" {
            let error = job.last_error.unwrap_or_default();
            assert!(error.contains("server closed the connection"), "{error}");
            assert!(
                job.run_after > adlerdo::jobs::now_ms(),
                "waits for its retry"
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "job never failed: {job:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.stop().await.unwrap();
}
