//! Decode: turns one captured frame into a TCP segment view.
//!
//! Owns the link-layer dispatch (Ethernet II, 802.1Q/QinQ, Linux SLL/SLL2, BSD
//! loopback, raw IP), tunnel decapsulation (GRE, ERSPAN, VXLAN), bounded IPv4
//! fragment reassembly and IPv6 extension headers, using `etherparse`.
//! Receives [`RawFrame`]s; emits [`TcpSegment`]s that borrow the frame (or the
//! fragment buffer) for one call. Non-TCP traffic and malformed frames are
//! counted, never errors. Must not keep per-flow state or read a clock.

use crate::model::{AnomalyCounts, DecodeStats, RawFrame, TcpSegment};

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

/// The decode stage.
#[derive(Debug)]
pub struct Decoder {
    stats: DecodeStats,
    anomalies: AnomalyCounts,
}

impl Decoder {
    /// A decoder with the given bounds.
    pub fn new(_config: DecodeConfig) -> Self {
        Decoder {
            stats: DecodeStats::default(),
            anomalies: AnomalyCounts::default(),
        }
    }

    /// Decodes one frame. Returns the TCP segment it carries, if any.
    pub fn decode<'a>(&'a mut self, frame: &RawFrame<'a>) -> Option<TcpSegment<'a>> {
        self.stats.frames += 1;
        self.stats.bytes += frame.data.len() as u64;
        None
    }

    /// Counters so far.
    pub fn stats(&self) -> &DecodeStats {
        &self.stats
    }

    /// Anomalies so far (malformed frames by kind).
    pub fn anomalies(&self) -> &AnomalyCounts {
        &self.anomalies
    }
}
