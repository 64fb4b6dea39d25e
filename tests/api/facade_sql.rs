//! The facade's SQL layer (`facade::sql`) on both backends: its searches against the domain
//! engine's in-memory `Matcher` over the same rows, its errors, and its row access.
//!
//! Text orders are compared exactly: the SQL layer sorts text in byte order on both backends
//! (`COLLATE "C"` on PostgreSQL), as the engine does.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use adlerdo::db::DbConnection;
use adlerdo::facade::model::{
    FieldDef, FieldType, JOB, LISTING, MARKETPLACE, ModelDef, ORDER, ORDER_EVENT, ORDER_LINE,
    PRODUCT, Registry, SYNC,
};
use adlerdo::facade::sql::{self, Bind, Raw, Row, Search, SqlError};
use adlerdo::rpc::domain::{
    self, Domain, DomainError, FieldKind, Matcher, Operator, OrderBy, Records, Schema, parse,
    parse_order, sort_ids, validate_order,
};
use diesel::connection::SimpleConnection;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestDb};

both_backends!(
    searches_match_the_engine,
    errors_are_the_engines,
    rows_round_trip,
    active_test_leaves_out_archived_rows,
);

fn f(model: &'static ModelDef, name: &str) -> &'static FieldDef {
    model
        .field(name)
        .unwrap_or_else(|| panic!("{}.{name}", model.name))
}

fn text(s: &str) -> Bind {
    Bind::Text(s.to_string())
}

fn opt_text(s: Option<&str>) -> Bind {
    s.map_or(Bind::Null, text)
}

/// 2026-11-27 00:00:00 UTC plus `hours`. Whole seconds: the SQL layer sorts epoch datetimes by
/// their milliseconds, the engine by the second it sees on the wire (`write_date` filled in by
/// `insert` has milliseconds, hence given here).
fn at(hours: i64) -> i64 {
    1_795_737_600_000 + hours * 3_600_000
}

fn ms_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Fixture: varied rows on every model
// ---------------------------------------------------------------------------------------------

struct Seeded {
    marketplaces: Vec<i64>,
    products: Vec<i64>,
    listings: Vec<i64>,
    orders: Vec<i64>,
}

fn seed(c: &mut DbConnection) -> Seeded {
    let m = &MARKETPLACE;
    let markets = [
        ("ebay", "eBay DE", 1, "{}", Some("sealed-secret")),
        ("amazon", "Amazon EU", 0, "{\"buffer\": 2}", None),
        ("shopify", "shop_1%", 1, "{}", Some("")),
        ("ebay", "Ébène Ü", 1, "{\"share\": 50}", None),
    ];
    let mut marketplaces = Vec::new();
    for (i, (kind, name, enabled, settings, creds)) in markets.into_iter().enumerate() {
        let values = vec![
            (f(m, "kind"), text(kind)),
            (f(m, "name"), text(name)),
            (f(m, "enabled"), Bind::Int(enabled)),
            (f(m, "settings"), text(settings)),
            (f(m, "credentials"), opt_text(creds)),
            (f(m, "create_date"), Bind::Int(at(i as i64))),
            (f(m, "write_date"), Bind::Int(at(i as i64 + 1))),
        ];
        marketplaces.push(sql::insert(c, m, &values).unwrap());
    }

    let p = &PRODUCT;
    let names = [
        "Chaise Éclair",
        "chaise éclair",
        "ÉCOLE desk",
        "50% off lamp",
        "a_b table",
        "back\\slash shelf",
        "Desk",
        "desk",
        "Zebra rug",
        "Über mug",
        "über Mug",
        "",
        "Ωmega stool",
        "plain",
        "Lamp (White)",
        "lamp (black)",
        "Table",
        "table",
        "Sofa",
        "sofa bed",
        "Couch",
        "Chair",
        "chair",
        "Bench",
    ];
    let codes = [
        Some("SKU-1"),
        Some("sku-1b"),
        None,
        Some(""),
        Some("A_B"),
        Some("50%"),
        Some("DESK"),
        Some("desk"),
        None,
        Some("ÜB-1"),
    ];
    let prices = [0.0, 19.99, 75.0, 12.5, 100.0, 0.5, 1234.25, 3.0];
    let mut products = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let i64i = i as i64;
        let code = codes[i % codes.len()];
        let values = vec![
            (f(p, "name"), text(name)),
            (f(p, "default_code"), opt_text(code)),
            (
                f(p, "barcode"),
                match i % 3 {
                    0 => Bind::Null,
                    1 => text(""),
                    _ => Bind::Text(format!("40{i:02}")),
                },
            ),
            (
                f(p, "description"),
                if i % 4 == 0 {
                    Bind::Null
                } else {
                    Bind::Text(format!("Line {i}: {name}"))
                },
            ),
            (f(p, "list_price"), Bind::Float(prices[i % prices.len()])),
            (
                f(p, "standard_price"),
                Bind::Float(prices[(i + 3) % prices.len()]),
            ),
            (f(p, "currency"), text(if i % 2 == 0 { "EUR" } else { "" })),
            (
                f(p, "attributes"),
                text(if i % 5 == 0 {
                    "[{\"attribute\": \"Color\", \"value\": \"White\"}]"
                } else {
                    "[]"
                }),
            ),
            (f(p, "is_storable"), Bind::Int(i64::from(i % 2 == 0))),
            (f(p, "active"), Bind::Int(i64::from(i % 6 != 5))),
            (
                f(p, "odoo_id"),
                if i % 4 == 3 {
                    Bind::Null
                } else {
                    Bind::Int(100 + i64i)
                },
            ),
            (
                f(p, "odoo_template_id"),
                if i % 3 == 0 {
                    Bind::Null
                } else {
                    Bind::Int(i64i % 4)
                },
            ),
            (
                f(p, "odoo_write_date"),
                match i % 4 {
                    0 => Bind::Null,
                    1 => text(""),
                    _ => Bind::Text(ms_text(at(i64i * 5))),
                },
            ),
            (
                f(p, "pending"),
                if i % 7 == 0 {
                    text("{\"name\": \"x\"}")
                } else {
                    Bind::Null
                },
            ),
            (f(p, "create_date"), Bind::Int(at(i64i * 3))),
            (f(p, "write_date"), Bind::Int(at(i64i * 3 + (i64i % 2)))),
        ];
        products.push(sql::insert(c, p, &values).unwrap());
    }
    // The display name as Odoo gives it: `[code] name` for products with a code.
    c.batch_execute(
        "UPDATE products SET display_name = '[' || sku || '] ' || name \
         WHERE sku IS NOT NULL AND sku <> ''",
    )
    .unwrap();

    let l = &LISTING;
    let statuses = ["draft", "pending", "active", "error", "ended"];
    let mut listings = Vec::new();
    for i in 0..26usize {
        let i64i = i as i64;
        let values = vec![
            (
                f(l, "marketplace_id"),
                Bind::Int(marketplaces[i % marketplaces.len()]),
            ),
            (
                f(l, "product_id"),
                if i % 5 == 4 {
                    Bind::Null
                } else {
                    Bind::Int(products[(i * 7) % products.len()])
                },
            ),
            (
                f(l, "sku"),
                Bind::Text(match i % 4 {
                    0 => format!("SKU-{i}"),
                    1 => format!("sku-{i}"),
                    2 => format!("É-{i}"),
                    _ => format!("x_{i}%"),
                }),
            ),
            (
                f(l, "external_id"),
                if i % 3 == 0 {
                    Bind::Null
                } else {
                    Bind::Text(format!("EXT{}", i * 11))
                },
            ),
            (
                f(l, "status"),
                if i % 6 == 5 {
                    text("")
                } else {
                    text(statuses[i % statuses.len()])
                },
            ),
            (
                f(l, "last_quantity"),
                if i % 4 == 0 {
                    Bind::Null
                } else {
                    Bind::Int(i64i % 5)
                },
            ),
            (
                f(l, "last_price"),
                if i % 5 == 0 {
                    Bind::Null
                } else {
                    Bind::Float(prices[i % prices.len()])
                },
            ),
            (
                f(l, "last_pushed_at"),
                if i % 3 == 1 {
                    Bind::Null
                } else {
                    Bind::Int(at(i64i * 2))
                },
            ),
            (
                f(l, "last_error"),
                if i % 7 == 3 {
                    text("Rate limited (429)")
                } else {
                    Bind::Null
                },
            ),
            (f(l, "create_date"), Bind::Int(at(i64i % 7))),
            (f(l, "write_date"), Bind::Int(at(i64i % 5 + 2))),
        ];
        listings.push(sql::insert(c, l, &values).unwrap());
    }

    let o = &ORDER;
    let states = [
        "received",
        "unmapped",
        "sent",
        "confirmed",
        "cancelled",
        "failed",
    ];
    let buyers = [
        Some("Anna Müller"),
        Some("anna müller"),
        None,
        Some(""),
        Some("Bob_Smith"),
        Some("Zoë 100%"),
    ];
    let mut orders = Vec::new();
    for i in 0..12usize {
        let i64i = i as i64;
        let values = vec![
            (
                f(o, "marketplace_id"),
                Bind::Int(marketplaces[(i * 3) % marketplaces.len()]),
            ),
            (
                f(o, "external_id"),
                Bind::Text(format!("ORD-{:03}", 12 - i)),
            ),
            (f(o, "state"), text(states[i % states.len()])),
            (f(o, "buyer_name"), opt_text(buyers[i % buyers.len()])),
            (
                f(o, "buyer_email"),
                if i % 2 == 0 {
                    Bind::Text(format!("buyer{i}@example.com"))
                } else {
                    Bind::Null
                },
            ),
            (f(o, "currency"), text("EUR")),
            (
                f(o, "amount_total"),
                Bind::Float(prices[i % prices.len()] * 2.0),
            ),
            (
                f(o, "shipping_address"),
                if i % 3 == 0 {
                    text("{\"city\": \"Köln\"}")
                } else {
                    Bind::Null
                },
            ),
            (
                f(o, "odoo_order_id"),
                if i % 2 == 0 {
                    Bind::Int(500 + i64i)
                } else {
                    Bind::Null
                },
            ),
            (
                f(o, "ordered_at"),
                if i % 4 == 2 {
                    Bind::Null
                } else {
                    Bind::Int(at(i64i * 7 % 30))
                },
            ),
            (f(o, "create_date"), Bind::Int(at(i64i % 3))),
            (f(o, "write_date"), Bind::Int(at(i64i % 4))),
        ];
        orders.push(sql::insert(c, o, &values).unwrap());
    }

    let ol = &ORDER_LINE;
    for i in 0..30usize {
        let values = vec![
            (f(ol, "order_id"), Bind::Int(orders[(i * 5) % 10])),
            (
                f(ol, "sku"),
                if i % 4 == 0 {
                    Bind::Null
                } else {
                    Bind::Text(format!("SKU-{}", i % 9))
                },
            ),
            (
                f(ol, "product_id"),
                if i % 3 == 0 {
                    Bind::Null
                } else {
                    Bind::Int(products[(i * 5) % products.len()])
                },
            ),
            (
                f(ol, "title"),
                Bind::Text(format!("Line {i} {}", names[i % names.len()])),
            ),
            (f(ol, "quantity"), Bind::Float((i % 4) as f64)),
            (f(ol, "unit_price"), Bind::Float(prices[i % prices.len()])),
        ];
        sql::insert(c, ol, &values).unwrap();
    }
    let ev = &ORDER_EVENT;
    let kinds = ["imported", "sent", "confirmed", "failed", "Cancelled"];
    for i in 0..20usize {
        let values = vec![
            (f(ev, "order_id"), Bind::Int(orders[(i * 3) % 10])),
            (f(ev, "at"), Bind::Int(at(i as i64 % 7))),
            (f(ev, "kind"), text(kinds[i % kinds.len()])),
            (
                f(ev, "message"),
                Bind::Text(format!("step {i}: {}", names[i % names.len()])),
            ),
        ];
        sql::insert(c, ev, &values).unwrap();
    }
    let j = &JOB;
    let job_states = ["queued", "running", "done", "dead"];
    for i in 0..14usize {
        let i64i = i as i64;
        let values = vec![
            (
                f(j, "kind"),
                text(["product_sync", "push_stock", "Push_Stock"][i % 3]),
            ),
            (f(j, "payload"), Bind::Text(format!("{{\"product\": {i}}}"))),
            (f(j, "state"), text(job_states[i % job_states.len()])),
            (f(j, "priority"), Bind::Int(i64i % 3 - 1)),
            (f(j, "attempts"), Bind::Int(i64i % 4)),
            (f(j, "max_attempts"), Bind::Int(3)),
            (f(j, "run_after"), Bind::Int(at(i64i % 6))),
            (
                f(j, "last_error"),
                if i % 4 == 3 {
                    text("HTTP 429: slow down")
                } else {
                    Bind::Null
                },
            ),
            (
                f(j, "finished_at"),
                if i % 4 == 2 {
                    Bind::Int(at(i64i))
                } else {
                    Bind::Null
                },
            ),
            (f(j, "create_date"), Bind::Int(at(i64i % 5))),
            (f(j, "write_date"), Bind::Int(at(i64i % 5 + 1))),
        ];
        sql::insert(c, j, &values).unwrap();
    }
    Seeded {
        marketplaces,
        products,
        listings,
        orders,
    }
}

