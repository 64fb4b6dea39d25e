//! Odoo *domains* (search filters) and `order` clauses, shared by the Odoo emulator and the
//! Odoo-compatible facade.
//!
//! - [`parse`] reads the wire form (a JSON list in prefix notation, as JSON-RPC, XML-RPC and
//!   JSON-2 carry it) into a [`Domain`] tree; [`Domain::to_json`] writes it back.
//! - [`validate`] checks a domain against a model's fields ([`Schema`]) and reports Odoo's errors.
//! - [`Matcher::compile`] prepares a domain once per query against the data ([`Records`]). Every
//!   sub-search (dotted paths, `any`, names of related records, `child_of`/`parent_of`) is resolved
//!   to a set of ids up front, so evaluating a record only reads that record's own values.
//!   [`matches()`] is the one-shot form.
//! - [`parse_order`], [`validate_order`], [`compare`] and [`sort_ids`] implement `order`.
//!
//! Errors ([`DomainError`]) are structured; [`DomainError::message`] and
//! [`DomainError::exception_name`] word them as Odoo 18 or 19 does on the wire.
//!
//! # Semantics (PostgreSQL as Odoo uses it)
//!
//! - `[f, "=", false]` (or `null`, `""`, `[]`) tests for an empty value: NULL or `false`, and also
//!   `""` for text fields, `0` for numbers, no record for many2one, no related record for x2many.
//!   `!=` is its exact opposite. An empty number *is* 0 everywhere (Odoo stores `0` for it, and 19
//!   treats `0` and NULL alike), so `qty < 5` matches it.
//! - `!=`, `not in`, `not like`, `not ilike`, `not =like`, `not =ilike` and `not any` are the
//!   negation of their positive form, so they include records whose field is NULL; `<`, `>`, `<=`,
//!   `>=`, `=`, `in` and the `like` family never match NULL (an empty string is a value for them,
//!   as in SQL). `!` is a plain boolean NOT.
//! - `like`/`ilike` wrap the value in `%...%`; `%` and `_` inside the value stay wildcards and `\`
//!   escapes them, as in SQL. An empty value matches every record (`not like ''` none); on a
//!   relational field it means "has a value" (Odoo 19). `ilike` is Unicode case-insensitive and
//!   accent-sensitive (Odoo without `--unaccent`). Non-text fields are matched on their text
//!   (`list_price like '75'`). Text order is byte order: Odoo creates its databases with
//!   `LC_COLLATE 'C'`.
//! - Relational fields compared with strings match on the related record's display name (a name
//!   search; [`Records::search_display_name`] can refine it); integers match ids. x2many `=`/`in`
//!   match when any related id matches, `!=`/`not in` when none does. A dotted path `a.b.c` is
//!   `a any [(b.c ...)]`, so a record without `a` never matches it, whatever the operator.
//! - `child_of`/`parent_of` take ids or names (display name `ilike`); on `id` or on a many2one to
//!   the model itself they select the records of the subtree (through the model's parent field, or
//!   through that many2one), on another relational field its values in the comodel's subtree.
//! - Datetimes compare as UTC `YYYY-MM-DD HH:MM:SS`; a date-only value means midnight; ISO forms
//!   (`T`, `Z`, offsets, fractions) and XML-RPC's `20240501T10:00:00` are accepted, and equality
//!   is to the whole second (Odoo 19).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};

use serde_json::{Value, json};

use super::datetime::parse_stamp;

// ---------------------------------------------------------------------------------------------
// Operators, leaves and domains
// ---------------------------------------------------------------------------------------------

/// The operator of a domain leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `=` (Odoo 19 also accepts `==`).
    Eq,
    /// `!=` (also written `<>`).
    Ne,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `=?`: true when the value is empty (`false`, `null`, `0`, `""`, `[]`), else `=`.
    EqOrUnset,
    /// `like`: case-sensitive, the value wrapped in `%`.
    Like,
    /// `not like`.
    NotLike,
    /// `ilike`: case-insensitive, the value wrapped in `%`.
    ILike,
    /// `not ilike`.
    NotILike,
    /// `=like`: a case-sensitive SQL `LIKE` pattern.
    EqLike,
    /// `=ilike`: a case-insensitive SQL `LIKE` pattern.
    EqILike,
    /// `not =like` (Odoo 19).
    NotEqLike,
    /// `not =ilike` (Odoo 19).
    NotEqILike,
    /// `in`: the value is a list (a scalar counts as a one-element list).
    In,
    /// `not in`.
    NotIn,
    /// `child_of`: the given records and their descendants through the parent field.
    ChildOf,
    /// `parent_of`: the given records and their ancestors through the parent field.
    ParentOf,
    /// `any`: a related record matches the sub-domain (Odoo 17+).
    Any,
    /// `not any`: no related record matches the sub-domain.
    NotAny,
}

impl Operator {
    /// Every operator, in declaration order.
    pub const ALL: [Operator; 21] = [
        Self::Eq,
        Self::Ne,
        Self::Gt,
        Self::Ge,
        Self::Lt,
        Self::Le,
        Self::EqOrUnset,
        Self::Like,
        Self::NotLike,
        Self::ILike,
        Self::NotILike,
        Self::EqLike,
        Self::EqILike,
        Self::NotEqLike,
        Self::NotEqILike,
        Self::In,
        Self::NotIn,
        Self::ChildOf,
        Self::ParentOf,
        Self::Any,
        Self::NotAny,
    ];

    /// Reads an operator as Odoo does: case-insensitively, with the aliases `<>` and `==`.
    pub fn parse(text: &str) -> Option<Self> {
        let lower = text.to_lowercase();
        Some(match lower.as_str() {
            "=" | "==" => Self::Eq,
            "!=" | "<>" => Self::Ne,
            ">" => Self::Gt,
            ">=" => Self::Ge,
            "<" => Self::Lt,
            "<=" => Self::Le,
            "=?" => Self::EqOrUnset,
            "like" => Self::Like,
            "not like" => Self::NotLike,
            "ilike" => Self::ILike,
            "not ilike" => Self::NotILike,
            "=like" => Self::EqLike,
            "=ilike" => Self::EqILike,
            "not =like" => Self::NotEqLike,
            "not =ilike" => Self::NotEqILike,
            "in" => Self::In,
            "not in" => Self::NotIn,
            "child_of" => Self::ChildOf,
            "parent_of" => Self::ParentOf,
            "any" => Self::Any,
            "not any" => Self::NotAny,
            _ => return None,
        })
    }

    /// The canonical wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::EqOrUnset => "=?",
            Self::Like => "like",
            Self::NotLike => "not like",
            Self::ILike => "ilike",
            Self::NotILike => "not ilike",
            Self::EqLike => "=like",
            Self::EqILike => "=ilike",
            Self::NotEqLike => "not =like",
            Self::NotEqILike => "not =ilike",
            Self::In => "in",
            Self::NotIn => "not in",
            Self::ChildOf => "child_of",
            Self::ParentOf => "parent_of",
            Self::Any => "any",
            Self::NotAny => "not any",
        }
    }

    /// Whether the operator is the negation of another one (`!=`, `not in`, `not like`, ...).
    pub fn is_negative(self) -> bool {
        self.positive() != self
    }

    /// The positive form of a negative operator (`not in` → `in`); other operators unchanged.
    pub fn positive(self) -> Self {
        match self {
            Self::Ne => Self::Eq,
            Self::NotLike => Self::Like,
            Self::NotILike => Self::ILike,
            Self::NotEqLike => Self::EqLike,
            Self::NotEqILike => Self::EqILike,
            Self::NotIn => Self::In,
            Self::NotAny => Self::Any,
            other => other,
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A condition `[field_path, operator, value]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Leaf {
    /// The field path, split on dots: `partner_id.country_id.code` → 3 names.
    pub path: Vec<String>,
    /// The operator.
    pub operator: Operator,
    /// The value as sent (for `any`/`not any`, the sub-domain in its list form).
    pub value: Value,
}

impl Leaf {
    /// A leaf on a (possibly dotted) field path.
    pub fn new(path: &str, operator: Operator, value: impl Into<Value>) -> Self {
        Self {
            path: path.split('.').map(str::to_string).collect(),
            operator,
            value: value.into(),
        }
    }

    /// The first field of the path.
    pub fn field(&self) -> &str {
        self.path.first().map_or("", String::as_str)
    }

    /// The path joined with dots, as written on the wire.
    pub fn path_str(&self) -> String {
        self.path.join(".")
    }

    /// The wire form `[path, operator, value]`.
    pub fn to_json(&self) -> Value {
        json!([self.path_str(), self.operator.as_str(), self.value])
    }
}

/// A parsed, normalized domain: implicit `&` made explicit, nested `&`/`|` flattened, `TRUE_LEAF`
/// and `FALSE_LEAF` turned into constants (an `&` drops its `True` members, an `|` its `False`
/// ones; nothing else is simplified, so every leaf stays subject to validation).
#[derive(Clone, Debug, PartialEq)]
pub enum Domain {
    /// Matches every record (`[]`, `[[1, "=", 1]]`).
    True,
    /// Matches no record (`[[0, "=", 1]]`).
    False,
    /// All members match (at least two members when built by this module).
    And(Vec<Domain>),
    /// At least one member matches.
    Or(Vec<Domain>),
    /// Boolean negation.
    Not(Box<Domain>),
    /// A condition on a field.
    Leaf(Leaf),
}

impl Domain {
    /// A one-condition domain.
    pub fn leaf(path: &str, operator: Operator, value: impl Into<Value>) -> Self {
        Self::Leaf(Leaf::new(path, operator, value))
    }

    /// Both domains (`&`).
    pub fn and(self, other: Domain) -> Domain {
        match (self, other) {
            (Domain::True, d) | (d, Domain::True) => d,
            (Domain::And(mut a), Domain::And(b)) => {
                a.extend(b);
                Domain::And(a)
            }
            (Domain::And(mut a), d) => {
                a.push(d);
                Domain::And(a)
            }
            (d, Domain::And(mut b)) => {
                b.insert(0, d);
                Domain::And(b)
            }
            (a, b) => Domain::And(vec![a, b]),
        }
    }

    /// Either domain (`|`).
    pub fn or(self, other: Domain) -> Domain {
        match (self, other) {
            (Domain::False, d) | (d, Domain::False) => d,
            (Domain::Or(mut a), Domain::Or(b)) => {
                a.extend(b);
                Domain::Or(a)
            }
            (Domain::Or(mut a), d) => {
                a.push(d);
                Domain::Or(a)
            }
            (d, Domain::Or(mut b)) => {
                b.insert(0, d);
                Domain::Or(b)
            }
            (a, b) => Domain::Or(vec![a, b]),
        }
    }

    /// The conjunction of all the domains (`True` when there is none).
    pub fn and_all(domains: impl IntoIterator<Item = Domain>) -> Domain {
        domains.into_iter().fold(Domain::True, Domain::and)
    }

    /// The disjunction of all the domains (`False` when there is none).
    pub fn or_all(domains: impl IntoIterator<Item = Domain>) -> Domain {
        domains.into_iter().fold(Domain::False, Domain::or)
    }

    /// Whether this is the constant `True`.
    pub fn is_true(&self) -> bool {
        matches!(self, Domain::True)
    }

    /// Whether this is the constant `False`.
    pub fn is_false(&self) -> bool {
        matches!(self, Domain::False)
    }

    /// The leaves, in order (not those inside `any` sub-domains).
    pub fn leaves(&self) -> Vec<&Leaf> {
        let mut out = Vec::new();
        self.collect_leaves(&mut out);
        out
    }

    fn collect_leaves<'a>(&'a self, out: &mut Vec<&'a Leaf>) {
        match self {
            Domain::True | Domain::False => {}
            Domain::And(c) | Domain::Or(c) => c.iter().for_each(|d| d.collect_leaves(out)),
            Domain::Not(d) => d.collect_leaves(out),
            Domain::Leaf(l) => out.push(l),
        }
    }

    /// Whether some leaf's path is exactly `path`. Odoo's `active_test` uses it: archived records
    /// are filtered out unless the domain has a condition on `active`.
    pub fn has_condition_on(&self, path: &str) -> bool {
        self.leaves().iter().any(|l| {
            let mut parts = path.split('.');
            l.path.iter().all(|p| parts.next() == Some(p.as_str())) && parts.next().is_none()
        })
    }

    /// The wire form: Odoo's prefix list with explicit operators (`[]` for `True`).
    pub fn to_json(&self) -> Value {
        if self.is_true() {
            return Value::Array(Vec::new());
        }
        let mut out = Vec::new();
        self.push_json(&mut out);
        Value::Array(out)
    }

    fn push_json(&self, out: &mut Vec<Value>) {
        match self {
            Domain::True => out.push(json!([1, "=", 1])),
            Domain::False => out.push(json!([0, "=", 1])),
            Domain::And(c) | Domain::Or(c) => {
                if c.is_empty() {
                    let neutral = if matches!(self, Domain::And(_)) {
                        Domain::True
                    } else {
                        Domain::False
                    };
                    neutral.push_json(out);
                    return;
                }
                let op = if matches!(self, Domain::And(_)) {
                    "&"
                } else {
                    "|"
                };
                out.extend(std::iter::repeat_n(Value::from(op), c.len() - 1));
                c.iter().for_each(|d| d.push_json(out));
            }
            Domain::Not(d) => {
                out.push(Value::from("!"));
                d.push_json(out);
            }
            Domain::Leaf(l) => out.push(l.to_json()),
        }
    }
}

impl std::ops::Not for Domain {
    type Output = Domain;

    /// Boolean negation (`!`): `!True` is `False`, `!!d` is `d`.
    fn not(self) -> Domain {
        match self {
            Domain::True => Domain::False,
            Domain::False => Domain::True,
            Domain::Not(d) => *d,
            d => Domain::Not(Box::new(d)),
        }
    }
}

impl fmt::Display for Domain {
    /// The wire form as compact JSON, for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_json())
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A leaf as it was written (field, operator, value), kept to word error messages the way Odoo
/// prints its tuple: `('name', '=', 1)`. Boxed, to keep errors small.
#[derive(Clone, Debug, PartialEq)]
pub struct LeafRepr(Box<[Value; 3]>);

impl LeafRepr {
    /// A leaf from its three members.
    pub fn new(field: Value, operator: Value, value: Value) -> Self {
        Self(Box::new([field, operator, value]))
    }

    fn of(path: &str, operator: Operator, value: &Value) -> Self {
        Self::new(
            Value::from(path),
            Value::from(operator.as_str()),
            value.clone(),
        )
    }

    /// The first member (the field path).
    pub fn field(&self) -> &Value {
        &self.0[0]
    }

    /// The second member (the operator).
    pub fn operator(&self) -> &Value {
        &self.0[1]
    }

    /// The third member (the value).
    pub fn value(&self) -> &Value {
        &self.0[2]
    }

    /// Python's `repr` of the tuple; Odoo 19 reads a `None` value as `False`.
    pub fn render(&self, version: u32) -> String {
        let value = match self.value() {
            Value::Null if version >= 19 => &Value::Bool(false),
            v => v,
        };
        format!(
            "({}, {}, {})",
            py_repr(self.field()),
            py_repr(self.operator()),
            py_repr(value)
        )
    }
}

/// The Python exception an error is raised as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// `builtins.ValueError`.
    ValueError,
    /// `builtins.TypeError`.
    TypeError,
    /// `builtins.IndexError`.
    IndexError,
    /// `odoo.exceptions.UserError`.
    UserError,
}

impl ErrorKind {
    /// The dotted name Odoo puts in `error.data.name`.
    pub fn name(self) -> &'static str {
        match self {
            Self::ValueError => "builtins.ValueError",
            Self::TypeError => "builtins.TypeError",
            Self::IndexError => "builtins.IndexError",
            Self::UserError => "odoo.exceptions.UserError",
        }
    }
}

/// Why a domain or an `order` clause was refused. [`DomainError::message`] gives Odoo's text for a
/// server version; `Display` uses Odoo 18's.
#[derive(Clone, Debug, PartialEq)]
pub enum DomainError {
    /// The domain is not a list (`repr` is Python's repr of it, `py_type` its Python type name).
    NotAList {
        /// Python repr of the value.
        repr: String,
        /// Python type name (`int`, `str`, `dict`, ...).
        py_type: &'static str,
    },
    /// An item that is neither a leaf nor `&`, `|`, `!`.
    InvalidItem {
        /// Python repr of the item.
        repr: String,
    },
    /// A leaf with other than 3 members (18: "not enough values to unpack (expected 3, got 2)").
    LeafArity {
        /// Python repr of the leaf.
        repr: String,
        /// Its number of members.
        len: usize,
    },
    /// `&`, `|` or `!` without enough operands.
    MissingOperands {
        /// Python repr of the whole domain.
        repr: String,
    },
    /// The first member of a leaf is not a non-empty string (and the leaf is not `TRUE_LEAF` or
    /// `FALSE_LEAF`).
    InvalidFieldName {
        /// The leaf.
        leaf: LeafRepr,
    },
    /// An unknown operator.
    InvalidOperator {
        /// The leaf.
        leaf: LeafRepr,
    },
    /// No such field on the model (`leaf` is the condition on that model, the rest of the path).
    UnknownField {
        /// The model searched.
        model: String,
        /// The unknown field.
        field: String,
        /// The leaf.
        leaf: LeafRepr,
    },
    /// A dotted path through a field that is not relational (`name.foo`).
    InvalidPath {
        /// The model.
        model: String,
        /// The non-relational field followed by more names.
        field: String,
        /// The leaf.
        leaf: LeafRepr,
    },
    /// `any`/`not any`/`child_of`/`parent_of` on a field that is not relational.
    NotRelational {
        /// The model.
        model: String,
        /// The field.
        field: String,
        /// The operator.
        operator: Operator,
        /// The leaf.
        leaf: LeafRepr,
    },
    /// A value of the wrong type for the field or operator (a bad date, `'abc'` for an integer,
    /// a list as a `like` pattern, ...).
    InvalidValue {
        /// The leaf.
        leaf: LeafRepr,
        /// What is wrong, in Python's words where it has some.
        message: String,
        /// Raised as a `TypeError` rather than a `ValueError`.
        type_error: bool,
    },
    /// The model's hierarchy field (for `child_of`/`parent_of`) is missing or not a many2one to
    /// the model itself.
    InvalidParent {
        /// The model.
        model: String,
        /// The parent field looked for.
        field: String,
    },
    /// An `order` clause that is not a comma-separated list of `field [asc|desc] [nulls
    /// first|last]` (a `UserError`).
    InvalidOrder {
        /// The clause as given.
        order: String,
    },
    /// An `order` clause naming a field the model does not have.
    UnknownOrderField {
        /// The model.
        model: String,
        /// The field as written.
        field: String,
    },
    /// An `order` clause on a field that has no column (not stored, or x2many).
    UnsortableField {
        /// The model.
        model: String,
        /// The field.
        field: String,
    },
}

impl DomainError {
    /// The Python exception Odoo `version` (18, 19, ...) raises for this error.
    pub fn kind(&self, version: u32) -> ErrorKind {
        let v19 = version >= 19;
        match self {
            Self::NotAList { .. } => ErrorKind::TypeError,
            Self::MissingOperands { .. } if !v19 => ErrorKind::IndexError,
            Self::InvalidFieldName { .. } if v19 => ErrorKind::TypeError,
            Self::InvalidValue {
                type_error: true, ..
            } => ErrorKind::TypeError,
            Self::InvalidOrder { .. } => ErrorKind::UserError,
            _ => ErrorKind::ValueError,
        }
    }

    /// `error.data.name` for this error on Odoo `version`.
    pub fn exception_name(&self, version: u32) -> &'static str {
        self.kind(version).name()
    }

    /// The message Odoo `version` (18, 19, ...) gives for this error (`error.data.message`).
    pub fn message(&self, version: u32) -> String {
        let v19 = version >= 19;
        let at = |leaf: &LeafRepr| {
            if v19 {
                format!("in condition {}", leaf.render(version))
            } else {
                format!("in leaf {}", leaf.render(version))
            }
        };
        match self {
            Self::NotAList { repr, py_type } => {
                if v19 {
                    format!("Domain() invalid argument type for domain: {repr}")
                } else {
                    format!("'{py_type}' object is not iterable")
                }
            }
            Self::InvalidItem { repr } => {
                if v19 {
                    format!("Domain() invalid item in domain: {repr}")
                } else {
                    format!("Invalid leaf {repr}")
                }
            }
            Self::LeafArity { repr, len } => {
                if v19 {
                    format!("Domain() invalid item in domain: {repr}")
                } else if *len < 3 {
                    format!("not enough values to unpack (expected 3, got {len})")
                } else {
                    "too many values to unpack (expected 3)".to_string()
                }
            }
            Self::MissingOperands { repr } => {
                if v19 {
                    format!("Domain() malformed domain {repr}")
                } else {
                    "pop from empty list".to_string()
                }
            }
            Self::InvalidFieldName { leaf } => {
                if !v19 {
                    format!("Invalid leaf {}", leaf.render(version))
                } else if leaf.field().is_string() {
                    format!("Empty field name {}", at(leaf))
                } else {
                    format!("Domain() invalid arguments: {}", leaf.render(version))
                }
            }
            Self::InvalidOperator { leaf } => {
                if v19 {
                    format!("Invalid operator {}", at(leaf))
                } else {
                    format!("Invalid leaf {}", leaf.render(version))
                }
            }
            Self::UnknownField { model, field, leaf } => {
                format!("Invalid field {model}.{field} {}", at(leaf))
            }
            Self::InvalidPath { model, field, leaf } => {
                format!(
                    "Invalid path: {model}.{field} is not a relational field {}",
                    at(leaf)
                )
            }
            Self::NotRelational {
                model,
                field,
                operator,
                leaf,
            } => match operator {
                Operator::Any | Operator::NotAny => {
                    format!("Cannot use 'any' with non-relational fields {}", at(leaf))
                }
                _ => format!(
                    "Cannot execute {operator} for {model}.{field}, works only for relational fields {}",
                    at(leaf)
                ),
            },
            Self::InvalidValue { leaf, message, .. } => format!("{message} {}", at(leaf)),
            Self::InvalidParent { model, field } => {
                format!("Invalid parent field: {model}.{field}")
            }
            Self::InvalidOrder { order } => format!(
                "Invalid \"order\" specified ({order}). A valid \"order\" specification is a \
                 comma-separated list of valid field names (optionally followed by asc/desc for \
                 the direction)"
            ),
            Self::UnknownOrderField { model, field } => {
                format!(
                    "Invalid field {} on model {}",
                    py_repr(&Value::from(field.as_str())),
                    py_repr(&Value::from(model.as_str()))
                )
            }
            Self::UnsortableField { model, field } => {
                format!("Cannot convert {model}.{field} to SQL because it is not stored")
            }
        }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(18))
    }
}

