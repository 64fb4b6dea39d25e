//! eBay adapter: the Sell Inventory API v1 (contract 1.18.4) with a seller's user token.
//!
//! * Quantities: `bulkUpdatePriceQuantity`, up to `bulk_size` SKUs per call, each with its
//!   `shipToLocationAvailability.quantity` and its offer's `availableQuantity`; the per-item
//!   `statusCode`s of the 200/207 answer become per-item outcomes.
//! * Offers: `bulkCreateOrReplaceInventoryItem` for the product data, then `createOffer` (new
//!   SKU; a 25002 "Offer entity already exists" answer carries the existing offerId) or
//!   `updateOffer` (known offerId), then `publishOffer`, which returns the listingId.
//!   [`ListingIds::external_id`] is the offerId, [`ListingIds::external_ref`] the listingId.
//! * Linking: `getOffers?sku=` per SKU, following `next` hrefs.
//! * Orders: the Fulfillment API's `getOrders` with
//!   `filter=lastmodifieddate:[<updated_after>..]&limit=200&offset=N` (only lastmodifieddate:
//!   with creationdate too eBay would use creationdate alone). The page token of
//!   [`OrderQuery::page`] is the item offset of the next page, read from the answer's `next`
//!   href (a plain number, so that it survives a change of host). eBay documents no order of
//!   the results; orders that match the filter only while the pages are walked (changed
//!   meanwhile) may shift the pages, which repeats an order rather than missing it, and the
//!   hub keeps orders by id. `getOrder` reads one order ([`Ebay::order`]). An order of a page
//!   the mapping cannot read goes to [`OrderPage::unreadable`] with its JSON.
//!
//! Limits: the Inventory API's daily call limit is counted per account with a [`DailyQuota`],
//! and the Fulfillment API's (100,000 a day, a separate count) with another;
//! eBay also caps each listing at 250 revisions per calendar day, which the hub's core avoids by
//! coalescing stock changes, and which comes back here as a per-item refusal.
//!
//! eBay's 429 carries no `Retry-After`: when our own count of the day's calls is spent the wait
//! is until our window resets (handed back as `RateLimited`), otherwise the retry policy's
//! backoff applies.
//!
//! Settings (`AccountConfig::settings`):
//! * `api_url`: API host, default `https://api.ebay.com` (sandbox `https://api.sandbox.ebay.com`).
//! * `token_url`: OAuth token endpoint, default `{api_url}/identity/v1/oauth2/token`.
//! * `scope`: OAuth scopes asked for on refresh, default the `sell.inventory` and
//!   `sell.fulfillment` scopes (one token serves both APIs).
//! * `marketplace_id`: default `EBAY_US`.
//! * `content_language`: `Content-Language` of the calls that need it, default `en-US`.
//! * `currency`: of prices, default `USD`.
//! * `condition`: item condition, default `NEW`.
//! * `merchant_location_key`, `category_id`, `fulfillment_policy_id`, `payment_policy_id`,
//!   `return_policy_id`: what an offer needs before eBay publishes it (optional here; eBay
//!   refuses the publish per item without them).
//! * `bulk_size`: SKUs per `bulkUpdatePriceQuantity` and per upsert batch, 1 to 25, default 25
//!   (1 follows the method text "only one SKU can be updated per call").
//! * `daily_call_limit`: Inventory API calls per day, default 2,000,000.
//! * `order_daily_call_limit`: Fulfillment API calls per day, default 100,000.
//!
//! Credentials (`AccountConfig::credentials`): `client_id`, `client_secret` (the application's
//! keyset) and `refresh_token` (the seller's consent, ~18 months).

pub mod auth;
pub mod client;
pub mod mapping;
pub mod model;

use std::sync::Arc;

use futures_util::StreamExt;
use reqwest::Method;
use serde_json::Value;

use self::auth::{Credentials, DEFAULT_SCOPES, TokenCache};
use self::client::{Api, Call, Client, Quotas};
use self::mapping::ListingDefaults;
use self::model::{
    BulkInventoryItem, BulkInventoryItemResponse, BulkPriceQuantity, BulkPriceQuantityResponse,
    OfferResponse, Offers, OrderSearchPagedCollection, PublishResponse, codes,
};
use super::http::percent_encode;
use super::{
    AccountConfig, Driver, Exchange, ItemOutcome, ListingIds, MarketError, MarketOrder,
    Marketplace, Offer, OrderPage, OrderQuery, Pushed, QuantityUpdate, Rejection, WebhookError,
    WebhookEvent,
};
use crate::ratelimit::DailyQuota;

