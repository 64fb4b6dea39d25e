//! Domain values converted the way the in-memory engine (`rpc::domain`) converts them, so that the
//! SQL it runs means what the engine means: Python's `str()` and truth of a value, numbers for
//! integer and float fields, Odoo's `str2bool`, the datetime forms the engine accepts, and `LIKE`
//! patterns.
//!
//! The conversions are the engine's own (re-exported from `rpc::domain` and `rpc::datetime`);
//! what is here is only their SQL side: datetimes as epoch seconds, `LIKE` and `GLOB` pattern
//! text. The differential test in `tests/api/facade_sql.rs` checks the SQL against the engine.

use serde_json::Value;

pub(super) use crate::rpc::domain::{
    Tok, bool_arg, fold, is_empty_arg, like_tokens, like_value as like_arg, num_value as num_arg,
    py_str, py_truthy, py_type,
};
use crate::rpc::{datetime, domain::py_repr};

// ---------------------------------------------------------------------------------------------
// Datetimes
// ---------------------------------------------------------------------------------------------

/// A datetime value of a domain, in UTC, to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Stamp {
    /// Seconds since the Unix epoch.
    pub secs: i64,
    /// The value had a non-zero fraction of a second (dropped).
    pub fraction: bool,
}

impl Stamp {
    /// Unix epoch milliseconds of the second.
    pub fn millis(self) -> i64 {
        self.secs.saturating_mul(1000)
    }

    /// Odoo's text form `YYYY-MM-DD HH:MM:SS`.
    pub fn text(self) -> String {
        let (y, m, d) = datetime::civil_from_days(self.secs.div_euclid(86_400));
        let s = self.secs.rem_euclid(86_400);
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    }
}

/// Reads the forms the engine accepts ([`datetime::parse_stamp`]), refusing a UTC year outside
/// 0..=9999 as the engine refuses it (it keys datetimes as `YYYY-MM-DD HH:MM:SS` text).
pub(super) fn parse_datetime(text: &str) -> Option<Stamp> {
    let st = datetime::parse_stamp(text)?;
    (0..=9999).contains(&st.year).then(|| Stamp {
        secs: st.unix_secs(),
        fraction: st.fraction,
    })
}

/// A datetime value of a domain, or Odoo's message for it.
pub(super) fn datetime_arg(value: &Value) -> Result<Stamp, String> {
    match value {
        Value::String(s) => parse_datetime(s),
        _ => None,
    }
    .ok_or_else(|| format!("Failed to cast {} into a datetime", py_repr(value)))
}

// ---------------------------------------------------------------------------------------------
// LIKE patterns
// ---------------------------------------------------------------------------------------------

/// The pattern in `LIKE` syntax with `\` as the escape character.
pub(super) fn like_text(toks: &[Tok]) -> String {
    let mut out = String::with_capacity(toks.len() + 2);
    for t in toks {
        match *t {
            Tok::Many => out.push('%'),
            Tok::One => out.push('_'),
            Tok::Lit(c) => {
                if matches!(c, '%' | '_' | '\\') {
                    out.push('\\');
                }
                out.push(c);
            }
        }
    }
    out
}

/// The pattern in SQLite `GLOB` syntax (case-sensitive, no escape character: brackets instead).
pub(super) fn glob_text(toks: &[Tok]) -> String {
    let mut out = String::with_capacity(toks.len() + 2);
    for t in toks {
        match *t {
            Tok::Many => out.push('*'),
            Tok::One => out.push('?'),
            Tok::Lit('*') => out.push_str("[*]"),
            Tok::Lit('?') => out.push_str("[?]"),
            Tok::Lit('[') => out.push_str("[[]"),
            Tok::Lit(c) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn datetimes_in_the_engine_forms() {
        let at = |s: &str| parse_datetime(s).map(Stamp::text);
        assert_eq!(
            at("2026-11-27 10:00:00").as_deref(),
            Some("2026-11-27 10:00:00")
        );
        assert_eq!(at("2026-11-27").as_deref(), Some("2026-11-27 00:00:00"));
        assert_eq!(
            at("2026-11-27T10:00:00Z").as_deref(),
            Some("2026-11-27 10:00:00")
        );
        assert_eq!(
            at("2026-11-27T10:00").as_deref(),
            Some("2026-11-27 10:00:00")
        );
        assert_eq!(
            at("2026-11-27T01:30:00+02:00").as_deref(),
            Some("2026-11-26 23:30:00")
        );
        assert_eq!(
            at("20261127T10:00:00").as_deref(),
            Some("2026-11-27 10:00:00")
        );
        assert_eq!(at("2026-02-30"), None);
        assert_eq!(at("2026-11-27 24:00:00"), None);
        assert_eq!(at("yesterday"), None);
        let s = parse_datetime("2026-11-27 10:00:00.500").unwrap_or(Stamp {
            secs: 0,
            fraction: false,
        });
        assert!(s.fraction);
        assert_eq!(
            parse_datetime("1970-01-01 00:00:01").map(Stamp::millis),
            Some(1000)
        );
    }

    #[test]
    fn like_patterns_in_both_syntaxes() {
        let toks = like_tokens("%a\\%b_c*[%", false);
        assert_eq!(like_text(&toks), "%a\\%b_c*[%");
        assert_eq!(glob_text(&toks), "*a%b?c[*][[]*");
        assert_eq!(like_text(&like_tokens("x\\", false)), "x\\\\");
        assert_eq!(like_text(&like_tokens("ÉCOLE", true)), "école");
    }

    #[test]
    fn python_texts() {
        assert_eq!(py_str(&json!(1.0)).as_deref(), Some("1.0"));
        assert_eq!(py_str(&json!(1e16)).as_deref(), Some("1e+16"));
        assert_eq!(py_str(&json!(true)).as_deref(), Some("True"));
        assert_eq!(num_arg(&json!("7"), true), Ok(7.0));
        assert!(num_arg(&json!("x"), false).is_err());
    }
}
