//! Stock: quantities per product (on hand, free, forecast) for locations or warehouses,
//! warehouses and internal locations.
//!
//! Quantities are non-stored computed fields of `product.product`; they honour the context keys
//! `location` and `warehouse` (an id or a list of ids) and never change `write_date`, so they are
//! read in pages of product ids rather than polled by date (`docs/odoo-rpc.md` §8.2, §10).

use serde_json::{Map, Value, json};

use super::OdooClient;
use super::error::OdooError;
use super::records::{Many2One, Record};

/// Which quantity to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockBasis {
    /// On hand: `qty_available`.
    OnHand,
    /// On hand minus reserved: `free_qty` (variant only).
    Free,
    /// On hand plus incoming minus outgoing: `virtual_available`.
    Forecast,
}

impl StockBasis {
    /// The `product.product` field.
    pub fn field(self) -> &'static str {
        match self {
            StockBasis::OnHand => "qty_available",
            StockBasis::Free => "free_qty",
            StockBasis::Forecast => "virtual_available",
        }
    }
}

/// Where to count.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StockScope {
    /// Every internal location of the companies in context (Odoo's default).
    #[default]
    All,
    /// These locations (and their children): context key `location`.
    Locations(Vec<i64>),
    /// These warehouses: context key `warehouse`.
    Warehouses(Vec<i64>),
}

impl StockScope {
    /// The context for this scope (`None` for [`StockScope::All`] or an empty list).
    pub fn context(&self) -> Option<Map<String, Value>> {
        let (key, ids) = match self {
            StockScope::All => return None,
            StockScope::Locations(ids) => ("location", ids),
            StockScope::Warehouses(ids) => ("warehouse", ids),
        };
        let value = match ids.as_slice() {
            [] => return None,
            [one] => json!(one),
            many => json!(many),
        };
        let mut ctx = Map::new();
        ctx.insert(key.to_owned(), value);
        Some(ctx)
    }
}

/// A quantity of one product.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StockLevel {
    /// `product.product` id.
    pub product_id: i64,
    /// Quantity in the product's unit.
    pub quantity: f64,
}

/// A warehouse (`stock.warehouse`).
#[derive(Debug, Clone, PartialEq)]
pub struct OdooWarehouse {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Short code, e.g. `"WH"`.
    pub code: String,
    /// Its stock location (`lot_stock_id`, e.g. `[8, "WH/Stock"]`).
    pub stock_location: Option<Many2One>,
    /// Company.
    pub company: Option<Many2One>,
}

/// An internal stock location (`stock.location`).
#[derive(Debug, Clone, PartialEq)]
pub struct OdooLocation {
    /// Id.
    pub id: i64,
    /// Short name, e.g. `"Stock"`.
    pub name: String,
    /// Full name, e.g. `"WH/Stock"`.
    pub complete_name: String,
    /// `internal`, `view`, `customer`, ...
    pub usage: String,
    /// Parent location.
    pub parent: Option<Many2One>,
    /// Warehouse the location belongs to.
    pub warehouse: Option<Many2One>,
    /// Company.
    pub company: Option<Many2One>,
}

impl OdooWarehouse {
    fn from_record(r: &Record) -> Result<Self, OdooError> {
        Ok(OdooWarehouse {
            id: r.id(),
            name: r.char_or_empty("name")?,
            code: r.char_or_empty("code")?,
            stock_location: r.many2one("lot_stock_id")?,
            company: r.many2one("company_id")?,
        })
    }
}

impl OdooLocation {
    fn from_record(r: &Record) -> Result<Self, OdooError> {
        Ok(OdooLocation {
            id: r.id(),
            name: r.char_or_empty("name")?,
            complete_name: r.char_or_empty("complete_name")?,
            usage: r.char_or_empty("usage")?,
            parent: r.many2one("location_id")?,
            warehouse: r.many2one("warehouse_id")?,
            company: r.many2one("company_id")?,
        })
    }
}

impl OdooClient {
    /// Quantities of `product_ids` on the given basis and scope, read in pages of `page_size` ids
    /// (one `read` per page with the scope's context). Products that no longer exist are left out.
    pub async fn stock_quantities(
        &self,
        product_ids: &[i64],
        basis: StockBasis,
        scope: &StockScope,
    ) -> Result<Vec<StockLevel>, OdooError> {
        let field = basis.field();
        self.read("product.product", product_ids, &[field], scope.context())
            .await?
            .iter()
            .map(|r| {
                Ok(StockLevel {
                    product_id: r.id(),
                    quantity: r.float(field)?,
                })
            })
            .collect()
    }

    /// All warehouses the user can see.
    pub async fn warehouses(&self) -> Result<Vec<OdooWarehouse>, OdooError> {
        self.search_read_all(
            "stock.warehouse",
            json!([]),
            &["name", "code", "lot_stock_id", "company_id"],
            Some("id asc"),
            None,
        )
        .await?
        .iter()
        .map(OdooWarehouse::from_record)
        .collect()
    }

    /// All internal locations (`usage = internal`), where stock is counted.
    pub async fn locations(&self) -> Result<Vec<OdooLocation>, OdooError> {
        self.search_read_all(
            "stock.location",
            json!([["usage", "=", "internal"]]),
            &[
                "name",
                "complete_name",
                "usage",
                "location_id",
                "warehouse_id",
                "company_id",
            ],
            Some("id asc"),
            None,
        )
        .await?
        .iter()
        .map(OdooLocation::from_record)
        .collect()
    }
}
