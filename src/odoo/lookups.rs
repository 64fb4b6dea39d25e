//! Cached lookups of slow-changing reference data: countries, states, currencies, units of
//! measure, taxes.
//!
//! Each cache is bounded, entries live one hour, and concurrent misses of one key make a single
//! RPC (`moka::future::Cache::try_get_with`). Errors are not cached; "not found" is (for the hour).

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;
use serde_json::json;

use super::OdooClient;
use super::calls::inactive_too;
use super::error::OdooError;
use super::records::{Many2One, Record};

/// How long a looked-up value is kept.
const LOOKUP_TTL: Duration = Duration::from_secs(3600);
/// Most entries of one keyed cache.
const LOOKUP_CAPACITY: u64 = 10_000;

/// A country (`res.country`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OdooCountry {
    /// Id.
    pub id: i64,
    /// ISO 3166 alpha-2 code, upper case.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A state / province (`res.country.state`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OdooState {
    /// Id.
    pub id: i64,
    /// Code within the country, e.g. `"TX"`.
    pub code: String,
    /// Name.
    pub name: String,
    /// Country id.
    pub country_id: Option<i64>,
}

/// A currency (`res.currency`), active or not.
#[derive(Debug, Clone, PartialEq)]
pub struct OdooCurrency {
    /// Id.
    pub id: i64,
    /// ISO 4217 code (Odoo's `name`).
    pub name: String,
    /// Symbol.
    pub symbol: Option<String>,
    /// Rounding factor, e.g. `0.01`.
    pub rounding: f64,
    /// Whether the currency is active (inactive ones cannot be used on orders).
    pub active: bool,
}

/// A unit of measure (`uom.uom`).
#[derive(Debug, Clone, PartialEq)]
pub struct OdooUom {
    /// Id.
    pub id: i64,
    /// Name, e.g. `"Units"`.
    pub name: String,
    /// Category (16–18; `None` on 19, which has no UoM categories).
    pub category: Option<Many2One>,
}

/// A tax (`account.tax`).
#[derive(Debug, Clone, PartialEq)]
pub struct OdooTax {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Amount (percent for `percent` taxes).
    pub amount: f64,
    /// `percent`, `fixed`, `division`, `group`.
    pub amount_type: String,
    /// `sale`, `purchase`, `none`.
    pub type_tax_use: String,
    /// Whether prices include this tax.
    pub price_include: bool,
    /// Company.
    pub company: Option<Many2One>,
}

/// The caches of one client (shared by its clones).
pub(crate) struct LookupCaches {
    countries: Cache<String, Option<OdooCountry>>,
    states: Cache<(String, String), Option<OdooState>>,
    currencies: Cache<String, Option<OdooCurrency>>,
    uoms: Cache<(), Arc<Vec<OdooUom>>>,
    taxes: Cache<(), Arc<Vec<OdooTax>>>,
}

fn keyed<K, V>() -> Cache<K, V>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    Cache::builder()
        .max_capacity(LOOKUP_CAPACITY)
        .time_to_live(LOOKUP_TTL)
        .build()
}

impl LookupCaches {
    pub(crate) fn new() -> Self {
        LookupCaches {
            countries: keyed(),
            states: keyed(),
            currencies: keyed(),
            uoms: keyed(),
            taxes: keyed(),
        }
    }

    pub(crate) fn clear(&self) {
        self.countries.invalidate_all();
        self.states.invalidate_all();
        self.currencies.invalidate_all();
        self.uoms.invalidate_all();
        self.taxes.invalidate_all();
    }
}

/// `try_get_with` shares one error between all waiters; hand each its own copy.
fn unshare(e: Arc<OdooError>) -> OdooError {
    Arc::unwrap_or_clone(e)
}

impl OdooCountry {
    fn from_record(r: &Record) -> Result<Self, OdooError> {
        Ok(OdooCountry {
            id: r.id(),
            code: r.char_or_empty("code")?,
            name: r.char_or_empty("name")?,
        })
    }
}

impl OdooState {
    fn from_record(r: &Record) -> Result<Self, OdooError> {
        Ok(OdooState {
            id: r.id(),
            code: r.char_or_empty("code")?,
            name: r.char_or_empty("name")?,
            country_id: r.many2one_id("country_id")?,
        })
    }
}

impl OdooCurrency {
    fn from_record(r: &Record) -> Result<Self, OdooError> {
        Ok(OdooCurrency {
            id: r.id(),
            name: r.char_or_empty("name")?,
            symbol: r.char("symbol")?,
            rounding: r.float("rounding")?,
            active: r.boolean("active")?,
        })
    }
}

