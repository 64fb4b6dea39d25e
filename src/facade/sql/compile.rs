//! Domains and `order` clauses of the hub models compiled to SQL text with bound parameters.
//!
//! The SQL means what the in-memory engine ([`Matcher`](crate::rpc::domain::Matcher)) means; the
//! notes below say how each of its rules is written.
//!
//! - Every leaf is written so that a row where it is false or NULL is left out. Under `!` (and
//!   under the negative operators, which are `!` of their positive form) the operand is wrapped in
//!   `NOT COALESCE(..., FALSE)`: SQL's unknown counts as false, so `!=`, `not in`, `not like`... keep
//!   the rows whose value is NULL, as the engine does.
//! - An empty number is 0 (`qty < 5` and `qty = False` match NULL), an empty boolean is false, an
//!   empty text is NULL or `''`; `=`, `<`, `like`... never match a NULL text.
//! - Relational conditions become `IN (SELECT ...)` on the comodel (x2many: through the inverse
//!   column); names are matched on the comodel's name column with the same operator.
//! - `like`/`ilike` wrap the value in `%...%` without escaping it: `%` and `_` in the value stay
//!   wildcards and `\` escapes them, as in the engine (and Odoo).
//! - Datetimes stored as epoch milliseconds are compared by the second the value names (`<=
//!   10:00:00` is `< 10:00:01.000`), as the engine compares wire texts; they sort by their
//!   milliseconds (the index order), where the engine sorts by the second.
//! - Text ordering and `<`/`>` on text are byte order (`COLLATE "C"` on PostgreSQL; SQLite's
//!   `BINARY` is byte order already), as Odoo's databases sort. An empty number or boolean sorts
//!   as 0, as in the engine.
//! - `any`, dotted paths and name searches do not apply `active_test` to the comodel (the engine
//!   searches every comodel record).
//! - `like`/`=like` are case-sensitive: PostgreSQL `LIKE`, SQLite `GLOB` (its `LIKE` ignores ASCII
//!   case). `ilike`/`=ilike`: PostgreSQL `ILIKE` (folds case as the database's `LC_CTYPE` does:
//!   Unicode for `C.UTF-8` and the usual locales); SQLite `LIKE` for ASCII patterns and, for
//!   others, a Unicode folding function registered on the connection when needed.

use std::borrow::Cow;

use serde_json::Value;

use super::SqlError;
use super::values::{
    Tok, bool_arg, datetime_arg, glob_text, is_empty_arg, like_arg, like_text, like_tokens,
    num_arg, py_str, py_truthy, py_type,
};
use crate::facade::model::{FieldDef, FieldType, ModelDef, Registry};
use crate::rpc::domain::{
    Domain, DomainError, Leaf, LeafRepr, Operator, OrderBy, RelItems, rel_items,
};

/// The SQLite function that folds text for `ilike` with non-ASCII patterns.
pub(super) const CASEFOLD: &str = "adlerdo_casefold";

/// A bound parameter.
#[derive(Debug)]
pub(super) enum Param {
    Int(i64),
    Float(f64),
    Text(String),
    /// A NULL of the column's type (PostgreSQL types its parameters).
    Null(NullType),
    /// PostgreSQL arrays (`IN (SELECT unnest($n))`); SQLite gets a JSON text for `json_each`.
    Ints(Vec<i64>),
    Floats(Vec<f64>),
    Texts(Vec<String>),
}

#[derive(Clone, Copy, Debug)]
pub(super) enum NullType {
    Int,
    Float,
    Text,
}

/// A statement being built: its text, its parameters in placeholder order, and what it needs
/// from the connection.
#[derive(Debug)]
pub(super) struct Sql {
    /// The statement without its placeholders (diesel writes them: `$n` or `?`).
    pub(super) text: String,
    /// Where each parameter goes in `text` (byte offsets, in order).
    pub(super) marks: Vec<usize>,
    pub(super) params: Vec<Param>,
    pub(super) pg: bool,
    /// SQLite: the statement calls [`CASEFOLD`].
    pub(super) casefold: bool,
    aliases: u32,
}

/// How a field's values compare.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Text,
    Int,
    Float,
    Bool,
    /// Datetime stored as epoch milliseconds.
    Epoch,
    /// Datetime stored as `YYYY-MM-DD HH:MM:SS` text.
    DtText,
    M2o(&'static ModelDef),
    /// One2many: the comodel and its inverse column.
    X2m(&'static ModelDef, &'static str),
}

/// What a domain names.
#[derive(Clone, Copy, Debug)]
pub(super) enum Target {
    Id,
    /// `display_name`: the model's name column.
    Name,
    Field(&'static FieldDef),
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn of(op: Operator) -> Option<Self> {
        Some(match op {
            Operator::Lt => Self::Lt,
            Operator::Le => Self::Le,
            Operator::Gt => Self::Gt,
            Operator::Ge => Self::Ge,
            _ => return None,
        })
    }

    fn sql(self) -> &'static str {
        match self {
            Self::Lt => " < ",
            Self::Le => " <= ",
            Self::Gt => " > ",
            Self::Ge => " >= ",
        }
    }

    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Self::Lt => a < b,
            Self::Le => a <= b,
            Self::Gt => a > b,
            Self::Ge => a >= b,
        }
    }
}

