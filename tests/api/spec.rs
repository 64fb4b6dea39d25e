//! The spec validator against the official marketplace API specs in `../shared/specs`.

use adlerdo::spec::{Problem, Spec};
use serde_json::{Value, json};

fn load(file: &str) -> Spec {
    let path = format!("{}/../shared/specs/{file}", env!("CARGO_MANIFEST_DIR"));
    Spec::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn listings() -> Spec {
    load("amazon/listingsItems_2021-08-01.json")
}
fn feeds() -> Spec {
    load("amazon/feeds_2021-06-30.json")
}
fn orders() -> Spec {
    load("amazon/orders_2026-01-01.json")
}
fn inventory() -> Spec {
    load("ebay/sell_inventory_v1_oas3.json")
}
fn fulfillment() -> Spec {
    load("ebay/sell_fulfillment_v1_oas3.json")
}

fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn paths(problems: &[Problem]) -> Vec<&str> {
    problems.iter().map(|p| p.path.as_str()).collect()
}

fn op_id(spec: &Spec, method: &str, path: &str) -> Option<String> {
    spec.operation(method, path).and_then(|o| o.operation_id)
}

#[test]
fn all_five_specs_load() {
    assert!(!listings().is_oas3());
    assert!(!feeds().is_oas3());
    assert!(!orders().is_oas3());
    assert!(inventory().is_oas3());
    assert!(fulfillment().is_oas3());
    assert!(Spec::load("/nonexistent/spec.json").is_err());
}

#[test]
fn operations_are_found_by_method_and_concrete_path() {
    let listings = listings();
    let put = listings
        .operation("PUT", "/listings/2021-08-01/items/A1B2/SKU-1")
        .unwrap();
    assert_eq!(put.operation_id.as_deref(), Some("putListingsItem"));
    assert_eq!(put.template, "/listings/2021-08-01/items/{sellerId}/{sku}");
    assert_eq!(
        put.path_params,
        vec![
            ("sellerId".to_string(), "A1B2".to_string()),
            ("sku".to_string(), "SKU-1".to_string())
        ]
    );
    assert_eq!(
        op_id(&listings, "patch", "/listings/2021-08-01/items/A1B2/SKU-1").as_deref(),
        Some("patchListingsItem")
    );
    assert_eq!(
        op_id(&listings, "POST", "/listings/2021-08-01/items/A1B2/SKU-1"),
        None
    );
    assert_eq!(op_id(&listings, "GET", "/listings/2021-08-01/items"), None);
    assert_eq!(
        op_id(&feeds(), "POST", "/feeds/2021-06-30/documents").as_deref(),
        Some("createFeedDocument")
    );
    assert_eq!(
        op_id(&orders(), "GET", "/orders/2026-01-01/orders").as_deref(),
        Some("searchOrders")
    );
    assert_eq!(
        op_id(
            &orders(),
            "GET",
            "/orders/2026-01-01/orders/123-4567890-1234567"
        )
        .as_deref(),
        Some("getOrder")
    );

    let inventory = inventory();
    assert_eq!(
        op_id(&inventory, "PUT", "/sell/inventory/v1/inventory_item/SKU-1").as_deref(),
        Some("createOrReplaceInventoryItem")
    );
    assert_eq!(
        op_id(
            &inventory,
            "POST",
            "/sell/inventory/v1/bulk_update_price_quantity"
        )
        .as_deref(),
        Some("bulkUpdatePriceQuantity")
    );
    // Literal segments win over a template that would also match.
    assert_eq!(
        op_id(
            &inventory,
            "POST",
            "/sell/inventory/v1/offer/get_listing_fees"
        )
        .as_deref(),
        Some("getListingFees")
    );
    assert_eq!(
        op_id(&inventory, "POST", "/sell/inventory/v1/offer/123/publish").as_deref(),
        Some("publishOffer")
    );
    // The base path is required.
    assert_eq!(
        op_id(&inventory, "POST", "/bulk_update_price_quantity"),
        None
    );

    let fulfillment = fulfillment();
    assert_eq!(
        op_id(&fulfillment, "GET", "/sell/fulfillment/v1/order").as_deref(),
        Some("getOrders")
    );
    // Path-level `servers` (apiz.ebay.com) keep the same base path.
    assert_eq!(
        op_id(
            &fulfillment,
            "GET",
            "/sell/fulfillment/v1/payment_dispute_summary"
        )
        .as_deref(),
        Some("getPaymentDisputeSummaries")
    );
}

#[test]
fn amazon_put_listings_item_request() {
    let spec = listings();
    let path = "/listings/2021-08-01/items/A1B2/SKU-1";
    let body = json!({
        "productType": "LUGGAGE",
        "requirements": "LISTING",
        "attributes": {
            "item_name": [{"value": "Travel bag", "language_tag": "en_US"}],
            "purchasable_offer": [{"currency": "EUR", "our_price": [{"schedule": [{"value_with_tax": 49.9}]}]}]
        }
    });
    let query = q(&[
        ("marketplaceIds", "A1PA6795UKMFR9"),
        ("includedData", "issues,identifiers"),
    ]);
    assert_eq!(
        spec.validate_request("PUT", path, &query, Some(&body)),
        vec![]
    );

    // Missing required query parameter and body field, bad enum, wrong type.
    let broken = json!({"requirements": "EVERYTHING", "attributes": []});
    let problems = spec.validate_request("PUT", path, &q(&[]), Some(&broken));
    assert_eq!(
        paths(&problems),
        vec![
            "query:marketplaceIds",
            "/productType",
            "/requirements",
            "/attributes"
        ],
        "{problems:?}"
    );
    // Query parameter checks: maxItems on the csv list, enum on its items and on a scalar.
    let query = q(&[
        ("marketplaceIds", "A1PA6795UKMFR9,ATVPDKIKX0DER"),
        ("includedData", "issues,offers"),
        ("mode", "FOR_REAL"),
    ]);
    let problems = spec.validate_request("PUT", path, &query, Some(&body));
    assert_eq!(
        paths(&problems),
        vec!["query:marketplaceIds", "query:includedData/1", "query:mode"],
        "{problems:?}"
    );
    // Missing body.
    let problems = spec.validate_request("PUT", path, &q(&[("marketplaceIds", "X")]), None);
    assert_eq!(paths(&problems), vec![""]);
    // Unknown path.
    let problems = spec.validate_request("PUT", "/listings/2021-08-01/things/X", &[], Some(&body));
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.contains("no operation"), "{problems:?}");
}

