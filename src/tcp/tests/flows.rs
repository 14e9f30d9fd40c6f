//! Ordering, overlaps, wrap-around, handshakes, FIN/RST and roles.

use super::*;

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
