//! Pure conversions between the hub's types and Shopify's GraphQL documents, variables and
//! answers. No I/O here: everything is unit-tested.

use serde_json::{Map, Value, json};

use super::model::{UserError, VariantNode};
use crate::marketplaces::{ListingIds, Offer, QuantityUpdate, Rejection};

/// An Admin API version `YYYY-MM`, ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiVersion {
    pub year: u16,
    pub month: u8,
}

impl ApiVersion {
    /// `changeFromQuantity` and `@idempotent` exist from 2026-01.
    pub const CHANGE_FROM: ApiVersion = ApiVersion {
        year: 2026,
        month: 1,
    };

    pub fn parse(text: &str) -> Option<Self> {
        let (y, m) = text.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let year = y.parse().ok()?;
        let month = m.parse().ok()?;
        matches!(month, 1 | 4 | 7 | 10).then_some(Self { year, month })
    }

    /// Whether `inventorySetQuantities` takes `changeFromQuantity` and `@idempotent`.
    pub fn has_change_from(self) -> bool {
        self >= Self::CHANGE_FROM
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Selection of a variant when looking listings up (inventory level at the hub's location).
const VARIANT_FIELDS: &str = "id sku product { id } inventoryItem { id inventoryLevel(locationId: $locationId) { quantities(names: [\"available\"]) { name quantity } } }";

/// Looks variants up by SKU search, one page.
pub fn find_variants_document() -> String {
    format!(
        "query FindVariants($query: String!, $first: Int!, $after: String, $locationId: ID!) {{\n  productVariants(first: $first, after: $after, query: $query) {{\n    nodes {{ {VARIANT_FIELDS} }}\n    pageInfo {{ hasNextPage endCursor }}\n  }}\n}}\n"
    )
}

/// Looks variants up by id (their product id is needed to update them with `productSet`).
pub fn variants_by_id_document() -> String {
    format!(
        "query VariantsById($ids: [ID!]!, $locationId: ID!) {{\n  nodes(ids: $ids) {{ ... on ProductVariant {{ {VARIANT_FIELDS} }} }}\n}}\n"
    )
}

/// A search query matching any of `skus` exactly (`sku:"A" OR sku:"B"`).
pub fn sku_query(skus: &[String]) -> String {
    skus.iter()
        .map(|s| {
            let escaped = s.replace('\\', "\\\\").replace('"', "\\\"");
            format!("sku:\"{escaped}\"")
        })
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// The listing a variant node stands for.
pub fn listing_from_variant(node: &VariantNode) -> Option<ListingIds> {
    let sku = node.sku.clone().filter(|s| !s.is_empty())?;
    let item = node.inventory_item.as_ref();
    let quantity = item
        .and_then(|i| i.inventory_level.as_ref())
        .and_then(|l| l.quantities.iter().find(|q| q.name == "available"))
        .map(|q| q.quantity);
    Some(ListingIds {
        sku,
        external_id: Some(node.id.clone()),
        external_ref: item.map(|i| i.id.clone()),
        quantity,
        active: true,
    })
}

/// The `inventorySetQuantities` mutation; the idempotency key is written into the document
/// (versions from 2026-01), so resending the same text resends the same key.
pub fn set_quantities_document(version: ApiVersion, key: &str) -> String {
    let directive = if version.has_change_from() {
        format!(" @idempotent(key: \"{key}\")")
    } else {
        String::new()
    };
    format!(
        "mutation SetQuantities($input: InventorySetQuantitiesInput!) {{\n  inventorySetQuantities(input: $input){directive} {{\n    inventoryAdjustmentGroup {{ id }}\n    userErrors {{ code field message }}\n  }}\n}}\n"
    )
}

/// The `InventorySetQuantitiesInput` for `items` (all with an inventory item id) at `location`.
///
/// From 2026-01 each quantity carries `changeFromQuantity`: the last quantity the hub saw, or
/// an explicit `null` to skip the check. Before, `compareQuantity` is sent when known and
/// `ignoreCompareQuantity` is set when any item lacks it (the flag covers the whole call).
pub fn set_quantities_input(
    items: &[&QuantityUpdate],
    location: &str,
    version: ApiVersion,
    reference: &str,
) -> Value {
    let quantities: Vec<Value> = items
        .iter()
        .map(|u| {
            let mut q = Map::new();
            q.insert(
                "inventoryItemId".into(),
                json!(u.ids.external_ref.clone().unwrap_or_default()),
            );
            q.insert("locationId".into(), json!(location));
            q.insert("quantity".into(), json!(u.quantity));
            if version.has_change_from() {
                q.insert("changeFromQuantity".into(), json!(u.previous));
            } else if let Some(p) = u.previous {
                q.insert("compareQuantity".into(), json!(p));
            }
            Value::Object(q)
        })
        .collect();
    let mut input = Map::new();
    input.insert("name".into(), json!("available"));
    input.insert("reason".into(), json!("correction"));
    input.insert("referenceDocumentUri".into(), json!(reference));
    if !version.has_change_from() && items.iter().any(|u| u.previous.is_none()) {
        input.insert("ignoreCompareQuantity".into(), json!(true));
    }
    input.insert("quantities".into(), Value::Array(quantities));
    Value::Object(input)
}

/// The item a `userErrors.field` path points at (`["input", "quantities", "3", "quantity"]`).
pub fn quantity_index(field: Option<&[String]>) -> Option<usize> {
    match field? {
        [input, list, idx, ..] if input == "input" && list == "quantities" => idx.parse().ok(),
        _ => None,
    }
}

/// The variant a `productSet` `userErrors.field` path points at, if any.
pub fn variant_index(field: Option<&[String]>) -> Option<usize> {
    match field? {
        [input, list, idx, ..] if input == "input" && list == "variants" => idx.parse().ok(),
        _ => None,
    }
}

/// A `userErrors` entry as a per-item refusal. Stale compare-and-set values and concurrent
/// idempotent requests can succeed when sent again (with fresh values).
pub fn rejection(e: &UserError) -> Rejection {
    let code = e.code.clone().unwrap_or_else(|| "USER_ERROR".into());
    let retryable = matches!(
        code.as_str(),
        "CHANGE_FROM_QUANTITY_STALE" | "COMPARE_QUANTITY_STALE" | "IDEMPOTENCY_CONCURRENT_REQUEST"
    );
    let r = Rejection::new(code, e.message.clone());
    if retryable { r.retryable() } else { r }
}

/// A price as Shopify's `Money` scalar (a decimal string).
pub fn money(price: f64) -> String {
    format!("{:.2}", (price * 100.0).round() / 100.0)
}

/// The options of a one-variant product: the offer's attributes, or Shopify's default
/// `Title` / `Default Title` option.
fn options(offer: &Offer) -> Vec<(String, String)> {
    if offer.attributes.is_empty() {
        vec![("Title".into(), "Default Title".into())]
    } else {
        offer.attributes.clone()
    }
}

/// The `ProductSetInput` of one offer: a product with one variant, stocked at `location`.
/// `existing` is `(product GID, variant GID)` when the SKU is already on the shop.
pub fn product_set_input(offer: &Offer, location: &str, existing: Option<(&str, &str)>) -> Value {
    let opts = options(offer);
    let mut variant = Map::new();
    if let Some((_, v)) = existing {
        variant.insert("id".into(), json!(v));
    }
    variant.insert("sku".into(), json!(offer.sku));
    variant.insert("price".into(), json!(money(offer.price)));
    variant.insert("barcode".into(), json!(offer.barcode));
    variant.insert(
        "optionValues".into(),
        Value::Array(
            opts.iter()
                .map(|(n, v)| json!({"optionName": n, "name": v}))
                .collect(),
        ),
    );
    variant.insert(
        "inventoryItem".into(),
        json!({"sku": offer.sku, "tracked": true}),
    );
    variant.insert(
        "inventoryQuantities".into(),
        json!([{"locationId": location, "name": "available", "quantity": offer.quantity.max(0)}]),
    );
    let mut input = Map::new();
    if let Some((p, _)) = existing {
        input.insert("id".into(), json!(p));
    }
    input.insert("title".into(), json!(offer.title));
    input.insert(
        "descriptionHtml".into(),
        json!(description_html(&offer.description)),
    );
    input.insert(
        "productOptions".into(),
        Value::Array(
            opts.iter()
                .map(|(n, v)| json!({"name": n, "values": [{"name": v}]}))
                .collect(),
        ),
    );
    input.insert("variants".into(), json!([Value::Object(variant)]));
    Value::Object(input)
}

/// Plain text as HTML paragraphs (descriptions that already hold markup are kept).
pub fn description_html(text: &str) -> String {
    let t = text.trim();
    if t.starts_with('<') {
        return t.to_string();
    }
    t.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let escaped = p
                .trim()
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('\n', "<br>");
            format!("<p>{escaped}</p>")
        })
        .collect()
}

/// One document with a `productSet` per offer, aliased `p0`, `p1`, ... with variables of the
/// same names, so a batch is one request.
pub fn upsert_document(count: usize) -> String {
    let mut vars = Vec::with_capacity(count);
    let mut fields = String::new();
    for i in 0..count {
        vars.push(format!("$p{i}: ProductSetInput!"));
        fields.push_str(&format!(
            "  p{i}: productSet(input: $p{i}, synchronous: true) {{\n    product {{ id variants(first: 1) {{ nodes {{ id sku inventoryItem {{ id }} }} }} }}\n    userErrors {{ code field message }}\n  }}\n"
        ));
    }
    format!(
        "mutation UpsertProducts({}) {{\n{fields}}}\n",
        vars.join(", ")
    )
}

/// A shortened copy of a JSON value for the push record: arrays keep their first `max` items
/// and a note of how many were left out.
pub fn shorten(value: &Value, max: usize) -> Value {
    match value {
        Value::Array(items) => {
            let mut out: Vec<Value> = items.iter().take(max).map(|i| shorten(i, max)).collect();
            if items.len() > max {
                out.push(json!(format!("... {} more", items.len() - max)));
            }
            Value::Array(out)
        }
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), shorten(v, max)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(sku: &str, q: i64, previous: Option<i64>) -> QuantityUpdate {
        QuantityUpdate {
            sku: sku.into(),
            quantity: q,
            ids: ListingIds {
                sku: sku.into(),
                external_id: Some(format!("gid://shopify/ProductVariant/{sku}")),
                external_ref: Some(format!("gid://shopify/InventoryItem/{sku}")),
                quantity: None,
                active: true,
            },
            previous,
        }
    }

    #[test]
    fn versions_order_and_switch() {
        let v = |s| ApiVersion::parse(s).unwrap();
        assert!(v("2025-10") < v("2026-01"));
        assert!(!v("2025-10").has_change_from());
        assert!(v("2026-01").has_change_from());
        assert!(v("2026-10").has_change_from());
        assert_eq!(v("2026-04").to_string(), "2026-04");
        assert_eq!(ApiVersion::parse("2026-03"), None);
        assert_eq!(ApiVersion::parse("latest"), None);
    }

    #[test]
    fn quantities_for_2026_carry_change_from_even_when_unknown() {
        let (a, b) = (update("1", 5, Some(3)), update("2", 7, None));
        let input = set_quantities_input(
            &[&a, &b],
            "gid://shopify/Location/9",
            ApiVersion::parse("2026-10").unwrap(),
            "gid://adlerdo/StockPush/x",
        );
        assert_eq!(input["name"], "available");
        assert_eq!(input["reason"], "correction");
        assert_eq!(input["quantities"][0]["changeFromQuantity"], 3);
        assert!(
            input["quantities"][1]
                .as_object()
                .unwrap()
                .contains_key("changeFromQuantity")
        );
        assert_eq!(input["quantities"][1]["changeFromQuantity"], Value::Null);
        assert!(input.get("ignoreCompareQuantity").is_none());
        assert!(input["quantities"][0].get("compareQuantity").is_none());
    }

    #[test]
    fn quantities_for_2025_use_compare_quantity() {
        let (a, b) = (update("1", 5, Some(3)), update("2", 7, None));
        let v = ApiVersion::parse("2025-10").unwrap();
        let input = set_quantities_input(&[&a], "L", v, "r");
        assert_eq!(input["quantities"][0]["compareQuantity"], 3);
        assert!(input.get("ignoreCompareQuantity").is_none());
        let input = set_quantities_input(&[&a, &b], "L", v, "r");
        assert_eq!(input["ignoreCompareQuantity"], true);
        assert!(input["quantities"][0].get("changeFromQuantity").is_none());
    }

    #[test]
    fn document_has_the_key_only_where_the_version_knows_it() {
        let d = set_quantities_document(ApiVersion::parse("2026-04").unwrap(), "k-1");
        assert!(d.contains("@idempotent(key: \"k-1\")"));
        let d = set_quantities_document(ApiVersion::parse("2025-07").unwrap(), "k-1");
        assert!(!d.contains("@idempotent"));
    }

    #[test]
    fn user_error_paths_map_back_to_items() {
        let f = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            quantity_index(Some(&f(&["input", "quantities", "3", "quantity"]))),
            Some(3)
        );
        assert_eq!(quantity_index(Some(&f(&["input", "reason"]))), None);
        assert_eq!(quantity_index(None), None);
        assert_eq!(
            variant_index(Some(&f(&["input", "variants", "0", "price"]))),
            Some(0)
        );
        let stale = UserError {
            code: Some("CHANGE_FROM_QUANTITY_STALE".into()),
            field: None,
            message: "stale".into(),
        };
        assert!(rejection(&stale).retryable);
        let bad = UserError {
            code: Some("INVALID_INVENTORY_ITEM".into()),
            field: None,
            message: "no".into(),
        };
        assert!(!rejection(&bad).retryable);
        assert_eq!(rejection(&bad).code, "INVALID_INVENTORY_ITEM");
    }

    #[test]
    fn sku_queries_are_quoted_and_escaped() {
        assert_eq!(
            sku_query(&["A-1".into(), "B \"x\"".into()]),
            r#"sku:"A-1" OR sku:"B \"x\"""#
        );
    }

    #[test]
    fn offers_become_product_set_inputs() {
        let offer = Offer {
            sku: "MUG".into(),
            title: "Mug".into(),
            description: "Big & blue.\n\nDishwasher safe".into(),
            price: 9.5,
            barcode: Some("4006381333931".into()),
            quantity: 4,
            attributes: vec![("Color".into(), "Blue".into())],
            ids: None,
        };
        let input = product_set_input(&offer, "gid://shopify/Location/1", None);
        assert!(input.get("id").is_none());
        assert_eq!(
            input["descriptionHtml"],
            "<p>Big &amp; blue.</p><p>Dishwasher safe</p>"
        );
        assert_eq!(input["productOptions"][0]["name"], "Color");
        let v = &input["variants"][0];
        assert_eq!(v["price"], "9.50");
        assert_eq!(
            v["optionValues"][0],
            json!({"optionName": "Color", "name": "Blue"})
        );
        assert_eq!(v["inventoryQuantities"][0]["quantity"], 4);
        let input = product_set_input(
            &offer,
            "L",
            Some(("gid://shopify/Product/1", "gid://shopify/ProductVariant/2")),
        );
        assert_eq!(input["id"], "gid://shopify/Product/1");
        assert_eq!(input["variants"][0]["id"], "gid://shopify/ProductVariant/2");
    }

    #[test]
    fn variants_become_listings() {
        let node: VariantNode = serde_json::from_value(json!({
            "id": "gid://shopify/ProductVariant/1", "sku": "A",
            "inventoryItem": {"id": "gid://shopify/InventoryItem/2",
                "inventoryLevel": {"quantities": [{"name": "available", "quantity": 6}]}}
        }))
        .unwrap();
        let l = listing_from_variant(&node).unwrap();
        assert_eq!(
            l.external_ref.as_deref(),
            Some("gid://shopify/InventoryItem/2")
        );
        assert_eq!(l.quantity, Some(6));
    }

    #[test]
    fn upsert_document_aliases_each_offer() {
        let d = upsert_document(2);
        assert!(d.contains("$p0: ProductSetInput!, $p1: ProductSetInput!"));
        assert!(d.contains("p1: productSet(input: $p1"));
    }

    #[test]
    fn shorten_keeps_the_head() {
        let v = json!({"q": (0..60).collect::<Vec<_>>()});
        let s = shorten(&v, 50);
        assert_eq!(s["q"].as_array().unwrap().len(), 51);
        assert_eq!(s["q"][50], "... 10 more");
    }
}
