//! Amazon Selling Partner API adapter: Listings Items 2021-08-01 for offers and small stock
//! pushes, `JSON_LISTINGS_FEED` (Feeds 2021-06-30) for large ones, Orders 2026-01-01 for orders,
//! Login with Amazon for tokens.
//!
//! Settings (`AccountConfig::settings`):
//! * `endpoint`: SP-API base URL (default `https://sellingpartnerapi-na.amazon.com`; the
//!   sandbox host, a proxy or a simulator in tests).
//! * `lwa_url`: LWA token URL (default `https://api.amazon.com/auth/o2/token`).
//! * `seller_id` (required): the merchant token, `sellerId` in the paths and the feed header.
//! * `marketplace_id`: default `ATVPDKIKX0DER` (US).
//! * `currency`: the offers' currency, default `USD`.
//! * `language_tag`: language of titles and descriptions, default `en_US`.
//! * `feed_threshold`: pushes of more items than this go through a feed (default 20).
//! * `<operationId>_rate`, `<operationId>_burst`: a raised usage plan for `getListingsItem`,
//!   `putListingsItem`, `patchListingsItem`, `searchListingsItems`, `createFeedDocument`,
//!   `createFeed` (the `JSON_LISTINGS_FEED` limit), `getFeed`, `getFeedDocument`.
//! * `concurrency`: PATCH/PUT calls in flight within one push (default 5, the patch rate).
//! * `orders_settle_seconds`: order polls end this long before now (`lastUpdatedBefore`; at
//!   least 120, the least Amazon accepts). Default 0: none is sent and polls read up to the
//!   moment of the call, so new orders reserve their stock at once; the hub's overlap window
//!   (`[orders] overlap_secs`) reads the last minutes again for orders Amazon indexes late.
//!   Measured on the account's time source, as the simulator measures it.
//! * `searchOrders_rate` / `_burst`, `getOrder_rate` / `_burst`: as above for orders.
//!
//! Credentials (`AccountConfig::credentials`): `client_id`, `client_secret` (the LWA app) and
//! `refresh_token` (the seller's authorization).
//!
//! Amazon answers PUT and PATCH with HTTP 200 and a status per SKU (`ACCEPTED` is queued, not
//! yet applied; `INVALID` carries issues), so every refusal is an item outcome. A feed is
//! processed later: the push returns its feed id as the pending handle and
//! [`Marketplace::check_pending`] reads the processing report when the feed is done.
//!
//! Orders are polled with `searchOrders` on `lastUpdatedAfter` (one call per ~3 minutes
//! sustained, burst 20: a poll of a few pages waits in the limiter like any other call). Amazon
//! has no webhooks (order notifications go through SQS/EventBridge), so
//! [`Marketplace::read_webhook`] refuses every delivery.

pub mod auth;
pub mod client;
pub mod limits;
pub mod mapping;
pub mod model;

use std::sync::{Arc, Mutex, PoisonError};

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream;
use reqwest::{Method, Url};
use serde_json::Value;

use self::auth::Lwa;
use self::client::{Answer, Client, FEED_CONTENT_TYPE};
use self::limits::{Limits, Op};
use self::mapping::Market;
use self::model::{
    CreateFeedDocumentResponse, CreateFeedResponse, Feed, FeedDocument, GetOrderResponse, Item,
    ItemSearchResults, ListingsItemSubmissionResponse, ProcessingReport,
};
use super::{
    AccountConfig, Driver, Exchange, ItemOutcome, ListingIds, MarketError, MarketOrder,
    Marketplace, Offer, OrderPage, OrderQuery, Pushed, QuantityUpdate, Rejection, WebhookError,
    WebhookEvent,
};
use crate::ratelimit::TimeSource;

pub const DRIVER: Driver = Driver {
    kind: "amazon",
    label: "Amazon",
    build,
    simulator: crate::sim::amazon::start,
};

pub const DEFAULT_ENDPOINT: &str = "https://sellingpartnerapi-na.amazon.com";
pub const DEFAULT_LWA_URL: &str = "https://api.amazon.com/auth/o2/token";
/// Most messages in one `JSON_LISTINGS_FEED` (schema `maxItems`, since 2025-05-06).
pub const MAX_FEED_MESSAGES: usize = 25_000;
/// Most identifiers one `searchListingsItems` takes.
pub const MAX_SEARCH_IDENTIFIERS: usize = 20;
/// Exchanges keep the first this many entries of long arrays.
const RECORD_ITEMS: usize = 50;
/// Feeds whose SKUs are remembered for `check_pending` (older ones fall back to the report).
const REMEMBERED_FEEDS: usize = 64;
/// `lastUpdatedBefore` must be at least this long before the request (model seconds).
pub const ORDERS_MIN_SETTLE_SECONDS: f64 = 120.0;

