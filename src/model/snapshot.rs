use super::{AnomalyCounts, AuthView, Finding, HttpExchange, SourceStats, Thresholds, Timestamp};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Counters of the decode stage.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DecodeStats {
    /// Frames seen.
    pub frames: u64,
    /// Captured bytes seen.
    pub bytes: u64,
    /// Frames that yielded a TCP segment.
    pub tcp_segments: u64,
    /// IP frames that were not TCP (UDP, ICMP, …): skipped.
    pub non_tcp: u64,
    /// Frames that were not IP (ARP, LLDP, …) or of an unsupported link type: skipped.
    pub non_ip: u64,
    /// Frames cut short by the snap length.
    pub snaplen_truncated: u64,
    /// IPv4 fragments seen.
    pub fragments: u64,
    /// Datagrams rebuilt from fragments.
    pub fragments_reassembled: u64,
    /// Fragments dropped (timeout, cap, overlap).
    pub fragments_dropped: u64,
    /// Frames decapsulated from GRE, ERSPAN or VXLAN.
    pub decapsulated: u64,
    /// Malformed frames (details in the anomaly counters).
    pub malformed: u64,
}

/// Counters of the TCP stage.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TcpStats {
    /// Connections created.
    pub connections: u64,
    /// Connections currently in the flow table.
    pub open_connections: u64,
    /// Connections picked up without a SYN.
    pub midstream: u64,
    /// Gaps delivered.
    pub gaps: u64,
    /// Bytes covered by gaps.
    pub gap_bytes: u64,
    /// Segments that arrived out of order and were buffered.
    pub out_of_order: u64,
    /// Bytes received again (retransmissions and overlaps), dropped.
    pub duplicate_bytes: u64,
    /// Connections closed by idle timeout.
    pub timed_out: u64,
    /// Connections evicted because the flow cap was reached.
    pub flows_evicted: u64,
    /// Buffered bytes given up because a buffer cap was reached.
    pub bytes_evicted: u64,
    /// Bytes buffered now (out-of-order data), all connections.
    pub buffered_bytes: u64,
}

/// Counters of the HTTP stage.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HttpStats {
    /// Requests parsed.
    pub requests: u64,
    /// Final responses parsed.
    pub responses: u64,
    /// Streams that were not HTTP, ignored.
    pub unparsed_streams: u64,
    /// Streams handed off by `Upgrade`/`CONNECT`, no longer parsed.
    pub upgraded_streams: u64,
    /// Requests never answered in the capture.
    pub unanswered: u64,
    /// Responses whose request was not seen.
    pub orphan_responses: u64,
    /// Messages abandoned after a gap or a parse error (resynchronised).
    pub resyncs: u64,
}

/// Counters of the diagnose stage's own bounds (state caps, finding cap).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DiagnoseCounters {
    /// Conversations held now.
    pub conversations: u64,
    /// Conversations evicted because the cap was reached.
    pub conversations_evicted: u64,
    /// Conversations forgotten after the idle time (capture time).
    pub conversations_expired: u64,
    /// Distinct findings not kept because the finding cap was reached.
    pub findings_dropped: u64,
    /// `missing-credentials` answer deadlines dropped because their queue was full.
    pub deadlines_dropped: u64,
}

impl DiagnoseCounters {
    /// True when a bound was hit (something was evicted or dropped).
    pub fn lost_anything(&self) -> bool {
        self.conversations_evicted > 0 || self.findings_dropped > 0 || self.deadlines_dropped > 0
    }
}

/// All counters shown in the header, the `stats` JSON object and the text footer.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    /// Decode counters.
    pub decode: DecodeStats,
    /// TCP counters.
    pub tcp: TcpStats,
    /// HTTP counters.
    pub http: HttpStats,
    /// Named anomalies.
    pub anomalies: AnomalyCounts,
    /// Exchanges produced, all of them (kept or not).
    pub exchanges: u64,
    /// Exchanges dropped from the store because of `--max-exchanges`.
    pub exchanges_evicted: u64,
    /// Final status code counts over all exchanges.
    pub status_counts: BTreeMap<u16, u64>,
    /// First capture time seen.
    pub first_ts: Option<Timestamp>,
    /// Last capture time seen.
    pub last_ts: Option<Timestamp>,
    /// Diagnose-stage counters.
    pub diagnose: DiagnoseCounters,
}

/// An exchange with its decoded auth view: the unit stored, listed and reported.
#[derive(Clone, Debug)]
pub struct ExchangeRecord {
    /// The exchange.
    pub exchange: HttpExchange,
    /// Its auth view.
    pub auth: AuthView,
}

impl ExchangeRecord {
    /// Approximate heap bytes the record holds, for the store's memory budget:
    /// its inline size, header and body bytes, and an estimate per element of
    /// the auth view (each with a few short strings of its own).
    pub fn weight(&self) -> usize {
        use std::mem::size_of;
        const STRING: usize = 48;
        let ex = &self.exchange;
        let req = ex.request.as_ref().map_or(0, |r| {
            r.method.capacity() + r.target.capacity() + r.headers.heap_bytes() + 2 * STRING
        });
        let resp = ex.response.as_ref().map_or(0, |r| {
            r.reason.capacity()
                + r.headers.heap_bytes()
                + r.body_prefix.capacity()
                + r.interim.capacity() * 2
                + 2 * STRING
        });
        let a = &self.auth;
        let auth = a.credentials.len() * (size_of::<crate::model::Credential>() + 4 * STRING)
            + a.api_keys.len() * (size_of::<crate::model::ApiKey>() + 2 * STRING)
            + a.challenges.len() * (size_of::<crate::model::Challenge>() + 4 * STRING)
            + a.cookies.len() * (size_of::<crate::model::CookiePair>() + 2 * STRING)
            + a.set_cookies.len() * (size_of::<crate::model::SetCookie>() + 4 * STRING)
            + (a.anomalies.capacity() + ex.anomalies.capacity()) * 16;
        size_of::<Self>() + 2 * STRING + req + resp + auth
    }
}

/// Auth-relevant status counts for one second of capture time (the timeline).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TimelineBucket {
    /// Second since the epoch.
    pub sec: i64,
    /// All exchanges.
    pub total: u32,
    /// 401 responses.
    pub s401: u32,
    /// 403 responses.
    pub s403: u32,
    /// 407 responses.
    pub s407: u32,
    /// 429 responses.
    pub s429: u32,
}

/// What the UI and the report read: an immutable picture of the analysis.
#[derive(Clone, Debug, Default)]
pub struct AnalysisSnapshot {
    /// Inputs and their counters.
    pub sources: Vec<SourceStats>,
    /// Counters.
    pub stats: Stats,
    /// Kept exchanges, oldest first (bounded by `--max-exchanges`).
    pub exchanges: Vec<Arc<ExchangeRecord>>,
    /// Findings ranked (errors first, then by count).
    pub findings: Vec<Finding>,
    /// Per-second counts, oldest first (bounded).
    pub timeline: Vec<TimelineBucket>,
    /// Thresholds in force.
    pub thresholds: Thresholds,
    /// Notes for the top of the report (e.g. a sanitized HAR export).
    pub notes: Vec<String>,
    /// The input has ended.
    pub finished: bool,
}
