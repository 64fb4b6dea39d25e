//! A Shopify Admin GraphQL stand-in that behaves as the real API is documented
//! (`shared/docs/marketplaces.md` §C): `POST /admin/api/{version}/graphql.json` with
//! `X-Shopify-Access-Token`, the client credentials grant on `POST /admin/oauth/access_token`,
//! requests parsed and validated with a real GraphQL implementation (`apollo-compiler`) against
//! the subset of the official schema in [`schema`], the cost-based limiter (a bucket per shop,
//! `THROTTLED`, `MAX_COST_EXCEEDED`), the 250-item input cap, per-version semantics of
//! `inventorySetQuantities` (2025: `compareQuantity`; 2026-01: `changeFromQuantity`; 2026-04:
//! mandatory `changeFromQuantity` and `@idempotent`), idempotent replays, and the
//! `X-Shopify-API-Version` header.
//!
//! Orders (`orders`, `order`; [`orders`]) are seeded by tests as buyers would place them, with
//! the search syntax subset the hub uses, sort keys, cursors and the 60-day visibility rule
//! without `read_all_orders`. With [`RunningMarketSim::deliver_webhooks_to`], seeding and
//! changing an order POSTs `orders/create` / `orders/updated` deliveries (the REST order JSON,
//! every `X-Shopify-*` header, signed with the app's client secret) from a background task,
//! retried on non-2xx answers and timeouts; tests can make deliveries come twice or out of
//! order. Bulk operations are not simulated.

pub mod cost;
pub mod orders;
pub mod resolve;
pub mod schema;
pub mod store;

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, web};
use apollo_compiler::ExecutableDocument;
use apollo_compiler::executable::OperationType;
use apollo_compiler::resolvers::Execution;
use apollo_compiler::response::{GraphQLError, JsonMap};
use futures_util::future::BoxFuture;
use serde_json::{Value, json};

use self::cost::{Costing, MAX_QUERY_COST};
use self::schema::{ApiVersion, SUPPORTED, Schemas, parse_version};
use self::store::{Store, gid};
use super::market::{
    Fault, Knobs, OrderChange, RunningMarketSim, SimOptions, SimOrder, bind_local, form_decode,
    lock, serve,
};
use crate::ratelimit::{CostBucket, Wait};

/// The access token of the sandbox account's legacy custom app (`shpat_` tokens never expire).
pub const SANDBOX_ACCESS_TOKEN: &str = "shpat_sandbox0000000000000000000000";
pub const SANDBOX_CLIENT_ID: &str = "adlerdo-sandbox-client";
pub const SANDBOX_CLIENT_SECRET: &str = "shpss_sandbox_secret";
/// Client credentials tokens live 24 hours (shopify.dev "Using the client credentials grant").
pub const TOKEN_TTL_SECS: f64 = 86_399.0;
/// Any array argument holds at most 250 items (shopify.dev "Shopify API limits").
pub const MAX_INPUT_ARRAY: usize = 250;
/// How many requests [`RunningShopifySim::calls`] remembers.
pub const MAX_CALLS: usize = 10_000;
const RATE_LIMIT_DOC: &str = "https://shopify.dev/api/usage/rate-limits";

/// Shop-level settings of the simulator beyond [`SimOptions`].
#[derive(Debug, Clone)]
pub struct ShopConfig {
    /// `maximumAvailable` of the cost bucket (not published by Shopify; configurable).
    pub bucket_size: f64,
    /// Points restored per second: Standard 100, Advanced 200, Plus 1,000, Enterprise 2,000.
    pub restore_rate: f64,
    /// Whether 2026-04+ refuses inventory mutations without `@idempotent` (documented, but
    /// reported as not enforced yet in practice).
    pub require_idempotency: bool,
}

impl Default for ShopConfig {
    fn default() -> Self {
        Self {
            bucket_size: 2000.0,
            restore_rate: 100.0,
            require_idempotency: true,
        }
    }
}

