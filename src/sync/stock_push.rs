//! Stock pushes: one job per account takes the account's waiting quantities from the outbox,
//! sends them in batches of the marketplace's maximum under its limits, records every push, and
//! settles each item by the marketplace's answer. A quantity is never lost: it leaves the outbox
//! only when the marketplace took it (or refused it for good), and a newer quantity queued
//! meanwhile stays for the next push.

use std::time::{Duration, Instant};

use anyhow::anyhow;
use diesel::Connection as _;
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};

use super::outbox::{self, Claimed, PushEnd, PushItem, Settle};
use crate::jobs::{Job, backoff, now_ms, runner::permanent};
use crate::marketplaces::{
    Exchange, ItemOutcome, MarketError, Marketplace, Pushed, QuantityUpdate, Rejection,
};
use crate::state::AppState;

/// Rows one claim takes: enough for many calls (they are recorded in one transaction), at most
/// one Amazon feed.
fn claim_size(adapter: &dyn Marketplace) -> i64 {
    let per_call = adapter.max_quantities_per_call().max(1);
    (per_call * adapter.max_concurrency().max(1) * 16).clamp(1_000, 25_000) as i64
}

/// How long one job pushes before it hands over to a fresh job (so one huge account does not
/// hold a worker forever, and other kinds of work interleave).
const SLICE: Duration = Duration::from_secs(60);

/// How often a push the marketplace processes later is asked about (marketplace seconds; the
/// sandbox's time scale shortens it). Amazon's getFeed allows 2 calls a second.
const CHECK_EVERY_SECS: f64 = 5.0;
/// Then, while it is still being processed (within getFeed's 2 calls a second, shared by every
/// pending push of the account).
const RECHECK_EVERY_SECS: f64 = 2.0;

/// Pushes an account's waiting quantities.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PushStock {
    pub marketplace_id: i64,
    /// Calls failed in a row so far (a marketplace down, answering garbage): the next try waits
    /// longer each time, without ever giving up on the quantities.
    #[serde(default)]
    pub failures: u32,
}

impl PushStock {
    pub fn new(marketplace_id: i64) -> Self {
        Self {
            marketplace_id,
            failures: 0,
        }
    }
}

impl Job for PushStock {
    const KIND: &'static str = "marketplace.stock.push";
    /// Stock before catalog work.
    const PRIORITY: i32 = 10;
    type Context = AppState;

    fn dedup_key(&self) -> Option<String> {
        Some(self.marketplace_id.to_string())
    }

    async fn run(self, state: AppState) -> anyhow::Result<()> {
        let (account, adapter) = state.markets.get(&state.db, self.marketplace_id).await?;
        if !account.enabled {
            log::info!(
                "account {} ({}) is disabled: its stock waits",
                account.id,
                account.name
            );
            return Ok(());
        }
        let owner = format!("stock:{}:{}", account.id, uuid::Uuid::new_v4());
        let started = Instant::now();
        let claim_ms = (state.settings.stock.claim_secs * 1000) as i64;
        let limit = claim_size(adapter.as_ref());
        let mut sent = 0usize;
        loop {
            let now = now_ms();
            let owner2 = owner.clone();
            let id = account.id;
            let rows = state
                .db
                .write(move |c| outbox::claim(c, id, &owner2, limit, now, now + claim_ms))
                .await?;
            if rows.is_empty() {
                break;
            }
            sent += rows.len();
            let outcome = push_rows(&state, account.id, adapter.as_ref(), &owner, &rows).await;
            state.queue.data_changed();
            match outcome {
                Ok(()) => {}
                Err(e) => match e.retry_after() {
                    // Rate limited for longer than a call waits in place: come back then.
                    Some(wait) => {
                        log::info!(
                            "account {} ({}): rate limited, stock push resumes in {wait:?}",
                            account.id,
                            account.name
                        );
                        state.queue.enqueue_after(&self, wait).await?;
                        return Ok(());
                    }
                    // Down, timing out, answering garbage: tried again later, and again, with
                    // a growing wait; the quantities wait in the outbox meanwhile.
                    None if e.is_retryable() => {
                        let jobs = &state.settings.jobs;
                        let wait = backoff(
                            self.failures.saturating_add(1) as i32,
                            Duration::from_millis(jobs.backoff_base_ms),
                            Duration::from_secs(jobs.backoff_max_secs),
                            &mut rand::rng(),
                        );
                        log::warn!(
                            "account {} ({}): stock push failed ({e}); trying again in {wait:?}",
                            account.id,
                            account.name
                        );
                        let next = PushStock {
                            marketplace_id: self.marketplace_id,
                            failures: self.failures.saturating_add(1),
                        };
                        state.queue.enqueue_after(&next, wait).await?;
                        return Ok(());
                    }
                    None => {
                        // Credentials or settings: retrying does not help until an admin acts
                        // (saving the account queues a push again). The quantities wait.
                        return Err(permanent(format!(
                            "account {} ({}): {e}",
                            account.id, account.name
                        )));
                    }
                },
            }
            if started.elapsed() > SLICE {
                state
                    .queue
                    .enqueue_after(&PushStock::new(self.marketplace_id), Duration::ZERO)
                    .await?;
                break;
            }
        }
        // Items refused for now come back after their wait.
        let next = state
            .db
            .run(move |c| outbox::next_due(c, self.marketplace_id))
            .await?;
        if let Some(at) = next {
            let wait = Duration::from_millis((at - now_ms()).max(0) as u64);
            state
                .queue
                .enqueue_after(&PushStock::new(self.marketplace_id), wait)
                .await?;
        }
        if sent > 0 {
            log::info!(
                "account {} ({}): {sent} quantit(ies) pushed",
                account.id,
                account.name
            );
        }
        Ok(())
    }
}

