//! Frame building and capture-file writing for the generator.
//! Owns the output writer, a scratch frame buffer and the file-level counters;
//! receives TCP segments described by `Segment`; emits Ethernet II / IPv4 / TCP
//! frames in classic pcap (microsecond) or pcapng records; must not reorder or
//! drop what it is given (reordering is decided by the caller).

use std::io::{self, Write};

pub const ETH_LEN: usize = 14;
pub const IPV4_LEN: usize = 20;
pub const TCP_LEN: usize = 20;
pub const SNAPLEN: u32 = 65_535;

pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const PSH: u8 = 0x08;
pub const ACK: u8 = 0x10;

/// Capture file formats the generator can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FileFormat {
    /// libpcap format, microsecond timestamps, little-endian.
    Pcap,
    /// pcapng with one section, one Ethernet interface, microsecond timestamps.
    Pcapng,
}

/// One side of a TCP connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub mac: [u8; 6],
    pub ip: [u8; 4],
    pub port: u16,
}

/// A TCP segment to put on the wire.
#[derive(Clone, Copy, Debug)]
pub struct Segment<'a> {
    pub src: Endpoint,
    pub dst: Endpoint,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
    /// Add an MSS option (RFC 9293 §3.7.1), as SYN and SYN-ACK carry.
    pub mss: Option<u16>,
    pub payload: &'a [u8],
}

/// Writes frames to `out`; counts what it wrote.
pub struct CaptureWriter<W: Write> {
    out: W,
    format: FileFormat,
    frame: Vec<u8>,
    ip_id: u16,
    pub packets: u64,
    pub bytes: u64,
}

impl<W: Write> CaptureWriter<W> {
    pub fn new(mut out: W, format: FileFormat) -> io::Result<Self> {
        let header = file_header(format);
        out.write_all(&header)?;
        Ok(Self {
            out,
            format,
            frame: Vec::with_capacity(2048),
            ip_id: 1,
            packets: 0,
            bytes: header.len() as u64,
        })
    }

