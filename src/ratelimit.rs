//! Rate-limit models of the marketplace vendors, shared by the hub (per-account limiters that
//! keep us under the limits) and by the simulators (which enforce them and answer 429/THROTTLED).
//!
//! * [`TokenBucket`]: Amazon SP-API usage plans — per operation a `rate` (tokens added per
//!   second, possibly fractional such as 0.0167) and a `burst` (bucket size); a request takes one
//!   token, an empty bucket means HTTP 429 `QuotaExceeded`.
//! * [`DailyQuota`]: eBay call limits — `limit` calls per window (a day), reset at the window
//!   boundary; exceeded means HTTP 429 with `errorId` 2001.
//! * [`CostBucket`]: Shopify Admin GraphQL — a bucket of `maximumAvailable` points restored at
//!   `restoreRate` points per second; the requested cost is charged up front and refunded down to
//!   the actual cost afterwards; a query whose requested cost exceeds what is available is
//!   `THROTTLED`. [`CostBucket::status`] is the `extensions.cost.throttleStatus` object and
//!   [`CostBucket::observe`] resyncs a local view from a real response.
//!
//! All limiters read time from a [`TimeSource`]: a [`Clock`] (real monotonic time or a
//! [`ManualClock`] for tests) and a `time_scale` (1.0 is real time; 3600.0 makes one real second
//! count as one hour), so hour- or day-long limits can be exercised in seconds. Rates, windows and
//! bucket levels are in *model* time (the vendor's units); every [`Duration`] handed back to the
//! caller (a [`Wait`], the time until a quota resets) is *real* time, the scale already applied.
//!
//! Waits are rounded to the nearest nanosecond, and a shortfall that amounts to less than half a
//! nanosecond of real waiting counts as satisfied: after sleeping (or advancing a manual clock by)
//! exactly the returned wait, the same request succeeds.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A monotonic time source: the real time elapsed since the clock's own origin.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Real time since this clock's origin; never decreases.
    fn elapsed(&self) -> Duration;
}

/// Real monotonic time ([`Instant`]), measured from the clock's creation.
#[derive(Debug, Clone, Copy)]
pub struct MonotonicClock {
    origin: Instant,
}

