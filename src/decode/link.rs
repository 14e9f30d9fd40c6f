//! Link layers: from a frame (or an encapsulated Ethernet frame) to the start
//! of the IP packet. Small fixed headers, read by hand so that VLAN tags and
//! MPLS labels can nest to any (bounded) depth.

use super::DecodeError;
use crate::model::LinkType;

/// What comes after a link-layer header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Next<'a> {
    /// An IPv4 or IPv6 packet (the version nibble decides).
    Ip(&'a [u8]),
    /// A whole Ethernet frame (pseudowire, bridged tunnel payload).
    Ether(&'a [u8]),
    /// Something that is not IP (ARP, LLDP, an unsupported link type).
    NonIp,
}

/// VLAN tags plus MPLS labels followed in one frame.
const MAX_TAGS: usize = 16;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_TEB: u16 = 0x6558;
const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;
const DLT_IEEE802_11: u32 = 105;
const DLT_RADIOTAP: u32 = 127;
const DLT_NFLOG: u32 = 239;

fn be16(d: &[u8], at: usize) -> Option<u16> {
    d.get(at..)?
        .first_chunk::<2>()
        .map(|b| u16::from_be_bytes(*b))
}

/// Dispatches on the capture's link type.
pub(super) fn parse_link(link: LinkType, data: &[u8]) -> Result<Next<'_>, DecodeError> {
    match link {
        LinkType::Ethernet => ethernet(data),
        LinkType::Null | LinkType::Loop => bsd_loopback(data),
        LinkType::RawIp | LinkType::Ipv4 | LinkType::Ipv6 => Ok(Next::Ip(data)),
        LinkType::LinuxSll => linux_sll(data),
        LinkType::LinuxSll2 => linux_sll2(data),
        LinkType::Other(DLT_IEEE802_11) => ieee80211(data),
        LinkType::Other(DLT_RADIOTAP) => radiotap(data),
        LinkType::Other(DLT_NFLOG) => nflog(data),
        LinkType::Other(_) => Ok(Next::NonIp),
    }
}

/// Ethernet II (IEEE 802.3 with an 802.2 SNAP header is followed too).
pub(super) fn ethernet(data: &[u8]) -> Result<Next<'_>, DecodeError> {
    let ether_type = be16(data, 12).ok_or(DecodeError::TruncatedLink)?;
    let rest = data.get(14..).unwrap_or_default();
    if ether_type <= 1500 {
        return llc_snap(rest);
    }
    ether_dispatch(ether_type, rest)
}

/// 802.2 LLC with a SNAP header of OUI 0 carries an EtherType (RFC 1042).
fn llc_snap(rest: &[u8]) -> Result<Next<'_>, DecodeError> {
    match rest.get(..6) {
        Some([0xaa, 0xaa, 0x03, 0, 0, 0]) => {
            let ether_type = be16(rest, 6).ok_or(DecodeError::TruncatedLink)?;
            ether_dispatch(ether_type, rest.get(8..).unwrap_or_default())
        }
        _ => Ok(Next::NonIp),
    }
}

/// Follows an EtherType through VLAN tags (802.1Q, 802.1ad and the older QinQ
/// types) and MPLS label stacks to IP.
pub(super) fn ether_dispatch(
    mut ether_type: u16,
    mut rest: &[u8],
) -> Result<Next<'_>, DecodeError> {
    for _ in 0..MAX_TAGS {
        match ether_type {
            ETHERTYPE_IPV4 | ETHERTYPE_IPV6 => return Ok(Next::Ip(rest)),
            ETHERTYPE_TEB => return Ok(Next::Ether(rest)),
            0x8100 | 0x88a8 | 0x9100 | 0x9200 | 0x9300 => {
                ether_type = be16(rest, 2).ok_or(DecodeError::TruncatedLink)?;
                rest = rest.get(4..).unwrap_or_default();
            }
            0x8847 | 0x8848 => return mpls(rest),
            ETHERTYPE_PPPOE_SESSION => return pppoe_session(rest),
            _ => return Ok(Next::NonIp),
        }
    }
    Err(DecodeError::TooManyTags)
}

/// An MPLS label stack (RFC 3032 §2.1): 4-byte entries up to the one with the
/// bottom-of-stack bit. What follows is not typed; like other dissectors we
/// look at the first nibble: 4 or 6 is IP, 0 is a pseudowire control word
/// (RFC 4385) before an Ethernet frame, anything else an Ethernet frame.
fn mpls(mut rest: &[u8]) -> Result<Next<'_>, DecodeError> {
    for _ in 0..MAX_TAGS {
        let entry = rest.first_chunk::<4>().ok_or(DecodeError::TruncatedLink)?;
        let bottom = entry[2] & 1 == 1;
        rest = rest.get(4..).unwrap_or_default();
        if bottom {
            return Ok(match rest.first().map(|b| b >> 4) {
                Some(4) | Some(6) => Next::Ip(rest),
                Some(0) => Next::Ether(rest.get(4..).unwrap_or_default()),
                Some(_) => Next::Ether(rest),
                None => Next::NonIp,
            });
        }
    }
    Err(DecodeError::TooManyTags)
}

