//! The simulated shop's orders: built from a [`SimOrder`] the way Shopify computes an order
//! (line taxes, shipping tax, totals), searched with the subset of Shopify's search syntax the
//! hub uses, sorted and paged with Shopify-shaped cursors, and rendered as the REST JSON that
//! webhooks carry.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::store::gid;
use crate::sim::market::{OrderChange, SimOrder};

/// Orders older than this are invisible to apps without `read_all_orders` (shopify.dev
/// "Orders": "only the last 60 days").
pub const VISIBLE_DAYS: i64 = 60;

/// A buyer of the shop.
#[derive(Debug, Clone)]
pub struct Customer {
    pub id: u64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: String,
    pub phone: Option<String>,
}

/// A `MailingAddress`.
#[derive(Debug, Clone, Default)]
pub struct Addr {
    pub id: u64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub province: Option<String>,
    pub province_code: Option<String>,
    pub zip: Option<String>,
    pub country_code: Option<String>,
    pub phone: Option<String>,
}

impl Addr {
    pub fn name(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.first_name, &self.last_name]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// The country's English name (REST `country`, GraphQL `country`), for the few the tests
    /// use; the code otherwise.
    pub fn country(&self) -> Option<String> {
        let code = self.country_code.as_deref()?;
        let name = match code {
            "DE" => "Germany",
            "AT" => "Austria",
            "CH" => "Switzerland",
            "FR" => "France",
            "IT" => "Italy",
            "ES" => "Spain",
            "NL" => "Netherlands",
            "GB" => "United Kingdom",
            "US" => "United States",
            "CA" => "Canada",
            other => other,
        };
        Some(name.to_string())
    }
}

/// A `LineItem`.
#[derive(Debug, Clone)]
pub struct Line {
    pub id: u64,
    pub sku: Option<String>,
    pub title: String,
    pub quantity: i64,
    pub current_quantity: i64,
    /// Unit price before discounts.
    pub price: f64,
    /// Discount on the whole line.
    pub discount: f64,
    /// Tax on the whole line (rounded to cents, as Shopify does per line).
    pub tax: f64,
    pub rate: f64,
    pub variant: Option<u64>,
}

/// The order's one `ShippingLine`.
#[derive(Debug, Clone)]
pub struct ShipLine {
    pub id: u64,
    pub title: String,
    pub price: f64,
    pub tax: f64,
    pub rate: f64,
}

/// An order of the shop.
#[derive(Debug, Clone)]
pub struct Order {
    pub id: u64,
    pub number: u64,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub cancelled: Option<DateTime<Utc>>,
    pub cancel_reason: Option<&'static str>,
    /// `OrderDisplayFinancialStatus`.
    pub financial: &'static str,
    /// `OrderDisplayFulfillmentStatus`.
    pub fulfillment: &'static str,
    pub email: String,
    pub currency: String,
    pub taxes_included: bool,
    pub customer: Customer,
    pub shipping_address: Addr,
    pub billing_address: Addr,
    pub lines: Vec<Line>,
    pub shipping: ShipLine,
}

/// Rounds to cents, half away from zero (Shopify's rounding of tax lines).
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A `Decimal`/`Money` string.
pub fn money(x: f64) -> String {
    format!("{:.2}", round2(x))
}

