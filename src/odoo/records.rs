//! Tolerant decoding of Odoo record values.
//!
//! Odoo's read-side value formats (`docs/odoo-rpc.md` §6.3, identical over `/jsonrpc` and JSON-2):
//! many2one `[id, "display name"]` or `false` (a bare id with a non-default `load`); x2many a list
//! of ids; empty char/text/html/selection/date/datetime/binary `false` (never `null`, never `""`);
//! floats always numbers; datetimes `"YYYY-MM-DD HH:MM:SS"` in UTC; dates `"YYYY-MM-DD"`.
//!
//! The getters accept every loose form (`false`, `null`, absent) and fail with
//! [`OdooError::Decode`] naming model, id and field only when the value has the wrong shape.

use serde_json::{Map, Value};

use super::error::OdooError;
use crate::rpc::datetime::{civil_from_days, days_from_civil};

/// A many2one value: the target id and its display name (empty when read with `load=None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Many2One {
    /// Target record id.
    pub id: i64,
    /// Display name of the target as Odoo rendered it.
    pub name: String,
}

/// One record as returned by `read` / `search_read` (always has an integer `id`).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    model: String,
    id: i64,
    values: Map<String, Value>,
}

/// Decodes a `read`/`search_read` answer (a JSON array of objects) into records.
pub fn records_from_value(model: &str, value: Value) -> Result<Vec<Record>, OdooError> {
    match value {
        Value::Array(items) => items
            .into_iter()
            .map(|v| Record::from_value(model, v))
            .collect(),
        Value::Null | Value::Bool(false) => Ok(Vec::new()),
        other => Err(OdooError::Decode(format!(
            "{model}: expected a list of records, got {}",
            short(&other)
        ))),
    }
}

/// Decodes a list of ids (`search` answer).
pub fn ids_from_value(model: &str, value: &Value) -> Result<Vec<i64>, OdooError> {
    let bad = || {
        OdooError::Decode(format!(
            "{model}: expected a list of ids, got {}",
            short(value)
        ))
    };
    match value {
        Value::Array(items) => items.iter().map(|v| v.as_i64().ok_or_else(bad)).collect(),
        Value::Null | Value::Bool(false) => Ok(Vec::new()),
        _ => Err(bad()),
    }
}

/// A short rendering of a JSON value for error messages.
pub(crate) fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(80).collect();
        format!("{cut}…")
    } else {
        text
    }
}

impl Record {
    /// Wraps one record object; it must carry an integer `id`.
    pub fn from_value(model: &str, value: Value) -> Result<Self, OdooError> {
        let Value::Object(values) = value else {
            return Err(OdooError::Decode(format!(
                "{model}: expected a record object, got {}",
                short(&value)
            )));
        };
        let id = values.get("id").and_then(Value::as_i64).ok_or_else(|| {
            OdooError::Decode(format!(
                "{model}: record without an integer id: {}",
                short(&Value::Object(values.clone()))
            ))
        })?;
        Ok(Record {
            model: model.to_owned(),
            id,
            values,
        })
    }

    /// Builds a record from parts (for tests and fakes).
    pub fn new(model: &str, id: i64, values: Map<String, Value>) -> Self {
        Record {
            model: model.to_owned(),
            id,
            values,
        }
    }

    /// The model the record was read from.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The record id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// All values as Odoo sent them.
    pub fn values(&self) -> &Map<String, Value> {
        &self.values
    }

    /// All values, consuming the record.
    pub fn into_values(self) -> Map<String, Value> {
        self.values
    }

