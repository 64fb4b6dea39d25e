//! Stock, Odoo -> hub -> marketplaces (flow 2). The quantities of the variants Odoo reports as
//! changed (the addon's `notify_stock_changed`, or the periodic poll) are read on every basis (on
//! hand, free, forecast) for every stock scope an account counts from, kept in `stock_levels`,
//! and allocated to each listing by its account's rules ([`super::allocation`]). What changed
//! goes to the stock outbox, and one push job per account sends it after the debounce
//! ([`super::stock_push`]).

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use anyhow::Context as _;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::accounts::{self, Account};
use super::allocation::{Levels, parse_scope, scope_key};
use super::outbox;
use super::stock_push::PushStock;
use crate::db::DbConnection;
use crate::db::schema::{
    listings as l, order_lines as ol, orders as o, products as pr, stock_levels, stock_outbox as so,
};
use crate::jobs::{Job, now_ms};
use crate::odoo::OdooClient;
use crate::odoo::stock::{StockBasis, StockScope};
use crate::state::AppState;

/// One variant's quantities.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantities {
    pub odoo_product_id: i64,
    pub on_hand: f64,
    pub free: f64,
    pub forecast: f64,
}

/// Reads the quantities of `ids` in `scope` from Odoo (variants that no longer exist are left
/// out).
pub async fn read_quantities(
    client: &OdooClient,
    ids: &[i64],
    scope: &StockScope,
) -> anyhow::Result<Vec<Quantities>> {
    let fields = [
        StockBasis::OnHand.field(),
        StockBasis::Free.field(),
        StockBasis::Forecast.field(),
    ];
    client
        .read("product.product", ids, &fields, scope.context())
        .await?
        .iter()
        .map(|r| {
            Ok(Quantities {
                odoo_product_id: r.id(),
                on_hand: r.float(fields[0])?,
                free: r.float(fields[1])?,
                forecast: r.float(fields[2])?,
            })
        })
        .collect()
}

/// Stores quantities of one scope (insert or replace); returns how many rows were written.
pub fn store(
    conn: &mut DbConnection,
    scope: &str,
    levels: &[Quantities],
    now: i64,
) -> QueryResult<usize> {
    let mut n = 0;
    for q in levels {
        n += crate::with_backend!(&mut *conn, |c| diesel::insert_into(stock_levels::table)
            .values((
                stock_levels::odoo_product_id.eq(q.odoo_product_id),
                stock_levels::scope.eq(scope),
                stock_levels::on_hand.eq(q.on_hand),
                stock_levels::free.eq(q.free),
                stock_levels::forecast.eq(q.forecast),
                stock_levels::updated_at.eq(now),
            ))
            .on_conflict((stock_levels::odoo_product_id, stock_levels::scope))
            .do_update()
            .set((
                stock_levels::on_hand.eq(q.on_hand),
                stock_levels::free.eq(q.free),
                stock_levels::forecast.eq(q.forecast),
                stock_levels::updated_at.eq(now),
            ))
            .execute(c))?;
    }
    Ok(n)
}

/// The stock scopes to read: Odoo's default, and every enabled account's own.
pub fn scopes(accounts: &[Account]) -> Vec<StockScope> {
    let mut keys = BTreeSet::from([String::new()]);
    for a in accounts.iter().filter(|a| a.enabled) {
        if let Ok(p) = &a.policy {
            keys.insert(scope_key(&p.scope));
        }
    }
    keys.iter().map(|k| parse_scope(k)).collect()
}

/// Order states whose quantities Odoo does not count yet: imported into the hub, not yet (or
/// never successfully) created in Odoo.
pub const NOT_YET_IN_ODOO: &[&str] = super::orders::state::RESERVING;

/// Allocates the stock of these variants (Odoo ids) to every live listing of every enabled
/// account, and queues the quantities that differ from what the marketplace has or is about to
/// get. Listings whose variant has no figures yet are left alone (unknown is not zero). Returns
/// the accounts that have something new to push. One transaction (one commit for a page).
pub fn allocate(
    conn: &mut DbConnection,
    accounts: &[Account],
    odoo_ids: &[i64],
    now: i64,
) -> QueryResult<BTreeSet<i64>> {
    conn.transaction(|c| allocate_in(c, accounts, odoo_ids, now))
}

