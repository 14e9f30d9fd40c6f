//! One tracked connection: its roles, its two direction assemblers and whether
//! the next stage still wants its bytes. Owns the per-connection state machine
//! (handshake, ACK-driven gaps, FIN/RST, the end of the connection). Receives
//! segments already matched to it; emits the connection's events except `Open`
//! and `Closed`, which the flow-table owner sends. Must not touch other
//! connections or the flow table.

use super::direction::DirAssembler;
use super::emit::{Counters, Emitter, Ignored, Step};
use crate::model::{
    ConnId, Direction, Endpoint, StreamEvent, StreamEventKind, StreamInterest, TcpSegment,
    Timestamp,
};

/// What the owner must do with a connection after a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum After {
    KeepOpen,
    /// Both sides finished or one reset: send `Closed` and drop it.
    Close,
}

#[derive(Debug)]
pub(super) struct Conn {
    pub(super) id: ConnId,
    pub(super) client: Endpoint,
    pub(super) last_ts: Timestamp,
    pub(super) ignored: bool,
    dirs: [DirAssembler; 2],
}

impl Conn {
    pub(super) fn new(id: ConnId, client: Endpoint, ts: Timestamp) -> Self {
        Conn {
            id,
            client,
            last_ts: ts,
            ignored: false,
            dirs: [
                DirAssembler::new(Direction::ClientToServer),
                DirAssembler::new(Direction::ServerToClient),
            ],
        }
    }

    pub(super) fn direction_of(&self, sender: Endpoint) -> Direction {
        if sender == self.client {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        }
    }

    /// A SYN without ACK that does not retransmit this connection's SYN: the
    /// 4-tuple is being reused by a new connection.
    pub(super) fn is_new_syn(&self, seg: &TcpSegment<'_>) -> bool {
        if !seg.flags.syn() || seg.flags.ack() {
            return false;
        }
        let [c2s, _] = &self.dirs;
        let retransmit =
            seg.key.src == self.client && c2s.is_started() && c2s.base() == seg.seq.wrapping_add(1);
        !retransmit
    }

    /// Handles one segment of this connection.
    pub(super) fn on_segment<F>(
        &mut self,
        seg: &TcpSegment<'_>,
        ctx: &mut Counters,
        em: &mut Emitter<'_, F>,
    ) -> After
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        let dir = self.direction_of(seg.key.src);
        if seg.flags.rst() {
            self.reset(dir, ctx, em);
            return After::Close;
        }
        if !self.ignored && self.track(seg, dir, ctx, em).is_err() {
            self.ignore(ctx);
        }
        if self.ignored && seg.flags.fin() {
            self.dir_mut(dir).fin_without_data(em);
        }
        self.settle(ctx, em)
    }

    fn dir_mut(&mut self, dir: Direction) -> &mut DirAssembler {
        let [c2s, s2c] = &mut self.dirs;
        match dir {
            Direction::ClientToServer => c2s,
            Direction::ServerToClient => s2c,
        }
    }

    /// The sender's direction and its peer's.
    fn pair_mut(&mut self, dir: Direction) -> (&mut DirAssembler, &mut DirAssembler) {
        let [c2s, s2c] = &mut self.dirs;
        match dir {
            Direction::ClientToServer => (c2s, s2c),
            Direction::ServerToClient => (s2c, c2s),
        }
    }

    /// Sequence tracking of a segment: the SYN fixes the sender's start
    /// (ISN + 1, RFC 9293 §3.4.1); the ACK covers the peer's bytes; the
    /// payload and FIN go to the sender's assembler.
    fn track<F>(
        &mut self,
        seg: &TcpSegment<'_>,
        dir: Direction,
        ctx: &mut Counters,
        em: &mut Emitter<'_, F>,
    ) -> Step
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        let (own, peer) = self.pair_mut(dir);
        let data_seq = if seg.flags.syn() {
            seg.seq.wrapping_add(1)
        } else {
            seg.seq
        };
        if seg.flags.syn() {
            own.start_at(data_seq);
        }
        if seg.flags.ack() {
            if peer.is_started() {
                peer.on_peer_ack(seg.ack, ctx, em)?;
            } else {
                peer.start_at(seg.ack);
            }
        }
        own.start_at(data_seq);
        if !seg.payload.is_empty() || seg.missing_tail > 0 || seg.flags.fin() {
            let lost = u64::from(seg.missing_tail);
            own.on_segment(data_seq, seg.payload, lost, seg.flags.fin(), ctx, em)?;
        }
        Ok(())
    }

    /// After the next stage lost interest: free the buffers, keep the state.
    fn ignore(&mut self, ctx: &mut Counters) {
        self.ignored = true;
        for d in &mut self.dirs {
            d.release(ctx);
        }
    }

    /// Once both sides sent a FIN, nothing that is still missing will come:
    /// flush both directions and close.
    fn settle<F>(&mut self, ctx: &mut Counters, em: &mut Emitter<'_, F>) -> After
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        let [c2s, s2c] = &self.dirs;
        if !(c2s.fin_seen() && s2c.fin_seen()) {
            return After::KeepOpen;
        }
        self.flush(ctx, em);
        let [c2s, s2c] = &self.dirs;
        if c2s.fin_delivered() && s2c.fin_delivered() {
            After::Close
        } else {
            After::KeepOpen
        }
    }

    /// Delivers everything still buffered, with gaps over the holes (used at
    /// FIN, RST, idle timeout, eviction and end of input).
    pub(super) fn flush<F>(&mut self, ctx: &mut Counters, em: &mut Emitter<'_, F>)
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        for d in &mut self.dirs {
            if self.ignored {
                break;
            }
            if d.flush(ctx, em) == Err(Ignored) {
                self.ignored = true;
            }
        }
        if self.ignored {
            self.ignore(ctx);
            for d in &mut self.dirs {
                if d.fin_seen() {
                    d.fin_without_data(em);
                }
            }
        }
    }

    /// RST from `dir` (RFC 9293 §3.5.3): flush, then report the reset.
    fn reset<F>(&mut self, dir: Direction, ctx: &mut Counters, em: &mut Emitter<'_, F>)
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        self.flush(ctx, em);
        let _ = em.send(dir, StreamEventKind::Reset);
        self.ignore(ctx);
    }

    /// Drops the connection's buffers before it leaves the table.
    pub(super) fn discard(&mut self, ctx: &mut Counters) {
        self.ignore(ctx);
    }
}
