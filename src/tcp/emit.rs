//! What every part of the TCP stage shares while handling one segment: the
//! counters and buffer budget (`Counters`) and the way out to the next stage
//! (`Emitter`). Receives events to send and anomalies to count; emits
//! [`StreamEvent`]s through the caller's callback. Must not hold any
//! per-connection state.

use crate::model::{
    Anomaly, AnomalyCounts, ConnId, Direction, StreamEvent, StreamEventKind, StreamInterest,
    TcpStats, Timestamp,
};

/// The next stage said [`StreamInterest::Ignore`]: stop delivering this
/// connection's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Ignored;

/// Result of a delivery step.
pub(super) type Step = Result<(), Ignored>;

/// Stage-wide counters and the out-of-order byte budget.
///
/// Invariant: `buffered_data` is the sum of the captured bytes held in every
/// direction's out-of-order buffer; `buffered_charge` adds the per-chunk cost
/// and never exceeds `total_cap`.
#[derive(Debug)]
pub(super) struct Counters {
    pub(super) stats: TcpStats,
    pub(super) anomalies: AnomalyCounts,
    pub(super) per_dir_cap: usize,
    pub(super) total_cap: usize,
    pub(super) buffered_data: usize,
    pub(super) buffered_charge: usize,
}

/// One buffer's holdings: captured bytes and budget charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Footprint {
    pub(super) data: usize,
    pub(super) charge: usize,
}

impl Counters {
    pub(super) fn new(per_dir_cap: usize, total_cap: usize) -> Self {
        Counters {
            stats: TcpStats::default(),
            anomalies: AnomalyCounts::default(),
            per_dir_cap,
            total_cap,
            buffered_data: 0,
            buffered_charge: 0,
        }
    }

    /// Counts an anomaly; the detail is only built while examples are kept.
    pub(super) fn note(
        &mut self,
        code: &'static str,
        conn: Option<ConnId>,
        ts: Timestamp,
        detail: impl FnOnce() -> String,
    ) {
        let seen = self.anomalies.counts.get(code).copied().unwrap_or(0);
        if seen < AnomalyCounts::EXAMPLES_PER_CODE {
            self.anomalies.record(Anomaly {
                code,
                conn,
                ts,
                detail: detail(),
            });
        } else {
            self.anomalies.bump(code);
        }
    }

    /// Accounts for one buffer going from `before` to `after`.
    pub(super) fn rebalance(&mut self, before: Footprint, after: Footprint) {
        self.buffered_data = (self.buffered_data + after.data).saturating_sub(before.data);
        self.buffered_charge = (self.buffered_charge + after.charge).saturating_sub(before.charge);
    }
}

/// Sends events of one connection, stamped with the time of the segment (or
/// tick) being handled.
pub(super) struct Emitter<'o, F> {
    out: &'o mut F,
    pub(super) conn: ConnId,
    pub(super) ts: Timestamp,
}

impl<'o, F> Emitter<'o, F>
where
    F: FnMut(StreamEvent<'_>) -> StreamInterest,
{
    pub(super) fn new(out: &'o mut F, conn: ConnId, ts: Timestamp) -> Self {
        Emitter { out, conn, ts }
    }

    pub(super) fn send(&mut self, dir: Direction, kind: StreamEventKind<'_>) -> Step {
        let ev = StreamEvent {
            conn: self.conn,
            dir,
            ts: self.ts,
            kind,
        };
        match (self.out)(ev) {
            StreamInterest::Continue => Ok(()),
            StreamInterest::Ignore => Err(Ignored),
        }
    }
}
