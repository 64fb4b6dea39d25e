//! Flow 4: products hub → Odoo.
//!
//! A product created or edited in the hub keeps its changes in `pending` (a JSON object of the
//! changed fields) until a push job sends them. Before writing, the job checks that the
//! variant's and the template's `write_date` in Odoo are still the ones the hub last saw; if
//! Odoo changed meanwhile, the hub records a conflict with both versions and writes nothing. It
//! never silently overwrites.

use anyhow::{Context, anyhow};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::db::models::ProductRow;
use crate::db::schema::{product_conflicts, products};
use crate::db::{Db, DbError};
use crate::jobs::{Job, Queue, now_ms};
use crate::odoo::OdooClient;
use crate::state::AppState;
use crate::sync::products::sync_product_ids;

/// Hub fields that can change, with the Odoo model and field each goes to.
const FIELDS: &[(&str, &str, &str)] = &[
    ("name", "product.template", "name"),
    ("description", "product.template", "description_sale"),
    ("list_price", "product.template", "list_price"),
    ("sku", "product.product", "default_code"),
    ("barcode", "product.product", "barcode"),
    ("cost", "product.product", "standard_price"),
];

/// Checks a set of hub changes: known fields, values of the right type.
pub fn validate_changes(changes: &Map<String, Value>) -> Result<(), String> {
    if changes.is_empty() {
        return Err("no field to change".into());
    }
    for (field, value) in changes {
        match field.as_str() {
            "name" => {
                if value.as_str().is_none_or(|s| s.trim().is_empty()) {
                    return Err("name: must be a non-empty string".into());
                }
            }
            "description" | "sku" | "barcode" => {
                if !(value.is_string() || value.is_null()) {
                    return Err(format!("{field}: must be a string or null"));
                }
            }
            "list_price" | "cost" => {
                if value.as_f64().is_none_or(|v| !v.is_finite() || v < 0.0) {
                    return Err(format!("{field}: must be a number >= 0"));
                }
            }
            other => return Err(format!("{other}: not a product field the hub can change")),
        }
    }
    Ok(())
}

fn apply_local(row: &mut ProductRow, changes: &Map<String, Value>) {
    for (field, value) in changes {
        let text = value.as_str().map(str::to_string);
        match field.as_str() {
            "name" => row.name = text.unwrap_or_default(),
            "description" => row.description = text,
            "sku" => row.sku = text,
            "barcode" => row.barcode = text,
            "list_price" => row.list_price = value.as_f64().unwrap_or(row.list_price),
            "cost" => row.cost = value.as_f64().unwrap_or(row.cost),
            _ => {}
        }
    }
}

/// Creates a product in the hub; it reaches Odoo with the next push. Returns its hub id.
pub async fn create_product(
    db: &Db,
    queue: &Queue,
    values: Map<String, Value>,
) -> anyhow::Result<i64> {
    validate_changes(&values).map_err(|e| anyhow!(e))?;
    if !values.contains_key("name") {
        return Err(anyhow!("name: required"));
    }
    let now = now_ms();
    let pending = Value::Object(values.clone()).to_string();
    let id = db
        .write(move |c| {
            let mut row = ProductRow {
                id: 0,
                odoo_id: None,
                odoo_template_id: None,
                sku: None,
                barcode: None,
                name: String::new(),
                display_name: String::new(),
                description: None,
                list_price: 0.0,
                cost: 0.0,
                currency: String::new(),
                attributes: "[]".into(),
                storable: 1,
                active: 1,
                odoo_write_date: None,
                odoo_template_write_date: None,
                created_at: now,
                updated_at: now,
                pending: None,
                push_error: None,
            };
            apply_local(&mut row, &values);
            diesel::insert_into(products::table)
                .values((
                    products::sku.eq(&row.sku),
                    products::barcode.eq(&row.barcode),
                    products::name.eq(&row.name),
                    products::display_name.eq(&row.name),
                    products::description.eq(&row.description),
                    products::list_price.eq(row.list_price),
                    products::cost.eq(row.cost),
                    products::storable.eq(1),
                    products::active.eq(1),
                    products::pending.eq(&pending),
                    products::created_at.eq(now),
                    products::updated_at.eq(now),
                ))
                .returning(products::id)
                .get_result::<i64>(c)
        })
        .await?;
    queue.enqueue(&PushProducts {}).await?;
    Ok(id)
}

