//! Wire level: call arguments, the two envelopes (`/jsonrpc` `execute_kw` and JSON-2), HTTP,
//! answer parsing, retries and traffic counters.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde_json::{Map, Value, json};

use super::error::{self, CallSite, OdooError};

/// Arguments of one model method call, independent of the transport.
///
/// * `ids` — the records of a *record method* (`read`, `write`, `unlink`, `action_confirm`, ...);
///   leave them out for `@api.model` methods (`search_read`, `create`, `name_search`, ...): JSON-2
///   refuses ids there (422 "cannot call m.f with ids").
/// * named arguments — Python parameter names in Odoo's signature order (`domain`, `fields`,
///   `offset`, `limit`, `order`; `vals_list` for `create`; `vals` for `write`).
/// * `context` — sent as `kwargs.context` (`/jsonrpc`) or the `context` member (JSON-2).
/// * retry safety — whether the call may be repeated after a transient failure (reads).
///
/// ```text
/// let args = Args::new()
///     .arg("domain", json!([["is_storable", "=", true]]))
///     .arg("fields", json!(["default_code", "name"]))
///     .arg("limit", 5)
///     .retry_safe();
/// client.call("product.product", "search_read", args).await?;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Args {
    ids: Option<Vec<i64>>,
    named: Vec<(String, Value)>,
    context: Option<Map<String, Value>>,
    retry_safe: bool,
}

/// The parameter that real clients pass positionally after the ids, per method.
///
/// Mirrors the recorded 18.0 traffic: `search_read`/`search`/`search_count` send the domain
/// positionally (`[[...]]`), `create` its vals, `write` `[ids, vals]`, `read` `[ids, fields]`; the
/// rest goes into kwargs. `create` must get its vals positionally (`kwargs={"vals_list": ...}` fails
/// with IndexError on 16–19).
fn jsonrpc_positional_param(method: &str) -> Option<&'static str> {
    match method {
        "search_read" | "search" | "search_count" => Some("domain"),
        "create" => Some("vals_list"),
        "write" => Some("vals"),
        "read" => Some("fields"),
        _ => None,
    }
}

impl Args {
    /// Arguments of a model-level (`@api.model`) method: no ids.
    pub fn new() -> Self {
        Self::default()
    }

    /// Arguments of a record method on `ids`.
    pub fn for_records(ids: impl IntoIterator<Item = i64>) -> Self {
        Args {
            ids: Some(ids.into_iter().collect()),
            ..Self::default()
        }
    }

    /// Adds (or replaces) a named argument. Add them in Odoo's signature order.
    pub fn arg(mut self, name: &str, value: impl Into<Value>) -> Self {
        let value = value.into();
        match self.named.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.named.push((name.to_owned(), value)),
        }
        self
    }

    /// Adds a named argument when `value` is `Some`.
    pub fn opt_arg<V: Into<Value>>(self, name: &str, value: Option<V>) -> Self {
        match value {
            Some(v) => self.arg(name, v),
            None => self,
        }
    }

    /// Sets the whole context (JSON-2 replaces the server's context with it).
    pub fn context(mut self, context: Map<String, Value>) -> Self {
        self.context = Some(context);
        self
    }

    /// Sets one context key, e.g. `("active_test", false)`.
    pub fn context_value(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.context
            .get_or_insert_with(Map::new)
            .insert(key.to_owned(), value.into());
        self
    }

    /// Marks the call as safe to repeat (a read): transient failures are retried.
    pub fn retry_safe(mut self) -> Self {
        self.retry_safe = true;
        self
    }

    /// Sets whether the call is safe to repeat.
    pub fn with_retry_safe(mut self, safe: bool) -> Self {
        self.retry_safe = safe;
        self
    }

    /// The record ids, for record methods.
    pub fn ids(&self) -> Option<&[i64]> {
        self.ids.as_deref()
    }

    /// The named arguments in the order they were added.
    pub fn named(&self) -> &[(String, Value)] {
        &self.named
    }

    /// One named argument.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.named.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The context, if any was set.
    pub fn context_map(&self) -> Option<&Map<String, Value>> {
        self.context.as_ref()
    }

    /// Whether the caller marked the call safe to repeat.
    pub fn is_retry_safe(&self) -> bool {
        self.retry_safe
    }

    /// `execute_kw`'s `args` and `kwargs` for `method`, as real clients send them: ids first (record
    /// methods), then the method's leading parameter where clients pass it positionally, everything
    /// else (and the context) as kwargs. An empty kwargs is left out by the caller.
    pub fn to_execute_kw(&self, method: &str) -> (Vec<Value>, Map<String, Value>) {
        let mut args = Vec::new();
        if let Some(ids) = &self.ids {
            args.push(json!(ids));
        }
        let positional = jsonrpc_positional_param(method);
        let mut kwargs = Map::new();
        if let Some(p) = positional
            && let Some(v) = self.get(p)
        {
            args.push(v.clone());
        }
        for (name, value) in &self.named {
            if Some(name.as_str()) != positional {
                kwargs.insert(name.clone(), value.clone());
            }
        }
        if let Some(ctx) = &self.context {
            kwargs.insert("context".into(), Value::Object(ctx.clone()));
        }
        (args, kwargs)
    }

    /// The JSON-2 body: `ids` (record methods only), the named arguments, `context` when set.
    pub fn to_json2_body(&self) -> Value {
        let mut body = Map::new();
        if let Some(ids) = &self.ids {
            body.insert("ids".into(), json!(ids));
        }
        for (name, value) in &self.named {
            body.insert(name.clone(), value.clone());
        }
        if let Some(ctx) = &self.context {
            body.insert("context".into(), Value::Object(ctx.clone()));
        }
        Value::Object(body)
    }
}

