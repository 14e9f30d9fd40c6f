//! Replay wiring: an engine thread reads the inputs, feeds the [`Engine`],
//! paces by capture timestamps when a speed factor is set, and publishes an
//! `Arc<AnalysisSnapshot>` on a `watch` channel at most every
//! [`PUBLISH_EVERY`] (plus at the start and the end). The dashboard runs on the
//! calling thread and sends [`Control`] messages back over a std channel.
//! Owns the thread, channels and wall-clock pacing (the only sleeps, so the
//! core never sees a clock); receives files and options; emits snapshots and a
//! [`ReplayStatus`]. Must not block the UI: nothing here runs on its thread.

use crate::cli::{CommonArgs, LiveArgs, ReplayArgs, Speed};
use crate::engine::{Engine, EngineConfig};
use crate::model::{
    sanitize_str, AnalysisSnapshot, HttpExchange, LinkType, RawFrame, SourceItem, Timestamp,
};
use crate::source::{self, InputError, Source};
use crate::ui::{self, Control, DashboardChannels, DashboardOptions, ReplayStatus};
use anyhow::{Context, Result};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Shortest wall time between two published snapshots.
pub const PUBLISH_EVERY: Duration = Duration::from_millis(250);

/// `authscope replay`: the dashboard over files or stdin.
pub fn run(args: &ReplayArgs) -> Result<ExitCode> {
    let files = args.files.clone();
    let launch = Launch {
        label: args.files.join(", "),
        speed: args.speed,
        paused: args.paused,
        bytes_total: total_size(&args.files),
        no_mouse: args.no_mouse,
        follow: false,
    };
    run_dashboard(
        Box::new(move || source::open_inputs(&files)),
        launch,
        &args.common,
    )
}

/// `authscope live` with the dashboard: the already opened capture is the
/// source (it cannot be reopened, so seeking to the start is refused).
pub fn run_live(capture: source::live::LiveCapture, args: &LiveArgs) -> Result<ExitCode> {
    let label = format!("live {} ({})", capture.interface(), capture.filter());
    let mut slot = Some(capture);
    let open: Opener = Box::new(move || match slot.take() {
        Some(c) => Ok(Box::new(c) as Box<dyn Source>),
        None => Err(InputError {
            path: "live".into(),
            message: "a live capture cannot restart from the beginning".into(),
        }),
    });
    let launch = Launch {
        label,
        speed: Speed::Max,
        paused: false,
        bytes_total: None,
        no_mouse: args.no_mouse,
        follow: true,
    };
    run_dashboard(open, launch, &args.common)
}

/// How the dashboard starts.
struct Launch {
    label: String,
    speed: Speed,
    paused: bool,
    bytes_total: Option<u64>,
    no_mouse: bool,
    follow: bool,
}

fn run_dashboard(open: Opener, launch: Launch, common: &CommonArgs) -> Result<ExitCode> {
    if !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the dashboard needs a terminal; use `authscope report` or `live --headless`"
        );
    }
    let status = ReplayStatus {
        source_label: launch.label,
        speed: launch.speed,
        paused: launch.paused,
        bytes_total: launch.bytes_total,
        ..ReplayStatus::default()
    };
    let (snap_tx, snap_rx) = watch::channel(Arc::new(AnalysisSnapshot::default()));
    let (status_tx, status_rx) = watch::channel(status.clone());
    let (ctrl_tx, ctrl_rx) = mpsc::channel();
    let final_status = status_rx.clone();
    let replayer = Replayer {
        open,
        config: super::engine_config(common),
        speed: launch.speed,
        paused: launch.paused,
        anchor: None,
        snap_tx,
        status_tx,
        ctrl_rx,
        status,
        last_publish: None,
        dirty: false,
    };
    // Not joined: it may be blocked reading stdin or a quiet interface; it ends
    // when the UI's control sender is dropped, or with the process.
    std::thread::Builder::new()
        .name("authscope-engine".into())
        .spawn(move || replayer.run())
        .context("starting the engine thread")?;
    let opts = DashboardOptions {
        mouse: !launch.no_mouse,
        color: super::use_color(common),
        reveal: common.show_secrets,
        follow: launch.follow,
    };
    let channels = DashboardChannels {
        snapshots: snap_rx,
        status: status_rx,
        control: ctrl_tx,
    };
    ui::run_dashboard(channels, opts)?;
    if let Some(e) = &final_status.borrow().error {
        eprintln!("authscope: {e}");
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// Sum of the input file sizes; `None` when one of them is stdin or unreadable.
fn total_size(files: &[String]) -> Option<u64> {
    files.iter().try_fold(0u64, |acc, f| {
        if f == "-" {
            return None;
        }
        let len = std::fs::metadata(f).ok()?.len();
        Some(acc.saturating_add(len))
    })
}

/// What the engine thread does next.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Go,
    Restart,
    Quit,
}

