//! Pure renderers: `UiState` in, cells of a `Buffer` out. Owns the layout
//! (fits 80×24, grows with the terminal); receives the state, which holds the
//! snapshot and runtime status; emits nothing. Must not change state, read a
//! clock or touch the terminal, so every view renders the same in a test
//! backend as on screen. Every capture string passes `sanitize` (directly or via
//! `model::redact`) before it lands in a cell.

mod detail;
mod findings;
mod flow;
pub(crate) mod fmt;
mod header;
mod list;
mod overlay;
mod timeline;

use super::app::{Overlay, Pane, Screen, UiState};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

/// Width from which the diagnosis and flow panes sit side by side.
const WIDE: u16 = 120;

/// Where each part of the dashboard goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    /// Two header lines.
    pub header: Rect,
    /// The status-code timeline.
    pub timeline: Rect,
    /// Everything between timeline and footer (the detail view uses all of it).
    pub main: Rect,
    /// The exchange list.
    pub list: Rect,
    /// The diagnosis pane (zero-sized when the flow takes the bottom).
    pub findings: Rect,
    /// The flow ladder (zero-sized when the diagnosis takes the bottom).
    pub flow: Rect,
    /// Key hints, prompt or message.
    pub footer: Rect,
}

/// Splits the screen. At widths below [`WIDE`] the bottom shows the diagnosis
/// pane, or the flow ladder while it has the focus.
pub fn layout(area: Rect, state: &UiState) -> Areas {
    let timeline_h = if area.height >= 40 { 6 } else { 3 };
    let [header, timeline, main, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(timeline_h),
        Constraint::Min(4),
        Constraint::Length(1),
    ])
    .areas(area);
    let [list, bottom] = Layout::vertical([Constraint::Fill(3), Constraint::Fill(2)]).areas(main);
    let (findings, flow) = if area.width >= WIDE {
        let [l, r] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(bottom);
        (l, r)
    } else if state.pane == Pane::Flow {
        (Rect::default(), bottom)
    } else {
        (bottom, Rect::default())
    };
    Areas {
        header,
        timeline,
        main,
        list,
        findings,
        flow,
        footer,
    }
}

/// Rows of the exchange list that fit in a terminal of `size`.
pub fn list_rows(size: Rect, state: &UiState) -> usize {
    usize::from(layout(size, state).list.height.saturating_sub(2)).max(1)
}

/// Draws the whole dashboard (or the detail view) and any overlay.
pub fn render_dashboard(area: Rect, buf: &mut Buffer, state: &UiState) {
    let areas = layout(area, state);
    header::render_header(areas.header, buf, state);
    timeline::render_timeline(areas.timeline, buf, state);
    match state.screen {
        Screen::Dashboard => {
            list::render_list(areas.list, buf, state);
            findings::render_findings(areas.findings, buf, state);
            flow::render_flow(areas.flow, buf, state);
        }
        Screen::Detail => detail::render_detail(areas.main, buf, state),
    }
    overlay::render_footer(areas.footer, buf, state);
    match state.overlay {
        Overlay::Help => overlay::render_help(area, buf, state),
        Overlay::ConfirmReveal => overlay::render_confirm(area, buf, state),
        Overlay::Filter | Overlay::None => {}
    }
}

/// A pane frame: a top rule carrying the title, highlighted when focused.
fn pane_block(title: String, focused: bool, state: &UiState) -> Block<'static> {
    let style = if focused {
        state.theme.focused()
    } else {
        state.theme.heading()
    };
    let marker = if focused { "▶ " } else { "  " };
    Block::default()
        .borders(Borders::TOP)
        .border_style(state.theme.dim())
        .title(Line::from(vec![
            Span::styled(marker, style),
            Span::styled(title, style),
        ]))
}

/// Renders a block and returns its inner area (nothing for an empty area).
fn framed(area: Rect, buf: &mut Buffer, block: Block<'static>) -> Rect {
    if area.is_empty() {
        return area;
    }
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}