impl MonotonicClock {
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Default for MonotonicClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for MonotonicClock {
    fn elapsed(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A clock that only moves when told to (tests, deterministic simulations). Clones share the
/// same time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now: Arc<Mutex<Duration>>,
}

impl ManualClock {
    /// A clock standing at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward by `by` (real time).
    pub fn advance(&self, by: Duration) {
        let mut now = lock(&self.now);
        *now = now.saturating_add(by);
    }

    /// Sets the clock to `to`; ignored if that would move it backwards.
    pub fn set(&self, to: Duration) {
        let mut now = lock(&self.now);
        if to > *now {
            *now = to;
        }
    }
}

impl Clock for ManualClock {
    fn elapsed(&self) -> Duration {
        *lock(&self.now)
    }
}

/// A clock plus a time scale. Cheap to clone; limiters of one account or simulator share one.
#[derive(Debug, Clone)]
pub struct TimeSource {
    clock: Arc<dyn Clock>,
    scale: f64,
}

impl TimeSource {
    /// `clock` with `time_scale` model seconds per real second. A scale that is not a positive
    /// finite number is replaced by 1.0.
    pub fn new(clock: Arc<dyn Clock>, time_scale: f64) -> Self {
        let scale = if time_scale.is_finite() && time_scale > 0.0 {
            time_scale
        } else {
            1.0
        };
        Self { clock, scale }
    }

    /// Real monotonic time, unscaled.
    pub fn real() -> Self {
        Self::new(Arc::new(MonotonicClock::new()), 1.0)
    }

    /// Real monotonic time with a time scale.
    pub fn scaled(time_scale: f64) -> Self {
        Self::new(Arc::new(MonotonicClock::new()), time_scale)
    }

    /// A manual clock (returned for advancing) with a time scale.
    pub fn manual(time_scale: f64) -> (Self, ManualClock) {
        let clock = ManualClock::new();
        (Self::new(Arc::new(clock.clone()), time_scale), clock)
    }

    /// Model seconds per real second.
    pub fn time_scale(&self) -> f64 {
        self.scale
    }

    /// Current model time in seconds since the clock's origin.
    pub fn model_now(&self) -> f64 {
        self.clock.elapsed().as_secs_f64() * self.scale
    }

    /// The real duration that `model_secs` of model time take, rounded to the nearest
    /// nanosecond (saturating at [`Duration::MAX`]).
    pub fn to_real(&self, model_secs: f64) -> Duration {
        real_nanos(model_secs / self.scale)
    }
}

impl Default for TimeSource {
    fn default() -> Self {
        Self::real()
    }
}

fn real_nanos(real_secs: f64) -> Duration {
    if real_secs.is_nan() || real_secs <= 0.0 {
        return Duration::ZERO;
    }
    let nanos = (real_secs * 1e9).round();
    if nanos >= u64::MAX as f64 {
        return Duration::MAX;
    }
    // In range and non-negative, so the cast is exact.
    Duration::from_nanos(nanos as u64)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded state is plain numbers that are always consistent; recover from poisoning.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn non_negative(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 { x } else { 0.0 }
}

/// Why a request cannot go through now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// It will succeed after this much real time (if nothing else consumes capacity meanwhile).
    After(Duration),
    /// It can never succeed: the cost exceeds the capacity, or nothing is ever restored.
    Never,
}

impl Wait {
    /// The real time to wait, or `None` for [`Wait::Never`].
    pub fn duration(self) -> Option<Duration> {
        match self {
            Wait::After(d) => Some(d),
            Wait::Never => None,
        }
    }
}

impl std::fmt::Display for Wait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Wait::After(d) => write!(f, "rate limited, retry in {d:?}"),
            Wait::Never => f.write_str("request exceeds the limit and can never be admitted"),
        }
    }
}

impl std::error::Error for Wait {}

/// The bucket arithmetic shared by [`TokenBucket`] and [`CostBucket`] (all in model time).
#[derive(Debug, Clone, Copy)]
struct Level {
    capacity: f64,
    rate: f64,
    level: f64,
    last: f64,
}

impl Level {
    fn full(capacity: f64, rate: f64, now: f64) -> Self {
        Self {
            capacity,
            rate,
            level: capacity,
            last: now,
        }
    }

    fn refill(&mut self, now: f64) {
        if now > self.last {
            self.level = (self.level + (now - self.last) * self.rate).min(self.capacity);
            self.last = now;
        }
    }

    /// `Ok` if `cost` is available now (shortfalls under half a real nanosecond included).
    fn check(&self, cost: f64, time: &TimeSource) -> Result<(), Wait> {
        if cost > self.capacity {
            return Err(Wait::Never);
        }
        let short = cost - self.level;
        if short <= 0.0 {
            return Ok(());
        }
        if self.rate <= 0.0 {
            return Err(Wait::Never);
        }
        match time.to_real(short / self.rate) {
            Duration::ZERO => Ok(()),
            d => Err(Wait::After(d)),
        }
    }

    fn take(&mut self, cost: f64) {
        self.level = (self.level - cost).max(0.0);
    }

    fn give(&mut self, amount: f64) {
        self.level = (self.level + amount).clamp(0.0, self.capacity);
    }
}

async fn sleep_until_ok<T>(mut attempt: impl FnMut() -> Result<T, Wait>) -> Result<T, Wait> {
    loop {
        match attempt() {
            Ok(v) => return Ok(v),
            Err(Wait::Never) => return Err(Wait::Never),
            Err(Wait::After(d)) => tokio::time::sleep(d).await,
        }
    }
}

/// Amazon SP-API token bucket: `rate_per_sec` tokens per (model) second up to `burst`; starts full.
#[derive(Debug)]
pub struct TokenBucket {
    time: TimeSource,
    state: Mutex<Level>,
}

