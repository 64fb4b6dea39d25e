//! The simulated Fulfillment API's orders: `getOrders` (filter grammar, paging, limits) and
//! `getOrder`, the order book they read, and the orders a simulated buyer places.
//!
//! What the simulator decides where eBay's documentation is silent:
//! * getOrders lists orders newest first (by creationDate, then orderId), so that an order that
//!   starts matching a `lastmodifieddate` filter while a client walks the pages pushes the later
//!   pages down (a repeat) and never up (a miss);
//! * getOrder of a well-formed but unknown orderId answers 404 in eBay's envelope with errorId
//!   32100; an orderId that is not eBay's `NN-NNNNN-NNNNN` shape answers 400 32100;
//! * taxes: each line item's `taxes[]` holds the tax on the line (after its promotions), and
//!   the tax on delivery is only in `pricingSummary.tax` (which is the sum of both); the first
//!   line item carries the order's delivery cost, and its `total` the tax on it;
//! * PII by order age (contract descriptions): `shipTo.email` is withheld 14 days after the
//!   order's creation; after 90 days names, phone numbers, e-mails, company names and address
//!   lines are withheld from the ship-to and the buyer's registration contacts (city, state,
//!   postal code and country stay).

// Refusals are answers here (see `http.rs`).
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use super::http::{Shared, error, json, lock, query};
use super::store::ApiError;
use crate::marketplaces::Address;
use crate::marketplaces::ebay::mapping::{iso_ms, timestamp_ms};
use crate::marketplaces::ebay::model::{
    Amount, AppliedPromotion, CancelStatus, DeliveryCost, ErrorDetail, ExtendedContact,
    FulfillmentStartInstruction, LineItem, Order, OrderAddress, OrderBuyer, OrderPricingSummary,
    OrderSearchPagedCollection, PhoneNumber, ShippingStep, Tax, TaxAddress, order_codes,
    order_states as states,
};
use crate::marketplaces::http::percent_encode;
use crate::sim::market::{OrderChange, SimOrder};

/// The Fulfillment API's base path.
pub const BASE: &str = "/sell/fulfillment/v1";
/// The Fulfillment API's default daily call limit (separate from the Inventory API's).
pub const DAILY_CALL_LIMIT: u64 = 100_000;
/// getOrders page size: default and maximum.
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;
/// Most orderIds of one getOrders call.
pub const MAX_ORDER_IDS: usize = 50;

const DAY_MS: i64 = 86_400_000;
/// How far back getOrders reaches, and the longest filter range.
const HORIZON_MS: i64 = 2 * 365 * DAY_MS;
/// Without a date filter, getOrders lists the orders created in the last 90 days.
const DEFAULT_WINDOW_MS: i64 = 90 * DAY_MS;
const EMAIL_DAYS: i64 = 14;
const PII_DAYS: i64 = 90;

/// One order as the simulator keeps it (whole, before PII masking).
#[derive(Debug, Clone)]
pub struct OrderRec {
    pub order: Order,
    pub created_ms: i64,
    pub modified_ms: i64,
    /// Sent instead of the order when set (tests: an order eBay sends malformed).
    pub raw_override: Option<Value>,
}

impl OrderRec {
    /// The order as eBay shows it `now_ms`: dates rendered, PII withheld by age.
    pub fn view(&self, now_ms: i64) -> Value {
        if let Some(raw) = &self.raw_override {
            return raw.clone();
        }
        let mut order = self.order.clone();
        order.creation_date = Some(iso_ms(self.created_ms));
        order.last_modified_date = Some(iso_ms(self.modified_ms));
        let age = now_ms - self.created_ms;
        let email_gone = age > EMAIL_DAYS * DAY_MS;
        let pii_gone = age > PII_DAYS * DAY_MS;
        for step in order
            .fulfillment_start_instructions
            .iter_mut()
            .filter_map(|f| f.shipping_step.as_mut())
        {
            if let Some(to) = step.ship_to.as_mut() {
                if email_gone {
                    to.email = None;
                }
                if pii_gone {
                    mask(to);
                }
            }
        }
        if pii_gone
            && let Some(reg) = order
                .buyer
                .as_mut()
                .and_then(|b| b.buyer_registration_address.as_mut())
        {
            mask(reg);
        }
        serde_json::to_value(&order).unwrap_or(Value::Null)
    }
}

