//! Odoo RPC client for AdlerDo (Odoo 16, 17, 18 and 19).
//!
//! * [`OdooClient::connect`] reads the server version once, picks the transport — `/jsonrpc`
//!   `object.execute_kw` (16–18, uid from `common.authenticate`) or JSON-2
//!   `POST /json/2/<model>/<method>` with a bearer API key (19+) — and checks the credentials.
//! * [`OdooClient::call`] is the generic model call; [`Args`] carries ids, named arguments and
//!   the context and is turned into `execute_kw` positional args + kwargs or a JSON-2 body.
//! * Typed calls for the sync flows (products, stock, partners, sale orders, lookups) read in pages,
//!   never one RPC per record (`calls`, `products`, `stock`, `lookups`).
//! * Every version difference lives in [`OdooVersion`].
//! * Errors are typed ([`OdooError`]); reads marked safe are retried with backoff and jitter.
//! * [`OdooClient::stats`] counts RPC calls and request/response bytes.
//!
//! The API key is never logged and never shown in `Debug` output.
//!
//! The wire facts come from `docs/odoo-rpc.md`, `docs/odoo-observed-18.md`,
//! `docs/odoo-observed-19.md` and the recorded transcripts in `odoo/transcripts/`.

mod calls;
mod error;
mod lookups;
mod products;
mod records;
pub mod stock;
mod transport;
mod version;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use serde_json::{Value, json};

pub(crate) use calls::like_escape;
pub use calls::{OdooPartner, OdooSaleOrder, SaleOrderLineInput};
pub use error::OdooError;
pub use lookups::{OdooCountry, OdooCurrency, OdooState, OdooTax, OdooUom};
pub use products::{OdooAttributeValue, OdooTemplate, OdooVariant, VariantPage};
pub use records::{Many2One, Record, add_seconds, ids_from_value, records_from_value};
pub use stock::{OdooLocation, OdooWarehouse, StockBasis, StockLevel, StockScope};
pub use transport::{Args, OdooStats, RetryPolicy};
pub use version::OdooVersion;

use error::CallSite;
use transport::Wire;

/// Which RPC transport to use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Transport {
    /// JSON-2 on 19+, `/jsonrpc` before.
    #[default]
    Auto,
    /// `/jsonrpc` `object.execute_kw` (works on 16–19; deprecated in 19).
    JsonRpc,
    /// JSON-2 `POST /json/2/<model>/<method>` (19+ only).
    Json2,
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Auto => "auto",
            Transport::JsonRpc => "jsonrpc",
            Transport::Json2 => "json2",
        })
    }
}

/// Connection settings. `Debug` never prints the API key.
#[derive(Clone)]
pub struct OdooConfig {
    /// Base URL of the Odoo server, e.g. `https://erp.example.com` (no trailing path).
    pub url: String,
    /// Database name (sent as `X-Odoo-Database` on JSON-2 when not empty).
    pub database: String,
    /// Login of the API key's owner (needed by `/jsonrpc` to get the uid).
    pub login: String,
    /// API key (or password on 16–18 `/jsonrpc`). Secret.
    pub api_key: String,
    /// Transport choice.
    pub transport: Transport,
    /// Total time allowed for one HTTP request, answer included.
    pub timeout: Duration,
    /// Records per page for paged reads (`search_read` limit, `read` id chunks).
    pub page_size: usize,
    /// Retry policy for calls that are safe to repeat.
    pub retry: RetryPolicy,
}

impl OdooConfig {
    /// Settings with defaults: `Transport::Auto`, 30 s timeout, pages of 200, 3 attempts.
    pub fn new(url: &str, database: &str, login: &str, api_key: &str) -> Self {
        OdooConfig {
            url: url.to_owned(),
            database: database.to_owned(),
            login: login.to_owned(),
            api_key: api_key.to_owned(),
            transport: Transport::Auto,
            timeout: Duration::from_secs(30),
            page_size: 200,
            retry: RetryPolicy::default(),
        }
    }
}