/// A condition on the rows of a comodel (aliased inside a sub-select).
enum CoCond<'v> {
    Ids(Vec<i64>),
    /// The name column with a positive operator.
    Names(Operator, Cow<'v, Value>),
    Domain(Domain),
    /// The rest of a dotted path.
    Path(&'v Leaf, usize),
    /// The id compared with a number.
    IdCmp(Cmp, i64),
}

/// The leaf being compiled, for error messages (the remaining path, as the engine words them).
#[derive(Clone, Copy)]
struct At<'l> {
    leaf: &'l Leaf,
    depth: usize,
}

impl At<'_> {
    fn repr(&self) -> LeafRepr {
        let path = self.leaf.path[self.depth.min(self.leaf.path.len())..].join(".");
        LeafRepr::new(
            Value::from(path),
            Value::from(self.leaf.operator.as_str()),
            self.leaf.value.clone(),
        )
    }

    fn bad_value(&self, message: impl Into<String>, type_error: bool) -> SqlError {
        SqlError::Domain(DomainError::InvalidValue {
            leaf: self.repr(),
            message: message.into(),
            type_error,
        })
    }

    fn bad_operator(&self) -> SqlError {
        SqlError::Domain(DomainError::InvalidOperator { leaf: self.repr() })
    }
}

type R = Result<(), SqlError>;

