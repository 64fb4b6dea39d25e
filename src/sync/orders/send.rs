//! Orders hub -> Odoo, in batches, exactly once.
//!
//! A batch of claimed orders costs a handful of Odoo calls whatever its size: one search for
//! orders Odoo already has under these references (a crash after Odoo created them, or an
//! order created by hand), one search and one create for customers, one search and one create
//! for their delivery and invoice addresses, one create for the sale orders, one confirmation,
//! one read of Odoo's totals, and the stock read that ends the orders' reservation. When Odoo
//! refuses a batch, its orders are sent one by one, so that the one Odoo refuses fails alone
//! with Odoo's reason.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::mapping::{self, LineTaxes, OrderPolicy, PlannedLine};
use super::store::{self, OrderToSend, Outcome};
use crate::jobs::{Job, now_ms};
use crate::marketplaces::Address;
use crate::odoo::{Args, OdooClient, OdooError, Record, SaleOrderLineInput};
use crate::state::AppState;
use crate::sync::accounts::{self, Account};
use crate::sync::stock;

/// How long one job sends before it hands over to a fresh job.
const SLICE: Duration = Duration::from_secs(60);

/// When an order waits for something outside the hub (a product not in Odoo yet).
const WAIT_FOR_PRODUCT_MS: i64 = 60_000;

/// The lease that lets one worker at a time send orders (renewed with every batch).
const SEND_LEASE: &str = "orders.send.lease";
/// How long the lease lasts without renewal (at most `[orders] claim_secs`).
const LEASE_MS: i64 = 60_000;
/// How soon a send job that found the lease taken looks again.
const BUSY_WAIT: Duration = Duration::from_secs(1);

/// Sends the orders that are ready to Odoo (and first releases the orders whose SKUs are
/// mapped now).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SendOrders {
    /// Batches failed in a row because Odoo was unreachable: the next try waits longer.
    #[serde(default)]
    pub failures: u32,
}

impl Job for SendOrders {
    const KIND: &'static str = "orders.send";
    /// After stock, before catalog work.
    const PRIORITY: i32 = 8;
    type Context = AppState;

    fn dedup_key(&self) -> Option<String> {
        Some("send".into())
    }

    async fn run(self, state: AppState) -> anyhow::Result<()> {
        let owner = format!("orders:{}", uuid::Uuid::new_v4());
        let now = now_ms();
        let lease_ms = ((state.settings.orders.claim_secs * 1000) as i64).min(LEASE_MS);
        let owner2 = owner.clone();
        let taken = state
            .db
            .write(move |c| store::take_lease(c, SEND_LEASE, &owner2, now, now + lease_ms))
            .await?;
        if !taken {
            // Another worker is sending: this one comes back when it is likely done.
            state.queue.enqueue_after(&self, BUSY_WAIT).await?;
            return Ok(());
        }
        let result = self.send_all(&state, &owner).await;
        let owner2 = owner.clone();
        if let Err(e) = state
            .db
            .write(move |c| store::release_lease(c, SEND_LEASE, &owner2))
            .await
        {
            log::warn!("the orders lease could not be given back ({e}); it expires by itself");
        }
        result
    }
}

impl SendOrders {
    async fn send_all(&self, state: &AppState, owner: &str) -> anyhow::Result<()> {
        let owner = owner.to_string();
        let state = state.clone();
        let now = now_ms();
        let released = state
            .db
            .write(move |c| store::release_unmapped(c, now))
            .await?;
        if released > 0 {
            log::info!("{released} order(s) no longer wait for a SKU mapping");
        }
        let started = Instant::now();
        let settings = &state.settings.orders;
        let batch = settings.batch.max(1) as i64;
        let claim_ms = (settings.claim_secs * 1000) as i64;
        let lease_ms = claim_ms.min(LEASE_MS);
        let mut session = Session::default();
        loop {
            let now = now_ms();
            let owner2 = owner.clone();
            let kept = state
                .db
                .write(move |c| store::take_lease(c, SEND_LEASE, &owner2, now, now + lease_ms))
                .await?;
            if !kept {
                // The lease ran out while a batch took long, and another worker has it now.
                return Ok(());
            }
            if started.elapsed() > SLICE {
                state.queue.enqueue(&SendOrders::default()).await?;
                return Ok(());
            }
            let now = now_ms();
            let owner2 = owner.clone();
            let ids = state
                .db
                .write(move |c| store::claim_ready(c, &owner2, batch, now, now + claim_ms))
                .await?;
            if ids.is_empty() {
                break;
            }
            let result = send_batch(&state, &owner, &ids, &mut session).await;
            state.queue.data_changed();
            if let Err(e) = result {
                // Odoo unreachable (or the hub's database): every order of the batch waits, and
                // the job comes back later, longer each time.
                let wait = super::retry_wait(&state, self.failures);
                log::warn!("sending orders to Odoo failed ({e:#}); trying again in {wait:?}");
                let reason = format!("Odoo unreachable: {e:#}");
                let retry_at = now_ms() + wait.as_millis() as i64;
                let owner2 = owner.clone();
                state
                    .db
                    .write(move |c| {
                        for id in &ids {
                            store::record(
                                c,
                                *id,
                                &owner2,
                                &Outcome::Later {
                                    reason: reason.clone(),
                                    retry_at,
                                },
                                now_ms(),
                            )?;
                        }
                        Ok(())
                    })
                    .await?;
                let next = SendOrders {
                    failures: self.failures.saturating_add(1),
                };
                state.queue.enqueue_after(&next, wait).await?;
                return Ok(());
            }
        }
        // Orders waiting for a later try (a product not in Odoo yet) come back by themselves.
        let next: Option<i64> = state.db.run(store::next_retry).await?;
        if let Some(at) = next {
            let wait = Duration::from_millis((at - now_ms()).max(0) as u64);
            state
                .queue
                .enqueue_after(&SendOrders::default(), wait)
                .await?;
        }
        Ok(())
    }
}

