//! What the facade changes: `create`/`write`/`unlink` on the hub models (products go through the
//! products hub -> Odoo flow; marketplace credentials are sealed), `adlerdo.job.retry`, and the
//! `adlerdo.sync` calls the addon makes (`notify_products_changed`, `notify_stock_changed`,
//! `run`, `status`).

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde_json::{Map, Value, json};

use super::Facade;
use super::model::{self, FieldDef, FieldType, ModelDef, Registry};
use super::orm::{FacadeError, facade_run, stored_value};
use super::sql::{self, Bind};
use crate::db::DbConnection;
use crate::jobs::{Job, now_ms};
use crate::rpc::error::{ExceptionKind, OdooException};
use crate::sync::products::{SyncProductIds, SyncProducts};
use crate::sync::push::PushProducts;
use crate::sync::stock::SyncStockIds;

type Result<T> = std::result::Result<T, OdooException>;

fn not_allowed(model: &ModelDef, operation: &str) -> OdooException {
    OdooException::new(
        ExceptionKind::AccessError,
        format!(
            "You are not allowed to {operation} '{}' ({}) records.\n\nThe hub keeps these records itself.",
            model.description, model.name
        ),
    )
}

fn mandatory_error(model: &ModelDef, field: &FieldDef) -> OdooException {
    OdooException::validation(format!(
        "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: {} ({})\nField: {} ({})",
        model.description, model.name, field.string, field.name
    ))
}

fn fkey_error(model: &ModelDef, other: &ModelDef) -> OdooException {
    OdooException::validation(format!(
        "The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: {} ({}), referenced by {} ({})",
        model.description, model.name, other.description, other.name
    ))
}

fn invalid_field(model: &ModelDef, name: &str) -> OdooException {
    OdooException::value(format!("Invalid field '{name}' on model '{}'", model.name))
}

/// Product fields of the facade and the names the products hub -> Odoo flow uses.
const PRODUCT_FIELDS: &[(&str, &str)] = &[
    ("name", "name"),
    ("description", "description"),
    ("list_price", "list_price"),
    ("default_code", "sku"),
    ("barcode", "barcode"),
    ("standard_price", "cost"),
];

fn product_changes(vals: &Map<String, Value>) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for (name, value) in vals {
        let Some((_, hub)) = PRODUCT_FIELDS.iter().find(|(f, _)| f == name) else {
            return Err(match model::PRODUCT.field(name) {
                Some(f) => OdooException::validation(format!(
                    "{} ({name}) is not a field the hub changes: change it in Odoo.",
                    f.string
                )),
                None => invalid_field(&model::PRODUCT, name),
            });
        };
        let value = match value {
            Value::Bool(false) => Value::Null,
            other => other.clone(),
        };
        out.insert((*hub).to_string(), value);
    }
    crate::sync::push::validate_changes(&out).map_err(OdooException::validation)?;
    Ok(out)
}

