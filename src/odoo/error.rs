//! Typed errors of the Odoo client and their mapping from Odoo's wire formats.
//!
//! Two error wire formats exist (see `docs/odoo-rpc.md` §2.3 and §7):
//!
//! * `/jsonrpc` (Odoo 16–19): HTTP 200 with an `error` member
//!   `{"code": 200 | 0 | 100 | 404, "message": "...", "data": {"name", "message", "arguments", ...}}`.
//!   The Python exception class is in `data.name`.
//! * JSON-2 (Odoo 19): an HTTP error status (401, 403, 404, 409, 422, 500, ...) whose body is the bare
//!   `{"name", "message", "arguments", "context", "debug"}` object, or an HTML page for errors raised
//!   before Odoo's dispatcher (415, database not found).
//!
//! Both end up in [`OdooError`]; the exception name decides the variant.

use serde_json::Value;

/// Longest excerpt of an unexpected HTTP body kept in [`OdooError::Http`].
const BODY_EXCERPT_CHARS: usize = 300;

/// Everything that can go wrong when talking to Odoo.
///
/// The business variants carry Odoo's own message (`data.message` of the serialized exception).
/// Call context (model, method, duration) is logged by the client when the error happens.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OdooError {
    /// Wrong database, login, password or API key (`odoo.exceptions.AccessDenied`, JSON-2 401,
    /// or `common.authenticate` answering `false`).
    #[error("Odoo access denied: wrong database, login or API key")]
    AccessDenied,
    /// The user may not do this (`odoo.exceptions.AccessError`, also private methods).
    #[error("Odoo access error: {0}")]
    AccessError(String),
    /// A business rule refused the operation (`odoo.exceptions.UserError`, `RedirectWarning`).
    #[error("Odoo user error: {0}")]
    UserError(String),
    /// A constraint failed (`odoo.exceptions.ValidationError`).
    #[error("Odoo validation error: {0}")]
    ValidationError(String),
    /// A record given by id does not exist (any more) (`odoo.exceptions.MissingError`).
    #[error("Odoo missing record: {0}")]
    MissingError(String),
    /// A web session expired (JSON-RPC code 100); `/jsonrpc` and JSON-2 are stateless, so this only
    /// shows up behind proxies that route to `/web/*`.
    #[error("Odoo session expired")]
    SessionExpired,
    /// The model is not installed on this database.
    #[error("Odoo model {0} does not exist")]
    UnknownModel(String),
    /// The model has no such public method.
    #[error("Odoo method {model}.{method} does not exist")]
    UnknownMethod {
        /// Model the call was made on.
        model: String,
        /// Method that does not exist.
        method: String,
    },
    /// Any other server-side exception, with Odoo's exception name (`builtins.ValueError`,
    /// `psycopg2.errors.SerializationFailure`, `werkzeug.exceptions.UnprocessableEntity`, ...).
    #[error("Odoo server error {name}: {message}")]
    Server {
        /// Python exception class, e.g. `builtins.TypeError`.
        name: String,
        /// Exception message.
        message: String,
    },
    /// An HTTP status that carries no Odoo error object (HTML error pages, proxies, redirects).
    #[error("HTTP {status} from Odoo: {body_excerpt}")]
    Http {
        /// HTTP status code.
        status: u16,
        /// Start of the response body.
        body_excerpt: String,
    },
    /// The request could not be sent or the answer not received (connection refused, reset, TLS).
    #[error("transport error talking to Odoo: {0}")]
    Transport(String),
    /// The request or the answer took longer than the configured timeout.
    #[error("Odoo request timed out")]
    Timeout,
    /// The answer was not what Odoo sends (bad JSON, unexpected value type of a field, ...).
    #[error("cannot decode Odoo answer: {0}")]
    Decode(String),
    /// A call argument cannot be sent (bad model name, bad cursor, unencodable value).
    #[error("invalid argument for Odoo call: {0}")]
    InvalidArgument(String),
    /// The client configuration cannot work (bad URL, JSON-2 forced on Odoo < 19, ...).
    #[error("invalid Odoo client configuration: {0}")]
    Config(String),
}

impl OdooError {
    /// Whether the failure is transient: transport errors, timeouts, HTTP 502/503/504 and database
    /// concurrency errors (serialization failures, lock timeouts, deadlocks).
    ///
    /// This only classifies the error. A call is repeated only when it is also *safe to repeat*:
    /// the caller marks such calls (reads) with [`Args::retry_safe`](super::Args::retry_safe), and
    /// the client never repeats other calls, because the first attempt may have been committed.
    pub fn is_retryable(&self) -> bool {
        match self {
            OdooError::Transport(_) | OdooError::Timeout => true,
            OdooError::Http { status, .. } => matches!(status, 502..=504),
            OdooError::Server { name, message } => is_concurrency_error(name, message),
            _ => false,
        }
    }

    /// Odoo's message for the business variants, `None` for the others.
    pub fn odoo_message(&self) -> Option<&str> {
        match self {
            OdooError::AccessError(m)
            | OdooError::UserError(m)
            | OdooError::ValidationError(m)
            | OdooError::MissingError(m) => Some(m),
            OdooError::Server { message, .. } => Some(message),
            _ => None,
        }
    }
}

