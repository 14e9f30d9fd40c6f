//! Criterion benches of the per-packet stages, each on its own: frame decode
//! (Ethernet/IPv4/TCP frames from a generated capture), TCP reassembly (the
//! decoded segments of an in-order capture and of one with 5% reordering and
//! 1% retransmissions) and HTTP/1.1 parsing (one keep-alive connection of
//! authenticated requests and chunked responses, delivered in MSS-sized
//! pieces). Throughput is in input bytes: frame bytes, TCP payload bytes and
//! stream bytes respectively.
//!
//! ```text
//! cargo bench --bench stages
//! ```

mod support;

use authscope::decode::{DecodeConfig, Decoder};
use authscope::http::{HttpConfig, HttpParser};
use authscope::model::{
    ConnId, Direction, HttpExchange, StreamEvent, StreamEventKind, StreamInterest, Timestamp,
};
use authscope::tcp::{Reassembler, TcpConfig};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::net::SocketAddr;
use support::Segments;

/// Bytes of each generated capture.
const CAPTURE_BYTES: u64 = 8 << 20;

fn decode(c: &mut Criterion) {
    let file = support::capture(&support::config(CAPTURE_BYTES, 11, 0.01, 0.005));
    let records = support::records(&file);
    let bytes: usize = records.iter().map(|r| r.range.len()).sum();
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(format!("ethernet_ipv4_tcp/{}_frames", records.len()), |b| {
        let mut decoder = Decoder::new(DecodeConfig::default());
        b.iter(|| {
            let mut payload = 0usize;
            for r in &records {
                if let Some(seg) = decoder.decode(&support::frame(&file, r)) {
                    payload += seg.payload.len();
                }
            }
            black_box(payload)
        });
    });
    group.finish();
}

/// Feeds every segment to a fresh reassembler and flushes it; returns the
/// number of stream bytes delivered.
fn reassemble(segments: &Segments) -> usize {
    let mut tcp = Reassembler::new(TcpConfig::default());
    let mut delivered = 0usize;
    let mut sink = |ev: StreamEvent<'_>| {
        if let StreamEventKind::Data(d) = ev.kind {
            delivered += d.len();
        }
        StreamInterest::Continue
    };
    for seg in segments.iter() {
        tcp.feed(&seg, &mut sink);
    }
    tcp.finish(&mut sink);
    delivered
}

fn reassembly(c: &mut Criterion) {
    let cases = [
        ("in_order", support::config(CAPTURE_BYTES, 12, 0.0, 0.0)),
        ("reordered", support::config(CAPTURE_BYTES, 12, 0.05, 0.01)),
    ];
    let mut group = c.benchmark_group("tcp_reassembly");
    for (name, cfg) in cases {
        let segments = Segments::decode(&support::capture(&cfg));
        assert!(reassemble(&segments) > 0, "{name}: no stream bytes");
        group.throughput(Throughput::Bytes(segments.payload_bytes()));
        group.bench_function(format!("{name}/{}_segments", segments.len()), |b| {
            b.iter(|| black_box(reassemble(&segments)));
        });
    }
    group.finish();
}

/// The two byte streams of one keep-alive connection: `count` exchanges,
/// mostly `200` answers with chunked bodies, every tenth a `401` challenge.
fn conversation(count: usize) -> Vec<(Direction, Vec<u8>)> {
    let mut out = Vec::new();
    for i in 0..count {
        let req = format!(
            "GET /api/v1/items/{i}?page=2 HTTP/1.1\r\nHost: api.example.com\r\n\
             User-Agent: bench/1.0\r\nAccept: application/json\r\n\
             Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl{i}\r\n\
             Cookie: theme=dark; session=0123456789abcdef{i}\r\n\r\n"
        );
        out.push((Direction::ClientToServer, req.into_bytes()));
        let mut resp = Vec::new();
        if i % 10 == 9 {
            resp.extend_from_slice(
                b"HTTP/1.1 401 Unauthorized\r\nDate: Fri, 01 Mar 2024 00:00:00 GMT\r\n\
                  WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\"\r\n\
                  Content-Type: application/json\r\nContent-Length: 27\r\n\r\n\
                  {\"error\":\"invalid_token\"}\r\n",
            );
        } else {
            resp.extend_from_slice(
                b"HTTP/1.1 200 OK\r\nDate: Fri, 01 Mar 2024 00:00:00 GMT\r\n\
                  Content-Type: application/json\r\nCache-Control: no-store\r\n\
                  RateLimit-Limit: 100\r\nRateLimit-Remaining: 42\r\n\
                  Transfer-Encoding: chunked\r\n\r\n",
            );
            for chunk in 0..4 {
                let body = format!(
                    "{{\"item\":{i},\"chunk\":{chunk},\"pad\":\"{}\"}}",
                    "x".repeat(900)
                );
                resp.extend_from_slice(format!("{:x}\r\n{body}\r\n", body.len()).as_bytes());
            }
            resp.extend_from_slice(b"0\r\n\r\n");
        }
        out.push((Direction::ServerToClient, resp));
    }
    out
}

/// Plays the conversation through a fresh parser in pieces of at most one
/// MSS; returns the number of exchanges made.
fn parse(messages: &[(Direction, Vec<u8>)], out: &mut Vec<HttpExchange>) -> usize {
    const MSS: usize = 1460;
    let client = SocketAddr::from(([10, 0, 0, 1], 50_000));
    let server = SocketAddr::from(([192, 0, 2, 10], 80));
    let mut http = HttpParser::new(HttpConfig::default());
    let mut ts = Timestamp::from_secs(1_709_251_200);
    let feed = |http: &mut HttpParser, dir, ts, kind, out: &mut Vec<HttpExchange>| {
        let conn = ConnId(1);
        http.on_event(
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
        client,
        server,
        client_guessed: false,
    };
    feed(&mut http, Direction::ClientToServer, ts, open, out);
    for (dir, bytes) in messages {
        ts = ts.add_micros(500);
        for piece in bytes.chunks(MSS) {
            feed(&mut http, *dir, ts, StreamEventKind::Data(piece), out);
        }
    }
    for dir in [Direction::ClientToServer, Direction::ServerToClient] {
        feed(&mut http, dir, ts, StreamEventKind::Fin, out);
    }
    feed(
        &mut http,
        Direction::ClientToServer,
        ts,
        StreamEventKind::Closed,
        out,
    );
    let made = out.len();
    out.clear();
    made
}

fn http(c: &mut Criterion) {
    let messages = conversation(500);
    let bytes: usize = messages.iter().map(|(_, m)| m.len()).sum();
    let mut out = Vec::new();
    assert_eq!(parse(&messages, &mut out), 500, "every exchange is paired");
    let mut group = c.benchmark_group("http_parse");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("keep_alive_chunked/500_exchanges", |b| {
        b.iter(|| black_box(parse(&messages, &mut out)));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = support::criterion();
    targets = decode, reassembly, http
}
criterion_main!(benches);
