//! How much of a product each marketplace account may show: pure functions, so that the rules a
//! seller configures can be read and tested in one place.
//!
//! Per account (keys of `adlerdo.marketplace.settings`):
//! * `stock_basis`: `free` (Odoo's free quantity: on hand minus reserved; the default),
//!   `on_hand`, or `forecast` (on hand plus incoming minus outgoing);
//! * `stock_locations` / `stock_warehouses`: Odoo ids to count from (default: every internal
//!   location of the company);
//! * `stock_buffer`: units held back (default 0);
//! * `stock_share`: the percentage of what is left that this account may show (default 100);
//! * `stock_max`: the most it shows (default: no maximum).
//!
//! The quantity shown is `min(max, floor((basis - not_yet_in_odoo - buffer) * share / 100))`,
//! never negative. `not_yet_in_odoo` is what orders already imported into the hub but not yet in
//! Odoo take: Odoo does not count them yet, every marketplace must.

use serde_json::{Map, Value};

use crate::odoo::stock::{StockBasis, StockScope};

/// The stock rules of one account.
#[derive(Debug, Clone, PartialEq)]
pub struct StockPolicy {
    pub basis: StockBasis,
    pub scope: StockScope,
    pub buffer: f64,
    pub share_percent: f64,
    pub max: Option<i64>,
}

impl Default for StockPolicy {
    fn default() -> Self {
        Self {
            basis: StockBasis::Free,
            scope: StockScope::All,
            buffer: 0.0,
            share_percent: 100.0,
            max: None,
        }
    }
}

impl StockPolicy {
    /// Reads the rules from an account's settings; the error names the bad key.
    pub fn from_settings(settings: &Map<String, Value>) -> Result<Self, String> {
        let mut p = Self::default();
        if let Some(v) = settings.get("stock_basis").filter(|v| !v.is_null()) {
            p.basis = match v.as_str() {
                Some("free") => StockBasis::Free,
                Some("on_hand") => StockBasis::OnHand,
                Some("forecast") => StockBasis::Forecast,
                _ => {
                    return Err(format!(
                        "stock_basis: {v} is not one of \"free\", \"on_hand\", \"forecast\""
                    ));
                }
            };
        }
        let ids = |key: &str| -> Result<Option<Vec<i64>>, String> {
            match settings.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| {
                        i.as_i64()
                            .filter(|&n| n > 0)
                            .ok_or_else(|| format!("{key}: {i} is not an Odoo id"))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(|v| (!v.is_empty()).then_some(v)),
                Some(other) => Err(format!("{key}: {other} is not a list of Odoo ids")),
            }
        };
        match (ids("stock_locations")?, ids("stock_warehouses")?) {
            (Some(_), Some(_)) => {
                return Err(
                    "stock_locations and stock_warehouses: give one of them, not both".into(),
                );
            }
            (Some(l), None) => p.scope = StockScope::Locations(l),
            (None, Some(w)) => p.scope = StockScope::Warehouses(w),
            (None, None) => {}
        }
        let number = |key: &str| -> Result<Option<f64>, String> {
            match settings.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_f64()
                    .filter(|n| n.is_finite() && *n >= 0.0)
                    .map(Some)
                    .ok_or_else(|| format!("{key}: {v} is not a number of at least 0")),
            }
        };
        if let Some(b) = number("stock_buffer")? {
            p.buffer = b;
        }
        if let Some(s) = number("stock_share")? {
            if s > 100.0 {
                return Err(format!("stock_share: {s} is more than 100 (percent)"));
            }
            p.share_percent = s;
        }
        if let Some(m) = number("stock_max")? {
            p.max = Some(m.floor() as i64);
        }
        Ok(p)
    }

    /// The quantity to show, from Odoo's figures and what imported orders not yet in Odoo take.
    pub fn allocate(&self, levels: &Levels, not_yet_in_odoo: f64) -> i64 {
        let basis = match self.basis {
            StockBasis::OnHand => levels.on_hand,
            StockBasis::Free => levels.free,
            StockBasis::Forecast => levels.forecast,
        };
        let available = basis - not_yet_in_odoo.max(0.0) - self.buffer;
        if !available.is_finite() || available <= 0.0 {
            return 0;
        }
        // A tiny epsilon keeps 3 * 100 / 100 from flooring to 2.
        let shared = (available * self.share_percent / 100.0 + 1e-9).floor();
        let shown = shared.min(i64::MAX as f64) as i64;
        self.max.map_or(shown, |m| shown.min(m)).max(0)
    }
}

