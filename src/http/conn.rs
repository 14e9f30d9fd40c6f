//! One connection's parser. Owns both directions' phase (head, body, resync),
//! the role assignment and the pairing state. Receives the stream events of one
//! connection; emits exchanges through [`Ctx`]. Must not keep more than one
//! partial head per direction (capped) and must always make progress on input.

use super::detect::{classify, join_window, Class, Resync, StartKind, WINDOW};
use super::framing::Body;
use super::pairing::{Pairing, PendingReq, RespBuilding};
use super::parser::{parse_request_head, parse_response_head, HeadAcc, HeadError, HeadParsers};
use super::parser::{ReqHead, RespHead};
use super::HttpConfig;
use crate::model::{
    Anomaly, AnomalyCounts, ConnId, Direction, Endpoint, HttpExchange, HttpStats, Timestamp,
};

/// Bytes skipped while looking for a first HTTP message on a connection before
/// it is declared not HTTP.
const UNCONFIRMED_BUDGET: u64 = 256 << 10;

/// Everything a connection needs from the stage for one event.
pub(crate) struct Ctx<'a> {
    pub(crate) cfg: &'a HttpConfig,
    pub(crate) parsers: &'a HeadParsers,
    pub(crate) stats: &'a mut HttpStats,
    pub(crate) anomalies: &'a mut AnomalyCounts,
    pub(crate) out: &'a mut Vec<HttpExchange>,
    pub(crate) ts: Timestamp,
    pub(crate) conn: ConnId,
}

impl Ctx<'_> {
    fn anomaly(&mut self, code: &'static str, detail: &str) {
        self.anomalies.record(Anomaly {
            code,
            conn: Some(self.conn),
            ts: self.ts,
            detail: detail.to_string(),
        });
    }
}

#[derive(Debug)]
enum Phase {
    Head,
    Body(Body),
    Resync(Resync),
    Closed,
}

/// One direction of the connection.
#[derive(Debug)]
struct Half {
    phase: Phase,
    head: HeadAcc,
    /// Request side: the request whose body is arriving.
    cur_serial: Option<u64>,
    expect_continue: bool,
    body_started: bool,
}

impl Half {
    fn new() -> Self {
        Half {
            phase: Phase::Head,
            head: HeadAcc::default(),
            cur_serial: None,
            expect_continue: false,
            body_started: false,
        }
    }
}

/// Parser state of one connection.
///
/// Invariant: `halves` is indexed by TCP direction; which one carries requests
/// is `side(dir)`, which flips when the roles are found swapped.
#[derive(Debug)]
pub(crate) struct Conn {
    pairing: Pairing,
    guessed: bool,
    swapped: bool,
    roles_fixed: bool,
    http_seen: bool,
    /// The client's first message was not HTTP/1.x and the verdict waits for
    /// the server's first bytes (see [`Conn::defer_verdict`]).
    deferred: bool,
    /// Not HTTP, or upgraded: no more parsing.
    pub(crate) stopped: bool,
    skipped: u64,
    halves: [Half; 2],
    interim: Vec<u16>,
    resp: Option<RespBuilding>,
}

impl Conn {
    pub(crate) fn new(conn: ConnId, client: Endpoint, server: Endpoint, guessed: bool) -> Self {
        Conn {
            pairing: Pairing::new(conn, client, server),
            guessed,
            swapped: false,
            roles_fixed: false,
            http_seen: false,
            deferred: false,
            stopped: false,
            skipped: 0,
            halves: [Half::new(), Half::new()],
            interim: Vec::new(),
            resp: None,
        }
    }

    /// Which kind of message travels in `dir`.
    fn side(&self, dir: Direction) -> StartKind {
        match (dir, self.swapped) {
            (Direction::ClientToServer, false) | (Direction::ServerToClient, true) => {
                StartKind::Request
            }
            _ => StartKind::Response,
        }
    }

    fn half(&mut self, dir: Direction) -> &mut Half {
        let [c2s, s2c] = &mut self.halves;
        match dir {
            Direction::ClientToServer => c2s,
            Direction::ServerToClient => s2c,
        }
    }