/// What one job run looks up once.
#[derive(Default)]
struct Session {
    company_currency: Option<String>,
    pricelists: HashMap<String, Option<i64>>,
    shipping_products: HashMap<String, i64>,
    accounts: HashMap<i64, Account>,
    taxes: Option<Vec<crate::odoo::OdooTax>>,
}

/// An order of the batch with what it needs from Odoo.
struct Prepared {
    order: OrderToSend,
    policy: OrderPolicy,
    pricelist: Option<i64>,
    shipping: Option<(i64, Option<i64>)>,
    billing: Option<(i64, Option<i64>)>,
    lines: Vec<PlannedLine>,
}

fn is_down(e: &OdooError) -> bool {
    e.is_retryable() || matches!(e, OdooError::AccessDenied | OdooError::SessionExpired)
}

/// The message of an Odoo refusal, for the order's reason.
fn refusal(e: &OdooError) -> String {
    format!("Odoo refused it: {e}")
}

async fn send_batch(
    state: &AppState,
    owner: &str,
    ids: &[i64],
    session: &mut Session,
) -> anyhow::Result<()> {
    let ids2 = ids.to_vec();
    let orders = state.db.run(move |c| store::load(c, &ids2)).await?;
    if session.accounts.is_empty()
        || orders
            .iter()
            .any(|o| !session.accounts.contains_key(&o.marketplace_id))
    {
        session.accounts = state
            .db
            .run(accounts::load_all)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
    }
    let client = state.odoo.client().await.context("connecting to Odoo")?;
    let mut outcomes: Vec<(i64, Outcome)> = Vec::new();

    // 1. What Odoo already has under these references.
    let refs: Vec<&str> = orders.iter().map(|o| o.external_id.as_str()).collect();
    let existing = client
        .search_read(
            "sale.order",
            json!([["client_order_ref", "in", refs]]),
            &["name", "state", "client_order_ref", "origin"],
            Some("id asc"),
            None,
            0,
            None,
        )
        .await?;
    let mut in_odoo: HashMap<String, (i64, String, String)> = HashMap::new();
    for r in &existing {
        let reference = r.char_or_empty("client_order_ref")?;
        in_odoo.entry(reference).or_insert((
            r.id(),
            r.char_or_empty("name")?,
            r.char_or_empty("state")?,
        ));
    }
    // Orders in Odoo as drafts are confirmed; confirmed ones only recorded.
    let mut to_confirm: Vec<(OrderToSend, i64, String)> = Vec::new();
    let mut settled: Vec<(OrderToSend, i64, String)> = Vec::new();
    let mut to_create: Vec<OrderToSend> = Vec::new();
    for order in orders {
        match in_odoo.get(&order.external_id) {
            Some((odoo_id, name, st)) => match st.as_str() {
                "draft" | "sent" => to_confirm.push((order, *odoo_id, name.clone())),
                "cancel" => outcomes.push((
                    order.id,
                    Outcome::Failed {
                        reason: format!("the Odoo order {name} for it was cancelled in Odoo"),
                    },
                )),
                _ => settled.push((order, *odoo_id, name.clone())),
            },
            None => match order.odoo_order_id {
                Some(gone) => outcomes.push((
                    order.id,
                    Outcome::Failed {
                        reason: format!("the Odoo order {gone} made for it is no longer in Odoo"),
                    },
                )),
                None => to_create.push(order),
            },
        }
    }

    // 2. Checks and look-ups per order.
    let mut prepared = Vec::new();
    for order in to_create {
        match prepare(client, session, order).await {
            Ok(Ok(p)) => prepared.push(p),
            Ok(Err((id, outcome))) => outcomes.push((id, outcome)),
            Err(e) if is_down(&e) => return Err(e.into()),
            Err(e) => return Err(anyhow::anyhow!("looking up Odoo records: {e}")),
        }
    }

    // 3. Customers and their addresses.
    let partners = match partners(client, &mut prepared).await {
        Ok(p) => p,
        Err(e) if is_down(&e) => return Err(e.into()),
        Err(e) => {
            // A refusal of the batch's customers: each order tries its own.
            let mut one_by_one = HashMap::new();
            let mut kept = Vec::new();
            for mut p in prepared {
                match partners(client, std::slice::from_mut(&mut p)).await {
                    Ok(found) => {
                        one_by_one.extend(found);
                        kept.push(p);
                    }
                    Err(e) if is_down(&e) => return Err(e.into()),
                    Err(e2) => outcomes.push((
                        p.order.id,
                        Outcome::Failed {
                            reason: format!("the customer could not be created: {e2} (batch: {e})"),
                        },
                    )),
                }
            }
            prepared = kept;
            one_by_one
        }
    };

    // 4. The sale orders.
    let version = client.version().clone();
    let vals: Vec<(usize, Map<String, Value>)> = prepared
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let (partner, shipping, invoice) = partners.get(&p.order.id)?;
            Some((
                i,
                order_vals(p, *partner, *shipping, *invoice, &version, session),
            ))
        })
        .collect();
    let mut created: Vec<(usize, i64)> = Vec::new();
    match client
        .create_many(
            "sale.order",
            vals.iter().map(|(_, v)| v.clone()).collect(),
            None,
        )
        .await
    {
        Ok(new_ids) => created.extend(vals.iter().map(|(i, _)| *i).zip(new_ids)),
        Err(e) if is_down(&e) => return Err(e.into()),
        Err(e) if vals.len() == 1 => {
            outcomes.push((
                prepared[vals[0].0].order.id,
                Outcome::Failed {
                    reason: refusal(&e),
                },
            ));
        }
        Err(_) => {
            for (i, v) in &vals {
                match client.create("sale.order", v.clone(), None).await {
                    Ok(id) => created.push((*i, id)),
                    Err(e) if is_down(&e) => {
                        // Those created so far are recorded below; the rest wait.
                        break_down(&mut outcomes, &prepared, &created, &vals, *i, &e);
                        break;
                    }
                    Err(e) => outcomes.push((
                        prepared[*i].order.id,
                        Outcome::Failed {
                            reason: refusal(&e),
                        },
                    )),
                }
            }
        }
    }
    let names = if created.is_empty() {
        HashMap::new()
    } else {
        let ids: Vec<i64> = created.iter().map(|(_, id)| *id).collect();
        read_names(client, &ids).await.unwrap_or_default()
    };
    // Recorded at once: from here on a crash finds them in Odoo by reference.
    let mut created_records = Vec::new();
    let mut by_index: HashMap<usize, i64> = created.iter().copied().collect();
    for (i, p) in prepared.into_iter().enumerate() {
        let Some(odoo_id) = by_index.remove(&i) else {
            continue;
        };
        let name = names.get(&odoo_id).cloned().unwrap_or_default();
        let partner = partners.get(&p.order.id).map(|t| t.0);
        created_records.push((
            p.order.id,
            Outcome::Created {
                odoo_id,
                name: name.clone(),
                partner_id: partner,
            },
        ));
        to_confirm.push((p.order, odoo_id, name));
    }
    let owner2 = owner.to_string();
    let now = now_ms();
    state
        .db
        .write(move |c| {
            for (id, outcome) in &created_records {
                store::record(c, *id, &owner2, outcome, now)?;
            }
            Ok(())
        })
        .await?;

    // 5. Confirmation.
    if !to_confirm.is_empty() {
        let odoo_ids: Vec<i64> = to_confirm.iter().map(|(_, id, _)| *id).collect();
        match confirm(client, &odoo_ids).await {
            Ok(()) => settled.append(&mut to_confirm),
            Err(e) if is_down(&e) => return Err(e.into()),
            Err(_) => {
                for (order, odoo_id, name) in to_confirm {
                    match confirm(client, &[odoo_id]).await {
                        Ok(()) => settled.push((order, odoo_id, name)),
                        Err(e) if is_down(&e) => return Err(e.into()),
                        Err(e) => outcomes.push((
                            order.id,
                            Outcome::Failed {
                                reason: format!(
                                    "created in Odoo as {name}, but Odoo refused to confirm it: {e}"
                                ),
                            },
                        )),
                    }
                }
            }
        }
    }

    // 6. Odoo's totals, then the stock that counts the orders, recorded with the confirmation.
    if !settled.is_empty() {
        let ids: Vec<i64> = settled.iter().map(|(_, id, _)| *id).collect();
        let totals = read_totals(client, &ids).await?;
        let mut products: BTreeSet<i64> = BTreeSet::new();
        let mut records = Vec::new();
        for (order, odoo_id, name) in &settled {
            products.extend(order.lines.iter().filter_map(|l| l.odoo_product_id));
            let (untaxed, tax, total, odoo_name) =
                totals
                    .get(odoo_id)
                    .cloned()
                    .unwrap_or((0.0, 0.0, 0.0, name.clone()));
            let policy = session
                .accounts
                .get(&order.marketplace_id)
                .and_then(|a| OrderPolicy::from_settings(&a.settings).ok())
                .unwrap_or_else(default_policy);
            let difference = mapping::explain_difference(order, &policy, untaxed, tax, total);
            records.push((
                order.id,
                Outcome::Confirmed {
                    odoo_id: *odoo_id,
                    name: if odoo_name.is_empty() {
                        name.clone()
                    } else {
                        odoo_name
                    },
                    odoo_total: total,
                    difference,
                },
            ));
        }
        let owner2 = owner.to_string();
        let touched = stock::refresh_then(state, products.into_iter().collect(), move |c| {
            let now = now_ms();
            for (id, outcome) in &records {
                store::record(c, *id, &owner2, outcome, now)?;
            }
            Ok(())
        })
        .await?;
        stock::push_accounts(state, touched, Duration::ZERO).await?;
    }

    // 7. Everything else.
    let owner2 = owner.to_string();
    let now = now_ms();
    state
        .db
        .write(move |c| {
            for (id, outcome) in &outcomes {
                store::record(c, *id, &owner2, outcome, now)?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

fn default_policy() -> OrderPolicy {
    // Settings are checked where orders are prepared; this only serves the explanation.
    OrderPolicy {
        tax: mapping::TaxPolicy::Odoo,
        prices_include_tax: false,
        delivery_product: mapping::DEFAULT_DELIVERY_PRODUCT.into(),
        team_id: None,
        warehouse_id: None,
        user_id: None,
        poll_secs: None,
    }
}

/// When Odoo goes away in the middle of one-by-one creation: the orders not tried yet wait.
fn break_down(
    outcomes: &mut Vec<(i64, Outcome)>,
    prepared: &[Prepared],
    created: &[(usize, i64)],
    vals: &[(usize, Map<String, Value>)],
    from: usize,
    e: &OdooError,
) {
    let retry_at = now_ms() + 30_000;
    for (i, _) in vals.iter().filter(|(i, _)| *i >= from) {
        if created.iter().any(|(c, _)| c == i) {
            continue;
        }
        outcomes.push((
            prepared[*i].order.id,
            Outcome::Later {
                reason: format!("Odoo unreachable: {e}"),
                retry_at,
            },
        ));
    }
}

async fn confirm(client: &OdooClient, ids: &[i64]) -> Result<(), OdooError> {
    client
        .call(
            "sale.order",
            "action_confirm",
            Args::for_records(ids.iter().copied()),
        )
        .await?;
    Ok(())
}

async fn read_names(client: &OdooClient, ids: &[i64]) -> Result<HashMap<i64, String>, OdooError> {
    let rows = client.read("sale.order", ids, &["name"], None).await?;
    rows.iter()
        .map(|r| Ok((r.id(), r.char_or_empty("name")?)))
        .collect()
}

type Totals = HashMap<i64, (f64, f64, f64, String)>;

async fn read_totals(client: &OdooClient, ids: &[i64]) -> Result<Totals, OdooError> {
    let rows = client
        .read(
            "sale.order",
            ids,
            &["name", "amount_untaxed", "amount_tax", "amount_total"],
            None,
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.id(),
                (
                    r.float("amount_untaxed")?,
                    r.float("amount_tax")?,
                    r.float("amount_total")?,
                    r.char_or_empty("name")?,
                ),
            ))
        })
        .collect()
}

