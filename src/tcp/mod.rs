//! TCP: per-connection, per-direction stream reassembly.
//!
//! Owns the flow table. Receives [`TcpSegment`]s in capture order; emits
//! [`StreamEvent`]s (open, in-order data, gaps, FIN/RST, closed) through a
//! callback, which answers with a [`StreamInterest`]. Out-of-order data is
//! buffered within caps; retransmissions and overlaps are delivered once;
//! sequence numbers wrap. Idle timeouts use capture time from `tick`. Must not
//! parse payloads or read a clock.
//!
//! Anomaly codes: `tcp_buffer_cap` (a buffer cap forced a gap; the skipped
//! bytes count in `bytes_evicted`), `tcp_ack_unseen_data` (the peer ACKed
//! bytes the capture never showed), `tcp_flow_evicted`, `tcp_data_after_close`,
//! `tcp_data_after_fin`, `tcp_snaplen_cut`, `tcp_seq_out_of_window`.
//!
//! Layout: `flow_table` (4-tuple map in activity order), `conn` (one
//! connection's handshake/FIN/RST logic), `direction` (one direction's byte
//! stream), `buffer` (its out-of-order chunks), `time_wait` (recently closed
//! 4-tuples), `emit` (counters and the way out), `limits` (fixed bounds, role
//! guess).

// Parsers of untrusted bytes: no indexing that can panic (tests may index).
#![deny(clippy::indexing_slicing)]

mod buffer;
mod conn;
mod direction;
mod emit;
mod flow_table;
mod limits;
mod time_wait;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use crate::model::{
    AnomalyCounts, ConnId, Direction, StreamEvent, StreamEventKind, StreamInterest, TcpSegment,
    TcpStats, Timestamp,
};
use conn::{After, Conn};
use emit::{Counters, Emitter};
use flow_table::{CanonKey, FlowTable};
use limits::{ServerPorts, TIME_WAIT_MICROS};
use time_wait::TimeWait;

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
///
/// Invariant: every connection in `table` has had its `Open` sent and not its
/// `Closed`; `ConnId`s are handed out in increasing order and never reused.
pub struct Reassembler {
    table: FlowTable,
    time_wait: TimeWait,
    ctx: Counters,
    server_ports: ServerPorts,
    max_flows: usize,
    idle_micros: i64,
    next_conn: u64,
}

impl std::fmt::Debug for Reassembler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reassembler")
            .field("flows", &self.table.len())
            .field("next_conn", &self.next_conn)
            .field("stats", &self.ctx.stats)
            .finish_non_exhaustive()
    }
}

impl Reassembler {
    /// An empty flow table with the given bounds.
    pub fn new(config: TcpConfig) -> Self {
        let max_flows = config.max_flows.max(1);
        Reassembler {
            table: FlowTable::new(),
            time_wait: TimeWait::new(max_flows, TIME_WAIT_MICROS),
            ctx: Counters::new(config.max_buffered_per_dir, config.max_buffered_total),
            server_ports: ServerPorts::new(&config.server_ports),
            max_flows,
            idle_micros: i64::from(config.idle_timeout_ms) * 1000,
            next_conn: 0,
        }
    }

    /// Feeds one segment; emits whatever stream events it makes possible.
    pub fn feed<F>(&mut self, seg: &TcpSegment<'_>, out: &mut F)
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        let key = CanonKey::of(seg.key);
        let slot = match self.table.find(&key) {
            Some(slot) if self.table.get(slot).is_some_and(|c| c.is_new_syn(seg)) => {
                self.close(slot, seg.ts, true, out);
                self.open(key, seg, out)
            }
            Some(slot) => slot,
            None if self.admit(&key, seg) => self.open(key, seg, out),
            None => return,
        };
        self.table.touch(slot);
        if let Some(conn) = self.table.get_mut(slot) {
            conn.last_ts = conn.last_ts.max(seg.ts);
            let mut em = Emitter::new(out, conn.id, seg.ts);
            if conn.on_segment(seg, &mut self.ctx, &mut em) == After::Close {
                self.close(slot, seg.ts, false, out);
                self.time_wait.remember(key, seg.ts);
            }
        }
        self.sync_stats();
    }

