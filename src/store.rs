//! Store: what the UI and the report read. Owns the kept exchanges (bounded by
//! `--max-exchanges` and by a memory budget, `--max-store-mb`; oldest evicted
//! with counters kept), status counts and the
//! per-second timeline (bounded). Receives [`ExchangeRecord`]s from the engine;
//! emits nothing but snapshots of itself. Must not analyse.

use crate::model::{ExchangeRecord, TimelineBucket};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// Seconds of timeline kept (older buckets are dropped).
pub const TIMELINE_SECS: usize = 6 * 3600;

/// Kept exchanges and counters.
///
/// Invariant: `exchanges.len() <= max_exchanges`; `bytes` is the sum of the
/// kept records' [`ExchangeRecord::weight`] and stays within `max_bytes` (one
/// record is always kept); `total == kept + evicted`.
#[derive(Debug)]
pub struct Store {
    max_exchanges: usize,
    max_bytes: usize,
    bytes: usize,
    exchanges: VecDeque<(Arc<ExchangeRecord>, usize)>,
    timeline: VecDeque<TimelineBucket>,
    status_counts: BTreeMap<u16, u64>,
    total: u64,
    evicted: u64,
}

impl Store {
    /// A store that keeps at most `max_exchanges` exchanges weighing at most
    /// `max_bytes` together.
    pub fn new(max_exchanges: usize, max_bytes: usize) -> Self {
        Store {
            max_exchanges,
            max_bytes,
            bytes: 0,
            exchanges: VecDeque::new(),
            timeline: VecDeque::new(),
            status_counts: BTreeMap::new(),
            total: 0,
            evicted: 0,
        }
    }

    /// Adds one exchange, evicting the oldest beyond the cap.
    pub fn push(&mut self, record: Arc<ExchangeRecord>) {
        self.total += 1;
        let status = record.exchange.status();
        if let Some(s) = status {
            *self.status_counts.entry(s).or_insert(0) += 1;
        }
        self.count_in_timeline(record.exchange.ts().as_secs(), status);
        if self.max_exchanges == 0 {
            self.evicted += 1;
            return;
        }
        let weight = record.weight();
        while self.exchanges.len() >= self.max_exchanges
            || (!self.exchanges.is_empty() && self.bytes + weight > self.max_bytes)
        {
            let Some((_, w)) = self.exchanges.pop_front() else {
                break;
            };
            self.bytes -= w;
            self.evicted += 1;
        }
        self.bytes += weight;
        self.exchanges.push_back((record, weight));
    }

    /// Approximate heap bytes of the kept exchanges.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    fn count_in_timeline(&mut self, sec: i64, status: Option<u16>) {
        let bucket = match self
            .timeline
            .iter_mut()
            .rev()
            .take(64)
            .find(|b| b.sec == sec)
        {
            Some(b) => b,
            None => {
                // Exchanges arrive nearly in time order; an older second that is no
                // longer near the end is folded into the nearest kept bucket.
                let newest = self.timeline.back().map(|b| b.sec);
                if newest.is_some_and(|n| sec < n) {
                    match self.timeline.iter_mut().rev().find(|b| b.sec <= sec) {
                        Some(b) => b,
                        None => match self.timeline.front_mut() {
                            Some(b) => b,
                            None => return,
                        },
                    }
                } else {
                    self.timeline.push_back(TimelineBucket {
                        sec,
                        ..Default::default()
                    });
                    if self.timeline.len() > TIMELINE_SECS {
                        self.timeline.pop_front();
                    }
                    match self.timeline.back_mut() {
                        Some(b) => b,
                        None => return,
                    }
                }
            }
        };
        bucket.total = bucket.total.saturating_add(1);
        match status {
            Some(401) => bucket.s401 = bucket.s401.saturating_add(1),
            Some(403) => bucket.s403 = bucket.s403.saturating_add(1),
            Some(407) => bucket.s407 = bucket.s407.saturating_add(1),
            Some(429) => bucket.s429 = bucket.s429.saturating_add(1),
            _ => {}
        }
    }

    /// Kept exchanges, oldest first.
    pub fn exchanges(&self) -> impl Iterator<Item = &Arc<ExchangeRecord>> {
        self.exchanges.iter().map(|(r, _)| r)
    }

    /// Timeline buckets, oldest first.
    pub fn timeline(&self) -> Vec<TimelineBucket> {
        self.timeline.iter().copied().collect()
    }

    /// Final status counts over all exchanges.
    pub fn status_counts(&self) -> &BTreeMap<u16, u64> {
        &self.status_counts
    }

    /// Exchanges ever pushed.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Exchanges evicted by the cap.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::testkit::get;

    fn record(id: u64, header_bytes: usize) -> Arc<ExchangeRecord> {
        let pad = "a".repeat(header_bytes);
        Arc::new(
            get(id, id as i64, "10.0.0.1", "a.test", "/")
                .req_header("X-Pad", &pad)
                .build(),
        )
    }

    #[test]
    fn count_cap_evicts_oldest_and_counts() {
        let mut s = Store::new(3, usize::MAX);
        for i in 0..5 {
            s.push(record(i, 10));
        }
        let ids: Vec<u64> = s.exchanges().map(|r| r.exchange.id.0).collect();
        assert_eq!(ids, vec![2, 3, 4]);
        assert_eq!((s.total(), s.evicted()), (5, 2));
    }

    #[test]
    fn memory_budget_evicts_by_weight_and_keeps_the_newest() {
        let one = record(0, 1000).weight();
        let mut s = Store::new(1_000, one * 4);
        for i in 0..10 {
            s.push(record(i, 1000));
        }
        assert_eq!(s.exchanges().count(), 4);
        assert!(s.bytes() <= one * 4);
        // A record heavier than the whole budget is still kept, alone.
        s.push(record(10, 100_000));
        let ids: Vec<u64> = s.exchanges().map(|r| r.exchange.id.0).collect();
        assert_eq!(ids, vec![10]);
        assert_eq!(s.total(), 11);
        assert_eq!(s.evicted(), 10);
    }
}
