//! Capture files and stdin read through libpcap (the `pcap` crate, safe API
//! only), classic pcap files through the large-read fast path of
//! [`super::classic`] with libpcap taking over on anything unusual. One input
//! is read packet by packet straight out of the reader's buffer; several are
//! merged in capture-time order, each reader's head packet copied into a
//! buffer that is reused for the whole run.

use super::classic::{ClassicReader, Step};
use super::InputError;
use crate::model::{LinkType, RawFrame, SourceItem, SourceKind, SourceStats, Timestamp};
use pcap::{Capture, Offline, Packet, Precision};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One open capture: a libpcap handle and its counters.
pub(crate) struct PcapReader {
    capture: Capture<Offline>,
    /// Reads the file instead of libpcap until it hands over.
    fast: Option<ClassicReader>,
    link_type: LinkType,
    stats: SourceStats,
    /// Kept alive while libpcap reads from it (gzip inputs); libpcap holds its
    /// own descriptor, so the name may already be gone.
    _temp: Option<tempfile::NamedTempFile>,
}

impl std::fmt::Debug for PcapReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcapReader")
            .field("path", &self.stats.path)
            .field("link_type", &self.link_type)
            .finish()
    }
}

impl PcapReader {
    /// Opens `open_path` with libpcap (`-` is stdin, see pcap_open_offline(3PCAP)),
    /// reporting errors and counters under `display_path`.
    pub(crate) fn open(
        display_path: &str,
        open_path: &str,
        kind: SourceKind,
        temp: Option<tempfile::NamedTempFile>,
    ) -> Result<PcapReader, InputError> {
        // Nanosecond precision keeps whatever the file has; we round down to µs.
        let capture =
            Capture::from_file_with_precision(open_path, Precision::Nano).map_err(|e| {
                InputError {
                    path: display_path.to_string(),
                    message: format!("cannot open capture: {}", pcap_message(&e)),
                }
            })?;
        let dlt = capture.get_datalink().0;
        let fast = match kind {
            SourceKind::Pcap if is_regular_file(open_path) => ClassicReader::open(open_path),
            _ => None,
        };
        Ok(PcapReader {
            link_type: LinkType::from_dlt(u32::try_from(dlt).unwrap_or(u32::MAX)),
            capture,
            fast,
            stats: SourceStats::new(display_path, kind),
            _temp: temp,
        })
    }

    /// Counters so far.
    pub(crate) fn stats(&self) -> &SourceStats {
        &self.stats
    }

    /// The next packet, from the fast path while it lasts, then from libpcap.
    fn next_packet(&mut self) -> Next<'_> {
        let step = self.fast.as_mut().map(ClassicReader::next);
        match step {
            Some(Step::Record(r)) => {
                self.stats.packets += 1;
                self.stats.bytes += r.data.len() as u64;
                let data = self.fast.as_ref().map_or(&[][..], |f| f.bytes(r.data));
                Next::Packet(Pkt {
                    ts: r.ts,
                    orig_len: r.orig_len,
                    data,
                })
            }
            Some(Step::End) => Next::End,
            Some(Step::Fallback { delivered }) => {
                self.fast = None;
                match skip_packets(&mut self.capture, delivered, &self.stats.path) {
                    Some(stop) => stop,
                    None => read_next(&mut self.capture, &mut self.stats),
                }
            }
            None => read_next(&mut self.capture, &mut self.stats),
        }
    }
}

fn is_regular_file(path: &str) -> bool {
    path != "-" && std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Reads past the packets the fast path already delivered; `Some` when the
/// input stops before that.
fn skip_packets(capture: &mut Capture<Offline>, count: u64, path: &str) -> Option<Next<'static>> {
    for _ in 0..count {
        match capture.next_packet() {
            Ok(_) => {}
            Err(pcap::Error::NoMorePackets) => return Some(Next::End),
            Err(e) => return Some(Next::Failed(read_error(path, &e))),
        }
    }
    None
}

/// libpcap's own words, without the crate's wrapper.
fn pcap_message(err: &pcap::Error) -> String {
    match err {
        pcap::Error::PcapError(m) => m.clone(),
        other => other.to_string(),
    }
}

/// A read error after the header: what came before stays valid.
fn read_error(path: &str, err: &pcap::Error) -> InputError {
    let msg = pcap_message(err);
    let message = if msg.contains("truncated") {
        format!("truncated capture: {msg}")
    } else {
        format!("read error: {msg}")
    };
    InputError {
        path: path.to_string(),
        message,
    }
}

/// Capture time of a packet read with nanosecond precision, in microseconds.
fn packet_ts(packet: &Packet<'_>) -> Timestamp {
    // time_t and suseconds_t are i64 on the platforms we build for.
    #[allow(clippy::useless_conversion)]
    let (secs, nanos) = (
        i64::from(packet.header.ts.tv_sec),
        i64::from(packet.header.ts.tv_usec),
    );
    Timestamp::from_secs_micros(secs, nanos.div_euclid(1000))
}

