//! The ORM methods of the hub models (`search`, `search_read`, `read`, `search_count`, `create`,
//! `write`, `unlink`, `fields_get`, `name_search`, ...), bound as Odoo binds them, run in SQL on
//! the hub's database, with Odoo's value formats and error shapes.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::Facade;
use super::model::{FieldDef, FieldType, ModelDef, Registry};
use super::sql::{self, Bind, Raw, Row, Search, SqlError};
use crate::rpc::datetime;
use crate::rpc::domain::{self, Domain, DomainError, OrderBy};
use crate::rpc::error::{ExceptionKind, OdooException};
use crate::rpc::http::{Json2Refusal, Outcome};
use crate::rpc::methods::{self as shared, BoundCall, Kind, Method, READ_FORMAT, only, sig};
use crate::rpc::pysig::{opt, req};

type Result<T> = std::result::Result<T, OdooException>;

/// The facade's own public methods (besides `rpc::methods::COMMON_METHODS`).
const METHODS: &[Method] = &[
    only(
        "retry",
        Kind::Record,
        sig("AdlerdoJob.retry", &[]),
        "adlerdo.job",
    ),
    only(
        "retry",
        Kind::Record,
        sig("AdlerdoOrder.retry", &[]),
        "adlerdo.order",
    ),
    only(
        "notify_products_changed",
        Kind::Model,
        sig(
            "AdlerdoSync.notify_products_changed",
            &[req("odoo_product_ids")],
        ),
        "adlerdo.sync",
    ),
    only(
        "notify_stock_changed",
        Kind::Model,
        sig(
            "AdlerdoSync.notify_stock_changed",
            &[req("odoo_product_ids")],
        ),
        "adlerdo.sync",
    ),
    only(
        "run",
        Kind::Model,
        sig("AdlerdoSync.run", &[req("flow"), opt("full")]),
        "adlerdo.sync",
    ),
    only(
        "publish",
        Kind::Record,
        sig("AdlerdoMarketplace.publish", &[opt("product_ids")]),
        "adlerdo.marketplace",
    ),
    only(
        "push",
        Kind::Record,
        sig("AdlerdoListing.push", &[]),
        "adlerdo.listing",
    ),
    only(
        "status",
        Kind::Model,
        sig("AdlerdoSync.status", &[]),
        "adlerdo.sync",
    ),
];

/// The user pseudo-model that Odoo clients ask for their context on login.
const USERS: &str = "res.users";

/// The model catalog pseudo-model: clients ask it whether a model exists (OdooRPC's
/// `'adlerdo.product' in odoo.env`).
const IR_MODEL: &str = "ir.model";

pub fn has_model(model: &str) -> bool {
    model == USERS || model == IR_MODEL || Registry.model(model).is_some()
}

/// `ir.model` over the hub's models: one record per model (`id`, `model`, `name`), searched with
/// the shared domain engine.
struct ModelCatalog;

impl crate::rpc::domain::Schema for ModelCatalog {
    fn field_kind(&self, model: &str, field: &str) -> Option<crate::rpc::domain::FieldKind<'_>> {
        if model != IR_MODEL {
            return None;
        }
        match field {
            "id" => Some(crate::rpc::domain::FieldKind::Integer),
            "model" | "name" | "display_name" => Some(crate::rpc::domain::FieldKind::Char),
            _ => None,
        }
    }
}

impl crate::rpc::domain::Records for ModelCatalog {
    fn ids(&self, _model: &str) -> Vec<i64> {
        (1..=super::model::MODELS.len() as i64).collect()
    }

    fn value(&self, _model: &str, id: i64, field: &str) -> Option<std::borrow::Cow<'_, Value>> {
        let m = super::model::MODELS.get(usize::try_from(id - 1).ok()?)?;
        Some(std::borrow::Cow::Owned(match field {
            "id" => json!(id),
            "model" => json!(m.name),
            "name" | "display_name" => json!(m.description),
            _ => return None,
        }))
    }

    fn display_name(&self, _model: &str, id: i64) -> Option<std::borrow::Cow<'_, str>> {
        let m = super::model::MODELS.get(usize::try_from(id - 1).ok()?)?;
        Some(std::borrow::Cow::Borrowed(m.description))
    }
}

