//! Shopify adapter: the Admin GraphQL API (`POST {shop_url}/admin/api/{api_version}/graphql.json`
//! with `X-Shopify-Access-Token`).
//!
//! * Stock: `inventorySetQuantities` with up to 250 quantities a call (`name: "available"`,
//!   `reason: "correction"`, a `referenceDocumentUri` per push). From API version 2026-01 each
//!   quantity carries `changeFromQuantity` (the last quantity the hub saw, or an explicit null)
//!   and the mutation an `@idempotent(key:)` made once per logical call and kept on every retry
//!   (mandatory from 2026-04); older versions use `compareQuantity`/`ignoreCompareQuantity`.
//!   The mutation is all or nothing: when Shopify refuses some quantities, those become
//!   per-item rejections and the others are sent again in a new call (new key).
//! * Listings: `productSet` (one product with one variant per offer, several offers aliased in
//!   one document); SKUs already on the shop are updated in place (looked up by variant id or
//!   by SKU first, so a retried upsert does not create duplicates). `productSet` replaces the
//!   product's variant list: products with several variants per SKU are not the hub's model.
//!   `external_id` is the variant GID, `external_ref` the inventory item GID.
//! * Lookup: `productVariants(query: "sku:\"A\" OR ...")`, paged with cursors.
//! * Orders: `orders(first:, after:, sortKey: UPDATED_AT, query: "updated_at:>='<iso>'")`,
//!   paged with `pageInfo.endCursor` (the page token). Each order comes with its first
//!   [`mapping::LINES_INLINE`] lines; an order with more gets the rest from `order(id:)`
//!   queries. The page size keeps the requested cost under the 1,000-point limit
//!   ([`mapping::ORDER_PAGE`]). An order that does not decode goes to `unreadable`.
//! * Webhooks: `orders/*` deliveries are verified (`X-Shopify-Hmac-Sha256` =
//!   base64(HMAC-SHA256(secret, raw body)), constant time, before parsing), refused when
//!   `X-Shopify-Triggered-At` is older than the replay window, and read from the REST order
//!   JSON into the same order as a poll gives (`external_id` = `admin_graphql_api_id`).
//! * Limits: a local [`CostBucket`] resynchronised from every answer's
//!   `extensions.cost.throttleStatus`; `THROTTLED` (HTTP 200 or 429) waits
//!   `(requested - currentlyAvailable) / restoreRate` and resends the same request; waits longer
//!   than the retry policy's `max_wait` go back as [`MarketError::RateLimited`].
//!   `MAX_COST_EXCEEDED` is a refusal.
//!
//! Settings (`AccountConfig::settings`):
//! * `shop_url` (required): `https://{shop}.myshopify.com`, or any base URL (proxy, simulator).
//! * `api_version`: `YYYY-MM`, default [`DEFAULT_API_VERSION`] (the newest stable one).
//! * `location_id` (required): the `gid://shopify/Location/...` whose stock the hub sets.
//! * `token_url`: the token endpoint, default `{shop_url}/admin/oauth/access_token`.
//! * `currency`: the shop's currency (ISO 4217); prices are sent as they are, in it. Checked for
//!   form only: Shopify's `Money` input has no currency of its own.
//! * `bucket_size`, `restore_rate`: the starting local bucket (default 2000 points, 100 a second,
//!   the Standard plan) until the first answer says the real figures.
//! * `authorized_is_paid` (boolean, default false): whether an order whose payment is only
//!   `AUTHORIZED` (not captured) is ready to ship (`Open`) or waits
//!   (`Pending`).
//! * `webhook_replay_window_secs` (default 300): deliveries whose `X-Shopify-Triggered-At` is
//!   older are refused as stale. Shopify retries a failed delivery for up to 4 hours with the
//!   same trigger time; those late retries are refused and the order is picked up by polling.
//!
//! Credentials (`AccountConfig::credentials`): either `access_token` (a permanent Admin API
//! token), or `client_id` + `client_secret` for the client credentials grant (24-hour tokens,
//! asked for again before they expire and after a 401). Webhooks are verified with
//! `webhook_secret` when given (the app's client secret, for apps whose token is an
//! `access_token`), else with `client_secret`; an account with neither takes no webhooks.