/// One item's answer and the exchange that carried it, or the failure of the call itself.
type ItemResult<T> = Result<(Result<T, Rejection>, Exchange), MarketError>;

fn build(account: AccountConfig) -> Result<Arc<dyn Marketplace>, MarketError> {
    Ok(Arc::new(Amazon::new(&account)?))
}

/// One Amazon seller account on one marketplace.
pub struct Amazon {
    client: Client,
    seller_id: String,
    market: Market,
    feed_threshold: usize,
    concurrency: usize,
    /// How far before now order polls end (model seconds; 0: no `lastUpdatedBefore`).
    orders_settle: f64,
    /// The account's clock and scale (the settle time is measured on it).
    time: TimeSource,
    /// Feed id → the SKUs of its messages, in order.
    feeds: Mutex<Vec<(String, Vec<String>)>>,
}

fn parse_url(value: &str, key: &str) -> Result<Url, MarketError> {
    Url::parse(value).map_err(|e| MarketError::Config(format!("setting `{key}` is not a URL: {e}")))
}

impl Amazon {
    pub fn new(account: &AccountConfig) -> Result<Self, MarketError> {
        let endpoint = parse_url(account.setting_or("endpoint", DEFAULT_ENDPOINT), "endpoint")?;
        let lwa_url = parse_url(account.setting_or("lwa_url", DEFAULT_LWA_URL), "lwa_url")?;
        let seller_id = account.setting("seller_id")?.to_string();
        let market = Market {
            marketplace_id: account.setting_or("marketplace_id", "ATVPDKIKX0DER").into(),
            currency: account.setting_or("currency", "USD").into(),
            language_tag: account.setting_or("language_tag", "en_US").into(),
        };
        let threshold = account.number_or("feed_threshold", 20.0);
        let concurrency = account.number_or("concurrency", 5.0);
        if !(threshold >= 0.0 && concurrency >= 1.0) {
            return Err(MarketError::Config(
                "`feed_threshold` must be >= 0 and `concurrency` >= 1".into(),
            ));
        }
        let orders_settle = account.number_or("orders_settle_seconds", 0.0);
        if !(orders_settle == 0.0
            || (orders_settle >= ORDERS_MIN_SETTLE_SECONDS && orders_settle.is_finite()))
        {
            return Err(MarketError::Config(format!(
                "`orders_settle_seconds` must be 0 or at least {ORDERS_MIN_SETTLE_SECONDS}"
            )));
        }
        let http = account.http_client()?;
        let lwa = Lwa::new(
            http.clone(),
            lwa_url.to_string(),
            account.credential("client_id")?.into(),
            account.credential("client_secret")?.into(),
            account.credential("refresh_token")?.into(),
            account.time.clone(),
            account.retry.clone(),
        );
        let limits = Limits::new(Some(account), &account.time);
        Ok(Self {
            client: Client::new(http, endpoint, lwa, limits, account.retry.clone()),
            seller_id,
            market,
            feed_threshold: threshold as usize,
            concurrency: concurrency as usize,
            orders_settle,
            time: account.time.clone(),
            feeds: Mutex::new(Vec::new()),
        })
    }

    fn item_url(&self, sku: &str, query: &[(&str, String)]) -> Result<Url, MarketError> {
        self.client.url(
            &["listings", "2021-08-01", "items", &self.seller_id, sku],
            query,
        )
    }

    fn exchange(op: Op, request: Option<&Value>, answer: &Answer) -> Exchange {
        Exchange {
            operation: op.name().into(),
            request: request
                .map(|r| mapping::shorten(r, RECORD_ITEMS))
                .unwrap_or(Value::Null),
            status: answer.status,
            response: mapping::shorten(&answer.body, RECORD_ITEMS),
        }
    }

