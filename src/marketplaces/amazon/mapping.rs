//! Pure conversions between the hub's vocabulary (offers, quantity updates, outcomes, orders) and
//! the SP-API wire types. No I/O here: every rule that decides what is sent or how an answer is read
//! lives in this file, with its unit tests.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::model::{
    CustomerAddress, Issue, Item, ListingsFeed, ListingsFeedHeader, ListingsFeedMessage,
    ListingsItemPatchRequest, ListingsItemPutRequest, ListingsItemSubmissionResponse, Money, Order,
    PatchOperation, ProceedsBreakdown, ProcessingReport, SearchOrdersResponse,
};
use crate::marketplaces::{
    Address, Buyer, ItemOutcome, ListingIds, MarketOrder, MarketOrderLine, Offer, OrderPage,
    OrderStatus, QuantityUpdate, Rejection, UnreadableOrder,
};

/// The product type sent with offer-only writes; Amazon resolves the real one from the catalog.
pub const PRODUCT_TYPE: &str = "PRODUCT";
/// Merchant-fulfilled stock: the only channel whose quantity the seller sets.
pub const CHANNEL_DEFAULT: &str = "DEFAULT";

/// What the account sells in: marketplace, currency and the language of texts.
#[derive(Debug, Clone, PartialEq)]
pub struct Market {
    pub marketplace_id: String,
    pub currency: String,
    pub language_tag: String,
}

/// The identifier type Amazon expects for a barcode, judged by its length (GTIN-8/12/13/14).
pub fn barcode_type(barcode: &str) -> &'static str {
    match barcode.trim().len() {
        12 => "upc",
        8 | 13 => "ean",
        _ => "gtin",
    }
}

/// A variant attribute name ("Color", "Size Name") as a listing attribute (`color`, `size_name`).
pub fn attribute_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

fn text(value: &str, market: &Market) -> Value {
    json!([{
        "value": value,
        "language_tag": market.language_tag,
        "marketplace_id": market.marketplace_id,
    }])
}

/// The `fulfillment_availability` attribute value for a merchant-fulfilled quantity.
pub fn fulfillment_availability(quantity: i64) -> Value {
    json!([{ "fulfillment_channel_code": CHANNEL_DEFAULT, "quantity": quantity }])
}

/// The `purchasable_offer` attribute value: one schedule with the price including tax.
pub fn purchasable_offer(price: f64, market: &Market) -> Value {
    json!([{
        "marketplace_id": market.marketplace_id,
        "currency": market.currency,
        "audience": "ALL",
        "our_price": [{ "schedule": [{ "value_with_tax": round_cents(price) }] }],
    }])
}

fn round_cents(price: f64) -> f64 {
    (price * 100.0).round() / 100.0
}

/// The PUT body for an offer. A product with a barcode is listed with its product facts
/// (`LISTING`), so Amazon can match or create the catalog item; one already known by ASIN gets
/// an offer on that ASIN (`LISTING_OFFER_ONLY`). Without either Amazon refuses the listing,
/// which comes back as a per-item issue.
pub fn offer_put_request(offer: &Offer, market: &Market) -> ListingsItemPutRequest {
    let asin = offer.ids.as_ref().and_then(|ids| ids.external_id.clone());
    let mut attributes = Map::new();
    let requirements = match (&offer.barcode, &asin) {
        (None, Some(asin)) => {
            attributes.insert(
                "merchant_suggested_asin".into(),
                json!([{ "value": asin, "marketplace_id": market.marketplace_id }]),
            );
            "LISTING_OFFER_ONLY"
        }
        (barcode, _) => {
            attributes.insert("item_name".into(), text(&offer.title, market));
            if !offer.description.is_empty() {
                attributes.insert(
                    "product_description".into(),
                    text(&offer.description, market),
                );
            }
            if let Some(code) = barcode {
                attributes.insert(
                    "externally_assigned_product_identifier".into(),
                    json!([{
                        "type": barcode_type(code),
                        "value": code.trim(),
                        "marketplace_id": market.marketplace_id,
                    }]),
                );
            }
            for (name, value) in &offer.attributes {
                let key = attribute_name(name);
                if !key.is_empty() && !attributes.contains_key(&key) {
                    attributes.insert(key, text(value, market));
                }
            }
            "LISTING"
        }
    };
    // The condition is part of the offer, so both requirement sets need it.
    attributes.insert(
        "condition_type".into(),
        json!([{ "value": "new_new", "marketplace_id": market.marketplace_id }]),
    );
    attributes.insert(
        "purchasable_offer".into(),
        purchasable_offer(offer.price, market),
    );
    attributes.insert(
        "fulfillment_availability".into(),
        fulfillment_availability(offer.quantity),
    );
    ListingsItemPutRequest {
        product_type: PRODUCT_TYPE.into(),
        requirements: Some(requirements.into()),
        attributes,
    }
}

fn quantity_patches(quantity: i64) -> Vec<PatchOperation> {
    vec![PatchOperation {
        op: "replace".into(),
        path: "/attributes/fulfillment_availability".into(),
        value: fulfillment_availability(quantity).as_array().cloned(),
    }]
}