/// GraphQL `DateTime` (whole seconds, UTC).
pub fn iso(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Order {
    pub fn name(&self) -> String {
        format!("#{}", self.number)
    }

    pub fn gid(&self) -> String {
        gid("Order", self.id)
    }

    /// Lines after discounts, before tax.
    pub fn subtotal(&self) -> f64 {
        round2(
            self.lines
                .iter()
                .map(|l| l.price * l.current_quantity as f64 - l.discount)
                .sum(),
        )
    }

    pub fn line_tax(&self) -> f64 {
        round2(self.lines.iter().map(|l| l.tax).sum())
    }

    /// Every tax line of the order (lines and shipping).
    pub fn tax_total(&self) -> f64 {
        round2(self.line_tax() + self.shipping.tax)
    }

    pub fn discounts(&self) -> f64 {
        round2(self.lines.iter().map(|l| l.discount).sum())
    }

    /// What the buyer pays: subtotal, shipping, and the taxes when prices exclude them.
    pub fn total(&self) -> f64 {
        let tax = if self.taxes_included {
            0.0
        } else {
            self.tax_total()
        };
        round2(self.subtotal() + self.shipping.price + tax)
    }

    pub fn closed(&self) -> bool {
        self.fulfillment == "FULFILLED" && self.financial == "PAID"
    }

    fn rest_address(a: &Addr) -> Value {
        json!({
            "first_name": a.first_name, "last_name": a.last_name, "name": a.name(),
            "company": a.company, "address1": a.address1, "address2": a.address2,
            "city": a.city, "province": a.province, "province_code": a.province_code,
            "zip": a.zip, "country": a.country(), "country_code": a.country_code,
            "phone": a.phone, "latitude": null, "longitude": null,
        })
    }

    fn rest_tax(price: f64, rate: f64, currency: &str) -> Value {
        json!({"price": money(price), "rate": rate, "title": "VAT",
            "price_set": money_set(price, currency), "channel_liable": false})
    }

    /// The order as the REST Admin API (and so webhooks) represents it.
    pub fn rest_json(&self) -> Value {
        let c = self.currency.as_str();
        let at = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, false);
        let lines: Vec<Value> = self
            .lines
            .iter()
            .map(|l| {
                json!({
                    "id": l.id, "admin_graphql_api_id": gid("LineItem", l.id),
                    "sku": l.sku, "title": l.title, "name": l.title,
                    "quantity": l.quantity, "current_quantity": l.current_quantity,
                    "fulfillable_quantity": if self.fulfillment == "FULFILLED" { 0 } else { l.current_quantity },
                    "price": money(l.price), "price_set": money_set(l.price, c),
                    "total_discount": money(l.discount), "total_discount_set": money_set(l.discount, c),
                    "taxable": l.rate > 0.0,
                    "tax_lines": if l.rate > 0.0 { vec![Self::rest_tax(l.tax, l.rate, c)] } else { vec![] },
                    "variant_id": l.variant, "product_exists": l.variant.is_some(),
                    "requires_shipping": true, "gift_card": false,
                })
            })
            .collect();
        let s = &self.shipping;
        let mut out = json!({
            "id": self.id,
            "admin_graphql_api_id": self.gid(),
            "name": self.name(),
            "order_number": self.number,
            "number": self.number.saturating_sub(1000),
            "created_at": at(&self.created),
            "updated_at": at(&self.updated),
            "processed_at": at(&self.created),
            "cancelled_at": self.cancelled.as_ref().map(at),
            "cancel_reason": self.cancel_reason.map(str::to_lowercase),
            "closed_at": if self.closed() { Some(at(&self.updated)) } else { None },
            "financial_status": self.financial.to_lowercase(),
            "fulfillment_status": match self.fulfillment {
                "FULFILLED" => Some("fulfilled"),
                "PARTIALLY_FULFILLED" => Some("partial"),
                _ => None,
            },
            "email": self.email,
            "contact_email": self.email,
            "phone": self.customer.phone,
            "currency": c,
            "presentment_currency": c,
            "taxes_included": self.taxes_included,
            "test": false,
        });
        let amounts = json!({
            "subtotal_price": money(self.subtotal()),
            "current_subtotal_price": money(self.subtotal()),
            "total_price": money(self.total()),
            "current_total_price": money(self.total()),
            "total_tax": money(self.tax_total()),
            "current_total_tax": money(self.tax_total()),
            "total_discounts": money(self.discounts()),
            "current_total_discounts": money(self.discounts()),
            "total_line_items_price": money(self.lines.iter().map(|l| l.price * l.quantity as f64).sum()),
        });
        let parts = json!({
            "customer": {
                "id": self.customer.id,
                "admin_graphql_api_id": gid("Customer", self.customer.id),
                "email": self.customer.email,
                "first_name": self.customer.first_name,
                "last_name": self.customer.last_name,
                "phone": self.customer.phone,
            },
            "shipping_address": Self::rest_address(&self.shipping_address),
            "billing_address": Self::rest_address(&self.billing_address),
            "line_items": lines,
            "shipping_lines": [{
                "id": s.id, "title": s.title, "code": s.title,
                "price": money(s.price), "price_set": money_set(s.price, c),
                "discounted_price": money(s.price), "discounted_price_set": money_set(s.price, c),
                "tax_lines": if s.rate > 0.0 { vec![Self::rest_tax(s.tax, s.rate, c)] } else { vec![] },
            }],
        });
        if let Some(o) = out.as_object_mut() {
            for extra in [amounts, parts] {
                if let Value::Object(m) = extra {
                    o.extend(m);
                }
            }
        }
        out
    }
}

/// A REST `price_set`.
fn money_set(x: f64, currency: &str) -> Value {
    let m = json!({"amount": money(x), "currency_code": currency});
    json!({"shop_money": m, "presentment_money": m})
}

