//! `UiState`: everything the dashboard remembers between frames, and `Action`,
//! the intent a key press turns into. Owns the selection, filter, overlays and
//! the newest snapshot; receives actions (from `keymap`) and snapshots/status
//! (from the runtime); emits [`Control`] messages for the engine thread. Must not
//! render or do I/O: views read it, the event loop drives it.

use super::control::{step_speed, Control, ReplayStatus};
use super::filter::{self, Filter};
use super::keymap::{self, KeyContext};
use super::theme::Theme;
use crate::model::{AnalysisSnapshot, ExchangeId, ExchangeRecord, FindingId};
use crossterm::event::KeyEvent;
use std::collections::BTreeSet;

mod nav;
use nav::move_by;
use std::sync::Arc;

/// What the user asked for; produced by the keymap, applied by [`UiState::apply`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Leave the dashboard.
    Quit,
    /// Selection or scroll one up.
    Up,
    /// Selection or scroll one down.
    Down,
    /// One page up.
    PageUp,
    /// One page down.
    PageDown,
    /// First row.
    Top,
    /// Last row.
    Bottom,
    /// Focus the next pane.
    NextPane,
    /// Focus the previous pane.
    PrevPane,
    /// Open the selection (exchange detail, or a finding's evidence).
    Open,
    /// Close the detail view, an overlay, or clear marks.
    Back,
    /// Start typing a filter.
    StartFilter,
    /// Show only failed exchanges (status ≥ 400), or all again.
    ToggleFailures,
    /// Keep the newest exchange selected as new ones arrive.
    ToggleFollow,
    /// Pause or resume the replay.
    TogglePause,
    /// Faster replay.
    SpeedUp,
    /// Slower replay.
    SpeedDown,
    /// Replay again from the first packet.
    SeekStart,
    /// Load the rest as fast as possible.
    SeekEnd,
    /// Jump to the next marked evidence exchange.
    NextMark,
    /// Jump to the previous marked evidence exchange.
    PrevMark,
    /// Ask to reveal secrets (or hide them again).
    ToggleSecrets,
    /// Answer yes to a question.
    Confirm,
    /// Answer no to a question.
    Deny,
    /// Show or hide the key help.
    ToggleHelp,
    /// Filter prompt: add a character.
    FilterChar(char),
    /// Filter prompt: delete the last character.
    FilterBackspace,
    /// Filter prompt: apply what was typed.
    FilterApply,
    /// Filter prompt: give up, keep the previous filter.
    FilterCancel,
}

/// The focusable panes of the dashboard, in Tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    /// The exchange list.
    List,
    /// The diagnosis pane.
    Findings,
    /// The flow ladder of the selected conversation.
    Flow,
}

/// Full-screen views.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Header, timeline, list, findings, flow.
    Dashboard,
    /// One exchange in full.
    Detail,
}

/// Something drawn over the screen that takes the keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    /// Nothing.
    None,
    /// The key help.
    Help,
    /// The filter prompt.
    Filter,
    /// "Reveal secrets? y/n".
    ConfirmReveal,
}

/// Evidence exchanges marked at once (a finding keeps a bounded list anyway).
const MAX_MARKS: usize = 10_000;

/// Dashboard state. Invariant: `list_sel < visible.len()` unless `visible` is
/// empty, and `list_offset <= list_sel`; `finding_sel < findings.len()` likewise.
#[derive(Debug)]
pub struct UiState {
    /// The newest snapshot.
    pub snapshot: Arc<AnalysisSnapshot>,
    /// Runtime status.
    pub status: ReplayStatus,
    /// Colours or not.
    pub theme: Theme,
    /// Focused pane.
    pub pane: Pane,
    /// Current screen.
    pub screen: Screen,
    /// Current overlay.
    pub overlay: Overlay,
    /// Show secrets instead of masks.
    pub reveal: bool,
    /// Only failed exchanges are listed.
    pub failures_only: bool,
    /// The selection follows the newest exchange.
    pub follow: bool,
    /// The applied filter.
    pub filter: Filter,
    /// What is being typed in the filter prompt.
    pub filter_input: String,
    /// Indices into `snapshot.exchanges` that pass the filter, in order.
    pub visible: Vec<usize>,
    /// Selected row of `visible`.
    pub list_sel: usize,
    /// First row of `visible` on screen.
    pub list_offset: usize,
    /// Rows of the list on screen (set from the terminal size).
    pub list_rows: usize,
    /// Selected finding.
    pub finding_sel: usize,
    /// Evidence exchanges of the opened finding.
    pub marked: BTreeSet<ExchangeId>,
    /// The finding whose evidence is marked.
    pub marked_finding: Option<FindingId>,
    /// Scroll of the detail view, in lines.
    pub detail_scroll: u16,
    /// Scroll of the flow ladder, in lines.
    pub flow_scroll: u16,
    /// Scroll of the help overlay, in lines.
    pub help_scroll: u16,
    /// A one-line message for the status line.
    pub message: Option<String>,
    /// The user asked to quit.
    pub quit: bool,
}

