//! Link layers, IP and TCP details.

use super::*;
use crate::model::{FlowKey, LinkType, SeqNum};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

#[test]
fn ethernet_ipv4_tcp_yields_segment_with_flow_and_flags() {
    let data = ether(0x0800, &ipv4_tcp(BODY));
    let mut d = decoder();
    let seg = d
        .decode(&frame(LinkType::Ethernet, &data))
        .expect("a segment");
    let ip = |b: [u8; 4]| IpAddr::V4(Ipv4Addr::from(b));
    assert_eq!(
        seg.key,
        FlowKey {
            src: SocketAddr::new(ip(CLIENT), 40000),
            dst: SocketAddr::new(ip(SERVER), 80),
        }
    );
    assert_eq!(seg.seq, SeqNum(1000));
    assert_eq!(seg.ack, SeqNum(77));
    assert!(seg.flags.ack() && !seg.flags.syn());
    assert_eq!(seg.payload, BODY);
    assert_eq!(seg.missing_tail, 0);
    assert_eq!(d.stats().tcp_segments, 1);
    assert_eq!(d.stats().frames, 1);
}

#[test]
fn ethernet_padding_after_ip_total_length_is_not_payload() {
    // Seen in zeek_tcp-http-with-padding.pcap: a short segment padded to 60 bytes.
    let mut data = ether(0x0800, &ipv4_tcp(b"x"));
    data.extend_from_slice(&[0u8; 18]);
    let mut d = decoder();
    assert_eq!(
        payload_of(&mut d, &frame(LinkType::Ethernet, &data)),
        Some((b"x".to_vec(), 0))
    );
}

fn vlan_tags(types: &[u16], inner_type: u16, rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (i, _) in types.iter().enumerate() {
        let next = types.get(i + 1).copied().unwrap_or(inner_type);
        body.extend_from_slice(&[0x00, 0x64]);
        body.extend_from_slice(&next.to_be_bytes());
    }
    body.extend_from_slice(rest);
    ether(types[0], &body)
}

#[test]
fn vlan_and_qinq_tags_of_any_depth_are_followed() {
    for tags in [
        &[0x8100u16][..],
        &[0x88a8, 0x8100],
        &[0x9100, 0x8100, 0x8100, 0x8100],
    ] {
        let data = vlan_tags(tags, 0x0800, &ipv4_tcp(BODY));
        let mut d = decoder();
        assert_eq!(
            payload_of(&mut d, &frame(LinkType::Ethernet, &data)).map(|p| p.0),
            Some(BODY.to_vec()),
            "tags {tags:x?}"
        );
    }
}

#[test]
fn too_many_vlan_tags_are_malformed() {
    let data = vlan_tags(&[0x8100; 20], 0x0800, &ipv4_tcp(BODY));
    let mut d = decoder();
    assert!(d.decode(&frame(LinkType::Ethernet, &data)).is_none());
    assert_eq!(anomaly(&d, "decode_too_many_tags"), 1);
    assert_eq!(d.stats().malformed, 1);
}

fn mpls(labels: usize, rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for i in 0..labels {
        let bottom = u8::from(i + 1 == labels);
        body.extend_from_slice(&[0x00, 0x01, bottom, 64]);
    }
    body.extend_from_slice(rest);
    ether(0x8847, &body)
}

#[test]
fn mpls_label_stack_over_ethernet_reaches_ip() {
    for labels in [1, 3] {
        let data = mpls(labels, &ipv4_tcp(BODY));
        let mut d = decoder();
        assert!(d.decode(&frame(LinkType::Ethernet, &data)).is_some());
    }
}

#[test]
fn mpls_pseudowire_with_control_word_carries_ethernet() {
    let mut pw = vec![0, 0, 0, 0];
    pw.extend_from_slice(&ether(0x0800, &ipv4_tcp(BODY)));
    let data = mpls(2, &pw);
    let mut d = decoder();
    assert!(d.decode(&frame(LinkType::Ethernet, &data)).is_some());
}

#[test]
fn linux_sll_v1_and_v2() {
    let ip = ipv4_tcp(BODY);
    let mut sll = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00];
    sll.extend_from_slice(&ip);
    let mut sll2 = vec![
        0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0,
    ];
    sll2.extend_from_slice(&ip);
    let mut d = decoder();
    assert!(d.decode(&frame(LinkType::LinuxSll, &sll)).is_some());
    assert!(d.decode(&frame(LinkType::LinuxSll2, &sll2)).is_some());
    // Too short for the cooked header.
    assert!(d.decode(&frame(LinkType::LinuxSll2, &sll2[..12])).is_none());
    assert_eq!(anomaly(&d, "decode_truncated_link"), 1);
}