    pub fn write_segment(&mut self, ts_us: u64, seg: &Segment<'_>) -> io::Result<()> {
        self.ip_id = self.ip_id.wrapping_add(1);
        build_frame(&mut self.frame, seg, self.ip_id);
        let len = self.frame.len() as u32;
        let record = match self.format {
            FileFormat::Pcap => pcap_record_header(ts_us, len),
            FileFormat::Pcapng => epb_header(ts_us, len),
        };
        self.out.write_all(record.as_slice())?;
        self.out.write_all(&self.frame)?;
        let mut written = record.len() + self.frame.len();
        if self.format == FileFormat::Pcapng {
            let pad = (4 - self.frame.len() % 4) % 4;
            let total = (32 + self.frame.len() + pad) as u32;
            self.out.write_all(&[0u8; 3][..pad])?;
            self.out.write_all(&total.to_le_bytes())?;
            written += pad + 4;
        }
        self.packets += 1;
        self.bytes += written as u64;
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// A record header of either format (16 bytes for pcap, 28 for pcapng's EPB).
pub struct RecordHeader {
    buf: [u8; 28],
    len: usize,
}

impl RecordHeader {
    fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
    fn len(&self) -> usize {
        self.len
    }
}

fn file_header(format: FileFormat) -> Vec<u8> {
    let mut h = Vec::with_capacity(48);
    match format {
        FileFormat::Pcap => {
            h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
            h.extend_from_slice(&2u16.to_le_bytes());
            h.extend_from_slice(&4u16.to_le_bytes());
            h.extend_from_slice(&[0u8; 8]);
            h.extend_from_slice(&SNAPLEN.to_le_bytes());
            h.extend_from_slice(&1u32.to_le_bytes());
        }
        FileFormat::Pcapng => {
            for word in [0x0A0D_0D0Au32, 28, 0x1A2B_3C4D, 1] {
                h.extend_from_slice(&word.to_le_bytes());
            }
            h.extend_from_slice(&u64::MAX.to_le_bytes());
            h.extend_from_slice(&28u32.to_le_bytes());
            for word in [1u32, 20, 1, SNAPLEN, 20] {
                h.extend_from_slice(&word.to_le_bytes());
            }
        }
    }
    h
}

fn pcap_record_header(ts_us: u64, len: u32) -> RecordHeader {
    let mut buf = [0u8; 28];
    let secs = (ts_us / 1_000_000) as u32;
    let micros = (ts_us % 1_000_000) as u32;
    for (i, word) in [secs, micros, len, len].into_iter().enumerate() {
        buf[i * 4..i * 4 + 4].copy_from_slice(&word.to_le_bytes());
    }
    RecordHeader { buf, len: 16 }
}

fn epb_header(ts_us: u64, len: u32) -> RecordHeader {
    let mut buf = [0u8; 28];
    let pad = (4 - len % 4) % 4;
    let total = 32 + len + pad;
    let words = [6u32, total, 0, (ts_us >> 32) as u32, ts_us as u32, len, len];
    for (i, word) in words.into_iter().enumerate() {
        buf[i * 4..i * 4 + 4].copy_from_slice(&word.to_le_bytes());
    }
    RecordHeader { buf, len: 28 }
}

/// Builds Ethernet II + IPv4 (RFC 791, DF set, no options) + TCP (RFC 9293 §3.1)
/// into `frame`, with both checksums filled in.
fn build_frame(frame: &mut Vec<u8>, seg: &Segment<'_>, ip_id: u16) {
    let opt_len = if seg.mss.is_some() { 4 } else { 0 };
    let tcp_len = TCP_LEN + opt_len + seg.payload.len();
    let ip_total = (IPV4_LEN + tcp_len) as u16;
    frame.clear();
    frame.extend_from_slice(&seg.dst.mac);
    frame.extend_from_slice(&seg.src.mac);
    frame.extend_from_slice(&[0x08, 0x00]);

    frame.extend_from_slice(&[0x45, 0x00]);
    frame.extend_from_slice(&ip_total.to_be_bytes());
    frame.extend_from_slice(&ip_id.to_be_bytes());
    frame.extend_from_slice(&[0x40, 0x00, 64, 6, 0, 0]);
    frame.extend_from_slice(&seg.src.ip);
    frame.extend_from_slice(&seg.dst.ip);
    let ip_sum = checksum(&frame[ETH_LEN..ETH_LEN + IPV4_LEN], 0);
    frame[ETH_LEN + 10..ETH_LEN + 12].copy_from_slice(&ip_sum.to_be_bytes());

    let tcp_start = frame.len();
    frame.extend_from_slice(&seg.src.port.to_be_bytes());
    frame.extend_from_slice(&seg.dst.port.to_be_bytes());
    frame.extend_from_slice(&seg.seq.to_be_bytes());
    frame.extend_from_slice(&seg.ack.to_be_bytes());
    let offset_words = ((TCP_LEN + opt_len) / 4) as u8;
    frame.extend_from_slice(&[offset_words << 4, seg.flags]);
    frame.extend_from_slice(&seg.window.to_be_bytes());
    frame.extend_from_slice(&[0, 0, 0, 0]);
    if let Some(mss) = seg.mss {
        frame.extend_from_slice(&[2, 4]);
        frame.extend_from_slice(&mss.to_be_bytes());
    }
    frame.extend_from_slice(seg.payload);

    let pseudo = pseudo_header_sum(seg.src.ip, seg.dst.ip, tcp_len as u32);
    let tcp_sum = checksum(&frame[tcp_start..], pseudo);
    frame[tcp_start + 16..tcp_start + 18].copy_from_slice(&tcp_sum.to_be_bytes());
}

fn pseudo_header_sum(src: [u8; 4], dst: [u8; 4], tcp_len: u32) -> u64 {
    u64::from(u32::from_be_bytes(src)) + u64::from(u32::from_be_bytes(dst)) + 6 + u64::from(tcp_len)
}

/// The Internet checksum (RFC 1071): the one's-complement sum is computed over
/// 32-bit words and folded, which gives the same result as 16-bit words.
pub fn checksum(data: &[u8], initial: u64) -> u16 {
    let mut sum = initial;
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        sum += u64::from(u32::from_be_bytes([w[0], w[1], w[2], w[3]]));
    }
    let rest = words.remainder();
    let mut tail = [0u8; 4];
    tail[..rest.len()].copy_from_slice(rest);
    sum += u64::from(u32::from_be_bytes(tail));
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}