/// Sends claimed rows in calls of the marketplace's size, as many at once as it allows, then
/// records the calls and settles their rows in one transaction. Returns the first call error
/// that should stop the job (rows of failed calls are released or rescheduled, never dropped).
async fn push_rows(
    state: &AppState,
    account_id: i64,
    adapter: &dyn Marketplace,
    owner: &str,
    rows: &[Claimed],
) -> Result<(), MarketError> {
    let per_call = adapter.max_quantities_per_call().max(1);
    // A plain loop rather than a closure: the futures must be `Send` for any lifetime.
    let mut calls = Vec::new();
    for chunk in rows.chunks(per_call) {
        calls.push(push_chunk(adapter, chunk));
    }
    let mut stream =
        futures_util::stream::iter(calls).buffer_unordered(adapter.max_concurrency().max(1));
    let mut first_error = None;
    let mut records = Vec::new();
    while let Some((chunk, started, result)) = stream.next().await {
        let (record, error) = CallRecord::new(chunk, started, result, now_ms());
        records.push(record);
        if let Some(e) = error {
            first_error.get_or_insert(e);
        }
    }
    record_calls(state, account_id, owner, records).await?;
    first_error.map_or(Ok(()), Err)
}

/// One call: the rows as quantity updates.
async fn push_chunk<'a>(
    adapter: &dyn Marketplace,
    chunk: &'a [Claimed],
) -> (&'a [Claimed], i64, Result<Pushed<()>, MarketError>) {
    let updates: Vec<QuantityUpdate> = chunk
        .iter()
        .map(|r| QuantityUpdate {
            sku: r.sku.clone(),
            quantity: r.quantity,
            ids: r.ids.clone(),
            previous: r.last_quantity,
        })
        .collect();
    let started = now_ms();
    let result = adapter.push_quantities(&updates).await;
    (chunk, started, result)
}

/// What one call did, ready to be recorded.
struct CallRecord {
    rows: Vec<Claimed>,
    started: i64,
    /// Empty for a pending call: its rows are handed to the push itself.
    settles: Vec<(Claimed, Settle)>,
    items: Vec<PushItem>,
    state: &'static str,
    handle: Option<String>,
    error: Option<String>,
    exchanges: Vec<Exchange>,
}

