//! The Shopify adapter against the Shopify simulator over real HTTP, the simulator's documented
//! limits, and the spec test: every request the adapter sends and every answer the simulator
//! gives, validated against Shopify's published Admin GraphQL schema.

use std::sync::Arc;
use std::time::{Duration, Instant};

use adlerdo::marketplaces::shopify::{DRIVER, Shopify};
use adlerdo::marketplaces::{
    AccountConfig, ListingIds, MarketError, Marketplace, Offer, QuantityUpdate, RetryPolicy,
};
use adlerdo::ratelimit::TimeSource;
use adlerdo::sim::market::{Fault, RunningMarketSim, SimOptions};
use adlerdo::sim::shopify::{self as sim, RunningShopifySim, ShopConfig};
use serde_json::{Value, json};

fn options(time: TimeSource) -> SimOptions {
    SimOptions {
        time,
        ..SimOptions::default()
    }
}

async fn start(options: SimOptions) -> RunningShopifySim {
    start_with(options, ShopConfig::default()).await
}

async fn start_with(options: SimOptions, config: ShopConfig) -> RunningShopifySim {
    crate::helpers::init_test_logging();
    sim::start_with(options, config).expect("simulator starts")
}

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base: Duration::from_millis(5),
        max_wait: Duration::from_secs(2),
    }
}

fn account(sim: &RunningShopifySim, time: TimeSource) -> AccountConfig {
    AccountConfig {
        id: 7,
        name: "shop".into(),
        settings: sim.account_settings(),
        credentials: sim.account_credentials(),
        time,
        retry: quick_retry(),
        timeout: Duration::from_secs(5),
    }
}

fn adapter(account: AccountConfig) -> Arc<dyn Marketplace> {
    (DRIVER.build)(account).expect("adapter builds")
}

fn offer(sku: &str, price: f64, quantity: i64) -> Offer {
    Offer {
        sku: sku.into(),
        title: format!("Product {sku}"),
        description: format!("All about {sku}."),
        price,
        barcode: Some("4006381333931".into()),
        quantity,
        attributes: vec![],
        ids: None,
    }
}

fn update(ids: &ListingIds, quantity: i64, previous: Option<i64>) -> QuantityUpdate {
    QuantityUpdate {
        sku: ids.sku.clone(),
        quantity,
        ids: ids.clone(),
        previous,
    }
}

async fn seed_and_link(
    sim: &RunningShopifySim,
    shop: &dyn Marketplace,
    n: usize,
) -> Vec<ListingIds> {
    let skus: Vec<String> = (0..n).map(|i| format!("SKU-{i:05}")).collect();
    for (i, s) in skus.iter().enumerate() {
        sim.seed_listing(s, &format!("Seeded {s}"), 10.0, i as i64 % 7);
    }
    let found = shop.find_listings(&skus).await.expect("lookup");
    assert_eq!(found.len(), n);
    found
}

/// A raw GraphQL call to the simulator (for what the adapter never sends).
async fn raw(
    sim: &RunningShopifySim,
    version: &str,
    token: Option<&str>,
    body: Value,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}/admin/api/{version}/graphql.json", sim.url()))
        .json(&body);
    if let Some(t) = token {
        req = req.header("X-Shopify-Access-Token", t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The message of the first GraphQL error.
fn message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap()
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn offers_are_created_then_updated_in_place() {
    let sim = start(SimOptions::default()).await;
    let shop = adapter(account(&sim, TimeSource::real()));
    let mut offers: Vec<Offer> = (0..30)
        .map(|i| offer(&format!("NEW-{i}"), 5.0 + i as f64, i))
        .collect();
    offers[3].attributes = vec![("Color".into(), "Red".into())];
    let pushed = shop.upsert_offers(&offers).await.unwrap();
    assert_eq!(pushed.items.len(), 30);
    assert_eq!(
        pushed
            .exchanges
            .iter()
            .filter(|e| e.operation == "productSet")
            .count(),
        2,
        "25 offers a call"
    );
    for (o, item) in offers.iter().zip(&pushed.items) {
        let ids = item.result.as_ref().unwrap();
        assert_eq!(ids.sku, o.sku);
        assert!(
            ids.external_id
                .as_deref()
                .unwrap()
                .starts_with("gid://shopify/ProductVariant/")
        );
        assert!(
            ids.external_ref
                .as_deref()
                .unwrap()
                .starts_with("gid://shopify/InventoryItem/")
        );
        assert_eq!(sim.quantity(&o.sku), Some(o.quantity));
    }
    let products = sim.store(|s| s.products.len());

    // Again with the ids known (and once without, found by SKU): updates, no new products.
    let mut again = offers.clone();
    for (o, item) in again.iter_mut().zip(&pushed.items) {
        o.price += 1.0;
        o.title = format!("{} v2", o.title);
        o.ids = item.result.clone().ok();
    }
    again[0].ids = None;
    let pushed2 = shop.upsert_offers(&again).await.unwrap();
    assert!(pushed2.items.iter().all(|i| i.result.is_ok()));
    assert_eq!(sim.store(|s| s.products.len()), products);
    for (a, b) in pushed.items.iter().zip(&pushed2.items) {
        assert_eq!(
            a.result.as_ref().unwrap().external_id,
            b.result.as_ref().unwrap().external_id
        );
    }
    let price = sim.store(|s| s.variants_by_sku("NEW-1").next().unwrap().price.clone());
    assert_eq!(price, "7.00");
}

#[tokio::test]
async fn refused_offers_are_per_item_outcomes() {
    let sim = start(SimOptions::default()).await;
    let shop = adapter(account(&sim, TimeSource::real()));
    let mut bad = offer("BAD", 1.0, 1);
    bad.title = "  ".into();
    let mut negative = offer("NEG", -3.0, 1);
    negative.title = "Negative".into();
    let pushed = shop
        .upsert_offers(&[offer("OK", 2.0, 1), bad, negative])
        .await
        .unwrap();
    assert!(pushed.items[0].result.is_ok());
    assert_eq!(
        pushed.items[1].result.as_ref().unwrap_err().code,
        "INVALID_PRODUCT"
    );
    assert_eq!(
        pushed.items[2].result.as_ref().unwrap_err().code,
        "INVALID_VARIANT"
    );
    assert_eq!(sim.quantity("BAD"), None);
}

#[tokio::test]
async fn existing_listing_is_linked_by_sku() {
    let sim = start(SimOptions::default()).await;
    let shop = adapter(account(&sim, TimeSource::real()));
    sim.seed_listing("LINK-1", "Made in the Shopify admin", 12.5, 9);
    sim.seed_listing("LINK \"2\"", "Odd SKU", 1.0, 0);
    let found = shop
        .find_listings(&["LINK-1".into(), "MISSING".into(), "LINK \"2\"".into()])
        .await
        .unwrap();
    assert_eq!(found.len(), 2, "unknown SKUs are left out");
    assert_eq!(found[0].sku, "LINK-1");
    assert_eq!(found[0].quantity, Some(9));
    assert!(found[0].active);
    assert_eq!(found[1].sku, "LINK \"2\"");
    // Linked ids are enough to push stock.
    let pushed = shop
        .push_quantities(&[update(&found[0], 4, Some(9))])
        .await
        .unwrap();
    assert!(pushed.items[0].result.is_ok());
    assert_eq!(sim.quantity("LINK-1"), Some(4));
}

#[tokio::test]
async fn lookups_follow_cursors_across_pages() {
    let sim = start(SimOptions::default()).await;
    let shop = adapter(account(&sim, TimeSource::real()));
    let found = seed_and_link(&sim, shop.as_ref(), 120).await;
    assert_eq!(found[119].sku, "SKU-00119");

    // Raw paging through every variant, 50 at a time.
    let mut after = Value::Null;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let (status, _, body) = raw(&sim, "2026-10", Some(sim::SANDBOX_ACCESS_TOKEN), json!({
            "query": "query P($after: String) { productVariants(first: 50, after: $after) { edges { cursor node { sku } } pageInfo { hasNextPage hasPreviousPage endCursor } } }",
            "variables": {"after": after}})).await;
        assert_eq!(status, 200);
        let conn = &body["data"]["productVariants"];
        pages += 1;
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], json!(pages > 1));
        seen.extend(
            conn["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["sku"].as_str().unwrap().to_string()),
        );
        if conn["pageInfo"]["hasNextPage"] == json!(false) {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 3);
    let mut dedup = seen.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), 120);
    // Pages are capped at 250 nodes; a bad cursor is an error.
    let (_, _, body) = raw(
        &sim,
        "2026-10",
        Some(sim::SANDBOX_ACCESS_TOKEN),
        json!({"query": "{ productVariants(first: 251) { nodes { id } } }"}),
    )
    .await;
    assert!(message(&body).contains("250"));
    let (_, _, body) = raw(
        &sim,
        "2026-10",
        Some(sim::SANDBOX_ACCESS_TOKEN),
        json!({"query": "{ productVariants(first: 5, after: \"nope\") { nodes { id } } }"}),
    )
    .await;
    assert!(message(&body).contains("cursor"));
}

#[tokio::test]
async fn quantities_are_pushed_in_full_batches() {
    // Looking 600 SKUs up costs about 3,000 points, more than the bucket: at ten times real
    // speed the restore waits stay short.
    let time = TimeSource::scaled(10.0);
    let sim = start(options(time.clone())).await;
    let shop = adapter(account(&sim, time));
    assert_eq!(shop.max_quantities_per_call(), 250);
    let found = seed_and_link(&sim, shop.as_ref(), 600).await;
    let updates: Vec<QuantityUpdate> = found
        .iter()
        .enumerate()
        .map(|(i, l)| update(l, 100 + i as i64, l.quantity))
        .collect();
    let pushed = shop.push_quantities(&updates).await.unwrap();
    assert_eq!(pushed.items.len(), 600);
    assert!(pushed.items.iter().all(|i| i.result.is_ok()));
    for (i, l) in found.iter().enumerate() {
        assert_eq!(sim.quantity(&l.sku), Some(100 + i as i64));
    }
    let sets: Vec<_> = pushed
        .exchanges
        .iter()
        .filter(|e| e.operation == "inventorySetQuantities")
        .collect();
    assert_eq!(sets.len(), 3, "250 + 250 + 100");
    // The record keeps the first 50 quantities and says how many more there were.
    let q = sets[0].request["variables"]["input"]["quantities"]
        .as_array()
        .unwrap();
    assert_eq!(q.len(), 51);
    assert_eq!(q[50], "... 200 more");
    assert_eq!(q[0]["changeFromQuantity"], json!(found[0].quantity));
    assert!(
        sets[0].request["query"]
            .as_str()
            .unwrap()
            .contains("@idempotent(key: \"")
    );
    let calls = sim.calls();
    let set_calls: Vec<_> = calls
        .iter()
        .filter(|c| c.fields == ["inventorySetQuantities"])
        .collect();
    assert_eq!(set_calls.len(), 3);
    assert!(
        set_calls
            .iter()
            .all(|c| c.version == "2026-10" && c.error.is_none())
    );
    assert_eq!(sim.applied_sets(), 3);
}

