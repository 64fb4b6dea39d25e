//! Domains, orders and row access for the hub models, in SQL (SQLite and PostgreSQL).
//!
//! The facade's ORM methods (`search`, `search_read`, `read`, `search_count`, `create`, `write`,
//! `unlink`, `name_search`) call these. Domains are validated by the shared engine
//! ([`crate::rpc::domain::validate`], so errors carry Odoo's texts) and compiled to one statement
//! whose results are those of the engine's in-memory [`Matcher`](crate::rpc::domain::Matcher)
//! (the module `compile` says how; `tests/api/facade_sql.rs` checks it on both backends).
//!
//! Values go in as bound parameters only; table and column names come from the static model
//! definitions ([`crate::facade::model`]). Lists of ids are bound as one array (PostgreSQL
//! `unnest($n)`, SQLite `json_each(?)`), so a statement's text does not depend on how many ids
//! it gets and its prepared form is reused.
//!
//! Rows come back as raw storage values ([`Raw`]): the caller turns them into Odoo wire values.

mod compile;
mod rows;
mod run;
mod values;

use std::collections::{HashMap, HashSet};

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text};

use self::compile::{
    NullType, Param, Sql, Target, is_presence_flag, model_named, table, value_expr,
};
use self::rows::DynRow;
use self::run::{execute, load};
use crate::db::DbConnection;
use crate::facade::model::{FieldDef, FieldType, ModelDef, Registry};
use crate::rpc::domain::{Domain, DomainError, OrderBy, parse_order, validate, validate_order};

/// Why a query of the SQL layer failed.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// The domain or the `order` is invalid (Odoo's own error, see [`DomainError::message`]).
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The database refused the statement or could not be reached.
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
    /// The model has no table (`adlerdo.sync`), or a relational field names an unknown model.
    #[error("model {model} has no table")]
    NoTable { model: &'static str },
    /// A value for a field without a column of its own (a one2many, or a flag computed from
    /// another field's column such as `has_credentials`).
    #[error("field {model}.{field} is not stored in a column of its own")]
    NotStored {
        model: &'static str,
        field: &'static str,
    },
    /// [`one2many_ids`] was given a field that is not a one2many.
    #[error("field {field} is not a one2many")]
    NotOne2many { field: &'static str },
}

/// A value to write into a column (as stored: booleans 0/1, datetimes epoch milliseconds or
/// Odoo text by field type, JSON as text, many2one as the id).
#[derive(Clone, Debug, PartialEq)]
pub enum Bind {
    Int(i64),
    Float(f64),
    Text(String),
    Null,
}

/// A value as read from a column: booleans are 0/1, datetimes epoch milliseconds
/// ([`FieldType::Datetime`]) or Odoo's text ([`FieldType::DatetimeText`]), JSON fields their text.
#[derive(Clone, Debug, PartialEq)]
pub enum Raw {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    /// A many2one that is set: the related id and the related record's display name (read in
    /// the same query).
    Ref(i64, String),
}

/// One record read: its id, one value per requested field, its display name when asked.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub id: i64,
    /// `values[i]` is the value of `fields[i]` of the call that read the row: [`Raw::Ref`] (or
    /// [`Raw::Null`]) for a many2one; [`Raw::Null`] for a field with no column (one2many: see
    /// [`one2many_ids`]) and for a write-only field, which is never read.
    pub values: Vec<Raw>,
    /// The model's name column (`display_name`), when asked for and not NULL.
    pub display_name: Option<String>,
}

impl Row {
    /// The value of the field called `name`, given the `fields` the row was read with.
    pub fn get(&self, fields: &[&FieldDef], name: &str) -> Option<&Raw> {
        fields
            .iter()
            .position(|f| f.name == name)
            .and_then(|i| self.values.get(i))
    }
}

/// The empty `order`: the model's default order.
pub static DEFAULT_ORDER: OrderBy = OrderBy(Vec::new());

