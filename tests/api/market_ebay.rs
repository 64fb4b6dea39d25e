//! The eBay adapter against the eBay simulator over real HTTP, and the spec test: every
//! exchange the simulator recorded is checked against eBay's own OpenAPI contract.

use std::time::{Duration, Instant};

use adlerdo::marketplaces::ebay::Ebay;
use adlerdo::marketplaces::{
    self, AccountConfig, Address, ItemOutcome, ListingIds, MarketError, MarketOrder, Marketplace,
    Offer, OrderQuery, OrderStatus, QuantityUpdate, RetryPolicy,
};
use adlerdo::ratelimit::TimeSource;
use adlerdo::sim::ebay::EbaySim;
use adlerdo::sim::market::{
    Fault, OrderChange, Recorded, RunningMarketSim, SimOptions, SimOrder, SimOrderLine,
};
use adlerdo::spec::{Problem, Spec};
use serde_json::{Value, json};

use crate::helpers::init_test_logging;

const INVENTORY_SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/specs/ebay/sell_inventory_v1_oas3.json"
);

fn sim_with(options: SimOptions) -> EbaySim {
    init_test_logging();
    EbaySim::start(options).unwrap()
}

fn sim() -> EbaySim {
    sim_with(SimOptions::default())
}

fn account(sim: &EbaySim, time: TimeSource) -> AccountConfig {
    AccountConfig {
        id: 7,
        name: "ebay-test".into(),
        settings: sim.account_settings(),
        credentials: sim.account_credentials(),
        time,
        retry: RetryPolicy {
            max_attempts: 4,
            base: Duration::from_millis(10),
            max_wait: Duration::from_secs(2),
        },
        timeout: Duration::from_secs(5),
    }
}

fn adapter(sim: &EbaySim) -> Ebay {
    Ebay::new(&account(sim, TimeSource::real())).unwrap()
}

fn offer(sku: &str, quantity: i64) -> Offer {
    Offer {
        sku: sku.into(),
        title: format!("Travel bag {sku}"),
        description: "A leather bag.".into(),
        price: 19.99,
        barcode: Some("4006381333931".into()),
        quantity,
        attributes: vec![("Color".into(), "Black".into())],
        ids: None,
    }
}

fn update(ids: &ListingIds, quantity: i64) -> QuantityUpdate {
    QuantityUpdate {
        sku: ids.sku.clone(),
        quantity,
        ids: ids.clone(),
        previous: None,
    }
}

fn ok_items<T: Clone + std::fmt::Debug>(items: &[ItemOutcome<T>]) -> Vec<T> {
    items
        .iter()
        .map(|o| {
            o.result
                .clone()
                .unwrap_or_else(|r| panic!("{} refused: {r:?}", o.sku))
        })
        .collect()
}

fn refusal<T: std::fmt::Debug>(items: &[ItemOutcome<T>], sku: &str) -> marketplaces::Rejection {
    items
        .iter()
        .find(|o| o.sku == sku)
        .unwrap_or_else(|| panic!("no outcome for {sku}"))
        .result
        .as_ref()
        .expect_err("expected a refusal")
        .clone()
}