/// One request the simulator answered (for tests that check what the hub sent).
#[derive(Debug, Clone)]
pub struct Call {
    pub path: String,
    /// The version the request was served with.
    pub version: String,
    pub operation: Option<String>,
    /// Root fields of the operation (`inventorySetQuantities`, `productVariants`, ...).
    pub fields: Vec<String>,
    /// `THROTTLED`, `MAX_COST_EXCEEDED`, a validation failure, or `None` when executed.
    pub error: Option<String>,
    pub requested_cost: Option<f64>,
}

/// One webhook delivery as the simulator sends it (and sends again on failure).
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `X-Shopify-Webhook-Id`: the same for every attempt and every duplicate.
    pub webhook_id: String,
    pub topic: String,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

/// One attempt to deliver a webhook: the answer's status, `None` for no answer (a timeout or a
/// refused connection).
#[derive(Debug, Clone)]
pub struct Attempt {
    pub webhook_id: String,
    pub topic: String,
    pub status: Option<u16>,
}

/// Webhook subscription and the test knobs around it.
struct Webhooks {
    url: Option<String>,
    /// Send every delivery twice (Shopify documents duplicates).
    duplicate: bool,
    /// Keep deliveries until [`RunningShopifySim::release_webhooks`] (to reorder them).
    hold: bool,
    held: Vec<Delivery>,
    /// Attempts in all per delivery (Shopify: the first and 8 retries over 4 hours) and the
    /// first pause between them (doubling), short so tests stay fast.
    attempts: u32,
    backoff: Duration,
    log: Vec<Attempt>,
}

/// Shopify waits 5 seconds for a 2xx before counting a delivery as failed.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);

struct Tokens {
    /// Issued token -> model time of expiry.
    issued: HashMap<String, f64>,
    counter: u64,
}

struct Shared {
    store: Mutex<Store>,
    schemas: Schemas,
    bucket: CostBucket,
    tokens: Mutex<Tokens>,
    client_revoked: AtomicBool,
    /// The latest [`MAX_CALLS`] requests (a bounded log: sandbox mode runs for days).
    calls: Mutex<VecDeque<Call>>,
    config: ShopConfig,
    knobs: Knobs,
    webhooks: Mutex<Webhooks>,
    /// Sends webhooks.
    http: reqwest::Client,
}

/// A running simulator.
pub struct RunningShopifySim {
    url: String,
    shared: Arc<Shared>,
    handle: ServerHandle,
}

/// Starts a simulator with the default shop configuration.
pub fn start(
    options: SimOptions,
) -> BoxFuture<'static, std::io::Result<Box<dyn RunningMarketSim>>> {
    Box::pin(async move {
        let sim = start_with(options, ShopConfig::default())?;
        Ok(Box::new(sim) as Box<dyn RunningMarketSim>)
    })
}

/// Starts a simulator on 127.0.0.1, port 0 (must run inside a tokio runtime).
pub fn start_with(options: SimOptions, config: ShopConfig) -> std::io::Result<RunningShopifySim> {
    let schemas = Schemas::build().map_err(std::io::Error::other)?;
    let knobs = Knobs::new(options.clone(), render_fault);
    let shared = Arc::new(Shared {
        store: Mutex::new(Store::new("adlerdo-sandbox")),
        schemas,
        bucket: CostBucket::new(
            config.bucket_size,
            config.restore_rate,
            options.time.clone(),
        ),
        tokens: Mutex::new(Tokens {
            issued: HashMap::new(),
            counter: 0,
        }),
        client_revoked: AtomicBool::new(false),
        calls: Mutex::new(VecDeque::new()),
        config,
        knobs: knobs.clone(),
        webhooks: Mutex::new(Webhooks {
            url: None,
            duplicate: false,
            hold: false,
            held: Vec::new(),
            attempts: 9,
            backoff: Duration::from_millis(50),
            log: Vec::new(),
        }),
        http: reqwest::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            .connect_timeout(Duration::from_secs(1))
            .build()
            .map_err(std::io::Error::other)?,
    });
    let (listener, url) = bind_local()?;
    let data = web::Data::new(Arc::clone(&shared));
    let handle = serve(listener, Some(&knobs), 2, move |cfg| {
        cfg.app_data(data.clone())
            .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
            .route("/admin/api/{version}/graphql.json", web::post().to(graphql))
            .route("/admin/oauth/access_token", web::post().to(access_token))
            .default_service(web::to(not_found));
    })?;
    Ok(RunningShopifySim {
        url,
        shared,
        handle,
    })
}