type Refused = (i64, Outcome);

/// Checks an order and looks up what it needs (cached for the run): `Ok(Err(..))` is the
/// order's own outcome (it waits or fails), `Err` an Odoo failure.
async fn prepare(
    client: &OdooClient,
    session: &mut Session,
    order: OrderToSend,
) -> Result<Result<Prepared, Refused>, OdooError> {
    let id = order.id;
    let fail = |reason: String| Ok(Err((id, Outcome::Failed { reason })));
    let Some(account) = session.accounts.get(&order.marketplace_id) else {
        return fail("its marketplace account no longer exists".into());
    };
    let policy = match OrderPolicy::from_settings(&account.settings) {
        Ok(p) => p,
        Err(e) => return fail(format!("account {}: setting {e}", account.name)),
    };
    let missing: Vec<String> = order
        .lines
        .iter()
        .filter(|l| l.odoo_product_id.is_none())
        .map(|l| l.sku.clone().unwrap_or_default())
        .collect();
    if !missing.is_empty() {
        return Ok(Err((
            id,
            Outcome::Later {
                reason: format!(
                    "waiting for product(s) {} to reach Odoo",
                    missing.join(", ")
                ),
                retry_at: now_ms() + WAIT_FOR_PRODUCT_MS,
            },
        )));
    }
    // Currency: the company's, or a pricelist in the order's.
    if session.company_currency.is_none() {
        let companies = client
            .search_read(
                "res.company",
                json!([]),
                &["currency_id"],
                Some("id asc"),
                Some(1),
                0,
                None,
            )
            .await?;
        session.company_currency = Some(
            companies
                .first()
                .map(|r| r.many2one("currency_id"))
                .transpose()?
                .flatten()
                .map(|m| m.name)
                .unwrap_or_default(),
        );
    }
    let company_currency = session.company_currency.clone().unwrap_or_default();
    let pricelist = if order.currency == company_currency {
        None
    } else {
        let currency = order.currency.clone();
        let found = match session.pricelists.get(&currency) {
            Some(p) => *p,
            None => {
                let rows = client
                    .search_read(
                        "product.pricelist",
                        json!([["currency_id.name", "=", currency]]),
                        &["name"],
                        Some("id asc"),
                        Some(1),
                        0,
                        None,
                    )
                    .await?;
                let p = rows.first().map(Record::id);
                session.pricelists.insert(currency.clone(), p);
                p
            }
        };
        match found {
            Some(p) => Some(p),
            None => {
                return fail(format!(
                    "Odoo has no pricelist in {currency} (the company's currency is \
                     {company_currency}): create one in Odoo, then retry the order"
                ));
            }
        }
    };
    let shipping = match &order.shipping_address {
        Some(a) => match address_ids(client, a).await? {
            Ok(ids) => Some(ids),
            Err(reason) => return fail(format!("shipping address: {reason}")),
        },
        None => None,
    };
    let billing = match &order.billing_address {
        Some(a) => match address_ids(client, a).await? {
            Ok(ids) => Some(ids),
            Err(reason) => return fail(format!("billing address: {reason}")),
        },
        None => None,
    };
    if policy.tax == mapping::TaxPolicy::Match && session.taxes.is_none() {
        session.taxes = Some(client.taxes().await?);
    }
    let shipping_product = if order.amount_shipping > 0.0 {
        Some(shipping_product(client, session, &policy.delivery_product).await?)
    } else {
        None
    };
    let lines = match mapping::plan_lines(&order, &policy, shipping_product) {
        Ok(l) => l,
        Err(reason) => return fail(reason),
    };
    Ok(Ok(Prepared {
        order,
        policy,
        pricelist,
        shipping,
        billing,
        lines,
    }))
}

