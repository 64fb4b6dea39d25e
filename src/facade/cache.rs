//! Answers of read-only calls (`search_read`, `read`, `search`, ...) kept for a short while: the
//! same query from many clients (dashboards, the addon, scripts polling) is answered from memory.
//!
//! An answer is keyed by the call exactly as sent (model, method, arguments, context) and by the
//! process's data generation ([`crate::jobs::Queue::generation`]), which every facade write and
//! every finished job moves on: a change made through this process is seen by the next read. A
//! change made by another process (another replica, `adlerdo sync` run by hand) is seen once the
//! answer is `facade.read_cache_ms` old. 0 turns the cache off.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::jobs::Queue;

/// The cache (or nothing, when turned off).
pub struct ReadCache {
    cache: Option<moka::sync::Cache<String, Arc<Value>>>,
}

impl ReadCache {
    pub fn new(ttl_ms: u64) -> Self {
        Self {
            cache: (ttl_ms > 0).then(|| {
                moka::sync::Cache::builder()
                    // Answers are weighed by a rough size; 64 MiB in all.
                    .weigher(|k: &String, v: &Arc<Value>| {
                        u32::try_from(k.len() + approximate_size(v)).unwrap_or(u32::MAX)
                    })
                    .max_capacity(64 * 1024 * 1024)
                    .time_to_live(Duration::from_millis(ttl_ms))
                    .build()
            }),
        }
    }

    /// The key of a read-only call, `None` for calls that change things (or with no cache).
    pub fn key(
        &self,
        queue: &Queue,
        model: &str,
        method: &str,
        args: &impl Serialize,
    ) -> Option<String> {
        if self.cache.is_none() || !super::orm::reads_only(method) {
            return None;
        }
        let args = serde_json::to_string(args).ok()?;
        Some(format!(
            "{}\u{1f}{model}\u{1f}{method}\u{1f}{args}",
            queue.generation()
        ))
    }

    pub fn get(&self, key: &str) -> Option<Value> {
        self.cache.as_ref()?.get(key).map(|v| (*v).clone())
    }

    /// Keeps `result` under `key` (when there is one) and gives it back.
    pub fn keep(&self, key: Option<String>, result: Option<Value>) -> Option<Value> {
        if let (Some(cache), Some(key), Some(value)) = (&self.cache, key, &result) {
            cache.insert(key, Arc::new(value.clone()));
        }
        result
    }
}

/// Roughly how many bytes a value takes.
fn approximate_size(v: &Value) -> usize {
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) => 16,
        Value::String(s) => 24 + s.len(),
        Value::Array(a) => 24 + a.iter().map(approximate_size).sum::<usize>(),
        Value::Object(o) => {
            48 + o
                .iter()
                .map(|(k, v)| 24 + k.len() + approximate_size(v))
                .sum::<usize>()
        }
    }
}