/// Creates `n` listings `prefix-0..n` through the adapter.
async fn listed(ebay: &Ebay, prefix: &str, n: usize) -> Vec<ListingIds> {
    let offers: Vec<Offer> = (0..n)
        .map(|i| offer(&format!("{prefix}-{i}"), 10))
        .collect();
    let mut ids = Vec::new();
    for chunk in offers.chunks(ebay.max_offers_per_call()) {
        let pushed = ebay.upsert_offers(chunk).await.unwrap();
        ids.extend(ok_items(&pushed.items));
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_updates_and_takes_over_offers() {
    let sim = sim();
    let ebay = adapter(&sim);
    let offers: Vec<Offer> = (0..30).map(|i| offer(&format!("NEW-{i}"), i)).collect();
    let mut ids = Vec::new();
    for chunk in offers.chunks(ebay.max_offers_per_call()) {
        let pushed = ebay.upsert_offers(chunk).await.unwrap();
        assert_eq!(pushed.items.len(), chunk.len());
        assert_eq!(
            pushed.exchanges[0].operation,
            "bulkCreateOrReplaceInventoryItem"
        );
        ids.extend(ok_items(&pushed.items));
    }
    assert_eq!(ids.len(), 30);
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(id.sku, format!("NEW-{i}"));
        assert!(id.active);
        let offer_id = id.external_id.clone().unwrap();
        let listing = id.external_ref.clone().unwrap();
        let on_ebay = sim.offer(&id.sku).unwrap();
        assert_eq!(on_ebay.offer_id.as_deref(), Some(offer_id.as_str()));
        assert_eq!(
            on_ebay.listing.unwrap().listing_id.as_deref(),
            Some(listing.as_str())
        );
        assert_eq!(sim.quantity(&id.sku), Some(i as i64));
    }
    assert_eq!(sim.count("bulkCreateOrReplaceInventoryItem"), 2);
    assert_eq!(sim.count("createOffer"), 30);
    assert_eq!(sim.count("publishOffer"), 30);

    // Known offerIds: updateOffer, no new offer.
    let mut changed = offer("NEW-0", 4);
    changed.price = 25.5;
    changed.ids = Some(ids[0].clone());
    let pushed = ebay.upsert_offers(&[changed]).await.unwrap();
    assert_eq!(
        ok_items(&pushed.items)[0],
        ListingIds {
            quantity: Some(4),
            ..ids[0].clone()
        }
    );
    assert_eq!(sim.count("createOffer"), 30);
    assert_eq!(sim.count("updateOffer"), 1);
    let price = sim
        .offer("NEW-0")
        .unwrap()
        .pricing_summary
        .unwrap()
        .price
        .unwrap();
    assert_eq!(
        (price.value.as_str(), price.currency.as_str()),
        ("25.50", "USD")
    );
    assert_eq!(sim.quantity("NEW-0"), Some(4));

    // Ids lost (a retry after the answer never came back): eBay's 25002 carries the offerId.
    let pushed = ebay.upsert_offers(&[offer("NEW-1", 9)]).await.unwrap();
    assert_eq!(
        ok_items(&pushed.items)[0],
        ListingIds {
            quantity: Some(9),
            ..ids[1].clone()
        }
    );
    let ops: Vec<(&str, u16)> = pushed
        .exchanges
        .iter()
        .map(|e| (e.operation.as_str(), e.status))
        .collect();
    assert_eq!(
        ops,
        vec![
            ("bulkCreateOrReplaceInventoryItem", 200),
            ("createOffer", 400),
            ("updateOffer", 204),
            ("publishOffer", 200)
        ]
    );
    assert_eq!(sim.quantity("NEW-1"), Some(9));

    // An offer the seller deleted on eBay: the known offerId is refused (25713), a new offer
    // is made and published.
    let gone = ids[2].external_id.clone().unwrap();
    sim.with_store(|s| {
        s.offers.remove(&gone);
        s.offers_by_sku.remove("NEW-2");
    });
    let mut again = offer("NEW-2", 5);
    again.ids = Some(ids[2].clone());
    let pushed = ebay.upsert_offers(&[again]).await.unwrap();
    let renewed = ok_items(&pushed.items).remove(0);
    assert_ne!(renewed.external_id, Some(gone));
    assert_eq!(renewed.external_id, sim.offer("NEW-2").unwrap().offer_id);
    assert_eq!(sim.quantity("NEW-2"), Some(5));

    // Per-item refusals of an upsert: a SKU eBay cannot hold, a price eBay refuses.
    let mut free = offer("FREE", 1);
    free.price = 0.0;
    let pushed = ebay
        .upsert_offers(&[offer(&"L".repeat(51), 1), free, offer("FINE", 2)])
        .await
        .unwrap();
    assert_eq!(refusal(&pushed.items, &"L".repeat(51)).code, "25707");
    assert_eq!(refusal(&pushed.items, "FREE").code, "25003");
    assert!(
        pushed
            .items
            .iter()
            .any(|o| o.sku == "FINE" && o.result.is_ok())
    );
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_an_existing_listing_by_sku() {
    let sim = sim();
    sim.seed_listing("SEEDED-1", "Old lamp", 12.0, 5);
    let ebay = adapter(&sim);
    let found = ebay
        .find_listings(&["SEEDED-1".into(), "MISSING".into(), "X".repeat(60)])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    let ids = &found[0];
    assert_eq!(ids.sku, "SEEDED-1");
    assert_eq!(ids.quantity, Some(5));
    assert!(ids.active);
    assert_eq!(ids.external_id, sim.offer("SEEDED-1").unwrap().offer_id);
    assert!(ids.external_ref.is_some());
    let pushed = ebay.push_quantities(&[update(ids, 2)]).await.unwrap();
    ok_items(&pushed.items);
    assert_eq!(sim.quantity("SEEDED-1"), Some(2));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_quantities_in_full_batches() {
    let sim = sim();
    let ebay = adapter(&sim);
    let ids = listed(&ebay, "B", 50).await;
    let updates: Vec<QuantityUpdate> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| update(id, 100 + i as i64))
        .collect();
    let before = sim.count("bulkUpdatePriceQuantity");
    for chunk in updates.chunks(ebay.max_quantities_per_call()) {
        assert_eq!(chunk.len(), 25);
        let pushed = ebay.push_quantities(chunk).await.unwrap();
        assert_eq!(ok_items(&pushed.items).len(), 25);
        assert_eq!(pushed.exchanges.len(), 1);
        let sent = &pushed.exchanges[0].request["requests"];
        assert_eq!(sent.as_array().unwrap().len(), 25);
        assert_eq!(
            sent[0]["offers"][0]["offerId"],
            json!(chunk[0].ids.external_id.clone().unwrap())
        );
    }
    assert_eq!(sim.count("bulkUpdatePriceQuantity") - before, 2);
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(sim.quantity(&id.sku), Some(100 + i as i64));
    }
    let mut listed_now = sim.quantities();
    listed_now.sort();
    assert_eq!(listed_now.len(), 50);

    // The strict reading: one SKU per call.
    sim.set_one_sku_per_call(true);
    let err = ebay.push_quantities(&updates[..2]).await.unwrap_err();
    assert!(
        matches!(&err, MarketError::Rejected { code, .. } if code == "25727"),
        "{err:?}"
    );
    let mut strict_account = account(&sim, TimeSource::real());
    strict_account.settings.insert("bulk_size".into(), json!(1));
    let strict = Ebay::new(&strict_account).unwrap();
    assert_eq!(strict.max_quantities_per_call(), 1);
    let before = sim.count("bulkUpdatePriceQuantity");
    let pushed = strict.push_quantities(&updates[..3]).await.unwrap();
    assert_eq!(ok_items(&pushed.items).len(), 3);
    assert_eq!(sim.count("bulkUpdatePriceQuantity") - before, 3);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_item_rejections_do_not_fail_the_batch() {
    let sim = sim();
    let ebay = adapter(&sim);
    let ids = listed(&ebay, "R", 3).await;
    // R-2's listing is ended: bulkUpdatePriceQuantity only revises published offers.
    let withdrawn = ids[2].external_id.clone().unwrap();
    sim.with_store(|s| s.withdraw(&withdrawn)).unwrap();
    let unlinked = QuantityUpdate {
        sku: "UNLINKED".into(),
        quantity: 1,
        ids: ListingIds {
            sku: "UNLINKED".into(),
            ..ListingIds::default()
        },
        previous: None,
    };
    let mut wrong_offer = update(&ids[1], 3);
    wrong_offer.ids.external_id = Some("1".into());
    let items = vec![
        update(&ids[0], -5),
        wrong_offer,
        update(&ids[2], 4),
        unlinked,
    ];
    let pushed = ebay.push_quantities(&items).await.unwrap();
    assert_eq!(pushed.items.len(), 4);
    assert!(
        pushed
            .items
            .iter()
            .any(|o| o.sku == "R-0" && o.result.is_ok())
    );
    assert_eq!(
        sim.quantity("R-0"),
        Some(0),
        "an oversold SKU shows as sold out"
    );
    assert_eq!(refusal(&pushed.items, "R-1").code, "25713");
    let unpublished = refusal(&pushed.items, "R-2");
    assert_eq!(unpublished.code, "25002");
    assert!(!unpublished.retryable);
    assert_eq!(refusal(&pushed.items, "UNLINKED").code, "NO_OFFER_ID");
    assert_eq!(
        pushed.exchanges[0].status, 207,
        "mixed results are a Multi-Status"
    );
    assert_eq!(
        sim.quantity("R-1"),
        Some(10),
        "refused items change nothing"
    );
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_is_retried_honouring_the_wait() {
    let sim = sim();
    let ebay = adapter(&sim);
    let ids = listed(&ebay, "T", 2).await;
    let items: Vec<_> = ids.iter().map(|i| update(i, 7)).collect();
    let wait = Duration::from_millis(150);
    sim.knobs().push_faults(vec![Fault::Throttle(wait); 3]);
    let start = Instant::now();
    let pushed = ebay.push_quantities(&items).await.unwrap();
    assert!(start.elapsed() >= wait * 3, "waited {:?}", start.elapsed());
    ok_items(&pushed.items);
    assert_eq!(sim.quantity("T-1"), Some(7));

    // A wait longer than the policy's max_wait goes back to the caller at once.
    sim.knobs()
        .push_faults([Fault::Throttle(Duration::from_secs(600))]);
    let start = Instant::now();
    let err = ebay.push_quantities(&items).await.unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(600)), "{err:?}");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_then_reported() {
    let sim = sim();
    let ebay = adapter(&sim);
    let ids = listed(&ebay, "S", 1).await;
    sim.knobs()
        .push_faults([Fault::Status(500), Fault::Status(503)]);
    let pushed = ebay.push_quantities(&[update(&ids[0], 3)]).await.unwrap();
    ok_items(&pushed.items);
    assert_eq!(sim.quantity("S-0"), Some(3));

    sim.knobs().set_outage(true);
    let before = sim.knobs().requests();
    let err = ebay
        .push_quantities(&[update(&ids[0], 4)])
        .await
        .unwrap_err();
    assert!(matches!(err, MarketError::Transient(_)), "{err:?}");
    assert_eq!(sim.knobs().requests() - before, 4, "max_attempts calls");
    sim.knobs().set_outage(false);
    assert_eq!(sim.quantity("S-0"), Some(3));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_is_retried() {
    let sim = sim();
    let mut config = account(&sim, TimeSource::real());
    config.timeout = Duration::from_millis(300);
    let ebay = Ebay::new(&config).unwrap();
    let ids = listed(&ebay, "D", 1).await;
    sim.knobs()
        .push_faults([Fault::Delay(Duration::from_secs(2))]);
    let start = Instant::now();
    let pushed = ebay.push_quantities(&[update(&ids[0], 8)]).await.unwrap();
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(2),
        "{took:?}"
    );
    ok_items(&pushed.items);
    assert_eq!(sim.quantity("D-0"), Some(8));

    // Every attempt too slow: a transient failure, not a hang.
    sim.knobs()
        .push_faults(vec![Fault::Delay(Duration::from_secs(1)); 4]);
    let err = ebay
        .push_quantities(&[update(&ids[0], 9)])
        .await
        .unwrap_err();
    assert!(matches!(err, MarketError::Transient(_)), "{err:?}");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_truncated_answers_are_errors_not_panics() {
    let sim = sim();
    let ebay = adapter(&sim);
    let ids = listed(&ebay, "G", 1).await;
    let items = [update(&ids[0], 2)];

    sim.knobs().push_faults([Fault::Garbage]);
    ok_items(&ebay.push_quantities(&items).await.unwrap().items);

    sim.knobs().push_faults(vec![Fault::Garbage; 4]);
    let err = ebay.push_quantities(&items).await.unwrap_err();
    assert!(matches!(err, MarketError::Decode(_)), "{err:?}");

    sim.knobs().push_faults(vec![Fault::Truncated; 4]);
    let err = ebay.push_quantities(&items).await.unwrap_err();
    assert!(
        matches!(err, MarketError::Decode(_) | MarketError::Transient(_)),
        "{err:?}"
    );
    sim.knobs().push_faults(vec![Fault::Truncated; 4]);
    let err = ebay.find_listings(&["G-0".into()]).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    sim.knobs().push_faults(vec![Fault::Truncated; 4]);
    let err = ebay.upsert_offers(&[offer("G-1", 1)]).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_access_token_is_refreshed_once() {
    let sim = sim();
    let ebay = adapter(&sim);
    let ids = listed(&ebay, "E", 1).await;
    assert_eq!(sim.tokens_issued(), 1, "one token for all calls");
    sim.expire_tokens();
    let pushed = ebay.push_quantities(&[update(&ids[0], 6)]).await.unwrap();
    ok_items(&pushed.items);
    assert_eq!(sim.tokens_issued(), 1, "a new one");
    assert_eq!(sim.quantity("E-0"), Some(6));
    // A 401 on one call (a token eBay dropped early): refresh and go on.
    sim.knobs().push_faults([Fault::Unauthorized]);
    ok_items(
        &ebay
            .push_quantities(&[update(&ids[0], 5)])
            .await
            .unwrap()
            .items,
    );
    assert_eq!(sim.quantity("E-0"), Some(5));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_refresh_token_is_unauthorized() {
    let sim = sim();
    let ebay = adapter(&sim);
    let ids = listed(&ebay, "V", 1).await;
    sim.revoke_refresh_token();
    sim.expire_tokens();
    let before = sim.count("bulkUpdatePriceQuantity");
    let err = ebay
        .push_quantities(&[update(&ids[0], 1)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MarketError::Unauthorized(m) if m.contains("invalid_grant")),
        "{err:?}"
    );
    assert_eq!(sim.count("bulkUpdatePriceQuantity"), before);

    // A wrong client secret is refused as well, before any Inventory call.
    let mut config = account(&sim, TimeSource::real());
    config
        .credentials
        .insert("client_secret".into(), json!("wrong"));
    let err = Ebay::new(&config)
        .unwrap()
        .find_listings(&["V-0".into()])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MarketError::Unauthorized(m) if m.contains("invalid_client")),
        "{err:?}"
    );
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_under_a_manual_clock() {
    let (time, clock) = TimeSource::manual(1.0);
    let sim = sim_with(SimOptions {
        time: time.clone(),
        ..SimOptions::default()
    });
    let ebay = Ebay::new(&account(&sim, time.clone())).unwrap();
    let ids = listed(&ebay, "Q", 1).await;
    let item = [update(&ids[0], 1)];

    // 250 revisions per listing per calendar day, counted on the simulator's clock.
    let used = sim.revisions_today("Q-0");
    for q in used..250 {
        let pushed = ebay
            .push_quantities(&[update(&ids[0], i64::from(q))])
            .await
            .unwrap();
        ok_items(&pushed.items);
    }
    assert_eq!(sim.revisions_today("Q-0"), 250);
    let pushed = ebay.push_quantities(&[update(&ids[0], 999)]).await.unwrap();
    let refused = refusal(&pushed.items, "Q-0");
    assert_eq!(refused.code, "25002");
    assert!(refused.message.contains("revisions"), "{refused:?}");
    assert_eq!(sim.quantity("Q-0"), Some(249));
    clock.advance(Duration::from_secs(86_400));
    ok_items(
        &ebay
            .push_quantities(&[update(&ids[0], 999)])
            .await
            .unwrap()
            .items,
    );
    assert_eq!(sim.quantity("Q-0"), Some(999), "a new calendar day");
    assert_eq!(sim.tokens_issued(), 2, "the day-old token was refreshed");

    // The simulator's daily call limit: 429 errorId 2001 until the window resets.
    sim.set_daily_call_limit(3);
    for _ in 0..3 {
        ok_items(&ebay.push_quantities(&item).await.unwrap().items);
    }
    let before = sim.knobs().requests();
    let err = ebay.push_quantities(&item).await.unwrap_err();
    assert!(matches!(err, MarketError::RateLimited { .. }), "{err:?}");
    assert_eq!(
        sim.knobs().requests() - before,
        4,
        "retried, then handed back"
    );
    assert_eq!(sim.calls_remaining(), 0);
    clock.advance(Duration::from_secs(86_400));
    assert_eq!(sim.calls_remaining(), 3);
    ok_items(&ebay.push_quantities(&item).await.unwrap().items);

    // The adapter's own count stops calls before eBay has to refuse them.
    let mut config = account(&sim, time.clone());
    config.settings.insert("daily_call_limit".into(), json!(2));
    let limited = Ebay::new(&config).unwrap();
    sim.set_daily_call_limit(1000);
    for _ in 0..2 {
        ok_items(&limited.push_quantities(&item).await.unwrap().items);
    }
    let served = sim.count("bulkUpdatePriceQuantity");
    let err = limited.push_quantities(&item).await.unwrap_err();
    assert_eq!(
        err.retry_after(),
        Some(Duration::from_secs(86_400)),
        "{err:?}"
    );
    assert_eq!(sim.count("bulkUpdatePriceQuantity"), served, "not sent");
    clock.advance(Duration::from_secs(86_400));
    ok_items(&limited.push_quantities(&item).await.unwrap().items);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registry_builds_the_adapter_and_starts_the_simulator() {
    init_test_logging();
    let driver = marketplaces::driver("ebay").unwrap();
    assert_eq!(driver.label, "eBay");
    let sim = (driver.simulator)(SimOptions::default()).await.unwrap();
    assert_eq!(sim.kind(), "ebay");
    sim.seed_listing("REG-1", "Registered", 3.5, 2);
    let ebay = (driver.build)(AccountConfig {
        id: 1,
        name: "registry".into(),
        settings: sim.account_settings(),
        credentials: sim.account_credentials(),
        time: TimeSource::real(),
        retry: RetryPolicy::default(),
        timeout: Duration::from_secs(5),
    })
    .unwrap();
    assert_eq!(ebay.kind(), "ebay");
    assert_eq!(ebay.max_concurrency(), 4);
    let found = ebay.find_listings(&["REG-1".into()]).await.unwrap();
    let pushed = ebay.push_quantities(&[update(&found[0], 1)]).await.unwrap();
    ok_items(&pushed.items);
    assert_eq!(sim.quantity("REG-1"), Some(1));
    assert!(
        ebay.check_pending("x").await.is_err(),
        "eBay answers at once"
    );
    sim.stop().await;
}

// ---- raw HTTP: what the adapter never sends --------------------------------------------------

/// A refresh-token grant for `scope` with the simulator's credentials, straight to it.
async fn token_grant(sim: &EbaySim, scope: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/identity/v1/oauth2/token", sim.url()))
        .basic_auth(
            adlerdo::sim::ebay::CLIENT_ID,
            Some(adlerdo::sim::ebay::CLIENT_SECRET),
        )
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", adlerdo::sim::ebay::REFRESH_TOKEN),
            ("scope", scope),
        ])
        .send()
        .await
        .unwrap()
}

async fn raw_token(sim: &EbaySim) -> String {
    let resp = token_grant(sim, "https://api.ebay.com/oauth/api_scope/sell.inventory").await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["expires_in"], 7200);
    body["access_token"].as_str().unwrap().to_string()
}

/// A GET below the Inventory API, with the token: status and JSON body.
async fn get(sim: &EbaySim, token: &str, path: &str) -> (u16, Value) {
    raw(sim, token, reqwest::Method::GET, path, false, None).await
}

async fn raw(
    sim: &EbaySim,
    token: &str,
    method: reqwest::Method,
    path: &str,
    language: bool,
    body: Option<&str>,
) -> (u16, Value) {
    let url = if path.starts_with("http") {
        path.to_string()
    } else {
        format!("{}/sell/inventory/v1{path}", sim.url())
    };
    let mut req = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(token);
    if language {
        req = req.header("Content-Language", "en-US");
    }
    if let Some(b) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, value)
}

fn error_id(body: &Value) -> i64 {
    body["errors"][0]["errorId"].as_i64().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_ebays_400s() {
    use reqwest::Method;
    let sim = sim();
    let token = raw_token(&sim).await;
    let item = r#"{"availability":{"shipToLocationAvailability":{"quantity":1}},
                   "condition":"NEW","product":{"title":"t"}}"#;
    let (s, b) = raw(
        &sim,
        &token,
        Method::PUT,
        "/inventory_item/OK-1",
        true,
        Some(item),
    )
    .await;
    assert_eq!((s, b), (204, Value::Null));
    let long = format!("/inventory_item/{}", "L".repeat(51));
    let (s, b) = raw(&sim, &token, Method::PUT, &long, true, Some(item)).await;
    assert_eq!((s, error_id(&b)), (400, 25707));
    let (s, b) = raw(
        &sim,
        &token,
        Method::PUT,
        "/inventory_item/OK-2",
        false,
        Some(item),
    )
    .await;
    assert_eq!(
        (s, error_id(&b)),
        (400, 25709),
        "Content-Language is required"
    );
    let (s, b) = raw(
        &sim,
        &token,
        Method::PUT,
        "/inventory_item/OK-2",
        true,
        Some("{oops"),
    )
    .await;
    assert_eq!((s, error_id(&b)), (400, 2004));
    let wrong_type = r#"{"availability":{"shipToLocationAvailability":{"quantity":"1"}}}"#;
    let (s, b) = raw(
        &sim,
        &token,
        Method::PUT,
        "/inventory_item/OK-2",
        true,
        Some(wrong_type),
    )
    .await;
    assert_eq!((s, error_id(&b)), (400, 25709));

    let requests: Vec<Value> = (0..26)
        .map(|i| json!({"sku": format!("S{i}"), "shipToLocationAvailability": {"quantity": 1}}))
        .collect();
    let too_many = json!({ "requests": requests }).to_string();
    let (s, b) = raw(
        &sim,
        &token,
        Method::POST,
        "/bulk_update_price_quantity",
        false,
        Some(&too_many),
    )
    .await;
    assert_eq!((s, error_id(&b)), (400, 25727));
    let dup = json!({"requests": [{"sku": "OK-1", "locale": "en_US"},
                                  {"sku": "OK-1", "locale": "en_US"}]})
    .to_string();
    let (s, b) = raw(
        &sim,
        &token,
        Method::POST,
        "/bulk_create_or_replace_inventory_item",
        true,
        Some(&dup),
    )
    .await;
    assert_eq!((s, error_id(&b)), (400, 25728));

    // createOffer twice: 201, then 25002 with the offerId.
    let offer = json!({"sku": "OK-1", "marketplaceId": "EBAY_US", "format": "FIXED_PRICE",
                       "availableQuantity": 1})
    .to_string();
    let (s, b) = raw(&sim, &token, Method::POST, "/offer", true, Some(&offer)).await;
    assert_eq!(s, 201);
    let offer_id = b["offerId"].as_str().unwrap().to_string();
    let (s, b) = raw(&sim, &token, Method::POST, "/offer", true, Some(&offer)).await;
    assert_eq!((s, error_id(&b)), (400, 25002));
    assert_eq!(
        b["errors"][0]["parameters"][0],
        json!({"name": "offerId", "value": offer_id})
    );
    // Not publishable yet: no price, location or policies.
    let (s, b) = raw(
        &sim,
        &token,
        Method::POST,
        &format!("/offer/{offer_id}/publish"),
        false,
        None,
    )
    .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = get(&sim, &token, "/offer?sku=NOPE").await;
    assert_eq!((s, error_id(&b)), (404, 25713));
    let (s, b) = get(&sim, &token, "/offer").await;
    assert_eq!((s, error_id(&b)), (400, 25709), "sku is required");

    // Authentication and unknown paths.
    let (s, b) = raw(&sim, "nope", Method::GET, "/inventory_item", false, None).await;
    assert_eq!((s, error_id(&b)), (401, 1001));
    assert_eq!(b["errors"][0]["domain"], "OAuth");
    let (s, _) = get(&sim, &token, "/nowhere").await;
    assert_eq!(s, 404);
    let resp = token_grant(&sim, "https://api.ebay.com/oauth/api_scope/sell.marketing").await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_scope");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_follow_next_hrefs() {
    let sim = sim();
    for i in 0..5 {
        sim.seed_listing(&format!("P-{i}"), "Paged", 1.0, 1);
    }
    let token = raw_token(&sim).await;
    let mut seen = Vec::new();
    let mut next = Some("/inventory_item?limit=2".to_string());
    let mut pages = 0;
    while let Some(path) = next {
        let (s, b) = get(&sim, &token, &path).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["total"], 5);
        assert_eq!(b["limit"], 2);
        for item in b["inventoryItems"].as_array().unwrap() {
            seen.push(item["sku"].as_str().unwrap().to_string());
        }
        if pages > 0 {
            assert!(b["prev"].is_string());
        }
        next = b["next"].as_str().map(str::to_string);
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, vec!["P-0", "P-1", "P-2", "P-3", "P-4"]);
    // `offset` is a page index, as the contract says.
    let (_, b) = get(&sim, &token, "/inventory_item?limit=2&offset=2").await;
    assert_eq!(b["inventoryItems"][0]["sku"], "P-4");
    assert!(b.get("next").is_none());
    let (s, b) = get(&sim, &token, "/inventory_item?limit=0").await;
    assert_eq!((s, error_id(&b)), (400, 25706));
    let (s, b) = get(&sim, &token, "/inventory_item?limit=201").await;
    assert_eq!((s, error_id(&b)), (400, 25706));
    sim.stop().await;
}