/// The Odoo country and state of an address; `Err` says why it cannot be used.
async fn address_ids(
    client: &OdooClient,
    a: &Address,
) -> Result<Result<(i64, Option<i64>), String>, OdooError> {
    let Some(code) = a
        .country_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    else {
        return Ok(Err("no country".into()));
    };
    let Some(country) = client.country_by_code(code).await? else {
        return Ok(Err(format!("country {code} is not in Odoo")));
    };
    let state = match a.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => client.state_by_code(code, s).await?.map(|st| st.id),
        None => None,
    };
    Ok(Ok((country.id, state)))
}

/// The shipping product of this reference, created as a service product when Odoo has none.
async fn shipping_product(
    client: &OdooClient,
    session: &mut Session,
    code: &str,
) -> Result<i64, OdooError> {
    if let Some(id) = session.shipping_products.get(code) {
        return Ok(*id);
    }
    let rows = client
        .search_read(
            "product.product",
            json!([["default_code", "=", code]]),
            &["name"],
            Some("id asc"),
            Some(1),
            0,
            None,
        )
        .await?;
    let id = match rows.first() {
        Some(r) => r.id(),
        None => {
            let mut vals = Map::new();
            vals.insert("name".into(), json!("Marketplace shipping"));
            vals.insert("default_code".into(), json!(code));
            vals.insert("type".into(), json!("service"));
            vals.insert("sale_ok".into(), json!(true));
            vals.insert("list_price".into(), json!(0.0));
            log::info!("creating the shipping product {code} in Odoo");
            client.create("product.product", vals, None).await?
        }
    };
    session.shipping_products.insert(code.to_string(), id);
    Ok(id)
}

