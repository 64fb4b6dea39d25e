//! Orders API v2026-01-01 in the simulator: orders as buyers place them (built from a
//! [`SimOrder`] the way Amazon prices them), their changes, and the two operations,
//! `searchOrders` and `getOrder`, with Amazon's query rules and `includedData` datasets.
//!
//! Order times are on the wall clock (as Amazon's are); durations the API prescribes (the two
//! minutes `…Before` must stay behind the request, the 24-hour life of a page token) are
//! measured on the simulator's time source, so that scaled tests need not wait them out.

use actix_web::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::http::{Failure, Outcome, Query, Shared};
use super::store::Store;
use crate::marketplaces::amazon::model::{
    CustomerAddress, DetailedBreakdown, ItemCondition, ItemFulfillment, ItemPrice, ItemProceeds,
    ItemProduct, ItemPromotion, ItemPromotionBreakdown, Money, Order, OrderBuyer, OrderFulfillment,
    OrderItem, OrderProceeds, ProceedsBreakdown, Recipient, SalesChannel,
};
use crate::sim::market::{OrderChange, SimOrder};

/// `fulfillmentStatuses` values.
const STATUSES: &[&str] = &[
    "PENDING_AVAILABILITY",
    "PENDING",
    "UNSHIPPED",
    "PARTIALLY_SHIPPED",
    "SHIPPED",
    "CANCELLED",
    "UNFULFILLABLE",
];
/// `includedData` values.
const DATASETS: &[&str] = &[
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "EXPENSE",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "PACKAGES",
    "TAX",
    "PAYMENT",
    "FULFILLMENT_ORDERS",
];
/// `…Before` must be at least this long before the request (model seconds).
const SETTLE: f64 = 120.0;
/// A page token lives 24 hours (model seconds).
const TOKEN_LIFETIME: f64 = 86_400.0;
/// Most `marketplaceIds` one search takes.
const MAX_MARKETPLACES: usize = 50;

/// An order as stored: the full order (every dataset) and its times.
#[derive(Debug, Clone)]
pub struct StoredOrder {
    pub order: Order,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// What answers show instead of the order (a test's malformed order), when set.
    pub shown_as: Option<Value>,
}

impl StoredOrder {
    fn status(&self) -> &str {
        self.order
            .fulfillment
            .as_ref()
            .map_or("", |f| f.fulfillment_status.as_str())
    }
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn money(amount: f64, currency: &str) -> Money {
    // `-0.00` would read oddly; amounts are rounded to the cent already.
    let amount = if amount == 0.0 { 0.0 } else { amount };
    Money {
        currency_code: currency.to_string(),
        amount: format!("{amount:.2}"),
    }
}

fn breakdown(kind: &str, amount: f64, currency: &str) -> ProceedsBreakdown {
    ProceedsBreakdown {
        kind: kind.to_string(),
        status: None,
        subtotal: money(amount, currency),
        detailed_breakdowns: None,
    }
}

fn detail(subtype: &str, amount: f64, currency: &str) -> DetailedBreakdown {
    DetailedBreakdown {
        subtype: Some(subtype.to_string()),
        value: Some(money(amount, currency)),
    }
}

/// A pseudo-random but stable number from `seed`.
fn hash(seed: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// An order id in Amazon's 3-7-7 form (`11x-` for North America), unique per sequence number.
fn order_id(seq: u64) -> String {
    let h = hash(&format!("order {seq}"));
    format!(
        "11{}-{:07}-{:07}",
        h % 10,
        seq % 10_000_000,
        (h / 10) % 10_000_000
    )
}

/// Whether `id` has the 3-7-7 digit form of Amazon order ids.
fn is_order_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() == 3
        && [3, 7, 7]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.bytes().all(|b| b.is_ascii_digit()))
}

fn some(text: &Option<String>) -> Option<String> {
    text.as_ref().filter(|s| !s.is_empty()).cloned()
}

