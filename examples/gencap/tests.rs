//! Checks that generated captures are well-formed pcap/pcapng whose frames
//! parse with etherparse (checksums included) and whose TCP streams rebuild
//! into complete HTTP/1.1 conversations.

use super::*;
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use std::collections::{BTreeMap, HashMap};

fn config(size_bytes: u64, seed: u64) -> Config {
    Config {
        size_bytes,
        seed,
        clients: 200,
        concurrency: 16,
        reorder: 0.01,
        retransmit: 0.005,
        format: FileFormat::Pcap,
    }
}

fn capture(cfg: &Config) -> (Vec<u8>, Summary) {
    generate(cfg, Vec::new()).expect("writing to a Vec cannot fail")
}

/// (timestamp in µs, frame) of every record of a classic pcap.
fn pcap_records(file: &[u8]) -> Vec<(u64, &[u8])> {
    assert_eq!(&file[..4], &0xa1b2_c3d4u32.to_le_bytes(), "magic");
    assert_eq!(&file[4..8], &[2, 0, 4, 0], "version 2.4");
    assert_eq!(&file[16..20], &65_535u32.to_le_bytes(), "snaplen");
    assert_eq!(&file[20..24], &1u32.to_le_bytes(), "LINKTYPE_ETHERNET");
    let word = |at: usize| u32::from_le_bytes(file[at..at + 4].try_into().unwrap());
    let mut records = Vec::new();
    let mut at = 24;
    while at < file.len() {
        let (secs, micros, incl, orig) = (word(at), word(at + 4), word(at + 8), word(at + 12));
        assert_eq!(incl, orig, "frames are never truncated");
        assert!(micros < 1_000_000);
        let start = at + 16;
        let end = start + incl as usize;
        records.push((
            u64::from(secs) * 1_000_000 + u64::from(micros),
            &file[start..end],
        ));
        at = end;
    }
    assert_eq!(
        at,
        file.len(),
        "the last record ends at the end of the file"
    );
    records
}

/// Checks one frame's layers and checksums; returns (flow key, seq, flags, payload).
fn check_frame(frame: &[u8]) -> (([u8; 4], u16, [u8; 4], u16), u32, (bool, bool), &[u8]) {
    let packet = SlicedPacket::from_ethernet(frame).expect("Ethernet/IPv4/TCP parses");
    let Some(NetSlice::Ipv4(ip)) = packet.net else {
        panic!("not IPv4")
    };
    let Some(TransportSlice::Tcp(tcp)) = packet.transport else {
        panic!("not TCP")
    };
    let header = ip.header().to_header();
    assert_eq!(usize::from(header.total_len), frame.len() - wire::ETH_LEN);
    assert_eq!(
        header.header_checksum,
        header.calc_header_checksum(),
        "IPv4 checksum"
    );
    let expected = tcp
        .calc_checksum_ipv4(header.source, header.destination)
        .unwrap();
    assert_eq!(tcp.checksum(), expected, "TCP checksum");
    let key = (
        header.source,
        tcp.source_port(),
        header.destination,
        tcp.destination_port(),
    );
    (
        key,
        tcp.sequence_number(),
        (tcp.syn(), tcp.fin()),
        tcp.payload(),
    )
}

#[test]
fn every_frame_parses_with_correct_lengths_and_checksums() {
    let (file, summary) = capture(&config(300_000, 7));
    let records = pcap_records(&file);
    assert_eq!(records.len() as u64, summary.packets);
    assert_eq!(file.len() as u64, summary.bytes);
    assert!(file.len() >= 300_000, "the target size is reached");
    assert!(
        records.windows(2).all(|w| w[0].0 <= w[1].0),
        "timestamps never go back"
    );
    for (_, frame) in &records {
        check_frame(frame);
    }
}

#[test]
fn same_seed_gives_same_bytes_and_another_seed_differs() {
    let (a, _) = capture(&config(100_000, 42));
    let (b, _) = capture(&config(100_000, 42));
    let (c, _) = capture(&config(100_000, 43));
    assert!(a == b, "same seed, same file");
    assert!(a != c, "different seed, different file");
}

/// One direction of a connection rebuilt from sequence numbers.
#[derive(Default)]
struct HalfStream {
    first_seq: Option<u32>,
    bytes: BTreeMap<u32, Vec<u8>>,
    fin: bool,
}

impl HalfStream {
    fn add(&mut self, seq: u32, payload: &[u8]) {
        let first = self.first_seq.expect("data comes after the SYN");
        let offset = seq.wrapping_sub(first);
        if let Some(old) = self.bytes.insert(offset, payload.to_vec()) {
            assert_eq!(old, payload, "a retransmission repeats the same bytes");
        }
    }

    /// The stream's bytes; panics on a hole or an overlap of different lengths.
    fn contiguous(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (offset, chunk) in &self.bytes {
            assert_eq!(*offset as usize, out.len(), "no hole and no overlap");
            out.extend_from_slice(chunk);
        }
        out
    }
}

