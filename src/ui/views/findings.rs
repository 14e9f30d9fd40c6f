//! The diagnosis pane: findings ranked as the diagnoser ranked them, one line
//! each (severity word and marker, count, code, title); below them, when there
//! is room, the selected finding's explanation and fixes.

use super::{fmt, framed, pane_block};
use crate::model::{sanitize_str, Finding};
use crate::ui::app::{Pane, UiState};
use crate::ui::theme::severity_label;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

/// The findings list plus the selected finding's explanation.
pub fn render_findings(area: Rect, buf: &mut Buffer, state: &UiState) {
    let findings = &state.snapshot.findings;
    let title = format!("Diagnosis ({})", findings.len());
    let focused = state.pane == Pane::Findings;
    let inner = framed(area, buf, pane_block(title, focused, state));
    if inner.is_empty() {
        return;
    }
    if findings.is_empty() {
        let msg = if state.status.loading {
            "no findings yet"
        } else {
            "no findings: authentication looks healthy"
        };
        Paragraph::new(Line::styled(msg, state.theme.dim())).render(inner, buf);
        return;
    }
    let height = usize::from(inner.height);
    let list_h = findings.len().min(height.div_ceil(2).max(1));
    let offset = state.finding_sel.saturating_sub(list_h.saturating_sub(1));
    let lines: Vec<Line<'static>> = findings
        .iter()
        .enumerate()
        .skip(offset)
        .take(list_h)
        .map(|(i, f)| finding_line(f, i == state.finding_sel, state))
        .collect();
    let list_area = Rect {
        height: list_h as u16,
        ..inner
    };
    Paragraph::new(lines).render(list_area, buf);
    let rest = Rect {
        y: inner.y.saturating_add(list_h as u16),
        height: inner.height.saturating_sub(list_h as u16),
        ..inner
    };
    if let Some(f) = findings.get(state.finding_sel) {
        if !rest.is_empty() {
            Paragraph::new(explanation(f, state))
                .wrap(Wrap { trim: true })
                .render(rest, buf);
        }
    }
}

fn finding_line(f: &Finding, selected: bool, state: &UiState) -> Line<'static> {
    let t = &state.theme;
    let marked = state.marked_finding == Some(f.id);
    let lead = match (selected, marked) {
        (true, _) => "▶",
        (false, true) => "»",
        _ => " ",
    };
    let mut line = Line::from(vec![
        Span::raw(format!("{lead} ")),
        Span::styled(severity_label(f.severity), t.severity(f.severity)),
        Span::raw(format!(" {:>5}× ", fmt::count(f.count))),
        Span::styled(f.code, t.heading()),
        Span::raw(format!(" {}", sanitize_str(&f.title))),
    ]);
    if selected && state.pane == Pane::Findings {
        line = line.style(t.selected());
    }
    line
}

fn explanation(f: &Finding, state: &UiState) -> Vec<Line<'static>> {
    let t = &state.theme;
    let mut lines = vec![Line::from(vec![
        Span::styled("why: ", t.heading()),
        Span::raw(sanitize_str(&f.explanation)),
    ])];
    for fix in f.fixes.iter().take(4) {
        lines.push(Line::from(vec![
            Span::styled("fix: ", t.ok()),
            Span::raw(sanitize_str(fix)),
        ]));
    }
    let mut meta = format!(
        "evidence: {} exchange(s), first {}, last {}",
        f.evidence.len(),
        f.first_ts.time_of_day(),
        f.last_ts.time_of_day()
    );
    if let Some(c) = f.caused_by {
        meta.push_str(&format!(", caused by finding {}", c.0));
    }
    lines.push(Line::styled(meta, t.dim()));
    lines.push(Line::styled(
        "Enter: mark and jump to the evidence",
        t.dim(),
    ));
    lines
}
