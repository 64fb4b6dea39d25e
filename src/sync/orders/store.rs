//! The hub's side of orders: storing what the marketplaces send (newest version wins, never
//! an older copy over a newer one), resolving SKUs to products, deciding each order's state, the
//! claims of the workers that send orders to Odoo, and the order's history.

use std::collections::{BTreeSet, HashMap};

use super::{state, validate};
use crate::db::DbConnection;
use crate::db::schema::{
    listings as l, order_cursors as oc, order_events as ev, order_lines as ol, orders as o,
    products as pr, webhook_deliveries as wd,
};
use crate::marketplaces::{MarketOrder, OrderStatus};
use diesel::dsl;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// What the hub keeps of an order besides its columns (`orders.details`, JSON).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Details {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_phone: Option<String>,
    /// Order-level discount.
    #[serde(default)]
    pub discount: f64,
    #[serde(default)]
    pub shipping_tax: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices_include_tax: Option<bool>,
    /// The Odoo customer the order was created for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub odoo_partner_id: Option<i64>,
}

impl Details {
    fn of(order: &MarketOrder) -> Self {
        Self {
            buyer_phone: order.buyer.phone.clone(),
            discount: order.discount,
            shipping_tax: order.shipping_tax,
            prices_include_tax: order.prices_include_tax,
            odoo_partner_id: None,
        }
    }

    fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    fn parse(text: Option<&str>) -> Self {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }
}

/// What storing a batch of orders changed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Stored {
    /// Orders seen for the first time.
    pub new: Vec<i64>,
    /// Known orders with a newer version.
    pub updated: Vec<i64>,
    /// Copies no newer than what the hub has (duplicates, overlapping polls, late webhooks).
    pub unchanged: usize,
    /// Orders in Odoo that the marketplace cancelled: the Odoo order is to be cancelled.
    pub to_cancel: Vec<i64>,
    /// Orders ready for Odoo.
    pub ready: usize,
    /// Odoo ids of the variants whose reservations changed (their stock is to be allocated
    /// again).
    pub odoo_products: BTreeSet<i64>,
}

/// The hub's word for a marketplace status.
pub fn market_status(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::Pending => "pending",
        OrderStatus::Open => "open",
        OrderStatus::Shipped => "shipped",
        OrderStatus::Cancelled => "cancelled",
    }
}

/// Appends to an order's history.
pub fn event(
    c: &mut DbConnection,
    order_id: i64,
    kind: &str,
    message: &str,
    now: i64,
) -> QueryResult<()> {
    diesel::insert_into(ev::table)
        .values((
            ev::order_id.eq(order_id),
            ev::at.eq(now),
            ev::kind.eq(kind),
            ev::message.eq(message),
        ))
        .execute(c)?;
    Ok(())
}

fn address_json(a: &Option<crate::marketplaces::Address>) -> Option<String> {
    a.as_ref().and_then(|a| serde_json::to_string(a).ok())
}

/// The hub product of each SKU on this account: the account's listing of that SKU first (that
/// is how an admin maps a marketplace SKU), then the product whose SKU it is.
pub fn resolve_skus(
    c: &mut DbConnection,
    marketplace_id: i64,
    skus: &[String],
) -> QueryResult<HashMap<String, i64>> {
    let mut found = HashMap::new();
    for chunk in skus.chunks(500) {
        let rows: Vec<(String, Option<i64>)> = l::table
            .filter(l::marketplace_id.eq(marketplace_id))
            .filter(l::sku.eq_any(chunk))
            .filter(l::product_id.is_not_null())
            .select((l::sku, l::product_id))
            .load(c)?;
        for (sku, product) in rows {
            if let Some(p) = product {
                found.insert(sku, p);
            }
        }
        let missing: Vec<&String> = chunk.iter().filter(|s| !found.contains_key(*s)).collect();
        if missing.is_empty() {
            continue;
        }
        let rows: Vec<(i64, Option<String>)> = pr::table
            .filter(pr::sku.eq_any(missing))
            .order(pr::id)
            .select((pr::id, pr::sku))
            .load(c)?;
        for (id, sku) in rows {
            if let Some(sku) = sku {
                found.entry(sku).or_insert(id);
            }
        }
    }
    Ok(found)
}

