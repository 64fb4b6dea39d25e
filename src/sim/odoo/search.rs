//! `search` over the store: the shared domain engine (`rpc::domain`) evaluates the domain,
//! `active_test` hides archived records unless the domain speaks of `active`, then order, offset
//! and limit.

use std::borrow::Cow;

use serde_json::Value;

use super::model::{FieldType, ModelDef, Source};
use super::store::{Store, Vals};
use crate::rpc::domain::{self, DomainError, ErrorKind, FieldKind, Matcher, Records, Schema};
use crate::rpc::error::{ExceptionKind, OdooException};

/// A search's arguments.
pub use crate::rpc::methods::SearchArgs as SearchQuery;

impl Schema for Store {
    fn field_kind(&self, model: &str, field: &str) -> Option<FieldKind<'_>> {
        let f = self.reg.model(model)?.field(field)?;
        Some(match &f.ty {
            FieldType::Char => FieldKind::Char,
            FieldType::Text => FieldKind::Text,
            FieldType::Html => FieldKind::Html,
            FieldType::Selection(_) => FieldKind::Selection,
            FieldType::Integer => FieldKind::Integer,
            FieldType::Float => FieldKind::Float,
            FieldType::Monetary => FieldKind::Monetary,
            FieldType::Boolean => FieldKind::Boolean,
            FieldType::Date => FieldKind::Date,
            FieldType::Datetime => FieldKind::Datetime,
            FieldType::Binary => FieldKind::Binary,
            FieldType::Many2one(c) => FieldKind::Many2one { comodel: c },
            FieldType::One2many(c, _) => FieldKind::One2many { comodel: c },
            FieldType::Many2many(c) => FieldKind::Many2many { comodel: c },
        })
    }

    fn is_stored(&self, model: &str, field: &str) -> bool {
        // Inherited fields sort through the parent record (Odoo joins it).
        self.reg
            .model(model)
            .and_then(|m| m.field(field))
            .is_some_and(|f| f.store() || f.source == Source::Inherited || field == "display_name")
    }

    fn parent_field(&self, model: &str) -> &str {
        self.reg
            .model(model)
            .and_then(|m| m.parent_field)
            .unwrap_or("parent_id")
    }
}

impl Records for Store {
    fn ids(&self, model: &str) -> Vec<i64> {
        Store::ids(self, model).collect()
    }

    fn value(&self, model: &str, id: i64, field: &str) -> Option<Cow<'_, Value>> {
        let def = self.reg.model(model)?;
        let f = def.field(field)?;
        let row = self.row(model, id)?;
        let value = match (f.source, field) {
            // Write dates compare and sort at the precision the database keeps (microseconds).
            (_, "write_date") => Cow::Owned(Value::String(precise(row.write_us))),
            (_, "create_date") => Cow::Owned(Value::String(precise(row.create_us))),
            (_, "id") => Cow::Owned(Value::from(id)),
            (Source::Stored, _) if !f.ty.is_x2many() => Cow::Borrowed(row.vals.get(field)?),
            _ => Cow::Owned(Store::value(self, def, id, f, &Vals::new())),
        };
        (!value.is_null()).then_some(value)
    }

    fn display_name(&self, model: &str, id: i64) -> Option<Cow<'_, str>> {
        self.exists(model, id)
            .then(|| Cow::Owned(Store::display_name(self, model, id)))
    }
}

fn precise(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
        .unwrap_or_default()
}

/// A domain error as the exception Odoo raises for it.
pub fn domain_exception(e: &DomainError, version: u32) -> OdooException {
    let kind = match e.kind(version) {
        ErrorKind::ValueError => ExceptionKind::ValueError,
        ErrorKind::TypeError => ExceptionKind::TypeError,
        ErrorKind::IndexError => ExceptionKind::IndexError,
        ErrorKind::UserError => ExceptionKind::UserError,
    };
    OdooException::new(kind, e.message(version))
}

/// The ids matching `q`, in order, offset and limit applied.
pub fn search_ids(
    store: &Store,
    model: &ModelDef,
    q: &SearchQuery,
    ctx: &Vals,
) -> Result<Vec<i64>, OdooException> {
    let version = store.reg.version;
    let mut parsed = domain::parse(&q.domain).map_err(|e| domain_exception(&e, version))?;
    let active_test = ctx
        .get("active_test")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if model.has_active && active_test && !parsed.has_condition_on("active") {
        parsed = parsed.and(domain::Domain::leaf(
            "active",
            domain::Operator::Eq,
            Value::Bool(true),
        ));
    }
    let matcher =
        Matcher::compile(&parsed, model.name, store).map_err(|e| domain_exception(&e, version))?;
    let mut ids = matcher.search(store);
    let order_text = q
        .order
        .as_deref()
        .filter(|o| !o.trim().is_empty())
        .unwrap_or(model.order);
    let order = domain::parse_order(order_text).map_err(|e| domain_exception(&e, version))?;
    domain::validate_order(&order, model.name, store).map_err(|e| domain_exception(&e, version))?;
    let order = order.with_id_tiebreak();
    domain::sort_ids(&order, model.name, &mut ids, store);
    let ids = ids.into_iter().skip(q.offset);
    Ok(match q.limit {
        Some(limit) => ids.take(limit).collect(),
        None => ids.collect(),
    })
}