impl TokenBucket {
    /// Negative or non-finite rate/burst are treated as 0.
    pub fn new(rate_per_sec: f64, burst: f64, time: TimeSource) -> Self {
        let now = time.model_now();
        let level = Level::full(non_negative(burst), non_negative(rate_per_sec), now);
        Self {
            time,
            state: Mutex::new(level),
        }
    }

    pub fn rate_per_sec(&self) -> f64 {
        lock(&self.state).rate
    }

    pub fn burst(&self) -> f64 {
        lock(&self.state).capacity
    }

    /// Tokens available now.
    pub fn available(&self) -> f64 {
        let mut s = lock(&self.state);
        s.refill(self.time.model_now());
        s.level
    }

    /// Takes `cost` tokens, or says how long until that would succeed.
    pub fn try_take(&self, cost: f64) -> Result<(), Wait> {
        let cost = non_negative(cost);
        let mut s = lock(&self.state);
        s.refill(self.time.model_now());
        s.check(cost, &self.time)?;
        s.take(cost);
        Ok(())
    }

    /// Real time until `cost` tokens would be available (zero if now), `None` if never.
    pub fn wait_time(&self, cost: f64) -> Option<Duration> {
        let cost = non_negative(cost);
        let mut s = lock(&self.state);
        s.refill(self.time.model_now());
        match s.check(cost, &self.time) {
            Ok(()) => Some(Duration::ZERO),
            Err(w) => w.duration(),
        }
    }

    /// Sleeps (tokio) until `cost` tokens can be taken, then takes them. `Err(Wait::Never)` if
    /// the cost exceeds the burst or the rate is zero and the bucket too low.
    pub async fn acquire(&self, cost: f64) -> Result<(), Wait> {
        sleep_until_ok(|| self.try_take(cost)).await
    }
}

/// What a quota looks like now (eBay analytics `limit`/`remaining`/`reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaStatus {
    pub limit: u64,
    pub remaining: u64,
    /// Real time until the window resets.
    pub reset_in: Duration,
}

#[derive(Debug)]
struct QuotaState {
    limit: u64,
    used: u64,
    /// Model time at which the current window ends.
    window_end: f64,
}

/// eBay call quota: `limit` calls per `window` of model time (a day), reset at fixed window
/// boundaries (the first one `window` after creation unless set with
/// [`DailyQuota::with_first_reset_in`]).
#[derive(Debug)]
pub struct DailyQuota {
    time: TimeSource,
    window: f64,
    state: Mutex<QuotaState>,
}

impl DailyQuota {
    /// One day in model time.
    pub const DAY: Duration = Duration::from_secs(24 * 60 * 60);

    /// `limit` calls per `window` (model time). A zero window is treated as one nanosecond.
    pub fn new(limit: u64, window: Duration, time: TimeSource) -> Self {
        let window = window.as_secs_f64().max(1e-9);
        let now = time.model_now();
        let state = QuotaState {
            limit,
            used: 0,
            window_end: now + window,
        };
        Self {
            time,
            window,
            state: Mutex::new(state),
        }
    }

    /// `limit` calls per model day.
    pub fn daily(limit: u64, time: TimeSource) -> Self {
        Self::new(limit, Self::DAY, time)
    }

    /// Aligns the windows so the first reset happens `first_reset` (model time) from now, e.g.
    /// the time until the next midnight Pacific; capped at one window.
    pub fn with_first_reset_in(self, first_reset: Duration) -> Self {
        let now = self.time.model_now();
        {
            let mut s = lock(&self.state);
            s.window_end = now + first_reset.as_secs_f64().min(self.window);
        }
        self
    }

    fn roll(&self, s: &mut QuotaState) -> f64 {
        let now = self.time.model_now();
        if now >= s.window_end {
            let windows = ((now - s.window_end) / self.window).floor() + 1.0;
            s.window_end += windows * self.window;
            // Guard against rounding leaving the end at or before now.
            while s.window_end <= now {
                s.window_end += self.window;
            }
            s.used = 0;
        }
        now
    }

