//! Test helpers: a scripted connection driver and the fixture conversations
//! shared by the scripted tests and the split-invariance properties.

use crate::http::{HttpConfig, HttpParser};
use crate::model::{
    ConnId, Direction, HttpExchange, HttpStats, StreamEvent, StreamEventKind, StreamInterest,
    Timestamp,
};
use flate2::write::GzEncoder;
use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;

pub(super) const C2S: Direction = Direction::ClientToServer;
pub(super) const S2C: Direction = Direction::ServerToClient;

/// One scripted event of a conversation.
#[derive(Clone, Debug)]
pub(super) enum Step {
    Data(Direction, Vec<u8>),
    Gap(Direction, u64),
    Fin(Direction),
}

pub(super) fn c(bytes: &[u8]) -> Step {
    Step::Data(C2S, bytes.to_vec())
}

pub(super) fn s(bytes: &[u8]) -> Step {
    Step::Data(S2C, bytes.to_vec())
}

pub(super) fn client() -> SocketAddr {
    SocketAddr::from(([10, 0, 0, 1], 50000))
}

pub(super) fn server() -> SocketAddr {
    SocketAddr::from(([10, 0, 0, 2], 80))
}

pub(super) fn at(step: usize) -> Timestamp {
    Timestamp::from_micros(1_000_000 + step as i64 * 1000)
}

/// What a run produced: exchanges, counters, anomaly counts and the interest
/// answered to each event.
#[derive(Debug, PartialEq)]
pub(super) struct Run {
    pub(super) exchanges: Vec<HttpExchange>,
    pub(super) stats: HttpStats,
    pub(super) anomalies: BTreeMap<&'static str, u64>,
    pub(super) interests: Vec<StreamInterest>,
}

impl Run {
    pub(super) fn stopped(&self) -> bool {
        self.interests.contains(&StreamInterest::Ignore)
    }
}

/// Feeds `steps` on one connection; `cuts(i, len)` gives the offsets where the
/// data of step `i` is split (all pieces carry the step's timestamp).
pub(super) fn run_cut(
    cfg: HttpConfig,
    guessed: bool,
    steps: &[Step],
    cuts: &dyn Fn(usize, usize) -> Vec<usize>,
) -> Run {
    let mut p = HttpParser::new(cfg);
    let mut out = Vec::new();
    let conn = ConnId(7);
    let mut interests = Vec::new();
    let ev = |p: &mut HttpParser, dir, ts, kind, out: &mut Vec<HttpExchange>| {
        p.on_event(
            StreamEvent {
                conn,
                dir,
                ts,
                kind,
            },
            out,
        )
    };
    let open = StreamEventKind::Open {
        client: client(),
        server: server(),
        client_guessed: guessed,
    };
    interests.push(ev(&mut p, C2S, at(0), open, &mut out));
    for (i, step) in steps.iter().enumerate() {
        let ts = at(i + 1);
        match step {
            Step::Data(dir, bytes) => {
                let mut start = 0;
                let mut offsets = cuts(i, bytes.len());
                offsets.push(bytes.len());
                for end in offsets {
                    let piece = &bytes[start..end];
                    start = end;
                    if !piece.is_empty() {
                        interests.push(ev(
                            &mut p,
                            *dir,
                            ts,
                            StreamEventKind::Data(piece),
                            &mut out,
                        ));
                    }
                }
            }
            Step::Gap(dir, len) => interests.push(ev(
                &mut p,
                *dir,
                ts,
                StreamEventKind::Gap { len: *len },
                &mut out,
            )),
            Step::Fin(dir) => interests.push(ev(&mut p, *dir, ts, StreamEventKind::Fin, &mut out)),
        }
    }
    let end = at(steps.len() + 1);
    interests.push(ev(&mut p, C2S, end, StreamEventKind::Closed, &mut out));
    Run {
        exchanges: out,
        stats: p.stats().clone(),
        anomalies: p.anomalies().counts.clone(),
        interests,
    }
}

pub(super) fn run(steps: &[Step]) -> Run {
    run_cut(HttpConfig::default(), false, steps, &|_, _| Vec::new())
}

pub(super) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("writing to a Vec cannot fail");
    enc.finish().expect("finishing into a Vec cannot fail")
}

