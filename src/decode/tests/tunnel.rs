//! Tunnels: GRE, ERSPAN, VXLAN, TZSP, IP in IP, and the depth bound.

use super::*;
use crate::model::LinkType;

/// An outer IPv4 packet of protocol `proto` around `inner`.
fn outer_ipv4(proto: u8, inner: &[u8]) -> Vec<u8> {
    let total = (20 + inner.len()) as u16;
    let mut out = vec![0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto, 0, 0];
    out[2..4].copy_from_slice(&total.to_be_bytes());
    out.extend_from_slice(&[192, 0, 2, 1, 192, 0, 2, 2]);
    out.extend_from_slice(inner);
    out
}

fn gre(flags: u16, proto: u16, extra: &[u8], inner: &[u8]) -> Vec<u8> {
    let mut out = flags.to_be_bytes().to_vec();
    out.extend_from_slice(&proto.to_be_bytes());
    out.extend_from_slice(extra);
    out.extend_from_slice(inner);
    ether(0x0800, &outer_ipv4(47, &out))
}

fn decodes(data: &[u8]) -> Decoder {
    let mut d = decoder();
    assert_eq!(
        payload_of(&mut d, &frame(LinkType::Ethernet, data)).map(|p| p.0),
        Some(BODY.to_vec())
    );
    assert_eq!(d.stats().decapsulated, 1);
    d
}

#[test]
fn gre_carrying_ipv4_and_ipv6() {
    decodes(&gre(0, 0x0800, &[], &ipv4_tcp(BODY)));
    decodes(&gre(0, 0x86dd, &[], &ipv6_tcp(BODY)));
    // Checksum, key and sequence fields present (RFC 2890).
    decodes(&gre(0xb000, 0x0800, &[0; 12], &ipv4_tcp(BODY)));
}

#[test]
fn gre_transparent_ethernet_bridging() {
    // The shape of zeek_erspan-ntlm-sharepoint.pcap: key bit set, 0x6558.
    decodes(&gre(
        0x2000,
        0x6558,
        &[0; 4],
        &ether(0x0800, &ipv4_tcp(BODY)),
    ));
}

#[test]
fn erspan_types_one_two_and_three() {
    let inner = ether(0x0800, &ipv4_tcp(BODY));
    decodes(&gre(0, 0x88be, &[], &inner));
    let mut type2 = vec![0x10, 0x01, 0x00, 0x05, 0, 0, 0, 0];
    type2.extend_from_slice(&inner);
    decodes(&gre(0x1000, 0x88be, &[0, 0, 0, 7], &type2));
    let mut type3 = vec![0x20, 0x01, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 0];
    type3.extend_from_slice(&inner);
    decodes(&gre(0x1000, 0x22eb, &[0, 0, 0, 7], &type3));
    let mut type3_sub = vec![0x20, 0x01, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 1];
    type3_sub.extend_from_slice(&[0xee; 8]);
    type3_sub.extend_from_slice(&inner);
    decodes(&gre(0x1000, 0x22eb, &[0, 0, 0, 7], &type3_sub));
}

#[test]
fn vxlan_on_its_port() {
    let mut body = vec![0x08, 0, 0, 0, 0, 0, 42, 0];
    body.extend_from_slice(&ether(0x0800, &ipv4_tcp(BODY)));
    decodes(&ether(0x0800, &ipv4_udp(50000, 4789, &body)));
    // Without the I flag the header is invalid.
    body[0] = 0;
    let mut d = decoder();
    let data = ether(0x0800, &ipv4_udp(50000, 4789, &body));
    assert!(d.decode(&frame(LinkType::Ethernet, &data)).is_none());
    assert_eq!(anomaly(&d, "decode_bad_tunnel_header"), 1);
}

fn tzsp(inner: &[u8]) -> Vec<u8> {
    let mut body = vec![1, 0, 0, 1, 0, 10, 2, 0xab, 0xcd, 1];
    body.extend_from_slice(inner);
    body
}

#[test]
fn tzsp_on_its_port_and_recognised_elsewhere() {
    // lwerdna_simple_http_tzsp.pcapng sends TZSP to port 31337.
    let body = tzsp(&ether(0x0800, &ipv4_tcp(BODY)));
    decodes(&ether(0x0800, &ipv4_udp(55310, 37008, &body)));
    decodes(&ether(0x0800, &ipv4_udp(55310, 31337, &body)));
    // Plain UDP that does not look like TZSP stays plain.
    let mut d = decoder();
    let data = ether(0x0800, &ipv4_udp(55310, 31337, b"\x01\x00\x00\x01junk"));
    assert!(d.decode(&frame(LinkType::Ethernet, &data)).is_none());
    assert_eq!(d.stats().non_tcp, 1);
}

#[test]
fn ip_in_ip() {
    decodes(&ether(0x0800, &outer_ipv4(4, &ipv4_tcp(BODY))));
    decodes(&ether(0x0800, &outer_ipv4(41, &ipv6_tcp(BODY))));
}

#[test]
fn tunnels_nested_too_deep_are_dropped() {
    let mut inner = ipv4_tcp(BODY);
    for _ in 0..4 {
        inner = outer_ipv4(4, &inner);
    }
    let mut d = decoder();
    assert!(d.decode(&frame(LinkType::RawIp, &inner)).is_some());
    let deeper = outer_ipv4(4, &inner);
    assert!(d.decode(&frame(LinkType::RawIp, &deeper)).is_none());
    assert_eq!(anomaly(&d, "decode_tunnel_too_deep"), 1);
}

#[test]
fn truncated_gre_header_is_malformed() {
    let data = ether(0x0800, &outer_ipv4(47, &[0x00]));
    let mut d = decoder();
    assert!(d.decode(&frame(LinkType::Ethernet, &data)).is_none());
    assert_eq!(anomaly(&d, "decode_bad_tunnel_header"), 1);
    assert_eq!(d.stats().malformed, 1);
}

#[test]
fn tzsp_with_vlan_inside_decodes() {
    // The unmutated frame of the `mutated_frames_never_panic` property.
    let mut tagged = vec![0, 1, 0x08, 0x00];
    tagged.extend_from_slice(&ipv4_tcp(BODY));
    let mut inner = vec![1, 0, 0, 1, 1];
    inner.extend_from_slice(&ether(0x8100, &tagged));
    decodes(&ether(0x0800, &ipv4_udp(1, 37008, &inner)));
}

#[test]
fn gtpu_with_and_without_optional_fields() {
    // The shape of ndpi_http_origin_different_than_host.pcap: GTP-U on 2152.
    let mut plain = vec![0x30, 0xff, 0, 0, 0, 0, 0, 9];
    plain.extend_from_slice(&ipv4_tcp(BODY));
    decodes(&ether(0x0800, &ipv4_udp(2152, 2152, &plain)));
    // Sequence flag plus one 4-byte extension header (PDU session container).
    let mut ext = vec![0x34, 0xff, 0, 0, 0, 0, 0, 9, 0, 1, 0, 0x85];
    ext.extend_from_slice(&[1, 0x10, 0x05, 0]);
    ext.extend_from_slice(&ipv4_tcp(BODY));
    decodes(&ether(0x0800, &ipv4_udp(40000, 2152, &ext)));
    // A GTP-C-like message type is plain UDP, not a tunnel.
    let mut d = decoder();
    let other = ether(
        0x0800,
        &ipv4_udp(2152, 2152, &[0x32, 0x01, 0, 4, 0, 0, 0, 0]),
    );
    assert!(d.decode(&frame(LinkType::Ethernet, &other)).is_none());
    assert_eq!(d.stats().malformed, 0);
}
