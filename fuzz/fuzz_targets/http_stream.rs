//! The HTTP/1 stream parser fed the events TCP would give it. The first byte
//! picks the bounds; then each record is a control byte (event kind,
//! direction, connection) and a length byte, followed for data by that many
//! bytes. The input thus chooses where the streams are cut, where gaps fall and
//! when halves close. Two connections so per-connection state stays apart.
#![no_main]

use authscope::http::{HttpConfig, HttpParser};
use authscope::model::{ConnId, Direction, HttpExchange, StreamEvent, StreamEventKind, Timestamp};
use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

fn open(http: &mut HttpParser, conn: ConnId, ts: Timestamp, out: &mut Vec<HttpExchange>) {
    let client = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 40_000);
    let server = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 80);
    let kind = StreamEventKind::Open {
        client,
        server,
        client_guessed: conn.0 % 2 == 1,
    };
    http.on_event(
        StreamEvent {
            conn,
            dir: Direction::ClientToServer,
            ts,
            kind,
        },
        out,
    );
}

fn config(sel: u8) -> HttpConfig {
    if sel & 1 == 0 {
        return HttpConfig::default();
    }
    HttpConfig {
        max_header_bytes: 64 << (sel >> 4),
        body_prefix_bytes: usize::from(sel >> 1 & 7) * 16,
        max_pending_requests: usize::from(sel >> 4) + 1,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, mut rest)) = data.split_first() else {
        return;
    };
    let mut http = HttpParser::new(config(sel));
    let mut out = Vec::new();
    let mut ts = Timestamp::from_secs(1_700_000_000);
    let mut conns = [ConnId(0), ConnId(1)];
    let mut next_id = 2;
    for &c in &conns {
        open(&mut http, c, ts, &mut out);
    }
    while let [ctl, len, tail @ ..] = rest {
        let which = usize::from(ctl >> 4 & 1);
        let conn = conns[which];
        let dir = if ctl & 8 == 0 {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        ts = ts.add_micros(i64::from(ctl >> 5) * 250_000);
        let kind = match ctl & 7 {
            0..=3 => {
                let n = usize::from(*len).min(tail.len());
                let (bytes, next) = tail.split_at(n);
                rest = next;
                StreamEventKind::Data(bytes)
            }
            4 => StreamEventKind::Gap {
                len: u64::from(*len) << (ctl >> 5),
            },
            5 => StreamEventKind::Fin,
            6 => StreamEventKind::Reset,
            _ => StreamEventKind::Closed,
        };
        if ctl & 7 > 3 {
            rest = tail;
        }
        http.on_event(
            StreamEvent {
                conn,
                dir,
                ts,
                kind,
            },
            &mut out,
        );
        if matches!(kind, StreamEventKind::Closed) {
            conns[which] = ConnId(next_id);
            next_id += 1;
            open(&mut http, conns[which], ts, &mut out);
        }
        if out.len() > 64 {
            out.clear();
        }
    }
    for conn in conns {
        http.on_event(
            StreamEvent {
                conn,
                dir: Direction::ClientToServer,
                ts,
                kind: StreamEventKind::Closed,
            },
            &mut out,
        );
    }
    let _ = http.stats();
});
