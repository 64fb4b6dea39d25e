//! The emulated models and their fields, per Odoo version.
//!
//! Only what the hub's flows and the recorded transcripts touch is modelled, with the types,
//! relations, required/readonly/store flags and selection values the real server reports in
//! `fields_get`. Fields that are computed on the real server (`display_name`, `lst_price`,
//! `qty_available`, ...) are computed here too (see `store.rs`).

use std::collections::HashMap;
use std::sync::Arc;

/// Odoo's field types as `fields_get` names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldType {
    Char,
    Text,
    Html,
    Selection(Vec<(&'static str, &'static str)>),
    Integer,
    Float,
    Monetary,
    Boolean,
    Date,
    Datetime,
    Binary,
    Many2one(&'static str),
    /// Comodel and the inverse many2one on it.
    One2many(&'static str, &'static str),
    Many2many(&'static str),
}

impl FieldType {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Char => "char",
            Self::Text => "text",
            Self::Html => "html",
            Self::Selection(_) => "selection",
            Self::Integer => "integer",
            Self::Float => "float",
            Self::Monetary => "monetary",
            Self::Boolean => "boolean",
            Self::Date => "date",
            Self::Datetime => "datetime",
            Self::Binary => "binary",
            Self::Many2one(_) => "many2one",
            Self::One2many(..) => "one2many",
            Self::Many2many(_) => "many2many",
        }
    }

    pub fn comodel(&self) -> Option<&'static str> {
        match self {
            Self::Many2one(m) | Self::One2many(m, _) | Self::Many2many(m) => Some(m),
            _ => None,
        }
    }

    pub fn is_x2many(&self) -> bool {
        matches!(self, Self::One2many(..) | Self::Many2many(_))
    }
}

/// How a field gets its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Stored on the record.
    Stored,
    /// Computed when read (never bumps `write_date`).
    Computed,
    /// Stored on the `_inherits` parent record (product.product → product.template).
    Inherited,
}

#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: &'static str,
    pub ty: FieldType,
    pub required: bool,
    pub readonly: bool,
    pub source: Source,
}

/// Computed fields that Odoo stores (so they report `store: true` and can be sorted on).
const STORED_COMPUTES: &[&str] = &[
    "complete_name",
    "commercial_partner_id",
    "amount_untaxed",
    "amount_tax",
    "amount_total",
    "delivery_status",
    "invoice_status",
    "price_subtotal",
    "price_total",
    "price_tax",
    "qty_delivered",
    "qty_invoiced",
    "qty_to_invoice",
    "order_partner_id",
    "combination_indices",
    "inventory_diff_quantity",
    "currency_id",
    "state",
];

