//! Loading Swagger 2.0 and OpenAPI 3.0 JSON documents, matching concrete requests to their
//! operations, and validating parameters and JSON bodies against the schemas.
//!
//! The schema validator covers the subset the marketplace specs use: local `$ref`, `type`,
//! `required`, `properties`, `additionalProperties`, `items`, `enum`, `allOf`/`oneOf`/`anyOf`,
//! `nullable` (and Swagger's `x-nullable`), `minimum`/`maximum` (with boolean `exclusive*`),
//! `minLength`/`maxLength`, `minItems`/`maxItems`, and the formats `date-time`, `date`, `int32`
//! and `int64`. It skips `pattern`, `multipleOf`, `uniqueItems`, `discriminator`, cookie
//! parameters, header parameters (except in [`Spec::validate_request_with_headers`]), and non-JSON
//! bodies.

use serde_json::{Map, Value};
use std::fmt;
use std::path::Path;

/// How deep schema validation may nest (through `$ref`s included) before it gives up; guards
/// against reference cycles.
const MAX_DEPTH: usize = 64;

/// The HTTP methods a path item may hold operations for.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One way in which a request or response departs from the spec.
///
/// `path` locates the problem: a JSON pointer into the body (`/requests/0/sku`, `""` for the
/// body itself), `query:<name>` or `path:<name>` for a parameter, or `""` for the request as a
/// whole (unknown operation, undocumented status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: a JSON pointer into the body, or `query:<name>` / `path:<name>`.
    pub path: String,
    /// What is wrong, in words.
    pub message: String,
}

impl Problem {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "(root): {}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// The operation a concrete request maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The spec's `operationId`, if it gives one.
    pub operation_id: Option<String>,
    /// Lower-case HTTP method.
    pub method: String,
    /// The path template as written in the spec's `paths` (without the base path).
    pub template: String,
    /// Path parameters taken from the concrete path, in template order.
    pub path_params: Vec<(String, String)>,
}

/// A loaded Swagger 2.0 or OpenAPI 3.0 document.
#[derive(Debug, Clone)]
pub struct Spec {
    doc: Value,
    oas3: bool,
    /// Base paths from Swagger `basePath` or the OAS3 top-level `servers`, without a trailing
    /// slash (`""` for the root).
    base_paths: Vec<String>,
}

