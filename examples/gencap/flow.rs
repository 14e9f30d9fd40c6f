//! One simulated TCP connection (RFC 9293): handshake, keep-alive HTTP
//! exchanges cut into MSS-sized segments with delayed ACKs, then a FIN close.
//! Owns the connection's sequence numbers, its scenario state, the bytes of the
//! current exchange and the queue of segments not yet written; receives a PRNG
//! and the reorder/retransmit odds; emits one `Pkt` at a time; must not write
//! to the capture itself or keep more than one exchange in memory.

use super::rng::Rng;
use super::scenario::{self, Client, Conversation, Exchange};
use super::wire::{Endpoint, Segment, ACK, FIN, PSH, SYN};
use std::collections::VecDeque;

pub const MSS: usize = 1460;
const CLIENT_WINDOW: u16 = 64_240;
const SERVER_WINDOW: u16 = 65_160;

/// Where a segment's payload lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Src {
    None,
    Request,
    Response,
}

/// A queued segment: header fields plus a byte range of the exchange buffers.
#[derive(Clone, Copy, Debug)]
pub struct Pkt {
    from_client: bool,
    seq: u32,
    ack: u32,
    flags: u8,
    src: Src,
    start: usize,
    len: usize,
    retransmitted: bool,
}

impl Pkt {
    fn control(from_client: bool, seq: u32, ack: u32, flags: u8) -> Self {
        let src = Src::None;
        Self {
            from_client,
            seq,
            ack,
            flags,
            src,
            start: 0,
            len: 0,
            retransmitted: false,
        }
    }

    fn has_data(&self) -> bool {
        self.len > 0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Handshake,
    Open,
    Done,
}

/// What happened while producing a packet, for the summary.
#[derive(Debug, Default, Clone, Copy)]
pub struct Events {
    /// The segment carries payload.
    pub data: bool,
    /// It could have been swapped with the next one (same side, also data).
    pub swappable: bool,
    pub reordered: bool,
    pub retransmitted: bool,
    /// This packet is a SYN that opens a connection.
    pub opened: bool,
    pub status: Option<u16>,
}

/// Invariant: `client_next`/`server_next` are the next sequence numbers each
/// side will send; every queued segment's range lies inside `req` or `resp`.
pub struct Conn {
    client: Endpoint,
    server: Endpoint,
    host: &'static str,
    who: Client,
    conv: Conversation,
    client_next: u32,
    server_next: u32,
    exchanges_left: u32,
    phase: Phase,
    req: Vec<u8>,
    resp: Vec<u8>,
    queue: VecDeque<Pkt>,
}

impl Conn {
    pub fn new(who: Client, client_port: u16, rng: &mut Rng) -> Self {
        let server = &scenario::SERVERS[who.profile.server(rng) % scenario::SERVERS.len()];
        let ip = client_ip(who.index);
        Self {
            client: Endpoint {
                mac: mac(0x02, ip),
                ip,
                port: client_port,
            },
            server: Endpoint {
                mac: mac(0x06, server.ip),
                ip: server.ip,
                port: server.port,
            },
            host: server.host,
            exchanges_left: who.profile.exchanges(rng),
            who,
            conv: Conversation::default(),
            client_next: rng.next_u32(),
            server_next: rng.next_u32(),
            phase: Phase::Handshake,
            req: Vec::with_capacity(2048),
            resp: Vec::with_capacity(16 * 1024),
            queue: VecDeque::with_capacity(32),
        }
    }

    /// The next segment to write, or `None` once the connection is closed.
    /// With `stopping`, no new connection starts and no new exchange begins.
    /// `odds` are the chances that a swappable segment is swapped with its
    /// successor and that a data segment is retransmitted.
    pub fn next_pkt(
        &mut self,
        rng: &mut Rng,
        odds: (f64, f64),
        stopping: bool,
        now_secs: u64,
    ) -> Option<(Pkt, Events)> {
        let mut events = Events::default();
        if self.queue.is_empty() {
            events.status = self.refill(rng, stopping, now_secs);
        }
        let mut pkt = self.queue.pop_front()?;
        let (reorder, retransmit) = odds;
        events.opened = pkt.flags == SYN;
        events.data = pkt.has_data();
        if let Some(next) = self.queue.front().copied() {
            events.swappable =
                pkt.has_data() && next.has_data() && next.from_client == pkt.from_client;
            if events.swappable && rng.chance(reorder) {
                self.queue[0] = pkt;
                pkt = next;
                events.reordered = true;
            }
        }
        if pkt.has_data() && !pkt.retransmitted && rng.chance(retransmit) {
            let copy = Pkt {
                retransmitted: true,
                ..pkt
            };
            self.queue.insert(self.queue.len().min(2), copy);
            events.retransmitted = true;
        }
        Some((pkt, events))
    }

