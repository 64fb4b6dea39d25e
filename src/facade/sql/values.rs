//! Domain values converted the way the in-memory engine (`rpc::domain`) converts them, so that the
//! SQL it runs means what the engine means: Python's `str()` and truth of a value, numbers for
//! integer and float fields, Odoo's `str2bool`, the datetime forms the engine accepts, and `LIKE`
//! patterns.
//!
//! The engine keeps these private; they are restated here (and checked against it by the
//! differential test in `tests/api/facade_sql.rs`).

use std::borrow::Cow;

use serde_json::Value;

use crate::rpc::domain::py_repr;

/// Python's truth value of a JSON value.
pub(super) fn py_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

/// Python's type name of the value, for messages.
pub(super) fn py_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// `false`, `null` and `""`: the members of an `in` list that stand for "no value".
pub(super) fn is_empty_arg(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// Python's `repr()` of a float (`1.0`, `0.5`, `1e+16`).
fn py_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        let s = format!("{f:e}");
        return match s.split_once('e') {
            Some((mantissa, exp)) => {
                let (sign, digits) = exp.strip_prefix('-').map_or(('+', exp), |d| ('-', d));
                format!("{mantissa}e{sign}{digits:0>2}")
            }
            None => s,
        };
    }
    if f.fract() == 0.0 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

/// Python's `str()` of a scalar: the text a char comparison or a `like` pattern uses.
pub(super) fn py_str(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(s) => Some(Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(Cow::Owned(match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(u)) => u.to_string(),
            _ => py_float(n.as_f64().unwrap_or(0.0)),
        })),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "True" } else { "False" })),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// A number for an integer (`integer`: truncated) or float field; the error is Python's words.
pub(super) fn num_arg(value: &Value, integer: bool) -> Result<f64, String> {
    let n = match value {
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Null => 0.0,
        Value::String(s) => {
            let t = s.trim();
            if integer {
                t.parse::<i64>().map(|i| i as f64).map_err(|_| {
                    format!("invalid literal for int() with base 10: {}", py_repr(value))
                })?
            } else {
                t.parse::<f64>()
                    .map_err(|_| format!("could not convert string to float: {}", py_repr(value)))?
            }
        }
        other => return Err(format!("can't adapt type '{}'", py_type(other))),
    };
    Ok(if integer { n.trunc() } else { n })
}

/// Odoo's `str2bool` for strings, Python truth otherwise.
pub(super) fn bool_arg(value: &Value) -> bool {
    match value {
        Value::String(s) => matches!(
            s.trim().to_lowercase().as_str(),
            "y" | "yes" | "1" | "true" | "t" | "on"
        ),
        other => py_truthy(other),
    }
}

/// The text of a `like` pattern, `None` when empty; `Err` for a list or an object.
pub(super) fn like_arg(value: &Value) -> Result<Option<Cow<'_, str>>, String> {
    match value {
        Value::Null | Value::Bool(false) => Ok(None),
        Value::Array(_) | Value::Object(_) => Err("The pattern to match must be a string".into()),
        v => Ok(py_str(v).filter(|s| !s.is_empty())),
    }
}

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
        let (y, m, d) = civil_from_days(self.secs.div_euclid(86_400));
        let s = self.secs.rem_euclid(86_400);
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    }
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 (proleptic Gregorian).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// A run of 1 to 9 ASCII digits.
fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 9 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0, |acc, d| acc * 10 + u32::from(d - b'0')),
    )
}

/// Takes `n` digits off the front of `rest`.
fn take(rest: &mut &[u8], n: usize) -> Option<u32> {
    let v = digits(rest.get(..n)?)?;
    *rest = &rest[n..];
    Some(v)
}

/// Reads the forms the engine accepts: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.ffffff]]` (or with
/// `T`), an optional `Z` or `±HH[:MM]` offset (converted to UTC), XML-RPC's
/// `YYYYMMDDTHH:MM:SS`. Years outside 0..=9999 are refused, as the engine refuses them.
pub(super) fn parse_datetime(text: &str) -> Option<Stamp> {
    let b = text.trim().as_bytes();
    let (year, month, day, mut rest) = if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        (
            digits(&b[..4])?,
            digits(&b[5..7])?,
            digits(&b[8..10])?,
            &b[10..],
        )
    } else if b.len() >= 8 && b[..8].iter().all(u8::is_ascii_digit) {
        (
            digits(&b[..4])?,
            digits(&b[4..6])?,
            digits(&b[6..8])?,
            &b[8..],
        )
    } else {
        return None;
    };
    let year = i64::from(year);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let (mut hour, mut minute, mut second, mut fraction) = (0, 0, 0, false);
    let mut offset_minutes = 0i64;
    if !rest.is_empty() {
        if rest[0] != b' ' && rest[0] != b'T' {
            return None;
        }
        rest = &rest[1..];
        hour = take(&mut rest, 2)?;
        let colon = rest.first() == Some(&b':');
        if colon {
            rest = &rest[1..];
        }
        minute = take(&mut rest, 2)?;
        if rest.first() == Some(&b':') || (!colon && rest.first().is_some_and(u8::is_ascii_digit)) {
            if rest.first() == Some(&b':') {
                rest = &rest[1..];
            }
            second = take(&mut rest, 2)?;
            if rest.first() == Some(&b'.') || rest.first() == Some(&b',') {
                let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if n == 0 {
                    return None;
                }
                fraction = rest[1..=n].iter().any(|&c| c != b'0');
                rest = &rest[1 + n..];
            }
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        offset_minutes = match rest {
            [] | [b'Z'] | [b'z'] => 0,
            [sign @ (b'+' | b'-'), tail @ ..] => {
                let (h, m) = match tail {
                    [h1, h2] => (digits(&[*h1, *h2])?, 0),
                    [h1, h2, m1, m2] | [h1, h2, b':', m1, m2] => {
                        (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?)
                    }
                    _ => return None,
                };
                let minutes = i64::from(h * 60 + m);
                if *sign == b'+' { minutes } else { -minutes }
            }
            _ => return None,
        };
    }
    let secs = days_from_civil(year, month, day) * 86_400
        + i64::from(hour * 3600 + minute * 60 + second)
        - offset_minutes * 60;
    // The engine keys datetimes as `YYYY-MM-DD HH:MM:SS` text: a year it cannot print is refused.
    let utc_year = civil_from_days(secs.div_euclid(86_400)).0;
    (0..=9999)
        .contains(&utc_year)
        .then_some(Stamp { secs, fraction })
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

/// A token of a SQL `LIKE` pattern as the engine reads it: `%` any run, `_` one character, `\`
/// escapes the next character (a trailing `\` is itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tok {
    Lit(char),
    One,
    Many,
}

/// The tokens of `pattern`; with `fold`, literals lower-cased as the engine folds them for
/// `ilike` (character by character, Unicode).
pub(super) fn like_tokens(pattern: &str, fold: bool) -> Vec<Tok> {
    let mut toks = Vec::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        let tok = match c {
            '%' => Tok::Many,
            '_' => Tok::One,
            '\\' => Tok::Lit(chars.next().unwrap_or('\\')),
            c => Tok::Lit(c),
        };
        match tok {
            Tok::Many if toks.last() == Some(&Tok::Many) => {}
            Tok::Lit(c) if fold => toks.extend(c.to_lowercase().map(Tok::Lit)),
            tok => toks.push(tok),
        }
    }
    toks
}

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

/// Unicode lower-casing as the engine folds text for `ilike`: character by character (no
/// context rules such as Greek final sigma).
pub(super) fn fold(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
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