impl std::error::Error for DomainError {}

// ---------------------------------------------------------------------------------------------
// Python repr, for messages
// ---------------------------------------------------------------------------------------------

/// Python's `repr()` of a JSON value seen as the Python object Odoo receives.
pub fn py_repr(value: &Value) -> String {
    let mut out = String::new();
    write_py_repr(value, &mut out);
    out
}

fn write_py_repr(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                let _ = write!(out, "{i}");
            } else if let Some(u) = n.as_u64() {
                let _ = write!(out, "{u}");
            } else {
                out.push_str(&py_float(n.as_f64().unwrap_or(0.0)));
            }
        }
        Value::String(s) => write_py_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_py_repr(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_py_str(k, out);
                out.push_str(": ");
                write_py_repr(v, out);
            }
            out.push('}');
        }
    }
}

fn write_py_str(s: &str, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

/// Python's `repr()` of a float (`1.0`, `0.5`, `1e+16`, `1e-05`).
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
        if let Some((mantissa, exp)) = s.split_once('e') {
            let (sign, digits) = exp.strip_prefix('-').map_or(('+', exp), |d| ('-', d));
            return format!("{mantissa}e{sign}{digits:0>2}");
        }
        return s;
    }
    if f.fract() == 0.0 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

/// Python's type name of the value, for messages.
pub(crate) fn py_type(value: &Value) -> &'static str {
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

/// Python's truth value of a JSON value.
pub(crate) fn py_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

/// Python's `str()` of a scalar (the text a `like` pattern or a char comparison uses).
pub(crate) fn py_str(value: &Value) -> Option<Cow<'_, str>> {
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

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// Parses a domain from its wire form. `null`, `false`, `true` and `[]` are the empty (always true)
/// domain; consecutive terms are joined by an implicit `&`.
pub fn parse(domain: &Value) -> Result<Domain, DomainError> {
    match domain {
        Value::Null | Value::Bool(_) => Ok(Domain::True),
        Value::Array(items) => parse_items(items, domain),
        other => Err(DomainError::NotAList {
            repr: py_repr(other),
            py_type: py_type(other),
        }),
    }
}

fn parse_items(items: &[Value], whole: &Value) -> Result<Domain, DomainError> {
    let malformed = || DomainError::MissingOperands {
        repr: py_repr(whole),
    };
    // Right to left, with a stack: each operator takes the terms that follow it.
    let mut stack: Vec<Domain> = Vec::new();
    for item in items.iter().rev() {
        match item {
            Value::String(op) if op == "&" || op == "|" => {
                let first = stack.pop().ok_or_else(malformed)?;
                let second = stack.pop().ok_or_else(malformed)?;
                stack.push(if op == "&" {
                    first.and(second)
                } else {
                    first.or(second)
                });
            }
            Value::String(op) if op == "!" => {
                let operand = stack.pop().ok_or_else(malformed)?;
                stack.push(!operand);
            }
            Value::Array(parts) => stack.push(parse_leaf(parts, item)?),
            other => {
                return Err(DomainError::InvalidItem {
                    repr: py_repr(other),
                });
            }
        }
    }
    // What remains are consecutive terms: implicit `&`, in source order.
    Ok(Domain::and_all(stack.into_iter().rev()))
}

fn is_number(value: &Value, n: f64) -> bool {
    match value {
        Value::Number(x) => x.as_f64() == Some(n),
        Value::Bool(b) => f64::from(u8::from(*b)) == n,
        _ => false,
    }
}

fn parse_leaf(parts: &[Value], item: &Value) -> Result<Domain, DomainError> {
    let [field, operator, value] = parts else {
        return Err(DomainError::LeafArity {
            repr: py_repr(item),
            len: parts.len(),
        });
    };
    if operator.as_str() == Some("=") && is_number(value, 1.0) {
        if is_number(field, 1.0) {
            return Ok(Domain::True);
        }
        if is_number(field, 0.0) {
            return Ok(Domain::False);
        }
    }
    let repr = || LeafRepr::new(field.clone(), operator.clone(), value.clone());
    let path = match field {
        Value::String(s) if !s.is_empty() => s,
        _ => return Err(DomainError::InvalidFieldName { leaf: repr() }),
    };
    let op = operator
        .as_str()
        .and_then(Operator::parse)
        .ok_or_else(|| DomainError::InvalidOperator { leaf: repr() })?;
    if matches!(op, Operator::Any | Operator::NotAny) {
        // Report a malformed sub-domain now; it is parsed again when compiled.
        any_subdomain(value)?;
    }
    Ok(Domain::Leaf(Leaf {
        path: path.split('.').map(str::to_string).collect(),
        operator: op,
        value: value.clone(),
    }))
}

/// The sub-domain of an `any`/`not any` leaf.
fn any_subdomain(value: &Value) -> Result<Domain, DomainError> {
    match value {
        Value::Array(_) => parse(value),
        Value::Null | Value::Bool(false) => Ok(Domain::False),
        Value::Bool(true) => Ok(Domain::True),
        other => Err(DomainError::NotAList {
            repr: py_repr(other),
            py_type: py_type(other),
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// What the engine needs to know about models and records
// ---------------------------------------------------------------------------------------------

/// The type of a field, as far as domains and sorting are concerned. Relational kinds name their
/// comodel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind<'a> {
    /// `char`.
    Char,
    /// `text`.
    Text,
    /// `html`.
    Html,
    /// `selection` (its stored key).
    Selection,
    /// `integer`.
    Integer,
    /// `float`.
    Float,
    /// `monetary`.
    Monetary,
    /// `boolean`.
    Boolean,
    /// `date`, stored as `YYYY-MM-DD`.
    Date,
    /// `datetime`, stored as UTC `YYYY-MM-DD HH:MM:SS`.
    Datetime,
    /// `binary` (base64 text).
    Binary,
    /// `many2one`: the value is an id or null.
    Many2one {
        /// The related model.
        comodel: &'a str,
    },
    /// `one2many`: the value is a list of ids.
    One2many {
        /// The related model.
        comodel: &'a str,
    },
    /// `many2many`: the value is a list of ids.
    Many2many {
        /// The related model.
        comodel: &'a str,
    },
}

impl<'a> FieldKind<'a> {
    /// The related model of a relational field.
    pub fn comodel(&self) -> Option<&'a str> {
        match *self {
            Self::Many2one { comodel }
            | Self::One2many { comodel }
            | Self::Many2many { comodel } => Some(comodel),
            _ => None,
        }
    }

    /// Whether the field is one2many or many2many.
    pub fn is_x2many(&self) -> bool {
        matches!(self, Self::One2many { .. } | Self::Many2many { .. })
    }
}

/// The fields of the models: enough to validate domains and `order` clauses.
///
/// `id` and `display_name` exist on every model; the engine knows them and an implementation need
/// not list them (if it does, the engine still reads `id` from the record id and `display_name`
/// from [`Records::display_name`]).
pub trait Schema {
    /// The kind of `model`'s field `field`, or `None` when the model has no such field.
    fn field_kind(&self, model: &str, field: &str) -> Option<FieldKind<'_>>;

    /// Whether the field has a column (can be sorted on). Default: every field does.
    fn is_stored(&self, _model: &str, _field: &str) -> bool {
        true
    }

    /// The many2one to the model itself that builds its hierarchy (Odoo's `_parent_name`), for
    /// `child_of` and `parent_of`. Default: `parent_id`.
    fn parent_field(&self, _model: &str) -> &str {
        "parent_id"
    }
}

/// Read access to the records, for evaluation and sorting.
///
/// Values follow one convention: text-like fields hold a string (or `null`/`false` when empty),
/// numbers a number, booleans a bool, dates and datetimes their server-format string, many2one an
/// id (or `null`; a read-style `[id, name]` pair is also understood), x2many a list of ids.
pub trait Records: Schema {
    /// The ids of every record of `model` that searches may see (an emulator applying
    /// `active_test` to sub-searches would leave archived records out here).
    fn ids(&self, model: &str) -> Vec<i64>;

    /// The value of `field` on record `id`; `None` when unset or when the record does not exist.
    /// Return `Cow::Borrowed` where possible: simple leaves then evaluate without allocating.
    fn value(&self, model: &str, id: i64, field: &str) -> Option<Cow<'_, Value>>;

    /// The record's display name (used for many2one/x2many conditions with string values, for the
    /// `display_name` field, and to sort on many2one fields).
    fn display_name(&self, model: &str, id: i64) -> Option<Cow<'_, str>>;

    /// A model-specific name search (Odoo's `_search_display_name`: products also match their
    /// internal reference, for instance): the ids of `model` whose display name satisfies
    /// `operator` (a positive operator: `=`, `in`, `like`, `ilike`, `=like`, `=ilike`, `<`, ...)
    /// with `value`. `None` (the default) lets the engine compare [`Records::display_name`].
    fn search_display_name(
        &self,
        _model: &str,
        _operator: Operator,
        _value: &Value,
    ) -> Option<Vec<i64>> {
        None
    }
}

/// A schema with no records: validation runs the compiler without resolving sub-searches.
struct SchemaOnly<'a, S: Schema + ?Sized>(&'a S);

impl<S: Schema + ?Sized> Schema for SchemaOnly<'_, S> {
    fn field_kind(&self, model: &str, field: &str) -> Option<FieldKind<'_>> {
        self.0.field_kind(model, field)
    }

    fn is_stored(&self, model: &str, field: &str) -> bool {
        self.0.is_stored(model, field)
    }

    fn parent_field(&self, model: &str) -> &str {
        self.0.parent_field(model)
    }
}

impl<S: Schema + ?Sized> Records for SchemaOnly<'_, S> {
    fn ids(&self, _model: &str) -> Vec<i64> {
        Vec::new()
    }

    fn value(&self, _model: &str, _id: i64, _field: &str) -> Option<Cow<'_, Value>> {
        None
    }

    fn display_name(&self, _model: &str, _id: i64) -> Option<Cow<'_, str>> {
        None
    }

    fn search_display_name(
        &self,
        _model: &str,
        _operator: Operator,
        _value: &Value,
    ) -> Option<Vec<i64>> {
        Some(Vec::new())
    }
}

// ---------------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------------

/// Checks a domain against `model`'s fields: unknown fields (also along dotted paths and inside
/// `any`), relational operators on plain fields, values of the wrong type.
pub fn validate<S: Schema + ?Sized>(
    domain: &Domain,
    model: &str,
    schema: &S,
) -> Result<(), DomainError> {
    let data = SchemaOnly(schema);
    Compiler { data: &data }.domain(domain, model).map(drop)
}

/// Whether record `id` of `model` matches. This compiles the domain each time: to test many
/// records, compile a [`Matcher`] once.
pub fn matches<R: Records + ?Sized>(
    domain: &Domain,
    model: &str,
    id: i64,
    data: &R,
) -> Result<bool, DomainError> {
    Ok(Matcher::compile(domain, model, data)?.matches(data, id))
}

/// A domain compiled for one model against the data: validated, its values converted to the field
/// types, its sub-searches resolved to id sets. Compile once per query; a matcher reflects the
/// related records as they were when it was compiled.
#[derive(Debug)]
pub struct Matcher {
    model: String,
    root: Node,
}

impl Matcher {
    /// Validates and compiles `domain` for `model`.
    pub fn compile<R: Records + ?Sized>(
        domain: &Domain,
        model: &str,
        data: &R,
    ) -> Result<Self, DomainError> {
        let root = Compiler { data }.domain(domain, model)?.simplify();
        Ok(Self {
            model: model.to_string(),
            root,
        })
    }

    /// The model this matcher was compiled for.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// Whether record `id` matches.
    pub fn matches<R: Records + ?Sized>(&self, data: &R, id: i64) -> bool {
        self.root.eval(data, &self.model, id)
    }

    /// The ids that match, in the given order.
    pub fn filter<R: Records + ?Sized>(
        &self,
        data: &R,
        ids: impl IntoIterator<Item = i64>,
    ) -> Vec<i64> {
        ids.into_iter()
            .filter(|&id| self.matches(data, id))
            .collect()
    }

    /// Every record of the model that matches, in [`Records::ids`] order.
    pub fn search<R: Records + ?Sized>(&self, data: &R) -> Vec<i64> {
        self.filter(data, data.ids(&self.model))
    }

    /// Whether the domain was reduced to a constant (e.g. `in []`, `=?` with no value).
    pub fn constant(&self) -> Option<bool> {
        match self.root {
            Node::Const(b) => Some(b),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Compiled form
// ---------------------------------------------------------------------------------------------

/// How a field's value is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    Date,
    Datetime,
    Num,
    Bool,
    M2o,
    X2m,
}

/// Where a field's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Stored,
    Id,
    DisplayName,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn of(op: Operator) -> Self {
        match op {
            Operator::Lt => Self::Lt,
            Operator::Le => Self::Le,
            Operator::Gt => Self::Gt,
            Operator::Ge => Self::Ge,
            _ => Self::Eq,
        }
    }

    fn test(self, ord: Option<Ordering>) -> bool {
        match (self, ord) {
            (_, None) => false,
            (Self::Eq, Some(o)) => o == Ordering::Equal,
            (Self::Lt, Some(o)) => o == Ordering::Less,
            (Self::Le, Some(o)) => o != Ordering::Greater,
            (Self::Gt, Some(o)) => o == Ordering::Greater,
            (Self::Ge, Some(o)) => o != Ordering::Less,
        }
    }
}

/// A set of ids: a small vector or a hash set.
#[derive(Clone, Debug)]
enum IdSet {
    Small(Vec<i64>),
    Big(HashSet<i64>),
}

impl IdSet {
    fn contains(&self, id: i64) -> bool {
        match self {
            Self::Small(v) => v.contains(&id),
            Self::Big(s) => s.contains(&id),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Self::Small(v) => v.is_empty(),
            Self::Big(s) => s.is_empty(),
        }
    }
}

impl FromIterator<i64> for IdSet {
    fn from_iter<I: IntoIterator<Item = i64>>(iter: I) -> Self {
        let mut v: Vec<i64> = iter.into_iter().collect();
        if v.len() <= 16 {
            v.sort_unstable();
            v.dedup();
            Self::Small(v)
        } else {
            Self::Big(v.into_iter().collect())
        }
    }
}

/// A test on one value.
#[derive(Debug)]
enum Test {
    /// The value is empty for its kind.
    Unset(Kind),
    /// Numeric comparison (an empty number is 0).
    Num {
        op: Cmp,
        rhs: f64,
    },
    /// Number among these (0 stands for "empty").
    NumIn(Vec<f64>),
    /// Boolean equality (an empty boolean is false).
    Bool(bool),
    /// Text comparison; an empty (NULL) value never matches.
    Text {
        op: Cmp,
        rhs: Box<str>,
    },
    /// Text among these, or empty when `unset`.
    TextIn {
        set: HashSet<Box<str>>,
        unset: bool,
    },
    Date {
        op: Cmp,
        rhs: [u8; 10],
    },
    DateIn {
        set: Vec<[u8; 10]>,
        unset: bool,
    },
    Datetime {
        op: Cmp,
        rhs: [u8; 19],
    },
    DatetimeIn {
        set: Vec<[u8; 19]>,
        unset: bool,
    },
    /// SQL `LIKE` on the value's text; an empty value never matches.
    Like {
        pattern: LikePattern,
        kind: Kind,
    },
    /// many2one in `set` (x2many: any related id in `set`), or empty when `unset`.
    Rel {
        set: IdSet,
        unset: bool,
        many: bool,
    },
    /// Comparison of the related id(s) (x2many: any of them).
    RelCmp {
        op: Cmp,
        rhs: i64,
        many: bool,
    },
}

#[derive(Debug)]
enum Node {
    Const(bool),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// The record's own id is in the set.
    IdIn(IdSet),
    Field {
        name: Box<str>,
        source: Source,
        test: Test,
    },
}

impl Node {
    fn field(name: &str, source: Source, test: Test) -> Self {
        Self::Field {
            name: name.into(),
            source,
            test,
        }
    }

    fn eval<R: Records + ?Sized>(&self, data: &R, model: &str, id: i64) -> bool {
        match self {
            Node::Const(b) => *b,
            Node::And(children) => children.iter().all(|n| n.eval(data, model, id)),
            Node::Or(children) => children.iter().any(|n| n.eval(data, model, id)),
            Node::Not(child) => !child.eval(data, model, id),
            Node::IdIn(set) => set.contains(id),
            Node::Field { name, source, test } => match source {
                Source::Stored => {
                    let value = data.value(model, id, name);
                    test.eval(value.as_deref().map_or(Val::Null, Val::Json))
                }
                Source::Id => test.eval(Val::Int(id)),
                Source::DisplayName => {
                    let value = data.display_name(model, id);
                    test.eval(value.as_deref().map_or(Val::Null, Val::Str))
                }
            },
        }
    }

    /// Rough evaluation cost, to test cheap members of `&`/`|` first.
    fn cost(&self) -> u32 {
        match self {
            Node::Const(_) => 0,
            Node::IdIn(_) => 1,
            Node::Field { source, test, .. } => {
                let base = match source {
                    Source::Id => 1,
                    Source::Stored => 3,
                    Source::DisplayName => 20,
                };
                base + u32::from(matches!(test, Test::Like { .. }))
            }
            Node::Not(child) => child.cost(),
            Node::And(children) | Node::Or(children) => children.iter().map(Node::cost).sum(),
        }
    }

    /// Folds constants, flattens nested `&`/`|`, removes double negations and orders the members
    /// of `&`/`|` by cost (evaluation has no side effects, so order does not matter).
    fn simplify(self) -> Node {
        match self {
            Node::And(children) => Self::simplify_nary(children, true),
            Node::Or(children) => Self::simplify_nary(children, false),
            Node::Not(child) => match child.simplify() {
                Node::Const(b) => Node::Const(!b),
                Node::Not(inner) => *inner,
                other => Node::Not(Box::new(other)),
            },
            other => other,
        }
    }

