//! Listings: hub products offered on a marketplace account. A listing marked dirty (new, its
//! product changed, or an admin asked) is sent as an offer (title, description, price, barcode,
//! quantity); the marketplace's ids are kept in `listings`, so later stock pushes and orders find
//! the SKU. A listing without marketplace ids is first looked up by SKU, so that an offer the
//! seller already has is linked and updated rather than duplicated.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::anyhow;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::accounts::Account;
use super::allocation::scope_key;
use super::outbox::{self, PushEnd, PushItem};
use super::stock::figures;
use crate::db::DbConnection;
use crate::db::schema::{listings as l, products as pr};
use crate::jobs::{Job, now_ms, runner::permanent};
use crate::marketplaces::{ListingIds, MarketError, Offer, Rejection};
use crate::state::AppState;

/// A dirty listing with its product.
#[derive(Debug, Clone)]
struct Due {
    listing_id: i64,
    odoo_id: Option<i64>,
    offer: Offer,
}

type Row = (
    i64,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
    String,
    Option<String>,
    f64,
    Option<String>,
    String,
    Option<i64>,
);

fn attributes(json: &str) -> Vec<(String, String)> {
    // Stored as {"Color": "Red", ...} or [["Color", "Red"], ...]; anything else has none.
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Object(o)) => o
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
            .collect(),
        Ok(serde_json::Value::Array(a)) => a
            .into_iter()
            .filter_map(|pair| {
                let pair = pair.as_array()?;
                Some((
                    pair.first()?.as_str()?.to_string(),
                    pair.get(1)?.as_str()?.to_string(),
                ))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Up to `limit` dirty listings of an account after listing `after`, with the offer each should
/// show.
fn due(
    conn: &mut DbConnection,
    account: &Account,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Due>> {
    let rows: Vec<Row> = l::table
        .inner_join(pr::table)
        .filter(l::marketplace_id.eq(account.id))
        .filter(l::dirty.eq(1))
        .filter(l::id.gt(after))
        .order(l::id)
        .limit(limit)
        .select((
            l::id,
            l::sku,
            l::external_id,
            l::external_ref,
            pr::id,
            pr::odoo_id,
            pr::display_name,
            pr::description,
            pr::list_price,
            pr::barcode,
            pr::attributes,
            l::last_quantity,
        ))
        .load(conn)?;
    let odoo_ids: Vec<i64> = rows.iter().filter_map(|r| r.5).collect();
    let product_ids: Vec<i64> = rows.iter().map(|r| r.4).collect();
    let (levels, reserved) = figures(conn, &odoo_ids, &product_ids)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                listing_id,
                sku,
                external_id,
                external_ref,
                product_id,
                odoo_id,
                title,
                description,
                price,
                barcode,
                attrs,
                last,
            )| {
                // The quantity the stock flow would give it; what was last shown when the
                // hub has no figures yet (unknown is not zero), else nothing.
                let quantity = match (&account.policy, odoo_id) {
                    (Ok(policy), Some(odoo_id)) => {
                        levels.get(&(odoo_id, scope_key(&policy.scope))).map(|lv| {
                            policy.allocate(lv, reserved.get(&product_id).copied().unwrap_or(0.0))
                        })
                    }
                    _ => None,
                }
                .or(last)
                .unwrap_or(0);
                let ids = (external_id.is_some() || external_ref.is_some()).then(|| ListingIds {
                    sku: sku.clone(),
                    external_id,
                    external_ref,
                    quantity: last,
                    active: true,
                });
                Due {
                    listing_id,
                    odoo_id,
                    offer: Offer {
                        sku,
                        title,
                        description: description.unwrap_or_default(),
                        price,
                        barcode: barcode.filter(|b| !b.is_empty()),
                        quantity,
                        attributes: attributes(&attrs),
                        ids,
                    },
                }
            },
        )
        .collect())
}

/// How long offers the marketplace refused for now wait before they are sent again.
const RETRY_REFUSED_SECS: u64 = 60;

/// Sends an account's dirty listings as offers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PushListings {
    pub marketplace_id: i64,
}

impl Job for PushListings {
    const KIND: &'static str = "marketplace.listings.push";
    type Context = AppState;

    fn dedup_key(&self) -> Option<String> {
        Some(self.marketplace_id.to_string())
    }

