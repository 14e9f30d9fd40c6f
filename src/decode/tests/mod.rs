//! Decoder tests: frames built with etherparse's `PacketBuilder` plus small
//! byte builders for the headers it does not write (tags, tunnels, fragments).

mod frag;
mod link;
mod tunnel;

use super::{DecodeConfig, Decoder};
use crate::model::{LinkType, RawFrame, Timestamp};
use etherparse::PacketBuilder;

pub(super) const CLIENT: [u8; 4] = [10, 0, 0, 1];
pub(super) const SERVER: [u8; 4] = [10, 0, 0, 2];
pub(super) const BODY: &[u8] = b"GET / HTTP/1.1\r\nHost: example.test\r\n\r\n";

/// An IPv4 packet carrying TCP 40000 -> 80 with `payload`.
pub(super) fn ipv4_tcp(payload: &[u8]) -> Vec<u8> {
    let builder = PacketBuilder::ipv4(CLIENT, SERVER, 64)
        .tcp(40000, 80, 1000, 65535)
        .psh()
        .ack(77);
    let mut out = Vec::with_capacity(builder.size(payload.len()));
    builder
        .write(&mut out, payload)
        .expect("writing to a Vec cannot fail");
    out
}

/// An IPv6 packet carrying TCP 40000 -> 80 with `payload`.
pub(super) fn ipv6_tcp(payload: &[u8]) -> Vec<u8> {
    let mut src = [0u8; 16];
    src[0] = 0xfd;
    src[15] = 1;
    let mut dst = src;
    dst[15] = 2;
    let builder = PacketBuilder::ipv6(src, dst, 64).tcp(40000, 80, 5, 1024);
    let mut out = Vec::new();
    builder
        .write(&mut out, payload)
        .expect("writing to a Vec cannot fail");
    out
}

/// An IPv4 UDP packet.
pub(super) fn ipv4_udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let builder = PacketBuilder::ipv4(CLIENT, SERVER, 64).udp(sport, dport);
    let mut out = Vec::new();
    builder
        .write(&mut out, payload)
        .expect("writing to a Vec cannot fail");
    out
}

/// An Ethernet II header with `ether_type`, followed by `rest`.
pub(super) fn ether(ether_type: u16, rest: &[u8]) -> Vec<u8> {
    let mut out = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1];
    out.extend_from_slice(&ether_type.to_be_bytes());
    out.extend_from_slice(rest);
    out
}

pub(super) fn at(link_type: LinkType, data: &[u8], secs: i64) -> RawFrame<'_> {
    RawFrame {
        ts: Timestamp::from_secs(secs),
        link_type,
        data,
        orig_len: data.len() as u32,
    }
}

pub(super) fn frame(link_type: LinkType, data: &[u8]) -> RawFrame<'_> {
    at(link_type, data, 1_700_000_000)
}

pub(super) fn decoder() -> Decoder {
    Decoder::new(DecodeConfig::default())
}

/// Decodes `frame` and returns the payload and missing tail, or `None`.
pub(super) fn payload_of(d: &mut Decoder, f: &RawFrame<'_>) -> Option<(Vec<u8>, u32)> {
    d.decode(f).map(|s| (s.payload.to_vec(), s.missing_tail))
}

/// The anomaly count of `code`.
pub(super) fn anomaly(d: &Decoder, code: &str) -> u64 {
    d.anomalies().counts.get(code).copied().unwrap_or(0)
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    const LINKS: [LinkType; 9] = [
        LinkType::Ethernet,
        LinkType::Null,
        LinkType::Loop,
        LinkType::RawIp,
        LinkType::Ipv4,
        LinkType::Ipv6,
        LinkType::LinuxSll,
        LinkType::LinuxSll2,
        LinkType::Other(147),
    ];

    proptest! {
        /// Arbitrary bytes under any link type: no panic, every frame counted once.
        #[test]
        fn random_frames_never_panic(link in 0usize..LINKS.len(), data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut d = decoder();
            let f = frame(LINKS[link], &data);
            let got = d.decode(&f).is_some();
            let s = d.stats();
            prop_assert_eq!(s.frames, 1);
            prop_assert!(s.tcp_segments == u64::from(got));
        }

        /// A valid TZSP-tunnelled, VLAN-tagged frame with a few bytes overwritten: no panic, and a
        /// payload, if any, lies within the frame.
        #[test]
        fn mutated_frames_never_panic(edits in proptest::collection::vec((0usize..120, any::<u8>()), 1..6), cut in 0usize..130) {
            let mut tagged = vec![0, 1, 0x08, 0x00];
            tagged.extend_from_slice(&ipv4_tcp(BODY));
            let mut inner = vec![1, 0, 0, 1, 1];
            inner.extend_from_slice(&ether(0x8100, &tagged));
            let mut data = ether(0x0800, &ipv4_udp(1, 37008, &inner));
            for (at, byte) in edits {
                if let Some(b) = data.get_mut(at) {
                    *b = byte;
                }
            }
            data.truncate(cut.max(1));
            let mut d = decoder();
            let f = frame(LinkType::Ethernet, &data);
            if let Some(seg) = d.decode(&f) {
                prop_assert!(seg.payload.len() <= data.len());
            }
        }
    }
}