impl UiState {
    /// A fresh state over an (initially empty) snapshot.
    pub fn new(snapshot: Arc<AnalysisSnapshot>, status: ReplayStatus, theme: Theme) -> Self {
        let mut state = UiState {
            snapshot,
            status,
            theme,
            pane: Pane::List,
            screen: Screen::Dashboard,
            overlay: Overlay::None,
            reveal: false,
            failures_only: false,
            follow: false,
            filter: Filter::default(),
            filter_input: String::new(),
            visible: Vec::new(),
            list_sel: 0,
            list_offset: 0,
            list_rows: 10,
            finding_sel: 0,
            marked: BTreeSet::new(),
            marked_finding: None,
            detail_scroll: 0,
            flow_scroll: 0,
            help_scroll: 0,
            message: None,
            quit: false,
        };
        state.recompute_visible();
        state
    }

    /// Which key context is active now.
    pub fn key_context(&self) -> KeyContext {
        match (self.overlay, self.screen, self.pane) {
            (Overlay::Help, _, _) => KeyContext::Help,
            (Overlay::Filter, _, _) => KeyContext::Prompt,
            (Overlay::ConfirmReveal, _, _) => KeyContext::Confirm,
            (Overlay::None, Screen::Detail, _) => KeyContext::Detail,
            (Overlay::None, Screen::Dashboard, Pane::List) => KeyContext::List,
            (Overlay::None, Screen::Dashboard, Pane::Findings) => KeyContext::Findings,
            (Overlay::None, Screen::Dashboard, Pane::Flow) => KeyContext::Flow,
        }
    }

    /// Maps a key to an action in the current context.
    pub fn action_for(&self, key: KeyEvent) -> Option<Action> {
        keymap::lookup(self.key_context(), key)
    }

    /// A key press: looked up, applied; returns a message for the engine, if any.
    pub fn on_key(&mut self, key: KeyEvent) -> Option<Control> {
        let action = self.action_for(key)?;
        self.apply(action)
    }

    /// Installs a newer snapshot, keeping the selection on the same exchange.
    pub fn set_snapshot(&mut self, snapshot: Arc<AnalysisSnapshot>) {
        let selected = self.selected_id();
        let old = std::mem::replace(&mut self.snapshot, snapshot);
        let appended = old.exchanges.len() <= self.snapshot.exchanges.len()
            && old.exchanges.first().map(|r| r.exchange.id)
                == self.snapshot.exchanges.first().map(|r| r.exchange.id)
            && old.exchanges.last().is_some_and(|last| {
                self.snapshot
                    .exchanges
                    .get(old.exchanges.len() - 1)
                    .is_some_and(|same| Arc::ptr_eq(last, same))
            })
            && filter::is_incremental(&self.filter);
        if appended {
            let from = old.exchanges.len();
            filter::extend_visible(
                &self.snapshot,
                &self.filter,
                self.failures_only,
                from,
                &mut self.visible,
            );
        } else {
            self.recompute_visible();
        }
        if self.follow {
            self.list_sel = self.visible.len().saturating_sub(1);
        } else if let Some(id) = selected {
            self.select_id(id);
        }
        let n = self.snapshot.findings.len();
        self.finding_sel = self.finding_sel.min(n.saturating_sub(1));
        self.clamp_list();
    }

    /// Installs a newer runtime status.
    pub fn set_status(&mut self, status: ReplayStatus) {
        self.status = status;
    }

    /// Tells the state how many list rows fit on screen.
    pub fn set_list_rows(&mut self, rows: usize) {
        self.list_rows = rows.max(1);
        self.clamp_list();
    }

    /// The selected exchange, when the list is not empty.
    pub fn selected(&self) -> Option<&Arc<ExchangeRecord>> {
        let idx = *self.visible.get(self.list_sel)?;
        self.snapshot.exchanges.get(idx)
    }

    fn selected_id(&self) -> Option<ExchangeId> {
        self.selected().map(|r| r.exchange.id)
    }

    /// Applies one action; returns a message for the engine, if any.
    pub fn apply(&mut self, action: Action) -> Option<Control> {
        match action {
            Action::Quit => {
                self.quit = true;
                return Some(Control::Quit);
            }
            Action::Up | Action::Down | Action::PageUp | Action::PageDown => self.scroll(action),
            Action::Top | Action::Bottom => self.scroll(action),
            Action::NextPane => self.cycle_pane(true),
            Action::PrevPane => self.cycle_pane(false),
            Action::Open => self.open(),
            Action::Back => self.back(),
            Action::StartFilter => {
                self.filter_input = self.filter.text().to_string();
                self.overlay = Overlay::Filter;
            }
            Action::ToggleFailures => self.toggle_failures(),
            Action::ToggleFollow => self.toggle_follow(),
            Action::NextMark => self.jump_mark(true),
            Action::PrevMark => self.jump_mark(false),
            Action::ToggleHelp => self.toggle_help(),
            Action::ToggleSecrets | Action::Confirm | Action::Deny => self.secrets(action),
            Action::FilterChar(_) | Action::FilterBackspace => self.edit_filter(action),
            Action::FilterApply | Action::FilterCancel => self.finish_filter(action),
            Action::TogglePause | Action::SpeedUp | Action::SpeedDown => {
                return self.replay_control(action)
            }
            Action::SeekStart | Action::SeekEnd => return self.replay_control(action),
        }
        None
    }

