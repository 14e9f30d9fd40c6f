//! Per-direction assembler: turns the segments one side sent into an ordered
//! byte stream (RFC 9293 §3.4 sequence space, §3.10.7.4 segment trimming).
//! Owns the delivery point, the out-of-order buffer and the FIN position of one
//! direction. Receives segment payloads, the peer's ACKs and flush requests;
//! emits `Data`, `Gap` and `Fin` in stream order. Must not deliver a byte twice,
//! glue bytes across a hole without a `Gap`, or buffer past its caps.

use super::buffer::{Fill, OooBuffer, Piece, Plan};
use super::emit::{Counters, Emitter, Footprint, Step};
use super::limits::{MAX_AHEAD_BYTES, MAX_CHUNKS_PER_DIR};
use crate::model::{Direction, SeqNum, StreamEvent, StreamEventKind, StreamInterest};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FinState {
    NotSeen,
    /// FIN seen; it sits at this stream offset.
    Pending(u64),
    Delivered,
}

/// Stream offsets are 64-bit counts of bytes since the first byte of the
/// direction (offset 0 is sequence number `base`), so wrap-around is handled
/// once, in `offset_of`.
///
/// Invariant: every byte before `next_off` was delivered exactly once, as
/// `Data` or inside a `Gap`; buffered chunks all start after `next_off`; a
/// pending FIN never sits before `next_off`.
#[derive(Debug)]
pub(super) struct DirAssembler {
    dir: Direction,
    started: bool,
    base: SeqNum,
    next_off: u64,
    buf: OooBuffer,
    fin: FinState,
}

impl DirAssembler {
    pub(super) fn new(dir: Direction) -> Self {
        DirAssembler {
            dir,
            started: false,
            base: SeqNum(0),
            next_off: 0,
            buf: OooBuffer::default(),
            fin: FinState::NotSeen,
        }
    }

    pub(super) fn is_started(&self) -> bool {
        self.started
    }

    /// Sequence number of stream offset 0 (ISN + 1 when the SYN was seen).
    pub(super) fn base(&self) -> SeqNum {
        self.base
    }

    /// Starts the stream at `seq` unless it already started.
    pub(super) fn start_at(&mut self, seq: SeqNum) {
        if !self.started {
            self.started = true;
            self.base = seq;
            self.next_off = 0;
        }
    }

    pub(super) fn fin_seen(&self) -> bool {
        self.fin != FinState::NotSeen
    }

    pub(super) fn fin_delivered(&self) -> bool {
        self.fin == FinState::Delivered
    }

    /// Signed distance of `seq` from the delivery point, in bytes.
    fn rel(&self, seq: SeqNum) -> i64 {
        i64::from(seq.diff(self.base.wrapping_add(self.next_off as u32)))
    }

    fn footprint(&self) -> Footprint {
        Footprint {
            data: self.buf.data_bytes(),
            charge: self.buf.charge(),
        }
    }

    /// Drops the out-of-order buffer, returning its budget.
    pub(super) fn release(&mut self, ctx: &mut Counters) {
        let before = self.footprint();
        self.buf.clear();
        ctx.rebalance(before, self.footprint());
    }

