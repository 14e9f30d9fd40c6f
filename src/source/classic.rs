//! A fast path for the common classic pcap file (version 2.4, Ethernet, raw IP
//! or BSD loopback): records are cut out of large buffered reads instead of
//! libpcap's per-packet `fread` through a 4 KiB stdio buffer.
//!
//! It only accepts records libpcap would hand out unchanged (captured length
//! within the snapshot length and libpcap's per-link maximum, sub-second part
//! in range). On anything else (a short read, an odd record, an I/O error) it
//! stops and tells the caller how many records it delivered, so that libpcap,
//! which opened the same file, can skip them and take over with its own
//! results and error messages.

use crate::model::Timestamp;
use std::fs::File;
use std::io::Read;
use std::ops::Range;

/// Bytes read from the file at a time.
const CHUNK: usize = 1 << 20;
/// libpcap's `MAXIMUM_SNAPLEN`, its per-link maximum for the link types below.
const MAX_SNAPLEN: u32 = 262_144;
/// Per-record header: seconds, sub-second part, captured and original length.
const RECORD_HEADER: usize = 16;
/// Link types (as written in the file) libpcap passes through untouched.
const PLAIN_LINK_TYPES: [u32; 3] = [0, 1, 101];

/// One record, its bytes at `data` in [`ClassicReader::bytes`].
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) ts: Timestamp,
    pub(crate) orig_len: u32,
    pub(crate) data: Range<usize>,
}

/// What the fast path produced.
#[derive(Debug)]
pub(crate) enum Step {
    Record(Record),
    End,
    /// Hand over to libpcap after skipping `delivered` records.
    Fallback {
        delivered: u64,
    },
}

/// A classic pcap file read from offset 24 with a large buffer.
#[derive(Debug)]
pub(crate) struct ClassicReader {
    file: File,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    swapped: bool,
    nanos: bool,
    max_caplen: u32,
    delivered: u64,
}

/// Layout read from a file header, when the fast path applies.
struct Layout {
    swapped: bool,
    nanos: bool,
    max_caplen: u32,
}

fn layout(header: &[u8; 24]) -> Option<Layout> {
    let word = |i: usize| -> Option<[u8; 4]> { header.get(i..i + 4)?.try_into().ok() };
    let magic = u32::from_le_bytes(word(0)?);
    let (swapped, nanos) = match magic {
        0xa1b2_c3d4 => (false, false),
        0xa1b2_3c4d => (false, true),
        0xd4c3_b2a1 => (true, false),
        0x4d3c_b2a1 => (true, true),
        _ => return None,
    };
    let read32 = |i: usize| -> Option<u32> {
        let w = word(i)?;
        Some(match swapped {
            false => u32::from_le_bytes(w),
            true => u32::from_be_bytes(w),
        })
    };
    let version = read32(4)?;
    let expected = match swapped {
        false => 2 | (4 << 16),
        true => (2 << 16) | 4,
    };
    let (snaplen, link) = (read32(16)?, read32(20)?);
    if version != expected || !PLAIN_LINK_TYPES.contains(&link) {
        return None;
    }
    let max_caplen = match snaplen {
        1..=MAX_SNAPLEN => snaplen,
        _ => MAX_SNAPLEN,
    };
    Some(Layout {
        swapped,
        nanos,
        max_caplen,
    })
}

impl ClassicReader {
    /// Opens `path` when it is a classic pcap file the fast path can read.
    pub(crate) fn open(path: &str) -> Option<ClassicReader> {
        let mut file = File::open(path).ok()?;
        let mut header = [0u8; 24];
        file.read_exact(&mut header).ok()?;
        let l = layout(&header)?;
        Some(ClassicReader {
            file,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            eof: false,
            swapped: l.swapped,
            nanos: l.nanos,
            max_caplen: l.max_caplen,
            delivered: 0,
        })
    }

    /// The buffer records point into.
    pub(crate) fn bytes(&self, range: Range<usize>) -> &[u8] {
        self.buf.get(range).unwrap_or(&[])
    }

