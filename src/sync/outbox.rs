//! The stock outbox: the newest quantity waiting to go out per listing, and the record of every
//! push. Coalescing happens here (a newer quantity replaces an older one and bumps its version)
//! and so does ordering: a push claims its rows, so one listing is never sent by two pushes at
//! once, and a push removes a row only when it sent that row's newest version.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{listings as l, push_items as pi, pushes as p, stock_outbox as so};
use crate::marketplaces::{Exchange, ListingIds, Rejection};

/// How many ids one `IN` list takes: PostgreSQL binds the whole list as one array parameter
/// (one statement, prepared once); SQLite binds each id.
pub fn in_list(conn: &DbConnection) -> usize {
    match conn {
        DbConnection::Postgresql(_) => 100_000,
        DbConnection::Sqlite(_) => 500,
    }
}

/// A claimed row with what the adapter needs to send it.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    pub listing_id: i64,
    pub version: i64,
    pub quantity: i64,
    pub attempts: i32,
    pub sku: String,
    pub ids: ListingIds,
    /// What the marketplace last accepted (compare-and-set).
    pub last_quantity: Option<i64>,
}

/// Queues quantities (listing id, account id, quantity): new rows, or a newer value for a row
/// already waiting (even one a push holds: the version tells that push not to remove it).
pub fn queue(conn: &mut DbConnection, items: &[(i64, i64, i64)], now: i64) -> QueryResult<usize> {
    use diesel::upsert::excluded;
    if let DbConnection::Postgresql(c) = conn {
        return queue_pg(c, items, now);
    }
    let mut n = 0;
    // One statement per chunk: a full stock poll queues hundreds of thousands of rows.
    for chunk in items.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|&(listing_id, marketplace_id, quantity)| {
                (
                    so::listing_id.eq(listing_id),
                    so::marketplace_id.eq(marketplace_id),
                    so::quantity.eq(quantity),
                    so::version.eq(1i64),
                    so::queued_at.eq(now),
                )
            })
            .collect();
        n += crate::with_backend!(&mut *conn, |c| diesel::insert_into(so::table)
            .values(&rows)
            .on_conflict(so::listing_id)
            .do_update()
            .set((
                so::quantity.eq(excluded(so::quantity)),
                so::version.eq(so::version + 1i64),
                so::queued_at.eq(excluded(so::queued_at)),
                so::not_before.eq(0i64),
                so::attempts.eq(0),
            ))
            .execute(c))?;
    }
    Ok(n)
}

/// [`queue`] on PostgreSQL: the rows as three arrays, in one statement of the same text whatever
/// their number (rather than a statement of thousands of parameters, planned anew, per 500 rows).
fn queue_pg(
    conn: &mut diesel::PgConnection,
    items: &[(i64, i64, i64)],
    now: i64,
) -> QueryResult<usize> {
    use diesel::sql_types::{Array, BigInt};
    let mut n = 0;
    for chunk in items.chunks(10_000) {
        let listing_ids: Vec<i64> = chunk.iter().map(|r| r.0).collect();
        let accounts: Vec<i64> = chunk.iter().map(|r| r.1).collect();
        let quantities: Vec<i64> = chunk.iter().map(|r| r.2).collect();
        n += diesel::sql_query(
            "INSERT INTO stock_outbox (listing_id, marketplace_id, quantity, version, queued_at) \
             SELECT t.l, t.m, t.q, 1, $4 FROM UNNEST($1::int8[], $2::int8[], $3::int8[]) \
             AS t(l, m, q) \
             ON CONFLICT (listing_id) DO UPDATE SET quantity = EXCLUDED.quantity, \
             version = stock_outbox.version + 1, queued_at = EXCLUDED.queued_at, \
             not_before = 0, attempts = 0",
        )
        .bind::<Array<BigInt>, _>(listing_ids)
        .bind::<Array<BigInt>, _>(accounts)
        .bind::<Array<BigInt>, _>(quantities)
        .bind::<BigInt, _>(now)
        .execute(conn)?;
    }
    Ok(n)
}