/// How transient failures of safe calls are retried: exponential backoff with jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry).
    pub max_attempts: u32,
    /// Delay before the first retry (before jitter).
    pub base_delay: Duration,
    /// Upper bound of one delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 200 ms then 400 ms (each scaled by a random factor in [0.5, 1]), at most 5 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Delay before retry number `retry` (1-based): `base * 2^(retry-1)`, capped at `max_delay`,
    /// times a random factor in [0.5, 1] so that many clients do not retry in lockstep.
    pub fn delay_for(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(16);
        let raw = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let factor: f64 = rand::rng().random_range(0.5..=1.0);
        raw.mul_f64(factor)
    }
}

/// A snapshot of the client's traffic counters (for benchmarks: "RPC calls and bytes").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OdooStats {
    /// HTTP requests sent to Odoo (each retry counts).
    pub rpc_calls: u64,
    /// Request body bytes sent.
    pub request_bytes: u64,
    /// Response body bytes received (after gzip decoding).
    pub response_bytes: u64,
    /// Calls that ended in an error (after retries).
    pub errors: u64,
    /// Retries made.
    pub retries: u64,
}

/// Atomic traffic counters shared by all clones of a client.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    rpc_calls: AtomicU64,
    request_bytes: AtomicU64,
    response_bytes: AtomicU64,
    errors: AtomicU64,
    retries: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> OdooStats {
        OdooStats {
            rpc_calls: self.rpc_calls.load(Ordering::Relaxed),
            request_bytes: self.request_bytes.load(Ordering::Relaxed),
            response_bytes: self.response_bytes.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn reset(&self) {
        for c in [
            &self.rpc_calls,
            &self.request_bytes,
            &self.response_bytes,
            &self.errors,
            &self.retries,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }

    pub(crate) fn add_error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    fn add_retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }
}

/// Runs `attempt` until it succeeds, fails with a non-retryable error, the call is not
/// `retry_safe`, or the policy's attempts are used up. Errors are counted once.
pub(crate) async fn with_retry<T, F, Fut>(
    policy: &RetryPolicy,
    retry_safe: bool,
    counters: &Counters,
    label: &str,
    mut attempt: F,
) -> Result<T, OdooError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, OdooError>>,
{
    let attempts = if retry_safe {
        policy.max_attempts.max(1)
    } else {
        1
    };
    let mut n = 1;
    loop {
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(e) if n < attempts && e.is_retryable() => {
                let delay = policy.delay_for(n);
                log::info!(
                    "odoo {label}: attempt {n}/{attempts} failed ({e}); retrying in {} ms",
                    delay.as_millis()
                );
                counters.add_retry();
                tokio::time::sleep(delay).await;
                n += 1;
            }
            Err(e) => {
                counters.add_error();
                return Err(e);
            }
        }
    }
}

