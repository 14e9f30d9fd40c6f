//! `gencap`: writes a large, deterministic, synthetic capture of keep-alive
//! HTTP/1.1 authentication traffic for benchmarks and soak tests.
//!
//! Owns the command line, the main interleaving loop, the capture clock and
//! the run summary; receives only its arguments; emits a pcap (or pcapng) file
//! of Ethernet/IPv4/TCP frames with valid IPv4 and TCP checksums, plus a
//! `key=value` summary on stdout; must not read the wall clock for anything
//! that lands in the file (the same seed always gives the same bytes) and
//! carries made-up credentials only.
//!
//! ```text
//! cargo run --release --example gencap -- --out bench-data/x.pcap --size 200M --seed 1
//! ```
//!
//! Many clients (10.x.y.z) talk to four servers (192.0.2.0/24, ports 80 and
//! 8080). Each client has a fixed profile (browser with a login form and a
//! cookie, Bearer JWT API, Basic, Digest, NTLM, a wrong-password loop or a
//! rate-limited burst). `--concurrency` connections are open at once and their
//! segments are interleaved at random; `--reorder` swaps a data segment with
//! the next one of the same direction and `--retransmit` repeats one a couple
//! of packets later.

#[path = "gencap/browse.rs"]
mod browse;
#[path = "gencap/flow.rs"]
mod flow;
#[path = "gencap/http.rs"]
mod http;
#[path = "gencap/rng.rs"]
mod rng;
#[path = "gencap/scenario.rs"]
mod scenario;
#[cfg(test)]
#[path = "gencap/tests.rs"]
mod tests;
#[path = "gencap/wire.rs"]
mod wire;

use anyhow::Context as _;
use clap::Parser;
use flow::{Conn, Events};
use rng::Rng;
use scenario::Client;
use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;
use wire::{CaptureWriter, FileFormat};

/// 2024-03-01T00:00:00Z: where every capture's clock starts.
const EPOCH_US: u64 = 1_709_251_200_000_000;

/// Generate a synthetic HTTP authentication capture.
#[derive(Debug, Parser)]
#[command(name = "gencap")]
struct Args {
    /// Output file.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Approximate file size: a number with an optional K, M or G suffix (powers of 1024).
    #[arg(long, default_value = "1G", value_parser = parse_size)]
    size: u64,
    /// PRNG seed; the same seed and options always give the same file.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of distinct client addresses.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    clients: u32,
    /// Connections open at the same time.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    concurrency: u32,
    /// Fraction of data segments swapped with the next segment of the same side.
    #[arg(long, default_value_t = 0.01, value_parser = parse_probability)]
    reorder: f64,
    /// Fraction of data segments sent again a couple of packets later.
    #[arg(long, default_value_t = 0.005, value_parser = parse_probability)]
    retransmit: f64,
    /// File format.
    #[arg(long, value_enum, default_value_t = FileFormat::Pcap)]
    format: FileFormat,
}

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

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cfg = Config {
        size_bytes: args.size,
        seed: args.seed,
        clients: args.clients,
        concurrency: args.concurrency,
        reorder: args.reorder,
        retransmit: args.retransmit,
        format: args.format,
    };
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let file = std::fs::File::create(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let started = Instant::now();
    let (_, summary) = generate(&cfg, BufWriter::with_capacity(8 << 20, file))
        .with_context(|| format!("writing {}", args.out.display()))?;
    print_summary(&summary, started.elapsed().as_secs_f64());
    Ok(())
}

fn print_summary(s: &Summary, elapsed: f64) {
    println!("packets={}", s.packets);
    println!("bytes={}", s.bytes);
    println!("connections={}", s.connections);
    println!("exchanges={}", s.exchanges);
    println!("data_segments={}", s.data_segments);
    println!("reordered={}", s.reordered);
    println!("retransmitted={}", s.retransmitted);
    for (code, count) in &s.statuses {
        println!("status_{code}={count}");
    }
    println!("capture_seconds={:.3}", s.capture_us as f64 / 1e6);
    println!("elapsed_seconds={elapsed:.3}");
    println!("mb_per_s={:.1}", s.bytes as f64 / 1e6 / elapsed.max(1e-9));
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

fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_uppercase();
    let t = t
        .strip_suffix("IB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(&t);
    let (digits, shift) = match t.chars().last() {
        Some('K') => (&t[..t.len() - 1], 10),
        Some('M') => (&t[..t.len() - 1], 20),
        Some('G') => (&t[..t.len() - 1], 30),
        _ => (t, 0),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a size like 200M or 1G"))?;
    n.checked_mul(1u64 << shift)
        .filter(|&b| b > 0)
        .ok_or_else(|| format!("'{s}' is not a size above zero that fits in 64 bits"))
}

fn parse_probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("'{s}' is not a probability between 0 and 1")),
    }
}