/// The PATCH body that sets a merchant-fulfilled quantity.
pub fn quantity_patch(quantity: i64) -> ListingsItemPatchRequest {
    ListingsItemPatchRequest {
        product_type: PRODUCT_TYPE.into(),
        patches: quantity_patches(quantity),
    }
}

/// A `JSON_LISTINGS_FEED` setting quantities: one PATCH message per item, `messageId` = position
/// + 1 (so the processing report maps back to the items by position).
pub fn quantity_feed(seller_id: &str, items: &[QuantityUpdate]) -> ListingsFeed {
    ListingsFeed {
        header: ListingsFeedHeader {
            seller_id: seller_id.into(),
            version: "2.0".into(),
            issue_locale: Some("en_US".into()),
            report: None,
        },
        messages: items
            .iter()
            .enumerate()
            .map(|(i, item)| ListingsFeedMessage {
                message_id: i as u64 + 1,
                sku: item.sku.clone(),
                operation_type: "PATCH".into(),
                product_type: Some(PRODUCT_TYPE.into()),
                requirements: None,
                attributes: None,
                patches: Some(quantity_patches(item.quantity)),
            })
            .collect(),
    }
}

fn rejection_from_issues<'a>(
    issues: impl Iterator<Item = (&'a str, &'a str)>,
    fallback: &str,
) -> Rejection {
    let mut code = None;
    let mut messages = Vec::new();
    for (c, m) in issues {
        code.get_or_insert_with(|| c.to_string());
        messages.push(m.to_string());
    }
    let message = if messages.is_empty() {
        fallback.to_string()
    } else {
        messages.join("; ")
    };
    Rejection::new(code.unwrap_or_else(|| "INVALID".into()), message)
}

fn errors(issues: &[Issue]) -> impl Iterator<Item = (&str, &str)> {
    issues
        .iter()
        .filter(|i| i.severity == "ERROR")
        .map(|i| (i.code.as_str(), i.message.as_str()))
}

/// Reads a PUT/PATCH answer: `ACCEPTED` (or `VALID`) is a success, anything else a rejection
/// with the first ERROR issue's code and every error message.
pub fn submission_outcome(resp: &ListingsItemSubmissionResponse) -> Result<(), Rejection> {
    match resp.status.as_str() {
        "ACCEPTED" | "VALID" => Ok(()),
        status => {
            let issues = resp.issues.as_deref().unwrap_or_default();
            Err(rejection_from_issues(
                errors(issues),
                &format!("submission {status}"),
            ))
        }
    }
}

/// Where an accepted offer lives; the ASIN is known only once Amazon has processed it.
pub fn accepted_ids(offer: &Offer, resp: &ListingsItemSubmissionResponse) -> ListingIds {
    let asin = resp
        .identifiers
        .iter()
        .flatten()
        .find_map(|i| i.asin.clone())
        .or_else(|| offer.ids.as_ref().and_then(|ids| ids.external_id.clone()));
    ListingIds {
        sku: offer.sku.clone(),
        external_id: asin,
        external_ref: None,
        quantity: None,
        active: true,
    }
}

/// A listing as found on the account: ASIN from the summary of our marketplace, the
/// merchant-fulfilled quantity, and whether buyers can see it.
pub fn listing_ids(item: &Item, marketplace_id: &str) -> ListingIds {
    let summary = item
        .summaries
        .iter()
        .flatten()
        .find(|s| s.marketplace_id == marketplace_id);
    let quantity = item
        .fulfillment_availability
        .iter()
        .flatten()
        .find(|f| f.fulfillment_channel_code == CHANNEL_DEFAULT)
        .and_then(|f| f.quantity);
    ListingIds {
        sku: item.sku.clone(),
        external_id: summary.and_then(|s| s.asin.clone()),
        external_ref: None,
        quantity,
        active: summary.is_some_and(|s| {
            s.status
                .iter()
                .any(|st| st == "BUYABLE" || st == "DISCOVERABLE")
        }),
    }
}

/// Per-item outcomes of a `DONE` feed. `skus` are the feed's SKUs in message order (message
/// `n` is `skus[n - 1]`); an item is accepted unless an ERROR issue names its message (or its
/// SKU when the issue has no message id). Issues about the whole feed (no message id, no SKU)
/// reject every item, retryably: nothing of the feed can be trusted to have been applied.
pub fn report_outcomes(report: &ProcessingReport, skus: &[String]) -> Vec<ItemOutcome<()>> {
    let by_sku: HashMap<&str, usize> = skus
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut issues: Vec<Vec<(&str, &str)>> = vec![Vec::new(); skus.len()];
    let mut feed_level: Vec<(&str, &str)> = Vec::new();
    for issue in report.issues.iter().filter(|i| i.severity == "ERROR") {
        let code = issue.code.as_deref().unwrap_or("ERROR");
        let index = match (issue.message_id, issue.sku.as_deref()) {
            (Some(id), _) if id >= 1 && (id as usize) <= skus.len() => Some(id as usize - 1),
            (_, Some(sku)) => by_sku.get(sku).copied(),
            (None, None) => {
                feed_level.push((code, issue.message.as_str()));
                continue;
            }
            _ => None,
        };
        if let Some(i) = index {
            issues[i].push((code, issue.message.as_str()));
        }
    }
    skus.iter()
        .zip(issues)
        .map(|(sku, found)| {
            let result = if !feed_level.is_empty() {
                Err(rejection_from_issues(feed_level.iter().copied(), "feed error").retryable())
            } else if found.is_empty() {
                Ok(())
            } else {
                Err(rejection_from_issues(found.into_iter(), "invalid message"))
            };
            ItemOutcome {
                sku: sku.clone(),
                result,
            }
        })
        .collect()
}

