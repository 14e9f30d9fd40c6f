//! Out-of-order buffer of one stream direction. Owns the chunks that arrived
//! ahead of the delivery point. Receives pieces at absolute stream offsets;
//! hands back chunks from the front once they are next in line. Must not
//! deliver anything itself or enforce caps (the assembler asks `plan` first).

use super::limits::CHUNK_COST;
use std::collections::VecDeque;

/// What a buffered range holds: captured bytes, or bytes known to exist on the
/// wire but not captured (snaplen cut), which become a gap when delivered.
#[derive(Debug)]
pub(super) enum Fill {
    Data(Vec<u8>),
    Lost(u64),
}

/// One buffered range starting at stream offset `off`.
#[derive(Debug)]
pub(super) struct Chunk {
    pub(super) off: u64,
    pub(super) fill: Fill,
}

impl Chunk {
    fn len(&self) -> u64 {
        match &self.fill {
            Fill::Data(v) => v.len() as u64,
            Fill::Lost(n) => *n,
        }
    }

    fn end(&self) -> u64 {
        self.off.saturating_add(self.len())
    }
}

/// A borrowed range to deliver or buffer.
#[derive(Clone, Copy, Debug)]
pub(super) enum Piece<'a> {
    Data(&'a [u8]),
    Lost(u64),
}

impl<'a> Piece<'a> {
    pub(super) fn len(&self) -> u64 {
        match self {
            Piece::Data(d) => d.len() as u64,
            Piece::Lost(n) => *n,
        }
    }

    pub(super) fn is_data(&self) -> bool {
        matches!(self, Piece::Data(_))
    }

    /// The sub-range `[from, to)` relative to the piece start (clamped).
    pub(super) fn slice(&self, from: u64, to: u64) -> Piece<'a> {
        let to = to.min(self.len());
        let from = from.min(to);
        match self {
            Piece::Data(d) => {
                let (a, b) = (from as usize, to as usize);
                Piece::Data(d.get(a..b).unwrap_or_default())
            }
            Piece::Lost(_) => Piece::Lost(to - from),
        }
    }
}

/// What inserting a piece would cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Plan {
    /// Captured bytes that would be newly stored.
    pub(super) new_bytes: usize,
    /// Chunks that would be added (an upper bound: appends may merge).
    pub(super) new_chunks: usize,
}

impl Plan {
    /// Budget the insertion would take (an upper bound).
    pub(super) fn charge(&self) -> usize {
        self.new_bytes + CHUNK_COST * self.new_chunks
    }
}

/// Invariant: chunks are sorted by `off` and never overlap; `data_bytes` is the
/// total length of their `Data` fills. The owner keeps every `off` strictly
/// after its delivery point.
#[derive(Debug, Default)]
pub(super) struct OooBuffer {
    chunks: VecDeque<Chunk>,
    data_bytes: usize,
}

impl OooBuffer {
    pub(super) fn data_bytes(&self) -> usize {
        self.data_bytes
    }

    /// Budget held: data plus a fixed cost per chunk.
    pub(super) fn charge(&self) -> usize {
        self.data_bytes + CHUNK_COST * self.chunks.len()
    }

    pub(super) fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    pub(super) fn first_off(&self) -> Option<u64> {
        self.chunks.front().map(|c| c.off)
    }

    pub(super) fn pop_front(&mut self) -> Option<Chunk> {
        let chunk = self.chunks.pop_front()?;
        if let Fill::Data(d) = &chunk.fill {
            self.data_bytes -= d.len();
        }
        Some(chunk)
    }

    /// Drops everything.
    pub(super) fn clear(&mut self) {
        self.chunks = VecDeque::new();
        self.data_bytes = 0;
    }

    /// Drops everything at or after offset `end`; returns the captured bytes
    /// dropped.
    pub(super) fn truncate(&mut self, end: u64) -> usize {
        let before = self.data_bytes;
        while let Some(last) = self.chunks.back_mut() {
            if last.off >= end {
                if let Some(Chunk {
                    fill: Fill::Data(d),
                    ..
                }) = self.chunks.pop_back()
                {
                    self.data_bytes -= d.len();
                }
                continue;
            }
            let keep = end - last.off;
            match &mut last.fill {
                Fill::Data(d) if d.len() as u64 > keep => {
                    self.data_bytes -= d.len() - keep as usize;
                    d.truncate(keep as usize);
                }
                Fill::Lost(n) => *n = (*n).min(keep),
                Fill::Data(_) => {}
            }
            break;
        }
        before - self.data_bytes
    }

    /// Index of the first chunk that ends after `start`.
    fn first_ending_after(&self, start: u64) -> usize {
        self.chunks.partition_point(|c| c.end() <= start)
    }