/// The shop's orders.
#[derive(Debug)]
pub struct OrderBook {
    pub orders: BTreeMap<u64, Order>,
    /// Whether the app holds `read_all_orders` (older orders visible).
    pub read_all: bool,
    next_id: u64,
    next_number: u64,
}

impl Default for OrderBook {
    fn default() -> Self {
        Self {
            orders: BTreeMap::new(),
            read_all: false,
            // Shopify's REST ids are large integers; order numbers start at 1001.
            next_id: 5_230_000_000,
            next_number: 1000,
        }
    }
}

fn split_name(name: Option<&str>) -> (Option<String>, Option<String>) {
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    match name.and_then(|n| n.rsplit_once(' ')) {
        Some((first, last)) => (Some(first.to_string()), Some(last.to_string())),
        None => (None, name.map(str::to_string)),
    }
}

impl OrderBook {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn address(&mut self, a: &crate::marketplaces::Address) -> Addr {
        let (first_name, last_name) = split_name(a.name.as_deref());
        // A short state is a code ("BY", "CA"), a long one a name.
        let (province, province_code) = match a.state.clone() {
            Some(s) if s.len() <= 3 => (None, Some(s)),
            other => (other, None),
        };
        Addr {
            id: self.id(),
            first_name,
            last_name,
            company: a.company.clone(),
            address1: a.street.clone(),
            address2: a.street2.clone(),
            city: a.city.clone(),
            province,
            province_code,
            zip: a.zip.clone(),
            country_code: a.country_code.clone(),
            phone: a.phone.clone(),
        }
    }

    /// Places `order` now; `variant_of` finds the variant a SKU is sold as.
    pub fn place(&mut self, order: &SimOrder, variant_of: impl Fn(&str) -> Option<u64>) -> u64 {
        let now = Utc::now();
        let id = self.id();
        self.next_number += 1;
        let number = self.next_number;
        let (first_name, last_name) = split_name(Some(&order.buyer_name));
        let customer = Customer {
            id: self.id(),
            first_name,
            last_name,
            email: order.buyer_email.clone(),
            phone: order.address.phone.clone(),
        };
        let shipping_address = self.address(&order.address);
        let billing_address = match &order.billing {
            Some(b) => self.address(b),
            None => Addr {
                id: self.id(),
                ..shipping_address.clone()
            },
        };
        let rate = order.tax_rate;
        let mut lines = Vec::with_capacity(order.lines.len());
        for l in &order.lines {
            let net = l.unit_price * l.quantity as f64 - l.discount;
            lines.push(Line {
                id: self.id(),
                sku: Some(l.sku.clone()).filter(|s| !s.is_empty()),
                title: l.title.clone(),
                quantity: l.quantity,
                current_quantity: l.quantity,
                price: round2(l.unit_price),
                discount: round2(l.discount),
                tax: round2(rate * net),
                rate,
                variant: variant_of(&l.sku),
            });
        }
        let shipping = ShipLine {
            id: self.id(),
            title: "Standard".into(),
            price: round2(order.shipping),
            tax: round2(rate * order.shipping),
            rate,
        };
        self.orders.insert(
            id,
            Order {
                id,
                number,
                created: now,
                updated: now,
                cancelled: None,
                cancel_reason: None,
                financial: if order.paid { "PAID" } else { "PENDING" },
                fulfillment: "UNFULFILLED",
                email: order.buyer_email.clone(),
                currency: order.currency.clone(),
                taxes_included: false,
                customer,
                shipping_address,
                billing_address,
                lines,
                shipping,
            },
        );
        id
    }

    /// Applies a change as the merchant would in the admin; `false` for an unknown order.
    pub fn change(&mut self, id: u64, change: OrderChange) -> bool {
        let Some(o) = self.orders.get_mut(&id) else {
            return false;
        };
        let now = Utc::now();
        match change {
            OrderChange::Pay => o.financial = "PAID",
            OrderChange::Ship => o.fulfillment = "FULFILLED",
            OrderChange::Cancel => {
                o.cancelled = Some(now);
                o.cancel_reason = Some("CUSTOMER");
                if o.financial == "PAID" {
                    o.financial = "REFUNDED";
                } else {
                    o.financial = "VOIDED";
                }
            }
        }
        // The last update moves forward even within the same millisecond, so a poll that
        // already saw the order sees it again.
        o.updated = now.max(o.updated + chrono::Duration::milliseconds(1));
        true
    }

