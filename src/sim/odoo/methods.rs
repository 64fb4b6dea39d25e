//! `call_kw`: the public ORM methods of the emulated models, bound to their Python signatures
//! (so that wrong arguments fail with CPython's words), with Odoo's dispatch rule: model methods
//! get `args` as they are, record methods get the ids first.

use serde_json::{Map, Value, json};

use super::model::ModelDef;
use super::search::{SearchQuery, search_ids};
use super::store::{Store, Vals};
use crate::rpc::error::{ExceptionKind, OdooException};
use crate::rpc::pysig::Bound;

type Result<T> = std::result::Result<T, OdooException>;

pub use crate::rpc::http::{Json2Refusal, Outcome};

use crate::rpc::methods::{self as shared, Kind, Method, READ_FORMAT, int_arg, only, sig};

/// The emulator's own public methods (besides `rpc::methods::COMMON_METHODS`).
const METHODS: &[Method] = &[
    Method {
        name: "action_archive",
        kind: Kind::Record,
        sig: sig("BaseModel.action_archive", &[]),
        only: None,
    },
    Method {
        name: "action_unarchive",
        kind: Kind::Record,
        sig: sig("BaseModel.action_unarchive", &[]),
        only: None,
    },
    only(
        "action_confirm",
        Kind::Record,
        sig("SaleOrder.action_confirm", &[]),
        "sale.order",
    ),
    only(
        "action_cancel",
        Kind::Record,
        sig("SaleOrder.action_cancel", &[]),
        "sale.order",
    ),
    only(
        "action_apply_inventory",
        Kind::Record,
        sig("StockQuant.action_apply_inventory", &[]),
        "stock.quant",
    ),
];

fn list_of_strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `model.method(*args, **kwargs)` as `execute_kw` does, in the current transaction.
pub fn call_kw(
    store: &mut Store,
    model_name: &str,
    method: &str,
    args: &[Value],
    kwargs: &Map<String, Value>,
) -> Result<Outcome> {
    let model = store.model(model_name)?;
    let spec = shared::resolve(
        METHODS,
        store.reg.version,
        model_name,
        method,
        known_private,
    )?;
    let call = shared::bind_kw(spec, args, kwargs)?;
    run(
        store,
        &model,
        spec.name,
        &call.ids,
        &call.args,
        &call.context,
    )
}

/// `POST /json/2/<model>/<method>` (Odoo 19).
pub fn call_json2(
    store: &mut Store,
    model_name: &str,
    method: &str,
    body: &Map<String, Value>,
) -> std::result::Result<Outcome, Json2Refusal> {
    let model = store.model(model_name).ok();
    let call = shared::bind_json2(METHODS, model.is_some(), model_name, method, body)?;
    let Some(model) = model else {
        return Err(Json2Refusal::NotFound(format!(
            "the model '{model_name}' does not exist"
        )));
    };
    let result = run(
        store,
        &model,
        call.method.name,
        &call.ids,
        &call.args,
        &call.context,
    )?;
    Ok(shared::json2_result(call.method.name, result))
}

fn known_private(method: &str) -> bool {
    shared::base_private(method) || method == "_update_available_quantity"
}

fn search_query(bound: &Bound, domain_key: &str) -> SearchQuery {
    shared::search_args(bound, domain_key)
}

