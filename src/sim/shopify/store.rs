//! The simulated shop's data: products, variants, inventory items, locations and inventory
//! levels, with the business rules of the two mutations the hub calls. Kept free of HTTP and
//! GraphQL so new resources (orders) can be added beside the existing ones.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::schema::{ApiVersion, CHANGE_FROM, STRICT_CAS};

/// The largest quantity `inventorySetQuantities` accepts (the API answers
/// `INVALID_QUANTITY_TOO_HIGH` above it).
pub const MAX_QUANTITY: i64 = 1_000_000_000;
/// Variants per product (the current product limit).
pub const MAX_VARIANTS: usize = 2048;
/// Reason codes `inventorySetQuantities` accepts (shopify.dev "inventory states", reasons list).
pub const REASONS: &[&str] = &[
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_created",
    "movement_updated",
    "movement_received",
    "movement_canceled",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
];

pub fn gid(kind: &str, id: u64) -> String {
    format!("gid://shopify/{kind}/{id}")
}

/// The numeric id of a GID of `kind`, if it is one.
pub fn parse_gid(kind: &str, text: &str) -> Option<u64> {
    text.strip_prefix("gid://shopify/")?
        .strip_prefix(kind)?
        .strip_prefix('/')?
        .parse()
        .ok()
}

/// The numeric id of the GID of `kind` in `field` of a JSON object, if it is one.
fn gid_field(v: &Value, field: &str, kind: &str) -> Option<u64> {
    v.get(field)
        .and_then(Value::as_str)
        .and_then(|g| parse_gid(kind, g))
}

#[derive(Debug, Clone)]
pub struct Location {
    pub id: u64,
    pub name: String,
    pub primary: bool,
}

#[derive(Debug, Clone)]
pub struct Product {
    pub id: u64,
    pub title: String,
    pub description_html: String,
    pub handle: String,
    pub vendor: String,
    pub status: String,
    pub variants: Vec<u64>,
    pub created: String,
    pub updated: String,
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub id: u64,
    pub product: u64,
    pub title: String,
    pub sku: Option<String>,
    pub price: String,
    pub barcode: Option<String>,
    pub policy: String,
    pub item: u64,
    pub created: String,
    pub updated: String,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub id: u64,
    pub variant: u64,
    pub tracked: bool,
    pub created: String,
}

#[derive(Debug, Clone)]
pub struct Level {
    pub id: u64,
    pub available: i64,
    pub on_hand: i64,
    pub created: String,
    pub updated: String,
}

/// A `userErrors` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct UserError {
    pub code: Option<&'static str>,
    pub field: Option<Vec<String>>,
    pub message: String,
}

impl UserError {
    fn at(code: &'static str, field: &[&str], message: impl Into<String>) -> Self {
        Self {
            code: Some(code),
            field: Some(field.iter().map(|s| s.to_string()).collect()),
            message: message.into(),
        }
    }
}

/// One line of an adjustment group.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub name: &'static str,
    pub delta: i64,
    pub after: i64,
    pub item: u64,
    pub location: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: u64,
    pub created: String,
    pub reason: String,
    pub reference: Option<String>,
    pub changes: Vec<Change>,
}

/// What `inventorySetQuantities` answered (kept for idempotent replays).
#[derive(Debug, Clone, PartialEq)]
pub struct SetOutcome {
    pub group: Option<Group>,
    pub errors: Vec<UserError>,
}

/// What `productSet` answered.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductSetOutcome {
    pub product: Option<u64>,
    pub errors: Vec<UserError>,
}

/// A refusal of the whole field (a top-level GraphQL error).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRefusal(pub String);

