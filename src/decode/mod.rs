//! Decode: turns one captured frame into a TCP segment view.
//!
//! Owns the link-layer dispatch (Ethernet II, 802.1Q/QinQ, MPLS, Linux SLL/SLL2,
//! BSD loopback, raw IP), tunnel decapsulation (GRE, ERSPAN, VXLAN, TZSP, IP in
//! IP), bounded IPv4/IPv6 fragment reassembly and IPv6 extension headers, using
//! `etherparse` for the IP and transport headers.
//! Receives [`RawFrame`]s; emits [`TcpSegment`]s that borrow the frame (or the
//! fragment buffer) for one call. Non-TCP traffic and malformed frames are
//! counted, never errors. Checksums are not verified: captures taken on the
//! sending host routinely carry offload-bad checksums.
//! Must not keep per-flow state, read a clock or allocate per packet (fragment
//! buffers are recycled).

// Parsers of untrusted bytes: no indexing that can panic (tests may index).
#![deny(clippy::indexing_slicing)]

mod error;
mod frag;
mod ip;
mod link;
mod tunnel;
mod walk;

pub use error::DecodeError;

use crate::model::{Anomaly, AnomalyCounts, DecodeStats, RawFrame, TcpSegment, Timestamp};

/// Bounds of the decoder's own state (fragment reassembly).
#[derive(Clone, Debug)]
pub struct DecodeConfig {
    /// Datagrams being reassembled at once.
    pub max_fragment_datagrams: usize,
    /// Bytes buffered for fragment reassembly, all datagrams.
    pub max_fragment_bytes: usize,
    /// A datagram whose fragments do not complete in this time is dropped.
    pub fragment_timeout_ms: u32,
}

impl Default for DecodeConfig {
    fn default() -> Self {
        DecodeConfig {
            max_fragment_datagrams: 1024,
            max_fragment_bytes: 4 << 20,
            fragment_timeout_ms: 30_000,
        }
    }
}

/// Encapsulations peeled off one frame at most (tunnels, pseudowires).
const MAX_TUNNEL_DEPTH: u32 = 4;

/// Counters shared by every decode step.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    stats: DecodeStats,
    anomalies: AnomalyCounts,
}

impl Counters {
    /// Counts an anomaly; only the first few of a code allocate an example.
    fn anomaly(&mut self, err: DecodeError, ts: Timestamp) {
        let code = err.code();
        let seen = self.anomalies.counts.get(code).copied().unwrap_or(0);
        if seen < AnomalyCounts::EXAMPLES_PER_CODE {
            self.anomalies.record(Anomaly {
                code,
                conn: None,
                ts,
                detail: err.to_string(),
            });
        } else {
            self.anomalies.bump(code);
        }
    }

    /// A malformed frame: counted and named.
    fn malformed(&mut self, err: DecodeError, ts: Timestamp) {
        self.stats.malformed += 1;
        self.anomaly(err, ts);
    }

    /// Fragments given up on, for `err`'s reason.
    fn fragments_dropped(&mut self, err: DecodeError, count: u64, ts: Timestamp) {
        self.stats.fragments_dropped += count;
        self.anomaly(err, ts);
    }
}

/// The decode stage.
#[derive(Debug)]
pub struct Decoder {
    counters: Counters,
    frags: frag::FragPool,
}

impl Decoder {
    /// A decoder with the given bounds.
    pub fn new(config: DecodeConfig) -> Self {
        Decoder {
            counters: Counters::default(),
            frags: frag::FragPool::new(&config),
        }
    }

    /// Decodes one frame. Returns the TCP segment it carries, if any.
    pub fn decode<'a>(&'a mut self, frame: &RawFrame<'a>) -> Option<TcpSegment<'a>> {
        let Decoder { counters, frags } = self;
        counters.stats.frames += 1;
        counters.stats.bytes += frame.data.len() as u64;
        let snap_cut = frame.orig_len as usize > frame.data.len();
        if snap_cut {
            counters.stats.snaplen_truncated += 1;
        }
        frags.expire(frame.ts, counters);
        let ctx = walk::Ctx {
            ts: frame.ts,
            snap_cut,
        };
        let start = walk::Layer::Link(frame.link_type, frame.data);
        let segment = match walk::walk(counters, Some(&mut *frags), start, ctx) {
            walk::Outcome::Segment(seg) => Some(seg),
            walk::Outcome::Skip => None,
            walk::Outcome::Reassembled(layer) => {
                let frags: &'a frag::FragPool = frags;
                match walk::walk(counters, None, layer.with_data(frags.output()), ctx) {
                    walk::Outcome::Segment(seg) => Some(seg),
                    _ => None,
                }
            }
        };
        if segment.is_some() {
            counters.stats.tcp_segments += 1;
        }
        segment
    }

    /// Counters so far.
    pub fn stats(&self) -> &DecodeStats {
        &self.counters.stats
    }

    /// Anomalies so far (malformed frames by kind).
    pub fn anomalies(&self) -> &AnomalyCounts {
        &self.counters.anomalies
    }
}

#[cfg(test)]
mod tests;
