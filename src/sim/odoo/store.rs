//! The emulator's records: stored values, relations, computed fields and the ORM's writes
//! (`create`, `write`, `unlink` with x2many commands, `_inherits`, variants, constraints).
//!
//! Stored values use one convention: text-like fields hold a string or `null`, numbers a number,
//! booleans a bool, many2one an id or `null`, many2many an array of ids. One2many fields are not
//! stored: they are read back through an index of the inverse many2one. `read` turns these into
//! Odoo's wire forms (`false` for empty, `[id, name]` for many2one).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::model::{FieldDef, FieldType, ModelDef, Registry, Source};
use crate::rpc::datetime;
use crate::rpc::error::OdooException;

pub type Vals = Map<String, Value>;

#[derive(Clone, Debug, Default)]
pub struct Row {
    pub vals: HashMap<&'static str, Value>,
    /// Microseconds since the epoch, as PostgreSQL keeps them.
    pub create_us: i64,
    pub write_us: i64,
}

#[derive(Debug, Default)]
pub struct Table {
    next_id: i64,
    pub rows: BTreeMap<i64, Row>,
}

/// All records of one emulated database.
#[derive(Debug)]
pub struct Store {
    pub reg: Arc<Registry>,
    pub tables: HashMap<&'static str, Table>,
    /// (model, many2one field) → target id → ids of `model` pointing at it.
    backrefs: HashMap<(&'static str, &'static str), HashMap<i64, BTreeSet<i64>>>,
    /// The current transaction's start (`env.cr.now()`), microseconds.
    pub now_us: i64,
    /// Added to the wall clock: tests move time.
    pub clock_offset_us: i64,
    /// The user of the current call.
    pub uid: i64,
    /// Quantities promised by confirmed orders, per product (what `outgoing_qty` reports).
    pub outgoing: HashMap<i64, f64>,
    sequences: HashMap<&'static str, i64>,
    /// While a call runs: how to undo what it did (a failed call leaves no trace, as a rolled
    /// back transaction).
    journal: Option<Journal>,
}

#[derive(Debug)]
enum Undo {
    Inserted(&'static str, i64),
    Removed(&'static str, i64, Row),
    Set(&'static str, i64, Vec<(&'static str, Option<Value>)>, i64),
}

#[derive(Debug)]
struct Journal {
    undo: Vec<Undo>,
    outgoing: HashMap<i64, f64>,
    sequences: HashMap<&'static str, i64>,
}

fn wall_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a microsecond timestamp, truncated to seconds as Odoo shows it.
pub fn format_datetime(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|t| datetime::format_utc(&t))
        .unwrap_or_default()
}

/// Parses Odoo's server formats: `YYYY-MM-DD HH:MM:SS` or a bare date (midnight).
pub fn parse_datetime(text: &str) -> Option<i64> {
    datetime::parse_server(text).map(|t| t.and_utc().timestamp_micros())
}

impl Store {
    pub fn new(reg: Arc<Registry>) -> Self {
        let tables = reg
            .names()
            .map(|n| {
                (
                    *n,
                    Table {
                        next_id: 1,
                        rows: BTreeMap::new(),
                    },
                )
            })
            .collect();
        Self {
            reg,
            tables,
            backrefs: HashMap::new(),
            now_us: wall_us(),
            clock_offset_us: 0,
            uid: 2,
            outgoing: HashMap::new(),
            sequences: HashMap::new(),
            journal: None,
        }
    }

    /// Starts recording what the current call changes.
    pub fn snapshot(&mut self) {
        self.journal = Some(Journal {
            undo: Vec::new(),
            outgoing: self.outgoing.clone(),
            sequences: self.sequences.clone(),
        });
    }

    /// Keeps the current call's changes.
    pub fn commit(&mut self) {
        self.journal = None;
    }

