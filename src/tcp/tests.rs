//! Scripted flow tests: small helpers (`syn`, `data`, `fin`, `rst`, `at`)
//! drive a `Reassembler` through named scenarios and compare the events.

use super::{Reassembler, TcpConfig};
use crate::model::{
    Direction, Endpoint, FlowKey, SeqNum, StreamEvent, StreamEventKind, StreamInterest, TcpFlags,
    TcpSegment, Timestamp,
};

const C2S: Direction = Direction::ClientToServer;
const S2C: Direction = Direction::ServerToClient;
const SYN: u8 = TcpFlags::SYN;
const ACK: u8 = TcpFlags::ACK;
const FIN: u8 = TcpFlags::FIN;
const RST: u8 = TcpFlags::RST;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Ev {
    Open(u64, u16, bool),
    Data(u64, Direction, Vec<u8>),
    Gap(u64, Direction, u64),
    Fin(u64, Direction),
    Reset(u64, Direction),
    Closed(u64),
}

fn record(ev: &StreamEvent<'_>) -> Ev {
    let c = ev.conn.0;
    match ev.kind {
        StreamEventKind::Open {
            client,
            client_guessed,
            ..
        } => Ev::Open(c, client.port(), client_guessed),
        StreamEventKind::Data(d) => Ev::Data(c, ev.dir, d.to_vec()),
        StreamEventKind::Gap { len } => Ev::Gap(c, ev.dir, len),
        StreamEventKind::Fin => Ev::Fin(c, ev.dir),
        StreamEventKind::Reset => Ev::Reset(c, ev.dir),
        StreamEventKind::Closed => Ev::Closed(c),
    }
}

fn ep(s: &str) -> Endpoint {
    s.parse().expect("test endpoint literal")
}

/// Drives one reassembler; the client is 10.0.0.1:40000, the server 10.0.0.2:80.
struct Script {
    r: Reassembler,
    now: Timestamp,
    client: Endpoint,
    server: Endpoint,
    events: Vec<Ev>,
    /// Answer `Ignore` to the first `Data` event.
    ignore_data: bool,
}

impl Script {
    fn new(config: TcpConfig) -> Self {
        Script {
            r: Reassembler::new(config),
            now: Timestamp::from_secs(1_700_000_000),
            client: ep("10.0.0.1:40000"),
            server: ep("10.0.0.2:80"),
            events: Vec::new(),
            ignore_data: false,
        }
    }

    fn default() -> Self {
        Script::new(TcpConfig::default())
    }

    fn at(&mut self, ms: i64) -> &mut Self {
        self.now = Timestamp::from_secs(1_700_000_000).add_micros(ms * 1000);
        self
    }

    fn send(&mut self, dir: Direction, seq: u32, ack: u32, flags: u8, payload: &[u8]) {
        let key = match dir {
            C2S => FlowKey {
                src: self.client,
                dst: self.server,
            },
            S2C => FlowKey {
                src: self.server,
                dst: self.client,
            },
        };
        self.raw(key, seq, ack, flags, payload, 0);
    }

    fn raw(&mut self, key: FlowKey, seq: u32, ack: u32, flags: u8, payload: &[u8], lost: u32) {
        let seg = TcpSegment {
            ts: self.now,
            key,
            seq: SeqNum(seq),
            ack: SeqNum(ack),
            flags: TcpFlags(flags),
            payload,
            missing_tail: lost,
        };
        let (events, ignore) = (&mut self.events, self.ignore_data);
        self.r.feed(&seg, &mut |ev| interest(events, ignore, &ev));
    }

    fn syn(&mut self, isn: u32) {
        self.send(C2S, isn, 0, SYN, b"");
    }

    fn syn_ack(&mut self, isn: u32, ack: u32) {
        self.send(S2C, isn, ack, SYN | ACK, b"");
    }

    fn data(&mut self, dir: Direction, seq: u32, payload: &[u8]) {
        self.send(dir, seq, 0, 0, payload);
    }

    fn fin(&mut self, dir: Direction, seq: u32) {
        self.send(dir, seq, 0, FIN, b"");
    }

