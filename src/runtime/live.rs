//! `authscope live`: capture on an interface and analyse as packets arrive.
//! Headless mode writes NDJSON or text lines as things happen (flushed per
//! line), periodic stats, and a final summary on `--duration` or Ctrl-C.

use super::engine_config;
use crate::cli::{LiveArgs, LiveFormat};
use crate::engine::{Engine, EngineEvent};
use crate::model::Timestamp;
use crate::report::{self, ReportOptions};
use crate::source::live::{list_interfaces, LiveCapture, LiveOptions, StopHandle};
use crate::source::Source;
use anyhow::Result;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Wall-clock interval between stats lines in headless mode.
const STATS_EVERY: Duration = Duration::from_secs(5);

/// `--duration` beyond this (about 31 years) is treated as "until stopped";
/// it keeps `Instant` arithmetic from overflowing.
const MAX_DURATION_SECS: f64 = 1e9;

/// Capture options from the command line.
pub fn live_options(args: &LiveArgs) -> LiveOptions {
    LiveOptions {
        interface: args.interface.clone(),
        filter: args.filter.clone(),
        ports: args.common.ports.clone(),
        snaplen: args.snaplen,
        promisc: args.promisc,
        buffer_mib: args.buffer_size,
        write: args.write.clone(),
        user: args.user.clone(),
    }
}

/// Entry point of `live`.
pub fn run_live(args: &LiveArgs) -> Result<ExitCode> {
    if args.list_interfaces {
        for line in list_interfaces()? {
            println!("{line}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let capture = LiveCapture::open(&live_options(args))?;
    if !args.headless {
        return super::dashboard_live(capture, args);
    }
    run_headless(capture, args)
}

fn run_headless(mut capture: LiveCapture, args: &LiveArgs) -> Result<ExitCode> {
    install_stop_handler(capture.stop_handle());
    eprintln!(
        "authscope: capturing on {} (filter: {}); Ctrl-C to stop",
        capture.interface(),
        capture.filter()
    );
    let mut config = engine_config(&args.common);
    config.emit_events = true;
    let mut engine = Engine::new(config);
    let opts = ReportOptions {
        show_secrets: args.common.show_secrets,
    };
    let deadline = args
        .duration
        .map(|d| Instant::now() + Duration::from_secs_f64(d.min(MAX_DURATION_SECS)));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut idle = Idle::default();
    let mut last_stats = Instant::now();
    while !capture.ended() {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            capture.request_stop();
        }
        if capture.wait(Duration::from_millis(100)) {
            if let Ok(Some(item)) = capture.next_item() {
                engine.feed(item);
                idle.packet(engine.clock());
            }
        } else if let Some(now) = idle.advanced_clock() {
            engine.tick(now);
        }
        write_events(&mut out, engine.drain_events(), args.format, &opts)?;
        if last_stats.elapsed() >= STATS_EVERY {
            last_stats = Instant::now();
            write_stats(&mut out, &mut engine, &capture, args.format, &opts)?;
        }
    }
    engine.finish();
    write_events(&mut out, engine.drain_events(), args.format, &opts)?;
    write_summary(&mut out, &mut engine, &capture, args.format, &opts)?;
    if let Some(e) = capture.error() {
        eprintln!("authscope: {}: {e}", capture.interface());
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C (and SIGTERM, SIGHUP) ends the capture with the final summary; a
/// second one exits at once, in case the summary itself is stuck.
fn install_stop_handler(stop: StopHandle) {
    let mut asked = false;
    let _ = ctrlc::set_handler(move || {
        if asked {
            std::process::exit(130);
        }
        asked = true;
        stop.stop();
    });
}

/// Capture time advanced by wall time while no packet arrives, so detector
/// windows close on an idle link. Only the runtime does this; the core still
/// sees nothing but timestamps.
#[derive(Default)]
struct Idle {
    last_capture: Option<(Timestamp, Instant)>,
}

impl Idle {
    fn packet(&mut self, clock: Option<Timestamp>) {
        self.last_capture = clock.map(|c| (c, Instant::now()));
    }

    fn advanced_clock(&self) -> Option<Timestamp> {
        let (ts, at) = self.last_capture?;
        let micros = i64::try_from(at.elapsed().as_micros()).unwrap_or(i64::MAX);
        Some(ts.add_micros(micros))
    }
}

fn write_events(
    out: &mut impl Write,
    events: Vec<EngineEvent>,
    format: LiveFormat,
    opts: &ReportOptions,
) -> Result<()> {
    for ev in events {
        match format {
            LiveFormat::Ndjson => report::write_ndjson_events(out, vec![ev], opts)?,
            LiveFormat::Text => match ev {
                EngineEvent::Exchange(r) => writeln!(out, "{}", report::exchange_line(&r, opts))?,
                EngineEvent::Finding(f) => writeln!(out, "{}", report::finding_line(&f))?,
            },
        }
        out.flush()?;
    }
    Ok(())
}

fn write_stats(
    out: &mut impl Write,
    engine: &mut Engine,
    capture: &LiveCapture,
    format: LiveFormat,
    opts: &ReportOptions,
) -> Result<()> {
    let snap = engine.snapshot(capture.stats(), Vec::new());
    match format {
        LiveFormat::Ndjson => report::write_ndjson_summary(out, &snap, opts)?,
        LiveFormat::Text => {
            let s = snap.sources.first();
            writeln!(
                out,
                "-- packets {}  dropped {} (kernel {})  exchanges {}  findings {}",
                s.map_or(0, |s| s.packets),
                s.map_or(0, |s| s.dropped),
                s.and_then(|s| s.kernel_dropped).unwrap_or(0),
                snap.stats.exchanges,
                snap.findings.len()
            )?
        }
    }
    out.flush()?;
    Ok(())
}

fn write_summary(
    out: &mut impl Write,
    engine: &mut Engine,
    capture: &LiveCapture,
    format: LiveFormat,
    opts: &ReportOptions,
) -> Result<()> {
    let snap = engine.snapshot(capture.stats(), capture.notes());
    match format {
        LiveFormat::Ndjson => report::write_ndjson_summary(out, &snap, opts)?,
        LiveFormat::Text => {
            writeln!(out, "== summary")?;
            for f in &snap.findings {
                writeln!(out, "{}", report::finding_line(f))?;
            }
            write_stats(out, engine, capture, format, opts)?;
        }
    }
    out.flush()?;
    Ok(())
}
