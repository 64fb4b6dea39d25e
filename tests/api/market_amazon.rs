//! The Amazon adapter against the Amazon simulator over real HTTP, the simulator's own limits
//! under a manual clock, and the spec tests: every recorded exchange checked against Amazon's
//! official models (listings, feeds, orders) and the JSON_LISTINGS_FEED schemas.

use std::io::Read;
use std::time::{Duration, Instant};

use adlerdo::marketplaces::amazon::Amazon;
use adlerdo::marketplaces::{
    AccountConfig, Address, ListingIds, MarketError, MarketOrder, Marketplace, Offer, OrderQuery,
    OrderStatus, Pushed, QuantityUpdate, RetryPolicy, UnreadableOrder,
};
use adlerdo::ratelimit::{ManualClock, TimeSource};
use adlerdo::sim::amazon::{AmazonSim, Timings};
use adlerdo::sim::market::{
    Fault, OrderChange, RunningMarketSim, SimOptions, SimOrder, SimOrderLine,
};
use adlerdo::spec::{Problem, Spec};
use serde_json::{Value, json};

fn options(time: TimeSource) -> SimOptions {
    SimOptions {
        time,
        ..SimOptions::default()
    }
}

fn account(
    sim: &AmazonSim,
    time: TimeSource,
    retry: RetryPolicy,
    timeout: Duration,
) -> AccountConfig {
    AccountConfig {
        id: 1,
        name: "amazon-test".into(),
        settings: sim.account_settings(),
        credentials: sim.account_credentials(),
        time,
        retry,
        timeout,
    }
}

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base: Duration::from_millis(10),
        max_wait: Duration::from_secs(5),
    }
}

/// A simulator on real time and an adapter for it.
async fn setup() -> (AmazonSim, Amazon) {
    let sim = AmazonSim::start(options(TimeSource::real())).await.unwrap();
    let amazon = Amazon::new(&account(
        &sim,
        TimeSource::real(),
        quick_retry(),
        Duration::from_secs(5),
    ))
    .unwrap();
    (sim, amazon)
}

/// A simulator and an adapter sharing one manual clock (deterministic limits and feeds).
async fn setup_manual(retry: RetryPolicy) -> (AmazonSim, Amazon, ManualClock) {
    let (time, clock) = TimeSource::manual(1.0);
    let sim = AmazonSim::start(options(time.clone())).await.unwrap();
    let amazon = Amazon::new(&account(&sim, time, retry, Duration::from_secs(5))).unwrap();
    (sim, amazon, clock)
}

fn offer(sku: &str, barcode: Option<&str>, price: f64, quantity: i64) -> Offer {
    Offer {
        sku: sku.into(),
        title: format!("Product {sku}"),
        description: format!("The description of {sku}"),
        price,
        barcode: barcode.map(str::to_string),
        quantity,
        attributes: vec![("Color".into(), "Blue".into())],
        ids: None,
    }
}

fn update(sku: &str, quantity: i64) -> QuantityUpdate {
    QuantityUpdate {
        sku: sku.into(),
        quantity,
        ids: ListingIds {
            sku: sku.into(),
            ..Default::default()
        },
        previous: None,
    }
}

fn codes<T>(pushed: &Pushed<T>) -> Vec<(String, Option<String>)> {
    pushed
        .items
        .iter()
        .map(|o| {
            (
                o.sku.clone(),
                o.result.as_ref().err().map(|r| r.code.clone()),
            )
        })
        .collect()
}

fn ok(sku: &str) -> (String, Option<String>) {
    (sku.to_string(), None)
}

fn err(sku: &str, code: &str) -> (String, Option<String>) {
    (sku.to_string(), Some(code.to_string()))
}

#[tokio::test]
async fn offers_are_created_and_applied_after_processing() {
    let (sim, amazon) = setup().await;
    sim.set_timings(Timings {
        processing_delay: 3600.0,
        ..Timings::default()
    });
    sim.restrict_sku("RESTRICTED");
    let offers = vec![
        offer("MUG-1", Some("4006381333931"), 12.5, 7),
        offer("NO-ID", None, 3.0, 1),
        offer("RESTRICTED", Some("012345678905"), 9.0, 2),
        offer("MUG-2", Some("012345678912"), 20.0, 0),
    ];
    let pushed = amazon.upsert_offers(&offers).await.unwrap();
    assert_eq!(
        codes(&pushed),
        vec![
            ok("MUG-1"),
            err("NO-ID", "90220"),
            err("RESTRICTED", "18742"),
            ok("MUG-2")
        ]
    );
    assert_eq!(pushed.exchanges.len(), 4);
    assert!(
        pushed
            .exchanges
            .iter()
            .all(|e| e.operation == "putListingsItem")
    );
    let no_id = pushed.items[1].result.as_ref().unwrap_err();
    assert!(
        no_id
            .message
            .contains("externally_assigned_product_identifier"),
        "{no_id:?}"
    );

    // ACCEPTED is queued, not applied.
    assert_eq!(sim.quantity("MUG-1"), None);
    assert_eq!(
        amazon.find_listings(&["MUG-1".into()]).await.unwrap(),
        vec![]
    );
    assert_eq!(sim.pending_changes(), 2);
    sim.settle();
    assert_eq!(sim.quantity("MUG-1"), Some(7));
    assert_eq!(sim.quantity("MUG-2"), Some(0));
    assert_eq!(sim.quantity("NO-ID"), None);
    assert_eq!(sim.quantity("RESTRICTED"), None);
    let attrs = sim.attributes("MUG-1").unwrap();
    assert_eq!(attrs["item_name"][0]["value"], "Product MUG-1");
    assert_eq!(
        attrs["externally_assigned_product_identifier"][0]["type"],
        "ean"
    );
    assert_eq!(attrs["color"][0]["value"], "Blue");
    assert_eq!(
        attrs["purchasable_offer"][0]["our_price"][0]["schedule"][0]["value_with_tax"],
        12.5
    );

    // Now linked by SKU, with the ASIN Amazon gave it; an offer-only update by ASIN works.
    let found = amazon
        .find_listings(&["MUG-1".into(), "MUG-2".into(), "NOPE".into()])
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    let mug = found.iter().find(|f| f.sku == "MUG-1").unwrap();
    assert_eq!(mug.external_id, sim.asin("MUG-1"));
    assert_eq!(mug.quantity, Some(7));
    assert!(mug.active);
    let mut by_asin = offer("MUG-1", None, 11.0, 4);
    by_asin.ids = Some(mug.clone());
    let pushed = amazon.upsert_offers(&[by_asin]).await.unwrap();
    assert_eq!(codes(&pushed), vec![ok("MUG-1")]);
    assert_eq!(
        pushed.items[0].result.as_ref().unwrap().external_id,
        sim.asin("MUG-1")
    );
    sim.settle();
    assert_eq!(sim.quantity("MUG-1"), Some(4));
    sim.stop().await;
}

#[tokio::test]
async fn an_existing_listing_is_linked_by_sku() {
    let (sim, amazon) = setup().await;
    sim.seed_listing("OLD/1 A", "Old listing", 5.0, 3);
    sim.seed_listing("OLD-2", "Other", 6.0, 0);
    for i in 0..30 {
        sim.seed_listing(&format!("BULK-{i:02}"), "Bulk", 1.0, i);
    }
    // One SKU: getListingsItem (the SKU with a slash and a space stays one path segment).
    let one = amazon.find_listings(&["OLD/1 A".into()]).await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].sku, "OLD/1 A");
    assert_eq!(one[0].quantity, Some(3));
    assert_eq!(one[0].external_id, sim.asin("OLD/1 A"));
    assert!(one[0].active);
    assert!(
        amazon
            .find_listings(&["MISSING".into()])
            .await
            .unwrap()
            .is_empty()
    );

    // Many: searchListingsItems in chunks of 20 identifiers.
    let mut skus: Vec<String> = (0..30).map(|i| format!("BULK-{i:02}")).collect();
    skus.push("OLD-2".into());
    skus.push("MISSING".into());
    let found = amazon.find_listings(&skus).await.unwrap();
    assert_eq!(found.len(), 31);
    let old2 = found.iter().find(|f| f.sku == "OLD-2").unwrap();
    assert_eq!(old2.quantity, Some(0));
    assert!(old2.active, "discoverable even when out of stock");
    let searches = sim
        .calls()
        .iter()
        .filter(|(op, _)| op == "searchListingsItems")
        .count();
    assert_eq!(searches, 2);
    sim.stop().await;
}