#[tokio::test]
async fn refused_quantities_are_per_item_and_the_rest_is_applied() {
    let sim = start(SimOptions::default()).await;
    let shop = adapter(account(&sim, TimeSource::real()));
    let found = seed_and_link(&sim, shop.as_ref(), 5).await;
    let mut ghost = found[1].clone();
    ghost.external_ref = Some("gid://shopify/InventoryItem/999999999".into());
    let mut unlinked = found[4].clone();
    unlinked.external_ref = None;
    let updates = vec![
        update(&found[0], 10, found[0].quantity),
        update(&ghost, 10, None),
        update(&found[2], 10, Some(found[2].quantity.unwrap() + 50)),
        update(&found[3], -4, None),
        update(&unlinked, 10, None),
    ];
    let pushed = shop.push_quantities(&updates).await.unwrap();
    let r = |i: usize| pushed.items[i].result.clone();
    assert!(r(0).is_ok());
    assert_eq!(r(1).unwrap_err().code, "INVALID_INVENTORY_ITEM");
    let stale = r(2).unwrap_err();
    assert_eq!(stale.code, "CHANGE_FROM_QUANTITY_STALE");
    assert!(
        stale.retryable,
        "a stale value can be sent again with a fresh one"
    );
    assert_eq!(r(3).unwrap_err().code, "INVALID_QUANTITY_NEGATIVE");
    assert_eq!(r(4).unwrap_err().code, "NO_INVENTORY_ITEM");
    assert_eq!(
        sim.quantity(&found[0].sku),
        Some(10),
        "the good item went through on the resend"
    );
    assert_eq!(
        sim.quantity(&found[2].sku),
        found[2].quantity,
        "the stale one was not applied"
    );
    assert_eq!(sim.applied_sets(), 1);
}

#[tokio::test]
async fn a_throttle_storm_is_retried_honouring_the_wait() {
    let sim = start(SimOptions::default()).await;
    let shop = adapter(account(&sim, TimeSource::real()));
    let found = seed_and_link(&sim, shop.as_ref(), 3).await;
    let before = sim.knobs().requests();
    sim.knobs().push_faults(std::iter::repeat_n(
        Fault::Throttle(Duration::from_millis(150)),
        3,
    ));
    let started = Instant::now();
    let pushed = shop
        .push_quantities(&found.iter().map(|l| update(l, 1, None)).collect::<Vec<_>>())
        .await
        .unwrap();
    assert!(pushed.items.iter().all(|i| i.result.is_ok()));
    assert!(
        started.elapsed() >= Duration::from_millis(450),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(
        sim.knobs().requests() - before,
        4,
        "the same request, four times"
    );
    assert_eq!(
        pushed.exchanges.iter().filter(|e| e.status == 429).count(),
        3
    );
    // One key for the logical call: every attempt sent the same document.
    let queries: Vec<&str> = pushed
        .exchanges
        .iter()
        .map(|e| e.request["query"].as_str().unwrap())
        .collect();
    assert!(queries.windows(2).all(|w| w[0] == w[1]));

    // A wait longer than max_wait goes back to the caller.
    sim.knobs()
        .push_faults([Fault::Throttle(Duration::from_secs(60))]);
    let err = shop
        .push_quantities(&[update(&found[0], 2, None)])
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let sim = start(SimOptions::default()).await;
    let shop = adapter(account(&sim, TimeSource::real()));
    let found = seed_and_link(&sim, shop.as_ref(), 2).await;
    sim.knobs()
        .push_faults([Fault::Status(503), Fault::Status(500)]);
    let pushed = shop
        .push_quantities(&[update(&found[0], 3, None)])
        .await
        .unwrap();
    assert!(pushed.items[0].result.is_ok());
    assert_eq!(sim.quantity(&found[0].sku), Some(3));
    sim.knobs()
        .push_faults(std::iter::repeat_n(Fault::Status(502), 4));
    let err = shop
        .push_quantities(&[update(&found[0], 4, None)])
        .await
        .unwrap_err();
    assert!(matches!(err, MarketError::Transient(_)), "{err:?}");
    assert_eq!(sim.quantity(&found[0].sku), Some(3));
}

#[tokio::test]
async fn a_timeout_is_retried_with_the_same_idempotency_key() {
    let sim = start(SimOptions::default()).await;
    let mut acc = account(&sim, TimeSource::real());
    acc.timeout = Duration::from_millis(300);
    let shop = adapter(acc.clone());
    let found = seed_and_link(&sim, shop.as_ref(), 2).await;
    sim.knobs()
        .push_faults([Fault::Delay(Duration::from_millis(800))]);
    let pushed = shop
        .push_quantities(&[update(&found[0], 11, found[0].quantity)])
        .await
        .unwrap();
    assert!(pushed.items[0].result.is_ok(), "{:?}", pushed.items[0]);
    // The late first attempt is answered from the idempotency record once it lands.
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(sim.quantity(&found[0].sku), Some(11));
    assert_eq!(sim.applied_sets(), 1, "applied once although sent twice");

    acc.retry.max_attempts = 1;
    let once = adapter(acc);
    sim.knobs()
        .push_faults([Fault::Delay(Duration::from_millis(800))]);
    let err = once
        .push_quantities(&[update(&found[1], 1, None)])
        .await
        .unwrap_err();
    assert!(matches!(err, MarketError::Transient(_)), "{err:?}");
}

#[tokio::test]
async fn garbage_and_truncated_answers_are_errors_not_panics() {
    let sim = start(SimOptions::default()).await;
    let mut acc = account(&sim, TimeSource::real());
    let shop = adapter(acc.clone());
    let found = seed_and_link(&sim, shop.as_ref(), 2).await;
    acc.retry.max_attempts = 1;
    let once = adapter(acc);
    sim.knobs().push_faults([Fault::Garbage]);
    let err = once
        .push_quantities(&[update(&found[0], 1, None)])
        .await
        .unwrap_err();
    assert!(matches!(err, MarketError::Decode(_)), "{err:?}");
    sim.knobs().push_faults([Fault::Truncated]);
    let err = once
        .find_listings(&[found[0].sku.clone()])
        .await
        .unwrap_err();
    assert!(
        matches!(err, MarketError::Decode(_) | MarketError::Transient(_)),
        "{err:?}"
    );
    // With retries the same faults are overcome.
    sim.knobs().push_faults([Fault::Garbage, Fault::Truncated]);
    let pushed = shop
        .push_quantities(&[update(&found[1], 5, None)])
        .await
        .unwrap();
    assert!(pushed.items[0].result.is_ok());
    assert_eq!(sim.quantity(&found[1].sku), Some(5));
}

#[tokio::test]
async fn an_expired_token_is_replaced_and_the_call_goes_on() {
    let sim = start(options(TimeSource::real())).await;
    let shop = adapter(account(&sim, TimeSource::real()));
    let found = seed_and_link(&sim, shop.as_ref(), 1).await;
    sim.expire_tokens();
    let pushed = shop
        .push_quantities(&[update(&found[0], 8, None)])
        .await
        .unwrap();
    assert!(pushed.items[0].result.is_ok());
    assert_eq!(
        pushed.exchanges.iter().filter(|e| e.status == 401).count(),
        1
    );
    assert_eq!(sim.quantity(&found[0].sku), Some(8));
}

#[tokio::test]
async fn tokens_are_asked_for_again_before_they_expire() {
    let (time, clock) = TimeSource::manual(1.0);
    let sim = start(options(time.clone())).await;
    let shop = adapter(account(&sim, time));
    let found = seed_and_link(&sim, shop.as_ref(), 1).await;
    // 24 hours later the old token would be refused; the adapter asks first.
    clock.advance(Duration::from_secs(24 * 3600));
    let pushed = shop
        .push_quantities(&[update(&found[0], 2, None)])
        .await
        .unwrap();
    assert!(pushed.items[0].result.is_ok());
    assert_eq!(
        pushed.exchanges.iter().filter(|e| e.status == 401).count(),
        0
    );
}

#[tokio::test]
async fn refused_client_credentials_are_unauthorized() {
    let sim = start(SimOptions::default()).await;
    let shop = adapter(account(&sim, TimeSource::real()));
    let found = seed_and_link(&sim, shop.as_ref(), 1).await;
    sim.revoke_client();
    let err = shop
        .push_quantities(&[update(&found[0], 1, None)])
        .await
        .unwrap_err();
    assert!(matches!(err, MarketError::Unauthorized(_)), "{err:?}");
    assert!(!err.to_string().contains(sim::SANDBOX_CLIENT_SECRET));
}

#[tokio::test]
async fn a_permanent_token_works_and_its_refusal_is_unauthorized() {
    let sim = start(SimOptions::default()).await;
    let mut acc = account(&sim, TimeSource::real());
    acc.credentials = serde_json::Map::from_iter([(
        "access_token".to_string(),
        json!(sim::SANDBOX_ACCESS_TOKEN),
    )]);
    let shop = adapter(acc.clone());
    sim.seed_listing("P-1", "P", 1.0, 1);
    assert_eq!(shop.find_listings(&["P-1".into()]).await.unwrap().len(), 1);
    sim.knobs().push_faults([Fault::Unauthorized]);
    let err = shop.find_listings(&["P-1".into()]).await.unwrap_err();
    assert!(matches!(err, MarketError::Unauthorized(_)), "{err:?}");

    acc.credentials =
        serde_json::Map::from_iter([("access_token".to_string(), json!("shpat_wrong"))]);
    let err = adapter(acc.clone())
        .find_listings(&["P-1".into()])
        .await
        .unwrap_err();
    assert!(matches!(err, MarketError::Unauthorized(_)), "{err:?}");
    acc.credentials = serde_json::Map::new();
    assert!(matches!(Shopify::new(&acc), Err(MarketError::Config(_))));
    let mut bad = account(&sim, TimeSource::real());
    bad.settings.insert("api_version".into(), json!("2026-05"));
    assert!(matches!(Shopify::new(&bad), Err(MarketError::Config(_))));
    let mut bad = account(&sim, TimeSource::real());
    bad.settings.remove("location_id");
    assert!(matches!(Shopify::new(&bad), Err(MarketError::Config(_))));
}

#[tokio::test]
async fn the_simulator_enforces_its_limits_on_a_manual_clock() {
    let (time, clock) = TimeSource::manual(1.0);
    let config = ShopConfig {
        bucket_size: 100.0,
        restore_rate: 10.0,
        ..ShopConfig::default()
    };
    let sim = start_with(options(time.clone()), config).await;
    let token = Some(sim::SANDBOX_ACCESS_TOKEN);
    let v = sim.store(|s| s.seed("LIM-1", "Limited", 1.0, 0));
    let item = sim.store(|s| s.variants[&v].item);
    let set = |q: i64, key: &str| {
        json!({
        "query": format!("mutation S($input: InventorySetQuantitiesInput!) {{ inventorySetQuantities(input: $input) @idempotent(key: \"{key}\") {{ userErrors {{ code field message }} }} }}"),
        "variables": {"input": {"name": "available", "reason": "correction", "quantities": [
            {"inventoryItemId": format!("gid://shopify/InventoryItem/{item}"), "locationId": sim.primary_location_gid(), "quantity": q, "changeFromQuantity": null}]}}})
    };
    for i in 0..10 {
        let (status, headers, body) = raw(&sim, "2026-10", token, set(i, &format!("k{i}"))).await;
        assert_eq!(status, 200);
        assert_eq!(headers["x-shopify-api-version"], "2026-10");
        assert_eq!(
            body["extensions"]["cost"]["requestedQueryCost"],
            json!(10.0)
        );
        assert_eq!(
            body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"],
            json!(90.0 - 10.0 * i as f64)
        );
    }
    // The bucket is empty: THROTTLED with the cost extension, nothing applied.
    let (status, _, body) = raw(&sim, "2026-10", token, set(50, "k10")).await;
    assert_eq!(status, 200);
    assert_eq!(code(&body), "THROTTLED");
    assert_eq!(body["extensions"]["cost"]["actualQueryCost"], Value::Null);
    assert_eq!(
        body["extensions"]["cost"]["throttleStatus"],
        json!({"maximumAvailable": 100.0, "currentlyAvailable": 0.0, "restoreRate": 10.0})
    );
    assert_eq!(sim.quantity("LIM-1"), Some(9));
    // One second restores 10 points: the same request passes.
    clock.advance(Duration::from_millis(999));
    assert_eq!(
        code(&raw(&sim, "2026-10", token, set(50, "k10")).await.2),
        "THROTTLED"
    );
    clock.advance(Duration::from_millis(1));
    let (_, _, body) = raw(&sim, "2026-10", token, set(50, "k10")).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(sim.quantity("LIM-1"), Some(50));

    // The adapter's limiter: Shopify's THROTTLED answer (bucket empty, 10 points a second)
    // means a 1 s wait, longer than this account's max_wait: handed back, not slept.
    let mut acc = account(&sim, time.clone());
    acc.retry.max_wait = Duration::ZERO;
    acc.credentials = serde_json::Map::from_iter([(
        "access_token".to_string(),
        json!(sim::SANDBOX_ACCESS_TOKEN),
    )]);
    let shop = adapter(acc);
    let linked = ListingIds {
        sku: "LIM-1".into(),
        external_id: Some(format!("gid://shopify/ProductVariant/{v}")),
        external_ref: Some(format!("gid://shopify/InventoryItem/{item}")),
        quantity: None,
        active: true,
    };
    let err = shop
        .push_quantities(&[update(&linked, 60, None)])
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)), "{err:?}");
    // Its local bucket now mirrors the shop's: the next call waits without being sent.
    let sent = sim.calls().len();
    let err = shop
        .push_quantities(&[update(&linked, 60, None)])
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)), "{err:?}");
    assert_eq!(sim.calls().len(), sent, "refused locally");
    clock.advance(Duration::from_secs(1));
    let pushed = shop
        .push_quantities(&[update(&linked, 60, None)])
        .await
        .unwrap();
    assert!(pushed.items[0].result.is_ok());
    assert_eq!(sim.quantity("LIM-1"), Some(60));
    // A query that costs more than this small bucket ever holds can never be admitted.
    clock.advance(Duration::from_secs(10));
    let found = shop.find_listings(&["LIM-1".into()]).await;
    assert!(
        matches!(found, Err(MarketError::Rejected { .. })),
        "{found:?}"
    );

    // Single queries above 1,000 points are refused whatever the bucket.
    let big = json!({"query": "{ productVariants(first: 250) { nodes { id inventoryItem { inventoryLevels(first: 250) { nodes { id } } } } } }"});
    let (_, _, body) = raw(&sim, "2026-10", token, big).await;
    assert_eq!(code(&body), "MAX_COST_EXCEEDED");
    assert!(body["errors"][0]["extensions"]["cost"].as_f64().unwrap() > 1000.0);
}