impl Spec {
    /// Reads and parses a spec file.
    pub fn load(path: impl AsRef<Path>) -> Result<Spec, String> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let doc: Value = serde_json::from_str(&text)
            .map_err(|e| format!("cannot parse {}: {e}", path.display()))?;
        Spec::from_value(doc)
    }

    /// Builds a spec from an already parsed document.
    pub fn from_value(doc: Value) -> Result<Spec, String> {
        let oas3 = match (doc.get("swagger"), doc.get("openapi")) {
            (Some(Value::String(v)), _) if v.starts_with('2') => false,
            (_, Some(Value::String(v))) if v.starts_with('3') => true,
            _ => return Err("neither a Swagger 2.0 nor an OpenAPI 3.x document".to_string()),
        };
        if !doc.get("paths").is_some_and(Value::is_object) {
            return Err("the document has no `paths` object".to_string());
        }
        let base_paths = if oas3 {
            server_base_paths(doc.get("servers"))
        } else {
            vec![normalize_base(
                doc.get("basePath").and_then(Value::as_str).unwrap_or("/"),
            )]
        };
        Ok(Spec {
            doc,
            oas3,
            base_paths,
        })
    }

    /// Whether the document is OpenAPI 3.x (else Swagger 2.0).
    pub fn is_oas3(&self) -> bool {
        self.oas3
    }

    /// Replaces the node at a JSON pointer (`/components/schemas/Product/properties/aspects`),
    /// for correcting a known error in a vendor's spec where the tests say why. Fails if
    /// nothing is at the pointer.
    pub fn patch(&mut self, pointer: &str, replacement: Value) -> Result<(), String> {
        match self.doc.pointer_mut(pointer) {
            Some(node) => {
                *node = replacement;
                Ok(())
            }
            None => Err(format!("nothing at {pointer} to patch")),
        }
    }

    /// The raw document.
    pub fn document(&self) -> &Value {
        &self.doc
    }

    /// Finds the operation for `method` and a concrete request path (base path included, no
    /// query string). Literal segments win over templated ones when several templates match.
    pub fn operation(&self, method: &str, path: &str) -> Option<Operation> {
        let method = method.to_ascii_lowercase();
        let path = path.split('?').next().unwrap_or(path);
        if !METHODS.contains(&method.as_str()) {
            return None;
        }
        let paths = self.doc.get("paths")?.as_object()?;
        let mut best: Option<(usize, Operation)> = None;
        for (template, item) in paths {
            let Some(op) = item.get(&method) else {
                continue;
            };
            for base in self.path_bases(item, op) {
                let Some(rest) = path.strip_prefix(base.as_str()) else {
                    continue;
                };
                let Some((literals, params)) = match_template(template, rest) else {
                    continue;
                };
                if best.as_ref().is_none_or(|(score, _)| literals > *score) {
                    best = Some((
                        literals,
                        Operation {
                            operation_id: op
                                .get("operationId")
                                .and_then(Value::as_str)
                                .map(str::to_string),
                            method: method.clone(),
                            template: template.clone(),
                            path_params: params,
                        },
                    ));
                }
                break;
            }
        }
        best.map(|(_, op)| op)
    }

    /// Validates a request: the operation exists, required path and query parameters are
    /// present and fit their schemas, and the JSON body fits the body schema.
    pub fn validate_request(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Vec<Problem> {
        let Some((operation, op)) = self.find(method, path) else {
            return vec![unknown(method, path)];
        };
        let mut problems = Vec::new();
        let item = self.path_item(&operation.template);
        for param in self.parameters(item, op) {
            let name = param.get("name").and_then(Value::as_str).unwrap_or("");
            let location = param.get("in").and_then(Value::as_str).unwrap_or("");
            let required = param.get("required").and_then(Value::as_bool) == Some(true);
            match location {
                "path" | "query" => {
                    let raw: Vec<&str> = if location == "path" {
                        operation
                            .path_params
                            .iter()
                            .filter(|(n, _)| n == name)
                            .map(|(_, v)| v.as_str())
                            .collect()
                    } else {
                        query
                            .iter()
                            .filter(|(n, _)| n == name)
                            .map(|(_, v)| v.as_str())
                            .collect()
                    };
                    let collection = param
                        .get("collectionFormat")
                        .and_then(Value::as_str)
                        .unwrap_or("csv");
                    self.check_param(
                        param,
                        &raw,
                        collection,
                        (required, "required parameter is missing"),
                        &format!("{location}:{name}"),
                        &mut problems,
                    );
                }
                "body" => {
                    let schema = param.get("schema").unwrap_or(&Value::Null);
                    self.check_body(schema, body, required, &mut problems);
                }
                _ => {}
            }
        }
        if self.oas3 {
            match op.get("requestBody").map(|b| self.deref(b)) {
                Some(request_body) => {
                    let required =
                        request_body.get("required").and_then(Value::as_bool) == Some(true);
                    match json_schema(request_body.get("content")) {
                        Some(schema) => self.check_body(schema, body, required, &mut problems),
                        None => {
                            if body.is_some() {
                                problems.push(Problem::new("", "no JSON request body defined"));
                            }
                        }
                    }
                }
                None => {
                    if body.is_some() {
                        problems.push(Problem::new("", "operation takes no request body"));
                    }
                }
            }
        } else if body.is_some()
            && !self
                .parameters(item, op)
                .iter()
                .any(|p| p.get("in").and_then(Value::as_str) == Some("body"))
        {
            problems.push(Problem::new("", "operation takes no request body"));
        }
        problems
    }

    /// [`Spec::validate_request`] plus the header parameters: each required header (such as
    /// eBay's `Content-Language`) must be present, and each header given must fit its schema.
    /// Header names compare case-insensitively; problems are located at `header:<Name>`.
    pub fn validate_request_with_headers(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        headers: &[(String, String)],
        body: Option<&Value>,
    ) -> Vec<Problem> {
        let mut problems = self.validate_request(method, path, query, body);
        let Some((operation, op)) = self.find(method, path) else {
            return problems;
        };
        let item = self.path_item(&operation.template);
        for param in self.parameters(item, op) {
            if param.get("in").and_then(Value::as_str) != Some("header") {
                continue;
            }
            let name = param.get("name").and_then(Value::as_str).unwrap_or("");
            let required = param.get("required").and_then(Value::as_bool) == Some(true);
            let raw: Vec<&str> = headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .collect();
            self.check_param(
                param,
                &raw,
                "csv",
                (required, "required header is missing"),
                &format!("header:{name}"),
                &mut problems,
            );
        }
        problems
    }

    /// Checks the raw values of one parameter (`at` names it in the problems) against its
    /// schema; no value at all is `missing` when the parameter is required.
    fn check_param(
        &self,
        param: &Value,
        raw: &[&str],
        collection: &str,
        (required, missing): (bool, &str),
        at: &str,
        problems: &mut Vec<Problem>,
    ) {
        if raw.is_empty() {
            if required {
                problems.push(Problem::new(at, missing));
            }
            return;
        }
        let schema = if self.oas3 {
            param.get("schema").unwrap_or(&Value::Null)
        } else {
            param
        };
        let schema = self.deref(schema);
        let value = param_value(schema, raw, collection);
        let mut found = Vec::new();
        self.check(schema, &value, "", 0, &mut found);
        problems.extend(
            found
                .into_iter()
                .map(|p| Problem::new(format!("{at}{}", p.path), p.message)),
        );
    }

    /// Validates a response body against the schema documented for `status` (falling back to
    /// `NXX` and then `default`). An undocumented status is a problem; a documented status
    /// without a JSON schema accepts any body. Use `Value::Null` for an empty body.
    pub fn validate_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &Value,
    ) -> Vec<Problem> {
        let Some((_, op)) = self.find(method, path) else {
            return vec![unknown(method, path)];
        };
        let Some(responses) = op.get("responses") else {
            return vec![Problem::new("", "operation documents no responses")];
        };
        let class = format!("{}XX", status / 100);
        let Some(response) = responses
            .get(status.to_string())
            .or_else(|| responses.get(&class))
            .or_else(|| responses.get(class.to_ascii_lowercase()))
            .or_else(|| responses.get("default"))
        else {
            return vec![Problem::new(
                "",
                format!("status {status} is not documented"),
            )];
        };
        let response = self.deref(response);
        let schema = if self.oas3 {
            json_schema(response.get("content"))
        } else {
            response.get("schema")
        };
        // A status documented without a schema (eBay's 207 and error statuses) cannot be
        // checked further.
        let mut problems = Vec::new();
        if let Some(schema) = schema {
            self.check(schema, body, "", 0, &mut problems);
        }
        problems
    }

    /// Validates `value` against `schema`, resolving `$ref`s within this document. The problem
    /// paths are JSON pointers relative to `value`.
    pub fn validate_value(&self, schema: &Value, value: &Value) -> Vec<Problem> {
        let mut problems = Vec::new();
        self.check(schema, value, "", 0, &mut problems);
        problems
    }

    /// Validates `value` against the named schema (`definitions/<name>` in Swagger 2.0,
    /// `components/schemas/<name>` in OpenAPI 3).
    pub fn validate_named(&self, name: &str, value: &Value) -> Vec<Problem> {
        let pointer = if self.oas3 {
            format!("#/components/schemas/{name}")
        } else {
            format!("#/definitions/{name}")
        };
        self.validate_value(&serde_json::json!({ "$ref": pointer }), value)
    }

    fn find(&self, method: &str, path: &str) -> Option<(Operation, &Value)> {
        let operation = self.operation(method, path)?;
        let op = self.path_item(&operation.template).get(&operation.method)?;
        Some((operation, op))
    }

    fn path_item(&self, template: &str) -> &Value {
        self.doc
            .get("paths")
            .and_then(|p| p.get(template))
            .unwrap_or(&Value::Null)
    }

    /// The base paths that apply to one operation: OAS3 lets a path item or an operation
    /// override the top-level `servers`.
    fn path_bases(&self, item: &Value, op: &Value) -> Vec<String> {
        if self.oas3 {
            for servers in [op.get("servers"), item.get("servers")] {
                if servers.is_some_and(|s| s.as_array().is_some_and(|a| !a.is_empty())) {
                    return server_base_paths(servers);
                }
            }
        }
        self.base_paths.clone()
    }

    /// Path-item parameters merged with the operation's (which win on the same name and `in`).
    fn parameters<'a>(&'a self, item: &'a Value, op: &'a Value) -> Vec<&'a Value> {
        let list = |v: &'a Value| -> Vec<&'a Value> {
            v.get("parameters")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(|p| self.deref(p)).collect())
                .unwrap_or_default()
        };
        let own = list(op);
        let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
        let mut all: Vec<&Value> = list(item)
            .into_iter()
            .filter(|p| !own.iter().any(|o| key(o) == key(p)))
            .collect();
        all.extend(own);
        all
    }

    fn check_body(
        &self,
        schema: &Value,
        body: Option<&Value>,
        required: bool,
        problems: &mut Vec<Problem>,
    ) {
        match body {
            Some(body) => self.check(schema, body, "", 0, problems),
            None => {
                if required {
                    problems.push(Problem::new("", "required request body is missing"));
                }
            }
        }
    }

    /// Follows `$ref`s (bounded) to the object they point at; unresolvable ones stay as they are.
    fn deref<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..MAX_DEPTH {
            match value.get("$ref").and_then(Value::as_str) {
                Some(reference) => match self.resolve(reference) {
                    Some(target) => value = target,
                    None => return value,
                },
                None => return value,
            }
        }
        value
    }

    fn resolve(&self, reference: &str) -> Option<&Value> {
        let pointer = reference.strip_prefix('#')?;
        self.doc.pointer(pointer)
    }

    fn check(&self, schema: &Value, value: &Value, at: &str, depth: usize, out: &mut Vec<Problem>) {
        if depth > MAX_DEPTH {
            out.push(Problem::new(at, "schema nesting too deep (a $ref cycle?)"));
            return;
        }
        let Some(schema) = schema.as_object() else {
            // `true`, `{}`-like or missing schemas accept anything; `false` accepts nothing.
            if schema == &Value::Bool(false) {
                out.push(Problem::new(at, "no value is allowed here"));
            }
            return;
        };
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            match self.resolve(reference) {
                Some(target) => self.check(target, value, at, depth + 1, out),
                None => out.push(Problem::new(at, format!("unresolvable $ref {reference}"))),
            }
            // Siblings of `$ref` (such as `description`) carry no constraints in these specs.
            return;
        }
        if value.is_null()
            && (flag(schema, "nullable") || flag(schema, "x-nullable") || type_allows_null(schema))
        {
            return;
        }
        if let Some(types) = schema.get("type") {
            let names: Vec<&str> = match types {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !names.is_empty() && !names.iter().any(|t| has_type(value, t)) {
                out.push(Problem::new(
                    at,
                    format!("expected {}, got {}", names.join(" or "), type_name(value)),
                ));
                return;
            }
        }
        if let Some(Value::Array(allowed)) = schema.get("enum")
            && !allowed.contains(value)
        {
            out.push(Problem::new(
                at,
                format!("{value} is not one of {}", Value::Array(allowed.clone())),
            ));
        }
        // JSON Schema draft 6+ `const` (the feed schemas use it): exactly this value.
        if let Some(expected) = schema.get("const")
            && expected != value
        {
            out.push(Problem::new(
                at,
                format!("{value} is not the constant {expected}"),
            ));
        }
        self.check_combinators(schema, value, at, depth, out);
        match value {
            Value::Object(object) => self.check_object(schema, object, at, depth, out),
            Value::Array(items) => {
                check_count(
                    schema,
                    items.len(),
                    "minItems",
                    "maxItems",
                    "items",
                    at,
                    out,
                );
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check(item_schema, item, &format!("{at}/{i}"), depth + 1, out);
                    }
                }
            }
            Value::String(s) => {
                check_count(
                    schema,
                    s.chars().count(),
                    "minLength",
                    "maxLength",
                    "characters",
                    at,
                    out,
                );
                check_string_format(schema, s, at, out);
            }
            Value::Number(_) => check_number(schema, value, at, out),
            _ => {}
        }
    }

    fn check_combinators(
        &self,
        schema: &Map<String, Value>,
        value: &Value,
        at: &str,
        depth: usize,
        out: &mut Vec<Problem>,
    ) {
        if let Some(Value::Array(all)) = schema.get("allOf") {
            for sub in all {
                self.check(sub, value, at, depth + 1, out);
            }
        }
        for keyword in ["oneOf", "anyOf"] {
            let Some(Value::Array(choices)) = schema.get(keyword) else {
                continue;
            };
            let mut matching = 0;
            let mut first_failure: Option<Vec<Problem>> = None;
            for sub in choices {
                let mut found = Vec::new();
                self.check(sub, value, at, depth + 1, &mut found);
                if found.is_empty() {
                    matching += 1;
                } else if first_failure.is_none() {
                    first_failure = Some(found);
                }
            }
            if matching == 0 {
                let detail = first_failure
                    .and_then(|f| f.into_iter().next())
                    .map(|p| format!(" (first alternative: {p})"))
                    .unwrap_or_default();
                out.push(Problem::new(
                    at,
                    format!("matches none of the {keyword} alternatives{detail}"),
                ));
            } else if keyword == "oneOf" && matching > 1 {
                out.push(Problem::new(
                    at,
                    format!("matches {matching} oneOf alternatives, expected exactly one"),
                ));
            }
        }
    }

    fn check_object(
        &self,
        schema: &Map<String, Value>,
        object: &Map<String, Value>,
        at: &str,
        depth: usize,
        out: &mut Vec<Problem>,
    ) {
        if let Some(Value::Array(required)) = schema.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    out.push(Problem::new(
                        format!("{at}/{}", escape(name)),
                        "required property is missing",
                    ));
                }
            }
        }
        check_count(
            schema,
            object.len(),
            "minProperties",
            "maxProperties",
            "properties",
            at,
            out,
        );
        let properties = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        for (name, value) in object {
            let child = format!("{at}/{}", escape(name));
            match properties.and_then(|p| p.get(name)) {
                Some(property) => self.check(property, value, &child, depth + 1, out),
                None => match additional {
                    Some(Value::Bool(false)) => {
                        out.push(Problem::new(child, "property is not allowed"));
                    }
                    Some(extra @ Value::Object(_)) => {
                        self.check(extra, value, &child, depth + 1, out);
                    }
                    _ => {}
                },
            }
        }
    }
}

