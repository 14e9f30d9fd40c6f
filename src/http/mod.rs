//! HTTP: incremental HTTP/1.0/1.1 parsing of reassembled streams.
//!
//! Owns per-connection parser state. Receives [`StreamEvent`]s; emits
//! [`HttpExchange`]s (request paired with response) when they complete, and
//! answers each event with a [`StreamInterest`] so non-HTTP or upgraded streams
//! stop costing anything. Keeps no body except the first bytes of 4xx/5xx
//! responses (content-decoded). Must not interpret auth headers.

use crate::model::{AnomalyCounts, HttpExchange, HttpStats, StreamEvent, StreamInterest};

/// Bounds of the parser.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// Header bytes per message before it is abandoned with an anomaly.
    pub max_header_bytes: usize,
    /// Body bytes kept (decoded) of a 4xx/5xx response.
    pub body_prefix_bytes: usize,
    /// Requests waiting for their responses on one connection (pipelining).
    pub max_pending_requests: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_header_bytes: 64 << 10,
            body_prefix_bytes: 4096,
            max_pending_requests: 64,
        }
    }
}

/// The HTTP stage.
#[derive(Debug)]
pub struct HttpParser {
    stats: HttpStats,
    anomalies: AnomalyCounts,
}

impl HttpParser {
    /// A parser with the given bounds.
    pub fn new(_config: HttpConfig) -> Self {
        HttpParser {
            stats: HttpStats::default(),
            anomalies: AnomalyCounts::default(),
        }
    }

    /// Handles one stream event; pushes completed exchanges to `out`.
    pub fn on_event(
        &mut self,
        _ev: StreamEvent<'_>,
        _out: &mut Vec<HttpExchange>,
    ) -> StreamInterest {
        StreamInterest::Continue
    }

    /// Counters so far.
    pub fn stats(&self) -> &HttpStats {
        &self.stats
    }

    /// Anomalies so far.
    pub fn anomalies(&self) -> &AnomalyCounts {
        &self.anomalies
    }
}
