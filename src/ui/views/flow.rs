//! The flow ladder of the selected conversation (same client address, same
//! origin): client on the left, server on the right, one rung per leg:
//! `GET /api ──Bearer eyJ…(exp -3m00s)──▶` then `◀── 401 Bearer error=invalid_token`.
//! Only exchanges near the selection are scanned, so the cost is bounded.

use super::{fmt, framed, pane_block};
use crate::model::{sanitize_str, ExchangeRecord};
use crate::ui::app::{Pane, UiState};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use std::sync::Arc;

/// Exchanges scanned on each side of the selection.
const SCAN: usize = 2_000;
/// Exchanges of the conversation shown.
const MAX_LEGS: usize = 60;

/// Exchanges of the selected conversation near the selection, oldest first.
pub fn conversation(state: &UiState) -> Vec<Arc<ExchangeRecord>> {
    let Some(sel) = state.selected() else {
        return Vec::new();
    };
    let all = &state.snapshot.exchanges;
    let idx = state.visible.get(state.list_sel).copied().unwrap_or(0);
    let ip = sel.exchange.client.ip();
    let origin = sel.exchange.origin_key();
    let same = |r: &&Arc<ExchangeRecord>| {
        r.exchange.client.ip() == ip && r.exchange.origin_key() == origin
    };
    let before: Vec<_> = all
        .iter()
        .take(idx)
        .rev()
        .take(SCAN)
        .filter(same)
        .take(MAX_LEGS / 2)
        .cloned()
        .collect();
    let after = all
        .iter()
        .skip(idx)
        .take(SCAN)
        .filter(same)
        .take(MAX_LEGS / 2);
    before.into_iter().rev().chain(after.cloned()).collect()
}

/// The ladder pane.
pub fn render_flow(area: Rect, buf: &mut Buffer, state: &UiState) {
    let focused = state.pane == Pane::Flow;
    let legs = conversation(state);
    let title = match state.selected() {
        Some(r) => format!(
            "Flow {} ⇄ {} ({} exch)",
            r.exchange.client.ip(),
            sanitize_str(&fmt::clip(&r.exchange.origin_key(), 40)),
            legs.len()
        ),
        None => "Flow".into(),
    };
    let inner = framed(area, buf, pane_block(title, focused, state));
    if inner.is_empty() {
        return;
    }
    if legs.is_empty() {
        Paragraph::new(Line::styled("select an exchange", state.theme.dim())).render(inner, buf);
        return;
    }
    let lines = ladder_lines(&legs, usize::from(inner.width), state);
    let selected_line = selected_line(&legs, state);
    let h = usize::from(inner.height);
    let auto = selected_line.saturating_sub(h / 2);
    let scroll = auto.saturating_add(usize::from(state.flow_scroll));
    let scroll = scroll.min(lines.len().saturating_sub(h)) as u16;
    Paragraph::new(lines).scroll((scroll, 0)).render(inner, buf);
}

fn selected_line(legs: &[Arc<ExchangeRecord>], state: &UiState) -> usize {
    let id = state.selected().map(|r| r.exchange.id);
    let pos = legs
        .iter()
        .position(|r| Some(r.exchange.id) == id)
        .unwrap_or(0);
    1 + pos * 2
}

/// Heading line plus two rungs per exchange, fitted to `width` columns.
pub fn ladder_lines(
    legs: &[Arc<ExchangeRecord>],
    width: usize,
    state: &UiState,
) -> Vec<Line<'static>> {
    let t = &state.theme;
    let gutter = 9;
    let span = width.saturating_sub(gutter + 2).max(12);
    let selected = state.selected().map(|r| r.exchange.id);
    let mut lines = vec![Line::styled(
        format!(
            "{:gutter$}client{}server",
            "",
            " ".repeat(span.saturating_sub(10))
        ),
        t.heading(),
    )];
    for rec in legs {
        let ex = &rec.exchange;
        let style = if Some(ex.id) == selected {
            t.selected()
        } else {
            t.status(ex.status())
        };
        let mark = if state.marked.contains(&ex.id) {
            "»"
        } else {
            " "
        };
        let time = ex.ts().time_of_day();
        let time = time.get(..8).unwrap_or(&time).to_string();
        lines.push(Line::from(vec![
            Span::raw(format!("{mark}{time}")),
            Span::styled(format!("│{}│", request_rung(rec, span, state)), style),
        ]));
        lines.push(Line::from(vec![
            Span::raw(" ".repeat(gutter)),
            Span::styled(format!("│{}│", response_rung(rec, span)), style),
        ]));
    }
    lines
}

/// `GET /api ──Bearer eyJ…(exp -3m00s)──────▶`, exactly `width` characters.
pub fn request_rung(rec: &ExchangeRecord, width: usize, state: &UiState) -> String {
    let ex = &rec.exchange;
    let Some(req) = &ex.request else {
        return pad_right("(request not seen)", width, ' ');
    };
    let target = crate::model::redact::display_target(&req.target, state.reveal);
    let cred = rec
        .auth
        .credentials
        .iter()
        .map(|c| fmt::credential(c, req.ts, state.reveal))
        .collect::<Vec<_>>()
        .join(" + ");
    let cookie = if rec.auth.cookies.is_empty() {
        ""
    } else {
        " +cookie"
    };
    let left = format!("{} {}", fmt::method(rec), fmt::clip(&target, width / 2));
    let label = if cred.is_empty() {
        format!("{left} ─{cookie}")
    } else {
        format!("{left} ──{cred}{cookie}──")
    };
    let label = fmt::clip(&label, width.saturating_sub(2));
    format!("{}▶", pad_right(&label, width.saturating_sub(1), '─'))
}

/// `◀──── 401 Bearer error=invalid_token`, exactly `width` characters.
pub fn response_rung(rec: &ExchangeRecord, width: usize) -> String {
    let ex = &rec.exchange;
    let Some(resp) = &ex.response else {
        return pad_left(" (no response)", width, ' ');
    };
    let mut text = format!(" {} ", resp.status);
    let challenges: Vec<String> = rec.auth.challenges.iter().map(fmt::challenge).collect();
    if challenges.is_empty() {
        text.push_str(&sanitize_str(&fmt::clip(&resp.reason, 24)));
    } else {
        text.push_str(&challenges.join(", "));
    }
    for c in rec.auth.set_cookies.iter().take(2) {
        text.push_str(&format!(
            " set-cookie {}",
            sanitize_str(&fmt::clip(&c.name, 20))
        ));
    }
    if let Some(rl) = &rec.auth.rate_limit {
        if let Some(ra) = &rl.retry_after_raw {
            text.push_str(&format!(
                " retry-after {}",
                sanitize_str(&fmt::clip(ra, 30))
            ));
        }
    }
    let text = fmt::clip(&text, width.saturating_sub(3));
    format!("◀{}", pad_left(&text, width.saturating_sub(1), '─'))
}

fn pad_right(s: &str, width: usize, fill: char) -> String {
    let n = s.chars().count();
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(fill, width.saturating_sub(n)));
    out
}

fn pad_left(s: &str, width: usize, fill: char) -> String {
    let n = s.chars().count();
    let mut out: String = std::iter::repeat_n(fill, width.saturating_sub(n)).collect();
    out.push_str(s);
    out
}
