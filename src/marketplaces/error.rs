//! The one error type every marketplace adapter returns, classified by what the caller should do.

use std::time::Duration;

/// Why a marketplace call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MarketError {
    /// The credentials are wrong, expired or revoked (after the adapter tried to refresh them).
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The marketplace (or our own limiter) says to come back later.
    #[error("rate limited{}", retry_after.map(|d| format!(", retry after {d:?}")).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    /// A 5xx, a timeout, a refused connection: the same call may succeed later.
    #[error("transient: {0}")]
    Transient(String),
    /// The marketplace refused the whole request (4xx other than auth and throttling).
    #[error("rejected ({code}): {message}")]
    Rejected { code: String, message: String },
    /// The answer could not be understood (malformed, truncated, unexpected shape).
    #[error("cannot decode the answer: {0}")]
    Decode(String),
    /// The account's settings or credentials are incomplete or invalid.
    #[error("account configuration: {0}")]
    Config(String),
}

impl MarketError {
    /// Whether trying the same call again later can succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Transient(_) | Self::Decode(_)
        )
    }

    /// The wait the marketplace asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// A short code for records and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized(_) => "unauthorized",
            Self::RateLimited { .. } => "rate_limited",
            Self::Transient(_) => "transient",
            Self::Rejected { .. } => "rejected",
            Self::Decode(_) => "decode",
            Self::Config(_) => "config",
        }
    }
}

impl From<reqwest::Error> for MarketError {
    fn from(e: reqwest::Error) -> Self {
        if e.is_decode() {
            Self::Decode(error_chain(&e))
        } else {
            // Timeouts, refused or reset connections, bodies cut short: all worth a retry.
            Self::Transient(error_chain(&e))
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// One item the marketplace refused while accepting the rest of the request.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rejection {
    /// The vendor's own code (eBay errorId, Amazon issue code, Shopify userError code).
    pub code: String,
    pub message: String,
    /// Whether sending the same item again later may succeed (e.g. eBay 25025 concurrent access).
    #[serde(default)]
    pub retryable: bool,
}

impl Rejection {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            retryable: false,
        }
    }

    pub fn retryable(mut self) -> Self {
        self.retryable = true;
        self
    }
}