    /// One raw value.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.values.get(field)
    }

    fn mismatch(&self, field: &str, expected: &str, got: &Value) -> OdooError {
        OdooError::Decode(format!(
            "{} id {} field {field}: expected {expected}, got {}",
            self.model,
            self.id,
            short(got)
        ))
    }

    /// `false`, `null` or absent.
    fn is_empty(value: Option<&Value>) -> bool {
        matches!(value, None | Some(Value::Null) | Some(Value::Bool(false)))
    }

    /// A char/text/html/selection value; `false`, `null`, absent and `""` are `None`.
    pub fn char(&self, field: &str) -> Result<Option<String>, OdooError> {
        let value = self.values.get(field);
        if Self::is_empty(value) {
            return Ok(None);
        }
        match value {
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.mismatch(field, "a string or false", other)),
            None => Ok(None),
        }
    }

    /// A char value where empty means `""`.
    pub fn char_or_empty(&self, field: &str) -> Result<String, OdooError> {
        Ok(self.char(field)?.unwrap_or_default())
    }

    /// A float/monetary value; `false`/`null`/absent are `0.0`.
    pub fn float(&self, field: &str) -> Result<f64, OdooError> {
        match self.values.get(field) {
            v if Self::is_empty(v) => Ok(0.0),
            Some(Value::Number(n)) => n
                .as_f64()
                .ok_or_else(|| self.mismatch(field, "a number", &Value::Number(n.clone()))),
            Some(other) => Err(self.mismatch(field, "a number", other)),
            None => Ok(0.0),
        }
    }

    /// An integer value; `false`/`null`/absent are `0`.
    pub fn integer(&self, field: &str) -> Result<i64, OdooError> {
        match self.values.get(field) {
            v if Self::is_empty(v) => Ok(0),
            Some(Value::Number(n)) => n
                .as_i64()
                .ok_or_else(|| self.mismatch(field, "an integer", &Value::Number(n.clone()))),
            Some(other) => Err(self.mismatch(field, "an integer", other)),
            None => Ok(0),
        }
    }

    /// A boolean value; `null`/absent are `false`.
    pub fn boolean(&self, field: &str) -> Result<bool, OdooError> {
        match self.values.get(field) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(self.mismatch(field, "a boolean", other)),
        }
    }

    /// A many2one value: `[id, "name"]`, a bare id, or empty (`false`/`null`/absent).
    pub fn many2one(&self, field: &str) -> Result<Option<Many2One>, OdooError> {
        let value = self.values.get(field);
        if Self::is_empty(value) {
            return Ok(None);
        }
        match value {
            Some(Value::Number(n)) => match n.as_i64() {
                Some(id) => Ok(Some(Many2One {
                    id,
                    name: String::new(),
                })),
                None => Err(self.mismatch(field, "[id, name] or false", &Value::Number(n.clone()))),
            },
            Some(v @ Value::Array(items)) => {
                let id = items.first().and_then(Value::as_i64);
                let name = match items.get(1) {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Bool(false)) | Some(Value::Null) | None => Some(String::new()),
                    Some(_) => None,
                };
                match (id, name, items.len()) {
                    (Some(id), Some(name), 1 | 2) => Ok(Some(Many2One { id, name })),
                    _ => Err(self.mismatch(field, "[id, name] or false", v)),
                }
            }
            Some(other) => Err(self.mismatch(field, "[id, name] or false", other)),
            None => Ok(None),
        }
    }

    /// The id of a many2one value.
    pub fn many2one_id(&self, field: &str) -> Result<Option<i64>, OdooError> {
        Ok(self.many2one(field)?.map(|m| m.id))
    }

    /// An x2many value (list of ids); `false`/`null`/absent are empty.
    pub fn ids(&self, field: &str) -> Result<Vec<i64>, OdooError> {
        match self.values.get(field) {
            v if Self::is_empty(v) => Ok(Vec::new()),
            Some(v @ Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_i64()
                        .ok_or_else(|| self.mismatch(field, "a list of ids", v))
                })
                .collect(),
            Some(other) => Err(self.mismatch(field, "a list of ids", other)),
            None => Ok(Vec::new()),
        }
    }

    /// A datetime value `"YYYY-MM-DD HH:MM:SS"` (UTC); empty is `None`.
    pub fn datetime(&self, field: &str) -> Result<Option<String>, OdooError> {
        match self.char(field) {
            Ok(Some(s)) if is_odoo_datetime(&s) => Ok(Some(s)),
            Ok(Some(s)) => Err(self.mismatch(field, "\"YYYY-MM-DD HH:MM:SS\"", &Value::String(s))),
            Ok(None) => Ok(None),
            Err(_) => Err(self.mismatch(
                field,
                "\"YYYY-MM-DD HH:MM:SS\"",
                self.values.get(field).unwrap_or(&Value::Null),
            )),
        }
    }

    /// A datetime that must be set (e.g. `write_date`).
    pub fn required_datetime(&self, field: &str) -> Result<String, OdooError> {
        self.datetime(field)?.ok_or_else(|| {
            self.mismatch(
                field,
                "a datetime",
                self.values.get(field).unwrap_or(&Value::Null),
            )
        })
    }

    /// A date value `"YYYY-MM-DD"`; empty is `None`.
    pub fn date(&self, field: &str) -> Result<Option<String>, OdooError> {
        match self.char(field) {
            Ok(Some(s)) if is_odoo_date(&s) => Ok(Some(s)),
            Ok(Some(s)) => Err(self.mismatch(field, "\"YYYY-MM-DD\"", &Value::String(s))),
            Ok(None) => Ok(None),
            Err(_) => Err(self.mismatch(
                field,
                "\"YYYY-MM-DD\"",
                self.values.get(field).unwrap_or(&Value::Null),
            )),
        }
    }
}