#[test]
fn bsd_loopback_accepts_both_byte_orders_and_every_af_inet6() {
    let v4 = ipv4_tcp(BODY);
    let v6 = ipv6_tcp(BODY);
    let mut d = decoder();
    for (family, ip) in [(2u32, &v4), (24, &v6), (28, &v6), (30, &v6)] {
        for (link, header) in [
            (LinkType::Null, family.to_le_bytes()),
            (LinkType::Null, family.to_be_bytes()),
            (LinkType::Loop, family.to_be_bytes()),
        ] {
            let mut data = header.to_vec();
            data.extend_from_slice(ip);
            assert!(
                d.decode(&frame(link, &data)).is_some(),
                "family {family} {link:?} {header:?}"
            );
        }
    }
    let mut other = 7u32.to_le_bytes().to_vec();
    other.extend_from_slice(&v4);
    assert!(d.decode(&frame(LinkType::Null, &other)).is_none());
    assert_eq!(d.stats().non_ip, 1);
}

#[test]
fn raw_ip_link_types_take_both_versions() {
    let mut d = decoder();
    for link in [LinkType::RawIp, LinkType::Ipv4] {
        assert!(d.decode(&frame(link, &ipv4_tcp(BODY))).is_some());
    }
    for link in [LinkType::RawIp, LinkType::Ipv6] {
        assert!(d.decode(&frame(link, &ipv6_tcp(BODY))).is_some());
    }
    assert!(d
        .decode(&frame(LinkType::Other(147), &ipv4_tcp(BODY)))
        .is_none());
    assert_eq!(d.stats().non_ip, 1);
}

/// Inserts a Hop-by-Hop and a Destination Options header (8 bytes each)
/// between the IPv6 header and TCP.
fn with_ipv6_extensions(packet: &[u8]) -> Vec<u8> {
    let mut out = packet[..40].to_vec();
    out[6] = 0; // next: hop-by-hop
    let payload_len = u16::from_be_bytes([out[4], out[5]]) + 16;
    out[4..6].copy_from_slice(&payload_len.to_be_bytes());
    out.extend_from_slice(&[60, 0, 1, 4, 0, 0, 0, 0]); // hop-by-hop -> dest options
    out.extend_from_slice(&[6, 0, 1, 4, 0, 0, 0, 0]); // dest options -> TCP
    out.extend_from_slice(&packet[40..]);
    out
}

#[test]
fn ipv6_extension_headers_are_skipped() {
    let data = with_ipv6_extensions(&ipv6_tcp(BODY));
    let mut d = decoder();
    assert_eq!(
        payload_of(&mut d, &frame(LinkType::Ipv6, &data)).map(|p| p.0),
        Some(BODY.to_vec())
    );
    // Cut inside the destination options header without snaplen: malformed.
    assert!(d.decode(&frame(LinkType::Ipv6, &data[..50])).is_none());
    assert_eq!(d.stats().malformed, 1);
}

#[test]
fn snaplen_cut_payload_reports_missing_tail() {
    let data = ether(0x0800, &ipv4_tcp(BODY));
    let cut = &data[..data.len() - 10];
    let f = RawFrame {
        orig_len: data.len() as u32,
        ..frame(LinkType::Ethernet, cut)
    };
    let mut d = decoder();
    let (payload, missing) = payload_of(&mut d, &f).expect("a segment");
    assert_eq!(payload, &BODY[..BODY.len() - 10]);
    assert_eq!(missing, 10);
    assert_eq!(d.stats().snaplen_truncated, 1);
    assert_eq!(d.stats().malformed, 0);
    // Cut inside the TCP header: not malformed, but no segment.
    let f = RawFrame {
        orig_len: data.len() as u32,
        ..frame(LinkType::Ethernet, &data[..40])
    };
    assert!(d.decode(&f).is_none());
    assert_eq!(anomaly(&d, "decode_snaplen_cut_headers"), 1);
    assert_eq!(d.stats().malformed, 0);
}

#[test]
fn malformed_headers_are_counted_by_kind() {
    let good = ipv4_tcp(BODY);
    let mut d = decoder();
    let cases: [(Vec<u8>, &str); 5] = [
        (good[..12].to_vec(), "decode_truncated_ipv4"),
        (
            {
                let mut b = good.clone();
                b[0] = 0x43;
                b
            },
            "decode_bad_ip_header_len",
        ),
        (
            {
                let mut b = good.clone();
                b[0] = 0x75;
                b
            },
            "decode_bad_ip_version",
        ),
        (
            {
                let mut b = good.clone();
                b[20 + 12] = 0x20; // data offset 2 words
                b
            },
            "decode_bad_tcp_data_offset",
        ),
        (
            {
                let mut b = good[..30].to_vec();
                b[2..4].copy_from_slice(&30u16.to_be_bytes());
                b
            },
            "decode_truncated_tcp",
        ),
    ];
    for (i, (data, code)) in cases.iter().enumerate() {
        assert!(d.decode(&frame(LinkType::RawIp, data)).is_none(), "{code}");
        assert_eq!(anomaly(&d, code), 1, "{code}");
        assert_eq!(d.stats().malformed, i as u64 + 1);
    }
}