impl Store {
    /// Places `order` now: Amazon's ids, line prices, taxes rounded per line and on shipping
    /// (shipping is charged on the first item, as Amazon attributes order-level charges to
    /// items), proceeds that add up, `UNSHIPPED` when paid, `PENDING` otherwise.
    pub fn place_order(&mut self, order: &SimOrder, now: DateTime<Utc>) -> String {
        let seq = self.next_seq();
        let id = order_id(seq);
        let cur = order.currency.as_str();
        let mut items = Vec::with_capacity(order.lines.len());
        let (mut items_total, mut shipping_total, mut discount_total, mut tax_total) =
            (0.0, 0.0, 0.0, 0.0);
        let mut grand_total = 0.0;
        for (i, line) in order.lines.iter().enumerate() {
            let amount = round2(line.unit_price * line.quantity as f64);
            let discount = round2(line.discount);
            let shipping = if i == 0 { round2(order.shipping) } else { 0.0 };
            let item_tax = round2(order.tax_rate * (amount - discount));
            let shipping_tax = round2(order.tax_rate * shipping);
            let mut breakdowns = vec![breakdown("ITEM", amount, cur)];
            if shipping > 0.0 {
                breakdowns.push(breakdown("SHIPPING", shipping, cur));
            }
            if discount > 0.0 {
                let mut d = breakdown("DISCOUNT", -discount, cur);
                d.detailed_breakdowns = Some(vec![detail("ITEM", -discount, cur)]);
                breakdowns.push(d);
            }
            let mut tax = breakdown("TAX", item_tax + shipping_tax, cur);
            let mut details = vec![detail("ITEM", item_tax, cur)];
            if shipping > 0.0 {
                details.push(detail("SHIPPING", shipping_tax, cur));
            }
            tax.detailed_breakdowns = Some(details);
            breakdowns.push(tax);
            let line_total = round2(amount + shipping - discount + item_tax + shipping_tax);
            items_total += amount;
            shipping_total += shipping;
            discount_total += discount;
            tax_total += item_tax + shipping_tax;
            grand_total += line_total;
            items.push(OrderItem {
                order_item_id: format!("{:014}", 40_000_000_000_000 + self.next_seq()),
                quantity_ordered: line.quantity,
                product: ItemProduct {
                    asin: Some(Store::asin_for(&line.sku)),
                    title: Some(line.title.clone()),
                    seller_sku: Some(line.sku.clone()),
                    condition: Some(ItemCondition {
                        condition_type: Some("NEW".into()),
                        condition_subtype: Some("NEW".into()),
                    }),
                    price: Some(ItemPrice {
                        unit_price: Some(money(line.unit_price, cur)),
                        price_designation: None,
                    }),
                },
                proceeds: Some(ItemProceeds {
                    proceeds_total: Some(money(line_total, cur)),
                    breakdowns: Some(breakdowns),
                }),
                promotion: (discount > 0.0).then(|| ItemPromotion {
                    breakdowns: Some(vec![ItemPromotionBreakdown {
                        promotion_id: Some(format!("PROMO-{:08X}", hash(&line.sku) as u32)),
                    }]),
                }),
                cancellation: None,
                fulfillment: Some(ItemFulfillment {
                    quantity_fulfilled: Some(0),
                    quantity_unfulfilled: Some(line.quantity),
                }),
                tax: Some(json!({"taxCollections": [{
                    "model": "MarketplaceFacilitator",
                    "responsibleParty": "Amazon Services, Inc.",
                }]})),
            });
        }
        let mut order_breakdowns = vec![breakdown("ITEM", round2(items_total), cur)];
        if shipping_total > 0.0 {
            order_breakdowns.push(breakdown("SHIPPING", round2(shipping_total), cur));
        }
        if discount_total > 0.0 {
            order_breakdowns.push(breakdown("DISCOUNT", -round2(discount_total), cur));
        }
        order_breakdowns.push(breakdown("TAX", round2(tax_total), cur));

        let a = &order.address;
        let email_user = format!("{:016x}", hash(&order.buyer_email));
        let wire = Order {
            order_id: id.clone(),
            order_aliases: None,
            created_time: iso(now),
            last_updated_time: iso(now),
            programs: None,
            sales_channel: SalesChannel {
                channel_name: "AMAZON".into(),
                marketplace_id: Some(self.marketplace_id.clone()),
                marketplace_name: Some("Amazon.com".into()),
            },
            buyer: Some(OrderBuyer {
                buyer_name: Some(order.buyer_name.clone()).filter(|n| !n.is_empty()),
                // Amazon hides the buyer's address behind a relay.
                buyer_email: Some(format!("{email_user}@marketplace.amazon.com")),
                buyer_company_name: None,
                buyer_purchase_order_number: None,
            }),
            recipient: Some(Recipient {
                delivery_address: Some(CustomerAddress {
                    name: some(&a.name),
                    company_name: some(&a.company),
                    address_line1: some(&a.street),
                    address_line2: some(&a.street2),
                    city: some(&a.city),
                    state_or_region: some(&a.state),
                    postal_code: some(&a.zip),
                    country_code: some(&a.country_code),
                    phone: some(&a.phone),
                    address_type: Some(
                        if a.company.is_some() {
                            "COMMERCIAL"
                        } else {
                            "RESIDENTIAL"
                        }
                        .into(),
                    ),
                    ..CustomerAddress::default()
                }),
            }),
            proceeds: Some(OrderProceeds {
                grand_total: Some(money(round2(grand_total), cur)),
                breakdowns: Some(order_breakdowns),
            }),
            tax: None,
            fulfillment: Some(OrderFulfillment {
                fulfillment_status: if order.paid { "UNSHIPPED" } else { "PENDING" }.into(),
                fulfilled_by: Some("MERCHANT".into()),
                fulfillment_service_level: Some("STANDARD".into()),
                ship_by_window: None,
            }),
            order_items: items,
            packages: None,
        };
        self.orders.insert(
            id.clone(),
            StoredOrder {
                order: wire,
                created: now,
                updated: now,
                shown_as: None,
            },
        );
        id
    }