#[tokio::test]
async fn the_simulator_answers_like_shopify_at_the_edges() {
    let sim = start(options(TimeSource::real())).await;
    let token = Some(sim::SANDBOX_ACCESS_TOKEN);
    // Auth, bodies, validation.
    let (status, _, body) = raw(&sim, "2026-10", None, json!({"query": "{ shop { name } }"})).await;
    assert_eq!(status, 401);
    assert!(
        body["errors"]
            .as_str()
            .unwrap()
            .contains("Invalid API key or access token")
    );
    let (status, _, _) = raw(
        &sim,
        "2026-10",
        Some("shpat_nope"),
        json!({"query": "{ shop { name } }"}),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _, body) = raw(&sim, "2026-10", token, json!({"variables": {}})).await;
    assert_eq!(status, 400);
    assert!(body["errors"]["query"].is_string());
    let (status, _, body) = raw(
        &sim,
        "2026-10",
        token,
        json!({"query": "{ shop { nmae } }"}),
    )
    .await;
    assert_eq!(status, 200);
    let messages = body["errors"].as_array().unwrap();
    assert!(
        messages
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains("`nmae`")),
        "{body}"
    );
    assert!(body.get("data").is_none());
    let (status, _, body) = raw(&sim, "2026-10", token, json!({"query": "{ shop { name } "})).await;
    assert_eq!(status, 200);
    assert!(
        !body["errors"].as_array().unwrap().is_empty(),
        "a syntax error"
    );
    let (status, _, _) = raw(
        &sim,
        "not-a-version",
        token,
        json!({"query": "{ shop { name } }"}),
    )
    .await;
    assert_eq!(status, 404);
    // A retired version is served with the oldest supported one, and the header says so.
    let (_, headers, body) = raw(
        &sim,
        "2023-01",
        token,
        json!({"query": "{ shop { name } }"}),
    )
    .await;
    assert_eq!(headers["x-shopify-api-version"], "2025-01");
    assert_eq!(body["data"]["shop"]["name"], "adlerdo-sandbox");

    let v = sim.store(|s| s.seed("EDGE-1", "Edge", 1.0, 3));
    let item = format!(
        "gid://shopify/InventoryItem/{}",
        sim.store(|s| s.variants[&v].item)
    );
    let q = |extra: Value| {
        let mut q = json!({"inventoryItemId": item, "locationId": sim.primary_location_gid(), "quantity": 4});
        q.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        q
    };
    let doc = |key: Option<&str>| {
        let d = key
            .map(|k| format!(" @idempotent(key: \"{k}\")"))
            .unwrap_or_default();
        format!(
            "mutation S($input: InventorySetQuantitiesInput!) {{ inventorySetQuantities(input: $input){d} {{ inventoryAdjustmentGroup {{ id }} userErrors {{ code field message }} }} }}"
        )
    };
    let input = |qs: Vec<Value>| json!({"name": "available", "reason": "correction", "referenceDocumentUri": "gid://adlerdo/StockPush/1", "quantities": qs});

    // 2025-x: no changeFromQuantity, no @idempotent; compareQuantity is required.
    let (_, _, body) = raw(&sim, "2025-10", token, json!({"query": doc(None), "variables": {"input": input(vec![q(json!({"changeFromQuantity": 3}))])}})).await;
    assert_eq!(code(&body), "INVALID_VARIABLE", "{body}");
    let (_, _, body) = raw(
        &sim,
        "2025-10",
        token,
        json!({"query": doc(Some("a")), "variables": {"input": input(vec![q(json!({}))])}}),
    )
    .await;
    assert!(message(&body).contains("idempotent"), "{body}");
    let (_, _, body) = raw(
        &sim,
        "2025-10",
        token,
        json!({"query": doc(None), "variables": {"input": input(vec![q(json!({}))])}}),
    )
    .await;
    assert_eq!(
        body["data"]["inventorySetQuantities"]["userErrors"][0]["code"],
        "COMPARE_QUANTITY_REQUIRED"
    );
    let (_, _, body) = raw(&sim, "2025-10", token, json!({"query": doc(None), "variables": {"input": input(vec![q(json!({"compareQuantity": 3}))])}})).await;
    assert_eq!(
        body["data"]["inventorySetQuantities"]["userErrors"],
        json!([])
    );
    assert_eq!(sim.quantity("EDGE-1"), Some(4));
    // 2026-01: changeFromQuantity optional, the key optional.
    let (_, _, body) = raw(&sim, "2026-01", token, json!({"query": doc(None), "variables": {"input": input(vec![q(json!({"quantity": 5, "changeFromQuantity": 4}))])}})).await;
    assert_eq!(
        body["data"]["inventorySetQuantities"]["userErrors"],
        json!([]),
        "{body}"
    );
    // 2026-04+: both mandatory, the old fields gone.
    let (_, _, body) = raw(&sim, "2026-04", token, json!({"query": doc(None), "variables": {"input": input(vec![q(json!({"changeFromQuantity": null}))])}})).await;
    assert!(message(&body).contains("@idempotent"), "{body}");
    let (_, _, body) = raw(
        &sim,
        "2026-04",
        token,
        json!({"query": doc(Some("b")), "variables": {"input": input(vec![q(json!({}))])}}),
    )
    .await;
    assert!(message(&body).contains("changeFromQuantity"), "{body}");
    let (_, _, body) = raw(&sim, "2026-04", token, json!({"query": doc(Some("c")), "variables": {"input": input(vec![q(json!({"compareQuantity": 5}))])}})).await;
    assert_eq!(code(&body), "INVALID_VARIABLE", "{body}");
    // Idempotency: same key and variables, the original answer and no second change.
    let body_d = json!({"query": doc(Some("d")), "variables": {"input": input(vec![q(json!({"quantity": 6, "changeFromQuantity": 5}))])}});
    let first = raw(&sim, "2026-10", token, body_d.clone()).await.2;
    let applied = sim.applied_sets();
    let second = raw(&sim, "2026-10", token, body_d).await.2;
    assert_eq!(first["data"], second["data"]);
    assert_eq!(sim.applied_sets(), applied);
    assert_eq!(sim.quantity("EDGE-1"), Some(6));
    let (_, _, body) = raw(&sim, "2026-10", token, json!({"query": doc(Some("d")), "variables": {"input": input(vec![q(json!({"quantity": 7, "changeFromQuantity": 6}))])}})).await;
    assert_eq!(
        body["data"]["inventorySetQuantities"]["userErrors"][0]["code"],
        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    );
    // 251 quantities: the input array cap.
    let many: Vec<Value> = (0..251)
        .map(|_| q(json!({"changeFromQuantity": null})))
        .collect();
    let (_, _, body) = raw(
        &sim,
        "2026-10",
        token,
        json!({"query": doc(Some("e")), "variables": {"input": input(many)}}),
    )
    .await;
    assert_eq!(code(&body), "MAX_INPUT_SIZE_EXCEEDED");
    // The cap holds for literal lists in the document too.
    let ids: Vec<String> = (0..251)
        .map(|i| format!("\"gid://shopify/ProductVariant/{i}\""))
        .collect();
    let literal = format!("{{ nodes(ids: [{}]) {{ id }} }}", ids.join(", "));
    let (_, _, body) = raw(&sim, "2026-10", token, json!({ "query": literal })).await;
    assert_eq!(code(&body), "MAX_INPUT_SIZE_EXCEEDED", "{body}");
    // Not stocked at the second location.
    let (_, _, body) = raw(&sim, "2026-10", token, json!({"query": doc(Some("f")), "variables": {"input": input(vec![q(json!({"locationId": sim.other_location_gid(), "changeFromQuantity": null}))])}})).await;
    assert_eq!(
        body["data"]["inventorySetQuantities"]["userErrors"][0]["code"],
        "ITEM_NOT_STOCKED_AT_LOCATION"
    );
    assert_eq!(
        body["data"]["inventorySetQuantities"]["userErrors"][0]["field"],
        json!(["input", "quantities", "0", "locationId"])
    );
}

