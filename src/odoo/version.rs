//! Odoo server version and every version-dependent fact the sync flows need, in one place.
//!
//! Sources: `docs/odoo-rpc.md` (§2.3, §6.2, §8), `docs/odoo-observed-18.md`,
//! `docs/odoo-observed-19.md` (§5), checked against the 18.0 and 19.0 transcripts where they show it.
//! SaaS versions (`saas~17.4`) sit between two majors: the boundary is exact where the change is
//! known by its PR label (17.3 `is_storable`, 18.1 JSON-RPC error code 0), and otherwise the next
//! major version is assumed.

use std::fmt;

use serde_json::{Map, Value, json};

use super::error::OdooError;

/// A server version as reported by `common.version` (`server_version_info`) or `/web/version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OdooVersion {
    /// Major series, e.g. `18` (also for `saas~18.3`).
    pub major: u32,
    /// Minor series, `0` for a stable release, `3` for `saas~18.3`.
    pub minor: u32,
    /// The version string as the server gave it, e.g. `"18.0"`, `"saas~17.4"`, `"17.0+e"`.
    pub raw: String,
}

impl fmt::Display for OdooVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Leading decimal digits of `s` as a number.
fn leading_number(s: &str) -> Option<u32> {
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

impl OdooVersion {
    /// A version from its parts; `raw` becomes `"<major>.<minor>"`.
    pub fn new(major: u32, minor: u32) -> Self {
        OdooVersion {
            major,
            minor,
            raw: format!("{major}.{minor}"),
        }
    }

    /// Parses a version string: `"18.0"`, `"saas~17.4"`, `"17.0+e"`, `"19.0-20250101"`.
    pub fn parse(raw: &str) -> Result<Self, OdooError> {
        let trimmed = raw.trim();
        let body = trimmed.strip_prefix("saas~").unwrap_or(trimmed);
        let major = leading_number(body)
            .ok_or_else(|| OdooError::Decode(format!("unrecognised Odoo version {raw:?}")))?;
        let minor = body
            .split_once('.')
            .and_then(|(_, rest)| leading_number(rest))
            .unwrap_or(0);
        Ok(OdooVersion {
            major,
            minor,
            raw: trimmed.to_owned(),
        })
    }

    /// Reads `server_version_info` (`[18, 0, 0, "final", 0, ""]` or `["saas~17", 4, ...]`), with the
    /// `server_version` string as `raw` when given.
    pub fn from_version_info(
        info: &Value,
        server_version: Option<&str>,
    ) -> Result<Self, OdooError> {
        let bad = || OdooError::Decode(format!("unrecognised server_version_info {info}"));
        let items = info.as_array().ok_or_else(bad)?;
        let major = match items.first() {
            Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            Some(Value::String(s)) => leading_number(s.strip_prefix("saas~").unwrap_or(s)),
            _ => None,
        }
        .ok_or_else(bad)?;
        let minor = items
            .get(1)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0);
        let raw = server_version
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{major}.{minor}"));
        Ok(OdooVersion { major, minor, raw })
    }

    /// `true` when this version is `major.minor` or later.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// JSON-2 (`POST /json/2/<model>/<method>` with a bearer key) exists (19+).
    pub fn has_json2(&self) -> bool {
        self.major >= 19
    }

    /// `/jsonrpc` and `/xmlrpc` log a deprecation warning on every call (19+; removal planned).
    pub fn jsonrpc_deprecated(&self) -> bool {
        self.major >= 19
    }

    /// `error.code` of a JSON-RPC server error: 200 up to 18.0, 0 from 18.1 (odoo/odoo#183902).
    pub fn jsonrpc_error_code(&self) -> i64 {
        if self.at_least(18, 1) { 0 } else { 200 }
    }

    /// The field that marks stock-tracked products: `detailed_type` (value `'product'`) up to 17.2,
    /// the boolean `is_storable` from 17.3 (odoo/odoo#165372; so in 18 and 19).
    pub fn storable_field(&self) -> &'static str {
        if self.uses_is_storable() {
            "is_storable"
        } else {
            "detailed_type"
        }
    }

    fn uses_is_storable(&self) -> bool {
        self.at_least(17, 3)
    }

    /// Domain leaf selecting storable products.
    pub fn storable_domain_leaf(&self) -> Value {
        if self.uses_is_storable() {
            json!(["is_storable", "=", true])
        } else {
            json!(["detailed_type", "=", "product"])
        }
    }

    /// Values that make a new product template storable goods (or plain goods when `storable` is
    /// false): `{type: consu, is_storable}` from 17.3, `{detailed_type: product|consu}` before.
    pub fn storable_vals(&self, storable: bool) -> Map<String, Value> {
        let mut vals = Map::new();
        if self.uses_is_storable() {
            vals.insert("type".into(), json!("consu"));
            vals.insert("is_storable".into(), json!(storable));
        } else {
            let t = if storable { "product" } else { "consu" };
            vals.insert("detailed_type".into(), json!(t));
        }
        vals
    }

    /// Whether a product record read with [`storable_field`](Self::storable_field) is storable.
    pub fn is_storable_value(&self, value: Option<&Value>) -> bool {
        match value {
            Some(Value::Bool(b)) if self.uses_is_storable() => *b,
            Some(Value::String(s)) if !self.uses_is_storable() => s == "product",
            _ => false,
        }
    }

    /// Values of `product.template.type`: 16–17 `consu`/`service`/`product`; 18+ `consu`/`service`/`combo`.
    pub fn product_type_values(&self) -> &'static [&'static str] {
        if self.major >= 18 {
            &["consu", "service", "combo"]
        } else {
            &["consu", "service", "product"]
        }
    }

    /// `sale.order.line` unit of measure field: `product_uom` up to 18, `product_uom_id` in 19.
    pub fn sale_line_uom_field(&self) -> &'static str {
        if self.major >= 19 {
            "product_uom_id"
        } else {
            "product_uom"
        }
    }

    /// `sale.order.line` taxes field: `tax_id` up to 18, `tax_ids` in 19 (odoo/odoo#186869).
    pub fn sale_line_tax_field(&self) -> &'static str {
        if self.major >= 19 {
            "tax_ids"
        } else {
            "tax_id"
        }
    }

    /// Name of `name_search`'s domain parameter: `args` up to 18, `domain` in 19.
    pub fn name_search_domain_arg(&self) -> &'static str {
        if self.major >= 19 { "domain" } else { "args" }
    }

    /// `res.partner.mobile` exists (removed in 19, odoo/odoo#189739).
    pub fn partner_has_mobile(&self) -> bool {
        self.major < 19
    }

    /// Values of `res.partner.type`: 16 also has `private` (removed in 17, odoo/odoo#120586).
    pub fn partner_types(&self) -> &'static [&'static str] {
        if self.major >= 17 {
            &["contact", "invoice", "delivery", "other"]
        } else {
            &["contact", "invoice", "delivery", "private", "other"]
        }
    }

    /// `search(..., count=True)` is accepted (16 only; 17+ raise TypeError: use `search_count`).
    pub fn search_supports_count(&self) -> bool {
        self.major < 17
    }

    /// `name_get` can be called (16–17; removed in 18: read `display_name`).
    pub fn has_name_get(&self) -> bool {
        self.major < 18
    }

    /// Values of `sale.order.state`: 16 also has `done` (17+ use the boolean `locked`).
    pub fn sale_order_states(&self) -> &'static [&'static str] {
        if self.major >= 17 {
            &["draft", "sent", "sale", "cancel"]
        } else {
            &["draft", "sent", "sale", "done", "cancel"]
        }
    }

    /// `sale.order.locked` exists (17+, odoo/odoo#115871).
    pub fn sale_order_has_locked(&self) -> bool {
        self.major >= 17
    }

    /// `sale.order.pricelist_id` is required (16 only).
    pub fn sale_order_requires_pricelist(&self) -> bool {
        self.major < 17
    }

    /// `uom.category` / `uom.uom.category_id` exist (gone in 19).
    pub fn has_uom_category(&self) -> bool {
        self.major < 19
    }

    /// `product.packaging` and `sale.order.line.product_packaging_id` exist (gone in 19).
    pub fn has_product_packaging(&self) -> bool {
        self.major < 19
    }

    /// Domain operators `any` / `not any` are accepted (17+).
    pub fn supports_any_operator(&self) -> bool {
        self.major >= 17
    }

    /// Partner values made valid for this version: on 19 `mobile` is moved to `phone` (when `phone`
    /// is empty) or dropped, because an unknown field fails the whole `create`/`write`.
    pub fn adapt_partner_vals(&self, vals: &mut Map<String, Value>) {
        if self.partner_has_mobile() {
            return;
        }
        if let Some(mobile) = vals.remove("mobile") {
            let phone_empty = match vals.get("phone") {
                None | Some(Value::Null) | Some(Value::Bool(false)) => true,
                Some(Value::String(s)) => s.is_empty(),
                Some(_) => false,
            };
            if phone_empty && !matches!(mobile, Value::Null | Value::Bool(false)) {
                vals.insert("phone".into(), mobile);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_version_strings() {
        let v = OdooVersion::parse("18.0").unwrap();
        assert_eq!((v.major, v.minor, v.raw.as_str()), (18, 0, "18.0"));
        let v = OdooVersion::parse("saas~17.4").unwrap();
        assert_eq!((v.major, v.minor), (17, 4));
        let v = OdooVersion::parse("17.0+e").unwrap();
        assert_eq!((v.major, v.minor), (17, 0));
        let v = OdooVersion::parse("19.0-20250101").unwrap();
        assert_eq!((v.major, v.minor), (19, 0));
        assert!(matches!(
            OdooVersion::parse("abc"),
            Err(OdooError::Decode(_))
        ));
    }

    #[test]
    fn parses_version_info() {
        let v = OdooVersion::from_version_info(&json!([18, 0, 0, "final", 0, ""]), Some("18.0"))
            .unwrap();
        assert_eq!(v, OdooVersion::new(18, 0));
        let v = OdooVersion::from_version_info(&json!(["saas~17", 4, 0, "final", 0, ""]), None)
            .unwrap();
        assert_eq!((v.major, v.minor, v.raw.as_str()), (17, 4, "17.4"));
        assert!(OdooVersion::from_version_info(&json!({}), None).is_err());
    }

    #[test]
    fn version_facts() {
        let v16 = OdooVersion::new(16, 0);
        let v17 = OdooVersion::new(17, 0);
        let v18 = OdooVersion::new(18, 0);
        let v19 = OdooVersion::new(19, 0);
        assert_eq!(v16.storable_field(), "detailed_type");
        assert_eq!(v17.storable_field(), "detailed_type");
        assert_eq!(
            OdooVersion::parse("saas~17.3").unwrap().storable_field(),
            "is_storable"
        );
        assert_eq!(v18.storable_field(), "is_storable");
        assert_eq!(v19.storable_field(), "is_storable");
        assert!(v18.is_storable_value(Some(&json!(true))));
        assert!(v17.is_storable_value(Some(&json!("product"))));
        assert!(!v17.is_storable_value(Some(&json!("consu"))));
        assert_eq!(v18.sale_line_uom_field(), "product_uom");
        assert_eq!(v19.sale_line_uom_field(), "product_uom_id");
        assert_eq!(v18.sale_line_tax_field(), "tax_id");
        assert_eq!(v19.sale_line_tax_field(), "tax_ids");
        assert_eq!(v18.name_search_domain_arg(), "args");
        assert_eq!(v19.name_search_domain_arg(), "domain");
        assert!(v18.partner_has_mobile() && !v19.partner_has_mobile());
        assert_eq!(v18.jsonrpc_error_code(), 200);
        assert_eq!(v19.jsonrpc_error_code(), 0);
        assert!(v16.search_supports_count() && !v17.search_supports_count());
        assert!(v16.partner_types().contains(&"private"));
        assert!(!v17.partner_types().contains(&"private"));
        assert!(v16.sale_order_states().contains(&"done"));
        assert!(!v18.sale_order_states().contains(&"done"));
        assert!(v19.has_json2() && !v18.has_json2());
        assert_eq!(v17.product_type_values(), &["consu", "service", "product"]);
        assert_eq!(v18.product_type_values(), &["consu", "service", "combo"]);
    }

    #[test]
    fn partner_vals_on_19_drop_mobile() {
        let mut vals = Map::new();
        vals.insert("name".into(), json!("A"));
        vals.insert("mobile".into(), json!("+32 1"));
        OdooVersion::new(19, 0).adapt_partner_vals(&mut vals);
        assert_eq!(vals.get("phone"), Some(&json!("+32 1")));
        assert!(!vals.contains_key("mobile"));

        let mut vals = Map::new();
        vals.insert("phone".into(), json!("+32 2"));
        vals.insert("mobile".into(), json!("+32 1"));
        OdooVersion::new(19, 0).adapt_partner_vals(&mut vals);
        assert_eq!(vals.get("phone"), Some(&json!("+32 2")));
        assert!(!vals.contains_key("mobile"));

        let mut vals = Map::new();
        vals.insert("mobile".into(), json!("+32 1"));
        OdooVersion::new(18, 0).adapt_partner_vals(&mut vals);
        assert!(vals.contains_key("mobile"));
    }
}