pub const DRIVER: Driver = Driver {
    kind: "ebay",
    label: "eBay",
    build,
    simulator: crate::sim::ebay::start,
};

/// eBay's most items per bulk call.
pub const MAX_BULK: usize = 25;
/// The Inventory API's default daily call limit.
pub const DAILY_CALL_LIMIT: u64 = 2_000_000;
/// The Fulfillment API's default daily call limit.
pub const ORDER_DAILY_CALL_LIMIT: u64 = 100_000;
/// Orders per getOrders page (eBay's maximum).
pub const ORDERS_PER_PAGE: u64 = 200;
/// How far back getOrders reaches (eBay: two years); a cursor older than that is moved up to
/// it, with a day to spare for clock skew.
const ORDER_HORIZON_MS: i64 = (2 * 365 - 1) * 86_400_000;
/// Calls of one account in flight at once.
pub const MAX_CONCURRENCY: usize = 4;

fn build(account: AccountConfig) -> Result<Arc<dyn Marketplace>, MarketError> {
    Ok(Arc::new(Ebay::new(&account)?))
}

/// One eBay seller account.
pub struct Ebay {
    client: Client,
    defaults: ListingDefaults,
    bulk_size: usize,
}

impl Ebay {
    pub fn new(account: &AccountConfig) -> Result<Self, MarketError> {
        let api_url = account
            .setting_or("api_url", "https://api.ebay.com")
            .trim_end_matches('/')
            .to_string();
        if !(api_url.starts_with("http://") || api_url.starts_with("https://")) {
            return Err(MarketError::Config(format!(
                "setting `api_url` is not an http(s) URL: {api_url}"
            )));
        }
        let token_url = match account.settings.get("token_url").and_then(Value::as_str) {
            Some(u) if !u.is_empty() => u.to_string(),
            _ => format!("{api_url}/identity/v1/oauth2/token"),
        };
        let credentials = Credentials {
            client_id: account.credential("client_id")?.to_string(),
            client_secret: account.credential("client_secret")?.to_string(),
            refresh_token: account.credential("refresh_token")?.to_string(),
            scope: account.setting_or("scope", DEFAULT_SCOPES).to_string(),
        };
        let bulk = account.number_or("bulk_size", MAX_BULK as f64);
        if !(1.0..=MAX_BULK as f64).contains(&bulk) || bulk.fract() != 0.0 {
            return Err(MarketError::Config(format!(
                "setting `bulk_size` must be a whole number from 1 to {MAX_BULK}, not {bulk}"
            )));
        }
        let limit = account.number_or("daily_call_limit", DAILY_CALL_LIMIT as f64);
        if !(limit >= 1.0 && limit.is_finite()) {
            return Err(MarketError::Config(
                "setting `daily_call_limit` must be a positive number".into(),
            ));
        }
        let order_limit =
            account.number_or("order_daily_call_limit", ORDER_DAILY_CALL_LIMIT as f64);
        if !(order_limit >= 1.0 && order_limit.is_finite()) {
            return Err(MarketError::Config(
                "setting `order_daily_call_limit` must be a positive number".into(),
            ));
        }
        let optional = |key: &str| {
            account
                .settings
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let defaults = ListingDefaults {
            marketplace_id: account.setting_or("marketplace_id", "EBAY_US").to_string(),
            content_language: account.setting_or("content_language", "en-US").to_string(),
            currency: account.setting_or("currency", "USD").to_string(),
            condition: account.setting_or("condition", "NEW").to_string(),
            merchant_location_key: optional("merchant_location_key"),
            category_id: optional("category_id"),
            fulfillment_policy_id: optional("fulfillment_policy_id"),
            payment_policy_id: optional("payment_policy_id"),
            return_policy_id: optional("return_policy_id"),
        };
        let http = account.http_client()?;
        let auth = TokenCache::new(http.clone(), token_url, credentials, account.time.clone());
        let quota = DailyQuota::daily(limit as u64, account.time.clone());
        let order_quota = DailyQuota::daily(order_limit as u64, account.time.clone());
        let client = Client::new(
            http,
            &api_url,
            auth,
            Quotas {
                inventory: quota,
                fulfillment: order_quota,
            },
            account.retry.clone(),
            defaults.content_language.clone(),
            defaults.marketplace_id.clone(),
        );
        Ok(Self {
            client,
            defaults,
            bulk_size: bulk as usize,
        })
    }

    /// Calls left in the account's daily quota, as the adapter counts them.
    pub fn calls_remaining(&self) -> u64 {
        self.client.calls_remaining()
    }

    /// Calls left in the account's daily Fulfillment API quota, as the adapter counts them.
    pub fn order_calls_remaining(&self) -> u64 {
        self.client.order_calls_remaining()
    }

    /// One order by its orderId (`getOrder`), or `None` when eBay does not know it. An order
    /// the mapping cannot read is a [`MarketError::Decode`].
    pub async fn order(&self, order_id: &str) -> Result<Option<MarketOrder>, MarketError> {
        let call = Call {
            api: Api::Fulfillment,
            operation: "getOrder",
            method: Method::GET,
            path: format!("/order/{}", percent_encode(order_id)),
            query: Vec::new(),
            body: None,
            content_language: false,
        };
        let reply = self.client.send(&call).await?;
        if reply.status == 404 {
            return Ok(None);
        }
        if !reply.is_success() {
            return Err(reply.rejected());
        }
        mapping::read_order(reply.body)
            .map(Some)
            .map_err(|u| MarketError::Decode(format!("eBay order {order_id}: {}", u.reason)))
    }

    /// The fixed-price offer of `sku` on the account's marketplace, if any.
    async fn find_one(
        &self,
        sku: &str,
        exchanges: &mut Vec<Exchange>,
    ) -> Result<Option<ListingIds>, MarketError> {
        if !mapping::sku_fits(sku) {
            return Ok(None);
        }
        let mut call = Call {
            api: Api::Inventory,
            operation: "getOffers",
            method: Method::GET,
            path: "/offer".into(),
            query: vec![
                ("sku".into(), sku.to_string()),
                (
                    "marketplace_id".into(),
                    self.defaults.marketplace_id.clone(),
                ),
            ],
            body: None,
            content_language: false,
        };
        // eBay allows an auction and a fixed-price offer per SKU, so pages are short; the
        // bound only guards against an answer whose `next` never ends.
        for _ in 0..20 {
            let reply = self.send(&call, exchanges).await?;
            if reply.status == 404 {
                return Ok(None);
            }
            if !reply.is_success() {
                return Err(reply.rejected());
            }
            let page: Offers = reply.parse()?;
            if let Some(offer) =
                mapping::pick_offer(&page.offers, sku, &self.defaults.marketplace_id)
            {
                return Ok(Some(mapping::listing_ids(offer, sku)));
            }
            match page.next.filter(|n| !n.is_empty()) {
                Some(next) => {
                    call.path = self.absolute(&next);
                    call.query.clear();
                }
                None => return Ok(None),
            }
        }
        Ok(None)
    }

    /// A `next` href as a URL of this account's host (eBay's hrefs may be relative).
    fn absolute(&self, href: &str) -> String {
        if href.starts_with("http://") || href.starts_with("https://") {
            return href.to_string();
        }
        let path = href
            .strip_prefix("/sell/inventory/v1")
            .unwrap_or(href)
            .to_string();
        if path.starts_with('/') {
            path
        } else {
            format!("/{path}")
        }
    }

    /// createOffer or updateOffer, then publishOffer, for one SKU whose inventory item exists.
    async fn offer_and_publish(
        &self,
        offer: &Offer,
        exchanges: &mut Vec<Exchange>,
    ) -> Result<Result<ListingIds, Rejection>, MarketError> {
        let known = offer
            .ids
            .as_ref()
            .and_then(|i| i.external_id.clone())
            .filter(|s| !s.is_empty());
        let mut offer_id = None;
        if let Some(id) = known {
            match self.update_offer(offer, &id, exchanges).await? {
                Ok(()) => offer_id = Some(id),
                // The offer is gone on eBay (deleted by the seller): make a new one.
                Err(r) if r.code == codes::OFFER_NOT_AVAILABLE.to_string() => {
                    log::info!(
                        "eBay offer {id} of SKU {} is gone, creating it again",
                        offer.sku
                    );
                }
                Err(r) => return Ok(Err(r)),
            }
        }
        let offer_id = match offer_id {
            Some(id) => id,
            None => match self.create_offer(offer, exchanges).await? {
                Ok(id) => id,
                Err(r) => return Ok(Err(r)),
            },
        };
        let call = Call {
            api: Api::Inventory,
            operation: "publishOffer",
            method: Method::POST,
            path: format!("/offer/{}/publish", percent_encode(&offer_id)),
            query: Vec::new(),
            body: None,
            content_language: false,
        };
        let reply = self.send(&call, exchanges).await?;
        if !reply.is_success() {
            return Ok(Err(mapping::rejection(
                reply.status,
                &reply.errors().errors,
            )));
        }
        let published: PublishResponse = reply.parse()?;
        Ok(Ok(ListingIds {
            sku: offer.sku.clone(),
            external_id: Some(offer_id),
            external_ref: published.listing_id,
            quantity: Some(mapping::quantity(offer.quantity)),
            active: true,
        }))
    }

    /// createOffer; an offer that already exists (25002 with its offerId) is taken over and
    /// brought up to date with updateOffer.
    async fn create_offer(
        &self,
        offer: &Offer,
        exchanges: &mut Vec<Exchange>,
    ) -> Result<Result<String, Rejection>, MarketError> {
        let body = mapping::offer_details(offer, &self.defaults, true);
        let call = Call {
            api: Api::Inventory,
            operation: "createOffer",
            method: Method::POST,
            path: "/offer".into(),
            query: Vec::new(),
            body: Some(to_value(&body)?),
            content_language: true,
        };
        let reply = self.send(&call, exchanges).await?;
        if reply.is_success() {
            return match reply.parse::<OfferResponse>()?.offer_id {
                Some(id) => Ok(Ok(id)),
                None => Err(MarketError::Decode(
                    "createOffer answered without an offerId".into(),
                )),
            };
        }
        let errors = reply.errors().errors;
        match mapping::existing_offer_id(&errors) {
            // Created earlier (a retry after a lost answer, or by the seller).
            Some(id) => Ok(self.update_offer(offer, &id, exchanges).await?.map(|()| id)),
            None => Ok(Err(mapping::rejection(reply.status, &errors))),
        }
    }

    async fn update_offer(
        &self,
        offer: &Offer,
        offer_id: &str,
        exchanges: &mut Vec<Exchange>,
    ) -> Result<Result<(), Rejection>, MarketError> {
        let body = mapping::offer_details(offer, &self.defaults, false);
        let call = Call {
            api: Api::Inventory,
            operation: "updateOffer",
            method: Method::PUT,
            path: format!("/offer/{}", percent_encode(offer_id)),
            query: Vec::new(),
            body: Some(to_value(&body)?),
            content_language: true,
        };
        let reply = self.send(&call, exchanges).await?;
        if reply.is_success() {
            Ok(Ok(()))
        } else {
            Ok(Err(mapping::rejection(
                reply.status,
                &reply.errors().errors,
            )))
        }
    }

    /// Sends `call` and records the exchange.
    async fn send(
        &self,
        call: &Call,
        exchanges: &mut Vec<Exchange>,
    ) -> Result<client::Reply, MarketError> {
        let reply = self.client.send(call).await?;
        exchanges.push(Client::exchange(call, &reply));
        Ok(reply)
    }

    /// A bulk call (a POST of `body`): its answer, or the rejection of the whole call.
    async fn bulk<T: serde::de::DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &str,
        body: Value,
        content_language: bool,
        exchanges: &mut Vec<Exchange>,
    ) -> Result<T, MarketError> {
        let call = Call {
            api: Api::Inventory,
            operation,
            method: Method::POST,
            path: path.into(),
            query: Vec::new(),
            body: Some(body),
            content_language,
        };
        let reply = self.send(&call, exchanges).await?;
        if !reply.is_success() {
            return Err(reply.rejected());
        }
        reply.parse()
    }

