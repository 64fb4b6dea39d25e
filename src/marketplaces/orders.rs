//! Orders as every marketplace adapter hands them to the hub: one normalized shape
//! ([`MarketOrder`]), the polling query and page ([`OrderQuery`], [`OrderPage`]), and what a
//! verified webhook delivery carries ([`WebhookEvent`]).
//!
//! Amounts are in the order's currency, as the marketplace states them (rounded by the
//! marketplace); adapters never recompute a total, so that the hub can compare the marketplace's
//! total with the one Odoo computes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the hub asks for when it polls an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderQuery {
    /// Orders created or changed at or after this instant (Unix milliseconds). The hub keeps it
    /// per account and moves it back by an overlap window, so late-indexed orders are not missed.
    pub updated_after: i64,
    /// The page token of the previous [`OrderPage`] (`None` for the first page). The adapter
    /// chooses its form (eBay offset, Amazon paginationToken, Shopify endCursor).
    pub page: Option<String>,
}

/// One page of orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderPage {
    pub orders: Vec<MarketOrder>,
    /// Orders the adapter could not read (a malformed element of an otherwise good page): the
    /// external id when one could be read, and why. The rest of the page is still delivered.
    pub unreadable: Vec<UnreadableOrder>,
    /// Give it back in [`OrderQuery::page`] for the next page; `None` on the last page.
    pub next_page: Option<String>,
    /// The instant (Unix ms) up to which this poll is complete once the last page is read, when
    /// the marketplace bounds the window itself (Amazon's `lastUpdatedBefore`, which must be at
    /// least two minutes in the past). `None` means "up to the moment of the first call".
    pub complete_until: Option<i64>,
}

/// An element of an order page that did not decode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnreadableOrder {
    pub external_id: Option<String>,
    pub reason: String,
    pub raw: Value,
}

/// Where an order stands on the marketplace, as the hub acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Not paid or not released yet (Amazon Pending, eBay payment PENDING, Shopify PENDING or
    /// AUTHORIZED when the account imports only paid orders): the hub keeps it, Odoo waits.
    Pending,
    /// Paid and waiting to be shipped: goes to Odoo.
    Open,
    /// Partly or fully shipped.
    Shipped,
    /// Cancelled by the buyer, the seller or the marketplace.
    Cancelled,
}

/// A postal address as the marketplace gives it. Parts the marketplace withholds (PII rules,
/// restricted data) are `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Address {
    pub name: Option<String>,
    pub company: Option<String>,
    pub street: Option<String>,
    pub street2: Option<String>,
    pub city: Option<String>,
    /// State or province as written (name or code).
    pub state: Option<String>,
    pub zip: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The buyer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Buyer {
    /// The marketplace's id of the buyer (eBay username, Shopify customer GID) when given.
    pub external_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// One order line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketOrderLine {
    /// The marketplace's line id (Amazon orderItemId, eBay lineItemId, Shopify LineItem GID).
    pub external_id: String,
    /// The seller SKU; `None` when the marketplace line has none (the order then waits).
    pub sku: Option<String>,
    pub title: String,
    /// Units ordered, after removals/refunds where the marketplace says (Shopify currentQuantity).
    pub quantity: f64,
    /// Price of one unit before discounts (tax included or not as the account's prices are).
    pub unit_price: f64,
    /// Discount on the whole line (positive number).
    pub discount: f64,
    /// Tax on the whole line, as the marketplace computed it.
    pub tax: f64,
}

/// An order as the hub stores it, whatever the marketplace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketOrder {
    /// The marketplace's order id (Amazon orderId, eBay orderId, Shopify Order GID).
    pub external_id: String,
    /// The reference buyers and sellers see when it differs from the id (Shopify `#1001`).
    pub reference: Option<String>,
    pub status: OrderStatus,
    /// The marketplace's own status words, e.g. `PAID/NOT_STARTED`.
    pub external_status: String,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds; the polling cursor follows this.
    pub updated_at: i64,
    /// ISO 4217 code.
    pub currency: String,
    pub buyer: Buyer,
    pub shipping_address: Option<Address>,
    pub billing_address: Option<Address>,
    pub lines: Vec<MarketOrderLine>,
    /// Shipping charged to the buyer, after shipping discounts.
    pub shipping: f64,
    /// Tax on shipping, when the marketplace gives it separately.
    pub shipping_tax: f64,
    /// Order-level discount not already on the lines (positive number).
    pub discount: f64,
    /// Total tax of the order, as the marketplace states it.
    pub tax_total: f64,
    /// What the buyer pays, as the marketplace states it.
    pub total: f64,
    /// Whether the unit prices include tax, when the marketplace says (Shopify
    /// `taxesIncluded`); `None` leaves it to the account's tax policy.
    pub prices_include_tax: Option<bool>,
    /// The order exactly as the marketplace sent it.
    pub raw: Value,
}

/// A verified webhook delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// The marketplace's delivery id (Shopify `X-Shopify-Webhook-Id`): the same delivery sent
    /// twice has the same id.
    pub delivery_id: String,
    /// The topic, e.g. `orders/create`.
    pub topic: String,
    /// When the marketplace says the event happened (Unix ms), to order deliveries that arrive
    /// out of order.
    pub triggered_at: Option<i64>,
    /// The order the delivery carries, when the topic is about an order.
    pub order: Option<MarketOrder>,
}

/// Why a webhook delivery is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookError {
    /// No signature, or a signature that does not match the raw body (answer 401).
    BadSignature,
    /// Signed, but older than the replay window (answer 401).
    Stale,
    /// Signed but not readable (answer 400; the marketplace will not resend it better).
    Malformed(String),
    /// This account takes no webhooks (answer 404).
    NotSupported,
}