/// Base paths from an OAS3 `servers` array: variables replaced by their defaults, scheme and
/// host dropped.
fn server_base_paths(servers: Option<&Value>) -> Vec<String> {
    let mut bases = Vec::new();
    for server in servers.and_then(Value::as_array).into_iter().flatten() {
        let Some(url) = server.get("url").and_then(Value::as_str) else {
            continue;
        };
        let mut url = url.to_string();
        if let Some(variables) = server.get("variables").and_then(Value::as_object) {
            for (name, variable) in variables {
                let default = variable
                    .get("default")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                url = url.replace(&format!("{{{name}}}"), default);
            }
        }
        let path = match url.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
            None => url.as_str(),
        };
        let base = normalize_base(path);
        if !bases.contains(&base) {
            bases.push(base);
        }
    }
    if bases.is_empty() {
        bases.push(String::new());
    }
    bases
}

fn normalize_base(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() || trimmed.starts_with('/') {
        trimmed.to_string()
    } else {
        format!("/{trimmed}")
    }
}

/// Matches a concrete path (base path already removed) against a template such as
/// `/items/{sellerId}/{sku}`; gives the number of literal segments and the parameters.
fn match_template(template: &str, path: &str) -> Option<(usize, Vec<(String, String)>)> {
    let wanted: Vec<&str> = template.trim_matches('/').split('/').collect();
    let given: Vec<&str> = path.trim_matches('/').split('/').collect();
    if wanted.len() != given.len() {
        return None;
    }
    let mut literals = 0;
    let mut params = Vec::new();
    for (w, g) in wanted.iter().zip(&given) {
        match w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
            Some(name) => {
                if g.is_empty() {
                    return None;
                }
                params.push((name.to_string(), percent_decode(g)));
            }
            None => {
                if w != g {
                    return None;
                }
                literals += 1;
            }
        }
    }
    Some((literals, params))
}

