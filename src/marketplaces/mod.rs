//! What the hub needs from any marketplace ([`Marketplace`]), the types the flows and the adapters
//! share, and the registry of the marketplaces this build knows ([`DRIVERS`]).
//!
//! Each marketplace is one module (`amazon`, `ebay`, `shopify`) with its client, its wire models
//! spelled as the vendor spells them, pure mapping functions and its limiter model; adding a
//! marketplace means one new module and one line in [`DRIVERS`].

pub mod amazon;
pub mod ebay;
mod error;
pub mod http;
pub mod orders;
pub mod shopify;
pub mod token;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use self::error::{MarketError, Rejection};
pub use self::http::RetryPolicy;
pub use self::orders::{
    Address, Buyer, MarketOrder, MarketOrderLine, OrderPage, OrderQuery, OrderStatus,
    UnreadableOrder, WebhookError, WebhookEvent,
};
use crate::ratelimit::TimeSource;

/// One marketplace account, as an adapter is built from it.
#[derive(Clone)]
pub struct AccountConfig {
    /// The `marketplaces` row id.
    pub id: i64,
    pub name: String,
    /// The account's non-secret settings (the `settings` JSON object): base URLs, seller and
    /// marketplace ids, location, API version, limits... Each adapter documents its keys.
    pub settings: Map<String, Value>,
    /// The unsealed credentials (refresh tokens, client secrets, access tokens). Never logged.
    pub credentials: Map<String, Value>,
    /// The clock and time scale the account's limiters run on (1.0 in production).
    pub time: TimeSource,
    /// How calls are retried in place.
    pub retry: RetryPolicy,
    /// Timeout of one HTTP call.
    pub timeout: Duration,
}

impl std::fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountConfig")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("settings", &self.settings)
            .field("credentials", &"<sealed>")
            .finish_non_exhaustive()
    }
}

impl AccountConfig {
    /// A required text setting.
    pub fn setting(&self, key: &str) -> Result<&str, MarketError> {
        self.settings
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| MarketError::Config(format!("setting `{key}` is missing")))
    }

    /// An optional text setting, or `default`.
    pub fn setting_or<'a>(&'a self, key: &str, default: &'a str) -> &'a str {
        self.settings
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or(default)
    }

    /// An optional number setting, or `default`.
    pub fn number_or(&self, key: &str, default: f64) -> f64 {
        self.settings
            .get(key)
            .and_then(Value::as_f64)
            .unwrap_or(default)
    }

    /// A required credential.
    pub fn credential(&self, key: &str) -> Result<&str, MarketError> {
        self.credentials
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| MarketError::Config(format!("credential `{key}` is missing")))
    }

    /// A `reqwest` client with this account's timeout.
    pub fn http_client(&self) -> Result<reqwest::Client, MarketError> {
        reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("AdlerDo/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| MarketError::Config(format!("cannot build an HTTP client: {e}")))
    }
}

/// A hub product as an offer on one account: what the listings flow creates or updates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub sku: String,
    pub title: String,
    pub description: String,
    /// In the account's currency.
    pub price: f64,
    /// EAN/UPC/GTIN when the product has one.
    pub barcode: Option<String>,
    pub quantity: i64,
    /// Variant attributes (name, value), e.g. ("Color", "Red").
    pub attributes: Vec<(String, String)>,
    /// Ids already known for this SKU on the account (from an earlier push or a link).
    pub ids: Option<ListingIds>,
}

/// Where a SKU lives on a marketplace account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListingIds {
    pub sku: String,
    /// The marketplace's id of the offer (eBay offerId, Amazon ASIN, Shopify variant GID).
    pub external_id: Option<String>,
    /// A second id the adapter needs (eBay listingId, Shopify inventory item GID).
    pub external_ref: Option<String>,
    /// The quantity the marketplace shows now, when the answer says.
    pub quantity: Option<i64>,
    /// Whether the offer is live, or accepted and still being processed.
    pub active: bool,
}

/// A new quantity for one SKU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantityUpdate {
    pub sku: String,
    pub quantity: i64,
    /// The ids from the listing (adapters that need them reject the item without them).
    pub ids: ListingIds,
    /// The quantity the hub last saw accepted on the marketplace, for compare-and-set
    /// (Shopify `changeFromQuantity`); `None` when unknown (no check is made).
    pub previous: Option<i64>,
}