fn mask(c: &mut ExtendedContact) {
    c.full_name = None;
    c.company_name = None;
    c.email = None;
    c.primary_phone = None;
    if let Some(a) = c.contact_address.as_mut() {
        a.address_line1 = None;
        a.address_line2 = None;
    }
}

/// Every order of the simulated seller.
#[derive(Debug, Default)]
pub struct OrderBook {
    pub orders: HashMap<String, OrderRec>,
    seq: u64,
}

fn money(v: f64, currency: &str) -> Amount {
    Amount {
        value: format!("{:.2}", v),
        currency: currency.to_string(),
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.clone().filter(|v| !v.is_empty())
}

fn contact(a: &Address, name: &str, email: &str) -> ExtendedContact {
    ExtendedContact {
        full_name: non_empty(&a.name).or_else(|| Some(name.to_string())),
        company_name: non_empty(&a.company),
        email: Some(email.to_string()),
        primary_phone: non_empty(&a.phone).map(|p| PhoneNumber {
            phone_number: Some(p),
        }),
        contact_address: Some(OrderAddress {
            address_line1: non_empty(&a.street),
            address_line2: non_empty(&a.street2),
            city: non_empty(&a.city),
            state_or_province: non_empty(&a.state),
            postal_code: non_empty(&a.zip),
            country_code: non_empty(&a.country_code),
            county: None,
        }),
    }
}

/// The wall clock in Unix ms (orders do not follow the simulator's scaled clock).
pub fn wall_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl OrderBook {
    /// Places `o` now; `listing_of` gives the listingId of a SKU listed on the simulator.
    /// Returns the orderId.
    pub fn place(&mut self, o: &SimOrder, listing_of: impl Fn(&str) -> Option<String>) -> String {
        self.seq += 1;
        let n = 1_000_000_000 + self.seq;
        let order_id = format!("27-{:05}-{:05}", (n / 100_000) % 100_000, n % 100_000);
        let cur = o.currency.as_str();
        let mut subtotal = 0.0;
        let mut discounts = 0.0;
        let mut line_taxes = 0.0;
        let ship_tax = round2(o.tax_rate * o.shipping);
        let mut line_items = Vec::new();
        for (i, l) in o.lines.iter().enumerate() {
            let cost = round2(l.unit_price * l.quantity as f64);
            let discount = round2(l.discount.max(0.0));
            let net = round2(cost - discount);
            let tax = round2(o.tax_rate * net);
            let (shipping, shipping_tax) = if i == 0 {
                (o.shipping, ship_tax)
            } else {
                (0.0, 0.0)
            };
            subtotal += cost;
            discounts += discount;
            line_taxes += tax;
            let legacy = listing_of(&l.sku)
                .unwrap_or_else(|| format!("{}", 110_000_000_000 + self.seq * 100 + i as u64));
            line_items.push(LineItem {
                line_item_id: format!("{}", 10_000_000_000_000 + self.seq * 100 + i as u64),
                legacy_item_id: Some(legacy),
                sku: Some(l.sku.clone()).filter(|s| !s.is_empty()),
                title: Some(l.title.clone()),
                quantity: l.quantity,
                line_item_cost: Some(money(cost, cur)),
                discounted_line_item_cost: (discount > 0.0).then(|| money(net, cur)),
                total: Some(money(net + shipping + tax + shipping_tax, cur)),
                delivery_cost: Some(DeliveryCost {
                    shipping_cost: Some(money(shipping, cur)),
                    ..DeliveryCost::default()
                }),
                taxes: (tax > 0.0)
                    .then(|| Tax {
                        amount: Some(money(tax, cur)),
                        tax_type: Some("VAT".into()),
                    })
                    .into_iter()
                    .collect(),
                applied_promotions: (discount > 0.0)
                    .then(|| AppliedPromotion {
                        description: Some("Seller discount".into()),
                        discount_amount: Some(money(discount, cur)),
                        promotion_id: Some(format!("5{:011}", self.seq)),
                    })
                    .into_iter()
                    .collect(),
                line_item_fulfillment_status: Some(states::NOT_STARTED.into()),
                sold_format: Some("FIXED_PRICE".into()),
                listing_marketplace_id: Some("EBAY_US".into()),
                purchase_marketplace_id: Some("EBAY_US".into()),
            });
        }
        let tax_total = round2(line_taxes + ship_tax);
        let total = round2(subtotal - discounts + o.shipping + tax_total);
        let billing = o.billing.as_ref().unwrap_or(&o.address);
        let username: String = o
            .buyer_name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase();
        let order = Order {
            order_id: order_id.clone(),
            creation_date: None,
            last_modified_date: None,
            order_fulfillment_status: Some(states::NOT_STARTED.into()),
            order_payment_status: Some(
                if o.paid {
                    states::PAID
                } else {
                    states::PENDING
                }
                .into(),
            ),
            seller_id: Some("adlerdo_seller".into()),
            buyer: Some(OrderBuyer {
                username: Some(format!("{username}_{}", self.seq % 1000)),
                buyer_registration_address: Some(contact(billing, &o.buyer_name, &o.buyer_email)),
                tax_address: Some(TaxAddress {
                    city: non_empty(&o.address.city),
                    state_or_province: non_empty(&o.address.state),
                    postal_code: non_empty(&o.address.zip),
                    country_code: non_empty(&o.address.country_code),
                }),
            }),
            pricing_summary: Some(OrderPricingSummary {
                price_subtotal: Some(money(subtotal, cur)),
                // eBay states discounts as negative amounts.
                price_discount: (discounts > 0.0).then(|| money(-round2(discounts), cur)),
                delivery_cost: Some(money(o.shipping, cur)),
                tax: (tax_total > 0.0).then(|| money(tax_total, cur)),
                total: Some(money(total, cur)),
                ..OrderPricingSummary::default()
            }),
            cancel_status: Some(CancelStatus {
                cancel_state: Some(states::NONE_REQUESTED.into()),
                cancelled_date: None,
                cancel_requests: Vec::new(),
            }),
            fulfillment_start_instructions: vec![FulfillmentStartInstruction {
                fulfillment_instructions_type: Some("SHIP_TO".into()),
                ebay_supported_fulfillment: Some(false),
                min_estimated_delivery_date: None,
                max_estimated_delivery_date: None,
                shipping_step: Some(ShippingStep {
                    shipping_carrier_code: Some("USPS".into()),
                    shipping_service_code: Some("USPSPriority".into()),
                    ship_to: Some(contact(&o.address, &o.buyer_name, &o.buyer_email)),
                }),
            }],
            fulfillment_hrefs: Vec::new(),
            line_items,
            sales_record_reference: Some(format!("{}", 1000 + self.seq)),
        };
        let now = wall_ms();
        self.orders.insert(
            order_id.clone(),
            OrderRec {
                order,
                created_ms: now,
                modified_ms: now,
                raw_override: None,
            },
        );
        order_id
    }

    /// Applies `change` now; `false` when there is no such order.
    pub fn change(&mut self, order_id: &str, change: OrderChange) -> bool {
        let Some(rec) = self.orders.get_mut(order_id) else {
            return false;
        };
        let now = wall_ms().max(rec.modified_ms + 1);
        let o = &mut rec.order;
        match change {
            OrderChange::Pay => o.order_payment_status = Some(states::PAID.into()),
            OrderChange::Ship => {
                o.order_fulfillment_status = Some(states::FULFILLED.into());
                for l in &mut o.line_items {
                    l.line_item_fulfillment_status = Some(states::FULFILLED.into());
                }
            }
            OrderChange::Cancel => {
                o.cancel_status = Some(CancelStatus {
                    cancel_state: Some(states::CANCELED.into()),
                    cancelled_date: Some(iso_ms(now)),
                    cancel_requests: Vec::new(),
                });
            }
        }
        rec.modified_ms = now;
        true
    }
}

// ---- getOrders filter ---------------------------------------------------------------------

/// A date range of the filter: start, and end when given.
type Range = (i64, Option<i64>);

/// What a getOrders `filter` asks for.
#[derive(Debug, Default, PartialEq)]
pub struct Filter {
    pub creation: Option<Range>,
    pub modified: Option<Range>,
    /// The fulfillment states asked for (`{NOT_STARTED|IN_PROGRESS}`...).
    pub fulfillment: Option<Vec<String>>,
}

/// An error of the Fulfillment API's domain.
pub fn fulfillment_error(id: i64, message: impl Into<String>) -> ErrorDetail {
    ErrorDetail {
        error_id: id,
        domain: "API_FULFILLMENT".into(),
        category: "REQUEST".into(),
        message: message.into(),
        ..ErrorDetail::default()
    }
}

fn bad(id: i64, message: impl Into<String>) -> ApiError {
    ApiError::new(400, fulfillment_error(id, message))
}

fn date_range(name: &str, value: &str, now: i64) -> Result<Range, ApiError> {
    let invalid = || {
        bad(
            order_codes::INVALID_FILTER_VALUE,
            format!("Invalid filter value {value} for filter {name}"),
        )
    };
    let inner = value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .ok_or_else(invalid)?;
    let (start, end) = inner.split_once("..").ok_or_else(invalid)?;
    if start.trim().is_empty() {
        return Err(bad(
            order_codes::START_DATE_MISSING,
            "Start date is missing",
        ));
    }
    let date = |t: &str| {
        timestamp_ms(t).map_err(|_| bad(order_codes::INVALID_DATE_FORMAT, "Invalid date format"))
    };
    let start = date(start)?;
    let end = match end.trim() {
        "" => None,
        e => Some(date(e)?),
    };
    if end.is_some_and(|e| e < start) {
        return Err(bad(
            order_codes::START_AFTER_END,
            "Start date should be before end date",
        ));
    }
    if start > now || end.is_some_and(|e| e > now) {
        return Err(bad(
            order_codes::DATES_IN_FUTURE,
            "Start and end dates can't be in the future",
        ));
    }
    if end.unwrap_or(now) - start > HORIZON_MS {
        return Err(bad(
            order_codes::RANGE_TOO_LONG,
            "Time range between start date and end date must be within '2' years.",
        ));
    }
    Ok((start, end))
}

/// Parses getOrders' `filter` (already URL-decoded) as of `now` (Unix ms).
pub fn parse_filter(text: &str, now: i64) -> Result<Filter, ApiError> {
    let mut f = Filter::default();
    for criterion in text.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let (name, value) = criterion.split_once(':').unwrap_or((criterion, ""));
        let value = value.trim();
        match name.trim() {
            "creationdate" => f.creation = Some(date_range(name, value, now)?),
            "lastmodifieddate" => f.modified = Some(date_range(name, value, now)?),
            "orderfulfillmentstatus" => {
                let states: Vec<String> = value
                    .strip_prefix('{')
                    .and_then(|v| v.strip_suffix('}'))
                    .map(|v| v.split('|').map(|s| s.trim().to_string()).collect())
                    .unwrap_or_default();
                let mut sorted = states.clone();
                sorted.sort();
                // Only these two combinations are supported (contract).
                let ok = sorted == ["IN_PROGRESS", "NOT_STARTED"]
                    || sorted == ["FULFILLED", "IN_PROGRESS"];
                if !ok {
                    return Err(bad(
                        order_codes::INVALID_FILTER_VALUE,
                        format!("Invalid filter value {value} for filter {name}"),
                    ));
                }
                f.fulfillment = Some(states);
            }
            other => {
                return Err(bad(
                    order_codes::INVALID_FILTER_NAME,
                    format!("Invalid filter name: {other}"),
                ));
            }
        }
    }
    Ok(f)
}

