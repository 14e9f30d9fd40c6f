//! The timeline: 401/403/407/429 responses per second as a sparkline over the
//! whole capture (seconds are binned when the capture is wider than the pane),
//! with totals and the peak written out.

use crate::model::{TimelineBucket, Timestamp};
use crate::ui::app::UiState;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline, Widget};

/// Failure counts binned to at most `width` columns.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Binned {
    /// Failures per column.
    pub bars: Vec<u64>,
    /// Seconds per column.
    pub secs_per_bar: i64,
    /// Highest bar and the second its bin starts at.
    pub peak: Option<(u64, i64)>,
    /// Totals of 401, 403, 407, 429.
    pub totals: [u64; 4],
}

fn failures(b: &TimelineBucket) -> u64 {
    u64::from(b.s401) + u64::from(b.s403) + u64::from(b.s407) + u64::from(b.s429)
}

/// Bins `buckets` (oldest first) into at most `width` bars.
pub fn bin(buckets: &[TimelineBucket], width: usize) -> Binned {
    let (Some(first), Some(last)) = (buckets.first(), buckets.last()) else {
        return Binned::default();
    };
    let width = width.max(1) as i64;
    let span = last.sec.saturating_sub(first.sec).saturating_add(1).max(1);
    let per = ((span + width - 1) / width).max(1);
    let n = ((span + per - 1) / per).clamp(1, width) as usize;
    let mut out = Binned {
        bars: vec![0; n],
        secs_per_bar: per,
        ..Binned::default()
    };
    for b in buckets {
        let i = (b.sec.saturating_sub(first.sec) / per).clamp(0, n as i64 - 1) as usize;
        if let Some(bar) = out.bars.get_mut(i) {
            *bar = bar.saturating_add(failures(b));
        }
        let add = [b.s401, b.s403, b.s407, b.s429];
        for (t, a) in out.totals.iter_mut().zip(add) {
            *t = t.saturating_add(u64::from(a));
        }
    }
    out.peak = out
        .bars
        .iter()
        .enumerate()
        .filter(|(_, &v)| v > 0)
        .max_by_key(|(i, &v)| (v, std::cmp::Reverse(*i)))
        .map(|(i, &v)| (v, first.sec.saturating_add(i as i64 * per)));
    out
}

/// One label line and the sparkline below it.
pub fn render_timeline(area: Rect, buf: &mut Buffer, state: &UiState) {
    if area.height == 0 {
        return;
    }
    let t = &state.theme;
    let binned = bin(&state.snapshot.timeline, usize::from(area.width));
    let [a, b, c, d] = binned.totals;
    let mut spans = vec![
        Span::styled("Timeline ", t.heading()),
        Span::raw(format!("✗ 401:{a} 403:{b} 407:{c} 429:{d}")),
    ];
    if let Some((v, sec)) = binned.peak {
        let unit = if binned.secs_per_bar == 1 {
            "/s".to_string()
        } else {
            format!(" per {}s", binned.secs_per_bar)
        };
        spans.push(Span::styled(
            format!(
                "  peak {v}{unit} at {}",
                Timestamp::from_secs(sec).time_of_day()
            ),
            t.error(),
        ));
    } else if !state.snapshot.timeline.is_empty() {
        spans.push(Span::styled("  no auth failures", t.ok()));
    }
    Paragraph::new(Line::from(spans)).render(Rect { height: 1, ..area }, buf);
    let graph = Rect {
        y: area.y.saturating_add(1),
        height: area.height.saturating_sub(1),
        ..area
    };
    if !graph.is_empty() && !binned.bars.is_empty() {
        Sparkline::default()
            .data(binned.bars.iter().copied())
            .style(t.error())
            .render(graph, buf);
    }
}
