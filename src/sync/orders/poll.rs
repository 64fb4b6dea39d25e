//! Polling the marketplaces for orders: one job per account reads every page of the orders
//! created or changed since its cursor, stores each page in one transaction (holding their
//! stock back from the allocation at once), and moves the cursor only after the last page, to
//! the start of this poll minus the overlap window. A poll that fails part-way leaves the
//! cursor where it was: the next one reads the same orders again, and storing them again
//! changes nothing.

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::Context as _;
use diesel::Connection as _;
use serde::{Deserialize, Serialize};

use super::mapping::OrderPolicy;
use super::send::{CancelOrders, SendOrders};
use super::store;
use crate::jobs::{Job, now_ms};
use crate::marketplaces::OrderQuery;
use crate::state::AppState;
use crate::sync::{accounts, stock};

/// Polls one account for new and changed orders.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PollOrders {
    pub marketplace_id: i64,
}

impl PollOrders {
    pub fn new(marketplace_id: i64) -> Self {
        Self { marketplace_id }
    }
}

/// What one poll did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PollReport {
    pub pages: usize,
    pub orders: usize,
    pub new: usize,
    pub updated: usize,
    pub unreadable: usize,
}

impl Job for PollOrders {
    const KIND: &'static str = "orders.poll";
    const PRIORITY: i32 = 9;
    type Context = AppState;

    fn dedup_key(&self) -> Option<String> {
        Some(self.marketplace_id.to_string())
    }

    async fn run(self, state: AppState) -> anyhow::Result<()> {
        match poll_account(&state, self.marketplace_id).await {
            Ok(report) => {
                if report.new + report.updated + report.unreadable > 0 {
                    log::info!(
                        "account {}: {} order(s) read in {} page(s): {} new, {} changed, {} unreadable",
                        self.marketplace_id,
                        report.orders,
                        report.pages,
                        report.new,
                        report.updated,
                        report.unreadable
                    );
                }
                Ok(())
            }
            Err(e) => {
                record_error(&state, self.marketplace_id, &format!("{e:#}")).await;
                let market = e.downcast_ref::<crate::marketplaces::MarketError>();
                if let Some(wait) = market.and_then(|m| m.retry_after()) {
                    log::info!(
                        "account {}: order polls are rate limited; the next one in {wait:?}",
                        self.marketplace_id
                    );
                    state.queue.enqueue_after(&self, wait).await?;
                    return Ok(());
                }
                if market.is_some_and(|m| !m.is_retryable()) {
                    // Credentials or settings: nothing to gain by trying again now; the error
                    // shows in the account's status and the periodic poll comes back.
                    return Err(crate::jobs::runner::permanent(format!("{e:#}")));
                }
                // Down, timing out, answering garbage: the job queue tries again with its
                // backoff, and dead-letters the job after its attempts (the periodic poll
                // comes back to the account anyway). Nothing is lost: the cursor has not moved.
                Err(e)
            }
        }
    }
}

async fn record_error(state: &AppState, marketplace_id: i64, error: &str) {
    let error = error.to_string();
    let now = now_ms();
    if let Err(e) = state
        .db
        .write(move |c| store::save_cursor(c, marketplace_id, None, 0, Some(&error), now))
        .await
    {
        log::warn!("account {marketplace_id}: cannot record the poll's error: {e}");
    }
}

