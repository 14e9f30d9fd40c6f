//! Flow table: connections keyed by their unordered 4-tuple, kept in order of
//! last activity. Owns the connections' storage. Receives lookups, inserts,
//! touches and removals; emits nothing. Must not decide when a connection ends
//! (the reassembler does) and must stay O(1) per operation so a flood of new
//! 4-tuples costs the same as steady traffic.

use super::conn::Conn;
use crate::model::{Endpoint, FlowKey};
use rustc_hash::FxHashMap;

/// The two endpoints of a connection in a fixed order, so both directions of a
/// connection find the same entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct CanonKey {
    lo: Endpoint,
    hi: Endpoint,
}

impl CanonKey {
    pub(super) fn of(key: FlowKey) -> CanonKey {
        if key.src <= key.dst {
            CanonKey {
                lo: key.src,
                hi: key.dst,
            }
        } else {
            CanonKey {
                lo: key.dst,
                hi: key.src,
            }
        }
    }
}

const NIL: u32 = u32::MAX;

#[derive(Debug)]
struct Entry {
    key: CanonKey,
    conn: Conn,
    /// Towards the most recently active end.
    newer: u32,
    /// Towards the least recently active end.
    older: u32,
}

/// Invariant: `map` holds exactly the keys of the occupied slots, each mapped
/// to its slot; the occupied slots form one doubly linked list from `newest`
/// to `oldest` through `older`/`newer`; `free` lists exactly the empty slots.
#[derive(Debug, Default)]
pub(super) struct FlowTable {
    map: FxHashMap<CanonKey, u32>,
    slots: Vec<Option<Entry>>,
    free: Vec<u32>,
    newest: u32,
    oldest: u32,
}

impl FlowTable {
    pub(super) fn new() -> Self {
        FlowTable {
            newest: NIL,
            oldest: NIL,
            ..FlowTable::default()
        }
    }

    pub(super) fn len(&self) -> usize {
        self.map.len()
    }

    pub(super) fn find(&self, key: &CanonKey) -> Option<u32> {
        self.map.get(key).copied()
    }

    pub(super) fn get_mut(&mut self, slot: u32) -> Option<&mut Conn> {
        self.entry_mut(slot).map(|e| &mut e.conn)
    }

    pub(super) fn get(&self, slot: u32) -> Option<&Conn> {
        self.slots
            .get(slot as usize)
            .and_then(Option::as_ref)
            .map(|e| &e.conn)
    }

    /// The least recently active connection.
    pub(super) fn oldest(&self) -> Option<u32> {
        (self.oldest != NIL).then_some(self.oldest)
    }

    /// Slots of every connection, in no particular order.
    pub(super) fn slots(&self) -> Vec<u32> {
        self.map.values().copied().collect()
    }

    /// Slots allocated, occupied or free.
    #[cfg(test)]
    pub(super) fn capacity(&self) -> usize {
        self.slots.len()
    }

    fn entry_mut(&mut self, slot: u32) -> Option<&mut Entry> {
        self.slots.get_mut(slot as usize).and_then(Option::as_mut)
    }

    /// Adds a connection as the most recently active; the key must be absent.
    pub(super) fn insert(&mut self, key: CanonKey, conn: Conn) -> u32 {
        let entry = Entry {
            key,
            conn,
            newer: NIL,
            older: NIL,
        };
        let slot = match self.free.pop() {
            Some(s) => {
                if let Some(place) = self.slots.get_mut(s as usize) {
                    *place = Some(entry);
                }
                s
            }
            None => {
                self.slots.push(Some(entry));
                (self.slots.len() - 1) as u32
            }
        };
        self.map.insert(key, slot);
        self.link_newest(slot);
        slot
    }

    /// Marks `slot` as the most recently active.
    pub(super) fn touch(&mut self, slot: u32) {
        if self.newest != slot {
            self.unlink(slot);
            self.link_newest(slot);
        }
    }

    /// Takes a connection out of the table.
    pub(super) fn remove(&mut self, slot: u32) -> Option<(CanonKey, Conn)> {
        self.entry_mut(slot)?;
        self.unlink(slot);
        let entry = self.slots.get_mut(slot as usize)?.take()?;
        self.map.remove(&entry.key);
        self.free.push(slot);
        Some((entry.key, entry.conn))
    }

    fn link_newest(&mut self, slot: u32) {
        let old_newest = self.newest;
        if let Some(e) = self.entry_mut(slot) {
            e.older = old_newest;
            e.newer = NIL;
        }
        match self.entry_mut(old_newest) {
            Some(prev) => prev.newer = slot,
            None => self.oldest = slot,
        }
        self.newest = slot;
    }

    fn unlink(&mut self, slot: u32) {
        let Some(e) = self.entry_mut(slot) else {
            return;
        };
        let (newer, older) = (e.newer, e.older);
        e.newer = NIL;
        e.older = NIL;
        match self.entry_mut(newer) {
            Some(n) => n.older = older,
            None => self.newest = older,
        }
        match self.entry_mut(older) {
            Some(o) => o.newer = newer,
            None => self.oldest = newer,
        }
    }
}
