//! A simulated eBay (Sell Inventory API v1 and the OAuth token endpoint) that behaves as the
//! contract and `shared/docs/marketplaces.md` (section B) describe:
//!
//! * OAuth: refresh-token grant with Basic client credentials, user tokens of 7200 s on the
//!   simulator's clock; `invalid_client`, `invalid_grant`, `invalid_scope`; a 401 errorId 1001
//!   on a missing, unknown or expired bearer token; a 403 errorId 1100 on a token whose grant
//!   did not ask for the API's scope (`sell.inventory`, `sell.fulfillment`, or their
//!   `.readonly`; a grant without `scope` carries every consented scope).
//! * Inventory items (PUT answers 204, bulk create 200/207 per item), offers (createOffer 201,
//!   duplicate -> 400 25002 with the existing offerId in `parameters`), publishOffer (checks
//!   location, category, price, policies), getOffers/getInventoryItems paged with `limit` and a
//!   page-index `offset` as the contract says, with `href`/`next`/`prev` links.
//! * bulkUpdatePriceQuantity: up to 25 requests (1 with [`EbaySim::set_one_sku_per_call`]),
//!   per-item `statusCode` and errors, 207 on mixed results; only published offers.
//! * Request checks in eBay's 400 shape: unreadable JSON 2004, wrong value 25709, bad SKU 25707,
//!   too many items 25727, duplicates 25728, missing `Content-Language` 25709.
//! * Orders (Fulfillment API, see [`orders`]): getOrders with the `filter` grammar
//!   (creationdate, lastmodifieddate, orderfulfillmentstatus; creationdate wins), `limit` 1 to
//!   200 (default 50), item `offset`, `orderIds` (up to 50), `href`/`next`/`prev`/`total`, the
//!   400 errorIds 30700-31100 and 32800; getOrder; PII withheld by order age. Orders are placed
//!   with [`RunningMarketSim::seed_order`] and changed with [`RunningMarketSim::update_order`],
//!   on the wall clock.
//! * Limits (with `SimOptions::enforce_limits`, on `SimOptions::time`): the daily call limit of
//!   the Inventory API and, counted apart, the Fulfillment API's 100,000 (each a 429 errorId
//!   2001, domain ACCESS, category REQUEST), and 250 revisions per listing per calendar day (a
//!   per-item refusal).
//!
//! Where eBay documents no exact answer, the simulator picks one and says so here:
//! * a listing past its 250 revisions of the day is refused per item with statusCode 400 and
//!   errorId 25002 ("A user error has occurred"), the `listingId` in `parameters`;
//! * bulkUpdatePriceQuantity on an unpublished offer is refused per item with 25002;
//! * getOffers for a SKU without offers answers 404 with 25713;
//! * a scripted `Fault::Throttle` carries `Retry-After` (eBay's own 429 does not; the gateways
//!   in front of it do), while the daily-limit 429 has none, as eBay's;
//! * the OAuth endpoint's own daily limits (50,000 refresh grants) and 25025 "concurrent
//!   access" are not simulated: the store is behind one mutex, so calls never overlap.
//!
//! Tests and benchmarks reach the concrete [`EbaySim`] for what only a simulator can do: revoke
//! the refresh token, lower the limits, read the calls made.

pub mod http;
pub mod orders;
pub mod store;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use actix_web::dev::ServerHandle;
use actix_web::web;
use futures_util::future::BoxFuture;
use serde_json::{Map, Value, json};

use self::http::{Shared, lock};
use self::store::{Account, Store};
use super::market::{
    Knobs, OrderChange, RunningMarketSim, SimOptions, SimOrder, bind_local, serve,
};
use crate::marketplaces::ebay::model::{ListingPolicies, OfferDetails};
use crate::ratelimit::DailyQuota;

