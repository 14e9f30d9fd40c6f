//! Navigation helpers of [`UiState`]: keeping the selection on an exchange
//! across snapshots and filters, jumping between marked evidence, and keeping
//! the selected row on screen.

use super::{Pane, UiState, MAX_MARKS};
use crate::model::ExchangeId;
use crate::ui::filter::{self, Filter};

impl UiState {
    /// Marks the selected finding's evidence, makes it visible and jumps to it.
    pub(super) fn open_finding(&mut self) {
        let Some(finding) = self.snapshot.findings.get(self.finding_sel) else {
            return;
        };
        self.marked = finding.evidence.iter().take(MAX_MARKS).copied().collect();
        self.marked_finding = Some(finding.id);
        let first = finding.evidence.iter().min().copied();
        let code = finding.code;
        let Some(first) = first else {
            self.message = Some(format!("{code}: no evidence exchange kept"));
            return;
        };
        if !self.select_id(first) {
            self.failures_only = false;
            self.filter = Filter::default();
            self.recompute_visible();
            if !self.select_id(first) {
                self.message = Some(format!("{code}: evidence {first} no longer kept"));
                return;
            }
        }
        self.follow = false;
        self.pane = Pane::List;
        self.clamp_list();
        self.message = Some(format!(
            "{code}: {} evidence exchange(s) marked »; n/N next/previous",
            self.marked.len()
        ));
    }

    pub(super) fn jump_mark(&mut self, forward: bool) {
        let current = self.selected_id();
        let target = match (forward, current) {
            (true, Some(c)) => self
                .marked
                .range(ExchangeId(c.0.saturating_add(1))..)
                .next(),
            (false, Some(c)) => self.marked.range(..c).next_back(),
            (true, None) => self.marked.iter().next(),
            (false, None) => self.marked.iter().next_back(),
        };
        if let Some(&id) = target {
            if self.select_id(id) {
                self.follow = false;
                self.clamp_list();
            }
        }
    }

    pub(super) fn refilter(&mut self) {
        let selected = self.selected_id();
        self.recompute_visible();
        self.list_sel = 0;
        if let Some(id) = selected {
            self.select_id(id);
        }
        if self.follow {
            self.list_sel = self.visible.len().saturating_sub(1);
        }
        self.clamp_list();
    }

    pub(super) fn recompute_visible(&mut self) {
        self.visible = filter::visible(&self.snapshot, &self.filter, self.failures_only);
    }

    /// Selects the row holding `id` (or the nearest later one); true when exact.
    pub(super) fn select_id(&mut self, id: ExchangeId) -> bool {
        let exchanges = &self.snapshot.exchanges;
        let pos = self
            .visible
            .partition_point(|&i| exchanges.get(i).is_some_and(|r| r.exchange.id < id));
        self.list_sel = pos.min(self.visible.len().saturating_sub(1));
        let exact = self
            .visible
            .get(pos)
            .and_then(|&i| exchanges.get(i))
            .is_some_and(|r| r.exchange.id == id);
        self.clamp_list();
        exact
    }

    pub(super) fn clamp_list(&mut self) {
        let n = self.visible.len();
        self.list_sel = self.list_sel.min(n.saturating_sub(1));
        let rows = self.list_rows.max(1);
        if self.list_sel < self.list_offset {
            self.list_offset = self.list_sel;
        } else if self.list_sel >= self.list_offset.saturating_add(rows) {
            self.list_offset = self.list_sel + 1 - rows;
        }
        self.list_offset = self.list_offset.min(n.saturating_sub(rows));
    }
}

/// `cur + delta`, clamped to `0..=last`.
pub(super) fn move_by(cur: usize, delta: i64, last: usize) -> usize {
    let next = (cur as i64).saturating_add(delta);
    next.clamp(0, last as i64) as usize
}