    /// Applies `change` to an order as Amazon would and moves its last-update time; `false`
    /// when there is no such order.
    pub fn change_order(&mut self, id: &str, change: OrderChange, now: DateTime<Utc>) -> bool {
        let Some(stored) = self.orders.get_mut(id) else {
            return false;
        };
        let order = &mut stored.order;
        let status = match change {
            OrderChange::Pay => "UNSHIPPED",
            OrderChange::Ship => {
                let mut package_items = Vec::new();
                for item in &mut order.order_items {
                    item.fulfillment = Some(ItemFulfillment {
                        quantity_fulfilled: Some(item.quantity_ordered),
                        quantity_unfulfilled: Some(0),
                    });
                    package_items.push(json!({
                        "orderItemId": item.order_item_id,
                        "quantity": item.quantity_ordered,
                    }));
                }
                order.packages = Some(vec![json!({
                    "packageReferenceId": format!("{}-1", order.order_id),
                    "createdTime": iso(now),
                    "packageStatus": {"status": "SHIPPED"},
                    "carrier": "UPS",
                    "shipTime": iso(now),
                    "shippingService": "UPS Ground",
                    "trackingNumber": format!("1Z{:016X}", hash(&order.order_id)),
                    "packageItems": package_items,
                })]);
                "SHIPPED"
            }
            OrderChange::Cancel => {
                for item in &mut order.order_items {
                    item.cancellation = Some(json!({"cancellationExecution": {
                        "cancelledBy": "MERCHANT",
                        "cancelReason": "NO_INVENTORY",
                    }}));
                }
                "CANCELLED"
            }
        };
        if let Some(f) = &mut order.fulfillment {
            f.fulfillment_status = status.into();
        }
        // Times must move forward even when two changes fall in the same millisecond.
        let updated = now.max(stored.updated + chrono::Duration::milliseconds(1));
        order.last_updated_time = iso(updated);
        stored.updated = updated;
        true
    }
}

