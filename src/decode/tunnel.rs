//! Tunnels: GRE (with ERSPAN types I, II and III), VXLAN, GTP-U and TZSP, peeled to
//! the Ethernet frame or IP packet they carry.

use super::link::{ether_dispatch, Next};
use super::DecodeError;
use etherparse::UdpHeaderSlice;

/// VXLAN's IANA port (RFC 7348 §5).
const VXLAN_PORT: u16 = 4789;
/// GTP-U's port (3GPP TS 29.281 §4.4.2.3).
const GTPU_PORT: u16 = 2152;
/// TZSP's usual port.
const TZSP_PORT: u16 = 37008;

fn be16(d: &[u8], at: usize) -> Option<u16> {
    d.get(at..)?
        .first_chunk::<2>()
        .map(|b| u16::from_be_bytes(*b))
}

/// GRE (RFC 2784, key and sequence fields of RFC 2890). Version 1 (PPTP) and
/// source-routed GRE (RFC 1701) carry no IP we follow.
pub(super) fn gre(data: &[u8]) -> Result<Next<'_>, DecodeError> {
    let flags = be16(data, 0).ok_or(DecodeError::BadTunnelHeader)?;
    let proto = be16(data, 2).ok_or(DecodeError::BadTunnelHeader)?;
    if flags & 0x0007 != 0 || flags & 0x4000 != 0 {
        return Ok(Next::NonIp);
    }
    let has_seq = flags & 0x1000 != 0;
    let optional = [0x8000u16, 0x2000, 0x1000]
        .iter()
        .filter(|bit| flags & **bit != 0)
        .count();
    let rest = data
        .get(4 + 4 * optional..)
        .ok_or(DecodeError::BadTunnelHeader)?;
    match proto {
        // ERSPAN type II has an 8-byte header and sets the sequence bit; type I
        // (no sequence bit) puts the mirrored frame right after GRE.
        0x88be if has_seq => rest
            .get(8..)
            .map(Next::Ether)
            .ok_or(DecodeError::BadTunnelHeader),
        0x88be => Ok(Next::Ether(rest)),
        0x22eb => erspan3(rest),
        _ => ether_dispatch(proto, rest),
    }
}

/// ERSPAN type III: 12-byte header, plus an 8-byte platform-specific
/// subheader when the O flag (lowest bit of the last byte) is set.
fn erspan3(rest: &[u8]) -> Result<Next<'_>, DecodeError> {
    let last = *rest.get(11).ok_or(DecodeError::BadTunnelHeader)?;
    let skip = if last & 1 == 1 { 20 } else { 12 };
    rest.get(skip..)
        .map(Next::Ether)
        .ok_or(DecodeError::BadTunnelHeader)
}

/// A UDP datagram: a tunnel we peel, or plain UDP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Udp<'a> {
    /// An encapsulated frame or packet.
    Tunnel(Next<'a>),
    /// Anything else.
    Plain,
}

/// Looks inside UDP for VXLAN (by port) and TZSP (by port, or by a strict
/// header check on other ports since TZSP senders often pick their own).
pub(super) fn udp(data: &[u8]) -> Result<Udp<'_>, DecodeError> {
    let header = UdpHeaderSlice::from_slice(data).map_err(|_| DecodeError::BadTunnelHeader)?;
    let body = data.get(8..).unwrap_or_default();
    let dst = header.destination_port();
    if dst == VXLAN_PORT {
        return vxlan(body).map(Udp::Tunnel);
    }
    if dst == GTPU_PORT || header.source_port() == GTPU_PORT {
        return Ok(gtpu(body).map_or(Udp::Plain, |ip| Udp::Tunnel(Next::Ip(ip))));
    }
    match tzsp(body) {
        Some(inner) => Ok(Udp::Tunnel(Next::Ether(inner))),
        None if dst == TZSP_PORT => Err(DecodeError::BadTunnelHeader),
        None => Ok(Udp::Plain),
    }
}

/// VXLAN (RFC 7348 §5): 8-byte header with the I flag, then Ethernet.
fn vxlan(body: &[u8]) -> Result<Next<'_>, DecodeError> {
    match body.first() {
        Some(flags) if flags & 0x08 != 0 => body
            .get(8..)
            .map(Next::Ether)
            .ok_or(DecodeError::BadTunnelHeader),
        _ => Err(DecodeError::BadTunnelHeader),
    }
}

/// Extension headers followed in one GTP-U header.
const MAX_GTP_EXTENSIONS: usize = 8;

/// GTPv1-U G-PDU (3GPP TS 29.281 §5.1): an 8-byte header, 4 more bytes when
/// any of the E, S or PN flags is set, then the extension headers (length in
/// 4-byte units, next type in the last byte), then the user's IP packet.
fn gtpu(body: &[u8]) -> Option<&[u8]> {
    let flags = *body.first()?;
    if flags >> 5 != 1 || flags & 0x10 == 0 || *body.get(1)? != 0xff {
        return None;
    }
    if flags & 0x07 == 0 {
        return body.get(8..);
    }
    let mut next = *body.get(11)?;
    let mut rest = body.get(12..)?;
    for _ in 0..MAX_GTP_EXTENSIONS {
        if next == 0 {
            return Some(rest);
        }
        let len = usize::from(*rest.first()?) * 4;
        if len == 0 {
            return None;
        }
        next = *rest.get(len - 1)?;
        rest = rest.get(len..)?;
    }
    None
}

/// Tagged fields followed before giving up.
const MAX_TZSP_TAGS: usize = 64;

/// TZSP version 1, type "received" or "transmit", encapsulating Ethernet:
/// a 4-byte header, tagged fields up to the END tag, then the frame. Returns
/// the frame only when it starts like Ethernet carrying IP.
fn tzsp(body: &[u8]) -> Option<&[u8]> {
    let head = body.first_chunk::<4>()?;
    if head[0] != 1 || head[1] > 1 || be16(head, 2)? != 1 {
        return None;
    }
    let mut rest = body.get(4..)?;
    for _ in 0..MAX_TZSP_TAGS {
        match *rest.first()? {
            0 => rest = rest.get(1..)?,
            1 => {
                let frame = rest.get(1..)?;
                let ether_type = be16(frame, 12)?;
                return matches!(ether_type, 0x0800 | 0x86dd | 0x8100 | 0x88a8).then_some(frame);
            }
            _ => {
                let len = usize::from(*rest.get(1)?);
                rest = rest.get(2 + len..)?;
            }
        }
    }
    None
}
