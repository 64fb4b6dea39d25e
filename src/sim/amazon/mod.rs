//! Amazon SP-API simulator: Login with Amazon, Listings Items 2021-08-01 and Feeds 2021-06-30
//! with `JSON_LISTINGS_FEED`, behaving as `../shared/docs/marketplaces.md` (section A) and the
//! official models describe them:
//!
//! * LWA refresh-token grant (form or JSON body), one-hour access tokens on the model clock,
//!   403 `Unauthorized` for missing, unknown or expired tokens, `invalid_grant` for a revoked
//!   refresh token.
//! * A token bucket per operation with the models' usage plans (429 `QuotaExceeded` without
//!   `x-amzn-RateLimit-Limit`; `x-amzn-RequestId` on every answer), on `SimOptions::time`.
//! * PUT/PATCH answer 200 `ACCEPTED` or `INVALID` with issues; accepted changes become visible
//!   after [`Timings::processing_delay`]; `VALIDATION_PREVIEW` never persists.
//! * Feeds: presigned upload URLs valid five minutes, `IN_QUEUE` → `IN_PROGRESS` → `DONE`
//!   (or `FATAL`), a processing report (GZIP) that fits the processing-report schema,
//!   25,000 messages at most, 5 `JSON_LISTINGS_FEED` per 5 minutes.
//!
//! * Orders 2026-01-01: `searchOrders` (exactly one of `createdAfter` / `lastUpdatedAfter`,
//!   `…Before` at least two minutes before the request, pages of up to 100 with tokens valid
//!   24 hours, `includedData` datasets) and `getOrder`; orders are seeded as buyers place them
//!   ([`RunningMarketSim::seed_order`]) with times on the wall clock.

pub mod http;
pub mod orders;
pub mod store;

use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::web;
use futures_util::future::BoxFuture;
use serde_json::{Map, Value, json};

use self::http::Shared;
pub use self::store::Timings;
use self::store::{Listing, Store};
use super::market::{
    Knobs, OrderChange, RunningMarketSim, SimOptions, SimOrder, bind_local, serve,
};
use crate::marketplaces::amazon::limits::Limits;

pub const SELLER_ID: &str = "A2SIMSELLER0001";
pub const MARKETPLACE_ID: &str = "ATVPDKIKX0DER";
pub const CLIENT_ID: &str = "amzn1.application-oa2-client.adlerdosim";
const REFRESH_TOKEN: &str = "Atzr|adlerdo-sim-refresh-token";

pub fn start(
    options: SimOptions,
) -> BoxFuture<'static, std::io::Result<Box<dyn RunningMarketSim>>> {
    Box::pin(async move {
        let sim = AmazonSim::start(options).await?;
        Ok(Box::new(sim) as Box<dyn RunningMarketSim>)
    })
}

/// A running Amazon simulator.
pub struct AmazonSim {
    url: String,
    knobs: Knobs,
    shared: Arc<Shared>,
    handle: ServerHandle,
    client_secret: String,
}

impl AmazonSim {
    /// Serves on 127.0.0.1, port 0.
    pub async fn start(options: SimOptions) -> std::io::Result<Self> {
        let (listener, url) = bind_local()?;
        let client_secret = format!("amzn1.oa2-cs.v1.{}", uuid::Uuid::new_v4().simple());
        let store = Store::new(
            SELLER_ID.into(),
            MARKETPLACE_ID.into(),
            "USD".into(),
            CLIENT_ID.into(),
            client_secret.clone(),
            REFRESH_TOKEN.into(),
        );
        let limits = Limits::new(None, &options.time);
        let time = options.time.clone();
        let knobs = Knobs::new(options, http::render_fault);
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            limits,
            knobs: knobs.clone(),
            time,
            epoch: chrono::Utc::now(),
            base_url: Mutex::new(url.clone()),
        });
        let data = web::Data::new(shared.clone());
        let handle = serve(listener, Some(&knobs), 1, move |cfg| {
            cfg.app_data(data.clone())
                .app_data(web::PayloadConfig::new(http::MAX_BODY))
                .default_service(web::to(http::dispatch));
        })?;
        Ok(Self {
            url,
            knobs,
            shared,
            handle,
            client_secret,
        })
    }

    fn with<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        let mut store = self.shared.lock();
        store.advance(self.shared.time.model_now());
        f(&mut store)
    }

    /// The LWA token URL.
    pub fn lwa_url(&self) -> String {
        format!("{}/auth/o2/token", self.url)
    }

    /// Revokes the refresh token (the seller removed the app's authorization).
    pub fn revoke_refresh_token(&self) {
        self.with(|s| {
            s.refresh_tokens.clear();
            s.access_tokens.clear();
        });
    }

    /// Makes `sku` one the seller may not list (every write of it gets issue 18742).
    pub fn restrict_sku(&self, sku: &str) {
        self.with(|s| {
            s.restricted.insert(sku.to_string());
        });
    }

    /// Changes the asynchronous timings.
    pub fn set_timings(&self, timings: Timings) {
        self.with(|s| s.timings = timings);
    }

    /// Applies every queued change and finishes every feed now.
    pub fn settle(&self) {
        self.with(Store::settle);
    }

    /// Changes accepted but not applied yet.
    pub fn pending_changes(&self) -> usize {
        self.with(|s| s.pending.len())
    }

    /// The SP-API calls answered (operation, status), faults aside.
    pub fn calls(&self) -> Vec<(String, u16)> {
        self.with(|s| s.calls.clone())
    }

    /// How many access tokens LWA granted.
    pub fn token_grants(&self) -> u64 {
        self.with(|s| s.token_grants)
    }

    /// A listing's stored attributes, if listed.
    pub fn attributes(&self, sku: &str) -> Option<Map<String, Value>> {
        self.with(|s| s.listings.get(sku).map(|l| l.attributes.clone()))
    }

    /// A listing's ASIN, if listed.
    pub fn asin(&self, sku: &str) -> Option<String> {
        self.with(|s| s.listings.get(sku).map(|l| l.asin.clone()))
    }

    /// Gives or takes the roles that show buyers' personal data (names, street lines, phones).
    pub fn set_pii_role(&self, on: bool) {
        self.with(|s| s.pii_role = on);
    }

    /// Makes answers show `json` for the order instead of the order itself (a test's malformed
    /// order in a page); `false` when there is no such order.
    pub fn show_order_as(&self, order_id: &str, json: Value) -> bool {
        self.with(|s| match s.orders.get_mut(order_id) {
            Some(o) => {
                o.shown_as = Some(json);
                true
            }
            None => false,
        })
    }

    /// An order with every dataset, as stored (tests break copies of it).
    pub fn order(&self, order_id: &str) -> Option<crate::marketplaces::amazon::model::Order> {
        self.with(|s| s.orders.get(order_id).map(|o| o.order.clone()))
    }
}

