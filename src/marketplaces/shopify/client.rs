//! One account's GraphQL client: the token, the local cost bucket kept in step with Shopify's
//! `throttleStatus`, and retries of the same request (same document, same idempotency key) on
//! throttling, 429, 5xx, timeouts and unreadable answers.

use std::sync::Mutex;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use super::auth::Auth;
use super::mapping::shorten;
use super::model::{GraphQlRequest, GraphQlResponse};
use crate::marketplaces::http::{self, RetryPolicy, admit};
use crate::marketplaces::{Exchange, MarketError};
use crate::ratelimit::{CostBucket, TimeSource};

/// Requests and answers in push records keep this many items of each list.
const RECORD_ITEMS: usize = 50;

pub struct Client {
    pub http: reqwest::Client,
    /// `{shop_url}/admin/api/{version}/graphql.json`.
    pub endpoint: String,
    pub auth: Auth,
    /// The local view of the shop's bucket (resynchronised from every answer).
    pub bucket: CostBucket,
    pub time: TimeSource,
    pub retry: RetryPolicy,
}

/// A GraphQL answer with data and no top-level errors.
pub struct Answer {
    pub data: Value,
}

impl Client {
    /// Runs one GraphQL request to completion, retrying in place what can succeed within the
    /// policy. `estimate` is the cost the hub expects (to wait locally instead of being
    /// throttled). Every HTTP exchange is appended to `exchanges`.
    pub async fn execute(
        &self,
        operation: &str,
        request: &GraphQlRequest,
        estimate: f64,
        exchanges: &Mutex<Vec<Exchange>>,
    ) -> Result<Answer, MarketError> {
        let body = serde_json::to_vec(request)
            .map_err(|e| MarketError::Config(format!("cannot encode the request: {e}")))?;
        let recorded = shorten(
            &serde_json::json!({"query": request.query, "variables": request.variables}),
            RECORD_ITEMS,
        );
        self.retry
            .run(|attempt| {
                let body = body.clone();
                let recorded = recorded.clone();
                async move {
                    if attempt > 1 {
                        log::debug!("shopify {operation}: attempt {attempt}");
                    }
                    self.attempt(operation, body, recorded, estimate, exchanges)
                        .await
                }
            })
            .await
    }