fn in_range(t: i64, (start, end): Range) -> bool {
    t >= start && end.is_none_or(|e| t <= e)
}

impl Filter {
    /// Whether `rec` is selected. creationdate wins over lastmodifieddate; without either,
    /// the orders created in the last 90 days.
    pub fn matches(&self, rec: &OrderRec, now: i64) -> bool {
        let dates = match (self.creation, self.modified) {
            (Some(c), _) => in_range(rec.created_ms, c),
            (None, Some(m)) => in_range(rec.modified_ms, m),
            (None, None) => rec.created_ms >= now - DEFAULT_WINDOW_MS,
        };
        let state = rec.order.order_fulfillment_status.as_deref().unwrap_or("");
        dates
            && self
                .fulfillment
                .as_ref()
                .is_none_or(|s| s.iter().any(|x| x == state))
    }
}

// ---- handlers -----------------------------------------------------------------------------

fn field_groups(q: &HashMap<String, String>) -> Result<(), ApiError> {
    match q.get("fieldGroups") {
        Some(g) if g != "TAX_BREAKDOWN" => Err(bad(
            order_codes::INVALID_FIELD_GROUP,
            format!("Invalid field group: {g}"),
        )),
        _ => Ok(()),
    }
}

fn number(
    q: &HashMap<String, String>,
    key: &str,
    default: usize,
    code: i64,
) -> Result<usize, ApiError> {
    match q.get(key) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<usize>()
            .map_err(|_| bad(code, format!("Invalid {key}: {v}"))),
    }
}