#[tokio::test]
async fn an_older_api_version_uses_compare_quantity() {
    let sim = start(SimOptions::default()).await;
    let mut acc = account(&sim, TimeSource::real());
    acc.settings.insert("api_version".into(), json!("2025-10"));
    let shop = adapter(acc);
    let found = seed_and_link(&sim, shop.as_ref(), 3).await;
    let pushed = shop
        .push_quantities(&[
            update(&found[0], 20, found[0].quantity),
            update(&found[1], 21, Some(99)),
        ])
        .await
        .unwrap();
    assert!(pushed.items[0].result.is_ok());
    assert_eq!(
        pushed.items[1].result.as_ref().unwrap_err().code,
        "COMPARE_QUANTITY_STALE"
    );
    let pushed = shop
        .push_quantities(&[update(&found[2], 22, None)])
        .await
        .unwrap();
    assert!(pushed.items[0].result.is_ok());
    assert_eq!(sim.quantity(&found[2].sku), Some(22));
    assert!(sim.calls().iter().all(|c| c.version == "2025-10"));
}

#[tokio::test]
async fn the_driver_starts_its_simulator() {
    let running = (DRIVER.simulator)(SimOptions::default()).await.unwrap();
    assert_eq!(running.kind(), "shopify");
    running.seed_listing("D-1", "Driver", 1.0, 2);
    assert_eq!(running.quantities(), vec![("D-1".to_string(), 2)]);
    running.stop().await;
}

// ---------------------------------------------------------------------------------------------
// The spec test: Shopify's published Admin GraphQL schema (introspection JSON) turned into SDL,
// with the documented 2026 additions patched in, validates every query and its variables the
// adapter sent and the shape of every answer the simulator gave.

mod spec {
    use super::*;
    use apollo_compiler::executable::{Operation, Selection, SelectionSet};
    use apollo_compiler::schema::ExtendedType;
    use apollo_compiler::validation::Valid;
    use apollo_compiler::{ExecutableDocument, Schema};
    use std::io::Read;
    use std::sync::OnceLock;

    const SCHEMA: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/specs/shopify/admin_schema_2025-01.json.gz"
    );

    fn introspection() -> Value {
        let file = std::fs::File::open(SCHEMA).expect("the Shopify schema is in shared/specs");
        let mut text = String::new();
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn type_mut<'a>(schema: &'a mut Value, name: &str) -> &'a mut Value {
        schema["data"]["__schema"]["types"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|t| t["name"] == name)
            .unwrap()
    }

    /// The documented differences between 2025-01 and the version the hub uses (2026-10).
    fn patch_2026(schema: &mut Value) {
        let nullable_int = json!({"kind": "SCALAR", "name": "Int", "ofType": null});
        // changelog 2026-01 "Improved compare and swap inventory updates for the
        // inventorySetQuantities mutation": InventoryQuantityInput.changeFromQuantity: Int.
        type_mut(schema, "InventoryQuantityInput")["inputFields"].as_array_mut().unwrap().push(json!({
            "name": "changeFromQuantity", "description": null, "type": nullable_int, "defaultValue": null,
            "isDeprecated": false, "deprecationReason": null}));
        // changelog 2026-01 "Adding idempotency for inventory adjustments and refund mutations":
        // the @idempotent(key: String!) directive on mutation fields.
        schema["data"]["__schema"]["directives"].as_array_mut().unwrap().push(json!({
            "name": "idempotent", "description": null, "isRepeatable": false, "locations": ["FIELD"],
            "args": [{"name": "key", "description": null, "defaultValue": null,
                "type": {"kind": "NON_NULL", "name": null, "ofType": {"kind": "SCALAR", "name": "String", "ofType": null}}}]}));
        // changelog 2026-01 (CHANGE_FROM_QUANTITY_STALE) and the 2026-10 reference page of
        // InventorySetQuantitiesUserErrorCode (the IDEMPOTENCY_* codes).
        for value in [
            "CHANGE_FROM_QUANTITY_STALE",
            "IDEMPOTENCY_CONCURRENT_REQUEST",
            "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
            "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED",
        ] {
            type_mut(schema, "InventorySetQuantitiesUserErrorCode")["enumValues"].as_array_mut().unwrap().push(json!({
                "name": value, "description": null, "isDeprecated": false, "deprecationReason": null}));
        }
        // changelog 2026-04 "New compare and swap syntax for the inventorySetQuantities
        // mutation": compareQuantity and ignoreCompareQuantity are removed.
        type_mut(schema, "InventoryQuantityInput")["inputFields"]
            .as_array_mut()
            .unwrap()
            .retain(|f| f["name"] != "compareQuantity");
        type_mut(schema, "InventorySetQuantitiesInput")["inputFields"]
            .as_array_mut()
            .unwrap()
            .retain(|f| f["name"] != "ignoreCompareQuantity");
    }

    fn type_ref(t: &Value) -> String {
        match t["kind"].as_str().unwrap() {
            "NON_NULL" => format!("{}!", type_ref(&t["ofType"])),
            "LIST" => format!("[{}]", type_ref(&t["ofType"])),
            _ => t["name"].as_str().unwrap().to_string(),
        }
    }

    fn args(list: &Value) -> String {
        let Some(list) = list.as_array().filter(|l| !l.is_empty()) else {
            return String::new();
        };
        let parts: Vec<String> = list
            .iter()
            .map(|a| match a["defaultValue"].as_str() {
                Some(d) => format!(
                    "{}: {} = {d}",
                    a["name"].as_str().unwrap(),
                    type_ref(&a["type"])
                ),
                None => format!("{}: {}", a["name"].as_str().unwrap(), type_ref(&a["type"])),
            })
            .collect();
        format!("({})", parts.join(", "))
    }

    /// SDL from an introspection result (descriptions and deprecations left out: they do not
    /// change what is valid).
    fn sdl(schema: &Value) -> String {
        let s = &schema["data"]["__schema"];
        let mut out = format!(
            "schema {{ query: {} mutation: {} }}\n",
            s["queryType"]["name"].as_str().unwrap(),
            s["mutationType"]["name"].as_str().unwrap()
        );
        for d in s["directives"].as_array().unwrap() {
            let name = d["name"].as_str().unwrap();
            if ["include", "skip", "deprecated", "specifiedBy", "oneOf"].contains(&name) {
                continue;
            }
            let locations: Vec<&str> = d["locations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap())
                .collect();
            let repeatable = if d["isRepeatable"] == json!(true) {
                " repeatable"
            } else {
                ""
            };
            out.push_str(&format!(
                "directive @{name}{}{repeatable} on {}\n",
                args(&d["args"]),
                locations.join(" | ")
            ));
        }
        for t in s["types"].as_array().unwrap() {
            let name = t["name"].as_str().unwrap();
            if name.starts_with("__") {
                continue;
            }
            let implements = t["interfaces"]
                .as_array()
                .filter(|i| !i.is_empty())
                .map(|i| {
                    format!(
                        " implements {}",
                        i.iter()
                            .map(|x| x["name"].as_str().unwrap())
                            .collect::<Vec<_>>()
                            .join(" & ")
                    )
                });
            let fields = |key: &str| {
                t[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| {
                        format!(
                            "  {}{}: {}\n",
                            f["name"].as_str().unwrap(),
                            args(&f["args"]),
                            type_ref(&f["type"])
                        )
                    })
                    .collect::<String>()
            };
            match t["kind"].as_str().unwrap() {
                "SCALAR" if ["String", "Int", "Float", "Boolean", "ID"].contains(&name) => {}
                "SCALAR" => out.push_str(&format!("scalar {name}\n")),
                "OBJECT" => out.push_str(&format!(
                    "type {name}{} {{\n{}}}\n",
                    implements.unwrap_or_default(),
                    fields("fields")
                )),
                "INTERFACE" => out.push_str(&format!(
                    "interface {name}{} {{\n{}}}\n",
                    implements.unwrap_or_default(),
                    fields("fields")
                )),
                "UNION" => out.push_str(&format!(
                    "union {name} = {}\n",
                    t["possibleTypes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x["name"].as_str().unwrap())
                        .collect::<Vec<_>>()
                        .join(" | ")
                )),
                "ENUM" => out.push_str(&format!(
                    "enum {name} {{ {} }}\n",
                    t["enumValues"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x["name"].as_str().unwrap())
                        .collect::<Vec<_>>()
                        .join(" ")
                )),
                "INPUT_OBJECT" => {
                    out.push_str(&format!("input {name} {{\n{}}}\n", fields("inputFields")))
                }
                other => panic!("unknown kind {other}"),
            }
        }
        out
    }

    /// The official schema with the 2026 patches, built once.
    pub fn official() -> &'static Valid<Schema> {
        static SCHEMA: OnceLock<Valid<Schema>> = OnceLock::new();
        SCHEMA.get_or_init(|| {
            let mut doc = introspection();
            patch_2026(&mut doc);
            Schema::parse_and_validate(sdl(&doc), "admin_2025-01_patched.graphql")
                .unwrap_or_else(|e| panic!("the official schema does not build: {}", e.errors))
        })
    }

    /// Problems of one GraphQL request (document and variables) against the schema.
    pub fn request_problems(schema: &Valid<Schema>, body: &Value) -> Vec<String> {
        let Some(query) = body["query"].as_str() else {
            return vec!["no query".into()];
        };
        let doc = match ExecutableDocument::parse_and_validate(schema, query, "request.graphql") {
            Ok(d) => d,
            Err(e) => return vec![format!("document: {}", e.errors)],
        };
        let op = match doc.operations.get(body["operationName"].as_str()) {
            Ok(op) => op,
            Err(e) => return vec![format!("operation: {}", e.message())],
        };
        let vars: apollo_compiler::response::JsonMap =
            match serde_json::from_value(body.get("variables").cloned().unwrap_or(json!({}))) {
                Ok(v) => v,
                Err(e) => return vec![format!("variables are not an object: {e}")],
            };
        match apollo_compiler::request::coerce_variable_values(schema, op, &vars) {
            Ok(_) => vec![],
            Err(e) => vec![format!("variables: {}", e.message())],
        }
    }

    /// Problems of one answer to `request` (its `data` against the selection, its errors and
    /// cost extension against Shopify's documented shapes).
    pub fn response_problems(
        schema: &Valid<Schema>,
        request: &Value,
        response: &Value,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        let Some(obj) = response.as_object() else {
            return vec!["the answer is not an object".into()];
        };
        for key in obj.keys() {
            if !["data", "errors", "extensions"].contains(&key.as_str()) {
                problems.push(format!("unexpected top-level key {key}"));
            }
        }
        if let Some(errors) = obj.get("errors") {
            match errors.as_array() {
                Some(list) if !list.is_empty() => {
                    for (i, e) in list.iter().enumerate() {
                        if !e["message"].is_string() {
                            problems.push(format!("/errors/{i}: no message"));
                        }
                    }
                }
                _ => problems.push("errors must be a non-empty list".into()),
            }
        }
        if let Some(cost) = obj.get("extensions").and_then(|e| e.get("cost")) {
            let num = |v: &Value| v.is_number();
            if !num(&cost["requestedQueryCost"])
                || !(num(&cost["actualQueryCost"]) || cost["actualQueryCost"].is_null())
            {
                problems.push("/extensions/cost: bad costs".into());
            }
            for k in ["maximumAvailable", "currentlyAvailable", "restoreRate"] {
                if !num(&cost["throttleStatus"][k]) {
                    problems.push(format!("/extensions/cost/throttleStatus/{k}: not a number"));
                }
            }
        }
        let Some(data) = obj.get("data") else {
            if obj.get("errors").is_none() {
                problems.push("neither data nor errors".into());
            }
            return problems;
        };
        let doc = match ExecutableDocument::parse_and_validate(
            schema,
            request["query"].as_str().unwrap_or_default(),
            "request.graphql",
        ) {
            Ok(d) => d,
            Err(e) => return vec![format!("the request itself is invalid: {}", e.errors)],
        };
        let Ok(op) = doc.operations.get(request["operationName"].as_str()) else {
            return vec!["no operation".into()];
        };
        check_operation(schema, &doc, op, data, &mut problems);
        problems
    }

    fn check_operation(
        schema: &Valid<Schema>,
        doc: &Valid<ExecutableDocument>,
        op: &Operation,
        data: &Value,
        problems: &mut Vec<String>,
    ) {
        if data.is_null() {
            return;
        }
        check_set(
            schema,
            doc,
            &op.selection_set,
            op.object_type().as_str(),
            data,
            "/data",
            problems,
        );
    }

    /// Response keys a selection set asks for on an object of type `concrete`, with their field.
    fn collect<'d>(
        schema: &Valid<Schema>,
        doc: &'d Valid<ExecutableDocument>,
        set: &'d SelectionSet,
        concrete: &str,
        out: &mut Vec<(String, &'d apollo_compiler::executable::Field)>,
    ) {
        for sel in &set.selections {
            match sel {
                Selection::Field(f) => out.push((f.response_key().to_string(), f)),
                Selection::InlineFragment(i) => {
                    if i.type_condition
                        .as_ref()
                        .is_none_or(|t| applies(schema, t.as_str(), concrete))
                    {
                        collect(schema, doc, &i.selection_set, concrete, out);
                    }
                }
                Selection::FragmentSpread(s) => {
                    if let Some(frag) = doc.fragments.get(&s.fragment_name)
                        && applies(schema, frag.type_condition().as_str(), concrete)
                    {
                        collect(schema, doc, &frag.selection_set, concrete, out);
                    }
                }
            }
        }
    }

    fn applies(schema: &Valid<Schema>, condition: &str, concrete: &str) -> bool {
        condition == concrete || schema.is_subtype(condition, concrete)
    }

    fn check_set(
        schema: &Valid<Schema>,
        doc: &Valid<ExecutableDocument>,
        set: &SelectionSet,
        declared: &str,
        value: &Value,
        at: &str,
        problems: &mut Vec<String>,
    ) {
        let Some(obj) = value.as_object() else {
            problems.push(format!("{at}: expected an object of {declared}"));
            return;
        };
        // An abstract type's concrete type must be told by __typename or be inferable from the
        // fields; only concrete object types are checked field by field.
        let concrete = match obj.get("__typename").and_then(Value::as_str) {
            Some(t) => t.to_string(),
            None => declared.to_string(),
        };
        if !matches!(
            schema.types.get(concrete.as_str()),
            Some(ExtendedType::Object(_))
        ) {
            if obj.is_empty() {
                return; // a fragment on another type matched nothing
            }
            // Find the object types that implement the declared type and accept these keys.
            let candidates: Vec<String> = schema
                .types
                .iter()
                .filter(|(n, t)| {
                    matches!(t, ExtendedType::Object(_)) && schema.is_subtype(declared, n.as_str())
                })
                .map(|(n, _)| n.to_string())
                .collect();
            let fits = |c: &String| {
                let mut fields = Vec::new();
                collect(schema, doc, set, c, &mut fields);
                let keys: Vec<&String> = fields.iter().map(|f| &f.0).collect();
                obj.keys().all(|k| keys.contains(&k))
            };
            match candidates.iter().find(|c| fits(c)) {
                Some(c) => check_set(
                    schema,
                    doc,
                    set,
                    c,
                    &Value::Object({
                        let mut m = obj.clone();
                        m.insert("__typename".into(), json!(c));
                        m
                    }),
                    at,
                    problems,
                ),
                None => problems.push(format!(
                    "{at}: no type implementing {declared} has these fields"
                )),
            }
            return;
        }
        let mut fields = Vec::new();
        collect(schema, doc, set, &concrete, &mut fields);
        for key in obj.keys() {
            if key != "__typename" && !fields.iter().any(|f| &f.0 == key) {
                problems.push(format!("{at}/{key}: not selected"));
            }
        }
        for (key, field) in fields {
            if field.name == "__typename" {
                continue;
            }
            let Some(def) = schema.type_field(&concrete, field.name.as_str()).ok() else {
                problems.push(format!(
                    "{at}/{key}: {concrete} has no field {}",
                    field.name
                ));
                continue;
            };
            match obj.get(&key) {
                None => problems.push(format!("{at}/{key}: missing")),
                Some(v) => check_value(
                    schema,
                    doc,
                    &field.selection_set,
                    &def.ty,
                    v,
                    &format!("{at}/{key}"),
                    problems,
                ),
            }
        }
    }

    fn check_value(
        schema: &Valid<Schema>,
        doc: &Valid<ExecutableDocument>,
        set: &SelectionSet,
        ty: &apollo_compiler::ast::Type,
        v: &Value,
        at: &str,
        problems: &mut Vec<String>,
    ) {
        use apollo_compiler::ast::Type;
        if v.is_null() {
            if ty.is_non_null() {
                problems.push(format!("{at}: null for non-null {ty}"));
            }
            return;
        }
        match ty {
            Type::NonNullList(inner) | Type::List(inner) => match v.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        check_value(
                            schema,
                            doc,
                            set,
                            inner,
                            item,
                            &format!("{at}/{i}"),
                            problems,
                        );
                    }
                }
                None => problems.push(format!("{at}: expected a list for {ty}")),
            },
            Type::Named(n) | Type::NonNullNamed(n) => match schema.types.get(n) {
                Some(ExtendedType::Scalar(_)) => {
                    let ok = match n.as_str() {
                        "Int" => v.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
                        "Float" => v.is_number(),
                        "Boolean" => v.is_boolean(),
                        "String" | "ID" => v.is_string(),
                        // Shopify's custom scalars are serialised as strings (DateTime, Money,
                        // Decimal, HTML, URL, ...), except JSON and UnsignedInt64 variants.
                        "JSON" => true,
                        "UnsignedInt64" | "BigInt" => v.is_string() || v.is_u64(),
                        _ => v.is_string(),
                    };
                    if !ok {
                        problems.push(format!("{at}: {v} is not a {n}"));
                    }
                }
                Some(ExtendedType::Enum(e)) => {
                    if !v.as_str().is_some_and(|s| e.values.contains_key(s)) {
                        problems.push(format!("{at}: {v} is not a value of {n}"));
                    }
                }
                Some(_) => check_set(schema, doc, set, n.as_str(), v, at, problems),
                None => problems.push(format!("{at}: unknown type {n}")),
            },
        }
    }
}