/// Faults in Shopify's shapes.
fn render_fault(fault: &Fault) -> HttpResponse {
    match fault {
        Fault::Throttle(wait) => HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", format!("{:.3}", wait.as_secs_f64())))
            .json(json!({"errors": [{"message": "Throttled",
                "extensions": {"code": "THROTTLED", "documentation": RATE_LIMIT_DOC}}]})),
        Fault::Unauthorized => unauthorized(),
        Fault::Garbage => super::market::garbage(),
        Fault::Status(code) => {
            let status = actix_web::http::StatusCode::from_u16(*code)
                .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
            let text = status.canonical_reason().unwrap_or("Error");
            HttpResponse::build(status).json(json!({"errors": text}))
        }
        // Handled by the middleware itself.
        Fault::Truncated | Fault::Delay(_) => HttpResponse::InternalServerError().finish(),
    }
}

fn unauthorized() -> HttpResponse {
    HttpResponse::Unauthorized().json(json!({
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }))
}

async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(json!({"errors": "Not Found"}))
}

fn bad_request() -> HttpResponse {
    HttpResponse::BadRequest()
        .json(json!({"errors": {"query": "Required parameter missing or invalid"}}))
}

/// `POST /admin/oauth/access_token` with the client credentials grant (form or JSON body).
async fn access_token(
    shared: web::Data<Arc<Shared>>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let is_json = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let params: HashMap<String, String> = if is_json {
        serde_json::from_slice::<HashMap<String, Value>>(&body)
            .map(|m| {
                m.into_iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        url_decode_form(&String::from_utf8_lossy(&body))
    };
    let get = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
    if get("grant_type") != "client_credentials" {
        return HttpResponse::BadRequest().json(json!({"error": "unsupported_grant_type",
            "error_description": "The grant type is not supported."}));
    }
    if get("client_id") != SANDBOX_CLIENT_ID
        || get("client_secret") != SANDBOX_CLIENT_SECRET
        || shared.client_revoked.load(Ordering::SeqCst)
    {
        return HttpResponse::BadRequest().json(json!({"error": "invalid_client",
            "error_description": "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."}));
    }
    let now = shared.knobs.time().model_now();
    let token = {
        let mut t = lock(&shared.tokens);
        t.counter += 1;
        let token = format!(
            "shpca_{:032x}",
            rand::random::<u128>() ^ u128::from(t.counter)
        );
        t.issued.insert(token.clone(), now + TOKEN_TTL_SECS);
        token
    };
    HttpResponse::Ok().json(json!({
        "access_token": token,
        "scope": "read_products,write_products,read_inventory,write_inventory,read_orders,read_locations",
        "expires_in": TOKEN_TTL_SECS as u64,
    }))
}

fn url_decode_form(text: &str) -> HashMap<String, String> {
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (form_decode(k), form_decode(v)))
        .collect()
}

impl Shared {
    fn authorized(&self, req: &HttpRequest) -> bool {
        let Some(token) = req
            .headers()
            .get("x-shopify-access-token")
            .and_then(|v| v.to_str().ok())
        else {
            return false;
        };
        if token == SANDBOX_ACCESS_TOKEN {
            return true;
        }
        let now = self.knobs.time().model_now();
        lock(&self.tokens)
            .issued
            .get(token)
            .is_some_and(|exp| *exp > now)
    }

    fn log(&self, call: Call) {
        let mut calls = lock(&self.calls);
        if calls.len() >= MAX_CALLS {
            calls.pop_front();
        }
        calls.push_back(call);
    }
}

fn error_json(e: &GraphQLError, code: &str) -> Value {
    let mut v = serde_json::to_value(e).unwrap_or_else(|_| json!({"message": e.message}));
    if let Some(obj) = v.as_object_mut() {
        let ext = obj.entry("extensions").or_insert_with(|| json!({}));
        if let Some(ext) = ext.as_object_mut() {
            ext.entry("code").or_insert_with(|| json!(code));
        }
    }
    v
}

/// `POST /admin/api/{version}/graphql.json`.
async fn graphql(
    shared: web::Data<Arc<Shared>>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let requested_version = path.into_inner();
    if parse_version(&requested_version).is_none() && requested_version != "unstable" {
        return not_found().await;
    }
    if !shared.authorized(&req) {
        return unauthorized();
    }
    // A version no longer (or not yet) supported is served with the oldest supported one, and
    // the header says which.
    let served = if SUPPORTED.contains(&requested_version.as_str()) {
        requested_version
    } else if requested_version == "unstable" {
        SUPPORTED.last().copied().unwrap_or("2026-10").to_string()
    } else {
        SUPPORTED.first().copied().unwrap_or("2025-01").to_string()
    };
    let version: ApiVersion = parse_version(&served).unwrap_or((2025, 1));

    let is_graphql_body = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/graphql"));
    let (query, variables, operation_name) = if is_graphql_body {
        (
            String::from_utf8_lossy(&body).into_owned(),
            JsonMap::new(),
            None,
        )
    } else {
        let Ok(Value::Object(mut request)) = serde_json::from_slice::<Value>(&body) else {
            return bad_request();
        };
        let Some(Value::String(query)) = request.remove("query") else {
            return bad_request();
        };
        let variables = match request.remove("variables") {
            None | Some(Value::Null) => JsonMap::new(),
            Some(Value::Object(m)) => {
                match apollo_compiler::response::JsonValue::from(Value::Object(m)) {
                    apollo_compiler::response::JsonValue::Object(m) => m,
                    _ => JsonMap::new(),
                }
            }
            Some(_) => return bad_request(),
        };
        let name = request
            .remove("operationName")
            .and_then(|v| v.as_str().map(str::to_string));
        (query, variables, name)
    };

    let (status, response) = run(
        &shared,
        version,
        &served,
        &query,
        &variables,
        operation_name.as_deref(),
    );
    HttpResponse::build(status)
        .insert_header(("X-Shopify-API-Version", served))
        .insert_header(ContentType::json())
        .body(response.to_string())
}

fn cost_extension(requested: f64, actual: Option<f64>, shared: &Shared) -> Value {
    json!({"cost": {
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": shared.bucket.status(),
    }})
}

/// Validates, prices, admits and executes one GraphQL request.
fn run(
    shared: &Shared,
    version: ApiVersion,
    served: &str,
    query: &str,
    variables: &JsonMap,
    operation_name: Option<&str>,
) -> (actix_web::http::StatusCode, Value) {
    use actix_web::http::StatusCode;
    let schema = shared.schemas.for_version(version);
    let mut call = Call {
        path: format!("/admin/api/{served}/graphql.json"),
        version: served.to_string(),
        operation: operation_name.map(str::to_string),
        fields: Vec::new(),
        error: None,
        requested_cost: None,
    };
    let doc = match ExecutableDocument::parse_and_validate(schema, query, "query.graphql") {
        Ok(doc) => doc,
        Err(with) => {
            let errors: Vec<Value> = with
                .errors
                .iter()
                .map(|d| error_json(&d.to_json(), "GRAPHQL_VALIDATION_FAILED"))
                .collect();
            call.error = Some("GRAPHQL_VALIDATION_FAILED".into());
            shared.log(call);
            return (StatusCode::OK, json!({"errors": errors}));
        }
    };
    let op = match doc.operations.get(operation_name) {
        Ok(op) => op,
        Err(e) => {
            call.error = Some("OPERATION_NOT_FOUND".into());
            shared.log(call);
            return (
                StatusCode::OK,
                json!({"errors": [error_json(&e.to_graphql_error(&doc.sources), "OPERATION_NOT_FOUND")]}),
            );
        }
    };
    call.operation = op.name.as_ref().map(|n| n.to_string()).or(call.operation);
    call.fields = op
        .selection_set
        .fields()
        .map(|f| f.name.to_string())
        .collect();
    let coerced = match apollo_compiler::request::coerce_variable_values(schema, op, variables) {
        Ok(v) => v,
        Err(e) => {
            call.error = Some("INVALID_VARIABLE".into());
            shared.log(call);
            return (
                StatusCode::OK,
                json!({"errors": [error_json(&e.to_graphql_error(&doc.sources), "INVALID_VARIABLE")]}),
            );
        }
    };
    let costing = Costing {
        schema,
        doc: &doc,
        variables: &coerced,
        version,
    };
    if let Some(size) = cost::oversized_array(&coerced, MAX_INPUT_ARRAY)
        .or_else(|| costing.oversized_argument(op, MAX_INPUT_ARRAY))
    {
        call.error = Some("MAX_INPUT_SIZE_EXCEEDED".into());
        shared.log(call);
        return (
            StatusCode::OK,
            json!({"errors": [{
            "message": format!("The input array size of {size} is greater than the maximum allowed of {MAX_INPUT_ARRAY}."),
            "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"}}]}),
        );
    }
    let requested = costing.cost(op, None);
    call.requested_cost = Some(requested);
    // Per request: benchmarks set up without limits, then turn them on.
    let enforce = shared.knobs.enforce_limits();
    if requested > MAX_QUERY_COST || (enforce && shared.bucket.wait_time(requested).is_none()) {
        call.error = Some("MAX_COST_EXCEEDED".into());
        shared.log(call);
        let max = MAX_QUERY_COST.min(shared.bucket.status().maximum_available);
        return (
            StatusCode::OK,
            json!({
                "errors": [{"message": format!("Query cost is {requested}, which exceeds the single query max cost limit ({max}).\n\nSee {RATE_LIMIT_DOC} for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"),
                    "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": max,
                        "documentation": RATE_LIMIT_DOC}}],
                "extensions": cost_extension(requested, None, shared),
            }),
        );
    }
    let charge = if enforce {
        match shared.bucket.try_charge(requested) {
            Ok(c) => Some(c),
            Err(Wait::After(_) | Wait::Never) => {
                call.error = Some("THROTTLED".into());
                shared.log(call);
                return (
                    StatusCode::OK,
                    json!({
                        "errors": [{"message": "Throttled",
                            "extensions": {"code": "THROTTLED", "documentation": RATE_LIMIT_DOC}}],
                        "extensions": cost_extension(requested, None, shared),
                    }),
                );
            }
        }
    } else {
        None
    };

    let result = {
        let mut store = lock(&shared.store);
        let ctx = resolve::Ctx {
            store: RefCell::new(&mut store),
            version,
            require_key: shared.config.require_idempotency,
            variables: &coerced,
        };
        let exec = Execution::new(schema, &doc)
            .operation(op)
            .coerced_variable_values(&coerced);
        match op.operation_type {
            OperationType::Mutation => exec.execute_sync(&resolve::Mutation { ctx: &ctx }),
            _ => exec.execute_sync(&resolve::Query { ctx: &ctx }),
        }
    };
    let response = match result {
        Ok(r) => r,
        Err(e) => {
            if let Some(c) = charge {
                shared.bucket.refund(c, 0.0);
            }
            call.error = Some("EXECUTION_FAILED".into());
            shared.log(call);
            return (
                StatusCode::OK,
                json!({"errors": [error_json(&e.to_graphql_error(&doc.sources), "INTERNAL_SERVER_ERROR")]}),
            );
        }
    };
    let mut body = serde_json::to_value(&response).unwrap_or_else(|_| json!({}));
    let actual = match op.operation_type {
        OperationType::Mutation => requested,
        _ => costing.cost(op, body.get("data")),
    };
    if let Some(c) = charge {
        shared.bucket.refund(c, actual);
    }
    // Field errors come from the resolvers refusing an argument (page size, cursor, a missing
    // idempotency key or changeFromQuantity): refusals of the request, not server trouble.
    if let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) {
        for e in errors {
            if let Some(obj) = e.as_object_mut() {
                let ext = obj.entry("extensions").or_insert_with(|| json!({}));
                if let Some(ext) = ext.as_object_mut() {
                    ext.entry("code").or_insert_with(|| json!("BAD_REQUEST"));
                }
            }
        }
    }
    if let Some(obj) = body.as_object_mut() {
        obj.insert(
            "extensions".into(),
            cost_extension(requested, Some(actual), shared),
        );
    }
    shared.log(call);
    (StatusCode::OK, body)
}