    fn simplify_nary(children: Vec<Node>, is_and: bool) -> Node {
        let mut out = Vec::with_capacity(children.len());
        for child in children {
            match child.simplify() {
                Node::Const(b) if b == is_and => {}
                Node::Const(b) => return Node::Const(b),
                Node::And(inner) if is_and => out.extend(inner),
                Node::Or(inner) if !is_and => out.extend(inner),
                other => out.push(other),
            }
        }
        if out.len() <= 1 {
            return out.pop().unwrap_or(Node::Const(is_and));
        }
        out.sort_by_key(Node::cost);
        if is_and {
            Node::And(out)
        } else {
            Node::Or(out)
        }
    }
}

/// A value read from a record.
#[derive(Clone, Copy, Debug)]
enum Val<'a> {
    Null,
    Json(&'a Value),
    Str(&'a str),
    Int(i64),
}

impl<'a> Val<'a> {
    fn as_str(self) -> Option<&'a str> {
        match self {
            Val::Json(Value::String(s)) => Some(s),
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    fn truthy(self) -> bool {
        match self {
            Val::Null => false,
            Val::Json(v) => py_truthy(v),
            Val::Str(s) => !s.is_empty(),
            Val::Int(i) => i != 0,
        }
    }

    /// The numeric value; empty is 0 (as Odoo stores it).
    fn num(self) -> f64 {
        match self {
            Val::Null => 0.0,
            Val::Int(i) => i as f64,
            Val::Str(s) => s.trim().parse().unwrap_or(0.0),
            Val::Json(v) => match v {
                Value::Number(n) => n.as_f64().unwrap_or(0.0),
                Value::Bool(b) => f64::from(u8::from(*b)),
                Value::String(s) => s.trim().parse().unwrap_or(0.0),
                _ => 0.0,
            },
        }
    }

    fn is_unset(self, kind: Kind) -> bool {
        match kind {
            Kind::Text | Kind::Date | Kind::Datetime => match self {
                Val::Null => true,
                Val::Str(s) => s.is_empty(),
                Val::Int(_) => false,
                Val::Json(v) => match v {
                    Value::Null | Value::Bool(false) => true,
                    Value::String(s) => s.is_empty(),
                    Value::Array(a) => a.is_empty(),
                    _ => false,
                },
            },
            Kind::Num => self.num() == 0.0,
            Kind::Bool => !self.truthy(),
            Kind::M2o => self.m2o().is_none(),
            Kind::X2m => self.x2m().is_empty(),
        }
    }

    fn m2o(self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(i),
            Val::Json(Value::Number(n)) => n.as_i64().filter(|&i| i != 0),
            Val::Json(Value::Array(a)) => a.first().and_then(Value::as_i64),
            _ => None,
        }
    }

    fn x2m(self) -> &'a [Value] {
        match self {
            Val::Json(Value::Array(a)) => a,
            _ => &[],
        }
    }

    /// The value as text, the way PostgreSQL casts it (for `like` and text comparisons): `None`
    /// for NULL (an empty number reads `0`); an empty string is a value.
    fn text(self, kind: Kind) -> Option<Cow<'a, str>> {
        let null = || (kind == Kind::Num).then_some(Cow::Borrowed("0"));
        match self {
            Val::Null => null(),
            Val::Str(s) => Some(Cow::Borrowed(s)),
            Val::Int(i) => Some(Cow::Owned(i.to_string())),
            Val::Json(v) => match v {
                Value::String(s) => Some(Cow::Borrowed(s.as_str())),
                Value::Number(n) => Some(Cow::Owned(match n.as_i64() {
                    Some(i) => i.to_string(),
                    None => n.as_f64().unwrap_or(0.0).to_string(),
                })),
                Value::Bool(false) if !matches!(kind, Kind::Bool | Kind::Num) => None,
                Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
                _ => null(),
            },
        }
    }
}

fn rel_id(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::Array(a) => a.first().and_then(Value::as_i64),
        _ => None,
    }
}

