//! Flow 3 (orders marketplaces -> Odoo) benchmark, in sandbox mode with the three simulators
//! and the Odoo emulator.
//!
//!     cargo bench --bench orders                    # SQLite
//!     BACKEND=postgres cargo bench --bench orders   # PostgreSQL
//!
//! ORDERS (1,000) orders from CUSTOMERS (300) distinct buyers over SKUS (500) products, spread
//! over the three marketplaces, are imported into the emulator: polled, stored, sent and
//! confirmed. Reported: Odoo RPC round trips per order (target <= 2 amortized), orders per
//! second from the first poll to the last confirmation (target >= 200/s), and the split
//! between capture (polling) and Odoo. TIME_SCALE (default 600) runs the marketplaces'
//! rate-limit clocks faster: the documented limits (Amazon's one search per three minutes,
//! Shopify's cost bucket) are not what this measures.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use adlerdo::config::{Mode, Settings};
use adlerdo::db::schema::{marketplaces, orders, products};
use adlerdo::marketplaces::Address;
use adlerdo::sim::market::{SimOrder, SimOrderLine};
use adlerdo::startup::Application;
use diesel::prelude::*;

fn order(n: usize, customers: usize, skus: &[String]) -> SimOrder {
    let c = n % customers;
    let lines = 1 + n % 3;
    SimOrder {
        buyer_name: format!("Customer {c}"),
        buyer_email: format!("customer{c}@example.com"),
        address: Address {
            name: Some(format!("Customer {c}")),
            street: Some(format!("{} Market Street", 1 + c)),
            city: Some("Springfield".into()),
            zip: Some(format!("{:05}", 10_000 + c)),
            country_code: Some(if c.is_multiple_of(4) { "DE" } else { "US" }.into()),
            phone: Some(format!("+1 555 {c:04}")),
            ..Address::default()
        },
        billing: None,
        lines: (0..lines)
            .map(|l| {
                let sku = &skus[(n * 7 + l * 13) % skus.len()];
                SimOrderLine {
                    sku: sku.clone(),
                    title: format!("Item {sku}"),
                    quantity: 1 + (n + l) as i64 % 2,
                    unit_price: 9.5 + (n % 40) as f64,
                    discount: 0.0,
                }
            })
            .collect(),
        shipping: 4.9,
        tax_rate: 0.0,
        currency: "USD".into(),
        paid: true,
    }
}