    /// Stream bytes in order.
    pub(crate) fn on_data(&mut self, ctx: &mut Ctx<'_>, dir: Direction, data: &[u8]) {
        let mut input = data;
        let mut stalls = 0u8;
        while !input.is_empty() && !self.stopped {
            let used = match self.half(dir).phase {
                Phase::Head => self.head_bytes(ctx, dir, input),
                Phase::Body(_) => self.body_bytes(ctx, dir, input),
                Phase::Resync(_) => self.resync_bytes(ctx, dir, input),
                Phase::Closed => input.len(),
            };
            if used == 0 {
                // Each zero-progress step changes the phase; more than a few in a
                // row would be a bug, so stop rather than spin.
                stalls += 1;
                if stalls > 4 {
                    debug_assert!(false, "http parser made no progress");
                    break;
                }
            } else {
                stalls = 0;
            }
            input = input.get(used..).unwrap_or(&[]);
        }
    }

    fn head_bytes(&mut self, ctx: &mut Ctx<'_>, dir: Direction, input: &[u8]) -> usize {
        let half = self.half(dir);
        if !half.head.in_progress() {
            // RFC 9112 §2.2: empty lines before a start line are ignored. So
            // are NULs: the garbage octet of a TCP keep-alive probe (RFC 9293
            // §3.8.4) becomes stream data on a connection picked up mid-stream.
            let skip = input
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n' || b == 0)
                .count();
            if skip > 0 {
                return skip;
            }
            half.head.ts = Some(ctx.ts);
        }
        if half.head.kind.is_none() {
            let mut win = [0u8; WINDOW];
            let n = join_window(&mut win, &half.head.buf, input);
            match classify(win.get(..n).unwrap_or(&[])) {
                Class::NeedMore => {
                    half.head.buf.extend_from_slice(input);
                    half.head.scan.scan(input);
                    return input.len();
                }
                Class::NotHttp => {
                    self.not_http(ctx, dir);
                    return 0;
                }
                Class::Http(kind) => {
                    if !self.accept_start(ctx, dir, kind) {
                        return 0;
                    }
                }
            }
        }
        self.head_scan(ctx, dir, input)
    }

    fn head_scan(&mut self, ctx: &mut Ctx<'_>, dir: Direction, input: &[u8]) -> usize {
        let max = ctx.cfg.max_header_bytes;
        let half = self.half(dir);
        let buffered = half.head.buf.len();
        let Some(end) = half.head.scan.scan(input) else {
            if buffered.saturating_add(input.len()) > max {
                self.too_large(ctx, dir, false);
                return 0;
            }
            half.head.buf.extend_from_slice(input);
            return input.len();
        };
        if buffered.saturating_add(end) > max {
            self.too_large(ctx, dir, true);
            return end;
        }
        let head_bytes = input.get(..end).unwrap_or(&[]);
        let (kind, ts0, bare_lf) = (half.head.kind, half.head.ts, half.head.scan.bare_lf);
        let bytes = if buffered == 0 {
            head_bytes
        } else {
            half.head.buf.extend_from_slice(head_bytes);
            &half.head.buf[..]
        };
        let parsed = match kind {
            Some(StartKind::Response) => parse_response_head(ctx.parsers, bytes).map(Parsed::Resp),
            _ => parse_request_head(ctx.parsers, bytes).map(Parsed::Req),
        };
        half.head.reset();
        let ts0 = ts0.unwrap_or(ctx.ts);
        match parsed {
            Ok(Parsed::Req(mut h)) => {
                if bare_lf {
                    h.anomalies.push("http_bare_lf");
                }
                self.on_request(ctx, dir, h, ts0);
            }
            Ok(Parsed::Resp(mut h)) => {
                if bare_lf {
                    h.anomalies.push("http_bare_lf");
                }
                self.on_response(ctx, dir, h, ts0);
            }
            Err(e) => self.bad_head(ctx, dir, e),
        }
        end
    }

    fn not_http(&mut self, ctx: &mut Ctx<'_>, dir: Direction) {
        self.half(dir).head.reset();
        if !self.http_seen && !self.guessed && self.defer_verdict(dir) {
            self.abandon_head(ctx, dir);
            self.skip_line(dir, false);
        } else if !self.http_seen && !self.guessed {
            ctx.stats.unparsed_streams += 1;
            self.stopped = true;
        } else {
            if self.http_seen {
                ctx.anomaly("http_bad_start_line", "");
            }
            self.enter_resync(ctx, dir, false);
        }
    }

