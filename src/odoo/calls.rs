//! Typed ORM calls: generic search/read/create/write, partners, sale orders.
//!
//! Reads are marked safe to retry; writes are not. Reads of many ids are split into chunks of
//! `page_size` ids, one RPC per chunk, never one RPC per record.

use serde_json::{Map, Value, json};

use super::error::OdooError;
use super::records::{self, Many2One, Record, records_from_value};
use super::transport::Args;
use super::version::OdooVersion;
use super::{OdooClient, Transport};

/// Decodes a `create` answer for one dict: an int on `/jsonrpc`, `[id]` on JSON-2.
pub(crate) fn decode_created_id(model: &str, value: &Value) -> Result<i64, OdooError> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::Array(items) if items.len() == 1 => items.first().and_then(Value::as_i64),
        _ => None,
    }
    .ok_or_else(|| {
        OdooError::Decode(format!(
            "{model}.create: expected the new id, got {}",
            records::short(value)
        ))
    })
}

/// Adds `, id asc` to an order that does not already sort on `id`, so that pages are stable.
pub(crate) fn unique_order(order: Option<&str>) -> String {
    match order.map(str::trim).filter(|o| !o.is_empty()) {
        None => "id asc".to_owned(),
        Some(o) => {
            let has_id = o
                .split(',')
                .any(|term| term.split_whitespace().next() == Some("id"));
            if has_id {
                o.to_owned()
            } else {
                format!("{o}, id asc")
            }
        }
    }
}

/// Escapes `%`, `_` and `\` for Odoo's `=like` / `=ilike` operators (SQL LIKE patterns).
pub(crate) fn like_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `{"active_test": false}`: also archived records.
pub(crate) fn inactive_too() -> Map<String, Value> {
    let mut ctx = Map::new();
    ctx.insert("active_test".into(), Value::Bool(false));
    ctx
}

/// A partner (`res.partner`) with the fields the order flows use.
#[derive(Debug, Clone, PartialEq)]
pub struct OdooPartner {
    /// Record id.
    pub id: i64,
    /// Name (empty for nameless child addresses).
    pub name: String,
    /// Display name, e.g. `"Azure Interior, Brandon Freeman"`.
    pub display_name: String,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Mobile (16–18 only; always `None` on 19).
    pub mobile: Option<String>,
    /// Street.
    pub street: Option<String>,
    /// Street, second line.
    pub street2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postal code.
    pub zip: Option<String>,
    /// State / province.
    pub state: Option<Many2One>,
    /// Country.
    pub country: Option<Many2One>,
    /// VAT number.
    pub vat: Option<String>,
    /// Internal reference (`ref`).
    pub reference: Option<String>,
    /// Address type: `contact`, `invoice`, `delivery`, `other` (16 also `private`).
    pub partner_type: Option<String>,
    /// Parent company / contact.
    pub parent: Option<Many2One>,
    /// Whether this is a company.
    pub is_company: bool,
    /// Archive flag.
    pub active: bool,
    /// Last write, UTC.
    pub write_date: Option<String>,
}

impl OdooPartner {
    /// Fields to read for this version (`mobile` only before 19).
    pub fn fields(version: &OdooVersion) -> Vec<&'static str> {
        let mut f = vec![
            "name",
            "display_name",
            "email",
            "phone",
            "street",
            "street2",
            "city",
            "zip",
            "state_id",
            "country_id",
            "vat",
            "ref",
            "type",
            "parent_id",
            "is_company",
            "active",
            "write_date",
        ];
        if version.partner_has_mobile() {
            f.push("mobile");
        }
        f
    }

    /// Decodes a record read with [`fields`](Self::fields).
    pub fn from_record(r: &Record) -> Result<Self, OdooError> {
        Ok(OdooPartner {
            id: r.id(),
            name: r.char_or_empty("name")?,
            display_name: r.char_or_empty("display_name")?,
            email: r.char("email")?,
            phone: r.char("phone")?,
            mobile: r.char("mobile")?,
            street: r.char("street")?,
            street2: r.char("street2")?,
            city: r.char("city")?,
            zip: r.char("zip")?,
            state: r.many2one("state_id")?,
            country: r.many2one("country_id")?,
            vat: r.char("vat")?,
            reference: r.char("ref")?,
            partner_type: r.char("type")?,
            parent: r.many2one("parent_id")?,
            is_company: r.boolean("is_company")?,
            active: r.boolean("active")?,
            write_date: r.datetime("write_date")?,
        })
    }
}

