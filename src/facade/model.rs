//! The hub's models as the facade exposes them: Odoo-style field definitions over the hub's own
//! tables. The SQL layer compiles domains and orders from these, the ORM methods read and write
//! through them, and `fields_get` describes them.

use crate::rpc::domain::{FieldKind, Schema};

/// A field's type on the wire (Odoo's `fields_get` `type`), with what the SQL layer needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    Char,
    Text,
    Integer,
    Float,
    Monetary,
    /// Stored as an INTEGER 0/1.
    Boolean,
    /// Stored as its key (TEXT).
    Selection(&'static [(&'static str, &'static str)]),
    /// Stored as Unix epoch milliseconds (BIGINT); on the wire `YYYY-MM-DD HH:MM:SS` UTC.
    Datetime,
    /// Stored as Odoo's own datetime text (`YYYY-MM-DD HH:MM:SS`, UTC), as Odoo gave it.
    DatetimeText,
    /// Stored as JSON text; read as the JSON value (Odoo 17+ `fields.Json`).
    Json,
    /// Stored as the comodel's id (BIGINT, NULL when unset).
    Many2one(&'static str),
    /// Not stored: the comodel's rows whose `inverse` column holds this record's id.
    One2many {
        comodel: &'static str,
        inverse: &'static str,
    },
}

impl FieldType {
    /// Odoo's name for the type (`fields_get`).
    pub fn odoo_name(self) -> &'static str {
        match self {
            Self::Char => "char",
            Self::Text => "text",
            Self::Integer => "integer",
            Self::Float => "float",
            Self::Monetary => "monetary",
            Self::Boolean => "boolean",
            Self::Selection(_) => "selection",
            Self::Datetime | Self::DatetimeText => "datetime",
            Self::Json => "json",
            Self::Many2one(_) => "many2one",
            Self::One2many { .. } => "one2many",
        }
    }

    /// The kind the domain engine validates values and operators against.
    pub fn kind(self) -> FieldKind<'static> {
        match self {
            Self::Char => FieldKind::Char,
            // JSON text compares as text (only `=`/`!=` `False` are meaningful on it).
            Self::Text | Self::Json => FieldKind::Text,
            Self::Integer => FieldKind::Integer,
            Self::Float => FieldKind::Float,
            Self::Monetary => FieldKind::Monetary,
            Self::Boolean => FieldKind::Boolean,
            Self::Selection(_) => FieldKind::Selection,
            Self::Datetime | Self::DatetimeText => FieldKind::Datetime,
            Self::Many2one(comodel) => FieldKind::Many2one { comodel },
            Self::One2many { comodel, .. } => FieldKind::One2many { comodel },
        }
    }
}

/// One field of a hub model.
#[derive(Clone, Copy, Debug)]
pub struct FieldDef {
    pub name: &'static str,
    /// The label (`fields_get` `string`).
    pub string: &'static str,
    pub ty: FieldType,
    /// The table column; `None` for a field with no column of its own (one2many).
    pub column: Option<&'static str>,
    pub required: bool,
    /// Not writable through the facade (set by the hub itself).
    pub readonly: bool,
    /// Writable but never read back (credentials): left out of `read` results, of "all fields"
    /// and of domains and orders.
    pub write_only: bool,
    pub help: &'static str,
}

impl FieldDef {
    pub const fn new(name: &'static str, string: &'static str, ty: FieldType) -> Self {
        Self {
            name,
            string,
            ty,
            column: Some(name),
            required: false,
            readonly: false,
            write_only: false,
            help: "",
        }
    }

    pub const fn column(mut self, column: &'static str) -> Self {
        self.column = Some(column);
        self
    }

    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub const fn readonly(mut self) -> Self {
        self.readonly = true;
        self
    }