    /// Undoes the current call's changes.
    pub fn restore(&mut self) {
        let Some(journal) = self.journal.take() else {
            return;
        };
        for undo in journal.undo.into_iter().rev() {
            match undo {
                Undo::Inserted(model, id) => self.remove(model, &[id]),
                Undo::Removed(model, id, row) => {
                    let vals = row.vals.clone();
                    if let Some(t) = self.tables.get_mut(model) {
                        t.rows.insert(
                            id,
                            Row {
                                vals: HashMap::new(),
                                ..row.clone()
                            },
                        );
                    }
                    self.set(model, id, vals);
                    if let Some(r) = self.tables.get_mut(model).and_then(|t| t.rows.get_mut(&id)) {
                        r.write_us = row.write_us;
                    }
                }
                Undo::Set(model, id, old, write_us) => {
                    let mut restore = HashMap::new();
                    let mut unset = Vec::new();
                    for (field, value) in old {
                        match value {
                            Some(v) => {
                                restore.insert(field, v);
                            }
                            None => unset.push(field),
                        }
                    }
                    for field in &unset {
                        restore.insert(*field, Value::Null);
                    }
                    self.set(model, id, restore);
                    if let Some(r) = self.tables.get_mut(model).and_then(|t| t.rows.get_mut(&id)) {
                        for field in unset {
                            r.vals.remove(field);
                        }
                        r.write_us = write_us;
                    }
                }
            }
        }
        self.outgoing = journal.outgoing;
        self.sequences = journal.sequences;
    }

    /// Starts a transaction: every write in it gets this time.
    pub fn begin(&mut self) {
        let now = wall_us() + self.clock_offset_us;
        // Strictly increasing, as transactions on one server are.
        self.now_us = now.max(self.now_us + 1);
    }

    pub fn model(&self, name: &str) -> Result<Arc<ModelDef>, OdooException> {
        self.reg
            .model(name)
            .cloned()
            .ok_or_else(|| OdooException::no_model(name))
    }

    pub fn exists(&self, model: &str, id: i64) -> bool {
        self.tables
            .get(model)
            .is_some_and(|t| t.rows.contains_key(&id))
    }

