//! Pure mapping of a stored order to what Odoo is sent: the account's order policy, the
//! customer's values, and the sale order's lines under the tax policy.

use serde_json::{Map, Value, json};

use super::store::{LineToSend, OrderToSend, round2};
use crate::marketplaces::Address;

/// How the taxes of marketplace prices become Odoo taxes (account setting `tax_policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxPolicy {
    /// `odoo` (default): Odoo applies the product's own taxes (and the fiscal position) to the
    /// price before tax; tax-included marketplace prices are first brought back to that price
    /// with the marketplace's own tax amounts.
    Odoo,
    /// `match`: each line gets the Odoo sales tax whose rate is the one the marketplace
    /// charged, so that Odoo's taxes equal the marketplace's.
    Match,
    /// `none`: no taxes in Odoo; lines at the price the buyer paid.
    None,
}

/// An account's order settings (keys of `adlerdo.marketplace.settings`).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderPolicy {
    pub tax: TaxPolicy,
    /// `prices_include_tax` (bool, default false): whether the account's prices include tax
    /// when the marketplace does not say.
    pub prices_include_tax: bool,
    /// `delivery_product`: the internal reference (default_code) of the Odoo product shipping
    /// lines use; created as a service product when Odoo has none (default `ADLERDO-SHIPPING`).
    pub delivery_product: String,
    /// `odoo_team_id`, `odoo_warehouse_id`, `odoo_user_id`: optional ids set on the sale orders.
    pub team_id: Option<i64>,
    pub warehouse_id: Option<i64>,
    pub user_id: Option<i64>,
    /// `order_poll_secs`: this account's polling interval, when it differs from `[orders]`.
    pub poll_secs: Option<u64>,
}

/// The default shipping product's internal reference.
pub const DEFAULT_DELIVERY_PRODUCT: &str = "ADLERDO-SHIPPING";

impl OrderPolicy {
    /// Reads and checks the settings; `Err` names the bad one.
    pub fn from_settings(settings: &Map<String, Value>) -> Result<Self, String> {
        let tax = match settings.get("tax_policy") {
            None | Some(Value::Null) => TaxPolicy::Odoo,
            Some(Value::String(s)) => match s.as_str() {
                "odoo" | "" => TaxPolicy::Odoo,
                "match" => TaxPolicy::Match,
                "none" => TaxPolicy::None,
                other => {
                    return Err(format!(
                        "tax_policy: {other:?} is not one of \"odoo\", \"match\", \"none\""
                    ));
                }
            },
            Some(other) => return Err(format!("tax_policy: {other} is not a string")),
        };
        let prices_include_tax = match settings.get("prices_include_tax") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(format!("prices_include_tax: {other} is not true/false")),
        };
        let delivery_product = match settings.get("delivery_product") {
            None | Some(Value::Null) => DEFAULT_DELIVERY_PRODUCT.to_string(),
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(other) => {
                return Err(format!(
                    "delivery_product: {other} is not a product reference"
                ));
            }
        };
        let id = |key: &str| -> Result<Option<i64>, String> {
            match settings.get(key) {
                None | Some(Value::Null) | Some(Value::Bool(false)) => Ok(None),
                Some(v) => v
                    .as_i64()
                    .filter(|n| *n > 0)
                    .map(Some)
                    .ok_or_else(|| format!("{key}: {v} is not an Odoo id")),
            }
        };
        let poll_secs = match settings.get("order_poll_secs") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_u64()
                    .ok_or_else(|| format!("order_poll_secs: {v} is not a number of seconds"))?,
            ),
        };
        Ok(Self {
            tax,
            prices_include_tax,
            delivery_product,
            team_id: id("odoo_team_id")?,
            warehouse_id: id("odoo_warehouse_id")?,
            user_id: id("odoo_user_id")?,
            poll_secs,
        })
    }
}

/// The taxes an Odoo line gets.
#[derive(Debug, Clone, PartialEq)]
pub enum LineTaxes {
    /// Odoo computes them from the product.
    Product,
    /// The Odoo sales tax of this rate (percent), found by the sender; none when Odoo has no
    /// such tax.
    Rate(f64),
    /// No taxes.
    NoTax,
}

/// One Odoo line to create.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedLine {
    /// Odoo variant id.
    pub product_id: i64,
    pub name: String,
    pub quantity: f64,
    pub price_unit: f64,
    /// Percent.
    pub discount: f64,
    pub taxes: LineTaxes,
}