#[test]
fn ip_length_beyond_an_uncut_frame_is_malformed_but_decoded() {
    let mut data = ipv4_tcp(BODY);
    let claimed = data.len() as u16 + 100;
    data[2..4].copy_from_slice(&claimed.to_be_bytes());
    let mut d = decoder();
    assert_eq!(
        payload_of(&mut d, &frame(LinkType::RawIp, &data)),
        Some((BODY.to_vec(), 0))
    );
    assert_eq!(anomaly(&d, "decode_ip_length_exceeds_frame"), 1);
}

#[test]
fn non_tcp_and_non_ip_are_counted_not_malformed() {
    let mut d = decoder();
    let udp = ether(0x0800, &ipv4_udp(5353, 5353, b"dns"));
    let arp = ether(0x0806, &[0u8; 28]);
    assert!(d.decode(&frame(LinkType::Ethernet, &udp)).is_none());
    assert!(d.decode(&frame(LinkType::Ethernet, &arp)).is_none());
    assert_eq!(d.stats().non_tcp, 1);
    assert_eq!(d.stats().non_ip, 1);
    assert_eq!(d.stats().malformed, 0);
}

#[test]
fn llc_snap_frames_carry_an_ethertype() {
    let ip = ipv4_tcp(BODY);
    let mut body = vec![0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00];
    body.extend_from_slice(&ip);
    let data = ether(body.len() as u16, &body);
    let mut d = decoder();
    assert!(d.decode(&frame(LinkType::Ethernet, &data)).is_some());
}

#[test]
fn pppoe_session_over_vlans_reaches_ip() {
    // The shape of pcpp_one_http_stream_rst.pcap: two VLAN tags, PPPoE, PPP IPv4.
    let mut pppoe = vec![0x11, 0x00, 0xdd, 0xe5, 0x00, 0x36, 0x00, 0x21];
    pppoe.extend_from_slice(&ipv4_tcp(BODY));
    let data = vlan_tags(&[0x8100, 0x8100], 0x8864, &pppoe);
    let mut d = decoder();
    assert_eq!(
        payload_of(&mut d, &frame(LinkType::Ethernet, &data)).map(|p| p.0),
        Some(BODY.to_vec())
    );
    // PPP control traffic (LCP) is not IP.
    let lcp = ether(0x8864, &[0x11, 0, 0, 1, 0, 4, 0xc0, 0x21, 1, 1]);
    assert!(d.decode(&frame(LinkType::Ethernet, &lcp)).is_none());
    assert_eq!(d.stats().non_ip, 1);
}

/// An 802.11 data frame (QoS when `qos`) with LLC/SNAP around `ip`.
fn wifi(qos: bool, ip: &[u8]) -> Vec<u8> {
    let mut out = vec![if qos { 0x88 } else { 0x08 }, 0x01];
    out.extend_from_slice(&[0u8; 22]);
    if qos {
        out.extend_from_slice(&[0, 0]);
    }
    out.extend_from_slice(&[0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]);
    out.extend_from_slice(ip);
    out
}

#[test]
fn radiotap_and_plain_80211_data_frames_reach_ip() {
    // The shape of arkime_80211http.pcap (DLT 127, QoS data frames).
    let mut rt = vec![0, 0, 8, 0, 0, 0, 0, 0];
    rt.extend_from_slice(&wifi(true, &ipv4_tcp(BODY)));
    let mut d = decoder();
    assert!(d.decode(&frame(LinkType::Other(127), &rt)).is_some());
    assert!(d
        .decode(&frame(LinkType::Other(105), &wifi(false, &ipv4_tcp(BODY))))
        .is_some());
    // A protected (encrypted) data frame carries nothing readable.
    let mut protected = wifi(false, &ipv4_tcp(BODY));
    protected[1] |= 0x40;
    assert!(d.decode(&frame(LinkType::Other(105), &protected)).is_none());
    assert_eq!(d.stats().non_ip, 1);
}

#[test]
fn nflog_payload_tlv_carries_the_ip_packet() {
    // zeek_nflog-http.pcap: Linux NFLOG (DLT 239), TLVs in little-endian order,
    // a prefix TLV before the payload TLV (type 9).
    let ip = ipv4_tcp(BODY);
    let mut data = vec![2, 0, 0, 0];
    data.extend_from_slice(&[8, 0, 1, 0, 0x08, 0x00, 0, 0]);
    let len = u16::try_from(ip.len() + 4).expect("small");
    data.extend_from_slice(&len.to_le_bytes());
    data.extend_from_slice(&9u16.to_le_bytes());
    data.extend_from_slice(&ip);
    let mut d = decoder();
    let seg = d
        .decode(&frame(LinkType::Other(239), &data))
        .expect("a segment");
    assert_eq!(seg.payload, BODY);
    let cut = data.get(..10).expect("prefix").to_vec();
    assert!(d.decode(&frame(LinkType::Other(239), &cut)).is_none());
}
