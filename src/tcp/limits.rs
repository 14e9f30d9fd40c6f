//! Fixed bounds of the TCP stage and the port-based role guess. Owns the
//! constants that `TcpConfig` does not expose and the table of server ports.
//! Receives port numbers; emits which side is the server. Must not keep any
//! per-connection state.

use crate::model::Endpoint;

/// Out-of-order chunks kept per direction, whatever their size: bounds the
/// bookkeeping overhead when many tiny segments arrive around holes.
pub(super) const MAX_CHUNKS_PER_DIR: usize = 1024;

/// Bytes charged against the buffer caps for each out-of-order chunk, on top
/// of its data, so that many tiny chunks cannot exceed the caps in bookkeeping.
pub(super) const CHUNK_COST: usize = 64;

/// A segment or ACK further ahead than this (bytes) is not treated as part of
/// the stream: TCP windows never exceed 2^30 bytes (RFC 7323 §2.3).
pub(super) const MAX_AHEAD_BYTES: i64 = 1 << 30;

/// How long a closed 4-tuple is remembered so late retransmissions do not open
/// a mid-stream connection (Linux keeps TIME-WAIT for 60 s).
pub(super) const TIME_WAIT_MICROS: i64 = 60_000_000;

/// Ports that usually belong to an HTTP server or proxy.
const WELL_KNOWN_SERVER_PORTS: [u16; 13] = [
    80, 8080, 8000, 8008, 8888, 3000, 5000, 443, 8443, 3128, 81, 8081, 9000,
];

/// A set over all 65,536 ports, one bit each.
#[derive(Clone)]
pub(super) struct ServerPorts {
    bits: Box<[u64]>,
}

impl ServerPorts {
    /// The well-known ports plus `extra`.
    pub(super) fn new(extra: &[u16]) -> Self {
        let mut set = ServerPorts {
            bits: vec![0u64; 1024].into_boxed_slice(),
        };
        for &p in WELL_KNOWN_SERVER_PORTS.iter().chain(extra) {
            if let Some(word) = set.bits.get_mut(usize::from(p >> 6)) {
                *word |= 1u64 << (p & 63);
            }
        }
        set
    }

    /// True when `port` is a server port.
    pub(super) fn contains(&self, port: u16) -> bool {
        self.bits
            .get(usize::from(port >> 6))
            .is_some_and(|w| w & (1u64 << (port & 63)) != 0)
    }

    /// Guesses which of `a` (sender of the first segment seen) and `b` is the
    /// client when no handshake was seen: a server port wins, then the lower
    /// port; on a tie the receiver is taken as the server.
    pub(super) fn guess_client(&self, a: Endpoint, b: Endpoint) -> (Endpoint, Endpoint) {
        match (self.contains(a.port()), self.contains(b.port())) {
            (true, false) => (b, a),
            (false, true) => (a, b),
            _ if a.port() < b.port() => (b, a),
            _ => (a, b),
        }
    }
}

impl std::fmt::Debug for ServerPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count: u32 = self.bits.iter().map(|w| w.count_ones()).sum();
        write!(f, "ServerPorts({count} ports)")
    }
}
