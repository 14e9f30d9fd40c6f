use super::{HttpExchange, Timestamp};
use serde::Serialize;

/// Link-layer framing of a captured packet, converted from the DLT number in
/// `source` so that later stages never see libpcap's numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// DLT_EN10MB.
    Ethernet,
    /// DLT_NULL: BSD loopback, 4-byte host-order address family.
    Null,
    /// DLT_LOOP: OpenBSD loopback, 4-byte network-order address family.
    Loop,
    /// DLT_RAW / LINKTYPE_RAW: a bare IPv4 or IPv6 packet.
    RawIp,
    /// LINKTYPE_IPV4.
    Ipv4,
    /// LINKTYPE_IPV6.
    Ipv6,
    /// DLT_LINUX_SLL: Linux cooked capture v1.
    LinuxSll,
    /// DLT_LINUX_SLL2: Linux cooked capture v2 (the `any` device).
    LinuxSll2,
    /// Anything else, by DLT number: counted and skipped.
    Other(u32),
}

impl LinkType {
    /// Maps a pcap DLT / LINKTYPE number to our enum.
    pub fn from_dlt(dlt: u32) -> LinkType {
        match dlt {
            0 => LinkType::Null,
            1 => LinkType::Ethernet,
            12 | 14 | 101 => LinkType::RawIp,
            108 => LinkType::Loop,
            113 => LinkType::LinuxSll,
            228 => LinkType::Ipv4,
            229 => LinkType::Ipv6,
            276 => LinkType::LinuxSll2,
            other => LinkType::Other(other),
        }
    }
}

/// One captured packet. `data` is borrowed from the source's buffer for the
/// duration of one `Engine::feed` call; stages copy only what they must keep.
#[derive(Clone, Copy, Debug)]
pub struct RawFrame<'a> {
    /// Capture timestamp.
    pub ts: Timestamp,
    /// How to read `data`.
    pub link_type: LinkType,
    /// The captured bytes (possibly truncated by the snap length).
    pub data: &'a [u8],
    /// Length of the packet on the wire; larger than `data.len()` when snaplen cut it.
    pub orig_len: u32,
}

/// What a source hands to the engine.
#[derive(Debug)]
pub enum SourceItem<'a> {
    /// A packet, for the decode stage.
    Frame(RawFrame<'a>),
    /// A ready exchange (HAR), entering at the http → auth boundary.
    Exchange(Box<HttpExchange>),
}

/// The kind of an input, as sniffed from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// Classic libpcap file.
    Pcap,
    /// pcapng file.
    Pcapng,
    /// HTTP Archive JSON.
    Har,
    /// Live interface.
    Live,
    /// A pcap stream on standard input.
    Stdin,
}

/// Per-source counters, reported as `sources[]` in JSON.
#[derive(Clone, Debug, Serialize)]
pub struct SourceStats {
    /// File path, `-` for stdin, or the interface name.
    pub path: String,
    /// What was read.
    pub kind: SourceKind,
    /// Packets (or HAR entries) read.
    pub packets: u64,
    /// Bytes read (captured bytes, or HAR file bytes).
    pub bytes: u64,
    /// Packets dropped by us (queue full) plus, for live capture, by libpcap/kernel.
    pub dropped: u64,
    /// Kernel/libpcap drops alone (live capture), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel_dropped: Option<u64>,
    /// Entries or records that could not be read and were skipped.
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl SourceStats {
    /// Fresh counters for a source.
    pub fn new(path: impl Into<String>, kind: SourceKind) -> Self {
        SourceStats {
            path: path.into(),
            kind,
            packets: 0,
            bytes: 0,
            dropped: 0,
            kernel_dropped: None,
            skipped: 0,
        }
    }
}