/// Drives the adapter through its whole repertoire against a recording simulator, then checks
/// every recorded request and answer against the official schema.
#[tokio::test]
async fn every_request_and_answer_matches_the_official_schema() {
    let schema = spec::official();
    let sim = start(SimOptions {
        record: true,
        ..SimOptions::default()
    })
    .await;
    let shop = adapter(account(&sim, TimeSource::real()));
    let mut offers: Vec<Offer> = (0..5)
        .map(|i| offer(&format!("SPEC-{i}"), 3.0, i))
        .collect();
    offers[1].attributes = vec![("Size".into(), "L".into())];
    offers[2].title = " ".into();
    let created = shop.upsert_offers(&offers).await.unwrap();
    let mut again = offers.clone();
    again[0].ids = created.items[0].result.clone().ok();
    again[2].title = "Fixed".into();
    shop.upsert_offers(&again).await.unwrap();
    sim.seed_listing("SPEC-SEEDED", "Seeded", 1.0, 3);
    let mut skus: Vec<String> = offers.iter().map(|o| o.sku.clone()).collect();
    skus.push("SPEC-SEEDED".into());
    skus.push("SPEC-NONE".into());
    let found = shop.find_listings(&skus).await.unwrap();
    let mut ghost = found[0].clone();
    ghost.external_ref = Some("gid://shopify/InventoryItem/1".into());
    let mut updates: Vec<QuantityUpdate> = found.iter().map(|l| update(l, 9, l.quantity)).collect();
    updates.push(update(&ghost, 1, None));
    updates.push(update(&found[1], 3, Some(1234)));
    let pushed = shop.push_quantities(&updates).await.unwrap();
    assert!(pushed.items.iter().any(|i| i.result.is_err()));
    // Beyond what the adapter selects: every type and field of the simulated subset, through
    // aliases, fragments and __typename, so all answer shapes are checked.
    let token = Some(sim::SANDBOX_ACCESS_TOKEN);
    let rich = r#"
        fragment Lv on InventoryLevel { id createdAt updatedAt location { id name isActive isPrimary createdAt updatedAt }
            quantities(names: ["available", "on_hand", "committed"]) { id name quantity updatedAt } }
        query Rich($first: Int!) {
          shop { id name myshopifyDomain }
          location { id name }
          all: productVariants(first: $first, reverse: true, sortKey: ID) {
            edges { cursor node { __typename id title displayName sku barcode price position inventoryPolicy inventoryQuantity createdAt updatedAt
              product { id title handle descriptionHtml status vendor totalInventory createdAt updatedAt
                variants(first: 2) { nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }
              inventoryItem { id sku tracked createdAt updatedAt variant { id }
                inventoryLevels(first: 3) { edges { cursor node { ...Lv item { id } } } nodes { id } pageInfo { hasNextPage endCursor } } } } }
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          }
          inventoryItems(first: 2, query: "sku:SPEC-0") { nodes { id sku } }
          missing: productVariant(id: "gid://shopify/ProductVariant/1") { id }
          node(id: "gid://shopify/Location/1") { __typename id }
        }"#;
    let (_, _, body) = raw(
        &sim,
        "2026-10",
        token,
        json!({"query": rich, "variables": {"first": 3}}),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    let item = found[0].external_ref.clone().unwrap();
    let mutation = format!(
        r#"mutation {{ inventorySetQuantities(input: {{name: "available", reason: "correction", referenceDocumentUri: "gid://adlerdo/StockPush/spec",
            quantities: [{{inventoryItemId: "{item}", locationId: "{}", quantity: 12, changeFromQuantity: null}}]}}) @idempotent(key: "spec-literal") {{
            inventoryAdjustmentGroup {{ id createdAt reason referenceDocumentUri
              changes {{ name delta quantityAfterChange ledgerDocumentUri item {{ id }} location {{ id }} }}
              onHand: changes(quantityNames: ["on_hand"]) {{ name }} }}
            userErrors {{ code field message }} }} }}"#,
        sim.primary_location_gid()
    );
    let (_, _, body) = raw(&sim, "2026-10", token, json!({ "query": mutation })).await;
    assert_eq!(
        body["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"]["changes"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{body}"
    );
    // And answers that are errors: validation, variables, cost.
    raw(
        &sim,
        "2026-10",
        token,
        json!({"query": "{ shop { nmae } }"}),
    )
    .await;
    raw(&sim, "2026-10", token, json!({"query": "query Q($n: Int!) { productVariants(first: $n) { nodes { id } } }", "variables": {"n": "x"}})).await;

    // Throttling and cost answers are answers of the API too.
    sim.set_available(0.0);
    let _ = shop.push_quantities(&updates[..1]).await;

    let recorded = sim.knobs().recorded();
    let graphql: Vec<_> = recorded
        .iter()
        .filter(|r| r.path.ends_with("/graphql.json"))
        .collect();
    assert!(graphql.len() >= 8, "only {} exchanges", graphql.len());
    // The token endpoint is OAuth, outside the GraphQL schema; it is covered by the auth tests.
    let mut problems = Vec::new();
    let mut ops = std::collections::BTreeSet::new();
    let mut refused_as_invalid = 0;
    for (n, r) in graphql.iter().enumerate() {
        let request: Value = serde_json::from_slice(&r.request_body).unwrap();
        let response: Value = serde_json::from_slice(&r.response_body).unwrap();
        assert_eq!(r.status, 200);
        assert!(r.response_content_type.starts_with("application/json"));
        let request_problems = spec::request_problems(schema, &request);
        let refused = matches!(
            response["errors"][0]["extensions"]["code"].as_str(),
            Some("GRAPHQL_VALIDATION_FAILED" | "INVALID_VARIABLE")
        );
        if refused {
            // The simulator refused it as invalid: the official schema must agree.
            refused_as_invalid += 1;
            if request_problems.is_empty() {
                problems.push(format!(
                    "request {n}: refused by the simulator, valid for Shopify"
                ));
            }
        } else {
            for p in request_problems {
                problems.push(format!("request {n}: {p}"));
            }
        }
        for p in spec::response_problems(schema, &request, &response) {
            problems.push(format!("response {n}: {p}"));
        }
        let q = request["query"].as_str().unwrap();
        for op in [
            "inventorySetQuantities",
            "productSet",
            "productVariants",
            "nodes(",
        ] {
            if q.contains(op) {
                ops.insert(op);
            }
        }
        if let Some(e) = response["errors"][0]["extensions"]["code"].as_str() {
            ops.insert(if e == "THROTTLED" {
                "THROTTLED"
            } else {
                "other error"
            });
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(
        refused_as_invalid, 2,
        "only the two deliberately invalid requests"
    );
    assert_eq!(
        ops.into_iter().collect::<Vec<_>>(),
        vec![
            "THROTTLED",
            "inventorySetQuantities",
            "nodes(",
            "other error",
            "productSet",
            "productVariants"
        ]
    );
}

/// The validator is not blind: a wrong request and wrong answers are caught.
#[test]
fn the_schema_check_catches_wrong_requests_and_answers() {
    let schema = spec::official();
    let good = json!({"query": "query Q($q: String!) { productVariants(first: 2, query: $q) { nodes { id sku inventoryItem { id } } pageInfo { hasNextPage endCursor } } }", "variables": {"q": "sku:A"}});
    assert_eq!(spec::request_problems(schema, &good), Vec::<String>::new());
    let answer = json!({"data": {"productVariants": {"nodes": [{"id": "gid://shopify/ProductVariant/1", "sku": "A", "inventoryItem": {"id": "gid://shopify/InventoryItem/2"}}], "pageInfo": {"hasNextPage": false, "endCursor": null}}},
        "extensions": {"cost": {"requestedQueryCost": 5, "actualQueryCost": 4, "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1996.0, "restoreRate": 100.0}}}});
    assert_eq!(
        spec::response_problems(schema, &good, &answer),
        Vec::<String>::new()
    );

    // Requests: an unknown field, a variable of the wrong type, a removed input field, a
    // mandatory argument left out.
    let mut bad = good.clone();
    bad["query"] =
        json!("query Q($q: String!) { productVariants(first: 2, query: $q) { nodes { skuu } } }");
    assert!(!spec::request_problems(schema, &bad).is_empty());
    let mut bad = good.clone();
    bad["variables"] = json!({"q": 5});
    assert!(!spec::request_problems(schema, &bad).is_empty());
    let bad = json!({"query": "mutation M($i: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $i) { userErrors { code } } }",
        "variables": {"i": {"name": "available", "reason": "correction", "ignoreCompareQuantity": true, "quantities": [{"inventoryItemId": "gid://shopify/InventoryItem/1", "locationId": "gid://shopify/Location/1", "quantity": 1, "compareQuantity": 1}]}}});
    assert!(
        !spec::request_problems(schema, &bad).is_empty(),
        "2026 has no compareQuantity"
    );
    let bad = json!({"query": "{ inventoryItem { id } }"});
    assert!(!spec::request_problems(schema, &bad).is_empty());

    // Answers: a wrong scalar, a null for a non-null field, a missing field, an extra field,
    // an enum value the schema does not have, a broken cost extension.
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut a = answer.clone();
        f(&mut a);
        spec::response_problems(schema, &good, &a)
    };
    assert!(!broken(&|a| a["data"]["productVariants"]["nodes"][0]["sku"] = json!(5)).is_empty());
    assert!(!broken(&|a| a["data"]["productVariants"]["nodes"][0]["id"] = Value::Null).is_empty());
    assert!(
        !broken(&|a| {
            a["data"]["productVariants"]["pageInfo"]
                .as_object_mut()
                .unwrap()
                .remove("hasNextPage");
        })
        .is_empty()
    );
    assert!(
        !broken(&|a| a["data"]["productVariants"]["nodes"][0]["price"] = json!("1.00")).is_empty()
    );
    assert!(
        !broken(&|a| a["extensions"]["cost"]["throttleStatus"]["restoreRate"] = json!("fast"))
            .is_empty()
    );
    let set = json!({"query": "mutation M($i: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $i) @idempotent(key: \"k\") { userErrors { code field message } } }"});
    let wrong_code = json!({"data": {"inventorySetQuantities": {"userErrors": [{"code": "NOT_A_CODE", "field": null, "message": "m"}]}}});
    assert!(!spec::response_problems(schema, &set, &wrong_code).is_empty());
    let right_code = json!({"data": {"inventorySetQuantities": {"userErrors": [{"code": "CHANGE_FROM_QUANTITY_STALE", "field": ["input", "quantities", "0", "changeFromQuantity"], "message": "m"}]}}});
    assert_eq!(
        spec::response_problems(schema, &set, &right_code),
        Vec::<String>::new()
    );
}

// ---- Orders and webhooks ----

mod orders {
    use super::*;
    use adlerdo::marketplaces::shopify::mapping;
    use adlerdo::marketplaces::{
        Address, MarketOrder, OrderPage, OrderQuery, OrderStatus, WebhookError,
    };
    use adlerdo::sim::market::{OrderChange, SimOrder, SimOrderLine};
    use std::collections::{BTreeMap, HashSet};
    use std::sync::Mutex;

    fn now_ms() -> i64 {
        chrono::Utc::now().timestamp_millis()
    }

    pub fn sim_order(n: usize, lines: usize, paid: bool) -> SimOrder {
        SimOrder {
            buyer_name: format!("Buyer Nr {n}"),
            buyer_email: format!("buyer{n}@example.com"),
            address: Address {
                name: Some(format!("Buyer Nr {n}")),
                street: Some("Hauptstr. 1".into()),
                city: Some("Berlin".into()),
                zip: Some("10115".into()),
                state: Some("BE".into()),
                country_code: Some("DE".into()),
                phone: Some("+49 30 123456".into()),
                ..Address::default()
            },
            billing: None,
            lines: (0..lines)
                .map(|i| SimOrderLine {
                    sku: format!("SKU-{i}"),
                    title: format!("Item {i}"),
                    quantity: 1 + i as i64 % 3,
                    unit_price: 9.99 + i as f64,
                    discount: if i == 0 { 1.5 } else { 0.0 },
                })
                .collect(),
            shipping: 4.9,
            tax_rate: 0.19,
            currency: "EUR".into(),
            paid,
        }
    }

    /// A simulator whose bucket refills fast enough for hundreds of orders in a test.
    pub async fn fast_sim(record: bool) -> RunningShopifySim {
        start_with(
            SimOptions {
                record,
                ..SimOptions::default()
            },
            ShopConfig {
                restore_rate: 50_000.0,
                ..ShopConfig::default()
            },
        )
        .await
    }

    /// Every page from `updated_after` on.
    pub async fn fetch_all(
        shop: &dyn Marketplace,
        updated_after: i64,
    ) -> (Vec<OrderPage>, Vec<MarketOrder>) {
        let mut pages = Vec::new();
        let mut query = OrderQuery {
            updated_after,
            page: None,
        };
        loop {
            let page = shop.fetch_orders(&query).await.expect("order page");
            query.page = page.next_page.clone();
            pages.push(page);
            if query.page.is_none() {
                break;
            }
            assert!(pages.len() < 100, "paging does not end");
        }
        let all = pages.iter().flat_map(|p| p.orders.clone()).collect();
        (pages, all)
    }

    #[tokio::test]
    async fn orders_are_paged_filtered_by_update_and_mapped() {
        let sim = fast_sim(false).await;
        let shop = adapter(account(&sim, TimeSource::real()));
        let start = now_ms() - 1000;
        let mut ids = Vec::new();
        for n in 0..250 {
            // Every 50th order has more lines than a page carries.
            let lines = if n % 50 == 7 { 23 } else { 1 + n % 3 };
            ids.push(sim.seed_order(&sim_order(n, lines, n % 10 != 3)));
        }
        let (pages, all) = fetch_all(shop.as_ref(), start).await;
        assert!(
            pages.len() >= 250 / mapping::ORDER_PAGE,
            "{} pages",
            pages.len()
        );
        assert!(pages.iter().all(|p| p.unreadable.is_empty()));
        let seen: HashSet<&str> = all.iter().map(|o| o.external_id.as_str()).collect();
        assert_eq!(seen.len(), 250);
        assert_eq!(all.len(), 250, "no order twice");
        // Oldest change first.
        assert!(all.windows(2).all(|w| w[0].updated_at <= w[1].updated_at));
        let by_id: BTreeMap<&str, &MarketOrder> =
            all.iter().map(|o| (o.external_id.as_str(), o)).collect();

        let big = by_id[ids[7].as_str()];
        assert_eq!(
            big.lines.len(),
            23,
            "the lines beyond the first page are read too"
        );
        assert_eq!(big.raw["lineItems"]["nodes"].as_array().unwrap().len(), 23);

        // Amounts as Shopify states them: per-line taxes rounded, then summed.
        let o = by_id[ids[1].as_str()];
        assert_eq!(o.reference.as_deref(), Some("#1002"));
        assert_eq!(o.status, OrderStatus::Open);
        assert_eq!(o.external_status, "PAID/UNFULFILLED");
        assert_eq!(o.currency, "EUR");
        assert_eq!(o.prices_include_tax, Some(false));
        assert_eq!(o.lines.len(), 2);
        assert_eq!(o.lines[0].sku.as_deref(), Some("SKU-0"));
        assert_eq!(o.lines[0].unit_price, 9.99);
        assert_eq!(o.lines[0].discount, 1.5);
        assert_eq!(o.lines[0].tax, 1.61); // 0.19 x 8.49
        assert_eq!(o.lines[1].quantity, 2.0);
        assert_eq!(o.lines[1].tax, 4.18); // 0.19 x 21.98
        assert_eq!(o.shipping, 4.9);
        assert_eq!(o.shipping_tax, 0.93);
        assert_eq!(o.tax_total, 6.72);
        assert_eq!(o.total, 42.09);
        assert_eq!(o.discount, 0.0);
        assert_eq!(o.buyer.name.as_deref(), Some("Buyer Nr 1"));
        assert_eq!(o.buyer.email.as_deref(), Some("buyer1@example.com"));
        assert!(
            o.buyer
                .external_id
                .as_deref()
                .unwrap()
                .starts_with("gid://shopify/Customer/")
        );
        let a = o.shipping_address.as_ref().unwrap();
        assert_eq!(a.state.as_deref(), Some("BE"));
        assert_eq!(a.country_code.as_deref(), Some("DE"));
        assert_eq!(a.street.as_deref(), Some("Hauptstr. 1"));
        assert_eq!(o.raw["id"], ids[1]);
        assert_eq!(by_id[ids[3].as_str()].status, OrderStatus::Pending);
        assert_eq!(
            by_id[ids[3].as_str()].external_status,
            "PENDING/UNFULFILLED"
        );

        // Nothing changed since the last update seen: only the orders of that last second.
        let last = all.iter().map(|o| o.updated_at).max().unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let cursor = now_ms();
        let (_, none) = fetch_all(shop.as_ref(), cursor).await;
        assert!(none.is_empty(), "{} orders", none.len());
        assert!(last < cursor);

        // Changes bring orders back, with their new status.
        assert!(sim.update_order(&ids[5], OrderChange::Cancel));
        assert!(sim.update_order(&ids[6], OrderChange::Ship));
        assert!(sim.update_order(&ids[3], OrderChange::Pay));
        assert!(!sim.update_order("gid://shopify/Order/1", OrderChange::Pay));
        let (_, changed) = fetch_all(shop.as_ref(), cursor).await;
        let status: BTreeMap<&str, (OrderStatus, &str)> = changed
            .iter()
            .map(|o| {
                (
                    o.external_id.as_str(),
                    (o.status, o.external_status.as_str()),
                )
            })
            .collect();
        assert_eq!(status.len(), 3, "{status:?}");
        assert_eq!(
            status[ids[5].as_str()],
            (OrderStatus::Cancelled, "REFUNDED/UNFULFILLED/CANCELLED")
        );
        assert_eq!(
            status[ids[6].as_str()],
            (OrderStatus::Shipped, "PAID/FULFILLED")
        );
        assert_eq!(
            status[ids[3].as_str()],
            (OrderStatus::Open, "PAID/UNFULFILLED")
        );
    }

    #[tokio::test]
    async fn a_malformed_order_goes_to_unreadable_and_the_page_goes_on() {
        let sim = fast_sim(false).await;
        let shop = adapter(account(&sim, TimeSource::real()));
        let start = now_ms() - 1000;
        let ids: Vec<String> = (0..3)
            .map(|n| sim.seed_order(&sim_order(n, 2, true)))
            .collect();
        assert!(sim.corrupt_order(&ids[1]));
        let (pages, all) = fetch_all(shop.as_ref(), start).await;
        assert_eq!(all.len(), 2);
        let bad: Vec<_> = pages.iter().flat_map(|p| p.unreadable.clone()).collect();
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].external_id.as_deref(), Some(ids[1].as_str()));
        assert!(bad[0].reason.contains("not a decimal"), "{}", bad[0].reason);
        assert_eq!(bad[0].raw["id"], ids[1]);
    }

    #[tokio::test]
    async fn orders_older_than_60_days_need_read_all_orders() {
        let sim = fast_sim(false).await;
        let shop = adapter(account(&sim, TimeSource::real()));
        let start = now_ms() - 1000;
        let ids: Vec<String> = (0..2)
            .map(|n| sim.seed_order(&sim_order(n, 1, true)))
            .collect();
        assert!(sim.age_order(&ids[0], 61));
        let (_, all) = fetch_all(shop.as_ref(), start).await;
        assert_eq!(all.len(), 1);
        sim.set_read_all_orders(true);
        let (_, all) = fetch_all(shop.as_ref(), start).await;
        assert_eq!(all.len(), 2);
    }

    #[tokio::test]
    async fn order_polls_honour_throttling_retry_server_errors_and_refuse_garbage() {
        let sim = fast_sim(false).await;
        let mut acc = account(&sim, TimeSource::real());
        let shop = adapter(acc.clone());
        let start = now_ms() - 1000;
        sim.seed_order(&sim_order(0, 2, true));
        let query = OrderQuery {
            updated_after: start,
            page: None,
        };
        sim.knobs().push_faults([
            Fault::Throttle(Duration::from_millis(300)),
            Fault::Status(503),
            Fault::Status(500),
        ]);
        let t = Instant::now();
        let page = shop.fetch_orders(&query).await.unwrap();
        assert_eq!(page.orders.len(), 1);
        assert!(
            t.elapsed() >= Duration::from_millis(300),
            "Retry-After honoured"
        );
        // A throttled answer in the GraphQL shape (HTTP 200, THROTTLED) is waited out too.
        sim.set_available(0.0);
        let page = shop.fetch_orders(&query).await.unwrap();
        assert_eq!(page.orders.len(), 1);

        sim.knobs()
            .push_faults(std::iter::repeat_n(Fault::Status(502), 4));
        let err = shop.fetch_orders(&query).await.unwrap_err();
        assert!(matches!(err, MarketError::Transient(_)), "{err:?}");

        acc.retry.max_attempts = 1;
        let once = adapter(acc);
        sim.knobs().push_faults([Fault::Garbage]);
        let err = once.fetch_orders(&query).await.unwrap_err();
        assert!(matches!(err, MarketError::Decode(_)), "{err:?}");
        sim.knobs().push_faults([Fault::Truncated]);
        let err = once.fetch_orders(&query).await.unwrap_err();
        assert!(
            matches!(err, MarketError::Decode(_) | MarketError::Transient(_)),
            "{err:?}"
        );
        sim.knobs()
            .push_faults([Fault::Throttle(Duration::from_secs(60))]);
        let err = once.fetch_orders(&query).await.unwrap_err();
        assert!(matches!(err, MarketError::RateLimited { .. }), "{err:?}");
        // A page token that is not a cursor is Shopify's refusal, not a decode error.
        let err = shop
            .fetch_orders(&OrderQuery {
                updated_after: start,
                page: Some("not-a-cursor".into()),
            })
            .await
            .unwrap_err();
        assert!(matches!(err, MarketError::Rejected { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn bad_order_queries_get_shopifys_errors() {
        let sim = fast_sim(false).await;
        sim.seed_order(&sim_order(0, 1, true));
        let token = Some(sim::SANDBOX_ACCESS_TOKEN);
        let q = |args: &str| json!({"query": format!("{{ orders({args}) {{ nodes {{ id }} }} }}")});
        let (status, _, body) = raw(&sim, "2026-10", token, q("first: 251")).await;
        assert_eq!(status, 200);
        assert!(
            message(&body).ends_with("The page size must be between 0 and 250."),
            "{body}"
        );
        let (_, _, body) = raw(&sim, "2026-10", token, q("query: \"status:any\"")).await;
        assert!(
            message(&body).ends_with("you must provide one of first or last"),
            "{body}"
        );
        let (_, _, body) = raw(&sim, "2026-10", token, q("first: 5, sortKey: NEWEST")).await;
        assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED");
        let (_, _, body) = raw(&sim, "2026-10", token, q("first: 5, after: \"bm9wZQ==\"")).await;
        assert!(
            message(&body).ends_with("Invalid cursor for current pagination sort."),
            "{body}"
        );
        let (_, _, body) = raw(
            &sim,
            "2026-10",
            token,
            json!({"query": "{ orders(first: 5) { nodes { id lineItems(first: 250) { nodes { id originalUnitPriceSet { shopMoney { amount } } } } } } }"}),
        )
        .await;
        assert_eq!(code(&body), "MAX_COST_EXCEEDED");
        let (status, _, _) = raw(&sim, "2026-10", None, q("first: 5")).await;
        assert_eq!(status, 401);
        let (status, _, body) = raw(&sim, "2026-10", token, json!({"variables": {}})).await;
        assert_eq!(status, 400);
        assert_eq!(
            body["errors"]["query"],
            "Required parameter missing or invalid"
        );
        // The search: status, date and sort filters.
        let (_, _, body) = raw(
            &sim,
            "2026-10",
            token,
            q("first: 5, sortKey: CREATED_AT, reverse: true, query: \"status:open created_at:>=2020-01-01\""),
        )
        .await;
        assert_eq!(
            body["data"]["orders"]["nodes"].as_array().unwrap().len(),
            1,
            "{body}"
        );
        let (_, _, body) = raw(
            &sim,
            "2026-10",
            token,
            q("first: 5, query: \"status:cancelled\""),
        )
        .await;
        assert_eq!(
            body["data"]["orders"]["nodes"].as_array().unwrap().len(),
            0,
            "{body}"
        );
    }

    /// What a webhook receiver got: headers (lower-case) and body.
    type Received = Arc<Mutex<Vec<(Vec<(String, String)>, Vec<u8>)>>>;

    /// A receiver on port 0 that refuses the first `fail_first` deliveries with a 500.
    async fn receiver(fail_first: usize) -> (String, Received, actix_web::dev::ServerHandle) {
        use actix_web::{HttpRequest, HttpResponse, web};
        let got: Received = Arc::new(Mutex::new(Vec::new()));
        let failures = Arc::new(std::sync::atomic::AtomicUsize::new(fail_first));
        let (listener, url) = adlerdo::sim::market::bind_local().unwrap();
        let sink = got.clone();
        let handle = adlerdo::sim::market::serve(listener, None, 1, move |cfg| {
            let sink = sink.clone();
            let failures = failures.clone();
            cfg.route(
                "/hooks",
                web::post().to(move |req: HttpRequest, body: web::Bytes| {
                    let sink = sink.clone();
                    let failures = failures.clone();
                    async move {
                        use std::sync::atomic::Ordering;
                        if failures
                            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                            .is_ok()
                        {
                            return HttpResponse::InternalServerError().finish();
                        }
                        let headers = req
                            .headers()
                            .iter()
                            .map(|(k, v)| {
                                (k.to_string(), v.to_str().unwrap_or_default().to_string())
                            })
                            .collect();
                        sink.lock().unwrap().push((headers, body.to_vec()));
                        HttpResponse::Ok().finish()
                    }
                }),
            );
        })
        .unwrap();
        (format!("{url}/hooks"), got, handle)
    }

    async fn wait_for(got: &Received, n: usize) -> Vec<(Vec<(String, String)>, Vec<u8>)> {
        for _ in 0..200 {
            if got.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        got.lock().unwrap().clone()
    }

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn webhooks_are_signed_retried_and_read_like_polled_orders() {
        let sim = fast_sim(false).await;
        let shop = adapter(account(&sim, TimeSource::real()));
        let (url, got, handle) = receiver(2).await;
        sim.set_webhook_retry(4, Duration::from_millis(20));
        assert!(sim.deliver_webhooks_to(Some(&url)));
        let start = now_ms() - 1000;
        let id = sim.seed_order(&sim_order(1, 2, true));
        let delivered = wait_for(&got, 1).await;
        assert_eq!(delivered.len(), 1);
        // Two refusals, then the third attempt of the same delivery got through.
        let attempts = sim.webhook_attempts();
        assert_eq!(
            attempts.iter().map(|a| a.status).collect::<Vec<_>>(),
            vec![Some(500), Some(500), Some(200)]
        );
        assert!(
            attempts
                .iter()
                .all(|a| a.webhook_id == attempts[0].webhook_id)
        );
        let (headers, body) = &delivered[0];
        for h in [
            "x-shopify-topic",
            "x-shopify-hmac-sha256",
            "x-shopify-shop-domain",
            "x-shopify-api-version",
            "x-shopify-webhook-id",
            "x-shopify-triggered-at",
            "x-shopify-event-id",
        ] {
            assert!(!header(headers, h).is_empty(), "{h} missing");
        }
        assert_eq!(header(headers, "x-shopify-topic"), "orders/create");
        let event = shop.read_webhook(headers, body, now_ms()).unwrap();
        assert_eq!(event.topic, "orders/create");
        assert_eq!(event.delivery_id, header(headers, "x-shopify-webhook-id"));
        assert!(event.triggered_at.unwrap() <= now_ms());
        let pushed = event.order.unwrap();
        assert_eq!(pushed.external_id, id);

        // The delivery and the poll give the same order (apart from the raw JSON).
        let (_, polled) = fetch_all(shop.as_ref(), start).await;
        let mut polled = polled[0].clone();
        polled.raw = Value::Null;
        let mut from_hook = pushed.clone();
        from_hook.raw = Value::Null;
        // REST timestamps carry the same seconds as GraphQL's.
        assert_eq!(from_hook, polled);

        // Refusals: a changed body, no signature, a stale delivery, another secret.
        let mut tampered = body.clone();
        tampered[10] ^= 1;
        assert_eq!(
            shop.read_webhook(headers, &tampered, now_ms()),
            Err(WebhookError::BadSignature)
        );
        let unsigned: Vec<(String, String)> = headers
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("x-shopify-hmac-sha256"))
            .cloned()
            .collect();
        assert_eq!(
            shop.read_webhook(&unsigned, body, now_ms()),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            shop.read_webhook(headers, body, now_ms() + 301_000),
            Err(WebhookError::Stale)
        );
        let mut acc = account(&sim, TimeSource::real());
        acc.credentials
            .insert("webhook_secret".into(), json!("another-secret"));
        acc.settings
            .insert("webhook_replay_window_secs".into(), json!(3600));
        let other = adapter(acc);
        assert_eq!(
            other.read_webhook(headers, body, now_ms()),
            Err(WebhookError::BadSignature)
        );
        // A signed body that is not an order is malformed, not a panic.
        let junk = b"{\"id\": \"x\"}".to_vec();
        let mut signed = headers.clone();
        for (k, v) in &mut signed {
            if k.eq_ignore_ascii_case("x-shopify-hmac-sha256") {
                *v = mapping::sign(sim::SANDBOX_CLIENT_SECRET.as_bytes(), &junk);
            }
        }
        assert!(matches!(
            shop.read_webhook(&signed, &junk, now_ms()),
            Err(WebhookError::Malformed(_))
        ));
        // An account with a permanent token and no secret takes no webhooks.
        let mut acc = account(&sim, TimeSource::real());
        acc.credentials = serde_json::Map::new();
        acc.credentials
            .insert("access_token".into(), json!(sim::SANDBOX_ACCESS_TOKEN));
        assert_eq!(
            adapter(acc).read_webhook(headers, body, now_ms()),
            Err(WebhookError::NotSupported)
        );
        handle.stop(true).await;
    }

    #[tokio::test]
    async fn webhooks_can_come_twice_and_out_of_order() {
        let sim = fast_sim(false).await;
        let shop = adapter(account(&sim, TimeSource::real()));
        let (url, got, handle) = receiver(0).await;
        sim.deliver_webhooks_to(Some(&url));
        sim.duplicate_webhooks(true);
        let id = sim.seed_order(&sim_order(1, 1, false));
        let twice = wait_for(&got, 2).await;
        assert_eq!(twice.len(), 2);
        let events: Vec<_> = twice
            .iter()
            .map(|(h, b)| shop.read_webhook(h, b, now_ms()).unwrap())
            .collect();
        assert_eq!(events[0].delivery_id, events[1].delivery_id);
        assert_eq!(
            events[0].order.as_ref().unwrap().status,
            OrderStatus::Pending
        );

        sim.duplicate_webhooks(false);
        sim.hold_webhooks(true);
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(sim.update_order(&id, OrderChange::Pay));
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(sim.update_order(&id, OrderChange::Cancel));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(got.lock().unwrap().len(), 2, "held back");
        sim.release_webhooks();
        let all = wait_for(&got, 4).await;
        let later: Vec<_> = all[2..]
            .iter()
            .map(|(h, b)| shop.read_webhook(h, b, now_ms()).unwrap())
            .collect();
        assert_eq!(later[0].topic, "orders/updated");
        // The cancellation arrives first; its trigger time tells the hub it is the newer.
        assert_eq!(
            later[0].order.as_ref().unwrap().status,
            OrderStatus::Cancelled
        );
        assert_eq!(later[1].order.as_ref().unwrap().status, OrderStatus::Open);
        assert!(later[0].triggered_at > later[1].triggered_at);
        sim.deliver_webhooks_to(None);
        sim.seed_order(&sim_order(2, 1, true));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(got.lock().unwrap().len(), 4, "no subscription, no delivery");
        handle.stop(true).await;
    }

    /// The spec test for orders: every request the adapter sends to read orders, and every
    /// answer, against the official schema; plus a query of every order field the simulator
    /// serves, so all its answer shapes are checked.
    #[tokio::test]
    async fn every_order_request_and_answer_matches_the_official_schema() {
        let schema = spec::official();
        let sim = fast_sim(true).await;
        let shop = adapter(account(&sim, TimeSource::real()));
        sim.seed_listing("SKU-0", "Seeded", 9.99, 5);
        let start = now_ms() - 1000;
        let mut ids = Vec::new();
        for n in 0..20 {
            ids.push(sim.seed_order(&sim_order(n, if n == 4 { 120 } else { 2 }, n % 2 == 0)));
        }
        sim.update_order(&ids[1], OrderChange::Cancel);
        sim.update_order(&ids[2], OrderChange::Ship);
        sim.corrupt_order(&ids[3]);
        let (pages, all) = fetch_all(shop.as_ref(), start).await;
        assert_eq!(all.len(), 19);
        assert_eq!(pages.iter().map(|p| p.unreadable.len()).sum::<usize>(), 1);
        let token = Some(sim::SANDBOX_ACCESS_TOKEN);
        let money = "shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }";
        let address = "id name firstName lastName company address1 address2 city province provinceCode zip country countryCodeV2 phone";
        let rich = format!(
            r#"query Rich($q: String) {{
              orders(first: 3, sortKey: CREATED_AT, reverse: true, query: $q) {{
                edges {{ cursor node {{ __typename id name createdAt updatedAt processedAt cancelledAt cancelReason closed currencyCode
                  displayFinancialStatus displayFulfillmentStatus email phone taxesIncluded test
                  currentShippingPriceSet {{ {money} }} currentSubtotalPriceSet {{ {money} }} currentTotalDiscountsSet {{ {money} }}
                  currentTotalPriceSet {{ {money} }} currentTotalTaxSet {{ {money} }} totalPriceSet {{ {money} }}
                  totalShippingPriceSet {{ {money} }} totalTaxSet {{ {money} }}
                  customer {{ id displayName email firstName lastName phone }}
                  shippingAddress {{ {address} }} billingAddress {{ {address} }}
                  shippingLines(first: 2) {{ edges {{ cursor node {{ id title code originalPriceSet {{ {money} }} discountedPriceSet {{ {money} }}
                    currentDiscountedPriceSet {{ {money} }} taxLines {{ title rate ratePercentage priceSet {{ {money} }} }} }} }} pageInfo {{ hasNextPage }} }}
                  lineItems(first: 3) {{ edges {{ cursor node {{ id name title sku quantity currentQuantity variant {{ id sku }}
                    originalUnitPriceSet {{ {money} }} discountedUnitPriceSet {{ {money} }} totalDiscountSet {{ {money} }}
                    taxLines(first: 2) {{ title rate priceSet {{ {money} }} }} }} }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }}
                }} }}
                pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
              }}
              one: order(id: "{}") {{ id name }}
              none: order(id: "gid://shopify/Order/1") {{ id }}
              node(id: "{}") {{ __typename ... on Order {{ id }} }}
            }}"#,
            ids[0], ids[1]
        );
        let (_, _, body) = raw(
            &sim,
            "2026-10",
            token,
            json!({"query": rich, "variables": {"q": "status:any"}}),
        )
        .await;
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(body["data"]["none"], Value::Null);

        let recorded = sim.knobs().recorded();
        let mut problems = Vec::new();
        let mut ops = std::collections::BTreeSet::new();
        for (n, r) in recorded
            .iter()
            .filter(|r| r.path.ends_with("/graphql.json"))
            .enumerate()
        {
            let request: Value = serde_json::from_slice(&r.request_body).unwrap();
            let response: Value = serde_json::from_slice(&r.response_body).unwrap();
            assert_eq!(r.status, 200);
            for p in spec::request_problems(schema, &request) {
                problems.push(format!("request {n}: {p}"));
            }
            for p in spec::response_problems(schema, &request, &response) {
                problems.push(format!("response {n}: {p}"));
            }
            assert!(response.get("errors").is_none(), "{response}");
            let q = request["query"].as_str().unwrap();
            for op in ["query Orders", "query OrderLines", "query Rich"] {
                if q.contains(op) {
                    ops.insert(op);
                }
            }
        }
        assert!(
            problems.is_empty(),
            "{} problems:\n{}",
            problems.len(),
            problems.join("\n")
        );
        assert_eq!(ops.len(), 3, "{ops:?}");
        // The adapter's page stays under the single query limit.
        let costs: Vec<f64> = sim
            .calls()
            .iter()
            .filter(|c| c.fields.iter().any(|f| f == "orders" || f == "order"))
            .filter_map(|c| c.requested_cost)
            .collect();
        assert!(!costs.is_empty());
        assert!(costs.iter().all(|c| *c <= 1000.0), "{costs:?}");
    }
}
