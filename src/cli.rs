//! Command line (clap derive only). The contract is DESIGN.md's "Command line".

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Watch HTTP authentication happen and say what is wrong.
#[derive(Debug, Parser)]
#[command(name = "authscope", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse captures or HAR files and print a report (text, JSON or NDJSON).
    Report(ReportArgs),
    /// Open the dashboard on captures or HAR files (`-` reads a pcap stream on stdin).
    Replay(ReplayArgs),
    /// Capture on an interface and watch live, in the dashboard or headless.
    Live(LiveArgs),
}

/// Output formats of `report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable report: findings, exchanges, stats.
    Text,
    /// One JSON document (contract version 1).
    Json,
    /// One JSON object per line: exchanges and findings as they happen, then stats.
    Ndjson,
}

/// `--fail-on` levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 1 when any error finding exists.
    Error,
    /// Exit 1 when any warning or error finding exists.
    Warning,
}

/// `report` arguments.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Capture (pcap, pcapng) or HAR files; `-` reads a pcap stream from stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit with status 1 when a finding of this severity (or worse) exists.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    /// Analysis threads: 2 reads and parses on one thread while another
    /// diagnoses (the report is identical); 1 runs everything on one. Default:
    /// 2 where the machine has two cores. The pipeline has two halves, so
    /// values above 2 use 2.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Options shared by every mode.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `replay` arguments.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Capture (pcap, pcapng) or HAR files; `-` reads a pcap stream from stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Replay speed: `max` loads as fast as possible, a number paces the capture
    /// at that multiple of real time.
    #[arg(long, default_value = "max", value_parser = parse_speed)]
    pub speed: Speed,
    /// Start paused.
    #[arg(long)]
    pub paused: bool,
    /// Do not capture the mouse.
    #[arg(long)]
    pub no_mouse: bool,
    /// Options shared by every mode.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Replay pacing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    /// As fast as possible.
    Max,
    /// This multiple of capture time.
    Factor(f64),
}

fn parse_speed(s: &str) -> Result<Speed, String> {
    if s.eq_ignore_ascii_case("max") {
        return Ok(Speed::Max);
    }
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 && f <= 1_000_000.0 => Ok(Speed::Factor(f)),
        _ => Err(format!(
            "'{s}' is not a speed: use `max` or a number above 0"
        )),
    }
}

/// Headless output formats of `live`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LiveFormat {
    /// One JSON object per line, flushed per line.
    Ndjson,
    /// Readable lines as things happen, then a summary.
    Text,
}

/// `live` arguments.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Interface to capture on (default: as tcpdump picks it).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: Option<String>,
    /// BPF capture filter (default: TCP on the usual HTTP ports and every --port).
    #[arg(short = 'f', long = "filter", value_name = "BPF")]
    pub filter: Option<String>,
    /// List capture interfaces and exit.
    #[arg(short = 'D', long)]
    pub list_interfaces: bool,
    /// Bytes captured per packet.
    #[arg(long, default_value_t = 262_144)]
    pub snaplen: i32,
    /// Put the interface in promiscuous mode.
    #[arg(long)]
    pub promisc: bool,
    /// Kernel capture buffer size in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 16)]
    pub buffer_size: i32,
    /// No dashboard: print events to standard output.
    #[arg(long)]
    pub headless: bool,
    /// Headless output format.
    #[arg(long, value_enum, default_value_t = LiveFormat::Ndjson)]
    pub format: LiveFormat,
    /// Stop after this long (`30s`, `5m`, `1h`, or seconds).
    #[arg(long, value_parser = parse_duration_secs, value_name = "D")]
    pub duration: Option<f64>,
    /// Save the raw packets seen to this pcapng file.
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,
    /// Drop privileges to this user right after opening the interface.
    #[arg(short = 'Z', long = "user", value_name = "USER")]
    pub user: Option<String>,
    /// Do not capture the mouse.
    #[arg(long)]
    pub no_mouse: bool,
    /// Options shared by every mode.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Parses `30s`, `5m`, `1h`, `250ms` or plain seconds.
pub fn parse_duration_secs(s: &str) -> Result<f64, String> {
    let s = s.trim();
    let (num, mult) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = s.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (s, 1.0)
    };
    match num.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v * mult),
        _ => Err(format!("'{s}' is not a duration: use e.g. 30s, 5m, 1h")),
    }
}

/// Options shared by `report`, `replay` and `live`.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Show passwords, tokens and cookie values instead of masks.
    #[arg(long)]
    pub show_secrets: bool,
    /// Exchanges kept for the report and the dashboard (older ones are counted only).
    #[arg(long, default_value_t = 20_000, value_name = "N")]
    pub max_exchanges: usize,
    /// Memory for the kept exchanges, in MiB (oldest evicted first; counts stay complete).
    #[arg(long, default_value_t = crate::engine::DEFAULT_STORE_MB as u32, value_name = "MIB",
          value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub max_store_mb: u32,
    /// Extra TCP port that carries HTTP (repeatable); HTTP is also recognised by content.
    #[arg(long = "port", value_name = "PORT")]
    pub ports: Vec<u16>,
    /// No colours (also when NO_COLOR is set).
    #[arg(long)]
    pub no_color: bool,
    /// Detector thresholds.
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
    /// Resource limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Detector thresholds (defaults from DIAGNOSES.md).
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Detector thresholds")]
pub struct ThresholdArgs {
    /// auth-loop: 401s from one origin to one client …
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub loop_count: u32,
    /// … within this many seconds.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub loop_window: u32,
    /// login-redirect-loop: redirects to the same login URL …
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub redirect_loop_count: u32,
    /// … within this many seconds.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub redirect_loop_window: u32,
    /// failed-login-burst: rejected credentials for one user or client …
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub burst_count: u32,
    /// … within this many seconds.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub burst_window: u32,
    /// missing-credentials: seconds a client has to answer a challenge.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub challenge_window: u32,
    /// clock-skew: tolerance for JWT nbf/iat in the future, seconds.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub jwt_skew: u32,
    /// clock-skew: tolerance for the server Date header, seconds.
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub date_skew: u32,
}

/// Resource limits (see docs/LIMITS.md).
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Limits")]
pub struct LimitArgs {
    /// TCP connections tracked at once.
    #[arg(long, default_value_t = 65_536, value_name = "N")]
    pub max_flows: usize,
    /// Out-of-order bytes buffered per connection direction.
    #[arg(long, default_value_t = 256 << 10, value_name = "BYTES")]
    pub max_buffer_per_flow: usize,
    /// Out-of-order bytes buffered over all connections.
    #[arg(long, default_value_t = 64 << 20, value_name = "BYTES")]
    pub max_buffer_total: usize,
    /// Seconds of capture time after which an idle connection is closed.
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub flow_timeout: u32,
    /// Header bytes per HTTP message.
    #[arg(long, default_value_t = 64 << 10, value_name = "BYTES")]
    pub max_header_bytes: usize,
}