    fn rst(&mut self, dir: Direction, seq: u32) {
        self.send(dir, seq, 0, RST, b"");
    }

    fn tick(&mut self) {
        let (events, ignore, now) = (&mut self.events, self.ignore_data, self.now);
        self.r.tick(now, &mut |ev| interest(events, ignore, &ev));
    }

    fn finish(&mut self) {
        let (events, ignore) = (&mut self.events, self.ignore_data);
        self.r.finish(&mut |ev| interest(events, ignore, &ev));
    }

    fn take(&mut self) -> Vec<Ev> {
        std::mem::take(&mut self.events)
    }

    /// A standard handshake: client ISN 1000, server ISN 5000.
    fn handshake(&mut self) {
        self.syn(1000);
        self.syn_ack(5000, 1001);
        self.send(C2S, 1001, 5001, ACK, b"");
    }
}

fn interest(events: &mut Vec<Ev>, ignore_data: bool, ev: &StreamEvent<'_>) -> StreamInterest {
    events.push(record(ev));
    if ignore_data && matches!(ev.kind, StreamEventKind::Data(_)) {
        StreamInterest::Ignore
    } else {
        StreamInterest::Continue
    }
}

fn data(c: u64, dir: Direction, bytes: &[u8]) -> Ev {
    Ev::Data(c, dir, bytes.to_vec())
}

#[test]
fn handshake_request_response_and_close_in_order() {
    let mut s = Script::default();
    s.handshake();
    s.data(C2S, 1001, b"GET / HTTP/1.1\r\n\r\n");
    s.data(S2C, 5001, b"HTTP/1.1 401 X\r\n\r\n");
    s.fin(C2S, 1019);
    s.fin(S2C, 5019);
    s.send(C2S, 1020, 5020, ACK, b"");
    assert_eq!(
        s.take(),
        vec![
            Ev::Open(0, 40000, false),
            data(0, C2S, b"GET / HTTP/1.1\r\n\r\n"),
            data(0, S2C, b"HTTP/1.1 401 X\r\n\r\n"),
            Ev::Fin(0, C2S),
            Ev::Fin(0, S2C),
            Ev::Closed(0),
        ]
    );
    let st = s.r.stats();
    assert_eq!(
        (st.connections, st.open_connections, st.midstream),
        (1, 0, 0)
    );
    assert_eq!(st.gaps, 0);
}

#[test]
fn reassembly_out_of_order_is_buffered_then_delivered_once() {
    let mut s = Script::default();
    s.handshake();
    s.data(C2S, 1006, b"world");
    s.data(C2S, 1011, b"!");
    assert_eq!(s.r.stats().buffered_bytes, 6);
    s.data(C2S, 1001, b"hello");
    s.data(C2S, 1001, b"hello");
    let ev = s.take();
    assert_eq!(
        &ev[1..],
        &[data(0, C2S, b"hello"), data(0, C2S, b"world!"),]
    );
    let st = s.r.stats();
    assert_eq!(
        (st.out_of_order, st.duplicate_bytes, st.buffered_bytes),
        (2, 5, 0)
    );
}

#[test]
fn reassembly_overlap_prefers_first_copy() {
    let mut s = Script::default();
    s.handshake();
    s.data(C2S, 1004, b"DEF");
    s.data(C2S, 1001, b"abcdefgh");
    let ev = s.take();
    assert_eq!(
        &ev[1..],
        &[
            data(0, C2S, b"abc"),
            data(0, C2S, b"DEF"),
            data(0, C2S, b"gh")
        ]
    );
    assert_eq!(s.r.stats().duplicate_bytes, 3);
}

#[test]
fn reassembly_sequence_wraps_near_2_pow_32() {
    let mut s = Script::default();
    let isn = u32::MAX - 3;
    s.syn(isn);
    s.data(C2S, isn.wrapping_add(5), b"6789");
    s.data(C2S, isn.wrapping_add(1), b"2345");
    s.data(C2S, isn.wrapping_add(3), b"45");
    let ev = s.take();
    assert_eq!(&ev[1..], &[data(0, C2S, b"2345"), data(0, C2S, b"6789")]);
    assert_eq!(s.r.stats().gaps, 0);
}

