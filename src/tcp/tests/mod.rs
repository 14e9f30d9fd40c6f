//! Scripted flow tests: small helpers (`syn`, `data`, `fin`, `rst`, `at`)
//! drive a `Reassembler` through named scenarios and compare the events.
//! `flows` covers ordering, handshakes and roles; `limits` covers gaps forced by
//! ACKs and caps, timeouts, interest and the flow cap.

mod flows;
mod limits;

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