fn run(
    store: &mut Store,
    model: &ModelDef,
    method: &str,
    ids: &[i64],
    bound: &Bound,
    ctx: &Vals,
) -> Result<Outcome> {
    Ok(Some(match method {
        "search" => json!(search_ids(
            store,
            model,
            &search_query(bound, "domain"),
            ctx
        )?),
        "search_count" => {
            let mut q = search_query(bound, "domain");
            q.order = None;
            let n = search_ids(store, model, &q, ctx)?.len();
            json!(
                int_arg(bound.get("limit"))
                    .filter(|l| *l > 0)
                    .map_or(n, |l| n.min(l as usize))
            )
        }
        "search_read" => {
            let extra = READ_FORMAT.bind(&[json!([])], &bound.extra)?;
            let ids = search_ids(store, model, &search_query(bound, "domain"), ctx)?;
            let fields = list_of_strings(bound.get("fields"));
            let classic = shared::classic_load(extra.get("load"));
            json!(store.read_ids(model, &ids, &fields, classic, ctx)?)
        }
        "read" => {
            let fields = shared::field_names(bound.get("fields"));
            let classic = shared::classic_load(bound.get("load"));
            json!(store.read_ids(model, ids, &fields, classic, ctx)?)
        }
        "create" => {
            let vals_list = bound.get("vals_list").cloned().unwrap_or(Value::Null);
            match vals_list {
                Value::Object(vals) => json!(store.create_one(model, &vals, ctx)?),
                Value::Array(list) => {
                    let mut out = Vec::with_capacity(list.len());
                    for vals in list {
                        let Value::Object(vals) = vals else {
                            return Err(OdooException::value(
                                "dictionary update sequence element #0 has length 1; 2 is required",
                            ));
                        };
                        out.push(store.create_one(model, &vals, ctx)?);
                    }
                    json!(out)
                }
                other => {
                    return Err(OdooException::type_error(format!(
                        "'{}' object is not iterable",
                        crate::rpc::pysig::type_name(&other)
                    )));
                }
            }
        }
        "write" => {
            let Some(Value::Object(vals)) = bound.get("vals") else {
                return Err(OdooException::type_error("'vals' must be a dictionary"));
            };
            store.write_ids(model, ids, vals, ctx)?;
            json!(true)
        }
        "unlink" => {
            store.unlink_ids(model, ids)?;
            json!(true)
        }
        "exists" => json!(
            ids.iter()
                .copied()
                .filter(|i| store.exists(model.name, *i))
                .collect::<Vec<_>>()
        ),
        "fields_get" => {
            let allfields = bound
                .get_some("allfields")
                .map(|v| list_of_strings(Some(v)));
            let attributes = bound
                .get_some("attributes")
                .map(|v| list_of_strings(Some(v)));
            store.fields_get(model, allfields.as_deref(), attributes.as_deref())
        }
        "name_search" => {
            let name = bound
                .get_some("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let operator = bound
                .get_some("operator")
                .and_then(Value::as_str)
                .unwrap_or("ilike")
                .to_string();
            let limit = int_arg(bound.get("limit")).unwrap_or(100);
            let extra = bound.get_some("args").cloned().unwrap_or_else(|| json!([]));
            let mut domain = extra.as_array().cloned().unwrap_or_default();
            if !name.is_empty() || operator != "ilike" {
                domain.insert(0, json!([model.rec_name, operator, name]));
                if domain.len() > 1 {
                    domain.insert(0, json!("&"));
                }
            }
            let q = SearchQuery {
                domain: json!(domain),
                offset: 0,
                limit: (limit > 0).then_some(limit as usize),
                order: None,
            };
            let found = search_ids(store, model, &q, ctx)?;
            json!(
                found
                    .into_iter()
                    .map(|id| json!([id, store.display_name(model.name, id)]))
                    .collect::<Vec<_>>()
            )
        }
        "check_access_rights" => json!(true),
        "action_archive" | "action_unarchive" => {
            if model.field("active").is_none() {
                return Err(OdooException::value(format!(
                    "Invalid field 'active' on model '{}'",
                    model.name
                )));
            }
            store.ensure_exist(model, ids)?;
            let active = method == "action_unarchive";
            if !active && model.name == "res.partner" {
                let users: Vec<String> = store
                    .ids("res.users")
                    .filter(|u| store.stored("res.users", *u, "active").as_bool() == Some(true))
                    .filter(|u| {
                        store
                            .stored("res.users", *u, "partner_id")
                            .as_i64()
                            .is_some_and(|p| ids.contains(&p))
                    })
                    .map(|u| store.display_name("res.users", u))
                    .collect();
                if !users.is_empty() {
                    let mut e = OdooException::new(
                        ExceptionKind::RedirectWarning,
                        format!(
                            "You cannot archive contacts linked to an active user.\nYou first need to archive their associated user.\n\nLinked active users : {}",
                            users.join(", ")
                        ),
                    );
                    e.arguments.push(json!({"type": "ir.actions.act_window", "res_model": "res.users", "context": {"create": false}, "view_mode": "form", "views": [[163, "form"]], "res_id": 2}));
                    e.arguments.push(json!("Go to users"));
                    e.arguments.push(Value::Null);
                    return Err(e);
                }
            }
            store.write_ids(
                model,
                ids,
                &serde_json::from_value(json!({"active": active})).unwrap_or_default(),
                ctx,
            )?;
            return Ok(None);
        }
        "context_get" => shared::user_context(store.uid, super::TZ),
        "action_confirm" => {
            store.ensure_exist(model, ids)?;
            store.confirm_orders(ids)?;
            json!(true)
        }
        "action_cancel" => {
            store.ensure_exist(model, ids)?;
            store.cancel_orders(ids)?;
            json!(true)
        }
        "action_apply_inventory" => {
            store.ensure_exist(model, ids)?;
            store.apply_inventory(ids)?;
            return Ok(None);
        }
        other => {
            return Err(OdooException::new(
                ExceptionKind::AttributeError,
                shared::unknown_method_message(store.reg.version, model.name, other),
            ));
        }
    }))
}