/// A source item copied out of the source's buffer, so the source can be
/// used (for its counters) while the item waits for its time.
enum OwnedItem {
    Frame {
        ts: Timestamp,
        link_type: LinkType,
        data: Vec<u8>,
        orig_len: u32,
    },
    Exchange(Box<HttpExchange>),
}

impl OwnedItem {
    fn copy(item: SourceItem<'_>) -> Self {
        match item {
            SourceItem::Frame(f) => OwnedItem::Frame {
                ts: f.ts,
                link_type: f.link_type,
                data: f.data.to_vec(),
                orig_len: f.orig_len,
            },
            SourceItem::Exchange(e) => OwnedItem::Exchange(e),
        }
    }

    fn ts(&self) -> Timestamp {
        match self {
            OwnedItem::Frame { ts, .. } => *ts,
            OwnedItem::Exchange(e) => e.ts(),
        }
    }

    fn feed(self, engine: &mut Engine) {
        match self {
            OwnedItem::Frame {
                ts,
                link_type,
                data,
                orig_len,
            } => engine.feed(SourceItem::Frame(RawFrame {
                ts,
                link_type,
                data: &data,
                orig_len,
            })),
            OwnedItem::Exchange(e) => engine.feed(SourceItem::Exchange(e)),
        }
    }
}

/// Opens the inputs; a closure so tests can hand in their own source.
type Opener = Box<dyn FnMut() -> Result<Box<dyn Source>, InputError> + Send>;

/// The engine thread's state. Invariant: `anchor` is `None` whenever pacing
/// changed (speed, pause, restart), so the next item re-anchors wall time.
struct Replayer {
    /// Opens the inputs (again, on a seek to the start).
    open: Opener,
    config: EngineConfig,
    speed: Speed,
    paused: bool,
    /// Wall time and capture time of the item pacing is measured from.
    anchor: Option<(Instant, Timestamp)>,
    snap_tx: watch::Sender<Arc<AnalysisSnapshot>>,
    status_tx: watch::Sender<ReplayStatus>,
    ctrl_rx: mpsc::Receiver<Control>,
    status: ReplayStatus,
    last_publish: Option<Instant>,
    /// The engine changed since the last snapshot.
    dirty: bool,
}

impl Replayer {
    fn run(mut self) {
        while self.play_once() == Flow::Restart {}
    }

    /// Opens the inputs and plays them to the end; then waits for a restart or quit.
    fn play_once(&mut self) -> Flow {
        self.status.loading = true;
        self.status.error = None;
        self.status.clock = None;
        self.anchor = None;
        let mut src = match (self.open)() {
            Ok(s) => s,
            Err(e) => {
                self.status.loading = false;
                self.status.error = Some(sanitize_str(&e.to_string()));
                let _ = self.snap_tx.send(Arc::new(AnalysisSnapshot::default()));
                self.send_status();
                return self.wait_after_end();
            }
        };
        let mut engine = Engine::new(self.config.clone());
        engine.set_credentials_stripped(src.credentials_stripped());
        self.publish(&mut engine, src.as_ref());
        match self.feed_all(&mut engine, &mut src) {
            Flow::Go => {}
            other => return other,
        }
        engine.finish();
        self.status.loading = false;
        self.publish(&mut engine, src.as_ref());
        self.wait_after_end()
    }

    /// Feeds items until the input ends (`Go`), fails (`Go`, error noted) or a
    /// control message asks to restart or quit.
    fn feed_all(&mut self, engine: &mut Engine, src: &mut Box<dyn Source>) -> Flow {
        loop {
            match self.poll_controls() {
                Flow::Go => {}
                other => return other,
            }
            while self.paused {
                match self.wait_control(engine, src.as_ref()) {
                    Flow::Go => {}
                    other => return other,
                }
            }
            let next = match self.speed {
                Speed::Max => match src.next_item() {
                    Ok(Some(item)) => {
                        engine.feed(item);
                        Ok(true)
                    }
                    Ok(None) => Ok(false),
                    Err(e) => Err(e),
                },
                Speed::Factor(_) => match src.next_item() {
                    Ok(Some(item)) => {
                        let owned = OwnedItem::copy(item);
                        match self.pace(owned.ts(), engine, src.as_ref()) {
                            Flow::Go => owned.feed(engine),
                            other => return other,
                        }
                        Ok(true)
                    }
                    Ok(None) => Ok(false),
                    Err(e) => Err(e),
                },
            };
            match next {
                Ok(true) => {
                    self.dirty = true;
                    self.maybe_publish(engine, src.as_ref());
                }
                Ok(false) => return Flow::Go,
                Err(e) => {
                    self.status.error = Some(sanitize_str(&e.to_string()));
                    return Flow::Go;
                }
            }
        }
    }