    /// PUT or PATCH of one SKU; the answer read into an outcome.
    async fn submit(
        &self,
        op: Op,
        sku: &str,
        body: Value,
    ) -> Result<(ListingsItemSubmissionResponse, Exchange), MarketError> {
        let query = [
            ("marketplaceIds", self.market.marketplace_id.clone()),
            ("issueLocale", "en_US".to_string()),
        ];
        let method = if op == Op::PutListingsItem {
            Method::PUT
        } else {
            Method::PATCH
        };
        let url = self.item_url(sku, &query)?;
        let answer = self.client.call(op, method, url, Some(&body)).await?;
        if answer.status == 404 {
            return Err(MarketError::Rejected {
                code: "NotFound".into(),
                message: format!("{} answered 404 for {sku}", op.name()),
            });
        }
        let resp: ListingsItemSubmissionResponse = serde_json::from_value(answer.body.clone())
            .map_err(|e| MarketError::Decode(format!("{} answer: {e}", op.name())))?;
        Ok((resp, Self::exchange(op, Some(&body), &answer)))
    }

    /// Runs `work` for every item, `concurrency` at a time, in order. A failure of the call
    /// itself (throttling beyond the wait, an outage) stops the batch: if nothing was answered
    /// yet the failure is the batch's; otherwise the unanswered items come back as retryable
    /// rejections so the answered ones are not lost.
    async fn per_item<'a, T: 'a>(
        &self,
        skus: Vec<&'a str>,
        work: Vec<BoxFuture<'a, ItemResult<T>>>,
    ) -> Result<Pushed<T>, MarketError> {
        let mut results = stream::iter(work).buffered(self.concurrency);
        let mut pushed = Pushed::default();
        let mut failure: Option<MarketError> = None;
        while let Some(result) = results.next().await {
            let sku = skus[pushed.items.len()].to_string();
            match result {
                Ok((result, exchange)) => {
                    pushed.exchanges.push(exchange);
                    pushed.items.push(ItemOutcome { sku, result });
                }
                Err(e @ (MarketError::Unauthorized(_) | MarketError::Config(_))) => return Err(e),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        drop(results);
        if let Some(e) = failure {
            if pushed.items.is_empty() {
                return Err(e);
            }
            log::warn!(
                "Amazon batch stopped after {} of {} items: {e}",
                pushed.items.len(),
                skus.len()
            );
            for sku in &skus[pushed.items.len()..] {
                pushed.items.push(ItemOutcome {
                    sku: sku.to_string(),
                    result: Err(Rejection::new(e.code(), e.to_string()).retryable()),
                });
            }
        }
        Ok(pushed)
    }

    async fn patch_one(&self, item: &QuantityUpdate) -> ItemResult<()> {
        let body = serde_json::to_value(mapping::quantity_patch(item.quantity))
            .map_err(|e| MarketError::Config(e.to_string()))?;
        let (resp, exchange) = self.submit(Op::PatchListingsItem, &item.sku, body).await?;
        Ok((mapping::submission_outcome(&resp), exchange))
    }

    async fn put_one(&self, offer: &Offer) -> ItemResult<ListingIds> {
        let body = serde_json::to_value(mapping::offer_put_request(offer, &self.market))
            .map_err(|e| MarketError::Config(e.to_string()))?;
        let (resp, exchange) = self.submit(Op::PutListingsItem, &offer.sku, body).await?;
        let result =
            mapping::submission_outcome(&resp).map(|()| mapping::accepted_ids(offer, &resp));
        Ok((result, exchange))
    }

    async fn patch_quantities(&self, items: &[QuantityUpdate]) -> Result<Pushed<()>, MarketError> {
        let skus = items.iter().map(|i| i.sku.as_str()).collect();
        let work = items
            .iter()
            .map(|i| -> BoxFuture<'_, ItemResult<()>> { Box::pin(self.patch_one(i)) })
            .collect();
        self.per_item(skus, work).await
    }

    async fn feed_quantities(&self, items: &[QuantityUpdate]) -> Result<Pushed<()>, MarketError> {
        let mut pushed = Pushed::default();
        // The document is ready before its upload URL is asked for: the URL lives five minutes.
        let feed = serde_json::to_value(mapping::quantity_feed(&self.seller_id, items))
            .map_err(|e| MarketError::Config(e.to_string()))?;
        let bytes = serde_json::to_vec(&feed).map_err(|e| MarketError::Config(e.to_string()))?;
        let mut tries = 0;
        let doc = loop {
            tries += 1;
            let doc = self.create_feed_document(&mut pushed).await?;
            match self.client.upload(&doc.url, bytes.clone()).await {
                Ok(status) => {
                    pushed.exchanges.push(Exchange {
                        operation: "uploadFeedDocument".into(),
                        request: mapping::shorten(&feed, RECORD_ITEMS),
                        status,
                        response: Value::Null,
                    });
                    break doc;
                }
                // An upload URL that expired on the way (a slow link): one more document.
                Err(MarketError::Rejected { code, .. }) if code == "403" && tries < 2 => {
                    log::warn!("Amazon feed document upload URL expired; asking for another");
                }
                Err(e) => return Err(e),
            }
        };

        let spec = serde_json::json!({
            "feedType": "JSON_LISTINGS_FEED",
            "marketplaceIds": [self.market.marketplace_id],
            "inputFeedDocumentId": doc.feed_document_id,
        });
        let url = self.client.url(&["feeds", "2021-06-30", "feeds"], &[])?;
        let answer = self
            .client
            .call(Op::CreateFeed, Method::POST, url, Some(&spec))
            .await?;
        pushed
            .exchanges
            .push(Self::exchange(Op::CreateFeed, Some(&spec), &answer));
        let created: CreateFeedResponse = decode(Op::CreateFeed, answer)?;
        log::info!(
            "Amazon feed {} submitted with {} quantities",
            created.feed_id,
            items.len()
        );
        self.remember(
            &created.feed_id,
            items.iter().map(|i| i.sku.clone()).collect(),
        );
        pushed.pending = Some(created.feed_id);
        Ok(pushed)
    }

    async fn create_feed_document(
        &self,
        pushed: &mut Pushed<()>,
    ) -> Result<CreateFeedDocumentResponse, MarketError> {
        let body = serde_json::json!({ "contentType": FEED_CONTENT_TYPE });
        let url = self
            .client
            .url(&["feeds", "2021-06-30", "documents"], &[])?;
        let answer = self
            .client
            .call(Op::CreateFeedDocument, Method::POST, url, Some(&body))
            .await?;
        pushed
            .exchanges
            .push(Self::exchange(Op::CreateFeedDocument, Some(&body), &answer));
        decode(Op::CreateFeedDocument, answer)
    }

    fn remember(&self, feed_id: &str, skus: Vec<String>) {
        let mut feeds = self.feeds.lock().unwrap_or_else(PoisonError::into_inner);
        if feeds.len() >= REMEMBERED_FEEDS {
            feeds.remove(0);
        }
        feeds.push((feed_id.to_string(), skus));
    }

    fn remembered(&self, feed_id: &str) -> Option<Vec<String>> {
        let feeds = self.feeds.lock().unwrap_or_else(PoisonError::into_inner);
        feeds
            .iter()
            .find(|(id, _)| id == feed_id)
            .map(|(_, skus)| skus.clone())
    }

    fn forget(&self, feed_id: &str) {
        let mut feeds = self.feeds.lock().unwrap_or_else(PoisonError::into_inner);
        feeds.retain(|(id, _)| id != feed_id);
    }

    async fn search(&self, skus: &[String]) -> Result<Vec<ListingIds>, MarketError> {
        let mut found = Vec::new();
        let mut page_token: Option<String> = None;
        loop {
            let mut query = vec![
                ("marketplaceIds", self.market.marketplace_id.clone()),
                ("identifiers", skus.join(",")),
                ("identifiersType", "SKU".to_string()),
                (
                    "includedData",
                    "summaries,fulfillmentAvailability".to_string(),
                ),
                ("pageSize", MAX_SEARCH_IDENTIFIERS.to_string()),
            ];
            if let Some(t) = &page_token {
                query.push(("pageToken", t.clone()));
            }
            let url = self.client.url(
                &["listings", "2021-08-01", "items", &self.seller_id],
                &query,
            )?;
            let answer = self
                .client
                .call(Op::SearchListingsItems, Method::GET, url, None)
                .await?;
            if answer.status == 404 {
                return Ok(found);
            }
            let page: ItemSearchResults = decode(Op::SearchListingsItems, answer)?;
            found.extend(
                page.items
                    .iter()
                    .filter(|item| skus.contains(&item.sku))
                    .map(|item| mapping::listing_ids(item, &self.market.marketplace_id)),
            );
            page_token = page.pagination.and_then(|p| p.next_token);
            if page_token.is_none() {
                return Ok(found);
            }
        }
    }

    /// One listing by SKU (`getListingsItem`); `None` if the account does not have it.
    pub async fn get_listing(&self, sku: &str) -> Result<Option<ListingIds>, MarketError> {
        let query = [
            ("marketplaceIds", self.market.marketplace_id.clone()),
            (
                "includedData",
                "summaries,fulfillmentAvailability".to_string(),
            ),
        ];
        let url = self.item_url(sku, &query)?;
        let answer = self
            .client
            .call(Op::GetListingsItem, Method::GET, url, None)
            .await?;
        if answer.status == 404 {
            return Ok(None);
        }
        let item: Item = decode(Op::GetListingsItem, answer)?;
        Ok(Some(mapping::listing_ids(
            &item,
            &self.market.marketplace_id,
        )))
    }
}

fn decode<T: serde::de::DeserializeOwned>(op: Op, answer: Answer) -> Result<T, MarketError> {
    if answer.status == 404 {
        return Err(MarketError::Rejected {
            code: "NotFound".into(),
            message: format!("{} answered 404", op.name()),
        });
    }
    serde_json::from_value(answer.body)
        .map_err(|e| MarketError::Decode(format!("{} answer: {e}", op.name())))
}

#[async_trait::async_trait]
impl Marketplace for Amazon {
    fn kind(&self) -> &'static str {
        "amazon"
    }

    fn max_quantities_per_call(&self) -> usize {
        MAX_FEED_MESSAGES
    }

    fn max_offers_per_call(&self) -> usize {
        // One PUT per offer: a call this size takes a few seconds at the PUT usage plan.
        MAX_SEARCH_IDENTIFIERS
    }

    async fn find_listings(&self, skus: &[String]) -> Result<Vec<ListingIds>, MarketError> {
        let mut found = Vec::new();
        if skus.len() == 1 {
            found.extend(self.get_listing(&skus[0]).await?);
            return Ok(found);
        }
        for chunk in skus.chunks(MAX_SEARCH_IDENTIFIERS) {
            found.extend(self.search(chunk).await?);
        }
        Ok(found)
    }

    async fn upsert_offers(&self, offers: &[Offer]) -> Result<Pushed<ListingIds>, MarketError> {
        let skus = offers.iter().map(|o| o.sku.as_str()).collect();
        let work = offers
            .iter()
            .map(|o| -> BoxFuture<'_, ItemResult<ListingIds>> { Box::pin(self.put_one(o)) })
            .collect();
        self.per_item(skus, work).await
    }

    async fn push_quantities(&self, items: &[QuantityUpdate]) -> Result<Pushed<()>, MarketError> {
        if items.len() > MAX_FEED_MESSAGES {
            return Err(MarketError::Config(format!(
                "{} quantities in one call; Amazon takes at most {MAX_FEED_MESSAGES}",
                items.len()
            )));
        }
        if items.is_empty() {
            return Ok(Pushed::default());
        }
        if items.len() > self.feed_threshold {
            self.feed_quantities(items).await
        } else {
            self.patch_quantities(items).await
        }
    }

    async fn fetch_orders(&self, query: &OrderQuery) -> Result<OrderPage, MarketError> {
        let (before, token) = match &query.page {
            Some(page) => {
                let (before, token) = mapping::decode_order_page(page);
                (before, Some(token))
            }
            None => (self.orders_window_end(), None),
        };
        if let Some(end) = before
            && end < query.updated_after
        {
            // The cursor is inside the settle time: Amazon would refuse the window, and
            // nothing before the cursor is asked for. Nothing to read yet.
            return Ok(OrderPage {
                orders: Vec::new(),
                unreadable: Vec::new(),
                next_page: None,
                complete_until: Some(query.updated_after),
            });
        }
        let params = mapping::search_orders_query(
            &self.market.marketplace_id,
            query.updated_after,
            before,
            token.as_deref(),
        );
        let url = self
            .client
            .url(&["orders", "2026-01-01", "orders"], &params)?;
        let answer = self
            .client
            .call(Op::SearchOrders, Method::GET, url, None)
            .await?;
        if answer.status == 404 {
            return Err(MarketError::Rejected {
                code: "NotFound".into(),
                message: "searchOrders answered 404".into(),
            });
        }
        let page = mapping::orders_page(answer.body, before).map_err(MarketError::Decode)?;
        // The reason may quote the order's values (personal data): ids only in the log.
        for bad in &page.unreadable {
            log::warn!(
                "Amazon order {} could not be read; kept as unreadable",
                bad.external_id.as_deref().unwrap_or("without an id")
            );
        }
        Ok(page)
    }

    fn read_webhook(
        &self,
        _headers: &[(String, String)],
        _body: &[u8],
        _now_ms: i64,
    ) -> Result<WebhookEvent, WebhookError> {
        // Amazon notifies through SQS or EventBridge, never by HTTP webhooks.
        Err(WebhookError::NotSupported)
    }

    async fn check_pending(&self, handle: &str) -> Result<Option<Pushed<()>>, MarketError> {
        let mut pushed = Pushed::default();
        let url = self
            .client
            .url(&["feeds", "2021-06-30", "feeds", handle], &[])?;
        let answer = self
            .client
            .call(Op::GetFeed, Method::GET, url, None)
            .await?;
        if answer.status == 404 {
            return Err(MarketError::Rejected {
                code: "NotFound".into(),
                message: format!("Amazon does not know feed {handle}"),
            });
        }
        pushed
            .exchanges
            .push(Self::exchange(Op::GetFeed, None, &answer));
        let feed: Feed = decode(Op::GetFeed, answer)?;
        let known = self.remembered(handle);
        match feed.processing_status.as_str() {
            "IN_QUEUE" | "IN_PROGRESS" => return Ok(None),
            "DONE" => {}
            status => {
                log::warn!("Amazon feed {handle} ended {status}");
                let report = match &feed.result_feed_document_id {
                    Some(id) => Some(self.report(id, &mut pushed).await?),
                    None => None,
                };
                let skus = known
                    .or_else(|| report.as_ref().map(mapping::report_skus))
                    .unwrap_or_default();
                pushed.items = mapping::failed_feed_outcomes(&skus, status);
                self.forget(handle);
                return Ok(Some(pushed));
            }
        }
        let Some(document_id) = feed.result_feed_document_id else {
            return Err(MarketError::Decode(format!(
                "feed {handle} is DONE without a processing report"
            )));
        };
        let report = self.report(&document_id, &mut pushed).await?;
        let skus = known.unwrap_or_else(|| mapping::report_skus(&report));
        pushed.items = mapping::report_outcomes(&report, &skus);
        log::info!(
            "Amazon feed {handle} done: {} accepted, {} invalid",
            report.summary.messages_accepted,
            report.summary.messages_invalid
        );
        self.forget(handle);
        Ok(Some(pushed))
    }
}

impl Amazon {
    /// The end of a new poll's window (Unix ms on the wall clock, where Amazon's order times
    /// are), or `None` when the account sends no `lastUpdatedBefore`.
    fn orders_window_end(&self) -> Option<i64> {
        if self.orders_settle <= 0.0 {
            return None;
        }
        let settle = chrono::Duration::from_std(self.time.to_real(self.orders_settle))
            .unwrap_or(chrono::Duration::MAX);
        let end = chrono::Utc::now()
            .checked_sub_signed(settle)
            .unwrap_or_default();
        Some(end.timestamp_millis())
    }

    /// One order by its Amazon order id (`getOrder`, items always included), or `None` when
    /// Amazon does not know it.
    pub async fn get_order(&self, order_id: &str) -> Result<Option<MarketOrder>, MarketError> {
        let url = self.client.url(
            &["orders", "2026-01-01", "orders", order_id],
            &[("includedData", mapping::ORDER_DATA.to_string())],
        )?;
        let answer = self
            .client
            .call(Op::GetOrder, Method::GET, url, None)
            .await?;
        if answer.status == 404 {
            return Ok(None);
        }
        let resp: GetOrderResponse = decode(Op::GetOrder, answer)?;
        mapping::read_order(&resp.order)
            .map(Some)
            .map_err(|bad| MarketError::Decode(format!("order {order_id}: {}", bad.reason)))
    }

    async fn report(
        &self,
        document_id: &str,
        pushed: &mut Pushed<()>,
    ) -> Result<ProcessingReport, MarketError> {
        let url = self
            .client
            .url(&["feeds", "2021-06-30", "documents", document_id], &[])?;
        let answer = self
            .client
            .call(Op::GetFeedDocument, Method::GET, url, None)
            .await?;
        pushed
            .exchanges
            .push(Self::exchange(Op::GetFeedDocument, None, &answer));
        let doc: FeedDocument = decode(Op::GetFeedDocument, answer)?;
        let gzip = doc.compression_algorithm.as_deref() == Some("GZIP");
        let bytes = self.client.download(&doc.url, gzip).await?;
        let report: ProcessingReport = serde_json::from_slice(&bytes)
            .map_err(|e| MarketError::Decode(format!("processing report: {e}")))?;
        let value = serde_json::to_value(&report).unwrap_or(Value::Null);
        pushed.exchanges.push(Exchange {
            operation: "downloadProcessingReport".into(),
            request: Value::Null,
            status: 200,
            response: mapping::shorten(&value, RECORD_ITEMS),
        });
        Ok(report)
    }
}
