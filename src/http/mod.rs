//! HTTP: incremental HTTP/1.0/1.1 parsing of reassembled streams.
//!
//! Owns per-connection parser state. Receives [`StreamEvent`]s; emits
//! [`HttpExchange`]s (request paired with response) when they complete, and
//! answers each event with a [`StreamInterest`] so non-HTTP or upgraded streams
//! stop costing anything. Keeps no body except the first bytes of 4xx/5xx
//! responses (content-decoded). Must not interpret auth headers.
//!
//! Layout: `detect` recognises HTTP by content and resynchronises, `parser`
//! finds and parses heads, `framing` delimits bodies, `body` keeps the error-body
//! prefix, `pairing` matches responses to requests, `conn` drives one connection.

// Parsers of untrusted bytes: no indexing that can panic (tests may index).
#![deny(clippy::indexing_slicing)]

mod body;
mod conn;
mod detect;
mod framing;
mod pairing;
mod parser;
#[cfg(test)]
mod tests;

use crate::model::{
    AnomalyCounts, ConnId, HttpExchange, HttpStats, StreamEvent, StreamEventKind, StreamInterest,
};
use conn::{Conn, Ctx};
use parser::HeadParsers;
use rustc_hash::FxHashMap;

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
    config: HttpConfig,
    parsers: HeadParsers,
    /// Boxed: a table sized for tens of thousands of connections then costs a
    /// pointer per bucket, not a whole parser state (SYN floods churn it).
    conns: FxHashMap<ConnId, Box<Conn>>,
    stats: HttpStats,
    anomalies: AnomalyCounts,
}

impl HttpParser {
    /// A parser with the given bounds.
    pub fn new(config: HttpConfig) -> Self {
        HttpParser {
            config,
            parsers: HeadParsers::new(),
            conns: FxHashMap::default(),
            stats: HttpStats::default(),
            anomalies: AnomalyCounts::default(),
        }
    }

    /// Handles one stream event; pushes completed exchanges to `out`.
    pub fn on_event(&mut self, ev: StreamEvent<'_>, out: &mut Vec<HttpExchange>) -> StreamInterest {
        if let StreamEventKind::Open {
            client,
            server,
            client_guessed,
        } = ev.kind
        {
            self.with_conn(&ev, out, |conn, ctx| conn.close(ctx));
            self.conns.remove(&ev.conn);
            let conn = Conn::new(ev.conn, client, server, client_guessed);
            self.conns.insert(ev.conn, Box::new(conn));
            return StreamInterest::Continue;
        }
        let interest = self.with_conn(&ev, out, |conn, ctx| match ev.kind {
            StreamEventKind::Data(bytes) if !conn.stopped => conn.on_data(ctx, ev.dir, bytes),
            StreamEventKind::Gap { len } => conn.on_gap(ctx, ev.dir, len),
            StreamEventKind::Fin | StreamEventKind::Reset => conn.end_half(ctx, ev.dir),
            StreamEventKind::Closed => conn.close(ctx),
            _ => {}
        });
        if let StreamEventKind::Closed = ev.kind {
            self.conns.remove(&ev.conn);
        }
        interest
    }

    /// Runs `f` on the event's connection; `Ignore` when it is unknown or stopped.
    fn with_conn(
        &mut self,
        ev: &StreamEvent<'_>,
        out: &mut Vec<HttpExchange>,
        f: impl FnOnce(&mut Conn, &mut Ctx<'_>),
    ) -> StreamInterest {
        let Some(conn) = self.conns.get_mut(&ev.conn) else {
            return StreamInterest::Ignore;
        };
        let mut ctx = Ctx {
            cfg: &self.config,
            parsers: &self.parsers,
            stats: &mut self.stats,
            anomalies: &mut self.anomalies,
            out,
            ts: ev.ts,
            conn: ev.conn,
        };
        f(conn, &mut ctx);
        if conn.stopped {
            StreamInterest::Ignore
        } else {
            StreamInterest::Continue
        }
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