fn allocate_in(
    conn: &mut DbConnection,
    accounts: &[Account],
    odoo_ids: &[i64],
    now: i64,
) -> QueryResult<BTreeSet<i64>> {
    let live: HashMap<i64, &Account> = accounts
        .iter()
        .filter(|a| a.enabled && a.policy.is_ok())
        .map(|a| (a.id, a))
        .collect();
    let mut touched = BTreeSet::new();
    if live.is_empty() {
        return Ok(touched);
    }
    for chunk in odoo_ids.chunks(outbox::in_list(conn)) {
        // Products by Odoo id, then their listings by product: two index look-ups. (One join
        // lets SQLite walk every listing of the accounts instead, for each page.)
        let products: HashMap<i64, i64> = pr::table
            .filter(pr::odoo_id.eq_any(chunk))
            .select((pr::id, pr::odoo_id.assume_not_null()))
            .load::<(i64, i64)>(conn)?
            .into_iter()
            .collect();
        if products.is_empty() {
            continue;
        }
        let product_ids: Vec<i64> = products.keys().copied().collect();
        // What the marketplaces are about to get, read BEFORE what they have: a push that
        // settles in between (its outbox row deleted and `last_quantity` set, in one commit) is
        // then seen either as still waiting or as done, never as neither. (On PostgreSQL each
        // statement sees the commits made before it starts.)
        let waiting: HashMap<i64, i64> = so::table
            .inner_join(l::table)
            .filter(l::product_id.eq_any(&product_ids))
            .select((so::listing_id, so::quantity))
            .load::<(i64, i64)>(conn)?
            .into_iter()
            .collect();
        let listings: Vec<(i64, i64, i64, i64, Option<i64>)> = l::table
            .filter(l::product_id.eq_any(&product_ids))
            .select((
                l::id,
                l::marketplace_id,
                l::product_id.assume_not_null(),
                l::status,
                l::last_quantity,
            ))
            .load::<(i64, i64, i64, String, Option<i64>)>(conn)?
            .into_iter()
            .filter(|(_, account, _, status, _)| {
                live.contains_key(account) && (status == "active" || status == "pending")
            })
            .filter_map(|(id, account, product, _, last)| {
                Some((id, account, product, *products.get(&product)?, last))
            })
            .collect();
        if listings.is_empty() {
            continue;
        }
        let (levels, reserved) = figures(conn, chunk, &product_ids)?;
        let mut queue = Vec::new();
        for (listing_id, account_id, product_id, odoo_id, last) in listings {
            let Some(Ok(policy)) = live.get(&account_id).map(|a| &a.policy) else {
                continue;
            };
            let Some(levels) = levels.get(&(odoo_id, scope_key(&policy.scope))) else {
                continue;
            };
            let target = policy.allocate(levels, reserved.get(&product_id).copied().unwrap_or(0.0));
            let current = waiting.get(&listing_id).copied().or(last);
            if current != Some(target) {
                queue.push((listing_id, account_id, target));
                touched.insert(account_id);
            }
        }
        outbox::queue(conn, &queue, now)?;
    }
    Ok(touched)
}

