//! The hub's checks of an order before anything of it goes to Odoo: an order that fails them
//! waits as `failed` with the reason, and nothing is created in Odoo.

use crate::marketplaces::MarketOrder;

/// Totals above this are taken for a marketplace's or a parser's mistake.
const ABSURD_TOTAL: f64 = 10_000_000.0;

/// Why the order cannot go to Odoo as it is, if anything.
pub fn order(o: &MarketOrder) -> Result<(), String> {
    if o.lines.is_empty() {
        return Err("the order has no lines".into());
    }
    if o.currency.len() != 3 || !o.currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(format!("currency {:?} is not an ISO 4217 code", o.currency));
    }
    for line in &o.lines {
        let name = line.sku.as_deref().unwrap_or(&line.external_id);
        if !line.quantity.is_finite() || line.quantity <= 0.0 {
            return Err(format!(
                "line {name}: quantity {} is not positive",
                line.quantity
            ));
        }
        if line.quantity.fract() != 0.0 {
            return Err(format!(
                "line {name}: quantity {} is not a whole number",
                line.quantity
            ));
        }
        for (what, v) in [
            ("unit price", line.unit_price),
            ("discount", line.discount),
            ("tax", line.tax),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(format!(
                    "line {name}: {what} {v} is negative or not a number"
                ));
            }
        }
        if line.discount > line.unit_price * line.quantity + 0.005 {
            return Err(format!(
                "line {name}: discount {} is more than the line ({})",
                line.discount,
                line.unit_price * line.quantity
            ));
        }
    }
    for (what, v) in [
        ("shipping", o.shipping),
        ("shipping tax", o.shipping_tax),
        ("discount", o.discount),
        ("tax", o.tax_total),
        ("total", o.total),
    ] {
        if !v.is_finite() || v < 0.0 {
            return Err(format!("{what} {v} is negative or not a number"));
        }
    }
    if o.total > ABSURD_TOTAL {
        return Err(format!(
            "total {} {} is not believable",
            o.total, o.currency
        ));
    }
    // The marketplace's total must follow from its lines, with or without tax on top (a
    // marketplace does not always say whether its prices include tax).
    let lines: f64 = o
        .lines
        .iter()
        .map(|l| l.unit_price * l.quantity - l.discount)
        .sum::<f64>()
        + o.shipping
        - o.discount;
    let tolerance = (0.02 * o.total).max(1.0);
    let included = (lines - o.total).abs() <= tolerance;
    let on_top = (lines + o.tax_total - o.total).abs() <= tolerance;
    if !included && !on_top {
        return Err(format!(
            "total {:.2} does not follow from the lines ({:.2} before tax, {:.2} with tax)",
            o.total,
            lines,
            lines + o.tax_total
        ));
    }
    let Some(address) = &o.shipping_address else {
        return Err("the order has no shipping address".into());
    };
    match address.country_code.as_deref().map(str::trim) {
        Some(code) if code.len() == 2 && code.chars().all(|c| c.is_ascii_alphabetic()) => {}
        Some(code) => {
            return Err(format!(
                "shipping address: country {code:?} is not an ISO code"
            ));
        }
        None => return Err("shipping address: no country".into()),
    }
    let has = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    if !has(&address.city) && !has(&address.zip) {
        return Err("shipping address: neither a city nor a postal code".into());
    }
    if !has(&address.name) && !has(&o.buyer.name) && !has(&o.buyer.email) {
        return Err("neither the buyer nor the shipping address has a name or an email".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketplaces::{Address, Buyer, MarketOrderLine, OrderStatus};

    pub(crate) fn sample() -> MarketOrder {
        MarketOrder {
            external_id: "111-2222222-3333333".into(),
            reference: None,
            status: OrderStatus::Open,
            external_status: "UNSHIPPED".into(),
            created_at: 1_700_000_000_000,
            updated_at: 1_700_000_000_000,
            currency: "USD".into(),
            buyer: Buyer {
                external_id: None,
                name: Some("Ada Buyer".into()),
                email: Some("ada@example.com".into()),
                phone: None,
            },
            shipping_address: Some(Address {
                name: Some("Ada Buyer".into()),
                street: Some("1 Main St".into()),
                city: Some("Springfield".into()),
                zip: Some("12345".into()),
                country_code: Some("US".into()),
                ..Address::default()
            }),
            billing_address: None,
            lines: vec![MarketOrderLine {
                external_id: "1".into(),
                sku: Some("SKU-1".into()),
                title: "Thing".into(),
                quantity: 2.0,
                unit_price: 10.0,
                discount: 1.0,
                tax: 1.9,
            }],
            shipping: 5.0,
            shipping_tax: 0.5,
            discount: 0.0,
            tax_total: 2.4,
            total: 26.4,
            prices_include_tax: None,
            raw: serde_json::json!({}),
        }
    }

    #[test]
    fn a_sound_order_passes() {
        assert_eq!(order(&sample()), Ok(()));
        let mut included = sample();
        included.total = 24.0;
        assert_eq!(order(&included), Ok(()));
    }

    #[test]
    fn bad_orders_say_why() {
        type Change = Box<dyn Fn(&mut MarketOrder)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|o| o.lines.clear()), "no lines"),
            (Box::new(|o| o.lines[0].quantity = 0.0), "not positive"),
            (Box::new(|o| o.lines[0].quantity = -1.0), "not positive"),
            (Box::new(|o| o.lines[0].quantity = 1.5), "whole number"),
            (Box::new(|o| o.lines[0].unit_price = -3.0), "negative"),
            (
                Box::new(|o| o.lines[0].discount = 50.0),
                "more than the line",
            ),
            (Box::new(|o| o.currency = "dollars".into()), "ISO 4217"),
            (Box::new(|o| o.total = 99_999_999.0), "not believable"),
            (Box::new(|o| o.total = 500.0), "does not follow"),
            (Box::new(|o| o.total = f64::NAN), "not a number"),
            (
                Box::new(|o| o.shipping_address = None),
                "no shipping address",
            ),
            (
                Box::new(|o| {
                    if let Some(a) = o.shipping_address.as_mut() {
                        a.country_code = None;
                    }
                }),
                "no country",
            ),
            (
                Box::new(|o| {
                    if let Some(a) = o.shipping_address.as_mut() {
                        a.country_code = Some("USA".into());
                    }
                }),
                "not an ISO code",
            ),
            (
                Box::new(|o| {
                    if let Some(a) = o.shipping_address.as_mut() {
                        a.city = None;
                        a.zip = None;
                    }
                }),
                "neither a city",
            ),
        ];
        for (change, expected) in cases {
            let mut o = sample();
            change(&mut o);
            let err = order(&o).unwrap_err();
            assert!(err.contains(expected), "{err:?} should say {expected:?}");
        }
    }
}
