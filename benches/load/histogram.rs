//! A log-linear latency histogram: exact below 128 ns, then 64 buckets per power of two (at most
//! 1.6 % relative error), nanoseconds up to `u64::MAX`; constant memory, cheap to record, merged
//! across connections at the end.

const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;
const BUCKETS: usize = ((64 - SUB_BITS as usize) + 1) * SUB as usize;

#[derive(Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
    sum: u128,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: vec![0; BUCKETS],
            total: 0,
            max: 0,
            sum: 0,
        }
    }
}

fn index(v: u64) -> usize {
    if v < SUB {
        return v as usize;
    }
    let shift = (63 - v.leading_zeros()) - SUB_BITS;
    ((u64::from(shift) + 1) * SUB + ((v >> shift) - SUB)) as usize
}

/// The largest value that lands in bucket `i`.
fn upper(i: usize) -> u64 {
    let i = i as u64;
    if i < SUB {
        return i;
    }
    let shift = i / SUB - 1;
    let base = (i % SUB + SUB) << shift;
    base + ((1u64 << shift) - 1)
}

impl Histogram {
    pub fn record(&mut self, ns: u64) {
        self.counts[index(ns)] += 1;
        self.total += 1;
        self.max = self.max.max(ns);
        self.sum += u128::from(ns);
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
        self.sum += other.sum;
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    pub fn mean(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.sum as f64 / self.total as f64
        }
    }

    /// The value at quantile `q` (0..=1): the upper bound of the bucket holding that rank.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return upper(i).min(self.max);
            }
        }
        self.max
    }
}

/// Checks the bucket arithmetic (run once at start-up; microseconds).
pub fn self_test() {
    let mut last = 0;
    for v in (0..5000u64).chain([1 << 20, (1 << 40) + 12345, u64::MAX]) {
        let i = index(v);
        assert!(i < BUCKETS, "bucket of {v}");
        assert!(upper(i) >= v, "upper bound of {v}");
        assert!(i >= last || v > 5000, "monotonic at {v}");
        if v > 0 && i > 0 {
            assert!(upper(i - 1) < v, "tight lower bound at {v}");
        }
        assert!(upper(i) - v <= v / 64 + 1, "precision at {v}");
        last = i;
    }
    let mut h = Histogram::default();
    for v in 1..=1000u64 {
        h.record(v * 1000);
    }
    let p50 = h.quantile(0.5);
    assert!((500_000..=508_000).contains(&p50), "p50 {p50}");
    assert_eq!(h.quantile(1.0), 1_000_000);
}