impl OdooClient {
    /// The country with this ISO code (case-insensitive input), cached.
    pub async fn country_by_code(&self, code: &str) -> Result<Option<OdooCountry>, OdooError> {
        let code = code.trim().to_ascii_uppercase();
        let client = self.clone();
        self.inner
            .caches
            .countries
            .try_get_with(code.clone(), async move {
                let rows = client
                    .search_read(
                        "res.country",
                        json!([["code", "=", code]]),
                        &["code", "name"],
                        Some("id asc"),
                        Some(1),
                        0,
                        None,
                    )
                    .await?;
                rows.first().map(OdooCountry::from_record).transpose()
            })
            .await
            .map_err(unshare)
    }

    /// The state with this code in the country with this ISO code, cached.
    pub async fn state_by_code(
        &self,
        country_code: &str,
        state_code: &str,
    ) -> Result<Option<OdooState>, OdooError> {
        let country = country_code.trim().to_ascii_uppercase();
        let state = state_code.trim().to_owned();
        let client = self.clone();
        self.inner
            .caches
            .states
            .try_get_with((country.clone(), state.clone()), async move {
                let rows = client
                    .search_read(
                        "res.country.state",
                        json!([
                            ["country_id.code", "=", country],
                            ["code", "=ilike", super::calls::like_escape(&state)]
                        ]),
                        &["code", "name", "country_id"],
                        Some("id asc"),
                        Some(1),
                        0,
                        None,
                    )
                    .await?;
                rows.first().map(OdooState::from_record).transpose()
            })
            .await
            .map_err(unshare)
    }

    /// The currency with this ISO code, active or not (`active_test: false`: EUR is inactive in a
    /// USD database until enabled), cached.
    pub async fn currency_by_name(&self, name: &str) -> Result<Option<OdooCurrency>, OdooError> {
        let name = name.trim().to_ascii_uppercase();
        let client = self.clone();
        self.inner
            .caches
            .currencies
            .try_get_with(name.clone(), async move {
                let rows = client
                    .search_read(
                        "res.currency",
                        json!([["name", "=", name]]),
                        &["name", "symbol", "rounding", "active"],
                        Some("id asc"),
                        Some(1),
                        0,
                        Some(inactive_too()),
                    )
                    .await?;
                rows.first().map(OdooCurrency::from_record).transpose()
            })
            .await
            .map_err(unshare)
    }

    /// All active units of measure, cached.
    pub async fn uom_units(&self) -> Result<Vec<OdooUom>, OdooError> {
        let client = self.clone();
        let list = self
            .inner
            .caches
            .uoms
            .try_get_with((), async move {
                let with_category = client.version().has_uom_category();
                let mut fields = vec!["name"];
                if with_category {
                    fields.push("category_id");
                }
                let rows = client
                    .search_read_all("uom.uom", json!([]), &fields, Some("id asc"), None)
                    .await?;
                let list = rows
                    .iter()
                    .map(|r| {
                        Ok(OdooUom {
                            id: r.id(),
                            name: r.char_or_empty("name")?,
                            category: if with_category {
                                r.many2one("category_id")?
                            } else {
                                None
                            },
                        })
                    })
                    .collect::<Result<Vec<_>, OdooError>>()?;
                Ok::<_, OdooError>(Arc::new(list))
            })
            .await
            .map_err(unshare)?;
        Ok(list.as_ref().clone())
    }

    /// All active taxes (sale and purchase), cached.
    pub async fn taxes(&self) -> Result<Vec<OdooTax>, OdooError> {
        let client = self.clone();
        let list = self
            .inner
            .caches
            .taxes
            .try_get_with((), async move {
                let rows = client
                    .search_read_all(
                        "account.tax",
                        json!([]),
                        &[
                            "name",
                            "amount",
                            "amount_type",
                            "type_tax_use",
                            "price_include",
                            "company_id",
                        ],
                        Some("id asc"),
                        None,
                    )
                    .await?;
                let list = rows
                    .iter()
                    .map(|r| {
                        Ok(OdooTax {
                            id: r.id(),
                            name: r.char_or_empty("name")?,
                            amount: r.float("amount")?,
                            amount_type: r.char_or_empty("amount_type")?,
                            type_tax_use: r.char_or_empty("type_tax_use")?,
                            price_include: r.boolean("price_include")?,
                            company: r.many2one("company_id")?,
                        })
                    })
                    .collect::<Result<Vec<_>, OdooError>>()?;
                Ok::<_, OdooError>(Arc::new(list))
            })
            .await
            .map_err(unshare)?;
        Ok(list.as_ref().clone())
    }
}