/// BSD loopback: a 4-byte address family in the byte order of the capturing
/// host (DLT_NULL) or network order (DLT_LOOP); both are accepted either way.
/// AF_INET6 is 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (macOS) or 10 (Linux).
fn bsd_loopback(data: &[u8]) -> Result<Next<'_>, DecodeError> {
    let head = data.first_chunk::<4>().ok_or(DecodeError::TruncatedLink)?;
    let mut family = u32::from_le_bytes(*head);
    if family > 0xffff {
        family = family.swap_bytes();
    }
    let rest = data.get(4..).unwrap_or_default();
    match family {
        2 | 10 | 24 | 28 | 30 => Ok(Next::Ip(rest)),
        _ => Ok(Next::NonIp),
    }
}

/// ARPHRD_NETLINK: the protocol field is a netlink family, not an EtherType.
const ARPHRD_NETLINK: u16 = 824;

/// Linux cooked capture v1: 16 bytes, protocol (EtherType) last.
fn linux_sll(data: &[u8]) -> Result<Next<'_>, DecodeError> {
    let hatype = be16(data, 2).ok_or(DecodeError::TruncatedLink)?;
    let protocol = be16(data, 14).ok_or(DecodeError::TruncatedLink)?;
    cooked_payload(hatype, protocol, data.get(16..).unwrap_or_default())
}

/// Linux cooked capture v2: 20 bytes, protocol (EtherType) first.
fn linux_sll2(data: &[u8]) -> Result<Next<'_>, DecodeError> {
    let protocol = be16(data, 0).ok_or(DecodeError::TruncatedLink)?;
    let hatype = be16(data, 8).ok_or(DecodeError::TruncatedLink)?;
    if data.len() < 20 {
        return Err(DecodeError::TruncatedLink);
    }
    cooked_payload(hatype, protocol, data.get(20..).unwrap_or_default())
}

/// Protocol values below 0x0600 are Linux pseudo-types (802.2 LLC, CAN, ...).
fn cooked_payload(hatype: u16, protocol: u16, rest: &[u8]) -> Result<Next<'_>, DecodeError> {
    if hatype == ARPHRD_NETLINK || protocol < 0x0600 {
        return Ok(Next::NonIp);
    }
    ether_dispatch(protocol, rest)
}

/// PPPoE session stage (RFC 2516 §4): a 6-byte header, then a PPP protocol
/// number (RFC 1661 §2): 0x0021 is IPv4, 0x0057 IPv6.
fn pppoe_session(rest: &[u8]) -> Result<Next<'_>, DecodeError> {
    let proto = be16(rest, 6).ok_or(DecodeError::TruncatedLink)?;
    let ip = rest.get(8..).unwrap_or_default();
    Ok(match proto {
        0x0021 | 0x0057 => Next::Ip(ip),
        _ => Next::NonIp,
    })
}

/// Linux NFLOG (libpcap's LINKTYPE_NFLOG): a 4-byte header (family, version,
/// resource id), then TLVs whose length and type are in the capturing host's
/// byte order (little-endian on the machines that write them; big-endian is
/// tried when the little-endian length cannot be right). Each TLV is padded to
/// 4 bytes; type 9 (NFULA_PAYLOAD) holds the IP packet.
fn nflog(data: &[u8]) -> Result<Next<'_>, DecodeError> {
    let mut rest = data.get(4..).ok_or(DecodeError::TruncatedLink)?;
    for _ in 0..64 {
        let &[a, b, c, d] = rest.first_chunk::<4>().ok_or(DecodeError::TruncatedLink)?;
        let fits = |len: u16| len >= 4 && usize::from(len) <= rest.len();
        let le = (u16::from_le_bytes([a, b]), u16::from_le_bytes([c, d]));
        let be = (u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d]));
        let (len, kind) = if fits(le.0) { le } else { be };
        if !fits(len) {
            return Err(DecodeError::TruncatedLink);
        }
        let len = usize::from(len);
        if kind & 0x7fff == 9 {
            return Ok(Next::Ip(rest.get(4..len).unwrap_or_default()));
        }
        rest = rest.get((len + 3) & !3..).unwrap_or_default();
        if rest.is_empty() {
            break;
        }
    }
    Ok(Next::NonIp)
}

/// Radiotap: a little-endian header length at offset 2, then an 802.11 frame.
fn radiotap(data: &[u8]) -> Result<Next<'_>, DecodeError> {
    let &[_, _, a, b] = data.first_chunk::<4>().ok_or(DecodeError::TruncatedLink)?;
    let len = usize::from(u16::from_le_bytes([a, b]));
    ieee80211(data.get(len..).ok_or(DecodeError::TruncatedLink)?)
}

/// IEEE 802.11 data frames (type 2) that are not protected: a 24-byte header,
/// plus the fourth address when both DS bits are set and the QoS field for
/// QoS subtypes, then 802.2 LLC/SNAP. Management, control and encrypted frames
/// carry no IP we can read.
fn ieee80211(data: &[u8]) -> Result<Next<'_>, DecodeError> {
    let &[fc0, flags] = data.first_chunk::<2>().ok_or(DecodeError::TruncatedLink)?;
    let kind = (fc0 >> 2) & 3;
    if kind != 2 || flags & 0x40 != 0 {
        return Ok(Next::NonIp);
    }
    let mut len = 24;
    if flags & 3 == 3 {
        len += 6;
    }
    if fc0 & 0x80 != 0 {
        len += 2;
    }
    llc_snap(data.get(len..).ok_or(DecodeError::TruncatedLink)?)
}