    pub const fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    pub const fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }

    /// A one2many: no column.
    pub const fn one2many(
        name: &'static str,
        string: &'static str,
        comodel: &'static str,
        inverse: &'static str,
    ) -> Self {
        Self {
            name,
            string,
            ty: FieldType::One2many { comodel, inverse },
            column: None,
            required: false,
            readonly: true,
            write_only: false,
            help: "",
        }
    }

    /// Whether a domain or an `order` may use the field.
    pub fn searchable(&self) -> bool {
        !self.write_only
    }
}

/// A hub model: a table and its fields. Every model has an integer `id` (the table's primary
/// key, column `id`) and a `display_name` (its `name_column`); neither is listed in `fields`.
#[derive(Debug)]
pub struct ModelDef {
    pub name: &'static str,
    /// `fields_get`-style description (`ir.model` name).
    pub description: &'static str,
    /// `None` for a model with methods only (`adlerdo.sync`).
    pub table: Option<&'static str>,
    /// The column holding the record's name: `display_name` reads it, `name_search` and domains
    /// on `display_name` search it.
    pub name_column: &'static str,
    /// The default `order` clause (Odoo's `_order`), in the `order` grammar.
    pub order: &'static str,
    pub fields: &'static [FieldDef],
    /// `create`/`write`/`unlink` through the facade (some models are read-only views of hub
    /// state that only the hub changes).
    pub writable: bool,
}

impl ModelDef {
    pub fn field(&self, name: &str) -> Option<&'static FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether the model has an `active` field (archived rows are left out of searches unless
    /// `active_test` is false or the domain names `active`).
    pub fn has_active(&self) -> bool {
        self.field("active").is_some()
    }
}

use FieldType as T;

const MARKETPLACE_KINDS: &[(&str, &str)] = &[
    ("ebay", "eBay"),
    ("amazon", "Amazon"),
    ("shopify", "Shopify"),
];

const LISTING_STATUSES: &[(&str, &str)] = &[
    ("draft", "Draft"),
    ("pending", "Pending"),
    ("active", "Active"),
    ("error", "Error"),
    ("ended", "Ended"),
];

const ORDER_STATES: &[(&str, &str)] = &[
    ("received", "Received"),
    ("unmapped", "Waiting for SKU mapping"),
    ("sent", "Sent to Odoo"),
    ("confirmed", "Confirmed"),
    ("cancelled", "Cancelled"),
    ("failed", "Failed"),
];

const MARKET_STATUSES: &[(&str, &str)] = &[
    ("pending", "Not paid yet"),
    ("open", "To ship"),
    ("shipped", "Shipped"),
    ("cancelled", "Cancelled"),
];

const CANCEL_STATES: &[(&str, &str)] = &[
    ("requested", "To cancel in Odoo"),
    ("done", "Cancelled in Odoo"),
    ("refused", "Not cancelled in Odoo"),
];

const JOB_STATES: &[(&str, &str)] = &[
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Done"),
    ("dead", "Failed"),
];

/// Every table's creation and last change times (set by the hub).
const CREATE_DATE: FieldDef = FieldDef::new("create_date", "Created on", T::Datetime)
    .column("created_at")
    .readonly();
const WRITE_DATE: FieldDef = FieldDef::new("write_date", "Last Updated on", T::Datetime)
    .column("updated_at")
    .readonly();

pub static PRODUCT: ModelDef = ModelDef {
    name: "adlerdo.product",
    description: "Hub product",
    table: Some("products"),
    name_column: "display_name",
    order: "display_name, id",
    writable: true,
    fields: &[
        FieldDef::new("name", "Name", T::Char).required(),
        FieldDef::new("default_code", "Internal Reference (SKU)", T::Char).column("sku"),
        FieldDef::new("barcode", "Barcode", T::Char),
        FieldDef::new("description", "Description", T::Text),
        FieldDef::new("list_price", "Sales Price", T::Float),
        FieldDef::new("standard_price", "Cost", T::Float).column("cost"),
        FieldDef::new("currency", "Currency", T::Char).readonly(),
        FieldDef::new("attributes", "Attribute values", T::Json)
            .readonly()
            .help("The variant's attribute values, as Odoo gave them."),
        FieldDef::new("is_storable", "Track Inventory", T::Boolean).column("storable"),
        FieldDef::new("active", "Active", T::Boolean),
        FieldDef::new("odoo_id", "Odoo variant id", T::Integer).readonly(),
        FieldDef::new("odoo_template_id", "Odoo template id", T::Integer).readonly(),
        FieldDef::new("odoo_write_date", "Odoo last update", T::DatetimeText).readonly(),
        FieldDef::new("pending", "Changes waiting for Odoo", T::Json).readonly(),
        FieldDef::new("push_error", "Last push error", T::Text).readonly(),
        FieldDef::one2many("listing_ids", "Listings", "adlerdo.listing", "product_id"),
        CREATE_DATE,
        WRITE_DATE,
    ],
};

