//! CPU time from `/proc` (no `unsafe`, so no `getrusage`): per thread from
//! `/proc/self/task/*/schedstat` (nanoseconds on CPU), the whole process from `/proc/self/stat`
//! (clock ticks, dead threads included) and the whole machine from `/proc/stat`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Linux reports process and machine times in USER_HZ ticks, 100 per second on every
/// mainstream architecture.
const TICK_NS: u64 = 10_000_000;

pub struct Snapshot {
    at: Instant,
    /// tid -> (thread name, ns on CPU)
    threads: HashMap<u32, (String, u64)>,
    process_ns: u64,
    /// (busy, total) machine ticks
    machine: (u64, u64),
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

pub fn snapshot() -> Snapshot {
    let mut threads = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc/self/task") {
        for entry in dir.flatten() {
            let Some(tid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
                continue;
            };
            let name = read(&format!("/proc/self/task/{tid}/comm"))
                .trim_end()
                .to_string();
            let ns = read(&format!("/proc/self/task/{tid}/schedstat"))
                .split_whitespace()
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            threads.insert(tid, (name, ns));
        }
    }
    let stat = read("/proc/self/stat");
    let fields: Vec<u64> = stat
        .rsplit_once(')')
        .map(|(_, rest)| {
            rest.split_whitespace()
                .map(|f| f.parse().unwrap_or(0))
                .collect()
        })
        .unwrap_or_default();
    // Fields 14 and 15 (utime, stime) of proc(5); the list starts at field 3.
    let process_ns = (fields.get(11).unwrap_or(&0) + fields.get(12).unwrap_or(&0)) * TICK_NS;
    let cpu_line = read("/proc/stat");
    let ticks: Vec<u64> = cpu_line
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let t = |i: usize| ticks.get(i).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal
    let busy = t(0) + t(1) + t(2) + t(5) + t(6) + t(7);
    let machine = (busy, busy + t(3) + t(4));
    Snapshot {
        at: Instant::now(),
        threads,
        process_ns,
        machine,
    }
}

/// CPU used between two snapshots.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    pub wall: Duration,
    /// Threads whose name starts with the client prefix.
    pub client_ns: u64,
    /// The whole process (client, server, everything else), 10 ms resolution.
    pub process_ns: u64,
    /// All processes on the machine, in cores (busy time / wall time).
    pub machine_cores: f64,
}

impl Usage {
    pub fn between(a: &Snapshot, b: &Snapshot, client_prefix: &str) -> Self {
        let client_ns = b
            .threads
            .iter()
            .filter(|(_, (name, _))| name.starts_with(client_prefix))
            .map(|(tid, (_, ns))| {
                ns.saturating_sub(a.threads.get(tid).map_or(0, |(_, before)| *before))
            })
            .sum();
        let wall = b.at - a.at;
        let busy_ticks = b.machine.0.saturating_sub(a.machine.0);
        Self {
            wall,
            client_ns,
            process_ns: b.process_ns.saturating_sub(a.process_ns),
            machine_cores: (busy_ticks * TICK_NS) as f64 / wall.as_nanos().max(1) as f64,
        }
    }

    /// The rest of the process: the server under test (plus the idle main thread).
    pub fn server_ns(&self) -> u64 {
        self.process_ns.saturating_sub(self.client_ns)
    }

    pub fn cores(&self, ns: u64) -> f64 {
        ns as f64 / self.wall.as_nanos().max(1) as f64
    }
}