/// An Odoo domain OR-ing `leaves`.
fn any_of(leaves: Vec<Value>) -> Value {
    let mut domain = Vec::new();
    for _ in 1..leaves.len() {
        domain.push(json!("|"));
    }
    domain.extend(leaves);
    Value::Array(domain)
}

const PARTNER_FIELDS: &[&str] = &[
    "name",
    "email",
    "street",
    "street2",
    "zip",
    "city",
    "country_id",
    "type",
    "parent_id",
];

/// The address values of a record, to compare with an order's.
fn record_address(r: &Record) -> Result<Map<String, Value>, OdooError> {
    let mut m = Map::new();
    for f in ["name", "street", "street2", "zip", "city"] {
        m.insert(f.into(), json!(mapping::norm(&r.char_or_empty(f)?)));
    }
    m.insert("country_id".into(), json!(r.many2one_id("country_id")?));
    Ok(m)
}

fn wanted_address(name: &str, vals: &Map<String, Value>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), json!(mapping::norm(name)));
    for f in ["street", "street2", "zip", "city"] {
        m.insert(
            f.into(),
            json!(mapping::norm(
                vals.get(f).and_then(Value::as_str).unwrap_or("")
            )),
        );
    }
    m.insert(
        "country_id".into(),
        vals.get("country_id").cloned().unwrap_or(Value::Null),
    );
    m
}

type NewChild = (i64, String, Map<String, Value>, Map<String, Value>);
type Target = Result<i64, usize>;