#[test]
fn amazon_put_listings_item_response() {
    let spec = listings();
    let path = "/listings/2021-08-01/items/A1B2/SKU-1";
    let ok = json!({
        "sku": "SKU-1",
        "status": "ACCEPTED",
        "submissionId": "f1dc2914-75dd-11ea-bc55-0242ac130003",
        "issues": [{"code": "90220", "message": "'size' is required", "severity": "ERROR",
                    "attributeNames": ["size"], "categories": ["MISSING_ATTRIBUTE"]}]
    });
    assert_eq!(spec.validate_response("PUT", path, 200, &ok), vec![]);
    let bad = json!({
        "sku": "SKU-1",
        "status": "DONE",
        "issues": [{"code": 90220, "message": "m", "severity": "FATAL"}]
    });
    let problems = spec.validate_response("PUT", path, 200, &bad);
    assert_eq!(
        paths(&problems),
        vec![
            "/submissionId",
            "/status",
            "/issues/0/categories",
            "/issues/0/code",
            "/issues/0/severity"
        ],
        "{problems:?}"
    );
    let errors = json!({"errors": [{"code": "InvalidInput", "message": "bad"}]});
    assert_eq!(spec.validate_response("PUT", path, 400, &errors), vec![]);
    let problems = spec.validate_response("PUT", path, 418, &errors);
    assert!(
        problems[0].message.contains("not documented"),
        "{problems:?}"
    );
}

#[test]
fn amazon_create_feed_document() {
    let spec = feeds();
    let path = "/feeds/2021-06-30/documents";
    let body = json!({"contentType": "application/json; charset=UTF-8"});
    assert_eq!(
        spec.validate_request("POST", path, &[], Some(&body)),
        vec![]
    );
    let problems = spec.validate_request("POST", path, &[], Some(&json!({"content_type": "x"})));
    assert_eq!(paths(&problems), vec!["/contentType"]);
    let response = json!({"feedDocumentId": "amzn1.tortuga.4.eu.x", "url": "https://tortuga-prod-eu.s3.amazonaws.com/x"});
    assert_eq!(spec.validate_response("POST", path, 201, &response), vec![]);
    let problems = spec.validate_response("POST", path, 201, &json!({"feedDocumentId": 7}));
    assert_eq!(paths(&problems), vec!["/url", "/feedDocumentId"]);
}