// ---------------------------------------------------------------------------------------------
// The same rows in memory, for the engine
// ---------------------------------------------------------------------------------------------

const MODELS: [&ModelDef; 7] = [
    &PRODUCT,
    &MARKETPLACE,
    &LISTING,
    &ORDER,
    &ORDER_LINE,
    &ORDER_EVENT,
    &JOB,
];

#[derive(Default)]
struct Mem {
    /// model → id → field → value (the engine's convention: text, numbers, booleans, datetimes
    /// as `YYYY-MM-DD HH:MM:SS`, many2one ids; `display_name` too).
    rows: HashMap<&'static str, BTreeMap<i64, HashMap<&'static str, Value>>>,
}

impl Mem {
    /// Everything in the database, read back through `read_rows`.
    fn load(c: &mut DbConnection) -> Self {
        let mut mem = Mem::default();
        for model in MODELS {
            let ids = sql::search_ids(
                c,
                &Search {
                    active_test: false,
                    ..Search::new(model, &Domain::True)
                },
            )
            .unwrap();
            let fields: Vec<&'static FieldDef> = model
                .fields
                .iter()
                .filter(|f| f.column.is_some() && !f.write_only)
                .collect();
            let rows = sql::read_rows(c, model, &ids, &fields, true).unwrap();
            let table = mem.rows.entry(model.name).or_default();
            for row in rows {
                let mut values = HashMap::new();
                for (field, raw) in fields.iter().zip(&row.values) {
                    values.insert(field.name, engine_value(field, raw));
                }
                values.insert("display_name", json!(row.display_name));
                table.insert(row.id, values);
            }
        }
        mem
    }