pub mod auth;
pub mod client;
pub mod mapping;
pub mod model;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use self::auth::{Auth, TokenSource};
use self::client::Client;
use self::mapping::ApiVersion;
use self::model::{
    Connection, GraphQlRequest, InventorySetQuantitiesPayload, OrderNode, PageInfo,
    ProductSetPayload, VariantNode,
};
use super::{
    AccountConfig, Driver, Exchange, ItemOutcome, ListingIds, MarketError, MarketOrder,
    Marketplace, Offer, OrderPage, OrderQuery, Pushed, QuantityUpdate, Rejection, UnreadableOrder,
    WebhookError, WebhookEvent,
};
use crate::ratelimit::CostBucket;

pub const DRIVER: Driver = Driver {
    kind: "shopify",
    label: "Shopify",
    build,
    simulator: crate::sim::shopify::start,
};

/// The newest stable Admin API version as of 2026-11.
pub const DEFAULT_API_VERSION: &str = "2026-10";
/// Quantities per `inventorySetQuantities` (Shopify's cap on any input array).
pub const MAX_QUANTITIES: usize = 250;
/// Offers per upsert call: 25 aliased `productSet` cost about 25 x 10.2 points plus the
/// selection, well under the 1,000-point single query limit.
pub const MAX_OFFERS: usize = 25;
/// SKUs per lookup page: each variant with its product and inventory level costs 5 points,
/// so a page is priced 2 + 5 x 50 = 252.
const FIND_PAGE: usize = 50;
/// Rounds of `inventorySetQuantities` for one push: the first call, and resends of the
/// quantities Shopify did not refuse when it refused others.
const SET_ROUNDS: usize = 3;

/// The replay window of webhooks by default (5 minutes, as Shopify's own libraries use).
pub const DEFAULT_REPLAY_WINDOW_SECS: f64 = 300.0;

pub struct Shopify {
    client: Client,
    version: ApiVersion,
    location: String,
    account: i64,
    /// The key webhooks are signed with (`webhook_secret`, else `client_secret`).
    webhook_secret: Option<String>,
    replay_window_ms: i64,
    authorized_is_paid: bool,
}

fn build(account: AccountConfig) -> Result<Arc<dyn Marketplace>, MarketError> {
    Ok(Arc::new(Shopify::new(&account)?))
}