/// PostgreSQL / Odoo concurrency failures that succeed when tried again.
fn is_concurrency_error(name: &str, message: &str) -> bool {
    const NAMES: [&str; 6] = [
        "SerializationFailure",
        "TransactionRollbackError",
        "LockNotAvailable",
        "DeadlockDetected",
        "odoo.exceptions.ConcurrencyError",
        "odoo.exceptions.LockError",
    ];
    if NAMES.iter().any(|n| name.contains(n)) {
        return true;
    }
    name.starts_with("psycopg2")
        && [
            "could not serialize access",
            "deadlock detected",
            "could not obtain lock",
        ]
        .iter()
        .any(|m| message.contains(m))
}

/// Call context used to name the model or method in an error.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CallSite<'a> {
    /// Model of an `execute_kw` / JSON-2 call, if any.
    pub model: Option<&'a str>,
    /// Method name.
    pub method: Option<&'a str>,
}

/// Maps a `/jsonrpc` `error` member (`{"code", "message", "data": {...}}`) to an [`OdooError`].
pub(crate) fn from_jsonrpc_error(error: &Value, site: CallSite<'_>) -> OdooError {
    let code = error.get("code").and_then(Value::as_i64);
    let data = error.get("data");
    let name = data
        .and_then(|d| d.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if code == Some(100) || name == "odoo.http.SessionExpiredException" {
        return OdooError::SessionExpired;
    }
    let message = data
        .and_then(|d| d.get("message"))
        .and_then(Value::as_str)
        .or_else(|| error.get("message").and_then(Value::as_str))
        .unwrap_or("");
    let arguments = data.and_then(|d| d.get("arguments"));
    if name.is_empty() {
        // Not a serialized exception: keep what we have.
        return OdooError::Server {
            name: format!("jsonrpc.code.{}", code.unwrap_or(-1)),
            message: message.to_owned(),
        };
    }
    from_exception(name, message, arguments, None, site)
}

/// Maps a JSON-2 error answer (status and raw body) to an [`OdooError`].
pub(crate) fn from_json2_error(status: u16, body: &[u8], site: CallSite<'_>) -> OdooError {
    if status == 401 {
        return OdooError::AccessDenied;
    }
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let name = parsed
        .as_ref()
        .and_then(|v| v.get("name"))
        .and_then(Value::as_str);
    match (name, parsed.as_ref()) {
        (Some(name), Some(obj)) => {
            let message = obj.get("message").and_then(Value::as_str).unwrap_or("");
            from_exception(name, message, obj.get("arguments"), Some(status), site)
        }
        _ => http_error(status, body),
    }
}

/// An [`OdooError::Http`] with an excerpt of the body.
pub(crate) fn http_error(status: u16, body: &[u8]) -> OdooError {
    OdooError::Http {
        status,
        body_excerpt: excerpt(body),
    }
}

/// The first [`BODY_EXCERPT_CHARS`] characters of a body, lossily decoded, whitespace collapsed.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = collapsed.chars().take(BODY_EXCERPT_CHARS).collect();
    if collapsed.chars().count() > BODY_EXCERPT_CHARS {
        out.push('…');
    }
    out
}

/// Maps a serialized Python exception (`name`, `message`, `arguments`) to an [`OdooError`].
fn from_exception(
    name: &str,
    message: &str,
    arguments: Option<&Value>,
    status: Option<u16>,
    site: CallSite<'_>,
) -> OdooError {
    let msg = message.to_owned();
    match name {
        "odoo.exceptions.AccessDenied" | "werkzeug.exceptions.Unauthorized" => {
            OdooError::AccessDenied
        }
        "odoo.exceptions.AccessError" => OdooError::AccessError(msg),
        "odoo.exceptions.MissingError" => OdooError::MissingError(msg),
        "odoo.exceptions.ValidationError" => OdooError::ValidationError(msg),
        "odoo.http.SessionExpiredException" => OdooError::SessionExpired,
        "odoo.exceptions.UserError" => match unknown_model_in(message) {
            Some(model) => OdooError::UnknownModel(model),
            None => OdooError::UserError(msg),
        },
        // RedirectWarning's `message` joins all four constructor arguments (text, action dict,
        // button label, context); the first argument is the human text.
        "odoo.exceptions.RedirectWarning" | "odoo.exceptions.Warning" => {
            let first = arguments
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(Value::as_str)
                .map(str::to_owned);
            OdooError::UserError(first.unwrap_or(msg))
        }
        "builtins.AttributeError" if is_unknown_method_message(message) => {
            unknown_method(message, site)
        }
        "werkzeug.exceptions.NotFound" if status == Some(404) || status.is_none() => {
            if let Some(model) = json2_unknown_model_in(message) {
                OdooError::UnknownModel(model)
            } else if is_unknown_method_message(message) {
                unknown_method(message, site)
            } else {
                OdooError::Server {
                    name: name.to_owned(),
                    message: msg,
                }
            }
        }
        _ => OdooError::Server {
            name: name.to_owned(),
            message: msg,
        },
    }
}

