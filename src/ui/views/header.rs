//! The two header lines: what is loaded and how the replay is going.

use super::fmt;
use crate::model::{sanitize_str, Severity};
use crate::ui::app::UiState;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

const SEP: &str = " │ ";

/// Source, counters, findings; then clock, speed, progress, notes or error.
pub fn render_header(area: Rect, buf: &mut Buffer, state: &UiState) {
    let lines = vec![counters_line(state), replay_line(state)];
    Paragraph::new(lines).render(area, buf);
}

fn counters_line(state: &UiState) -> Line<'static> {
    let snap = &state.snapshot;
    let t = &state.theme;
    let packets: u64 = snap.sources.iter().map(|s| s.packets).sum();
    let dropped: u64 = snap.sources.iter().map(|s| s.dropped).sum();
    let anomalies = snap.stats.anomalies.total();
    let errors = snap
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let source = source_label(&state.status.source_label);
    let mut spans = vec![
        Span::styled(source, t.heading()),
        Span::raw(SEP),
        Span::raw(format!(
            "{} pkts {} exch",
            fmt::count(packets),
            fmt::count(snap.stats.exchanges)
        )),
        Span::raw(SEP),
    ];
    let drop_style = if dropped > 0 { t.warning() } else { t.normal() };
    spans.push(Span::styled(
        format!("drops {}", fmt::count(dropped)),
        drop_style,
    ));
    spans.push(Span::raw(format!(" anom {}", fmt::count(anomalies))));
    spans.push(Span::raw(SEP));
    let findings = format!("{} findings", snap.findings.len());
    if errors > 0 {
        spans.push(Span::styled(format!("{findings} ({errors}✗)"), t.error()));
    } else {
        spans.push(Span::raw(findings));
    }
    Line::from(spans)
}

/// File names without their directories, clipped.
fn source_label(label: &str) -> String {
    if label.is_empty() {
        return "authscope".into();
    }
    let names: Vec<&str> = label
        .split(", ")
        .map(|p| p.rsplit('/').next().unwrap_or(p))
        .collect();
    sanitize_str(&fmt::clip(&names.join(", "), 28))
}

fn replay_line(state: &UiState) -> Line<'static> {
    let st = &state.status;
    let t = &state.theme;
    let clock = st
        .clock
        .map(|c| c.time_of_day())
        .unwrap_or_else(|| "--:--:--.---".into());
    let play = if st.paused {
        "‖ PAUSED"
    } else {
        "▶ playing"
    };
    let mut spans = vec![
        Span::styled(play, if st.paused { t.warning() } else { t.normal() }),
        Span::raw(format!(" {clock} speed {}", fmt::speed(st.speed))),
        Span::raw(SEP),
    ];
    if let Some(e) = &st.error {
        spans.push(Span::styled(
            format!("✗ input error: {}", sanitize_str(e)),
            t.error(),
        ));
        spans.push(Span::raw(SEP));
    }
    spans.push(progress_span(state));
    if state.reveal {
        spans.push(Span::raw(SEP));
        spans.push(Span::styled("! SECRETS SHOWN", t.error()));
    }
    for note in state.snapshot.notes.iter().take(2) {
        spans.push(Span::raw(SEP));
        spans.push(Span::styled(
            format!("note: {}", sanitize_str(&fmt::clip(note, 80))),
            t.warning(),
        ));
    }
    Line::from(spans)
}

fn progress_span(state: &UiState) -> Span<'static> {
    let st = &state.status;
    let read: u64 = state.snapshot.sources.iter().map(|s| s.bytes).sum();
    if !st.loading {
        let word = if st.error.is_some() {
            "stopped"
        } else {
            "loaded"
        };
        return Span::styled(format!("{word} {}", fmt::bytes(read)), state.theme.ok());
    }
    match st.bytes_total {
        Some(total) if total > 0 => {
            // Captured bytes leave out the 16-byte pcap record headers (more for
            // pcapng): add them back as an estimate and stay below 100 % until done.
            let packets: u64 = state.snapshot.sources.iter().map(|s| s.packets).sum();
            let est = read.saturating_add(packets.saturating_mul(16));
            let pct = (est.saturating_mul(100) / total).min(99);
            Span::raw(format!(
                "loading {pct}% ({} of {})",
                fmt::bytes(read),
                fmt::bytes(total)
            ))
        }
        _ => Span::raw(format!("loading {}", fmt::bytes(read))),
    }
}
