//! Inputs shared by the criterion benches: captures made in memory by the
//! `gencap` generator (included from `examples/gencap/`, so the benches see
//! the same traffic as `scripts/bench.sh`), their frames, and the decoded TCP
//! segments with owned payloads so a stage can be measured on its own.
//! Also the criterion settings every bench uses, kept short so a whole
//! `cargo bench` run stays within a few minutes on two cores, and the global
//! allocator, mimalloc as in the `authscope` binary (`src/main.rs`), so the
//! figures are those of the shipped program.
#![allow(dead_code)]

#[allow(dead_code)]
#[path = "../../examples/gencap/generator.rs"]
mod generator;

use authscope::decode::{DecodeConfig, Decoder};
use authscope::model::{LinkType, RawFrame, TcpSegment, Timestamp};
use criterion::Criterion;
use std::ops::Range;
use std::time::Duration;

pub use generator::FileFormat;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Criterion with short runs: 25 samples, 1 s warm-up, 2 s of measurement.
pub fn criterion() -> Criterion {
    Criterion::default()
        .sample_size(25)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args()
}

/// Generator options for a bench capture of about `size` bytes.
pub fn config(size: u64, seed: u64, reorder: f64, retransmit: f64) -> generator::Config {
    generator::Config {
        size_bytes: size,
        seed,
        clients: 200,
        concurrency: 32,
        reorder,
        retransmit,
        format: FileFormat::Pcap,
    }
}

/// A classic pcap file made in memory.
pub fn capture(cfg: &generator::Config) -> Vec<u8> {
    let (bytes, _) = generator::generate(cfg, Vec::new()).expect("writing to a Vec cannot fail");
    bytes
}

/// One record of a classic (microsecond, little-endian) pcap.
#[derive(Clone, Debug)]
pub struct Record {
    pub ts: Timestamp,
    pub range: Range<usize>,
    pub orig_len: u32,
}

fn le32(file: &[u8], at: usize) -> u32 {
    let b: [u8; 4] = file
        .get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .expect("pcap field inside the file");
    u32::from_le_bytes(b)
}

/// Every record of a pcap written by the generator.
pub fn records(file: &[u8]) -> Vec<Record> {
    assert_eq!(le32(file, 0), 0xa1b2_c3d4, "little-endian microsecond pcap");
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= file.len() {
        let ts =
            Timestamp::from_secs_micros(i64::from(le32(file, at)), i64::from(le32(file, at + 4)));
        let len = le32(file, at + 8) as usize;
        let orig_len = le32(file, at + 12);
        let start = at + 16;
        out.push(Record {
            ts,
            range: start..start + len,
            orig_len,
        });
        at = start + len;
    }
    out
}

/// The frame a record points at.
pub fn frame<'a>(file: &'a [u8], r: &Record) -> RawFrame<'a> {
    RawFrame {
        ts: r.ts,
        link_type: LinkType::Ethernet,
        data: file.get(r.range.clone()).expect("record inside the file"),
        orig_len: r.orig_len,
    }
}

/// Decoded TCP segments whose payloads live in one arena, for feeding the
/// reassembler without the decoder in the loop.
pub struct Segments {
    headers: Vec<(TcpSegment<'static>, Range<usize>)>,
    arena: Vec<u8>,
}

impl Segments {
    /// Decodes every frame of `file`.
    pub fn decode(file: &[u8]) -> Segments {
        let mut decoder = Decoder::new(DecodeConfig::default());
        let mut headers = Vec::new();
        let mut arena = Vec::new();
        for r in records(file) {
            let frame = frame(file, &r);
            if let Some(seg) = decoder.decode(&frame) {
                let range = arena.len()..arena.len() + seg.payload.len();
                arena.extend_from_slice(seg.payload);
                let header = TcpSegment {
                    ts: seg.ts,
                    key: seg.key,
                    seq: seg.seq,
                    ack: seg.ack,
                    flags: seg.flags,
                    payload: &[],
                    missing_tail: seg.missing_tail,
                };
                headers.push((header, range));
            }
        }
        Segments { headers, arena }
    }

    /// Segments in capture order.
    pub fn iter(&self) -> impl Iterator<Item = TcpSegment<'_>> + '_ {
        self.headers.iter().map(|(seg, range)| TcpSegment {
            payload: self.arena.get(range.clone()).unwrap_or(&[]),
            ..*seg
        })
    }

    /// Total payload bytes.
    pub fn payload_bytes(&self) -> u64 {
        self.arena.len() as u64
    }

    pub fn len(&self) -> usize {
        self.headers.len()
    }
}