#[test]
fn amazon_search_orders() {
    let spec = orders();
    let path = "/orders/2026-01-01/orders";
    let query = q(&[
        ("createdAfter", "2026-01-01T00:00:00Z"),
        ("marketplaceIds", "A1PA6795UKMFR9"),
        ("fulfillmentStatuses", "UNSHIPPED,PARTIALLY_SHIPPED"),
        ("maxResultsPerPage", "50"),
    ]);
    assert_eq!(spec.validate_request("GET", path, &query, None), vec![]);
    let query = q(&[
        ("createdAfter", "last tuesday"),
        ("fulfillmentStatuses", "LOST"),
        ("maxResultsPerPage", "many"),
    ]);
    let problems = spec.validate_request("GET", path, &query, None);
    assert_eq!(
        paths(&problems),
        vec![
            "query:createdAfter",
            "query:fulfillmentStatuses/0",
            "query:maxResultsPerPage"
        ],
        "{problems:?}"
    );
    let problems = spec.validate_request("GET", path, &[], Some(&json!({})));
    assert_eq!(paths(&problems), vec![""]);

    let order = json!({
        "orderId": "306-1234567-1234567",
        "createdTime": "2026-01-05T10:00:00Z",
        "lastUpdatedTime": "2026-01-05T11:30:00Z",
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": "A1PA6795UKMFR9"},
        "fulfillment": {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "MERCHANT"},
        "proceeds": {"grandTotal": {"amount": "49.90", "currencyCode": "EUR"}},
        "orderItems": [{
            "orderItemId": "12345678901234",
            "quantityOrdered": 1,
            "product": {"asin": "B0TEST0001", "sellerSku": "SKU-1", "title": "Travel bag",
                        "price": {"unitPrice": {"amount": "49.90", "currencyCode": "EUR"}}}
        }]
    });
    let ok = json!({"orders": [order], "pagination": {"nextToken": "abc"}, "createdBefore": "2026-01-06T00:00:00Z"});
    assert_eq!(spec.validate_response("GET", path, 200, &ok), vec![]);

    let mut bad_order = order.clone();
    bad_order["createdTime"] = json!("05.01.2026");
    bad_order["fulfillment"]["fulfillmentStatus"] = json!("SENT");
    bad_order["orderItems"][0]["quantityOrdered"] = json!("1");
    bad_order["proceeds"]["grandTotal"] = json!({"amount": 49.9});
    bad_order.as_object_mut().unwrap().remove("salesChannel");
    let problems = spec.validate_response("GET", path, 200, &json!({"orders": [bad_order]}));
    let mut got = paths(&problems);
    got.sort_unstable();
    assert_eq!(
        got,
        vec![
            "/orders/0/createdTime",
            "/orders/0/fulfillment/fulfillmentStatus",
            "/orders/0/orderItems/0/quantityOrdered",
            "/orders/0/proceeds/grandTotal/amount",
            "/orders/0/proceeds/grandTotal/currencyCode",
            "/orders/0/salesChannel",
        ],
        "{problems:?}"
    );
}