#[tokio::test]
async fn small_batches_are_patched_with_per_item_rejections() {
    let (sim, amazon) = setup().await;
    for sku in ["A", "B", "C", "R"] {
        sim.seed_listing(sku, sku, 10.0, 1);
    }
    sim.restrict_sku("R");
    let items = vec![
        update("A", 5),
        update("B", -2),
        update("UNKNOWN", 3),
        update("R", 4),
        update("C", 0),
    ];
    let pushed = amazon.push_quantities(&items).await.unwrap();
    assert!(pushed.pending.is_none());
    assert_eq!(
        codes(&pushed),
        vec![
            ok("A"),
            err("B", "90000900"),
            err("UNKNOWN", "NOT_FOUND"),
            err("R", "18742"),
            ok("C")
        ]
    );
    assert!(
        pushed
            .items
            .iter()
            .all(|o| o.result.as_ref().is_ok_or_not_retryable())
    );
    assert_eq!(pushed.exchanges.len(), 5);
    assert_eq!(pushed.exchanges[0].operation, "patchListingsItem");
    assert_eq!(
        pushed.exchanges[0].request["patches"][0]["value"][0],
        json!({"fulfillment_channel_code": "DEFAULT", "quantity": 5})
    );
    assert_eq!(pushed.exchanges[1].response["status"], "INVALID");
    sim.settle();
    assert_eq!(sim.quantity("A"), Some(5));
    assert_eq!(sim.quantity("B"), Some(1));
    assert_eq!(sim.quantity("C"), Some(0));
    assert_eq!(sim.quantity("R"), Some(1));
    assert_eq!(sim.quantity("UNKNOWN"), None);
    sim.stop().await;
}

trait OkOrNotRetryable {
    fn is_ok_or_not_retryable(&self) -> bool;
}

impl<T> OkOrNotRetryable for Result<&T, &adlerdo::marketplaces::Rejection> {
    fn is_ok_or_not_retryable(&self) -> bool {
        match self {
            Ok(_) => true,
            Err(r) => !r.retryable,
        }
    }
}

#[tokio::test]
async fn full_batches_go_through_a_feed() {
    let (sim, amazon, clock) = setup_manual(quick_retry()).await;
    let n = 25_000;
    for i in 0..n {
        sim.seed_listing(&format!("SKU-{i:05}"), "Seeded", 2.0, 1);
    }
    sim.restrict_sku("SKU-00007");
    let mut items: Vec<QuantityUpdate> = (0..n)
        .map(|i| update(&format!("SKU-{i:05}"), i as i64 % 50))
        .collect();
    items[3].quantity = -1;
    items[4] = update("GHOST", 9);
    assert_eq!(amazon.max_quantities_per_call(), 25_000);

    let pushed = amazon.push_quantities(&items).await.unwrap();
    let handle = pushed.pending.clone().expect("a feed handle");
    assert!(pushed.items.is_empty());
    let ops: Vec<&str> = pushed
        .exchanges
        .iter()
        .map(|e| e.operation.as_str())
        .collect();
    assert_eq!(
        ops,
        ["createFeedDocument", "uploadFeedDocument", "createFeed"]
    );
    let uploaded = &pushed.exchanges[1].request["messages"];
    assert_eq!(
        uploaded.as_array().unwrap().len(),
        51,
        "the record keeps the first 50"
    );

    // IN_QUEUE, then IN_PROGRESS: nothing yet.
    assert!(amazon.check_pending(&handle).await.unwrap().is_none());
    clock.advance(Duration::from_secs(3));
    assert!(amazon.check_pending(&handle).await.unwrap().is_none());
    // The feed ends 5 s after its creation (2 s queued, 3 s processing).
    clock.advance(Duration::from_millis(2500));
    let done = amazon.check_pending(&handle).await.unwrap().expect("done");
    assert_eq!(done.items.len(), n);
    let rejected: Vec<_> = codes(&done)
        .into_iter()
        .filter(|(_, c)| c.is_some())
        .collect();
    assert_eq!(
        rejected,
        vec![
            err("SKU-00003", "90000900"),
            err("GHOST", "NOT_FOUND"),
            err("SKU-00007", "18742")
        ]
    );
    // Accepted by the feed, applied after the processing delay.
    assert_eq!(sim.quantity("SKU-00010"), Some(1));
    clock.advance(Duration::from_secs(1));
    assert_eq!(sim.quantity("SKU-00010"), Some(10));
    assert_eq!(sim.quantity("SKU-24999"), Some(24999 % 50));
    assert_eq!(sim.quantity("SKU-00003"), Some(1));
    assert_eq!(sim.quantity("GHOST"), None);

    // More than a feed takes is refused before anything is sent.
    items.push(update("ONE-TOO-MANY", 1));
    assert!(matches!(
        amazon.push_quantities(&items).await,
        Err(MarketError::Config(_))
    ));
    sim.stop().await;
}

#[tokio::test]
async fn feeds_that_fail_make_every_item_retryable() {
    let (sim, amazon, clock) = setup_manual(quick_retry()).await;
    for i in 0..30 {
        sim.seed_listing(&format!("S{i}"), "x", 1.0, 1);
    }
    let items: Vec<QuantityUpdate> = (0..30).map(|i| update(&format!("S{i}"), 2)).collect();
    // Cancel the feed while it is queued (as a seller might from Seller Central).
    let pushed = amazon.push_quantities(&items).await.unwrap();
    let handle = pushed.pending.unwrap();
    let client = reqwest::Client::new();
    let token = token(&client, &sim).await;
    let resp = send(
        client.delete(format!("{}/feeds/2021-06-30/feeds/{handle}", sim.url())),
        &token,
    )
    .await;
    assert_eq!(resp.status(), 200);
    clock.advance(Duration::from_secs(10));
    let done = amazon.check_pending(&handle).await.unwrap().unwrap();
    assert_eq!(done.items.len(), 30);
    assert!(done.items.iter().all(|o| {
        o.result
            .as_ref()
            .is_err_and(|r| r.retryable && r.code == "CANCELLED")
    }));
    clock.advance(Duration::from_secs(10));
    assert_eq!(
        sim.quantity("S0"),
        Some(1),
        "a cancelled feed changes nothing"
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_throttle_storm_is_retried_honouring_the_wait() {
    let (sim, amazon) = setup().await;
    sim.seed_listing("A", "A", 1.0, 1);
    amazon.find_listings(&["A".into()]).await.unwrap(); // token fetched
    let wait = Duration::from_millis(250);
    sim.knobs().push_faults([
        Fault::Throttle(wait),
        Fault::Throttle(wait),
        Fault::Throttle(wait),
    ]);
    let started = Instant::now();
    let pushed = amazon.push_quantities(&[update("A", 8)]).await.unwrap();
    assert!(
        started.elapsed() >= wait * 3,
        "waited only {:?}",
        started.elapsed()
    );
    assert_eq!(codes(&pushed), vec![ok("A")]);

    // A wait longer than the account's max_wait goes back to the caller.
    sim.knobs()
        .push_faults([Fault::Throttle(Duration::from_secs(600))]);
    let started = Instant::now();
    let got = amazon.find_listings(&["A".into()]).await;
    assert!(started.elapsed() < Duration::from_secs(2));
    match got {
        Err(MarketError::RateLimited { retry_after }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(600)))
        }
        other => panic!("{other:?}"),
    }
    sim.stop().await;
}

#[tokio::test]
async fn server_errors_are_retried_and_outages_are_transient() {
    let (sim, amazon) = setup().await;
    sim.seed_listing("A", "A", 1.0, 1);
    amazon.find_listings(&["A".into()]).await.unwrap();
    sim.knobs()
        .push_faults([Fault::Status(503), Fault::Status(500)]);
    let pushed = amazon.push_quantities(&[update("A", 2)]).await.unwrap();
    assert_eq!(codes(&pushed), vec![ok("A")]);

    sim.knobs().set_outage(true);
    let got = amazon.push_quantities(&[update("A", 3)]).await;
    assert!(matches!(got, Err(MarketError::Transient(_))), "{got:?}");
    sim.knobs().set_outage(false);
    sim.stop().await;
}

#[tokio::test]
async fn a_timeout_is_transient_and_retried() {
    let sim = AmazonSim::start(options(TimeSource::real())).await.unwrap();
    sim.seed_listing("A", "A", 1.0, 1);
    let amazon = Amazon::new(&account(
        &sim,
        TimeSource::real(),
        quick_retry(),
        Duration::from_millis(300),
    ))
    .unwrap();
    amazon.find_listings(&["A".into()]).await.unwrap();
    sim.knobs()
        .push_faults([Fault::Delay(Duration::from_secs(1))]);
    let pushed = amazon.push_quantities(&[update("A", 6)]).await.unwrap();
    assert_eq!(codes(&pushed), vec![ok("A")]);

    let once = Amazon::new(&account(
        &sim,
        TimeSource::real(),
        RetryPolicy {
            max_attempts: 1,
            ..quick_retry()
        },
        Duration::from_millis(300),
    ))
    .unwrap();
    once.find_listings(&["A".into()]).await.unwrap();
    sim.knobs()
        .push_faults([Fault::Delay(Duration::from_secs(1))]);
    let got = once.find_listings(&["A".into()]).await;
    assert!(matches!(got, Err(MarketError::Transient(_))), "{got:?}");
    sim.stop().await;
}