    fn u32_at(&self, at: usize) -> u32 {
        let w: [u8; 4] = self
            .buf
            .get(at..at + 4)
            .and_then(|s| s.try_into().ok())
            .unwrap_or_default();
        match self.swapped {
            false => u32::from_le_bytes(w),
            true => u32::from_be_bytes(w),
        }
    }

    /// Makes at least `need` unread bytes available unless the file ends first;
    /// false on an I/O error.
    fn fill(&mut self, need: usize) -> bool {
        if self.end - self.pos >= need {
            return true;
        }
        if self.buf.len() < CHUNK {
            self.buf.resize(CHUNK, 0);
        }
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        while self.end < need && !self.eof {
            let Some(space) = self.buf.get_mut(self.end..) else {
                return false;
            };
            match self.file.read(space) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        true
    }

    fn fallback(&self) -> Step {
        Step::Fallback {
            delivered: self.delivered,
        }
    }

    /// The next record, the end of the file, or a hand-over to libpcap.
    pub(crate) fn next(&mut self) -> Step {
        if !self.fill(RECORD_HEADER) {
            return self.fallback();
        }
        if self.end == self.pos {
            return Step::End;
        }
        if self.end - self.pos < RECORD_HEADER {
            return self.fallback();
        }
        let h = self.pos;
        let (secs, sub) = (self.u32_at(h), self.u32_at(h + 4));
        let (caplen, orig_len) = (self.u32_at(h + 8), self.u32_at(h + 12));
        let sub_max = if self.nanos { 1_000_000_000 } else { 1_000_000 };
        if caplen > self.max_caplen || sub >= sub_max || secs > i32::MAX as u32 {
            return self.fallback();
        }
        let total = RECORD_HEADER + caplen as usize;
        if !self.fill(total) || self.end - self.pos < total {
            return self.fallback();
        }
        let micros = if self.nanos { sub / 1000 } else { sub };
        let start = self.pos + RECORD_HEADER;
        self.pos += total;
        self.delivered += 1;
        Step::Record(Record {
            ts: Timestamp::from_secs_micros(i64::from(secs), i64::from(micros)),
            orig_len,
            data: start..start + caplen as usize,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(magic: u32, major: u16, minor: u16, snaplen: u32, link: u32) -> [u8; 24] {
        let mut h = [0u8; 24];
        h[0..4].copy_from_slice(&magic.to_le_bytes());
        h[4..6].copy_from_slice(&major.to_le_bytes());
        h[6..8].copy_from_slice(&minor.to_le_bytes());
        h[16..20].copy_from_slice(&snaplen.to_le_bytes());
        h[20..24].copy_from_slice(&link.to_le_bytes());
        h
    }

    #[test]
    fn layout_accepts_only_plain_v24_files() {
        let ok = layout(&header(0xa1b2_c3d4, 2, 4, 65535, 1)).expect("ethernet");
        assert!(!ok.swapped && !ok.nanos);
        assert_eq!(ok.max_caplen, 65535);
        let big = layout(&header(0xa1b2_3c4d, 2, 4, 0, 101)).expect("raw, nanos");
        assert!(big.nanos);
        assert_eq!(big.max_caplen, MAX_SNAPLEN);
        assert!(layout(&header(0xa1b2_c3d4, 2, 3, 65535, 1)).is_none());
        assert!(layout(&header(0xa1b2_c3d4, 2, 4, 65535, 113)).is_none());
        assert!(layout(&header(0x0a0d_0d0a, 2, 4, 65535, 1)).is_none());
    }

    #[test]
    fn swapped_header_is_read_big_endian() {
        let mut h = [0u8; 24];
        h[0..4].copy_from_slice(&0xa1b2_c3d4u32.to_be_bytes());
        h[4..6].copy_from_slice(&2u16.to_be_bytes());
        h[6..8].copy_from_slice(&4u16.to_be_bytes());
        h[16..20].copy_from_slice(&1500u32.to_be_bytes());
        h[20..24].copy_from_slice(&1u32.to_be_bytes());
        let l = layout(&h).expect("swapped");
        assert!(l.swapped);
        assert_eq!(l.max_caplen, 1500);
    }
}