impl CallRecord {
    fn new(
        chunk: &[Claimed],
        started: i64,
        result: Result<Pushed<()>, MarketError>,
        now: i64,
    ) -> (Self, Option<MarketError>) {
        let rows = chunk.to_vec();
        match result {
            Ok(pushed) if pushed.pending.is_some() => (
                Self {
                    items: chunk.iter().map(|r| item(r, "pending", None)).collect(),
                    rows,
                    started,
                    settles: Vec::new(),
                    state: "pending",
                    handle: pushed.pending,
                    error: None,
                    exchanges: pushed.exchanges,
                },
                None,
            ),
            Ok(pushed) => {
                let (settles, items) = settle_items(chunk, &pushed.items, now);
                let rejected = items.iter().any(|i| i.state == "rejected");
                (
                    Self {
                        rows,
                        started,
                        settles,
                        items,
                        state: if rejected { "partial" } else { "done" },
                        handle: None,
                        error: None,
                        exchanges: pushed.exchanges,
                    },
                    None,
                )
            }
            Err(e) => {
                // Retryable: free at once for the job's next attempt. Otherwise (credentials,
                // settings): held back a minute, until an admin fixes the account.
                let settle = if e.is_retryable() {
                    Settle::Release
                } else {
                    Settle::Retry {
                        not_before: now + 60_000,
                        reason: None,
                    }
                };
                (
                    Self {
                        settles: chunk.iter().map(|r| (r.clone(), settle.clone())).collect(),
                        items: chunk.iter().map(|r| item(r, "pending", None)).collect(),
                        rows,
                        started,
                        state: "failed",
                        handle: None,
                        error: Some(e.to_string()),
                        exchanges: Vec::new(),
                    },
                    Some(e),
                )
            }
        }
    }
}

/// Records the calls of one claim and settles their rows, in one transaction; queues the check
/// of every pending call.
async fn record_calls(
    state: &AppState,
    account_id: i64,
    owner: &str,
    records: Vec<CallRecord>,
) -> Result<(), MarketError> {
    let owner = owner.to_string();
    let claim_ms = (state.settings.stock.claim_secs * 1000) as i64;
    let now = now_ms();
    let pending = state
        .db
        .write(move |c| {
            c.transaction(|c| {
                let mut pending = Vec::new();
                let mut settles: Vec<(&Claimed, Settle)> = Vec::new();
                for r in &records {
                    let push_id = outbox::begin_push(
                        c,
                        account_id,
                        "stock",
                        r.items.len() as i32,
                        r.started,
                    )?;
                    if r.handle.is_some() {
                        // The marketplace processes the batch later: the rows stay held by this
                        // push until its results are in.
                        let ids: Vec<i64> = r.rows.iter().map(|row| row.listing_id).collect();
                        let until = now + claim_ms.max(3_600_000);
                        outbox::hand_over(c, &owner, &ids, &pending_owner(push_id), until)?;
                        pending.push(push_id);
                    } else {
                        settles.extend(r.settles.iter().map(|(row, s)| (row, s.clone())));
                    }
                    outbox::end_push(
                        c,
                        push_id,
                        &PushEnd {
                            state: r.state,
                            handle: r.handle.as_deref(),
                            error: r.error.clone(),
                            exchanges: &r.exchanges,
                            items: &r.items,
                        },
                        now,
                    )?;
                }
                // Every call's rows at once: set-based statements for the whole claim.
                outbox::settle(c, &owner, &settles, now)?;
                Ok(pending)
            })
        })
        .await
        .map_err(|e| MarketError::Transient(format!("cannot record the push: {e}")))?;
    for push_id in pending {
        state
            .queue
            .enqueue_after(
                &CheckPush {
                    marketplace_id: account_id,
                    push_id,
                },
                state.markets.time().to_real(CHECK_EVERY_SECS),
            )
            .await
            .map_err(|e| MarketError::Transient(format!("cannot queue the push check: {e}")))?;
    }
    Ok(())
}

fn pending_owner(push_id: i64) -> String {
    format!("push:{push_id}")
}

fn item(r: &Claimed, state: &'static str, rejection: Option<Rejection>) -> PushItem {
    PushItem {
        listing_id: Some(r.listing_id),
        sku: r.sku.clone(),
        quantity: Some(r.quantity),
        state,
        rejection,
    }
}