/// The keyset and refresh token the simulator accepts.
pub const CLIENT_ID: &str = "AdlerDo-Sandbox-PRD-5e8a3b1c2-0f1d2a3b";
pub const CLIENT_SECRET: &str = "PRD-e8a3b1c20f1d-2a3b-4c5d-8e9f-0a1b";
pub const REFRESH_TOKEN: &str = "v^1.1#i^1#f^0#r^1#I^3#p^3#t^Ul4xMF8yOkFEMzY5RDk3QkYxMjBBRTk4";
/// The business data of the simulated seller.
pub const LOCATION: &str = "WH1";
pub const CATEGORY: &str = "30120";
pub const FULFILLMENT_POLICY: &str = "6000000001";
pub const PAYMENT_POLICY: &str = "6000000002";
pub const RETURN_POLICY: &str = "6000000003";
/// The Inventory API's default daily call limit.
pub const DAILY_CALL_LIMIT: u64 = 2_000_000;

/// Scopes the simulated seller consented to.
const SCOPES: [&str; 4] = [
    "https://api.ebay.com/oauth/api_scope",
    "https://api.ebay.com/oauth/api_scope/sell.inventory",
    "https://api.ebay.com/oauth/api_scope/sell.inventory.readonly",
    "https://api.ebay.com/oauth/api_scope/sell.fulfillment",
];

/// Starts a simulator (the registry's entry point).
pub fn start(
    options: SimOptions,
) -> BoxFuture<'static, std::io::Result<Box<dyn RunningMarketSim>>> {
    Box::pin(async move {
        let sim = EbaySim::start(options)?;
        Ok(Box::new(sim) as Box<dyn RunningMarketSim>)
    })
}

/// A running simulated eBay.
pub struct EbaySim {
    url: String,
    shared: web::Data<Shared>,
    handle: ServerHandle,
}

fn account() -> Account {
    let set = |v: &str| HashSet::from([v.to_string()]);
    let currencies = [
        ("EBAY_US", "USD"),
        ("EBAY_GB", "GBP"),
        ("EBAY_DE", "EUR"),
        ("EBAY_FR", "EUR"),
        ("EBAY_IT", "EUR"),
        ("EBAY_ES", "EUR"),
        ("EBAY_AT", "EUR"),
        ("EBAY_NL", "EUR"),
        ("EBAY_IE", "EUR"),
        ("EBAY_AU", "AUD"),
        ("EBAY_CA", "CAD"),
        ("EBAY_CH", "CHF"),
        ("EBAY_PL", "PLN"),
    ];
    Account {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        refresh_token: REFRESH_TOKEN.into(),
        refresh_revoked: false,
        scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
        locations: set(LOCATION),
        fulfillment_policies: set(FULFILLMENT_POLICY),
        payment_policies: set(PAYMENT_POLICY),
        return_policies: set(RETURN_POLICY),
        currencies: currencies
            .iter()
            .map(|(m, c)| (m.to_string(), c.to_string()))
            .collect::<HashMap<_, _>>(),
    }
}

impl EbaySim {
    /// Binds 127.0.0.1, port 0, and serves. Must run inside a Tokio runtime.
    pub fn start(options: SimOptions) -> std::io::Result<Self> {
        let (listener, url) = bind_local()?;
        let enforce = options.enforce_limits;
        let quota = DailyQuota::daily(DAILY_CALL_LIMIT, options.time.clone());
        let options_time = options.time.clone();
        let knobs = Knobs::new(options, http::render_fault);
        let shared = web::Data::new(Shared {
            store: Mutex::new(Store::new(account(), enforce)),
            knobs: knobs.clone(),
            quota: Mutex::new(quota),
            fulfillment_quota: Mutex::new(DailyQuota::daily(
                orders::DAILY_CALL_LIMIT,
                options_time.clone(),
            )),
            orders: Mutex::new(orders::OrderBook::default()),
            base_url: url.clone(),
            calls: Mutex::new(Vec::new()),
        });
        let data = shared.clone();
        let handle = serve(listener, Some(&knobs), 2, move |cfg| {
            cfg.app_data(data.clone())
                .app_data(web::PayloadConfig::new(8 * 1024 * 1024))
                .configure(http::configure);
        })?;
        Ok(Self {
            url,
            shared,
            handle,
        })
    }

