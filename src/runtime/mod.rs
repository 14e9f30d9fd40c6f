//! Runtime: wires sources, the engine and outputs. Owns threads, channels and
//! terminal setup; the stages never see any of it. `report` runs the engine to
//! completion in a plain loop; `replay` and `live` run it on a thread and
//! publish snapshots to the dashboard or write events headless.

mod live;

use crate::cli::{CommonArgs, FailOn, Format, LiveArgs, ReplayArgs, ReportArgs};
use crate::engine::{Engine, EngineConfig};
use crate::model::{FingerprintKey, Severity, Thresholds};
use crate::report::{self, ReportOptions};
use crate::source;
use anyhow::Result;
use std::io::Write;
use std::process::ExitCode;

mod replay;

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

/// `authscope report`: the whole pipeline to completion, then one report.
/// Called once per process: the analysis state is left for the exit to reclaim.
pub fn run_report(args: &ReportArgs) -> Result<ExitCode> {
    let mut src = source::open_inputs(&args.files)?;
    let mut config = engine_config(&args.common);
    config.emit_events = args.format == Format::Ndjson;
    let mut engine = Engine::new(config);
    engine.set_credentials_stripped(src.credentials_stripped());
    let opts = ReportOptions {
        show_secrets: args.common.show_secrets,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut input_error = None;
    let streaming = args.files.iter().any(|p| is_stream(p));
    loop {
        match src.next_item() {
            Ok(Some(item)) => engine.feed(item),
            Ok(None) => break,
            Err(e) => {
                input_error = Some(e);
                break;
            }
        }
        if args.format == Format::Ndjson {
            let events = engine.drain_events();
            if !events.is_empty() {
                report::write_ndjson_events(&mut out, events, &opts)?;
                // A stream (`tcpdump -U -w - | authscope report -`) is watched
                // as it arrives: each batch of lines goes out at once.
                if streaming {
                    out.flush()?;
                }
            }
        }
    }
    engine.finish();
    let snapshot = engine.snapshot(src.stats(), src.notes());
    match args.format {
        Format::Text => report::write_text(&mut out, &snapshot, &opts)?,
        Format::Json => report::write_json(&mut out, &snapshot, &opts)?,
        Format::Ndjson => {
            report::write_ndjson_events(&mut out, engine.drain_events(), &opts)?;
            report::write_ndjson_summary(&mut out, &snapshot, &opts)?;
        }
    }
    out.flush()?;
    let worst = snapshot.findings.iter().map(|f| f.severity).max();
    // The process ends right after the report: handing the kept exchanges and
    // the detector state back to the allocator one by one costs about a tenth
    // of a run on a large capture, for memory the exit returns at once.
    std::mem::forget(snapshot);
    std::mem::forget(engine);
    if let Some(e) = input_error {
        eprintln!("authscope: {e}");
        return Ok(ExitCode::from(2));
    }
    let fail = match args.fail_on {
        Some(FailOn::Error) => worst == Some(Severity::Error),
        Some(FailOn::Warning) => worst >= Some(Severity::Warning),
        None => false,
    };
    Ok(if fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// True for stdin and other inputs that are not regular files (pipes, FIFOs):
/// their packets arrive over time.
fn is_stream(path: &str) -> bool {
    path == "-" || std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
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