/// A search on one model.
#[derive(Clone, Copy, Debug)]
pub struct Search<'a> {
    pub model: &'static ModelDef,
    pub domain: &'a Domain,
    /// Odoo's `active_test`: on a model with an `active` field, leave out archived rows
    /// (`active = 0`) unless the domain has a condition on `active` itself.
    pub active_test: bool,
    /// Empty: the model's default order. An `id` tie-break is always added.
    pub order: &'a OrderBy,
    /// Rows to skip (ignored by [`search_count`], as Odoo's `search_count` has none).
    pub offset: usize,
    /// At most this many rows (`Some(0)`: none; Odoo's falsy `limit` is `None`).
    pub limit: Option<usize>,
}

impl<'a> Search<'a> {
    /// All the records of `model` matching `domain` in the default order, archived ones left out.
    pub fn new(model: &'static ModelDef, domain: &'a Domain) -> Self {
        Self {
            model,
            domain,
            active_test: true,
            order: &DEFAULT_ORDER,
            offset: 0,
            limit: None,
        }
    }
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
}

#[derive(QueryableByName)]
struct PairRow {
    #[diesel(sql_type = BigInt)]
    owner: i64,
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The ids of the matching records, in order, paged.
pub fn search_ids(conn: &mut DbConnection, s: &Search<'_>) -> Result<Vec<i64>, SqlError> {
    let mut sql = Sql::new(is_pg(conn));
    sql.push("SELECT t0.id AS id FROM ");
    sql.push(table(s.model)?);
    sql.push(" t0");
    search_tail(&mut sql, s, true)?;
    Ok(load::<IdRow>(conn, &sql)?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

/// How many records match; at most `limit` when there is one (Odoo's `search_count(limit=)`).
pub fn search_count(conn: &mut DbConnection, s: &Search<'_>) -> Result<i64, SqlError> {
    let table = table(s.model)?;
    let mut sql = Sql::new(is_pg(conn));
    let s = Search { offset: 0, ..*s };
    if s.limit.is_some() {
        sql.push("SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM ");
        sql.push(table);
        sql.push(" t0");
        search_tail(&mut sql, &s, false)?;
        sql.push(") c");
    } else {
        sql.push("SELECT COUNT(*) AS n FROM ");
        sql.push(table);
        sql.push(" t0");
        search_tail(&mut sql, &s, false)?;
    }
    Ok(load::<CountRow>(conn, &sql)?.first().map_or(0, |r| r.n))
}

/// The matching records with the values of `fields` (and their display names), in one query:
/// `search_read`.
pub fn search_rows(
    conn: &mut DbConnection,
    s: &Search<'_>,
    fields: &[&'static FieldDef],
    with_display_name: bool,
) -> Result<Vec<Row>, SqlError> {
    let table = table(s.model)?;
    let mut sql = Sql::new(is_pg(conn));
    let layout = select(&mut sql, s.model, fields, with_display_name)?;
    sql.push(" FROM ");
    sql.push(table);
    sql.push(" t0");
    search_tail(&mut sql, s, true)?;
    load::<DynRow>(conn, &sql)?
        .into_iter()
        .map(|r| layout.row(r))
        .collect()
}

/// The records `ids` with the values of `fields`, in the order of `ids` (a repeated id is
/// repeated); ids with no record are left out.
pub fn read_rows(
    conn: &mut DbConnection,
    model: &'static ModelDef,
    ids: &[i64],
    fields: &[&'static FieldDef],
    with_display_name: bool,
) -> Result<Vec<Row>, SqlError> {
    let table = table(model)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(is_pg(conn));
    let layout = select(&mut sql, model, fields, with_display_name)?;
    sql.push(" FROM ");
    sql.push(table);
    sql.push(" t0 WHERE ");
    sql.in_ids("t0.id", ids);
    let mut found: HashMap<i64, Row> = HashMap::with_capacity(ids.len());
    for r in load::<DynRow>(conn, &sql)? {
        let row = layout.row(r)?;
        found.insert(row.id, row);
    }
    let unique = ids.iter().collect::<HashSet<_>>().len() == ids.len();
    Ok(if unique {
        ids.iter().filter_map(|id| found.remove(id)).collect()
    } else {
        ids.iter().filter_map(|id| found.get(id).cloned()).collect()
    })
}

/// The members of `ids` that have a record, in the order of `ids` (Odoo's `exists()`).
pub fn existing_ids(
    conn: &mut DbConnection,
    model: &'static ModelDef,
    ids: &[i64],
) -> Result<Vec<i64>, SqlError> {
    let table = table(model)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(is_pg(conn));
    sql.push("SELECT t0.id AS id FROM ");
    sql.push(table);
    sql.push(" t0 WHERE ");
    sql.in_ids("t0.id", ids);
    let found: HashSet<i64> = load::<IdRow>(conn, &sql)?
        .into_iter()
        .map(|r| r.id)
        .collect();
    Ok(ids
        .iter()
        .copied()
        .filter(|id| found.contains(id))
        .collect())
}

/// Creates a record; returns its id.
///
/// Like Odoo's ORM, it sets `create_date`/`write_date` (when the model has them and `values`
/// does not) to now; a name column that is no field's own (`products.display_name`) gets the
/// `name` value, as `sync::push::create_product` does. Whether the model and its fields may be
/// written through the facade (`writable`, `readonly`) is the caller's decision.
pub fn insert(
    conn: &mut DbConnection,
    model: &'static ModelDef,
    values: &[(&'static FieldDef, Bind)],
) -> Result<i64, SqlError> {
    let table = table(model)?;
    let mut columns: Vec<(&'static str, Param)> = Vec::with_capacity(values.len() + 3);
    for (field, value) in values {
        columns.push((write_column(model, field)?, param_for(field, value)));
    }
    let now = now_ms();
    for name in ["create_date", "write_date"] {
        if let Some(f) = model.field(name)
            && f.ty == FieldType::Datetime
            && let Some(col) = f.column
            && !values.iter().any(|(v, _)| v.column == Some(col))
        {
            columns.push((col, Param::Int(now)));
        }
    }
    if let Some(col) = derived_name_column(model) {
        let name = values.iter().find_map(|(f, v)| match v {
            Bind::Text(s) if f.name == "name" => Some(s.clone()),
            _ => None,
        });
        columns.push((col, Param::Text(name.unwrap_or_default())));
    }
    let mut sql = Sql::new(is_pg(conn));
    sql.push("INSERT INTO ");
    sql.push(table);
    if columns.is_empty() {
        sql.push(" DEFAULT VALUES");
    } else {
        sql.push(" (");
        for (i, (col, _)) in columns.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push(col);
        }
        sql.push(") VALUES (");
        for (i, (_, p)) in columns.into_iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.param(p);
        }
        sql.push(")");
    }
    sql.push(" RETURNING id");
    load::<IdRow>(conn, &sql)?
        .first()
        .map(|r| r.id)
        .ok_or(SqlError::Db(diesel::result::Error::NotFound))
}

/// Writes `values` on the records `ids`; returns how many records were updated.
///
/// Sets `write_date` to now unless `values` has it (a name column that is no field's own,
/// `products.display_name`, is left as it is). With nothing to write, returns how many of `ids`
/// exist.
pub fn update(
    conn: &mut DbConnection,
    model: &'static ModelDef,
    ids: &[i64],
    values: &[(&'static FieldDef, Bind)],
) -> Result<usize, SqlError> {
    let table = table(model)?;
    if ids.is_empty() {
        return Ok(0);
    }
    let mut sets: Vec<(&'static str, Param)> = Vec::with_capacity(values.len() + 1);
    for (field, value) in values {
        sets.push((write_column(model, field)?, param_for(field, value)));
    }
    if values.is_empty() {
        return Ok(existing_ids(conn, model, ids)?.len());
    }
    if let Some(f) = model.field("write_date")
        && f.ty == FieldType::Datetime
        && let Some(col) = f.column
        && !values.iter().any(|(v, _)| v.column == Some(col))
    {
        sets.push((col, Param::Int(now_ms())));
    }
    let mut sql = Sql::new(is_pg(conn));
    sql.push("UPDATE ");
    sql.push(table);
    sql.push(" SET ");
    for (i, (col, p)) in sets.into_iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push(col);
        sql.push(" = ");
        sql.param(p);
    }
    sql.push(" WHERE ");
    sql.in_ids("id", ids);
    execute(conn, &sql)
}

/// Deletes the records `ids`; returns how many were deleted.
pub fn delete(
    conn: &mut DbConnection,
    model: &'static ModelDef,
    ids: &[i64],
) -> Result<usize, SqlError> {
    let table = table(model)?;
    if ids.is_empty() {
        return Ok(0);
    }
    let mut sql = Sql::new(is_pg(conn));
    sql.push("DELETE FROM ");
    sql.push(table);
    sql.push(" WHERE ");
    sql.in_ids("id", ids);
    execute(conn, &sql)
}

/// The display names (name column) of the records `ids` that exist; a NULL name is `""`.
pub fn display_names(
    conn: &mut DbConnection,
    model: &'static ModelDef,
    ids: &[i64],
) -> Result<HashMap<i64, String>, SqlError> {
    let table = table(model)?;
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new(is_pg(conn));
    sql.push(&format!(
        "SELECT t0.id AS id, t0.{} AS name FROM {table} t0 WHERE ",
        model.name_column
    ));
    sql.in_ids("t0.id", ids);
    Ok(load::<NameRow>(conn, &sql)?
        .into_iter()
        .map(|r| (r.id, r.name.unwrap_or_default()))
        .collect())
}

/// The values of a one2many `field` for the records `ids`: every id of `ids` maps to the ids of
/// its related records (possibly none), in the comodel's default order; archived related
/// records are left out when the comodel has `active`.
pub fn one2many_ids(
    conn: &mut DbConnection,
    field: &FieldDef,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<i64>>, SqlError> {
    let FieldType::One2many { comodel, inverse } = field.ty else {
        return Err(SqlError::NotOne2many { field: field.name });
    };
    let co = model_named(comodel)?;
    let inverse = co
        .field(inverse)
        .and_then(|f| f.column)
        .ok_or(SqlError::NotStored {
            model: co.name,
            field: inverse,
        })?;
    let mut out: HashMap<i64, Vec<i64>> = ids.iter().map(|&id| (id, Vec::new())).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut sql = Sql::new(is_pg(conn));
    sql.push(&format!(
        "SELECT t0.{inverse} AS owner, t0.id AS id FROM {} t0 WHERE ",
        table(co)?
    ));
    sql.in_ids(&format!("t0.{inverse}"), ids);
    if let Some(active) = co.field("active").and_then(|f| f.column) {
        sql.push(&format!(" AND t0.{active} <> 0"));
    }
    order_by(&mut sql, &parse_order(co.order)?, co)?;
    for r in load::<PairRow>(conn, &sql)? {
        out.entry(r.owner).or_default().push(r.id);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Building statements
// ---------------------------------------------------------------------------------------------

fn is_pg(conn: &DbConnection) -> bool {
    matches!(conn, DbConnection::Postgresql(_))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// ` WHERE ...` (active_test and the domain), then ` ORDER BY ...` when `ordered`, then the page.
fn search_tail(sql: &mut Sql, s: &Search<'_>, ordered: bool) -> Result<(), SqlError> {
    validate(s.domain, s.model.name, &Registry)?;
    let parsed;
    let order = if s.order.is_empty() {
        parsed = parse_order(s.model.order)?;
        &parsed
    } else {
        validate_order(s.order, s.model.name, &Registry)?;
        s.order
    };
    let active = s
        .model
        .field("active")
        .and_then(|f| f.column)
        .filter(|_| s.active_test && !s.domain.has_condition_on("active"));
    if active.is_some() || !s.domain.is_true() {
        sql.push(" WHERE ");
        if let Some(col) = active {
            sql.push("t0.");
            sql.push(col);
            sql.push(" <> 0");
            if !s.domain.is_true() {
                sql.push(" AND ");
            }
        }
        if !s.domain.is_true() {
            sql.domain(s.domain, s.model, "t0")?;
        }
    }
    if ordered {
        order_by(sql, order, s.model)?;
    }
    if let Some(limit) = s.limit {
        sql.push(" LIMIT ");
        sql.param(Param::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
    } else if s.offset > 0 && !sql.pg {
        sql.push(" LIMIT -1");
    }
    if s.offset > 0 {
        sql.push(" OFFSET ");
        sql.param(Param::Int(i64::try_from(s.offset).unwrap_or(i64::MAX)));
    }
    Ok(())
}

/// ` ORDER BY <order>, t0.id` (the `id` tie-break unless the order has one: stable pages).
fn order_by(sql: &mut Sql, order: &OrderBy, model: &'static ModelDef) -> Result<(), SqlError> {
    sql.order_by(order, model, "t0")?;
    if !order.0.iter().any(|t| t.field == "id") {
        sql.push(if order.is_empty() {
            " ORDER BY t0.id ASC"
        } else {
            ", t0.id ASC"
        });
    }
    Ok(())
}

/// Where each requested value sits in a result row: the fields' columns, `id`, the display
/// name, then the names of the many2one values (taken off the end, so nothing is shifted).
struct Layout {
    /// Indexes (in `fields`) of the many2one fields, whose names follow at the end.
    many2one: Vec<usize>,
    display_name: bool,
}

/// `SELECT <fields>, t0.id[, t0.<name>][, <many2one names>]`.
fn select(
    sql: &mut Sql,
    model: &'static ModelDef,
    fields: &[&'static FieldDef],
    display_name: bool,
) -> Result<Layout, SqlError> {
    sql.push("SELECT ");
    let mut many2one = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        if field.write_only || field.column.is_none() {
            sql.push("NULL, ");
            continue;
        }
        sql.push(&value_expr(model, Target::Field(field), "t0"));
        sql.push(", ");
        if matches!(field.ty, FieldType::Many2one(_)) {
            many2one.push(i);
        }
    }
    sql.push("t0.id");
    if display_name {
        sql.push(", t0.");
        sql.push(model.name_column);
    }
    for &i in &many2one {
        if let (FieldType::Many2one(comodel), Some(col)) = (fields[i].ty, fields[i].column) {
            let co = model_named(comodel)?;
            sql.push(&format!(
                ", (SELECT n{i}.{} FROM {} n{i} WHERE n{i}.id = t0.{col})",
                co.name_column,
                table(co)?
            ));
        }
    }
    Ok(Layout {
        many2one,
        display_name,
    })
}

impl Layout {
    fn row(&self, DynRow(mut values): DynRow) -> Result<Row, SqlError> {
        for &i in self.many2one.iter().rev() {
            let name = match values.pop() {
                Some(Raw::Text(s)) => s,
                _ => String::new(),
            };
            if let Some(slot) = values.get_mut(i)
                && let Raw::Int(id) = *slot
            {
                *slot = Raw::Ref(id, name);
            }
        }
        let display_name = if self.display_name {
            match values.pop() {
                Some(Raw::Text(s)) => Some(s),
                _ => None,
            }
        } else {
            None
        };
        match values.pop() {
            Some(Raw::Int(id)) => Ok(Row {
                id,
                values,
                display_name,
            }),
            _ => Err(SqlError::Db(diesel::result::Error::DeserializationError(
                "a row without an id".into(),
            ))),
        }
    }
}

/// The column `field` is written to.
fn write_column(
    model: &'static ModelDef,
    field: &'static FieldDef,
) -> Result<&'static str, SqlError> {
    match field.column {
        Some(col) if !is_presence_flag(model, field) => Ok(col),
        _ => Err(SqlError::NotStored {
            model: model.name,
            field: field.name,
        }),
    }
}

/// A value for `field`'s column (a NULL typed as the column).
fn param_for(field: &FieldDef, value: &Bind) -> Param {
    match value {
        Bind::Int(v) => Param::Int(*v),
        Bind::Float(v) => Param::Float(*v),
        Bind::Text(v) => Param::Text(v.clone()),
        Bind::Null => Param::Null(match field.ty {
            FieldType::Integer
            | FieldType::Boolean
            | FieldType::Datetime
            | FieldType::Many2one(_) => NullType::Int,
            FieldType::Float | FieldType::Monetary => NullType::Float,
            _ => NullType::Text,
        }),
    }
}

/// The name column when it is no field's column (`products.display_name`).
fn derived_name_column(model: &'static ModelDef) -> Option<&'static str> {
    let col = model.name_column;
    (col != "id"
        && !model.fields.iter().any(|f| f.column == Some(col))
        && model.field("name").is_some())
    .then_some(col)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::facade::model::{LISTING, PRODUCT};
    use crate::rpc::domain::parse;

    fn where_sql(pg: bool, model: &'static ModelDef, wire: serde_json::Value) -> String {
        let domain = parse(&wire).unwrap();
        let mut sql = Sql::new(pg);
        search_tail(&mut sql, &Search::new(model, &domain), true).unwrap();
        sql.rendered()
    }

    #[test]
    fn statements_per_dialect() {
        let p = &PRODUCT;
        assert_eq!(
            where_sql(true, p, json!([])),
            " WHERE t0.active <> 0 ORDER BY t0.display_name COLLATE \"C\" ASC, t0.id ASC"
        );
        assert_eq!(
            where_sql(
                false,
                p,
                json!([["name", "!=", "x"], ["active", "in", [true, false]]])
            ),
            " WHERE (NOT COALESCE((t0.name = ?), FALSE) AND TRUE) \
             ORDER BY t0.display_name ASC, t0.id ASC"
        );
        assert!(where_sql(false, p, json!([["name", "like", "a_b"]])).contains("t0.name GLOB ?"));
        assert!(
            where_sql(true, p, json!([["id", "in", [1, 2, 3]]]))
                .contains("t0.id IN (SELECT unnest($1))")
        );
        assert!(
            where_sql(false, p, json!([["id", "in", [1, 2, 3]]]))
                .contains("t0.id IN (SELECT value FROM json_each(?))")
        );
        let l = &LISTING;
        assert_eq!(
            where_sql(true, l, json!([["marketplace_id.kind", "=", "ebay"]])),
            " WHERE (t0.marketplace_id IN (SELECT t1.id FROM marketplaces t1 WHERE (t1.kind = $1))) \
             ORDER BY (SELECT t2.name FROM marketplaces t2 WHERE t2.id = t0.marketplace_id) \
             COLLATE \"C\" ASC NULLS LAST, t0.marketplace_id ASC, t0.sku COLLATE \"C\" ASC, \
             t0.id ASC"
        );
        let s = where_sql(
            false,
            p,
            json!([["listing_ids", "=", false], ["list_price", "<", 5]]),
        );
        assert!(s.contains("NOT EXISTS (SELECT 1 FROM listings t1 WHERE t1.product_id = t0.id)"));
        assert!(s.contains("(t0.list_price < ? OR t0.list_price IS NULL)"));
    }
}
