//! The RPC services (`common`, `db`, `object`) as Odoo's `dispatch_rpc` binds them: each call
//! checked against its Python signature (so wrong arguments fail with CPython's words) and
//! turned into a [`ServiceCall`]; unknown services and methods fail as Odoo's do. The emulator
//! and the facade both run what this gives them.

use serde_json::{Map, Value, json};

use super::error::{ExceptionKind, OdooException};
use super::pysig::{Signature, opt, req, type_name};

/// A bound service call (made and matched once per request: its size does not matter).
#[derive(Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum ServiceCall {
    /// `common.version()`.
    Version,
    /// `common.login(db, login, password)` and `common.authenticate(db, login, password, env)`:
    /// the uid, or `false` for wrong credentials.
    Login {
        db: Value,
        login: String,
        password: String,
    },
    /// `common.about(extended=False)`.
    About { extended: bool },
    /// `common.set_loglevel(...)`.
    SetLoglevel,
    /// `db.list()`.
    DbList,
    /// `db.server_version()`.
    ServerVersion,
    /// `db.db_exist(db_name)`.
    DbExist { name: Value },
    /// `db.list_lang()`.
    ListLang,
    /// `object.execute_kw(db, uid, password, model, method, args, kw)` and
    /// `object.execute(db, uid, password, model, method, *args)`.
    Execute {
        db: Value,
        uid: Value,
        password: Value,
        model: String,
        method: String,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    },
}

/// What a server says of itself: the answers of the calls that only describe it.
pub struct ServerFacts<'a> {
    /// `common.version()`.
    pub version_info: Value,
    /// `common.about()`.
    pub about: &'a str,
    /// `db.server_version()` (and `about(extended=True)`'s second item).
    pub server_version: &'a str,
    /// The one database.
    pub database: &'a str,
}

impl ServiceCall {
    /// The answer of a call that only describes the server (all but `login` and `execute`, which
    /// the server answers itself: `None`).
    pub fn describe(self, facts: ServerFacts<'_>) -> Option<Value> {
        Some(match self {
            ServiceCall::Version => facts.version_info,
            ServiceCall::About { extended: true } => json!([facts.about, facts.server_version]),
            ServiceCall::About { extended: false } => json!(facts.about),
            ServiceCall::SetLoglevel => json!(true),
            ServiceCall::DbList => json!([facts.database]),
            ServiceCall::ServerVersion => json!(facts.server_version),
            ServiceCall::DbExist { name } => json!(name.as_str() == Some(facts.database)),
            ServiceCall::ListLang => json!([["en_US", "English (US)"]]),
            ServiceCall::Login { .. } | ServiceCall::Execute { .. } => return None,
        })
    }
}

const fn function(qualname: &'static str, params: &'static [super::pysig::Param]) -> Signature {
    Signature {
        qualname,
        params,
        method: false,
        var_kwargs: false,
    }
}

const EXP_VERSION: Signature = function("exp_version", &[]);
const EXP_LOGIN: Signature = function("exp_login", &[req("db"), req("login"), req("password")]);
const EXP_AUTHENTICATE: Signature = function(
    "exp_authenticate",
    &[
        req("db"),
        req("login"),
        req("password"),
        req("user_agent_env"),
    ],
);
const EXP_ABOUT: Signature = function("exp_about", &[opt("extended")]);
const EXP_LIST: Signature = function("exp_list", &[opt("document")]);
const EXP_SERVER_VERSION: Signature = function("exp_server_version", &[]);
const EXP_DB_EXIST: Signature = function("exp_db_exist", &[req("db_name")]);
const EXECUTE_KW: Signature = function(
    "execute_kw",
    &[
        req("db"),
        req("uid"),
        req("passwd"),
        req("model"),
        req("method"),
        req("args"),
        opt("kw"),
    ],
);
const EXECUTE: Signature = function(
    "execute",
    &[
        req("db"),
        req("uid"),
        req("passwd"),
        req("obj"),
        req("method"),
    ],
);

