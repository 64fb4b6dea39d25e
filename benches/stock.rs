//! Flow 2 (stock Odoo -> marketplaces) benchmarks, in sandbox mode with the three simulators.
//!
//!     cargo bench --bench stock                 # both
//!     BENCH=p1 cargo bench --bench stock        # P1 only (ROUNDS=200)
//!     BENCH=p2 cargo bench --bench stock        # P2 only (SKUS=100000, TIME_SCALE=1)
//!
//! P1: from the addon's `notify_stock_changed` to the marketplace call, per marketplace: the
//! hub's own overhead (no debounce; the simulators answer on loopback), then end to end with the
//! default debounce.
//!
//! P2: new quantities for SKUS listings on each of the three simulators, which enforce their
//! documented limits (optionally time-scaled). The lower bound is computed from those limits and
//! batch sizes; efficiency = bound / measured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use adlerdo::config::{Mode, Settings};
use adlerdo::db::schema::{listings, products, pushes, stock_levels, stock_outbox};
use adlerdo::startup::{Application, SANDBOX_FACADE_KEY, SANDBOX_KEY_NAME};
use adlerdo::state::AppState;
use diesel::prelude::*;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

struct Hub {
    state: AppState,
    url: String,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
    _db: common::BenchDb,
}

async fn start(configure: impl FnOnce(&mut Settings)) -> Hub {
    let dir = tempfile::tempdir().unwrap();
    let db = match std::env::var("BACKEND").as_deref() {
        Ok("postgres") => common::BenchDb::postgres(),
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
    // No order polls and no simulated buyers: only this benchmark changes quantities.
    s.orders.poll_secs = 0;
    s.orders.sandbox_order_secs = 0;
    s.log.level = "warn".into();
    configure(&mut s);
    let app = Application::build(s).await.unwrap();
    let url = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    let shutdown = app.shutdown_token();
    let task = tokio::spawn(app.run_until_stopped());
    Hub {
        state,
        url,
        shutdown,
        task,
        _dir: dir,
        _db: db,
    }
}

impl Hub {
    async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
    }

    async fn idle(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let counts = self
                .state
                .db
                .run(adlerdo::jobs::queue::counts)
                .await
                .unwrap();
            let busy: i64 = counts
                .iter()
                .filter(|(_, st, _)| st == "queued" || st == "running")
                .map(|(_, _, n)| n)
                .sum();
            if busy == 0 {
                return;
            }
            assert!(Instant::now() < deadline, "jobs still busy: {counts:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn rpc(&self, client: &reqwest::Client, model: &str, method: &str, args: Value) -> Value {
        let r: Value = client
            .post(format!("{}/jsonrpc", self.url))
            .json(
                &json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
                "service": "object", "method": "execute_kw",
                "args": ["adlerdo", 1, SANDBOX_FACADE_KEY, model, method, args]}}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(r.get("error").is_none(), "{r}");
        r["result"].clone()
    }
}