/// The order as an answer shows it: only the datasets asked for, and without the personal
/// data the app may not see (no PII role, or an order still pending, whose address Amazon
/// keeps back to the city, region, postal code and country until it can be shipped).
fn view(stored: &StoredOrder, included: &[String], pii_role: bool) -> Value {
    if let Some(shown) = &stored.shown_as {
        return shown.clone();
    }
    let has = |d: &str| included.iter().any(|i| i == d);
    let mut order = stored.order.clone();
    let withheld = !pii_role || matches!(stored.status(), "PENDING" | "PENDING_AVAILABILITY");
    if !has("BUYER") {
        order.buyer = None;
    } else if withheld && let Some(b) = &mut order.buyer {
        b.buyer_name = None;
    }
    if !has("RECIPIENT") {
        order.recipient = None;
    } else if withheld
        && let Some(a) = order
            .recipient
            .as_mut()
            .and_then(|r| r.delivery_address.as_mut())
    {
        a.name = None;
        a.company_name = None;
        a.address_line1 = None;
        a.address_line2 = None;
        a.address_line3 = None;
        a.phone = None;
    }
    if !has("PROCEEDS") {
        order.proceeds = None;
    }
    if !has("FULFILLMENT") {
        order.fulfillment = None;
    }
    if !has("TAX") {
        order.tax = None;
    }
    if !has("PACKAGES") {
        order.packages = None;
    }
    for item in &mut order.order_items {
        if !has("PROCEEDS") {
            item.proceeds = None;
        }
        if !has("PROMOTION") {
            item.promotion = None;
        }
        if !has("CANCELLATION") {
            item.cancellation = None;
        }
        if !has("FULFILLMENT") {
            item.fulfillment = None;
        }
        if !has("TAX") {
            item.tax = None;
        }
    }
    serde_json::to_value(order).unwrap_or(Value::Null)
}

fn included(query: &Query) -> Result<Vec<String>, Failure> {
    Ok(query.enums("includedData", DATASETS)?.unwrap_or_default())
}

/// `getOrder`: one order with its items (always) and the datasets asked for.
pub(super) fn get(store: &Store, id: &str, query: &Query) -> Outcome {
    let included = included(query)?;
    if !is_order_id(id) {
        return Err(Failure::invalid(format!("'{id}' is not a valid orderId")));
    }
    let stored = store
        .orders
        .get(id)
        .ok_or_else(|| Failure::not_found(format!("Order '{id}' not found")))?;
    Ok((
        StatusCode::OK,
        json!({ "order": view(stored, &included, store.pii_role) }),
    ))
}

/// Where a page stopped: handed out as `nextToken`, opaque to clients.
#[derive(Debug, Clone, PartialEq)]
struct PageToken {
    /// Model time it was issued (it lives [`TOKEN_LIFETIME`]).
    issued: f64,
    /// The filters it was issued for (a later page must repeat them).
    filters: u64,
    /// The window's end (Unix ms), fixed by the first page.
    bound: i64,
    /// The sort key (Unix ms) and order id of the last order handed out.
    last: (i64, String),
}

impl PageToken {
    fn encode(&self) -> String {
        let text = format!(
            "{:.3}|{:x}|{}|{}|{}",
            self.issued, self.filters, self.bound, self.last.0, self.last.1
        );
        URL_SAFE_NO_PAD.encode(text)
    }

    fn decode(token: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.splitn(5, '|');
        Some(Self {
            issued: parts.next()?.parse().ok()?,
            filters: u64::from_str_radix(parts.next()?, 16).ok()?,
            bound: parts.next()?.parse().ok()?,
            last: (parts.next()?.parse().ok()?, parts.next()?.to_string()),
        })
    }
}

/// A date-time parameter, if given.
fn instant(query: &Query, name: &str) -> Result<Option<DateTime<Utc>>, Failure> {
    query
        .get(name)
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| Failure::invalid(format!("{name} must be an ISO 8601 date-time")))
        })
        .transpose()
}

