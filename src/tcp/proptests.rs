//! Reassembly property test: a random byte stream cut into segments that are
//! reordered, duplicated, overlapped (sometimes with different bytes),
//! snaplen-cut or dropped, with sequence numbers near 2^32, checked against a
//! plain first-writer byte map.

use super::{Reassembler, TcpConfig};
use crate::model::{
    FlowKey, SeqNum, StreamEvent, StreamEventKind, StreamInterest, TcpFlags, TcpSegment, Timestamp,
};
use proptest::collection::vec;
use proptest::prelude::*;

/// Something the capture shows, in stream offsets of the client direction.
#[derive(Clone, Debug)]
enum Item {
    Seg {
        start: usize,
        bytes: Vec<u8>,
        lost: u32,
    },
    Ack(usize),
    Fin,
}

/// What the first segment to cover a stream offset said about it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Writer {
    Byte(u8, usize),
    Lost(usize),
}

#[derive(Clone, Debug)]
struct Case {
    stream: Vec<u8>,
    isn: u32,
    items: Vec<Item>,
    per_dir_cap: usize,
    total_cap: usize,
}

#[derive(Clone, Debug)]
struct Knobs {
    cuts: Vec<usize>,
    drop: Vec<bool>,
    dup: Vec<bool>,
    snap: Vec<bool>,
    jitter: Vec<u32>,
    span: u32,
    overlaps: Vec<(usize, usize, bool)>,
    acks: Vec<(u32, usize)>,
    fin_key: u32,
}

fn knobs() -> impl Strategy<Value = Knobs> {
    (
        vec(1usize..200, 1..30),
        vec(prop::bool::weighted(0.1), 1..64),
        vec(prop::bool::weighted(0.2), 1..64),
        vec(prop::bool::weighted(0.05), 1..64),
        vec(any::<u32>(), 1..64),
        0u32..12,
        vec((any::<usize>(), 1usize..200, any::<bool>()), 0..8),
        vec((any::<u32>(), any::<usize>()), 0..4),
        any::<u32>(),
    )
        .prop_map(
            |(cuts, drop, dup, snap, jitter, span, overlaps, acks, fin_key)| Knobs {
                cuts,
                drop,
                dup,
                snap,
                jitter,
                span,
                overlaps,
                acks,
                fin_key,
            },
        )
}

fn pick<T: Copy>(v: &[T], i: usize, default: T) -> T {
    v.get(i % v.len().max(1)).copied().unwrap_or(default)
}

fn segments(stream: &[u8], k: &Knobs) -> Vec<Item> {
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while start < stream.len() {
        let end = (start + pick(&k.cuts, i, 1)).min(stream.len());
        if !pick(&k.drop, i, false) {
            let mut bytes = stream[start..end].to_vec();
            let mut lost = 0;
            if pick(&k.snap, i, false) {
                lost = (bytes.len() / 2) as u32;
                bytes.truncate(bytes.len() - lost as usize);
            }
            let copies = if pick(&k.dup, i, false) { 2 } else { 1 };
            for _ in 0..copies {
                out.push(Item::Seg {
                    start,
                    bytes: bytes.clone(),
                    lost,
                });
            }
        }
        start = end;
        i += 1;
    }
    for &(at, len, corrupt) in &k.overlaps {
        let start = at % (stream.len() + 1);
        let end = (start + len).min(stream.len());
        let mut bytes = stream[start..end].to_vec();
        if corrupt {
            bytes.iter_mut().for_each(|b| *b ^= 0x5a);
        }
        out.push(Item::Seg {
            start,
            bytes,
            lost: 0,
        });
    }
    out
}