pub static MARKETPLACE: ModelDef = ModelDef {
    name: "adlerdo.marketplace",
    description: "Marketplace account",
    table: Some("marketplaces"),
    name_column: "name",
    order: "name, id",
    writable: true,
    fields: &[
        FieldDef::new("kind", "Marketplace", T::Selection(MARKETPLACE_KINDS)).required(),
        FieldDef::new("name", "Name", T::Char).required(),
        FieldDef::new("enabled", "Enabled", T::Boolean),
        FieldDef::new("settings", "Settings", T::Json)
            .help("Non-secret settings of the account (stock buffer, share, ...)."),
        FieldDef::new("credentials", "Credentials", T::Json)
            .write_only()
            .help("Stored encrypted in the hub; never returned."),
        FieldDef::new("has_credentials", "Has credentials", T::Boolean)
            .column("credentials")
            .readonly(),
        FieldDef::one2many(
            "listing_ids",
            "Listings",
            "adlerdo.listing",
            "marketplace_id",
        ),
        CREATE_DATE,
        WRITE_DATE,
    ],
};

pub static LISTING: ModelDef = ModelDef {
    name: "adlerdo.listing",
    description: "Marketplace listing",
    table: Some("listings"),
    name_column: "sku",
    order: "marketplace_id, sku, id",
    writable: true,
    fields: &[
        FieldDef::new(
            "marketplace_id",
            "Marketplace account",
            T::Many2one("adlerdo.marketplace"),
        )
        .required(),
        FieldDef::new("product_id", "Product", T::Many2one("adlerdo.product")),
        FieldDef::new("sku", "SKU", T::Char).required(),
        FieldDef::new("external_id", "Marketplace id", T::Char),
        FieldDef::new("external_ref", "Marketplace reference", T::Char),
        FieldDef::new("status", "Status", T::Selection(LISTING_STATUSES)),
        FieldDef::new("last_quantity", "Last quantity sent", T::Integer).readonly(),
        FieldDef::new("last_price", "Last price sent", T::Float).readonly(),
        FieldDef::new("last_pushed_at", "Last pushed on", T::Datetime).readonly(),
        FieldDef::new("last_error", "Last error", T::Text).readonly(),
        FieldDef::new("dirty", "Offer to send", T::Boolean)
            .help("The offer (title, description, price, barcode) goes to the marketplace with the next listing push."),
        CREATE_DATE,
        WRITE_DATE,
    ],
};

const PUSH_KINDS: &[(&str, &str)] = &[("stock", "Stock"), ("listing", "Listing")];
const PUSH_STATES: &[(&str, &str)] = &[
    ("pending", "Being processed"),
    ("done", "Done"),
    ("partial", "Some items refused"),
    ("failed", "Failed"),
];
const PUSH_ITEM_STATES: &[(&str, &str)] = &[
    ("pending", "Pending"),
    ("accepted", "Accepted"),
    ("rejected", "Refused"),
];

