//! The SP-API usage plans the hub keeps under: one token bucket per operation and account, with
//! the rate and burst of Amazon's models (overridable per account, since Amazon raises them for
//! some sellers). The simulator enforces the same table.

use crate::marketplaces::AccountConfig;
use crate::ratelimit::{TimeSource, TokenBucket};

/// The SP-API operations the hub calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    GetListingsItem,
    PutListingsItem,
    PatchListingsItem,
    SearchListingsItems,
    CreateFeedDocument,
    /// `createFeed` for `JSON_LISTINGS_FEED`, whose own limit replaces the generic one.
    CreateFeed,
    GetFeed,
    GetFeedDocument,
    DeleteListingsItem,
    GetFeeds,
    CancelFeed,
    /// Orders v2026-01-01 `searchOrders`.
    SearchOrders,
    /// Orders v2026-01-01 `getOrder`.
    GetOrder,
}

impl Op {
    pub const ALL: [Op; 13] = [
        Op::GetListingsItem,
        Op::PutListingsItem,
        Op::PatchListingsItem,
        Op::SearchListingsItems,
        Op::CreateFeedDocument,
        Op::CreateFeed,
        Op::GetFeed,
        Op::GetFeedDocument,
        Op::DeleteListingsItem,
        Op::GetFeeds,
        Op::CancelFeed,
        Op::SearchOrders,
        Op::GetOrder,
    ];

    /// The model's `operationId`.
    pub fn name(self) -> &'static str {
        match self {
            Op::GetListingsItem => "getListingsItem",
            Op::PutListingsItem => "putListingsItem",
            Op::PatchListingsItem => "patchListingsItem",
            Op::SearchListingsItems => "searchListingsItems",
            Op::CreateFeedDocument => "createFeedDocument",
            Op::CreateFeed => "createFeed",
            Op::GetFeed => "getFeed",
            Op::GetFeedDocument => "getFeedDocument",
            Op::DeleteListingsItem => "deleteListingsItem",
            Op::GetFeeds => "getFeeds",
            Op::CancelFeed => "cancelFeed",
            Op::SearchOrders => "searchOrders",
            Op::GetOrder => "getOrder",
        }
    }

    /// Default (rate per second, burst): the usage plans in the operations' descriptions of
    /// `listingsItems_2021-08-01.json` and `feeds_2021-06-30.json`; `createFeed` is the
    /// `JSON_LISTINGS_FEED` limit of 5 submissions per 5 minutes (changelog 2025-05-06);
    /// `searchOrders` and `getOrder` from `orders_2026-01-01.json` (one search per ~3 minutes
    /// sustained).
    pub fn default_plan(self) -> (f64, f64) {
        match self {
            Op::GetListingsItem | Op::PutListingsItem => (5.0, 10.0),
            Op::PatchListingsItem | Op::SearchListingsItems | Op::DeleteListingsItem => (5.0, 5.0),
            Op::CreateFeedDocument => (0.5, 15.0),
            Op::CreateFeed => (5.0 / 300.0, 5.0),
            Op::GetFeed | Op::CancelFeed => (2.0, 15.0),
            Op::GetFeedDocument | Op::GetFeeds => (0.0222, 10.0),
            Op::SearchOrders => (0.0056, 20.0),
            Op::GetOrder => (0.5, 30.0),
        }
    }
}

/// One token bucket per operation.
#[derive(Debug)]
pub struct Limits {
    /// Indexed by `Op as usize` (the order of [`Op::ALL`]).
    buckets: [TokenBucket; 13],
}

impl Limits {
    /// The default plans, with `<operationId>_rate` / `<operationId>_burst` settings applied
    /// when `account` gives them.
    pub fn new(account: Option<&AccountConfig>, time: &TimeSource) -> Self {
        let buckets = Op::ALL.map(|op| {
            let (mut rate, mut burst) = op.default_plan();
            if let Some(a) = account {
                rate = a.number_or(&format!("{}_rate", op.name()), rate);
                burst = a.number_or(&format!("{}_burst", op.name()), burst);
            }
            TokenBucket::new(rate, burst, time.clone())
        });
        Self { buckets }
    }

    pub fn bucket(&self, op: Op) -> &TokenBucket {
        &self.buckets[op as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_follow_the_models_and_settings() {
        let (time, _clock) = TimeSource::manual(1.0);
        let limits = Limits::new(None, &time);
        assert_eq!(limits.bucket(Op::PatchListingsItem).burst(), 5.0);
        assert_eq!(limits.bucket(Op::CreateFeed).burst(), 5.0);
        for op in Op::ALL {
            assert_eq!(limits.bucket(op).burst(), op.default_plan().1, "{op:?}");
        }
        assert!((limits.bucket(Op::CreateFeed).rate_per_sec() * 300.0 - 5.0).abs() < 1e-9);
        assert_eq!(limits.bucket(Op::SearchOrders).rate_per_sec(), 0.0056);
        assert_eq!(limits.bucket(Op::SearchOrders).burst(), 20.0);
        assert_eq!(limits.bucket(Op::GetOrder).burst(), 30.0);
        let mut settings = serde_json::Map::new();
        settings.insert("patchListingsItem_rate".into(), 10.0.into());
        settings.insert("patchListingsItem_burst".into(), 20.0.into());
        let account = AccountConfig {
            id: 1,
            name: "a".into(),
            settings,
            credentials: serde_json::Map::new(),
            time: time.clone(),
            retry: Default::default(),
            timeout: std::time::Duration::from_secs(1),
        };
        let limits = Limits::new(Some(&account), &time);
        assert_eq!(limits.bucket(Op::PatchListingsItem).burst(), 20.0);
        assert_eq!(limits.bucket(Op::PatchListingsItem).rate_per_sec(), 10.0);
    }
}