/// Segments in a locally shuffled order, with the FIN and some ACKs mixed in.
fn build(stream: &[u8], k: &Knobs) -> Vec<Item> {
    let segs = segments(stream, k);
    let spread = k.span * 16 + 1;
    let n = segs.len() as u32;
    let mut keyed: Vec<(u32, Item)> = segs
        .into_iter()
        .enumerate()
        .map(|(i, s)| (i as u32 * 16 + pick(&k.jitter, i, 0) % spread, s))
        .collect();
    keyed.push((k.fin_key % (n * 16 + spread), Item::Fin));
    for &(key, off) in &k.acks {
        keyed.push((key % (n * 16 + 1), Item::Ack(off % (stream.len() + 1))));
    }
    keyed.sort_by_key(|(key, _)| *key);
    keyed.into_iter().map(|(_, item)| item).collect()
}

fn case() -> impl Strategy<Value = Case> {
    (
        vec(any::<u8>(), 0..1500),
        prop_oneof![any::<u32>(), (0u32..3000).prop_map(|k| u32::MAX - k)],
        knobs(),
        1usize..8000,
        1usize..8000,
    )
        .prop_map(|(stream, isn, k, per_dir_cap, total_cap)| Case {
            items: build(&stream, &k),
            stream,
            isn,
            per_dir_cap,
            total_cap,
        })
}

/// One delivered event of the client direction, with the step that caused it.
#[derive(Debug)]
enum Got {
    Open,
    Data(Vec<u8>),
    Gap(u64, usize),
    Fin,
    Closed,
}

struct Outcome {
    got: Vec<Got>,
    first: Vec<Option<Writer>>,
    r: Reassembler,
}

/// The segment the capture shows for `item` (`None`: the client's SYN).
fn segment<'a>(case: &'a Case, item: Option<&'a Item>) -> TcpSegment<'a> {
    let client = "10.0.0.1:40000".parse().expect("literal");
    let server = "10.0.0.2:80".parse().expect("literal");
    let base = case.isn.wrapping_add(1);
    let mut seg = TcpSegment {
        ts: Timestamp::from_secs(1),
        key: FlowKey {
            src: client,
            dst: server,
        },
        seq: SeqNum(case.isn),
        ack: SeqNum(0),
        flags: TcpFlags(TcpFlags::SYN),
        payload: &[],
        missing_tail: 0,
    };
    match item {
        None => {}
        Some(Item::Seg { start, bytes, lost }) => {
            seg.seq = SeqNum(base.wrapping_add(*start as u32));
            seg.flags = TcpFlags(0);
            seg.payload = bytes;
            seg.missing_tail = *lost;
        }
        Some(Item::Fin) => {
            seg.seq = SeqNum(base.wrapping_add(case.stream.len() as u32));
            seg.flags = TcpFlags(TcpFlags::FIN);
        }
        Some(Item::Ack(off)) => {
            seg.key = seg.key.reversed();
            seg.seq = SeqNum(7);
            seg.ack = SeqNum(base.wrapping_add(*off as u32));
            seg.flags = TcpFlags(TcpFlags::ACK);
        }
    }
    seg
}

fn run(case: &Case) -> Result<Outcome, TestCaseError> {
    let mut r = Reassembler::new(TcpConfig {
        max_buffered_per_dir: case.per_dir_cap,
        max_buffered_total: case.total_cap,
        ..TcpConfig::default()
    });
    let mut got = Vec::new();
    let mut first: Vec<Option<Writer>> = vec![None; case.stream.len()];
    let cap = case.per_dir_cap.min(case.total_cap) as u64;
    let steps = std::iter::once(None).chain(case.items.iter().map(Some));
    for (step, item) in steps.enumerate() {
        if let Some(Item::Seg { start, bytes, lost }) = item {
            note_writer(&mut first, *start, bytes, *lost, step);
        }
        r.feed(&segment(case, item), &mut |ev| collect(&mut got, &ev, step));
        prop_assert!(r.stats().buffered_bytes <= cap, "buffer over cap");
        prop_assert!(r.ctx.buffered_charge as u64 <= cap, "budget over cap");
    }
    r.finish(&mut |ev| collect(&mut got, &ev, usize::MAX));
    Ok(Outcome { got, first, r })
}