/// Decodes `%XX` escapes; invalid escapes and non-UTF-8 results are kept as they are.
fn percent_decode(segment: &str) -> String {
    String::from_utf8(crate::marketplaces::http::percent_decode(segment, false))
        .unwrap_or_else(|_| segment.to_string())
}

/// The JSON schema of `application/json` (or another JSON media type) in an OAS3 `content`.
fn json_schema(content: Option<&Value>) -> Option<&Value> {
    let content = content?.as_object()?;
    content
        .get("application/json")
        .or_else(|| {
            content
                .iter()
                .find(|(media, _)| media.contains("json"))
                .map(|(_, v)| v)
        })?
        .get("schema")
}

/// Turns raw parameter strings into the JSON value the schema describes, so that the schema
/// validator can check them. Values that do not parse stay strings (and fail the type check).
fn param_value(schema: &Value, raw: &[&str], collection: &str) -> Value {
    let kind = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string");
    if kind == "array" {
        let item = schema.get("items").unwrap_or(&Value::Null);
        let parts: Vec<&str> = if collection == "multi" || raw.len() > 1 {
            raw.to_vec()
        } else {
            let separator = match collection {
                "ssv" => ' ',
                "tsv" => '\t',
                "pipes" => '|',
                _ => ',',
            };
            raw.iter().flat_map(|r| r.split(separator)).collect()
        };
        return Value::Array(parts.iter().map(|p| scalar_value(item, p)).collect());
    }
    scalar_value(schema, raw.first().copied().unwrap_or(""))
}