#[async_trait::async_trait]
impl RunningMarketSim for AmazonSim {
    fn kind(&self) -> &'static str {
        "amazon"
    }

    fn url(&self) -> &str {
        &self.url
    }

    fn knobs(&self) -> &Knobs {
        &self.knobs
    }

    fn account_settings(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("endpoint".into(), json!(self.url));
        m.insert("lwa_url".into(), json!(self.lwa_url()));
        m.insert("seller_id".into(), json!(SELLER_ID));
        m.insert("marketplace_id".into(), json!(MARKETPLACE_ID));
        m.insert("currency".into(), json!("USD"));
        m
    }

    fn account_credentials(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("client_id".into(), json!(CLIENT_ID));
        m.insert("client_secret".into(), json!(self.client_secret));
        m.insert("refresh_token".into(), json!(REFRESH_TOKEN));
        m
    }

    fn seed_listing(&self, sku: &str, title: &str, price: f64, quantity: i64) {
        self.with(|s| {
            let now = self.shared.time.model_now();
            let mp = s.marketplace_id.clone();
            let currency = s.currency.clone();
            let attributes = json!({
                "item_name": [{ "value": title, "language_tag": "en_US", "marketplace_id": mp }],
                "condition_type": [{ "value": "new_new", "marketplace_id": mp }],
                "purchasable_offer": [{
                    "marketplace_id": mp, "currency": currency, "audience": "ALL",
                    "our_price": [{ "schedule": [{ "value_with_tax": price }] }],
                }],
                "fulfillment_availability": [{
                    "fulfillment_channel_code": "DEFAULT", "quantity": quantity,
                }],
            });
            let Value::Object(attributes) = attributes else {
                return;
            };
            s.listings.insert(
                sku.to_string(),
                Listing {
                    sku: sku.to_string(),
                    asin: Store::asin_for(sku),
                    product_type: "PRODUCT".into(),
                    attributes,
                    created: now,
                    updated: now,
                },
            );
        });
    }

    fn quantity(&self, sku: &str) -> Option<i64> {
        self.with(|s| s.listings.get(sku).and_then(Listing::quantity))
    }

    fn quantities(&self) -> Vec<(String, i64)> {
        self.with(|s| {
            s.listings
                .values()
                .filter_map(|l| l.quantity().map(|q| (l.sku.clone(), q)))
                .collect()
        })
    }

    fn linked_ids(&self, sku: &str) -> Option<(Option<String>, Option<String>)> {
        self.asin(sku).map(|asin| (Some(asin), None))
    }

    fn push_lower_bound(&self, skus: usize) -> (f64, String) {
        // Feeds of up to 25,000 messages; 5 JSON_LISTINGS_FEED submissions per 5 minutes (and
        // createFeedDocument's burst of 15) let up to 5 feeds start at once, each later group
        // of 5 waiting 5 minutes; then each feed is queued and processed for the simulator's
        // timings (Amazon publishes none).
        let feeds = skus.div_ceil(25_000);
        let groups = feeds.div_ceil(5).max(1);
        let t = self.with(|s| s.timings.clone());
        let secs = (groups - 1) as f64 * 300.0 + t.feed_queue + t.feed_processing;
        (
            secs,
            format!(
                "{feeds} feed(s) of 25,000, 5 per 5 minutes, {} s queued + {} s processing each",
                t.feed_queue, t.feed_processing
            ),
        )
    }

    fn seed_order(&self, order: &SimOrder) -> String {
        self.with(|s| s.place_order(order, chrono::Utc::now()))
    }

    fn update_order(&self, external_id: &str, change: OrderChange) -> bool {
        self.with(|s| s.change_order(external_id, change, chrono::Utc::now()))
    }

    fn deliver_webhooks_to(&self, _url: Option<&str>) -> bool {
        // Amazon sends order notifications through SQS or EventBridge, not HTTP webhooks.
        false
    }

    fn expire_tokens(&self) {
        self.with(|s| {
            for expires in s.access_tokens.values_mut() {
                *expires = 0.0;
            }
        });
    }

    async fn stop(&self) {
        self.handle.stop(true).await;
    }
}
