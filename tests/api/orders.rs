//! Flow 3 end to end in sandbox mode: orders placed on the eBay, Amazon and Shopify simulators
//! reach the Odoo emulator as confirmed sales orders, exactly once, whatever goes wrong on the
//! way; bad orders wait or fail with a reason and never block the others.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use adlerdo::db::schema::{marketplaces, order_events, orders, products};
use adlerdo::marketplaces::Address;
use adlerdo::sim::market::{Fault, OrderChange, RunningMarketSim, SimOrder, SimOrderLine};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{TestApp, call, eventually, spawn_sandbox};

fn sim<'a>(app: &'a TestApp, kind: &str) -> &'a dyn RunningMarketSim {
    app.state
        .market_sims
        .iter()
        .find(|s| s.kind() == kind)
        .map(|s| s.as_ref())
        .unwrap()
}

async fn account(app: &TestApp, kind: &'static str) -> i64 {
    app.state
        .db
        .run(move |c| {
            marketplaces::table
                .filter(marketplaces::kind.eq(kind))
                .select(marketplaces::id)
                .first(c)
        })
        .await
        .unwrap()
}

/// (sku, odoo variant id) of the catalog's products with a SKU.
async fn catalog(app: &TestApp) -> Vec<(String, i64)> {
    app.state
        .db
        .run(|c| {
            products::table
                .filter(products::sku.is_not_null())
                .filter(products::odoo_id.is_not_null())
                .filter(products::active.eq(1))
                .order(products::id)
                .select((
                    products::sku.assume_not_null(),
                    products::odoo_id.assume_not_null(),
                ))
                .load(c)
        })
        .await
        .unwrap()
}

fn address(name: &str, country: &str) -> Address {
    Address {
        name: Some(name.into()),
        street: Some("12 Harbour Road".into()),
        city: Some("Springfield".into()),
        zip: Some("12345".into()),
        country_code: Some(country.into()),
        phone: Some("+1 555 0100".into()),
        ..Address::default()
    }
}

fn order(buyer: &str, email: &str, lines: &[(&str, i64, f64)]) -> SimOrder {
    SimOrder {
        buyer_name: buyer.into(),
        buyer_email: email.into(),
        address: address(buyer, "US"),
        billing: None,
        lines: lines
            .iter()
            .map(|(sku, quantity, price)| SimOrderLine {
                sku: sku.to_string(),
                title: format!("Item {sku}"),
                quantity: *quantity,
                unit_price: *price,
                discount: 0.0,
            })
            .collect(),
        shipping: 4.5,
        tax_rate: 0.0,
        currency: "USD".into(),
        paid: true,
    }
}

/// Polls every account now and waits for the work that follows.
async fn poll(app: &TestApp) {
    call(app, "adlerdo.sync", "run", json!(["orders"]), json!({})).await;
    app.wait_for_jobs(Duration::from_secs(120)).await;
}

/// (state, reason, odoo order id) of the hub's order.
async fn hub_order(
    app: &TestApp,
    external_id: &str,
) -> Option<(String, Option<String>, Option<i64>)> {
    let ext = external_id.to_string();
    app.state
        .db
        .run(move |c| {
            orders::table
                .filter(orders::external_id.eq(ext))
                .select((orders::state, orders::failure_reason, orders::odoo_order_id))
                .first(c)
                .optional()
        })
        .await
        .unwrap()
}

/// Odoo's sale orders with this reference: (id, state, partner id, amount_total).
async fn odoo_orders(app: &TestApp, reference: &str) -> Vec<(i64, String, i64, f64)> {
    let client = app.state.odoo.client().await.unwrap();
    client
        .search_read(
            "sale.order",
            json!([["client_order_ref", "=", reference]]),
            &["state", "partner_id", "amount_total"],
            Some("id asc"),
            None,
            0,
            None,
        )
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.id(),
                r.char_or_empty("state").unwrap(),
                r.many2one_id("partner_id").unwrap().unwrap_or_default(),
                r.float("amount_total").unwrap(),
            )
        })
        .collect()
}