/// `create(vals_list)`: an id for a dict, a list of ids for a list.
pub async fn create(facade: &Facade, model: &'static ModelDef, vals_list: Value) -> Result<Value> {
    if !model.writable || model.table.is_none() {
        return Err(not_allowed(model, "create"));
    }
    let (list, single) = match vals_list {
        Value::Object(vals) => (vec![vals], true),
        Value::Array(items) => {
            let mut list = Vec::with_capacity(items.len());
            for item in items {
                let Value::Object(vals) = item else {
                    return Err(OdooException::value(
                        "dictionary update sequence element #0 has length 1; 2 is required",
                    ));
                };
                list.push(vals);
            }
            (list, false)
        }
        other => {
            return Err(OdooException::type_error(format!(
                "'{}' object is not iterable",
                crate::rpc::pysig::type_name(&other)
            )));
        }
    };
    let mut ids = Vec::with_capacity(list.len());
    if model.name == model::PRODUCT.name {
        // Checked first, all of them: nothing is created when one is wrong.
        let changes: Vec<Map<String, Value>> =
            list.iter().map(product_changes).collect::<Result<_>>()?;
        if changes.iter().any(|c| !c.contains_key("name"))
            && let Some(name) = model::PRODUCT.field("name")
        {
            return Err(mandatory_error(model, name));
        }
        for vals in changes {
            let id = crate::sync::push::create_product(&facade.state.db, &facade.state.queue, vals)
                .await
                .map_err(|e| OdooException::validation(format!("{e:#}")))?;
            ids.push(id);
        }
    } else {
        let rows: Vec<Vec<(&'static FieldDef, Bind)>> = list
            .iter()
            .map(|vals| row_values(facade, model, vals, true))
            .collect::<Result<_>>()?;
        ids = facade
            .state
            .db
            .write(move |c| {
                Ok(c.transaction(|c| {
                    let mut ids = Vec::with_capacity(rows.len());
                    for values in &rows {
                        check_targets(c, model, values)?;
                        ids.push(sql::insert(c, model, values).map_err(unique_error(model))?);
                    }
                    Ok::<_, FacadeError>(ids)
                }))
            })
            .await
            .map_err(super::db_exception)?
            .map_err(FacadeError::into_exception)?;
        if model.name == model::LISTING.name {
            super::listings::listings_changed(facade, ids.clone()).await?;
        }
    }
    Ok(if single {
        json!(ids.first().copied().unwrap_or(0))
    } else {
        json!(ids)
    })
}

/// Turns a database unique violation into the validation error Odoo gives for a unique
/// constraint.
fn unique_error(model: &'static ModelDef) -> impl Fn(sql::SqlError) -> FacadeError {
    move |e| {
        match e {
        sql::SqlError::Db(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => FacadeError::Odoo(OdooException::validation(match model.name {
            "adlerdo.listing" => {
                "The operation cannot be completed: this SKU is already listed on this marketplace account.".to_string()
            }
            _ => format!(
                "The operation cannot be completed: a {} with these values already exists.",
                model.description
            ),
        })),
        other => FacadeError::Sql(other),
    }
    }
}

/// The stored values of one `create`/`write` dict: fields checked, values converted, the
/// credentials sealed, the timestamps set.
fn row_values(
    facade: &Facade,
    model: &'static ModelDef,
    vals: &Map<String, Value>,
    creating: bool,
) -> Result<Vec<(&'static FieldDef, Bind)>> {
    let mut out = Vec::with_capacity(vals.len() + 2);
    for (name, value) in vals {
        let field = model
            .field(name)
            .filter(|f| f.column.is_some() || matches!(f.ty, FieldType::One2many { .. }))
            .ok_or_else(|| invalid_field(model, name))?;
        if field.readonly {
            return Err(OdooException::validation(format!(
                "{} ({name}) is set by the hub and cannot be written.",
                field.string
            )));
        }
        let bind = if field.write_only {
            match value {
                Value::Null | Value::Bool(false) => Bind::Null,
                Value::Object(_) => Bind::Text(
                    facade
                        .secrets
                        .seal(&value.to_string())
                        .map_err(OdooException::user)?,
                ),
                _ => {
                    return Err(OdooException::validation(format!(
                        "{} ({name}) must be an object of the account's credentials.",
                        field.string
                    )));
                }
            }
        } else {
            if field.ty == FieldType::Json && name == "settings" && !value.is_object() {
                return Err(OdooException::validation(format!(
                    "{} ({name}) must be an object.",
                    field.string
                )));
            }
            stored_value(model, field, value)?
        };
        if field.required && matches!(bind, Bind::Null) {
            return Err(mandatory_error(model, field));
        }
        out.push((field, bind));
    }
    if creating {
        for field in model.fields.iter().filter(|f| f.required) {
            if !out.iter().any(|(f, _)| f.name == field.name) {
                return Err(mandatory_error(model, field));
            }
        }
    }
    let now = now_ms();
    if let Some(f) = model.field("write_date") {
        out.push((f, Bind::Int(now)));
    }
    if creating && let Some(f) = model.field("create_date") {
        out.push((f, Bind::Int(now)));
    }
    Ok(out)
}

/// Many2one values must name existing records (the error Odoo gives for a broken reference).
fn check_targets(
    c: &mut DbConnection,
    model: &'static ModelDef,
    values: &[(&'static FieldDef, Bind)],
) -> std::result::Result<(), FacadeError> {
    for (field, bind) in values {
        if let (FieldType::Many2one(comodel), Bind::Int(id)) = (field.ty, bind)
            && let Some(target) = Registry.model(comodel)
            && sql::existing_ids(c, target, &[*id])?.is_empty()
        {
            return Err(OdooException::validation(format!(
                "The operation cannot be completed: {}({id},) does not exist.\n\nModel: {} ({})\nField: {} ({})",
                target.name, model.description, model.name, field.string, field.name
            ))
            .into());
        }
    }
    Ok(())
}

/// Odoo's MissingError when some of `ids` do not exist.
fn check_exist(
    c: &mut DbConnection,
    model: &'static ModelDef,
    ids: &[i64],
) -> std::result::Result<(), FacadeError> {
    let found = sql::existing_ids(c, model, ids)?;
    let missing: Vec<i64> = ids.iter().copied().filter(|i| !found.contains(i)).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(OdooException::missing(model.name, &missing, 1).into())
    }
}

/// `write(vals)` on `ids`.
pub async fn write(
    facade: &Facade,
    model: &'static ModelDef,
    ids: Vec<i64>,
    vals: Map<String, Value>,
) -> Result<()> {
    if !model.writable || model.table.is_none() {
        return Err(not_allowed(model, "modify"));
    }
    if model.name == model::PRODUCT.name {
        let changes = product_changes(&vals)?;
        let check = ids.clone();
        facade_run(facade, move |c| check_exist(c, &model::PRODUCT, &check)).await?;
        if changes.is_empty() {
            return Ok(());
        }
        for id in ids {
            crate::sync::push::edit_product(
                &facade.state.db,
                &facade.state.queue,
                id,
                changes.clone(),
            )
            .await
            .map_err(|e| OdooException::validation(format!("{e:#}")))?;
        }
        return Ok(());
    }
    let mut vals = vals;
    // A listing whose SKU or product changes sends its offer again.
    if model.name == model::LISTING.name
        && ["sku", "product_id", "marketplace_id"]
            .iter()
            .any(|k| vals.contains_key(*k))
    {
        vals.entry("dirty").or_insert(json!(true));
    }
    let values = row_values(facade, model, &vals, false)?;
    let changed = ids.clone();
    facade
        .state
        .db
        .write(move |c| {
            Ok(c.transaction(|c| {
                check_exist(c, model, &ids)?;
                check_targets(c, model, &values)?;
                if !ids.is_empty() {
                    sql::update(c, model, &ids, &values).map_err(unique_error(model))?;
                }
                Ok::<_, FacadeError>(())
            }))
        })
        .await
        .map_err(super::db_exception)?
        .map_err(FacadeError::into_exception)?;
    if model.name == model::LISTING.name {
        super::listings::listings_changed(facade, changed).await?;
    } else if model.name == model::MARKETPLACE.name {
        let settings_changed = vals.contains_key("settings") || vals.contains_key("enabled");
        super::listings::accounts_changed(facade, &changed, settings_changed).await?;
    }
    Ok(())
}

/// `unlink()` on `ids`.
pub async fn unlink(facade: &Facade, model: &'static ModelDef, ids: Vec<i64>) -> Result<()> {
    if model.name == model::PRODUCT.name {
        return Err(OdooException::user(
            "Products come from Odoo: archive or delete them in Odoo and the hub follows.",
        ));
    }
    if !model.writable || model.table.is_none() {
        return Err(not_allowed(model, "delete"));
    }
    facade
        .state
        .db
        .write(move |c| {
            Ok(c.transaction(|c| {
                check_exist(c, model, &ids)?;
                if model.name == model::MARKETPLACE.name {
                    use crate::db::schema::orders;
                    let used: i64 = orders::table
                        .filter(orders::marketplace_id.eq_any(&ids))
                        .count()
                        .get_result(c)?;
                    if used > 0 {
                        return Err(fkey_error(model, &model::ORDER).into());
                    }
                }
                sql::delete(c, model, &ids)?;
                Ok::<_, FacadeError>(())
            }))
        })
        .await
        .map_err(super::db_exception)?
        .map_err(FacadeError::into_exception)
}

/// `adlerdo.order.retry()`: failed orders are looked at again from the start (their SKUs
/// mapped again, their checks run again) and sent to Odoo when they pass. Answers how many.
pub async fn retry_orders(facade: &Facade, ids: Vec<i64>) -> Result<Value> {
    let now = now_ms();
    let n = facade_run(facade, move |c| {
        Ok(c.transaction(|c| crate::sync::orders::store::retry(c, &ids, now))?)
    })
    .await?;
    facade
        .state
        .queue
        .enqueue(&crate::sync::orders::SendOrders::default())
        .await
        .map_err(super::db_exception)?;
    facade.state.queue.data_changed();
    Ok(json!(n))
}

/// `adlerdo.job.retry()`: dead jobs go back to the queue; answers the ids of the jobs that wait
/// now (a retried job that met a waiting twin is folded into it).
pub async fn retry_jobs(facade: &Facade, ids: Vec<i64>) -> Result<Value> {
    let now = now_ms();
    let (retried, missing) = facade
        .state
        .queue
        .db()
        .write(move |c| {
            let mut retried = Vec::new();
            let mut missing = Vec::new();
            for id in ids {
                match crate::jobs::queue::get(c, id)? {
                    None => missing.push(id),
                    Some(_) => {
                        if let Some(waiting) = crate::jobs::queue::retry_dead(c, id, now)? {
                            retried.push(waiting);
                        }
                    }
                }
            }
            Ok((retried, missing))
        })
        .await
        .map_err(super::db_exception)?;
    if !missing.is_empty() {
        return Err(OdooException::missing(model::JOB.name, &missing, 1));
    }
    facade.state.queue.notify();
    Ok(json!(retried))
}

/// A list of Odoo product ids (ints), or Odoo's TypeError.
fn product_ids(arg: Option<&Value>) -> Result<Vec<i64>> {
    let items = match arg {
        Some(Value::Array(items)) => items,
        Some(Value::Number(n)) if n.as_i64().is_some() => return Ok(vec![n.as_i64().unwrap_or(0)]),
        Some(other) => {
            return Err(OdooException::type_error(format!(
                "odoo_product_ids must be a list of integers, not {}",
                crate::rpc::pysig::type_name(other)
            )));
        }
        None => return Ok(Vec::new()),
    };
    let mut ids: Vec<i64> = items
        .iter()
        .map(|v| {
            v.as_i64().filter(|i| *i > 0).ok_or_else(|| {
                OdooException::type_error(format!(
                    "odoo_product_ids must be a list of positive integers, not {v}"
                ))
            })
        })
        .collect::<Result<_>>()?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Ids per job: a notification of a huge import is split.
const IDS_PER_JOB: usize = 1000;

async fn enqueue_chunks<J: Job>(
    facade: &Facade,
    ids: &[i64],
    make: impl Fn(Vec<i64>) -> J,
) -> Result<usize> {
    let mut jobs = Vec::new();
    for chunk in ids.chunks(IDS_PER_JOB) {
        jobs.push(
            facade
                .state
                .queue
                .new_job(&make(chunk.to_vec()))
                .map_err(|e| OdooException::value(e.to_string()))?,
        );
    }
    facade
        .state
        .queue
        .enqueue_many(jobs)
        .await
        .map_err(super::db_exception)
}

/// `adlerdo.sync.notify_products_changed(odoo_product_ids)`: those variants are read from Odoo
/// again, soon. Answers how many ids were taken.
pub async fn notify_products_changed(facade: &Facade, arg: Option<&Value>) -> Result<Value> {
    let ids = product_ids(arg)?;
    if !ids.is_empty() {
        enqueue_chunks(facade, &ids, |ids| SyncProductIds { ids }).await?;
    }
    Ok(json!(ids.len()))
}

/// `adlerdo.sync.notify_stock_changed(odoo_product_ids)`: those variants' quantities are read
/// from Odoo again, soon. Answers how many ids were taken.
pub async fn notify_stock_changed(facade: &Facade, arg: Option<&Value>) -> Result<Value> {
    let ids = product_ids(arg)?;
    if !ids.is_empty() {
        enqueue_chunks(facade, &ids, |ids| SyncStockIds { ids }).await?;
    }
    Ok(json!(ids.len()))
}

/// The flows `run` starts.
pub const FLOWS: &[(&str, &str)] = &[
    ("products", "Products Odoo -> hub (incremental)"),
    ("products_full", "Products Odoo -> hub (everything)"),
    ("push", "Products hub -> Odoo"),
    (
        "stock",
        "Stock Odoo -> marketplaces (read everything again)",
    ),
    ("stock_push", "Stock: push what waits, every account"),
    (
        "listings",
        "Listings: send the offers that changed, every account",
    ),
    (
        "orders",
        "Orders: poll every account now, then send to Odoo",
    ),
    ("orders_send", "Orders: send what is ready to Odoo"),
];

/// `adlerdo.sync.run(flow, full=False)`: the flow's job is queued now (folded into one already
/// waiting). Answers the job id.
pub async fn run_flow(
    facade: &Facade,
    flow: Option<&Value>,
    full: Option<&Value>,
) -> Result<Value> {
    let flow = flow.and_then(Value::as_str).unwrap_or_default();
    let full = full.is_some_and(|v| v.as_bool().unwrap_or(false));
    let queue = &facade.state.queue;
    let queued = match flow {
        "products" => queue.enqueue(&SyncProducts { full }).await,
        "products_full" => queue.enqueue(&SyncProducts { full: true }).await,
        "push" => queue.enqueue(&PushProducts {}).await,
        "stock" => queue.enqueue(&crate::sync::stock::PollStock {}).await,
        "orders_send" => {
            queue
                .enqueue(&crate::sync::orders::SendOrders::default())
                .await
        }
        "listings" | "stock_push" | "orders" => {
            let accounts = facade_run(facade, |c| {
                use crate::db::schema::marketplaces as m;
                Ok(m::table
                    .filter(m::enabled.eq(1))
                    .select(m::id)
                    .load::<i64>(c)?)
            })
            .await?;
            let mut last = Ok(None);
            for marketplace_id in accounts {
                last = if flow == "listings" {
                    queue
                        .enqueue(&crate::sync::listings::PushListings { marketplace_id })
                        .await
                } else if flow == "orders" {
                    queue
                        .enqueue(&crate::sync::orders::PollOrders::new(marketplace_id))
                        .await
                } else {
                    queue
                        .enqueue(&crate::sync::stock_push::PushStock::new(marketplace_id))
                        .await
                };
                if last.is_err() {
                    break;
                }
            }
            last
        }
        other => {
            return Err(OdooException::value(format!(
                "Unknown flow '{other}': expected one of {}",
                FLOWS.iter().map(|(f, _)| *f).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    .map_err(super::db_exception)?;
    Ok(queued.map_or(json!(false), |id| json!(id)))
}

/// `adlerdo.sync.status()`: counts, lags and last errors per flow and per marketplace account.
pub async fn status(facade: &Facade) -> Result<Value> {
    let now = now_ms();
    let state = facade.state.clone();
    facade_run(facade, move |c| status_of(c, &state, now)).await
}

/// The figures of `status()`, for the hub's own status page.
pub fn hub_status(
    c: &mut DbConnection,
    state: &crate::state::AppState,
    now: i64,
) -> std::result::Result<Value, String> {
    status_of(c, state, now).map_err(|e| e.into_exception().to_string())
}

fn status_of(
    c: &mut DbConnection,
    state: &crate::state::AppState,
    now: i64,
) -> std::result::Result<Value, FacadeError> {
    use crate::db::schema::{
        jobs, listings, marketplaces, orders, product_conflicts, products, sync_state,
    };
    let total: i64 = products::table.count().get_result(c)?;
    let active: i64 = products::table
        .filter(products::active.eq(1))
        .count()
        .get_result(c)?;
    let pending: i64 = products::table
        .filter(products::pending.is_not_null())
        .count()
        .get_result(c)?;
    let push_errors: i64 = products::table
        .filter(products::push_error.is_not_null())
        .count()
        .get_result(c)?;
    let conflicts: i64 = product_conflicts::table
        .filter(product_conflicts::resolved_at.is_null())
        .count()
        .get_result(c)?;
    let cursor: Option<i64> = sync_state::table
        .filter(sync_state::name.eq(crate::sync::products::VARIANTS_CURSOR))
        .select(sync_state::updated_at)
        .first(c)
        .optional()?;
    let last_product_sync: Option<i64> = jobs::table
        .filter(jobs::kind.eq_any([SyncProducts::KIND, SyncProductIds::KIND]))
        .filter(jobs::state.eq("done"))
        .select(diesel::dsl::max(jobs::finished_at))
        .first::<Option<i64>>(c)?;
    let last_synced = last_product_sync.or(cursor);

    // Queue: counts per kind and state, the last error of each kind's dead jobs.
    let mut queue: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for (kind, st, n) in crate::jobs::queue::counts(c)? {
        queue.entry(kind).or_default().insert(st, json!(n));
    }
    let dead: Vec<(String, Option<String>, i64)> = jobs::table
        .filter(jobs::state.eq("dead"))
        .order(jobs::updated_at.desc())
        .select((jobs::kind, jobs::last_error, jobs::updated_at))
        .limit(200)
        .load(c)?;
    let last_error = |kinds: &[&str]| {
        dead.iter()
            .find(|(k, _, _)| kinds.contains(&k.as_str()))
            .map(|(k, e, at)| json!({"job": k, "error": e, "at": super::orm::format_ms(*at)}))
            .unwrap_or(json!(false))
    };
    let queued_of = |kinds: &[&str], st: &str| -> i64 {
        kinds
            .iter()
            .filter_map(|k| {
                queue
                    .get(*k)
                    .and_then(|m| m.get(st))
                    .and_then(Value::as_i64)
            })
            .sum()
    };
    // A flow's figures with its jobs': waiting, dead, the last dead one's error.
    let with_jobs = |kinds: &[&str], figures: Value| {
        let mut out = figures;
        if let Some(o) = out.as_object_mut() {
            o.insert("queued".into(), json!(queued_of(kinds, "queued")));
            o.insert("failed_jobs".into(), json!(queued_of(kinds, "dead")));
            o.insert("last_error".into(), last_error(kinds));
        }
        out
    };
    let stock_rows: i64 = crate::db::schema::stock_levels::table
        .count()
        .get_result(c)?;
    let stock_last: Option<i64> = crate::db::schema::stock_levels::table
        .select(diesel::dsl::max(
            crate::db::schema::stock_levels::updated_at,
        ))
        .first::<Option<i64>>(c)?;

    let stock_waiting_total: i64 = crate::db::schema::stock_outbox::table
        .count()
        .get_result(c)?;
    // Marketplace accounts.
    let accounts: Vec<(i64, String, String, i32)> = marketplaces::table
        .order(marketplaces::id)
        .select((
            marketplaces::id,
            marketplaces::kind,
            marketplaces::name,
            marketplaces::enabled,
        ))
        .load(c)?;
    let mut per_account = Vec::with_capacity(accounts.len());
    for (id, kind, name, enabled) in accounts {
        let listings_total: i64 = listings::table
            .filter(listings::marketplace_id.eq(id))
            .count()
            .get_result(c)?;
        let listing_errors: i64 = listings::table
            .filter(listings::marketplace_id.eq(id))
            .filter(listings::status.eq("error"))
            .count()
            .get_result(c)?;
        let last_push: Option<i64> = listings::table
            .filter(listings::marketplace_id.eq(id))
            .select(diesel::dsl::max(listings::last_pushed_at))
            .first::<Option<i64>>(c)?;
        let last_listing_error: Option<String> = listings::table
            .filter(listings::marketplace_id.eq(id))
            .filter(listings::last_error.is_not_null())
            .order(listings::updated_at.desc())
            .select(listings::last_error)
            .first::<Option<String>>(c)
            .optional()?
            .flatten();
        let stock_waiting: i64 = crate::db::schema::stock_outbox::table
            .filter(crate::db::schema::stock_outbox::marketplace_id.eq(id))
            .count()
            .get_result(c)?;
        let last_stock_push = {
            use crate::db::schema::pushes as p;
            p::table
                .filter(p::marketplace_id.eq(id))
                .filter(p::kind.eq("stock"))
                .order((p::started_at.desc(), p::id.desc()))
                .select((
                    p::state,
                    p::started_at,
                    p::items,
                    p::accepted,
                    p::rejected,
                    p::error,
                ))
                .first::<(String, i64, i32, i32, i32, Option<String>)>(c)
                .optional()?
                .map_or(
                    json!(false),
                    |(st, at, items, accepted, rejected, error)| {
                        json!({
                            "state": st,
                            "at": super::orm::format_ms(at),
                            "items": items,
                            "accepted": accepted,
                            "rejected": rejected,
                            "error": error.map_or(json!(false), |e| json!(e)),
                        })
                    },
                )
        };
        let mut listing_states = Map::new();
        let by_status: Vec<(String, i64)> = listings::table
            .filter(listings::marketplace_id.eq(id))
            .group_by(listings::status)
            .select((listings::status, diesel::dsl::count_star()))
            .load(c)?;
        for (st, n) in by_status {
            listing_states.insert(st, json!(n));
        }
        let mut order_states = Map::new();
        let states: Vec<(String, i64)> = orders::table
            .filter(orders::marketplace_id.eq(id))
            .group_by(orders::state)
            .select((orders::state, diesel::dsl::count_star()))
            .load(c)?;
        for (st, n) in states {
            order_states.insert(st, json!(n));
        }
        let last_order_error: Option<String> = orders::table
            .filter(orders::marketplace_id.eq(id))
            .filter(orders::state.eq_any(["failed", "unmapped"]))
            .order(orders::updated_at.desc())
            .select(orders::failure_reason)
            .first::<Option<String>>(c)
            .optional()?
            .flatten();
        let order_poll: Option<(Option<i64>, Option<String>)> = {
            use crate::db::schema::order_cursors as oc;
            oc::table
                .find(id)
                .select((oc::last_poll_at, oc::last_error))
                .first(c)
                .optional()?
        };
        per_account.push(json!({
            "id": id,
            "kind": kind,
            "name": name,
            "enabled": enabled != 0,
            "listings": listings_total,
            "listing_errors": listing_errors,
            "listings_by_status": listing_states,
            "stock_waiting": stock_waiting,
            "last_stock_push_result": last_stock_push,
            "last_stock_push": last_push.and_then(super::orm::format_ms).map_or(json!(false), |s| json!(s)),
            "stock_lag_seconds": last_push.map_or(json!(false), |t| json!((now - t).max(0) / 1000)),
            "orders": order_states,
            "orders_last_poll": order_poll.as_ref().and_then(|p| p.0).and_then(super::orm::format_ms).map_or(json!(false), |s| json!(s)),
            "orders_lag_seconds": order_poll.as_ref().and_then(|p| p.0).map_or(json!(false), |t| json!((now - t).max(0) / 1000)),
            "orders_poll_error": order_poll.as_ref().and_then(|p| p.1.clone()).map_or(json!(false), |e| json!(e)),
            "last_error": last_listing_error.or(last_order_error).map_or(json!(false), |e| json!(e)),
        }));
    }
    let order_counts: Vec<(String, i64)> = orders::table
        .group_by(orders::state)
        .select((orders::state, diesel::dsl::count_star()))
        .load(c)?;
    let mut orders_by_state = Map::new();
    for (st, n) in order_counts {
        orders_by_state.insert(st, json!(n));
    }
    // The account polled longest ago sets the flow's lag.
    let orders_polled: Option<i64> = {
        use crate::db::schema::order_cursors as oc;
        oc::table
            .select(diesel::dsl::min(oc::last_poll_at))
            .first::<Option<i64>>(c)?
    };
    let lag = |t: Option<i64>| t.map_or(json!(false), |t| json!((now - t).max(0) / 1000));
    let at = |t: Option<i64>| {
        t.and_then(super::orm::format_ms)
            .map_or(json!(false), |s| json!(s))
    };
    let mut queue_totals = Map::new();
    for st in ["queued", "running", "done", "dead"] {
        let n: i64 = queue
            .values()
            .filter_map(|m| m.get(st).and_then(Value::as_i64))
            .sum();
        queue_totals.insert(st.into(), json!(n));
    }
    Ok(json!({
        "hub": {
            "version": env!("CARGO_PKG_VERSION"),
            "mode": state.settings.mode.as_str(),
            "odoo_url": state.settings.odoo.url,
            "time": at(Some(now)),
        },
        "flows": {
            "products": with_jobs(&[SyncProducts::KIND, SyncProductIds::KIND], json!({
                "products": total,
                "active": active,
                "last_sync": at(last_synced),
                "lag_seconds": lag(last_synced),
            })),
            "stock": with_jobs(&[
                SyncStockIds::KIND,
                crate::sync::stock::PollStock::KIND,
                crate::sync::stock_push::PushStock::KIND,
                crate::sync::stock_push::CheckPush::KIND,
            ], json!({
                "waiting": stock_waiting_total,
                "products_with_stock": stock_rows,
                "last_read": at(stock_last),
                "lag_seconds": lag(stock_last),
            })),
            "orders": with_jobs(&[
                crate::sync::orders::PollOrders::KIND,
                crate::sync::orders::SendOrders::KIND,
                crate::sync::orders::CancelOrders::KIND,
            ], json!({
                "by_state": orders_by_state,
                "waiting_for_mapping": orders_by_state.get("unmapped").cloned().unwrap_or(json!(0)),
                "last_poll": at(orders_polled),
                "lag_seconds": lag(orders_polled),
            })),
            "push": with_jobs(&[PushProducts::KIND], json!({
                "waiting": pending,
                "errors": push_errors,
                "conflicts": conflicts,
            })),
        },
        "marketplaces": per_account,
        "queue": {"totals": queue_totals, "by_kind": queue},
    }))
}
