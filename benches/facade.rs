//! Issue 4's target: `search_read` of 80 products over `/jsonrpc` (and the same call over
//! `/xmlrpc/2/object`) from many concurrent keep-alive clients on loopback. Requests/s and the
//! latency distribution are reported, never asserted.
//!
//!     cargo bench --bench facade
//!
//! Environment (defaults in brackets):
//!   TARGET=sim|facade [sim]       the Odoo emulator (`product.product`), or the hub's facade
//!                                 (`adlerdo.product`, see `start_facade`)
//!   PROTOCOL=jsonrpc|xmlrpc|both [both]
//!   CONNECTIONS [64]              comma-separated list for several rows, e.g. `16,64,256`
//!   SERIAL=0|1 [1]                also one row at 1 connection (per-request service time)
//!   SECONDS [10], WARMUP [2]      measured window and warm-up of each row
//!   BACKEND=sqlite|postgres [sqlite]   the facade's database (TEST_DATABASE_URL for PostgreSQL)
//!   PRODUCTS [10000]              generated products in the target
//!   LIMIT [80], FIELDS [JSON list], DOMAIN [JSON domain, `[["active","=",true]]`]
//!   CLIENT_THREADS [1]            load generator threads (one single-threaded runtime each)
//!   CANNED=0|1 [1]                also a row against a tiny actix server that answers the
//!                                 captured response bytes without work: the load generator's
//!                                 ceiling and its own CPU cost per request
//!   CANNED_WORKERS [1], CANNED_CHUNKED=0|1 [0]
//!   READ_CACHE_MS [1000]          the facade's read cache (0: every call runs its query)
//!
//! Client and server run in one process. CPU time is split by thread: the client is the
//! `loadgen-*` threads (`/proc/self/task/*/schedstat`), the server the rest of the process
//! (`/proc/self/stat`); "machine" is every process on the machine (`/proc/stat`), so it also
//! shows whatever else was running.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;
mod load;

use std::any::Any;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use actix_web::{App, HttpResponse, HttpServer, web};
use adlerdo::rpc::xmlrpc;
use adlerdo::sim::odoo::OdooSim;
use serde_json::{Value, json};

use load::http::{self, Check};

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A server to load, and how to log in to it.
struct Endpoint {
    /// `http://127.0.0.1:<port>`
    url: String,
    db: String,
    uid: i64,
    /// Password or API key.
    key: String,
    /// The model `search_read` runs on.
    model: String,
    /// Whatever must live as long as the benchmark (running servers, temporary databases).
    keep: Vec<Box<dyn Any>>,
}

/// The Odoo emulator (Odoo 18, one worker) with `n_products` generated products.
fn start_sim(server: &tokio::runtime::Runtime, n_products: usize) -> Result<Endpoint, String> {
    let _in_runtime = server.enter();
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let sim = OdooSim::new(18)
        .with_catalog(n_products)
        .start(listener)
        .map_err(|e| format!("emulator: {e}"))?;
    Ok(Endpoint {
        url: sim.url.clone(),
        db: adlerdo::sim::odoo::SANDBOX_DB.into(),
        uid: 2,
        key: "admin".into(),
        model: "product.product".into(),
        keep: vec![Box::new(sim)],
    })
}