    /// Revokes the seller's refresh token (as when the seller withdraws consent).
    pub fn revoke_refresh_token(&self) {
        self.shared.store().account.refresh_revoked = true;
    }

    /// The strict reading of bulkUpdatePriceQuantity: one SKU per call.
    pub fn set_one_sku_per_call(&self, on: bool) {
        self.shared.store().one_sku_per_call = on;
    }

    /// Replaces the daily call limit (the window starts now, on the simulator's clock).
    pub fn set_daily_call_limit(&self, limit: u64) {
        let time = self.shared.knobs.time().clone();
        *lock(&self.shared.quota) = DailyQuota::daily(limit, time);
    }

    /// Replaces the Fulfillment API's daily call limit (the window starts now).
    pub fn set_order_daily_call_limit(&self, limit: u64) {
        let time = self.shared.knobs.time().clone();
        *lock(&self.shared.fulfillment_quota) = DailyQuota::daily(limit, time);
    }

    /// Moves an order's creation (and, if earlier, last change) `days` into the past, as if it
    /// had been placed then (for the PII rules that depend on the order's age).
    pub fn age_order(&self, order_id: &str, days: i64) -> bool {
        let mut book = lock(&self.shared.orders);
        let Some(rec) = book.orders.get_mut(order_id) else {
            return false;
        };
        rec.created_ms -= days * 86_400_000;
        rec.modified_ms = rec.modified_ms.min(rec.created_ms + 1);
        true
    }

    /// Makes getOrders/getOrder send `raw` in place of the order (an order eBay sends
    /// malformed); `false` when there is no such order.
    pub fn corrupt_order(&self, order_id: &str, raw: Value) -> bool {
        let mut book = lock(&self.shared.orders);
        match book.orders.get_mut(order_id) {
            Some(rec) => {
                rec.raw_override = Some(raw);
                true
            }
            None => false,
        }
    }

    /// Calls left today under the daily call limit.
    pub fn calls_remaining(&self) -> u64 {
        lock(&self.shared.quota).remaining()
    }

    /// Replaces the 250 revisions per listing per day.
    pub fn set_revision_limit(&self, limit: u32) {
        self.shared.store().revision_limit = limit;
    }

    /// The operations served after authentication, in order (`bulkUpdatePriceQuantity`, ...).
    pub fn calls(&self) -> Vec<&'static str> {
        lock(&self.shared.calls).clone()
    }

    /// How many calls of `operation` were served.
    pub fn count(&self, operation: &str) -> usize {
        lock(&self.shared.calls)
            .iter()
            .filter(|c| **c == operation)
            .count()
    }

    /// Access tokens issued so far (expired ones included).
    pub fn tokens_issued(&self) -> usize {
        self.shared.store().tokens.len()
    }

    /// The offer of `sku` as getOffers shows it (fixed price).
    pub fn offer(&self, sku: &str) -> Option<OfferDetails> {
        let store = self.shared.store();
        store
            .offers_of(sku, None, Some("FIXED_PRICE"))
            .first()
            .map(|o| o.view())
    }

    /// Revisions counted today for the listing of `sku`.
    pub fn revisions_today(&self, sku: &str) -> u32 {
        let now = self.shared.knobs.time().model_now();
        let store = self.shared.store();
        store
            .offers_of(sku, None, Some("FIXED_PRICE"))
            .first()
            .and_then(|o| o.listing_id.clone())
            .map_or(0, |l| store.revisions_today(&l, now))
    }

    /// Runs `f` on the store (tests that need more than the methods above).
    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self.shared.store())
    }

    fn offer_defaults() -> OfferDetails {
        OfferDetails {
            category_id: Some(CATEGORY.into()),
            merchant_location_key: Some(LOCATION.into()),
            listing_policies: Some(ListingPolicies {
                fulfillment_policy_id: Some(FULFILLMENT_POLICY.into()),
                payment_policy_id: Some(PAYMENT_POLICY.into()),
                return_policy_id: Some(RETURN_POLICY.into()),
            }),
            ..OfferDetails::default()
        }
    }
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

