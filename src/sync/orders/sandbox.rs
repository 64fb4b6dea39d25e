//! Sandbox mode's simulated buyers: now and then one of them orders something the catalog
//! lists on a simulator, so that a new user sees the whole cycle (order on the marketplace,
//! hub, confirmed sales order in the Odoo emulator, lower quantities on every marketplace)
//! without doing anything.

use diesel::prelude::*;
use rand::Rng as _;
use rand::seq::IndexedRandom as _;
use serde::{Deserialize, Serialize};

use crate::db::schema::{listings as l, marketplaces as m};
use crate::jobs::Job;
use crate::marketplaces::Address;
use crate::sim::market::{SimOrder, SimOrderLine};
use crate::state::AppState;

const BUYERS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "Ada Lovelace",
        "ada@example.com",
        "12 St James's Square",
        "London",
        "GB",
    ),
    (
        "Grace Hopper",
        "grace@example.com",
        "400 Broad Street",
        "Arlington",
        "US",
    ),
    (
        "Alan Turing",
        "alan@example.com",
        "78 High Street",
        "Wilmslow",
        "GB",
    ),
    (
        "Emmy Noether",
        "emmy@example.com",
        "Bunsenstraße 3",
        "Göttingen",
        "DE",
    ),
    (
        "Katherine Johnson",
        "katherine@example.com",
        "21 Langley Blvd",
        "Hampton",
        "US",
    ),
];

/// Places one simulated order on one of the sandbox's simulators.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SandboxBuyer {}

impl Job for SandboxBuyer {
    const KIND: &'static str = "sandbox.buyer";
    const PRIORITY: i32 = 0;
    type Context = AppState;

    fn dedup_key(&self) -> Option<String> {
        Some("buyer".into())
    }

    async fn run(self, state: AppState) -> anyhow::Result<()> {
        if state.market_sims.is_empty() {
            return Ok(());
        }
        let pick = rand::rng().random_range(0..state.market_sims.len());
        let sim = &state.market_sims[pick];
        let kind = sim.kind();
        // Something the account lists with stock to spare.
        let offers: Vec<(String, Option<f64>)> = state
            .db
            .run(move |c| {
                l::table
                    .inner_join(m::table)
                    .filter(m::kind.eq(kind))
                    .filter(m::name.like("Sandbox %"))
                    .filter(l::status.eq("active"))
                    .filter(l::last_quantity.gt(2))
                    .select((l::sku, l::last_price))
                    .load(c)
            })
            .await?;
        let mut rng = rand::rng();
        let Some((sku, price)) = offers.choose(&mut rng).cloned() else {
            return Ok(());
        };
        let (name, email, street, city, country) = *BUYERS.choose(&mut rng).unwrap_or(&BUYERS[0]);
        let order = SimOrder {
            buyer_name: name.into(),
            buyer_email: email.into(),
            address: Address {
                name: Some(name.into()),
                street: Some(street.into()),
                city: Some(city.into()),
                zip: Some(format!("{:05}", rng.random_range(10_000..99_999))),
                country_code: Some(country.into()),
                ..Address::default()
            },
            billing: None,
            lines: vec![SimOrderLine {
                title: format!("Sandbox order of {sku}"),
                sku: sku.clone(),
                quantity: rng.random_range(1..=2),
                unit_price: price.unwrap_or(10.0).max(1.0),
                discount: 0.0,
            }],
            shipping: 4.95,
            tax_rate: 0.0,
            currency: "USD".into(),
            paid: true,
        };
        let id = sim.seed_order(&order);
        log::info!("sandbox: {name} ordered {sku} on the {kind} simulator (order {id})");
        Ok(())
    }
}