    /// Waits until the item at capture time `ts` is due at the current speed,
    /// answering control messages and publishing while it waits.
    fn pace(&mut self, ts: Timestamp, engine: &mut Engine, src: &dyn Source) -> Flow {
        loop {
            let Speed::Factor(factor) = self.speed else {
                return Flow::Go;
            };
            if self.paused {
                match self.wait_control(engine, src) {
                    Flow::Go => continue,
                    other => return other,
                }
            }
            let (wall, cap) = *self.anchor.get_or_insert((Instant::now(), ts));
            let ahead_us = ts.micros_since(cap).max(0) as f64 / factor.max(1e-6);
            let due = wall + Duration::from_secs_f64((ahead_us / 1e6).min(86_400.0));
            let now = Instant::now();
            if due <= now {
                return Flow::Go;
            }
            let mut wait = due - now;
            if self.dirty {
                wait = wait.min(self.publish_due().saturating_duration_since(now));
            }
            match self.ctrl_rx.recv_timeout(wait) {
                Ok(c) => match self.apply(c) {
                    Flow::Go => {}
                    other => return other,
                },
                Err(RecvTimeoutError::Timeout) => self.maybe_publish(engine, src),
                Err(RecvTimeoutError::Disconnected) => return Flow::Quit,
            }
        }
    }

    /// While paused: block until a control message (or a pending publish is due).
    fn wait_control(&mut self, engine: &mut Engine, src: &dyn Source) -> Flow {
        let msg = if self.dirty {
            let wait = self.publish_due().saturating_duration_since(Instant::now());
            match self.ctrl_rx.recv_timeout(wait) {
                Ok(c) => Some(c),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return Flow::Quit,
            }
        } else {
            match self.ctrl_rx.recv() {
                Ok(c) => Some(c),
                Err(_) => return Flow::Quit,
            }
        };
        match msg {
            Some(c) => self.apply(c),
            None => {
                self.maybe_publish(engine, src);
                Flow::Go
            }
        }
    }

    /// After the input ended: only restart and quit matter; speed and pause
    /// are remembered for the next run.
    fn wait_after_end(&mut self) -> Flow {
        loop {
            match self.ctrl_rx.recv() {
                Ok(c) => match self.apply(c) {
                    Flow::Go => {}
                    other => return other,
                },
                Err(_) => return Flow::Quit,
            }
        }
    }

    fn poll_controls(&mut self) -> Flow {
        loop {
            match self.ctrl_rx.try_recv() {
                Ok(c) => match self.apply(c) {
                    Flow::Go => {}
                    other => return other,
                },
                Err(TryRecvError::Empty) => return Flow::Go,
                Err(TryRecvError::Disconnected) => return Flow::Quit,
            }
        }
    }

    fn apply(&mut self, c: Control) -> Flow {
        match c {
            Control::Quit => return Flow::Quit,
            Control::SeekStart => return Flow::Restart,
            Control::TogglePause => self.paused = !self.paused,
            Control::SetSpeed(s) => self.speed = s,
            Control::SeekEnd => {
                self.speed = Speed::Max;
                self.paused = false;
            }
        }
        self.anchor = None;
        self.send_status();
        Flow::Go
    }

    fn publish_due(&self) -> Instant {
        self.last_publish
            .map_or_else(Instant::now, |t| t + PUBLISH_EVERY)
    }

    fn maybe_publish(&mut self, engine: &mut Engine, src: &dyn Source) {
        if self.dirty && Instant::now() >= self.publish_due() {
            self.publish(engine, src);
        }
    }

    fn publish(&mut self, engine: &mut Engine, src: &dyn Source) {
        let snapshot = engine.snapshot(src.stats(), src.notes());
        let _ = self.snap_tx.send(Arc::new(snapshot));
        self.status.clock = engine.clock();
        self.send_status();
        self.last_publish = Some(Instant::now());
        self.dirty = false;
    }

    fn send_status(&mut self) {
        self.status.speed = self.speed;
        self.status.paused = self.paused;
        self.status_tx.send_replace(self.status.clone());
    }
}

#[cfg(test)]
mod tests;