/// The hub's own server with its Odoo-compatible facade (`/jsonrpc`, `/xmlrpc/2/object`), on a
/// fresh database holding `n_products` products, and an API key for it. It runs inside the
/// server runtime's `block_on`, so the server lands there, apart from the load generator.
async fn start_facade(backend: Backend, n_products: usize) -> Result<Endpoint, String> {
    use adlerdo::db::schema::products;
    use diesel::prelude::*;
    let db = match backend {
        Backend::Sqlite => common::BenchDb::sqlite(),
        Backend::Postgres => common::BenchDb::postgres(),
    };
    let mut settings = adlerdo::config::Settings {
        mode: adlerdo::config::Mode::Live,
        ..Default::default()
    };
    settings.odoo.url = "http://127.0.0.1:9".into();
    settings.database.url = db.url.clone();
    settings.server.port = 0;
    settings.jobs.workers = 0;
    settings.schedule.cleanup_secs = 0;
    settings.schedule.product_sync_secs = 0;
    settings.log.level = "warn".into();
    // READ_CACHE_MS=0 measures every call against the database.
    settings.facade.read_cache_ms = env("READ_CACHE_MS", 1000u64);
    settings.data_dir = std::env::temp_dir().join(format!("adlerdo-bench-{}", std::process::id()));
    let database = settings.facade.database.clone();
    let app = adlerdo::startup::Application::build(settings)
        .await
        .map_err(|e| format!("{e:#}"))?;
    let state = app.state().clone();
    let (uid, key) = state
        .db
        .write(move |c| {
            let now = adlerdo::jobs::now_ms();
            for chunk in (0..n_products).collect::<Vec<_>>().chunks(500) {
                let rows: Vec<_> = chunk
                    .iter()
                    .map(|i| {
                        let name = format!("Product {i:05}");
                        (
                            products::odoo_id.eq(Some(*i as i64 + 1)),
                            products::odoo_template_id.eq(Some(*i as i64 / 3 + 1)),
                            products::sku.eq(Some(format!("SKU-{i:05}"))),
                            products::barcode.eq(Some(format!("40{i:011}"))),
                            products::display_name.eq(format!("[SKU-{i:05}] {name}")),
                            products::name.eq(name),
                            products::list_price.eq(10.0 + (*i % 500) as f64),
                            products::cost.eq(5.0 + (*i % 300) as f64),
                            products::active.eq(i32::from(i % 50 != 0)),
                            products::created_at.eq(now),
                            products::updated_at.eq(now),
                        )
                    })
                    .collect();
                adlerdo::with_backend!(&mut *c, |c| diesel::insert_into(products::table)
                    .values(&rows)
                    .execute(c))?;
            }
            adlerdo::auth::create_key(c, "bench")
        })
        .await
        .map_err(|e| e.to_string())?;
    let url = format!("http://127.0.0.1:{}", app.port());
    let shutdown = app.shutdown_token();
    tokio::spawn(app.run_until_stopped());
    struct Stop(tokio_util::sync::CancellationToken);
    impl Drop for Stop {
        fn drop(&mut self) {
            self.0.cancel();
        }
    }
    Ok(Endpoint {
        url,
        db: database,
        uid,
        key,
        model: "adlerdo.product".into(),
        keep: vec![Box::new(Stop(shutdown)), Box::new(db)],
    })
}

/// A tiny actix server answering every request with `body`: the load generator's ceiling.
fn start_canned(
    server: &tokio::runtime::Runtime,
    body: Vec<u8>,
    content_type: &'static str,
    workers: usize,
    chunked: bool,
) -> SocketAddr {
    let _in_runtime = server.enter();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let body = Bytes::from(body);
    let srv = HttpServer::new(move || {
        let body = body.clone();
        // The request body is taken (an unread one makes actix close the connection).
        App::new().default_service(web::to(move |_request: Bytes| {
            let body = body.clone();
            async move {
                if chunked {
                    let half = body.len() / 2;
                    let parts = [body.slice(..half), body.slice(half..)];
                    HttpResponse::Ok().content_type(content_type).streaming(
                        futures_util::stream::iter(parts.map(Ok::<_, std::convert::Infallible>)),
                    )
                } else {
                    HttpResponse::Ok().content_type(content_type).body(body)
                }
            }
        }))
    })
    .workers(workers)
    // Without it, a streamed (chunked) answer's last small write waits for the client's delayed
    // ACK (Nagle): ~40 ms per request.
    .tcp_nodelay(true)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(srv);
    addr
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protocol {
    JsonRpc,
    XmlRpc,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Self::JsonRpc => "jsonrpc",
            Self::XmlRpc => "xmlrpc",
        }
    }

    fn check(self) -> Check {
        match self {
            Self::JsonRpc => Check::JsonRpc,
            Self::XmlRpc => Check::XmlRpc,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::JsonRpc => "application/json",
            Self::XmlRpc => "text/xml",
        }
    }
}

struct Query {
    fields: Value,
    domain: Value,
    limit: usize,
}

/// The whole HTTP request for `search_read` over `protocol`.
fn request(protocol: Protocol, target: &Endpoint, host: &str, q: &Query) -> Vec<u8> {
    let args = [
        json!(target.db),
        json!(target.uid),
        json!(target.key),
        json!(target.model),
        json!("search_read"),
        json!([q.domain]),
        json!({"fields": q.fields, "limit": q.limit}),
    ];
    match protocol {
        Protocol::JsonRpc => {
            let body = json!({
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"service": "object", "method": "execute_kw", "args": args},
                "id": 1,
            })
            .to_string();
            http::post(host, "/jsonrpc", protocol.content_type(), body.as_bytes())
        }
        Protocol::XmlRpc => {
            let body = xmlrpc::encode_call("execute_kw", &args).expect("XML-RPC call");
            http::post(
                host,
                "/xmlrpc/2/object",
                protocol.content_type(),
                body.as_bytes(),
            )
        }
    }
}