/// `GET /sell/fulfillment/v1/order`.
pub async fn get_orders(req: HttpRequest, sim: web::Data<Shared>) -> HttpResponse {
    if let Err(r) = super::http::admit_orders(&req, &sim, "getOrders") {
        return r;
    }
    let q = query(&req);
    match orders_page(&q, &sim) {
        Ok(page) => json(200, &page),
        Err(e) => error(e),
    }
}

fn orders_page(
    q: &HashMap<String, String>,
    sim: &Shared,
) -> Result<OrderSearchPagedCollection, ApiError> {
    field_groups(q)?;
    let now = wall_ms();
    let book = lock(&sim.orders);
    let link = |query: String| format!("{}{BASE}/order?{query}", sim.base_url);
    if let Some(ids) = q.get("orderIds") {
        // With orderIds every other parameter is ignored.
        let ids: Vec<&str> = ids
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if ids.len() > MAX_ORDER_IDS {
            return Err(bad(
                order_codes::TOO_MANY_ORDER_IDS,
                "Exceeded maximum number of order IDs (the current limit is 50)",
            ));
        }
        let orders: Vec<Value> = ids
            .iter()
            .filter_map(|id| book.orders.get(*id))
            .map(|r| r.view(now))
            .collect();
        return Ok(OrderSearchPagedCollection {
            href: Some(link(format!("orderIds={}", percent_encode(&ids.join(","))))),
            limit: DEFAULT_LIMIT as i64,
            next: None,
            offset: 0,
            total: orders.len() as i64,
            orders,
            prev: None,
            warnings: Vec::new(),
        });
    }
    let limit = number(q, "limit", DEFAULT_LIMIT, order_codes::INVALID_LIMIT)?;
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(bad(
            order_codes::INVALID_LIMIT,
            format!("Invalid limit: {limit}"),
        ));
    }
    let offset = number(q, "offset", 0, order_codes::INVALID_OFFSET)?;
    let filter_text = q.get("filter").cloned().unwrap_or_default();
    let filter = parse_filter(&filter_text, now)?;
    let mut selected: Vec<&OrderRec> = book
        .orders
        .values()
        .filter(|r| filter.matches(r, now))
        .collect();
    selected.sort_by(|a, b| {
        b.created_ms
            .cmp(&a.created_ms)
            .then_with(|| b.order.order_id.cmp(&a.order.order_id))
    });
    let total = selected.len();
    let orders: Vec<Value> = selected
        .iter()
        .skip(offset)
        .take(limit)
        .map(|r| r.view(now))
        .collect();
    let at = |o: usize| {
        let mut query = String::new();
        if !filter_text.is_empty() {
            query.push_str(&format!("filter={}&", percent_encode(&filter_text)));
        }
        query.push_str(&format!("limit={limit}&offset={o}"));
        link(query)
    };
    Ok(OrderSearchPagedCollection {
        href: Some(at(offset)),
        limit: limit as i64,
        next: (offset.saturating_add(limit) < total).then(|| at(offset + limit)),
        offset: offset as i64,
        orders,
        prev: (offset > 0).then(|| at(offset.saturating_sub(limit))),
        total: total as i64,
        warnings: Vec::new(),
    })
}