#[test]
fn syn_payload_and_syn_retransmission_are_delivered_once() {
    let mut s = Script::default();
    s.send(C2S, 1000, 0, SYN, b"early");
    s.send(C2S, 1000, 0, SYN, b"early");
    s.data(C2S, 1006, b"-late");
    let ev = s.take();
    assert_eq!(
        ev,
        vec![
            Ev::Open(0, 40000, false),
            data(0, C2S, b"early"),
            data(0, C2S, b"-late")
        ]
    );
}

#[test]
fn ack_above_hole_delivers_gap_then_buffered_data() {
    let mut s = Script::default();
    s.handshake();
    // bytes 1001..1011 never captured; 1011..1016 buffered
    s.data(C2S, 1011, b"tail!");
    assert!(s.take().len() == 1, "only Open so far");
    s.send(S2C, 5001, 1016, ACK, b"");
    assert_eq!(s.take(), vec![Ev::Gap(0, C2S, 10), data(0, C2S, b"tail!")]);
    // an ACK beyond anything buffered gaps straight to the ACK
    s.send(S2C, 5001, 1030, ACK, b"");
    assert_eq!(s.take(), vec![Ev::Gap(0, C2S, 14)]);
    let st = s.r.stats();
    assert_eq!((st.gaps, st.gap_bytes), (2, 24));
    assert_eq!(s.r.anomalies().counts.get("tcp_ack_unseen_data"), Some(&2));
}

#[test]
fn buffer_cap_forces_gap_and_skips_ahead() {
    let mut s = Script::new(TcpConfig {
        max_buffered_per_dir: 10,
        ..TcpConfig::default()
    });
    s.handshake();
    s.data(C2S, 1011, b"12345678");
    s.data(C2S, 1031, b"abcdefgh");
    assert_eq!(
        s.take()[1..],
        [Ev::Gap(0, C2S, 10), data(0, C2S, b"12345678"),]
    );
    assert_eq!(s.r.stats().buffered_bytes, 8);
    assert_eq!(s.r.stats().bytes_evicted, 10);
    assert_eq!(s.r.anomalies().counts.get("tcp_buffer_cap"), Some(&1));
    s.finish();
    assert_eq!(
        s.take(),
        vec![
            Ev::Gap(0, C2S, 12),
            data(0, C2S, b"abcdefgh"),
            Ev::Closed(0)
        ]
    );
    assert_eq!(s.r.stats().buffered_bytes, 0);
}

#[test]
fn total_buffer_cap_is_shared_by_connections() {
    let mut s = Script::new(TcpConfig {
        max_buffered_total: 6,
        ..TcpConfig::default()
    });
    s.handshake();
    s.data(C2S, 1011, b"aaaa");
    s.client = ep("10.0.0.1:40001");
    s.handshake();
    s.data(C2S, 1011, b"bbbb");
    let ev = s.take();
    assert_eq!(ev.last(), Some(&data(1, C2S, b"bbbb")));
    assert!(ev.contains(&Ev::Gap(1, C2S, 10)));
    assert_eq!(s.r.stats().buffered_bytes, 4);
}

#[test]
fn fin_waits_for_missing_data_before_it() {
    let mut s = Script::default();
    s.handshake();
    s.send(C2S, 1004, 0, FIN, b"def");
    s.data(C2S, 1001, b"abc");
    let ev = s.take();
    assert_eq!(
        &ev[1..],
        &[data(0, C2S, b"abc"), data(0, C2S, b"def"), Ev::Fin(0, C2S)]
    );
}

#[test]
fn both_fins_with_a_hole_flush_with_gap_and_close() {
    let mut s = Script::default();
    s.handshake();
    s.data(C2S, 1001, b"ab");
    s.send(C2S, 1005, 0, FIN, b"ef");
    s.fin(S2C, 5001);
    assert_eq!(
        s.take()[1..],
        [
            data(0, C2S, b"ab"),
            Ev::Fin(0, S2C),
            Ev::Gap(0, C2S, 2),
            data(0, C2S, b"ef"),
            Ev::Fin(0, C2S),
            Ev::Closed(0),
        ]
    );
}

