//! Frame decoding: the first byte picks the link type, the rest is a sequence
//! of frames, each a 2-byte big-endian length and that many bytes (the last
//! one takes whatever is left). Several frames per input reach the IPv4/IPv6
//! fragment reassembly; small caps in the config make its limits fire.
#![no_main]

use authscope::decode::{DecodeConfig, Decoder};
use authscope::model::{LinkType, RawFrame, Timestamp};
use libfuzzer_sys::fuzz_target;

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

fuzz_target!(|data: &[u8]| {
    let Some((&sel, mut rest)) = data.split_first() else {
        return;
    };
    let link = LINKS[usize::from(sel & 0x0f) % LINKS.len()];
    let config = if sel & 0x80 != 0 {
        DecodeConfig {
            max_fragment_datagrams: 2,
            max_fragment_bytes: 600,
            fragment_timeout_ms: 5,
        }
    } else {
        DecodeConfig::default()
    };
    let mut decoder = Decoder::new(config);
    let mut ts = 1_700_000_000_000_000i64;
    while !rest.is_empty() {
        let (frame, tail) = match rest {
            [hi, lo, body @ ..] => {
                let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(body.len());
                body.split_at(len)
            }
            _ => (rest, &[][..]),
        };
        rest = tail;
        ts += 1_000;
        let raw = RawFrame {
            ts: Timestamp::from_micros(ts),
            link_type: link,
            data: frame,
            orig_len: u32::try_from(frame.len()).unwrap_or(u32::MAX),
        };
        if let Some(seg) = decoder.decode(&raw) {
            assert!(
                seg.payload.len() <= data.len(),
                "payload larger than the input"
            );
        }
    }
    let _ = decoder.stats();
    let _ = decoder.anomalies();
});