pub static PUSH: ModelDef = ModelDef {
    name: "adlerdo.push",
    description: "Push to a marketplace",
    table: Some("pushes"),
    name_column: "kind",
    order: "started_at desc, id desc",
    writable: false,
    fields: &[
        FieldDef::new(
            "marketplace_id",
            "Marketplace account",
            T::Many2one("adlerdo.marketplace"),
        ),
        FieldDef::new("kind", "Kind", T::Selection(PUSH_KINDS)),
        FieldDef::new("state", "State", T::Selection(PUSH_STATES)),
        FieldDef::new("items", "Items", T::Integer),
        FieldDef::new("accepted", "Accepted", T::Integer),
        FieldDef::new("rejected", "Refused", T::Integer),
        FieldDef::new("handle", "Marketplace reference", T::Char)
            .help("The marketplace's id of a push it processes later (an Amazon feed)."),
        FieldDef::new("error", "Error", T::Text),
        FieldDef::new("exchanges", "Exchanges", T::Json)
            .help("What was sent and what the marketplace answered (long batches shortened)."),
        FieldDef::new("started_at", "Started on", T::Datetime),
        FieldDef::new("finished_at", "Finished on", T::Datetime),
        FieldDef::one2many("item_ids", "Items", "adlerdo.push.item", "push_id"),
    ],
};

pub static PUSH_ITEM: ModelDef = ModelDef {
    name: "adlerdo.push.item",
    description: "Item of a push",
    table: Some("push_items"),
    name_column: "sku",
    order: "id",
    writable: false,
    fields: &[
        FieldDef::new("push_id", "Push", T::Many2one("adlerdo.push")),
        FieldDef::new("listing_id", "Listing", T::Many2one("adlerdo.listing")),
        FieldDef::new("sku", "SKU", T::Char),
        FieldDef::new("quantity", "Quantity", T::Integer),
        FieldDef::new("state", "State", T::Selection(PUSH_ITEM_STATES)),
        FieldDef::new("code", "Marketplace code", T::Char),
        FieldDef::new("message", "Marketplace message", T::Text),
    ],
};

pub static ORDER: ModelDef = ModelDef {
    name: "adlerdo.order",
    description: "Marketplace order",
    table: Some("orders"),
    name_column: "external_id",
    order: "ordered_at desc, id desc",
    writable: false,
    fields: &[
        FieldDef::new(
            "marketplace_id",
            "Marketplace account",
            T::Many2one("adlerdo.marketplace"),
        ),
        FieldDef::new("external_id", "Marketplace order id", T::Char),
        FieldDef::new("reference", "Marketplace reference", T::Char),
        FieldDef::new("state", "State", T::Selection(ORDER_STATES)),
        FieldDef::new(
            "market_status",
            "Status on the marketplace",
            T::Selection(MARKET_STATUSES),
        ),
        FieldDef::new("external_status", "Marketplace status", T::Char),
        FieldDef::new(
            "external_updated_at",
            "Changed on the marketplace",
            T::Datetime,
        ),
        FieldDef::new("buyer_name", "Buyer", T::Char),
        FieldDef::new("buyer_email", "Buyer email", T::Char),
        FieldDef::new("currency", "Currency", T::Char),
        FieldDef::new("amount_untaxed", "Untaxed amount", T::Monetary),
        FieldDef::new("amount_tax", "Taxes", T::Monetary),
        FieldDef::new("amount_shipping", "Shipping", T::Monetary),
        FieldDef::new("amount_total", "Total", T::Monetary),
        FieldDef::new("shipping_address", "Shipping address", T::Json),
        FieldDef::new("billing_address", "Billing address", T::Json),
        FieldDef::new("odoo_order_id", "Odoo sales order id", T::Integer),
        FieldDef::new("odoo_order_name", "Odoo sales order", T::Char),
        FieldDef::new("odoo_amount_total", "Odoo total", T::Monetary),
        FieldDef::new(
            "amount_difference",
            "Odoo total minus marketplace total",
            T::Monetary,
        ),
        FieldDef::new("details", "Details", T::Json),
        FieldDef::new("failure_reason", "Reason", T::Text),
        FieldDef::new("cancel_state", "Cancellation", T::Selection(CANCEL_STATES)),
        FieldDef::new("attempts", "Attempts", T::Integer),
        FieldDef::new("raw", "Marketplace payload", T::Json),
        FieldDef::new("ordered_at", "Order date", T::Datetime),
        FieldDef::one2many("line_ids", "Lines", "adlerdo.order.line", "order_id"),
        FieldDef::one2many("event_ids", "History", "adlerdo.order.event", "order_id"),
        CREATE_DATE,
        WRITE_DATE,
    ],
};