    async fn run(self, state: AppState) -> anyhow::Result<()> {
        let (account, adapter) = state.markets.get(&state.db, self.marketplace_id).await?;
        if !account.enabled {
            return Ok(());
        }
        let per_call = adapter.max_offers_per_call().max(1);
        let mut pushed = 0;
        // One pass over the dirty listings: those refused for now stay dirty and are tried
        // again by a later job, not at once in a loop.
        let mut after = 0;
        let mut refused_for_now = false;
        loop {
            let acc = account.clone();
            let mut batch = state
                .db
                .run(move |c| due(c, &acc, after, per_call as i64))
                .await?;
            let Some(last) = batch.last() else {
                break;
            };
            after = last.listing_id;
            // Link by SKU what the hub has no ids for yet.
            let unknown: Vec<String> = batch
                .iter()
                .filter(|d| d.offer.ids.is_none())
                .map(|d| d.offer.sku.clone())
                .collect();
            if !unknown.is_empty() {
                match adapter.find_listings(&unknown).await {
                    Ok(found) => {
                        let found: HashMap<String, ListingIds> =
                            found.into_iter().map(|f| (f.sku.clone(), f)).collect();
                        for d in &mut batch {
                            if d.offer.ids.is_none() {
                                d.offer.ids = found.get(&d.offer.sku).cloned();
                            }
                        }
                    }
                    Err(e) => return handle_error(&state, &self, &account, e).await,
                }
            }
            let offers: Vec<Offer> = batch.iter().map(|d| d.offer.clone()).collect();
            let started = now_ms();
            match adapter.upsert_offers(&offers).await {
                Ok(result) => {
                    let now = now_ms();
                    let by_sku: HashMap<String, Result<ListingIds, Rejection>> = result
                        .items
                        .into_iter()
                        .map(|o| (o.sku, o.result))
                        .collect();
                    let id = account.id;
                    let exchanges = result.exchanges;
                    let odoo_ids: Vec<i64> = batch.iter().filter_map(|d| d.odoo_id).collect();
                    refused_for_now |= batch.iter().any(|d| {
                        !matches!(
                            by_sku.get(&d.offer.sku),
                            Some(
                                Ok(_)
                                    | Err(Rejection {
                                        retryable: false,
                                        ..
                                    })
                            )
                        )
                    });
                    state
                        .db
                        .write(move |c| settle(c, id, &batch, &by_sku, &exchanges, started, now))
                        .await?;
                    pushed += offers.len();
                    state.queue.data_changed();
                    // The offers carried the quantities the hub knew; Odoo's current figures
                    // follow through the stock flow (which sends only what differs).
                    if !odoo_ids.is_empty() {
                        state
                            .queue
                            .enqueue(&crate::sync::stock::SyncStockIds { ids: odoo_ids })
                            .await?;
                    }
                }
                Err(e) => return handle_error(&state, &self, &account, e).await,
            }
        }
        if refused_for_now {
            state
                .queue
                .enqueue_after(&self, Duration::from_secs(RETRY_REFUSED_SECS))
                .await?;
        }
        if pushed > 0 {
            log::info!(
                "account {} ({}): {pushed} offer(s) pushed",
                account.id,
                account.name
            );
        }
        Ok(())
    }
}

async fn handle_error(
    state: &AppState,
    job: &PushListings,
    account: &Account,
    e: MarketError,
) -> anyhow::Result<()> {
    match e.retry_after() {
        Some(wait) => {
            state.queue.enqueue_after(job, wait).await?;
            Ok(())
        }
        None if e.is_retryable() => Err(anyhow!(e)),
        None => Err(permanent(format!(
            "account {} ({}): {e}",
            account.id, account.name
        ))),
    }
}