/// Whether `id` has the shape of an eBay orderId (`27-01234-56789`, or a legacy numeric id).
fn order_id_shape(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id.chars().all(|c| c.is_ascii_digit() || c == '-')
        && id.chars().any(|c| c.is_ascii_digit())
}

/// `GET /sell/fulfillment/v1/order/{orderId}`.
pub async fn get_order(req: HttpRequest, sim: web::Data<Shared>) -> HttpResponse {
    if let Err(r) = super::http::admit_orders(&req, &sim, "getOrder") {
        return r;
    }
    if let Err(e) = field_groups(&query(&req)) {
        return error(e);
    }
    let id = req
        .match_info()
        .get("orderId")
        .unwrap_or_default()
        .to_string();
    let invalid = fulfillment_error(
        order_codes::INVALID_ORDER_ID,
        format!("Invalid order ID: {id}"),
    );
    if !order_id_shape(&id) {
        return error(ApiError::new(400, invalid));
    }
    let book = lock(&sim.orders);
    match book.orders.get(&id) {
        Some(rec) => json(200, &rec.view(wall_ms())),
        None => error(ApiError::new(404, invalid)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_000_000_000;

    fn code(r: Result<Filter, ApiError>) -> i64 {
        r.err().map_or(0, |e| e.errors[0].error_id)
    }

    #[test]
    fn the_filter_grammar() {
        let f = parse_filter("lastmodifieddate:[2026-11-20T00:00:00.000Z..]", NOW).unwrap();
        assert_eq!(
            f.modified,
            Some((timestamp_ms("2026-11-20T00:00:00Z").unwrap(), None))
        );
        let both = parse_filter(
            "creationdate:[2026-11-01T00:00:00.000Z..2026-11-02T00:00:00.000Z],\
             lastmodifieddate:[2026-11-20T00:00:00.000Z..],\
             orderfulfillmentstatus:{NOT_STARTED|IN_PROGRESS}",
            NOW,
        )
        .unwrap();
        assert!(both.creation.is_some() && both.modified.is_some());
        assert_eq!(code(parse_filter("status:[x..]", NOW)), 30700);
        assert_eq!(code(parse_filter("creationdate:2026-11-01", NOW)), 30800);
        assert_eq!(
            code(parse_filter("creationdate:[..2026-11-01T00:00:00Z]", NOW)),
            30820
        );
        assert_eq!(code(parse_filter("creationdate:[yesterday..]", NOW)), 30810);
        assert_eq!(
            code(parse_filter(
                "creationdate:[2026-11-02T00:00:00Z..2026-11-01T00:00:00Z]",
                NOW
            )),
            30840
        );
        assert_eq!(
            code(parse_filter("creationdate:[2030-01-01T00:00:00Z..]", NOW)),
            30850
        );
        assert_eq!(
            code(parse_filter("creationdate:[2020-01-01T00:00:00Z..]", NOW)),
            30830
        );
        assert_eq!(
            code(parse_filter(
                "orderfulfillmentstatus:{NOT_STARTED|FULFILLED}",
                NOW
            )),
            30800
        );
        assert!(parse_filter("orderfulfillmentstatus:{FULFILLED|IN_PROGRESS}", NOW).is_ok());
    }

    #[test]
    fn creationdate_wins_and_pii_goes_with_age() {
        let mut book = OrderBook::default();
        let order = SimOrder {
            buyer_name: "Jane Doe".into(),
            buyer_email: "jane@example.com".into(),
            address: Address {
                name: Some("Jane Doe".into()),
                street: Some("1 Main St".into()),
                city: Some("Springfield".into()),
                zip: Some("12345".into()),
                country_code: Some("US".into()),
                phone: Some("555-0100".into()),
                ..Address::default()
            },
            billing: None,
            lines: Vec::new(),
            shipping: 0.0,
            tax_rate: 0.0,
            currency: "USD".into(),
            paid: true,
        };
        let id = book.place(&order, |_| None);
        let rec = book.orders.get(&id).unwrap().clone();
        let t = rec.created_ms;
        let f = Filter {
            creation: Some((t + 1, None)),
            modified: Some((t, None)),
            fulfillment: None,
        };
        assert!(!f.matches(&rec, t), "creationdate is the one used");
        let view = rec.view(t + 15 * DAY_MS);
        let to = &view["fulfillmentStartInstructions"][0]["shippingStep"]["shipTo"];
        assert!(to.get("email").is_none());
        assert_eq!(to["fullName"], "Jane Doe");
        let view = rec.view(t + 91 * DAY_MS);
        let to = &view["fulfillmentStartInstructions"][0]["shippingStep"]["shipTo"];
        assert!(to.get("fullName").is_none() && to.get("primaryPhone").is_none());
        assert!(to["contactAddress"].get("addressLine1").is_none());
        assert_eq!(to["contactAddress"]["city"], "Springfield");
    }
}