/// Customer, delivery address and invoice address of each order (by hub order id).
async fn partners(
    client: &OdooClient,
    prepared: &mut [Prepared],
) -> Result<HashMap<i64, (i64, i64, i64)>, OdooError> {
    let mut out = HashMap::new();
    if prepared.is_empty() {
        return Ok(out);
    }
    // Existing customers: by email (any case), else by name.
    let mut leaves = Vec::new();
    let mut seen = BTreeSet::new();
    for p in prepared.iter() {
        let key = mapping::customer_key(&p.order);
        if !seen.insert(key) {
            continue;
        }
        match p
            .order
            .buyer_email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            Some(email) => leaves.push(json!(["email", "=ilike", crate::odoo::like_escape(email)])),
            None => leaves.push(json!(["name", "=", mapping::customer_name(&p.order)])),
        }
    }
    let mut domain = vec![json!(["parent_id", "=", false])];
    if let Value::Array(any) = any_of(leaves) {
        domain.extend(any);
    }
    let found = client
        .search_read(
            "res.partner",
            Value::Array(domain),
            PARTNER_FIELDS,
            Some("id asc"),
            None,
            0,
            None,
        )
        .await?;
    let mut by_key: HashMap<String, (i64, Map<String, Value>)> = HashMap::new();
    for r in &found {
        let address = record_address(r)?;
        let email = r.char_or_empty("email")?.trim().to_lowercase();
        if !email.is_empty() {
            by_key
                .entry(format!("email:{email}"))
                .or_insert((r.id(), address.clone()));
        }
        let name = mapping::norm(&r.char_or_empty("name")?);
        let key = format!(
            "name:{}|{}|{}",
            name,
            address.get("zip").and_then(Value::as_str).unwrap_or(""),
            address.get("street").and_then(Value::as_str).unwrap_or("")
        );
        by_key.entry(key).or_insert((r.id(), address));
    }
    // New customers, one per key, with the first order's address.
    let mut new_keys: Vec<String> = Vec::new();
    let mut new_vals: Vec<Map<String, Value>> = Vec::new();
    for p in prepared.iter() {
        let key = mapping::customer_key(&p.order);
        if by_key.contains_key(&key) || new_keys.contains(&key) {
            continue;
        }
        let name = mapping::customer_name(&p.order);
        let (address, ids) = main_address(p);
        let mut vals = match address {
            Some(a) => mapping::address_vals(a, ids.map(|i| i.0), ids.and_then(|i| i.1)),
            None => Map::new(),
        };
        vals.insert("name".into(), json!(name));
        vals.insert("type".into(), json!("contact"));
        if let Some(email) = p
            .order
            .buyer_email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            vals.insert("email".into(), json!(email));
        }
        if let Some(phone) = p.order.buyer_phone.as_deref().filter(|s| !s.is_empty()) {
            vals.insert("phone".into(), json!(phone));
        }
        let version = client.version().clone();
        version.adapt_partner_vals(&mut vals);
        new_keys.push(key);
        new_vals.push(vals);
    }
    if !new_vals.is_empty() {
        let ids = client
            .create_many("res.partner", new_vals.clone(), None)
            .await?;
        for ((key, vals), id) in new_keys.into_iter().zip(new_vals).zip(ids) {
            let name = vals
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            by_key.insert(key, (id, wanted_address(&name, &vals)));
        }
    }
    // Delivery and invoice addresses: the customer itself when the same, else a child
    // contact, reused when one with the same address exists.
    let parents: Vec<i64> = prepared
        .iter()
        .filter_map(|p| {
            by_key
                .get(&mapping::customer_key(&p.order))
                .map(|(id, _)| *id)
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let children = client
        .search_read(
            "res.partner",
            json!([
                ["parent_id", "in", parents],
                ["type", "in", ["delivery", "invoice"]]
            ]),
            PARTNER_FIELDS,
            Some("id asc"),
            None,
            0,
            None,
        )
        .await?;
    let mut known: Vec<(i64, String, i64, Map<String, Value>)> = Vec::new();
    for r in &children {
        let parent = r.many2one_id("parent_id")?.unwrap_or_default();
        known.push((parent, r.char_or_empty("type")?, r.id(), record_address(r)?));
    }
    // Child contacts to create: (parent, type, address compared, values).
    let mut to_create: Vec<NewChild> = Vec::new();
    // Per order: (order, customer, shipping target, invoice target); a target is an existing
    // partner id, or the index of a child to create.
    let mut targets: Vec<(i64, i64, Target, Target)> = Vec::new();
    for p in prepared.iter() {
        let Some((parent, parent_address)) = by_key.get(&mapping::customer_key(&p.order)).cloned()
        else {
            continue;
        };
        let mut pick = |kind: &str,
                        a: Option<&Address>,
                        ids: Option<(i64, Option<i64>)>|
         -> Result<i64, usize> {
            let Some(a) = a else { return Ok(parent) };
            let name = a
                .name
                .clone()
                .unwrap_or_else(|| mapping::customer_name(&p.order));
            let vals = mapping::address_vals(a, ids.map(|i| i.0), ids.and_then(|i| i.1));
            let wanted = wanted_address(&name, &vals);
            let mut as_parent = wanted.clone();
            as_parent.insert(
                "name".into(),
                parent_address.get("name").cloned().unwrap_or(Value::Null),
            );
            if as_parent == parent_address
                && (wanted.get("name") == parent_address.get("name") || a.name.is_none())
            {
                return Ok(parent);
            }
            if let Some((_, _, id, _)) = known
                .iter()
                .find(|(pa, t, _, addr)| *pa == parent && t == kind && *addr == wanted)
            {
                return Ok(*id);
            }
            if let Some(i) = to_create
                .iter()
                .position(|(pa, t, w, _)| *pa == parent && t == kind && *w == wanted)
            {
                return Err(i);
            }
            let mut v = vals;
            v.insert("name".into(), json!(name));
            v.insert("type".into(), json!(kind));
            v.insert("parent_id".into(), json!(parent));
            to_create.push((parent, kind.to_string(), wanted, v));
            Err(to_create.len() - 1)
        };
        let ship = pick("delivery", p.order.shipping_address.as_ref(), p.shipping);
        let bill = match &p.order.billing_address {
            Some(b)
                if p.order
                    .shipping_address
                    .as_ref()
                    .is_some_and(|s| mapping::same_address(s, b)) =>
            {
                ship
            }
            other => pick("invoice", other.as_ref(), p.billing),
        };
        targets.push((p.order.id, parent, ship, bill));
    }
    let created = if to_create.is_empty() {
        Vec::new()
    } else {
        let version = client.version().clone();
        let vals = to_create
            .iter()
            .map(|(_, _, _, v)| {
                let mut v = v.clone();
                version.adapt_partner_vals(&mut v);
                v
            })
            .collect();
        client.create_many("res.partner", vals, None).await?
    };
    let resolve = |t: Result<i64, usize>| match t {
        Ok(id) => id,
        Err(i) => created.get(i).copied().unwrap_or_default(),
    };
    for (order_id, parent, ship, bill) in targets {
        out.insert(order_id, (parent, resolve(ship), resolve(bill)));
    }
    Ok(out)
}

/// The address a new customer gets: the billing address when there is one, else the shipping.
fn main_address(p: &Prepared) -> (Option<&Address>, Option<(i64, Option<i64>)>) {
    match &p.order.billing_address {
        Some(b) => (Some(b), p.billing),
        None => (p.order.shipping_address.as_ref(), p.shipping),
    }
}

fn order_vals(
    p: &Prepared,
    partner: i64,
    shipping: i64,
    invoice: i64,
    version: &crate::odoo::OdooVersion,
    session: &Session,
) -> Map<String, Value> {
    let account = session.accounts.get(&p.order.marketplace_id);
    let label = account
        .and_then(|a| crate::marketplaces::driver(&a.kind))
        .map(|d| d.label)
        .unwrap_or("Marketplace");
    let account_name = account.map(|a| a.name.as_str()).unwrap_or("");
    let shown = p
        .order
        .reference
        .clone()
        .unwrap_or_else(|| p.order.external_id.clone());
    let mut vals = Map::new();
    vals.insert("partner_id".into(), json!(partner));
    vals.insert("partner_shipping_id".into(), json!(shipping));
    vals.insert("partner_invoice_id".into(), json!(invoice));
    vals.insert("client_order_ref".into(), json!(p.order.external_id));
    vals.insert(
        "origin".into(),
        json!(format!("{label} {shown} ({account_name})")),
    );
    if let Some(dt) = p
        .order
        .ordered_at
        .and_then(chrono::DateTime::<chrono::Utc>::from_timestamp_millis)
    {
        vals.insert(
            "date_order".into(),
            json!(dt.format("%Y-%m-%d %H:%M:%S").to_string()),
        );
    }
    if let Some(pl) = p.pricelist {
        vals.insert("pricelist_id".into(), json!(pl));
    }
    if let Some(id) = p.policy.team_id {
        vals.insert("team_id".into(), json!(id));
    }
    if let Some(id) = p.policy.warehouse_id {
        vals.insert("warehouse_id".into(), json!(id));
    }
    if let Some(id) = p.policy.user_id {
        vals.insert("user_id".into(), json!(id));
    }
    let lines: Vec<Value> = p
        .lines
        .iter()
        .map(|l| {
            let input = SaleOrderLineInput {
                product_id: Some(l.product_id),
                quantity: l.quantity,
                price_unit: Some(l.price_unit),
                discount: (l.discount > 0.0).then_some(l.discount),
                tax_ids: match &l.taxes {
                    LineTaxes::Product => None,
                    LineTaxes::NoTax => Some(Vec::new()),
                    LineTaxes::Rate(r) => Some(session_tax(session, *r)),
                },
                uom_id: None,
                name: Some(l.name.clone()),
                display_type: None,
            };
            input.to_command(version)
        })
        .collect();
    vals.insert("order_line".into(), Value::Array(lines));
    vals
}

/// The Odoo sales tax of a rate (percent, on prices before tax); none when Odoo has no such
/// tax (the order then records the difference of the totals).
fn session_tax(session: &Session, rate: f64) -> Vec<i64> {
    if rate <= 0.0 {
        return Vec::new();
    }
    session
        .taxes
        .iter()
        .flatten()
        .find(|t| {
            t.type_tax_use == "sale"
                && t.amount_type == "percent"
                && !t.price_include
                && (t.amount - rate).abs() < 0.005
        })
        .map(|t| vec![t.id])
        .unwrap_or_default()
}

/// Cancels in Odoo the orders the marketplaces cancelled, while nothing of them has shipped.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CancelOrders {
    #[serde(default)]
    pub failures: u32,
}

