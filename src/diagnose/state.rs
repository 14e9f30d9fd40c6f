//! Bounded keyed state for the detectors.
//!
//! Owns a map from a key (conversation, client, user) to detector state, with
//! two bounds: entries idle for longer than `idle` capture time are expired, and
//! the number of entries never exceeds `cap` (the least recently used entry is
//! evicted first). Receives keys and capture timestamps; emits the entries it
//! drops, so detectors can still conclude what those entries were waiting for.
//! Must not read a clock: "now" is always a capture timestamp.

use crate::model::Timestamp;
use foldhash::fast::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};
use std::sync::Arc;

/// When an entry was last used (capture microseconds), shared by its slot and
/// its place in the queue: expiry and eviction read it at the front of the
/// queue without looking the key up.
type Seen = Arc<AtomicI64>;

struct Slot<V> {
    value: V,
    last_seen: Seen,
}

/// An entry's place in the LRU queue.
struct Queued<K> {
    key: K,
    queued_at: Timestamp,
    last_seen: Seen,
}

impl<K> Queued<K> {
    fn last_seen(&self) -> Timestamp {
        Timestamp::from_micros(self.last_seen.load(Relaxed))
    }
}

/// Invariant: every key of `map` appears exactly once in `order` (and only
/// those keys: an entry leaves both at once), and the queue
/// is ordered by `queued_at` (up to the small disorder of exchanges that arrive
/// in approximate start order). An entry touched after it was queued carries a
/// newer `last_seen`; when it reaches the front it is re-queued instead of being
/// dropped ("second chance"), which gives LRU order in O(1) amortised per touch
/// without re-queueing on every touch.
pub(crate) struct BoundedMap<K, V> {
    /// Boxed: the table then grows by a pointer per bucket, not a whole
    /// detector state (a million one-shot clients churn it). Keys carry
    /// network text (host names): a per-process seeded hasher, never iterated
    /// in an order that reaches the output.
    map: HashMap<K, Box<Slot<V>>, RandomState>,
    order: VecDeque<Queued<K>>,
    cap: usize,
    idle_micros: i64,
    evicted: u64,
    expired: u64,
}

impl<K: Hash + Eq + Clone, V: Default> BoundedMap<K, V> {
    /// At most `cap` entries (at least 1); entries idle `idle_secs` expire.
    pub fn new(cap: usize, idle_secs: u32) -> Self {
        BoundedMap {
            map: HashMap::default(),
            order: VecDeque::new(),
            cap: cap.max(1),
            idle_micros: i64::from(idle_secs).saturating_mul(1_000_000),
            evicted: 0,
            expired: 0,
        }
    }

    /// The entry of `key`, created when absent, marked as used at `ts`. Entries
    /// dropped to make room are appended to `dropped`.
    pub fn touch(&mut self, key: K, ts: Timestamp, dropped: &mut Vec<V>) -> &mut V {
        if self.map.len() >= self.cap && !self.map.contains_key(&key) {
            while self.map.len() >= self.cap {
                if !self.evict_one(dropped) {
                    break;
                }
            }
        }
        let order = &mut self.order;
        let slot = self.map.entry(key).or_insert_with_key(|k| {
            let last_seen = Arc::new(AtomicI64::new(ts.as_micros()));
            order.push_back(Queued {
                key: k.clone(),
                queued_at: ts,
                last_seen: Arc::clone(&last_seen),
            });
            Box::new(Slot {
                value: V::default(),
                last_seen,
            })
        });
        if ts.as_micros() > slot.last_seen.load(Relaxed) {
            slot.last_seen.store(ts.as_micros(), Relaxed);
        }
        &mut slot.value
    }

    /// The entry of `key` without marking it used.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.map.get_mut(key).map(|s| &mut s.value)
    }

    /// Drops every entry idle for longer than the idle limit at `now`.
    pub fn expire(&mut self, now: Timestamp, dropped: &mut Vec<V>) {
        while let Some(front) = self.order.front_mut() {
            let last_seen = front.last_seen();
            if now.micros_since(last_seen) > self.idle_micros {
                if let Some(q) = self.order.pop_front() {
                    if let Some(s) = self.map.remove(&q.key) {
                        dropped.push(s.value);
                        self.expired += 1;
                    }
                }
            } else if last_seen > front.queued_at {
                front.queued_at = last_seen;
                self.order.rotate_left(1);
            } else {
                break;
            }
        }
    }

    /// Removes the least recently used entry; false when empty.
    fn evict_one(&mut self, dropped: &mut Vec<V>) -> bool {
        // Bounded: each entry is re-queued at most once per touch since queued.
        for _ in 0..self.order.len().saturating_mul(2).max(1) {
            let Some(mut q) = self.order.pop_front() else {
                return false;
            };
            let last_seen = q.last_seen();
            if last_seen > q.queued_at {
                q.queued_at = last_seen;
                self.order.push_back(q);
                continue;
            }
            if let Some(s) = self.map.remove(&q.key) {
                dropped.push(s.value);
                self.evicted += 1;
            }
            return true;
        }
        false
    }

    /// Every entry, in no particular order (for the end-of-input pass).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.map.values_mut().map(|s| &mut s.value)
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Entries dropped because the cap was reached.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Entries dropped because they were idle.
    pub fn expired(&self) -> u64 {
        self.expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_secs(s)
    }

    #[test]
    fn cap_evicts_least_recently_used() {
        let mut m: BoundedMap<u32, u32> = BoundedMap::new(2, 600);
        let mut out = Vec::new();
        *m.touch(1, at(0), &mut out) = 10;
        *m.touch(2, at(1), &mut out) = 20;
        m.touch(1, at(2), &mut out);
        *m.touch(3, at(3), &mut out) = 30;
        assert_eq!(out, vec![20]);
        assert_eq!(m.len(), 2);
        assert_eq!(m.evicted(), 1);
        assert!(m.get_mut(&1).is_some());
    }

    #[test]
    fn idle_entries_expire_by_capture_time() {
        let mut m: BoundedMap<u32, u32> = BoundedMap::new(10, 60);
        let mut out = Vec::new();
        m.touch(1, at(0), &mut out);
        m.touch(2, at(10), &mut out);
        m.touch(1, at(50), &mut out);
        m.expire(at(100), &mut out);
        assert_eq!(m.len(), 1);
        assert!(m.get_mut(&1).is_some());
        m.expire(at(111), &mut out);
        assert_eq!(m.len(), 0);
        assert_eq!(m.expired(), 2);
    }
}
