//! Runtime: wires sources, the engine and outputs. Owns threads, channels and
//! terminal setup; the stages never see any of it. `report` runs the engine to
//! completion in a plain loop (or its two halves on two threads); `replay` and `live` run it on a thread and
//! publish snapshots to the dashboard or write events headless.

mod live;

use crate::cli::{CommonArgs, LiveArgs, ReplayArgs};
use crate::engine::EngineConfig;
use crate::model::{FingerprintKey, Thresholds};
use crate::source;
use anyhow::Result;
use std::process::ExitCode;

mod replay;
mod report;

pub use report::run_report;

/// Builds the engine configuration from the shared command-line options.
pub fn engine_config(common: &CommonArgs) -> EngineConfig {
    let t = &common.thresholds;
    let l = &common.limits;
    let mut config = EngineConfig {
        thresholds: Thresholds {
            loop_count: t.loop_count.max(1),
            loop_window_secs: t.loop_window,
            redirect_loop_count: t.redirect_loop_count.max(1),
            redirect_loop_window_secs: t.redirect_loop_window,
            burst_count: t.burst_count.max(1),
            burst_window_secs: t.burst_window,
            challenge_answer_secs: t.challenge_window,
            jwt_skew_secs: t.jwt_skew,
            date_skew_secs: t.date_skew,
            ..Thresholds::default()
        },
        max_exchanges: common.max_exchanges,
        max_store_bytes: (common.max_store_mb as usize) << 20,
        fingerprint_key: fingerprint_key(),
        ..EngineConfig::default()
    };
    config.tcp.max_flows = l.max_flows.max(1);
    config.tcp.max_buffered_per_dir = l.max_buffer_per_flow;
    config.tcp.max_buffered_total = l.max_buffer_total;
    config.tcp.idle_timeout_ms = l.flow_timeout.saturating_mul(1000);
    config.tcp.server_ports = common.ports.clone();
    config.http.max_header_bytes = l.max_header_bytes.max(1024);
    config
}

/// Random per run; `AUTHSCOPE_FP_SEED` fixes it for reproducible output.
fn fingerprint_key() -> FingerprintKey {
    match std::env::var("AUTHSCOPE_FP_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        Some(seed) => FingerprintKey::fixed(seed),
        None => FingerprintKey::random(),
    }
}

/// True when colours should be used on standard output.
pub fn use_color(common: &CommonArgs) -> bool {
    !common.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `authscope replay`: the dashboard over files or stdin.
pub fn run_replay(args: &ReplayArgs) -> Result<ExitCode> {
    replay::run(args)
}

pub use live::run_live;

/// The live dashboard: the replay runtime over an open capture.
fn dashboard_live(capture: source::live::LiveCapture, args: &LiveArgs) -> Result<ExitCode> {
    replay::run_live(capture, args)
}