/// `search`, `search_count`, `search_read` and `read` on `ir.model`.
fn model_catalog(method: &str, args: &crate::rpc::pysig::Bound, ids: &[i64]) -> Result<Value> {
    use crate::rpc::domain::Records as _;
    let data = ModelCatalog;
    let found: Vec<i64> = if method == "read" {
        ids.iter()
            .copied()
            .filter(|id| data.ids(IR_MODEL).contains(id))
            .collect()
    } else {
        let a = shared::search_args(args, "domain");
        let domain = domain::parse(&a.domain).map_err(|e| domain_exception(&e))?;
        let matcher =
            domain::Matcher::compile(&domain, IR_MODEL, &data).map_err(|e| domain_exception(&e))?;
        let all = matcher.search(&data);
        let end = a.limit.map_or(all.len(), |l| (a.offset + l).min(all.len()));
        all.get(a.offset.min(end)..end).unwrap_or_default().to_vec()
    };
    Ok(match method {
        "search" => json!(found),
        "search_count" => json!(found.len()),
        "search_read" | "read" => json!(
            found
                .iter()
                .filter_map(|&id| {
                    let m = super::model::MODELS.get(usize::try_from(id - 1).ok()?)?;
                    Some(json!({"id": id, "model": m.name, "name": m.description, "display_name": m.description}))
                })
                .collect::<Vec<_>>()
        ),
        other => {
            return Err(OdooException::new(
                ExceptionKind::AttributeError,
                shared::unknown_method_message(super::ODOO_SERIES, IR_MODEL, other),
            ));
        }
    })
}

/// The context of a facade user.
pub fn user_context(uid: i64) -> Value {
    shared::user_context(uid, "UTC")
}

/// `model.method(*args, **kwargs)` as `execute_kw`/`call_kw` runs it, as `uid`.
pub async fn call_kw(
    facade: &Facade,
    uid: i64,
    model: &str,
    method: &str,
    args: &[Value],
    kwargs: &Map<String, Value>,
) -> Result<Outcome> {
    if !has_model(model) {
        return Err(OdooException::no_model(model));
    }
    let key = facade
        .reads
        .key(&facade.state.queue, model, method, &(args, kwargs));
    if let Some(hit) = key.as_ref().and_then(|k| facade.reads.get(k)) {
        return Ok(Some(hit));
    }
    let spec = shared::resolve(
        METHODS,
        super::ODOO_SERIES,
        model,
        method,
        shared::base_private,
    )?;
    let call = shared::bind_kw(spec, args, kwargs)?;
    let result = run(facade, uid, model, call).await?;
    Ok(facade.reads.keep(key, result))
}

/// `POST /json/2/<model>/<method>`.
pub async fn call_json2(
    facade: &Facade,
    uid: i64,
    model: &str,
    method: &str,
    body: &Map<String, Value>,
) -> std::result::Result<Outcome, Json2Refusal> {
    let key = facade
        .reads
        .key(&facade.state.queue, model, method, &("json2", body));
    if let Some(hit) = key.as_ref().and_then(|k| facade.reads.get(k)) {
        return Ok(Some(hit));
    }
    let call = shared::bind_json2(METHODS, has_model(model), model, method, body)?;
    let name = call.method.name;
    let result = run(facade, uid, model, call).await?;
    Ok(facade.reads.keep(key, shared::json2_result(name, result)))
}

/// The methods that only read (their answers may be cached).
pub fn reads_only(method: &str) -> bool {
    matches!(
        method,
        "search"
            | "search_read"
            | "read"
            | "search_count"
            | "name_search"
            | "fields_get"
            | "exists"
    )
}

async fn run(facade: &Facade, uid: i64, model_name: &str, call: BoundCall<'_>) -> Result<Outcome> {
    if model_name == USERS {
        // The users pseudo-model has `context_get` only.
        return if call.method.name == "context_get" {
            Ok(Some(user_context(uid)))
        } else {
            Err(OdooException::new(
                ExceptionKind::AttributeError,
                shared::unknown_method_message(super::ODOO_SERIES, USERS, call.method.name),
            ))
        };
    }
    if model_name == IR_MODEL {
        return model_catalog(call.method.name, &call.args, &call.ids).map(Some);
    }
    let model = Registry
        .model(model_name)
        .ok_or_else(|| OdooException::no_model(model_name))?;
    let BoundCall {
        method,
        ids,
        args,
        context,
    } = call;
    let active_test = context
        .get("active_test")
        .is_none_or(|v| v != &json!(false));
    if !reads_only(method.name) {
        // Whatever this call changes, cached reads start over (also when it fails halfway).
        let queue = facade.state.queue.clone();
        let _changed = scopeguard(move || queue.data_changed());
        return run_method(facade, model, method, ids, args, active_test).await;
    }
    run_method(facade, model, method, ids, args, active_test).await
}