    /// Whether a segment for an untracked 4-tuple starts a connection: a SYN
    /// always does; otherwise payload does, unless the 4-tuple closed recently
    /// (a late retransmission).
    fn admit(&mut self, key: &CanonKey, seg: &TcpSegment<'_>) -> bool {
        let has_data = !seg.payload.is_empty() || seg.missing_tail > 0;
        if self.time_wait.contains(key) {
            if seg.flags.syn() {
                self.time_wait.forget(key);
                return true;
            }
            if has_data && !seg.flags.rst() {
                self.ctx.note("tcp_data_after_close", None, seg.ts, || {
                    format!(
                        "{} -> {} after the connection closed",
                        seg.key.src, seg.key.dst
                    )
                });
            }
            return false;
        }
        !seg.flags.rst() && (seg.flags.syn() || has_data)
    }

    /// Creates a connection for `seg` (evicting the least recently active one
    /// at the flow cap) and sends its `Open`.
    fn open<F>(&mut self, key: CanonKey, seg: &TcpSegment<'_>, out: &mut F) -> u32
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        while self.table.len() >= self.max_flows {
            let Some(oldest) = self.table.oldest() else {
                break;
            };
            self.evict(oldest, seg.ts, out);
        }
        let (client, server, guessed) = match (seg.flags.syn(), seg.flags.ack()) {
            (true, false) => (seg.key.src, seg.key.dst, false),
            (true, true) => (seg.key.dst, seg.key.src, false),
            _ => {
                let (c, s) = self.server_ports.guess_client(seg.key.src, seg.key.dst);
                (c, s, true)
            }
        };
        let id = ConnId(self.next_conn);
        self.next_conn += 1;
        self.ctx.stats.connections += 1;
        self.ctx.stats.midstream += u64::from(guessed);
        let mut conn = Conn::new(id, client, seg.ts);
        let open = StreamEventKind::Open {
            client,
            server,
            client_guessed: guessed,
        };
        let mut em = Emitter::new(out, id, seg.ts);
        if em.send(Direction::ClientToServer, open).is_err() {
            conn.ignored = true;
        }
        self.table.insert(key, conn)
    }

    fn evict<F>(&mut self, slot: u32, now: Timestamp, out: &mut F)
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        let Some(conn) = self.table.get(slot) else {
            return;
        };
        let id = conn.id;
        self.ctx.stats.flows_evicted += 1;
        let flows = self.table.len();
        self.ctx.note("tcp_flow_evicted", Some(id), now, || {
            format!("flow table full ({flows} connections)")
        });
        self.close(slot, now, true, out);
    }

    /// Takes a connection out of the table and sends its `Closed`, first
    /// flushing what it still holds when `flush` is set.
    fn close<F>(&mut self, slot: u32, now: Timestamp, flush: bool, out: &mut F)
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        let Some((_, mut conn)) = self.table.remove(slot) else {
            return;
        };
        let mut em = Emitter::new(out, conn.id, now);
        if flush {
            conn.flush(&mut self.ctx, &mut em);
        }
        conn.discard(&mut self.ctx);
        let _ = em.send(Direction::ClientToServer, StreamEventKind::Closed);
        self.sync_stats();
    }

    fn sync_stats(&mut self) {
        self.ctx.stats.open_connections = self.table.len() as u64;
        self.ctx.stats.buffered_bytes = self.ctx.buffered_data as u64;
    }

    /// Closes connections idle since before `now - idle_timeout`. Only the
    /// least recently active end of the table is looked at, so a tick costs
    /// O(1 + connections closed).
    pub fn tick<F>(&mut self, now: Timestamp, out: &mut F)
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        self.time_wait.expire(now);
        while let Some(slot) = self.table.oldest() {
            let idle = self
                .table
                .get(slot)
                .is_some_and(|c| now.micros_since(c.last_ts) >= self.idle_micros);
            if !idle {
                break;
            }
            self.ctx.stats.timed_out += 1;
            self.close(slot, now, true, out);
        }
        self.sync_stats();
    }

    /// End of input: flushes buffered data (with gaps) and closes every
    /// connection, oldest `ConnId` first.
    pub fn finish<F>(&mut self, out: &mut F)
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        let mut open: Vec<(ConnId, u32, Timestamp)> = self
            .table
            .slots()
            .into_iter()
            .filter_map(|s| self.table.get(s).map(|c| (c.id, s, c.last_ts)))
            .collect();
        open.sort_unstable();
        for (_, slot, ts) in open {
            self.close(slot, ts, true, out);
        }
        self.sync_stats();
    }

    /// Counters so far.
    pub fn stats(&self) -> &TcpStats {
        &self.ctx.stats
    }

    /// Anomalies so far.
    pub fn anomalies(&self) -> &AnomalyCounts {
        &self.ctx.anomalies
    }
}