impl Test {
    fn eval(&self, v: Val<'_>) -> bool {
        match self {
            Test::Unset(kind) => v.is_unset(*kind),
            Test::Num { op, rhs } => op.test(v.num().partial_cmp(rhs)),
            Test::NumIn(set) => {
                let n = v.num();
                set.contains(&n)
            }
            Test::Bool(want) => v.truthy() == *want,
            Test::Text { op, rhs } => v
                .text(Kind::Text)
                .is_some_and(|s| op.test(Some((*s).cmp(&**rhs)))),
            Test::TextIn { set, unset } => {
                if v.is_unset(Kind::Text) {
                    *unset
                } else {
                    v.text(Kind::Text).is_some_and(|s| set.contains(&*s))
                }
            }
            Test::Date { op, rhs } => stored_date(v).is_some_and(|k| op.test(Some(k.cmp(rhs)))),
            Test::DateIn { set, unset } => match stored_date(v) {
                Some(k) => set.contains(&k),
                None => *unset && v.is_unset(Kind::Date),
            },
            Test::Datetime { op, rhs } => {
                stored_datetime(v).is_some_and(|k| op.test(Some(k.cmp(rhs))))
            }
            Test::DatetimeIn { set, unset } => match stored_datetime(v) {
                Some(k) => set.contains(&k),
                None => *unset && v.is_unset(Kind::Datetime),
            },
            Test::Like { pattern, kind } => v.text(*kind).is_some_and(|s| pattern.matches(&s)),
            Test::Rel { set, unset, many } => {
                if *many {
                    let ids = v.x2m();
                    if ids.is_empty() {
                        *unset
                    } else {
                        ids.iter().filter_map(rel_id).any(|id| set.contains(id))
                    }
                } else {
                    match v.m2o() {
                        Some(id) => set.contains(id),
                        None => *unset,
                    }
                }
            }
            Test::RelCmp { op, rhs, many } => {
                if *many {
                    v.x2m()
                        .iter()
                        .filter_map(rel_id)
                        .any(|id| op.test(Some(id.cmp(rhs))))
                } else {
                    v.m2o().is_some_and(|id| op.test(Some(id.cmp(rhs))))
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// LIKE patterns
// ---------------------------------------------------------------------------------------------

/// A token of a SQL `LIKE` pattern: `%` any run, `_` one character, `\` escapes the next
/// character (a trailing `\` is itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    Lit(char),
    One,
    Many,
}

/// The tokens of `pattern` (runs of `%` collapsed); with `fold`, literals lower-cased as `ilike`
/// folds them (character by character, Unicode).
pub(crate) fn like_tokens(pattern: &str, fold: bool) -> Vec<Tok> {
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

/// Unicode lower-casing as `ilike` folds text: character by character (no context rules such as
/// Greek final sigma).
pub(crate) fn fold(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

#[derive(Clone, Debug)]
enum Fast {
    Any,
    Exact(Box<str>),
    Contains(Box<str>),
    Prefix(Box<str>),
    Suffix(Box<str>),
    General,
}

/// A compiled SQL `LIKE` pattern: `%` any run, `_` one character, `\` escapes.
#[derive(Clone, Debug)]
struct LikePattern {
    toks: Vec<Tok>,
    insensitive: bool,
    fast: Fast,
}

impl LikePattern {
    fn new(pattern: &str, insensitive: bool) -> Self {
        let toks = like_tokens(pattern, insensitive);
        let fast = Self::classify(&toks);
        Self {
            toks,
            insensitive,
            fast,
        }
    }

    fn classify(toks: &[Tok]) -> Fast {
        let literal = |toks: &[Tok]| -> Option<Box<str>> {
            toks.iter()
                .map(|t| match t {
                    Tok::Lit(c) => Some(*c),
                    _ => None,
                })
                .collect::<Option<String>>()
                .map(String::into_boxed_str)
        };
        match toks {
            [Tok::Many] => Fast::Any,
            [Tok::Many, middle @ .., Tok::Many] => {
                literal(middle).map_or(Fast::General, Fast::Contains)
            }
            [Tok::Many, rest @ ..] => literal(rest).map_or(Fast::General, Fast::Suffix),
            [rest @ .., Tok::Many] => literal(rest).map_or(Fast::General, Fast::Prefix),
            all => literal(all).map_or(Fast::General, Fast::Exact),
        }
    }

    fn matches(&self, text: &str) -> bool {
        if !self.insensitive {
            return self.matches_folded(text);
        }
        if text.is_ascii() {
            let hay = text.as_bytes();
            return match &self.fast {
                Fast::Any => true,
                Fast::Exact(n) => hay.eq_ignore_ascii_case(n.as_bytes()),
                Fast::Contains(n) => {
                    let n = n.as_bytes();
                    n.is_empty() || hay.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
                }
                Fast::Prefix(n) => {
                    hay.len() >= n.len() && hay[..n.len()].eq_ignore_ascii_case(n.as_bytes())
                }
                Fast::Suffix(n) => {
                    hay.len() >= n.len()
                        && hay[hay.len() - n.len()..].eq_ignore_ascii_case(n.as_bytes())
                }
                Fast::General => wild_match(&self.toks, hay.len(), |i| {
                    char::from(hay[i].to_ascii_lowercase())
                }),
            };
        }
        self.matches_folded(&fold(text))
    }

    /// Matches text that is already folded as the pattern is.
    fn matches_folded(&self, text: &str) -> bool {
        match &self.fast {
            Fast::Any => true,
            Fast::Exact(n) => text == &**n,
            Fast::Contains(n) => text.contains(&**n),
            Fast::Prefix(n) => text.starts_with(&**n),
            Fast::Suffix(n) => text.ends_with(&**n),
            Fast::General => {
                if text.is_ascii() {
                    let hay = text.as_bytes();
                    wild_match(&self.toks, hay.len(), |i| char::from(hay[i]))
                } else {
                    let chars: Vec<char> = text.chars().collect();
                    wild_match(&self.toks, chars.len(), |i| chars[i])
                }
            }
        }
    }
}

/// Wildcard matching with backtracking on the last `%`.
fn wild_match(pattern: &[Tok], len: usize, at: impl Fn(usize) -> char) -> bool {
    let (mut p, mut s) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while s < len {
        match pattern.get(p) {
            Some(Tok::Many) => {
                star = Some((p, s));
                p += 1;
                continue;
            }
            Some(Tok::One) => {
                p += 1;
                s += 1;
                continue;
            }
            Some(Tok::Lit(c)) if at(s) == *c => {
                p += 1;
                s += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, ss)) => {
                p = sp + 1;
                s = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    pattern[p.min(pattern.len())..]
        .iter()
        .all(|t| *t == Tok::Many)
}

// ---------------------------------------------------------------------------------------------
// Dates and datetimes
// ---------------------------------------------------------------------------------------------

fn looks_like_date(b: &[u8]) -> bool {
    b.len() >= 10 && b[4] == b'-' && b[7] == b'-'
}

/// The `YYYY-MM-DD` key of a stored date (or datetime) value, without allocating.
fn stored_date(v: Val<'_>) -> Option<[u8; 10]> {
    let s = v.as_str()?;
    let b = s.as_bytes();
    if looks_like_date(b) {
        let mut k = [0u8; 10];
        k.copy_from_slice(&b[..10]);
        return Some(k);
    }
    parse_stamp(s)?.date_key()
}

/// The `YYYY-MM-DD HH:MM:SS` key of a stored datetime value, without allocating.
fn stored_datetime(v: Val<'_>) -> Option<[u8; 19]> {
    let s = v.as_str()?;
    let b = s.as_bytes();
    if looks_like_date(b) {
        if b.len() == 10 {
            let mut k = *b"0000-00-00 00:00:00";
            k[..10].copy_from_slice(b);
            return Some(k);
        }
        let plain_tail = b.len() == 19
            || (b.len() > 20 && b[19] == b'.' && b[20..].iter().all(u8::is_ascii_digit));
        if plain_tail && (b[10] == b' ' || b[10] == b'T') && b[13] == b':' && b[16] == b':' {
            let mut k = [0u8; 19];
            k.copy_from_slice(&b[..19]);
            k[10] = b' ';
            return Some(k);
        }
    }
    parse_stamp(s)?.datetime_key()
}

// ---------------------------------------------------------------------------------------------
// Compiler
// ---------------------------------------------------------------------------------------------

/// A field as the compiler sees it.
#[derive(Clone, Copy)]
enum Resolved<'a> {
    Id,
    DisplayName,
    Field(FieldKind<'a>),
}

impl<'a> Resolved<'a> {
    fn kind(self) -> Kind {
        match self {
            Resolved::Id => Kind::Num,
            Resolved::DisplayName => Kind::Text,
            Resolved::Field(k) => match k {
                FieldKind::Char
                | FieldKind::Text
                | FieldKind::Html
                | FieldKind::Selection
                | FieldKind::Binary => Kind::Text,
                FieldKind::Integer | FieldKind::Float | FieldKind::Monetary => Kind::Num,
                FieldKind::Boolean => Kind::Bool,
                FieldKind::Date => Kind::Date,
                FieldKind::Datetime => Kind::Datetime,
                FieldKind::Many2one { .. } => Kind::M2o,
                FieldKind::One2many { .. } | FieldKind::Many2many { .. } => Kind::X2m,
            },
        }
    }

    fn source(self) -> Source {
        match self {
            Resolved::Id => Source::Id,
            Resolved::DisplayName => Source::DisplayName,
            Resolved::Field(_) => Source::Stored,
        }
    }

    fn comodel(self) -> Option<&'a str> {
        match self {
            Resolved::Field(k) => k.comodel(),
            _ => None,
        }
    }

    fn integer(self) -> bool {
        matches!(self, Resolved::Id | Resolved::Field(FieldKind::Integer))
    }
}

/// A compiled condition before it is attached to its field.
enum Cond {
    Const(bool),
    Test(Test),
    /// The negation of a test (`like ''` on a relational field: "is set").
    NotTest(Test),
}

struct Compiler<'d, R: Records + ?Sized> {
    data: &'d R,
}

/// Builds an "invalid value" error.
fn bad_value(leaf: &LeafRepr, message: impl Into<String>, type_error: bool) -> DomainError {
    DomainError::InvalidValue {
        leaf: leaf.clone(),
        message: message.into(),
        type_error,
    }
}

impl<'d, R: Records + ?Sized> Compiler<'d, R> {
    fn domain(&self, domain: &Domain, model: &str) -> Result<Node, DomainError> {
        Ok(match domain {
            Domain::True => Node::Const(true),
            Domain::False => Node::Const(false),
            Domain::And(children) => Node::And(
                children
                    .iter()
                    .map(|d| self.domain(d, model))
                    .collect::<Result<_, _>>()?,
            ),
            Domain::Or(children) => Node::Or(
                children
                    .iter()
                    .map(|d| self.domain(d, model))
                    .collect::<Result<_, _>>()?,
            ),
            Domain::Not(child) => Node::Not(Box::new(self.domain(child, model)?)),
            Domain::Leaf(leaf) => self.leaf(leaf, 0, model)?,
        })
    }

    fn resolve(&self, model: &str, name: &str) -> Option<Resolved<'d>> {
        match name {
            "id" => Some(Resolved::Id),
            "display_name" => Some(Resolved::DisplayName),
            _ => self.data.field_kind(model, name).map(Resolved::Field),
        }
    }

    /// The ids of `model` matching a compiled node.
    fn search(&self, model: &str, node: &Node) -> IdSet {
        match node {
            Node::Const(false) => IdSet::Small(Vec::new()),
            node => self
                .data
                .ids(model)
                .into_iter()
                .filter(|&id| node.eval(self.data, model, id))
                .collect(),
        }
    }

    fn leaf(&self, leaf: &Leaf, depth: usize, model: &str) -> Result<Node, DomainError> {
        let path = &leaf.path[depth.min(leaf.path.len())..];
        let Some(name) = path.first().map(String::as_str) else {
            return Err(DomainError::InvalidFieldName {
                leaf: LeafRepr::of("", leaf.operator, &leaf.value),
            });
        };
        let repr = LeafRepr::of(&path.join("."), leaf.operator, &leaf.value);
        let Some(field) = self.resolve(model, name) else {
            return Err(DomainError::UnknownField {
                model: model.to_string(),
                field: name.to_string(),
                leaf: repr,
            });
        };
        if path.len() > 1 {
            // `a.b.c op v` is `a any [(b.c op v)]`.
            let Some(comodel) = field.comodel() else {
                return Err(DomainError::InvalidPath {
                    model: model.to_string(),
                    field: name.to_string(),
                    leaf: repr,
                });
            };
            let sub = self.leaf(leaf, depth + 1, comodel)?.simplify();
            let set = self.search(comodel, &sub);
            return Ok(Node::field(
                name,
                Source::Stored,
                Test::Rel {
                    set,
                    unset: false,
                    many: field.kind() == Kind::X2m,
                },
            ));
        }
        let (op, value) = (leaf.operator, &leaf.value);
        match op {
            Operator::Any | Operator::NotAny => self.any(field, name, model, op, value, &repr),
            Operator::ChildOf | Operator::ParentOf => {
                self.hierarchy(field, name, model, op, value, &repr)
            }
            Operator::EqOrUnset if !py_truthy(value) => Ok(Node::Const(true)),
            _ => {
                let positive = if op == Operator::EqOrUnset {
                    Operator::Eq
                } else {
                    op.positive()
                };
                let cond = self.condition(field, positive, value, &repr)?;
                let node = match cond {
                    Cond::Const(b) => Node::Const(b),
                    Cond::Test(t) => Node::field(name, field.source(), t),
                    Cond::NotTest(t) => Node::Not(Box::new(Node::field(name, field.source(), t))),
                };
                Ok(if op.is_negative() {
                    Node::Not(Box::new(node))
                } else {
                    node
                })
            }
        }
    }

    fn any(
        &self,
        field: Resolved<'d>,
        name: &str,
        model: &str,
        op: Operator,
        value: &Value,
        repr: &LeafRepr,
    ) -> Result<Node, DomainError> {
        let comodel = match field {
            Resolved::Id => model,
            Resolved::Field(k) if k.comodel().is_some() => k.comodel().unwrap_or(model),
            _ => {
                return Err(DomainError::NotRelational {
                    model: model.to_string(),
                    field: name.to_string(),
                    operator: op,
                    leaf: repr.clone(),
                });
            }
        };
        let sub = self.domain(&any_subdomain(value)?, comodel)?.simplify();
        let node = if matches!(field, Resolved::Id) {
            sub
        } else {
            let set = self.search(comodel, &sub);
            Node::field(
                name,
                Source::Stored,
                Test::Rel {
                    set,
                    unset: false,
                    many: field.kind() == Kind::X2m,
                },
            )
        };
        Ok(if op == Operator::NotAny {
            Node::Not(Box::new(node))
        } else {
            node
        })
    }

    fn hierarchy(
        &self,
        field: Resolved<'d>,
        name: &str,
        model: &str,
        op: Operator,
        value: &Value,
        repr: &LeafRepr,
    ) -> Result<Node, DomainError> {
        // (model holding the hierarchy, its parent field, whether the result applies to `id`)
        let (hmodel, parent, on_id) = match field {
            Resolved::Id => (model, self.data.parent_field(model), true),
            Resolved::Field(FieldKind::Many2one { comodel }) if comodel == model => {
                (model, name, true)
            }
            Resolved::Field(k) if k.comodel().is_some() => {
                let comodel = k.comodel().unwrap_or(model);
                (comodel, self.data.parent_field(comodel), false)
            }
            _ => {
                return Err(DomainError::NotRelational {
                    model: model.to_string(),
                    field: name.to_string(),
                    operator: op,
                    leaf: repr.clone(),
                });
            }
        };
        match self.data.field_kind(hmodel, parent) {
            Some(FieldKind::Many2one { comodel }) if comodel == hmodel => {}
            _ => {
                return Err(DomainError::InvalidParent {
                    model: hmodel.to_string(),
                    field: parent.to_string(),
                });
            }
        }
        // The starting records: ids, or names (display name `ilike`).
        let items: &[Value] = match value {
            Value::Array(a) => a,
            v => std::slice::from_ref(v),
        };
        let mut starts = Vec::new();
        for item in items {
            match item {
                Value::Null | Value::Bool(false) => {}
                Value::Number(n) => match n.as_i64() {
                    Some(0) | None => {}
                    Some(id) => starts.push(id),
                },
                Value::String(s) => {
                    let set =
                        self.names(hmodel, Operator::ILike, &Value::from(s.as_str()), repr)?;
                    starts.extend(self.set_ids(hmodel, &set));
                }
                other => {
                    return Err(bad_value(
                        repr,
                        format!(
                            "Value of type <class '{}'> is not supported",
                            py_type(other)
                        ),
                        false,
                    ));
                }
            }
        }
        if starts.is_empty() {
            return Ok(Node::Const(false));
        }
        let set = if op == Operator::ChildOf {
            self.descendants(hmodel, parent, &starts)
        } else {
            self.ancestors(hmodel, parent, &starts)
        };
        Ok(if on_id {
            Node::IdIn(set)
        } else {
            Node::field(
                name,
                Source::Stored,
                Test::Rel {
                    set,
                    unset: false,
                    many: field.kind() == Kind::X2m,
                },
            )
        })
    }

    fn descendants(&self, model: &str, parent: &str, starts: &[i64]) -> IdSet {
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        for id in self.data.ids(model) {
            let value = self.data.value(model, id, parent);
            if let Some(p) = value.as_deref().map_or(Val::Null, Val::Json).m2o() {
                children.entry(p).or_default().push(id);
            }
        }
        let mut seen: HashSet<i64> = HashSet::new();
        let mut stack = starts.to_vec();
        while let Some(id) = stack.pop() {
            if seen.insert(id)
                && let Some(kids) = children.get(&id)
            {
                stack.extend(kids);
            }
        }
        seen.into_iter().collect()
    }

    fn ancestors(&self, model: &str, parent: &str, starts: &[i64]) -> IdSet {
        let mut seen: HashSet<i64> = HashSet::new();
        for &start in starts {
            let mut current = Some(start);
            while let Some(id) = current {
                if !seen.insert(id) {
                    break;
                }
                let value = self.data.value(model, id, parent);
                current = value.as_deref().map_or(Val::Null, Val::Json).m2o();
            }
        }
        seen.into_iter().collect()
    }

    /// The ids of `model` whose display name satisfies a positive `op` with `value`.
    fn names(
        &self,
        model: &str,
        op: Operator,
        value: &Value,
        repr: &LeafRepr,
    ) -> Result<IdSet, DomainError> {
        let cond = self.condition(Resolved::DisplayName, op, value, repr)?;
        if let Some(ids) = self.data.search_display_name(model, op, value) {
            return Ok(ids.into_iter().collect());
        }
        let node = match cond {
            Cond::Const(b) => Node::Const(b),
            Cond::Test(t) => Node::field("display_name", Source::DisplayName, t),
            Cond::NotTest(t) => Node::Not(Box::new(Node::field(
                "display_name",
                Source::DisplayName,
                t,
            ))),
        };
        Ok(self.search(model, &node))
    }

    /// A positive operator (`=`, `in`, `<`..., `like`...) on a field, negation left to the caller.
    fn condition(
        &self,
        field: Resolved<'d>,
        op: Operator,
        value: &Value,
        repr: &LeafRepr,
    ) -> Result<Cond, DomainError> {
        // Odoo's normalizations: `=` with a list is `in`; `in` with a scalar a one-element list,
        // with `false`/`null` a test for "empty".
        let empty_list = Value::Bool(false);
        let (op, value) = match (op, value) {
            (Operator::Eq, Value::Array(a)) if a.is_empty() => (Operator::Eq, &empty_list),
            (Operator::Eq, Value::Array(_)) => (Operator::In, value),
            (Operator::In, Value::Null | Value::Bool(false)) => (Operator::Eq, value),
            _ => (op, value),
        };
        if matches!(value, Value::Object(_)) {
            return Err(bad_value(repr, "can't adapt type 'dict'", false));
        }
        let kind = field.kind();
        if let Some(comodel) = field.comodel() {
            return self.relational(comodel, kind == Kind::X2m, op, value, repr);
        }
        let items: &[Value] = match value {
            Value::Array(a) => a,
            v => std::slice::from_ref(v),
        };
        match op {
            Operator::Eq if !py_truthy(value) && !matches!(value, Value::Number(_)) => {
                // false / null / "" : the field is empty
                Ok(Cond::Test(Test::Unset(kind)))
            }
            Operator::Eq | Operator::In => self.membership(field, items, repr),
            Operator::Gt | Operator::Ge | Operator::Lt | Operator::Le => {
                if matches!(value, Value::Null | Value::Bool(false)) {
                    return Ok(Cond::Const(false));
                }
                if matches!(value, Value::Array(_)) {
                    return Err(bad_value(repr, "can't compare a field with a list", true));
                }
                let cmp = Cmp::of(op);
                Ok(Cond::Test(match kind {
                    Kind::Num | Kind::Bool => Test::Num {
                        op: cmp,
                        rhs: num_arg(value, field.integer(), repr)?,
                    },
                    Kind::Date => Test::Date {
                        op: cmp,
                        rhs: date_arg(value, repr)?,
                    },
                    Kind::Datetime => {
                        let (rhs, fraction) = datetime_arg(value, repr)?;
                        // Stored values have whole seconds: `< 10:00:00.5` is `<= 10:00:00`.
                        let op = match (cmp, fraction) {
                            (Cmp::Lt, true) => Cmp::Le,
                            (Cmp::Ge, true) => Cmp::Gt,
                            (cmp, _) => cmp,
                        };
                        Test::Datetime { op, rhs }
                    }
                    _ => Test::Text {
                        op: cmp,
                        rhs: py_str(value).unwrap_or_default().into(),
                    },
                }))
            }
            Operator::Like | Operator::ILike | Operator::EqLike | Operator::EqILike => {
                let Some(pattern) = like_arg(value, repr)? else {
                    // An empty pattern: `like` matches everything, `=like` only empty values.
                    return Ok(match op {
                        Operator::Like | Operator::ILike => Cond::Const(true),
                        _ => Cond::Test(Test::Unset(kind)),
                    });
                };
                let wrapped = matches!(op, Operator::Like | Operator::ILike);
                let insensitive = matches!(op, Operator::ILike | Operator::EqILike);
                let text = if wrapped {
                    format!("%{pattern}%")
                } else {
                    pattern.into_owned()
                };
                Ok(Cond::Test(Test::Like {
                    pattern: LikePattern::new(&text, insensitive),
                    kind,
                }))
            }
            _ => Err(DomainError::InvalidOperator { leaf: repr.clone() }),
        }
    }

    /// `=` one value / `in` several, on a non-relational field.
    fn membership(
        &self,
        field: Resolved<'d>,
        items: &[Value],
        repr: &LeafRepr,
    ) -> Result<Cond, DomainError> {
        let kind = field.kind();
        if matches!(field, Resolved::Id) {
            let mut ids = Vec::new();
            for item in items {
                if is_empty_arg(item) {
                    continue;
                }
                let n = num_arg(item, true, repr)?;
                ids.push(n as i64);
            }
            return Ok(if ids.is_empty() {
                Cond::Const(false)
            } else {
                Cond::Test(Test::Rel {
                    set: ids.into_iter().collect(),
                    unset: false,
                    many: false,
                })
            });
        }
        let unset = items.iter().any(is_empty_arg);
        let values = items.iter().filter(|v| !is_empty_arg(v));
        Ok(match kind {
            Kind::Num => {
                let mut set = Vec::new();
                if unset {
                    set.push(0.0);
                }
                for v in values {
                    set.push(num_arg(v, field.integer(), repr)?);
                }
                match set.as_slice() {
                    [] => Cond::Const(false),
                    [one] => Cond::Test(Test::Num {
                        op: Cmp::Eq,
                        rhs: *one,
                    }),
                    _ => Cond::Test(Test::NumIn(set)),
                }
            }
            Kind::Bool => {
                let (mut t, mut f) = (false, unset);
                for v in values {
                    if bool_arg(v) {
                        t = true;
                    } else {
                        f = true;
                    }
                }
                match (t, f) {
                    (true, true) => Cond::Const(true),
                    (false, false) => Cond::Const(false),
                    (t, _) => Cond::Test(Test::Bool(t)),
                }
            }
            Kind::Date => {
                let set = values
                    .map(|v| date_arg(v, repr))
                    .collect::<Result<Vec<_>, _>>()?;
                match (set.as_slice(), unset) {
                    ([], false) => Cond::Const(false),
                    ([one], false) => Cond::Test(Test::Date {
                        op: Cmp::Eq,
                        rhs: *one,
                    }),
                    _ => Cond::Test(Test::DateIn { set, unset }),
                }
            }
            Kind::Datetime => {
                // Odoo 19 compares to the whole second.
                let set = values
                    .map(|v| datetime_arg(v, repr).map(|(k, _)| k))
                    .collect::<Result<Vec<_>, _>>()?;
                match (set.as_slice(), unset) {
                    ([], false) => Cond::Const(false),
                    ([one], false) => Cond::Test(Test::Datetime {
                        op: Cmp::Eq,
                        rhs: *one,
                    }),
                    _ => Cond::Test(Test::DatetimeIn { set, unset }),
                }
            }
            _ => {
                let mut set: HashSet<Box<str>> = HashSet::new();
                for v in values {
                    match py_str(v) {
                        Some(s) => {
                            set.insert(s.into());
                        }
                        None => {
                            return Err(bad_value(
                                repr,
                                format!("can't adapt type '{}'", py_type(v)),
                                false,
                            ));
                        }
                    }
                }
                if set.len() == 1 && !unset {
                    let rhs = set.into_iter().next().unwrap_or_default();
                    Cond::Test(Test::Text { op: Cmp::Eq, rhs })
                } else if set.is_empty() && !unset {
                    Cond::Const(false)
                } else {
                    Cond::Test(Test::TextIn { set, unset })
                }
            }
        })
    }

    /// A positive operator on a many2one (`many == false`) or x2many field.
    fn relational(
        &self,
        comodel: &str,
        many: bool,
        op: Operator,
        value: &Value,
        repr: &LeafRepr,
    ) -> Result<Cond, DomainError> {
        let kind = if many { Kind::X2m } else { Kind::M2o };
        let rel = |set: IdSet, unset: bool| {
            if set.is_empty() && !unset {
                Cond::Const(false)
            } else {
                Cond::Test(Test::Rel { set, unset, many })
            }
        };
        match op {
            Operator::Eq | Operator::In => {
                let RelItems {
                    mut ids,
                    names,
                    unset,
                } = rel_items(value).map_err(|m| bad_value(repr, m, false))?;
                let found = match names.as_slice() {
                    [] => None,
                    [one] => Some(self.names(comodel, Operator::Eq, one, repr)?),
                    _ => Some(self.names(comodel, Operator::In, &Value::Array(names), repr)?),
                };
                if let Some(found) = found {
                    ids.extend(self.set_ids(comodel, &found));
                }
                Ok(rel(ids.into_iter().collect(), unset))
            }
            Operator::Gt | Operator::Ge | Operator::Lt | Operator::Le => match value {
                Value::Null | Value::Bool(false) => Ok(Cond::Const(false)),
                Value::String(_) => Ok(rel(self.names(comodel, op, value, repr)?, false)),
                Value::Number(n) => Ok(Cond::Test(Test::RelCmp {
                    op: Cmp::of(op),
                    rhs: n.as_i64().unwrap_or(n.as_f64().unwrap_or(0.0) as i64),
                    many,
                })),
                _ => Err(bad_value(
                    repr,
                    "can't compare a relational field with this value",
                    true,
                )),
            },
            Operator::Like | Operator::ILike | Operator::EqLike | Operator::EqILike => {
                let Some(pattern) = like_arg(value, repr)? else {
                    // `like ''` matches records that have a value; `=like ''` those that have none.
                    return Ok(match op {
                        Operator::Like | Operator::ILike => Cond::NotTest(Test::Unset(kind)),
                        _ => Cond::Test(Test::Unset(kind)),
                    });
                };
                let set = self.names(comodel, op, &Value::from(pattern.as_ref()), repr)?;
                Ok(rel(set, false))
            }
            _ => Err(DomainError::InvalidOperator { leaf: repr.clone() }),
        }
    }

    /// The members of an id set, in the comodel's order.
    fn set_ids(&self, model: &str, set: &IdSet) -> Vec<i64> {
        match set {
            IdSet::Small(v) => v.clone(),
            IdSet::Big(s) if s.len() < 4096 => s.iter().copied().collect(),
            IdSet::Big(s) => self
                .data
                .ids(model)
                .into_iter()
                .filter(|id| s.contains(id))
                .collect(),
        }
    }
}

/// The members of a relational `=`/`in` value: ids (`true` is 1, floats truncated), names (for a
/// name search) and whether "no value" is among them.
pub(crate) struct RelItems {
    pub ids: Vec<i64>,
    pub names: Vec<Value>,
    pub unset: bool,
}

/// Splits a relational `=`/`in` value into [`RelItems`]; the error is Python's words.
pub(crate) fn rel_items(value: &Value) -> Result<RelItems, String> {
    let items: &[Value] = match value {
        Value::Array(a) => a,
        v => std::slice::from_ref(v),
    };
    let mut out = RelItems {
        ids: Vec::new(),
        names: Vec::new(),
        unset: false,
    };
    for item in items {
        match item {
            Value::Null | Value::Bool(false) => out.unset = true,
            Value::Bool(true) => out.ids.push(1),
            Value::Number(n) => out
                .ids
                .push(n.as_i64().unwrap_or(n.as_f64().unwrap_or(0.0) as i64)),
            Value::String(_) => out.names.push(item.clone()),
            other => return Err(format!("can't adapt type '{}'", py_type(other))),
        }
    }
    Ok(out)
}

/// `false`, `null` and `""`: the members of an `in` list that stand for "no value".
pub(crate) fn is_empty_arg(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// A number for an integer (`integer`: truncated) or float field, as Odoo converts it; the
/// error is Python's words.
pub(crate) fn num_value(value: &Value, integer: bool) -> Result<f64, String> {
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

/// [`num_value`] as a domain error of the leaf.
fn num_arg(value: &Value, integer: bool, repr: &LeafRepr) -> Result<f64, DomainError> {
    num_value(value, integer).map_err(|m| bad_value(repr, m, false))
}

/// Odoo's `str2bool` for strings, Python truth otherwise.
pub(crate) fn bool_arg(value: &Value) -> bool {
    match value {
        Value::String(s) => matches!(
            s.trim().to_lowercase().as_str(),
            "y" | "yes" | "1" | "true" | "t" | "on"
        ),
        other => py_truthy(other),
    }
}

fn date_arg(value: &Value, repr: &LeafRepr) -> Result<[u8; 10], DomainError> {
    match value {
        Value::String(s) => parse_stamp(s).and_then(|st| st.date_key()),
        _ => None,
    }
    .ok_or_else(|| {
        bad_value(
            repr,
            format!("Failed to cast {} into a date", py_repr(value)),
            false,
        )
    })
}

/// The key of a datetime value, and whether it had a fraction of a second.
fn datetime_arg(value: &Value, repr: &LeafRepr) -> Result<([u8; 19], bool), DomainError> {
    match value {
        Value::String(s) => {
            parse_stamp(s).and_then(|st| st.datetime_key().map(|k| (k, st.fraction)))
        }
        _ => None,
    }
    .ok_or_else(|| {
        bad_value(
            repr,
            format!("Failed to cast {} into a datetime", py_repr(value)),
            false,
        )
    })
}

/// The text of a `like` pattern, `None` when empty; `Err` (Odoo's words, a `TypeError`) for a
/// list or an object.
pub(crate) fn like_value(value: &Value) -> Result<Option<Cow<'_, str>>, &'static str> {
    match value {
        Value::Null | Value::Bool(false) => Ok(None),
        Value::Array(_) | Value::Object(_) => Err("The pattern to match must be a string"),
        v => Ok(py_str(v).filter(|s| !s.is_empty())),
    }
}

/// [`like_value`] as a domain error of the leaf.
fn like_arg<'v>(value: &'v Value, repr: &LeafRepr) -> Result<Option<Cow<'v, str>>, DomainError> {
    like_value(value).map_err(|m| bad_value(repr, m, true))
}

// ---------------------------------------------------------------------------------------------
// `order`
// ---------------------------------------------------------------------------------------------

/// One term of an `order` clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderTerm {
    /// The field (as written: `name`, or `partner_id.id` to sort a many2one by its raw id).
    pub field: String,
    /// `desc`.
    pub descending: bool,
    /// `NULLS FIRST` (`Some(true)`) / `NULLS LAST` (`Some(false)`); `None` is PostgreSQL's default:
    /// NULLs last ascending, first descending.
    pub nulls_first: Option<bool>,
}

impl OrderTerm {
    /// An ascending term.
    pub fn asc(field: &str) -> Self {
        Self {
            field: field.to_string(),
            descending: false,
            nulls_first: None,
        }
    }

    /// A descending term.
    pub fn desc(field: &str) -> Self {
        Self {
            field: field.to_string(),
            descending: true,
            nulls_first: None,
        }
    }

    fn nulls_first(&self) -> bool {
        self.nulls_first.unwrap_or(self.descending)
    }
}

impl fmt::Display for OrderTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.field,
            if self.descending { "desc" } else { "asc" }
        )?;
        match self.nulls_first {
            Some(true) => f.write_str(" nulls first"),
            Some(false) => f.write_str(" nulls last"),
            None => Ok(()),
        }
    }
}

/// A parsed `order` clause. Empty means "the model's default order".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderBy(pub Vec<OrderTerm>);

impl OrderBy {
    /// Whether there is no term.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds `id asc` at the end unless the clause already sorts on `id` (a stable order for
    /// pagination).
    pub fn with_id_tiebreak(mut self) -> Self {
        if !self.0.iter().any(|t| t.field == "id") {
            self.0.push(OrderTerm::asc("id"));
        }
        self
    }
}

impl fmt::Display for OrderBy {
    /// `write_date asc, id desc`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, term) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{term}")?;
        }
        Ok(())
    }
}

/// Parses an `order` clause with Odoo's grammar: comma-separated `field[.sub][:func] [asc|desc]
/// [nulls first|nulls last]`, case-insensitive. `""` is the empty clause (the model's default);
/// anything else that does not fit is Odoo's `UserError` "Invalid "order" specified (...)".
pub fn parse_order(order: &str) -> Result<OrderBy, DomainError> {
    if order.is_empty() {
        return Ok(OrderBy::default());
    }
    let invalid = || DomainError::InvalidOrder {
        order: order.to_string(),
    };
    order
        .split(',')
        .map(|part| parse_order_term(part).ok_or_else(invalid))
        .collect::<Result<Vec<_>, _>>()
        .map(OrderBy)
}

fn parse_order_term(part: &str) -> Option<OrderTerm> {
    // Tokens with the whitespace that precedes them.
    let mut tokens: Vec<(&str, &str)> = Vec::new();
    let mut rest = part;
    loop {
        let trimmed = rest.trim_start();
        if trimmed.is_empty() {
            break;
        }
        let gap = &rest[..rest.len() - trimmed.len()];
        let end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        tokens.push((gap, &trimmed[..end]));
        rest = &trimmed[end..];
    }
    let mut tokens = tokens.into_iter();
    let (_, term) = tokens.next()?;
    if !valid_order_expr(term) {
        return None;
    }
    let mut result = OrderTerm::asc(term);
    let mut next = tokens.next();
    if let Some((_, word)) = next
        && (word.eq_ignore_ascii_case("asc") || word.eq_ignore_ascii_case("desc"))
    {
        result.descending = word.eq_ignore_ascii_case("desc");
        next = tokens.next();
    }
    if let Some((_, word)) = next {
        if !word.eq_ignore_ascii_case("nulls") {
            return None;
        }
        let (gap, which) = tokens.next()?;
        if gap != " " {
            return None;
        }
        result.nulls_first = if which.eq_ignore_ascii_case("first") {
            Some(true)
        } else if which.eq_ignore_ascii_case("last") {
            Some(false)
        } else {
            return None;
        };
    }
    tokens.next().is_none().then_some(result)
}

/// `field[.property][:func]` with Odoo's character classes.
fn valid_order_expr(term: &str) -> bool {
    let ident =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let (head, func) = match term.split_once(':') {
        Some((head, func)) => (head, Some(func)),
        None => (term, None),
    };
    if func
        .is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_'))
    {
        return false;
    }
    match head.split_once('.') {
        Some((field, property)) => ident(field) && ident(property),
        None => ident(head),
    }
}

/// How a term sorts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SortKind<'a> {
    Id,
    Num,
    Bool,
    Text,
    Date,
    Datetime,
    /// A many2one, by the related record's display name (then id).
    M2o(&'a str),
    /// A many2one by its raw id (`partner_id.id`).
    M2oId,
    Skip,
}

