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

#[path = "gencap/generator.rs"]
mod generator;
#[cfg(test)]
#[path = "gencap/tests.rs"]
mod tests;

use anyhow::Context as _;
use clap::Parser;
use generator::{generate, Config, FileFormat, Summary};
#[cfg(test)]
use generator::{http, wire};
use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;

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
