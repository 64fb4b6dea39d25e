//! Pure conversions between the hub's vocabulary (offers, quantity updates, outcomes) and the
//! SP-API wire types. No I/O here: every rule that decides what is sent or how an answer is read
//! lives in this file, with its unit tests.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::model::{
    Issue, Item, ListingsFeed, ListingsFeedHeader, ListingsFeedMessage, ListingsItemPatchRequest,
    ListingsItemPutRequest, ListingsItemSubmissionResponse, PatchOperation, ProcessingReport,
};
use crate::marketplaces::{ItemOutcome, ListingIds, Offer, QuantityUpdate, Rejection};

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
}
