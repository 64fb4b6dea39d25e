//! Products: incremental variant reads by `write_date`, templates, attribute values, ids for
//! deletion reconciliation, template creation.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value, json};

use super::OdooClient;
use super::calls::inactive_too;
use super::error::OdooError;
use super::records::{Many2One, Record, add_seconds, ids_from_value, is_odoo_datetime};
use super::transport::Args;
use super::version::OdooVersion;

/// `product.product`.
pub(crate) const VARIANT_MODEL: &str = "product.product";
/// `product.template`.
pub(crate) const TEMPLATE_MODEL: &str = "product.template";
/// `product.template.attribute.value`.
pub(crate) const PTAV_MODEL: &str = "product.template.attribute.value";

/// A product variant (`product.product`) with the connector fields and its template's values.
#[derive(Debug, Clone, PartialEq)]
pub struct OdooVariant {
    /// Variant id.
    pub id: i64,
    /// Template id.
    pub template_id: i64,
    /// Internal reference (SKU); not unique in Odoo.
    pub default_code: Option<String>,
    /// Barcode (unique in Odoo when set).
    pub barcode: Option<String>,
    /// Product name (the template's).
    pub name: String,
    /// Display name, e.g. `"[DESK0005] Customizable Desk (Custom, White)"`.
    pub display_name: String,
    /// Sales price of the variant (template price + attribute extras).
    pub lst_price: f64,
    /// Cost (company dependent).
    pub standard_price: f64,
    /// Archive flag.
    pub active: bool,
    /// Last write of the variant record, UTC `"YYYY-MM-DD HH:MM:SS"`.
    pub write_date: String,
    /// `product.template.attribute.value` ids (see [`OdooClient::fetch_attribute_values`]).
    pub attribute_value_ids: Vec<i64>,
    /// `type`: `consu`, `service`, `combo` (16–17: `product` too).
    pub product_type: Option<String>,
    /// Stock-tracked goods (`is_storable` 18+, `detailed_type == 'product'` 16–17).
    pub is_storable: bool,
    /// The template's values (description, list price, currency), read in one batch per page.
    pub template: Option<OdooTemplate>,
}

/// A product template (`product.template`).
#[derive(Debug, Clone, PartialEq)]
pub struct OdooTemplate {
    /// Template id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Sales description.
    pub description_sale: Option<String>,
    /// Sales price.
    pub list_price: f64,
    /// Currency of the prices (the company's).
    pub currency: Option<Many2One>,
    /// Internal reference (set when the template has one variant).
    pub default_code: Option<String>,
    /// Archive flag.
    pub active: bool,
    /// Last write of the template record (independent of its variants').
    pub write_date: Option<String>,
    /// Variant ids (active ones).
    pub variant_ids: Vec<i64>,
    /// `type`.
    pub product_type: Option<String>,
    /// Stock-tracked goods.
    pub is_storable: bool,
}

/// A `product.template.attribute.value` (one attribute value as used by one template).
#[derive(Debug, Clone, PartialEq)]
pub struct OdooAttributeValue {
    /// Id.
    pub id: i64,
    /// Value name, e.g. `"White"`.
    pub name: String,
    /// Attribute, e.g. `[2, "Color"]`.
    pub attribute: Option<Many2One>,
    /// Extra price of this value on this template.
    pub price_extra: f64,
    /// Display name, e.g. `"Color: White"`.
    pub display_name: String,
}

/// One page of [`OdooClient::fetch_variants_since`].
#[derive(Debug, Clone, PartialEq)]
pub struct VariantPage {
    /// The variants, by `write_date`; each with its template.
    pub variants: Vec<OdooVariant>,
    /// Cursor for the next call: the last second returned (or the input cursor).
    pub next_cursor: Option<String>,
    /// With `next_cursor`: every variant of that second with an id up to this one was returned.
    pub next_after_id: i64,
    /// `true` when the page was cut by `limit`: call again at once with the next cursor.
    pub has_more: bool,
}

fn variant_fields(version: &OdooVersion) -> Vec<&'static str> {
    vec![
        "product_tmpl_id",
        "default_code",
        "barcode",
        "name",
        "display_name",
        "lst_price",
        "standard_price",
        "active",
        "write_date",
        "product_template_attribute_value_ids",
        "type",
        version.storable_field(),
    ]
}

fn template_fields(version: &OdooVersion) -> Vec<&'static str> {
    vec![
        "name",
        "description_sale",
        "list_price",
        "currency_id",
        "default_code",
        "active",
        "write_date",
        "product_variant_ids",
        "type",
        version.storable_field(),
    ]
}