/// Waits for an order's state, polling the marketplaces now and then as the scheduler would
/// (Amazon shows an order once it has settled for two minutes of its time).
async fn wait_state(app: &TestApp, external_id: &str, want: &str, secs: u64) {
    let app_ref = app;
    let last_poll = std::sync::Mutex::new(std::time::Instant::now());
    let last_poll = &last_poll;
    eventually(
        secs,
        &format!("order {external_id} becomes {want}"),
        || async move {
            app_ref.wait_for_jobs(Duration::from_secs(60)).await;
            match hub_order(app_ref, external_id).await {
                Some((st, _, _)) if st == want => Ok(()),
                other => {
                    let due = last_poll.lock().unwrap().elapsed() > Duration::from_secs(2);
                    if due {
                        *last_poll.lock().unwrap() = std::time::Instant::now();
                        call(app_ref, "adlerdo.sync", "run", json!(["orders"]), json!({})).await;
                    }
                    Err(format!("{other:?}"))
                }
            }
        },
    )
    .await;
}

async fn free_qty(app: &TestApp, odoo_id: i64) -> f64 {
    let client = app.state.odoo.client().await.unwrap();
    client
        .read("product.product", &[odoo_id], &["free_qty"], None)
        .await
        .unwrap()[0]
        .float("free_qty")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_reach_odoo_exactly_once() {
    let app = spawn_sandbox().await;
    let skus = catalog(&app).await;
    assert!(
        skus.len() >= 3,
        "the sandbox catalog has products with SKUs"
    );
    let (sku_a, odoo_a) = skus[0].clone();
    let (sku_b, _) = skus[1].clone();
    let before_a = free_qty(&app, odoo_a).await;

    // Two orders per marketplace; one buyer orders on two marketplaces.
    let mut placed: Vec<(String, &str)> = Vec::new();
    for kind in ["amazon", "ebay", "shopify"] {
        let s = sim(&app, kind);
        let repeat = s.seed_order(&order(
            "Grace Hopper",
            "grace@example.com",
            &[(&sku_a, 1, 19.99)],
        ));
        let other = s.seed_order(&order(
            &format!("Buyer {kind}"),
            &format!("{kind}-buyer@example.com"),
            &[(&sku_a, 1, 19.99), (&sku_b, 2, 5.0)],
        ));
        assert!(
            !repeat.is_empty() && !other.is_empty(),
            "{kind} places orders"
        );
        placed.push((repeat, kind));
        placed.push((other, kind));
    }
    poll(&app).await;
    for (ext, _) in &placed {
        wait_state(&app, ext, "confirmed", 60).await;
    }

    // Exactly one Odoo order per marketplace order, confirmed, with the customer found once.
    let mut grace = BTreeSet::new();
    for (ext, kind) in &placed {
        let found = odoo_orders(&app, ext).await;
        assert_eq!(found.len(), 1, "{kind} order {ext}: {found:?}");
        let (odoo_id, st, partner, total) = found[0].clone();
        assert_eq!(st, "sale", "{ext} is confirmed");
        let (_, reason, linked) = hub_order(&app, ext).await.unwrap();
        assert_eq!(linked, Some(odoo_id));
        assert!(total > 0.0, "{ext}: {total} ({reason:?})");
        let client = app.state.odoo.client().await.unwrap();
        let p = client
            .read("res.partner", &[partner], &["email"], None)
            .await
            .unwrap();
        if p[0].char_or_empty("email").unwrap() == "grace@example.com" {
            grace.insert(partner);
        }
        // A shipping line with the shipping product, and the origin naming the marketplace.
        let so = client
            .read("sale.order", &[odoo_id], &["origin", "order_line"], None)
            .await
            .unwrap();
        let origin = so[0].char_or_empty("origin").unwrap();
        assert!(origin.contains("(Sandbox"), "{origin}");
        let lines = so[0].ids("order_line").unwrap();
        let read = client
            .read(
                "sale.order.line",
                &lines,
                &["product_id", "price_unit"],
                None,
            )
            .await
            .unwrap();
        let shipping = client
            .search(
                "product.product",
                json!([["default_code", "=", "ADLERDO-SHIPPING"]]),
                None,
                None,
                0,
                None,
            )
            .await
            .unwrap();
        assert_eq!(shipping.len(), 1, "one shipping product, created once");
        assert!(
            read.iter()
                .any(|l| l.many2one_id("product_id").unwrap() == Some(shipping[0])),
            "{ext} has a shipping line"
        );
    }
    assert_eq!(
        grace.len(),
        1,
        "the same buyer is one customer in Odoo: {grace:?}"
    );

    // Odoo counts the orders now; the marketplaces show Odoo's free quantity, not less.
    let after_a = free_qty(&app, odoo_a).await;
    assert_eq!(before_a - after_a, 6.0, "six units of {sku_a} ordered");
    let app_ref = &app;
    let sku_ref = &sku_a;
    eventually(
        30,
        "the marketplaces show what Odoo has left",
        || async move {
            for kind in ["amazon", "ebay", "shopify"] {
                let shown = sim(app_ref, kind).quantity(sku_ref);
                if shown != Some(after_a.max(0.0) as i64) {
                    return Err(format!("{kind} shows {shown:?}, Odoo has {after_a}"));
                }
            }
            Ok(())
        },
    )
    .await;

    // Polling again (the overlap window returns the same orders) creates nothing.
    poll(&app).await;
    poll(&app).await;
    for (ext, _) in &placed {
        assert_eq!(odoo_orders(&app, ext).await.len(), 1, "{ext} still once");
    }
    // The history says what happened.
    let events: Vec<String> = app
        .state
        .db
        .run(|c| order_events::table.select(order_events::kind).load(c))
        .await
        .unwrap();
    for kind in ["imported", "sent", "confirmed"] {
        assert_eq!(
            events.iter().filter(|e| *e == kind).count(),
            6,
            "one {kind} event per order: {events:?}"
        );
    }
    let status = call(&app, "adlerdo.sync", "status", json!([]), json!({})).await;
    assert_eq!(
        status["flows"]["orders"]["by_state"]["confirmed"],
        json!(6),
        "{status}"
    );
    for a in status["marketplaces"].as_array().unwrap() {
        assert!(a["orders_last_poll"].is_string(), "{a}");
        assert_eq!(a["orders_poll_error"], json!(false), "{a}");
    }
    app.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_sku_waits_until_it_is_mapped() {
    let app = spawn_sandbox().await;
    let skus = catalog(&app).await;
    let (known, _) = skus[0].clone();
    let shopify = account(&app, "shopify").await;
    let ext = sim(&app, "shopify").seed_order(&order(
        "Alan Turing",
        "alan@example.com",
        &[(&known, 1, 10.0), ("OLD-SKU-42", 2, 7.5)],
    ));
    poll(&app).await;
    let (st, reason, odoo) = hub_order(&app, &ext).await.unwrap();
    assert_eq!(st, "unmapped");
    assert!(reason.unwrap().contains("OLD-SKU-42"));
    assert_eq!(odoo, None);
    assert!(odoo_orders(&app, &ext).await.is_empty(), "nothing in Odoo");
    let status = call(&app, "adlerdo.sync", "status", json!([]), json!({})).await;
    assert_eq!(
        status["flows"]["orders"]["waiting_for_mapping"],
        json!(1),
        "{status}"
    );

    // The admin maps the old SKU to a product through the facade: the order goes.
    let product: i64 = app
        .state
        .db
        .run(|c| {
            products::table
                .filter(products::odoo_id.is_not_null())
                .order(products::id.desc())
                .select(products::id)
                .first(c)
        })
        .await
        .unwrap();
    call(
        &app,
        "adlerdo.listing",
        "create",
        json!([{"marketplace_id": shopify, "product_id": product, "sku": "OLD-SKU-42"}]),
        json!({}),
    )
    .await;
    wait_state(&app, &ext, "confirmed", 60).await;
    assert_eq!(odoo_orders(&app, &ext).await.len(), 1);
    app.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_order_never_blocks_the_others() {
    let app = spawn_sandbox().await;
    let skus = catalog(&app).await;
    let (sku, _) = skus[0].clone();
    let (doomed_sku, doomed_odoo) = skus[2].clone();
    let ebay = sim(&app, "ebay");

    let good = ebay.seed_order(&order("Good Buyer", "good@example.com", &[(&sku, 1, 12.0)]));
    let mut nowhere = order("Far Away", "far@example.com", &[(&sku, 1, 12.0)]);
    nowhere.address.country_code = Some("ZZ".into());
    let nowhere = ebay.seed_order(&nowhere);
    let mut euros = order("Euro Buyer", "eur@example.com", &[(&sku, 1, 12.0)]);
    euros.currency = "EUR".into();
    let euros = ebay.seed_order(&euros);
    let zero = ebay.seed_order(&order("Zero", "zero@example.com", &[(&sku, 0, 12.0)]));
    let mut no_address = order("Nobody", "", &[(&sku, 1, 12.0)]);
    no_address.address = Address::default();
    let no_address = ebay.seed_order(&no_address);
    // Odoo refuses this one: its product was deleted in Odoo after the hub imported it.
    let refused = ebay.seed_order(&order(
        "Unlucky",
        "unlucky@example.com",
        &[(&doomed_sku, 1, 3.0)],
    ));
    let odoo = app.state.odoo_sim.clone().unwrap();
    let admin = odoo.seeded.admin;
    odoo.with(|s| {
        s.call(
            admin,
            "product.product",
            "unlink",
            &[json!([doomed_odoo])],
            &serde_json::Map::new(),
        )
        .unwrap();
    })
    .unwrap();

    poll(&app).await;
    wait_state(&app, &good, "confirmed", 60).await;
    let expect: BTreeMap<&str, &str> = BTreeMap::from([
        (nowhere.as_str(), "country ZZ"),
        (euros.as_str(), "no pricelist in EUR"),
        (zero.as_str(), "not positive"),
        (no_address.as_str(), "address"),
        (refused.as_str(), "Odoo refused it"),
    ]);
    for (ext, needle) in &expect {
        let (st, reason, odoo_id) = hub_order(&app, ext).await.unwrap();
        assert_eq!(st, "failed", "{ext}: {reason:?}");
        let reason = reason.unwrap_or_default();
        assert!(
            reason.contains(needle),
            "{ext}: {reason:?} should say {needle:?}"
        );
        assert_eq!(odoo_id, None);
        assert!(
            odoo_orders(&app, ext).await.is_empty(),
            "{ext}: nothing in Odoo"
        );
    }

    // With a pricelist in euros, the admin's retry sends the euro order, in euros.
    let client = app.state.odoo.client().await.unwrap();
    let mut vals = serde_json::Map::new();
    vals.insert("name".into(), json!("Euro"));
    vals.insert("currency_id".into(), json!(odoo.seeded.eur));
    client
        .create("product.pricelist", vals, None)
        .await
        .unwrap();
    let euro_id: i64 = {
        let e = euros.clone();
        app.state
            .db
            .run(move |c| {
                orders::table
                    .filter(orders::external_id.eq(e))
                    .select(orders::id)
                    .first(c)
            })
            .await
            .unwrap()
    };
    let retried = call(
        &app,
        "adlerdo.order",
        "retry",
        json!([[euro_id]]),
        json!({}),
    )
    .await;
    assert_eq!(retried, json!(1));
    wait_state(&app, &euros, "confirmed", 60).await;
    let found = odoo_orders(&app, &euros).await;
    assert_eq!(found.len(), 1);
    let so = client
        .read("sale.order", &[found[0].0], &["currency_id"], None)
        .await
        .unwrap();
    assert_eq!(so[0].many2one("currency_id").unwrap().unwrap().name, "EUR");
    app.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odoo_down_for_a_while_loses_nothing_and_duplicates_nothing() {
    let app = spawn_sandbox().await;
    let skus = catalog(&app).await;
    let (sku, _) = skus[0].clone();
    let odoo = app.state.odoo_sim.clone().unwrap();
    let shown_before: Vec<Option<i64>> = ["amazon", "ebay", "shopify"]
        .iter()
        .map(|k| sim(&app, k).quantity(&sku))
        .collect();
    assert!(
        shown_before.iter().all(|q| q.is_some_and(|q| q >= 3)),
        "{shown_before:?}"
    );
    // Odoo's connection is open: the hub's next calls find it gone.
    let _ = app.state.odoo.client().await.unwrap();
    odoo.pause().await;
    let placed: Vec<String> = ["amazon", "ebay", "shopify"]
        .iter()
        .map(|k| {
            sim(&app, k).seed_order(&order(
                "Patient Buyer",
                "wait@example.com",
                &[(&sku, 1, 9.0)],
            ))
        })
        .collect();
    call(&app, "adlerdo.sync", "run", json!(["orders"]), json!({})).await;
    let app_ref = &app;
    let placed_ref = &placed;
    eventually(30, "orders wait for Odoo with the reason", || async move {
        for ext in placed_ref {
            match hub_order(app_ref, ext).await {
                Some((st, Some(reason), None))
                    if st == "received" && reason.contains("Odoo unreachable") => {}
                other => return Err(format!("{ext}: {other:?}")),
            }
        }
        Ok(())
    })
    .await;
    // Odoo cannot count them yet: the hub holds their units back on every marketplace at once.
    let sku_ref = &sku;
    let before_ref = &shown_before;
    eventually(
        30,
        "the orders' units are held back everywhere",
        || async move {
            for (k, before) in ["amazon", "ebay", "shopify"].iter().zip(before_ref) {
                let now = sim(app_ref, k).quantity(sku_ref);
                if now != before.map(|q| q - 3) {
                    return Err(format!("{k} shows {now:?}, was {before:?}"));
                }
            }
            Ok(())
        },
    )
    .await;
    odoo.resume().unwrap();
    for ext in &placed {
        wait_state(&app, ext, "confirmed", 90).await;
        assert_eq!(odoo_orders(&app, ext).await.len(), 1, "{ext} once");
    }
    app.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marketplace_errors_are_retried_and_cancellations_reach_odoo() {
    let app = spawn_sandbox().await;
    let skus = catalog(&app).await;
    let (sku, odoo_id) = skus[0].clone();
    let before = free_qty(&app, odoo_id).await;
    let amazon = sim(&app, "amazon");
    let ebay = sim(&app, "ebay");
    let cancel_me = amazon.seed_order(&order("Fickle", "fickle@example.com", &[(&sku, 2, 8.0)]));
    let shipped = ebay.seed_order(&order("Late", "late@example.com", &[(&sku, 1, 8.0)]));
    // A throttled and a failing answer first: the polls wait and try again.
    amazon.knobs().push_faults([
        Fault::Throttle(Duration::from_millis(500)),
        Fault::Status(503),
    ]);
    ebay.knobs()
        .push_faults([Fault::Status(500), Fault::Garbage]);
    poll(&app).await;
    wait_state(&app, &cancel_me, "confirmed", 90).await;
    wait_state(&app, &shipped, "confirmed", 90).await;
    assert_eq!(free_qty(&app, odoo_id).await, before - 3.0);

    // The eBay order ships in Odoo; then both are cancelled on their marketplaces.
    let odoo = app.state.odoo_sim.clone().unwrap();
    let admin = odoo.seeded.admin;
    let so = odoo_orders(&app, &shipped).await[0].0;
    let client = app.state.odoo.client().await.unwrap();
    let pickings = client
        .read("sale.order", &[so], &["picking_ids"], None)
        .await
        .unwrap()[0]
        .ids("picking_ids")
        .unwrap();
    assert!(!pickings.is_empty());
    odoo.with(|s| {
        s.call(
            admin,
            "stock.picking",
            "write",
            &[json!(pickings), json!({"state": "done"})],
            &serde_json::Map::new(),
        )
        .unwrap();
    })
    .unwrap();
    assert!(amazon.update_order(&cancel_me, OrderChange::Cancel));
    assert!(ebay.update_order(&shipped, OrderChange::Cancel));
    poll(&app).await;
    let app_ref = &app;
    let (c1, c2) = (&cancel_me, &shipped);
    eventually(60, "the cancellations are handled", || async move {
        app_ref.wait_for_jobs(Duration::from_secs(30)).await;
        let a = odoo_orders(app_ref, c1).await;
        let b = hub_order(app_ref, c2).await;
        match (a.first(), b) {
            (Some((_, st, _, _)), Some((hub_st, Some(reason), _)))
                if st == "cancel"
                    && hub_st == "confirmed"
                    && reason.contains("already shipped") =>
            {
                Ok(())
            }
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert_eq!(hub_order(&app, &cancel_me).await.unwrap().0, "cancelled");
    assert_eq!(
        odoo_orders(&app, &shipped).await[0].1,
        "sale",
        "a shipped order stays"
    );
    // The cancelled order's units are free again in Odoo.
    assert_eq!(free_qty(&app, odoo_id).await, before - 1.0);
    app.stop().await.unwrap();
}

/// The facade shows the orders, their lines and their history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_facade_shows_orders_and_their_history() {
    let app = spawn_sandbox().await;
    let skus = catalog(&app).await;
    let (sku, _) = skus[0].clone();
    let ext =
        sim(&app, "shopify").seed_order(&order("Reader", "reader@example.com", &[(&sku, 3, 2.5)]));
    poll(&app).await;
    wait_state(&app, &ext, "confirmed", 60).await;
    let rows = call(
        &app,
        "adlerdo.order",
        "search_read",
        json!([[["external_id", "=", ext]]]),
        json!({"fields": ["state", "market_status", "odoo_order_name", "line_ids", "event_ids",
                          "amount_total", "odoo_amount_total", "amount_difference"]}),
    )
    .await;
    let row = &rows[0];
    assert_eq!(row["state"], json!("confirmed"), "{row}");
    assert_eq!(row["market_status"], json!("open"));
    assert!(row["odoo_order_name"].as_str().unwrap().starts_with('S'));
    assert_eq!(row["line_ids"].as_array().unwrap().len(), 1);
    let events = call(
        &app,
        "adlerdo.order.event",
        "search_read",
        json!([[["order_id", "in", [row["id"].clone()]]]]),
        json!({"fields": ["kind", "message"]}),
    )
    .await;
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["imported", "sent", "confirmed"], "{events}");
    // Orders are the marketplaces' and Odoo's: not written through the facade.
    let err: Value = app
        .client
        .post(app.url("/jsonrpc"))
        .json(
            &json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "service": "object", "method": "execute_kw",
            "args": [crate::helpers::DB, 1, adlerdo::startup::SANDBOX_FACADE_KEY,
                     "adlerdo.order", "write", [[row["id"].clone()], {"state": "cancelled"}]]}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(err["error"].is_object(), "{err}");
    app.stop().await.unwrap();
}

/// A loopback server that keeps every request it gets (headers, raw body) and answers 200: it
/// stands between the Shopify simulator and the hub, so that the test can replay, forge and
/// age real signed deliveries.
async fn capture() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<(Vec<(String, String)>, Vec<u8>)>>>,
) {
    use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
    type Kept = std::sync::Arc<std::sync::Mutex<Vec<(Vec<(String, String)>, Vec<u8>)>>>;
    let kept: Kept = Default::default();
    let k = kept.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let server = HttpServer::new(move || {
        let k = k.clone();
        App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
            let k = k.clone();
            async move {
                let headers = req
                    .headers()
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect();
                k.lock().unwrap().push((headers, body.to_vec()));
                HttpResponse::Ok().finish()
            }
        }))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    (url, kept)
}

async fn post_delivery(
    app: &TestApp,
    account: i64,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, Value) {
    let mut req = app.client.post(app.url(&format!("/webhooks/{account}")));
    for (name, value) in headers {
        if name.starts_with("x-shopify") || name == "content-type" {
            req = req.header(name, value);
        }
    }
    let r = req.body(body.to_vec()).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shopify_webhooks_bring_orders_at_once_and_forgeries_are_refused() {
    let app = spawn_sandbox().await;
    let skus = catalog(&app).await;
    let (sku, _) = skus[0].clone();
    let account = account(&app, "shopify").await;
    let shopify = sim(&app, "shopify");

    // Straight to the hub: the order is stored and sent to Odoo without any poll.
    assert!(shopify.deliver_webhooks_to(Some(&app.url(&format!("/webhooks/{account}")))));
    let live = shopify.seed_order(&order("Hook Buyer", "hook@example.com", &[(&sku, 1, 30.0)]));
    let app_ref = &app;
    let live_ref = &live;
    eventually(30, "the webhook's order reaches Odoo", || async move {
        app_ref.wait_for_jobs(Duration::from_secs(30)).await;
        match hub_order(app_ref, live_ref).await {
            Some((st, _, _)) if st == "confirmed" => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;

    // Through the capture: the same delivery twice, a forged body, an old delivery.
    let (url, kept) = capture().await;
    assert!(shopify.deliver_webhooks_to(Some(&url)));
    let other = shopify.seed_order(&order(
        "Second Buyer",
        "second@example.com",
        &[(&sku, 2, 11.0)],
    ));
    let kept_ref = &kept;
    eventually(10, "the simulator delivers", || async move {
        if kept_ref.lock().unwrap().is_empty() {
            Err("nothing yet".into())
        } else {
            Ok(())
        }
    })
    .await;
    let (headers, body) = kept.lock().unwrap()[0].clone();
    let mut forged = body.clone();
    let at = forged.iter().position(|b| b.is_ascii_digit()).unwrap();
    forged[at] = if forged[at] == b'9' {
        b'1'
    } else {
        forged[at] + 1
    };
    let (status, answer) = post_delivery(&app, account, &headers, &forged).await;
    assert_eq!(status, 401, "{answer}");
    assert!(
        hub_order(&app, &other).await.is_none(),
        "nothing stored from a forgery"
    );
    let mut unsigned = headers.clone();
    unsigned.retain(|(n, _)| n != "x-shopify-hmac-sha256");
    assert_eq!(post_delivery(&app, account, &unsigned, &body).await.0, 401);
    let mut aged = headers.clone();
    for (n, v) in aged.iter_mut() {
        if n == "x-shopify-triggered-at" {
            *v = "2026-01-01T00:00:00Z".into();
        }
    }
    assert_eq!(
        post_delivery(&app, account, &aged, &body).await.0,
        401,
        "a replay is stale"
    );
    assert!(hub_order(&app, &other).await.is_none());

    let (status, answer) = post_delivery(&app, account, &headers, &body).await;
    assert_eq!(
        (status, &answer["duplicate"]),
        (200, &json!(false)),
        "{answer}"
    );
    let (status, answer) = post_delivery(&app, account, &headers, &body).await;
    assert_eq!(
        (status, &answer["duplicate"]),
        (200, &json!(true)),
        "{answer}"
    );
    wait_state(&app, &other, "confirmed", 30).await;
    assert_eq!(odoo_orders(&app, &other).await.len(), 1);
    // Polling finds the same order: nothing new.
    poll(&app).await;
    assert_eq!(odoo_orders(&app, &other).await.len(), 1);

    // An account that does not exist, or takes no webhooks.
    assert_eq!(post_delivery(&app, 9999, &headers, &body).await.0, 404);
    let ebay = self::account(&app, "ebay").await;
    assert_eq!(post_delivery(&app, ebay, &headers, &body).await.0, 404);
    shopify.deliver_webhooks_to(None);
    app.stop().await.unwrap();
}

/// The same order twice in one page (a page that shifted while it was read): stored once, as
/// its newest copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_with_the_same_order_twice_stores_its_newest_copy() {
    use adlerdo::marketplaces::{Buyer, MarketOrder, MarketOrderLine, OrderStatus};
    let app = spawn_sandbox().await;
    let ebay = account(&app, "ebay").await;
    let copy = |updated_at: i64, status: OrderStatus| MarketOrder {
        external_id: "27-99999-00001".into(),
        reference: None,
        status,
        external_status: format!("{status:?}"),
        created_at: 1_000,
        updated_at,
        currency: "USD".into(),
        buyer: Buyer::default(),
        shipping_address: Some(address("Twice", "US")),
        billing_address: None,
        lines: vec![MarketOrderLine {
            external_id: "1".into(),
            sku: Some("NOT-LISTED".into()),
            title: "Thing".into(),
            quantity: 1.0,
            unit_price: 5.0,
            discount: 0.0,
            tax: 0.0,
        }],
        shipping: 0.0,
        shipping_tax: 0.0,
        discount: 0.0,
        tax_total: 0.0,
        total: 5.0,
        prices_include_tax: None,
        raw: json!({}),
    };
    let page = vec![
        copy(3_000, OrderStatus::Cancelled),
        copy(2_000, OrderStatus::Open),
    ];
    let stored = app
        .state
        .db
        .write(move |c| adlerdo::sync::orders::store::store_orders(c, ebay, &page, 5_000))
        .await
        .unwrap();
    assert_eq!(stored.new.len(), 1);
    let (st, _, _) = hub_order(&app, "27-99999-00001").await.unwrap();
    assert_eq!(
        st, "cancelled",
        "the newest copy (cancelled) is the one kept"
    );
    app.stop().await.unwrap();
}
