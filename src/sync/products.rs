//! Flow 1: products Odoo → hub.
//!
//! 1. Read the variants changed since the cursor (`write_date >= cursor - overlap`, paged by
//!    `write_date, id`, archived ones included), with their templates and attribute values, one
//!    batch per page.
//! 2. Upsert them by Odoo id and move the cursor, in one transaction per page: a failure leaves
//!    the cursor where the stored rows are, and nothing half-written.
//! 3. Read the templates changed since their own cursor (a template's price or description can
//!    change without touching its variants) and refresh their variants the same way.
//! 4. A full sync also marks the products Odoo no longer has as inactive (never deletes them).

use std::collections::{HashMap, HashSet};

use anyhow::Context;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::db::models::OdooProduct;
use crate::db::schema::{products, sync_state};
use crate::db::{Db, DbConnection};
use crate::jobs::{Job, now_ms};
use crate::odoo::{OdooAttributeValue, OdooClient, OdooVariant};
use crate::state::AppState;

pub const VARIANTS_CURSOR: &str = "odoo.products.variants";
const TEMPLATES_CURSOR: &str = "odoo.products.templates";

/// Where an incremental read resumes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The last `write_date` second stored.
    pub write_date: Option<String>,
    /// Within that second, the ids up to this one are stored.
    pub after_id: i64,
}

/// What a sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub pages: usize,
    pub variants_read: usize,
    pub upserted: usize,
    pub templates_changed: usize,
    pub deactivated: usize,
    pub rpc_calls: u64,
    pub request_bytes: u64,
    pub response_bytes: u64,
}

/// Maps one Odoo variant (with its template and attribute values) to a hub row.
pub fn map_variant(
    v: &OdooVariant,
    attributes: &HashMap<i64, OdooAttributeValue>,
    now: i64,
) -> OdooProduct {
    let template = v.template.as_ref();
    let attrs: Vec<Value> = v
        .attribute_value_ids
        .iter()
        .filter_map(|id| attributes.get(id))
        .map(|a| {
            json!({
                "attribute": a.attribute.as_ref().map(|m| m.name.clone()).unwrap_or_default(),
                "value": a.name,
                "price_extra": a.price_extra,
            })
        })
        .collect();
    OdooProduct {
        odoo_id: Some(v.id),
        odoo_template_id: Some(v.template_id),
        sku: v.default_code.clone().filter(|s| !s.trim().is_empty()),
        barcode: v.barcode.clone().filter(|s| !s.trim().is_empty()),
        name: v.name.clone(),
        display_name: v.display_name.clone(),
        description: template.and_then(|t| t.description_sale.clone()),
        list_price: v.lst_price,
        cost: v.standard_price,
        currency: template
            .and_then(|t| t.currency.as_ref())
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        attributes: Value::Array(attrs).to_string(),
        storable: i32::from(v.is_storable),
        active: i32::from(v.active && template.is_none_or(|t| t.active)),
        odoo_write_date: Some(v.write_date.clone()),
        odoo_template_write_date: template.and_then(|t| t.write_date.clone()),
        updated_at: now,
    }
}

fn load_cursor(conn: &mut DbConnection, name: &str) -> QueryResult<Cursor> {
    let text: Option<String> = sync_state::table
        .find(name)
        .select(sync_state::value)
        .first(conn)
        .optional()?;
    Ok(text
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default())
}

fn save_cursor(conn: &mut DbConnection, name: &str, cursor: &Cursor, now: i64) -> QueryResult<()> {
    let value = serde_json::to_string(cursor).unwrap_or_default();
    crate::with_backend!(conn, |c| diesel::insert_into(sync_state::table)
        .values((
            sync_state::name.eq(name),
            sync_state::value.eq(&value),
            sync_state::updated_at.eq(now)
        ))
        .on_conflict(sync_state::name)
        .do_update()
        .set((sync_state::value.eq(&value), sync_state::updated_at.eq(now)))
        .execute(c))?;
    Ok(())
}