impl fmt::Debug for OdooConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OdooConfig")
            .field("url", &redact_url(&self.url))
            .field("database", &self.database)
            .field("login", &self.login)
            .field(
                "api_key",
                &if self.api_key.is_empty() {
                    "<empty>"
                } else {
                    "<redacted>"
                },
            )
            .field("transport", &self.transport)
            .field("timeout", &self.timeout)
            .field("page_size", &self.page_size)
            .field("retry", &self.retry)
            .finish()
    }
}

/// The URL without any `user:password@` part, for logs and `Debug`.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    match rest[..host_end].rfind('@') {
        Some(at) => format!("{scheme}://<redacted>@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// The transport in use after [`OdooClient::connect`].
#[derive(Debug)]
enum Active {
    /// `/jsonrpc` with the uid from `common.authenticate`.
    JsonRpc { uid: i64 },
    /// JSON-2 with prepared headers.
    Json2 {
        auth: HeaderValue,
        database: Option<HeaderValue>,
        uid: Option<i64>,
    },
}

struct Inner {
    wire: Wire,
    config: OdooConfig,
    version: OdooVersion,
    active: Active,
    caches: lookups::LookupCaches,
}

/// A connected Odoo client. Cheap to clone (one `Arc`); all clones share the HTTP connection
/// pool, the lookup caches and the traffic counters.
#[derive(Clone)]
pub struct OdooClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for OdooClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OdooClient")
            .field("url", &redact_url(&self.inner.config.url))
            .field("database", &self.inner.config.database)
            .field("version", &self.inner.version.raw)
            .field("transport", &self.transport())
            .field("uid", &self.uid())
            .finish()
    }
}

impl OdooClient {
    /// Connects: reads the server version once, picks the transport (unless the config forces
    /// one) and checks the credentials.
    ///
    /// * Version: `common.version` over `/jsonrpc` (answers on 16–19, recorded on 18 and 19), with
    ///   `GET /web/version` (19+) as fallback when `/jsonrpc` is gone; JSON-2 configs ask
    ///   `/web/version` first so that 19 logs no deprecation warning.
    /// * `/jsonrpc`: `common.authenticate(db, login, key, {})` → uid; `false` → [`OdooError::AccessDenied`].
    /// * JSON-2: `res.users.search_read([["login", "=", login]], ["login"])` with the bearer key;
    ///   401 → [`OdooError::AccessDenied`]; the uid is the matching user, if visible.
    pub async fn connect(config: OdooConfig) -> Result<OdooClient, OdooError> {
        if config.page_size == 0 {
            return Err(OdooError::Config("page_size must be at least 1".into()));
        }
        if config.login.is_empty() && config.transport != Transport::Json2 {
            log::debug!("odoo: empty login; /jsonrpc authentication will fail");
        }
        let started = Instant::now();
        let wire = Wire::new(&config.url, config.timeout)?;
        let version = read_version(&wire, &config).await?;
        let transport = match (config.transport, version.has_json2()) {
            (Transport::Auto, true) | (Transport::Json2, true) => Transport::Json2,
            (Transport::Auto, false) | (Transport::JsonRpc, _) => Transport::JsonRpc,
            (Transport::Json2, false) => {
                return Err(OdooError::Config(format!(
                    "JSON-2 needs Odoo 19 or later; the server runs {}",
                    version.raw
                )));
            }
        };
        let active = match transport {
            Transport::Json2 => authenticate_json2(&wire, &config).await?,
            _ => authenticate_jsonrpc(&wire, &config).await?,
        };
        let inner = Inner {
            wire,
            config,
            version,
            active,
            caches: lookups::LookupCaches::new(),
        };
        let client = OdooClient {
            inner: Arc::new(inner),
        };
        log::info!(
            "odoo: connected to {} database {:?} (Odoo {}) via {} as uid {:?} in {} ms",
            redact_url(&client.inner.config.url),
            client.inner.config.database,
            client.inner.version.raw,
            client.transport(),
            client.uid(),
            started.elapsed().as_millis()
        );
        Ok(client)
    }

    /// The server version read at connect time.
    pub fn version(&self) -> &OdooVersion {
        &self.inner.version
    }

    /// The transport in use (`JsonRpc` or `Json2`, never `Auto`).
    pub fn transport(&self) -> Transport {
        match self.inner.active {
            Active::JsonRpc { .. } => Transport::JsonRpc,
            Active::Json2 { .. } => Transport::Json2,
        }
    }