/// `searchOrders`.
pub(super) fn search(store: &Store, sim: &Shared, query: &Query) -> Outcome {
    if let Some(ids) = query.list("marketplaceIds") {
        if ids.len() > MAX_MARKETPLACES {
            return Err(Failure::invalid(format!(
                "marketplaceIds takes at most {MAX_MARKETPLACES} values"
            )));
        }
        if let Some(bad) = ids.iter().find(|id| **id != store.marketplace_id) {
            return Err(Failure::invalid(format!(
                "marketplace {bad} is not one this seller sells in"
            )));
        }
    }
    let created_after = instant(query, "createdAfter")?;
    let created_before = instant(query, "createdBefore")?;
    let updated_after = instant(query, "lastUpdatedAfter")?;
    let updated_before = instant(query, "lastUpdatedBefore")?;
    let (by_update, after, before, before_name) = match (created_after, updated_after) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(Failure::invalid(
                "Exactly one of createdAfter and lastUpdatedAfter must be provided",
            ));
        }
        (Some(after), None) => {
            if updated_before.is_some() {
                return Err(Failure::invalid(
                    "lastUpdatedBefore cannot be provided with createdAfter",
                ));
            }
            (false, after, created_before, "createdBefore")
        }
        (None, Some(after)) => {
            if created_before.is_some() {
                return Err(Failure::invalid(
                    "createdBefore cannot be provided with lastUpdatedAfter",
                ));
            }
            (true, after, updated_before, "lastUpdatedBefore")
        }
    };
    let now = Utc::now();
    if let Some(before) = before {
        if before < after {
            return Err(Failure::invalid(format!(
                "{before_name} must be equal to or after the {} date",
                if by_update {
                    "lastUpdatedAfter"
                } else {
                    "createdAfter"
                }
            )));
        }
        let settle =
            chrono::Duration::from_std(sim.time.to_real(SETTLE)).unwrap_or(chrono::Duration::MAX);
        if now.checked_sub_signed(settle).is_some_and(|l| before > l) {
            return Err(Failure::invalid(format!(
                "{before_name} must be at least two minutes before the time of the request"
            )));
        }
    }
    let statuses = query.enums("fulfillmentStatuses", STATUSES)?;
    let fulfilled_by = query.enums("fulfilledBy", &["MERCHANT", "AMAZON"])?;
    let page_size = match query.get("maxResultsPerPage") {
        None => 100,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                return Err(Failure::invalid(
                    "maxResultsPerPage must be an integer from 1 to 100",
                ));
            }
        },
    };
    let included = included(query)?;
    // Everything but the token, the page size and the datasets must stay the same across pages.
    let filters = hash(&format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        query.get("createdAfter"),
        query.get("createdBefore"),
        query.get("lastUpdatedAfter"),
        query.get("lastUpdatedBefore"),
        statuses,
        fulfilled_by,
        query.list("marketplaceIds"),
    ));
    let model_now = sim.time.model_now();
    let (bound, last) = match query.get("paginationToken") {
        None => (before.unwrap_or(now).timestamp_millis(), None),
        Some(t) => {
            let token = PageToken::decode(t)
                .ok_or_else(|| Failure::invalid("paginationToken is invalid"))?;
            if model_now - token.issued > TOKEN_LIFETIME {
                return Err(Failure::invalid("paginationToken has expired"));
            }
            if token.filters != filters {
                return Err(Failure::invalid(
                    "paginationToken was issued for other parameters",
                ));
            }
            (token.bound, Some(token.last))
        }
    };
    let after_ms = after.timestamp_millis();
    let key = |o: &StoredOrder| {
        if by_update {
            o.updated.timestamp_millis()
        } else {
            o.created.timestamp_millis()
        }
    };
    // Sorted by the filtered time, then id: a page ends at a key, so orders changed between
    // pages (moved past the window's end) never shift the rest.
    let mut matched: Vec<(i64, &StoredOrder)> = store
        .orders
        .values()
        .filter(|o| {
            let k = key(o);
            k >= after_ms && k <= bound
        })
        .filter(|o| {
            statuses
                .as_ref()
                .is_none_or(|s| s.iter().any(|s| s == o.status()))
        })
        .filter(|o| {
            let by = o
                .order
                .fulfillment
                .as_ref()
                .and_then(|f| f.fulfilled_by.as_deref())
                .unwrap_or("MERCHANT");
            fulfilled_by
                .as_ref()
                .is_none_or(|f| f.iter().any(|f| f == by))
        })
        .map(|o| (key(o), o))
        .filter(|(k, o)| {
            last.as_ref()
                .is_none_or(|(lk, lid)| (*k, o.order.order_id.as_str()) > (*lk, lid.as_str()))
        })
        .collect();
    matched.sort_by(|a, b| (a.0, &a.1.order.order_id).cmp(&(b.0, &b.1.order.order_id)));
    let more = matched.len() > page_size;
    matched.truncate(page_size);
    let orders: Vec<Value> = matched
        .iter()
        .map(|(_, o)| view(o, &included, store.pii_role))
        .collect();
    let mut body = json!({ "orders": orders });
    if more && let Some((k, o)) = matched.last() {
        let token = PageToken {
            issued: model_now,
            filters,
            bound,
            last: (*k, o.order.order_id.clone()),
        };
        body["pagination"] = json!({ "nextToken": token.encode() });
    }
    if let Some(b) = before {
        body[before_name] = json!(iso(b));
    }
    Ok((StatusCode::OK, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_have_amazons_form() {
        for seq in [1, 2, 99, 12_345_678] {
            assert!(is_order_id(&order_id(seq)), "{}", order_id(seq));
        }
        assert_ne!(order_id(1), order_id(2));
        assert!(!is_order_id("123-456-789"));
        assert!(!is_order_id("abc-defghij-klmnopq"));
    }

    #[test]
    fn page_tokens_round_trip() {
        let token = PageToken {
            issued: 12.5,
            filters: 0xdead_beef,
            bound: 1_700_000_000_123,
            last: (1_700_000_000_000, "113-0000001-1234567".into()),
        };
        assert_eq!(PageToken::decode(&token.encode()), Some(token));
        assert_eq!(PageToken::decode("not a token"), None);
    }

    #[test]
    fn placed_orders_add_up() {
        let mut store = Store::new(
            "S".into(),
            "ATVPDKIKX0DER".into(),
            "USD".into(),
            "c".into(),
            "s".into(),
            "r".into(),
        );
        let order = SimOrder {
            buyer_name: "Ann Buyer".into(),
            buyer_email: "ann@example.com".into(),
            address: crate::marketplaces::Address {
                name: Some("Ann Buyer".into()),
                street: Some("1 Main St".into()),
                city: Some("Seattle".into()),
                zip: Some("98101".into()),
                country_code: Some("US".into()),
                ..Default::default()
            },
            billing: None,
            lines: vec![
                crate::sim::market::SimOrderLine {
                    sku: "A".into(),
                    title: "A".into(),
                    quantity: 3,
                    unit_price: 9.99,
                    discount: 1.0,
                },
                crate::sim::market::SimOrderLine {
                    sku: "B".into(),
                    title: "B".into(),
                    quantity: 1,
                    unit_price: 5.0,
                    discount: 0.0,
                },
            ],
            shipping: 4.5,
            tax_rate: 0.0825,
            currency: "USD".into(),
            paid: true,
        };
        let id = store.place_order(&order, Utc::now());
        let stored = &store.orders[&id];
        let proceeds = stored.order.proceeds.as_ref().unwrap();
        // A: 29.97 - 1.00 = 28.97, tax 2.39; shipping 4.50, tax 0.37; B: 5.00, tax 0.41.
        assert_eq!(proceeds.grand_total.as_ref().unwrap().amount, "41.64");
        let tax = proceeds
            .breakdowns
            .as_ref()
            .unwrap()
            .iter()
            .find(|b| b.kind == "TAX")
            .unwrap();
        assert_eq!(tax.subtotal.amount, "3.17");
        assert_eq!(stored.status(), "UNSHIPPED");
        assert!(store.change_order(&id, OrderChange::Cancel, Utc::now()));
        assert_eq!(store.orders[&id].status(), "CANCELLED");
        assert!(store.orders[&id].updated > store.orders[&id].created);
        assert!(!store.change_order("nope", OrderChange::Pay, Utc::now()));
    }
}
