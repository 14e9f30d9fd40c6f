//! Message heads on a connection: what a parsed request or response head
//! means for pairing and framing. Second part of [`Conn`]'s methods. Receives
//! parsed heads; emits exchanges for finished responses and for requests that
//! can no longer be answered. Must not touch stream bytes.

use super::{Conn, Ctx, Phase};
use crate::http::body::BodyPrefix;
use crate::http::framing::{request_framing, response_framing, Framing};
use crate::http::pairing::{PendingReq, RespBuilding, MAX_INTERIM};
use crate::http::parser::{ReqHead, RespHead};
use crate::model::{Direction, HttpRequest, HttpResponse, Timestamp};

fn record_all(ctx: &mut Ctx<'_>, codes: &[&'static str]) {
    for &code in codes {
        ctx.anomaly(code, "");
    }
}

fn push_unique(list: &mut Vec<&'static str>, code: &'static str) {
    if !list.contains(&code) {
        list.push(code);
    }
}

impl Conn {
    pub(super) fn on_request(
        &mut self,
        ctx: &mut Ctx<'_>,
        dir: Direction,
        h: ReqHead,
        ts0: Timestamp,
    ) {
        ctx.stats.requests += 1;
        self.http_seen = true;
        let mut anomalies = h.anomalies;
        let framing = request_framing(&h.info, ctx.cfg.max_header_bytes);
        if let Framing::Bad(code) = framing {
            push_unique(&mut anomalies, code);
        }
        record_all(ctx, &anomalies);
        let serial = self.pairing.serial();
        let req = HttpRequest {
            ts: ts0,
            ts_end: ctx.ts,
            method: h.method,
            target: h.target,
            version: h.version,
            headers: h.headers,
            body_len: 0,
        };
        let pending = PendingReq {
            serial,
            req: Some(req),
            anomalies,
        };
        if let Some(old) = self.pairing.push(pending, ctx.cfg.max_pending_requests) {
            ctx.anomaly("http_too_many_pending", "");
            self.emit_unanswered(ctx, old);
        }
        let half = self.half(dir);
        half.cur_serial = Some(serial);
        half.expect_continue = h.info.expect_continue;
        half.body_started = false;
        match framing {
            Framing::Body(b) => half.phase = Phase::Body(b),
            Framing::NoBody | Framing::Tunnel => {
                half.phase = Phase::Head;
                half.cur_serial = None;
            }
            Framing::Bad(_) => self.enter_resync(ctx, dir, true),
        }
    }

    pub(super) fn on_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        dir: Direction,
        h: RespHead,
        ts0: Timestamp,
    ) {
        self.http_seen = true;
        let mut anomalies = h.anomalies;
        if (100..200).contains(&h.status) && h.status != 101 {
            record_all(ctx, &anomalies);
            if self.interim.len() < MAX_INTERIM {
                self.interim.push(h.status);
            }
            self.half(dir).phase = Phase::Head;
            return;
        }
        self.finish_response(ctx);
        ctx.stats.responses += 1;
        let (req_serial, is_head, is_connect) = self.answered_request(ctx);
        let max_trailer = ctx.cfg.max_header_bytes;
        let framing = response_framing(&h.info, h.status, is_head, is_connect, max_trailer);
        if let Framing::Bad(code) = framing {
            push_unique(&mut anomalies, code);
        }
        record_all(ctx, &anomalies);
        let keep_prefix = (400..600).contains(&h.status) && matches!(framing, Framing::Body(_));
        let resp = HttpResponse {
            ts: ts0,
            ts_end: ctx.ts,
            version: h.version,
            status: h.status,
            reason: h.reason,
            headers: h.headers,
            interim: std::mem::take(&mut self.interim),
            body_len: 0,
            body_prefix: Vec::new(),
        };
        let prefix = keep_prefix.then(|| BodyPrefix::new(h.info.coding, ctx.cfg.body_prefix_bytes));
        self.resp = Some(RespBuilding {
            resp,
            req_serial,
            prefix,
            anomalies,
        });
        self.after_response_head(ctx, dir, framing);
    }

    fn after_response_head(&mut self, ctx: &mut Ctx<'_>, dir: Direction, framing: Framing) {
        match framing {
            Framing::Body(b) => self.half(dir).phase = Phase::Body(b),
            Framing::NoBody => {
                self.finish_response(ctx);
                self.half(dir).phase = Phase::Head;
            }
            Framing::Tunnel => {
                self.finish_response(ctx);
                ctx.stats.upgraded_streams += 1;
                self.stopped = true;
            }
            Framing::Bad(_) => {
                self.finish_response(ctx);
                self.enter_resync(ctx, dir, true);
            }
        }
    }

    /// The request a new final response answers: its serial and whether it was
    /// `HEAD` or `CONNECT`. Counts the response as an orphan when none is known.
    fn answered_request(&self, ctx: &mut Ctx<'_>) -> (Option<u64>, bool, bool) {
        let front = self.pairing.front();
        if front.is_none_or(|p| p.req.is_none()) {
            ctx.stats.orphan_responses += 1;
        }
        front.map_or((None, false, false), |p| {
            (Some(p.serial), p.is_head(), p.is_connect())
        })
    }

    pub(super) fn finish_response(&mut self, ctx: &mut Ctx<'_>) {
        let Some(mut b) = self.resp.take() else {
            return;
        };
        if let Some(p) = b.prefix.take() {
            let (bytes, failed) = p.finish();
            b.resp.body_prefix = bytes;
            if failed {
                ctx.anomaly("http_body_decode_error", "");
                push_unique(&mut b.anomalies, "http_body_decode_error");
            }
        }
        let req = self.pairing.take(b.req_serial);
        let ex = self.pairing.exchange(req, Some((b.resp, b.anomalies)));
        ctx.out.push(ex);
    }

    pub(super) fn emit_unanswered(&mut self, ctx: &mut Ctx<'_>, p: PendingReq) {
        if p.req.is_some() {
            ctx.stats.unanswered += 1;
            let ex = self.pairing.exchange(Some(p), None);
            ctx.out.push(ex);
        }
    }
}
