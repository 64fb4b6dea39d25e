//! Query cost as Shopify computes it (shopify.dev "GraphQL Admin API rate limits"): scalars and
//! enums 0, objects 1, lists of a connection sized by `first`/`last`, mutations 10 (productSet
//! dynamic from 2025-10). The requested cost is computed from the document before execution;
//! the actual cost from the answer, counting the objects really returned.

use apollo_compiler::executable::{Field, Operation, OperationType, Selection, SelectionSet};
use apollo_compiler::response::{JsonMap, JsonValue};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema, ast};
use serde_json::Value;

use super::schema::{ApiVersion, DYNAMIC_PRODUCT_SET_COST};

/// The most one query may cost (`MAX_COST_EXCEEDED` above it).
pub const MAX_QUERY_COST: f64 = 1000.0;
/// The default cost of a mutation.
pub const MUTATION_COST: f64 = 10.0;

pub struct Costing<'a> {
    pub schema: &'a Valid<Schema>,
    pub doc: &'a Valid<ExecutableDocument>,
    pub variables: &'a JsonMap,
    pub version: ApiVersion,
}

impl Costing<'_> {
    /// The requested cost of `op`, or its actual cost when `data` is the answer's `data`.
    pub fn cost(&self, op: &Operation, data: Option<&Value>) -> f64 {
        let total = match op.operation_type {
            OperationType::Mutation => op
                .selection_set
                .fields()
                .map(|f| self.mutation_cost(f))
                .sum(),
            _ => self.set_cost(&op.selection_set, data, None),
        };
        total.ceil()
    }

    /// The size of the largest array among the field arguments of `op` (literals included,
    /// variables substituted), when it exceeds `max`.
    pub fn oversized_argument(&self, op: &Operation, max: usize) -> Option<usize> {
        self.oversized_in(&op.selection_set, max)
    }

    fn oversized_in(&self, set: &SelectionSet, max: usize) -> Option<usize> {
        fn walk(v: &Value, max: usize) -> Option<usize> {
            match v {
                Value::Array(items) if items.len() > max => Some(items.len()),
                Value::Array(items) => items.iter().find_map(|i| walk(i, max)),
                Value::Object(m) => m.values().find_map(|i| walk(i, max)),
                _ => None,
            }
        }
        set.selections.iter().find_map(|sel| match sel {
            Selection::Field(f) => f
                .arguments
                .iter()
                .find_map(|a| walk(&self.value(&a.value), max))
                .or_else(|| self.oversized_in(&f.selection_set, max)),
            Selection::InlineFragment(i) => self.oversized_in(&i.selection_set, max),
            Selection::FragmentSpread(s) => self
                .doc
                .fragments
                .get(&s.fragment_name)
                .and_then(|frag| self.oversized_in(&frag.selection_set, max)),
        })
    }

    fn mutation_cost(&self, f: &Field) -> f64 {
        if f.name == "productSet" {
            if self.version < DYNAMIC_PRODUCT_SET_COST {
                return 50.0;
            }
            // 10 + 0.2 per variant (files and metafields are not in the simulated subset).
            let variants = f
                .specified_argument_by_name("input")
                .map(|v| self.value(v))
                .and_then(|v| v.get("variants").and_then(Value::as_array).map(Vec::len))
                .unwrap_or(0);
            return MUTATION_COST + 0.2 * variants as f64;
        }
        MUTATION_COST
    }

    /// An argument's value with variables substituted.
    fn value(&self, v: &ast::Value) -> Value {
        match v {
            ast::Value::Variable(name) => self
                .variables
                .get(name.as_str())
                .map(|v| serde_json::to_value(v).unwrap_or(Value::Null))
                .unwrap_or(Value::Null),
            ast::Value::Int(i) => i.try_to_i32().map(Value::from).unwrap_or(Value::Null),
            ast::Value::List(items) => Value::Array(items.iter().map(|i| self.value(i)).collect()),
            ast::Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), self.value(v)))
                    .collect(),
            ),
            ast::Value::String(s) => Value::String(s.to_string()),
            ast::Value::Boolean(b) => Value::Bool(*b),
            _ => Value::Null,
        }
    }

    fn int_arg(&self, f: &Field, name: &str) -> Option<f64> {
        f.specified_argument_by_name(name)
            .map(|v| self.value(v))
            .and_then(|v| v.as_f64())
    }

    fn set_cost(&self, set: &SelectionSet, data: Option<&Value>, page: Option<f64>) -> f64 {
        let mut total = 0.0;
        for sel in &set.selections {
            total += match sel {
                Selection::Field(f) => self.field_cost(f, data, page),
                Selection::InlineFragment(i) => self.set_cost(&i.selection_set, data, page),
                Selection::FragmentSpread(s) => self
                    .doc
                    .fragments
                    .get(&s.fragment_name)
                    .map(|frag| self.set_cost(&frag.selection_set, data, page))
                    .unwrap_or(0.0),
            };
        }
        total
    }

    fn field_cost(&self, f: &Field, data: Option<&Value>, page: Option<f64>) -> f64 {
        if f.name.starts_with("__") {
            return 0.0;
        }
        let named = f.definition.ty.inner_named_type();
        if matches!(
            self.schema.types.get(named),
            Some(ExtendedType::Scalar(_) | ExtendedType::Enum(_)) | None
        ) {
            return 0.0;
        }
        let child_page = named.as_str().ends_with("Connection").then(|| {
            self.int_arg(f, "first")
                .or_else(|| self.int_arg(f, "last"))
                .unwrap_or(0.0)
        });
        let sub = data.map(|d| d.get(f.response_key().as_str()).unwrap_or(&Value::Null));
        if sub.is_some_and(Value::is_null) {
            return 0.0;
        }
        if f.definition.ty.is_list() {
            if let Some(Value::Array(items)) = sub {
                return items
                    .iter()
                    .map(|i| 1.0 + self.set_cost(&f.selection_set, Some(i), child_page))
                    .sum();
            }
            let n = if matches!(f.name.as_str(), "nodes" | "edges") && page.is_some() {
                page.unwrap_or(1.0)
            } else if let Some(ids) = f.specified_argument_by_name("ids") {
                self.value(ids).as_array().map(Vec::len).unwrap_or(1) as f64
            } else {
                1.0
            };
            return n * (1.0 + self.set_cost(&f.selection_set, None, child_page));
        }
        1.0 + self.set_cost(&f.selection_set, sub, child_page)
    }
}

/// The size of the largest array in the variables, when it exceeds `max`.
pub fn oversized_array(variables: &JsonMap, max: usize) -> Option<usize> {
    fn walk(v: &JsonValue, max: usize) -> Option<usize> {
        match v {
            JsonValue::Array(items) if items.len() > max => Some(items.len()),
            JsonValue::Array(items) => items.iter().find_map(|i| walk(i, max)),
            JsonValue::Object(m) => m.values().find_map(|i| walk(i, max)),
            _ => None,
        }
    }
    variables.values().find_map(|v| walk(v, max))
}