#[test]
fn ebay_create_or_replace_inventory_item() {
    let spec = inventory();
    let path = "/sell/inventory/v1/inventory_item/SKU-1";
    let body = json!({
        "availability": {"shipToLocationAvailability": {"quantity": 12}},
        "condition": "NEW",
        "product": {
            "title": "Travel bag",
            "description": "A bag.",
            "aspects": {"Brand": ["AdlerDo"], "Colour": ["Black"]},
            "imageUrls": ["https://example.com/bag.jpg"],
            "ean": ["4006381333931"]
        },
        "packageWeightAndSize": {"weight": {"unit": "KILOGRAM", "value": 1.2}}
    });
    // eBay's spec declares `aspects` a string, but the API takes (and documents in prose) an
    // object of name -> list of values: the spec test must correct it explicitly.
    let problems = spec.validate_request("PUT", path, &[], Some(&body));
    assert_eq!(paths(&problems), vec!["/product/aspects"], "{problems:?}");
    let mut spec = spec;
    let aspects = "/components/schemas/Product/properties/aspects";
    spec.patch(
        aspects,
        json!({"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}),
    )
    .unwrap();
    assert!(spec.patch("/components/schemas/Nope/x", json!({})).is_err());
    assert_eq!(spec.validate_request("PUT", path, &[], Some(&body)), vec![]);
    let mut broken = body.clone();
    broken["product"]["aspects"]["Brand"] = json!("AdlerDo");
    broken["availability"]["shipToLocationAvailability"]["quantity"] = json!("12");
    broken["product"]["imageUrls"] = json!("https://example.com/bag.jpg");
    broken["packageWeightAndSize"]["weight"]["value"] = json!("heavy");
    let problems = spec.validate_request("PUT", path, &[], Some(&broken));
    assert_eq!(
        paths(&problems),
        vec![
            "/availability/shipToLocationAvailability/quantity",
            "/product/aspects/Brand",
            "/product/imageUrls",
            "/packageWeightAndSize/weight/value"
        ],
        "{problems:?}"
    );
    // int32 range.
    let mut huge = body.clone();
    huge["availability"]["shipToLocationAvailability"]["quantity"] = json!(5_000_000_000_i64);
    let problems = spec.validate_request("PUT", path, &[], Some(&huge));
    assert_eq!(
        paths(&problems),
        vec!["/availability/shipToLocationAvailability/quantity"]
    );
    // Required body missing.
    assert_eq!(
        paths(&spec.validate_request("PUT", path, &[], None)),
        vec![""]
    );
    // The response (BaseResponse) and a 204 without a body.
    let warnings =
        json!({"warnings": [{"errorId": 25401, "domain": "API_INVENTORY", "message": "m"}]});
    assert_eq!(spec.validate_response("PUT", path, 200, &warnings), vec![]);
    assert_eq!(
        spec.validate_response("PUT", path, 204, &Value::Null),
        vec![]
    );
}

#[test]
fn ebay_bulk_update_price_quantity() {
    let spec = inventory();
    let path = "/sell/inventory/v1/bulk_update_price_quantity";
    let body = json!({"requests": [{
        "sku": "SKU-1",
        "shipToLocationAvailability": {"quantity": 7},
        "offers": [{"offerId": "9876543210", "availableQuantity": 7,
                    "price": {"value": "19.99", "currency": "EUR"}}]
    }]});
    assert_eq!(
        spec.validate_request("POST", path, &[], Some(&body)),
        vec![]
    );
    let broken = json!({"requests": [
        {"sku": 1},
        {"sku": "S", "offers": [{"offerId": "1", "price": {"value": 19.99}}]}
    ]});
    let problems = spec.validate_request("POST", path, &[], Some(&broken));
    assert_eq!(
        paths(&problems),
        vec!["/requests/0/sku", "/requests/1/offers/0/price/value"],
        "{problems:?}"
    );
    assert_eq!(
        paths(&spec.validate_request("POST", path, &[], Some(&json!({"requests": {}})))),
        vec!["/requests"]
    );
    let response =
        json!({"responses": [{"offerId": "9876543210", "sku": "SKU-1", "statusCode": 200}]});
    assert_eq!(spec.validate_response("POST", path, 200, &response), vec![]);
    // 207 is documented without a schema: any body passes.
    assert_eq!(spec.validate_response("POST", path, 207, &response), vec![]);
    let bad = json!({"responses": [{"sku": "SKU-1", "statusCode": "OK"}]});
    assert_eq!(
        paths(&spec.validate_response("POST", path, 200, &bad)),
        vec!["/responses/0/statusCode"]
    );
}

#[test]
fn ebay_get_orders() {
    let spec = fulfillment();
    let path = "/sell/fulfillment/v1/order";
    let query = q(&[
        ("filter", "creationdate:[2026-01-01T00:00:00.000Z..]"),
        ("limit", "50"),
        ("offset", "0"),
    ]);
    assert_eq!(spec.validate_request("GET", path, &query, None), vec![]);
    let problems = spec.validate_request("GET", path, &query, Some(&json!({})));
    assert_eq!(paths(&problems), vec![""]);
    let ok = json!({
        "href": "https://api.ebay.com/sell/fulfillment/v1/order?limit=50&offset=0",
        "limit": 50,
        "offset": 0,
        "total": 1,
        "orders": [{
            "orderId": "12-34567-89012",
            "creationDate": "2026-01-05T10:00:00.000Z",
            "orderFulfillmentStatus": "NOT_STARTED",
            "orderPaymentStatus": "PAID",
            "pricingSummary": {"total": {"value": "19.99", "currency": "EUR"}},
            "lineItems": [{"lineItemId": "10000000001", "sku": "SKU-1", "quantity": 1,
                           "title": "Travel bag"}]
        }]
    });
    assert_eq!(spec.validate_response("GET", path, 200, &ok), vec![]);
    let mut bad = ok.clone();
    bad["total"] = json!("1");
    bad["orders"][0]["lineItems"][0]["quantity"] = json!(1.5);
    bad["orders"][0]["pricingSummary"]["total"] = json!("19.99 EUR");
    let problems = spec.validate_response("GET", path, 200, &bad);
    assert_eq!(
        paths(&problems),
        vec![
            "/total",
            "/orders/0/pricingSummary/total",
            "/orders/0/lineItems/0/quantity"
        ],
        "{problems:?}"
    );
    // 400 is documented without a schema.
    assert_eq!(
        spec.validate_response("GET", path, 400, &json!({"errors": []})),
        vec![]
    );
    assert_eq!(
        spec.validate_response("GET", path, 404, &json!({})).len(),
        1
    );
}