/// The marketplace's answer for one item of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemOutcome<T> {
    pub sku: String,
    pub result: Result<T, Rejection>,
}

/// One HTTP exchange of a push, kept in the push record (bodies may be shortened).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// The vendor's operation name (`bulkUpdatePriceQuantity`, `createFeed`, ...).
    pub operation: String,
    pub request: Value,
    pub status: u16,
    pub response: Value,
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pushed<T> {
    /// Per-item results, for every item the marketplace has answered about.
    pub items: Vec<ItemOutcome<T>>,
    /// When the marketplace processes the batch later (Amazon feeds): a handle for
    /// [`Marketplace::check_pending`]; the items it covers are not in `items`.
    pub pending: Option<String>,
    pub exchanges: Vec<Exchange>,
}

impl<T> Default for Pushed<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            pending: None,
            exchanges: Vec::new(),
        }
    }
}

/// What the hub needs from any marketplace account. Implementations hold the account's HTTP
/// client, token cache and limiter, retry in place what can succeed within
/// [`RetryPolicy::max_wait`], and hand longer waits back as [`MarketError::RateLimited`].
#[async_trait::async_trait]
pub trait Marketplace: Send + Sync {
    /// The registry kind (`amazon`, `ebay`, `shopify`).
    fn kind(&self) -> &'static str;

    /// Most quantity updates one [`Marketplace::push_quantities`] call takes.
    fn max_quantities_per_call(&self) -> usize;

    /// Most offers one [`Marketplace::upsert_offers`] call takes.
    fn max_offers_per_call(&self) -> usize;

    /// How many calls of one account may run at once without breaking its limits.
    fn max_concurrency(&self) -> usize {
        1
    }

    /// Looks the SKUs up on the account (existing listings are linked by SKU); SKUs the account
    /// does not have are left out.
    async fn find_listings(&self, skus: &[String]) -> Result<Vec<ListingIds>, MarketError>;

    /// Creates or updates offers (title, description, price, barcode, quantity).
    async fn upsert_offers(&self, offers: &[Offer]) -> Result<Pushed<ListingIds>, MarketError>;

    /// Sets quantities, at most [`Marketplace::max_quantities_per_call`] of them.
    async fn push_quantities(&self, items: &[QuantityUpdate]) -> Result<Pushed<()>, MarketError>;

    /// The results of a push the marketplace processes later, or `None` while it still works.
    async fn check_pending(&self, handle: &str) -> Result<Option<Pushed<()>>, MarketError> {
        Err(MarketError::Config(format!(
            "{} processes pushes at once; nothing is pending under {handle}",
            self.kind()
        )))
    }

    /// One page of the orders created or changed at or after `query.updated_after`, oldest
    /// change first where the marketplace can sort so. Paging follows [`OrderPage::next_page`].
    async fn fetch_orders(&self, query: &OrderQuery) -> Result<OrderPage, MarketError>;

    /// Verifies a webhook delivery against the account's secret (over the raw `body`, before
    /// any parsing) and reads it. `headers` are (lower-case name, value); `now_ms` is the time
    /// of arrival, for the replay window.
    fn read_webhook(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        now_ms: i64,
    ) -> Result<WebhookEvent, WebhookError> {
        let _ = (headers, body, now_ms);
        Err(WebhookError::NotSupported)
    }
}

/// A marketplace this build knows.
pub struct Driver {
    pub kind: &'static str,
    /// Shown to admins.
    pub label: &'static str,
    /// Builds an adapter for one account (checks its settings and credentials).
    pub build: fn(AccountConfig) -> Result<Arc<dyn Marketplace>, MarketError>,
    /// Starts its simulator (sandbox mode, tests, benchmarks).
    pub simulator: crate::sim::market::StartSim,
}

/// Every marketplace of this build: one line per marketplace.
pub const DRIVERS: &[Driver] = &[amazon::DRIVER, ebay::DRIVER, shopify::DRIVER];

/// The driver of `kind`.
pub fn driver(kind: &str) -> Option<&'static Driver> {
    DRIVERS.iter().find(|d| d.kind == kind)
}
