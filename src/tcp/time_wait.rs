//! Memory of recently closed 4-tuples (a TIME-WAIT of our own, RFC 9293
//! §3.6.1). Owns a bounded FIFO of closed keys. Receives keys closed by
//! FIN or RST and capture time; answers whether a key closed recently. Must not
//! grow past its capacity, whatever the traffic.

use super::flow_table::CanonKey;
use crate::model::Timestamp;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

/// Invariant: `order.len() <= capacity`; every key in `closed_at` has an entry
/// in `order` with the same time (`order` may hold stale entries for keys that
/// were forgotten or closed again).
#[derive(Debug)]
pub(super) struct TimeWait {
    closed_at: FxHashMap<CanonKey, Timestamp>,
    order: VecDeque<(CanonKey, Timestamp)>,
    capacity: usize,
    hold_micros: i64,
}

impl TimeWait {
    pub(super) fn new(capacity: usize, hold_micros: i64) -> Self {
        TimeWait {
            closed_at: FxHashMap::default(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
            hold_micros,
        }
    }

    pub(super) fn remember(&mut self, key: CanonKey, now: Timestamp) {
        if self.order.len() >= self.capacity {
            self.pop_oldest();
        }
        self.closed_at.insert(key, now);
        self.order.push_back((key, now));
    }

    pub(super) fn contains(&self, key: &CanonKey) -> bool {
        self.closed_at.contains_key(key)
    }

    #[cfg(test)]
    pub(super) fn is_empty(&self) -> bool {
        self.closed_at.is_empty()
    }

    pub(super) fn forget(&mut self, key: &CanonKey) {
        self.closed_at.remove(key);
    }

    /// Forgets keys closed more than the hold time before `now`.
    pub(super) fn expire(&mut self, now: Timestamp) {
        while let Some(&(_, at)) = self.order.front() {
            if now.micros_since(at) < self.hold_micros {
                break;
            }
            self.pop_oldest();
        }
    }

    fn pop_oldest(&mut self) {
        if let Some((key, at)) = self.order.pop_front() {
            if self.closed_at.get(&key) == Some(&at) {
                self.closed_at.remove(&key);
            }
        }
    }
}