/// The REST order JSON of `order`, signed as a delivery of `topic`.
fn delivery(shared: &Shared, topic: &str, order: u64) -> Option<Delivery> {
    let body = {
        let store = lock(&shared.store);
        let o = store.orders.orders.get(&order)?;
        serde_json::to_vec(&o.rest_json()).ok()?
    };
    let now = chrono::Utc::now();
    let webhook_id = uuid::Uuid::new_v4().to_string();
    let signature =
        crate::marketplaces::shopify::mapping::sign(SANDBOX_CLIENT_SECRET.as_bytes(), &body);
    let headers = vec![
        ("Content-Type".to_string(), "application/json".to_string()),
        ("X-Shopify-Topic".into(), topic.to_string()),
        ("X-Shopify-Hmac-Sha256".into(), signature),
        (
            "X-Shopify-Shop-Domain".into(),
            format!("{}.myshopify.com", lock(&shared.store).shop_name),
        ),
        (
            "X-Shopify-API-Version".into(),
            SUPPORTED.last().copied().unwrap_or("2026-10").to_string(),
        ),
        ("X-Shopify-Webhook-Id".into(), webhook_id.clone()),
        (
            "X-Shopify-Triggered-At".into(),
            now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ),
        (
            "X-Shopify-Event-Id".into(),
            uuid::Uuid::new_v4().to_string(),
        ),
    ];
    Some(Delivery {
        webhook_id,
        topic: topic.to_string(),
        body,
        headers,
    })
}