/// A sale order (`sale.order`) summary.
#[derive(Debug, Clone, PartialEq)]
pub struct OdooSaleOrder {
    /// Record id.
    pub id: i64,
    /// Sequence name, e.g. `"S00038"`.
    pub name: String,
    /// `draft`, `sent`, `sale`, `cancel` (16 also `done`).
    pub state: String,
    /// The marketplace order number.
    pub client_order_ref: Option<String>,
    /// Customer.
    pub partner: Option<Many2One>,
    /// Delivery address.
    pub partner_shipping: Option<Many2One>,
    /// Order currency.
    pub currency: Option<Many2One>,
    /// Total with taxes.
    pub amount_total: f64,
    /// Order date, UTC.
    pub date_order: Option<String>,
    /// Locked (17+; `false` on 16).
    pub locked: bool,
    /// Pickings created by confirmation.
    pub picking_ids: Vec<i64>,
}

impl OdooSaleOrder {
    /// Fields to read for this version.
    pub fn fields(version: &OdooVersion) -> Vec<&'static str> {
        let mut f = vec![
            "name",
            "state",
            "client_order_ref",
            "partner_id",
            "partner_shipping_id",
            "currency_id",
            "amount_total",
            "date_order",
            "picking_ids",
        ];
        if version.sale_order_has_locked() {
            f.push("locked");
        }
        f
    }

    /// Decodes a record read with [`fields`](Self::fields).
    pub fn from_record(r: &Record) -> Result<Self, OdooError> {
        Ok(OdooSaleOrder {
            id: r.id(),
            name: r.char_or_empty("name")?,
            state: r.char_or_empty("state")?,
            client_order_ref: r.char("client_order_ref")?,
            partner: r.many2one("partner_id")?,
            partner_shipping: r.many2one("partner_shipping_id")?,
            currency: r.many2one("currency_id")?,
            amount_total: r.float("amount_total")?,
            date_order: r.datetime("date_order")?,
            locked: r.boolean("locked")?,
            picking_ids: r.ids("picking_ids")?,
        })
    }
}

/// One sale order line to create, turned into the version's field names by
/// [`to_command`](Self::to_command).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SaleOrderLineInput {
    /// Product variant id (`None` for a note line).
    pub product_id: Option<i64>,
    /// Quantity in the line's unit.
    pub quantity: f64,
    /// Unit price; `None` lets Odoo take the pricelist price.
    pub price_unit: Option<f64>,
    /// Discount in percent.
    pub discount: Option<f64>,
    /// Taxes; `None` lets Odoo compute them from the product and fiscal position.
    pub tax_ids: Option<Vec<i64>>,
    /// Unit of measure; `None` uses the product's.
    pub uom_id: Option<i64>,
    /// Description; `None` lets Odoo compute it from the product.
    pub name: Option<String>,
    /// `Some("line_note")` / `Some("line_section")` for display lines.
    pub display_type: Option<String>,
}

impl SaleOrderLineInput {
    /// A product line.
    pub fn product(product_id: i64, quantity: f64) -> Self {
        SaleOrderLineInput {
            product_id: Some(product_id),
            quantity,
            ..Self::default()
        }
    }

    /// A note line.
    pub fn note(text: &str) -> Self {
        SaleOrderLineInput {
            name: Some(text.to_owned()),
            display_type: Some("line_note".to_owned()),
            ..Self::default()
        }
    }

    /// The line's values with this version's field names (`product_uom`/`product_uom_id`,
    /// `tax_id`/`tax_ids`).
    pub fn to_vals(&self, version: &OdooVersion) -> Map<String, Value> {
        let mut vals = Map::new();
        if let Some(display_type) = &self.display_type {
            vals.insert("display_type".into(), json!(display_type));
        }
        if let Some(product_id) = self.product_id {
            vals.insert("product_id".into(), json!(product_id));
            vals.insert("product_uom_qty".into(), json!(self.quantity));
        }
        if let Some(price) = self.price_unit {
            vals.insert("price_unit".into(), json!(price));
        }
        if let Some(discount) = self.discount {
            vals.insert("discount".into(), json!(discount));
        }
        if let Some(taxes) = &self.tax_ids {
            vals.insert(version.sale_line_tax_field().into(), json!([[6, 0, taxes]]));
        }
        if let Some(uom) = self.uom_id {
            vals.insert(version.sale_line_uom_field().into(), json!(uom));
        }
        if let Some(name) = &self.name {
            vals.insert("name".into(), json!(name));
        }
        vals
    }

    /// The `[0, 0, {vals}]` create command for `order_line`.
    pub fn to_command(&self, version: &OdooVersion) -> Value {
        json!([0, 0, self.to_vals(version)])
    }
}