    /// The orders matching `query`, sorted by `sort_key` (then id), as (sort value, id).
    pub fn search(
        &self,
        query: Option<&str>,
        sort_key: &str,
        now: DateTime<Utc>,
    ) -> Vec<(i64, u64)> {
        let terms = query.map(super::store::parse_query).unwrap_or_default();
        let oldest = now - chrono::Duration::days(VISIBLE_DAYS);
        let mut out: Vec<(i64, u64)> = self
            .orders
            .values()
            .filter(|o| self.read_all || o.created >= oldest)
            .filter(|o| terms.iter().all(|(f, v)| matches(o, f.as_deref(), v)))
            .map(|o| {
                let key = match sort_key {
                    "UPDATED_AT" => o.updated.timestamp_millis(),
                    "CREATED_AT" | "PROCESSED_AT" => o.created.timestamp_millis(),
                    "ORDER_NUMBER" => o.number as i64,
                    "TOTAL_PRICE" => (o.total() * 100.0).round() as i64,
                    // ID and the sort keys the simulator does not model.
                    _ => 0,
                };
                (key, o.id)
            })
            .collect();
        out.sort_unstable();
        out
    }
}

/// A date or date-time of the search syntax (`2026-11-20`, `2026-11-20T10:00:00Z`).
fn parse_when(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn compare(actual: DateTime<Utc>, expr: &str) -> bool {
    let (op, rest) = [">=", "<=", ">", "<"]
        .iter()
        .find_map(|op| expr.strip_prefix(op).map(|r| (*op, r)))
        .unwrap_or(("=", expr));
    // A value Shopify cannot read is ignored, as its search does.
    let Some(t) = parse_when(rest) else {
        return true;
    };
    match op {
        ">=" => actual >= t,
        "<=" => actual <= t,
        ">" => actual > t,
        "<" => actual < t,
        _ => actual.date_naive() == t.date_naive(),
    }
}

/// Whether one search term matches (terms the simulator does not know match everything, as
/// unknown filters are ignored by Shopify's search).
fn matches(o: &Order, field: Option<&str>, value: &str) -> bool {
    let v = value.to_ascii_lowercase();
    match field {
        Some("updated_at") => compare(o.updated, value),
        Some("created_at") | Some("processed_at") => compare(o.created, value),
        Some("status") => match v.as_str() {
            "open" => o.cancelled.is_none() && !o.closed(),
            "closed" => o.closed(),
            "cancelled" => o.cancelled.is_some(),
            "not_closed" => !o.closed(),
            _ => true,
        },
        Some("financial_status") => o.financial.eq_ignore_ascii_case(&v),
        Some("fulfillment_status") => match v.as_str() {
            "shipped" | "fulfilled" => o.fulfillment == "FULFILLED",
            "unshipped" | "unfulfilled" => o.fulfillment == "UNFULFILLED",
            _ => true,
        },
        Some("name") => o.name().trim_start_matches('#') == value.trim_start_matches('#'),
        Some("id") => value.parse::<u64>().is_ok_and(|id| id == o.id),
        Some("sku") => o.lines.iter().any(|l| l.sku.as_deref() == Some(value)),
        Some("email") => o.email.eq_ignore_ascii_case(value),
        Some(_) => true,
        None => o.name().contains(value) || o.email.to_ascii_lowercase().contains(&v),
    }
}

/// Shopify's cursor: base64 of `{"last_id":…,"last_value":"…"}` (the sort value of the last
/// node of the page).
pub fn encode_cursor(key: i64, id: u64) -> String {
    B64.encode(format!("{{\"last_id\":{id},\"last_value\":\"{key}\"}}"))
}

/// The (sort value, id) of a cursor, if it is one.
pub fn decode_cursor(cursor: &str) -> Option<(i64, u64)> {
    let bytes = B64.decode(cursor).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    let id = v.get("last_id")?.as_u64()?;
    let key = v.get("last_value")?.as_str()?.parse().ok()?;
    Some((key, id))
}

/// One page of (sort value, id) pairs already sorted: the page, `hasNextPage`,
/// `hasPreviousPage`.
pub struct Page {
    pub items: Vec<(i64, u64)>,
    pub next: bool,
    pub prev: bool,
}

/// Pages `all` under `first`/`after`/`last`/`before`/`reverse` (the checks on sizes are the
/// resolver's).
pub fn page(
    mut all: Vec<(i64, u64)>,
    first: Option<usize>,
    last: Option<usize>,
    after: Option<(i64, u64)>,
    before: Option<(i64, u64)>,
    reverse: bool,
) -> Page {
    if reverse {
        all.reverse();
    }
    let precedes = |a: (i64, u64), b: (i64, u64)| if reverse { a > b } else { a < b };
    let (mut next, mut prev) = (false, false);
    if let Some(c) = after {
        let len = all.len();
        all.retain(|k| precedes(c, *k));
        prev = all.len() < len;
    }
    if let Some(c) = before {
        let len = all.len();
        all.retain(|k| precedes(*k, c));
        next = all.len() < len;
    }
    if let Some(n) = first
        && all.len() > n
    {
        next = true;
        all.truncate(n);
    }
    if let Some(n) = last
        && all.len() > n
    {
        prev = true;
        all.drain(..all.len() - n);
    }
    Page {
        items: all,
        next,
        prev,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketplaces::Address;
    use crate::sim::market::SimOrderLine;

    fn order() -> SimOrder {
        SimOrder {
            buyer_name: "Ada Lovelace".into(),
            buyer_email: "ada@example.com".into(),
            address: Address {
                name: Some("Ada Lovelace".into()),
                street: Some("1 Main St".into()),
                city: Some("Berlin".into()),
                zip: Some("10115".into()),
                country_code: Some("DE".into()),
                state: Some("BE".into()),
                ..Address::default()
            },
            billing: None,
            lines: vec![
                SimOrderLine {
                    sku: "A".into(),
                    title: "A".into(),
                    quantity: 3,
                    unit_price: 3.33,
                    discount: 1.0,
                },
                SimOrderLine {
                    sku: "B".into(),
                    title: "B".into(),
                    quantity: 1,
                    unit_price: 10.0,
                    discount: 0.0,
                },
            ],
            shipping: 4.95,
            tax_rate: 0.19,
            currency: "EUR".into(),
            paid: true,
        }
    }

    #[test]
    fn totals_are_computed_per_line_then_summed() {
        let mut book = OrderBook::default();
        let id = book.place(&order(), |_| None);
        let o = &book.orders[&id];
        // Line A: 9.99 - 1 = 8.99, tax 1.7081 -> 1.71; line B: 1.90; shipping 0.9405 -> 0.94.
        assert_eq!(o.lines[0].tax, 1.71);
        assert_eq!(o.tax_total(), 4.55);
        assert_eq!(o.subtotal(), 18.99);
        assert_eq!(o.total(), 28.49);
        assert_eq!(o.name(), "#1001");
        assert_eq!(o.shipping_address.province_code.as_deref(), Some("BE"));
        let rest = o.rest_json();
        assert_eq!(rest["total_price"], "28.49");
        assert_eq!(rest["admin_graphql_api_id"], o.gid());
        assert_eq!(rest["line_items"][0]["tax_lines"][0]["price"], "1.71");
    }

    #[test]
    fn search_filters_and_cursors_page() {
        let mut book = OrderBook::default();
        let ids: Vec<u64> = (0..5).map(|_| book.place(&order(), |_| None)).collect();
        assert!(book.change(ids[1], OrderChange::Cancel));
        let now = Utc::now();
        let all = book.search(None, "UPDATED_AT", now);
        // The cancelled order changed last; Shopify's times have whole seconds, so orders
        // placed in the same second may share its time.
        let newest = all.iter().map(|k| k.0).max();
        assert!(
            all.iter().any(|k| Some(k.0) == newest && k.1 == ids[1]),
            "{all:?}"
        );
        assert_eq!(all.last().map(|k| k.0), newest);
        let cancelled = book.search(Some("status:cancelled"), "ID", now);
        assert_eq!(cancelled.len(), 1);
        let later = iso(&(now + chrono::Duration::seconds(5)));
        assert!(
            book.search(Some(&format!("updated_at:>='{later}'")), "ID", now)
                .is_empty()
        );
        let p = page(all.clone(), Some(2), None, None, None, false);
        assert!(p.next);
        let c = p
            .items
            .last()
            .copied()
            .map(|(k, id)| encode_cursor(k, id))
            .unwrap();
        let p2 = page(all, Some(10), None, decode_cursor(&c), None, false);
        assert_eq!(p2.items.len(), 3);
        assert!(p2.prev && !p2.next);
        assert_eq!(decode_cursor("nope"), None);
        // The 60-day rule.
        book.orders.get_mut(&ids[0]).unwrap().created = now - chrono::Duration::days(61);
        assert_eq!(book.search(None, "ID", now).len(), 4);
        book.read_all = true;
        assert_eq!(book.search(None, "ID", now).len(), 5);
    }
}