/// Runs `f` when dropped.
fn scopeguard(f: impl FnOnce()) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Guard(Some(f))
}

async fn run_method(
    facade: &Facade,
    model: &'static ModelDef,
    method: &Method,
    ids: Vec<i64>,
    args: crate::rpc::pysig::Bound,
    active_test: bool,
) -> Result<Outcome> {
    Ok(Some(match method.name {
        "search" => {
            let q = Query::new(model, &shared::search_args(&args, "domain"), active_test)?;
            json!(facade_run(facade, move |c| q.ids(c)).await?)
        }
        "search_count" => {
            let mut a = shared::search_args(&args, "domain");
            a.order = None;
            a.offset = 0;
            let q = Query::new(model, &a, active_test)?;
            json!(facade_run(facade, move |c| q.count(c)).await?)
        }
        "search_read" => {
            let extra = READ_FORMAT.bind(&[json!([])], &args.extra)?;
            let classic = shared::classic_load(extra.get("load"));
            let fields = resolve_fields(model, &shared::field_names(args.get("fields")))?;
            let q = Query::new(model, &shared::search_args(&args, "domain"), active_test)?;
            facade_run(facade, move |c| {
                let rows = q.rows(c, &fields)?;
                format_rows(c, &fields, rows, classic)
            })
            .await?
        }
        "read" => {
            let classic = shared::classic_load(args.get("load"));
            let fields = resolve_fields(model, &shared::field_names(args.get("fields")))?;
            let table_ok = model.table.is_some();
            facade_run(facade, move |c| {
                if !table_ok {
                    return Ok(json!([]));
                }
                let rows = sql::read_rows(c, model, &ids, &fields.all, fields.display_name)?;
                format_rows(c, &fields, rows, classic)
            })
            .await?
        }
        "exists" => {
            let found = facade_run(facade, move |c| {
                if model.table.is_none() {
                    return Ok(Vec::new());
                }
                Ok(sql::existing_ids(c, model, &ids)?)
            })
            .await?;
            json!(found)
        }
        "fields_get" => {
            let allfields = args
                .get_some("allfields")
                .map(|v| shared::field_names(Some(v)));
            let attributes = args
                .get_some("attributes")
                .map(|v| shared::field_names(Some(v)));
            fields_get(model, allfields.as_deref(), attributes.as_deref())
        }
        "name_search" => {
            let name = args
                .get_some("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let operator = args
                .get_some("operator")
                .and_then(Value::as_str)
                .unwrap_or("ilike")
                .to_string();
            let limit = shared::int_arg(args.get("limit")).unwrap_or(100);
            let extra = args.get_some("args").cloned().unwrap_or_else(|| json!([]));
            let mut domain = extra.as_array().cloned().unwrap_or_default();
            if !name.is_empty() || operator != "ilike" {
                domain.insert(0, json!(["display_name", operator, name]));
                if domain.len() > 1 {
                    domain.insert(0, json!("&"));
                }
            }
            let a = shared::SearchArgs {
                domain: json!(domain),
                offset: 0,
                limit: (limit > 0).then_some(limit as usize),
                order: None,
            };
            let q = Query::new(model, &a, active_test)?;
            facade_run(facade, move |c| {
                let rows = q.rows(
                    c,
                    &Fields {
                        display_name: true,
                        ..Fields::default()
                    },
                )?;
                Ok(json!(
                    rows.iter()
                        .map(|r| json!([r.id, r.display_name.as_deref().unwrap_or_default()]))
                        .collect::<Vec<_>>()
                ))
            })
            .await?
        }
        "check_access_rights" => json!(true),
        "create" => {
            let vals_list = args.get("vals_list").cloned().unwrap_or(Value::Null);
            return super::sync::create(facade, model, vals_list)
                .await
                .map(Some);
        }
        "write" => {
            let Some(Value::Object(vals)) = args.get("vals") else {
                return Err(OdooException::type_error("'vals' must be a dictionary"));
            };
            super::sync::write(facade, model, ids, vals.clone()).await?;
            json!(true)
        }
        "unlink" => {
            super::sync::unlink(facade, model, ids).await?;
            json!(true)
        }
        "retry" if model.name == super::model::ORDER.name => {
            super::sync::retry_orders(facade, ids).await?
        }
        "retry" => super::sync::retry_jobs(facade, ids).await?,
        "publish" => super::listings::publish(facade, ids, args.get_some("product_ids")).await?,
        "push" => super::listings::push(facade, ids).await?,
        "notify_products_changed" => {
            super::sync::notify_products_changed(facade, args.get("odoo_product_ids")).await?
        }
        "notify_stock_changed" => {
            super::sync::notify_stock_changed(facade, args.get("odoo_product_ids")).await?
        }
        "run" => super::sync::run_flow(facade, args.get("flow"), args.get_some("full")).await?,
        "status" => super::sync::status(facade).await?,
        other => {
            return Err(OdooException::new(
                ExceptionKind::AttributeError,
                shared::unknown_method_message(super::ODOO_SERIES, model.name, other),
            ));
        }
    }))
}

/// Runs `f` on a pooled connection; SQL errors become Odoo's exceptions.
pub async fn facade_run<T, F>(facade: &Facade, f: F) -> Result<T>
where
    F: FnOnce(&mut crate::db::DbConnection) -> std::result::Result<T, FacadeError> + Send + 'static,
    T: Send + 'static,
{
    let outcome = facade
        .state
        .db
        .run(move |c| Ok(f(c)))
        .await
        .map_err(super::db_exception)?;
    outcome.map_err(FacadeError::into_exception)
}

/// What can go wrong inside a database closure.
#[derive(Debug)]
pub enum FacadeError {
    Odoo(OdooException),
    Sql(SqlError),
}

impl From<SqlError> for FacadeError {
    fn from(e: SqlError) -> Self {
        Self::Sql(e)
    }
}

impl From<OdooException> for FacadeError {
    fn from(e: OdooException) -> Self {
        Self::Odoo(e)
    }
}

impl From<diesel::result::Error> for FacadeError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Sql(SqlError::Db(e))
    }
}