fn rate(tax: f64, net: f64) -> f64 {
    if net.abs() < 1e-9 || tax <= 0.0 {
        0.0
    } else {
        // Rates are quoted with up to two decimals (7.25 %, 19 %).
        ((tax / net) * 10_000.0).round() / 100.0
    }
}

/// The price before tax of an amount and its tax: the amount itself when prices exclude tax.
fn net_of(amount: f64, tax: f64, included: bool) -> f64 {
    if included { amount - tax } else { amount }
}

/// The lines of the sale order: one per marketplace line (its Odoo variant must be known), the
/// order-level discount spread over them, and a shipping line when shipping was charged.
pub fn plan_lines(
    order: &OrderToSend,
    policy: &OrderPolicy,
    shipping_product: Option<i64>,
) -> Result<Vec<PlannedLine>, String> {
    let included = order
        .prices_include_tax
        .unwrap_or(policy.prices_include_tax);
    let gross_lines: f64 = order
        .lines
        .iter()
        .map(|l| l.unit_price * l.quantity - l.discount)
        .sum();
    let mut out = Vec::with_capacity(order.lines.len() + 1);
    for line in &order.lines {
        let product_id = line.odoo_product_id.ok_or_else(|| {
            format!(
                "SKU {} has no Odoo variant",
                line.sku.as_deref().unwrap_or("?")
            )
        })?;
        out.push(plan_line(
            line,
            product_id,
            order,
            policy,
            included,
            gross_lines,
        ));
    }
    if order.amount_shipping > 0.0 {
        let product_id =
            shipping_product.ok_or_else(|| "no shipping product in Odoo".to_string())?;
        let net = net_of(order.amount_shipping, order.shipping_tax, included);
        let (price_unit, taxes) = match policy.tax {
            TaxPolicy::Odoo => (net, LineTaxes::Product),
            TaxPolicy::Match => (net, LineTaxes::Rate(rate(order.shipping_tax, net))),
            TaxPolicy::None => (
                if included {
                    order.amount_shipping
                } else {
                    order.amount_shipping + order.shipping_tax
                },
                LineTaxes::NoTax,
            ),
        };
        out.push(PlannedLine {
            product_id,
            name: "Shipping".into(),
            quantity: 1.0,
            price_unit: round6(price_unit),
            discount: 0.0,
            taxes,
        });
    }
    Ok(out)
}

fn plan_line(
    line: &LineToSend,
    product_id: i64,
    order: &OrderToSend,
    policy: &OrderPolicy,
    included: bool,
    gross_lines: f64,
) -> PlannedLine {
    let full = line.unit_price * line.quantity;
    let after_line_discount = full - line.discount;
    // The order's own discount, spread in proportion to each line's amount.
    let share = if gross_lines > 0.0 {
        order.amount_discount * after_line_discount / gross_lines
    } else {
        0.0
    };
    let discount_amount = line.discount + share;
    let discount = if full > 0.0 {
        (discount_amount / full * 100.0).clamp(0.0, 100.0)
    } else {
        0.0
    };
    let paid = full - discount_amount;
    // The tax share of one unit before discounts, for tax-included prices.
    let net_factor = if included && paid > 0.0 {
        ((paid - line.tax) / paid).max(0.0)
    } else {
        1.0
    };
    let (price_unit, taxes) = match policy.tax {
        TaxPolicy::Odoo => (line.unit_price * net_factor, LineTaxes::Product),
        TaxPolicy::Match => (
            line.unit_price * net_factor,
            LineTaxes::Rate(rate(line.tax, net_of(paid, line.tax, included))),
        ),
        TaxPolicy::None => {
            let unit = if included || line.quantity <= 0.0 {
                line.unit_price
            } else {
                // Prices before tax and no tax in Odoo: the tax goes into the price, so that the
                // buyer's total stays the same.
                line.unit_price + line.tax / line.quantity / (1.0 - discount / 100.0).max(1e-9)
            };
            (unit, LineTaxes::NoTax)
        }
    };
    PlannedLine {
        product_id,
        name: line_name(line),
        quantity: line.quantity,
        price_unit: round6(price_unit),
        discount: (discount * 10_000.0).round() / 10_000.0,
        taxes,
    }
}

fn line_name(line: &LineToSend) -> String {
    match &line.sku {
        Some(sku) if !line.title.is_empty() => format!("[{sku}] {}", line.title),
        Some(sku) => sku.clone(),
        None => line.title.clone(),
    }
}

fn round6(v: f64) -> f64 {
    (v * 1_000_000.0).round() / 1_000_000.0
}

