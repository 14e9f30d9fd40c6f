//! Bodies, gaps and the end of a connection. Owns nothing of its own: it is the
//! second half of [`Conn`]'s methods. Receives body bytes, gaps, FIN/RST and
//! the connection's close; emits finished exchanges. Must not buffer body bytes
//! (only the response's bounded prefix collector sees them).

use super::{classify, join_window, Class, Conn, Ctx, Phase, StartKind, WINDOW};
use crate::http::framing::{Body, GapEffect};
use crate::model::{Direction, Timestamp};

/// Whether the content of an `Expect: 100-continue` request follows its head.
enum BodyStart {
    Sent,
    NotSent,
    Undecided,
}

impl Conn {
    pub(super) fn body_bytes(&mut self, ctx: &mut Ctx<'_>, dir: Direction, input: &[u8]) -> usize {
        if self.side(dir) == StartKind::Request {
            match self.expect_check(dir, input) {
                BodyStart::Sent => {}
                BodyStart::NotSent => {
                    ctx.anomaly("http_expect_body_not_sent", "");
                    let half = self.half(dir);
                    half.phase = Phase::Head;
                    half.cur_serial = None;
                    return 0;
                }
                BodyStart::Undecided => {
                    let head = &mut self.half(dir).head;
                    head.ts.get_or_insert(ctx.ts);
                    head.buf.extend_from_slice(input);
                    head.scan.scan(input);
                    return input.len();
                }
            }
            let held = std::mem::take(&mut self.half(dir).head.buf);
            if !held.is_empty() {
                self.half(dir).head.reset();
                self.consume_body(ctx, dir, &held);
                return 0;
            }
        }
        self.consume_body(ctx, dir, input)
    }

    fn consume_body(&mut self, ctx: &mut Ctx<'_>, dir: Direction, input: &[u8]) -> usize {
        let side = self.side(dir);
        let Conn { halves, resp, .. } = self;
        let [c2s, s2c] = halves;
        let half = match dir {
            Direction::ClientToServer => c2s,
            Direction::ServerToClient => s2c,
        };
        let Phase::Body(body) = &mut half.phase else {
            return 0;
        };
        half.body_started = true;
        let mut count = 0u64;
        let step = match (side, resp.as_mut().and_then(|r| r.prefix.as_mut())) {
            (StartKind::Response, Some(prefix)) => body.consume(input, &mut |d: &[u8]| {
                count += d.len() as u64;
                prefix.feed(d);
            }),
            _ => body.consume(input, &mut |d: &[u8]| count += d.len() as u64),
        };
        self.add_body(dir, count, ctx.ts);
        if let Some(code) = step.error {
            ctx.anomaly(code, "");
            self.note_message(dir, code);
            self.finish_message(ctx, dir);
            self.enter_resync(ctx, dir, false);
        } else if step.done {
            self.finish_message(ctx, dir);
            self.half(dir).phase = Phase::Head;
        }
        step.consumed
    }

    /// RFC 9110 §10.1.1: a client that sent `Expect: 100-continue` and got a
    /// final response first may skip the content. Seen as a new request line
    /// where the body should begin, after that request was already answered.
    /// The first bytes are held (in the head buffer, fewer than a
    /// classification window) until they decide it.
    fn expect_check(&mut self, dir: Direction, input: &[u8]) -> BodyStart {
        let answered = self.pairing.last_answered;
        let half = self.half(dir);
        let done = matches!((half.cur_serial, answered), (Some(s), Some(a)) if a >= s);
        if half.body_started || !half.expect_continue || !done {
            return BodyStart::Sent;
        }
        let mut win = [0u8; WINDOW];
        let n = join_window(&mut win, &half.head.buf, input);
        match classify(win.get(..n).unwrap_or(&[])) {
            Class::Http(StartKind::Request) => BodyStart::NotSent,
            Class::NeedMore => BodyStart::Undecided,
            _ => BodyStart::Sent,
        }
    }

    fn add_body(&mut self, dir: Direction, n: u64, ts: Timestamp) {
        match self.side(dir) {
            StartKind::Response => {
                if let Some(r) = self.resp.as_mut() {
                    r.resp.body_len = r.resp.body_len.saturating_add(n);
                    r.resp.ts_end = ts;
                }
            }
            StartKind::Request => {
                let serial = self.half(dir).cur_serial;
                if let Some(req) = serial
                    .and_then(|s| self.pairing.get_mut(s))
                    .and_then(|p| p.req.as_mut())
                {
                    req.body_len = req.body_len.saturating_add(n);
                    req.ts_end = ts;
                }
            }
        }
    }