fn scalar_value(schema: &Value, raw: &str) -> Value {
    let parsed = match schema.get("type").and_then(Value::as_str) {
        Some("integer") => raw.parse::<i64>().ok().map(Value::from),
        Some("number") => raw
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        Some("boolean") => raw.parse::<bool>().ok().map(Value::Bool),
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::String(raw.to_string()))
}

fn unknown(method: &str, path: &str) -> Problem {
    Problem::new(
        "",
        format!("no operation for {} {path}", method.to_ascii_uppercase()),
    )
}

fn flag(schema: &Map<String, Value>, key: &str) -> bool {
    schema.get(key).and_then(Value::as_bool) == Some(true)
}

fn type_allows_null(schema: &Map<String, Value>) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "null"),
        _ => false,
    }
}

fn has_type(value: &Value, kind: &str) -> bool {
    match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64()
                || value.is_u64()
                || value
                    .as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f.is_finite())
        }
        "null" => value.is_null(),
        "file" => true,
        _ => true,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Escapes a property name for a JSON pointer (RFC 6901).
fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn check_count(
    schema: &Map<String, Value>,
    count: usize,
    min_key: &str,
    max_key: &str,
    unit: &str,
    at: &str,
    out: &mut Vec<Problem>,
) {
    let count = count as u64;
    if let Some(min) = schema.get(min_key).and_then(Value::as_u64)
        && count < min
    {
        out.push(Problem::new(
            at,
            format!("has {count} {unit}, fewer than {min_key} {min}"),
        ));
    }
    if let Some(max) = schema.get(max_key).and_then(Value::as_u64)
        && count > max
    {
        out.push(Problem::new(
            at,
            format!("has {count} {unit}, more than {max_key} {max}"),
        ));
    }
}