    fn model(name: &str) -> &'static ModelDef {
        Registry.model(name).unwrap()
    }
}

fn engine_value(field: &FieldDef, raw: &Raw) -> Value {
    match (field.ty, raw) {
        (_, Raw::Null) => Value::Null,
        (FieldType::Boolean, Raw::Int(i)) => json!(*i != 0),
        (FieldType::Datetime, Raw::Int(ms)) => json!(ms_text(*ms)),
        (FieldType::Many2one(_), Raw::Ref(id, _) | Raw::Int(id)) => json!(id),
        (_, Raw::Int(i)) => json!(i),
        (_, Raw::Float(x)) => json!(x),
        (_, Raw::Text(s)) => json!(s),
        (_, Raw::Ref(id, _)) => json!(id),
    }
}

impl Schema for Mem {
    fn field_kind(&self, model: &str, field: &str) -> Option<FieldKind<'_>> {
        Registry.field_kind(model, field)
    }

    fn is_stored(&self, model: &str, field: &str) -> bool {
        Registry.is_stored(model, field)
    }
}

impl Records for Mem {
    fn ids(&self, model: &str) -> Vec<i64> {
        self.rows
            .get(model)
            .map(|t| t.keys().copied().collect())
            .unwrap_or_default()
    }

    fn value(&self, model: &str, id: i64, field: &str) -> Option<Cow<'_, Value>> {
        let def = Mem::model(model);
        if let Some(FieldDef {
            ty: FieldType::One2many { comodel, inverse },
            ..
        }) = def.field(field)
        {
            let ids: Vec<i64> = self.rows[comodel]
                .iter()
                .filter(|(_, r)| r.get(inverse).and_then(Value::as_i64) == Some(id))
                .map(|(k, _)| *k)
                .collect();
            return Some(Cow::Owned(json!(ids)));
        }
        self.rows
            .get(model)?
            .get(&id)?
            .get(field)
            .map(Cow::Borrowed)
    }

    fn display_name(&self, model: &str, id: i64) -> Option<Cow<'_, str>> {
        let row = self.rows.get(model)?.get(&id)?;
        row.get("display_name")
            .and_then(Value::as_str)
            .map(Cow::Borrowed)
    }
}

/// What the engine answers: the matching ids in `order` (plus the `id` tie-break), paged.
fn expected(mem: &Mem, s: &Search<'_>) -> Result<Vec<i64>, DomainError> {
    let mut domain = s.domain.clone();
    if s.active_test && s.model.has_active() && !domain.has_condition_on("active") {
        domain = domain.and(Domain::leaf("active", Operator::Eq, true));
    }
    let matcher = Matcher::compile(&domain, s.model.name, mem)?;
    let order = if s.order.is_empty() {
        parse_order(s.model.order).unwrap()
    } else {
        validate_order(s.order, s.model.name, &Registry)?;
        s.order.clone()
    };
    let mut ids = matcher.search(mem);
    sort_ids(&order.with_id_tiebreak(), s.model.name, &mut ids, mem);
    Ok(ids
        .into_iter()
        .skip(s.offset)
        .take(s.limit.unwrap_or(usize::MAX))
        .collect())
}

