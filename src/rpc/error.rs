//! Odoo's exceptions as they appear on the wire: the `data` of a JSON-RPC error, the fault of
//! XML-RPC (`/xmlrpc/2` int codes, legacy `/xmlrpc` string codes) and the JSON-2 status. Shared by
//! the Odoo emulator and the hub's Odoo-compatible facade.

use serde_json::{Value, json};

/// The Python exception class an error is raised as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExceptionKind {
    AccessDenied,
    AccessError,
    UserError,
    ValidationError,
    MissingError,
    RedirectWarning,
    SessionExpired,
    ValueError,
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    /// `builtins.Exception` ("Method not found: x" of the common service).
    Exception,
    NameError,
    /// `psycopg2.OperationalError` (unknown database).
    OperationalError,
}

impl ExceptionKind {
    /// The dotted name in `error.data.name`.
    pub fn name(self) -> &'static str {
        match self {
            Self::AccessDenied => "odoo.exceptions.AccessDenied",
            Self::AccessError => "odoo.exceptions.AccessError",
            Self::UserError => "odoo.exceptions.UserError",
            Self::ValidationError => "odoo.exceptions.ValidationError",
            Self::MissingError => "odoo.exceptions.MissingError",
            Self::RedirectWarning => "odoo.exceptions.RedirectWarning",
            Self::SessionExpired => "odoo.http.SessionExpiredException",
            Self::ValueError => "builtins.ValueError",
            Self::TypeError => "builtins.TypeError",
            Self::AttributeError => "builtins.AttributeError",
            Self::KeyError => "builtins.KeyError",
            Self::IndexError => "builtins.IndexError",
            Self::Exception => "builtins.Exception",
            Self::NameError => "builtins.NameError",
            Self::OperationalError => "psycopg2.OperationalError",
        }
    }

    /// The class name as Python prints it on the last traceback line.
    fn traceback_name(self) -> &'static str {
        let name = self.name();
        name.strip_prefix("builtins.").unwrap_or(name)
    }

    /// Whether it is one of Odoo's `UserError` family (shown to users as such).
    pub fn is_user_error(self) -> bool {
        matches!(
            self,
            Self::AccessDenied
                | Self::AccessError
                | Self::UserError
                | Self::ValidationError
                | Self::MissingError
        )
    }
}

/// An exception raised by an emulated (or facade) Odoo method.
#[derive(Clone, Debug, PartialEq)]
pub struct OdooException {
    pub kind: ExceptionKind,
    pub message: String,
    /// `exc.args`; by default the message alone.
    pub arguments: Vec<Value>,
}

impl std::fmt::Display for OdooException {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for OdooException {}

impl OdooException {
    pub fn new(kind: ExceptionKind, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            kind,
            arguments: vec![Value::String(message.clone())],
            message,
        }
    }

    pub fn access_denied() -> Self {
        Self::new(ExceptionKind::AccessDenied, "Access Denied")
    }

    pub fn missing(model: &str, ids: &[i64], uid: i64) -> Self {
        let ids = ids
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        Self::new(
            ExceptionKind::MissingError,
            format!(
                "Record does not exist or has been deleted.\n(Record: {model}({ids},), User: {uid})"
            ),
        )
    }

    /// What `execute_kw` raises for a model the server does not have.
    pub fn no_model(model: &str) -> Self {
        Self::user(format!("Object {model} doesn't exist"))
    }