fn rebuild(records: &[(u64, &[u8])]) -> HashMap<([u8; 4], u16, [u8; 4], u16), HalfStream> {
    let mut streams: HashMap<_, HalfStream> = HashMap::new();
    for (_, frame) in records {
        let (key, seq, (syn, fin), payload) = check_frame(frame);
        let half = streams.entry(key).or_default();
        if syn {
            half.first_seq = Some(seq.wrapping_add(1));
        }
        half.fin |= fin;
        if !payload.is_empty() {
            half.add(seq, payload);
        }
    }
    streams
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

#[test]
fn streams_rebuild_into_complete_http_conversations() {
    let (file, summary) = capture(&config(1_500_000, 3));
    let streams = rebuild(&pcap_records(&file));
    assert_eq!(
        streams.len() as u64,
        summary.connections * 2,
        "both halves of every connection"
    );
    let (mut requests, mut responses) = (Vec::new(), Vec::new());
    for (key, half) in &streams {
        assert!(half.fin, "every half-stream is closed with a FIN");
        let bytes = half.contiguous();
        let from_client = key.0[0] == 10;
        if bytes.is_empty() {
            continue;
        }
        if from_client {
            assert!(bytes.starts_with(b"GET ") || bytes.starts_with(b"POST "));
            requests.extend_from_slice(&bytes);
        } else {
            assert!(bytes.starts_with(b"HTTP/1.1 "));
            responses.extend_from_slice(&bytes);
        }
    }
    assert_eq!(count(&responses, b"HTTP/1.1 ") as u64, summary.exchanges);
    assert_eq!(
        count(&requests, b" HTTP/1.1\r\nHost: ") as u64,
        summary.exchanges
    );
    for needle in [
        &b"WWW-Authenticate: Basic realm="[..],
        b"WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\"",
        b"WWW-Authenticate: Digest realm=",
        b"WWW-Authenticate: NTLM TlRMTVNTUAAC",
        b"HTTP/1.1 429 Too Many Requests\r\n",
        b"Retry-After: 30\r\n",
        b"HTTP/1.1 302 Found\r\n",
        b"Location: /login",
        b"HTTP/1.1 304 Not Modified\r\n",
        b"HTTP/1.1 403 Forbidden\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"Set-Cookie: session=",
    ] {
        assert!(
            count(&responses, needle) > 0,
            "{}",
            String::from_utf8_lossy(needle)
        );
    }
    for needle in [
        &b"Authorization: Basic "[..],
        b"Authorization: Bearer eyJ",
        b"Authorization: Digest ",
        b"Authorization: NTLM ",
        b"Cookie: ",
    ] {
        assert!(
            count(&requests, needle) > 0,
            "{}",
            String::from_utf8_lossy(needle)
        );
    }
}

#[test]
fn reorder_and_retransmit_rates_follow_the_options() {
    let (_, summary) = capture(&config(3_000_000, 5));
    let data = summary.data_segments as f64;
    let reordered = summary.reordered as f64 / data;
    let retransmitted = summary.retransmitted as f64 / data;
    assert!((0.006..0.015).contains(&reordered), "reordered {reordered}");
    assert!(
        (0.002..0.009).contains(&retransmitted),
        "retransmitted {retransmitted}"
    );
}

#[test]
fn without_reorder_or_retransmit_each_side_only_moves_forward() {
    let cfg = Config {
        reorder: 0.0,
        retransmit: 0.0,
        ..config(400_000, 9)
    };
    let (file, summary) = capture(&cfg);
    assert_eq!((summary.reordered, summary.retransmitted), (0, 0));
    let mut next: HashMap<_, u32> = HashMap::new();
    for (_, frame) in pcap_records(&file) {
        let (key, seq, _, payload) = check_frame(frame);
        if payload.is_empty() {
            continue;
        }
        if let Some(expected) = next.get(&key) {
            assert_eq!(seq, *expected, "in-order data");
        }
        next.insert(key, seq.wrapping_add(payload.len() as u32));
    }
}

#[test]
fn pcapng_has_section_interface_and_one_block_per_packet() {
    let cfg = Config {
        format: FileFormat::Pcapng,
        ..config(200_000, 11)
    };
    let (file, summary) = capture(&cfg);
    let word = |at: usize| u32::from_le_bytes(file[at..at + 4].try_into().unwrap());
    assert_eq!(
        (word(0), word(8)),
        (0x0A0D_0D0A, 0x1A2B_3C4D),
        "SHB and byte-order magic"
    );
    let mut at = 0;
    let mut packets = 0;
    while at < file.len() {
        let (kind, len) = (word(at), word(at + 4) as usize);
        assert_eq!(len % 4, 0);
        assert_eq!(word(at + len - 4) as usize, len, "trailing length matches");
        if kind == 6 {
            let captured = word(at + 20) as usize;
            check_frame(&file[at + 28..at + 28 + captured]);
            packets += 1;
        }
        at += len;
    }
    assert_eq!(at, file.len());
    assert_eq!(packets, summary.packets);
}

#[test]
fn sizes_take_binary_suffixes() {
    assert_eq!(parse_size("200M"), Ok(200 << 20));
    assert_eq!(parse_size("1g"), Ok(1 << 30));
    assert_eq!(parse_size("64KiB"), Ok(64 << 10));
    assert_eq!(parse_size("12345"), Ok(12_345));
    assert!(parse_size("0").is_err());
    assert!(parse_size("lots").is_err());
    assert!(parse_size("99999999999G").is_err());
}

#[test]
fn http_dates_are_imf_fixdate() {
    assert_eq!(
        http::http_date(1_709_251_200),
        "Fri, 01 Mar 2024 00:00:00 GMT"
    );
    assert_eq!(
        http::http_date(951_782_400 + 86_399),
        "Tue, 29 Feb 2000 23:59:59 GMT"
    );
}