fn check(c: &mut DbConnection, mem: &Mem, s: &Search<'_>, what: &str) -> bool {
    let want = expected(mem, s);
    let got = sql::search_ids(c, s);
    match (&want, &got) {
        (Ok(w), Ok(g)) => {
            assert_eq!(
                g,
                w,
                "{what}: {} on {} order {:?} active_test {} offset {} limit {:?}",
                s.domain,
                s.model.name,
                s.order.to_string(),
                s.active_test,
                s.offset,
                s.limit
            );
            let count = sql::search_count(c, s).unwrap();
            let all = expected(mem, &Search { offset: 0, ..*s }).unwrap();
            assert_eq!(count as usize, all.len(), "{what}: count of {}", s.domain);
            true
        }
        (Err(w), Err(SqlError::Domain(g))) => {
            assert_eq!(g, w, "{what}: error for {}", s.domain);
            false
        }
        _ => panic!(
            "{what}: {} on {}: engine {want:?}, SQL {got:?}",
            s.domain, s.model.name
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Random domains
// ---------------------------------------------------------------------------------------------

struct Gen<'m> {
    rng: StdRng,
    mem: &'m Mem,
}

const SAMPLE_TEXTS: &[&str] = &[
    "a", "A", "%", "_", "\\", "é", "É", "ü", "Ü", "50%", "a_b", "x", "desk", "DESK", "sku",
    "SKU-1", "ωmega", "Ω", "1", "75", "19.99", "true", "2026-11", "10:00", "ebay", "EUR", "(", ")",
    "[", "*", "?", "É-", "e",
];

impl Gen<'_> {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.random_range(0..items.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    /// A stored value of `field` on some record of `model`.
    fn stored(&mut self, model: &ModelDef, field: &str) -> Value {
        let rows: Vec<&HashMap<&str, Value>> = self.mem.rows[model.name].values().collect();
        let row = rows[self.rng.random_range(0..rows.len())];
        row.get(field).cloned().unwrap_or(Value::Null)
    }

    fn some_text(&mut self, model: &ModelDef, field: &str) -> Value {
        match self.rng.random_range(0..8) {
            0..=2 => self.stored(model, field),
            3 => {
                // A piece of a stored value, maybe with its case changed.
                let v = self.stored(model, field);
                let s = v.as_str().unwrap_or("x");
                let chars: Vec<char> = s.chars().collect();
                if chars.is_empty() {
                    return json!("");
                }
                let a = self.rng.random_range(0..chars.len());
                let b = self.rng.random_range(a..=chars.len().min(a + 4));
                let piece: String = chars[a..b].iter().collect();
                json!(match self.rng.random_range(0..3) {
                    0 => piece.to_uppercase(),
                    1 => piece.to_lowercase(),
                    _ => piece,
                })
            }
            4 => json!(""),
            5 => json!(false),
            _ => json!(*self.pick(SAMPLE_TEXTS)),
        }
    }

    fn some_number(&mut self, model: &ModelDef, field: &str, integer: bool) -> Value {
        match self.rng.random_range(0..9) {
            0..=3 => match self.stored(model, field) {
                Value::Null => json!(0),
                v => v,
            },
            4 => json!(0),
            5 => json!(false),
            6 if integer => json!(self.rng.random_range(-2..8)),
            6 => json!(*self.pick(&[2.5, 19.99, 75.0, 0.25, -1.0])),
            7 => json!(self.rng.random_range(0..200).to_string()),
            _ => json!(self.rng.random_range(0..150)),
        }
    }

    fn some_datetime(&mut self, model: &ModelDef, field: &str) -> Value {
        let base = match self.stored(model, field) {
            Value::String(s) if !s.is_empty() => s,
            _ => ms_text(at(self.rng.random_range(-5..80))),
        };
        match self.rng.random_range(0..9) {
            0..=2 => json!(base),
            3 => json!(base[..10]),
            4 => json!(format!("{}T{}Z", &base[..10], &base[11..])),
            5 => json!(format!("{}T{}+02:00", &base[..10], &base[11..])),
            6 => json!(format!("{}.5", base)),
            7 => json!(format!("{}T{}", base[..10].replace('-', ""), &base[11..])),
            _ => json!(false),
        }
    }

    fn relational_value(&mut self, comodel: &'static str) -> Value {
        let co = Mem::model(comodel);
        let ids: Vec<i64> = self.mem.rows[comodel].keys().copied().collect();
        match self.rng.random_range(0..8) {
            0..=2 => json!(*self.pick(&ids)),
            3 => json!(false),
            4 => self.some_text(co, "display_name"),
            5 => json!(999),
            6 => json!([*self.pick(&ids), *self.pick(&ids)]),
            _ => json!([*self.pick(&ids), false]),
        }
    }

    /// A value for `field` of `model` (`None`: `id`, `Some("display_name")` handled as text).
    fn value_for(&mut self, model: &'static ModelDef, name: &str) -> Value {
        let v = match name {
            "id" => {
                let ids: Vec<i64> = self.mem.rows[model.name].keys().copied().collect();
                match self.rng.random_range(0..4) {
                    0 => json!([*self.pick(&ids), *self.pick(&ids)]),
                    1 => json!(false),
                    _ => json!(*self.pick(&ids)),
                }
            }
            "display_name" => self.some_text(model, "display_name"),
            _ => {
                let field = f(model, name);
                match field.ty {
                    FieldType::Char
                    | FieldType::Text
                    | FieldType::Json
                    | FieldType::Selection(_) => self.some_text(model, name),
                    FieldType::Integer => self.some_number(model, name, true),
                    FieldType::Float | FieldType::Monetary => self.some_number(model, name, false),
                    FieldType::Boolean => json!(*self.pick(&[
                        json!(true),
                        json!(false),
                        json!(1),
                        json!(0),
                        json!("yes"),
                        json!("0"),
                        Value::Null
                    ])),
                    FieldType::Datetime | FieldType::DatetimeText => {
                        self.some_datetime(model, name)
                    }
                    FieldType::Many2one(comodel) | FieldType::One2many { comodel, .. } => {
                        self.relational_value(comodel)
                    }
                }
            }
        };
        // Sometimes a list of values.
        if !v.is_array() && self.chance(0.15) {
            let second = self.value_for_scalar(model, name);
            json!([v, second])
        } else {
            v
        }
    }

    fn value_for_scalar(&mut self, model: &'static ModelDef, name: &str) -> Value {
        loop {
            let v = self.value_for(model, name);
            if !v.is_array() {
                return v;
            }
        }
    }

    fn operator(&mut self, relational: bool) -> &'static str {
        const PLAIN: &[&str] = &[
            "=",
            "=",
            "!=",
            "<",
            "<=",
            ">",
            ">=",
            "in",
            "not in",
            "like",
            "not like",
            "ilike",
            "ilike",
            "not ilike",
            "=like",
            "=ilike",
            "=?",
            "not =like",
            "not =ilike",
        ];
        const REL: &[&str] = &[
            "=",
            "!=",
            "in",
            "not in",
            "ilike",
            "not ilike",
            "like",
            "=ilike",
            "<",
            ">",
            "any",
            "not any",
        ];
        if relational {
            self.pick::<&str>(REL)
        } else {
            self.pick::<&str>(PLAIN)
        }
    }

    fn searchable_fields(model: &'static ModelDef) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = model
            .fields
            .iter()
            .filter(|f| f.searchable())
            .map(|f| f.name)
            .collect();
        names.push("id");
        names.push("display_name");
        names
    }

    fn leaf(&mut self, model: &'static ModelDef, depth: u32) -> Value {
        let names = Self::searchable_fields(model);
        let name = *self.pick(&names);
        let relational = matches!(
            model.field(name).map(|f| f.ty),
            Some(FieldType::Many2one(_) | FieldType::One2many { .. })
        );
        if relational {
            let comodel = match model.field(name).map(|f| f.ty) {
                Some(FieldType::Many2one(c) | FieldType::One2many { comodel: c, .. }) => c,
                _ => unreachable!(),
            };
            let co = Mem::model(comodel);
            // A dotted path, sometimes.
            if depth < 2 && self.chance(0.3) {
                let sub = self.leaf(co, depth + 1);
                let path = format!("{name}.{}", sub[0].as_str().unwrap());
                return json!([path, sub[1], sub[2]]);
            }
            let op = self.operator(true);
            if op == "any" || op == "not any" {
                let sub = if depth < 2 {
                    self.domain(co, depth + 1)
                } else {
                    json!([])
                };
                return json!([name, op, sub]);
            }
            let value = self.value_for(model, name);
            return json!([name, op, value]);
        }
        let op = self.operator(false);
        let value = if op.contains("like") {
            match self.value_for(model, name) {
                Value::Array(a) => a.into_iter().next().unwrap_or(Value::Null),
                v => v,
            }
        } else if op == "in" || op == "not in" {
            let a = self.value_for_scalar(model, name);
            let b = self.value_for_scalar(model, name);
            match self.rng.random_range(0..4) {
                0 => json!([]),
                1 => json!([a]),
                _ => json!([a, b]),
            }
        } else if ["<", "<=", ">", ">="].contains(&op) {
            self.value_for_scalar(model, name)
        } else {
            self.value_for(model, name)
        };
        json!([name, op, value])
    }

    /// A domain in its wire (prefix) form.
    fn domain(&mut self, model: &'static ModelDef, depth: u32) -> Value {
        let mut out = Vec::new();
        self.term(model, depth, &mut out);
        if self.chance(0.3) {
            // An implicit `&` with a second term.
            self.term(model, depth + 1, &mut out);
        }
        Value::Array(out)
    }

    fn term(&mut self, model: &'static ModelDef, depth: u32, out: &mut Vec<Value>) {
        let roll = if depth >= 2 {
            0
        } else {
            self.rng.random_range(0..10)
        };
        match roll {
            0..=4 => out.push(self.leaf(model, depth)),
            5 | 6 => {
                out.push(json!("&"));
                self.term(model, depth + 1, out);
                self.term(model, depth + 1, out);
            }
            7 | 8 => {
                out.push(json!("|"));
                self.term(model, depth + 1, out);
                self.term(model, depth + 1, out);
            }
            _ => {
                out.push(json!("!"));
                self.term(model, depth + 1, out);
            }
        }
    }

    fn order(&mut self, model: &'static ModelDef) -> OrderBy {
        let mut names: Vec<String> = model
            .fields
            .iter()
            .filter(|f| f.column.is_some() && !f.write_only)
            .map(|f| f.name.to_string())
            .collect();
        for f in model.fields {
            if matches!(f.ty, FieldType::Many2one(_)) {
                names.push(format!("{}.id", f.name));
            }
        }
        names.push("id".into());
        names.push("display_name".into());
        let n = self.rng.random_range(1..=2);
        let mut terms = Vec::new();
        for _ in 0..n {
            let name = self.pick(&names).clone();
            let dir = *self.pick(&["", " asc", " desc"]);
            let nulls = *self.pick(&["", "", " nulls first", " nulls last"]);
            terms.push(format!("{name}{dir}{nulls}"));
        }
        parse_order(&terms.join(", ")).unwrap()
    }
}