/// `Object x.y doesn't exist` (execute_kw on an unknown model, 16–19).
fn unknown_model_in(message: &str) -> Option<String> {
    let rest = message.strip_prefix("Object ")?;
    let model = rest.strip_suffix(" doesn't exist")?;
    (!model.is_empty() && !model.contains(' ')).then(|| model.to_owned())
}

/// `the model 'x.y' does not exist` (JSON-2 404).
fn json2_unknown_model_in(message: &str) -> Option<String> {
    let rest = message.strip_prefix("the model '")?;
    let model = rest.strip_suffix("' does not exist")?;
    (!model.is_empty()).then(|| model.to_owned())
}

/// Messages of an unknown public method: 18–19 `The method 'm.x' does not exist`,
/// 17 `The method 'x' does not exist on the model 'm'`, 16 `type object 'm' has no attribute 'x'`.
fn is_unknown_method_message(message: &str) -> bool {
    (message.starts_with("The method '") && message.contains("' does not exist"))
        || (message.starts_with("type object '") && message.contains("has no attribute"))
}

/// Builds [`OdooError::UnknownMethod`], preferring the call site, else parsing the message.
fn unknown_method(message: &str, site: CallSite<'_>) -> OdooError {
    if let (Some(model), Some(method)) = (site.model, site.method) {
        return OdooError::UnknownMethod {
            model: model.to_owned(),
            method: method.to_owned(),
        };
    }
    let quoted: Vec<&str> = message.split('\'').skip(1).step_by(2).collect();
    let (model, method) = match quoted.as_slice() {
        // 17: The method 'x' does not exist on the model 'm'
        [method, model] if message.contains("on the model") => {
            ((*model).to_owned(), (*method).to_owned())
        }
        // 16: type object 'm' has no attribute 'x'
        [model, method] if message.starts_with("type object") => {
            ((*model).to_owned(), (*method).to_owned())
        }
        // 18–19: The method 'm.x' does not exist
        [full, ..] => match full.rsplit_once('.') {
            Some((m, x)) => (m.to_owned(), x.to_owned()),
            None => (String::new(), (*full).to_owned()),
        },
        [] => (String::new(), String::new()),
    };
    OdooError::UnknownMethod { model, method }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn retryable_classes() {
        assert!(OdooError::Timeout.is_retryable());
        assert!(OdooError::Transport("refused".into()).is_retryable());
        for status in [502, 503, 504] {
            let e = OdooError::Http {
                status,
                body_excerpt: String::new(),
            };
            assert!(e.is_retryable(), "{status}");
        }
        for status in [400, 404, 500, 501, 505] {
            let e = OdooError::Http {
                status,
                body_excerpt: String::new(),
            };
            assert!(!e.is_retryable(), "{status}");
        }
        let ser = OdooError::Server {
            name: "psycopg2.errors.SerializationFailure".into(),
            message: "could not serialize access due to concurrent update".into(),
        };
        assert!(ser.is_retryable());
        let lock = OdooError::Server {
            name: "psycopg2.errors.LockNotAvailable".into(),
            message: "could not obtain lock on row".into(),
        };
        assert!(lock.is_retryable());
        let op = OdooError::Server {
            name: "psycopg2.OperationalError".into(),
            message: "FATAL:  database \"x\" does not exist".into(),
        };
        assert!(!op.is_retryable());
        assert!(!OdooError::UserError("x".into()).is_retryable());
        assert!(!OdooError::AccessDenied.is_retryable());
    }

    #[test]
    fn unknown_method_messages_of_each_version() {
        let site = CallSite::default();
        for (msg, model, method) in [
            (
                "The method 'res.partner.nosuch' does not exist",
                "res.partner",
                "nosuch",
            ),
            (
                "The method 'nosuch' does not exist on the model 'res.partner'",
                "res.partner",
                "nosuch",
            ),
            (
                "type object 'res.partner' has no attribute 'nosuch'",
                "res.partner",
                "nosuch",
            ),
        ] {
            let e = from_jsonrpc_error(
                &json!({"code": 200, "message": "Odoo Server Error",
                        "data": {"name": "builtins.AttributeError", "message": msg}}),
                site,
            );
            assert_eq!(
                e,
                OdooError::UnknownMethod {
                    model: model.into(),
                    method: method.into()
                }
            );
        }
    }

    #[test]
    fn session_expired_code_100() {
        let e = from_jsonrpc_error(
            &json!({"code": 100, "message": "Odoo Session Expired",
                    "data": {"name": "odoo.http.SessionExpiredException", "message": "Session expired"}}),
            CallSite::default(),
        );
        assert_eq!(e, OdooError::SessionExpired);
    }

    #[test]
    fn excerpt_is_bounded_and_collapsed() {
        let body = format!("<html>\n  <p>{}</p>", "x".repeat(1000));
        let e = excerpt(body.as_bytes());
        assert!(e.starts_with("<html> <p>xxx"));
        assert_eq!(e.chars().count(), BODY_EXCERPT_CHARS + 1);
    }
}
