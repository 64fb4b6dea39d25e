//! Pure conversions between the hub's types and eBay's wire types, and the reading of eBay's
//! per-item answers. No I/O here, so every rule is unit tested.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::model::{
    Amount, Availability, BulkPriceQuantityResponse, ErrorDetail, FIXED_PRICE,
    InventoryItemResponse, InventoryItemWithSkuLocale, ListingPolicies, OfferDetails,
    OfferPriceQuantity, PUBLISHED, PriceQuantity, PricingSummary, Product,
    ShipToLocationAvailability, codes,
};
use super::model::{ExtendedContact, LineItem, Order};
use crate::marketplaces::{
    Address, Buyer, ItemOutcome, ListingIds, MarketOrder, MarketOrderLine, Offer, OrderStatus,
    QuantityUpdate, Rejection, UnreadableOrder,
};

/// eBay's longest SKU.
pub const MAX_SKU_LEN: usize = 50;
/// eBay's longest listing title.
pub const MAX_TITLE_LEN: usize = 80;
/// Local rejection code of a quantity update without an offerId (the SKU was never linked).
pub const NO_OFFER_ID: &str = "NO_OFFER_ID";
/// Local rejection code of an item eBay's answer says nothing about.
pub const NO_ANSWER: &str = "NO_ANSWER";
/// Local rejection code of a SKU eBay cannot take (longer than 50 characters).
pub const BAD_SKU: &str = "25707";

/// The account's listing settings every offer gets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListingDefaults {
    pub marketplace_id: String,
    /// `Content-Language` (`en-US`); the item `locale` is the same with an underscore.
    pub content_language: String,
    pub currency: String,
    pub condition: String,
    pub merchant_location_key: Option<String>,
    pub category_id: Option<String>,
    pub fulfillment_policy_id: Option<String>,
    pub payment_policy_id: Option<String>,
    pub return_policy_id: Option<String>,
}

/// A price as eBay's decimal string (two decimals; eBay refuses floats).
pub fn price_string(price: f64) -> String {
    if price.is_finite() && price > 0.0 {
        format!("{price:.2}")
    } else {
        "0.00".to_string()
    }
}

/// eBay has no negative stock: an oversold SKU is shown as sold out.
pub fn quantity(q: i64) -> i64 {
    q.clamp(0, i64::from(i32::MAX))
}

/// A title cut to eBay's 80 characters (on a character boundary).
pub fn title(t: &str) -> String {
    t.trim().chars().take(MAX_TITLE_LEN).collect()
}

/// Whether eBay can take the SKU at all.
pub fn sku_fits(sku: &str) -> bool {
    !sku.is_empty() && sku.chars().count() <= MAX_SKU_LEN
}

/// `en-US` -> `en_US`, the `locale` spelling of inventory items.
pub fn locale(content_language: &str) -> String {
    content_language.replace('-', "_")
}

/// A barcode in the product identifier eBay expects: 12 digits are a UPC, 8, 13 or 14 an EAN
/// (GTIN); anything else is not sent.
pub fn barcode_fields(barcode: Option<&str>) -> (Vec<String>, Vec<String>) {
    let Some(code) = barcode.map(str::trim).filter(|c| !c.is_empty()) else {
        return (Vec::new(), Vec::new());
    };
    if !code.chars().all(|c| c.is_ascii_digit()) {
        return (Vec::new(), Vec::new());
    }
    match code.len() {
        12 => (Vec::new(), vec![code.to_string()]),
        8 | 13 | 14 => (vec![code.to_string()], Vec::new()),
        _ => (Vec::new(), Vec::new()),
    }
}

/// The inventory item (product data and total quantity) of an offer.
pub fn inventory_item(offer: &Offer, d: &ListingDefaults) -> InventoryItemWithSkuLocale {
    let (ean, upc) = barcode_fields(offer.barcode.as_deref());
    let mut aspects: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &offer.attributes {
        let values = aspects.entry(name.clone()).or_default();
        if !values.contains(value) {
            values.push(value.clone());
        }
    }
    InventoryItemWithSkuLocale {
        sku: offer.sku.clone(),
        locale: Some(locale(&d.content_language)),
        condition: Some(d.condition.clone()),
        product: Some(Product {
            title: Some(title(&offer.title)),
            description: Some(offer.description.clone()),
            aspects,
            ean,
            upc,
            image_urls: Vec::new(),
        }),
        availability: Some(Availability {
            ship_to_location_availability: Some(ShipToLocationAvailability {
                quantity: Some(quantity(offer.quantity)),
            }),
        }),
    }
}

