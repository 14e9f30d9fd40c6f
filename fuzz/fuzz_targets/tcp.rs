//! TCP reassembly over arbitrary segment sequences. The first byte picks the
//! bounds (tiny caps make eviction and buffer limits fire); then each segment
//! is an 8-byte header (flags, endpoint/direction selector, sequence offset,
//! payload length, time step) followed by its payload. Sequence numbers are
//! relative to a fixed ISN per direction unless the selector asks for an
//! absolute one, so in-order, overlapping and out-of-window data all occur.
//! Checks the event-order contract: `Open` first, nothing after `Closed`.
#![no_main]

use authscope::model::{
    ConnId, FlowKey, SeqNum, StreamEvent, StreamEventKind, StreamInterest, TcpFlags, TcpSegment,
    Timestamp,
};
use authscope::tcp::{Reassembler, TcpConfig};
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

#[derive(Default)]
struct Order {
    open: HashMap<ConnId, bool>,
    flip: u8,
}

impl Order {
    fn check(&mut self, ev: &StreamEvent<'_>) -> StreamInterest {
        match ev.kind {
            StreamEventKind::Open { .. } => {
                assert!(
                    !self.open.contains_key(&ev.conn),
                    "Open twice for {:?}",
                    ev.conn
                );
                self.open.insert(ev.conn, true);
            }
            StreamEventKind::Closed => {
                assert_eq!(
                    self.open.insert(ev.conn, false),
                    Some(true),
                    "Closed without Open"
                );
            }
            _ => assert_eq!(
                self.open.get(&ev.conn),
                Some(&true),
                "event outside Open..Closed"
            ),
        }
        self.flip = self.flip.wrapping_add(1);
        if self.flip % 61 == 0 {
            StreamInterest::Ignore
        } else {
            StreamInterest::Continue
        }
    }
}

fn endpoint(n: u8, port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, n)), port)
}

fn config(sel: u8) -> TcpConfig {
    if sel & 1 == 0 {
        return TcpConfig::default();
    }
    TcpConfig {
        max_flows: usize::from(sel >> 5) + 1,
        max_buffered_per_dir: 64 << ((sel >> 1) & 3),
        max_buffered_total: 256,
        idle_timeout_ms: 50,
        server_ports: vec![8080],
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, mut rest)) = data.split_first() else {
        return;
    };
    let mut tcp = Reassembler::new(config(sel));
    let mut order = Order::default();
    let mut out = |ev: StreamEvent<'_>| order.check(&ev);
    let mut ts = 1_700_000_000_000_000i64;
    while let [flags, who, s0, s1, s2, s3, len, step, tail @ ..] = rest {
        let len = usize::from(*len).min(tail.len());
        let (payload, next) = tail.split_at(len);
        rest = next;
        let conn = who & 3;
        let server_port = if who & 4 == 0 { 80 } else { 8080 };
        let client = endpoint(1 + conn, 40_000 + u16::from(conn));
        let server = endpoint(100, server_port);
        let to_server = who & 8 == 0;
        let key = if to_server {
            FlowKey {
                src: client,
                dst: server,
            }
        } else {
            FlowKey {
                src: server,
                dst: client,
            }
        };
        let raw = u32::from_be_bytes([*s0, *s1, *s2, *s3]);
        let isn: u32 = if to_server { 1000 } else { 0xffff_ff00 };
        let seq = if who & 0x10 != 0 {
            raw
        } else {
            isn.wrapping_add(raw & 0xffff)
        };
        let ack_isn: u32 = if to_server { 0xffff_ff00 } else { 1000 };
        ts += i64::from(*step) * if who & 0x20 != 0 { 1_000_000 } else { 1_000 };
        let seg = TcpSegment {
            ts: Timestamp::from_micros(ts),
            key,
            seq: SeqNum(seq),
            ack: SeqNum(ack_isn.wrapping_add(raw >> 16)),
            flags: TcpFlags(*flags),
            payload,
            missing_tail: if who & 0x40 != 0 { u32::from(*step) } else { 0 },
        };
        tcp.feed(&seg, &mut out);
        if who & 0x80 != 0 {
            tcp.tick(Timestamp::from_micros(ts), &mut out);
        }
    }
    tcp.finish(&mut out);
    assert!(
        order.open.values().all(|open| !open),
        "a connection never Closed"
    );
    let _ = tcp.stats();
});