/// Sends the request once and checks the answer in full: `limit` records with every field.
fn validate(
    protocol: Protocol,
    addr: SocketAddr,
    req: &[u8],
    q: &Query,
) -> Result<Vec<u8>, String> {
    let (status, body) = load::fetch_once(addr, req)?;
    let text = || String::from_utf8_lossy(&body[..body.len().min(600)]).into_owned();
    if status != 200 {
        return Err(format!("HTTP {status}: {}", text()));
    }
    let records = match protocol {
        Protocol::JsonRpc => {
            let v: Value = serde_json::from_slice(&body).map_err(|e| format!("{e}: {}", text()))?;
            if v.get("error").is_some() {
                return Err(format!("JSON-RPC error: {}", text()));
            }
            v.get("result").cloned()
        }
        Protocol::XmlRpc => match xmlrpc::parse_response(&body).map_err(|e| e.to_string())? {
            xmlrpc::Response::Success(v) => Some(v),
            xmlrpc::Response::Fault { code, message } => {
                return Err(format!("XML-RPC fault {code}: {message}"));
            }
        },
    };
    let Some(Value::Array(records)) = records else {
        return Err(format!("no list of records: {}", text()));
    };
    if records.len() != q.limit {
        return Err(format!(
            "{} records instead of {} (too few products in the target?)",
            records.len(),
            q.limit
        ));
    }
    let fields = q.fields.as_array().cloned().unwrap_or_default();
    for r in &records {
        for f in fields.iter().filter_map(Value::as_str).chain(["id"]) {
            if r.get(f).is_none() {
                return Err(format!("record without `{f}`: {r}"));
            }
        }
    }
    // The hot loop's cheap check must agree.
    let response = http::Response {
        status,
        body: &body,
        wire_bytes: 0,
        close: false,
    };
    http::check(protocol.check(), &response)?;
    Ok(body)
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

fn ms(ns: u64) -> String {
    let ms = ns as f64 / 1e6;
    if ms < 10.0 {
        format!("{ms:.3}")
    } else if ms < 100.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.1}")
    }
}

fn header() {
    println!(
        "{:<22} {:>5} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>6} {:>7} {:>7} {:>7} {:>7} {:>6} {:>6} {:>6}",
        "scenario",
        "conns",
        "req/s",
        "mean ms",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "errors",
        "body B",
        "wire B",
        "cli µs",
        "srv µs",
        "cli c",
        "srv c",
        "mach c"
    );
}

fn row(scenario: &str, connections: usize, o: &load::Outcome) {
    let h = &o.hist;
    let n = h.count().max(1);
    println!(
        "{:<22} {:>5} {:>9.0} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>6} {:>7} {:>7} {:>7.1} {:>7.1} {:>6.2} {:>6.2} {:>6.2}",
        scenario,
        connections,
        o.rate(),
        ms(h.mean() as u64),
        ms(h.quantile(0.5)),
        ms(h.quantile(0.9)),
        ms(h.quantile(0.99)),
        ms(h.quantile(0.999)),
        ms(h.max()),
        o.errors,
        o.body_bytes / n,
        o.wire_bytes / n,
        o.per_request(o.cpu.client_ns) / 1e3,
        o.per_request(o.cpu.server_ns()) / 1e3,
        o.cpu.cores(o.cpu.client_ns),
        o.cpu.cores(o.cpu.server_ns()),
        o.cpu.machine_cores,
    );
    if o.reconnects > 0 {
        println!(
            "{:<22} ({} reconnections: the server closed keep-alive connections)",
            "", o.reconnects
        );
    }
}

/// Why a row's figures are not valid, if they are not.
fn problem(o: &load::Outcome) -> Option<String> {
    if o.errors > 0 {
        Some(format!(
            "{} errors, the first: {}",
            o.errors,
            o.first_error.as_deref().unwrap_or("?")
        ))
    } else if o.hist.count() == 0 {
        Some("no answer within the measured window (raise SECONDS)".into())
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not valid")),
        _ => default,
    }
}

fn env_json(name: &str, default: Value) -> Value {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => {
            serde_json::from_str(&v).unwrap_or_else(|e| panic!("{name}: {e}"))
        }
        _ => default,
    }
}