/// The offer body: with keys (`sku`, `marketplaceId`, `format`) for createOffer, without them
/// for updateOffer.
pub fn offer_details(offer: &Offer, d: &ListingDefaults, with_keys: bool) -> OfferDetails {
    let policies = ListingPolicies {
        fulfillment_policy_id: d.fulfillment_policy_id.clone(),
        payment_policy_id: d.payment_policy_id.clone(),
        return_policy_id: d.return_policy_id.clone(),
    };
    let has_policies = policies != ListingPolicies::default();
    OfferDetails {
        offer_id: None,
        sku: with_keys.then(|| offer.sku.clone()),
        marketplace_id: with_keys.then(|| d.marketplace_id.clone()),
        format: with_keys.then(|| FIXED_PRICE.to_string()),
        available_quantity: Some(quantity(offer.quantity)),
        category_id: d.category_id.clone(),
        listing_description: Some(offer.description.clone()).filter(|s| !s.is_empty()),
        listing_policies: has_policies.then_some(policies),
        merchant_location_key: d.merchant_location_key.clone(),
        pricing_summary: Some(PricingSummary {
            price: Some(Amount {
                value: price_string(offer.price),
                currency: d.currency.clone(),
            }),
        }),
        status: None,
        listing: None,
    }
}

/// The `bulkUpdatePriceQuantity` requests for `items`, and the items refused before sending
/// (no offerId, SKU eBay cannot hold). Several updates of one SKU are coalesced, the last wins.
pub fn price_quantity_requests(
    items: &[QuantityUpdate],
) -> (Vec<PriceQuantity>, Vec<ItemOutcome<()>>) {
    let mut requests: Vec<PriceQuantity> = Vec::new();
    let mut refused = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for item in items {
        if !sku_fits(&item.sku) {
            refused.push(ItemOutcome {
                sku: item.sku.clone(),
                result: Err(Rejection::new(
                    BAD_SKU,
                    "an eBay SKU has 1 to 50 characters",
                )),
            });
            continue;
        }
        let Some(offer_id) = item.ids.external_id.clone().filter(|s| !s.is_empty()) else {
            refused.push(ItemOutcome {
                sku: item.sku.clone(),
                result: Err(Rejection::new(
                    NO_OFFER_ID,
                    "the SKU has no eBay offerId yet: create or link the offer first",
                )),
            });
            continue;
        };
        let q = quantity(item.quantity);
        let request = PriceQuantity {
            sku: item.sku.clone(),
            ship_to_location_availability: Some(ShipToLocationAvailability { quantity: Some(q) }),
            offers: vec![OfferPriceQuantity {
                offer_id,
                available_quantity: Some(q),
                price: None,
            }],
        };
        match at.get(item.sku.as_str()) {
            Some(&i) => requests[i] = request,
            None => {
                at.insert(item.sku.as_str(), requests.len());
                requests.push(request);
            }
        }
    }
    (requests, refused)
}

/// A refusal from eBay's errors: the first error's id, its message, and whether the same item
/// may go through later (concurrent access, system error, throttling).
pub fn rejection(status: u16, errors: &[ErrorDetail]) -> Rejection {
    let Some(first) = errors.first() else {
        let r = Rejection::new(status.to_string(), format!("HTTP {status} without errors"));
        return if status == 429 || status >= 500 {
            r.retryable()
        } else {
            r
        };
    };
    let message = match &first.long_message {
        Some(long) if !long.is_empty() && long != &first.message => {
            format!("{} {long}", first.message)
        }
        _ => first.message.clone(),
    };
    let r = Rejection::new(first.error_id.to_string(), message);
    let retryable = matches!(
        first.error_id,
        codes::CONCURRENT_ACCESS | codes::SYSTEM_ERROR | codes::TOO_MANY_REQUESTS
    ) || status == 429
        || status >= 500;
    if retryable { r.retryable() } else { r }
}

/// The per-item outcomes of a `bulkUpdatePriceQuantity` answer. eBay answers per offer (and
/// per SKU); a SKU succeeds when all its answers are 200. A SKU the answer leaves out is a
/// retryable refusal: eBay said nothing about it.
pub fn price_quantity_outcomes(
    sent: &[PriceQuantity],
    answer: &BulkPriceQuantityResponse,
) -> Vec<ItemOutcome<()>> {
    sent.iter()
        .map(|request| {
            let mine: Vec<_> = answer
                .responses
                .iter()
                .filter(|r| r.sku == request.sku)
                .collect();
            let result = if mine.is_empty() {
                Err(Rejection::new(NO_ANSWER, "eBay's answer does not mention the SKU").retryable())
            } else if let Some(bad) = mine.iter().find(|r| r.status_code != 200) {
                Err(rejection(bad.status_code, &bad.errors))
            } else {
                Ok(())
            };
            ItemOutcome {
                sku: request.sku.clone(),
                result,
            }
        })
        .collect()
}

