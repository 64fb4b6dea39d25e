//! Field resolvers over the store for `apollo-compiler`'s executor: it walks the validated
//! document (aliases, fragments, `__typename`, nullability) and asks these objects for values.

use std::cell::RefCell;

use apollo_compiler::ast;
use apollo_compiler::resolvers::{FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::response::{JsonMap, JsonValue};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

use super::orders::{self, Addr, Order};
use super::schema::ApiVersion;
use super::store::{
    Change, Group, ProductSetOutcome, SetOutcome, Store, UserError, gid, parse_gid,
};

/// Connection pages are capped at 250 nodes (shopify.dev "Shopify API limits").
pub const MAX_PAGE: i64 = 250;

/// What the resolvers share during one request.
pub struct Ctx<'s> {
    pub store: RefCell<&'s mut Store>,
    pub version: ApiVersion,
    pub require_key: bool,
    pub variables: &'s JsonMap,
}

type Out<'a> = Result<ResolvedValue<'a>, FieldError>;

fn err(message: impl Into<String>) -> FieldError {
    FieldError {
        message: message.into(),
    }
}

fn arg_str<'a>(info: &'a ResolveInfo<'_>, name: &str) -> Option<&'a str> {
    info.arguments().get(name).and_then(JsonValue::as_str)
}

