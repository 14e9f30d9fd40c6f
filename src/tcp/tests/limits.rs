//! Gaps forced by ACKs and caps, idle timeout, interest, flow cap.

use super::*;

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
        max_buffered_per_dir: 100,
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
        max_buffered_total: 100,
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
