//! The UI loop: one task on a current-thread tokio runtime owns `UiState` and
//! selects over terminal events, snapshot and status changes and a slow tick.
//! It redraws only when something changed, at most [`FRAME`] apart (≤ 20 fps),
//! so an idle or paused dashboard sleeps. Owns the terminal between
//! `ratatui::try_init` and `ratatui::restore` (also restored on error and, via
//! the panic hook, on panic). Receives snapshots over `watch` channels; emits
//! [`Control`] messages over a std channel. Must not block on capture.

use super::app::{Action, UiState};
use super::control::{Control, ReplayStatus};
use super::theme::Theme;
use super::views;
use crate::model::AnalysisSnapshot;
use anyhow::{Context, Result};
use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event, EventStream, MouseEventKind,
};
use futures::StreamExt;
use ratatui::layout::Rect;
use ratatui::DefaultTerminal;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Shortest time between two frames.
pub const FRAME: Duration = Duration::from_millis(50);
/// The slow tick (expires status-line messages).
const TICK: Duration = Duration::from_secs(1);
/// Ticks a status-line message stays.
const MESSAGE_TICKS: u32 = 6;

/// How the dashboard looks and behaves.
#[derive(Clone, Copy, Debug)]
pub struct DashboardOptions {
    /// Capture the mouse (wheel scrolls).
    pub mouse: bool,
    /// Use colours.
    pub color: bool,
    /// Start with secrets revealed (`--show-secrets`).
    pub reveal: bool,
    /// Start following the newest exchange (live capture).
    pub follow: bool,
}

/// The channels between the runtime and the dashboard.
#[derive(Debug)]
pub struct DashboardChannels {
    /// Newest analysis.
    pub snapshots: watch::Receiver<Arc<AnalysisSnapshot>>,
    /// Newest runtime status.
    pub status: watch::Receiver<ReplayStatus>,
    /// Requests to the engine thread.
    pub control: mpsc::Sender<Control>,
}

/// Runs the dashboard until the user quits; the terminal is restored whatever happens.
pub fn run_dashboard(channels: DashboardChannels, opts: DashboardOptions) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .context("starting the UI runtime")?;
    let mut terminal = ratatui::try_init().context("opening the terminal")?;
    install_mouse_panic_hook();
    if opts.mouse {
        let _ = crossterm::execute!(std::io::stdout(), EnableMouseCapture);
    }
    let snapshot = channels.snapshots.borrow().clone();
    let status = channels.status.borrow().clone();
    let mut state = UiState::new(snapshot, status, Theme::new(opts.color));
    state.reveal = opts.reveal;
    state.follow = opts.follow;
    let result = rt.block_on(event_loop(&mut terminal, channels, &mut state));
    if opts.mouse {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    }
    ratatui::restore();
    result
}

/// ratatui's hook restores the screen; this one also releases the mouse first.
fn install_mouse_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
        previous(info);
    }));
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    mut ch: DashboardChannels,
    state: &mut UiState,
) -> Result<()> {
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let (mut snaps_open, mut status_open) = (true, true);
    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    let mut message_ticks = 0u32;
    loop {
        if dirty && last_draw.is_none_or(|t| t.elapsed() >= FRAME) {
            draw(terminal, state)?;
            dirty = false;
            last_draw = Some(Instant::now());
        }
        let frame_due = last_draw.map_or_else(Instant::now, |t| t + FRAME);
        let before = state.message.clone();
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => dirty |= handle_event(ev, state, &ch.control),
                Some(Err(e)) => return Err(e).context("reading terminal events"),
                None => return Ok(()),
            },
            r = ch.snapshots.changed(), if snaps_open => match r {
                Ok(()) => {
                    let snap = ch.snapshots.borrow_and_update().clone();
                    state.set_snapshot(snap);
                    dirty = true;
                }
                Err(_) => snaps_open = false,
            },
            r = ch.status.changed(), if status_open => match r {
                Ok(()) => {
                    let status = ch.status.borrow_and_update().clone();
                    state.set_status(status);
                    dirty = true;
                }
                Err(_) => status_open = false,
            },
            _ = tick.tick() => {
                message_ticks = message_ticks.saturating_add(1);
                if state.message.is_some() && message_ticks >= MESSAGE_TICKS {
                    state.message = None;
                    dirty = true;
                }
            }
            _ = tokio::time::sleep_until(frame_due.into()), if dirty => {}
        }
        if state.message != before {
            message_ticks = 0;
        }
        if state.quit {
            let _ = ch.control.send(Control::Quit);
            return Ok(());
        }
    }
}

fn draw(terminal: &mut DefaultTerminal, state: &mut UiState) -> Result<()> {
    let size = terminal.size().context("reading the terminal size")?;
    let area = Rect::new(0, 0, size.width, size.height);
    state.set_list_rows(views::list_rows(area, state));
    terminal
        .draw(|f| views::render_dashboard(f.area(), f.buffer_mut(), state))
        .context("drawing the dashboard")?;
    Ok(())
}

/// Applies one terminal event; true when the screen must be redrawn.
fn handle_event(ev: Event, state: &mut UiState, control: &mpsc::Sender<Control>) -> bool {
    let action = match ev {
        Event::Key(key) => state.action_for(key),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::ScrollUp => Some(Action::Up),
            MouseEventKind::ScrollDown => Some(Action::Down),
            _ => None,
        },
        Event::Resize(..) => return true,
        _ => None,
    };
    let Some(action) = action else {
        return false;
    };
    if let Some(c) = state.apply(action) {
        // The engine thread may have ended (input finished or failed); a lost
        // control message then changes nothing.
        let _ = control.send(c);
    }
    true
}