/// The state an order not yet in Odoo is in, with the reason when it waits or fails.
fn decide(order: &MarketOrder, products: &HashMap<String, i64>) -> (&'static str, Option<String>) {
    if order.status == OrderStatus::Cancelled {
        return (
            state::CANCELLED,
            Some("cancelled on the marketplace before it reached Odoo".into()),
        );
    }
    if let Err(reason) = validate::order(order) {
        return (state::FAILED, Some(reason));
    }
    let unknown: BTreeSet<String> = order
        .lines
        .iter()
        .filter_map(|line| match &line.sku {
            Some(sku) if products.contains_key(sku) => None,
            Some(sku) => Some(sku.clone()),
            None => Some(format!("(line {} has no SKU)", line.external_id)),
        })
        .collect();
    if !unknown.is_empty() {
        let list: Vec<String> = unknown.into_iter().collect();
        return (
            state::UNMAPPED,
            Some(format!("unknown SKU: {}", list.join(", "))),
        );
    }
    if order.status == OrderStatus::Pending {
        return (
            state::RECEIVED,
            Some("waiting for payment on the marketplace".into()),
        );
    }
    (state::RECEIVED, None)
}

fn odoo_ids(c: &mut DbConnection, product_ids: &[i64]) -> QueryResult<Vec<i64>> {
    if product_ids.is_empty() {
        return Ok(Vec::new());
    }
    pr::table
        .filter(pr::id.eq_any(product_ids))
        .filter(pr::odoo_id.is_not_null())
        .select(pr::odoo_id.assume_not_null())
        .load(c)
}

fn line_products(c: &mut DbConnection, order_id: i64) -> QueryResult<Vec<i64>> {
    ol::table
        .filter(ol::order_id.eq(order_id))
        .filter(ol::product_id.is_not_null())
        .select(ol::product_id.assume_not_null())
        .load(c)
}