pub static ORDER_LINE: ModelDef = ModelDef {
    name: "adlerdo.order.line",
    description: "Marketplace order line",
    table: Some("order_lines"),
    name_column: "title",
    order: "order_id, id",
    writable: false,
    fields: &[
        FieldDef::new("order_id", "Order", T::Many2one("adlerdo.order")),
        FieldDef::new("external_id", "Marketplace line id", T::Char),
        FieldDef::new("sku", "SKU", T::Char),
        FieldDef::new("product_id", "Product", T::Many2one("adlerdo.product")),
        FieldDef::new("title", "Description", T::Char),
        FieldDef::new("quantity", "Quantity", T::Float),
        FieldDef::new("unit_price", "Unit price", T::Float),
        FieldDef::new("discount", "Discount", T::Float),
        FieldDef::new("tax", "Tax", T::Float),
    ],
};

pub static ORDER_EVENT: ModelDef = ModelDef {
    name: "adlerdo.order.event",
    description: "Marketplace order history",
    table: Some("order_events"),
    name_column: "kind",
    order: "order_id, id",
    writable: false,
    fields: &[
        FieldDef::new("order_id", "Order", T::Many2one("adlerdo.order")),
        FieldDef::new("at", "When", T::Datetime),
        FieldDef::new("kind", "What", T::Char),
        FieldDef::new("message", "Message", T::Text),
    ],
};

pub static JOB: ModelDef = ModelDef {
    name: "adlerdo.job",
    description: "Queued job",
    table: Some("jobs"),
    name_column: "kind",
    order: "id desc",
    writable: false,
    fields: &[
        FieldDef::new("kind", "Kind", T::Char),
        FieldDef::new("payload", "Payload", T::Json),
        FieldDef::new("state", "State", T::Selection(JOB_STATES)),
        FieldDef::new("priority", "Priority", T::Integer),
        FieldDef::new("attempts", "Attempts", T::Integer),
        FieldDef::new("max_attempts", "Maximum attempts", T::Integer),
        FieldDef::new("run_after", "Not before", T::Datetime),
        FieldDef::new("last_error", "Last error", T::Text),
        CREATE_DATE,
        WRITE_DATE,
        FieldDef::new("finished_at", "Finished on", T::Datetime),
    ],
};

pub static SYNC: ModelDef = ModelDef {
    name: "adlerdo.sync",
    description: "Synchronization",
    table: None,
    name_column: "id",
    order: "id",
    writable: false,
    fields: &[],
};

/// Every model the facade knows.
pub static MODELS: &[&ModelDef] = &[
    &PRODUCT,
    &LISTING,
    &MARKETPLACE,
    &PUSH,
    &PUSH_ITEM,
    &ORDER,
    &ORDER_LINE,
    &ORDER_EVENT,
    &JOB,
    &SYNC,
];

/// The registry: looks models up by name; the domain engine's [`Schema`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Registry;

impl Registry {
    pub fn model(&self, name: &str) -> Option<&'static ModelDef> {
        MODELS.iter().copied().find(|m| m.name == name)
    }
}

impl Schema for Registry {
    fn field_kind(&self, model: &str, field: &str) -> Option<FieldKind<'_>> {
        let model = self.model(model)?;
        match field {
            "id" => Some(FieldKind::Integer),
            "display_name" => Some(FieldKind::Char),
            _ => model
                .field(field)
                .filter(|f| f.searchable())
                .map(|f| f.ty.kind()),
        }
    }

    fn is_stored(&self, model: &str, field: &str) -> bool {
        self.model(model)
            .and_then(|m| m.field(field))
            .is_some_and(|f| f.column.is_some())
            || field == "id"
            || field == "display_name"
    }
}