    /// The wire form of `pkt`; its payload borrows this connection's buffers.
    pub fn segment(&self, pkt: &Pkt) -> Segment<'_> {
        let buf = match pkt.src {
            Src::None => &[][..],
            Src::Request => &self.req[..],
            Src::Response => &self.resp[..],
        };
        let payload = buf.get(pkt.start..pkt.start + pkt.len).unwrap_or(&[]);
        let (src, dst, window) = if pkt.from_client {
            (self.client, self.server, CLIENT_WINDOW)
        } else {
            (self.server, self.client, SERVER_WINDOW)
        };
        let mss = (pkt.flags & SYN != 0).then_some(MSS as u16);
        Segment {
            src,
            dst,
            seq: pkt.seq,
            ack: pkt.ack,
            flags: pkt.flags,
            window,
            mss,
            payload,
        }
    }

    fn refill(&mut self, rng: &mut Rng, stopping: bool, now_secs: u64) -> Option<u16> {
        match self.phase {
            Phase::Handshake if stopping => self.phase = Phase::Done,
            Phase::Handshake => self.handshake(),
            Phase::Open if stopping || self.exchanges_left == 0 => self.close(rng),
            Phase::Open => return Some(self.exchange(rng, now_secs)),
            Phase::Done => {}
        }
        None
    }

    fn control(&mut self, from_client: bool, flags: u8) {
        let (seq, ack) = if from_client {
            (self.client_next, self.server_next)
        } else {
            (self.server_next, self.client_next)
        };
        self.queue
            .push_back(Pkt::control(from_client, seq, ack, flags));
        if flags & (SYN | FIN) != 0 {
            let next = if from_client {
                &mut self.client_next
            } else {
                &mut self.server_next
            };
            *next = next.wrapping_add(1);
        }
    }

    fn handshake(&mut self) {
        self.queue
            .push_back(Pkt::control(true, self.client_next, 0, SYN));
        self.client_next = self.client_next.wrapping_add(1);
        self.control(false, SYN | ACK);
        self.control(true, ACK);
        self.phase = Phase::Open;
    }

    /// Active close by either side (RFC 9293 §3.6): FIN, FIN, last ACK.
    fn close(&mut self, rng: &mut Rng) {
        let client_first = rng.chance(0.7);
        self.control(client_first, FIN | ACK);
        self.control(!client_first, FIN | ACK);
        self.control(client_first, ACK);
        self.phase = Phase::Done;
    }

    fn exchange(&mut self, rng: &mut Rng, now_secs: u64) -> u16 {
        let mut ex = Exchange {
            host: self.host,
            now_secs,
            req: &mut self.req,
            resp: &mut self.resp,
        };
        let status = scenario::play(&self.who, &mut self.conv, &mut ex, rng);
        self.exchanges_left = self.exchanges_left.saturating_sub(1);
        let req_segments = self.data(true, Src::Request, self.req.len());
        if req_segments > 1 {
            self.control(false, ACK);
        }
        let resp_len = self.resp.len();
        let mut start = 0;
        let mut unacked = 0;
        while start < resp_len {
            let len = (resp_len - start).min(MSS);
            self.push_data(false, Src::Response, start, len, start + len == resp_len);
            start += len;
            unacked += 1;
            if unacked == 2 || start == resp_len {
                self.control(true, ACK);
                unacked = 0;
            }
        }
        status
    }

    /// Queues `total` bytes of `src` from one side in MSS-sized segments and
    /// returns how many segments that took.
    fn data(&mut self, from_client: bool, src: Src, total: usize) -> usize {
        let mut start = 0;
        let mut count = 0;
        while start < total {
            let len = (total - start).min(MSS);
            self.push_data(from_client, src, start, len, start + len == total);
            start += len;
            count += 1;
        }
        count
    }

    fn push_data(&mut self, from_client: bool, src: Src, start: usize, len: usize, last: bool) {
        let (seq, ack) = if from_client {
            (self.client_next, self.server_next)
        } else {
            (self.server_next, self.client_next)
        };
        let flags = if last { ACK | PSH } else { ACK };
        self.queue.push_back(Pkt {
            from_client,
            seq,
            ack,
            flags,
            src,
            start,
            len,
            retransmitted: false,
        });
        let next = if from_client {
            &mut self.client_next
        } else {
            &mut self.server_next
        };
        *next = next.wrapping_add(len as u32);
    }
}

/// Client addresses are 10.x.y.z (x >= 1), one per client index.
pub fn client_ip(index: u32) -> [u8; 4] {
    let n = index.wrapping_add(1 << 16);
    [10, (n >> 16) as u8, (n >> 8) as u8, n as u8]
}

fn mac(prefix: u8, ip: [u8; 4]) -> [u8; 6] {
    [prefix, 0x00, ip[0], ip[1], ip[2], ip[3]]
}