/// The quantities waiting for these listings.
pub fn waiting(conn: &mut DbConnection, listing_ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    let mut out = Vec::new();
    for chunk in listing_ids.chunks(in_list(conn)) {
        out.extend(
            so::table
                .filter(so::listing_id.eq_any(chunk))
                .select((so::listing_id, so::quantity))
                .load::<(i64, i64)>(conn)?,
        );
    }
    Ok(out)
}

/// Rows waiting for an account (claimed or not).
pub fn count_waiting(conn: &mut DbConnection, marketplace_id: i64) -> QueryResult<i64> {
    so::table
        .filter(so::marketplace_id.eq(marketplace_id))
        .count()
        .get_result(conn)
}

/// Claims up to `limit` due rows of an account for `owner` until `until`, oldest first.
pub fn claim(
    conn: &mut DbConnection,
    marketplace_id: i64,
    owner: &str,
    limit: i64,
    now: i64,
    until: i64,
) -> QueryResult<Vec<Claimed>> {
    conn.transaction(|conn| {
        let free = so::claim_owner.is_null().or(so::claim_until.lt(now));
        let ids: Vec<i64> = so::table
            .filter(so::marketplace_id.eq(marketplace_id))
            .filter(so::not_before.le(now))
            .filter(free)
            .order((so::queued_at, so::listing_id))
            .limit(limit)
            .select(so::listing_id)
            .load(conn)?;
        for chunk in ids.chunks(in_list(conn)) {
            // The claim re-checks that the row is free: a concurrent claim may have won it.
            diesel::update(
                so::table
                    .filter(so::listing_id.eq_any(chunk))
                    .filter(so::claim_owner.is_null().or(so::claim_until.lt(now))),
            )
            .set((so::claim_owner.eq(owner), so::claim_until.eq(until)))
            .execute(conn)?;
        }
        let mut out = load_claimed(conn, owner, &ids)?;
        let order: std::collections::HashMap<i64, usize> =
            ids.iter().enumerate().map(|(n, id)| (*id, n)).collect();
        out.sort_by_key(|c| order.get(&c.listing_id).copied());
        Ok(out)
    })
}