/// The table of a model.
pub(super) fn table(model: &'static ModelDef) -> Result<&'static str, SqlError> {
    model.table.ok_or(SqlError::NoTable { model: model.name })
}

/// A model by name, with a table.
pub(super) fn model_named(name: &'static str) -> Result<&'static ModelDef, SqlError> {
    match Registry.model(name) {
        Some(m) if m.table.is_some() => Ok(m),
        _ => Err(SqlError::NoTable { model: name }),
    }
}

/// A boolean field over a column that another (non-boolean) field owns: "has a value"
/// (`has_credentials` over `credentials`). Read as 0/1, never as the column itself.
pub(super) fn is_presence_flag(model: &ModelDef, field: &FieldDef) -> bool {
    field.ty == FieldType::Boolean
        && field.column.is_some()
        && model
            .fields
            .iter()
            .any(|f| f.column == field.column && f.ty != FieldType::Boolean)
}

/// What `name` denotes on `model` for domains and orders (write-only fields are hidden).
pub(super) fn resolve(model: &'static ModelDef, name: &str) -> Option<Target> {
    match name {
        "id" => Some(Target::Id),
        "display_name" => Some(Target::Name),
        _ => model
            .field(name)
            .filter(|f| f.searchable())
            .map(Target::Field),
    }
}

fn kind_of(target: Target) -> Result<Kind, SqlError> {
    Ok(match target {
        Target::Id => Kind::Int,
        Target::Name => Kind::Text,
        Target::Field(f) => match f.ty {
            FieldType::Char | FieldType::Text | FieldType::Json | FieldType::Selection(_) => {
                Kind::Text
            }
            FieldType::Integer => Kind::Int,
            FieldType::Float | FieldType::Monetary => Kind::Float,
            FieldType::Boolean => Kind::Bool,
            FieldType::Datetime => Kind::Epoch,
            FieldType::DatetimeText => Kind::DtText,
            FieldType::Many2one(comodel) => Kind::M2o(model_named(comodel)?),
            FieldType::One2many { comodel, inverse } => {
                let co = model_named(comodel)?;
                let column =
                    co.field(inverse)
                        .and_then(|f| f.column)
                        .ok_or(SqlError::NotStored {
                            model: co.name,
                            field: inverse,
                        })?;
                Kind::X2m(co, column)
            }
        },
    })
}

/// Whether a target's column may hold NULL. `id`, required fields and the name column (a
/// required field's, or one no field owns, which `insert` always fills) may not: their `ORDER BY`
/// terms need no `NULLS FIRST/LAST`, which keeps them able to walk an index on SQLite (whose
/// default puts NULLs first ascending).
fn nullable(model: &ModelDef, target: Target) -> bool {
    match target {
        Target::Id => false,
        Target::Field(f) => !f.required,
        Target::Name => model
            .fields
            .iter()
            .any(|f| f.column == Some(model.name_column) && !f.required),
    }
}

/// The SQL expression of a target's stored value on `alias`.
pub(super) fn value_expr(model: &ModelDef, target: Target, alias: &str) -> String {
    match target {
        Target::Id => format!("{alias}.id"),
        Target::Name => format!("{alias}.{}", model.name_column),
        Target::Field(f) => match f.column {
            Some(col) if is_presence_flag(model, f) => {
                format!("(CASE WHEN {alias}.{col} IS NULL OR {alias}.{col} = '' THEN 0 ELSE 1 END)")
            }
            Some(col) => format!("{alias}.{col}"),
            None => "NULL".to_string(),
        },
    }
}

impl Sql {
    pub(super) fn new(pg: bool) -> Self {
        Self {
            text: String::with_capacity(256),
            marks: Vec::new(),
            params: Vec::new(),
            pg,
            casefold: false,
            aliases: 0,
        }
    }

    pub(super) fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    /// A parameter at this point of the text.
    pub(super) fn param(&mut self, p: Param) {
        self.marks.push(self.text.len());
        self.params.push(p);
    }

    /// The text with its placeholders, as the backend reads it.
    #[cfg(test)]
    pub(super) fn rendered(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 4 * self.marks.len());
        let mut at = 0;
        for (i, &mark) in self.marks.iter().enumerate() {
            out.push_str(&self.text[at..mark]);
            if self.pg {
                out.push_str(&format!("${}", i + 1));
            } else {
                out.push('?');
            }
            at = mark;
        }
        out.push_str(&self.text[at..]);
        out
    }

    /// A fresh table alias for a sub-select (`t0` is the main table).
    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("t{}", self.aliases)
    }

    /// Text comparison operators compare bytes.
    fn collate(&mut self) {
        if self.pg {
            self.push(" COLLATE \"C\"");
        }
    }

    /// `expr` is one of `ids`. One statement text for any number of ids (PostgreSQL `unnest` of
    /// an array, SQLite `json_each` of a JSON array), so the prepared statement is reused. (Not
    /// `= ANY($n)`: its generic plan searches the array linearly for every row.)
    pub(super) fn in_ids(&mut self, expr: &str, ids: &[i64]) {
        if ids.is_empty() {
            self.push("FALSE");
            return;
        }
        self.push(expr);
        match ids {
            [] => {}
            [one] => {
                self.push(" = ");
                self.param(Param::Int(*one));
            }
            _ => self.in_list(ids.to_vec(), Param::Ints),
        }
    }

    /// ` IN (<the list>)`: a PostgreSQL array `unnest`ed, or a JSON array through SQLite's
    /// `json_each`; one statement text whatever the list's length.
    fn in_list<T: Into<Value>>(&mut self, values: Vec<T>, array: fn(Vec<T>) -> Param) {
        if self.pg {
            self.push(" IN (SELECT unnest(");
            self.param(array(values));
        } else {
            self.push(" IN (SELECT value FROM json_each(");
            self.param(Param::Text(Value::from(values).to_string()));
        }
        self.push("))");
    }

    fn in_floats(&mut self, expr: &str, values: Vec<f64>) {
        self.push(expr);
        self.in_list(values, Param::Floats);
    }

    fn in_texts(&mut self, expr: &str, values: Vec<String>) {
        self.push(expr);
        self.in_list(values, Param::Texts);
    }

    /// The domain as a boolean expression on the rows of `model` aliased `alias`.
    pub(super) fn domain(&mut self, domain: &Domain, model: &'static ModelDef, alias: &str) -> R {
        match domain {
            Domain::True => self.push("TRUE"),
            Domain::False => self.push("FALSE"),
            Domain::And(children) | Domain::Or(children) => {
                let and = matches!(domain, Domain::And(_));
                if children.is_empty() {
                    self.push(if and { "TRUE" } else { "FALSE" });
                    return Ok(());
                }
                self.push("(");
                for (i, child) in children.iter().enumerate() {
                    if i > 0 {
                        self.push(if and { " AND " } else { " OR " });
                    }
                    self.domain(child, model, alias)?;
                }
                self.push(")");
            }
            Domain::Not(child) => {
                self.push("NOT COALESCE(");
                self.domain(child, model, alias)?;
                self.push(", FALSE)");
            }
            Domain::Leaf(leaf) => self.leaf(leaf, 0, model, alias)?,
        }
        Ok(())
    }

    fn leaf(&mut self, leaf: &Leaf, depth: usize, model: &'static ModelDef, alias: &str) -> R {
        let at = At { leaf, depth };
        let Some(name) = leaf.path.get(depth) else {
            return Err(SqlError::Domain(DomainError::InvalidFieldName {
                leaf: at.repr(),
            }));
        };
        let Some(target) = resolve(model, name) else {
            return Err(SqlError::Domain(DomainError::UnknownField {
                model: model.name.to_string(),
                field: name.clone(),
                leaf: at.repr(),
            }));
        };
        let kind = kind_of(target)?;
        if leaf.path.len() > depth + 1 {
            // `a.b.c op v` is `a any [(b.c op v)]`.
            if !matches!(kind, Kind::M2o(_) | Kind::X2m(..)) {
                return Err(SqlError::Domain(DomainError::InvalidPath {
                    model: model.name.to_string(),
                    field: name.clone(),
                    leaf: at.repr(),
                }));
            }
            return self.rel(
                model,
                target,
                kind,
                alias,
                &[CoCond::Path(leaf, depth + 1)],
                false,
            );
        }
        let (op, value) = (leaf.operator, &leaf.value);
        match op {
            Operator::Any | Operator::NotAny => {
                let sub = match value {
                    Value::Array(_) => crate::rpc::domain::parse(value)?,
                    Value::Null | Value::Bool(false) => Domain::False,
                    Value::Bool(true) => Domain::True,
                    other => {
                        return Err(SqlError::Domain(DomainError::NotAList {
                            repr: crate::rpc::domain::py_repr(other),
                            py_type: py_type(other),
                        }));
                    }
                };
                if op == Operator::NotAny {
                    self.push("NOT COALESCE(");
                }
                match (target, kind) {
                    (Target::Id, _) => self.domain(&sub, model, alias)?,
                    (_, Kind::M2o(_) | Kind::X2m(..)) => {
                        self.rel(model, target, kind, alias, &[CoCond::Domain(sub)], false)?
                    }
                    _ => {
                        return Err(SqlError::Domain(DomainError::NotRelational {
                            model: model.name.to_string(),
                            field: name.clone(),
                            operator: op,
                            leaf: at.repr(),
                        }));
                    }
                }
                if op == Operator::NotAny {
                    self.push(", FALSE)");
                }
                Ok(())
            }
            Operator::ChildOf | Operator::ParentOf => {
                // No hub model has a hierarchy (a `parent_id` to itself).
                let hmodel = match kind {
                    Kind::M2o(co) | Kind::X2m(co, _) => co.name,
                    _ if matches!(target, Target::Id) => model.name,
                    _ => {
                        return Err(SqlError::Domain(DomainError::NotRelational {
                            model: model.name.to_string(),
                            field: name.clone(),
                            operator: op,
                            leaf: at.repr(),
                        }));
                    }
                };
                Err(SqlError::Domain(DomainError::InvalidParent {
                    model: hmodel.to_string(),
                    field: "parent_id".to_string(),
                }))
            }
            Operator::EqOrUnset if !py_truthy(value) => {
                self.push("TRUE");
                Ok(())
            }
            _ => {
                let positive = if op == Operator::EqOrUnset {
                    Operator::Eq
                } else {
                    op.positive()
                };
                let negative = op.is_negative();
                if negative {
                    self.push("NOT COALESCE(");
                }
                self.condition(model, target, kind, alias, positive, value, at)?;
                if negative {
                    self.push(", FALSE)");
                }
                Ok(())
            }
        }
    }

    /// A positive operator on a field of `model` (aliased `alias`).
    #[allow(clippy::too_many_arguments)]
    fn condition(
        &mut self,
        model: &'static ModelDef,
        target: Target,
        kind: Kind,
        alias: &str,
        op: Operator,
        value: &Value,
        at: At<'_>,
    ) -> R {
        // Odoo's normalizations: `=` with a list is `in`; `in` with `false`/`null` is `=`.
        let no_value = Value::Bool(false);
        let (op, value) = match (op, value) {
            (Operator::Eq, Value::Array(a)) if a.is_empty() => (Operator::Eq, &no_value),
            (Operator::Eq, Value::Array(_)) => (Operator::In, value),
            (Operator::In, Value::Null | Value::Bool(false)) => (Operator::Eq, value),
            _ => (op, value),
        };
        if value.is_object() {
            return Err(at.bad_value("can't adapt type 'dict'", false));
        }
        if matches!(kind, Kind::M2o(_) | Kind::X2m(..)) {
            return self.relational(model, target, kind, alias, op, value, at);
        }
        let expr = value_expr(model, target, alias);
        let items: &[Value] = match value {
            Value::Array(a) => a,
            v => std::slice::from_ref(v),
        };
        match op {
            Operator::Eq if !py_truthy(value) && !value.is_number() => {
                self.unset(kind, &expr, alias);
                Ok(())
            }
            Operator::Eq | Operator::In => self.membership(target, kind, &expr, items, at),
            Operator::Gt | Operator::Ge | Operator::Lt | Operator::Le => {
                let cmp = Cmp::of(op).ok_or_else(|| at.bad_operator())?;
                if matches!(value, Value::Null | Value::Bool(false)) {
                    self.push("FALSE");
                    return Ok(());
                }
                if value.is_array() {
                    return Err(at.bad_value("can't compare a field with a list", true));
                }
                self.compare(target, kind, &expr, cmp, value, at)
            }
            Operator::Like | Operator::ILike | Operator::EqLike | Operator::EqILike => {
                let pattern = like_arg(value).map_err(|m| at.bad_value(m, true))?;
                let Some(pattern) = pattern else {
                    // An empty pattern: `like` matches everything, `=like` only empty values.
                    if matches!(op, Operator::Like | Operator::ILike) {
                        self.push("TRUE");
                    } else {
                        self.unset(kind, &expr, alias);
                    }
                    return Ok(());
                };
                let wrapped = matches!(op, Operator::Like | Operator::ILike);
                let insensitive = matches!(op, Operator::ILike | Operator::EqILike);
                let toks = if wrapped {
                    like_tokens(&format!("%{pattern}%"), insensitive)
                } else {
                    like_tokens(&pattern, insensitive)
                };
                let text = self.like_value(kind, &expr);
                self.like(&text, &toks, insensitive);
                Ok(())
            }
            _ => Err(at.bad_operator()),
        }
    }

    /// The field has no value: NULL, or `''` for text, 0 for numbers, false for booleans, no
    /// related record.
    fn unset(&mut self, kind: Kind, expr: &str, alias: &str) {
        let sql = match kind {
            Kind::Text | Kind::DtText => format!("({expr} IS NULL OR {expr} = '')"),
            Kind::Int | Kind::Float => format!("({expr} IS NULL OR {expr} = 0)"),
            Kind::Bool => format!("COALESCE({expr}, 0) = 0"),
            Kind::Epoch | Kind::M2o(_) => format!("{expr} IS NULL"),
            Kind::X2m(co, inverse) => {
                let b = self.alias();
                format!(
                    "NOT EXISTS (SELECT 1 FROM {} {b} WHERE {b}.{inverse} = {alias}.id)",
                    co.table.unwrap_or_default()
                )
            }
        };
        self.push(&sql);
    }

    /// `=` one value / `in` several, on a field that is not relational.
    fn membership(
        &mut self,
        target: Target,
        kind: Kind,
        expr: &str,
        items: &[Value],
        at: At<'_>,
    ) -> R {
        if matches!(target, Target::Id) {
            let mut ids = Vec::with_capacity(items.len());
            for item in items.iter().filter(|v| !is_empty_arg(v)) {
                ids.push(num_arg(item, true).map_err(|m| at.bad_value(m, false))? as i64);
            }
            if ids.is_empty() {
                self.push("FALSE");
            } else {
                self.in_ids(expr, &ids);
            }
            return Ok(());
        }
        let unset = items.iter().any(is_empty_arg);
        let values = items.iter().filter(|v| !is_empty_arg(v));
        match kind {
            Kind::Int | Kind::Float => {
                let integer = matches!(kind, Kind::Int);
                let mut set = Vec::with_capacity(items.len());
                if unset {
                    set.push(0.0);
                }
                for v in values {
                    set.push(num_arg(v, integer).map_err(|m| at.bad_value(m, false))?);
                }
                let null = set.contains(&0.0);
                self.push("(");
                match set.as_slice() {
                    [] => self.push("FALSE"),
                    [one] => {
                        self.push(expr);
                        self.push(" = ");
                        self.num_param(*one, integer);
                    }
                    _ if integer => {
                        let ints: Vec<i64> = set.iter().map(|f| *f as i64).collect();
                        self.in_ids(expr, &ints);
                    }
                    _ => self.in_floats(expr, set),
                }
                if null {
                    self.push(" OR ");
                    self.push(expr);
                    self.push(" IS NULL");
                }
                self.push(")");
            }
            Kind::Bool => {
                let (mut yes, mut no) = (false, unset);
                for v in values {
                    if bool_arg(v) {
                        yes = true;
                    } else {
                        no = true;
                    }
                }
                match (yes, no) {
                    (true, true) => self.push("TRUE"),
                    (false, false) => self.push("FALSE"),
                    (true, false) => self.push(&format!("COALESCE({expr}, 0) <> 0")),
                    (false, true) => self.push(&format!("COALESCE({expr}, 0) = 0")),
                }
            }
            Kind::Epoch => {
                let mut set = Vec::new();
                for v in values {
                    set.push(
                        datetime_arg(v)
                            .map_err(|m| at.bad_value(m, false))?
                            .millis(),
                    );
                }
                set.sort_unstable();
                set.dedup();
                if set.is_empty() && !unset {
                    self.push("FALSE");
                    return Ok(());
                }
                self.push("(");
                for (i, ms) in set.iter().enumerate() {
                    if i > 0 {
                        self.push(" OR ");
                    }
                    self.second_of(expr, *ms);
                }
                if unset {
                    if !set.is_empty() {
                        self.push(" OR ");
                    }
                    self.push(expr);
                    self.push(" IS NULL");
                }
                self.push(")");
            }
            Kind::DtText | Kind::Text => {
                let mut set: Vec<String> = Vec::with_capacity(items.len());
                for v in values {
                    let text = if matches!(kind, Kind::DtText) {
                        datetime_arg(v).map_err(|m| at.bad_value(m, false))?.text()
                    } else {
                        py_str(v)
                            .ok_or_else(|| {
                                at.bad_value(format!("can't adapt type '{}'", py_type(v)), false)
                            })?
                            .into_owned()
                    };
                    set.push(text);
                }
                set.sort_unstable();
                set.dedup();
                if set.is_empty() && !unset {
                    self.push("FALSE");
                    return Ok(());
                }
                self.push("(");
                if unset {
                    self.push(&format!("{expr} IS NULL OR {expr} = ''"));
                    if !set.is_empty() {
                        self.push(" OR ");
                    }
                }
                if set.len() == 1 {
                    self.push(expr);
                    self.push(" = ");
                    let one = set.pop().unwrap_or_default();
                    self.param(Param::Text(one));
                } else if !set.is_empty() {
                    self.in_texts(expr, set);
                }
                self.push(")");
            }
            Kind::M2o(_) | Kind::X2m(..) => return Err(at.bad_operator()),
        }
        Ok(())
    }

    fn num_param(&mut self, value: f64, integer: bool) {
        self.param(if integer {
            Param::Int(value as i64)
        } else {
            Param::Float(value)
        });
    }

    /// The epoch-milliseconds `expr` falls within the second starting at `ms`.
    fn second_of(&mut self, expr: &str, ms: i64) {
        self.push("(");
        self.push(expr);
        self.push(" >= ");
        self.param(Param::Int(ms));
        self.push(" AND ");
        self.push(expr);
        self.push(" < ");
        self.param(Param::Int(ms.saturating_add(1000)));
        self.push(")");
    }

    /// `<`, `<=`, `>`, `>=` on a field that is not relational.
    fn compare(
        &mut self,
        target: Target,
        kind: Kind,
        expr: &str,
        cmp: Cmp,
        value: &Value,
        at: At<'_>,
    ) -> R {
        match kind {
            Kind::Int | Kind::Float | Kind::Bool => {
                let integer = matches!(target, Target::Id) || matches!(kind, Kind::Int);
                let rhs = num_arg(value, integer).map_err(|m| at.bad_value(m, false))?;
                self.push("(");
                self.push(expr);
                self.push(cmp.sql());
                self.num_param(rhs, integer);
                if cmp.holds(0.0, rhs) {
                    // An empty number is 0.
                    self.push(" OR ");
                    self.push(expr);
                    self.push(" IS NULL");
                }
                self.push(")");
            }
            Kind::Epoch | Kind::DtText => {
                let stamp = datetime_arg(value).map_err(|m| at.bad_value(m, false))?;
                // Stored values have whole seconds: `< 10:00:00.5` is `<= 10:00:00`.
                let cmp = match (cmp, stamp.fraction) {
                    (Cmp::Lt, true) => Cmp::Le,
                    (Cmp::Ge, true) => Cmp::Gt,
                    (cmp, _) => cmp,
                };
                if matches!(kind, Kind::DtText) {
                    self.push("(");
                    self.push(expr);
                    self.collate();
                    self.push(cmp.sql());
                    self.param(Param::Text(stamp.text()));
                    if matches!(cmp, Cmp::Lt | Cmp::Le) {
                        self.push(" AND ");
                        self.push(expr);
                        self.push(" <> ''");
                    }
                    self.push(")");
                } else {
                    // Milliseconds compared to whole seconds: `<= s` is `< s + 1000`.
                    let ms = stamp.millis();
                    let (op, bound) = match cmp {
                        Cmp::Lt => (" < ", ms),
                        Cmp::Le => (" < ", ms.saturating_add(1000)),
                        Cmp::Gt => (" >= ", ms.saturating_add(1000)),
                        Cmp::Ge => (" >= ", ms),
                    };
                    self.push(expr);
                    self.push(op);
                    self.param(Param::Int(bound));
                }
            }
            Kind::Text => {
                let rhs = py_str(value).unwrap_or_default().into_owned();
                self.push(expr);
                self.collate();
                self.push(cmp.sql());
                self.param(Param::Text(rhs));
            }
            Kind::M2o(_) | Kind::X2m(..) => return Err(at.bad_operator()),
        }
        Ok(())
    }

    /// The value as text, as the engine reads it for `like` (a number as its text, an empty
    /// number as `0`, a boolean as `true`/`false`, a datetime as `YYYY-MM-DD HH:MM:SS`).
    fn like_value(&self, kind: Kind, expr: &str) -> String {
        match kind {
            Kind::Text | Kind::DtText | Kind::M2o(_) | Kind::X2m(..) => expr.to_string(),
            Kind::Int => format!("COALESCE(CAST({expr} AS TEXT), '0')"),
            Kind::Float if self.pg => format!("COALESCE(CAST({expr} AS TEXT), '0')"),
            // SQLite writes 75.0 as "75.0"; the engine (and PostgreSQL) as "75".
            Kind::Float => format!(
                "COALESCE(CASE WHEN {expr} = CAST({expr} AS INTEGER) \
                 THEN CAST(CAST({expr} AS INTEGER) AS TEXT) ELSE CAST({expr} AS TEXT) END, '0')"
            ),
            Kind::Bool => format!(
                "(CASE WHEN {expr} IS NULL THEN NULL WHEN {expr} <> 0 THEN 'true' ELSE 'false' END)"
            ),
            Kind::Epoch if self.pg => format!(
                "to_char(to_timestamp(floor({expr} / 1000.0)) AT TIME ZONE 'UTC', \
                 'YYYY-MM-DD HH24:MI:SS')"
            ),
            Kind::Epoch => format!("strftime('%Y-%m-%d %H:%M:%S', {expr} / 1000, 'unixepoch')"),
        }
    }

    /// `text` matches the pattern.
    fn like(&mut self, text: &str, toks: &[Tok], insensitive: bool) {
        if self.pg {
            self.push(text);
            self.push(if insensitive { " ILIKE " } else { " LIKE " });
            self.param(Param::Text(like_text(toks)));
        } else if !insensitive {
            self.push(text);
            self.push(" GLOB ");
            self.param(Param::Text(glob_text(toks)));
        } else if toks.iter().all(|t| match t {
            Tok::Lit(c) => c.is_ascii(),
            _ => true,
        }) {
            // SQLite's LIKE ignores ASCII case only: enough for an ASCII pattern.
            self.push(text);
            self.push(" LIKE ");
            self.param(Param::Text(like_text(toks)));
            self.push(" ESCAPE '\\'");
        } else {
            self.casefold = true;
            self.push(CASEFOLD);
            self.push("(");
            self.push(text);
            self.push(") GLOB ");
            self.param(Param::Text(glob_text(toks)));
        }
    }

    /// A positive operator on a many2one or one2many field.
    #[allow(clippy::too_many_arguments)]
    fn relational(
        &mut self,
        model: &'static ModelDef,
        target: Target,
        kind: Kind,
        alias: &str,
        op: Operator,
        value: &Value,
        at: At<'_>,
    ) -> R {
        match op {
            Operator::Eq | Operator::In => {
                let RelItems {
                    ids,
                    mut names,
                    unset,
                } = rel_items(value).map_err(|m| at.bad_value(m, false))?;
                let mut conds = Vec::with_capacity(2);
                if !ids.is_empty() {
                    conds.push(CoCond::Ids(ids));
                }
                match names.len() {
                    0 => {}
                    1 => conds.push(CoCond::Names(
                        Operator::Eq,
                        Cow::Owned(names.pop().unwrap_or_default()),
                    )),
                    _ => conds.push(CoCond::Names(Operator::In, Cow::Owned(Value::Array(names)))),
                }
                self.rel(model, target, kind, alias, &conds, unset)
            }
            Operator::Gt | Operator::Ge | Operator::Lt | Operator::Le => match value {
                Value::Null | Value::Bool(false) => {
                    self.push("FALSE");
                    Ok(())
                }
                Value::String(_) => self.rel(
                    model,
                    target,
                    kind,
                    alias,
                    &[CoCond::Names(op, Cow::Borrowed(value))],
                    false,
                ),
                Value::Number(n) => {
                    let cmp = Cmp::of(op).ok_or_else(|| at.bad_operator())?;
                    let rhs = n.as_i64().unwrap_or(n.as_f64().unwrap_or(0.0) as i64);
                    self.rel(
                        model,
                        target,
                        kind,
                        alias,
                        &[CoCond::IdCmp(cmp, rhs)],
                        false,
                    )
                }
                _ => Err(at.bad_value("can't compare a relational field with this value", true)),
            },
            Operator::Like | Operator::ILike | Operator::EqLike | Operator::EqILike => {
                let pattern = like_arg(value).map_err(|m| at.bad_value(m, true))?;
                match pattern {
                    // `like ''` matches records that have a value; `=like ''` those that have none.
                    None if matches!(op, Operator::Like | Operator::ILike) => {
                        self.push("NOT COALESCE(");
                        self.unset(kind, &value_expr(model, target, alias), alias);
                        self.push(", FALSE)");
                        Ok(())
                    }
                    None => {
                        self.unset(kind, &value_expr(model, target, alias), alias);
                        Ok(())
                    }
                    Some(p) => {
                        let names = CoCond::Names(op, Cow::Owned(Value::from(p.into_owned())));
                        self.rel(model, target, kind, alias, &[names], false)
                    }
                }
            }
            _ => Err(at.bad_operator()),
        }
    }

    /// The relational field points to a comodel row satisfying one of `conds`, or (`unset`) to
    /// none at all.
    fn rel(
        &mut self,
        model: &'static ModelDef,
        target: Target,
        kind: Kind,
        alias: &str,
        conds: &[CoCond<'_>],
        unset: bool,
    ) -> R {
        if conds.is_empty() && !unset {
            self.push("FALSE");
            return Ok(());
        }
        self.push("(");
        match kind {
            Kind::M2o(co) => {
                let expr = value_expr(model, target, alias);
                let co_table = table(co)?;
                for (i, cond) in conds.iter().enumerate() {
                    if i > 0 {
                        self.push(" OR ");
                    }
                    match cond {
                        CoCond::Ids(ids) => self.in_ids(&expr, ids),
                        CoCond::IdCmp(cmp, rhs) => {
                            self.push(&expr);
                            self.push(cmp.sql());
                            self.param(Param::Int(*rhs));
                        }
                        cond => {
                            let b = self.alias();
                            self.push(&format!(
                                "{expr} IN (SELECT {b}.id FROM {co_table} {b} WHERE "
                            ));
                            self.co_cond(cond, co, &b)?;
                            self.push(")");
                        }
                    }
                }
                if unset {
                    if !conds.is_empty() {
                        self.push(" OR ");
                    }
                    self.push(&expr);
                    self.push(" IS NULL");
                }
            }
            Kind::X2m(co, inverse) => {
                let co_table = table(co)?;
                if !conds.is_empty() {
                    let b = self.alias();
                    self.push(&format!(
                        "{alias}.id IN (SELECT {b}.{inverse} FROM {co_table} {b} \
                         WHERE {b}.{inverse} IS NOT NULL AND ("
                    ));
                    for (i, cond) in conds.iter().enumerate() {
                        if i > 0 {
                            self.push(" OR ");
                        }
                        self.co_cond(cond, co, &b)?;
                    }
                    self.push("))");
                }
                if unset {
                    if !conds.is_empty() {
                        self.push(" OR ");
                    }
                    self.unset(kind, "", alias);
                }
            }
            _ => self.push("FALSE"),
        }
        self.push(")");
        Ok(())
    }

    /// A condition on the comodel's rows aliased `b`.
    fn co_cond(&mut self, cond: &CoCond<'_>, co: &'static ModelDef, b: &str) -> R {
        match cond {
            CoCond::Ids(ids) => {
                self.in_ids(&format!("{b}.id"), ids);
                Ok(())
            }
            CoCond::IdCmp(cmp, rhs) => {
                self.push(&format!("{b}.id"));
                self.push(cmp.sql());
                self.param(Param::Int(*rhs));
                Ok(())
            }
            CoCond::Names(op, value) => {
                // Names are compared with the operator as written on the wire, errors worded
                // on a leaf of their own.
                let leaf = Leaf {
                    path: vec!["display_name".to_string()],
                    operator: *op,
                    value: value.clone().into_owned(),
                };
                let at = At {
                    leaf: &leaf,
                    depth: 0,
                };
                self.condition(co, Target::Name, Kind::Text, b, *op, value.as_ref(), at)
            }
            CoCond::Domain(domain) => self.domain(domain, co, b),
            CoCond::Path(leaf, depth) => self.leaf(leaf, *depth, co, b),
        }
    }

    /// ` ORDER BY ...` for a validated `order` (with its `id` tie-break) on `model` aliased
    /// `alias`.
    pub(super) fn order_by(&mut self, order: &OrderBy, model: &'static ModelDef, alias: &str) -> R {
        for (i, term) in order.0.iter().enumerate() {
            self.push(if i == 0 { " ORDER BY " } else { ", " });
            let dir = if term.descending { " DESC" } else { " ASC" };
            let nulls = if term.nulls_first.unwrap_or(term.descending) {
                " NULLS FIRST"
            } else {
                " NULLS LAST"
            };
            let (name, sub) = match term.field.split_once('.') {
                Some((n, s)) => (n, Some(s)),
                None => (term.field.as_str(), None),
            };
            let unknown = || {
                SqlError::Domain(DomainError::UnknownOrderField {
                    model: model.name.to_string(),
                    field: term.field.clone(),
                })
            };
            let target = resolve(model, name).ok_or_else(unknown)?;
            let kind = kind_of(target)?;
            let expr = value_expr(model, target, alias);
            match (kind, sub) {
                (_, None) if matches!(target, Target::Id) => {
                    self.push(&expr);
                    self.push(dir);
                }
                // Epoch datetimes by their milliseconds, the index order (the engine, which
                // sees the wire text, orders by the second: they differ only within one).
                (Kind::M2o(_), Some("id")) | (Kind::Epoch, None) => {
                    self.push(&expr);
                    self.push(dir);
                    if nullable(model, target) {
                        self.push(nulls);
                    }
                }
                (_, Some(_)) => return Err(unknown()),
                (Kind::Text, None) => {
                    self.push(&expr);
                    self.collate();
                    self.push(dir);
                    if nullable(model, target) {
                        self.push(nulls);
                    }
                }
                (Kind::DtText, None) => {
                    self.push(&format!("NULLIF({expr}, '')"));
                    self.collate();
                    self.push(dir);
                    self.push(nulls);
                }
                // The engine sorts an empty number or boolean as 0.
                (Kind::Int | Kind::Float | Kind::Bool, None) => {
                    self.push(&format!("COALESCE({expr}, 0)"));
                    self.push(dir);
                }
                (Kind::M2o(co), None) => {
                    // By the related record's name, then its id.
                    let b = self.alias();
                    self.push(&format!(
                        "(SELECT {b}.{} FROM {} {b} WHERE {b}.id = {expr})",
                        co.name_column,
                        table(co)?
                    ));
                    self.collate();
                    self.push(dir);
                    self.push(nulls);
                    self.push(", ");
                    self.push(&expr);
                    self.push(dir);
                    if nullable(model, target) {
                        self.push(nulls);
                    }
                }
                (Kind::X2m(..), None) => {
                    return Err(SqlError::Domain(DomainError::UnsortableField {
                        model: model.name.to_string(),
                        field: name.to_string(),
                    }));
                }
            }
        }
        Ok(())
    }
}