/// Odoo's figures of these variants (by Odoo id and scope), and what imported orders not yet in
/// Odoo take of these products (by hub product id).
#[allow(clippy::type_complexity)]
pub fn figures(
    conn: &mut DbConnection,
    odoo_ids: &[i64],
    product_ids: &[i64],
) -> QueryResult<(HashMap<(i64, String), Levels>, HashMap<i64, f64>)> {
    let mut levels = HashMap::new();
    for chunk in odoo_ids.chunks(outbox::in_list(conn)) {
        let rows = stock_levels::table
            .filter(stock_levels::odoo_product_id.eq_any(chunk))
            .select((
                stock_levels::odoo_product_id,
                stock_levels::scope,
                stock_levels::on_hand,
                stock_levels::free,
                stock_levels::forecast,
            ))
            .load::<(i64, String, f64, f64, f64)>(conn)?;
        levels.extend(
            rows.into_iter()
                .map(|(id, scope, on_hand, free, forecast)| {
                    (
                        (id, scope),
                        Levels {
                            on_hand,
                            free,
                            forecast,
                        },
                    )
                }),
        );
    }
    let mut reserved = HashMap::new();
    for chunk in product_ids.chunks(outbox::in_list(conn)) {
        let rows = ol::table
            .inner_join(o::table)
            .filter(o::state.eq_any(NOT_YET_IN_ODOO))
            .filter(ol::product_id.eq_any(chunk))
            .group_by(ol::product_id)
            .select((ol::product_id, diesel::dsl::sum(ol::quantity)))
            .load::<(Option<i64>, Option<f64>)>(conn)?;
        reserved.extend(
            rows.into_iter()
                .filter_map(|(id, q)| Some((id?, q.unwrap_or(0.0)))),
        );
    }
    Ok((levels, reserved))
}

/// Reads the quantities of `ids` in every scope, stores them and allocates them; returns the
/// accounts that have something new to push.
pub async fn refresh(state: &AppState, ids: Vec<i64>) -> anyhow::Result<BTreeSet<i64>> {
    refresh_then(state, ids, |_| Ok(())).await
}

/// [`refresh`], with `also` run in the transaction that stores the quantities: the orders flow
/// records Odoo's confirmation of orders there, so that their reservation ends exactly when
/// quantities that count them arrive.
pub async fn refresh_then<F>(
    state: &AppState,
    ids: Vec<i64>,
    also: F,
) -> anyhow::Result<BTreeSet<i64>>
where
    F: FnOnce(&mut DbConnection) -> QueryResult<()> + Send + 'static,
{
    let client = state.odoo.client().await.context("connecting to Odoo")?;
    let accounts = state.db.run(accounts::load_all).await?;
    let mut read = Vec::new();
    for scope in scopes(&accounts) {
        let levels = read_quantities(client, &ids, &scope).await?;
        read.push((scope_key(&scope), levels));
    }
    let now = now_ms();
    Ok(state
        .db
        .write(move |c| {
            c.transaction(|c| {
                for (scope, levels) in &read {
                    store(c, scope, levels, now)?;
                }
                also(c)?;
                allocate(c, &accounts, &ids, now)
            })
        })
        .await?)
}

/// Queues the stock push of each account after `delay` (folded into one already waiting).
pub async fn push_accounts(
    state: &AppState,
    accounts: impl IntoIterator<Item = i64>,
    delay: Duration,
) -> anyhow::Result<()> {
    for marketplace_id in accounts {
        state
            .queue
            .enqueue_after(&PushStock::new(marketplace_id), delay)
            .await?;
    }
    Ok(())
}

/// The accounts whose pushes may start while a stock poll still allocates its pages: those whose
/// calls take no more than a page of quantities, so that a call sent early is as full as one sent
/// at the end. Accounts whose calls take more (Amazon's feeds of 25,000, of which few may be
/// submitted) wait for the whole allocation and go out in the fewest, fullest calls.
pub fn early_accounts(state: &AppState, accounts: &[Account], page: usize) -> BTreeSet<i64> {
    accounts
        .iter()
        .filter(|a| a.enabled && a.policy.is_ok())
        .filter(|a| {
            // An account without a working adapter waits for the end of the poll, which logs
            // why it cannot be pushed.
            state
                .markets
                .adapter(a)
                .is_ok_and(|m| m.max_quantities_per_call() <= page)
        })
        .map(|a| a.id)
        .collect()
}