    /// One `bulkUpdatePriceQuantity` call.
    async fn push_chunk(
        &self,
        items: &[QuantityUpdate],
        pushed: &mut Pushed<()>,
    ) -> Result<(), MarketError> {
        let (requests, refused) = mapping::price_quantity_requests(items);
        pushed.items.extend(refused);
        if requests.is_empty() {
            return Ok(());
        }
        let body = BulkPriceQuantity { requests };
        let answer: BulkPriceQuantityResponse = self
            .bulk(
                "bulkUpdatePriceQuantity",
                "/bulk_update_price_quantity",
                to_value(&body)?,
                false,
                &mut pushed.exchanges,
            )
            .await?;
        pushed
            .items
            .extend(mapping::price_quantity_outcomes(&body.requests, &answer));
        Ok(())
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, MarketError> {
    serde_json::to_value(v).map_err(|e| MarketError::Decode(format!("cannot encode: {e}")))
}

/// Whether an error of one item's call stops the whole batch: credentials, configuration and
/// long waits concern every item; the rest concerns only this one.
fn stops_batch(e: &MarketError) -> bool {
    matches!(
        e,
        MarketError::Unauthorized(_) | MarketError::Config(_) | MarketError::RateLimited { .. }
    )
}

fn item_rejection(e: &MarketError) -> Rejection {
    let r = Rejection::new(e.code(), e.to_string());
    if e.is_retryable() { r.retryable() } else { r }
}

#[async_trait::async_trait]
impl Marketplace for Ebay {
    fn kind(&self) -> &'static str {
        "ebay"
    }

    fn max_quantities_per_call(&self) -> usize {
        self.bulk_size
    }

    fn max_offers_per_call(&self) -> usize {
        self.bulk_size
    }

    fn max_concurrency(&self) -> usize {
        MAX_CONCURRENCY
    }

    async fn find_listings(&self, skus: &[String]) -> Result<Vec<ListingIds>, MarketError> {
        let results: Vec<Result<Option<ListingIds>, MarketError>> =
            futures_util::stream::iter(skus.iter().cloned())
                .map(|sku| async move {
                    let mut ignored = Vec::new();
                    self.find_one(&sku, &mut ignored).await
                })
                .buffered(MAX_CONCURRENCY)
                .collect()
                .await;
        let mut found = Vec::new();
        for r in results {
            if let Some(ids) = r? {
                found.push(ids);
            }
        }
        Ok(found)
    }

    async fn upsert_offers(&self, offers: &[Offer]) -> Result<Pushed<ListingIds>, MarketError> {
        let mut pushed = Pushed::default();
        for chunk in offers.chunks(self.bulk_size) {
            let mut ready: Vec<&Offer> = Vec::new();
            let mut requests = Vec::new();
            for offer in chunk {
                if mapping::sku_fits(&offer.sku) {
                    requests.push(mapping::inventory_item(offer, &self.defaults));
                    ready.push(offer);
                } else {
                    pushed.items.push(ItemOutcome {
                        sku: offer.sku.clone(),
                        result: Err(Rejection::new(
                            mapping::BAD_SKU,
                            "an eBay SKU has 1 to 50 characters",
                        )),
                    });
                }
            }
            if requests.is_empty() {
                continue;
            }
            let body = BulkInventoryItem { requests };
            let answer: BulkInventoryItemResponse = self
                .bulk(
                    "bulkCreateOrReplaceInventoryItem",
                    "/bulk_create_or_replace_inventory_item",
                    to_value(&body)?,
                    true,
                    &mut pushed.exchanges,
                )
                .await?;
            let outcomes = mapping::inventory_outcomes(&body.requests, &answer.responses);
            let mut next: Vec<&Offer> = Vec::new();
            for (offer, outcome) in ready.into_iter().zip(outcomes) {
                match outcome.result {
                    Ok(()) => next.push(offer),
                    Err(r) => pushed.items.push(ItemOutcome {
                        sku: outcome.sku,
                        result: Err(r),
                    }),
                }
            }
            let next = &next;
            let results: Vec<_> = futures_util::stream::iter(0..next.len())
                .map(|i| async move {
                    let offer = next[i];
                    let mut exchanges = Vec::new();
                    let result = self.offer_and_publish(offer, &mut exchanges).await;
                    (offer, result, exchanges)
                })
                .buffered(MAX_CONCURRENCY)
                .collect()
                .await;
            let mut stop = None;
            for (offer, result, exchanges) in results {
                pushed.exchanges.extend(exchanges);
                let result = match result {
                    Ok(r) => r,
                    Err(e) if stops_batch(&e) => {
                        stop.get_or_insert(e);
                        continue;
                    }
                    Err(e) => Err(item_rejection(&e)),
                };
                pushed.items.push(ItemOutcome {
                    sku: offer.sku.clone(),
                    result,
                });
            }
            if let Some(e) = stop {
                log::warn!("eBay upsert stopped: {e}");
                return Err(e);
            }
        }
        Ok(pushed)
    }

    async fn push_quantities(&self, items: &[QuantityUpdate]) -> Result<Pushed<()>, MarketError> {
        let mut pushed = Pushed::default();
        for chunk in items.chunks(self.bulk_size) {
            self.push_chunk(chunk, &mut pushed).await?;
        }
        Ok(pushed)
    }

    async fn fetch_orders(&self, query: &OrderQuery) -> Result<OrderPage, MarketError> {
        let offset: u64 = match query.page.as_deref() {
            None => 0,
            Some(p) => p.trim().parse().map_err(|_| {
                MarketError::Config(format!("not an eBay order page token (an offset): {p:?}"))
            })?,
        };
        // eBay refuses a start date in the future (30850) or beyond its two-year horizon.
        let now = chrono::Utc::now().timestamp_millis();
        let since = query.updated_after.clamp(now - ORDER_HORIZON_MS, now);
        let call = Call {
            api: Api::Fulfillment,
            operation: "getOrders",
            method: Method::GET,
            path: "/order".into(),
            query: vec![
                ("filter".into(), mapping::orders_filter(since)),
                ("limit".into(), ORDERS_PER_PAGE.to_string()),
                ("offset".into(), offset.to_string()),
            ],
            body: None,
            content_language: false,
        };
        let reply = self.client.send(&call).await?;
        if !reply.is_success() {
            return Err(reply.rejected());
        }
        let page: OrderSearchPagedCollection = reply.parse()?;
        let count = page.orders.len() as u64;
        let mut orders = Vec::with_capacity(page.orders.len());
        let mut unreadable = Vec::new();
        for raw in page.orders {
            match mapping::read_order(raw) {
                Ok(o) => orders.push(o),
                Err(u) => {
                    log::warn!(
                        "eBay order {} unreadable: {}",
                        u.external_id.as_deref().unwrap_or("?"),
                        u.reason
                    );
                    unreadable.push(u);
                }
            }
        }
        let next_page = page
            .next
            .filter(|n| !n.is_empty())
            .map(|n| {
                mapping::next_offset(&n).unwrap_or(offset + count.max(page.limit.max(1) as u64))
            })
            // A `next` that does not move on would loop for ever.
            .filter(|next| *next > offset)
            .map(|next| next.to_string());
        Ok(OrderPage {
            orders,
            unreadable,
            next_page,
            complete_until: None,
        })
    }

    /// eBay's order notifications (the Notification API / Platform Notifications) are not
    /// taken: the hub polls getOrders.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketplaces::RetryPolicy;
    use crate::ratelimit::TimeSource;
    use serde_json::json;
    use std::time::Duration;

    fn account(settings: Value) -> AccountConfig {
        AccountConfig {
            id: 1,
            name: "ebay".into(),
            settings: settings.as_object().cloned().unwrap_or_default(),
            credentials: json!({"client_id": "a", "client_secret": "b", "refresh_token": "c"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            time: TimeSource::real(),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn settings_are_checked() {
        let ebay = Ebay::new(&account(json!({}))).unwrap();
        assert_eq!(ebay.max_quantities_per_call(), 25);
        assert_eq!(ebay.max_concurrency(), 4);
        assert_eq!(ebay.calls_remaining(), DAILY_CALL_LIMIT);
        let strict = Ebay::new(&account(json!({"bulk_size": 1}))).unwrap();
        assert_eq!(strict.max_offers_per_call(), 1);
        assert!(Ebay::new(&account(json!({"bulk_size": 26}))).is_err());
        assert!(Ebay::new(&account(json!({"bulk_size": 2.5}))).is_err());
        assert!(Ebay::new(&account(json!({"api_url": "ftp://x"}))).is_err());
        assert!(Ebay::new(&account(json!({"daily_call_limit": 0}))).is_err());
        assert!(Ebay::new(&account(json!({"order_daily_call_limit": 0}))).is_err());
        assert_eq!(ebay.order_calls_remaining(), ORDER_DAILY_CALL_LIMIT);
        assert_eq!(
            ebay.read_webhook(&[], b"{}", 0),
            Err(WebhookError::NotSupported)
        );
        let mut no_secret = account(json!({}));
        no_secret.credentials.remove("client_secret");
        assert!(matches!(Ebay::new(&no_secret), Err(MarketError::Config(_))));
    }

    #[test]
    fn next_hrefs_and_segments() {
        let ebay = Ebay::new(&account(json!({"api_url": "http://h"}))).unwrap();
        assert_eq!(
            ebay.absolute("/sell/inventory/v1/offer?sku=A&offset=1"),
            "/offer?sku=A&offset=1"
        );
        assert_eq!(ebay.absolute("http://h/x"), "http://h/x");
        assert_eq!(percent_encode("A B/é"), "A%20B%2F%C3%A9");
    }
}
