//! TCP: per-connection, per-direction stream reassembly.
//!
//! Owns the flow table. Receives [`TcpSegment`]s in capture order; emits
//! [`StreamEvent`]s (open, in-order data, gaps, FIN/RST, closed) through a
//! callback, which answers with a [`StreamInterest`]. Out-of-order data is
//! buffered within caps; retransmissions and overlaps are delivered once;
//! sequence numbers wrap. Idle timeouts use capture time from `tick`. Must not
//! parse payloads or read a clock.

use crate::model::{AnomalyCounts, StreamEvent, StreamInterest, TcpSegment, TcpStats, Timestamp};

/// Bounds of the flow table; every cap that fires is counted in [`TcpStats`].
#[derive(Clone, Debug)]
pub struct TcpConfig {
    /// Connections tracked at once; the least recently active is evicted beyond it.
    pub max_flows: usize,
    /// Out-of-order bytes buffered per direction.
    pub max_buffered_per_dir: usize,
    /// Out-of-order bytes buffered over all connections.
    pub max_buffered_total: usize,
    /// A connection with no segment for this long is closed.
    pub idle_timeout_ms: u32,
    /// Extra server ports for guessing roles when no SYN was seen.
    pub server_ports: Vec<u16>,
}

impl Default for TcpConfig {
    fn default() -> Self {
        TcpConfig {
            max_flows: 65_536,
            max_buffered_per_dir: 256 << 10,
            max_buffered_total: 64 << 20,
            idle_timeout_ms: 300_000,
            server_ports: Vec::new(),
        }
    }
}

/// The TCP stage.
#[derive(Debug)]
pub struct Reassembler {
    stats: TcpStats,
    anomalies: AnomalyCounts,
}

impl Reassembler {
    /// An empty flow table with the given bounds.
    pub fn new(_config: TcpConfig) -> Self {
        Reassembler {
            stats: TcpStats::default(),
            anomalies: AnomalyCounts::default(),
        }
    }

    /// Feeds one segment; emits whatever stream events it makes possible.
    pub fn feed<F>(&mut self, _seg: &TcpSegment<'_>, _out: &mut F)
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
    }

    /// Closes connections idle since before `now - idle_timeout`.
    pub fn tick<F>(&mut self, _now: Timestamp, _out: &mut F)
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
    }

    /// End of input: flushes buffered data (with gaps) and closes every connection.
    pub fn finish<F>(&mut self, _out: &mut F)
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
    }

    /// Counters so far.
    pub fn stats(&self) -> &TcpStats {
        &self.stats
    }

    /// Anomalies so far.
    pub fn anomalies(&self) -> &AnomalyCounts {
        &self.anomalies
    }
}
