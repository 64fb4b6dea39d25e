//! The ORM's writing and reading methods on the emulator's store: value conversion and checks,
//! defaults, x2many commands, `_inherits`, product variants, and Odoo's wire formats on read.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::model::{FieldDef, FieldType, ModelDef, Source};
use super::store::{Store, Vals, parse_datetime};
use crate::rpc::error::OdooException;
use crate::rpc::methods as shared;

type Result<T> = std::result::Result<T, OdooException>;

/// x2many commands to run once the record exists.
struct Pending {
    field: &'static str,
    ty: FieldType,
    commands: Vec<Value>,
}

fn wrong_value(model: &str, field: &str, value: &Value) -> OdooException {
    let shown = match value {
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    };
    OdooException::value(format!("Wrong value for {model}.{field}: {shown}"))
}

/// Converts one incoming scalar value to its stored form.
fn convert(model: &ModelDef, field: &FieldDef, value: &Value) -> Result<Value> {
    let falsy = matches!(value, Value::Null | Value::Bool(false));
    Ok(match &field.ty {
        FieldType::Char | FieldType::Text | FieldType::Html | FieldType::Binary => match value {
            _ if falsy => Value::Null,
            Value::String(s) => json!(s),
            Value::Number(n) => json!(n.to_string()),
            other => json!(other.to_string()),
        },
        FieldType::Selection(options) => match value {
            _ if falsy => Value::Null,
            Value::String(s) if options.iter().any(|(k, _)| k == s) => json!(s),
            other => return Err(wrong_value(model.name, field.name, other)),
        },
        FieldType::Integer => match value {
            _ if falsy => json!(0),
            Value::Number(n) => json!(
                n.as_i64()
                    .unwrap_or_else(|| n.as_f64().unwrap_or(0.0) as i64)
            ),
            Value::Bool(true) => json!(1),
            other => {
                return Err(OdooException::value(format!(
                    "invalid literal for int() with base 10: {other}"
                )));
            }
        },
        FieldType::Float | FieldType::Monetary => match value {
            _ if falsy => json!(0.0),
            Value::Number(n) => json!(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => json!(s.trim().parse::<f64>().map_err(
                |_| OdooException::value(format!("could not convert string to float: '{s}'"))
            )?),
            other => return Err(wrong_value(model.name, field.name, other)),
        },
        FieldType::Boolean => {
            json!(!falsy && !matches!(value, Value::Number(n) if n.as_f64() == Some(0.0)))
        }
        FieldType::Date => match value {
            _ if falsy => Value::Null,
            Value::String(s) => {
                let day = s.get(..10).unwrap_or(s);
                if chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_err() {
                    return Err(OdooException::value(format!(
                        "time data '{s}' does not match format '%Y-%m-%d'"
                    )));
                }
                json!(day)
            }
            other => return Err(wrong_value(model.name, field.name, other)),
        },
        FieldType::Datetime => match value {
            _ if falsy => Value::Null,
            Value::String(s) => match parse_datetime(s) {
                Some(us) => json!(super::store::format_datetime(us)),
                None => {
                    return Err(OdooException::value(format!(
                        "time data '{s}' does not match format '%Y-%m-%d %H:%M:%S'"
                    )));
                }
            },
            other => return Err(wrong_value(model.name, field.name, other)),
        },
        FieldType::Many2one(_) => match value {
            _ if falsy => Value::Null,
            Value::Number(n) if n.as_i64().is_some() => value.clone(),
            Value::Array(a) if a.first().and_then(Value::as_i64).is_some() => a[0].clone(),
            other => return Err(wrong_value(model.name, field.name, other)),
        },
        FieldType::One2many(..) | FieldType::Many2many(_) => Value::Null,
    })
}

fn fkey_error(model: &ModelDef, field: &str) -> OdooException {
    OdooException::validation(format!(
        "The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: {} ({})\nConstraint: {}_{field}_fkey\n",
        model.description,
        model.name,
        model.name.replace('.', "_")
    ))
}

fn mandatory_error(model: &ModelDef, field: &str) -> OdooException {
    OdooException::validation(format!(
        "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: {} ({})\nField: {field}",
        model.description, model.name
    ))
}

impl Store {
    /// The field, or Odoo's ValueError for an unknown one (`writing` selects 19's create/write
    /// wording).
    fn field_or_error(&self, model: &ModelDef, name: &str) -> Result<FieldDef> {
        self.field_checked(model, name, false)
    }

    fn field_checked(&self, model: &ModelDef, name: &str, writing: bool) -> Result<FieldDef> {
        model.field(name).cloned().ok_or_else(|| {
            OdooException::value(match (self.reg.version >= 19, writing) {
                (true, true) => format!("Invalid field '{name}' in '{}'", model.name),
                (true, false) => format!("Invalid field '{name}' on '{}'", model.name),
                _ => format!("Invalid field '{name}' on model '{}'", model.name),
            })
        })
    }

    /// Defaults of a new record, for the fields `vals` leaves out.
    fn defaults(&mut self, model: &ModelDef, vals: &Vals) -> Vals {
        let mut d = Vals::new();
        let mut put = |field: &str, value: Value| {
            if model.field(field).is_some() && !vals.contains_key(field) {
                d.insert(field.to_string(), value);
            }
        };
        if model.has_active {
            put("active", json!(true));
        }
        match model.name {
            "res.partner" => {
                put("type", json!("contact"));
                put("is_company", json!(false));
                put("company_type", json!("person"));
                put("customer_rank", json!(0));
            }
            "product.template" | "product.product" => {
                put("type", json!("consu"));
                put("detailed_type", json!("consu"));
                put("is_storable", json!(false));
                put("sale_ok", json!(true));
                put("purchase_ok", json!(true));
                put("list_price", json!(1.0));
                put("priority", json!("0"));
                put("tracking", json!("none"));
                put("invoice_policy", json!("order"));
                if let Some(u) = self.ids("uom.uom").next() {
                    put("uom_po_id", json!(u));
                }
                if let Some(c) = self.ids("product.category").next() {
                    put("categ_id", json!(c));
                }
                if let Some(u) = self.ids("uom.uom").next() {
                    put("uom_id", json!(u));
                }
            }
            "sale.order" => {
                put("state", json!("draft"));
                put(
                    "date_order",
                    json!(super::store::format_datetime(self.now_us)),
                );
                put("locked", json!(false));
                if let Some(c) = self.ids("res.company").next() {
                    put("company_id", json!(c));
                }
            }
            "sale.order.line" => {
                put("sequence", json!(10));
                put("product_uom_qty", json!(1.0));
                put("discount", json!(0.0));
            }
            "stock.quant" => {
                put("quantity", json!(0.0));
                put("reserved_quantity", json!(0.0));
                put("inventory_quantity", json!(0.0));
                put("inventory_quantity_set", json!(false));
            }
            "product.template.attribute.value" => {
                put("ptav_active", json!(true));
                put("price_extra", json!(0.0));
            }
            _ => {}
        }
        d
    }

    /// Converts and checks `vals` for `model`; returns stored scalars and pending x2many
    /// commands. Inherited fields are returned apart, for the parent record.
    fn prepare(
        &self,
        model: &ModelDef,
        vals: &Vals,
    ) -> Result<(HashMap<&'static str, Value>, Vec<Pending>, Vals)> {
        let mut stored = HashMap::new();
        let mut pending = Vec::new();
        let mut inherited = Vals::new();
        for name in vals.keys() {
            self.field_checked(model, name, true)?;
        }
        for (name, value) in vals {
            let field = self.field_or_error(model, name)?;
            if field.source == Source::Inherited {
                inherited.insert(name.clone(), value.clone());
                continue;
            }
            if field.ty.is_x2many() {
                pending.push(Pending {
                    field: field.name,
                    ty: field.ty.clone(),
                    commands: normalize_commands(value),
                });
                continue;
            }
            if field.source == Source::Computed || field.name == "id" {
                // Odoo ignores writes to computed fields without an inverse.
                continue;
            }
            let converted = convert(model, &field, value)?;
            if let (FieldType::Many2one(comodel), Some(id)) = (&field.ty, converted.as_i64())
                && !self.exists(comodel, id)
            {
                return Err(fkey_error(model, field.name));
            }
            stored.insert(field.name, converted);
        }
        Ok((stored, pending, inherited))
    }

    /// `create` of one record; `ctx` is the call's context.
    pub fn create_one(&mut self, model: &ModelDef, vals: &Vals, ctx: &Vals) -> Result<i64> {
        self.create_record(model, vals, ctx, true)
    }

    fn create_record(
        &mut self,
        model: &ModelDef,
        vals: &Vals,
        ctx: &Vals,
        make_variants: bool,
    ) -> Result<i64> {
        let mut vals = vals.clone();
        for (k, v) in self.defaults(model, &vals) {
            vals.entry(k).or_insert(v);
        }
        for (key, value) in ctx {
            if let Some(field) = key.strip_prefix("default_")
                && model.field(field).is_some()
            {
                vals.entry(field.to_string()).or_insert(value.clone());
            }
        }
        match model.name {
            "stock.quant" => return self.create_quant(model, &vals, ctx),
            "sale.order" => self.sale_order_defaults(&mut vals),
            "sale.order.line" => self.order_line_defaults(&mut vals),
            _ => {}
        }
        let (mut stored, pending, inherited) = self.prepare(model, &vals)?;
        if let Some((parent, link)) = model.inherits
            && !stored.get(link).is_some_and(Value::is_i64)
        {
            let pmodel = self.model(parent)?;
            let pid = self.create_record(&pmodel, &inherited, ctx, false)?;
            stored.insert(link, json!(pid));
        } else if let Some((parent, link)) = model.inherits
            && !inherited.is_empty()
            && let Some(pid) = stored.get(link).and_then(Value::as_i64)
        {
            let pmodel = self.model(parent)?;
            self.write_ids(&pmodel, &[pid], &inherited, ctx)?;
        }
        self.check_required(model, &stored, &pending)?;
        self.check_constraints(model, None, &stored)?;
        let id = self.insert(model.name, stored);
        for p in pending {
            self.apply_commands(model, id, &p)?;
        }
        self.after_create(model, id, make_variants)?;
        Ok(id)
    }

    fn check_required(
        &self,
        model: &ModelDef,
        stored: &HashMap<&'static str, Value>,
        pending: &[Pending],
    ) -> Result<()> {
        for f in model
            .fields
            .iter()
            .filter(|f| f.required && f.source == Source::Stored)
        {
            if f.ty.is_x2many() {
                continue;
            }
            let set = stored.get(f.name).is_some_and(|v| !v.is_null())
                || pending.iter().any(|p| p.field == f.name);
            let generated = matches!(
                (model.name, f.name),
                ("sale.order", "name") | ("sale.order.line", "name")
            );
            if !set && !generated && !matches!(f.name, "quantity" | "reserved_quantity") {
                return Err(mandatory_error(model, f.name));
            }
        }
        Ok(())
    }

    /// Model-specific checks, `id` being `None` on create.
    fn check_constraints(
        &self,
        model: &ModelDef,
        id: Option<i64>,
        stored: &HashMap<&'static str, Value>,
    ) -> Result<()> {
        let current = |field: &str| -> Value {
            stored
                .get(field)
                .cloned()
                .unwrap_or_else(|| id.map_or(Value::Null, |i| self.stored(model.name, i, field)))
        };
        match model.name {
            "res.partner" => {
                if current("type").as_str().unwrap_or("contact") == "contact"
                    && current("name").is_null()
                {
                    return Err(OdooException::validation(
                        "The operation cannot be completed: Contacts require a name",
                    ));
                }
                if let (Some(id), Some(mut parent)) = (id, current("parent_id").as_i64()) {
                    loop {
                        if parent == id {
                            return Err(OdooException::validation(
                                "You cannot create recursive Partner hierarchies.",
                            ));
                        }
                        match self.stored("res.partner", parent, "parent_id").as_i64() {
                            Some(p) => parent = p,
                            None => break,
                        }
                    }
                }
            }
            "product.product" | "product.template" => {
                if let Some(barcode) = current("barcode").as_str() {
                    let dup = self.ids("product.product").find(|&other| {
                        Some(other) != id.filter(|_| model.name == "product.product")
                            && self.stored("product.product", other, "barcode").as_str()
                                == Some(barcode)
                    });
                    if model.name == "product.product"
                        && let Some(dup) = dup
                    {
                        return Err(OdooException::validation(format!(
                            "Barcode(s) already assigned:\n\n- Barcode \"{barcode}\" already assigned to product(s): {}",
                            self.display_name("product.product", dup)
                        )));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn after_create(&mut self, model: &ModelDef, id: i64, make_variants: bool) -> Result<()> {
        match model.name {
            "product.template" if make_variants => self.sync_variants(id)?,
            "sale.order" => {
                let n = self.next_sequence("sale.order");
                let mut set = HashMap::new();
                set.insert("name", json!(format!("S{n:05}")));
                self.set("sale.order", id, set);
            }
            _ => {}
        }
        Ok(())
    }

    /// Creates the variants of a template: one per combination of its attribute lines' values
    /// (one variant when it has none), with their template attribute values.
    pub fn sync_variants(&mut self, template: i64) -> Result<()> {
        let lines = self.children(
            "product.template.attribute.line",
            "product_tmpl_id",
            template,
        );
        let mut combos: Vec<Vec<i64>> = vec![Vec::new()];
        for line in lines {
            let values: Vec<i64> = self
                .stored("product.template.attribute.line", line, "value_ids")
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_i64)
                .collect();
            let mut ptavs = Vec::new();
            for value in values {
                let existing = self
                    .children(
                        "product.template.attribute.value",
                        "attribute_line_id",
                        line,
                    )
                    .into_iter()
                    .find(|p| {
                        self.stored(
                            "product.template.attribute.value",
                            *p,
                            "product_attribute_value_id",
                        )
                        .as_i64()
                            == Some(value)
                    });
                let ptav = match existing {
                    Some(p) => p,
                    None => {
                        let mut v = HashMap::new();
                        v.insert("product_tmpl_id", json!(template));
                        v.insert("attribute_line_id", json!(line));
                        v.insert("product_attribute_value_id", json!(value));
                        v.insert("price_extra", json!(0.0));
                        v.insert("ptav_active", json!(true));
                        self.insert("product.template.attribute.value", v)
                    }
                };
                ptavs.push(ptav);
            }
            if ptavs.is_empty() {
                continue;
            }
            combos = combos
                .into_iter()
                .flat_map(|c| ptavs.iter().map(move |p| [c.clone(), vec![*p]].concat()))
                .collect();
        }
        let existing: Vec<(i64, Vec<i64>)> = self
            .children("product.product", "product_tmpl_id", template)
            .into_iter()
            .map(|v| {
                let mut ptavs: Vec<i64> = self
                    .stored("product.product", v, "product_template_attribute_value_ids")
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_i64)
                    .collect();
                ptavs.sort_unstable();
                (v, ptavs)
            })
            .collect();
        for mut combo in combos {
            combo.sort_unstable();
            if existing.iter().any(|(_, p)| *p == combo) {
                continue;
            }
            let mut v = HashMap::new();
            v.insert("product_tmpl_id", json!(template));
            v.insert("active", json!(true));
            v.insert("product_template_attribute_value_ids", json!(combo));
            v.insert("standard_price", json!(0.0));
            self.insert("product.product", v);
        }
        Ok(())
    }

    fn sale_order_defaults(&self, vals: &mut Vals) {
        let Some(partner) = vals.get("partner_id").and_then(Value::as_i64) else {
            return;
        };
        for (field, kind) in [
            ("partner_invoice_id", "invoice"),
            ("partner_shipping_id", "delivery"),
        ] {
            if vals.get(field).is_none_or(|v| !v.is_i64()) && self.exists("res.partner", partner) {
                let child = self
                    .children("res.partner", "parent_id", partner)
                    .into_iter()
                    .find(|c| self.stored("res.partner", *c, "type").as_str() == Some(kind));
                vals.insert(field.to_string(), json!(child.unwrap_or(partner)));
            }
        }
    }

    fn order_line_defaults(&self, vals: &mut Vals) {
        let Some(product) = vals.get("product_id").and_then(Value::as_i64) else {
            return;
        };
        let Ok(pm) = self.model("product.product") else {
            return;
        };
        if !self.exists("product.product", product) {
            return;
        }
        let read = |field: &str| -> Value {
            pm.field(field)
                .map_or(Value::Null, |f| self.value(&pm, product, f, &Vals::new()))
        };
        if vals.get("name").is_none_or(|v| !v.is_string()) {
            let mut name = self.display_name("product.product", product);
            if let Some(desc) = read("description_sale").as_str() {
                name = format!("{name}\n{desc}");
            }
            vals.insert("name".into(), json!(name));
        }
        if !vals.contains_key("price_unit") {
            vals.insert("price_unit".into(), read("lst_price"));
        }
        let uom_field = if self.reg.version >= 19 {
            "product_uom_id"
        } else {
            "product_uom"
        };
        if !vals.contains_key(uom_field) {
            vals.insert(uom_field.into(), read("uom_id"));
        }
        let tax_field = if self.reg.version >= 19 {
            "tax_ids"
        } else {
            "tax_id"
        };
        if !vals.contains_key(tax_field) {
            vals.insert(tax_field.into(), json!([[6, 0, read("taxes_id")]]));
        }
    }

    /// `stock.quant` create: in inventory mode an upsert of the counted quantity on the quant of
    /// (product, location); quants exist for storable products only.
    fn create_quant(&mut self, model: &ModelDef, vals: &Vals, ctx: &Vals) -> Result<i64> {
        let product = vals.get("product_id").and_then(Value::as_i64);
        let location = vals.get("location_id").and_then(Value::as_i64);
        let (Some(product), Some(location)) = (product, location) else {
            return Err(mandatory_error(model, "product_id"));
        };
        if !self.exists("product.product", product) {
            return Err(fkey_error(model, "product_id"));
        }
        if !self.is_storable(product) {
            return Err(OdooException::validation(
                "Quants cannot be created for consumables or services.",
            ));
        }
        let allowed = [
            "product_id",
            "location_id",
            "lot_id",
            "package_id",
            "owner_id",
            "inventory_quantity",
            "inventory_quantity_auto_apply",
            "inventory_date",
            "user_id",
            "quantity",
            "reserved_quantity",
            "inventory_quantity_set",
        ];
        let inventory_mode = ctx
            .get("inventory_mode")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if let Some(key) = vals
            .keys()
            .find(|k| !allowed.contains(&k.as_str()) && model.field(k).is_none())
        {
            return Err(OdooException::value(format!(
                "Invalid field '{key}' on model 'stock.quant'"
            )));
        }
        let existing = self
            .children("stock.quant", "product_id", product)
            .into_iter()
            .find(|q| self.stored("stock.quant", *q, "location_id").as_i64() == Some(location));
        let id = match existing {
            Some(q) => q,
            None => {
                let mut v = HashMap::new();
                v.insert("product_id", json!(product));
                v.insert("location_id", json!(location));
                v.insert("quantity", json!(0.0));
                v.insert("reserved_quantity", json!(0.0));
                v.insert("inventory_quantity", json!(0.0));
                v.insert("inventory_quantity_set", json!(false));
                self.insert("stock.quant", v)
            }
        };
        if let Some(counted) = vals.get("inventory_quantity").and_then(Value::as_f64) {
            let mut v = HashMap::new();
            v.insert("inventory_quantity", json!(counted));
            v.insert("inventory_quantity_set", json!(true));
            self.set("stock.quant", id, v);
        }
        if let Some(n) = vals
            .get("inventory_quantity_auto_apply")
            .and_then(Value::as_f64)
        {
            self.set_on_hand(id, n);
        }
        if !inventory_mode && existing.is_none() && vals.contains_key("quantity") {
            let q = vals.get("quantity").and_then(Value::as_f64).unwrap_or(0.0);
            self.set_on_hand(id, q);
        }
        Ok(id)
    }

    pub fn is_storable(&self, product: i64) -> bool {
        let tmpl = self
            .stored("product.product", product, "product_tmpl_id")
            .as_i64()
            .unwrap_or(0);
        if self.reg.version >= 18 {
            self.stored("product.template", tmpl, "is_storable")
                .as_bool()
                .unwrap_or(false)
        } else {
            self.stored("product.template", tmpl, "detailed_type")
                .as_str()
                == Some("product")
        }
    }

    /// Applies an inventory count: the quant's on-hand becomes `qty`.
    pub fn set_on_hand(&mut self, quant: i64, qty: f64) {
        let mut v = HashMap::new();
        v.insert("quantity", json!(qty));
        v.insert("inventory_quantity", json!(0.0));
        v.insert("inventory_quantity_set", json!(false));
        self.set("stock.quant", quant, v);
        // The variant's stock changed: Odoo does not bump product write_date for that.
    }

    /// MissingError unless every id exists.
    pub fn ensure_exist(&self, model: &ModelDef, ids: &[i64]) -> Result<()> {
        let missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|i| !self.exists(model.name, *i))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(OdooException::missing(model.name, &missing, self.uid))
        }
    }

    /// `write` on existing ids (MissingError for the others).
    #[allow(clippy::only_used_in_recursion)] // the context is kept for the writes' signature
    pub fn write_ids(
        &mut self,
        model: &ModelDef,
        ids: &[i64],
        vals: &Vals,
        ctx: &Vals,
    ) -> Result<()> {
        self.ensure_exist(model, ids)?;
        if model.name == "stock.quant" && vals.contains_key("inventory_quantity_auto_apply") {
            let n = vals
                .get("inventory_quantity_auto_apply")
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            for &id in ids {
                self.set_on_hand(id, n);
            }
            let mut rest = vals.clone();
            rest.remove("inventory_quantity_auto_apply");
            if rest.is_empty() {
                return Ok(());
            }
            return self.write_ids(model, ids, &rest, ctx);
        }
        let (mut stored, pending, inherited) = self.prepare(model, vals)?;
        if model.name == "stock.quant" && stored.contains_key("inventory_quantity") {
            stored.insert("inventory_quantity_set", json!(true));
        }
        for &id in ids {
            self.check_constraints(model, Some(id), &stored)?;
            for f in model
                .fields
                .iter()
                .filter(|f| f.required && !f.ty.is_x2many())
            {
                if stored.get(f.name).is_some_and(Value::is_null) {
                    return Err(mandatory_error(model, f.name));
                }
            }
        }
        if let Some((parent, link)) = model.inherits
            && !inherited.is_empty()
        {
            let pmodel = self.model(parent)?;
            let parents: Vec<i64> = ids
                .iter()
                .filter_map(|i| self.stored(model.name, *i, link).as_i64())
                .collect();
            self.write_ids(&pmodel, &parents, &inherited, ctx)?;
        }
        for &id in ids {
            self.set(model.name, id, stored.clone());
            for p in &pending {
                self.apply_commands(model, id, p)?;
            }
        }
        if model.name == "product.template.attribute.line"
            || (model.name == "product.template" && vals.contains_key("attribute_line_ids"))
        {
            for &id in ids {
                let tmpl = if model.name == "product.template" {
                    id
                } else {
                    self.stored(model.name, id, "product_tmpl_id")
                        .as_i64()
                        .unwrap_or(0)
                };
                self.sync_variants(tmpl)?;
            }
        }
        Ok(())
    }

    /// `unlink` (MissingError for missing ids, UserError for confirmed orders).
    pub fn unlink_ids(&mut self, model: &ModelDef, ids: &[i64]) -> Result<()> {
        self.ensure_exist(model, ids)?;
        if model.name == "sale.order"
            && ids.iter().any(|i| {
                matches!(
                    self.stored("sale.order", *i, "state").as_str(),
                    Some("sale" | "sent" | "done")
                )
            })
        {
            return Err(OdooException::user(
                "You can not delete a sent quotation or a confirmed sales order. You must first cancel it.",
            ));
        }
        // Records that other records require (a required many2one pointing here) cannot go.
        for other in self.reg.names().copied().collect::<Vec<_>>() {
            let Ok(om) = self.model(other) else { continue };
            for f in om
                .fields
                .iter()
                .filter(|f| f.required && f.ty == FieldType::Many2one(model.name))
            {
                if ids
                    .iter()
                    .any(|i| !self.children(om.name, f.name, *i).is_empty())
                    && other != model.name
                {
                    return Err(fkey_error(&om, f.name));
                }
            }
        }
        let name = model.name;
        if name == "sale.order" {
            let lines: Vec<i64> = ids
                .iter()
                .flat_map(|i| self.children("sale.order.line", "order_id", *i))
                .collect();
            self.remove("sale.order.line", &lines);
        }
        if name == "product.template" {
            let variants: Vec<i64> = ids
                .iter()
                .flat_map(|i| self.children("product.product", "product_tmpl_id", *i))
                .collect();
            self.remove("product.product", &variants);
        }
        self.remove(name, ids);
        Ok(())
    }

    fn apply_commands(&mut self, model: &ModelDef, id: i64, p: &Pending) -> Result<()> {
        let comodel_name = p.ty.comodel().unwrap_or_default();
        let comodel = self.model(comodel_name)?;
        let ctx = Vals::new();
        let mut linked: Vec<i64> = match &p.ty {
            FieldType::Many2many(_) => self
                .stored(model.name, id, p.field)
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_i64)
                .collect(),
            FieldType::One2many(_, inverse) => self.children(comodel.name, inverse, id),
            _ => Vec::new(),
        };
        let inverse = match &p.ty {
            FieldType::One2many(_, inverse) => Some(*inverse),
            _ => None,
        };
        for cmd in &p.commands {
            let parts = cmd.as_array().cloned().unwrap_or_default();
            let code = parts.first().and_then(Value::as_i64).unwrap_or(-1);
            let target = parts.get(1).and_then(Value::as_i64).unwrap_or(0);
            let payload = parts.get(2).cloned().unwrap_or(Value::Null);
            match code {
                0 => {
                    let mut vals = payload.as_object().cloned().unwrap_or_default();
                    if let Some(inv) = inverse {
                        vals.insert(inv.to_string(), json!(id));
                    }
                    let child = self.create_one(&comodel, &vals, &ctx)?;
                    if inverse.is_none() {
                        linked.push(child);
                    }
                }
                1 => {
                    let vals = payload.as_object().cloned().unwrap_or_default();
                    self.write_ids(&comodel, &[target], &vals, &ctx)?;
                }
                2 => {
                    linked.retain(|l| *l != target);
                    self.unlink_ids(&comodel, &[target])?;
                }
                3 => {
                    linked.retain(|l| *l != target);
                    if let Some(inv) = inverse {
                        self.detach(&comodel, inv, target)?;
                    }
                }
                4 => {
                    if !self.exists(comodel.name, target) {
                        return Err(OdooException::missing(comodel.name, &[target], self.uid));
                    }
                    if let Some(inv) = inverse {
                        let mut v = HashMap::new();
                        v.insert(inv, json!(id));
                        self.set(comodel.name, target, v);
                    } else if !linked.contains(&target) {
                        linked.push(target);
                    }
                }
                5 | 6 => {
                    let keep: Vec<i64> = if code == 6 {
                        payload
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_i64)
                            .collect()
                    } else {
                        Vec::new()
                    };
                    if let Some(inv) = inverse {
                        for child in self.children(comodel.name, inv, id) {
                            if !keep.contains(&child) {
                                self.detach(&comodel, inv, child)?;
                            }
                        }
                        for k in &keep {
                            let mut v = HashMap::new();
                            v.insert(inv, json!(id));
                            self.set(comodel.name, *k, v);
                        }
                    } else {
                        for k in &keep {
                            if !self.exists(comodel.name, *k) {
                                return Err(fkey_error(model, p.field));
                            }
                        }
                        linked = keep;
                    }
                }
                _ => {
                    return Err(OdooException::value(format!(
                        "Invalid command {cmd} for field {}.{}",
                        model.name, p.field
                    )));
                }
            }
        }
        if matches!(p.ty, FieldType::Many2many(_)) {
            let mut v = HashMap::new();
            v.insert(p.field, json!(linked));
            self.set(model.name, id, v);
        }
        Ok(())
    }

    /// Removes a one2many child from its parent: deleted when the inverse is required.
    fn detach(&mut self, comodel: &ModelDef, inverse: &'static str, child: i64) -> Result<()> {
        if comodel.field(inverse).is_some_and(|f| f.required) {
            self.unlink_ids(comodel, &[child])
        } else {
            let mut v = HashMap::new();
            v.insert(inverse, Value::Null);
            self.set(comodel.name, child, v);
            Ok(())
        }
    }

    /// A field's value in Odoo's wire form: `false` for empty, `[id, name]` for many2one (or
    /// the bare id when `classic` is false).
    pub fn read_value(
        &self,
        model: &ModelDef,
        id: i64,
        field: &FieldDef,
        classic: bool,
        ctx: &Vals,
    ) -> Value {
        let raw = self.value(model, id, field, ctx);
        match &field.ty {
            FieldType::Many2one(comodel) => match raw.as_i64() {
                Some(target) if classic => json!([target, self.display_name(comodel, target)]),
                Some(target) => json!(target),
                None => json!(false),
            },
            FieldType::One2many(..) | FieldType::Many2many(_) => {
                if raw.is_array() {
                    raw
                } else {
                    json!([])
                }
            }
            FieldType::Float | FieldType::Monetary => json!(raw.as_f64().unwrap_or(0.0)),
            FieldType::Integer => json!(raw.as_i64().unwrap_or(0)),
            FieldType::Boolean => json!(raw.as_bool().unwrap_or(false)),
            _ => {
                if raw.is_null() {
                    json!(false)
                } else {
                    raw
                }
            }
        }
    }

    /// `read`: existing ids only (missing ones are dropped), in the given order.
    pub fn read_ids(
        &self,
        model: &ModelDef,
        ids: &[i64],
        fields: &[String],
        classic: bool,
        ctx: &Vals,
    ) -> Result<Vec<Value>> {
        let defs: Vec<FieldDef> = if fields.is_empty() {
            model
                .fields
                .iter()
                .filter(|f| f.ty != FieldType::Binary)
                .cloned()
                .collect()
        } else {
            fields
                .iter()
                .map(|f| self.field_or_error(model, f))
                .collect::<Result<Vec<_>>>()?
        };
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            if !self.exists(model.name, id) {
                continue;
            }
            let mut rec = serde_json::Map::new();
            rec.insert("id".into(), json!(id));
            for f in &defs {
                if f.name != "id" {
                    rec.insert(f.name.into(), self.read_value(model, id, f, classic, ctx));
                }
            }
            out.push(Value::Object(rec));
        }
        Ok(out)
    }

    /// `fields_get`, with the attributes the transcripts keep.
    pub fn fields_get(
        &self,
        model: &ModelDef,
        allfields: Option<&[String]>,
        attributes: Option<&[String]>,
    ) -> Value {
        let mut out = serde_json::Map::new();
        for f in &model.fields {
            if !shared::field_wanted(allfields, f.name) {
                continue;
            }
            let mut desc = serde_json::Map::new();
            desc.insert("type".into(), json!(f.ty.name()));
            if let Some(rel) = f.ty.comodel() {
                desc.insert("relation".into(), json!(rel));
            }
            desc.insert("required".into(), json!(f.required));
            desc.insert("readonly".into(), json!(f.readonly));
            desc.insert("store".into(), json!(f.store()));
            if let FieldType::Selection(options) = &f.ty {
                desc.insert("selection".into(), shared::selection_json(options));
            }
            desc.insert("string".into(), json!(label(f.name)));
            shared::keep_attributes(&mut desc, attributes);
            out.insert(f.name.into(), Value::Object(desc));
        }
        Value::Object(out)
    }

    /// `sale.order.action_confirm`: draft/sent orders become sales orders; storable products'
    /// quantities are promised (outgoing) and reserved where stock allows.
    pub fn confirm_orders(&mut self, ids: &[i64]) -> Result<()> {
        for &id in ids {
            let state = self.stored("sale.order", id, "state");
            if !matches!(state.as_str(), Some("draft" | "sent")) {
                return Err(OdooException::user(format!(
                    "The following orders are not in a state requiring confirmation: {}",
                    self.display_name("sale.order", id)
                )));
            }
        }
        for &id in ids {
            let mut v = HashMap::new();
            v.insert("state", json!("sale"));
            self.set("sale.order", id, v);
            let storable = self
                .children("sale.order.line", "order_id", id)
                .iter()
                .filter_map(|l| self.stored("sale.order.line", *l, "product_id").as_i64())
                .any(|p| self.is_storable(p));
            if storable {
                let n = self.next_sequence("stock.picking.out");
                let name = self
                    .stored("sale.order", id, "name")
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let reference = self
                    .stored("sale.order", id, "client_order_ref")
                    .as_str()
                    .map(str::to_string);
                let origin = match reference {
                    Some(r) => format!("{name} - {r}"),
                    None => name,
                };
                let mut p = HashMap::new();
                p.insert("name", json!(format!("WH/OUT/{n:05}")));
                p.insert("state", json!("assigned"));
                p.insert("origin", json!(origin));
                p.insert(
                    "scheduled_date",
                    json!(super::store::format_datetime(self.now_us)),
                );
                p.insert(
                    "partner_id",
                    self.stored("sale.order", id, "partner_shipping_id"),
                );
                p.insert("sale_id", json!(id));
                self.insert("stock.picking", p);
            }
            for line in self.children("sale.order.line", "order_id", id) {
                let Some(product) = self.stored("sale.order.line", line, "product_id").as_i64()
                else {
                    continue;
                };
                if !self.is_storable(product) {
                    continue;
                }
                let qty = self.float("sale.order.line", line, "product_uom_qty");
                *self.outgoing.entry(product).or_insert(0.0) += qty;
                self.reserve(product, qty);
            }
        }
        Ok(())
    }

    fn reserve(&mut self, product: i64, mut qty: f64) {
        for quant in self.children("stock.quant", "product_id", product) {
            if qty <= 0.0 {
                break;
            }
            let on_hand = self.float("stock.quant", quant, "quantity");
            let reserved = self.float("stock.quant", quant, "reserved_quantity");
            let take = (on_hand - reserved).max(0.0).min(qty);
            if take > 0.0 {
                let mut v = HashMap::new();
                v.insert("reserved_quantity", json!(reserved + take));
                self.set("stock.quant", quant, v);
                qty -= take;
            }
        }
    }

    fn unreserve(&mut self, product: i64, mut qty: f64) {
        for quant in self.children("stock.quant", "product_id", product) {
            if qty <= 0.0 {
                break;
            }
            let reserved = self.float("stock.quant", quant, "reserved_quantity");
            let give = reserved.min(qty);
            if give > 0.0 {
                let mut v = HashMap::new();
                v.insert("reserved_quantity", json!(reserved - give));
                self.set("stock.quant", quant, v);
                qty -= give;
            }
        }
    }

    /// `sale.order.action_cancel`.
    pub fn cancel_orders(&mut self, ids: &[i64]) -> Result<()> {
        for &id in ids {
            if self.stored("sale.order", id, "state").as_str() == Some("sale") {
                for line in self.children("sale.order.line", "order_id", id) {
                    let qty = self.float("sale.order.line", line, "product_uom_qty");
                    if let Some(product) =
                        self.stored("sale.order.line", line, "product_id").as_i64()
                    {
                        if let Some(out) = self.outgoing.get_mut(&product) {
                            *out = (*out - qty).max(0.0);
                        }
                        if self.is_storable(product) {
                            self.unreserve(product, qty);
                        }
                    }
                }
                // Its deliveries are cancelled with it (their reservations released above).
                for picking in self.children("stock.picking", "sale_id", id) {
                    if self.stored("stock.picking", picking, "state").as_str() != Some("done") {
                        let mut v = HashMap::new();
                        v.insert("state", json!("cancel"));
                        self.set("stock.picking", picking, v);
                    }
                }
            }
            let mut v = HashMap::new();
            v.insert("state", json!("cancel"));
            self.set("sale.order", id, v);
        }
        Ok(())
    }

    /// `stock.quant.action_apply_inventory`: counted quantities become on-hand.
    pub fn apply_inventory(&mut self, ids: &[i64]) -> Result<()> {
        for &id in ids {
            if self
                .stored("stock.quant", id, "inventory_quantity_set")
                .as_bool()
                .unwrap_or(false)
            {
                let counted = self.float("stock.quant", id, "inventory_quantity");
                self.set_on_hand(id, counted);
            }
        }
        Ok(())
    }
}

/// `[0, 0, {...}]` commands, accepting a bare id list (→ SET) and `false` (→ CLEAR).
fn normalize_commands(value: &Value) -> Vec<Value> {
    match value {
        Value::Null | Value::Bool(false) => vec![json!([5, 0, 0])],
        Value::Array(items) if items.iter().all(Value::is_i64) && !items.is_empty() => {
            vec![json!([6, 0, items])]
        }
        Value::Array(items) => items.clone(),
        _ => Vec::new(),
    }
}

/// A field label good enough for `fields_get` (`partner_id` → "Partner").
fn label(field: &str) -> String {
    let base = field.trim_end_matches("_ids").trim_end_matches("_id");
    let mut out = String::new();
    for (i, word) in base.split('_').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

pub use crate::rpc::methods::ids_arg;