impl OdooVariant {
    fn from_record(r: &Record, version: &OdooVersion) -> Result<Self, OdooError> {
        let template = r.many2one("product_tmpl_id")?.ok_or_else(|| {
            OdooError::Decode(format!(
                "{} id {} field product_tmpl_id: expected [id, name], got false",
                r.model(),
                r.id()
            ))
        })?;
        Ok(OdooVariant {
            id: r.id(),
            template_id: template.id,
            default_code: r.char("default_code")?,
            barcode: r.char("barcode")?,
            name: r.char_or_empty("name")?,
            display_name: r.char_or_empty("display_name")?,
            lst_price: r.float("lst_price")?,
            standard_price: r.float("standard_price")?,
            active: r.boolean("active")?,
            write_date: r.required_datetime("write_date")?,
            attribute_value_ids: r.ids("product_template_attribute_value_ids")?,
            product_type: r.char("type")?,
            is_storable: version.is_storable_value(r.get(version.storable_field())),
            template: None,
        })
    }
}

impl OdooTemplate {
    fn from_record(r: &Record, version: &OdooVersion) -> Result<Self, OdooError> {
        Ok(OdooTemplate {
            id: r.id(),
            name: r.char_or_empty("name")?,
            description_sale: r.char("description_sale")?,
            list_price: r.float("list_price")?,
            currency: r.many2one("currency_id")?,
            default_code: r.char("default_code")?,
            active: r.boolean("active")?,
            write_date: r.datetime("write_date")?,
            variant_ids: r.ids("product_variant_ids")?,
            product_type: r.char("type")?,
            is_storable: version.is_storable_value(r.get(version.storable_field())),
        })
    }
}

impl OdooAttributeValue {
    fn from_record(r: &Record) -> Result<Self, OdooError> {
        Ok(OdooAttributeValue {
            id: r.id(),
            name: r.char_or_empty("name")?,
            attribute: r.many2one("attribute_id")?,
            price_extra: r.float("price_extra")?,
            display_name: r.char_or_empty("display_name")?,
        })
    }
}

/// The `write_date` of a raw variant row (must be present: it drives the cursor).
fn row_write_date(r: &Record) -> Result<String, OdooError> {
    r.required_datetime("write_date")
}

impl OdooClient {
    /// Variants changed since `cursor`, archived ones included (`active_test: false`), ordered by
    /// `write_date asc, id asc`, at most `limit` per call, each with its template (one batched
    /// `product.template` read per page).
    ///
    /// Cursor semantics: `(cursor, after_id)` says that every variant whose `write_date` second
    /// is before `cursor`, and every one *in* the `cursor` second with `id <= after_id`, has been
    /// seen. Odoo stores `write_date` with microseconds but shows seconds, and sorts by the stored
    /// value, so inside one second the id order is not the sort order. This method therefore
    /// (1) reads the rest of the cursor second ordered by id, (2) reads later rows with
    /// `write_date >= next second` ordered by `write_date asc, id asc`, and (3) never ends a page in
    /// the middle of a second (a second larger than the page is read alone, by id). No row is
    /// skipped; pass the returned `next_cursor` / `next_after_id` to the next call.
    ///
    /// `write_date` is the start of the writing transaction: a long transaction can commit rows
    /// older than ones already seen. Callers should restart from a cursor some minutes behind
    /// (`docs/odoo-rpc.md` §10) and process rows idempotently.
    pub async fn fetch_variants_since(
        &self,
        cursor: Option<&str>,
        after_id: i64,
        limit: usize,
    ) -> Result<VariantPage, OdooError> {
        let limit = limit.max(1);
        let version = self.version().clone();
        let fields = variant_fields(&version);
        let next_second = |c: &str| {
            add_seconds(c, 1).ok_or_else(|| {
                OdooError::InvalidArgument(format!("cursor {c:?} is not \"YYYY-MM-DD HH:MM:SS\""))
            })
        };
        if let Some(c) = cursor
            && !is_odoo_datetime(c)
        {
            return Err(OdooError::InvalidArgument(format!(
                "cursor {c:?} is not \"YYYY-MM-DD HH:MM:SS\""
            )));
        }

        let mut rows: Vec<Record> = Vec::new();
        let mut has_more = false;
        // (1) The rest of the cursor second (ids above `after_id`) and every later second, in
        // one read: the rest of the cursor second sorts before any later second.
        let later_domain = match cursor {
            Some(c) if after_id > 0 => {
                let next = next_second(c)?;
                json!([
                    "&",
                    ["write_date", ">=", c],
                    "|",
                    ["write_date", ">=", next],
                    ["id", ">", after_id]
                ])
            }
            Some(c) => json!([["write_date", ">=", c]]),
            None => json!([]),
        };
        // (2) Later seconds, by write_date then id.
        if !has_more {
            let want = limit - rows.len();
            let later = self
                .search_read(
                    VARIANT_MODEL,
                    later_domain,
                    &fields,
                    Some("write_date asc, id asc"),
                    Some(want),
                    0,
                    Some(inactive_too()),
                )
                .await?;
            if later.len() < want {
                rows.extend(later);
            } else {
                has_more = true;
                // (3) Do not end inside a second: drop the last second's rows...
                let last_second = match later.last() {
                    Some(r) => row_write_date(r)?,
                    None => String::new(),
                };
                let mut kept = Vec::with_capacity(later.len());
                for r in later {
                    if row_write_date(&r)? < last_second {
                        kept.push(r);
                    }
                }
                if kept.is_empty() && rows.is_empty() {
                    // ...unless that second fills the whole page: read it alone, by id (past
                    // `after_id` when it is the cursor's second).
                    let next = next_second(&last_second)?;
                    let floor = if cursor == Some(last_second.as_str()) {
                        after_id
                    } else {
                        0
                    };
                    let same = self
                        .search_read(
                            VARIANT_MODEL,
                            json!([
                                ["write_date", ">=", last_second],
                                ["write_date", "<", next],
                                ["id", ">", floor]
                            ]),
                            &fields,
                            Some("id asc"),
                            Some(limit),
                            0,
                            Some(inactive_too()),
                        )
                        .await?;
                    rows.extend(same);
                } else {
                    rows.extend(kept);
                }
            }
        }

        let mut variants = rows
            .iter()
            .map(|r| OdooVariant::from_record(r, &version))
            .collect::<Result<Vec<_>, _>>()?;
        let (next_cursor, next_after_id) = match variants.iter().map(|v| &v.write_date).max() {
            Some(last) => {
                let max_id = variants
                    .iter()
                    .filter(|v| &v.write_date == last)
                    .map(|v| v.id)
                    .max()
                    .unwrap_or(0);
                (Some(last.clone()), max_id)
            }
            None => (cursor.map(str::to_owned), after_id),
        };
        self.attach_templates(&mut variants).await?;
        Ok(VariantPage {
            variants,
            next_cursor,
            next_after_id,
            has_more,
        })
    }