/// Odoo's quantities of one variant in one scope.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Levels {
    pub on_hand: f64,
    pub free: f64,
    pub forecast: f64,
}

/// The key of a scope in `stock_levels.scope`.
pub fn scope_key(scope: &StockScope) -> String {
    let join = |ids: &[i64]| {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    };
    match scope {
        StockScope::All => String::new(),
        StockScope::Locations(ids) if !ids.is_empty() => format!("location:{}", join(ids)),
        StockScope::Warehouses(ids) if !ids.is_empty() => format!("warehouse:{}", join(ids)),
        _ => String::new(),
    }
}

/// The scope of a `stock_levels.scope` key (the inverse of [`scope_key`]).
pub fn parse_scope(key: &str) -> StockScope {
    let ids = |s: &str| s.split(',').filter_map(|i| i.parse().ok()).collect();
    if let Some(rest) = key.strip_prefix("location:") {
        StockScope::Locations(ids(rest))
    } else if let Some(rest) = key.strip_prefix("warehouse:") {
        StockScope::Warehouses(ids(rest))
    } else {
        StockScope::All
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(v: Value) -> Result<StockPolicy, String> {
        StockPolicy::from_settings(v.as_object().unwrap())
    }

    const L: Levels = Levels {
        on_hand: 20.0,
        free: 12.0,
        forecast: 30.0,
    };

    #[test]
    fn defaults_show_the_free_quantity() {
        let p = policy(json!({})).unwrap();
        assert_eq!(p, StockPolicy::default());
        assert_eq!(p.allocate(&L, 0.0), 12);
    }

    #[test]
    fn basis_buffer_share_and_max_apply_in_order() {
        let on_hand = policy(json!({"stock_basis": "on_hand"})).unwrap();
        assert_eq!(on_hand.allocate(&L, 0.0), 20);
        let forecast = policy(json!({"stock_basis": "forecast"})).unwrap();
        assert_eq!(forecast.allocate(&L, 0.0), 30);
        let p = policy(json!({"stock_buffer": 2, "stock_share": 50, "stock_max": 4})).unwrap();
        assert_eq!(p.allocate(&L, 0.0), 4, "(12 - 2) * 50% = 5, at most 4");
        let p = policy(json!({"stock_buffer": 2, "stock_share": 50})).unwrap();
        assert_eq!(p.allocate(&L, 0.0), 5);
        assert_eq!(p.allocate(&L, 3.0), 3, "(12 - 3 - 2) * 50% = 3.5");
    }

    #[test]
    fn never_negative_and_never_more_than_there_is() {
        let p = policy(json!({"stock_buffer": 5})).unwrap();
        assert_eq!(p.allocate(&L, 10.0), 0);
        let negative = Levels {
            on_hand: -3.0,
            free: -3.0,
            forecast: -8.0,
        };
        assert_eq!(StockPolicy::default().allocate(&negative, 0.0), 0);
        let fractional = Levels { free: 2.9, ..L };
        assert_eq!(StockPolicy::default().allocate(&fractional, 0.0), 2);
        assert_eq!(
            policy(json!({"stock_share": 100}))
                .unwrap()
                .allocate(&Levels { free: 3.0, ..L }, 0.0),
            3
        );
        assert_eq!(
            StockPolicy::default().allocate(
                &Levels {
                    free: f64::NAN,
                    ..L
                },
                0.0
            ),
            0
        );
    }

    #[test]
    fn bad_settings_name_the_key() {
        for (v, key) in [
            (json!({"stock_basis": "virtual"}), "stock_basis"),
            (json!({"stock_share": 120}), "stock_share"),
            (json!({"stock_buffer": -1}), "stock_buffer"),
            (json!({"stock_max": "ten"}), "stock_max"),
            (json!({"stock_locations": [8, "x"]}), "stock_locations"),
            (
                json!({"stock_locations": [8], "stock_warehouses": [1]}),
                "stock_locations and stock_warehouses",
            ),
        ] {
            let e = policy(v).unwrap_err();
            assert!(e.starts_with(key), "{e}");
        }
    }

    #[test]
    fn scopes_have_stable_keys() {
        let p = policy(json!({"stock_locations": [12, 8, 12]})).unwrap();
        assert_eq!(scope_key(&p.scope), "location:8,12");
        assert_eq!(
            parse_scope("location:8,12"),
            StockScope::Locations(vec![8, 12])
        );
        assert_eq!(parse_scope("warehouse:1"), StockScope::Warehouses(vec![1]));
        assert_eq!(scope_key(&StockScope::All), "");
        assert_eq!(parse_scope(""), StockScope::All);
    }
}