/// Every item of a feed that ended `FATAL` or `CANCELLED`: refused, worth sending again.
pub fn failed_feed_outcomes(skus: &[String], status: &str) -> Vec<ItemOutcome<()>> {
    skus.iter()
        .map(|sku| ItemOutcome {
            sku: sku.clone(),
            result: Err(Rejection::new(
                status,
                format!("the feed ended {status}; nothing of it can be counted as applied"),
            )
            .retryable()),
        })
        .collect()
}

/// The SKUs a processing report speaks of, when the hub no longer knows the feed's SKUs (after
/// a restart): the listed items and the issues' SKUs, in message order where known.
pub fn report_skus(report: &ProcessingReport) -> Vec<String> {
    let mut skus: Vec<(u64, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for issue in &report.issues {
        if let Some(sku) = &issue.sku
            && seen.insert(sku.clone())
        {
            skus.push((issue.message_id.unwrap_or(u64::MAX), sku.clone()));
        }
    }
    for item in report.items.iter().flatten() {
        if let Some(sku) = item.get("sku").and_then(Value::as_str)
            && seen.insert(sku.to_string())
        {
            skus.push((u64::MAX, sku.to_string()));
        }
    }
    skus.sort_by_key(|(id, _)| *id);
    skus.into_iter().map(|(_, s)| s).collect()
}

/// A request or answer body for the push record, with long arrays cut to their first `keep`
/// entries (a 25,000-message feed would otherwise bloat the record).
pub fn shorten(value: &Value, keep: usize) -> Value {
    match value {
        Value::Array(items) if items.len() > keep => {
            let mut kept: Vec<Value> = items.iter().take(keep).map(|v| shorten(v, keep)).collect();
            kept.push(json!(format!("... {} more", items.len() - keep)));
            Value::Array(kept)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| shorten(v, keep)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), shorten(v, keep)))
                .collect(),
        ),
        other => other.clone(),
    }
}

// ---- Orders (Orders API v2026-01-01) ----

/// The datasets asked for on every order read: what the hub needs for items, prices, taxes,
/// addresses and status (EXPENSE, PACKAGES, PAYMENT and FULFILLMENT_ORDERS are not used).
pub const ORDER_DATA: &str = "BUYER,RECIPIENT,PROCEEDS,PROMOTION,CANCELLATION,FULFILLMENT,TAX";
/// Most orders one `searchOrders` page holds (and the default).
pub const MAX_ORDERS_PER_PAGE: usize = 100;

