//! What the marketplace simulators share: the test knobs (time scale, injected errors, latency,
//! outages, scripted faults) and a record of every exchange (for the spec test), applied by one
//! middleware in front of each simulator's routes.

use std::collections::VecDeque;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{App, HttpResponse, HttpServer, web};
use rand::Rng;

use crate::ratelimit::TimeSource;

/// How a simulator behaves beyond the documented API.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Limits run on this clock and scale (3600.0: one real second counts as an hour).
    pub time: TimeSource,
    /// Share of requests (0.0 to 1.0) answered with a 503 in the vendor's shape.
    pub error_rate: f64,
    /// Added to every answer.
    pub latency: Duration,
    /// Keep every exchange (for the spec test); off for benchmarks.
    pub record: bool,
    /// Whether the documented limits are enforced (429 / THROTTLED / daily quotas).
    pub enforce_limits: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            time: TimeSource::real(),
            error_rate: 0.0,
            latency: Duration::ZERO,
            record: false,
            enforce_limits: true,
        }
    }
}

/// A fault a test scripts for the next requests.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// An HTTP status with the vendor's error body (500, 503, ...).
    Status(u16),
    /// The vendor's throttling answer, asking to wait this long.
    Throttle(Duration),
    /// The vendor's answer to a bad, expired or revoked token.
    Unauthorized,
    /// A 200 whose body is not what the API sends (an HTML error page of a proxy).
    Garbage,
    /// The real answer, cut in the middle.
    Truncated,
    /// The answer comes this late (longer than the client's timeout: a timeout).
    Delay(Duration),
}

/// One request and its answer, as the simulator saw them.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub request_body: Vec<u8>,
    pub status: u16,
    pub response_content_type: String,
    pub response_body: Vec<u8>,
}

/// Renders a fault in the vendor's shape (each simulator has its own).
pub type FaultRenderer = fn(&Fault) -> HttpResponse;

/// The knobs of one running simulator; clones share them.
#[derive(Clone)]
pub struct Knobs {
    inner: Arc<KnobsInner>,
}

/// A request as it arrived (for latency measurements: the benchmarks time the hub's path from
/// an Odoo change to the marketplace call).
#[derive(Debug, Clone)]
pub struct Arrival {
    pub at: std::time::Instant,
    pub method: String,
    pub path: String,
}

struct KnobsInner {
    options: SimOptions,
    enforce_limits: AtomicBool,
    arrivals: tokio::sync::broadcast::Sender<Arrival>,
    render: FaultRenderer,
    outage: AtomicBool,
    faults: Mutex<VecDeque<Fault>>,
    recorded: Mutex<Vec<Recorded>>,
    requests: AtomicU64,
}

impl Knobs {
    pub fn new(options: SimOptions, render: FaultRenderer) -> Self {
        Self {
            inner: Arc::new(KnobsInner {
                enforce_limits: AtomicBool::new(options.enforce_limits),
                arrivals: tokio::sync::broadcast::channel(1024).0,
                options,
                render,
                outage: AtomicBool::new(false),
                faults: Mutex::new(VecDeque::new()),
                recorded: Mutex::new(Vec::new()),
                requests: AtomicU64::new(0),
            }),
        }
    }

    pub fn options(&self) -> &SimOptions {
        &self.inner.options
    }

    pub fn time(&self) -> &TimeSource {
        &self.inner.options.time
    }

    /// Whether the documented limits are enforced now (starts as [`SimOptions::enforce_limits`];
    /// benchmarks turn them off while they set up).
    pub fn enforce_limits(&self) -> bool {
        self.inner.enforce_limits.load(Ordering::SeqCst)
    }

    pub fn set_enforce_limits(&self, on: bool) {
        self.inner.enforce_limits.store(on, Ordering::SeqCst);
    }

    /// Every request from now on, as it arrives.
    pub fn arrivals(&self) -> tokio::sync::broadcast::Receiver<Arrival> {
        self.inner.arrivals.subscribe()
    }

    /// While on, every request gets a 503.
    pub fn set_outage(&self, on: bool) {
        self.inner.outage.store(on, Ordering::SeqCst);
    }