impl FacadeError {
    pub fn into_exception(self) -> OdooException {
        match self {
            Self::Odoo(e) => e,
            Self::Sql(SqlError::Domain(e)) => domain_exception(&e),
            Self::Sql(
                e @ (SqlError::NoTable { .. }
                | SqlError::NotStored { .. }
                | SqlError::NotOne2many { .. }),
            ) => OdooException::value(e.to_string()),
            Self::Sql(SqlError::Db(e)) => {
                log::error!("facade: database error: {e}");
                OdooException::new(
                    ExceptionKind::OperationalError,
                    format!(
                        "the hub's database failed: {}",
                        crate::db::one_line(&e.to_string())
                    ),
                )
            }
        }
    }
}

/// A domain or order error as Odoo raises it.
pub fn domain_exception(e: &DomainError) -> OdooException {
    let v = super::ODOO_SERIES;
    let kind = match e.kind(v) {
        domain::ErrorKind::ValueError => ExceptionKind::ValueError,
        domain::ErrorKind::TypeError => ExceptionKind::TypeError,
        domain::ErrorKind::UserError => ExceptionKind::UserError,
        _ => ExceptionKind::ValueError,
    };
    OdooException::new(kind, e.message(v))
}

/// A search: the parsed domain and order, with paging.
struct Query {
    model: &'static ModelDef,
    domain: Domain,
    order: OrderBy,
    offset: usize,
    limit: Option<usize>,
    active_test: bool,
}

impl Query {
    fn new(model: &'static ModelDef, a: &shared::SearchArgs, active_test: bool) -> Result<Self> {
        if model.table.is_none() {
            return Err(OdooException::user(format!(
                "{} has no records to search",
                model.name
            )));
        }
        let domain = domain::parse(&a.domain).map_err(|e| domain_exception(&e))?;
        let order = domain::parse_order(a.order.as_deref().unwrap_or(""))
            .map_err(|e| domain_exception(&e))?;
        Ok(Self {
            model,
            domain,
            order,
            offset: a.offset,
            limit: a.limit,
            active_test,
        })
    }