impl OdooClient {
    /// `search_read` of one page. `limit: None` means no limit; `offset` 0 is not sent.
    #[allow(clippy::too_many_arguments)]
    pub async fn search_read(
        &self,
        model: &str,
        domain: Value,
        fields: &[&str],
        order: Option<&str>,
        limit: Option<usize>,
        offset: usize,
        context: Option<Map<String, Value>>,
    ) -> Result<Vec<Record>, OdooError> {
        let mut args = Args::new()
            .arg("domain", domain)
            .arg("fields", json!(fields))
            .retry_safe();
        if offset > 0 {
            args = args.arg("offset", offset);
        }
        args = args.opt_arg("limit", limit).opt_arg("order", order);
        if let Some(ctx) = context {
            args = args.context(ctx);
        }
        let value = self.call(model, "search_read", args).await?;
        records_from_value(model, value)
    }

    /// Reads everything matching `domain`, in pages of `page_size`, ordered by `order` made unique
    /// with `id` (offset paging: run it on data that does not move, or use keyset reads such as
    /// [`fetch_variants_since`](Self::fetch_variants_since) for data that does).
    pub async fn search_read_all(
        &self,
        model: &str,
        domain: Value,
        fields: &[&str],
        order: Option<&str>,
        context: Option<Map<String, Value>>,
    ) -> Result<Vec<Record>, OdooError> {
        let order = unique_order(order);
        let page = self.page_size();
        let mut out = Vec::new();
        loop {
            let rows = self
                .search_read(
                    model,
                    domain.clone(),
                    fields,
                    Some(&order),
                    Some(page),
                    out.len(),
                    context.clone(),
                )
                .await?;
            let n = rows.len();
            out.extend(rows);
            if n < page {
                return Ok(out);
            }
        }
    }

    /// `search`: ids matching `domain`.
    pub async fn search(
        &self,
        model: &str,
        domain: Value,
        order: Option<&str>,
        limit: Option<usize>,
        offset: usize,
        context: Option<Map<String, Value>>,
    ) -> Result<Vec<i64>, OdooError> {
        let mut args = Args::new().arg("domain", domain).retry_safe();
        if offset > 0 {
            args = args.arg("offset", offset);
        }
        args = args.opt_arg("limit", limit).opt_arg("order", order);
        if let Some(ctx) = context {
            args = args.context(ctx);
        }
        let value = self.call(model, "search", args).await?;
        records::ids_from_value(model, &value)
    }

    /// `search_count`.
    pub async fn search_count(
        &self,
        model: &str,
        domain: Value,
        context: Option<Map<String, Value>>,
    ) -> Result<u64, OdooError> {
        let mut args = Args::new().arg("domain", domain).retry_safe();
        if let Some(ctx) = context {
            args = args.context(ctx);
        }
        let value = self.call(model, "search_count", args).await?;
        value.as_u64().ok_or_else(|| {
            OdooError::Decode(format!(
                "{model}.search_count: expected a count, got {}",
                records::short(&value)
            ))
        })
    }

