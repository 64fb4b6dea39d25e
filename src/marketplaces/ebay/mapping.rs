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
use crate::marketplaces::{ItemOutcome, ListingIds, Offer, QuantityUpdate, Rejection};

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
}