    /// Counts `calls` calls, or says how long until the quota resets (`Never` if `calls` exceeds
    /// the whole limit). On success returns the calls remaining in this window.
    pub fn try_take(&self, calls: u64) -> Result<u64, Wait> {
        let mut s = lock(&self.state);
        let now = self.roll(&mut s);
        if calls > s.limit {
            return Err(Wait::Never);
        }
        if s.used.saturating_add(calls) > s.limit {
            return Err(Wait::After(self.time.to_real(s.window_end - now)));
        }
        s.used += calls;
        Ok(s.limit - s.used)
    }

    /// One call ([`DailyQuota::try_take`] with 1).
    pub fn try_call(&self) -> Result<u64, Wait> {
        self.try_take(1)
    }

    /// Calls remaining in the current window.
    pub fn remaining(&self) -> u64 {
        let mut s = lock(&self.state);
        self.roll(&mut s);
        s.limit.saturating_sub(s.used)
    }

    /// Real time until the current window resets.
    pub fn reset_in(&self) -> Duration {
        let mut s = lock(&self.state);
        let now = self.roll(&mut s);
        self.time.to_real(s.window_end - now)
    }

    pub fn status(&self) -> QuotaStatus {
        let mut s = lock(&self.state);
        let now = self.roll(&mut s);
        QuotaStatus {
            limit: s.limit,
            remaining: s.limit.saturating_sub(s.used),
            reset_in: self.time.to_real(s.window_end - now),
        }
    }

    /// Resyncs from the vendor's view (eBay analytics `limit`, `remaining`, `reset`):
    /// `reset_in` is model time until the window ends, capped at one window.
    pub fn observe(&self, limit: u64, remaining: u64, reset_in: Duration) {
        let mut s = lock(&self.state);
        let now = self.time.model_now();
        s.limit = limit;
        s.used = limit.saturating_sub(remaining);
        s.window_end = now + reset_in.as_secs_f64().min(self.window).max(1e-9);
    }

    /// Sleeps (tokio) until `calls` calls fit, then counts them.
    pub async fn acquire(&self, calls: u64) -> Result<u64, Wait> {
        sleep_until_ok(|| self.try_take(calls)).await
    }
}

/// Shopify `extensions.cost.throttleStatus`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleStatus {
    pub maximum_available: f64,
    pub currently_available: f64,
    pub restore_rate: f64,
}

/// A cost charged up front by [`CostBucket::try_charge`]; hand it back to
/// [`CostBucket::refund`] with the actual cost once known.
#[derive(Debug, Clone, Copy, PartialEq)]
#[must_use = "refund the charge with the actual cost"]
pub struct Charge {
    requested: f64,
}

impl Charge {
    /// The requested cost that was debited.
    pub fn requested(&self) -> f64 {
        self.requested
    }
}

/// Shopify Admin GraphQL cost bucket: `maximum` points restored at `restore_per_sec` points per
/// (model) second; starts full.
#[derive(Debug)]
pub struct CostBucket {
    time: TimeSource,
    state: Mutex<Level>,
}

impl CostBucket {
    /// Negative or non-finite values are treated as 0.
    pub fn new(maximum: f64, restore_per_sec: f64, time: TimeSource) -> Self {
        let now = time.model_now();
        let level = Level::full(non_negative(maximum), non_negative(restore_per_sec), now);
        Self {
            time,
            state: Mutex::new(level),
        }
    }

    /// Debits `requested` points, or says how long until they are available — a simulator
    /// answers `THROTTLED` (with [`CostBucket::status`]) in that case. `Never` means the
    /// requested cost exceeds the bucket's maximum.
    pub fn try_charge(&self, requested: f64) -> Result<Charge, Wait> {
        let requested = non_negative(requested);
        let mut s = lock(&self.state);
        s.refill(self.time.model_now());
        s.check(requested, &self.time)?;
        s.take(requested);
        Ok(Charge { requested })
    }

    /// Settles a charge: refunds `requested − actual` points (capped at the maximum); an actual
    /// cost above the requested one debits the difference (never below zero).
    pub fn refund(&self, charge: Charge, actual: f64) {
        let actual = non_negative(actual);
        let mut s = lock(&self.state);
        s.refill(self.time.model_now());
        s.give(charge.requested - actual);
    }