/// Upserts rows by Odoo id and saves the cursor, in one transaction.
fn store_page(
    conn: &mut DbConnection,
    rows: &[OdooProduct],
    cursor: Option<(&str, &Cursor)>,
    now: i64,
) -> QueryResult<usize> {
    use diesel::upsert::excluded;
    use products::dsl as p;
    conn.transaction(|conn| {
        // Rows with hub changes waiting for Odoo keep the hub's values (and the Odoo write date
        // those changes were based on): flow 4 sends them, or records the conflict.
        let ids: Vec<i64> = rows.iter().filter_map(|r| r.odoo_id).collect();
        let held: HashSet<Option<i64>> = products::table
            .filter(products::pending.is_not_null())
            .filter(products::odoo_id.eq_any(&ids))
            .select(products::odoo_id)
            .load(conn)?
            .into_iter()
            .collect();
        let rows: Vec<&OdooProduct> = rows.iter().filter(|r| !held.contains(&r.odoo_id)).collect();
        // What the marketplaces show of a product (its offer) before this page: listings of the
        // products whose offer changed are sent again. Re-read rows (the overlap window) that
        // did not change send nothing, which matters where revisions are counted (eBay allows
        // 250 a day per listing).
        let before: HashMap<i64, OfferFields> = products::table
            .filter(products::odoo_id.eq_any(&ids))
            .select((
                products::odoo_id.assume_not_null(),
                (
                    products::sku,
                    products::barcode,
                    products::display_name,
                    products::description,
                    products::list_price,
                    products::attributes,
                    products::active,
                ),
            ))
            .load::<(i64, OfferFields)>(conn)?
            .into_iter()
            .collect();
        let offer_changed: Vec<i64> = rows
            .iter()
            .filter_map(|r| {
                let id = r.odoo_id?;
                let old = before.get(&id)?;
                (*old != offer_fields(r)).then_some(id)
            })
            .collect();
        let mut n = 0;
        // One statement per chunk (SQLite allows 32766 bound values: 17 columns x 500 rows).
        for chunk in rows.chunks(500) {
            let values: Vec<_> = chunk
                .iter()
                .map(|row| ((*row).clone(), p::created_at.eq(now)))
                .collect();
            n += crate::with_backend!(&mut *conn, |c| diesel::insert_into(products::table)
                .values(&values)
                .on_conflict(p::odoo_id)
                .do_update()
                .set((
                    p::odoo_template_id.eq(excluded(p::odoo_template_id)),
                    p::sku.eq(excluded(p::sku)),
                    p::barcode.eq(excluded(p::barcode)),
                    p::name.eq(excluded(p::name)),
                    p::display_name.eq(excluded(p::display_name)),
                    p::description.eq(excluded(p::description)),
                    p::list_price.eq(excluded(p::list_price)),
                    p::cost.eq(excluded(p::cost)),
                    p::currency.eq(excluded(p::currency)),
                    p::attributes.eq(excluded(p::attributes)),
                    p::storable.eq(excluded(p::storable)),
                    p::active.eq(excluded(p::active)),
                    p::odoo_write_date.eq(excluded(p::odoo_write_date)),
                    p::odoo_template_write_date.eq(excluded(p::odoo_template_write_date)),
                    p::updated_at.eq(excluded(p::updated_at)),
                ))
                .execute(c))?;
        }
        if !offer_changed.is_empty() {
            let hub_ids: Vec<i64> = products::table
                .filter(products::odoo_id.eq_any(&offer_changed))
                .select(products::id)
                .load(conn)?;
            super::listings::mark_products_dirty(conn, &hub_ids, now)?;
        }
        if let Some((name, cursor)) = cursor {
            save_cursor(conn, name, cursor, now)?;
        }
        Ok(n)
    })
}

/// The product fields an offer shows: sku, barcode, title, description, price, attributes,
/// active.
type OfferFields = (
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    f64,
    String,
    i32,
);

fn offer_fields(r: &OdooProduct) -> OfferFields {
    (
        r.sku.clone(),
        r.barcode.clone(),
        r.display_name.clone(),
        r.description.clone(),
        r.list_price,
        r.attributes.clone(),
        r.active,
    )
}

/// Queues the listing push of every account with offers to send (after a product sync).
pub async fn push_dirty_listings(state: &AppState) -> anyhow::Result<()> {
    use crate::db::schema::listings as l;
    let accounts: Vec<i64> = state
        .db
        .run(|c| {
            l::table
                .filter(l::dirty.eq(1))
                .filter(l::status.ne("draft"))
                .select(l::marketplace_id)
                .distinct()
                .load(c)
        })
        .await?;
    super::listings::queue_pushes(state, &accounts, std::time::Duration::ZERO).await
}