/// Domains worth checking by hand (model, domain).
fn hand_picked(s: &Seeded) -> Vec<(&'static ModelDef, Value)> {
    let p = &PRODUCT;
    let l = &LISTING;
    let m = &MARKETPLACE;
    let o = &ORDER;
    let ol = &ORDER_LINE;
    let j = &JOB;
    let (m1, p1, l1, o1) = (s.marketplaces[0], s.products[0], s.listings[0], s.orders[0]);
    vec![
        (p, json!([])),
        (p, json!([["name", "=", false]])),
        (p, json!([["name", "!=", false]])),
        (p, json!([["default_code", "=", false]])),
        (p, json!([["default_code", "!=", ""]])),
        (p, json!([["default_code", "in", ["SKU-1", false]]])),
        (p, json!([["default_code", "not in", ["SKU-1", ""]]])),
        (p, json!([["barcode", "in", []]])),
        (p, json!([["barcode", "not in", []]])),
        (p, json!([["name", "like", "%"]])),
        (p, json!([["name", "like", "\\%"]])),
        (p, json!([["name", "like", "_"]])),
        (p, json!([["name", "like", "a\\_b"]])),
        (p, json!([["name", "like", "\\\\"]])),
        (p, json!([["name", "ilike", "éclair"]])),
        (p, json!([["name", "ilike", "ÉCLAIR"]])),
        (p, json!([["name", "like", "Éclair"]])),
        (p, json!([["name", "ilike", "über"]])),
        (p, json!([["name", "=ilike", "DESK"]])),
        (p, json!([["name", "=like", "D%"]])),
        (p, json!([["name", "=like", "d_sk"]])),
        (p, json!([["name", "not ilike", "desk"]])),
        (p, json!([["name", "ilike", ""]])),
        (p, json!([["name", "not like", ""]])),
        (p, json!([["name", "=like", ""]])),
        (p, json!([["name", "<", "Desk"]])),
        (p, json!([["name", ">=", "desk"]])),
        (p, json!([["name", ">", ""]])),
        (p, json!([["name", "=", 5]])),
        (p, json!([["list_price", "=", 0]])),
        (p, json!([["list_price", "=", false]])),
        (p, json!([["list_price", "<", 20]])),
        (p, json!([["list_price", ">", 19.99]])),
        (p, json!([["list_price", "in", [19.99, 75]]])),
        (p, json!([["list_price", "like", "75"]])),
        (p, json!([["list_price", "like", "."]])),
        (p, json!([["odoo_id", "=", false]])),
        (p, json!([["odoo_id", "<", 110]])),
        (p, json!([["odoo_id", ">", -1]])),
        (p, json!([["odoo_id", "in", [0, 101]]])),
        (p, json!([["odoo_id", "=", "101"]])),
        (p, json!([["odoo_id", "like", "0"]])),
        (p, json!([["odoo_template_id", "!=", 0]])),
        (p, json!([["is_storable", "=", true]])),
        (p, json!([["is_storable", "!=", true]])),
        (p, json!([["is_storable", "in", [true, false]]])),
        (p, json!([["is_storable", "=", "yes"]])),
        (p, json!([["is_storable", "like", "ru"]])),
        (p, json!([["active", "=", false]])),
        (p, json!([["active", "in", [true, false]]])),
        (p, json!([["create_date", ">", "2026-11-28"]])),
        (p, json!([["create_date", "<=", "2026-11-27 06:00:00"]])),
        (p, json!([["create_date", "<", "2026-11-27T06:00:00.5Z"]])),
        (
            p,
            json!([["create_date", ">=", "2026-11-27 07:00:00+01:00"]]),
        ),
        (p, json!([["create_date", "=", "2026-11-27 03:00:00"]])),
        (
            p,
            json!([[
                "create_date",
                "in",
                ["2026-11-27 03:00:00", "20261127T06:00:00"]
            ]]),
        ),
        (p, json!([["create_date", "like", "2026-11-27 0"]])),
        (p, json!([["write_date", "!=", false]])),
        (p, json!([["odoo_write_date", "=", false]])),
        (p, json!([["odoo_write_date", "<", "2026-11-28 12:00:00"]])),
        (p, json!([["odoo_write_date", ">=", "2026-11-28"]])),
        (
            p,
            json!([["odoo_write_date", "in", ["2026-11-27 10:00:00", false]]]),
        ),
        (p, json!([["attributes", "ilike", "white"]])),
        (p, json!([["pending", "=", false]])),
        (p, json!([["display_name", "ilike", "[sku"]])),
        (p, json!([["display_name", "=", "Desk"]])),
        (p, json!([["id", "=", p1]])),
        (p, json!([["id", "in", [p1, 0, false]]])),
        (p, json!([["id", "not in", [p1]]])),
        (p, json!([["id", "<", p1 + 3]])),
        (p, json!([["id", "like", "1"]])),
        (p, json!([["id", "any", [["name", "ilike", "desk"]]]])),
        (p, json!([["listing_ids", "=", false]])),
        (p, json!([["listing_ids", "!=", false]])),
        (p, json!([["listing_ids", "in", [l1]]])),
        (p, json!([["listing_ids", "not in", [l1]]])),
        (p, json!([["listing_ids", "=", "SKU-0"]])),
        (p, json!([["listing_ids", "ilike", "sku"]])),
        (p, json!([["listing_ids", "like", ""]])),
        (p, json!([["listing_ids", "=like", ""]])),
        (p, json!([["listing_ids", ">", l1 + 5]])),
        (p, json!([["listing_ids.status", "=", "active"]])),
        (p, json!([["listing_ids.status", "!=", "active"]])),
        (p, json!([["listing_ids.marketplace_id.kind", "=", "ebay"]])),
        (
            p,
            json!([["listing_ids", "any", [["status", "in", ["error", "ended"]]]]]),
        ),
        (
            p,
            json!([["listing_ids", "not any", [["status", "=", "active"]]]]),
        ),
        (p, json!(["!", ["name", "ilike", "desk"]])),
        (
            p,
            json!(["|", ["name", "=", false], ["default_code", "=", false]]),
        ),
        (
            p,
            json!(["!", "|", ["barcode", "=", "4002"], ["odoo_id", ">", 105]]),
        ),
        (p, json!([["list_price", "=?", false]])),
        (p, json!([["list_price", "=?", 75]])),
        (p, json!([[1, "=", 1]])),
        (p, json!([[0, "=", 1]])),
        (l, json!([["marketplace_id", "=", m1]])),
        (l, json!([["marketplace_id", "!=", m1]])),
        (l, json!([["marketplace_id", "=", "eBay DE"]])),
        (
            l,
            json!([["marketplace_id", "in", ["eBay DE", "Amazon EU"]]]),
        ),
        (l, json!([["marketplace_id", "ilike", "ébène"]])),
        (l, json!([["marketplace_id", "like", "%"]])),
        (l, json!([["marketplace_id", "<", "F"]])),
        (l, json!([["marketplace_id.kind", "=", "ebay"]])),
        (l, json!([["marketplace_id.name", "not ilike", "ebay"]])),
        (
            l,
            json!([["marketplace_id", "any", [["enabled", "=", false]]]]),
        ),
        (
            l,
            json!([["marketplace_id", "not any", [["enabled", "=", false]]]]),
        ),
        (l, json!([["product_id", "=", false]])),
        (l, json!([["product_id", "!=", false]])),
        (l, json!([["product_id", "in", [p1, false]]])),
        (l, json!([["product_id", "=", true]])),
        (l, json!([["product_id", "ilike", "desk"]])),
        (l, json!([["product_id", "ilike", ""]])),
        (l, json!([["product_id", "=like", ""]])),
        (l, json!([["product_id", "<", p1 + 4]])),
        (l, json!([["product_id.default_code", "=", false]])),
        (l, json!([["product_id.default_code", "!=", "SKU-1"]])),
        (l, json!([["product_id.active", "=", false]])),
        (l, json!([["product_id.listing_ids.status", "=", "error"]])),
        (l, json!([["sku", "like", "x\\_"]])),
        (l, json!([["sku", "ilike", "é-"]])),
        (l, json!([["sku", "=like", "É%"]])),
        (l, json!([["status", "=", false]])),
        (l, json!([["status", "in", ["draft", ""]]])),
        (l, json!([["last_quantity", "<", 2]])),
        (l, json!([["last_quantity", "=", false]])),
        (l, json!([["last_price", ">=", 12.5]])),
        (l, json!([["last_pushed_at", "=", false]])),
        (l, json!([["last_pushed_at", "<", "2026-11-28 00:00:00"]])),
        (m, json!([["has_credentials", "=", true]])),
        (m, json!([["has_credentials", "=", false]])),
        (m, json!([["enabled", "=", false]])),
        (m, json!([["settings", "ilike", "buffer"]])),
        (m, json!([["listing_ids", "=", false]])),
        (m, json!([["kind", "in", ["ebay", "shopify"]]])),
        (m, json!([["name", "ilike", "ü"]])),
        (m, json!([["name", "like", "\\%"]])),
        (o, json!([["ordered_at", "=", false]])),
        (o, json!([["ordered_at", ">", "2026-11-27 10:00:00"]])),
        (o, json!([["buyer_name", "ilike", "MÜLLER"]])),
        (o, json!([["buyer_name", "=", false]])),
        (o, json!([["buyer_name", "like", "100\\%"]])),
        (o, json!([["line_ids", "=", false]])),
        (o, json!([["line_ids.product_id", "=", false]])),
        (o, json!([["line_ids.product_id.name", "ilike", "desk"]])),
        (o, json!([["line_ids", "any", [["quantity", ">", 2]]]])),
        (o, json!([["odoo_order_id", "=", false]])),
        (o, json!([["amount_total", ">", 30]])),
        (o, json!([["marketplace_id.enabled", "=", true]])),
        (o, json!([["shipping_address", "ilike", "köln"]])),
        (o, json!([["id", "=", o1]])),
        (ol, json!([["order_id.state", "=", "received"]])),
        (ol, json!([["sku", "=", false]])),
        (ol, json!([["title", "ilike", "éclair"]])),
        (ol, json!([["product_id.active", "=", true]])),
        (j, json!([["priority", "<", 0]])),
        (j, json!([["priority", "in", [0, 1]]])),
        (j, json!([["attempts", "=", false]])),
        (j, json!([["kind", "=like", "push%"]])),
        (j, json!([["kind", "=ilike", "push%"]])),
        (j, json!([["finished_at", "!=", false]])),
        (j, json!([["run_after", "<=", "2026-11-27 02:00:00"]])),
        (j, json!([["payload", "like", "\"product\": 1"]])),
    ]
}

