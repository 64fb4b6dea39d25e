//! The demo database the emulator starts with: a company in USD, the admin user (uid 2,
//! password `admin`), countries, currencies, units, taxes, a warehouse with its stock
//! location, partners, and a furniture catalog with attributes, variants, barcodes, prices,
//! costs and stock. `catalog(n)` adds many generated products for benchmarks.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::store::Store;

fn vals<const N: usize>(pairs: [(&'static str, Value); N]) -> HashMap<&'static str, Value> {
    pairs.into_iter().collect()
}

/// (variant id, name, code, barcode, price, cost, storable, service, on hand).
type SimpleProduct = (
    i64,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    f64,
    f64,
    bool,
    bool,
    f64,
);
/// (line id, attribute id, [(value id, price extra)]).
type AttributeLine<'a> = (i64, i64, &'a [(i64, f64)]);

/// Ids of the seeded records the tests and the sandbox refer to.
#[derive(Clone, Debug, Default)]
pub struct Seeded {
    pub company: i64,
    pub admin: i64,
    pub usd: i64,
    pub eur: i64,
    pub units: i64,
    pub country_us: i64,
    pub country_de: i64,
    pub tax_15: i64,
    pub category: i64,
    pub warehouse: i64,
    pub stock_location: i64,
    pub customer_location: i64,
    pub attr_color: i64,
    pub attr_legs: i64,
}

pub fn seed(store: &mut Store) -> Seeded {
    let mut s = Seeded::default();
    let st = store;
    st.begin();
    // Ids follow a real Odoo 18 demo database where the recordings show them (USD 1, US 233,
    // California 13, admin uid 2, WH/Stock 8, Gemini Furniture 11, DESK0005 = variant 45, ...).
    let currency = |name: &str, symbol: &str, active: bool| {
        vals([
            ("name", json!(name)),
            ("symbol", json!(symbol)),
            ("rounding", json!(0.01)),
            ("decimal_places", json!(2)),
            ("active", json!(active)),
        ])
    };
    s.usd = st.insert_at("res.currency", 1, currency("USD", "$", true));
    s.eur = st.insert_at("res.currency", 125, currency("EUR", "€", false));
    st.insert_at("res.currency", 147, currency("GBP", "£", false));
    st.insert_at("res.currency", 5, currency("CAD", "$", false));
    let countries = [
        (13, "Austria", "AT", s.eur),
        (21, "Belgium", "BE", s.eur),
        (38, "Canada", "CA", 5),
        (57, "Germany", "DE", s.eur),
        (68, "Spain", "ES", s.eur),
        (75, "France", "FR", s.eur),
        (109, "Italy", "IT", s.eur),
        (165, "Netherlands", "NL", s.eur),
        (231, "United Kingdom", "GB", 147),
        (233, "United States", "US", s.usd),
    ];
    for (id, name, code, currency) in countries {
        st.insert_at(
            "res.country",
            id,
            vals([
                ("name", json!(name)),
                ("code", json!(code)),
                ("currency_id", json!(currency)),
            ]),
        );
    }
    s.country_us = 233;
    s.country_de = 57;
    for (id, name, code) in [
        (13, "California", "CA"),
        (44, "New York", "NY"),
        (53, "Texas", "TX"),
        (59, "Washington", "WA"),
    ] {
        st.insert_at(
            "res.country.state",
            id,
            vals([
                ("name", json!(name)),
                ("code", json!(code)),
                ("country_id", json!(233)),
            ]),
        );
    }
    for (id, name, code) in [(70, "Bayern", "BY"), (71, "Berlin", "BE")] {
        st.insert_at(
            "res.country.state",
            id,
            vals([
                ("name", json!(name)),
                ("code", json!(code)),
                ("country_id", json!(57)),
            ]),
        );
    }

    let partner = |name: &str| {
        vals([
            ("name", json!(name)),
            ("type", json!("contact")),
            ("active", json!(true)),
        ])
    };
    let mut company_partner = partner("My Company (San Francisco)");
    company_partner.extend(vals([
        ("is_company", json!(true)),
        ("company_type", json!("company")),
        ("email", json!("info@yourcompany.com")),
        ("street", json!("250 Executive Park Blvd, Suite 3400")),
        ("city", json!("San Francisco")),
        ("zip", json!("94134")),
        ("state_id", json!(13)),
        ("country_id", json!(233)),
    ]));
    st.insert_at("res.partner", 1, company_partner);
    s.company = st.insert_at(
        "res.company",
        1,
        vals([
            ("name", json!("My Company (San Francisco)")),
            ("currency_id", json!(s.usd)),
            ("partner_id", json!(1)),
        ]),
    );
    let mut bot = partner("OdooBot");
    bot.insert("active", json!(false));
    st.insert_at("res.partner", 2, bot);
    let mut admin = partner("Mitchell Admin");
    admin.extend(vals([
        ("email", json!("admin@yourcompany.example.com")),
        ("tz", json!(super::TZ)),
        ("lang", json!("en_US")),
        ("country_id", json!(233)),
    ]));
    st.insert_at("res.partner", 3, admin);
    st.insert_at(
        "res.users",
        1,
        vals([
            ("login", json!("__system__")),
            ("name", json!("OdooBot")),
            ("partner_id", json!(2)),
            ("company_id", json!(1)),
            ("active", json!(false)),
        ]),
    );
    s.admin = st.insert_at(
        "res.users",
        2,
        vals([
            ("login", json!("admin")),
            ("name", json!("Mitchell Admin")),
            ("partner_id", json!(3)),
            ("company_id", json!(1)),
            ("active", json!(true)),
        ]),
    );

    for (id, name, factor) in [
        (1, "Units", 1.0),
        (2, "Dozens", 1.0 / 12.0),
        (3, "Days", 1.0 / 8.0),
        (4, "Hours", 1.0),
        (12, "kg", 1.0),
    ] {
        st.insert_at(
            "uom.uom",
            id,
            vals([
                ("name", json!(name)),
                ("factor", json!(factor)),
                ("active", json!(true)),
            ]),
        );
    }
    s.units = 1;
    let tax = |name: &str, included: bool| {
        vals([
            ("name", json!(name)),
            ("amount", json!(15.0)),
            ("amount_type", json!("percent")),
            ("price_include", json!(included)),
            ("type_tax_use", json!("sale")),
            ("active", json!(true)),
        ])
    };
    s.tax_15 = st.insert_at("account.tax", 1, tax("15%", false));
    st.insert_at("account.tax", 2, tax("15% incl.", true));
    st.insert_at("product.category", 1, vals([("name", json!("All"))]));
    s.category = st.insert_at(
        "product.category",
        2,
        vals([("name", json!("Saleable")), ("parent_id", json!(1))]),
    );

    // Locations: physical root, partners, the warehouse view and its stock.
    let location = |name: &str, usage: &str, parent: Option<i64>| {
        let mut v = vals([
            ("name", json!(name)),
            ("usage", json!(usage)),
            ("active", json!(true)),
        ]);
        if let Some(p) = parent {
            v.insert("location_id", json!(p));
        }
        v
    };
    st.insert_at(
        "stock.location",
        1,
        location("Physical Locations", "view", None),
    );
    st.insert_at("stock.location", 2, location("Partners", "view", None));
    st.insert_at(
        "stock.location",
        3,
        location("Virtual Locations", "view", None),
    );
    st.insert_at(
        "stock.location",
        4,
        location("Vendors", "supplier", Some(2)),
    );
    s.customer_location = st.insert_at(
        "stock.location",
        5,
        location("Customers", "customer", Some(2)),
    );
    st.insert_at(
        "stock.location",
        14,
        location("Inventory adjustment", "inventory", Some(3)),
    );
    st.insert_at("stock.location", 7, location("WH", "view", Some(1)));
    let mut stock = location("Stock", "internal", Some(7));
    stock.insert("company_id", json!(1));
    s.stock_location = st.insert_at("stock.location", 8, stock);
    let mut shelf = location("Shelf 1", "internal", Some(8));
    shelf.insert("company_id", json!(1));
    st.insert_at("stock.location", 20, shelf);
    s.warehouse = st.insert_at(
        "stock.warehouse",
        1,
        vals([
            ("name", json!("YourCompany")),
            ("code", json!("WH")),
            ("company_id", json!(1)),
            ("lot_stock_id", json!(8)),
            ("active", json!(true)),
        ]),
    );
    for l in [7, 8, 20] {
        st.set("stock.location", l, vals([("warehouse_id", json!(1))]));
    }

    // Customers: companies with a purchasing contact each.
    let customers = [
        (
            9,
            "Wood Corner",
            "wood.corner26@example.com",
            "Turlock",
            233,
        ),
        (10, "Ready Mat", "ready.mat28@example.com", "Tracy", 233),
        (
            11,
            "Gemini Furniture",
            "gemini_furniture@fake.geminifurniture.com",
            "Fairfield",
            233,
        ),
        (
            12,
            "Deco Addict",
            "deco_addict@example.com",
            "Pleasant Hill",
            233,
        ),
        (
            13,
            "Lumber Inc",
            "lumber-inv92@example.com",
            "Stockton",
            233,
        ),
        (
            14,
            "Azure Interior",
            "azure.Interior24@example.com",
            "Fremont",
            233,
        ),
        (
            15,
            "Möbelhaus Krause",
            "einkauf@krause.example.de",
            "München",
            57,
        ),
    ];
    for (id, name, email, city, country) in customers {
        let mut v = partner(name);
        v.extend(vals([
            ("email", json!(email)),
            ("city", json!(city)),
            ("country_id", json!(country)),
            ("is_company", json!(true)),
            ("company_type", json!("company")),
            ("customer_rank", json!(1)),
        ]));
        st.insert_at("res.partner", id, v);
    }
    for (offset, (id, name, ..)) in customers.iter().enumerate() {
        let mut v = partner(&format!(
            "{} Purchasing",
            name.split(' ').next().unwrap_or(name)
        ));
        v.insert("parent_id", json!(id));
        v.insert("email", json!(format!("purchasing{offset}@example.com")));
        st.insert_at("res.partner", 20 + offset as i64, v);
    }

    // Attributes.
    s.attr_legs = st.insert_at(
        "product.attribute",
        1,
        vals([("name", json!("Legs")), ("display_type", json!("radio"))]),
    );
    s.attr_color = st.insert_at(
        "product.attribute",
        2,
        vals([("name", json!("Color")), ("display_type", json!("color"))]),
    );
    let value = |st: &mut Store, id: i64, name: &str, attribute: i64| {
        st.insert_at(
            "product.attribute.value",
            id,
            vals([("name", json!(name)), ("attribute_id", json!(attribute))]),
        )
    };
    let steel = value(st, 1, "Steel", 1);
    let aluminium = value(st, 2, "Aluminium", 1);
    let custom = value(st, 3, "Custom", 1);
    let white = value(st, 4, "White", 2);
    let black = value(st, 5, "Black", 2);

    let storable_field: (&'static str, Value) = if st.reg.version >= 18 {
        ("is_storable", json!(true))
    } else {
        ("detailed_type", json!("product"))
    };
    let template = |st: &Store,
                    name: &str,
                    price: f64,
                    storable: bool,
                    service: bool,
                    description: Option<&str>| {
        let mut t = vals([
            ("name", json!(name)),
            ("list_price", json!(price)),
            ("sale_ok", json!(true)),
            ("purchase_ok", json!(true)),
            ("categ_id", json!(2)),
            ("uom_id", json!(1)),
            ("taxes_id", json!([1])),
            ("description_sale", json!(description)),
            ("active", json!(true)),
        ]);
        let kind = if service {
            "service"
        } else if storable && st.reg.version < 18 {
            "product"
        } else {
            "consu"
        };
        t.insert("type", json!(kind));
        if st.reg.version >= 18 {
            t.insert("is_storable", json!(storable));
        } else {
            t.insert("detailed_type", json!(kind));
        }
        t
    };
    let _ = &storable_field;
    let quant = |st: &mut Store, product: i64, qty: f64| {
        if qty > 0.0 {
            st.insert(
                "stock.quant",
                vals([
                    ("product_id", json!(product)),
                    ("location_id", json!(8)),
                    ("quantity", json!(qty)),
                    ("reserved_quantity", json!(0.0)),
                    ("inventory_quantity", json!(0.0)),
                    ("inventory_quantity_set", json!(false)),
                ]),
            );
        }
    };
    let variant = |st: &mut Store,
                   id: i64,
                   tmpl: i64,
                   code: Option<&str>,
                   barcode: Option<&str>,
                   cost: f64,
                   ptavs: Vec<i64>| {
        st.insert_at(
            "product.product",
            id,
            vals([
                ("product_tmpl_id", json!(tmpl)),
                ("default_code", json!(code)),
                ("barcode", json!(barcode)),
                ("standard_price", json!(cost)),
                ("product_template_attribute_value_ids", json!(ptavs)),
                ("active", json!(true)),
            ]),
        )
    };
    // Single-variant products: (id, name, code, barcode, price, cost, storable, service, on hand).
    let simple: [SimpleProduct; 12] = [
        (
            1,
            "Restaurant Expenses",
            None,
            None,
            14.0,
            8.0,
            false,
            true,
            0.0,
        ),
        (
            2,
            "Hotel Accommodation",
            None,
            None,
            400.0,
            400.0,
            false,
            true,
            0.0,
        ),
        (
            3,
            "Virtual Interior Design",
            None,
            None,
            30.75,
            20.5,
            false,
            true,
            0.0,
        ),
        (
            4,
            "Virtual Home Staging",
            None,
            None,
            38.25,
            25.5,
            false,
            true,
            0.0,
        ),
        (
            5,
            "Office Chair",
            Some("FURN_7777"),
            Some("2400000000017"),
            70.0,
            55.0,
            true,
            false,
            40.0,
        ),
        (
            6,
            "Office Lamp",
            Some("FURN_8888"),
            Some("2400000000024"),
            40.0,
            35.0,
            true,
            false,
            0.0,
        ),
        (
            7,
            "Office Design Software",
            Some("FURN_9999"),
            None,
            280.0,
            235.0,
            true,
            false,
            0.0,
        ),
        (
            8,
            "Desk Combination",
            Some("FURN_7800"),
            Some("2400000000031"),
            450.0,
            300.0,
            true,
            false,
            28.0,
        ),
        (
            26,
            "Corner Desk Left Sit",
            Some("FURN_1118"),
            Some("2400000000055"),
            85.0,
            78.0,
            true,
            false,
            12.0,
        ),
        (
            27,
            "Large Cabinet",
            Some("E-COM07"),
            Some("2400000000079"),
            320.0,
            800.0,
            true,
            false,
            250.0,
        ),
        (
            40,
            "Storage Box",
            Some("FURN_0001"),
            Some("2400000000086"),
            15.8,
            14.0,
            true,
            false,
            130.0,
        ),
        (
            41,
            "Acoustic Bloc Screens",
            Some("FURN_0002"),
            Some("2400000000093"),
            295.0,
            287.0,
            true,
            false,
            0.0,
        ),
    ];
    for (n, (id, name, code, barcode, price, cost, storable, service, on_hand)) in
        simple.into_iter().enumerate()
    {
        let tmpl_id = if id <= 8 { id } else { 20 + n as i64 };
        let t = template(st, name, price, storable, service, None);
        st.insert_at("product.template", tmpl_id, t);
        let v = variant(st, id, tmpl_id, code, barcode, cost, Vec::new());
        quant(st, v, on_hand);
    }

    // Templates with variants: attribute lines, template attribute values, one variant per
    // combination.
    let mut ptav_id = 1;
    let mut with_variants = |st: &mut Store,
                             tmpl_id: i64,
                             t: HashMap<&'static str, Value>,
                             lines: &[AttributeLine]|
     -> Vec<Vec<i64>> {
        st.insert_at("product.template", tmpl_id, t);
        let mut per_line = Vec::new();
        for (line_id, attribute, values) in lines {
            let ids: Vec<i64> = values.iter().map(|(v, _)| *v).collect();
            st.insert_at(
                "product.template.attribute.line",
                *line_id,
                vals([
                    ("product_tmpl_id", json!(tmpl_id)),
                    ("attribute_id", json!(attribute)),
                    ("value_ids", json!(ids)),
                ]),
            );
            let mut ptavs = Vec::new();
            for (v, extra) in *values {
                st.insert_at(
                    "product.template.attribute.value",
                    ptav_id,
                    vals([
                        ("product_tmpl_id", json!(tmpl_id)),
                        ("attribute_line_id", json!(line_id)),
                        ("product_attribute_value_id", json!(v)),
                        ("price_extra", json!(extra)),
                        ("ptav_active", json!(true)),
                    ]),
                );
                ptavs.push(ptav_id);
                ptav_id += 1;
            }
            per_line.push(ptavs);
        }
        per_line
    };
    let chair = template(st, "Conference Chair", 33.0, true, false, None);
    let ptavs = with_variants(st, 10, chair, &[(1, 1, &[(steel, 0.0), (aluminium, 6.4)])]);
    let v = variant(
        st,
        23,
        10,
        Some("E-COM12"),
        Some("2400000000048"),
        28.0,
        vec![ptavs[0][0]],
    );
    quant(st, v, 55.0);
    let v = variant(
        st,
        24,
        10,
        Some("E-COM13"),
        Some("2400000000062"),
        30.0,
        vec![ptavs[0][1]],
    );
    quant(st, v, 20.0);
    let desk = template(
        st,
        "Customizable Desk",
        750.0,
        true,
        false,
        Some("160x80cm, with large legs."),
    );
    let ptavs = with_variants(
        st,
        9,
        desk,
        &[
            (2, 1, &[(steel, 0.0), (aluminium, 50.0), (custom, 0.0)]),
            (3, 2, &[(white, 0.0), (black, 0.0)]),
        ],
    );
    let (legs, colors) = (&ptavs[0], &ptavs[1]);
    for (id, code, l, c, on_hand) in [
        (42, "DESK0001", 0, 0, 45.0),
        (43, "DESK0002", 0, 1, 18.0),
        (44, "DESK0003", 1, 0, 3.0),
        (46, "DESK0004", 1, 1, 0.0),
        (45, "DESK0005", 2, 0, 8.0),
        (47, "DESK0006", 2, 1, 0.0),
    ] {
        let barcode = format!("24000000100{}", id % 10);
        let v = variant(
            st,
            id,
            9,
            Some(code),
            Some(&barcode),
            500.0 + 10.0 * (id - 42) as f64,
            vec![legs[l], colors[c]],
        );
        quant(st, v, on_hand);
    }

    // A confirmed order, as in the recordings (S00004 for Gemini Furniture).
    st.insert_at(
        "sale.order",
        4,
        vals([
            ("name", json!("S00004")),
            ("state", json!("sale")),
            ("partner_id", json!(11)),
            ("partner_invoice_id", json!(11)),
            ("partner_shipping_id", json!(11)),
            (
                "date_order",
                json!(super::store::format_datetime(st.now_us)),
            ),
            ("company_id", json!(1)),
            ("locked", json!(false)),
        ]),
    );
    let (uom_field, tax_field) = if st.reg.version >= 19 {
        ("product_uom_id", "tax_ids")
    } else {
        ("product_uom", "tax_id")
    };
    for (id, product, qty, price) in [
        (8, 8, 1.0, 450.0),
        (9, 5, 10.0, 70.0),
        (10, 26, 10.0, 85.0),
        (11, 23, 5.0, 33.0),
    ] {
        let name = st.display_name("product.product", product);
        st.insert_at(
            "sale.order.line",
            id,
            vals([
                ("order_id", json!(4)),
                ("sequence", json!(10)),
                ("product_id", json!(product)),
                ("name", json!(name)),
                ("product_uom_qty", json!(qty)),
                ("price_unit", json!(price)),
                ("discount", json!(0.0)),
                (uom_field, json!(1)),
                (tax_field, json!([])),
            ]),
        );
    }
    for _ in 0..4 {
        st.next_sequence("sale.order");
    }
    s
}

/// Adds `n` generated storable products (one variant each, with SKU `GEN-000001`..., a
/// barcode, prices and stock): the large catalogs of the benchmarks.
pub fn catalog(store: &mut Store, seeded: &Seeded, n: usize) {
    let st = store;
    st.begin();
    // Spread the products over a history of writes, 20 ms apart, ending now (as many separate
    // transactions in a real database would be).
    let end = st.now_us;
    let start = end - n as i64 * 20_000;
    let storable: (&'static str, Value) = if st.reg.version >= 18 {
        ("is_storable", json!(true))
    } else {
        ("detailed_type", json!("product"))
    };
    for i in 1..=n {
        st.now_us = start + i as i64 * 20_000;
        let price = 5.0 + (i % 997) as f64 * 0.5;
        let mut t = vals([
            ("name", json!(format!("Generated Product {i}"))),
            ("list_price", json!(price)),
            (
                "type",
                json!(if st.reg.version >= 18 {
                    "consu"
                } else {
                    "product"
                }),
            ),
            ("sale_ok", json!(true)),
            ("purchase_ok", json!(true)),
            ("categ_id", json!(seeded.category)),
            ("uom_id", json!(seeded.units)),
            ("taxes_id", json!([seeded.tax_15])),
            (
                "description_sale",
                json!(format!("Generated product number {i} for load tests.")),
            ),
            ("active", json!(true)),
        ]);
        t.insert(storable.0, storable.1.clone());
        let tmpl = st.insert("product.template", t);
        let variant = st.insert(
            "product.product",
            vals([
                ("product_tmpl_id", json!(tmpl)),
                ("default_code", json!(format!("GEN-{i:06}"))),
                ("barcode", json!(format!("29{i:011}"))),
                (
                    "standard_price",
                    json!((price * 0.6 * 100.0).round() / 100.0),
                ),
                ("product_template_attribute_value_ids", json!([])),
                ("active", json!(true)),
            ]),
        );
        st.insert(
            "stock.quant",
            vals([
                ("product_id", json!(variant)),
                ("location_id", json!(seeded.stock_location)),
                ("quantity", json!((i % 50) as f64)),
                ("reserved_quantity", json!(0.0)),
                ("inventory_quantity", json!(0.0)),
                ("inventory_quantity_set", json!(false)),
            ]),
        );
    }
}