    fn replay_control(&mut self, action: Action) -> Option<Control> {
        match action {
            Action::TogglePause => Some(Control::TogglePause),
            Action::SpeedUp => Some(Control::SetSpeed(step_speed(self.status.speed, true))),
            Action::SpeedDown => Some(Control::SetSpeed(step_speed(self.status.speed, false))),
            Action::SeekStart => {
                self.message = Some("replaying from the start".into());
                Some(Control::SeekStart)
            }
            Action::SeekEnd => {
                self.message = Some("loading the rest at full speed".into());
                Some(Control::SeekEnd)
            }
            _ => None,
        }
    }

    fn scroll(&mut self, action: Action) {
        let page = self.list_rows.max(1);
        let delta: i64 = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -(page as i64),
            Action::PageDown => page as i64,
            Action::Top => i64::MIN / 2,
            _ => i64::MAX / 2,
        };
        if self.overlay == Overlay::Help {
            self.help_scroll = move_by(self.help_scroll as usize, delta, 500) as u16;
            return;
        }
        if self.screen == Screen::Detail {
            self.detail_scroll =
                move_by(self.detail_scroll as usize, delta, u16::MAX as usize) as u16;
            return;
        }
        match self.pane {
            Pane::List => {
                let last = self.visible.len().saturating_sub(1);
                self.list_sel = move_by(self.list_sel, delta, last);
                if delta < 0 {
                    self.follow = false;
                }
                self.clamp_list();
            }
            Pane::Findings => {
                let last = self.snapshot.findings.len().saturating_sub(1);
                self.finding_sel = move_by(self.finding_sel, delta, last);
            }
            Pane::Flow => {
                self.flow_scroll = move_by(self.flow_scroll as usize, delta, 10_000) as u16;
            }
        }
    }

    fn cycle_pane(&mut self, forward: bool) {
        if self.screen == Screen::Detail {
            return;
        }
        self.pane = match (self.pane, forward) {
            (Pane::List, true) | (Pane::Flow, false) => Pane::Findings,
            (Pane::Findings, true) | (Pane::List, false) => Pane::Flow,
            (Pane::Flow, true) | (Pane::Findings, false) => Pane::List,
        };
    }

    fn open(&mut self) {
        match (self.screen, self.pane) {
            (Screen::Dashboard, Pane::Findings) => self.open_finding(),
            (Screen::Dashboard, _) if self.selected().is_some() => {
                self.screen = Screen::Detail;
                self.detail_scroll = 0;
            }
            _ => {}
        }
    }

    fn back(&mut self) {
        if self.screen == Screen::Detail {
            self.screen = Screen::Dashboard;
        } else if self.marked_finding.is_some() {
            self.marked.clear();
            self.marked_finding = None;
        } else if self.pane != Pane::List {
            self.pane = Pane::List;
        }
    }

    fn toggle_failures(&mut self) {
        self.failures_only = !self.failures_only;
        self.refilter();
    }

    fn toggle_follow(&mut self) {
        self.follow = !self.follow;
        if self.follow {
            self.list_sel = self.visible.len().saturating_sub(1);
            self.clamp_list();
        }
    }

    fn toggle_help(&mut self) {
        self.overlay = if self.overlay == Overlay::Help {
            Overlay::None
        } else {
            self.help_scroll = 0;
            Overlay::Help
        };
    }

    fn secrets(&mut self, action: Action) {
        match (action, self.overlay) {
            (Action::ToggleSecrets, _) if self.reveal => {
                self.reveal = false;
                self.message = Some("secrets masked".into());
            }
            (Action::ToggleSecrets, _) => self.overlay = Overlay::ConfirmReveal,
            (Action::Confirm, Overlay::ConfirmReveal) => {
                self.reveal = true;
                self.overlay = Overlay::None;
                self.message = Some("secrets shown; press s to mask them again".into());
            }
            (Action::Deny, Overlay::ConfirmReveal) => self.overlay = Overlay::None,
            _ => {}
        }
    }

    fn edit_filter(&mut self, action: Action) {
        match action {
            Action::FilterChar(c) if self.filter_input.chars().count() < 200 => {
                self.filter_input.push(c)
            }
            Action::FilterBackspace => {
                self.filter_input.pop();
            }
            _ => {}
        }
    }

    fn finish_filter(&mut self, action: Action) {
        if action == Action::FilterApply {
            self.filter = Filter::parse(&self.filter_input);
            self.refilter();
        }
        self.overlay = Overlay::None;
    }
}
