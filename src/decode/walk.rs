//! The layer walk: link → IP → (tunnel → link/IP)* → TCP, one step per layer,
//! with the number of peeled encapsulations bounded.

use super::frag::{FragKey, FragPool, Insert};
use super::ip::{parse_ip, walk_extensions};
use super::link::{ethernet, parse_link, Next};
use super::tunnel::{gre, udp, Udp};
use super::{Counters, DecodeError, MAX_TUNNEL_DEPTH};
use crate::model::{FlowKey, LinkType, SeqNum, TcpFlags, TcpSegment, Timestamp};
use etherparse::{err, TcpHeaderSlice};
use std::net::{IpAddr, SocketAddr};

/// Facts about the frame that every step needs.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ctx {
    pub ts: Timestamp,
    /// The snap length cut this frame: short headers are not malformed.
    pub snap_cut: bool,
}

/// IP facts carried to the transport step.
#[derive(Clone, Copy, Debug)]
pub(super) struct Transport {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: u8,
    pub missing: u32,
    pub depth: u32,
}

impl Transport {
    /// The transport layer over `data` (a reassembled datagram).
    pub(super) fn with_data(self, data: &[u8]) -> Layer<'_> {
        Layer::Transport(self, data)
    }
}

/// Where the walk stands.
#[derive(Clone, Copy, Debug)]
pub(super) enum Layer<'a> {
    /// A captured frame.
    Link(LinkType, &'a [u8]),
    /// An encapsulated Ethernet frame, at this tunnel depth.
    Ether(&'a [u8], u32),
    /// An IP packet, at this tunnel depth.
    Ip(&'a [u8], u32),
    /// An IP payload of `proto`.
    Transport(Transport, &'a [u8]),
}

/// How the walk ended.
#[derive(Debug)]
pub(super) enum Outcome<'a> {
    Segment(TcpSegment<'a>),
    /// A datagram was completed in the fragment pool; walk its payload next.
    Reassembled(Transport),
    /// Counted and skipped.
    Skip,
}

const TCP: u8 = 6;
const UDP: u8 = 17;
const GRE: u8 = 47;
const IPV4_IN_IP: u8 = 4;
const IPV6_IN_IP: u8 = 41;

/// Walks `start` down to a TCP segment. Fragments go to `frags`; with `None`
/// (walking a reassembled datagram) they are dropped as nested.
pub(super) fn walk<'a>(
    c: &mut Counters,
    mut frags: Option<&mut FragPool>,
    start: Layer<'a>,
    ctx: Ctx,
) -> Outcome<'a> {
    let mut layer = start;
    let mut decapsulated = false;
    // Each step either ends the walk or moves one layer inward; a tunnel step
    // raises the depth, which is bounded, so the loop ends.
    loop {
        let step = match layer {
            Layer::Link(link, data) => from_link(parse_link(link, data), 0),
            Layer::Ether(data, depth) => from_link(ethernet(data), depth),
            Layer::Ip(data, depth) => from_ip(c, frags.as_deref_mut(), data, depth, ctx),
            Layer::Transport(t, data) => from_transport(c, t, data, ctx),
        };
        match step {
            Ok(Step::Next(next)) => layer = next,
            Ok(Step::Done(outcome)) => return outcome,
            Ok(Step::NonIp) => {
                c.stats.non_ip += 1;
                return Outcome::Skip;
            }
            Ok(Step::NonTcp) => {
                c.stats.non_tcp += 1;
                return Outcome::Skip;
            }
            Err(e) => {
                fail(c, e, ctx);
                return Outcome::Skip;
            }
        }
        if let Layer::Ether(_, depth) | Layer::Ip(_, depth) = layer {
            if depth > 0 && !decapsulated {
                decapsulated = true;
                c.stats.decapsulated += 1;
            }
            if depth > MAX_TUNNEL_DEPTH {
                fail(c, DecodeError::TunnelTooDeep, ctx);
                return Outcome::Skip;
            }
        }
    }
}

/// Header cut short in a snaplen-cut frame: expected, not malformed.
fn fail(c: &mut Counters, e: DecodeError, ctx: Ctx) {
    let short = matches!(
        e,
        DecodeError::TruncatedLink
            | DecodeError::TruncatedIpv4
            | DecodeError::TruncatedIpv6
            | DecodeError::BadIpv6Extension
            | DecodeError::TruncatedTcp
            | DecodeError::BadTunnelHeader
    );
    if ctx.snap_cut && short {
        c.anomaly(DecodeError::SnaplenCutHeaders, ctx.ts);
    } else {
        c.malformed(e, ctx.ts);
    }
}

enum Step<'a> {
    Next(Layer<'a>),
    Done(Outcome<'a>),
    NonIp,
    NonTcp,
}

fn from_link(next: Result<Next<'_>, DecodeError>, depth: u32) -> Result<Step<'_>, DecodeError> {
    Ok(match next? {
        Next::Ip(data) => Step::Next(Layer::Ip(data, depth)),
        Next::Ether(data) => Step::Next(Layer::Ether(data, depth + 1)),
        Next::NonIp => Step::NonIp,
    })
}

fn from_ip<'a>(
    c: &mut Counters,
    frags: Option<&mut FragPool>,
    data: &'a [u8],
    depth: u32,
    ctx: Ctx,
) -> Result<Step<'a>, DecodeError> {
    let packet = parse_ip(data)?;
    let mut missing = packet.missing;
    if missing > 0 && !ctx.snap_cut {
        c.anomaly(DecodeError::IpLengthExceedsFrame, ctx.ts);
        missing = 0;
    }
    let transport = Transport {
        src: packet.src,
        dst: packet.dst,
        proto: packet.proto,
        missing,
        depth,
    };
    let Some(info) = packet.frag else {
        return Ok(Step::Next(Layer::Transport(transport, packet.payload)));
    };
    let Some(pool) = frags else {
        c.stats.fragments += 1;
        c.fragments_dropped(DecodeError::FragmentNested, 1, ctx.ts);
        return Ok(Step::Done(Outcome::Skip));
    };
    if missing > 0 {
        c.stats.fragments += 1;
        c.fragments_dropped(DecodeError::FragmentTruncated, 1, ctx.ts);
        return Ok(Step::Done(Outcome::Skip));
    }
    let key = FragKey {
        src: packet.src,
        dst: packet.dst,
        proto: packet.proto,
        id: info.id,
    };
    Ok(Step::Done(
        match pool.insert(ctx.ts, key, info, packet.payload, c) {
            Insert::Complete => {
                c.stats.fragments_reassembled += 1;
                Outcome::Reassembled(transport)
            }
            Insert::Pending | Insert::Dropped => Outcome::Skip,
        },
    ))
}

fn from_transport<'a>(
    c: &mut Counters,
    t: Transport,
    data: &'a [u8],
    ctx: Ctx,
) -> Result<Step<'a>, DecodeError> {
    let ext = walk_extensions(t.proto, data, t.src.is_ipv6())?;
    if ext.frag.is_some() {
        c.stats.fragments += 1;
        c.fragments_dropped(DecodeError::FragmentNested, 1, ctx.ts);
        return Ok(Step::Done(Outcome::Skip));
    }
    let (data, inner) = (ext.payload, t.depth + 1);
    Ok(match ext.proto {
        TCP => Step::Done(Outcome::Segment(tcp(t, data, ctx)?)),
        UDP => match udp(data)? {
            Udp::Tunnel(next) => tunnel_step(next, inner),
            Udp::Plain => Step::NonTcp,
        },
        GRE => tunnel_step(gre(data)?, inner),
        IPV4_IN_IP | IPV6_IN_IP => Step::Next(Layer::Ip(data, inner)),
        _ => Step::NonTcp,
    })
}

