//! Bounded IP fragment reassembly (RFC 791 §3.2 for IPv4, RFC 8200 §4.5 for
//! IPv6), timed by capture time.
//!
//! Invariants: `buffered` equals the sum of `buf.len()` over `datagrams` and
//! never exceeds `max_bytes`; `datagrams.len() <= max_datagrams`; the received
//! ranges of one datagram never overlap, so it is complete exactly when a last
//! fragment fixed `total` and the received byte count reaches it. Overlaps drop
//! the whole datagram (RFC 5722 demands it for IPv6; we do it for both).

use super::ip::FragInfo;
use super::{Counters, DecodeConfig, DecodeError};
use crate::model::Timestamp;
use std::net::IpAddr;

/// Largest datagram payload: the 16-bit length fields bound it.
const MAX_DATAGRAM: u32 = 65_535;
/// Fragments accepted into one datagram.
const MAX_FRAGMENTS: usize = 512;
/// Finished buffers kept for reuse.
const SPARE_BUFFERS: usize = 8;

/// Identifies a datagram (RFC 791: source, destination, protocol, id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct FragKey {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: u8,
    pub id: u32,
}

#[derive(Debug)]
struct Datagram {
    key: FragKey,
    first_ts: Timestamp,
    buf: Vec<u8>,
    ranges: Vec<(u32, u32)>,
    total: Option<u32>,
    received: u32,
}

/// What became of one fragment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Insert {
    /// Stored; the datagram is still incomplete.
    Pending,
    /// The datagram is complete: see [`FragPool::output`].
    Complete,
    /// Not stored (already counted).
    Dropped,
}

/// Datagrams under reassembly plus the last completed one.
#[derive(Debug)]
pub(super) struct FragPool {
    max_datagrams: usize,
    max_bytes: usize,
    timeout_micros: i64,
    datagrams: Vec<Datagram>,
    buffered: usize,
    spare: Vec<Vec<u8>>,
    out: Vec<u8>,
    /// Capture time of the last expiry scan: scans run at most once a second.
    last_scan: Option<Timestamp>,
}

impl FragPool {
    pub(super) fn new(config: &DecodeConfig) -> Self {
        FragPool {
            max_datagrams: config.max_fragment_datagrams,
            max_bytes: config.max_fragment_bytes,
            timeout_micros: i64::from(config.fragment_timeout_ms) * 1000,
            datagrams: Vec::new(),
            buffered: 0,
            spare: Vec::new(),
            out: Vec::new(),
            last_scan: None,
        }
    }

    /// The payload of the datagram completed by the last `Complete` insert.
    pub(super) fn output(&self) -> &[u8] {
        &self.out
    }

    /// Bytes buffered for datagrams under reassembly.
    #[cfg(test)]
    pub(super) fn buffered(&self) -> usize {
        self.buffered
    }

    /// Datagrams under reassembly.
    #[cfg(test)]
    pub(super) fn pending(&self) -> usize {
        self.datagrams.len()
    }

    /// Drops datagrams older than the timeout at capture time `now`.
    pub(super) fn expire(&mut self, now: Timestamp, counters: &mut Counters) {
        if self.datagrams.is_empty()
            || self
                .last_scan
                .is_some_and(|t| (0..1_000_000).contains(&now.micros_since(t)))
        {
            return;
        }
        self.last_scan = Some(now);
        let mut i = 0;
        while i < self.datagrams.len() {
            let age = self.datagrams.get(i).map(|d| now.micros_since(d.first_ts));
            if age.is_some_and(|a| a > self.timeout_micros) {
                self.drop_datagram(i, DecodeError::FragmentTimeout, 0, now, counters);
            } else {
                i += 1;
            }
        }
    }

    /// Drops datagram `i` and `extra` fragments that were never stored, as one anomaly.
    fn drop_datagram(
        &mut self,
        i: usize,
        why: DecodeError,
        extra: u64,
        ts: Timestamp,
        c: &mut Counters,
    ) {
        if i >= self.datagrams.len() {
            c.fragments_dropped(why, extra, ts);
            return;
        }
        let d = self.datagrams.swap_remove(i);
        self.buffered = self.buffered.saturating_sub(d.buf.len());
        c.fragments_dropped(why, d.ranges.len() as u64 + extra, ts);
        self.recycle(d.buf);
    }

    fn recycle(&mut self, mut buf: Vec<u8>) {
        if self.spare.len() < SPARE_BUFFERS {
            buf.clear();
            self.spare.push(buf);
        }
    }

