//! `call_kw` dispatch as Odoo does it, for any model table: the public ORM methods with their
//! Python signatures (so that wrong arguments fail with CPython's words), private names refused,
//! and Odoo's rule that model methods get `args` as they are while record methods get the ids
//! first. JSON-2 binds by name. Shared by the emulator and the facade; each brings its own table
//! of methods.

use serde_json::{Map, Value, json};

use super::error::{ExceptionKind, OdooException};
use super::http::Json2Refusal;
use super::pysig::{Bound, Param, Signature, opt, req};

type Result<T> = std::result::Result<T, OdooException>;

/// How `args` are passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `@api.model`: `args` as given.
    Model,
    /// Record method: `args[0]` are the ids.
    Record,
}

/// A public method.
#[derive(Debug)]
pub struct Method {
    pub name: &'static str,
    pub kind: Kind,
    pub sig: Signature,
    /// The model the method exists on, `None` for every model.
    pub only: Option<&'static str>,
}

pub const fn sig(qualname: &'static str, params: &'static [Param]) -> Signature {
    Signature {
        qualname,
        params,
        method: true,
        var_kwargs: false,
    }
}

/// A public method of one model only.
pub const fn only(name: &'static str, kind: Kind, sig: Signature, model: &'static str) -> Method {
    Method {
        name,
        kind,
        sig,
        only: Some(model),
    }
}

const fn base(name: &'static str, kind: Kind, sig: Signature) -> Method {
    Method {
        name,
        kind,
        sig,
        only: None,
    }
}

pub const SEARCH: Method = base(
    "search",
    Kind::Model,
    sig(
        "BaseModel.search",
        &[req("domain"), opt("offset"), opt("limit"), opt("order")],
    ),
);
pub const SEARCH_READ: Method = base(
    "search_read",
    Kind::Model,
    Signature {
        qualname: "BaseModel.search_read",
        params: &[
            opt("domain"),
            opt("fields"),
            opt("offset"),
            opt("limit"),
            opt("order"),
        ],
        method: true,
        var_kwargs: true,
    },
);
pub const SEARCH_COUNT: Method = base(
    "search_count",
    Kind::Model,
    sig("BaseModel.search_count", &[req("domain"), opt("limit")]),
);
pub const READ: Method = base(
    "read",
    Kind::Record,
    sig("BaseModel.read", &[opt("fields"), opt("load")]),
);
pub const CREATE: Method = base(
    "create",
    Kind::Model,
    sig("BaseModel.create", &[req("vals_list")]),
);
pub const WRITE: Method = base(
    "write",
    Kind::Record,
    sig("BaseModel.write", &[req("vals")]),
);
pub const UNLINK: Method = base("unlink", Kind::Record, sig("BaseModel.unlink", &[]));
pub const FIELDS_GET: Method = base(
    "fields_get",
    Kind::Model,
    sig(
        "BaseModel.fields_get",
        &[opt("allfields"), opt("attributes")],
    ),
);
pub const NAME_SEARCH: Method = base(
    "name_search",
    Kind::Model,
    sig(
        "BaseModel.name_search",
        &[opt("name"), opt("args"), opt("operator"), opt("limit")],
    ),
);
pub const EXISTS: Method = base("exists", Kind::Record, sig("BaseModel.exists", &[]));
pub const CHECK_ACCESS_RIGHTS: Method = base(
    "check_access_rights",
    Kind::Model,
    sig(
        "BaseModel.check_access_rights",
        &[req("operation"), opt("raise_exception")],
    ),
);

/// `res.users.context_get()`: the context of the user (see [`user_context`]).
pub const CONTEXT_GET: Method = only(
    "context_get",
    Kind::Model,
    sig("ResUsers.context_get", &[]),
    "res.users",
);

/// The context of a user (`context_get`, and `session_info`'s `user_context`).
pub fn user_context(uid: i64, tz: &str) -> Value {
    json!({"lang": "en_US", "tz": tz, "uid": uid})
}

/// `read`'s own keywords, accepted by `search_read` through `**read_kwargs`.
pub const READ_FORMAT: Signature = sig("BaseModel._read_format", &[req("fnames"), opt("load")]);

/// Private methods every real model has (`BaseModel`'s): calling them is an AccessError rather
/// than an AttributeError. A model with more private methods adds its own to this test.
pub fn base_private(method: &str) -> bool {
    matches!(
        method,
        "_read_format" | "_search" | "_create" | "_write" | "_compute_display_name"
    )
}