#[derive(Debug, Default)]
pub struct Store {
    next_id: u64,
    pub shop_name: String,
    pub locations: BTreeMap<u64, Location>,
    pub products: BTreeMap<u64, Product>,
    pub variants: BTreeMap<u64, Variant>,
    pub items: BTreeMap<u64, Item>,
    pub levels: HashMap<(u64, u64), Level>,
    sku_index: HashMap<String, BTreeSet<u64>>,
    handles: HashMap<String, u64>,
    idempotency: HashMap<String, (String, SetOutcome)>,
    /// Quantities written by `inventorySetQuantities` calls that were applied (not replays).
    pub applied_sets: u64,
    /// The shop's orders.
    pub orders: super::orders::OrderBook,
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Store {
    /// A shop with one primary location (and a second one, for tests of unstocked items).
    pub fn new(shop_name: &str) -> Self {
        let mut s = Self {
            next_id: 1_000,
            shop_name: shop_name.to_string(),
            ..Self::default()
        };
        for (name, primary) in [("Main warehouse", true), ("Pop-up store", false)] {
            let id = s.id();
            s.locations.insert(
                id,
                Location {
                    id,
                    name: name.into(),
                    primary,
                },
            );
        }
        s
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn primary_location(&self) -> u64 {
        self.locations
            .values()
            .find(|l| l.primary)
            .map(|l| l.id)
            .unwrap_or_default()
    }

    /// Variants whose SKU is exactly `sku`.
    pub fn variants_by_sku(&self, sku: &str) -> impl Iterator<Item = &Variant> {
        self.sku_index
            .get(sku)
            .into_iter()
            .flatten()
            .filter_map(|id| self.variants.get(id))
    }

    /// Variant ids matching a search query (`sku:A OR sku:"B"`, `id:N`, `product_id:N`, or
    /// words looked up in titles), in id order.
    pub fn search_variants(&self, query: Option<&str>) -> Vec<u64> {
        let Some(terms) = query.map(parse_query).filter(|t| !t.is_empty()) else {
            return self.variants.keys().copied().collect();
        };
        let mut out = BTreeSet::new();
        for (field, value) in terms {
            match field.as_deref() {
                Some("sku") => out.extend(self.sku_index.get(&value).into_iter().flatten()),
                Some("id") => out.extend(
                    value
                        .parse::<u64>()
                        .ok()
                        .filter(|id| self.variants.contains_key(id)),
                ),
                Some("product_id") => {
                    if let Some(p) = value.parse().ok().and_then(|id| self.products.get(&id)) {
                        out.extend(p.variants.iter().copied());
                    }
                }
                Some(_) => {}
                None => {
                    let needle = value.to_lowercase();
                    out.extend(self.variants.values().filter_map(|v| {
                        let title = self
                            .products
                            .get(&v.product)
                            .map(|p| p.title.to_lowercase());
                        title.filter(|t| t.contains(&needle)).map(|_| v.id)
                    }));
                }
            }
        }
        out.into_iter().collect()
    }

    /// Inventory item ids matching a search query (`sku:`, `id:`), in id order.
    pub fn search_items(&self, query: Option<&str>) -> Vec<u64> {
        let Some(terms) = query.map(parse_query).filter(|t| !t.is_empty()) else {
            return self.items.keys().copied().collect();
        };
        let mut out = BTreeSet::new();
        for (field, value) in terms {
            match field.as_deref() {
                Some("sku") => out.extend(self.variants_by_sku(&value).map(|v| v.item)),
                Some("id") => out.extend(
                    value
                        .parse::<u64>()
                        .ok()
                        .filter(|id| self.items.contains_key(id)),
                ),
                _ => {}
            }
        }
        out.into_iter().collect()
    }

    fn index_sku(&mut self, sku: Option<&str>, variant: u64, add: bool) {
        let Some(sku) = sku.filter(|s| !s.is_empty()) else {
            return;
        };
        if add {
            self.sku_index
                .entry(sku.to_string())
                .or_default()
                .insert(variant);
        } else if let Some(set) = self.sku_index.get_mut(sku) {
            set.remove(&variant);
            if set.is_empty() {
                self.sku_index.remove(sku);
            }
        }
    }

    fn unique_handle(&mut self, title: &str, product: u64) -> String {
        let base: String = title
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let base = if base.is_empty() {
            "product".to_string()
        } else {
            base
        };
        let mut handle = base.clone();
        let mut n = 1;
        while self.handles.get(&handle).is_some_and(|p| *p != product) {
            handle = format!("{base}-{n}");
            n += 1;
        }
        self.handles.insert(handle.clone(), product);
        handle
    }

    /// A product with one variant stocked at the primary location, as made in the Shopify admin.
    pub fn seed(&mut self, sku: &str, title: &str, price: f64, quantity: i64) -> u64 {
        let (product, now) = (self.id(), now());
        let handle = self.unique_handle(title, product);
        let variant = self.new_variant(product, Some(sku.to_string()), format!("{price:.2}"), None);
        let location = self.primary_location();
        self.stock(variant, location, quantity);
        self.products.insert(
            product,
            Product {
                id: product,
                title: title.to_string(),
                description_html: String::new(),
                handle,
                vendor: self.shop_name.clone(),
                status: "ACTIVE".into(),
                variants: vec![variant],
                created: now.clone(),
                updated: now,
            },
        );
        variant
    }

    fn new_variant(
        &mut self,
        product: u64,
        sku: Option<String>,
        price: String,
        barcode: Option<String>,
    ) -> u64 {
        let (variant, item, now) = (self.id(), self.id(), now());
        self.index_sku(sku.as_deref(), variant, true);
        self.variants.insert(
            variant,
            Variant {
                id: variant,
                product,
                title: "Default Title".into(),
                sku,
                price,
                barcode,
                policy: "DENY".into(),
                item,
                created: now.clone(),
                updated: now.clone(),
            },
        );
        self.items.insert(
            item,
            Item {
                id: item,
                variant,
                tracked: true,
                created: now,
            },
        );
        variant
    }

    fn stock(&mut self, variant: u64, location: u64, available: i64) {
        let Some(item) = self.variants.get(&variant).map(|v| v.item) else {
            return;
        };
        let id = self.id();
        let now = now();
        let level = self.levels.entry((item, location)).or_insert(Level {
            id,
            available: 0,
            on_hand: 0,
            created: now.clone(),
            updated: now.clone(),
        });
        level.on_hand += available - level.available;
        level.available = available;
        level.updated = now;
    }

    fn remove_variant(&mut self, variant: u64) {
        if let Some(v) = self.variants.remove(&variant) {
            self.index_sku(v.sku.as_deref(), variant, false);
            self.items.remove(&v.item);
            self.levels.retain(|(item, _), _| *item != v.item);
        }
    }

    /// Available quantity of a variant summed over its locations.
    pub fn variant_available(&self, variant: &Variant) -> i64 {
        self.locations
            .keys()
            .filter_map(|l| self.levels.get(&(variant.item, *l)))
            .map(|l| l.available)
            .sum()
    }

    /// `inventorySetQuantities` for `version`: checks every quantity first and applies none
    /// when one is refused (the mutation is all or nothing). `input` is the coerced argument
    /// (an absent key and an explicit `null` are told apart); `key` is the `@idempotent` key.
    pub fn set_quantities(
        &mut self,
        version: ApiVersion,
        input: &Map<String, Value>,
        key: Option<&str>,
        require_key: bool,
    ) -> Result<SetOutcome, FieldRefusal> {
        if version >= STRICT_CAS && key.is_none() && require_key {
            return Err(FieldRefusal(
                "The @idempotent directive with a key is required for this mutation.".into(),
            ));
        }
        let canonical = serde_json::to_string(input).unwrap_or_default();
        if let Some((seen, outcome)) = key.and_then(|k| self.idempotency.get(k)) {
            if *seen == canonical {
                return Ok(outcome.clone());
            }
            return Ok(SetOutcome {
                group: None,
                errors: vec![UserError {
                    code: Some("IDEMPOTENCY_KEY_PARAMETER_MISMATCH"),
                    field: None,
                    message: "The same idempotency key cannot be used with different operation parameters.".into(),
                }],
            });
        }
        let quantities = input
            .get("quantities")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if version >= STRICT_CAS
            && let Some(i) = quantities
                .iter()
                .position(|q| q.get("changeFromQuantity").is_none())
        {
            return Err(FieldRefusal(format!(
                "Variable $input of type InventorySetQuantitiesInput! was provided invalid value for quantities.{i}.changeFromQuantity (Expected value to be present; pass null to skip the check)"
            )));
        }
        let outcome = self.check_and_apply(version, input, &quantities);
        if let Some(key) = key {
            self.idempotency
                .insert(key.to_string(), (canonical, outcome.clone()));
        }
        Ok(outcome)
    }

    fn check_and_apply(
        &mut self,
        version: ApiVersion,
        input: &Map<String, Value>,
        quantities: &[Value],
    ) -> SetOutcome {
        let mut errors = Vec::new();
        let name = input
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !matches!(name, "available" | "on_hand") {
            errors.push(UserError::at(
                "INVALID_NAME",
                &["input", "name"],
                "The quantity name must be either 'available' or 'on_hand'.",
            ));
        }
        let reason = input
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !REASONS.contains(&reason) {
            errors.push(UserError::at(
                "INVALID_REASON",
                &["input", "reason"],
                "The specified reason is invalid.",
            ));
        }
        let reference = input.get("referenceDocumentUri").and_then(Value::as_str);
        if reference.is_some_and(|r| !r.contains(':') || r.chars().any(char::is_whitespace)) {
            errors.push(UserError::at(
                "INVALID_REFERENCE_DOCUMENT",
                &["input", "referenceDocumentUri"],
                "The reference document URI is invalid.",
            ));
        }
        let ignore_compare = input
            .get("ignoreCompareQuantity")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let mut seen = BTreeSet::new();
        let mut planned = Vec::new();
        for (i, q) in quantities.iter().enumerate() {
            let idx = i.to_string();
            let path = |f: &str| {
                ["input", "quantities", idx.as_str(), f]
                    .map(str::to_string)
                    .to_vec()
            };
            let err = |code: &'static str, f: &str, msg: &str| UserError {
                code: Some(code),
                field: Some(path(f)),
                message: msg.to_string(),
            };
            let item = gid_field(q, "inventoryItemId", "InventoryItem")
                .filter(|id| self.items.contains_key(id));
            let Some(item) = item else {
                errors.push(err(
                    "INVALID_INVENTORY_ITEM",
                    "inventoryItemId",
                    "The specified inventory item could not be found.",
                ));
                continue;
            };
            let location =
                gid_field(q, "locationId", "Location").filter(|id| self.locations.contains_key(id));
            let Some(location) = location else {
                errors.push(err(
                    "INVALID_LOCATION",
                    "locationId",
                    "The specified location could not be found.",
                ));
                continue;
            };
            if !seen.insert((item, location)) {
                errors.push(err(
                    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                    "inventoryItemId",
                    "The combination of inventoryItemId and locationId must be unique.",
                ));
                continue;
            }
            let Some(level) = self.levels.get(&(item, location)) else {
                errors.push(err(
                    "ITEM_NOT_STOCKED_AT_LOCATION",
                    "locationId",
                    "The specified inventory item is not stocked at the location.",
                ));
                continue;
            };
            let quantity = q
                .get("quantity")
                .and_then(Value::as_i64)
                .unwrap_or_default();
            if quantity < 0 {
                errors.push(err(
                    "INVALID_QUANTITY_NEGATIVE",
                    "quantity",
                    "The quantity can't be negative.",
                ));
                continue;
            }
            if quantity > MAX_QUANTITY {
                errors.push(err(
                    "INVALID_QUANTITY_TOO_HIGH",
                    "quantity",
                    "The quantity can't be higher than 1,000,000,000.",
                ));
                continue;
            }
            let current = if name == "on_hand" {
                level.on_hand
            } else {
                level.available
            };
            match q.get("changeFromQuantity") {
                // From 2026-01 the new field, even null, takes over from the old ones.
                Some(expected) if version >= CHANGE_FROM => {
                    if let Some(expected) = expected.as_i64()
                        && expected != current
                    {
                        errors.push(err(
                            "CHANGE_FROM_QUANTITY_STALE",
                            "changeFromQuantity",
                            "The changeFromQuantity value does not match persisted value.",
                        ));
                        continue;
                    }
                }
                _ => match q.get("compareQuantity").and_then(Value::as_i64) {
                    Some(expected) if !ignore_compare && expected != current => {
                        errors.push(err(
                            "COMPARE_QUANTITY_STALE",
                            "compareQuantity",
                            "The compareQuantity value does not match persisted value.",
                        ));
                        continue;
                    }
                    None if !ignore_compare => {
                        errors.push(err("COMPARE_QUANTITY_REQUIRED", "compareQuantity", "The compareQuantity argument must be given to each quantity or ignored using ignoreCompareQuantity."));
                        continue;
                    }
                    _ => {}
                },
            }
            planned.push((item, location, quantity));
        }
        if !errors.is_empty() {
            return SetOutcome {
                group: None,
                errors,
            };
        }
        let now = now();
        let mut changes = Vec::with_capacity(planned.len() * 2);
        for (item, location, quantity) in planned {
            let Some(level) = self.levels.get_mut(&(item, location)) else {
                continue;
            };
            let delta = if name == "on_hand" {
                quantity - level.on_hand
            } else {
                quantity - level.available
            };
            // Setting one state moves on_hand (or available) by the same delta: committed and
            // other states are not modelled, so the two stay equal apart from set on_hand.
            level.available += delta;
            level.on_hand += delta;
            level.updated = now.clone();
            changes.push(Change {
                name: "available",
                delta,
                after: level.available,
                item,
                location,
            });
            changes.push(Change {
                name: "on_hand",
                delta,
                after: level.on_hand,
                item,
                location,
            });
        }
        self.applied_sets += 1;
        let id = self.id();
        SetOutcome {
            group: Some(Group {
                id,
                created: now,
                reason: reason.to_string(),
                reference: reference.map(str::to_string),
                changes,
            }),
            errors: Vec::new(),
        }
    }

    /// `productSet` (synchronous): creates or updates a product from `input`; variants not
    /// listed are deleted, as the API documents for list fields.
    pub fn product_set(&mut self, input: &Map<String, Value>) -> ProductSetOutcome {
        let fail = |code: &'static str, field: &[&str], msg: &str| ProductSetOutcome {
            product: None,
            errors: vec![UserError::at(code, field, msg)],
        };
        let text =
            |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
        let existing = match input.get("id").and_then(Value::as_str) {
            Some(g) => match parse_gid("Product", g).filter(|id| self.products.contains_key(id)) {
                Some(id) => Some(id),
                None => {
                    return fail(
                        "PRODUCT_DOES_NOT_EXIST",
                        &["input", "id"],
                        "Product does not exist",
                    );
                }
            },
            None => None,
        };
        let title = text(input, "title");
        if existing.is_none() && title.as_deref().is_none_or(|t| t.trim().is_empty()) {
            return fail(
                "INVALID_PRODUCT",
                &["input", "title"],
                "Title can't be blank",
            );
        }
        // Options: name -> allowed values.
        let options: Vec<(String, Vec<String>)> = input
            .get("productOptions")
            .and_then(Value::as_array)
            .map(|opts| {
                opts.iter()
                    .map(|o| {
                        let values = o
                            .get("values")
                            .and_then(Value::as_array)
                            .map(|vs| {
                                vs.iter()
                                    .filter_map(|v| {
                                        v.get("name").and_then(Value::as_str).map(str::to_string)
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        (
                            o.get("name")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string(),
                            values,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let variants = input.get("variants").and_then(Value::as_array);
        if let Some(variants) = variants {
            if variants.len() > MAX_VARIANTS {
                return fail(
                    "VARIANTS_OVER_LIMIT",
                    &["input", "variants"],
                    "Exceeded the maximum number of variants",
                );
            }
            if !variants.is_empty() && options.is_empty() {
                return fail(
                    "PRODUCT_OPTIONS_INPUT_MISSING",
                    &["input", "productOptions"],
                    "Product options input is required when updating variants.",
                );
            }
            let mut seen = HashMap::new();
            for (i, v) in variants.iter().enumerate() {
                let idx = i.to_string();
                let values = v
                    .get("optionValues")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if values.len() != options.len() {
                    return fail(
                        "OPTION_VALUES_MISSING",
                        &["input", "variants", &idx, "optionValues"],
                        "Each variant needs one value per option",
                    );
                }
                let mut combo = Vec::new();
                for ov in &values {
                    let on = ov
                        .get("optionName")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let name = ov.get("name").and_then(Value::as_str).unwrap_or_default();
                    let Some((_, allowed)) = options.iter().find(|(n, _)| n == on) else {
                        return fail(
                            "OPTION_DOES_NOT_EXIST",
                            &["input", "variants", &idx, "optionValues"],
                            "Option does not exist",
                        );
                    };
                    if !allowed.iter().any(|a| a == name) {
                        return fail(
                            "OPTION_VALUE_DOES_NOT_EXIST",
                            &["input", "variants", &idx, "optionValues"],
                            "Option value does not exist",
                        );
                    }
                    combo.push(name.to_string());
                }
                if seen.insert(combo, i).is_some() {
                    return fail(
                        "DUPLICATED_OPTION_VALUE",
                        &["input", "variants", &idx, "optionValues"],
                        "The variant's option values duplicate another variant",
                    );
                }
                if let Some(price) = v.get("price").and_then(Value::as_str)
                    && price
                        .parse::<f64>()
                        .map(|p| !p.is_finite() || p < 0.0)
                        .unwrap_or(true)
                {
                    return fail(
                        "INVALID_VARIANT",
                        &["input", "variants", &idx, "price"],
                        "Price must be a non-negative decimal",
                    );
                }
                if let Some(g) = v.get("id").and_then(Value::as_str) {
                    let ok = parse_gid("ProductVariant", g)
                        .and_then(|id| self.variants.get(&id))
                        .is_some_and(|var| Some(var.product) == existing);
                    if !ok {
                        return fail(
                            "PRODUCT_VARIANT_DOES_NOT_EXIST",
                            &["input", "variants", &idx, "id"],
                            "Product variant does not exist",
                        );
                    }
                }
                for (j, iq) in v
                    .get("inventoryQuantities")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let loc = gid_field(iq, "locationId", "Location");
                    if loc.is_none_or(|l| !self.locations.contains_key(&l)) {
                        return fail(
                            "INVALID_VARIANT",
                            &[
                                "input",
                                "variants",
                                &idx,
                                "inventoryQuantities",
                                &j.to_string(),
                                "locationId",
                            ],
                            "Location does not exist",
                        );
                    }
                    if iq
                        .get("quantity")
                        .and_then(Value::as_i64)
                        .is_some_and(|q| !(0..=MAX_QUANTITY).contains(&q))
                    {
                        return fail(
                            "INVALID_VARIANT",
                            &[
                                "input",
                                "variants",
                                &idx,
                                "inventoryQuantities",
                                &j.to_string(),
                                "quantity",
                            ],
                            "Quantity is out of range",
                        );
                    }
                }
            }
        }

        let now = now();
        let id = match existing {
            Some(id) => id,
            None => {
                let id = self.id();
                let handle = self.unique_handle(title.as_deref().unwrap_or_default(), id);
                self.products.insert(
                    id,
                    Product {
                        id,
                        title: String::new(),
                        description_html: String::new(),
                        handle,
                        vendor: self.shop_name.clone(),
                        status: "ACTIVE".into(),
                        variants: Vec::new(),
                        created: now.clone(),
                        updated: now.clone(),
                    },
                );
                id
            }
        };
        if let Some(variants) = variants {
            let old = self
                .products
                .get(&id)
                .map(|p| p.variants.clone())
                .unwrap_or_default();
            let mut kept = Vec::new();
            for v in variants {
                let sku = v
                    .get("sku")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| {
                        v.get("inventoryItem")
                            .and_then(|i| i.get("sku"))
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    });
                let price = v.get("price").and_then(Value::as_str).map(str::to_string);
                let barcode = v.get("barcode").and_then(Value::as_str).map(str::to_string);
                let title = v
                    .get("optionValues")
                    .and_then(Value::as_array)
                    .map(|vs| {
                        vs.iter()
                            .filter_map(|o| o.get("name").and_then(Value::as_str))
                            .collect::<Vec<_>>()
                            .join(" / ")
                    })
                    .unwrap_or_default();
                let variant = match gid_field(v, "id", "ProductVariant") {
                    Some(vid) => {
                        let old_sku = self.variants.get(&vid).and_then(|x| x.sku.clone());
                        if v.get("sku").is_some() {
                            self.index_sku(old_sku.as_deref(), vid, false);
                            self.index_sku(sku.as_deref(), vid, true);
                        }
                        if let Some(var) = self.variants.get_mut(&vid) {
                            if v.get("sku").is_some() {
                                var.sku = sku;
                            }
                            if let Some(p) = price {
                                var.price = p;
                            }
                            if v.get("barcode").is_some() {
                                var.barcode = barcode;
                            }
                            var.title = title;
                            var.updated = now.clone();
                        }
                        vid
                    }
                    None => {
                        let vid = self.new_variant(
                            id,
                            sku,
                            price.unwrap_or_else(|| "0.00".into()),
                            barcode,
                        );
                        if let Some(var) = self.variants.get_mut(&vid) {
                            var.title = title;
                        }
                        let primary = self.primary_location();
                        self.stock(vid, primary, 0);
                        vid
                    }
                };
                if let Some(policy) = v.get("inventoryPolicy").and_then(Value::as_str)
                    && let Some(var) = self.variants.get_mut(&variant)
                {
                    var.policy = policy.to_string();
                }
                if let Some(tracked) = v
                    .get("inventoryItem")
                    .and_then(|i| i.get("tracked"))
                    .and_then(Value::as_bool)
                    && let Some(item) = self
                        .variants
                        .get(&variant)
                        .map(|x| x.item)
                        .and_then(|i| self.items.get_mut(&i))
                {
                    item.tracked = tracked;
                }
                for iq in v
                    .get("inventoryQuantities")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let loc = gid_field(iq, "locationId", "Location").unwrap_or_default();
                    let q = iq
                        .get("quantity")
                        .and_then(Value::as_i64)
                        .unwrap_or_default();
                    self.stock(variant, loc, q);
                }
                kept.push(variant);
            }
            for gone in old.iter().filter(|v| !kept.contains(v)) {
                self.remove_variant(*gone);
            }
            if let Some(p) = self.products.get_mut(&id) {
                p.variants = kept;
            }
        }
        let handle = text(input, "handle");
        if let Some(h) = &handle {
            self.handles.insert(h.clone(), id);
        }
        if let Some(p) = self.products.get_mut(&id) {
            if let Some(t) = title {
                p.title = t;
            }
            if let Some(d) = text(input, "descriptionHtml") {
                p.description_html = d;
            }
            if let Some(v) = text(input, "vendor") {
                p.vendor = v;
            }
            if let Some(s) = text(input, "status") {
                p.status = s;
            }
            if let Some(h) = handle {
                p.handle = h;
            }
            p.updated = now;
        }
        ProductSetOutcome {
            product: Some(id),
            errors: Vec::new(),
        }
    }
}

/// Splits a search query into `(field, value)` terms joined by `OR` (quotes removed).
pub fn parse_query(query: &str) -> Vec<(Option<String>, String)> {
    let mut terms = Vec::new();
    let mut chars = query.chars().peekable();
    let mut current = String::new();
    let mut tokens = Vec::new();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted => {
                if let Some(n) = chars.next() {
                    current.push(n);
                }
            }
            '"' | '\'' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    for token in tokens {
        if token == "OR" || token == "AND" {
            continue;
        }
        match token.split_once(':') {
            Some((f, v)) => terms.push((Some(f.to_string()), v.to_string())),
            None => terms.push((None, token)),
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn query_terms() {
        assert_eq!(
            parse_query(r#"sku:A-1 OR sku:"B 2" OR sku:"C\"3""#),
            vec![
                (Some("sku".into()), "A-1".into()),
                (Some("sku".into()), "B 2".into()),
                (Some("sku".into()), "C\"3".into())
            ]
        );
    }

    #[test]
    fn set_quantities_is_all_or_nothing_and_replays() {
        let mut s = Store::new("t");
        let v = s.seed("A", "A", 1.0, 5);
        let item = s.variants[&v].item;
        let loc = s.primary_location();
        let good = json!({"inventoryItemId": gid("InventoryItem", item), "locationId": gid("Location", loc), "quantity": 7, "changeFromQuantity": 5});
        let bad = json!({"inventoryItemId": "gid://shopify/InventoryItem/1", "locationId": gid("Location", loc), "quantity": 7, "changeFromQuantity": null});
        let input =
            obj(json!({"name": "available", "reason": "correction", "quantities": [good, bad]}));
        let out = s
            .set_quantities((2026, 4), &input, Some("k1"), true)
            .unwrap();
        assert_eq!(out.errors.len(), 1);
        assert_eq!(out.errors[0].field.as_ref().unwrap()[2], "1");
        assert_eq!(s.levels[&(item, loc)].available, 5, "nothing applied");

        let input = obj(json!({"name": "available", "reason": "correction", "quantities": [good]}));
        let out = s
            .set_quantities((2026, 4), &input, Some("k2"), true)
            .unwrap();
        assert!(out.errors.is_empty());
        assert_eq!(s.levels[&(item, loc)].available, 7);
        // Same key, same input: the original answer, not applied again (it would be stale now).
        let again = s
            .set_quantities((2026, 4), &input, Some("k2"), true)
            .unwrap();
        assert_eq!(again, out);
        assert_eq!(s.applied_sets, 1);
        let other = obj(json!({"name": "available", "reason": "correction", "quantities": []}));
        let clash = s
            .set_quantities((2026, 4), &other, Some("k2"), true)
            .unwrap();
        assert_eq!(
            clash.errors[0].code,
            Some("IDEMPOTENCY_KEY_PARAMETER_MISMATCH")
        );
        // A stale changeFromQuantity.
        let stale = s
            .set_quantities((2026, 4), &input, Some("k3"), true)
            .unwrap();
        assert_eq!(stale.errors[0].code, Some("CHANGE_FROM_QUANTITY_STALE"));
        // 2026-04 needs the key and the field.
        assert!(s.set_quantities((2026, 4), &input, None, true).is_err());
        let missing = obj(
            json!({"name": "available", "reason": "correction", "quantities": [{"inventoryItemId": gid("InventoryItem", item), "locationId": gid("Location", loc), "quantity": 1}]}),
        );
        assert!(
            s.set_quantities((2026, 4), &missing, Some("k4"), true)
                .is_err()
        );
        // 2025: compareQuantity required unless ignored.
        let out = s.set_quantities((2025, 10), &missing, None, true).unwrap();
        assert_eq!(out.errors[0].code, Some("COMPARE_QUANTITY_REQUIRED"));
        let mut ignore = missing.clone();
        ignore.insert("ignoreCompareQuantity".into(), json!(true));
        assert!(
            s.set_quantities((2025, 10), &ignore, None, true)
                .unwrap()
                .errors
                .is_empty()
        );
        assert_eq!(s.levels[&(item, loc)].available, 1);
    }

    #[test]
    fn product_set_creates_updates_and_replaces_variants() {
        let mut s = Store::new("t");
        let loc = gid("Location", s.primary_location());
        let input = obj(
            json!({"title": "Mug", "productOptions": [{"name": "Title", "values": [{"name": "Default Title"}]}],
            "variants": [{"sku": "MUG", "price": "9.50", "optionValues": [{"optionName": "Title", "name": "Default Title"}],
                          "inventoryQuantities": [{"locationId": loc, "name": "available", "quantity": 3}]}]}),
        );
        let out = s.product_set(&input);
        let pid = out.product.unwrap();
        let vid = s.products[&pid].variants[0];
        assert_eq!(s.variants_by_sku("MUG").count(), 1);
        assert_eq!(s.variant_available(&s.variants[&vid]), 3);
        let mut update = input.clone();
        update.insert("id".into(), json!(gid("Product", pid)));
        update["variants"][0]
            .as_object_mut()
            .unwrap()
            .insert("id".into(), json!(gid("ProductVariant", vid)));
        update["variants"][0]
            .as_object_mut()
            .unwrap()
            .insert("sku".into(), json!("MUG-2"));
        assert!(s.product_set(&update).errors.is_empty());
        assert_eq!(s.variants_by_sku("MUG").count(), 0);
        assert_eq!(s.variants_by_sku("MUG-2").count(), 1);
        let missing = obj(json!({"id": "gid://shopify/Product/1"}));
        assert_eq!(
            s.product_set(&missing).errors[0].code,
            Some("PRODUCT_DOES_NOT_EXIST")
        );
    }
}