impl Shopify {
    pub fn new(account: &AccountConfig) -> Result<Self, MarketError> {
        let shop_url = account
            .setting("shop_url")?
            .trim_end_matches('/')
            .to_string();
        if !(shop_url.starts_with("https://") || shop_url.starts_with("http://")) {
            return Err(MarketError::Config(format!(
                "setting `shop_url` must be an http(s) URL, not {shop_url:?}"
            )));
        }
        let version_text = account.setting_or("api_version", DEFAULT_API_VERSION);
        let version = ApiVersion::parse(version_text).ok_or_else(|| {
            MarketError::Config(format!(
                "setting `api_version` must look like 2026-10, not {version_text:?}"
            ))
        })?;
        let location = account.setting("location_id")?.to_string();
        if !location.starts_with("gid://shopify/Location/") {
            return Err(MarketError::Config(format!(
                "setting `location_id` must be a gid://shopify/Location/... id, not {location:?}"
            )));
        }
        let currency = account.setting_or("currency", "");
        let iso = currency.len() == 3 && currency.chars().all(|c| c.is_ascii_uppercase());
        if !currency.is_empty() && !iso {
            return Err(MarketError::Config(format!(
                "setting `currency` must be an ISO 4217 code, not {currency:?}"
            )));
        }
        let token_url = account.setting_or("token_url", "").to_string();
        let token_url = if token_url.is_empty() {
            format!("{shop_url}/admin/oauth/access_token")
        } else {
            token_url
        };
        let source = match account.credential("access_token") {
            Ok(token) => TokenSource::Static(token.to_string()),
            Err(_) => TokenSource::ClientCredentials {
                client_id: account
                    .credential("client_id")
                    .map_err(|_| {
                        MarketError::Config(
                            "credentials need `access_token`, or `client_id` and `client_secret`"
                                .into(),
                        )
                    })?
                    .to_string(),
                client_secret: account.credential("client_secret")?.to_string(),
                url: token_url,
            },
        };
        let bucket = CostBucket::new(
            account.number_or("bucket_size", 2000.0),
            account.number_or("restore_rate", 100.0),
            account.time.clone(),
        );
        Ok(Self {
            client: Client {
                http: account.http_client()?,
                endpoint: format!("{shop_url}/admin/api/{version}/graphql.json"),
                auth: Auth::new(source, account.time.clone()),
                bucket,
                time: account.time.clone(),
                retry: account.retry.clone(),
            },
            version,
            location,
            account: account.id,
            webhook_secret: account
                .credential("webhook_secret")
                .or_else(|_| account.credential("client_secret"))
                .ok()
                .map(str::to_string),
            replay_window_ms: (account
                .number_or("webhook_replay_window_secs", DEFAULT_REPLAY_WINDOW_SECS)
                .max(0.0)
                * 1000.0) as i64,
            authorized_is_paid: account
                .settings
                .get("authorized_is_paid")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }

    /// Completes an order node's lines when it has more than the page carried (appending them
    /// to the node), then reads it. `Ok(Err(reason))` is an order that does not decode.
    async fn read_order(
        &self,
        node: &mut Value,
        exchanges: &Mutex<Vec<Exchange>>,
    ) -> Result<Result<MarketOrder, String>, MarketError> {
        let more = node["lineItems"]["pageInfo"]["hasNextPage"] == Value::Bool(true);
        if let (true, Some(id)) = (more, node["id"].as_str().map(str::to_string)) {
            let mut after = node["lineItems"]["pageInfo"]["endCursor"].clone();
            loop {
                let req = Self::request(
                    mapping::order_lines_document(),
                    json!({"id": id, "first": mapping::LINES_PAGE, "after": after}),
                );
                let estimate = (3 + 8 * mapping::LINES_PAGE) as f64;
                let answer = self
                    .client
                    .execute("order", &req, estimate, exchanges)
                    .await?;
                let lines = &answer.data["order"]["lineItems"];
                let (Some(extra), Some(all)) = (
                    lines["nodes"].as_array(),
                    node["lineItems"]["nodes"].as_array_mut(),
                ) else {
                    return Ok(Err(format!(
                        "the rest of the lines of {id} could not be read"
                    )));
                };
                all.extend(extra.iter().cloned());
                node["lineItems"]["pageInfo"] = lines["pageInfo"].clone();
                match lines["pageInfo"]["endCursor"].clone() {
                    c if lines["pageInfo"]["hasNextPage"] == Value::Bool(true) && c.is_string() => {
                        after = c;
                    }
                    _ => break,
                }
            }
        }
        let parsed: OrderNode = match serde_json::from_value(node.clone()) {
            Ok(o) => o,
            Err(e) => return Ok(Err(format!("not an order: {e}"))),
        };
        Ok(mapping::order_from_node(
            &parsed,
            node.clone(),
            self.authorized_is_paid,
        ))
    }

    fn request(query: String, variables: Value) -> GraphQlRequest {
        GraphQlRequest {
            query,
            variables,
            operation_name: None,
        }
    }

    /// Variants of the listed SKUs, following every page.
    async fn variants_by_sku(
        &self,
        skus: &[String],
        exchanges: &Mutex<Vec<Exchange>>,
    ) -> Result<Vec<VariantNode>, MarketError> {
        let mut out = Vec::new();
        for chunk in skus.chunks(FIND_PAGE) {
            let query = mapping::sku_query(chunk);
            let mut after: Option<String> = None;
            loop {
                let req = Self::request(
                    mapping::find_variants_document(),
                    json!({"query": query, "first": FIND_PAGE, "after": after, "locationId": self.location}),
                );
                let answer = self
                    .client
                    .execute(
                        "productVariants",
                        &req,
                        2.0 + 5.0 * FIND_PAGE as f64,
                        exchanges,
                    )
                    .await?;
                let page: Connection<VariantNode> =
                    serde_json::from_value(answer.data["productVariants"].clone())
                        .map_err(|e| MarketError::Decode(format!("productVariants: {e}")))?;
                out.extend(page.nodes);
                match page.page_info {
                    Some(p) if p.has_next_page && p.end_cursor.is_some() => after = p.end_cursor,
                    _ => break,
                }
            }
        }
        Ok(out)
    }

    /// Variants by GID (unknown ids are left out).
    async fn variants_by_id(
        &self,
        ids: &[String],
        exchanges: &Mutex<Vec<Exchange>>,
    ) -> Result<Vec<VariantNode>, MarketError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(FIND_PAGE) {
            let req = Self::request(
                mapping::variants_by_id_document(),
                json!({"ids": chunk, "locationId": self.location}),
            );
            let answer = self
                .client
                .execute("nodes", &req, 5.0 * chunk.len() as f64, exchanges)
                .await?;
            let nodes = answer.data["nodes"].as_array().cloned().unwrap_or_default();
            out.extend(
                nodes
                    .into_iter()
                    .filter(|n| n.get("id").is_some())
                    .filter_map(|n| serde_json::from_value::<VariantNode>(n).ok()),
            );
        }
        Ok(out)
    }

    async fn upsert_chunk(
        &self,
        offers: &[Offer],
        exchanges: &Mutex<Vec<Exchange>>,
    ) -> Result<Vec<ItemOutcome<ListingIds>>, MarketError> {
        // Where each SKU already is: by the ids the hub knows, else by SKU.
        let known: Vec<String> = offers
            .iter()
            .filter_map(|o| o.ids.as_ref()?.external_id.clone())
            .collect();
        let mut existing: HashMap<String, (String, String)> = HashMap::new();
        for v in self.variants_by_id(&known, exchanges).await? {
            if let (Some(sku), Some(p)) = (v.sku.clone(), v.product.as_ref()) {
                existing.insert(sku, (p.id.clone(), v.id.clone()));
            }
        }
        let unknown: Vec<String> = offers
            .iter()
            .filter(|o| !existing.contains_key(&o.sku))
            .map(|o| o.sku.clone())
            .collect();
        if !unknown.is_empty() {
            for v in self.variants_by_sku(&unknown, exchanges).await? {
                if let (Some(sku), Some(p)) = (v.sku.clone(), v.product.as_ref())
                    && unknown.contains(&sku)
                {
                    existing
                        .entry(sku)
                        .or_insert_with(|| (p.id.clone(), v.id.clone()));
                }
            }
        }

        let mut variables = serde_json::Map::new();
        for (i, offer) in offers.iter().enumerate() {
            let at = existing
                .get(&offer.sku)
                .map(|(p, v)| (p.as_str(), v.as_str()));
            variables.insert(
                format!("p{i}"),
                mapping::product_set_input(offer, &self.location, at),
            );
        }
        let req = Self::request(
            mapping::upsert_document(offers.len()),
            Value::Object(variables),
        );
        let estimate = offers.len() as f64 * 10.2;
        let answer = self
            .client
            .execute("productSet", &req, estimate, exchanges)
            .await?;
        let mut out = Vec::with_capacity(offers.len());
        for (i, offer) in offers.iter().enumerate() {
            let payload: Option<ProductSetPayload> =
                serde_json::from_value(answer.data[format!("p{i}")].clone()).ok();
            let result = match payload {
                None => Err(Rejection::new(
                    "NO_PAYLOAD",
                    "productSet answered nothing for this offer",
                )
                .retryable()),
                Some(p) if !p.user_errors.is_empty() => {
                    let e = &p.user_errors[0];
                    let code = e.code.clone().unwrap_or_else(|| "USER_ERROR".into());
                    let field = e.field.clone().unwrap_or_default().join(".");
                    Err(Rejection::new(code, format!("{} ({field})", e.message)))
                }
                Some(p) => p
                    .product
                    .and_then(|product| {
                        product
                            .variants
                            .nodes
                            .iter()
                            .find(|v| v.sku.as_deref() == Some(offer.sku.as_str()))
                            .and_then(mapping::listing_from_variant)
                    })
                    .map(|mut ids| {
                        ids.quantity = Some(offer.quantity.max(0));
                        ids
                    })
                    .ok_or_else(|| {
                        Rejection::new(
                            "NO_VARIANT",
                            "the product came back without the SKU's variant",
                        )
                    }),
            };
            out.push(ItemOutcome {
                sku: offer.sku.clone(),
                result,
            });
        }
        Ok(out)
    }

    async fn push_chunk(
        &self,
        items: &[QuantityUpdate],
        exchanges: &Mutex<Vec<Exchange>>,
    ) -> Result<Vec<ItemOutcome<()>>, MarketError> {
        let mut results: Vec<Option<Result<(), Rejection>>> = vec![None; items.len()];
        let mut pending: Vec<usize> = Vec::new();
        for (i, u) in items.iter().enumerate() {
            if u.ids
                .external_ref
                .as_deref()
                .is_some_and(|r| r.starts_with("gid://shopify/InventoryItem/"))
            {
                pending.push(i);
            } else {
                results[i] = Some(Err(Rejection::new(
                    "NO_INVENTORY_ITEM",
                    "the listing has no Shopify inventory item id; link it first",
                )));
            }
        }
        let push_id = uuid::Uuid::new_v4();
        for round in 0..SET_ROUNDS {
            if pending.is_empty() {
                break;
            }
            // One key per distinct request: retries of this request resend the same text.
            let key = uuid::Uuid::new_v4().to_string();
            let batch: Vec<&QuantityUpdate> = pending.iter().map(|i| &items[*i]).collect();
            let reference = format!("gid://adlerdo/StockPush/{push_id}");
            let req = Self::request(
                mapping::set_quantities_document(self.version, &key),
                json!({"input": mapping::set_quantities_input(&batch, &self.location, self.version, &reference)}),
            );
            let answer = self
                .client
                .execute("inventorySetQuantities", &req, 10.0, exchanges)
                .await?;
            let payload: InventorySetQuantitiesPayload =
                serde_json::from_value(answer.data["inventorySetQuantities"].clone())
                    .map_err(|e| MarketError::Decode(format!("inventorySetQuantities: {e}")))?;
            if payload.user_errors.is_empty() || payload.inventory_adjustment_group.is_some() {
                for i in pending.drain(..) {
                    results[i].get_or_insert(Ok(()));
                }
                break;
            }
            let mut refused = vec![false; pending.len()];
            for e in &payload.user_errors {
                match mapping::quantity_index(e.field.as_deref()).filter(|i| *i < pending.len()) {
                    Some(i) => {
                        refused[i] = true;
                        results[pending[i]] = Some(Err(mapping::rejection(e)));
                    }
                    None => {
                        // An error about the whole call (reason, name, idempotency key): every
                        // item of this round gets it.
                        log::warn!(
                            "shopify account {}: inventorySetQuantities refused: {:?} {}",
                            self.account,
                            e.code,
                            e.message
                        );
                        for p in pending.drain(..) {
                            results[p].get_or_insert(Err(mapping::rejection(e)));
                        }
                        break;
                    }
                }
            }
            if round + 1 == SET_ROUNDS {
                for p in pending.drain(..) {
                    results[p].get_or_insert(Err(Rejection::new(
                        "NOT_APPLIED",
                        "Shopify refused other quantities of the call and this one was not applied",
                    )
                    .retryable()));
                }
            }
            pending = pending
                .iter()
                .zip(&refused)
                .filter(|(_, r)| !**r)
                .map(|(p, _)| *p)
                .collect();
        }
        Ok(items
            .iter()
            .zip(results)
            .map(|(u, r)| ItemOutcome {
                sku: u.sku.clone(),
                result: r.unwrap_or(Ok(())),
            })
            .collect())
    }
}

fn take_exchanges(exchanges: Mutex<Vec<Exchange>>) -> Vec<Exchange> {
    exchanges
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[async_trait::async_trait]
impl Marketplace for Shopify {
    fn kind(&self) -> &'static str {
        "shopify"
    }

    fn max_quantities_per_call(&self) -> usize {
        MAX_QUANTITIES
    }

    fn max_offers_per_call(&self) -> usize {
        MAX_OFFERS
    }

    async fn find_listings(&self, skus: &[String]) -> Result<Vec<ListingIds>, MarketError> {
        let exchanges = Mutex::new(Vec::new());
        let wanted: HashSet<&str> = skus.iter().map(String::as_str).collect();
        let mut found: HashMap<String, ListingIds> = HashMap::new();
        for v in self.variants_by_sku(skus, &exchanges).await? {
            // The search may match more than the exact SKUs asked for.
            if let Some(l) = mapping::listing_from_variant(&v)
                && wanted.contains(l.sku.as_str())
            {
                // The oldest variant wins when a SKU is on several (ids grow with time).
                found.entry(l.sku.clone()).or_insert(l);
            }
        }
        Ok(skus.iter().filter_map(|s| found.remove(s)).collect())
    }

    async fn upsert_offers(&self, offers: &[Offer]) -> Result<Pushed<ListingIds>, MarketError> {
        let exchanges = Mutex::new(Vec::new());
        let mut items = Vec::with_capacity(offers.len());
        for chunk in offers.chunks(MAX_OFFERS) {
            items.extend(self.upsert_chunk(chunk, &exchanges).await?);
        }
        Ok(Pushed {
            items,
            pending: None,
            exchanges: take_exchanges(exchanges),
        })
    }

    async fn fetch_orders(&self, query: &OrderQuery) -> Result<OrderPage, MarketError> {
        let exchanges = Mutex::new(Vec::new());
        let req = Self::request(
            mapping::orders_document(),
            json!({
                "first": mapping::ORDER_PAGE,
                "after": query.page,
                "query": mapping::orders_search(query.updated_after),
            }),
        );
        let estimate = (2 + mapping::ORDER_PAGE * mapping::ORDER_COST) as f64;
        let answer = self
            .client
            .execute("orders", &req, estimate, &exchanges)
            .await?;
        let connection = &answer.data["orders"];
        let Some(nodes) = connection["nodes"].as_array() else {
            return Err(MarketError::Decode(
                "orders: the answer has no nodes".into(),
            ));
        };
        let page_info: PageInfo = serde_json::from_value(connection["pageInfo"].clone())
            .map_err(|e| MarketError::Decode(format!("orders pageInfo: {e}")))?;
        let mut page = OrderPage {
            orders: Vec::with_capacity(nodes.len()),
            unreadable: Vec::new(),
            next_page: page_info
                .end_cursor
                .filter(|_| page_info.has_next_page && !nodes.is_empty()),
            complete_until: None,
        };
        for node in nodes {
            let mut node = node.clone();
            match self.read_order(&mut node, &exchanges).await? {
                Ok(order) => page.orders.push(order),
                Err(reason) => {
                    log::warn!(
                        "shopify account {}: order {} unreadable: {reason}",
                        self.account,
                        node["id"].as_str().unwrap_or("?")
                    );
                    page.unreadable.push(UnreadableOrder {
                        external_id: node["id"].as_str().map(str::to_string),
                        reason,
                        raw: node,
                    });
                }
            }
        }
        Ok(page)
    }

    fn read_webhook(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        now_ms: i64,
    ) -> Result<WebhookEvent, WebhookError> {
        let Some(secret) = &self.webhook_secret else {
            return Err(WebhookError::NotSupported);
        };
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
        };
        // Nothing of the delivery is read before its signature holds.
        let signature = header("x-shopify-hmac-sha256").ok_or(WebhookError::BadSignature)?;
        if !mapping::signature_matches(secret.as_bytes(), body, signature) {
            return Err(WebhookError::BadSignature);
        }
        let triggered_at = header("x-shopify-triggered-at")
            .ok_or_else(|| WebhookError::Malformed("no X-Shopify-Triggered-At".into()))
            .and_then(|t| mapping::timestamp(t).map_err(WebhookError::Malformed))?;
        if now_ms - triggered_at > self.replay_window_ms {
            return Err(WebhookError::Stale);
        }
        let topic = header("x-shopify-topic")
            .ok_or_else(|| WebhookError::Malformed("no X-Shopify-Topic".into()))?;
        let delivery_id = header("x-shopify-webhook-id")
            .ok_or_else(|| WebhookError::Malformed("no X-Shopify-Webhook-Id".into()))?;
        let json: Value = serde_json::from_slice(body)
            .map_err(|e| WebhookError::Malformed(format!("the body is not JSON: {e}")))?;
        // orders/delete carries only the id and orders/edited an order edit: not orders.
        let carries_order =
            topic.starts_with("orders/") && !matches!(topic, "orders/delete" | "orders/edited");
        let order = if carries_order {
            Some(
                mapping::order_from_rest(&json, self.authorized_is_paid)
                    .map_err(WebhookError::Malformed)?,
            )
        } else {
            None
        };
        Ok(WebhookEvent {
            delivery_id: delivery_id.to_string(),
            topic: topic.to_string(),
            triggered_at: Some(triggered_at),
            order,
        })
    }

    async fn push_quantities(&self, items: &[QuantityUpdate]) -> Result<Pushed<()>, MarketError> {
        let exchanges = Mutex::new(Vec::new());
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(MAX_QUANTITIES) {
            out.extend(self.push_chunk(chunk, &exchanges).await?);
        }
        Ok(Pushed {
            items: out,
            pending: None,
            exchanges: take_exchanges(exchanges),
        })
    }
}