    /// Adds an anomaly code to the message being received in `dir`.
    fn note_message(&mut self, dir: Direction, code: &'static str) {
        let list = match self.side(dir) {
            StartKind::Response => self.resp.as_mut().map(|r| &mut r.anomalies),
            StartKind::Request => {
                let serial = self.half(dir).cur_serial;
                serial
                    .and_then(|s| self.pairing.get_mut(s))
                    .map(|p| &mut p.anomalies)
            }
        };
        if let Some(list) = list {
            if !list.contains(&code) {
                list.push(code);
            }
        }
    }

    fn finish_message(&mut self, ctx: &mut Ctx<'_>, dir: Direction) {
        match self.side(dir) {
            StartKind::Response => self.finish_response(ctx),
            StartKind::Request => self.half(dir).cur_serial = None,
        }
    }

    /// `len` bytes of `dir` were never seen. Inside a body they are counted and
    /// the stream stays in step; anywhere else the message is abandoned and the
    /// direction looks for the next start line.
    pub(crate) fn on_gap(&mut self, ctx: &mut Ctx<'_>, dir: Direction, len: u64) {
        if self.stopped {
            return;
        }
        let effect = match &mut self.half(dir).phase {
            Phase::Body(b) => Some(b.on_gap(len)),
            Phase::Resync(r) => {
                r.restart_at_line();
                return;
            }
            Phase::Closed => return,
            Phase::Head => None,
        };
        match effect {
            None => {
                if self.half(dir).head.in_progress() {
                    ctx.anomaly("http_gap_in_head", "");
                    self.abandon_head(ctx, dir);
                }
                self.enter_resync(ctx, dir, true);
            }
            Some(effect) => self.body_gap(ctx, dir, len, effect),
        }
    }

    fn body_gap(&mut self, ctx: &mut Ctx<'_>, dir: Direction, len: u64, effect: GapEffect) {
        self.half(dir).head.reset();
        self.note_message(dir, "http_body_gap");
        if self.side(dir) == StartKind::Response {
            if let Some(p) = self.resp.as_mut().and_then(|r| r.prefix.as_mut()) {
                p.stop();
            }
        }
        match effect {
            GapEffect::Absorbed { done } => {
                self.add_body(dir, len, ctx.ts);
                if done {
                    self.finish_message(ctx, dir);
                    self.half(dir).phase = Phase::Head;
                }
            }
            GapEffect::Lost => {
                self.finish_message(ctx, dir);
                self.enter_resync(ctx, dir, true);
            }
        }
    }

    /// The sender closed `dir` (FIN or RST): a close-delimited body ends here
    /// (RFC 9112 §6.3 rule 8); any other unfinished message is truncated.
    pub(crate) fn end_half(&mut self, ctx: &mut Ctx<'_>, dir: Direction) {
        let phase = std::mem::replace(&mut self.half(dir).phase, Phase::Closed);
        match phase {
            Phase::Body(Body::UntilClose) => self.finish_message(ctx, dir),
            Phase::Body(_) => {
                ctx.anomaly("http_truncated_body", "");
                self.note_message(dir, "http_truncated_body");
                self.finish_message(ctx, dir);
            }
            Phase::Head if self.half(dir).head.in_progress() && !self.stopped => {
                ctx.anomaly("http_truncated_head", "");
            }
            Phase::Head | Phase::Resync(_) | Phase::Closed => {}
        }
        self.half(dir).head.reset();
    }

    /// The connection is gone: finish both directions and flush unanswered
    /// requests (RFC 9112 §9.6: nothing more can arrive). A deferred verdict
    /// that never saw HTTP makes the connection an unparsed stream.
    pub(crate) fn close(&mut self, ctx: &mut Ctx<'_>) {
        if self.deferred && !self.http_seen && !self.stopped {
            ctx.stats.unparsed_streams += 1;
            self.stopped = true;
        }
        self.end_half(ctx, Direction::ClientToServer);
        self.end_half(ctx, Direction::ServerToClient);
        self.finish_response(ctx);
        for p in self.pairing.drain() {
            self.emit_unanswered(ctx, p);
        }
    }
}