/// Which SKUs of a `bulkCreateOrReplaceInventoryItem` answer were accepted (200, 201, 204);
/// the others come back as refusals. SKUs the answer leaves out are retryable refusals.
pub fn inventory_outcomes(
    sent: &[InventoryItemWithSkuLocale],
    answer: &[InventoryItemResponse],
) -> Vec<ItemOutcome<()>> {
    sent.iter()
        .map(|item| {
            let result = match answer.iter().find(|r| r.sku == item.sku) {
                None => Err(
                    Rejection::new(NO_ANSWER, "eBay's answer does not mention the SKU").retryable(),
                ),
                Some(r) if (200..300).contains(&r.status_code) => Ok(()),
                Some(r) => Err(rejection(r.status_code, &r.errors)),
            };
            ItemOutcome {
                sku: item.sku.clone(),
                result,
            }
        })
        .collect()
}

/// The offerId of the offer that already exists, from createOffer's 25002 "Offer entity already
/// exists" answer (eBay puts it in `parameters`).
pub fn existing_offer_id(errors: &[ErrorDetail]) -> Option<String> {
    errors
        .iter()
        .filter(|e| e.error_id == codes::USER_ERROR)
        .flat_map(|e| e.parameters.iter())
        .find(|p| p.name == "offerId" && !p.value.is_empty())
        .map(|p| p.value.clone())
}

/// The hub's view of an offer read back from getOffers.
pub fn listing_ids(offer: &OfferDetails, fallback_sku: &str) -> ListingIds {
    ListingIds {
        sku: offer
            .sku
            .clone()
            .unwrap_or_else(|| fallback_sku.to_string()),
        external_id: offer.offer_id.clone(),
        external_ref: offer.listing.as_ref().and_then(|l| l.listing_id.clone()),
        quantity: offer.available_quantity,
        active: offer.status.as_deref() == Some(PUBLISHED),
    }
}

/// The offer of `sku` the hub manages among those getOffers returns: fixed price on the
/// account's marketplace (auction offers of the same SKU are left alone).
pub fn pick_offer<'a>(
    offers: &'a [OfferDetails],
    sku: &str,
    marketplace_id: &str,
) -> Option<&'a OfferDetails> {
    offers.iter().find(|o| {
        o.sku.as_deref().is_none_or(|s| s == sku)
            && o.format.as_deref().is_none_or(|f| f == FIXED_PRICE)
            && o.marketplace_id
                .as_deref()
                .is_none_or(|m| m == marketplace_id)
    })
}

/// A copy of `value` whose arrays keep at most `max` elements (records of big batches).
pub fn shorten(value: &Value, max: usize) -> Value {
    match value {
        Value::Array(items) => {
            let mut kept: Vec<Value> = items.iter().take(max).map(|v| shorten(v, max)).collect();
            if items.len() > max {
                kept.push(Value::String(format!("... {} more", items.len() - max)));
            }
            Value::Array(kept)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), shorten(v, max)))
                .collect(),
        ),
        other => other.clone(),
    }
}

// ---- orders (Fulfillment API) ---------------------------------------------------------------

/// Where an order stands, from eBay's three words:
/// * `cancelStatus.cancelState` `CANCELED`, or payment `FULLY_REFUNDED` (nothing left to ship
///   for) -> Cancelled;
/// * fulfillment `FULFILLED` -> Shipped;
/// * payment `PAID` or `PARTIALLY_REFUNDED` with fulfillment `NOT_STARTED` or `IN_PROGRESS` ->
///   Open (`IN_PROGRESS` still has lines to ship, so Odoo must have it);
/// * anything else (`PENDING`, `FAILED`, a missing word) -> Pending: eBay says "ship only when
///   PAID", and a failed payment may still be retried by the buyer.
pub fn order_status(payment: &str, fulfillment: &str, cancel_state: &str) -> OrderStatus {
    use super::model::order_states as s;
    if cancel_state == s::CANCELED {
        return OrderStatus::Cancelled;
    }
    if fulfillment == s::FULFILLED {
        return OrderStatus::Shipped;
    }
    match payment {
        s::FULLY_REFUNDED => OrderStatus::Cancelled,
        s::PAID | s::PARTIALLY_REFUNDED => OrderStatus::Open,
        _ => OrderStatus::Pending,
    }
}

/// The vendor's words kept in [`MarketOrder::external_status`]: `PAID/NOT_STARTED`, with the
/// cancel state appended when a cancellation was asked for (`PAID/NOT_STARTED/CANCELED`).
pub fn external_status(payment: &str, fulfillment: &str, cancel_state: &str) -> String {
    let mut s = format!("{payment}/{fulfillment}");
    if !cancel_state.is_empty() && cancel_state != super::model::order_states::NONE_REQUESTED {
        s.push('/');
        s.push_str(cancel_state);
    }
    s
}

/// An ISO 8601 timestamp (`2026-11-27T10:00:00.000Z`) as Unix milliseconds.
pub fn timestamp_ms(text: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("bad timestamp {text:?}: {e}"))
}