    /// Real time until `requested` points would be available (zero if now), `None` if never.
    pub fn wait_time(&self, requested: f64) -> Option<Duration> {
        let requested = non_negative(requested);
        let mut s = lock(&self.state);
        s.refill(self.time.model_now());
        match s.check(requested, &self.time) {
            Ok(()) => Some(Duration::ZERO),
            Err(w) => w.duration(),
        }
    }

    /// Sleeps (tokio) until `requested` points can be charged, then charges them.
    pub async fn acquire(&self, requested: f64) -> Result<Charge, Wait> {
        sleep_until_ok(|| self.try_charge(requested)).await
    }

    /// `extensions.cost.throttleStatus` as of now.
    pub fn status(&self) -> ThrottleStatus {
        let mut s = lock(&self.state);
        s.refill(self.time.model_now());
        ThrottleStatus {
            maximum_available: s.capacity,
            currently_available: s.level,
            restore_rate: s.rate,
        }
    }

    /// Resyncs the local view from a real response's `throttleStatus` (the response reflects the
    /// vendor's state as of now; the level is clamped to `0..=maximum`).
    pub fn observe(&self, currently_available: f64, maximum: f64, restore_rate: f64) {
        let mut s = lock(&self.state);
        s.capacity = non_negative(maximum);
        s.rate = non_negative(restore_rate);
        s.level = non_negative(currently_available).min(s.capacity);
        s.last = self.time.model_now();
    }

