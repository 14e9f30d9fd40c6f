//! The exchange list: one row per exchange (only the rows on screen are built,
//! so 100,000 exchanges cost no more than 20). Status is written as a number
//! with a ✗/!/→ marker; colour only repeats it. Marked evidence rows carry `»`.

use super::{fmt, framed, pane_block};
use crate::model::{sanitize_str, ExchangeRecord};
use crate::ui::app::{Pane, UiState};
use crate::ui::theme::status_marker;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Row, Table, Widget};

/// Width from which the user column is shown.
const USER_COLUMN_WIDTH: u16 = 100;

/// The list pane, titled with counts and the active filter.
pub fn render_list(area: Rect, buf: &mut Buffer, state: &UiState) {
    let inner = framed(
        area,
        buf,
        pane_block(title(state), state.pane == Pane::List, state),
    );
    if inner.is_empty() {
        return;
    }
    if state.visible.is_empty() {
        let msg = if state.snapshot.exchanges.is_empty() {
            "no HTTP exchanges yet"
        } else {
            "no exchange matches the filter (f, / to change)"
        };
        Paragraph::new(Line::styled(msg, state.theme.dim())).render(inner, buf);
        return;
    }
    let wide = area.width >= USER_COLUMN_WIDTH;
    let rows_fit = usize::from(inner.height.saturating_sub(1));
    let rows: Vec<(Vec<String>, Style)> = state
        .visible
        .iter()
        .enumerate()
        .skip(state.list_offset)
        .take(rows_fit)
        .filter_map(|(row, &idx)| Some((row, state.snapshot.exchanges.get(idx)?)))
        .map(|(row, rec)| build_row(rec, row == state.list_sel, wide, state))
        .collect();
    let heads = headings(wide);
    let widths = widths(&heads, &rows, wide);
    let table = Table::new(
        rows.into_iter()
            .map(|(cells, style)| Row::new(cells).style(style)),
        widths,
    )
    .header(Row::new(heads).style(state.theme.heading()))
    .column_spacing(1);
    Widget::render(table, inner, buf);
}

fn title(state: &UiState) -> String {
    let mut t = format!(
        "Exchanges {}/{}",
        fmt::count(state.visible.len() as u64),
        fmt::count(state.snapshot.exchanges.len() as u64)
    );
    if state.failures_only {
        t.push_str(" [failures]");
    }
    if state.follow {
        t.push_str(" [follow]");
    }
    if !state.filter.is_empty() {
        t.push_str(&format!(
            " [/{}]",
            sanitize_str(&fmt::clip(state.filter.text(), 30))
        ));
    }
    if state.snapshot.stats.exchanges_evicted > 0 {
        t.push_str(&format!(
            " ({} older dropped)",
            fmt::count(state.snapshot.stats.exchanges_evicted)
        ));
    }
    t
}

/// Column caps; `None` is the host+target column, which takes the rest.
fn caps(wide: bool) -> [Option<usize>; 9] {
    if wide {
        [
            Some(2),
            Some(12),
            Some(21),
            Some(7),
            None,
            Some(5),
            Some(14),
            Some(16),
            Some(14),
        ]
    } else {
        [
            Some(2),
            Some(8),
            Some(15),
            Some(6),
            None,
            Some(5),
            Some(8),
            Some(9),
            Some(0),
        ]
    }
}

/// Each column as wide as its widest cell on screen, within its cap.
fn widths(heads: &[&str], rows: &[(Vec<String>, Style)], wide: bool) -> Vec<Constraint> {
    caps(wide)
        .iter()
        .take(heads.len())
        .enumerate()
        .map(|(i, cap)| match cap {
            None => Constraint::Fill(1),
            Some(cap) => {
                let widest = rows
                    .iter()
                    .filter_map(|(cells, _)| cells.get(i))
                    .chain(heads.get(i).map(|h| h.to_string()).iter())
                    .map(|c| c.chars().count())
                    .max()
                    .unwrap_or(0);
                Constraint::Length(widest.min(*cap) as u16)
            }
        })
        .collect()
}

fn headings(wide: bool) -> Vec<&'static str> {
    let mut cells = vec![
        "",
        "time",
        "client",
        "method",
        "host+target",
        "stat",
        "sent",
        "offered",
    ];
    if wide {
        cells.push("user");
    }
    cells
}

fn build_row(
    rec: &ExchangeRecord,
    selected: bool,
    wide: bool,
    state: &UiState,
) -> (Vec<String>, Style) {
    let ex = &rec.exchange;
    let status = ex.status();
    let mark = match (selected, state.marked.contains(&ex.id)) {
        (true, true) => "▶»",
        (true, false) => "▶ ",
        (false, true) => " »",
        (false, false) => "  ",
    };
    let tod = ex.ts().time_of_day();
    let time = match tod.get(..8) {
        Some(short) if !wide => short.to_string(),
        _ => tod,
    };
    let client = if wide {
        ex.client.to_string()
    } else {
        ex.client.ip().to_string()
    };
    let status_text = match status {
        Some(s) => format!("{s}{}", status_marker(status)),
        None => format!("---{}", status_marker(None)),
    };
    let mut cells = vec![
        mark.to_string(),
        time,
        client,
        fmt::method(rec),
        fmt::host_target(rec, state.reveal),
        status_text,
        fmt::scheme_sent(rec),
        fmt::schemes_offered(rec),
    ];
    if wide {
        cells.push(fmt::user(rec));
    }
    let style = if selected {
        state.theme.status(status).patch(state.theme.selected())
    } else {
        state.theme.status(status)
    };
    (cells, style)
}