/// One encapsulation peeled: Ethernet frames count their own depth step.
fn tunnel_step(next: Next<'_>, depth: u32) -> Step<'_> {
    match next {
        Next::Ip(data) => Step::Next(Layer::Ip(data, depth)),
        Next::Ether(data) => Step::Next(Layer::Ether(data, depth)),
        Next::NonIp => Step::NonIp,
    }
}

fn tcp<'a>(t: Transport, data: &'a [u8], ctx: Ctx) -> Result<TcpSegment<'a>, DecodeError> {
    let header = TcpHeaderSlice::from_slice(data).map_err(|e| match e {
        err::tcp::HeaderSliceError::Len(_) => DecodeError::TruncatedTcp,
        err::tcp::HeaderSliceError::Content(_) => DecodeError::BadTcpDataOffset,
    })?;
    let payload = data.get(header.slice().len()..).unwrap_or_default();
    Ok(TcpSegment {
        ts: ctx.ts,
        key: FlowKey {
            src: SocketAddr::new(t.src, header.source_port()),
            dst: SocketAddr::new(t.dst, header.destination_port()),
        },
        seq: SeqNum(header.sequence_number()),
        ack: SeqNum(header.acknowledgment_number()),
        flags: TcpFlags(data.get(13).copied().unwrap_or(0)),
        payload,
        missing_tail: t.missing,
    })
}