/// An instant (Unix ms) as the ISO 8601 Amazon takes, with milliseconds.
pub fn iso_from_ms(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An ISO 8601 instant Amazon sent, as Unix ms.
pub fn ms_from_iso(iso: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(iso)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// The query of one `searchOrders` call: orders changed at or after `after_ms` (and at or
/// before `before_ms` when given), in our marketplace, with [`ORDER_DATA`]. A page after the
/// first repeats the same filters with the token, as Amazon requires.
pub fn search_orders_query(
    marketplace_id: &str,
    after_ms: i64,
    before_ms: Option<i64>,
    token: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut query = vec![
        ("marketplaceIds", marketplace_id.to_string()),
        ("lastUpdatedAfter", iso_from_ms(after_ms)),
    ];
    if let Some(before) = before_ms {
        query.push(("lastUpdatedBefore", iso_from_ms(before)));
    }
    query.push(("maxResultsPerPage", MAX_ORDERS_PER_PAGE.to_string()));
    query.push(("includedData", ORDER_DATA.to_string()));
    if let Some(t) = token {
        query.push(("paginationToken", t.to_string()));
    }
    query
}

/// The hub's page token: the window's end chosen on the first page (so later pages repeat it,
/// as Amazon requires) and Amazon's `nextToken`, as `<before ms>~<nextToken>` (the first part
/// empty when no `lastUpdatedBefore` is sent).
pub fn encode_order_page(before_ms: Option<i64>, token: &str) -> String {
    format!(
        "{}~{token}",
        before_ms.map(|b| b.to_string()).unwrap_or_default()
    )
}

/// Reads a token of [`encode_order_page`]; a bare token (no window end) is taken as Amazon's.
pub fn decode_order_page(page: &str) -> (Option<i64>, String) {
    match page.split_once('~') {
        Some(("", token)) => (None, token.to_string()),
        Some((before, token)) => match before.parse::<i64>() {
            Ok(b) => (Some(b), token.to_string()),
            Err(_) => (None, page.to_string()),
        },
        None => (None, page.to_string()),
    }
}

/// Where an Amazon fulfillment status leaves the order for the hub. A status this build does
/// not know keeps the order waiting (`Pending`) rather than sending it to Odoo.
pub fn order_status(fulfillment_status: &str) -> OrderStatus {
    match fulfillment_status {
        "UNSHIPPED" => OrderStatus::Open,
        "PARTIALLY_SHIPPED" | "SHIPPED" => OrderStatus::Shipped,
        "CANCELLED" | "UNFULFILLABLE" => OrderStatus::Cancelled,
        // PENDING, PENDING_AVAILABILITY (pre-orders) and anything new.
        _ => OrderStatus::Pending,
    }
}

fn amount(money: &Money, what: &str) -> Result<f64, String> {
    money
        .amount
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|a| a.is_finite())
        .ok_or_else(|| format!("{what} is not a decimal: {:?}", money.amount))
}

/// Money of one category of `breakdowns`, with the part of it that concerns shipping (from
/// the detailed breakdowns of `TAX` and `DISCOUNT`).
fn category(breakdowns: &[ProceedsBreakdown], kind: &str) -> Result<(f64, f64), String> {
    let mut total = 0.0;
    let mut shipping = 0.0;
    for b in breakdowns.iter().filter(|b| b.kind == kind) {
        total += amount(&b.subtotal, kind)?;
        for d in b.detailed_breakdowns.iter().flatten() {
            if d.subtype.as_deref() == Some("SHIPPING")
                && let Some(v) = &d.value
            {
                shipping += amount(v, kind)?;
            }
        }
    }
    Ok((total, shipping))
}

fn round_amount(x: f64) -> f64 {
    // Sums of decimal strings in f64: back to the cent the strings had.
    (x * 10_000.0).round() / 10_000.0
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A delivery address as the hub keeps it (`addressLine3` joins the second line).
pub fn order_address(a: &CustomerAddress) -> Address {
    let street2 = match (non_empty(&a.address_line2), non_empty(&a.address_line3)) {
        (Some(l2), Some(l3)) => Some(format!("{l2}, {l3}")),
        (l2, l3) => l2.or(l3),
    };
    Address {
        name: non_empty(&a.name),
        company: non_empty(&a.company_name),
        street: non_empty(&a.address_line1),
        street2,
        city: non_empty(&a.city),
        state: non_empty(&a.state_or_region),
        zip: non_empty(&a.postal_code),
        country_code: non_empty(&a.country_code),
        phone: non_empty(&a.phone),
        email: None,
    }
}

/// One order of a `searchOrders` or `getOrder` answer as the hub keeps it. Amounts come from
/// the proceeds: a line's `ITEM` is its price × quantity, `DISCOUNT` is negative, `TAX` and
/// `DISCOUNT` say in their detailed breakdowns which part concerns shipping; the total is
/// `grandTotal` (0 when Amazon withholds the proceeds).
pub fn read_order(raw: &Value) -> Result<MarketOrder, UnreadableOrder> {
    let unreadable = |reason: String| UnreadableOrder {
        external_id: raw
            .get("orderId")
            .and_then(Value::as_str)
            .map(str::to_string),
        reason,
        raw: raw.clone(),
    };
    let order: Order = serde_json::from_value(raw.clone())
        .map_err(|e| unreadable(format!("not an Order: {e}")))?;
    map_order(&order, raw).map_err(unreadable)
}

fn map_order(order: &Order, raw: &Value) -> Result<MarketOrder, String> {
    let status = order
        .fulfillment
        .as_ref()
        .map(|f| f.fulfillment_status.clone())
        .ok_or("no fulfillment status (FULFILLMENT was asked for)")?;
    let created_at = ms_from_iso(&order.created_time)
        .ok_or_else(|| format!("createdTime is not ISO 8601: {}", order.created_time))?;
    let updated_at = ms_from_iso(&order.last_updated_time).ok_or_else(|| {
        format!(
            "lastUpdatedTime is not ISO 8601: {}",
            order.last_updated_time
        )
    })?;

    let mut currency: Option<String> = None;
    let mut lines = Vec::with_capacity(order.order_items.len());
    let (mut shipping, mut shipping_tax, mut items_tax) = (0.0, 0.0, 0.0);
    for item in &order.order_items {
        let unit = item
            .product
            .price
            .as_ref()
            .and_then(|p| p.unit_price.as_ref());
        let unit_price = match unit {
            Some(m) => {
                currency.get_or_insert_with(|| m.currency_code.clone());
                amount(m, "unitPrice")?
            }
            None => 0.0,
        };
        let empty = Vec::new();
        let breakdowns = item
            .proceeds
            .as_ref()
            .and_then(|p| p.breakdowns.as_ref())
            .unwrap_or(&empty);
        if let Some(b) = breakdowns.first() {
            currency.get_or_insert_with(|| b.subtotal.currency_code.clone());
        }
        let (tax, tax_on_shipping) = category(breakdowns, "TAX")?;
        let (discount, discount_on_shipping) = category(breakdowns, "DISCOUNT")?;
        let (item_shipping, _) = category(breakdowns, "SHIPPING")?;
        shipping += item_shipping - discount_on_shipping.abs();
        shipping_tax += tax_on_shipping;
        items_tax += tax;
        lines.push(MarketOrderLine {
            external_id: item.order_item_id.clone(),
            sku: non_empty(&item.product.seller_sku),
            title: item.product.title.clone().unwrap_or_default(),
            quantity: item.quantity_ordered as f64,
            unit_price,
            discount: round_amount(discount.abs() - discount_on_shipping.abs()),
            tax: round_amount(tax - tax_on_shipping),
        });
    }

    let proceeds = order.proceeds.as_ref();
    let grand_total = proceeds.and_then(|p| p.grand_total.as_ref());
    if let Some(g) = grand_total {
        currency = Some(g.currency_code.clone());
    }
    let total = grand_total
        .map(|g| amount(g, "grandTotal"))
        .transpose()?
        .unwrap_or(0.0);
    let order_breakdowns = proceeds.and_then(|p| p.breakdowns.as_deref());
    // The order's own TAX category when Amazon states it; the items' otherwise.
    let tax_total = match order_breakdowns {
        Some(b) if b.iter().any(|b| b.kind == "TAX") => category(b, "TAX")?.0,
        _ => items_tax,
    };
    let currency = currency.ok_or("no amount says the currency")?;

    Ok(MarketOrder {
        external_id: order.order_id.clone(),
        reference: None,
        status: order_status(&status),
        external_status: status,
        created_at,
        updated_at,
        currency,
        buyer: order
            .buyer
            .as_ref()
            .map(|b| Buyer {
                external_id: None,
                name: non_empty(&b.buyer_name),
                email: non_empty(&b.buyer_email),
                phone: None,
            })
            .unwrap_or_default(),
        shipping_address: order
            .recipient
            .as_ref()
            .and_then(|r| r.delivery_address.as_ref())
            .map(order_address),
        // Amazon gives sellers no billing address.
        billing_address: None,
        lines,
        shipping: round_amount(shipping),
        shipping_tax: round_amount(shipping_tax),
        // Promotions are on the items.
        discount: 0.0,
        tax_total: round_amount(tax_total),
        total,
        prices_include_tax: None,
        raw: raw.clone(),
    })
}

/// A `searchOrders` answer read into a page: each order read on its own (one that does not
/// read goes to `unreadable`), `next_page` carrying the window's end `before_ms`. An answer that
/// is not a `SearchOrdersResponse` is an error.
pub fn orders_page(body: Value, before_ms: Option<i64>) -> Result<OrderPage, String> {
    let resp: SearchOrdersResponse =
        serde_json::from_value(body).map_err(|e| format!("searchOrders answer: {e}"))?;
    let mut page = OrderPage {
        orders: Vec::with_capacity(resp.orders.len()),
        unreadable: Vec::new(),
        next_page: resp
            .pagination
            .and_then(|p| p.next_token)
            .filter(|t| !t.is_empty())
            .map(|t| encode_order_page(before_ms, &t)),
        complete_until: resp
            .last_updated_before
            .as_deref()
            .and_then(ms_from_iso)
            .or(before_ms),
    };
    for raw in &resp.orders {
        match read_order(raw) {
            Ok(order) => page.orders.push(order),
            Err(bad) => page.unreadable.push(bad),
        }
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketplaces::amazon::model::{
        ItemSummaryByMarketplace, ProcessingReportHeader, ReportIssue, ReportSummary,
    };

    fn market() -> Market {
        Market {
            marketplace_id: "ATVPDKIKX0DER".into(),
            currency: "USD".into(),
            language_tag: "en_US".into(),
        }
    }

    fn offer() -> Offer {
        Offer {
            sku: "SKU-1".into(),
            title: "Blue mug".into(),
            description: "A mug".into(),
            price: 19.989,
            barcode: Some("4006381333931".into()),
            quantity: 7,
            attributes: vec![("Color Name".into(), "Blue".into())],
            ids: None,
        }
    }

    #[test]
    fn barcodes_and_attribute_names() {
        assert_eq!(barcode_type("012345678905"), "upc");
        assert_eq!(barcode_type("4006381333931"), "ean");
        assert_eq!(barcode_type("96385074"), "ean");
        assert_eq!(barcode_type("10012345678902"), "gtin");
        assert_eq!(attribute_name("Color Name"), "color_name");
        assert_eq!(attribute_name(" Size (EU) "), "size_eu");
        assert_eq!(attribute_name("--"), "");
    }

    #[test]
    fn an_offer_with_a_barcode_is_a_full_listing() {
        let req = offer_put_request(&offer(), &market());
        assert_eq!(req.product_type, "PRODUCT");
        assert_eq!(req.requirements.as_deref(), Some("LISTING"));
        let a = &req.attributes;
        assert_eq!(a["item_name"][0]["value"], "Blue mug");
        assert_eq!(a["item_name"][0]["language_tag"], "en_US");
        assert_eq!(a["product_description"][0]["value"], "A mug");
        assert_eq!(
            a["externally_assigned_product_identifier"][0]["type"],
            "ean"
        );
        assert_eq!(a["color_name"][0]["value"], "Blue");
        assert_eq!(
            a["purchasable_offer"][0]["our_price"][0]["schedule"][0]["value_with_tax"],
            19.99
        );
        assert_eq!(a["purchasable_offer"][0]["currency"], "USD");
        assert_eq!(a["fulfillment_availability"][0]["quantity"], 7);
        assert_eq!(
            a["fulfillment_availability"][0]["fulfillment_channel_code"],
            "DEFAULT"
        );
    }

    #[test]
    fn a_known_asin_without_barcode_gets_an_offer_only() {
        let mut o = offer();
        o.barcode = None;
        o.ids = Some(ListingIds {
            sku: "SKU-1".into(),
            external_id: Some("B000000001".into()),
            ..Default::default()
        });
        let req = offer_put_request(&o, &market());
        assert_eq!(req.requirements.as_deref(), Some("LISTING_OFFER_ONLY"));
        assert_eq!(
            req.attributes["merchant_suggested_asin"][0]["value"],
            "B000000001"
        );
        assert!(!req.attributes.contains_key("item_name"));
        assert!(req.attributes.contains_key("purchasable_offer"));
        assert_eq!(req.attributes["condition_type"][0]["value"], "new_new");
    }

    #[test]
    fn quantity_patch_and_feed_shapes() {
        let patch = serde_json::to_value(quantity_patch(3)).unwrap();
        assert_eq!(
            patch,
            json!({"productType": "PRODUCT", "patches": [{"op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}]}]})
        );
        let items: Vec<QuantityUpdate> = (0..3)
            .map(|i| QuantityUpdate {
                sku: format!("S{i}"),
                quantity: i,
                ids: ListingIds::default(),
                previous: None,
            })
            .collect();
        let feed = serde_json::to_value(quantity_feed("SELLER", &items)).unwrap();
        assert_eq!(feed["header"]["sellerId"], "SELLER");
        assert_eq!(feed["header"]["version"], "2.0");
        assert_eq!(feed["messages"][2]["messageId"], 3);
        assert_eq!(feed["messages"][2]["sku"], "S2");
        assert_eq!(feed["messages"][2]["operationType"], "PATCH");
        assert_eq!(feed["messages"][2]["patches"][0]["value"][0]["quantity"], 2);
        assert!(feed["messages"][0].get("attributes").is_none());
    }

    fn issue(code: &str, severity: &str) -> Issue {
        Issue {
            code: code.into(),
            message: format!("issue {code}"),
            severity: severity.into(),
            attribute_names: None,
            categories: vec![],
            enforcements: None,
        }
    }

    #[test]
    fn submissions_are_read_per_item() {
        let mut resp = ListingsItemSubmissionResponse {
            sku: "S".into(),
            status: "ACCEPTED".into(),
            submission_id: "x".into(),
            issues: Some(vec![issue("99", "WARNING")]),
            identifiers: None,
        };
        assert_eq!(submission_outcome(&resp), Ok(()));
        resp.status = "INVALID".into();
        resp.issues = Some(vec![
            issue("99", "WARNING"),
            issue("90220", "ERROR"),
            issue("18742", "ERROR"),
        ]);
        let r = submission_outcome(&resp).unwrap_err();
        assert_eq!(r.code, "90220");
        assert_eq!(r.message, "issue 90220; issue 18742");
        assert!(!r.retryable);
        resp.issues = None;
        assert_eq!(submission_outcome(&resp).unwrap_err().code, "INVALID");
    }

    #[test]
    fn listings_are_read_for_our_marketplace() {
        let item: Item = serde_json::from_value(json!({
            "sku": "S",
            "summaries": [
                {"marketplaceId": "OTHER", "asin": "B0OTHER", "productType": "P", "status": [],
                 "createdDate": "2026-01-01T00:00:00Z", "lastUpdatedDate": "2026-01-01T00:00:00Z"},
                {"marketplaceId": "ATVPDKIKX0DER", "asin": "B0MINE", "productType": "P",
                 "status": ["DISCOVERABLE"], "createdDate": "2026-01-01T00:00:00Z",
                 "lastUpdatedDate": "2026-01-01T00:00:00Z"}],
            "fulfillmentAvailability": [{"fulfillmentChannelCode": "AMAZON_NA"},
                {"fulfillmentChannelCode": "DEFAULT", "quantity": 4}]
        }))
        .unwrap();
        let ids = listing_ids(&item, "ATVPDKIKX0DER");
        assert_eq!(ids.external_id.as_deref(), Some("B0MINE"));
        assert_eq!(ids.quantity, Some(4));
        assert!(ids.active);
        let mut hidden = item.clone();
        hidden.summaries = Some(vec![ItemSummaryByMarketplace {
            status: vec![],
            ..item.summaries.as_ref().unwrap()[1].clone()
        }]);
        assert!(!listing_ids(&hidden, "ATVPDKIKX0DER").active);
    }

    fn report(issues: Vec<ReportIssue>) -> ProcessingReport {
        ProcessingReport {
            header: ProcessingReportHeader {
                seller_id: "S".into(),
                version: "2.0".into(),
                feed_id: "1".into(),
                report: None,
            },
            issues,
            summary: ReportSummary::default(),
            items: None,
        }
    }

    fn report_issue(id: Option<u64>, sku: Option<&str>, severity: &str) -> ReportIssue {
        ReportIssue {
            message_id: id,
            sku: sku.map(str::to_string),
            code: Some("90000900".into()),
            severity: severity.into(),
            message: "bad".into(),
            attribute_name: None,
        }
    }

    #[test]
    fn report_issues_map_to_items_by_message_id_or_sku() {
        let skus: Vec<String> = ["A", "B", "C", "D"].iter().map(|s| s.to_string()).collect();
        let r = report(vec![
            report_issue(Some(2), Some("B"), "ERROR"),
            report_issue(None, Some("D"), "ERROR"),
            report_issue(Some(3), Some("C"), "WARNING"),
            report_issue(Some(99), None, "ERROR"),
        ]);
        let out = report_outcomes(&r, &skus);
        let results: Vec<bool> = out.iter().map(|o| o.result.is_ok()).collect();
        assert_eq!(results, vec![true, false, true, false]);
        assert_eq!(out[1].result.as_ref().unwrap_err().code, "90000900");

        let fatal = report(vec![report_issue(None, None, "ERROR")]);
        let out = report_outcomes(&fatal, &skus);
        assert!(
            out.iter()
                .all(|o| o.result.as_ref().is_err_and(|r| r.retryable))
        );
        let out = failed_feed_outcomes(&skus, "CANCELLED");
        assert_eq!(out.len(), 4);
        assert!(out.iter().all(|o| {
            o.result
                .as_ref()
                .is_err_and(|r| r.retryable && r.code == "CANCELLED")
        }));
    }

    #[test]
    fn report_skus_come_from_issues_and_items() {
        let mut r = report(vec![report_issue(Some(5), Some("E"), "ERROR")]);
        r.items = Some(vec![json!({"sku": "A"}), json!({"sku": "E"})]);
        assert_eq!(report_skus(&r), vec!["E".to_string(), "A".to_string()]);
    }

    #[test]
    fn shorten_cuts_long_arrays() {
        let v = json!({"messages": [1, 2, 3, 4], "x": [[1, 2, 3]]});
        assert_eq!(
            shorten(&v, 2),
            json!({"messages": [1, 2, "... 2 more"], "x": [[1, 2, "... 1 more"]]})
        );
    }

    // ---- Orders ----

    fn money_json(amount: &str) -> Value {
        json!({"amount": amount, "currencyCode": "USD"})
    }

    fn wire_order(status: &str) -> Value {
        json!({
            "orderId": "113-1234567-7654321",
            "createdTime": "2026-11-27T10:00:00Z",
            "lastUpdatedTime": "2026-11-27T10:05:00.250Z",
            "salesChannel": {"channelName": "AMAZON", "marketplaceId": "ATVPDKIKX0DER"},
            "buyer": {"buyerName": "Ann Buyer", "buyerEmail": "x1@marketplace.amazon.com"},
            "recipient": {"deliveryAddress": {"name": "Ann Buyer", "addressLine1": "1 Main St",
                "addressLine2": "Apt 2", "addressLine3": "Back door", "city": "Seattle",
                "stateOrRegion": "WA", "postalCode": "98101", "countryCode": "US",
                "phone": "555-0100"}},
            "proceeds": {"grandTotal": money_json("41.64"), "breakdowns": [
                {"type": "ITEM", "subtotal": money_json("34.97")},
                {"type": "SHIPPING", "subtotal": money_json("4.50")},
                {"type": "DISCOUNT", "subtotal": money_json("-1.00")},
                {"type": "TAX", "subtotal": money_json("3.17")}]},
            "fulfillment": {"fulfillmentStatus": status, "fulfilledBy": "MERCHANT"},
            "orderItems": [
                {"orderItemId": "40000000000001", "quantityOrdered": 3,
                 "product": {"sellerSku": "A", "title": "Mug", "price": {"unitPrice": money_json("9.99")}},
                 "proceeds": {"proceedsTotal": money_json("36.23"), "breakdowns": [
                    {"type": "ITEM", "subtotal": money_json("29.97")},
                    {"type": "SHIPPING", "subtotal": money_json("4.50")},
                    {"type": "DISCOUNT", "subtotal": money_json("-1.00"),
                     "detailedBreakdowns": [{"subtype": "ITEM", "value": money_json("-1.00")}]},
                    {"type": "TAX", "subtotal": money_json("2.76"), "detailedBreakdowns": [
                        {"subtype": "ITEM", "value": money_json("2.39")},
                        {"subtype": "SHIPPING", "value": money_json("0.37")}]}]}},
                {"orderItemId": "40000000000002", "quantityOrdered": 1,
                 "product": {"sellerSku": "B", "title": "Cup", "price": {"unitPrice": money_json("5.00")}},
                 "proceeds": {"proceedsTotal": money_json("5.41"), "breakdowns": [
                    {"type": "ITEM", "subtotal": money_json("5.00")},
                    {"type": "TAX", "subtotal": money_json("0.41")}]}}
            ]
        })
    }

    #[test]
    fn statuses_map_to_the_hubs() {
        for (amazon, hub) in [
            ("PENDING_AVAILABILITY", OrderStatus::Pending),
            ("PENDING", OrderStatus::Pending),
            ("UNSHIPPED", OrderStatus::Open),
            ("PARTIALLY_SHIPPED", OrderStatus::Shipped),
            ("SHIPPED", OrderStatus::Shipped),
            ("CANCELLED", OrderStatus::Cancelled),
            ("UNFULFILLABLE", OrderStatus::Cancelled),
            ("SOMETHING_NEW", OrderStatus::Pending),
        ] {
            assert_eq!(order_status(amazon), hub, "{amazon}");
        }
    }

    #[test]
    fn an_order_is_read_as_amazon_states_it() {
        let raw = wire_order("UNSHIPPED");
        let order = read_order(&raw).unwrap();
        assert_eq!(order.external_id, "113-1234567-7654321");
        assert_eq!(order.status, OrderStatus::Open);
        assert_eq!(order.external_status, "UNSHIPPED");
        assert_eq!(order.created_at, 1_795_773_600_000);
        assert_eq!(order.updated_at, 1_795_773_900_250);
        assert_eq!(order.currency, "USD");
        assert_eq!(order.total, 41.64);
        assert_eq!(order.tax_total, 3.17);
        assert_eq!(order.shipping, 4.5);
        assert_eq!(order.shipping_tax, 0.37);
        assert_eq!(order.discount, 0.0);
        assert_eq!(order.lines.len(), 2);
        let a = &order.lines[0];
        assert_eq!(
            (
                a.sku.as_deref(),
                a.quantity,
                a.unit_price,
                a.discount,
                a.tax
            ),
            (Some("A"), 3.0, 9.99, 1.0, 2.39)
        );
        assert_eq!(order.lines[1].tax, 0.41);
        assert_eq!(order.buyer.name.as_deref(), Some("Ann Buyer"));
        let address = order.shipping_address.as_ref().unwrap();
        assert_eq!(address.street2.as_deref(), Some("Apt 2, Back door"));
        assert_eq!(address.state.as_deref(), Some("WA"));
        assert_eq!(address.phone.as_deref(), Some("555-0100"));
        assert_eq!(order.billing_address, None);
        assert_eq!(order.raw, raw);
    }

    #[test]
    fn bad_orders_are_unreadable_with_their_id() {
        let mut no_status = wire_order("UNSHIPPED");
        no_status.as_object_mut().unwrap().remove("fulfillment");
        let bad = read_order(&no_status).unwrap_err();
        assert_eq!(bad.external_id.as_deref(), Some("113-1234567-7654321"));
        assert!(bad.reason.contains("fulfillment"), "{}", bad.reason);
        let mut bad_amount = wire_order("SHIPPED");
        bad_amount["proceeds"]["grandTotal"]["amount"] = json!("12,50");
        assert!(
            read_order(&bad_amount)
                .unwrap_err()
                .reason
                .contains("grandTotal")
        );
        let mut bad_time = wire_order("SHIPPED");
        bad_time["lastUpdatedTime"] = json!("yesterday");
        assert!(read_order(&bad_time).is_err());
        let no_id = read_order(&json!({"orderItems": 3})).unwrap_err();
        assert_eq!(no_id.external_id, None);
    }

    #[test]
    fn a_page_keeps_good_orders_and_reports_bad_ones() {
        let mut broken = wire_order("PENDING");
        broken["orderItems"] = json!("none");
        let body = json!({
            "orders": [wire_order("SHIPPED"), broken, wire_order("CANCELLED")],
            "pagination": {"nextToken": "abc"},
            "lastUpdatedBefore": "2026-11-27T11:00:00Z",
        });
        let page = orders_page(body, Some(5)).unwrap();
        assert_eq!(page.orders.len(), 2);
        assert_eq!(page.orders[1].status, OrderStatus::Cancelled);
        assert_eq!(page.unreadable.len(), 1);
        assert_eq!(page.next_page.as_deref(), Some("5~abc"));
        assert_eq!(page.complete_until, Some(1_795_777_200_000));
        let last = orders_page(json!({"orders": []}), None).unwrap();
        assert_eq!((last.next_page, last.complete_until), (None, None));
        assert!(orders_page(json!({"payload": {"orders": []}}), None).is_err());
        assert!(orders_page(json!([1, 2]), None).is_err());
    }

    #[test]
    fn page_tokens_and_queries() {
        assert_eq!(
            decode_order_page(&encode_order_page(Some(17), "t~x")),
            (Some(17), "t~x".into())
        );
        assert_eq!(
            decode_order_page(&encode_order_page(None, "tok")),
            (None, "tok".into())
        );
        assert_eq!(decode_order_page("bare"), (None, "bare".into()));
        assert_eq!(iso_from_ms(1_795_773_900_250), "2026-11-27T10:05:00.250Z");
        assert_eq!(
            ms_from_iso("2026-11-27T10:05:00.250Z"),
            Some(1_795_773_900_250)
        );
        let q = search_orders_query("ATVPDKIKX0DER", 0, Some(1000), Some("tok"));
        let names: Vec<&str> = q.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            [
                "marketplaceIds",
                "lastUpdatedAfter",
                "lastUpdatedBefore",
                "maxResultsPerPage",
                "includedData",
                "paginationToken"
            ]
        );
        assert_eq!(q[1].1, "1970-01-01T00:00:00.000Z");
        assert!(
            search_orders_query("M", 0, None, None)
                .iter()
                .all(|(k, _)| *k != "lastUpdatedBefore")
        );
    }
}