    /// The holes of `[start, start + len)` not covered by buffered chunks.
    fn for_each_hole(&self, start: u64, len: u64, mut f: impl FnMut(u64, u64)) {
        let end = start.saturating_add(len);
        let mut cur = start;
        let mut idx = self.first_ending_after(start);
        while cur < end {
            match self.chunks.get(idx) {
                Some(c) if c.off <= cur => {
                    cur = cur.max(c.end());
                    idx += 1;
                }
                next => {
                    let hole_end = next.map_or(end, |c| c.off.min(end));
                    f(cur, hole_end);
                    cur = hole_end;
                }
            }
        }
    }

    /// What `insert(start, piece)` would add.
    pub(super) fn plan(&self, start: u64, piece: &Piece<'_>) -> Plan {
        let mut plan = Plan::default();
        self.for_each_hole(start, piece.len(), |a, b| {
            plan.new_chunks += 1;
            if piece.is_data() {
                plan.new_bytes += (b - a) as usize;
            }
        });
        plan
    }

    /// Stores the parts of `piece` (at offset `start`) that fill holes; bytes
    /// already buffered are kept (the first copy wins). Returns the captured
    /// bytes newly stored.
    pub(super) fn insert(&mut self, start: u64, piece: Piece<'_>) -> usize {
        let mut holes: Vec<(u64, u64)> = Vec::new();
        self.for_each_hole(start, piece.len(), |a, b| holes.push((a, b)));
        let mut stored = 0;
        for (a, b) in holes {
            let part = piece.slice(a - start, b - start);
            stored += self.fill_hole(a, part);
        }
        self.data_bytes += stored;
        stored
    }

    /// Puts `part` into the hole starting at `at`, appending to the chunk just
    /// before when both hold data and touch.
    fn fill_hole(&mut self, at: u64, part: Piece<'_>) -> usize {
        let idx = self.first_ending_after(at);
        match (
            part,
            idx.checked_sub(1).and_then(|i| self.chunks.get_mut(i)),
        ) {
            (Piece::Data(bytes), Some(prev)) if prev.end() == at => {
                if let Fill::Data(v) = &mut prev.fill {
                    v.extend_from_slice(bytes);
                    return bytes.len();
                }
            }
            _ => {}
        }
        let fill = match part {
            Piece::Data(bytes) => Fill::Data(bytes.to_vec()),
            Piece::Lost(n) => Fill::Lost(n),
        };
        let stored = match &fill {
            Fill::Data(v) => v.len(),
            Fill::Lost(_) => 0,
        };
        self.chunks.insert(idx, Chunk { off: at, fill });
        stored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(b: &OooBuffer) -> Vec<(u64, u64)> {
        b.chunks.iter().map(|c| (c.off, c.end())).collect()
    }

    #[test]
    fn buffer_overlap_keeps_first_copy_and_fills_holes() {
        let mut b = OooBuffer::default();
        assert_eq!(b.insert(10, Piece::Data(b"AAAA")), 4);
        assert_eq!(b.insert(20, Piece::Data(b"BB")), 2);
        let plan = b.plan(8, &Piece::Data(b"xxxxxxxxxxxxxxxx"));
        assert_eq!(plan.new_bytes, 10);
        assert_eq!(b.insert(8, Piece::Data(b"xxxxxxxxxxxxxxxx")), 10);
        assert_eq!(ranges(&b), vec![(8, 10), (10, 20), (20, 24)]);
        assert_eq!(b.data_bytes(), 16);
        let mut all = Vec::new();
        while let Some(c) = b.pop_front() {
            if let Fill::Data(d) = c.fill {
                all.extend(d);
            }
        }
        assert_eq!(all, b"xxAAAAxxxxxxBBxx");
        assert_eq!(b.data_bytes(), 0);
    }

    #[test]
    fn buffer_truncate_cuts_straddling_chunk_and_drops_later_ones() {
        let mut b = OooBuffer::default();
        b.insert(10, Piece::Data(b"abcdef"));
        b.insert(20, Piece::Lost(5));
        b.insert(30, Piece::Data(b"xyz"));
        assert_eq!(b.truncate(13), 6);
        assert_eq!(ranges(&b), vec![(10, 13)]);
        assert_eq!(b.data_bytes(), 3);
    }

    #[test]
    fn buffer_lost_range_is_a_chunk_without_bytes() {
        let mut b = OooBuffer::default();
        assert_eq!(b.insert(5, Piece::Lost(7)), 0);
        assert_eq!(b.insert(0, Piece::Data(b"0123456789")), 5);
        assert_eq!(ranges(&b), vec![(0, 5), (5, 12)]);
        assert_eq!(b.data_bytes(), 5);
    }
}