/// Edits a hub product: applied to the hub row at once, sent to Odoo by the next push.
pub async fn edit_product(
    db: &Db,
    queue: &Queue,
    id: i64,
    changes: Map<String, Value>,
) -> anyhow::Result<()> {
    validate_changes(&changes).map_err(|e| anyhow!(e))?;
    let now = now_ms();
    let found = db
        .write(move |c| {
            c.transaction(|c| {
                let Some(mut row) = products::table
                    .find(id)
                    .select(ProductRow::as_select())
                    .first(c)
                    .optional()?
                else {
                    return Ok(false);
                };
                let mut pending: Map<String, Value> = row
                    .pending
                    .as_deref()
                    .and_then(|p| serde_json::from_str(p).ok())
                    .unwrap_or_default();
                pending.extend(changes.clone());
                apply_local(&mut row, &changes);
                diesel::update(products::table.find(id))
                    .set((
                        products::sku.eq(&row.sku),
                        products::barcode.eq(&row.barcode),
                        products::name.eq(&row.name),
                        products::description.eq(&row.description),
                        products::list_price.eq(row.list_price),
                        products::cost.eq(row.cost),
                        products::pending.eq(Value::Object(pending).to_string()),
                        products::updated_at.eq(now),
                    ))
                    .execute(c)?;
                Ok(true)
            })
        })
        .await?;
    if !found {
        return Err(anyhow!("product {id} does not exist"));
    }
    queue.enqueue(&PushProducts {}).await?;
    Ok(())
}

/// What a push did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PushReport {
    pub created: usize,
    pub updated: usize,
    pub conflicts: usize,
    pub failed: usize,
}

/// Splits pending changes into Odoo values per model.
fn odoo_values(pending: &Map<String, Value>) -> (Map<String, Value>, Map<String, Value>) {
    let mut template = Map::new();
    let mut variant = Map::new();
    for (hub, model, field) in FIELDS {
        if let Some(v) = pending.get(*hub) {
            let v = if v.is_null() {
                Value::Bool(false)
            } else {
                v.clone()
            };
            if *model == "product.template" {
                template.insert((*field).to_string(), v);
            } else {
                variant.insert((*field).to_string(), v);
            }
        }
    }
    (template, variant)
}

async fn set_push_error(db: &Db, id: i64, error: Option<String>) -> Result<(), DbError> {
    db.write(move |c| {
        diesel::update(products::table.find(id))
            .set(products::push_error.eq(error))
            .execute(c)
    })
    .await
    .map(|_| ())
}

/// Sends every product with pending hub changes to Odoo. One product's failure does not stop
/// the others; it is recorded on the product (and the job fails at the end, to be retried).
pub async fn push_products(db: &Db, client: &OdooClient) -> anyhow::Result<PushReport> {
    let waiting: Vec<ProductRow> = db
        .run(|c| {
            products::table
                .filter(products::pending.is_not_null())
                .order(products::id)
                .select(ProductRow::as_select())
                .load(c)
        })
        .await?;
    let mut report = PushReport::default();
    let mut last_error = None;
    for row in waiting {
        let id = row.id;
        match push_one(db, client, row).await {
            Ok(Outcome::Created) => report.created += 1,
            Ok(Outcome::Updated) => report.updated += 1,
            Ok(Outcome::Conflict) => report.conflicts += 1,
            Err(e) => {
                let message = format!("{e:#}");
                log::warn!("product {id}: push to Odoo failed: {message}");
                set_push_error(db, id, Some(message.clone())).await?;
                report.failed += 1;
                last_error = Some(message);
            }
        }
    }
    match last_error {
        Some(e) => Err(anyhow!(
            "{} of the products could not be pushed; last error: {e}",
            report.failed
        )),
        None => Ok(report),
    }
}

enum Outcome {
    Created,
    Updated,
    Conflict,
}