/// Queues the stock push of each of these accounts that has none queued or running (a running
/// push takes the rows queued meanwhile with its next claim; one that has just ended leaves
/// them to the next call of this, or to the push queued at the end of the poll).
pub async fn push_idle_accounts(
    state: &AppState,
    accounts: impl IntoIterator<Item = i64>,
) -> anyhow::Result<()> {
    use crate::db::schema::jobs as j;
    let keys: Vec<String> = accounts.into_iter().map(|id| id.to_string()).collect();
    if keys.is_empty() {
        return Ok(());
    }
    let asked = keys.clone();
    let busy: Vec<Option<String>> = state
        .db
        .run(move |c| {
            j::table
                .filter(j::kind.eq(PushStock::KIND))
                .filter(j::state.eq_any(["queued", "running"]))
                .filter(j::dedup_key.eq_any(&asked))
                .select(j::dedup_key)
                .load(c)
        })
        .await?;
    // A plain loop rather than closures: the future must be `Send` for any lifetime.
    let mut idle: Vec<i64> = Vec::new();
    for k in &keys {
        if !busy.contains(&Some(k.clone()))
            && let Ok(id) = k.parse()
        {
            idle.push(id);
        }
    }
    push_accounts(state, idle, Duration::ZERO).await
}

/// Reads the quantities of the variants Odoo reported as changed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SyncStockIds {
    pub ids: Vec<i64>,
}

impl Job for SyncStockIds {
    const KIND: &'static str = "odoo.stock.sync_ids";
    /// Stock before catalog work.
    const PRIORITY: i32 = 10;
    type Context = AppState;

    async fn run(self, state: AppState) -> anyhow::Result<()> {
        let n = self.ids.len();
        let touched = refresh(&state, self.ids).await?;
        log::info!(
            "stock of {n} variant(s) read from Odoo; {} account(s) to push",
            touched.len()
        );
        let debounce = Duration::from_millis(state.settings.stock.debounce_ms);
        push_accounts(&state, touched, debounce).await
    }
}

/// The safety net behind the addon: every storable variant the hub knows is read again from
/// Odoo, page by page, and whatever differs from the marketplaces is pushed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PollStock {}

impl Job for PollStock {
    const KIND: &'static str = "odoo.stock.poll";
    const PRIORITY: i32 = 5;
    type Context = AppState;

    fn dedup_key(&self) -> Option<String> {
        Some("poll".into())
    }

    async fn run(self, state: AppState) -> anyhow::Result<()> {
        let ids: Vec<i64> = state
            .db
            .run(|c| {
                pr::table
                    .filter(pr::odoo_id.is_not_null())
                    .filter(pr::storable.eq(1))
                    .order(pr::odoo_id)
                    .select(pr::odoo_id.assume_not_null())
                    .load(c)
            })
            .await?;
        let batch = state.settings.stock.read_batch.max(1);
        // Accounts that take whole feeds (an Amazon feed of 25,000 rather than one small feed a
        // page, when five feeds are allowed per five minutes) are pushed once every page is
        // allocated; the others start with the first page, so that their limits' pace, not the
        // allocation, sets how long they take.
        let accounts = state.db.run(accounts::load_all).await?;
        let early = early_accounts(&state, &accounts, batch);
        for page in ids.chunks(batch) {
            let touched = refresh(&state, page.to_vec()).await?;
            push_idle_accounts(&state, touched.intersection(&early).copied()).await?;
        }
        log::info!("stock poll: {} variant(s) read from Odoo", ids.len());
        // What this poll queued, and quantities left waiting before (a push that gave up on bad
        // credentials, a lost job), go out.
        let waiting: Vec<i64> = state
            .db
            .run(|c| {
                crate::db::schema::stock_outbox::table
                    .select(crate::db::schema::stock_outbox::marketplace_id)
                    .distinct()
                    .load(c)
            })
            .await?;
        push_accounts(&state, waiting, Duration::ZERO).await?;
        let dirty: Vec<i64> = state
            .db
            .run(|c| {
                l::table
                    .filter(l::dirty.eq(1))
                    .filter(l::product_id.is_not_null())
                    .select(l::marketplace_id)
                    .distinct()
                    .load(c)
            })
            .await?;
        super::listings::queue_pushes(&state, &dirty, Duration::ZERO).await?;
        Ok(())
    }
}