/// One packet read, borrowing the reader's buffer.
struct Pkt<'a> {
    ts: Timestamp,
    orig_len: u32,
    data: &'a [u8],
}

/// What one read produced.
enum Next<'a> {
    Packet(Pkt<'a>),
    End,
    Failed(InputError),
}

fn read_next<'a>(capture: &'a mut Capture<Offline>, stats: &mut SourceStats) -> Next<'a> {
    match capture.next_packet() {
        Ok(packet) => {
            stats.packets += 1;
            stats.bytes += packet.data.len() as u64;
            Next::Packet(Pkt {
                ts: packet_ts(&packet),
                orig_len: packet.header.len,
                data: packet.data,
            })
        }
        Err(pcap::Error::NoMorePackets) => Next::End,
        Err(e) => Next::Failed(read_error(&stats.path, &e)),
    }
}

/// One input: frames borrow libpcap's buffer, no copy.
#[derive(Debug)]
pub(crate) struct SingleSource {
    reader: PcapReader,
    done: bool,
}

impl SingleSource {
    pub(crate) fn new(reader: PcapReader) -> Self {
        SingleSource {
            reader,
            done: false,
        }
    }
}

impl super::Source for SingleSource {
    fn next_item(&mut self) -> Result<Option<SourceItem<'_>>, InputError> {
        if self.done {
            return Ok(None);
        }
        let link_type = self.reader.link_type;
        match self.reader.next_packet() {
            Next::Packet(p) => Ok(Some(SourceItem::Frame(RawFrame {
                ts: p.ts,
                link_type,
                data: p.data,
                orig_len: p.orig_len,
            }))),
            Next::End => {
                self.done = true;
                Ok(None)
            }
            Next::Failed(e) => {
                self.done = true;
                Err(e)
            }
        }
    }

    fn stats(&self) -> Vec<SourceStats> {
        vec![self.reader.stats().clone()]
    }
}

/// A reader plus a copy of its head packet.
#[derive(Debug)]
struct Head {
    reader: PcapReader,
    buf: Vec<u8>,
    ts: Timestamp,
    orig_len: u32,
}

/// Several inputs merged by capture time (a k-way merge over a min-heap).
/// Equal timestamps go to the input named first; one input's order is kept.
/// Invariant: every input with a packet in `buf` has exactly one heap entry.
#[derive(Debug)]
pub(crate) struct MergedSource {
    heads: Vec<Head>,
    heap: BinaryHeap<Reverse<(Timestamp, usize)>>,
    /// The input whose head was handed out last: refilled on the next call.
    last: Option<usize>,
    /// Read errors are reported after every other input has been drained.
    errors: Vec<InputError>,
}

impl MergedSource {
    pub(crate) fn new(readers: Vec<PcapReader>) -> Self {
        let mut merged = MergedSource {
            heap: BinaryHeap::with_capacity(readers.len()),
            heads: readers
                .into_iter()
                .map(|reader| Head {
                    reader,
                    buf: Vec::new(),
                    ts: Timestamp::ZERO,
                    orig_len: 0,
                })
                .collect(),
            last: None,
            errors: Vec::new(),
        };
        for i in 0..merged.heads.len() {
            merged.refill(i);
        }
        merged
    }

    fn refill(&mut self, i: usize) {
        let Some(head) = self.heads.get_mut(i) else {
            return;
        };
        let Head {
            reader,
            buf,
            ts,
            orig_len,
        } = head;
        match reader.next_packet() {
            Next::Packet(p) => {
                buf.clear();
                buf.extend_from_slice(p.data);
                *ts = p.ts;
                *orig_len = p.orig_len;
                self.heap.push(Reverse((*ts, i)));
            }
            Next::End => {}
            Next::Failed(e) => self.errors.push(e),
        }
    }
}

impl MergedSource {
    /// The first read error, noting how many other inputs also failed.
    fn take_errors(&mut self) -> InputError {
        let others = self.errors.len().saturating_sub(1);
        let mut first = self.errors.remove(0);
        self.errors.clear();
        if others > 0 {
            first.message = format!("{} (and {others} more inputs failed)", first.message);
        }
        first
    }
}

impl super::Source for MergedSource {
    fn next_item(&mut self) -> Result<Option<SourceItem<'_>>, InputError> {
        if let Some(i) = self.last.take() {
            self.refill(i);
        }
        let Some(Reverse((_, i))) = self.heap.pop() else {
            return match self.errors.is_empty() {
                true => Ok(None),
                false => Err(self.take_errors()),
            };
        };
        self.last = Some(i);
        let Some(head) = self.heads.get(i) else {
            return Ok(None);
        };
        Ok(Some(SourceItem::Frame(RawFrame {
            ts: head.ts,
            link_type: head.reader.link_type,
            data: &head.buf,
            orig_len: head.orig_len,
        })))
    }

    fn stats(&self) -> Vec<SourceStats> {
        self.heads
            .iter()
            .map(|h| h.reader.stats().clone())
            .collect()
    }
}