async fn push_one(db: &Db, client: &OdooClient, row: ProductRow) -> anyhow::Result<Outcome> {
    let pending: Map<String, Value> = row
        .pending
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or_default();
    let (template_vals, variant_vals) = odoo_values(&pending);
    let id = row.id;
    let (variant_id, created) = match row.odoo_id {
        Some(variant) => {
            // Has Odoo changed since the hub last read it?
            let odoo_variant = client
                .read_write_dates("product.product", &[variant])
                .await?;
            let template = row.odoo_template_id.unwrap_or(0);
            let odoo_template = client
                .read_write_dates("product.template", &[template])
                .await?;
            let now_variant = odoo_variant.first().map(|(_, w)| w.clone());
            let now_template = odoo_template.first().map(|(_, w)| w.clone());
            if now_variant.is_none() {
                return Err(anyhow!(
                    "product.product {variant} no longer exists in Odoo"
                ));
            }
            if now_variant != row.odoo_write_date || now_template != row.odoo_template_write_date {
                let theirs = client.read_variants(&[variant]).await?;
                let odoo_values = theirs.first().map_or(Value::Null, |v| {
                    json!({
                        "name": v.name, "sku": v.default_code, "barcode": v.barcode,
                        "list_price": v.lst_price, "cost": v.standard_price,
                        "description": v.template.as_ref().and_then(|t| t.description_sale.clone()),
                    })
                });
                let message = format!(
                    "conflict: changed in Odoo at {} (the hub's change was based on {}); both versions kept",
                    now_variant
                        .clone()
                        .max(now_template.clone())
                        .unwrap_or_default(),
                    row.odoo_write_date.clone().unwrap_or_default()
                );
                let now = now_ms();
                let hub = Value::Object(pending).to_string();
                let base = row.odoo_write_date.clone();
                let msg = message.clone();
                db.write(move |c| {
                    c.transaction(|c| {
                        diesel::insert_into(product_conflicts::table)
                            .values((
                                product_conflicts::product_id.eq(id),
                                product_conflicts::hub_values.eq(&hub),
                                product_conflicts::odoo_values.eq(odoo_values.to_string()),
                                product_conflicts::base_write_date.eq(&base),
                                product_conflicts::odoo_write_date.eq(&now_variant),
                                product_conflicts::detected_at.eq(now),
                            ))
                            .execute(c)?;
                        diesel::update(products::table.find(id))
                            .set(products::push_error.eq(&msg))
                            .execute(c)
                    })
                })
                .await?;
                log::warn!("product {id} (Odoo {variant}): {message}");
                return Ok(Outcome::Conflict);
            }
            if !template_vals.is_empty() {
                client
                    .write("product.template", &[template], template_vals)
                    .await?;
            }
            if !variant_vals.is_empty() {
                client
                    .write("product.product", &[variant], variant_vals)
                    .await?;
            }
            (variant, false)
        }
        None => {
            // Created in the hub. A product with this SKU may already be in Odoo (a push that
            // created it and then crashed before recording it): link it instead of a duplicate.
            let existing = match &row.sku {
                Some(sku) => client
                    .search(
                        "product.product",
                        json!([["default_code", "=", sku]]),
                        None,
                        Some(1),
                        0,
                        None,
                    )
                    .await?
                    .first()
                    .copied(),
                None => None,
            };
            let variant = match existing {
                Some(v) => {
                    if !variant_vals.is_empty() {
                        client.write("product.product", &[v], variant_vals).await?;
                    }
                    v
                }
                None => {
                    let mut vals = template_vals;
                    vals.insert("type".into(), json!("consu"));
                    let template = client
                        .create_template(vals)
                        .await
                        .context("creating the product in Odoo")?;
                    let variants = client.fetch_templates(&[template]).await?;
                    let variant = variants
                        .first()
                        .and_then(|t| t.variant_ids.first().copied())
                        .ok_or_else(|| {
                            anyhow!("Odoo created template {template} without a variant")
                        })?;
                    if !variant_vals.is_empty() {
                        client
                            .write("product.product", &[variant], variant_vals)
                            .await?;
                    }
                    variant
                }
            };
            (variant, true)
        }
    };
    // Read back what Odoo now has (its write dates become the base of the next change), and
    // clear the pending changes.
    db.write(move |c| {
        diesel::update(products::table.find(id))
            .set((
                products::odoo_id.eq(variant_id),
                products::pending.eq(None::<String>),
                products::push_error.eq(None::<String>),
            ))
            .execute(c)
    })
    .await?;
    sync_product_ids(db, client, &[variant_id]).await?;
    Ok(if created {
        Outcome::Created
    } else {
        Outcome::Updated
    })
}

/// The push job: sends pending hub changes to Odoo.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PushProducts {}

impl Job for PushProducts {
    const KIND: &'static str = "hub.products.push";
    type Context = AppState;

    fn dedup_key(&self) -> Option<String> {
        Some("all".into())
    }

    async fn run(self, state: AppState) -> anyhow::Result<()> {
        let client = state.odoo.client().await.context("connecting to Odoo")?;
        let report = push_products(&state.db, client).await?;
        log::info!(
            "product push: {} created, {} updated, {} conflict(s)",
            report.created,
            report.updated,
            report.conflicts
        );
        Ok(())
    }
}