/// Matches the marketplace's per-item answers to the rows (by SKU). A row the answer does not
/// mention is sent again later: the marketplace did not say it took it.
fn settle_items(
    rows: &[Claimed],
    outcomes: &[ItemOutcome<()>],
    now: i64,
) -> (Vec<(Claimed, Settle)>, Vec<PushItem>) {
    let by_sku: std::collections::HashMap<&str, &ItemOutcome<()>> =
        outcomes.iter().map(|o| (o.sku.as_str(), o)).collect();
    let mut settles = Vec::with_capacity(rows.len());
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let (settle, it) = match by_sku.get(r.sku.as_str()).map(|o| &o.result) {
            Some(Ok(())) => (Settle::Accepted, item(r, "accepted", None)),
            Some(Err(rej)) if rej.retryable => {
                let wait = backoff(
                    r.attempts + 1,
                    Duration::from_secs(5),
                    Duration::from_secs(900),
                    &mut rand::rng(),
                );
                (
                    Settle::Retry {
                        not_before: now + wait.as_millis() as i64,
                        reason: Some(rej.clone()),
                    },
                    item(r, "rejected", Some(rej.clone())),
                )
            }
            Some(Err(rej)) => (
                Settle::Rejected(rej.clone()),
                item(r, "rejected", Some(rej.clone())),
            ),
            None => {
                let rej = Rejection::new(
                    "NO_ANSWER",
                    "the marketplace's answer does not mention this SKU",
                )
                .retryable();
                (
                    Settle::Retry {
                        not_before: now + 30_000,
                        reason: Some(rej.clone()),
                    },
                    item(r, "rejected", Some(rej)),
                )
            }
        };
        settles.push((r.clone(), settle));
        items.push(it);
    }
    (settles, items)
}

/// Asks the marketplace for the results of a push it processes later (an Amazon feed), and
/// settles its items when they are in.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckPush {
    pub marketplace_id: i64,
    pub push_id: i64,
}

impl Job for CheckPush {
    const KIND: &'static str = "marketplace.push.check";
    const PRIORITY: i32 = 10;
    type Context = AppState;

    fn dedup_key(&self) -> Option<String> {
        Some(self.push_id.to_string())
    }

    async fn run(self, state: AppState) -> anyhow::Result<()> {
        let (account, adapter) = state.markets.get(&state.db, self.marketplace_id).await?;
        let push_id = self.push_id;
        let handle: Option<String> = state
            .db
            .run(move |c| outbox::pending_handle(c, push_id))
            .await?;
        let Some(handle) = handle else {
            return Ok(()); // settled already
        };
        let result = match adapter.check_pending(&handle).await {
            Ok(None) => {
                state
                    .queue
                    .enqueue_after(&self, state.markets.time().to_real(RECHECK_EVERY_SECS))
                    .await?;
                return Ok(());
            }
            Ok(Some(r)) => r,
            Err(e) if e.retry_after().is_some() => {
                state
                    .queue
                    .enqueue_after(&self, e.retry_after().unwrap_or_default())
                    .await?;
                return Ok(());
            }
            Err(e) => return Err(anyhow!("account {} ({}): {e}", account.id, account.name)),
        };
        let now = now_ms();
        let holder = pending_owner(push_id);
        let touched = state
            .db
            .write(move |c| {
                c.transaction(|c| {
                    let rows = outbox::held_by(c, &holder)?;
                    let (settles, items) = settle_items(&rows, &result.items, now);
                    let refs: Vec<(&Claimed, Settle)> =
                        settles.iter().map(|(r, s)| (r, s.clone())).collect();
                    outbox::settle(c, &holder, &refs, now)?;
                    let rejected = items.iter().any(|i| i.state == "rejected");
                    outbox::end_push(
                        c,
                        push_id,
                        &PushEnd {
                            state: if rejected { "partial" } else { "done" },
                            handle: Some(&handle),
                            error: None,
                            exchanges: &result.exchanges,
                            items: &items,
                        },
                        now,
                    )?;
                    Ok(rows.len())
                })
            })
            .await?;
        state.queue.data_changed();
        log::info!(
            "account {} ({}): push {push_id} processed, {touched} item(s) settled",
            account.id,
            account.name
        );
        // Items refused for now, and quantities queued meanwhile, go out with the next push.
        state
            .queue
            .enqueue_after(&PushStock::new(self.marketplace_id), Duration::ZERO)
            .await?;
        Ok(())
    }
}
