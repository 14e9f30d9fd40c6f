//! IP layer: IPv4 and IPv6 headers (through etherparse's header slices),
//! IPv6 extension headers, and the facts fragment reassembly needs.

use super::DecodeError;
use etherparse::{err, IpAuthHeaderSlice, Ipv4HeaderSlice, Ipv6HeaderSlice, Ipv6RawExtHeaderSlice};
use std::net::IpAddr;

/// Where a fragment belongs in its datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct FragInfo {
    /// IPv4 identification or IPv6 fragment identification.
    pub id: u32,
    /// Offset of this fragment's data in the datagram payload, in bytes.
    pub offset: u32,
    /// More fragments follow.
    pub more: bool,
}

/// One IP packet, headers stripped.
#[derive(Clone, Copy, Debug)]
pub(super) struct IpPacket<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// Protocol of `payload` (after any extension headers).
    pub proto: u8,
    /// Payload bytes captured, without link-layer padding.
    pub payload: &'a [u8],
    /// Payload bytes the IP header announces but the capture lacks.
    pub missing: u32,
    /// Set when `payload` is one fragment of a larger datagram.
    pub frag: Option<FragInfo>,
}

/// Parses an IPv4 or IPv6 packet by its version nibble.
pub(super) fn parse_ip(data: &[u8]) -> Result<IpPacket<'_>, DecodeError> {
    match data.first().map(|b| b >> 4) {
        Some(4) => parse_ipv4(data),
        Some(6) => parse_ipv6(data),
        Some(_) => Err(DecodeError::BadIpVersion),
        None => Err(DecodeError::TruncatedIpv4),
    }
}

/// Splits `data` at the announced `total` length: bytes past it are link
/// padding (e.g. Ethernet's 60-byte minimum); bytes short of it are missing.
fn split_total(data: &[u8], header_len: usize, total: usize) -> (&[u8], u32) {
    let body = data.get(header_len..).unwrap_or_default();
    match total.checked_sub(header_len) {
        Some(want) if want <= body.len() => (body.get(..want).unwrap_or_default(), 0),
        Some(want) => (body, u32::try_from(want - body.len()).unwrap_or(u32::MAX)),
        None => (body, 0),
    }
}

fn parse_ipv4(data: &[u8]) -> Result<IpPacket<'_>, DecodeError> {
    let header = Ipv4HeaderSlice::from_slice(data).map_err(|e| match e {
        err::ipv4::HeaderSliceError::Len(_) => DecodeError::TruncatedIpv4,
        err::ipv4::HeaderSliceError::Content(err::ipv4::HeaderError::UnexpectedVersion {
            ..
        }) => DecodeError::BadIpVersion,
        err::ipv4::HeaderSliceError::Content(_) => DecodeError::BadIpHeaderLen,
    })?;
    let header_len = header.slice().len();
    let total = usize::from(header.total_len());
    // A zero total length is what TCP segmentation offload leaves in captures
    // taken on the sender: the captured length is all we have.
    let total = match total {
        0 => data.len(),
        t if t < header_len => return Err(DecodeError::BadIpTotalLen),
        t => t,
    };
    let (payload, missing) = split_total(data, header_len, total);
    let offset = u32::from(header.fragments_offset().value()) * 8;
    let more = header.more_fragments();
    let frag = (offset != 0 || more).then_some(FragInfo {
        id: u32::from(header.identification()),
        offset,
        more,
    });
    // An Authentication Header is skipped later, by `walk_extensions`, after
    // any reassembly: fragment offsets count from the first byte after the IP header.
    Ok(IpPacket {
        src: IpAddr::V4(header.source_addr()),
        dst: IpAddr::V4(header.destination_addr()),
        proto: header.protocol().0,
        payload,
        missing,
        frag,
    })
}