/// `true` for `"YYYY-MM-DD"` made of digits in the right places.
pub fn is_odoo_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// `true` for Odoo's datetime format `"YYYY-MM-DD HH:MM:SS"`.
pub fn is_odoo_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 19
        && s.get(..10).is_some_and(is_odoo_date)
        && b.iter().enumerate().skip(10).all(|(i, c)| match i {
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

/// Adds `seconds` to an Odoo datetime string; `None` when the input is not one.
pub fn add_seconds(datetime: &str, seconds: i64) -> Option<String> {
    if !is_odoo_datetime(datetime) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| datetime.get(r).and_then(|s| s.parse::<i64>().ok());
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    // The ranges are checked: the casts are exact.
    let total = days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + s + seconds;
    let days = total.div_euclid(86_400);
    let secs = total.rem_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return None;
    }
    Some(format!(
        "{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(v: Value) -> Record {
        Record::from_value("res.partner", v).unwrap()
    }

    #[test]
    fn loose_values_are_tolerated() {
        // Shapes from jsonrpc-read-field-types / jsonrpc-partner-create-single.
        let r = rec(
            json!({"id": 73, "name": "A", "email": false, "country_id": [233, "United States"],
                           "state_id": false, "child_ids": [], "credit_limit": 0.0, "is_company": true,
                           "write_date": "2026-11-27 09:00:39", "date": false, "barcode": ""}),
        );
        assert_eq!(r.id(), 73);
        assert_eq!(r.char("email").unwrap(), None);
        assert_eq!(r.char("barcode").unwrap(), None);
        assert_eq!(r.char("missing").unwrap(), None);
        assert_eq!(
            r.many2one("country_id").unwrap(),
            Some(Many2One {
                id: 233,
                name: "United States".into()
            })
        );
        assert_eq!(r.many2one("state_id").unwrap(), None);
        assert_eq!(r.ids("child_ids").unwrap(), Vec::<i64>::new());
        assert_eq!(r.float("credit_limit").unwrap(), 0.0);
        assert!(r.boolean("is_company").unwrap());
        assert_eq!(
            r.datetime("write_date").unwrap().as_deref(),
            Some("2026-11-27 09:00:39")
        );
        assert_eq!(r.date("date").unwrap(), None);
        // load=None gives a bare id.
        let r = rec(json!({"id": 1, "country_id": 233}));
        assert_eq!(r.many2one_id("country_id").unwrap(), Some(233));
    }

    #[test]
    fn mismatches_name_model_id_and_field() {
        let r = rec(
            json!({"id": 5, "name": 12, "list_price": "abc", "country_id": "x",
                           "write_date": "2026-11-27T09:00:39"}),
        );
        let e = r.char("name").unwrap_err();
        let OdooError::Decode(msg) = e else {
            panic!("not a decode error")
        };
        assert!(msg.contains("res.partner id 5 field name"), "{msg}");
        assert!(matches!(r.float("list_price"), Err(OdooError::Decode(_))));
        assert!(matches!(
            r.many2one("country_id"),
            Err(OdooError::Decode(_))
        ));
        assert!(matches!(
            r.datetime("write_date"),
            Err(OdooError::Decode(_))
        ));
        assert!(matches!(
            Record::from_value("res.partner", json!({"name": "x"})),
            Err(OdooError::Decode(_))
        ));
        assert!(matches!(
            records_from_value("res.partner", json!({"a": 1})),
            Err(OdooError::Decode(_))
        ));
    }

    #[test]
    fn datetime_arithmetic() {
        assert_eq!(
            add_seconds("2026-11-27 08:51:30", 1).as_deref(),
            Some("2026-11-27 08:51:31")
        );
        assert_eq!(
            add_seconds("2026-12-31 23:59:59", 1).as_deref(),
            Some("2027-01-01 00:00:00")
        );
        assert_eq!(
            add_seconds("2024-02-28 23:59:59", 1).as_deref(),
            Some("2024-02-29 00:00:00")
        );
        assert_eq!(
            add_seconds("2026-03-01 00:00:00", -1).as_deref(),
            Some("2026-02-28 23:59:59")
        );
        assert_eq!(add_seconds("2026-11-27", 1), None);
        assert!(is_odoo_datetime("2026-11-27 08:51:30"));
        assert!(!is_odoo_datetime("2026-11-27T08:51:30"));
        assert!(is_odoo_date("2026-11-27"));
    }
}
