use super::{ConnId, Timestamp};
use std::net::{IpAddr, SocketAddr};

/// One end of a TCP connection.
pub type Endpoint = SocketAddr;

/// A TCP sequence number with wrapping comparison (RFC 9293 §3.4): `a < b` when
/// `b` is ahead of `a` by less than 2^31.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct SeqNum(pub u32);

impl SeqNum {
    /// `self + n` modulo 2^32.
    pub fn wrapping_add(self, n: u32) -> SeqNum {
        SeqNum(self.0.wrapping_add(n))
    }

    /// Signed distance `self - other` in sequence space.
    pub fn diff(self, other: SeqNum) -> i32 {
        self.0.wrapping_sub(other.0) as i32
    }

    /// True when `self` comes before `other` in sequence space.
    pub fn before(self, other: SeqNum) -> bool {
        self.diff(other) < 0
    }
}

/// TCP header flags as the raw flag byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    /// FIN bit.
    pub const FIN: u8 = 0x01;
    /// SYN bit.
    pub const SYN: u8 = 0x02;
    /// RST bit.
    pub const RST: u8 = 0x04;
    /// PSH bit.
    pub const PSH: u8 = 0x08;
    /// ACK bit.
    pub const ACK: u8 = 0x10;

    /// SYN set.
    pub fn syn(self) -> bool {
        self.0 & Self::SYN != 0
    }
    /// FIN set.
    pub fn fin(self) -> bool {
        self.0 & Self::FIN != 0
    }
    /// RST set.
    pub fn rst(self) -> bool {
        self.0 & Self::RST != 0
    }
    /// ACK set.
    pub fn ack(self) -> bool {
        self.0 & Self::ACK != 0
    }
}

/// Directional 4-tuple of a segment: `src` sent it to `dst`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowKey {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
}

impl FlowKey {
    /// The same flow seen from the other side.
    pub fn reversed(self) -> FlowKey {
        FlowKey {
            src: self.dst,
            dst: self.src,
        }
    }

    /// Sender address.
    pub fn src_ip(&self) -> IpAddr {
        self.src.ip()
    }
}

/// One TCP segment as decoded from a frame. `payload` borrows the frame (or the
/// decoder's fragment buffer) for the length of one feed.
#[derive(Clone, Copy, Debug)]
pub struct TcpSegment<'a> {
    /// Capture time of the frame.
    pub ts: Timestamp,
    /// Who sent it to whom.
    pub key: FlowKey,
    /// Sequence number of the first payload byte (or of the SYN).
    pub seq: SeqNum,
    /// Acknowledgement number (valid when `flags.ack()`).
    pub ack: SeqNum,
    /// Flags.
    pub flags: TcpFlags,
    /// Payload bytes actually captured.
    pub payload: &'a [u8],
    /// Payload bytes on the wire that snaplen cut off (0 normally); the
    /// reassembler treats them as a gap.
    pub missing_tail: u32,
}

/// Which way bytes travel. The client is whichever side sent the SYN; without a
/// SYN it is guessed (by port, then by the first message) and the guess recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the client to the server.
    ClientToServer,
    /// From the server to the client.
    ServerToClient,
}

impl Direction {
    /// The other direction.
    pub fn opposite(self) -> Direction {
        match self {
            Direction::ClientToServer => Direction::ServerToClient,
            Direction::ServerToClient => Direction::ClientToServer,
        }
    }

    /// 0 for client→server, 1 for server→client (for two-element arrays).
    pub fn index(self) -> usize {
        match self {
            Direction::ClientToServer => 0,
            Direction::ServerToClient => 1,
        }
    }
}

/// What the TCP stage tells the HTTP stage about one connection direction.
#[derive(Clone, Copy, Debug)]
pub struct StreamEvent<'a> {
    /// Connection.
    pub conn: ConnId,
    /// Direction of the bytes (for `Open`, always `ClientToServer`).
    pub dir: Direction,
    /// Capture time of the segment that caused the event.
    pub ts: Timestamp,
    /// What happened.
    pub kind: StreamEventKind<'a>,
}

/// Event kinds, in the order they are delivered for one direction: `Open` once
/// per connection first, then `Data`/`Gap` in stream order, then `Fin` or `Reset`,
/// and `Closed` once per connection last.
#[derive(Clone, Copy, Debug)]
pub enum StreamEventKind<'a> {
    /// A new connection. `client_guessed` is true when no SYN was seen.
    Open {
        /// Client endpoint.
        client: Endpoint,
        /// Server endpoint.
        server: Endpoint,
        /// No handshake seen: roles guessed.
        client_guessed: bool,
    },
    /// The next bytes of the stream, in order.
    Data(&'a [u8]),
    /// `len` bytes of the stream were never seen (lost, not captured, or evicted).
    Gap {
        /// Number of missing bytes.
        len: u64,
    },
    /// The sender closed its direction (FIN delivered in order).
    Fin,
    /// The connection was reset.
    Reset,
    /// The connection is gone from the flow table (after FIN/RST, idle timeout,
    /// eviction or end of input). Nothing more arrives for `conn`.
    Closed,
}
