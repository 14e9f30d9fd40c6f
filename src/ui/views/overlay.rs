//! The footer line (filter prompt, message or key hints) and the popups: key
//! help generated from the keymap table, and the reveal-secrets question.

use super::fmt;
use crate::model::sanitize_str;
use crate::ui::app::{Overlay, Screen, UiState};
use crate::ui::keymap;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

/// Prompt, message or hints.
pub fn render_footer(area: Rect, buf: &mut Buffer, state: &UiState) {
    let t = &state.theme;
    let line = if state.overlay == Overlay::Filter {
        Line::from(vec![
            Span::styled("/", t.focused()),
            Span::raw(sanitize_str(&state.filter_input)),
            Span::styled("█", t.normal()),
            Span::styled(
                "  Enter apply · Esc cancel · host: path: status: client: code:",
                t.dim(),
            ),
        ])
    } else if let Some(m) = &state.message {
        Line::styled(sanitize_str(m), t.warning())
    } else {
        let hints = match state.screen {
            Screen::Detail => "Esc back · j/k scroll · s secrets · ? help · q quit",
            Screen::Dashboard => {
                "? help · q quit · Tab pane · Enter open · / filter · f failures · F follow · space pause · +/- speed · </> seek"
            }
        };
        Line::styled(hints, t.dim())
    };
    Paragraph::new(line).render(area, buf);
}

fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

/// Every key binding, grouped by where it works.
pub fn render_help(area: Rect, buf: &mut Buffer, state: &UiState) {
    let t = &state.theme;
    let mut lines: Vec<Line<'static>> = Vec::new();
    for (title, rows) in keymap::help_sections() {
        lines.push(Line::styled(title, t.heading()));
        for (keys, help) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<18}", fmt::clip(&keys, 18)), t.focused()),
                Span::raw(help),
            ]));
        }
    }
    let rect = popup(area, 72, area.height.saturating_sub(2));
    Clear.render(rect, buf);
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        " Keys (? or Esc closes, j/k scroll) ",
        t.heading(),
    ));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let max = lines.len().saturating_sub(usize::from(inner.height)) as u16;
    Paragraph::new(lines)
        .scroll((state.help_scroll.min(max), 0))
        .render(inner, buf);
}

/// "Reveal secrets? y/n".
pub fn render_confirm(area: Rect, buf: &mut Buffer, state: &UiState) {
    let t = &state.theme;
    let rect = popup(area, 60, 6);
    Clear.render(rect, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" Reveal secrets? ", t.error()));
    let text = vec![
        Line::raw("Show passwords, tokens and cookie values on screen?"),
        Line::raw("Anyone who can see this terminal will read them."),
        Line::styled("y = yes, reveal    n / Esc = no", t.heading()),
    ];
    Paragraph::new(text)
        .wrap(Wrap { trim: true })
        .block(block)
        .render(rect, buf);
}