    fn search(&self) -> Search<'_> {
        Search {
            model: self.model,
            domain: &self.domain,
            active_test: self.active_test,
            order: &self.order,
            offset: self.offset,
            limit: self.limit,
        }
    }

    fn ids(&self, c: &mut crate::db::DbConnection) -> std::result::Result<Vec<i64>, FacadeError> {
        Ok(sql::search_ids(c, &self.search())?)
    }

    fn count(&self, c: &mut crate::db::DbConnection) -> std::result::Result<i64, FacadeError> {
        Ok(sql::search_count(c, &self.search())?)
    }

    fn rows(
        &self,
        c: &mut crate::db::DbConnection,
        fields: &Fields,
    ) -> std::result::Result<Vec<Row>, FacadeError> {
        Ok(sql::search_rows(
            c,
            &self.search(),
            &fields.all,
            fields.display_name,
        )?)
    }
}

/// The fields a read asks for: those with a column, those computed from other tables, and
/// whether `display_name` is wanted.
#[derive(Clone, Debug, Default)]
struct Fields {
    /// In the order asked (Odoo answers with the keys in the order of the model's fields; JSON
    /// objects keep insertion order here, so the model's order is used).
    all: Vec<&'static FieldDef>,
    display_name: bool,
}

/// The fields to read: `names` checked against the model (an unknown name is Odoo's
/// ValueError), every readable field when empty. Write-only fields are never read: they are
/// left out of "every field" and answer `false` when named.
fn resolve_fields(model: &'static ModelDef, names: &[String]) -> Result<Fields> {
    let mut out = Fields::default();
    if names.is_empty() {
        out.all = model.fields.iter().filter(|f| !f.write_only).collect();
        out.display_name = true;
    } else {
        for name in names {
            match name.as_str() {
                "id" => {}
                "display_name" => out.display_name = true,
                // A write-only field (credentials) reads as False, as Odoo's password fields
                // read empty: clients that read every field `fields_get` lists keep working.
                _ => match model.field(name) {
                    Some(f) => {
                        if !out.all.iter().any(|g| g.name == f.name) {
                            out.all.push(f);
                        }
                    }
                    _ => {
                        return Err(OdooException::value(format!(
                            "Invalid field '{name}' on model '{}'",
                            model.name
                        )));
                    }
                },
            }
        }
    }
    Ok(out)
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of epoch milliseconds (hot: formatted by hand, see
/// [`datetime::format_utc`]).
pub fn format_ms(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| datetime::format_utc(&t))
}

/// Epoch milliseconds of Odoo's `YYYY-MM-DD HH:MM:SS` (or a bare date).
pub fn parse_odoo_datetime(text: &str) -> Option<i64> {
    datetime::parse_server(text).map(|t| t.and_utc().timestamp_millis())
}

/// A stored value in Odoo's read format.
fn wire_value(field: &FieldDef, stored: Raw) -> Value {
    match field.ty {
        FieldType::Char | FieldType::Text | FieldType::Selection(_) | FieldType::DatetimeText => {
            match stored {
                Raw::Text(s) if !s.is_empty() || field.ty == FieldType::Text => Value::String(s),
                Raw::Text(_) | Raw::Null => Value::Bool(false),
                Raw::Int(i) => Value::String(i.to_string()),
                Raw::Float(f) => Value::String(f.to_string()),
                Raw::Ref(_, name) => Value::String(name),
            }
        }
        FieldType::Integer => json!(match stored {
            Raw::Int(i) => i,
            Raw::Float(f) => f as i64,
            _ => 0,
        }),
        FieldType::Float | FieldType::Monetary => json!(match stored {
            Raw::Float(f) => f,
            Raw::Int(i) => i as f64,
            _ => 0.0,
        }),
        FieldType::Boolean => json!(match stored {
            Raw::Null => false,
            Raw::Int(i) => i != 0,
            Raw::Float(f) => f != 0.0,
            // A flag over a text column (`has_credentials`): set when there is text.
            Raw::Text(s) => !s.is_empty(),
            Raw::Ref(..) => true,
        }),
        FieldType::Datetime => match stored {
            Raw::Int(ms) => format_ms(ms).map_or(Value::Bool(false), Value::String),
            _ => json!(false),
        },
        FieldType::Json => match stored {
            Raw::Text(s) => serde_json::from_str(&s).unwrap_or(json!(false)),
            Raw::Int(i) => json!(i),
            Raw::Float(f) => json!(f),
            _ => json!(false),
        },
        FieldType::Many2one(_) | FieldType::One2many { .. } => json!(false),
    }
}

/// Rows turned into Odoo's read answer: keys `id`, the fields (in the model's order), and
/// `display_name` when asked; many2one as `[id, name]` (`classic`) or a bare id, one2many as id
/// lists.
fn format_rows(
    c: &mut crate::db::DbConnection,
    fields: &Fields,
    rows: Vec<Row>,
    classic: bool,
) -> std::result::Result<Value, FacadeError> {
    let mut lists: Vec<(usize, HashMap<i64, Vec<i64>>)> = Vec::new();
    if fields
        .all
        .iter()
        .any(|f| matches!(f.ty, FieldType::One2many { .. }))
    {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        for (i, f) in fields.all.iter().enumerate() {
            if let FieldType::One2many { .. } = f.ty {
                lists.push((i, sql::one2many_ids(c, f, &ids)?));
            }
        }
    }
    let out: Vec<Value> = rows
        .into_iter()
        .map(|row| {
            let mut o = Map::with_capacity(fields.all.len() + 2);
            o.insert("id".into(), json!(row.id));
            let mut values = row.values.into_iter();
            for (i, f) in fields.all.iter().enumerate() {
                let raw = values.next().unwrap_or(Raw::Null);
                let v = match (f.ty, raw) {
                    (FieldType::Many2one(_), Raw::Ref(id, name)) if classic => {
                        Value::Array(vec![json!(id), Value::String(name)])
                    }
                    (FieldType::Many2one(_), Raw::Ref(id, _) | Raw::Int(id)) => json!(id),
                    (FieldType::Many2one(_), _) => json!(false),
                    (FieldType::One2many { .. }, _) => json!(
                        lists
                            .iter()
                            .find(|(j, _)| *j == i)
                            .and_then(|(_, l)| l.get(&row.id))
                            .cloned()
                            .unwrap_or_default()
                    ),
                    _ if f.write_only => json!(false),
                    (_, raw) => wire_value(f, raw),
                };
                o.insert(f.name.into(), v);
            }
            if fields.display_name {
                o.insert(
                    "display_name".into(),
                    row.display_name.map_or(Value::Bool(false), Value::String),
                );
            }
            Value::Object(o)
        })
        .collect();
    Ok(Value::Array(out))
}

/// `fields_get`: type, string, required, readonly, relation, selection, help, store, ...
pub fn fields_get(
    model: &ModelDef,
    allfields: Option<&[String]>,
    attributes: Option<&[String]>,
) -> Value {
    let mut out = Map::new();
    let id = FieldDef::new("id", "ID", FieldType::Integer).readonly();
    let display = FieldDef::new("display_name", "Display Name", FieldType::Char).readonly();
    for f in std::iter::once(&id)
        .chain(model.fields.iter())
        .chain(std::iter::once(&display))
    {
        if !shared::field_wanted(allfields, f.name) {
            continue;
        }
        let mut desc = Map::new();
        desc.insert("type".into(), json!(f.ty.odoo_name()));
        desc.insert("string".into(), json!(f.string));
        desc.insert("required".into(), json!(f.required));
        desc.insert("readonly".into(), json!(f.readonly || !model.writable));
        desc.insert(
            "store".into(),
            json!(f.column.is_some() || f.name == "display_name"),
        );
        desc.insert("searchable".into(), json!(!f.write_only));
        desc.insert(
            "sortable".into(),
            json!(f.column.is_some() && !f.write_only),
        );
        if !f.help.is_empty() {
            desc.insert("help".into(), json!(f.help));
        }
        match f.ty {
            FieldType::Many2one(rel) => {
                desc.insert("relation".into(), json!(rel));
            }
            FieldType::One2many { comodel, inverse } => {
                desc.insert("relation".into(), json!(comodel));
                desc.insert("relation_field".into(), json!(inverse));
            }
            FieldType::Selection(options) => {
                desc.insert("selection".into(), shared::selection_json(options));
            }
            _ => {}
        }
        shared::keep_attributes(&mut desc, attributes);
        out.insert(f.name.into(), Value::Object(desc));
    }
    Value::Object(out)
}

/// An incoming value converted to what the column stores; Odoo's errors for wrong ones.
pub fn stored_value(model: &ModelDef, field: &FieldDef, value: &Value) -> Result<Bind> {
    let falsy = matches!(value, Value::Null | Value::Bool(false));
    let wrong = || {
        let shown = match value {
            Value::String(s) => format!("'{s}'"),
            other => other.to_string(),
        };
        OdooException::value(format!(
            "Wrong value for {}.{}: {shown}",
            model.name, field.name
        ))
    };
    Ok(match field.ty {
        FieldType::Char | FieldType::Text => match value {
            _ if falsy => Bind::Null,
            Value::String(s) => Bind::Text(s.clone()),
            Value::Number(n) => Bind::Text(n.to_string()),
            _ => return Err(wrong()),
        },
        FieldType::Selection(options) => match value {
            _ if falsy => Bind::Null,
            Value::String(s) if options.iter().any(|(k, _)| k == s) => Bind::Text(s.clone()),
            _ => return Err(wrong()),
        },
        FieldType::Integer => match value {
            _ if falsy => Bind::Null,
            Value::Number(n) => match n.as_i64() {
                Some(i) => Bind::Int(i),
                None => Bind::Int(n.as_f64().unwrap_or(0.0) as i64),
            },
            Value::Bool(true) => Bind::Int(1),
            other => {
                return Err(OdooException::value(format!(
                    "invalid literal for int() with base 10: {other}"
                )));
            }
        },
        FieldType::Float | FieldType::Monetary => match value {
            _ if falsy => Bind::Float(0.0),
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.is_finite() => Bind::Float(f),
                _ => return Err(wrong()),
            },
            Value::String(s) => Bind::Float(s.trim().parse::<f64>().map_err(|_| {
                OdooException::value(format!("could not convert string to float: '{s}'"))
            })?),
            _ => return Err(wrong()),
        },
        FieldType::Boolean => Bind::Int(i64::from(
            !falsy && !matches!(value, Value::Number(n) if n.as_f64() == Some(0.0)),
        )),
        FieldType::Datetime | FieldType::DatetimeText => match value {
            _ if falsy => Bind::Null,
            Value::String(s) => match parse_odoo_datetime(s) {
                Some(ms) if field.ty == FieldType::Datetime => Bind::Int(ms),
                Some(ms) => Bind::Text(format_ms(ms).unwrap_or_default()),
                None => {
                    return Err(OdooException::value(format!(
                        "time data '{s}' does not match format '%Y-%m-%d %H:%M:%S'"
                    )));
                }
            },
            _ => return Err(wrong()),
        },
        FieldType::Json => match value {
            Value::Null | Value::Bool(false) => Bind::Null,
            other => Bind::Text(other.to_string()),
        },
        FieldType::Many2one(_) => match value {
            _ if falsy => Bind::Null,
            Value::Number(n) if n.as_i64().is_some() => Bind::Int(n.as_i64().unwrap_or(0)),
            Value::Array(a) if a.first().and_then(Value::as_i64).is_some() => {
                Bind::Int(a[0].as_i64().unwrap_or(0))
            }
            _ => return Err(wrong()),
        },
        FieldType::One2many { .. } => {
            return Err(OdooException::user(format!(
                "{}.{} is computed by the hub and cannot be written",
                model.name, field.name
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_round_trip() {
        for text in [
            "2026-11-27 08:51:21",
            "1970-01-01 00:00:00",
            "2000-02-29 23:59:59",
        ] {
            let ms = parse_odoo_datetime(text).unwrap();
            assert_eq!(format_ms(ms).unwrap(), text);
        }
        assert_eq!(
            format_ms(1_764_233_481_999).unwrap(),
            chrono::DateTime::from_timestamp_millis(1_764_233_481_999)
                .unwrap()
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        );
        assert_eq!(parse_odoo_datetime("2026-11-27T08:51:21"), None);
        assert_eq!(
            format_ms(parse_odoo_datetime("2026-11-27").unwrap()).unwrap(),
            "2026-11-27 00:00:00"
        );
    }
}
