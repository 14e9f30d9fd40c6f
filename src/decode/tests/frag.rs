//! IPv4 and IPv6 fragment reassembly: order, overlap, duplicates, timeout, caps.

use super::*;
use crate::decode::DecodeConfig;
use crate::model::LinkType;

/// A body long enough to be cut in several 8-byte-aligned pieces.
fn long_body() -> Vec<u8> {
    (0..200u8).collect()
}

/// IPv4 fragments of a TCP packet carrying `body`: the IP payload is cut at
/// each offset in `cuts` (multiples of 8).
fn ipv4_fragments(id: u16, body: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let packet = ipv4_tcp(body);
    let payload = &packet[20..];
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(payload.len());
    bounds
        .windows(2)
        .map(|w| {
            ipv4_fragment(
                &packet[..20],
                id,
                w[0],
                w[1] < payload.len(),
                &payload[w[0]..w[1]],
            )
        })
        .collect()
}

fn ipv4_fragment(header: &[u8], id: u16, offset: usize, more: bool, data: &[u8]) -> Vec<u8> {
    let mut out = header.to_vec();
    out[2..4].copy_from_slice(&((20 + data.len()) as u16).to_be_bytes());
    out[4..6].copy_from_slice(&id.to_be_bytes());
    let flags_offset = (offset / 8) as u16 | if more { 0x2000 } else { 0 };
    out[6..8].copy_from_slice(&flags_offset.to_be_bytes());
    out.extend_from_slice(data);
    out
}

/// Feeds `frames` in order; returns the payloads of the segments produced.
fn feed(d: &mut Decoder, frames: &[Vec<u8>], secs: i64) -> Vec<Vec<u8>> {
    frames
        .iter()
        .filter_map(|f| payload_of(d, &at(LinkType::RawIp, f, secs)).map(|p| p.0))
        .collect()
}

#[test]
fn in_order_fragments_reassemble() {
    let body = long_body();
    let frags = ipv4_fragments(7, &body, &[64, 128]);
    let mut d = decoder();
    assert_eq!(feed(&mut d, &frags, 1), vec![body]);
    assert_eq!(d.stats().fragments, 3);
    assert_eq!(d.stats().fragments_reassembled, 1);
    assert_eq!(d.frags.pending(), 0);
}

#[test]
fn out_of_order_fragments_reassemble() {
    let body = long_body();
    let mut frags = ipv4_fragments(7, &body, &[16, 64, 128]);
    frags.reverse();
    frags.swap(1, 2);
    let mut d = decoder();
    assert_eq!(feed(&mut d, &frags, 1), vec![body]);
}

#[test]
fn interleaved_datagrams_reassemble_separately() {
    let a = long_body();
    let b: Vec<u8> = a.iter().rev().copied().collect();
    let fa = ipv4_fragments(1, &a, &[80]);
    let fb = ipv4_fragments(2, &b, &[80]);
    let frames = vec![fa[0].clone(), fb[0].clone(), fb[1].clone(), fa[1].clone()];
    let mut d = decoder();
    assert_eq!(feed(&mut d, &frames, 1), vec![b, a]);
}

#[test]
fn overlapping_fragment_drops_the_datagram() {
    let body = long_body();
    let packet = ipv4_tcp(&body);
    let payload = &packet[20..];
    let frames = vec![
        ipv4_fragment(&packet[..20], 9, 0, true, &payload[..64]),
        ipv4_fragment(&packet[..20], 9, 56, true, &payload[56..120]),
        ipv4_fragment(&packet[..20], 9, 120, false, &payload[120..]),
    ];
    let mut d = decoder();
    assert!(feed(&mut d, &frames, 1).is_empty());
    assert_eq!(anomaly(&d, "decode_fragment_overlap"), 1);
    assert_eq!(d.stats().fragments_dropped, 2);
    assert_eq!(
        d.frags.pending(),
        1,
        "the last fragment opens a new datagram"
    );
}

#[test]
fn duplicate_fragment_is_ignored() {
    let body = long_body();
    let frags = ipv4_fragments(3, &body, &[64]);
    let frames = vec![frags[0].clone(), frags[0].clone(), frags[1].clone()];
    let mut d = decoder();
    assert_eq!(feed(&mut d, &frames, 1), vec![body]);
    assert_eq!(anomaly(&d, "decode_fragment_duplicate"), 1);
}