#[test]
fn rst_flushes_then_resets_and_closes() {
    let mut s = Script::default();
    s.handshake();
    s.data(C2S, 1003, b"cd");
    s.rst(S2C, 5001);
    assert_eq!(
        s.take()[1..],
        [
            Ev::Gap(0, C2S, 2),
            data(0, C2S, b"cd"),
            Ev::Reset(0, S2C),
            Ev::Closed(0),
        ]
    );
    assert_eq!(s.r.stats().open_connections, 0);
}

#[test]
fn snaplen_cut_payload_becomes_gap_after_captured_bytes() {
    let mut s = Script::default();
    s.handshake();
    let key = FlowKey {
        src: s.client,
        dst: s.server,
    };
    s.raw(key, 1001, 0, 0, b"GET", 7);
    s.data(C2S, 1011, b"next");
    assert_eq!(
        s.take()[1..],
        [
            data(0, C2S, b"GET"),
            Ev::Gap(0, C2S, 7),
            data(0, C2S, b"next")
        ]
    );
}

#[test]
fn midstream_server_port_decides_roles() {
    let mut s = Script::default();
    s.client = ep("10.0.0.1:8080");
    s.server = ep("10.0.0.2:51000");
    // the first segment seen goes from port 8080 (the real server) to 51000
    s.data(C2S, 77, b"HTTP/1.1 200 OK\r\n");
    let ev = s.take();
    assert_eq!(ev[0], Ev::Open(0, 51000, true));
    assert_eq!(ev[1], data(0, S2C, b"HTTP/1.1 200 OK\r\n"));
    assert_eq!(s.r.stats().midstream, 1);
}

#[test]
fn midstream_extra_server_port_and_lower_port_fallback() {
    let mut s = Script::new(TcpConfig {
        server_ports: vec![7777],
        ..TcpConfig::default()
    });
    s.client = ep("10.0.0.1:7777");
    s.server = ep("10.0.0.2:50000");
    s.data(C2S, 1, b"x");
    s.client = ep("10.0.0.1:50001");
    s.server = ep("10.0.0.2:631");
    s.data(S2C, 1, b"y");
    let ev = s.take();
    assert_eq!(ev[0], Ev::Open(0, 50000, true));
    assert_eq!(ev[2], Ev::Open(1, 50001, true));
}

#[test]
fn syn_ack_only_makes_its_receiver_the_client() {
    let mut s = Script::default();
    s.syn_ack(5000, 1001);
    s.data(C2S, 1001, b"req");
    let ev = s.take();
    assert_eq!(ev, vec![Ev::Open(0, 40000, false), data(0, C2S, b"req")]);
}

#[test]
fn idle_connection_times_out_at_tick() {
    let mut s = Script::new(TcpConfig {
        idle_timeout_ms: 10_000,
        ..TcpConfig::default()
    });
    s.at(0).handshake();
    s.data(C2S, 1005, b"late");
    s.at(9_999).tick();
    assert_eq!(s.take().len(), 1, "not idle yet");
    s.at(10_000).tick();
    assert_eq!(
        s.take(),
        vec![Ev::Gap(0, C2S, 4), data(0, C2S, b"late"), Ev::Closed(0)]
    );
    let st = s.r.stats();
    assert_eq!((st.timed_out, st.open_connections), (1, 0));
}

#[test]
fn ignore_interest_stops_data_but_keeps_fin_and_closed() {
    let mut s = Script::default();
    s.ignore_data = true;
    s.handshake();
    s.data(C2S, 1001, b"SSH-2.0");
    s.data(C2S, 1020, b"buffered?");
    s.data(C2S, 1008, b"more");
    assert_eq!(s.r.stats().buffered_bytes, 0);
    s.fin(S2C, 5001);
    s.fin(C2S, 1029);
    assert_eq!(
        s.take()[1..],
        [
            data(0, C2S, b"SSH-2.0"),
            Ev::Fin(0, S2C),
            Ev::Fin(0, C2S),
            Ev::Closed(0)
        ]
    );
}