/// Reads the attribute values of a page of variants in one call.
async fn attribute_values(
    client: &OdooClient,
    variants: &[OdooVariant],
) -> anyhow::Result<HashMap<i64, OdooAttributeValue>> {
    let ids: Vec<i64> = variants
        .iter()
        .flat_map(|v| v.attribute_value_ids.iter().copied())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(client
        .fetch_attribute_values(&ids)
        .await
        .context("reading product.template.attribute.value")?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

/// The overlap window applied to a stored cursor.
fn rewind(cursor: &Cursor, overlap_secs: u64) -> Cursor {
    let Some(wd) = &cursor.write_date else {
        return Cursor::default();
    };
    let rewound = chrono::NaiveDateTime::parse_from_str(wd, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| {
            (t - chrono::Duration::seconds(overlap_secs as i64))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        });
    match rewound {
        Some(w) if overlap_secs > 0 => Cursor {
            write_date: Some(w),
            after_id: 0,
        },
        _ => cursor.clone(),
    }
}

/// Runs the product sync: incremental from the stored cursors, or everything with `full`.
/// `progress` is told how many variants have been stored so far.
pub async fn sync_products(
    db: &Db,
    client: &OdooClient,
    overlap_secs: u64,
    full: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> anyhow::Result<SyncReport> {
    let before = client.stats();
    let mut report = SyncReport::default();
    let page_size = client.page_size();

    // 1-2. Variants.
    let stored = db.run(|c| load_cursor(c, VARIANTS_CURSOR)).await?;
    let mut cursor = if full {
        Cursor::default()
    } else {
        rewind(&stored, overlap_secs)
    };
    loop {
        let page = client
            .fetch_variants_since(cursor.write_date.as_deref(), cursor.after_id, page_size)
            .await
            .context("reading product.product changes")?;
        let attrs = attribute_values(client, &page.variants).await?;
        let now = now_ms();
        let rows: Vec<OdooProduct> = page
            .variants
            .iter()
            .map(|v| map_variant(v, &attrs, now))
            .collect();
        cursor = Cursor {
            write_date: page.next_cursor.clone().or(cursor.write_date),
            after_id: page.next_after_id,
        };
        // Never move the stored cursor backwards (the overlap re-reads what it already has).
        let keep = if cursor.write_date >= stored.write_date {
            Some(cursor.clone())
        } else {
            None
        };
        report.upserted += db
            .write(move |c| store_page(c, &rows, keep.as_ref().map(|k| (VARIANTS_CURSOR, k)), now))
            .await?;
        report.pages += 1;
        report.variants_read += page.variants.len();
        progress(report.variants_read);
        if !page.has_more {
            break;
        }
    }

    // 3. Templates changed on their own.
    let stored_t = db.run(|c| load_cursor(c, TEMPLATES_CURSOR)).await?;
    if !full {
        let since = rewind(&stored_t, overlap_secs);
        let domain = match &since.write_date {
            Some(w) => json!([["write_date", ">=", w]]),
            None => json!([]),
        };
        let mut context = serde_json::Map::new();
        context.insert("active_test".into(), json!(false));
        let templates = client
            .search_read_all(
                "product.template",
                domain,
                &["write_date", "product_variant_ids"],
                Some("write_date asc, id asc"),
                Some(context),
            )
            .await
            .context("reading product.template changes")?;
        // Templates whose write date the hub already has were read with their variants.
        let known: HashMap<i64, Option<String>> = db
            .run(|c| {
                products::table
                    .select((
                        products::odoo_template_id,
                        products::odoo_template_write_date,
                    ))
                    .load::<(Option<i64>, Option<String>)>(c)
            })
            .await?
            .into_iter()
            .filter_map(|(t, w)| t.map(|t| (t, w)))
            .collect();
        let mut variant_ids = Vec::new();
        let mut newest = stored_t.write_date.clone();
        let mut changed = 0;
        for t in &templates {
            let wd = t.datetime("write_date")?;
            if known.get(&t.id()).is_none_or(|stored| *stored != wd) {
                variant_ids.extend(t.ids("product_variant_ids")?);
                changed += 1;
            }
            if wd > newest {
                newest = wd;
            }
        }
        report.templates_changed = changed;
        report.upserted += sync_product_ids(db, client, &variant_ids)
            .await
            .context("reading changed templates' variants")?;
        let cursor_t = Cursor {
            write_date: newest,
            after_id: 0,
        };
        let now = now_ms();
        db.write(move |c| save_cursor(c, TEMPLATES_CURSOR, &cursor_t, now))
            .await?;
    } else {
        // A full sync has read every variant with its template: the template cursor starts at
        // the newest template write seen.
        let newest = db
            .run(|c| {
                products::table
                    .select(diesel::dsl::max(products::odoo_template_write_date))
                    .first::<Option<String>>(c)
            })
            .await?;
        let cursor_t = Cursor {
            write_date: newest,
            after_id: 0,
        };
        let now = now_ms();
        db.write(move |c| save_cursor(c, TEMPLATES_CURSOR, &cursor_t, now))
            .await?;
    }

    // 4. Deletions (full sync): what Odoo no longer has becomes inactive.
    if full {
        let ids: HashSet<i64> = client
            .all_variant_ids()
            .await
            .context("listing product.product ids")?
            .into_iter()
            .collect();
        let now = now_ms();
        report.deactivated = db
            .write(move |c| {
                let known: Vec<i64> = products::table
                    .filter(products::active.eq(1))
                    .select(products::odoo_id)
                    .load::<Option<i64>>(c)?
                    .into_iter()
                    .flatten()
                    .collect();
                let gone: Vec<i64> = known.into_iter().filter(|id| !ids.contains(id)).collect();
                for chunk in gone.chunks(500) {
                    diesel::update(products::table.filter(products::odoo_id.eq_any(chunk)))
                        .set((products::active.eq(0), products::updated_at.eq(now)))
                        .execute(c)?;
                }
                Ok(gone.len())
            })
            .await?;
    }

    let after = client.stats();
    report.rpc_calls = after.rpc_calls - before.rpc_calls;
    report.request_bytes = after.request_bytes - before.request_bytes;
    report.response_bytes = after.response_bytes - before.response_bytes;
    Ok(report)
}

/// Upserts the given variants at once (the addon reported them changed).
pub async fn sync_product_ids(db: &Db, client: &OdooClient, ids: &[i64]) -> anyhow::Result<usize> {
    let mut stored = 0;
    for chunk in ids.chunks(client.page_size().max(1)) {
        let variants = client
            .read_variants(chunk)
            .await
            .context("reading product.product")?;
        let attrs = attribute_values(client, &variants).await?;
        let now = now_ms();
        let rows: Vec<OdooProduct> = variants
            .iter()
            .map(|v| map_variant(v, &attrs, now))
            .collect();
        stored += db.write(move |c| store_page(c, &rows, None, now)).await?;
    }
    Ok(stored)
}

/// The periodic (and on-demand) product sync job.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SyncProducts {
    #[serde(default)]
    pub full: bool,
}

impl Job for SyncProducts {
    const KIND: &'static str = "odoo.products.sync";
    type Context = AppState;

    fn dedup_key(&self) -> Option<String> {
        Some(if self.full { "full" } else { "incremental" }.to_string())
    }

    async fn run(self, state: AppState) -> anyhow::Result<()> {
        let client = state.odoo.client().await.context("connecting to Odoo")?;
        let report = sync_products(
            &state.db,
            client,
            state.settings.odoo.overlap_secs,
            self.full,
            &|_| {},
        )
        .await?;
        log::info!(
            "product sync ({}): {} variant(s) read in {} page(s), {} stored, {} template(s) changed, {} deactivated, {} RPC call(s)",
            if self.full { "full" } else { "incremental" },
            report.variants_read,
            report.pages,
            report.upserted,
            report.templates_changed,
            report.deactivated,
            report.rpc_calls
        );
        push_dirty_listings(&state).await?;
        super::listings::publish_in_sandbox(&state).await?;
        Ok(())
    }
}

/// Sync of specific variants, enqueued when the addon reports product changes.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SyncProductIds {
    pub ids: Vec<i64>,
}

impl Job for SyncProductIds {
    const KIND: &'static str = "odoo.products.sync_ids";
    const PRIORITY: i32 = 5;
    type Context = AppState;

    async fn run(self, state: AppState) -> anyhow::Result<()> {
        let client = state.odoo.client().await.context("connecting to Odoo")?;
        let n = sync_product_ids(&state.db, client, &self.ids).await?;
        log::info!("product sync of {} id(s): {n} stored", self.ids.len());
        push_dirty_listings(&state).await?;
        Ok(())
    }
}