    /// Reads variants by id (chunked), each with its template; missing ids are left out.
    pub async fn read_variants(&self, ids: &[i64]) -> Result<Vec<OdooVariant>, OdooError> {
        let version = self.version().clone();
        let rows = self
            .read(VARIANT_MODEL, ids, &variant_fields(&version), None)
            .await?;
        let mut variants = rows
            .iter()
            .map(|r| OdooVariant::from_record(r, &version))
            .collect::<Result<Vec<_>, _>>()?;
        self.attach_templates(&mut variants).await?;
        Ok(variants)
    }

    /// Reads the templates of `variants` in one batch (per `page_size` ids) and attaches them.
    async fn attach_templates(&self, variants: &mut [OdooVariant]) -> Result<(), OdooError> {
        let ids: Vec<i64> = variants
            .iter()
            .map(|v| v.template_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let templates: HashMap<i64, OdooTemplate> = self
            .fetch_templates(&ids)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        for v in variants.iter_mut() {
            v.template = templates.get(&v.template_id).cloned();
        }
        Ok(())
    }

    /// Reads templates by id (chunked); missing ids are left out.
    pub async fn fetch_templates(&self, ids: &[i64]) -> Result<Vec<OdooTemplate>, OdooError> {
        let version = self.version().clone();
        self.read(TEMPLATE_MODEL, ids, &template_fields(&version), None)
            .await?
            .iter()
            .map(|r| OdooTemplate::from_record(r, &version))
            .collect()
    }

    /// Reads `product.template.attribute.value` records by id (chunked).
    pub async fn fetch_attribute_values(
        &self,
        ids: &[i64],
    ) -> Result<Vec<OdooAttributeValue>, OdooError> {
        self.read(
            PTAV_MODEL,
            ids,
            &["name", "attribute_id", "price_extra", "display_name"],
            None,
        )
        .await?
        .iter()
        .map(OdooAttributeValue::from_record)
        .collect()
    }

    /// Every variant id, archived ones included, ascending (keyset pages of `page_size` on `id`),
    /// for deletion reconciliation.
    pub async fn all_variant_ids(&self) -> Result<Vec<i64>, OdooError> {
        let page = self.page_size();
        let mut out: Vec<i64> = Vec::new();
        loop {
            let last = out.last().copied().unwrap_or(0);
            let args = Args::new()
                .arg("domain", json!([["id", ">", last]]))
                .arg("limit", page)
                .arg("order", "id asc")
                .context(inactive_too())
                .retry_safe();
            let value = self.call(VARIANT_MODEL, "search", args).await?;
            let ids = ids_from_value(VARIANT_MODEL, &value)?;
            let n = ids.len();
            if ids.iter().any(|id| *id <= last) {
                return Err(OdooError::Decode(format!(
                    "{VARIANT_MODEL}.search: ids not ascending after {last}"
                )));
            }
            out.extend(ids);
            if n < page {
                return Ok(out);
            }
        }
    }

    /// Creates a product template (Odoo creates its variants); returns the template id. Use
    /// [`OdooVersion::storable_vals`] for the product type fields.
    pub async fn create_template(&self, vals: Map<String, Value>) -> Result<i64, OdooError> {
        self.create(TEMPLATE_MODEL, vals, None).await
    }
}