#[test]
fn unaligned_middle_fragment_is_dropped() {
    let packet = ipv4_tcp(&long_body());
    let frame = ipv4_fragment(&packet[..20], 4, 0, true, &packet[20..27]);
    let mut d = decoder();
    assert!(feed(&mut d, &[frame], 1).is_empty());
    assert_eq!(anomaly(&d, "decode_fragment_bad_length"), 1);
}

#[test]
fn incomplete_datagram_times_out_by_capture_time() {
    let body = long_body();
    let frags = ipv4_fragments(5, &body, &[64]);
    let mut d = decoder();
    assert!(feed(&mut d, &frags[..1], 100).is_empty());
    // 31 s later (timeout 30 s): the first fragment is gone, the second alone is pending.
    assert!(feed(&mut d, &frags[1..], 131).is_empty());
    assert_eq!(anomaly(&d, "decode_fragment_timeout"), 1);
    assert_eq!(d.stats().fragments_dropped, 1);
    assert_eq!(d.frags.pending(), 1);
}

#[test]
fn datagram_cap_evicts_the_oldest() {
    let config = DecodeConfig {
        max_fragment_datagrams: 2,
        ..DecodeConfig::default()
    };
    let mut d = Decoder::new(config);
    let body = long_body();
    let all: Vec<Vec<Vec<u8>>> = (1..=3).map(|id| ipv4_fragments(id, &body, &[64])).collect();
    let firsts: Vec<Vec<u8>> = all.iter().map(|f| f[0].clone()).collect();
    assert!(feed(&mut d, &firsts, 1).is_empty());
    assert_eq!(d.frags.pending(), 2);
    assert_eq!(anomaly(&d, "decode_fragment_limit"), 1);
    // Datagram 1 was evicted; 3 still completes.
    assert!(feed(&mut d, &all[0][1..], 1).is_empty());
    assert_eq!(feed(&mut d, &all[2][1..], 1), vec![body]);
}

#[test]
fn byte_cap_bounds_buffered_fragments() {
    let config = DecodeConfig {
        max_fragment_bytes: 100,
        ..DecodeConfig::default()
    };
    let mut d = Decoder::new(config);
    let body = long_body();
    let frags = ipv4_fragments(8, &body, &[64]);
    // The datagram needs more than 100 bytes: it cannot be buffered.
    assert!(feed(&mut d, &frags, 1).is_empty());
    assert!(anomaly(&d, "decode_fragment_limit") >= 1);
    assert!(d.frags.buffered() <= 100);
}

#[test]
fn fragment_past_the_largest_datagram_is_dropped() {
    let packet = ipv4_tcp(b"");
    let frame = ipv4_fragment(&packet[..20], 6, 65_528, false, &[0u8; 16]);
    let mut d = decoder();
    assert!(feed(&mut d, &[frame], 1).is_empty());
    assert_eq!(anomaly(&d, "decode_fragment_too_large"), 1);
}

/// IPv6 fragments: a Fragment header (RFC 8200 §4.5) in front of each piece.
fn ipv6_fragments(body: &[u8], cut: usize) -> Vec<Vec<u8>> {
    let packet = ipv6_tcp(body);
    let payload = &packet[40..];
    [(0, cut, true), (cut, payload.len(), false)]
        .iter()
        .map(|&(from, to, more)| {
            let mut out = packet[..40].to_vec();
            out[6] = 44;
            out[4..6].copy_from_slice(&((8 + to - from) as u16).to_be_bytes());
            let off = ((from / 8) as u16) << 3 | u16::from(more);
            out.extend_from_slice(&[6, 0]);
            out.extend_from_slice(&off.to_be_bytes());
            out.extend_from_slice(&0xdead_beefu32.to_be_bytes());
            out.extend_from_slice(&payload[from..to]);
            out
        })
        .collect()
}

#[test]
fn ipv6_fragments_reassemble() {
    let body = long_body();
    let mut frags = ipv6_fragments(&body, 96);
    frags.reverse();
    let mut d = decoder();
    assert_eq!(feed(&mut d, &frags, 1), vec![body]);
}

#[test]
fn snaplen_cut_fragment_is_not_reassembled() {
    let frags = ipv4_fragments(11, &long_body(), &[64]);
    let cut = &frags[0][..40];
    let f = RawFrame {
        orig_len: frags[0].len() as u32,
        ..at(LinkType::RawIp, cut, 1)
    };
    let mut d = decoder();
    assert!(d.decode(&f).is_none());
    assert_eq!(anomaly(&d, "decode_fragment_truncated"), 1);
}