fn parse_ipv6(data: &[u8]) -> Result<IpPacket<'_>, DecodeError> {
    let header = Ipv6HeaderSlice::from_slice(data).map_err(|e| match e {
        err::ipv6::HeaderSliceError::Len(_) => DecodeError::TruncatedIpv6,
        err::ipv6::HeaderSliceError::Content(_) => DecodeError::BadIpVersion,
    })?;
    const HEADER_LEN: usize = 40;
    // Payload length 0 announces a jumbogram (RFC 2675) or, in sender-side
    // captures, an offloaded segment: use what was captured.
    let total = match usize::from(header.payload_length()) {
        0 => data.len(),
        n => HEADER_LEN + n,
    };
    let (body, missing) = split_total(data, HEADER_LEN, total);
    let ext = walk_extensions(header.next_header().0, body, true)?;
    Ok(IpPacket {
        src: IpAddr::V6(header.source_addr()),
        dst: IpAddr::V6(header.destination_addr()),
        proto: ext.proto,
        payload: ext.payload,
        missing,
        frag: ext.frag,
    })
}

/// The IPv6 Fragment header (RFC 8200 §4.5): next header, reserved byte, a
/// 16-bit word holding the offset in 8-byte units (top 13 bits) and the M
/// flag (lowest bit), then a 32-bit identification. Read by hand: etherparse
/// 0.16 takes the offset and M bits from the wrong positions (its issue #150).
/// Returns `None` for an atomic fragment (offset 0, M clear), which is a whole packet.
fn parse_ipv6_fragment(data: &[u8]) -> Result<(u8, Option<FragInfo>), DecodeError> {
    let h = data
        .first_chunk::<8>()
        .ok_or(DecodeError::BadIpv6Extension)?;
    let word = u16::from_be_bytes([h[2], h[3]]);
    let offset = u32::from(word >> 3) * 8;
    let more = word & 1 == 1;
    let frag = (offset != 0 || more).then(|| FragInfo {
        id: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
        offset,
        more,
    });
    Ok((h[0], frag))
}

/// The result of skipping extension headers.
#[derive(Clone, Copy, Debug)]
pub(super) struct Extensions<'a> {
    pub proto: u8,
    pub payload: &'a [u8],
    pub frag: Option<FragInfo>,
}

/// Extension headers followed before giving up.
const MAX_EXTENSIONS: usize = 16;

const HOP_BY_HOP: u8 = 0;
const ROUTING: u8 = 43;
const FRAGMENT: u8 = 44;
const AUTH: u8 = 51;
const DEST_OPTIONS: u8 = 60;

/// Skips IPv6 extension headers (RFC 8200 §4) and the IP Authentication
/// Header (RFC 4302, also in IPv4). Stops at a Fragment header that really
/// fragments the payload: the rest is fragment data, not headers.
pub(super) fn walk_extensions(
    mut proto: u8,
    mut data: &[u8],
    ipv6: bool,
) -> Result<Extensions<'_>, DecodeError> {
    for _ in 0..MAX_EXTENSIONS {
        let len = match (proto, ipv6) {
            (HOP_BY_HOP | ROUTING | DEST_OPTIONS, true) => {
                let ext = Ipv6RawExtHeaderSlice::from_slice(data)
                    .map_err(|_| DecodeError::BadIpv6Extension)?;
                proto = ext.next_header().0;
                ext.slice().len()
            }
            (FRAGMENT, true) => {
                let (next, frag) = parse_ipv6_fragment(data)?;
                proto = next;
                if let Some(frag) = frag {
                    return Ok(Extensions {
                        proto,
                        payload: data.get(8..).unwrap_or_default(),
                        frag: Some(frag),
                    });
                }
                8
            }
            (AUTH, _) => {
                let ext = IpAuthHeaderSlice::from_slice(data)
                    .map_err(|_| DecodeError::BadIpv6Extension)?;
                proto = ext.next_header().0;
                ext.slice().len()
            }
            _ => {
                return Ok(Extensions {
                    proto,
                    payload: data,
                    frag: None,
                })
            }
        };
        data = data.get(len..).unwrap_or_default();
    }
    Err(DecodeError::BadIpv6Extension)
}