#[tokio::test]
async fn garbage_and_truncated_answers_are_decode_errors() {
    let sim = AmazonSim::start(options(TimeSource::real())).await.unwrap();
    sim.seed_listing("A", "A", 1.0, 1);
    let amazon = Amazon::new(&account(
        &sim,
        TimeSource::real(),
        RetryPolicy {
            max_attempts: 2,
            ..quick_retry()
        },
        Duration::from_secs(5),
    ))
    .unwrap();
    amazon.find_listings(&["A".into()]).await.unwrap();
    // One bad answer is retried.
    sim.knobs().push_faults([Fault::Garbage]);
    assert_eq!(amazon.find_listings(&["A".into()]).await.unwrap().len(), 1);
    sim.knobs().push_faults([Fault::Truncated]);
    assert_eq!(amazon.find_listings(&["A".into()]).await.unwrap().len(), 1);
    // Bad answers every time: Decode, never a panic.
    sim.knobs().push_faults([Fault::Garbage, Fault::Garbage]);
    let got = amazon.find_listings(&["A".into()]).await;
    assert!(matches!(got, Err(MarketError::Decode(_))), "{got:?}");
    sim.knobs()
        .push_faults([Fault::Truncated, Fault::Truncated]);
    let got = amazon.push_quantities(&[update("A", 1)]).await;
    assert!(matches!(got, Err(MarketError::Decode(_))), "{got:?}");
    sim.stop().await;
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once() {
    let (sim, amazon) = setup().await;
    sim.seed_listing("A", "A", 1.0, 1);
    amazon.find_listings(&["A".into()]).await.unwrap();
    assert_eq!(sim.token_grants(), 1);
    amazon.find_listings(&["A".into()]).await.unwrap();
    assert_eq!(sim.token_grants(), 1, "the token is cached");

    sim.expire_tokens();
    let pushed = amazon.push_quantities(&[update("A", 4)]).await.unwrap();
    assert_eq!(codes(&pushed), vec![ok("A")]);
    assert_eq!(sim.token_grants(), 2);
    let refused = sim
        .calls()
        .iter()
        .filter(|(op, status)| op == "patchListingsItem" && *status == 403)
        .count();
    assert_eq!(refused, 1);

    // Amazon's 403 Unauthorized on a token it issued: refresh and go on.
    sim.knobs().push_faults([Fault::Unauthorized]);
    amazon.find_listings(&["A".into()]).await.unwrap();
    assert_eq!(sim.token_grants(), 3);
    sim.stop().await;
}

#[tokio::test]
async fn a_revoked_refresh_token_is_unauthorized() {
    let (sim, amazon) = setup().await;
    sim.seed_listing("A", "A", 1.0, 1);
    amazon.find_listings(&["A".into()]).await.unwrap();
    sim.revoke_refresh_token();
    let got = amazon.push_quantities(&[update("A", 4)]).await;
    assert!(matches!(got, Err(MarketError::Unauthorized(_))), "{got:?}");
    let got = amazon
        .upsert_offers(&[offer("A", Some("4006381333931"), 1.0, 1)])
        .await;
    assert!(matches!(got, Err(MarketError::Unauthorized(_))), "{got:?}");

    // Wrong app credentials are refused the same way.
    let mut bad = account(
        &sim,
        TimeSource::real(),
        quick_retry(),
        Duration::from_secs(5),
    );
    bad.credentials
        .insert("client_secret".into(), json!("wrong"));
    let got = Amazon::new(&bad)
        .unwrap()
        .find_listings(&["A".into()])
        .await;
    assert!(matches!(got, Err(MarketError::Unauthorized(_))), "{got:?}");
    bad.credentials.remove("refresh_token");
    assert!(matches!(Amazon::new(&bad), Err(MarketError::Config(_))));
    sim.stop().await;
}

/// An access token straight from the simulator's LWA (JSON body, as Amazon's Java client).
async fn token(client: &reqwest::Client, sim: &AmazonSim) -> String {
    let creds = sim.account_credentials();
    let resp = client
        .post(sim.lwa_url())
        .json(&json!({
            "grant_type": "refresh_token",
            "refresh_token": creds["refresh_token"],
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    body["access_token"].as_str().unwrap().to_string()
}

fn item_url(sim: &AmazonSim, sku: &str) -> String {
    format!(
        "{}/listings/2021-08-01/items/{}/{sku}?marketplaceIds=ATVPDKIKX0DER",
        sim.url(),
        adlerdo::sim::amazon::SELLER_ID
    )
}

fn patch_body(quantity: i64) -> Value {
    json!({"productType": "PRODUCT", "patches": [{"op": "replace",
        "path": "/attributes/fulfillment_availability",
        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}]}]})
}

/// Sends `req` to the simulator with the access token.
async fn send(req: reqwest::RequestBuilder, token: &str) -> reqwest::Response {
    req.header("x-amz-access-token", token)
        .send()
        .await
        .unwrap()
}

/// A GET with the access token, answered with JSON.
async fn get_json(client: &reqwest::Client, url: impl reqwest::IntoUrl, token: &str) -> Value {
    send(client.get(url), token).await.json().await.unwrap()
}

/// patchListingsItem of `sku`'s quantity, straight to the simulator.
async fn patch_item(
    client: &reqwest::Client,
    sim: &AmazonSim,
    token: &str,
    sku: &str,
    quantity: i64,
) -> reqwest::Response {
    let req = client.patch(item_url(sim, sku)).json(&patch_body(quantity));
    send(req, token).await
}

/// getListingsItem of `sku`, straight to the simulator.
async fn get_item(
    client: &reqwest::Client,
    sim: &AmazonSim,
    token: &str,
    sku: &str,
) -> reqwest::Response {
    send(client.get(item_url(sim, sku)), token).await
}

/// createFeedDocument: the document (its id and upload URL).
async fn feed_document(client: &reqwest::Client, sim: &AmazonSim, token: &str) -> Value {
    let req = client
        .post(format!("{}/feeds/2021-06-30/documents", sim.url()))
        .json(&json!({"contentType": "application/json; charset=UTF-8"}));
    send(req, token).await.json().await.unwrap()
}

/// createFeed of a JSON_LISTINGS_FEED on the document `doc`.
async fn create_feed(
    client: &reqwest::Client,
    sim: &AmazonSim,
    token: &str,
    doc: &Value,
) -> reqwest::Response {
    let req = client
        .post(format!("{}/feeds/2021-06-30/feeds", sim.url()))
        .json(
            &json!({"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": ["ATVPDKIKX0DER"],
            "inputFeedDocumentId": doc["feedDocumentId"]}),
        );
    send(req, token).await
}

/// createFeedDocument, then createFeed on it: the createFeed answer.
async fn submit_feed(client: &reqwest::Client, sim: &AmazonSim, token: &str) -> reqwest::Response {
    let doc = feed_document(client, sim, token).await;
    create_feed(client, sim, token, &doc).await
}

#[tokio::test]
async fn the_simulator_enforces_limits_on_a_manual_clock() {
    let (time, clock) = TimeSource::manual(1.0);
    let sim = AmazonSim::start(options(time.clone())).await.unwrap();
    sim.seed_listing("A", "A", 1.0, 1);
    let client = reqwest::Client::new();
    let token = token(&client, &sim).await;

    // patchListingsItem: burst 5, then 429 until 1/5 s has passed.
    for _ in 0..5 {
        let resp = patch_item(&client, &sim, &token, "A", 2).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["x-amzn-RateLimit-Limit"], "5");
        assert!(resp.headers().contains_key("x-amzn-RequestId"));
    }
    let resp = patch_item(&client, &sim, &token, "A", 2).await;
    assert_eq!(resp.status(), 429);
    assert!(!resp.headers().contains_key("x-amzn-RateLimit-Limit"));
    assert!(resp.headers().contains_key("x-amzn-RequestId"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "QuotaExceeded");
    // Other operations have their own buckets.
    let resp = get_item(&client, &sim, &token, "A").await;
    assert_eq!(resp.status(), 200);
    clock.advance(Duration::from_millis(200));
    let resp = patch_item(&client, &sim, &token, "A", 2).await;
    assert_eq!(resp.status(), 200);

    // JSON_LISTINGS_FEED: 5 feeds per 5 minutes.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let resp = submit_feed(&client, &sim, &token).await;
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(statuses, [202, 202, 202, 202, 202, 429]);
    clock.advance(Duration::from_secs(60));
    let doc = feed_document(&client, &sim, &token).await;
    let resp = create_feed(&client, &sim, &token, &doc).await;
    assert_eq!(
        resp.status(),
        202,
        "one feed's worth restored after a minute"
    );

    // The presigned URL expires after five minutes.
    clock.advance(Duration::from_secs(301));
    let resp = client
        .put(doc["url"].as_str().unwrap())
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("Request has expired"));

    // Access tokens expire after an hour of model time.
    clock.advance(Duration::from_secs(3600));
    let resp = get_item(&client, &sim, &token, "A").await;
    assert_eq!(resp.status(), 403);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "Unauthorized");
    assert_eq!(
        body["errors"][0]["details"],
        "The access token you provided has expired."
    );

    // Without enforcement, no 429.
    let (time, _clock) = TimeSource::manual(1.0);
    let free = AmazonSim::start(SimOptions {
        enforce_limits: false,
        ..options(time)
    })
    .await
    .unwrap();
    free.seed_listing("A", "A", 1.0, 1);
    let token = self::token(&client, &free).await;
    for _ in 0..20 {
        let resp = patch_item(&client, &free, &token, "A", 2).await;
        assert_eq!(resp.status(), 200);
    }
    free.stop().await;
    sim.stop().await;
}