// ---- the spec test ---------------------------------------------------------------------------

fn inventory_spec() -> Spec {
    let mut spec = Spec::load(INVENTORY_SPEC).unwrap();
    // eBay's contract declares `Product.aspects` a string, while the API takes and returns an
    // object of aspect name -> list of values (the field's own description and every example
    // in eBay's Inventory guide; see tests/api/spec.rs).
    spec.patch(
        "/components/schemas/Product/properties/aspects",
        json!({"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}),
    )
    .unwrap();
    spec
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    adlerdo::sim::ebay::http::parse_form(query)
        .into_iter()
        .collect()
}

fn body_json(bytes: &[u8]) -> Option<Value> {
    if bytes.is_empty() {
        None
    } else {
        Some(
            serde_json::from_slice(bytes)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes))),
        )
    }
}

/// The 207 answers are documented without a schema; they have the 200 answer's shape.
fn multi_status_schema(path: &str) -> Option<&'static str> {
    if path.ends_with("/bulk_update_price_quantity") {
        Some("BulkPriceQuantityResponse")
    } else if path.ends_with("/bulk_create_or_replace_inventory_item") {
        Some("BulkInventoryItemResponse")
    } else {
        None
    }
}

/// Problems of one recorded exchange, each prefixed with the exchange.
fn check_exchange(spec: &Spec, r: &Recorded) -> Vec<String> {
    let label = format!("{} {}?{} -> {}", r.method, r.path, r.query, r.status);
    let mut problems: Vec<Problem> = Vec::new();
    if r.path == "/identity/v1/oauth2/token" {
        // Not part of the Inventory contract: checked against eBay's OAuth documentation
        // (docs/marketplaces.md B.2): a form with grant_type, refresh_token and scope, Basic
        // client credentials, and the token answer's three fields.
        let form = adlerdo::sim::ebay::http::parse_form(&String::from_utf8_lossy(&r.request_body));
        for key in ["grant_type", "refresh_token", "scope"] {
            if !form.contains_key(key) {
                problems.push(Problem {
                    path: format!("form:{key}"),
                    message: "missing".into(),
                });
            }
        }
        let basic = r
            .headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("authorization") && v.starts_with("Basic "));
        if !basic {
            problems.push(Problem {
                path: "header:Authorization".into(),
                message: "no Basic client credentials".into(),
            });
        }
        let answer = body_json(&r.response_body).unwrap_or_default();
        let ok = answer["access_token"].is_string()
            && answer["expires_in"].is_u64()
            && answer["token_type"] == "User Access Token";
        if r.status != 200 || !ok {
            problems.push(Problem {
                path: String::new(),
                message: format!("unexpected token answer {answer}"),
            });
        }
    } else {
        let query = query_pairs(&r.query);
        let request = body_json(&r.request_body);
        problems.extend(spec.validate_request_with_headers(
            &r.method,
            &r.path,
            &query,
            &r.headers,
            request.as_ref(),
        ));
        if !r.response_body.is_empty() && !r.response_content_type.starts_with("application/json") {
            problems.push(Problem {
                path: String::new(),
                message: format!("content type {}", r.response_content_type),
            });
        }
        let response = body_json(&r.response_body).unwrap_or(Value::Null);
        problems.extend(spec.validate_response(&r.method, &r.path, r.status, &response));
        if r.status == 207
            && let Some(name) = multi_status_schema(&r.path)
        {
            problems.extend(spec.validate_named(name, &response));
        }
        if r.status >= 400 {
            // Error answers are documented without a schema: check eBay's envelope.
            let errors = response["errors"].as_array().cloned().unwrap_or_default();
            if errors.is_empty() {
                problems.push(Problem {
                    path: "/errors".into(),
                    message: "an error answer without errors".into(),
                });
            }
            for (i, e) in errors.iter().enumerate() {
                for p in spec.validate_named("Error", e) {
                    problems.push(Problem {
                        path: format!("/errors/{i}{}", p.path),
                        message: p.message,
                    });
                }
            }
        }
    }
    problems
        .into_iter()
        .map(|p| format!("{label}: {p}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_recorded_exchange_fits_ebays_contract() {
    use reqwest::Method;
    let sim = sim_with(SimOptions {
        record: true,
        ..SimOptions::default()
    });
    sim.seed_listing("SEEN-1", "Seeded", 4.0, 3);
    let ebay = adapter(&sim);

    // Every path of the adapter: create, update, take over (25002), link, push (200 and 207),
    // refusals, a 404 lookup.
    let ids = listed(&ebay, "SPEC", 27).await;
    let mut again = offer("SPEC-0", 3);
    again.ids = Some(ids[0].clone());
    ebay.upsert_offers(&[again, offer("SPEC-1", 4)])
        .await
        .unwrap();
    let mut free = offer("SPEC-FREE", 1);
    free.price = 0.0;
    ebay.upsert_offers(&[free]).await.unwrap();
    let found = ebay
        .find_listings(&["SEEN-1".into(), "NONE".into()])
        .await
        .unwrap();
    let mut items: Vec<_> = ids[..25].iter().map(|i| update(i, 2)).collect();
    ebay.push_quantities(&items).await.unwrap();
    items[1].ids.external_id = Some("1".into());
    items.push(update(&found[0], 1));
    ebay.push_quantities(&items[..25]).await.unwrap();
    // What the adapter does not call: a page walk and a PUT.
    let token = raw_token(&sim).await;
    let (s, _) = get(&sim, &token, "/inventory_item?limit=20").await;
    assert_eq!(s, 200);
    let (s, _) = get(&sim, &token, "/inventory_item?limit=20&offset=1").await;
    assert_eq!(s, 200);
    let item = json!({"availability": {"shipToLocationAvailability": {"quantity": 1}},
                      "condition": "NEW",
                      "product": {"title": "Put", "aspects": {"Brand": ["AdlerDo"]}}})
    .to_string();
    let (s, _) = raw(
        &sim,
        &token,
        Method::PUT,
        "/inventory_item/PUT-1",
        true,
        Some(&item),
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = get(&sim, &token, "/inventory_item/PUT-1").await;
    assert_eq!(s, 200);
    let (s, _) = get(
        &sim,
        &token,
        &format!("/offer/{}", ids[0].external_id.clone().unwrap()),
    )
    .await;
    assert_eq!(s, 200);

    let recorded = sim.knobs().recorded();
    let spec = inventory_spec();
    let statuses: std::collections::BTreeSet<u16> = recorded.iter().map(|r| r.status).collect();
    for expected in [200, 201, 204, 207, 400, 404] {
        assert!(
            statuses.contains(&expected),
            "no {expected} in {statuses:?}"
        );
    }
    assert!(recorded.len() >= 70, "{} exchanges", recorded.len());
    let problems: Vec<String> = recorded
        .iter()
        .flat_map(|r| check_exchange(&spec, r))
        .collect();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );

    // The check can fail: a wrong request and a wrong response are caught.
    let mut wrong = recorded
        .iter()
        .find(|r| r.path.ends_with("/bulk_update_price_quantity"))
        .unwrap()
        .clone();
    wrong.request_body =
        br#"{"requests":[{"sku":"A","shipToLocationAvailability":{"quantity":"7"}}]}"#.to_vec();
    let caught = check_exchange(&spec, &wrong);
    assert!(
        caught
            .iter()
            .any(|p| p.contains("/requests/0/shipToLocationAvailability/quantity")),
        "{caught:?}"
    );
    let mut no_language = recorded
        .iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/offer"))
        .unwrap()
        .clone();
    no_language
        .headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case("content-language"));
    let caught = check_exchange(&spec, &no_language);
    assert!(
        caught.iter().any(|p| p.contains("header:Content-Language")),
        "{caught:?}"
    );
    let mut bad_answer = recorded
        .iter()
        .find(|r| r.method == "GET" && r.path.ends_with("/offer") && r.status == 200)
        .unwrap()
        .clone();
    bad_answer.response_body = br#"{"offers":{"offerId":1},"total":"one"}"#.to_vec();
    let caught = check_exchange(&spec, &bad_answer);
    assert!(caught.iter().any(|p| p.contains("/offers")), "{caught:?}");
    assert!(caught.iter().any(|p| p.contains("/total")), "{caught:?}");
    let mut bad_multi = recorded.iter().find(|r| r.status == 207).unwrap().clone();
    bad_multi.response_body = br#"{"responses":[{"sku":"A","statusCode":"OK"}]}"#.to_vec();
    let caught = check_exchange(&spec, &bad_multi);
    assert!(
        caught.iter().any(|p| p.contains("/responses/0/statusCode")),
        "{caught:?}"
    );
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_can_be_switched_off() {
    let sim = sim_with(SimOptions {
        enforce_limits: false,
        ..SimOptions::default()
    });
    sim.set_daily_call_limit(1);
    sim.set_revision_limit(1);
    let ebay = adapter(&sim);
    let ids = listed(&ebay, "OFF", 1).await;
    for q in 0..3 {
        ok_items(
            &ebay
                .push_quantities(&[update(&ids[0], q)])
                .await
                .unwrap()
                .items,
        );
    }
    assert_eq!(sim.quantity("OFF-0"), Some(2));
    sim.stop().await;
}

// ---- orders (Fulfillment API) ----------------------------------------------------------------

const FULFILLMENT_SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/specs/ebay/sell_fulfillment_v1_oas3.json"
);
const FULFILLMENT_SCOPE: &str = "https://api.ebay.com/oauth/api_scope/sell.fulfillment";

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A buyer's order: `lines` lines of 2 units at 12.50 (the first with a 1.00 discount), 4.90
/// shipping, 20 % tax.
fn sim_order(i: usize, lines: usize, paid: bool) -> SimOrder {
    SimOrder {
        buyer_name: format!("Buyer {i}"),
        buyer_email: format!("buyer{i}@example.com"),
        address: Address {
            name: Some(format!("Buyer {i}")),
            street: Some(format!("{i} Main St")),
            city: Some("Springfield".into()),
            state: Some("IL".into()),
            zip: Some("62701".into()),
            country_code: Some("US".into()),
            phone: Some("555-0100".into()),
            ..Address::default()
        },
        billing: None,
        lines: (0..lines)
            .map(|l| SimOrderLine {
                sku: format!("SKU-{l}"),
                title: format!("Item {l}"),
                quantity: 2,
                unit_price: 12.5,
                discount: if l == 0 { 1.0 } else { 0.0 },
            })
            .collect(),
        shipping: 4.9,
        tax_rate: 0.2,
        currency: "USD".into(),
        paid,
    }
}