    /// [`CostBucket::observe`] from a deserialized `throttleStatus`.
    pub fn observe_status(&self, status: &ThrottleStatus) {
        self.observe(
            status.currently_available,
            status.maximum_available,
            status.restore_rate,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn after(w: Result<impl std::fmt::Debug, Wait>) -> Duration {
        match w {
            Err(Wait::After(d)) => d,
            other => panic!("expected Wait::After, got {other:?}"),
        }
    }

    fn approx(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn token_bucket_starts_full_and_caps_burst() {
        let (time, clock) = TimeSource::manual(1.0);
        let b = TokenBucket::new(5.0, 5.0, time);
        for _ in 0..5 {
            assert_eq!(b.try_take(1.0), Ok(()));
        }
        assert_eq!(b.try_take(1.0), Err(Wait::After(ms(200))));
        // A long idle period refills only up to the burst.
        clock.advance(Duration::from_secs(3600));
        assert!(approx(b.available(), 5.0));
        for _ in 0..5 {
            assert_eq!(b.try_take(1.0), Ok(()));
        }
        assert!(b.try_take(1.0).is_err());
    }

    #[test]
    fn token_bucket_refills_at_rate_and_wait_is_exact() {
        let (time, clock) = TimeSource::manual(1.0);
        let b = TokenBucket::new(5.0, 5.0, time);
        assert_eq!(b.try_take(5.0), Ok(()));
        assert_eq!(b.wait_time(1.0), Some(ms(200)));
        assert_eq!(b.wait_time(3.0), Some(ms(600)));
        clock.advance(ms(199));
        assert_eq!(b.try_take(1.0), Err(Wait::After(ms(1))));
        clock.advance(ms(1));
        assert_eq!(b.try_take(1.0), Ok(()));
        assert!(approx(b.available(), 0.0));
        clock.advance(ms(500));
        assert!(approx(b.available(), 2.5));
        assert_eq!(b.wait_time(2.0), Some(Duration::ZERO));
        assert_eq!(b.wait_time(3.0), Some(ms(100)));
    }

    #[test]
    fn token_bucket_fractional_rate() {
        // SP-API's 0.0167 requests/s (one a minute, roughly), burst 1.
        let (time, clock) = TimeSource::manual(1.0);
        let b = TokenBucket::new(0.0167, 1.0, time);
        assert_eq!(b.try_take(1.0), Ok(()));
        let wait = after(b.try_take(1.0));
        // 1 / 0.0167 s = 59.880239520958… s, rounded to the nanosecond.
        assert_eq!(wait, Duration::from_nanos(59_880_239_521));
        clock.advance(Duration::from_secs(59));
        let rest = after(b.try_take(1.0));
        assert_eq!(rest, wait - Duration::from_secs(59));
        clock.advance(rest - Duration::from_nanos(1_000));
        assert!(b.try_take(1.0).is_err());
        clock.advance(Duration::from_nanos(1_000));
        assert_eq!(b.try_take(1.0), Ok(()));
    }

    #[test]
    fn advancing_by_the_returned_wait_always_succeeds() {
        for (rate, scale) in [(0.0167, 1.0), (3.0, 7.0), (0.5, 3600.0), (1000.0, 86400.0)] {
            let (time, clock) = TimeSource::manual(scale);
            let b = TokenBucket::new(rate, 2.0, time);
            assert_eq!(b.try_take(2.0), Ok(()));
            for _ in 0..20 {
                let w = after(b.try_take(1.0));
                clock.advance(w);
                assert_eq!(b.try_take(1.0), Ok(()), "rate {rate} scale {scale}");
            }
        }
    }

    #[test]
    fn token_bucket_time_scale() {
        // One token an hour; with 3600x one real second is an hour.
        let (time, clock) = TimeSource::manual(3600.0);
        let b = TokenBucket::new(1.0 / 3600.0, 1.0, time);
        assert_eq!(b.try_take(1.0), Ok(()));
        assert_eq!(b.try_take(1.0), Err(Wait::After(Duration::from_secs(1))));
        clock.advance(ms(500));
        assert!(approx(b.available(), 0.5));
        clock.advance(ms(500));
        assert_eq!(b.try_take(1.0), Ok(()));
    }

    #[test]
    fn token_bucket_never_and_invalid_inputs() {
        let (time, clock) = TimeSource::manual(1.0);
        let b = TokenBucket::new(5.0, 5.0, time.clone());
        assert_eq!(b.try_take(6.0), Err(Wait::Never));
        assert_eq!(b.wait_time(6.0), None);
        let zero = TokenBucket::new(0.0, 1.0, time.clone());
        assert_eq!(zero.try_take(1.0), Ok(()));
        assert_eq!(zero.try_take(1.0), Err(Wait::Never));
        clock.advance(Duration::from_secs(1_000_000));
        assert_eq!(zero.try_take(1.0), Err(Wait::Never));
        let bad = TokenBucket::new(f64::NAN, -3.0, time);
        assert_eq!(bad.rate_per_sec(), 0.0);
        assert_eq!(bad.burst(), 0.0);
        assert_eq!(bad.try_take(0.0), Ok(()));
        assert_eq!(bad.try_take(1.0), Err(Wait::Never));
        // A bad time scale falls back to real time.
        assert_eq!(
            TimeSource::new(Arc::new(ManualClock::new()), 0.0).time_scale(),
            1.0
        );
        assert_eq!(
            TimeSource::new(Arc::new(ManualClock::new()), f64::INFINITY).time_scale(),
            1.0
        );
    }

    #[test]
    fn token_bucket_never_negative() {
        let (time, clock) = TimeSource::manual(1.0);
        let b = TokenBucket::new(1.0, 3.0, time);
        for _ in 0..10 {
            let _ = b.try_take(1.0);
            let _ = b.try_take(2.5);
            assert!(b.available() >= 0.0);
        }
        // Failed attempts don't consume: after 3 s the bucket is full again.
        clock.advance(Duration::from_secs(3));
        assert!(approx(b.available(), 3.0));
    }

    #[test]
    fn token_bucket_is_shared_across_threads() {
        let (time, _clock) = TimeSource::manual(1.0);
        let b = Arc::new(TokenBucket::new(1.0, 100.0, time));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let b = Arc::clone(&b);
                std::thread::spawn(move || (0..50).filter(|_| b.try_take(1.0).is_ok()).count())
            })
            .collect();
        let taken: usize = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
        assert_eq!(taken, 100);
    }

    #[test]
    fn manual_clock_is_monotonic_and_shared() {
        let clock = ManualClock::new();
        let other = clock.clone();
        clock.advance(ms(10));
        assert_eq!(other.elapsed(), ms(10));
        clock.set(ms(5));
        assert_eq!(clock.elapsed(), ms(10));
        clock.set(ms(15));
        assert_eq!(other.elapsed(), ms(15));
    }

    #[test]
    fn daily_quota_counts_and_resets() {
        let (time, clock) = TimeSource::manual(1.0);
        let q = DailyQuota::daily(3, time);
        assert_eq!(q.try_call(), Ok(2));
        assert_eq!(q.try_call(), Ok(1));
        clock.advance(Duration::from_secs(3600));
        assert_eq!(q.try_call(), Ok(0));
        assert_eq!(
            q.try_call(),
            Err(Wait::After(Duration::from_secs(23 * 3600)))
        );
        assert_eq!(
            q.status(),
            QuotaStatus {
                limit: 3,
                remaining: 0,
                reset_in: Duration::from_secs(23 * 3600)
            }
        );
        clock.advance(Duration::from_secs(23 * 3600) - Duration::from_nanos(1));
        assert_eq!(q.try_call(), Err(Wait::After(Duration::from_nanos(1))));
        clock.advance(Duration::from_nanos(1));
        assert_eq!(q.remaining(), 3);
        assert_eq!(q.reset_in(), DailyQuota::DAY);
        assert_eq!(q.try_take(2), Ok(1));
        assert_eq!(q.try_take(2), Err(Wait::After(DailyQuota::DAY)));
        assert_eq!(q.try_take(4), Err(Wait::Never));
    }

    #[test]
    fn daily_quota_windows_stay_aligned_after_idle_days() {
        let (time, clock) = TimeSource::manual(1.0);
        let q = DailyQuota::daily(10, time).with_first_reset_in(Duration::from_secs(3600));
        assert_eq!(q.reset_in(), Duration::from_secs(3600));
        assert_eq!(q.try_take(10), Ok(0));
        // Three and a half days later: the window boundaries are still at 1 h + k days.
        clock.advance(Duration::from_secs(3600 + 3 * 86400 + 43200));
        assert_eq!(q.remaining(), 10);
        assert_eq!(q.reset_in(), Duration::from_secs(43200));
    }

    #[test]
    fn daily_quota_time_scale_and_observe() {
        // A whole day in one real second.
        let (time, clock) = TimeSource::manual(86400.0);
        let q = DailyQuota::daily(2_000_000, time);
        assert_eq!(q.reset_in(), Duration::from_secs(1));
        q.observe(2_000_000, 5, Duration::from_secs(43200));
        assert_eq!(q.remaining(), 5);
        assert_eq!(q.reset_in(), ms(500));
        assert_eq!(q.try_take(6), Err(Wait::After(ms(500))));
        clock.advance(ms(500));
        assert_eq!(q.remaining(), 2_000_000);
        assert_eq!(q.reset_in(), Duration::from_secs(1));
    }

    #[test]
    fn cost_bucket_charges_and_refunds() {
        let (time, _clock) = TimeSource::manual(1.0);
        let c = CostBucket::new(1000.0, 50.0, time);
        let charge = c.try_charge(100.0);
        let Ok(charge) = charge else {
            panic!("charge refused: {charge:?}")
        };
        assert_eq!(charge.requested(), 100.0);
        assert!(approx(c.status().currently_available, 900.0));
        c.refund(charge, 12.0);
        assert_eq!(
            c.status(),
            ThrottleStatus {
                maximum_available: 1000.0,
                currently_available: 988.0,
                restore_rate: 50.0
            }
        );
    }

    #[test]
    fn cost_bucket_throttles_with_exact_wait_and_restores() {
        let (time, clock) = TimeSource::manual(1.0);
        let c = CostBucket::new(1000.0, 50.0, time);
        c.observe(66.0, 1000.0, 50.0);
        // Shopify's example: requested 70 with 66 available → (70 − 66) / 50 = 80 ms.
        assert_eq!(c.try_charge(70.0), Err(Wait::After(ms(80))));
        assert!(
            approx(c.status().currently_available, 66.0),
            "throttled queries cost nothing"
        );
        clock.advance(ms(80));
        let charge = c.try_charge(70.0);
        assert!(charge.is_ok());
        assert!(approx(c.status().currently_available, 0.0));
        // Restores up to the maximum only.
        clock.advance(Duration::from_secs(60));
        assert!(approx(c.status().currently_available, 1000.0));
        assert_eq!(c.try_charge(1001.0), Err(Wait::Never));
        assert_eq!(c.wait_time(1001.0), None);
        assert_eq!(c.wait_time(1000.0), Some(Duration::ZERO));
    }

    #[test]
    fn cost_bucket_refund_is_capped_and_never_negative() {
        let (time, clock) = TimeSource::manual(1.0);
        let c = CostBucket::new(100.0, 10.0, time);
        let Ok(charge) = c.try_charge(50.0) else {
            panic!("charge refused")
        };
        clock.advance(Duration::from_secs(10));
        // Restored to full meanwhile; the refund cannot push it over the maximum.
        c.refund(charge, 0.0);
        assert!(approx(c.status().currently_available, 100.0));
        // Actual above requested debits the difference, but never below zero.
        let Ok(charge) = c.try_charge(90.0) else {
            panic!("charge refused")
        };
        c.refund(charge, 200.0);
        assert_eq!(c.status().currently_available, 0.0);
    }

    #[test]
    fn cost_bucket_observe_resyncs() {
        let (time, clock) = TimeSource::manual(1.0);
        let c = CostBucket::new(1000.0, 50.0, time);
        c.observe(1988.0, 2000.0, 100.0);
        assert_eq!(
            c.status(),
            ThrottleStatus {
                maximum_available: 2000.0,
                currently_available: 1988.0,
                restore_rate: 100.0
            }
        );
        clock.advance(ms(60));
        assert!(approx(c.status().currently_available, 1994.0));
        // Out-of-range reports are clamped.
        c.observe(5000.0, 1000.0, 50.0);
        assert!(approx(c.status().currently_available, 1000.0));
        c.observe(-3.0, 1000.0, 50.0);
        assert_eq!(c.status().currently_available, 0.0);
    }

    #[test]
    fn throttle_status_serializes_like_shopify() {
        let (time, _clock) = TimeSource::manual(1.0);
        let c = CostBucket::new(2000.0, 100.0, time);
        c.observe(1988.0, 2000.0, 100.0);
        let json = serde_json::to_value(c.status()).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({
                "maximumAvailable": 2000.0, "currentlyAvailable": 1988.0, "restoreRate": 100.0
            })
        );
        let parsed: Result<ThrottleStatus, _> = serde_json::from_value(serde_json::json!({
            "maximumAvailable": 1000, "currentlyAvailable": 66, "restoreRate": 50
        }));
        let Ok(parsed) = parsed else {
            panic!("parse failed: {parsed:?}")
        };
        c.observe_status(&parsed);
        assert_eq!(c.wait_time(70.0), Some(ms(80)));
    }

    #[tokio::test]
    async fn acquire_sleeps_until_allowed() {
        let b = TokenBucket::new(20.0, 1.0, TimeSource::real());
        assert_eq!(b.acquire(1.0).await, Ok(()));
        let start = Instant::now();
        assert_eq!(b.acquire(1.0).await, Ok(()));
        let waited = start.elapsed();
        assert!(waited >= ms(40), "waited only {waited:?}");
        assert!(waited < Duration::from_secs(2), "waited {waited:?}");
        assert_eq!(b.acquire(2.0).await, Err(Wait::Never));

        // Time scale: one point per model second at 100x is one point per 10 real ms.
        let c = CostBucket::new(3.0, 1.0, TimeSource::scaled(100.0));
        let Ok(first) = c.acquire(3.0).await else {
            panic!("first acquire failed")
        };
        c.refund(first, 3.0);
        let start = Instant::now();
        assert!(c.acquire(3.0).await.is_ok());
        assert!(
            start.elapsed() >= ms(25),
            "waited only {:?}",
            start.elapsed()
        );
    }
}