/// Queues or sends the delivery of an order event, when webhooks are on.
fn emit(shared: &Arc<Shared>, topic: &str, order: u64) {
    if lock(&shared.webhooks).url.is_none() {
        return;
    }
    let Some(d) = delivery(shared, topic, order) else {
        return;
    };
    let mut hooks = lock(&shared.webhooks);
    let copies = if hooks.duplicate { 2 } else { 1 };
    if hooks.hold {
        for _ in 0..copies {
            hooks.held.push(d.clone());
        }
        return;
    }
    drop(hooks);
    for _ in 0..copies {
        dispatch(shared, d.clone());
    }
}

/// Sends one delivery from a background task, retried as Shopify retries: on any non-2xx
/// answer, timeout or connection failure, with a doubling pause.
fn dispatch(shared: &Arc<Shared>, d: Delivery) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        log::warn!(
            "shopify simulator: no runtime to deliver webhook {}",
            d.webhook_id
        );
        return;
    };
    let shared = Arc::clone(shared);
    runtime.spawn(async move {
        let (url, attempts, backoff) = {
            let h = lock(&shared.webhooks);
            (h.url.clone(), h.attempts.max(1), h.backoff)
        };
        let Some(url) = url else {
            return;
        };
        for attempt in 0..attempts {
            let mut req = shared.http.post(&url).body(d.body.clone());
            for (k, v) in &d.headers {
                req = req.header(k, v);
            }
            let status = req.send().await.ok().map(|r| r.status().as_u16());
            lock(&shared.webhooks).log.push(Attempt {
                webhook_id: d.webhook_id.clone(),
                topic: d.topic.clone(),
                status,
            });
            if status.is_some_and(|s| (200..300).contains(&s)) {
                return;
            }
            tokio::time::sleep(backoff.saturating_mul(1 << attempt.min(16))).await;
        }
        log::info!(
            "shopify simulator: webhook {} ({}) given up after {attempts} attempts",
            d.webhook_id,
            d.topic
        );
    });
}