/// Reads every page of the account's new and changed orders and stores them.
pub async fn poll_account(state: &AppState, marketplace_id: i64) -> anyhow::Result<PollReport> {
    let (account, adapter) = state.markets.get(&state.db, marketplace_id).await?;
    let mut report = PollReport::default();
    if !account.enabled {
        return Ok(report);
    }
    let settings = &state.settings.orders;
    let started = now_ms();
    let lookback = (settings.lookback_days * 86_400_000) as i64;
    let stored_cursor = state
        .db
        .run(move |c| store::cursor(c, marketplace_id))
        .await?;
    let updated_after = stored_cursor.unwrap_or(started - lookback);
    let mut query = OrderQuery {
        updated_after,
        page: None,
    };
    let mut complete_until = None;
    let mut products: BTreeSet<i64> = BTreeSet::new();
    let mut ready = 0;
    let mut to_cancel = 0;
    loop {
        let page = adapter
            .fetch_orders(&query)
            .await
            .with_context(|| format!("reading orders of {}", account.name))?;
        report.pages += 1;
        report.orders += page.orders.len();
        report.unreadable += page.unreadable.len();
        complete_until = page.complete_until.or(complete_until);
        let orders = page.orders;
        let unreadable = page.unreadable;
        let now = now_ms();
        let (stored, _) = state
            .db
            .write(move |c| {
                c.transaction(|c| {
                    let stored = store::store_orders(c, marketplace_id, &orders, now)?;
                    let bad = store::store_unreadable(c, marketplace_id, &unreadable, now)?;
                    Ok((stored, bad))
                })
            })
            .await?;
        report.new += stored.new.len();
        report.updated += stored.updated.len();
        ready += stored.ready;
        to_cancel += stored.to_cancel.len();
        products.extend(stored.odoo_products.iter().copied());
        // Reserve at once: the marketplaces see the lower quantities before the next page.
        if !stored.odoo_products.is_empty() {
            reallocate(state, stored.odoo_products.into_iter().collect()).await?;
        }
        match page.next_page {
            Some(next) => query.page = Some(next),
            None => break,
        }
    }
    let overlap = (settings.overlap_secs * 1000) as i64;
    let until = complete_until.unwrap_or(started).min(started);
    let cursor = (until - overlap).max(updated_after);
    let seen = report.orders as i64;
    let now = now_ms();
    state
        .db
        .write(move |c| store::save_cursor(c, marketplace_id, Some(cursor), seen, None, now))
        .await?;
    state.queue.data_changed();
    if ready > 0 {
        state.queue.enqueue(&SendOrders::default()).await?;
    }
    if to_cancel > 0 {
        state.queue.enqueue(&CancelOrders::default()).await?;
    }
    Ok(report)
}

/// Allocates the stock of these variants again (orders imported or changed reserve theirs) and
/// pushes what changed at once.
pub async fn reallocate(state: &AppState, odoo_ids: Vec<i64>) -> anyhow::Result<()> {
    let now = now_ms();
    let touched = state
        .db
        .write(move |c| {
            let accounts = accounts::load_all(c)?;
            stock::allocate(c, &accounts, &odoo_ids, now)
        })
        .await?;
    stock::push_accounts(state, touched, Duration::ZERO).await
}

/// Queues a poll of every enabled account whose interval has passed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PollAllOrders {}

impl Job for PollAllOrders {
    const KIND: &'static str = "orders.poll_all";
    const PRIORITY: i32 = 5;
    type Context = AppState;

    fn dedup_key(&self) -> Option<String> {
        Some("all".into())
    }

    async fn run(self, state: AppState) -> anyhow::Result<()> {
        let default_secs = state.settings.orders.poll_secs;
        let now = now_ms();
        let due: Vec<i64> = state
            .db
            .run(move |c| {
                let accounts = accounts::load_all(c)?;
                let mut due = Vec::new();
                for a in accounts.into_iter().filter(|a| a.enabled) {
                    let every = OrderPolicy::from_settings(&a.settings)
                        .ok()
                        .and_then(|p| p.poll_secs)
                        .unwrap_or(default_secs);
                    if every == 0 {
                        continue;
                    }
                    let last = store::last_poll(c, a.id)?;
                    if last.is_none_or(|at| now - at >= (every * 1000) as i64 - 1000) {
                        due.push(a.id);
                    }
                }
                Ok(due)
            })
            .await?;
        for id in due {
            state.queue.enqueue(&PollOrders::new(id)).await?;
        }
        // Orders that wait for a mapping or a later try are looked at again here too (a product
        // that arrived from Odoo maps its SKU without anyone touching the order).
        let (waiting, purged) = state
            .db
            .write(move |c| {
                let waiting = store::count_waiting(c, now)?;
                // Shopify stops retrying a delivery after 4 hours; a day covers it.
                let purged = store::purge_deliveries(c, now - 86_400_000)?;
                Ok((waiting, purged))
            })
            .await?;
        if waiting > 0 {
            state.queue.enqueue(&SendOrders::default()).await?;
        }
        if purged > 0 {
            log::debug!("{purged} old webhook delivery id(s) forgotten");
        }
        Ok(())
    }
}