fn main() {
    let n_orders: usize = common::env_or("ORDERS", 1000);
    let customers: usize = common::env_or("CUSTOMERS", 300);
    let n_skus: usize = common::env_or("SKUS", 500);
    let scale: f64 = common::env_or("TIME_SCALE", 600.0);
    let backend = std::env::var("BACKEND").unwrap_or_else(|_| "sqlite".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let db = match backend.as_str() {
            "postgres" => common::BenchDb::postgres(),
            _ => common::BenchDb::sqlite(),
        };
        let mut s = Settings {
            mode: Mode::Sandbox,
            data_dir: dir.path().join("data"),
            ..Settings::default()
        };
        s.database.url = db.url.clone();
        s.server.port = 0;
        s.schedule.product_sync_secs = 0;
        s.schedule.cleanup_secs = 0;
        s.stock.poll_secs = 0;
        s.orders.poll_secs = 0;
        s.orders.sandbox_order_secs = 0;
        s.log.level = "warn".into();
        s.marketplaces.sandbox_time_scale = scale;
        let app = Application::build(s).await.unwrap();
        let state = app.state().clone();
        let shutdown = app.shutdown_token();
        let task = tokio::spawn(app.run_until_stopped());
        let odoo = state.odoo_sim.clone().unwrap();
        odoo.add_catalog(n_skus);
        state
            .queue
            .enqueue(&adlerdo::sync::products::SyncProducts { full: true })
            .await
            .unwrap();
        idle(&state, Duration::from_secs(300)).await;
        let skus: Vec<String> = state
            .db
            .run(|c| {
                products::table
                    .filter(products::sku.like("GEN-%"))
                    .order(products::id)
                    .select(products::sku.assume_not_null())
                    .load(c)
            })
            .await
            .unwrap();
        assert_eq!(skus.len(), n_skus, "the catalog reached the hub");
        let accounts: Vec<(i64, String)> = state
            .db
            .run(|c| {
                marketplaces::table
                    .select((marketplaces::id, marketplaces::kind))
                    .order(marketplaces::id)
                    .load(c)
            })
            .await
            .unwrap();

        // The buyers place their orders.
        let sims = &state.market_sims;
        for n in 0..n_orders {
            let sim = &sims[n % sims.len()];
            assert!(!sim.seed_order(&order(n, customers, &skus)).is_empty());
        }
        // Past the sandbox's first listing pushes: only orders from here on.
        idle(&state, Duration::from_secs(300)).await;
        let client = state.odoo.client().await.unwrap();
        client.reset_stats();
        let started = Instant::now();
        for (id, _) in &accounts {
            state
                .queue
                .enqueue(&adlerdo::sync::orders::PollOrders::new(*id))
                .await
                .unwrap();
        }
        let mut captured_at = None;
        loop {
            let by_state: BTreeMap<String, i64> = state
                .db
                .run(|c| {
                    orders::table
                        .group_by(orders::state)
                        .select((orders::state, diesel::dsl::count_star()))
                        .load::<(String, i64)>(c)
                })
                .await
                .unwrap()
                .into_iter()
                .collect();
            let stored: i64 = by_state.values().sum();
            if captured_at.is_none() && stored as usize >= n_orders {
                captured_at = Some(started.elapsed());
            }
            let confirmed = by_state.get("confirmed").copied().unwrap_or(0);
            if confirmed as usize >= n_orders {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(600),
                "stuck: {by_state:?}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let total = started.elapsed();
        let stats = client.stats();
        let captured = captured_at.unwrap_or(total);
        // Buyers as the marketplaces name them (Amazon gives a relay address per buyer, so a
        // customer who also buys on eBay is a second customer there).
        let emails: Vec<String> = state
            .db
            .run(|c| {
                orders::table
                    .select(orders::buyer_email.assume_not_null())
                    .distinct()
                    .load(c)
            })
            .await
            .unwrap();
        let partners = client
            .search_count(
                "res.partner",
                serde_json::json!([["email", "in", emails.clone()], ["parent_id", "=", false]]),
                None,
            )
            .await
            .unwrap();
        let in_odoo = client
            .search_count(
                "sale.order",
                serde_json::json!([["state", "=", "sale"], ["client_order_ref", "!=", false]]),
                None,
            )
            .await
            .unwrap();
        println!("flow 3 import, {backend}: {n_orders} orders, {customers} customers, {n_skus} SKUs, 3 marketplaces (time scale {scale})");
        println!(
            "  all stored (polled) after     {:>8.2} s",
            captured.as_secs_f64()
        );
        println!(
            "  all confirmed in Odoo after   {:>8.2} s  -> {:.0} orders/s end to end",
            total.as_secs_f64(),
            n_orders as f64 / total.as_secs_f64()
        );
        println!(
            "  Odoo RPC round trips          {:>8}    -> {:.3} per order ({} errors, {} retries)",
            stats.rpc_calls,
            stats.rpc_calls as f64 / n_orders as f64,
            stats.errors,
            stats.retries
        );
        println!(
            "  sale orders in Odoo: {in_odoo}; customers: {partners} for {} distinct buyer emails",
            emails.len()
        );
        assert_eq!(in_odoo as usize, n_orders, "every order once");
        assert_eq!(partners as usize, emails.len(), "every customer once");
        shutdown.cancel();
        let _ = task.await;
    });
}

async fn idle(state: &adlerdo::state::AppState, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let counts = state.db.run(adlerdo::jobs::queue::counts).await.unwrap();
        let busy: i64 = counts
            .iter()
            .filter(|(_, st, _)| st == "queued" || st == "running")
            .map(|(_, _, n)| n)
            .sum();
        if busy == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "jobs still busy: {counts:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