impl RunningShopifySim {
    /// Sends every delivery twice from now on (same `X-Shopify-Webhook-Id`), as Shopify may.
    pub fn duplicate_webhooks(&self, on: bool) {
        lock(&self.shared.webhooks).duplicate = on;
    }

    /// Keeps deliveries back from now on, until [`RunningShopifySim::release_webhooks`].
    pub fn hold_webhooks(&self, on: bool) {
        lock(&self.shared.webhooks).hold = on;
    }

    /// Sends the deliveries kept back, newest first (out of order, as Shopify may deliver).
    pub fn release_webhooks(&self) {
        let held = std::mem::take(&mut lock(&self.shared.webhooks).held);
        for d in held.into_iter().rev() {
            dispatch(&self.shared, d);
        }
    }

    /// Attempts per delivery and the first pause between attempts (doubling).
    pub fn set_webhook_retry(&self, attempts: u32, backoff: Duration) {
        let mut h = lock(&self.shared.webhooks);
        h.attempts = attempts;
        h.backoff = backoff;
    }

    /// Every delivery attempt so far, oldest first.
    pub fn webhook_attempts(&self) -> Vec<Attempt> {
        lock(&self.shared.webhooks).log.clone()
    }

    /// Whether the app holds `read_all_orders` (orders older than 60 days visible).
    pub fn set_read_all_orders(&self, on: bool) {
        lock(&self.shared.store).orders.read_all = on;
    }