fn sort_kind<'s, S: Schema + ?Sized>(schema: &'s S, model: &str, field: &str) -> SortKind<'s> {
    if field == "id" {
        return SortKind::Id;
    }
    let (name, sub) = match field.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (field, None),
    };
    match (schema.field_kind(model, name), sub) {
        (Some(FieldKind::Many2one { .. }), Some("id")) => SortKind::M2oId,
        (_, Some(_)) | (None, _) => SortKind::Skip,
        (Some(kind), None) => match kind {
            FieldKind::Char
            | FieldKind::Text
            | FieldKind::Html
            | FieldKind::Selection
            | FieldKind::Binary => SortKind::Text,
            FieldKind::Integer | FieldKind::Float | FieldKind::Monetary => SortKind::Num,
            FieldKind::Boolean => SortKind::Bool,
            FieldKind::Date => SortKind::Date,
            FieldKind::Datetime => SortKind::Datetime,
            FieldKind::Many2one { comodel } => SortKind::M2o(comodel),
            FieldKind::One2many { .. } | FieldKind::Many2many { .. } => SortKind::Skip,
        },
    }
}

/// Checks the fields of an `order` clause against the model: they must exist and have a column.
pub fn validate_order<S: Schema + ?Sized>(
    order: &OrderBy,
    model: &str,
    schema: &S,
) -> Result<(), DomainError> {
    for term in &order.0 {
        let (name, sub) = match term.field.split_once(['.', ':']) {
            Some((n, _)) => (n, Some(&term.field[n.len()..])),
            None => (term.field.as_str(), None),
        };
        let unknown = || DomainError::UnknownOrderField {
            model: model.to_string(),
            field: name.to_string(),
        };
        if name == "id" && sub.is_none() {
            continue;
        }
        let Some(kind) = schema.field_kind(model, name) else {
            if name == "display_name" {
                return Err(DomainError::UnsortableField {
                    model: model.to_string(),
                    field: name.to_string(),
                });
            }
            return Err(unknown());
        };
        match sub {
            None => {}
            Some(".id") if matches!(kind, FieldKind::Many2one { .. }) => {}
            Some(_) => {
                return Err(DomainError::UnknownOrderField {
                    model: model.to_string(),
                    field: term.field.clone(),
                });
            }
        }
        if kind.is_x2many() || !schema.is_stored(model, name) {
            return Err(DomainError::UnsortableField {
                model: model.to_string(),
                field: name.to_string(),
            });
        }
    }
    Ok(())
}

/// A sort key.
#[derive(Clone, Debug)]
enum SortKey<'a> {
    Null,
    Num(f64),
    Text(Cow<'a, str>),
    Stamp([u8; 19]),
    Rel(Cow<'a, str>, i64),
}

impl SortKey<'_> {
    fn cmp_values(&self, other: &Self) -> Ordering {
        match (self, other) {
            (SortKey::Num(a), SortKey::Num(b)) => a.total_cmp(b),
            (SortKey::Text(a), SortKey::Text(b)) => a.cmp(b),
            (SortKey::Stamp(a), SortKey::Stamp(b)) => a.cmp(b),
            (SortKey::Rel(a, x), SortKey::Rel(b, y)) => a.cmp(b).then(x.cmp(y)),
            _ => Ordering::Equal,
        }
    }
}

fn cow_text<'a>(value: Cow<'a, Value>) -> Option<Cow<'a, str>> {
    match value {
        Cow::Borrowed(Value::String(s)) => Some(Cow::Borrowed(s.as_str())),
        Cow::Owned(Value::String(s)) => Some(Cow::Owned(s)),
        Cow::Borrowed(Value::Null | Value::Bool(false))
        | Cow::Owned(Value::Null | Value::Bool(false)) => None,
        other => py_str(&other).map(|s| Cow::Owned(s.into_owned())),
    }
}

fn sort_key<'a, R: Records + ?Sized>(
    data: &'a R,
    model: &str,
    id: i64,
    field: &str,
    kind: SortKind<'_>,
) -> SortKey<'a> {
    let name = field.split_once('.').map_or(field, |(n, _)| n);
    let read = || data.value(model, id, name);
    match kind {
        SortKind::Skip => SortKey::Null,
        SortKind::Id => SortKey::Num(id as f64),
        SortKind::Num => SortKey::Num(read().as_deref().map_or(Val::Null, Val::Json).num()),
        // Odoo sorts booleans as COALESCE(field, FALSE).
        SortKind::Bool => SortKey::Num(f64::from(u8::from(
            read().as_deref().is_some_and(py_truthy),
        ))),
        SortKind::Text => read()
            .and_then(cow_text)
            .map_or(SortKey::Null, SortKey::Text),
        SortKind::Date | SortKind::Datetime => {
            let value = read();
            let v = value.as_deref().map_or(Val::Null, Val::Json);
            let key = if kind == SortKind::Date {
                stored_date(v).map(|d| {
                    let mut k = *b"0000-00-00 00:00:00";
                    k[..10].copy_from_slice(&d);
                    k
                })
            } else {
                stored_datetime(v)
            };
            key.map_or(SortKey::Null, SortKey::Stamp)
        }
        SortKind::M2oId => match read().as_deref().map_or(Val::Null, Val::Json).m2o() {
            Some(rid) => SortKey::Num(rid as f64),
            None => SortKey::Null,
        },
        SortKind::M2o(comodel) => match read().as_deref().map_or(Val::Null, Val::Json).m2o() {
            Some(rid) => SortKey::Rel(data.display_name(comodel, rid).unwrap_or_default(), rid),
            None => SortKey::Null,
        },
    }
}