/// The HTTP side: one `reqwest::Client`, the base URL, JSON-RPC ids and counters.
#[derive(Debug)]
pub(crate) struct Wire {
    http: reqwest::Client,
    base: String,
    next_id: AtomicU64,
    pub(crate) counters: Counters,
}

/// `<label>` of a call for logs and errors: `model.method` or `service.method`.
pub(crate) fn label(site: CallSite<'_>) -> String {
    match (site.model, site.method) {
        (Some(m), Some(f)) => format!("{m}.{f}"),
        (None, Some(f)) => f.to_owned(),
        (Some(m), None) => m.to_owned(),
        (None, None) => "call".to_owned(),
    }
}

/// Maps a reqwest failure: timeouts to [`OdooError::Timeout`], the rest to
/// [`OdooError::Transport`] with the cause chain (the URL is left out).
fn map_reqwest(err: reqwest::Error, label: &str) -> OdooError {
    if err.is_timeout() {
        return OdooError::Timeout;
    }
    let err = err.without_url();
    let mut msg = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = s.source();
    }
    OdooError::Transport(format!("{label}: {msg}"))
}

/// Parses a `/jsonrpc` answer: HTTP 200 with `result` (absent = `null`) or `error`.
pub(crate) fn parse_jsonrpc_answer(
    status: u16,
    body: &[u8],
    site: CallSite<'_>,
) -> Result<Value, OdooError> {
    if status != 200 {
        return Err(error::http_error(status, body));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        OdooError::Decode(format!(
            "{}: answer is not JSON ({e}): {}",
            label(site),
            error::excerpt(body)
        ))
    })?;
    let Value::Object(mut obj) = value else {
        return Err(OdooError::Decode(format!(
            "{}: JSON-RPC answer is not an object: {}",
            label(site),
            error::excerpt(body)
        )));
    };
    match obj.remove("error") {
        Some(err) if !err.is_null() => Err(error::from_jsonrpc_error(&err, site)),
        _ => Ok(obj.remove("result").unwrap_or(Value::Null)),
    }
}

/// Parses a JSON-2 answer: HTTP 200 with the bare value, or an error status.
pub(crate) fn parse_json2_answer(
    status: u16,
    body: &[u8],
    site: CallSite<'_>,
) -> Result<Value, OdooError> {
    if status != 200 {
        return Err(error::from_json2_error(status, body, site));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|e| {
        OdooError::Decode(format!(
            "{}: answer is not JSON ({e}): {}",
            label(site),
            error::excerpt(body)
        ))
    })
}

/// Model and method names end up in a JSON-2 URL path: allow only Odoo's name characters.
pub(crate) fn check_name(kind: &str, name: &str) -> Result<(), OdooError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(OdooError::InvalidArgument(format!(
            "invalid {kind} name {name:?}"
        )))
    }
}