    /// Breaks an order as a faulty upstream might: its shipping price (and so its totals) is
    /// served as `NaN`, which is no `Decimal` (for tests of unreadable orders).
    pub fn corrupt_order(&self, external_id: &str) -> bool {
        let mut s = lock(&self.shared.store);
        match parse_gid_order(external_id).and_then(|id| s.orders.orders.get_mut(&id)) {
            Some(o) => {
                o.shipping.price = f64::NAN;
                true
            }
            None => false,
        }
    }

    /// Moves an order's creation `days` into the past (for the 60-day rule).
    pub fn age_order(&self, external_id: &str, days: i64) -> bool {
        let mut s = lock(&self.shared.store);
        match parse_gid_order(external_id).and_then(|id| s.orders.orders.get_mut(&id)) {
            Some(o) => {
                o.created -= chrono::Duration::days(days);
                true
            }
            None => false,
        }
    }

    pub fn store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut lock(&self.shared.store))
    }

    /// The GraphQL requests answered so far, oldest first (faults excluded; the latest
    /// [`MAX_CALLS`] only).
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.shared.calls).iter().cloned().collect()
    }

    /// The shop's `throttleStatus` now.
    pub fn throttle_status(&self) -> crate::ratelimit::ThrottleStatus {
        self.shared.bucket.status()
    }

    /// Sets the bucket level (e.g. to force `THROTTLED` in a test).
    pub fn set_available(&self, points: f64) {
        let s = self.shared.bucket.status();
        self.shared
            .bucket
            .observe(points, s.maximum_available, s.restore_rate);
    }

    /// The client credentials are refused from now on (the app was uninstalled or its secret
    /// rotated), and every token issued so far is invalid.
    pub fn revoke_client(&self) {
        self.shared.client_revoked.store(true, Ordering::SeqCst);
        self.expire_tokens();
    }

    /// `inventorySetQuantities` calls that changed stock (idempotent replays excluded).
    pub fn applied_sets(&self) -> u64 {
        lock(&self.shared.store).applied_sets
    }

    pub fn primary_location_gid(&self) -> String {
        gid("Location", lock(&self.shared.store).primary_location())
    }

    /// The second location, where seeded items are not stocked.
    pub fn other_location_gid(&self) -> String {
        let s = lock(&self.shared.store);
        let id = s
            .locations
            .values()
            .find(|l| !l.primary)
            .map(|l| l.id)
            .unwrap_or_default();
        gid("Location", id)
    }
}