/// Unix milliseconds as eBay writes dates in filters (`2026-11-27T10:00:00.000Z`).
pub fn iso_ms(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The `filter` of getOrders for orders changed at or after `updated_after_ms`. Only
/// `lastmodifieddate` is sent: with `creationdate` as well, eBay would use creationdate alone
/// and miss orders created earlier but changed since.
pub fn orders_filter(updated_after_ms: i64) -> String {
    format!("lastmodifieddate:[{}..]", iso_ms(updated_after_ms))
}

/// An amount's value (eBay sends decimal strings).
fn amount_value(a: &Amount) -> Result<f64, String> {
    a.value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("bad amount {:?}", a.value))
}

fn amount_or_zero(a: Option<&Amount>) -> Result<f64, String> {
    a.map_or(Ok(0.0), amount_value)
}

/// Sums in cents, so that adding eBay's two-decimal amounts does not leave float dust.
fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// An eBay contact as the hub's address (parts eBay withholds stay `None`).
pub fn contact_address(c: &ExtendedContact) -> Address {
    let a = c.contact_address.clone().unwrap_or_default();
    Address {
        name: non_empty(&c.full_name),
        company: non_empty(&c.company_name),
        street: non_empty(&a.address_line1),
        street2: non_empty(&a.address_line2),
        city: non_empty(&a.city),
        state: non_empty(&a.state_or_province),
        zip: non_empty(&a.postal_code),
        country_code: non_empty(&a.country_code),
        phone: c
            .primary_phone
            .as_ref()
            .and_then(|p| non_empty(&p.phone_number)),
        email: non_empty(&c.email),
    }
}

/// One line item. `lineItemCost` is unit price × quantity before discounts, so the unit price
/// is that divided by the quantity; the discount is the sum of the applied promotions, or
/// else what `discountedLineItemCost` takes off; the tax the sum of `taxes[]`.
pub fn order_line(item: &LineItem) -> Result<MarketOrderLine, String> {
    let cost = amount_or_zero(item.line_item_cost.as_ref())?;
    let quantity = item.quantity.max(0);
    let unit_price = if quantity > 0 {
        cost / quantity as f64
    } else {
        cost
    };
    let mut promotions = 0.0;
    for p in &item.applied_promotions {
        promotions += amount_or_zero(p.discount_amount.as_ref())?.abs();
    }
    let discount = if promotions > 0.0 {
        round2(promotions)
    } else {
        match &item.discounted_line_item_cost {
            Some(d) => round2((cost - amount_value(d)?).max(0.0)),
            None => 0.0,
        }
    };
    let mut tax = 0.0;
    for t in &item.taxes {
        tax += amount_or_zero(t.amount.as_ref())?;
    }
    Ok(MarketOrderLine {
        external_id: item.line_item_id.clone(),
        sku: non_empty(&item.sku),
        title: item.title.clone().unwrap_or_default(),
        quantity: quantity as f64,
        unit_price,
        discount,
        tax: round2(tax),
    })
}

/// One order of getOrders/getOrder as the hub's order; `raw` is the order JSON as received.
/// Totals are eBay's (`pricingSummary`), never recomputed. eBay gives taxes per line item only;
/// the order's `pricingSummary.tax` also covers tax on delivery, so the tax on shipping is
/// what the order's tax has beyond its lines' taxes.
pub fn market_order(order: &Order, raw: Value) -> Result<MarketOrder, String> {
    if order.order_id.trim().is_empty() {
        return Err("empty orderId".into());
    }
    let created_at = timestamp_ms(order.creation_date.as_deref().ok_or("no creationDate")?)?;
    let updated_at = match order.last_modified_date.as_deref() {
        Some(t) => timestamp_ms(t)?,
        None => created_at,
    };
    let payment = order.order_payment_status.as_deref().unwrap_or_default();
    let fulfillment = order
        .order_fulfillment_status
        .as_deref()
        .unwrap_or_default();
    let cancel = order
        .cancel_status
        .as_ref()
        .and_then(|c| c.cancel_state.as_deref())
        .unwrap_or_default();
    let pricing = order.pricing_summary.clone().unwrap_or_default();
    let currency = pricing
        .total
        .as_ref()
        .or(pricing.price_subtotal.as_ref())
        .or_else(|| {
            order
                .line_items
                .iter()
                .find_map(|l| l.line_item_cost.as_ref())
        })
        .map(|a| a.currency.clone())
        .filter(|c| !c.is_empty())
        .ok_or("no currency")?;
    let lines = order
        .line_items
        .iter()
        .map(order_line)
        .collect::<Result<Vec<_>, _>>()?;
    let line_tax: f64 = lines.iter().map(|l| l.tax).sum();
    let line_discount: f64 = lines.iter().map(|l| l.discount).sum();
    let tax_total = match &pricing.tax {
        Some(t) => amount_value(t)?,
        None => round2(line_tax),
    };
    let shipping = amount_or_zero(pricing.delivery_cost.as_ref())?
        - amount_or_zero(pricing.delivery_discount.as_ref())?.abs();
    let price_discount = amount_or_zero(pricing.price_discount.as_ref())?.abs();
    let total = match &pricing.total {
        Some(t) => amount_value(t)?,
        None => return Err("no pricingSummary.total".into()),
    };
    let ship_to = order
        .fulfillment_start_instructions
        .first()
        .and_then(|f| f.shipping_step.as_ref())
        .and_then(|s| s.ship_to.as_ref());
    let registration = order
        .buyer
        .as_ref()
        .and_then(|b| b.buyer_registration_address.as_ref());
    let buyer = Buyer {
        external_id: order.buyer.as_ref().and_then(|b| non_empty(&b.username)),
        name: registration
            .and_then(|r| non_empty(&r.full_name))
            .or_else(|| ship_to.and_then(|s| non_empty(&s.full_name))),
        email: registration.and_then(|r| non_empty(&r.email)),
        phone: registration
            .and_then(|r| r.primary_phone.as_ref())
            .and_then(|p| non_empty(&p.phone_number)),
    };
    Ok(MarketOrder {
        external_id: order.order_id.clone(),
        reference: None,
        status: order_status(payment, fulfillment, cancel),
        external_status: external_status(payment, fulfillment, cancel),
        created_at,
        updated_at,
        currency,
        buyer,
        shipping_address: ship_to.map(contact_address),
        billing_address: registration
            .filter(|r| r.contact_address.is_some())
            .map(contact_address),
        lines,
        shipping: round2(shipping),
        shipping_tax: round2((tax_total - line_tax).max(0.0)),
        discount: round2((price_discount - line_discount).max(0.0)),
        tax_total,
        total,
        prices_include_tax: None,
        raw,
    })
}