/// Methods that exist on the real models but are private (leading `_`, or `@api.private`).
pub fn private_error(model: &str, method: &str) -> OdooException {
    OdooException::new(
        ExceptionKind::AccessError,
        format!("Private methods (such as '{model}.{method}') cannot be called remotely."),
    )
}

pub fn unknown_method_message(version: u32, model: &str, method: &str) -> String {
    match version {
        16 => format!("type object '{model}' has no attribute '{method}'"),
        17 => format!("The method '{method}' does not exist on the model '{model}'"),
        _ => format!("The method '{model}.{method}' does not exist"),
    }
}

/// Ids from an RPC argument: a list of ints or a bare int.
pub fn ids_arg(value: &Value) -> Result<Vec<i64>> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .map(|i| vec![i])
            .ok_or_else(|| OdooException::type_error("ids must be integers")),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_i64().ok_or_else(|| {
                    OdooException::new(
                        ExceptionKind::TypeError,
                        format!("unhashable or non-integer id: {v}"),
                    )
                })
            })
            .collect(),
        Value::Bool(false) | Value::Null => Ok(Vec::new()),
        other => Err(OdooException::type_error(format!("invalid ids: {other}"))),
    }
}

/// A call bound to its method: the ids (record methods), the arguments and the context.
#[derive(Debug)]
pub struct BoundCall<'t> {
    pub method: &'t Method,
    pub ids: Vec<i64>,
    pub args: Bound,
    pub context: Map<String, Value>,
}

/// The public methods every server has: `BaseModel`'s and `res.users.context_get`. A server's
/// own table adds the rest.
pub const COMMON_METHODS: &[Method] = &[
    SEARCH,
    SEARCH_READ,
    SEARCH_COUNT,
    READ,
    CREATE,
    WRITE,
    UNLINK,
    FIELDS_GET,
    NAME_SEARCH,
    EXISTS,
    CHECK_ACCESS_RIGHTS,
    CONTEXT_GET,
];

/// The public `method` of `model`: one of [`COMMON_METHODS`] or of the server's `table`.
fn find<'t>(table: &'t [Method], model: &str, method: &str) -> Option<&'t Method> {
    COMMON_METHODS
        .iter()
        .chain(table)
        .find(|m| m.name == method && m.only.is_none_or(|o| o == model))
}

/// Finds `method` in [`COMMON_METHODS`] and `table` for `model` (`is_private` names the private methods the real
/// models have: those are AccessErrors, other `_` names AttributeErrors, as Odoo 18 does).
pub fn resolve<'t>(
    table: &'t [Method],
    version: u32,
    model: &str,
    method: &str,
    is_private: impl Fn(&str) -> bool,
) -> Result<&'t Method> {
    if method.starts_with('_') {
        return Err(if is_private(method) {
            private_error(model, method)
        } else {
            OdooException::new(
                ExceptionKind::AttributeError,
                format!("The method '{model}.{method}' does not exist"),
            )
        });
    }
    find(table, model, method).ok_or_else(|| {
        OdooException::new(
            ExceptionKind::AttributeError,
            unknown_method_message(version, model, method),
        )
    })
}

/// Binds `model.method(*args, **kwargs)` as `execute_kw`/`call_kw` does.
pub fn bind_kw<'t>(
    spec: &'t Method,
    args: &[Value],
    kwargs: &Map<String, Value>,
) -> Result<BoundCall<'t>> {
    let mut kwargs = kwargs.clone();
    let context = match kwargs.remove("context") {
        Some(Value::Object(c)) => c,
        _ => Map::new(),
    };
    let (ids, rest) = match spec.kind {
        Kind::Model => (Vec::new(), args),
        Kind::Record => match args.split_first() {
            Some((first, rest)) => (ids_arg(first)?, rest),
            None => {
                return Err(OdooException::type_error(format!(
                    "{}() missing 1 required positional argument: 'self'",
                    spec.sig.qualname
                )));
            }
        },
    };
    Ok(BoundCall {
        method: spec,
        ids,
        args: spec.sig.bind(rest, &kwargs)?,
        context,
    })
}