impl Job for CancelOrders {
    const KIND: &'static str = "orders.cancel";
    const PRIORITY: i32 = 8;
    type Context = AppState;

    fn dedup_key(&self) -> Option<String> {
        Some("cancel".into())
    }

    async fn run(self, state: AppState) -> anyhow::Result<()> {
        let owner = format!("cancel:{}", uuid::Uuid::new_v4());
        let claim_ms = (state.settings.orders.claim_secs * 1000) as i64;
        loop {
            let now = now_ms();
            let owner2 = owner.clone();
            let ids = state
                .db
                .write(move |c| store::claim_cancels(c, &owner2, 50, now, now + claim_ms))
                .await?;
            if ids.is_empty() {
                return Ok(());
            }
            if let Err(e) = cancel_batch(&state, &owner, &ids).await {
                let wait = super::retry_wait(&state, self.failures);
                log::warn!("cancelling orders in Odoo failed ({e:#}); trying again in {wait:?}");
                let owner2 = owner.clone();
                state
                    .db
                    .write(move |c| store::unclaim(c, &ids, &owner2))
                    .await?;
                let next = CancelOrders {
                    failures: self.failures.saturating_add(1),
                };
                state.queue.enqueue_after(&next, wait).await?;
                return Ok(());
            }
            state.queue.data_changed();
        }
    }
}

