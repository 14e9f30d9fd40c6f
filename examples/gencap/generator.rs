//! The capture generator as a module tree, shared by the `gencap` binary,
//! the criterion benches (`benches/`) and the output-digest test
//! (`tests/perf_digest.rs`), each of which includes this file with `#[path]`.
//! Owns the run configuration, the interleaving loop and the capture clock;
//! receives a [`Config`] and a writer; emits the capture bytes and a
//! [`Summary`]; must not read the wall clock, so the same configuration always
//! gives the same bytes.

#[path = "browse.rs"]
mod browse;
#[path = "flow.rs"]
mod flow;
#[path = "http.rs"]
pub mod http;
#[path = "rng.rs"]
mod rng;
#[path = "scenario.rs"]
mod scenario;
#[path = "wire.rs"]
pub mod wire;

use flow::{Conn, Events};
use rng::Rng;
use scenario::Client;
use std::collections::BTreeMap;
use std::io::{self, Write};
use wire::CaptureWriter;
pub use wire::FileFormat;

/// 2024-03-01T00:00:00Z: where every capture's clock starts.
const EPOCH_US: u64 = 1_709_251_200_000_000;

/// Everything that determines the output bytes.
#[derive(Clone, Debug)]
pub struct Config {
    pub size_bytes: u64,
    pub seed: u64,
    pub clients: u32,
    pub concurrency: u32,
    pub reorder: f64,
    pub retransmit: f64,
    pub format: FileFormat,
}

/// What a run wrote.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    pub packets: u64,
    pub bytes: u64,
    /// Connections whose SYN was written.
    pub connections: u64,
    pub exchanges: u64,
    pub data_segments: u64,
    swappable: u64,
    pub reordered: u64,
    pub retransmitted: u64,
    pub statuses: BTreeMap<u16, u64>,
    pub capture_us: u64,
}

impl Summary {
    fn record(&mut self, events: Events) {
        self.connections += u64::from(events.opened);
        self.data_segments += u64::from(events.data);
        self.swappable += u64::from(events.swappable);
        self.reordered += u64::from(events.reordered);
        self.retransmitted += u64::from(events.retransmitted);
        if let Some(code) = events.status {
            self.exchanges += 1;
            *self.statuses.entry(code).or_default() += 1;
        }
    }
}

impl Summary {
    /// Only some data segments have a same-side successor to swap with, so
    /// the odds for those are scaled up until `reorder` of all data segments
    /// end up reordered (capped at certainty).
    fn swap_odds(&self, reorder: f64) -> f64 {
        if self.swappable == 0 {
            return reorder;
        }
        (reorder * self.data_segments as f64 / self.swappable as f64).min(1.0)
    }
}

/// Writes a whole capture to `out` and hands the writer back with a summary.
/// Once `size_bytes` is reached no new exchange or connection starts and the
/// open connections close with FINs, so the file ends slightly past the target.
pub fn generate<W: Write>(cfg: &Config, out: W) -> io::Result<(W, Summary)> {
    let mut rng = Rng::new(cfg.seed);
    let mut writer = CaptureWriter::new(out, cfg.format)?;
    let mut summary = Summary::default();
    let mut ports = vec![0u16; cfg.clients.max(1) as usize];
    let mut clock_us = EPOCH_US;
    let mut conns: Vec<Conn> = Vec::with_capacity(cfg.concurrency as usize);
    for _ in 0..cfg.concurrency.max(1) {
        conns.push(open(cfg, &mut rng, &mut ports));
    }
    while !conns.is_empty() {
        let i = rng.below(conns.len());
        let stopping = writer.bytes >= cfg.size_bytes;
        let Some(conn) = conns.get_mut(i) else { break };
        let odds = (summary.swap_odds(cfg.reorder), cfg.retransmit);
        match conn.next_pkt(&mut rng, odds, stopping, clock_us / 1_000_000) {
            Some((pkt, events)) => {
                clock_us += rng.range(1, 120);
                writer.write_segment(clock_us, &conn.segment(&pkt))?;
                summary.record(events);
            }
            None if stopping => {
                conns.swap_remove(i);
            }
            None => *conn = open(cfg, &mut rng, &mut ports),
        }
    }
    summary.packets = writer.packets;
    summary.bytes = writer.bytes;
    summary.capture_us = clock_us - EPOCH_US;
    Ok((writer.finish()?, summary))
}

/// A new connection from a random client, on that client's next ephemeral port.
fn open(cfg: &Config, rng: &mut Rng, ports: &mut [u16]) -> Conn {
    const FIRST: u16 = 32_768;
    const LAST: u16 = 60_999;
    let index = rng.below(ports.len());
    let who = Client::new(index as u32, cfg.seed, EPOCH_US / 1_000_000);
    let port = match ports.get(index).copied() {
        Some(0) | None => rng.range(u64::from(FIRST), u64::from(LAST)) as u16,
        Some(p) if p >= LAST => FIRST,
        Some(p) => p + 1,
    };
    if let Some(slot) = ports.get_mut(index) {
        *slot = port;
    }
    Conn::new(who, port, rng)
}