#[tokio::test]
async fn the_adapter_stays_under_the_limits_and_hands_long_waits_back() {
    let (sim, amazon, clock) = setup_manual(RetryPolicy {
        max_attempts: 3,
        base: Duration::from_millis(10),
        max_wait: Duration::ZERO,
    })
    .await;
    for i in 0..8 {
        sim.seed_listing(&format!("S{i}"), "x", 1.0, 1);
    }
    // Burst 5: the sixth patch would have to wait 200 ms, longer than max_wait here, so the
    // adapter stops without a 429 and hands the rest back as retryable.
    let items: Vec<QuantityUpdate> = (0..8).map(|i| update(&format!("S{i}"), 3)).collect();
    let pushed = amazon.push_quantities(&items).await.unwrap();
    let accepted = pushed.items.iter().filter(|o| o.result.is_ok()).count();
    assert_eq!(accepted, 5);
    assert!(pushed.items[5..].iter().all(|o| {
        o.result
            .as_ref()
            .is_err_and(|r| r.retryable && r.code == "rate_limited")
    }));
    assert!(
        sim.calls().iter().all(|(_, status)| *status != 429),
        "the adapter never got a 429"
    );
    clock.advance(Duration::from_millis(200));
    let got = amazon.push_quantities(&items[5..6]).await.unwrap();
    assert_eq!(codes(&got), vec![ok("S5")]);
    // An empty bucket before any answer: the whole call is RateLimited with the wait.
    match amazon.push_quantities(&items[6..7]).await {
        Err(MarketError::RateLimited { retry_after }) => {
            assert_eq!(retry_after, Some(Duration::from_millis(200)))
        }
        other => panic!("{other:?}"),
    }
    sim.stop().await;
}

#[tokio::test]
async fn a_plan_amazon_does_not_grant_is_corrected_by_its_429s() {
    let sim = AmazonSim::start(options(TimeSource::real())).await.unwrap();
    let mut config = account(
        &sim,
        TimeSource::real(),
        RetryPolicy {
            max_attempts: 5,
            base: Duration::from_millis(100),
            max_wait: Duration::from_secs(5),
        },
        Duration::from_secs(5),
    );
    // The account claims a raised plan; the simulator enforces the default 5 / 5.
    config
        .settings
        .insert("patchListingsItem_rate".into(), json!(100.0));
    config
        .settings
        .insert("patchListingsItem_burst".into(), json!(100.0));
    config.settings.insert("concurrency".into(), json!(1.0));
    let amazon = Amazon::new(&config).unwrap();
    for i in 0..8 {
        sim.seed_listing(&format!("S{i}"), "x", 1.0, 1);
    }
    let items: Vec<QuantityUpdate> = (0..8).map(|i| update(&format!("S{i}"), 2)).collect();
    let started = Instant::now();
    let pushed = amazon.push_quantities(&items).await.unwrap();
    assert!(
        pushed.items.iter().all(|o| o.result.is_ok()),
        "{:?}",
        codes(&pushed)
    );
    let throttled = sim
        .calls()
        .iter()
        .filter(|(_, status)| *status == 429)
        .count();
    assert!(throttled >= 1, "the simulator throttled the burst");
    assert!(started.elapsed() >= Duration::from_millis(400));
    sim.stop().await;
}

#[tokio::test]
async fn the_simulator_validates_requests_and_previews() {
    // Validation is what is tested here; the usage plans would throttle the many bad calls.
    let sim = AmazonSim::start(SimOptions {
        enforce_limits: false,
        ..options(TimeSource::real())
    })
    .await
    .unwrap();
    sim.seed_listing("A", "A", 1.0, 1);
    let client = reqwest::Client::new();
    let token = token(&client, &sim).await;

    // Form-encoded grant (as the docs show it) works too; a wrong grant does not.
    let creds = sim.account_credentials();
    let resp = client
        .post(sim.lwa_url())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "Atzr|nope"),
            ("client_id", creds["client_id"].as_str().unwrap()),
            ("client_secret", creds["client_secret"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");

    let resp = client.get(item_url(&sim, "A")).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["details"],
        "Access token is missing in the request header."
    );

    let bad = [
        json!({"productType": "PRODUCT"}),
        json!({"productType": "PRODUCT", "patches": []}),
        json!({"productType": "PRODUCT", "patches": [{"op": "move", "path": "/attributes/x", "value": [{}]}]}),
        json!({"productType": "PRODUCT", "patches": [{"op": "replace", "path": "/attributes/a/b", "value": [{}]}]}),
        json!({"patches": [{"op": "replace", "path": "/attributes/a", "value": [{}]}]}),
    ];
    for body in bad {
        let resp = send(client.patch(item_url(&sim, "A")).json(&body), &token).await;
        assert_eq!(resp.status(), 400, "{body}");
        let answer: Value = resp.json().await.unwrap();
        assert_eq!(answer["errors"][0]["code"], "InvalidInput");
    }
    let resp = client
        .patch(format!(
            "{}/listings/2021-08-01/items/{}/A",
            sim.url(),
            adlerdo::sim::amazon::SELLER_ID
        ))
        .header("x-amz-access-token", &token)
        .json(&patch_body(1))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400, "marketplaceIds is required");

    // VALIDATION_PREVIEW answers VALID and persists nothing.
    let req = client
        .patch(format!("{}&mode=VALIDATION_PREVIEW", item_url(&sim, "A")))
        .json(&patch_body(99));
    let resp = send(req, &token).await;
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["status"], "VALID");
    sim.settle();
    assert_eq!(sim.quantity("A"), Some(1));

    // A feed of more than 25,000 messages ends FATAL.
    let messages: Vec<Value> = (1..=25_001)
        .map(|i| {
            json!({"messageId": i, "sku": "A", "operationType": "PATCH", "productType": "PRODUCT",
            "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 1}]}]})
        })
        .collect();
    let feed = json!({"header": {"sellerId": adlerdo::sim::amazon::SELLER_ID, "version": "2.0"}, "messages": messages});
    let doc = feed_document(&client, &sim, &token).await;
    let resp = client
        .put(doc["url"].as_str().unwrap())
        .body(serde_json::to_vec(&feed).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let created: Value = create_feed(&client, &sim, &token, &doc)
        .await
        .json()
        .await
        .unwrap();
    sim.settle();
    let feed: Value = get_json(
        &client,
        format!(
            "{}/feeds/2021-06-30/feeds/{}",
            sim.url(),
            created["feedId"].as_str().unwrap()
        ),
        &token,
    )
    .await;
    assert_eq!(feed["processingStatus"], "FATAL");
    assert!(feed["resultFeedDocumentId"].is_string());
    sim.stop().await;
}

#[tokio::test]
async fn searches_and_feed_lists_are_paged() {
    let (time, clock) = TimeSource::manual(1.0);
    let sim = AmazonSim::start(SimOptions {
        enforce_limits: false,
        ..options(time)
    })
    .await
    .unwrap();
    for i in 0..1005 {
        sim.seed_listing(&format!("P{i:04}"), "Paged", 1.0, 1);
    }
    let client = reqwest::Client::new();
    let token = token(&client, &sim).await;
    let base = format!(
        "{}/listings/2021-08-01/items/{}?marketplaceIds=ATVPDKIKX0DER&pageSize=20&sortBy=sku&sortOrder=ASC",
        sim.url(),
        adlerdo::sim::amazon::SELLER_ID
    );
    let mut seen = Vec::new();
    let mut url = base.clone();
    let mut pages = 0;
    loop {
        let page: Value = get_json(&client, &url, &token).await;
        pages += 1;
        assert_eq!(page["numberOfResults"], 1005);
        assert_eq!(page["pagination"].get("previousToken").is_some(), pages > 1);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["sku"].as_str().unwrap().to_string()),
        );
        match page["pagination"]["nextToken"].as_str() {
            Some(next) => url = format!("{base}&pageToken={next}"),
            None => break,
        }
    }
    assert_eq!(pages, 50);
    assert_eq!(seen.len(), 1000, "at most 1,000 SKUs can be paged through");
    assert_eq!(seen[0], "P0000");
    assert_eq!(seen[999], "P0999");
    let resp = send(
        client.get(base.replace("pageSize=20", "pageSize=21")),
        &token,
    )
    .await;
    assert_eq!(resp.status(), 400);

    // getFeeds: newest first, filters carried by nextToken.
    for _ in 0..3 {
        submit_feed(&client, &sim, &token).await;
        clock.advance(Duration::from_secs(1));
    }
    let list = format!("{}/feeds/2021-06-30/feeds", sim.url());
    let first: Value = get_json(
        &client,
        format!("{list}?feedTypes=JSON_LISTINGS_FEED&pageSize=2"),
        &token,
    )
    .await;
    let ids: Vec<&str> = first["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["feedId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] > ids[1], "newest first");
    let next = first["nextToken"].as_str().unwrap();
    let req = client.get(list.clone()).query(&[("nextToken", next)]);
    let second: Value = send(req, &token).await.json().await.unwrap();
    assert_eq!(second["feeds"].as_array().unwrap().len(), 1);
    assert!(second.get("nextToken").is_none());
    // The never-uploaded feeds end FATAL.
    clock.advance(Duration::from_secs(10));
    let fatal: Value = get_json(
        &client,
        format!("{list}?feedTypes=JSON_LISTINGS_FEED&processingStatuses=FATAL"),
        &token,
    )
    .await;
    assert_eq!(fatal["feeds"].as_array().unwrap().len(), 3);
    let resp = send(client.get(list), &token).await;
    assert_eq!(resp.status(), 400, "feedTypes or nextToken is required");
    sim.stop().await;
}