#[async_trait::async_trait]
impl RunningMarketSim for RunningShopifySim {
    fn kind(&self) -> &'static str {
        "shopify"
    }

    fn url(&self) -> &str {
        &self.url
    }

    fn knobs(&self) -> &Knobs {
        &self.shared.knobs
    }

    fn account_settings(&self) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::new();
        m.insert("shop_url".into(), json!(self.url));
        m.insert("api_version".into(), json!("2026-10"));
        m.insert("location_id".into(), json!(self.primary_location_gid()));
        m.insert("currency".into(), json!("EUR"));
        m
    }

    fn account_credentials(&self) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::new();
        m.insert("client_id".into(), json!(SANDBOX_CLIENT_ID));
        m.insert("client_secret".into(), json!(SANDBOX_CLIENT_SECRET));
        m
    }

    fn seed_listing(&self, sku: &str, title: &str, price: f64, quantity: i64) {
        lock(&self.shared.store).seed(sku, title, price, quantity);
    }

    fn quantity(&self, sku: &str) -> Option<i64> {
        let s = lock(&self.shared.store);
        let loc = s.primary_location();
        let v = s.variants_by_sku(sku).next()?;
        Some(
            s.levels
                .get(&(v.item, loc))
                .map(|l| l.available)
                .unwrap_or(0),
        )
    }

    fn linked_ids(&self, sku: &str) -> Option<(Option<String>, Option<String>)> {
        let s = lock(&self.shared.store);
        let v = s.variants_by_sku(sku).next()?;
        Some((
            Some(store::gid("ProductVariant", v.id)),
            Some(store::gid("InventoryItem", v.item)),
        ))
    }

    fn push_lower_bound(&self, skus: usize) -> (f64, String) {
        // inventorySetQuantities takes 250 quantities; each call costs what the cost model
        // charges for the hub's mutation (10 for a mutation, documented, plus its selection),
        // taken from the calls served; the bucket starts full and refills at restoreRate.
        let calls = skus.div_ceil(250) as f64;
        let cost = lock(&self.shared.calls)
            .iter()
            .rev()
            .find(|c| c.fields.iter().any(|f| f == "inventorySetQuantities"))
            .and_then(|c| c.requested_cost)
            .unwrap_or(10.0);
        let status = self.shared.bucket.status();
        let secs = ((calls * cost - status.maximum_available) / status.restore_rate).max(0.0);
        (
            secs,
            format!(
                "{calls} calls x {cost} points, bucket {}, restore {}/s",
                status.maximum_available, status.restore_rate
            ),
        )
    }

    fn quantities(&self) -> Vec<(String, i64)> {
        let s = lock(&self.shared.store);
        let loc = s.primary_location();
        let mut out: Vec<(String, i64)> = s
            .variants
            .values()
            .filter_map(|v| {
                let sku = v.sku.clone()?;
                Some((
                    sku,
                    s.levels
                        .get(&(v.item, loc))
                        .map(|l| l.available)
                        .unwrap_or(0),
                ))
            })
            .collect();
        out.sort();
        out.dedup_by(|a, b| a.0 == b.0);
        out
    }

    fn expire_tokens(&self) {
        lock(&self.shared.tokens).issued.clear();
    }

    fn seed_order(&self, order: &SimOrder) -> String {
        let id = {
            let mut s = lock(&self.shared.store);
            let variants: HashMap<String, u64> = order
                .lines
                .iter()
                .filter_map(|l| {
                    s.variants_by_sku(&l.sku)
                        .next()
                        .map(|v| (l.sku.clone(), v.id))
                })
                .collect();
            s.orders.place(order, |sku| variants.get(sku).copied())
        };
        emit(&self.shared, "orders/create", id);
        gid("Order", id)
    }

    fn update_order(&self, external_id: &str, change: OrderChange) -> bool {
        let Some(id) = parse_gid_order(external_id) else {
            return false;
        };
        if !lock(&self.shared.store).orders.change(id, change) {
            return false;
        }
        emit(&self.shared, "orders/updated", id);
        true
    }

    fn deliver_webhooks_to(&self, url: Option<&str>) -> bool {
        lock(&self.shared.webhooks).url = url.map(str::to_string);
        true
    }

    async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

/// How long a test may wait for a real-time bucket to restore `points`.
pub fn restore_time(points: f64, config: &ShopConfig) -> Duration {
    Duration::from_secs_f64((points / config.restore_rate.max(1e-9)).max(0.0))
}

fn parse_gid_order(external_id: &str) -> Option<u64> {
    store::parse_gid("Order", external_id)
}