fn note_writer(first: &mut [Option<Writer>], start: usize, bytes: &[u8], lost: u32, step: usize) {
    let captured = bytes.iter().map(|&b| Writer::Byte(b, step));
    let missing = std::iter::repeat_n(Writer::Lost(step), lost as usize);
    for (slot, w) in first.iter_mut().skip(start).zip(captured.chain(missing)) {
        slot.get_or_insert(w);
    }
}

fn collect(got: &mut Vec<Got>, ev: &StreamEvent<'_>, step: usize) -> StreamInterest {
    if ev.dir == crate::model::Direction::ClientToServer {
        got.push(match ev.kind {
            StreamEventKind::Open { .. } => Got::Open,
            StreamEventKind::Data(d) => Got::Data(d.to_vec()),
            StreamEventKind::Gap { len } => Got::Gap(len, step),
            StreamEventKind::Fin => Got::Fin,
            StreamEventKind::Closed => Got::Closed,
            StreamEventKind::Reset => return StreamInterest::Continue,
        });
    }
    StreamInterest::Continue
}

/// Checks that data and gaps tile the stream exactly once and in order, that
/// every data byte is the first copy seen, and that no gap hides a byte that
/// had already arrived.
fn check_cover(got: &[Got], first: &[Option<Writer>]) -> Result<(), TestCaseError> {
    let mut off = 0usize;
    for g in got {
        match g {
            Got::Data(bytes) => {
                for (i, &b) in bytes.iter().enumerate() {
                    let w = first.get(off + i).copied().flatten();
                    prop_assert_eq!(
                        w.map(|w| matches!(w, Writer::Byte(x, _) if x == b)),
                        Some(true)
                    );
                }
                off += bytes.len();
            }
            Got::Gap(len, gap_step) => {
                for o in off..off + *len as usize {
                    let early = match first.get(o).copied().flatten() {
                        Some(Writer::Byte(_, s)) => s <= *gap_step,
                        _ => false,
                    };
                    prop_assert!(!early, "gap at {o} hides a byte that had arrived");
                }
                off += *len as usize;
            }
            _ => {}
        }
    }
    prop_assert_eq!(off, first.len(), "stream covered exactly");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn reassembly_covers_stream_once_in_order(case in case()) {
        let Outcome { got, first, r } = run(&case)?;
        prop_assert!(matches!(got.first(), Some(Got::Open)));
        prop_assert!(matches!(got.last(), Some(Got::Closed)));
        prop_assert!(matches!(got.get(got.len().wrapping_sub(2)), Some(Got::Fin)));
        prop_assert_eq!(got.iter().filter(|g| matches!(g, Got::Fin)).count(), 1);
        check_cover(&got, &first)?;
        prop_assert_eq!(r.stats().buffered_bytes, 0);
        prop_assert_eq!(r.stats().open_connections, 0);
        let all_arrived = first.iter().all(|w| matches!(w, Some(Writer::Byte(..))));
        let room = case.stream.len() + super::limits::CHUNK_COST * case.items.len();
        let no_pressure = case.per_dir_cap.min(case.total_cap) >= room;
        let no_acks = !case.items.iter().any(|i| matches!(i, Item::Ack(_)));
        if all_arrived && no_pressure && no_acks {
            prop_assert_eq!(r.stats().gap_bytes, 0, "nothing lost, nothing gapped");
        }
    }
}

/// One arbitrary capture step: a segment on one of a few 4-tuples, or a tick.
#[derive(Clone, Debug)]
struct Step {
    tuple: u8,
    reverse: bool,
    seq: u32,
    ack: u32,
    flags: u8,
    len: usize,
    lost: u32,
    advance_ms: u32,
    tick: bool,
}

fn step() -> impl Strategy<Value = Step> {
    let seq = prop_oneof![
        0u32..4000,
        (0u32..4000).prop_map(|k| k.wrapping_sub(2000)),
        any::<u32>()
    ];
    let ack = prop_oneof![0u32..4000, any::<u32>()];
    (
        (0u8..3, any::<bool>(), seq, ack, 0u8..0x20),
        (0usize..60, prop_oneof![4 => Just(0u32), 1 => 0u32..40]),
        (0u32..40_000, prop::bool::weighted(0.1)),
    )
        .prop_map(
            |((tuple, reverse, seq, ack, flags), (len, lost), (advance_ms, tick))| Step {
                tuple,
                reverse,
                seq,
                ack,
                flags,
                len,
                lost,
                advance_ms,
                tick,
            },
        )
}