/// Binds `POST /json/2/<model>/<method>` (Odoo 19): named arguments only, `ids` and `context`
/// apart, bound as `inspect.signature(...).bind` does. `exists` tells whether the model exists.
pub fn bind_json2<'t>(
    table: &'t [Method],
    exists: bool,
    model: &str,
    method: &str,
    body: &Map<String, Value>,
) -> std::result::Result<BoundCall<'t>, Json2Refusal> {
    if !exists {
        return Err(Json2Refusal::NotFound(format!(
            "the model '{model}' does not exist"
        )));
    }
    if method.starts_with('_')
        || matches!(
            method,
            "with_prefetch" | "with_context" | "with_user" | "sudo" | "browse"
        )
    {
        return Err(Json2Refusal::Exception(private_error(model, method)));
    }
    let Some(spec) = find(table, model, method) else {
        return Err(Json2Refusal::NotFound(format!(
            "The method '{model}.{method}' does not exist"
        )));
    };
    let mut kwargs = body.clone();
    let ids = match kwargs.remove("ids") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => ids_arg(&v)?,
    };
    if spec.kind == Kind::Model && !ids.is_empty() {
        return Err(Json2Refusal::Unprocessable(format!(
            "cannot call {model}.{method} with ids"
        )));
    }
    let context = match kwargs.remove("context") {
        Some(Value::Object(c)) => c,
        _ => Map::new(),
    };
    if let Some(key) = kwargs
        .keys()
        .find(|k| !spec.sig.params.iter().any(|p| p.name == k.as_str()))
        && !spec.sig.var_kwargs
    {
        return Err(Json2Refusal::Unprocessable(format!(
            "got an unexpected keyword argument '{key}'"
        )));
    }
    if let Some(p) = spec
        .sig
        .params
        .iter()
        .find(|p| p.required && !kwargs.contains_key(p.name))
    {
        return Err(Json2Refusal::Unprocessable(format!(
            "missing a required argument: '{}'",
            p.name
        )));
    }
    Ok(BoundCall {
        method: spec,
        ids,
        args: spec.sig.bind(&[], &kwargs)?,
        context,
    })
}

/// JSON-2 answers recordsets as id lists: `create` answers a list even for one record.
pub fn json2_result(method: &str, result: Option<Value>) -> Option<Value> {
    match (method, result) {
        ("create", Some(Value::Number(n))) => Some(json!([n])),
        (_, other) => other,
    }
}

/// The `search` family's arguments.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchArgs {
    pub domain: Value,
    pub offset: usize,
    pub limit: Option<usize>,
    pub order: Option<String>,
}

pub fn int_arg(v: Option<&Value>) -> Option<i64> {
    v.and_then(|v| match v {
        Value::Number(n) => n.as_i64(),
        _ => None,
    })
}

/// `domain`, `offset`, `limit` (`None`/`False`/0: no limit) and `order` of a bound call.
pub fn search_args(bound: &Bound, domain_key: &str) -> SearchArgs {
    SearchArgs {
        domain: bound
            .get_some(domain_key)
            .cloned()
            .unwrap_or_else(|| json!([])),
        offset: int_arg(bound.get("offset")).unwrap_or(0).max(0) as usize,
        limit: int_arg(bound.get("limit"))
            .filter(|l| *l > 0)
            .map(|l| l as usize),
        order: bound
            .get("order")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    }
}

/// A list of field names (a string is iterated as Python would: one name per character).
pub fn field_names(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(text)) => text.chars().map(String::from).collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether `fields_get(allfields=...)` asks for the field `name` (no list, or an empty one, asks
/// for all).
pub fn field_wanted(allfields: Option<&[String]>, name: &str) -> bool {
    allfields.is_none_or(|only| only.is_empty() || only.iter().any(|n| n == name))
}

/// `fields_get`'s `selection` of a selection field: `[[value, label], ...]`.
pub fn selection_json(options: &[(&str, &str)]) -> Value {
    Value::Array(options.iter().map(|(k, v)| json!([k, v])).collect())
}

/// Keeps the attributes of a `fields_get` description that `attributes=...` asks for (no list,
/// or an empty one, keeps all).
pub fn keep_attributes(desc: &mut Map<String, Value>, attributes: Option<&[String]>) {
    if let Some(attrs) = attributes
        && !attrs.is_empty()
    {
        desc.retain(|k, _| attrs.iter().any(|a| a == k));
    }
}

/// Whether `read`'s `load` asks for many2one `[id, name]` pairs (the default).
pub fn classic_load(v: Option<&Value>) -> bool {
    v.is_none_or(|l| l.as_str() == Some("_classic_read"))
}