/// Orders worth checking by hand.
const ORDERS: &[(&str, &str)] = &[
    ("adlerdo.product", ""),
    ("adlerdo.product", "name"),
    ("adlerdo.product", "name desc"),
    ("adlerdo.product", "default_code, name desc"),
    ("adlerdo.product", "default_code desc nulls last"),
    ("adlerdo.product", "barcode asc nulls first"),
    ("adlerdo.product", "list_price desc, id desc"),
    ("adlerdo.product", "odoo_id"),
    ("adlerdo.product", "odoo_id desc"),
    ("adlerdo.product", "is_storable, active desc"),
    ("adlerdo.product", "write_date desc"),
    ("adlerdo.product", "odoo_write_date"),
    ("adlerdo.product", "odoo_write_date desc nulls last"),
    ("adlerdo.product", "display_name desc"),
    ("adlerdo.listing", ""),
    ("adlerdo.listing", "marketplace_id desc"),
    ("adlerdo.listing", "marketplace_id.id desc"),
    ("adlerdo.listing", "product_id nulls first, sku"),
    ("adlerdo.listing", "product_id.id"),
    ("adlerdo.listing", "status, last_price desc"),
    ("adlerdo.listing", "last_pushed_at nulls first"),
    ("adlerdo.marketplace", "has_credentials desc, name"),
    ("adlerdo.marketplace", "kind, enabled"),
    ("adlerdo.order", ""),
    ("adlerdo.order", "ordered_at"),
    ("adlerdo.order", "buyer_name desc nulls last"),
    ("adlerdo.order.line", ""),
    ("adlerdo.order.line", "product_id desc, quantity"),
    ("adlerdo.job", ""),
    ("adlerdo.job", "priority desc, run_after"),
    ("adlerdo.job", "finished_at desc nulls last, kind"),
];