pub(super) fn chunked(body: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in body.chunks(size) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

pub(super) const TOO_LARGE_PAGE: &[u8] =
    b"<html><head><title>400 Request Header Or Cookie Too Large</title></head></html>";

pub(super) fn auth_retry() -> Vec<Step> {
    vec![
        c(b"GET /private HTTP/1.1\r\nHost: example.test\r\n\r\n"),
        s(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"demo\"\r\nContent-Length: 6\r\n\r\ndenied"),
        c(b"GET /private HTTP/1.1\r\nHost: example.test\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n"),
        s(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
    ]
}

pub(super) fn pipelined() -> Vec<Step> {
    vec![
        c(b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n"),
        s(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"),
        s(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\ngone"),
    ]
}

pub(super) fn expect_continue() -> Vec<Step> {
    vec![
        c(b"POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n"),
        s(b"HTTP/1.1 100 Continue\r\n\r\n"),
        c(b"hello world"),
        s(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"),
    ]
}

pub(super) fn head_and_304() -> Vec<Step> {
    vec![
        c(b"HEAD /big HTTP/1.1\r\nHost: a\r\n\r\n"),
        s(b"HTTP/1.1 200 OK\r\nContent-Length: 123456\r\n\r\n"),
        c(b"GET /etag HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"x\"\r\n\r\n"),
        s(b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 99\r\n\r\n"),
        c(b"GET /after HTTP/1.1\r\nHost: a\r\n\r\n"),
        s(b"HTTP/1.1 204 No Content\r\n\r\n"),
    ]
}

pub(super) fn chunked_trailers() -> Vec<Step> {
    vec![
        c(b"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n0\r\n\r\n"),
        s(b"HTTP/1.1 500 Oops\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
        s(b"1A;name=\"v\"\r\nabcdefghijklmnopqrstuvwxyz\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n"),
    ]
}

pub(super) fn close_delimited() -> Vec<Step> {
    vec![
        c(b"GET /old HTTP/1.0\r\n\r\n"),
        s(b"HTTP/1.0 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nno "),
        s(b"entry"),
        Step::Fin(S2C),
    ]
}

pub(super) fn gzip_401() -> Vec<Step> {
    let body = chunked(&gzip(TOO_LARGE_PAGE), 7);
    let mut resp = b"HTTP/1.1 401 Unauthorized\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    resp.extend_from_slice(&body);
    vec![
        c(b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n"),
        Step::Data(S2C, resp),
    ]
}

pub(super) fn lenient() -> Vec<Step> {
    vec![
        c(b"GET /lf HTTP/1.1\nHost: a\n\n"),
        s(b"HTTP/1.1 200 OK\r\nX-Folded: one\r\n two\r\nContent-Length : 2\r\n\r\nok"),
    ]
}

pub(super) fn gap_in_body() -> Vec<Step> {
    vec![
        c(b"GET /g HTTP/1.1\r\nHost: a\r\n\r\n"),
        s(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
        Step::Gap(S2C, 4),
        s(b"hij"),
        c(b"GET /h HTTP/1.1\r\nHost: a\r\n\r\n"),
        s(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz"),
    ]
}

pub(super) fn gap_in_head() -> Vec<Step> {
    vec![
        c(b"GET /a HTTP/1.1\r\nHost: a\r\n"),
        Step::Gap(C2S, 20),
        c(b"o: b\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n"),
        s(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"),
        s(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB"),
    ]
}

pub(super) fn expect_skipped() -> Vec<Step> {
    vec![
        c(b"PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"),
        s(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"),
        c(b"PUT /f HTTP/1.1\r\nHost: a\r\nAuthorization: Basic eDp5\r\nContent-Length: 5\r\n\r\nhello"),
        s(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    ]
}

pub(super) fn fixtures() -> Vec<(&'static str, Vec<Step>)> {
    vec![
        ("auth_retry", auth_retry()),
        ("pipelined", pipelined()),
        ("expect_continue", expect_continue()),
        ("head_and_304", head_and_304()),
        ("chunked_trailers", chunked_trailers()),
        ("close_delimited", close_delimited()),
        ("gzip_401", gzip_401()),
        ("lenient", lenient()),
        ("gap_in_body", gap_in_body()),
        ("gap_in_head", gap_in_head()),
        ("expect_skipped", expect_skipped()),
    ]
}

pub(super) fn status(ex: &HttpExchange) -> Option<u16> {
    ex.response.as_ref().map(|r| r.status)
}

pub(super) fn target(ex: &HttpExchange) -> Option<&str> {
    ex.request.as_ref().map(|r| r.target.as_str())
}