/// Which request of a simulator is a quantity push.
fn is_quantity_call(kind: &str, method: &str, path: &str) -> bool {
    match kind {
        "amazon" => method == "PATCH" || path.ends_with("/feeds"),
        "ebay" => path.ends_with("/bulk_update_price_quantity"),
        "shopify" => path.ends_with("/graphql.json"),
        _ => false,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn p1(rounds: usize, debounce_ms: u64) {
    let hub = start(|s| {
        s.stock.debounce_ms = debounce_ms;
        s.jobs.workers = 2;
    })
    .await;
    let client = reqwest::Client::new();
    // The emulator's catalog, listed on every account.
    hub.state
        .queue
        .enqueue(&adlerdo::sync::products::SyncProducts { full: true })
        .await
        .unwrap();
    hub.idle(Duration::from_secs(60)).await;
    let _ = SANDBOX_KEY_NAME;
    let accounts = hub
        .rpc(&client, "adlerdo.marketplace", "search", json!([[]]))
        .await;
    hub.rpc(&client, "adlerdo.marketplace", "publish", json!([accounts]))
        .await;
    hub.idle(Duration::from_secs(120)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    hub.idle(Duration::from_secs(120)).await;
    let (odoo_id, live): (i64, i64) = hub
        .state
        .db
        .run(|c| {
            let id: i64 = listings::table
                .inner_join(products::table)
                .filter(listings::status.eq("active"))
                .group_by(products::odoo_id)
                .having(diesel::dsl::count_star().eq(3))
                .select(products::odoo_id.assume_not_null())
                .first(c)?;
            let n: i64 = listings::table
                .filter(listings::status.eq("active"))
                .count()
                .get_result(c)?;
            Ok::<_, diesel::result::Error>((id, n))
        })
        .await
        .expect("a product live on all three accounts");
    let sims = hub.state.market_sims.clone();
    let odoo = hub.state.odoo_sim.clone().unwrap();
    let mut per_kind: HashMap<&'static str, Vec<Duration>> = HashMap::new();
    let mut receivers: Vec<_> = sims
        .iter()
        .map(|s| (s.kind(), s.knobs().arrivals()))
        .collect();
    for round in 0..rounds {
        odoo.set_on_hand(odoo_id, 100.0 + (round % 50) as f64)
            .unwrap();
        for (_, rx) in &mut receivers {
            while rx.try_recv().is_ok() {}
        }
        let t0 = Instant::now();
        hub.rpc(
            &client,
            "adlerdo.sync",
            "notify_stock_changed",
            json!([[odoo_id]]),
        )
        .await;
        for (kind, rx) in &mut receivers {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
            loop {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Ok(a)) if is_quantity_call(kind, &a.method, &a.path) => {
                        per_kind.entry(kind).or_default().push(a.at - t0);
                        break;
                    }
                    Ok(_) => continue,
                    Err(_) => panic!("{kind}: no quantity call within 30 s (round {round})"),
                }
            }
        }
        hub.idle(Duration::from_secs(30)).await;
        // Amazon's patchListingsItem allows 5 calls a second: rounds closer than 200 ms would
        // measure that limit (the adapter waits for it), not the hub.
        if debounce_ms == 0 {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    println!(
        "P1, debounce {debounce_ms} ms, {rounds} rounds, {live} live listings, backend {}:",
        hub.state.db.backend()
    );
    let mut all = Vec::new();
    let mut kinds: Vec<_> = per_kind.into_iter().collect();
    kinds.sort_by_key(|(k, _)| *k);
    for (kind, mut v) in kinds {
        v.sort();
        println!(
            "  {kind:8} p50 {}  p95 {}  p99 {}  max {}",
            ms(percentile(&v, 0.5)),
            ms(percentile(&v, 0.95)),
            ms(percentile(&v, 0.99)),
            ms(*v.last().unwrap())
        );
        all.extend(v);
    }
    all.sort();
    println!(
        "  all      p50 {}  p95 {}  p99 {}",
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.95)),
        ms(percentile(&all, 0.99))
    );
    hub.stop().await;
}

async fn p2(skus: usize, time_scale: f64) {
    let hub = start(|s| {
        s.stock.debounce_ms = 0;
        s.jobs.workers = 4;
        s.marketplaces.sandbox_time_scale = time_scale;
        s.database.pool_size = 8;
    })
    .await;
    let sims = hub.state.market_sims.clone();
    // Set up without limits: the SKUs exist on every marketplace, linked in the hub.
    for s in sims.iter() {
        s.knobs().set_enforce_limits(false);
    }
    let setup = Instant::now();
    let accounts: Vec<(i64, String)> = hub
        .state
        .db
        .run(|c| {
            use adlerdo::db::schema::marketplaces as m;
            m::table.select((m::id, m::kind)).order(m::id).load(c)
        })
        .await
        .unwrap();
    let skus_list: Vec<String> = (0..skus).map(|i| format!("P2-{i:06}")).collect();
    for s in sims.iter() {
        for sku in &skus_list {
            s.seed_listing(sku, sku, 10.0, 1);
        }
    }
    let mut listing_rows = Vec::new();
    for (account, kind) in &accounts {
        let sim = sims.iter().find(|s| s.kind() == kind).unwrap();
        for (i, sku) in skus_list.iter().enumerate() {
            let (ext_id, ext_ref) = sim.linked_ids(sku).unwrap_or((None, None));
            listing_rows.push((*account, i as i64, sku.clone(), ext_id, ext_ref));
        }
    }
    let n = skus as i64;
    hub.state
        .db
        .write(move |c| {
            c.transaction(|c| {
                let now = adlerdo::jobs::now_ms();
                for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
                    let rows: Vec<_> = chunk
                        .iter()
                        .map(|i| {
                            (
                                products::odoo_id.eq(Some(1_000_000 + i)),
                                products::sku.eq(Some(format!("P2-{i:06}"))),
                                products::name.eq(format!("Bench product {i}")),
                                products::display_name.eq(format!("Bench product {i}")),
                                products::list_price.eq(10.0),
                                products::cost.eq(5.0),
                                products::currency.eq("EUR"),
                                products::attributes.eq("{}"),
                                products::storable.eq(1),
                                products::active.eq(1),
                                products::created_at.eq(now),
                                products::updated_at.eq(now),
                            )
                        })
                        .collect();
                    adlerdo::with_backend!(&mut *c, |c| diesel::insert_into(products::table)
                        .values(&rows)
                        .execute(c))?;
                    let levels: Vec<_> = chunk
                        .iter()
                        .map(|i| {
                            (
                                stock_levels::odoo_product_id.eq(1_000_000 + i),
                                stock_levels::scope.eq(""),
                                stock_levels::on_hand.eq(50.0),
                                stock_levels::free.eq(20.0 + (i % 30) as f64),
                                stock_levels::forecast.eq(60.0),
                                stock_levels::updated_at.eq(now),
                            )
                        })
                        .collect();
                    adlerdo::with_backend!(&mut *c, |c| diesel::insert_into(stock_levels::table)
                        .values(&levels)
                        .execute(c))?;
                }
                let first: i64 = products::table
                    .select(diesel::dsl::min(products::id))
                    .first::<Option<i64>>(c)?
                    .unwrap_or(1);
                for chunk in listing_rows.chunks(1000) {
                    let rows: Vec<_> = chunk
                        .iter()
                        .map(|(account, i, sku, ext_id, ext_ref)| {
                            (
                                listings::marketplace_id.eq(*account),
                                listings::product_id.eq(Some(first + i)),
                                listings::sku.eq(sku.clone()),
                                listings::external_id.eq(ext_id.clone()),
                                listings::external_ref.eq(ext_ref.clone()),
                                listings::status.eq("active"),
                                listings::dirty.eq(0),
                                listings::last_quantity.eq(Some(1i64)),
                                listings::created_at.eq(now),
                                listings::updated_at.eq(now),
                            )
                        })
                        .collect();
                    adlerdo::with_backend!(&mut *c, |c| diesel::insert_into(listings::table)
                        .values(&rows)
                        .execute(c))?;
                }
                Ok::<_, diesel::result::Error>(())
            })
        })
        .await
        .unwrap();
    println!(
        "P2 set-up: {skus} SKUs on {} marketplaces in {:.1} s",
        accounts.len(),
        setup.elapsed().as_secs_f64()
    );

    // Measured: allocation of every SKU, the outbox, the pushes under the limits.
    for s in sims.iter() {
        s.knobs().set_enforce_limits(true);
    }
    let started = Instant::now();
    let all_accounts = hub
        .state
        .db
        .run(adlerdo::sync::accounts::load_all)
        .await
        .unwrap();
    // As the stock poll does: page by page (`stock.read_batch`), the accounts that take small
    // calls pushed from the first page on, the others once every page is allocated.
    let ids: Vec<i64> = (0..n).map(|i| 1_000_000 + i).collect();
    let page = Settings::default().stock.read_batch;
    let early = adlerdo::sync::stock::early_accounts(&hub.state, &all_accounts, page);
    let mut touched = std::collections::BTreeSet::new();
    for chunk in ids.chunks(page) {
        let chunk = chunk.to_vec();
        let accounts = all_accounts.clone();
        let this_page = hub
            .state
            .db
            .write(move |c| {
                adlerdo::sync::stock::allocate(c, &accounts, &chunk, adlerdo::jobs::now_ms())
            })
            .await
            .unwrap();
        adlerdo::sync::stock::push_idle_accounts(
            &hub.state,
            this_page.intersection(&early).copied(),
        )
        .await
        .unwrap();
        touched.extend(this_page);
    }
    let allocated = started.elapsed();
    adlerdo::sync::stock::push_accounts(&hub.state, touched, Duration::ZERO)
        .await
        .unwrap();
    let mut done_at: HashMap<i64, Duration> = HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(3600);
    while done_at.len() < accounts.len() {
        for (account, _) in &accounts {
            if done_at.contains_key(account) {
                continue;
            }
            let a = *account;
            let (waiting, pending): (i64, i64) = hub
                .state
                .db
                .run(move |c| {
                    let w = stock_outbox::table
                        .filter(stock_outbox::marketplace_id.eq(a))
                        .count()
                        .get_result(c)?;
                    let p = pushes::table
                        .filter(pushes::marketplace_id.eq(a))
                        .filter(pushes::state.eq("pending"))
                        .count()
                        .get_result(c)?;
                    Ok::<_, diesel::result::Error>((w, p))
                })
                .await
                .unwrap();
            if waiting == 0 && pending == 0 {
                done_at.insert(*account, started.elapsed());
            }
        }
        assert!(
            Instant::now() < deadline,
            "P2 did not finish within an hour"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let measured = started.elapsed();
    if std::env::var("P2_PUSHES").is_ok_and(|v| v == "1") {
        // Each push's start and end, from the start of the measure (ms).
        let t0 = adlerdo::jobs::now_ms() - measured.as_millis() as i64;
        let rows: Vec<(i64, i64, i32, i64, Option<i64>)> = hub
            .state
            .db
            .run(|c| {
                pushes::table
                    .select((
                        pushes::id,
                        pushes::marketplace_id,
                        pushes::items,
                        pushes::started_at,
                        pushes::finished_at,
                    ))
                    .order(pushes::id)
                    .load(c)
            })
            .await
            .unwrap();
        for (account, kind) in &accounts {
            let mine: Vec<_> = rows.iter().filter(|r| r.1 == *account).collect();
            println!("  {kind}: {} push(es)", mine.len());
            for r in mine.iter().take(8) {
                println!(
                    "    push {} of {} item(s): started {} ms, finished {:?} ms",
                    r.0,
                    r.2,
                    r.3 - t0,
                    r.4.map(|f| f - t0)
                );
            }
        }
    }
    // Every quantity arrived.
    for (account, kind) in &accounts {
        let sim = sims.iter().find(|s| s.kind() == kind).unwrap();
        let wrong_skus: Vec<(String, Option<i64>, i64)> = skus_list
            .iter()
            .enumerate()
            .filter_map(|(i, sku)| {
                let want = 20 + (i as i64 % 30);
                let has = sim.quantity(sku);
                (has != Some(want)).then(|| (sku.clone(), has, want))
            })
            .collect();
        let wrong = wrong_skus.len();
        for (sku, has, want) in wrong_skus.iter().take(5) {
            let (a, sku2) = (*account, sku.clone());
            let items: Vec<(i64, Option<i64>, String, Option<String>)> = hub
                .state
                .db
                .run(move |c| {
                    use adlerdo::db::schema::push_items as pi;
                    pi::table
                        .inner_join(pushes::table)
                        .filter(pushes::marketplace_id.eq(a))
                        .filter(pi::sku.eq(sku2))
                        .select((pi::push_id, pi::quantity, pi::state, pi::code))
                        .load(c)
                })
                .await
                .unwrap();
            println!("    {sku}: shows {has:?}, wanted {want}; pushes {items:?}");
        }
        println!(
            "  {kind:8} account {account}: done in {:.2} s, {wrong} SKU(s) not showing the new quantity",
            done_at[account].as_secs_f64()
        );
    }
    println!(
        "P2: {skus} SKUs x {} marketplaces, time scale {time_scale}: allocation of every page {:.2} s, all done in {:.2} s (real)",
        accounts.len(),
        allocated.as_secs_f64(),
        measured.as_secs_f64()
    );
    println!("  lower bounds from the documented limits (model seconds / time scale = real):");
    let bounds = lower_bounds(skus, &sims);
    let mut worst: f64 = 0.0;
    for (kind, model_secs, how) in &bounds {
        let real = model_secs / time_scale;
        worst = worst.max(real);
        let (account, _) = accounts.iter().find(|(_, k)| k == kind).unwrap();
        let took = done_at[account].as_secs_f64();
        let eff = if real > 0.0 {
            format!("{:.2}", real / took)
        } else {
            "n/a (no limit binds)".into()
        };
        println!("  {kind:8} bound {real:.2} s ({how}); measured {took:.2} s; efficiency {eff}");
    }
    println!(
        "  overall bound {worst:.2} s, measured {:.2} s, efficiency {:.2}",
        measured.as_secs_f64(),
        worst / measured.as_secs_f64()
    );
    hub.stop().await;
}

/// The least time (model seconds) the documented limits allow for pushing `skus` quantities.
fn lower_bounds(
    skus: usize,
    sims: &[Box<dyn adlerdo::sim::market::RunningMarketSim>],
) -> Vec<(String, f64, String)> {
    let mut out = Vec::new();
    for s in sims {
        let (secs, how) = s.push_lower_bound(skus);
        out.push((s.kind().to_string(), secs, how));
    }
    out
}

fn main() {
    let which = std::env::var("BENCH").unwrap_or_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        if which.is_empty() || which == "p1" {
            let rounds = common::env_or("ROUNDS", 200);
            p1(rounds, 0).await;
            p1(rounds / 4, Settings::default().stock.debounce_ms).await;
        }
        if which.is_empty() || which == "p2" {
            p2(
                common::env_or("SKUS", 100_000),
                common::env_or("TIME_SCALE", 1.0),
            )
            .await;
        }
    });
}