    /// `read` of `ids` in chunks of `page_size`. Ids that do not exist are left out (Odoo drops
    /// them silently); the order of `ids` is kept.
    pub async fn read(
        &self,
        model: &str,
        ids: &[i64],
        fields: &[&str],
        context: Option<Map<String, Value>>,
    ) -> Result<Vec<Record>, OdooError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(self.page_size()) {
            let mut args = Args::for_records(chunk.iter().copied())
                .arg("fields", json!(fields))
                .retry_safe();
            if let Some(ctx) = &context {
                args = args.context(ctx.clone());
            }
            let value = self.call(model, "read", args).await?;
            out.extend(records_from_value(model, value)?);
        }
        Ok(out)
    }

    /// `create` of one record; returns its id (an int on `/jsonrpc`, `[id]` on JSON-2).
    pub async fn create(
        &self,
        model: &str,
        vals: Map<String, Value>,
        context: Option<Map<String, Value>>,
    ) -> Result<i64, OdooError> {
        let mut args = Args::new().arg("vals_list", Value::Object(vals));
        if let Some(ctx) = context {
            args = args.context(ctx);
        }
        let value = self.call(model, "create", args).await?;
        decode_created_id(model, &value)
    }

    /// `create` of several records in one call; returns their ids in order.
    pub async fn create_many(
        &self,
        model: &str,
        vals_list: Vec<Map<String, Value>>,
        context: Option<Map<String, Value>>,
    ) -> Result<Vec<i64>, OdooError> {
        if vals_list.is_empty() {
            return Ok(Vec::new());
        }
        let expected = vals_list.len();
        let list: Vec<Value> = vals_list.into_iter().map(Value::Object).collect();
        let mut args = Args::new().arg("vals_list", Value::Array(list));
        if let Some(ctx) = context {
            args = args.context(ctx);
        }
        let value = self.call(model, "create", args).await?;
        let ids = records::ids_from_value(model, &value)?;
        if ids.len() != expected {
            return Err(OdooError::Decode(format!(
                "{model}.create: {expected} records sent, {} ids returned",
                ids.len()
            )));
        }
        Ok(ids)
    }

    /// `write` of the same `vals` on `ids` (one call). Nothing is sent for no ids.
    pub async fn write(
        &self,
        model: &str,
        ids: &[i64],
        vals: Map<String, Value>,
    ) -> Result<(), OdooError> {
        if ids.is_empty() {
            return Ok(());
        }
        let args = Args::for_records(ids.iter().copied()).arg("vals", Value::Object(vals));
        self.call(model, "write", args).await?;
        Ok(())
    }

    /// `unlink` of `ids`. Nothing is sent for no ids.
    pub async fn unlink(&self, model: &str, ids: &[i64]) -> Result<(), OdooError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.call(model, "unlink", Args::for_records(ids.iter().copied()))
            .await?;
        Ok(())
    }

    /// `(id, write_date)` of `ids`, read in chunks (ids that no longer exist are left out).
    pub async fn read_write_dates(
        &self,
        model: &str,
        ids: &[i64],
    ) -> Result<Vec<(i64, String)>, OdooError> {
        self.read(model, ids, &["write_date"], None)
            .await?
            .iter()
            .map(|r| Ok((r.id(), r.required_datetime("write_date")?)))
            .collect()
    }

    /// `name_search` with the version's name for the domain argument (`args` / `domain`).
    pub async fn name_search(
        &self,
        model: &str,
        name: &str,
        domain: Option<Value>,
        limit: Option<usize>,
    ) -> Result<Vec<Many2One>, OdooError> {
        let args = Args::new()
            .arg("name", name)
            .opt_arg(self.version().name_search_domain_arg(), domain)
            .opt_arg("limit", limit)
            .retry_safe();
        let value = self.call(model, "name_search", args).await?;
        let bad = || {
            OdooError::Decode(format!(
                "{model}.name_search: expected [[id, name], ...], got {}",
                records::short(&value)
            ))
        };
        let items = value.as_array().ok_or_else(bad)?;
        items
            .iter()
            .map(|pair| match pair.as_array().map(Vec::as_slice) {
                Some([Value::Number(id), Value::String(n)]) => Ok(Many2One {
                    id: id.as_i64().ok_or_else(bad)?,
                    name: n.clone(),
                }),
                _ => Err(bad()),
            })
            .collect()
    }

    /// `fields_get` limited to `attributes` (pass e.g. `["type", "relation", "required"]`; an empty
    /// list asks for every attribute, which is large).
    pub async fn fields_get(
        &self,
        model: &str,
        fields: Option<&[&str]>,
        attributes: &[&str],
    ) -> Result<Map<String, Value>, OdooError> {
        let mut args = Args::new().opt_arg("allfields", fields.map(|f| json!(f)));
        if !attributes.is_empty() {
            args = args.arg("attributes", json!(attributes));
        }
        let value = self.call(model, "fields_get", args.retry_safe()).await?;
        match value {
            Value::Object(map) => Ok(map),
            other => Err(OdooError::Decode(format!(
                "{model}.fields_get: expected an object, got {}",
                records::short(&other)
            ))),
        }
    }

    // ----- partners -----

    /// Partners whose email equals `email`, ignoring case (`=ilike` with `%`/`_` escaped), active
    /// ones only, by id.
    pub async fn find_partners_by_email(&self, email: &str) -> Result<Vec<OdooPartner>, OdooError> {
        let email = email.trim();
        if email.is_empty() {
            return Ok(Vec::new());
        }
        let fields = OdooPartner::fields(self.version());
        self.search_read_all(
            "res.partner",
            json!([["email", "=ilike", like_escape(email)]]),
            &fields,
            Some("id asc"),
            None,
        )
        .await?
        .iter()
        .map(OdooPartner::from_record)
        .collect()
    }

    /// Creates a partner; on 19 a `mobile` value is moved to `phone` (or dropped).
    pub async fn create_partner(&self, mut vals: Map<String, Value>) -> Result<i64, OdooError> {
        self.version().adapt_partner_vals(&mut vals);
        self.create("res.partner", vals, None).await
    }

    // ----- sale orders -----

    /// The sale order with this `client_order_ref` (the lowest id if several), if any.
    pub async fn find_sale_order_by_ref(
        &self,
        client_order_ref: &str,
    ) -> Result<Option<OdooSaleOrder>, OdooError> {
        let fields = OdooSaleOrder::fields(self.version());
        let rows = self
            .search_read(
                "sale.order",
                json!([["client_order_ref", "=", client_order_ref]]),
                &fields,
                Some("id asc"),
                Some(1),
                0,
                None,
            )
            .await?;
        rows.first().map(OdooSaleOrder::from_record).transpose()
    }

    /// Creates a sale order (lines as `order_line: [[0, 0, {...}], ...]`, see
    /// [`SaleOrderLineInput`]); returns its id. The order is a draft quotation.
    pub async fn create_sale_order(&self, vals: Map<String, Value>) -> Result<i64, OdooError> {
        self.create("sale.order", vals, None).await
    }

    /// Confirms a sale order (`action_confirm`); a second confirmation is a
    /// [`OdooError::UserError`] ("Some orders are not in a state requiring confirmation.").
    pub async fn confirm_sale_order(&self, id: i64) -> Result<(), OdooError> {
        self.call("sale.order", "action_confirm", Args::for_records([id]))
            .await?;
        Ok(())
    }

    /// Cancels a sale order (`action_cancel` with `disable_cancel_warning`, so no email wizard).
    /// An answer that is an action (a wizard Odoo wants shown) means it was not cancelled and gives
    /// a [`OdooError::UserError`].
    pub async fn cancel_sale_order(&self, id: i64) -> Result<(), OdooError> {
        let args = Args::for_records([id]).context_value("disable_cancel_warning", true);
        let value = self.call("sale.order", "action_cancel", args).await?;
        if let Value::Object(action) = &value {
            let model = action
                .get("res_model")
                .and_then(Value::as_str)
                .unwrap_or("?");
            return Err(OdooError::UserError(format!(
                "sale.order {id} not cancelled: Odoo asked for the wizard {model}"
            )));
        }
        Ok(())
    }

    /// Reads sale orders with the given fields (in chunks).
    pub async fn read_sale_orders(
        &self,
        ids: &[i64],
        fields: &[&str],
    ) -> Result<Vec<Record>, OdooError> {
        self.read("sale.order", ids, fields, None).await
    }

    /// Whether calls go over JSON-2 (`create` then answers lists).
    pub fn uses_json2(&self) -> bool {
        self.transport() == Transport::Json2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_id_from_both_transports() {
        assert_eq!(decode_created_id("res.partner", &json!(73)), Ok(73));
        assert_eq!(decode_created_id("res.partner", &json!([56])), Ok(56));
        assert!(decode_created_id("res.partner", &json!([1, 2])).is_err());
        assert!(decode_created_id("res.partner", &json!(true)).is_err());
    }

    #[test]
    fn orders_are_made_unique() {
        assert_eq!(unique_order(None), "id asc");
        assert_eq!(unique_order(Some("id")), "id");
        assert_eq!(unique_order(Some("name")), "name, id asc");
        assert_eq!(
            unique_order(Some("write_date asc, id asc")),
            "write_date asc, id asc"
        );
        assert_eq!(unique_order(Some("id_old desc")), "id_old desc, id asc");
    }

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(like_escape("a_b%c\\d"), "a\\_b\\%c\\\\d");
        assert_eq!(like_escape("x@example.com"), "x@example.com");
    }

    #[test]
    fn sale_line_fields_follow_the_version() {
        let line = SaleOrderLineInput {
            tax_ids: Some(vec![1]),
            uom_id: Some(1),
            price_unit: Some(9.5),
            ..SaleOrderLineInput::product(45, 2.0)
        };
        let v18 = line.to_vals(&OdooVersion::new(18, 0));
        assert_eq!(v18.get("tax_id"), Some(&json!([[6, 0, [1]]])));
        assert_eq!(v18.get("product_uom"), Some(&json!(1)));
        let v19 = line.to_vals(&OdooVersion::new(19, 0));
        assert_eq!(v19.get("tax_ids"), Some(&json!([[6, 0, [1]]])));
        assert_eq!(v19.get("product_uom_id"), Some(&json!(1)));
        assert!(!v19.contains_key("tax_id") && !v19.contains_key("product_uom"));
        let note =
            SaleOrderLineInput::note("Gift wrap please").to_command(&OdooVersion::new(18, 0));
        assert_eq!(
            note,
            json!([0, 0, {"display_type": "line_note", "name": "Gift wrap please"}])
        );
    }
}