impl Wire {
    /// Builds the HTTP client: total `timeout` per request, no redirects (Odoo 18 answers a JSON-2
    /// path with a 303 to the login page; that must surface as an error), gzip accepted.
    pub(crate) fn new(base_url: &str, timeout: Duration) -> Result<Self, OdooError> {
        let base = base_url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(OdooError::Config(format!(
                "url must start with http:// or https://, got {base:?}"
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("adlerdo-odoo-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| OdooError::Config(format!("cannot build HTTP client: {e}")))?;
        Ok(Wire {
            http,
            base,
            next_id: AtomicU64::new(1),
            counters: Counters::default(),
        })
    }

    /// Sends one request and reads the whole answer, counting calls and bytes.
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        request_len: usize,
        label: &str,
    ) -> Result<(u16, Vec<u8>), OdooError> {
        self.counters.rpc_calls.fetch_add(1, Ordering::Relaxed);
        self.counters
            .request_bytes
            .fetch_add(request_len as u64, Ordering::Relaxed);
        let response = request.send().await.map_err(|e| map_reqwest(e, label))?;
        let status = response.status().as_u16();
        let body = Vec::from(response.bytes().await.map_err(|e| map_reqwest(e, label))?);
        self.counters
            .response_bytes
            .fetch_add(body.len() as u64, Ordering::Relaxed);
        Ok((status, body))
    }

    /// POSTs a JSON body to `path` with extra headers.
    async fn post_json(
        &self,
        path: &str,
        body: &Value,
        headers: HeaderMap,
        label: &str,
    ) -> Result<(u16, Vec<u8>), OdooError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| OdooError::InvalidArgument(format!("{label}: cannot encode: {e}")))?;
        let len = bytes.len();
        let request = self
            .http
            .post(format!("{}{}", self.base, path))
            .header(CONTENT_TYPE, "application/json")
            .headers(headers)
            .body(bytes);
        self.send(request, len, label).await
    }

    /// One `/jsonrpc` call: `{"jsonrpc": "2.0", "method": "call", "params": {service, method, args}, "id": n}`.
    pub(crate) async fn jsonrpc(
        &self,
        service: &str,
        method: &str,
        args: Value,
        site: CallSite<'_>,
    ) -> Result<Value, OdooError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let envelope = jsonrpc_envelope(service, method, args, id);
        let label = label(site);
        let (status, body) = self
            .post_json("/jsonrpc", &envelope, HeaderMap::new(), &label)
            .await?;
        parse_jsonrpc_answer(status, &body, site)
    }

    /// One JSON-2 call: `POST /json/2/<model>/<method>` with the bearer key and database header.
    pub(crate) async fn json2(
        &self,
        model: &str,
        method: &str,
        body: &Value,
        auth: &HeaderValue,
        database: Option<&HeaderValue>,
    ) -> Result<Value, OdooError> {
        let site = CallSite {
            model: Some(model),
            method: Some(method),
        };
        check_name("model", model)?;
        check_name("method", method)?;
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth.clone());
        if let Some(db) = database {
            headers.insert("X-Odoo-Database", db.clone());
        }
        let label = label(site);
        let (status, bytes) = self
            .post_json(&format!("/json/2/{model}/{method}"), body, headers, &label)
            .await?;
        parse_json2_answer(status, &bytes, site)
    }

    /// `GET <path>` expecting JSON (used for `/web/version`).
    pub(crate) async fn get_json(&self, path: &str) -> Result<Value, OdooError> {
        let request = self.http.get(format!("{}{}", self.base, path));
        let (status, body) = self.send(request, 0, path).await?;
        if status != 200 {
            return Err(error::http_error(status, &body));
        }
        serde_json::from_slice(&body).map_err(|e| {
            OdooError::Decode(format!(
                "{path}: answer is not JSON ({e}): {}",
                error::excerpt(&body)
            ))
        })
    }
}

/// The JSON-RPC 2.0 envelope Odoo expects on `/jsonrpc`.
pub(crate) fn jsonrpc_envelope(service: &str, method: &str, args: Value, id: u64) -> Value {
    json!({
        "jsonrpc": "2.0",
        "method": "call",
        "params": {"service": service, "method": method, "args": args},
        "id": id,
    })
}