fn cmp_keys(a: &SortKey<'_>, b: &SortKey<'_>, term: &OrderTerm) -> Ordering {
    match (a, b) {
        (SortKey::Null, SortKey::Null) => Ordering::Equal,
        (SortKey::Null, _) => {
            if term.nulls_first() {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (_, SortKey::Null) => {
            if term.nulls_first() {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (a, b) => {
            let ord = a.cmp_values(b);
            if term.descending { ord.reverse() } else { ord }
        }
    }
}

/// Compares two records of `model` by `order`, as PostgreSQL would sort them: NULLs last when
/// ascending and first when descending (unless `nulls first/last` says otherwise), text in byte
/// order, booleans with NULL as false, many2one by the related record's display name (an
/// approximation of the comodel's own order). Unknown and x2many fields compare equal; no `id`
/// tie-break is added (see [`OrderBy::with_id_tiebreak`]).
pub fn compare<R: Records + ?Sized>(
    order: &OrderBy,
    model: &str,
    a: i64,
    b: i64,
    data: &R,
) -> Ordering {
    for term in &order.0 {
        let kind = sort_kind(data, model, &term.field);
        let ka = sort_key(data, model, a, &term.field, kind);
        let kb = sort_key(data, model, b, &term.field, kind);
        let ord = cmp_keys(&ka, &kb, term);
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Sorts ids of `model` by `order` (stable: equal records keep their relative order), reading each
/// record's keys once.
pub fn sort_ids<R: Records + ?Sized>(order: &OrderBy, model: &str, ids: &mut [i64], data: &R) {
    if order.is_empty() || ids.len() < 2 {
        return;
    }
    let kinds: Vec<SortKind<'_>> = order
        .0
        .iter()
        .map(|t| sort_kind(data, model, &t.field))
        .collect();
    let mut keyed: Vec<(Vec<SortKey<'_>>, i64)> = ids
        .iter()
        .map(|&id| {
            let keys = order
                .0
                .iter()
                .zip(&kinds)
                .map(|(t, k)| sort_key(data, model, id, &t.field, *k))
                .collect();
            (keys, id)
        })
        .collect();
    keyed.sort_by(|(ka, _), (kb, _)| {
        order
            .0
            .iter()
            .zip(ka.iter().zip(kb))
            .map(|(term, (a, b))| cmp_keys(a, b, term))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    });
    for (slot, (_, id)) in ids.iter_mut().zip(keyed) {
        *slot = id;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    // -----------------------------------------------------------------------------------------
    // An in-memory store
    // -----------------------------------------------------------------------------------------

    #[derive(Default)]
    struct ModelDef {
        fields: HashMap<&'static str, FieldKind<'static>>,
        unstored: HashSet<&'static str>,
        /// one2many field → (comodel, inverse many2one)
        inverse: HashMap<&'static str, (&'static str, &'static str)>,
        rows: BTreeMap<i64, HashMap<String, Value>>,
    }

    #[derive(Default)]
    struct Db {
        models: HashMap<&'static str, ModelDef>,
    }

    use FieldKind as F;

    impl Db {
        fn model(
            &mut self,
            name: &'static str,
            fields: &[(&'static str, FieldKind<'static>)],
        ) -> &mut ModelDef {
            let m = self.models.entry(name).or_default();
            m.fields.extend(fields.iter().copied());
            m
        }

        fn insert(&mut self, model: &'static str, id: i64, vals: Value) {
            let row = vals
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            self.models.get_mut(model).unwrap().rows.insert(id, row);
        }
    }

    impl Schema for Db {
        fn field_kind(&self, model: &str, field: &str) -> Option<FieldKind<'_>> {
            self.models.get(model)?.fields.get(field).copied()
        }

        fn is_stored(&self, model: &str, field: &str) -> bool {
            self.models
                .get(model)
                .is_none_or(|m| !m.unstored.contains(field))
        }
    }

    impl Records for Db {
        fn ids(&self, model: &str) -> Vec<i64> {
            self.models
                .get(model)
                .map(|m| m.rows.keys().copied().collect())
                .unwrap_or_default()
        }

        fn value(&self, model: &str, id: i64, field: &str) -> Option<Cow<'_, Value>> {
            let m = self.models.get(model)?;
            if let Some((comodel, inverse)) = m.inverse.get(field) {
                let ids: Vec<i64> = self.models[comodel]
                    .rows
                    .iter()
                    .filter(|(_, r)| r.get(*inverse).and_then(Value::as_i64) == Some(id))
                    .map(|(k, _)| *k)
                    .collect();
                return Some(Cow::Owned(json!(ids)));
            }
            m.rows.get(&id)?.get(field).map(Cow::Borrowed)
        }

        fn display_name(&self, model: &str, id: i64) -> Option<Cow<'_, str>> {
            let row = self.models.get(model)?.rows.get(&id)?;
            let name = row.get("name").and_then(Value::as_str).unwrap_or("");
            match model {
                "product.product" => Some(match row.get("default_code").and_then(Value::as_str) {
                    Some(code) => Cow::Owned(format!("[{code}] {name}")),
                    None => Cow::Borrowed(name),
                }),
                "res.partner" => match row.get("parent_id").and_then(Value::as_i64) {
                    Some(parent) => Some(Cow::Owned(format!(
                        "{}, {name}",
                        self.display_name(model, parent)?
                    ))),
                    None => Some(Cow::Borrowed(name)),
                },
                _ => Some(Cow::Borrowed(name)),
            }
        }
    }

    /// Products also match their internal reference by name, as Odoo's product name search does.
    struct WithProductNameSearch<'a>(&'a Db);

    impl Schema for WithProductNameSearch<'_> {
        fn field_kind(&self, model: &str, field: &str) -> Option<FieldKind<'_>> {
            self.0.field_kind(model, field)
        }
    }

    impl Records for WithProductNameSearch<'_> {
        fn ids(&self, model: &str) -> Vec<i64> {
            self.0.ids(model)
        }

        fn value(&self, model: &str, id: i64, field: &str) -> Option<Cow<'_, Value>> {
            self.0.value(model, id, field)
        }

        fn display_name(&self, model: &str, id: i64) -> Option<Cow<'_, str>> {
            self.0.display_name(model, id)
        }

        fn search_display_name(
            &self,
            model: &str,
            operator: Operator,
            value: &Value,
        ) -> Option<Vec<i64>> {
            if model != "product.product" || operator != Operator::Eq {
                return None;
            }
            let wanted = value.as_str()?;
            Some(
                self.0.models[model]
                    .rows
                    .iter()
                    .filter(|(_, r)| {
                        r.get("name").and_then(Value::as_str) == Some(wanted)
                            || r.get("default_code").and_then(Value::as_str) == Some(wanted)
                    })
                    .map(|(id, _)| *id)
                    .collect(),
            )
        }
    }

    fn fixture() -> Db {
        let mut db = Db::default();
        db.model("res.country", &[("name", F::Char), ("code", F::Char)]);
        db.model("res.partner.category", &[("name", F::Char)]);
        db.model("product.tag", &[("name", F::Char)]);
        db.model(
            "product.category",
            &[
                ("name", F::Char),
                (
                    "parent_id",
                    F::Many2one {
                        comodel: "product.category",
                    },
                ),
                (
                    "child_id",
                    F::One2many {
                        comodel: "product.category",
                    },
                ),
            ],
        )
        .inverse
        .insert("child_id", ("product.category", "parent_id"));
        let partner = db.model(
            "res.partner",
            &[
                ("name", F::Char),
                ("email", F::Char),
                ("is_company", F::Boolean),
                ("active", F::Boolean),
                (
                    "parent_id",
                    F::Many2one {
                        comodel: "res.partner",
                    },
                ),
                (
                    "child_ids",
                    F::One2many {
                        comodel: "res.partner",
                    },
                ),
                (
                    "country_id",
                    F::Many2one {
                        comodel: "res.country",
                    },
                ),
                (
                    "category_id",
                    F::Many2many {
                        comodel: "res.partner.category",
                    },
                ),
                (
                    "favorite_product_id",
                    F::Many2one {
                        comodel: "product.product",
                    },
                ),
                ("credit_limit", F::Float),
                ("color", F::Integer),
                ("write_date", F::Datetime),
                ("birthday", F::Date),
                ("type", F::Selection),
                ("comment", F::Html),
            ],
        );
        partner
            .inverse
            .insert("child_ids", ("res.partner", "parent_id"));
        partner.unstored.insert("child_ids");
        db.model(
            "product.product",
            &[
                ("name", F::Char),
                ("default_code", F::Char),
                ("barcode", F::Char),
                (
                    "categ_id",
                    F::Many2one {
                        comodel: "product.category",
                    },
                ),
                (
                    "tag_ids",
                    F::Many2many {
                        comodel: "product.tag",
                    },
                ),
                ("list_price", F::Float),
                ("standard_price", F::Float),
                ("qty_available", F::Float),
                ("is_storable", F::Boolean),
                ("sale_ok", F::Boolean),
                ("type", F::Selection),
                ("priority", F::Selection),
                ("write_date", F::Datetime),
                ("active", F::Boolean),
            ],
        )
        .unstored
        .insert("qty_available");

        for (id, name, code) in [
            (1, "Belgium", "BE"),
            (2, "United States", "US"),
            (3, "France", "FR"),
        ] {
            db.insert("res.country", id, json!({"name": name, "code": code}));
        }
        db.insert("res.partner.category", 1, json!({"name": "Vendor"}));
        db.insert("res.partner.category", 2, json!({"name": "Prospect"}));
        for (id, name) in [(1, "Wood"), (2, "Metal"), (3, "Eco")] {
            db.insert("product.tag", id, json!({"name": name}));
        }
        db.insert(
            "product.category",
            1,
            json!({"name": "All", "parent_id": null}),
        );
        db.insert(
            "product.category",
            2,
            json!({"name": "Furniture", "parent_id": 1}),
        );
        db.insert(
            "product.category",
            3,
            json!({"name": "Office", "parent_id": 2}),
        );
        db.insert(
            "product.category",
            4,
            json!({"name": "Services", "parent_id": 1}),
        );

        db.insert(
            "res.partner",
            1,
            json!({"name": "Azure Interior", "email": "info@azure.example.com", "is_company": true,
                   "active": true, "country_id": 2, "category_id": [1], "credit_limit": 1000.0,
                   "color": 3, "write_date": "2024-05-01 10:00:00", "type": "contact",
                   "favorite_product_id": 11}),
        );
        db.insert(
            "res.partner",
            2,
            json!({"name": "Brandon Freeman", "email": "brandon@azure.example.com", "is_company": false,
                   "active": true, "parent_id": 1, "country_id": 2, "category_id": [1, 2],
                   "credit_limit": 0.0, "color": 0, "write_date": "2024-05-02 08:30:00",
                   "birthday": "1990-04-12", "type": "contact"}),
        );
        db.insert(
            "res.partner",
            3,
            json!({"name": "Colleen Diaz", "email": null, "is_company": false, "active": true,
                   "parent_id": 1, "country_id": null, "category_id": [],
                   "write_date": "2024-05-03 00:00:00", "birthday": "1985-12-31", "type": "invoice"}),
        );
        db.insert(
            "res.partner",
            4,
            json!({"name": "Deco Addict", "email": "deco@example.com", "is_company": true, "active": true,
                   "country_id": 1, "category_id": [2], "credit_limit": 500.5, "color": 5,
                   "write_date": "2024-04-30 23:59:59", "type": "contact", "favorite_product_id": 10}),
        );
        db.insert(
            "res.partner",
            5,
            json!({"name": "Ready Mat", "email": "", "is_company": true, "active": false, "country_id": 3,
                   "write_date": null, "type": "contact", "comment": "<p>Über café</p>"}),
        );
        db.insert(
            "res.partner",
            6,
            json!({"name": "Nested Child", "email": "nested@azure.example.com", "parent_id": 2,
                   "country_id": 2, "write_date": "2024-05-01 00:00:00", "type": "delivery"}),
        );

        let products = [
            (
                10,
                "Customizable Desk",
                json!("DESK0005"),
                json!(3),
                json!([1, 2]),
                750.0,
                true,
                true,
                "consu",
                json!("2024-05-01 10:00:00"),
                true,
                "1",
            ),
            (
                11,
                "Large Desk",
                json!("FURN_7800"),
                json!(2),
                json!([1]),
                1799.0,
                true,
                true,
                "consu",
                json!("2024-05-02 11:00:00"),
                true,
                "0",
            ),
            (
                12,
                "Office Chair",
                json!("FURN_7777"),
                json!(3),
                json!([2, 3]),
                70.0,
                false,
                true,
                "consu",
                json!("2024-05-02 11:00:00"),
                true,
                "0",
            ),
            (
                13,
                "Consulting",
                json!(null),
                json!(4),
                json!([]),
                100.0,
                false,
                false,
                "service",
                json!("2024-04-01 09:00:00"),
                true,
                "0",
            ),
            (
                14,
                "Drawer 100% Oak_Edition",
                json!("DRAW_01"),
                json!(null),
                json!([3]),
                20.5,
                true,
                true,
                "consu",
                json!("2024-05-03T00:00:00"),
                false,
                "1",
            ),
            (
                15,
                "desk lamp",
                json!("LAMP"),
                json!(2),
                json!([]),
                35.0,
                true,
                true,
                "consu",
                json!(null),
                true,
                "0",
            ),
        ];
        for (
            id,
            name,
            code,
            categ,
            tags,
            price,
            storable,
            sale_ok,
            ty,
            write_date,
            active,
            priority,
        ) in products
        {
            db.insert(
                "product.product",
                id,
                json!({"name": name, "default_code": code, "categ_id": categ, "tag_ids": tags,
                       "list_price": price, "is_storable": storable, "sale_ok": sale_ok, "type": ty,
                       "write_date": write_date, "active": active, "priority": priority}),
            );
        }
        db
    }

    fn search_in<R: Records + ?Sized>(data: &R, model: &str, domain: Value) -> Vec<i64> {
        let d = parse(&domain).unwrap_or_else(|e| panic!("{domain}: {e}"));
        let m = Matcher::compile(&d, model, data).unwrap_or_else(|e| panic!("{domain}: {e}"));
        let mut ids = m.search(data);
        ids.sort_unstable();
        ids
    }

    fn partners(db: &Db, domain: Value) -> Vec<i64> {
        search_in(db, "res.partner", domain)
    }

    fn products(db: &Db, domain: Value) -> Vec<i64> {
        search_in(db, "product.product", domain)
    }

    /// The error compiling `domain` on `model` (parse or validate), with both versions' texts.
    fn error(db: &Db, model: &str, domain: Value) -> DomainError {
        let err = parse(&domain)
            .and_then(|d| validate(&d, model, db).map(|()| d))
            .expect_err(&format!("{domain} should fail"));
        // A domain that fails validation also fails to compile against the data.
        if let Ok(d) = parse(&domain) {
            assert_eq!(Matcher::compile(&d, model, db).unwrap_err(), err);
        }
        err
    }

    // -----------------------------------------------------------------------------------------
    // Parsing and the domain tree
    // -----------------------------------------------------------------------------------------

    #[test]
    fn parse_prefix_notation_and_implicit_and() {
        let a = Domain::leaf("a", Operator::Eq, 1);
        let b = Domain::leaf("b", Operator::Eq, 2);
        let c = Domain::leaf("c", Operator::Eq, 3);
        let p = |v: Value| parse(&v).unwrap();
        assert_eq!(
            p(json!([["a", "=", 1], ["b", "=", 2]])),
            Domain::And(vec![a.clone(), b.clone()])
        );
        assert_eq!(
            p(json!(["&", ["a", "=", 1], ["b", "=", 2]])),
            Domain::And(vec![a.clone(), b.clone()])
        );
        assert_eq!(
            p(json!(["|", ["a", "=", 1], ["b", "=", 2], ["c", "=", 3]])),
            Domain::And(vec![Domain::Or(vec![a.clone(), b.clone()]), c.clone()])
        );
        assert_eq!(
            p(json!([["a", "=", 1], "|", ["b", "=", 2], ["c", "=", 3]])),
            Domain::And(vec![a.clone(), Domain::Or(vec![b.clone(), c.clone()])])
        );
        assert_eq!(
            p(json!([
                "&",
                "|",
                ["a", "=", 1],
                ["b", "=", 2],
                "!",
                ["c", "=", 3]
            ])),
            Domain::And(vec![
                Domain::Or(vec![a.clone(), b.clone()]),
                Domain::Not(Box::new(c.clone()))
            ])
        );
        assert_eq!(
            p(json!([
                "|",
                "|",
                ["a", "=", 1],
                ["b", "=", 2],
                ["c", "=", 3]
            ])),
            Domain::Or(vec![a.clone(), b.clone(), c.clone()])
        );
        assert_eq!(p(json!(["!", "!", ["a", "=", 1]])), a);
        assert_eq!(
            p(json!(["!", ["a", "=", 1], ["b", "=", 2]])),
            Domain::And(vec![!a.clone(), b.clone()])
        );
        for empty in [json!(null), json!(false), json!(true), json!([])] {
            assert_eq!(p(empty), Domain::True);
        }
        assert_eq!(p(json!([[1, "=", 1]])), Domain::True);
        assert_eq!(p(json!([[0, "=", 1]])), Domain::False);
        assert_eq!(p(json!([[1, "=", 1], ["a", "=", 1]])), a);
        assert_eq!(p(json!(["!", [0, "=", 1]])), Domain::True);
        // operators: case-insensitive, aliases
        let op = |o: &str| match p(json!([["a", o, 1]])) {
            Domain::Leaf(l) => l.operator,
            other => panic!("{other:?}"),
        };
        assert_eq!(op("<>"), Operator::Ne);
        assert_eq!(op("=="), Operator::Eq);
        assert_eq!(op("ILIKE"), Operator::ILike);
        assert_eq!(op("Not In"), Operator::NotIn);
        for o in Operator::ALL {
            assert_eq!(Operator::parse(o.as_str()), Some(o));
            assert!(!o.positive().is_negative());
        }
        // dotted paths
        match p(json!([["partner_id.country_id.code", "=", "US"]])) {
            Domain::Leaf(l) => {
                assert_eq!(l.path, ["partner_id", "country_id", "code"]);
                assert_eq!(l.field(), "partner_id");
                assert_eq!(l.path_str(), "partner_id.country_id.code");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn to_json_round_trips() {
        let wire = json!([
            "|",
            ["name", "ilike", "desk"],
            ["default_code", "ilike", "DESK"],
            ["is_storable", "=", true]
        ]);
        let d = parse(&wire).unwrap();
        let out = d.to_json();
        assert_eq!(
            out,
            json!([
                "&",
                "|",
                ["name", "ilike", "desk"],
                ["default_code", "ilike", "DESK"],
                ["is_storable", "=", true]
            ])
        );
        assert_eq!(parse(&out).unwrap(), d);
        assert_eq!(
            d.to_string(),
            r#"["&","|",["name","ilike","desk"],["default_code","ilike","DESK"],["is_storable","=",true]]"#
        );
        assert_eq!(Domain::True.to_json(), json!([]));
        assert_eq!(Domain::False.to_json(), json!([[0, "=", 1]]));
        let with_any = json!([
            ["tag_ids", "any", [["name", "=", "Wood"]]],
            "!",
            ["a", "<>", 1]
        ]);
        let d = parse(&with_any).unwrap();
        assert_eq!(
            d.to_json(),
            json!([
                "&",
                ["tag_ids", "any", [["name", "=", "Wood"]]],
                "!",
                ["a", "!=", 1]
            ])
        );
        assert_eq!(parse(&d.to_json()).unwrap(), d);
    }

    #[test]
    fn builders_and_queries() {
        let a = Domain::leaf("a", Operator::Eq, 1);
        let b = Domain::leaf("b.c", Operator::In, json!([1, 2]));
        let c = Domain::leaf("active", Operator::Eq, false);
        assert_eq!(Domain::True.and(a.clone()), a);
        assert_eq!(a.clone().and(Domain::True), a);
        assert_eq!(Domain::False.or(a.clone()), a);
        assert_eq!(
            a.clone().and(b.clone()).and(c.clone()),
            Domain::And(vec![a.clone(), b.clone(), c.clone()])
        );
        assert_eq!(
            a.clone().or(b.clone().or(c.clone())),
            Domain::Or(vec![a.clone(), b.clone(), c.clone()])
        );
        assert_eq!(!(!a.clone()), a);
        assert_eq!(!Domain::True, Domain::False);
        assert_eq!(Domain::and_all([]), Domain::True);
        assert_eq!(Domain::or_all([]), Domain::False);
        assert_eq!(
            Domain::or_all([a.clone(), b.clone()]),
            Domain::Or(vec![a.clone(), b.clone()])
        );
        let d = a.clone().and(!b.clone().or(c.clone()));
        assert!(d.has_condition_on("active"));
        assert!(d.has_condition_on("b.c"));
        assert!(!d.has_condition_on("b"));
        assert!(!d.has_condition_on("c"));
        assert_eq!(d.leaves().len(), 3);
        assert!(Domain::True.is_true() && Domain::False.is_false());
        // `any` sub-domains are values, not conditions of the outer domain
        let any = parse(&json!([["tag_ids", "any", [["active", "=", true]]]])).unwrap();
        assert!(!any.has_condition_on("active"));
    }

    #[test]
    fn python_repr() {
        assert_eq!(py_repr(&json!(1.0)), "1.0");
        assert_eq!(py_repr(&json!(0.5)), "0.5");
        assert_eq!(py_repr(&json!(1e20)), "1e+20");
        assert_eq!(py_repr(&json!(0.00001)), "1e-05");
        assert_eq!(py_repr(&json!(-3)), "-3");
        assert_eq!(py_repr(&json!("it's")), "\"it's\"");
        assert_eq!(py_repr(&json!("a'b\"c")), "'a\\'b\"c'");
        assert_eq!(py_repr(&json!("tab\there\\")), "'tab\\there\\\\'");
        assert_eq!(
            py_repr(&json!([1, "x", null, true, {"k": false}])),
            "[1, 'x', None, True, {'k': False}]"
        );
        assert_eq!(py_repr(&json!("Über")), "'Über'");
    }

    // -----------------------------------------------------------------------------------------
    // Errors
    // -----------------------------------------------------------------------------------------

    #[test]
    fn syntax_errors_with_odoo_wording() {
        let e = parse(&json!([["name", "like"]])).unwrap_err();
        assert_eq!(
            e.message(18),
            "not enough values to unpack (expected 3, got 2)"
        );
        assert_eq!(
            e.message(19),
            "Domain() invalid item in domain: ['name', 'like']"
        );
        assert_eq!(e.exception_name(18), "builtins.ValueError");
        assert_eq!(e.to_string(), e.message(18));

        let e = parse(&json!([["name", "=", 1, 2]])).unwrap_err();
        assert_eq!(e.message(18), "too many values to unpack (expected 3)");

        let e = parse(&json!(["|", ["a", "=", 1]])).unwrap_err();
        assert_eq!(e.message(18), "pop from empty list");
        assert_eq!(e.exception_name(18), "builtins.IndexError");
        assert_eq!(
            e.message(19),
            "Domain() malformed domain ['|', ['a', '=', 1]]"
        );
        assert_eq!(e.exception_name(19), "builtins.ValueError");
        for bad in [
            json!(["!"]),
            json!([["a", "=", 1], "&"]),
            json!(["&", "&", ["a", "=", 1], ["b", "=", 1]]),
        ] {
            assert!(
                matches!(parse(&bad), Err(DomainError::MissingOperands { .. })),
                "{bad}"
            );
        }

        let e = parse(&json!([["name", "bogus", 1]])).unwrap_err();
        assert_eq!(e.message(18), "Invalid leaf ('name', 'bogus', 1)");
        assert_eq!(
            e.message(19),
            "Invalid operator in condition ('name', 'bogus', 1)"
        );
        let e = parse(&json!([["name", 5, 1]])).unwrap_err();
        assert_eq!(e.message(18), "Invalid leaf ('name', 5, 1)");

        let e = parse(&json!([["", "=", 1]])).unwrap_err();
        assert_eq!(e.message(18), "Invalid leaf ('', '=', 1)");
        assert_eq!(e.message(19), "Empty field name in condition ('', '=', 1)");
        assert_eq!(e.exception_name(19), "builtins.TypeError");
        let e = parse(&json!([[5, "=", 1]])).unwrap_err();
        assert_eq!(e.message(19), "Domain() invalid arguments: (5, '=', 1)");

        let e = parse(&json!(["foo"])).unwrap_err();
        assert_eq!(e.message(18), "Invalid leaf 'foo'");
        assert_eq!(e.message(19), "Domain() invalid item in domain: 'foo'");
        assert!(matches!(
            parse(&json!([42])),
            Err(DomainError::InvalidItem { .. })
        ));

        let e = parse(&json!("abc")).unwrap_err();
        assert_eq!(e.message(18), "'str' object is not iterable");
        assert_eq!(
            e.message(19),
            "Domain() invalid argument type for domain: 'abc'"
        );
        assert_eq!(e.exception_name(19), "builtins.TypeError");
        assert_eq!(
            parse(&json!(5)).unwrap_err().message(18),
            "'int' object is not iterable"
        );
        assert_eq!(
            parse(&json!({"a": 1})).unwrap_err().message(18),
            "'dict' object is not iterable"
        );

        // the sub-domain of `any` is checked when parsing
        let e = parse(&json!([["tag_ids", "any", 5]])).unwrap_err();
        assert_eq!(
            e.message(19),
            "Domain() invalid argument type for domain: 5"
        );
        assert!(matches!(
            parse(&json!([["tag_ids", "any", ["|", ["a", "=", 1]]]])),
            Err(DomainError::MissingOperands { .. })
        ));
    }

    #[test]
    fn validation_errors_with_odoo_wording() {
        let db = fixture();
        let e = error(&db, "res.partner", json!([["nofield", "=", 1]]));
        assert_eq!(
            e.message(18),
            "Invalid field res.partner.nofield in leaf ('nofield', '=', 1)"
        );
        assert_eq!(
            e.message(19),
            "Invalid field res.partner.nofield in condition ('nofield', '=', 1)"
        );
        assert_eq!(e.exception_name(18), "builtins.ValueError");
        // Odoo 19 shows a None value as False
        let e = error(&db, "res.partner", json!([["mobile", "!=", null]]));
        assert_eq!(
            e.message(18),
            "Invalid field res.partner.mobile in leaf ('mobile', '!=', None)"
        );
        assert_eq!(
            e.message(19),
            "Invalid field res.partner.mobile in condition ('mobile', '!=', False)"
        );
        // along a path: the comodel and the rest of the path
        let e = error(
            &db,
            "res.partner",
            json!([["country_id.nofield", "=", "x"]]),
        );
        assert_eq!(
            e.message(18),
            "Invalid field res.country.nofield in leaf ('nofield', '=', 'x')"
        );
        let e = error(&db, "res.partner", json!([["nofield.code", "=", "x"]]));
        assert_eq!(
            e.message(18),
            "Invalid field res.partner.nofield in leaf ('nofield.code', '=', 'x')"
        );
        // inside `any`, nested in `|` and `!`
        let e = error(
            &db,
            "product.product",
            json!([
                "|",
                ["name", "=", "x"],
                "!",
                ["tag_ids", "any", [["nofield", "=", 1]]]
            ]),
        );
        assert_eq!(
            e.message(18),
            "Invalid field product.tag.nofield in leaf ('nofield', '=', 1)"
        );
        // even under a constant that makes the leaf irrelevant
        let e = error(
            &db,
            "res.partner",
            json!(["&", [0, "=", 1], ["nofield", "=", 1]]),
        );
        assert!(matches!(e, DomainError::UnknownField { .. }));
        // a path through a plain field
        let e = error(&db, "res.partner", json!([["name.foo", "=", "x"]]));
        assert_eq!(
            e.message(18),
            "Invalid path: res.partner.name is not a relational field in leaf ('name.foo', '=', 'x')"
        );
        // relational operators on plain fields
        let e = error(&db, "res.partner", json!([["name", "any", []]]));
        assert_eq!(
            e.message(19),
            "Cannot use 'any' with non-relational fields in condition ('name', 'any', [])"
        );
        let e = error(&db, "res.partner", json!([["name", "child_of", 1]]));
        assert_eq!(
            e.message(18),
            "Cannot execute child_of for res.partner.name, works only for relational fields in leaf ('name', 'child_of', 1)"
        );
        // a model without a hierarchy
        let e = error(&db, "product.product", json!([["tag_ids", "child_of", 1]]));
        assert_eq!(e.message(18), "Invalid parent field: product.tag.parent_id");
        // values of the wrong type
        let e = error(&db, "res.partner", json!([["birthday", "<", "soon"]]));
        assert_eq!(
            e.message(18),
            "Failed to cast 'soon' into a date in leaf ('birthday', '<', 'soon')"
        );
        let e = error(
            &db,
            "res.partner",
            json!([["write_date", ">", "2024-13-01"]]),
        );
        assert_eq!(
            e.message(19),
            "Failed to cast '2024-13-01' into a datetime in condition ('write_date', '>', '2024-13-01')"
        );
        let e = error(&db, "res.partner", json!([["color", "=", "abc"]]));
        assert_eq!(
            e.message(18),
            "invalid literal for int() with base 10: 'abc' in leaf ('color', '=', 'abc')"
        );
        let e = error(
            &db,
            "res.partner",
            json!([["credit_limit", "in", [1, "x"]]]),
        );
        assert_eq!(
            e.message(18),
            "could not convert string to float: 'x' in leaf ('credit_limit', 'in', [1, 'x'])"
        );
        let e = error(&db, "res.partner", json!([["id", "in", ["abc"]]]));
        assert!(
            e.message(18)
                .starts_with("invalid literal for int() with base 10: 'abc'")
        );
        let e = error(&db, "res.partner", json!([["name", "=ilike", ["a"]]]));
        assert_eq!(
            e.message(19),
            "The pattern to match must be a string in condition ('name', '=ilike', ['a'])"
        );
        assert_eq!(e.exception_name(19), "builtins.TypeError");
        let e = error(&db, "res.partner", json!([["name", "=", {"a": 1}]]));
        assert!(matches!(e, DomainError::InvalidValue { .. }));
        // an unknown model has no fields
        assert!(matches!(
            error(&db, "no.such.model", json!([["name", "=", 1]])),
            DomainError::UnknownField { .. }
        ));
    }

    #[test]
    fn validate_accepts_good_domains_without_data() {
        let db = fixture();
        let schema_only: &dyn Schema = &db;
        for (model, domain) in [
            (
                "res.partner",
                json!([["id", "=", 1], ["display_name", "ilike", "a"]]),
            ),
            (
                "res.partner",
                json!([
                    "|",
                    ["country_id.code", "=", "US"],
                    ["parent_id.country_id", "=", "Belgium"]
                ]),
            ),
            (
                "res.partner",
                json!([
                    ["child_ids", "any", [["email", "!=", false]]],
                    ["id", "child_of", 1]
                ]),
            ),
            (
                "res.partner",
                json!([
                    ["write_date", ">=", "2024-01-01"],
                    ["birthday", "=?", false]
                ]),
            ),
            (
                "product.product",
                json!([
                    ["categ_id", "child_of", "Furniture"],
                    ["tag_ids.name", "not ilike", "x"]
                ]),
            ),
            (
                "product.product",
                json!([
                    ["id", "any", [["list_price", ">", 1]]],
                    ["priority", "in", ["0", "1"]]
                ]),
            ),
        ] {
            let d = parse(&domain).unwrap();
            validate(&d, model, schema_only).unwrap_or_else(|e| panic!("{domain}: {e}"));
        }
    }

    // -----------------------------------------------------------------------------------------
    // Evaluation
    // -----------------------------------------------------------------------------------------

    #[test]
    fn comparison_operators() {
        let db = fixture();
        let p = |d: Value| partners(&db, d);
        assert_eq!(p(json!([["name", "=", "Azure Interior"]])), [1]);
        assert_eq!(
            p(json!([["name", "!=", "Azure Interior"]])),
            [2, 3, 4, 5, 6]
        );
        assert_eq!(
            p(json!([["name", "<>", "Azure Interior"]])),
            [2, 3, 4, 5, 6]
        );
        assert_eq!(p(json!([["name", "<", "C"]])), [1, 2]);
        assert_eq!(p(json!([["name", ">=", "Deco Addict"]])), [4, 5, 6]);
        assert_eq!(p(json!([["credit_limit", ">", 0]])), [1, 4]);
        assert_eq!(p(json!([["credit_limit", ">=", 500.5]])), [1, 4]);
        // an empty number is 0, as Odoo stores it
        assert_eq!(p(json!([["credit_limit", "<", 500.5]])), [2, 3, 5, 6]);
        assert_eq!(p(json!([["color", "<=", 3]])), [1, 2, 3, 5, 6]);
        assert_eq!(p(json!([["color", ">", "2"]])), [1, 4]);
        assert_eq!(p(json!([["color", "=", 5.7]])), [4]);
        assert_eq!(
            p(json!([["name", "in", ["Deco Addict", "Ready Mat"]]])),
            [4, 5]
        );
        assert_eq!(
            p(json!([["name", "not in", ["Deco Addict", "Ready Mat"]]])),
            [1, 2, 3, 6]
        );
        assert_eq!(
            p(json!([["name", "=", ["Deco Addict", "Ready Mat"]]])),
            [4, 5]
        );
        assert_eq!(p(json!([["id", "in", [1, 3, 99]]])), [1, 3]);
        assert_eq!(p(json!([["id", "in", 4]])), [4]);
        assert_eq!(p(json!([["id", "=", "2"]])), [2]);
        assert_eq!(p(json!([["id", "not in", [1]]])), [2, 3, 4, 5, 6]);
        assert_eq!(p(json!([["id", ">", 4]])), [5, 6]);
        assert_eq!(p(json!([["id", "in", []]])), Vec::<i64>::new());
        assert_eq!(p(json!([["id", "not in", []]])), [1, 2, 3, 4, 5, 6]);
        assert_eq!(p(json!([["id", "=", false]])), Vec::<i64>::new());
        assert_eq!(p(json!([["id", "!=", false]])), [1, 2, 3, 4, 5, 6]);
        assert_eq!(p(json!([["is_company", "=", true]])), [1, 4, 5]);
        assert_eq!(p(json!([["is_company", "=", false]])), [2, 3, 6]);
        assert_eq!(p(json!([["is_company", "!=", true]])), [2, 3, 6]);
        assert_eq!(p(json!([["is_company", "=", 1]])), [1, 4, 5]);
        assert_eq!(p(json!([["is_company", "=", "true"]])), [1, 4, 5]);
        assert_eq!(
            p(json!([["is_company", "in", [true, false]]])),
            [1, 2, 3, 4, 5, 6]
        );
        assert_eq!(p(json!([["is_company", "not in", [true]]])), [2, 3, 6]);
        // a missing boolean is false
        assert_eq!(p(json!([["active", "=", false]])), [5, 6]);
        assert_eq!(p(json!([["active", "=", true]])), [1, 2, 3, 4]);
        assert_eq!(p(json!([["type", "=", "invoice"]])), [3]);
        assert_eq!(p(json!([["type", "in", ["invoice", "delivery"]]])), [3, 6]);
        assert_eq!(
            p(json!([[
                "display_name",
                "=",
                "Azure Interior, Brandon Freeman"
            ]])),
            [2]
        );
        assert_eq!(p(json!([["display_name", "ilike", "brandon"]])), [2, 6]);
        // matches() on one record
        let d = parse(&json!([["is_company", "=", true]])).unwrap();
        assert!(matches(&d, "res.partner", 1, &db).unwrap());
        assert!(!matches(&d, "res.partner", 2, &db).unwrap());
        assert!(!matches(&d, "res.partner", 999, &db).unwrap());
    }

    #[test]
    fn null_semantics() {
        let db = fixture();
        let p = |d: Value| partners(&db, d);
        // = False: NULL, and "" for text
        assert_eq!(p(json!([["email", "=", false]])), [3, 5]);
        assert_eq!(p(json!([["email", "=", null]])), [3, 5]);
        assert_eq!(p(json!([["email", "=", ""]])), [3, 5]);
        assert_eq!(p(json!([["email", "=", []]])), [3, 5]);
        assert_eq!(p(json!([["email", "!=", false]])), [1, 2, 4, 6]);
        assert_eq!(p(json!([["email", "in", false]])), [3, 5]);
        // negative operators include empty values, positive ones never match them
        assert_eq!(
            p(json!([["email", "!=", "deco@example.com"]])),
            [1, 2, 3, 5, 6]
        );
        assert_eq!(p(json!([["email", "ilike", "azure"]])), [1, 2, 6]);
        assert_eq!(p(json!([["email", "not ilike", "azure"]])), [3, 4, 5]);
        assert_eq!(p(json!([["email", "not like", "example"]])), [3, 5]);
        assert_eq!(p(json!([["email", "<", "z"]])), [1, 2, 4, 5, 6]);
        assert_eq!(
            p(json!([["email", "in", ["deco@example.com", false]]])),
            [3, 4, 5]
        );
        assert_eq!(
            p(json!([["email", "not in", ["deco@example.com"]]])),
            [1, 2, 3, 5, 6]
        );
        assert_eq!(
            p(json!([["email", "not in", ["deco@example.com", false]]])),
            [1, 2, 6]
        );
        assert_eq!(p(json!([["birthday", "<", "2000-01-01"]])), [2, 3]);
        assert_eq!(
            p(json!([["birthday", "!=", "1990-04-12"]])),
            [1, 3, 4, 5, 6]
        );
        assert_eq!(p(json!([["birthday", "<", false]])), Vec::<i64>::new());
        assert_eq!(p(json!([["birthday", "=", false]])), [1, 4, 5, 6]);
        // `!` is a plain boolean NOT
        assert_eq!(
            p(json!(["!", ["birthday", "<", "2000-01-01"]])),
            [1, 4, 5, 6]
        );
        assert_eq!(
            p(json!(["!", ["email", "=", "deco@example.com"]])),
            [1, 2, 3, 5, 6]
        );
        // numbers: empty is 0
        assert_eq!(p(json!([["credit_limit", "=", false]])), [2, 3, 5, 6]);
        assert_eq!(p(json!([["color", "=", 0]])), [2, 3, 5, 6]);
        assert_eq!(p(json!([["color", "!=", false]])), [1, 4]);
        // relational
        assert_eq!(p(json!([["country_id", "=", false]])), [3]);
        assert_eq!(p(json!([["country_id", "!=", false]])), [1, 2, 4, 5, 6]);
        assert_eq!(p(json!([["country_id", "!=", 2]])), [3, 4, 5]);
        assert_eq!(p(json!([["country_id", "not in", [2]]])), [3, 4, 5]);
        assert_eq!(p(json!([["country_id", "not in", [2, false]]])), [4, 5]);
        assert_eq!(p(json!([["category_id", "=", false]])), [3, 5, 6]);
        assert_eq!(p(json!([["category_id", "!=", false]])), [1, 2, 4]);
    }

    #[test]
    fn negation_and_nesting() {
        let db = fixture();
        let p = |d: Value| partners(&db, d);
        assert_eq!(p(json!(["!", ["is_company", "=", true]])), [2, 3, 6]);
        assert_eq!(
            p(json!([
                "|",
                ["country_id.code", "=", "BE"],
                ["country_id.code", "=", "FR"]
            ])),
            [4, 5]
        );
        assert_eq!(
            p(json!([
                "!",
                "|",
                ["country_id.code", "=", "BE"],
                ["country_id.code", "=", "FR"]
            ])),
            [1, 2, 3, 6]
        );
        assert_eq!(
            p(json!([
                "&",
                "!",
                ["id", "=", 1],
                "|",
                ["is_company", "=", true],
                ["parent_id", "=", 1]
            ])),
            [2, 3, 4, 5]
        );
        assert_eq!(
            p(json!([
                ["is_company", "=", true],
                "|",
                ["country_id", "=", 1],
                ["country_id", "=", 3]
            ])),
            [4, 5]
        );
        assert_eq!(
            p(json!(["|", [1, "=", 1], ["id", "=", 1]])),
            [1, 2, 3, 4, 5, 6]
        );
        assert_eq!(
            p(json!(["&", [0, "=", 1], ["id", "=", 1]])),
            Vec::<i64>::new()
        );
        assert_eq!(p(json!(["!", [1, "=", 1]])), Vec::<i64>::new());
        assert_eq!(p(json!([])), [1, 2, 3, 4, 5, 6]);
        // constant domains are recognised when compiled
        let d = parse(&json!(["|", ["id", "in", []], ["email", "=?", false]])).unwrap();
        assert_eq!(
            Matcher::compile(&d, "res.partner", &db).unwrap().constant(),
            Some(true)
        );
        let d = parse(&json!([["name", "=", "x"]])).unwrap();
        let m = Matcher::compile(&d, "res.partner", &db).unwrap();
        assert_eq!((m.constant(), m.model()), (None, "res.partner"));
        assert_eq!(m.filter(&db, [4, 1, 2]), Vec::<i64>::new());
    }

    #[test]
    fn dotted_paths() {
        let db = fixture();
        assert_eq!(
            partners(&db, json!([["country_id.code", "=", "US"]])),
            [1, 2, 6]
        );
        assert_eq!(
            partners(&db, json!([["parent_id.country_id.code", "=", "US"]])),
            [2, 3, 6]
        );
        assert_eq!(partners(&db, json!([["parent_id.parent_id", "=", 1]])), [6]);
        // a path is `any`: a record without the relation never matches, even negated operators
        assert_eq!(
            partners(&db, json!([["country_id.code", "!=", "US"]])),
            [4, 5]
        );
        assert_eq!(
            partners(&db, json!(["!", ["country_id.code", "=", "US"]])),
            [3, 4, 5]
        );
        assert_eq!(
            partners(&db, json!([["country_id.name", "=", false]])),
            Vec::<i64>::new()
        );
        assert_eq!(
            partners(&db, json!([["child_ids.name", "ilike", "nested"]])),
            [2]
        );
        assert_eq!(
            partners(&db, json!([["category_id.name", "=", "Prospect"]])),
            [2, 4]
        );
        assert_eq!(
            products(&db, json!([["categ_id.parent_id.name", "=", "Furniture"]])),
            [10, 12]
        );
        // through x2many: any related record matches
        assert_eq!(
            products(&db, json!([["tag_ids.name", "=", "Metal"]])),
            [10, 12]
        );
        assert_eq!(
            products(&db, json!([["tag_ids.name", "!=", "Metal"]])),
            [10, 11, 12, 14]
        );
        assert_eq!(
            products(&db, json!([["categ_id.child_id.name", "=", "Office"]])),
            [11, 15]
        );
    }

    #[test]
    fn many2one_by_name() {
        let db = fixture();
        let p = |d: Value| partners(&db, d);
        assert_eq!(p(json!([["country_id", "=", "Belgium"]])), [4]);
        assert_eq!(
            p(json!([["country_id", "=", "belgium"]])),
            Vec::<i64>::new()
        );
        assert_eq!(p(json!([["country_id", "ilike", "united"]])), [1, 2, 6]);
        assert_eq!(
            p(json!([["country_id", "like", "united"]])),
            Vec::<i64>::new()
        );
        assert_eq!(
            p(json!([["country_id", "in", ["Belgium", "France"]]])),
            [4, 5]
        );
        assert_eq!(p(json!([["country_id", "!=", "Belgium"]])), [1, 2, 3, 5, 6]);
        assert_eq!(
            p(json!([["country_id", "not ilike", "bel"]])),
            [1, 2, 3, 5, 6]
        );
        assert_eq!(p(json!([["country_id", "in", [1, "France"]]])), [4, 5]);
        assert_eq!(
            p(json!([["country_id", "not in", [1, "France"]]])),
            [1, 2, 3, 6]
        );
        assert_eq!(p(json!([["country_id", "=", 2]])), [1, 2, 6]);
        assert_eq!(p(json!([["country_id", "in", [1, false]]])), [3, 4]);
        assert_eq!(p(json!([["country_id", "=like", "Bel%"]])), [4]);
        assert_eq!(p(json!([["country_id", "=ilike", "bel%"]])), [4]);
        assert_eq!(
            p(json!([["country_id", "not =ilike", "bel%"]])),
            [1, 2, 3, 5, 6]
        );
        assert_eq!(p(json!([["country_id", ">", 1]])), [1, 2, 5, 6]);
        assert_eq!(p(json!([["country_id", "<", "C"]])), [4]);
        // `like ''` means "has one", `=like ''` "has none"
        assert_eq!(p(json!([["country_id", "ilike", ""]])), [1, 2, 4, 5, 6]);
        assert_eq!(p(json!([["country_id", "=like", ""]])), [3]);
        // the display name of a partner includes its parent's
        assert_eq!(p(json!([["parent_id", "=", "Azure Interior"]])), [2, 3]);
        assert_eq!(p(json!([["parent_id", "ilike", "brandon"]])), [6]);
        assert_eq!(
            products(&db, json!([["categ_id", "=", "Furniture"]])),
            [11, 15]
        );
        // a model-specific name search (products by internal reference)
        assert_eq!(
            p(json!([["favorite_product_id", "=", "FURN_7800"]])),
            Vec::<i64>::new()
        );
        assert_eq!(
            p(json!([["favorite_product_id", "ilike", "FURN_7800"]])),
            [1]
        );
        let hooked = WithProductNameSearch(&db);
        assert_eq!(
            search_in(
                &hooked,
                "res.partner",
                json!([["favorite_product_id", "=", "FURN_7800"]])
            ),
            [1]
        );
        assert_eq!(
            search_in(
                &hooked,
                "res.partner",
                json!([["favorite_product_id", "!=", "Customizable Desk"]])
            ),
            [1, 2, 3, 5, 6]
        );
    }

    #[test]
    fn x2many_any_semantics() {
        let db = fixture();
        let t = |d: Value| products(&db, d);
        assert_eq!(t(json!([["tag_ids", "in", [1]]])), [10, 11]);
        assert_eq!(t(json!([["tag_ids", "=", 1]])), [10, 11]);
        assert_eq!(t(json!([["tag_ids", "in", [1, 3]]])), [10, 11, 12, 14]);
        assert_eq!(t(json!([["tag_ids", "not in", [1]]])), [12, 13, 14, 15]);
        assert_eq!(t(json!([["tag_ids", "!=", 2]])), [11, 13, 14, 15]);
        assert_eq!(t(json!([["tag_ids", "=", false]])), [13, 15]);
        assert_eq!(t(json!([["tag_ids", "!=", false]])), [10, 11, 12, 14]);
        assert_eq!(t(json!([["tag_ids", "=", []]])), [13, 15]);
        assert_eq!(t(json!([["tag_ids", "in", [2, false]]])), [10, 12, 13, 15]);
        assert_eq!(t(json!([["tag_ids", "=", "Metal"]])), [10, 12]);
        assert_eq!(t(json!([["tag_ids", "ilike", "e"]])), [10, 12, 14]);
        assert_eq!(t(json!([["tag_ids", "not ilike", "e"]])), [11, 13, 15]);
        assert_eq!(t(json!([["tag_ids", "ilike", ""]])), [10, 11, 12, 14]);
        assert_eq!(t(json!([["tag_ids", ">", 2]])), [12, 14]);
        // one2many, read through the inverse many2one
        assert_eq!(partners(&db, json!([["child_ids", "in", [2]]])), [1]);
        assert_eq!(
            partners(&db, json!([["child_ids", "=", false]])),
            [3, 4, 5, 6]
        );
        assert_eq!(partners(&db, json!([["child_ids", "!=", false]])), [1, 2]);
        assert_eq!(
            partners(
                &db,
                json!([["child_ids", "=", "Azure Interior, Colleen Diaz"]])
            ),
            [1]
        );
    }

    #[test]
    fn any_and_not_any() {
        let db = fixture();
        let t = |d: Value| products(&db, d);
        assert_eq!(
            t(json!([["tag_ids", "any", [["name", "=", "Wood"]]]])),
            [10, 11]
        );
        assert_eq!(
            t(json!([["tag_ids", "not any", [["name", "=", "Wood"]]]])),
            [12, 13, 14, 15]
        );
        assert_eq!(
            t(json!([["categ_id", "any", [["name", "ilike", "office"]]]])),
            [10, 12]
        );
        assert_eq!(
            t(json!([[
                "categ_id",
                "not any",
                [["name", "ilike", "office"]]
            ]])),
            [11, 13, 14, 15]
        );
        assert_eq!(t(json!([["tag_ids", "any", []]])), [10, 11, 12, 14]);
        assert_eq!(t(json!([["tag_ids", "not any", []]])), [13, 15]);
        assert_eq!(t(json!([["tag_ids", "any", false]])), Vec::<i64>::new());
        assert_eq!(
            t(json!([["tag_ids", "not any", false]])),
            [10, 11, 12, 13, 14, 15]
        );
        assert_eq!(
            t(json!([["id", "any", [["name", "ilike", "desk"]]]])),
            [10, 11, 15]
        );
        assert_eq!(
            t(json!([["id", "not any", [["name", "ilike", "desk"]]]])),
            [12, 13, 14]
        );
        assert_eq!(
            t(json!([[
                "categ_id",
                "any",
                [["parent_id", "any", [["name", "=", "Furniture"]]]]
            ]])),
            [10, 12]
        );
        assert_eq!(
            t(json!([[
                "tag_ids",
                "any",
                ["|", ["name", "=", "Wood"], ["name", "=", "Eco"]]
            ]])),
            [10, 11, 12, 14]
        );
        assert_eq!(
            partners(
                &db,
                json!([[
                    "child_ids",
                    "any",
                    [["child_ids", "any", [["name", "ilike", "nested"]]]]
                ]])
            ),
            [1]
        );
        assert!(matches!(
            error(&db, "res.partner", json!([["country_id.code", "any", []]])),
            DomainError::NotRelational { .. }
        ));
    }

    #[test]
    fn child_of_and_parent_of() {
        let db = fixture();
        let p = |d: Value| partners(&db, d);
        assert_eq!(p(json!([["id", "child_of", 1]])), [1, 2, 3, 6]);
        assert_eq!(p(json!([["id", "child_of", [2]]])), [2, 6]);
        assert_eq!(p(json!([["id", "child_of", [2, 4]]])), [2, 4, 6]);
        assert_eq!(p(json!([["id", "parent_of", 6]])), [1, 2, 6]);
        assert_eq!(p(json!([["id", "parent_of", [3, 4]]])), [1, 3, 4]);
        assert_eq!(p(json!([["id", "child_of", "Deco"]])), [4]);
        assert_eq!(p(json!([["id", "child_of", "Brandon"]])), [2, 6]);
        // a many2one to the model itself: the hierarchy through that field
        assert_eq!(p(json!([["parent_id", "child_of", 1]])), [1, 2, 3, 6]);
        assert_eq!(p(json!([["parent_id", "parent_of", 6]])), [1, 2, 6]);
        assert_eq!(p(json!([["id", "child_of", false]])), Vec::<i64>::new());
        assert_eq!(p(json!([["id", "child_of", 0]])), Vec::<i64>::new());
        assert_eq!(p(json!([["id", "child_of", []]])), Vec::<i64>::new());
        assert_eq!(p(json!(["!", ["id", "child_of", 1]])), [4, 5]);
        // a many2one to another model: that model's hierarchy
        let t = |d: Value| products(&db, d);
        assert_eq!(t(json!([["categ_id", "child_of", 2]])), [10, 11, 12, 15]);
        assert_eq!(
            t(json!([["categ_id", "child_of", "Furniture"]])),
            [10, 11, 12, 15]
        );
        assert_eq!(
            t(json!([["categ_id", "child_of", 1]])),
            [10, 11, 12, 13, 15]
        );
        assert_eq!(t(json!([["categ_id", "parent_of", 2]])), [11, 15]);
        // (on product.category, `parent_id child_of 2` is the subtree of 2, 2 included)
        assert_eq!(
            t(json!([["categ_id.parent_id", "child_of", 2]])),
            [10, 11, 12, 15]
        );
    }

    #[test]
    fn dates_and_datetimes() {
        let db = fixture();
        let p = |d: Value| partners(&db, d);
        // a date-only value means midnight
        assert_eq!(p(json!([["write_date", ">", "2024-05-01"]])), [1, 2, 3]);
        assert_eq!(p(json!([["write_date", ">=", "2024-05-01"]])), [1, 2, 3, 6]);
        assert_eq!(
            p(json!([["write_date", ">", "2020-01-01 00:00:00"]])),
            [1, 2, 3, 4, 6]
        );
        assert_eq!(
            p(json!([["write_date", ">", "2999-01-01 00:00:00"]])),
            Vec::<i64>::new()
        );
        // ISO forms, offsets, XML-RPC's compact form
        assert_eq!(
            p(json!([["write_date", ">=", "2024-05-01T10:00:00Z"]])),
            [1, 2, 3]
        );
        assert_eq!(
            p(json!([["write_date", "<", "2024-05-01 12:00:00+02:00"]])),
            [4, 6]
        );
        assert_eq!(
            p(json!([["write_date", ">", "2024-05-01T01:00:00+02:00"]])),
            [1, 2, 3, 4, 6]
        );
        assert_eq!(p(json!([["write_date", "=", "20240501T10:00:00"]])), [1]);
        assert_eq!(p(json!([["write_date", "=", "2024-05-01 10:00"]])), [1]);
        // a fraction of a second: equality on the whole second
        assert_eq!(
            p(json!([["write_date", "=", "2024-05-01 10:00:00.4"]])),
            [1]
        );
        assert_eq!(
            p(json!([["write_date", "<", "2024-05-01 10:00:00.5"]])),
            [1, 4, 6]
        );
        assert_eq!(
            p(json!([["write_date", ">=", "2024-05-01 10:00:00.5"]])),
            [2, 3]
        );
        assert_eq!(
            p(json!([[
                "write_date",
                "in",
                ["2024-05-01 10:00:00", false]
            ]])),
            [1, 5]
        );
        assert_eq!(
            p(json!([["write_date", "not in", ["2024-05-01 10:00:00"]]])),
            [2, 3, 4, 5, 6]
        );
        assert_eq!(
            p(json!([["write_date", "!=", "2024-05-01 10:00:00"]])),
            [2, 3, 4, 5, 6]
        );
        assert_eq!(p(json!([["write_date", "=", false]])), [5]);
        assert_eq!(p(json!([["write_date", ">", false]])), Vec::<i64>::new());
        assert_eq!(p(json!([["write_date", "like", "2024-05-01"]])), [1, 6]);
        // dates
        assert_eq!(p(json!([["birthday", "=", "1985-12-31"]])), [3]);
        assert_eq!(
            p(json!([["birthday", ">=", "1985-12-31 15:00:00"]])),
            [2, 3]
        );
        assert_eq!(
            p(json!([["birthday", "in", ["1985-12-31", "1990-04-12"]]])),
            [2, 3]
        );
        assert_eq!(p(json!([["birthday", "like", "1990"]])), [2]);
        // a datetime stored in ISO form
        assert_eq!(
            products(&db, json!([["write_date", "=", "2024-05-03 00:00:00"]])),
            [14]
        );
        assert_eq!(
            products(&db, json!([["write_date", ">", "2024-05-01"]])),
            [10, 11, 12, 14]
        );
        // the stamp parser itself
        let key = |s: &str| {
            parse_stamp(s)
                .and_then(|st| st.datetime_key())
                .map(|k| String::from_utf8_lossy(&k).into_owned())
        };
        assert_eq!(key("2024-02-29").as_deref(), Some("2024-02-29 00:00:00"));
        assert_eq!(key("2023-02-29"), None);
        assert_eq!(
            key("2024-01-01T00:30:00+01:00").as_deref(),
            Some("2023-12-31 23:30:00")
        );
        assert_eq!(
            key("2024-12-31 23:30:00-0100").as_deref(),
            Some("2025-01-01 00:30:00")
        );
        assert_eq!(
            key("20240501T103000").as_deref(),
            Some("2024-05-01 10:30:00")
        );
        assert_eq!(key("2024-05-01 25:00:00"), None);
        assert_eq!(key("2024-05-01 10:00:00 junk"), None);
    }

    #[test]
    fn eq_or_unset() {
        let db = fixture();
        let p = |d: Value| partners(&db, d);
        assert_eq!(p(json!([["email", "=?", false]])), [1, 2, 3, 4, 5, 6]);
        assert_eq!(p(json!([["email", "=?", null]])), [1, 2, 3, 4, 5, 6]);
        assert_eq!(p(json!([["email", "=?", ""]])), [1, 2, 3, 4, 5, 6]);
        assert_eq!(p(json!([["color", "=?", 0]])), [1, 2, 3, 4, 5, 6]);
        assert_eq!(p(json!([["email", "=?", "deco@example.com"]])), [4]);
        assert_eq!(p(json!([["country_id", "=?", 2]])), [1, 2, 6]);
        assert_eq!(p(json!(["!", ["email", "=?", false]])), Vec::<i64>::new());
        // the field must still exist
        assert!(matches!(
            error(&db, "res.partner", json!([["nofield", "=?", false]])),
            DomainError::UnknownField { .. }
        ));
    }

    #[test]
    fn like_family_and_escaping() {
        let db = fixture();
        let t = |d: Value| products(&db, d);
        assert_eq!(t(json!([["name", "like", "Desk"]])), [10, 11]);
        assert_eq!(t(json!([["name", "ilike", "desk"]])), [10, 11, 15]);
        assert_eq!(t(json!([["name", "ilike", "DESK"]])), [10, 11, 15]);
        assert_eq!(t(json!([["name", "not ilike", "desk"]])), [12, 13, 14]);
        assert_eq!(t(json!([["name", "not like", "Desk"]])), [12, 13, 14, 15]);
        // `%` and `_` inside the value are wildcards; `\` escapes them
        assert_eq!(t(json!([["name", "like", "100%"]])), [14]);
        assert_eq!(t(json!([["name", "like", "100\\%"]])), [14]);
        assert_eq!(t(json!([["name", "like", "0\\%O"]])), Vec::<i64>::new());
        assert_eq!(t(json!([["name", "like", "0% O"]])), [14]);
        assert_eq!(t(json!([["name", "like", "Office_Chair"]])), [12]);
        assert_eq!(
            t(json!([["name", "like", "Office\\_Chair"]])),
            Vec::<i64>::new()
        );
        assert_eq!(t(json!([["name", "like", "Oak\\_E"]])), [14]);
        assert_eq!(t(json!([["name", "ilike", "c%d%s"]])), [10]);
        assert_eq!(t(json!([["default_code", "ilike", "furn_"]])), [11, 12]);
        assert_eq!(t(json!([["default_code", "like", "_0"]])), [10, 11, 14]);
        // =like / =ilike: the pattern as given
        assert_eq!(t(json!([["name", "=like", "Large%"]])), [11]);
        assert_eq!(t(json!([["name", "=like", "large%"]])), Vec::<i64>::new());
        assert_eq!(t(json!([["name", "=ilike", "large desk"]])), [11]);
        assert_eq!(t(json!([["name", "=ilike", "%DESK"]])), [10, 11]);
        assert_eq!(t(json!([["name", "=like", "_ffice Chair"]])), [12]);
        assert_eq!(
            t(json!([["name", "not =like", "Large%"]])),
            [10, 12, 13, 14, 15]
        );
        assert_eq!(t(json!([["name", "not =ilike", "%desk%"]])), [12, 13, 14]);
        // empty patterns
        assert_eq!(
            t(json!([["default_code", "ilike", ""]])),
            [10, 11, 12, 13, 14, 15]
        );
        assert_eq!(
            t(json!([["default_code", "not ilike", ""]])),
            Vec::<i64>::new()
        );
        assert_eq!(
            t(json!([["default_code", "ilike", false]])),
            [10, 11, 12, 13, 14, 15]
        );
        assert_eq!(t(json!([["default_code", "=like", ""]])), [13]);
        assert_eq!(
            t(json!([["default_code", "ilike", "%"]])),
            [10, 11, 12, 14, 15]
        );
        // non-text values and fields
        assert_eq!(t(json!([["name", "ilike", 100]])), [14]);
        assert_eq!(t(json!([["list_price", "like", "75"]])), [10]);
        assert_eq!(t(json!([["list_price", "like", "20.5"]])), [14]);
        assert_eq!(
            t(json!([["is_storable", "ilike", "TRU"]])),
            [10, 11, 14, 15]
        );
        // Unicode: case-insensitive, accent-sensitive
        let p = |d: Value| partners(&db, d);
        assert_eq!(p(json!([["comment", "ilike", "über"]])), [5]);
        assert_eq!(p(json!([["comment", "ilike", "CAFÉ"]])), [5]);
        assert_eq!(p(json!([["comment", "ilike", "cafe"]])), Vec::<i64>::new());
        assert_eq!(p(json!([["comment", "=ilike", "%ü_er%"]])), [5]);
        assert_eq!(p(json!([["comment", "like", "Über"]])), [5]);
        assert_eq!(p(json!([["comment", "like", "über"]])), Vec::<i64>::new());
        // the matcher itself
        let m = |pat: &str, ci: bool, text: &str| LikePattern::new(pat, ci).matches(text);
        assert!(m("%a%b%", false, "xaxxbx"));
        assert!(!m("%a%b%", false, "xbxxax"));
        assert!(m("a%", false, "a"));
        assert!(m("%", false, ""));
        assert!(!m("_", false, ""));
        assert!(m("_é_", false, "xéy"));
        assert!(m("%%%", true, "anything"));
        assert!(m("a\\", false, "a\\"));
        assert!(m("%aa%b", false, "aaab"));
        assert!(m("%ÉCOLE%", true, "une école"));
    }

    // -----------------------------------------------------------------------------------------
    // `order`
    // -----------------------------------------------------------------------------------------

    #[test]
    fn order_parsing() {
        let o = parse_order("write_date asc, id desc").unwrap();
        assert_eq!(
            o,
            OrderBy(vec![OrderTerm::asc("write_date"), OrderTerm::desc("id")])
        );
        assert_eq!(o.to_string(), "write_date asc, id desc");
        assert_eq!(
            parse_order("name").unwrap(),
            OrderBy(vec![OrderTerm::asc("name")])
        );
        assert_eq!(
            parse_order("priority desc, name").unwrap(),
            OrderBy(vec![OrderTerm::desc("priority"), OrderTerm::asc("name")])
        );
        let t = &parse_order("  name DESC  NULLS FIRST ").unwrap().0[0];
        assert_eq!(
            (t.field.as_str(), t.descending, t.nulls_first),
            ("name", true, Some(true))
        );
        let t = &parse_order("name nulls last").unwrap().0[0];
        assert_eq!((t.descending, t.nulls_first), (false, Some(false)));
        assert_eq!(t.to_string(), "name asc nulls last");
        assert_eq!(
            parse_order("partner_id.id,date:month desc")
                .unwrap()
                .0
                .len(),
            2
        );
        assert_eq!(parse_order("Name\tAsc").unwrap().0[0].field, "Name");
        assert!(parse_order("").unwrap().is_empty());
        assert_eq!(
            parse_order("name").unwrap().with_id_tiebreak(),
            OrderBy(vec![OrderTerm::asc("name"), OrderTerm::asc("id")])
        );
        assert_eq!(
            parse_order("id desc").unwrap().with_id_tiebreak().0.len(),
            1
        );

        let e = parse_order("name desc desc").unwrap_err();
        assert_eq!(
            e.message(18),
            "Invalid \"order\" specified (name desc desc). A valid \"order\" specification is a \
             comma-separated list of valid field names (optionally followed by asc/desc for the direction)"
        );
        assert_eq!(e.exception_name(19), "odoo.exceptions.UserError");
        for bad in [
            "name,",
            ",name",
            "name,,id",
            " ",
            "name; drop table res_partner",
            "name nulls  first",
            "name asc nulls",
            "name nulls middle",
            "na-me",
            "name.",
            "\"name\"",
            "name:",
            "name ascending",
        ] {
            assert!(
                matches!(parse_order(bad), Err(DomainError::InvalidOrder { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn order_validation() {
        let db = fixture();
        let check = |o: &str| validate_order(&parse_order(o).unwrap(), "res.partner", &db);
        check("write_date asc, id desc, country_id, country_id.id desc").unwrap();
        let e = check("nofield").unwrap_err();
        assert_eq!(
            e.message(18),
            "Invalid field 'nofield' on model 'res.partner'"
        );
        assert_eq!(e.exception_name(18), "builtins.ValueError");
        let e = check("name, child_ids").unwrap_err();
        assert_eq!(
            e.message(18),
            "Cannot convert res.partner.child_ids to SQL because it is not stored"
        );
        assert!(matches!(
            check("display_name").unwrap_err(),
            DomainError::UnsortableField { .. }
        ));
        assert!(matches!(
            check("category_id").unwrap_err(),
            DomainError::UnsortableField { .. }
        ));
        let e = check("country_id.name").unwrap_err();
        assert_eq!(
            e.message(19),
            "Invalid field 'country_id.name' on model 'res.partner'"
        );
        let e = validate_order(
            &parse_order("qty_available desc").unwrap(),
            "product.product",
            &db,
        )
        .unwrap_err();
        assert!(matches!(e, DomainError::UnsortableField { .. }));
    }

    fn sorted(db: &Db, model: &str, order: &str) -> Vec<i64> {
        let order = parse_order(order).unwrap().with_id_tiebreak();
        let mut ids = db.ids(model);
        ids.reverse();
        sort_ids(&order, model, &mut ids, db);
        // compare() agrees with sort_ids()
        let mut again = db.ids(model);
        again.sort_by(|&a, &b| compare(&order, model, a, b, db));
        assert_eq!(ids, again, "{order}");
        ids
    }

    #[test]
    fn sorting() {
        let db = fixture();
        // NULLs last ascending, first descending, unless told otherwise
        assert_eq!(sorted(&db, "res.partner", "write_date"), [4, 6, 1, 2, 3, 5]);
        assert_eq!(
            sorted(&db, "res.partner", "write_date desc"),
            [5, 3, 2, 1, 6, 4]
        );
        assert_eq!(
            sorted(&db, "res.partner", "write_date desc nulls last"),
            [3, 2, 1, 6, 4, 5]
        );
        assert_eq!(
            sorted(&db, "res.partner", "write_date asc nulls first"),
            [5, 4, 6, 1, 2, 3]
        );
        // many2one by the related record's name
        assert_eq!(sorted(&db, "res.partner", "country_id"), [4, 5, 1, 2, 6, 3]);
        assert_eq!(
            sorted(&db, "res.partner", "country_id desc"),
            [3, 1, 2, 6, 5, 4]
        );
        assert_eq!(
            sorted(&db, "res.partner", "country_id.id desc, id desc"),
            [3, 5, 6, 2, 1, 4]
        );
        // booleans: NULL is false
        assert_eq!(
            sorted(&db, "res.partner", "is_company desc, name"),
            [1, 4, 5, 2, 3, 6]
        );
        assert_eq!(sorted(&db, "res.partner", "active, id"), [5, 6, 1, 2, 3, 4]);
        // text in byte order (LC_COLLATE 'C'); empty text is not NULL
        assert_eq!(
            sorted(&db, "product.product", "name"),
            [13, 10, 14, 11, 12, 15]
        );
        assert_eq!(sorted(&db, "res.partner", "email"), [5, 2, 4, 1, 6, 3]);
        assert_eq!(
            sorted(&db, "product.product", "list_price desc"),
            [11, 10, 13, 12, 15, 14]
        );
        assert_eq!(
            sorted(&db, "product.product", "priority desc, name"),
            [10, 14, 13, 11, 12, 15]
        );
        assert_eq!(
            sorted(&db, "res.partner", "birthday, id desc"),
            [3, 2, 6, 5, 4, 1]
        );
        assert_eq!(
            sorted(&db, "res.partner", "credit_limit desc"),
            [1, 4, 2, 3, 5, 6]
        );
        // a datetime stored in ISO form sorts with the others
        assert_eq!(
            sorted(&db, "product.product", "write_date desc"),
            [15, 14, 11, 12, 10, 13]
        );
        // unknown and x2many fields are ignored
        assert_eq!(
            sorted(&db, "res.partner", "nofield, child_ids"),
            [1, 2, 3, 4, 5, 6]
        );
        assert_eq!(
            compare(&OrderBy::default(), "res.partner", 1, 2, &db),
            Ordering::Equal
        );
    }

    // -----------------------------------------------------------------------------------------
    // The domains of the recorded transcripts
    // -----------------------------------------------------------------------------------------

    fn transcripts_dir() -> Option<PathBuf> {
        [
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/odoo/transcripts"
            )),
            PathBuf::from("/work/shared/odoo/transcripts"),
        ]
        .into_iter()
        .find(|p| p.is_dir())
    }

    struct Recorded {
        place: String,
        version: u32,
        model: String,
        domain: Value,
        error: Option<String>,
    }

    const SEARCHES: [&str; 3] = ["search", "search_read", "search_count"];

    /// The domain (and model) of a recorded request, if it carries one.
    fn domain_of(endpoint: &str, body: &Value) -> Option<(String, Value)> {
        let text = |v: &Value| v.as_str().map(str::to_string);
        if let Some(params) = body.get("params") {
            let args = params.get("args").and_then(Value::as_array);
            let service = params.get("service").and_then(Value::as_str);
            let method = params.get("method").and_then(Value::as_str);
            return match (service, method, args) {
                (Some("object"), Some("execute_kw"), Some(args)) if args.len() >= 5 => {
                    let model = text(&args[3])?;
                    let method = args[4].as_str()?;
                    let positional = args.get(5).and_then(Value::as_array);
                    let kwargs = args.get(6);
                    let domain = if SEARCHES.contains(&method) {
                        positional
                            .and_then(|p| p.first())
                            .or_else(|| kwargs.and_then(|k| k.get("domain")))
                    } else if method == "name_search" {
                        kwargs
                            .and_then(|k| k.get("args").or_else(|| k.get("domain")))
                            .or_else(|| positional.and_then(|p| p.get(1)))
                    } else {
                        None
                    };
                    Some((model, domain?.clone()))
                }
                (Some("object"), Some("execute"), Some(args)) if args.len() >= 6 => SEARCHES
                    .contains(&args[4].as_str()?)
                    .then(|| (text(&args[3]).unwrap_or_default(), args[5].clone())),
                _ => {
                    let model = text(params.get("model")?)?;
                    if !SEARCHES.contains(&params.get("method")?.as_str()?) {
                        return None;
                    }
                    let domain = params
                        .get("args")
                        .and_then(|a| a.get(0))
                        .or_else(|| params.get("kwargs").and_then(|k| k.get("domain")))?;
                    Some((model, domain.clone()))
                }
            };
        }
        let rest = endpoint.strip_prefix("/json/2/")?;
        let (model, method) = rest.split_once('/')?;
        if !SEARCHES.contains(&method) {
            return None;
        }
        Some((model.to_string(), body.get("domain")?.clone()))
    }

    fn recorded_domains(dir: &Path) -> Vec<Recorded> {
        let mut out = Vec::new();
        for (folder, version) in [("18.0", 18), ("19.0", 19)] {
            let Ok(entries) = std::fs::read_dir(dir.join(folder)) else {
                continue;
            };
            let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
            paths.sort();
            for path in paths
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
            {
                let doc: Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                for (i, ex) in doc["exchanges"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let body = &ex["request_body"];
                    if !body.is_object() {
                        continue; // XML-RPC (and other raw) bodies
                    }
                    let endpoint = ex["endpoint"].as_str().unwrap_or("");
                    let Some((model, domain)) = domain_of(endpoint, body) else {
                        continue;
                    };
                    let answer = &ex["response_body"];
                    let error = answer
                        .pointer("/error/data/message")
                        .or_else(|| {
                            (ex["status"] != 200)
                                .then(|| answer.get("message"))
                                .flatten()
                        })
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    out.push(Recorded {
                        place: format!("{}#{i}", path.display()),
                        version,
                        model,
                        domain,
                        error,
                    });
                }
            }
        }
        out
    }

    fn is_domain_error(message: &str) -> bool {
        message.contains(" in leaf (")
            || message.contains(" in condition (")
            || message.starts_with("not enough values to unpack")
            || message.starts_with("too many values to unpack")
            || message.starts_with("Invalid leaf")
            || message.starts_with("Invalid operator")
            || message.starts_with("Domain")
    }

    #[test]
    fn recorded_transcript_domains() {
        let Some(dir) = transcripts_dir() else {
            eprintln!("no transcripts found; skipped");
            return;
        };
        let db = fixture();
        let recorded = recorded_domains(&dir);
        let (mut parsed, mut validated, mut refused) = (0, 0, 0);
        for r in &recorded {
            let result = parse(&r.domain);
            match r.error.as_deref().filter(|m| is_domain_error(m)) {
                Some(expected) => {
                    let err = result
                        .and_then(|d| validate(&d, &r.model, &db))
                        .expect_err(&format!("{}: {} should fail", r.place, r.domain));
                    assert_eq!(err.message(r.version), expected, "{}", r.place);
                    assert_eq!(
                        err.exception_name(r.version),
                        "builtins.ValueError",
                        "{}",
                        r.place
                    );
                    refused += 1;
                }
                None => {
                    let d = result.unwrap_or_else(|e| panic!("{}: {}: {e}", r.place, r.domain));
                    parsed += 1;
                    if db.models.contains_key(r.model.as_str()) {
                        validate(&d, &r.model, &db).unwrap_or_else(|e| panic!("{}: {e}", r.place));
                        Matcher::compile(&d, &r.model, &db).unwrap();
                        validated += 1;
                    }
                    assert_eq!(parse(&d.to_json()).unwrap(), d, "{}", r.place);
                }
            }
        }
        eprintln!(
            "transcript domains: {parsed} parsed ({validated} validated), {refused} refused as recorded"
        );
        assert!(parsed >= 40, "only {parsed} domains found");
        assert!(validated >= 20);
        assert!(refused >= 4, "only {refused} domain errors found");
    }

    #[test]
    fn recorded_domains_evaluate_on_the_fixture() {
        // The shapes the transcripts use, on the fixture data.
        let db = fixture();
        assert_eq!(
            products(
                &db,
                json!([
                    "|",
                    ["name", "ilike", "desk"],
                    ["default_code", "ilike", "DESK"],
                    ["is_storable", "=", true]
                ])
            ),
            [10, 11, 15]
        );
        assert_eq!(
            products(
                &db,
                json!([["sale_ok", "=", true], ["is_storable", "=", true]])
            ),
            [10, 11, 14, 15]
        );
        assert_eq!(
            products(
                &db,
                json!([
                    ["write_date", ">", "2020-01-01 00:00:00"],
                    ["type", "=", "consu"]
                ])
            ),
            [10, 11, 12, 14]
        );
        assert_eq!(
            products(
                &db,
                json!([
                    "|",
                    ["write_date", ">", "2020-01-01"],
                    ["active", "=", false]
                ])
            ),
            [10, 11, 12, 13, 14]
        );
        assert_eq!(
            products(&db, json!([["default_code", "=", "FURN_7800"]])),
            [11]
        );
        assert_eq!(
            partners(
                &db,
                json!([["is_company", "=", true], ["country_id.code", "=", "US"]])
            ),
            [1]
        );
        let mut ids = partners(&db, json!([["is_company", "=", true]]));
        sort_ids(&parse_order("name").unwrap(), "res.partner", &mut ids, &db);
        assert_eq!(ids, [1, 4, 5]);
    }
}