#[async_trait::async_trait]
impl RunningMarketSim for EbaySim {
    fn kind(&self) -> &'static str {
        "ebay"
    }

    fn url(&self) -> &str {
        &self.url
    }

    fn knobs(&self) -> &Knobs {
        &self.shared.knobs
    }

    fn account_settings(&self) -> Map<String, Value> {
        object(json!({
            "api_url": self.url,
            "marketplace_id": "EBAY_US",
            "content_language": "en-US",
            "currency": "USD",
            "merchant_location_key": LOCATION,
            "category_id": CATEGORY,
            "fulfillment_policy_id": FULFILLMENT_POLICY,
            "payment_policy_id": PAYMENT_POLICY,
            "return_policy_id": RETURN_POLICY,
            "bulk_size": 25,
        }))
    }

    fn account_credentials(&self) -> Map<String, Value> {
        object(json!({
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH_TOKEN,
        }))
    }

    fn seed_listing(&self, sku: &str, title: &str, price: f64, quantity: i64) {
        let defaults = Self::offer_defaults();
        let mut store = self.shared.store();
        if store
            .seed(sku, title, price, quantity, "EBAY_US", &defaults)
            .is_none()
        {
            log::warn!("eBay simulator: cannot seed SKU {sku}");
        }
    }

    fn quantity(&self, sku: &str) -> Option<i64> {
        self.shared.store().visible_quantity(sku)
    }

    fn quantities(&self) -> Vec<(String, i64)> {
        let store = self.shared.store();
        store
            .items
            .keys()
            .filter_map(|sku| store.visible_quantity(sku).map(|q| (sku.clone(), q)))
            .collect()
    }

    fn linked_ids(&self, sku: &str) -> Option<(Option<String>, Option<String>)> {
        self.shared
            .store()
            .offers_of(sku, None, Some("FIXED_PRICE"))
            .first()
            .map(|o| (Some(o.offer_id.clone()), o.listing_id.clone()))
    }

    fn push_lower_bound(&self, skus: usize) -> (f64, String) {
        // bulkUpdatePriceQuantity takes 25 SKUs; the only documented limit is the daily call
        // quota, which no per-second pace is attached to: within it, nothing waits.
        let calls = skus.div_ceil(25) as u64;
        let secs = if calls <= DAILY_CALL_LIMIT {
            0.0
        } else {
            // Each full quota beyond the first waits for the next day.
            ((calls - 1) / DAILY_CALL_LIMIT) as f64 * 86_400.0
        };
        (
            secs,
            format!("{calls} calls of 25 within {DAILY_CALL_LIMIT} calls a day"),
        )
    }

    fn seed_order(&self, order: &SimOrder) -> String {
        let listings: HashMap<String, String> = {
            let store = self.shared.store();
            order
                .lines
                .iter()
                .filter_map(|l| {
                    store
                        .offers_of(&l.sku, None, Some("FIXED_PRICE"))
                        .first()
                        .and_then(|o| o.listing_id.clone())
                        .map(|id| (l.sku.clone(), id))
                })
                .collect()
        };
        lock(&self.shared.orders).place(order, |sku| listings.get(sku).cloned())
    }

    fn update_order(&self, external_id: &str, change: OrderChange) -> bool {
        lock(&self.shared.orders).change(external_id, change)
    }

    /// The hub takes no eBay notifications: orders are polled.
    fn deliver_webhooks_to(&self, url: Option<&str>) -> bool {
        let _ = url;
        false
    }

    fn expire_tokens(&self) {
        self.shared.store().tokens.clear();
    }

    async fn stop(&self) {
        self.handle.stop(true).await;
    }
}