    /// The user id: from `common.authenticate` (`/jsonrpc`), or the user matching the login (JSON-2).
    pub fn uid(&self) -> Option<i64> {
        match self.inner.active {
            Active::JsonRpc { uid } => Some(uid),
            Active::Json2 { uid, .. } => uid,
        }
    }

    /// The configuration (its `Debug` hides the API key).
    pub fn config(&self) -> &OdooConfig {
        &self.inner.config
    }

    /// Records per page of paged reads.
    pub fn page_size(&self) -> usize {
        self.inner.config.page_size
    }

    /// Traffic counters since connect (or the last [`reset_stats`](Self::reset_stats)),
    /// including the calls made by `connect` itself.
    pub fn stats(&self) -> OdooStats {
        self.inner.wire.counters.snapshot()
    }

    /// Sets the traffic counters back to zero.
    pub fn reset_stats(&self) {
        self.inner.wire.counters.reset();
    }

    /// Calls `model.method` with `args` and returns Odoo's answer as JSON. A method returning
    /// `None` (JSON-RPC answer without `result`, JSON-2 `null`) gives `Value::Null`.
    ///
    /// Transient failures are retried only when `args` is marked
    /// [`retry_safe`](Args::retry_safe).
    pub async fn call(&self, model: &str, method: &str, args: Args) -> Result<Value, OdooError> {
        let site = CallSite {
            model: Some(model),
            method: Some(method),
        };
        let label = transport::label(site);
        let started = Instant::now();
        let inner = &self.inner;
        let result = transport::with_retry(
            &inner.config.retry,
            args.is_retry_safe(),
            &inner.wire.counters,
            &label,
            || self.call_once(model, method, &args),
        )
        .await;
        transport::log_outcome(&label, started, &result);
        result
    }

    /// One attempt of [`call`](Self::call).
    async fn call_once(&self, model: &str, method: &str, args: &Args) -> Result<Value, OdooError> {
        let inner = &self.inner;
        match &inner.active {
            Active::JsonRpc { uid } => {
                let (positional, kwargs) = args.to_execute_kw(method);
                let mut list = vec![
                    json!(inner.config.database),
                    json!(uid),
                    json!(inner.config.api_key),
                    json!(model),
                    json!(method),
                    Value::Array(positional),
                ];
                if !kwargs.is_empty() {
                    list.push(Value::Object(kwargs));
                }
                let site = CallSite {
                    model: Some(model),
                    method: Some(method),
                };
                inner
                    .wire
                    .jsonrpc("object", "execute_kw", Value::Array(list), site)
                    .await
            }
            Active::Json2 { auth, database, .. } => {
                inner
                    .wire
                    .json2(
                        model,
                        method,
                        &args.to_json2_body(),
                        auth,
                        database.as_ref(),
                    )
                    .await
            }
        }
    }

    /// Empties the lookup caches (countries, states, currencies, units, taxes).
    pub fn clear_caches(&self) {
        self.inner.caches.clear();
    }
}

/// Reads the version: `/jsonrpc common.version` and `GET /web/version`, in the order suited to
/// the configured transport; the second is tried only when the first endpoint is missing or
/// answers something else than JSON.
async fn read_version(wire: &Wire, config: &OdooConfig) -> Result<OdooVersion, OdooError> {
    let web_first = config.transport == Transport::Json2;
    let first = if web_first {
        web_version(wire, config).await
    } else {
        jsonrpc_version(wire, config).await
    };
    match first {
        Ok(v) => Ok(v),
        Err(e @ (OdooError::Http { .. } | OdooError::Decode(_) | OdooError::Server { .. })) => {
            log::debug!("odoo: version endpoint failed ({e}); trying the other one");
            let second = if web_first {
                jsonrpc_version(wire, config).await
            } else {
                web_version(wire, config).await
            };
            // Report the first error when both fail: it names the primary endpoint.
            second.map_err(|_| e)
        }
        Err(e) => Err(e),
    }
}