fn main() {
    load::histogram::self_test();
    http::self_test();

    let target_name: String = env("TARGET", "sim".to_string());
    let protocols = match env("PROTOCOL", "both".to_string()).as_str() {
        "jsonrpc" => vec![Protocol::JsonRpc],
        "xmlrpc" => vec![Protocol::XmlRpc],
        "both" => vec![Protocol::JsonRpc, Protocol::XmlRpc],
        other => panic!("PROTOCOL={other}: jsonrpc, xmlrpc or both"),
    };
    let backend = match env("BACKEND", "sqlite".to_string()).as_str() {
        "sqlite" => Backend::Sqlite,
        "postgres" => Backend::Postgres,
        other => panic!("BACKEND={other}: sqlite or postgres"),
    };
    let mut connections: Vec<usize> = env("CONNECTIONS", "64".to_string())
        .split(',')
        .map(|c| c.trim().parse().expect("CONNECTIONS: numbers"))
        .collect();
    if env("SERIAL", 1u8) != 0 && !connections.contains(&1) {
        connections.insert(0, 1);
    }
    let seconds: f64 = env("SECONDS", 10.0);
    let warmup: f64 = env("WARMUP", 2.0);
    let products: usize = env("PRODUCTS", 10_000);
    let threads: usize = env("CLIENT_THREADS", 1);
    let canned = env("CANNED", 1u8) != 0;
    let canned_workers: usize = env("CANNED_WORKERS", 1);
    let canned_chunked = env("CANNED_CHUNKED", 0u8) != 0;
    let query = Query {
        fields: env_json(
            "FIELDS",
            json!([
                "name",
                "default_code",
                "barcode",
                "list_price",
                "standard_price",
                "active",
                "write_date"
            ]),
        ),
        domain: env_json("DOMAIN", json!([["active", "=", true]])),
        limit: env("LIMIT", 80),
    };

    // The server side (emulator, facade, canned server) is spawned on its own runtime; actix
    // runs its workers on threads of its own.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("server-rt")
        .enable_all()
        .build()
        .expect("server runtime");
    let started = Instant::now();
    let target = match target_name.as_str() {
        "sim" => start_sim(&server_rt, products),
        "facade" => server_rt.block_on(start_facade(backend, products)),
        other => Err(format!("TARGET={other}: sim or facade")),
    }
    .unwrap_or_else(|e| {
        eprintln!("cannot start the target: {e}");
        std::process::exit(2);
    });
    let addr: SocketAddr = target
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .expect("target URL is http://<ip>:<port>");
    let host = addr.to_string();

    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "target {target_name} at {}{}, {products} products, ready in {:.1} s; model {}, \
         search_read limit {} fields {} domain {}",
        target.url,
        if target_name == "facade" {
            format!(" ({backend:?} backend)")
        } else {
            String::new()
        },
        started.elapsed().as_secs_f64(),
        target.model,
        query.limit,
        query.fields,
        query.domain,
    );
    println!(
        "{cores} cores; client: {threads} thread(s) in this process; warm-up {warmup} s, \
         measured {seconds} s per row; latencies in ms; cli/srv µs = CPU µs per request of the \
         load generator / the rest of the process; cli/srv/mach c = cores busy (mach = whole \
         machine, other processes included)"
    );
    header();

    let mut failed = Vec::new();
    for protocol in protocols {
        let req: Arc<[u8]> = request(protocol, &target, &host, &query).into();
        let body = match validate(protocol, addr, &req, &query) {
            Ok(body) => body,
            Err(e) => {
                failed.push(format!(
                    "{target_name} {}: wrong answer: {e}",
                    protocol.name()
                ));
                continue;
            }
        };
        let plan = |addr, c| load::Plan {
            addr,
            request: Arc::clone(&req),
            check: protocol.check(),
            connections: c,
            threads,
            warmup: Duration::from_secs_f64(warmup),
            measure: Duration::from_secs_f64(seconds),
        };
        for &c in &connections {
            let o = load::run(&plan(addr, c));
            let scenario = format!("{target_name} {}", protocol.name());
            row(&scenario, c, &o);
            if let Some(problem) = problem(&o) {
                failed.push(format!("{scenario} x{c}: {problem}"));
            }
        }
        if canned {
            let canned_addr = start_canned(
                &server_rt,
                body,
                match protocol {
                    Protocol::JsonRpc => "application/json; charset=utf-8",
                    Protocol::XmlRpc => "text/xml; charset=utf-8",
                },
                canned_workers,
                canned_chunked,
            );
            let c = connections.iter().copied().max().unwrap_or(64);
            let o = load::run(&plan(canned_addr, c));
            let scenario = format!("canned {}", protocol.name());
            row(&scenario, c, &o);
            let per_request = o.per_request(o.cpu.client_ns);
            if let Some(problem) = problem(&o) {
                failed.push(format!("{scenario} x{c}: {problem}"));
                continue;
            }
            println!(
                "{:<22} (load generator: {:.1} µs CPU per {} B answer, so {:.0} % of one core \
                 at 10,000 req/s)",
                "",
                per_request / 1e3,
                o.body_bytes / o.hist.count().max(1),
                per_request * 10_000.0 / 1e9 * 100.0,
            );
        }
    }
    // Servers and temporary databases go before any exit.
    drop(target.keep);
    if !failed.is_empty() {
        eprintln!("\nFAILED: the figures above are not valid:");
        for f in &failed {
            eprintln!("  {f}");
        }
        std::process::exit(1);
    }
}