/// A customer's identity for de-duplication: the email (lower case) when there is one, else
/// the name with the postal code and street.
pub fn customer_key(order: &OrderToSend) -> String {
    if let Some(email) = order
        .buyer_email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        return format!("email:{}", email.to_lowercase());
    }
    let a = order.shipping_address.clone().unwrap_or_default();
    format!(
        "name:{}|{}|{}",
        norm(customer_name(order).as_str()),
        norm(a.zip.as_deref().unwrap_or("")),
        norm(a.street.as_deref().unwrap_or(""))
    )
}

/// Lower case, single spaces.
pub fn norm(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The customer's name: the buyer's, else the shipping address's, else the email.
pub fn customer_name(order: &OrderToSend) -> String {
    let pick = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    pick(&order.buyer_name)
        .or_else(|| order.shipping_address.as_ref().and_then(|a| pick(&a.name)))
        .or_else(|| pick(&order.buyer_email))
        .unwrap_or_else(|| format!("Buyer of {}", order.external_id))
}

/// The address part of a partner's values (`country_id`/`state_id` resolved by the caller).
pub fn address_vals(
    a: &Address,
    country_id: Option<i64>,
    state_id: Option<i64>,
) -> Map<String, Value> {
    let mut vals = Map::new();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            vals.insert(k.into(), json!(v));
        }
    };
    put("street", &a.street);
    put("street2", &a.street2);
    put("city", &a.city);
    put("zip", &a.zip);
    put("phone", &a.phone);
    put("email", &a.email);
    if let Some(id) = country_id {
        vals.insert("country_id".into(), json!(id));
    }
    if let Some(id) = state_id {
        vals.insert("state_id".into(), json!(id));
    }
    vals
}

/// Whether two addresses are the same place for the same person (child contacts are reused).
pub fn same_address(a: &Address, b: &Address) -> bool {
    let n = |v: &Option<String>| norm(v.as_deref().unwrap_or(""));
    n(&a.name) == n(&b.name)
        && n(&a.street) == n(&b.street)
        && n(&a.street2) == n(&b.street2)
        && n(&a.zip) == n(&b.zip)
        && n(&a.city) == n(&b.city)
        && n(&a.country_code) == n(&b.country_code)
}