fn replace_lines(
    c: &mut DbConnection,
    order_id: i64,
    order: &MarketOrder,
    products: &HashMap<String, i64>,
) -> QueryResult<()> {
    diesel::delete(ol::table.filter(ol::order_id.eq(order_id))).execute(c)?;
    let rows: Vec<_> = order
        .lines
        .iter()
        .map(|line| {
            (
                ol::order_id.eq(order_id),
                ol::external_id.eq(Some(line.external_id.clone())),
                ol::sku.eq(line.sku.clone()),
                ol::product_id.eq(line.sku.as_ref().and_then(|s| products.get(s).copied())),
                ol::title.eq(line.title.clone()),
                ol::quantity.eq(line.quantity),
                ol::unit_price.eq(line.unit_price),
                ol::discount.eq(line.discount),
                ol::tax.eq(line.tax),
            )
        })
        .collect();
    if !rows.is_empty() {
        crate::with_backend!(&mut *c, |c| diesel::insert_into(ol::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

type Contents = (
    dsl::Eq<o::buyer_name, Option<String>>,
    dsl::Eq<o::buyer_email, Option<String>>,
    dsl::Eq<o::details, Option<String>>,
    dsl::Eq<o::currency, String>,
    dsl::Eq<o::amount_untaxed, f64>,
    dsl::Eq<o::amount_tax, f64>,
    dsl::Eq<o::amount_shipping, f64>,
    dsl::Eq<o::amount_total, f64>,
    dsl::Eq<o::shipping_address, Option<String>>,
    dsl::Eq<o::billing_address, Option<String>>,
);

/// What an order not yet in Odoo takes from each new version of it.
fn contents(order: &MarketOrder) -> Contents {
    let untaxed: f64 = order
        .lines
        .iter()
        .map(|l| l.unit_price * l.quantity - l.discount)
        .sum::<f64>()
        - order.discount;
    (
        o::buyer_name.eq(order.buyer.name.clone()),
        o::buyer_email.eq(order.buyer.email.clone()),
        o::details.eq(Some(Details::of(order).to_json())),
        o::currency.eq(order.currency.clone()),
        o::amount_untaxed.eq(round2(untaxed)),
        o::amount_tax.eq(order.tax_total),
        o::amount_shipping.eq(order.shipping),
        o::amount_total.eq(order.total),
        o::shipping_address.eq(address_json(&order.shipping_address)),
        o::billing_address.eq(address_json(&order.billing_address)),
    )
}

/// Stores orders of one account in one transaction (the caller's).
pub fn store_orders(
    c: &mut DbConnection,
    marketplace_id: i64,
    orders: &[MarketOrder],
    now: i64,
) -> QueryResult<Stored> {
    let mut out = Stored::default();
    let skus: Vec<String> = orders
        .iter()
        .flat_map(|o| o.lines.iter().filter_map(|l| l.sku.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let products = resolve_skus(c, marketplace_id, &skus)?;
    let ids: Vec<&str> = orders.iter().map(|o| o.external_id.as_str()).collect();
    type Known = (i64, String, i64, Option<i64>, Option<String>);
    type KnownRow = (String, i64, String, i64, Option<i64>, Option<String>);
    let mut known: HashMap<String, Known> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<KnownRow> = o::table
            .filter(o::marketplace_id.eq(marketplace_id))
            .filter(o::external_id.eq_any(chunk))
            .select((
                o::external_id,
                o::id,
                o::state,
                o::external_updated_at,
                o::odoo_order_id,
                o::cancel_state,
            ))
            .load(c)?;
        for (ext, id, st, upd, odoo, cancel) in rows {
            known.insert(ext, (id, st, upd, odoo, cancel));
        }
    }
    let mut touched_products: Vec<i64> = Vec::new();
    // The same order twice in one batch (a page that shifted while it was read): the newest
    // copy only.
    let mut newest: HashMap<&str, &MarketOrder> = HashMap::new();
    for order in orders {
        let kept = newest.entry(order.external_id.as_str()).or_insert(order);
        if order.updated_at > kept.updated_at {
            *kept = order;
        }
    }
    for order in orders.iter().filter(|o| {
        newest
            .get(o.external_id.as_str())
            .is_some_and(|n| std::ptr::eq(*n, *o))
    }) {
        let raw = serde_json::to_string(&order.raw).unwrap_or_default();
        let status = market_status(order.status);
        match known.get(&order.external_id) {
            Some((_, _, upd, _, _)) if *upd >= order.updated_at => {
                out.unchanged += 1;
            }
            None => {
                let (st, reason) = decide(order, &products);
                let id: i64 = crate::with_backend!(&mut *c, |c| diesel::insert_into(o::table)
                    .values((
                        o::marketplace_id.eq(marketplace_id),
                        o::external_id.eq(&order.external_id),
                        o::reference.eq(&order.reference),
                        o::state.eq(st),
                        o::market_status.eq(status),
                        o::external_status.eq(Some(&order.external_status)),
                        o::external_updated_at.eq(order.updated_at),
                        contents(order),
                        o::raw.eq(Some(&raw)),
                        o::failure_reason.eq(&reason),
                        o::ordered_at.eq(Some(order.created_at)),
                        o::created_at.eq(now),
                        o::updated_at.eq(now),
                    ))
                    .returning(o::id)
                    .get_result(c))?;
                replace_lines(c, id, order, &products)?;
                let what = match &reason {
                    Some(r) => format!("imported ({st}): {r}"),
                    None => format!("imported ({st})"),
                };
                event(c, id, "imported", &what, now)?;
                if st == state::RECEIVED && order.status != OrderStatus::Pending {
                    out.ready += 1;
                }
                if state::RESERVING.contains(&st) {
                    touched_products.extend(line_products(c, id)?);
                }
                out.new.push(id);
            }
            Some((id, st, _, odoo, cancel)) => {
                let id = *id;
                out.updated.push(id);
                let in_odoo = odoo.is_some() || !state::NOT_SENT.contains(&st.as_str());
                diesel::update(o::table.find(id))
                    .set((
                        o::reference.eq(&order.reference),
                        o::market_status.eq(status),
                        o::external_status.eq(Some(&order.external_status)),
                        o::external_updated_at.eq(order.updated_at),
                        o::raw.eq(Some(&raw)),
                        o::updated_at.eq(now),
                    ))
                    .execute(c)?;
                if in_odoo {
                    // Odoo has it: its lines and addresses stay as sent; only a cancellation
                    // acts on it.
                    if order.status == OrderStatus::Cancelled && cancel.is_none() {
                        diesel::update(o::table.find(id))
                            .set(o::cancel_state.eq(Some("requested")))
                            .execute(c)?;
                        event(
                            c,
                            id,
                            "cancel_requested",
                            "cancelled on the marketplace",
                            now,
                        )?;
                        out.to_cancel.push(id);
                    } else {
                        event(
                            c,
                            id,
                            "updated",
                            &format!("marketplace status {}", order.external_status),
                            now,
                        )?;
                    }
                    continue;
                }
                let before = line_products(c, id)?;
                let (new_st, reason) = decide(order, &products);
                diesel::update(o::table.find(id))
                    .set((
                        o::state.eq(new_st),
                        o::failure_reason.eq(&reason),
                        contents(order),
                        o::next_attempt_at.eq(0),
                    ))
                    .execute(c)?;
                replace_lines(c, id, order, &products)?;
                let what = match &reason {
                    Some(r) => format!("updated ({new_st}): {r}"),
                    None => format!("updated ({new_st})"),
                };
                event(c, id, "updated", &what, now)?;
                if new_st == state::RECEIVED && order.status != OrderStatus::Pending {
                    out.ready += 1;
                }
                touched_products.extend(before);
                touched_products.extend(line_products(c, id)?);
            }
        }
    }
    touched_products.sort_unstable();
    touched_products.dedup();
    out.odoo_products = odoo_ids(c, &touched_products)?.into_iter().collect();
    Ok(out)
}

/// Orders waiting for a SKU mapping are looked at again: those whose every SKU now resolves go
/// back to `received` (to be sent). Returns how many were released.
pub fn release_unmapped(c: &mut DbConnection, now: i64) -> QueryResult<usize> {
    let waiting: Vec<(i64, i64)> = o::table
        .filter(o::state.eq(state::UNMAPPED))
        .select((o::id, o::marketplace_id))
        .load(c)?;
    let mut released = 0;
    for (id, marketplace_id) in waiting {
        let lines: Vec<(i64, Option<String>, Option<i64>)> = ol::table
            .filter(ol::order_id.eq(id))
            .select((ol::id, ol::sku, ol::product_id))
            .load(c)?;
        let skus: Vec<String> = lines.iter().filter_map(|(_, s, _)| s.clone()).collect();
        let products = resolve_skus(c, marketplace_id, &skus)?;
        let mut unknown = Vec::new();
        for (line_id, sku, product) in &lines {
            match sku.as_ref().and_then(|s| products.get(s)) {
                Some(p) => {
                    if *product != Some(*p) {
                        diesel::update(ol::table.find(line_id))
                            .set(ol::product_id.eq(Some(*p)))
                            .execute(c)?;
                    }
                }
                None => unknown.push(sku.clone().unwrap_or_else(|| "(no SKU)".into())),
            }
        }
        if unknown.is_empty() {
            diesel::update(o::table.find(id))
                .set((
                    o::state.eq(state::RECEIVED),
                    o::failure_reason.eq(None::<String>),
                    o::next_attempt_at.eq(0),
                    o::updated_at.eq(now),
                ))
                .execute(c)?;
            event(c, id, "mapped", "every SKU is mapped now", now)?;
            released += 1;
        } else {
            unknown.sort();
            unknown.dedup();
            diesel::update(o::table.find(id))
                .set(o::failure_reason.eq(Some(format!("unknown SKU: {}", unknown.join(", ")))))
                .execute(c)?;
        }
    }
    Ok(released)
}

/// Claims up to `limit` orders ready for Odoo (or created there and not yet confirmed) for
/// `owner` until `until`; returns their ids. An expired claim (a crashed worker) is taken over.
pub fn claim_ready(
    c: &mut DbConnection,
    owner: &str,
    limit: i64,
    now: i64,
    until: i64,
) -> QueryResult<Vec<i64>> {
    let candidates: Vec<i64> = o::table
        .filter(o::state.eq_any([state::RECEIVED, state::SENT]))
        .filter(o::market_status.eq_any(["open", "shipped"]))
        .filter(o::next_attempt_at.le(now))
        .filter(o::claim_until.is_null().or(o::claim_until.lt(now)))
        .order(o::id)
        .limit(limit)
        .select(o::id)
        .load(c)?;
    take(c, &candidates, owner, now, until, true)
}

/// Claims orders whose Odoo order is to be cancelled.
pub fn claim_cancels(
    c: &mut DbConnection,
    owner: &str,
    limit: i64,
    now: i64,
    until: i64,
) -> QueryResult<Vec<i64>> {
    let candidates: Vec<i64> = o::table
        .filter(o::cancel_state.eq("requested"))
        .filter(o::odoo_order_id.is_not_null())
        .filter(o::next_attempt_at.le(now))
        .filter(o::claim_until.is_null().or(o::claim_until.lt(now)))
        .order(o::id)
        .limit(limit)
        .select(o::id)
        .load(c)?;
    take(c, &candidates, owner, now, until, false)
}

/// Claims the candidates that are still free. The condition is checked again by the update
/// itself: of two workers that read the same candidates, the second finds them claimed
/// (PostgreSQL re-reads a row it waited for; SQLite serialises writers).
fn take(
    c: &mut DbConnection,
    candidates: &[i64],
    owner: &str,
    now: i64,
    until: i64,
    attempt: bool,
) -> QueryResult<Vec<i64>> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let free = o::table
        .filter(o::id.eq_any(candidates))
        .filter(o::claim_until.is_null().or(o::claim_until.lt(now)));
    let claim = (
        o::claim_owner.eq(Some(owner)),
        o::claim_until.eq(Some(until)),
    );
    if attempt {
        diesel::update(free)
            .set((claim, o::attempts.eq(o::attempts + 1)))
            .execute(c)?;
    } else {
        diesel::update(free).set(claim).execute(c)?;
    }
    o::table
        .filter(o::id.eq_any(candidates))
        .filter(o::claim_owner.eq(owner))
        .order(o::id)
        .select(o::id)
        .load(c)
}

/// Gives claims back (at the end of a batch, or when a worker stops).
pub fn unclaim(c: &mut DbConnection, ids: &[i64], owner: &str) -> QueryResult<usize> {
    diesel::update(
        o::table
            .filter(o::id.eq_any(ids))
            .filter(o::claim_owner.eq(owner)),
    )
    .set((
        o::claim_owner.eq(None::<String>),
        o::claim_until.eq(None::<i64>),
    ))
    .execute(c)
}

/// A stored order with its lines, as the Odoo step reads it.
#[derive(Debug, Clone)]
pub struct OrderToSend {
    pub id: i64,
    pub marketplace_id: i64,
    pub external_id: String,
    pub reference: Option<String>,
    pub state: String,
    pub buyer_name: Option<String>,
    pub buyer_email: Option<String>,
    pub buyer_phone: Option<String>,
    pub currency: String,
    pub amount_shipping: f64,
    pub shipping_tax: f64,
    pub amount_discount: f64,
    pub amount_tax: f64,
    pub amount_total: f64,
    pub prices_include_tax: Option<bool>,
    pub shipping_address: Option<crate::marketplaces::Address>,
    pub billing_address: Option<crate::marketplaces::Address>,
    pub odoo_order_id: Option<i64>,
    pub ordered_at: Option<i64>,
    pub lines: Vec<LineToSend>,
}

/// A line of an [`OrderToSend`], with the Odoo variant of its product when known.
#[derive(Debug, Clone)]
pub struct LineToSend {
    pub sku: Option<String>,
    pub title: String,
    pub quantity: f64,
    pub unit_price: f64,
    pub discount: f64,
    pub tax: f64,
    pub product_id: Option<i64>,
    pub odoo_product_id: Option<i64>,
}

/// Loads orders and their lines.
pub fn load(c: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<OrderToSend>> {
    type Row = (
        (
            i64,
            i64,
            String,
            Option<String>,
            String,
            Option<String>,
            Option<String>,
        ),
        (String, f64, f64, f64, Option<String>),
        (Option<String>, Option<String>, Option<i64>, Option<i64>),
    );
    let rows: Vec<Row> = o::table
        .filter(o::id.eq_any(ids))
        .order(o::id)
        .select((
            (
                o::id,
                o::marketplace_id,
                o::external_id,
                o::reference,
                o::state,
                o::buyer_name,
                o::buyer_email,
            ),
            (
                o::currency,
                o::amount_shipping,
                o::amount_tax,
                o::amount_total,
                o::details,
            ),
            (
                o::shipping_address,
                o::billing_address,
                o::odoo_order_id,
                o::ordered_at,
            ),
        ))
        .load(c)?;
    type LineRow = (
        i64,
        Option<String>,
        String,
        f64,
        f64,
        f64,
        f64,
        Option<i64>,
        Option<i64>,
    );
    let lines: Vec<LineRow> = ol::table
        .left_join(pr::table)
        .filter(ol::order_id.eq_any(ids))
        .order((ol::order_id, ol::id))
        .select((
            ol::order_id,
            ol::sku,
            ol::title,
            ol::quantity,
            ol::unit_price,
            ol::discount,
            ol::tax,
            ol::product_id,
            pr::odoo_id.nullable(),
        ))
        .load(c)?;
    let mut by_order: HashMap<i64, Vec<LineToSend>> = HashMap::new();
    for (order_id, sku, title, quantity, unit_price, discount, tax, product_id, odoo) in lines {
        by_order.entry(order_id).or_default().push(LineToSend {
            sku,
            title,
            quantity,
            unit_price,
            discount,
            tax,
            product_id,
            odoo_product_id: odoo,
        });
    }
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(rows
        .into_iter()
        .map(
            |((id, mp, ext, reference, st, name, email), money, (ship, bill, odoo, at))| {
                let (currency, shipping, tax, total, details) = money;
                let details = Details::parse(details.as_deref());
                OrderToSend {
                    id,
                    marketplace_id: mp,
                    external_id: ext,
                    reference,
                    state: st,
                    buyer_name: name,
                    buyer_email: email,
                    buyer_phone: details.buyer_phone,
                    currency,
                    amount_shipping: shipping,
                    shipping_tax: details.shipping_tax,
                    amount_discount: details.discount,
                    amount_tax: tax,
                    amount_total: total,
                    prices_include_tax: details.prices_include_tax,
                    shipping_address: parse(ship),
                    billing_address: parse(bill),
                    odoo_order_id: odoo,
                    ordered_at: at,
                    lines: by_order.remove(&id).unwrap_or_default(),
                }
            },
        )
        .collect())
}

/// The outcome of sending one order, recorded by [`record`].
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Created in Odoo (not confirmed yet).
    Created {
        odoo_id: i64,
        name: String,
        partner_id: Option<i64>,
    },
    /// Confirmed in Odoo; `difference` is Odoo's total minus the marketplace's, with why.
    Confirmed {
        odoo_id: i64,
        name: String,
        odoo_total: f64,
        difference: Option<(f64, String)>,
    },
    /// Not sent now, tried again at `retry_at` (Odoo down, a product not in Odoo yet).
    Later { reason: String, retry_at: i64 },
    /// Odoo refused it, or the hub cannot build it: the order waits for a person.
    Failed { reason: String },
    /// Cancelled in Odoo after the marketplace cancelled it.
    Cancelled,
    /// Odoo would not cancel it (shipped, locked): recorded, nothing more is tried.
    CancelRefused { reason: String },
}

/// Records an outcome and releases the claim.
pub fn record(
    c: &mut DbConnection,
    id: i64,
    owner: &str,
    outcome: &Outcome,
    now: i64,
) -> QueryResult<()> {
    let mine = o::table
        .filter(o::id.eq(id))
        .filter(o::claim_owner.eq(owner));
    match outcome {
        Outcome::Created {
            odoo_id,
            name,
            partner_id,
        } => {
            let text: Option<Option<String>> =
                o::table.find(id).select(o::details).first(c).optional()?;
            let mut details = Details::parse(text.flatten().as_deref());
            details.odoo_partner_id = *partner_id;
            diesel::update(mine)
                .set((
                    o::state.eq(state::SENT),
                    o::odoo_order_id.eq(Some(odoo_id)),
                    o::odoo_order_name.eq(Some(name)),
                    o::details.eq(Some(details.to_json())),
                    o::failure_reason.eq(None::<String>),
                    o::updated_at.eq(now),
                ))
                .execute(c)?;
            event(c, id, "sent", &format!("created in Odoo as {name}"), now)?;
            // Still claimed: the confirmation follows in the same batch.
            return Ok(());
        }
        Outcome::Confirmed {
            odoo_id,
            name,
            odoo_total,
            difference,
        } => {
            let (diff, why) = match difference {
                Some((d, why)) => (Some(*d), Some(why.clone())),
                None => (None, None),
            };
            diesel::update(mine)
                .set((
                    o::state.eq(state::CONFIRMED),
                    o::odoo_order_id.eq(Some(odoo_id)),
                    o::odoo_order_name.eq(Some(name)),
                    o::odoo_amount_total.eq(Some(odoo_total)),
                    o::amount_difference.eq(diff),
                    o::failure_reason.eq(&why),
                    o::claim_owner.eq(None::<String>),
                    o::claim_until.eq(None::<i64>),
                    o::updated_at.eq(now),
                ))
                .execute(c)?;
            let msg = match &why {
                Some(w) => format!("confirmed in Odoo as {name}; {w}"),
                None => format!("confirmed in Odoo as {name}"),
            };
            event(c, id, "confirmed", &msg, now)?;
        }
        Outcome::Later { reason, retry_at } => {
            diesel::update(mine)
                .set((
                    o::failure_reason.eq(Some(reason)),
                    o::next_attempt_at.eq(retry_at),
                    o::claim_owner.eq(None::<String>),
                    o::claim_until.eq(None::<i64>),
                    o::updated_at.eq(now),
                ))
                .execute(c)?;
        }
        Outcome::Failed { reason } => {
            diesel::update(mine)
                .set((
                    o::state.eq(state::FAILED),
                    o::failure_reason.eq(Some(reason)),
                    o::claim_owner.eq(None::<String>),
                    o::claim_until.eq(None::<i64>),
                    o::updated_at.eq(now),
                ))
                .execute(c)?;
            event(c, id, "failed", reason, now)?;
        }
        Outcome::Cancelled => {
            diesel::update(mine)
                .set((
                    o::state.eq(state::CANCELLED),
                    o::cancel_state.eq(Some("done")),
                    o::claim_owner.eq(None::<String>),
                    o::claim_until.eq(None::<i64>),
                    o::updated_at.eq(now),
                ))
                .execute(c)?;
            event(
                c,
                id,
                "cancelled",
                "cancelled in Odoo after the marketplace cancelled it",
                now,
            )?;
        }
        Outcome::CancelRefused { reason } => {
            diesel::update(mine)
                .set((
                    o::cancel_state.eq(Some("refused")),
                    o::failure_reason.eq(Some(reason)),
                    o::claim_owner.eq(None::<String>),
                    o::claim_until.eq(None::<i64>),
                    o::updated_at.eq(now),
                ))
                .execute(c)?;
            event(c, id, "cancel_refused", reason, now)?;
        }
    }
    Ok(())
}

/// An admin's retry of failed orders (`adlerdo.order.retry`): they are looked at again from the
/// start (SKUs, checks), keeping what the hub knows of them in Odoo.
pub fn retry(c: &mut DbConnection, ids: &[i64], now: i64) -> QueryResult<usize> {
    let failed: Vec<i64> = o::table
        .filter(o::id.eq_any(ids))
        .filter(o::state.eq(state::FAILED))
        .select(o::id)
        .load(c)?;
    for id in &failed {
        let odoo: Option<i64> = o::table.find(id).select(o::odoo_order_id).first(c)?;
        let st = if odoo.is_some() {
            state::SENT
        } else {
            state::UNMAPPED
        };
        diesel::update(o::table.find(id))
            .set((
                o::state.eq(st),
                o::next_attempt_at.eq(0),
                o::attempts.eq(0),
                o::updated_at.eq(now),
            ))
            .execute(c)?;
        event(c, *id, "retry", "retried by an admin", now)?;
    }
    // Through `unmapped`, every SKU is resolved again before the order is sent.
    release_unmapped(c, now)?;
    Ok(failed.len())
}

/// Where polling an account stands.
pub fn cursor(c: &mut DbConnection, marketplace_id: i64) -> QueryResult<Option<i64>> {
    oc::table
        .find(marketplace_id)
        .select(oc::updated_after)
        .first(c)
        .optional()
}

/// Moves an account's cursor after a complete poll (or records the error of a failed one).
pub fn save_cursor(
    c: &mut DbConnection,
    marketplace_id: i64,
    updated_after: Option<i64>,
    seen: i64,
    error: Option<&str>,
    now: i64,
) -> QueryResult<()> {
    let existing = cursor(c, marketplace_id)?;
    match (existing, updated_after) {
        (None, Some(after)) => {
            diesel::insert_into(oc::table)
                .values((
                    oc::marketplace_id.eq(marketplace_id),
                    oc::updated_after.eq(after),
                    oc::last_poll_at.eq(Some(now)),
                    oc::last_error.eq(error),
                    oc::orders_seen.eq(seen),
                ))
                .execute(c)?;
        }
        (None, None) => {}
        (Some(_), after) => {
            let target = oc::table.find(marketplace_id);
            match after {
                Some(after) => diesel::update(target)
                    .set((
                        oc::updated_after.eq(after),
                        oc::last_poll_at.eq(Some(now)),
                        oc::last_error.eq(error),
                        oc::orders_seen.eq(oc::orders_seen + seen),
                    ))
                    .execute(c)?,
                None => diesel::update(target)
                    .set((
                        oc::last_error.eq(error),
                        oc::orders_seen.eq(oc::orders_seen + seen),
                    ))
                    .execute(c)?,
            };
        }
    }
    Ok(())
}

/// Records a webhook delivery; `false` when it was taken before (a duplicate or a replay).
pub fn first_delivery(
    c: &mut DbConnection,
    marketplace_id: i64,
    delivery_id: &str,
    topic: &str,
    now: i64,
) -> QueryResult<bool> {
    let n = crate::with_backend!(&mut *c, |c| diesel::insert_into(wd::table)
        .values((
            wd::marketplace_id.eq(marketplace_id),
            wd::delivery_id.eq(delivery_id),
            wd::topic.eq(topic),
            wd::received_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

/// Forgets deliveries older than `before` (the marketplace does not resend them after that).
pub fn purge_deliveries(c: &mut DbConnection, before: i64) -> QueryResult<usize> {
    diesel::delete(wd::table.filter(wd::received_at.lt(before))).execute(c)
}

/// Rounds money to cents.
pub fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The earliest time an order that waits (a product not in Odoo yet, Odoo down) is due again.
pub fn next_retry(c: &mut DbConnection) -> QueryResult<Option<i64>> {
    o::table
        .filter(o::state.eq_any([state::RECEIVED, state::SENT]))
        .filter(o::market_status.eq_any(["open", "shipped"]))
        .filter(o::next_attempt_at.gt(0))
        .select(diesel::dsl::min(o::next_attempt_at))
        .first(c)
}

/// Records orders of a page the adapter could not read: those with an id become `failed`
/// orders carrying the raw payload (so that nothing is lost and an admin sees them).
pub fn store_unreadable(
    c: &mut DbConnection,
    marketplace_id: i64,
    unreadable: &[crate::marketplaces::UnreadableOrder],
    now: i64,
) -> QueryResult<usize> {
    let mut n = 0;
    for u in unreadable {
        let Some(ext) = &u.external_id else {
            continue;
        };
        let exists: i64 = o::table
            .filter(o::marketplace_id.eq(marketplace_id))
            .filter(o::external_id.eq(ext))
            .count()
            .get_result(c)?;
        if exists > 0 {
            continue;
        }
        let raw = serde_json::to_string(&u.raw).unwrap_or_default();
        let reason = format!("the marketplace's order could not be read: {}", u.reason);
        let id: i64 = crate::with_backend!(&mut *c, |c| diesel::insert_into(o::table)
            .values((
                o::marketplace_id.eq(marketplace_id),
                o::external_id.eq(ext),
                o::state.eq(state::FAILED),
                o::raw.eq(Some(&raw)),
                o::failure_reason.eq(Some(&reason)),
                o::created_at.eq(now),
                o::updated_at.eq(now),
            ))
            .returning(o::id)
            .get_result(c))?;
        event(c, id, "failed", &reason, now)?;
        n += 1;
    }
    Ok(n)
}

/// When the account was last polled completely.
pub fn last_poll(c: &mut DbConnection, marketplace_id: i64) -> QueryResult<Option<i64>> {
    Ok(oc::table
        .find(marketplace_id)
        .select(oc::last_poll_at)
        .first::<Option<i64>>(c)
        .optional()?
        .flatten())
}

/// Orders the send job has something to do for now: waiting for a mapping, or ready and due.
pub fn count_waiting(c: &mut DbConnection, now: i64) -> QueryResult<i64> {
    let unmapped: i64 = o::table
        .filter(o::state.eq(state::UNMAPPED))
        .count()
        .get_result(c)?;
    let due: i64 = o::table
        .filter(o::state.eq_any([state::RECEIVED, state::SENT]))
        .filter(o::market_status.eq_any(["open", "shipped"]))
        .filter(o::next_attempt_at.le(now))
        .count()
        .get_result(c)?;
    Ok(unmapped + due)
}

/// Takes the named lease (a `sync_state` row) for `owner` until `until` when it is free,
/// expired or already `owner`'s: only one worker of any replica sends orders to Odoo at a
/// time, so that two batches never create the same new customer twice.
pub fn take_lease(
    c: &mut DbConnection,
    name: &str,
    owner: &str,
    now: i64,
    until: i64,
) -> QueryResult<bool> {
    use crate::db::schema::sync_state as ss;
    crate::with_backend!(&mut *c, |c| diesel::insert_into(ss::table)
        .values((ss::name.eq(name), ss::value.eq(""), ss::updated_at.eq(0)))
        .on_conflict_do_nothing()
        .execute(c))?;
    let taken = diesel::update(
        ss::table
            .filter(ss::name.eq(name))
            .filter(ss::updated_at.lt(now).or(ss::value.eq(owner))),
    )
    .set((ss::value.eq(owner), ss::updated_at.eq(until)))
    .execute(c)?;
    Ok(taken == 1)
}

/// Gives the lease back.
pub fn release_lease(c: &mut DbConnection, name: &str, owner: &str) -> QueryResult<()> {
    use crate::db::schema::sync_state as ss;
    diesel::update(
        ss::table
            .filter(ss::name.eq(name))
            .filter(ss::value.eq(owner)),
    )
    .set((ss::value.eq(""), ss::updated_at.eq(0)))
    .execute(c)?;
    Ok(())
}