#[test]
fn port_reuse_after_close_opens_new_connection_and_late_data_is_dropped() {
    let mut s = Script::default();
    s.handshake();
    s.fin(C2S, 1001);
    s.fin(S2C, 5001);
    s.take();
    s.data(S2C, 4990, b"late retransmission");
    assert!(s.take().is_empty());
    assert_eq!(s.r.anomalies().counts.get("tcp_data_after_close"), Some(&1));
    s.syn(9000);
    s.data(C2S, 9001, b"again");
    assert_eq!(
        s.take(),
        vec![Ev::Open(1, 40000, false), data(1, C2S, b"again")]
    );
}

#[test]
fn new_syn_on_open_connection_replaces_it() {
    let mut s = Script::default();
    s.handshake();
    s.data(C2S, 1001, b"one");
    s.syn(1000);
    s.syn(77_000);
    assert_eq!(
        s.take(),
        vec![
            Ev::Open(0, 40000, false),
            data(0, C2S, b"one"),
            Ev::Closed(0),
            Ev::Open(1, 40000, false)
        ]
    );
    assert_eq!(s.r.stats().connections, 2);
}

#[test]
fn finish_flushes_and_closes_every_connection_in_id_order() {
    let mut s = Script::default();
    s.handshake();
    s.data(C2S, 1003, b"x");
    s.client = ep("10.0.0.1:40001");
    s.handshake();
    s.take();
    s.finish();
    assert_eq!(
        s.take(),
        vec![
            Ev::Gap(0, C2S, 2),
            data(0, C2S, b"x"),
            Ev::Closed(0),
            Ev::Closed(1)
        ]
    );
    assert_eq!(s.r.stats().open_connections, 0);
}

#[test]
fn flow_cap_evicts_least_recently_active() {
    let mut s = Script::new(TcpConfig {
        max_flows: 2,
        ..TcpConfig::default()
    });
    for port in [1000u16, 1001, 1002] {
        if port == 1002 {
            // touch the first connection so the second is the oldest
            s.client = ep("10.0.0.1:1000");
            s.data(C2S, 1, b"a");
        }
        s.client = Endpoint::new(s.client.ip(), port);
        s.syn(0);
    }
    let ev = s.take();
    assert_eq!(ev.iter().filter(|e| matches!(e, Ev::Closed(1))).count(), 1);
    assert!(!ev.contains(&Ev::Closed(0)));
    let st = s.r.stats();
    assert_eq!((st.flows_evicted, st.open_connections), (1, 2));
}

#[test]
fn flow_cap_million_syns_stays_bounded_and_fast() {
    let count: u32 = 1_000_000;
    let mut r = Reassembler::new(TcpConfig {
        max_flows: 10_000,
        ..TcpConfig::default()
    });
    let (mut opens, mut closes) = (0u64, 0u64);
    let mut out = |ev: StreamEvent<'_>| {
        match ev.kind {
            StreamEventKind::Open { .. } => opens += 1,
            StreamEventKind::Closed => closes += 1,
            _ => {}
        }
        StreamInterest::Continue
    };
    let started = std::time::Instant::now();
    for i in 0..count {
        let ip = std::net::Ipv4Addr::from(0x0a00_0000 | (i >> 16));
        let seg = TcpSegment {
            ts: Timestamp::from_micros(i64::from(i)),
            key: FlowKey {
                src: Endpoint::new(ip.into(), (i & 0xffff) as u16),
                dst: ep("10.1.1.1:80"),
            },
            seq: SeqNum(i),
            ack: SeqNum(0),
            flags: TcpFlags(SYN),
            payload: b"",
            missing_tail: 0,
        };
        r.feed(&seg, &mut out);
        assert!(r.stats().open_connections <= 10_000);
    }
    eprintln!("{count} SYNs in {:?}", started.elapsed());
    assert_eq!(opens, u64::from(count));
    assert_eq!(closes, u64::from(count) - 10_000);
    assert_eq!(r.stats().flows_evicted, u64::from(count) - 10_000);
    assert_eq!(r.table.capacity(), 10_000, "slots are reused");
    assert!(r.time_wait.is_empty(), "evicted flows are not remembered");
}