/// `Authorization: bearer <key>`, marked sensitive so it never shows in debug output.
pub(crate) fn bearer_header(api_key: &str) -> Result<HeaderValue, OdooError> {
    let mut value = HeaderValue::from_str(&format!("bearer {api_key}")).map_err(|_| {
        OdooError::Config("api_key contains characters not allowed in an HTTP header".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Times a call and logs its outcome (ids, model, method, duration; never arguments).
pub(crate) fn log_outcome<T>(label: &str, started: Instant, result: &Result<T, OdooError>) {
    let ms = started.elapsed().as_millis();
    match result {
        Ok(_) => log::debug!("odoo {label} ok in {ms} ms"),
        Err(e) => log::warn!("odoo {label} failed after {ms} ms: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execute_kw_binding_matches_real_clients() {
        // search_read: domain positional, the rest as kwargs (jsonrpc-product-search-read).
        let args = Args::new()
            .arg("domain", json!([]))
            .arg("fields", json!(["name"]))
            .arg("limit", 5)
            .arg("order", "id");
        let (a, kw) = args.to_execute_kw("search_read");
        assert_eq!(a, vec![json!([])]);
        assert_eq!(
            Value::Object(kw),
            json!({"fields": ["name"], "limit": 5, "order": "id"})
        );

        // read: ids then fields positionally, no kwargs (jsonrpc-sale-order-create-confirm).
        let (a, kw) = Args::for_records([38])
            .arg("fields", json!(["name"]))
            .to_execute_kw("read");
        assert_eq!(a, vec![json!([38]), json!(["name"])]);
        assert!(kw.is_empty());

        // create: vals positionally; context in kwargs (jsonrpc-stock-quant-set-quantity).
        let (a, kw) = Args::new()
            .arg("vals_list", json!({"product_id": 6}))
            .context_value("inventory_mode", true)
            .to_execute_kw("create");
        assert_eq!(a, vec![json!({"product_id": 6})]);
        assert_eq!(
            Value::Object(kw),
            json!({"context": {"inventory_mode": true}})
        );

        // record method without arguments: just the ids.
        let (a, kw) = Args::for_records([41]).to_execute_kw("action_confirm");
        assert_eq!(a, vec![json!([41])]);
        assert!(kw.is_empty());

        // name_search: everything as kwargs (jsonrpc-name-search).
        let (a, kw) = Args::new()
            .arg("name", "Desk")
            .arg("limit", 5)
            .to_execute_kw("name_search");
        assert!(a.is_empty());
        assert_eq!(Value::Object(kw), json!({"name": "Desk", "limit": 5}));
    }

    #[test]
    fn json2_body_is_flat() {
        let body = Args::for_records([60, 61])
            .arg("vals", json!({"city": "Brussels"}))
            .to_json2_body();
        assert_eq!(body, json!({"ids": [60, 61], "vals": {"city": "Brussels"}}));
        let body = Args::new()
            .arg("domain", json!([]))
            .context_value("lang", "en_US")
            .to_json2_body();
        assert_eq!(body, json!({"domain": [], "context": {"lang": "en_US"}}));
        // An @api.model method must not get "ids" at all.
        assert!(Args::new().to_json2_body().get("ids").is_none());
    }

    #[test]
    fn arg_replaces_same_name() {
        let args = Args::new().arg("limit", 1).arg("limit", 2);
        assert_eq!(args.named().len(), 1);
        assert_eq!(args.get("limit"), Some(&json!(2)));
        let args = Args::new().opt_arg::<i64>("limit", None);
        assert!(args.named().is_empty());
    }

    #[test]
    fn envelope_shape() {
        let env = jsonrpc_envelope("common", "version", json!([]), 1);
        assert_eq!(
            env,
            json!({"jsonrpc": "2.0", "method": "call",
                   "params": {"service": "common", "method": "version", "args": []}, "id": 1})
        );
    }

    #[test]
    fn answer_without_result_is_null() {
        let v = parse_jsonrpc_answer(200, br#"{"jsonrpc": "2.0", "id": 8}"#, CallSite::default());
        assert_eq!(v, Ok(Value::Null));
        let v = parse_json2_answer(200, b"null", CallSite::default());
        assert_eq!(v, Ok(Value::Null));
        let v = parse_jsonrpc_answer(200, b"<html>", CallSite::default());
        assert!(matches!(v, Err(OdooError::Decode(_))));
        let v = parse_jsonrpc_answer(200, b"[1]", CallSite::default());
        assert!(matches!(v, Err(OdooError::Decode(_))));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
        };
        for _ in 0..50 {
            let d1 = p.delay_for(1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
            let d2 = p.delay_for(2);
            assert!(d2 >= Duration::from_millis(100) && d2 <= Duration::from_millis(200));
            let d4 = p.delay_for(4);
            assert!(d4 <= Duration::from_millis(300));
        }
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("model", "product.product").is_ok());
        assert!(check_name("method", "search_read").is_ok());
        assert!(check_name("model", "../web").is_err());
        assert!(check_name("method", "").is_err());
    }

    #[test]
    fn bearer_header_is_sensitive() {
        let h = bearer_header("0123abcd").unwrap();
        assert!(h.is_sensitive());
        assert!(!format!("{h:?}").contains("0123abcd"));
        assert!(bearer_header("bad\nkey").is_err());
    }
}