fn text(v: Option<Value>) -> String {
    match v {
        Some(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Binds `service.method(*args)`.
pub fn bind(service: &str, method: &str, args: Vec<Value>) -> Result<ServiceCall, OdooException> {
    let no_kwargs = Map::new();
    match service {
        "common" => match method {
            "version" => {
                EXP_VERSION.bind(&args, &no_kwargs)?;
                Ok(ServiceCall::Version)
            }
            // `login(db, login, password)` is `authenticate(db, login, password, {})`.
            "login" | "authenticate" => {
                let sig = if method == "login" {
                    &EXP_LOGIN
                } else {
                    &EXP_AUTHENTICATE
                };
                let mut b = sig.bind(&args, &no_kwargs)?;
                Ok(ServiceCall::Login {
                    db: b.take("db").unwrap_or(Value::Null),
                    login: text(b.take("login")),
                    password: text(b.take("password")),
                })
            }
            "about" => {
                let b = EXP_ABOUT.bind(&args, &no_kwargs)?;
                Ok(ServiceCall::About {
                    extended: b.get("extended").and_then(Value::as_bool).unwrap_or(false),
                })
            }
            "set_loglevel" => Ok(ServiceCall::SetLoglevel),
            other => Err(OdooException::new(
                ExceptionKind::Exception,
                format!("Method not found: {other}"),
            )),
        },
        "db" => match method {
            "list" => {
                EXP_LIST.bind(&args, &no_kwargs)?;
                Ok(ServiceCall::DbList)
            }
            "server_version" => {
                EXP_SERVER_VERSION.bind(&args, &no_kwargs)?;
                Ok(ServiceCall::ServerVersion)
            }
            "db_exist" => {
                let mut b = EXP_DB_EXIST.bind(&args, &no_kwargs)?;
                Ok(ServiceCall::DbExist {
                    name: b.take("db_name").unwrap_or(Value::Null),
                })
            }
            "list_lang" => Ok(ServiceCall::ListLang),
            other => Err(OdooException::new(
                ExceptionKind::KeyError,
                format!("Method not found: {other}"),
            )),
        },
        "object" => match method {
            "execute_kw" => {
                let mut b = EXECUTE_KW.bind(&args, &no_kwargs)?;
                let call_args = match b.take("args") {
                    Some(Value::Array(a)) => a,
                    other => {
                        return Err(OdooException::type_error(format!(
                            "argument after * must be an iterable, not {}",
                            type_name(&other.unwrap_or(Value::Null))
                        )));
                    }
                };
                let kwargs = match b.take("kw") {
                    Some(Value::Object(o)) => o,
                    Some(Value::Null) | None => Map::new(),
                    Some(other) => {
                        return Err(OdooException::type_error(format!(
                            "argument after ** must be a mapping, not {}",
                            type_name(&other)
                        )));
                    }
                };
                Ok(ServiceCall::Execute {
                    db: b.take("db").unwrap_or(Value::Null),
                    uid: b.take("uid").unwrap_or(Value::Null),
                    password: b.take("passwd").unwrap_or(Value::Null),
                    model: text(b.take("model")),
                    method: text(b.take("method")),
                    args: call_args,
                    kwargs,
                })
            }
            "execute" => {
                if args.len() < 5 {
                    let names = ["db", "uid", "obj", "method"];
                    let missing: Vec<&str> = names
                        .iter()
                        .skip(args.len().saturating_sub(1))
                        .copied()
                        .collect();
                    EXECUTE.bind(&args, &no_kwargs)?;
                    return Err(OdooException::type_error(format!(
                        "execute() missing arguments: {}",
                        missing.join(", ")
                    )));
                }
                let mut args = args;
                let rest = args.split_off(5);
                let mut head = args.into_iter();
                let mut next = || head.next().unwrap_or(Value::Null);
                let (db, uid, password) = (next(), next(), next());
                let model = text(Some(next()));
                let method = text(Some(next()));
                Ok(ServiceCall::Execute {
                    db,
                    uid,
                    password,
                    model,
                    method,
                    args: rest,
                    kwargs: Map::new(),
                })
            }
            other => Err(OdooException::new(
                ExceptionKind::NameError,
                format!("Method not available {other}"),
            )),
        },
        other => Err(OdooException::new(
            ExceptionKind::KeyError,
            other.to_string(),
        )),
    }
}

/// The uid argument of `execute_kw` as Odoo reads it (`int(uid)`); `AccessDenied` for what is
/// not a number.
pub fn uid_arg(uid: &Value) -> Result<i64, OdooException> {
    match uid {
        Value::Number(n) => n.as_i64().ok_or_else(OdooException::access_denied),
        Value::String(s) => s.parse().map_err(|_| {
            OdooException::value(format!("invalid literal for int() with base 10: '{s}'"))
        }),
        _ => Err(OdooException::access_denied()),
    }
}