    async fn attempt(
        &self,
        operation: &str,
        body: Vec<u8>,
        recorded: Value,
        estimate: f64,
        exchanges: &Mutex<Vec<Exchange>>,
    ) -> Result<Answer, MarketError> {
        let charged: Mutex<Option<crate::ratelimit::Charge>> = Mutex::new(None);
        admit(
            || {
                self.bucket.try_charge(estimate).map(|c| {
                    *lock(&charged) = Some(c);
                })
            },
            self.retry.max_wait,
        )
        .await?;
        // An answer without a cost extension (a 5xx, a proxy's page, a cut answer) says nothing
        // about the shop's bucket and Shopify charged nothing for it: the local charge is given
        // back, or a few failed attempts would empty the local bucket for nothing.
        let refund = || {
            if let Some(c) = lock(&charged).take() {
                self.bucket.refund(c, 0.0);
            }
        };
        let mut refreshed = false;
        loop {
            let token = match self.auth.token(&self.http).await {
                Ok(t) => t,
                Err(e) => {
                    refund();
                    return Err(e);
                }
            };
            let resp = self
                .http
                .post(&self.endpoint)
                .header("X-Shopify-Access-Token", &token)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .body(body.clone())
                .send()
                .await;
            let resp = match resp {
                Ok(r) => r,
                Err(e) => {
                    refund();
                    return Err(e.into());
                }
            };
            let status = resp.status();
            let headers = resp.headers().clone();
            if let Some(v) = headers
                .get("x-shopify-api-version")
                .and_then(|v| v.to_str().ok())
                && !self.endpoint.contains(&format!("/{v}/"))
            {
                log::warn!(
                    "shopify {operation}: served with API version {v}, not the one asked for"
                );
            }
            let bytes = match resp.bytes().await {
                Ok(b) => b,
                Err(e) => {
                    refund();
                    return Err(e.into());
                }
            };
            let parsed: Result<Value, _> = serde_json::from_slice(&bytes);
            let excerpt = || {
                String::from_utf8_lossy(&bytes)
                    .chars()
                    .take(300)
                    .collect::<String>()
            };
            push(
                exchanges,
                Exchange {
                    operation: operation.to_string(),
                    request: recorded.clone(),
                    status: status.as_u16(),
                    response: match &parsed {
                        Ok(v) => shorten(v, RECORD_ITEMS),
                        Err(_) => Value::String(excerpt()),
                    },
                },
            );
            let answer = parsed
                .ok()
                .and_then(|v| serde_json::from_value::<GraphQlResponse>(v).ok());
            if let Some(status) = answer
                .as_ref()
                .and_then(|a| a.extensions.as_ref())
                .and_then(|e| e.cost.as_ref())
                .map(|c| c.throttle_status)
            {
                self.bucket.observe_status(&status);
                lock(&charged).take();
            } else {
                refund();
            }
            if status == StatusCode::UNAUTHORIZED && !refreshed && self.auth.can_refresh() {
                log::info!("shopify {operation}: access token refused; asking for a new one");
                self.auth.invalidate(&token).await?;
                refreshed = true;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED {
                self.auth.invalidate(&token).await?;
                return Err(MarketError::Unauthorized(format!(
                    "HTTP 401: {}",
                    excerpt()
                )));
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                let retry_after = http::retry_after(&headers)
                    .or_else(|| answer.as_ref().and_then(|a| self.throttle_wait(a)));
                return Err(MarketError::RateLimited { retry_after });
            }
            if !status.is_success() {
                return Err(http::classify(status, &headers, &excerpt()));
            }
            let Some(answer) = answer else {
                return Err(MarketError::Decode(format!(
                    "not a GraphQL answer: {:?}",
                    excerpt()
                )));
            };
            return self.read(operation, answer);
        }
    }

    /// How long until the request fits, from a THROTTLED answer's cost extension:
    /// `(requested - currentlyAvailable) / restoreRate` model seconds.
    fn throttle_wait(&self, answer: &GraphQlResponse) -> Option<Duration> {
        let cost = answer.extensions.as_ref()?.cost.as_ref()?;
        let s = cost.throttle_status;
        if s.restore_rate <= 0.0 {
            return None;
        }
        let short = (cost.requested_query_cost - s.currently_available).max(0.0);
        Some(http::scaled(
            &self.time,
            Duration::from_secs_f64(short / s.restore_rate),
        ))
    }

    fn read(&self, operation: &str, answer: GraphQlResponse) -> Result<Answer, MarketError> {
        let errors = answer.errors.clone().unwrap_or_default();
        if let Some(first) = errors.first() {
            let code = first.code().unwrap_or("GRAPHQL_ERROR").to_string();
            return Err(match code.as_str() {
                "THROTTLED" => MarketError::RateLimited {
                    retry_after: self.throttle_wait(&answer),
                },
                "INTERNAL_SERVER_ERROR" | "SERVICE_UNAVAILABLE" => {
                    MarketError::Transient(format!("{operation}: {}", first.message))
                }
                "ACCESS_DENIED" => MarketError::Unauthorized(first.message.clone()),
                _ => {
                    log::warn!(
                        "shopify {operation}: refused with {code}: {}",
                        first.message
                    );
                    MarketError::Rejected {
                        code,
                        message: first.message.clone(),
                    }
                }
            });
        }
        match answer.data {
            Some(data) if data.is_object() => Ok(Answer { data }),
            _ => Err(MarketError::Decode(format!(
                "{operation}: the answer has no data"
            ))),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn push(exchanges: &Mutex<Vec<Exchange>>, e: Exchange) {
    exchanges
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(e);
}