/// `common.version` over `/jsonrpc`: `{"server_version": "18.0", "server_version_info": [...]}`.
async fn jsonrpc_version(wire: &Wire, config: &OdooConfig) -> Result<OdooVersion, OdooError> {
    let site = CallSite {
        model: None,
        method: Some("common.version"),
    };
    let value = transport::with_retry(
        &config.retry,
        true,
        &wire.counters,
        "common.version",
        || wire.jsonrpc("common", "version", json!([]), site),
    )
    .await?;
    let raw = value.get("server_version").and_then(Value::as_str);
    match value.get("server_version_info") {
        Some(info) => OdooVersion::from_version_info(info, raw),
        None => match raw {
            Some(r) => OdooVersion::parse(r),
            None => Err(OdooError::Decode(format!(
                "common.version: no version in {}",
                records::short(&value)
            ))),
        },
    }
}

/// `GET /web/version` (19+): `{"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}`.
async fn web_version(wire: &Wire, config: &OdooConfig) -> Result<OdooVersion, OdooError> {
    let value = transport::with_retry(&config.retry, true, &wire.counters, "/web/version", || {
        wire.get_json("/web/version")
    })
    .await?;
    let raw = value.get("version").and_then(Value::as_str);
    match value.get("version_info") {
        Some(info) => OdooVersion::from_version_info(info, raw),
        None => match raw {
            Some(r) => OdooVersion::parse(r),
            None => Err(OdooError::Decode(format!(
                "/web/version: no version in {}",
                records::short(&value)
            ))),
        },
    }
}

/// `common.authenticate(db, login, key, {})`: uid, or `false` for wrong credentials.
async fn authenticate_jsonrpc(wire: &Wire, config: &OdooConfig) -> Result<Active, OdooError> {
    let site = CallSite {
        model: None,
        method: Some("common.authenticate"),
    };
    let args = json!([config.database, config.login, config.api_key, {}]);
    let value = transport::with_retry(
        &config.retry,
        true,
        &wire.counters,
        "common.authenticate",
        || wire.jsonrpc("common", "authenticate", args.clone(), site),
    )
    .await?;
    match value {
        Value::Number(n) => n
            .as_i64()
            .filter(|uid| *uid > 0)
            .map(|uid| Active::JsonRpc { uid })
            .ok_or(OdooError::AccessDenied),
        Value::Bool(false) | Value::Null => Err(OdooError::AccessDenied),
        other => Err(OdooError::Decode(format!(
            "common.authenticate: expected a uid or false, got {}",
            records::short(&other)
        ))),
    }
}

/// Checks a JSON-2 key with a read of the login's user (401 → AccessDenied).
async fn authenticate_json2(wire: &Wire, config: &OdooConfig) -> Result<Active, OdooError> {
    let auth = transport::bearer_header(&config.api_key)?;
    let database = if config.database.is_empty() {
        None
    } else {
        Some(HeaderValue::from_str(&config.database).map_err(|_| {
            OdooError::Config("database name is not a valid HTTP header value".into())
        })?)
    };
    let body = Args::new()
        .arg("domain", json!([["login", "=", config.login]]))
        .arg("fields", json!(["login"]))
        .to_json2_body();
    let value = transport::with_retry(
        &config.retry,
        true,
        &wire.counters,
        "res.users.search_read",
        || wire.json2("res.users", "search_read", &body, &auth, database.as_ref()),
    )
    .await?;
    let uid = records::records_from_value("res.users", value)?
        .first()
        .map(Record::id);
    if uid.is_none() {
        log::warn!(
            "odoo: the API key works but user {:?} is not visible to it; uid unknown",
            config.login
        );
    }
    Ok(Active::Json2 {
        auth,
        database,
        uid,
    })
}

/// Connects on first use and keeps the client: the hub starts (and serves) while Odoo is down,
/// and every job that needs Odoo gets a clear error until it answers.
pub struct OdooConnector {
    config: OdooConfig,
    client: tokio::sync::OnceCell<OdooClient>,
}

impl OdooConnector {
    pub fn new(config: OdooConfig) -> Self {
        Self {
            config,
            client: tokio::sync::OnceCell::new(),
        }
    }

    /// The connected client (version read and credentials checked once).
    pub async fn client(&self) -> Result<&OdooClient, OdooError> {
        self.client
            .get_or_try_init(|| OdooClient::connect(self.config.clone()))
            .await
    }

    pub fn config(&self) -> &OdooConfig {
        &self.config
    }
}