/// Why Odoo's total differs from the marketplace's, or `None` when they agree to the cent.
pub fn explain_difference(
    order: &OrderToSend,
    policy: &OrderPolicy,
    odoo_untaxed: f64,
    odoo_tax: f64,
    odoo_total: f64,
) -> Option<(f64, String)> {
    let diff = round2(odoo_total - order.amount_total);
    if diff.abs() < 0.01 {
        return None;
    }
    let tax_diff = round2(odoo_tax - order.amount_tax);
    let policy_name = match policy.tax {
        TaxPolicy::Odoo => "odoo",
        TaxPolicy::Match => "match",
        TaxPolicy::None => "none",
    };
    let why = if tax_diff.abs() >= 0.01 {
        format!(
            "Odoo's taxes are {odoo_tax:.2} where the marketplace charged {:.2} (tax policy {policy_name})",
            order.amount_tax
        )
    } else {
        format!(
            "Odoo's amount before tax is {odoo_untaxed:.2} (prices and discounts rounded by Odoo)"
        )
    };
    Some((
        diff,
        format!(
            "Odoo's total {odoo_total:.2} differs from the marketplace's {:.2} by {diff:+.2} {}: {why}",
            order.amount_total, order.currency
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(included: Option<bool>) -> OrderToSend {
        OrderToSend {
            id: 1,
            marketplace_id: 1,
            external_id: "A-1".into(),
            reference: None,
            state: "received".into(),
            buyer_name: Some("Ada".into()),
            buyer_email: Some("Ada@Example.com ".into()),
            buyer_phone: None,
            currency: "EUR".into(),
            amount_shipping: 6.0,
            shipping_tax: 1.0,
            amount_discount: 0.0,
            amount_tax: 5.0,
            amount_total: 30.0,
            prices_include_tax: included,
            shipping_address: Some(Address {
                name: Some("Ada".into()),
                street: Some("1 Rue".into()),
                zip: Some("75001".into()),
                city: Some("Paris".into()),
                country_code: Some("FR".into()),
                ..Address::default()
            }),
            billing_address: None,
            odoo_order_id: None,
            ordered_at: None,
            lines: vec![LineToSend {
                sku: Some("S1".into()),
                title: "Mug".into(),
                quantity: 2.0,
                unit_price: 12.0,
                discount: 0.0,
                tax: 4.0,
                product_id: Some(7),
                odoo_product_id: Some(70),
            }],
        }
    }

    fn policy(tax: TaxPolicy) -> OrderPolicy {
        let mut p = OrderPolicy::from_settings(&Map::new()).unwrap();
        p.tax = tax;
        p
    }

    #[test]
    fn settings_are_read_and_checked() {
        let p = OrderPolicy::from_settings(&Map::new()).unwrap();
        assert_eq!(p.tax, TaxPolicy::Odoo);
        assert_eq!(p.delivery_product, DEFAULT_DELIVERY_PRODUCT);
        let s = json!({"tax_policy": "match", "prices_include_tax": true, "odoo_team_id": 3,
                       "delivery_product": "SHIP", "order_poll_secs": 60});
        let p = OrderPolicy::from_settings(s.as_object().unwrap()).unwrap();
        assert_eq!(
            (
                p.tax,
                p.prices_include_tax,
                p.team_id,
                p.delivery_product.as_str(),
                p.poll_secs
            ),
            (TaxPolicy::Match, true, Some(3), "SHIP", Some(60))
        );
        for bad in [
            json!({"tax_policy": "sometimes"}),
            json!({"prices_include_tax": "yes"}),
            json!({"odoo_team_id": "x"}),
            json!({"odoo_team_id": -1}),
            json!({"order_poll_secs": -5}),
        ] {
            assert!(
                OrderPolicy::from_settings(bad.as_object().unwrap()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn tax_included_prices_come_back_to_the_net_price() {
        let lines = plan_lines(&order(Some(true)), &policy(TaxPolicy::Odoo), Some(99)).unwrap();
        assert_eq!(lines.len(), 2);
        // 24 paid, 4 of it tax: 20 net for two units.
        assert_eq!(lines[0].price_unit, 10.0);
        assert_eq!(lines[0].taxes, LineTaxes::Product);
        assert_eq!(lines[0].name, "[S1] Mug");
        assert_eq!((lines[1].product_id, lines[1].price_unit), (99, 5.0));
    }

    #[test]
    fn match_finds_the_marketplace_rate() {
        let lines = plan_lines(&order(Some(true)), &policy(TaxPolicy::Match), Some(99)).unwrap();
        assert_eq!(lines[0].taxes, LineTaxes::Rate(20.0));
        assert_eq!(lines[1].taxes, LineTaxes::Rate(20.0));
        let lines = plan_lines(&order(Some(false)), &policy(TaxPolicy::Match), Some(99)).unwrap();
        assert_eq!(lines[0].price_unit, 12.0);
        // 4 on 24 before tax.
        assert_eq!(lines[0].taxes, LineTaxes::Rate(16.67));
    }

    #[test]
    fn no_tax_keeps_what_the_buyer_paid() {
        let lines = plan_lines(&order(Some(false)), &policy(TaxPolicy::None), Some(99)).unwrap();
        assert_eq!(lines[0].price_unit, 14.0);
        assert_eq!(lines[1].price_unit, 7.0);
        assert!(lines.iter().all(|l| l.taxes == LineTaxes::NoTax));
    }

    #[test]
    fn discounts_become_percentages_and_the_order_discount_is_spread() {
        let mut o = order(Some(false));
        o.lines[0].discount = 6.0;
        o.amount_discount = 3.0;
        o.amount_shipping = 0.0;
        let lines = plan_lines(&o, &policy(TaxPolicy::Odoo), None).unwrap();
        assert_eq!(lines.len(), 1);
        // 6 + 3 off 24.
        assert_eq!(lines[0].discount, 37.5);
    }

    #[test]
    fn a_line_without_an_odoo_variant_or_shipping_product_is_refused() {
        let mut o = order(None);
        o.lines[0].odoo_product_id = None;
        assert!(plan_lines(&o, &policy(TaxPolicy::Odoo), Some(1)).is_err());
        assert!(plan_lines(&order(None), &policy(TaxPolicy::Odoo), None).is_err());
    }

    #[test]
    fn customers_are_keyed_by_email_then_name_and_address() {
        assert_eq!(customer_key(&order(None)), "email:ada@example.com");
        let mut o = order(None);
        o.buyer_email = None;
        assert_eq!(customer_key(&o), "name:ada|75001|1 rue");
    }

    #[test]
    fn differences_are_explained() {
        let o = order(Some(false));
        let p = policy(TaxPolicy::Odoo);
        assert_eq!(explain_difference(&o, &p, 25.0, 5.0, 30.0), None);
        let (d, why) = explain_difference(&o, &p, 25.0, 6.0, 31.0).unwrap();
        assert_eq!(d, 1.0);
        assert!(
            why.contains("taxes are 6.00") && why.contains("+1.00 EUR"),
            "{why}"
        );
    }
}