// ---- The spec test ----

fn spec(file: &str) -> Spec {
    Spec::load(format!(
        "{}/../shared/specs/amazon/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("{e}"))
}

/// A JSON Schema file of the feeds folder as a spec with one named definition.
fn feed_schema(file: &str) -> Spec {
    let path = format!(
        "{}/../shared/specs/amazon/feeds-schemas/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    Spec::from_value(json!({"swagger": "2.0", "paths": {}, "definitions": {"doc": schema}}))
        .unwrap()
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn every_exchange_fits_the_official_specs() {
    let (time, clock) = TimeSource::manual(1.0);
    let sim = AmazonSim::start(SimOptions {
        record: true,
        ..options(time.clone())
    })
    .await
    .unwrap();
    let amazon = Amazon::new(&account(&sim, time, quick_retry(), Duration::from_secs(5))).unwrap();
    sim.restrict_sku("R-1");
    for i in 0..40 {
        sim.seed_listing(&format!("SEED {i}"), "Seeded", 2.5, 1);
    }

    // Offers (accepted and invalid), links, small and large pushes, a feed to the end.
    let pushed = amazon
        .upsert_offers(&[
            offer("NEW-1", Some("4006381333931"), 9.99, 3),
            offer("NEW-2", None, 1.0, 1),
            offer("R-1", Some("012345678905"), 1.0, 1),
        ])
        .await
        .unwrap();
    assert_eq!(pushed.items.len(), 3);
    sim.settle();
    let skus: Vec<String> = (0..25).map(|i| format!("SEED {i}")).collect();
    assert_eq!(amazon.find_listings(&skus).await.unwrap().len(), 25);
    assert_eq!(
        amazon.find_listings(&["NEW-1".into()]).await.unwrap().len(),
        1
    );
    assert!(
        amazon
            .find_listings(&["NONE".into()])
            .await
            .unwrap()
            .is_empty()
    );
    amazon
        .push_quantities(&[update("NEW-1", 4), update("NONE", 1), update("SEED 1", -1)])
        .await
        .unwrap();
    let mut items: Vec<QuantityUpdate> = (0..40).map(|i| update(&format!("SEED {i}"), 7)).collect();
    items[2].quantity = -3;
    items.push(update("R-1", 1));
    let handle = amazon
        .push_quantities(&items)
        .await
        .unwrap()
        .pending
        .unwrap();
    assert!(amazon.check_pending(&handle).await.unwrap().is_none());
    clock.advance(Duration::from_secs(10));
    let done = amazon.check_pending(&handle).await.unwrap().unwrap();
    assert_eq!(done.items.iter().filter(|o| o.result.is_err()).count(), 2);
    // A few error answers of the real API (404, 400, 403) are part of the record too.
    let client = reqwest::Client::new();
    let token = token(&client, &sim).await;
    for (method, url) in [
        (reqwest::Method::GET, item_url(&sim, "NONE")),
        (
            reqwest::Method::GET,
            format!("{}/feeds/2021-06-30/feeds/1", sim.url()),
        ),
        (
            reqwest::Method::GET,
            format!("{}&includedData=bogus", item_url(&sim, "NEW-1")),
        ),
    ] {
        send(client.request(method, url), &token).await;
    }
    client.get(item_url(&sim, "NEW-1")).send().await.unwrap();
    // Every part of an item, pages of a plain search, and getFeeds: shapes the adapter does not
    // read but the simulator serves.
    let everything = "summaries,attributes,issues,offers,fulfillmentAvailability,procurement,relationships,productTypes";
    send(
        client.get(format!(
            "{}&includedData={everything}",
            item_url(&sim, "NEW-1")
        )),
        &token,
    )
    .await;
    clock.advance(Duration::from_secs(1));
    let search = format!(
        "{}/listings/2021-08-01/items/{}?marketplaceIds=ATVPDKIKX0DER&pageSize=20&sortBy=sku&sortOrder=ASC&includedData={everything}",
        sim.url(),
        adlerdo::sim::amazon::SELLER_ID
    );
    let page: Value = get_json(&client, &search, &token).await;
    let next = page["pagination"]["nextToken"].as_str().unwrap();
    send(client.get(format!("{search}&pageToken={next}")), &token).await;
    let feeds_page: Value = get_json(
        &client,
        format!(
            "{}/feeds/2021-06-30/feeds?feedTypes=JSON_LISTINGS_FEED&pageSize=1",
            sim.url()
        ),
        &token,
    )
    .await;
    assert_eq!(feeds_page["feeds"].as_array().unwrap().len(), 1);
    assert!(feeds_page.get("nextToken").is_none(), "one feed only");

    let listings = spec("listingsItems_2021-08-01.json");
    let feeds = spec("feeds_2021-06-30.json");
    let feed_doc = feed_schema("listings-feed-schema-v2.json");
    let report = feed_schema("listings-feed-processing-report-schema-v2.json");
    let recorded = sim.knobs().recorded();
    let mut problems: Vec<String> = Vec::new();
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    let mut statuses = std::collections::BTreeSet::new();
    for r in &recorded {
        let what = format!("{} {} -> {}", r.method, r.path, r.status);
        let mut report_problems = |found: Vec<Problem>, side: &str| {
            problems.extend(found.into_iter().map(|p| format!("{what} {side}: {p}")));
        };
        if r.path == "/auth/o2/token" {
            continue;
        }
        if r.path.starts_with("/_documents/") {
            if r.method == "PUT" {
                let doc: Value = serde_json::from_slice(&r.request_body).unwrap();
                report_problems(feed_doc.validate_named("doc", &doc), "feed document");
                *checked.entry("feed document".into()).or_default() += 1;
            } else {
                let body = gunzip(&r.response_body);
                let doc: Value = serde_json::from_slice(&body).unwrap();
                report_problems(report.validate_named("doc", &doc), "processing report");
                *checked.entry("processing report".into()).or_default() += 1;
            }
            continue;
        }
        let spec = if r.path.starts_with("/feeds/") {
            &feeds
        } else {
            &listings
        };
        let op = spec
            .operation(&r.method, &r.path)
            .and_then(|o| o.operation_id)
            .unwrap_or_else(|| panic!("no operation for {what}"));
        *checked.entry(op).or_default() += 1;
        statuses.insert(r.status);
        let request: Option<Value> =
            (!r.request_body.is_empty()).then(|| serde_json::from_slice(&r.request_body).unwrap());
        let found =
            spec.validate_request(&r.method, &r.path, &query_pairs(&r.query), request.as_ref());
        if r.status == 400 {
            // The test's deliberately bad requests: the simulator and the spec agree they are
            // bad.
            assert!(
                !found.is_empty(),
                "{what}: the simulator refused a valid request"
            );
        } else {
            report_problems(found, "request");
        }
        let response: Value = if r.response_body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&r.response_body).unwrap()
        };
        report_problems(
            spec.validate_response(&r.method, &r.path, r.status, &response),
            "response",
        );
        let has = |name: &str| r.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
        assert!(
            has("x-amz-access-token") || r.status == 403,
            "{what} without a token"
        );
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    for op in [
        "putListingsItem",
        "patchListingsItem",
        "getListingsItem",
        "searchListingsItems",
        "createFeedDocument",
        "createFeed",
        "getFeed",
        "getFeedDocument",
        "getFeeds",
        "feed document",
        "processing report",
    ] {
        assert!(
            checked.contains_key(op),
            "{op} was not exercised: {checked:?}"
        );
    }
    let total: usize = checked.values().sum();
    assert!(total >= 25, "only {total} exchanges checked: {checked:?}");
    for status in [200, 201, 202, 400, 403, 404] {
        assert!(
            statuses.contains(&status),
            "no {status} answer checked: {statuses:?}"
        );
    }

    // The validator does catch a wrong request and a wrong answer.
    let put = recorded
        .iter()
        .find(|r| r.method == "PUT" && r.path.starts_with("/listings/"))
        .unwrap();
    let mut body: Value = serde_json::from_slice(&put.request_body).unwrap();
    body["requirements"] = json!("EVERYTHING");
    body.as_object_mut().unwrap().remove("attributes");
    let found = listings.validate_request("PUT", &put.path, &query_pairs(&put.query), Some(&body));
    assert_eq!(found.len(), 2, "{found:?}");
    let found = listings.validate_request("PUT", &put.path, &[], Some(&body));
    assert!(
        found.iter().any(|p| p.path == "query:marketplaceIds"),
        "{found:?}"
    );
    let mut answer: Value = serde_json::from_slice(&put.response_body).unwrap();
    answer["status"] = json!("DONE");
    answer.as_object_mut().unwrap().remove("submissionId");
    assert_eq!(
        listings
            .validate_response("PUT", &put.path, 200, &answer)
            .len(),
        2
    );
    let feed = recorded
        .iter()
        .find(|r| {
            r.method == "GET" && r.path.starts_with("/feeds/2021-06-30/feeds/") && r.status == 200
        })
        .unwrap();
    let mut answer: Value = serde_json::from_slice(&feed.response_body).unwrap();
    answer["processingStatus"] = json!("FINISHED");
    assert_eq!(
        feeds
            .validate_response("GET", &feed.path, 200, &answer)
            .len(),
        1
    );
    assert!(
        !feeds
            .validate_response("GET", &feed.path, 418, &answer)
            .is_empty()
    );
    let bad_doc = json!({"header": {"sellerId": "S", "version": "1.0"},
        "messages": [{"messageId": 0, "sku": "", "operationType": "PATCH", "productType": "PRODUCT"}]});
    assert!(feed_doc.validate_named("doc", &bad_doc).len() >= 3);
    let bad_report =
        json!({"header": {"sellerId": "S", "version": "2.0"}, "issues": [{"severity": "FATAL"}]});
    assert!(report.validate_named("doc", &bad_report).len() >= 3);
    sim.stop().await;
}

// ---- Orders (Orders API v2026-01-01) ----

/// Model seconds per real second in the order tests: Amazon's two settle minutes take 200 ms,
/// the searchOrders plan (0.0056/s) refills about 3 calls a real second.
const ORDER_SCALE: f64 = 600.0;

/// A simulator and an adapter on one scaled clock, for orders.
async fn setup_orders(record: bool, retry: RetryPolicy) -> (AmazonSim, Amazon) {
    let time = TimeSource::scaled(ORDER_SCALE);
    let sim = AmazonSim::start(SimOptions {
        record,
        ..options(time.clone())
    })
    .await
    .unwrap();
    let mut config = account(&sim, time, retry, Duration::from_secs(5));
    // These tests read through Amazon's `lastUpdatedBefore` window (off by default).
    config
        .settings
        .insert("orders_settle_seconds".into(), json!(120));
    let amazon = Amazon::new(&config).unwrap();
    (sim, amazon)
}

/// Waits until orders placed or changed so far are older than Amazon's settle time.
async fn settle_orders() {
    tokio::time::sleep(Duration::from_secs_f64(130.0 / ORDER_SCALE)).await;
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn sim_order(i: usize, paid: bool) -> SimOrder {
    SimOrder {
        buyer_name: format!("Buyer {i}"),
        buyer_email: format!("buyer{i}@example.com"),
        address: Address {
            name: Some(format!("Buyer {i}")),
            street: Some(format!("{i} Main St")),
            street2: Some("Apt 4".into()),
            city: Some("Seattle".into()),
            state: Some("WA".into()),
            zip: Some("98101".into()),
            country_code: Some("US".into()),
            phone: Some("206-555-0100".into()),
            ..Address::default()
        },
        billing: None,
        lines: vec![
            SimOrderLine {
                sku: format!("MUG-{i}"),
                title: "Mug".into(),
                quantity: 3,
                unit_price: 9.99,
                discount: 1.0,
            },
            SimOrderLine {
                sku: "CUP".into(),
                title: "Cup".into(),
                quantity: 1,
                unit_price: 5.0,
                discount: 0.0,
            },
        ],
        shipping: 4.5,
        tax_rate: 0.0825,
        currency: "USD".into(),
        paid,
    }
}

/// The orders, the unreadable ones, the page count and the last page's `complete_until` of
/// every page of a poll from `query` on.
async fn poll_from(
    amazon: &Amazon,
    mut query: OrderQuery,
) -> (Vec<MarketOrder>, Vec<UnreadableOrder>, usize, Option<i64>) {
    let (mut orders, mut unreadable, mut pages) = (Vec::new(), Vec::new(), 0);
    loop {
        let page = amazon.fetch_orders(&query).await.unwrap();
        pages += 1;
        orders.extend(page.orders);
        unreadable.extend(page.unreadable);
        match page.next_page {
            Some(next) => query.page = Some(next),
            None => return (orders, unreadable, pages, page.complete_until),
        }
    }
}

/// Every page of one poll from `after`.
async fn poll_all(
    amazon: &Amazon,
    after: i64,
) -> (Vec<MarketOrder>, Vec<UnreadableOrder>, usize, Option<i64>) {
    let query = OrderQuery {
        updated_after: after,
        page: None,
    };
    poll_from(amazon, query).await
}

#[tokio::test]
async fn orders_are_paged_and_changed_orders_come_back() {
    let (sim, amazon) = setup_orders(false, quick_retry()).await;
    let start = now_ms();
    let ids: Vec<String> = (0..250)
        .map(|i| sim.seed_order(&sim_order(i, i % 5 != 0)))
        .collect();
    settle_orders().await;

    // Three pages of 100, 100, 50, oldest change first; an order placed while the poll pages is
    // past the window its first page fixed, so it waits for the next poll.
    let first = amazon
        .fetch_orders(&OrderQuery {
            updated_after: start - 1000,
            page: None,
        })
        .await
        .unwrap();
    assert_eq!(first.orders.len(), 100);
    let late = sim.seed_order(&sim_order(999, true));
    let (rest, unreadable, pages, complete_until) = poll_from(
        &amazon,
        OrderQuery {
            updated_after: start - 1000,
            page: first.next_page.clone(),
        },
    )
    .await;
    assert!(unreadable.is_empty());
    assert_eq!(pages + 1, 3);
    let all: Vec<MarketOrder> = first.orders.into_iter().chain(rest).collect();
    assert_eq!(all.len(), 250);
    let got: std::collections::BTreeSet<&str> =
        all.iter().map(|o| o.external_id.as_str()).collect();
    assert_eq!(got.len(), 250);
    assert!(ids.iter().all(|id| got.contains(id.as_str())));
    assert!(!got.contains(late.as_str()));
    assert!(all.windows(2).all(|w| w[0].updated_at <= w[1].updated_at));
    let until = complete_until.expect("the window's end");
    assert!(all.iter().all(|o| o.updated_at <= until));
    let pending = all
        .iter()
        .filter(|o| o.status == OrderStatus::Pending)
        .count();
    assert_eq!(pending, 50);

    // The next poll from the cursor: the late order, then a cancelled and a paid one again.
    let cursor = all.iter().map(|o| o.updated_at).max().unwrap() + 1;
    settle_orders().await;
    let (next, _, _, _) = poll_all(&amazon, cursor).await;
    assert_eq!(
        next.iter()
            .map(|o| o.external_id.as_str())
            .collect::<Vec<_>>(),
        [late.as_str()]
    );
    let cursor = next[0].updated_at + 1;
    assert!(sim.update_order(&ids[7], OrderChange::Cancel));
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(sim.update_order(&ids[10], OrderChange::Pay));
    assert!(!sim.update_order("111-0000000-0000000", OrderChange::Ship));
    settle_orders().await;
    let (changed, _, pages, _) = poll_all(&amazon, cursor).await;
    assert_eq!(pages, 1);
    let status: Vec<(&str, OrderStatus, &str)> = changed
        .iter()
        .map(|o| (o.external_id.as_str(), o.status, o.external_status.as_str()))
        .collect();
    assert_eq!(
        status,
        [
            (ids[7].as_str(), OrderStatus::Cancelled, "CANCELLED"),
            (ids[10].as_str(), OrderStatus::Open, "UNSHIPPED")
        ]
    );
    // Nothing new: one empty page.
    let cursor = changed.iter().map(|o| o.updated_at).max().unwrap() + 1;
    settle_orders().await;
    let (none, _, pages, _) = poll_all(&amazon, cursor).await;
    assert!(none.is_empty());
    assert_eq!(pages, 1);
    // A cursor inside the settle time: nothing asked, nothing read.
    let calls = sim.calls().len();
    let page = amazon
        .fetch_orders(&OrderQuery {
            updated_after: now_ms(),
            page: None,
        })
        .await
        .unwrap();
    assert!(page.orders.is_empty() && page.next_page.is_none());
    assert_eq!(sim.calls().len(), calls);
    sim.stop().await;
}

#[tokio::test]
async fn orders_read_with_amazons_amounts_statuses_and_addresses() {
    let (sim, amazon) = setup_orders(false, quick_retry()).await;
    let start = now_ms();
    let paid = sim.seed_order(&sim_order(1, true));
    let unpaid = sim.seed_order(&sim_order(2, false));
    let shipped = sim.seed_order(&sim_order(3, true));
    assert!(sim.update_order(&shipped, OrderChange::Ship));
    settle_orders().await;
    let (orders, unreadable, _, _) = poll_all(&amazon, start - 1).await;
    assert!(unreadable.is_empty());
    let by_id = |id: &str| orders.iter().find(|o| o.external_id == id).unwrap().clone();

    let o = by_id(&paid);
    assert_eq!(
        (o.status, o.external_status.as_str()),
        (OrderStatus::Open, "UNSHIPPED")
    );
    assert!(o.created_at >= start && o.created_at <= o.updated_at);
    assert_eq!(o.currency, "USD");
    // Line 1: 3 x 9.99 - 1.00 = 28.97, tax 2.39; shipping 4.50, tax 0.37; line 2: 5.00, 0.41.
    assert_eq!(o.total, 41.64);
    assert_eq!(o.tax_total, 3.17);
    assert_eq!((o.shipping, o.shipping_tax, o.discount), (4.5, 0.37, 0.0));
    let lines: Vec<(Option<&str>, f64, f64, f64, f64)> = o
        .lines
        .iter()
        .map(|l| {
            (
                l.sku.as_deref(),
                l.quantity,
                l.unit_price,
                l.discount,
                l.tax,
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (Some("MUG-1"), 3.0, 9.99, 1.0, 2.39),
            (Some("CUP"), 1.0, 5.0, 0.0, 0.41)
        ]
    );
    assert!(o.lines.iter().all(|l| l.external_id.len() == 14));
    assert_eq!(o.buyer.name.as_deref(), Some("Buyer 1"));
    assert!(
        o.buyer
            .email
            .as_deref()
            .is_some_and(|e| e.ends_with("@marketplace.amazon.com")),
        "Amazon relays buyer mail: {:?}",
        o.buyer.email
    );
    let address = o.shipping_address.clone().unwrap();
    assert_eq!(address.street.as_deref(), Some("1 Main St"));
    assert_eq!(address.street2.as_deref(), Some("Apt 4"));
    assert_eq!(address.country_code.as_deref(), Some("US"));
    assert_eq!(address.phone.as_deref(), Some("206-555-0100"));
    assert_eq!(o.raw["orderId"], paid.as_str());

    // Pending: the address only down to the city until it can ship.
    let o = by_id(&unpaid);
    assert_eq!(
        (o.status, o.external_status.as_str()),
        (OrderStatus::Pending, "PENDING")
    );
    let address = o.shipping_address.unwrap();
    assert_eq!((address.name, address.street), (None, None));
    assert_eq!(address.city.as_deref(), Some("Seattle"));
    assert_eq!(o.buyer.name, None);

    let o = by_id(&shipped);
    assert_eq!(
        (o.status, o.external_status.as_str()),
        (OrderStatus::Shipped, "SHIPPED")
    );

    // getOrder reads the same order; an unknown id is None.
    assert_eq!(amazon.get_order(&paid).await.unwrap().unwrap().total, 41.64);
    assert_eq!(amazon.get_order("111-0000000-0000000").await.unwrap(), None);

    // Without the PII roles, names, street lines and phones are withheld.
    sim.set_pii_role(false);
    let o = amazon.get_order(&paid).await.unwrap().unwrap();
    let address = o.shipping_address.unwrap();
    assert_eq!(
        (address.name, address.street, address.phone),
        (None, None, None)
    );
    assert_eq!(address.zip.as_deref(), Some("98101"));
    sim.stop().await;
}

#[tokio::test]
async fn a_malformed_order_is_unreadable_and_the_page_goes_on() {
    let (sim, amazon) = setup_orders(false, quick_retry()).await;
    let start = now_ms();
    let ids: Vec<String> = (0..3)
        .map(|i| sim.seed_order(&sim_order(i, true)))
        .collect();
    let mut broken = serde_json::to_value(sim.order(&ids[1]).unwrap()).unwrap();
    broken["proceeds"]["grandTotal"]["amount"] = json!("forty-one");
    assert!(sim.show_order_as(&ids[1], broken.clone()));
    settle_orders().await;
    let (orders, unreadable, _, _) = poll_all(&amazon, start - 1).await;
    assert_eq!(
        orders
            .iter()
            .map(|o| o.external_id.as_str())
            .collect::<Vec<_>>(),
        [ids[0].as_str(), ids[2].as_str()]
    );
    assert_eq!(unreadable.len(), 1);
    assert_eq!(unreadable[0].external_id.as_deref(), Some(ids[1].as_str()));
    assert!(
        unreadable[0].reason.contains("grandTotal"),
        "{:?}",
        unreadable[0]
    );
    assert_eq!(unreadable[0].raw, broken);
    // Not even an object: unreadable without an id.
    assert!(sim.show_order_as(&ids[2], json!("oops")));
    let (orders, unreadable, _, _) = poll_all(&amazon, start - 1).await;
    assert_eq!(orders.len(), 1);
    assert_eq!(unreadable.len(), 2);
    assert_eq!(unreadable[1].external_id, None);
    sim.stop().await;
}

#[tokio::test]
async fn order_polls_retry_throttles_and_errors_and_refuse_bad_answers() {
    let (sim, amazon) = setup_orders(
        false,
        RetryPolicy {
            max_attempts: 3,
            ..quick_retry()
        },
    )
    .await;
    let start = now_ms();
    sim.seed_order(&sim_order(1, true));
    settle_orders().await;
    let query = OrderQuery {
        updated_after: start - 1,
        page: None,
    };
    assert_eq!(amazon.fetch_orders(&query).await.unwrap().orders.len(), 1);

    // A 429 is waited out as Amazon asks; 5xx are retried.
    let wait = Duration::from_millis(250);
    sim.knobs()
        .push_faults([Fault::Throttle(wait), Fault::Throttle(wait)]);
    let started = Instant::now();
    assert_eq!(amazon.fetch_orders(&query).await.unwrap().orders.len(), 1);
    assert!(started.elapsed() >= wait * 2, "{:?}", started.elapsed());
    sim.knobs()
        .push_faults([Fault::Status(503), Fault::Status(500)]);
    assert_eq!(amazon.fetch_orders(&query).await.unwrap().orders.len(), 1);
    // A wait longer than max_wait goes back to the caller.
    sim.knobs()
        .push_faults([Fault::Throttle(Duration::from_secs(600))]);
    match amazon.fetch_orders(&query).await {
        Err(MarketError::RateLimited { retry_after }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(600)))
        }
        other => panic!("{other:?}"),
    }
    // An outage is transient.
    sim.knobs().set_outage(true);
    let got = amazon.fetch_orders(&query).await;
    assert!(matches!(got, Err(MarketError::Transient(_))), "{got:?}");
    sim.knobs().set_outage(false);
    // Garbage and cut answers: retried, then a Decode error, never a panic.
    sim.knobs().push_faults([Fault::Garbage]);
    assert_eq!(amazon.fetch_orders(&query).await.unwrap().orders.len(), 1);
    sim.knobs()
        .push_faults([Fault::Garbage, Fault::Garbage, Fault::Garbage]);
    let got = amazon.fetch_orders(&query).await;
    assert!(matches!(got, Err(MarketError::Decode(_))), "{got:?}");
    sim.knobs()
        .push_faults([Fault::Truncated, Fault::Truncated, Fault::Truncated]);
    let got = amazon.fetch_orders(&query).await;
    assert!(matches!(got, Err(MarketError::Decode(_))), "{got:?}");
    sim.stop().await;
}

#[tokio::test]
async fn the_search_plan_is_kept_by_the_adapter_and_enforced_by_the_simulator() {
    // A manual clock: the 0.0056/s plan restores one call every ~179 s of it. Polls send no
    // lastUpdatedBefore here (its two minutes are wall-clock time once the clock is manual).
    let (time, clock) = TimeSource::manual(1.0);
    let sim = AmazonSim::start(options(time.clone())).await.unwrap();
    let mut config = account(
        &sim,
        time,
        RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(10),
            max_wait: Duration::ZERO,
        },
        Duration::from_secs(5),
    );
    config
        .settings
        .insert("orders_settle_seconds".into(), json!(0));
    let amazon = Amazon::new(&config).unwrap();
    sim.seed_order(&sim_order(1, true));
    let query = OrderQuery {
        updated_after: now_ms() - 60_000,
        page: None,
    };
    for _ in 0..20 {
        let page = amazon.fetch_orders(&query).await.unwrap();
        assert_eq!(page.orders.len(), 1);
        assert_eq!(page.complete_until, None);
    }
    // The 21st would wait ~179 s: handed back with the wait, without a 429.
    match amazon.fetch_orders(&query).await {
        Err(MarketError::RateLimited { retry_after }) => {
            let wait = retry_after.unwrap().as_secs_f64();
            assert!((wait - 1.0 / 0.0056).abs() < 1.0, "{wait}");
        }
        other => panic!("{other:?}"),
    }
    assert!(sim.calls().iter().all(|(_, s)| *s != 429));
    clock.advance(Duration::from_secs(180));
    assert_eq!(amazon.fetch_orders(&query).await.unwrap().orders.len(), 1);

    // Straight to the simulator: its own bucket is empty too, so 429 QuotaExceeded.
    let client = reqwest::Client::new();
    let token = token(&client, &sim).await;
    let url = format!(
        "{}/orders/2026-01-01/orders?lastUpdatedAfter=2026-01-01T00:00:00Z",
        sim.url()
    );
    let resp = send(client.get(&url), &token).await;
    assert_eq!(resp.status(), 429);
    assert!(!resp.headers().contains_key("x-amzn-RateLimit-Limit"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "QuotaExceeded");
    // getOrder has its own bucket (0.5/s, burst 30).
    let order_url = format!("{}/orders/2026-01-01/orders/111-0000000-0000000", sim.url());
    for _ in 0..30 {
        assert_eq!(send(client.get(&order_url), &token).await.status(), 404);
    }
    assert_eq!(send(client.get(&order_url), &token).await.status(), 429);
    sim.stop().await;
}

/// A searchOrders URL with `query`.
fn orders_url(sim: &AmazonSim, query: &str) -> String {
    format!("{}/orders/2026-01-01/orders?{query}", sim.url())
}

#[tokio::test]
async fn the_simulator_refuses_bad_order_queries() {
    let (time, clock) = TimeSource::manual(1.0);
    let sim = AmazonSim::start(SimOptions {
        enforce_limits: false,
        ..options(time)
    })
    .await
    .unwrap();
    for i in 0..3 {
        sim.seed_order(&sim_order(i, true));
    }
    let client = reqwest::Client::new();
    let token = token(&client, &sim).await;
    let iso = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let hour_ago = iso(now_ms() - 3_600_000);
    let day_ago = iso(now_ms() - 86_400_000);
    let just_now = iso(now_ms() - 10_000);
    let bad = [
        String::new(),
        format!("createdAfter={day_ago}&lastUpdatedAfter={day_ago}"),
        format!("createdAfter={day_ago}&lastUpdatedBefore={hour_ago}"),
        format!("lastUpdatedAfter={day_ago}&createdBefore={hour_ago}"),
        format!("lastUpdatedAfter={hour_ago}&lastUpdatedBefore={day_ago}"),
        format!("lastUpdatedAfter={day_ago}&lastUpdatedBefore={just_now}"),
        format!("createdAfter={day_ago}&createdBefore={just_now}"),
        "lastUpdatedAfter=yesterday".to_string(),
        format!("lastUpdatedAfter={day_ago}&maxResultsPerPage=0"),
        format!("lastUpdatedAfter={day_ago}&maxResultsPerPage=101"),
        format!("lastUpdatedAfter={day_ago}&maxResultsPerPage=ten"),
        format!("lastUpdatedAfter={day_ago}&includedData=BUYER,SECRETS"),
        format!("lastUpdatedAfter={day_ago}&fulfillmentStatuses=LOST"),
        format!("lastUpdatedAfter={day_ago}&fulfilledBy=SOMEONE"),
        format!("lastUpdatedAfter={day_ago}&marketplaceIds=A1PA6795UKMFR9"),
        format!("lastUpdatedAfter={day_ago}&paginationToken=nonsense"),
    ];
    for query in &bad {
        let resp = send(client.get(orders_url(&sim, query)), &token).await;
        assert_eq!(resp.status(), 400, "{query}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["errors"][0]["code"], "InvalidInput", "{query}");
        assert!(
            body["errors"][0]["details"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
    }
    // Good ones: created or updated windows, filters, a small page and its token.
    let ok = format!("lastUpdatedAfter={day_ago}&lastUpdatedBefore={hour_ago}");
    let body = get_json(&client, orders_url(&sim, &ok), &token).await;
    assert_eq!(body["orders"].as_array().unwrap().len(), 0);
    let echoed = chrono::DateTime::parse_from_rfc3339(body["lastUpdatedBefore"].as_str().unwrap());
    assert_eq!(echoed, chrono::DateTime::parse_from_rfc3339(&hour_ago));
    let small = format!(
        "createdAfter={day_ago}&maxResultsPerPage=2&fulfillmentStatuses=UNSHIPPED,SHIPPED&fulfilledBy=MERCHANT&marketplaceIds=ATVPDKIKX0DER"
    );
    let body = get_json(&client, orders_url(&sim, &small), &token).await;
    assert_eq!(body["orders"].as_array().unwrap().len(), 2);
    assert!(body.get("payload").is_none());
    assert!(body["orders"][0].get("buyer").is_none(), "no BUYER asked");
    assert!(body["orders"][0]["orderItems"][0].get("proceeds").is_none());
    let next = body["pagination"]["nextToken"]
        .as_str()
        .unwrap()
        .to_string();
    let body = get_json(
        &client,
        orders_url(
            &sim,
            &format!("{small}&paginationToken={next}&includedData=BUYER"),
        ),
        &token,
    )
    .await;
    assert_eq!(body["orders"].as_array().unwrap().len(), 1);
    assert!(body["orders"][0]["buyer"].is_object());
    assert!(body.get("pagination").is_none());
    // The token belongs to its filters, and lives 24 hours.
    let other = format!("createdAfter={hour_ago}&maxResultsPerPage=2&paginationToken={next}");
    let resp = send(client.get(orders_url(&sim, &other)), &token).await;
    assert_eq!(resp.status(), 400);
    clock.advance(Duration::from_secs(86_401));
    let token = self::token(&client, &sim).await;
    let resp = send(
        client.get(orders_url(&sim, &format!("{small}&paginationToken={next}"))),
        &token,
    )
    .await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["errors"][0]["details"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    // getOrder: a malformed id is refused, an unknown one not found; no token, 403.
    let get = |id: &str| format!("{}/orders/2026-01-01/orders/{id}", sim.url());
    assert_eq!(send(client.get(get("12345")), &token).await.status(), 400);
    let resp = send(client.get(get("111-0000000-0000000")), &token).await;
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "NotFound");
    let resp = client.get(orders_url(&sim, &ok)).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    sim.stop().await;
}

#[tokio::test]
async fn every_order_exchange_fits_the_official_spec() {
    let (sim, amazon) = setup_orders(true, quick_retry()).await;
    let start = now_ms();
    let ids: Vec<String> = (0..120)
        .map(|i| sim.seed_order(&sim_order(i, i % 3 != 0)))
        .collect();
    sim.update_order(&ids[1], OrderChange::Ship);
    sim.update_order(&ids[2], OrderChange::Cancel);
    settle_orders().await;
    let (orders, unreadable, pages, _) = poll_all(&amazon, start - 1).await;
    assert_eq!((orders.len(), unreadable.len(), pages), (120, 0, 2));
    amazon.get_order(&ids[1]).await.unwrap().unwrap();
    amazon.get_order("111-0000000-0000000").await.unwrap();
    // Every dataset, a created window and refusals, straight to the simulator.
    let client = reqwest::Client::new();
    let token = token(&client, &sim).await;
    let every = "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT,FULFILLMENT_ORDERS";
    let after = chrono::DateTime::from_timestamp_millis(start - 1000)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for query in [
        format!("createdAfter={after}&includedData={every}&maxResultsPerPage=5"),
        format!(
            "lastUpdatedAfter={after}&fulfillmentStatuses=SHIPPED,CANCELLED&includedData={every}"
        ),
        format!("lastUpdatedAfter={after}&includedData=SECRETS"),
        "createdAfter=never".to_string(),
    ] {
        send(client.get(orders_url(&sim, &query)), &token).await;
    }
    send(
        client.get(format!(
            "{}/orders/2026-01-01/orders/{}?includedData={every}",
            sim.url(),
            ids[1]
        )),
        &token,
    )
    .await;

    let spec = spec("orders_2026-01-01.json");
    let mut problems = Vec::new();
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    let mut statuses = std::collections::BTreeSet::new();
    for r in sim.knobs().recorded() {
        if r.path == "/auth/o2/token" {
            continue;
        }
        let what = format!("{} {}?{} -> {}", r.method, r.path, r.query, r.status);
        let op = spec
            .operation(&r.method, &r.path)
            .and_then(|o| o.operation_id)
            .unwrap_or_else(|| panic!("no operation for {what}"));
        *checked.entry(op).or_default() += 1;
        statuses.insert(r.status);
        let found = spec.validate_request(&r.method, &r.path, &query_pairs(&r.query), None);
        if r.status == 400 {
            assert!(
                !found.is_empty(),
                "{what}: the simulator refused a valid request"
            );
        } else {
            problems.extend(found.into_iter().map(|p| format!("{what} request: {p}")));
        }
        assert!(r.request_body.is_empty(), "{what} has a body");
        let response: Value = serde_json::from_slice(&r.response_body).unwrap();
        problems.extend(
            spec.validate_response(&r.method, &r.path, r.status, &response)
                .into_iter()
                .map(|p| format!("{what} response: {p}")),
        );
        assert!(
            r.headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("x-amz-access-token")),
            "{what} without a token"
        );
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        checked.get("searchOrders").is_some_and(|n| *n >= 6),
        "{checked:?}"
    );
    assert!(
        checked.get("getOrder").is_some_and(|n| *n >= 3),
        "{checked:?}"
    );
    for status in [200, 400, 404] {
        assert!(
            statuses.contains(&status),
            "no {status} checked: {statuses:?}"
        );
    }

    // The validator does catch a wrong answer.
    let mut order = serde_json::to_value(sim.order(&ids[1]).unwrap()).unwrap();
    order["fulfillment"]["fulfillmentStatus"] = json!("Shipped");
    order["orderItems"][0]["proceeds"]["proceedsTotal"]["amount"] = json!(12.5);
    order.as_object_mut().unwrap().remove("salesChannel");
    let found = spec.validate_response(
        "GET",
        "/orders/2026-01-01/orders",
        200,
        &json!({ "orders": [order] }),
    );
    assert_eq!(found.len(), 3, "{found:?}");
    sim.stop().await;
}