    pub fn user(message: impl Into<String>) -> Self {
        Self::new(ExceptionKind::UserError, message)
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ExceptionKind::ValidationError, message)
    }

    pub fn value(message: impl Into<String>) -> Self {
        Self::new(ExceptionKind::ValueError, message)
    }

    pub fn type_error(message: impl Into<String>) -> Self {
        Self::new(ExceptionKind::TypeError, message)
    }

    /// The elided traceback the recorded answers carry.
    pub fn debug(&self) -> String {
        let shown = if self.kind == ExceptionKind::KeyError {
            format!("'{}'", self.message)
        } else {
            self.message.clone()
        };
        format!(
            "Traceback (most recent call last):\n...\n{}: {shown}",
            self.kind.traceback_name()
        )
    }

    /// `error.data` of a JSON-RPC answer.
    pub fn jsonrpc_data(&self) -> Value {
        json!({
            "name": self.kind.name(),
            "debug": self.debug(),
            "message": self.message,
            "arguments": self.arguments,
            "context": {},
        })
    }

    /// The whole `error` member: code 200 (Odoo 16-18) or 0 (19), 100 for an expired session.
    pub fn jsonrpc_error(&self, version: u32) -> Value {
        let (code, message) = match self.kind {
            ExceptionKind::SessionExpired => (100, "Odoo Session Expired"),
            _ if version >= 19 => (0, "Odoo Server Error"),
            _ => (200, "Odoo Server Error"),
        };
        json!({"code": code, "message": message, "data": self.jsonrpc_data()})
    }

    /// `/xmlrpc/2` fault: 4 AccessError, 3 AccessDenied, 2 other user errors, 1 anything else
    /// (with the traceback as its string).
    pub fn xmlrpc_fault(&self) -> (i32, String) {
        match self.kind {
            ExceptionKind::RedirectWarning => (2, self.message.clone()),
            ExceptionKind::AccessError => (4, self.message.clone()),
            ExceptionKind::AccessDenied => (3, "Access Denied".to_string()),
            k if k.is_user_error() => (2, self.message.clone()),
            _ => (1, self.debug()),
        }
    }

    /// Legacy `/xmlrpc` fault: a string code.
    pub fn xmlrpc_legacy_fault(&self) -> (String, String) {
        match self.kind {
            ExceptionKind::RedirectWarning => (
                format!("warning -- Warning\n\n{}", self.message),
                String::new(),
            ),
            ExceptionKind::MissingError => (
                format!("warning -- MissingError\n\n{}", self.message),
                String::new(),
            ),
            ExceptionKind::AccessError => (
                format!("warning -- AccessError\n\n{}", self.message),
                String::new(),
            ),
            ExceptionKind::AccessDenied => {
                ("AccessDenied".to_string(), "Access Denied".to_string())
            }
            k if k.is_user_error() => (
                format!("warning -- UserError\n\n{}", self.message),
                String::new(),
            ),
            _ => (self.message.clone(), self.debug()),
        }
    }

    /// JSON-2 (Odoo 19): the HTTP status for this exception.
    pub fn json2_status(&self) -> u16 {
        match self.kind {
            ExceptionKind::AccessDenied | ExceptionKind::AccessError => 403,
            ExceptionKind::MissingError => 404,
            k if k.is_user_error() => 422,
            _ => 500,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms() {
        let e = OdooException::missing("res.partner", &[78], 2);
        let data = e.jsonrpc_data();
        assert_eq!(data["name"], "odoo.exceptions.MissingError");
        assert_eq!(
            data["debug"],
            "Traceback (most recent call last):\n...\nodoo.exceptions.MissingError: Record does not exist or has been deleted.\n(Record: res.partner(78,), User: 2)"
        );
        assert_eq!(e.jsonrpc_error(18)["code"], 200);
        assert_eq!(e.jsonrpc_error(19)["code"], 0);
        assert_eq!(e.xmlrpc_fault().0, 2);
        assert!(
            e.xmlrpc_legacy_fault()
                .0
                .starts_with("warning -- MissingError\n\n")
        );
        let t = OdooException::type_error("x() takes 0 positional arguments but 1 was given");
        assert_eq!(
            t.debug(),
            "Traceback (most recent call last):\n...\nTypeError: x() takes 0 positional arguments but 1 was given"
        );
        assert_eq!(t.xmlrpc_fault().0, 1);
        assert_eq!(
            OdooException::access_denied().xmlrpc_fault(),
            (3, "Access Denied".into())
        );
    }
}