async fn cancel_batch(state: &AppState, owner: &str, ids: &[i64]) -> anyhow::Result<()> {
    let ids2 = ids.to_vec();
    let orders = state.db.run(move |c| store::load(c, &ids2)).await?;
    let client = state.odoo.client().await.context("connecting to Odoo")?;
    let odoo_ids: Vec<i64> = orders.iter().filter_map(|o| o.odoo_order_id).collect();
    let records = client
        .read(
            "sale.order",
            &odoo_ids,
            &["name", "state", "picking_ids"],
            None,
        )
        .await?;
    let pickings: Vec<i64> = records
        .iter()
        .map(|r| r.ids("picking_ids"))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let done: BTreeSet<i64> = if pickings.is_empty() {
        BTreeSet::new()
    } else {
        client
            .read("stock.picking", &pickings, &["state"], None)
            .await?
            .iter()
            .filter(|r| r.char_or_empty("state").is_ok_and(|s| s == "done"))
            .map(Record::id)
            .collect()
    };
    let mut outcomes = Vec::new();
    let mut products: BTreeSet<i64> = BTreeSet::new();
    for order in &orders {
        let Some(odoo_id) = order.odoo_order_id else {
            continue;
        };
        let Some(r) = records.iter().find(|r| r.id() == odoo_id) else {
            outcomes.push((
                order.id,
                Outcome::CancelRefused {
                    reason: format!("the Odoo order {odoo_id} is no longer in Odoo"),
                },
            ));
            continue;
        };
        let name = r.char_or_empty("name")?;
        let shipped = r.ids("picking_ids")?.iter().any(|p| done.contains(p));
        if r.char_or_empty("state")? == "cancel" {
            outcomes.push((order.id, Outcome::Cancelled));
        } else if shipped {
            outcomes.push((
                order.id,
                Outcome::CancelRefused {
                    reason: format!(
                        "cancelled on the marketplace, but {name} has already shipped in Odoo: \
                     not cancelled there"
                    ),
                },
            ));
        } else {
            match client.cancel_sale_order(odoo_id).await {
                Ok(()) => {
                    outcomes.push((order.id, Outcome::Cancelled));
                    products.extend(order.lines.iter().filter_map(|l| l.odoo_product_id));
                }
                Err(e) if is_down(&e) => return Err(e.into()),
                Err(e) => outcomes.push((
                    order.id,
                    Outcome::CancelRefused {
                        reason: format!("Odoo refused to cancel {name}: {e}"),
                    },
                )),
            }
        }
    }
    let owner2 = owner.to_string();
    let record = move |c: &mut crate::db::DbConnection| {
        let now = now_ms();
        for (id, outcome) in &outcomes {
            store::record(c, *id, &owner2, outcome, now)?;
        }
        Ok(())
    };
    if products.is_empty() {
        state.db.write(record).await?;
    } else {
        // The released quantities go back to the marketplaces.
        let touched = stock::refresh_then(state, products.into_iter().collect(), record).await?;
        stock::push_accounts(state, touched, Duration::ZERO).await?;
    }
    Ok(())
}