impl FieldDef {
    /// `store` as `fields_get` reports it: stored fields, stored computed fields and one2many.
    pub fn store(&self) -> bool {
        match self.source {
            Source::Stored => true,
            Source::Inherited => false,
            Source::Computed => {
                matches!(self.ty, FieldType::One2many(..)) || STORED_COMPUTES.contains(&self.name)
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct ModelDef {
    pub name: &'static str,
    /// The human name Odoo uses in constraint messages ("Contact", "Sales Order").
    pub description: &'static str,
    /// Default `order` of `search`.
    pub order: &'static str,
    /// The field `display_name` is built from.
    pub rec_name: &'static str,
    /// Field holding the parent for `child_of`/`parent_of`.
    pub parent_field: Option<&'static str>,
    /// `_inherits`: the parent model and the many2one to it.
    pub inherits: Option<(&'static str, &'static str)>,
    /// Whether records have an `active` flag (archived ones are hidden by default).
    pub has_active: bool,
    pub fields: Vec<FieldDef>,
    index: HashMap<&'static str, usize>,
}

impl ModelDef {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.index.get(name).map(|&i| &self.fields[i])
    }
}

/// The set of models of one emulated server version.
#[derive(Debug)]
pub struct Registry {
    pub version: u32,
    models: HashMap<&'static str, Arc<ModelDef>>,
}

impl Registry {
    pub fn model(&self, name: &str) -> Option<&Arc<ModelDef>> {
        self.models.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &&'static str> {
        self.models.keys()
    }
}

struct Builder {
    model: ModelDef,
}

impl Builder {
    fn new(name: &'static str, description: &'static str, order: &'static str) -> Self {
        let mut b = Self {
            model: ModelDef {
                name,
                description,
                order,
                rec_name: "name",
                parent_field: None,
                inherits: None,
                has_active: false,
                fields: Vec::new(),
                index: HashMap::new(),
            },
        };
        b = b
            .f("id", FieldType::Integer, false, true, Source::Stored)
            .f(
                "display_name",
                FieldType::Char,
                false,
                true,
                Source::Computed,
            )
            .f(
                "create_date",
                FieldType::Datetime,
                false,
                true,
                Source::Stored,
            )
            .f(
                "write_date",
                FieldType::Datetime,
                false,
                true,
                Source::Stored,
            )
            .f(
                "create_uid",
                FieldType::Many2one("res.users"),
                false,
                true,
                Source::Stored,
            )
            .f(
                "write_uid",
                FieldType::Many2one("res.users"),
                false,
                true,
                Source::Stored,
            );
        b
    }

    fn f(
        mut self,
        name: &'static str,
        ty: FieldType,
        required: bool,
        readonly: bool,
        source: Source,
    ) -> Self {
        self.model.index.insert(name, self.model.fields.len());
        self.model.fields.push(FieldDef {
            name,
            ty,
            required,
            readonly,
            source,
        });
        self
    }

    /// A plain stored field, writable, optional.
    fn s(self, name: &'static str, ty: FieldType) -> Self {
        self.f(name, ty, false, false, Source::Stored)
    }

    /// A stored, required field.
    fn req(self, name: &'static str, ty: FieldType) -> Self {
        self.f(name, ty, true, false, Source::Stored)
    }

    /// A computed, readonly field.
    fn c(self, name: &'static str, ty: FieldType) -> Self {
        self.f(name, ty, false, true, Source::Computed)
    }

    fn active(mut self) -> Self {
        self.model.has_active = true;
        self.s("active", FieldType::Boolean)
    }

    fn rec_name(mut self, field: &'static str) -> Self {
        self.model.rec_name = field;
        self
    }

    fn parent(mut self, field: &'static str) -> Self {
        self.model.parent_field = Some(field);
        self
    }

    fn build(self) -> ModelDef {
        self.model
    }
}

use FieldType as T;

fn product_type(version: u32) -> FieldType {
    if version >= 18 {
        T::Selection(vec![
            ("consu", "Goods"),
            ("service", "Service"),
            ("combo", "Combo"),
        ])
    } else {
        T::Selection(vec![
            ("consu", "Consumable"),
            ("service", "Service"),
            ("product", "Storable Product"),
        ])
    }
}

/// Template fields, shared by product.template and (inherited) product.product.
fn template_fields(b: Builder, version: u32, source: Source) -> Builder {
    let b = b
        .f("name", T::Char, true, false, source)
        .f("description_sale", T::Text, false, false, source)
        .f("list_price", T::Float, false, false, source)
        .f("type", product_type(version), true, false, source)
        .f("sale_ok", T::Boolean, false, false, source)
        .f("purchase_ok", T::Boolean, false, false, source)
        .f(
            "categ_id",
            T::Many2one("product.category"),
            true,
            false,
            source,
        )
        .f("uom_id", T::Many2one("uom.uom"), true, false, source)
        .f(
            "taxes_id",
            T::Many2many("account.tax"),
            false,
            false,
            source,
        )
        .f(
            "currency_id",
            T::Many2one("res.currency"),
            false,
            true,
            Source::Computed,
        )
        .f("weight", T::Float, false, false, source)
        .f("volume", T::Float, false, false, source)
        .f(
            "priority",
            T::Selection(vec![("0", "Normal"), ("1", "Favorite")]),
            false,
            false,
            source,
        )
        .f(
            "company_id",
            T::Many2one("res.company"),
            false,
            false,
            source,
        )
        .f("description", T::Html, false, false, source)
        .f(
            "invoice_policy",
            T::Selection(vec![
                ("order", "Ordered quantities"),
                ("delivery", "Delivered quantities"),
            ]),
            false,
            false,
            source,
        )
        .f(
            "tracking",
            T::Selection(vec![
                ("serial", "By Unique Serial Number"),
                ("lot", "By Lots"),
                ("none", "By Quantity"),
            ]),
            true,
            false,
            source,
        )
        .f("uom_po_id", T::Many2one("uom.uom"), true, false, source);
    let b = if version >= 18 {
        b.f("is_storable", T::Boolean, false, false, source)
    } else {
        b.f(
            "detailed_type",
            T::Selection(vec![
                ("consu", "Consumable"),
                ("service", "Service"),
                ("product", "Storable Product"),
            ]),
            true,
            false,
            source,
        )
    };
    b.f("image_1920", T::Binary, false, false, Source::Computed)
}

/// The models of an Odoo `version` (16 to 19).
pub fn registry(version: u32) -> Registry {
    let models = vec![
        Builder::new("res.users", "User", "name, login")
            .req("login", T::Char)
            .s("name", T::Char)
            .s("partner_id", T::Many2one("res.partner"))
            .s("company_id", T::Many2one("res.company"))
            .active()
            .build(),
        Builder::new("res.company", "Companies", "sequence, name")
            .req("name", T::Char)
            .s("currency_id", T::Many2one("res.currency"))
            .s("partner_id", T::Many2one("res.partner"))
            .build(),
        Builder::new("res.currency", "Currency", "active desc, name")
            .req("name", T::Char)
            .s("symbol", T::Char)
            .s("rounding", T::Float)
            .s("decimal_places", T::Integer)
            .active()
            .build(),
        Builder::new("product.pricelist", "Pricelist", "sequence asc, id asc")
            .req("name", T::Char)
            .req("currency_id", T::Many2one("res.currency"))
            .s("company_id", T::Many2one("res.company"))
            .s("sequence", T::Integer)
            .active()
            .build(),
        Builder::new("res.country", "Country", "name")
            .req("name", T::Char)
            .s("code", T::Char)
            .s("currency_id", T::Many2one("res.currency"))
            .f(
                "state_ids",
                T::One2many("res.country.state", "country_id"),
                false,
                false,
                Source::Computed,
            )
            .build(),
        Builder::new("res.country.state", "Country state", "country_id, name")
            .req("name", T::Char)
            .req("code", T::Char)
            .req("country_id", T::Many2one("res.country"))
            .build(),
        {
            let types = if version >= 17 {
                vec![
                    ("contact", "Contact"),
                    ("invoice", "Invoice Address"),
                    ("delivery", "Delivery Address"),
                    ("other", "Other Address"),
                ]
            } else {
                vec![
                    ("contact", "Contact"),
                    ("invoice", "Invoice Address"),
                    ("delivery", "Delivery Address"),
                    ("private", "Private Address"),
                    ("other", "Other Address"),
                ]
            };
            let b = Builder::new("res.partner", "Contact", "complete_name ASC, id DESC")
                .rec_name("complete_name")
                .parent("parent_id")
                .s("name", T::Char)
                .c("complete_name", T::Char)
                .s("ref", T::Char)
                .s("email", T::Char)
                .s("phone", T::Char);
            let b = if version < 19 {
                b.s("mobile", T::Char)
            } else {
                b
            };
            b.s("street", T::Char)
                .s("street2", T::Char)
                .s("city", T::Char)
                .s("zip", T::Char)
                .s("state_id", T::Many2one("res.country.state"))
                .s("country_id", T::Many2one("res.country"))
                .s("vat", T::Char)
                .s("lang", T::Selection(vec![("en_US", "English (US)")]))
                .s(
                    "tz",
                    T::Selection(vec![("Europe/Brussels", "Europe/Brussels"), ("UTC", "UTC")]),
                )
                .s("comment", T::Html)
                .s("is_company", T::Boolean)
                .s(
                    "company_type",
                    T::Selection(vec![("person", "Individual"), ("company", "Company")]),
                )
                .s("type", T::Selection(types))
                .s("parent_id", T::Many2one("res.partner"))
                .f(
                    "child_ids",
                    T::One2many("res.partner", "parent_id"),
                    false,
                    false,
                    Source::Computed,
                )
                .c("commercial_partner_id", T::Many2one("res.partner"))
                .s("category_id", T::Many2many("res.partner.category"))
                .s("customer_rank", T::Integer)
                .s("supplier_rank", T::Integer)
                .s("company_id", T::Many2one("res.company"))
                .c("country_code", T::Char)
                .c(
                    "property_product_pricelist",
                    T::Many2one("product.pricelist"),
                )
                .s("credit_limit", T::Float)
                .s("image_128", T::Binary)
                .active()
                .build()
        },
        Builder::new("res.partner.category", "Partner Tags", "complete_name")
            .req("name", T::Char)
            .active()
            .build(),
        Builder::new("uom.uom", "Product Unit of Measure", "factor DESC, id")
            .req("name", T::Char)
            .s("factor", T::Float)
            .active()
            .build(),
        Builder::new("account.tax", "Tax", "sequence,id")
            .req("name", T::Char)
            .s("amount", T::Float)
            .s(
                "amount_type",
                T::Selection(vec![("percent", "Percentage of Price"), ("fixed", "Fixed")]),
            )
            .s("price_include", T::Boolean)
            .s(
                "type_tax_use",
                T::Selection(vec![
                    ("sale", "Sales"),
                    ("purchase", "Purchases"),
                    ("none", "None"),
                ]),
            )
            .active()
            .build(),
        Builder::new("product.category", "Product Category", "complete_name")
            .rec_name("complete_name")
            .parent("parent_id")
            .req("name", T::Char)
            .c("complete_name", T::Char)
            .s("parent_id", T::Many2one("product.category"))
            .build(),
        Builder::new("product.attribute", "Product Attribute", "sequence, id")
            .req("name", T::Char)
            .s(
                "display_type",
                T::Selection(vec![
                    ("radio", "Radio"),
                    ("select", "Select"),
                    ("color", "Color"),
                ]),
            )
            .f(
                "value_ids",
                T::One2many("product.attribute.value", "attribute_id"),
                false,
                false,
                Source::Computed,
            )
            .build(),
        Builder::new(
            "product.attribute.value",
            "Attribute Value",
            "attribute_id, sequence, id",
        )
        .req("name", T::Char)
        .req("attribute_id", T::Many2one("product.attribute"))
        .s("html_color", T::Char)
        .build(),
        Builder::new(
            "product.template.attribute.line",
            "Product Template Attribute Line",
            "attribute_id, id",
        )
        .rec_name("attribute_id")
        .req("product_tmpl_id", T::Many2one("product.template"))
        .req("attribute_id", T::Many2one("product.attribute"))
        .s("value_ids", T::Many2many("product.attribute.value"))
        .build(),
        Builder::new(
            "product.template.attribute.value",
            "Product Template Attribute Value",
            "attribute_line_id, id",
        )
        .c("name", T::Char)
        .req("product_tmpl_id", T::Many2one("product.template"))
        .req(
            "attribute_line_id",
            T::Many2one("product.template.attribute.line"),
        )
        .req(
            "product_attribute_value_id",
            T::Many2one("product.attribute.value"),
        )
        .c("attribute_id", T::Many2one("product.attribute"))
        .s("price_extra", T::Float)
        .f("ptav_active", T::Boolean, false, false, Source::Stored)
        .build(),
        template_fields(
            Builder::new("product.template", "Product", "priority desc, name, id").active(),
            version,
            Source::Stored,
        )
        .s("default_code", T::Char)
        .s("barcode", T::Char)
        .s("standard_price", T::Float)
        .s(
            "attribute_line_ids",
            T::One2many("product.template.attribute.line", "product_tmpl_id"),
        )
        .f(
            "product_variant_ids",
            T::One2many("product.product", "product_tmpl_id"),
            true,
            false,
            Source::Computed,
        )
        .c("product_variant_count", T::Integer)
        .c("qty_available", T::Float)
        .c("virtual_available", T::Float)
        .build(),
        {
            let mut b = Builder::new(
                "product.product",
                "Product Variant",
                "priority desc, default_code, name, id",
            )
            .active()
            .req("product_tmpl_id", T::Many2one("product.template"))
            .s("default_code", T::Char)
            .s("barcode", T::Char)
            .s("standard_price", T::Float)
            .s(
                "product_template_attribute_value_ids",
                T::Many2many("product.template.attribute.value"),
            )
            .c("combination_indices", T::Char)
            .c("price_extra", T::Float)
            .f("lst_price", T::Float, false, false, Source::Computed)
            .c("qty_available", T::Float)
            .c("free_qty", T::Float)
            .c("virtual_available", T::Float)
            .c("incoming_qty", T::Float)
            .c("outgoing_qty", T::Float);
            b = template_fields(b, version, Source::Inherited);
            let mut m = b.build();
            m.inherits = Some(("product.template", "product_tmpl_id"));
            m
        },
        Builder::new("stock.warehouse", "Warehouse", "sequence,id")
            .req("name", T::Char)
            .req("code", T::Char)
            .s("company_id", T::Many2one("res.company"))
            .req("lot_stock_id", T::Many2one("stock.location"))
            .active()
            .build(),
        Builder::new("stock.location", "Inventory Locations", "complete_name, id")
            .rec_name("complete_name")
            .parent("location_id")
            .req("name", T::Char)
            .c("complete_name", T::Char)
            .req(
                "usage",
                T::Selection(vec![
                    ("supplier", "Vendor Location"),
                    ("view", "View"),
                    ("internal", "Internal Location"),
                    ("customer", "Customer Location"),
                    ("inventory", "Inventory Loss"),
                    ("production", "Production"),
                    ("transit", "Transit Location"),
                ]),
            )
            .s("location_id", T::Many2one("stock.location"))
            .s("warehouse_id", T::Many2one("stock.warehouse"))
            .s("company_id", T::Many2one("res.company"))
            .active()
            .build(),
        Builder::new(
            "stock.quant",
            "Quants",
            "location_id, lot_id, package_id, owner_id, in_date, id",
        )
        .rec_name("product_id")
        .req("product_id", T::Many2one("product.product"))
        .req("location_id", T::Many2one("stock.location"))
        .f("quantity", T::Float, false, true, Source::Stored)
        .f("reserved_quantity", T::Float, true, true, Source::Stored)
        .s("inventory_quantity", T::Float)
        .c("inventory_diff_quantity", T::Float)
        .f(
            "inventory_quantity_set",
            T::Boolean,
            false,
            false,
            Source::Stored,
        )
        .f(
            "inventory_quantity_auto_apply",
            T::Float,
            false,
            false,
            Source::Computed,
        )
        .c("last_count_date", T::Date)
        .s("accounting_date", T::Date)
        .c("available_quantity", T::Float)
        .s("company_id", T::Many2one("res.company"))
        .s("in_date", T::Datetime)
        .s("inventory_date", T::Date)
        .c("is_outdated", T::Boolean)
        .c("product_categ_id", T::Many2one("product.category"))
        .c("product_tmpl_id", T::Many2one("product.template"))
        .c("product_uom_id", T::Many2one("uom.uom"))
        .s("user_id", T::Many2one("res.users"))
        .c("warehouse_id", T::Many2one("stock.warehouse"))
        .s("lot_id", T::Many2one("stock.lot"))
        .s("package_id", T::Many2one("stock.quant.package"))
        .s("owner_id", T::Many2one("res.partner"))
        .build(),
        Builder::new(
            "stock.picking",
            "Transfer",
            "priority desc, scheduled_date asc, id desc",
        )
        .f("name", T::Char, true, false, Source::Stored)
        .s(
            "state",
            T::Selection(vec![
                ("draft", "Draft"),
                ("waiting", "Waiting Another Operation"),
                ("confirmed", "Waiting"),
                ("assigned", "Ready"),
                ("done", "Done"),
                ("cancel", "Cancelled"),
            ]),
        )
        .s("origin", T::Char)
        .c(
            "picking_type_code",
            T::Selection(vec![
                ("incoming", "Receipt"),
                ("outgoing", "Delivery"),
                ("internal", "Internal Transfer"),
            ]),
        )
        .s("scheduled_date", T::Datetime)
        .s("partner_id", T::Many2one("res.partner"))
        .s("sale_id", T::Many2one("sale.order"))
        .s("location_id", T::Many2one("stock.location"))
        .s("location_dest_id", T::Many2one("stock.location"))
        .build(),
        {
            let states = if version >= 17 {
                vec![
                    ("draft", "Quotation"),
                    ("sent", "Quotation Sent"),
                    ("sale", "Sales Order"),
                    ("cancel", "Cancelled"),
                ]
            } else {
                vec![
                    ("draft", "Quotation"),
                    ("sent", "Quotation Sent"),
                    ("sale", "Sales Order"),
                    ("done", "Locked"),
                    ("cancel", "Cancelled"),
                ]
            };
            let b = Builder::new("sale.order", "Sales Order", "date_order desc, id desc")
                .f("name", T::Char, true, false, Source::Stored)
                .f("state", T::Selection(states), false, true, Source::Stored)
                .req("partner_id", T::Many2one("res.partner"))
                .s("partner_invoice_id", T::Many2one("res.partner"))
                .s("partner_shipping_id", T::Many2one("res.partner"))
                .s("client_order_ref", T::Char)
                .s("origin", T::Char)
                .req("date_order", T::Datetime)
                .s("validity_date", T::Date)
                .s("commitment_date", T::Datetime)
                .s("note", T::Html)
                .s("pricelist_id", T::Many2one("product.pricelist"))
                .c("currency_id", T::Many2one("res.currency"))
                .s("company_id", T::Many2one("res.company"))
                .s("tag_ids", T::Many2many("crm.tag"))
                .s("fiscal_position_id", T::Many2one("account.fiscal.position"))
                .s("payment_term_id", T::Many2one("account.payment.term"))
                .s("team_id", T::Many2one("crm.team"))
                .s("user_id", T::Many2one("res.users"))
                .s("warehouse_id", T::Many2one("stock.warehouse"))
                .s("order_line", T::One2many("sale.order.line", "order_id"))
                .c("amount_untaxed", T::Monetary)
                .c("amount_tax", T::Monetary)
                .c("amount_total", T::Monetary)
                .f(
                    "picking_ids",
                    T::One2many("stock.picking", "sale_id"),
                    false,
                    false,
                    Source::Computed,
                )
                .c(
                    "delivery_status",
                    T::Selection(vec![
                        ("pending", "Not Delivered"),
                        ("started", "Started"),
                        ("partial", "Partially Delivered"),
                        ("full", "Fully Delivered"),
                    ]),
                )
                .c(
                    "invoice_status",
                    T::Selection(vec![
                        ("upselling", "Upselling Opportunity"),
                        ("invoiced", "Fully Invoiced"),
                        ("to invoice", "To Invoice"),
                        ("no", "Nothing to Invoice"),
                    ]),
                );
            let b = if version >= 17 {
                b.s("locked", T::Boolean)
            } else {
                b
            };
            b.build()
        },
        {
            let b = Builder::new(
                "sale.order.line",
                "Sales Order Line",
                "order_id, sequence, id",
            )
            .req("order_id", T::Many2one("sale.order"))
            .s("sequence", T::Integer)
            .s("product_id", T::Many2one("product.product"))
            .req("name", T::Text)
            .s("product_uom_qty", T::Float)
            .s("price_unit", T::Float)
            .s("discount", T::Float)
            .s(
                "display_type",
                T::Selection(vec![("line_section", "Section"), ("line_note", "Note")]),
            )
            .c("price_subtotal", T::Monetary)
            .c("price_total", T::Monetary)
            .c("qty_delivered", T::Float)
            .c("qty_invoiced", T::Float)
            .c("qty_to_invoice", T::Float)
            .c("price_tax", T::Float)
            .c("order_partner_id", T::Many2one("res.partner"))
            .c("product_template_id", T::Many2one("product.template"))
            .c(
                "state",
                T::Selection(vec![
                    ("draft", "Quotation"),
                    ("sent", "Quotation Sent"),
                    ("sale", "Sales Order"),
                    ("cancel", "Cancelled"),
                ]),
            )
            .s("is_downpayment", T::Boolean)
            .s("company_id", T::Many2one("res.company"))
            .s("route_id", T::Many2one("stock.route"))
            .s("warehouse_id", T::Many2one("stock.warehouse"))
            .f(
                "move_ids",
                T::One2many("stock.move", "sale_line_id"),
                false,
                false,
                Source::Computed,
            )
            .s("customer_lead", T::Float)
            .c("currency_id", T::Many2one("res.currency"));
            let b = if version >= 19 {
                b.s("product_uom_id", T::Many2one("uom.uom"))
                    .s("tax_ids", T::Many2many("account.tax"))
            } else {
                b.s("product_uom", T::Many2one("uom.uom"))
                    .s("tax_id", T::Many2many("account.tax"))
            };
            b.build()
        },
    ];
    Registry {
        version,
        models: models.into_iter().map(|m| (m.name, Arc::new(m))).collect(),
    }
}