fn check_number(schema: &Map<String, Value>, value: &Value, at: &str, out: &mut Vec<Problem>) {
    let Some(n) = value.as_f64() else {
        return;
    };
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
        let exclusive = flag(schema, "exclusiveMinimum");
        if n < min || (exclusive && n == min) {
            out.push(Problem::new(
                at,
                format!("{value} is below the minimum {min}"),
            ));
        }
    }
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
        let exclusive = flag(schema, "exclusiveMaximum");
        if n > max || (exclusive && n == max) {
            out.push(Problem::new(
                at,
                format!("{value} is above the maximum {max}"),
            ));
        }
    }
    let range = match schema.get("format").and_then(Value::as_str) {
        Some("int32") => Some((i64::from(i32::MIN), i64::from(i32::MAX))),
        Some("int64") => Some((i64::MIN, i64::MAX)),
        _ => None,
    };
    if let Some((low, high)) = range {
        let fits = match value.as_i64() {
            Some(i) => i >= low && i <= high,
            None => !value.is_u64() && n.fract() == 0.0 && n >= low as f64 && n <= high as f64,
        };
        if !fits {
            out.push(Problem::new(
                at,
                format!("{value} is out of the range of its format"),
            ));
        }
    }
}

fn check_string_format(schema: &Map<String, Value>, s: &str, at: &str, out: &mut Vec<Problem>) {
    let ok = match schema.get("format").and_then(Value::as_str) {
        Some("date-time") => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        Some("date") => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10,
        Some("int32") => s.parse::<i32>().is_ok(),
        Some("int64") => s.parse::<i64>().is_ok(),
        _ => true,
    };
    if !ok {
        let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
        out.push(Problem::new(at, format!("{s:?} is not a valid {format}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(definitions: Value) -> Result<Spec, String> {
        Spec::from_value(json!({
            "swagger": "2.0",
            "basePath": "/api/",
            "paths": {},
            "definitions": definitions,
        }))
    }

    fn paths(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.path.as_str()).collect()
    }

    #[test]
    fn types_required_and_properties() -> Result<(), String> {
        let spec = spec(json!({
            "Item": {
                "type": "object",
                "required": ["sku", "qty"],
                "properties": {
                    "sku": {"type": "string", "minLength": 1, "maxLength": 5},
                    "qty": {"type": "integer", "format": "int32", "minimum": 0},
                    "price": {"type": "number", "maximum": 10, "exclusiveMaximum": true},
                    "live": {"type": "boolean"},
                    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2}
                }
            }
        }))?;
        let good = json!({"sku": "A1", "qty": 3, "price": 9.5, "live": true, "tags": ["x"]});
        assert_eq!(spec.validate_named("Item", &good), vec![]);
        let bad = json!({"sku": "", "price": 10, "live": "yes", "tags": ["x", 1, "z"]});
        let problems = spec.validate_named("Item", &bad);
        assert_eq!(
            paths(&problems),
            vec!["/qty", "/sku", "/price", "/live", "/tags", "/tags/1"],
            "{problems:?}"
        );
        let too_big = json!({"sku": "ABCDEF", "qty": 3_000_000_000_i64});
        assert_eq!(
            paths(&spec.validate_named("Item", &too_big)),
            vec!["/sku", "/qty"]
        );
        assert_eq!(
            paths(&spec.validate_named("Item", &json!({"sku": "A", "qty": -1}))),
            vec!["/qty"]
        );
        assert_eq!(paths(&spec.validate_named("Item", &json!([1]))), vec![""]);
        Ok(())
    }

    #[test]
    fn additional_properties_enum_and_nullable() -> Result<(), String> {
        let spec = spec(json!({
            "Closed": {
                "type": "object",
                "additionalProperties": false,
                "properties": {"state": {"type": "string", "enum": ["A", "B"]}}
            },
            "Map": {"type": "object", "additionalProperties": {"type": "integer"}},
            "Maybe": {"type": "string", "x-nullable": true},
            "Never": {"type": "string"}
        }))?;
        assert_eq!(
            spec.validate_named("Closed", &json!({"state": "A"})),
            vec![]
        );
        let problems = spec.validate_named("Closed", &json!({"state": "C", "a/b": 1}));
        assert_eq!(paths(&problems), vec!["/state", "/a~1b"]);
        assert_eq!(
            paths(&spec.validate_named("Map", &json!({"x": 1, "y": "2"}))),
            vec!["/y"]
        );
        assert_eq!(spec.validate_named("Maybe", &Value::Null), vec![]);
        assert_eq!(paths(&spec.validate_named("Never", &Value::Null)), vec![""]);
        let oas3 = Spec::from_value(json!({
            "openapi": "3.0.0",
            "paths": {},
            "components": {"schemas": {"N": {"type": "integer", "nullable": true}}}
        }))?;
        assert_eq!(oas3.validate_named("N", &Value::Null), vec![]);
        assert_eq!(paths(&oas3.validate_named("N", &json!(1.5))), vec![""]);
        Ok(())
    }

    #[test]
    fn const_takes_exactly_one_value() -> Result<(), String> {
        let spec = spec(json!({
            "Header": {"type": "object", "properties": {"version": {"const": "2.0"}}}
        }))?;
        assert_eq!(
            spec.validate_named("Header", &json!({"version": "2.0"})),
            vec![]
        );
        assert_eq!(
            paths(&spec.validate_named("Header", &json!({"version": "2"}))),
            vec!["/version"]
        );
        Ok(())
    }

    #[test]
    fn combinators_refs_and_cycles() -> Result<(), String> {
        let spec = spec(json!({
            "Base": {"type": "object", "required": ["id"]},
            "Both": {"allOf": [{"$ref": "#/definitions/Base"}, {"required": ["name"]}]},
            "One": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "Overlap": {"oneOf": [{"type": "number"}, {"type": "integer"}]},
            "Any": {"anyOf": [{"type": "string"}, {"type": "boolean"}]},
            "Loop": {"$ref": "#/definitions/Loop"},
            "Dangling": {"$ref": "#/definitions/Nowhere"}
        }))?;
        assert_eq!(
            paths(&spec.validate_named("Both", &json!({}))),
            vec!["/id", "/name"]
        );
        assert_eq!(spec.validate_named("One", &json!(3)), vec![]);
        assert_eq!(paths(&spec.validate_named("One", &json!(true))), vec![""]);
        assert_eq!(paths(&spec.validate_named("Overlap", &json!(3))), vec![""]);
        assert_eq!(spec.validate_named("Any", &json!(false)), vec![]);
        let looped = spec.validate_named("Loop", &json!(1));
        assert!(looped[0].message.contains("too deep"), "{looped:?}");
        let dangling = spec.validate_named("Dangling", &json!(1));
        assert!(dangling[0].message.contains("unresolvable"), "{dangling:?}");
        Ok(())
    }

    #[test]
    fn formats() -> Result<(), String> {
        let spec = spec(json!({
            "When": {"type": "string", "format": "date-time"},
            "Day": {"type": "string", "format": "date"}
        }))?;
        for ok in ["2026-01-31T12:00:00Z", "2026-01-31T12:00:00.123+01:00"] {
            assert_eq!(spec.validate_named("When", &json!(ok)), vec![], "{ok}");
        }
        for bad in [
            "2026-01-31",
            "2026-13-01T00:00:00Z",
            "yesterday",
            "2026-01-31T12:00:00",
        ] {
            assert_eq!(spec.validate_named("When", &json!(bad)).len(), 1, "{bad}");
        }
        assert_eq!(spec.validate_named("Day", &json!("2026-02-28")), vec![]);
        assert_eq!(spec.validate_named("Day", &json!("2026-02-30")).len(), 1);
        Ok(())
    }

    #[test]
    fn required_headers_are_checked() -> Result<(), String> {
        let spec = Spec::from_value(json!({
            "openapi": "3.0.0",
            "servers": [{"url": "https://h/base"}],
            "paths": {"/item": {"post": {"parameters": [
                {"name": "Content-Language", "in": "header", "required": true,
                 "schema": {"type": "string"}},
                {"name": "X-Count", "in": "header", "schema": {"type": "integer"}}
            ]}}}
        }))?;
        let h = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let ok = h(&[("content-language", "en-US")]);
        assert!(
            spec.validate_request("POST", "/base/item", &[], None)
                .is_empty()
        );
        assert!(
            spec.validate_request_with_headers("POST", "/base/item", &[], &ok, None)
                .is_empty()
        );
        let problems = spec.validate_request_with_headers("POST", "/base/item", &[], &[], None);
        assert_eq!(paths(&problems), vec!["header:Content-Language"]);
        let bad = h(&[("Content-Language", "en-US"), ("x-count", "many")]);
        let problems = spec.validate_request_with_headers("POST", "/base/item", &[], &bad, None);
        assert_eq!(paths(&problems), vec!["header:X-Count"]);
        Ok(())
    }

    #[test]
    fn template_matching_prefers_literals() {
        assert_eq!(
            match_template("/offer/{offerId}", "/offer/get_listing_fees"),
            Some((1, vec![("offerId".into(), "get_listing_fees".into())]))
        );
        assert_eq!(
            match_template("/offer/get_listing_fees", "/offer/get_listing_fees"),
            Some((2, vec![]))
        );
        assert_eq!(match_template("/a/{b}", "/a/"), None);
        assert_eq!(match_template("/a/{b}", "/a/x/y"), None);
        assert_eq!(
            match_template("/i/{sku}", "/i/A%2FB%20C"),
            Some((1, vec![("sku".into(), "A/B C".into())]))
        );
        assert_eq!(
            server_base_paths(Some(
                &json!([{"url": "https://h.example{b}", "variables": {"b": {"default": "/x/v1/"}}}])
            )),
            vec!["/x/v1"]
        );
        assert_eq!(server_base_paths(None), vec![""]);
    }
}