/// Reads one element of a getOrders page: the order, or why it is unreadable (with its
/// orderId when that much could be read).
pub fn read_order(raw: Value) -> Result<MarketOrder, UnreadableOrder> {
    let id = raw
        .get("orderId")
        .and_then(Value::as_str)
        .map(str::to_string);
    let unreadable = |reason: String, raw: Value| UnreadableOrder {
        external_id: id.clone(),
        reason,
        raw,
    };
    let order: Order = match serde_json::from_value(raw.clone()) {
        Ok(o) => o,
        Err(e) => return Err(unreadable(format!("not an eBay Order: {e}"), raw)),
    };
    market_order(&order, raw.clone()).map_err(|why| unreadable(why, raw))
}

/// The `offset` of a `next` href, if it has one.
pub fn next_offset(href: &str) -> Option<u64> {
    let query = href.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == "offset")
        .and_then(|(_, v)| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::super::model::{ErrorParameter, PriceQuantityResponse};
    use super::*;
    use serde_json::json;

    fn defaults() -> ListingDefaults {
        ListingDefaults {
            marketplace_id: "EBAY_US".into(),
            content_language: "en-US".into(),
            currency: "USD".into(),
            condition: "NEW".into(),
            merchant_location_key: Some("WH1".into()),
            category_id: Some("30120".into()),
            fulfillment_policy_id: Some("F1".into()),
            payment_policy_id: Some("P1".into()),
            return_policy_id: Some("R1".into()),
        }
    }

    fn offer() -> Offer {
        Offer {
            sku: "SKU-1".into(),
            title: "A bag".into(),
            description: "Leather.".into(),
            price: 19.989,
            barcode: Some("4006381333931".into()),
            quantity: 7,
            attributes: vec![
                ("Color".into(), "Red".into()),
                ("Color".into(), "Red".into()),
                ("Size".into(), "L".into()),
            ],
            ids: None,
        }
    }

    fn update(sku: &str, q: i64, offer_id: Option<&str>) -> QuantityUpdate {
        QuantityUpdate {
            sku: sku.into(),
            quantity: q,
            ids: ListingIds {
                sku: sku.into(),
                external_id: offer_id.map(str::to_string),
                ..ListingIds::default()
            },
            previous: None,
        }
    }

    fn err(id: i64) -> ErrorDetail {
        ErrorDetail {
            error_id: id,
            domain: "API_INVENTORY".into(),
            category: "REQUEST".into(),
            message: format!("error {id}"),
            ..ErrorDetail::default()
        }
    }

    #[test]
    fn prices_quantities_titles_and_skus() {
        assert_eq!(price_string(19.989), "19.99");
        assert_eq!(price_string(5.0), "5.00");
        assert_eq!(price_string(-1.0), "0.00");
        assert_eq!(price_string(f64::NAN), "0.00");
        assert_eq!(quantity(-3), 0);
        assert_eq!(quantity(5_000_000_000), i64::from(i32::MAX));
        assert_eq!(title(&"é".repeat(100)).chars().count(), 80);
        assert!(sku_fits(&"a".repeat(50)));
        assert!(!sku_fits(&"a".repeat(51)));
        assert!(!sku_fits(""));
        assert_eq!(locale("de-DE"), "de_DE");
    }

    #[test]
    fn barcodes_go_to_the_right_identifier() {
        assert_eq!(
            barcode_fields(Some("036000291452")),
            (vec![], vec!["036000291452".to_string()])
        );
        assert_eq!(
            barcode_fields(Some(" 4006381333931 ")),
            (vec!["4006381333931".to_string()], vec![])
        );
        assert_eq!(barcode_fields(Some("ABC")), (vec![], vec![]));
        assert_eq!(barcode_fields(Some("123")), (vec![], vec![]));
        assert_eq!(barcode_fields(None), (vec![], vec![]));
    }

    #[test]
    fn inventory_item_and_offer_bodies() {
        let item = inventory_item(&offer(), &defaults());
        let json = serde_json::to_value(&item).unwrap();
        assert_eq!(
            json,
            json!({
                "sku": "SKU-1", "locale": "en_US", "condition": "NEW",
                "product": {"title": "A bag", "description": "Leather.",
                            "aspects": {"Color": ["Red"], "Size": ["L"]},
                            "ean": ["4006381333931"]},
                "availability": {"shipToLocationAvailability": {"quantity": 7}}
            })
        );
        let create = serde_json::to_value(offer_details(&offer(), &defaults(), true)).unwrap();
        assert_eq!(
            create,
            json!({
                "sku": "SKU-1", "marketplaceId": "EBAY_US", "format": "FIXED_PRICE",
                "availableQuantity": 7, "categoryId": "30120", "listingDescription": "Leather.",
                "listingPolicies": {"fulfillmentPolicyId": "F1", "paymentPolicyId": "P1",
                                    "returnPolicyId": "R1"},
                "merchantLocationKey": "WH1",
                "pricingSummary": {"price": {"value": "19.99", "currency": "USD"}}
            })
        );
        let update = serde_json::to_value(offer_details(&offer(), &defaults(), false)).unwrap();
        assert!(update.get("sku").is_none() && update.get("format").is_none());
        let bare = ListingDefaults {
            fulfillment_policy_id: None,
            payment_policy_id: None,
            return_policy_id: None,
            ..defaults()
        };
        assert!(
            offer_details(&offer(), &bare, true)
                .listing_policies
                .is_none()
        );
    }

    #[test]
    fn price_quantity_requests_refuse_unlinked_and_coalesce() {
        let items = [
            update("A", 5, Some("1")),
            update("B", 1, None),
            update("A", -2, Some("1")),
            update(&"x".repeat(51), 1, Some("9")),
            update("C", 3, Some("3")),
        ];
        let (requests, refused) = price_quantity_requests(&items);
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].sku, "A");
        assert_eq!(
            serde_json::to_value(&requests[0]).unwrap(),
            json!({"sku": "A", "shipToLocationAvailability": {"quantity": 0},
                   "offers": [{"offerId": "1", "availableQuantity": 0}]})
        );
        assert_eq!(requests[1].sku, "C");
        let codes: Vec<_> = refused
            .iter()
            .map(|o| o.result.as_ref().unwrap_err().code.as_str())
            .collect();
        assert_eq!(codes, vec![NO_OFFER_ID, BAD_SKU]);
    }

    #[test]
    fn price_quantity_outcomes_per_sku() {
        let (sent, _) = price_quantity_requests(&[
            update("A", 1, Some("1")),
            update("B", 1, Some("2")),
            update("C", 1, Some("3")),
            update("D", 1, Some("4")),
        ]);
        let answer = BulkPriceQuantityResponse {
            responses: vec![
                PriceQuantityResponse {
                    status_code: 200,
                    sku: "A".into(),
                    offer_id: Some("1".into()),
                    ..Default::default()
                },
                PriceQuantityResponse {
                    status_code: 400,
                    sku: "B".into(),
                    offer_id: Some("2".into()),
                    errors: vec![err(25713)],
                    ..Default::default()
                },
                PriceQuantityResponse {
                    status_code: 500,
                    sku: "C".into(),
                    errors: vec![err(25025)],
                    ..Default::default()
                },
            ],
        };
        let out = price_quantity_outcomes(&sent, &answer);
        assert_eq!(out[0].result, Ok(()));
        let b = out[1].result.clone().unwrap_err();
        assert_eq!((b.code.as_str(), b.retryable), ("25713", false));
        let c = out[2].result.clone().unwrap_err();
        assert_eq!((c.code.as_str(), c.retryable), ("25025", true));
        let d = out[3].result.clone().unwrap_err();
        assert_eq!((d.code.as_str(), d.retryable), (NO_ANSWER, true));
    }

    #[test]
    fn inventory_outcomes_accept_2xx() {
        let sent = vec![
            inventory_item(&offer(), &defaults()),
            InventoryItemWithSkuLocale {
                sku: "X".into(),
                ..Default::default()
            },
        ];
        let answer = vec![InventoryItemResponse {
            status_code: 200,
            sku: "SKU-1".into(),
            ..Default::default()
        }];
        let out = inventory_outcomes(&sent, &answer);
        assert_eq!(out[0].result, Ok(()));
        assert_eq!(out[1].result.clone().unwrap_err().code, NO_ANSWER);
    }

    #[test]
    fn rejection_reads_the_first_error() {
        let mut e = err(25709);
        e.long_message = Some("Invalid value for sku.".into());
        let r = rejection(400, &[e, err(1)]);
        assert_eq!(r.code, "25709");
        assert!(r.message.contains("Invalid value for sku."));
        assert!(!r.retryable);
        assert!(rejection(429, &[]).retryable);
        assert!(!rejection(404, &[]).retryable);
        assert!(rejection(400, &[err(2001)]).retryable);
    }

    #[test]
    fn existing_offer_id_from_25002() {
        let mut e = err(25002);
        e.parameters = vec![ErrorParameter {
            name: "offerId".into(),
            value: "5005".into(),
        }];
        assert_eq!(existing_offer_id(&[err(25709), e]), Some("5005".into()));
        assert_eq!(existing_offer_id(&[err(25002)]), None);
    }

    #[test]
    fn offers_are_picked_and_read() {
        let offers: Vec<OfferDetails> = serde_json::from_value(json!([
            {"offerId": "1", "sku": "S", "marketplaceId": "EBAY_US", "format": "AUCTION"},
            {"offerId": "2", "sku": "S", "marketplaceId": "EBAY_US", "format": "FIXED_PRICE",
             "availableQuantity": 4, "status": "PUBLISHED",
             "listing": {"listingId": "110", "listingStatus": "ACTIVE"}}
        ]))
        .unwrap();
        let picked = pick_offer(&offers, "S", "EBAY_US").unwrap();
        assert_eq!(
            listing_ids(picked, "S"),
            ListingIds {
                sku: "S".into(),
                external_id: Some("2".into()),
                external_ref: Some("110".into()),
                quantity: Some(4),
                active: true,
            }
        );
        assert!(pick_offer(&offers, "S", "EBAY_DE").is_none());
    }

    #[test]
    fn shorten_keeps_the_first_items() {
        let v = json!({"requests": [1, 2, 3, 4], "x": "y"});
        assert_eq!(
            shorten(&v, 2),
            json!({"requests": [1, 2, "... 2 more"], "x": "y"})
        );
    }

    fn order_json() -> Value {
        json!({
            "orderId": "27-01234-56789",
            "creationDate": "2026-11-27T10:00:00.000Z",
            "lastModifiedDate": "2026-11-27T11:00:00.500Z",
            "orderFulfillmentStatus": "NOT_STARTED",
            "orderPaymentStatus": "PAID",
            "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
            "buyer": {"username": "janedoe_1", "buyerRegistrationAddress": {
                "fullName": "Jane Doe", "email": "jane@example.com",
                "primaryPhone": {"phoneNumber": "555-0100"},
                "contactAddress": {"addressLine1": "9 Bill St", "city": "Austin",
                                   "stateOrProvince": "TX", "postalCode": "73301",
                                   "countryCode": "US"}}},
            "pricingSummary": {
                "priceSubtotal": {"value": "50.00", "currency": "USD"},
                "priceDiscount": {"value": "-6.00", "currency": "USD"},
                "deliveryCost": {"value": "5.00", "currency": "USD"},
                "deliveryDiscount": {"value": "-1.00", "currency": "USD"},
                "tax": {"value": "9.60", "currency": "USD"},
                "total": {"value": "57.60", "currency": "USD"}},
            "fulfillmentStartInstructions": [{"shippingStep": {"shipTo": {
                "fullName": "John Doe", "email": "j@relay.ebay.com",
                "primaryPhone": {"phoneNumber": "555-0199"},
                "contactAddress": {"addressLine1": "1 Main St", "addressLine2": "Apt 2",
                                   "city": "Springfield", "stateOrProvince": "IL",
                                   "postalCode": "62701", "countryCode": "US"}}}}],
            "lineItems": [
                {"lineItemId": "10000000000001", "sku": "A-1", "title": "Bag", "quantity": 2,
                 "lineItemCost": {"value": "30.00", "currency": "USD"},
                 "appliedPromotions": [{"discountAmount": {"value": "5.00", "currency": "USD"}}],
                 "taxes": [{"amount": {"value": "5.00", "currency": "USD"}}]},
                {"lineItemId": "10000000000002", "title": "Belt", "quantity": 1,
                 "lineItemCost": {"value": "20.00", "currency": "USD"},
                 "discountedLineItemCost": {"value": "19.00", "currency": "USD"},
                 "taxes": [{"amount": {"value": "2.00", "currency": "USD"}},
                           {"amount": {"value": "1.80", "currency": "USD"}}]}
            ]
        })
    }

    #[test]
    fn statuses_follow_payment_fulfillment_and_cancellation() {
        use OrderStatus::*;
        assert_eq!(order_status("PAID", "NOT_STARTED", "NONE_REQUESTED"), Open);
        assert_eq!(order_status("PAID", "IN_PROGRESS", "NONE_REQUESTED"), Open);
        assert_eq!(order_status("PARTIALLY_REFUNDED", "NOT_STARTED", ""), Open);
        assert_eq!(order_status("PAID", "FULFILLED", "NONE_REQUESTED"), Shipped);
        assert_eq!(order_status("PAID", "NOT_STARTED", "CANCELED"), Cancelled);
        assert_eq!(order_status("PAID", "FULFILLED", "CANCELED"), Cancelled);
        assert_eq!(order_status("FULLY_REFUNDED", "NOT_STARTED", ""), Cancelled);
        assert_eq!(
            order_status("PENDING", "NOT_STARTED", "NONE_REQUESTED"),
            Pending
        );
        assert_eq!(
            order_status("FAILED", "NOT_STARTED", "NONE_REQUESTED"),
            Pending
        );
        assert_eq!(order_status("", "", ""), Pending);
        assert_eq!(
            external_status("PAID", "NOT_STARTED", "NONE_REQUESTED"),
            "PAID/NOT_STARTED"
        );
        assert_eq!(
            external_status("PAID", "NOT_STARTED", "CANCELED"),
            "PAID/NOT_STARTED/CANCELED"
        );
    }

    #[test]
    fn an_order_maps_with_ebays_own_amounts() {
        let raw = order_json();
        let o = read_order(raw.clone()).unwrap();
        assert_eq!(o.external_id, "27-01234-56789");
        assert_eq!(o.status, OrderStatus::Open);
        assert_eq!(o.external_status, "PAID/NOT_STARTED");
        assert_eq!(o.created_at, 1_795_773_600_000);
        assert_eq!(o.updated_at, 1_795_777_200_500);
        assert_eq!(o.currency, "USD");
        assert_eq!(o.lines.len(), 2);
        let a = &o.lines[0];
        assert_eq!(
            (a.sku.as_deref(), a.quantity, a.unit_price),
            (Some("A-1"), 2.0, 15.0)
        );
        assert_eq!((a.discount, a.tax), (5.0, 5.0));
        let b = &o.lines[1];
        assert_eq!(
            (b.sku.as_deref(), b.unit_price, b.discount, b.tax),
            (None, 20.0, 1.0, 3.8)
        );
        assert_eq!(o.shipping, 4.0, "deliveryCost minus deliveryDiscount");
        assert_eq!(o.tax_total, 9.6);
        assert_eq!(o.shipping_tax, 0.8, "order tax beyond the lines' taxes");
        assert_eq!(o.discount, 0.0, "priceDiscount is the lines' discounts");
        assert_eq!(o.total, 57.6);
        let ship = o.shipping_address.clone().unwrap();
        assert_eq!(ship.name.as_deref(), Some("John Doe"));
        assert_eq!(ship.street2.as_deref(), Some("Apt 2"));
        assert_eq!(ship.phone.as_deref(), Some("555-0199"));
        assert_eq!(ship.email.as_deref(), Some("j@relay.ebay.com"));
        assert_eq!(
            o.billing_address.as_ref().and_then(|b| b.city.as_deref()),
            Some("Austin")
        );
        assert_eq!(o.buyer.external_id.as_deref(), Some("janedoe_1"));
        assert_eq!(o.buyer.name.as_deref(), Some("Jane Doe"));
        assert_eq!(o.buyer.email.as_deref(), Some("jane@example.com"));
        assert_eq!(o.raw, raw);
    }

    #[test]
    fn unreadable_orders_say_why() {
        let mut raw = order_json();
        raw["lineItems"][0]["quantity"] = json!("two");
        let u = read_order(raw).unwrap_err();
        assert_eq!(u.external_id.as_deref(), Some("27-01234-56789"));
        assert!(u.reason.contains("not an eBay Order"), "{}", u.reason);
        let mut raw = order_json();
        raw["pricingSummary"]["total"]["value"] = json!("lots");
        assert!(read_order(raw).unwrap_err().reason.contains("bad amount"));
        let mut raw = order_json();
        raw["creationDate"] = json!("yesterday");
        assert!(read_order(raw).unwrap_err().reason.contains("timestamp"));
        let u = read_order(json!({"lineItems": []})).unwrap_err();
        assert_eq!(u.external_id, None);
    }

    #[test]
    fn filters_and_page_tokens() {
        assert_eq!(
            orders_filter(1_795_773_600_123),
            "lastmodifieddate:[2026-11-27T10:00:00.123Z..]"
        );
        assert_eq!(
            next_offset("http://h/sell/fulfillment/v1/order?filter=x&limit=200&offset=400"),
            Some(400)
        );
        assert_eq!(next_offset("/order?limit=2"), None);
    }
}