    /// The next requests get these faults, one each, in order.
    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.inner.faults).extend(faults);
    }

    /// Requests served so far (faults included).
    pub fn requests(&self) -> u64 {
        self.inner.requests.load(Ordering::SeqCst)
    }

    /// Every exchange kept so far (with [`SimOptions::record`]).
    pub fn recorded(&self) -> Vec<Recorded> {
        lock(&self.inner.recorded).clone()
    }

    /// Forgets the kept exchanges.
    pub fn clear_recorded(&self) {
        lock(&self.inner.recorded).clear();
    }

    fn next_fault(&self) -> Option<Fault> {
        if self.inner.outage.load(Ordering::SeqCst) {
            return Some(Fault::Status(503));
        }
        if let Some(f) = lock(&self.inner.faults).pop_front() {
            return Some(f);
        }
        let rate = self.inner.options.error_rate;
        (rate > 0.0 && rand::rng().random::<f64>() < rate).then_some(Fault::Status(503))
    }
}

/// Locks `m` even if a handler panicked while holding it: a simulator's state stays consistent
/// between statements, and one failed request must not take the whole simulator down.
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The middleware every simulator wraps its routes in (`App::new().app_data(knobs)`
/// `.wrap(from_fn(sim::market::knobs_middleware))`): latency, faults, recording.
pub async fn knobs_middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(knobs) = req.app_data::<web::Data<Knobs>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    knobs.inner.requests.fetch_add(1, Ordering::SeqCst);
    if knobs.inner.arrivals.receiver_count() > 0 {
        let _ = knobs.inner.arrivals.send(Arrival {
            at: std::time::Instant::now(),
            method: req.method().to_string(),
            path: req.path().to_string(),
        });
    }
    let latency = knobs.inner.options.latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let record = knobs.inner.options.record;
    let request_body = if record {
        let body = req.extract::<web::Bytes>().await?;
        req.set_payload(actix_web::dev::Payload::from(body.clone()));
        body.to_vec()
    } else {
        Vec::new()
    };
    let seen = record.then(|| Recorded {
        method: req.method().to_string(),
        path: req.path().to_string(),
        query: req.query_string().to_string(),
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect(),
        request_body,
        status: 0,
        response_content_type: String::new(),
        response_body: Vec::new(),
    });

    let fault = knobs.next_fault();
    let res = match &fault {
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(*d).await;
            next.call(req).await?.map_into_boxed_body()
        }
        Some(Fault::Truncated) => {
            let res = next.call(req).await?;
            let (http_req, res) = res.into_parts();
            let status = res.status();
            let content_type = res.headers().get("content-type").cloned();
            let body = actix_web::body::to_bytes(res.into_body())
                .await
                .unwrap_or_default();
            let cut = body.slice(..body.len() / 2);
            let mut builder = HttpResponse::build(status);
            if let Some(ct) = content_type {
                builder.insert_header(("content-type", ct));
            }
            ServiceResponse::new(http_req, builder.body(cut))
        }
        Some(f) => {
            let (http_req, _) = req.into_parts();
            ServiceResponse::new(http_req, (knobs.inner.render)(f))
        }
        None => next.call(req).await?.map_into_boxed_body(),
    };

    let Some(mut seen) = seen else {
        return Ok(res);
    };
    let (http_req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
    seen.status = head.status().as_u16();
    seen.response_content_type = head
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    seen.response_body = bytes.to_vec();
    // Only the real API's answers are checked against the specs, not the injected faults.
    if fault.is_none() {
        lock(&knobs.inner.recorded).push(seen);
    }
    Ok(ServiceResponse::new(
        http_req,
        head.set_body(bytes).map_into_boxed_body(),
    ))
}

/// Binds 127.0.0.1, port 0: the listener and its base URL (`http://127.0.0.1:<port>`).
pub fn bind_local() -> std::io::Result<(TcpListener, String)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = base_url(&listener)?;
    Ok((listener, url))
}

/// The base URL (`http://<address>`) of a bound listener.
pub fn base_url(listener: &TcpListener) -> std::io::Result<String> {
    Ok(format!("http://{}", listener.local_addr()?))
}

/// Serves the app `configure` sets up on `listener` with `workers` threads, on the current
/// Tokio runtime and without signal handling (the caller stops it through the handle). With
/// `knobs`, the app gets them as data behind [`knobs_middleware`]; without, the middleware lets
/// every request through untouched.
pub fn serve<F>(
    listener: TcpListener,
    knobs: Option<&Knobs>,
    workers: usize,
    configure: F,
) -> std::io::Result<ServerHandle>
where
    F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    let knobs = knobs.cloned();
    let server = HttpServer::new(move || {
        let app = match &knobs {
            Some(knobs) => App::new().app_data(web::Data::new(knobs.clone())),
            None => App::new(),
        };
        app.wrap(actix_web::middleware::from_fn(knobs_middleware))
            .configure(configure.clone())
    })
    .workers(workers)
    .disable_signals()
    .listen(listener)?
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Ok(handle)
}

