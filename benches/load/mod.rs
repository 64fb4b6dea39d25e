//! A closed-loop HTTP/1.1 load generator: N keep-alive connections over tokio `TcpStream`, each
//! sending the same pre-serialized request as soon as the previous answer is in, on a few
//! client threads (`loadgen-*`, one single-threaded runtime each) so that its CPU time can be
//! told apart from the server's in the same process.

pub mod cpu;
pub mod histogram;
pub mod http;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use self::histogram::Histogram;
use self::http::{Check, Reader};

/// The client threads' name prefix (CPU accounting relies on it).
pub const CLIENT_THREAD: &str = "loadgen-";

pub struct Plan {
    pub addr: SocketAddr,
    /// The whole request, head and body.
    pub request: Arc<[u8]>,
    pub check: Check,
    pub connections: usize,
    pub threads: usize,
    pub warmup: Duration,
    pub measure: Duration,
}

#[derive(Default)]
struct ConnStats {
    hist: Histogram,
    body_bytes: u64,
    wire_bytes: u64,
    errors: u64,
    first_error: Option<String>,
    reconnects: u64,
}

impl ConnStats {
    fn error(&mut self, e: String) {
        self.errors += 1;
        self.first_error.get_or_insert(e);
    }

    fn merge(&mut self, o: ConnStats) {
        self.hist.merge(&o.hist);
        self.body_bytes += o.body_bytes;
        self.wire_bytes += o.wire_bytes;
        self.errors += o.errors;
        self.reconnects += o.reconnects;
        if self.first_error.is_none() {
            self.first_error = o.first_error;
        }
    }
}

pub struct Outcome {
    /// Latencies of the requests answered inside the measured window.
    pub hist: Histogram,
    pub measured: Duration,
    /// Errors in warm-up and measurement alike.
    pub errors: u64,
    pub first_error: Option<String>,
    pub reconnects: u64,
    pub body_bytes: u64,
    pub wire_bytes: u64,
    pub cpu: cpu::Usage,
}

impl Outcome {
    pub fn rate(&self) -> f64 {
        self.hist.count() as f64 / self.measured.as_secs_f64()
    }

    pub fn per_request(&self, ns: u64) -> f64 {
        ns as f64 / self.hist.count().max(1) as f64
    }
}

async fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

async fn connection(
    addr: SocketAddr,
    request: Arc<[u8]>,
    check: Check,
    measure_from: Instant,
    until: Instant,
) -> ConnStats {
    let mut stats = ConnStats::default();
    let mut reader = Reader::default();
    let mut stream = None;
    while Instant::now() < until {
        let s = match stream.as_mut() {
            Some(s) => s,
            None => match connect(addr).await {
                Ok(s) => stream.insert(s),
                Err(e) => {
                    stats.error(format!("connect: {e}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let sent = Instant::now();
        if let Err(e) = s.write_all(&request).await {
            stats.error(format!("write: {e}"));
            stream = None;
            continue;
        }
        let (close, outcome) = match reader.read(s).await {
            Ok(r) => (
                r.close,
                http::check(check, &r).map(|()| (r.body.len(), r.wire_bytes)),
            ),
            Err(e) => (true, Err(e)),
        };
        let done = Instant::now();
        match outcome {
            Ok((body, wire)) => {
                // Completions inside the window count, whenever they were sent (as wrk does),
                // so long queues at many connections do not hide throughput.
                if done >= measure_from && done <= until {
                    stats.hist.record((done - sent).as_nanos() as u64);
                    stats.body_bytes += body as u64;
                    stats.wire_bytes += wire as u64;
                }
            }
            Err(e) => stats.error(e),
        }
        if close {
            stream = None;
            stats.reconnects += 1;
        }
    }
    stats
}

/// Runs the plan: warm-up, then the measured window; blocks until every connection is done.
pub fn run(plan: &Plan) -> Outcome {
    let threads = plan.threads.clamp(1, plan.connections.max(1));
    let start = Instant::now() + Duration::from_millis(20);
    let measure_from = start + plan.warmup;
    let until = measure_from + plan.measure;
    // Client threads stay alive until the closing CPU snapshot has seen them.
    let snapshot_taken = Arc::new(std::sync::Barrier::new(threads + 1));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let snapshot_taken = Arc::clone(&snapshot_taken);
            // Connections t, t + threads, ...: an even spread.
            let mine = (t..plan.connections).step_by(threads).count();
            let (addr, request, check) = (plan.addr, Arc::clone(&plan.request), plan.check);
            std::thread::Builder::new()
                .name(format!("{CLIENT_THREAD}{t}"))
                .spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("client runtime");
                    let stats = rt.block_on(async move {
                        let mut set = tokio::task::JoinSet::new();
                        for _ in 0..mine {
                            set.spawn(connection(
                                addr,
                                Arc::clone(&request),
                                check,
                                measure_from,
                                until,
                            ));
                        }
                        let mut all = ConnStats::default();
                        while let Some(done) = set.join_next().await {
                            all.merge(done.expect("connection task"));
                        }
                        all
                    });
                    snapshot_taken.wait();
                    stats
                })
                .expect("client thread")
        })
        .collect();
    std::thread::sleep(measure_from.saturating_duration_since(Instant::now()));
    let before = cpu::snapshot();
    std::thread::sleep(until.saturating_duration_since(Instant::now()));
    let after = cpu::snapshot();
    snapshot_taken.wait();
    let mut all = ConnStats::default();
    for w in workers {
        all.merge(w.join().expect("client thread panicked"));
    }
    Outcome {
        hist: all.hist,
        measured: plan.measure,
        errors: all.errors,
        first_error: all.first_error,
        reconnects: all.reconnects,
        body_bytes: all.body_bytes,
        wire_bytes: all.wire_bytes,
        cpu: cpu::Usage::between(&before, &after, CLIENT_THREAD),
    }
}

/// One request on a fresh connection: (status, body).
pub fn fetch_once(addr: SocketAddr, request: &[u8]) -> Result<(u16, Vec<u8>), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let mut s = connect(addr)
            .await
            .map_err(|e| format!("connect to {addr}: {e}"))?;
        s.write_all(request)
            .await
            .map_err(|e| format!("write: {e}"))?;
        let mut reader = Reader::default();
        let r = reader.read(&mut s).await?;
        Ok((r.status, r.body.to_vec()))
    })
}
