//! The Odoo-compatible facade on the real server: Odoo client libraries written by others
//! (Python's xmlrpc.client, OdooRPC), the protocols' envelopes on bad input, login throttling,
//! API keys and the addon's calls.

use std::process::Command;
use std::time::Duration;

use adlerdo::startup::{SANDBOX_FACADE_KEY, SANDBOX_KEY_NAME};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const DB: &str = "adlerdo";

/// The Python with the test requirements: `target/pyenv` made by scripts/test, else `python3`.
fn python() -> String {
    if let Ok(p) = std::env::var("ADLERDO_TEST_PYTHON") {
        return p;
    }
    let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/target/pyenv/bin/python");
    if std::path::Path::new(venv).exists() {
        venv.to_string()
    } else {
        "python3".to_string()
    }
}

/// The sandbox app once its first product import is done.
async fn app_with_products() -> TestApp {
    let app = spawn_app().await;
    let client = app.state.odoo.client().await.expect("sandbox Odoo");
    adlerdo::sync::products::sync_products(&app.state.db, client, 300, true, &|_| {})
        .await
        .expect("first product import");
    app
}

async fn jsonrpc(app: &TestApp, service: &str, method: &str, args: Value) -> Value {
    app.client
        .post(app.url("/jsonrpc"))
        .json(&json!({"jsonrpc": "2.0", "method": "call", "params": {"service": service, "method": method, "args": args}, "id": 7}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn execute_kw(
    app: &TestApp,
    uid: i64,
    key: &str,
    model: &str,
    method: &str,
    args: Value,
    kw: Value,
) -> Value {
    jsonrpc(
        app,
        "object",
        "execute_kw",
        json!([DB, uid, key, model, method, args, kw]),
    )
    .await
}

async fn sandbox_uid(app: &TestApp) -> i64 {
    let r = jsonrpc(
        app,
        "common",
        "login",
        json!([DB, SANDBOX_KEY_NAME, SANDBOX_FACADE_KEY]),
    )
    .await;
    r["result"]
        .as_i64()
        .unwrap_or_else(|| panic!("login failed: {r}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odoo_client_libraries_work_against_the_facade() {
    let app = app_with_products().await;
    let odoo_product_id: i64 = app
        .state
        .db
        .run(|c| {
            use adlerdo::db::schema::products;
            use diesel::prelude::*;
            products::table
                .filter(products::odoo_id.is_not_null())
                .select(products::odoo_id.assume_not_null())
                .first(c)
        })
        .await
        .unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/facade_clients.py"
    );
    let url = app.address.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python())
            .args([
                script,
                &url,
                DB,
                SANDBOX_KEY_NAME,
                SANDBOX_FACADE_KEY,
                &odoo_product_id.to_string(),
            ])
            .output()
    })
    .await
    .unwrap()
    .expect("python3 is needed for this test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
    // The addon's notifications became jobs that ran against the (emulated) Odoo.
    app.wait_for_jobs(Duration::from_secs(30)).await;
    // (Saving a marketplace account's settings reads every variant again, so more may be there.)
    let stock: i64 = app
        .state
        .db
        .run(move |c| {
            use adlerdo::db::schema::stock_levels;
            use diesel::prelude::*;
            stock_levels::table
                .filter(stock_levels::odoo_product_id.eq(odoo_product_id))
                .count()
                .get_result(c)
        })
        .await
        .unwrap();
    assert_eq!(
        stock, 1,
        "notify_stock_changed read the variant's quantities"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_request_gets_an_answer_in_its_protocol() {
    let app = spawn_app_with(|s| s.server.body_limit_bytes = 64 * 1024).await;
    let post = |path: &str, ct: &str, body: Vec<u8>| {
        app.client
            .post(app.url(path))
            .header("Content-Type", ct)
            .body(body)
            .send()
    };
    // Malformed JSON: Odoo's 400 page.
    let r = post("/jsonrpc", "application/json", b"{not json".to_vec())
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.text().await.unwrap(), "Invalid JSON data");
    // Not a JSON object.
    let r = post("/jsonrpc", "application/json", b"[1,2]".to_vec())
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Missing params: a TypeError in the JSON-RPC envelope, id echoed.
    let r: Value = post(
        "/jsonrpc",
        "application/json",
        br#"{"jsonrpc":"2.0","id":"x","params":{}}"#.to_vec(),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(r["id"], "x");
    assert_eq!(r["error"]["code"], 200);
    assert_eq!(r["error"]["data"]["name"], "builtins.TypeError");
    // Wrong types: args not a list.
    let r = jsonrpc(
        &app,
        "object",
        "execute_kw",
        json!([DB, 1, "k", "adlerdo.product", "search", "nope"]),
    )
    .await;
    assert_eq!(r["error"]["data"]["name"], "builtins.TypeError", "{r}");
    // Unknown service.
    let r = jsonrpc(&app, "nosuch", "x", json!([])).await;
    assert_eq!(r["error"]["data"]["name"], "builtins.KeyError", "{r}");
    // Wrong content type on a JSON route: Odoo's 400 page.
    let r = post("/jsonrpc", "text/plain", b"{}".to_vec())
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("type=&#39;json&#39;"));
    // Huge payloads: 413 before anything is parsed, in the route's protocol.
    let big = vec![b' '; 200 * 1024];
    let r = post("/jsonrpc", "application/json", big.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let r = post("/xmlrpc/2/object", "text/xml", big.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let r = app
        .client
        .post(app.url("/json/2/adlerdo.sync/status"))
        .header("Content-Type", "application/json")
        .bearer_auth(SANDBOX_FACADE_KEY)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["name"], "werkzeug.exceptions.RequestEntityTooLarge");
    // Malformed and hostile XML: a fault, never a crash.
    for xml in [
        &b"<methodCall><methodName>version</methodName><params>"[..],
        b"not xml at all",
        b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><methodCall><methodName>&b;</methodName></methodCall>",
    ] {
        let r = post("/xmlrpc/2/common", "text/xml", xml.to_vec()).await.unwrap();
        assert_eq!(r.status(), 200);
        let text = r.text().await.unwrap();
        assert!(text.contains("<fault>"), "{text}");
    }
    let deep = format!(
        "<methodCall><methodName>version</methodName><params><param><value>{}1{}</value></param></params></methodCall>",
        "<array><data><value>".repeat(500),
        "</value></data></array>".repeat(500)
    );
    let r = post("/xmlrpc/2/common", "text/xml", deep.into_bytes())
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("<fault>"));
    // GET instead of POST.
    let r = app
        .client
        .get(app.url("/xmlrpc/2/object"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let r = app
        .client
        .get(app.url("/json/2/adlerdo.sync/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["name"], "werkzeug.exceptions.NotFound");
    let r = app.client.get(app.url("/jsonrpc")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    // The server still answers.
    assert_eq!(
        app.client
            .get(app.url("/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let r = jsonrpc(&app, "common", "version", json!([])).await;
    assert_eq!(r["result"]["server_version"], "18.0+adlerdo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_throttled_per_address() {
    let app = spawn_app_with(|s| {
        s.facade.login_cooldown_after = 3;
        s.facade.login_cooldown_secs = 2;
    })
    .await;
    for _ in 0..3 {
        let r = jsonrpc(
            &app,
            "common",
            "login",
            json!([DB, SANDBOX_KEY_NAME, "0".repeat(40)]),
        )
        .await;
        assert_eq!(r["result"], false);
    }
    // Now even the right key is refused, with Odoo's cooldown message.
    let r = jsonrpc(
        &app,
        "common",
        "login",
        json!([DB, SANDBOX_KEY_NAME, SANDBOX_FACADE_KEY]),
    )
    .await;
    assert_eq!(
        r["error"]["data"]["name"], "odoo.exceptions.AccessDenied",
        "{r}"
    );
    assert!(
        r["error"]["data"]["message"]
            .as_str()
            .unwrap()
            .contains("Too many login failures")
    );
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let uid = sandbox_uid(&app).await;
    assert!(uid > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_checked_and_revocation_takes_effect() {
    let app = spawn_app_with(|s| s.facade.key_cache_secs = 1).await;
    let (id, key) = app
        .state
        .db
        .write(|c| adlerdo::auth::create_key(c, "script"))
        .await
        .unwrap();
    let r = jsonrpc(&app, "common", "login", json!([DB, "script", key])).await;
    assert_eq!(r["result"], id);
    // Wrong db.
    let r = jsonrpc(&app, "common", "login", json!(["other", "script", key])).await;
    assert_eq!(r["error"]["data"]["name"], "psycopg2.OperationalError");
    // Another key's uid with this key: denied.
    let r = execute_kw(
        &app,
        id + 100,
        &key,
        "adlerdo.product",
        "search",
        json!([[]]),
        json!({}),
    )
    .await;
    assert_eq!(r["error"]["data"]["name"], "odoo.exceptions.AccessDenied");
    let r = execute_kw(
        &app,
        id,
        &key,
        "adlerdo.product",
        "search_count",
        json!([[]]),
        json!({}),
    )
    .await;
    assert!(r["result"].is_i64(), "{r}");
    app.state
        .db
        .write(move |c| adlerdo::auth::revoke_key(c, id))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let r = execute_kw(
        &app,
        id,
        &key,
        "adlerdo.product",
        "search_count",
        json!([[]]),
        json!({}),
    )
    .await;
    assert_eq!(
        r["error"]["data"]["name"], "odoo.exceptions.AccessDenied",
        "{r}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_sessions_and_call_kw() {
    let app = app_with_products().await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let call = |path: &str, params: Value| {
        client
            .post(app.url(path))
            .json(&json!({"jsonrpc": "2.0", "method": "call", "params": params, "id": 1}))
            .send()
    };
    let r: Value = call(
        "/web/dataset/call_kw",
        json!({"model": "adlerdo.product", "method": "search_count", "args": [[]], "kwargs": {}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(r["error"]["code"], 100, "no session yet: {r}");
    let r: Value = call(
        "/web/session/authenticate",
        json!({"db": DB, "login": SANDBOX_KEY_NAME, "password": SANDBOX_FACADE_KEY}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(r["result"]["uid"].as_i64().unwrap() > 0, "{r}");
    assert_eq!(r["result"]["db"], DB);
    let r: Value = call("/web/dataset/call_kw/adlerdo.product/search_read", json!({"model": "adlerdo.product", "method": "search_read", "args": [[]], "kwargs": {"fields": ["name"], "limit": 2}}))
        .await.unwrap().json().await.unwrap();
    assert_eq!(r["result"].as_array().unwrap().len(), 2, "{r}");
    let r: Value = call(
        "/web/dataset/call_kw",
        json!({"model": "nope", "method": "search", "args": [[]], "kwargs": {}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(r["error"]["code"], 404);
    let r: Value = call("/web/session/get_session_info", json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["result"]["username"], SANDBOX_KEY_NAME);
    call("/web/session/destroy", json!({})).await.unwrap();
    let r: Value = call("/web/session/get_session_info", json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["error"]["code"], 100);
    let r: Value = call("/web/webclient/version_info", json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["result"]["server_version_info"][0], 18);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_reads_see_changes() {
    let app = spawn_app_with(|s| s.facade.read_cache_ms = 800).await;
    let uid = sandbox_uid(&app).await;
    let key = SANDBOX_FACADE_KEY;
    let names = |r: Value| -> Vec<String> {
        r["result"]
            .as_array()
            .unwrap_or_else(|| panic!("{r}"))
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_string())
            .collect()
    };
    let read = || {
        execute_kw(
            &app,
            uid,
            key,
            "adlerdo.marketplace",
            "search_read",
            // The sandbox's own accounts left aside.
            json!([[["name", "not ilike", "Sandbox"]]]),
            json!({"fields": ["name"]}),
        )
    };
    assert!(names(read().await).is_empty());
    // A write through the facade is seen by the next read.
    let r = execute_kw(
        &app,
        uid,
        key,
        "adlerdo.marketplace",
        "create",
        json!([{"kind": "ebay", "name": "A"}]),
        json!({}),
    )
    .await;
    let id = r["result"].as_i64().unwrap();
    assert_eq!(names(read().await), ["A"]);
    // A change made elsewhere (another replica) is seen once the cached answer is too old.
    app.state
        .db
        .write(move |c| {
            use adlerdo::db::schema::marketplaces;
            use diesel::prelude::*;
            diesel::update(marketplaces::table.find(id))
                .set(marketplaces::name.eq("B"))
                .execute(c)
        })
        .await
        .unwrap();
    assert_eq!(names(read().await), ["A"], "served from the cache");
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(names(read().await), ["B"]);
    // A job that ends moves the data generation on.
    app.state.queue.data_changed();
    app.state
        .db
        .write(move |c| {
            use adlerdo::db::schema::marketplaces;
            use diesel::prelude::*;
            diesel::update(marketplaces::table.find(id))
                .set(marketplaces::name.eq("C"))
                .execute(c)
        })
        .await
        .unwrap();
    app.state.queue.data_changed();
    assert_eq!(names(read().await), ["C"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_jobs_are_listed_and_retried_through_the_facade() {
    use adlerdo::db::models::NewJob;
    use adlerdo::jobs::{now_ms, queue};
    let app = spawn_app_with(|s| s.jobs.workers = 0).await;
    let uid = sandbox_uid(&app).await;
    let key = SANDBOX_FACADE_KEY;
    // A job that failed for good, as the runner leaves one.
    let id = app
        .state
        .db
        .write(|c| {
            let job = NewJob {
                kind: "odoo.products.sync_ids".into(),
                payload: r#"{"ids":[1]}"#.into(),
                dedup_key: None,
                priority: 0,
                run_after: now_ms(),
                max_attempts: 1,
            };
            let id = queue::enqueue(c, &job, now_ms())?.unwrap();
            queue::claim(c, "test", 1, 60_000, now_ms())?;
            queue::fail(
                c,
                id,
                "test",
                "Odoo said no",
                queue::Disposition::Dead,
                now_ms(),
            )?;
            Ok(id)
        })
        .await
        .unwrap();
    let r = execute_kw(
        &app,
        uid,
        key,
        "adlerdo.job",
        "search_read",
        json!([[["state", "=", "dead"]]]),
        json!({"fields": ["kind", "state", "attempts", "last_error", "payload"]}),
    )
    .await;
    let rows = r["result"].as_array().unwrap_or_else(|| panic!("{r}"));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], id);
    assert_eq!(rows[0]["last_error"], "Odoo said no");
    assert_eq!(rows[0]["payload"], json!({"ids": [1]}));
    // The status names the failure under its flow.
    let r = execute_kw(
        &app,
        uid,
        key,
        "adlerdo.sync",
        "status",
        json!([]),
        json!({}),
    )
    .await;
    assert_eq!(r["result"]["flows"]["products"]["failed_jobs"], 1, "{r}");
    assert_eq!(
        r["result"]["flows"]["products"]["last_error"]["error"],
        "Odoo said no"
    );
    // Jobs are the hub's own: no writes.
    let r = execute_kw(
        &app,
        uid,
        key,
        "adlerdo.job",
        "unlink",
        json!([[id]]),
        json!({}),
    )
    .await;
    assert_eq!(
        r["error"]["data"]["name"], "odoo.exceptions.AccessError",
        "{r}"
    );
    // retry() puts it back in the queue.
    let r = execute_kw(
        &app,
        uid,
        key,
        "adlerdo.job",
        "retry",
        json!([[id]]),
        json!({}),
    )
    .await;
    assert_eq!(r["result"], json!([id]), "{r}");
    let r = execute_kw(
        &app,
        uid,
        key,
        "adlerdo.job",
        "read",
        json!([[id], ["state", "attempts"]]),
        json!({}),
    )
    .await;
    assert_eq!(r["result"][0]["state"], "queued", "{r}");
    let r = execute_kw(
        &app,
        uid,
        key,
        "adlerdo.job",
        "retry",
        json!([[987654]]),
        json!({}),
    )
    .await;
    assert_eq!(
        r["error"]["data"]["name"], "odoo.exceptions.MissingError",
        "{r}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json2_errors_have_odoo_19_shapes() {
    let app = spawn_app().await;
    let post = |path: &str, body: Value| {
        app.client
            .post(app.url(path))
            .bearer_auth(SANDBOX_FACADE_KEY)
            .json(&body)
            .send()
    };
    let r = post("/json/2/adlerdo.nothing/search", json!({"domain": []}))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["message"],
        "the model 'adlerdo.nothing' does not exist"
    );
    let r = post("/json/2/adlerdo.product/frobnicate", json!({}))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = post(
        "/json/2/adlerdo.product/search",
        json!({"ids": [1], "domain": []}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let r = post(
        "/json/2/adlerdo.product/search",
        json!({"bogus": 1, "domain": []}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let r = post(
        "/json/2/adlerdo.listing/create",
        json!({"vals_list": [{"sku": "x"}]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422, "a validation error");
    assert_eq!(
        r.json::<Value>().await.unwrap()["name"],
        "odoo.exceptions.ValidationError"
    );
    let r = post(
        "/json/2/adlerdo.marketplace/create",
        json!({"vals_list": [{"kind": "amazon", "name": "EU"}]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.json::<Value>().await.unwrap()[0].is_i64(),
        "create answers a list on JSON-2"
    );
    let r = app
        .client
        .post(app.url("/json/2/adlerdo.sync/status"))
        .bearer_auth(SANDBOX_FACADE_KEY)
        .header("X-Odoo-Database", "other")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn products_made_or_edited_through_the_facade_reach_odoo() {
    let app = app_with_products().await;
    let uid = sandbox_uid(&app).await;
    let key = SANDBOX_FACADE_KEY;
    let r = execute_kw(&app, uid, key, "adlerdo.product", "create", json!([{"name": "Facade Lamp", "default_code": "LAMP-F1", "list_price": 42.5, "standard_price": 20}]), json!({})).await;
    let id = r["result"].as_i64().unwrap_or_else(|| panic!("{r}"));
    // Missing name, fields the hub does not change, unlink: refused with Odoo's shapes.
    let r = execute_kw(
        &app,
        uid,
        key,
        "adlerdo.product",
        "create",
        json!([{"default_code": "X"}]),
        json!({}),
    )
    .await;
    assert_eq!(
        r["error"]["data"]["name"], "odoo.exceptions.ValidationError",
        "{r}"
    );
    let r = execute_kw(
        &app,
        uid,
        key,
        "adlerdo.product",
        "write",
        json!([[id], {"is_storable": false}]),
        json!({}),
    )
    .await;
    assert_eq!(
        r["error"]["data"]["name"], "odoo.exceptions.ValidationError",
        "{r}"
    );
    let r = execute_kw(
        &app,
        uid,
        key,
        "adlerdo.product",
        "write",
        json!([[id], {"list_price": -3}]),
        json!({}),
    )
    .await;
    assert_eq!(
        r["error"]["data"]["name"], "odoo.exceptions.ValidationError",
        "{r}"
    );
    let r = execute_kw(
        &app,
        uid,
        key,
        "adlerdo.product",
        "unlink",
        json!([[id]]),
        json!({}),
    )
    .await;
    assert_eq!(
        r["error"]["data"]["name"], "odoo.exceptions.UserError",
        "{r}"
    );
    let r = execute_kw(
        &app,
        uid,
        key,
        "adlerdo.product",
        "write",
        json!([[999_999], {"name": "x"}]),
        json!({}),
    )
    .await;
    assert_eq!(
        r["error"]["data"]["name"], "odoo.exceptions.MissingError",
        "{r}"
    );
    // The push job creates it in Odoo; the hub row gets its Odoo id.
    app.wait_for_jobs(Duration::from_secs(30)).await;
    let r = execute_kw(
        &app,
        uid,
        key,
        "adlerdo.product",
        "read",
        json!([[id], ["odoo_id", "pending", "default_code"]]),
        json!({}),
    )
    .await;
    let row = &r["result"][0];
    let odoo_id = row["odoo_id"].as_i64().unwrap();
    assert!(odoo_id > 0, "{r}");
    assert_eq!(row["pending"], false);
    assert_eq!(row["default_code"], "LAMP-F1");
    // An edit goes the same way.
    let r = execute_kw(
        &app,
        uid,
        key,
        "adlerdo.product",
        "write",
        json!([[id], {"list_price": 45.0, "name": "Facade Lamp II"}]),
        json!({}),
    )
    .await;
    assert_eq!(r["result"], true, "{r}");
    app.wait_for_jobs(Duration::from_secs(30)).await;
    let in_odoo = app
        .state
        .odoo_sim
        .as_ref()
        .unwrap()
        .with(|s| s.store.display_name("product.product", odoo_id))
        .unwrap();
    assert!(in_odoo.contains("Facade Lamp II"), "{in_odoo}");
}