    pub fn ids(&self, model: &str) -> impl Iterator<Item = i64> + '_ {
        self.tables
            .get(model)
            .into_iter()
            .flat_map(|t| t.rows.keys().copied())
    }

    pub fn row(&self, model: &str, id: i64) -> Option<&Row> {
        self.tables.get(model).and_then(|t| t.rows.get(&id))
    }

    /// A stored value (`null` when unset or missing).
    pub fn stored(&self, model: &str, id: i64, field: &str) -> Value {
        self.row(model, id)
            .and_then(|r| r.vals.get(field))
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn m2o(&self, model: &str, id: i64, field: &str) -> Option<i64> {
        self.stored(model, id, field).as_i64()
    }

    fn text(&self, model: &str, id: i64, field: &str) -> Option<String> {
        self.stored(model, id, field).as_str().map(str::to_string)
    }

    /// A stored number (0.0 when unset).
    pub fn float(&self, model: &str, id: i64, field: &str) -> f64 {
        self.stored(model, id, field).as_f64().unwrap_or(0.0)
    }

    /// Ids of `model` whose many2one `field` points at `target`.
    pub fn children(&self, model: &'static str, field: &'static str, target: i64) -> Vec<i64> {
        self.backrefs
            .get(&(model, field))
            .and_then(|m| m.get(&target))
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The value of `field` as the domain engine and `read` see it, before wire formatting:
    /// stored, inherited or computed.
    pub fn value(&self, model: &ModelDef, id: i64, field: &FieldDef, ctx: &Vals) -> Value {
        match field.source {
            Source::Stored => match field.name {
                "id" => json!(id),
                "write_date" => self
                    .row(model.name, id)
                    .map_or(Value::Null, |r| json!(format_datetime(r.write_us))),
                "create_date" => self
                    .row(model.name, id)
                    .map_or(Value::Null, |r| json!(format_datetime(r.create_us))),
                _ => match &field.ty {
                    FieldType::One2many(comodel, inverse) => self.one2many(comodel, inverse, id),
                    _ => self.stored(model.name, id, field.name),
                },
            },
            Source::Inherited => {
                let Some((parent, link)) = model.inherits else {
                    return Value::Null;
                };
                let (Some(pid), Ok(pmodel)) = (self.m2o(model.name, id, link), self.model(parent))
                else {
                    return Value::Null;
                };
                match pmodel.field(field.name) {
                    Some(pf) => self.value(&pmodel, pid, pf, ctx),
                    None => Value::Null,
                }
            }
            Source::Computed => self.compute(model, id, field, ctx),
        }
    }

    fn one2many(&self, comodel: &'static str, inverse: &'static str, id: i64) -> Value {
        let mut ids = self.children(comodel, inverse, id);
        if comodel == "sale.order.line" {
            ids.sort_by_key(|&l| {
                (
                    self.stored(comodel, l, "sequence").as_i64().unwrap_or(10),
                    l,
                )
            });
        }
        json!(ids)
    }

    /// The record's display name.
    pub fn display_name(&self, model: &str, id: i64) -> String {
        let Ok(m) = self.model(model) else {
            return String::new();
        };
        match model {
            "product.product" => {
                let tmpl = self.m2o(model, id, "product_tmpl_id").unwrap_or(0);
                let name = self
                    .text("product.template", tmpl, "name")
                    .unwrap_or_default();
                let mut values: Vec<String> = self
                    .stored(model, id, "product_template_attribute_value_ids")
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_i64)
                    .filter_map(|v| {
                        let pav = self.m2o(
                            "product.template.attribute.value",
                            v,
                            "product_attribute_value_id",
                        )?;
                        self.text("product.attribute.value", pav, "name")
                    })
                    .collect();
                values.retain(|v| !v.is_empty());
                let mut out = match self.text(model, id, "default_code") {
                    Some(code) => format!("[{code}] {name}"),
                    None => name,
                };
                if !values.is_empty() {
                    out = format!("{out} ({})", values.join(", "));
                }
                out
            }
            "product.template" => {
                let name = self.text(model, id, "name").unwrap_or_default();
                match self.text(model, id, "default_code") {
                    Some(code) => format!("[{code}] {name}"),
                    None => name,
                }
            }
            "product.template.attribute.value" => {
                let pav = self
                    .m2o(model, id, "product_attribute_value_id")
                    .unwrap_or(0);
                let attr = self
                    .m2o("product.attribute.value", pav, "attribute_id")
                    .unwrap_or(0);
                format!(
                    "{}: {}",
                    self.text("product.attribute", attr, "name")
                        .unwrap_or_default(),
                    self.text("product.attribute.value", pav, "name")
                        .unwrap_or_default()
                )
            }
            "product.template.attribute.line" => {
                let attr = self.m2o(model, id, "attribute_id").unwrap_or(0);
                self.text("product.attribute", attr, "name")
                    .unwrap_or_default()
            }
            "res.partner" => self.partner_name(id),
            "res.country.state" => {
                let country = self.m2o(model, id, "country_id").unwrap_or(0);
                format!(
                    "{} ({})",
                    self.text(model, id, "name").unwrap_or_default(),
                    self.text("res.country", country, "code")
                        .unwrap_or_default()
                )
            }
            "stock.location" | "product.category" => self.path_name(model, id),
            "stock.quant" => self.display_name(
                "product.product",
                self.m2o(model, id, "product_id").unwrap_or(0),
            ),
            "sale.order.line" => {
                let order = self.m2o(model, id, "order_id").unwrap_or(0);
                let first = self.text(model, id, "name").unwrap_or_default();
                let first = first.lines().next().unwrap_or_default().to_string();
                format!(
                    "{} - {first}",
                    self.text("sale.order", order, "name").unwrap_or_default()
                )
            }
            _ => {
                let field = m.rec_name;
                match self.stored(model, id, field) {
                    Value::String(s) => s,
                    Value::Number(n) => n.to_string(),
                    _ => format!("{model},{id}"),
                }
            }
        }
    }

    fn partner_name(&self, id: i64) -> String {
        let name = self.text("res.partner", id, "name");
        match self.m2o("res.partner", id, "parent_id") {
            Some(parent)
                if !self
                    .stored("res.partner", id, "is_company")
                    .as_bool()
                    .unwrap_or(false) =>
            {
                let parent_name = self.partner_name(parent);
                match name {
                    Some(n) => format!("{parent_name}, {n}"),
                    None => parent_name,
                }
            }
            _ => name.unwrap_or_default(),
        }
    }

    fn path_name(&self, model: &str, id: i64) -> String {
        let parent_field = if model == "stock.location" {
            "location_id"
        } else {
            "parent_id"
        };
        let sep = if model == "stock.location" {
            "/"
        } else {
            " / "
        };
        let name = self.text(model, id, "name").unwrap_or_default();
        // Locations under a root view ("Physical Locations") start their path below it.
        match self.m2o(model, id, parent_field) {
            Some(parent) if !(model == "stock.location" && self.is_root_view(parent)) => {
                format!("{}{sep}{name}", self.path_name(model, parent))
            }
            _ => name,
        }
    }

    fn is_root_view(&self, location: i64) -> bool {
        self.m2o("stock.location", location, "location_id")
            .is_none()
            && self.text("stock.location", location, "usage").as_deref() == Some("view")
    }

    /// Internal locations a stock figure counts: `context.location` / `context.warehouse` (id or
    /// list of ids), else every internal location.
    fn stock_locations(&self, ctx: &Vals) -> BTreeSet<i64> {
        let ids = |v: &Value| -> Vec<i64> {
            match v {
                Value::Number(n) => n.as_i64().into_iter().collect(),
                Value::Array(a) => a.iter().filter_map(Value::as_i64).collect(),
                _ => Vec::new(),
            }
        };
        let mut roots: Vec<i64> = ctx.get("location").map(ids).unwrap_or_default();
        if let Some(w) = ctx.get("warehouse") {
            roots.extend(
                ids(w)
                    .into_iter()
                    .filter_map(|w| self.m2o("stock.warehouse", w, "lot_stock_id")),
            );
        }
        let internal =
            |l: &i64| self.text("stock.location", *l, "usage").as_deref() == Some("internal");
        if roots.is_empty() {
            return self.ids("stock.location").filter(internal).collect();
        }
        let mut out = BTreeSet::new();
        let mut todo = roots;
        while let Some(l) = todo.pop() {
            if out.insert(l) {
                todo.extend(self.children("stock.location", "location_id", l));
            }
        }
        out.into_iter().filter(internal).collect()
    }

    /// (on hand, reserved) of a variant in the counted locations.
    fn stock_of(&self, product: i64, ctx: &Vals) -> (f64, f64) {
        let locations = self.stock_locations(ctx);
        self.children("stock.quant", "product_id", product)
            .into_iter()
            .filter(|q| {
                self.m2o("stock.quant", *q, "location_id")
                    .is_some_and(|l| locations.contains(&l))
            })
            .fold((0.0, 0.0), |(qty, res), q| {
                (
                    qty + self.float("stock.quant", q, "quantity"),
                    res + self.float("stock.quant", q, "reserved_quantity"),
                )
            })
    }

    fn variants_of(&self, template: i64) -> Vec<i64> {
        self.children("product.product", "product_tmpl_id", template)
    }

    fn compute(&self, model: &ModelDef, id: i64, field: &FieldDef, ctx: &Vals) -> Value {
        let m = model.name;
        match (m, field.name) {
            (_, "display_name") => json!(self.display_name(m, id)),
            (_, "complete_name") => json!(self.display_name(m, id)),
            ("res.partner", "commercial_partner_id") => {
                let mut cur = id;
                while !self.stored(m, cur, "is_company").as_bool().unwrap_or(false) {
                    match self.m2o(m, cur, "parent_id") {
                        Some(p) => cur = p,
                        None => break,
                    }
                }
                json!(cur)
            }
            // An order in another currency takes its pricelist's (17+: the pricelist is
            // optional and the company's currency is the default).
            ("sale.order", "currency_id") => {
                let pricelist_currency = self
                    .m2o(m, id, "pricelist_id")
                    .and_then(|p| self.m2o("product.pricelist", p, "currency_id"));
                json!(pricelist_currency.or_else(|| self.company_currency()))
            }
            (_, "currency_id")
                if m.starts_with("product.") && m != "product.pricelist"
                    || m == "sale.order.line" =>
            {
                json!(self.company_currency())
            }
            ("product.product", "price_extra") => json!(self.price_extra(id)),
            ("product.product", "lst_price") => {
                let tmpl = self.m2o(m, id, "product_tmpl_id").unwrap_or(0);
                json!(self.float("product.template", tmpl, "list_price") + self.price_extra(id))
            }
            ("product.product", "combination_indices") => {
                let mut ptavs: Vec<i64> = self
                    .stored(m, id, "product_template_attribute_value_ids")
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_i64)
                    .collect();
                ptavs.sort_unstable();
                json!(
                    ptavs
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }
            ("product.product", "qty_available") => json!(self.stock_of(id, ctx).0),
            ("product.product", "free_qty") => {
                let (qty, reserved) = self.stock_of(id, ctx);
                json!(qty - reserved)
            }
            ("product.product", "outgoing_qty") => {
                json!(self.outgoing.get(&id).copied().unwrap_or(0.0))
            }
            ("product.product", "incoming_qty") => json!(0.0),
            ("product.product", "virtual_available") => {
                json!(self.stock_of(id, ctx).0 - self.outgoing.get(&id).copied().unwrap_or(0.0))
            }
            ("product.template", "qty_available" | "virtual_available") => {
                let pf = self
                    .reg
                    .model("product.product")
                    .and_then(|p| p.field(field.name))
                    .cloned();
                let Some(pf) = pf else { return json!(0.0) };
                let Ok(pm) = self.model("product.product") else {
                    return json!(0.0);
                };
                json!(
                    self.variants_of(id)
                        .iter()
                        .map(|v| self.value(&pm, *v, &pf, ctx).as_f64().unwrap_or(0.0))
                        .sum::<f64>()
                )
            }
            ("product.template", "product_variant_count") => json!(self.variants_of(id).len()),
            ("product.template.attribute.value", "name") => {
                let pav = self.m2o(m, id, "product_attribute_value_id").unwrap_or(0);
                json!(self.text("product.attribute.value", pav, "name"))
            }
            ("product.template.attribute.value", "attribute_id") => {
                let pav = self.m2o(m, id, "product_attribute_value_id").unwrap_or(0);
                json!(self.m2o("product.attribute.value", pav, "attribute_id"))
            }
            ("stock.quant", "inventory_diff_quantity") => {
                if self
                    .stored(m, id, "inventory_quantity_set")
                    .as_bool()
                    .unwrap_or(false)
                {
                    json!(self.float(m, id, "inventory_quantity") - self.float(m, id, "quantity"))
                } else {
                    json!(0.0)
                }
            }
            ("stock.quant", "inventory_quantity_auto_apply") => {
                json!(self.float(m, id, "quantity"))
            }
            ("stock.picking", "picking_type_code") => json!("outgoing"),
            ("stock.quant", "available_quantity") => {
                json!(self.float(m, id, "quantity") - self.float(m, id, "reserved_quantity"))
            }
            ("stock.quant", "is_outdated") => json!(false),
            ("stock.quant", "product_tmpl_id") => {
                json!(self.m2o(m, id, "product_id").and_then(|p| self.m2o(
                    "product.product",
                    p,
                    "product_tmpl_id"
                )))
            }
            ("stock.quant", "product_uom_id" | "product_categ_id") => {
                let tmpl = self
                    .m2o(m, id, "product_id")
                    .and_then(|p| self.m2o("product.product", p, "product_tmpl_id"))
                    .unwrap_or(0);
                json!(self.m2o(
                    "product.template",
                    tmpl,
                    if field.name == "product_uom_id" {
                        "uom_id"
                    } else {
                        "categ_id"
                    }
                ))
            }
            ("stock.quant", "warehouse_id") => {
                json!(self.m2o(m, id, "location_id").and_then(|l| self.m2o(
                    "stock.location",
                    l,
                    "warehouse_id"
                )))
            }
            ("res.partner", "country_code") => json!(
                self.m2o(m, id, "country_id")
                    .and_then(|c| self.text("res.country", c, "code"))
            ),
            ("sale.order.line", "order_partner_id") => json!(
                self.m2o(m, id, "order_id")
                    .and_then(|o| self.m2o("sale.order", o, "partner_id"))
            ),
            ("sale.order.line", "product_template_id") => {
                json!(self.m2o(m, id, "product_id").and_then(|p| self.m2o(
                    "product.product",
                    p,
                    "product_tmpl_id"
                )))
            }
            ("sale.order.line", "state") => json!(
                self.m2o(m, id, "order_id")
                    .and_then(|o| self.text("sale.order", o, "state"))
            ),
            ("sale.order.line", "price_tax") => json!(self.line_amounts(id).1),
            ("sale.order", "delivery_status") => {
                if self.stored(m, id, "state").as_str() == Some("sale") {
                    json!("pending")
                } else {
                    Value::Null
                }
            }
            ("sale.order", "invoice_status") => json!("no"),
            ("sale.order.line", "qty_delivered" | "qty_invoiced") => json!(0.0),
            ("sale.order.line", "price_subtotal") => json!(self.line_amounts(id).0),
            ("sale.order.line", "price_total") => {
                let (sub, tax) = self.line_amounts(id);
                json!(sub + tax)
            }
            ("sale.order", "amount_untaxed" | "amount_tax" | "amount_total") => {
                let (sub, tax) = self
                    .children("sale.order.line", "order_id", id)
                    .iter()
                    .map(|l| self.line_amounts(*l))
                    .fold((0.0, 0.0), |(a, b), (s, t)| (a + s, b + t));
                json!(match field.name {
                    "amount_untaxed" => round2(sub),
                    "amount_tax" => round2(tax),
                    _ => round2(sub + tax),
                })
            }
            (_, "image_1920") => Value::Null,
            _ => match &field.ty {
                FieldType::One2many(comodel, inverse) => self.one2many(comodel, inverse, id),
                FieldType::Float | FieldType::Monetary => json!(0.0),
                _ => Value::Null,
            },
        }
    }

    fn price_extra(&self, variant: i64) -> f64 {
        self.stored(
            "product.product",
            variant,
            "product_template_attribute_value_ids",
        )
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .map(|v| self.float("product.template.attribute.value", v, "price_extra"))
        .sum()
    }

    /// (subtotal, tax) of an order line; taxes are percentages on the untaxed price unless
    /// price-included.
    fn line_amounts(&self, line: i64) -> (f64, f64) {
        let m = "sale.order.line";
        if self.stored(m, line, "display_type").is_string() {
            return (0.0, 0.0);
        }
        let gross = self.float(m, line, "product_uom_qty")
            * self.float(m, line, "price_unit")
            * (1.0 - self.float(m, line, "discount") / 100.0);
        let tax_field = if self.reg.version >= 19 {
            "tax_ids"
        } else {
            "tax_id"
        };
        let taxes: Vec<i64> = self
            .stored(m, line, tax_field)
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_i64)
            .collect();
        let mut sub = gross;
        let mut tax = 0.0;
        for t in taxes {
            let rate = self.float("account.tax", t, "amount") / 100.0;
            if self
                .stored("account.tax", t, "price_include")
                .as_bool()
                .unwrap_or(false)
            {
                let base = gross / (1.0 + rate);
                tax += gross - base;
                sub = base;
            } else {
                tax += gross * rate;
            }
        }
        (round2(sub), round2(tax))
    }

    pub fn company_currency(&self) -> Option<i64> {
        self.ids("res.company")
            .next()
            .and_then(|c| self.m2o("res.company", c, "currency_id"))
    }

    /// The next number of a sequence (`S00001`).
    pub fn next_sequence(&mut self, code: &'static str) -> i64 {
        let n = self.sequences.entry(code).or_insert(0);
        *n += 1;
        *n
    }

    /// Inserts a row with exactly these stored values (no defaults, no checks): the seeding and
    /// the ORM's final step.
    pub fn insert(&mut self, model: &'static str, vals: HashMap<&'static str, Value>) -> i64 {
        let id = self.tables.get(model).map_or(0, |t| t.next_id);
        self.insert_at(model, id, vals)
    }

    /// Inserts a row under a chosen id (the seed gives demo records the ids a real demo database
    /// has); later inserts continue above the highest id.
    pub fn insert_at(
        &mut self,
        model: &'static str,
        id: i64,
        vals: HashMap<&'static str, Value>,
    ) -> i64 {
        let now = self.now_us;
        let Some(table) = self.tables.get_mut(model) else {
            return 0;
        };
        table.next_id = table.next_id.max(id + 1);
        let mut row = Row {
            vals: HashMap::new(),
            create_us: now,
            write_us: now,
        };
        row.vals.insert("create_uid", json!(self.uid));
        row.vals.insert("write_uid", json!(self.uid));
        table.rows.insert(id, row);
        let journal = self.journal.take();
        self.set(model, id, vals);
        self.journal = journal;
        if let Some(j) = &mut self.journal {
            j.undo.push(Undo::Inserted(model, id));
        }
        id
    }

    /// Sets stored values on an existing row, keeping the many2one index current, and bumps its
    /// `write_date`.
    pub fn set(&mut self, model: &'static str, id: i64, vals: HashMap<&'static str, Value>) {
        let Some(def) = self.reg.model(model).cloned() else {
            return;
        };
        let now = self.now_us;
        let uid = self.uid;
        if let Some(journal) = &mut self.journal
            && let Some(row) = self.tables.get(model).and_then(|t| t.rows.get(&id))
        {
            let mut old: Vec<(&'static str, Option<Value>)> = vals
                .keys()
                .map(|f| (*f, row.vals.get(f).cloned()))
                .collect();
            old.push(("write_uid", row.vals.get("write_uid").cloned()));
            journal.undo.push(Undo::Set(model, id, old, row.write_us));
        }
        for (field, value) in vals {
            if let Some(FieldType::Many2one(_)) = def.field(field).map(|f| &f.ty) {
                let old = self.stored(model, id, field).as_i64();
                let index = self.backrefs.entry((model, field)).or_default();
                if let Some(old) = old
                    && let Some(set) = index.get_mut(&old)
                {
                    set.remove(&id);
                }
                if let Some(new) = value.as_i64() {
                    index.entry(new).or_default().insert(id);
                }
            }
            if let Some(row) = self.tables.get_mut(model).and_then(|t| t.rows.get_mut(&id)) {
                row.vals.insert(field, value);
            }
        }
        if let Some(row) = self.tables.get_mut(model).and_then(|t| t.rows.get_mut(&id)) {
            row.write_us = now;
            row.vals.insert("write_uid", json!(uid));
        }
    }

    /// Removes rows (and their many2one index entries).
    pub fn remove(&mut self, model: &'static str, ids: &[i64]) {
        let Some(def) = self.reg.model(model).cloned() else {
            return;
        };
        for &id in ids {
            let Some(row) = self.tables.get_mut(model).and_then(|t| t.rows.remove(&id)) else {
                continue;
            };
            if let Some(j) = &mut self.journal {
                j.undo.push(Undo::Removed(model, id, row.clone()));
            }
            for f in def
                .fields
                .iter()
                .filter(|f| matches!(f.ty, FieldType::Many2one(_)))
            {
                if let Some(target) = row.vals.get(f.name).and_then(Value::as_i64)
                    && let Some(set) = self
                        .backrefs
                        .get_mut(&(model, f.name))
                        .and_then(|m| m.get_mut(&target))
                {
                    set.remove(&id);
                }
            }
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