/// One key or value of a form (`application/x-www-form-urlencoded`, or a query): `+` is a
/// space, `%XX` a byte.
pub fn form_decode(text: &str) -> String {
    String::from_utf8_lossy(&crate::marketplaces::http::percent_decode(text, true)).into_owned()
}

/// A page of HTML a proxy in front of the API might send instead of JSON.
pub fn garbage() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html")
        .body("<html><body><h1>502 Bad Gateway</h1></body></html>")
}

/// A running marketplace simulator, as sandbox mode, tests and benchmarks use any of them.
#[async_trait::async_trait]
pub trait RunningMarketSim: Send + Sync {
    /// The registry kind of the marketplace it simulates.
    fn kind(&self) -> &'static str;
    /// Its base URL (`http://127.0.0.1:<port>`).
    fn url(&self) -> &str;
    fn knobs(&self) -> &Knobs;
    /// Settings of an account that talks to this simulator (`adlerdo.marketplace.settings`).
    fn account_settings(&self) -> serde_json::Map<String, serde_json::Value>;
    /// Credentials the simulator accepts for that account.
    fn account_credentials(&self) -> serde_json::Map<String, serde_json::Value>;
    /// Puts a listing on the marketplace as if the seller had made it elsewhere (to be linked by
    /// SKU).
    fn seed_listing(&self, sku: &str, title: &str, price: f64, quantity: i64);
    /// The quantity buyers see for `sku` now (after any asynchronous processing), if listed.
    fn quantity(&self, sku: &str) -> Option<i64>;
    /// Every SKU listed, with its quantity.
    fn quantities(&self) -> Vec<(String, i64)>;
    /// Makes every access token issued so far invalid (as after a revocation or expiry).
    fn expire_tokens(&self);
    /// The least time (in the marketplace's own seconds) its documented limits allow for
    /// pushing new quantities of `skus` listings, with how it is worked out; the benchmarks
    /// divide by it.
    fn push_lower_bound(&self, skus: usize) -> (f64, String);
    /// The ids the hub keeps for a listing made with [`RunningMarketSim::seed_listing`]
    /// (external id, external reference), as its adapter would have found them: lets benchmarks
    /// start from listings already linked without paying for the look-ups.
    fn linked_ids(&self, sku: &str) -> Option<(Option<String>, Option<String>)>;
    /// Places an order as a buyer would (now, on the wall clock); returns the marketplace's
    /// order id, as the adapter's [`crate::marketplaces::MarketOrder::external_id`] will read it.
    fn seed_order(&self, order: &SimOrder) -> String;
    /// Changes an order the way the marketplace would (cancellation, shipping, payment), which
    /// moves its last-update time; `false` when there is no such order.
    fn update_order(&self, external_id: &str, change: OrderChange) -> bool;
    /// Sends webhooks for order events to `url`, signed as the marketplace signs them; `false`
    /// when this marketplace has no webhooks (the hub then relies on polling alone).
    fn deliver_webhooks_to(&self, url: Option<&str>) -> bool {
        let _ = url;
        false
    }
    async fn stop(&self);
}

/// An order a simulated buyer places ([`RunningMarketSim::seed_order`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SimOrder {
    pub buyer_name: String,
    pub buyer_email: String,
    /// The shipping address (also the billing address unless `billing` is given).
    pub address: crate::marketplaces::Address,
    pub billing: Option<crate::marketplaces::Address>,
    pub lines: Vec<SimOrderLine>,
    /// Shipping charged, before tax.
    pub shipping: f64,
    /// Tax rate applied to lines and shipping (0.2 = 20 %), computed as the marketplace would.
    pub tax_rate: f64,
    pub currency: String,
    /// Paid (ready to ship) or still pending payment.
    pub paid: bool,
}

/// One line of a [`SimOrder`].
#[derive(Debug, Clone, PartialEq)]
pub struct SimOrderLine {
    pub sku: String,
    pub title: String,
    pub quantity: i64,
    pub unit_price: f64,
    /// Discount on the whole line.
    pub discount: f64,
}

/// A change to a simulated order ([`RunningMarketSim::update_order`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderChange {
    Pay,
    Ship,
    Cancel,
}

/// Starts a simulator on 127.0.0.1, port 0.
pub type StartSim =
    fn(
        SimOptions,
    ) -> futures_util::future::BoxFuture<'static, std::io::Result<Box<dyn RunningMarketSim>>>;