    /// Handles the payload (and FIN) of one segment whose first payload byte
    /// has sequence number `seq`. `lost_tail` bytes followed the captured
    /// payload on the wire but were cut by the snap length.
    pub(super) fn on_segment<F>(
        &mut self,
        seq: SeqNum,
        payload: &[u8],
        lost_tail: u64,
        fin: bool,
        ctx: &mut Counters,
        em: &mut Emitter<'_, F>,
    ) -> Step
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        let rel = self.rel(seq);
        if rel > MAX_AHEAD_BYTES {
            ctx.note("tcp_seq_out_of_window", Some(em.conn), em.ts, || {
                format!("segment {rel} bytes ahead of the stream")
            });
            return Ok(());
        }
        let start = (self.next_off as i64).saturating_add(rel);
        let data_end = start + payload.len() as i64;
        let end = data_end.saturating_add(lost_tail.min(MAX_AHEAD_BYTES as u64) as i64);
        if fin && self.fin == FinState::NotSeen && end >= self.next_off as i64 {
            self.set_fin(end as u64, ctx, em);
        }
        let limit = match self.fin {
            FinState::NotSeen => i64::MAX,
            FinState::Pending(f) => f as i64,
            FinState::Delivered => self.next_off as i64,
        };
        if end > limit {
            ctx.note("tcp_data_after_fin", Some(em.conn), em.ts, || {
                format!("{} bytes after the FIN", end - start.max(limit))
            });
        }
        if lost_tail > 0 {
            ctx.note("tcp_snaplen_cut", Some(em.conn), em.ts, || {
                format!("{lost_tail} payload bytes not captured")
            });
        }
        let data = Piece::Data(payload).slice(0, limit.saturating_sub(start).max(0) as u64);
        self.accept(start, data, ctx, em)?;
        let lost_len = (end.min(limit) - data_end).max(0) as u64;
        self.accept(data_end, Piece::Lost(lost_len), ctx, em)?;
        self.check_fin(em)
    }

    /// Records the FIN at offset `at`; buffered bytes beyond it cannot be part
    /// of the stream (RFC 9293 §3.10.7.4: nothing follows the FIN) and go.
    fn set_fin<F>(&mut self, at: u64, ctx: &mut Counters, em: &mut Emitter<'_, F>)
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        self.fin = FinState::Pending(at);
        let before = self.footprint();
        let dropped = self.buf.truncate(at);
        ctx.rebalance(before, self.footprint());
        if dropped > 0 {
            ctx.note("tcp_data_after_fin", Some(em.conn), em.ts, || {
                format!("{dropped} buffered bytes after the FIN")
            });
        }
    }

    /// Delivers or buffers `piece`, which starts at stream offset `start`.
    fn accept<F>(
        &mut self,
        mut start: i64,
        mut piece: Piece<'_>,
        ctx: &mut Counters,
        em: &mut Emitter<'_, F>,
    ) -> Step
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        let mut forced = false;
        loop {
            let behind = (self.next_off as i64 - start).max(0) as u64;
            if behind > 0 {
                let cut = behind.min(piece.len());
                if piece.is_data() {
                    ctx.stats.duplicate_bytes += cut;
                }
                piece = piece.slice(cut, u64::MAX);
                start = self.next_off as i64;
            }
            if piece.len() == 0 {
                return Ok(());
            }
            let at = start as u64;
            if at == self.next_off {
                return self.deliver_in_order(at, piece, ctx, em);
            }
            let plan = self.buf.plan(at, &piece);
            if self.fits(plan, ctx) {
                ctx.stats.duplicate_bytes +=
                    piece.len().saturating_sub(plan.new_bytes as u64) * u64::from(piece.is_data());
                ctx.stats.out_of_order += 1;
                let before = self.footprint();
                self.buf.insert(at, piece);
                ctx.rebalance(before, self.footprint());
                return Ok(());
            }
            if !forced {
                forced = true;
                ctx.note("tcp_buffer_cap", Some(em.conn), em.ts, || {
                    format!("{} bytes buffered, skipping ahead", self.buf.data_bytes())
                });
            }
            self.skip_for_room(at, ctx, em)?;
        }
    }

    fn fits(&self, plan: Plan, ctx: &Counters) -> bool {
        if plan.new_chunks == 0 {
            return true;
        }
        self.buf.charge() + plan.charge() <= ctx.per_dir_cap
            && ctx.buffered_charge + plan.charge() <= ctx.total_cap
            && self.buf.chunk_count() + plan.new_chunks <= MAX_CHUNKS_PER_DIR
    }

    /// A cap forbids buffering a piece at `at`: give up waiting for the first
    /// hole (a `Gap`) and deliver what follows it, or, with nothing buffered
    /// before `at`, jump straight to `at`.
    fn skip_for_room<F>(&mut self, at: u64, ctx: &mut Counters, em: &mut Emitter<'_, F>) -> Step
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        let target = match self.buf.first_off() {
            Some(first) if first < at => first,
            _ => at,
        };
        let len = target.saturating_sub(self.next_off);
        ctx.stats.bytes_evicted += len;
        self.gap(len, ctx, em)?;
        self.drain(ctx, em)
    }

    /// Delivers `piece` (starting at the delivery point) without copying,
    /// interleaved with buffered chunks it overlaps, which win.
    fn deliver_in_order<F>(
        &mut self,
        mut at: u64,
        mut piece: Piece<'_>,
        ctx: &mut Counters,
        em: &mut Emitter<'_, F>,
    ) -> Step
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        while piece.len() > 0 {
            if at < self.next_off {
                let cut = (self.next_off - at).min(piece.len());
                if piece.is_data() {
                    ctx.stats.duplicate_bytes += cut;
                }
                piece = piece.slice(cut, u64::MAX);
                at = self.next_off;
                continue;
            }
            let n = match self.buf.first_off() {
                Some(first) if first == self.next_off => {
                    self.deliver_front(ctx, em)?;
                    continue;
                }
                Some(first) => (first - self.next_off).min(piece.len()),
                None => piece.len(),
            };
            self.emit_piece(piece.slice(0, n), ctx, em)?;
            piece = piece.slice(n, u64::MAX);
            at += n;
        }
        self.drain(ctx, em)
    }

    fn emit_piece<F>(
        &mut self,
        piece: Piece<'_>,
        ctx: &mut Counters,
        em: &mut Emitter<'_, F>,
    ) -> Step
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        match piece {
            Piece::Data([]) => Ok(()),
            Piece::Data(bytes) => {
                self.next_off += bytes.len() as u64;
                em.send(self.dir, StreamEventKind::Data(bytes))
            }
            Piece::Lost(n) => self.gap(n, ctx, em),
        }
    }

    /// Delivers the first buffered chunk, which must start at the delivery point.
    fn deliver_front<F>(&mut self, ctx: &mut Counters, em: &mut Emitter<'_, F>) -> Step
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        let before = self.footprint();
        let Some(chunk) = self.buf.pop_front() else {
            return Ok(());
        };
        ctx.rebalance(before, self.footprint());
        debug_assert_eq!(chunk.off, self.next_off);
        match chunk.fill {
            Fill::Data(bytes) => self.emit_piece(Piece::Data(&bytes), ctx, em),
            Fill::Lost(n) => self.gap(n, ctx, em),
        }
    }

    /// Delivers buffered chunks while they are next in line, then a FIN that
    /// became due.
    fn drain<F>(&mut self, ctx: &mut Counters, em: &mut Emitter<'_, F>) -> Step
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        while self.buf.first_off() == Some(self.next_off) {
            self.deliver_front(ctx, em)?;
        }
        self.check_fin(em)
    }

    fn check_fin<F>(&mut self, em: &mut Emitter<'_, F>) -> Step
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        match self.fin {
            FinState::Pending(at) if at <= self.next_off => {
                self.fin = FinState::Delivered;
                em.send(self.dir, StreamEventKind::Fin)
            }
            _ => Ok(()),
        }
    }

    fn gap<F>(&mut self, len: u64, ctx: &mut Counters, em: &mut Emitter<'_, F>) -> Step
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        if len == 0 {
            return Ok(());
        }
        ctx.stats.gaps += 1;
        ctx.stats.gap_bytes += len;
        self.next_off += len;
        em.send(self.dir, StreamEventKind::Gap { len })
    }

    /// The peer acknowledged up to `ack`: bytes before it were sent, so a hole
    /// below it will never be filled by the capture ("ack above hole"). Delivers
    /// gaps (and the buffered data between them) up to `ack`.
    pub(super) fn on_peer_ack<F>(
        &mut self,
        ack: SeqNum,
        ctx: &mut Counters,
        em: &mut Emitter<'_, F>,
    ) -> Step
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        let rel = self.rel(ack);
        if !self.started || rel <= 0 || rel > MAX_AHEAD_BYTES {
            return Ok(());
        }
        let mut target = self.next_off + rel as u64;
        match self.fin {
            FinState::Delivered => return Ok(()),
            FinState::Pending(at) => target = target.min(at),
            FinState::NotSeen => {}
        }
        if target <= self.next_off {
            return Ok(());
        }
        ctx.note("tcp_ack_unseen_data", Some(em.conn), em.ts, || {
            format!(
                "peer acknowledged {} bytes never captured",
                target - self.next_off
            )
        });
        self.advance_to(target, ctx, em)
    }

    fn advance_to<F>(&mut self, target: u64, ctx: &mut Counters, em: &mut Emitter<'_, F>) -> Step
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        while self.next_off < target {
            let to = match self.buf.first_off() {
                Some(first) if first < target => first,
                _ => target,
            };
            self.gap(to - self.next_off, ctx, em)?;
            self.drain(ctx, em)?;
        }
        self.check_fin(em)
    }

    /// The connection ends: delivers everything buffered with gaps over the
    /// holes, then a gap up to a FIN that was seen, then the FIN.
    pub(super) fn flush<F>(&mut self, ctx: &mut Counters, em: &mut Emitter<'_, F>) -> Step
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        while let Some(first) = self.buf.first_off() {
            self.gap(first.saturating_sub(self.next_off), ctx, em)?;
            self.drain(ctx, em)?;
        }
        if let FinState::Pending(at) = self.fin {
            self.advance_to(at, ctx, em)?;
        }
        Ok(())
    }

    /// For an ignored connection: a FIN is passed on at once, without data.
    pub(super) fn fin_without_data<F>(&mut self, em: &mut Emitter<'_, F>)
    where
        F: FnMut(StreamEvent<'_>) -> StreamInterest,
    {
        if self.fin != FinState::Delivered {
            self.fin = FinState::Delivered;
            let _ = em.send(self.dir, StreamEventKind::Fin);
        }
    }
}