    /// Checks a recognised start line against the direction's role; swaps the
    /// roles when they were never confirmed. False when the line is rejected.
    fn accept_start(&mut self, ctx: &mut Ctx<'_>, dir: Direction, kind: StartKind) -> bool {
        if kind != self.side(dir) {
            if self.roles_fixed {
                ctx.anomaly("http_unexpected_start_line", "");
                self.enter_resync(ctx, dir, false);
                return false;
            }
            self.swapped = !self.swapped;
            std::mem::swap(&mut self.pairing.client, &mut self.pairing.server);
            ctx.anomaly("http_roles_swapped", "client sent a status line");
            self.pairing.note("http_roles_swapped");
        }
        self.roles_fixed = true;
        self.half(dir).head.kind = Some(kind);
        true
    }

    fn too_large(&mut self, ctx: &mut Ctx<'_>, dir: Direction, at_line_start: bool) {
        ctx.anomaly("http_header_too_large", "");
        self.abandon_head(ctx, dir);
        self.enter_resync(ctx, dir, at_line_start);
    }

    fn bad_head(&mut self, ctx: &mut Ctx<'_>, dir: Direction, e: HeadError) {
        let code = match self.side(dir) {
            StartKind::Request => "http_bad_request_head",
            StartKind::Response => "http_bad_response_head",
        };
        ctx.anomaly(code, &format!("{e:?}"));
        if !self.http_seen && !self.guessed && !self.defer_verdict(dir) {
            ctx.stats.unparsed_streams += 1;
            self.stopped = true;
            return;
        }
        self.abandon_head(ctx, dir);
        self.enter_resync(ctx, dir, true);
    }

    /// A request head was lost: keep a placeholder so later responses still
    /// pair with the right requests.
    fn abandon_head(&mut self, ctx: &mut Ctx<'_>, dir: Direction) {
        if self.side(dir) == StartKind::Request {
            let serial = self.pairing.serial();
            let placeholder = PendingReq {
                serial,
                req: None,
                anomalies: Vec::new(),
            };
            if let Some(old) = self.pairing.push(placeholder, ctx.cfg.max_pending_requests) {
                self.emit_unanswered(ctx, old);
            }
        }
    }

    /// Before any HTTP was seen, a client whose first message is not HTTP/1.x
    /// leaves the verdict to the server, once: a status line in answer (a 400
    /// to a garbled request line, a 200 to one the server tolerated) still
    /// makes a row, while a server that does not speak HTTP ends the parsing
    /// at its first bytes. False when the connection is to be given up now.
    fn defer_verdict(&mut self, dir: Direction) -> bool {
        if self.deferred || self.side(dir) != StartKind::Request {
            return false;
        }
        self.deferred = true;
        true
    }

    fn enter_resync(&mut self, ctx: &mut Ctx<'_>, dir: Direction, at_line_start: bool) {
        ctx.stats.resyncs += 1;
        self.skip_line(dir, at_line_start);
    }

    /// Looks for the next start line in `dir` (uncounted: see `enter_resync`).
    fn skip_line(&mut self, dir: Direction, at_line_start: bool) {
        let half = self.half(dir);
        half.head.reset();
        half.cur_serial = None;
        half.phase = Phase::Resync(Resync::new(at_line_start));
    }

    fn resync_bytes(&mut self, ctx: &mut Ctx<'_>, dir: Direction, input: &[u8]) -> usize {
        let expect = self.roles_fixed.then(|| self.side(dir));
        let http_seen = self.http_seen;
        let half = self.half(dir);
        let Phase::Resync(r) = &mut half.phase else {
            return 0;
        };
        let (used, found) = r.scan(input, expect);
        let carry = found.map(|_| r.take_carry());
        if let Some((carry, n)) = carry {
            half.phase = Phase::Head;
            half.head.reset();
            if let Some(bytes) = carry.get(..n).filter(|b| !b.is_empty()) {
                half.head.ts = Some(ctx.ts);
                half.head.buf.extend_from_slice(bytes);
                half.head.scan.scan(bytes);
            }
        }
        if !http_seen {
            self.skipped = self.skipped.saturating_add(used as u64);
            if self.skipped > UNCONFIRMED_BUDGET {
                ctx.stats.unparsed_streams += 1;
                self.stopped = true;
            }
        }
        used
    }
}

enum Parsed {
    Req(ReqHead),
    Resp(RespHead),
}

mod flow;
mod messages;