/// A list-of-strings argument (empty if absent).
fn arg_strings(info: &ResolveInfo<'_>, name: &str) -> Vec<String> {
    info.arguments()
        .get(name)
        .and_then(JsonValue::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn leaf_opt<'a>(v: Option<String>) -> ResolvedValue<'a> {
    match v {
        Some(s) => ResolvedValue::leaf(s),
        None => ResolvedValue::null(),
    }
}

fn to_plain(v: &JsonValue) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

pub struct Query<'c, 's> {
    pub ctx: &'c Ctx<'s>,
}

pub struct Mutation<'c, 's> {
    pub ctx: &'c Ctx<'s>,
}

#[derive(Clone, Copy)]
enum Node {
    Variant(u64),
    Item(u64),
    Level(u64, u64),
    Order(u64),
    /// An order's line, by index.
    Line(u64, usize),
    /// An order's shipping line.
    Ship(u64),
}

struct Obj<'c, 's> {
    ctx: &'c Ctx<'s>,
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Shop,
    Location(u64),
    Product(u64),
    Variant(u64),
    Item(u64),
    Level(u64, u64),
    Quantity(u64, u64, String),
    PageInfo {
        start: Option<String>,
        end: Option<String>,
        next: bool,
        prev: bool,
    },
    /// Edges, page info, and the node type's name (`ProductVariant` for a
    /// `ProductVariantConnection`).
    Connection(Vec<(String, Node)>, Box<Kind>, &'static str),
    Edge(String, Node),
    SetPayload(SetOutcome),
    ProductSetPayload(ProductSetOutcome),
    Group(Group),
    Change(Change),
    UserError(UserError, &'static str),
    Order(u64),
    Line(u64, usize),
    Ship(u64),
    Customer(u64),
    /// An order's shipping (`false`) or billing (`true`) address.
    Address(u64, bool),
    /// A `MoneyBag` (shop and presentment money are the same: one currency per order).
    MoneyBag(f64, String),
    Money(f64, String),
    /// Price, rate, currency.
    TaxLine(f64, f64, String),
}

impl<'c, 's> Obj<'c, 's> {
    fn new(ctx: &'c Ctx<'s>, kind: Kind) -> Self {
        Self { ctx, kind }
    }

    fn node(ctx: &'c Ctx<'s>, n: Node) -> Self {
        let kind = match n {
            Node::Variant(id) => Kind::Variant(id),
            Node::Item(id) => Kind::Item(id),
            Node::Level(i, l) => Kind::Level(i, l),
            Node::Order(id) => Kind::Order(id),
            Node::Line(o, i) => Kind::Line(o, i),
            Node::Ship(o) => Kind::Ship(o),
        };
        Self::new(ctx, kind)
    }

    fn exists(&self) -> bool {
        let s = self.ctx.store.borrow();
        match &self.kind {
            Kind::Location(id) => s.locations.contains_key(id),
            Kind::Product(id) => s.products.contains_key(id),
            Kind::Variant(id) => s.variants.contains_key(id),
            Kind::Item(id) => s.items.contains_key(id),
            Kind::Level(i, l) => s.levels.contains_key(&(*i, *l)),
            Kind::Order(id) => s.orders.orders.contains_key(id),
            _ => true,
        }
    }
}

/// An object for a GID of any type the subset serves, if it exists.
fn by_gid<'c, 's>(ctx: &'c Ctx<'s>, id: &str) -> Option<Obj<'c, 's>> {
    let kind = if let Some(n) = parse_gid("ProductVariant", id) {
        Kind::Variant(n)
    } else if let Some(n) = parse_gid("Product", id) {
        Kind::Product(n)
    } else if let Some(n) = parse_gid("InventoryItem", id) {
        Kind::Item(n)
    } else if let Some(n) = parse_gid("Location", id) {
        Kind::Location(n)
    } else if let Some(n) = parse_gid("Order", id) {
        Kind::Order(n)
    } else if let Some(n) = parse_gid("InventoryLevel", id) {
        let s = ctx.store.borrow();
        let key = s.levels.iter().find(|(_, l)| l.id == n).map(|(k, _)| *k)?;
        Kind::Level(key.0, key.1)
    } else {
        return None;
    };
    let o = Obj::new(ctx, kind);
    o.exists().then_some(o)
}

fn encode_cursor(id: u64) -> String {
    B64.encode(format!("{{\"last_id\":{id},\"last_value\":\"{id}\"}}"))
}

fn decode_cursor(c: &str) -> Result<u64, FieldError> {
    let bytes = B64
        .decode(c)
        .map_err(|_| err("Invalid cursor for current pagination sort."))?;
    let v: Value = serde_json::from_slice(&bytes)
        .map_err(|_| err("Invalid cursor for current pagination sort."))?;
    v.get("last_id")
        .and_then(Value::as_u64)
        .ok_or_else(|| err("Invalid cursor for current pagination sort."))
}

/// `first` and `last`, checked as Shopify checks them (one of them, at most [`MAX_PAGE`]).
fn page_sizes(args: &JsonMap) -> Result<(Option<usize>, Option<usize>), FieldError> {
    let int = |k: &str| args.get(k).and_then(JsonValue::as_i64);
    let (first, last) = (int("first"), int("last"));
    if first.is_none() && last.is_none() {
        return Err(err("you must provide one of first or last"));
    }
    for n in [first, last].into_iter().flatten() {
        if !(0..=MAX_PAGE).contains(&n) {
            return Err(err(format!(
                "The page size must be between 0 and {MAX_PAGE}."
            )));
        }
    }
    let size = |n: Option<i64>| n.and_then(|n| usize::try_from(n).ok());
    Ok((size(first), size(last)))
}

/// One page of the shop's orders under the `orders` arguments (search, sort key, cursors).
fn orders_page(ctx: &Ctx<'_>, info: &ResolveInfo<'_>) -> Result<Kind, FieldError> {
    let args = info.arguments();
    let (first, last) = page_sizes(args)?;
    let cursor = |k: &str| match args.get(k).and_then(JsonValue::as_str) {
        None => Ok(None),
        Some(c) => orders::decode_cursor(c)
            .map(Some)
            .ok_or_else(|| err("Invalid cursor for current pagination sort.")),
    };
    let (after, before) = (cursor("after")?, cursor("before")?);
    let reverse = args
        .get("reverse")
        .and_then(JsonValue::as_bool)
        .unwrap_or(false);
    let sort = arg_str(info, "sortKey").unwrap_or("PROCESSED_AT");
    let all = ctx
        .store
        .borrow()
        .orders
        .search(arg_str(info, "query"), sort, chrono::Utc::now());
    let p = orders::page(all, first, last, after, before, reverse);
    let edges: Vec<(String, Node)> = p
        .items
        .into_iter()
        .map(|(k, id)| (orders::encode_cursor(k, id), Node::Order(id)))
        .collect();
    let page = Kind::PageInfo {
        start: edges.first().map(|e| e.0.clone()),
        end: edges.last().map(|e| e.0.clone()),
        next: p.next,
        prev: p.prev,
    };
    Ok(Kind::Connection(edges, Box::new(page), "Order"))
}

/// One page of `all` (sorted by key) under the connection arguments.
fn paginate(
    node_type: &'static str,
    all: Vec<(u64, Node)>,
    args: &JsonMap,
) -> Result<Kind, FieldError> {
    let (first, last) = page_sizes(args)?;
    let (first, last) = (first.map(|n| n as i64), last.map(|n| n as i64));
    let reverse = args
        .get("reverse")
        .and_then(JsonValue::as_bool)
        .unwrap_or(false);
    let mut items = all;
    if reverse {
        items.reverse();
    }
    let mut prev = false;
    let mut next = false;
    let before_key = |a: u64, b: u64| if reverse { a > b } else { a < b };
    if let Some(c) = args.get("after").and_then(JsonValue::as_str) {
        let c = decode_cursor(c)?;
        let len = items.len();
        items.retain(|(k, _)| before_key(c, *k));
        prev = items.len() < len;
    }
    if let Some(c) = args.get("before").and_then(JsonValue::as_str) {
        let c = decode_cursor(c)?;
        let len = items.len();
        items.retain(|(k, _)| before_key(*k, c));
        next = items.len() < len;
    }
    if let Some(n) = first {
        let n = usize::try_from(n).unwrap_or_default();
        if items.len() > n {
            next = true;
            items.truncate(n);
        }
    }
    if let Some(n) = last {
        let n = usize::try_from(n).unwrap_or_default();
        if items.len() > n {
            prev = true;
            items.drain(..items.len() - n);
        }
    }
    let edges: Vec<(String, Node)> = items
        .into_iter()
        .map(|(k, n)| (encode_cursor(k), n))
        .collect();
    let page = Kind::PageInfo {
        start: edges.first().map(|e| e.0.clone()),
        end: edges.last().map(|e| e.0.clone()),
        next,
        prev,
    };
    Ok(Kind::Connection(edges, Box::new(page), node_type))
}

impl ObjectValue for Query<'_, '_> {
    fn type_name(&self) -> &str {
        "QueryRoot"
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Out<'a> {
        let ctx = self.ctx;
        match info.field_name() {
            "shop" => Ok(ResolvedValue::object(Obj::new(ctx, Kind::Shop))),
            "orders" => Ok(ResolvedValue::object(Obj::new(
                ctx,
                orders_page(ctx, info)?,
            ))),
            "node" | "productVariant" | "product" | "inventoryItem" | "location" | "order" => {
                let name = info.field_name();
                let id = arg_str(info, "id");
                let found = match (name, id) {
                    ("location", None) => Some(Obj::new(
                        ctx,
                        Kind::Location(ctx.store.borrow().primary_location()),
                    )),
                    (_, Some(id)) => by_gid(ctx, id).filter(|o| match name {
                        "productVariant" => matches!(o.kind, Kind::Variant(_)),
                        "product" => matches!(o.kind, Kind::Product(_)),
                        "inventoryItem" => matches!(o.kind, Kind::Item(_)),
                        "location" => matches!(o.kind, Kind::Location(_)),
                        "order" => matches!(o.kind, Kind::Order(_)),
                        _ => true,
                    }),
                    _ => None,
                };
                Ok(ResolvedValue::nullable_object(found))
            }
            "nodes" => {
                let ids: Vec<String> = arg_strings(info, "ids");
                Ok(ResolvedValue::list(ids.into_iter().map(move |id| {
                    ResolvedValue::nullable_object(by_gid(ctx, &id))
                })))
            }
            "productVariants" => {
                let all = ctx
                    .store
                    .borrow()
                    .search_variants(arg_str(info, "query"))
                    .into_iter()
                    .map(|id| (id, Node::Variant(id)))
                    .collect();
                Ok(ResolvedValue::object(Obj::new(
                    ctx,
                    paginate("ProductVariant", all, info.arguments())?,
                )))
            }
            "inventoryItems" => {
                let all = ctx
                    .store
                    .borrow()
                    .search_items(arg_str(info, "query"))
                    .into_iter()
                    .map(|id| (id, Node::Item(id)))
                    .collect();
                Ok(ResolvedValue::object(Obj::new(
                    ctx,
                    paginate("InventoryItem", all, info.arguments())?,
                )))
            }
            _ => Err(self.unknown_field_error(info)),
        }
    }
}

impl ObjectValue for Mutation<'_, '_> {
    fn type_name(&self) -> &str {
        "Mutation"
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Out<'a> {
        let ctx = self.ctx;
        let input = match info.arguments().get("input").map(to_plain) {
            Some(Value::Object(m)) => m,
            _ => return Err(err("input is required")),
        };
        match info.field_name() {
            "inventorySetQuantities" => {
                let key = idempotency_key(info, ctx.variables);
                let outcome = ctx
                    .store
                    .borrow_mut()
                    .set_quantities(ctx.version, &input, key.as_deref(), ctx.require_key)
                    .map_err(|r| err(r.0))?;
                Ok(ResolvedValue::object(Obj::new(
                    ctx,
                    Kind::SetPayload(outcome),
                )))
            }
            "productSet" => {
                let synchronous = info
                    .arguments()
                    .get("synchronous")
                    .and_then(JsonValue::as_bool)
                    .unwrap_or(true);
                let outcome = if synchronous {
                    ctx.store.borrow_mut().product_set(&input)
                } else {
                    // The asynchronous mode (productSetOperation polling) is not simulated.
                    ProductSetOutcome {
                        product: None,
                        errors: vec![UserError {
                            code: Some("INVALID_INPUT"),
                            field: Some(vec!["synchronous".into()]),
                            message: "The simulator only runs productSet synchronously.".into(),
                        }],
                    }
                };
                Ok(ResolvedValue::object(Obj::new(
                    ctx,
                    Kind::ProductSetPayload(outcome),
                )))
            }
            _ => Err(self.unknown_field_error(info)),
        }
    }
}

/// The `@idempotent(key:)` of the field being resolved (a literal or a variable).
fn idempotency_key(info: &ResolveInfo<'_>, variables: &JsonMap) -> Option<String> {
    let field = info.field_selections().first()?;
    let directive = field.directives.get("idempotent")?;
    match directive.specified_argument_by_name("key")?.as_ref() {
        ast::Value::String(s) => Some(s.to_string()),
        ast::Value::Variable(name) => variables
            .get(name.as_str())
            .and_then(JsonValue::as_str)
            .map(str::to_string),
        _ => None,
    }
}

impl ObjectValue for Obj<'_, '_> {
    fn type_name(&self) -> &str {
        match &self.kind {
            Kind::Shop => "Shop",
            Kind::Location(_) => "Location",
            Kind::Product(_) => "Product",
            Kind::Variant(_) => "ProductVariant",
            Kind::Item(_) => "InventoryItem",
            Kind::Level(..) => "InventoryLevel",
            Kind::Quantity(..) => "InventoryQuantity",
            Kind::PageInfo { .. } => "PageInfo",
            Kind::Connection(_, _, node) => match *node {
                "InventoryItem" => "InventoryItemConnection",
                "InventoryLevel" => "InventoryLevelConnection",
                "Order" => "OrderConnection",
                "LineItem" => "LineItemConnection",
                "ShippingLine" => "ShippingLineConnection",
                _ => "ProductVariantConnection",
            },
            Kind::Edge(_, node) => match node {
                Node::Variant(_) => "ProductVariantEdge",
                Node::Item(_) => "InventoryItemEdge",
                Node::Level(..) => "InventoryLevelEdge",
                Node::Order(_) => "OrderEdge",
                Node::Line(..) => "LineItemEdge",
                Node::Ship(_) => "ShippingLineEdge",
            },
            Kind::SetPayload(_) => "InventorySetQuantitiesPayload",
            Kind::ProductSetPayload(_) => "ProductSetPayload",
            Kind::Group(_) => "InventoryAdjustmentGroup",
            Kind::Change(_) => "InventoryChange",
            Kind::UserError(_, t) => t,
            Kind::Order(_) => "Order",
            Kind::Line(..) => "LineItem",
            Kind::Ship(_) => "ShippingLine",
            Kind::Customer(_) => "Customer",
            Kind::Address(..) => "MailingAddress",
            Kind::MoneyBag(..) => "MoneyBag",
            Kind::Money(..) => "MoneyV2",
            Kind::TaxLine(..) => "TaxLine",
        }
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Out<'a> {
        let ctx = self.ctx;
        let f = info.field_name();
        let s = ctx.store.borrow();
        let missing = || err("the object no longer exists");
        let v = match &self.kind {
            Kind::Shop => match f {
                "id" => ResolvedValue::leaf(gid("Shop", 1)),
                "name" => ResolvedValue::leaf(s.shop_name.clone()),
                "myshopifyDomain" => ResolvedValue::leaf(format!("{}.myshopify.com", s.shop_name)),
                _ => return Err(self.unknown_field_error(info)),
            },
            Kind::Location(id) => {
                let l = s.locations.get(id).ok_or_else(missing)?;
                match f {
                    "id" => ResolvedValue::leaf(gid("Location", l.id)),
                    "name" => ResolvedValue::leaf(l.name.clone()),
                    "isActive" => ResolvedValue::leaf(true),
                    "isPrimary" => ResolvedValue::leaf(l.primary),
                    "createdAt" | "updatedAt" => ResolvedValue::leaf("2024-01-01T00:00:00Z"),
                    _ => return Err(self.unknown_field_error(info)),
                }
            }
            Kind::Product(id) => {
                let p = s.products.get(id).ok_or_else(missing)?;
                match f {
                    "id" => ResolvedValue::leaf(gid("Product", p.id)),
                    "title" => ResolvedValue::leaf(p.title.clone()),
                    "handle" => ResolvedValue::leaf(p.handle.clone()),
                    "descriptionHtml" => ResolvedValue::leaf(p.description_html.clone()),
                    "vendor" => ResolvedValue::leaf(p.vendor.clone()),
                    "status" => ResolvedValue::leaf(p.status.clone()),
                    "createdAt" => ResolvedValue::leaf(p.created.clone()),
                    "updatedAt" => ResolvedValue::leaf(p.updated.clone()),
                    "totalInventory" => ResolvedValue::leaf(
                        p.variants
                            .iter()
                            .filter_map(|v| s.variants.get(v))
                            .map(|v| s.variant_available(v))
                            .sum::<i64>(),
                    ),
                    "variants" => {
                        // Sorted by position (the default sort key); the position is the key.
                        let all = p
                            .variants
                            .iter()
                            .enumerate()
                            .map(|(i, v)| (i as u64 + 1, Node::Variant(*v)))
                            .collect();
                        drop(s);
                        return Ok(ResolvedValue::object(Obj::new(
                            ctx,
                            paginate("ProductVariant", all, info.arguments())?,
                        )));
                    }
                    _ => return Err(self.unknown_field_error(info)),
                }
            }
            Kind::Variant(id) => {
                let v = s.variants.get(id).ok_or_else(missing)?;
                match f {
                    "id" => ResolvedValue::leaf(gid("ProductVariant", v.id)),
                    "sku" => leaf_opt(v.sku.clone()),
                    "barcode" => leaf_opt(v.barcode.clone()),
                    "price" => ResolvedValue::leaf(v.price.clone()),
                    "title" => ResolvedValue::leaf(v.title.clone()),
                    "displayName" => {
                        let product = s
                            .products
                            .get(&v.product)
                            .map(|p| p.title.clone())
                            .unwrap_or_default();
                        ResolvedValue::leaf(format!("{product} - {}", v.title))
                    }
                    "inventoryPolicy" => ResolvedValue::leaf(v.policy.clone()),
                    "inventoryQuantity" => ResolvedValue::leaf(s.variant_available(v)),
                    "position" => {
                        let pos = s
                            .products
                            .get(&v.product)
                            .and_then(|p| p.variants.iter().position(|x| x == id))
                            .unwrap_or_default();
                        ResolvedValue::leaf(pos as i64 + 1)
                    }
                    "createdAt" => ResolvedValue::leaf(v.created.clone()),
                    "updatedAt" => ResolvedValue::leaf(v.updated.clone()),
                    "inventoryItem" => ResolvedValue::object(Obj::new(ctx, Kind::Item(v.item))),
                    "product" => ResolvedValue::object(Obj::new(ctx, Kind::Product(v.product))),
                    _ => return Err(self.unknown_field_error(info)),
                }
            }
            Kind::Item(id) => {
                let item = s.items.get(id).ok_or_else(missing)?;
                match f {
                    "id" => ResolvedValue::leaf(gid("InventoryItem", item.id)),
                    "sku" => leaf_opt(s.variants.get(&item.variant).and_then(|v| v.sku.clone())),
                    "tracked" => ResolvedValue::leaf(item.tracked),
                    "createdAt" | "updatedAt" => ResolvedValue::leaf(item.created.clone()),
                    "variant" => ResolvedValue::object(Obj::new(ctx, Kind::Variant(item.variant))),
                    "inventoryLevel" => {
                        let loc =
                            arg_str(info, "locationId").and_then(|g| parse_gid("Location", g));
                        let level = loc.filter(|l| s.levels.contains_key(&(item.id, *l)));
                        ResolvedValue::nullable_object(
                            level.map(|l| Obj::new(ctx, Kind::Level(item.id, l))),
                        )
                    }
                    "inventoryLevels" => {
                        let all = s
                            .locations
                            .keys()
                            .filter_map(|l| {
                                s.levels
                                    .get(&(item.id, *l))
                                    .map(|lv| (lv.id, Node::Level(item.id, *l)))
                            })
                            .collect();
                        drop(s);
                        return Ok(ResolvedValue::object(Obj::new(
                            ctx,
                            paginate("InventoryLevel", all, info.arguments())?,
                        )));
                    }
                    _ => return Err(self.unknown_field_error(info)),
                }
            }
            Kind::Level(item, loc) => {
                let l = s.levels.get(&(*item, *loc)).ok_or_else(missing)?;
                match f {
                    "id" => ResolvedValue::leaf(format!(
                        "{}?inventory_item_id={item}",
                        gid("InventoryLevel", l.id)
                    )),
                    "createdAt" => ResolvedValue::leaf(l.created.clone()),
                    "updatedAt" => ResolvedValue::leaf(l.updated.clone()),
                    "item" => ResolvedValue::object(Obj::new(ctx, Kind::Item(*item))),
                    "location" => ResolvedValue::object(Obj::new(ctx, Kind::Location(*loc))),
                    "quantities" => {
                        let names: Vec<String> = arg_strings(info, "names");
                        let (item, loc) = (*item, *loc);
                        ResolvedValue::list(names.into_iter().map(move |n| {
                            ResolvedValue::object(Obj::new(ctx, Kind::Quantity(item, loc, n)))
                        }))
                    }
                    _ => return Err(self.unknown_field_error(info)),
                }
            }
            Kind::Quantity(item, loc, name) => {
                let l = s.levels.get(&(*item, *loc)).ok_or_else(missing)?;
                match f {
                    "id" => ResolvedValue::leaf(format!(
                        "{}?inventory_item_id={item}&name={name}",
                        gid("InventoryQuantity", l.id)
                    )),
                    "name" => ResolvedValue::leaf(name.clone()),
                    // States the simulator does not model (committed, reserved, ...) are zero.
                    "quantity" => ResolvedValue::leaf(match name.as_str() {
                        "available" => l.available,
                        "on_hand" => l.on_hand,
                        _ => 0,
                    }),
                    "updatedAt" => ResolvedValue::leaf(l.updated.clone()),
                    _ => return Err(self.unknown_field_error(info)),
                }
            }
            Kind::PageInfo {
                start,
                end,
                next,
                prev,
            } => match f {
                "startCursor" => leaf_opt(start.clone()),
                "endCursor" => leaf_opt(end.clone()),
                "hasNextPage" => ResolvedValue::leaf(*next),
                "hasPreviousPage" => ResolvedValue::leaf(*prev),
                _ => return Err(self.unknown_field_error(info)),
            },
            Kind::Connection(edges, page, _) => {
                match f {
                    "nodes" => {
                        let nodes: Vec<Node> = edges.iter().map(|e| e.1).collect();
                        ResolvedValue::list(
                            nodes
                                .into_iter()
                                .map(move |n| ResolvedValue::object(Obj::node(ctx, n))),
                        )
                    }
                    "edges" => {
                        let edges = edges.clone();
                        ResolvedValue::list(edges.into_iter().map(move |(c, n)| {
                            ResolvedValue::object(Obj::new(ctx, Kind::Edge(c, n)))
                        }))
                    }
                    "pageInfo" => ResolvedValue::object(Obj::new(ctx, (**page).clone())),
                    _ => return Err(self.unknown_field_error(info)),
                }
            }
            Kind::Edge(cursor, node) => match f {
                "cursor" => ResolvedValue::leaf(cursor.clone()),
                "node" => ResolvedValue::object(Obj::node(ctx, *node)),
                _ => return Err(self.unknown_field_error(info)),
            },
            Kind::SetPayload(out) => match f {
                "inventoryAdjustmentGroup" => ResolvedValue::nullable_object(
                    out.group.clone().map(|g| Obj::new(ctx, Kind::Group(g))),
                ),
                "userErrors" => user_errors(ctx, &out.errors, "InventorySetQuantitiesUserError"),
                _ => return Err(self.unknown_field_error(info)),
            },
            Kind::ProductSetPayload(out) => match f {
                "product" => ResolvedValue::nullable_object(
                    out.product.map(|p| Obj::new(ctx, Kind::Product(p))),
                ),
                "userErrors" => user_errors(ctx, &out.errors, "ProductSetUserError"),
                _ => return Err(self.unknown_field_error(info)),
            },
            Kind::Group(g) => match f {
                "id" => ResolvedValue::leaf(gid("InventoryAdjustmentGroup", g.id)),
                "createdAt" => ResolvedValue::leaf(g.created.clone()),
                "reason" => ResolvedValue::leaf(g.reason.clone()),
                "referenceDocumentUri" => leaf_opt(g.reference.clone()),
                "changes" => {
                    let a = info.arguments();
                    let filter = |k: &str| {
                        a.get(k).and_then(JsonValue::as_array).map(|v| {
                            v.iter()
                                .filter_map(|x| x.as_str().map(str::to_string))
                                .collect::<Vec<_>>()
                        })
                    };
                    let (items, locs, names) = (
                        filter("inventoryItemIds"),
                        filter("locationIds"),
                        filter("quantityNames"),
                    );
                    let changes: Vec<Change> = g
                        .changes
                        .iter()
                        .filter(|c| {
                            items
                                .as_ref()
                                .is_none_or(|i| i.contains(&gid("InventoryItem", c.item)))
                        })
                        .filter(|c| {
                            locs.as_ref()
                                .is_none_or(|l| l.contains(&gid("Location", c.location)))
                        })
                        .filter(|c| names.as_ref().is_none_or(|n| n.iter().any(|x| x == c.name)))
                        .cloned()
                        .collect();
                    ResolvedValue::list(
                        changes
                            .into_iter()
                            .map(move |c| ResolvedValue::object(Obj::new(ctx, Kind::Change(c)))),
                    )
                }
                _ => return Err(self.unknown_field_error(info)),
            },
            Kind::Change(c) => match f {
                "name" => ResolvedValue::leaf(c.name),
                "delta" => ResolvedValue::leaf(c.delta),
                "quantityAfterChange" => ResolvedValue::leaf(c.after),
                "ledgerDocumentUri" => ResolvedValue::null(),
                "item" => ResolvedValue::nullable_object(
                    Some(Obj::new(ctx, Kind::Item(c.item))).filter(Obj::exists),
                ),
                "location" => ResolvedValue::nullable_object(
                    Some(Obj::new(ctx, Kind::Location(c.location))).filter(Obj::exists),
                ),
                _ => return Err(self.unknown_field_error(info)),
            },
            Kind::Order(_)
            | Kind::Line(..)
            | Kind::Ship(_)
            | Kind::Customer(_)
            | Kind::Address(..)
            | Kind::MoneyBag(..)
            | Kind::Money(..)
            | Kind::TaxLine(..) => {
                let v = self.order_field(info, &s);
                drop(s);
                return v;
            }
            Kind::UserError(e, _) => match f {
                "code" => leaf_opt(e.code.map(str::to_string)),
                "field" => match &e.field {
                    Some(path) => {
                        ResolvedValue::list(path.clone().into_iter().map(ResolvedValue::leaf))
                    }
                    None => ResolvedValue::null(),
                },
                "message" => ResolvedValue::leaf(e.message.clone()),
                _ => return Err(self.unknown_field_error(info)),
            },
        };
        Ok(v)
    }
}

fn user_errors<'a>(
    ctx: &'a Ctx<'_>,
    errors: &[UserError],
    type_name: &'static str,
) -> ResolvedValue<'a> {
    let errors = errors.to_vec();
    ResolvedValue::list(
        errors
            .into_iter()
            .map(move |e| ResolvedValue::object(Obj::new(ctx, Kind::UserError(e, type_name)))),
    )
}

fn bag<'a>(ctx: &'a Ctx<'_>, amount: f64, currency: &str) -> ResolvedValue<'a> {
    ResolvedValue::object(Obj::new(ctx, Kind::MoneyBag(amount, currency.to_string())))
}

fn taxes<'a>(ctx: &'a Ctx<'_>, tax: f64, rate: f64, currency: &str) -> ResolvedValue<'a> {
    // An untaxed line has no tax line at all.
    let lines: Vec<Kind> = if rate > 0.0 {
        vec![Kind::TaxLine(tax, rate, currency.to_string())]
    } else {
        Vec::new()
    };
    ResolvedValue::list(
        lines
            .into_iter()
            .map(move |k| ResolvedValue::object(Obj::new(ctx, k))),
    )
}

fn address_field<'a>(a: &Addr, f: &str) -> Option<ResolvedValue<'a>> {
    Some(match f {
        "id" => ResolvedValue::leaf(format!(
            "{}?model_name=Address",
            gid("MailingAddress", a.id)
        )),
        "name" => leaf_opt(a.name()),
        "firstName" => leaf_opt(a.first_name.clone()),
        "lastName" => leaf_opt(a.last_name.clone()),
        "company" => leaf_opt(a.company.clone()),
        "address1" => leaf_opt(a.address1.clone()),
        "address2" => leaf_opt(a.address2.clone()),
        "city" => leaf_opt(a.city.clone()),
        "province" => leaf_opt(a.province.clone()),
        "provinceCode" => leaf_opt(a.province_code.clone()),
        "zip" => leaf_opt(a.zip.clone()),
        "country" => leaf_opt(a.country()),
        "countryCodeV2" => leaf_opt(a.country_code.clone()),
        "phone" => leaf_opt(a.phone.clone()),
        _ => return None,
    })
}

impl<'c, 's> Obj<'c, 's> {
    /// Fields of an order and of what hangs from it.
    fn order_field<'a>(&'a self, info: &'a ResolveInfo<'a>, s: &Store) -> Out<'a> {
        let ctx = self.ctx;
        let f = info.field_name();
        let missing = || err("the object no longer exists");
        let order = |id: &u64| -> Result<Order, FieldError> {
            s.orders.orders.get(id).cloned().ok_or_else(missing)
        };
        let v = match &self.kind {
            Kind::Order(id) => {
                let o = order(id)?;
                let c = o.currency.as_str();
                match f {
                    "id" => ResolvedValue::leaf(o.gid()),
                    "name" => ResolvedValue::leaf(o.name()),
                    "createdAt" | "processedAt" => ResolvedValue::leaf(orders::iso(&o.created)),
                    "updatedAt" => ResolvedValue::leaf(orders::iso(&o.updated)),
                    "cancelledAt" => leaf_opt(o.cancelled.as_ref().map(orders::iso)),
                    "cancelReason" => leaf_opt(o.cancel_reason.map(str::to_string)),
                    "closed" => ResolvedValue::leaf(o.closed()),
                    "currencyCode" => ResolvedValue::leaf(o.currency.clone()),
                    "displayFinancialStatus" => ResolvedValue::leaf(o.financial),
                    "displayFulfillmentStatus" => ResolvedValue::leaf(o.fulfillment),
                    "email" => ResolvedValue::leaf(o.email.clone()),
                    "phone" => leaf_opt(o.customer.phone.clone()),
                    "taxesIncluded" => ResolvedValue::leaf(o.taxes_included),
                    "test" => ResolvedValue::leaf(false),
                    "currentTotalPriceSet" | "totalPriceSet" => bag(ctx, o.total(), c),
                    "currentSubtotalPriceSet" => bag(ctx, o.subtotal(), c),
                    "currentTotalTaxSet" | "totalTaxSet" => bag(ctx, o.tax_total(), c),
                    "currentTotalDiscountsSet" => bag(ctx, o.discounts(), c),
                    "currentShippingPriceSet" | "totalShippingPriceSet" => {
                        bag(ctx, o.shipping.price, c)
                    }
                    "customer" => ResolvedValue::object(Obj::new(ctx, Kind::Customer(o.id))),
                    "shippingAddress" => {
                        ResolvedValue::object(Obj::new(ctx, Kind::Address(o.id, false)))
                    }
                    "billingAddress" => {
                        ResolvedValue::object(Obj::new(ctx, Kind::Address(o.id, true)))
                    }
                    "lineItems" => {
                        let all = (0..o.lines.len())
                            .map(|i| (i as u64 + 1, Node::Line(o.id, i)))
                            .collect();
                        ResolvedValue::object(Obj::new(
                            ctx,
                            paginate("LineItem", all, info.arguments())?,
                        ))
                    }
                    "shippingLines" => ResolvedValue::object(Obj::new(
                        ctx,
                        paginate(
                            "ShippingLine",
                            vec![(1, Node::Ship(o.id))],
                            info.arguments(),
                        )?,
                    )),
                    _ => return Err(self.unknown_field_error(info)),
                }
            }
            Kind::Line(id, i) => {
                let o = order(id)?;
                let l = o.lines.get(*i).ok_or_else(missing)?;
                let c = o.currency.as_str();
                match f {
                    "id" => ResolvedValue::leaf(gid("LineItem", l.id)),
                    "name" | "title" => ResolvedValue::leaf(l.title.clone()),
                    "sku" => leaf_opt(l.sku.clone()),
                    "quantity" => ResolvedValue::leaf(l.quantity),
                    "currentQuantity" => ResolvedValue::leaf(l.current_quantity),
                    "originalUnitPriceSet" => bag(ctx, l.price, c),
                    "discountedUnitPriceSet" => {
                        let per_unit = l.discount / (l.quantity.max(1) as f64);
                        bag(ctx, l.price - per_unit, c)
                    }
                    "totalDiscountSet" => bag(ctx, l.discount, c),
                    "taxLines" => taxes(ctx, l.tax, l.rate, c),
                    "variant" => ResolvedValue::nullable_object(
                        l.variant
                            .map(|v| Obj::new(ctx, Kind::Variant(v)))
                            .filter(Obj::exists_in(s)),
                    ),
                    _ => return Err(self.unknown_field_error(info)),
                }
            }
            Kind::Ship(id) => {
                let o = order(id)?;
                let sh = &o.shipping;
                let c = o.currency.as_str();
                match f {
                    "id" => ResolvedValue::leaf(gid("ShippingLine", sh.id)),
                    "title" => ResolvedValue::leaf(sh.title.clone()),
                    "code" => ResolvedValue::leaf(sh.title.clone()),
                    "originalPriceSet" | "discountedPriceSet" | "currentDiscountedPriceSet" => {
                        bag(ctx, sh.price, c)
                    }
                    "taxLines" => taxes(ctx, sh.tax, sh.rate, c),
                    _ => return Err(self.unknown_field_error(info)),
                }
            }
            Kind::Customer(id) => {
                let o = order(id)?;
                let cu = &o.customer;
                match f {
                    "id" => ResolvedValue::leaf(gid("Customer", cu.id)),
                    "displayName" => {
                        let name = [&cu.first_name, &cu.last_name]
                            .into_iter()
                            .filter_map(|p| p.clone())
                            .collect::<Vec<_>>()
                            .join(" ");
                        ResolvedValue::leaf(if name.is_empty() {
                            cu.email.clone()
                        } else {
                            name
                        })
                    }
                    "email" => ResolvedValue::leaf(cu.email.clone()),
                    "firstName" => leaf_opt(cu.first_name.clone()),
                    "lastName" => leaf_opt(cu.last_name.clone()),
                    "phone" => leaf_opt(cu.phone.clone()),
                    _ => return Err(self.unknown_field_error(info)),
                }
            }
            Kind::Address(id, billing) => {
                let o = order(id)?;
                let a = if *billing {
                    &o.billing_address
                } else {
                    &o.shipping_address
                };
                match address_field(a, f) {
                    Some(v) => v,
                    None => return Err(self.unknown_field_error(info)),
                }
            }
            Kind::MoneyBag(amount, currency) => match f {
                "shopMoney" | "presentmentMoney" => {
                    ResolvedValue::object(Obj::new(ctx, Kind::Money(*amount, currency.clone())))
                }
                _ => return Err(self.unknown_field_error(info)),
            },
            Kind::Money(amount, currency) => match f {
                "amount" => ResolvedValue::leaf(orders::money(*amount)),
                "currencyCode" => ResolvedValue::leaf(currency.clone()),
                _ => return Err(self.unknown_field_error(info)),
            },
            Kind::TaxLine(price, rate, currency) => match f {
                "priceSet" => bag(ctx, *price, currency),
                "rate" => ResolvedValue::leaf(*rate),
                "ratePercentage" => ResolvedValue::leaf(orders::round2(rate * 100.0)),
                "title" => ResolvedValue::leaf("VAT"),
                _ => return Err(self.unknown_field_error(info)),
            },
            _ => return Err(self.unknown_field_error(info)),
        };
        Ok(v)
    }

    /// Whether the object exists in `s` (for filters while the store is borrowed).
    fn exists_in(s: &Store) -> impl Fn(&Obj<'_, '_>) -> bool + '_ {
        move |o| match &o.kind {
            Kind::Variant(id) => s.variants.contains_key(id),
            _ => true,
        }
    }
}