/// Every page of orders changed at or after `since`: the orders, the unreadable ones, and the
/// number of pages.
async fn all_orders(
    ebay: &Ebay,
    since: i64,
) -> (Vec<MarketOrder>, Vec<marketplaces::UnreadableOrder>, usize) {
    let mut query = OrderQuery {
        updated_after: since,
        page: None,
    };
    let (mut orders, mut unreadable, mut pages) = (Vec::new(), Vec::new(), 0);
    loop {
        let page = ebay.fetch_orders(&query).await.unwrap();
        pages += 1;
        orders.extend(page.orders);
        unreadable.extend(page.unreadable);
        assert_eq!(page.complete_until, None);
        match page.next_page {
            Some(p) => query.page = Some(p),
            None => return (orders, unreadable, pages),
        }
        assert!(pages < 50, "paging does not end");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_are_paged_and_follow_the_last_change() {
    let sim = sim();
    let ebay = adapter(&sim);
    let start = now_ms();
    let ids: Vec<String> = (0..250)
        .map(|i| sim.seed_order(&sim_order(i, 1 + i % 3, i % 10 != 0)))
        .collect();
    let (orders, unreadable, pages) = all_orders(&ebay, start - 1000).await;
    assert_eq!(pages, 2, "200 + 50");
    assert!(unreadable.is_empty());
    let seen: std::collections::BTreeSet<&str> =
        orders.iter().map(|o| o.external_id.as_str()).collect();
    assert_eq!(seen.len(), 250);
    assert!(ids.iter().all(|id| seen.contains(id.as_str())));
    assert!(
        ids.iter()
            .all(|id| id.len() == 14 && id.chars().filter(|c| *c == '-').count() == 2),
        "eBay's NN-NNNNN-NNNNN order ids: {}",
        ids[0]
    );

    // Amounts as eBay states them: 2 lines of 2 x 12.50, 1.00 off the first, 4.90 shipping,
    // 20 % tax on lines and shipping.
    let o = orders.iter().find(|o| o.external_id == ids[1]).unwrap();
    assert_eq!(o.status, OrderStatus::Open);
    assert_eq!(o.external_status, "PAID/NOT_STARTED");
    assert_eq!(o.currency, "USD");
    assert_eq!(o.lines.len(), 2);
    assert_eq!(o.lines[0].sku.as_deref(), Some("SKU-0"));
    assert_eq!(
        (
            o.lines[0].quantity,
            o.lines[0].unit_price,
            o.lines[0].discount,
            o.lines[0].tax
        ),
        (2.0, 12.5, 1.0, 4.8)
    );
    assert_eq!((o.lines[1].discount, o.lines[1].tax), (0.0, 5.0));
    assert_eq!((o.shipping, o.shipping_tax), (4.9, 0.98));
    assert_eq!(o.tax_total, 10.78);
    assert_eq!(o.total, 64.68, "50 - 1 + 4.90 + 10.78");
    assert_eq!(o.discount, 0.0);
    let ship = o.shipping_address.clone().unwrap();
    assert_eq!(ship.street.as_deref(), Some("1 Main St"));
    assert_eq!(ship.email.as_deref(), Some("buyer1@example.com"));
    assert_eq!(o.buyer.name.as_deref(), Some("Buyer 1"));
    assert!(o.buyer.external_id.is_some());
    assert_eq!(o.raw["orderId"], ids[1]);
    assert!((o.created_at - now_ms()).abs() < 60_000, "wall clock");
    let unpaid = orders.iter().find(|o| o.external_id == ids[0]).unwrap();
    assert_eq!(unpaid.status, OrderStatus::Pending);
    assert_eq!(unpaid.external_status, "PENDING/NOT_STARTED");

    // Changed later: only those come back, with their new status.
    let cursor = now_ms();
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(sim.update_order(&ids[3], OrderChange::Cancel));
    assert!(sim.update_order(&ids[4], OrderChange::Ship));
    assert!(sim.update_order(&ids[0], OrderChange::Pay));
    assert!(!sim.update_order("27-99999-99999", OrderChange::Pay));
    let (changed, _, pages) = all_orders(&ebay, cursor).await;
    assert_eq!(pages, 1);
    let status = |id: &str| {
        changed
            .iter()
            .find(|o| o.external_id == id)
            .map(|o| (o.status, o.external_status.clone()))
    };
    assert_eq!(changed.len(), 3);
    assert_eq!(
        status(&ids[3]),
        Some((OrderStatus::Cancelled, "PAID/NOT_STARTED/CANCELED".into()))
    );
    assert_eq!(
        status(&ids[4]),
        Some((OrderStatus::Shipped, "PAID/FULFILLED".into()))
    );
    assert_eq!(
        status(&ids[0]),
        Some((OrderStatus::Open, "PAID/NOT_STARTED".into()))
    );
    assert!(changed.iter().all(|o| o.updated_at >= cursor));

    // getOrder.
    let one = ebay.order(&ids[3]).await.unwrap().unwrap();
    assert_eq!(one.status, OrderStatus::Cancelled);
    assert_eq!(ebay.order("27-99999-99999").await.unwrap(), None);
    assert_eq!(ebay.order_calls_remaining(), 100_000 - 5);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_order_goes_to_unreadable_and_bad_pages_are_errors() {
    let sim = sim();
    let ebay = adapter(&sim);
    let start = now_ms() - 1000;
    let ids: Vec<String> = (0..3)
        .map(|i| sim.seed_order(&sim_order(i, 1, true)))
        .collect();
    let broken = json!({"orderId": ids[1], "lineItems": "not a list"});
    assert!(sim.corrupt_order(&ids[1], broken.clone()));
    let (orders, unreadable, _) = all_orders(&ebay, start).await;
    assert_eq!(orders.len(), 2);
    assert_eq!(unreadable.len(), 1);
    assert_eq!(unreadable[0].external_id.as_deref(), Some(ids[1].as_str()));
    assert_eq!(unreadable[0].raw, broken);
    assert!(!unreadable[0].reason.is_empty());
    assert!(matches!(
        ebay.order(&ids[1]).await,
        Err(MarketError::Decode(_))
    ));

    let query = OrderQuery {
        updated_after: start,
        page: None,
    };
    sim.knobs().push_faults([Fault::Garbage]);
    assert_eq!(ebay.fetch_orders(&query).await.unwrap().orders.len(), 2);
    sim.knobs().push_faults(vec![Fault::Garbage; 4]);
    let err = ebay.fetch_orders(&query).await.unwrap_err();
    assert!(matches!(err, MarketError::Decode(_)), "{err:?}");
    sim.knobs().push_faults(vec![Fault::Truncated; 4]);
    let err = ebay.fetch_orders(&query).await.unwrap_err();
    assert!(
        matches!(err, MarketError::Decode(_) | MarketError::Transient(_)),
        "{err:?}"
    );
    let bad_token = OrderQuery {
        updated_after: start,
        page: Some("page-two".into()),
    };
    assert!(matches!(
        ebay.fetch_orders(&bad_token).await,
        Err(MarketError::Config(_))
    ));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_reads_honour_429s_retry_5xx_and_count_their_own_quota() {
    let sim = sim();
    let ebay = adapter(&sim);
    sim.seed_order(&sim_order(0, 1, true));
    let query = OrderQuery {
        updated_after: now_ms() - 60_000,
        page: None,
    };
    let wait = Duration::from_millis(150);
    sim.knobs().push_faults(vec![Fault::Throttle(wait); 2]);
    let start = Instant::now();
    assert_eq!(ebay.fetch_orders(&query).await.unwrap().orders.len(), 1);
    assert!(start.elapsed() >= wait * 2, "waited {:?}", start.elapsed());
    sim.knobs()
        .push_faults([Fault::Throttle(Duration::from_secs(600))]);
    let err = ebay.fetch_orders(&query).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(600)), "{err:?}");

    sim.knobs()
        .push_faults([Fault::Status(500), Fault::Status(503)]);
    assert_eq!(ebay.fetch_orders(&query).await.unwrap().orders.len(), 1);
    sim.knobs().set_outage(true);
    let err = ebay.fetch_orders(&query).await.unwrap_err();
    assert!(matches!(err, MarketError::Transient(_)), "{err:?}");
    sim.knobs().set_outage(false);

    // The Fulfillment API's daily limit is its own: spent, orders get 429 2001 while the
    // Inventory API still answers.
    sim.set_order_daily_call_limit(1);
    ebay.fetch_orders(&query).await.unwrap();
    let err = ebay.fetch_orders(&query).await.unwrap_err();
    assert!(matches!(err, MarketError::RateLimited { .. }), "{err:?}");
    assert!(
        ebay.find_listings(&["NONE".into()])
            .await
            .unwrap()
            .is_empty()
    );

    // The adapter counts the day's calls itself and stops before eBay has to refuse.
    let mut config = account(&sim, TimeSource::real());
    config
        .settings
        .insert("order_daily_call_limit".into(), json!(1));
    let strict = Ebay::new(&config).unwrap();
    sim.set_order_daily_call_limit(100);
    strict.fetch_orders(&query).await.unwrap();
    let before = sim.count("getOrders");
    let err = strict.fetch_orders(&query).await.unwrap_err();
    assert!(
        err.retry_after()
            .is_some_and(|w| w > Duration::from_secs(3600)),
        "{err:?}"
    );
    assert_eq!(sim.count("getOrders"), before, "not sent");
    sim.stop().await;
}

/// A GET below the Fulfillment API.
async fn get_orders_raw(sim: &EbaySim, token: &str, path: &str) -> (u16, Value) {
    let url = format!("{}/sell/fulfillment/v1{path}", sim.url());
    raw(sim, token, reqwest::Method::GET, &url, false, None).await
}

async fn fulfillment_token(sim: &EbaySim) -> String {
    let resp = token_grant(sim, FULFILLMENT_SCOPE).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_order_queries_get_ebays_400s_and_pii_goes_with_age() {
    let sim = sim();
    let token = fulfillment_token(&sim).await;
    let old = sim.seed_order(&sim_order(0, 1, true));
    let recent = sim.seed_order(&sim_order(1, 1, true));
    let enc = |f: &str| adlerdo::marketplaces::http::percent_encode(f);
    let cases = [
        ("?limit=201".to_string(), 31100),
        ("?limit=0".to_string(), 31100),
        ("?limit=ten".to_string(), 31100),
        ("?offset=-1".to_string(), 31000),
        ("?fieldGroups=EVERYTHING".to_string(), 32800),
        (
            format!("?filter={}", enc("status:[2026-01-01T00:00:00.000Z..]")),
            30700,
        ),
        (
            format!("?filter={}", enc("lastmodifieddate:2026-01-01")),
            30800,
        ),
        (format!("?filter={}", enc("lastmodifieddate:[..]")), 30820),
        (
            format!("?filter={}", enc("lastmodifieddate:[27/11/2026..]")),
            30810,
        ),
        (
            format!(
                "?filter={}",
                enc("creationdate:[2020-01-01T00:00:00.000Z..]")
            ),
            30830,
        ),
        (
            format!(
                "?filter={}",
                enc("creationdate:[2026-11-02T00:00:00.000Z..2026-11-01T00:00:00.000Z]")
            ),
            30840,
        ),
        (
            format!(
                "?filter={}",
                enc("creationdate:[2099-01-01T00:00:00.000Z..]")
            ),
            30850,
        ),
        (
            format!(
                "?filter={}",
                enc("orderfulfillmentstatus:{NOT_STARTED|FULFILLED}")
            ),
            30800,
        ),
        (
            format!(
                "?orderIds={}",
                enc(&(0..51)
                    .map(|i| format!("27-00000-{i:05}"))
                    .collect::<Vec<_>>()
                    .join(","))
            ),
            30900,
        ),
    ];
    for (query, code) in cases {
        let (s, b) = get_orders_raw(&sim, &token, &format!("/order{query}")).await;
        assert_eq!((s, error_id(&b)), (400, code), "{query}: {b}");
        assert_eq!(b["errors"][0]["domain"], "API_FULFILLMENT");
    }
    let (s, b) = get_orders_raw(&sim, &token, "/order/not-an-id").await;
    assert_eq!((s, error_id(&b)), (400, 32100));
    let (s, b) = get_orders_raw(&sim, &token, "/order/27-99999-99999").await;
    assert_eq!(s, 404, "{b}");
    let (s, b) = raw(
        &sim,
        "nope",
        reqwest::Method::GET,
        &format!("{}/sell/fulfillment/v1/order", sim.url()),
        false,
        None,
    )
    .await;
    assert_eq!((s, error_id(&b)), (401, 1001));
    // A token granted for the Inventory API only does not read orders.
    let (s, b) = get_orders_raw(&sim, &raw_token(&sim).await, "/order").await;
    assert_eq!((s, error_id(&b)), (403, 1100));

    // Defaults: limit 50, offset 0, orders of the last 90 days, `total`.
    let (s, b) = get_orders_raw(&sim, &token, "/order").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (
            b["limit"].as_i64(),
            b["offset"].as_i64(),
            b["total"].as_i64()
        ),
        (Some(50), Some(0), Some(2))
    );
    let (_, b) = get_orders_raw(&sim, &token, "/order?limit=1").await;
    assert_eq!(b["orders"].as_array().unwrap().len(), 1);
    let next = b["next"].as_str().unwrap().to_string();
    assert!(next.contains("offset=1"), "{next}");
    let (_, b) = raw(&sim, &token, reqwest::Method::GET, &next, false, None).await;
    assert_eq!(b["offset"], 1);
    assert!(b.get("next").is_none() && b["prev"].is_string());
    let (_, b) = get_orders_raw(&sim, &token, &format!("/order?orderIds={old}")).await;
    assert_eq!(b["orders"][0]["orderId"], old.as_str());

    // creationdate wins over lastmodifieddate.
    let cursor = now_ms();
    tokio::time::sleep(Duration::from_millis(5)).await;
    sim.update_order(&recent, OrderChange::Ship);
    let iso = adlerdo::marketplaces::ebay::mapping::iso_ms(cursor);
    let modified = format!("lastmodifieddate:[{iso}..]");
    let (_, b) = get_orders_raw(&sim, &token, &format!("/order?filter={}", enc(&modified))).await;
    assert_eq!(b["total"], 1);
    assert_eq!(b["orders"][0]["orderId"], recent.as_str());
    let both = format!("creationdate:[{iso}..],{modified}");
    let (_, b) = get_orders_raw(&sim, &token, &format!("/order?filter={}", enc(&both))).await;
    assert_eq!(b["total"], 0, "{b}");
    let fulfilled = format!("{modified},orderfulfillmentstatus:{{FULFILLED|IN_PROGRESS}}");
    let (_, b) = get_orders_raw(&sim, &token, &format!("/order?filter={}", enc(&fulfilled))).await;
    assert_eq!(b["total"], 1);

    // PII by age: the ship-to e-mail after 14 days, names, phones and streets after 90.
    let ship_to =
        |b: &Value| b["fulfillmentStartInstructions"][0]["shippingStep"]["shipTo"].clone();
    sim.age_order(&old, 20);
    let (_, b) = get_orders_raw(&sim, &token, &format!("/order/{old}")).await;
    assert!(ship_to(&b).get("email").is_none(), "{b}");
    assert_eq!(ship_to(&b)["fullName"], "Buyer 0");
    sim.age_order(&old, 80);
    let (_, b) = get_orders_raw(&sim, &token, &format!("/order/{old}")).await;
    let to = ship_to(&b);
    assert!(
        to.get("fullName").is_none() && to.get("primaryPhone").is_none(),
        "{to}"
    );
    assert!(to["contactAddress"].get("addressLine1").is_none());
    assert_eq!(to["contactAddress"]["postalCode"], "62701");
    assert!(
        b["buyer"]["buyerRegistrationAddress"]
            .get("fullName")
            .is_none()
    );
    let (_, b) = get_orders_raw(&sim, &token, "/order").await;
    assert_eq!(
        b["total"], 1,
        "older than 90 days: not in the default window"
    );
    sim.stop().await;
}

fn fulfillment_spec() -> Spec {
    Spec::load(FULFILLMENT_SPEC).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_order_exchange_fits_the_fulfillment_contract() {
    let sim = sim_with(SimOptions {
        record: true,
        ..SimOptions::default()
    });
    let ebay = adapter(&sim);
    let start = now_ms() - 1000;
    let ids: Vec<String> = (0..205)
        .map(|i| sim.seed_order(&sim_order(i, 1 + i % 2, i % 7 != 0)))
        .collect();
    sim.update_order(&ids[2], OrderChange::Cancel);
    sim.update_order(&ids[3], OrderChange::Ship);
    sim.age_order(&ids[5], 100);
    let (orders, _, pages) = all_orders(&ebay, start - 200 * 86_400_000).await;
    assert_eq!((orders.len(), pages), (205, 2));
    ebay.order(&ids[2]).await.unwrap().unwrap();
    assert_eq!(ebay.order("27-99999-99999").await.unwrap(), None);
    let token = fulfillment_token(&sim).await;
    let (s, _) = get_orders_raw(&sim, &token, "/order?limit=500").await;
    assert_eq!(s, 400);
    let (s, _) = get_orders_raw(&sim, &token, "/order/bad").await;
    assert_eq!(s, 400);
    let (s, _) = get_orders_raw(
        &sim,
        &token,
        &format!("/order?orderIds={},{}", ids[0], ids[1]),
    )
    .await;
    assert_eq!(s, 200);

    let recorded: Vec<Recorded> = sim
        .knobs()
        .recorded()
        .into_iter()
        .filter(|r| r.path.starts_with("/sell/fulfillment/v1") || r.path.starts_with("/identity"))
        .collect();
    let statuses: std::collections::BTreeSet<u16> = recorded.iter().map(|r| r.status).collect();
    for expected in [200, 400, 404] {
        assert!(
            statuses.contains(&expected),
            "no {expected} in {statuses:?}"
        );
    }
    let spec = fulfillment_spec();
    let problems: Vec<String> = recorded
        .iter()
        .flat_map(|r| check_exchange(&spec, r))
        .collect();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // The adapter's request is the documented one.
    let first = recorded
        .iter()
        .find(|r| r.path == "/sell/fulfillment/v1/order" && r.status == 200)
        .unwrap();
    assert!(
        first.query.contains("filter=lastmodifieddate%3A%5B"),
        "{}",
        first.query
    );
    assert!(first.query.contains("limit=200"), "{}", first.query);

    // The check can fail: a wrong answer is caught.
    let mut bad = first.clone();
    bad.response_body =
        br#"{"orders":[{"orderId":7,"lineItems":[{"quantity":"2"}]}],"total":"x"}"#.to_vec();
    let caught = check_exchange(&spec, &bad);
    assert!(
        caught.iter().any(|p| p.contains("/orders/0/orderId")),
        "{caught:?}"
    );
    assert!(
        caught
            .iter()
            .any(|p| p.contains("/orders/0/lineItems/0/quantity")),
        "{caught:?}"
    );
    assert!(caught.iter().any(|p| p.contains("/total")), "{caught:?}");
    sim.stop().await;
}