/// The rows of `ids` that `owner` holds, with their listings.
fn load_claimed(conn: &mut DbConnection, owner: &str, ids: &[i64]) -> QueryResult<Vec<Claimed>> {
    type R = (
        i64,
        i64,
        i64,
        i32,
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(in_list(conn)) {
        let rows: Vec<R> = so::table
            .inner_join(l::table)
            .filter(so::listing_id.eq_any(chunk))
            .filter(so::claim_owner.eq(owner))
            .select((
                so::listing_id,
                so::version,
                so::quantity,
                so::attempts,
                l::sku,
                l::external_id,
                l::external_ref,
                l::last_quantity,
            ))
            .load(conn)?;
        out.extend(rows.into_iter().map(
            |(listing_id, version, quantity, attempts, sku, external_id, external_ref, last)| {
                Claimed {
                    listing_id,
                    version,
                    quantity,
                    attempts,
                    ids: ListingIds {
                        sku: sku.clone(),
                        external_id,
                        external_ref,
                        quantity: last,
                        active: true,
                    },
                    sku,
                    last_quantity: last,
                }
            },
        ));
    }
    Ok(out)
}

/// What became of one claimed row.
#[derive(Debug, Clone, PartialEq)]
pub enum Settle {
    /// The marketplace took the quantity.
    Accepted,
    /// The marketplace refused it for good: not sent again (a newer quantity will be).
    Rejected(Rejection),
    /// Refused for now (or the whole call failed): sent again from `not_before`.
    Retry {
        not_before: i64,
        reason: Option<Rejection>,
    },
    /// Not sent (the call did not happen): free for the next push at once.
    Release,
    /// Handed to a push the marketplace processes later (the row stays claimed by it).
    Pending { owner: String, until: i64 },
}

/// Applies the outcomes of a push to the outbox and the listings.
pub fn settle(
    conn: &mut DbConnection,
    owner: &str,
    rows: &[(&Claimed, Settle)],
    now: i64,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        // The common case, every item taken, in a few set-based statements rather than two
        // statements a row (a full push settles hundreds of thousands of rows).
        let accepted: Vec<&Claimed> = rows
            .iter()
            .filter(|(_, o)| *o == Settle::Accepted)
            .map(|(r, _)| *r)
            .collect();
        settle_accepted(conn, owner, &accepted, now)?;
        for (row, outcome) in rows {
            let mine = so::table
                .filter(so::listing_id.eq(row.listing_id))
                .filter(so::claim_owner.eq(owner));
            match outcome {
                Settle::Accepted => {}
                Settle::Rejected(r) => {
                    // Removed only when nothing newer arrived meanwhile; else freed for the next
                    // push, which sends the newer value.
                    let removed =
                        diesel::delete(mine.filter(so::version.eq(row.version))).execute(conn)?;
                    if removed == 0 {
                        release(conn, owner, &[row.listing_id])?;
                    }
                    diesel::update(l::table.filter(l::id.eq(row.listing_id)))
                        .set((
                            l::last_error.eq(format!("{}: {}", r.code, r.message)),
                            l::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                }
                Settle::Retry { not_before, reason } => {
                    diesel::update(mine)
                        .set((
                            so::claim_owner.eq(None::<String>),
                            so::claim_until.eq(None::<i64>),
                            so::not_before.eq(*not_before),
                            so::attempts.eq(so::attempts + 1),
                        ))
                        .execute(conn)?;
                    if let Some(r) = reason {
                        let mut set_unknown = false;
                        if r.code.contains("STALE") {
                            // The marketplace's quantity moved (a sale there): the compare value
                            // is forgotten, and the orders flow brings the sale in.
                            set_unknown = true;
                        }
                        let listing = l::table.filter(l::id.eq(row.listing_id));
                        diesel::update(listing)
                            .set((
                                l::last_error.eq(format!("{}: {}", r.code, r.message)),
                                l::updated_at.eq(now),
                            ))
                            .execute(conn)?;
                        if set_unknown {
                            diesel::update(l::table.filter(l::id.eq(row.listing_id)))
                                .set(l::last_quantity.eq(None::<i64>))
                                .execute(conn)?;
                        }
                    }
                }
                Settle::Release => {
                    release(conn, owner, &[row.listing_id])?;
                }
                Settle::Pending { owner: to, until } => {
                    hand_over(conn, owner, &[row.listing_id], to, *until)?;
                }
            }
        }
        Ok(())
    })
}

/// Accepted rows: removed from the outbox when nothing newer arrived meanwhile (else freed for
/// the next push), and their listings record what the marketplace took.
fn settle_accepted(
    conn: &mut DbConnection,
    owner: &str,
    rows: &[&Claimed],
    now: i64,
) -> QueryResult<()> {
    use std::collections::BTreeMap;
    let mut by_version: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let mut by_quantity: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for r in rows {
        by_version.entry(r.version).or_default().push(r.listing_id);
        by_quantity
            .entry(r.quantity)
            .or_default()
            .push(r.listing_id);
    }
    for (version, ids) in by_version {
        for chunk in ids.chunks(in_list(conn)) {
            diesel::delete(
                so::table
                    .filter(so::listing_id.eq_any(chunk))
                    .filter(so::claim_owner.eq(owner))
                    .filter(so::version.eq(version)),
            )
            .execute(conn)?;
        }
    }
    // What is still held has a newer quantity: free for the next push.
    let all: Vec<i64> = rows.iter().map(|r| r.listing_id).collect();
    release(conn, owner, &all)?;
    for (quantity, ids) in by_quantity {
        for chunk in ids.chunks(in_list(conn)) {
            diesel::update(l::table.filter(l::id.eq_any(chunk)))
                .set((
                    l::last_quantity.eq(quantity),
                    l::last_pushed_at.eq(now),
                    l::last_error.eq(None::<String>),
                    l::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Hands the rows of `ids` that `owner` holds to `to` (a push the marketplace processes later)
/// until `until`.
pub fn hand_over(
    conn: &mut DbConnection,
    owner: &str,
    ids: &[i64],
    to: &str,
    until: i64,
) -> QueryResult<()> {
    for chunk in ids.chunks(in_list(conn)) {
        diesel::update(
            so::table
                .filter(so::listing_id.eq_any(chunk))
                .filter(so::claim_owner.eq(owner)),
        )
        .set((so::claim_owner.eq(to), so::claim_until.eq(until)))
        .execute(conn)?;
    }
    Ok(())
}

/// Frees the rows of `ids` that `owner` holds.
fn release(conn: &mut DbConnection, owner: &str, ids: &[i64]) -> QueryResult<()> {
    for chunk in ids.chunks(in_list(conn)) {
        diesel::update(
            so::table
                .filter(so::listing_id.eq_any(chunk))
                .filter(so::claim_owner.eq(owner)),
        )
        .set((
            so::claim_owner.eq(None::<String>),
            so::claim_until.eq(None::<i64>),
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// Rows a pending push holds, as claimed rows (to settle them when its results come).
pub fn held_by(conn: &mut DbConnection, owner: &str) -> QueryResult<Vec<Claimed>> {
    let ids: Vec<i64> = so::table
        .filter(so::claim_owner.eq(owner))
        .select(so::listing_id)
        .load(conn)?;
    load_claimed(conn, owner, &ids)
}

/// One item of a push record.
#[derive(Debug, Clone, PartialEq)]
pub struct PushItem {
    pub listing_id: Option<i64>,
    pub sku: String,
    pub quantity: Option<i64>,
    /// `pending` | `accepted` | `rejected`
    pub state: &'static str,
    pub rejection: Option<Rejection>,
}

/// Starts a push record; returns its id.
pub fn begin_push(
    conn: &mut DbConnection,
    marketplace_id: i64,
    kind: &str,
    items: i32,
    now: i64,
) -> QueryResult<i64> {
    crate::with_backend!(&mut *conn, |c| diesel::insert_into(p::table)
        .values((
            p::marketplace_id.eq(marketplace_id),
            p::kind.eq(kind),
            p::state.eq("pending"),
            p::items.eq(items),
            p::started_at.eq(now),
        ))
        .returning(p::id)
        .get_result(c))
}

/// How a push ended.
#[derive(Debug, Clone, PartialEq)]
pub struct PushEnd<'a> {
    /// `done` | `partial` | `failed` | `pending`
    pub state: &'a str,
    pub handle: Option<&'a str>,
    pub error: Option<String>,
    pub exchanges: &'a [Exchange],
    pub items: &'a [PushItem],
}

/// Finishes (or updates) a push record with its outcome and per-item results. Items already
/// recorded for the push (a pending one) are replaced.
pub fn end_push(
    conn: &mut DbConnection,
    push_id: i64,
    end: &PushEnd<'_>,
    now: i64,
) -> QueryResult<()> {
    let accepted = end.items.iter().filter(|i| i.state == "accepted").count() as i32;
    let rejected = end.items.iter().filter(|i| i.state == "rejected").count() as i32;
    let exchanges = (!end.exchanges.is_empty())
        .then(|| serde_json::to_string(end.exchanges).unwrap_or_default());
    conn.transaction(|conn| {
        diesel::update(p::table.filter(p::id.eq(push_id)))
            .set((
                p::state.eq(end.state),
                p::accepted.eq(accepted),
                p::rejected.eq(rejected),
                p::handle.eq(end.handle),
                p::error.eq(end.error.as_deref()),
                p::finished_at.eq((end.state != "pending").then_some(now)),
            ))
            .execute(conn)?;
        if let Some(x) = exchanges {
            diesel::update(p::table.filter(p::id.eq(push_id)))
                .set(p::exchanges.eq(x))
                .execute(conn)?;
        }
        diesel::delete(pi::table.filter(pi::push_id.eq(push_id))).execute(conn)?;
        if let DbConnection::Postgresql(c) = conn {
            return insert_items_pg(c, push_id, end.items);
        }
        for chunk in end.items.chunks(500) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|i| {
                    (
                        pi::push_id.eq(push_id),
                        pi::listing_id.eq(i.listing_id),
                        pi::sku.eq(&i.sku),
                        pi::quantity.eq(i.quantity),
                        pi::state.eq(i.state),
                        pi::code.eq(i.rejection.as_ref().map(|r| r.code.as_str())),
                        pi::message.eq(i.rejection.as_ref().map(|r| r.message.as_str())),
                    )
                })
                .collect();
            crate::with_backend!(&mut *conn, |c| diesel::insert_into(pi::table)
                .values(&rows)
                .execute(c))?;
        }
        Ok(())
    })
}

/// A push's items on PostgreSQL: one statement of the same text for any number of items, the
/// columns as arrays.
fn insert_items_pg(
    conn: &mut diesel::PgConnection,
    push_id: i64,
    items: &[PushItem],
) -> QueryResult<()> {
    use diesel::sql_types::{Array, BigInt, Nullable, Text};
    for chunk in items.chunks(25_000) {
        let listing_ids: Vec<Option<i64>> = chunk.iter().map(|i| i.listing_id).collect();
        let skus: Vec<&str> = chunk.iter().map(|i| i.sku.as_str()).collect();
        let quantities: Vec<Option<i64>> = chunk.iter().map(|i| i.quantity).collect();
        let states: Vec<&str> = chunk.iter().map(|i| i.state).collect();
        let codes: Vec<Option<&str>> = chunk
            .iter()
            .map(|i| i.rejection.as_ref().map(|r| r.code.as_str()))
            .collect();
        let messages: Vec<Option<&str>> = chunk
            .iter()
            .map(|i| i.rejection.as_ref().map(|r| r.message.as_str()))
            .collect();
        diesel::sql_query(
            "INSERT INTO push_items (push_id, listing_id, sku, quantity, state, code, message) \
             SELECT $1, t.l, t.s, t.q, t.st, t.c, t.m FROM UNNEST($2::int8[], $3::text[], \
             $4::int8[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY \
             AS t(l, s, q, st, c, m, ord) \
             ORDER BY t.ord",
        )
        .bind::<BigInt, _>(push_id)
        .bind::<Array<Nullable<BigInt>>, _>(listing_ids)
        .bind::<Array<Text>, _>(skus)
        .bind::<Array<Nullable<BigInt>>, _>(quantities)
        .bind::<Array<Text>, _>(states)
        .bind::<Array<Nullable<Text>>, _>(codes)
        .bind::<Array<Nullable<Text>>, _>(messages)
        .execute(conn)?;
    }
    Ok(())
}

/// The handle of a push still pending, if it is.
pub fn pending_handle(conn: &mut DbConnection, push_id: i64) -> QueryResult<Option<String>> {
    Ok(p::table
        .filter(p::id.eq(push_id))
        .filter(p::state.eq("pending"))
        .select(p::handle)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// When the earliest row of an account refused for now becomes due (if any waits).
pub fn next_due(conn: &mut DbConnection, marketplace_id: i64) -> QueryResult<Option<i64>> {
    so::table
        .filter(so::marketplace_id.eq(marketplace_id))
        .filter(so::claim_owner.is_null())
        .select(diesel::dsl::min(so::not_before))
        .first::<Option<i64>>(conn)
}