    /// Adds one fragment's data. Counts every drop it causes.
    pub(super) fn insert(
        &mut self,
        ts: Timestamp,
        key: FragKey,
        info: FragInfo,
        data: &[u8],
        c: &mut Counters,
    ) -> Insert {
        c.stats.fragments += 1;
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let end = info.offset.saturating_add(len);
        if info.more && len % 8 != 0 {
            c.fragments_dropped(DecodeError::FragmentBadLength, 1, ts);
            return Insert::Dropped;
        }
        let found = self.datagrams.iter().position(|d| d.key == key);
        if end > MAX_DATAGRAM {
            let i = found.unwrap_or(usize::MAX);
            self.drop_datagram(i, DecodeError::FragmentTooLarge, 1, ts, c);
            return Insert::Dropped;
        }
        let i = match found {
            Some(i) => i,
            None => match self.open(ts, key, c) {
                Some(i) => i,
                None => return Insert::Dropped,
            },
        };
        if let Err(why) = self.check(i, info, end) {
            if why == DecodeError::FragmentDuplicate {
                c.fragments_dropped(why, 1, ts);
            } else {
                self.drop_datagram(i, why, 1, ts, c);
            }
            return Insert::Dropped;
        }
        if !self.make_room(i, end, ts, c) {
            return Insert::Dropped;
        }
        self.store(i, info, end, data)
    }

    /// A new datagram slot, evicting the oldest when the count cap is reached.
    fn open(&mut self, ts: Timestamp, key: FragKey, c: &mut Counters) -> Option<usize> {
        if self.max_datagrams == 0 {
            c.fragments_dropped(DecodeError::FragmentLimit, 1, ts);
            return None;
        }
        if self.datagrams.len() >= self.max_datagrams {
            let oldest = self.oldest()?;
            self.drop_datagram(oldest, DecodeError::FragmentLimit, 0, ts, c);
        }
        self.datagrams.push(Datagram {
            key,
            first_ts: ts,
            buf: self.spare.pop().unwrap_or_default(),
            ranges: Vec::new(),
            total: None,
            received: 0,
        });
        Some(self.datagrams.len() - 1)
    }

    fn oldest(&self) -> Option<usize> {
        (0..self.datagrams.len()).min_by_key(|&i| self.datagrams.get(i).map(|d| d.first_ts))
    }

    /// Overlap, duplicate and end-of-datagram consistency of a new range.
    fn check(&self, i: usize, info: FragInfo, end: u32) -> Result<(), DecodeError> {
        let d = self.datagrams.get(i).ok_or(DecodeError::FragmentLimit)?;
        for &(s, e) in &d.ranges {
            if s == info.offset && e == end {
                return Err(DecodeError::FragmentDuplicate);
            }
            if info.offset < e && s < end {
                return Err(DecodeError::FragmentOverlap);
            }
        }
        if d.ranges.len() >= MAX_FRAGMENTS {
            return Err(DecodeError::FragmentLimit);
        }
        let furthest = d.ranges.iter().map(|r| r.1).max().unwrap_or(0);
        let inconsistent = match (d.total, info.more) {
            (Some(t), false) => t != end,
            (Some(t), true) => end > t,
            (None, false) => furthest > end,
            (None, true) => false,
        };
        if inconsistent {
            return Err(DecodeError::FragmentInconsistent);
        }
        Ok(())
    }

    /// Ensures the byte cap allows growing datagram `i` to `end` bytes,
    /// evicting the oldest other datagrams first.
    fn make_room(&mut self, mut i: usize, end: u32, ts: Timestamp, c: &mut Counters) -> bool {
        let key = self.datagrams.get(i).map(|d| d.key);
        loop {
            let current = self.datagrams.get(i).map_or(0, |d| d.buf.len());
            let growth = (end as usize).saturating_sub(current);
            if self.buffered.saturating_add(growth) <= self.max_bytes {
                return true;
            }
            let victim = (0..self.datagrams.len())
                .filter(|&j| j != i)
                .min_by_key(|&j| self.datagrams.get(j).map(|d| d.first_ts));
            match victim {
                Some(j) => {
                    self.drop_datagram(j, DecodeError::FragmentLimit, 0, ts, c);
                    // swap_remove may have moved datagram `i`.
                    match self.datagrams.iter().position(|d| Some(d.key) == key) {
                        Some(pos) => i = pos,
                        None => return false,
                    }
                }
                None => {
                    self.drop_datagram(i, DecodeError::FragmentLimit, 1, ts, c);
                    return false;
                }
            }
        }
    }

    fn store(&mut self, i: usize, info: FragInfo, end: u32, data: &[u8]) -> Insert {
        let Some(d) = self.datagrams.get_mut(i) else {
            return Insert::Dropped;
        };
        let (start, stop) = (info.offset as usize, end as usize);
        if d.buf.len() < stop {
            self.buffered += stop - d.buf.len();
            d.buf.resize(stop, 0);
        }
        if let Some(dst) = d.buf.get_mut(start..stop) {
            dst.copy_from_slice(data);
        }
        d.ranges.push((info.offset, end));
        d.received = d.received.saturating_add(end - info.offset);
        if !info.more {
            d.total = Some(end);
        }
        if d.total != Some(d.received) {
            return Insert::Pending;
        }
        let d = self.datagrams.swap_remove(i);
        self.buffered = self.buffered.saturating_sub(d.buf.len());
        let previous = std::mem::replace(&mut self.out, d.buf);
        self.recycle(previous);
        Insert::Complete
    }
}