#[allow(clippy::too_many_arguments)]
fn settle(
    conn: &mut DbConnection,
    account_id: i64,
    batch: &[Due],
    results: &HashMap<String, Result<ListingIds, Rejection>>,
    exchanges: &[crate::marketplaces::Exchange],
    started: i64,
    now: i64,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        let push_id = outbox::begin_push(conn, account_id, "listing", batch.len() as i32, started)?;
        let mut items = Vec::with_capacity(batch.len());
        for d in batch {
            let row = l::table.filter(l::id.eq(d.listing_id));
            match results.get(&d.offer.sku) {
                Some(Ok(ids)) => {
                    diesel::update(row)
                        .set((
                            l::external_id.eq(ids.external_id.as_deref()),
                            l::external_ref.eq(ids.external_ref.as_deref()),
                            l::status.eq(if ids.active { "active" } else { "pending" }),
                            l::dirty.eq(0),
                            l::last_price.eq(d.offer.price),
                            l::last_quantity.eq(d.offer.quantity),
                            l::last_pushed_at.eq(now),
                            l::last_error.eq(None::<String>),
                            l::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                    items.push(PushItem {
                        listing_id: Some(d.listing_id),
                        sku: d.offer.sku.clone(),
                        quantity: Some(d.offer.quantity),
                        state: "accepted",
                        rejection: None,
                    });
                }
                other => {
                    let rejection = match other {
                        Some(Err(r)) => r.clone(),
                        _ => Rejection::new(
                            "NO_ANSWER",
                            "the marketplace's answer does not mention this SKU",
                        )
                        .retryable(),
                    };
                    diesel::update(row)
                        .set((
                            l::status.eq("error"),
                            // A refusal for now is tried again with the next push.
                            l::dirty.eq(i32::from(rejection.retryable)),
                            l::last_error.eq(format!("{}: {}", rejection.code, rejection.message)),
                            l::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                    items.push(PushItem {
                        listing_id: Some(d.listing_id),
                        sku: d.offer.sku.clone(),
                        quantity: Some(d.offer.quantity),
                        state: "rejected",
                        rejection: Some(rejection),
                    });
                }
            }
        }
        let rejected = items.iter().any(|i| i.state == "rejected");
        outbox::end_push(
            conn,
            push_id,
            &PushEnd {
                state: if rejected { "partial" } else { "done" },
                handle: None,
                error: None,
                exchanges,
                items: &items,
            },
            now,
        )
    })
}

/// Marks the listings of these hub products dirty (their offer changed) and returns the accounts
/// concerned.
pub fn mark_products_dirty(
    conn: &mut DbConnection,
    product_ids: &[i64],
    now: i64,
) -> QueryResult<Vec<i64>> {
    let mut accounts = Vec::new();
    for chunk in product_ids.chunks(500) {
        diesel::update(l::table.filter(l::product_id.eq_any(chunk)))
            .set((l::dirty.eq(1), l::updated_at.eq(now)))
            .execute(conn)?;
        accounts.extend(
            l::table
                .filter(l::product_id.eq_any(chunk))
                .select(l::marketplace_id)
                .distinct()
                .load::<i64>(conn)?,
        );
    }
    accounts.sort_unstable();
    accounts.dedup();
    Ok(accounts)
}

/// Queues the listing push of each account, after `delay`.
pub async fn queue_pushes(
    state: &AppState,
    accounts: &[i64],
    delay: Duration,
) -> anyhow::Result<()> {
    for &marketplace_id in accounts {
        state
            .queue
            .enqueue_after(&PushListings { marketplace_id }, delay)
            .await?;
    }
    Ok(())
}

/// Lists hub products on these accounts: every active product with a SKU (or those of `only`)
/// not listed there yet, as draft listings with an offer to send. Returns how many were made.
pub fn publish(
    conn: &mut DbConnection,
    accounts: &[i64],
    only: Option<&[i64]>,
    now: i64,
) -> QueryResult<usize> {
    use crate::db::schema::marketplaces as m;
    conn.transaction(|c| {
        let known: Vec<i64> = m::table
            .filter(m::id.eq_any(accounts))
            .select(m::id)
            .load(c)?;
        let products: Vec<(i64, String)> = pr::table
            .filter(pr::active.eq(1))
            .filter(pr::sku.is_not_null())
            .filter(pr::sku.ne(""))
            .select((pr::id, pr::sku.assume_not_null()))
            .order(pr::id)
            .load(c)?;
        let mut made = 0usize;
        for account in known {
            let listed: std::collections::HashSet<String> = l::table
                .filter(l::marketplace_id.eq(account))
                .select(l::sku)
                .load::<String>(c)?
                .into_iter()
                .collect();
            let rows: Vec<_> = products
                .iter()
                .filter(|(id, sku)| only.is_none_or(|o| o.contains(id)) && !listed.contains(sku))
                .map(|(id, sku)| {
                    (
                        l::marketplace_id.eq(account),
                        l::product_id.eq(Some(*id)),
                        l::sku.eq(sku.clone()),
                        l::status.eq("draft"),
                        l::dirty.eq(1),
                        l::created_at.eq(now),
                        l::updated_at.eq(now),
                    )
                })
                .collect();
            for chunk in rows.chunks(500) {
                made += crate::with_backend!(&mut *c, |c| diesel::insert_into(l::table)
                    .values(chunk)
                    .execute(c))?;
            }
        }
        Ok(made)
    })
}

/// Sandbox mode: the catalog is listed on every sandbox account as soon as it is imported, so
/// that a new user sees flow 2 run without doing anything.
pub async fn publish_in_sandbox(state: &AppState) -> anyhow::Result<()> {
    if state.settings.mode != crate::config::Mode::Sandbox || state.market_sims.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = crate::marketplaces::DRIVERS
        .iter()
        .map(|d| crate::startup::sandbox_account_name(d.label))
        .collect();
    let now = now_ms();
    let (accounts, made) = state
        .db
        .write(move |c| {
            use crate::db::schema::marketplaces as m;
            let accounts: Vec<i64> = m::table
                .filter(m::name.eq_any(&names))
                .select(m::id)
                .load(c)?;
            let made = publish(c, &accounts, None, now)?;
            Ok((accounts, made))
        })
        .await?;
    if made > 0 {
        log::info!("sandbox: {made} listing(s) made on the simulated marketplaces");
        state.queue.data_changed();
        queue_pushes(state, &accounts, Duration::ZERO).await?;
    }
    Ok(())
}