async fn searches_match_the_engine(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let seeded = seed(&mut c);
    let mem = Mem::load(&mut c);
    let mut checked = 0;
    let mut errors = 0;

    for (i, (model, wire)) in hand_picked(&seeded).into_iter().enumerate() {
        let domain = parse(&wire).unwrap();
        for active_test in [true, false] {
            let s = Search {
                active_test,
                ..Search::new(model, &domain)
            };
            if check(&mut c, &mem, &s, &format!("hand-picked #{i}")) {
                checked += 1;
            } else {
                errors += 1;
            }
        }
    }
    for (model, order) in ORDERS {
        let model = Mem::model(model);
        let order = parse_order(order).unwrap();
        for (offset, limit) in [(0, None), (0, Some(5)), (3, Some(4)), (7, None)] {
            let s = Search {
                order: &order,
                offset,
                limit,
                ..Search::new(model, &Domain::True)
            };
            assert!(check(&mut c, &mem, &s, "hand-picked order"));
            checked += 1;
        }
    }

    // FACADE_SQL_SEED / FACADE_SQL_ROUNDS explore further than the default run.
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let mut g = Gen {
        rng: StdRng::seed_from_u64(env("FACADE_SQL_SEED", 0x0ad1_e4d0)),
        mem: &mem,
    };
    let models = [
        &PRODUCT,
        &LISTING,
        &MARKETPLACE,
        &ORDER,
        &ORDER_LINE,
        &ORDER_EVENT,
        &JOB,
    ];
    let mut selective = 0;
    for i in 0..env("FACADE_SQL_ROUNDS", 800) {
        let model = *g.pick(&models);
        let wire = g.domain(model, 0);
        let domain = match parse(&wire) {
            Ok(d) => d,
            Err(e) => panic!("generated an unparsable domain {wire}: {e}"),
        };
        let order = if g.chance(0.5) {
            OrderBy::default()
        } else {
            g.order(model)
        };
        let (offset, limit) = if g.chance(0.3) {
            (g.rng.random_range(0..5), Some(g.rng.random_range(0..6)))
        } else {
            (0, None)
        };
        let s = Search {
            model,
            domain: &domain,
            active_test: g.chance(0.8),
            order: &order,
            offset,
            limit,
        };
        if check(&mut c, &mem, &s, &format!("random #{i}")) {
            checked += 1;
            let n = expected(
                &mem,
                &Search {
                    offset: 0,
                    limit: None,
                    ..s
                },
            )
            .unwrap()
            .len();
            if n > 0 && n < mem.rows[model.name].len() {
                selective += 1;
            }
        } else {
            errors += 1;
        }
    }
    println!(
        "facade_sql {backend:?}: {checked} searches agree ({selective} random ones selective), \
         {errors} refused alike"
    );
    assert!(checked > 500, "too few valid searches: {checked}");
    assert!(
        selective > 200,
        "too few selective random searches: {selective}"
    );

    // search_rows answers the same rows as search_ids, with their values.
    let p = &PRODUCT;
    let domain = parse(&json!([["name", "ilike", "e"]])).unwrap();
    let s = Search::new(p, &domain);
    let fields = [f(p, "name"), f(p, "default_code"), f(p, "list_price")];
    let rows = sql::search_rows(&mut c, &s, &fields, true).unwrap();
    let ids = sql::search_ids(&mut c, &s).unwrap();
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), ids);
    for row in &rows {
        let stored = &mem.rows[p.name][&row.id];
        assert_eq!(engine_value(fields[0], &row.values[0]), stored["name"]);
        assert_eq!(json!(row.display_name), stored["display_name"]);
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

fn domain_error(c: &mut DbConnection, model: &'static ModelDef, wire: Value) -> DomainError {
    let domain = parse(&wire).unwrap();
    let want = domain::validate(&domain, model.name, &Registry).unwrap_err();
    match sql::search_ids(c, &Search::new(model, &domain)) {
        Err(SqlError::Domain(e)) => {
            assert_eq!(e, want, "{wire}");
            e
        }
        other => panic!("{wire}: {other:?}"),
    }
}

fn order_error(c: &mut DbConnection, model: &'static ModelDef, order: &str) -> DomainError {
    let order = parse_order(order).unwrap();
    let want = validate_order(&order, model.name, &Registry).unwrap_err();
    let s = Search {
        order: &order,
        ..Search::new(model, &Domain::True)
    };
    match sql::search_ids(c, &s) {
        Err(SqlError::Domain(e)) => {
            assert_eq!(e, want, "{order}");
            e
        }
        other => panic!("{order}: {other:?}"),
    }
}

async fn errors_are_the_engines(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let c = &mut *c;

    let e = domain_error(c, &PRODUCT, json!([["nope", "=", 1]]));
    assert!(matches!(e, DomainError::UnknownField { .. }));
    assert_eq!(
        e.message(18),
        "Invalid field adlerdo.product.nope in leaf ('nope', '=', 1)"
    );
    // A write-only field is unknown to domains and orders.
    let e = domain_error(c, &MARKETPLACE, json!([["credentials", "!=", false]]));
    assert!(matches!(e, DomainError::UnknownField { .. }));
    let e = domain_error(
        c,
        &LISTING,
        json!([["marketplace_id.credentials", "=", "x"]]),
    );
    assert!(matches!(e, DomainError::UnknownField { .. }));
    let e = order_error(c, &MARKETPLACE, "credentials desc");
    assert!(matches!(e, DomainError::UnknownOrderField { .. }));
    // Operators that do not apply.
    let e = domain_error(c, &PRODUCT, json!([["name", "any", []]]));
    assert!(matches!(e, DomainError::NotRelational { .. }));
    let e = domain_error(c, &PRODUCT, json!([["name", "child_of", 1]]));
    assert!(matches!(e, DomainError::NotRelational { .. }));
    let e = domain_error(c, &LISTING, json!([["marketplace_id", "child_of", 1]]));
    assert!(matches!(e, DomainError::InvalidParent { .. }));
    let e = domain_error(c, &PRODUCT, json!([["name.foo", "=", 1]]));
    assert!(matches!(e, DomainError::InvalidPath { .. }));
    // Values of the wrong type.
    let e = domain_error(c, &PRODUCT, json!([["odoo_id", "=", "abc"]]));
    assert!(matches!(e, DomainError::InvalidValue { .. }));
    let e = domain_error(c, &PRODUCT, json!([["create_date", ">", "yesterday"]]));
    assert!(matches!(e, DomainError::InvalidValue { .. }));
    let e = domain_error(c, &PRODUCT, json!([["name", "like", ["a"]]]));
    assert!(matches!(e, DomainError::InvalidValue { .. }));
    // A bad operator is refused when the domain is parsed, before the SQL layer.
    assert!(matches!(
        parse(&json!([["name", "~", "a"]])),
        Err(DomainError::InvalidOperator { .. })
    ));
    // Orders.
    assert!(matches!(
        parse_order("name sideways"),
        Err(DomainError::InvalidOrder { .. })
    ));
    let e = order_error(c, &PRODUCT, "nope");
    assert!(matches!(e, DomainError::UnknownOrderField { .. }));
    let e = order_error(c, &PRODUCT, "listing_ids");
    assert!(matches!(e, DomainError::UnsortableField { .. }));
    let e = order_error(c, &PRODUCT, "create_date:day");
    assert!(matches!(e, DomainError::UnknownOrderField { .. }));
    let e = order_error(c, &LISTING, "marketplace_id.name");
    assert!(matches!(e, DomainError::UnknownOrderField { .. }));
    // A model without a table.
    assert!(matches!(
        sql::search_ids(c, &Search::new(&SYNC, &Domain::True)),
        Err(SqlError::NoTable { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// Row access
// ---------------------------------------------------------------------------------------------

async fn rows_round_trip(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let c = &mut *c;
    let (m, l, p) = (&MARKETPLACE, &LISTING, &PRODUCT);

    let ebay = sql::insert(
        c,
        m,
        &[
            (f(m, "kind"), text("ebay")),
            (f(m, "name"), text("eBay DE")),
            (f(m, "credentials"), text("sealed")),
        ],
    )
    .unwrap();
    let amazon = sql::insert(
        c,
        m,
        &[
            (f(m, "kind"), text("amazon")),
            (f(m, "name"), text("Amazon")),
            (f(m, "enabled"), Bind::Int(0)),
        ],
    )
    .unwrap();
    let desk = sql::insert(
        c,
        p,
        &[
            (f(p, "name"), text("Desk")),
            (f(p, "default_code"), text("D-1")),
            (f(p, "list_price"), Bind::Float(99.5)),
            (f(p, "odoo_write_date"), text("2026-11-27 10:00:00")),
        ],
    )
    .unwrap();
    let mut listing_ids = Vec::new();
    for (market, sku, product) in [
        (ebay, "B", Some(desk)),
        (amazon, "A", Some(desk)),
        (ebay, "A", Some(desk)),
        (ebay, "C", None),
    ] {
        listing_ids.push(
            sql::insert(
                c,
                l,
                &[
                    (f(l, "marketplace_id"), Bind::Int(market)),
                    (f(l, "product_id"), product.map_or(Bind::Null, Bind::Int)),
                    (f(l, "sku"), text(sku)),
                    (f(l, "last_quantity"), Bind::Int(3)),
                ],
            )
            .unwrap(),
        );
    }

    // read_rows: the values as stored, many2one with the related name, in the order of the ids.
    let fields = [
        f(m, "name"),
        f(m, "kind"),
        f(m, "enabled"),
        f(m, "settings"),
        f(m, "credentials"),
        f(m, "has_credentials"),
        f(m, "listing_ids"),
        f(m, "create_date"),
    ];
    let rows = sql::read_rows(c, m, &[amazon, 424_242, ebay, amazon], &fields, true).unwrap();
    assert_eq!(
        rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        [amazon, ebay, amazon]
    );
    let e = &rows[1];
    assert_eq!(e.display_name.as_deref(), Some("eBay DE"));
    assert_eq!(e.values[0], Raw::Text("eBay DE".into()));
    assert_eq!(e.get(&fields, "kind"), Some(&Raw::Text("ebay".into())));
    assert_eq!(
        e.get(&fields, "enabled"),
        Some(&Raw::Int(1)),
        "column default"
    );
    assert_eq!(e.get(&fields, "settings"), Some(&Raw::Text("{}".into())));
    assert_eq!(
        e.get(&fields, "credentials"),
        Some(&Raw::Null),
        "never read"
    );
    assert_eq!(e.get(&fields, "has_credentials"), Some(&Raw::Int(1)));
    assert_eq!(rows[0].get(&fields, "has_credentials"), Some(&Raw::Int(0)));
    assert_eq!(e.get(&fields, "listing_ids"), Some(&Raw::Null));
    let Some(Raw::Int(created)) = e.get(&fields, "create_date") else {
        panic!("create_date is set on insert: {e:?}");
    };
    assert!(*created > 1_700_000_000_000);

    let lfields = [f(l, "marketplace_id"), f(l, "product_id"), f(l, "sku")];
    let rows = sql::read_rows(c, l, &listing_ids, &lfields, false).unwrap();
    assert_eq!(rows[0].values[0], Raw::Ref(ebay, "eBay DE".into()));
    assert_eq!(rows[0].values[1], Raw::Ref(desk, "Desk".into()));
    assert_eq!(rows[0].display_name, None);
    assert_eq!(rows[3].values[1], Raw::Null);

    // A name column of no field's own (products.display_name) takes the name.
    let names = sql::display_names(c, p, &[desk, 999]).unwrap();
    assert_eq!(names, HashMap::from([(desk, "Desk".to_string())]));
    let names = sql::display_names(c, l, &listing_ids[..2]).unwrap();
    assert_eq!(names[&listing_ids[1]], "A");

    // one2many: every id answered, related ids in the comodel's order (marketplace name, sku).
    let lists = sql::one2many_ids(c, f(p, "listing_ids"), &[desk, 999]).unwrap();
    assert_eq!(
        lists[&desk],
        [listing_ids[1], listing_ids[2], listing_ids[0]]
    );
    assert_eq!(lists[&999], Vec::<i64>::new());
    let lists = sql::one2many_ids(c, f(m, "listing_ids"), &[ebay, amazon]).unwrap();
    assert_eq!(
        lists[&ebay],
        [listing_ids[2], listing_ids[0], listing_ids[3]]
    );
    assert!(matches!(
        sql::one2many_ids(c, f(m, "name"), &[ebay]),
        Err(SqlError::NotOne2many { .. })
    ));

    // update: the values, write_date bumped; a missing id is not counted.
    let before = sql::read_rows(c, l, &listing_ids[..1], &[f(l, "write_date")], false).unwrap();
    let n = sql::update(
        c,
        l,
        &[listing_ids[0], listing_ids[3], 424_242],
        &[
            (f(l, "status"), text("active")),
            (f(l, "last_price"), Bind::Float(12.5)),
            (f(l, "external_id"), Bind::Null),
            (f(l, "product_id"), Bind::Int(desk)),
        ],
    )
    .unwrap();
    assert_eq!(n, 2);
    let after = sql::read_rows(
        c,
        l,
        &listing_ids[..1],
        &[
            f(l, "status"),
            f(l, "last_price"),
            f(l, "external_id"),
            f(l, "write_date"),
        ],
        false,
    )
    .unwrap();
    assert_eq!(after[0].values[0], Raw::Text("active".into()));
    assert_eq!(after[0].values[1], Raw::Float(12.5));
    assert_eq!(after[0].values[2], Raw::Null);
    match (&before[0].values[0], &after[0].values[3]) {
        (Raw::Int(a), Raw::Int(b)) => assert!(b >= a),
        other => panic!("{other:?}"),
    }
    assert_eq!(sql::update(c, l, &[listing_ids[0], 777], &[]).unwrap(), 1);

    // Fields without a column of their own cannot be written.
    assert!(matches!(
        sql::update(c, m, &[ebay], &[(f(m, "has_credentials"), Bind::Int(0))]),
        Err(SqlError::NotStored { .. })
    ));
    assert!(matches!(
        sql::insert(c, m, &[(f(m, "listing_ids"), Bind::Null)]),
        Err(SqlError::NotStored { .. })
    ));

    // existing_ids keeps the order asked; delete counts what it removed.
    assert_eq!(
        sql::existing_ids(c, l, &[listing_ids[3], 5555, listing_ids[0]]).unwrap(),
        [listing_ids[3], listing_ids[0]]
    );
    assert_eq!(
        sql::delete(c, l, &[listing_ids[3], 5555]).unwrap(),
        1,
        "one deleted"
    );
    assert_eq!(
        sql::existing_ids(c, l, &listing_ids).unwrap(),
        &listing_ids[..3]
    );
    assert!(
        sql::read_rows(c, l, &[], &lfields, true)
            .unwrap()
            .is_empty()
    );

    // search_rows / search_count with limits.
    let all = Domain::True;
    let s = Search {
        limit: Some(2),
        ..Search::new(l, &all)
    };
    assert_eq!(sql::search_count(c, &s).unwrap(), 2);
    assert_eq!(sql::search_count(c, &Search::new(l, &all)).unwrap(), 3);
    let rows: Vec<Row> = sql::search_rows(c, &s, &lfields, true).unwrap();
    // Listing order: marketplace name (Amazon < eBay DE), then sku.
    assert_eq!(
        rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        [listing_ids[1], listing_ids[2]]
    );
    assert_eq!(rows[0].display_name.as_deref(), Some("A"));

    // Unicode ilike on both backends (SQLite folds through a function it registers on demand).
    let ecl = sql::insert(c, p, &[(f(p, "name"), text("ÉCLAIR"))]).unwrap();
    let d = parse(&json!([["name", "ilike", "éclair"]])).unwrap();
    assert_eq!(sql::search_ids(c, &Search::new(p, &d)).unwrap(), [ecl]);
    let d = parse(&json!([["name", "like", "éclair"]])).unwrap();
    assert!(sql::search_ids(c, &Search::new(p, &d)).unwrap().is_empty());
}

async fn active_test_leaves_out_archived_rows(backend: Backend) {
    let t = TestDb::new(backend);
    let db = t.connect();
    let mut c = db.get().unwrap();
    let c = &mut *c;
    let p = &PRODUCT;
    let live = sql::insert(c, p, &[(f(p, "name"), text("Live"))]).unwrap();
    let gone = sql::insert(
        c,
        p,
        &[(f(p, "name"), text("Gone")), (f(p, "active"), Bind::Int(0))],
    )
    .unwrap();
    let ids = |c: &mut DbConnection, wire: Value, active_test: bool| {
        let d = parse(&wire).unwrap();
        sql::search_ids(
            c,
            &Search {
                active_test,
                ..Search::new(p, &d)
            },
        )
        .unwrap()
    };
    assert_eq!(ids(c, json!([]), true), [live]);
    assert_eq!(ids(c, json!([]), false), [gone, live], "by display name");
    assert_eq!(ids(c, json!([["active", "=", false]]), true), [gone]);
    assert_eq!(
        ids(c, json!([["active", "in", [true, false]]]), true),
        [gone, live]
    );
    assert_eq!(
        ids(c, json!([["name", "ilike", "o"]]), true),
        Vec::<i64>::new()
    );
    assert_eq!(ids(c, json!([["name", "ilike", "o"]]), false), [gone]);
    // Only a condition on `active` itself lifts the filter (Odoo's rule).
    assert_eq!(ids(c, json!(["!", ["active", "=", true]]), true), [gone]);
    // Reads by id see archived rows.
    assert_eq!(sql::existing_ids(c, p, &[gone]).unwrap(), [gone]);
    // Models without `active` are not filtered.
    let m = &MARKETPLACE;
    let off = sql::insert(
        c,
        m,
        &[
            (f(m, "kind"), text("ebay")),
            (f(m, "name"), text("Off")),
            (f(m, "enabled"), Bind::Int(0)),
        ],
    )
    .unwrap();
    assert_eq!(
        sql::search_ids(c, &Search::new(m, &Domain::True)).unwrap(),
        [off]
    );
}