/// Per-connection event contract: `Open` first, `Closed` last and once,
/// nothing after `Fin`/`Reset` in a direction but `Closed`, ids increasing.
#[derive(Default)]
struct Contract {
    open: std::collections::BTreeMap<u64, [bool; 2]>,
    closed: std::collections::BTreeSet<u64>,
    last_id: Option<u64>,
    violation: Option<String>,
}

impl Contract {
    fn check(&mut self, ev: &StreamEvent<'_>) -> StreamInterest {
        let id = ev.conn.0;
        let d = ev.dir.index();
        let problem = match ev.kind {
            StreamEventKind::Open { .. } if self.last_id.is_some_and(|l| l >= id) => {
                Some("id not increasing")
            }
            StreamEventKind::Open { .. } => {
                self.last_id = Some(id);
                self.open.insert(id, [false; 2]);
                None
            }
            _ if !self.open.contains_key(&id) => Some("event outside Open..Closed"),
            StreamEventKind::Closed => {
                self.open.remove(&id);
                self.closed.insert(id);
                None
            }
            StreamEventKind::Fin | StreamEventKind::Reset => {
                let ended = self
                    .open
                    .get_mut(&id)
                    .map(|e| std::mem::replace(&mut e[d], true));
                (ended == Some(true) && matches!(ev.kind, StreamEventKind::Fin))
                    .then_some("second Fin")
            }
            _ => self
                .open
                .get(&id)
                .is_some_and(|e| e[d])
                .then_some("data after Fin/Reset"),
        };
        if let (Some(p), None) = (problem, &self.violation) {
            self.violation = Some(format!("{p}: {ev:?}"));
        }
        StreamInterest::Continue
    }
}

fn arbitrary_segment<'a>(s: &Step, now: Timestamp, payload: &'a [u8]) -> TcpSegment<'a> {
    let a: std::net::SocketAddr = "10.0.0.1:40000".parse().expect("literal");
    let b = std::net::SocketAddr::new(a.ip(), 80 + u16::from(s.tuple));
    let key = FlowKey { src: a, dst: b };
    TcpSegment {
        ts: now,
        key: if s.reverse { key.reversed() } else { key },
        seq: SeqNum(s.seq),
        ack: SeqNum(s.ack),
        flags: TcpFlags(s.flags),
        payload: payload.get(..s.len).unwrap_or_default(),
        missing_tail: s.lost,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_segments_keep_the_event_contract_and_bounds(steps in vec(step(), 0..80)) {
        let mut r = Reassembler::new(TcpConfig {
            max_flows: 2,
            max_buffered_per_dir: 300,
            max_buffered_total: 500,
            idle_timeout_ms: 60_000,
            server_ports: Vec::new(),
        });
        let payload = [b'p'; 64];
        let mut contract = Contract::default();
        let mut now = Timestamp::from_secs(1_000);
        for s in &steps {
            now = now.add_micros(i64::from(s.advance_ms) * 1000);
            r.feed(&arbitrary_segment(s, now, &payload), &mut |ev| contract.check(&ev));
            if s.tick {
                r.tick(now, &mut |ev| contract.check(&ev));
            }
            prop_assert!(r.stats().open_connections <= 2);
            prop_assert!(r.ctx.buffered_charge <= 500);
        }
        r.finish(&mut |ev| contract.check(&ev));
        prop_assert_eq!(contract.violation, None);
        prop_assert!(contract.open.is_empty(), "every connection closed");
        prop_assert_eq!(contract.closed.len() as u64, r.stats().connections);
        prop_assert_eq!(r.ctx.buffered_charge, 0);
    }
}
