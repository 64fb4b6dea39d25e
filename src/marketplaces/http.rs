//! What every adapter does around an HTTP call: classify the status, read `Retry-After`, and
//! retry what can succeed within a bounded wait, reusing the same request (and idempotency key).

use std::future::Future;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::MarketError;
use crate::ratelimit::{TimeSource, Wait};

/// How an adapter retries one logical call.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// First backoff (real time) when the marketplace gives no `Retry-After`; doubles each time.
    pub base: Duration,
    /// The longest the adapter waits in place; a longer wait is handed back to the job queue as
    /// [`MarketError::RateLimited`], so no worker sleeps for minutes.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base: Duration::from_millis(200),
            max_wait: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Runs `call` until it succeeds, fails for good, or the attempts or the wait run out.
    /// `call` gets the attempt number (1-based) and must send the *same* request each time.
    pub async fn run<T, F, Fut>(&self, mut call: F) -> Result<T, MarketError>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, MarketError>>,
    {
        let mut attempt = 1;
        loop {
            let err = match call(attempt).await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if !err.is_retryable() || attempt >= self.max_attempts {
                return Err(err);
            }
            let backoff = self.base.saturating_mul(1 << (attempt - 1).min(16));
            let wait = err.retry_after().unwrap_or(backoff);
            if wait > self.max_wait {
                return Err(err);
            }
            log::debug!("marketplace call attempt {attempt} failed ({err}); retrying in {wait:?}");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

/// Waits for a limiter when the wait is short; otherwise hands the wait back as an error.
pub async fn admit(
    wait: impl Fn() -> Result<(), Wait>,
    max_wait: Duration,
) -> Result<(), MarketError> {
    loop {
        match wait() {
            Ok(()) => return Ok(()),
            Err(Wait::After(d)) if d <= max_wait => tokio::time::sleep(d).await,
            Err(Wait::After(d)) => {
                return Err(MarketError::RateLimited {
                    retry_after: Some(d),
                });
            }
            Err(Wait::Never) => {
                return Err(MarketError::Rejected {
                    code: "LIMIT".into(),
                    message: "the request exceeds what the marketplace ever admits".into(),
                });
            }
        }
    }
}

/// `Retry-After` as seconds (fractions allowed, as Shopify sends `2.0`) or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// The usual reading of a failed status: auth, throttling, server trouble, or a refusal.
/// `body` is a short excerpt of the answer for the message (never logged with secrets).
pub fn classify(status: StatusCode, headers: &HeaderMap, body: &str) -> MarketError {
    let excerpt: String = body.chars().take(300).collect();
    match status.as_u16() {
        401 => MarketError::Unauthorized(format!("HTTP 401: {excerpt}")),
        429 => MarketError::RateLimited {
            retry_after: retry_after(headers),
        },
        408 | 500..=599 => MarketError::Transient(format!("HTTP {status}: {excerpt}")),
        _ => MarketError::Rejected {
            code: status.as_u16().to_string(),
            message: excerpt,
        },
    }
}

/// A limiter wait as real time, for the time scale of an account (sandbox and benchmarks).
pub fn scaled(time: &TimeSource, model: Duration) -> Duration {
    time.to_real(model.as_secs_f64())
}

/// Escapes everything but RFC 3986's unreserved characters as `%XX` (a path segment or a query
/// value).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes (and, with `plus_is_space`, a `+` as a space, as form encoding does);
/// an invalid escape is kept as it is. The simulators and the spec validator read what the
/// adapters write with it.
pub fn percent_decode(text: &str, plus_is_space: bool) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Reads a body and parses it as JSON, telling a truncated or malformed answer apart from
/// transport trouble.
pub async fn json<T: serde::de::DeserializeOwned>(
    resp: reqwest::Response,
) -> Result<T, MarketError> {
    let bytes = resp.bytes().await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let excerpt: String = String::from_utf8_lossy(&bytes).chars().take(200).collect();
        MarketError::Decode(format!("{e} in {excerpt:?}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "2.5".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(2500)));
        h.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(
            retry_after(&h),
            Some(Duration::ZERO),
            "a past date: at once"
        );
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn statuses_are_classified() {
        let h = HeaderMap::new();
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, &h, ""),
            MarketError::Unauthorized(_)
        ));
        assert!(classify(StatusCode::TOO_MANY_REQUESTS, &h, "").is_retryable());
        assert!(classify(StatusCode::BAD_GATEWAY, &h, "").is_retryable());
        assert!(!classify(StatusCode::BAD_REQUEST, &h, "").is_retryable());
    }

    #[tokio::test]
    async fn retries_what_can_succeed_and_stops_at_what_cannot() {
        let policy = RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(1),
            max_wait: Duration::from_secs(1),
        };
        let calls = AtomicU32::new(0);
        let got = policy
            .run(|attempt| {
                calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    if attempt < 3 {
                        Err(MarketError::RateLimited {
                            retry_after: Some(Duration::from_millis(2)),
                        })
                    } else {
                        Ok(attempt)
                    }
                }
            })
            .await;
        assert_eq!(got.unwrap(), 3);

        calls.store(0, Ordering::SeqCst);
        let got: Result<(), _> = policy
            .run(|_| {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(MarketError::Unauthorized("revoked".into())) }
            })
            .await;
        assert!(matches!(got, Err(MarketError::Unauthorized(_))));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "no retry of a refusal");

        let got: Result<(), _> = policy
            .run(|_| async {
                Err(MarketError::RateLimited {
                    retry_after: Some(Duration::from_secs(3600)),
                })
            })
            .await;
        assert_eq!(
            got.unwrap_err().retry_after(),
            Some(Duration::from_secs(3600)),
            "a long wait goes back to the queue"
        );
    }
}
